//! `myriad bench store`: the embedded store and a real local etcd, side by side, in one
//! run, both fsyncing every acknowledged write.
//!
//! Phases per backend: bulk load (`--keys` values of `--value-bytes`), put throughput
//! with 1 and 64 concurrent writers, paged range latency over the loaded keys, watch
//! delivery latency under a paced write load, memory, disk size and (embedded) reopen
//! time of the loaded store.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use indicatif::ProgressBar;
use myriad_store::{
    EmbeddedOptions, EmbeddedStore, EtcdOptions, EtcdStore, RangeOptions, Store, Txn, TxnOp, WatchOptions,
};
use myriad_testkit::etcd::EtcdServer;
use serde::Serialize;

use super::stats::{Latencies, dir_bytes, progress_bar, rss_bytes};

#[derive(clap::Args)]
pub struct StoreBenchArgs {
    /// Keys loaded before the range phase.
    #[arg(long, default_value_t = 1_000_000)]
    keys: usize,
    /// Value size of every write.
    #[arg(long, default_value_t = 1024)]
    value_bytes: usize,
    /// Seconds of each put-throughput phase.
    #[arg(long, default_value_t = 10)]
    put_secs: u64,
    /// Seconds of the watch phase.
    #[arg(long, default_value_t = 10)]
    watch_secs: u64,
    /// Writes per second during the watch phase.
    #[arg(long, default_value_t = 5000)]
    watch_rate: u64,
    /// Range reads sampled.
    #[arg(long, default_value_t = 2000)]
    range_samples: usize,
    /// Keys per range read (a LIST page).
    #[arg(long, default_value_t = 500)]
    range_limit: usize,
    /// Backends to run, in order.
    #[arg(long, value_delimiter = ',', default_value = "embedded,etcd")]
    backends: Vec<String>,
    /// Directory for the embedded store (default: a temporary directory).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Write the results as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// One backend's results; field names are the JSON contract.
#[derive(Debug, Default, Serialize)]
struct Report {
    put_per_s_1w: f64,
    put_per_s_64w: f64,
    load_s: f64,
    load_per_s: f64,
    range_p50_ms: f64,
    range_p99_ms: f64,
    watch_p50_ms: f64,
    watch_p99_ms: f64,
    watch_events: usize,
    watch_writes_per_s: f64,
    rss_bytes: u64,
    disk_bytes: u64,
    reopen_s: Option<f64>,
}

pub async fn run(args: StoreBenchArgs) -> Result<()> {
    let mut reports = serde_json::Map::new();
    for backend in &args.backends {
        println!("== {backend} ==");
        let report = match backend.as_str() {
            "embedded" => bench_embedded(&args).await?,
            "etcd" => bench_etcd(&args).await?,
            other => bail!("unknown backend {other:?} (expected embedded or etcd)"),
        };
        reports.insert(backend.clone(), serde_json::to_value(&report)?);
    }
    print_table(&reports);
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&reports)? + "\n")
            .with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

async fn bench_embedded(args: &StoreBenchArgs) -> Result<Report> {
    let temp;
    let dir = match &args.dir {
        Some(dir) => dir.clone(),
        None => {
            temp = tempfile::Builder::new()
                .prefix("myriad-bench-store")
                .tempdir_in(std::env::current_dir()?)?;
            temp.path().to_path_buf()
        }
    };
    let store = Arc::new(EmbeddedStore::open(EmbeddedOptions::new(&dir)).await?);
    let mut report = run_phases(store.clone(), args).await?;
    report.rss_bytes = rss_bytes(std::process::id()).unwrap_or(0);
    let stats = store.stats();
    println!(
        "  group commit: {} txns in {} commits ({:.1} per fsync)",
        stats.txns,
        stats.commits,
        stats.txns as f64 / stats.commits.max(1) as f64
    );
    let store = Arc::into_inner(store).context("store still shared after the phases")?;
    store.close().await;
    report.disk_bytes = dir_bytes(&dir);

    let spinner = spinner("reopening the loaded store");
    let started = Instant::now();
    let reopened = EmbeddedStore::open(EmbeddedOptions::new(&dir)).await?;
    report.reopen_s = Some(started.elapsed().as_secs_f64());
    spinner.finish_with_message(format!(
        "reopened {} keys in {:.2}s",
        reopened.stats().keys,
        started.elapsed().as_secs_f64()
    ));
    reopened.close().await;
    Ok(report)
}

