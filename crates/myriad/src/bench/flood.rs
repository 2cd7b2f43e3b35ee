//! `myriad bench flood`: does a flooding client hurt node heartbeats? Starts a `myriad
//! server` process with static tokens for N node identities (`system:node:*`, group
//! `system:nodes`) and one misbehaving client (its own user agent), measures the nodes'
//! Lease heartbeats alone, then again while the flooder hammers unpaginated LISTs of
//! every pod and creates in a tight loop. Reports heartbeat latency with and without
//! the flood, how many of the flooder's requests were refused (429), and whether
//! anything it was refused was stored anyway.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use hyper::Method;
use serde::Serialize;
use serde_json::json;

use super::api::{node_name, phase, pod};
use super::client::ApiClient;
use super::stats::{Latencies, progress_bar};
use super::{ServerProcess, on_own_thread};

#[derive(clap::Args)]
pub struct FloodBenchArgs {
    /// Nodes sending Lease heartbeats.
    #[arg(long, default_value_t = 1000)]
    nodes: usize,
    /// Seconds between one node's heartbeats (the kubelet's default is 10).
    #[arg(long, default_value_t = 10.0)]
    heartbeat_interval: f64,
    /// Pods the flooder LISTs (all at once, unpaginated).
    #[arg(long, default_value_t = 5000)]
    pods: usize,
    /// The flooder's requests in flight.
    #[arg(long, default_value_t = 500)]
    flood_concurrency: usize,
    /// The flooder retries refused requests at once instead of waiting the server's
    /// `Retry-After` (1 s) as client-go does: the worst case, a flood of refusals.
    #[arg(long)]
    flood_ignores_retry_after: bool,
    /// Throttle the flooder's user agent to this many requests per second
    /// (`kube-system/myriad-user-agent-limits`), as an operator would once they see it.
    #[arg(long)]
    throttle_flooder_qps: Option<f64>,
    /// Seconds of each phase (heartbeats alone, then under flood).
    #[arg(long, default_value_t = 30)]
    duration: u64,
    #[command(flatten)]
    server: ServerProcess,
    /// Write the results as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// Results; field names are the JSON contract.
#[derive(Debug, Default, Serialize)]
struct Report {
    nodes: usize,
    heartbeats_baseline: usize,
    heartbeats_flood: usize,
    heartbeat_failures: usize,
    heartbeat_p50_ms_baseline: f64,
    heartbeat_p99_ms_baseline: f64,
    heartbeat_p50_ms_flood: f64,
    heartbeat_p99_ms_flood: f64,
    /// p99 under flood / p99 alone.
    heartbeat_p99_ratio: f64,
    flood_requests: usize,
    flood_refused_429: usize,
    flood_lists_served: usize,
    flood_creates_accepted: usize,
    /// Creates refused with 429 whose object exists anyway (must be 0).
    flood_half_applied: usize,
    /// Accepted creates whose object is missing (must be 0).
    flood_lost: usize,
}

const FLOODER_AGENT: &str = "flooder/1.0 (misbehaving)";
const LEASES: &str = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases";
const FLOOD_NS: &str = "flood";

pub async fn run(args: FloodBenchArgs) -> Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("myriad-bench-flood")
        .tempdir_in(std::env::current_dir()?)?;
    let tokens = dir.path().join("tokens.csv");
    let mut lines = String::from("flood-token,flooder,flooder-uid\n");
    for node in 0..args.nodes {
        let name = node_name(node);
        lines.push_str(&format!("{name}-token,system:node:{name},{name},system:nodes\n"));
    }
    std::fs::write(&tokens, lines)?;
    let extra = vec!["--token-auth-file".to_string(), tokens.display().to_string()];
    let server = args.server.start(dir.path().join("data"), extra).await?;
    let admin = ApiClient::connect(server.kubeconfig()).await?;
    setup(&args, &admin).await?;
    if let Some(qps) = args.throttle_flooder_qps {
        let limits = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "myriad-user-agent-limits", "namespace": "kube-system"},
            "data": {"flooder": format!("flooder/ {qps},{}", qps.max(1.0))}});
        let path = "/api/v1/namespaces/kube-system/configmaps";
        admin
            .expect(Method::POST, path, Some(serde_json::to_vec(&limits)?))
            .await?;
        // The server re-reads its limits every second.
        tokio::time::sleep(Duration::from_secs(2)).await;
    }

    // Heartbeats are writes, fsynced: flush what earlier work left for the disk to
    // write back, or it lands on the baseline.
    let _ = tokio::process::Command::new("sync").status().await;
    // The nodes and the flooder run on threads of their own, so that the flooder's
    // work in this process does not delay the heartbeats' clock.
    let duration = Duration::from_secs(args.duration.max(1));
    let interval = Duration::from_secs_f64(args.heartbeat_interval.max(0.01));
    let kubeconfig = server.kubeconfig().to_path_buf();
    let node_count = args.nodes;
    let (mut baseline, failures_a, mut flooded, failures_b, outcome) = {
        let stop = Arc::new(AtomicBool::new(false));
        let (start_flood, flood_go) = tokio::sync::oneshot::channel::<()>();
        let heartbeats = on_own_thread("heartbeats", {
            let kubeconfig = kubeconfig.clone();
            move || async move {
                let shared = ApiClient::connect_anonymous(&kubeconfig).await?;
                let nodes: Vec<ApiClient> = (0..node_count)
                    .map(|n| shared.with_identity(&format!("{}-token", node_name(n)), "kubelet/v1.32 (bench)"))
                    .collect::<Result<_>>()?;
                // Every node renews twice before anything is measured: first requests
                // (connections, caches, the store's first writes) are not steady state.
                let warm_up = Duration::from_secs(1);
                heartbeats(&nodes, warm_up, warm_up * 2, "warm-up").await?;
                let alone = heartbeats(&nodes, interval, duration, "heartbeats alone").await?;
                let _ = start_flood.send(());
                let flooded = heartbeats(&nodes, interval, duration, "heartbeats under flood").await?;
                Ok((alone, flooded))
            }
        });
        let flood = on_own_thread("flooder", {
            let (stop, concurrency) = (stop.clone(), args.flood_concurrency);
            let backoff = (!args.flood_ignores_retry_after).then_some(Duration::from_secs(1));
            move || async move {
                let client = ApiClient::connect_anonymous(&kubeconfig)
                    .await?
                    .with_identity("flood-token", FLOODER_AGENT)?;
                if flood_go.await.is_err() {
                    return Ok(FloodOutcome::default());
                }
                flood(client, concurrency, backoff, stop).await
            }
        });
        let ((alone, a), (flooded, b)) = heartbeats.await??;
        stop.store(true, Ordering::Relaxed);
        let outcome = flood.await??;
        (alone, a, flooded, b, outcome)
    };

    let mut report = Report {
        nodes: args.nodes,
        heartbeats_baseline: baseline.len(),
        heartbeats_flood: flooded.len(),
        heartbeat_failures: failures_a + failures_b,
        heartbeat_p50_ms_baseline: baseline.percentile_ms(50.0),
        heartbeat_p99_ms_baseline: baseline.percentile_ms(99.0),
        heartbeat_p50_ms_flood: flooded.percentile_ms(50.0),
        heartbeat_p99_ms_flood: flooded.percentile_ms(99.0),
        flood_requests: outcome.requests,
        flood_refused_429: outcome.refused,
        flood_lists_served: outcome.lists,
        flood_creates_accepted: outcome.created.len(),
        ..Report::default()
    };
    report.heartbeat_p99_ratio = report.heartbeat_p99_ms_flood / report.heartbeat_p99_ms_baseline.max(0.001);
    (report.flood_half_applied, report.flood_lost) = audit(&admin, &outcome).await?;

    let verdict = if report.heartbeat_p99_ratio < FLOOD_P99_TARGET {
        "within"
    } else {
        "OVER"
    };
    println!(
        "heartbeats: p99 {:.1} ms alone, {:.1} ms under flood (x{:.2}, {verdict} the x{FLOOD_P99_TARGET} target); flooder: {} requests, {} refused (429), {} lists, {} creates; half-applied {}, lost {}",
        report.heartbeat_p99_ms_baseline,
        report.heartbeat_p99_ms_flood,
        report.heartbeat_p99_ratio,
        report.flood_requests,
        report.flood_refused_429,
        report.flood_lists_served,
        report.flood_creates_accepted,
        report.flood_half_applied,
        report.flood_lost
    );
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_vec_pretty(&report)?)?;
    }
    tokio::task::spawn_blocking(move || server.stop()).await??;
    Ok(())
}

