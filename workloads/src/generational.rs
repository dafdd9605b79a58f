//! `generational`: a stream of short-lived objects, a few promoted into a long-lived table.

use gc_core::{GcResult, Mutator, Shape, Slot};
use rand::Rng;

use crate::support::{clear_all, rng, selected, Table};
use crate::Expectations;
use gc_core::params::Invalid;

crate::workload! {
    name: "generational",
    description: "a stream of short-lived objects, a few promoted into a long-lived table; \
        violate=true makes them die middle-aged",
    /// The generational hypothesis as a program. `types` immortal objects play the role of
    /// classes; each step allocates a young pair (an object pointing at a random type and at a
    /// fresh child), holds it for `lifetime` steps in a FIFO window, then either drops it or, for
    /// a `promote_fraction` of the pairs, stores it into a random place of a long-lived table of
    /// `old_size` pairs (an old-to-young store; the pair it replaces dies). A `cyclic_fraction`
    /// of the pairs that are never promoted also point back from child to parent, so they die as
    /// cyclic garbage. With `violate`, non-promoted pairs live `violated_lifetime` steps instead:
    /// most objects survive young collections and die middle-aged, which defeats generational
    /// collection. Which pairs are promoted or cyclic is a fixed hash of the step number; the
    /// seed picks types, payloads and table places.
    ///
    /// Ends with the types, the long-lived table and the window still rooted.
    pub struct Generational {
        /// Young pairs allocated.
        steps: u64 = 4_000_000, small 5_000;
        /// Pairs in the long-lived table.
        old_size: u64 = 50_000, small 200, in 1..=Table::MAX_LEN;
        /// Fraction of young pairs promoted when they leave the window.
        promote_fraction: f64 = 0.02, in 0.0..=1.0;
        /// Steps a young pair stays referenced.
        lifetime: u64 = 64, small 16, in 1..;
        /// Young pairs live violated_lifetime steps instead (die middle-aged).
        violate: bool = false;
        /// Steps a young pair stays referenced with violate.
        violated_lifetime: u64 = 50_000, small 500, in 1..;
        /// Fraction of never-promoted pairs that form a cycle.
        cyclic_fraction: f64 = 0.05, in 0.0..=1.0;
        /// Immortal type objects young objects point at.
        types: u64 = 64, small 8, in 1..=Table::MAX_LEN;
        /// Payload bytes per object.
        payload: u32 = 16, in ..=512;
    }
    check Generational::check_window;
}

const SALT_PROMOTE: u64 = 0x9e4e_0001;
const SALT_CYCLIC: u64 = 0x9e4e_0002;
const TYPE: usize = 0;
const CHILD: usize = 1;
const BACK: usize = 0;

impl Generational {
    /// The window of young pairs fits a table.
    fn check_window(&self) -> Result<(), Invalid> {
        Table::check_len("lifetime", self.window())
    }

    fn window(&self) -> u64 {
        if self.violate {
            self.violated_lifetime
        } else {
            self.lifetime
        }
    }

    fn promoted(step: u64, fraction: f64) -> bool {
        selected(step, SALT_PROMOTE, fraction)
    }

    fn cyclic(&self, step: u64) -> bool {
        !Self::promoted(step, self.promote_fraction)
            && selected(step, SALT_CYCLIC, self.cyclic_fraction)
    }

    /// Counts implied by the parameters.
    pub fn expectations(&self) -> Expectations {
        let window = self.window();
        let tables =
            Table::objects(self.types) + Table::objects(self.old_size) + Table::objects(window);
        let live_at_end = tables + self.types + 2 * self.old_size + 2 * self.steps.min(window);
        let left_window = self.steps.saturating_sub(window);
        let cyclic_dead = (0..left_window).filter(|&s| self.cyclic(s)).count() as u64;
        Expectations {
            allocated: tables + self.types + 2 * self.old_size + 2 * self.steps,
            live_at_end,
            cyclic_garbage: 2 * cyclic_dead,
        }
    }

    /// Runs the workload.
    pub fn run<M: Mutator + ?Sized>(&self, m: &mut M, seed: u64) -> GcResult<()> {
        const TYPES: Slot = 0;
        const TYPES_SCRATCH: Slot = 1;
        const OLD: Slot = 2;
        const OLD_SCRATCH: Slot = 3;
        const WINDOW: Slot = 4;
        const WINDOW_SCRATCH: Slot = 5;
        const OBJ: Slot = 6;
        const CHILD_SLOT: Slot = 7;
        const TY: Slot = 8;
        const LEAVING: Slot = 9;
        m.reserve_slots(10)?;
        let mut rng = rng(seed);
        let parent = Shape::new(2, self.payload);
        let child = Shape::new(1, self.payload);
        let window_len = self.window();

        let types = Table::build(m, TYPES, TYPES_SCRATCH, self.types)?;
        for t in 0..self.types {
            m.alloc(TY, Shape::new(0, 16))?;
            types.set(m, t, Some(TY))?;
        }
        let make_pair = |m: &mut M, rng: &mut rand_chacha::ChaCha8Rng, cyclic: bool| {
            m.alloc(OBJ, parent)?;
            m.alloc(CHILD_SLOT, child)?;
            if self.payload >= 8 {
                m.write_payload(OBJ, 0, &rng.gen::<u64>().to_le_bytes())?;
            }
            types.get(m, rng.gen_range(0..self.types), TY)?;
            m.store(OBJ, TYPE, Some(TY))?;
            m.store(OBJ, CHILD, Some(CHILD_SLOT))?;
            if cyclic {
                m.store(CHILD_SLOT, BACK, Some(OBJ))?;
            }
            GcResult::Ok(())
        };

        let old = Table::build(m, OLD, OLD_SCRATCH, self.old_size)?;
        for i in 0..self.old_size {
            make_pair(m, &mut rng, false)?;
            old.set(m, i, Some(OBJ))?;
        }
        let window = Table::build(m, WINDOW, WINDOW_SCRATCH, window_len)?;
        for step in 0..self.steps {
            make_pair(m, &mut rng, self.cyclic(step))?;
            let place = step % window_len;
            if step >= window_len && Self::promoted(step - window_len, self.promote_fraction) {
                window.get(m, place, LEAVING)?;
                old.set(m, rng.gen_range(0..self.old_size), Some(LEAVING))?;
                m.clear(LEAVING)?;
            }
            window.set(m, place, Some(OBJ))?;
        }
        types.release_scratch(m)?;
        old.release_scratch(m)?;
        window.release_scratch(m)?;
        clear_all(m, &[OBJ, CHILD_SLOT, TY, LEAVING])
    }
}
