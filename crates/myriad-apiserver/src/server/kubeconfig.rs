//! Writes a kubeconfig for the admin identity. kubectl reads YAML, and JSON is YAML, so
//! the file is JSON built with `serde_json` (no YAML writer needed).

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use super::pki::{Pki, PkiError, write_private};

/// The context, cluster and user name in the kubeconfig.
pub const CONTEXT: &str = "myriad";

/// Writes a kubeconfig for `server` (e.g. `https://127.0.0.1:6443`), readable only by its
/// owner since it holds the admin key.
pub fn write(path: &Path, server: &str, pki: &Pki) -> Result<(), PkiError> {
    let b64 = |pem: &str| STANDARD.encode(pem.as_bytes());
    let config = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{
            "name": CONTEXT,
            "cluster": { "server": server, "certificate-authority-data": b64(&pki.ca_cert) },
        }],
        "users": [{
            "name": "myriad-admin",
            "user": {
                "client-certificate-data": b64(&pki.admin_cert),
                "client-key-data": b64(&pki.admin_key),
            },
        }],
        "contexts": [{
            "name": CONTEXT,
            "context": { "cluster": CONTEXT, "user": "myriad-admin" },
        }],
        "current-context": CONTEXT,
        "preferences": {},
    });
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| PkiError::Io {
            path: parent.into(),
            source,
        })?;
    }
    let text = serde_json::to_string_pretty(&config).unwrap_or_default() + "\n";
    write_private(path, &text, 0o600)
}
