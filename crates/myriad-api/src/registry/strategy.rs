//! What the server owns in an object on each write, per kind — upstream's
//! `RESTCreateStrategy`/`RESTUpdateStrategy` and status strategies
//! (`pkg/registry/<group>/<resource>/strategy.go`), as data the API server applies the
//! same way to every resource ([`ResourceInfo::prepare_create`],
//! [`ResourceInfo::prepare_update`]); the few rules that are code (a Pod's QoS class, a
//! Job's generated selector, a CertificateSigningRequest's requester) are hooks named
//! in the kind's entry (`strategies.rs`).
//!
//! * On create: whether a status the client sent is dropped (kinds whose status only
//!   controllers write) and whether the object gets `metadata.generation: 1`.
//! * On a write to the object: the server-owned metadata (uid, creationTimestamp,
//!   generation, deletionTimestamp) and the fields the kind keeps from the stored object
//!   (its status, a Namespace's finalizers, a CSR's spec) come from the stored object;
//!   the generation moves when the spec does (each kind says what counts).
//! * On a write to `…/status`: the spec (everything but status and metadata) comes from
//!   the stored object, and the metadata the kind's status strategy resets: nothing for
//!   most older kinds (a controller may relabel through `/status`), labels for a
//!   Deployment, owner references for a Pod, upstream's `ResetObjectMetaForStatus` set
//!   for newer kinds, all of it for flow-control objects and custom resources.
//! * `…/scale`, `…/approval`, `…/finalize` and `…/ephemeralcontainers` change one field
//!   each.
//! * Whether a PUT of a missing object creates it, and what DELETE without a
//!   `propagationPolicy` does to dependents.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::ResourceInfo;

/// When `metadata.generation` is set and moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Generation {
    /// The kind has none.
    None,
    /// 1 on create, and it never moves (PriorityClass: what could move it is immutable).
    Fixed,
    /// 1 on create; +1 when `spec` changes.
    Spec,
    /// 1 on create; +1 when `spec` or `metadata.annotations` change (Deployments: their
    /// annotations are copied to their ReplicaSets).
    SpecOrAnnotations,
    /// 1 on create; +1 when anything but `metadata` and `status` changes (custom
    /// resources, webhook configurations, PodTemplates).
    AllButMetadataAndStatus,
    /// 1 on create; +1 when anything but `metadata` changes (custom resources without
    /// a status subresource).
    AllButMetadata,
    /// 1 on create; +1 when anything but `metadata` changes, or the labels do
    /// (EndpointSlices).
    AllButMetadataOrLabels,
}

/// Dependents' fate when an owner is deleted without a `propagationPolicy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Propagation {
    /// The garbage collector deletes them in the background.
    Background,
    /// They stay: the `orphan` finalizer is added (batch/v1 Jobs and v1
    /// ReplicationControllers, for compatibility with their first versions).
    Orphan,
}

/// Which part of an object a write addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The object itself (PUT/PATCH of the resource).
    Main,
    /// `…/status`.
    Status,
    /// `…/scale`: the caller has set the replica count on a copy of the stored object.
    Scale,
    /// `…/approval` (CertificateSigningRequests): only `status.conditions`.
    Approval,
    /// `…/finalize` (Namespaces): everything but the status.
    Finalize,
    /// `…/ephemeralcontainers` (Pods): only `spec.ephemeralContainers`.
    EphemeralContainers,
}

impl Part {
    /// The part a subresource path names; `None` for subresources that are not a write
    /// to part of the object.
    pub fn of(subresource: Option<&str>) -> Option<Part> {
        Some(match subresource {
            None => Part::Main,
            Some("status") => Part::Status,
            Some("scale") => Part::Scale,
            Some("approval") => Part::Approval,
            Some("finalize") => Part::Finalize,
            Some("ephemeralcontainers") => Part::EphemeralContainers,
            Some(_) => return None,
        })
    }
}

