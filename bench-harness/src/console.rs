//! Printing that a closed stream cannot turn into a panic. `println!` panics when stdout is a
//! pipe whose reader has gone (`gclab run | head -1`); here a failed write marks the stream
//! closed and later text for it is dropped, so the work (and the results) go on.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
static STDERR_CLOSED: AtomicBool = AtomicBool::new(false);

fn write_to(stream: &mut dyn Write, closed: &AtomicBool, text: &str) {
    if closed.load(Ordering::Relaxed) {
        return;
    }
    if stream
        .write_all(text.as_bytes())
        .and_then(|_| stream.flush())
        .is_err()
    {
        closed.store(true, Ordering::Relaxed);
    }
}

/// Writes `text` to stdout unless stdout has closed.
pub fn out(text: &str) {
    write_to(&mut std::io::stdout().lock(), &STDOUT_CLOSED, text);
}

/// Writes `text` and a newline to stdout unless stdout has closed.
pub fn outln(text: &str) {
    out(&format!("{text}\n"));
}

/// Writes `text` and a newline to stderr unless stderr has closed.
pub fn errln(text: &str) {
    write_to(
        &mut std::io::stderr().lock(),
        &STDERR_CLOSED,
        &format!("{text}\n"),
    );
}

/// Whether stdout has been found closed.
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}
