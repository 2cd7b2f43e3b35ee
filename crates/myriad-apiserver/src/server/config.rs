//! The API server's configuration, built once from the command line.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::cache::CacheConfig;

/// redb page cache of the default embedded store. The watch cache holds every object,
/// serves LISTs and WATCHes and is where writes start from, so the store's own cache
/// mostly serves the B-tree's inner pages and GETs; the OS page cache holds the rest of
/// the file. At 220,000 objects 16 MiB serves writes as fast as 64 MiB did, for 65 MB
/// less RSS (`myriad bench watch`, docs/benchmarks.md).
pub const DEFAULT_STORE_CACHE_BYTES: usize = 16 << 20;

/// kube-apiserver's default `--request-timeout`.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Everything `Server::start` needs.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Holds the embedded store (`store/`) and the PKI (`pki/`).
    pub data_dir: PathBuf,
    pub bind: IpAddr,
    /// 0 picks a free port (tests); the chosen one is in `Server::addr`.
    pub port: u16,
    /// Where to write the admin kubeconfig (default `<data_dir>/kubeconfig`).
    pub kubeconfig: Option<PathBuf>,
    /// A store config file (TOML); without it, one embedded store under `data_dir`.
    pub store_config: Option<PathBuf>,
    /// How often store history is compacted (kube-apiserver's default: 5 minutes).
    pub compaction_interval: Duration,
    /// The watch cache: history sizes per resource, watcher queues, bookmarks.
    pub cache: CacheConfig,
    /// redb page cache of the default embedded store (not used with `store_config`).
    pub store_cache_bytes: usize,
    /// Static bearer tokens (`token,user,uid,"group1,group2"` per line).
    pub token_auth_file: Option<PathBuf>,
    /// `iss` of ServiceAccount tokens, and the audience the API server accepts.
    pub service_account_issuer: String,
    /// Seats shared by the priority levels (kube-apiserver: `--max-requests-inflight`
    /// + `--max-mutating-requests-inflight`, 400 + 200).
    pub max_seats: usize,
    /// How long a request that is not long-running (everything but watches) may take
    /// before it is answered 504 (kube-apiserver's `--request-timeout`, 1 minute).
    pub request_timeout: Duration,
    /// Where Services' cluster IPs come from (kube-apiserver's
    /// `--service-cluster-ip-range`): one CIDR, or two of different families
    /// (dual-stack, primary first).
    pub service_cluster_ip_range: String,
    /// Where node ports come from (`--service-node-port-range`, `30000-32767`).
    pub service_node_port_range: String,
    /// The address the `kubernetes` Service's endpoints name (`--advertise-address`);
    /// without it, the bind address, or 127.0.0.1 when binding every interface.
    pub advertise_address: Option<IpAddr>,
    /// How often leaked cluster IPs and node ports are looked for (upstream: 3 minutes).
    pub service_repair_interval: Duration,
    /// Admission plugins to turn on beyond the defaults (kube-apiserver's
    /// `--enable-admission-plugins`).
    pub enable_admission_plugins: Vec<String>,
    /// Admission plugins to turn off (`--disable-admission-plugins`).
    pub disable_admission_plugins: Vec<String>,
}

/// The cluster IP range when none is given: kubeadm's, which puts the `kubernetes`
/// Service at 10.96.0.1 (kube-apiserver alone would use 10.0.0.0/24).
pub const DEFAULT_SERVICE_CLUSTER_IP_RANGE: &str = "10.96.0.0/12";
/// kube-apiserver's default `--service-node-port-range`.
pub const DEFAULT_SERVICE_NODE_PORT_RANGE: &str = "30000-32767";

impl ServerConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        ServerConfig {
            data_dir: data_dir.into(),
            bind: IpAddr::from([127, 0, 0, 1]),
            port: 6443,
            kubeconfig: None,
            store_config: None,
            compaction_interval: Duration::from_secs(300),
            cache: CacheConfig::default(),
            store_cache_bytes: DEFAULT_STORE_CACHE_BYTES,
            token_auth_file: None,
            service_account_issuer: crate::authn::DEFAULT_ISSUER.to_string(),
            max_seats: 600,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            service_cluster_ip_range: DEFAULT_SERVICE_CLUSTER_IP_RANGE.to_string(),
            service_node_port_range: DEFAULT_SERVICE_NODE_PORT_RANGE.to_string(),
            advertise_address: None,
            service_repair_interval: Duration::from_secs(180),
            enable_admission_plugins: Vec::new(),
            disable_admission_plugins: Vec::new(),
        }
    }

    pub fn kubeconfig_path(&self) -> PathBuf {
        self.kubeconfig
            .clone()
            .unwrap_or_else(|| self.data_dir.join("kubeconfig"))
    }
}
