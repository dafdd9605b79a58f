//! Expectations hold for unusual parameters too: random small parameter sets, each run on
//! reference counting (exact cyclic-garbage count) and mark-sweep (exact live count), with
//! the oracle verifying every collection.

use gc_core::{Collector, GcControl, HeapConfig, Mutator, Runtime};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use workloads::{Size, Workload};

fn frac(rng: &mut ChaCha8Rng) -> String {
    // Include the edges 0 and 1 often: they are where off-by-ones live.
    match rng.gen_range(0..4) {
        0 => "0".into(),
        1 => "1".into(),
        _ => format!("{:.3}", rng.gen::<f64>()),
    }
}

fn int(rng: &mut ChaCha8Rng, lo: u64, hi: u64) -> String {
    rng.gen_range(lo..=hi).to_string()
}

/// Random overrides for `name`, small enough for a test.
fn overrides(name: &str, rng: &mut ChaCha8Rng) -> Vec<(String, String)> {
    let mut v: Vec<(&str, String)> = match name {
        "seed-cycles" => vec![
            ("pairs", int(rng, 1, 300)),
            ("auto_collect", "false".into()),
        ],
        "binary-trees" => {
            let stretch = rng.gen_range(1..=8u64);
            let min = rng.gen_range(1..=stretch);
            vec![
                ("stretch_depth", stretch.to_string()),
                ("long_lived_depth", int(rng, 0, 6)),
                ("min_depth", min.to_string()),
                ("max_depth", rng.gen_range(min..=stretch).to_string()),
                ("array_size", int(rng, 0, 100)),
                ("payload", int(rng, 0, 16)),
                ("cyclic", rng.gen_bool(0.5).to_string()),
            ]
        }
        "dll-churn" => vec![
            ("lists", int(rng, 0, 60)),
            ("length", int(rng, 2, 12)),
            ("keep_every", int(rng, 0, 7)),
            ("keep_window", int(rng, 1, 9)),
            ("payload", int(rng, 0, 12)),
        ],
        "random-graph" => vec![
            ("nodes", int(rng, 40, 400)),
            ("degree", int(rng, 1, 5)),
            ("group_size", int(rng, 1, 9)),
            ("core_fraction", format!("{:.2}", rng.gen_range(0.1..0.6))),
            ("mutation_rate", format!("{:.2}", rng.gen_range(0.0..4.0))),
            ("survival", frac(rng)),
            ("cycle_fraction", frac(rng)),
            ("cross_fraction", frac(rng)),
            ("rewires", int(rng, 0, 6)),
        ],
        "generational" => vec![
            ("steps", int(rng, 0, 1500)),
            ("old_size", int(rng, 1, 80)),
            ("promote_fraction", frac(rng)),
            ("lifetime", int(rng, 1, 40)),
            ("violate", rng.gen_bool(0.3).to_string()),
            ("violated_lifetime", int(rng, 1, 400)),
            ("cyclic_fraction", frac(rng)),
            ("types", int(rng, 1, 5)),
        ],
        "weak-cache" => vec![
            ("capacity", int(rng, 1, 150)),
            ("working_set", int(rng, 1, 70)),
            ("lookups", int(rng, 0, 1500)),
            ("churn_fraction", frac(rng)),
            ("refresh_fraction", frac(rng)),
            ("cyclic_values", rng.gen_bool(0.5).to_string()),
        ],
        "finalizers" => vec![
            ("units", int(rng, 0, 400)),
            ("unit_size", int(rng, 1, 5)),
            ("phase_units", int(rng, 1, 90)),
            ("cyclic_fraction", frac(rng)),
            ("resurrect_fraction", frac(rng)),
            ("payload", int(rng, 0, 12)),
        ],
        "large-objects" => vec![
            ("steps", int(rng, 0, 400)),
            ("window", int(rng, 1, 70)),
            ("large_fraction", frac(rng)),
            ("max_large", int(rng, 513, 3000)),
            ("field_fraction", frac(rng)),
            ("max_fields", int(rng, 0, 40)),
        ],
        "gc-traversal" => vec![("levels", int(rng, 0, 60)), ("collections", int(rng, 0, 2))],
        "gc-collect" => vec![
            ("loops", int(rng, 0, 3)),
            ("cycles", int(rng, 0, 20)),
            ("links", int(rng, 0, 6)),
        ],
        "fragmentation" => vec![
            ("objects", int(rng, 1, 3000)),
            ("batches", int(rng, 1, 5)),
            ("free_min", frac(rng)),
            ("max_payload", int(rng, 0, 600)),
            ("churn", int(rng, 0, 1500)),
            ("window", int(rng, 1, 70)),
        ],
        "request-churn" => vec![
            ("requests", int(rng, 0, 120)),
            ("in_flight", int(rng, 1, 9)),
            ("connections", int(rng, 0, 4)),
            ("callbacks", int(rng, 0, 4)),
            ("buffer_bytes", int(rng, 0, 3000)),
            ("temporaries", int(rng, 0, 6)),
            ("live_objects", int(rng, 1, 200)),
            ("replacements", int(rng, 0, 3)),
            ("payload", int(rng, 0, 80)),
        ],
        "snapshot-stdlib" | "snapshot-markdown" => vec![("rounds", int(rng, 1, 2))],
        other => panic!("no parameter generator for {other}"),
    };
    // Sometimes keep a preset value, so combinations with the defaults are covered too.
    v.retain(|_| rng.gen_bool(0.85));
    v.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn check<C: Collector + Default>(w: &Workload, seed: u64, context: &str) {
    let mut rt = Runtime::new(HeapConfig::verified(), C::default()).unwrap();
    let collector = rt.collector_name();
    w.run(&mut rt, seed)
        .unwrap_or_else(|e| panic!("{context} on {collector}: {e}"));
    let e = w.expectations();
    assert_eq!(
        rt.heap_stats().total_allocated,
        e.allocated,
        "{context} on {collector}"
    );
    rt.collect(None).unwrap();
    assert_eq!(
        rt.heap_stats().objects_in_use,
        e.allocated_after_full_collection(rt.capabilities().reclaims),
        "{context} on {collector}: {e:?}"
    );
}

#[test]
fn expectations_hold_across_random_parameters() {
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let mut ran = 0;
    for info in workloads::catalog() {
        for case in 0..12 {
            let set = overrides(info.name, &mut rng);
            let w = match Workload::parse(info.name, Size::Small, &set) {
                Ok(w) => w,
                // A generated combination the workload rightly refuses (for example a
                // core that leaves no group): that is validation working, not a failure.
                Err(e) => {
                    assert!(!e.to_string().is_empty());
                    continue;
                }
            };
            let context = format!("{} case {case} {set:?}", info.name);
            let seed = rng.gen();
            check::<gc_refcount::RefCount>(&w, seed, &context);
            check::<gc_tracing::MarkSweep>(&w, seed, &context);
            check::<gc_cycle::CycleGc>(&w, seed, &context);
            check::<gc_tracing::Compact>(&w, seed, &context);
            ran += 1;
        }
    }
    assert!(ran >= 100, "only {ran} of 132 generated cases were valid");
}
