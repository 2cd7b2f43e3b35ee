//! Cluster state as the plugins read it: from the watch cache when it holds the
//! resource (the cache lags the store a little, as upstream's informers do), from the
//! store otherwise.

use std::sync::Arc;

use myriad_api::registry::{self, ResourceInfo};
use myriad_store::{RangeOptions, Router as StoreRouter};
use serde_json::Value;

use crate::cache::Caches;
use crate::error::ApiError;
use crate::storage::codec::{decode_cached, decode_stored};

pub(crate) struct Lookup {
    caches: Arc<Caches>,
    store: Arc<StoreRouter>,
}

impl Lookup {
    pub(crate) fn new(caches: Arc<Caches>, store: Arc<StoreRouter>) -> Lookup {
        Lookup { caches, store }
    }

    /// One object of the built-in `group`/`kind`; `None` when it does not exist.
    pub(crate) async fn get(
        &self,
        group: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Option<Value>, ApiError> {
        let info = builtin(group, kind)?;
        let key = info.storage_key(namespace, name);
        if let Some(json) = self.caches.cached(info, &key) {
            return Ok(Some(decode_cached(&json, info)?.0));
        }
        let found = self.store.store_for(key.as_bytes()).get(key.as_bytes(), 0).await?;
        found.kv.map(|kv| decode_stored(&kv)).transpose()
    }

    /// Every object of `group`/`kind` (in `namespace`, for a namespaced kind).
    pub(crate) async fn list(&self, group: &str, kind: &str, namespace: Option<&str>) -> Result<Vec<Value>, ApiError> {
        let info = builtin(group, kind)?;
        let prefix = info.namespace_prefix(namespace);
        if let Some(objects) = self.caches.objects(info) {
            let mut out = Vec::new();
            for json in objects {
                let object = decode_cached(&json, info)?.0;
                let here = myriad_api::pointer::get(&object, "/metadata/namespace").and_then(Value::as_str);
                if !info.namespaced || namespace.is_none() || here == namespace {
                    out.push(object);
                }
            }
            return Ok(out);
        }
        let listed = self
            .store
            .store_for(prefix.as_bytes())
            .range(prefix.as_bytes(), RangeOptions::default())
            .await?;
        listed.kvs.iter().map(decode_stored).collect()
    }
}

fn builtin(group: &str, kind: &str) -> Result<&'static ResourceInfo, ApiError> {
    registry::of_kind(group, kind)
        .find(|r| r.version == preferred(group))
        .or_else(|| registry::of_kind(group, kind).next())
        .ok_or_else(|| ApiError::Internal(format!("no built-in {kind} in {group:?}")))
}

fn preferred(group: &str) -> &'static str {
    match group {
        "autoscaling" => "v2",
        _ => "v1",
    }
}
