//! One rc-bacon collection over buffered possible roots, for instruction counting under
//! callgrind with `--toggle-collect='*collect_cycles*'`: `profile_bacon pairs N` (N garbage
//! pairs, as `seed-cycles` drops them: both objects buffered) or `profile_bacon dll LISTS
//! LENGTH` (garbage doubly linked lists, built as `dll-churn` builds them, each dropped
//! through its head). Collection is disabled while building, so the one `collect(None)`
//! examines every root. Prints the objects freed and scanned.

use gc_core::{fixtures, GcControl, GcResult, HeapConfig, Mutator, Runtime, Shape};
use gc_refcount::RcBacon;

fn runtime() -> Runtime<RcBacon> {
    let mut m = Runtime::new(HeapConfig::default(), RcBacon::default()).unwrap();
    m.reserve_slots(4).unwrap();
    m.disable();
    m
}

fn dll(m: &mut Runtime<RcBacon>, lists: u64, length: u64) -> GcResult<()> {
    const HEAD: usize = 0;
    const TAIL: usize = 1;
    const NEW: usize = 2;
    let shape = Shape::new(2, 8);
    for _ in 0..lists {
        m.alloc(HEAD, shape)?;
        m.copy(TAIL, HEAD)?;
        for _ in 1..length {
            m.alloc(NEW, shape)?;
            m.store(TAIL, 1, Some(NEW))?;
            m.store(NEW, 0, Some(TAIL))?;
            m.copy(TAIL, NEW)?;
        }
        m.clear(NEW)?;
        m.clear(TAIL)?;
        m.clear(HEAD)?;
    }
    Ok(())
}

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "pairs".to_string());
    let n: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let length: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(100);
    let mut m = runtime();
    match which.as_str() {
        "dll" => dll(&mut m, n, length).unwrap(),
        _ => fixtures::cycle_pairs(&mut m, 0, 1, n).unwrap(),
    }
    let start = std::time::Instant::now();
    let freed = m.collect(None).unwrap();
    eprintln!("collection: {:?}", start.elapsed());
    assert_eq!(m.heap_stats().objects_in_use, 0);
    println!(
        "{which} {n}: {freed} freed, {} scanned",
        m.objects_scanned()
    );
}
