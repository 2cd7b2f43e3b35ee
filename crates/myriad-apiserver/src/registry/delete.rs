//! DELETE and DELETECOLLECTION, with deletion as Kubernetes defines it:
//!
//! * `DeleteOptions` (body or query): grace period, uid and resourceVersion
//!   preconditions (a mismatch is upstream's 409), dry run.
//! * An object with finalizers is not removed: it gets `deletionTimestamp` and stays
//!   until an update removes its last finalizer, which removes it.
//! * A pod bound to a node is deleted gracefully: `deletionTimestamp` is set
//!   `gracePeriodSeconds` ahead (default `spec.terminationGracePeriodSeconds`, 30) and
//!   the node agent finishes the deletion with a grace period of 0. A pod on no node, or
//!   a delete with `gracePeriodSeconds=0`, goes at once.
//! * A namespace turns `Terminating` and is emptied by its cleanup
//!   (`registry::namespaces`); the system namespaces cannot be deleted.
//! * Dependents (objects whose `ownerReferences` name the deleted one) are the garbage
//!   collector's: `propagationPolicy: Foreground` keeps the owner, with the
//!   `foregroundDeletion` finalizer, until they are gone; `Orphan` keeps it, with the
//!   `orphan` finalizer, until they are released; `Background` removes it at once. The
//!   kind's strategy says which applies when the client names none (Jobs and
//!   ReplicationControllers orphan, for compatibility).

use bytes::Bytes;
use myriad_api::registry::{Propagation, ResourceInfo};
use myriad_api::{FieldError, GroupKind};
use myriad_store::{Compare, Pages, Revision, Store, Txn, TxnOp};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::ApiError;
use crate::meta::{deleting, metadata_mut, name_of, namespace_of};
use crate::registry::namespaces::SYSTEM_NAMESPACES;
use crate::registry::retry::Retry;
use crate::registry::{Registry, Scope, could_be_stale};
use crate::request::selector::Selector;
use crate::storage::codec::{decode_stored_as, encode};

/// Keys read at a time by DELETECOLLECTION.
const COLLECTION_PAGE: usize = 500;

/// What a client asked of a deletion (`DeleteOptions`, from the body or the query).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct DeleteOptions {
    /// `gracePeriodSeconds`.
    pub(crate) grace: Option<i64>,
    /// `preconditions.uid`: delete only this incarnation of the name.
    pub(crate) uid: Option<String>,
    /// `preconditions.resourceVersion`: delete only if unchanged since.
    pub(crate) resource_version: Option<String>,
    /// `dryRun: [All]`.
    pub(crate) dry_run: bool,
    /// `propagationPolicy` (or the deprecated `orphanDependents`).
    pub(crate) propagation: Option<Policy>,
}

/// What happens to an object's dependents, as a client asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Policy {
    Foreground,
    Background,
    Orphan,
}

/// The finalizer that keeps an owner until its dependents are released.
const ORPHAN: &str = "orphan";
/// The finalizer that keeps an owner until its dependents are deleted.
const FOREGROUND: &str = "foregroundDeletion";

impl Policy {
    /// Reads a `propagationPolicy` value; an unknown one is upstream's 422.
    pub(crate) fn parse(value: &str) -> Result<Policy, ApiError> {
        match value {
            "Foreground" => Ok(Policy::Foreground),
            "Background" => Ok(Policy::Background),
            "Orphan" => Ok(Policy::Orphan),
            other => Err(invalid_options(FieldError::not_supported(
                "propagationPolicy",
                other.to_string(),
                &["Foreground", "Background", "Orphan"],
            ))),
        }
    }
}

/// A 422 about the `DeleteOptions` themselves.
fn invalid_options(error: FieldError) -> ApiError {
    ApiError::invalid(GroupKind::new("meta.k8s.io", "DeleteOptions"), "", vec![error])
}

