//! The tracing collectors' parameters, declared once: defaults, docs and ranges for `gclab
//! list` and `--set name.param=value`. The growth policy ([`Pacer`]) they all share is
//! declared once, in [`paced_params!`], and every struct here starts with it.

use gc_core::params::Configured;

use crate::compact::DEFAULT_OCCUPANCY;
use crate::pacing::Pacer;
use crate::{Compact, MarkSweep, MarkSweepGen, MarkSweepIncr};

/// Declares a parameter struct (as [`gc_core::declare_params!`]) whose first fields are the
/// growth policy every tracing collector has, `growth` and `floor_bytes`, followed by the
/// collector's own fields.
macro_rules! paced_params {
    ($(#[$meta:meta])* pub struct $name:ident { $($own:tt)* }) => {
        gc_core::declare_params! {
            $(#[$meta])*
            pub struct $name {
                /// Collect the whole heap (marksweep-incr: start a cycle) once the bytes
                /// allocated since the last collection began (marksweep-gen: promoted since
                /// the last major one) exceed this multiple of the bytes it found live.
                growth: f64 = Pacer::DEFAULT_GROWTH_FACTOR, in 0.01..=1000.0;
                /// Never collect the whole heap before this many bytes were allocated (or
                /// promoted) since the last full collection.
                floor_bytes: u64 = Pacer::DEFAULT_FLOOR_BYTES;
                $($own)*
            }
        }
    };
}

paced_params! {
    /// The parameters of [`MarkSweep`]: its growth policy ([`Pacer`]).
    pub struct MarkSweepParams {}
}

paced_params! {
    /// The parameters of [`MarkSweepGen`]: the major collections' growth policy and the
    /// nursery.
    pub struct MarkSweepGenParams {
        /// Bytes allocated between minor collections.
        nursery_bytes: u64 = MarkSweepGen::DEFAULT_NURSERY_BYTES, in 1..;
    }
}

paced_params! {
    /// The parameters of [`MarkSweepIncr`]: when a cycle starts and how it is paced.
    pub struct MarkSweepIncrParams {
        /// Bytes of allocation between two steps of a cycle (each step is a pause).
        step_bytes: u64 = MarkSweepIncr::STEP_BYTES, in 1..;
        /// Marking, and then sweeping, each finish within an allocation of this percentage of
        /// the bytes the last cycle found live (at least 256 KiB).
        window_percent: u64 = MarkSweepIncr::WINDOW_PERCENT, in 1..;
    }
}

paced_params! {
    /// The parameters of [`Compact`]: marksweep's growth policy and the evacuation threshold.
    pub struct CompactParams {
        /// Evacuate the arenas the survivors of a collection fill less than this fraction of
        /// (0 never moves anything).
        occupancy: f64 = DEFAULT_OCCUPANCY, in 0.0..=1.0;
    }
}

impl Configured for MarkSweep {
    type Params = MarkSweepParams;

    fn from_params(p: &MarkSweepParams) -> Self {
        MarkSweep::with_growth(p.growth, p.floor_bytes).expect("the declared range is valid")
    }
}

impl Configured for MarkSweepGen {
    type Params = MarkSweepGenParams;

    fn from_params(p: &MarkSweepGenParams) -> Self {
        MarkSweepGen::with_policy(p.nursery_bytes, p.growth, p.floor_bytes)
            .expect("the declared ranges are valid")
    }
}

impl Configured for MarkSweepIncr {
    type Params = MarkSweepIncrParams;

    fn from_params(p: &MarkSweepIncrParams) -> Self {
        MarkSweepIncr::with_steps(p.growth, p.floor_bytes, p.step_bytes, p.window_percent)
            .expect("the declared ranges are valid")
    }
}

impl Configured for Compact {
    type Params = CompactParams;

    fn from_params(p: &CompactParams) -> Self {
        Compact::with_policy(p.growth, p.floor_bytes, p.occupancy)
            .expect("the declared ranges are valid")
    }
}

#[cfg(test)]
mod tests {
    use gc_core::params::Params;
    use gc_core::GcModule;

    use super::*;

    /// The declared defaults build the collectors `Default` builds (the same thresholds), and
    /// every parameter reaches its collector.
    #[test]
    fn defaults_are_the_default_collectors_and_values_arrive() {
        fn same<C: Configured + Default + GcModule>() {
            let declared = C::from_params(&C::Params::defaults());
            assert_eq!(declared.get_threshold(), C::default().get_threshold());
            assert_eq!(declared.name(), C::default().name());
        }
        same::<MarkSweep>();
        same::<MarkSweepGen>();
        same::<MarkSweepIncr>();
        same::<Compact>();
        let incr = MarkSweepIncr::from_params(&MarkSweepIncrParams {
            growth: 1.5,
            floor_bytes: 1000,
            step_bytes: 4096,
            window_percent: 50,
        });
        assert_eq!(incr.get_threshold(), [150, 1000, 4096, 50]);
        let gen = MarkSweepGen::from_params(&MarkSweepGenParams {
            growth: 3.0,
            floor_bytes: 2000,
            nursery_bytes: 1 << 16,
        });
        assert_eq!(gen.get_threshold(), [1 << 16, 300, 2000]);
        let compact = Compact::from_params(&CompactParams {
            growth: 1.0,
            floor_bytes: 3000,
            occupancy: 0.5,
        });
        assert_eq!(compact.get_threshold(), [100, 3000, 50]);
        let names: Vec<_> = CompactParams::info().iter().map(|p| p.name).collect();
        assert_eq!(names, ["growth", "floor_bytes", "occupancy"]);
    }
}
