//! TLS listener serving HTTP/1.1 and HTTP/2 (ALPN) on one port, with graceful shutdown:
//! on shutdown the listener closes, in-flight requests get a grace period, then the
//! store closes cleanly.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use myriad_store::{EmbeddedOptions, Router as StoreRouter, StoreConfig, StoreError};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::authn::{Authenticator, CertificateCheck, ServiceAccountTokens, TokenFile};
use crate::authz::{self, Authorizer};
use crate::cache::Caches;
use crate::catalog::Catalog;
use crate::cells::Cells;
use crate::config::ServerConfig;
use crate::flowcontrol::{self, FlowControl};
use crate::handlers::{self, AppState};
use crate::metrics::Metrics;
use crate::pki::{self, Pki, PkiError};
use crate::user_agents::UserAgentLimits;
use crate::{compactor, crd, deletion, kubeconfig, routes};

/// How long the server waits at start for the RBAC policy and the flow control
/// configuration to load.
const POLICY_WAIT: Duration = Duration::from_secs(10);
/// How long in-flight requests may run after shutdown starts.
const GRACE: Duration = Duration::from_secs(10);
/// Concurrent HTTP/2 streams per connection (kube-apiserver's default).
const HTTP2_MAX_STREAMS: u32 = 1000;

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

/// A running API server.
pub struct Server {
    addr: SocketAddr,
    kubeconfig: PathBuf,
    shutdown: Option<oneshot::Sender<()>>,
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
        let metrics = Arc::new(Metrics::default());
        let store = StoreRouter::open(&store_config)
            .await?
            .map_backends(|name, backend| metrics.measure(name, backend));
        let store = Arc::new(store);
        let catalog = Arc::new(Catalog::default());
        let crds = catalog
            .load(&store)
            .await
            .map_err(|e| ServerError::Bootstrap(format!("loading CRDs: {}", e.status()["message"])))?;
        tracing::info!(crds, "custom resource definitions loaded");
        crd::resume_terminating(&store, &catalog)
            .await
            .map_err(|e| ServerError::Bootstrap(format!("resuming CRD deletion: {}", e.status()["message"])))?;
        deletion::resume_terminating_namespaces(&store, &catalog)
            .await
            .map_err(|e| ServerError::Bootstrap(format!("resuming namespace deletion: {}", e.status()["message"])))?;
        handlers::ensure_system_namespaces(&store)
            .await
            .map_err(|e| ServerError::Bootstrap(format!("creating system namespaces: {}", e.status()["message"])))?;
        authz::ensure_bootstrap_policy(&store)
            .await
            .map_err(|e| ServerError::Bootstrap(format!("RBAC bootstrap policy: {}", e.status()["message"])))?;
        flowcontrol::ensure_defaults(&store)
            .await
            .map_err(|e| ServerError::Bootstrap(format!("flow control defaults: {}", e.status()["message"])))?;
        let tokens = match &config.token_auth_file {
            Some(path) => TokenFile::read(path).map_err(|e| ServerError::Bootstrap(e.to_string()))?,
            None => TokenFile::default(),
        };

        let extra_names: Vec<String> = pki::hostname().into_iter().collect();
        let pki_dir = config.data_dir.join("pki");
        let pki = pki::ensure(&pki_dir, config.bind, &extra_names)?;
        let service_accounts = ServiceAccountTokens::load_or_create(&pki_dir, &config.service_account_issuer)?;
        let (acceptor, certificates) = tls_acceptor(&pki)?;

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
        let host = if addr.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else {
            addr.ip().to_string()
        };
        let url = match addr {
            SocketAddr::V6(_) if !addr.ip().is_unspecified() => format!("https://[{host}]:{}", addr.port()),
            _ => format!("https://{host}:{}", addr.port()),
        };
        kubeconfig::write(&kubeconfig, &url, &pki)?;

