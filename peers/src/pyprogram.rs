//! A workload's trace compiled into a Python replay program for the CPython peer.
//!
//! CPython's compiler is slow per line, so turning a default-size trace (10 to 60 million
//! operations) into one straight-line program would take minutes before the run could
//! start. Traces are repetitive, though: a workload's loop body recurs with the same slots and
//! shapes, and only its payload bytes (and finalizer tags) change. So each operation becomes
//! one line of Python whose payload bytes and tags are not written into it (they are read
//! from side streams, `nxt()` and `tag()`), identical lines are interned, and the line
//! sequence is cut into blocks at content-defined points (after a line pair whose hash hits
//! [`CUT_MODULUS`], or at [`MAX_BLOCK`] lines), so the same run of lines gives the same block
//! wherever it occurs. A block seen at least
//! [`MIN_REPEATS`] times becomes one Python function (within a budget of
//! [`COMPILED_LINE_BUDGET`] lines); every other block is replayed line by line, each distinct
//! line being its own one-line function. The driver calls the functions in order: one call per
//! block, not an interpreted dispatch per operation.
//!
//! The program is produced by replaying the trace into [`ProgramBuilder`], a
//! [`Mutator`] that writes Python instead of touching a heap, so the trace decoder and its
//! validation are the ones every collector's replay uses.
//!
//! # File format (`GCPYPROG`, version 1)
//!
//! A first line `GCPYPROG 1`, then one line of JSON (`source_bytes`, `calls`, `payload_bytes`,
//! `payload_writes`, `tags`, `allocated`, `functions`, `operations`), then `source_bytes` of Python
//! source defining `f0` .. `f{functions-1}`, then `calls` little-endian `u32` function indices,
//! then the payload bytes, then `payload_writes` little-endian `u32` lengths (one per
//! `nxt()` call, in order), then `tags` little-endian `u32` finalizer tags (one per `tag()`
//! call, in order).

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use gc_core::{Finalizer, GcError, GcResult, Mutator, Notice, ObjRef, Shape, Slot};
use serde::{Deserialize, Serialize};

/// The first line of a program file.
pub const PROGRAM_MAGIC: &str = "GCPYPROG 1";
/// A cut is made after a line whose hash (with its predecessor) is 0 modulo this.
pub const CUT_MODULUS: u64 = 16;
/// No block is shorter than this many lines (unless the program ends).
pub const MIN_BLOCK: usize = 16;
/// No block is longer than this many lines.
pub const MAX_BLOCK: usize = 128;
/// A block is compiled as one function only if it occurs at least this often.
pub const MIN_REPEATS: u32 = 4;
/// At most this many lines of compiled blocks (each costs CPython compile time up front).
pub const COMPILED_LINE_BUDGET: usize = 400_000;

/// What the program header says; the driver checks the sections against it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramHeader {
    /// Bytes of Python source.
    pub source_bytes: u64,
    /// Function calls the replay makes (`u32` indices that follow the source).
    pub calls: u64,
    /// Bytes of payload data.
    pub payload_bytes: u64,
    /// Payload writes (`u32` lengths after the payload bytes).
    pub payload_writes: u64,
    /// Finalizer tags (`u32`s at the end).
    pub tags: u64,
    /// Objects the program allocates (nodes and weak references). The driver reports this
    /// figure as CPython's `allocated`: the allocations are straight-line code compiled from
    /// the trace, so the count is fixed by construction rather than measured (counting in
    /// `__init__` would add a Python-level increment to every allocation being timed).
    pub allocated: u64,
    /// Functions the source defines.
    pub functions: u64,
    /// Lines of operations in the program: trace operations that do something in Python
    /// (safepoints, notice drains, reserves that do not grow and empty payload writes emit
    /// no line, so this can be below the trace's operation count).
    pub operations: u64,
}

