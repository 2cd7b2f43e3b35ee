//! `myriad bench watch`: the watch cache at the seeds' scale. Starts a `myriad server`
//! process on the embedded store, loads nodes and pods spread over them, opens one
//! `spec.nodeName` pod watch per node (multiplexed over HTTP/2 connections) plus
//! cluster-wide pod watchers, drives pod status updates at a fixed rate, and measures
//! event delivery (write acknowledged → event received), per-node LIST latency, full
//! LIST time and size, and the server's memory and CPU.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use http_body_util::BodyExt;
use hyper::Method;
use serde::Serialize;
use serde_json::json;
use tokio::sync::Semaphore;

use super::api::{node_name, phase, pod};
use super::client::ApiClient;
use super::stats::{Latencies, cpu_seconds, peak_rss_bytes, progress_bar, rss_bytes};
use super::{ServerProcess, on_own_thread};

#[derive(clap::Args)]
pub struct WatchBenchArgs {
    #[arg(long, default_value_t = 20_000)]
    nodes: usize,
    /// Pods, spread evenly over the nodes.
    #[arg(long, default_value_t = 200_000)]
    pods: usize,
    /// Cluster-wide pod watchers (besides one per node).
    #[arg(long, default_value_t = 50)]
    cluster_watchers: usize,
    /// Pod status updates per second while measuring.
    #[arg(long, default_value_t = 2000)]
    rate: usize,
    /// Seconds of updates.
    #[arg(long, default_value_t = 60)]
    duration: u64,
    /// HTTP/2 connections the per-node watches are spread over (the server allows
    /// 1000 streams per connection).
    #[arg(long, default_value_t = 40)]
    connections: usize,
    /// Requests in flight while loading.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
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
    pods: usize,
    node_watchers: usize,
    cluster_watchers: usize,
    writes: usize,
    writes_per_s: f64,
    events_received: usize,
    /// Writes that did not reach their node's watcher.
    node_events_missed: usize,
    /// Over every watcher.
    delivery_p50_ms: f64,
    delivery_p99_ms: f64,
    node_delivery_p50_ms: f64,
    node_delivery_p99_ms: f64,
    cluster_delivery_p50_ms: f64,
    cluster_delivery_p99_ms: f64,
    node_list_p50_ms: f64,
    node_list_p99_ms: f64,
    full_list_s: f64,
    full_list_bytes: usize,
    /// Serialized size of everything cached of nodes and pods (their full LISTs).
    serialized_bytes: usize,
    /// After loading, before any watch opens: the objects cached and stored.
    rss_loaded_bytes: u64,
    /// Every watch open, before the updates.
    rss_watching_bytes: u64,
    /// After the updates, every watcher open.
    rss_bytes: u64,
    rss_per_serialized: f64,
    /// After three full LISTs of every pod (their buffers' high-water mark stays).
    rss_after_full_lists_bytes: u64,
    rss_peak_bytes: u64,
    bytes_per_object: f64,
    server_cpu_s: f64,
}

/// Receipts of one watcher: (resourceVersion, when it arrived).
type Receipts = Arc<Mutex<Vec<(i64, Instant)>>>;

