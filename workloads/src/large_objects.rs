//! `large-objects`: a mix of small and large objects, exercising the system-allocator path.

use gc_core::{GcResult, Mutator, Shape, Slot};
use rand::Rng;

use crate::support::{clear_all, rng, Table};
use crate::Expectations;

crate::workload! {
    name: "large-objects",
    description: "a mix of small objects and objects over 512 bytes (the system-allocator path), some \
        large ones arrays of references",
    /// `steps` objects, each held for `window` steps in a FIFO window and then dropped. The seed
    /// makes a `large_fraction` of them large (payload between 513 and `max_large` bytes: the
    /// system-allocator path) and the rest small (8 to 256 bytes: the pools); a `field_fraction`
    /// of the large ones are arrays of references (up to `max_fields`), filled with the objects
    /// allocated after them (which die after them, so no lifetime grows). Sizes and fields do not change the counts.
    ///
    /// Ends with the window (its last `window` objects) still rooted.
    pub struct LargeObjects {
        /// Objects allocated.
        steps: u64 = 1_000_000, small 5_000;
        /// Objects alive at once (each dies window steps after birth).
        window: u64 = 10_000, small 100, in 1..=Table::MAX_LEN;
        /// Fraction of objects over 512 bytes.
        large_fraction: f64 = 0.1, in 0.0..=1.0;
        /// Largest payload of a large object, in bytes.
        max_large: u32 = 8 * 1024, in 513..=1 << 30;
        /// Fraction of large objects that are arrays of references.
        field_fraction: f64 = 0.25, in 0.0..=1.0;
        /// Most reference fields in a large object.
        max_fields: u32 = 256, in ..=Shape::MAX_FIELDS;
    }
}

impl LargeObjects {
    /// Counts implied by the parameters.
    pub fn expectations(&self) -> Expectations {
        let table = Table::objects(self.window);
        Expectations {
            allocated: table + self.steps,
            live_at_end: table + self.steps.min(self.window),
            cyclic_garbage: 0,
        }
    }

    /// Runs the workload.
    pub fn run<M: Mutator + ?Sized>(&self, m: &mut M, seed: u64) -> GcResult<()> {
        const WINDOW: Slot = 0;
        const WINDOW_SCRATCH: Slot = 1;
        const OBJ: Slot = 2;
        const ARRAY: Slot = 3;
        m.reserve_slots(4)?;
        let mut rng = rng(seed);
        let window = Table::build(m, WINDOW, WINDOW_SCRATCH, self.window)?;
        let mut open: Option<OpenArray> = None;
        for step in 0..self.steps {
            let large = rng.gen_bool(self.large_fraction);
            let (fields, payload) = if large {
                let fields = if rng.gen_bool(self.field_fraction) {
                    rng.gen_range(0..=self.max_fields)
                } else {
                    0
                };
                (fields, rng.gen_range(513..=self.max_large))
            } else {
                (0, rng.gen_range(8..=256))
            };
            m.alloc(OBJ, Shape::new(fields, payload))?;
            // Touch both ends, as a program filling a buffer would.
            m.write_payload(OBJ, 0, &step.to_le_bytes())?;
            m.write_payload(OBJ, payload as usize - 8, &step.to_le_bytes())?;
            // The newest reference array still in the window takes this object into its
            // next free field: the array dies before the object does, so no lifetime grows.
            if let Some(open) = open.as_mut() {
                if open.filled < open.fields && step - open.step < self.window {
                    window.get(m, open.step % self.window, ARRAY)?;
                    m.store(ARRAY, open.filled as usize, Some(OBJ))?;
                    open.filled += 1;
                }
            }
            if fields > 0 {
                open = Some(OpenArray {
                    step,
                    fields,
                    filled: 0,
                });
            }
            window.set(m, step % self.window, Some(OBJ))?;
        }
        window.release_scratch(m)?;
        clear_all(m, &[OBJ, ARRAY])
    }
}

/// A reference array still taking the objects allocated after it.
struct OpenArray {
    step: u64,
    fields: u32,
    filled: u32,
}
