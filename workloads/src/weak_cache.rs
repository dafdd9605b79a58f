//! `weak-cache`: a cache whose values are held only through weak references.

use gc_core::{GcResult, Mutator, Notice, Shape, Slot};
use rand::Rng;

use crate::support::{clear_all, count_selected, rng, selected, Table};
use crate::Expectations;

crate::workload! {
    name: "weak-cache",
    description: "a WeakValueDictionary-style cache: values held only weakly, upgrades, callbacks, a \
        churning strongly-held working set",
    /// A `WeakValueDictionary`-style cache: `capacity` entries, each a weak reference (with a
    /// callback) to a value, while only a working set of `working_set` values is held strongly.
    /// Each of `lookups` steps picks a key (skewed towards small keys) and upgrades its weak
    /// reference, whatever the result; a `churn_fraction` of steps replace a random working-set
    /// value with a new one (the old value is then reachable only weakly, and dies when the
    /// collector gets to it); a `refresh_fraction` of steps re-point the key's entry at a random
    /// working-set value through a new weak reference (the old weak reference object dies).
    ///
    /// Nothing depends on what the collector did: an upgrade's result is dropped unused, and
    /// the weak callbacks ("prune this dead entry") are drained and counted but not acted on;
    /// the refresh policy plays the pruning's part. So a collector that frees values late sees
    /// more upgrades succeed than one that frees them promptly, while the operations stay the
    /// same. With `cyclic_values`, each value is a two-object cycle (value and a record pointing
    /// back), which reference counting never frees, so its weak references never clear.
    ///
    /// Ends with the cache (all its weak reference objects) and the working set still rooted.
    pub struct WeakCache {
        /// Keys in the cache, each a weak reference with a callback (keys are callback tags,
        /// so at most 2^32 - 1).
        capacity: u64 = 4_096, small 256, in 1..=Table::MAX_LEN.min(u32::MAX as u64);
        /// Values held strongly.
        working_set: u64 = 1_024, small 64, in 1..=Table::MAX_LEN;
        /// Lookups (weak upgrades) performed.
        lookups: u64 = 5_000_000, small 5_000;
        /// Fraction of lookups that replace a working-set value.
        churn_fraction: f64 = 0.05, in 0.0..=1.0;
        /// Fraction of lookups that re-point the entry via a new weakref.
        refresh_fraction: f64 = 0.25, in 0.0..=1.0;
        /// Each value is a two-object cycle.
        cyclic_values: bool = false;
        /// Payload bytes per value.
        payload: u32 = 32, in ..=512;
    }
}

const SALT_CHURN: u64 = 0x3eac_0001;
const SALT_REFRESH: u64 = 0x3eac_0002;

impl WeakCache {
    fn value_objects(&self) -> u64 {
        if self.cyclic_values {
            2
        } else {
            1
        }
    }

    /// Counts implied by the parameters.
    pub fn expectations(&self) -> Expectations {
        let tables = Table::objects(self.capacity) + Table::objects(self.working_set);
        let churns = count_selected(self.lookups, SALT_CHURN, self.churn_fraction);
        let refreshes = count_selected(self.lookups, SALT_REFRESH, self.refresh_fraction);
        let live_at_end = tables + self.capacity + self.working_set * self.value_objects();
        Expectations {
            allocated: live_at_end + churns * self.value_objects() + refreshes,
            live_at_end,
            cyclic_garbage: if self.cyclic_values { 2 * churns } else { 0 },
        }
    }

    /// Runs the workload.
    pub fn run<M: Mutator + ?Sized>(&self, m: &mut M, seed: u64) -> GcResult<()> {
        self.run_counting(m, seed).map(|_| ())
    }

    /// Runs the workload and reports how many upgrades succeeded and how many weak
    /// callbacks arrived: observations of the collector, never inputs to the workload.
    pub fn run_counting<M: Mutator + ?Sized>(
        &self,
        m: &mut M,
        seed: u64,
    ) -> GcResult<WeakCacheCounts> {
        const CACHE: Slot = 0;
        const CACHE_SCRATCH: Slot = 1;
        const WORK: Slot = 2;
        const WORK_SCRATCH: Slot = 3;
        const WEAK: Slot = 4;
        const VALUE: Slot = 5;
        const RECORD: Slot = 6;
        m.reserve_slots(7)?;
        let mut rng = rng(seed);
        let mut counts = WeakCacheCounts::default();
        let mut notices = Vec::new();

        let new_value = |m: &mut M, rng: &mut rand_chacha::ChaCha8Rng| {
            m.alloc(VALUE, Shape::new(self.cyclic_values as u32, self.payload))?;
            if self.payload >= 8 {
                m.write_payload(VALUE, 0, &rng.gen::<u64>().to_le_bytes())?;
            }
            if self.cyclic_values {
                m.alloc(RECORD, Shape::new(1, 0))?;
                m.store(VALUE, 0, Some(RECORD))?;
                m.store(RECORD, 0, Some(VALUE))?;
                m.clear(RECORD)?;
            }
            GcResult::Ok(())
        };

        let work = Table::build(m, WORK, WORK_SCRATCH, self.working_set)?;
        for i in 0..self.working_set {
            new_value(m, &mut rng)?;
            work.set(m, i, Some(VALUE))?;
        }
        let cache = Table::build(m, CACHE, CACHE_SCRATCH, self.capacity)?;
        for key in 0..self.capacity {
            work.get(m, key % self.working_set, VALUE)?;
            m.new_weak(WEAK, VALUE, Some(key as u32))?;
            cache.set(m, key, Some(WEAK))?;
        }
        m.clear(VALUE)?;

        for step in 0..self.lookups {
            // Squaring a uniform draw skews lookups towards small keys (hot entries).
            let u: f64 = rng.gen();
            let key = ((u * u * self.capacity as f64) as u64).min(self.capacity - 1);
            cache.get(m, key, WEAK)?;
            counts.hits += m.upgrade(VALUE, WEAK)? as u64;
            m.clear(VALUE)?;
            if selected(step, SALT_CHURN, self.churn_fraction) {
                new_value(m, &mut rng)?;
                work.set(m, rng.gen_range(0..self.working_set), Some(VALUE))?;
                m.clear(VALUE)?;
            }
            if selected(step, SALT_REFRESH, self.refresh_fraction) {
                work.get(m, rng.gen_range(0..self.working_set), VALUE)?;
                m.new_weak(WEAK, VALUE, Some(key as u32))?;
                cache.set(m, key, Some(WEAK))?;
                m.clear(VALUE)?;
            }
            m.drain_notices(&mut notices);
            counts.callbacks += notices
                .iter()
                .filter(|n| matches!(n, Notice::WeakCallback { .. }))
                .count() as u64;
            notices.clear();
        }
        cache.release_scratch(m)?;
        work.release_scratch(m)?;
        clear_all(m, &[WEAK, VALUE, RECORD])?;
        Ok(counts)
    }
}

/// What one weak-cache run observed of its collector.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WeakCacheCounts {
    /// Upgrades that found their value alive.
    pub hits: u64,
    /// Weak callbacks delivered (entries whose value died while the entry was current).
    pub callbacks: u64,
}
