//! `myriad-apiserver`: the Kubernetes REST API that `kubectl` and client libraries use,
//! served over HTTPS (HTTP/1.1 and HTTP/2 on one port) on top of `myriad-store`.
//!
//! A request's way through the crate, by module:
//!
//! * [`server`](crate::server): the listener, the routes and the start and shutdown
//!   of the whole; [`tasks`](crate::tasks) owns every background task.
//! * `filters`: what every request passes first, in order — request info, metrics,
//!   deadline, authentication (`authn`) and impersonation, user-agent limits
//!   (`user_agents`), priority and fairness (`flowcontrol`), authorization (`authz`),
//!   cell quotas (`cells`).
//! * `endpoints`: the handler of each verb, discovery and OpenAPI; `request` parses
//!   paths, queries and bodies, `response` writes objects, lists, tables and watch
//!   events.
//! * `registry`: what a write does — strategies, admission, the optimistic-update
//!   loop, subresources, deletion, namespaces and CRDs — for every resource.
//! * `cache`: the watch cache, which serves LIST and WATCH; its delegator falls back to
//!   `storage` (the store side: codec, store lists and watches, compaction).
//!
//! Object-model rules (names, selectors, validation, the `Status` model) live in
//! `myriad-api`; storage in `myriad-store`. The public API is what the `myriad` binary
//! and tests use: [`Server`], [`ServerConfig`], [`CacheConfig`] and [`fuzzing`].

mod admission;
mod authn;
mod authz;
mod cache;
mod cells;
mod endpoints;
mod error;
mod filters;
mod flowcontrol;
pub mod fuzzing;
mod meta;
mod metrics;
mod registry;
mod request;
mod response;
mod server;
mod state;
mod storage;
mod tasks;
mod user_agents;

pub use authn::DEFAULT_ISSUER;
pub use cache::CacheConfig;
pub use server::config::{
    DEFAULT_REQUEST_TIMEOUT, DEFAULT_SERVICE_CLUSTER_IP_RANGE, DEFAULT_SERVICE_NODE_PORT_RANGE,
    DEFAULT_STORE_CACHE_BYTES, ServerConfig,
};
pub use server::{Server, ServerError};
