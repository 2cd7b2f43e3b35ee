//! A quick end-to-end check of the etcd backend against a real etcd: reads, writes,
//! conflicts, watches and compaction, plus the etcd-specific edges the conformance suite
//! does not reach (responses over gRPC's default 4 MiB, several revisions in one etcd
//! watch response, etcd's own request-size limit, paging in `prefix_stats`).

use std::time::Duration;

use anyhow::{Context, Result, anyhow, ensure};
use bytes::Bytes;
use myriad_store::{
    EtcdOptions, EtcdStore, EventKind, Limits, OpResult, RangeOptions, Store, StoreError, Txn, TxnOp, WatchBatch,
    WatchOptions, WatchStream,
};
use myriad_testkit::etcd::EtcdServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etcd_backend_smoke() -> Result<()> {
    let etcd = EtcdServer::start().await?;
    let store = EtcdStore::connect(EtcdOptions::new(vec![etcd.endpoint()])).await?;
    ensure!(store.backend() == "etcd");

    put_get_range(&store).await.context("put/get/range")?;
    txn_conflicts(&store).await.context("txn")?;
    watch_batches(&store).await.context("watch")?;
    large_values(&store).await.context("large values")?;
    stats_pages(&store).await.context("prefix_stats")?;
    // Last: compaction affects every prefix.
    compaction(&store).await.context("compaction")?;
    etcd.stop().await
}

#[tokio::test]
async fn connect_fails_fast_without_etcd() -> Result<()> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let mut options = EtcdOptions::new(vec![format!("http://127.0.0.1:{port}")]);
    options.connect_timeout_ms = 500;
    let started = std::time::Instant::now();
    let refused = EtcdStore::connect(options).await;
    // The cause reaches the operator: the code and the socket error, not a bare "transport error".
    ensure!(
        matches!(&refused, Err(StoreError::Etcd(text)) if text.starts_with("Unavailable") && text.contains("refused")),
        "{:?}",
        refused.err()
    );
    ensure!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    ensure!(matches!(
        EtcdStore::connect(EtcdOptions::new(Vec::new())).await,
        Err(StoreError::Config(_))
    ));
    Ok(())
}

