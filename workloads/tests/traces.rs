//! Traces: deterministic recording, faithful replay, and rejection of malformed files.

use gc_core::{Collector, GcControl, HeapConfig, Mutator, NoGc, Runtime};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use workloads::trace::{self, Recorder, TraceError};
use workloads::{Size, Workload};

/// Workloads whose operation stream depends on the seed.
const SEEDED: &[&str] = &[
    "dll-churn",
    "random-graph",
    "generational",
    "weak-cache",
    "finalizers",
    "large-objects",
    "fragmentation",
    "request-churn",
];

fn record<C: Collector + Default>(workload: &Workload, seed: u64) -> Vec<u8> {
    let rt = Runtime::new(HeapConfig::default(), C::default()).unwrap();
    let mut rec = Recorder::new(rt);
    workload.run(&mut rec, seed).unwrap();
    rec.finish().1
}

#[test]
fn one_seed_gives_byte_identical_traces() {
    for w in Workload::all(Size::Small) {
        let a = record::<NoGc>(&w, 7);
        let b = record::<NoGc>(&w, 7);
        assert!(a.len() > 20, "{}: trace has operations", w.name());
        assert!(a == b, "{}: two recordings with one seed differ", w.name());
    }
}

#[test]
fn different_seeds_give_different_traces() {
    for w in Workload::all(Size::Small) {
        let a = record::<NoGc>(&w, 1);
        let b = record::<NoGc>(&w, 2);
        if SEEDED.contains(&w.name()) {
            assert!(a != b, "{}: seeds 1 and 2 gave the same trace", w.name());
        } else {
            assert!(a == b, "{}: documented as seed-independent", w.name());
        }
    }
}

#[test]
fn every_collector_sees_the_same_operation_stream() {
    for w in Workload::all(Size::Small) {
        let nogc = record::<NoGc>(&w, 13);
        assert!(
            nogc == record::<gc_refcount::RefCount>(&w, 13),
            "{}: refcount",
            w.name()
        );
        assert!(
            nogc == record::<gc_cycle::CycleGc>(&w, 13),
            "{}: cycle",
            w.name()
        );
        assert!(
            nogc == record::<gc_tracing::MarkSweep>(&w, 13),
            "{}: mark-sweep",
            w.name()
        );
    }
}

#[test]
fn weak_cache_observes_collectors_without_following_them() {
    // Prompt reference counting clears a dropped value's weak references at once; a
    // tracing collector only at its next collection, so more upgrades succeed meanwhile.
    // The operations are the same either way (checked above); only observations differ.
    let w = workloads::WeakCache {
        lookups: 20_000,
        ..<workloads::WeakCache as workloads::Params>::small()
    };
    let observe = |rt: &mut dyn Mutator| w.run_counting(rt, 4).unwrap();
    let mut rc = Runtime::new(HeapConfig::verified(), gc_refcount::RefCount::default()).unwrap();
    let mut ms = Runtime::new(HeapConfig::verified(), gc_tracing::MarkSweep::default()).unwrap();
    let (rc_counts, ms_counts) = (observe(&mut rc), observe(&mut ms));
    assert!(rc_counts.callbacks > 0, "{rc_counts:?}");
    assert!(
        ms_counts.hits > rc_counts.hits,
        "{ms_counts:?} vs {rc_counts:?}"
    );
}

/// Runs `w` live on a fresh verified `C` and replays its NoGC recording on another; both
/// must end with the same counts, and match the expectations.
fn replay_matches_live<C: Collector + Default>(w: &Workload) {
    let bytes = record::<NoGc>(w, 11);
    let mut live = Runtime::new(HeapConfig::verified(), C::default()).unwrap();
    w.run(&mut live, 11).unwrap();
    let mut replayed = Runtime::new(HeapConfig::verified(), C::default()).unwrap();
    trace::replay(&bytes, &mut replayed).unwrap_or_else(|e| panic!("{}: {e}", w.name()));
    let counts = |rt: &mut Runtime<C>| {
        let allocated = rt.heap_stats().total_allocated;
        rt.collect(None).unwrap();
        (allocated, rt.heap_stats().objects_in_use)
    };
    let live_counts = counts(&mut live);
    assert_eq!(
        live_counts,
        counts(&mut replayed),
        "{}: live run and replay",
        w.name()
    );
    let e = w.expectations();
    assert_eq!(
        live_counts,
        (
            e.allocated,
            e.allocated_after_full_collection(live.capabilities().reclaims)
        ),
        "{}",
        w.name()
    );
}

