//! `seed-cycles`: the example of the text gclab grew from, at scale.

use gc_core::{GcResult, Mutator, Shape};
use serde::{Deserialize, Serialize};

use crate::params::{Params, Size};
use crate::Expectations;

/// N pairs of objects that reference each other (`obj1.ref = obj2; obj2.ref = obj1`), every
/// outside reference dropped: pure cyclic garbage, which reference counting alone leaks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCycles {
    /// Number of pairs.
    pub pairs: u64,
    /// Payload bytes per object (the example's `value`).
    pub payload: u32,
    /// Whether automatic collection is on while the pairs are built.
    pub auto_collect: bool,
    /// Whether the run ends with an explicit full collection (`gc.collect()`).
    pub final_collect: bool,
}

impl Params for SeedCycles {
    fn preset(size: Size) -> Self {
        SeedCycles {
            pairs: match size {
                Size::Default => 1_000_000,
                Size::Small => 2_000,
            },
            payload: 8,
            auto_collect: true,
            final_collect: true,
        }
    }

    fn docs() -> &'static [(&'static str, &'static str)] {
        &[
            ("pairs", "number of two-object cycles built and dropped"),
            ("payload", "payload bytes per object"),
            ("auto_collect", "automatic collection on while building"),
            ("final_collect", "end with one explicit full collection"),
        ]
    }

    fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.pairs == 0 {
            return Err(("pairs", "must be at least 1".into()));
        }
        if self.payload > 512 {
            return Err(("payload", "at most 512 bytes".into()));
        }
        Ok(())
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
