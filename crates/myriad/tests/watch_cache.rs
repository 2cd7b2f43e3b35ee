//! The watch cache over raw HTTP against a real `myriad server`: LIST resourceVersion
//! modes and pages served from the cache, the `spec.nodeName` and label indexes giving
//! what a full scan gives, watches from the window, bookmarks on idle watches, the end
//! of a watch at `timeoutSeconds`, a watcher that stops reading being cut off
//! without holding up one that keeps reading, and writes that start from the cache's
//! copy of an object.

use std::io::{BufRead, BufReader, Read};
use std::process::Child;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use myriad_testkit::myriad::MyriadServer;
use serde_json::{Value, json};

const JSON: &str = "application/json";
const MERGE: &str = "application/merge-patch+json";
const PODS: &str = "/api/v1/namespaces/default/pods";
const CMS: &str = "/api/v1/namespaces/default/configmaps";

fn call(server: &MyriadServer, method: &str, path: &str, content_type: &str, body: &Value) -> Result<(u16, Value)> {
    let body = if body.is_null() {
        Vec::new()
    } else {
        body.to_string().into_bytes()
    };
    let (code, text) = server.curl(method, path, content_type, &body, true)?;
    let value = serde_json::from_str(&text).with_context(|| format!("{method} {path}: {code} {text:.300}"))?;
    Ok((code, value))
}

fn get(server: &MyriadServer, path: &str) -> Result<Value> {
    let (code, value) = call(server, "GET", path, JSON, &Value::Null)?;
    ensure!(code == 200, "GET {path}: {code} {value}");
    Ok(value)
}

fn rv(object: &Value) -> Result<i64> {
    object["metadata"]["resourceVersion"]
        .as_str()
        .and_then(|rv| rv.parse().ok())
        .with_context(|| format!("no resourceVersion in {object}"))
}

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| item["metadata"]["name"].as_str().map(str::to_string))
        .collect()
}

fn create_pod(server: &MyriadServer, name: &str, node: &str, app: &str) -> Result<i64> {
    let pod = json!({"metadata": {"name": name, "labels": {"app": app}},
        "spec": {"nodeName": node, "containers": [{"name": "c", "image": "nginx"}]}});
    let (code, created) = call(server, "POST", PODS, JSON, &pod)?;
    ensure!(code == 201, "{code} {created}");
    rv(&created)
}

fn patch(server: &MyriadServer, path: &str, patch: &Value) -> Result<i64> {
    let (code, patched) = call(server, "PATCH", path, MERGE, patch)?;
    ensure!(code == 200, "{code} {patched}");
    rv(&patched)
}

/// A watch read line by line on a thread (curl, so nothing in between buffers it).
struct Stream {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Stream {
    fn open(server: &MyriadServer, path: &str) -> Result<Stream> {
        let mut child = server.curl_spawn(path)?;
        let stdout = child.stdout.take().context("no stdout")?;
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Ok(Stream { child, lines })
    }

    /// The next event, or `None` once the stream has ended or `wait` passed.
    fn next(&self, wait: Duration) -> Result<Option<Value>> {
        match self.lines.recv_timeout(wait) {
            Ok(line) => Ok(Some(
                serde_json::from_str(&line).with_context(|| format!("not JSON: {line:.300}"))?,
            )),
            Err(_) => Ok(None),
        }
    }

    /// Events until `done` holds (or 10 s pass).
    fn until(&self, mut done: impl FnMut(&[Value]) -> bool) -> Result<Vec<Value>> {
        let mut events = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done(&events) {
            match self.next(deadline.saturating_duration_since(Instant::now()))? {
                Some(event) => events.push(event),
                None => break,
            }
        }
        Ok(events)
    }

