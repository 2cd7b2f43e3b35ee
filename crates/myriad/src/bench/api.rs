//! `myriad bench api`: create, get, update, list and delete latency and throughput for
//! pods against a local API server (started in-process on the embedded store unless
//! `--kubeconfig` names a running one), over one multiplexed HTTP/2 connection.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use hyper::Method;
use myriad_apiserver::{Server, ServerConfig};
use serde::Serialize;
use serde_json::json;
use tokio::sync::Mutex;

use super::client::ApiClient;
use super::stats::{Latencies, progress_bar};

#[derive(clap::Args)]
pub struct ApiBenchArgs {
    /// Pods created, read, updated and deleted.
    #[arg(long, default_value_t = 10_000)]
    pods: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Full LISTs of all pods (and as many paged LISTs of 500).
    #[arg(long, default_value_t = 20)]
    lists: usize,
    /// Benchmark a running server instead of starting one.
    #[arg(long)]
    kubeconfig: Option<PathBuf>,
    /// Write the results as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// Results; field names are the JSON contract.
#[derive(Debug, Default, Serialize)]
struct Report {
    pods: usize,
    concurrency: usize,
    create_per_s: f64,
    create_p50_ms: f64,
    create_p99_ms: f64,
    get_per_s: f64,
    get_p50_ms: f64,
    get_p99_ms: f64,
    update_per_s: f64,
    update_p50_ms: f64,
    update_p99_ms: f64,
    list_all_p50_ms: f64,
    list_all_p99_ms: f64,
    list_page500_p50_ms: f64,
    list_page500_p99_ms: f64,
    delete_per_s: f64,
    delete_p50_ms: f64,
    delete_p99_ms: f64,
}

pub async fn run(args: ApiBenchArgs) -> Result<()> {
    let temp = tempfile::Builder::new()
        .prefix("myriad-bench-api")
        .tempdir_in(std::env::current_dir()?)?;
    let server = match &args.kubeconfig {
        Some(_) => None,
        None => {
            let mut config = ServerConfig::new(temp.path());
            config.port = 0;
            // As upstream's server-only runs: no controller creates the bench
            // namespace's `default` ServiceAccount.
            config.disable_admission_plugins = vec!["ServiceAccount".into()];
            Some(Server::start(config).await?)
        }
    };
    let kubeconfig = match (&args.kubeconfig, &server) {
        (Some(path), _) => path.clone(),
        (None, Some(server)) => server.kubeconfig().to_path_buf(),
        (None, None) => unreachable!("a server was started"),
    };
    let client = ApiClient::connect(&kubeconfig).await?;
    let namespace = format!("bench-{}", std::process::id());
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}});
    client
        .expect(Method::POST, "/api/v1/namespaces", Some(serde_json::to_vec(&ns)?))
        .await?;
    let pods_path = format!("/api/v1/namespaces/{namespace}/pods");

    let mut report = Report {
        pods: args.pods,
        concurrency: args.concurrency,
        ..Default::default()
    };
    let (rate, mut lat) = phase("create", args.pods, args.concurrency, &client, {
        let base = pods_path.clone();
        move |client, i| {
            let path = base.clone();
            async move {
                client
                    .expect(Method::POST, &path, Some(pod(i, "v1", NODES)))
                    .await
                    .map(drop)
            }
        }
    })
    .await?;
    (report.create_per_s, report.create_p50_ms, report.create_p99_ms) =
        (rate, lat.percentile_ms(50.0), lat.percentile_ms(99.0));

    let (rate, mut lat) = phase("get", args.pods, args.concurrency, &client, {
        let base = pods_path.clone();
        move |client, i| {
            let path = format!("{base}/pod-{i:06}");
            async move { client.expect(Method::GET, &path, None).await.map(drop) }
        }
    })
    .await?;
    (report.get_per_s, report.get_p50_ms, report.get_p99_ms) = (rate, lat.percentile_ms(50.0), lat.percentile_ms(99.0));

    let (rate, mut lat) = phase("update", args.pods, args.concurrency, &client, {
        let base = pods_path.clone();
        move |client, i| {
            let path = format!("{base}/pod-{i:06}");
            async move {
                client
                    .expect(Method::PUT, &path, Some(pod(i, "v2", NODES)))
                    .await
                    .map(drop)
            }
        }
    })
    .await?;
    (report.update_per_s, report.update_p50_ms, report.update_p99_ms) =
        (rate, lat.percentile_ms(50.0), lat.percentile_ms(99.0));

    let mut all = Latencies::default();
    let mut paged = Latencies::default();
    let bar = progress_bar(args.lists as u64, "list");
    for _ in 0..args.lists {
        let started = Instant::now();
        let body = client.expect(Method::GET, &pods_path, None).await?;
        all.record(started.elapsed());
        let list: serde_json::Value = serde_json::from_slice(&body)?;
        anyhow::ensure!(
            list["items"].as_array().map_or(0, Vec::len) == args.pods,
            "LIST did not return every pod"
        );
        let started = Instant::now();
        client
            .expect(Method::GET, &format!("{pods_path}?limit=500"), None)
            .await?;
        paged.record(started.elapsed());
        bar.inc(1);
    }
    bar.finish();
    (report.list_all_p50_ms, report.list_all_p99_ms) = (all.percentile_ms(50.0), all.percentile_ms(99.0));
    (report.list_page500_p50_ms, report.list_page500_p99_ms) = (paged.percentile_ms(50.0), paged.percentile_ms(99.0));

    let (rate, mut lat) = phase("delete", args.pods, args.concurrency, &client, {
        let base = pods_path.clone();
        move |client, i| {
            let path = format!("{base}/pod-{i:06}");
            async move { client.expect(Method::DELETE, &path, None).await.map(drop) }
        }
    })
    .await?;
    (report.delete_per_s, report.delete_p50_ms, report.delete_p99_ms) =
        (rate, lat.percentile_ms(50.0), lat.percentile_ms(99.0));

    print_report(&report)?;
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&report)? + "\n")
            .with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    if let Some(server) = server {
        server.shutdown().await;
    }
    Ok(())
}

