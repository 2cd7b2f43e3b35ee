//! The `Store` trait every backend implements.

use async_trait::async_trait;
use bytes::Bytes;

use crate::error::Result;
use crate::kv::{GetResponse, KeyValue, PrefixStats, RangeOptions, RangeResponse, Revision};
use crate::metrics::BackendMetrics;
use crate::txn::{Compare, OpResult, Txn, TxnOp, TxnResponse};
use crate::watch::{WatchOptions, WatchStream};

/// A revisioned key-value store with the etcd data model.
///
/// One global revision per backend; every read names (or defaults to) a revision; writes
/// are transactions; watches deliver every change after a revision, in order, until
/// compaction discards the history they need.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// A short name for logs and benchmarks (`embedded`, `etcd`).
    fn backend(&self) -> &'static str;

    /// The key at `revision` (0: current).
    async fn get(&self, key: &[u8], revision: Revision) -> Result<GetResponse>;

    /// Keys under `prefix` in key order.
    async fn range(&self, prefix: &[u8], options: RangeOptions) -> Result<RangeResponse>;

    /// Runs a transaction atomically.
    async fn txn(&self, txn: Txn) -> Result<TxnResponse>;

    /// Watches a prefix from a revision.
    async fn watch(&self, options: WatchOptions) -> Result<WatchStream>;

    /// Discards history before `revision`: reads below it and watches starting at or
    /// below it fail with `Compacted`. The latest value of every key is kept.
    async fn compact(&self, revision: Revision) -> Result<()>;

    /// The latest revision.
    async fn current_revision(&self) -> Result<Revision>;

    /// Stops the backend for good: writes queued so far are committed, later ones fail
    /// with `Closed`, every watch ends and its work is awaited, so that dropping the
    /// last handle afterwards releases everything at once (the embedded store's file,
    /// for a restart in the same process). The etcd backend holds nothing to stop.
    async fn shutdown(&self) {}

    /// The backend's own metrics, if it keeps any (the embedded store does).
    fn metrics(&self) -> Option<BackendMetrics> {
        None
    }

    /// Live keys and value bytes under `prefix` at the current revision.
    async fn prefix_stats(&self, prefix: &[u8]) -> Result<PrefixStats>;

    /// Writes `value` unconditionally; returns the new revision.
    async fn put(&self, key: &[u8], value: &[u8]) -> Result<Revision> {
        let txn = Txn::new().and_then([TxnOp::put(Bytes::copy_from_slice(key), Bytes::copy_from_slice(value))]);
        Ok(self.txn(txn).await?.revision)
    }

    /// Creates the key if it does not exist. `Ok(Err(current))` when it does.
    async fn create(&self, key: &[u8], value: &[u8]) -> Result<Result<Revision, KeyValue>> {
        let key = Bytes::copy_from_slice(key);
        let txn = Txn::new()
            .when([Compare::absent(key.clone())])
            .and_then([TxnOp::put(key.clone(), Bytes::copy_from_slice(value))])
            .or_else([TxnOp::get(key)]);
        conditional_outcome(self.txn(txn).await?)
    }

    /// Replaces the key if it was last written at `expected`. `Ok(Err(current))` on a
    /// conflict; a missing key conflicts with an empty `KeyValue`.
    async fn update(&self, key: &[u8], value: &[u8], expected: Revision) -> Result<Result<Revision, KeyValue>> {
        let key = Bytes::copy_from_slice(key);
        let txn = Txn::new()
            .when([Compare::mod_revision(key.clone(), expected)])
            .and_then([TxnOp::put(key.clone(), Bytes::copy_from_slice(value))])
            .or_else([TxnOp::get(key)]);
        conditional_outcome(self.txn(txn).await?)
    }

    /// Deletes the key; returns the removed value (`None`: it did not exist) and the
    /// revision after the call.
    async fn delete(&self, key: &[u8]) -> Result<(Option<KeyValue>, Revision)> {
        let txn = Txn::new().and_then([TxnOp::delete(Bytes::copy_from_slice(key))]);
        let resp = self.txn(txn).await?;
        let prev = match resp.results.into_iter().next() {
            Some(OpResult::Delete { prev }) => prev,
            _ => None,
        };
        Ok((prev, resp.revision))
    }
}

/// Maps a "compare, put, else get" transaction to the new revision or the current value.
fn conditional_outcome(resp: TxnResponse) -> Result<Result<Revision, KeyValue>> {
    if resp.succeeded {
        return Ok(Ok(resp.revision));
    }
    let current = match resp.results.into_iter().next() {
        Some(OpResult::Get { kv: Some(kv) }) => kv,
        _ => KeyValue {
            key: Bytes::new(),
            value: Bytes::new(),
            create_revision: 0,
            mod_revision: 0,
            version: 0,
        },
    };
    Ok(Err(current))
}
