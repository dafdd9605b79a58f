//! The gclab harness (filled in by its own issue).
#![forbid(unsafe_code)]
fn main() {}
