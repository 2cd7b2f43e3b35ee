//! Cluster-scoped and cluster-wide kinds (`pkg/apis/core/validation` and the
//! coordination, scheduling, node and events groups): Namespaces, Nodes, Leases, Events
//! (core/v1 and events.k8s.io/v1), ServiceAccounts, ResourceQuotas, LimitRanges,
//! PriorityClasses and RuntimeClasses.
//!
//! Also the resource rules other modules share: resource names (standard, quota,
//! container, extended), quantities as upstream prints them (`Quantity.String()`, the
//! canonical form: `1536Mi`, `500m`), node selectors and tolerations.
//!
//! Upstream iterates Go maps (random order) where a list of resources is checked;
//! here they are checked in key order, so the errors are the same set in a stable
//! order.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{
    ConfigMapNodeConfigSource, Event as CoreEvent, EventSource, LimitRange, Namespace, Node, NodeConfigSource,
    NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, ObjectReference, ResourceQuota, ResourceQuotaSpec,
    ResourceQuotaStatus, Taint, Toleration, TopologySelectorTerm,
};
use k8s_openapi::api::events::v1::Event as EventsEvent;
use k8s_openapi::api::node::v1::RuntimeClass;
use k8s_openapi::api::scheduling::v1::PriorityClass;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as ApiQuantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, Time};
use serde::Serialize;
use serde_json::Value;

use super::services::{Cidr, dns_label, dns_subdomain, label_value, parse_cidr, qualified_name, valid_cidr};
use super::{Input, typed};
use crate::field_error::{FieldError, FieldPath, FieldValue};
use crate::quantity::{Amount, Quantity, QuantityError};
use crate::validation::{is_dns1123_label, is_qualified_name, is_valid_label_value, validate_labels};

pub(super) fn validate(group: &str, kind: &str, new: Input<'_>, old: Option<&Value>) -> Option<Vec<FieldError>> {
    Some(match (group, kind) {
        ("", "Namespace") => typed(new, old, namespace),
        ("", "Node") => typed(new, old, node),
        ("", "ServiceAccount") => Vec::new(),
        ("", "Event") => typed(new, old, |new: &CoreEvent, old: Option<&CoreEvent>| {
            event(&core_event(new), old.map(core_event).as_ref(), false)
        }),
        ("events.k8s.io", "Event") => typed(new, old, |new: &EventsEvent, old: Option<&EventsEvent>| {
            event(&events_event(new), old.map(events_event).as_ref(), true)
        }),
        ("", "ResourceQuota") => typed(new, old, resource_quota),
        ("", "LimitRange") => typed(new, old, |new: &LimitRange, _| limit_range(new)),
        ("coordination.k8s.io", "Lease") => typed(new, old, |new: &Lease, _| lease(new)),
        ("scheduling.k8s.io", "PriorityClass") => typed(new, old, priority_class),
        ("node.k8s.io", "RuntimeClass") => typed(new, old, runtime_class),
        _ => return None,
    })
}

/// The errors of a status update (`.../status`) of the kinds this module covers, as
/// their status strategies validate them.
pub(super) fn validate_status(group: &str, kind: &str, new: &Value, old: &Value) -> Option<Vec<FieldError>> {
    Some(match (group, kind) {
        ("", "Namespace") => typed(new, Some(old), |new: &Namespace, _| namespace_status(new)),
        ("", "Node") => typed(new, Some(old), |new: &Node, old: Option<&Node>| match old {
            Some(old) => node_update(new, old),
            None => Vec::new(),
        }),
        ("", "ResourceQuota") => typed(new, Some(old), |new: &ResourceQuota, _| {
            let mut errs = Vec::new();
            if let Some(status) = &new.status {
                quota_status(&mut errs, status, &FieldPath::new("status"));
            }
            errs
        }),
        _ => return None,
    })
}

/// The errors of a Namespace `finalize` update (`PUT .../finalize`), which alone may
/// change `spec.finalizers`.
pub(super) fn validate_namespace_finalize(new: &Value, old: Option<&Value>) -> Vec<FieldError> {
    typed(new, old, |new: &Namespace, _| {
        let mut errs = Vec::new();
        let path = FieldPath::new("spec").child("finalizers");
        for (i, finalizer) in namespace_finalizers(new).iter().enumerate() {
            finalizer_name(&mut errs, finalizer, &path.index(i));
        }
        errs
    })
}

// ---------------------------------------------------------------------------------
// Quantities and resource names.

const QUANTITY_FORMAT_ERROR: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/// Parses a quantity field, reporting one that does not parse. Upstream refuses such
/// an object while decoding it (`400`, with the same text); here it is a field error,
/// since the typed form keeps quantities as strings.
pub(super) fn amount(errs: &mut Vec<FieldError>, quantity: &ApiQuantity, path: &FieldPath) -> Option<Amount> {
    match Amount::parse(&quantity.0) {
        Ok(amount) => Some(amount),
        Err(error) => {
            let detail = match error {
                QuantityError::Format => QUANTITY_FORMAT_ERROR.to_string(),
                other => other.to_string(),
            };
            errs.push(FieldError::invalid(path, quantity.0.as_str(), detail));
            None
        }
    }
}

const HUGEPAGES_PREFIX: &str = "hugepages-";

fn is_hugepages(name: &str) -> bool {
    name.starts_with(HUGEPAGES_PREFIX)
}

fn is_quota_hugepages(name: &str) -> bool {
    is_hugepages(name) || name.starts_with("requests.hugepages-")
}

/// `IsNativeResource`: unprefixed, or in a `kubernetes.io/` namespace.
pub(super) fn is_native_resource(name: &str) -> bool {
    !name.contains('/') || name.contains("kubernetes.io/")
}

/// `IsExtendedResourceName`.
fn is_extended_resource(name: &str) -> bool {
    if is_native_resource(name) || name.starts_with("requests.") {
        return false;
    }
    is_qualified_name(&format!("requests.{name}")).is_empty()
}

fn is_overcommit_allowed(name: &str) -> bool {
    is_native_resource(name) && !is_hugepages(name)
}

const STANDARD_RESOURCES: [&str; 20] = [
    "cpu",
    "memory",
    "ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.ephemeral-storage",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "pods",
    "resourcequotas",
    "services",
    "replicationcontrollers",
    "secrets",
    "configmaps",
    "persistentvolumeclaims",
    "storage",
    "requests.storage",
    "services.nodeports",
    "services.loadbalancers",
];

const STANDARD_QUOTA_RESOURCES: [&str; 19] = [
    "cpu",
    "memory",
    "ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.storage",
    "requests.ephemeral-storage",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "pods",
    "resourcequotas",
    "services",
    "replicationcontrollers",
    "secrets",
    "persistentvolumeclaims",
    "configmaps",
    "services.nodeports",
    "services.loadbalancers",
];

const INTEGER_RESOURCES: [&str; 9] = [
    "pods",
    "resourcequotas",
    "services",
    "replicationcontrollers",
    "secrets",
    "configmaps",
    "persistentvolumeclaims",
    "services.nodeports",
    "services.loadbalancers",
];

fn is_standard_quota_resource(name: &str) -> bool {
    STANDARD_QUOTA_RESOURCES.contains(&name) || is_quota_hugepages(name)
}

/// `validateResourceName`: a qualified name; unprefixed names must be standard.
/// Whether it passed.
pub(super) fn resource_name(errs: &mut Vec<FieldError>, name: &str, path: &FieldPath) -> bool {
    let before = errs.len();
    qualified_name(errs, name, path);
    if errs.len() != before {
        return false;
    }
    let standard = STANDARD_RESOURCES.contains(&name) || is_quota_hugepages(name);
    if !name.contains('/') && !standard {
        errs.push(FieldError::invalid(
            path,
            name,
            "must be a standard resource type or fully qualified",
        ));
        return false;
    }
    true
}

/// `validateContainerResourceName`.
pub(super) fn container_resource_name(errs: &mut Vec<FieldError>, name: &str, path: &FieldPath) {
    resource_name(errs, name, path);
    if !name.contains('/') {
        if !(matches!(name, "cpu" | "memory" | "ephemeral-storage") || is_hugepages(name)) {
            errs.push(FieldError::invalid(
                path,
                name,
                "must be a standard resource for containers",
            ));
        }
    } else if !is_native_resource(name) && !is_extended_resource(name) {
        errs.push(FieldError::invalid(
            path,
            name,
            "doesn't follow extended resource name standard",
        ));
    }
}

/// `ValidateResourceQuotaResourceName`.
fn quota_resource_name(errs: &mut Vec<FieldError>, name: &str, path: &FieldPath) {
    resource_name(errs, name, path);
    if !name.contains('/') && !is_standard_quota_resource(name) {
        errs.push(FieldError::invalid(path, name, "must be a standard resource for quota"));
    }
}

/// `ValidateResourceQuantityValue`: not negative; whole for countable resources.
pub(super) fn resource_quantity_value(errs: &mut Vec<FieldError>, name: &str, amount: &Amount, path: &FieldPath) {
    if amount.value.is_negative() {
        errs.push(FieldError::invalid(
            path,
            amount.quoted(),
            "must be greater than or equal to 0",
        ));
    }
    if (INTEGER_RESOURCES.contains(&name) || is_extended_resource(name)) && amount.milli() % 1000 != 0 {
        errs.push(FieldError::invalid(path, amount.bare(), "must be an integer"));
    }
}

/// A resource list checked as container limits (`ValidateContainerResourceRequirements`
/// with limits only), as RuntimeClass overhead is: names, quantities, hugepage sizes.
fn container_limits(errs: &mut Vec<FieldError>, limits: &BTreeMap<String, ApiQuantity>, path: &FieldPath) {
    let limits_path = path.child("limits");
    let mut cpu_or_memory = false;
    let mut hugepages = false;
    for (name, quantity) in limits {
        let here = limits_path.key(name);
        container_resource_name(errs, name, &here);
        let Some(amount) = amount(errs, quantity, &here) else {
            continue;
        };
        resource_quantity_value(errs, name, &amount, &here);
        if let Some(size) = name.strip_prefix(HUGEPAGES_PREFIX) {
            hugepages = true;
            let divisible = Amount::parse(size).is_ok_and(|page| {
                page.value.nanos() > 0 && page.milli() % 1000 == 0 && amount.units() % page.units() == 0
            });
            if !divisible {
                errs.push(FieldError::invalid(
                    &here,
                    amount.quoted(),
                    format!("{} is not positive integer multiple of {name}", amount.canonical()),
                ));
            }
        }
        cpu_or_memory |= matches!(name.as_str(), "cpu" | "memory");
    }
    if hugepages && !cpu_or_memory {
        errs.push(FieldError::forbidden(path, "HugePages require cpu or memory"));
    }
}

