//! The binary-trees workload (GCBench-like), shared by the `binary_trees` bench and the
//! `profile_trees` and `trees_vs_rc` examples: a long-lived tree of depth 16, then
//! 2^(scale-d) trees of depth d for d in 4, 8, 12, 16 (8,450,000 nodes in all at the
//! benchmark's scale, 20; each node two references and an 8-byte payload), built bottom-up
//! and dropped, through the `Mutator` interface and with `std::rc::Rc<RefCell<_>>`.

#![allow(dead_code)] // each user takes the parts it needs

use std::cell::RefCell;
use std::hint::black_box;
use std::rc::Rc;

use gc_core::{Mutator, Shape};

/// The benchmark's scale.
pub const SCALE: u32 = 20;
const LONG_LIVED_DEPTH: u32 = 16;
const DEPTHS: [u32; 4] = [4, 8, 12, 16];
const NODE: Shape = Shape::new(2, 8);

fn tree_nodes(depth: u32) -> u64 {
    (1u64 << (depth + 1)) - 1
}

/// Trees of depth `d` built at `scale`.
fn trees(scale: u32, d: u32) -> u64 {
    1u64 << scale.saturating_sub(d)
}

/// Nodes built in one run at `scale`.
pub fn total_nodes(scale: u32) -> u64 {
    tree_nodes(LONG_LIVED_DEPTH)
        + DEPTHS
            .iter()
            .map(|&d| trees(scale, d) * tree_nodes(d))
            .sum::<u64>()
}

/// Builds a tree of `depth` bottom-up into `slot`, using the slots above it as scratch
/// (the mutator's recursion is at most 16 deep; the collector's work is iterative). A node
/// takes its children from their slots, as `Rc::new` takes its fields by move.
fn build<M: Mutator>(m: &mut M, depth: u32, slot: usize) {
    if depth > 0 {
        build(m, depth - 1, slot + 1);
        build(m, depth - 1, slot + 2);
        m.alloc_moving(slot, NODE, &[slot + 1, slot + 2]).unwrap();
    } else {
        m.alloc(slot, NODE).unwrap();
    }
}

/// One run through the heap (which needs 64 root slots); everything is freed at the end.
pub fn run_heap<M: Mutator>(m: &mut M, scale: u32) {
    build(m, LONG_LIVED_DEPTH, 0);
    for d in DEPTHS {
        for _ in 0..trees(scale, d) {
            build(m, d, 1);
            m.clear(1).unwrap();
        }
    }
    m.clear(0).unwrap();
}

struct Node {
    left: Option<Rc<RefCell<Node>>>,
    right: Option<Rc<RefCell<Node>>>,
    payload: u64,
}

fn make(depth: u32) -> Rc<RefCell<Node>> {
    let (left, right) = if depth > 0 {
        (Some(make(depth - 1)), Some(make(depth - 1)))
    } else {
        (None, None)
    };
    Rc::new(RefCell::new(Node {
        left,
        right,
        payload: 0,
    }))
}

/// The same run with `Rc<RefCell<_>>` (dropping a tree recurses, as `Rc` does; 16 deep).
pub fn run_rc(scale: u32) {
    let long_lived = make(LONG_LIVED_DEPTH);
    for d in DEPTHS {
        for _ in 0..trees(scale, d) {
            let t = make(d);
            black_box(&t);
            black_box(t.borrow().payload);
        }
    }
    black_box(long_lived.borrow().left.is_some() && long_lived.borrow().right.is_some());
}
