//! The flood test: while a misbehaving client (its own user agent) hammers unpaginated
//! LISTs of every pod and creates in a loop, 1,000 simulated nodes keep renewing their
//! Leases (as `system:node:*`): every heartbeat succeeds, the flooder gets 429s,
//! nothing it was refused is stored and nothing accepted is lost. Runs `myriad bench
//! flood` briefly; how much the heartbeats' latency moves is a benchmark figure
//! (`myriad bench flood`, docs/benchmarks.md), not something a test asserts.

use anyhow::{Result, ensure};
use serde_json::Value;

#[test]
fn node_heartbeats_keep_going_under_a_flood_that_is_refused() -> Result<()> {
    let binary = myriad_testkit::myriad_bin!();
    let args = [
        "--nodes",
        "1000",
        "--pods",
        "2000",
        "--flood-concurrency",
        "100",
        "--duration",
        "5",
        "--heartbeat-interval",
        "2",
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
    Ok(())
}