// ---------------------------------------------------------------------------------
// Node selectors, topology selectors and tolerations.

/// `ValidateNodeSelectorRequirement` (label values always checked).
fn node_selector_requirement(errs: &mut Vec<FieldError>, req: &NodeSelectorRequirement, path: &FieldPath) {
    let values = req.values.as_deref().unwrap_or_default();
    match req.operator.as_str() {
        "In" | "NotIn" if values.is_empty() => errs.push(FieldError::required(
            path.child("values"),
            "must be specified when `operator` is 'In' or 'NotIn'",
        )),
        "Exists" | "DoesNotExist" if !values.is_empty() => errs.push(FieldError::forbidden(
            path.child("values"),
            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
        )),
        "Gt" | "Lt" if values.len() != 1 => errs.push(FieldError::required(
            path.child("values"),
            "must be specified single value when `operator` is 'Lt' or 'Gt'",
        )),
        "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt" => {}
        other => errs.push(FieldError::invalid(
            path.child("operator"),
            other,
            "not a valid selector operator",
        )),
    }
    qualified_name(errs, &req.key, &path.child("key"));
    for (i, value) in values.iter().enumerate() {
        label_value(errs, value, &path.child("values").index(i));
    }
}

/// `ValidateNodeFieldSelectorRequirement`: only `metadata.name`, one value.
fn node_field_selector_requirement(errs: &mut Vec<FieldError>, req: &NodeSelectorRequirement, path: &FieldPath) {
    let values = req.values.as_deref().unwrap_or_default();
    match req.operator.as_str() {
        "In" | "NotIn" => {
            if values.len() != 1 {
                errs.push(FieldError::required(
                    path.child("values"),
                    "must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
                ));
            }
        }
        other => errs.push(FieldError::invalid(
            path.child("operator"),
            other,
            "not a valid selector operator",
        )),
    }
    if req.key != "metadata.name" {
        errs.push(FieldError::invalid(
            path.child("key"),
            req.key.as_str(),
            "not a valid field selector key",
        ));
    } else {
        for (i, value) in values.iter().enumerate() {
            dns_subdomain(errs, value, &path.child("values").index(i));
        }
    }
}

fn node_selector_term(errs: &mut Vec<FieldError>, term: &NodeSelectorTerm, path: &FieldPath) {
    for (i, req) in term.match_expressions.iter().flatten().enumerate() {
        node_selector_requirement(errs, req, &path.child("matchExpressions").index(i));
    }
    for (i, req) in term.match_fields.iter().flatten().enumerate() {
        node_field_selector_requirement(errs, req, &path.child("matchFields").index(i));
    }
}

/// `ValidateNodeSelector`: at least one term, each valid.
pub(super) fn node_selector(errs: &mut Vec<FieldError>, selector: &NodeSelector, path: &FieldPath) {
    let terms_path = path.child("nodeSelectorTerms");
    if selector.node_selector_terms.is_empty() {
        errs.push(FieldError::required(
            terms_path,
            "must have at least one node selector term",
        ));
        return;
    }
    for (i, term) in selector.node_selector_terms.iter().enumerate() {
        node_selector_term(errs, term, &terms_path.index(i));
    }
}

/// `ValidateTopologySelectorTerm`: each key once, each with distinct values. Returns
/// the term as key → values, for the callers that compare terms.
pub(super) fn topology_selector_term(
    errs: &mut Vec<FieldError>,
    term: &TopologySelectorTerm,
    path: &FieldPath,
) -> BTreeMap<String, BTreeSet<String>> {
    let mut terms: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let path = path.child("matchLabelExpressions");
    for (i, req) in term.match_label_expressions.iter().flatten().enumerate() {
        let here = path.index(i);
        let values_path = here.child("values");
        if req.values.is_empty() {
            errs.push(FieldError::required(&values_path, ""));
        }
        let mut values = BTreeSet::new();
        for (j, value) in req.values.iter().enumerate() {
            if !values.insert(value.clone()) {
                errs.push(FieldError::duplicate(values_path.index(j), value.as_str()));
            }
        }
        qualified_name(errs, &req.key, &here.child("key"));
        if terms.contains_key(&req.key) {
            errs.push(FieldError::duplicate(here.child("key"), req.key.as_str()));
        }
        terms.insert(req.key.clone(), values);
    }
    terms
}

const TAINT_EFFECTS: [&str; 3] = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

fn taint_effect(errs: &mut Vec<FieldError>, effect: &str, allow_empty: bool, path: &FieldPath) {
    if effect.is_empty() && !allow_empty {
        errs.push(FieldError::required(path, ""));
        return;
    }
    if !TAINT_EFFECTS.contains(&effect) {
        errs.push(FieldError::not_supported(path, effect, &TAINT_EFFECTS));
    }
}

/// `ValidateTolerations`. Upstream reports a bad value under `operator`; kept.
pub(super) fn tolerations(errs: &mut Vec<FieldError>, tolerations: &[Toleration], path: &FieldPath) {
    for (i, toleration) in tolerations.iter().enumerate() {
        let here = path.index(i);
        let key = toleration.key.as_deref().unwrap_or("");
        let operator = toleration.operator.as_deref().unwrap_or("");
        let effect = toleration.effect.as_deref().unwrap_or("");
        let value = toleration.value.as_deref().unwrap_or("");
        if !key.is_empty() {
            qualified_name(errs, key, &here.child("key"));
        }
        if key.is_empty() && operator != "Exists" {
            errs.push(FieldError::invalid(
                here.child("operator"),
                operator,
                "operator must be Exists when `key` is empty, which means \"match all values and all keys\"",
            ));
        }
        if toleration.toleration_seconds.is_some() && effect != "NoExecute" {
            errs.push(FieldError::invalid(
                here.child("effect"),
                effect,
                "effect must be 'NoExecute' when `tolerationSeconds` is set",
            ));
        }
        match operator {
            "Equal" | "" => {
                let msgs = is_valid_label_value(value);
                if !msgs.is_empty() {
                    errs.push(FieldError::invalid(here.child("operator"), value, msgs.join(";")));
                }
            }
            "Exists" => {
                if !value.is_empty() {
                    errs.push(FieldError::invalid(
                        here.child("operator"),
                        value,
                        "value must be empty when `operator` is 'Exists'",
                    ));
                }
            }
            other => errs.push(FieldError::not_supported(
                here.child("operator"),
                other,
                &["Equal", "Exists"],
            )),
        }
        if !effect.is_empty() {
            taint_effect(errs, effect, true, &here.child("effect"));
        }
    }
}

// ---------------------------------------------------------------------------------
// Namespaces.

fn namespace_finalizers(namespace: &Namespace) -> &[String] {
    namespace
        .spec
        .as_ref()
        .and_then(|s| s.finalizers.as_deref())
        .unwrap_or_default()
}

/// `validateFinalizerName`: a qualified name; unprefixed only the standard ones.
fn finalizer_name(errs: &mut Vec<FieldError>, name: &str, path: &FieldPath) {
    qualified_name(errs, name, path);
    if !name.contains('/') && !matches!(name, "kubernetes" | "orphan" | "foregroundDeletion") {
        errs.push(FieldError::invalid(
            path,
            name,
            "name is neither a standard finalizer name nor is it fully qualified",
        ));
    }
}

fn namespace(new: &Namespace, old: Option<&Namespace>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    // On update only metadata is checked: the finalizers change through `finalize`.
    if old.is_none() {
        // Upstream reports every finalizer at the list's path, without an index.
        let path = FieldPath::new("spec").child("finalizers");
        for finalizer in namespace_finalizers(new) {
            finalizer_name(&mut errs, finalizer, &path);
        }
    }
    errs
}

fn namespace_status(namespace: &Namespace) -> Vec<FieldError> {
    let phase = namespace.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("");
    // Upstream's path is capitalised.
    let path = FieldPath::new("status").child("Phase");
    if namespace.metadata.deletion_timestamp.is_none() {
        if phase != "Active" {
            return vec![FieldError::invalid(
                path,
                phase,
                "may only be 'Active' if `deletionTimestamp` is empty",
            )];
        }
    } else if phase != "Terminating" {
        return vec![FieldError::invalid(
            path,
            phase,
            "may only be 'Terminating' if `deletionTimestamp` is not empty",
        )];
    }
    Vec::new()
}

// ---------------------------------------------------------------------------------
// Nodes.

/// A taint as upstream prints the internal `core.Taint` (Go field names).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GoTaint<'a> {
    key: &'a str,
    value: &'a str,
    effect: &'a str,
    time_added: Option<&'a Time>,
}

/// `validateNodeTaints`: keys, values, effects, unique by key and effect.
fn node_taints(errs: &mut Vec<FieldError>, taints: &[Taint], path: &FieldPath) {
    let mut seen: HashSet<(&str, &str)> = HashSet::new();
    for (i, taint) in taints.iter().enumerate() {
        let here = path.index(i);
        qualified_name(errs, &taint.key, &here.child("key"));
        let value = taint.value.as_deref().unwrap_or("");
        let msgs = is_valid_label_value(value);
        if !msgs.is_empty() {
            errs.push(FieldError::invalid(here.child("value"), value, msgs.join(";")));
        }
        taint_effect(errs, &taint.effect, false, &here.child("effect"));
        if !seen.insert((taint.effect.as_str(), taint.key.as_str())) {
            let shown = GoTaint {
                key: &taint.key,
                value,
                effect: &taint.effect,
                time_added: taint.time_added.as_ref(),
            };
            errs.push(FieldError {
                detail: "taints must be unique by key and effect pair".to_string(),
                ..FieldError::duplicate(&here, FieldValue::json(&shown))
            });
        }
    }
}

/// The pod CIDRs a v1 Node carries: `podCIDRs`, or the single `podCIDR` of old clients.
fn pod_cidrs(node: &Node) -> Vec<&str> {
    let Some(spec) = &node.spec else { return Vec::new() };
    match spec.pod_cidrs.as_deref() {
        Some(cidrs) if !cidrs.is_empty() => cidrs.iter().map(String::as_str).collect(),
        _ => spec.pod_cidr.as_deref().filter(|c| !c.is_empty()).into_iter().collect(),
    }
}