/// Heartbeat p99 under the flood, as a multiple of the p99 without it, that the flood
/// protection aims to stay under (issue 5's target); the benchmark reports it, the
/// tests do not assert timings.
const FLOOD_P99_TARGET: f64 = 2.0;

/// Permissions (the node authorizer comes with the node agent: until then nodes get
/// their Leases through RBAC), the nodes' Leases, the pods the flooder lists.
async fn setup(args: &FloodBenchArgs, admin: &ApiClient) -> Result<()> {
    let role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": "bench-node-leases"},
        "rules": [{"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["get", "update", "patch"]}]});
    let bind = |name: &str, role: &str, subject: serde_json::Value| {
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": name},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
            "subjects": [subject]})
    };
    let rbac = "/apis/rbac.authorization.k8s.io/v1";
    admin
        .expect(
            Method::POST,
            &format!("{rbac}/clusterroles"),
            Some(serde_json::to_vec(&role)?),
        )
        .await?;
    let nodes = bind(
        "bench-node-leases",
        "bench-node-leases",
        json!({"kind": "Group", "name": "system:nodes"}),
    );
    let flooder = bind("bench-flooder", "edit", json!({"kind": "User", "name": "flooder"}));
    for binding in [nodes, flooder] {
        admin
            .expect(
                Method::POST,
                &format!("{rbac}/clusterrolebindings"),
                Some(serde_json::to_vec(&binding)?),
            )
            .await?;
    }
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": FLOOD_NS}});
    admin
        .expect(Method::POST, "/api/v1/namespaces", Some(serde_json::to_vec(&ns)?))
        .await?;
    phase("create leases", args.nodes, 64, admin, |client, i| async move {
        let lease = json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": node_name(i)},
            "spec": {"holderIdentity": node_name(i), "leaseDurationSeconds": 40}});
        client
            .expect(Method::POST, LEASES, Some(serde_json::to_vec(&lease)?))
            .await
            .map(drop)
    })
    .await?;
    let pods = format!("/api/v1/namespaces/{FLOOD_NS}/pods");
    phase("create pods", args.pods, 64, admin, move |client, i| {
        let pods = pods.clone();
        async move {
            client
                .expect(Method::POST, &pods, Some(pod(i, "v1", 100)))
                .await
                .map(drop)
        }
    })
    .await?;
    Ok(())
}

