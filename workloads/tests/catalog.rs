//! The catalogue and parameter parsing: names, defaults, overrides and one-line errors.

use workloads::{catalog, Size, Workload, WorkloadError};

fn set(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn every_workload_parses_at_both_sizes_with_documented_parameters() {
    let infos = catalog();
    assert_eq!(infos.len(), 14);
    for info in &infos {
        for size in [Size::Default, Size::Small] {
            let w = Workload::parse(info.name, size, &[]).unwrap();
            assert_eq!(w.name(), info.name);
            let json = w.params_json();
            let fields = json.as_object().unwrap();
            assert_eq!(
                fields.len(),
                info.params.len(),
                "{}: every field documented",
                info.name
            );
            for p in &info.params {
                assert!(
                    fields.contains_key(p.name),
                    "{}.{} documented but absent",
                    info.name,
                    p.name
                );
                assert!(
                    !p.default.is_empty() && !p.doc.is_empty(),
                    "{}.{}",
                    info.name,
                    p.name
                );
            }
            let e = w.expectations();
            assert!(
                e.allocated >= e.live_at_end + e.cyclic_garbage,
                "{}: {e:?}",
                info.name
            );
        }
    }
}

#[test]
fn small_presets_are_smaller() {
    for (small, default) in Workload::all(Size::Small)
        .iter()
        .zip(Workload::all(Size::Default).iter())
    {
        assert!(
            small.expectations().allocated < default.expectations().allocated,
            "{}",
            small.name()
        );
    }
}

#[test]
fn overrides_change_parameters_and_expectations() {
    let w = Workload::parse(
        "dll-churn",
        Size::Small,
        &set(&[("lists", "30"), ("length", "4")]),
    )
    .unwrap();
    assert_eq!(w.params_json()["lists"], 30);
    // 30 lists of 4 nodes plus the ring; every 10th kept: lists 0, 10, 20 in a ring of 5.
    let e = w.expectations();
    assert_eq!(
        (e.allocated, e.live_at_end, e.cyclic_garbage),
        (121, 13, 108)
    );
    let gc = Workload::parse("gc-collect", Size::Small, &set(&[("loops", "2")])).unwrap();
    let e = gc.expectations();
    assert_eq!(
        (e.allocated, e.live_at_end, e.cyclic_garbage),
        (2 + 4200, 0, 4200)
    );
}

#[test]
fn bad_input_gets_a_one_line_error_naming_it() {
    let mut errors = Vec::new();
    let err = Workload::parse("nope", Size::Small, &[]).unwrap_err();
    assert!(matches!(err, WorkloadError::UnknownWorkload { .. }));
    assert!(err.to_string().contains("gc-traversal"), "{err}");
    errors.push(err);
    let err = Workload::parse("binary-trees", Size::Small, &set(&[("depth", "3")])).unwrap_err();
    assert!(err.to_string().contains("no parameter 'depth'"), "{err}");
    assert!(err.to_string().contains("max_depth"), "{err}");
    errors.push(err);
    let err =
        Workload::parse("random-graph", Size::Small, &set(&[("survival", "1.5")])).unwrap_err();
    assert!(err.to_string().contains("random-graph.survival"), "{err}");
    errors.push(err);
    let err = Workload::parse("dll-churn", Size::Small, &set(&[("length", "many")])).unwrap_err();
    assert!(matches!(err, WorkloadError::BadValue { .. }), "{err}");
    errors.push(err);
    let err = Workload::parse("finalizers", Size::Small, &set(&[("unit_size", "0")])).unwrap_err();
    assert!(err.to_string().contains("finalizers.unit_size"), "{err}");
    errors.push(err);
    for e in errors {
        assert!(!e.to_string().contains('\n'), "{e}");
    }
}

#[test]
fn the_readme_workload_table_is_the_catalogue() {
    let readme = include_str!("../../README.md");
    let table = workloads::catalog_table();
    assert!(
        readme.contains(&table),
        "README.md's workload table differs from the catalogue; replace it with \
         `gclab list --markdown`:\n{table}"
    );
}

#[test]
fn out_of_range_values_name_the_parameter_and_the_range() {
    let err = Workload::parse(
        "binary-trees",
        Size::Small,
        &set(&[("stretch_depth", "30")]),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "bad value for binary-trees.stretch_depth: 30 is outside 1..=26"
    );
    let err = Workload::parse(
        "seed-cycles",
        Size::Small,
        &set(&[("payload", "600"), ("pairs", "5")]),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "bad value for seed-cycles.payload: 600 is outside ..=512"
    );
    let err = Workload::parse(
        "dll-churn",
        Size::Small,
        &set(&[("length", "many"), ("lists", "3")]),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("bad value for dll-churn.length: "),
        "{err}"
    );
    let err =
        Workload::parse("binary-trees", Size::Small, &set(&[("max_depth", "12")])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "bad value for binary-trees.max_depth: 12 is outside min_depth..=stretch_depth (4..=10)"
    );
    let info = catalog();
    let depth = info[1]
        .params
        .iter()
        .find(|p| p.name == "stretch_depth")
        .unwrap();
    assert_eq!(
        (depth.default.as_str(), depth.allowed.as_str()),
        ("18", "1..=26")
    );
}