/// Builds a program by receiving a trace's operations as a [`Mutator`].
#[derive(Debug, Default)]
pub struct ProgramBuilder {
    line_ids: HashMap<String, u32>,
    line_text: Vec<String>,
    sequence: Vec<u32>,
    payload: Vec<u8>,
    payload_lengths: Vec<u32>,
    tags: Vec<u32>,
    field_counts: BTreeSet<u32>,
    slots: usize,
    allocated: u64,
    scratch: String,
}

/// How the line sequence was turned into calls, for the driver and for tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// The header.
    pub header: ProgramHeader,
    /// Python source defining the node classes' users: `f0`, `f1`, ...
    pub source: String,
    /// The replay: function indices in call order.
    pub calls: Vec<u32>,
    /// Payload bytes, consumed in order by `nxt()`.
    pub payload: Vec<u8>,
    /// The length of each `nxt()` value.
    pub payload_lengths: Vec<u32>,
    /// The finalizer tags, consumed in order by `tag()`.
    pub tags: Vec<u32>,
    /// Field counts of the node classes the program instantiates (`N{fields}`).
    pub field_counts: Vec<u32>,
}

impl Program {
    /// The program file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let header = serde_json::to_string(&self.header).expect("a header always serializes");
        let mut out =
            Vec::with_capacity(self.source.len() + self.calls.len() * 4 + self.payload.len() + 64);
        out.extend_from_slice(PROGRAM_MAGIC.as_bytes());
        out.push(b'\n');
        out.extend_from_slice(header.as_bytes());
        out.push(b'\n');
        out.extend_from_slice(self.source.as_bytes());
        for call in &self.calls {
            out.extend_from_slice(&call.to_le_bytes());
        }
        out.extend_from_slice(&self.payload);
        for value in self.payload_lengths.iter().chain(&self.tags) {
            out.extend_from_slice(&value.to_le_bytes());
        }
        out
    }
}

impl ProgramBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one line, interned: the text is formatted into a reused buffer and only copied
    /// the first time it is seen (a default-size trace has tens of millions of lines and a
    /// few thousand distinct ones).
    fn emit(&mut self, line: std::fmt::Arguments<'_>) {
        self.scratch.clear();
        let _ = self.scratch.write_fmt(line);
        let id = match self.line_ids.get(self.scratch.as_str()) {
            Some(&id) => id,
            None => {
                let id = self.line_text.len() as u32;
                self.line_text.push(self.scratch.clone());
                self.line_ids.insert(self.scratch.clone(), id);
                id
            }
        };
        self.sequence.push(id);
    }

    /// Cuts the line sequence into blocks, picks the ones worth compiling and emits the
    /// program.
    pub fn finish(self) -> Program {
        let blocks = cut_blocks(&self.sequence);
        let mut counts: HashMap<&[u32], u32> = HashMap::new();
        for &(start, end) in &blocks {
            *counts.entry(&self.sequence[start..end]).or_default() += 1;
        }
        // Most lines saved first; ties broken by content so the program is deterministic.
        let mut worth: Vec<(&[u32], u32)> = counts
            .iter()
            .filter(|(block, &n)| n >= MIN_REPEATS && block.len() > 1)
            .map(|(&block, &n)| (block, n))
            .collect();
        worth.sort_by(|a, b| {
            (b.1 as u64 * b.0.len() as u64)
                .cmp(&(a.1 as u64 * a.0.len() as u64))
                .then_with(|| a.0.cmp(b.0))
        });
        let mut source = String::new();
        let mut functions: u32 = 0;
        let mut define = |source: &mut String, lines: &[u32]| -> u32 {
            let _ = writeln!(source, "def f{functions}(s):");
            for &line in lines {
                let _ = writeln!(source, "    {}", self.line_text[line as usize]);
            }
            functions += 1;
            functions - 1
        };
        let mut block_fn: HashMap<&[u32], u32> = HashMap::new();
        let mut budget = COMPILED_LINE_BUDGET;
        for (block, _) in worth {
            if block.len() <= budget {
                budget -= block.len();
                block_fn.insert(block, define(&mut source, block));
            }
        }
        let mut line_fn: HashMap<u32, u32> = HashMap::new();
        let mut calls = Vec::new();
        for &(start, end) in &blocks {
            let block = &self.sequence[start..end];
            if let Some(&f) = block_fn.get(block) {
                calls.push(f);
            } else {
                for &line in block {
                    let f = *line_fn
                        .entry(line)
                        .or_insert_with(|| define(&mut source, &[line]));
                    calls.push(f);
                }
            }
        }
        Program {
            header: ProgramHeader {
                source_bytes: source.len() as u64,
                calls: calls.len() as u64,
                payload_bytes: self.payload.len() as u64,
                payload_writes: self.payload_lengths.len() as u64,
                tags: self.tags.len() as u64,
                allocated: self.allocated,
                functions: functions as u64,
                operations: self.sequence.len() as u64,
            },
            source,
            calls,
            payload: self.payload,
            payload_lengths: self.payload_lengths,
            tags: self.tags,
            field_counts: self.field_counts.into_iter().collect(),
        }
    }
}

