//! Tenant cells against a real server: a cell's storage quota refuses the write that
//! would exceed it (403 naming the quota) and nothing else; its request quota refuses
//! requests beyond the rate (429); namespaces outside the cell are not affected.

use anyhow::{Result, ensure};
use myriad_testkit::eventually;
use myriad_testkit::myriad::{Credentials, MyriadServer};
use serde_json::{Value, json};

const JSON: &str = "application/json";

fn alice() -> Credentials {
    Credentials::Token("alice-token".into())
}

fn configmap(name: &str, size: usize) -> Vec<u8> {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"v": "x".repeat(size)}})
        .to_string()
        .into_bytes()
}

/// POSTs a ConfigMap into `namespace`: (code, Status or object).
fn create(server: &MyriadServer, who: &Credentials, namespace: &str, name: &str, size: usize) -> Result<(u16, Value)> {
    let path = format!("/api/v1/namespaces/{namespace}/configmaps");
    let response = server.curl_full(who, "POST", &path, JSON, &configmap(name, size), &[])?;
    Ok((
        response.code,
        serde_json::from_str(&response.body).unwrap_or(Value::Null),
    ))
}

#[test]
fn cell_quotas_refuse_what_exceeds_them_and_nothing_else() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let tokens = dir.path().join("tokens.csv");
    std::fs::write(&tokens, "alice-token,alice,1\n")?;
    let server = MyriadServer::start_with(
        myriad_testkit::myriad_bin!(),
        &dir.path().join("data"),
        &["--token-auth-file", tokens.to_str().unwrap_or_default()],
    )?;
    for ns in ["team-a", "team-b", "busy", "other"] {
        server.kubectl_ok(&["create", "namespace", ns])?;
    }
    server.kubectl_ok(&[
        "create",
        "clusterrolebinding",
        "alice-edit",
        "--clusterrole",
        "edit",
        "--user",
        "alice",
    ])?;
    server.kubectl_apply(
        json!({"apiVersion": "tenancy.myriad.io/v1alpha1", "kind": "Cell", "metadata": {"name": "team"},
            "spec": {"namespaces": ["team-*"], "storage": {"configmaps": {"objects": 3, "bytes": "8Ki"}}}}),
    )?;
    server.kubectl_apply(
        json!({"apiVersion": "tenancy.myriad.io/v1alpha1", "kind": "Cell", "metadata": {"name": "rate"},
            "spec": {"namespaces": ["busy"], "requests": {"write": 1}}}),
    )?;

    // The server publishes the usage of the cells it enforces.
    eventually("the team cell applies", || {
        let metrics = server
            .curl_full(&Credentials::Admin, "GET", "/metrics", JSON, b"", &[])?
            .body;
        Ok(metrics.contains("myriad_cell_objects{cell=\"team\",resource=\"configmaps\"} 0"))
    })?;

    // Storage: three objects across the cell's namespaces, then the fourth is refused.
    ensure!(create(&server, &alice(), "team-a", "one", 100)?.0 == 201);
    ensure!(create(&server, &alice(), "team-b", "two", 100)?.0 == 201);
    ensure!(create(&server, &alice(), "team-a", "three", 100)?.0 == 201);
    let (code, status) = create(&server, &alice(), "team-b", "four", 100)?;
    ensure!(code == 403 && status["reason"] == "Forbidden", "{status}");
    ensure!(
        status["message"]
            == "configmaps \"four\" is forbidden: exceeded cell quota: team, requested: configmaps=1, used: configmaps=3, limited: configmaps=3",
        "{status}"
    );
    // The admin is held to storage quotas too; other namespaces are not affected.
    ensure!(create(&server, &Credentials::Admin, "team-a", "admin", 100)?.0 == 403);
    ensure!(create(&server, &alice(), "other", "four", 100)?.0 == 201);

    // Bytes: growing an object past the cell's bytes is refused; the object is unchanged.
    let path = "/api/v1/namespaces/team-a/configmaps/one";
    let grow = json!({"data": {"v": "y".repeat(9000)}}).to_string();
    let grown = server.curl_full(
        &alice(),
        "PATCH",
        path,
        "application/merge-patch+json",
        grow.as_bytes(),
        &[],
    )?;
    ensure!(
        grown.code == 403 && grown.body.contains("configmaps.bytes"),
        "{}",
        grown.body
    );
    let current: Value = serde_json::from_str(&server.curl_full(&alice(), "GET", path, JSON, b"", &[])?.body)?;
    ensure!(
        current["data"]["v"].as_str().is_some_and(|v| v.len() == 100),
        "{current}"
    );

    // Deleting frees room.
    server.kubectl_ok(&["delete", "configmap", "two", "-n", "team-b"])?;
    ensure!(create(&server, &alice(), "team-b", "five", 100)?.0 == 201);

    // Concurrent creates against the last places: exactly as many succeed as fit.
    server.kubectl_ok(&["create", "namespace", "race"])?;
    server.kubectl_apply(
        json!({"apiVersion": "tenancy.myriad.io/v1alpha1", "kind": "Cell", "metadata": {"name": "race"},
            "spec": {"namespaces": ["race"], "storage": {"configmaps": {"objects": 5}}}}),
    )?;
    eventually("the race cell applies", || {
        let metrics = server
            .curl_full(&Credentials::Admin, "GET", "/metrics", JSON, b"", &[])?
            .body;
        Ok(metrics.contains("myriad_cell_objects{cell=\"race\",resource=\"configmaps\"} 0"))
    })?;
    let codes: Vec<u16> = std::thread::scope(|scope| {
        let racers: Vec<_> = (0..12)
            .map(|i| {
                let server = &server;
                scope.spawn(move || create(server, &alice(), "race", &format!("r{i}"), 10).map(|(code, _)| code))
            })
            .collect();
        racers
            .into_iter()
            .map(|r| r.join().unwrap_or(Ok(0)))
            .collect::<Result<_>>()
    })?;
    let created = codes.iter().filter(|c| **c == 201).count();
    let refused = codes.iter().filter(|c| **c == 403).count();
    ensure!(created == 5 && refused == 7, "{codes:?}");
    let listed: Value = serde_json::from_str(
        &server
            .curl_full(&alice(), "GET", "/api/v1/namespaces/race/configmaps", JSON, b"", &[])?
            .body,
    )?;
    ensure!(listed["items"].as_array().map(Vec::len) == Some(5), "{listed}");

    // Requests: one write per second in `busy`; reads are not limited there.
    let mut refused = (0, Value::Null);
    eventually("the rate cell applies", || {
        refused = create(&server, &alice(), "busy", &format!("w{}", rand_suffix()), 10)?;
        Ok(refused.0 == 429)
    })?;
    ensure!(refused.1["reason"] == "TooManyRequests", "{}", refused.1);
    ensure!(
        refused.1["message"]
            .as_str()
            .is_some_and(|m| m.contains("cell \"rate\" request quota exceeded")),
        "{}",
        refused.1
    );
    let read = server.curl_full(&alice(), "GET", "/api/v1/namespaces/busy/configmaps", JSON, b"", &[])?;
    ensure!(read.code == 200, "{}", read.body);
    ensure!(
        create(&server, &Credentials::Admin, "busy", "admin", 10)?.0 == 201,
        "the admin is rate limited"
    );

    let metrics = server
        .curl_full(&Credentials::Admin, "GET", "/metrics", JSON, b"", &[])?
        .body;
    for line in [
        "myriad_cell_objects{cell=\"team\",resource=\"configmaps\"} 3",
        "myriad_cell_storage_refusals_total{cell=\"team\",resource=\"configmaps\"}",
        "myriad_cell_throttled_requests_total{cell=\"rate\",class=\"write\"}",
    ] {
        ensure!(metrics.contains(line), "no {line} in metrics");
    }
    ensure!(server.stop()?, "server did not stop cleanly");
    Ok(())
}

/// A name suffix unique within the test run.
fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}
