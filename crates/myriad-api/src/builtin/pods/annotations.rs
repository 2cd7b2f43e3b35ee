//! The annotations pods give a meaning to (`ValidatePodSpecificAnnotations` and
//! `ValidatePodSpecificAnnotationUpdates`): the mirror pod marker, tolerations and
//! deletion cost written as annotations, the deprecated seccomp and AppArmor
//! annotations, and their agreement with the security context fields that replaced
//! them. Seccomp annotation errors are named as upstream names them, with the key as
//! a path segment (`metadata.annotations.seccomp.security.alpha.kubernetes.io/pod`).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{PodSpec, SeccompProfile, Toleration};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::scheduling::tolerations;
use super::security::visit_containers;
use super::{Options, local_descending_path};
use crate::field_error::{FieldError, FieldPath};
use crate::go_format::quote;

pub(super) const MIRROR: &str = "kubernetes.io/config.mirror";
const TOLERATIONS: &str = "scheduler.alpha.kubernetes.io/tolerations";
pub(super) const DELETION_COST: &str = "controller.kubernetes.io/pod-deletion-cost";
const SECCOMP_POD: &str = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";
pub(super) const APPARMOR_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

/// A deletion cost upstream accepts: a 32-bit integer without a `+` or leading zeros.
pub(super) fn valid_deletion_cost(value: &str) -> bool {
    let first_ok = match value.as_bytes().first() {
        Some(b'-') | Some(b'1'..=b'9') => true,
        Some(b'0') => value == "0",
        _ => false,
    };
    first_ok && value.parse::<i32>().is_ok()
}

/// `ValidatePodSpecificAnnotations`.
pub(super) fn pod_specific(
    annotations: Option<&BTreeMap<String, String>>,
    spec: &PodSpec,
    path: &FieldPath,
    opts: &Options,
    errs: &mut Vec<FieldError>,
) {
    let Some(annotations) = annotations else { return };
    if let Some(value) = annotations.get(MIRROR)
        && spec.node_name.as_deref().unwrap_or_default().is_empty()
    {
        errs.push(FieldError::invalid(
            path.key(MIRROR),
            value.as_str(),
            "must set spec.nodeName if mirror pod annotation is set",
        ));
    }
    if let Some(value) = annotations.get(TOLERATIONS).filter(|v| !v.is_empty()) {
        match serde_json::from_str::<Vec<Toleration>>(value) {
            Ok(list) => tolerations(&list, &path.child(TOLERATIONS), errs),
            Err(error) => errs.push(FieldError::invalid(path, TOLERATIONS, error.to_string())),
        }
    }
    if !opts.allow_invalid_pod_deletion_cost
        && let Some(cost) = annotations.get(DELETION_COST)
        && !valid_deletion_cost(cost)
    {
        errs.push(FieldError::invalid(
            path.key(DELETION_COST),
            cost.as_str(),
            "must be a 32bit integer",
        ));
    }
    if let Some(profile) = annotations.get(SECCOMP_POD) {
        seccomp_annotation(profile, &path.child(SECCOMP_POD), errs);
    }
    for (key, profile) in annotations {
        if key.starts_with(SECCOMP_CONTAINER_PREFIX) {
            seccomp_annotation(profile, &path.child(key), errs);
        }
    }
    for (key, profile) in annotations {
        let Some(container) = key.strip_prefix(APPARMOR_PREFIX) else {
            continue;
        };
        if !super::security::has_container(spec, container) {
            errs.push(FieldError::invalid(path.key(key), container, "container not found"));
        }
        let valid = profile.is_empty()
            || profile == "runtime/default"
            || profile == "unconfined"
            || profile.starts_with("localhost/");
        if !valid {
            errs.push(FieldError::invalid(
                path.key(key),
                profile.as_str(),
                format!("invalid AppArmor profile name: {}", quote(profile)),
            ));
        }
    }
}

/// `ValidateSeccompProfile`: `runtime/default`, `docker/default`, `unconfined`, or
/// `localhost/<relative path>`.
fn seccomp_annotation(profile: &str, path: &FieldPath, errs: &mut Vec<FieldError>) {
    match profile {
        "runtime/default" | "docker/default" | "unconfined" => {}
        _ => match profile.strip_prefix("localhost/") {
            Some(local) => local_descending_path(local, path, errs),
            None => errs.push(FieldError::invalid(path, profile, "must be a valid seccomp profile")),
        },
    }
}

