//! One embedded watch: catch up from the on-disk history, then follow the hub; when the
//! reader is slow and the hub's channel overflows, re-read the gap from history. Nothing
//! is buffered without bound and nothing is skipped.

use std::sync::Arc;

use bytes::Bytes;
use redb::ReadableDatabase;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::{Notify, broadcast, mpsc};
use tokio::time::MissedTickBehavior;

use super::record::{Kind, RawRecord, first_of, main_of};
use super::{REVS, Shared, engine_error, read_kv};
use crate::error::{Result, StoreError};
use crate::kv::{Event, EventKind, KeyValue, Revision};
use crate::watch::{WatchBatch, WatchOptions};

/// Records scanned per history read, so catching up a long gap streams in chunks.
const HISTORY_CHUNK: usize = 4096;

type Sink = mpsc::Sender<Result<WatchBatch>>;

/// Runs the watch until its reader goes away or it fails (the error is its last item).
/// `progress` asks for a progress notification now (see `WatchStream::request_progress`).
pub async fn run(shared: &Arc<Shared>, options: WatchOptions, tx: Sink, progress: Arc<Notify>) {
    if let Err(error) = serve(shared, &options, &tx, &progress).await {
        let _ = tx.send(Err(error)).await;
    }
}

/// What the watch loop does next.
enum Next {
    Follow,
    /// The hub's channel overflowed: re-read the gap from history.
    Resubscribe,
}

async fn serve(shared: &Arc<Shared>, options: &WatchOptions, tx: &Sink, progress: &Notify) -> Result<()> {
    // `watch` resolved "from now" (0) to a concrete revision before spawning this task.
    let mut next = options.start_revision;
    let mut ticker = tokio::time::interval(shared.progress_interval);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ticker.tick().await;
    'subscribe: loop {
        let subscription = shared.hub.subscribe(&options.prefix).ok_or(StoreError::Closed)?;
        let mut receiver = subscription.receiver;
        while next <= subscription.current {
            let (batches, upto) =
                read_history(shared.clone(), options.prefix.clone(), next, subscription.current).await?;
            for batch in batches {
                deliver(tx, options, &batch).await?;
            }
            next = upto + 1;
        }
        loop {
            let step = tokio::select! {
                received = receiver.recv() => match received {
                    Ok(batch) if batch.revision >= next => {
                        deliver(tx, options, &batch).await?;
                        next = batch.revision + 1;
                        Next::Follow
                    }
                    Ok(_) => Next::Follow,
                    Err(RecvError::Lagged(_)) => Next::Resubscribe,
                    Err(RecvError::Closed) => return Err(StoreError::Closed),
                },
                _ = ticker.tick(), if options.progress_notify => {
                    send_progress(shared, &mut receiver, tx, options, &mut next).await?
                }
                _ = progress.notified() => send_progress(shared, &mut receiver, tx, options, &mut next).await?,
            };
            if let Next::Resubscribe = step {
                continue 'subscribe;
            }
        }
    }
}

/// Sends a progress notification at the hub's current revision. Everything up to it is
/// already in the channel: that is delivered first, so a progress notification never
/// overtakes an event.
async fn send_progress(
    shared: &Shared,
    receiver: &mut broadcast::Receiver<Arc<WatchBatch>>,
    tx: &Sink,
    options: &WatchOptions,
    next: &mut Revision,
) -> Result<Next> {
    let current = shared.hub.current();
    loop {
        match receiver.try_recv() {
            Ok(batch) if batch.revision >= *next => {
                deliver(tx, options, &batch).await?;
                *next = batch.revision + 1;
            }
            Ok(_) => {}
            Err(TryRecvError::Empty) => break,
            Err(TryRecvError::Lagged(_)) => return Ok(Next::Resubscribe),
            Err(TryRecvError::Closed) => return Err(StoreError::Closed),
        }
    }
    let revision = current.max(*next - 1);
    let progress = WatchBatch {
        revision,
        events: Vec::new(),
    };
    tx.send(Ok(progress)).await.map_err(|_| StoreError::Closed)?;
    *next = revision + 1;
    Ok(Next::Follow)
}

/// Sends one batch, without `prev_kv` unless the watch asked for it.
async fn deliver(tx: &Sink, options: &WatchOptions, batch: &WatchBatch) -> Result<()> {
    let events = batch
        .events
        .iter()
        .map(|event| Event {
            prev_kv: if options.prev_kv { event.prev_kv.clone() } else { None },
            ..event.clone()
        })
        .collect();
    let batch = WatchBatch {
        revision: batch.revision,
        events,
    };
    tx.send(Ok(batch)).await.map_err(|_| StoreError::Closed)
}

/// Reads the events under `prefix` with revisions in `from..=to`, at most about
/// [`HISTORY_CHUNK`] records; returns them and the last revision covered.
async fn read_history(
    shared: Arc<Shared>,
    prefix: Bytes,
    from: Revision,
    to: Revision,
) -> Result<(Vec<WatchBatch>, Revision)> {
    tokio::task::spawn_blocking(move || read_history_blocking(&shared, &prefix, from, to))
        .await
        .map_err(|e| StoreError::Engine(format!("history read failed: {e}")))?
}

fn read_history_blocking(
    shared: &Shared,
    prefix: &[u8],
    from: Revision,
    to: Revision,
) -> Result<(Vec<WatchBatch>, Revision)> {
    let txn = {
        let index = shared.index.read();
        if from <= index.compacted() {
            return Err(StoreError::Compacted {
                requested: from,
                compacted: index.compacted(),
            });
        }
        shared.db.begin_read().map_err(engine_error)?
    };
    let revs = txn.open_table(REVS).map_err(engine_error)?;
    let mut batches: Vec<WatchBatch> = Vec::new();
    let mut covered = from - 1;
    for (scanned, item) in revs
        .range(first_of(from)..first_of(to + 1))
        .map_err(engine_error)?
        .enumerate()
    {
        let (packed, stored) = item.map_err(engine_error)?;
        let packed = packed.value();
        let revision = main_of(packed);
        if scanned >= HISTORY_CHUNK && revision != covered {
            return Ok((batches, covered));
        }
        covered = revision;
        let record = RawRecord::parse(packed, stored.value())?;
        if !record.key.starts_with(prefix) {
            continue;
        }
        let prev_kv = match record.prev {
            0 => None,
            prev => Some(read_kv(&revs, prev)?),
        };
        let event = match record.kind {
            Kind::Put => Event {
                kind: EventKind::Put,
                kv: KeyValue {
                    key: Bytes::copy_from_slice(record.key),
                    value: Bytes::copy_from_slice(record.value),
                    create_revision: record.create_revision,
                    mod_revision: revision,
                    version: record.version,
                },
                prev_kv,
            },
            Kind::Delete => Event {
                kind: EventKind::Delete,
                kv: KeyValue {
                    key: Bytes::copy_from_slice(record.key),
                    value: Bytes::new(),
                    create_revision: 0,
                    mod_revision: revision,
                    version: 0,
                },
                prev_kv,
            },
        };
        match batches.last_mut() {
            Some(batch) if batch.revision == revision => batch.events.push(event),
            _ => batches.push(WatchBatch {
                revision,
                events: vec![event],
            }),
        }
    }
    Ok((batches, to))
}