#[test]
fn replay_reproduces_the_live_run_nogc() {
    for w in Workload::all(Size::Small) {
        replay_matches_live::<NoGc>(&w);
    }
}

#[test]
fn replay_reproduces_the_live_run_refcount() {
    for w in Workload::all(Size::Small) {
        replay_matches_live::<gc_refcount::RefCount>(&w);
    }
}

#[test]
fn replay_reproduces_the_live_run_cycle() {
    for w in Workload::all(Size::Small) {
        replay_matches_live::<gc_cycle::CycleGc>(&w);
    }
}

#[test]
fn replay_reproduces_the_live_run_mark_sweep() {
    for w in Workload::all(Size::Small) {
        replay_matches_live::<gc_tracing::MarkSweep>(&w);
    }
}

#[test]
fn a_trace_survives_a_file_round_trip() {
    let w = Workload::parse("weak-cache", Size::Small, &[]).unwrap();
    let bytes = record::<NoGc>(&w, 3);
    let dir = std::env::temp_dir().join(format!("gclab-trace-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("weak-cache.gctrace");
    trace::write_trace_file(&path, &bytes).unwrap();
    assert_eq!(trace::read_trace_file(&path).unwrap(), bytes);
    let stats = trace::validate(&bytes).unwrap();
    assert!(stats.operations > 1000);
    std::fs::remove_dir_all(&dir).unwrap();
    let missing = trace::read_trace_file(&dir.join("nope")).unwrap_err();
    assert!(matches!(missing, TraceError::Io { .. }), "{missing}");
}

fn malformed_at(result: Result<(), TraceError>) -> (usize, String) {
    match result {
        Err(TraceError::Malformed { offset, reason }) => {
            let message = TraceError::Malformed {
                offset,
                reason: reason.clone(),
            }
            .to_string();
            assert!(message.contains(&format!("byte {offset}")), "{message}");
            (offset, reason)
        }
        other => panic!("expected a malformed-trace error, got {other:?}"),
    }
}

fn replay_nogc(bytes: &[u8]) -> Result<(), TraceError> {
    let mut rt = Runtime::new(HeapConfig::default(), NoGc).unwrap();
    trace::replay(bytes, &mut rt)
}

/// A valid header (magic, version, 4 initial slots) followed by `ops`.
fn with_header(ops: &[u8]) -> Vec<u8> {
    let mut v = trace::MAGIC.to_vec();
    v.push(trace::VERSION);
    v.push(4);
    v.extend_from_slice(ops);
    v
}

const HEADER_LEN: usize = 10;

#[test]
fn a_hand_written_trace_replays() {
    // alloc slot 0 (1 field, 8 bytes); alloc slot 1; store 0.0 = slot 1; clear 1; end.
    let bytes = with_header(&[0x02, 0, 1, 8, 0x02, 1, 0, 0, 0x04, 0, 0, 2, 0x06, 1, 0x00]);
    let mut rt = Runtime::new(HeapConfig::default(), NoGc).unwrap();
    trace::replay(&bytes, &mut rt).unwrap();
    assert_eq!(rt.heap_stats().total_allocated, 2);
    assert!(rt.is_null(1).unwrap());
    assert!(!rt.is_null(0).unwrap());
}

#[test]
fn truncated_traces_name_the_offset() {
    let w = Workload::parse("finalizers", Size::Small, &[]).unwrap();
    let bytes = record::<NoGc>(&w, 5);
    // Every cut of the header, and cuts spread over the body, fail cleanly.
    let cuts = (0..HEADER_LEN + 4).chain((HEADER_LEN..bytes.len()).step_by(bytes.len() / 97));
    for cut in cuts {
        let (offset, reason) = malformed_at(replay_nogc(&bytes[..cut]));
        assert!(offset <= cut, "cut at {cut}: offset {offset}");
        assert!(reason.contains("truncated"), "cut at {cut}: {reason}");
    }
    let (offset, reason) = malformed_at(replay_nogc(&bytes[..bytes.len() - 1]));
    assert_eq!(offset, bytes.len() - 1, "{reason}");
}

#[test]
fn bad_magic_is_rejected_at_offset_zero() {
    let mut bytes = with_header(&[0x00]);
    bytes[0] = b'X';
    let (offset, reason) = malformed_at(replay_nogc(&bytes));
    assert_eq!(offset, 0);
    assert!(reason.contains("magic"), "{reason}");
    let mut bytes = with_header(&[0x00]);
    bytes[8] = 99;
    let (offset, reason) = malformed_at(replay_nogc(&bytes));
    assert_eq!(offset, 8);
    assert!(reason.contains("version 99"), "{reason}");
}

#[test]
fn out_of_range_slots_are_rejected() {
    // alloc into slot 4 when 4 slots (0..=3) are reserved.
    let (offset, reason) = malformed_at(replay_nogc(&with_header(&[0x02, 4, 0, 0, 0x00])));
    assert_eq!(offset, HEADER_LEN + 1);
    assert!(reason.contains("slot 4 out of range"), "{reason}");
    // A reserve op raises the limit; the slot beyond it still fails.
    let ok = with_header(&[0x01, 10, 0x02, 9, 0, 0, 0x00]);
    replay_nogc(&ok).unwrap();
    let (offset, reason) =
        malformed_at(replay_nogc(&with_header(&[0x01, 10, 0x02, 10, 0, 0, 0x00])));
    assert_eq!(offset, HEADER_LEN + 3);
    assert!(reason.contains("reserved 10"), "{reason}");
    // Optional slots (a store's value, encoded + 1) are checked too.
    let (offset, reason) = malformed_at(replay_nogc(&with_header(&[
        0x02, 0, 1, 0, 0x04, 0, 0, 0x7F, 0x00,
    ])));
    assert_eq!(offset, HEADER_LEN + 7);
    assert!(reason.contains("value slot 126"), "{reason}");
}

#[test]
fn unknown_opcodes_are_rejected() {
    let (offset, reason) = malformed_at(replay_nogc(&with_header(&[0x02, 0, 0, 0, 0x5A, 0x00])));
    assert_eq!(offset, HEADER_LEN + 4);
    assert!(reason.contains("unknown opcode 0x5A"), "{reason}");
}

#[test]
fn other_malformations_are_named() {
    let (offset, reason) = malformed_at(replay_nogc(&with_header(&[0x00, 0x00])));
    assert_eq!(offset, HEADER_LEN + 1);
    assert!(reason.contains("after the end"), "{reason}");
    let overlong = [
        0x06, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01,
    ];
    let (offset, reason) = malformed_at(replay_nogc(&with_header(&overlong)));
    assert_eq!(offset, HEADER_LEN + 1);
    assert!(
        reason.contains("64 bits") || reason.contains("longer"),
        "{reason}"
    );
    let (_, reason) = malformed_at(replay_nogc(&with_header(&[0x0C, 2, 0x00])));
    assert!(reason.contains("not 0 or 1"), "{reason}");
}

#[test]
fn a_rejected_operation_names_its_offset() {
    // Load from slot 0, which is null: the mutator's error, at the opcode's offset.
    match replay_nogc(&with_header(&[0x03, 1, 0, 0, 0x00])) {
        Err(e @ TraceError::Operation { offset, .. }) => {
            assert_eq!(offset, HEADER_LEN);
            assert!(e.to_string().contains("slot 0 is null"), "{e}");
        }
        other => panic!("expected an operation error, got {other:?}"),
    }
}

#[test]
fn corrupted_bytes_never_panic() {
    let w = Workload::parse("weak-cache", Size::Small, &[]).unwrap();
    let bytes = record::<NoGc>(&w, 9);
    let mut rng = ChaCha8Rng::seed_from_u64(99);
    let mut rejected = 0;
    for _ in 0..300 {
        let mut corrupt = bytes.clone();
        for _ in 0..rng.gen_range(1..4) {
            let at = rng.gen_range(0..corrupt.len());
            corrupt[at] = rng.gen();
        }
        rejected += trace::validate(&corrupt).is_err() as u32;
    }
    assert!(rejected > 0, "some corruption is detected");
}

#[test]
fn checking_against_a_heap_catches_what_decoding_alone_accepts() {
    // alloc slot 0 (no fields, 4 payload bytes); write 4 bytes at offset 2: well formed,
    // but past the object's payload.
    let bytes = with_header(&[0x02, 0, 0, 4, 0x07, 0, 2, 4, 1, 2, 3, 4, 0x00]);
    trace::validate(&bytes).unwrap();
    let reason = trace::check_against_heap(&bytes).unwrap_err();
    assert!(reason.contains("payload"), "{reason}");
    // The same write inside the payload passes.
    let ok = with_header(&[0x02, 0, 0, 4, 0x07, 0, 0, 4, 1, 2, 3, 4, 0x00]);
    assert_eq!(trace::check_against_heap(&ok).unwrap().operations, 2);
}

/// A `Recorder` uses `Mutator::alloc_moving`'s default, so a moving allocation is recorded
/// as the allocation, stores and clears it stands for: replaying the trace on a fresh
/// runtime gives the same objects, fields, nulled sources and counts; and a bad slot is
/// refused before anything is recorded or changed.
#[test]
fn moving_allocation_records_as_its_primitive_operations() {
    use gc_core::Shape;
    let rt = Runtime::new(HeapConfig::verified(), gc_refcount::RefCount::default()).unwrap();
    let mut rec = Recorder::new(rt);
    rec.reserve_slots(8).unwrap();
    rec.alloc(1, Shape::new(0, 8)).unwrap();
    rec.alloc(2, Shape::new(1, 8)).unwrap();
    rec.alloc_moving(0, Shape::new(3, 8), &[1, 3, 2]).unwrap();
    let before = rec.recorded_bytes();
    assert!(rec.alloc_moving(4, Shape::new(1, 8), &[999]).is_err());
    assert_eq!(
        rec.recorded_bytes(),
        before,
        "nothing recorded for a refused call"
    );
    let (rt, bytes) = rec.finish();
    let mut replayed =
        Runtime::new(HeapConfig::verified(), gc_refcount::RefCount::default()).unwrap();
    trace::replay(&bytes, &mut replayed).unwrap();
    for m in [&rt, &replayed] {
        assert_eq!(m.heap_stats().objects_in_use, 3);
        assert!(m.is_null(1).unwrap() && m.is_null(2).unwrap() && m.is_null(4).unwrap());
        let obj = m.heap().slot(0).unwrap().unwrap();
        let fields: Vec<bool> = (0..3)
            .map(|i| m.heap().field(obj, i).unwrap().is_some())
            .collect();
        assert_eq!(fields, vec![true, false, true]);
        m.verify_now().unwrap();
    }
}

/// A trace file as a workload states the same expectations as the workload it recorded,
/// computed from the file alone (a NoGC replay and the oracle).
#[test]
fn a_trace_workload_expects_what_its_workload_expects() {
    let dir = std::env::temp_dir().join(format!("gclab-trace-workload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for w in Workload::all(Size::Small) {
        let path = dir.join(format!("{}.gctrace", w.name()));
        trace::write_trace_file(&path, &record::<gc_cycle::CycleGc>(&w, 5)).unwrap();
        let name = format!("trace:{}", path.display());
        let t = Workload::parse(&name, Size::Small, &[]).unwrap();
        assert_eq!(t.name(), name);
        assert_eq!(t.expectations(), w.expectations(), "{}", w.name());
        // Replayed on a collector, it allocates what the workload does.
        let mut rt = Runtime::new(HeapConfig::default(), gc_cycle::CycleGc::default()).unwrap();
        t.run(&mut rt, 0).unwrap();
        assert_eq!(rt.heap_stats().total_allocated, w.expectations().allocated);
    }
    let bad = dir.join("bad.gctrace");
    std::fs::write(&bad, b"GCTRACE\0\x02").unwrap();
    let err = Workload::parse(&format!("trace:{}", bad.display()), Size::Small, &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("bad trace at byte 8: unsupported version 2"),
        "{err}"
    );
    assert!(!err.contains('\n'));
    let err = Workload::parse("trace:/nonexistent/x", Size::Small, &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("trace:/nonexistent/x: trace file /nonexistent/x:"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
