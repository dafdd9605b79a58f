//! The `snapshot-*` workloads: embedded real heaps whose expectations come from the oracle.

use gc_core::{GcControl, HeapConfig, NoGc, Runtime};
use workloads::{Size, SnapshotMarkdown, SnapshotStdlib, Workload};

/// Objects the trace allocates, counted from its operations (independently of the oracle).
fn allocations(trace: &[u8]) -> u64 {
    let mut rt = Runtime::new(HeapConfig::default(), NoGc).unwrap();
    workloads::trace::replay(trace, &mut rt).unwrap();
    rt.heap_stats().total_allocated
}

#[test]
fn snapshots_end_empty_with_cyclic_garbage_and_scale_with_rounds() {
    for (name, trace) in [
        ("snapshot-stdlib", SnapshotStdlib::TRACE),
        ("snapshot-markdown", SnapshotMarkdown::TRACE),
    ] {
        assert!(trace.len() < 1 << 20, "{name}: {} bytes", trace.len());
        let one = Workload::parse(name, Size::Small, &[])
            .unwrap()
            .expectations();
        assert_eq!(one.allocated, allocations(trace), "{name}");
        assert_eq!(one.live_at_end, 0, "{name}: every root is dropped");
        assert!(
            one.cyclic_garbage > 0 && one.cyclic_garbage < one.allocated,
            "{name}"
        );
        let three = Workload::parse(name, Size::Small, &[("rounds".into(), "3".into())])
            .unwrap()
            .expectations();
        assert_eq!(three.allocated, 3 * one.allocated);
        assert_eq!(three.cyclic_garbage, 3 * one.cyclic_garbage);
    }
}
