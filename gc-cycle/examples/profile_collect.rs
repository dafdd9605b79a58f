//! One collection of garbage pairs, or of a live random graph, for instruction counting
//! under callgrind with `--toggle-collect='*collect_generation*'`:
//! `profile_collect pairs N` or `profile_collect graph N`.

use gc_core::{GcControl, HeapConfig, Mutator, Runtime, Shape};
use gc_cycle::CycleGc;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn pairs(n: u64) -> u64 {
    let mut m = Runtime::new(HeapConfig::default(), CycleGc::default()).unwrap();
    m.reserve_slots(2).unwrap();
    m.disable();
    for _ in 0..n {
        m.alloc(0, Shape::new(1, 8)).unwrap();
        m.alloc(1, Shape::new(1, 8)).unwrap();
        m.store(0, 0, Some(1)).unwrap();
        m.store(1, 0, Some(0)).unwrap();
    }
    m.clear(0).unwrap();
    m.clear(1).unwrap();
    m.collect(None).unwrap()
}

fn graph(nodes: usize) -> u64 {
    const FANOUT: usize = 1000;
    let mut m = Runtime::new(HeapConfig::default(), CycleGc::default()).unwrap();
    m.reserve_slots(4).unwrap();
    m.disable();
    let arrays = nodes / FANOUT;
    m.alloc(0, Shape::new(arrays as u32, 0)).unwrap();
    for a in 0..arrays {
        m.alloc(1, Shape::new(FANOUT as u32, 0)).unwrap();
        m.store(0, a, Some(1)).unwrap();
        for i in 0..FANOUT {
            m.alloc(2, Shape::new(2, 8)).unwrap();
            m.store(1, i, Some(2)).unwrap();
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    for a in 0..arrays {
        m.load(1, 0, a).unwrap();
        for i in 0..FANOUT {
            m.load(2, 1, i).unwrap();
            for f in 0..2 {
                let target = rng.gen_range(0..arrays * FANOUT);
                m.load(3, 0, target / FANOUT).unwrap();
                m.load(3, 3, target % FANOUT).unwrap();
                m.store(2, f, Some(3)).unwrap();
            }
        }
    }
    for s in [1, 2, 3] {
        m.clear(s).unwrap();
    }
    m.collect(None).unwrap();
    let start = std::time::Instant::now();
    let freed = m.collect(None).unwrap();
    eprintln!("second full collection: {:?}", start.elapsed());
    freed
}

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "pairs".to_string());
    let n: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let freed = if which == "graph" {
        graph(n as usize)
    } else {
        pairs(n)
    };
    println!("{which} {n}: {freed} freed");
}
