//! CustomResourceDefinitions as the server handles them: a CRD is defaulted, validated
//! and given its status and cleanup finalizer when written; its resources are served as
//! soon as the write succeeds; deleting it deletes every object it defined first.
//! Objects of custom resources are pruned, defaulted and validated against their
//! version's schema.

use std::sync::Arc;
use std::time::Duration;

use myriad_api::crd as rules;
use myriad_api::custom::{self, CLEANUP_FINALIZER};
use myriad_api::field_error::FieldError;
use myriad_api::registry::{CustomResource, ResourceInfo};
use myriad_store::{Pages, Router as StoreRouter};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::meta::{deleting, metadata_mut, name_of, now_rfc3339};
use crate::registry::Registry;
use crate::registry::catalog::{self, Catalog};
use crate::registry::cleanup::{Pass, empty_prefix, repeat_until_done};
use crate::registry::delete::{completes_deletion, remove};
use crate::storage::codec::{decode_stored, encode};
use crate::tasks::Tasks;

/// The first pause between passes of a terminating CRD's cleanup.
const CLEANUP_POLL: Duration = Duration::from_millis(500);
/// CRDs read at a time when resuming cleanups.
const PAGE: usize = 500;

/// Whether `info` is the CustomResourceDefinition resource itself.
pub(crate) fn is_definitions(info: &ResourceInfo) -> bool {
    info.group == "apiextensions.k8s.io" && info.resource == "customresourcedefinitions"
}

/// Prepares a CRD for storage: upstream's defaults and validation, the cleanup finalizer
/// on a live CRD, and the status the server owns.
pub(crate) fn admit_definition(info: &ResourceInfo, crd: &mut Value) -> Result<(), ApiError> {
    rules::default_definition(crd);
    invalid(info, crd, rules::validate_definition(crd))?;
    let deleting = deleting(crd);
    let metadata = metadata_mut(crd);
    let finalizers = metadata.entry("finalizers").or_insert_with(|| json!([]));
    if let Some(list) = finalizers.as_array_mut()
        && !deleting
        && !list.iter().any(|f| f == CLEANUP_FINALIZER)
    {
        list.push(json!(CLEANUP_FINALIZER));
    }
    let status = custom::status(crd, &now_rfc3339());
    crd["status"] = status;
    Ok(())
}

/// Defaults and validates a custom object against its version's schema (pruning, which
/// `fieldValidation` reports, happened before in `field_validation::check`).
pub(crate) fn admit_object(info: &ResourceInfo, custom: &CustomResource, object: &mut Value) -> Result<(), ApiError> {
    let Some(schema) = &custom.structural else {
        return Ok(());
    };
    rules::prune_non_nullable_nulls(object, schema);
    rules::apply_defaults(object, schema);
    invalid(info, object, rules::validate(object, schema))
}

/// A 422 Invalid carrying `errors`, if there are any.
fn invalid(info: &ResourceInfo, object: &Value, errors: Vec<FieldError>) -> Result<(), ApiError> {
    if errors.is_empty() {
        return Ok(());
    }
    Err(ApiError::invalid(info, name_of(object).unwrap_or(""), errors))
}

/// After a CRD write: serve what it now defines, and start deleting its objects once it
/// is being deleted. `removed` when the write deleted the CRD: its resources and their
/// cacher go.
pub(crate) fn written(registry: &Registry, crd: &Value, removed: bool) {
    let Some(name) = name_of(crd).map(str::to_string) else {
        return;
    };
    if removed {
        registry.catalog.remove(&name);
        if let (Some(group), Some(plural)) = (
            crd.pointer("/spec/group").and_then(Value::as_str),
            crd.pointer("/spec/names/plural").and_then(Value::as_str),
        ) {
            registry.caches.forget(&format!("/registry/{group}/{plural}/"));
        }
        return;
    }
    let was_terminating = registry
        .catalog
        .all()
        .iter()
        .any(|r| r.custom.as_ref().is_some_and(|c| c.definition == name && c.terminating));
    registry.catalog.define(crd);
    if deleting(crd) && !was_terminating {
        spawn_cleanup(&registry.tasks, registry.store.clone(), registry.catalog.clone(), name);
    }
}

/// Deletes every object of the terminating CRD `name`, then drops the cleanup finalizer
/// (which removes the CRD unless other finalizers remain).
fn spawn_cleanup(tasks: &Tasks, store: Arc<StoreRouter>, catalog: Arc<Catalog>, name: String) {
    tasks.spawn("CRD cleanup", async move {
        let what = format!("CustomResourceDefinition {name}");
        repeat_until_done(&what, CLEANUP_POLL, || clean_up_pass(&store, &catalog, &name)).await;
    });
}

/// One pass: done once the CRD is gone or no longer ours to finish.
async fn clean_up_pass(store: &StoreRouter, catalog: &Catalog, name: &str) -> Result<Pass, ApiError> {
    let served: Vec<Arc<ResourceInfo>> = catalog
        .all()
        .into_iter()
        .filter(|r| r.custom.as_ref().is_some_and(|c| c.definition == name))
        .collect();
    if let Some(info) = served.first() {
        let prefix = info.storage_prefix();
        let backend = store.store_for(prefix.as_bytes()).clone();
        let remaining = empty_prefix(backend.as_ref(), info, &prefix).await?;
        if remaining > 0 {
            return Ok(Pass::Remaining(remaining));
        }
    }
    let crds = catalog::crds()?;
    let backend = store.store_for(crds.storage_prefix().as_bytes()).clone();
    let key = crds.storage_key(None, name);
    let Some(kv) = backend.get(key.as_bytes(), 0).await?.kv else {
        catalog.remove(name);
        return Ok(Pass::Done);
    };
    let mut crd = decode_stored(&kv)?;
    if let Some(list) = crd.pointer_mut("/metadata/finalizers").and_then(Value::as_array_mut) {
        list.retain(|f| f != CLEANUP_FINALIZER);
    }
    if completes_deletion(&crd) {
        if remove(backend.as_ref(), &key, kv.mod_revision).await? {
            catalog.remove(name);
            tracing::info!(crd = %name, "CustomResourceDefinition deleted");
            return Ok(Pass::Done);
        }
        return Ok(Pass::Remaining(0));
    }
    let updated = backend
        .update(key.as_bytes(), &encode(&crd, crds)?, kv.mod_revision)
        .await?
        .is_ok();
    Ok(if updated { Pass::Done } else { Pass::Remaining(0) })
}

/// Restarts the cleanup of CRDs that were terminating when the server stopped.
pub(crate) async fn resume_cleanups(
    store: &Arc<StoreRouter>,
    catalog: &Arc<Catalog>,
    tasks: &Tasks,
) -> Result<(), ApiError> {
    let crds = catalog::crds()?;
    let backend = store.store_for(crds.storage_prefix().as_bytes()).clone();
    let mut pages = Pages::new(backend.as_ref(), crds.storage_prefix(), PAGE);
    while let Some(page) = pages.next().await? {
        for kv in &page.kvs {
            let crd = decode_stored(kv)?;
            if deleting(&crd)
                && let Some(name) = name_of(&crd)
            {
                spawn_cleanup(tasks, store.clone(), catalog.clone(), name.to_string());
            }
        }
    }
    Ok(())
}
