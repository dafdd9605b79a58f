//! What the harness's end-to-end tests share: running the `gclab` binary, reading its
//! errors, and a fresh scratch folder per test. (Each test binary includes this module and
//! uses what it needs.)
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs the `gclab` binary with `args` to completion.
pub fn gclab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gclab"))
        .args(args)
        .output()
        .expect("gclab runs")
}

/// A run's standard error as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// An empty folder for the test `name`, unique to this process (emptied if it exists).
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gclab-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
