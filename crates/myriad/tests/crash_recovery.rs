//! SIGKILL during a write storm loses no acknowledged write.
//!
//! Each round starts `myriad store write-storm` (16 concurrent writers, group commit) on
//! the same data directory, lets it acknowledge a varying number of writes, kills it with
//! SIGKILL mid-storm, reopens the store and checks every write acknowledged in every
//! round so far is present with its exact value, and that the store still accepts writes.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use myriad_store::{EmbeddedOptions, EmbeddedStore, Store};

const ROUNDS: usize = 20;
const VALUE_BYTES: usize = 256;

/// Mirrors `storm_value` in the binary: the key, padded with dots.
fn expected_value(key: &str) -> Vec<u8> {
    let mut value = key.as_bytes().to_vec();
    value.resize(VALUE_BYTES.max(key.len()), b'.');
    value
}

/// Runs one storm and returns the keys it acknowledged before being killed.
fn storm_until_killed(dir: &Path, round: usize, acks_wanted: usize) -> Result<Vec<String>> {
    let mut child = Command::new(myriad_testkit::myriad_bin!())
        .args([
            "store",
            "write-storm",
            "--writers",
            "16",
            "--value-bytes",
            &VALUE_BYTES.to_string(),
        ])
        .arg("--tag")
        .arg(format!("r{round}"))
        .arg("--data-dir")
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting myriad store write-storm")?;
    let stdout = child.stdout.take().context("no stdout")?;
    let mut acked = Vec::new();
    let started = Instant::now();
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        if let Some(key) = line.strip_prefix("ACK ") {
            acked.push(key.to_string());
        }
        if acked.len() >= acks_wanted || started.elapsed() > Duration::from_secs(20) {
            break;
        }
    }
    // SIGKILL while the writers are still mid-storm.
    child.kill()?;
    let status = child.wait()?;
    ensure!(!status.success(), "write-storm exited by itself: {status}");
    ensure!(!acked.is_empty(), "round {round}: no write was acknowledged");
    Ok(acked)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_write_storm_loses_no_acknowledged_write() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let mut all_acked: Vec<String> = Vec::new();
    for round in 0..ROUNDS {
        let wanted = 200 + (round * 397) % 1800;
        let acked = storm_until_killed(dir.path(), round, wanted)?;
        all_acked.extend(acked);

        let store = EmbeddedStore::open(EmbeddedOptions::new(dir.path()))
            .await
            .with_context(|| format!("round {round}: reopen after SIGKILL failed"))?;
        ensure!(
            store.stats().recovered,
            "round {round}: the unclean shutdown went unnoticed"
        );
        let mut missing = Vec::new();
        for key in &all_acked {
            match store.get(key.as_bytes(), 0).await?.kv {
                Some(kv) if kv.value == expected_value(key) => {}
                Some(kv) => bail!("round {round}: {key} has a wrong value ({} bytes)", kv.value.len()),
                None => missing.push(key.clone()),
            }
        }
        ensure!(
            missing.is_empty(),
            "round {round}: {} acknowledged writes lost, e.g. {:?}",
            missing.len(),
            &missing[..missing.len().min(5)]
        );
        let before = store.current_revision().await?;
        let after = store.put(format!("/after-crash/{round}").as_bytes(), b"ok").await?;
        ensure!(after == before + 1, "round {round}: store not writable after recovery");
        store.close().await;
        let clean = EmbeddedStore::open(EmbeddedOptions::new(dir.path())).await?;
        ensure!(
            !clean.stats().recovered,
            "round {round}: a clean close was reported as a crash"
        );
        clean.close().await;
        eprintln!("round {round}: {} acknowledged writes verified", all_acked.len());
    }
    Ok(())
}
