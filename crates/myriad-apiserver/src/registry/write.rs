//! The store writes every verb ends in: a create that must not find the key, an update
//! conditional on the revision the write started from (or the removal of the object,
//! when the update took its last finalizer away), each charged to the namespace's cell
//! storage quota, and followed by what a write means beyond its object (a CRD's
//! resources served or dropped).

use serde_json::{Value, json};

use crate::cells::Quota;
use crate::error::ApiError;
use crate::meta::{metadata_mut, name_of};
use crate::registry::create::is_service;
use crate::registry::delete::{completes_deletion, remove};
use crate::registry::{Registry, Scope, crd};
use crate::storage::codec::encode;
use myriad_store::Revision;

impl Registry {
    /// Stores a new object; 409 AlreadyExists when the name is taken.
    pub(crate) async fn write_new(&self, scope: Scope<'_>, mut object: Value) -> Result<Value, ApiError> {
        let name = name_of(&object).unwrap_or("").to_string();
        let encoded = encode(&object, scope.info)?;
        let quota = self.reserve(scope, &name, encoded.len()).await?;
        let created = self
            .backend(scope.info)
            .create(scope.key(&name).as_bytes(), &encoded)
            .await?;
        let Ok(revision) = created else {
            return Err(ApiError::AlreadyExists {
                group_resource: scope.info.into(),
                name,
            });
        };
        if let Some(quota) = quota {
            quota.committed(revision);
        }
        metadata_mut(&mut object).insert("resourceVersion".into(), json!(revision.to_string()));
        self.after_write(scope, &object, false);
        Ok(object)
    }

    /// Writes an updated object if it is still at `expected`, or removes it when the
    /// update completes its deletion (its last finalizer removed). `Ok(None)` on a
    /// concurrent change.
    pub(crate) async fn write(
        &self,
        scope: Scope<'_>,
        name: &str,
        mut object: Value,
        expected: Revision,
    ) -> Result<Option<Value>, ApiError> {
        let backend = self.backend(scope.info);
        if completes_deletion(&object) {
            let removed = remove(backend.as_ref(), &scope.key(name), expected).await?;
            if removed {
                self.after_write(scope, &object, true);
            }
            return Ok(removed.then_some(object));
        }
        let encoded = encode(&object, scope.info)?;
        let quota = self.reserve(scope, name, encoded.len()).await?;
        match backend.update(scope.key(name).as_bytes(), &encoded, expected).await? {
            Ok(revision) => {
                if let Some(quota) = quota {
                    quota.committed(revision);
                }
                metadata_mut(&mut object).insert("resourceVersion".into(), json!(revision.to_string()));
                self.after_write(scope, &object, false);
                Ok(Some(object))
            }
            Err(_) => Ok(None),
        }
    }

    /// Checks the storage quota of the namespace's cell for writing `bytes` as `name`
    /// and reserves what the write adds until it is stored (or fails).
    async fn reserve(&self, scope: Scope<'_>, name: &str, bytes: usize) -> Result<Option<Quota>, ApiError> {
        let Some(namespace) = scope.namespace else {
            return Ok(None);
        };
        self.cells
            .reserve(&self.caches, scope.info, namespace, name, bytes)
            .await
    }

    /// What follows a successful write: a CRD's resources are served (or dropped) before
    /// the response goes out.
    pub(crate) fn after_write(&self, scope: Scope<'_>, object: &Value, removed: bool) {
        if crd::is_definitions(scope.info) {
            crd::written(self, object, removed);
        }
        if removed && is_service(scope) {
            let network = self.network.clone();
            let service = object.clone();
            self.tasks
                .spawn("service-release", async move { network.release(&service).await });
        }
    }
}
