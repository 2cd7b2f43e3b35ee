//! Priority and fairness against a real server: Kubernetes' default FlowSchemas and
//! priority levels are served, responses name their classification, and a level at its
//! limit refuses its own requests with 429 (whether it rejects or queues) while other
//! users' requests go on — with configuration changes applied at runtime.

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Result, bail, ensure};
use myriad_testkit::myriad::{Credentials, CurlResponse, MyriadServer};
use serde_json::{Value, json};

const JSON: &str = "application/json";
/// A LIST the cache cannot answer for ~3 s (a resourceVersion it has not reached):
/// a request that holds its seat that long.
const SLOW: &str = "/api/v1/namespaces/default/configmaps?resourceVersion=999999999";
const FAST: &str = "/api/v1/namespaces/default/configmaps";

fn flooder() -> Credentials {
    Credentials::Token("flood-token".into())
}

fn alice() -> Credentials {
    Credentials::Token("alice-token".into())
}

fn get(server: &MyriadServer, who: &Credentials, path: &str) -> Result<CurlResponse> {
    server.curl_full(who, "GET", path, JSON, b"", &[])
}

/// Starts a slow request as the flooder on its own thread.
fn slow(server: &MyriadServer) -> JoinHandle<Result<u16>> {
    let (url, data) = (server.url().to_string(), server.data_dir().to_path_buf());
    std::thread::spawn(move || {
        let ca = data.join("pki").join("ca.crt");
        let output = std::process::Command::new("curl")
            .args(["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert"])
            .arg(ca)
            .args(["-H", "Authorization: Bearer flood-token"])
            .arg(format!("{url}{SLOW}"))
            .output()?;
        Ok(String::from_utf8_lossy(&output.stdout).trim().parse()?)
    })
}

