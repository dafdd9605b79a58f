//! Traces: a workload's operation stream as a compact file, replayable against any collector.
//!
//! [`Recorder`] wraps any [`Mutator`], forwards every operation and appends each one that
//! succeeded to a byte buffer; [`replay`] decodes such a buffer and applies it to another
//! mutator. Since a workload never branches on what its collector did, a trace recorded
//! against one collector is the same program for every collector, and a user can bring
//! their own program's behaviour as a trace.
//!
//! # Format (version 1)
//!
//! All integers are unsigned LEB128 varints (7 bits per byte, low group first, high bit set
//! on every byte but the last; at most 10 bytes). An optional value is written as 0 for
//! none and `value + 1` for some. A file is:
//!
//! | part | bytes |
//! |---|---|
//! | magic | `GCTRACE\0` (8 bytes) |
//! | version | one byte, `1` |
//! | initial slots | varint: root slots the stream may use from the start |
//! | operations | one opcode byte each, then its operands |
//! | end | opcode `0x00`; nothing may follow |
//!
//! | opcode | operation | operands |
//! |---|---|---|
//! | `0x00` | end of trace | |
//! | `0x01` | `reserve_slots` | count |
//! | `0x02` | `alloc` | dst, fields, payload bytes |
//! | `0x03` | `load` | dst, src, field |
//! | `0x04` | `store` | obj, field, optional value slot |
//! | `0x05` | `copy` | dst, src |
//! | `0x06` | `clear` | slot |
//! | `0x07` | `write_payload` | slot, offset, length, then `length` raw bytes |
//! | `0x08` | `new_weak` | dst, target, optional callback tag |
//! | `0x09` | `upgrade` | dst, weak |
//! | `0x0A` | `set_finalizer` | obj, tag, optional resurrection slot |
//! | `0x0B` | `collect` | optional generation |
//! | `0x0C` | `set_auto_collect` | 0 or 1 |
//! | `0x0D` | `safepoint` | |
//! | `0x0E` | `drain_notices` | |
//!
//! Reads (`same`, `is_null`, `slot_ref`, `shape`, `read_payload`) change nothing and are
//! not recorded. Decoding checks everything before acting: a bad magic or version, an
//! unknown opcode, a truncated operand, an overlong varint, a value out of its type's
//! range, a slot at or beyond the slots reserved so far in the trace (the initial count
//! raised by `reserve_slots`), missing end or trailing bytes each give a [`TraceError`]
//! naming the byte offset and the reason; an operation the mutator rejects gives the
//! mutator's error with the offset of its opcode.

use std::io::Write;
use std::path::Path;

use gc_core::{Finalizer, GcError, GcResult, Mutator, Notice, ObjRef, Shape, Slot};
use thiserror::Error;

/// The first bytes of every trace.
pub const MAGIC: &[u8; 8] = b"GCTRACE\0";
/// The format version this module writes and reads.
pub const VERSION: u8 = 1;

mod op {
    pub const END: u8 = 0x00;
    pub const RESERVE: u8 = 0x01;
    pub const ALLOC: u8 = 0x02;
    pub const LOAD: u8 = 0x03;
    pub const STORE: u8 = 0x04;
    pub const COPY: u8 = 0x05;
    pub const CLEAR: u8 = 0x06;
    pub const WRITE_PAYLOAD: u8 = 0x07;
    pub const NEW_WEAK: u8 = 0x08;
    pub const UPGRADE: u8 = 0x09;
    pub const SET_FINALIZER: u8 = 0x0A;
    pub const COLLECT: u8 = 0x0B;
    pub const AUTO_COLLECT: u8 = 0x0C;
    pub const SAFEPOINT: u8 = 0x0D;
    pub const DRAIN: u8 = 0x0E;
}

/// Why a trace could not be read or replayed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TraceError {
    /// The bytes are not a valid trace.
    #[error("bad trace at byte {offset}: {reason}")]
    Malformed {
        /// Byte offset of the problem.
        offset: usize,
        /// What is wrong.
        reason: String,
    },
    /// The mutator rejected a decoded operation.
    #[error("trace operation at byte {offset} failed: {source}")]
    Operation {
        /// Byte offset of the operation's opcode.
        offset: usize,
        /// The mutator's error.
        source: GcError,
    },
    /// A trace file could not be read or written.
    #[error("trace file {path}: {reason}")]
    Io {
        /// The file.
        path: String,
        /// The system's reason.
        reason: String,
    },
}

