//! The built-in kinds' own validation, as upstream's `pkg/apis/<group>/validation`
//! packages and the strategies' `Validate`/`ValidateUpdate` do it: a ConfigMap's keys
//! and total size, a Pod's containers, a Deployment's selector against its template,
//! a Service's ports and cluster IPs, the fields that may not change on update. Every
//! rule reports upstream's field paths and messages, because clients and users read
//! them.
//!
//! Each module holds one area and offers `validate(group, kind, new, old)`, `None` for
//! kinds it does not know; [`validate`] asks them in turn. A module decodes the object
//! into its typed form (k8s-openapi's structs) with [`typed`], so rules read like the
//! API they check. Metadata (names, labels, annotations, finalizers) is checked
//! elsewhere (`validation::validate_object_meta`), for every kind alike.

mod access;
mod apps;
mod autoscaling;
mod batch;
mod cluster;
pub mod common;
mod config;
mod networking;
mod pods;
mod policy;
mod services;
mod storage;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::field_error::FieldError;
use crate::registry::Part;
use crate::typed::TypedObject;

/// The errors of `new` (an object of the built-in `group`/`kind`, defaulted, its
/// unknown fields dropped) as created (`old` is `None`) or as an update of `old`.
pub fn validate(group: &str, kind: &str, new: &Value, old: Option<&Value>) -> Vec<FieldError> {
    validate_input(group, kind, Input::from(new), old)
}

/// [`validate`] for an object field validation has just decoded (`typed::decode`):
/// `decoded` is its typed form, used instead of decoding `new` again.
pub fn validate_decoded(
    group: &str,
    kind: &str,
    new: &Value,
    decoded: &TypedObject,
    old: Option<&Value>,
) -> Vec<FieldError> {
    validate_input(
        group,
        kind,
        Input {
            value: new,
            typed: Some(decoded),
        },
        old,
    )
}

/// The object being validated: its JSON, and its typed form when the caller already
/// has it.
#[derive(Clone, Copy)]
pub(crate) struct Input<'a> {
    value: &'a Value,
    typed: Option<&'a TypedObject>,
}

impl<'a> From<&'a Value> for Input<'a> {
    fn from(value: &'a Value) -> Self {
        Input { value, typed: None }
    }
}

impl std::ops::Deref for Input<'_> {
    type Target = Value;
    fn deref(&self) -> &Value {
        self.value
    }
}

fn validate_input(group: &str, kind: &str, new: Input<'_>, old: Option<&Value>) -> Vec<FieldError> {
    let areas = [
        config::validate,
        pods::validate,
        apps::validate,
        batch::validate,
        autoscaling::validate,
        policy::validate,
        services::validate,
        networking::validate,
        storage::validate,
        cluster::validate,
        access::validate,
    ];
    areas
        .iter()
        .find_map(|area| area(group, kind, new, old))
        .unwrap_or_default()
}

/// The errors of a write to `part` of `old` other than the object itself (its
/// strategy has already taken everything the part may not change from `old`):
///
/// - `status`: upstream's `ValidateXStatusUpdate` — counts that may not be negative,
///   conditions, the metadata an update may change;
/// - `scale`: the kind's own update validation, with the new replica count;
/// - `approval` (CertificateSigningRequests): the Approved and Denied conditions;
/// - `finalize` (Namespaces): `spec.finalizers`;
/// - `ephemeralcontainers` (Pods): added ephemeral containers only.
pub fn validate_part(group: &str, kind: &str, part: Part, new: &Value, old: &Value) -> Vec<FieldError> {
    match (group, kind, part) {
        (_, _, Part::Main | Part::Scale) => validate(group, kind, new, Some(old)),
        ("", "Pod", Part::Status) => pods::pod_status_update(new, old),
        ("", "Pod", Part::EphemeralContainers) => pods::pod_ephemeral_containers_update(new, old),
        ("", "Namespace", Part::Finalize) => cluster::validate_namespace_finalize(new, Some(old)),
        ("certificates.k8s.io", "CertificateSigningRequest", Part::Approval) => {
            access::validate_csr_approval(new, Some(old))
        }
        (_, _, Part::Status) => validate_status(group, kind, new, old),
        // A part the kind does not serve never reaches validation.
        _ => Vec::new(),
    }
}

/// The errors of a `status` write, for the kinds that check one.
fn validate_status(group: &str, kind: &str, new: &Value, old: &Value) -> Vec<FieldError> {
    let areas = [
        apps::status_update,
        batch::status_update,
        autoscaling::status_update,
        policy::status_update,
        services::validate_status,
        networking::validate_status,
        storage::validate_status,
        cluster::validate_status,
        access::validate_status,
    ];
    areas
        .iter()
        .find_map(|area| area(group, kind, new, old))
        .unwrap_or_default()
}

/// Runs `check` on `new` and `old` decoded as `T` (`new`'s typed form is reused when
/// the input carries it). An object that does not decode is refused earlier (field
/// validation decodes every built-in object), so a failure here is the server's own:
/// an internal error.
pub(crate) fn typed<'a, T: DeserializeOwned + 'static>(
    new: impl Into<Input<'a>>,
    old: Option<&Value>,
    check: impl FnOnce(&T, Option<&T>) -> Vec<FieldError>,
) -> Vec<FieldError> {
    let decode = |value: &Value| T::deserialize(value);
    let new: Input<'a> = new.into();
    let decoded;
    let new: &T = match new.typed.and_then(TypedObject::downcast_ref::<T>) {
        Some(typed) => typed,
        None => match decode(new.value) {
            Ok(typed) => {
                decoded = typed;
                &decoded
            }
            Err(error) => return vec![FieldError::internal("<object>", error)],
        },
    };
    let old = match old.map(decode).transpose() {
        Ok(old) => old,
        Err(error) => return vec![FieldError::internal("<object>", error)],
    };
    check(new, old.as_ref())
}