/// Who asked for a create, for kinds that record it (a CSR's `spec.username`).
#[derive(Clone, Copy, Debug)]
pub struct Requester<'a> {
    pub username: &'a str,
    pub uid: &'a str,
    pub groups: &'a [String],
    pub extra: &'a BTreeMap<String, Vec<String>>,
}

/// Kind-specific create rule: the new object, who asked, the time now (RFC 3339).
pub type CreateHook = fn(&mut Value, &Requester<'_>, &str);
/// Kind-specific update rule: the part written, the new object, the stored one, the
/// time now.
pub type UpdateHook = fn(Part, &mut Value, &Value, &str);

/// A kind's write rules. Two strategies are equal when their rules as data are (the
/// hooks are named by the kind, not compared).
#[derive(Clone, Copy, Debug)]
pub struct Strategy {
    /// Create drops a status the client sent.
    pub clear_status_on_create: bool,
    pub generation: Generation,
    /// On writes to the object, the fields (JSON pointers) taken from the stored object.
    pub update_keeps: &'static [&'static str],
    /// On `…/status` writes, the metadata fields (JSON pointers under `/metadata`, or
    /// `/metadata` for all of it) taken from the stored object; the rest of the metadata
    /// comes from the request.
    pub status_resets_metadata: &'static [&'static str],
    /// A PUT of an object that does not exist creates it.
    pub allow_create_on_update: bool,
    pub default_propagation: Propagation,
    /// Runs on create after the rules above.
    pub on_create: Option<CreateHook>,
    /// Runs on writes to the object (and its scale) after the rules above, before the
    /// generation is decided.
    pub on_update: Option<UpdateHook>,
    /// Runs on `…/status` (and `…/approval`) writes after the rules above.
    pub on_status: Option<UpdateHook>,
}

/// The metadata upstream's `ResetObjectMetaForStatus` takes from the stored object
/// (deletionTimestamp and generation are the server's on every write anyway).
pub const RESET_METADATA_FOR_STATUS: &[&str] = &[
    "/metadata/labels",
    "/metadata/annotations",
    "/metadata/finalizers",
    "/metadata/ownerReferences",
];

/// Every field of the metadata.
pub const ALL_METADATA: &[&str] = &["/metadata"];

/// The stored status survives writes to the object.
pub const KEEP_STATUS: &[&str] = &["/status"];

/// Metadata the server owns: kept from the stored object on every update.
const SYSTEM_METADATA: &[&str] = &[
    "uid",
    "creationTimestamp",
    "namespace",
    "generation",
    "deletionTimestamp",
];

impl PartialEq for Strategy {
    fn eq(&self, other: &Self) -> bool {
        self.clear_status_on_create == other.clear_status_on_create
            && self.generation == other.generation
            && self.update_keeps == other.update_keeps
            && self.status_resets_metadata == other.status_resets_metadata
            && self.allow_create_on_update == other.allow_create_on_update
            && self.default_propagation == other.default_propagation
    }
}

impl Strategy {
    /// A kind without a status subresource and without a generation (ConfigMaps,
    /// Secrets, RBAC objects, …): every write changes what it says.
    pub const PLAIN: Strategy = Strategy {
        clear_status_on_create: false,
        generation: Generation::None,
        update_keeps: &[],
        status_resets_metadata: &[],
        allow_create_on_update: false,
        default_propagation: Propagation::Background,
        on_create: None,
        on_update: None,
        on_status: None,
    };

    /// A kind with a spec and a status subresource: status starts empty and belongs to
    /// controllers, the generation follows the spec, status writes change the status
    /// and the metadata.
    pub const SPEC_AND_STATUS: Strategy = Strategy {
        clear_status_on_create: true,
        generation: Generation::Spec,
        update_keeps: KEEP_STATUS,
        ..Strategy::PLAIN
    };

    /// Custom resources: the generation follows everything but metadata and status, and
    /// a status write changes the status alone.
    pub const CUSTOM: Strategy = Strategy {
        generation: Generation::AllButMetadataAndStatus,
        status_resets_metadata: ALL_METADATA,
        ..Strategy::SPEC_AND_STATUS
    };
}

