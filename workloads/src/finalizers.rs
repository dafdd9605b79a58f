//! `finalizers`: objects with finalizers, some resurrecting themselves once.

use gc_core::{Finalizer, GcResult, Mutator, Notice, Shape, Slot};
use rand::seq::SliceRandom;
use rand::Rng;

use crate::support::{count_selected, rng, selected};
use crate::Expectations;

crate::workload! {
    name: "finalizers",
    description: "objects with finalizers (acyclic chains and finalizable rings), some resurrecting \
        themselves once; phases end with gc.collect()",
    /// `units` units of `unit_size` objects, built and dropped in phases of `phase_units`. A
    /// unit is a chain whose head has a finalizer; a `cyclic_fraction` of the units close the
    /// chain into a ring, and then every member has a finalizer too (finalizers in cyclic
    /// garbage, PEP 442's case). A `resurrect_fraction` of heads (picked by the seed) resurrect
    /// themselves, once, into a root slot of their own; the seed also picks the order in
    /// which a phase's units are dropped.
    ///
    /// When a finalizer runs depends on the collector: reference counting runs an acyclic
    /// unit's at the moment it is dropped, a tracing collector at some later collection, NoGC
    /// never. So each phase ends the way a program that relies on finalizers would: with
    /// `gc.collect()` (after it, a complete collector has finalized every dead unit), then it
    /// drops every resurrection slot of the phase. Resurrected units are then garbage whose
    /// finalizers have run, whatever the collector; no resurrection slot is shared, so a late
    /// resurrection never overwrites anything. Only heads resurrect and nothing with a finalizer
    /// reaches another head, so reference counting never finalizes a head after its slot was
    /// dropped. The counts therefore do not depend on the collector's timing: a complete
    /// collector ends with nothing, plain reference counting with exactly the cyclic units.
    ///
    /// Ends with everything dropped (live at end: 0).
    pub struct Finalizers {
        /// Units built (a head with a finalizer plus its chain).
        units: u64 = 1_000_000, small 2_000;
        /// Objects per unit (the head and its chain).
        unit_size: u32 = 4, in 1..;
        /// Units per phase; each phase ends with gc.collect().
        phase_units: u32 = 1_000, small 200, in 1..=1 << 20;
        /// Fraction of units that are rings, every member finalizable.
        cyclic_fraction: f64 = 0.3, in 0.0..=1.0;
        /// Fraction of heads that resurrect themselves once.
        resurrect_fraction: f64 = 0.1, in 0.0..=1.0;
        /// Payload bytes per object.
        payload: u32 = 16, in ..=512;
    }
}

const SALT_CYCLIC: u64 = 0xf1a1_0001;
const NEXT: usize = 0;
const A: Slot = 0;
const B: Slot = 1;
const FIRST_UNIT: Slot = 2;

impl Finalizers {
    /// Counts implied by the parameters.
    pub fn expectations(&self) -> Expectations {
        Expectations {
            allocated: self.units * self.unit_size as u64,
            live_at_end: 0,
            cyclic_garbage: count_selected(self.units, SALT_CYCLIC, self.cyclic_fraction)
                * self.unit_size as u64,
        }
    }

    /// Runs the workload.
    pub fn run<M: Mutator + ?Sized>(&self, m: &mut M, seed: u64) -> GcResult<()> {
        self.run_counting(m, seed).map(|_| ())
    }

    /// Runs the workload and returns how many finalizers ran (an observation of the
    /// collector, never an input to the workload).
    pub fn run_counting<M: Mutator + ?Sized>(&self, m: &mut M, seed: u64) -> GcResult<u64> {
        let per_phase = self.phase_units as usize;
        let unit_slot = |j: usize| FIRST_UNIT + j;
        let resurrect_slot = |j: usize| FIRST_UNIT + per_phase + j;
        m.reserve_slots(FIRST_UNIT + 2 * per_phase)?;
        let mut rng = rng(seed);
        let shape = Shape::new(1, self.payload);
        let mut notices = Vec::new();
        let mut finalized = 0u64;
        let mut order: Vec<usize> = Vec::with_capacity(per_phase);

        let mut unit = 0u64;
        while unit < self.units {
            let in_phase = (self.units - unit).min(per_phase as u64) as usize;
            for j in 0..in_phase {
                let tag = unit as u32;
                let cyclic = selected(unit, SALT_CYCLIC, self.cyclic_fraction);
                let head = unit_slot(j);
                m.alloc(head, shape)?;
                if self.payload >= 8 {
                    m.write_payload(head, 0, &unit.to_le_bytes())?;
                }
                let finalizer = if rng.gen_bool(self.resurrect_fraction) {
                    Finalizer::resurrect(tag, resurrect_slot(j))
                } else {
                    Finalizer::report(tag)
                };
                m.set_finalizer(head, finalizer)?;
                m.copy(A, head)?;
                for _ in 1..self.unit_size {
                    m.alloc(B, shape)?;
                    if cyclic {
                        m.set_finalizer(B, Finalizer::report(tag))?;
                    }
                    m.store(A, NEXT, Some(B))?;
                    m.copy(A, B)?;
                }
                if cyclic {
                    m.store(A, NEXT, Some(head))?;
                }
                m.clear(A)?;
                m.clear(B)?;
                unit += 1;
            }
            order.clear();
            order.extend(0..in_phase);
            order.shuffle(&mut rng);
            for &j in &order {
                m.clear(unit_slot(j))?;
            }
            m.collect(None)?;
            for j in 0..in_phase {
                m.clear(resurrect_slot(j))?;
            }
            m.drain_notices(&mut notices);
            finalized += notices
                .iter()
                .filter(|n| matches!(n, Notice::Finalized { .. }))
                .count() as u64;
            notices.clear();
        }
        Ok(finalized)
    }
}
