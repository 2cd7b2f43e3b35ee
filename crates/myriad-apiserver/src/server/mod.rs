//! The API server as a whole: [`Server::start`] opens the store, puts the defaults in
//! place, prepares the PKI and kubeconfig, starts the watch cache and the followers of
//! RBAC, flow control, cells and user-agent limits, and serves; [`Server::shutdown`]
//! stops it in order. Everything it starts in the background is owned by its
//! [`Tasks`] and awaited at shutdown.
//!
//! [`config`] is what it is started with; [`routes`] the paths it serves; [`listener`]
//! the TLS listener and its connections; [`pki`] and [`kubeconfig`] the cluster's
//! certificates and the admin kubeconfig.

pub(crate) mod config;
pub(crate) mod kubeconfig;
mod listener;
pub(crate) mod pki;
mod routes;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use myriad_store::{EmbeddedOptions, Router as StoreRouter, StoreConfig, StoreError};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use self::config::ServerConfig;
use self::listener::Tls;
use self::pki::PkiError;
use crate::admission::plugins::Plugins;
use crate::admission::{self, Admission};
use crate::authn::{Authenticator, ServiceAccountTokens, TokenFile};
use crate::authz::{self, Authorizer};
use crate::cache::{ApplyObserver, Caches};
use crate::cells::Cells;
use crate::error::ApiError;
use crate::flowcontrol::{self, FlowControl};
use crate::metrics::Metrics;
use crate::registry::catalog::Catalog;
use crate::registry::services::kubernetes::Advertised;
use crate::registry::services::{self, ServiceNetwork};
use crate::registry::{Registry, apiservices, crd, namespaces};
use crate::state::{AppState, Shared};
use crate::storage::compactor;
use crate::tasks::Tasks;
use crate::user_agents::UserAgentLimits;

