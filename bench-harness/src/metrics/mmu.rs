//! Minimum mutator utilisation (Cheng and Blelloch, PLDI 2001) from a pause timeline.
//!
//! G(t), the pause time accumulated up to t, is piecewise linear, so the worst window of a
//! given width has an edge on a pause boundary: only windows starting at a pause start or
//! ending at a pause end need evaluating, with G read from prefix sums of pause lengths.
//! Those window positions come in increasing order, so instead of a binary search per
//! evaluation (O(n log n) per width) a cursor that only moves forward finds the pause
//! containing each point: O(n) per width, which matters for runs with millions of
//! reference-counting cascades.

use super::Pause;

/// Pause time accumulated up to `t` nanoseconds.
struct Accumulated<'a> {
    pauses: &'a [Pause],
    /// `prefix[i]` = total length of the first `i` pauses.
    prefix: Vec<u64>,
}

impl<'a> Accumulated<'a> {
    fn new(pauses: &'a [Pause]) -> Self {
        let mut prefix = Vec::with_capacity(pauses.len() + 1);
        prefix.push(0);
        let mut sum = 0;
        for p in pauses {
            sum += p.duration_ns();
            prefix.push(sum);
        }
        Accumulated { pauses, prefix }
    }

    /// G(t). `begun` is a cursor: the number of pauses starting at or before the previous
    /// query; queries through one cursor must not decrease.
    fn at(&self, t: u64, begun: &mut usize) -> u64 {
        while *begun < self.pauses.len() && self.pauses[*begun].start_ns <= t {
            *begun += 1;
        }
        let mut g = self.prefix[*begun];
        if *begun > 0 {
            // The pause containing t has only partly elapsed.
            g -= self.pauses[*begun - 1].end_ns.saturating_sub(t);
        }
        g
    }
}

/// A pause timeline prepared for MMU queries: prefix sums, longest pause, run length.
pub struct Timeline<'a> {
    g: Accumulated<'a>,
    total: u64,
    longest: u64,
}

impl<'a> Timeline<'a> {
    /// Prepares `pauses` (sorted by start, not overlapping) of a run `total_ns` long.
    pub fn new(pauses: &'a [Pause], total_ns: u64) -> Self {
        Timeline {
            g: Accumulated::new(pauses),
            total: pauses.last().map_or(total_ns, |p| total_ns.max(p.end_ns)),
            longest: pauses.iter().map(Pause::duration_ns).max().unwrap_or(0),
        }
    }

    /// MMU for one window width: the least fraction of any `window_ns` interval of the run
    /// left to the mutator. A window longer than the run is clamped to the run (giving
    /// 1 - GC fraction); a window no longer than the longest pause gives 0; a run without
    /// pauses gives 1.
    pub fn mmu(&self, window_ns: u64) -> f64 {
        let pauses = self.g.pauses;
        if pauses.is_empty() || self.total == 0 {
            return 1.0;
        }
        let w = window_ns.min(self.total).max(1);
        if self.longest >= w {
            return 0.0;
        }
        let g = &self.g;
        let last_start = self.total - w;
        let mut worst = 1.0f64;
        // Clamping with min keeps each sequence of window starts non-decreasing.
        let mut sweep = |starts: &mut dyn Iterator<Item = u64>| {
            let (mut at_start, mut at_end) = (0, 0);
            for t in starts {
                let t = t.min(last_start);
                let paused = g.at(t + w, &mut at_end) - g.at(t, &mut at_start);
                worst = worst.min(1.0 - paused as f64 / w as f64);
            }
        };
        // Windows starting at a pause start (and at both ends of the run)...
        sweep(
            &mut std::iter::once(0)
                .chain(pauses.iter().map(|p| p.start_ns))
                .chain(std::iter::once(last_start)),
        );
        // ...and windows ending at a pause end.
        sweep(&mut pauses.iter().map(|p| p.end_ns.saturating_sub(w)));
        worst.max(0.0)
    }
}

