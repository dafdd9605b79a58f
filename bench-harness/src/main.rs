//! `gclab`: run collectors against workloads (`run`, `run --quick`, `run --shard`,
//! `run-one`), merge shards (`merge`) or write a Slurm job array (`slurm`), redraw results
//! (`plot`), compare result sets (`compare`), list what exists (`list`), start a collector
//! (`new-collector`).
#![forbid(unsafe_code)]

fn main() {
    if let Err(e) = bench_harness::cli::main_with_args(std::env::args()) {
        if !e.message().is_empty() {
            bench_harness::console::errln(&format!("gclab: {}", e.message()));
        }
        std::process::exit(e.exit_code());
    }
}