/// Waits until the `tiny` level has `seats` seats in use and `waiting` requests queued
/// (from the server's metrics).
fn until_load(server: &MyriadServer, seats: u64, waiting: u64) -> Result<()> {
    let started = Instant::now();
    let sample = |text: &str, name: &str| {
        text.lines()
            .find(|l| l.starts_with(name) && l.contains("priority_level=\"tiny\""))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    while started.elapsed() < Duration::from_secs(10) {
        let metrics = get(server, &Credentials::Admin, "/metrics")?.body;
        let now = (
            sample(&metrics, "apiserver_flowcontrol_current_executing_seats"),
            sample(&metrics, "apiserver_flowcontrol_current_inqueue_requests"),
        );
        if now == (seats, waiting) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    bail!("level tiny never had {seats} seats in use and {waiting} waiting")
}

fn ensure_refused(response: &CurlResponse) -> Result<()> {
    ensure!(
        response.code == 429,
        "expected 429: {} {}",
        response.code,
        response.body
    );
    ensure!(
        response.body == "Too many requests, please try again later.\n",
        "{:?}",
        response.body
    );
    ensure!(response.header("retry-after") == Some("1"), "{:?}", response.headers);
    ensure!(
        response.header("x-kubernetes-pf-prioritylevel-uid").is_some(),
        "{:?}",
        response.headers
    );
    Ok(())
}

fn tiny_level(limit_response: Value) -> Value {
    json!({"apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "PriorityLevelConfiguration",
        "metadata": {"name": "tiny"},
        "spec": {"type": "Limited", "limited": {"nominalConcurrencyShares": 1, "limitResponse": limit_response}}})
}

#[test]
fn defaults_are_served_and_responses_name_their_level() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;
    let schemas = server.kubectl_ok(&["get", "flowschemas", "-o", "name"])?;
    ensure!(schemas.lines().count() == 13, "{schemas}");
    let levels = server.kubectl_ok(&["get", "prioritylevelconfigurations", "-o", "name"])?;
    ensure!(levels.lines().count() == 8, "{levels}");
    let exempt = server.kubectl_ok(&[
        "get",
        "prioritylevelconfiguration",
        "exempt",
        "-o",
        "jsonpath={.metadata.uid}",
    ])?;
    let response = get(&server, &Credentials::Admin, "/api/v1/namespaces")?;
    ensure!(response.code == 200, "{}", response.body);
    ensure!(
        response.header("x-kubernetes-pf-prioritylevel-uid") == Some(exempt.as_str()),
        "{:?}",
        response.headers
    );
    // A changed default comes back at the next start (autoupdate-spec).
    server.kubectl_ok(&[
        "patch",
        "prioritylevelconfiguration",
        "global-default",
        "--type",
        "merge",
        "-p",
        r#"{"spec":{"limited":{"nominalConcurrencyShares":7}}}"#,
    ])?;
    let port = server.port().unwrap_or(0);
    ensure!(server.stop()?, "server did not stop cleanly");
    let server = MyriadServer::start_on(myriad_testkit::myriad_bin!(), dir.path(), port, &[])?;
    let shares = server.kubectl_ok(&[
        "get",
        "prioritylevelconfiguration",
        "global-default",
        "-o",
        "jsonpath={.spec.limited.nominalConcurrencyShares}",
    ])?;
    ensure!(shares == "20", "{shares}");
    ensure!(server.stop()?, "server did not stop cleanly");
    Ok(())
}

#[test]
fn a_level_at_its_limit_refuses_its_own_requests_only() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let tokens = dir.path().join("tokens.csv");
    std::fs::write(&tokens, "flood-token,flooder,1\nalice-token,alice,2\n")?;
    let data = dir.path().join("data");
    // One seat per level: `tiny` below gets exactly one.
    let args = [
        "--token-auth-file",
        tokens.to_str().unwrap_or_default(),
        "--max-requests-inflight",
        "1",
        "--max-mutating-requests-inflight",
        "0",
    ];
    let server = MyriadServer::start_with(myriad_testkit::myriad_bin!(), &data, &args)?;
    server.kubectl_ok(&[
        "create",
        "clusterrolebinding",
        "all-edit",
        "--clusterrole",
        "edit",
        "--user",
        "flooder",
        "--user",
        "alice",
    ])?;

    // The flooder gets a level of its own, one seat, no queue.
    server.kubectl_apply(tiny_level(json!({"type": "Reject"})))?;
    server.kubectl_apply(
        json!({"apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "FlowSchema",
        "metadata": {"name": "flooders"},
        "spec": {"priorityLevelConfiguration": {"name": "tiny"}, "matchingPrecedence": 100,
            "distinguisherMethod": {"type": "ByUser"},
            "rules": [{"subjects": [{"kind": "User", "user": {"name": "flooder"}}],
                "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"],
                    "clusterScope": true, "namespaces": ["*"]}]}]}}),
    )?;
    // Wait for the configuration to apply: the flooder's requests land in `tiny`.
    let tiny = server.kubectl_ok(&[
        "get",
        "prioritylevelconfiguration",
        "tiny",
        "-o",
        "jsonpath={.metadata.uid}",
    ])?;
    let started = Instant::now();
    while get(&server, &flooder(), FAST)?.header("x-kubernetes-pf-prioritylevel-uid") != Some(tiny.as_str()) {
        ensure!(
            started.elapsed() < Duration::from_secs(10),
            "flooders schema never applied"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    let running = slow(&server);
    until_load(&server, 1, 0)?;
    ensure_refused(&get(&server, &flooder(), FAST)?)?;
    // A refused write stores nothing.
    let create = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "half"}});
    let refused = server.curl_full(&flooder(), "POST", FAST, JSON, create.to_string().as_bytes(), &[])?;
    ensure_refused(&refused)?;
    // Others are not affected.
    let other = get(&server, &alice(), FAST)?;
    ensure!(other.code == 200, "alice: {} {}", other.code, other.body);
    ensure!(running.join().map_err(|_| anyhow::anyhow!("slow request panicked"))?? == 504);
    let missing = get(&server, &Credentials::Admin, &format!("{FAST}/half"))?;
    ensure!(missing.code == 404, "a refused create was stored: {}", missing.body);

    // Now it queues: one queue of one. The second slow request waits; the third is refused.
    server.kubectl_apply(tiny_level(
        json!({"type": "Queue", "queuing": {"queues": 1, "handSize": 1, "queueLengthLimit": 1}}),
    ))?;
    // The server follows the change a few milliseconds behind: until it has, the second
    // slow request is refused instead of queued, and the pair is tried again.
    let mut attempts = 0;
    let (first, second) = loop {
        attempts += 1;
        let first = slow(&server);
        until_load(&server, 1, 0)?;
        let second = slow(&server);
        if until_load(&server, 1, 1).is_ok() {
            break (first, second);
        }
        ensure!(attempts < 3, "the queuing configuration never applied");
        let _ = first.join();
        let _ = second.join();
        until_load(&server, 0, 0)?;
    };
    ensure_refused(&get(&server, &flooder(), FAST)?)?;
    ensure!(first.join().map_err(|_| anyhow::anyhow!("panicked"))?? == 504);
    ensure!(
        second.join().map_err(|_| anyhow::anyhow!("panicked"))?? == 504,
        "the queued request ran"
    );
    ensure!(get(&server, &flooder(), FAST)?.code == 200, "the level did not recover");

    let metrics = get(&server, &Credentials::Admin, "/metrics")?.body;
    for reason in ["concurrency-limit", "queue-full"] {
        let counted = metrics.lines().any(|l| {
            l.starts_with("apiserver_flowcontrol_rejected_requests_total")
                && l.contains("priority_level=\"tiny\"")
                && l.contains(&format!("reason=\"{reason}\""))
        });
        ensure!(counted, "no {reason} rejection in metrics");
    }
    ensure!(server.stop()?, "server did not stop cleanly");
    Ok(())
}

