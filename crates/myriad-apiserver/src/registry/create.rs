//! POST: a new object. The namespace of the URL wins over the body's (a mismatch is a
//! 400), `generateName` picks a free-looking name, a namespace being deleted refuses
//! new content, and the server fills in what it owns before admission.

use myriad_api::registry::Requester;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::meta::{metadata_mut, name_of, namespace_of, now_rfc3339, stamp_new};
use crate::registry::admission::Write;
use crate::registry::{Registry, Scope, Written};

impl Registry {
    /// Creates `object` (already decoded as the scope's kind).
    pub(crate) async fn create(&self, scope: Scope<'_>, mut object: Value) -> Result<Written, ApiError> {
        if let (Some(url_ns), Some(body_ns)) = (scope.namespace, namespace_of(&object))
            && url_ns != body_ns
        {
            return Err(ApiError::BadRequest(
                "the namespace of the provided object does not match the namespace sent on the request".into(),
            ));
        }
        let name = match name_of(&object) {
            Some(name) if !name.is_empty() => name.to_string(),
            _ => match myriad_api::pointer::get(&object, "/metadata/generateName").and_then(Value::as_str) {
                Some(base) if !base.is_empty() => myriad_api::validation::generate_name(base),
                _ => String::new(),
            },
        };
        metadata_mut(&mut object).insert("name".into(), json!(name));
        if scope.info.custom.as_ref().is_some_and(|c| c.terminating) {
            return Err(ApiError::MethodNotAllowed(
                "create not allowed while custom resource definition is terminating".into(),
            ));
        }
        if let Some(namespace) = scope.namespace {
            self.namespace_accepts(scope.info, namespace, &name).await?;
        }
        stamp_new(&mut object, scope.info, scope.namespace);
        let user = scope.user;
        let requester = Requester {
            username: &user.name,
            uid: &user.uid,
            groups: &user.groups,
            extra: &user.extra,
        };
        scope.info.prepare_create(&mut object, &requester, &now_rfc3339());
        let allocation = match is_service(scope) {
            true => Some(
                self.network
                    .allocate(scope.info, None, &mut object, scope.dry_run)
                    .await?,
            ),
            false => None,
        };
        let written = self.admit_and_store(scope, object).await;
        if let Some(allocation) = allocation {
            match &written {
                Ok(_) => allocation.commit(&self.network).await,
                Err(_) => allocation.revert(&self.network).await,
            }
        }
        written
    }

    async fn admit_and_store(&self, scope: Scope<'_>, mut object: Value) -> Result<Written, ApiError> {
        let warnings = self.admit(scope, &mut object, Write::Create).await?;
        if scope.dry_run {
            return Ok(Written {
                object,
                warnings,
                created: true,
            });
        }
        let object = self.write_new(scope, object).await?;
        Ok(Written {
            object,
            warnings,
            created: true,
        })
    }
}

/// Whether the scope is core Services, whose writes allocate addresses and ports.
pub(crate) fn is_service(scope: Scope<'_>) -> bool {
    scope.info.group.is_empty() && scope.info.resource == "services"
}
