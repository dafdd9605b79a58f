//! `seed-cycles`: the example of the text gclab grew from, at scale.

use gc_core::{GcResult, Mutator, Shape};

use crate::Expectations;

crate::workload! {
    name: "seed-cycles",
    description: "N pairs of objects referencing each other, every outside reference dropped (the seed \
        text's example at scale): pure cyclic garbage",
    /// N pairs of objects that reference each other (`obj1.ref = obj2; obj2.ref = obj1`), every
    /// outside reference dropped: pure cyclic garbage, which reference counting alone leaks.
    pub struct SeedCycles {
        /// Number of two-object cycles built and dropped.
        pairs: u64 = 1_000_000, small 2_000, in 1..;
        /// Payload bytes per object (the example's `value`).
        payload: u32 = 8, in ..=512;
        /// Automatic collection on while the pairs are built.
        auto_collect: bool = true;
        /// End with one explicit full collection (`gc.collect()`).
        final_collect: bool = true;
    }
}

impl SeedCycles {
    /// Counts implied by the parameters.
    pub fn expectations(&self) -> Expectations {
        Expectations {
            allocated: 2 * self.pairs,
            live_at_end: 0,
            cyclic_garbage: 2 * self.pairs,
        }
    }

    /// Runs the workload. The seed is unused: this stream is the same for every seed.
    pub fn run<M: Mutator + ?Sized>(&self, m: &mut M, _seed: u64) -> GcResult<()> {
        const OBJ1: usize = 0;
        const OBJ2: usize = 1;
        m.reserve_slots(2)?;
        m.set_auto_collect(self.auto_collect);
        let shape = Shape::new(1, self.payload);
        for i in 0..self.pairs {
            m.alloc(OBJ1, shape)?;
            m.alloc(OBJ2, shape)?;
            if self.payload >= 8 {
                m.write_payload(OBJ1, 0, &(2 * i).to_le_bytes())?;
                m.write_payload(OBJ2, 0, &(2 * i + 1).to_le_bytes())?;
            }
            m.store(OBJ1, 0, Some(OBJ2))?;
            m.store(OBJ2, 0, Some(OBJ1))?;
            m.clear(OBJ1)?;
            m.clear(OBJ2)?;
        }
        m.set_auto_collect(true);
        if self.final_collect {
            m.collect(None)?;
        }
        Ok(())
    }
}
