//! The pool allocator benchmark's two loops, for instruction counting under callgrind:
//! `profile_pool N` allocates and frees a 32-byte object N times back to back, then N times
//! in batches of 1,000.

use std::hint::black_box;

use gc_core::alloc::{Geometry, Space};
use gc_core::ObjRef;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let mut space = Space::new(Geometry::default(), None).expect("default geometry");
    for _ in 0..n {
        let r = space.alloc(8).expect("no limit");
        space.free(black_box(r));
    }
    let mut live: Vec<ObjRef> = Vec::with_capacity(1000);
    for _ in 0..n / 1000 {
        for _ in 0..1000 {
            live.push(space.alloc(8).expect("no limit"));
        }
        for r in live.drain(..) {
            space.free(r);
        }
    }
    println!("{} objects in use", space.stats().objects_in_use);
}
