//! Namespaces as the server treats them: the system namespaces exist from the start and
//! cannot be deleted; a namespace that is being deleted accepts no new objects
//! (upstream's NamespaceLifecycle admission); a deleted namespace turns `Terminating`
//! and is emptied, then removed, by a cleanup owned by the server (the namespace
//! controller's job until the controller manager exists: it stands for the `kubernetes`
//! finalizer every namespace carries), which resumes after a restart.

use std::sync::Arc;
use std::time::Duration;

use myriad_api::registry::{self, ResourceInfo};
use myriad_store::{Pages, Router as StoreRouter};
use serde_json::json;

use crate::error::ApiError;
use crate::meta::{deleting, name_of, prepare_own};
use crate::registry::Registry;
use crate::registry::catalog::Catalog;
use crate::registry::cleanup::{Pass, empty_prefix, repeat_until_done};
use crate::registry::delete::{has_finalizers, remove};
use crate::storage::codec::{decode_cached, decode_stored, encode};
use crate::tasks::Tasks;

/// Namespaces that exist from the start and may not be deleted, as in Kubernetes.
pub(crate) const SYSTEM_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public", "kube-node-lease"];

/// How long a namespace stays terminating before its objects are first deleted, and the
/// first pause between passes.
const FIRST_SWEEP: Duration = Duration::from_secs(1);

/// Namespaces read at a time when resuming cleanups.
const PAGE: usize = 500;

fn namespaces() -> Result<&'static ResourceInfo, ApiError> {
    registry::lookup("", "v1", "namespaces").ok_or_else(|| ApiError::Internal("no namespaces resource".into()))
}

/// Creates the system namespaces if they do not exist yet.
pub(crate) async fn ensure_system_namespaces(store: &StoreRouter) -> Result<(), ApiError> {
    let info = namespaces()?;
    let backend = store.store_for(info.storage_prefix().as_bytes());
    for name in SYSTEM_NAMESPACES {
        let mut object = json!({"metadata": {"name": name}, "spec": {}, "status": {"phase": "Active"}});
        prepare_own(&mut object, info, None);
        // Ok(Err(_)): it exists already.
        let _ = backend
            .create(info.storage_key(None, name).as_bytes(), &encode(&object, info)?)
            .await?;
    }
    Ok(())
}

/// Restarts the cleanup of namespaces that were terminating when the server stopped.
pub(crate) async fn resume_cleanups(
    store: &Arc<StoreRouter>,
    catalog: &Arc<Catalog>,
    tasks: &Tasks,
) -> Result<(), ApiError> {
    let info = namespaces()?;
    let backend = store.store_for(info.storage_prefix().as_bytes()).clone();
    let mut pages = Pages::new(backend.as_ref(), info.storage_prefix(), PAGE);
    while let Some(page) = pages.next().await? {
        for kv in &page.kvs {
            let object = decode_stored(kv)?;
            if deleting(&object)
                && let Some(name) = name_of(&object)
            {
                spawn_cleanup(tasks, store.clone(), catalog.clone(), name.to_string());
            }
        }
    }
    Ok(())
}

impl Registry {
    /// NamespaceLifecycle: objects may be created in `namespace` only while it exists
    /// and is not being deleted. Read from the watch cache, as upstream's admission
    /// reads its informer; a namespace the cache does not hold (yet) is looked up in
    /// the store.
    pub(crate) async fn namespace_accepts(
        &self,
        info: &ResourceInfo,
        namespace: &str,
        name: &str,
    ) -> Result<(), ApiError> {
        let namespaces = namespaces()?;
        let key = namespaces.storage_key(None, namespace);
        let object = match self.caches.cached(namespaces, &key) {
            Some(json) => decode_cached(&json, namespaces)?.0,
            None => {
                let got = self.backend(namespaces).get(key.as_bytes(), 0).await?;
                let Some(kv) = got.kv else {
                    return Err(ApiError::not_found(namespaces, namespace));
                };
                decode_stored(&kv)?
            }
        };
        if deleting(&object) {
            return Err(ApiError::forbidden(
                info,
                name,
                format!("unable to create new content in namespace {namespace} because it is being terminated"),
            ));
        }
        Ok(())
    }

    /// Starts emptying the (just marked) namespace `name`.
    pub(crate) fn finalize_namespace(&self, name: String) {
        spawn_cleanup(&self.tasks, self.store.clone(), self.catalog.clone(), name);
    }
}

/// Empties the terminating namespace `namespace`, then removes it. Objects with
/// finalizers are marked and waited for; everything else (pods included) is removed at
/// once.
///
/// The first pass waits a moment, as upstream's namespace controller (a watch and a
/// queue away) does in effect: `kubectl delete -f` of a manifest that lists a namespace
/// before its objects then deletes those objects itself instead of finding them gone.
fn spawn_cleanup(tasks: &Tasks, store: Arc<StoreRouter>, catalog: Arc<Catalog>, namespace: String) {
    tasks.spawn("namespace cleanup", async move {
        let what = format!("namespace {namespace}");
        tokio::time::sleep(FIRST_SWEEP).await;
        repeat_until_done(&what, FIRST_SWEEP, || sweep(&store, &catalog, &namespace)).await;
    });
}

/// One pass: done once the namespace itself is gone.
async fn sweep(store: &StoreRouter, catalog: &Catalog, namespace: &str) -> Result<Pass, ApiError> {
    let mut remaining = 0;
    let mut seen_prefixes = Vec::new();
    for info in catalog.all().iter().filter(|r| r.namespaced) {
        let prefix = info.namespace_prefix(Some(namespace));
        if seen_prefixes.contains(&prefix) {
            continue;
        }
        let backend = store.store_for(prefix.as_bytes()).clone();
        remaining += empty_prefix(backend.as_ref(), info, &prefix).await?;
        seen_prefixes.push(prefix);
    }
    if remaining > 0 {
        return Ok(Pass::Remaining(remaining));
    }
    let info = namespaces()?;
    let backend = store.store_for(info.storage_prefix().as_bytes()).clone();
    let key = info.storage_key(None, namespace);
    let Some(kv) = backend.get(key.as_bytes(), 0).await?.kv else {
        return Ok(Pass::Done);
    };
    // The server's cleanup is what the `kubernetes` finalizer waits for; other
    // finalizers wait for their own controllers (which remove them through
    // `namespaces/{name}/finalize`).
    let object = decode_stored(&kv)?;
    let others_pending = object
        .pointer("/spec/finalizers")
        .and_then(serde_json::Value::as_array)
        .is_some_and(|f| f.iter().any(|f| f != "kubernetes"));
    if has_finalizers(&object) || others_pending {
        return Ok(Pass::Remaining(0));
    }
    if !remove(backend.as_ref(), &key, kv.mod_revision).await? {
        return Ok(Pass::Remaining(0));
    }
    tracing::info!(%namespace, "namespace deleted");
    Ok(Pass::Done)
}