fn node_resources(errs: &mut Vec<FieldError>, node: &Node) {
    let Some(status) = &node.status else { return };
    // Upstream builds these paths with `Child`, not `Key`: `status.capacity.cpu`.
    for (field, list) in [("capacity", &status.capacity), ("allocatable", &status.allocatable)] {
        for (name, quantity) in list.iter().flatten() {
            let path = FieldPath::new("status").child(field).child(name);
            if let Some(amount) = amount(errs, quantity, &path) {
                resource_quantity_value(errs, name, &amount, &path);
            }
        }
    }
}

/// `ValidateNode`.
fn node_create(node: &Node) -> Vec<FieldError> {
    let mut errs = Vec::new();
    // Upstream reports taints under `metadata`, its path variable there.
    let taints = node.spec.as_ref().and_then(|s| s.taints.as_deref()).unwrap_or_default();
    node_taints(&mut errs, taints, &FieldPath::new("metadata").child("taints"));
    node_resources(&mut errs, node);
    let cidrs = pod_cidrs(node);
    let path = FieldPath::new("spec").child("podCIDRs");
    let mut parsed: Vec<Cidr> = Vec::with_capacity(cidrs.len());
    for (i, cidr) in cidrs.iter().enumerate() {
        if valid_cidr(&mut errs, cidr, &path.index(i))
            && let Some(cidr) = parse_cidr(cidr)
        {
            parsed.push(cidr);
        }
    }
    if cidrs.len() > 1 {
        if parsed.len() != cidrs.len() {
            errs.push(FieldError::internal(
                &path,
                "invalid PodCIDRs. failed to check with dual stack with error:invalid CIDR",
            ));
        }
        let v4 = parsed.iter().filter(|c| c.is_ipv4()).count();
        let dual = v4 > 0 && v4 < parsed.len();
        if !dual || cidrs.len() > 2 {
            errs.push(FieldError::invalid(
                &path,
                FieldValue::json(&cidrs),
                "may specify no more than one CIDR for each IP family",
            ));
        }
        let mut seen: HashSet<&str> = HashSet::new();
        for (i, cidr) in cidrs.iter().enumerate() {
            if !seen.insert(cidr) {
                errs.push(FieldError::duplicate(path.index(i), *cidr));
            }
        }
    }
    errs
}

/// A config map node config source as upstream prints the internal struct.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GoConfigSource<'a> {
    config_map: Option<GoConfigMapSource<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GoConfigMapSource<'a> {
    namespace: &'a str,
    name: &'a str,
    #[serde(rename = "UID")]
    uid: &'a str,
    resource_version: &'a str,
    kubelet_config_key: &'a str,
}

/// The deprecated dynamic kubelet config source (still validated for compatibility):
/// exactly one reference; in the spec without uid and resourceVersion, in the status
/// with them.
fn node_config_source(errs: &mut Vec<FieldError>, source: &NodeConfigSource, in_status: bool, path: &FieldPath) {
    let shown = GoConfigSource {
        config_map: source.config_map.as_ref().map(|cm| GoConfigMapSource {
            namespace: &cm.namespace,
            name: &cm.name,
            uid: cm.uid.as_deref().unwrap_or(""),
            resource_version: cm.resource_version.as_deref().unwrap_or(""),
            kubelet_config_key: &cm.kubelet_config_key,
        }),
    };
    match &source.config_map {
        Some(config_map) => config_map_config_source(errs, config_map, in_status, &path.child("configMap")),
        None => errs.push(FieldError::invalid(
            path,
            FieldValue::json(&shown),
            "exactly one reference subfield must be non-nil",
        )),
    }
}

fn config_map_config_source(
    errs: &mut Vec<FieldError>,
    source: &ConfigMapNodeConfigSource,
    in_status: bool,
    path: &FieldPath,
) {
    let uid = source.uid.as_deref().unwrap_or("");
    let resource_version = source.resource_version.as_deref().unwrap_or("");
    if in_status {
        if uid.is_empty() {
            errs.push(FieldError::required(path.child("uid"), "uid must be set in status"));
        }
        if resource_version.is_empty() {
            errs.push(FieldError::required(
                path.child("resourceVersion"),
                "resourceVersion must be set in status",
            ));
        }
    } else {
        if !uid.is_empty() {
            errs.push(FieldError::forbidden(path.child("uid"), "uid must not be set in spec"));
        }
        if !resource_version.is_empty() {
            errs.push(FieldError::forbidden(
                path.child("resourceVersion"),
                "resourceVersion must not be set in spec",
            ));
        }
    }
    if source.namespace.is_empty() {
        errs.push(FieldError::required(path.child("namespace"), "namespace must be set"));
    } else {
        dns_label(errs, &source.namespace, &path.child("namespace"));
    }
    if source.name.is_empty() {
        errs.push(FieldError::required(path.child("name"), "name must be set"));
    } else {
        dns_subdomain(errs, &source.name, &path.child("name"));
    }
    if source.kubelet_config_key.is_empty() {
        errs.push(FieldError::required(
            path.child("kubeletConfigKey"),
            "kubeletConfigKey must be set",
        ));
    } else {
        for msg in super::config::config_key_errors(&source.kubelet_config_key) {
            errs.push(FieldError::invalid(
                path.child("kubeletConfigKey"),
                source.kubelet_config_key.as_str(),
                msg,
            ));
        }
    }
}

/// A node address as upstream prints the internal struct.
#[derive(Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "PascalCase")]
struct GoNodeAddress<'a> {
    #[serde(rename = "Type")]
    kind: &'a str,
    address: &'a str,
}

/// `ValidateNodeUpdate`: what may change once a node exists.
fn node_update(new: &Node, old: &Node) -> Vec<FieldError> {
    let mut errs = Vec::new();
    node_resources(&mut errs, new);
    let mut addresses: HashSet<GoNodeAddress> = HashSet::new();
    let addresses_path = FieldPath::new("status").child("addresses");
    for (i, address) in new
        .status
        .as_ref()
        .and_then(|s| s.addresses.as_deref())
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let key = GoNodeAddress {
            kind: &address.type_,
            address: &address.address,
        };
        if addresses.contains(&key) {
            errs.push(FieldError::duplicate(addresses_path.index(i), FieldValue::json(&key)));
        } else {
            addresses.insert(key);
        }
    }
    let old_cidrs = pod_cidrs(old);
    let new_cidrs = pod_cidrs(new);
    if !old_cidrs.is_empty() {
        let changed = "node updates may not change podCIDR except from \"\" to valid";
        let path = FieldPath::new("spec").child("podCIDRs");
        if old_cidrs.len() != new_cidrs.len() {
            errs.push(FieldError::forbidden(&path, changed));
        } else {
            for (o, n) in old_cidrs.iter().zip(&new_cidrs) {
                if o != n {
                    errs.push(FieldError::forbidden(&path, changed));
                }
            }
        }
    }
    let empty = Default::default();
    let new_spec = new.spec.as_ref().unwrap_or(&empty);
    let old_spec = old.spec.as_ref().unwrap_or(&empty);
    let old_provider = old_spec.provider_id.as_deref().unwrap_or("");
    if !old_provider.is_empty() && Some(old_provider) != new_spec.provider_id.as_deref() {
        errs.push(FieldError::forbidden(
            "spec.providerID",
            "node updates may not change providerID except from \"\" to valid",
        ));
    }
    if let Some(source) = &new_spec.config_source {
        node_config_source(&mut errs, source, false, &FieldPath::new("spec").child("configSource"));
    }
    if let Some(config) = new.status.as_ref().and_then(|s| s.config.as_ref()) {
        let path = FieldPath::new("status").child("config");
        for (field, source) in [
            ("assigned", &config.assigned),
            ("active", &config.active),
            ("lastKnownGood", &config.last_known_good),
        ] {
            if let Some(source) = source {
                node_config_source(&mut errs, source, true, &path.child(field));
            }
        }
    }
    node_taints(
        &mut errs,
        new_spec.taints.as_deref().unwrap_or_default(),
        &FieldPath::new("metadata").child("taints"),
    );
    if new_spec.external_id.as_deref().unwrap_or("") != old_spec.external_id.as_deref().unwrap_or("") {
        errs.push(FieldError::forbidden("spec.externalID", "may not be updated"));
    }
    errs
}

fn node(new: &Node, old: Option<&Node>) -> Vec<FieldError> {
    // The update strategy runs the create checks and then the update ones, so taint
    // errors appear twice on update, as upstream.
    let mut errs = node_create(new);
    if let Some(old) = old {
        errs.extend(node_update(new, old));
    }
    errs
}

// ---------------------------------------------------------------------------------
// Leases.

fn lease(lease: &Lease) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let Some(spec) = &lease.spec else { return errs };
    let path = FieldPath::new("spec");
    if let Some(duration) = spec.lease_duration_seconds
        && duration <= 0
    {
        errs.push(FieldError::invalid(
            path.child("leaseDurationSeconds"),
            duration,
            "must be greater than 0",
        ));
    }
    if let Some(transitions) = spec.lease_transitions
        && transitions < 0
    {
        errs.push(FieldError::invalid(
            path.child("leaseTransitions"),
            transitions,
            "must be greater than or equal to 0",
        ));
    }
    if let Some(strategy) = &spec.strategy {
        // Upstream appends `strategy` to the path twice.
        let strategy_path = path.child("strategy").child("strategy");
        if strategy.contains('/') {
            qualified_name(&mut errs, strategy, &strategy_path);
        } else if strategy != "OldestEmulationVersion" {
            errs.push(FieldError::not_supported(
                strategy_path,
                strategy.as_str(),
                &["OldestEmulationVersion"],
            ));
        }
    }
    if spec.preferred_holder.as_deref().is_some_and(|h| !h.is_empty())
        && spec.strategy.as_deref().unwrap_or("").is_empty()
    {
        errs.push(FieldError::forbidden(
            path.child("preferredHolder"),
            "may only be specified if `strategy` is defined",
        ));
    }
    errs
}

// ---------------------------------------------------------------------------------
// Events.

/// An event seen as upstream's internal `core.Event`, whichever API it came through.
struct EventView<'a> {
    namespace: &'a str,
    involved_object: Option<&'a ObjectReference>,
    related: Option<&'a ObjectReference>,
    event_time: Option<&'a MicroTime>,
    reporting_controller: &'a str,
    reporting_instance: &'a str,
    action: &'a str,
    reason: &'a str,
    message: &'a str,
    type_: &'a str,
    first_timestamp: Option<&'a Time>,
    last_timestamp: Option<&'a Time>,
    count: i32,
    source: Option<&'a EventSource>,
    series: Option<(i32, Option<&'a MicroTime>)>,
}