/// A mutator that forwards every operation to `inner` and records the ones that succeed.
#[derive(Debug)]
pub struct Recorder<M> {
    inner: M,
    bytes: Vec<u8>,
}

impl<M: Mutator> Recorder<M> {
    /// Starts recording operations applied to `inner`; the trace may use the slots `inner`
    /// has reserved now.
    pub fn new(inner: M) -> Recorder<M> {
        let mut bytes = Vec::with_capacity(1 << 16);
        bytes.extend_from_slice(MAGIC);
        bytes.push(VERSION);
        put_varint(&mut bytes, inner.slot_count() as u64);
        Recorder { inner, bytes }
    }

    /// The wrapped mutator.
    pub fn inner(&self) -> &M {
        &self.inner
    }

    /// The wrapped mutator, mutably (operations applied directly are not recorded).
    pub fn inner_mut(&mut self) -> &mut M {
        &mut self.inner
    }

    /// Bytes recorded so far (without the end marker).
    pub fn recorded_bytes(&self) -> usize {
        self.bytes.len()
    }

    /// Ends the trace: the wrapped mutator and the complete trace bytes.
    pub fn finish(mut self) -> (M, Vec<u8>) {
        self.bytes.push(op::END);
        (self.inner, self.bytes)
    }

    fn record(&mut self, opcode: u8, operands: &[u64]) {
        self.bytes.push(opcode);
        for &v in operands {
            put_varint(&mut self.bytes, v);
        }
    }
}

fn opt(v: Option<u64>) -> u64 {
    v.map_or(0, |v| v + 1)
}

impl<M: Mutator> Mutator for Recorder<M> {
    fn reserve_slots(&mut self, count: usize) -> GcResult<()> {
        self.inner.reserve_slots(count)?;
        self.record(op::RESERVE, &[count as u64]);
        Ok(())
    }

    fn slot_count(&self) -> usize {
        self.inner.slot_count()
    }

    fn alloc(&mut self, dst: Slot, shape: Shape) -> GcResult<()> {
        self.inner.alloc(dst, shape)?;
        self.record(
            op::ALLOC,
            &[dst as u64, shape.fields as u64, shape.payload as u64],
        );
        Ok(())
    }

    fn load(&mut self, dst: Slot, src: Slot, field: usize) -> GcResult<()> {
        self.inner.load(dst, src, field)?;
        self.record(op::LOAD, &[dst as u64, src as u64, field as u64]);
        Ok(())
    }

    fn store(&mut self, obj: Slot, field: usize, value: Option<Slot>) -> GcResult<()> {
        self.inner.store(obj, field, value)?;
        self.record(
            op::STORE,
            &[obj as u64, field as u64, opt(value.map(|v| v as u64))],
        );
        Ok(())
    }

    fn copy(&mut self, dst: Slot, src: Slot) -> GcResult<()> {
        self.inner.copy(dst, src)?;
        self.record(op::COPY, &[dst as u64, src as u64]);
        Ok(())
    }

    fn clear(&mut self, slot: Slot) -> GcResult<()> {
        self.inner.clear(slot)?;
        self.record(op::CLEAR, &[slot as u64]);
        Ok(())
    }

    fn same(&self, a: Slot, b: Slot) -> GcResult<bool> {
        self.inner.same(a, b)
    }

    fn is_null(&self, slot: Slot) -> GcResult<bool> {
        self.inner.is_null(slot)
    }

    fn slot_ref(&self, slot: Slot) -> GcResult<Option<ObjRef>> {
        self.inner.slot_ref(slot)
    }

    fn shape(&self, slot: Slot) -> GcResult<Shape> {
        self.inner.shape(slot)
    }

    fn read_payload(&self, slot: Slot, offset: usize, out: &mut [u8]) -> GcResult<()> {
        self.inner.read_payload(slot, offset, out)
    }

    fn write_payload(&mut self, slot: Slot, offset: usize, data: &[u8]) -> GcResult<()> {
        self.inner.write_payload(slot, offset, data)?;
        self.record(
            op::WRITE_PAYLOAD,
            &[slot as u64, offset as u64, data.len() as u64],
        );
        self.bytes.extend_from_slice(data);
        Ok(())
    }