impl DeleteOptions {
    /// Reads a `DeleteOptions` object; fields of the wrong type are a 400.
    pub(crate) fn from_json(options: &Value) -> Result<Self, ApiError> {
        let wrong = |field: &str| ApiError::BadRequest(format!("DeleteOptions.{field} has the wrong type"));
        let text = |pointer: &str, field: &str| match myriad_api::pointer::get(options, pointer) {
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
        let orphan = match options.get("orphanDependents") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(orphan)) => Some(*orphan),
            Some(_) => return Err(wrong("orphanDependents")),
        };
        let policy = text("/propagationPolicy", "propagationPolicy")?
            .map(|p| Policy::parse(&p))
            .transpose()?;
        Ok(DeleteOptions {
            grace,
            uid: text("/preconditions/uid", "preconditions.uid")?,
            resource_version: text("/preconditions/resourceVersion", "preconditions.resourceVersion")?,
            dry_run,
            propagation: Self::propagation(policy, orphan)?,
        })
    }

    /// One policy from `propagationPolicy` and the deprecated `orphanDependents`, which
    /// may not both be set.
    pub(crate) fn propagation(policy: Option<Policy>, orphan: Option<bool>) -> Result<Option<Policy>, ApiError> {
        match (policy, orphan) {
            (Some(policy), Some(_)) => Err(invalid_options(FieldError::invalid(
                "propagationPolicy",
                format!("{policy:?}"),
                "orphanDependents and deletionPropagation cannot be both set",
            ))),
            (Some(policy), None) => Ok(Some(policy)),
            (None, Some(true)) => Ok(Some(Policy::Orphan)),
            (None, Some(false)) => Ok(Some(Policy::Background)),
            (None, None) => Ok(None),
        }
    }

    /// The object's finalizers once this deletion's garbage-collection policy is
    /// applied (upstream's `deletionFinalizersForGarbageCollection`): `orphan` or
    /// `foregroundDeletion` by the policy asked for, else by what the object already
    /// carries, else by the kind's default. `None` when they do not change.
    pub(crate) fn gc_finalizers(&self, info: &ResourceInfo, object: &Value) -> Option<Vec<Value>> {
        let current: Vec<Value> = object
            .pointer("/metadata/finalizers")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let carries = |name: &str| current.iter().any(|f| f == name);
        let policy = self.propagation.unwrap_or_else(|| {
            if carries(ORPHAN) {
                Policy::Orphan
            } else if carries(FOREGROUND) {
                Policy::Foreground
            } else if info.strategy.default_propagation == Propagation::Orphan {
                Policy::Orphan
            } else {
                Policy::Background
            }
        });
        let mut wanted: Vec<Value> = current
            .iter()
            .filter(|f| *f != ORPHAN && *f != FOREGROUND)
            .cloned()
            .collect();
        match policy {
            Policy::Orphan => wanted.push(json!(ORPHAN)),
            Policy::Foreground => wanted.push(json!(FOREGROUND)),
            Policy::Background => {}
        }
        let same = wanted.len() == current.len() && wanted.iter().all(|f| current.contains(f));
        (!same).then_some(wanted)
    }

    /// Checks the preconditions against the object about to be deleted; a mismatch is
    /// upstream's 409 (`rest.BeforeDelete`), which names the kind (`Pod`,
    /// `Deployment.apps`).
    pub(crate) fn check(&self, kind: &GroupKind, object: &Value) -> Result<(), ApiError> {
        // Upstream names the kind where a resource usually stands (`Pod`, `Deployment.apps`).
        let failed = |detail: String| ApiError::Conflict {
            group_resource: myriad_api::GroupResource::new(kind.group.clone(), kind.kind.clone()),
            name: name_of(object).unwrap_or("").to_string(),
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
pub(crate) enum Plan {
    /// Remove it now.
    Remove,
    /// Mark it deleting (set these fields) and keep it.
    Mark { grace_seconds: i64 },
    /// It is already being deleted; nothing changes.
    AlreadyDeleting,
}

pub(crate) fn has_finalizers(object: &Value) -> bool {
    object
        .pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .is_some_and(|f| !f.is_empty())
}

/// Decides a DELETE. `grace` is the request's `gracePeriodSeconds`.
pub(crate) fn plan(info: &ResourceInfo, object: &Value, grace: Option<i64>) -> Plan {
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
pub(crate) fn mark(info: &ResourceInfo, object: &mut Value, grace_seconds: i64) {
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
pub(crate) fn completes_deletion(object: &Value) -> bool {
    deleting(object)
        && !has_finalizers(object)
        && object
            .pointer("/metadata/deletionGracePeriodSeconds")
            .and_then(Value::as_i64)
            .unwrap_or(0)
            == 0
}

/// Deletes `key` if it is still at `revision`; false on a concurrent change.
pub(crate) async fn remove(store: &dyn Store, key: &str, revision: Revision) -> Result<bool, ApiError> {
    let key = Bytes::from(key.to_string());
    let txn = Txn::new()
        .when([Compare::mod_revision(key.clone(), revision)])
        .and_then([TxnOp::delete(key)]);
    Ok(store.txn(txn).await?.succeeded)
}

impl Registry {
    /// DELETE of object `name`: removes it, or marks it deleting (finalizers, a pod's
    /// grace period); answers with the object as it was or is now.
    pub(crate) async fn delete(
        &self,
        scope: Scope<'_>,
        name: &str,
        options: &DeleteOptions,
    ) -> Result<Value, ApiError> {
        if scope.info.resource == "namespaces" && SYSTEM_NAMESPACES.contains(&name) {
            return Err(ApiError::forbidden(
                scope.info,
                name,
                "this namespace may not be deleted",
            ));
        }
        // The first attempt starts from the watch cache's copy, as updates do: the
        // removal is conditional on its revision, so a stale copy costs a retry from
        // the store, whose answer is final.
        let mut retry = Retry::default();
        loop {
            let current = self.current(scope, name, !retry.first()).await?;
            match self.delete_one(scope, current.object, current.revision, options).await {
                Ok(Some(deleted)) => return Ok(deleted),
                Ok(None) => {}
                Err(error) if current.cached && could_be_stale(&error) => {}
                Err(error) => return Err(error),
            }
            if !retry.again().await {
                return Err(ApiError::modified(scope.info, name));
            }
        }
    }

    /// Deletes (or marks for deletion) one object read at `revision`; `None` when it
    /// changed in between (the caller retries).
    pub(crate) async fn delete_one(
        &self,
        scope: Scope<'_>,
        mut object: Value,
        revision: Revision,
        options: &DeleteOptions,
    ) -> Result<Option<Value>, ApiError> {
        let info = scope.info;
        options.check(&GroupKind::from(info), &object)?;
        let name = name_of(&object).unwrap_or("").to_string();
        let key = info.storage_key(namespace_of(&object), &name);
        let backend = self.backend(info);
        let gc_finalizers = options.gc_finalizers(info, &object);
        if let Some(finalizers) = &gc_finalizers {
            metadata_mut(&mut object).insert("finalizers".into(), json!(finalizers));
        }
        match plan(info, &object, options.grace) {
            Plan::AlreadyDeleting if gc_finalizers.is_none() => Ok(Some(object)),
            _ if scope.dry_run || options.dry_run => Ok(Some(object)),
            Plan::Remove => {
                let removed = remove(backend.as_ref(), &key, revision).await?;
                if removed {
                    self.after_write(scope, &object, true);
                }
                Ok(removed.then_some(object))
            }
            plan @ (Plan::Mark { .. } | Plan::AlreadyDeleting) => {
                if let Plan::Mark { grace_seconds } = plan {
                    mark(info, &mut object, grace_seconds);
                }
                metadata_mut(&mut object).remove("resourceVersion");
                match backend
                    .update(key.as_bytes(), &encode(&object, info)?, revision)
                    .await?
                {
                    Ok(new_revision) => {
                        metadata_mut(&mut object).insert("resourceVersion".into(), json!(new_revision.to_string()));
                        if info.resource == "namespaces" {
                            self.finalize_namespace(name);
                        }
                        self.after_write(scope, &object, false);
                        Ok(Some(object))
                    }
                    Err(_) => Ok(None),
                }
            }
        }
    }

    /// DELETECOLLECTION: deletes every object of the scope that `selector` matches
    /// (read page by page at one revision); answers with what was deleted (or marked)
    /// and that revision.
    pub(crate) async fn delete_collection(
        &self,
        scope: Scope<'_>,
        selector: &Selector,
        options: &DeleteOptions,
    ) -> Result<(Vec<Value>, Revision), ApiError> {
        let info = scope.info;
        let backend = self.backend(info);
        let mut pages = Pages::new(
            backend.as_ref(),
            info.namespace_prefix(scope.namespace),
            COLLECTION_PAGE,
        );
        let mut deleted = Vec::new();
        while let Some(page) = pages.next().await? {
            for kv in &page.kvs {
                let object = decode_stored_as(kv, info)?;
                if info.resource == "namespaces" && name_of(&object).is_some_and(|n| SYSTEM_NAMESPACES.contains(&n)) {
                    continue;
                }
                if selector.matches(&object)
                    && let Some(object) = self.delete_one(scope, object, kv.mod_revision, options).await?
                {
                    deleted.push(object);
                }
            }
        }
        Ok((deleted, pages.revision()))
    }
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
        assert!(options.check(&GroupKind::new("", "Pod"), &object).is_ok());
        let moved = json!({"metadata": {"name": "p", "uid": "u2", "resourceVersion": "7"}});
        let error = options.check(&GroupKind::new("", "Pod"), &moved).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Operation cannot be fulfilled on Pod \"p\": the UID in the precondition (u1) does not match the UID in record (u2). The object might have been deleted and then recreated"
        );
        assert!(DeleteOptions::from_json(&json!({"gracePeriodSeconds": "soon"})).is_err());
        assert_eq!(DeleteOptions::from_json(&json!({})).unwrap(), DeleteOptions::default());
    }

    fn info(resource: &str) -> &'static ResourceInfo {
        myriad_api::registry::BUILTIN
            .iter()
            .find(|r| r.resource == resource)
            .unwrap()
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
    fn propagation_adds_the_garbage_collector_finalizers() {
        let options = |json: Value| DeleteOptions::from_json(&json).unwrap();
        let rs = json!({"metadata": {"name": "r", "finalizers": ["x"]}});
        // Background (the default for most kinds) changes nothing.
        assert_eq!(options(json!({})).gc_finalizers(info("replicasets"), &rs), None);
        assert_eq!(
            options(json!({"propagationPolicy": "Foreground"})).gc_finalizers(info("replicasets"), &rs),
            Some(vec![json!("x"), json!("foregroundDeletion")])
        );
        assert_eq!(
            options(json!({"orphanDependents": true})).gc_finalizers(info("replicasets"), &rs),
            Some(vec![json!("x"), json!("orphan")])
        );
        // Jobs orphan their pods unless told otherwise, as batch/v1 always has.
        let job = json!({"metadata": {"name": "j"}});
        assert_eq!(
            options(json!({})).gc_finalizers(info("jobs"), &job),
            Some(vec![json!("orphan")])
        );
        assert_eq!(
            options(json!({"propagationPolicy": "Background"})).gc_finalizers(info("jobs"), &job),
            None
        );
        // A finalizer already there is the policy when none is named.
        let orphaning = json!({"metadata": {"name": "r", "finalizers": ["orphan"]}});
        assert_eq!(options(json!({})).gc_finalizers(info("replicasets"), &orphaning), None);
        assert_eq!(
            options(json!({"propagationPolicy": "Background"})).gc_finalizers(info("replicasets"), &orphaning),
            Some(vec![])
        );
        let both = DeleteOptions::from_json(&json!({"propagationPolicy": "Orphan", "orphanDependents": false}));
        assert_eq!(
            both.map(|_| ()).unwrap_err().to_string(),
            "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Invalid value: \"Orphan\": orphanDependents and deletionPropagation cannot be both set"
        );
        let unknown = DeleteOptions::from_json(&json!({"propagationPolicy": "Sideways"}));
        assert_eq!(
            unknown.map(|_| ()).unwrap_err().to_string(),
            "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"Sideways\": supported values: \"Foreground\", \"Background\", \"Orphan\""
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
