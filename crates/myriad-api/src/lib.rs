//! `myriad-api`: the rules of the Kubernetes object model, with no I/O — which resources
//! exist and how they are named and stored, how object names and labels are validated,
//! how selectors match, and how failures are described as `Status` objects. The API
//! server and every component depend on it; it depends on nothing of theirs.

pub mod registry;
pub mod strategic_merge;
pub mod typed;
