//! CustomResourceDefinitions as the server handles them: a CRD is defaulted, validated
//! and given its status and cleanup finalizer when written; its resources are served as
//! soon as the write succeeds; deleting it deletes every object it defined first.
//! Objects of custom resources are pruned, defaulted and validated against their
//! version's schema.

use std::sync::Arc;
use std::time::Duration;

use myriad_api::crd as rules;
use myriad_api::custom::{self, CLEANUP_FINALIZER, CustomResource};
use myriad_api::field_error::FieldError;
use myriad_api::registry::ResourceInfo;
use myriad_store::{RangeOptions, Router as StoreRouter};
use serde_json::{Value, json};

use crate::catalog::{self, Catalog};
use crate::deletion;
use crate::error::ApiError;
use crate::objects::{self, decode_stored, encode, name_of};

/// How often a terminating CRD is checked for remaining objects.
const CLEANUP_POLL: Duration = Duration::from_millis(500);

/// Whether `info` is the CustomResourceDefinition resource itself.
pub fn is_definitions(info: &ResourceInfo) -> bool {
    info.group == "apiextensions.k8s.io" && info.resource == "customresourcedefinitions"
}

/// Prepares a CRD for storage: upstream's defaults and validation, the cleanup finalizer
/// on a live CRD, and the status the server owns.
pub fn admit_definition(info: &ResourceInfo, crd: &mut Value) -> Result<(), ApiError> {
    rules::default_definition(crd);
    invalid(info, crd, rules::validate_definition(crd))?;
    let deleting = crd.pointer("/metadata/deletionTimestamp").is_some();
    let metadata = objects::metadata_mut(crd);
    let finalizers = metadata.entry("finalizers").or_insert_with(|| json!([]));
    if let Some(list) = finalizers.as_array_mut()
        && !deleting
        && !list.iter().any(|f| f == CLEANUP_FINALIZER)
    {
        list.push(json!(CLEANUP_FINALIZER));
    }
    let status = custom::status(crd, &objects::now_rfc3339());
    crd["status"] = status;
    Ok(())
}

/// Defaults and validates a custom object against its version's schema (pruning, which
/// `fieldValidation` reports, happened before in `field_validation::check`).
pub fn admit_object(info: &ResourceInfo, custom: &CustomResource, object: &mut Value) -> Result<(), ApiError> {
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
    Err(objects::invalid(info, name_of(object).unwrap_or(""), &errors))
}

/// After a CRD write: serve what it now defines, and start deleting its objects once it
/// is being deleted. `removed` when the write deleted the CRD.
pub fn written(store: &Arc<StoreRouter>, catalog: &Arc<Catalog>, crd: &Value, removed: bool) {
    let Some(name) = name_of(crd).map(str::to_string) else {
        return;
    };
    if removed {
        catalog.remove(&name);
        return;
    }
    let was_terminating = catalog
        .all()
        .iter()
        .any(|r| r.custom.as_ref().is_some_and(|c| c.definition == name && c.terminating));
    catalog.define(crd);
    if crd.pointer("/metadata/deletionTimestamp").is_some() && !was_terminating {
        tokio::spawn(clean_up(store.clone(), catalog.clone(), name));
    }
}

/// Deletes every object of a terminating CRD, then drops the cleanup finalizer (which
/// removes the CRD unless other finalizers remain).
pub async fn clean_up(store: Arc<StoreRouter>, catalog: Arc<Catalog>, name: String) {
    let what = format!("CustomResourceDefinition {name}");
    deletion::repeat_until_done(&what, CLEANUP_POLL, || clean_up_pass(&store, &catalog, &name)).await;
}

/// One pass: true once nothing is left to do.
async fn clean_up_pass(store: &Arc<StoreRouter>, catalog: &Arc<Catalog>, name: &str) -> Result<bool, ApiError> {
    let served: Vec<Arc<ResourceInfo>> = catalog
        .all()
        .into_iter()
        .filter(|r| r.custom.as_ref().is_some_and(|c| c.definition == name))
        .collect();
    if let Some(info) = served.first() {
        let remaining = deletion::empty_prefix(store, info, &info.storage_prefix()).await?;
        if remaining > 0 {
            return Ok(false);
        }
    }
    let crds = catalog::crds()?;
    let backend = store.store_for(crds.storage_prefix().as_bytes()).clone();
    let key = crds.storage_key(None, name);
    let Some(kv) = backend.get(key.as_bytes(), 0).await?.kv else {
        catalog.remove(name);
        return Ok(true);
    };
    let mut crd = decode_stored(&kv)?;
    if let Some(list) = crd.pointer_mut("/metadata/finalizers").and_then(Value::as_array_mut) {
        list.retain(|f| f != CLEANUP_FINALIZER);
    }
    if deletion::completes_deletion(&crd) {
        if deletion::remove(&backend, &key, kv.mod_revision).await? {
            catalog.remove(name);
            tracing::info!(crd = %name, "CustomResourceDefinition deleted");
            return Ok(true);
        }
        return Ok(false);
    }
    Ok(backend
        .update(key.as_bytes(), &encode(&crd, crds)?, kv.mod_revision)
        .await?
        .is_ok())
}

/// Restarts the cleanup of CRDs that were terminating when the server stopped.
pub async fn resume_terminating(store: &Arc<StoreRouter>, catalog: &Arc<Catalog>) -> Result<(), ApiError> {
    let crds = catalog::crds()?;
    let prefix = crds.storage_prefix();
    let kvs = store
        .store_for(prefix.as_bytes())
        .range(prefix.as_bytes(), RangeOptions::default())
        .await?
        .kvs;
    for kv in kvs {
        let crd = decode_stored(&kv)?;
        if crd.pointer("/metadata/deletionTimestamp").is_some()
            && let Some(name) = name_of(&crd)
        {
            tokio::spawn(clean_up(store.clone(), catalog.clone(), name.to_string()));
        }
    }
    Ok(())
}
