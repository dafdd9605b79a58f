//! The whole collector contract for the registered preset `cycle-plain` (CPython's plain
//! path only).

gc_core::conformance_tests!(gc_cycle::CyclePlain::default);

#[test]
fn cycle_plain_takes_only_the_plain_path() {
    use gc_core::{Collector, HeapConfig, Mutator, Runtime};
    let mut m = Runtime::new(HeapConfig::verified(), gc_cycle::CyclePlain::default()).unwrap();
    assert_eq!(m.collector().name(), "cycle-plain");
    m.reserve_slots(2).unwrap();
    gc_core::fixtures::cycle_pairs(&mut m, 0, 1, 10).unwrap();
    assert_eq!(m.collect(None).unwrap(), 20);
    m.alloc(0, gc_core::Shape::new(1, 0)).unwrap();
    m.collect(Some(0)).unwrap();
    let paths = m.collector().0.paths();
    assert_eq!(paths.plain(), 2);
    let fast: u64 = [gc_cycle::Gather::Walk, gc_cycle::Gather::Table]
        .into_iter()
        .map(|g| paths.gathered(g))
        .sum();
    assert_eq!(fast, 0, "no fast path taken");
}
