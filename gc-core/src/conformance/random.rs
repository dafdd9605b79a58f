//! The seeded random-operations check, with the log and replay that make its failures
//! explain themselves.
//!
//! Each operation is drawn as a small [`Op`] and kept, with the objects it touched, in a ring
//! of the last [`LOG_LEN`]; text is made only when something fails, so the log costs a few
//! copies per operation. A failure names the collector, the seed, the operation, what went
//! wrong, what was expected, the operations leading up to it and a command that replays
//! exactly that case: [`REPLAY_VAR`] makes [`random_operations`] run one seed up to one
//! operation, printing each and checking the heap against the oracle after every one.

use std::collections::VecDeque;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{
    Collector, Finalizer, GcControl, GcError, GcResult, Mutator, ObjRef, Reclaims, Runtime, Shape,
    Slot, DEBUG_SAVEALL,
};

/// The environment variable that turns [`random_operations`] into a replay of one case:
/// `<seed>:<op>`, as a failure's `replay:` line gives it.
pub const REPLAY_VAR: &str = "GCLAB_CONFORMANCE_REPLAY";

/// The seeds [`random_operations`] runs.
pub const SEEDS: std::ops::RangeInclusive<u64> = 1..=4;

/// Random operations per seed. A replay may name op `OPS_PER_SEED` itself: the end-of-run
/// clearing, collections and count checks that follow the last operation.
pub const OPS_PER_SEED: usize = 4000;

/// Root slots the operations name (`0..SLOTS`).
pub const SLOTS: usize = 24;

/// Operations a failure message shows, the failing one last.
const LOG_LEN: usize = 20;

/// Outside a replay the heap is checked against the oracle every this many operations: often
/// enough to catch a bad collector near its fault, rarely enough to keep the check quick.
const VERIFY_EVERY: usize = 97;

/// Thousands of seeded random operations, every collection checked by the oracle, counts
/// checked against it after. With [`REPLAY_VAR`] set to `<seed>:<op>`, replays that case
/// instead ([`replay_random_operations`]).
pub fn random_operations<C: Collector>(make: &dyn Fn() -> C) {
    match std::env::var(REPLAY_VAR) {
        Ok(value) => {
            let (seed, op) = parse_replay(&value).unwrap_or_else(|e| panic!("{e}"));
            replay_random_operations(make, seed, op);
        }
        Err(std::env::VarError::NotPresent) => {
            for seed in SEEDS {
                run(make, seed, Mode::Check);
            }
        }
        Err(std::env::VarError::NotUnicode(value)) => {
            panic!("{REPLAY_VAR}={value:?} is not valid text; expected <seed>:<op>, e.g. 1:303")
        }
    }
}

/// Replays seed `seed` of [`random_operations`] up to and including operation `last_op`
/// (`OPS_PER_SEED` for the whole run and its end-of-run checks), printing every operation to
/// stderr as it runs and checking the heap against the oracle after each one, so the first
/// operation that leaves the heap wrong is the one the failure names. Returns the lines it
/// printed, one per operation. Panics as the check does on failure, and if `last_op` is past
/// the end of the run.
pub fn replay_random_operations<C: Collector>(
    make: &dyn Fn() -> C,
    seed: u64,
    last_op: usize,
) -> Vec<String> {
    assert!(
        last_op <= OPS_PER_SEED,
        "replay of op {last_op}: a run has ops 0..={} and then its end-of-run checks \
         (op {OPS_PER_SEED})",
        OPS_PER_SEED - 1
    );
    run(make, seed, Mode::Replay { last_op })
}

/// Reads a replay request, `<seed>:<op>`; the error names [`REPLAY_VAR`] and the form.
pub fn parse_replay(value: &str) -> Result<(u64, usize), String> {
    let malformed = || {
        format!(
            "{REPLAY_VAR}={value:?} is malformed: expected <seed>:<op>, two decimal numbers \
             such as 1:303 (a failure's replay line gives them)"
        )
    };
    let (seed, op) = value.trim().split_once(':').ok_or_else(malformed)?;
    let seed = seed.trim().parse().map_err(|_| malformed())?;
    let op = op.trim().parse().map_err(|_| malformed())?;
    Ok((seed, op))
}

/// Whether a run checks as the test suite does or replays one case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Every seed's whole run, verified every [`VERIFY_EVERY`] operations.
    Check,
    /// One run up to `last_op`, printed and verified after every operation.
    Replay { last_op: usize },
}