#[test]
fn options_from_toml() -> Result<()> {
    let options: EtcdOptions = toml::from_str(r#"endpoints = ["http://127.0.0.1:2379"]"#)?;
    ensure!(options.limits == Limits::default() && options.connect_timeout_ms > 0);
    ensure!(toml::from_str::<EtcdOptions>("endpoints = []\nendpoint = \"x\"").is_err());
    Ok(())
}

async fn put_get_range(s: &EtcdStore) -> Result<()> {
    let r1 = s.put(b"/smoke/kv/a", b"1").await?;
    let r2 = s.put(b"/smoke/kv/a", b"2").await?;
    s.put(b"/smoke/kv/b", b"b").await?;
    let r4 = s.put(b"/smoke/kv/c", b"c").await?;
    s.put(b"/smoke/kvx", b"outside").await?;

    let got = s.get(b"/smoke/kv/a", 0).await?;
    let kv = got.kv.context("missing")?;
    ensure!(
        kv.value == "2" && kv.create_revision == r1 && kv.mod_revision == r2 && kv.version == 2,
        "{kv:?}"
    );
    ensure!(got.revision > r4);
    let old = s.get(b"/smoke/kv/a", r1).await?;
    ensure!(old.revision == r1 && old.kv.context("missing at r1")?.value == "1");
    ensure!(s.get(b"/smoke/kv/none", 0).await?.kv.is_none());

    let page = s
        .range(
            b"/smoke/kv/",
            RangeOptions {
                limit: 2,
                ..Default::default()
            },
        )
        .await?;
    let keys: Vec<&[u8]> = page.kvs.iter().map(|kv| kv.key.as_ref()).collect();
    ensure!(keys == [&b"/smoke/kv/a"[..], b"/smoke/kv/b"] && page.more, "{page:?}");
    let rest = s
        .range(
            b"/smoke/kv/",
            RangeOptions {
                start: Some(Bytes::from_static(b"/smoke/kv/b\0")),
                revision: page.revision,
                ..Default::default()
            },
        )
        .await?;
    ensure!(
        rest.kvs.len() == 1 && rest.kvs[0].key == "/smoke/kv/c" && !rest.more && rest.revision == page.revision,
        "{rest:?}"
    );
    let at_r1 = s
        .range(
            b"/smoke/kv/",
            RangeOptions {
                revision: r1,
                ..Default::default()
            },
        )
        .await?;
    ensure!(at_r1.kvs.len() == 1 && at_r1.revision == r1, "{at_r1:?}");
    // The empty prefix is every key.
    let all = s.range(b"", RangeOptions::default()).await?;
    ensure!(all.kvs.iter().any(|kv| kv.key == "/smoke/kvx"), "{all:?}");

    match s.get(b"/smoke/kv/a", got.revision + 1000).await {
        Err(StoreError::FutureRevision { requested, current }) => {
            ensure!(requested == got.revision + 1000 && current == got.revision)
        }
        other => return Err(anyhow!("expected FutureRevision, got {other:?}")),
    }
    ensure!(matches!(s.get(b"", 0).await, Err(StoreError::InvalidKey { .. })));
    Ok(())
}

async fn txn_conflicts(s: &EtcdStore) -> Result<()> {
    let created = s
        .create(b"/smoke/txn/a", b"1")
        .await?
        .map_err(|kv| anyhow!("conflict {kv:?}"))?;
    let existing = s.create(b"/smoke/txn/a", b"again").await?;
    ensure!(
        matches!(&existing, Err(kv) if kv.mod_revision == created && kv.value == "1"),
        "{existing:?}"
    );
    let stale = s.update(b"/smoke/txn/a", b"2", created - 1).await?;
    ensure!(matches!(&stale, Err(kv) if kv.mod_revision == created), "{stale:?}");
    let updated = s
        .update(b"/smoke/txn/a", b"2", created)
        .await?
        .map_err(|kv| anyhow!("conflict {kv:?}"))?;
    let missing = s.update(b"/smoke/txn/none", b"x", 5).await?;
    ensure!(matches!(&missing, Err(kv) if kv.mod_revision == 0), "{missing:?}");

    // Results in branch order, with previous values; one revision for the whole txn.
    let txn = Txn::new().and_then([
        TxnOp::put("/smoke/txn/a", "3"),
        TxnOp::get("/smoke/txn/a"),
        TxnOp::put("/smoke/txn/b", "b"),
        TxnOp::delete("/smoke/txn/none"),
    ]);
    let resp = s.txn(txn).await?;
    ensure!(resp.succeeded && resp.revision == updated + 1, "{resp:?}");
    match resp.results.as_slice() {
        [
            OpResult::Put { prev: Some(prev) },
            OpResult::Get { kv: Some(now) },
            OpResult::Put { prev: None },
            OpResult::Delete { prev: None },
        ] => ensure!(prev.value == "2" && now.value == "3" && now.mod_revision == resp.revision),
        other => return Err(anyhow!("unexpected results {other:?}")),
    }
    let (prev, deleted_at) = s.delete(b"/smoke/txn/b").await?;
    ensure!(prev.map(|kv| kv.value) == Some(Bytes::from_static(b"b")) && deleted_at == resp.revision + 1);
    let twice = Txn::new().and_then([TxnOp::put("/smoke/txn/a", "x"), TxnOp::delete("/smoke/txn/a")]);
    ensure!(matches!(s.txn(twice).await, Err(StoreError::InvalidTxn(_))));
    Ok(())
}

/// The next batch within 10 s.
async fn next(watch: &mut WatchStream) -> Result<WatchBatch> {
    let item = tokio::time::timeout(Duration::from_secs(10), watch.recv())
        .await
        .context("no watch batch within 10s")?
        .context("watch ended")?;
    Ok(item?)
}

/// The next batch with events, skipping progress notifications.
async fn next_events(watch: &mut WatchStream) -> Result<WatchBatch> {
    loop {
        let batch = next(watch).await?;
        if !batch.is_progress() {
            return Ok(batch);
        }
    }
}

async fn watch_batches(s: &EtcdStore) -> Result<()> {
    let r1 = s.put(b"/smoke/watch/a", b"1").await?;
    let r2 = s.put(b"/smoke/watch/a", b"2").await?;
    let multi = s
        .txn(Txn::new().and_then([TxnOp::put("/smoke/watch/b", "b"), TxnOp::delete("/smoke/watch/a")]))
        .await?
        .revision;
    s.put(b"/smoke/watchx", b"outside the prefix").await?;

    // From history: etcd sends these three revisions in one response; they must arrive
    // as one batch per revision.
    let mut watch = s
        .watch(WatchOptions::prefix("/smoke/watch/").from_revision(r1).with_prev_kv())
        .await?;
    let b1 = next_events(&mut watch).await?;
    ensure!(
        b1.revision == r1 && b1.events.len() == 1 && b1.events[0].prev_kv.is_none(),
        "{b1:?}"
    );
    let b2 = next_events(&mut watch).await?;
    ensure!(
        b2.revision == r2 && b2.events[0].prev_kv.as_ref().map(|kv| kv.value.clone()) == Some("1".into()),
        "{b2:?}"
    );
    let b3 = next_events(&mut watch).await?;
    ensure!(b3.revision == multi && b3.events.len() == 2, "{b3:?}");
    let (put, delete) = (&b3.events[0], &b3.events[1]);
    ensure!(put.kind == EventKind::Put && put.kv.key == "/smoke/watch/b", "{put:?}");
    ensure!(
        delete.kind == EventKind::Delete
            && delete.kv.key == "/smoke/watch/a"
            && delete.kv.value.is_empty()
            && delete.kv.mod_revision == multi
            && delete.prev_kv.as_ref().map(|kv| kv.value.clone()) == Some("2".into()),
        "{delete:?}"
    );
    // Live.
    let r4 = s.put(b"/smoke/watch/c", b"c").await?;
    let b4 = next_events(&mut watch).await?;
    ensure!(b4.revision == r4 && b4.events[0].kv.create_revision == r4, "{b4:?}");
    drop(watch);

    // A quiet watch with progress notifications (etcd sends them every second here).
    let mut quiet = s
        .watch(WatchOptions::prefix("/smoke/quiet/").with_progress_notify())
        .await?;
    let r5 = s.put(b"/smoke/watch/d", b"d").await?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let batch = tokio::time::timeout_at(deadline, next(&mut quiet))
            .await
            .context("no progress notification reached the revision")??;
        ensure!(batch.is_progress(), "{batch:?}");
        if batch.revision >= r5 {
            break;
        }
    }
    ensure!(matches!(
        s.watch(WatchOptions::prefix("/bad\0")).await,
        Err(StoreError::InvalidKey { .. })
    ));
    Ok(())
}