    fn new_weak(&mut self, dst: Slot, target: Slot, callback: Option<u32>) -> GcResult<()> {
        self.inner.new_weak(dst, target, callback)?;
        self.record(
            op::NEW_WEAK,
            &[dst as u64, target as u64, opt(callback.map(u64::from))],
        );
        Ok(())
    }

    fn upgrade(&mut self, dst: Slot, weak: Slot) -> GcResult<bool> {
        let alive = self.inner.upgrade(dst, weak)?;
        self.record(op::UPGRADE, &[dst as u64, weak as u64]);
        Ok(alive)
    }

    fn set_finalizer(&mut self, obj: Slot, finalizer: Finalizer) -> GcResult<()> {
        self.inner.set_finalizer(obj, finalizer)?;
        self.record(
            op::SET_FINALIZER,
            &[
                obj as u64,
                finalizer.tag as u64,
                opt(finalizer.resurrect_into.map(|s| s as u64)),
            ],
        );
        Ok(())
    }

    fn collect(&mut self, generation: Option<u8>) -> GcResult<u64> {
        let collected = self.inner.collect(generation)?;
        self.record(op::COLLECT, &[opt(generation.map(u64::from))]);
        Ok(collected)
    }

    fn set_auto_collect(&mut self, enabled: bool) {
        self.inner.set_auto_collect(enabled);
        self.record(op::AUTO_COLLECT, &[enabled as u64]);
    }

    fn safepoint(&mut self) -> GcResult<()> {
        self.inner.safepoint()?;
        self.record(op::SAFEPOINT, &[]);
        Ok(())
    }

    fn drain_notices(&mut self, out: &mut Vec<Notice>) {
        self.inner.drain_notices(out);
        self.record(op::DRAIN, &[]);
    }
}

/// Records `workload` run with `seed` as a trace, against gc-core's `NoGc` runtime (a
/// workload never branches on what its collector did, so any recording is the same program).
pub fn record_workload(workload: &crate::Workload, seed: u64) -> GcResult<Vec<u8>> {
    let runtime = gc_core::Runtime::new(gc_core::HeapConfig::default(), gc_core::NoGc)?;
    let mut recorder = Recorder::new(runtime);
    workload.run(&mut recorder, seed)?;
    Ok(recorder.finish().1)
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7F) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// What a replay did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReplayStats {
    /// Operations applied.
    pub operations: u64,
    /// Notices drained (finalizers run and weak callbacks), as the recorded program drained.
    pub notices: u64,
}

/// Decodes `bytes` and applies every operation to `m`, validating as it goes.
pub fn replay<M: Mutator + ?Sized>(bytes: &[u8], m: &mut M) -> Result<(), TraceError> {
    replay_with_stats(bytes, m).map(|_| ())
}

