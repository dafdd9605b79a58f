//! When to collect: heap growth relative to what survived the last collection.
//!
//! A full-heap collector's cost is proportional to the live heap, so it must collect less
//! often as the live heap grows, or its total work becomes quadratic. The usual rule (Go's
//! GOGC, Lua's pause, Boehm's free-space divisor) is to let the mutator allocate a multiple of
//! the live bytes found by the last collection before collecting again. The floor keeps a
//! tiny live heap from collecting after every few objects, which is how rust-gc ends up
//! collecting 999,999 times when everything dies.

use gc_core::{GcError, GcResult};

/// The growth policy and its running state.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pacer {
    /// Bytes the mutator may allocate after a collection, as a multiple of the bytes live
    /// after it.
    growth_factor: f64,
    /// The smallest allocation budget between collections, in bytes.
    floor_bytes: u64,
    /// Bytes charged to allocations since the last collection.
    allocated_since: u64,
    /// The budget in force: `allocated_since` above this triggers a collection.
    budget: u64,
}

impl Pacer {
    /// The default growth factor: collect after allocating twice the live heap.
    pub const DEFAULT_GROWTH_FACTOR: f64 = 2.0;
    /// The default floor: 1 MiB.
    pub const DEFAULT_FLOOR_BYTES: u64 = 1 << 20;

    /// A pacer with the given policy; the factor must be positive and finite.
    pub fn new(growth_factor: f64, floor_bytes: u64) -> GcResult<Pacer> {
        if !(growth_factor.is_finite() && growth_factor > 0.0) {
            return Err(GcError::BadConfig(format!(
                "growth factor {growth_factor} must be a positive number"
            )));
        }
        Ok(Pacer {
            growth_factor,
            floor_bytes,
            allocated_since: 0,
            budget: floor_bytes,
        })
    }

    /// Counts an allocation of `bytes`; true if the budget is now exceeded.
    #[inline]
    pub fn charge(&mut self, bytes: usize) -> bool {
        self.allocated_since += bytes as u64;
        self.allocated_since > self.budget
    }

    /// Starts a new budget after a collection that left `live_bytes` in use.
    pub fn collected(&mut self, live_bytes: u64) {
        self.allocated_since = 0;
        let grown = (live_bytes as f64 * self.growth_factor).min(u64::MAX as f64) as u64;
        self.budget = grown.max(self.floor_bytes);
    }

    /// The growth factor.
    pub fn growth_factor(&self) -> f64 {
        self.growth_factor
    }

    /// The floor in bytes.
    pub fn floor_bytes(&self) -> u64 {
        self.floor_bytes
    }

    /// Bytes allocated since the last collection.
    pub fn allocated_since(&self) -> u64 {
        self.allocated_since
    }

    /// The current budget in bytes.
    pub fn budget(&self) -> u64 {
        self.budget
    }

    /// Changes the policy, keeping the bytes counted so far; the new budget is computed from
    /// the live bytes of the last collection as the new factor says.
    pub fn set_policy(
        &mut self,
        growth_factor: f64,
        floor_bytes: u64,
        last_live_bytes: u64,
    ) -> GcResult<()> {
        let allocated = self.allocated_since;
        *self = Pacer::new(growth_factor, floor_bytes)?;
        self.collected(last_live_bytes);
        self.allocated_since = allocated;
        Ok(())
    }
}

impl Default for Pacer {
    fn default() -> Self {
        Pacer::new(Self::DEFAULT_GROWTH_FACTOR, Self::DEFAULT_FLOOR_BYTES)
            .expect("the default policy is valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_is_growth_times_live_with_a_floor() {
        let mut p = Pacer::new(2.0, 1000).unwrap();
        assert!(!p.charge(1000));
        assert!(p.charge(1), "1001 bytes exceed the 1000-byte floor");
        p.collected(10_000);
        assert_eq!(p.budget(), 20_000);
        assert_eq!(p.allocated_since(), 0);
        assert!(!p.charge(20_000));
        assert!(p.charge(1));
        p.collected(10);
        assert_eq!(p.budget(), 1000, "the floor applies to a tiny live heap");
    }

    #[test]
    fn rejects_bad_factors_and_keeps_counts_on_policy_change() {
        assert!(Pacer::new(0.0, 0).is_err());
        assert!(Pacer::new(-1.0, 0).is_err());
        assert!(Pacer::new(f64::NAN, 0).is_err());
        let mut p = Pacer::default();
        p.charge(500);
        p.set_policy(0.5, 100, 1000).unwrap();
        assert_eq!(p.allocated_since(), 500);
        assert_eq!(p.budget(), 500);
        assert!(p.charge(1));
        assert!(p.set_policy(0.0, 100, 1000).is_err());
    }
}
