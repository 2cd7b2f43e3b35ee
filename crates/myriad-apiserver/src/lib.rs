//! `myriad-apiserver`: the Kubernetes REST API that `kubectl` and client libraries use,
//! served over HTTPS (HTTP/1.1 and HTTP/2 on one port) on top of `myriad-store`.
//!
//! It owns serving (TLS, the cluster PKI, kubeconfig), routing, and the mapping of store
//! errors to Kubernetes `Status` responses. Object-model rules (names, selectors,
//! validation) live in `myriad-api`; storage in `myriad-store`.
//!
//! Served: health, version, discovery, OpenAPI, and every verb of the built-in and
//! CRD-defined resources and their subresources, with JSON or protobuf request bodies.

pub mod authn;
pub mod authz;
pub mod cache;
pub mod catalog;
pub mod cells;
pub mod compactor;
pub mod config;
pub mod crd;
pub mod deletion;
pub mod discovery;
pub mod ensure;
pub mod error;
pub mod field_validation;
pub mod filters;
pub mod flowcontrol;
pub mod fuzzing;
pub mod handlers;
pub mod impersonation;
pub mod kubeconfig;
pub mod list_options;
pub mod metrics;
pub mod objects;
pub mod openapi;
pub mod patch;
pub mod pki;
pub mod pods;
pub mod protobuf;
pub mod request_info;
pub mod reviews;
pub mod routes;
pub mod selector;
pub mod server;
pub mod subresource;
pub mod table;
pub mod token_request;
pub mod user_agents;
pub mod watch;

pub use config::ServerConfig;
pub use server::{Server, ServerError};
