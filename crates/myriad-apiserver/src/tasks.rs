//! The owner of the server's background tasks: compactors, the followers of RBAC,
//! flow control, cells and user-agent limits, and the namespace and CRD cleanups.
//! Every such task is spawned here, stops when the server's cancellation token fires,
//! and is awaited at shutdown (bounded), so nothing outlives the server or keeps its
//! store open. Tasks tied to one request (a watch stream) or to one cacher are owned
//! by those instead.

use std::future::Future;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// The server's background tasks.
#[derive(Default)]
pub(crate) struct Tasks {
    set: Mutex<JoinSet<()>>,
    cancel: CancellationToken,
}

impl Tasks {
    /// Runs `task` until it finishes or the server shuts down.
    pub(crate) fn spawn(&self, name: &'static str, task: impl Future<Output = ()> + Send + 'static) {
        let cancel = self.cancel.clone();
        let mut set = self.set.lock();
        // Forget the tasks that have ended, so the set holds only running ones.
        while set.try_join_next().is_some() {}
        set.spawn(async move {
            tokio::select! {
                () = task => tracing::debug!(task = name, "background task finished"),
                () = cancel.cancelled() => tracing::debug!(task = name, "background task stopped"),
            }
        });
    }

    /// How many tasks are running.
    #[cfg(test)]
    pub(crate) fn running(&self) -> usize {
        let mut set = self.set.lock();
        while set.try_join_next().is_some() {}
        set.len()
    }

    /// Stops every task and waits for them (at most `grace`, then they are aborted).
    pub(crate) async fn shutdown(&self, grace: Duration) {
        self.cancel.cancel();
        let mut set = std::mem::take(&mut *self.set.lock());
        let joined = tokio::time::timeout(grace, async { while set.join_next().await.is_some() {} }).await;
        if joined.is_err() {
            tracing::warn!(
                left = set.len(),
                "background tasks did not stop within {grace:?}; aborting them"
            );
            set.shutdown().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn shutdown_stops_and_awaits_every_task() {
        let tasks = Tasks::default();
        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
        tasks.spawn("forever", async {
            std::future::pending::<()>().await;
        });
        tasks.spawn("finishes", async move {
            let _ = done_tx.send(());
        });
        done_rx.await.unwrap();
        // The finished one is forgotten; the endless one runs until shutdown.
        assert_eq!(tasks.running(), 1);
        tasks.shutdown(Duration::from_secs(5)).await;
        assert_eq!(tasks.running(), 0);
        assert!(tasks.cancel.is_cancelled());
    }
}