/// Where in a run something happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// A random operation, by index.
    Op(usize),
    /// The end-of-run clearing and collections.
    End,
}

impl Step {
    /// The operation number a replay of this step names.
    fn replay_index(self) -> usize {
        match self {
            Step::Op(i) => i,
            Step::End => OPS_PER_SEED,
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Op(i) => write!(f, "op {i}"),
            Step::End => write!(f, "end of run"),
        }
    }
}

/// One operation with its arguments, as drawn (each is the [`Mutator`] or [`GcControl`]
/// call of the same name; [`apply`] performs it).
#[allow(missing_docs)] // the fields are the arguments of the call the variant names
#[derive(Clone, Copy, Debug)]
pub enum Op {
    Alloc {
        slot: Slot,
        shape: Shape,
    },
    Store {
        obj: Slot,
        field: usize,
        value: Option<Slot>,
    },
    Load {
        dst: Slot,
        src: Slot,
        field: usize,
    },
    Copy {
        dst: Slot,
        src: Slot,
    },
    Clear {
        slot: Slot,
    },
    NewWeak {
        dst: Slot,
        target: Slot,
        callback: u32,
    },
    Upgrade {
        dst: Slot,
        weak: Slot,
    },
    SetFinalizer {
        obj: Slot,
        finalizer: Finalizer,
    },
    Collect {
        generation: Option<u8>,
    },
    /// The end of a run: slots `0..slots` cleared.
    ClearAll {
        slots: usize,
    },
    /// `gc.set_threshold(*thresholds)` ([`OpMix::GcModule`] only).
    SetThreshold {
        thresholds: [u64; 3],
    },
    /// `gc.enable()` ([`OpMix::GcModule`] only).
    Enable,
    /// `gc.disable()` ([`OpMix::GcModule`] only).
    Disable,
    /// `gc.freeze()` ([`OpMix::GcModule`] only).
    Freeze,
    /// `gc.unfreeze()` ([`OpMix::GcModule`] only).
    Unfreeze,
    /// `gc.set_debug(gc.DEBUG_SAVEALL if on else 0)` ([`OpMix::GcModule`] only).
    SaveAll {
        on: bool,
    },
    /// `gc.garbage.clear()` ([`OpMix::GcModule`] only).
    ClearGarbage,
    /// `pairs` two-object cycles, each pair in slots `a` and `b` and its first object
    /// also referring to the object in slot `outside` (if any); slot `b` is cleared at
    /// the end, and slot `a` too unless `keep`, so the pairs are cyclic garbage except
    /// perhaps the last ([`OpMix::GcModule`] only: a burst of tracked objects with no weak
    /// reference or finalizer among them).
    Cycles {
        a: Slot,
        b: Slot,
        outside: Slot,
        pairs: u32,
        keep: bool,
    },
}

impl Op {
    /// The slots whose objects the log shows as they were before the operation: the one it
    /// acts on, and the one it reads from.
    fn slots_read(self) -> (Option<Slot>, Option<Slot>) {
        match self {
            Op::Alloc { slot, .. } | Op::Clear { slot } => (Some(slot), None),
            Op::Store { obj, value, .. } => (Some(obj), value),
            Op::Load { src, .. } => (Some(src), None),
            Op::Copy { src, .. } => (None, Some(src)),
            Op::NewWeak { target, .. } => (None, Some(target)),
            Op::Upgrade { weak, .. } => (None, Some(weak)),
            Op::SetFinalizer { obj, .. } => (Some(obj), None),
            _ => (None, None),
        }
    }

    /// The slot whose object the log shows as it is after the operation.
    fn slot_written(self) -> Option<Slot> {
        match self {
            Op::Alloc { slot, .. } => Some(slot),
            Op::Load { dst, .. } | Op::NewWeak { dst, .. } | Op::Upgrade { dst, .. } => Some(dst),
            _ => None,
        }
    }
}

/// Which operations a stream draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpMix {
    /// The operations of [`random_operations`]: allocation, stores, loads, copies, clears,
    /// weak references with callbacks, finalizers (some resurrecting), collections.
    Contract,
    /// Those, and in about one operation in thirty a call of the `gc` module (thresholds,
    /// enable and disable, freeze and unfreeze, `DEBUG_SAVEALL`, clearing `gc.garbage`) or
    /// a burst of cyclic garbage ([`Op::Cycles`]).
    GcModule,
}

