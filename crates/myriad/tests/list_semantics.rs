//! LIST's resourceVersion rules over raw HTTP, as upstream answers them: option
//! validation (422 `ListOptions.meta.k8s.io`), exact reads at a past revision, too-large
//! resourceVersions (504 with the `ResourceVersionTooLarge` cause client-go looks for),
//! and lists whose revision was compacted (410, with a token that continues at the
//! latest state).

use anyhow::{Context, Result, ensure};
use myriad_testkit::myriad::MyriadServer;
use serde_json::Value;

const JSON: &str = "application/json";
const CMS: &str = "/api/v1/namespaces/default/configmaps";

fn get(server: &MyriadServer, path: &str) -> Result<(u16, Value)> {
    let (code, body) = server.curl("GET", path, JSON, b"", true)?;
    Ok((code, serde_json::from_str(&body).with_context(|| body.clone())?))
}

fn create(server: &MyriadServer, name: &str) -> Result<String> {
    let body = format!(r#"{{"metadata":{{"name":"{name}"}}}}"#);
    let (code, body) = server.curl("POST", CMS, JSON, body.as_bytes(), true)?;
    ensure!(code == 201, "{code} {body}");
    let created: Value = serde_json::from_str(&body)?;
    Ok(created["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or("")
        .to_string())
}

fn names(list: &Value) -> Vec<&str> {
    list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| item["metadata"]["name"].as_str())
        .collect()
}

#[test]
fn list_resource_versions_follow_upstream() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start_with(
        myriad_testkit::myriad_bin!(),
        dir.path(),
        &["--compaction-interval-secs", "1"],
    )?;
    let rv_a = create(&server, "a")?;
    create(&server, "b")?;
    create(&server, "c")?;

    // Option validation comes first.
    let (code, status) = get(&server, &format!("{CMS}?resourceVersionMatch=NotOlderThan"))?;
    ensure!(code == 422, "{status}");
    ensure!(
        status["message"]
            == "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided",
        "{status}"
    );
    let (code, status) = get(&server, &format!("{CMS}?resourceVersion=3&continue=abc"))?;
    ensure!(
        code == 400 && status["message"] == "specifying resource version is not allowed when using continue",
        "{status}"
    );
    let (code, status) = get(&server, &format!("{CMS}?limit=1&continue=bm90LWpzb24"))?;
    ensure!(
        code == 400
            && status["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("invalid continue token: continue key is not valid")),
        "{status}"
    );

    // Exact reads, explicit and legacy (resourceVersion with a limit): the state at N.
    for query in [
        format!("resourceVersion={rv_a}&resourceVersionMatch=Exact"),
        format!("resourceVersion={rv_a}&limit=10"),
    ] {
        let (code, list) = get(&server, &format!("{CMS}?{query}"))?;
        ensure!(code == 200 && names(&list) == ["a"], "{query}: {list}");
        ensure!(list["metadata"]["resourceVersion"] == rv_a.as_str(), "{list}");
    }
    // NotOlderThan: the latest state.
    let (_, list) = get(
        &server,
        &format!("{CMS}?resourceVersion={rv_a}&resourceVersionMatch=NotOlderThan"),
    )?;
    ensure!(names(&list) == ["a", "b", "c"], "{list}");

    // `limit` counts the objects returned, not the keys read: through a selector that
    // skips the first objects, a one-item page still holds one item.
    for name in ["x1", "x2"] {
        let body = format!(r#"{{"metadata":{{"name":"{name}","labels":{{"pick":"yes"}}}}}}"#);
        let (code, body) = server.curl("POST", CMS, JSON, body.as_bytes(), true)?;
        ensure!(code == 201, "{code} {body}");
    }
    let (_, page) = get(&server, &format!("{CMS}?limit=1&labelSelector=pick%3Dyes"))?;
    ensure!(names(&page) == ["x1"], "{page}");
    let token = page["metadata"]["continue"]
        .as_str()
        .context("no continue token")?
        .to_string();
    let (_, page) = get(
        &server,
        &format!("{CMS}?limit=1&labelSelector=pick%3Dyes&continue={token}"),
    )?;
    ensure!(names(&page) == ["x2"], "{page}");

    // A resourceVersion the store has not reached.
    let (code, status) = get(&server, &format!("{CMS}?resourceVersion=999999"))?;
    ensure!(
        code == 504
            && status["reason"] == "Timeout"
            && status["details"]["causes"][0]["reason"] == "ResourceVersionTooLarge",
        "{status}"
    );
    ensure!(
        status["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Timeout: Too large resource version: 999999, current: ")),
        "{status}"
    );

    // A paged list across a compaction: the next page is 410 with a token that
    // continues at the latest state.
    let (_, first) = get(&server, &format!("{CMS}?limit=1"))?;
    let token = first["metadata"]["continue"]
        .as_str()
        .context("no continue token")?
        .to_string();
    ensure!(
        !token.contains('=') && !token.contains('+') && !token.contains('/'),
        "{token}"
    );
    create(&server, "d")?;
    // Compaction runs every second here; wait until it has passed the token's revision.
    let mut expired = (0, Value::Null);
    myriad_testkit::eventually("compaction passes the continue token", || {
        expired = get(&server, &format!("{CMS}?limit=10&continue={token}"))?;
        Ok(expired.0 == 410)
    })?;
    let (code, status) = expired;
    ensure!(code == 410 && status["reason"] == "Expired", "{status}");
    let fresh = status["metadata"]["continue"].as_str().context("no token in the 410")?;
    let (code, rest) = get(&server, &format!("{CMS}?limit=10&continue={fresh}"))?;
    ensure!(code == 200 && names(&rest) == ["b", "c", "d", "x1", "x2"], "{rest}");
    let (code, status) = get(
        &server,
        &format!("{CMS}?resourceVersion={rv_a}&resourceVersionMatch=Exact"),
    )?;
    ensure!(
        code == 410 && status["message"] == "The resourceVersion for the provided list is too old.",
        "{status}"
    );
    Ok(())
}
