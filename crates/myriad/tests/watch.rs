//! Watches through the real `kubectl` against a real `myriad server`: `get -w`, resuming
//! from a resourceVersion, streaming lists, and 410 after compaction.

use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use myriad_testkit::myriad::MyriadServer;
use serde_json::Value;

fn bin() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_BIN_EXE_myriad"))
}

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

/// Reads watch event lines from `kubectl get --raw` until `done` says stop or 10 s pass.
fn raw_events(server: &MyriadServer, path: &str, mut done: impl FnMut(&[Value]) -> bool) -> Result<Vec<Value>> {
    let mut child = server.kubectl_spawn(&["get", "--raw", path])?;
    let stdout = child.stdout.take().context("no stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let mut events = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done(&events) {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => events.push(serde_json::from_str(&line).with_context(|| format!("not JSON: {line}"))?),
            Err(_) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    Ok(events)
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap_or("?")).collect()
}

#[test]
fn watches_resume_stream_and_expire() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start_with(bin(), dir.path(), &["--compaction-interval-secs", "1"])?;
    run(&server, &["get", "ns", "default"])?;
    create_cm(&server, dir.path(), "default", "a")?;
    let rv_a = run(
        &server,
        &["get", "cm", "a", "-o", "jsonpath={.metadata.resourceVersion}"],
    )?;

    // kubectl get -w sees the initial object, then a change, then the deletion.
    let mut watcher = server.kubectl_spawn(&["get", "cm", "-w", "-o", "name"])?;
    std::thread::sleep(Duration::from_millis(700));
    run(&server, &["label", "cm", "a", "x=1"])?;
    run(&server, &["delete", "cm", "a"])?;
    std::thread::sleep(Duration::from_millis(700));
    let _ = watcher.kill();
    let output = watcher.wait_with_output()?;
    let seen = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| *l == "configmap/a")
        .count();
    ensure!(
        seen == 3,
        "kubectl get -w printed {seen} lines for configmap/a: {}",
        String::from_utf8_lossy(&output.stdout)
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

    // After two compaction intervals, a watch from the first revision has expired: HTTP
    // 200 with an in-stream ERROR carrying a 410 Expired Status.
    std::thread::sleep(Duration::from_millis(2500));
    let events = raw_events(
        &server,
        &format!("/api/v1/configmaps?watch=1&resourceVersion={rv_a}"),
        |events| !events.is_empty(),
    )?;
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
    let events = std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            raw_events(
                &server,
                &format!("/api/v1/configmaps?watch=1&resourceVersion={rv}"),
                |e| !e.is_empty(),
            )
        });
        std::thread::sleep(Duration::from_millis(500));
        let _ = run(&server, &["delete", "cm", "b"]);
        reader.join().map_err(|_| anyhow::anyhow!("reader panicked"))?
    })?;
    ensure!(
        types(&events) == ["DELETED"] && events[0]["object"]["metadata"]["name"] == "b",
        "{events:?}"
    );
    Ok(())
}

#[test]
fn label_selected_watches_see_objects_enter_and_leave() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start(bin(), dir.path())?;
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

    let events = std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            raw_events(
                &server,
                "/api/v1/namespaces/default/configmaps?watch=1&labelSelector=tier%3Dt2",
                |e| e.len() >= 4,
            )
        });
        std::thread::sleep(Duration::from_millis(700));
        let _ = run(&server, &["label", "cm", "c1", "tier=t2"]);
        let _ = run(&server, &["label", "cm", "c1", "tier=t9", "--overwrite"]);
        let _ = run(&server, &["label", "cm", "c2", "other=x"]);
        reader.join().map_err(|_| anyhow::anyhow!("reader panicked"))?
    })?;
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
