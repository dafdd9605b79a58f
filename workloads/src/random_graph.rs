//! `random-graph`: a live random graph mutated in place, dying in whole groups.

use gc_core::{GcResult, Mutator, Shape, Slot};
use rand::Rng;

use crate::support::{clear_all, count_selected, rng, selected, Table};
use crate::Expectations;
use gc_core::params::Invalid;

crate::workload! {
    name: "random-graph",
    description: "a live random graph (immortal cyclic core plus groups) mutated in place: groups \
        replaced, edges rewired, a fraction of dying groups cyclic",
    /// A live graph of about `nodes` objects with `degree` reference fields each: an immortal
    /// core (`core_fraction` of the nodes, edges between random core nodes, cycles everywhere)
    /// plus groups of `group_size` nodes behind a group header. Each node's field 0 links the
    /// group: a ring in cyclic groups, a chain in acyclic ones; its other fields point at a
    /// random core node (`cross_fraction` of edges) or at a group member (any member in a
    /// cyclic group, only a later one in an acyclic group, so those stay acyclic).
    ///
    /// `mutation_rate` x groups steps follow. Each builds a new group; a `survival` fraction of
    /// new groups replace a random live group of the same kind (which dies), the others die at
    /// once; each step also rewires `rewires` random edges of live groups. So every step kills
    /// exactly one group, a `cycle_fraction` of them cyclic: whole groups die, nothing
    /// outside points into a dead group, and the counts follow from the parameters (which
    /// steps and places are cyclic and which new groups survive is a fixed hash of their index;
    /// the seed picks every edge, every replaced group and every rewiring).
    ///
    /// Ends with the core and all live groups still rooted.
    pub struct RandomGraph {
        /// Objects in the live graph: the core plus as many whole groups as fit in the rest
        /// (group headers and table objects come on top).
        nodes: u64 = 500_000, small 2_000;
        /// Reference fields per node.
        degree: u32 = 4, in 1..=1024;
        /// Nodes per group, the unit that dies.
        group_size: u32 = 16, small 8, in 1..=Shape::MAX_FIELDS;
        /// Fraction of nodes in the immortal, densely cyclic core.
        core_fraction: f64 = 0.25, in 0.0..=1.0;
        /// Group replacements over the run, per live group.
        mutation_rate: f64 = 2.0, in 0.0..=1000.0;
        /// Fraction of new groups that enter the graph (the rest die at once).
        survival: f64 = 0.5, in 0.0..=1.0;
        /// Fraction of groups whose edges close cycles.
        cycle_fraction: f64 = 0.5, in 0.0..=1.0;
        /// Fraction of group edges pointing into the core.
        cross_fraction: f64 = 0.25, in 0.0..=1.0;
        /// Edges of live groups rewired per step.
        rewires: u32 = 8;
        /// Payload bytes per node.
        payload: u32 = 8, in ..=512;
    }
    check RandomGraph::check_layout;
}

const SALT_PLACE: u64 = 0x5eed_0001;
const SALT_STEP: u64 = 0x5eed_0002;
const SALT_SURVIVE: u64 = 0x5eed_0003;

impl RandomGraph {
    /// (core nodes, groups).
    /// The parameters leave a core and at least one group, each fitting a table.
    fn check_layout(&self) -> Result<(), Invalid> {
        let (core, groups) = self.layout();
        if core == 0 {
            return Err((
                "core_fraction",
                "leaves no core node; raise it or nodes".into(),
            ));
        }
        if groups == 0 {
            return Err(("nodes", "too few for one group outside the core".into()));
        }
        Table::check_len("nodes", core.max(groups))
    }

    fn layout(&self) -> (u64, u64) {
        let core = ((self.nodes as f64 * self.core_fraction).round() as u64).min(self.nodes);
        (core, (self.nodes - core) / self.group_size as u64)
    }

    fn steps(&self) -> u64 {
        (self.layout().1 as f64 * self.mutation_rate).round() as u64
    }

    /// Counts implied by the parameters.
    pub fn expectations(&self) -> Expectations {
        let (core, groups) = self.layout();
        let group_objects = self.group_size as u64 + 1;
        let live_at_end =
            Table::objects(core) + core + Table::objects(groups) + groups * group_objects;
        let steps = self.steps();
        Expectations {
            allocated: live_at_end + steps * group_objects,
            live_at_end,
            // A dead cyclic group's members are a ring; its header is not in it, so
            // reference counting frees the header and leaks the members.
            cyclic_garbage: count_selected(steps, SALT_STEP, self.cycle_fraction)
                * self.group_size as u64,
        }
    }

