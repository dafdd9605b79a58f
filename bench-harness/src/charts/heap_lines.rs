//! The heap-over-time lines stored in `curves.csv` and drawn by the heap charts: built from a
//! run's samples and pauses, thinned to their envelope, and stripped of the points inside
//! flat stretches ([`thin_flat_runs`]), which is also applied to lines read from older sets.

/// Buckets a heap line is thinned to: each keeps its lowest and highest point, so a line has
/// at most about twice this many points and keeps every peak and trough a chart could show
/// (an even thinning by index dropped the sawtooth's tops). Few enough that the heap lines
/// of a 300-run set stay a fraction of a megabyte in `curves.csv`.
pub(super) const HEAP_LINE_BUCKETS: usize = 160;

/// `points` (in time order) thinned to their envelope: per bucket of consecutive points, the
/// lowest and the highest (in time order), plus the first and last point of the line.
fn thin_envelope(points: &[(u64, u64)]) -> Vec<(u64, u64)> {
    if points.len() <= 2 * HEAP_LINE_BUCKETS {
        return points.to_vec();
    }
    let mut out = Vec::with_capacity(2 * HEAP_LINE_BUCKETS + 2);
    out.push(points[0]);
    let size = points.len().div_ceil(HEAP_LINE_BUCKETS);
    for bucket in points.chunks(size) {
        let low = bucket
            .iter()
            .enumerate()
            .min_by_key(|(_, p)| p.1)
            .map(|(i, _)| i);
        let high = bucket
            .iter()
            .enumerate()
            .max_by_key(|(_, p)| p.1)
            .map(|(i, _)| i);
        let (Some(low), Some(high)) = (low, high) else {
            continue;
        };
        let (first, second) = (low.min(high), low.max(high));
        out.push(bucket[first]);
        if second != first {
            out.push(bucket[second]);
        }
    }
    out.push(points[points.len() - 1]);
    out.dedup();
    out
}

/// `line` (in x order) without the interior points of its flat runs: of each run of
/// consecutive points with equal y it keeps the first and the last, so every point where the
/// value changes stays. Lossless: the thinned line has the original's value at every
/// original x, whether drawn as steps or as straight segments (a dropped point lies on the
/// level segment between the run's ends). Idempotent, so a line thinned when it was stored
/// passes through unchanged when it is drawn.
pub fn thin_flat_runs<X: Copy, Y: Copy + PartialEq>(line: &[(X, Y)]) -> Vec<(X, Y)> {
    let last = line.len().saturating_sub(1);
    line.iter()
        .enumerate()
        .filter(|&(i, p)| i == 0 || i == last || line[i - 1].1 != p.1 || line[i + 1].1 != p.1)
        .map(|(_, &p)| p)
        .collect()
}

/// A stored heap line: the envelope of `points` (in time order) without its flat interiors.
fn stored_line(points: &[(u64, u64)]) -> Vec<(u64, u64)> {
    thin_flat_runs(&thin_envelope(points))
}

/// The heap-over-time line of one run as the chart draws it: heap samples plus the heap at
/// both ends of every logged pause, in time order, thinned to the chart's resolution. Stored
/// in `curves.csv` so the chart needs neither raw file.
pub fn heap_line(samples: &[(u64, u64)], pauses: &[crate::metrics::Pause]) -> Vec<(u64, u64)> {
    let mut points: Vec<(u64, u64)> = samples.to_vec();
    for p in pauses {
        points.push((p.start_ns, p.heap_before));
        points.push((p.end_ns, p.heap_after));
    }
    points.sort_unstable();
    stored_line(&points)
}

