//! `myriad server` (the API server alone) and `myriad up` (everything on one machine;
//! for now the API server, later controllers, scheduler and hollow nodes too).

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use myriad_apiserver::{CacheConfig, Server, ServerConfig};

#[derive(clap::Args)]
pub struct ServerArgs {
    /// Directory for the embedded store and the cluster PKI.
    #[arg(long)]
    data_dir: PathBuf,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(clap::Args)]
pub struct UpArgs {
    /// Directory for the embedded store and the cluster PKI
    /// (default: `$XDG_DATA_HOME/myriad` or `~/.local/share/myriad`).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(clap::Args)]
struct CommonArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// HTTPS port (0 picks a free one).
    #[arg(long, default_value_t = 6443)]
    port: u16,
    /// Where to write the admin kubeconfig (default: `<data-dir>/kubeconfig`).
    #[arg(long)]
    kubeconfig: Option<PathBuf>,
    /// Store configuration (TOML) naming backends and routes; default: one embedded store.
    #[arg(long)]
    store_config: Option<PathBuf>,
    /// Seconds between store compactions; clients can resume watches at least this far back.
    #[arg(long, default_value_t = 300)]
    compaction_interval_secs: u64,
    /// Page cache of the default embedded store, in MiB.
    #[arg(long, default_value_t = myriad_apiserver::DEFAULT_STORE_CACHE_BYTES >> 20)]
    store_cache_mib: usize,
    /// Watch cache history (changes kept for resuming watches) per resource, as
    /// `resource[.group]#size`, e.g. `pods#50000,events#0`; 0 serves the resource
    /// from the store, uncached.
    #[arg(long, value_parser = CacheConfig::parse_sizes)]
    watch_cache_sizes: Option<HashMap<String, usize>>,
    /// Watch cache history for resources not named in `--watch-cache-sizes`.
    #[arg(long, default_value_t = CacheConfig::default().default_size)]
    default_watch_cache_size: usize,
    /// Changes queued per watch before a watcher that does not keep up is cut off.
    #[arg(long, default_value_t = CacheConfig::default().watcher_queue)]
    watch_queue_length: usize,
    /// Seconds between BOOKMARK events on watches that allow them.
    #[arg(long, default_value_t = CacheConfig::default().bookmark_interval.as_secs_f64())]
    watch_bookmark_interval_secs: f64,
    /// Static bearer tokens, one `token,user,uid,"group1,group2"` per line
    /// (kube-apiserver's `--token-auth-file`).
    #[arg(long)]
    token_auth_file: Option<PathBuf>,
    /// Issuer (`iss`) of ServiceAccount tokens; also the audience the API accepts.
    #[arg(long, default_value = myriad_apiserver::DEFAULT_ISSUER)]
    service_account_issuer: String,
    /// Seats for non-mutating requests; with `--max-mutating-requests-inflight`, the
    /// seats priority levels share (kube-apiserver's flags and defaults).
    #[arg(long, default_value_t = 400)]
    max_requests_inflight: usize,
    #[arg(long, default_value_t = 200)]
    max_mutating_requests_inflight: usize,
    /// Seconds a request that is not long-running (everything but watches) may take
    /// before it is answered 504 Timeout (kube-apiserver's `--request-timeout`).
    #[arg(long, default_value_t = myriad_apiserver::DEFAULT_REQUEST_TIMEOUT.as_secs())]
    request_timeout_secs: u64,
    /// CIDR Services' cluster IPs come from; two (one per family, primary first) for
    /// dual-stack Services.
    #[arg(long, default_value = myriad_apiserver::DEFAULT_SERVICE_CLUSTER_IP_RANGE)]
    service_cluster_ip_range: String,
    /// Ports NodePort and LoadBalancer Services get on every node.
    #[arg(long, default_value = myriad_apiserver::DEFAULT_SERVICE_NODE_PORT_RANGE)]
    service_node_port_range: String,
    /// Address the `kubernetes` Service's endpoints advertise (default: the bind
    /// address, or 127.0.0.1 when binding every interface).
    #[arg(long)]
    advertise_address: Option<IpAddr>,
    /// Seconds between passes that restore missing cluster IP and node port records
    /// and release leaked ones.
    #[arg(long, default_value_t = 180)]
    service_repair_interval_secs: u64,
    /// Admission plugins to turn on beyond the defaults (comma-separated, as
    /// kube-apiserver names them).
    #[arg(long, value_delimiter = ',')]
    enable_admission_plugins: Vec<String>,
    /// Admission plugins to turn off, e.g. `ServiceAccount` when nothing creates the
    /// `default` ServiceAccount of new namespaces.
    #[arg(long, value_delimiter = ',')]
    disable_admission_plugins: Vec<String>,
}

