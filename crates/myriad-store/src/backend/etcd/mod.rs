//! The etcd backend: the [`Store`] API over a real etcd v3 cluster. Revisions,
//! compaction and watch progress notifications are etcd's own.
//!
//! [`rpc`] holds the gRPC client (generated from etcd's protos at build time, with no
//! system compiler) and the message conversions; [`watch`] turns etcd's watch stream
//! into the store's per-revision batches.
//!
//! Input is checked with the same [`Limits`] as the embedded backend before anything is
//! sent, so a bad request fails identically on both.

mod rpc;
mod watch;

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use serde::Deserialize;
use tonic::transport::Channel;

use self::rpc::{KvClient, WatchClient, convert_compare, convert_kv, convert_op, convert_result, etcd_error};
use self::rpc::{etcdserverpb, header_revision, range_request};
use crate::error::{Result, StoreError};
use crate::kv::{GetResponse, PrefixStats, RangeOptions, RangeResponse, Revision, prefix_end};
use crate::limits::{Limits, display_key};
use crate::store::Store;
use crate::txn::{Txn, TxnOp, TxnResponse};
use crate::watch::{WatchOptions, WatchStream};

/// etcd's own error texts for the two revision errors.
const COMPACTED: &str = "required revision has been compacted";
const FUTURE: &str = "required revision is a future revision";

/// etcd's text when a request is over its `--max-request-bytes`.
const TOO_LARGE: &str = "request is too large";

/// etcd's default `--max-request-bytes` (1.5 MiB). etcd does not say which limit it
/// applied, so errors report this one.
const ETCD_DEFAULT_MAX_REQUEST_BYTES: usize = 1536 * 1024;

/// Largest response accepted from etcd. The gRPC default (4 MiB) is smaller than a
/// page of a few large objects or a catch-up watch response (up to 1,000 revisions), so,
/// like the Kubernetes API server, accept up to `i32::MAX`.
const MAX_RESPONSE_BYTES: usize = i32::MAX as usize;

/// Keys per request when `prefix_stats` pages through a prefix.
const STATS_PAGE: i64 = 1000;

/// Times `prefix_stats` restarts when a compaction removes the revision it pages at.
const STATS_ATTEMPTS: usize = 3;

/// Configuration of an etcd backend.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EtcdOptions {
    /// Client URLs, e.g. `http://127.0.0.1:2379`.
    pub endpoints: Vec<String>,
    #[serde(default)]
    pub limits: Limits,
    /// Time allowed to connect to an endpoint.
    #[serde(default = "default_connect_timeout_ms")]
    pub connect_timeout_ms: u64,
}

fn default_connect_timeout_ms() -> u64 {
    5000
}

impl EtcdOptions {
    pub fn new(endpoints: Vec<String>) -> Self {
        EtcdOptions {
            endpoints,
            limits: Limits::default(),
            connect_timeout_ms: default_connect_timeout_ms(),
        }
    }
}

/// A store on an etcd cluster. The clients share one gRPC channel; each call clones
/// the one it needs (cheap), since tonic's calls take `&mut self`.
pub struct EtcdStore {
    kv: KvClient<Channel>,
    watch: WatchClient<Channel>,
    limits: Limits,
}

/// `[key, range_end)` covering every key under `prefix` from `start` on. An empty prefix
/// means every key, which etcd spells `key = "\0", range_end = "\0"`.
fn key_range(prefix: &[u8], start: Option<&[u8]>) -> (Vec<u8>, Vec<u8>) {
    let from = match start {
        Some(start) if start > prefix => start.to_vec(),
        _ if prefix.is_empty() => vec![0],
        _ => prefix.to_vec(),
    };
    (from, prefix_end(prefix).unwrap_or_else(|| vec![0]))
}

impl EtcdStore {
    /// Connects and makes one request, so a wrong endpoint fails here, not later.
    pub async fn connect(options: EtcdOptions) -> Result<EtcdStore> {
        if options.endpoints.is_empty() {
            return Err(StoreError::Config("an etcd backend needs at least one endpoint".into()));
        }
        let timeout = Duration::from_millis(options.connect_timeout_ms);
        let channel = rpc::channel(&options.endpoints, timeout)?;
        let store = EtcdStore {
            kv: KvClient::new(channel.clone()).max_decoding_message_size(MAX_RESPONSE_BYTES),
            watch: WatchClient::new(channel).max_decoding_message_size(MAX_RESPONSE_BYTES),
            limits: options.limits,
        };
        tokio::time::timeout(timeout, store.current_revision())
            .await
            .map_err(|_| StoreError::Etcd(format!("no answer from {:?} within {timeout:?}", options.endpoints)))??;
        Ok(store)
    }

    async fn range_call(
        &self,
        request: etcdserverpb::RangeRequest,
    ) -> Result<etcdserverpb::RangeResponse, tonic::Status> {
        Ok(self.kv.clone().range(request).await?.into_inner())
    }

    /// Maps a failed read at `requested` to the store's revision errors.
    async fn read_error(&self, status: tonic::Status, requested: Revision) -> StoreError {
        if status.message().contains(COMPACTED) {
            return match watch::compacted_revision(&self.watch).await {
                Ok(compacted) => StoreError::Compacted { requested, compacted },
                Err(e) => e,
            };
        }
        if status.message().contains(FUTURE) {
            return match self.current_revision().await {
                Ok(current) => StoreError::FutureRevision { requested, current },
                Err(e) => e,
            };
        }
        etcd_error(status)
    }

