//! PUT and PATCH, of an object or of its `status` or `scale` subresource: upstream's
//! `GuaranteedUpdate`. Each attempt starts from the current object (the watch cache's
//! copy first), turns the client's change into the object to store (the strategy's
//! rules for the part addressed, then admission) and writes it conditionally on the
//! revision it started from.
//!
//! * A change that names a resourceVersion other than the current one is a 409.
//! * One that names none is applied again to the new state after a concurrent write,
//!   as often as [`Retry`] allows.
//! * An attempt from the cache's copy that fails in a way a stale copy could cause (a
//!   precondition, a validation) is retried from the store, whose answer is final.
//! * A PUT of a missing object of a kind that allows it creates the object.

use myriad_api::registry::Part;
use myriad_store::Revision;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::meta::{metadata_mut, name_of, now_rfc3339};
use crate::registry::admission::Write;
use crate::registry::create::is_service;
use crate::registry::patch::{self, PatchType};
use crate::registry::retry::Retry;
use crate::registry::scale::{apply_scale, scale_of};
use crate::registry::{Current, Registry, Scope, Written, could_be_stale};

/// What a client sent to change an object.
pub(crate) enum Change<'a> {
    /// PUT: the new object (or status, or Scale), decoded.
    Replace(Value),
    /// PATCH: the body and its type.
    Patch(PatchType, &'a [u8]),
}

impl Registry {
    /// Applies `change` to the `part` of object `name`; the result is the stored object
    /// (the caller shows a Scale for `scale`).
    pub(crate) async fn update(
        &self,
        scope: Scope<'_>,
        name: &str,
        part: Part,
        change: Change<'_>,
    ) -> Result<Written, ApiError> {
        if let Change::Replace(object) = &change {
            check_url_name(object, name)?;
        }
        let mut retry = Retry::default();
        loop {
            let current = match self.current(scope, name, !retry.first()).await {
                Err(ApiError::NotFound { .. }) if creates_on_put(scope, part, &change)? => {
                    let Change::Replace(object) = &change else {
                        unreachable!("only a PUT creates");
                    };
                    match self.create(scope, object.clone()).await {
                        Err(ApiError::AlreadyExists { .. }) => {
                            retry.again().await;
                            continue;
                        }
                        created => return created,
                    }
                }
                current => current?,
            };
            let cached = current.cached;
            match self.update_from(scope, name, part, &change, current).await {
                Ok(Some(written)) => return Ok(written),
                Ok(None) => {}
                Err(error) if cached && could_be_stale(&error) => {}
                Err(error) => return Err(error),
            }
            if !retry.again().await {
                return Err(ApiError::modified(scope.info, name));
            }
        }
    }

    /// One attempt from `current`: `None` when the object changed in between and the
    /// change names no resourceVersion.
    async fn update_from(
        &self,
        scope: Scope<'_>,
        name: &str,
        part: Part,
        change: &Change<'_>,
        current: Current,
    ) -> Result<Option<Written>, ApiError> {
        let changed = match change {
            Change::Replace(object) => object.clone(),
            Change::Patch(kind, body) => {
                let (resource, target) = match part {
                    Part::Scale => ("scales", scale_of(scope.info, &current.object)),
                    _ => (scope.info.resource, current.object.clone()),
                };
                let patched = patch::apply(resource, &target, body, *kind)?;
                check_url_name(&patched, name)?;
                patched
            }
        };
        if resource_version(&changed)?.is_some_and(|named| named != current.revision) {
            return Err(ApiError::modified(scope.info, name));
        }
        // A PUT that names a resourceVersion is pinned to it. A patched object carries
        // the current one (unless the patch set another, refused above), so a patch is
        // applied again after a concurrent write.
        let pinned = matches!(change, Change::Replace(_)) && resource_version(&changed)?.is_some();
        let mut object = merge_into(scope, part, changed, &current.object)?;
        let allocation = match is_service(scope) && part == Part::Main {
            true => Some(
                self.network
                    .allocate(scope.info, Some(&current.object), &mut object, scope.dry_run)
                    .await?,
            ),
            false => None,
        };
        let written = self.admit_and_write(scope, name, part, object, &current, pinned).await;
        if let Some(allocation) = allocation {
            match &written {
                Ok(Some(_)) => allocation.commit(&self.network).await,
                Ok(None) | Err(_) => allocation.revert(&self.network).await,
            }
        }
        written
    }

    async fn admit_and_write(
        &self,
        scope: Scope<'_>,
        name: &str,
        part: Part,
        mut object: Value,
        current: &Current,
        pinned: bool,
    ) -> Result<Option<Written>, ApiError> {
        let write = Write::Update {
            old: &current.object,
            part,
        };
        let warnings = self.admit(scope, &mut object, write).await?;
        if scope.dry_run {
            metadata_mut(&mut object).insert("resourceVersion".into(), json!(current.revision.to_string()));
            return Ok(Some(Written {
                object,
                warnings,
                created: false,
            }));
        }
        match self.write(scope, name, object, current.revision).await? {
            Some(object) => Ok(Some(Written {
                object,
                warnings,
                created: false,
            })),
            None if pinned => Err(ApiError::modified(scope.info, name)),
            None => Ok(None),
        }
    }
}

/// Whether a PUT of a missing object creates it: the kind allows it (upstream's
/// `AllowCreateOnUpdate`: Leases, Endpoints, Events, Services, RBAC objects, …) and the
/// body names no resourceVersion (it would be conditional on a version that does not
/// exist).
fn creates_on_put(scope: Scope<'_>, part: Part, change: &Change<'_>) -> Result<bool, ApiError> {
    Ok(match change {
        Change::Replace(object) => {
            part == Part::Main && scope.info.strategy.allow_create_on_update && resource_version(object)?.is_none()
        }
        Change::Patch(..) => false,
    })
}

/// The resourceVersion a change is conditional on, if it names one.
fn resource_version(object: &Value) -> Result<Option<Revision>, ApiError> {
    match myriad_api::pointer::get(object, "/metadata/resourceVersion").and_then(Value::as_str) {
        Some(rv) if !rv.is_empty() => rv
            .parse::<Revision>()
            .map(Some)
            .map_err(|_| ApiError::BadRequest(format!("invalid resourceVersion {rv:?}"))),
        _ => Ok(None),
    }
}

/// Turns the client's new version of what it addressed (object, a part of it, or a
/// Scale) into the object to store, by the kind's strategy.
fn merge_into(scope: Scope<'_>, part: Part, new: Value, current: &Value) -> Result<Value, ApiError> {
    let info = scope.info;
    let now = now_rfc3339();
    if part == Part::Scale {
        let mut object = current.clone();
        apply_scale(info, &mut object, &new)?;
        info.prepare_update(Part::Scale, &mut object, current, &now);
        return Ok(object);
    }
    let mut new = new;
    info.prepare_update(part, &mut new, current, &now);
    Ok(new)
}

/// The object in a PUT or PATCH must keep the name of the URL.
fn check_url_name(object: &Value, name: &str) -> Result<(), ApiError> {
    if name_of(object) == Some(name) {
        return Ok(());
    }
    Err(ApiError::BadRequest(format!(
        "the name of the object ({}) does not match the name on the URL ({name})",
        name_of(object).unwrap_or("")
    )))
}