    /// Whether the server ended the stream within `wait`.
    fn ended_within(&mut self, wait: Duration) -> Result<bool> {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            if self.child.try_wait()?.is_some() {
                return Ok(true);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(false)
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap_or("?")).collect()
}

#[test]
fn cached_lists_follow_resource_version_rules_and_indexes() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;
    let mut written = 0;
    for i in 0..12 {
        let node = format!("n{}", i % 3);
        let app = if i % 2 == 0 { "web" } else { "db" };
        written = create_pod(&server, &format!("p{i:02}"), &node, app)?;
        // Read-your-writes: a consistent list (no resourceVersion) is at least as new
        // as the write it follows, though it is served from the cache.
        let list = get(&server, PODS)?;
        ensure!(rv(&list)? >= written, "list {} older than write {written}", rv(&list)?);
        ensure!(names(&list).len() == i + 1, "{:?}", names(&list));
    }
    let metrics = server.curl("GET", "/metrics", JSON, b"", true)?.1;
    ensure!(
        metrics.contains("apiserver_cache_list_total{resource=\"pods\",index=\"false\"}"),
        "lists not served from the cache:\n{metrics}"
    );

    // Indexed selectors give what filtering everything gives.
    let all = get(&server, PODS)?;
    let expect = |keep: &dyn Fn(&Value) -> bool| -> Vec<String> {
        let items = all["items"].as_array().cloned().unwrap_or_default();
        items
            .iter()
            .filter(|p| keep(p))
            .filter_map(|p| p["metadata"]["name"].as_str().map(str::to_string))
            .collect()
    };
    for node in ["n0", "n1", "n2", "n9"] {
        let by_index = get(&server, &format!("{PODS}?fieldSelector=spec.nodeName%3D{node}"))?;
        ensure!(names(&by_index) == expect(&|p| p["spec"]["nodeName"] == node), "{node}");
        let both = get(
            &server,
            &format!("{PODS}?fieldSelector=spec.nodeName%3D{node}&labelSelector=app%3Dweb"),
        )?;
        ensure!(
            names(&both) == expect(&|p| p["spec"]["nodeName"] == node && p["metadata"]["labels"]["app"] == "web"),
            "{node} web"
        );
    }
    let web = get(&server, &format!("{PODS}?labelSelector=app%3Dweb"))?;
    ensure!(names(&web) == expect(&|p| p["metadata"]["labels"]["app"] == "web"));
    let cluster_wide = get(&server, "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1")?;
    ensure!(names(&cluster_wide).len() == 4, "{:?}", names(&cluster_wide));
    let metrics = server.curl("GET", "/metrics", JSON, b"", true)?.1;
    ensure!(
        metrics.contains("apiserver_cache_list_total{resource=\"pods\",index=\"true\"}"),
        "indexed lists not counted:\n{metrics}"
    );

    // resourceVersion=0: any cached state, at least as new as what was read before.
    let any = get(&server, &format!("{PODS}?resourceVersion=0"))?;
    ensure!(names(&any).len() == 12 && rv(&any)? >= written);

    // Pages come from one snapshot: the same resourceVersion on every page, writes
    // between pages invisible, `limit` counting returned objects through selectors.
    let first = get(&server, &format!("{PODS}?limit=5"))?;
    let snapshot_rv = rv(&first)?;
    let changed = patch(
        &server,
        &format!("{PODS}/p11"),
        &json!({"metadata": {"labels": {"late": "yes"}}}),
    )?;
    let mut seen = names(&first);
    let mut page = first;
    while let Some(token) = page["metadata"]["continue"].as_str().map(str::to_string) {
        page = get(&server, &format!("{PODS}?limit=5&continue={token}"))?;
        ensure!(rv(&page)? == snapshot_rv, "page at {} not {snapshot_rv}", rv(&page)?);
        let late = page["items"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|p| rv(p).ok() == Some(changed));
        ensure!(!late, "a write after the first page showed up: {page}");
        seen.extend(names(&page));
    }
    ensure!(seen == names(&all), "{seen:?}");
    let mut selected = Vec::new();
    let mut token = String::new();
    loop {
        let page = get(
            &server,
            &format!("{PODS}?limit=1&labelSelector=app%3Ddb&continue={token}"),
        )?;
        ensure!(page["items"].as_array().map_or(0, Vec::len) <= 1);
        selected.extend(names(&page));
        match page["metadata"]["continue"].as_str() {
            Some(next) => token = next.to_string(),
            None => break,
        }
    }
    ensure!(
        selected == expect(&|p| p["metadata"]["labels"]["app"] == "db"),
        "{selected:?}"
    );