impl ResourceInfo {
    /// Prepares a new object (system metadata already stamped): drops what the client
    /// may not set, starts the generation, runs the kind's create rule.
    pub fn prepare_create(&self, object: &mut Value, requester: &Requester<'_>, now: &str) {
        let strategy = self.strategy;
        if strategy.clear_status_on_create
            && let Some(root) = object.as_object_mut()
        {
            root.remove("status");
        }
        let metadata = metadata_mut(object);
        match strategy.generation {
            Generation::None => metadata.remove("generation"),
            _ => metadata.insert("generation".into(), json!(1)),
        };
        if let Some(hook) = strategy.on_create {
            hook(object, requester, now);
        }
    }

    /// Turns the client's new version of `part` into the object to store, given the
    /// stored object `old`: what the server owns and what the part may not change come
    /// from `old`; the generation moves by the kind's rule.
    pub fn prepare_update(&self, part: Part, new: &mut Value, old: &Value, now: &str) {
        let strategy = self.strategy;
        if let Some(root) = new.as_object_mut() {
            root.insert("kind".into(), json!(self.kind));
            root.insert("apiVersion".into(), json!(self.api_version()));
        }
        keep_system_metadata(new, old);
        match part {
            Part::Main | Part::Scale => {
                for pointer in strategy.update_keeps {
                    copy_pointer(new, old, pointer);
                }
                if let Some(hook) = strategy.on_update {
                    hook(part, new, old, now);
                }
            }
            Part::Status | Part::Approval => {
                let conditions = crate::pointer::get(new, "/status/conditions").cloned();
                keep_all_but_status_and_metadata(new, old);
                if part == Part::Approval {
                    copy_pointer(new, old, "/status");
                    set_pointer(new, "/status/conditions", conditions);
                }
                for pointer in strategy.status_resets_metadata {
                    copy_pointer(new, old, pointer);
                }
                keep_system_metadata(new, old);
                if let Some(hook) = strategy.on_status {
                    hook(part, new, old, now);
                }
            }
            Part::Finalize => copy_pointer(new, old, "/status"),
            Part::EphemeralContainers => {
                let containers = crate::pointer::get(new, "/spec/ephemeralContainers").cloned();
                keep_all_but_status_and_metadata(new, old);
                copy_pointer(new, old, "/status");
                set_pointer(new, "/spec/ephemeralContainers", containers);
                for pointer in RESET_METADATA_FOR_STATUS {
                    copy_pointer(new, old, pointer);
                }
            }
        }
        // Status strategies leave the generation alone: it counts changes of intent.
        let moves = !matches!(part, Part::Status | Part::Approval);
        if moves
            && generation_moves(strategy.generation, new, old)
            && let Some(generation) = crate::pointer::get(old, "/metadata/generation").and_then(Value::as_i64)
        {
            metadata_mut(new).insert("generation".into(), json!(generation + 1));
        }
    }
}

/// Whether the change from `old` to `new` moves the generation under `rule`.
fn generation_moves(rule: Generation, new: &Value, old: &Value) -> bool {
    let content_differs = |skip: &[&str]| {
        let fields = |object: &Value| -> Map<String, Value> {
            object
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(k, _)| !skip.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        !semantically_equal(&Value::Object(fields(new)), &Value::Object(fields(old)))
    };
    let differs =
        |pointer: &str| !semantically_equal_opt(crate::pointer::get(new, pointer), crate::pointer::get(old, pointer));
    match rule {
        Generation::None | Generation::Fixed => false,
        Generation::Spec => differs("/spec"),
        Generation::SpecOrAnnotations => differs("/spec") || differs("/metadata/annotations"),
        Generation::AllButMetadataAndStatus => content_differs(&["metadata", "status", "apiVersion", "kind"]),
        Generation::AllButMetadata => content_differs(&["metadata", "apiVersion", "kind"]),
        Generation::AllButMetadataOrLabels => {
            content_differs(&["metadata", "apiVersion", "kind"]) || differs("/metadata/labels")
        }
    }
}

/// Equality as upstream's `Semantic.DeepEqual` sees typed objects: a missing field, a
/// null and an empty list are the same (Go's nil and empty slices), and quantities
/// compare by value (`1000m` is `1`).
pub fn semantically_equal(a: &Value, b: &Value) -> bool {
    if is_nil(a) && is_nil(b) {
        return true;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.iter().all(|(k, v)| semantically_equal_opt(Some(v), y.get(k)))
                && y.iter().all(|(k, v)| x.contains_key(k) || is_nil(v))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| semantically_equal(a, b))
        }
        (Value::String(x), Value::String(y)) if x != y => {
            match (crate::quantity::Quantity::parse(x), crate::quantity::Quantity::parse(y)) {
                (Ok(p), Ok(q)) => p == q,
                _ => false,
            }
        }
        _ => a == b,
    }
}