fn core_event(event: &CoreEvent) -> EventView<'_> {
    EventView {
        namespace: event.metadata.namespace.as_deref().unwrap_or(""),
        involved_object: Some(&event.involved_object),
        related: event.related.as_ref(),
        event_time: event.event_time.as_ref(),
        reporting_controller: event.reporting_component.as_deref().unwrap_or(""),
        reporting_instance: event.reporting_instance.as_deref().unwrap_or(""),
        action: event.action.as_deref().unwrap_or(""),
        reason: event.reason.as_deref().unwrap_or(""),
        message: event.message.as_deref().unwrap_or(""),
        type_: event.type_.as_deref().unwrap_or(""),
        first_timestamp: event.first_timestamp.as_ref(),
        last_timestamp: event.last_timestamp.as_ref(),
        count: event.count.unwrap_or(0),
        source: event.source.as_ref(),
        series: event
            .series
            .as_ref()
            .map(|s| (s.count.unwrap_or(0), s.last_observed_time.as_ref())),
    }
}

fn events_event(event: &EventsEvent) -> EventView<'_> {
    EventView {
        namespace: event.metadata.namespace.as_deref().unwrap_or(""),
        involved_object: event.regarding.as_ref(),
        related: event.related.as_ref(),
        event_time: event.event_time.as_ref(),
        reporting_controller: event.reporting_controller.as_deref().unwrap_or(""),
        reporting_instance: event.reporting_instance.as_deref().unwrap_or(""),
        action: event.action.as_deref().unwrap_or(""),
        reason: event.reason.as_deref().unwrap_or(""),
        message: event.note.as_deref().unwrap_or(""),
        type_: event.type_.as_deref().unwrap_or(""),
        first_timestamp: event.deprecated_first_timestamp.as_ref(),
        last_timestamp: event.deprecated_last_timestamp.as_ref(),
        count: event.deprecated_count.unwrap_or(0),
        source: event.deprecated_source.as_ref(),
        series: event.series.as_ref().map(|s| (s.count, Some(&s.last_observed_time))),
    }
}

/// An object reference as upstream prints the internal struct (Go field names).
#[derive(Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
struct GoObjectReference<'a> {
    kind: &'a str,
    namespace: &'a str,
    name: &'a str,
    #[serde(rename = "UID")]
    uid: &'a str,
    #[serde(rename = "APIVersion")]
    api_version: &'a str,
    resource_version: &'a str,
    field_path: &'a str,
}

impl<'a> GoObjectReference<'a> {
    fn of(reference: Option<&'a ObjectReference>) -> Self {
        let field = |f: Option<&'a String>| f.map_or("", String::as_str);
        GoObjectReference {
            kind: field(reference.and_then(|r| r.kind.as_ref())),
            namespace: field(reference.and_then(|r| r.namespace.as_ref())),
            name: field(reference.and_then(|r| r.name.as_ref())),
            uid: field(reference.and_then(|r| r.uid.as_ref())),
            api_version: field(reference.and_then(|r| r.api_version.as_ref())),
            resource_version: field(reference.and_then(|r| r.resource_version.as_ref())),
            field_path: field(reference.and_then(|r| r.field_path.as_ref())),
        }
    }
}

#[derive(Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
struct GoEventSource<'a> {
    component: &'a str,
    host: &'a str,
}

impl<'a> GoEventSource<'a> {
    fn of(source: Option<&'a EventSource>) -> Self {
        GoEventSource {
            component: source.and_then(|s| s.component.as_deref()).unwrap_or(""),
            host: source.and_then(|s| s.host.as_deref()).unwrap_or(""),
        }
    }
}

const REPORTING_INSTANCE_LIMIT: usize = 128;
const ACTION_LIMIT: usize = 128;
const REASON_LIMIT: usize = 128;
const NOTE_LIMIT: usize = 1024;

/// `legacyValidateEvent`: namespaces agree; events with an `eventTime` (the new API's)
/// also need a reporting controller and instance, an action and a reason, within limits.
fn legacy_event(errs: &mut Vec<FieldError>, event: &EventView) {
    let involved_namespace = event.involved_object.and_then(|o| o.namespace.as_deref()).unwrap_or("");
    let mismatch = || {
        FieldError::invalid(
            "involvedObject.namespace",
            involved_namespace,
            "does not match event.namespace",
        )
    };
    if event.event_time.is_none() {
        if involved_namespace.is_empty() {
            // Old clients put cluster-scoped objects' events in "default".
            if !event.namespace.is_empty() && event.namespace != "default" {
                errs.push(mismatch());
            }
        } else if event.namespace != involved_namespace {
            errs.push(mismatch());
        }
    } else {
        if involved_namespace.is_empty() && event.namespace != "default" && event.namespace != "kube-system" {
            errs.push(mismatch());
        }
        if event.reporting_controller.is_empty() {
            errs.push(FieldError::required("reportingController", ""));
        }
        for msg in is_qualified_name(event.reporting_controller) {
            errs.push(FieldError::invalid(
                "reportingController",
                event.reporting_controller,
                msg,
            ));
        }
        let limited = |errs: &mut Vec<FieldError>, field: &str, value: &str, limit: usize, required: bool| {
            if required && value.is_empty() {
                errs.push(FieldError::required(field, ""));
            }
            if value.len() > limit {
                errs.push(FieldError::invalid(
                    field,
                    "",
                    format!("can have at most {limit} characters"),
                ));
            }
        };
        limited(
            errs,
            "reportingInstance",
            event.reporting_instance,
            REPORTING_INSTANCE_LIMIT,
            true,
        );
        limited(errs, "action", event.action, ACTION_LIMIT, true);
        limited(errs, "reason", event.reason, REASON_LIMIT, true);
        limited(errs, "message", event.message, NOTE_LIMIT, false);
    }
    dns_subdomain_at(errs, event.namespace, "namespace");
}

fn dns_subdomain_at(errs: &mut Vec<FieldError>, value: &str, path: &str) {
    dns_subdomain(errs, value, &FieldPath::new(path));
}

fn event_series(errs: &mut Vec<FieldError>, event: &EventView) {
    if let Some((count, last_observed)) = event.series {
        // Upstream names these paths with a dot inside one segment.
        if count < 2 {
            errs.push(FieldError::invalid("series.count", "", "should be at least 2"));
        }
        if last_observed.is_none() {
            errs.push(FieldError::required("series.lastObservedTime", ""));
        }
    }
}

/// `ValidateEventCreate`/`ValidateEventUpdate`. Through core/v1 only the legacy rules
/// apply, for old clients; through events.k8s.io/v1 the strict ones too. Paths are the
/// internal type's (`involvedObject`, `message`, `firstTimestamp`) even for
/// events.k8s.io, whose fields are named `regarding`, `note`, `deprecatedFirstTimestamp`.
fn event(new: &EventView, old: Option<&EventView>, strict: bool) -> Vec<FieldError> {
    let mut errs = Vec::new();
    legacy_event(&mut errs, new);
    if !strict {
        return errs;
    }
    match old {
        None => {
            event_series(&mut errs, new);
            if new.event_time.is_none() {
                errs.push(FieldError::required("eventTime", ""));
            }
            if new.type_ != "Normal" && new.type_ != "Warning" {
                errs.push(FieldError::invalid(
                    "type",
                    "",
                    format!("has invalid value: {}", new.type_),
                ));
            }
            let unset = "needs to be unset";
            if new.first_timestamp.is_some() {
                errs.push(FieldError::invalid("firstTimestamp", "", unset));
            }
            if new.last_timestamp.is_some() {
                errs.push(FieldError::invalid("lastTimestamp", "", unset));
            }
            if new.count != 0 {
                errs.push(FieldError::invalid("count", "", unset));
            }
            let source = GoEventSource::of(new.source);
            if !source.component.is_empty() || !source.host.is_empty() {
                errs.push(FieldError::invalid("source", "", unset));
            }
        }
        Some(old) => {
            if new.series != old.series {
                event_series(&mut errs, new);
            }
            let mut immutable = |field: &str, changed: bool, value: &dyn Fn() -> FieldValue| {
                if changed {
                    errs.push(FieldError::invalid(field, value(), super::common::IMMUTABLE));
                }
            };
            immutable(
                "involvedObject",
                GoObjectReference::of(new.involved_object) != GoObjectReference::of(old.involved_object),
                &|| FieldValue::json(&GoObjectReference::of(new.involved_object)),
            );
            immutable("reason", new.reason != old.reason, &|| new.reason.into());
            immutable("message", new.message != old.message, &|| new.message.into());
            immutable(
                "source",
                GoEventSource::of(new.source) != GoEventSource::of(old.source),
                &|| FieldValue::json(&GoEventSource::of(new.source)),
            );
            immutable("firstTimestamp", new.first_timestamp != old.first_timestamp, &|| {
                FieldValue::json(&new.first_timestamp)
            });
            immutable("lastTimestamp", new.last_timestamp != old.last_timestamp, &|| {
                FieldValue::json(&new.last_timestamp)
            });
            immutable("count", new.count != old.count, &|| new.count.into());
            // Upstream checks the reason twice.
            immutable("reason", new.reason != old.reason, &|| new.reason.into());
            immutable("type", new.type_ != old.type_, &|| new.type_.into());
            immutable("eventTime", new.event_time != old.event_time, &|| {
                FieldValue::json(&new.event_time)
            });
            immutable("action", new.action != old.action, &|| new.action.into());
            immutable(
                "related",
                new.related.map(|r| GoObjectReference::of(Some(r)))
                    != old.related.map(|r| GoObjectReference::of(Some(r))),
                &|| FieldValue::json(&new.related.map(|r| GoObjectReference::of(Some(r)))),
            );
            immutable(
                "reportingController",
                new.reporting_controller != old.reporting_controller,
                &|| new.reporting_controller.into(),
            );
            immutable(
                "reportingInstance",
                new.reporting_instance != old.reporting_instance,
                &|| new.reporting_instance.into(),
            );
        }
    }
    errs
}

// ---------------------------------------------------------------------------------
// ResourceQuotas.

const QUOTA_SCOPES: [&str; 6] = [
    "Terminating",
    "NotTerminating",
    "BestEffort",
    "NotBestEffort",
    "PriorityClass",
    "CrossNamespacePodAffinity",
];