    // Exact reads of an older revision show the state then (served by the store).
    let exact = get(
        &server,
        &format!("{PODS}?resourceVersion={snapshot_rv}&resourceVersionMatch=Exact"),
    )?;
    ensure!(rv(&exact)? == snapshot_rv);
    let p11 = exact["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["metadata"]["name"] == "p11")
        .context("p11 missing")?;
    ensure!(p11["metadata"]["labels"].get("late").is_none(), "{p11}");

    // Not older than a revision the store has not reached: 504 with the cause and
    // Retry-After clients look for, after the cache waited for it.
    let (code, status) = call(
        &server,
        "GET",
        &format!(
            "{PODS}?resourceVersion={}&resourceVersionMatch=NotOlderThan",
            changed + 1000
        ),
        JSON,
        &Value::Null,
    )?;
    ensure!(code == 504, "{status}");
    ensure!(
        status["details"]["causes"][0]["reason"] == "ResourceVersionTooLarge",
        "{status}"
    );
    ensure!(status["details"]["retryAfterSeconds"] == 1, "{status}");
    Ok(())
}

#[test]
fn cached_watches_replay_bookmark_and_end_on_time() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start_with(
        myriad_testkit::myriad_bin!(),
        dir.path(),
        &["--watch-bookmark-interval-secs", "1"],
    )?;
    let before = rv(&get(&server, PODS)?)?;
    create_pod(&server, "a", "n1", "web")?;
    let start = create_pod(&server, "b", "n2", "web")?;

    // A per-node watch from a revision: only that node's changes, replayed from the
    // window, then live; a delete carries the deletion's revision.
    let on_n1 = Stream::open(
        &server,
        &format!("{PODS}?watch=1&fieldSelector=spec.nodeName%3Dn1&resourceVersion={before}"),
    )?;
    let replayed = on_n1.until(|e| !e.is_empty())?;
    ensure!(
        types(&replayed) == ["ADDED"] && replayed[0]["object"]["metadata"]["name"] == "a",
        "{replayed:?}"
    );
    patch(
        &server,
        &format!("{PODS}/b/status"),
        &json!({"status": {"phase": "Running"}}),
    )?;
    patch(
        &server,
        &format!("{PODS}/a/status"),
        &json!({"status": {"phase": "Running"}}),
    )?;
    let (code, deleted) = call(
        &server,
        "DELETE",
        &format!("{PODS}/a"),
        JSON,
        &json!({"gracePeriodSeconds": 0}),
    )?;
    ensure!(code == 200, "{deleted}");
    let live = on_n1.until(|e| e.len() >= 2)?;
    ensure!(types(&live) == ["MODIFIED", "DELETED"], "{live:?}");
    ensure!(live.iter().all(|e| e["object"]["metadata"]["name"] == "a"), "{live:?}");
    let after_delete = get(&server, PODS)?;
    ensure!(rv(&live[1]["object"])? > rv(&live[0]["object"])?, "{live:?}");
    ensure!(rv(&live[1]["object"])? <= rv(&after_delete)?);

    // An idle watch still gets bookmarks carrying the latest revision.
    let idle = Stream::open(
        &server,
        &format!("{CMS}?watch=1&allowWatchBookmarks=true&resourceVersion={start}"),
    )?;
    let events = idle.until(|e| !e.is_empty())?;
    ensure!(types(&events) == ["BOOKMARK"], "{events:?}");
    let bookmark = &events[0]["object"];
    ensure!(
        bookmark["kind"] == "ConfigMap" && bookmark["apiVersion"] == "v1",
        "{bookmark}"
    );
    ensure!(rv(bookmark)? >= start, "{bookmark}");

