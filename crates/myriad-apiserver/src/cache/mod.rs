//! The watch cache: one [`Cacher`] per storage prefix (resource type), fed by one store
//! watch, serving LIST and WATCH for every client of that resource; the delegator
//! (`delegator.rs`) sends what a cacher declines to the store. See
//! `docs/dev/watch-cache-design.md` for the shape and `docs/apiserver.md` for what
//! clients see.

mod cacher;
mod delegator;
mod dispatch;
mod follow;
mod object;
mod state;
mod watcher;

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use myriad_api::registry::ResourceInfo;
use myriad_store::{Revision, Router as StoreRouter};
use parking_lot::RwLock;
use serde_json::{Value, json};

pub(crate) use cacher::{Cacher, ListRequest, WatchRequest};
pub(crate) use follow::follow;

use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::storage::codec::check_convertible;

/// How far a cacher has got.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// The initial list is applied and the store watch runs.
    pub ready: bool,
    /// Every change up to this revision is applied.
    pub revision: Revision,
    /// Revision of the last change to the objects (or of the last full list): moves
    /// only when objects do, for followers that rebuild on change.
    pub changed: Revision,
}

/// Resources the server follows in full for its own decisions (authorization, flow
/// control): cached
/// whatever `--watch-cache-sizes` says.
const FOLLOWED: &[(&str, &str)] = &[
    ("rbac.authorization.k8s.io", "roles"),
    ("rbac.authorization.k8s.io", "rolebindings"),
    ("rbac.authorization.k8s.io", "clusterroles"),
    ("rbac.authorization.k8s.io", "clusterrolebindings"),
    ("flowcontrol.apiserver.k8s.io", "flowschemas"),
    ("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations"),
    ("tenancy.myriad.io", "cells"),
];
/// History kept for a followed resource configured as uncached.
const FOLLOWED_MIN_SIZE: usize = 100;

/// Watch cache settings (`myriad server --watch-cache-sizes …`).
#[derive(Clone, Debug)]
pub struct CacheConfig {
    /// History window (changes kept for watches that resume) per resource, by
    /// `resource[.group]`; 0 serves the resource from the store, uncached.
    pub sizes: HashMap<String, usize>,
    pub default_size: usize,
    /// Changes queued per watcher before it is cut off as too slow.
    pub watcher_queue: usize,
    /// How often a watch with `allowWatchBookmarks` gets a BOOKMARK.
    pub bookmark_interval: Duration,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            sizes: HashMap::new(),
            default_size: 10_000,
            watcher_queue: 4096,
            bookmark_interval: Duration::from_secs(10),
        }
    }
}

impl CacheConfig {
    /// Parses upstream's `--watch-cache-sizes` form: `pods#5000,events#0,deployments.apps#100`.
    pub fn parse_sizes(text: &str) -> Result<HashMap<String, usize>, String> {
        text.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                let (resource, size) = entry.split_once('#').ok_or_else(|| {
                    format!("invalid value of watch cache size: {entry} (want resource[.group]#size)")
                })?;
                let size = size
                    .parse::<usize>()
                    .map_err(|_| format!("invalid size of watch cache: {entry}"))?;
                Ok((resource.to_string(), size))
            })
            .collect()
    }

    fn size_of(&self, info: &ResourceInfo) -> usize {
        let name = if info.group.is_empty() {
            info.resource.to_string()
        } else {
            format!("{}.{}", info.resource, info.group)
        };
        let size = self.sizes.get(&name).copied().unwrap_or(self.default_size);
        if FOLLOWED.contains(&(info.group, info.resource)) {
            // The server itself reads these on every request: always cached.
            return size.max(FOLLOWED_MIN_SIZE);
        }
        size
    }
}

/// Told what each cacher applies, after it applied it (outside the cacher's lock), in
/// the order applied: the cell storage quotas keep their usage from this instead of
/// scanning the cache on every write.
pub(crate) trait ApplyObserver: Send + Sync {
    /// The object at `key` (under the resource's storage `prefix`) changed at
    /// `revision`: its cached size was `before` and is `after` (`None`: absent).
    fn applied(
        &self,
        resource: &str,
        prefix: &str,
        key: &str,
        before: Option<usize>,
        after: Option<usize>,
        revision: Revision,
    );
    /// Every change of `resource` up to `revision` has been applied.
    fn progressed(&self, resource: &str, revision: Revision);
    /// The cacher of `resource` started over from a full list; what was derived from
    /// its changes must be derived again.
    fn reset(&self, resource: &str);
}

/// Every cacher, by storage prefix. A cacher starts on the first request for its
/// resource (built-in resources at server start) and stops with its CRD.
pub struct Caches {
    store: Arc<StoreRouter>,
    config: CacheConfig,
    metrics: Arc<Metrics>,
    observer: Option<Arc<dyn ApplyObserver>>,
    cachers: RwLock<HashMap<String, Option<Arc<Cacher>>>>,
    /// Set at shutdown: no cacher starts again; requests still running use the store.
    stopped: AtomicBool,
}

impl Caches {
    pub fn new(
        store: Arc<StoreRouter>,
        config: CacheConfig,
        metrics: Arc<Metrics>,
        observer: Option<Arc<dyn ApplyObserver>>,
    ) -> Self {
        Caches {
            store,
            config,
            metrics,
            observer,
            cachers: RwLock::default(),
            stopped: AtomicBool::new(false),
        }
    }

