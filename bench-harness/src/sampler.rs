//! A mutator wrapper that samples heap size every few thousand allocations, so heap-over-time
//! charts show growth between pauses (and for NoGC, which never pauses); in the untimed
//! lateness run it also measures the bytes unreachable objects hold (see [`crate::lateness`]).
//! It also raises a flag while the workload's own `gc.collect()` runs, so the pauses inside
//! it are told apart from the ones the collector starts ([`crate::metrics::Pause::requested`]).

use std::cell::Cell;
use std::rc::Rc;
use std::time::Instant;

use gc_core::{Collector, Finalizer, GcResult, Mutator, Notice, ObjRef, Runtime, Shape, Slot};

use crate::results::HeapSample;

/// Samples kept before the interval doubles and every other sample is dropped.
const MAX_SAMPLES: usize = 2048;

/// Delegates every operation to the runtime; counts allocations.
pub struct Sampled<'r, C: Collector> {
    runtime: &'r mut Runtime<C>,
    origin: Instant,
    interval: u32,
    countdown: u32,
    samples: Vec<HeapSample>,
    probe: Option<Probe>,
    /// Set while the workload's `collect` call runs.
    requested: Option<Rc<Cell<bool>>>,
}

/// Every `interval` allocations, the bytes held by unreachable objects (the oracle's walk).
struct Probe {
    interval: u64,
    countdown: u64,
    unreachable: Vec<u64>,
}

impl<'r, C: Collector> Sampled<'r, C> {
    /// Wraps `runtime`; sample times are relative to `origin`.
    pub fn new(runtime: &'r mut Runtime<C>, origin: Instant) -> Self {
        let mut sampled = Sampled {
            runtime,
            origin,
            interval: 1024,
            countdown: 1024,
            samples: Vec::new(),
            probe: None,
            requested: None,
        };
        sampled.sample();
        sampled
    }

    fn sample(&mut self) {
        self.samples.push(HeapSample {
            t_ns: self.origin.elapsed().as_nanos() as u64,
            bytes_in_use: self.runtime.heap().bytes_in_use() as u64,
            bytes_reserved: self.runtime.heap().bytes_held() as u64,
        });
        if self.samples.len() >= MAX_SAMPLES {
            let mut index = 0;
            self.samples.retain(|_| {
                index += 1;
                index % 2 == 1
            });
            self.interval = self.interval.saturating_mul(2);
        }
    }

    /// Also measures the bytes unreachable objects hold every `interval` allocations (an
    /// oracle walk each: for untimed runs only).
    pub fn with_unreachable_probe(mut self, interval: u64) -> Self {
        self.probe = Some(Probe {
            interval: interval.max(1),
            countdown: interval.max(1),
            unreachable: Vec::new(),
        });
        self
    }

    /// Sets `flag` while each of the workload's `collect` calls runs (and clears it after),
    /// so a pause subscriber can tell the pauses the program asked for.
    pub fn flagging_requests(mut self, flag: Rc<Cell<bool>>) -> Self {
        self.requested = Some(flag);
        self
    }

    /// Counts one allocation; every `interval` allocations, takes a sample.
    #[inline]
    fn tick(&mut self) {
        self.countdown -= 1;
        if self.countdown == 0 {
            self.countdown = self.interval;
            self.sample();
        }
        if let Some(probe) = &mut self.probe {
            probe.countdown -= 1;
            if probe.countdown == 0 {
                probe.countdown = probe.interval;
                probe
                    .unreachable
                    .push(crate::lateness::unreachable_bytes(self.runtime.heap()));
            }
        }
    }

    /// The unreachable bytes measured by the probe, one per interval, in order.
    pub fn unreachable_samples(&mut self) -> Vec<u64> {
        self.probe
            .as_mut()
            .map(|p| std::mem::take(&mut p.unreachable))
            .unwrap_or_default()
    }

    /// Takes a last sample and returns them all.
    pub fn finish(mut self) -> Vec<HeapSample> {
        self.sample();
        self.samples
    }
}

impl<C: Collector> Mutator for Sampled<'_, C> {
    fn reserve_slots(&mut self, count: usize) -> GcResult<()> {
        self.runtime.reserve_slots(count)
    }
    fn slot_count(&self) -> usize {
        self.runtime.slot_count()
    }
    #[inline]
    fn alloc(&mut self, dst: Slot, shape: Shape) -> GcResult<()> {
        self.tick();
        self.runtime.alloc(dst, shape)
    }
    #[inline]
    fn alloc_moving(&mut self, dst: Slot, shape: Shape, sources: &[Slot]) -> GcResult<()> {
        self.tick();
        self.runtime.alloc_moving(dst, shape, sources)
    }
    #[inline]
    fn load(&mut self, dst: Slot, src: Slot, field: usize) -> GcResult<()> {
        self.runtime.load(dst, src, field)
    }
    #[inline]
    fn store(&mut self, obj: Slot, field: usize, value: Option<Slot>) -> GcResult<()> {
        self.runtime.store(obj, field, value)
    }
    #[inline]
    fn copy(&mut self, dst: Slot, src: Slot) -> GcResult<()> {
        self.runtime.copy(dst, src)
    }
    #[inline]
    fn clear(&mut self, slot: Slot) -> GcResult<()> {
        self.runtime.clear(slot)
    }
    fn same(&self, a: Slot, b: Slot) -> GcResult<bool> {
        self.runtime.same(a, b)
    }
    fn is_null(&self, slot: Slot) -> GcResult<bool> {
        self.runtime.is_null(slot)
    }
    fn slot_ref(&self, slot: Slot) -> GcResult<Option<ObjRef>> {
        self.runtime.slot_ref(slot)
    }
    fn shape(&self, slot: Slot) -> GcResult<Shape> {
        self.runtime.shape(slot)
    }
    fn read_payload(&self, slot: Slot, offset: usize, out: &mut [u8]) -> GcResult<()> {
        self.runtime.read_payload(slot, offset, out)
    }
    fn write_payload(&mut self, slot: Slot, offset: usize, data: &[u8]) -> GcResult<()> {
        self.runtime.write_payload(slot, offset, data)
    }
    fn new_weak(&mut self, dst: Slot, target: Slot, callback: Option<u32>) -> GcResult<()> {
        self.runtime.new_weak(dst, target, callback)
    }
    fn upgrade(&mut self, dst: Slot, weak: Slot) -> GcResult<bool> {
        self.runtime.upgrade(dst, weak)
    }
    fn set_finalizer(&mut self, obj: Slot, finalizer: Finalizer) -> GcResult<()> {
        self.runtime.set_finalizer(obj, finalizer)
    }
    fn collect(&mut self, generation: Option<u8>) -> GcResult<u64> {
        let Some(flag) = &self.requested else {
            return self.runtime.collect(generation);
        };
        flag.set(true);
        let collected = self.runtime.collect(generation);
        flag.set(false);
        collected
    }
    fn set_auto_collect(&mut self, enabled: bool) {
        self.runtime.set_auto_collect(enabled)
    }
    fn safepoint(&mut self) -> GcResult<()> {
        self.runtime.safepoint()
    }
    fn drain_notices(&mut self, out: &mut Vec<Notice>) {
        self.runtime.drain_notices(out)
    }
}
