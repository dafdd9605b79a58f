//! `marksweep`'s parameters, declared once: defaults, docs and ranges for `gclab list` and
//! `--set marksweep.param=value`.

use gc_core::params::Configured;

use crate::pacing::Pacer;
use crate::MarkSweep;

gc_core::declare_params! {
    /// The parameters of [`MarkSweep`]: its growth policy ([`Pacer`]).
    pub struct MarkSweepParams {
        /// Collect once the bytes allocated since the last collection exceed this multiple of
        /// the bytes that survived it.
        growth: f64 = Pacer::DEFAULT_GROWTH_FACTOR, in 0.01..=1000.0;
        /// Never collect before this many bytes were allocated since the last collection.
        floor_bytes: u64 = Pacer::DEFAULT_FLOOR_BYTES;
    }
}

impl Configured for MarkSweep {
    type Params = MarkSweepParams;

    fn from_params(p: &MarkSweepParams) -> Self {
        MarkSweep::with_growth(p.growth, p.floor_bytes).expect("the declared range is valid")
    }
}
