//! The single writer: drains queued transactions into one engine commit (group commit),
//! so one fsync acknowledges many writers. After the commit it updates the key index,
//! publishes watch events and answers every caller, in that order, so a caller that sees
//! its write acknowledged can read it back and any watch already saw it published.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use bytes::Bytes;
use redb::Table;
use tokio::sync::{mpsc, oneshot};

use super::index::{Entry, KeyIndex};
use super::record::{Kind, Record, pack};
use super::{COMPACTED, CURRENT, META, REVS, Shared, engine_error, read_kv};
use crate::error::{Result, StoreError};
use crate::kv::{Event, EventKind, Revision};
use crate::txn::{KeyMeta, OpResult, Txn, TxnOp, TxnResponse};

/// A request for the writer thread.
pub enum Request {
    Txn(Txn, oneshot::Sender<Result<TxnResponse>>),
    Compact(Revision, oneshot::Sender<Result<()>>),
    /// Commit what is queued before this, finish a compaction under way, and stop.
    Close,
}

/// Old records removed per engine commit while compacting (etcd's compaction batch
/// limit): each chunk is one pause for queued writes, which are committed between
/// chunks, so a large compaction never holds writes up for long.
const COMPACT_CHUNK: usize = 1_000;

/// A compaction under way: the index is compacted already (readers no longer see the
/// records); they leave the disk a chunk at a time between write batches.
struct Compaction {
    revision: Revision,
    removed: Vec<u64>,
    /// How many of `removed` are gone from disk.
    done: usize,
    /// The compacted revision is persisted with the first chunk.
    persisted: bool,
    reply: oneshot::Sender<Result<()>>,
    started: Instant,
}

/// Runs until every request sender is gone (finishing a compaction under way), then
/// closes all watches.
pub fn run(shared: Arc<Shared>, mut requests: mpsc::Receiver<Request>, max_batch: usize) {
    let mut compaction: Option<Compaction> = None;
    let mut waiting: VecDeque<(Revision, oneshot::Sender<Result<()>>)> = VecDeque::new();
    let mut closing = false;
    loop {
        if closing && compaction.is_none() && waiting.is_empty() {
            break;
        }
        let first = if closing {
            None
        } else if compaction.is_some() || !waiting.is_empty() {
            requests.try_recv().ok()
        } else {
            match requests.blocking_recv() {
                Some(request) => Some(request),
                None => break,
            }
        };
        let mut batch = Vec::new();
        let mut next = first;
        while let Some(request) = next.take() {
            match request {
                Request::Txn(txn, reply) => batch.push((txn, reply)),
                Request::Compact(revision, reply) => waiting.push_back((revision, reply)),
                Request::Close => {
                    closing = true;
                    break;
                }
            }
            if batch.len() >= max_batch {
                break;
            }
            next = requests.try_recv().ok();
        }
        if !batch.is_empty() {
            commit_batch(&shared, batch);
        }
        if compaction.is_none()
            && let Some((revision, reply)) = waiting.pop_front()
        {
            compaction = start_compaction(&shared, revision, reply);
        }
        if let Some(mut running) = compaction.take() {
            compaction = match compact_chunk(&shared, &mut running) {
                Ok(false) => Some(running),
                Ok(true) => {
                    tracing::info!(
                        revision = running.revision,
                        removed = running.removed.len(),
                        elapsed = ?running.started.elapsed(),
                        "store compacted"
                    );
                    let _ = running.reply.send(Ok(()));
                    None
                }
                Err(error) => {
                    tracing::error!(%error, revision = running.revision, "compaction failed; reopening the store finishes it");
                    let _ = running.reply.send(Err(error));
                    None
                }
            };
        }
    }
    // Later requests find the channel closed.
    drop(requests);
    shared.hub.close();
}

/// What a committed batch changes.
#[derive(Default)]
struct BatchOutcome {
    updates: Vec<(Bytes, Entry, Option<KeyMeta>)>,
    events: Vec<(Revision, Vec<Event>)>,
    responses: Vec<TxnResponse>,
    current: Revision,
}