async fn bench_etcd(args: &StoreBenchArgs) -> Result<Report> {
    let etcd = EtcdServer::start()
        .await
        .context("starting etcd (install Debian's etcd-server)")?;
    let store = Arc::new(EtcdStore::connect(EtcdOptions::new(vec![etcd.endpoint()])).await?);
    let mut report = run_phases(store, args).await?;
    report.rss_bytes = rss_bytes(etcd.pid()).unwrap_or(0);
    report.disk_bytes = dir_bytes(etcd.data_dir());
    Ok(report)
}

async fn run_phases(store: Arc<dyn Store>, args: &StoreBenchArgs) -> Result<Report> {
    let mut report = Report::default();
    let value = Bytes::from(vec![b'v'; args.value_bytes]);
    let started = Instant::now();
    load(&store, args.keys, &value).await?;
    report.load_s = started.elapsed().as_secs_f64();
    report.load_per_s = args.keys as f64 / report.load_s;
    report.put_per_s_1w = put_throughput(&store, 1, args.put_secs, &value).await?;
    report.put_per_s_64w = put_throughput(&store, 64, args.put_secs, &value).await?;
    let mut range = range_latency(&store, args).await?;
    report.range_p50_ms = range.percentile_ms(50.0);
    report.range_p99_ms = range.percentile_ms(99.0);
    let (mut watch, rate) = watch_latency(&store, args).await?;
    report.watch_events = watch.len();
    report.watch_p50_ms = watch.percentile_ms(50.0);
    report.watch_p99_ms = watch.percentile_ms(99.0);
    report.watch_writes_per_s = rate;
    Ok(report)
}

/// Advances `bar` once a second, for phases measured in seconds; abort it when done.
fn tick_seconds(bar: &ProgressBar) -> tokio::task::JoinHandle<()> {
    let bar = bar.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            bar.inc(1);
        }
    })
}

fn spinner(what: &str) -> ProgressBar {
    let spinner = ProgressBar::new_spinner();
    spinner.set_message(format!("  {what}"));
    spinner.enable_steady_tick(Duration::from_millis(200));
    spinner
}

fn data_key(i: usize) -> Bytes {
    Bytes::from(format!("/bench/data/{i:08}"))
}

/// Loads `keys` keys in transactions of 100 puts from 16 concurrent loaders.
async fn load(store: &Arc<dyn Store>, keys: usize, value: &Bytes) -> Result<()> {
    const PER_TXN: usize = 100;
    const LOADERS: usize = 16;
    let bar = progress_bar(keys as u64, "load");
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..LOADERS {
        let (store, next, value, bar) = (store.clone(), next.clone(), value.clone(), bar.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let first = next.fetch_add(PER_TXN as u64, Ordering::Relaxed) as usize;
                if first >= keys {
                    return anyhow::Ok(());
                }
                let last = (first + PER_TXN).min(keys);
                let ops = (first..last).map(|i| TxnOp::put(data_key(i), value.clone()));
                store.txn(Txn::new().and_then(ops)).await?;
                bar.inc((last - first) as u64);
            }
        }));
    }
    for task in tasks {
        task.await??;
    }
    bar.finish();
    Ok(())
}