    /// The cacher of `info`'s objects, started if needed; `None` when the resource is
    /// configured uncached (size 0).
    pub fn get(&self, info: &ResourceInfo) -> Option<Arc<Cacher>> {
        if self.stopped.load(Ordering::Acquire) {
            return None;
        }
        let prefix = info.storage_prefix();
        if let Some(found) = self.cachers.read().get(&prefix) {
            return found.clone();
        }
        let mut cachers = self.cachers.write();
        if self.stopped.load(Ordering::Acquire) {
            return None;
        }
        cachers
            .entry(prefix.clone())
            .or_insert_with(|| {
                let size = self.config.size_of(info);
                (size > 0).then(|| {
                    let store = self.store.store_for(prefix.as_bytes()).clone();
                    Cacher::start(info, store, size, &self.config, &self.metrics, self.observer.clone())
                })
            })
            .clone()
    }

    /// The objects of `info` as the cache holds them now (resourceVersion "0"
    /// semantics), or `None` while its cacher is not ready or the resource is uncached:
    /// for the server's own followers (authorization, token checks), which tolerate
    /// the cache's lag as upstream's informers do.
    pub fn objects(&self, info: &ResourceInfo) -> Option<Vec<Bytes>> {
        self.get(info)?.objects()
    }

    /// One object as the cache holds it now (from the store when the resource is
    /// uncached or its cache not ready); `None` when it does not exist.
    pub async fn object(
        &self,
        info: &ResourceInfo,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Option<Bytes>, ApiError> {
        let key = info.storage_key(namespace, name);
        if let Some(cached) = self.get(info).and_then(|cacher| cacher.object(&key)) {
            return Ok(cached);
        }
        let store = self.store.store_for(key.as_bytes());
        let found = store.get(key.as_bytes(), 0).await?;
        Ok(found.kv.map(|kv| kv.value))
    }

    /// The object at `key` as of the store's current revision, from the cache (see
    /// [`Cacher::consistent_object`]); `None` when the cache cannot answer, `Some(None)`
    /// when the object does not exist.
    pub async fn consistent_object(&self, info: &ResourceInfo, key: &str) -> Option<Option<(Bytes, Arc<str>)>> {
        self.get(info)?.consistent_object(key).await
    }

    /// The cache's copy of the object at `key`: `None` when the resource's cacher is
    /// not running (a write does not start one) or not ready, or does not hold it.
    pub fn cached(&self, info: &ResourceInfo, key: &str) -> Option<Bytes> {
        let cacher = self.cachers.read().get(&info.storage_prefix())?.clone()?;
        cacher.object(key).flatten()
    }

    /// How many objects of `info` the cache holds; `None` when it is uncached.
    pub fn count(&self, info: &ResourceInfo) -> Option<usize> {
        Some(self.get(info)?.object_count())
    }

    /// Follows a cacher's progress; `None` for an uncached resource.
    pub fn progress(&self, info: &ResourceInfo) -> Option<tokio::sync::watch::Receiver<Progress>> {
        Some(self.get(info)?.progress())
    }

    /// Stops the cacher of a prefix (its CRD is gone); watchers' streams end.
    pub fn forget(&self, prefix: &str) {
        self.cachers.write().remove(prefix);
    }

    /// Stops every cacher (the server is shutting down) and waits until their store
    /// watches are gone; watchers' streams end.
    pub async fn stop_all(&self) {
        self.stopped.store(true, Ordering::Release);
        let cachers: Vec<Arc<Cacher>> = self.cachers.write().drain().filter_map(|(_, c)| c).collect();
        for cacher in cachers {
            cacher.stop().await;
        }
    }
}

/// Whether an object stored in `api_version` can be served through `info`'s version:
/// custom objects of a CRD with webhook conversion only in their stored version.
pub fn convertible(api_version: &str, info: &ResourceInfo) -> Result<(), ApiError> {
    match &info.custom {
        Some(custom) if api_version != info.api_version() => check_convertible(info, custom),
        _ => Ok(()),
    }
}

/// An object's bytes as `info`'s version serves them. Custom objects read through a
/// version other than the stored one get that apiVersion (conversion `None`), or the
/// webhook error; built-in kinds with two versions over one storage (HPAs, Events) are
/// converted; everything else is served as stored.
pub fn served_json<'a>(json: &'a Bytes, api_version: &str, info: &ResourceInfo) -> Result<Cow<'a, Bytes>, ApiError> {
    if info.custom.is_none() {
        let wanted = info.api_version();
        if api_version == wanted || myriad_api::conversion::storage_version(info.group, info.resource).is_none() {
            return Ok(Cow::Borrowed(json));
        }
        let object: Value =
            serde_json::from_slice(json).map_err(|e| ApiError::Internal(format!("cached object is not JSON: {e}")))?;
        let converted = crate::storage::codec::convert(object, &wanted)?;
        return Ok(Cow::Owned(Bytes::from(
            serde_json::to_vec(&converted).unwrap_or_default(),
        )));
    }
    let wanted = info.api_version();
    if api_version == wanted {
        return Ok(Cow::Borrowed(json));
    }
    convertible(api_version, info)?;
    let mut object: Value =
        serde_json::from_slice(json).map_err(|e| ApiError::Internal(format!("cached object is not JSON: {e}")))?;
    object["apiVersion"] = json!(wanted);
    Ok(Cow::Owned(Bytes::from(serde_json::to_vec(&object).unwrap_or_default())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_as_upstream_writes_them() {
        let sizes = CacheConfig::parse_sizes("pods#5000, events#0,deployments.apps#100").unwrap();
        assert_eq!(sizes["pods"], 5000);
        assert_eq!(sizes["events"], 0);
        assert_eq!(sizes["deployments.apps"], 100);
        assert!(CacheConfig::parse_sizes("pods=1").is_err());
        assert!(CacheConfig::parse_sizes("pods#x").is_err());
        assert!(CacheConfig::parse_sizes("").unwrap().is_empty());
    }
}