fn semantically_equal_opt(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => semantically_equal(a, b),
        (Some(v), None) | (None, Some(v)) => is_nil(v),
        (None, None) => true,
    }
}

fn is_nil(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

/// The server-owned metadata of `old` in `new`; the resourceVersion is the store's.
fn keep_system_metadata(new: &mut Value, old: &Value) {
    let metadata = metadata_mut(new);
    for field in SYSTEM_METADATA {
        match crate::pointer::get(old, &format!("/metadata/{field}")) {
            Some(value) => metadata.insert((*field).into(), value.clone()),
            None => metadata.remove(*field),
        };
    }
    metadata.remove("resourceVersion");
}

/// `new` becomes `old` except for its status and metadata.
fn keep_all_but_status_and_metadata(new: &mut Value, old: &Value) {
    let status = new.get_mut("status").map(Value::take);
    let metadata = new.get_mut("metadata").map(Value::take);
    *new = old.clone();
    set_pointer(new, "/status", status);
    set_pointer(new, "/metadata", metadata);
}

/// Sets `pointer` in `new` to what `old` holds there (removing it when `old` has none).
pub(super) fn copy_pointer(new: &mut Value, old: &Value, pointer: &str) {
    set_pointer(new, pointer, crate::pointer::get(old, pointer).cloned());
}

/// Sets (or with `None` removes) the field at `pointer`, creating parent objects.
fn set_pointer(object: &mut Value, pointer: &str, value: Option<Value>) {
    let Some((parent, field)) = pointer.rsplit_once('/') else {
        return;
    };
    let field = field.replace("~1", "/").replace("~0", "~");
    match value {
        Some(value) => {
            let mut target = object;
            for segment in parent.split('/').skip(1) {
                let segment = segment.replace("~1", "/").replace("~0", "~");
                if !target.is_object() {
                    *target = json!({});
                }
                let Some(map) = target.as_object_mut() else {
                    return;
                };
                target = map.entry(segment).or_insert_with(|| json!({}));
            }
            if !target.is_object() {
                *target = json!({});
            }
            if let Some(map) = target.as_object_mut() {
                map.insert(field, value);
            }
        }
        None => {
            let parent = if parent.is_empty() {
                Some(object)
            } else {
                object.pointer_mut(parent)
            };
            if let Some(Value::Object(map)) = parent {
                map.remove(&field);
            }
        }
    }
}

/// The object's `metadata` map, made when missing or not an object.
fn metadata_mut(object: &mut Value) -> &mut Map<String, Value> {
    if !object.is_object() {
        *object = json!({});
    }
    let root = object.as_object_mut().expect("made an object above");
    let metadata = root.entry("metadata").or_insert_with(|| json!({}));
    if !metadata.is_object() {
        *metadata = json!({});
    }
    metadata.as_object_mut().expect("made an object above")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::lookup;

    const NOW: &str = "2026-12-05T10:00:00Z";

    fn requester() -> (Vec<String>, BTreeMap<String, Vec<String>>) {
        (vec!["system:authenticated".into()], BTreeMap::new())
    }

    #[test]
    fn deployments_keep_annotations_through_status_and_move_generation_on_them() {
        let deploy = lookup("apps", "v1", "deployments").unwrap();
        let old = json!({"metadata": {"name": "d", "uid": "u", "generation": 3, "labels": {"a": "1"}},
            "spec": {"replicas": 1}, "status": {"replicas": 1}});
        // The deployment controller writes the revision annotation through /status.
        let mut controller = json!({"metadata": {"name": "d", "labels": {"a": "2"},
            "annotations": {"deployment.kubernetes.io/revision": "1"}},
            "spec": {"replicas": 7}, "status": {"replicas": 2}});
        deploy.prepare_update(Part::Status, &mut controller, &old, NOW);
        assert_eq!(
            controller["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
            "1"
        );
        assert_eq!(controller["metadata"]["labels"], json!({"a": "1"}));
        assert_eq!(controller["spec"]["replicas"], 1);
        assert_eq!(controller["status"]["replicas"], 2);
        assert_eq!(controller["metadata"]["generation"], 3);
        assert_eq!(controller["metadata"]["uid"], "u");
        // A user's write keeps the status; an annotation alone moves the generation.
        let mut user = json!({"metadata": {"name": "d", "annotations": {"x": "y"}},
            "spec": {"replicas": 1}, "status": {"replicas": 99}});
        deploy.prepare_update(Part::Main, &mut user, &old, NOW);
        assert_eq!(user["status"]["replicas"], 1);
        assert_eq!(user["metadata"]["generation"], 4);
    }

    #[test]
    fn status_writes_take_metadata_as_each_kind_says() {
        let old = json!({"metadata": {"name": "x", "labels": {"a": "1"}, "ownerReferences": [{"uid": "o"}]},
            "spec": {"s": 1}, "status": {}});
        let new = json!({"metadata": {"name": "x", "labels": {"a": "2"}, "ownerReferences": []},
            "spec": {"s": 2}, "status": {"ok": true}});
        let write = |group: &str, resource: &str| {
            let mut object = new.clone();
            lookup(group, "v1", resource)
                .unwrap()
                .prepare_update(Part::Status, &mut object, &old, NOW);
            object
        };
        // ReplicaSets reset only the spec: a controller may relabel through /status.
        let rs = write("apps", "replicasets");
        assert_eq!(
            (rs["metadata"]["labels"]["a"].clone(), rs["spec"]["s"].clone()),
            (json!("2"), json!(1))
        );
        // Pods keep their owner references (old kubelets corrupt them).
        let pod = write("", "pods");
        assert_eq!(pod["metadata"]["ownerReferences"], json!([{"uid": "o"}]));
        assert_eq!(pod["metadata"]["labels"]["a"], "2");
        // VolumeAttachments reset the metadata as ResetObjectMetaForStatus does.
        let va = write("storage.k8s.io", "volumeattachments");
        assert_eq!(va["metadata"]["labels"]["a"], "1");
        // FlowSchemas take the whole metadata from the stored object.
        let fs = write("flowcontrol.apiserver.k8s.io", "flowschemas");
        assert_eq!(fs["metadata"], old["metadata"]);
        assert_eq!(fs["status"], json!({"ok": true}));
    }

    #[test]
    fn creates_reset_status_and_start_generations() {
        let (groups, extra) = requester();
        let who = Requester {
            username: "alice",
            uid: "1",
            groups: &groups,
            extra: &extra,
        };
        let mut deploy = json!({"metadata": {"name": "d", "generation": 9}, "spec": {}, "status": {"replicas": 3}});
        lookup("apps", "v1", "deployments")
            .unwrap()
            .prepare_create(&mut deploy, &who, NOW);
        assert_eq!(deploy, json!({"metadata": {"name": "d", "generation": 1}, "spec": {}}));
        // Nodes may be created with their status (the kubelet registers that way).
        let mut node = json!({"metadata": {"name": "n"}, "status": {"capacity": {"cpu": "2"}}});
        lookup("", "v1", "nodes").unwrap().prepare_create(&mut node, &who, NOW);
        assert_eq!(node["status"]["capacity"]["cpu"], "2");
        assert!(node["metadata"].get("generation").is_none());
        let mut cm = json!({"metadata": {"name": "c", "generation": 4}});
        lookup("", "v1", "configmaps")
            .unwrap()
            .prepare_create(&mut cm, &who, NOW);
        assert!(cm["metadata"].get("generation").is_none());
    }

    #[test]
    fn generation_rules() {
        let old = json!({"metadata": {"generation": 1, "labels": {"a": "1"}}, "spec": {"replicas": 1, "tolerations": []},
            "addressType": "IPv4", "endpoints": []});
        let moved = |rule, new: Value| generation_moves(rule, &new, &old);
        // Nil and empty lists are one value, as Go's Semantic.DeepEqual sees them.
        assert!(!moved(Generation::Spec, json!({"spec": {"replicas": 1}})));
        assert!(!moved(
            Generation::Spec,
            json!({"spec": {"replicas": 1, "tolerations": null}})
        ));
        assert!(moved(Generation::Spec, json!({"spec": {"replicas": 2}})));
        assert!(!moved(Generation::Fixed, json!({"spec": {"replicas": 2}})));
        let slice = json!({"metadata": {"labels": {"a": "2"}}, "spec": {"replicas": 1}, "addressType": "IPv4"});
        assert!(moved(Generation::AllButMetadataOrLabels, slice));
        assert!(!moved(
            Generation::AllButMetadataAndStatus,
            json!({"metadata": {"labels": {"b": "1"}}, "spec": {"replicas": 1}, "addressType": "IPv4", "status": {"x": 1}})
        ));
        // Quantities compare by value.
        assert!(semantically_equal(&json!({"cpu": "1000m"}), &json!({"cpu": "1"})));
        assert!(!semantically_equal(&json!({"cpu": "1001m"}), &json!({"cpu": "1"})));
    }

    #[test]
    fn one_field_subresources() {
        let ns = lookup("", "v1", "namespaces").unwrap();
        let old = json!({"metadata": {"name": "n"}, "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Terminating"}});
        let mut finalize =
            json!({"metadata": {"name": "n"}, "spec": {"finalizers": []}, "status": {"phase": "Active"}});
        ns.prepare_update(Part::Finalize, &mut finalize, &old, NOW);
        assert_eq!(finalize["spec"]["finalizers"], json!([]));
        assert_eq!(finalize["status"]["phase"], "Terminating");
        // A write to the namespace itself keeps its finalizers and status.
        let mut main = json!({"metadata": {"name": "n", "labels": {"x": "1"}}, "spec": {}});
        ns.prepare_update(Part::Main, &mut main, &old, NOW);
        assert_eq!(main["spec"]["finalizers"], json!(["kubernetes"]));
        assert_eq!(main["status"]["phase"], "Terminating");

        let pods = lookup("", "v1", "pods").unwrap();
        let pod = json!({"metadata": {"name": "p", "generation": 1, "labels": {"a": "1"}},
            "spec": {"containers": [{"name": "c"}]}, "status": {"phase": "Running"}});
        let mut debug = json!({"metadata": {"name": "p", "labels": {"a": "2"}},
            "spec": {"containers": [], "ephemeralContainers": [{"name": "dbg"}]}, "status": {}});
        pods.prepare_update(Part::EphemeralContainers, &mut debug, &pod, NOW);
        assert_eq!(debug["spec"]["containers"], json!([{"name": "c"}]));
        assert_eq!(debug["spec"]["ephemeralContainers"], json!([{"name": "dbg"}]));
        assert_eq!(debug["status"]["phase"], "Running");
        assert_eq!(debug["metadata"]["labels"]["a"], "1");
        assert_eq!(debug["metadata"]["generation"], 2);
    }

    #[test]
    fn pointers_are_copied_and_removed() {
        let mut new = json!({"spec": {"finalizers": ["x"]}});
        copy_pointer(&mut new, &json!({}), "/spec/finalizers");
        assert_eq!(new, json!({"spec": {}}));
        copy_pointer(&mut new, &json!({"a": {"b": {"c": 1}}}), "/a/b/c");
        assert_eq!(new["a"]["b"]["c"], 1);
    }
}
