//! Deletion as Kubernetes defines it.
//!
//! * An object with finalizers is not removed: it gets `deletionTimestamp` and stays
//!   until an update removes its last finalizer, which removes it.
//! * A pod bound to a node is deleted gracefully: `deletionTimestamp` is set
//!   `gracePeriodSeconds` ahead (default `spec.terminationGracePeriodSeconds`, 30) and
//!   the node agent finishes the deletion with a grace period of 0. A pod on no node, or
//!   a delete with `gracePeriodSeconds=0`, goes at once.
//! * A namespace turns `Terminating`, refuses new objects, and is removed once every
//!   object in it is gone. That emptying is the namespace controller's job; until the
//!   controller manager exists it runs here, and resumes after a restart.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use myriad_api::registry::{self, ResourceInfo};
use myriad_store::{Compare, RangeOptions, Router as StoreRouter, Store, Txn, TxnOp};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::catalog::Catalog;
use crate::error::ApiError;
use crate::objects::{self, decode_stored, encode, metadata_mut};

/// How often a terminating namespace is checked for remaining objects.
const NAMESPACE_POLL: Duration = Duration::from_secs(1);

/// How long a namespace stays terminating before its objects are first deleted.
const NAMESPACE_FIRST_SWEEP: Duration = Duration::from_secs(1);

/// What a client asked of a deletion (`DeleteOptions`, from the body or the query).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeleteOptions {
    /// `gracePeriodSeconds`.
    pub grace: Option<i64>,
    /// `preconditions.uid`: delete only this incarnation of the name.
    pub uid: Option<String>,
    /// `preconditions.resourceVersion`: delete only if unchanged since.
    pub resource_version: Option<String>,
    /// `dryRun: [All]`.
    pub dry_run: bool,
}

impl DeleteOptions {
    /// Reads a `DeleteOptions` object; fields of the wrong type are a 400.
    pub fn from_json(options: &Value) -> Result<Self, ApiError> {
        let wrong = |field: &str| ApiError::BadRequest(format!("DeleteOptions.{field} has the wrong type"));
        let text = |pointer: &str, field: &str| match options.pointer(pointer) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(wrong(field)),
        };
        let grace = match options.get("gracePeriodSeconds") {
            None | Some(Value::Null) => None,
            Some(value) => Some(value.as_i64().ok_or_else(|| wrong("gracePeriodSeconds"))?),
        };
        let dry_run = match options.get("dryRun") {
            None | Some(Value::Null) => false,
            Some(Value::Array(modes)) => modes.iter().any(|m| m == "All"),
            Some(_) => return Err(wrong("dryRun")),
        };
        Ok(DeleteOptions {
            grace,
            uid: text("/preconditions/uid", "preconditions.uid")?,
            resource_version: text("/preconditions/resourceVersion", "preconditions.resourceVersion")?,
            dry_run,
        })
    }

    /// Checks the preconditions against the object about to be deleted; a mismatch is
    /// upstream's 409 (`rest.BeforeDelete`), which names the kind (`Pod`,
    /// `Deployment.apps`).
    pub fn check(&self, group_kind: &str, object: &Value) -> Result<(), ApiError> {
        let failed = |detail: String| ApiError::Conflict {
            group_resource: group_kind.to_string(),
            name: objects::name_of(object).unwrap_or("").to_string(),
            detail,
        };
        let meta = |field: &str| {
            object
                .pointer(&format!("/metadata/{field}"))
                .and_then(Value::as_str)
                .unwrap_or("")
        };
        if let Some(uid) = &self.uid
            && uid != meta("uid")
        {
            return Err(failed(format!(
                "the UID in the precondition ({uid}) does not match the UID in record ({}). The object might have been deleted and then recreated",
                meta("uid")
            )));
        }
        if let Some(rv) = &self.resource_version
            && rv != meta("resourceVersion")
        {
            return Err(failed(format!(
                "the ResourceVersion in the precondition ({rv}) does not match the ResourceVersion in record ({}). The object might have been modified",
                meta("resourceVersion")
            )));
        }
        Ok(())
    }
}

