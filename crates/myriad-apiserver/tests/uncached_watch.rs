//! A watch served straight from the store (a resource configured uncached) ends as soon
//! as its client goes away, even when nothing changes on the resource to tell it so.

use std::time::{Duration, Instant};

use anyhow::{Result, ensure};
use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::Api;
use kube::api::WatchParams;
use myriad_testkit::inprocess::TestServer;

const GAUGE: &str = "myriad_uncached_watchers{resource=\"configmaps\"}";

async fn watchers(server: &TestServer) -> Result<Option<u64>> {
    let metrics = server.get_text("/metrics").await?;
    Ok(metrics
        .lines()
        .find(|l| l.starts_with(GAUGE))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_uncached_watch_ends_with_its_client_on_a_quiet_resource() -> Result<()> {
    let server = TestServer::start_with(|config| {
        config.cache.sizes.insert("configmaps".into(), 0);
    })
    .await?;
    let configmaps: Api<ConfigMap> = Api::namespaced(server.client(), "default");
    let mut events = configmaps.watch(&WatchParams::default(), "0").await?.boxed();
    // The watch is open once the stream has started (it has no objects to send).
    ensure!(watchers(&server).await? == Some(1), "the watch is not counted");
    tokio::select! {
        _ = events.next() => anyhow::bail!("nothing should arrive on a quiet resource"),
        () = tokio::time::sleep(Duration::from_millis(200)) => {}
    }
    drop(events);
    let deadline = Instant::now() + Duration::from_secs(10);
    while watchers(&server).await? != Some(0) {
        ensure!(Instant::now() < deadline, "the watch outlived its client");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.shutdown().await;
    Ok(())
}