fn config(data_dir: PathBuf, common: CommonArgs) -> ServerConfig {
    ServerConfig {
        data_dir,
        bind: common.bind,
        port: common.port,
        kubeconfig: common.kubeconfig,
        store_config: common.store_config,
        compaction_interval: Duration::from_secs(common.compaction_interval_secs.max(1)),
        store_cache_bytes: common.store_cache_mib.max(1) << 20,
        token_auth_file: common.token_auth_file,
        service_account_issuer: common.service_account_issuer,
        max_seats: (common.max_requests_inflight + common.max_mutating_requests_inflight).max(1),
        request_timeout: Duration::from_secs(common.request_timeout_secs.max(1)),
        service_cluster_ip_range: common.service_cluster_ip_range,
        service_node_port_range: common.service_node_port_range,
        advertise_address: common.advertise_address,
        service_repair_interval: Duration::from_secs(common.service_repair_interval_secs.max(1)),
        enable_admission_plugins: common.enable_admission_plugins,
        disable_admission_plugins: common.disable_admission_plugins,
        cache: CacheConfig {
            sizes: common.watch_cache_sizes.unwrap_or_default(),
            default_size: common.default_watch_cache_size,
            watcher_queue: common.watch_queue_length.max(1),
            bookmark_interval: Duration::from_secs_f64(common.watch_bookmark_interval_secs.clamp(0.1, 3600.0)),
        },
    }
}

fn default_data_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("myriad"));
    }
    let home = std::env::var_os("HOME").context("neither XDG_DATA_HOME nor HOME is set; pass --data-dir")?;
    Ok(PathBuf::from(home).join(".local/share/myriad"))
}

pub async fn server(args: ServerArgs) -> Result<()> {
    run(config(args.data_dir, args.common)).await
}

pub async fn up(args: UpArgs) -> Result<()> {
    let data_dir = match args.data_dir {
        Some(dir) => dir,
        None => default_data_dir()?,
    };
    let mut config = config(data_dir, args.common);
    // `up` does not run a controller manager yet, so nothing would create the
    // `default` ServiceAccount that the ServiceAccount admission plugin requires of
    // every new pod; it stays off unless the plugin flags say otherwise.
    if config.enable_admission_plugins.is_empty() && config.disable_admission_plugins.is_empty() {
        config.disable_admission_plugins.push("ServiceAccount".into());
    }
    run(config).await
}

async fn run(config: ServerConfig) -> Result<()> {
    let data_dir = config.data_dir.clone();
    let server = Server::start(config).await.context("starting the API server")?;
    println!("Myriad API server listening on https://{}", server.addr());
    println!("data directory: {}", data_dir.display());
    println!("kubeconfig: {}", server.kubeconfig().display());
    println!("  export KUBECONFIG={}", server.kubeconfig().display());
    wait_for_signal().await?;
    println!("shutting down");
    server.shutdown().await;
    Ok(())
}

async fn wait_for_signal() -> Result<()> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result?,
        _ = terminate.recv() => {}
    }
    Ok(())
}