/// What a DELETE does to an object.
#[derive(Debug, PartialEq, Eq)]
pub enum Plan {
    /// Remove it now.
    Remove,
    /// Mark it deleting (set these fields) and keep it.
    Mark { grace_seconds: i64 },
    /// It is already being deleted; nothing changes.
    AlreadyDeleting,
}

pub fn has_finalizers(object: &Value) -> bool {
    object
        .pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .is_some_and(|f| !f.is_empty())
}

fn deleting(object: &Value) -> bool {
    object.pointer("/metadata/deletionTimestamp").is_some()
}

/// Decides a DELETE. `grace` is the request's `gracePeriodSeconds`.
pub fn plan(info: &ResourceInfo, object: &Value, grace: Option<i64>) -> Plan {
    let pod_grace = (info.resource == "pods").then(|| pod_grace(object, grace)).flatten();
    if deleting(object) {
        // A pod's agent confirms with grace 0; then it goes unless finalizers remain.
        if pod_grace.is_none() && grace == Some(0) && info.resource == "pods" && !has_finalizers(object) {
            return Plan::Remove;
        }
        return Plan::AlreadyDeleting;
    }
    if info.resource == "namespaces" {
        return Plan::Mark { grace_seconds: 0 };
    }
    match pod_grace {
        Some(seconds) => Plan::Mark { grace_seconds: seconds },
        None if has_finalizers(object) => Plan::Mark { grace_seconds: 0 },
        None => Plan::Remove,
    }
}

/// The grace period of a pod's deletion, `None` when it should go at once: not bound to
/// a node, already finished, or asked for 0.
fn pod_grace(pod: &Value, requested: Option<i64>) -> Option<i64> {
    let bound = pod
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty());
    let phase = pod
        .pointer("/status/phase")
        .and_then(Value::as_str)
        .unwrap_or("Pending");
    let finished = phase == "Succeeded" || phase == "Failed";
    let default = pod
        .pointer("/spec/terminationGracePeriodSeconds")
        .and_then(Value::as_i64)
        .unwrap_or(30);
    // Upstream turns a negative grace period into 1 s; 0 means now.
    let seconds = match requested.unwrap_or(default) {
        negative if negative < 0 => 1,
        seconds => seconds,
    };
    (bound && !finished && seconds > 0).then_some(seconds)
}

/// Sets `deletionTimestamp` (now + grace) and `deletionGracePeriodSeconds`; a namespace
/// also turns `Terminating`.
pub fn mark(info: &ResourceInfo, object: &mut Value, grace_seconds: i64) {
    // A client may ask for any int64; past year 9999 the timestamp stops there.
    let now = OffsetDateTime::now_utc();
    let at = now
        .checked_add(time::Duration::seconds(grace_seconds))
        .unwrap_or_else(|| now.replace_year(9999).unwrap_or(now));
    let at = at
        .replace_nanosecond(0)
        .unwrap_or(at)
        .format(&Rfc3339)
        .unwrap_or_default();
    let metadata = metadata_mut(object);
    metadata.insert("deletionTimestamp".into(), json!(at));
    metadata.insert("deletionGracePeriodSeconds".into(), json!(grace_seconds));
    if info.resource == "namespaces" {
        object["status"]["phase"] = json!("Terminating");
    }
}

/// Whether an update of a deleting object completes its deletion: its last finalizer is
/// gone and no grace period is pending.
pub fn completes_deletion(object: &Value) -> bool {
    deleting(object)
        && !has_finalizers(object)
        && object
            .pointer("/metadata/deletionGracePeriodSeconds")
            .and_then(Value::as_i64)
            .unwrap_or(0)
            == 0
}

