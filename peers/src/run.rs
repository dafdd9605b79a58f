//! One Rust peer run: a fresh thread, the workload timed, a check collection, a census.

use std::time::Instant;

use gc_core::GcError;
use workloads::Workload;

use crate::adapter::Adapter;
use crate::heap::PeerHeap;
use crate::{PeerError, PeerRunResult};

/// Stack reserved for each peer run's thread. The crates recurse along object paths
/// (`Rc`'s and dumpster's drops, bacon_rajan_cc's and rust-gc's marking); a random graph of
/// a million objects can have paths hundreds of thousands long. The memory is only touched
/// as deep as a run really goes.
pub const RUN_STACK_BYTES: usize = 4 << 30;

/// Runs `workload` on a fresh thread (fresh crate state) and returns what it measured.
pub(crate) fn run_on_thread<H: PeerHeap + 'static>(
    workload: &Workload,
    seed: u64,
) -> Result<PeerRunResult, PeerError> {
    let crashed = |reason: String| PeerError::Crashed {
        peer: H::NAME.to_string(),
        reason,
    };
    let workload = workload.clone();
    std::thread::Builder::new()
        .name(format!("peer-{}", H::NAME))
        .stack_size(RUN_STACK_BYTES)
        .spawn(move || run_here::<H>(&workload, seed))
        .map_err(|e| crashed(format!("cannot start its thread: {e}")))?
        .join()
        .map_err(|panic| {
            let reason = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panicked".to_string());
            crashed(reason)
        })?
}

/// Runs `workload` on the current thread.
pub(crate) fn run_here<H: PeerHeap>(
    workload: &Workload,
    seed: u64,
) -> Result<PeerRunResult, PeerError> {
    let origin = Instant::now();
    let mut m = Adapter::<H>::new(origin);
    let outcome = workload.run(&mut m, seed);
    let wall_ns = origin.elapsed().as_nanos() as u64;
    let freed_during_run = m.dropped();
    let pauses = std::mem::take(&mut m.pauses);
    let (explicit_collections, automatic_collections) =
        (m.explicit_collections, m.automatic_collections);

    // The check collection runs after the clock stopped: it is verification, not workload.
    let start = Instant::now();
    m.timed_collect(false);
    let final_collect_ns = start.elapsed().as_nanos() as u64;
    let alive_after_final_collect = m.alive();

    // Free everything the crate can before the thread (and the crate's state) goes away.
    m.clear_roots();
    m.timed_collect(false);
    let leaked_at_exit = m.alive();

    let to_peer_error = |source: GcError| match source {
        GcError::Unsupported { what, .. } => PeerError::Unsupported {
            peer: H::NAME.to_string(),
            workload: workload.name().to_string(),
            what: what.to_string(),
        },
        source => PeerError::Workload {
            peer: H::NAME.to_string(),
            workload: workload.name().to_string(),
            source,
        },
    };
    outcome.map_err(to_peer_error)?;
    Ok(PeerRunResult {
        peer: H::NAME.to_string(),
        workload: workload.name().to_string(),
        seed,
        wall_ns,
        pauses,
        allocated: m.allocated,
        freed_during_run,
        explicit_collections,
        automatic_collections,
        final_collect_ns,
        alive_after_final_collect,
        leaked_at_exit,
        frozen: 0,
    })
}
