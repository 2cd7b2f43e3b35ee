//! One conformance suite, run against every backend: the embedded store and a real etcd.
//!
//! Each case gets its own key prefix and only reads revisions it wrote itself, so the
//! cases can share one etcd server. All cases run and every failure is reported.

mod common;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, ensure};
use bytes::Bytes;
use myriad_store::{
    Compare, EventKind, KeyValue, OpResult, RangeOptions, Store, StoreError, Txn, TxnOp, WatchBatch, WatchOptions,
    WatchStream,
};

use common::{CaseFn, case};

fn cases() -> Vec<(&'static str, CaseFn)> {
    vec![
        case("put_get_versions", put_get_versions),
        case("get_missing", get_missing),
        case("get_at_past_revision", get_at_past_revision),
        case("future_revision", future_revision),
        case("range_prefix_limit_start", range_prefix_limit_start),
        case("range_at_past_revision", range_at_past_revision),
        case("create_if_absent", create_if_absent),
        case("update_if_unchanged", update_if_unchanged),
        case("delete_if_unchanged", delete_if_unchanged),
        case("txn_returns_previous_values", txn_returns_previous_values),
        case("txn_is_atomic_one_revision", txn_is_atomic_one_revision),
        case("noop_writes_do_not_bump_revision", noop_writes_do_not_bump_revision),
        case("watch_from_revision_then_live", watch_from_revision_then_live),
        case("watch_prev_kv_and_deletes", watch_prev_kv_and_deletes),
        case("watch_prefix_isolation", watch_prefix_isolation),
        case("watch_progress_notify", watch_progress_notify),
        case("watch_requested_progress", watch_requested_progress),
        case("compaction", compaction),
        case("bad_input_is_rejected_and_changes_nothing", bad_input),
        case("prefix_stats", prefix_stats),
        case("concurrent_creates", concurrent_creates),
        case("concurrent_cas_increments", concurrent_cas_increments),
        case(
            "watch_order_under_concurrent_writes",
            watch_order_under_concurrent_writes,
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn embedded_backend() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let store = common::open_embedded(dir.path()).await?;
    common::run_cases(store, cases()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn etcd_backend() -> Result<()> {
    let etcd = myriad_testkit::etcd::EtcdServer::start().await?;
    let store = common::connect_etcd(&etcd).await?;
    common::run_cases(store, cases()).await
}

type S = Arc<dyn Store>;

fn key(prefix: &str, name: &str) -> Vec<u8> {
    format!("{prefix}{name}").into_bytes()
}

async fn put_get_versions(s: S, p: String) -> Result<()> {
    let k = key(&p, "a");
    let r1 = s.put(&k, b"one").await?;
    let got = s.get(&k, 0).await?;
    let kv = got.kv.context("key missing after put")?;
    ensure!(
        kv.value == "one" && kv.create_revision == r1 && kv.mod_revision == r1 && kv.version == 1,
        "{kv:?}"
    );
    ensure!(got.revision >= r1);
    let r2 = s.put(&k, b"two").await?;
    ensure!(r2 > r1, "revision did not advance: {r1} -> {r2}");
    let kv = s.get(&k, 0).await?.kv.context("missing")?;
    ensure!(
        kv.value == "two" && kv.create_revision == r1 && kv.mod_revision == r2 && kv.version == 2,
        "{kv:?}"
    );
    ensure!(s.current_revision().await? >= r2);
    Ok(())
}

async fn get_missing(s: S, p: String) -> Result<()> {
    ensure!(s.get(&key(&p, "nope"), 0).await?.kv.is_none());
    Ok(())
}

async fn get_at_past_revision(s: S, p: String) -> Result<()> {
    let k = key(&p, "a");
    let r1 = s.put(&k, b"v1").await?;
    let r2 = s.put(&k, b"v2").await?;
    let (prev, r3) = s.delete(&k).await?;
    ensure!(prev.map(|kv| kv.value) == Some(Bytes::from_static(b"v2")));
    ensure!(s.get(&k, r1).await?.kv.context("at r1")?.value == "v1");
    let at2 = s.get(&k, r2).await?;
    ensure!(at2.kv.context("at r2")?.value == "v2" && at2.revision == r2);
    ensure!(s.get(&k, r3).await?.kv.is_none());
    ensure!(s.get(&k, 0).await?.kv.is_none());
    Ok(())
}

async fn future_revision(s: S, p: String) -> Result<()> {
    let r = s.put(&key(&p, "a"), b"x").await?;
    match s.get(&key(&p, "a"), r + 1000).await {
        Err(StoreError::FutureRevision { requested, .. }) => ensure!(requested == r + 1000),
        other => return Err(anyhow!("expected FutureRevision, got {other:?}")),
    }
    Ok(())
}

async fn range_prefix_limit_start(s: S, p: String) -> Result<()> {
    let items = format!("{p}items/");
    for name in ["a", "b", "c", "d", "e"] {
        s.put(&key(&items, name), name.as_bytes()).await?;
    }
    s.put(&key(&p, "itemsz"), b"outside").await?;
    let names = |kvs: &[KeyValue]| {
        kvs.iter()
            .map(|kv| String::from_utf8_lossy(&kv.value).into_owned())
            .collect::<Vec<_>>()
    };

    let all = s.range(items.as_bytes(), RangeOptions::default()).await?;
    ensure!(
        names(&all.kvs) == ["a", "b", "c", "d", "e"] && !all.more,
        "{:?}",
        names(&all.kvs)
    );
    ensure!(all.revision == s.current_revision().await?);

    let page = s
        .range(
            items.as_bytes(),
            RangeOptions {
                limit: 2,
                ..Default::default()
            },
        )
        .await?;
    ensure!(names(&page.kvs) == ["a", "b"] && page.more, "{:?}", names(&page.kvs));
    let mut next = page.kvs[1].key.to_vec();
    next.push(0);
    let page2 = s
        .range(
            items.as_bytes(),
            RangeOptions {
                start: Some(next.into()),
                limit: 2,
                revision: page.revision,
            },
        )
        .await?;
    ensure!(names(&page2.kvs) == ["c", "d"] && page2.more, "{:?}", names(&page2.kvs));
    let last = s
        .range(
            items.as_bytes(),
            RangeOptions {
                start: Some(key(&items, "e").into()),
                limit: 2,
                ..Default::default()
            },
        )
        .await?;
    ensure!(names(&last.kvs) == ["e"] && !last.more, "{:?}", names(&last.kvs));
    Ok(())
}

async fn range_at_past_revision(s: S, p: String) -> Result<()> {
    let r1 = s.put(&key(&p, "a"), b"a1").await?;
    s.put(&key(&p, "b"), b"b1").await?;
    s.put(&key(&p, "a"), b"a2").await?;
    let old = s
        .range(
            p.as_bytes(),
            RangeOptions {
                revision: r1,
                ..Default::default()
            },
        )
        .await?;
    ensure!(
        old.kvs.len() == 1 && old.kvs[0].value == "a1" && old.revision == r1,
        "{old:?}"
    );
    ensure!(s.range(p.as_bytes(), RangeOptions::default()).await?.kvs.len() == 2);
    Ok(())
}

async fn create_if_absent(s: S, p: String) -> Result<()> {
    let k = key(&p, "a");
    let rev = s
        .create(&k, b"first")
        .await?
        .map_err(|kv| anyhow!("create failed: {kv:?}"))?;
    match s.create(&k, b"second").await? {
        Ok(r) => return Err(anyhow!("second create succeeded at {r}")),
        Err(current) => ensure!(current.value == "first" && current.mod_revision == rev),
    }
    Ok(())
}

async fn update_if_unchanged(s: S, p: String) -> Result<()> {
    let k = key(&p, "a");
    let r1 = s.put(&k, b"v1").await?;
    let r2 = s
        .update(&k, b"v2", r1)
        .await?
        .map_err(|kv| anyhow!("update conflicted: {kv:?}"))?;
    match s.update(&k, b"stale", r1).await? {
        Ok(r) => return Err(anyhow!("stale update succeeded at {r}")),
        Err(current) => ensure!(current.value == "v2" && current.mod_revision == r2, "{current:?}"),
    }
    match s.update(&key(&p, "missing"), b"x", 5).await? {
        Ok(r) => return Err(anyhow!("update of missing key succeeded at {r}")),
        Err(current) => ensure!(current.mod_revision == 0),
    }
    Ok(())
}

async fn delete_if_unchanged(s: S, p: String) -> Result<()> {
    let k = Bytes::from(key(&p, "a"));
    let r1 = s.put(&k, b"v1").await?;
    s.put(&k, b"v2").await?;
    let guarded = |rev| {
        Txn::new()
            .when([Compare::mod_revision(k.clone(), rev)])
            .and_then([TxnOp::delete(k.clone())])
            .or_else([TxnOp::get(k.clone())])
    };
    let stale = s.txn(guarded(r1)).await?;
    ensure!(!stale.succeeded);
    let current = match &stale.results[..] {
        [OpResult::Get { kv: Some(kv) }] => kv.clone(),
        other => return Err(anyhow!("unexpected results {other:?}")),
    };
    let fresh = s.txn(guarded(current.mod_revision)).await?;
    ensure!(fresh.succeeded && fresh.revision > current.mod_revision);
    ensure!(matches!(&fresh.results[..], [OpResult::Delete { prev: Some(kv) }] if kv.value == "v2"));
    ensure!(s.get(&k, 0).await?.kv.is_none());
    Ok(())
}

async fn txn_returns_previous_values(s: S, p: String) -> Result<()> {
    let a = Bytes::from(key(&p, "a"));
    let b = Bytes::from(key(&p, "b"));
    s.put(&a, b"old-a").await?;
    let resp = s
        .txn(Txn::new().and_then([
            TxnOp::put(a.clone(), "new-a"),
            TxnOp::put(b.clone(), "new-b"),
            TxnOp::get(a.clone()),
        ]))
        .await?;
    ensure!(resp.succeeded);
    match &resp.results[..] {
        [
            OpResult::Put { prev: Some(pa) },
            OpResult::Put { prev: None },
            OpResult::Get { kv: Some(ga) },
        ] => {
            ensure!(pa.value == "old-a", "{pa:?}");
            ensure!(ga.value == "new-a" && ga.mod_revision == resp.revision, "{ga:?}");
        }
        other => return Err(anyhow!("unexpected results {other:?}")),
    }
    Ok(())
}

async fn txn_is_atomic_one_revision(s: S, p: String) -> Result<()> {
    let start = s.current_revision().await? + 1;
    let mut watch = s.watch(WatchOptions::prefix(p.clone()).from_revision(start)).await?;
    let ops = (0..10).map(|i| TxnOp::put(key(&p, &format!("k{i}")), format!("v{i}")));
    let resp = s.txn(Txn::new().and_then(ops)).await?;
    let listed = s.range(p.as_bytes(), RangeOptions::default()).await?;
    ensure!(listed.kvs.len() == 10);
    ensure!(listed.kvs.iter().all(|kv| kv.mod_revision == resp.revision));
    let batch = next_events(&mut watch).await?;
    ensure!(batch.revision == resp.revision && batch.events.len() == 10, "{batch:?}");
    Ok(())
}

async fn noop_writes_do_not_bump_revision(s: S, p: String) -> Result<()> {
    let k = key(&p, "a");
    let r = s.put(&k, b"x").await?;
    let (prev, after_missing_delete) = s.delete(&key(&p, "missing")).await?;
    ensure!(prev.is_none());
    ensure!(after_missing_delete >= r);
    let before = s.current_revision().await?;
    let failed = s
        .txn(
            Txn::new()
                .when([Compare::absent(k.clone())])
                .and_then([TxnOp::put(k.clone(), "y")]),
        )
        .await?;
    ensure!(
        !failed.succeeded && failed.revision == before,
        "{failed:?} before={before}"
    );
    ensure!(s.get(&k, 0).await?.kv.context("missing")?.value == "x");
    Ok(())
}

/// The next batch that carries events (skipping progress notifications), within 10 s.
async fn next_events(watch: &mut WatchStream) -> Result<WatchBatch> {
    loop {
        let item = tokio::time::timeout(Duration::from_secs(10), watch.recv())
            .await
            .context("no watch event within 10s")?
            .context("watch ended")?;
        let batch = item?;
        if !batch.is_progress() {
            return Ok(batch);
        }
    }
}

async fn watch_from_revision_then_live(s: S, p: String) -> Result<()> {
    let k = Bytes::from(key(&p, "a"));
    let r1 = s.put(&k, b"1").await?;
    let r2 = s.put(&k, b"2").await?;
    let (_, r3) = s.delete(&k).await?;
    let mut watch = s.watch(WatchOptions::prefix(p.clone()).from_revision(r1)).await?;
    for (rev, kind, value) in [
        (r1, EventKind::Put, "1"),
        (r2, EventKind::Put, "2"),
        (r3, EventKind::Delete, ""),
    ] {
        let batch = next_events(&mut watch).await?;
        ensure!(batch.revision == rev && batch.events.len() == 1, "{batch:?}");
        let ev = &batch.events[0];
        ensure!(
            ev.kind == kind && ev.kv.value == value && ev.kv.mod_revision == rev && ev.kv.key == k,
            "{ev:?}"
        );
    }
    let r4 = s.put(&k, b"4").await?;
    let batch = next_events(&mut watch).await?;
    ensure!(
        batch.revision == r4 && batch.events[0].kv.create_revision == r4 && batch.events[0].kv.version == 1,
        "{batch:?}"
    );
    Ok(())
}

async fn watch_prev_kv_and_deletes(s: S, p: String) -> Result<()> {
    let k = key(&p, "a");
    let start = s.put(&k, b"1").await? + 1;
    s.put(&k, b"2").await?;
    s.delete(&k).await?;
    // From history.
    let mut watch = s
        .watch(WatchOptions::prefix(p.clone()).from_revision(start).with_prev_kv())
        .await?;
    let put = next_events(&mut watch).await?;
    ensure!(
        put.events[0].prev_kv.as_ref().map(|kv| kv.value.clone()) == Some(Bytes::from_static(b"1")),
        "{put:?}"
    );
    let del = next_events(&mut watch).await?;
    ensure!(del.events[0].kind == EventKind::Delete);
    ensure!(
        del.events[0].prev_kv.as_ref().map(|kv| kv.value.clone()) == Some(Bytes::from_static(b"2")),
        "{del:?}"
    );
    // Live.
    s.put(&k, b"3").await?;
    s.put(&k, b"4").await?;
    ensure!(
        next_events(&mut watch).await?.events[0].prev_kv.is_none(),
        "recreated key has no prev"
    );
    let live = next_events(&mut watch).await?;
    ensure!(
        live.events[0].prev_kv.as_ref().map(|kv| kv.value.clone()) == Some(Bytes::from_static(b"3")),
        "{live:?}"
    );
    // Without prev_kv nothing is attached.
    let mut plain = s.watch(WatchOptions::prefix(p.clone()).from_revision(start)).await?;
    ensure!(next_events(&mut plain).await?.events[0].prev_kv.is_none());
    Ok(())
}

async fn watch_prefix_isolation(s: S, p: String) -> Result<()> {
    let mut pods = s.watch(WatchOptions::prefix(format!("{p}pods/"))).await?;
    s.put(&key(&p, "nodes/n1"), b"node").await?;
    s.put(&key(&p, "podsx"), b"not a pod").await?;
    let r = s.put(&key(&p, "pods/a"), b"pod").await?;
    let batch = next_events(&mut pods).await?;
    ensure!(batch.revision == r && batch.events[0].kv.value == "pod", "{batch:?}");
    Ok(())
}

async fn watch_progress_notify(s: S, p: String) -> Result<()> {
    let mut quiet = s
        .watch(WatchOptions::prefix(format!("{p}quiet/")).with_progress_notify())
        .await?;
    let r = s.put(&key(&p, "busy/a"), b"x").await?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let item = tokio::time::timeout_at(deadline, quiet.recv())
            .await
            .context("no progress notification reached revision within 15s")?
            .context("watch ended")??;
        ensure!(item.is_progress(), "quiet watch got events: {item:?}");
        if item.revision >= r {
            return Ok(());
        }
    }
}

/// A requested progress notification arrives promptly (no periodic notifications were
/// asked for), after every event up to it, at a revision covering a write elsewhere.
async fn watch_requested_progress(s: S, p: String) -> Result<()> {
    let mut watch = s.watch(WatchOptions::prefix(format!("{p}mine/"))).await?;
    let mine = s.put(&key(&p, "mine/a"), b"x").await?;
    let elsewhere = s.put(&key(&p, "other/b"), b"y").await?;
    watch.request_progress();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let mut seen_event = false;
    loop {
        let item = tokio::time::timeout_at(deadline, watch.recv())
            .await
            .context("no progress notification within 5s of asking")?
            .context("watch ended")??;
        if !item.is_progress() {
            ensure!(item.revision == mine, "{item:?}");
            seen_event = true;
            continue;
        }
        ensure!(seen_event, "progress overtook the event at {mine}: {item:?}");
        if item.revision >= elsewhere {
            return Ok(());
        }
        // An earlier notification (before the second write landed): ask again.
        watch.request_progress();
    }
}

/// A compacted read or watch fails with `Compacted` carrying the compacted revision,
/// either when it is opened or as its first item.
async fn expect_compacted_watch(s: &S, options: WatchOptions, compacted: i64) -> Result<()> {
    let error = match s.watch(options).await {
        Err(e) => e,
        Ok(mut w) => match tokio::time::timeout(Duration::from_secs(10), w.recv()).await? {
            Some(Err(e)) => e,
            other => return Err(anyhow!("expected a compaction error, got {other:?}")),
        },
    };
    match error {
        StoreError::Compacted { compacted: c, .. } => {
            ensure!(c == compacted, "compacted revision {c}, expected {compacted}")
        }
        other => return Err(anyhow!("expected Compacted, got {other:?}")),
    }
    Ok(())
}

async fn compaction(s: S, p: String) -> Result<()> {
    let k = key(&p, "a");
    let other = key(&p, "gone");
    let r1 = s.put(&k, b"v1").await?;
    s.put(&other, b"x").await?;
    let r2 = s.put(&k, b"v2").await?;
    s.delete(&other).await?;
    let r3 = s.put(&k, b"v3").await?;
    s.compact(r2).await?;
    match s.get(&k, r1).await {
        Err(StoreError::Compacted { requested, compacted }) => {
            ensure!(
                requested == r1 && compacted == r2,
                "requested {requested} compacted {compacted}, expected {r1} {r2}"
            )
        }
        other => return Err(anyhow!("expected Compacted, got {other:?}")),
    }
    match s
        .range(
            p.as_bytes(),
            RangeOptions {
                revision: r1,
                ..Default::default()
            },
        )
        .await
    {
        Err(StoreError::Compacted { compacted, .. }) => ensure!(compacted == r2),
        other => return Err(anyhow!("expected Compacted, got {other:?}")),
    }
    ensure!(s.get(&k, r2).await?.kv.context("value at compacted revision")?.value == "v2");
    ensure!(s.get(&k, 0).await?.kv.context("current value")?.value == "v3");
    expect_compacted_watch(&s, WatchOptions::prefix(p.clone()).from_revision(r1), r2).await?;
    let mut after = s.watch(WatchOptions::prefix(p.clone()).from_revision(r2 + 1)).await?;
    let mut last = None;
    while last != Some(r3) {
        last = Some(next_events(&mut after).await?.revision);
    }
    // Compacting again at or below the compacted revision is a no-op.
    s.compact(r1).await?;
    Ok(())
}

async fn bad_input(s: S, p: String) -> Result<()> {
    let before = s.current_revision().await?;
    let invalid_key = |r: Result<_, StoreError>| matches!(r, Err(StoreError::InvalidKey { .. }));
    ensure!(invalid_key(s.put(b"", b"x").await), "empty key");
    ensure!(
        invalid_key(s.put(format!("{p}a\0b").as_bytes(), b"x").await),
        "NUL in key"
    );
    ensure!(invalid_key(s.put(&[b'/', 0xff, 0xfe], b"x").await), "non-UTF-8 key");
    ensure!(
        invalid_key(s.get(&vec![b'a'; 10_000], 0).await.map(|_| 0)),
        "oversized key"
    );
    match s.put(&key(&p, "big"), &vec![b'x'; 2 << 20]).await {
        Err(StoreError::ValueTooLarge { size, limit, .. }) => ensure!(size == 2 << 20 && limit < size),
        other => return Err(anyhow!("expected ValueTooLarge, got {other:?}")),
    }
    let many = Txn::new().and_then((0..200).map(|i| TxnOp::put(key(&p, &format!("k{i}")), "v")));
    ensure!(
        matches!(s.txn(many).await, Err(StoreError::InvalidTxn(_))),
        "too many ops"
    );
    let twice = Txn::new().and_then([TxnOp::put(key(&p, "a"), "1"), TxnOp::put(key(&p, "a"), "2")]);
    ensure!(
        matches!(s.txn(twice).await, Err(StoreError::InvalidTxn(_))),
        "same key twice"
    );
    ensure!(
        s.current_revision().await? == before,
        "a rejected write changed the store"
    );
    ensure!(s.range(p.as_bytes(), RangeOptions::default()).await?.kvs.is_empty());
    Ok(())
}

async fn prefix_stats(s: S, p: String) -> Result<()> {
    s.put(&key(&p, "pods/a"), &[0u8; 100]).await?;
    s.put(&key(&p, "pods/b"), &[0u8; 50]).await?;
    s.put(&key(&p, "pods/b"), &[0u8; 70]).await?;
    s.put(&key(&p, "pods/c"), &[0u8; 10]).await?;
    s.delete(&key(&p, "pods/c")).await?;
    s.put(&key(&p, "events/a"), &[0u8; 1000]).await?;
    let stats = s.prefix_stats(format!("{p}pods/").as_bytes()).await?;
    ensure!(stats.count == 2 && stats.bytes == 170, "{stats:?}");
    Ok(())
}

async fn concurrent_creates(s: S, p: String) -> Result<()> {
    let mut tasks = Vec::new();
    for w in 0..16 {
        let (s, p) = (s.clone(), p.clone());
        tasks.push(tokio::spawn(async move {
            let mut revs = Vec::new();
            for i in 0..50 {
                let rev = s
                    .create(&key(&p, &format!("w{w}/k{i}")), b"v")
                    .await?
                    .map_err(|kv| anyhow!("conflict {kv:?}"))?;
                revs.push(rev);
            }
            anyhow::Ok(revs)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    let n = all.len();
    all.sort();
    all.dedup();
    ensure!(all.len() == n, "two creates got the same revision");
    ensure!(s.range(p.as_bytes(), RangeOptions::default()).await?.kvs.len() == 800);
    Ok(())
}

async fn concurrent_cas_increments(s: S, p: String) -> Result<()> {
    let k = key(&p, "counter");
    s.put(&k, b"0").await?;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (s, k) = (s.clone(), k.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..20 {
                loop {
                    let kv = s.get(&k, 0).await?.kv.context("counter missing")?;
                    let n: u64 = std::str::from_utf8(&kv.value)?.parse()?;
                    if s.update(&k, (n + 1).to_string().as_bytes(), kv.mod_revision)
                        .await?
                        .is_ok()
                    {
                        break;
                    }
                }
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let kv = s.get(&k, 0).await?.kv.context("counter missing")?;
    ensure!(kv.value == "160" && kv.version == 161, "{kv:?}");
    Ok(())
}

async fn watch_order_under_concurrent_writes(s: S, p: String) -> Result<()> {
    let start = s.current_revision().await? + 1;
    let mut watch = s.watch(WatchOptions::prefix(p.clone()).from_revision(start)).await?;
    let mut tasks = Vec::new();
    for w in 0..4 {
        let (s, p) = (s.clone(), p.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0..100 {
                s.put(&key(&p, &format!("w{w}")), i.to_string().as_bytes()).await?;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let mut seen = 0;
    let mut last_rev = 0;
    let mut last_value = [-1i64; 4];
    while seen < 400 {
        let batch = next_events(&mut watch).await?;
        ensure!(batch.revision > last_rev, "revisions out of order");
        last_rev = batch.revision;
        for ev in batch.events {
            let w = (ev.kv.key.last().copied().unwrap_or(b'0') - b'0') as usize;
            let v: i64 = std::str::from_utf8(&ev.kv.value)?.parse()?;
            ensure!(v == last_value[w] + 1, "writer {w}: {v} after {}", last_value[w]);
            last_value[w] = v;
            seen += 1;
        }
    }
    Ok(())
}
