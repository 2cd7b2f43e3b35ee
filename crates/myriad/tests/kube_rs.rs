//! kube-rs against a real `myriad server`: typed CRUD, and a reflector that stays in sync
//! through 1,000 changes, with paged initial lists and with streaming lists.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use futures::StreamExt;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::{WatchStreamExt, reflector, watcher};
use kube::{Api, Client, Config};
use myriad_testkit::myriad::MyriadServer;

async fn client(server: &MyriadServer) -> Result<Client> {
    let kubeconfig = Kubeconfig::read_from(server.kubeconfig())?;
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await?;
    Ok(Client::try_from(config)?)
}

fn pod(name: &str) -> Result<Pod> {
    Ok(serde_json::from_value(serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "main", "image": "nginx:1.27"}]},
    }))?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_pod_crud() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;
    let pods: Api<Pod> = Api::namespaced(client(&server).await?, "default");

    let created = pods.create(&PostParams::default(), &pod("web-1")?).await?;
    let uid = created.metadata.uid.clone().context("no uid")?;
    ensure!(created.metadata.resource_version.is_some() && created.metadata.creation_timestamp.is_some());

    let mut fetched = pods.get("web-1").await?;
    ensure!(fetched.metadata.uid.as_deref() == Some(uid.as_str()));
    fetched
        .metadata
        .labels
        .get_or_insert_with(BTreeMap::new)
        .insert("tier".into(), "front".into());
    let replaced = pods.replace("web-1", &PostParams::default(), &fetched).await?;
    ensure!(replaced.metadata.resource_version != created.metadata.resource_version);

    // A stale resourceVersion is a 409 Conflict.
    let stale = pods.replace("web-1", &PostParams::default(), &fetched).await;
    match stale {
        Err(kube::Error::Api(status)) => ensure!(status.code == 409 && status.reason == "Conflict", "{status:?}"),
        other => anyhow::bail!("expected a conflict, got {other:?}"),
    }

    let patch = serde_json::json!({"metadata": {"annotations": {"note": "hi"}}});
    let patched = pods
        .patch("web-1", &PatchParams::default(), &Patch::Merge(&patch))
        .await?;
    ensure!(
        patched
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("note"))
            .map(String::as_str)
            == Some("hi")
    );

    let listed = pods.list(&ListParams::default()).await?;
    ensure!(listed.items.len() == 1 && listed.metadata.resource_version.is_some());
    let by_name = pods.list(&ListParams::default().fields("metadata.name=web-1")).await?;
    ensure!(by_name.items.len() == 1);

    pods.delete("web-1", &DeleteParams::default()).await?;
    match pods.get("web-1").await {
        Err(kube::Error::Api(status)) => ensure!(status.code == 404 && status.reason == "NotFound", "{status:?}"),
        other => anyhow::bail!("expected NotFound, got {other:?}"),
    }
    Ok(())
}

/// Runs 1,000 changes (creates, updates, deletes) while a reflector follows, then checks
/// that its cache equals the server's state, name for name and resourceVersion for
/// resourceVersion.
///
/// With `restart`, the server is stopped and started again (same port and data) in the
/// middle: the watcher reconnects and resumes from its last resourceVersion (bookmark
/// or object), or relists if the new server's window does not reach back to it.
async fn reflector_follows(config: watcher::Config, restart: bool) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let mut server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;
    let client = client(&server).await?;
    let api: Api<ConfigMap> = Api::namespaced(client, "default");
    // Some objects before the reflector starts, so the initial list has pages to read.
    for i in 0..120 {
        api.create(&PostParams::default(), &cm(&format!("pre-{i}"), "0")?)
            .await?;
    }

    let (reader, writer) = reflector::store();
    let stream = reflector(writer, watcher(api.clone(), config.page_size(50)).default_backoff()).applied_objects();
    let follower = tokio::spawn(async move {
        let mut stream = std::pin::pin!(stream);
        while let Some(event) = stream.next().await {
            if let Err(error) = event {
                eprintln!("watcher error: {error}");
            }
        }
    });
    reader.wait_until_ready().await?;

    let mut changes = 0;
    for round in 0..9 {
        if restart && round == 4 {
            let port = server.port().context("server port")?;
            ensure!(server.stop()?, "unclean stop");
            server = MyriadServer::start_on(myriad_testkit::myriad_bin!(), dir.path(), port, &[])?;
        }
        for i in 0..100 {
            let name = format!("cm-{i}");
            if round == 0 {
                api.create(&PostParams::default(), &cm(&name, "0")?).await?;
            } else if round == 8 && i % 4 == 0 {
                api.delete(&name, &DeleteParams::default()).await?;
            } else {
                let patch = serde_json::json!({"data": {"round": round.to_string()}});
                api.patch(&name, &PatchParams::default(), &Patch::Merge(&patch)).await?;
            }
            changes += 1;
        }
    }
    for i in 0..100 {
        api.delete(&format!("pre-{i}"), &DeleteParams::default()).await?;
        changes += 1;
    }
    ensure!(changes == 1000);

    let expected: BTreeMap<String, String> = api
        .list(&ListParams::default())
        .await?
        .items
        .into_iter()
        .map(|o| {
            (
                o.metadata.name.unwrap_or_default(),
                o.metadata.resource_version.unwrap_or_default(),
            )
        })
        .collect();
    ensure!(expected.len() == 20 + 75, "server holds {} objects", expected.len());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let cached: BTreeMap<String, String> = reader
            .state()
            .iter()
            .map(|o| {
                (
                    o.metadata.name.clone().unwrap_or_default(),
                    o.metadata.resource_version.clone().unwrap_or_default(),
                )
            })
            .collect();
        if cached == expected {
            break;
        }
        if tokio::time::Instant::now() > deadline {
            let missing = expected.keys().filter(|k| !cached.contains_key(*k)).count();
            let extra = cached.keys().filter(|k| !expected.contains_key(*k)).count();
            anyhow::bail!(
                "reflector out of sync after 20s: {missing} missing, {extra} extra, {} cached",
                cached.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    follower.abort();
    Ok(())
}

fn cm(name: &str, round: &str) -> Result<ConfigMap> {
    Ok(serde_json::from_value(serde_json::json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name},
        "data": {"round": round},
    }))?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflector_with_paged_lists_stays_in_sync() -> Result<()> {
    reflector_follows(watcher::Config::default(), false).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflector_with_streaming_lists_stays_in_sync() -> Result<()> {
    reflector_follows(watcher::Config::default().streaming_lists(), false).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_reflector_with_bookmarks_stays_in_sync_through_a_restart() -> Result<()> {
    reflector_follows(watcher::Config::default().streaming_lists(), true).await
}