pub async fn run(args: WatchBenchArgs) -> Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("myriad-bench-watch")
        .tempdir_in(std::env::current_dir()?)?;
    let server = args.server.start(dir.path().to_path_buf(), Vec::new()).await?;
    let pid = server.pid().context("server has no pid")?;
    let client = ApiClient::connect(server.kubeconfig()).await?;
    let mut report = Report {
        nodes: args.nodes,
        pods: args.pods,
        cluster_watchers: args.cluster_watchers,
        ..Report::default()
    };

    load(&args, &client).await?;
    report.rss_loaded_bytes = rss_bytes(pid).unwrap_or(0);
    let list_rv = resource_version(&client.expect(Method::GET, "/api/v1/pods?limit=1", None).await?)?;

    // Watches: one per node, plus cluster-wide ones, all from the list's revision.
    let bar = progress_bar(args.nodes as u64, "open per-node watches");
    let mut connections = Vec::new();
    for _ in 0..args.connections.max(1) {
        connections.push(ApiClient::connect(server.kubeconfig()).await?);
    }
    let mut node_receipts = Vec::new();
    let mut tasks = Vec::new();
    for node in 0..args.nodes {
        let path = format!(
            "/api/v1/pods?watch=1&fieldSelector=spec.nodeName%3D{}&resourceVersion={list_rv}",
            node_name(node)
        );
        let receipts = Receipts::default();
        let connection = &connections[node % connections.len()];
        tasks.push(tokio::spawn(follow(connection.stream(&path).await?, receipts.clone())));
        node_receipts.push(receipts);
        bar.inc(1);
    }
    bar.finish();
    // Cluster-wide watchers read on their own thread, so that the many events they get
    // do not queue the per-node watchers' reads (or the other way round).
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let cluster = {
        let (kubeconfig, watchers) = (server.kubeconfig().to_path_buf(), args.cluster_watchers);
        on_own_thread("cluster-watchers", move || async move {
            let mut receipts = Vec::new();
            let mut tasks = Vec::new();
            for _ in 0..watchers {
                let connection = ApiClient::connect(&kubeconfig).await?;
                let mine = Receipts::default();
                let body = connection
                    .stream(&format!("/api/v1/pods?watch=1&resourceVersion={list_rv}"))
                    .await?;
                tasks.push(tokio::spawn(follow(body, mine.clone())));
                receipts.push(mine);
            }
            let _ = ready_tx.send(());
            let _ = stop_rx.await;
            for task in tasks {
                task.abort();
            }
            Ok(receipts)
        })
    };
    ready_rx.await.context("cluster-wide watchers did not start")?;
    report.node_watchers = args.nodes;
    report.rss_watching_bytes = rss_bytes(pid).unwrap_or(0);

    // Updates at a fixed rate, with per-node LISTs sampled alongside.
    let cpu_before = cpu_seconds(pid).unwrap_or(0.0);
    let (acks, node_lists) = drive(&args, &client, server.kubeconfig()).await?;
    report.server_cpu_s = cpu_seconds(pid).unwrap_or(0.0) - cpu_before;
    report.writes = acks.len();
    report.writes_per_s = acks.len() as f64 / args.duration.max(1) as f64;
    // Let the last events arrive; memory is measured with every watcher still open.
    tokio::time::sleep(Duration::from_secs(2)).await;
    report.rss_bytes = rss_bytes(pid).unwrap_or(0);
    for task in &tasks {
        task.abort();
    }
    let _ = stop_tx.send(());
    let cluster_receipts = cluster.await.context("cluster-wide watchers failed")??;

    let acked: HashMap<i64, Instant> = acks.iter().copied().collect();
    let mut node_delivery = delivery(&node_receipts, &acked)?;
    let mut cluster_delivery = delivery(&cluster_receipts, &acked)?;
    report.node_events_missed = acks.len().saturating_sub(node_delivery.len());
    report.events_received = node_delivery.len() + cluster_delivery.len();
    report.node_delivery_p50_ms = node_delivery.percentile_ms(50.0);
    report.node_delivery_p99_ms = node_delivery.percentile_ms(99.0);
    report.cluster_delivery_p50_ms = cluster_delivery.percentile_ms(50.0);
    report.cluster_delivery_p99_ms = cluster_delivery.percentile_ms(99.0);
    node_delivery.merge(cluster_delivery);
    report.delivery_p50_ms = node_delivery.percentile_ms(50.0);
    report.delivery_p99_ms = node_delivery.percentile_ms(99.0);
    let mut node_lists = node_lists;
    report.node_list_p50_ms = node_lists.percentile_ms(50.0);
    report.node_list_p99_ms = node_lists.percentile_ms(99.0);

    // Full LISTs: the best of three, and what everything cached serializes to.
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        let body = client.expect(Method::GET, "/api/v1/pods", None).await?;
        best = best.min(started.elapsed());
        report.full_list_bytes = body.len();
    }
    report.full_list_s = best.as_secs_f64();
    let nodes_list = client.expect(Method::GET, "/api/v1/nodes", None).await?;
    report.serialized_bytes = report.full_list_bytes + nodes_list.len();
    report.rss_after_full_lists_bytes = rss_bytes(pid).unwrap_or(0);
    report.rss_peak_bytes = peak_rss_bytes(pid).unwrap_or(0);
    report.rss_per_serialized = report.rss_bytes as f64 / report.serialized_bytes.max(1) as f64;
    report.bytes_per_object = report.rss_bytes as f64 / (args.nodes + args.pods).max(1) as f64;

    print_report(&report);
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&report)? + "\n")
            .with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    tokio::task::spawn_blocking(move || server.stop()).await??;
    Ok(())
}

