//! What the server owns in an object on each write, per kind — upstream's
//! `RESTCreateStrategy`/`RESTUpdateStrategy` and status strategies
//! (`pkg/registry/<group>/<resource>/strategy.go`), as data the API server applies:
//!
//! * on create, whether the object starts without a status (most kinds with a status
//!   subresource: only controllers write status) and whether it gets a generation;
//! * on a write to the object, the stored status is kept (when the kind has a status
//!   subresource) and the generation moves when the spec does;
//! * on a write to `…/status`, the spec and the metadata the status strategy resets
//!   come from the stored object, everything else from the request — upstream's
//!   `ResetObjectMetaForStatus` resets labels, annotations, finalizers, owner
//!   references, deletion timestamp and generation, but some kinds keep more of the
//!   request (a Deployment keeps its annotations, a Pod its labels and annotations);
//! * on DELETE without `propagationPolicy`, what happens to dependents.

/// When `metadata.generation` is set and moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Generation {
    /// The kind has none.
    None,
    /// 1 on create; +1 when `spec` changes.
    Spec,
    /// 1 on create; +1 when anything but `metadata` and `status` changes (custom
    /// resources, and kinds without a spec that upstream treats so).
    AllButMetadataAndStatus,
}

/// Dependents' fate when an owner is deleted without a `propagationPolicy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Propagation {
    /// The garbage collector deletes them in the background.
    Background,
    /// They stay (batch/v1 Jobs' pods, for compatibility).
    Orphan,
}

/// A kind's write rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Strategy {
    /// Create drops a status the client sent.
    pub clear_status_on_create: bool,
    pub generation: Generation,
    /// On `…/status` writes, the metadata fields (JSON pointers under `/metadata`) taken
    /// from the stored object; the rest of the metadata comes from the request. The
    /// spec always comes from the stored object.
    pub status_resets_metadata: &'static [&'static str],
    pub default_propagation: Propagation,
}

/// The metadata upstream's `ResetObjectMetaForStatus` takes from the stored object.
pub const RESET_METADATA_FOR_STATUS: &[&str] = &[
    "/metadata/deletionTimestamp",
    "/metadata/generation",
    "/metadata/labels",
    "/metadata/annotations",
    "/metadata/finalizers",
    "/metadata/ownerReferences",
];

impl Strategy {
    /// A kind without a status subresource and without a generation (ConfigMaps,
    /// Secrets, RBAC objects, …): every write changes what it says.
    pub const PLAIN: Strategy = Strategy {
        clear_status_on_create: false,
        generation: Generation::None,
        status_resets_metadata: RESET_METADATA_FOR_STATUS,
        default_propagation: Propagation::Background,
    };

    /// A kind with a spec and a status subresource: status starts empty and belongs to
    /// controllers, the generation follows the spec, status writes change only status.
    pub const SPEC_AND_STATUS: Strategy = Strategy {
        clear_status_on_create: true,
        generation: Generation::Spec,
        status_resets_metadata: RESET_METADATA_FOR_STATUS,
        default_propagation: Propagation::Background,
    };

    /// Custom resources: the generation follows everything but metadata and status.
    pub const CUSTOM: Strategy = Strategy {
        clear_status_on_create: true,
        generation: Generation::AllButMetadataAndStatus,
        status_resets_metadata: RESET_METADATA_FOR_STATUS,
        default_propagation: Propagation::Background,
    };
}
