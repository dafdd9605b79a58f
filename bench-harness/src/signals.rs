//! The parent's side of "no child outlives a run": SIGINT, SIGTERM and SIGHUP are caught by a
//! thread (signal-hook) that records the signal and kills the running child's whole process
//! group at once. The runner sees the signal after that cell, writes nothing, and `gclab`
//! exits with 128 + the signal's number (130 for SIGINT). The child's side, for a parent that
//! dies without a chance to act (SIGKILL), is [`crate::child::guard_against_orphaning`].

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

#[derive(Debug, Default)]
struct Shared {
    /// The first signal received, 0 for none.
    signal: AtomicI32,
    /// Process group of the running child, 0 for none.
    child_group: AtomicI32,
}

impl Shared {
    fn kill_child_group(&self) {
        let group = self.child_group.load(Ordering::SeqCst);
        if group > 0 {
            let _ = killpg(Pid::from_raw(group), Signal::SIGKILL);
        }
    }
}

/// The signals received so far and the child group to kill on one.
#[derive(Clone, Debug, Default)]
pub struct Interrupts {
    shared: Arc<Shared>,
}

impl Interrupts {
    /// Interrupts that never fire (no handler installed): for library callers and tests.
    pub fn none() -> Interrupts {
        Interrupts::default()
    }

    /// Catches SIGINT, SIGTERM and SIGHUP for the rest of the process's life.
    pub fn install() -> Result<Interrupts, String> {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let interrupts = Interrupts::default();
        let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])
            .map_err(|e| format!("cannot install signal handlers: {e}"))?;
        let shared = Arc::clone(&interrupts.shared);
        std::thread::Builder::new()
            .name("gclab-signals".into())
            .spawn(move || {
                for signal in signals.forever() {
                    let _ = shared.signal.compare_exchange(
                        0,
                        signal,
                        Ordering::SeqCst,
                        Ordering::SeqCst,
                    );
                    shared.kill_child_group();
                }
            })
            .map_err(|e| format!("cannot start the signal thread: {e}"))?;
        Ok(interrupts)
    }

    /// The first signal received, if any.
    pub fn signal(&self) -> Option<i32> {
        match self.shared.signal.load(Ordering::SeqCst) {
            0 => None,
            s => Some(s),
        }
    }

    /// Registers the process group of a child just started. If a signal came first, the
    /// group is killed here: either this or the signal thread sees the other's store.
    pub fn child_started(&self, group: u32) {
        self.shared
            .child_group
            .store(group as i32, Ordering::SeqCst);
        if self.signal().is_some() {
            self.shared.kill_child_group();
        }
    }

    /// Forgets the child's group once it has been reaped.
    pub fn child_ended(&self) {
        self.shared.child_group.store(0, Ordering::SeqCst);
    }

    /// Kills the registered child group now (a timeout).
    pub fn kill_child(&self) {
        self.shared.kill_child_group();
    }
}

/// The usual name of `signal`, for messages.
pub fn signal_name(signal: i32) -> String {
    Signal::try_from(signal).map_or_else(|_| format!("signal {signal}"), |s| s.as_str().to_string())
}