    /// Runs the workload.
    pub fn run<M: Mutator + ?Sized>(&self, m: &mut M, seed: u64) -> GcResult<()> {
        const CORE_SPINE: Slot = 0;
        const CORE_SCRATCH: Slot = 1;
        const GROUP_SPINE: Slot = 2;
        const GROUP_SCRATCH: Slot = 3;
        const A: Slot = 4;
        const B: Slot = 5;
        const HEADER: Slot = 6;
        const NEW: Slot = 7;
        m.reserve_slots(8)?;
        let mut rng = rng(seed);
        let (core_len, groups_len) = self.layout();
        let node = Shape::new(self.degree, self.payload);
        let k = self.group_size as u64;

        let core = Table::build(m, CORE_SPINE, CORE_SCRATCH, core_len)?;
        for i in 0..core_len {
            m.alloc(A, node)?;
            core.set(m, i, Some(A))?;
        }
        for i in 0..core_len {
            core.get(m, i, A)?;
            for f in 0..self.degree as usize {
                core.get(m, rng.gen_range(0..core_len), B)?;
                m.store(A, f, Some(B))?;
            }
        }

        let builder = GroupBuilder {
            params: self,
            core,
            core_len,
            node,
            a: A,
            b: B,
        };
        let groups = Table::build(m, GROUP_SPINE, GROUP_SCRATCH, groups_len)?;
        let mut places: [Vec<u64>; 2] = [Vec::new(), Vec::new()];
        for g in 0..groups_len {
            let cyclic = selected(g, SALT_PLACE, self.cycle_fraction);
            builder.build(m, &mut rng, cyclic, HEADER)?;
            groups.set(m, g, Some(HEADER))?;
            places[cyclic as usize].push(g);
        }

        for step in 0..self.steps() {
            let cyclic = selected(step, SALT_STEP, self.cycle_fraction);
            builder.build(m, &mut rng, cyclic, NEW)?;
            let same_kind = &places[cyclic as usize];
            if selected(step, SALT_SURVIVE, self.survival) && !same_kind.is_empty() {
                let place = same_kind[rng.gen_range(0..same_kind.len())];
                groups.set(m, place, Some(NEW))?;
            }
            m.clear(NEW)?;
            if self.degree > 1 {
                for _ in 0..self.rewires {
                    let place = rng.gen_range(0..groups_len);
                    let cyclic = selected(place, SALT_PLACE, self.cycle_fraction);
                    groups.get(m, place, HEADER)?;
                    let member = rng.gen_range(0..k);
                    m.load(A, HEADER, member as usize)?;
                    let field = rng.gen_range(1..self.degree as usize);
                    builder.point(m, &mut rng, cyclic, member, field, HEADER)?;
                }
            }
        }
        core.release_scratch(m)?;
        groups.release_scratch(m)?;
        clear_all(m, &[A, B, HEADER, NEW])
    }
}

/// Builds groups and points their edges.
struct GroupBuilder<'p> {
    params: &'p RandomGraph,
    core: Table,
    core_len: u64,
    node: Shape,
    a: Slot,
    b: Slot,
}

impl GroupBuilder<'_> {
    /// Builds one group into `header`.
    fn build<M: Mutator + ?Sized>(
        &self,
        m: &mut M,
        rng: &mut impl Rng,
        cyclic: bool,
        header: Slot,
    ) -> GcResult<()> {
        let k = self.params.group_size as u64;
        m.alloc(header, Shape::new(k as u32, 0))?;
        for i in 0..k {
            m.alloc(self.a, self.node)?;
            if self.params.payload >= 8 {
                m.write_payload(self.a, 0, &rng.gen::<u64>().to_le_bytes())?;
            }
            m.store(header, i as usize, Some(self.a))?;
        }
        for i in 0..k {
            m.load(self.a, header, i as usize)?;
            let link = if cyclic {
                Some((i + 1) % k)
            } else {
                (i + 1 < k).then_some(i + 1)
            };
            if let Some(next) = link {
                m.load(self.b, header, next as usize)?;
                m.store(self.a, 0, Some(self.b))?;
            }
            for field in 1..self.params.degree as usize {
                self.point(m, rng, cyclic, i, field, header)?;
            }
        }
        Ok(())
    }

    /// Points `field` of member `member` (in slot `a`) of the group in `header` at a random
    /// core node or a member its group's kind allows.
    fn point<M: Mutator + ?Sized>(
        &self,
        m: &mut M,
        rng: &mut impl Rng,
        cyclic: bool,
        member: u64,
        field: usize,
        header: Slot,
    ) -> GcResult<()> {
        let k = self.params.group_size as u64;
        if rng.gen_bool(self.params.cross_fraction) {
            self.core.get(m, rng.gen_range(0..self.core_len), self.b)?;
        } else if cyclic {
            m.load(self.b, header, rng.gen_range(0..k) as usize)?;
        } else if member + 1 < k {
            m.load(self.b, header, rng.gen_range(member + 1..k) as usize)?;
        } else {
            return m.store(self.a, field, None);
        }
        m.store(self.a, field, Some(self.b))
    }
}
