//! What every object about to be stored passes, in upstream's order: defaults for its
//! kind, the mutating admission plugins (`crate::admission`), a CRD's own rules when
//! the object is a CustomResourceDefinition, metadata validation (names by the kind's
//! rule, labels, annotations, finalizers), the RBAC escalation check for roles and
//! bindings, unknown fields (`fieldValidation`), the kind's own validation
//! (`myriad_api::builtin`: a Deployment's selector against its template, a ConfigMap's
//! size, what an update may not change; a subresource write is checked by that
//! subresource's rules), a custom object's schema (pruning, defaults, validation), and
//! the validating admission plugins.

use std::borrow::Cow;

use myriad_api::registry::{Part, ResourceInfo};
use myriad_api::typed::TypedObject;
use myriad_api::validation::{self, NameRule};
use serde_json::{Value, json};

use crate::admission::{Attributes, Operation};
use crate::authz;
use crate::error::ApiError;
use crate::meta::name_of;
use crate::registry::{Registry, Scope, crd, field_validation};
use crate::storage::codec::convert;

/// The write an object is admitted for.
#[derive(Clone, Copy)]
pub(crate) enum Write<'a> {
    Create,
    /// A write to `part` of the stored object `old`.
    Update {
        old: &'a Value,
        part: Part,
    },
    /// A change the server makes itself on the client's behalf (a pod's binding):
    /// metadata and schema checks only, as upstream writes those without the kind's
    /// update validation.
    Internal,
}

impl Registry {
    /// Defaults, admits and validates the object about to be stored; returns the
    /// `fieldValidation` warnings.
    pub(crate) async fn admit(
        &self,
        scope: Scope<'_>,
        object: &mut Value,
        write: Write<'_>,
    ) -> Result<Vec<String>, ApiError> {
        let info = scope.info;
        myriad_api::defaults::apply(info.group, info.kind, object);
        let name = name_of(object).unwrap_or("").to_string();
        let plugins = match write {
            Write::Create => Some((Operation::Create, None)),
            Write::Update { old, part: Part::Main } => Some((Operation::Update, Some(old))),
            _ => None,
        }
        .filter(|_| info.custom.is_none())
        .map(|(operation, old)| Attributes {
            info,
            namespace: scope.namespace.unwrap_or(""),
            name: &name,
            operation,
            old,
            dry_run: scope.dry_run,
        });
        if let Some(attrs) = &plugins {
            self.admission.mutate(attrs, object).await?;
        }
        if crd::is_definitions(info) {
            crd::admit_definition(info, object)?;
        }
        validate_metadata(info, object)?;
        authz::escalation::check(&self.authorizer, scope.user, info, object)?;
        let checked = field_validation::check(info, object, scope.field_validation)?;
        match &info.custom {
            Some(custom) => crd::admit_object(info, custom, object)?,
            None => validate_kind(info, object, checked.typed.as_ref(), write)?,
        }
        if let Some(attrs) = &plugins {
            self.admission.validate(attrs, object).await?;
        }
        Ok(checked.warnings)
    }
}

/// The kind's own rules (`myriad_api::builtin`), 422 Invalid with upstream's causes.
/// `typed` is the object's typed form from field validation, reused when the object
/// is validated in the version it was decoded in.
fn validate_kind(
    info: &ResourceInfo,
    object: &Value,
    typed: Option<&TypedObject>,
    write: Write<'_>,
) -> Result<(), ApiError> {
    let (group, kind) = (info.group, info.kind);
    let new = stored(info, object)?;
    let typed = typed.filter(|_| matches!(new, Cow::Borrowed(_)));
    let validate = |old: Option<&Value>| match typed {
        Some(typed) => myriad_api::builtin::validate_decoded(group, kind, &new, typed, old),
        None => myriad_api::builtin::validate(group, kind, &new, old),
    };
    let errors = match write {
        Write::Create => validate(None),
        Write::Update { old, part } if part != Part::Main => {
            myriad_api::builtin::validate_part(group, kind, part, &new, &*stored(info, old)?)
        }
        Write::Update { old, .. } => validate(Some(&*stored(info, old)?)),
        Write::Internal => Vec::new(),
    };
    if errors.is_empty() {
        return Ok(());
    }
    Err(ApiError::invalid(info, name_of(object).unwrap_or(""), errors))
}

/// A kind served in two versions over one storage (HPAs, Events) is validated in its
/// storage version, as upstream validates the internal form; others as they are.
fn stored<'a>(info: &ResourceInfo, object: &'a Value) -> Result<Cow<'a, Value>, ApiError> {
    match myriad_api::conversion::storage_version(info.group, info.resource) {
        Some(version) if object.get("apiVersion").and_then(Value::as_str) != Some(version) => {
            let mut converted = convert(object.clone(), version)?;
            myriad_api::defaults::apply(info.group, info.kind, &mut converted);
            Ok(Cow::Owned(converted))
        }
        _ => Ok(Cow::Borrowed(object)),
    }
}

/// The name rule Kubernetes applies to a built-in resource (the `nameFn` its
/// validation passes to `ValidateObjectMeta`). RBAC objects may be named anything a URL
/// path can hold; an IPAddress's and an APIService's names are checked by the kind's
/// own validation (the address in canonical form; `version.group`); a
/// CertificateSigningRequest's name is free beyond the path-segment rule every create
/// gets.
fn name_rule(info: &ResourceInfo) -> NameRule {
    match (info.group, info.resource) {
        ("", "namespaces") => NameRule::Dns1123Label,
        ("", "services") => NameRule::Dns1035Label,
        ("rbac.authorization.k8s.io", _)
        | ("networking.k8s.io", "ipaddresses")
        | ("apiregistration.k8s.io", "apiservices")
        | ("certificates.k8s.io", "certificatesigningrequests") => NameRule::PathSegment,
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
