//! etcd watches as the store's [`WatchStream`]: one gRPC watch stream per store watch,
//! fed by a task that splits etcd's responses into one batch per revision, turns
//! progress requests into etcd progress requests, and cancels the etcd watch when the
//! reader goes away.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::Stream;
use tokio::sync::{Notify, mpsc};
use tonic::Streaming;
use tonic::transport::Channel;

use super::key_range;
use super::rpc::{WatchClient, convert_kv, etcd_error, etcdserverpb, header_revision, mvccpb};
use crate::error::{Result, StoreError};
use crate::kv::{Event, EventKind, Revision};
use crate::watch::{WATCH_CHANNEL_CAPACITY, WatchBatch, WatchOptions, WatchStream};

use etcdserverpb::watch_request::RequestUnion;
use etcdserverpb::{WatchCancelRequest, WatchCreateRequest, WatchProgressRequest, WatchRequest, WatchResponse};

/// Requests queued to one etcd watch stream: the create, then at most a cancel and
/// progress requests, which the forwarding task sends one at a time.
const REQUEST_QUEUE: usize = 4;

/// The sending half of one etcd watch stream, and its responses.
struct EtcdWatch {
    requests: mpsc::Sender<WatchRequest>,
    responses: Streaming<WatchResponse>,
}

impl EtcdWatch {
    /// Opens a gRPC watch stream with `create` as its first request.
    async fn open(client: &WatchClient<Channel>, create: WatchCreateRequest) -> Result<EtcdWatch> {
        let (requests, rx) = mpsc::channel(REQUEST_QUEUE);
        let first = WatchRequest {
            request_union: Some(RequestUnion::CreateRequest(create)),
        };
        // The queue is new and empty, so this cannot fail.
        let _ = requests.try_send(first);
        let responses = client
            .clone()
            .watch(request_stream(rx))
            .await
            .map_err(etcd_error)?
            .into_inner();
        Ok(EtcdWatch { requests, responses })
    }

    async fn send(&self, request: RequestUnion) -> Result<()> {
        let request = WatchRequest {
            request_union: Some(request),
        };
        self.requests
            .send(request)
            .await
            .map_err(|_| StoreError::WatchCancelled("the etcd watch stream is closed".into()))
    }

    async fn cancel(&self, watch_id: i64) {
        let _ = self
            .send(RequestUnion::CancelRequest(WatchCancelRequest { watch_id }))
            .await;
    }
}

/// The request half of a gRPC stream, from a channel.
fn request_stream(rx: mpsc::Receiver<WatchRequest>) -> impl Stream<Item = WatchRequest> + Send + 'static {
    futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|request| (request, rx)) })
}

/// Starts a store watch on etcd.
pub(super) async fn start(client: &WatchClient<Channel>, options: WatchOptions) -> Result<WatchStream> {
    let (from, end) = key_range(&options.prefix, None);
    let create = WatchCreateRequest {
        key: from.into(),
        range_end: end.into(),
        start_revision: options.start_revision,
        progress_notify: options.progress_notify,
        prev_kv: options.prev_kv,
        ..Default::default()
    };
    let watch = EtcdWatch::open(client, create).await?;
    let (tx, rx) = mpsc::channel(WATCH_CHANNEL_CAPACITY);
    let progress = Arc::new(Notify::new());
    let task = tokio::spawn(forward(watch, options.start_revision, tx, progress.clone()));
    Ok(WatchStream::new(rx, task, progress))
}

/// etcd does not report its compacted revision directly; a watch from revision 1 is
/// cancelled with it. Only used on the error path.
pub(super) async fn compacted_revision(client: &WatchClient<Channel>) -> Result<Revision> {
    let create = WatchCreateRequest {
        key: Bytes::from_static(&[0]),
        start_revision: 1,
        ..Default::default()
    };
    let mut watch = EtcdWatch::open(client, create).await?;
    // etcd's watch sync loop (every 100 ms) reports the compaction after `created`.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    let mut compacted = 0;
    let mut watch_id = None;
    while let Ok(Ok(Some(response))) = tokio::time::timeout_at(deadline, watch.responses.message()).await {
        if response.compact_revision > 0 {
            compacted = response.compact_revision;
            break;
        }
        if response.created {
            watch_id = Some(response.watch_id);
        }
    }
    if let (0, Some(id)) = (compacted, watch_id) {
        watch.cancel(id).await;
    }
    Ok(compacted)
}

/// Forwards etcd watch responses as one batch per revision until the reader goes away
/// (then cancels the etcd watch) or etcd cancels it.
async fn forward(mut watch: EtcdWatch, start: Revision, tx: mpsc::Sender<Result<WatchBatch>>, progress: Arc<Notify>) {
    let mut watch_id = None;
    loop {
        let message = tokio::select! {
            _ = tx.closed() => {
                if let Some(id) = watch_id {
                    watch.cancel(id).await;
                }
                return;
            }
            // etcd answers with an empty response at its current revision once this
            // watch has sent everything up to it.
            _ = progress.notified() => {
                if let Err(e) = watch.send(RequestUnion::ProgressRequest(WatchProgressRequest {})).await {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
                continue;
            }
            message = watch.responses.message() => message,
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
        if response.compact_revision > 0 {
            let _ = tx
                .send(Err(StoreError::Compacted {
                    requested: start,
                    compacted: response.compact_revision,
                }))
                .await;
            return;
        }
        if response.canceled {
            let _ = tx.send(Err(StoreError::WatchCancelled(response.cancel_reason))).await;
            return;
        }
        if response.created {
            watch_id = Some(response.watch_id);
            if response.events.is_empty() {
                continue;
            }
        }
        for batch in batches(response) {
            if tx.send(Ok(batch)).await.is_err() {
                break;
            }
        }
    }
}

/// Splits one etcd response (which may span revisions) into one batch per revision; a
/// response without events is a progress notification at its header revision.
fn batches(response: WatchResponse) -> Vec<WatchBatch> {
    if response.events.is_empty() {
        return vec![WatchBatch {
            revision: header_revision(response.header.as_ref()),
            events: Vec::new(),
        }];
    }
    let mut batches: Vec<WatchBatch> = Vec::new();
    for event in response.events {
        let kind = match mvccpb::event::EventType::try_from(event.r#type) {
            Ok(mvccpb::event::EventType::Delete) => EventKind::Delete,
            _ => EventKind::Put,
        };
        let Some(kv) = event.kv else { continue };
        let event = Event {
            kind,
            kv: convert_kv(kv),
            prev_kv: event.prev_kv.map(convert_kv),
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