/// [`replay`], also reporting how many operations ran and notices were drained.
pub fn replay_with_stats<M: Mutator + ?Sized>(
    bytes: &[u8],
    m: &mut M,
) -> Result<ReplayStats, TraceError> {
    let mut r = Reader { bytes, pos: 0 };
    let magic = r.take(MAGIC.len(), "magic")?;
    if magic != MAGIC {
        return Err(malformed(
            0,
            "bad magic: not a gclab trace (expected \"GCTRACE\\0\")",
        ));
    }
    let version = r.take(1, "version")?[0];
    if version != VERSION {
        return Err(malformed(
            MAGIC.len(),
            format!("unsupported version {version} (this build reads version {VERSION})"),
        ));
    }
    let mut reserved = r.slot_count("initial slot count")?;
    let at = |offset| move |source| TraceError::Operation { offset, source };
    m.reserve_slots(reserved).map_err(at(MAGIC.len() + 1))?;
    let mut stats = ReplayStats::default();
    let mut notices = Vec::new();
    loop {
        let start = r.pos;
        let opcode = r.take(1, "opcode")?[0];
        match opcode {
            op::END => {
                if r.pos != bytes.len() {
                    return Err(malformed(
                        r.pos,
                        format!("{} bytes after the end of the trace", bytes.len() - r.pos),
                    ));
                }
                return Ok(stats);
            }
            op::RESERVE => {
                let count = r.slot_count("slot count")?;
                m.reserve_slots(count).map_err(at(start))?;
                reserved = reserved.max(count);
            }
            op::ALLOC => {
                let dst = r.slot(reserved, "destination slot")?;
                let fields = r.u32("field count")?;
                let payload = r.u32("payload length")?;
                m.alloc(dst, Shape::new(fields, payload))
                    .map_err(at(start))?;
            }
            op::LOAD => {
                let dst = r.slot(reserved, "destination slot")?;
                let src = r.slot(reserved, "source slot")?;
                let field = r.u32("field index")? as usize;
                m.load(dst, src, field).map_err(at(start))?;
            }
            op::STORE => {
                let obj = r.slot(reserved, "object slot")?;
                let field = r.u32("field index")? as usize;
                let value = r.opt_slot(reserved, "value slot")?;
                m.store(obj, field, value).map_err(at(start))?;
            }
            op::COPY => {
                let dst = r.slot(reserved, "destination slot")?;
                let src = r.slot(reserved, "source slot")?;
                m.copy(dst, src).map_err(at(start))?;
            }
            op::CLEAR => {
                let slot = r.slot(reserved, "slot")?;
                m.clear(slot).map_err(at(start))?;
            }
            op::WRITE_PAYLOAD => {
                let slot = r.slot(reserved, "slot")?;
                let offset = r.u32("payload offset")? as usize;
                let len = r.u32("payload length")? as usize;
                let data = r.take(len, "payload bytes")?;
                m.write_payload(slot, offset, data).map_err(at(start))?;
            }
            op::NEW_WEAK => {
                let dst = r.slot(reserved, "destination slot")?;
                let target = r.slot(reserved, "target slot")?;
                let callback = r.opt_u32("callback tag")?;
                m.new_weak(dst, target, callback).map_err(at(start))?;
            }
            op::UPGRADE => {
                let dst = r.slot(reserved, "destination slot")?;
                let weak = r.slot(reserved, "weak reference slot")?;
                m.upgrade(dst, weak).map_err(at(start))?;
            }
            op::SET_FINALIZER => {
                let obj = r.slot(reserved, "object slot")?;
                let tag = r.u32("finalizer tag")?;
                let resurrect_into = r.opt_slot(reserved, "resurrection slot")?;
                m.set_finalizer(
                    obj,
                    Finalizer {
                        tag,
                        resurrect_into,
                    },
                )
                .map_err(at(start))?;
            }
            op::COLLECT => {
                let generation = match r.opt_u32("generation")? {
                    None => None,
                    Some(g) => Some(u8::try_from(g).map_err(|_| {
                        malformed(start + 1, format!("generation {g} is beyond 255"))
                    })?),
                };
                m.collect(generation).map_err(at(start))?;
            }
            op::AUTO_COLLECT => {
                let value_at = r.pos;
                let enabled = match r.varint("auto-collect flag")? {
                    0 => false,
                    1 => true,
                    v => {
                        return Err(malformed(
                            value_at,
                            format!("auto-collect flag {v} is not 0 or 1"),
                        ))
                    }
                };
                m.set_auto_collect(enabled);
            }
            op::SAFEPOINT => m.safepoint().map_err(at(start))?,
            op::DRAIN => {
                m.drain_notices(&mut notices);
                stats.notices += notices.len() as u64;
                notices.clear();
            }
            other => {
                return Err(malformed(start, format!("unknown opcode 0x{other:02X}")));
            }
        }
        stats.operations += 1;
    }
}

fn malformed(offset: usize, reason: impl Into<String>) -> TraceError {
    TraceError::Malformed {
        offset,
        reason: reason.into(),
    }
}

/// A bounds-checked cursor over trace bytes.
struct Reader<'b> {
    bytes: &'b [u8],
    pos: usize,
}

