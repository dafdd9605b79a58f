//! Heap-building fixtures shared by the conformance kit, the collectors' benches and their
//! profiling examples, so every crate measures exactly the same structures.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{GcResult, Mutator, Shape, Slot};

/// Builds `pairs` two-object cycles (the seed text's `obj1.ref = obj2; obj2.ref = obj1`, one
/// field and 8 payload bytes each) in slots `a` and `b`, then clears both: pure cyclic
/// garbage, `2 * pairs` objects of it.
pub fn cycle_pairs<M: Mutator + ?Sized>(m: &mut M, a: Slot, b: Slot, pairs: u64) -> GcResult<()> {
    for _ in 0..pairs {
        m.alloc(a, Shape::new(1, 8))?;
        m.alloc(b, Shape::new(1, 8))?;
        m.store(a, 0, Some(b))?;
        m.store(b, 0, Some(a))?;
    }
    m.clear(a)?;
    m.clear(b)
}

/// Builds a live random graph: `nodes` objects with two fields and 8 payload bytes, each
/// field pointing at a node chosen by ChaCha8 from `seed`, all held by arrays of `fanout`
/// references held by one root array in slot `root` (as a Python list of lists would hold
/// them). Slots `root + 1 ..= root + 3` are scratch and left null. `nodes` is rounded down to
/// a multiple of `fanout`; the graph has `nodes + nodes / fanout + 1` objects in all.
pub fn indexed_random_graph<M: Mutator + ?Sized>(
    m: &mut M,
    root: Slot,
    nodes: usize,
    fanout: usize,
    seed: u64,
) -> GcResult<()> {
    let (array, node, other) = (root + 1, root + 2, root + 3);
    m.reserve_slots(root + 4)?;
    let arrays = nodes / fanout;
    m.alloc(root, Shape::new(arrays as u32, 0))?;
    for a in 0..arrays {
        m.alloc(array, Shape::new(fanout as u32, 0))?;
        m.store(root, a, Some(array))?;
        for i in 0..fanout {
            m.alloc(node, Shape::new(2, 8))?;
            m.store(array, i, Some(node))?;
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for a in 0..arrays {
        m.load(array, root, a)?;
        for i in 0..fanout {
            m.load(node, array, i)?;
            for f in 0..2 {
                let target = rng.gen_range(0..arrays * fanout);
                m.load(other, root, target / fanout)?;
                m.load(other, other, target % fanout)?;
                m.store(node, f, Some(other))?;
            }
        }
    }
    for s in [array, node, other] {
        m.clear(s)?;
    }
    Ok(())
}
