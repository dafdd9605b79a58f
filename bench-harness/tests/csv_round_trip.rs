//! The results tables read back exactly what was written.

use bench_harness::metrics::{Pause, PauseKindName};
use bench_harness::results::{
    read_results, write_csv, CurveRow, HeapSampleRow, PauseRow, RunCurves, RunRow,
};

#[test]
fn rows_pauses_and_samples_round_trip() {
    let dir = std::env::temp_dir().join(format!("gclab-roundtrip-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
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
        pause_quantiles: vec![(0.0, 4), (0.5, 4), (1.0, 4)],
        mmu: vec![(10_000, 0.0), (1_000_000, 0.999_999_5)],
        heap: vec![(0, 4096), (1_500, 8192)],
        heap_reserved: vec![(0, 1 << 20), (1_500, 2 << 20)],
    };
    let curve_rows: Vec<CurveRow> = curves.rows(0);
    write_csv(&dir.join("curves.csv"), &curve_rows).unwrap();
    let set = read_results(&dir).unwrap();
    assert_eq!(set.curves[&0], curves);
    assert_eq!(set.runs, vec![ok, failed]);
    assert_eq!(set.pauses[&0], vec![pause, gen_pause]);
    assert_eq!(set.heap[&0], vec![(1, 2)]);
    std::fs::remove_dir_all(&dir).unwrap();
}