    // timeoutSeconds ends the stream cleanly (no ERROR), with a bookmark before.
    let mut timed = Stream::open(
        &server,
        &format!("{CMS}?watch=1&allowWatchBookmarks=true&timeoutSeconds=3"),
    )?;
    ensure!(
        timed.ended_within(Duration::from_secs(8))?,
        "watch outlived timeoutSeconds"
    );
    let mut rest = Vec::new();
    while let Some(event) = timed.next(Duration::from_millis(200))? {
        rest.push(event);
    }
    ensure!(!rest.iter().any(|e| e["type"] == "ERROR"), "{rest:?}");
    ensure!(rest.iter().any(|e| e["type"] == "BOOKMARK"), "{rest:?}");

    // A streaming list from the cache: the state, then the end bookmark at its revision.
    let streaming = Stream::open(
        &server,
        &format!("{PODS}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true"),
    )?;
    let events = streaming.until(|e| e.iter().any(|e| e["type"] == "BOOKMARK"))?;
    ensure!(types(&events) == ["ADDED", "BOOKMARK"], "{events:?}");
    ensure!(events[1]["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"] == "true");
    ensure!(rv(&events[1]["object"])? >= rv(&after_delete)?);
    Ok(())
}

#[test]
fn a_watcher_that_stops_reading_is_cut_off_without_delaying_others() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start_with(
        myriad_testkit::myriad_bin!(),
        dir.path(),
        &["--watch-queue-length", "16"],
    )?;
    let (code, created) = call(&server, "POST", CMS, JSON, &json!({"metadata": {"name": "big"}}))?;
    ensure!(code == 201, "{created}");
    let from = rv(&created)?;
    let watch = format!("{CMS}?watch=1&resourceVersion={from}");
    // The slow client never reads its pipe: once the pipe and socket buffers are full,
    // the server cannot send it anything more.
    let mut slow = server.curl_spawn(&watch)?;
    let fast = Stream::open(&server, &watch)?;

    // 100 changes of ~200 KiB: far more than the buffers between server and curl.
    let filler = "x".repeat(200 * 1024);
    let mut last = 0;
    let mut fast_events = Vec::new();
    for i in 0..100 {
        last = patch(
            &server,
            &format!("{CMS}/big"),
            &json!({"data": {"v": format!("{i}{filler}")}}),
        )?;
        // The fast watcher keeps up, change by change.
        while let Some(event) = fast.next(Duration::from_millis(0))? {
            fast_events.push(event);
        }
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while fast_events.last().map(|e| rv(&e["object"]).unwrap_or(0)) != Some(last) && Instant::now() < deadline {
        if let Some(event) = fast.next(Duration::from_millis(200))? {
            fast_events.push(event);
        }
    }
    ensure!(
        fast_events.len() == 100,
        "fast watcher got {} of 100 changes",
        fast_events.len()
    );
    ensure!(fast_events.iter().all(|e| e["type"] == "MODIFIED"));

    let metrics = server.curl("GET", "/metrics", JSON, b"", true)?.1;
    let terminated = metrics
        .lines()
        .find(|l| l.starts_with("apiserver_terminated_watchers_total{resource=\"configmaps\"}"))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0);
    ensure!(terminated >= 1.0, "no watcher was cut off:\n{metrics}");

    // The slow client, reading at last, finds what was buffered, then a 410 ERROR,
    // then the end of the stream.
    let mut text = String::new();
    slow.stdout.take().context("no stdout")?.read_to_string(&mut text)?;
    let _ = slow.wait();
    let last_line = text.lines().last().context("slow watcher got nothing")?;
    let event: Value = serde_json::from_str(last_line).with_context(|| format!("{last_line:.300}"))?;
    if event["type"] != "ERROR" || event["object"]["code"] != 410 {
        bail!("slow watcher did not end with a 410 ERROR: {last_line:.300}");
    }
    ensure!(text.lines().count() < 101, "the slow watcher was not cut off");
    Ok(())
}