async fn large_values(s: &EtcdStore) -> Result<()> {
    // Four 1.2 MiB values: one range response and one catch-up watch response are each
    // over gRPC's default 4 MiB receive limit.
    let value = vec![b'v'; 1200 * 1024];
    let before = s.current_revision().await?;
    for i in 0..4 {
        s.put(format!("/smoke/large/{i}").as_bytes(), &value).await?;
    }
    let all = s.range(b"/smoke/large/", RangeOptions::default()).await?;
    ensure!(all.kvs.len() == 4 && all.kvs.iter().all(|kv| kv.value.len() == value.len()));
    let mut watch = s
        .watch(WatchOptions::prefix("/smoke/large/").from_revision(before + 1))
        .await?;
    for i in 1..=4 {
        let batch = next_events(&mut watch).await?;
        ensure!(batch.revision == before + i, "{} != {}", batch.revision, before + i);
    }

    // A value at the client-side limit passes `Limits` but the request (key + value)
    // is over etcd's default 1.5 MiB request limit; etcd's refusal maps to the same error.
    let at_limit = vec![b'x'; Limits::default().max_value_bytes];
    match s.put(b"/smoke/large/at-limit", &at_limit).await {
        Err(StoreError::ValueTooLarge { key, .. }) => ensure!(key == "/smoke/large/at-limit"),
        other => return Err(anyhow!("expected ValueTooLarge, got {other:?}")),
    }
    let over = vec![b'x'; Limits::default().max_value_bytes + 1];
    ensure!(matches!(
        s.put(b"/smoke/large/over", &over).await,
        Err(StoreError::ValueTooLarge { .. })
    ));
    Ok(())
}

async fn stats_pages(s: &EtcdStore) -> Result<()> {
    // More keys than one `prefix_stats` page (1,000).
    for chunk in 0..11 {
        let ops = (0..100).map(|i| TxnOp::put(format!("/smoke/stats/{chunk:02}-{i:03}"), vec![0u8; 10]));
        s.txn(Txn::new().and_then(ops)).await?;
    }
    s.delete(b"/smoke/stats/00-000").await?;
    let stats = s.prefix_stats(b"/smoke/stats/").await?;
    ensure!(stats.count == 1099 && stats.bytes == 10_990, "{stats:?}");
    Ok(())
}

async fn compaction(s: &EtcdStore) -> Result<()> {
    let r1 = s.put(b"/smoke/compact/a", b"1").await?;
    let r2 = s.put(b"/smoke/compact/a", b"2").await?;
    let r3 = s.put(b"/smoke/compact/a", b"3").await?;
    s.compact(r2).await?;
    match s.get(b"/smoke/compact/a", r1).await {
        Err(StoreError::Compacted { requested, compacted }) => ensure!(requested == r1 && compacted == r2),
        other => return Err(anyhow!("expected Compacted, got {other:?}")),
    }
    let range = s
        .range(
            b"/smoke/compact/",
            RangeOptions {
                revision: r1,
                ..Default::default()
            },
        )
        .await;
    ensure!(
        matches!(range, Err(StoreError::Compacted { compacted, .. }) if compacted == r2),
        "{range:?}"
    );
    ensure!(s.get(b"/smoke/compact/a", r2).await?.kv.context("at r2")?.value == "2");

    let mut watch = s
        .watch(WatchOptions::prefix("/smoke/compact/").from_revision(r1))
        .await?;
    match tokio::time::timeout(Duration::from_secs(10), watch.recv()).await? {
        Some(Err(StoreError::Compacted { requested, compacted })) => ensure!(requested == r1 && compacted == r2),
        other => return Err(anyhow!("expected Compacted, got {other:?}")),
    }
    ensure!(
        tokio::time::timeout(Duration::from_secs(5), watch.recv())
            .await?
            .is_none(),
        "the watch ends after the error"
    );
    let mut after = s
        .watch(WatchOptions::prefix("/smoke/compact/").from_revision(r2 + 1))
        .await?;
    ensure!(next_events(&mut after).await?.revision == r3);

    // Compacting at or below the compacted revision is a no-op; beyond the current
    // revision is an error.
    s.compact(r1).await?;
    s.compact(r2).await?;
    let current = s.current_revision().await?;
    ensure!(matches!(
        s.compact(current + 10).await,
        Err(StoreError::FutureRevision { .. })
    ));
    Ok(())
}
