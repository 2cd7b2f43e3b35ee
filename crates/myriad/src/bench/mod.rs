//! `myriad bench …`: benchmarks that hold the performance targets (never timed tests).

mod api;
mod client;
mod flood;
mod stats;
mod store;
mod watch;

use std::future::Future;

use anyhow::Result;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// API server request latency and throughput for pods (create/get/update/list/delete).
    Api(api::ApiBenchArgs),
    /// The store side by side: embedded vs a real local etcd, same durability.
    Store(store::StoreBenchArgs),
    /// The watch cache at scale: per-node pod watches, delivery delay, LIST latency, memory.
    Watch(watch::WatchBenchArgs),
    /// Node heartbeats with and without a flooding client (priority and fairness).
    Flood(flood::FloodBenchArgs),
}

pub async fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Api(args) => api::run(args).await,
        BenchCommand::Store(args) => store::run(args).await,
        BenchCommand::Watch(args) => watch::run(args).await,
        BenchCommand::Flood(args) => flood::run(args).await,
    }
}

/// Runs `task` on its own OS thread and single-threaded runtime.
pub(super) fn on_own_thread<F, Fut, T>(name: &str, task: F) -> tokio::sync::oneshot::Receiver<Result<T>>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = Result<T>>,
    T: Send + 'static,
{
    let (tx, rx) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new().name(name.to_string()).spawn(move || {
        let result = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(anyhow::Error::from)
            .and_then(|runtime| runtime.block_on(task()));
        let _ = tx.send(result);
    });
    if let Err(error) = spawned {
        tracing::warn!(%error, "could not start a benchmark thread");
    }
    rx
}

/// Benchmarks that measure a `myriad server` process: extra arguments for it.
#[derive(clap::Args)]
pub struct ServerProcess {
    /// Extra `myriad server` arguments, e.g. `--server-arg=--store-cache-mib=512`.
    #[arg(long = "server-arg", allow_hyphen_values = true)]
    server_args: Vec<String>,
}

impl ServerProcess {
    /// Starts this binary's `server` on `data_dir` with `extra` and the user's arguments.
    pub(super) async fn start(
        &self,
        data_dir: std::path::PathBuf,
        mut extra: Vec<String>,
    ) -> Result<myriad_testkit::myriad::MyriadServer> {
        let binary = std::env::current_exe()?;
        extra.extend(self.server_args.iter().cloned());
        tokio::task::spawn_blocking(move || {
            let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
            myriad_testkit::myriad::MyriadServer::start_with(&binary, &data_dir, &extra)
        })
        .await?
    }
}