/// Unconditional single-key puts from `writers` concurrent clients for `secs` seconds.
async fn put_throughput(store: &Arc<dyn Store>, writers: usize, secs: u64, value: &Bytes) -> Result<f64> {
    let bar = progress_bar(secs, &format!("put, {writers} writer(s) (seconds)"));
    let count = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for w in 0..writers {
        let (store, count, value) = (store.clone(), count.clone(), value.clone());
        tasks.push(tokio::spawn(async move {
            let mut i = 0u64;
            while Instant::now() < deadline {
                let key = format!("/bench/put{writers}/w{w}/{i}");
                store.put(key.as_bytes(), &value).await?;
                count.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
            anyhow::Ok(())
        }));
    }
    let ticker = tick_seconds(&bar);
    for task in tasks {
        task.await??;
    }
    ticker.abort();
    let rate = count.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
    bar.finish_with_message(format!("put, {writers} writer(s): {rate:.0}/s"));
    Ok(rate)
}

/// A tiny deterministic generator for sample positions (no `rand` dependency).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Pages of `range_limit` keys from random start positions in the loaded data.
async fn range_latency(store: &Arc<dyn Store>, args: &StoreBenchArgs) -> Result<Latencies> {
    let bar = progress_bar(
        args.range_samples as u64,
        &format!("range, {} keys per page", args.range_limit),
    );
    let mut rng = SplitMix(42);
    let mut latencies = Latencies::default();
    for _ in 0..args.range_samples {
        let start = data_key(rng.next() as usize % args.keys.max(1));
        let options = RangeOptions {
            start: Some(start),
            limit: args.range_limit,
            revision: 0,
        };
        let began = Instant::now();
        let page = store.range(b"/bench/data/", options).await?;
        latencies.record(began.elapsed());
        if page.kvs.is_empty() {
            bail!("range returned nothing");
        }
        bar.inc(1);
    }
    bar.finish();
    Ok(latencies)
}

/// One watcher on a prefix while 64 writers put at `watch_rate` writes/s in total. Each
/// value carries its send time; latency is send → watcher receipt (commit included).
async fn watch_latency(store: &Arc<dyn Store>, args: &StoreBenchArgs) -> Result<(Latencies, f64)> {
    const WRITERS: u64 = 64;
    let bar = progress_bar(args.watch_secs, &format!("watch @ {}/s (seconds)", args.watch_rate));
    let epoch = Instant::now();
    let mut watch = store.watch(WatchOptions::prefix("/bench/watch/")).await?;
    let written = Arc::new(AtomicU64::new(0));
    let deadline = epoch + Duration::from_secs(args.watch_secs);
    let period = Duration::from_secs_f64(WRITERS as f64 / args.watch_rate.max(1) as f64);
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (store, written, size) = (store.clone(), written.clone(), args.value_bytes);
        writers.push(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(period);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            let mut i = 0u64;
            while Instant::now() < deadline {
                ticks.tick().await;
                let mut value = format!("{}|", epoch.elapsed().as_nanos()).into_bytes();
                value.resize(size.max(value.len()), b'w');
                store
                    .put(format!("/bench/watch/w{w}/{}", i % 100).as_bytes(), &value)
                    .await?;
                written.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
            anyhow::Ok(())
        }));
    }
    let (total_tx, mut total_rx) = tokio::sync::oneshot::channel::<u64>();
    let receiver = tokio::spawn(async move {
        let mut latencies = Latencies::default();
        let mut expected = None;
        loop {
            if expected.is_some_and(|n| latencies.len() as u64 >= n) {
                return anyhow::Ok(latencies);
            }
            let batch = tokio::select! {
                batch = watch.recv() => batch.context("watch ended early")??,
                total = &mut total_rx, if expected.is_none() => {
                    expected = Some(total?);
                    continue;
                }
            };
            let now = epoch.elapsed().as_nanos();
            for event in batch.events {
                let sent: u128 = std::str::from_utf8(&event.kv.value)?
                    .split('|')
                    .next()
                    .unwrap_or_default()
                    .parse()?;
                latencies.record(Duration::from_nanos(now.saturating_sub(sent) as u64));
            }
        }
    });
    let ticker = tick_seconds(&bar);
    for writer in writers {
        writer.await??;
    }
    ticker.abort();
    let total = written.load(Ordering::Relaxed);
    let rate = total as f64 / epoch.elapsed().as_secs_f64();
    let _ = total_tx.send(total);
    let latencies = tokio::time::timeout(Duration::from_secs(30), receiver)
        .await
        .context("the watcher did not receive every write within 30s")???;
    bar.finish_with_message(format!("watch @ {rate:.0}/s"));
    Ok((latencies, rate))
}

fn print_table(reports: &serde_json::Map<String, serde_json::Value>) {
    let names: Vec<&String> = reports.keys().collect();
    let Some(first) = reports.values().next().and_then(|v| v.as_object()) else {
        return;
    };
    print!("\n{:<22}", "metric");
    for name in &names {
        print!("{name:>16}");
    }
    println!();
    for metric in first.keys() {
        print!("{metric:<22}");
        for name in &names {
            let cell = match &reports[*name][metric] {
                serde_json::Value::Number(n) => {
                    let v = n.as_f64().unwrap_or(0.0);
                    if v.fract() == 0.0 {
                        format!("{v:.0}")
                    } else {
                        format!("{v:.3}")
                    }
                }
                serde_json::Value::Null => "-".into(),
                other => other.to_string(),
            };
            print!("{cell:>16}");
        }
        println!();
    }
}
