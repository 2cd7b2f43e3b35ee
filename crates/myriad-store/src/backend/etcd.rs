//! The etcd backend: the [`Store`] API over a real etcd v3 cluster (gRPC, via
//! `etcd-client`). Revisions, compaction and watch progress notifications are etcd's own.
//!
//! Input is checked with the same [`Limits`] as the embedded backend before anything is
//! sent, so a bad request fails identically on both.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use etcd_client as etcd;
use serde::Deserialize;
use tokio::sync::mpsc;

use crate::error::{Result, StoreError};
use crate::kv::{
    Event, EventKind, GetResponse, KeyValue, PrefixStats, RangeOptions, RangeResponse, Revision, prefix_end,
};
use crate::limits::{Limits, display_key};
use crate::store::Store;
use crate::txn::{CmpOp, CmpTarget, OpResult, Txn, TxnOp, TxnResponse};
use crate::watch::{WATCH_CHANNEL_CAPACITY, WatchBatch, WatchOptions, WatchStream};

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
/// the one it needs (cheap), since `etcd-client` methods take `&mut self`.
pub struct EtcdStore {
    kv: etcd::KvClient,
    watch: etcd::WatchClient,
    limits: Limits,
}

fn etcd_error(error: etcd::Error) -> StoreError {
    StoreError::Etcd(error.to_string())
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

fn convert_kv(kv: &etcd::KeyValue) -> KeyValue {
    KeyValue {
        key: Bytes::copy_from_slice(kv.key()),
        value: Bytes::copy_from_slice(kv.value()),
        create_revision: kv.create_revision(),
        mod_revision: kv.mod_revision(),
        version: kv.version(),
    }
}

fn header_revision(header: Option<&etcd::ResponseHeader>) -> Revision {
    header.map_or(0, |h| h.revision())
}

fn convert_op(op: &TxnOp) -> etcd::TxnOp {
    match op {
        TxnOp::Put { key, value } => etcd::TxnOp::put(
            key.to_vec(),
            value.to_vec(),
            Some(etcd::PutOptions::new().with_prev_key()),
        ),
        TxnOp::Delete { key } => etcd::TxnOp::delete(key.to_vec(), Some(etcd::DeleteOptions::new().with_prev_key())),
        TxnOp::Get { key } => etcd::TxnOp::get(key.to_vec(), None),
    }
}

fn convert_compare(compare: &crate::txn::Compare) -> etcd::Compare {
    let op = match compare.op {
        CmpOp::Equal => etcd::CompareOp::Equal,
        CmpOp::NotEqual => etcd::CompareOp::NotEqual,
        CmpOp::Greater => etcd::CompareOp::Greater,
        CmpOp::Less => etcd::CompareOp::Less,
    };
    let key = compare.key.to_vec();
    match compare.target {
        CmpTarget::ModRevision => etcd::Compare::mod_revision(key, op, compare.value),
        CmpTarget::CreateRevision => etcd::Compare::create_revision(key, op, compare.value),
        CmpTarget::Version => etcd::Compare::version(key, op, compare.value),
    }
}

fn convert_result(response: etcd::TxnOpResponse) -> OpResult {
    match response {
        etcd::TxnOpResponse::Put(put) => OpResult::Put {
            prev: put.prev_key().map(convert_kv),
        },
        etcd::TxnOpResponse::Delete(delete) => OpResult::Delete {
            prev: delete.prev_kvs().first().map(convert_kv),
        },
        etcd::TxnOpResponse::Get(get) => OpResult::Get {
            kv: get.kvs().first().map(convert_kv),
        },
        // Nested transactions are never sent.
        etcd::TxnOpResponse::Txn(_) => OpResult::Get { kv: None },
    }
}

impl EtcdStore {
    /// Connects and makes one request, so a wrong endpoint fails here, not later.
    pub async fn connect(options: EtcdOptions) -> Result<EtcdStore> {
        if options.endpoints.is_empty() {
            return Err(StoreError::Config("an etcd backend needs at least one endpoint".into()));
        }
        let timeout = Duration::from_millis(options.connect_timeout_ms);
        let connect = etcd::ConnectOptions::new().with_connect_timeout(timeout);
        let client = etcd::Client::connect(&options.endpoints, Some(connect))
            .await
            .map_err(etcd_error)?;
        let store = EtcdStore {
            kv: client.kv_client().max_decoding_message_size(MAX_RESPONSE_BYTES),
            watch: client.watch_client().max_decoding_message_size(MAX_RESPONSE_BYTES),
            limits: options.limits,
        };
        tokio::time::timeout(timeout, store.current_revision())
            .await
            .map_err(|_| StoreError::Etcd(format!("no answer from {:?} within {timeout:?}", options.endpoints)))??;
        Ok(store)
    }

    /// Maps a failed read at `requested` to the store's revision errors.
    async fn read_error(&self, error: etcd::Error, requested: Revision) -> StoreError {
        let message = error.to_string();
        if message.contains(COMPACTED) {
            return match self.compacted_revision().await {
                Ok(compacted) => StoreError::Compacted { requested, compacted },
                Err(e) => e,
            };
        }
        if message.contains(FUTURE) {
            return match self.current_revision().await {
                Ok(current) => StoreError::FutureRevision { requested, current },
                Err(e) => e,
            };
        }
        StoreError::Etcd(message)
    }

    /// etcd does not report its compacted revision directly; a watch from revision 1 is
    /// cancelled with it. Only used on the error path.
    async fn compacted_revision(&self) -> Result<Revision> {
        let options = etcd::WatchOptions::new().with_start_revision(1);
        let stream = self
            .watch
            .clone()
            .watch(vec![0], Some(options))
            .await
            .map_err(etcd_error)?;
        let (mut sender, mut responses) = stream.split();
        // etcd's watch sync loop (every 100 ms) reports the compaction after `created`.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
        let mut compacted = 0;
        let mut watch_id = None;
        while let Ok(Ok(Some(response))) = tokio::time::timeout_at(deadline, responses.message()).await {
            if response.compact_revision() > 0 {
                compacted = response.compact_revision();
                break;
            }
            if response.created() {
                watch_id = Some(response.watch_id());
            }
        }
        if let (0, Some(id)) = (compacted, watch_id) {
            let _ = sender.cancel(id).await;
        }
        Ok(compacted)
    }

    /// Pages through `prefix` at one revision (the first page's), so the counts are a
    /// consistent snapshot. Fails if a compaction passes that revision mid-scan.
    async fn scan_stats(&self, prefix: &[u8]) -> Result<PrefixStats, etcd::Error> {
        let mut stats = PrefixStats::default();
        let mut revision = 0;
        let mut start: Option<Vec<u8>> = None;
        loop {
            let (from, end) = key_range(prefix, start.as_deref());
            let request = etcd::GetOptions::new()
                .with_range(end)
                .with_limit(STATS_PAGE)
                .with_revision(revision);
            let response = self.kv.clone().get(from, Some(request)).await?;
            if revision == 0 {
                revision = header_revision(response.header());
            }
            for kv in response.kvs() {
                stats.count += 1;
                stats.bytes += kv.value().len() as u64;
            }
            match response.kvs().last() {
                Some(last) if response.more() => {
                    // The smallest key after `last`.
                    let mut next = last.key().to_vec();
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
        let options = etcd::GetOptions::new().with_revision(revision);
        let response = match self.kv.clone().get(key, Some(options)).await {
            Ok(response) => response,
            Err(e) => return Err(self.read_error(e, revision).await),
        };
        Ok(GetResponse {
            kv: response.kvs().first().map(convert_kv),
            revision: if revision != 0 {
                revision
            } else {
                header_revision(response.header())
            },
        })
    }

    async fn range(&self, prefix: &[u8], options: RangeOptions) -> Result<RangeResponse> {
        self.limits.check_prefix(prefix)?;
        let (from, end) = key_range(prefix, options.start.as_deref());
        let request = etcd::GetOptions::new()
            .with_range(end)
            .with_limit(options.limit as i64)
            .with_revision(options.revision);
        let response = match self.kv.clone().get(from, Some(request)).await {
            Ok(response) => response,
            Err(e) => return Err(self.read_error(e, options.revision).await),
        };
        Ok(RangeResponse {
            kvs: response.kvs().iter().map(convert_kv).collect(),
            more: response.more(),
            revision: if options.revision != 0 {
                options.revision
            } else {
                header_revision(response.header())
            },
        })
    }

    async fn txn(&self, txn: Txn) -> Result<TxnResponse> {
        self.limits.check_txn(&txn)?;
        let request = etcd::Txn::new()
            .when(txn.compares.iter().map(convert_compare).collect::<Vec<_>>())
            .and_then(txn.success.iter().map(convert_op).collect::<Vec<_>>())
            .or_else(txn.failure.iter().map(convert_op).collect::<Vec<_>>());
        let response = self.kv.clone().txn(request).await.map_err(|e| txn_error(&txn, e))?;
        Ok(TxnResponse {
            succeeded: response.succeeded(),
            revision: header_revision(response.header()),
            results: response.op_responses().into_iter().map(convert_result).collect(),
        })
    }

    async fn watch(&self, options: WatchOptions) -> Result<WatchStream> {
        self.limits.check_prefix(&options.prefix)?;
        let (from, end) = key_range(&options.prefix, None);
        let mut request = etcd::WatchOptions::new()
            .with_range(end)
            .with_start_revision(options.start_revision);
        if options.prev_kv {
            request = request.with_prev_key();
        }
        if options.progress_notify {
            request = request.with_progress_notify();
        }
        let stream = self
            .watch
            .clone()
            .watch(from, Some(request))
            .await
            .map_err(etcd_error)?;
        let (tx, rx) = mpsc::channel(WATCH_CHANNEL_CAPACITY);
        let progress = Arc::new(tokio::sync::Notify::new());
        let task = tokio::spawn(forward_watch(stream, options.start_revision, tx, progress.clone()));
        Ok(WatchStream::new(rx, task, progress))
    }

    async fn compact(&self, revision: Revision) -> Result<()> {
        let options = etcd::CompactionOptions::new().with_physical();
        match self.kv.clone().compact(revision, Some(options)).await {
            Ok(_) => Ok(()),
            // Compacting at or below the compacted revision is a no-op, as on embedded.
            Err(e) if e.to_string().contains(COMPACTED) => Ok(()),
            Err(e) => Err(self.read_error(e, revision).await),
        }
    }

    async fn current_revision(&self) -> Result<Revision> {
        let options = etcd::GetOptions::new().with_count_only();
        let response = self.kv.clone().get(vec![0], Some(options)).await.map_err(etcd_error)?;
        Ok(header_revision(response.header()))
    }

    async fn prefix_stats(&self, prefix: &[u8]) -> Result<PrefixStats> {
        self.limits.check_prefix(prefix)?;
        let mut attempt = 1;
        loop {
            match self.scan_stats(prefix).await {
                Err(e) if attempt < STATS_ATTEMPTS && e.to_string().contains(COMPACTED) => attempt += 1,
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
fn txn_error(txn: &Txn, error: etcd::Error) -> StoreError {
    let message = error.to_string();
    if !message.contains(TOO_LARGE) {
        return StoreError::Etcd(message);
    }
    let puts = || {
        txn.success.iter().chain(&txn.failure).filter_map(|op| match op {
            TxnOp::Put { key, value } => Some((key, value)),
            _ => None,
        })
    };
    let Some((key, _)) = puts().max_by_key(|(_, value)| value.len()) else {
        return StoreError::Etcd(message);
    };
    let size = txn.keys().map(Bytes::len).sum::<usize>() + puts().map(|(_, value)| value.len()).sum::<usize>();
    StoreError::ValueTooLarge {
        key: display_key(key),
        size,
        limit: ETCD_DEFAULT_MAX_REQUEST_BYTES,
    }
}

/// Forwards etcd watch responses as one batch per revision until the reader goes away
/// (then cancels the etcd watch) or etcd cancels it.
async fn forward_watch(
    stream: etcd::WatchStream,
    start: Revision,
    tx: mpsc::Sender<Result<WatchBatch>>,
    progress: Arc<tokio::sync::Notify>,
) {
    let (mut sender, mut responses) = stream.split();
    let mut watch_id = None;
    loop {
        let message = tokio::select! {
            _ = tx.closed() => {
                if let Some(id) = watch_id {
                    let _ = sender.cancel(id).await;
                }
                return;
            }
            // etcd answers with an empty response at its current revision once this
            // watch has sent everything up to it.
            _ = progress.notified() => {
                if let Err(e) = sender.request_progress().await {
                    let _ = tx.send(Err(etcd_error(e))).await;
                    return;
                }
                continue;
            }
            message = responses.message() => message,
        };
        let response = match message {
            Ok(Some(response)) => response,
            Ok(None) => {
                let _ = tx
                    .send(Err(StoreError::WatchCancelled("etcd closed the watch stream".into())))
                    .await;
                return;
            }
            Err(e) => {
                let _ = tx.send(Err(etcd_error(e))).await;
                return;
            }
        };
        if response.compact_revision() > 0 {
            let compacted = response.compact_revision();
            let _ = tx
                .send(Err(StoreError::Compacted {
                    requested: start,
                    compacted,
                }))
                .await;
            return;
        }
        if response.canceled() {
            let reason = response.cancel_reason().to_string();
            let _ = tx.send(Err(StoreError::WatchCancelled(reason))).await;
            return;
        }
        if response.created() {
            watch_id = Some(response.watch_id());
            if response.events().is_empty() {
                continue;
            }
        }
        for batch in batches(&response) {
            if tx.send(Ok(batch)).await.is_err() {
                break;
            }
        }
    }
}

/// Splits one etcd response (which may span revisions) into one batch per revision; a
/// response without events is a progress notification at its header revision.
fn batches(response: &etcd::WatchResponse) -> Vec<WatchBatch> {
    if response.events().is_empty() {
        return vec![WatchBatch {
            revision: header_revision(response.header()),
            events: Vec::new(),
        }];
    }
    let mut batches: Vec<WatchBatch> = Vec::new();
    for event in response.events() {
        let Some(kv) = event.kv() else { continue };
        let event = Event {
            kind: match event.event_type() {
                etcd::EventType::Put => EventKind::Put,
                etcd::EventType::Delete => EventKind::Delete,
            },
            kv: convert_kv(kv),
            prev_kv: event.prev_kv().map(convert_kv),
        };
        let revision = event.kv.mod_revision;
        match batches.last_mut() {
            Some(batch) if batch.revision == revision => batch.events.push(event),
            _ => batches.push(WatchBatch {
                revision,
                events: vec![event],
            }),
        }
    }
    batches
}
