//! A WATCH served straight from one store watch, for resources configured uncached
//! (`--watch-cache-sizes resource#0`): newline-delimited JSON events with Kubernetes'
//! resourceVersion rules:
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
//! The stream runs in a task that ends as soon as the client goes away (its channel
//! closes), even on a resource where nothing changes, and drops the store watch.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use myriad_api::registry::ResourceInfo;
use myriad_api::watch::{EventType, event_for};
use myriad_store::{EventKind, Pages, Revision, Store, StoreError, WatchBatch, WatchOptions};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::error::ApiError;
use crate::meta::metadata_mut;
use crate::metrics::UncachedWatch;
use crate::request::selector::Selector;
use crate::response::watch::{bookmark, error_event, event};
use crate::storage::codec::decode_stored_as;

/// Event chunks buffered per watch before the stream waits for the client.
const BUFFER: usize = 256;
/// Least time between two bookmarks of one watch.
const BOOKMARK_EVERY: Duration = Duration::from_secs(5);
/// Objects per store read when sending initial events.
const INITIAL_PAGE: usize = 500;

/// What the client asked of one watch.
pub(crate) struct StoreWatch {
    pub(crate) info: Arc<ResourceInfo>,
    pub(crate) prefix: String,
    /// Where the watch starts: after this revision, or (`None`) at the current one.
    pub(crate) resource_version: Option<Revision>,
    /// Start with the state at the start as ADDED events.
    pub(crate) initial_events: bool,
    /// `sendInitialEvents=true`: end the initial events with the
    /// `k8s.io/initial-events-end` bookmark.
    pub(crate) send_initial_events: bool,
    pub(crate) bookmarks: bool,
    pub(crate) timeout: Option<Duration>,
    pub(crate) selector: Selector,
    /// Counts the watch in `myriad_uncached_watchers` while it runs.
    pub(crate) _counted: UncachedWatch,
}

impl StoreWatch {
    /// Starts the watch and returns the streaming response.
    pub(crate) fn respond(self, store: Arc<dyn Store>) -> Response {
        let (tx, mut rx) = mpsc::channel::<Result<Bytes, Infallible>>(BUFFER);
        tokio::spawn(async move {
            let sink = Sink { tx };
            if let Err(error) = self.stream(&store, &sink).await {
                sink.send(error_event(&error)).await;
            }
        });
        let body = Body::from_stream(futures::stream::poll_fn(move |cx| rx.poll_recv(cx)));
        (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body).into_response()
    }

    async fn stream(&self, store: &Arc<dyn Store>, sink: &Sink) -> Result<(), ApiError> {
        let deadline = self.timeout.and_then(|t| Instant::now().checked_add(t));
        let mut revision = match self.resource_version {
            Some(rv) if !self.initial_events => rv,
            None if !self.initial_events => store.current_revision().await?,
            _ => {
                let listed = self.send_initial(store.as_ref(), sink).await?;
                if self.send_initial_events && !sink.send(bookmark(&self.info, listed, true)).await {
                    return Ok(());
                }
                listed
            }
        };
        let options = WatchOptions::prefix(self.prefix.clone())
            .from_revision(revision + 1)
            .with_prev_kv()
            .with_progress_notify();
        let mut watch = store.watch(options).await.map_err(expired)?;
        let mut last_bookmark = Instant::now();
        loop {
            let next = tokio::select! {
                next = watch.recv() => next,
                // The client went away: stop now, not at the next change.
                _ = sink.tx.closed() => return Ok(()),
                _ = sleep_until_some(deadline) => return Ok(()),
            };
            let batch = match next {
                Some(batch) => batch.map_err(expired)?,
                None => return Ok(()),
            };
            revision = batch.revision;
            if batch.is_progress() {
                if self.bookmarks && last_bookmark.elapsed() >= BOOKMARK_EVERY {
                    if !sink.send(bookmark(&self.info, revision, false)).await {
                        return Ok(());
                    }
                    last_bookmark = Instant::now();
                }
                continue;
            }
            let events = self.events(&batch)?;
            if !events.is_empty() && !sink.send(events).await {
                return Ok(());
            }
        }
    }

    /// Sends the current objects as ADDED events, page by page at one revision;
    /// returns it.
    async fn send_initial(&self, store: &dyn Store, sink: &Sink) -> Result<Revision, ApiError> {
        let mut pages = Pages::new(store, self.prefix.clone(), INITIAL_PAGE);
        while let Some(page) = pages.next().await? {
            let mut out = Vec::new();
            for kv in &page.kvs {
                let object = decode_stored_as(kv, &self.info)?;
                if self.selector.matches(&object) {
                    event(&mut out, EventType::Added, &to_json(&object));
                }
            }
            if !out.is_empty() && !sink.send(out).await {
                break;
            }
        }
        Ok(pages.revision())
    }

    /// The watch events of one store revision, by the one filtered-watch rule.
    fn events(&self, batch: &WatchBatch) -> Result<Vec<u8>, ApiError> {
        let mut out = Vec::new();
        for change in &batch.events {
            let decode = |kv| decode_stored_as(kv, &self.info);
            let previous = change.prev_kv.as_ref().map(decode).transpose()?;
            let object = match change.kind {
                EventKind::Put => Some(decode(&change.kv)?),
                EventKind::Delete => None,
            };
            let was = previous.as_ref().is_some_and(|p| self.selector.matches(p));
            let now = object.as_ref().is_some_and(|o| self.selector.matches(o));
            match (event_for(was, now), object, previous) {
                (Some(EventType::Deleted), _, Some(mut previous)) => {
                    // The last state it had, at the revision it left.
                    metadata_mut(&mut previous).insert("resourceVersion".into(), json!(batch.revision.to_string()));
                    event(&mut out, EventType::Deleted, &to_json(&previous));
                }
                (Some(kind @ (EventType::Added | EventType::Modified)), Some(object), _) => {
                    event(&mut out, kind, &to_json(&object));
                }
                _ => {}
            }
        }
        Ok(out)
    }
}

fn to_json(object: &Value) -> Vec<u8> {
    serde_json::to_vec(object).unwrap_or_default()
}

async fn sleep_until_some(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

struct Sink {
    tx: mpsc::Sender<Result<Bytes, Infallible>>,
}

impl Sink {
    /// Sends event lines; false once the client is gone.
    async fn send(&self, lines: Vec<u8>) -> bool {
        self.tx.send(Ok(Bytes::from(lines))).await.is_ok()
    }
}

/// Maps a compacted start revision to Kubernetes' "too old resource version" error.
fn expired(error: StoreError) -> ApiError {
    match error {
        StoreError::Compacted { requested, compacted } => ApiError::Gone(format!(
            "too old resource version: {} ({})",
            requested - 1,
            compacted + 1
        )),
        other => other.into(),
    }
}
