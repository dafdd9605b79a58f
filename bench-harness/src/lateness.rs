//! Memory lateness: the bytes held by objects that are already unreachable, over a run.
//!
//! This is what the reports against CPython 3.14's incremental collector were about: garbage
//! that waits. At evenly spaced points of the operation stream (every 1/[`POINTS`] of the
//! workload's allocations), the lateness is the heap in use minus the live bytes, computed
//! directly as the bytes of the allocated objects that the oracle's walk from the roots
//! does not reach. Its mean over the points and its peak go into the run's row.
//!
//! The oracle's walk costs a pass over the heap, so it never runs in the timed run: the
//! child process replays the same workload, seed and collector once more, untimed (a
//! workload never branches on what the collector does, and every collector here schedules
//! by counts and bytes, not time, so the replay's heap is the timed run's at every point),
//! and measures there. GC time, pauses and wall time are the timed run's alone.

use gc_core::{oracle, Collector, Heap, HeapConfig, Runtime};
use workloads::Workload;

use crate::sampler::Sampled;

/// Points of the run at which lateness is measured.
pub const POINTS: u64 = 128;

/// The lateness of one run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Lateness {
    /// Mean bytes held by unreachable objects over the points.
    pub mean_bytes: u64,
    /// Most bytes held by unreachable objects at any point.
    pub peak_bytes: u64,
}

/// Bytes of allocated objects the oracle finds unreachable (0 if the walk fails, which the
/// timed run reports as its own failure).
pub fn unreachable_bytes(heap: &Heap) -> u64 {
    let Ok(live) = oracle::reachable(heap) else {
        return 0;
    };
    let mut bytes = 0u64;
    heap.for_each_object(|r| {
        if !live.contains(r) {
            bytes += heap.object_bytes(r) as u64;
        }
    });
    bytes
}

/// Replays `workload` with `seed` on `collector`, fresh (same heap limit and baseline
/// objects as the timed run), untimed, measuring the lateness at [`POINTS`] points. `None`
/// if the replay fails.
pub fn measure<C: Collector>(
    collector: C,
    workload: &Workload,
    seed: u64,
    heap_limit: Option<u64>,
    baseline_objects: u64,
) -> Option<Lateness> {
    let config = HeapConfig {
        heap_limit: heap_limit.map(|b| b as usize),
        ..HeapConfig::default()
    };
    let mut runtime = Runtime::new(config, collector).ok()?;
    runtime.add_baseline(baseline_objects).ok()?;
    let interval = (workload.expectations().allocated / POINTS).max(1);
    let mut sampled =
        Sampled::new(&mut runtime, std::time::Instant::now()).with_unreachable_probe(interval);
    workload.run(&mut sampled, seed).ok()?;
    Some(summarise(&sampled.unreachable_samples()))
}

/// Mean and peak of the points.
fn summarise(points: &[u64]) -> Lateness {
    if points.is_empty() {
        return Lateness::default();
    }
    Lateness {
        mean_bytes: points.iter().sum::<u64>() / points.len() as u64,
        peak_bytes: points.iter().copied().max().unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gc_core::{Mutator, Shape};

    #[test]
    fn summary_is_mean_and_peak() {
        assert_eq!(summarise(&[]), Lateness::default());
        let l = summarise(&[0, 100, 200, 100]);
        assert_eq!((l.mean_bytes, l.peak_bytes), (100, 200));
    }

    /// A dropped cycle is unreachable bytes until a collection frees it.
    #[test]
    fn a_dropped_cycle_is_late_until_collected() {
        let mut rt = Runtime::new(HeapConfig::default(), gc_cycle::CycleGc::default()).unwrap();
        rt.reserve_slots(2).unwrap();
        rt.alloc(0, Shape::new(1, 8)).unwrap();
        rt.alloc(1, Shape::new(1, 8)).unwrap();
        rt.store(0, 0, Some(1)).unwrap();
        rt.store(1, 0, Some(0)).unwrap();
        assert_eq!(unreachable_bytes(rt.heap()), 0);
        rt.clear(0).unwrap();
        rt.clear(1).unwrap();
        let pair = rt.heap().bytes_in_use() as u64;
        assert!(pair > 0);
        assert_eq!(unreachable_bytes(rt.heap()), pair);
        rt.collect(None).unwrap();
        assert_eq!(unreachable_bytes(rt.heap()), 0);
    }
}
