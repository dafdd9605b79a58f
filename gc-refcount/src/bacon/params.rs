//! `rc-bacon`'s parameters, declared once: defaults, docs and ranges for `gclab list` and
//! `--set rc-bacon.param=value`.

use gc_core::params::Configured;

use super::{RcBacon, THRESHOLD_DEFAULT};

gc_core::declare_params! {
    /// The parameters of [`RcBacon`]: when it collects (PHP's root-buffer threshold).
    pub struct BaconParams {
        /// Buffered possible roots that make the next allocation collect, at the start (PHP's
        /// 10,000; 0 disables automatic collection).
        threshold: u64 = THRESHOLD_DEFAULT;
        /// Adapt the threshold after each automatic collection as PHP's `gc_adjust_threshold`
        /// does (false: it stays where it started).
        adaptive: bool = true;
    }
}

impl Configured for RcBacon {
    type Params = BaconParams;

    fn from_params(p: &BaconParams) -> Self {
        RcBacon::with_threshold(p.threshold, p.adaptive)
    }
}

#[cfg(test)]
mod tests {
    use gc_core::params::Params;

    use super::*;

    #[test]
    fn defaults_are_phps_and_values_arrive() {
        let default = RcBacon::from_params(&BaconParams::defaults());
        assert_eq!((default.threshold(), default.is_adaptive()), (10_000, true));
        let fixed = RcBacon::from_params(&BaconParams {
            threshold: 50,
            adaptive: false,
        });
        assert_eq!((fixed.threshold(), fixed.is_adaptive()), (50, false));
    }
}
