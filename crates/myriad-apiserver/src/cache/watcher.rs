//! One watch served from the cache, as the response body: initial events, the
//! streaming-list end bookmark, replayed history, then live changes from the watcher's
//! queue, periodic bookmarks, and the end at `timeoutSeconds`. Events are written as
//! `{"type":…,"object":` + the object's shared bytes + `}`: nothing is re-encoded per
//! watcher. Dropping the body (the client went away) drops the queue, and the next
//! dispatch forgets the watcher.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use myriad_api::registry::ResourceInfo;
use myriad_store::Revision;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::Progress;
use super::object::{CachedObject, Change, Shape};
use super::served_json;
use crate::error::ApiError;
use crate::request::selector::Selector;
use crate::response::watch::{bookmark, error_event, event};
use myriad_api::watch::{EventType, event_for};

/// Bytes gathered into one body chunk at most (a chunk always holds whole events).
const CHUNK: usize = 64 * 1024;
/// How long before the deadline the last bookmark goes out, as upstream.
const BEFORE_DEADLINE: Duration = Duration::from_secs(2);

/// A watch being served.
pub struct Watcher {
    pub info: Arc<ResourceInfo>,
    pub shape: Arc<Shape>,
    pub selector: Selector,
    /// The watched key prefix (resource or namespace).
    pub prefix: String,
    /// Objects to send as ADDED first (not yet filtered).
    pub initial: std::vec::IntoIter<Arc<CachedObject>>,
    /// Send the `k8s.io/initial-events-end` bookmark at this revision after them.
    pub end_bookmark: Option<Revision>,
    /// Changes from the history window, before the queue.
    pub replay: VecDeque<Arc<Change>>,
    pub queue: mpsc::Receiver<Arc<Change>>,
    pub slow: Arc<AtomicBool>,
    /// Changes at or below this revision are not sent (a watch from a future RV).
    pub after: Revision,
    pub bookmarks: bool,
    pub bookmark_interval: Duration,
    pub deadline: Option<Instant>,
    pub progress: watch::Receiver<Progress>,
    /// Length of the queue, for the ERROR sent when it overflows.
    pub capacity: usize,
    pub done: bool,
}

impl Watcher {
    pub fn into_body(self) -> Body {
        let stream = futures::stream::unfold(self, |mut watcher| async move {
            let chunk = watcher.next_chunk().await?;
            Some((Ok::<_, Infallible>(chunk), watcher))
        });
        Body::from_stream(stream)
    }

    async fn next_chunk(&mut self) -> Option<Bytes> {
        if self.done {
            return None;
        }
        let mut out = Vec::new();
        while out.len() < CHUNK {
            let Some(object) = self.initial.next() else { break };
            if self.visible(&object) {
                self.line(&mut out, EventType::Added, &object.json, &object.api_version);
            }
        }
        if !out.is_empty() {
            return Some(out.into());
        }
        if let Some(revision) = self.end_bookmark.take() {
            self.after = self.after.max(revision);
            return Some(bookmark(&self.info, revision, true).into());
        }
        while out.len() < CHUNK {
            let Some(change) = self.replay.pop_front() else { break };
            self.render(&mut out, &change);
        }
        if !out.is_empty() {
            return Some(out.into());
        }
        self.live(out).await
    }

    /// Waits for changes, a bookmark time or the deadline.
    async fn live(&mut self, mut out: Vec<u8>) -> Option<Bytes> {
        let mut next_bookmark = self.next_bookmark();
        loop {
            if self.slow.load(Ordering::Acquire) {
                return Some(self.cut_off());
            }
            let deadline = self.deadline;
            tokio::select! {
                change = self.queue.recv() => {
                    let Some(change) = change else {
                        if self.slow.load(Ordering::Acquire) {
                            return Some(self.cut_off());
                        }
                        // The cache is starting over: end the stream, the client
                        // resumes from its last resourceVersion.
                        self.done = true;
                        return None;
                    };
                    self.render(&mut out, &change);
                    self.drain(&mut out);
                    if !out.is_empty() {
                        return Some(out.into());
                    }
                }
                _ = tokio::time::sleep_until(next_bookmark), if self.bookmarks => {
                    // The revision is read before draining: every change up to it is
                    // already queued, so the bookmark never passes an unsent change.
                    let revision = self.progress.borrow().revision;
                    let drained = self.drain(&mut out);
                    if self.slow.load(Ordering::Acquire) {
                        return Some(self.cut_off());
                    }
                    if drained && revision >= self.after {
                        self.after = revision;
                        out.extend_from_slice(&bookmark(&self.info, revision, false));
                    }
                    next_bookmark = self.next_bookmark();
                    if !out.is_empty() {
                        return Some(out.into());
                    }
                }
                _ = sleep_until_some(deadline) => {
                    self.done = true;
                    return None;
                }
            }
        }
    }

    /// Renders whatever is already queued, up to a chunk; true when the queue is
    /// empty.
    fn drain(&mut self, out: &mut Vec<u8>) -> bool {
        while out.len() < CHUNK {
            match self.queue.try_recv() {
                Ok(change) => self.render(out, &change),
                Err(_) => return true,
            }
        }
        false
    }

    /// The ERROR that ends a watch whose queue overflowed: 410, so the client relists
    /// (the changes it missed are gone from its queue).
    fn cut_off(&mut self) -> Bytes {
        self.done = true;
        let error = ApiError::Gone(format!(
            "the watcher fell more than {} events behind and was closed; list again, then watch from the list's resourceVersion",
            self.capacity
        ));
        error_event(&error).into()
    }

    fn next_bookmark(&self) -> Instant {
        let regular = Instant::now() + self.bookmark_interval;
        match self.deadline.and_then(|d| d.checked_sub(BEFORE_DEADLINE)) {
            Some(last) if last > Instant::now() => regular.min(last),
            _ => regular,
        }
    }

    fn visible(&self, object: &CachedObject) -> bool {
        object.key.starts_with(&self.prefix)
            && self.selector.matches_with(&object.labels(), |label, pointer| {
                object.field(&self.shape, label, pointer)
            })
    }

    /// Writes the event a change makes for this watcher, if any, by the one
    /// filtered-watch rule (`myriad_api::watch`): a DELETED event carries the last
    /// state the watcher saw, at the change's revision.
    fn render(&mut self, out: &mut Vec<u8>, change: &Change) {
        if change.revision <= self.after {
            return;
        }
        let now = change.object.as_ref().filter(|o| self.visible(o));
        let was = change.previous.as_ref().is_some_and(|p| self.visible(p));
        match (event_for(was, now.is_some()), now) {
            (Some(EventType::Deleted), _) => {
                if let (Some(bytes), Some(previous)) = (change.previous_at_revision(), &change.previous) {
                    self.line(out, EventType::Deleted, bytes, &previous.api_version);
                }
            }
            (Some(kind), Some(object)) => self.line(out, kind, &object.json, &object.api_version),
            _ => {}
        }
    }

    fn line(&self, out: &mut Vec<u8>, kind: EventType, json: &Bytes, api_version: &str) {
        match served_json(json, api_version, &self.info) {
            Ok(json) => event(out, kind, &json),
            Err(error) => out.extend_from_slice(&error_event(&error)),
        }
    }
}

async fn sleep_until_some(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
