//! Pause-length distribution: HdrHistogram at three significant digits, as the field reports it.

use hdrhistogram::Histogram;

use super::Pause;

/// Count, total and percentiles of a run's pauses, in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PauseSummary {
    /// Number of pauses.
    pub count: u64,
    /// Sum of pause lengths.
    pub total_ns: u64,
    /// Median pause.
    pub p50_ns: u64,
    /// 90th percentile.
    pub p90_ns: u64,
    /// 99th percentile.
    pub p99_ns: u64,
    /// Longest pause (exact, not bucketed).
    pub max_ns: u64,
}

/// Summarises pause lengths. Percentiles come from a 3-significant-digit HdrHistogram, so
/// they are exact below 2048 ns and within 0.1% above; the maximum is exact. No pauses gives
/// all zeros.
pub fn pause_summary(pauses: &[Pause]) -> PauseSummary {
    if pauses.is_empty() {
        return PauseSummary::default();
    }
    let mut histogram =
        Histogram::<u64>::new(3).expect("3 significant digits is a valid histogram precision");
    let mut summary = PauseSummary {
        count: pauses.len() as u64,
        ..PauseSummary::default()
    };
    for pause in pauses {
        let length = pause.duration_ns();
        summary.total_ns += length;
        summary.max_ns = summary.max_ns.max(length);
        // An auto-resizing histogram grows to fit; only values beyond its absolute maximum
        // (centuries) could fail, and those saturate.
        if histogram.record(length).is_err() {
            histogram.saturating_record(length);
        }
    }
    let at = |q: f64| histogram.value_at_quantile(q).min(summary.max_ns);
    summary.p50_ns = at(0.50);
    summary.p90_ns = at(0.90);
    summary.p99_ns = at(0.99);
    summary
}

/// Quantile levels stored per run for pause-time CDFs: every percent plus a finer tail.
pub const QUANTILE_LEVELS: &[f64] = &[0.999, 0.9999];

/// The pause-length quantile function of a run, exact (nearest rank over the sorted
/// lengths): (q, ns) at q = 0 (shortest), 0.01, ..., 0.99, 0.999, 0.9999 and 1 (longest).
/// Kept per run so the CDF chart needs no full pause log.
pub fn pause_quantiles(pauses: &[Pause]) -> Vec<(f64, u64)> {
    if pauses.is_empty() {
        return Vec::new();
    }
    let mut lengths: Vec<u64> = pauses.iter().map(Pause::duration_ns).collect();
    lengths.sort_unstable();
    let n = lengths.len();
    // The epsilon keeps q * n = 198.00000000000003 at rank 198.
    let at = |q: f64| lengths[((q * n as f64 - 1e-9).ceil() as usize).clamp(1, n) - 1];
    let mut levels: Vec<f64> = (0..100).map(|i| i as f64 / 100.0).collect();
    levels.extend_from_slice(QUANTILE_LEVELS);
    levels.push(1.0);
    levels.into_iter().map(|q| (q, at(q))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::PauseKindName;

    fn pauses(lengths: &[u64]) -> Vec<Pause> {
        let mut t = 0;
        lengths
            .iter()
            .map(|&d| {
                let p = Pause {
                    start_ns: t,
                    end_ns: t + d,
                    kind: PauseKindName::Collection,
                    generation: None,
                    heap_before: 0,
                    heap_after: 0,
                    freed: 0,
                    requested: false,
                };
                t += d + 1000;
                p
            })
            .collect()
    }

    #[test]
    fn hundred_distinct_pauses_give_their_order_statistics() {
        // 1..=100 ns (exact range of the histogram): the q-quantile is the ceil(q*n)-th value.
        let lengths: Vec<u64> = (1..=100).rev().collect();
        let s = pause_summary(&pauses(&lengths));
        assert_eq!(s.count, 100);
        assert_eq!(s.total_ns, 5050);
        assert_eq!((s.p50_ns, s.p90_ns, s.p99_ns, s.max_ns), (50, 90, 99, 100));
    }

    #[test]
    fn one_long_pause_shows_only_in_the_tail() {
        let mut lengths = vec![200; 99];
        lengths.push(1_000_000);
        let s = pause_summary(&pauses(&lengths));
        assert_eq!((s.p50_ns, s.p90_ns, s.p99_ns), (200, 200, 200));
        assert_eq!(s.max_ns, 1_000_000);
    }

    #[test]
    fn large_values_are_within_three_significant_digits() {
        let s = pause_summary(&pauses(&[123_456_789]));
        assert_eq!(s.max_ns, 123_456_789);
        let err = (s.p50_ns as f64 - 123_456_789.0).abs() / 123_456_789.0;
        assert!(err < 1e-3, "p50 {} too far", s.p50_ns);
    }

    #[test]
    fn quantile_function_is_nearest_rank() {
        let lengths: Vec<u64> = (1..=200).collect();
        let q = pause_quantiles(&pauses(&lengths));
        assert_eq!(q[0], (0.0, 1));
        assert_eq!(q[50], (0.5, 100));
        assert_eq!(q[99], (0.99, 198));
        assert_eq!(*q.last().unwrap(), (1.0, 200));
        assert_eq!(q.len(), 103);
        assert!(pause_quantiles(&[]).is_empty());
    }

    #[test]
    fn no_pauses_is_all_zero() {
        assert_eq!(pause_summary(&[]), PauseSummary::default());
    }
}