/// The reserved-bytes line of one run as the heap chart draws it (pale, beside the
/// heap in use): its samples of bytes held, thinned like [`heap_line`].
pub fn reserved_line(samples: &[crate::results::HeapSample]) -> Vec<(u64, u64)> {
    let points: Vec<(u64, u64)> = samples.iter().map(|s| (s.t_ns, s.bytes_reserved)).collect();
    stored_line(&points)
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;

    #[test]
    fn a_heap_line_keeps_its_envelope_in_few_points() {
        // A sawtooth: 10,000 samples rising for 97 steps, then dropping.
        let points: Vec<(u64, u64)> = (0..10_000u64).map(|t| (t, 1000 + (t % 97) * 10)).collect();
        let thinned = thin_envelope(&points);
        assert!(
            thinned.len() <= 2 * HEAP_LINE_BUCKETS + 2,
            "{} points",
            thinned.len()
        );
        assert_eq!(thinned.first(), points.first());
        assert_eq!(thinned.last(), points.last());
        assert!(
            thinned.windows(2).all(|w| w[0].0 < w[1].0),
            "time order, no repeats"
        );
        let top = thinned.iter().map(|p| p.1).max();
        let bottom = thinned.iter().map(|p| p.1).min();
        assert_eq!(
            (bottom, top),
            (Some(1000), Some(1960)),
            "every peak and trough kept"
        );
        // Each bucket keeps its own top: 160 buckets of a 97-step sawtooth mostly reach 1,900+.
        let tops = thinned.iter().filter(|p| p.1 >= 1900).count();
        assert!(tops >= HEAP_LINE_BUCKETS / 2, "only {tops} tops kept");
        assert_eq!(
            thin_envelope(&points[..100]),
            points[..100].to_vec(),
            "short lines as they are"
        );
    }

    /// The step function `line` draws, at `t`: the value of its last point at or before `t`.
    fn step_at(line: &[(u64, u64)], t: u64) -> Option<u64> {
        line.iter().rev().find(|p| p.0 <= t).map(|p| p.1)
    }

    /// Checks that `thinned` is `line` without flat interiors: the same value at every
    /// original time, only points of `line` in its order, none inside a flat run, and
    /// thinning it again changes nothing.
    fn assert_lossless(line: &[(u64, u64)], thinned: &[(u64, u64)]) {
        for &(t, _) in line {
            assert_eq!(
                step_at(thinned, t),
                step_at(line, t),
                "at t={t} of {line:?}"
            );
        }
        let mut rest = line.iter();
        for p in thinned {
            assert!(rest.any(|q| q == p), "{p:?} is not in order in {line:?}");
        }
        assert_eq!(thinned.first(), line.first());
        assert_eq!(thinned.last(), line.last());
        assert!(
            thinned
                .windows(3)
                .all(|w| !(w[0].1 == w[1].1 && w[1].1 == w[2].1)),
            "a flat interior left in {thinned:?}"
        );
        assert_eq!(thin_flat_runs(thinned), thinned, "not idempotent");
    }

    #[test]
    fn flat_runs_keep_their_ends_and_every_change() {
        type Line = [(u64, u64)];
        let cases: [(&Line, &Line); 6] = [
            (&[], &[]),
            (&[(5, 1)], &[(5, 1)]),
            (&[(1, 7), (2, 7)], &[(1, 7), (2, 7)]),
            (&[(1, 7), (2, 7), (3, 7), (4, 7)], &[(1, 7), (4, 7)]),
            (
                &[(1, 1), (2, 2), (3, 1), (4, 2), (5, 1)],
                &[(1, 1), (2, 2), (3, 1), (4, 2), (5, 1)],
            ),
            (
                // Two flat runs, a repeated time where a pause ends, a run of two.
                &[
                    (0, 4),
                    (1, 4),
                    (2, 4),
                    (3, 9),
                    (3, 6),
                    (4, 6),
                    (5, 6),
                    (6, 6),
                    (7, 2),
                    (8, 2),
                ],
                &[(0, 4), (2, 4), (3, 9), (3, 6), (6, 6), (7, 2), (8, 2)],
            ),
        ];
        for (line, expected) in cases {
            let thinned = thin_flat_runs(line);
            assert_eq!(thinned, expected, "from {line:?}");
            assert_lossless(line, &thinned);
        }
    }

    #[test]
    fn seeded_step_lines_thin_losslessly() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut dropped = 0;
        for _ in 0..500 {
            let len = rng.gen_range(0..200);
            let mut t = 0;
            let mut value = 0;
            let line: Vec<(u64, u64)> = (0..len)
                .map(|_| {
                    t += rng.gen_range(0..3);
                    if rng.gen_bool(0.2) {
                        value = rng.gen_range(0..4);
                    }
                    (t, value)
                })
                .collect();
            let thinned = thin_flat_runs(&line);
            dropped += line.len() - thinned.len();
            assert_lossless(&line, &thinned);
        }
        assert!(dropped > 10_000, "only {dropped} points dropped");
    }

    #[test]
    fn stored_lines_have_no_flat_interiors() {
        // Reserved bytes grow by whole arenas: long flat stretches between steps.
        let samples: Vec<crate::results::HeapSample> = (0..300u64)
            .map(|t| crate::results::HeapSample {
                t_ns: t,
                bytes_in_use: t,
                bytes_reserved: (t / 75) << 18,
            })
            .collect();
        assert_eq!(
            reserved_line(&samples),
            vec![
                (0, 0),
                (74, 0),
                (75, 1 << 18),
                (149, 1 << 18),
                (150, 2 << 18),
                (224, 2 << 18),
                (225, 3 << 18),
                (299, 3 << 18),
            ]
        );
        // Past the envelope's reach too: a long line with level stretches between pauses.
        let samples: Vec<(u64, u64)> = (0..10_000u64).map(|t| (t, (t / 400) * 64)).collect();
        let line = heap_line(&samples, &[]);
        assert!(line.len() < 2 * HEAP_LINE_BUCKETS, "{} points", line.len());
        assert_eq!(thin_flat_runs(&line), line);
        assert_eq!(
            (line.first(), line.last()),
            (samples.first(), samples.last())
        );
    }
}
