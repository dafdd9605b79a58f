//! The compacting collector's own promises, beyond the kit: it gives arenas back where
//! marksweep cannot, its threshold is a parameter (0 never moves), and bad thresholds are
//! one-line errors.

use gc_core::{GcControl, HeapConfig, Mutator, Runtime, Shape};
use gc_tracing::{Compact, MarkSweep};

/// Allocates 200,000 objects of mixed sizes, keeps every twentieth in a list at slot 0,
/// drops the rest, collects once; returns (bytes held, bytes in use, objects moved).
fn fragment<C: gc_core::Collector>(collector: C) -> (u64, u64, u64) {
    let mut m = Runtime::new(HeapConfig::verified(), collector).unwrap();
    m.reserve_slots(2).unwrap();
    m.disable();
    for i in 0..200_000u32 {
        if i % 20 == 0 {
            m.alloc(1, Shape::new(1, i % 300)).unwrap();
            m.store(1, 0, Some(0)).unwrap();
            m.copy(0, 1).unwrap();
        } else {
            m.alloc(1, Shape::new(0, i % 400)).unwrap();
        }
    }
    m.clear(1).unwrap();
    assert_eq!(m.collect(None).unwrap(), 190_000);
    m.verify_now().unwrap();
    let s = m.heap_stats();
    assert_eq!(s.objects_in_use, 10_000);
    (s.bytes_held, s.bytes_in_use, s.objects_moved)
}

#[test]
fn compact_gives_back_the_arenas_marksweep_keeps() {
    let (held, used, moved) = fragment(MarkSweep::default());
    assert_eq!(moved, 0);
    assert!(held > 5 * used, "marksweep holds {held} for {used}");
    let (held, used, moved) = fragment(Compact::default());
    assert_eq!(moved, 10_000, "every survivor sat in a sparse arena");
    // Within one arena (1 MiB) of what is used: the survivors packed into whole arenas.
    assert!(held <= used + (1 << 20), "compact holds {held} for {used}");
}

#[test]
fn a_zero_threshold_never_moves() {
    let (_, _, moved) = fragment(Compact::with_occupancy(0.0).unwrap());
    assert_eq!(moved, 0);
}

#[test]
fn thresholds_are_checked() {
    assert!(Compact::with_occupancy(1.5).is_err());
    let mut c = Runtime::new(HeapConfig::default(), Compact::default()).unwrap();
    assert_eq!(c.get_threshold(), vec![200, 1 << 20, 80]);
    c.set_threshold(&[150, 1 << 20, 50]).unwrap();
    assert_eq!(c.get_threshold(), vec![150, 1 << 20, 50]);
    let e = c
        .set_threshold(&[200, 1 << 20, 101])
        .unwrap_err()
        .to_string();
    assert!(e.contains("101%") && !e.contains('\n'), "{e}");
    let mut m = Runtime::new(HeapConfig::default(), MarkSweep::default()).unwrap();
    let e = m
        .set_threshold(&[200, 1 << 20, 50])
        .unwrap_err()
        .to_string();
    assert!(e.contains("marksweep takes"), "{e}");
}

/// Allocates 100,000 small objects in slot 1 and keeps every other one in a list at slot 0,
/// so that later allocations of that size fill scattered holes.
fn holes(m: &mut Runtime<Compact>) {
    m.reserve_slots(3).unwrap();
    m.disable();
    for i in 0..100_000u32 {
        m.alloc(1, Shape::new(1, 8)).unwrap();
        if i % 2 == 0 {
            m.store(1, 0, Some(0)).unwrap();
            m.copy(0, 1).unwrap();
        }
    }
    m.clear(1).unwrap();
    m.collect(None).unwrap();
}

#[test]
fn permanent_roots_follow_their_objects() {
    let mut m = Runtime::new(HeapConfig::verified(), Compact::default()).unwrap();
    holes(&mut m);
    // The baseline chain fills the holes, scattered over the list's arenas.
    m.add_baseline(20_000).unwrap();
    m.clear(0).unwrap();
    m.collect(None).unwrap();
    let s = m.heap_stats();
    assert!(s.objects_moved >= 20_000, "moved {}", s.objects_moved);
    assert_eq!(s.objects_in_use, 20_000);
    m.verify_now().unwrap();
    assert_eq!(m.leak_report().unwrap().objects, 0);
}
