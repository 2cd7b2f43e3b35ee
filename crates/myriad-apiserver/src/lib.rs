//! `myriad-apiserver`: the Kubernetes REST API that `kubectl` and client libraries use,
//! served over HTTPS (HTTP/1.1 and HTTP/2 on one port) on top of `myriad-store`.
//!
//! It owns serving (TLS, the cluster PKI, kubeconfig), routing, and the mapping of store
//! errors to Kubernetes `Status` responses. Object-model rules (names, selectors,
//! validation) live in `myriad-api`; storage in `myriad-store`.
//!
//! This slice serves health, readiness and version; resources arrive in following slices.

pub mod config;
pub mod kubeconfig;
pub mod pki;
pub mod routes;
pub mod server;

pub use config::ServerConfig;
pub use server::{Server, ServerError};
