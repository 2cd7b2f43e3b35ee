//! The watch API shared by all backends: options, batches, and the stream a caller reads.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

use crate::error::StoreError;
use crate::kv::{Event, Revision};

/// What to watch and from where.
#[derive(Clone, Debug, Default)]
pub struct WatchOptions {
    /// Every key starting with this prefix (empty: every key).
    pub prefix: Bytes,
    /// Deliver events with revision `>= start_revision`; 0 means only future events.
    /// A start revision at or below the last compaction fails with
    /// [`StoreError::Compacted`].
    pub start_revision: Revision,
    /// Attach the previous key-value to each event.
    pub prev_kv: bool,
    /// Send progress notifications (empty batches) so a quiet watcher still learns how
    /// far the store has advanced. The Kubernetes watch cache builds bookmarks and
    /// consistent reads on these.
    pub progress_notify: bool,
}

impl WatchOptions {
    pub fn prefix(prefix: impl Into<Bytes>) -> Self {
        WatchOptions {
            prefix: prefix.into(),
            ..Default::default()
        }
    }

    pub fn from_revision(mut self, revision: Revision) -> Self {
        self.start_revision = revision;
        self
    }

    pub fn with_prev_kv(mut self) -> Self {
        self.prev_kv = true;
        self
    }

    pub fn with_progress_notify(mut self) -> Self {
        self.progress_notify = true;
        self
    }
}

/// The events of one revision (one transaction) under the watched prefix, in the order
/// the transaction applied them. An empty batch is a progress notification: every event
/// up to and including `revision` has been delivered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatchBatch {
    pub revision: Revision,
    pub events: Vec<Event>,
}

impl WatchBatch {
    pub fn is_progress(&self) -> bool {
        self.events.is_empty()
    }
}

/// Capacity of the channel between a backend's watch task and its reader. When the
/// reader falls this far behind, the backend stops reading for it (the embedded backend
/// then catches it up from history; etcd applies its own flow control).
pub(crate) const WATCH_CHANNEL_CAPACITY: usize = 256;

/// A stream of watch batches. Ends with `Some(Err(..))` then `None` when the watch is
/// cancelled (e.g. [`StoreError::Compacted`]); dropping it stops the backend's work.
pub struct WatchStream {
    rx: mpsc::Receiver<Result<WatchBatch, StoreError>>,
    task: JoinHandle<()>,
    progress: Arc<Notify>,
}

impl WatchStream {
    /// Wraps the receiving end of a backend's watch task; the task is aborted on drop.
    /// The task answers [`WatchStream::request_progress`] through `progress`.
    pub(crate) fn new(
        rx: mpsc::Receiver<Result<WatchBatch, StoreError>>,
        task: JoinHandle<()>,
        progress: Arc<Notify>,
    ) -> Self {
        WatchStream { rx, task, progress }
    }

    /// Asks for a progress notification (an empty batch) as soon as every event up to
    /// the store's current revision has been delivered, whether or not periodic
    /// notifications were asked for: how a watch cache learns, without waiting for a
    /// tick, that it has caught up with a revision (consistent reads).
    pub fn request_progress(&self) {
        self.progress.notify_one();
    }

    /// A handle that asks for progress from elsewhere than the task reading the stream
    /// (a reader that waits for a revision while another task owns the watch).
    pub fn progress_requester(&self) -> ProgressRequester {
        ProgressRequester(self.progress.clone())
    }

    /// The next batch, or `None` when the watch has ended.
    pub async fn recv(&mut self) -> Option<Result<WatchBatch, StoreError>> {
        self.rx.recv().await
    }
}

/// Asks a [`WatchStream`] for a progress notification; see
/// [`WatchStream::request_progress`].
#[derive(Clone, Debug)]
pub struct ProgressRequester(Arc<Notify>);

impl ProgressRequester {
    pub fn request(&self) {
        self.0.notify_one();
    }
}

impl Drop for WatchStream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl futures::Stream for WatchStream {
    type Item = Result<WatchBatch, StoreError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx)
    }
}