fn commit_batch(shared: &Shared, batch: Vec<(Txn, oneshot::Sender<Result<TxnResponse>>)>) {
    let (txns, replies): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
    let count = txns.len() as u64;
    match apply_and_commit(shared, txns) {
        Ok(outcome) => {
            {
                let mut index = shared.index.write();
                for (key, entry, live) in outcome.updates {
                    index.apply(key, entry, live);
                }
                let compacted = index.compacted();
                index.set_revisions(outcome.current, compacted);
            }
            shared.hub.publish(outcome.events, outcome.current);
            shared.counters.txns.fetch_add(count, Ordering::Relaxed);
            for (reply, response) in replies.into_iter().zip(outcome.responses) {
                let _ = reply.send(Ok(response));
            }
        }
        Err(error) => {
            tracing::error!(%error, txns = count, "store commit failed; the batch was not applied");
            for reply in replies {
                let _ = reply.send(Err(copy_error(&error)));
            }
        }
    }
}

/// The batch's error for each of its callers.
fn copy_error(error: &StoreError) -> StoreError {
    match error {
        StoreError::Corrupt(message) => StoreError::Corrupt(message.clone()),
        other => StoreError::Engine(other.to_string()),
    }
}

/// A key's live state as of the batch so far: writes earlier in the batch shadow the
/// committed index.
fn state(overlay: &HashMap<Bytes, Option<(KeyMeta, u64)>>, index: &KeyIndex, key: &[u8]) -> Option<(KeyMeta, u64)> {
    match overlay.get(key) {
        Some(state) => *state,
        None => index.live(key),
    }
}

fn apply_and_commit(shared: &Shared, txns: Vec<Txn>) -> Result<BatchOutcome> {
    let wtx = shared.db.begin_write().map_err(engine_error)?;
    let mut out = BatchOutcome::default();
    {
        let index = shared.index.read();
        out.current = index.current();
        let mut revs = wtx.open_table(REVS).map_err(engine_error)?;
        let mut overlay = HashMap::new();
        for txn in txns {
            let response = apply_txn(&index, &mut overlay, &mut revs, txn, &mut out)?;
            out.responses.push(response);
        }
        if out.updates.is_empty() {
            // Nothing written (only reads and failed compares): no commit, no fsync.
            return Ok(out);
        }
        let mut meta = wtx.open_table(META).map_err(engine_error)?;
        meta.insert(CURRENT, out.current).map_err(engine_error)?;
    }
    wtx.commit().map_err(engine_error)?;
    shared.counters.commits.fetch_add(1, Ordering::Relaxed);
    Ok(out)
}

fn apply_txn(
    index: &KeyIndex,
    overlay: &mut HashMap<Bytes, Option<(KeyMeta, u64)>>,
    revs: &mut Table<u64, &[u8]>,
    txn: Txn,
    out: &mut BatchOutcome,
) -> Result<TxnResponse> {
    let succeeded = txn
        .compares
        .iter()
        .all(|c| c.holds(state(overlay, index, &c.key).map(|(meta, _)| meta)));
    let ops = if succeeded { txn.success } else { txn.failure };
    let writes = ops.iter().any(|op| match op {
        TxnOp::Put { .. } => true,
        TxnOp::Delete { key } => state(overlay, index, key).is_some(),
        TxnOp::Get { .. } => false,
    });
    let main = if writes { out.current + 1 } else { out.current };
    let mut sub = 0;
    let mut results = Vec::with_capacity(ops.len());
    let mut events = Vec::new();
    for op in ops {
        let prior = state(overlay, index, op.key());
        let prev_kv = prior.map(|(_, packed)| read_kv(revs, packed)).transpose()?;
        match op {
            TxnOp::Get { .. } => results.push(OpResult::Get { kv: prev_kv }),
            TxnOp::Put { key, value } => {
                let meta = KeyMeta {
                    create_revision: prior.map_or(main, |(m, _)| m.create_revision),
                    mod_revision: main,
                    version: prior.map_or(1, |(m, _)| m.version + 1),
                };
                let record = Record {
                    kind: Kind::Put,
                    key: key.clone(),
                    value: value.clone(),
                    create_revision: meta.create_revision,
                    version: meta.version,
                    prev: prior.map_or(0, |(_, p)| p),
                };
                let packed = pack(main, sub);
                sub += 1;
                revs.insert(packed, record.encode().as_slice()).map_err(engine_error)?;
                let size = u32::try_from(value.len()).unwrap_or(u32::MAX);
                overlay.insert(key.clone(), Some((meta, packed)));
                out.updates.push((
                    key,
                    Entry {
                        packed,
                        size,
                        kind: Kind::Put,
                    },
                    Some(meta),
                ));
                events.push(Event {
                    kind: EventKind::Put,
                    kv: record.into_kv(main),
                    prev_kv: prev_kv.clone(),
                });
                results.push(OpResult::Put { prev: prev_kv });
            }
            TxnOp::Delete { key } => {
                let Some((_, prev_packed)) = prior else {
                    results.push(OpResult::Delete { prev: None });
                    continue;
                };
                let record = Record {
                    kind: Kind::Delete,
                    key: key.clone(),
                    value: Bytes::new(),
                    create_revision: 0,
                    version: 0,
                    prev: prev_packed,
                };
                let packed = pack(main, sub);
                sub += 1;
                revs.insert(packed, record.encode().as_slice()).map_err(engine_error)?;
                overlay.insert(key.clone(), None);
                out.updates.push((
                    key,
                    Entry {
                        packed,
                        size: 0,
                        kind: Kind::Delete,
                    },
                    None,
                ));
                events.push(Event {
                    kind: EventKind::Delete,
                    kv: record.into_kv(main),
                    prev_kv: prev_kv.clone(),
                });
                results.push(OpResult::Delete { prev: prev_kv });
            }
        }
    }
    if writes {
        out.current = main;
        out.events.push((main, events));
    }
    Ok(TxnResponse {
        succeeded,
        revision: out.current,
        results,
    })
}

