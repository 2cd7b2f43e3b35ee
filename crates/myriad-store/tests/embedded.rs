//! Embedded-backend behaviour beyond the shared conformance suite: durability across
//! reopen, detection of corrupt or truncated files, and slow watchers.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, ensure};
use myriad_store::backend::embedded::DB_FILE;
use myriad_store::{EmbeddedOptions, EmbeddedStore, RangeOptions, Store, StoreError, WatchOptions};

async fn open(dir: &Path) -> Result<EmbeddedStore> {
    Ok(EmbeddedStore::open(EmbeddedOptions::new(dir)).await?)
}

#[tokio::test]
async fn reopen_keeps_values_revisions_and_compaction() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path()).await?;
    let r1 = store.put(b"/a", b"1").await?;
    for i in 0..100 {
        store
            .put(format!("/items/{i:03}").as_bytes(), format!("value-{i}").as_bytes())
            .await?;
    }
    let r2 = store.put(b"/a", b"2").await?;
    store.delete(b"/items/000").await?;
    store.compact(r2).await?;
    let current = store.current_revision().await?;
    store.close().await;

    let store = open(dir.path()).await?;
    ensure!(store.current_revision().await? == current);
    ensure!(store.get(b"/a", 0).await?.kv.context("/a")?.value == "2");
    ensure!(matches!(store.get(b"/a", r1).await, Err(StoreError::Compacted { compacted, .. }) if compacted == r2));
    let items = store.range(b"/items/", RangeOptions::default()).await?;
    ensure!(items.kvs.len() == 99 && items.kvs[0].value == "value-1");
    let next = store.put(b"/b", b"x").await?;
    ensure!(
        next == current + 1,
        "revision after reopen: {next}, expected {}",
        current + 1
    );
    Ok(())
}

/// Flips every stored copy of a value's bytes: reopen must refuse the file.
#[tokio::test]
async fn corrupt_record_is_detected_on_open() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path()).await?;
    store.put(b"/victim", b"MYRIAD-CORRUPTION-MARKER-0123456789").await?;
    for i in 0..50 {
        store.put(format!("/other/{i}").as_bytes(), &[b'z'; 300]).await?;
    }
    store.close().await;

    let path = dir.path().join(DB_FILE);
    let mut bytes = std::fs::read(&path)?;
    let marker = b"CORRUPTION-MARKER";
    let mut flipped = 0;
    for i in 0..bytes.len().saturating_sub(marker.len()) {
        if &bytes[i..i + marker.len()] == marker {
            bytes[i + 3] ^= 0x20;
            flipped += 1;
        }
    }
    ensure!(flipped > 0, "marker not found in the file");
    std::fs::write(&path, &bytes)?;

    match EmbeddedStore::open(EmbeddedOptions::new(dir.path())).await {
        Err(StoreError::Corrupt(message)) => {
            eprintln!("detected: {message}");
            Ok(())
        }
        Err(other) => Err(anyhow!("expected Corrupt, got {other:?}")),
        Ok(store) => {
            let served = store.get(b"/victim", 0).await;
            Err(anyhow!("corrupt store opened; /victim read gave {served:?}"))
        }
    }
}

/// A file cut short (lost tail) is reported, never served.
#[tokio::test]
async fn truncated_file_is_refused() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path()).await?;
    for i in 0..2000 {
        store.put(format!("/k/{i}").as_bytes(), &[b'v'; 512]).await?;
    }
    store.close().await;
    let path = dir.path().join(DB_FILE);
    let len = std::fs::metadata(&path)?.len();
    std::fs::OpenOptions::new().write(true).open(&path)?.set_len(len / 2)?;
    match EmbeddedStore::open(EmbeddedOptions::new(dir.path())).await {
        Err(error) => {
            eprintln!("refused: {error}");
            Ok(())
        }
        Ok(store) => {
            let listed = store.range(b"/k/", RangeOptions::default()).await;
            Err(anyhow!(
                "truncated store opened; range gave {:?}",
                listed.map(|r| r.kvs.len())
            ))
        }
    }
}

/// A watcher that reads nothing while thousands of revisions commit neither blocks the
/// writers nor loses events: it catches up from history, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_watcher_catches_up_without_blocking_writers() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let store = Arc::new(open(dir.path()).await?);
    let start = store.current_revision().await? + 1;
    let mut watch = store.watch(WatchOptions::prefix("/w/").from_revision(start)).await?;
    let writes = 5000;
    tokio::time::timeout(Duration::from_secs(60), async {
        for i in 0..writes {
            store
                .put(format!("/w/{}", i % 10).as_bytes(), i.to_string().as_bytes())
                .await?;
        }
        anyhow::Ok(())
    })
    .await
    .context("writers blocked by a slow watcher")??;
    let mut expected = 0;
    while expected < writes {
        let batch = tokio::time::timeout(Duration::from_secs(10), watch.recv())
            .await?
            .context("watch ended")??;
        for event in batch.events {
            ensure!(
                event.kv.value == expected.to_string(),
                "got {:?} expected {expected}",
                event.kv.value
            );
            expected += 1;
        }
    }
    Ok(())
}

#[tokio::test]
async fn closing_the_store_ends_watches() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path()).await?;
    let mut watch = store.watch(WatchOptions::prefix("/x/")).await?;
    store.close().await;
    match tokio::time::timeout(Duration::from_secs(5), watch.recv()).await? {
        Some(Err(StoreError::Closed)) | None => Ok(()),
        other => Err(anyhow!("expected the watch to end, got {other:?}")),
    }
}

/// A large compaction leaves the disk in chunks, and writes queued meanwhile are
/// committed between chunks instead of waiting for the whole compaction (etcd pauses
/// between its compaction batches the same way). The pauses are measured.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_go_through_between_compaction_chunks() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let store = Arc::new(open(dir.path()).await?);
    // 60 rounds over 1,000 keys (transactions of 100 puts): 59,000 superseded records.
    for round in 0..60 {
        for start in (0..1000).step_by(100) {
            let puts = (start..start + 100)
                .map(|i| myriad_store::TxnOp::put(format!("/k/{i:04}").into_bytes(), format!("v{round}").into_bytes()));
            store.txn(myriad_store::Txn::new().and_then(puts)).await?;
        }
    }
    let total = 59_000;
    let revision = store.current_revision().await?;
    let metrics = store.metrics().context("the embedded store keeps metrics")?;
    let compacting = {
        let store = store.clone();
        tokio::spawn(async move { store.compact(revision).await })
    };
    // Once the first chunk is gone, a write must not wait for the other 58.
    while metrics.compacted_records.get() == 0 {
        tokio::task::yield_now().await;
    }
    store.put(b"/during", b"compaction").await?;
    let removed_by_then = metrics.compacted_records.get();
    ensure!(
        removed_by_then < total,
        "the write waited for the whole compaction ({removed_by_then} of {total} removed)"
    );
    compacting.await??;
    ensure!(metrics.compacted_records.get() == total);
    ensure!(store.get(b"/during", 0).await?.kv.is_some());
    // Reads below the compacted revision fail; the latest values are all there.
    ensure!(matches!(
        store.get(b"/k/0000", 2).await,
        Err(StoreError::Compacted { .. })
    ));
    let keys = store.range(b"/k/", RangeOptions::default()).await?;
    ensure!(keys.kvs.len() == 1000 && keys.kvs.iter().all(|kv| kv.value == "v59"));
    Ok(())
}
