//! The platform's own stalls, measured the way jHiccup measures a JVM's host: a plain loop
//! that does the same small piece of work over and over (random read-modify-writes over a
//! buffer larger than the caches, about 50 µs a step) and times each step. It allocates
//! nothing and collects nothing, so a step much slower than the median is time the machine
//! took away: the hypervisor running something else on this vCPU, the host handling this
//! VM's memory, interrupts. A collector's pause cannot be shorter than such a stall when one
//! lands inside it, and on a shared VM no guest clock can tell the two apart (the kernel's
//! steal count sees only some of them), so the harness samples this loop in the parent just
//! before each run and the reports show the platform's floor beside the pause figures.

use std::time::{Duration, Instant};

use crate::units::duration_ns;

/// Words in the loop's buffer: 32 MiB, beyond any cache of the machines this runs on, so
/// the loop touches memory the way a collector's marking and sweeping do (stalls of the
/// host's memory handling land on such code more than on arithmetic).
const BUFFER_WORDS: usize = 4 << 20;
/// Read-modify-writes per timed step, each waiting on the last: about 50 µs on the machines
/// this was written on.
const TOUCHES_PER_STEP: usize = 384;
/// A step this much slower than the sample's median counts as a stall over 1 ms.
const STALL_NS: u64 = 1_000_000;

/// What one sample of the plain loop saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StallSample {
    /// Wall time the sample ran, ns.
    pub sampled_ns: u64,
    /// Steps timed.
    pub steps: u64,
    /// The median step's time, ns: the work itself.
    pub median_step_ns: u64,
    /// The slowest step's time above the median, ns: the longest stall.
    pub max_stall_ns: u64,
    /// Steps more than 1 ms slower than the median.
    pub stalls_over_1ms: u64,
}

/// Summarises the timed steps of one sample (sorting them in place).
pub fn summarize(step_ns: &mut [u64], sampled_ns: u64) -> StallSample {
    if step_ns.is_empty() {
        return StallSample {
            sampled_ns,
            ..StallSample::default()
        };
    }
    step_ns.sort_unstable();
    let median = step_ns[step_ns.len() / 2];
    let stall = |step: u64| step.saturating_sub(median);
    StallSample {
        sampled_ns,
        steps: step_ns.len() as u64,
        median_step_ns: median,
        max_stall_ns: stall(step_ns[step_ns.len() - 1]),
        stalls_over_1ms: step_ns.iter().filter(|&&s| stall(s) > STALL_NS).count() as u64,
    }
}

/// The loop and its buffer, kept between samples so only the first pays for the memory.
pub struct PlainLoop {
    buffer: Vec<u64>,
    state: u64,
    step_ns: Vec<u64>,
}

impl Default for PlainLoop {
    fn default() -> Self {
        PlainLoop::new()
    }
}

impl PlainLoop {
    /// A loop whose buffer is allocated (and touched) on its first sample.
    pub fn new() -> PlainLoop {
        PlainLoop {
            buffer: Vec::new(),
            state: 0x853c_49e6_748f_ea9b,
            step_ns: Vec::new(),
        }
    }

    /// Runs the loop for about `length` (whole steps) and says what it saw.
    pub fn sample(&mut self, length: Duration) -> StallSample {
        if self.buffer.is_empty() {
            self.buffer = vec![1; BUFFER_WORDS];
        }
        self.step_ns.clear();
        let started = Instant::now();
        while started.elapsed() < length {
            let step = Instant::now();
            self.step();
            self.step_ns.push(step.elapsed().as_nanos() as u64);
        }
        let sampled_ns = started.elapsed().as_nanos() as u64;
        summarize(&mut self.step_ns, sampled_ns)
    }

    /// One step: read-modify-writes at places an LCG picks, each depending on the last so
    /// the compiler cannot drop them.
    fn step(&mut self) {
        let mask = self.buffer.len() - 1;
        let mut x = self.state;
        for _ in 0..TOUCHES_PER_STEP {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let slot = &mut self.buffer[(x >> 24) as usize & mask];
            *slot = slot.wrapping_add(x);
            x ^= *slot >> 7;
        }
        self.state = x;
    }
}

/// `gclab stalls`: samples the loop for `length`, one second at a time, and says what it
/// saw in words a reader can set beside a pause table.
pub fn report(length: Duration) -> String {
    let mut plain = PlainLoop::new();
    let mut out = String::new();
    let (mut sampled_ns, mut stalls, mut longest) = (0u64, 0u64, 0u64);
    let mut left = length;
    while !left.is_zero() {
        let slice = left.min(Duration::from_secs(1));
        let sample = plain.sample(slice);
        left = left.saturating_sub(slice);
        sampled_ns += sample.sampled_ns;
        stalls += sample.stalls_over_1ms;
        longest = longest.max(sample.max_stall_ns);
        out.push_str(&format!(
            "  {:>6.1} s: step {}, longest stall {}, {} over 1 ms\n",
            sampled_ns as f64 / 1e9,
            duration_ns(sample.median_step_ns as f64),
            duration_ns(sample.max_stall_ns as f64),
            sample.stalls_over_1ms
        ));
    }
    let seconds = sampled_ns as f64 / 1e9;
    out.push_str(&format!(
        "{stalls} stalls over 1 ms in {seconds:.1} s of plain work ({:.2} a second), the longest {}{}\n",
        stalls as f64 / seconds.max(1e-9),
        duration_ns(longest as f64),
        if stalls > 0 {
            ": pauses measured here can be that long whatever the collector does"
        } else {
            ""
        }
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stalls_are_steps_slower_than_the_median_by_more_than_a_millisecond() {
        let mut steps = vec![
            50_000, 52_000, 48_000, 1_049_000, 1_051_000, 51_000, 3_050_000,
        ];
        let sample = summarize(&mut steps, 5_400_000);
        assert_eq!(
            sample,
            StallSample {
                sampled_ns: 5_400_000,
                steps: 7,
                median_step_ns: 52_000,
                max_stall_ns: 2_998_000,
                stalls_over_1ms: 1,
            }
        );
    }

    #[test]
    fn an_empty_sample_reports_no_stall() {
        assert_eq!(
            summarize(&mut [], 0),
            StallSample::default(),
            "no steps, nothing seen"
        );
    }

    #[test]
    fn a_sample_times_whole_steps_for_at_least_its_length() {
        let mut plain = PlainLoop::new();
        let sample = plain.sample(Duration::from_millis(5));
        assert!(sample.sampled_ns >= 5_000_000, "{sample:?}");
        assert!(sample.steps >= 1, "{sample:?}");
        assert!(sample.median_step_ns > 0, "{sample:?}");
        assert!(sample.max_stall_ns + sample.median_step_ns <= sample.sampled_ns);
    }
}
