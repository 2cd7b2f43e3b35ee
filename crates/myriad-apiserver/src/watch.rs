//! `?watch=1`: newline-delimited JSON events (`ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK`,
//! `ERROR`) from one store watch, with Kubernetes' resourceVersion rules:
//!
//! * no resourceVersion, or `0`: the current objects as `ADDED`, then changes;
//! * `N`: every change after N; N older than the store's history gets HTTP 200 and an
//!   in-stream `ERROR` event with a 410 `Expired` Status (clients then relist);
//! * `sendInitialEvents=true`: the current objects as `ADDED`, then a `BOOKMARK` annotated
//!   `k8s.io/initial-events-end: "true"` (streaming lists);
//! * `allowWatchBookmarks=true`: periodic `BOOKMARK`s carrying the latest revision, so a
//!   quiet watcher can resume instead of relisting;
//! * `timeoutSeconds`: the stream ends after that long.
//!
//! The stream runs in a task that ends when the client goes away (its channel closes),
//! which drops the store watch.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use myriad_api::registry::ResourceInfo;
use myriad_store::{EventKind, RangeOptions, Revision, Store, StoreError, WatchBatch, WatchOptions};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::error::ApiError;
use crate::objects::{decode_stored_as, metadata_mut};

/// Events buffered per watch before the stream waits for the client.
const BUFFER: usize = 256;
/// Least time between two bookmarks of one watch.
const BOOKMARK_EVERY: Duration = Duration::from_secs(5);
/// Objects per store read when sending initial events.
const INITIAL_PAGE: usize = 500;

/// What the client asked of one watch.
#[derive(Clone)]
pub struct WatchRequest {
    pub info: Arc<ResourceInfo>,
    pub prefix: String,
    /// Where the watch starts: after this revision, or (`None`) at the current one.
    pub resource_version: Option<Revision>,
    /// Start with the state at the start as ADDED events.
    pub initial_events: bool,
    /// `sendInitialEvents=true`: end the initial events with the
    /// `k8s.io/initial-events-end` bookmark.
    pub send_initial_events: bool,
    pub bookmarks: bool,
    pub timeout: Option<Duration>,
    /// Keeps only objects this returns true for (selectors).
    pub filter: Arc<dyn Fn(&Value) -> bool + Send + Sync>,
}

