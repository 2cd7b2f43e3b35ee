//! CustomResourceDefinitions, as upstream's apiextensions-apiserver handles them.
//!
//! A CRD version's `openAPIV3Schema` is decoded once into a [`StructuralSchema`]; objects
//! of that version are then pruned ([`prune()`]), stripped of disallowed `null`s and
//! defaulted ([`prune_non_nullable_nulls()`], [`apply_defaults()`]) and validated
//! ([`validate()`]), in that order, as upstream does on every create and update
//! (pruning and defaulting also on every read from storage). The CRD object itself is
//! defaulted and checked by [`default_definition()`] and [`validate_definition()`],
//! which apply the rules a schema must follow to be accepted ([`check_structural()`]);
//! [`printer_columns`] renders a CRD's `additionalPrinterColumns` as table cells.
//!
//! Messages and field paths follow upstream (Kubernetes 1.36) byte for byte, quirks
//! included, wherever the printed value is one this crate can reproduce; each module
//! names the upstream code it mirrors. CEL (`x-kubernetes-validations` rules) is not
//! evaluated, and validation ratcheting on update is not done.

pub mod default;
pub mod definition;
mod formats;
mod go_regexp;
pub mod printer_columns;
pub mod prune;
mod rfc3339;
pub mod schema;
mod schema_rules;
pub mod selectable;
pub mod structural;
pub mod validate;

pub use default::{apply_defaults, prune_non_nullable_nulls};
pub use definition::{default_definition, validate_definition};
pub use prune::prune;
pub use schema::{AdditionalProperties, SchemaError, StructuralSchema};
pub use structural::check_structural;
pub use validate::validate;