#[test]
fn a_user_agent_is_throttled_at_runtime_and_released() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let tokens = dir.path().join("tokens.csv");
    std::fs::write(&tokens, "alice-token,alice,2\n")?;
    let data = dir.path().join("data");
    let server = MyriadServer::start_with(
        myriad_testkit::myriad_bin!(),
        &data,
        &["--token-auth-file", tokens.to_str().unwrap_or_default()],
    )?;
    server.kubectl_ok(&[
        "create",
        "clusterrolebinding",
        "alice-view",
        "--clusterrole",
        "view",
        "--user",
        "alice",
    ])?;
    let buggy = ["User-Agent: buggy-agent/1.0 (linux)"];
    let get_as = |who: &Credentials, headers: &[&str]| server.curl_full(who, "GET", FAST, JSON, b"", headers);
    ensure!(get_as(&alice(), &buggy)?.code == 200);

    // One request per 10 s, no burst beyond one: the second within the second is refused.
    server.kubectl_ok(&[
        "create",
        "configmap",
        "myriad-user-agent-limits",
        "-n",
        "kube-system",
        "--from-literal=buggy-agent=0.1,1",
    ])?;
    let started = Instant::now();
    let refused = loop {
        let response = get_as(&alice(), &buggy)?;
        if response.code == 429 {
            break response;
        }
        ensure!(started.elapsed() < Duration::from_secs(10), "the limit never applied");
        std::thread::sleep(Duration::from_millis(100));
    };
    let status: Value = serde_json::from_str(&refused.body)?;
    ensure!(status["reason"] == "TooManyRequests", "{status}");
    ensure!(
        status["message"].as_str().is_some_and(|m| m.contains("buggy-agent")),
        "{status}"
    );
    ensure!(
        refused
            .header("retry-after")
            .is_some_and(|s| s.parse::<u64>().is_ok_and(|s| s >= 1)),
        "{:?}",
        refused.headers
    );
    // Other user agents, and the admin, are not throttled.
    ensure!(get_as(&alice(), &["User-Agent: kubectl/v1.32"])?.code == 200);
    ensure!(get_as(&Credentials::Admin, &buggy)?.code == 200);
    let metrics = get(&server, &Credentials::Admin, "/metrics")?.body;
    ensure!(
        metrics.contains("myriad_user_agent_throttled_requests_total{user_agent=\"buggy-agent\"}"),
        "no throttling metric"
    );

    // Removing the limit releases the agent.
    server.kubectl_ok(&["delete", "configmap", "myriad-user-agent-limits", "-n", "kube-system"])?;
    let started = Instant::now();
    while get_as(&alice(), &buggy)?.code != 200 {
        ensure!(
            started.elapsed() < Duration::from_secs(10),
            "the limit was never lifted"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    ensure!(server.stop()?, "server did not stop cleanly");
    Ok(())
}