/// A seeded stream of random operations on slots `0..SLOTS`: with [`OpMix::Contract`]
/// exactly the stream [`random_operations`] checks a seed with, so other tests (gc-cycle's
/// differential test of its fast paths against its plain one) can drive runtimes with it.
#[derive(Clone, Debug)]
pub struct RandomOps {
    rng: ChaCha8Rng,
    next: usize,
    generations: u8,
    mix: OpMix,
}

impl RandomOps {
    /// The stream of `seed` for a collector with `generations` generations.
    pub fn new(seed: u64, generations: u8, mix: OpMix) -> RandomOps {
        RandomOps {
            rng: ChaCha8Rng::seed_from_u64(seed),
            next: 0,
            generations,
            mix,
        }
    }
}

impl Iterator for RandomOps {
    type Item = Op;

    fn next(&mut self) -> Option<Op> {
        let i = self.next;
        self.next += 1;
        if self.mix == OpMix::GcModule && self.rng.gen_ratio(1, 30) {
            return Some(draw_gc_module(&mut self.rng));
        }
        Some(draw(&mut self.rng, i, self.generations))
    }
}

/// Draws a call of the `gc` module or a burst of cycles. Thresholds are mostly small, so
/// automatic collections of every generation are frequent; enabling is drawn more often
/// than disabling, so the collector is mostly enabled.
fn draw_gc_module(rng: &mut ChaCha8Rng) -> Op {
    match rng.gen_range(0..13) {
        10..=12 => Op::Cycles {
            a: rng.gen_range(0..SLOTS),
            b: rng.gen_range(0..SLOTS),
            outside: rng.gen_range(0..SLOTS),
            pairs: rng.gen_range(1..=30),
            keep: rng.gen_bool(0.5),
        },
        0..=2 => {
            let threshold0 = match rng.gen_range(0..10) {
                0 => 700,
                1 => 0,
                _ => rng.gen_range(1..=40),
            };
            Op::SetThreshold {
                thresholds: [threshold0, rng.gen_range(1..=12), rng.gen_range(1..=12)],
            }
        }
        3 => Op::Disable,
        4 | 5 => Op::Enable,
        6 => Op::Freeze,
        7 => Op::Unfreeze,
        8 => Op::SaveAll {
            on: rng.gen_bool(0.4),
        },
        _ => Op::ClearGarbage,
    }
}

/// Draws operation `i`. The order and types of the draws are the check's definition: a
/// change here changes what every seed does.
fn draw(rng: &mut ChaCha8Rng, i: usize, generations: u8) -> Op {
    let a = rng.gen_range(0..SLOTS);
    let b = rng.gen_range(0..SLOTS);
    match rng.gen_range(0..100) {
        0..=24 => {
            let payload = if rng.gen_ratio(1, 50) {
                600
            } else {
                rng.gen_range(0..24)
            };
            Op::Alloc {
                slot: a,
                shape: Shape::new(rng.gen_range(0..4), payload),
            }
        }
        25..=49 => {
            let value = if rng.gen_ratio(1, 8) { None } else { Some(b) };
            let field: usize = rng.gen_range(0..3);
            Op::Store {
                obj: a,
                field,
                value,
            }
        }
        50..=62 => {
            let field: usize = rng.gen_range(0..3);
            Op::Load {
                dst: a,
                src: b,
                field,
            }
        }
        63..=70 => Op::Copy { dst: a, src: b },
        71..=80 => Op::Clear { slot: a },
        81..=85 => Op::NewWeak {
            dst: a,
            target: b,
            callback: i as u32,
        },
        86..=89 => Op::Upgrade { dst: a, weak: b },
        90..=93 => {
            let finalizer = if rng.gen_bool(0.5) {
                Finalizer::resurrect(i as u32, rng.gen_range(0..SLOTS))
            } else {
                Finalizer::report(i as u32)
            };
            Op::SetFinalizer { obj: a, finalizer }
        }
        _ => {
            let generation = if generations > 0 && rng.gen_bool(0.7) {
                Some(rng.gen_range(0..generations))
            } else {
                None
            };
            Op::Collect { generation }
        }
    }
}

