//! The API server in-process, for a crate's own tests: `Server::start` on 127.0.0.1
//! port 0 with a temporary data directory, a kube-rs client with the admin identity,
//! and raw HTTPS for requests no client library would send. Faster than starting the
//! binary, and the test can reach the server's configuration.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use kube::config::{KubeConfigOptions, Kubeconfig};
use myriad_apiserver::{Server, ServerConfig};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A running in-process API server; shut down (or dropped with the runtime) at the end.
pub struct TestServer {
    server: Server,
    data_dir: tempfile::TempDir,
    client: kube::Client,
}

impl TestServer {
    /// Starts a server with the default configuration, but for the ServiceAccount
    /// admission plugin, which is off as in a server without a controller manager
    /// (nothing creates namespaces' `default` accounts); `start_with` can turn it on.
    pub async fn start() -> Result<TestServer> {
        Self::start_with(|_| {}).await
    }

    /// Starts a server with the configuration `configure` leaves.
    pub async fn start_with(configure: impl FnOnce(&mut ServerConfig)) -> Result<TestServer> {
        let data_dir = tempfile::tempdir()?;
        let mut config = ServerConfig::new(data_dir.path());
        config.port = 0;
        config.disable_admission_plugins = vec!["ServiceAccount".into()];
        configure(&mut config);
        let server = Server::start(config).await.context("starting the API server")?;
        Ok(TestServer {
            client: admin_client(&server).await?,
            server,
            data_dir,
        })
    }

    /// A kube-rs client acting as the admin (`system:masters`).
    pub fn client(&self) -> kube::Client {
        self.client.clone()
    }

    pub fn kubeconfig(&self) -> PathBuf {
        self.server.kubeconfig().to_path_buf()
    }

    fn pki(&self, file: &str) -> PathBuf {
        self.data_dir.path().join("pki").join(file)
    }

    /// Sends `request` (a whole HTTP/1.1 request, head and body) over TLS as the admin
    /// and reads until the server closes or `until` says the response is complete;
    /// returns the response bytes. For what clients send that libraries would not.
    pub async fn raw(&self, request: &[u8], until: impl Fn(&[u8]) -> bool) -> Result<Vec<u8>> {
        let mut roots = rustls::RootCertStore::empty();
        for ca in CertificateDer::pem_file_iter(self.pki("ca.crt"))? {
            roots.add(ca?)?;
        }
        let certs = CertificateDer::pem_file_iter(self.pki("admin.crt"))?.collect::<Result<Vec<_>, _>>()?;
        let key = PrivateKeyDer::from_pem_file(self.pki("admin.key"))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_client_auth_cert(certs, key)?;
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let tcp = TcpStream::connect(self.server.addr()).await?;
        let mut tls = connector.connect(ServerName::try_from("127.0.0.1")?, tcp).await?;
        // The server may answer before the body is sent (and close): keep reading.
        let (mut reader, mut writer) = tokio::io::split(&mut tls);
        let write = async {
            let _ = writer.write_all(request).await;
            let _ = writer.flush().await;
        };
        let read = async {
            let mut response = Vec::new();
            let mut buffer = vec![0; 64 * 1024];
            loop {
                match reader.read(&mut buffer).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => response.extend_from_slice(&buffer[..n]),
                }
                if until(&response) {
                    break;
                }
            }
            response
        };
        let ((), response) = tokio::join!(write, read);
        Ok(response)
    }

    /// Stops the server as `myriad server` does on SIGTERM.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }

    /// Stops the server and starts it again on the same data directory (state, PKI)
    /// with the same configuration changes.
    pub async fn restart(self, configure: impl FnOnce(&mut ServerConfig)) -> Result<TestServer> {
        let TestServer { server, data_dir, .. } = self;
        server.shutdown().await;
        let mut config = ServerConfig::new(data_dir.path());
        config.port = 0;
        configure(&mut config);
        let server = Server::start(config).await.context("restarting the API server")?;
        Ok(TestServer {
            client: admin_client(&server).await?,
            server,
            data_dir,
        })
    }

    /// `GET path` as the admin: the response body as text (for `/metrics`).
    pub async fn get_text(&self, path: &str) -> Result<String> {
        let request = http::Request::get(path).body(Vec::new())?;
        Ok(self.client.request_text(request).await?)
    }
}

/// A kube-rs client with the admin kubeconfig the server wrote.
async fn admin_client(server: &Server) -> Result<kube::Client> {
    let kubeconfig = Kubeconfig::read_from(server.kubeconfig())?;
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await?;
    Ok(kube::Client::try_from(config)?)
}

/// Whether `response` holds a whole HTTP/1.1 response with a `Content-Length` body.
pub fn complete_response(response: &[u8]) -> bool {
    let text = String::from_utf8_lossy(response);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())
                .flatten()
        })
        .unwrap_or(0);
    body.len() >= length
}