/// MMU of `pauses` (sorted by start, not overlapping) in a run of `total_ns` for one window
/// width; see [`Timeline::mmu`].
pub fn mmu(pauses: &[Pause], total_ns: u64, window_ns: u64) -> f64 {
    Timeline::new(pauses, total_ns).mmu(window_ns)
}

/// Window widths of the stored MMU curves: 10 µs to 100 s, five per decade, the same for
/// every run so repeats can be combined point by point.
pub fn standard_windows() -> Vec<u64> {
    (0..=35)
        .map(|i| (10_000f64 * 10f64.powf(i as f64 / 5.0)).round() as u64)
        .collect()
}

/// MMU at each window width.
pub fn mmu_curve(pauses: &[Pause], total_ns: u64, windows: &[u64]) -> Vec<(u64, f64)> {
    let timeline = Timeline::new(pauses, total_ns);
    windows.iter().map(|&w| (w, timeline.mmu(w))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::PauseKindName;

    fn timeline(intervals: &[(u64, u64)]) -> Vec<Pause> {
        intervals
            .iter()
            .map(|&(s, e)| Pause {
                start_ns: s,
                end_ns: e,
                kind: PauseKindName::Collection,
                generation: Some(0),
                heap_before: 0,
                heap_after: 0,
                freed: 0,
                requested: false,
            })
            .collect()
    }

    /// Every integer window start: the definition, for checking the fast version.
    fn brute_force(pauses: &[Pause], total: u64, w: u64) -> f64 {
        let paused = |a: u64, b: u64| -> u64 {
            pauses
                .iter()
                .map(|p| b.min(p.end_ns).saturating_sub(a.max(p.start_ns)))
                .sum()
        };
        (0..=total - w)
            .map(|t| 1.0 - paused(t, t + w) as f64 / w as f64)
            .fold(1.0, f64::min)
    }

    #[test]
    fn hand_computed_log() {
        // Run of 100 ns with pauses [10,20) [30,40) [80,85).
        let p = timeline(&[(10, 20), (30, 40), (80, 85)]);
        assert_eq!(mmu(&p, 100, 5), 0.0);
        assert_eq!(mmu(&p, 100, 10), 0.0, "window equal to the longest pause");
        assert_eq!(mmu(&p, 100, 20), 0.5);
        assert!(
            (mmu(&p, 100, 30) - 1.0 / 3.0).abs() < 1e-12,
            "[10,40) holds 20 ns of pause"
        );
        assert_eq!(mmu(&p, 100, 50), 0.6);
        assert_eq!(mmu(&p, 100, 100), 0.75, "whole run: 1 - GC fraction");
        assert_eq!(mmu(&p, 100, 1000), 0.75, "longer windows clamp to the run");
    }

    #[test]
    fn no_pauses_is_full_utilisation() {
        assert_eq!(mmu(&[], 1_000, 10), 1.0);
    }

    #[test]
    fn agrees_with_the_definition_on_irregular_logs() {
        // A deterministic irregular timeline (linear congruential steps).
        let mut x: u64 = 12345;
        let mut next = |m: u64| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) % m
        };
        let mut t = 0;
        let mut intervals = Vec::new();
        for _ in 0..40 {
            t += 1 + next(30);
            let d = 1 + next(8);
            intervals.push((t, t + d));
            t += d;
        }
        let total = t + 10;
        let p = timeline(&intervals);
        for w in [1, 3, 8, 9, 12, 20, 37, 64, 150, total] {
            let fast = mmu(&p, total, w);
            let slow = brute_force(&p, total, w);
            assert!((fast - slow).abs() < 1e-12, "w={w}: {fast} vs {slow}");
        }
    }

    #[test]
    fn standard_windows_span_ten_microseconds_to_a_hundred_seconds() {
        let w = standard_windows();
        assert_eq!(
            (w[0], w[5], w[10], w[35]),
            (10_000, 100_000, 1_000_000, 100_000_000_000)
        );
        assert!(w.windows(2).all(|p| p[0] < p[1]));
    }
}