/// Every node renews its Lease each `interval` (starts spread over the interval) for
/// `duration`; returns the latencies and the failures.
async fn heartbeats(
    nodes: &[ApiClient],
    interval: Duration,
    duration: Duration,
    what: &str,
) -> Result<(Latencies, usize)> {
    let bar = progress_bar(duration.as_secs(), what);
    let started = Instant::now();
    let failures = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        let node = node.clone();
        let failures = failures.clone();
        let offset = interval.mul_f64(i as f64 / nodes.len().max(1) as f64);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Latencies::default();
            let mut next = started + offset;
            while next < started + duration {
                tokio::time::sleep_until(next.into()).await;
                let renew = json!({"spec": {"renewTime": now_rfc3339()}});
                let path = format!("{LEASES}/{}", node_name(i));
                let began = Instant::now();
                let sent = node
                    .request_with_type(
                        Method::PATCH,
                        &path,
                        serde_json::to_vec(&renew)?,
                        "application/merge-patch+json",
                    )
                    .await;
                match sent {
                    Ok(_) => latencies.record(began.elapsed()),
                    Err(_) => {
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
                next += interval;
            }
            anyhow::Ok(latencies)
        }));
    }
    let ticker = {
        let bar = bar.clone();
        tokio::spawn(async move {
            while started.elapsed() < duration {
                tokio::time::sleep(Duration::from_secs(1)).await;
                bar.inc(1);
            }
        })
    };
    let mut all = Latencies::default();
    for task in tasks {
        all.merge(task.await??);
    }
    ticker.abort();
    bar.finish();
    Ok((all, failures.load(Ordering::Relaxed)))
}

