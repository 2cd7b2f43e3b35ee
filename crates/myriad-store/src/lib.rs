//! `myriad-store`: the storage layer under the Myriad API server.
//!
//! It owns the etcd data model — one global revision per backend, `get`/`range` at a
//! revision, compare-and-swap transactions, ordered watches from a revision, compaction —
//! behind the [`Store`] trait, and two backends that implement it:
//!
//! * [`EmbeddedStore`] (the default): a durable MVCC store on the `redb` engine in one
//!   file, with group commit and an in-memory key index. Nothing to install.
//! * [`EtcdStore`]: the same API over a real etcd cluster (v3 gRPC), for users who
//!   outgrow one machine. Revisions are etcd's own.
//!
//! A [`Router`] maps key prefixes (one per resource type) to backends, so pods can live
//! on one etcd and events on another.
//!
//! It does not know about Kubernetes objects: values are opaque bytes. Encoding,
//! validation and the watch cache live above it.

pub mod backend;
pub mod config;
pub mod error;
pub mod kv;
pub mod limits;
pub mod metrics;
pub mod pages;
pub mod router;
pub mod store;
pub mod txn;
pub mod watch;

pub use backend::embedded::{EmbeddedOptions, EmbeddedStore};
pub use backend::etcd::{EtcdOptions, EtcdStore};
pub use config::StoreConfig;
pub use error::{Result, StoreError};
pub use kv::{Event, EventKind, GetResponse, KeyValue, PrefixStats, RangeOptions, RangeResponse, Revision};
pub use limits::Limits;
pub use metrics::BackendMetrics;
pub use pages::Pages;
pub use router::Router;
pub use store::Store;
pub use txn::{CmpOp, CmpTarget, Compare, OpResult, Txn, TxnOp, TxnResponse};
pub use watch::{ProgressRequester, WatchBatch, WatchOptions, WatchStream};