/// `ValidatePodSpecificAnnotationUpdates`: AppArmor and mirror annotations may not be
/// added, changed or removed; then the annotations as on create.
pub(super) fn updates(
    new_meta: &ObjectMeta,
    old_meta: &ObjectMeta,
    spec: &PodSpec,
    path: &FieldPath,
    opts: &Options,
    errs: &mut Vec<FieldError>,
) {
    let empty = BTreeMap::new();
    let new = new_meta.annotations.as_ref().unwrap_or(&empty);
    let old = old_meta.annotations.as_ref().unwrap_or(&empty);
    for (key, old_value) in old {
        if new.get(key) == Some(old_value) {
            continue;
        }
        if key.starts_with(APPARMOR_PREFIX) {
            errs.push(FieldError::forbidden(
                path.key(key),
                "may not remove or update AppArmor annotations",
            ));
        }
        if key == MIRROR {
            errs.push(FieldError::forbidden(
                path.key(key),
                "may not remove or update mirror pod annotation",
            ));
        }
    }
    for key in new.keys().filter(|k| !old.contains_key(*k)) {
        if key.starts_with(APPARMOR_PREFIX) {
            errs.push(FieldError::forbidden(path.key(key), "may not add AppArmor annotations"));
        }
        if key == MIRROR {
            errs.push(FieldError::forbidden(
                path.key(key),
                "may not add mirror pod annotation",
            ));
        }
    }
    pod_specific(new_meta.annotations.as_ref(), spec, path, opts, errs);
}

/// `validateSeccompAnnotationsAndFields`: where both a seccomp annotation and the field
/// are set, they agree.
pub(super) fn seccomp_annotations_match_fields(
    meta: &ObjectMeta,
    spec: &PodSpec,
    spec_path: &FieldPath,
    errs: &mut Vec<FieldError>,
) {
    let Some(annotations) = meta.annotations.as_ref() else {
        return;
    };
    if let Some(field) = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.seccomp_profile.as_ref())
        && let Some(annotation) = annotations.get(SECCOMP_POD)
    {
        let here = spec_path.child("securityContext").child("seccompProfile");
        errs.extend(seccomp_mismatch(annotation, field, &here));
    }
    visit_containers(spec, spec_path, |c, c_path| {
        let Some(field) = c.security_context.and_then(|sc| sc.seccomp_profile.as_ref()) else {
            return;
        };
        if let Some(annotation) = annotations.get(&format!("{SECCOMP_CONTAINER_PREFIX}{}", c.name)) {
            let here = c_path.child("securityContext").child("seccompProfile");
            errs.extend(seccomp_mismatch(annotation, field, &here));
        }
    });
}

fn seccomp_mismatch(annotation: &str, field: &SeccompProfile, path: &FieldPath) -> Option<FieldError> {
    let type_mismatch = || FieldError::forbidden(path.child("type"), "seccomp type in annotation and field must match");
    match field.type_.as_str() {
        "Unconfined" if annotation != "unconfined" => Some(type_mismatch()),
        "RuntimeDefault" if annotation != "runtime/default" && annotation != "docker/default" => Some(type_mismatch()),
        "Localhost" => match annotation.strip_prefix("localhost/") {
            None => Some(type_mismatch()),
            Some(local) if field.localhost_profile.as_deref() != Some(local) => Some(FieldError::forbidden(
                path.child("localhostProfile"),
                "seccomp profile in annotation and field must match",
            )),
            Some(_) => None,
        },
        _ => None,
    }
}

/// `validateAppArmorAnnotationsAndFieldsMatchOnCreate`: a container's AppArmor
/// annotation agrees with its (or the pod's) profile field. Windows pods are skipped.
pub(super) fn apparmor_annotations_match_fields(
    meta: &ObjectMeta,
    spec: &PodSpec,
    spec_path: &FieldPath,
    errs: &mut Vec<FieldError>,
) {
    if spec.os.as_ref().is_some_and(|os| os.name == "windows") {
        return;
    }
    let Some(annotations) = meta.annotations.as_ref() else {
        return;
    };
    let pod_profile = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.app_armor_profile.as_ref());
    visit_containers(spec, spec_path, |c, c_path| {
        let Some(profile) = c
            .security_context
            .and_then(|sc| sc.app_armor_profile.as_ref())
            .or(pod_profile)
        else {
            return;
        };
        let Some(annotation) = annotations.get(&format!("{APPARMOR_PREFIX}{}", c.name)) else {
            return;
        };
        let here = c_path.child("securityContext").child("appArmorProfile");
        let type_mismatch =
            || FieldError::forbidden(here.child("type"), "apparmor type in annotation and field must match");
        match profile.type_.as_str() {
            "Unconfined" if annotation != "unconfined" => errs.push(type_mismatch()),
            "RuntimeDefault" if annotation != "runtime/default" => errs.push(type_mismatch()),
            "Localhost" => match annotation.strip_prefix("localhost/") {
                None => errs.push(type_mismatch()),
                Some(local) if profile.localhost_profile.as_deref() != Some(local) => errs.push(FieldError::forbidden(
                    here.child("localhostProfile"),
                    "apparmor profile in annotation and field must match",
                )),
                Some(_) => {}
            },
            _ => {}
        }
    });
}
