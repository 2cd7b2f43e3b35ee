//! `fieldValidation` (`Ignore`, `Warn` — the default — or `Strict`): what happens to
//! fields a kind does not have (a built-in's typed form, a custom resource's schema).
//! Unknown fields are never stored; wrong types of built-ins are refused in every mode.

use myriad_api::registry::ResourceInfo;
use myriad_api::typed::TypedObject;
use myriad_api::{crd, typed};
use serde_json::Value;

use crate::error::ApiError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Ignore,
    Warn,
    Strict,
}

impl Mode {
    pub(crate) fn from_param(value: Option<&str>) -> Result<Mode, ApiError> {
        match value {
            None | Some("") | Some("Warn") => Ok(Mode::Warn),
            Some("Ignore") => Ok(Mode::Ignore),
            Some("Strict") => Ok(Mode::Strict),
            Some(other) => Err(ApiError::BadRequest(format!(
                "invalid fieldValidation directive: {other:?}; must be one of Ignore, Warn or Strict"
            ))),
        }
    }
}

/// What [`check`] found: the warnings to send, and a built-in object's typed form.
pub(crate) struct Checked {
    pub(crate) warnings: Vec<String>,
    pub(crate) typed: Option<TypedObject>,
}

/// Decodes `object` as its kind, replacing it with what Kubernetes would store (unknown
/// fields dropped); returns the warnings to send (`Warn`) and the typed form (the
/// kind's validation reads it instead of decoding again), or fails with Kubernetes'
/// decoding error (wrong types, or unknown fields under `Strict`).
pub(crate) fn check(info: &ResourceInfo, object: &mut Value, mode: Mode) -> Result<Checked, ApiError> {
    let cannot = |detail: String| {
        ApiError::BadRequest(format!(
            "{kind} in version \"{version}\" cannot be handled as a {kind}: {detail}",
            kind = info.kind,
            version = info.version
        ))
    };
    let (unknown, typed) = match &info.custom {
        Some(custom) => match &custom.structural {
            Some(schema) => (crd::prune(object, schema), None),
            None => (Vec::new(), None),
        },
        None => match typed::decode(info.group, info.version, info.kind, object) {
            Err(error) => return Err(cannot(error.0)),
            Ok(None) => (Vec::new(), None),
            Ok(Some(decoded)) => {
                *object = decoded.object;
                (decoded.unknown, Some(decoded.typed))
            }
        },
    };
    let described: Vec<String> = unknown.iter().map(|f| format!("unknown field \"{f}\"")).collect();
    let warnings = match mode {
        _ if described.is_empty() => Vec::new(),
        Mode::Strict => return Err(cannot(format!("strict decoding error: {}", described.join(", ")))),
        Mode::Warn => described,
        Mode::Ignore => Vec::new(),
    };
    Ok(Checked { warnings, typed })
}
