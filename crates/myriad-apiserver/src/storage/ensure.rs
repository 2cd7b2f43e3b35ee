//! Objects the server keeps in place at every start (the default RBAC policy, the
//! default flow-control configuration): each is created when missing, and otherwise
//! brought in line by its owner's rule.

use myriad_api::registry::{self, ResourceInfo};
use myriad_store::Router as StoreRouter;
use serde_json::Value;

use crate::error::ApiError;
use crate::meta::{name_of, namespace_of, prepare_own};
use crate::storage::codec::{decode_stored, encode};

/// How often an update that lost a race is retried.
const ATTEMPTS: usize = 5;

/// What happened to one default object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ensured {
    Created,
    Updated,
    Unchanged,
}

/// Creates each of `defaults` (objects of `group`/v1; namespaced ones name their
/// namespace in `metadata.namespace`) that is missing;
/// for one that exists, `reconcile(current, default)` may change it (returning true),
/// and the change is written.
pub(crate) async fn ensure_all(
    store: &StoreRouter,
    group: &str,
    defaults: Vec<Value>,
    reconcile: impl Fn(&mut Value, &Value) -> bool,
) -> Result<Vec<Ensured>, ApiError> {
    let mut outcomes = Vec::with_capacity(defaults.len());
    for default in defaults {
        let kind = default["kind"].as_str().unwrap_or_default();
        let info = registry::BUILTIN
            .iter()
            .find(|r| r.group == group && r.version == "v1" && r.kind == kind)
            .ok_or_else(|| ApiError::Internal(format!("no built-in {kind} in {group}")))?;
        outcomes.push(ensure(store, info, default, &reconcile).await?);
    }
    Ok(outcomes)
}

async fn ensure(
    store: &StoreRouter,
    info: &ResourceInfo,
    mut default: Value,
    reconcile: &impl Fn(&mut Value, &Value) -> bool,
) -> Result<Ensured, ApiError> {
    let name = name_of(&default).unwrap_or_default().to_string();
    let namespace = namespace_of(&default).filter(|_| info.namespaced).map(str::to_string);
    let key = info.storage_key(namespace.as_deref(), &name);
    let backend = store.store_for(key.as_bytes());
    for _ in 0..ATTEMPTS {
        let Some(kv) = backend.get(key.as_bytes(), 0).await?.kv else {
            prepare_own(&mut default, info, namespace.as_deref());
            match backend.create(key.as_bytes(), &encode(&default, info)?).await? {
                Ok(_) => return Ok(Ensured::Created),
                Err(_) => continue,
            }
        };
        let mut current = decode_stored(&kv)?;
        if !reconcile(&mut current, &default) {
            return Ok(Ensured::Unchanged);
        }
        if backend
            .update(key.as_bytes(), &encode(&current, info)?, kv.mod_revision)
            .await?
            .is_ok()
        {
            tracing::info!(resource = info.resource, %name, "restored a default object");
            return Ok(Ensured::Updated);
        }
    }
    Err(ApiError::Internal(format!(
        "default {} {name:?} kept changing",
        info.resource
    )))
}

/// The value of annotation `key` on `object`.
pub(crate) fn annotation<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(key))
        .and_then(Value::as_str)
}
