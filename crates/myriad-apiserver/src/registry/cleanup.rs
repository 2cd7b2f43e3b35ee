//! The cleanups a write can start — emptying a terminating namespace, deleting a
//! terminating CRD's objects — until the controller manager takes them over. Each runs
//! as a task owned by the server's [`Tasks`](crate::tasks::Tasks): it repeats a pass
//! until the pass reports done, pausing longer while passes make no progress or fail
//! (a store outage is not hammered), and stops at shutdown. Prefixes are emptied page
//! by page.

use std::future::Future;
use std::time::Duration;

use myriad_api::registry::ResourceInfo;
use myriad_store::{Pages, Store};

use crate::error::ApiError;
use crate::meta::deleting;
use crate::registry::delete::{has_finalizers, mark, remove};
use crate::storage::codec::{decode_stored, encode};

/// The longest pause between passes that make no progress.
const MAX_IDLE_PAUSE: Duration = Duration::from_secs(10);
/// The longest pause after a failed pass.
const MAX_ERROR_PAUSE: Duration = Duration::from_secs(30);
/// Keys read at a time while emptying a prefix.
const PAGE: usize = 500;

/// What one pass found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pass {
    /// Nothing is left to do.
    Done,
    /// This many objects remain (waiting on finalizers, or changed under the pass).
    Remaining(usize),
}

/// Runs `pass` until it reports done: again after `first` while objects go away, up to
/// [`MAX_IDLE_PAUSE`] apart while they do not, and up to [`MAX_ERROR_PAUSE`] apart while
/// passes fail.
pub(crate) async fn repeat_until_done<F, Fut>(what: &str, first: Duration, mut pass: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Pass, ApiError>>,
{
    let mut pause = first;
    let mut last_remaining = None;
    loop {
        match pass().await {
            Ok(Pass::Done) => return,
            Ok(Pass::Remaining(remaining)) => {
                let progressed = last_remaining.is_none_or(|last| remaining < last);
                pause = if progressed {
                    first
                } else {
                    (pause * 2).min(MAX_IDLE_PAUSE)
                };
                last_remaining = Some(remaining);
            }
            Err(error) => {
                tracing::warn!(what, %error, "cleanup failed; retrying");
                pause = (pause * 2).min(MAX_ERROR_PAUSE);
            }
        }
        tokio::time::sleep(pause).await;
    }
}

/// Deletes every object under `prefix`, page by page: objects with finalizers are
/// marked and counted as remaining, the rest removed at once. Returns how many remain.
pub(crate) async fn empty_prefix(store: &dyn Store, info: &ResourceInfo, prefix: &str) -> Result<usize, ApiError> {
    let mut remaining = 0;
    let mut pages = Pages::new(store, prefix.to_string(), PAGE);
    while let Some(page) = pages.next().await? {
        for kv in &page.kvs {
            let mut object = decode_stored(kv)?;
            let key = String::from_utf8_lossy(&kv.key).into_owned();
            if has_finalizers(&object) {
                remaining += 1;
                if !deleting(&object) {
                    mark(info, &mut object, 0);
                    // A concurrent change is fine: the next pass sees it.
                    let _ = store
                        .update(kv.key.as_ref(), &encode(&object, info)?, kv.mod_revision)
                        .await?;
                }
            } else if !remove(store, &key, kv.mod_revision).await? {
                remaining += 1;
            }
        }
    }
    Ok(remaining)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn passes_back_off_without_progress_and_stop_when_done() {
        let passes = Arc::new(AtomicUsize::new(0));
        let started = tokio::time::Instant::now();
        let counter = passes.clone();
        repeat_until_done("test", Duration::from_millis(100), move || {
            let counter = counter.clone();
            async move {
                match counter.fetch_add(1, Ordering::SeqCst) {
                    // Progress, then stuck for four passes, then a failure, then done.
                    0 => Ok(Pass::Remaining(3)),
                    1..=4 => Ok(Pass::Remaining(2)),
                    5 => Err(ApiError::Internal("store down".into())),
                    _ => Ok(Pass::Done),
                }
            }
        })
        .await;
        assert_eq!(passes.load(Ordering::SeqCst), 7);
        // 100 ms after the first two, then 200, 400, 800 while stuck, 1600 after the error.
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(3_200) && waited < Duration::from_millis(3_300),
            "{waited:?}"
        );
    }
}