/// Content-defined block boundaries over a line sequence: `(start, end)` ranges covering it.
fn cut_blocks(sequence: &[u32]) -> Vec<(usize, usize)> {
    let mut blocks = Vec::new();
    let mut start = 0;
    for i in 0..sequence.len() {
        let len = i + 1 - start;
        let prev = if i > 0 { sequence[i - 1] } else { u32::MAX };
        let hash = (u64::from(prev) << 32 | u64::from(sequence[i]))
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            >> 40;
        if len >= MAX_BLOCK || (len >= MIN_BLOCK && hash % CUT_MODULUS == 0) {
            blocks.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < sequence.len() {
        blocks.push((start, sequence.len()));
    }
    blocks
}

fn unsupported(what: &'static str) -> GcError {
    GcError::Unsupported {
        collector: "cpython program builder",
        what,
    }
}

impl Mutator for ProgramBuilder {
    fn reserve_slots(&mut self, count: usize) -> GcResult<()> {
        if count > self.slots {
            self.slots = count;
            self.emit(format_args!("reserve(s, {count})"));
        }
        Ok(())
    }

    fn slot_count(&self) -> usize {
        self.slots
    }

    fn alloc(&mut self, dst: Slot, shape: Shape) -> GcResult<()> {
        self.field_counts.insert(shape.fields);
        self.allocated += 1;
        self.emit(format_args!(
            "s[{}] = N{}({})",
            dst, shape.fields, shape.payload
        ));
        Ok(())
    }

    fn load(&mut self, dst: Slot, src: Slot, field: usize) -> GcResult<()> {
        self.emit(format_args!("s[{}] = s[{}].f{field}", dst, src));
        Ok(())
    }

    fn store(&mut self, obj: Slot, field: usize, value: Option<Slot>) -> GcResult<()> {
        match value {
            Some(v) => self.emit(format_args!("s[{}].f{field} = s[{}]", obj, v)),
            None => self.emit(format_args!("s[{}].f{field} = None", obj)),
        }
        Ok(())
    }

    fn copy(&mut self, dst: Slot, src: Slot) -> GcResult<()> {
        self.emit(format_args!("s[{}] = s[{}]", dst, src));
        Ok(())
    }

    fn clear(&mut self, slot: Slot) -> GcResult<()> {
        self.emit(format_args!("s[{}] = None", slot));
        Ok(())
    }

    fn same(&self, _: Slot, _: Slot) -> GcResult<bool> {
        Err(unsupported("reads (a trace records none)"))
    }

    fn is_null(&self, _: Slot) -> GcResult<bool> {
        Err(unsupported("reads (a trace records none)"))
    }

    fn slot_ref(&self, _: Slot) -> GcResult<Option<ObjRef>> {
        Err(unsupported("reads (a trace records none)"))
    }

    fn shape(&self, _: Slot) -> GcResult<Shape> {
        Err(unsupported("reads (a trace records none)"))
    }

    fn read_payload(&self, _: Slot, _: usize, _: &mut [u8]) -> GcResult<()> {
        Err(unsupported("reads (a trace records none)"))
    }

    fn write_payload(&mut self, slot: Slot, offset: usize, data: &[u8]) -> GcResult<()> {
        if data.is_empty() {
            // Changes nothing, and a payload-less object's payload is `None` in Python.
            return Ok(());
        }
        // A fresh bytes object per write (a slice of the payload stream), as a program
        // computing the value would make; the payload is immutable bytes, replaced on write.
        self.payload.extend_from_slice(data);
        self.payload_lengths.push(data.len() as u32);
        let s = slot;
        let end = offset + data.len();
        if offset == 0 {
            self.emit(format_args!(
                "s[{s}].payload = nxt() + s[{s}].payload[{end}:]"
            ));
        } else {
            self.emit(format_args!(
                "s[{s}].payload = s[{s}].payload[:{offset}] + nxt() + s[{s}].payload[{end}:]"
            ));
        }
        Ok(())
    }

    fn new_weak(&mut self, dst: Slot, target: Slot, callback: Option<u32>) -> GcResult<()> {
        self.allocated += 1;
        let callback = if callback.is_some() {
            ", weak_callback"
        } else {
            ""
        };
        self.emit(format_args!(
            "s[{}] = WeakNode(s[{}]{callback})",
            dst, target
        ));
        Ok(())
    }

    fn upgrade(&mut self, dst: Slot, weak: Slot) -> GcResult<bool> {
        self.emit(format_args!("s[{}] = upgrade(s[{}])", dst, weak));
        Ok(true)
    }

    fn set_finalizer(&mut self, obj: Slot, finalizer: Finalizer) -> GcResult<()> {
        // Tags are usually unique per object: kept out of the line (read with `tag()`) so the
        // line stays one of a few.
        self.tags.push(finalizer.tag);
        match finalizer.resurrect_into {
            Some(slot) => self.emit(format_args!("set_finalizer(s[{obj}], tag(), {slot})")),
            None => self.emit(format_args!("set_finalizer(s[{obj}], tag(), None)")),
        }
        Ok(())
    }

    fn collect(&mut self, generation: Option<u8>) -> GcResult<u64> {
        let arg = generation.map_or_else(|| "None".to_string(), |g| g.to_string());
        self.emit(format_args!("collect({arg})"));
        Ok(0)
    }

    fn set_auto_collect(&mut self, enabled: bool) {
        let call = if enabled { "enable" } else { "disable" };
        self.emit(format_args!("gc.{call}()"));
    }

    fn safepoint(&mut self) -> GcResult<()> {
        Ok(())
    }

    fn drain_notices(&mut self, _: &mut Vec<Notice>) {}
}

/// Compiles trace bytes into a program, with the trace decoder's validation.
pub fn compile_trace(trace: &[u8]) -> Result<Program, workloads::trace::TraceError> {
    let mut builder = ProgramBuilder::new();
    workloads::trace::replay(trace, &mut builder)?;
    Ok(builder.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program(ops: impl FnOnce(&mut ProgramBuilder)) -> Program {
        let mut b = ProgramBuilder::new();
        ops(&mut b);
        b.finish()
    }

    /// Expands the calls back into lines, using the source's function bodies.
    fn expand(p: &Program) -> Vec<String> {
        let mut bodies: Vec<Vec<String>> = Vec::new();
        for line in p.source.lines() {
            if line.starts_with("def ") {
                bodies.push(Vec::new());
            } else {
                bodies.last_mut().unwrap().push(line.trim().to_string());
            }
        }
        p.calls
            .iter()
            .flat_map(|&f| bodies[f as usize].clone())
            .collect()
    }

    #[test]
    fn a_repeated_loop_body_becomes_few_functions_and_replays_every_line_in_order() {
        let mut expected = Vec::new();
        let p = program(|b| {
            b.reserve_slots(2).unwrap();
            expected.push("reserve(s, 2)".to_string());
            for i in 0..10_000u32 {
                b.alloc(0, Shape::new(1, 8)).unwrap();
                b.alloc(1, Shape::new(1, 8)).unwrap();
                b.write_payload(0, 0, &i.to_le_bytes()).unwrap();
                b.store(0, 0, Some(1)).unwrap();
                b.store(1, 0, Some(0)).unwrap();
                b.clear(0).unwrap();
                b.clear(1).unwrap();
                expected.extend(
                    [
                        "s[0] = N1(8)",
                        "s[1] = N1(8)",
                        "s[0].payload = nxt() + s[0].payload[4:]",
                        "s[0].f0 = s[1]",
                        "s[1].f0 = s[0]",
                        "s[0] = None",
                        "s[1] = None",
                    ]
                    .map(String::from),
                );
            }
        });
        assert_eq!(expand(&p), expected);
        assert_eq!(p.header.operations, expected.len() as u64);
        assert_eq!(p.header.allocated, 20_000);
        assert_eq!(p.payload_lengths.len(), 10_000);
        assert_eq!(&p.payload[4..8], &1u32.to_le_bytes());
        assert!(p.header.functions < 40, "{} functions", p.header.functions);
        assert!(
            p.calls.len() < expected.len() / 10,
            "{} calls for {} lines",
            p.calls.len(),
            expected.len()
        );
        assert_eq!(p.field_counts, vec![1]);
    }

    #[test]
    fn a_patternless_stream_falls_back_to_one_function_per_distinct_line() {
        let mut state = 12345u64;
        let mut expected = Vec::new();
        let p = program(|b| {
            b.reserve_slots(64).unwrap();
            expected.push("reserve(s, 64)".to_string());
            for _ in 0..5_000 {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let (a, c) = ((state >> 33) % 64, (state >> 45) % 64);
                b.copy(a as usize, c as usize).unwrap();
                expected.push(format!("s[{a}] = s[{c}]"));
            }
        });
        assert_eq!(expand(&p), expected);
        let distinct: BTreeSet<&String> = expected.iter().collect();
        assert!(p.header.functions as usize <= distinct.len() + 1);
    }

    #[test]
    fn the_file_has_the_sections_its_header_announces() {
        let p = program(|b| {
            b.reserve_slots(1).unwrap();
            b.alloc(0, Shape::new(0, 3)).unwrap();
            b.write_payload(0, 1, &[7, 8]).unwrap();
            b.new_weak(0, 0, Some(3)).unwrap();
            b.collect(Some(1)).unwrap();
            b.set_auto_collect(false);
            for tag in [7, 9] {
                b.set_finalizer(
                    0,
                    Finalizer {
                        tag,
                        resurrect_into: Some(0),
                    },
                )
                .unwrap();
            }
        });
        let bytes = p.to_bytes();
        let text = String::from_utf8_lossy(&bytes);
        let mut lines = text.splitn(3, '\n');
        assert_eq!(lines.next(), Some(PROGRAM_MAGIC));
        let header: ProgramHeader = serde_json::from_str(lines.next().unwrap()).unwrap();
        assert_eq!(header, p.header);
        let body = PROGRAM_MAGIC.len() + 1 + serde_json::to_string(&header).unwrap().len() + 1;
        assert_eq!(
            bytes.len() - body,
            (header.source_bytes + header.calls * 4 + header.payload_bytes) as usize
                + (header.payload_writes + header.tags) as usize * 4
        );
        assert!(p
            .source
            .contains("s[0].payload = s[0].payload[:1] + nxt() + s[0].payload[3:]"));
        assert!(p.source.contains("s[0] = WeakNode(s[0], weak_callback)"));
        assert!(p.source.contains("collect(1)"));
        assert!(p.source.contains("gc.disable()"));
        assert!(p.source.contains("set_finalizer(s[0], tag(), 0)"));
        assert_eq!(p.tags, vec![7, 9]);
        assert_eq!(header.tags, 2);
        assert_eq!(header.allocated, 2);
    }
}