/// What an operation returned, beyond success.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// Succeeded with nothing to report.
    Done,
    /// A collection, and the count it returned.
    Collected(u64),
    /// An upgrade, and whether the referent was alive.
    Upgraded(bool),
    /// Refused with an error the check expects (a null slot, a missing field, ...).
    Refused(GcError),
    /// Failed: the error the check stops on.
    Failed(GcError),
    /// Panicked.
    Panicked,
}

/// An operation as the log keeps it: what was asked, the objects involved and the outcome.
#[derive(Clone, Debug)]
struct Logged {
    step: Step,
    op: Op,
    /// The objects in [`Op::slots_read`]'s slots before the operation.
    read: (Option<ObjRef>, Option<ObjRef>),
    /// The object in [`Op::slot_written`]'s slot after it.
    written: Option<ObjRef>,
    outcome: Outcome,
}

/// A slot and the object it held, as the log shows them: `slot 4 (#1234)`.
struct SlotHolding(Slot, Option<ObjRef>);

impl fmt::Display for SlotHolding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Some(r) => write!(f, "slot {} ({r})", self.0),
            None => write!(f, "slot {} (null)", self.0),
        }
    }
}

/// An object reference or `null`.
struct RefOrNull(Option<ObjRef>);

impl fmt::Display for RefOrNull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(r) => write!(f, "{r}"),
            None => write!(f, "null"),
        }
    }
}

impl fmt::Display for Logged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (first, second) = self.read;
        let written = RefOrNull(self.written);
        let failed = !matches!(
            self.outcome,
            Outcome::Done | Outcome::Collected(_) | Outcome::Upgraded(_)
        );
        write!(f, "{}: ", self.step)?;
        match self.op {
            Op::Alloc { slot, shape } => {
                write!(f, "alloc slot {slot} <- {shape:?}")?;
                if !failed {
                    write!(f, " = {written}")?;
                }
                if let Some(old) = first {
                    write!(f, " (replacing {old})")?;
                }
            }
            Op::Store { obj, field, value } => {
                write!(f, "store {} .f{field} <- ", SlotHolding(obj, first))?;
                match value {
                    Some(v) => write!(f, "{}", SlotHolding(v, second))?,
                    None => write!(f, "null")?,
                }
            }
            Op::Load { dst, src, field } => {
                write!(
                    f,
                    "load slot {dst} <- {} .f{field}",
                    SlotHolding(src, first)
                )?;
                if !failed {
                    write!(f, " = {written}")?;
                }
            }
            Op::Copy { dst, src } => write!(f, "copy slot {dst} <- {}", SlotHolding(src, second))?,
            Op::Clear { slot } => write!(f, "clear {}", SlotHolding(slot, first))?,
            Op::NewWeak {
                dst,
                target,
                callback,
            } => {
                write!(
                    f,
                    "new_weak slot {dst} <- weak to {}, callback {callback}",
                    SlotHolding(target, second)
                )?;
                if !failed {
                    write!(f, " = {written}")?;
                }
            }
            Op::Upgrade { dst, weak } => {
                write!(f, "upgrade slot {dst} <- {}", SlotHolding(weak, second))?
            }
            Op::SetFinalizer { obj, finalizer } => {
                write!(f, "set_finalizer {} <- ", SlotHolding(obj, first))?;
                match finalizer.resurrect_into {
                    Some(s) => write!(f, "resurrect {} into slot {s}", finalizer.tag)?,
                    None => write!(f, "report {}", finalizer.tag)?,
                }
            }
            Op::Collect { generation } => write!(f, "collect({generation:?})")?,
            Op::ClearAll { slots } => write!(f, "clear slots 0..{slots}")?,
            Op::SetThreshold { thresholds } => write!(f, "set_threshold{thresholds:?}")?,
            Op::Enable => write!(f, "enable")?,
            Op::Disable => write!(f, "disable")?,
            Op::Freeze => write!(f, "freeze")?,
            Op::Unfreeze => write!(f, "unfreeze")?,
            Op::SaveAll { on } => write!(f, "set_debug(DEBUG_SAVEALL: {on})")?,
            Op::ClearGarbage => write!(f, "clear gc.garbage")?,
            Op::Cycles {
                a,
                b,
                outside,
                pairs,
                keep,
            } => write!(
                f,
                "{pairs} cycles in slots {a} and {b}, referring to slot {outside}, keep {keep}"
            )?,
        }
        match &self.outcome {
            Outcome::Done => Ok(()),
            Outcome::Collected(n) => write!(f, " -> {n}"),
            Outcome::Upgraded(true) => write!(f, " -> alive, {written}"),
            Outcome::Upgraded(false) => write!(f, " -> dead"),
            Outcome::Refused(e) => write!(f, " -> refused: {e}"),
            Outcome::Failed(e) => write!(f, " -> FAILED: {}", first_line(&e.to_string())),
            Outcome::Panicked => write!(f, " -> PANICKED"),
        }
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// Errors the operations are expected to meet: they name slots, fields and objects at random.
fn tolerated(e: &GcError) -> bool {
    matches!(
        e,
        GcError::NullSlot { .. } | GcError::BadField { .. } | GcError::NotWeak { .. }
    )
}

