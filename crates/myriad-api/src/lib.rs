//! `myriad-api`: the rules of the Kubernetes object model, with no I/O — which resources
//! exist and how they are named and stored ([`registry`]), how built-in kinds are checked
//! against their typed form ([`typed`]) and patched ([`strategic_merge`]) and converted
//! between the versions that share storage ([`conversion`]), how object
//! names, labels, annotations and generic metadata are validated ([`validation`]), how
//! label and field selectors parse and match ([`labels`], [`fields`]), and how failures
//! are described: field-level errors ([`field_error`]) and the `Status` object every
//! error response carries ([`status`]); the one Kubernetes version served
//! ([`version`]) and the watch event rule ([`watch`]). Behaviour and message wording
//! follow upstream apimachinery to the byte, because kubectl, client libraries and
//! conformance tests read them; each module names the upstream code it mirrors.
//!
//! It does not serve HTTP, talk to storage, authenticate, run admission or keep any
//! state: those live in `myriad-apiserver` and `myriad-store`, which depend on this crate
//! and never the reverse. Everything here is a pure function of its inputs (except the
//! random suffix of [`validation::generate_name`]), so the API server, the watch cache
//! and controllers share one implementation of each rule.

pub mod builtin;
pub mod conversion;
pub mod crd;
pub mod custom;
pub mod defaults;
pub mod field_error;
pub mod fields;
mod go_format;
pub mod labels;
pub mod openapi;
pub mod pointer;
pub mod printers;
pub mod quantity;
pub mod registry;
pub mod schema;
pub mod status;
pub mod strategic_merge;
pub mod typed;
pub mod validation;
pub mod version;
pub mod watch;

pub use field_error::{FieldError, FieldErrorKind, FieldErrors, FieldPath, FieldValue};
pub use schema::{GroupKind, GroupResource};
pub use status::{Status, StatusCause, StatusDetails, StatusReason};
