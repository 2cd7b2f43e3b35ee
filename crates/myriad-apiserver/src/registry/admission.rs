//! What every object about to be stored passes, in upstream's order: defaults for its
//! kind, a CRD's own rules when the object is a CustomResourceDefinition, metadata
//! validation (names by the kind's rule, labels, annotations, finalizers), the RBAC
//! escalation check for roles and bindings, unknown fields (`fieldValidation`), and a
//! custom object's schema (pruning, defaults, validation).

use myriad_api::registry::ResourceInfo;
use myriad_api::validation::{self, NameRule};
use serde_json::{Value, json};

use crate::authz;
use crate::error::ApiError;
use crate::meta::name_of;
use crate::registry::{Registry, Scope, crd, field_validation};

impl Registry {
    /// Defaults and validates the object about to be stored; returns the
    /// `fieldValidation` warnings.
    pub(crate) fn admit(&self, scope: Scope<'_>, object: &mut Value) -> Result<Vec<String>, ApiError> {
        let info = scope.info;
        myriad_api::defaults::apply(info.group, info.kind, object);
        if crd::is_definitions(info) {
            crd::admit_definition(info, object)?;
        }
        validate_metadata(info, object)?;
        authz::escalation::check(&self.authorizer, scope.user, info, object)?;
        let warnings = field_validation::check(info, object, scope.field_validation)?;
        if let Some(custom) = &info.custom {
            crd::admit_object(info, custom, object)?;
        }
        Ok(warnings)
    }
}

/// The name rule Kubernetes applies to a built-in resource.
fn name_rule(info: &ResourceInfo) -> NameRule {
    match info.resource {
        "namespaces" => NameRule::Dns1123Label,
        "services" => NameRule::Dns1035Label,
        _ => NameRule::Dns1123Subdomain,
    }
}

/// Validates `metadata` (name by the kind's rule, generateName, namespace, labels,
/// annotations, finalizers) with upstream's messages; 422 Invalid with one cause per
/// problem.
pub(crate) fn validate_metadata(info: &ResourceInfo, object: &Value) -> Result<(), ApiError> {
    let metadata = object.get("metadata").cloned().unwrap_or_else(|| json!({}));
    let errors = validation::validate_object_meta(&metadata, info.namespaced, name_rule(info));
    if errors.is_empty() {
        return Ok(());
    }
    Err(ApiError::invalid(info, name_of(object).unwrap_or(""), errors))
}