/// `IsResourceQuotaScopeValidForResource`.
fn scope_valid_for_resource(scope: &str, resource: &str) -> bool {
    let pods = resource == "pods";
    let compute = matches!(
        resource,
        "cpu" | "memory" | "limits.cpu" | "limits.memory" | "requests.cpu" | "requests.memory"
    );
    match scope {
        "Terminating" | "NotTerminating" | "NotBestEffort" | "PriorityClass" | "CrossNamespacePodAffinity" => {
            pods || compute
        }
        "BestEffort" => pods,
        _ => true,
    }
}

/// The scope selector as upstream prints the internal struct.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GoScopeSelector<'a> {
    match_expressions: Option<Vec<GoScopeRequirement<'a>>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GoScopeRequirement<'a> {
    scope_name: &'a str,
    operator: &'a str,
    values: Option<&'a [String]>,
}

fn quota_hard(errs: &mut Vec<FieldError>, hard: Option<&BTreeMap<String, ApiQuantity>>, path: &FieldPath) {
    for (name, quantity) in hard.into_iter().flatten() {
        let here = path.key(name);
        quota_resource_name(errs, name, &here);
        if let Some(amount) = amount(errs, quantity, &here) {
            resource_quantity_value(errs, name, &amount, &here);
        }
    }
}

fn quota_status(errs: &mut Vec<FieldError>, status: &ResourceQuotaStatus, path: &FieldPath) {
    quota_hard(errs, status.hard.as_ref(), &path.child("hard"));
    quota_hard(errs, status.used.as_ref(), &path.child("used"));
}

fn quota_spec(errs: &mut Vec<FieldError>, spec: &ResourceQuotaSpec) {
    let spec_path = FieldPath::new("spec");
    quota_hard(errs, spec.hard.as_ref(), &spec_path.child("hard"));
    let hard: Vec<&str> = spec.hard.iter().flatten().map(|(k, _)| k.as_str()).collect();
    let scopes_value = || FieldValue::json(&spec.scopes);
    let conflicting = |set: &HashSet<&str>| {
        usize::from(set.contains("BestEffort") && set.contains("NotBestEffort"))
            + usize::from(set.contains("Terminating") && set.contains("NotTerminating"))
    };

    let scopes = spec.scopes.as_deref().unwrap_or_default();
    if !scopes.is_empty() {
        let path = spec_path.child("scopes");
        let mut set: HashSet<&str> = HashSet::new();
        for scope in scopes {
            if !QUOTA_SCOPES.contains(&scope.as_str()) {
                errs.push(FieldError::invalid(&path, scopes_value(), "unsupported scope"));
            }
            for resource in &hard {
                if is_standard_quota_resource(resource) && !scope_valid_for_resource(scope, resource) {
                    errs.push(FieldError::invalid(
                        &path,
                        scopes_value(),
                        "unsupported scope applied to resource",
                    ));
                }
            }
            set.insert(scope);
        }
        for _ in 0..conflicting(&set) {
            errs.push(FieldError::invalid(&path, scopes_value(), "conflicting scopes"));
        }
    }

    if let Some(selector) = &spec.scope_selector {
        // Upstream does not index the expressions in these paths.
        let path = spec_path.child("scopeSelector").child("matchExpressions");
        let expressions = selector.match_expressions.as_deref().unwrap_or_default();
        let selector_value = || {
            FieldValue::json(&GoScopeSelector {
                match_expressions: selector.match_expressions.as_ref().map(|list| {
                    list.iter()
                        .map(|r| GoScopeRequirement {
                            scope_name: &r.scope_name,
                            operator: &r.operator,
                            values: r.values.as_deref(),
                        })
                        .collect()
                }),
            })
        };
        let mut set: HashSet<&str> = HashSet::new();
        for req in expressions {
            let scope = req.scope_name.as_str();
            if !QUOTA_SCOPES.contains(&scope) {
                errs.push(FieldError::invalid(path.child("scopeName"), scope, "unsupported scope"));
            }
            for resource in &hard {
                if is_standard_quota_resource(resource) && !scope_valid_for_resource(scope, resource) {
                    errs.push(FieldError::invalid(
                        &path,
                        selector_value(),
                        "unsupported scope applied to resource",
                    ));
                }
            }
            if matches!(
                scope,
                "BestEffort" | "NotBestEffort" | "Terminating" | "NotTerminating" | "CrossNamespacePodAffinity"
            ) && req.operator != "Exists"
            {
                errs.push(FieldError::invalid(
                    path.child("operator"),
                    req.operator.as_str(),
                    "must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
                ));
            }
            let values = req.values.as_deref().unwrap_or_default();
            match req.operator.as_str() {
                "In" | "NotIn" => {
                    if values.is_empty() {
                        errs.push(FieldError::required(
                            path.child("values"),
                            "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
                        ));
                    }
                }
                "Exists" | "DoesNotExist" => {
                    if !values.is_empty() {
                        errs.push(FieldError::invalid(
                            path.child("values"),
                            FieldValue::json(&req.values),
                            "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector",
                        ));
                    }
                }
                other => errs.push(FieldError::invalid(
                    path.child("operator"),
                    other,
                    "not a valid selector operator",
                )),
            }
            set.insert(scope);
        }
        // Upstream reports `scopes` (not the selector) as the bad value here.
        for _ in 0..conflicting(&set) {
            errs.push(FieldError::invalid(&path, scopes_value(), "conflicting scopes"));
        }
    }
}

fn resource_quota(new: &ResourceQuota, old: Option<&ResourceQuota>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let empty = ResourceQuotaSpec::default();
    let spec = new.spec.as_ref().unwrap_or(&empty);
    quota_spec(&mut errs, spec);
    match old {
        None => {
            // The status is cleared on create, so there is nothing to check there.
        }
        Some(old) => {
            let old_spec = old.spec.as_ref().unwrap_or(&empty);
            let set = |s: &ResourceQuotaSpec| -> BTreeSet<String> { s.scopes.iter().flatten().cloned().collect() };
            if set(spec) != set(old_spec) {
                errs.push(FieldError::invalid(
                    "spec.scopes",
                    FieldValue::json(&spec.scopes),
                    super::common::IMMUTABLE,
                ));
            }
        }
    }
    errs
}

// ---------------------------------------------------------------------------------
// LimitRanges.

/// The largest value whose milli-value fits an int64 (`resource.MaxMilliValue`).
const MAX_MILLI_VALUE: i128 = (i64::MAX / 1000) as i128;

fn limit_range_resource_name(errs: &mut Vec<FieldError>, limit_type: &str, name: &str, path: &FieldPath) {
    if matches!(limit_type, "Pod" | "Container") {
        container_resource_name(errs, name, path);
    } else {
        resource_name(errs, name, path);
    }
}

/// Go's `%f`.
fn go_float(x: f64) -> String {
    if x.is_nan() {
        "NaN".to_string()
    } else if x.is_infinite() {
        if x > 0.0 {
            "+Inf".to_string()
        } else {
            "-Inf".to_string()
        }
    } else {
        format!("{x:.6}")
    }
}

