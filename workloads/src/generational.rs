//! `generational`: a stream of short-lived objects, a few promoted into a long-lived table.

use gc_core::{GcResult, Mutator, Shape, Slot};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::params::{Params, Size};
use crate::support::{check_fraction, clear_all, rng, selected, Table};
use crate::Expectations;

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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Generational {
    /// Young pairs allocated.
    pub steps: u64,
    /// Pairs in the long-lived table.
    pub old_size: u64,
    /// Fraction of young pairs promoted into the table when they leave the window.
    pub promote_fraction: f64,
    /// Steps a young pair stays referenced.
    pub lifetime: u64,
    /// Use `violated_lifetime` instead of `lifetime` (the hypothesis violated).
    pub violate: bool,
    /// Steps a young pair stays referenced with `violate`.
    pub violated_lifetime: u64,
    /// Fraction of never-promoted pairs that form a cycle.
    pub cyclic_fraction: f64,
    /// Immortal "type" objects the young objects point at.
    pub types: u64,
    /// Payload bytes per object.
    pub payload: u32,
}

const SALT_PROMOTE: u64 = 0x9e4e_0001;
const SALT_CYCLIC: u64 = 0x9e4e_0002;
const TYPE: usize = 0;
const CHILD: usize = 1;
const BACK: usize = 0;

impl Params for Generational {
    fn preset(size: Size) -> Self {
        let base = Generational {
            steps: 4_000_000,
            old_size: 50_000,
            promote_fraction: 0.02,
            lifetime: 64,
            violate: false,
            violated_lifetime: 50_000,
            cyclic_fraction: 0.05,
            types: 64,
            payload: 16,
        };
        match size {
            Size::Default => base,
            Size::Small => Generational {
                steps: 5_000,
                old_size: 200,
                lifetime: 16,
                violated_lifetime: 500,
                types: 8,
                ..base
            },
        }
    }

    fn docs() -> &'static [(&'static str, &'static str)] {
        &[
            ("steps", "young pairs allocated"),
            ("old_size", "pairs in the long-lived table"),
            (
                "promote_fraction",
                "fraction of young pairs promoted when they leave the window",
            ),
            ("lifetime", "steps a young pair stays referenced"),
            (
                "violate",
                "young pairs live violated_lifetime steps instead (die middle-aged)",
            ),
            (
                "violated_lifetime",
                "steps a young pair stays referenced with violate",
            ),
            (
                "cyclic_fraction",
                "fraction of never-promoted pairs that form a cycle",
            ),
            ("types", "immortal type objects young objects point at"),
            ("payload", "payload bytes per object"),
        ]
    }

    fn validate(&self) -> Result<(), (&'static str, String)> {
        check_fraction("promote_fraction", self.promote_fraction)?;
        check_fraction("cyclic_fraction", self.cyclic_fraction)?;
        if self.lifetime == 0 {
            return Err(("lifetime", "must be at least 1".into()));
        }
        if self.violated_lifetime == 0 {
            return Err(("violated_lifetime", "must be at least 1".into()));
        }
        if self.old_size == 0 {
            return Err(("old_size", "must be at least 1".into()));
        }
        if self.types == 0 {
            return Err(("types", "must be at least 1".into()));
        }
        if self.payload > 512 {
            return Err(("payload", "at most 512 bytes".into()));
        }
        Table::check_len("old_size", self.old_size)?;
        Table::check_len("types", self.types)?;
        Table::check_len("lifetime", self.window())
    }
}

impl Generational {
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
