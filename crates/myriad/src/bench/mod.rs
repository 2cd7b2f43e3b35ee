//! `myriad bench …`: benchmarks that hold the performance targets (never timed tests).

mod api;
mod client;
mod stats;
mod store;
mod watch;

use clap::Subcommand;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// API server request latency and throughput for pods (create/get/update/list/delete).
    Api(api::ApiBenchArgs),
    /// The store side by side: embedded vs a real local etcd, same durability.
    Store(store::StoreBenchArgs),
    /// The watch cache at scale: per-node pod watches, delivery delay, LIST latency, memory.
    Watch(watch::WatchBenchArgs),
}

pub async fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Api(args) => api::run(args).await,
        BenchCommand::Store(args) => store::run(args).await,
        BenchCommand::Watch(args) => watch::run(args).await,
    }
}