fn limit_range(limit_range: &LimitRange) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let path = FieldPath::new("spec").child("limits");
    let limits = limit_range
        .spec
        .as_ref()
        .map(|s| s.limits.as_slice())
        .unwrap_or_default();
    let mut types: HashSet<&str> = HashSet::new();
    for (i, limit) in limits.iter().enumerate() {
        let here = path.index(i);
        let limit_type = limit.type_.as_str();
        let type_path = here.child("type");
        let before = errs.len();
        qualified_name(&mut errs, limit_type, &type_path);
        if errs.len() == before
            && !limit_type.contains('/')
            && !matches!(limit_type, "Pod" | "Container" | "PersistentVolumeClaim")
        {
            errs.push(FieldError::invalid(
                &type_path,
                limit_type,
                "must be a standard limit type or fully qualified",
            ));
        }
        if !types.insert(limit_type) {
            errs.push(FieldError::duplicate(&type_path, limit_type));
        }

        let mut keys: BTreeSet<&str> = BTreeSet::new();
        let parsed = |errs: &mut Vec<FieldError>,
                      field: &str,
                      list: Option<&BTreeMap<String, ApiQuantity>>|
         -> BTreeMap<String, Option<Amount>> {
            let mut out = BTreeMap::new();
            for (name, quantity) in list.into_iter().flatten() {
                let at = here.child(field).key(name);
                limit_range_resource_name(errs, limit_type, name, &at);
                out.insert(name.clone(), amount(errs, quantity, &at));
            }
            out
        };
        let max = parsed(&mut errs, "max", limit.max.as_ref());
        let min = parsed(&mut errs, "min", limit.min.as_ref());
        let (defaults, default_requests) = if limit_type == "Pod" {
            if limit.default.as_ref().is_some_and(|d| !d.is_empty()) {
                errs.push(FieldError::forbidden(
                    here.child("default"),
                    "may not be specified when `type` is 'Pod'",
                ));
            }
            if limit.default_request.as_ref().is_some_and(|d| !d.is_empty()) {
                errs.push(FieldError::forbidden(
                    here.child("defaultRequest"),
                    "may not be specified when `type` is 'Pod'",
                ));
            }
            (BTreeMap::new(), BTreeMap::new())
        } else {
            (
                parsed(&mut errs, "default", limit.default.as_ref()),
                parsed(&mut errs, "defaultRequest", limit.default_request.as_ref()),
            )
        };
        if limit_type == "PersistentVolumeClaim"
            && !limit.min.as_ref().is_some_and(|m| m.contains_key("storage"))
            && !limit.max.as_ref().is_some_and(|m| m.contains_key("storage"))
        {
            errs.push(FieldError::required(
                here.child("limits"),
                "either minimum or maximum storage value is required, but neither was provided",
            ));
        }
        let ratios = parsed(
            &mut errs,
            "maxLimitRequestRatio",
            limit.max_limit_request_ratio.as_ref(),
        );
        for map in [&max, &min, &defaults, &default_requests, &ratios] {
            keys.extend(map.keys().map(String::as_str));
        }

        for key in keys {
            let get = |map: &BTreeMap<String, Option<Amount>>| map.get(key).copied().flatten();
            let (min_q, max_q, default_q, request_q, ratio_q) = (
                get(&min),
                get(&max),
                get(&defaults),
                get(&default_requests),
                get(&ratios),
            );
            let at = |field: &str| here.child(field).key(key);
            if let (Some(lo), Some(hi)) = (min_q, max_q)
                && lo.value > hi.value
            {
                errs.push(FieldError::invalid(
                    at("min"),
                    lo.bare(),
                    format!(
                        "min value {} is greater than max value {}",
                        lo.canonical(),
                        hi.canonical()
                    ),
                ));
            }
            if let (Some(request), Some(lo)) = (request_q, min_q)
                && lo.value > request.value
            {
                errs.push(FieldError::invalid(
                    at("defaultRequest"),
                    request.bare(),
                    format!(
                        "min value {} is greater than default request value {}",
                        lo.canonical(),
                        request.canonical()
                    ),
                ));
            }
            if let (Some(request), Some(hi)) = (request_q, max_q)
                && request.value > hi.value
            {
                errs.push(FieldError::invalid(
                    at("defaultRequest"),
                    request.bare(),
                    format!(
                        "default request value {} is greater than max value {}",
                        request.canonical(),
                        hi.canonical()
                    ),
                ));
            }
            if let (Some(request), Some(default)) = (request_q, default_q)
                && request.value > default.value
            {
                errs.push(FieldError::invalid(
                    at("defaultRequest"),
                    request.bare(),
                    format!(
                        "default request value {} is greater than default limit value {}",
                        request.canonical(),
                        default.canonical()
                    ),
                ));
            }
            if let (Some(default), Some(lo)) = (default_q, min_q)
                && lo.value > default.value
            {
                errs.push(FieldError::invalid(
                    at("default"),
                    lo.bare(),
                    format!(
                        "min value {} is greater than default value {}",
                        lo.canonical(),
                        default.canonical()
                    ),
                ));
            }
            // Upstream reports the max (not the default) as the bad value here.
            if let (Some(default), Some(hi)) = (default_q, max_q)
                && default.value > hi.value
            {
                errs.push(FieldError::invalid(
                    at("default"),
                    hi.bare(),
                    format!(
                        "default value {} is greater than max value {}",
                        default.canonical(),
                        hi.canonical()
                    ),
                ));
            }
            if let Some(ratio) = ratio_q
                && ratio.value < Quantity::from_units(1)
            {
                errs.push(FieldError::invalid(
                    at("maxLimitRequestRatio"),
                    ratio.bare(),
                    format!("ratio {} is less than 1", ratio.canonical()),
                ));
            }
            if let (Some(ratio), Some(lo), Some(hi)) = (ratio_q, min_q, max_q) {
                let (mut ratio_value, mut lo_value, mut hi_value) = (ratio.units() as f64, lo.units(), hi.units());
                if ratio.units() < MAX_MILLI_VALUE && lo.units() < MAX_MILLI_VALUE && hi.units() < MAX_MILLI_VALUE {
                    ratio_value = ratio.milli() as f64 / 1000.0;
                    lo_value = lo.milli();
                    hi_value = hi.milli();
                }
                let limit = hi_value as f64 / lo_value as f64;
                if ratio_value > limit {
                    errs.push(FieldError::invalid(
                        at("maxLimitRequestRatio"),
                        ratio.bare(),
                        format!(
                            "ratio {} is greater than max/min = {}",
                            ratio.canonical(),
                            go_float(limit)
                        ),
                    ));
                }
            }
            if !is_overcommit_allowed(key)
                && let (Some(default), Some(request)) = (default_q, request_q)
                && default.value != request.value
            {
                errs.push(FieldError::invalid(
                    at("defaultRequest"),
                    request.bare(),
                    format!(
                        "default value {} must equal to defaultRequest value {} in {key}",
                        default.canonical(),
                        request.canonical()
                    ),
                ));
            }
        }
    }
    errs
}

// ---------------------------------------------------------------------------------
// PriorityClasses and RuntimeClasses.

/// Priorities above this are reserved for the system classes.
const HIGHEST_USER_PRIORITY: i32 = 1_000_000_000;
const SYSTEM_PRIORITY_CLASSES: [(&str, i32); 2] = [
    ("system-node-critical", 2_000_001_000),
    ("system-cluster-critical", 2_000_000_000),
];

fn priority_class(new: &PriorityClass, old: Option<&PriorityClass>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if let Some(old) = old {
        // On update only immutability is checked (upstream's update strategy).
        if new.value != old.value {
            errs.push(FieldError::forbidden("value", "may not be changed in an update."));
        }
        if new.preemption_policy != old.preemption_policy {
            errs.push(FieldError::invalid(
                "preemptionPolicy",
                FieldValue::json(&new.preemption_policy),
                super::common::IMMUTABLE,
            ));
        }
        return errs;
    }
    let name = new.metadata.name.as_deref().unwrap_or("");
    let global_default = new.global_default.unwrap_or(false);
    if name.starts_with("system-") {
        let problem = match SYSTEM_PRIORITY_CLASSES.iter().find(|(n, _)| *n == name) {
            None => Some(format!("{name} is not a known system priority class")),
            Some((n, value)) if *value != new.value => Some(format!("value of {n} PriorityClass must be {value}")),
            Some((n, _)) if global_default => Some(format!("globalDefault of {n} PriorityClass must be false")),
            Some(_) => None,
        };
        if let Some(problem) = problem {
            errs.push(FieldError::forbidden(
                "metadata.name",
                format!(
                    "priority class names with 'system-' prefix are reserved for system use only. error: {problem}"
                ),
            ));
        }
    } else if new.value > HIGHEST_USER_PRIORITY {
        errs.push(FieldError::forbidden(
            "value",
            format!("maximum allowed value of a user defined priority is {HIGHEST_USER_PRIORITY}"),
        ));
    }
    if let Some(policy) = &new.preemption_policy {
        match policy.as_str() {
            "PreemptLowerPriority" | "Never" => {}
            "" => errs.push(FieldError::required("preemptionPolicy", "")),
            other => errs.push(FieldError::not_supported(
                "preemptionPolicy",
                other,
                &["PreemptLowerPriority", "Never"],
            )),
        }
    }
    errs
}