/// Runs `request(i)` for every pod index with `concurrency` workers; returns the rate and
/// the latencies.
pub(super) async fn phase<F, Fut>(
    what: &str,
    total: usize,
    concurrency: usize,
    client: &ApiClient,
    request: F,
) -> Result<(f64, Latencies)>
where
    F: Fn(ApiClient, usize) -> Fut + Send + Sync + 'static + Clone,
    Fut: std::future::Future<Output = Result<()>> + Send,
{
    let bar = progress_bar(total as u64, what);
    let next = Arc::new(AtomicUsize::new(0));
    let latencies = Arc::new(Mutex::new(Latencies::default()));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (next, latencies, bar, client, request) = (
            next.clone(),
            latencies.clone(),
            bar.clone(),
            client.clone(),
            request.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut mine = Latencies::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let began = Instant::now();
                request(client.clone(), i).await?;
                mine.record(began.elapsed());
                bar.inc(1);
            }
            latencies.lock().await.merge(mine);
            anyhow::Ok(())
        }));
    }
    for worker in workers {
        worker.await??;
    }
    let elapsed = started.elapsed().max(Duration::from_micros(1));
    bar.finish();
    let latencies = std::mem::take(&mut *latencies.lock().await);
    Ok((total as f64 / elapsed.as_secs_f64(), latencies))
}

/// A pod of realistic size (~1.5 KiB of JSON) on node `node-{i % nodes}`.
pub(super) fn pod(i: usize, version: &str, nodes: usize) -> Vec<u8> {
    let pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": format!("pod-{i:06}"),
            "labels": {"app": format!("app-{}", i % 50), "tier": "backend", "version": version},
            "annotations": {"bench.myriad.dev/index": i.to_string()},
        },
        "spec": {
            "nodeName": node_name(i % nodes.max(1)),
            "containers": [{
                "name": "main",
                "image": "registry.example.com/team/service:1.2.3",
                "args": ["--port=8080", "--log-level=info"],
                "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                "env": [{"name": "MODE", "value": "bench"}, {"name": "INDEX", "value": i.to_string()}],
                "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
                "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10},
            }],
            "terminationGracePeriodSeconds": 30,
        },
        "status": {"phase": "Running", "podIP": format!("10.{}.{}.{}", i / 65536 % 256, i / 256 % 256, i % 256)},
    });
    serde_json::to_vec(&pod).unwrap_or_default()
}

/// The name of node `i`, as every benchmark writes it.
pub(super) fn node_name(i: usize) -> String {
    format!("node-{i:05}")
}

/// Nodes the pods of this benchmark are spread over.
const NODES: usize = 1000;

fn print_report(report: &Report) -> Result<()> {
    println!("\n{} pods, {} in flight", report.pods, report.concurrency);
    println!("{:<10}{:>12}{:>12}{:>12}", "verb", "per s", "p50 ms", "p99 ms");
    let rows = [
        (
            "create",
            report.create_per_s,
            report.create_p50_ms,
            report.create_p99_ms,
        ),
        ("get", report.get_per_s, report.get_p50_ms, report.get_p99_ms),
        (
            "update",
            report.update_per_s,
            report.update_p50_ms,
            report.update_p99_ms,
        ),
        (
            "delete",
            report.delete_per_s,
            report.delete_p50_ms,
            report.delete_p99_ms,
        ),
    ];
    for (verb, rate, p50, p99) in rows {
        println!("{verb:<10}{rate:>12.0}{p50:>12.2}{p99:>12.2}");
    }
    println!(
        "{:<10}{:>12}{:>12.2}{:>12.2}",
        "list all", "-", report.list_all_p50_ms, report.list_all_p99_ms
    );
    println!(
        "{:<10}{:>12}{:>12.2}{:>12.2}",
        "list 500", "-", report.list_page500_p50_ms, report.list_page500_p99_ms
    );
    Ok(())
}