/// Performs `op` on `m`; what it returned beyond success.
pub fn apply<M: Mutator + GcControl>(m: &mut M, op: Op) -> GcResult<Outcome> {
    match op {
        Op::Alloc { slot, shape } => m.alloc(slot, shape),
        Op::Store { obj, field, value } => m.store(obj, field, value),
        Op::Load { dst, src, field } => m.load(dst, src, field),
        Op::Copy { dst, src } => m.copy(dst, src),
        Op::Clear { slot } => m.clear(slot),
        Op::NewWeak {
            dst,
            target,
            callback,
        } => m.new_weak(dst, target, Some(callback)),
        Op::Upgrade { dst, weak } => return m.upgrade(dst, weak).map(Outcome::Upgraded),
        Op::SetFinalizer { obj, finalizer } => m.set_finalizer(obj, finalizer),
        Op::Collect { generation } => return m.collect(generation).map(Outcome::Collected),
        Op::ClearAll { slots } => (0..slots).try_for_each(|s| m.clear(s)),
        Op::SetThreshold { thresholds } => m.set_threshold(&thresholds),
        Op::Enable => {
            m.enable();
            Ok(())
        }
        Op::Disable => {
            m.disable();
            Ok(())
        }
        Op::Freeze => m.freeze(),
        Op::Unfreeze => m.unfreeze(),
        Op::SaveAll { on } => {
            m.set_debug(if on { DEBUG_SAVEALL } else { 0 });
            Ok(())
        }
        Op::ClearGarbage => {
            m.clear_garbage();
            Ok(())
        }
        Op::Cycles {
            a,
            b,
            outside,
            pairs,
            keep,
        } => {
            cycles(m, a, b, outside, pairs)?;
            if keep {
                Ok(())
            } else {
                m.clear(a)
            }
        }
    }
    .map(|()| Outcome::Done)
}

/// [`Op::Cycles`].
fn cycles<M: Mutator>(m: &mut M, a: Slot, b: Slot, outside: Slot, pairs: u32) -> GcResult<()> {
    for _ in 0..pairs {
        let refer_out = !m.is_null(outside)?;
        m.alloc(a, Shape::new(2, 8))?;
        m.alloc(b, Shape::new(2, 8))?;
        m.store(a, 0, Some(b))?;
        m.store(b, 0, Some(a))?;
        if refer_out && !m.is_null(outside)? {
            m.store(a, 1, Some(outside))?;
        }
    }
    m.clear(b)
}

/// Why a run stopped.
enum Failure {
    /// An operation returned an error the check does not expect.
    Error(GcError),
    /// An operation panicked; the panic's message.
    Panic(String),
    /// `verify_now` found the heap disagreeing with the oracle.
    Verify(GcError),
    /// A count at the end of the run was wrong.
    Count { found: String, expected: String },
}

/// The runtime of one seed's run, and its log.
struct Run<C: Collector> {
    m: Runtime<C>,
    seed: u64,
    mode: Mode,
    log: VecDeque<Logged>,
    /// Every line printed, in a replay.
    transcript: Vec<String>,
}

fn run<C: Collector>(make: &dyn Fn() -> C, seed: u64, mode: Mode) -> Vec<String> {
    let mut run = Run {
        m: super::verified(make),
        seed,
        mode,
        log: VecDeque::with_capacity(LOG_LEN),
        transcript: Vec::new(),
    };
    if let Mode::Replay { last_op } = mode {
        eprintln!(
            "replaying random_operations for collector `{}`: seed {seed}, ops 0..={last_op}, \
             the heap checked against the oracle after each",
            run.m.collector_name()
        );
    }
    let generations = run.m.capabilities().generations;
    let ops = RandomOps::new(seed, generations, OpMix::Contract);
    for (i, op) in ops.take(OPS_PER_SEED).enumerate() {
        run.step(Step::Op(i), op, true);
        let verify = match mode {
            Mode::Check => i % VERIFY_EVERY == 0,
            Mode::Replay { .. } => true,
        };
        if verify {
            run.verify(Step::Op(i));
        }
        super::drain(&mut run.m);
        if mode == (Mode::Replay { last_op: i }) {
            return run.transcript;
        }
    }
    run.end();
    run.transcript
}

