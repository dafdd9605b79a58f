//! The trace decoder against a million seeded hostile inputs: random bytes and mutations
//! (flipped bytes, truncations, splices, inserted long varints) of traces recorded from the
//! real workloads. No input may panic it, and memory stays bounded: the decoder never
//! allocates from a length field it has not checked against the input, and replay against
//! a heap runs under [`trace::UNTRUSTED_HEAP_LIMIT`].

use gc_core::{HeapConfig, NoGc, Runtime};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use workloads::trace::{self, Recorder};
use workloads::{Size, Workload};

/// Inputs fed to the decoder.
const INPUTS: u64 = 1_000_000;
/// Of those, every this many is also replayed against a real (limited) heap.
const HEAP_REPLAY_EVERY: u64 = 500;
/// Longest input: short inputs keep a million of them to a few seconds.
const MAX_LEN: usize = 160;

fn recorded_traces() -> Vec<Vec<u8>> {
    Workload::all(Size::Small)
        .iter()
        .map(|w| {
            let mut rec = Recorder::new(Runtime::new(HeapConfig::default(), NoGc).unwrap());
            w.run(&mut rec, 3).unwrap();
            rec.finish().1
        })
        .collect()
}

/// A window of a recorded trace: its header, then a run of bytes from inside it.
fn window(rng: &mut ChaCha8Rng, trace: &[u8]) -> Vec<u8> {
    let header = 10.min(trace.len());
    let mut out = trace[..header].to_vec();
    let body = &trace[header..];
    if !body.is_empty() {
        let start = rng.gen_range(0..body.len());
        let len = rng.gen_range(0..=(MAX_LEN - header).min(body.len() - start));
        out.extend_from_slice(&body[start..start + len]);
    }
    if rng.gen_bool(0.5) {
        out.push(0);
    }
    out
}

fn mutate(rng: &mut ChaCha8Rng, input: &mut Vec<u8>, corpus: &[Vec<u8>]) {
    for _ in 0..rng.gen_range(1..=4) {
        match rng.gen_range(0..6) {
            0 if !input.is_empty() => {
                let i = rng.gen_range(0..input.len());
                input[i] ^= 1 << rng.gen_range(0..8);
            }
            1 if !input.is_empty() => {
                let i = rng.gen_range(0..input.len());
                input[i] = rng.gen();
            }
            2 => input.truncate(rng.gen_range(0..=input.len())),
            3 => {
                let other = &corpus[rng.gen_range(0..corpus.len())];
                let from = rng.gen_range(0..other.len());
                let len = rng.gen_range(0..=(other.len() - from).min(32));
                let at = rng.gen_range(0..=input.len());
                input.splice(at..at, other[from..from + len].iter().copied());
            }
            4 => {
                // A long or overlong varint: the lengths and counts a hostile file would lie in.
                let at = rng.gen_range(0..=input.len());
                let len = rng.gen_range(1..=11);
                let mut bytes: Vec<u8> = (0..len).map(|_| rng.gen::<u8>() | 0x80).collect();
                if rng.gen_bool(0.7) {
                    *bytes.last_mut().unwrap() &= 0x7F;
                }
                input.splice(at..at, bytes);
            }
            _ => {
                let at = rng.gen_range(0..=input.len());
                input.insert(at, rng.gen_range(0..0x10));
            }
        }
    }
    input.truncate(MAX_LEN);
}

fn peak_rss_bytes() -> u64 {
    bench_harness::measure::peak_rss_bytes().unwrap_or(0)
}

#[test]
fn a_million_hostile_traces_neither_panic_nor_grow_memory() {
    let corpus = recorded_traces();
    assert!(corpus.iter().all(|t| t.len() > 20));
    let mut rng = ChaCha8Rng::seed_from_u64(0x0067_636c_6162_3230);
    let (mut accepted, mut rejected) = (0u64, 0u64);
    let mut input = Vec::with_capacity(2 * MAX_LEN);
    for i in 0..INPUTS {
        input.clear();
        match i % 4 {
            0 => {
                // Pure noise, mostly behind a valid header so decoding gets past the magic.
                if rng.gen_bool(0.8) {
                    input.extend_from_slice(trace::MAGIC);
                    input.push(trace::VERSION);
                }
                let len = rng.gen_range(0..MAX_LEN - input.len());
                input.extend((0..len).map(|_| rng.gen::<u8>()));
            }
            _ => {
                let base = &corpus[rng.gen_range(0..corpus.len())];
                input.extend(window(&mut rng, base));
                mutate(&mut rng, &mut input, &corpus);
            }
        }
        match trace::validate(&input) {
            Ok(_) => accepted += 1,
            Err(_) => rejected += 1,
        }
        if i % HEAP_REPLAY_EVERY == 0 {
            let _ = trace::check_against_heap(&input);
        }
    }
    assert_eq!(accepted + rejected, INPUTS);
    assert!(accepted > 0, "some mutated windows are still valid traces");
    assert!(rejected > INPUTS / 2, "most hostile inputs are refused");
    // Replays can reserve up to gc-core's slot cap (128 MiB of slots); nothing may come near
    // what an unchecked length (4 GiB payloads, 2^64 counts) would take.
    let peak = peak_rss_bytes();
    eprintln!("{INPUTS} inputs: {accepted} valid, {rejected} refused; peak RSS {peak} bytes");
    assert!(peak < 1 << 30, "peak RSS {peak} bytes");
}

#[test]
fn a_short_trace_of_huge_allocations_stops_at_the_untrusted_heap_limit() {
    // Eight allocations of a 1 GiB payload each into slot 0: 8 GiB from a few dozen bytes.
    let mut bytes = trace::MAGIC.to_vec();
    bytes.push(trace::VERSION);
    bytes.push(1); // one initial slot
    for _ in 0..8 {
        bytes.push(0x02); // alloc
        bytes.push(0); // slot 0
        bytes.push(0); // no fields
        bytes.extend_from_slice(&[0x80, 0x80, 0x80, 0x80, 0x04]); // payload 2^30
    }
    bytes.push(0);
    assert!(trace::validate(&bytes).is_ok(), "well formed");
    let err = trace::check_against_heap(&bytes).unwrap_err();
    assert!(
        err.contains("out of memory") || err.contains("limit"),
        "{err}"
    );
    assert!(
        peak_rss_bytes() < 1 << 30,
        "nothing near 1 GiB was allocated"
    );
    // A limit given explicitly (the example's --heap-limit-mib) decides: one 64 MiB payload.
    let mut one = trace::MAGIC.to_vec();
    one.extend_from_slice(&[trace::VERSION, 1, 0x02, 0, 0, 0x80, 0x80, 0x80, 0x20, 0]);
    assert!(trace::check_against_heap_with_limit(&one, 32 << 20).is_err());
    assert!(trace::check_against_heap_with_limit(&one, 128 << 20).is_ok());
}
