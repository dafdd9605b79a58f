//! The pool allocator against `Box::new`/drop, back to back and in batches of 1,000, as
//! `cargo bench -p gc-core` measures them, but in many short interleaved rounds reporting the
//! fastest and the median round of each: on a shared, noisy machine the fastest rounds of
//! two loops run side by side give a steadier ratio than two long means.
//! `cargo run --release -p gc-core --example pool_vs_box [ROUNDS]`

use std::hint::black_box;
use std::time::Instant;

use gc_core::alloc::{Geometry, Space};
use gc_core::ObjRef;

const PAIRS: usize = 200_000;
const BATCH: usize = 1000;

fn per_pair(start: Instant) -> f64 {
    start.elapsed().as_nanos() as f64 / PAIRS as f64
}

fn pool_back_to_back(space: &mut Space) -> f64 {
    let start = Instant::now();
    for _ in 0..PAIRS {
        let r = space.alloc(8).expect("no limit");
        space.free(black_box(r));
    }
    per_pair(start)
}

fn box_back_to_back() -> f64 {
    let start = Instant::now();
    for i in 0..PAIRS {
        let x = Box::new([i as u64; 4]);
        drop(black_box(x));
    }
    per_pair(start)
}

fn pool_batch(space: &mut Space, live: &mut Vec<ObjRef>) -> f64 {
    let start = Instant::now();
    for _ in 0..PAIRS / BATCH {
        for _ in 0..BATCH {
            live.push(space.alloc(8).expect("no limit"));
        }
        for r in live.drain(..) {
            space.free(r);
        }
    }
    per_pair(start)
}

// The boxes are the point: each is one allocation of the system allocator.
#[allow(clippy::vec_box)]
fn box_batch(live: &mut Vec<Box<[u64; 4]>>) -> f64 {
    let start = Instant::now();
    for _ in 0..PAIRS / BATCH {
        for i in 0..BATCH {
            live.push(black_box(Box::new([i as u64; 4])));
        }
        live.clear();
    }
    per_pair(start)
}

fn summary(name: &str, mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    let (fastest, median) = (times[0], times[times.len() / 2]);
    println!("{name:<22} fastest {fastest:6.2} ns/pair   median {median:6.2} ns/pair");
    fastest
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50);
    let mut space = Space::new(Geometry::default(), None).expect("default geometry");
    let mut refs = Vec::with_capacity(BATCH);
    let mut boxes = Vec::with_capacity(BATCH);
    let mut t = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..rounds {
        t[0].push(pool_back_to_back(&mut space));
        t[1].push(box_back_to_back());
        t[2].push(pool_batch(&mut space, &mut refs));
        t[3].push(box_batch(&mut boxes));
    }
    let [a, b, c, d] = t;
    let pool = summary("back-to-back pool", a);
    let boxed = summary("back-to-back Box", b);
    println!("  Box / pool (fastest rounds): {:.2}x", boxed / pool);
    let pool = summary("batch of 1000 pool", c);
    let boxed = summary("batch of 1000 Box", d);
    println!("  Box / pool (fastest rounds): {:.2}x", boxed / pool);
}
