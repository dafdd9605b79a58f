//! `fragmentation`: a heap built in bulk, nine in ten objects dropped at random, the
//! scattered rest kept, then steady churn: what leaves pymalloc holding arenas it hardly uses.

use gc_core::{GcResult, Mutator, Shape, Slot};
use rand::Rng;

use crate::support::{clear_all, rng, selected, unit, Table};
use crate::Expectations;

crate::workload! {
    name: "fragmentation",
    description: "mixed size classes allocated in bulk, a random 90-95% dropped, the scattered rest \
        kept, then steady churn: arenas a non-moving heap cannot give back",
    /// `objects` leaf objects of mixed size classes (payload 0 to `max_payload` bytes, drawn
    /// from the seed) are allocated in bulk into a table, in `batches` equal batches. Each
    /// batch drops a fraction between `free_min` and `free_max` of its objects (the fraction
    /// and which objects are fixed by a hash of their indices, not the seed, so the counts
    /// follow from the parameters); the survivors, scattered over every arena the bulk
    /// filled, move into a new table and the bulk table is dropped. Then `churn` more objects
    /// pass through a FIFO window of `window` entries. A non-moving heap keeps nearly every
    /// arena the bulk phase made.
    ///
    /// Ends with the survivors, their table, the window table and its last `window` objects
    /// rooted.
    pub struct Fragmentation {
        /// Objects allocated in bulk.
        objects: u64 = 600_000, small 20_000, in ..=Table::MAX_LEN;
        /// Bulk batches, each freeing its own fraction.
        batches: u64 = 10, small 4, in 1..;
        /// Smallest fraction of a batch freed.
        free_min: f64 = 0.90, in 0.0..=1.0;
        /// Largest fraction of a batch freed.
        free_max: f64 = 0.95, in 0.0..=1.0;
        /// Largest payload in bytes (sizes uniform up to it: every small size class).
        max_payload: u32 = 480, in ..=1 << 30;
        /// Objects allocated after the bulk phase.
        churn: u64 = 2_000_000, small 20_000;
        /// Churn objects alive at once (FIFO).
        window: u64 = 10_000, small 500, in 1..=Table::MAX_LEN;
    }
    check Fragmentation::check_batches;
}

/// Salts of the parameter-only hashes.
const BATCH_SALT: u64 = 0xF1A6;
const KEEP_SALT: u64 = 0x5EED_F1A6;

impl Fragmentation {
    /// The checks across fields: a range of fractions, and no more batches than objects.
    fn check_batches(&self) -> Result<(), gc_core::params::Invalid> {
        if self.free_min > self.free_max {
            return Err(("free_min", "must not exceed free_max".into()));
        }
        if self.batches > self.objects.max(1) {
            return Err(("batches", "must not exceed objects".into()));
        }
        Ok(())
    }

    /// Objects per batch (the last may be shorter).
    fn batch_len(&self) -> u64 {
        self.objects.div_ceil(self.batches)
    }

    /// Whether bulk object `i` survives the drop.
    fn kept(&self, i: u64) -> bool {
        let batch = i / self.batch_len();
        let freed = self.free_min + (self.free_max - self.free_min) * unit(batch, BATCH_SALT);
        selected(i, KEEP_SALT, 1.0 - freed)
    }

    /// Bulk objects that survive the drop.
    fn survivors(&self) -> u64 {
        (0..self.objects).filter(|&i| self.kept(i)).count() as u64
    }

    /// Counts implied by the parameters.
    pub fn expectations(&self) -> Expectations {
        let kept = self.survivors();
        let tables =
            Table::objects(self.objects) + Table::objects(kept) + Table::objects(self.window);
        Expectations {
            allocated: tables + self.objects + self.churn,
            live_at_end: kept
                + Table::objects(kept)
                + Table::objects(self.window)
                + self.churn.min(self.window),
            cyclic_garbage: 0,
        }
    }

    /// Runs the workload.
    pub fn run<M: Mutator + ?Sized>(&self, m: &mut M, seed: u64) -> GcResult<()> {
        const BULK: Slot = 0;
        const BULK_SCRATCH: Slot = 1;
        const KEPT: Slot = 2;
        const KEPT_SCRATCH: Slot = 3;
        const OBJ: Slot = 4;
        const WINDOW: Slot = 5;
        const WINDOW_SCRATCH: Slot = 6;
        m.reserve_slots(7)?;
        let mut rng = rng(seed);
        let leaf =
            |rng: &mut rand_chacha::ChaCha8Rng| Shape::new(0, rng.gen_range(0..=self.max_payload));
        let bulk = Table::build(m, BULK, BULK_SCRATCH, self.objects)?;
        for i in 0..self.objects {
            m.alloc(OBJ, leaf(&mut rng))?;
            bulk.set(m, i, Some(OBJ))?;
        }
        let kept = Table::build(m, KEPT, KEPT_SCRATCH, self.survivors())?;
        for (k, i) in (0..self.objects).filter(|&i| self.kept(i)).enumerate() {
            bulk.get(m, i, OBJ)?;
            kept.set(m, k as u64, Some(OBJ))?;
        }
        clear_all(m, &[OBJ, BULK, BULK_SCRATCH, KEPT_SCRATCH])?;
        let window = Table::build(m, WINDOW, WINDOW_SCRATCH, self.window)?;
        for step in 0..self.churn {
            m.alloc(OBJ, leaf(&mut rng))?;
            window.set(m, step % self.window, Some(OBJ))?;
        }
        clear_all(m, &[OBJ, WINDOW_SCRATCH])
    }
}
