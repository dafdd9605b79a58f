//! The pause recorder: the `gc` switches (enabled, debug flags), the event stream that
//! `gc.callbacks` subscribes to, per-generation statistics, `DEBUG_STATS` lines and, on a
//! verified heap, the oracle's check at the end of every collection pause.

use super::*;

impl Heap {
    /// `gc.isenabled()`: whether automatic collection is on.
    #[inline]
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// `gc.enable()` / `gc.disable()`.
    pub fn set_enabled(&mut self, on: bool) {
        self.enabled = on;
    }

    /// `gc.get_debug()`.
    pub fn debug(&self) -> u32 {
        self.debug
    }

    /// `gc.set_debug(flags)`.
    pub fn set_debug(&mut self, flags: u32) {
        self.debug = flags;
    }

    /// Whether anyone listens to events (a collector may skip timing cascades otherwise).
    #[inline]
    pub fn has_subscribers(&self) -> bool {
        self.events.has_subscribers()
    }

    /// Adds a subscriber (`gc.callbacks.append`).
    pub fn subscribe(&mut self, cb: Callback) -> CallbackId {
        self.events.subscribe(cb)
    }

    /// Removes a subscriber; false if it was not there.
    pub fn unsubscribe(&mut self, id: CallbackId) -> bool {
        self.events.unsubscribe(id)
    }

    /// Starts a pause. Collections are always timed (for `get_stats`); cascades only when
    /// someone listens.
    pub fn begin_pause(&mut self, kind: PauseKind, generation: Option<u8>) -> PauseStart {
        let listening = self.events.has_subscribers();
        let at = (kind != PauseKind::Cascade || listening).then(Instant::now);
        let heap_before = self.space.bytes_in_use() as u64;
        if listening {
            let event = GcEvent {
                phase: Phase::Start,
                kind,
                generation,
                at: at.unwrap_or_else(Instant::now),
                heap_before,
                heap_after: heap_before,
                counts: PauseCounts::default(),
            };
            self.events.emit(&event);
        }
        PauseStart {
            kind,
            generation,
            at,
            heap_before,
        }
    }

    /// Runs `body` as one pause of `kind` (rule 4 of [`crate::Collector`]): begun before it,
    /// ended with the counts it returns, so the pause cannot be left open. Returns the counts.
    pub fn pause(
        &mut self,
        kind: PauseKind,
        generation: Option<u8>,
        body: impl FnOnce(&mut Heap) -> PauseCounts,
    ) -> PauseCounts {
        let start = self.begin_pause(kind, generation);
        let counts = body(self);
        self.end_pause(start, counts);
        counts
    }

    /// Ends a pause: updates statistics, tells subscribers, prints under DEBUG_STATS, and in
    /// verify mode checks a full collection against the oracle.
    pub fn end_pause(&mut self, start: PauseStart, counts: PauseCounts) {
        let now = start.at.map(|_| Instant::now());
        let duration_ns = match (start.at, now) {
            (Some(a), Some(b)) => b.duration_since(a).as_nanos() as u64,
            _ => 0,
        };
        let generations = self.events.generations.len();
        match start.kind {
            PauseKind::Collection | PauseKind::Increment => {
                let g = start
                    .generation
                    .map_or(generations - 1, |g| (g as usize).min(generations - 1));
                let s = &mut self.events.generations[g];
                s.collections += 1;
                s.collected += counts.freed;
                s.uncollectable += counts.uncollectable;
                s.candidates += counts.candidates;
                s.scanned += counts.scanned;
                s.duration_ns += duration_ns;
                self.collections += 1;
            }
            PauseKind::Cascade => {
                let c = &mut self.events.cascades;
                c.cascades += 1;
                c.freed += counts.freed;
                c.largest = c.largest.max(counts.freed);
            }
        }
        let heap_after = self.space.bytes_in_use() as u64;
        if self.events.has_subscribers() {
            let event = GcEvent {
                phase: Phase::Stop,
                kind: start.kind,
                generation: start.generation,
                at: now.unwrap_or_else(Instant::now),
                heap_before: start.heap_before,
                heap_after,
                counts,
            };
            self.events.emit(&event);
        }
        if start.kind != PauseKind::Cascade {
            if self.debug & DEBUG_STATS != 0 {
                eprintln!(
                    "gc[{}]: generation {}: {} candidates, {} collected, {} uncollectable, {} bytes freed, {:.3} ms",
                    self.collector_name,
                    start.generation.map_or_else(|| "full".to_string(), |g| g.to_string()),
                    counts.candidates,
                    counts.freed,
                    counts.uncollectable,
                    counts.bytes_freed,
                    duration_ns as f64 / 1e6
                );
            }
            let full = start.kind == PauseKind::Collection
                && start
                    .generation
                    .is_none_or(|g| g as usize + 1 >= generations);
            if self.verify && self.verify_failure.is_none() {
                let result = if full && self.complete {
                    oracle::verify_complete(self)
                } else {
                    oracle::verify_no_dangling(self).map(|_| ())
                };
                if let Err(e) = result {
                    self.verify_failure = Some(e);
                }
            }
        }
    }

    /// Per-generation statistics (one entry for collectors without generations).
    pub fn generation_stats(&self) -> &[GenerationStats] {
        &self.events.generations
    }

    /// Cascade totals.
    pub fn cascade_stats(&self) -> CascadeStats {
        self.events.cascades
    }

    /// Collections completed so far (all generations).
    pub fn collections(&self) -> u64 {
        self.collections
    }

    /// Whether this heap checks collections against the oracle.
    pub fn verifying(&self) -> bool {
        self.verify
    }

    /// Takes the first verification failure recorded, if any.
    pub fn take_verify_failure(&mut self) -> Option<GcError> {
        self.verify_failure.take()
    }
}
