//! The conformance kit's failures explain themselves: deliberately broken collectors fail
//! `random_operations`, and the messages name the collector, seed and operation, show the
//! operations before it, the objects involved and what was expected, and give a replay
//! command; a replay stops exactly where it is told to.

use std::panic::{catch_unwind, AssertUnwindSafe};

use gc_core::conformance::{random_operations, replay_random_operations, OPS_PER_SEED};
use gc_core::{
    oracle, Capabilities, CollectOutcome, Collector, GcResult, Heap, NoGc, ObjRef, PauseCounts,
    PauseKind, Reclaims,
};

fn capabilities(reclaims: Reclaims) -> Capabilities {
    Capabilities {
        reclaims,
        generations: 0,
        moves_objects: false,
        reference_counting: false,
        prompt: false,
        auto_collects: false,
        save_all: false,
    }
}

/// Claims to reclaim everything and frees nothing: every full collection leaves garbage.
#[derive(Default)]
struct ForgetsGarbage;

impl Collector for ForgetsGarbage {
    fn name(&self) -> &'static str {
        "forgets-garbage"
    }

    fn capabilities(&self) -> Capabilities {
        capabilities(Reclaims::Everything)
    }

    fn collect(&mut self, heap: &mut Heap, generation: Option<u8>) -> GcResult<CollectOutcome> {
        // The pause is what has the verified heap check the collection against the oracle.
        let start = heap.begin_pause(PauseKind::Collection, generation);
        heap.end_pause(start, PauseCounts::default());
        Ok(CollectOutcome::default())
    }
}

/// Frees, at each collection, an object two references below a root that no slot holds,
/// and reports no pause: only a check of the heap after the collection sees the damage.
#[derive(Default)]
struct FreesLiveQuietly;

impl FreesLiveQuietly {
    /// A live object reached only through fields, as deep as two steps, if there is one.
    fn victim(heap: &Heap) -> Option<ObjRef> {
        let in_a_slot = |r: ObjRef| heap.roots().any(|root| root == r);
        let children = |r: ObjRef| {
            heap.fields(r)
                .iter()
                .filter_map(|&raw| ObjRef::from_raw(raw))
                .filter(|&c| heap.is_allocated(c))
                .collect::<Vec<_>>()
        };
        let mut shallow = None;
        for root in heap.roots() {
            for child in children(root) {
                for grandchild in children(child) {
                    if !in_a_slot(grandchild) && !in_a_slot(child) {
                        return Some(grandchild);
                    }
                }
                if !in_a_slot(child) {
                    shallow.get_or_insert(child);
                }
            }
        }
        shallow
    }
}

impl Collector for FreesLiveQuietly {
    fn name(&self) -> &'static str {
        "frees-live-quietly"
    }

    fn capabilities(&self) -> Capabilities {
        capabilities(Reclaims::Nothing)
    }

    fn collect(&mut self, heap: &mut Heap, _generation: Option<u8>) -> GcResult<CollectOutcome> {
        if let Some(victim) = Self::victim(heap) {
            heap.free(victim);
        }
        Ok(CollectOutcome::default())
    }
}

/// Claims to reclaim nothing, yet frees what the oracle finds unreachable.
#[derive(Default)]
struct ReclaimsSecretly;

impl Collector for ReclaimsSecretly {
    fn name(&self) -> &'static str {
        "reclaims-secretly"
    }

    fn capabilities(&self) -> Capabilities {
        capabilities(Reclaims::Nothing)
    }

    fn collect(&mut self, heap: &mut Heap, _generation: Option<u8>) -> GcResult<CollectOutcome> {
        let live = oracle::reachable(heap)?;
        let dead: Vec<ObjRef> = heap
            .objects()
            .into_iter()
            .filter(|&r| !live.contains(r))
            .collect();
        for &r in &dead {
            heap.free(r);
        }
        Ok(CollectOutcome::default())
    }
}

/// Panics in every collection.
#[derive(Default)]
struct PanicsInCollect;

