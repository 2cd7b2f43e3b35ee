//! `myriad`: one binary for the whole control plane. Subcommands grow with the issues:
//! `up` and `server` (the API server), `bench` (benchmarks), `store` (store tools);
//! `agent` and `sim` follow.

mod bench;
mod serve;
mod storm;

use clap::{Parser, Subcommand};

/// The process allocator. Under write load glibc's malloc took ~40% of the server's CPU
/// (most of it in `_int_malloc` and `malloc_consolidate`); jemalloc cut the server's
/// CPU per write by a third at the same memory, where mimalloc cut less and grew RSS
/// by a third. See "Watch cache at scale" in docs/benchmarks.md.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "myriad",
    version,
    about = "Kubernetes-API-compatible control plane and fleet manager"
)]
struct Cli {
    /// Log filter (tracing `EnvFilter` syntax), e.g. `info` or `myriad_store=debug`.
    #[arg(long, global = true, env = "MYRIAD_LOG", default_value = "info")]
    log: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run everything on one machine with the embedded store; prints the kubeconfig.
    Up(serve::UpArgs),
    /// Run the API server alone.
    Server(serve::ServerArgs),
    /// Benchmarks; each prints a table and can write JSON.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Store tools.
    #[command(subcommand)]
    Store(StoreCommand),
}

#[derive(Subcommand)]
enum StoreCommand {
    /// Writes keys to an embedded store as fast as it can, printing `ACK <key> <value>`
    /// for every acknowledged write, until killed. Used by the crash-recovery test.
    WriteStorm(storm::StormArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_new(&cli.log).unwrap_or_else(|_| EnvFilter::new("warn")))
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        match cli.command {
            Command::Up(args) => serve::up(args).await,
            Command::Server(args) => serve::server(args).await,
            Command::Bench(command) => bench::run(command).await,
            Command::Store(StoreCommand::WriteStorm(args)) => storm::run(args).await,
        }
    })
}