        let (shutdown, shutdown_rx) = oneshot::channel();
        let caches = Arc::new(Caches::new(store.clone(), config.cache.clone(), metrics.clone()));
        // Built-in resources start caching now, so their first LIST finds them ready.
        for info in catalog.all() {
            caches.get(&info);
        }
        let authorizer = Arc::new(Authorizer::default());
        authorizer.follow(caches.clone(), POLICY_WAIT).await;
        let flowcontrol = FlowControl::new(config.max_seats);
        flowcontrol.follow(caches.clone(), POLICY_WAIT).await;
        let user_agents = Arc::new(UserAgentLimits::default());
        user_agents.follow(caches.clone());
        let cells = Cells::new(metrics.clone());
        cells.follow(caches.clone(), POLICY_WAIT).await;
        let authenticator = Arc::new(Authenticator::new(tokens, Arc::new(service_accounts), caches.clone()));
        let state = AppState {
            store: store.clone(),
            server_address: format!("{host}:{}", addr.port()).into(),
            metrics,
            catalog,
            caches: caches.clone(),
            authenticator,
            authorizer,
            flowcontrol,
            user_agents,
            cells,
        };
        let backends = store
            .backends()
            .map(|(name, s)| (name.to_string(), s.clone()))
            .collect();
        let compactors = compactor::spawn(backends, config.compaction_interval);
        let task = tokio::spawn(async move {
            let tls = Tls { acceptor, certificates };
            serve(listener, tls, routes::router(state), shutdown_rx, store, caches).await;
            for compactor in compactors {
                compactor.abort();
            }
        });
        tracing::info!(%addr, kubeconfig = %kubeconfig.display(), "API server listening");
        Ok(Server {
            addr,
            kubeconfig,
            shutdown: Some(shutdown),
            task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn kubeconfig(&self) -> &std::path::Path {
        &self.kubeconfig
    }

    /// Stops accepting, lets in-flight requests finish (bounded), closes the store.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// The TLS side of the listener: the handshake, and who a client certificate names.
struct Tls {
    acceptor: TlsAcceptor,
    certificates: Arc<CertificateCheck>,
}

fn tls_acceptor(pki: &Pki) -> Result<(TlsAcceptor, Arc<CertificateCheck>), ServerError> {
    let tls = |e: &dyn std::fmt::Display| ServerError::Tls(e.to_string());
    let certs = CertificateDer::pem_slice_iter(pki.serving_cert.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| tls(&e))?;
    let key = PrivateKeyDer::from_pem_slice(pki.serving_key.as_bytes()).map_err(|e| tls(&e))?;
    let mut roots = rustls::RootCertStore::empty();
    for ca in CertificateDer::pem_slice_iter(pki.ca_cert.as_bytes()) {
        roots.add(ca.map_err(|e| tls(&e))?).map_err(|e| tls(&e))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    // Client certificates are verified against the cluster CA after the handshake, so a
    // bad one gets a 401; requests without one go on to token authentication.
    let ca = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .allow_unauthenticated()
        .build()
        .map_err(|e| tls(&e))?;
    let certificates = Arc::new(CertificateCheck::new(ca));
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls(&e))?
        .with_client_cert_verifier(certificates.clone())
        .with_single_cert(certs, key)
        .map_err(|e| tls(&e))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok((TlsAcceptor::from(Arc::new(config)), certificates))
}

async fn serve(
    listener: TcpListener,
    tls: Tls,
    app: axum::Router,
    mut shutdown: oneshot::Receiver<()>,
    store: Arc<StoreRouter>,
    caches: Arc<Caches>,
) {
    let graceful = GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // Many watches share a connection (kube-apiserver allows 1000 streams each);
    // wider windows keep cluster-wide watches from stalling on flow control.
    builder
        .http2()
        .max_concurrent_streams(HTTP2_MAX_STREAMS)
        .initial_stream_window_size(1 << 20)
        .initial_connection_window_size(8 << 20);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = tls.acceptor.clone();
        let certificates = tls.certificates.clone();
        let app = app.clone();
        let builder = builder.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let tls = match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => tls,
                Ok(Err(error)) => {
                    tracing::debug!(%peer, %error, "TLS handshake failed");
                    return;
                }
                Err(_) => {
                    tracing::debug!(%peer, "TLS handshake timed out");
                    return;
                }
            };
            let caller = certificates.peer(tls.get_ref().1.peer_certificates());
            let service = TowerToHyperService::new(tower::util::MapRequest::new(
                app,
                move |mut request: axum::http::Request<hyper::body::Incoming>| {
                    request.extensions_mut().insert(caller.clone());
                    request
                },
            ));
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(tls), service);
            if let Err(error) = watcher.watch(conn.into_owned()).await {
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    // Watches never finish on their own: end them now (clients resume elsewhere or
    // after the restart) so that shutdown waits only for other requests.
    caches.stop_all();
    drop(caches);
    if tokio::time::timeout(GRACE, graceful.shutdown()).await.is_err() {
        tracing::warn!("in-flight requests did not finish within {GRACE:?}; closing");
    }
    // Close the store cleanly once the last request holding it is gone (bounded).
    drop(app);
    for _ in 0..500 {
        if Arc::strong_count(&store) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(store);
    tracing::info!("API server stopped");
}