impl<'b> Reader<'b> {
    fn take(&mut self, len: usize, what: &str) -> Result<&'b [u8], TraceError> {
        let available = self.bytes.len() - self.pos;
        if len > available {
            return Err(malformed(
                self.pos,
                format!("truncated: {what} needs {len} bytes, {available} left"),
            ));
        }
        let slice = &self.bytes[self.pos..self.pos + len];
        self.pos += len;
        Ok(slice)
    }

    #[inline]
    fn varint(&mut self, what: &str) -> Result<u64, TraceError> {
        // Most operands (slots, fields, small sizes) fit in one byte.
        if let Some(&byte) = self.bytes.get(self.pos) {
            if byte < 0x80 {
                self.pos += 1;
                return Ok(byte as u64);
            }
        }
        self.varint_long(what)
    }

    #[cold]
    fn varint_long(&mut self, what: &str) -> Result<u64, TraceError> {
        let start = self.pos;
        let mut value = 0u64;
        for i in 0..10 {
            let Some(&byte) = self.bytes.get(self.pos) else {
                return Err(malformed(
                    self.pos,
                    format!("truncated: {what} ends mid-varint"),
                ));
            };
            self.pos += 1;
            let group = (byte & 0x7F) as u64;
            if i == 9 && group > 1 {
                return Err(malformed(start, format!("{what} overflows 64 bits")));
            }
            value |= group << (7 * i);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(malformed(
            start,
            format!("{what} is a varint longer than 10 bytes"),
        ))
    }

    fn u32(&mut self, what: &str) -> Result<u32, TraceError> {
        let start = self.pos;
        let v = self.varint(what)?;
        u32::try_from(v).map_err(|_| malformed(start, format!("{what} {v} exceeds 32 bits")))
    }

    fn opt_u32(&mut self, what: &str) -> Result<Option<u32>, TraceError> {
        let start = self.pos;
        match self.varint(what)? {
            0 => Ok(None),
            v => u32::try_from(v - 1)
                .map(Some)
                .map_err(|_| malformed(start, format!("{what} {} exceeds 32 bits", v - 1))),
        }
    }

    fn slot_count(&mut self, what: &str) -> Result<usize, TraceError> {
        let start = self.pos;
        let v = self.varint(what)?;
        usize::try_from(v).map_err(|_| malformed(start, format!("{what} {v} is too large")))
    }

    fn check_slot(start: usize, v: u64, reserved: usize, what: &str) -> Result<Slot, TraceError> {
        if v < reserved as u64 {
            Ok(v as Slot)
        } else {
            Err(malformed(
                start,
                format!("{what} {v} out of range: the trace has reserved {reserved} slots"),
            ))
        }
    }

    fn slot(&mut self, reserved: usize, what: &str) -> Result<Slot, TraceError> {
        let start = self.pos;
        let v = self.varint(what)?;
        Self::check_slot(start, v, reserved, what)
    }

    fn opt_slot(&mut self, reserved: usize, what: &str) -> Result<Option<Slot>, TraceError> {
        let start = self.pos;
        match self.varint(what)? {
            0 => Ok(None),
            v => Self::check_slot(start, v - 1, reserved, what).map(Some),
        }
    }
}

