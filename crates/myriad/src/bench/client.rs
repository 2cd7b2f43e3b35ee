//! A small HTTP/2 client for benchmarks: one TLS connection (client certificate from a
//! Myriad kubeconfig), many concurrent streams multiplexed over it.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::http2::SendRequest;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Method, Request};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::net::TcpStream;

/// An HTTP/2 connection to an API server; cheap to clone (clones share the connection).
#[derive(Clone)]
pub struct ApiClient {
    sender: SendRequest<Full<Bytes>>,
    authority: String,
    /// Sent with every request (a bearer token, a user agent).
    headers: Arc<Vec<(HeaderName, HeaderValue)>>,
}

struct KubeconfigParts {
    server: String,
    ca: Vec<u8>,
    cert: Vec<u8>,
    key: Vec<u8>,
}

/// Reads the current context of a kubeconfig written by Myriad (JSON, embedded certs).
fn read_kubeconfig(path: &Path) -> Result<KubeconfigParts> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let config: serde_json::Value =
        serde_json::from_str(&text).context("the benchmark reads JSON kubeconfigs as `myriad up` writes them")?;
    let data = |value: &serde_json::Value, what: &str| -> Result<Vec<u8>> {
        let encoded = value.as_str().with_context(|| format!("kubeconfig has no {what}"))?;
        Ok(STANDARD.decode(encoded)?)
    };
    let cluster = &config["clusters"][0]["cluster"];
    let user = &config["users"][0]["user"];
    Ok(KubeconfigParts {
        server: cluster["server"]
            .as_str()
            .context("kubeconfig has no server")?
            .to_string(),
        ca: data(&cluster["certificate-authority-data"], "certificate-authority-data")?,
        cert: data(&user["client-certificate-data"], "client-certificate-data")?,
        key: data(&user["client-key-data"], "client-key-data")?,
    })
}

impl ApiClient {
    /// Connects with HTTP/2 to the server in `kubeconfig`, as its user.
    pub async fn connect(kubeconfig: &Path) -> Result<ApiClient> {
        Self::connect_with(kubeconfig, true).await
    }

    /// Connects without a client certificate: every request must carry its own
    /// credentials ([`with_identity`](Self::with_identity)).
    pub async fn connect_anonymous(kubeconfig: &Path) -> Result<ApiClient> {
        Self::connect_with(kubeconfig, false).await
    }

    /// This connection, sending `token` as a bearer token and `user_agent` with every
    /// request (many identities can share one connection this way).
    pub fn with_identity(&self, token: &str, user_agent: &str) -> Result<ApiClient> {
        let headers = vec![
            (
                hyper::header::AUTHORIZATION,
                HeaderValue::from_str(&format!("Bearer {token}"))?,
            ),
            (hyper::header::USER_AGENT, HeaderValue::from_str(user_agent)?),
        ];
        Ok(ApiClient {
            sender: self.sender.clone(),
            authority: self.authority.clone(),
            headers: Arc::new(headers),
        })
    }

    async fn connect_with(kubeconfig: &Path, certificate: bool) -> Result<ApiClient> {
        let parts = read_kubeconfig(kubeconfig)?;
        let authority = parts
            .server
            .strip_prefix("https://")
            .context("server must be https://")?
            .to_string();
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(&parts.ca) {
            roots.add(cert?)?;
        }
        let certs = CertificateDer::pem_slice_iter(&parts.cert).collect::<Result<Vec<_>, _>>()?;
        let key = PrivateKeyDer::from_pem_slice(&parts.key)?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots);
        let mut tls = if certificate {
            builder.with_client_auth_cert(certs, key)?
        } else {
            builder.with_no_client_auth()
        };
        tls.alpn_protocols = vec![b"h2".to_vec()];
        let host = authority
            .rsplit_once(':')
            .map_or(authority.as_str(), |(h, _)| h)
            .trim_matches(['[', ']']);
        let server_name = ServerName::try_from(host.to_string())?;
        let tcp = TcpStream::connect(&authority).await?;
        tcp.set_nodelay(true)?;
        let stream = tokio_rustls::TlsConnector::from(Arc::new(tls))
            .connect(server_name, tcp)
            .await?;
        // Wide windows: one connection carries hundreds of watches and full LISTs.
        let (sender, connection) = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
            .initial_stream_window_size(4 << 20)
            .initial_connection_window_size(32 << 20)
            .handshake(TokioIo::new(stream))
            .await?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "benchmark connection ended");
            }
        });
        Ok(ApiClient {
            sender,
            authority,
            headers: Arc::default(),
        })
    }

    /// Sends one JSON request; returns the status code and the whole body.
    pub async fn request(&self, method: Method, path: &str, body: Option<Vec<u8>>) -> Result<(u16, Bytes)> {
        self.send(method, path, body.unwrap_or_default(), "application/json")
            .await
    }

    async fn send(&self, method: Method, path: &str, body: Vec<u8>, content_type: &str) -> Result<(u16, Bytes)> {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("https://{}{path}", self.authority))
            .header("content-type", content_type)
            .header("accept", "application/json")
            .body(Full::new(Bytes::from(body)))?;
        for (name, value) in self.headers.iter() {
            request.headers_mut().insert(name.clone(), value.clone());
        }
        let mut sender = self.sender.clone();
        sender.ready().await?;
        let response = sender.send_request(request).await?;
        let status = response.status().as_u16();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }

    /// Sends a body of `content_type` (a patch), failing unless the status is 2xx.
    pub async fn request_with_type(
        &self,
        method: Method,
        path: &str,
        body: Vec<u8>,
        content_type: &str,
    ) -> Result<Bytes> {
        let (status, bytes) = self.send(method.clone(), path, body, content_type).await?;
        success(&method, path, status, bytes)
    }

    /// Starts a GET whose body is read as it streams (a watch); fails unless 200.
    pub async fn stream(&self, path: &str) -> Result<Incoming> {
        let request = Request::builder()
            .method(Method::GET)
            .uri(format!("https://{}{path}", self.authority))
            .header("accept", "application/json")
            .body(Full::new(Bytes::new()))?;
        let mut sender = self.sender.clone();
        sender.ready().await?;
        let response = sender.send_request(request).await?;
        if response.status() != hyper::StatusCode::OK {
            let status = response.status();
            let body = response.into_body().collect().await?.to_bytes();
            bail!("GET {path}: {status} {}", String::from_utf8_lossy(&body));
        }
        Ok(response.into_body())
    }

    /// Like [`request`](Self::request), failing unless the status is 2xx.
    pub async fn expect(&self, method: Method, path: &str, body: Option<Vec<u8>>) -> Result<Bytes> {
        let (status, bytes) = self.request(method.clone(), path, body).await?;
        success(&method, path, status, bytes)
    }
}

fn success(method: &Method, path: &str, status: u16, bytes: Bytes) -> Result<Bytes> {
    if !(200..300).contains(&status) {
        bail!("{method} {path}: {status} {}", String::from_utf8_lossy(&bytes));
    }
    Ok(bytes)
}
