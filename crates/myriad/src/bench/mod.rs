//! `myriad bench …`: benchmarks that hold the performance targets (never timed tests).

mod stats;
mod store;

use clap::Subcommand;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// The store side by side: embedded vs a real local etcd, same durability.
    Store(store::StoreBenchArgs),
}

pub async fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Store(args) => store::run(args).await,
    }
}