fn runtime_class(new: &RuntimeClass, old: Option<&RuntimeClass>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for msg in is_dns1123_label(&new.handler) {
        errs.push(FieldError::invalid("handler", new.handler.as_str(), msg));
    }
    if let Some(pod_fixed) = new.overhead.as_ref().and_then(|o| o.pod_fixed.as_ref()) {
        // Checked as container limits, so the paths read `overhead.limits[...]`.
        container_limits(&mut errs, pod_fixed, &FieldPath::new("overhead"));
    }
    if let Some(scheduling) = &new.scheduling {
        let path = FieldPath::new("scheduling");
        if let Some(selector) = &scheduling.node_selector {
            errs.extend(validate_labels(
                selector.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                &path.child("nodeSelector"),
            ));
        }
        tolerations(
            &mut errs,
            scheduling.tolerations.as_deref().unwrap_or_default(),
            &path.child("tolerations"),
        );
    }
    if let Some(old) = old {
        errs.extend(super::common::immutable(
            &new.handler,
            &old.handler,
            &FieldPath::new("handler"),
        ));
    }
    errs
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn messages(group: &str, kind: &str, new: Value, old: Option<Value>) -> Vec<String> {
        validate(group, kind, Input::from(&new), old.as_ref())
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn canonical(text: &str) -> String {
        Amount::parse(text).unwrap().canonical()
    }

    #[test]
    fn quantities_print_in_canonical_form() {
        for (input, want) in [
            ("1", "1"),
            ("1000", "1k"),
            ("1500", "1500"),
            ("0.5", "500m"),
            ("1.5", "1500m"),
            ("100m", "100m"),
            ("1Gi", "1Gi"),
            ("1.5Gi", "1536Mi"),
            ("1024Mi", "1Gi"),
            ("512", "512"),
            ("0.5Ki", "512"),
            ("1e3", "1e3"),
            ("1.5e3", "1500"),
            ("-1", "-1"),
            ("-2000", "-2k"),
            ("0", "0"),
            ("0Gi", "0"),
            ("10u", "10u"),
            ("1n", "1n"),
            ("2000G", "2T"),
        ] {
            assert_eq!(canonical(input), want, "{input}");
        }
    }

    #[test]
    fn namespaces() {
        let ns = |finalizers: Value| json!({"metadata": {"name": "team"}, "spec": {"finalizers": finalizers}});
        assert!(messages("", "Namespace", ns(json!(["kubernetes", "example.com/cleanup"])), None).is_empty());
        assert_eq!(
            messages("", "Namespace", ns(json!(["custom", "a/b/c"])), None),
            [
                "spec.finalizers: Invalid value: \"custom\": name is neither a standard finalizer name nor is it fully qualified",
                "spec.finalizers: Invalid value: \"a/b/c\": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
            ]
        );
        // Finalizers change through `finalize`, which checks them with an index.
        assert!(messages("", "Namespace", ns(json!(["custom"])), Some(ns(json!([])))).is_empty());
        assert_eq!(
            validate_namespace_finalize(&ns(json!(["ok.io/x", "custom"])), None)
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            [
                "spec.finalizers[1]: Invalid value: \"custom\": name is neither a standard finalizer name nor is it fully qualified"
            ]
        );
        let status = |phase: &str, deleting: bool| {
            let mut ns = json!({"metadata": {"name": "team"}, "status": {"phase": phase}});
            if deleting {
                ns["metadata"]["deletionTimestamp"] = json!("2024-01-01T00:00:00Z");
            }
            validate_status("", "Namespace", &ns, &ns)
                .unwrap_or_default()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        };
        assert!(status("Active", false).is_empty() && status("Terminating", true).is_empty());
        assert_eq!(
            status("Terminating", false),
            ["status.Phase: Invalid value: \"Terminating\": may only be 'Active' if `deletionTimestamp` is empty"]
        );
        assert_eq!(
            status("Active", true),
            ["status.Phase: Invalid value: \"Active\": may only be 'Terminating' if `deletionTimestamp` is not empty"]
        );
    }

    #[test]
    fn nodes() {
        let node = |spec: Value, status: Value| json!({"metadata": {"name": "node-1"}, "spec": spec, "status": status});
        let good = node(
            json!({"podCIDRs": ["10.244.1.0/24", "fd00:1::/64"], "providerID": "aws://i-1",
                "taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},
                           {"key": "dedicated", "value": "gpu", "effect": "NoExecute"}]}),
            json!({"capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"},
                "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}]}),
        );
        assert!(messages("", "Node", good.clone(), None).is_empty());
        assert!(messages("", "Node", good.clone(), Some(good.clone())).is_empty());
        assert_eq!(
            messages(
                "",
                "Node",
                node(
                    json!({"podCIDRs": ["10.244.1.0/24", "10.244.2.0/24", "10.244.1.0/24"],
                        "taints": [{"key": "bad key", "value": "a b", "effect": "Sometimes"},
                                   {"key": "k", "effect": ""},
                                   {"key": "k", "effect": "", "value": "x"}]}),
                    json!({"capacity": {"cpu": "-1", "pods": "1.5"}}),
                ),
                None
            ),
            [
                "metadata.taints[0].key: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
                "metadata.taints[0].value: Invalid value: \"a b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
                "metadata.taints[0].effect: Unsupported value: \"Sometimes\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"",
                "metadata.taints[1].effect: Required value",
                "metadata.taints[2].effect: Required value",
                "metadata.taints[2]: Duplicate value: {\"Key\":\"k\",\"Value\":\"x\",\"Effect\":\"\",\"TimeAdded\":null}: taints must be unique by key and effect pair",
                "status.capacity.cpu: Invalid value: \"-1\": must be greater than or equal to 0",
                "status.capacity.pods: Invalid value: 1500m: must be an integer",
                "spec.podCIDRs: Invalid value: [\"10.244.1.0/24\",\"10.244.2.0/24\",\"10.244.1.0/24\"]: may specify no more than one CIDR for each IP family",
                "spec.podCIDRs[2]: Duplicate value: \"10.244.1.0/24\"",
            ]
        );
        assert_eq!(
            messages("", "Node", node(json!({"podCIDR": "10.244.1.0/33"}), json!({})), None),
            [
                "spec.podCIDRs[0]: Invalid value: \"10.244.1.0/33\": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"
            ]
        );
        let old = node(
            json!({"podCIDRs": ["10.244.1.0/24"], "providerID": "aws://i-1", "externalID": "a"}),
            json!({}),
        );
        let changed = node(
            json!({"podCIDRs": ["10.244.9.0/24"], "providerID": "aws://i-2", "externalID": "b",
                "configSource": {"configMap": {"namespace": "kube-system", "name": "kubelet", "uid": "u",
                    "kubeletConfigKey": "kubelet"}}}),
            json!({"addresses": [{"type": "InternalIP", "address": "10.0.0.1"}, {"type": "InternalIP", "address": "10.0.0.1"}]}),
        );
        assert_eq!(
            messages("", "Node", changed, Some(old)),
            [
                "status.addresses[1]: Duplicate value: {\"Type\":\"InternalIP\",\"Address\":\"10.0.0.1\"}",
                "spec.podCIDRs: Forbidden: node updates may not change podCIDR except from \"\" to valid",
                "spec.providerID: Forbidden: node updates may not change providerID except from \"\" to valid",
                "spec.configSource.configMap.uid: Forbidden: uid must not be set in spec",
                "spec.externalID: Forbidden: may not be updated",
            ]
        );
        // A CIDR may be assigned once.
        let unassigned = node(json!({}), json!({}));
        assert!(
            messages(
                "",
                "Node",
                node(json!({"podCIDR": "10.244.1.0/24"}), json!({})),
                Some(unassigned)
            )
            .is_empty()
        );
    }

    #[test]
    fn leases() {
        let lease = |spec: Value| json!({"metadata": {"name": "l"}, "spec": spec});
        assert!(
            messages(
                "coordination.k8s.io",
                "Lease",
                lease(json!({"holderIdentity": "a", "leaseDurationSeconds": 15, "leaseTransitions": 0})),
                None
            )
            .is_empty()
        );
        assert_eq!(
            messages(
                "coordination.k8s.io",
                "Lease",
                lease(
                    json!({"leaseDurationSeconds": 0, "leaseTransitions": -1, "strategy": "Newest",
                    "preferredHolder": "b"})
                ),
                None
            ),
            [
                "spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0",
                "spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0",
                "spec.strategy.strategy: Unsupported value: \"Newest\": supported values: \"OldestEmulationVersion\"",
            ]
        );
        assert_eq!(
            messages(
                "coordination.k8s.io",
                "Lease",
                lease(json!({"preferredHolder": "b"})),
                None
            ),
            ["spec.preferredHolder: Forbidden: may only be specified if `strategy` is defined"]
        );
    }

    #[test]
    fn core_events() {
        let event = |namespace: &str, involved: Value, extra: Value| {
            let mut e = json!({"metadata": {"name": "e", "namespace": namespace}, "involvedObject": involved,
                "reason": "Started", "message": "started"});
            for (k, v) in extra.as_object().into_iter().flatten() {
                e[k] = v.clone();
            }
            e
        };
        assert!(
            messages(
                "",
                "Event",
                event("default", json!({"kind": "Pod", "namespace": "default"}), json!({})),
                None
            )
            .is_empty()
        );
        assert!(messages("", "Event", event("default", json!({"kind": "Node"}), json!({})), None).is_empty());
        assert_eq!(
            messages(
                "",
                "Event",
                event("team", json!({"kind": "Pod", "namespace": "other"}), json!({})),
                None
            ),
            ["involvedObject.namespace: Invalid value: \"other\": does not match event.namespace"]
        );
        // An event with an eventTime follows the new API's rules, even through core/v1.
        assert_eq!(
            messages(
                "",
                "Event",
                event(
                    "team",
                    json!({"kind": "Node"}),
                    json!({"eventTime": "2024-01-01T00:00:00.000000Z",
                    "reportingComponent": "bad name", "reason": "", "action": "a".repeat(129)})
                ),
                None
            ),
            [
                "involvedObject.namespace: Invalid value: \"\": does not match event.namespace",
                "reportingController: Invalid value: \"bad name\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
                "reportingInstance: Required value",
                "action: Invalid value: \"\": can have at most 128 characters",
                "reason: Required value",
            ]
        );
        // Through core/v1 anything may change.
        let old = event("default", json!({"kind": "Pod", "namespace": "default"}), json!({}));
        let new = event(
            "default",
            json!({"kind": "Pod", "namespace": "default", "name": "x"}),
            json!({"message": "m"}),
        );
        assert!(messages("", "Event", new, Some(old)).is_empty());
    }

    #[test]
    fn events_k8s_io_events() {
        let event = |extra: Value| {
            let mut e = json!({"metadata": {"name": "e", "namespace": "team"},
                "regarding": {"kind": "Pod", "namespace": "team", "name": "web"},
                "eventTime": "2024-01-01T00:00:00.000000Z", "type": "Normal", "reason": "Started",
                "action": "Start", "reportingController": "example.com/ctl", "reportingInstance": "ctl-1"});
            for (k, v) in extra.as_object().into_iter().flatten() {
                if v.is_null() {
                    e.as_object_mut().map(|m| m.remove(k));
                } else {
                    e[k] = v.clone();
                }
            }
            e
        };
        let g = "events.k8s.io";
        assert!(messages(g, "Event", event(json!({})), None).is_empty());
        assert_eq!(
            messages(
                g,
                "Event",
                event(json!({"type": "Fatal", "eventTime": null, "deprecatedCount": 3,
                    "deprecatedSource": {"component": "kubelet"}, "deprecatedFirstTimestamp": "2024-01-01T00:00:00Z",
                    "series": {"count": 1, "lastObservedTime": "2024-01-01T00:00:00.000000Z"}})),
                None
            ),
            [
                "series.count: Invalid value: \"\": should be at least 2",
                "eventTime: Required value",
                "type: Invalid value: \"\": has invalid value: Fatal",
                "firstTimestamp: Invalid value: \"\": needs to be unset",
                "count: Invalid value: \"\": needs to be unset",
                "source: Invalid value: \"\": needs to be unset",
            ]
        );
        assert_eq!(
            messages(
                g,
                "Event",
                event(
                    json!({"note": "changed", "regarding": {"kind": "Pod", "namespace": "team", "name": "db"},
                    "type": "Warning"})
                ),
                Some(event(json!({})))
            ),
            [
                "involvedObject: Invalid value: {\"Kind\":\"Pod\",\"Namespace\":\"team\",\"Name\":\"db\",\"UID\":\"\",\"APIVersion\":\"\",\"ResourceVersion\":\"\",\"FieldPath\":\"\"}: field is immutable",
                "message: Invalid value: \"changed\": field is immutable",
                "type: Invalid value: \"Warning\": field is immutable",
            ]
        );
    }

    #[test]
    fn resource_quotas() {
        let quota = |spec: Value| json!({"metadata": {"name": "q"}, "spec": spec});
        assert!(
            messages(
                "",
                "ResourceQuota",
                quota(
                    json!({"hard": {"pods": "10", "requests.cpu": "4", "example.com/gpu": "2",
                    "count/deployments.apps": "5"}, "scopes": ["NotBestEffort"]})
                ),
                None
            )
            .is_empty()
        );
        assert_eq!(
            messages(
                "",
                "ResourceQuota",
                quota(
                    json!({"hard": {"cpu": "-1", "pods": "2.5", "foo": "1", "storage": "1Gi", "example.com/gpu": "0.5"},
                    "scopes": ["BestEffort", "NotBestEffort", "Forever"]})
                ),
                None
            ),
            [
                "spec.hard[cpu]: Invalid value: \"-1\": must be greater than or equal to 0",
                "spec.hard[example.com/gpu]: Invalid value: 500m: must be an integer",
                "spec.hard[foo]: Invalid value: \"foo\": must be a standard resource type or fully qualified",
                "spec.hard[foo]: Invalid value: \"foo\": must be a standard resource for quota",
                "spec.hard[pods]: Invalid value: 2500m: must be an integer",
                "spec.hard[storage]: Invalid value: \"storage\": must be a standard resource for quota",
                "spec.scopes: Invalid value: [\"BestEffort\",\"NotBestEffort\",\"Forever\"]: unsupported scope applied to resource",
                "spec.scopes: Invalid value: [\"BestEffort\",\"NotBestEffort\",\"Forever\"]: unsupported scope",
                "spec.scopes: Invalid value: [\"BestEffort\",\"NotBestEffort\",\"Forever\"]: conflicting scopes",
            ]
        );
        assert_eq!(
            messages(
                "",
                "ResourceQuota",
                quota(json!({"hard": {"pods": "1"}, "scopeSelector": {"matchExpressions": [
                    {"scopeName": "PriorityClass", "operator": "In"},
                    {"scopeName": "Terminating", "operator": "In", "values": ["x"]},
                    {"scopeName": "Nope", "operator": "Exists", "values": ["x"]},
                ]}})),
                None
            ),
            [
                "spec.scopeSelector.matchExpressions.values: Required value: must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
                "spec.scopeSelector.matchExpressions.operator: Invalid value: \"In\": must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
                "spec.scopeSelector.matchExpressions.scopeName: Invalid value: \"Nope\": unsupported scope",
                "spec.scopeSelector.matchExpressions.values: Invalid value: [\"x\"]: must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector",
            ]
        );
        assert_eq!(
            messages(
                "",
                "ResourceQuota",
                quota(
                    json!({"hard": {"requests.storage": "1Gi"}, "scopeSelector": {"matchExpressions": [
                    {"scopeName": "BestEffort", "operator": "Exists"}]}})
                ),
                None
            ),
            [
                "spec.scopeSelector.matchExpressions: Invalid value: {\"MatchExpressions\":[{\"ScopeName\":\"BestEffort\",\"Operator\":\"Exists\",\"Values\":null}]}: unsupported scope applied to resource"
            ]
        );
        let old = quota(json!({"hard": {"pods": "1"}, "scopes": ["Terminating"]}));
        assert!(messages("", "ResourceQuota", old.clone(), Some(old.clone())).is_empty());
        assert_eq!(
            messages("", "ResourceQuota", quota(json!({"hard": {"pods": "1"}})), Some(old)),
            ["spec.scopes: Invalid value: null: field is immutable"]
        );
    }

    #[test]
    fn limit_ranges() {
        let range = |limits: Value| json!({"metadata": {"name": "l"}, "spec": {"limits": limits}});
        assert!(
            messages(
                "",
                "LimitRange",
                range(json!([
                    {"type": "Container", "min": {"cpu": "100m"}, "max": {"cpu": "2"}, "default": {"cpu": "1"},
                     "defaultRequest": {"cpu": "500m"}, "maxLimitRequestRatio": {"cpu": "4"}},
                    {"type": "Pod", "max": {"memory": "4Gi"}},
                    {"type": "PersistentVolumeClaim", "min": {"storage": "1Gi"}},
                ])),
                None
            )
            .is_empty()
        );
        assert_eq!(
            messages(
                "",
                "LimitRange",
                range(json!([
                    {"type": "Container", "min": {"cpu": "2"}, "max": {"cpu": "1"}, "default": {"cpu": "3"},
                     "defaultRequest": {"cpu": "4"}, "maxLimitRequestRatio": {"cpu": "500m", "memory": "3"},
                     "max": {"cpu": "1", "storage": "1Gi"}},
                ])),
                None
            ),
            [
                "spec.limits[0].max[storage]: Invalid value: \"storage\": must be a standard resource for containers",
                "spec.limits[0].min[cpu]: Invalid value: 2: min value 2 is greater than max value 1",
                "spec.limits[0].defaultRequest[cpu]: Invalid value: 4: default request value 4 is greater than max value 1",
                "spec.limits[0].defaultRequest[cpu]: Invalid value: 4: default request value 4 is greater than default limit value 3",
                "spec.limits[0].default[cpu]: Invalid value: 1: default value 3 is greater than max value 1",
                "spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: 500m: ratio 500m is less than 1",
            ]
        );
        assert_eq!(
            messages(
                "",
                "LimitRange",
                range(json!([
                    {"type": "Pod", "default": {"cpu": "1"}, "min": {"cpu": "1"}, "max": {"cpu": "2"},
                     "maxLimitRequestRatio": {"cpu": "3"}},
                    {"type": "Pod"},
                    {"type": "PersistentVolumeClaim", "max": {"cpu": "1"}},
                    {"type": "Node"},
                    {"type": "Container", "default": {"example.com/gpu": "2"}, "defaultRequest": {"example.com/gpu": "1"}},
                ])),
                None
            ),
            [
                "spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'",
                "spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: 3: ratio 3 is greater than max/min = 2.000000",
                "spec.limits[1].type: Duplicate value: \"Pod\"",
                "spec.limits[2].limits: Required value: either minimum or maximum storage value is required, but neither was provided",
                "spec.limits[3].type: Invalid value: \"Node\": must be a standard limit type or fully qualified",
                "spec.limits[4].defaultRequest[example.com/gpu]: Invalid value: 1: default value 2 must equal to defaultRequest value 1 in example.com/gpu",
            ]
        );
    }

    #[test]
    fn priority_classes() {
        let pc = |name: &str, value: i64, extra: Value| {
            let mut pc = json!({"metadata": {"name": name}, "value": value});
            for (k, v) in extra.as_object().into_iter().flatten() {
                pc[k] = v.clone();
            }
            pc
        };
        let g = "scheduling.k8s.io";
        assert!(
            messages(
                g,
                "PriorityClass",
                pc("high", 1000, json!({"preemptionPolicy": "Never"})),
                None
            )
            .is_empty()
        );
        assert!(
            messages(
                g,
                "PriorityClass",
                pc("system-node-critical", 2_000_001_000, json!({})),
                None
            )
            .is_empty()
        );
        assert_eq!(
            messages(
                g,
                "PriorityClass",
                pc("huge", 1_000_000_001, json!({"preemptionPolicy": "Always"})),
                None
            ),
            [
                "value: Forbidden: maximum allowed value of a user defined priority is 1000000000",
                "preemptionPolicy: Unsupported value: \"Always\": supported values: \"PreemptLowerPriority\", \"Never\"",
            ]
        );
        assert_eq!(
            messages(g, "PriorityClass", pc("system-mine", 1, json!({})), None),
            [
                "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class"
            ]
        );
        assert_eq!(
            messages(g, "PriorityClass", pc("system-cluster-critical", 1, json!({})), None),
            [
                "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-cluster-critical PriorityClass must be 2000000000"
            ]
        );
        assert_eq!(
            messages(
                g,
                "PriorityClass",
                pc("high", 2000, json!({"preemptionPolicy": "Never"})),
                Some(pc("high", 1000, json!({"preemptionPolicy": "PreemptLowerPriority"})))
            ),
            [
                "value: Forbidden: may not be changed in an update.",
                "preemptionPolicy: Invalid value: \"Never\": field is immutable",
            ]
        );
    }

    #[test]
    fn runtime_classes() {
        let rc = |handler: &str, extra: Value| {
            let mut rc = json!({"metadata": {"name": "gvisor"}, "handler": handler});
            for (k, v) in extra.as_object().into_iter().flatten() {
                rc[k] = v.clone();
            }
            rc
        };
        let g = "node.k8s.io";
        let good = rc(
            "runsc",
            json!({"overhead": {"podFixed": {"cpu": "250m", "memory": "64Mi"}},
                "scheduling": {"nodeSelector": {"sandbox": "true"},
                    "tolerations": [{"key": "sandbox", "operator": "Exists", "effect": "NoSchedule"}]}}),
        );
        assert!(messages(g, "RuntimeClass", good.clone(), Some(good.clone())).is_empty());
        assert_eq!(
            messages(
                g,
                "RuntimeClass",
                rc(
                    "Run.SC",
                    json!({"overhead": {"podFixed": {"cpu": "-1", "gpu": "1", "hugepages-2Mi": "3Mi"}},
                    "scheduling": {"tolerations": [
                        {"operator": "Equal", "value": "x"},
                        {"key": "k", "operator": "Exists", "value": "v", "effect": "Never", "tolerationSeconds": 5},
                        {"key": "k", "operator": "Like"},
                    ]}})
                ),
                Some(good)
            ),
            [
                "handler: Invalid value: \"Run.SC\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                "overhead.limits[cpu]: Invalid value: \"-1\": must be greater than or equal to 0",
                "overhead.limits[gpu]: Invalid value: \"gpu\": must be a standard resource type or fully qualified",
                "overhead.limits[gpu]: Invalid value: \"gpu\": must be a standard resource for containers",
                "overhead.limits[hugepages-2Mi]: Invalid value: \"3Mi\": 3Mi is not positive integer multiple of hugepages-2Mi",
                "scheduling.tolerations[0].operator: Invalid value: \"Equal\": operator must be Exists when `key` is empty, which means \"match all values and all keys\"",
                "scheduling.tolerations[1].effect: Invalid value: \"Never\": effect must be 'NoExecute' when `tolerationSeconds` is set",
                "scheduling.tolerations[1].operator: Invalid value: \"v\": value must be empty when `operator` is 'Exists'",
                "scheduling.tolerations[1].effect: Unsupported value: \"Never\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"",
                "scheduling.tolerations[2].operator: Unsupported value: \"Like\": supported values: \"Equal\", \"Exists\"",
                "handler: Invalid value: \"Run.SC\": field is immutable",
            ]
        );
    }

    #[test]
    fn node_selectors() {
        let selector: NodeSelector = serde_json::from_value(json!({"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "zone", "operator": "In"}, {"key": "gen", "operator": "Gt", "values": ["1", "2"]},
                                  {"key": "x", "operator": "Near", "values": ["bad value"]}],
             "matchFields": [{"key": "metadata.uid", "operator": "In", "values": ["a"]},
                             {"key": "metadata.name", "operator": "Exists", "values": ["Node_1"]}]},
        ]}))
        .unwrap();
        let mut errs = Vec::new();
        node_selector(&mut errs, &selector, &FieldPath::new("required"));
        let errs: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert_eq!(
            errs,
            [
                "required.nodeSelectorTerms[0].matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
                "required.nodeSelectorTerms[0].matchExpressions[1].values: Required value: must be specified single value when `operator` is 'Lt' or 'Gt'",
                "required.nodeSelectorTerms[0].matchExpressions[2].operator: Invalid value: \"Near\": not a valid selector operator",
                "required.nodeSelectorTerms[0].matchExpressions[2].values[0]: Invalid value: \"bad value\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
                "required.nodeSelectorTerms[0].matchFields[0].key: Invalid value: \"metadata.uid\": not a valid field selector key",
                "required.nodeSelectorTerms[0].matchFields[1].operator: Invalid value: \"Exists\": not a valid selector operator",
                "required.nodeSelectorTerms[0].matchFields[1].values[0]: Invalid value: \"Node_1\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            ]
        );
        let mut errs = Vec::new();
        node_selector(&mut errs, &NodeSelector::default(), &FieldPath::new("required"));
        assert_eq!(
            errs[0].to_string(),
            "required.nodeSelectorTerms: Required value: must have at least one node selector term"
        );
    }
}