/// Deletes `key` if it is still at `revision`; false on a concurrent change.
pub async fn remove(store: &Arc<dyn Store>, key: &str, revision: i64) -> Result<bool, ApiError> {
    let key = Bytes::from(key.to_string());
    let txn = Txn::new()
        .when([Compare::mod_revision(key.clone(), revision)])
        .and_then([TxnOp::delete(key)]);
    Ok(store.txn(txn).await?.succeeded)
}

/// Empties a terminating namespace, then removes it. Objects with finalizers are marked
/// and waited for; everything else (pods included) is removed at once.
///
/// The first pass waits a moment, as upstream's namespace controller (a watch and a
/// queue away) does in effect: `kubectl delete -f` of a manifest that lists a namespace
/// before its objects then deletes those objects itself instead of finding them gone.
pub async fn finalize_namespace(store: Arc<StoreRouter>, catalog: Arc<Catalog>, namespace: String) {
    let what = format!("namespace {namespace}");
    tokio::time::sleep(NAMESPACE_FIRST_SWEEP).await;
    repeat_until_done(&what, NAMESPACE_POLL, || sweep(&store, &catalog, &namespace)).await;
}

/// Runs `pass` every `poll` until it reports done; failures are logged and retried, so
/// background cleanups survive a store hiccup.
pub async fn repeat_until_done<F, Fut>(what: &str, poll: Duration, mut pass: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool, ApiError>>,
{
    loop {
        match pass().await {
            Ok(true) => return,
            Ok(false) => {}
            Err(error) => tracing::warn!(what, message = %error.status()["message"], "cleanup failed; retrying"),
        }
        tokio::time::sleep(poll).await;
    }
}

/// One pass: true once the namespace itself is gone.
async fn sweep(store: &StoreRouter, catalog: &Catalog, namespace: &str) -> Result<bool, ApiError> {
    let mut remaining = 0;
    let mut seen_prefixes = Vec::new();
    for info in catalog.all().iter().filter(|r| r.namespaced) {
        let prefix = info.namespace_prefix(Some(namespace));
        if seen_prefixes.contains(&prefix) {
            continue;
        }
        remaining += empty_prefix(store, info, &prefix).await?;
        seen_prefixes.push(prefix);
    }
    if remaining > 0 {
        return Ok(false);
    }
    let namespaces =
        registry::lookup("", "v1", "namespaces").ok_or_else(|| ApiError::Internal("no namespaces".into()))?;
    let backend = store.store_for(namespaces.storage_prefix().as_bytes()).clone();
    let key = namespaces.storage_key(None, namespace);
    let Some(kv) = backend.get(key.as_bytes(), 0).await?.kv else {
        return Ok(true);
    };
    let object = decode_stored(&kv)?;
    if has_finalizers(&object) {
        return Ok(false);
    }
    remove(&backend, &key, kv.mod_revision).await?;
    tracing::info!(%namespace, "namespace deleted");
    Ok(true)
}

/// Deletes every object under `prefix`: objects with finalizers are marked and counted
/// as remaining, the rest removed at once. Returns how many remain.
pub async fn empty_prefix(store: &StoreRouter, info: &ResourceInfo, prefix: &str) -> Result<usize, ApiError> {
    let mut remaining = 0;
    let backend = store.store_for(prefix.as_bytes()).clone();
    let page = backend.range(prefix.as_bytes(), RangeOptions::default()).await?;
    for kv in &page.kvs {
        let mut object = decode_stored(kv)?;
        let key = String::from_utf8_lossy(&kv.key).into_owned();
        if has_finalizers(&object) {
            remaining += 1;
            if !deleting(&object) {
                mark(info, &mut object, 0);
                backend
                    .update(kv.key.as_ref(), &encode(&object, info)?, kv.mod_revision)
                    .await?
                    .ok();
            }
        } else if !remove(&backend, &key, kv.mod_revision).await? {
            remaining += 1;
        }
    }
    Ok(remaining)
}

/// Restarts the cleanup of namespaces that were terminating when the server stopped.
pub async fn resume_terminating_namespaces(store: &Arc<StoreRouter>, catalog: &Arc<Catalog>) -> Result<(), ApiError> {
    let namespaces =
        registry::lookup("", "v1", "namespaces").ok_or_else(|| ApiError::Internal("no namespaces".into()))?;
    let backend = store.store_for(namespaces.storage_prefix().as_bytes());
    for kv in backend
        .range(namespaces.storage_prefix().as_bytes(), RangeOptions::default())
        .await?
        .kvs
    {
        let object = decode_stored(&kv)?;
        if deleting(&object)
            && let Some(name) = objects::name_of(&object)
        {
            tokio::spawn(finalize_namespace(store.clone(), catalog.clone(), name.to_string()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delete_options_read_preconditions_and_refuse_wrong_types() {
        let options = DeleteOptions::from_json(&json!({"gracePeriodSeconds": 0, "dryRun": ["All"],
            "preconditions": {"uid": "u1", "resourceVersion": "7"}}))
        .unwrap();
        assert_eq!(options.grace, Some(0));
        assert!(options.dry_run);
        let object = json!({"metadata": {"name": "p", "uid": "u1", "resourceVersion": "7"}});
        assert!(options.check("Pod", &object).is_ok());
        let moved = json!({"metadata": {"name": "p", "uid": "u2", "resourceVersion": "7"}});
        let error = options.check("Pod", &moved).unwrap_err();
        assert_eq!(
            error.status()["message"],
            "Operation cannot be fulfilled on Pod \"p\": the UID in the precondition (u1) does not match the UID in record (u2). The object might have been deleted and then recreated"
        );
        assert!(DeleteOptions::from_json(&json!({"gracePeriodSeconds": "soon"})).is_err());
        assert_eq!(DeleteOptions::from_json(&json!({})).unwrap(), DeleteOptions::default());
    }

    fn info(resource: &str) -> &'static ResourceInfo {
        registry::BUILTIN.iter().find(|r| r.resource == resource).unwrap()
    }

    #[test]
    fn plans_like_kubernetes() {
        let cm = json!({"metadata": {"name": "a"}});
        assert_eq!(plan(info("configmaps"), &cm, None), Plan::Remove);
        let held = json!({"metadata": {"name": "a", "finalizers": ["x"]}});
        assert_eq!(plan(info("configmaps"), &held, None), Plan::Mark { grace_seconds: 0 });
        let bound = json!({"metadata": {"name": "p"}, "spec": {"nodeName": "n1"}, "status": {"phase": "Running"}});
        assert_eq!(plan(info("pods"), &bound, None), Plan::Mark { grace_seconds: 30 });
        assert_eq!(plan(info("pods"), &bound, Some(0)), Plan::Remove);
        let unbound = json!({"metadata": {"name": "p"}, "spec": {}});
        assert_eq!(plan(info("pods"), &unbound, None), Plan::Remove);
        let mut terminating = bound.clone();
        mark(info("pods"), &mut terminating, 30);
        assert_eq!(plan(info("pods"), &terminating, None), Plan::AlreadyDeleting);
        assert_eq!(plan(info("pods"), &terminating, Some(0)), Plan::Remove);
        assert_eq!(
            plan(info("namespaces"), &json!({"metadata": {"name": "n"}}), None),
            Plan::Mark { grace_seconds: 0 }
        );
    }

    #[test]
    fn removing_the_last_finalizer_completes_deletion() {
        let mut object = json!({"metadata": {"name": "a", "finalizers": ["x"]}});
        mark(info("configmaps"), &mut object, 0);
        assert!(!completes_deletion(&object));
        object["metadata"]["finalizers"] = json!([]);
        assert!(completes_deletion(&object));
    }
}