/// Starts compacting history before `revision`: the index forgets the superseded
/// records at once; `None` when there is nothing to do (answered already).
fn start_compaction(shared: &Shared, revision: Revision, reply: oneshot::Sender<Result<()>>) -> Option<Compaction> {
    {
        let index = shared.index.read();
        if revision <= index.compacted() {
            let _ = reply.send(Ok(()));
            return None;
        }
        if revision > index.current() {
            let _ = reply.send(Err(StoreError::FutureRevision {
                requested: revision,
                current: index.current(),
            }));
            return None;
        }
    }
    let removed = shared.index.write().compact(revision);
    Some(Compaction {
        revision,
        removed,
        done: 0,
        persisted: false,
        reply,
        started: Instant::now(),
    })
}

/// Removes the next chunk of a compaction (persisting its revision with the first);
/// true when it is complete. A crash part-way leaves records that reopening removes
/// (reopen compacts the rebuilt index to the persisted revision).
fn compact_chunk(shared: &Shared, compaction: &mut Compaction) -> Result<bool> {
    let started = Instant::now();
    let end = (compaction.done + COMPACT_CHUNK).min(compaction.removed.len());
    let chunk = &compaction.removed[compaction.done..end];
    let persist = (!compaction.persisted).then_some(compaction.revision);
    remove_chunk(shared, chunk, persist)?;
    compaction.persisted = true;
    compaction.done = end;
    shared
        .metrics
        .compaction_pause_seconds
        .observe(started.elapsed().as_secs_f64());
    shared.metrics.compacted_records.inc_by(chunk.len() as u64);
    Ok(compaction.done == compaction.removed.len())
}

/// Removes `chunk` from disk in one engine commit, recording `compacted` with it.
fn remove_chunk(shared: &Shared, chunk: &[u64], compacted: Option<Revision>) -> Result<()> {
    let wtx = shared.db.begin_write().map_err(engine_error)?;
    {
        let mut revs = wtx.open_table(REVS).map_err(engine_error)?;
        for packed in chunk {
            revs.remove(packed).map_err(engine_error)?;
        }
        if let Some(revision) = compacted {
            let mut meta = wtx.open_table(META).map_err(engine_error)?;
            meta.insert(COMPACTED, revision).map_err(engine_error)?;
        }
    }
    wtx.commit().map_err(engine_error)
}

/// Removes records an interrupted compaction left (at open, before any writer runs).
pub fn remove_records(shared: &Shared, removed: &[u64]) -> Result<()> {
    for chunk in removed.chunks(COMPACT_CHUNK) {
        remove_chunk(shared, chunk, None)?;
    }
    Ok(())
}
