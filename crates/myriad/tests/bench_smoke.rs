//! The benchmarks still run end to end (tiny sizes; no timing is asserted here —
//! targets live in the benchmarks themselves) and write the JSON fields scripts read.

use anyhow::{Result, ensure};

/// Runs `myriad bench <which> ARGS --json FILE` in a temp dir; returns the JSON report.
fn run_bench(which: &str, args: &[&str]) -> Result<serde_json::Value> {
    Ok(serde_json::from_str(&myriad_testkit::myriad::run_bench(
        myriad_testkit::myriad_bin!(),
        which,
        args,
    )?)?)
}

#[test]
fn bench_api_runs_and_writes_json() -> Result<()> {
    let report = run_bench("api", &["--pods", "50", "--lists", "2", "--concurrency", "8"])?;
    for field in [
        "create_per_s",
        "get_p99_ms",
        "update_p99_ms",
        "list_all_p99_ms",
        "delete_per_s",
    ] {
        ensure!(
            report[field].as_f64().is_some_and(|v| v > 0.0),
            "{field} missing: {report}"
        );
    }
    Ok(())
}

#[test]
fn bench_store_runs_and_writes_json() -> Result<()> {
    let report = run_bench(
        "store",
        &[
            "--backends",
            "embedded,etcd",
            "--keys",
            "2000",
            "--put-secs",
            "1",
            "--watch-secs",
            "1",
            "--watch-rate",
            "500",
            "--range-samples",
            "20",
        ],
    )?;
    for backend in ["embedded", "etcd"] {
        for field in [
            "put_per_s_1w",
            "put_per_s_64w",
            "range_p99_ms",
            "watch_p99_ms",
            "rss_bytes",
        ] {
            ensure!(
                report[backend][field].as_f64().is_some_and(|v| v > 0.0),
                "{backend}.{field} missing: {report}"
            );
        }
    }
    ensure!(report["embedded"]["reopen_s"].as_f64().is_some());
    Ok(())
}

#[test]
fn bench_watch_runs_and_writes_json() -> Result<()> {
    let report = run_bench(
        "watch",
        &[
            "--nodes",
            "20",
            "--pods",
            "100",
            "--cluster-watchers",
            "2",
            "--rate",
            "50",
            "--duration",
            "2",
            "--connections",
            "2",
        ],
    )?;
    // Delivery can be 0: an event that beats its write's response counts as 0.
    for field in ["delivery_p50_ms", "delivery_p99_ms"] {
        ensure!(
            report[field].as_f64().is_some_and(|v| v >= 0.0),
            "{field} missing: {report}"
        );
    }
    for field in ["node_list_p99_ms", "full_list_s", "rss_bytes", "bytes_per_object"] {
        ensure!(
            report[field].as_f64().is_some_and(|v| v > 0.0),
            "{field} missing: {report}"
        );
    }
    // Every write reached the watcher of its pod's node.
    ensure!(report["node_events_missed"] == 0, "{report}");
    ensure!(report["writes"] == 100, "{report}");
    Ok(())
}