/// What the flooder did.
#[derive(Default)]
struct FloodOutcome {
    requests: usize,
    refused: usize,
    lists: usize,
    created: HashSet<String>,
    refused_creates: HashSet<String>,
}

/// The flooder: `concurrency` loops alternating an unpaginated LIST of every pod with a
/// ConfigMap create, until stopped; after a 429 a loop waits `backoff` if given.
async fn flood(
    client: ApiClient,
    concurrency: usize,
    backoff: Option<Duration>,
    stop: Arc<AtomicBool>,
) -> Result<FloodOutcome> {
    let mut tasks = Vec::new();
    for worker in 0..concurrency.max(1) {
        let (client, stop) = (client.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut outcome = FloodOutcome::default();
            let mut round = 0usize;
            // Independent clients, not one in lockstep: each waits a different share of
            // the backoff (and starts at a different moment within it).
            let share = (worker as f64 + 0.5) / concurrency.max(1) as f64;
            let wait = |backoff: Duration| backoff.mul_f64(0.5 + share);
            if let Some(backoff) = backoff {
                tokio::time::sleep(backoff.mul_f64(share)).await;
            }
            while !stop.load(Ordering::Relaxed) {
                round += 1;
                outcome.requests += 2;
                let (status, _) = client.request(Method::GET, "/api/v1/pods", None).await?;
                match status {
                    200 => outcome.lists += 1,
                    429 => {
                        outcome.refused += 1;
                        if let Some(backoff) = backoff {
                            tokio::time::sleep(wait(backoff)).await;
                        }
                    }
                    other => anyhow::bail!("flooder LIST: {other}"),
                }
                let name = format!("flood-{worker}-{round}");
                let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name},
                    "data": {"payload": "x".repeat(512)}});
                let path = format!("/api/v1/namespaces/{FLOOD_NS}/configmaps");
                let (status, body) = client
                    .request(Method::POST, &path, Some(serde_json::to_vec(&cm)?))
                    .await?;
                match status {
                    201 => {
                        outcome.created.insert(name);
                    }
                    429 => {
                        outcome.refused += 1;
                        outcome.refused_creates.insert(name);
                        if let Some(backoff) = backoff {
                            tokio::time::sleep(wait(backoff)).await;
                        }
                    }
                    other => anyhow::bail!("flooder create: {other} {}", String::from_utf8_lossy(&body)),
                }
            }
            anyhow::Ok(outcome)
        }));
    }
    let mut total = FloodOutcome::default();
    for task in tasks {
        let outcome = task.await??;
        total.requests += outcome.requests;
        total.refused += outcome.refused;
        total.lists += outcome.lists;
        total.created.extend(outcome.created);
        total.refused_creates.extend(outcome.refused_creates);
    }
    Ok(total)
}

/// Counts refused creates that were stored anyway and accepted creates that are
/// missing, from one LIST of the flood namespace.
async fn audit(admin: &ApiClient, outcome: &FloodOutcome) -> Result<(usize, usize)> {
    let body = admin
        .expect(Method::GET, &format!("/api/v1/namespaces/{FLOOD_NS}/configmaps"), None)
        .await?;
    let list: serde_json::Value = serde_json::from_slice(&body)?;
    let stored: HashSet<String> = list["items"]
        .as_array()
        .context("no items")?
        .iter()
        .filter_map(|i| i["metadata"]["name"].as_str().map(str::to_string))
        .collect();
    let half_applied = outcome.refused_creates.intersection(&stored).count();
    let lost = outcome.created.difference(&stored).count();
    ensure!(stored.len() >= outcome.created.len() - lost, "inconsistent audit");
    Ok((half_applied, lost))
}

/// Now, as Kubernetes writes timestamps (`2006-01-02T15:04:05Z`).
fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