impl<C: Collector> Run<C> {
    /// Performs, logs and (in a replay) prints one operation; stops the run on a panic or
    /// an error other than the [`tolerated`] ones (`tolerate` false: any error).
    fn step(&mut self, step: Step, op: Op, tolerate: bool) {
        let look = |m: &Runtime<C>, slot: Option<Slot>| slot.and_then(|s| m.slot_ref(s).ok()?);
        let (first, second) = op.slots_read();
        let read = (look(&self.m, first), look(&self.m, second));
        let result = catch_unwind(AssertUnwindSafe(|| apply(&mut self.m, op)));
        let (outcome, failure) = match result {
            Ok(Ok(outcome)) => (outcome, None),
            Ok(Err(e)) if tolerate && tolerated(&e) => (Outcome::Refused(e), None),
            Ok(Err(e)) => (Outcome::Failed(e.clone()), Some(Failure::Error(e))),
            Err(payload) => (
                Outcome::Panicked,
                Some(Failure::Panic(panic_text(&*payload))),
            ),
        };
        let written = if failure.is_none() {
            look(&self.m, op.slot_written())
        } else {
            None
        };
        if self.log.len() == LOG_LEN {
            self.log.pop_front();
        }
        let logged = Logged {
            step,
            op,
            read,
            written,
            outcome,
        };
        if let Mode::Replay { .. } = self.mode {
            let line = logged.to_string();
            eprintln!("{line}");
            self.transcript.push(line);
        }
        self.log.push_back(logged);
        if let Some(failure) = failure {
            self.fail(step, failure);
        }
    }

    fn verify(&self, step: Step) {
        if let Err(e) = self.m.verify_now() {
            self.fail(step, Failure::Verify(e));
        }
    }

    /// Drops every root and collects, twice (resurrecting finalizers may refill slots), then
    /// checks what is left against the collector's promise and the oracle.
    fn end(&mut self) {
        self.step(Step::End, Op::ClearAll { slots: SLOTS }, false);
        self.step(Step::End, Op::Collect { generation: None }, false);
        let slots = self.m.slot_count();
        self.step(Step::End, Op::ClearAll { slots }, false);
        self.step(Step::End, Op::Collect { generation: None }, false);
        self.verify(Step::End);
        let remaining = super::live(&self.m);
        let leak = match self.m.leak_report() {
            Ok(leak) => leak,
            Err(e) => self.fail(Step::End, Failure::Verify(e)),
        };
        if leak.objects != remaining {
            self.fail(
                Step::End,
                Failure::Count {
                    found: format!(
                        "{remaining} objects in use, but the oracle counts {} unreachable",
                        leak.objects
                    ),
                    expected: "no roots remain, so everything left is leaked: the heap's \
                               count of objects in use equals the oracle's count of \
                               unreachable ones"
                        .into(),
                },
            );
        }
        match self.m.capabilities().reclaims {
            Reclaims::Everything => {
                if remaining != 0 {
                    self.fail(
                        Step::End,
                        Failure::Count {
                            found: format!("{remaining} objects left: {}", self.examples(|_| true)),
                            expected: "a collector that reclaims everything leaves no object \
                                       once every slot is cleared and a full collection ran"
                                .into(),
                        },
                    );
                }
            }
            Reclaims::AcyclicOnly => {
                // What is left must be exactly cyclic garbage and what it reaches: every
                // survivor is referenced from another survivor (checked independently of
                // the collector).
                let heap = self.m.heap();
                let mut referenced = crate::ObjSet::with_bounds(heap.reference_bounds());
                heap.for_each_object(|r| {
                    for &raw in heap.fields(r) {
                        if let Some(c) = ObjRef::from_raw(raw) {
                            referenced.insert(c);
                        }
                    }
                });
                let mut unreferenced = 0u64;
                heap.for_each_object(|r| {
                    if !referenced.contains(r) {
                        unreferenced += 1;
                    }
                });
                if unreferenced != 0 {
                    self.fail(
                        Step::End,
                        Failure::Count {
                            found: format!(
                                "{unreferenced} objects are unreferenced yet alive: {}",
                                self.examples(|r| !referenced.contains(r))
                            ),
                            expected: "a collector that reclaims acyclic garbage leaves only \
                                       cyclic garbage and what it reaches: every survivor \
                                       referenced by another"
                                .into(),
                        },
                    );
                }
            }
            Reclaims::Nothing => {
                let allocated = self.m.heap_stats().total_allocated;
                if remaining != allocated {
                    self.fail(
                        Step::End,
                        Failure::Count {
                            found: format!("{remaining} objects left of {allocated} allocated"),
                            expected: "a collector that reclaims nothing keeps every object \
                                       it allocated"
                                .into(),
                        },
                    );
                }
            }
        }
    }

