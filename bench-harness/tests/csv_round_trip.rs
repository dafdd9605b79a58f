//! The results tables read back exactly what was written.

use bench_harness::metrics::{Pause, PauseKindName};
use bench_harness::results::{
    read_results, write_csv, CurveRow, HeapSampleRow, PauseRow, RunCurves, RunRow,
};

/// An empty folder of this test process's own under the system's temporary directory.
fn scratch_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gclab-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn rows_pauses_and_samples_round_trip() {
    let dir = scratch_dir("roundtrip");
    let ok = RunRow {
        run_id: 0,
        collector: "cycle".into(),
        workload: "seed-cycles".into(),
        seed: 3,
        repeat: 2,
        params: r#"{"pairs":10,"note":"a, \"quoted\" value"}"#.into(),
        collector_params: r#"{"threshold0":2000}"#.into(),
        sweep: "cycle.threshold0=2000".into(),
        heap_limit: Some(1 << 30),
        heap_multiple: Some(1.5),
        baseline_objects: Some(8_590),
        status: "ok".into(),
        wall_ns: Some(123_456_789),
        gc_ns: Some(23_456_789),
        mutator_ns: Some(100_000_000),
        pauses: Some(7),
        pauses_logged: Some(2),
        pause_p50_ns: Some(1),
        pause_p90_ns: Some(2),
        pause_p99_ns: Some(3),
        pause_max_ns: Some(4),
        auto_pause_max_ns: Some(3),
        mmu_1ms: Some(0.0),
        mmu_10ms: Some(0.1 + 0.2),
        mmu_100ms: Some(1.0 / 3.0),
        objects_allocated: Some(20),
        objects_freed: Some(20),
        objects_leaked: Some(0),
        bytes_allocated: Some(640),
        peak_heap_bytes: Some(640),
        peak_heap_held_bytes: Some(1 << 20),
        peak_rss_bytes: Some(5 << 20),
        objects_scanned: Some(40),
        unreachable_mean_bytes: Some(96),
        unreachable_peak_bytes: Some(320),
        counters: "increments=3;max_increment=2001".into(),
        lbo: Some(1.2345678901234567),
        reserved_bytes: Some(3 << 20),
        in_use_bytes: Some(1 << 20),
        reserved_ratio: Some(3.0),
        host_steal_ns: Some(20_000_000),
        platform_sampled_ns: Some(100_012_345),
        platform_max_stall_ns: Some(1_234_567),
        platform_stalls_over_1ms: Some(2),
    };
    let failed = RunRow {
        run_id: 1,
        collector: "nogc".into(),
        workload: "seed-cycles".into(),
        status: "failed: timeout after 20 s".into(),
        ..RunRow::default()
    };
    let pause = Pause {
        start_ns: 5,
        end_ns: 9,
        kind: PauseKindName::Cascade,
        generation: None,
        heap_before: 100,
        heap_after: 50,
        freed: 2,
        requested: false,
    };
    let gen_pause = Pause {
        kind: PauseKindName::Collection,
        generation: Some(2),
        requested: true,
        ..pause
    };
    write_csv(&dir.join("runs.csv"), &[ok.clone(), failed.clone()]).unwrap();
    write_csv(
        &dir.join("pauses.csv"),
        &[PauseRow::new(0, &pause), PauseRow::new(0, &gen_pause)],
    )
    .unwrap();
    write_csv(
        &dir.join("heap.csv"),
        &[HeapSampleRow {
            run_id: 0,
            t_ns: 1,
            bytes_in_use: 2,
            bytes_reserved: 3,
        }],
    )
    .unwrap();
    let curves = RunCurves {
        pause_quantiles: vec![(0.0, 4), (0.5, 12_345), (1.0, 987_654_321)],
        mmu: vec![(10_000, 0.0), (1_000_000, 0.999_949), (10_000_000, 0.3)],
        heap: vec![(0, 4096), (1_500, 8192), (123_456_789, (1 << 30) + 1)],
        heap_reserved: vec![(0, 1 << 20), (1_500, 2 << 20)],
    };
    let curve_rows: Vec<CurveRow> = curves.rows(0);
    assert_eq!(curve_rows.len(), 4, "one line per curve");
    write_csv(&dir.join("curves.csv"), &curve_rows).unwrap();
    let set = read_results(&dir).unwrap();
    // Times keep four significant digits and MMU four decimals; levels, windows and bytes
    // are exact.
    let written = RunCurves {
        pause_quantiles: vec![(0.0, 4), (0.5, 12_350), (1.0, 987_700_000)],
        mmu: vec![(10_000, 0.0), (1_000_000, 0.9999), (10_000_000, 0.3)],
        heap: vec![(0, 4096), (1_500, 8192), (123_500_000, (1 << 30) + 1)],
        heap_reserved: curves.heap_reserved.clone(),
    };
    assert_eq!(set.curves[&0], written);
    assert_eq!(set.runs, vec![ok, failed]);
    assert_eq!(set.pauses[&0], vec![pause, gen_pause]);
    assert_eq!(set.heap[&0], vec![(1, 2)]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A `curves.csv` written one point per line, as result sets were before one line per
/// curve, reads as the same curves; a line whose lists differ in length is refused.
#[test]
fn curves_read_one_point_per_line_and_refuse_uneven_lists() {
    let dir = scratch_dir("curves");
    let run = RunRow {
        run_id: 0,
        collector: "nogc".into(),
        workload: "seed-cycles".into(),
        status: "ok".into(),
        ..RunRow::default()
    };
    write_csv(&dir.join("runs.csv"), &[run]).unwrap();
    std::fs::write(
        dir.join("curves.csv"),
        "run_id,curve,x,y\n0,pause_quantile,0.0,10\n0,mmu,10000.0,0.5\n0,pause_quantile,1.0,30\n",
    )
    .unwrap();
    let set = read_results(&dir).unwrap();
    assert_eq!(set.curves[&0].pause_quantiles, vec![(0.0, 10), (1.0, 30)]);
    assert_eq!(set.curves[&0].mmu, vec![(10_000, 0.5)]);
    std::fs::write(
        dir.join("curves.csv"),
        "run_id,curve,x,y\n0,mmu,10000 20000,0.5\n",
    )
    .unwrap();
    let err = read_results(&dir).unwrap_err();
    assert!(
        err.contains("curves.csv") && err.contains("2 x values and 1 y values"),
        "{err}"
    );
    std::fs::write(
        dir.join("curves.csv"),
        "run_id,curve,x,y\n0,mmu,1e4 x,0.5 1\n",
    )
    .unwrap();
    let err = read_results(&dir).unwrap_err();
    assert!(err.contains("\"x\" is not a number"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
