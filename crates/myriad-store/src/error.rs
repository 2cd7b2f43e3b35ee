//! The store's one error type, shared by every backend so callers (the API server) map
//! each failure to a Kubernetes `Status` in one place.

use crate::kv::Revision;

/// Everything a store operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The requested revision is older than the last compaction: its history is gone.
    /// The API server answers this with `410 Gone`.
    #[error("required revision {requested} has been compacted (compacted revision {compacted})")]
    Compacted { requested: Revision, compacted: Revision },
    /// The requested revision has not been written yet.
    #[error("required revision {requested} is a future revision (current revision {current})")]
    FutureRevision { requested: Revision, current: Revision },
    /// The key is empty, too long or not printable UTF-8.
    #[error("invalid key {key:?}: {reason}")]
    InvalidKey { key: String, reason: &'static str },
    /// The value is over the configured size limit.
    #[error("value for key {key:?} is {size} bytes, over the limit of {limit} bytes")]
    ValueTooLarge { key: String, size: usize, limit: usize },
    /// A transaction is malformed: too many operations or the same key written twice.
    #[error("invalid transaction: {0}")]
    InvalidTxn(String),
    /// Stored data failed verification (checksum, framing or revision order). The store
    /// refuses to serve it rather than return something it cannot vouch for.
    #[error("store data is corrupt: {0}")]
    Corrupt(String),
    /// The embedded storage engine failed (disk full, I/O error, ...).
    #[error("storage engine: {0}")]
    Engine(String),
    /// The etcd cluster failed or could not be reached.
    #[error("etcd: {0}")]
    Etcd(String),
    /// A watch was cancelled by the backend for a reason other than compaction.
    #[error("watch cancelled: {0}")]
    WatchCancelled(String),
    /// The store was closed (or its writer stopped) while the request was pending.
    #[error("store is closed")]
    Closed,
    /// The store or router configuration is invalid.
    #[error("store configuration: {0}")]
    Config(String),
    /// A filesystem operation failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}

/// Result alias for store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