/// Creates the namespace, the nodes and the pods.
async fn load(args: &WatchBenchArgs, client: &ApiClient) -> Result<()> {
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench"}});
    client
        .expect(Method::POST, "/api/v1/namespaces", Some(serde_json::to_vec(&ns)?))
        .await?;
    phase(
        "create nodes",
        args.nodes,
        args.concurrency,
        client,
        |client, i| async move {
            let node = json!({"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": node_name(i), "labels": {"kubernetes.io/hostname": node_name(i)}},
            "status": {"capacity": {"cpu": "32", "memory": "128Gi", "pods": "110"}}});
            let body = serde_json::to_vec(&node)?;
            client.expect(Method::POST, "/api/v1/nodes", Some(body)).await.map(drop)
        },
    )
    .await?;
    let nodes = args.nodes;
    phase(
        "create pods",
        args.pods,
        args.concurrency,
        client,
        move |client, i| async move {
            let body = pod(i, "v1", nodes);
            client
                .expect(Method::POST, "/api/v1/namespaces/bench/pods", Some(body))
                .await
                .map(drop)
        },
    )
    .await?;
    Ok(())
}

/// Sends `rate` status updates per second for `duration`, spread over the pods (so
/// over the nodes); samples per-node LISTs meanwhile. Returns each write's
/// resourceVersion and acknowledgement time, and the LIST latencies.
async fn drive(
    args: &WatchBenchArgs,
    client: &ApiClient,
    kubeconfig: &Path,
) -> Result<(Vec<(i64, Instant)>, Latencies)> {
    let total = args.rate * args.duration as usize;
    let bar = progress_bar(total as u64, "status updates");
    let acks: Arc<Mutex<Vec<(i64, Instant)>>> = Arc::default();
    let in_flight = Arc::new(Semaphore::new(1024));
    // Timed on its own thread: a LIST's latency, not the benchmark's queueing.
    let lister = {
        let (kubeconfig, nodes, duration) = (kubeconfig.to_path_buf(), args.nodes.max(1), args.duration);
        on_own_thread("lister", move || async move {
            let client = ApiClient::connect(&kubeconfig).await?;
            let deadline = Instant::now() + Duration::from_secs(duration);
            let mut latencies = Latencies::default();
            let mut n = 0usize;
            while Instant::now() < deadline {
                n += 1;
                let path = format!(
                    "/api/v1/namespaces/bench/pods?fieldSelector=spec.nodeName%3D{}",
                    node_name(n.wrapping_mul(7919) % nodes)
                );
                let started = Instant::now();
                client.expect(Method::GET, &path, None).await?;
                latencies.record(started.elapsed());
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Ok(latencies)
        })
    };
    let mut ticks = tokio::time::interval(Duration::from_secs(1) / args.rate.max(1) as u32);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut writers = Vec::with_capacity(total);
    for k in 0..total {
        ticks.tick().await;
        let permit = in_flight.clone().acquire_owned().await?;
        // Stride through the pods so consecutive writes land on different nodes.
        let index = k.wrapping_mul(7) % args.pods.max(1);
        let (client, acks, bar) = (client.clone(), acks.clone(), bar.clone());
        writers.push(tokio::spawn(async move {
            let path = format!("/api/v1/namespaces/bench/pods/pod-{index:06}/status");
            let patch = json!({"status": {"message": format!("tick {k}")}});
            let body = client
                .request_with_type(
                    Method::PATCH,
                    &path,
                    serde_json::to_vec(&patch)?,
                    "application/merge-patch+json",
                )
                .await?;
            let at = Instant::now();
            let rv = resource_version(&body)?;
            acks.lock()
                .map_err(|_| anyhow::anyhow!("acks poisoned"))?
                .push((rv, at));
            bar.inc(1);
            drop(permit);
            anyhow::Ok(())
        }));
    }
    for writer in writers {
        writer.await??;
    }
    bar.finish();
    let latencies = lister.await.context("lister failed")??;
    let acks = std::mem::take(&mut *acks.lock().map_err(|_| anyhow::anyhow!("acks poisoned"))?);
    Ok((acks, latencies))
}

/// Delivery delays of the receipts whose write was acknowledged (write ack → receipt;
/// an event that beat its write's response counts as 0).
fn delivery(receipts: &[Receipts], acked: &HashMap<i64, Instant>) -> Result<Latencies> {
    let mut delays = Latencies::default();
    for receipts in receipts {
        let receipts = receipts.lock().map_err(|_| anyhow::anyhow!("receipts poisoned"))?;
        for (rv, at) in receipts.iter() {
            if let Some(ack) = acked.get(rv) {
                delays.record(at.saturating_duration_since(*ack));
            }
        }
    }
    Ok(delays)
}

/// Reads a watch stream, noting each event's resourceVersion and arrival time without
/// decoding the object.
async fn follow(mut body: hyper::body::Incoming, receipts: Receipts) -> Result<()> {
    let mut pending: Vec<u8> = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame?;
        let Some(data) = frame.data_ref() else { continue };
        let at = Instant::now();
        pending.extend_from_slice(data);
        let mut start = 0;
        while let Some(end) = memchr::memchr(b'\n', &pending[start..]) {
            let line = &pending[start..start + end];
            if let Some(rv) = line_resource_version(line) {
                receipts
                    .lock()
                    .map_err(|_| anyhow::anyhow!("receipts poisoned"))?
                    .push((rv, at));
            }
            start += end + 1;
        }
        pending.drain(..start);
    }
    Ok(())
}

