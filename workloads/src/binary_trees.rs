//! `binary-trees`: GCBench (Ellis, Kovac, Boehm), optionally with parent pointers.

use gc_core::{GcResult, Mutator, Shape, Slot};

use crate::support::clear_all;
use crate::Expectations;
use gc_core::params::Invalid;

crate::workload! {
    name: "binary-trees",
    description: "GCBench: stretch tree, long-lived tree and array, short-lived trees built top-down \
        and bottom-up; cyclic=true adds parent pointers (all garbage cyclic)",
    /// GCBench: a stretch tree built and dropped, a long-lived tree and a long-lived array of
    /// doubles, then for depth d = `min_depth`, `min_depth`+2, ..., `max_depth`,
    /// NumIters(d) = 2 * TreeSize(`stretch_depth`) / TreeSize(d) trees built top-down (GCBench's
    /// `Populate`) and as many bottom-up (`MakeTree`), each dropped at once
    /// (TreeSize(d) = 2^(d+1) - 1). With `cyclic`, every node also points back to its parent, so
    /// every dropped tree is cyclic garbage (GCBench itself has no cycles).
    ///
    /// Ends with the long-lived tree and the array still rooted. The seed is unused: GCBench is
    /// deterministic.
    pub struct BinaryTrees {
        /// Depth of the stretch tree (GCBench: 18); NumIters(d) =
        /// 2*TreeSize(stretch_depth)/TreeSize(d).
        stretch_depth: u32 = 18, small 10, in 1..=26;
        /// Depth of the tree kept alive for the whole run (GCBench: 16).
        long_lived_depth: u32 = 16, small 8, in ..=26;
        /// Smallest depth of the short-lived trees (GCBench: 4).
        min_depth: u32 = 4, in 1..;
        /// Largest depth of the short-lived trees, step 2 (GCBench: 16); from min_depth to
        /// stretch_depth.
        max_depth: u32 = 16, small 8;
        /// Doubles in the long-lived array (GCBench: 500,000; one large object).
        array_size: u64 = 500_000, small 1_000, in ..=1 << 27;
        /// Payload bytes per node (GCBench's two ints: 8).
        payload: u32 = 8, in ..=512;
        /// Every node also points back to its parent (all garbage cyclic).
        cyclic: bool = false;
    }
    check BinaryTrees::check_depths;
}

const LEFT: usize = 0;
const RIGHT: usize = 1;
const PARENT: usize = 2;

/// Nodes in a complete binary tree of `depth`.
fn tree_size(depth: u32) -> u64 {
    (1u64 << (depth + 1)) - 1
}

impl BinaryTrees {
    /// `max_depth` lies between `min_depth` and `stretch_depth`.
    fn check_depths(&self) -> Result<(), Invalid> {
        if self.max_depth < self.min_depth || self.max_depth > self.stretch_depth {
            return Err((
                "max_depth",
                format!(
                    "{} is outside min_depth..=stretch_depth ({}..={})",
                    self.max_depth, self.min_depth, self.stretch_depth
                ),
            ));
        }
        Ok(())
    }

    fn depths(&self) -> impl Iterator<Item = u32> {
        (self.min_depth..=self.max_depth).step_by(2)
    }

    fn num_iters(&self, depth: u32) -> u64 {
        2 * tree_size(self.stretch_depth) / tree_size(depth)
    }

    /// Counts implied by the parameters.
    pub fn expectations(&self) -> Expectations {
        let short_lived: u64 = self
            .depths()
            .map(|d| 2 * self.num_iters(d) * tree_size(d))
            .sum();
        let live_at_end = tree_size(self.long_lived_depth) + 1;
        let dropped = tree_size(self.stretch_depth) + short_lived;
        Expectations {
            allocated: dropped + live_at_end,
            live_at_end,
            cyclic_garbage: if self.cyclic { dropped } else { 0 },
        }
    }

    fn node_shape(&self) -> Shape {
        Shape::new(if self.cyclic { 3 } else { 2 }, self.payload)
    }

