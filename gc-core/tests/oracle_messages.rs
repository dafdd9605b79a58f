//! The oracle's verification errors explain themselves: the objects with their shapes and
//! flags, why they matter, the path from a root to a freed object, and what was expected.

use gc_core::layout::{FLAG_ALLOCATED, FLAG_FINALIZED, FLAG_HAS_FINALIZER, FLAG_IS_WEAKREF};
use gc_core::oracle::{self, describe_object, flags_in_words};
use gc_core::{Finalizer, GcError, HeapConfig, Mutator, NoGc, Runtime, Shape};

fn runtime() -> Runtime<NoGc> {
    Runtime::new(HeapConfig::default(), NoGc).expect("runtime")
}

fn text(result: Result<impl std::fmt::Debug, GcError>) -> String {
    match result.expect_err("the oracle should have failed") {
        GcError::Verification(text) => text,
        other => panic!("expected a verification error, got {other}"),
    }
}

fn assert_contains(message: &str, part: &str) {
    assert!(
        message.contains(part),
        "expected {part:?} in the message:\n{message}"
    );
}

#[test]
fn flags_read_as_words() {
    assert_eq!(flags_in_words(FLAG_ALLOCATED), "no flags");
    assert_eq!(
        flags_in_words(FLAG_ALLOCATED | FLAG_HAS_FINALIZER | FLAG_FINALIZED),
        "has finalizer, finalized"
    );
    assert_eq!(flags_in_words(FLAG_ALLOCATED | FLAG_IS_WEAKREF), "weakref");
    assert_eq!(flags_in_words(0), "not allocated");
    assert_eq!(
        flags_in_words(FLAG_ALLOCATED | (1 << 9)),
        "collector bits 0x0200"
    );
}

#[test]
fn survivors_are_described_and_told_apart() {
    let mut m = runtime();
    // A two-object cycle, garbage hanging off it, and an unreferenced object with a
    // finalizer, every outside reference dropped.
    m.alloc(0, Shape::new(1, 8)).unwrap();
    m.alloc(1, Shape::new(2, 8)).unwrap();
    m.store(0, 0, Some(1)).unwrap();
    m.store(1, 0, Some(0)).unwrap();
    m.alloc(2, Shape::new(0, 3)).unwrap();
    m.store(1, 1, Some(2)).unwrap();
    let hanging = m.slot_ref(2).unwrap().unwrap();
    m.alloc(3, Shape::new(0, 5)).unwrap();
    m.set_finalizer(3, Finalizer::report(1)).unwrap();
    let alone = m.slot_ref(3).unwrap().unwrap();
    for s in 0..4 {
        m.clear(s).unwrap();
    }
    let message = text(oracle::verify_complete(m.heap()));
    println!("{message}");
    assert!(
        message.starts_with("4 unreachable objects survived a full collection; for example:"),
        "{message}"
    );
    let example_lines: Vec<&str> = message.lines().filter(|l| l.starts_with("  ")).collect();
    assert_eq!(example_lines.len(), 3, "three examples:\n{message}");
    assert_contains(
        &message,
        "cyclic garbage: it lies on a cycle of unreachable objects",
    );
    assert_contains(
        &message,
        &format!(
            "\n  {} (0 fields, 3 payload bytes; no flags): referred to by ",
            hanging
        ),
    );
    assert_contains(
        &message,
        "garbage held only by other garbage (no cycle through it)",
    );
    // The fourth is not among the three examples, but describes itself the same way.
    assert_eq!(
        describe_object(m.heap(), alone),
        format!("{alone} (0 fields, 5 payload bytes; has finalizer)")
    );
    assert_contains(
        &message,
        "expected: a complete collector frees every object unreachable from the root slots \
         and gc.garbage by the end of a full collection; see the Collector contract",
    );
}

#[test]
fn an_unreferenced_survivor_is_called_forgotten() {
    let mut m = runtime();
    m.alloc(0, Shape::new(0, 4)).unwrap();
    m.clear(0).unwrap();
    let message = text(oracle::verify_complete(m.heap()));
    assert!(
        message.starts_with("1 unreachable object survived"),
        "{message}"
    );
    assert_contains(
        &message,
        "(0 fields, 4 payload bytes; no flags): nothing refers to it: an unreferenced object \
         the collector forgot",
    );
}

#[test]
fn a_freed_object_deep_in_a_list_is_found_by_its_path() {
    let mut m = runtime();
    // A list of 12 in slot 0: slot 0 -> n11 -> n10 -> ... -> n0.
    for _ in 0..12 {
        m.alloc(1, Shape::new(1, 8)).unwrap();
        m.store(1, 0, Some(0)).unwrap();
        m.copy(0, 1).unwrap();
    }
    m.clear(1).unwrap();
    let head = m.slot_ref(0).unwrap().unwrap();
    let (heap, _) = m.parts_mut();
    let mut tail = head;
    while let Some(next) = heap.field(tail, 0).unwrap() {
        tail = next;
    }
    heap.free(tail);
    let message = text(oracle::verify_no_dangling(m.heap()));
    println!("{message}");
    assert!(
        message.starts_with("field 0 of ")
            && message.contains(&format!(
                "refers to {tail}, which was freed, yet it is reachable"
            )),
        "{message}"
    );
    let path = message
        .lines()
        .find(|l| l.starts_with("path from a root: "))
        .unwrap_or_else(|| panic!("no path in:\n{message}"));
    assert!(
        path.starts_with(&format!(
            "path from a root: slot 0 -> {head} (1 field, 8 payload bytes; no flags) .f0 -> "
        )),
        "{path}"
    );
    // Twelve steps: the three at each end shown, the six between counted.
    assert_contains(path, " ... (6 steps) ... ");
    assert!(path.ends_with(&format!(".f0 -> {tail} (freed)")), "{path}");
    assert_contains(&message, "expected: no collector frees an object reachable");
}

#[test]
fn a_wrong_reference_count_names_both_counts_and_the_holders() {
    let mut m = runtime();
    m.alloc(0, Shape::new(2, 0)).unwrap();
    m.alloc(1, Shape::new(0, 8)).unwrap();
    m.store(0, 0, Some(1)).unwrap();
    m.store(0, 1, Some(1)).unwrap();
    let parent = m.slot_ref(0).unwrap().unwrap();
    let child = m.slot_ref(1).unwrap().unwrap();
    let message = text(oracle::verify_refcounts(m.heap(), |r| {
        (r == child).then_some(2)
    }));
    println!("{message}");
    assert_contains(
        &message,
        &format!(
            "{child} (0 fields, 8 payload bytes; no flags) has reference count 2 but 3 \
             references exist (too low"
        ),
    );
    assert_contains(
        &message,
        &format!("references held by: slot 1, field 0 of {parent}, field 1 of {parent}"),
    );
    assert_contains(
        &message,
        "expected: a reference-counting collector's count equals",
    );
}
