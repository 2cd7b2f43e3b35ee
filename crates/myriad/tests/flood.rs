//! The flood test: while a misbehaving client (its own user agent) hammers unpaginated
//! LISTs of every pod and creates in a loop, 1,000 simulated nodes keep renewing their
//! Leases (as `system:node:*`): their p99 latency stays under twice what it is without
//! the flood, the flooder gets 429s, and nothing it was refused is stored. Runs
//! `myriad bench flood` (its own test binary, so nothing else runs meanwhile).

use anyhow::{Result, ensure};
use serde_json::Value;

#[test]
fn node_heartbeats_keep_their_latency_under_a_flood() -> Result<()> {
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_myriad"));
    let args = [
        "--nodes",
        "1000",
        "--pods",
        "2000",
        "--flood-concurrency",
        "100",
        "--duration",
        "20",
        "--throttle-flooder-qps",
        "10",
    ];
    let report: Value = serde_json::from_str(&myriad_testkit::myriad::run_bench(binary, "flood", &args)?)?;
    let number = |field: &str| report[field].as_f64().unwrap_or(f64::NAN);
    ensure!(
        number("heartbeats_baseline") >= 1000.0 && number("heartbeats_flood") >= 1000.0,
        "{report}"
    );
    ensure!(number("heartbeat_failures") == 0.0, "heartbeats failed: {report}");
    ensure!(
        number("flood_refused_429") > 0.0,
        "the flooder was never refused: {report}"
    );
    ensure!(
        number("flood_half_applied") == 0.0,
        "refused writes were stored: {report}"
    );
    ensure!(number("flood_lost") == 0.0, "accepted writes were lost: {report}");
    ensure!(
        number("heartbeat_p99_ratio") < 2.0,
        "heartbeat p99 under flood is {:.1} ms, {:.2}x its {:.1} ms alone: {report}",
        number("heartbeat_p99_ms_flood"),
        number("heartbeat_p99_ratio"),
        number("heartbeat_p99_ms_baseline")
    );
    Ok(())
}
