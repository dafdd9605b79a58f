//! Compiles a gclab trace into the CPython peer's replay program and prints its size:
//!
//! ```text
//! cargo run --release -p peers --example trace_to_python -- --trace FILE [--out PROGRAM]
//!     [--heap-limit-mib N]   (the checking heap's limit for a trace from elsewhere; 256)
//! cargo run --release -p peers --example trace_to_python -- --workload NAME [--set k=v]...
//!     [--seed N] [--out PROGRAM] [--write-trace FILE]
//! ```
//!
//! `python3 peers/python/gclab_cpython.py PROGRAM` then replays it.

use std::path::Path;

fn fail(message: impl std::fmt::Display) -> ! {
    eprintln!("trace_to_python: {message}");
    std::process::exit(2);
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut trace, mut workload, mut out, mut write_trace) = (None, None, None, None);
    let mut overrides = Vec::new();
    let mut seed = 0u64;
    let mut heap_limit = workloads::trace::UNTRUSTED_HEAP_LIMIT;
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| fail(format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--trace" => trace = Some(value()),
            "--workload" => workload = Some(value()),
            "--out" => out = Some(value()),
            "--write-trace" => write_trace = Some(value()),
            "--seed" => {
                seed = value()
                    .parse()
                    .unwrap_or_else(|e| fail(format!("--seed: {e}")))
            }
            "--heap-limit-mib" => {
                heap_limit = value()
                    .parse::<usize>()
                    .ok()
                    .filter(|&m| (1..=1 << 20).contains(&m))
                    .map(|m| m << 20)
                    .unwrap_or_else(|| fail("--heap-limit-mib: a whole number from 1 to 1048576"))
            }
            "--set" => {
                let kv = value();
                let (k, v) = kv
                    .split_once('=')
                    .unwrap_or_else(|| fail(format!("--set {kv}: expected param=value")));
                overrides.push((k.to_string(), v.to_string()));
            }
            other => fail(format!("unknown argument {other}")),
        }
    }
    let start = std::time::Instant::now();
    let bytes = match (trace, workload) {
        (Some(path), None) => {
            let bytes = workloads::trace::read_trace_file(Path::new(&path))
                .unwrap_or_else(|e| fail(format!("{path}: {e}")));
            // The compiler only decodes; a trace from elsewhere gets gc-core's object-level
            // checks first, so CPython never runs what gclab's own heaps would reject.
            workloads::trace::check_against_heap_with_limit(&bytes, heap_limit)
                .unwrap_or_else(|e| fail(format!("{path}: {e}")));
            bytes
        }
        (None, Some(name)) => {
            let w = workloads::Workload::parse(&name, workloads::Size::Default, &overrides)
                .unwrap_or_else(|e| fail(e));
            peers::cpython::record_trace(&w, seed).unwrap_or_else(|e| fail(e))
        }
        _ => fail("give exactly one of --trace FILE and --workload NAME"),
    };
    if let Some(path) = write_trace {
        workloads::trace::write_trace_file(Path::new(&path), &bytes)
            .unwrap_or_else(|e| fail(format!("{path}: {e}")));
    }
    let program = peers::pyprogram::compile_trace(&bytes).unwrap_or_else(|e| fail(e));
    let h = &program.header;
    println!(
        "{} lines of operations -> {} calls of {} functions ({} source lines, {} KiB), {} payload \
         writes, in {:.2?}",
        h.operations,
        h.calls,
        h.functions,
        program.source.lines().count(),
        h.source_bytes / 1024,
        h.payload_writes,
        start.elapsed()
    );
    if let Some(path) = out {
        workloads::trace::write_file_atomically(Path::new(&path), &program.to_bytes())
            .unwrap_or_else(|e| fail(format!("{path}: {e}")));
    }
}