impl Collector for PanicsInCollect {
    fn name(&self) -> &'static str {
        "panics-in-collect"
    }

    fn capabilities(&self) -> Capabilities {
        capabilities(Reclaims::Nothing)
    }

    fn collect(&mut self, _heap: &mut Heap, _generation: Option<u8>) -> GcResult<CollectOutcome> {
        panic!("the collector's own bug");
    }
}

/// The text of the panic `f` must raise.
fn failure_of(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("the kit should have failed");
    match payload.downcast::<String>() {
        Ok(text) => *text,
        Err(payload) => payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .expect("a panic with a text message"),
    }
}

/// The seed and operation index a failure names on its `seed S, op N` line.
fn seed_and_op(message: &str) -> (u64, usize) {
    let line = message
        .lines()
        .find(|l| l.starts_with("seed "))
        .unwrap_or_else(|| panic!("no seed line in:\n{message}"));
    let (seed, rest) = line["seed ".len()..]
        .split_once(", op ")
        .unwrap_or_else(|| panic!("no op on the seed line in:\n{message}"));
    let op = rest.split(' ').next().unwrap();
    (seed.parse().unwrap(), op.parse().unwrap())
}

fn assert_contains(message: &str, part: &str) {
    assert!(
        message.contains(part),
        "expected {part:?} in the failure message:\n{message}"
    );
}

/// The replay line a failure at `seed`:`op` gives when run from this crate's tests.
fn replay_line(seed: u64, op: usize) -> String {
    format!(
        "replay: GCLAB_CONFORMANCE_REPLAY={seed}:{op} cargo test -p gc-core random_operations \
         -- --nocapture"
    )
}

#[test]
fn leaked_garbage_is_explained_with_the_log_the_objects_and_a_replay() {
    let message = failure_of(|| random_operations(&ForgetsGarbage::default));
    println!("{message}");
    let (seed, op) = seed_and_op(&message);
    assert_eq!(seed, 1, "the first seed fails");
    assert_contains(&message, "collector `forgets-garbage`");
    // The first full collection is where garbage is first left behind.
    assert_contains(&message, &format!("\n  op {op}: collect(None) -> FAILED"));
    let logged = (op + 1).min(20);
    assert_contains(
        &message,
        &format!("last {logged} operations, oldest first:"),
    );
    assert_contains(&message, &format!("\n  op {}: ", op + 1 - logged));
    assert_contains(&message, "survived a full collection; for example:");
    // An example object, with its shape and flags in words and why it might be garbage.
    let example = message
        .lines()
        .find(|l| l.contains(" payload bytes; ") && l.contains("): "))
        .unwrap_or_else(|| panic!("no described example in:\n{message}"));
    assert!(
        example.contains("nothing refers to it") || example.contains("referred to by"),
        "{example}"
    );
    assert_contains(
        &message,
        "expected: a complete collector frees every object unreachable from the root slots \
         and gc.garbage by the end of a full collection",
    );
    assert_contains(&message, &replay_line(seed, op));
}

#[test]
fn a_freed_live_object_is_explained_with_its_path_from_a_root() {
    let message = failure_of(|| random_operations(&FreesLiveQuietly::default));
    println!("{message}");
    let (seed, op) = seed_and_op(&message);
    assert_contains(&message, "collector `frees-live-quietly`");
    assert_contains(&message, &replay_line(seed, op));
    // Between the oracle checks an operation may trip over the freed object first; the
    // replay checks after every operation, so it stops at the collection that freed it.
    let replayed = failure_of(|| {
        replay_random_operations(&FreesLiveQuietly::default, seed, op);
    });
    println!("{replayed}");
    let (replay_seed, replay_op) = seed_and_op(&replayed);
    assert_eq!(replay_seed, seed);
    assert!(
        replay_op <= op,
        "the replay stops at or before {op}: {replay_op}"
    );
    assert_contains(&replayed, &format!("\n  op {replay_op}: collect("));
    assert_contains(&replayed, "verify_now failed after the operation");
    assert_contains(&replayed, "which was freed, yet it is reachable");
    // The freed object is reached only through fields: the path names the root's slot,
    // the objects on the way with their shapes, and the fields followed.
    let path = replayed
        .lines()
        .find(|l| l.contains("path from a root: slot "))
        .unwrap_or_else(|| panic!("no path in:\n{replayed}"));
    assert!(path.contains(" payload bytes; "), "{path}");
    assert!(path.contains(" .f"), "{path}");
    assert!(path.ends_with(" (freed)"), "{path}");
    assert_contains(&replayed, &replay_line(seed, replay_op));
}

