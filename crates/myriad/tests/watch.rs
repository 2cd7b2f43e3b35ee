//! Watches through the real `kubectl` against a real `myriad server`: `get -w`, resuming
//! from a resourceVersion, streaming lists, and 410 after compaction.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use myriad_testkit::lines::Lines;
use myriad_testkit::myriad::MyriadServer;
use serde_json::Value;

fn run(server: &MyriadServer, args: &[&str]) -> Result<String> {
    let output = server.kubectl(args)?;
    ensure!(
        output.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn create_cm(server: &MyriadServer, dir: &std::path::Path, ns: &str, name: &str) -> Result<()> {
    let path = dir.join(format!("{ns}-{name}.json"));
    let body = format!(
        "{{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{{\"name\":\"{name}\",\"namespace\":\"{ns}\"}},\"data\":{{\"k\":\"v\"}}}}"
    );
    std::fs::write(&path, body)?;
    run(
        server,
        &["create", "--validate=false", "-f", path.to_str().unwrap_or_default()],
    )?;
    Ok(())
}

/// A raw watch through `kubectl get --raw`: its events as they arrive.
struct RawWatch {
    child: std::process::Child,
    lines: Lines,
}

impl RawWatch {
    fn start(server: &MyriadServer, path: &str) -> Result<RawWatch> {
        let mut child = server.kubectl_spawn(&["get", "--raw", path])?;
        let lines = Lines::new(child.stdout.take().context("no stdout")?);
        Ok(RawWatch { child, lines })
    }

    /// Events until `done` says stop or 10 s pass.
    fn until(&self, done: impl Fn(&[Value]) -> bool) -> Result<Vec<Value>> {
        let lines = self.lines.until(Duration::from_secs(10), |lines| {
            let events: Vec<Value> = lines.iter().filter_map(|l| serde_json::from_str(l).ok()).collect();
            done(&events)
        });
        lines
            .iter()
            .map(|line| serde_json::from_str(line).with_context(|| format!("not JSON: {line}")))
            .collect()
    }
}

impl Drop for RawWatch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads watch event lines from `kubectl get --raw` until `done` says stop or 10 s pass.
fn raw_events(server: &MyriadServer, path: &str, done: impl Fn(&[Value]) -> bool) -> Result<Vec<Value>> {
    RawWatch::start(server, path)?.until(done)
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap_or("?")).collect()
}

#[test]
fn watches_resume_stream_and_expire() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start_with(
        myriad_testkit::myriad_bin!(),
        dir.path(),
        &["--compaction-interval-secs", "1"],
    )?;
    run(&server, &["get", "ns", "default"])?;
    create_cm(&server, dir.path(), "default", "a")?;
    let rv_a = run(
        &server,
        &["get", "cm", "a", "-o", "jsonpath={.metadata.resourceVersion}"],
    )?;

    // kubectl get -w sees the initial object, then a change, then the deletion.
    let mut watcher = server.kubectl_spawn(&["get", "cm", "-w", "-o", "name"])?;
    let printed = Lines::new(watcher.stdout.take().context("no stdout")?);
    let initial = printed.next_within(Duration::from_secs(10));
    ensure!(initial.as_deref() == Some("configmap/a"), "{initial:?}");
    run(&server, &["label", "cm", "a", "x=1"])?;
    run(&server, &["delete", "cm", "a"])?;
    let later = printed.until(Duration::from_secs(10), |lines| lines.len() >= 2);
    let _ = watcher.kill();
    let _ = watcher.wait();
    ensure!(
        later == ["configmap/a", "configmap/a"],
        "kubectl get -w printed {later:?} after the first line"
    );

    // Streaming list: initial ADDED events, then the initial-events-end bookmark.
    create_cm(&server, dir.path(), "default", "b")?;
    create_cm(&server, dir.path(), "default", "c")?;
    let events = raw_events(
        &server,
        "/api/v1/namespaces/default/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true",
        |events| events.iter().any(|e| e["type"] == "BOOKMARK"),
    )?;
    ensure!(types(&events) == ["ADDED", "ADDED", "BOOKMARK"], "{:?}", types(&events));
    let end = &events[2]["object"];
    ensure!(
        end["metadata"]["annotations"]["k8s.io/initial-events-end"] == "true",
        "{end}"
    );
    ensure!(
        end["kind"] == "ConfigMap" && end["apiVersion"] == "v1",
        "bookmark must carry kind and apiVersion: {end}"
    );

    // Once compaction has passed it (every second here), a watch from the first
    // revision has expired: HTTP 200 with an in-stream ERROR carrying a 410 Expired
    // Status.
    let mut events = Vec::new();
    myriad_testkit::eventually("compaction passes the first revision", || {
        events = raw_events(
            &server,
            &format!("/api/v1/configmaps?watch=1&resourceVersion={rv_a}"),
            |events| !events.is_empty(),
        )?;
        Ok(types(&events) == ["ERROR"])
    })?;
    ensure!(types(&events) == ["ERROR"], "{events:?}");
    let status = &events[0]["object"];
    ensure!(status["code"] == 410 && status["reason"] == "Expired", "{status}");
    ensure!(
        status["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("too old resource version")),
        "{status}"
    );

    // A recent resourceVersion resumes: only later changes arrive.
    let list: Value = serde_json::from_str(&run(&server, &["get", "--raw", "/api/v1/configmaps"])?)?;
    let rv = list["metadata"]["resourceVersion"]
        .as_str()
        .context("list without resourceVersion")?
        .to_string();
    // The watch starts after the list's revision whenever it registers: the deletion
    // reaches it from the history window if it comes first.
    let watch = RawWatch::start(&server, &format!("/api/v1/configmaps?watch=1&resourceVersion={rv}"))?;
    run(&server, &["delete", "cm", "b"])?;
    let events = watch.until(|e| !e.is_empty())?;
    ensure!(
        types(&events) == ["DELETED"] && events[0]["object"]["metadata"]["name"] == "b",
        "{events:?}"
    );
    Ok(())
}

#[test]
fn label_selected_watches_see_objects_enter_and_leave() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;
    create_cm(&server, dir.path(), "default", "c1")?;
    create_cm(&server, dir.path(), "default", "c2")?;
    run(&server, &["label", "cm", "c2", "tier=t2"])?;
    let listed = run(&server, &["get", "cm", "-l", "tier=t2", "-o", "name"])?;
    ensure!(listed.trim() == "configmap/c2", "{listed}");
    let listed = run(&server, &["get", "cm", "-l", "tier notin (t2)", "-o", "name"])?;
    ensure!(listed.trim() == "configmap/c1", "{listed}");
    let bad = server.kubectl(&["get", "cm", "-l", "bad key=x"])?;
    ensure!(
        String::from_utf8_lossy(&bad.stderr).contains("unable to parse requirement"),
        "{bad:?}"
    );

    // The changes start once the watch has sent its initial state.
    let watch = RawWatch::start(
        &server,
        "/api/v1/namespaces/default/configmaps?watch=1&labelSelector=tier%3Dt2",
    )?;
    let mut events = watch.until(|e| !e.is_empty())?;
    run(&server, &["label", "cm", "c1", "tier=t2"])?;
    run(&server, &["label", "cm", "c1", "tier=t9", "--overwrite"])?;
    run(&server, &["label", "cm", "c2", "other=x"])?;
    events.extend(watch.until(|e| e.len() >= 3)?);
    let seen: Vec<(String, String)> = events
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap_or("").to_string(),
                e["object"]["metadata"]["name"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let expected = [("ADDED", "c2"), ("ADDED", "c1"), ("DELETED", "c1"), ("MODIFIED", "c2")];
    ensure!(
        seen.iter()
            .map(|(t, n)| (t.as_str(), n.as_str()))
            .eq(expected.iter().copied()),
        "{seen:?}"
    );
    Ok(())
}