    /// Runs the workload (the seed is unused).
    pub fn run<M: Mutator + ?Sized>(&self, m: &mut M, _seed: u64) -> GcResult<()> {
        const LONG_LIVED: Slot = 0;
        const ARRAY: Slot = 1;
        const TEMP: Slot = 2;
        const WORK: Slot = 3;
        let deepest = self.stretch_depth.max(self.long_lived_depth) as usize;
        m.reserve_slots(WORK + deepest + 3)?;
        let trees = TreeBuilder {
            shape: self.node_shape(),
            cyclic: self.cyclic,
            work: WORK,
        };

        trees.make_tree(m, self.stretch_depth, TEMP)?;
        m.clear(TEMP)?;

        m.alloc(LONG_LIVED, trees.shape)?;
        trees.populate(m, self.long_lived_depth, LONG_LIVED)?;

        m.alloc(ARRAY, Shape::new(0, (self.array_size * 8) as u32))?;
        let half = (self.array_size / 2) as usize;
        let mut doubles = Vec::with_capacity(half * 8);
        for i in 0..half {
            doubles.extend_from_slice(&(1.0 / i.max(1) as f64).to_le_bytes());
        }
        m.write_payload(ARRAY, 0, &doubles)?;

        for depth in self.depths() {
            let iters = self.num_iters(depth);
            for _ in 0..iters {
                m.alloc(TEMP, trees.shape)?;
                trees.populate(m, depth, TEMP)?;
                m.clear(TEMP)?;
            }
            for _ in 0..iters {
                trees.make_tree(m, depth, TEMP)?;
                m.clear(TEMP)?;
            }
        }
        Ok(())
    }
}

/// Builds trees with slots `work..work + depth + 3` as its explicit stack (no recursion).
struct TreeBuilder {
    shape: Shape,
    cyclic: bool,
    work: Slot,
}

impl TreeBuilder {
    /// GCBench's `Populate`: gives the node in `root` two children, then populates each,
    /// left first, until `depth` levels exist below it. Slot `work + k` holds the node at
    /// level k of the current path.
    fn populate<M: Mutator + ?Sized>(&self, m: &mut M, depth: u32, root: Slot) -> GcResult<()> {
        let depth = depth as usize;
        let path = |k: usize| self.work + k;
        // Per level: 0 = children not made, 1 = descend left, 2 = descend right, 3 = done.
        let mut step = vec![0u8; depth + 1];
        m.copy(path(0), root)?;
        let mut k = 0usize;
        loop {
            if k < depth && step[k] < 3 {
                match step[k] {
                    0 => {
                        for field in [LEFT, RIGHT] {
                            m.alloc(path(k + 1), self.shape)?;
                            m.store(path(k), field, Some(path(k + 1)))?;
                            if self.cyclic {
                                m.store(path(k + 1), PARENT, Some(path(k)))?;
                            }
                        }
                        step[k] = 1;
                    }
                    s => {
                        let field = if s == 1 { LEFT } else { RIGHT };
                        m.load(path(k + 1), path(k), field)?;
                        step[k] = s + 1;
                        k += 1;
                        step[k] = 0;
                    }
                }
                continue;
            }
            if k == 0 {
                break;
            }
            k -= 1;
        }
        clear_all(m, &(0..=depth).map(path).collect::<Vec<_>>())
    }

    /// GCBench's `MakeTree`: children first, then their parent (bottom-up), into `dst`.
    /// Finished subtrees wait on a slot stack at `work..`.
    fn make_tree<M: Mutator + ?Sized>(&self, m: &mut M, depth: u32, dst: Slot) -> GcResult<()> {
        enum Task {
            Build(u32),
            Combine,
        }
        let stack = |i: usize| self.work + i;
        let mut tasks = vec![Task::Build(depth)];
        let mut top = 0usize; // subtrees waiting on the slot stack
        while let Some(task) = tasks.pop() {
            match task {
                Task::Build(0) => {
                    m.alloc(stack(top), self.shape)?;
                    top += 1;
                }
                Task::Build(d) => {
                    tasks.push(Task::Combine);
                    tasks.push(Task::Build(d - 1));
                    tasks.push(Task::Build(d - 1));
                }
                Task::Combine => {
                    let (left, right, node) = (stack(top - 2), stack(top - 1), stack(top));
                    m.alloc(node, self.shape)?;
                    m.store(node, LEFT, Some(left))?;
                    m.store(node, RIGHT, Some(right))?;
                    if self.cyclic {
                        m.store(left, PARENT, Some(node))?;
                        m.store(right, PARENT, Some(node))?;
                    }
                    m.copy(left, node)?;
                    m.clear(right)?;
                    m.clear(node)?;
                    top -= 1;
                }
            }
        }
        m.copy(dst, stack(0))?;
        m.clear(stack(0))
    }
}