#[test]
fn a_wrong_count_at_the_end_names_the_end_of_the_run() {
    let message = failure_of(|| random_operations(&ReclaimsSecretly::default));
    println!("{message}");
    assert_contains(&message, "seed 1, end of run");
    assert_contains(&message, "objects left of");
    assert_contains(
        &message,
        "expected: a collector that reclaims nothing keeps every object",
    );
    assert_contains(&message, "\n  end of run: collect(None) -> 0");
    assert_contains(&message, &replay_line(1, OPS_PER_SEED));
}

#[test]
fn a_panic_inside_an_operation_is_caught_and_explained() {
    let message = failure_of(|| random_operations(&PanicsInCollect::default));
    println!("{message}");
    let (seed, op) = seed_and_op(&message);
    assert_contains(&message, "the operation panicked: the collector's own bug");
    assert_contains(&message, &format!("\n  op {op}: collect(None) -> PANICKED"));
    assert_contains(&message, &replay_line(seed, op));
}

#[test]
fn a_replay_runs_one_seed_up_to_the_operation_named() {
    let lines = replay_random_operations(&NoGc::default, 2, 150);
    assert_eq!(lines.len(), 151, "ops 0..=150, one line each");
    assert!(lines[0].starts_with("op 0: "), "{}", lines[0]);
    assert!(lines[150].starts_with("op 150: "), "{}", lines[150]);
    // The same seed gives the same operations: the replay is the run the check made.
    assert_eq!(replay_random_operations(&NoGc::default, 2, 40), lines[..41]);
}

#[test]
fn a_replay_of_a_failure_fails_at_the_same_operation() {
    let message = failure_of(|| random_operations(&ForgetsGarbage::default));
    let (seed, op) = seed_and_op(&message);
    let lines = replay_random_operations(&ForgetsGarbage::default, seed, op - 1);
    assert_eq!(
        lines.len(),
        op,
        "everything before the failure replays cleanly"
    );
    let replayed = failure_of(|| {
        replay_random_operations(&ForgetsGarbage::default, seed, op);
    });
    assert_eq!(seed_and_op(&replayed), (seed, op));
}

#[test]
fn a_replay_past_the_end_is_refused_clearly() {
    let message = failure_of(|| {
        replay_random_operations(&NoGc::default, 1, OPS_PER_SEED + 1);
    });
    assert_contains(&message, "end-of-run checks");
}

/// Refuses every collection.
#[derive(Default)]
struct RefusesToCollect;

impl Collector for RefusesToCollect {
    fn name(&self) -> &'static str {
        "refuses-to-collect"
    }

    fn capabilities(&self) -> Capabilities {
        capabilities(Reclaims::Nothing)
    }

    fn collect(&mut self, _heap: &mut Heap, _generation: Option<u8>) -> GcResult<CollectOutcome> {
        Err(gc_core::GcError::Unsupported {
            collector: "refuses-to-collect",
            what: "collection",
        })
    }
}

#[test]
fn a_failed_step_of_another_check_names_the_check_and_the_step() {
    let message = failure_of(|| gc_core::conformance::basic_operations(&RefusesToCollect::default));
    assert!(
        message.starts_with(
            "conformance check basic_operations failed at `m.collect(None)`: \
             refuses-to-collect does not support collection"
        ),
        "{message}"
    );
}

// The gc module's defaults for every broken collector.
impl gc_core::GcModule for ForgetsGarbage {}
impl gc_core::GcModule for FreesLiveQuietly {}
impl gc_core::GcModule for ReclaimsSecretly {}
impl gc_core::GcModule for PanicsInCollect {}
impl gc_core::GcModule for RefusesToCollect {}
