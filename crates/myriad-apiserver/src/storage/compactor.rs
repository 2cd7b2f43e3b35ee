//! Keeps store history bounded, as kube-apiserver's compactor does: every interval, each
//! backend is compacted to the revision it had one interval earlier, so clients always
//! have at least one interval of history to resume watches from, and no more is kept.

use std::sync::Arc;
use std::time::Duration;

use myriad_store::Store;

use crate::tasks::Tasks;

/// Starts one compaction loop per backend, owned by `tasks`.
pub(crate) fn spawn(tasks: &Tasks, backends: Vec<(String, Arc<dyn Store>)>, interval: Duration) {
    for (name, store) in backends {
        tasks.spawn("compactor", run(name, store, interval));
    }
}

async fn run(name: String, store: Arc<dyn Store>, interval: Duration) {
    let mut previous = None;
    loop {
        tokio::time::sleep(interval).await;
        if let Some(revision) = previous
            && revision > 0
        {
            match store.compact(revision).await {
                Ok(()) => tracing::debug!(backend = %name, revision, "compacted"),
                Err(error) => tracing::warn!(backend = %name, revision, %error, "compaction failed"),
            }
        }
        match store.current_revision().await {
            Ok(current) => previous = Some(current),
            Err(error) => tracing::warn!(backend = %name, %error, "reading the current revision failed"),
        }
    }
}