/// How long the server waits at start for the RBAC policy and the flow control
/// configuration to load.
const POLICY_WAIT: Duration = Duration::from_secs(10);
/// How long background tasks get to stop at shutdown.
const TASKS_GRACE: Duration = Duration::from_secs(5);

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("pki: {0}")]
    Pki(#[from] PkiError),
    #[error("tls: {0}")]
    Tls(String),
    #[error("bootstrap: {0}")]
    Bootstrap(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
}

/// A step of the start that failed.
fn bootstrap(what: &'static str) -> impl FnOnce(ApiError) -> ServerError {
    move |error| ServerError::Bootstrap(format!("{what}: {error}"))
}

/// A running API server.
pub struct Server {
    addr: SocketAddr,
    kubeconfig: PathBuf,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl Server {
    /// Opens the store, prepares the PKI and kubeconfig, and starts serving.
    pub async fn start(config: ServerConfig) -> Result<Server, ServerError> {
        let store_config = match &config.store_config {
            Some(path) => StoreConfig::from_file(path)?,
            None => {
                let mut options = EmbeddedOptions::new(&config.data_dir.join("store"));
                options.cache_bytes = config.store_cache_bytes;
                StoreConfig::embedded_with(options)
            }
        };
        let ip_ranges = services::parse_ip_ranges(&config.service_cluster_ip_range)
            .map_err(|e| ServerError::Bootstrap(e.to_string()))?;
        let node_ports = services::parse_port_range(&config.service_node_port_range)
            .map_err(|e| ServerError::Bootstrap(e.to_string()))?;
        let plugins = Plugins::from_flags(&config.enable_admission_plugins, &config.disable_admission_plugins)
            .map_err(|e| ServerError::Bootstrap(e.to_string()))?;
        let metrics = Arc::new(Metrics::default());
        let store = StoreRouter::open(&store_config)
            .await?
            .map_backends(|name, backend| metrics.measure(name, backend));
        let store = Arc::new(store);
        let tasks = Arc::new(Tasks::default());
        let catalog = Arc::new(Catalog::default());
        let crds = catalog.load(&store).await.map_err(bootstrap("loading CRDs"))?;
        tracing::info!(crds, "custom resource definitions loaded");
        crd::resume_cleanups(&store, &catalog, &tasks)
            .await
            .map_err(bootstrap("resuming CRD deletion"))?;
        namespaces::resume_cleanups(&store, &catalog, &tasks)
            .await
            .map_err(bootstrap("resuming namespace deletion"))?;
        namespaces::ensure_system_namespaces(&store)
            .await
            .map_err(bootstrap("creating system namespaces"))?;
        authz::ensure_bootstrap_policy(&store)
            .await
            .map_err(bootstrap("RBAC bootstrap policy"))?;
        flowcontrol::ensure_defaults(&store)
            .await
            .map_err(bootstrap("flow control defaults"))?;
        admission::priority::ensure_system_classes(&store)
            .await
            .map_err(bootstrap("system priority classes"))?;
        apiservices::ensure_built_in(&store)
            .await
            .map_err(bootstrap("built-in APIServices"))?;
        let tokens = match &config.token_auth_file {
            Some(path) => TokenFile::read(path).map_err(|e| ServerError::Bootstrap(e.to_string()))?,
            None => TokenFile::default(),
        };

        let extra_names: Vec<String> = pki::hostname().into_iter().collect();
        let pki_dir = config.data_dir.join("pki");
        let pki = pki::ensure(&pki_dir, config.bind, &extra_names)?;
        let signing_key = pki::service_account_key(&pki_dir)?;
        let service_accounts = Arc::new(ServiceAccountTokens::new(&signing_key, &config.service_account_issuer));
        let tls = Tls::new(&pki)?;

        let requested = SocketAddr::new(config.bind, config.port);
        let listener = TcpListener::bind(requested).await.map_err(|source| ServerError::Bind {
            addr: requested,
            source,
        })?;
        let addr = listener.local_addr().map_err(|source| ServerError::Bind {
            addr: requested,
            source,
        })?;
        let kubeconfig = config.kubeconfig_path();
        let (host, url) = listener::url_of(addr);
        kubeconfig::write(&kubeconfig, &url, &pki)?;

        let cells = Cells::new(metrics.clone());
        let observer: Arc<dyn ApplyObserver> = cells.clone();
        let caches = Arc::new(Caches::new(
            store.clone(),
            config.cache.clone(),
            metrics.clone(),
            Some(observer),
        ));
        // Built-in resources start caching now, so their first LIST finds them ready.
        for info in catalog.all() {
            caches.get(&info);
        }
        let authorizer = Arc::new(Authorizer::default());
        authorizer.follow(caches.clone(), POLICY_WAIT, &tasks).await;
        let flowcontrol = FlowControl::new(config.max_seats);
        flowcontrol.follow(caches.clone(), POLICY_WAIT, &tasks).await;
        let user_agents = Arc::new(UserAgentLimits::default());
        user_agents.follow(caches.clone(), &tasks);
        cells.follow(caches.clone(), POLICY_WAIT, &tasks).await;
        let authenticator = Arc::new(Authenticator::new(tokens, service_accounts.clone(), caches.clone()));
        let network =
            Arc::new(ServiceNetwork::new(store.clone(), ip_ranges, node_ports).map_err(bootstrap("service network"))?);
        let advertised = Advertised {
            ip: config.advertise_address.unwrap_or(match config.bind {
                ip if ip.is_unspecified() => IpAddr::from([127, 0, 0, 1]),
                ip => ip,
            }),
            port: addr.port(),
        };
        services::kubernetes::ensure(&store, &network, advertised)
            .await
            .map_err(bootstrap("the kubernetes Service"))?;
        services::repair::pass(&store, &network, &mut Default::default())
            .await
            .map_err(bootstrap("unable to perform initial IP and Port allocation check"))?;
        services::repair::spawn(
            &tasks,
            store.clone(),
            network.clone(),
            advertised,
            config.service_repair_interval,
        );
        let registry = Arc::new(Registry {
            store: store.clone(),
            catalog,
            caches: caches.clone(),
            cells,
            authorizer,
            service_accounts,
            tasks: tasks.clone(),
            network,
            admission: Arc::new(Admission::new(plugins, caches.clone(), store.clone())),
        });
        let state = AppState::new(Shared {
            registry,
            server_address: format!("{host}:{}", addr.port()).into(),
            metrics,
            authenticator,
            flowcontrol,
            user_agents,
            request_timeout: config.request_timeout,
        });
        let backends = store
            .backends()
            .map(|(name, s)| (name.to_string(), s.clone()))
            .collect();
        compactor::spawn(&tasks, backends, config.compaction_interval);
        let stop = CancellationToken::new();
        let app = routes::router(state);
        let serving = listener::serve(listener, tls, app, stop.clone(), caches);
        let task = tokio::spawn(async move {
            serving.await;
            tasks.shutdown(TASKS_GRACE).await;
            drop(tasks);
            // Requests, cachers and background tasks are gone: stop the store, which
            // closes as the last handle, `store`, drops.
            store.shutdown().await;
            if Arc::strong_count(&store) > 1 {
                tracing::warn!("the store is still referenced at shutdown; it closes when released");
            }
            drop(store);
            tracing::info!("API server stopped");
        });
        tracing::info!(%addr, kubeconfig = %kubeconfig.display(), "API server listening");
        Ok(Server {
            addr,
            kubeconfig,
            stop,
            task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn kubeconfig(&self) -> &std::path::Path {
        &self.kubeconfig
    }

    /// Stops accepting, ends watches, lets in-flight requests finish (bounded), stops
    /// every background task, and closes the store.
    pub async fn shutdown(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }
}