    /// Pages through `prefix` at one revision (the first page's), so the counts are a
    /// consistent snapshot. Fails if a compaction passes that revision mid-scan.
    async fn scan_stats(&self, prefix: &[u8]) -> Result<PrefixStats, tonic::Status> {
        let mut stats = PrefixStats::default();
        let mut revision = 0;
        let mut start: Option<Vec<u8>> = None;
        loop {
            let (from, end) = key_range(prefix, start.as_deref());
            let response = self.range_call(range_request(from, end, STATS_PAGE, revision)).await?;
            if revision == 0 {
                revision = header_revision(response.header.as_ref());
            }
            for kv in &response.kvs {
                stats.count += 1;
                stats.bytes += kv.value.len() as u64;
            }
            match response.kvs.last() {
                Some(last) if response.more => {
                    // The smallest key after `last`.
                    let mut next = last.key.to_vec();
                    next.push(0);
                    start = Some(next);
                }
                _ => return Ok(stats),
            }
        }
    }
}

#[async_trait]
impl Store for EtcdStore {
    fn backend(&self) -> &'static str {
        "etcd"
    }

    async fn get(&self, key: &[u8], revision: Revision) -> Result<GetResponse> {
        self.limits.check_key(key)?;
        let response = match self
            .range_call(range_request(key.to_vec(), Vec::new(), 0, revision))
            .await
        {
            Ok(response) => response,
            Err(e) => return Err(self.read_error(e, revision).await),
        };
        let at = header_revision(response.header.as_ref());
        Ok(GetResponse {
            kv: response.kvs.into_iter().next().map(convert_kv),
            revision: if revision != 0 { revision } else { at },
        })
    }

    async fn range(&self, prefix: &[u8], options: RangeOptions) -> Result<RangeResponse> {
        self.limits.check_prefix(prefix)?;
        let (from, end) = key_range(prefix, options.start.as_deref());
        let request = range_request(from, end, options.limit as i64, options.revision);
        let response = match self.range_call(request).await {
            Ok(response) => response,
            Err(e) => return Err(self.read_error(e, options.revision).await),
        };
        let at = header_revision(response.header.as_ref());
        Ok(RangeResponse {
            kvs: response.kvs.into_iter().map(convert_kv).collect(),
            more: response.more,
            revision: if options.revision != 0 { options.revision } else { at },
        })
    }

    async fn txn(&self, txn: Txn) -> Result<TxnResponse> {
        self.limits.check_txn(&txn)?;
        let request = etcdserverpb::TxnRequest {
            compare: txn.compares.iter().map(convert_compare).collect(),
            success: txn.success.iter().map(convert_op).collect(),
            failure: txn.failure.iter().map(convert_op).collect(),
        };
        let response = self
            .kv
            .clone()
            .txn(request)
            .await
            .map_err(|e| txn_error(&txn, e))?
            .into_inner();
        Ok(TxnResponse {
            succeeded: response.succeeded,
            revision: header_revision(response.header.as_ref()),
            results: response.responses.into_iter().map(convert_result).collect(),
        })
    }

    async fn watch(&self, options: WatchOptions) -> Result<WatchStream> {
        self.limits.check_prefix(&options.prefix)?;
        watch::start(&self.watch, options).await
    }

    async fn compact(&self, revision: Revision) -> Result<()> {
        let request = etcdserverpb::CompactionRequest {
            revision,
            physical: true,
        };
        match self.kv.clone().compact(request).await {
            Ok(_) => Ok(()),
            // Compacting at or below the compacted revision is a no-op, as on embedded.
            Err(e) if e.message().contains(COMPACTED) => Ok(()),
            Err(e) => Err(self.read_error(e, revision).await),
        }
    }

    async fn current_revision(&self) -> Result<Revision> {
        let request = etcdserverpb::RangeRequest {
            key: Bytes::from_static(&[0]),
            count_only: true,
            ..Default::default()
        };
        let response = self.range_call(request).await.map_err(etcd_error)?;
        Ok(header_revision(response.header.as_ref()))
    }

    async fn prefix_stats(&self, prefix: &[u8]) -> Result<PrefixStats> {
        self.limits.check_prefix(prefix)?;
        let mut attempt = 1;
        loop {
            match self.scan_stats(prefix).await {
                Err(e) if attempt < STATS_ATTEMPTS && e.message().contains(COMPACTED) => attempt += 1,
                result => return result.map_err(etcd_error),
            }
        }
    }
}

/// Maps a failed transaction. The [`Limits`] check catches oversized values first, but
/// etcd's own request limit covers the whole request (keys, values, framing), so a value
/// just under `max_value_bytes` can still be refused; that is reported as
/// `ValueTooLarge` on the largest value, with the request's approximate size (etcd
/// reports neither the size nor its limit).
fn txn_error(txn: &Txn, status: tonic::Status) -> StoreError {
    if !status.message().contains(TOO_LARGE) {
        return etcd_error(status);
    }
    let puts = || {
        txn.success.iter().chain(&txn.failure).filter_map(|op| match op {
            TxnOp::Put { key, value } => Some((key, value)),
            _ => None,
        })
    };
    let Some((key, _)) = puts().max_by_key(|(_, value)| value.len()) else {
        return etcd_error(status);
    };
    let size = txn.keys().map(Bytes::len).sum::<usize>() + puts().map(|(_, value)| value.len()).sum::<usize>();
    StoreError::ValueTooLarge {
        key: display_key(key),
        size,
        limit: ETCD_DEFAULT_MAX_REQUEST_BYTES,
    }
}
