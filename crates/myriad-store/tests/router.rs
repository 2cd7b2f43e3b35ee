//! The router puts each resource type's prefix on its own backend, from a TOML config:
//! here events on a real etcd, everything else on the embedded store.

mod common;

use anyhow::{Context, Result, ensure};
use myriad_store::{RangeOptions, Router, StoreConfig, WatchOptions};
use myriad_testkit::etcd::EtcdServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_resource_prefixes_to_their_backends() -> Result<()> {
    let etcd = EtcdServer::start().await?;
    let dir = tempfile::tempdir()?;
    let config = format!(
        r#"
        default = "main"

        [backends.main]
        kind = "embedded"
        data_dir = "store"

        [backends.events]
        kind = "etcd"
        endpoints = ["{}"]

        [[routes]]
        prefix = "/registry/events/"
        backend = "events"

        [[routes]]
        prefix = "/registry/events/kube-system/"
        backend = "main"
        "#,
        etcd.endpoint()
    );
    let path = dir.path().join("store.toml");
    std::fs::write(&path, config)?;
    let router = Router::open(&StoreConfig::from_file(&path)?).await?;
    ensure!(
        dir.path().join("store").join("myriad.redb").exists(),
        "relative data_dir not resolved"
    );

    let pods = router.store_for(b"/registry/pods/");
    let events = router.store_for(b"/registry/events/");
    ensure!(pods.backend() == "embedded" && events.backend() == "etcd");
    ensure!(
        router.store_for(b"/registry/events/kube-system/e1").backend() == "embedded",
        "longest prefix must win"
    );

    let mut event_watch = events.watch(WatchOptions::prefix("/registry/events/")).await?;
    pods.put(b"/registry/pods/default/p1", b"pod").await?;
    let event_rev = events.put(b"/registry/events/default/e1", b"event").await?;

    // Each key is on its own backend only: read the backends directly.
    let direct_etcd = common::connect_etcd(&etcd).await?;
    ensure!(direct_etcd.get(b"/registry/events/default/e1", 0).await?.kv.is_some());
    ensure!(direct_etcd.get(b"/registry/pods/default/p1", 0).await?.kv.is_none());
    ensure!(pods.get(b"/registry/events/default/e1", 0).await?.kv.is_none());
    ensure!(pods.range(b"/registry/pods/", RangeOptions::default()).await?.kvs.len() == 1);

    let batch = tokio::time::timeout(std::time::Duration::from_secs(10), event_watch.recv())
        .await?
        .context("watch ended")??;
    ensure!(batch.revision == event_rev && batch.events[0].kv.value == "event");
    ensure!(router.backends().count() == 2);
    Ok(())
}
