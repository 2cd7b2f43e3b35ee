//! The registry: what a write to a resource does, for every resource, as upstream's
//! generic registry store does it. A request names a resource and a [`Scope`]; the
//! registry reads the current object (the watch cache's copy first, as upstream's
//! `GuaranteedUpdate`), applies the resource's rules and admission, and writes it to
//! the store with a revision precondition, trying again when another writer won.
//!
//! * [`create`], [`update`] (PUT and PATCH, of the object and of its `status` and
//!   `scale` subresources) and [`delete`] (DELETE and DELETECOLLECTION, graceful
//!   deletion and finalizers) are the verbs; [`write`] is the one conditional store
//!   write they end in, and [`retry`] how often a write that lost a race is tried again.
//! * Each kind's strategy (`myriad_api::registry::Strategy`: what the server owns in
//!   an object across writes and what each subresource may change) is applied in
//!   [`create`] and [`update`]; [`admission`] defaults and validates what is about to be
//!   stored ([`field_validation`] for unknown fields); [`patch`] applies PATCH bodies.
//! * [`pods`] (binding, eviction), [`scale`], [`token`] (TokenRequest) are the
//!   subresources that act on an object; [`namespaces`] and [`crd`] the resources whose
//!   writes have effects beyond themselves (and the cleanups those start).
//! * [`services`] allocates and releases Services' cluster IPs and node ports around
//!   their writes, and keeps the `kubernetes` Service.
//! * [`catalog`] is the set of resources served: built-ins plus what CRDs define.
//!
//! Reads of lists and watches do not come here: `cache::delegator` serves them.

pub(crate) mod admission;
pub(crate) mod apiservices;
pub(crate) mod catalog;
mod cleanup;
pub(crate) mod crd;
pub(crate) mod create;
pub(crate) mod delete;
mod disruption;
pub(crate) mod field_validation;
pub(crate) mod namespaces;
pub(crate) mod patch;
pub(crate) mod pods;
pub(crate) mod retry;
pub(crate) mod scale;
pub(crate) mod services;
pub(crate) mod token;
pub(crate) mod update;
pub(crate) mod write;

use std::sync::Arc;

use myriad_api::registry::ResourceInfo;
use myriad_store::{Revision, Router as StoreRouter, Store};
use serde_json::Value;

use crate::admission::Admission;
use crate::authn::{ServiceAccountTokens, UserInfo};
use crate::authz::Authorizer;
use crate::cache::Caches;
use crate::cells::Cells;
use crate::error::ApiError;
use crate::storage::codec::{decode_cached, decode_stored_as};
use crate::tasks::Tasks;

use self::catalog::Catalog;
use self::field_validation::Mode;
use self::services::ServiceNetwork;

/// Everything a write needs: the store, the cache it starts from, the served
/// resources, and the checks that depend on server state (RBAC escalation, cell
/// quotas, ServiceAccount token signing). Cleanups it starts are owned by `tasks`.
pub(crate) struct Registry {
    pub(crate) store: Arc<StoreRouter>,
    pub(crate) catalog: Arc<Catalog>,
    pub(crate) caches: Arc<Caches>,
    pub(crate) cells: Arc<Cells>,
    pub(crate) authorizer: Arc<Authorizer>,
    pub(crate) service_accounts: Arc<ServiceAccountTokens>,
    pub(crate) tasks: Arc<Tasks>,
    /// Services' cluster IPs and node ports.
    pub(crate) network: Arc<ServiceNetwork>,
    /// The admission plugins that are on.
    pub(crate) admission: Arc<Admission>,
}

/// What one request addresses and how: the resource, the namespace of the URL, the
/// caller, and the options every write honours.
#[derive(Clone, Copy)]
pub(crate) struct Scope<'a> {
    pub(crate) info: &'a ResourceInfo,
    pub(crate) namespace: Option<&'a str>,
    pub(crate) user: &'a UserInfo,
    /// `dryRun=All`: everything but the store write.
    pub(crate) dry_run: bool,
    pub(crate) field_validation: Mode,
}

impl Scope<'_> {
    /// The store key of the object `name` in this scope.
    pub(crate) fn key(&self, name: &str) -> String {
        self.info.storage_key(self.namespace, name)
    }
}

/// A written object and the `fieldValidation` warnings its write produced.
pub(crate) struct Written {
    pub(crate) object: Value,
    pub(crate) warnings: Vec<String>,
    /// The write made the object (a POST, or a PUT of a kind whose PUT creates).
    pub(crate) created: bool,
}

/// The object a write starts from and its revision.
pub(crate) struct Current {
    pub(crate) object: Value,
    pub(crate) revision: Revision,
    /// Read from the watch cache (may be stale: a failure it could cause is retried
    /// from the store).
    pub(crate) cached: bool,
}

impl Registry {
    /// The store backend holding `info`'s objects.
    pub(crate) fn backend(&self, info: &ResourceInfo) -> Arc<dyn Store> {
        self.store.store_for(info.storage_prefix().as_bytes()).clone()
    }

    /// The object `name` as stored now, and its revision: a consistent read, as
    /// upstream's GET with `resourceVersion=""` — served by the watch cache once it has
    /// caught up with the store's current revision, else read from the store.
    pub(crate) async fn get(&self, scope: Scope<'_>, name: &str) -> Result<(Value, Revision), ApiError> {
        let key = scope.key(name);
        if let Some(found) = self.caches.consistent_object(scope.info, &key).await {
            let (json, _) = found.ok_or_else(|| ApiError::not_found(scope.info, name))?;
            return decode_cached(&json, scope.info);
        }
        self.get_from_store(scope, name).await
    }

    /// The object `name` read from the store.
    pub(crate) async fn get_from_store(&self, scope: Scope<'_>, name: &str) -> Result<(Value, Revision), ApiError> {
        let key = scope.key(name);
        let backend = self.backend(scope.info);
        let got = backend.get(key.as_bytes(), 0).await?;
        let kv = got.kv.ok_or_else(|| ApiError::not_found(scope.info, name))?;
        Ok((decode_stored_as(&kv, scope.info)?, kv.mod_revision))
    }

    /// The object a write starts from. The first attempt (`fresh` false) takes the
    /// watch cache's copy, as upstream's GuaranteedUpdate does: the store write is
    /// conditional on its revision, so a stale copy costs only a retry from the store,
    /// and a write saves a store read. A dry run writes nothing that would catch a
    /// stale copy, so it reads the store.
    pub(crate) async fn current(&self, scope: Scope<'_>, name: &str, fresh: bool) -> Result<Current, ApiError> {
        if !fresh
            && !scope.dry_run
            && let Some(json) = self.caches.cached(scope.info, &scope.key(name))
            && let Ok((object, revision)) = decode_cached(&json, scope.info)
        {
            return Ok(Current {
                object,
                revision,
                cached: true,
            });
        }
        let (object, revision) = self.get_from_store(scope, name).await?;
        Ok(Current {
            object,
            revision,
            cached: false,
        })
    }
}

/// Whether a write's failure may come from starting at a stale copy of the object
/// (then it is retried from the store). Store and server errors are not retried: the
/// write may have been applied.
pub(crate) fn could_be_stale(error: &ApiError) -> bool {
    matches!(
        error,
        ApiError::BadRequest(_)
            | ApiError::NotFound { .. }
            | ApiError::Conflict { .. }
            | ApiError::Invalid { .. }
            | ApiError::UnprocessableEntity(_)
            | ApiError::Forbidden { .. }
    )
}
