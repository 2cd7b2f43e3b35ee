//! Following a few resources in full for the server's own decisions (the RBAC policy,
//! flow control): whenever any of them changes, the caller gets every object of each,
//! decoded, and rebuilds what it derives from them. The cache does the listing,
//! watching and relisting; the lag behind a write is that of the cache (milliseconds),
//! as upstream's informers lag.

use std::sync::Arc;
use std::time::Duration;

use myriad_api::registry::ResourceInfo;
use myriad_store::Revision;
use serde_json::Value;
use tokio::sync::oneshot;

use super::Caches;
use crate::tasks::Tasks;

/// Calls `rebuild` with the objects of each of `infos` (in that order) now and after
/// every change, until it returns false. Returns once the first rebuild is done, or
/// after `wait` (then the caller's previous state stays in force until it is).
pub async fn follow(
    caches: Arc<Caches>,
    infos: Vec<&'static ResourceInfo>,
    wait: Duration,
    tasks: &Tasks,
    rebuild: impl FnMut(Vec<Vec<Value>>) -> bool + Send + 'static,
) -> bool {
    let (ready_tx, ready_rx) = oneshot::channel();
    tasks.spawn("follower", run(caches, infos, rebuild, ready_tx));
    tokio::time::timeout(wait, ready_rx).await.is_ok()
}

async fn run(
    caches: Arc<Caches>,
    infos: Vec<&'static ResourceInfo>,
    mut rebuild: impl FnMut(Vec<Vec<Value>>) -> bool,
    ready: oneshot::Sender<()>,
) {
    let Some(mut progress) = infos
        .iter()
        .map(|info| caches.progress(info))
        .collect::<Option<Vec<_>>>()
    else {
        tracing::error!(?infos, "followed resources are not cached");
        return;
    };
    let mut ready = Some(ready);
    let mut built: Option<Vec<Revision>> = None;
    loop {
        let now: Vec<_> = progress.iter_mut().map(|p| *p.borrow_and_update()).collect();
        let changed: Vec<Revision> = now.iter().map(|p| p.changed).collect();
        if now.iter().all(|p| p.ready) && built.as_ref() != Some(&changed) {
            let objects: Option<Vec<Vec<Value>>> = infos
                .iter()
                .map(|info| {
                    let objects = caches.objects(info)?;
                    Some(
                        objects
                            .iter()
                            .filter_map(|json| serde_json::from_slice(json).ok())
                            .collect(),
                    )
                })
                .collect();
            if let Some(objects) = objects {
                if !rebuild(objects) {
                    return;
                }
                built = Some(changed);
                if let Some(ready) = ready.take() {
                    let _ = ready.send(());
                }
            }
        }
        let changes = progress.iter_mut().map(|p| Box::pin(p.changed()));
        let (result, _, _) = futures::future::select_all(changes).await;
        if result.is_err() {
            return;
        }
    }
}
