//! `componentstatuses` (deprecated upstream since 1.19, still served): not stored but
//! probed on every request, as kube-apiserver does — the scheduler and the controller
//! manager by `GET https://127.0.0.1:<port>/healthz` (certificates not checked, as
//! upstream's prober does not), and each store backend (`etcd-<i>`) by reading its
//! current revision.

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::Response;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::Call;
use super::negotiation::with_warnings;
use crate::error::ApiError;
use crate::request::Verb;

const DEPRECATED: &str = "v1 ComponentStatus is deprecated in v1.19+";
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
/// Bytes of a health answer read at most.
const MAX_ANSWER: u64 = 64 * 1024;

/// `(name, port)` of the components probed over HTTPS on the local host.
const COMPONENTS: &[(&str, u16)] = &[("scheduler", 10259), ("controller-manager", 10257)];

pub(super) async fn serve(call: &Call<'_>) -> Result<Response, ApiError> {
    let mut items = Vec::new();
    for (name, port) in COMPONENTS {
        if call.request.name.as_deref().is_none_or(|wanted| wanted == *name) {
            items.push(status(name, probe_https(*port).await));
        }
    }
    let backends: Vec<_> = call
        .state
        .registry
        .store
        .backends()
        .map(|(_, store)| store.clone())
        .collect();
    for (i, backend) in backends.iter().enumerate() {
        let name = format!("etcd-{i}");
        if call.request.name.as_deref().is_some_and(|wanted| wanted != name) {
            continue;
        }
        let health = match backend.current_revision().await {
            Ok(_) => Health::Healthy("ok".into()),
            Err(error) => Health::Unknown(error.to_string()),
        };
        items.push(status(&name, health));
    }
    let warnings = [DEPRECATED.to_string()];
    if call.request.verb == Verb::Get {
        let Some(item) = items.pop() else {
            return Err(ApiError::not_found(
                call.info,
                call.request.name.as_deref().unwrap_or(""),
            ));
        };
        return Ok(with_warnings(call.respond(StatusCode::OK, item), &warnings));
    }
    let list = json!({"kind": "ComponentStatusList", "apiVersion": "v1", "metadata": {}, "items": items});
    let response = if call.as_table {
        crate::response::table(
            call.info,
            list["items"].as_array().map(Vec::as_slice).unwrap_or(&[]),
            json!({}),
        )
    } else {
        crate::response::json(StatusCode::OK, &list)
    };
    Ok(with_warnings(response, &warnings))
}

enum Health {
    Healthy(String),
    Unhealthy(String, String),
    Unknown(String),
}

fn status(name: &str, health: Health) -> Value {
    let (status, message, error) = match health {
        Health::Healthy(message) => ("True", message, String::new()),
        Health::Unhealthy(message, error) => ("False", message, error),
        Health::Unknown(error) => ("Unknown", String::new(), error),
    };
    let mut condition = json!({"type": "Healthy", "status": status});
    if !message.is_empty() {
        condition["message"] = json!(message);
    }
    if !error.is_empty() {
        condition["error"] = json!(error);
    }
    json!({"kind": "ComponentStatus", "apiVersion": "v1", "metadata": {"name": name}, "conditions": [condition]})
}

/// `GET https://127.0.0.1:<port>/healthz`: healthy on 200 with its body as message.
async fn probe_https(port: u16) -> Health {
    let url = format!("https://127.0.0.1:{port}/healthz");
    match tokio::time::timeout(PROBE_TIMEOUT, get(port)).await {
        Err(_) => Health::Unknown(format!("Get {url:?}: context deadline exceeded")),
        Ok(Err(error)) => Health::Unknown(format!("Get {url:?}: {error}")),
        Ok(Ok((200, body))) => Health::Healthy(body),
        Ok(Ok((code, body))) => Health::Unhealthy(body, format!("unhealthy http status code: {code}")),
    }
}

async fn get(port: u16) -> Result<(u16, String), String> {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .map_err(|e| format!("dial tcp 127.0.0.1:{port}: connect: {}", short(&e)))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let server = ServerName::try_from("127.0.0.1").map_err(|e| e.to_string())?;
    let mut tls = connector.connect(server, tcp).await.map_err(|e| e.to_string())?;
    tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    // A peer that closes without close_notify still gave its answer.
    let _ = (&mut tls).take(MAX_ANSWER).read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer);
    let (head, body) = text.split_once("\r\n\r\n").ok_or("malformed HTTP response")?;
    let code = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or("malformed HTTP status line")?;
    let chunked = head.to_ascii_lowercase().contains("transfer-encoding: chunked");
    let body = if chunked { dechunk(body) } else { body.to_string() };
    Ok((code, body))
}

fn short(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
        _ => error.to_string(),
    }
}

/// The data of a chunked body (`2\r\nok\r\n0\r\n\r\n` → `ok`).
fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}

/// Accepts any server certificate, as upstream's component prober does
/// (`InsecureSkipVerify`); signatures are still checked.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_and_conditions() {
        assert_eq!(dechunk("2\r\nok\r\n0\r\n\r\n"), "ok");
        let unknown = status("scheduler", Health::Unknown("refused".into()));
        assert_eq!(
            unknown["conditions"],
            json!([{"type": "Healthy", "status": "Unknown", "error": "refused"}])
        );
        let healthy = status("etcd-0", Health::Healthy("ok".into()));
        assert_eq!(healthy["conditions"][0]["message"], "ok");
    }

    #[tokio::test]
    async fn a_closed_port_is_unknown_with_upstreams_error() {
        // Bind then drop, so the port is (very likely) closed.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or(1);
        match probe_https(port).await {
            Health::Unknown(error) => assert_eq!(
                error,
                format!(
                    "Get \"https://127.0.0.1:{port}/healthz\": dial tcp 127.0.0.1:{port}: connect: connection refused"
                )
            ),
            _ => panic!("a closed port was healthy"),
        }
    }
}