/// The first `"resourceVersion":"N"` of a line: the object's own (metadata sorts
/// before spec and status).
fn line_resource_version(line: &[u8]) -> Option<i64> {
    const NEEDLE: &[u8] = b"\"resourceVersion\":\"";
    let at = memchr::memmem::find(line, NEEDLE)? + NEEDLE.len();
    let digits = line[at..].iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&line[at..at + digits]).ok()?.parse().ok()
}

fn resource_version(body: &[u8]) -> Result<i64> {
    let value: serde_json::Value = serde_json::from_slice(body)?;
    let rv = value["metadata"]["resourceVersion"].as_str().unwrap_or("");
    ensure!(!rv.is_empty(), "no resourceVersion in response");
    Ok(rv.parse()?)
}

fn print_report(r: &Report) {
    println!(
        "\n{} nodes, {} pods, {} per-node + {} cluster-wide watchers",
        r.nodes, r.pods, r.node_watchers, r.cluster_watchers
    );
    println!("writes               {} ({:.0}/s)", r.writes, r.writes_per_s);
    println!(
        "events received      {} (node events missed: {})",
        r.events_received, r.node_events_missed
    );
    println!(
        "delivery             p50 {:.2} ms, p99 {:.2} ms (per-node watchers p99 {:.2} ms, cluster-wide p99 {:.2} ms)",
        r.delivery_p50_ms, r.delivery_p99_ms, r.node_delivery_p99_ms, r.cluster_delivery_p99_ms
    );
    println!(
        "pods-on-node LIST    p50 {:.2} ms, p99 {:.2} ms",
        r.node_list_p50_ms, r.node_list_p99_ms
    );
    println!(
        "full pod LIST        {:.2} s, {} bytes",
        r.full_list_s, r.full_list_bytes
    );
    println!(
        "server RSS           {} bytes ({:.2}x serialized {} bytes; {:.0} bytes/object)",
        r.rss_bytes, r.rss_per_serialized, r.serialized_bytes, r.bytes_per_object
    );
    println!(
        "server RSS loaded    {} bytes, watches open {} bytes (before the updates)",
        r.rss_loaded_bytes, r.rss_watching_bytes
    );
    println!(
        "server RSS after full LISTs {} bytes, peak {} bytes",
        r.rss_after_full_lists_bytes, r.rss_peak_bytes
    );
    println!("server CPU           {:.1} s during updates", r.server_cpu_s);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_versions_are_found_in_event_lines() {
        let line = br#"{"type":"MODIFIED","object":{"metadata":{"name":"p","resourceVersion":"1234"},"spec":{}}}"#;
        assert_eq!(line_resource_version(line), Some(1234));
        assert_eq!(line_resource_version(b"{}"), None);
    }
}