/// Starts the watch and returns the streaming response.
pub fn respond(store: Arc<dyn Store>, request: WatchRequest) -> Response {
    let (tx, rx) = mpsc::channel::<Result<Bytes, Infallible>>(BUFFER);
    tokio::spawn(async move {
        let sink = Sink { tx };
        if let Err(error) = stream(&store, &request, &sink).await {
            sink.send(error_event(&error)).await;
        }
    });
    let mut rx = rx;
    let body = Body::from_stream(futures::stream::poll_fn(move |cx| rx.poll_recv(cx)));
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

struct Sink {
    tx: mpsc::Sender<Result<Bytes, Infallible>>,
}

impl Sink {
    /// Sends one event line; false once the client is gone.
    async fn send(&self, event: Value) -> bool {
        let mut line = serde_json::to_vec(&event).unwrap_or_default();
        line.push(b'\n');
        self.tx.send(Ok(Bytes::from(line))).await.is_ok()
    }
}

async fn stream(store: &Arc<dyn Store>, request: &WatchRequest, sink: &Sink) -> Result<(), ApiError> {
    let deadline = request.timeout.and_then(|t| Instant::now().checked_add(t));
    let mut revision = match request.resource_version {
        Some(rv) if !request.initial_events => rv,
        None if !request.initial_events => store.current_revision().await?,
        _ => {
            let listed = send_initial(store, request, sink).await?;
            if request.send_initial_events && !sink.send(bookmark(&request.info, listed, true)).await {
                return Ok(());
            }
            listed
        }
    };
    let options = WatchOptions::prefix(request.prefix.clone())
        .from_revision(revision + 1)
        .with_prev_kv()
        .with_progress_notify();
    let mut watch = store.watch(options).await.map_err(expired)?;
    let mut last_bookmark = Instant::now();
    loop {
        let next = match deadline {
            Some(deadline) => match tokio::time::timeout_at(deadline, watch.recv()).await {
                Ok(next) => next,
                Err(_) => return Ok(()),
            },
            None => watch.recv().await,
        };
        let batch = match next {
            Some(batch) => batch.map_err(expired)?,
            None => return Ok(()),
        };
        revision = batch.revision;
        if batch.is_progress() {
            if request.bookmarks && last_bookmark.elapsed() >= BOOKMARK_EVERY {
                if !sink.send(bookmark(&request.info, revision, false)).await {
                    return Ok(());
                }
                last_bookmark = Instant::now();
            }
            continue;
        }
        for event in events(&batch, request)? {
            if !sink.send(event).await {
                return Ok(());
            }
        }
    }
}

/// Sends the current objects as ADDED events, page by page at one revision; returns it.
async fn send_initial(store: &Arc<dyn Store>, request: &WatchRequest, sink: &Sink) -> Result<Revision, ApiError> {
    let mut revision = 0;
    let mut start: Option<Bytes> = None;
    loop {
        let options = RangeOptions {
            start: start.clone(),
            limit: INITIAL_PAGE,
            revision,
        };
        let page = store.range(request.prefix.as_bytes(), options).await?;
        revision = page.revision;
        for kv in &page.kvs {
            let object = decode_stored_as(kv, &request.info)?;
            if (request.filter)(&object) && !sink.send(json!({"type": "ADDED", "object": object})).await {
                return Ok(revision);
            }
        }
        match page.kvs.last() {
            Some(last) if page.more => {
                let mut next = last.key.to_vec();
                next.push(0);
                start = Some(Bytes::from(next));
            }
            _ => return Ok(revision),
        }
    }
}

/// The watch events of one store revision. With a filter, an object that starts to
/// match arrives as `ADDED` and one that stops matching as `DELETED` (carrying its last
/// matching state at this revision), as Kubernetes' cacher does.
fn events(batch: &WatchBatch, request: &WatchRequest) -> Result<Vec<Value>, ApiError> {
    let mut out = Vec::with_capacity(batch.events.len());
    let at_revision = |mut object: Value| {
        metadata_mut(&mut object).insert("resourceVersion".into(), json!(batch.revision.to_string()));
        object
    };
    for event in &batch.events {
        let decode = |kv| decode_stored_as(kv, &request.info);
        let previous = event.prev_kv.as_ref().map(decode).transpose()?;
        let was = previous.as_ref().is_some_and(|p| (request.filter)(p));
        match event.kind {
            EventKind::Put => {
                let object = decode(&event.kv)?;
                match ((request.filter)(&object), was) {
                    (true, true) => out.push(json!({"type": "MODIFIED", "object": object})),
                    (true, false) => out.push(json!({"type": "ADDED", "object": object})),
                    (false, true) => {
                        if let Some(previous) = previous {
                            out.push(json!({"type": "DELETED", "object": at_revision(previous)}));
                        }
                    }
                    (false, false) => {}
                }
            }
            EventKind::Delete => {
                if let (Some(previous), true) = (previous, was) {
                    out.push(json!({"type": "DELETED", "object": at_revision(previous)}));
                }
            }
        }
    }
    Ok(out)
}

pub fn bookmark(info: &ResourceInfo, revision: Revision, initial_events_end: bool) -> Value {
    let mut metadata = json!({"resourceVersion": revision.to_string()});
    if initial_events_end {
        metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    json!({"type": "BOOKMARK", "object": {"kind": info.kind, "apiVersion": info.api_version(), "metadata": metadata}})
}

/// An `ERROR` event; an expired resourceVersion is a 410 `Expired` Status, as clients
/// expect in-stream.
pub fn error_event(error: &ApiError) -> Value {
    json!({"type": "ERROR", "object": error.status()})
}

/// Maps a compacted start revision to Kubernetes' "too old resource version" error.
pub fn expired(error: StoreError) -> ApiError {
    match error {
        StoreError::Compacted { requested, compacted } => ApiError::Gone(format!(
            "too old resource version: {} ({})",
            requested - 1,
            compacted + 1
        )),
        other => other.into(),
    }
}
