//! The TLS listener: HTTP/1.1 and HTTP/2 (ALPN) on one port, client certificates
//! checked after the handshake (a bad one is a 401, not a failed handshake), and the
//! connection tasks it owns. At shutdown it stops accepting, ends watches, lets
//! in-flight requests finish for a grace period, then aborts what is left, so no
//! connection outlives the server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

use super::ServerError;
use super::pki::Pki;
use crate::authn::CertificateCheck;
use crate::cache::Caches;

/// How long in-flight requests may run after shutdown starts.
const GRACE: Duration = Duration::from_secs(10);
/// Concurrent HTTP/2 streams per connection (kube-apiserver's default).
const HTTP2_MAX_STREAMS: u32 = 1000;
/// How long a TLS handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The TLS side of the listener: the handshake, and who a client certificate names.
pub(super) struct Tls {
    acceptor: TlsAcceptor,
    certificates: Arc<CertificateCheck>,
}

impl Tls {
    pub(super) fn new(pki: &Pki) -> Result<Tls, ServerError> {
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
        // Client certificates are verified against the cluster CA after the handshake, so
        // a bad one gets a 401; requests without one go on to token authentication.
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
        Ok(Tls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            certificates,
        })
    }
}

/// Accepts and serves connections until `stop` fires; then shuts them down.
pub(super) async fn serve(
    listener: TcpListener,
    tls: Tls,
    app: axum::Router,
    stop: CancellationToken,
    caches: Arc<Caches>,
) {
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
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
            () = stop.cancelled() => break,
        };
        // Forget the connections that have ended.
        while connections.try_join_next().is_some() {}
        let _ = tcp.set_nodelay(true);
        let acceptor = tls.acceptor.clone();
        let certificates = tls.certificates.clone();
        let app = app.clone();
        let builder = builder.clone();
        let watcher = graceful.watcher();
        connections.spawn(async move {
            let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
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
    caches.stop_all().await;
    if tokio::time::timeout(GRACE, graceful.shutdown()).await.is_err() {
        tracing::warn!(
            left = connections.len(),
            "in-flight requests did not finish within {GRACE:?}; closing"
        );
    }
    connections.shutdown().await;
}

/// The URL clients use for `addr` (an unspecified address reads as loopback).
pub(super) fn url_of(addr: SocketAddr) -> (String, String) {
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        addr.ip().to_string()
    };
    let url = match addr {
        SocketAddr::V6(_) if !addr.ip().is_unspecified() => format!("https://[{host}]:{}", addr.port()),
        _ => format!("https://{host}:{}", addr.port()),
    };
    (host, url)
}