/// Writes start from the cache's copy of the object; a stale copy (the cache applies a
/// change just after its write is answered) must never turn into a wrong 409, and a
/// real conflict must still be one.
#[test]
fn writes_from_the_cache_retry_stale_copies_and_keep_real_conflicts() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;
    let cm = json!({"metadata": {"name": "shared"}, "data": {}});
    let (code, created) = call(&server, "POST", CMS, JSON, &cm)?;
    ensure!(code == 201, "{code} {created}");
    let path = format!("{CMS}/shared");

    // Back-to-back PUTs, each with the resourceVersion the previous one returned.
    let mut object = created;
    for i in 0..30 {
        object["data"]["round"] = json!(i.to_string());
        let (code, written) = call(&server, "PUT", &path, JSON, &object)?;
        ensure!(code == 200, "PUT {i} after a write: {code} {written}");
        object = written;
    }

    // Concurrent merge patches that name no resourceVersion all apply.
    concurrently(6, 8, |w, i| {
        let change = json!({"data": {format!("w{w}-{i}"): "x"}});
        let (code, body) = call(&server, "PATCH", &path, MERGE, &change)?;
        ensure!(code == 200, "concurrent patch w{w}-{i}: {code} {body}");
        Ok(())
    })?;
    let now = get(&server, &path)?;
    let data = now["data"].as_object().context("no data")?;
    ensure!(data.len() == 1 + 6 * 8, "lost patches: {now}");

    // Concurrent PUTs that name no resourceVersion all apply too (the last one wins).
    concurrently(4, 5, |w, i| {
        let replacement = json!({"metadata": {"name": "shared"}, "data": {"by": format!("w{w}-{i}")}});
        let (code, body) = call(&server, "PUT", &path, JSON, &replacement)?;
        ensure!(code == 200, "concurrent PUT w{w}-{i}: {code} {body}");
        Ok(())
    })?;
    let object = get(&server, &path)?;
    ensure!(object["data"].as_object().map(|d| d.len()) == Some(1), "{object}");

    // Real conflicts: a stale resourceVersion in a PUT and in a patch.
    let stale = rv(&object)?;
    patch(&server, &path, &json!({"data": {"moved": "on"}}))?;
    let mut old = object.clone();
    old["data"]["late"] = json!("yes");
    let (code, body) = call(&server, "PUT", &path, JSON, &old)?;
    ensure!(code == 409 && body["reason"] == "Conflict", "stale PUT: {code} {body}");
    let pinned = json!({"metadata": {"resourceVersion": stale.to_string()}, "data": {"late": "yes"}});
    let (code, body) = call(&server, "PATCH", &path, MERGE, &pinned)?;
    ensure!(
        code == 409 && body["reason"] == "Conflict",
        "stale patch: {code} {body}"
    );
    ensure!(
        get(&server, &path)?["data"].get("late").is_none(),
        "a conflicting write was stored"
    );

    // A write to an object that is gone is a 404, whatever the cache still holds.
    let (code, body) = call(&server, "DELETE", &path, JSON, &Value::Null)?;
    ensure!(code == 200, "{code} {body}");
    let (code, body) = call(&server, "PATCH", &path, MERGE, &json!({"data": {"after": "delete"}}))?;
    ensure!(
        code == 404 && body["reason"] == "NotFound",
        "patch after delete: {code} {body}"
    );
    server.stop()?;
    Ok(())
}

/// Runs `write(writer, i)` for `rounds` values of `i` on each of `writers` threads at
/// once; the first failure is the result.
fn concurrently(writers: usize, rounds: usize, write: impl Fn(usize, usize) -> Result<()> + Sync) -> Result<()> {
    std::thread::scope(|scope| {
        let write = &write;
        let handles: Vec<_> = (0..writers)
            .map(|w| scope.spawn(move || (0..rounds).try_for_each(|i| write(w, i))))
            .collect();
        handles
            .into_iter()
            .try_for_each(|handle| handle.join().map_err(|_| anyhow::anyhow!("writer panicked"))?)
    })
}