/// Writes a trace to `path` atomically (a temporary file beside it, then a rename).
pub fn write_trace_file(path: &Path, bytes: &[u8]) -> Result<(), TraceError> {
    write_file_atomically(path, bytes).map_err(|e| TraceError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

/// Writes `bytes` to `path` through a temporary file beside it, synced and then renamed
/// over `path`, so a reader sees the old file or the whole new one, never half of it; the
/// temporary file is removed if anything fails.
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(format!(".tmp{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let result = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|_| f.sync_all()))
        .and_then(|_| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The heap limit for replaying a trace of unknown origin (256 MiB): a trace is a few bytes
/// per operation, but one `alloc` can ask for a 4 GiB payload, so a short hostile trace
/// could otherwise make the checking heap grow without bound. A trusted larger trace needs
/// [`check_against_heap_with_limit`].
pub const UNTRUSTED_HEAP_LIMIT: usize = 256 << 20;

/// Replays a trace of unknown origin against a heap that never frees, limited to
/// [`UNTRUSTED_HEAP_LIMIT`] bytes in use, so every operation gets gc-core's full checks
/// (slots, fields, payload ranges, freed objects); a trace that passes is one every
/// collector can run. Returns the replay's statistics.
pub fn check_against_heap(bytes: &[u8]) -> Result<ReplayStats, String> {
    check_against_heap_with_limit(bytes, UNTRUSTED_HEAP_LIMIT)
}

/// [`check_against_heap`] with a heap limit of `heap_limit` bytes instead of the default.
pub fn check_against_heap_with_limit(
    bytes: &[u8],
    heap_limit: usize,
) -> Result<ReplayStats, String> {
    let config = gc_core::HeapConfig::default().with_limit(heap_limit);
    let mut runtime = gc_core::Runtime::new(config, gc_core::NoGc)
        .map_err(|e| format!("cannot make the checking heap: {e}"))?;
    replay_with_stats(bytes, &mut runtime).map_err(|e| e.to_string())
}

/// What any run of the trace must produce, and its operation count, from replaying it once
/// on a heap that never frees (`NoGc`, limited to `heap_limit` bytes) and reading the end
/// state with gc-core's oracle: every object allocated; the ones reachable at the end are
/// live; of the rest, the ones plain reference counting cannot free
/// ([`gc_core::oracle::cyclic_garbage`]). Live objects never refer to garbage, and an
/// object freed mid-run is never written to again, so the end state decides. Trace files
/// (`trace:PATH`) and the embedded snapshots both get their expectations here.
pub fn expectations(
    bytes: &[u8],
    heap_limit: usize,
) -> Result<(crate::Expectations, ReplayStats), String> {
    let config = gc_core::HeapConfig::default().with_limit(heap_limit);
    let mut runtime = gc_core::Runtime::new(config, gc_core::NoGc)
        .map_err(|e| format!("cannot make the checking heap: {e}"))?;
    let stats = replay_with_stats(bytes, &mut runtime).map_err(|e| e.to_string())?;
    let heap = runtime.heap();
    let live = gc_core::oracle::reachable(heap).map_err(|e| e.to_string())?;
    let cyclic = gc_core::oracle::cyclic_garbage(heap).map_err(|e| e.to_string())?;
    let expectations = crate::Expectations {
        allocated: heap.alloc_stats().total_allocated,
        live_at_end: live.len() as u64,
        cyclic_garbage: cyclic,
    };
    Ok((expectations, stats))
}

/// Reads a trace file's bytes (validated when replayed).
pub fn read_trace_file(path: &Path) -> Result<Vec<u8>, TraceError> {
    std::fs::read(path).map_err(|e| TraceError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

/// Decodes `bytes` without applying them, checking the whole trace is well formed.
pub fn validate(bytes: &[u8]) -> Result<ReplayStats, TraceError> {
    replay_with_stats(bytes, &mut DryRun::default())
}

/// A mutator that only tracks slots, for [`validate`].
#[derive(Default)]
struct DryRun {
    slots: usize,
}

impl Mutator for DryRun {
    fn reserve_slots(&mut self, count: usize) -> GcResult<()> {
        self.slots = self.slots.max(count);
        Ok(())
    }
    fn slot_count(&self) -> usize {
        self.slots
    }
    fn alloc(&mut self, _: Slot, _: Shape) -> GcResult<()> {
        Ok(())
    }
    fn load(&mut self, _: Slot, _: Slot, _: usize) -> GcResult<()> {
        Ok(())
    }
    fn store(&mut self, _: Slot, _: usize, _: Option<Slot>) -> GcResult<()> {
        Ok(())
    }
    fn copy(&mut self, _: Slot, _: Slot) -> GcResult<()> {
        Ok(())
    }
    fn clear(&mut self, _: Slot) -> GcResult<()> {
        Ok(())
    }
    fn same(&self, _: Slot, _: Slot) -> GcResult<bool> {
        Ok(false)
    }
    fn is_null(&self, _: Slot) -> GcResult<bool> {
        Ok(true)
    }
    fn slot_ref(&self, _: Slot) -> GcResult<Option<ObjRef>> {
        Ok(None)
    }
    fn shape(&self, _: Slot) -> GcResult<Shape> {
        Ok(Shape::default())
    }
    fn read_payload(&self, _: Slot, _: usize, _: &mut [u8]) -> GcResult<()> {
        Ok(())
    }
    fn write_payload(&mut self, _: Slot, _: usize, _: &[u8]) -> GcResult<()> {
        Ok(())
    }
    fn new_weak(&mut self, _: Slot, _: Slot, _: Option<u32>) -> GcResult<()> {
        Ok(())
    }
    fn upgrade(&mut self, _: Slot, _: Slot) -> GcResult<bool> {
        Ok(false)
    }
    fn set_finalizer(&mut self, _: Slot, _: Finalizer) -> GcResult<()> {
        Ok(())
    }
    fn collect(&mut self, _: Option<u8>) -> GcResult<u64> {
        Ok(0)
    }
    fn set_auto_collect(&mut self, _: bool) {}
    fn safepoint(&mut self) -> GcResult<()> {
        Ok(())
    }
    fn drain_notices(&mut self, _: &mut Vec<Notice>) {}
}