    /// Up to three of the objects `pick` selects, described by the oracle.
    fn examples(&self, pick: impl Fn(ObjRef) -> bool) -> String {
        let heap = self.m.heap();
        let mut shown = Vec::new();
        heap.for_each_object(|r| {
            if shown.len() < 3 && pick(r) {
                shown.push(crate::oracle::describe_object(heap, r));
            }
        });
        shown.join("; ")
    }

    /// Stops the run with everything a reader needs to see what went wrong and replay it.
    fn fail(&self, step: Step, failure: Failure) -> ! {
        panic!("{}", self.report(step, failure))
    }

    fn report(&self, step: Step, failure: Failure) -> String {
        use fmt::Write as _;
        let (what, expected) = match failure {
            Failure::Error(GcError::Verification(text)) => (
                format!("the heap's oracle check failed during the operation:\n{text}"),
                "every collection leaves the heap as the reachability oracle says (its own \
                 expectation is above)"
                    .to_string(),
            ),
            Failure::Error(e) => (
                format!("unexpected error: {e}"),
                "each random operation succeeds, or is refused as NullSlot, BadField or \
                 NotWeak (the operations name null slots, missing fields and non-weak \
                 objects on purpose)"
                    .to_string(),
            ),
            Failure::Panic(text) => (
                format!("the operation panicked: {text}"),
                "no operation panics: gc-core reports every bad operation as an error, so a \
                 panic is a bug in the collector or the heap"
                    .to_string(),
            ),
            Failure::Verify(e) => (
                format!("verify_now failed after the operation: {e}"),
                "after every operation the heap agrees with the reachability oracle: nothing \
                 reachable freed, and reference counts exact where the collector keeps them"
                    .to_string(),
            ),
            Failure::Count { found, expected } => (found, expected),
        };
        let collector = self.m.collector_name();
        let seed = self.seed;
        let mut text = format!(
            "conformance check random_operations failed for collector `{collector}`\n\
             seed {seed}, {step} (of ops 0..={} and the end-of-run checks)\n\
             what happened: {}\n\
             expected: {}\n\
             last {} operations, oldest first:",
            OPS_PER_SEED - 1,
            indent_after_first(&what),
            indent_after_first(&expected),
            self.log.len(),
        );
        for logged in &self.log {
            let _ = write!(text, "\n  {logged}");
        }
        let crate_name = std::env::var("CARGO_PKG_NAME")
            .unwrap_or_else(|_| "<the collector's crate>".to_string());
        let _ = write!(
            text,
            "\nreplay: {REPLAY_VAR}={seed}:{} cargo test -p {crate_name} random_operations \
             -- --nocapture\n  (runs only seed {seed}, printing every operation and checking \
             the heap after each, up to this one)",
            step.replay_index()
        );
        text
    }
}

/// Later lines of a multi-line text indented under the first, so a message reads as one block.
fn indent_after_first(text: &str) -> String {
    text.replace('\n', "\n    ")
}

/// A panic's message, when it is text.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic without a text message)".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replay_values_parse() {
        assert_eq!(parse_replay("1:303"), Ok((1, 303)));
        assert_eq!(parse_replay(" 4 : 0 "), Ok((4, 0)));
        for bad in ["", "1", "1:", ":3", "a:1", "1:b", "1:2:3", "-1:2"] {
            let e = parse_replay(bad).expect_err(bad);
            assert!(e.contains(REPLAY_VAR), "{e}");
            assert!(e.contains("<seed>:<op>"), "{e}");
        }
    }
}
