//! apps/v1 workloads — Deployments, ReplicaSets, DaemonSets, StatefulSets,
//! ControllerRevisions — and core/v1 ReplicationControllers, as upstream's
//! `pkg/apis/apps/validation` (and `ValidateReplicationController*` in
//! `pkg/apis/core/validation`) check them on create, update and status update: the
//! selector against the template's labels, replica counts, rollout strategies, what a
//! StatefulSet update may change, the selectors apps/v1 freezes.
//!
//! Upstream validates its internal types, converted from v1 and defaulted. Two things
//! follow here. A field the internal type holds by value (a Deployment's `replicas`)
//! is read as its v1 default when absent, and a structured bad value is rendered as
//! Go's `encoding/json` renders the internal struct — whose fields have no JSON tags,
//! so they come out under their Go names (`{"Type":"Bogus","RollingUpdate":null}`).
//! A selector is the exception: it is apimachinery's tagged `metav1.LabelSelector`.
//!
//! The helpers shared by the other workload modules (selectors as upstream's
//! `LabelSelectorAsSelector` sees them, int-or-percent values) live here too.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{
    ControllerRevision, DaemonSet, DaemonSetUpdateStrategy, Deployment, DeploymentStrategy, ReplicaSet,
    RollingUpdateStatefulSetStrategy, StatefulSet, StatefulSetSpec, StatefulSetUpdateStrategy,
};
use k8s_openapi::api::core::v1::{PodTemplateSpec, ReplicationController};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;
use serde_json::Value;

use super::common::{
    immutable, int_or_percent, non_negative, percent, selector_is_empty, selector_matches, validate_label_selector,
};
use super::{Input, typed};
use crate::field_error::{FieldError, FieldPath, FieldValue};
use crate::validation::{is_dns1123_label, is_valid_label_value, validate_annotations, validate_labels};

pub(super) fn validate(group: &str, kind: &str, new: Input<'_>, old: Option<&Value>) -> Option<Vec<FieldError>> {
    Some(match (group, kind) {
        ("apps", "Deployment") => typed(new, old, |n, o| deployment(n, o, &new, old)),
        ("apps", "ReplicaSet") => typed(new, old, |n, o| replica_set(n, o, &new, old)),
        ("apps", "DaemonSet") => typed(new, old, |n, o| daemon_set(n, o, &new, old)),
        ("apps", "StatefulSet") => typed(new, old, |n, o| stateful_set(n, o, &new, old)),
        ("apps", "ControllerRevision") => typed(new, old, controller_revision),
        ("", "ReplicationController") => typed(new, old, replication_controller),
        _ => return None,
    })
}

/// The errors of a status update (the `status` subresource) of `new` over `old`, as
/// the kinds' status strategies check it; `None` for kinds this module does not know.
pub(super) fn status_update(group: &str, kind: &str, new: &Value, old: &Value) -> Option<Vec<FieldError>> {
    let old = Some(old);
    Some(match (group, kind) {
        ("apps", "Deployment") => typed(new, old, |n: &Deployment, o| {
            let status = n.status.clone().unwrap_or_default();
            let old_count = o.and_then(|o| o.status.as_ref()).and_then(|s| s.collision_count);
            let mut errs = replica_counts(
                &[
                    ("observedGeneration", status.observed_generation.unwrap_or(0)),
                    ("replicas", status.replicas.unwrap_or(0).into()),
                    ("updatedReplicas", status.updated_replicas.unwrap_or(0).into()),
                    ("readyReplicas", status.ready_replicas.unwrap_or(0).into()),
                    ("availableReplicas", status.available_replicas.unwrap_or(0).into()),
                    ("unavailableReplicas", status.unavailable_replicas.unwrap_or(0).into()),
                ],
                status.collision_count,
                &["updatedReplicas", "readyReplicas", "availableReplicas"],
                "cannot be greater than readyReplicas",
            );
            errs.extend(collision_count_decremented(status.collision_count, old_count));
            errs
        }),
        ("apps", "ReplicaSet") => typed(new, old, |n: &ReplicaSet, _| {
            let status = n.status.clone().unwrap_or_default();
            replica_counts(
                &[
                    ("replicas", status.replicas.into()),
                    (
                        "fullyLabeledReplicas",
                        status.fully_labeled_replicas.unwrap_or(0).into(),
                    ),
                    ("readyReplicas", status.ready_replicas.unwrap_or(0).into()),
                    ("availableReplicas", status.available_replicas.unwrap_or(0).into()),
                    ("observedGeneration", status.observed_generation.unwrap_or(0)),
                ],
                None,
                &["fullyLabeledReplicas", "readyReplicas", "availableReplicas"],
                "cannot be greater than readyReplicas",
            )
        }),
        ("", "ReplicationController") => typed(new, old, |n: &ReplicationController, _| {
            let status = n.status.clone().unwrap_or_default();
            replica_counts(
                &[
                    ("replicas", status.replicas.into()),
                    (
                        "fullyLabeledReplicas",
                        status.fully_labeled_replicas.unwrap_or(0).into(),
                    ),
                    ("readyReplicas", status.ready_replicas.unwrap_or(0).into()),
                    ("availableReplicas", status.available_replicas.unwrap_or(0).into()),
                    ("observedGeneration", status.observed_generation.unwrap_or(0)),
                ],
                None,
                &["fullyLabeledReplicas", "readyReplicas", "availableReplicas"],
                "cannot be greater than readyReplicas",
            )
        }),
        ("apps", "StatefulSet") => typed(new, old, |n: &StatefulSet, o| {
            let status = n.status.clone().unwrap_or_default();
            let path = FieldPath::new("status");
            let mut errs: Vec<FieldError> = [
                ("replicas", status.replicas),
                ("readyReplicas", status.ready_replicas.unwrap_or(0)),
                ("currentReplicas", status.current_replicas.unwrap_or(0)),
                ("updatedReplicas", status.updated_replicas.unwrap_or(0)),
                ("availableReplicas", status.available_replicas.unwrap_or(0)),
            ]
            .iter()
            .filter_map(|(name, value)| non_negative((*value).into(), &path.child(name)))
            .collect();
            if let Some(generation) = status.observed_generation {
                errs.extend(non_negative(generation, &path.child("observedGeneration")));
            }
            if let Some(count) = status.collision_count {
                errs.extend(non_negative(count.into(), &path.child("collisionCount")));
            }
            let replicas = status.replicas;
            for (name, value) in [
                ("readyReplicas", status.ready_replicas.unwrap_or(0)),
                ("currentReplicas", status.current_replicas.unwrap_or(0)),
                ("updatedReplicas", status.updated_replicas.unwrap_or(0)),
                ("availableReplicas", status.available_replicas.unwrap_or(0)),
            ] {
                if value > replicas {
                    errs.push(FieldError::invalid(
                        path.child(name),
                        value,
                        "cannot be greater than status.replicas",
                    ));
                }
            }
            let (available, ready) = (
                status.available_replicas.unwrap_or(0),
                status.ready_replicas.unwrap_or(0),
            );
            if available > ready {
                errs.push(FieldError::invalid(
                    path.child("availableReplicas"),
                    available,
                    "cannot be greater than status.readyReplicas",
                ));
            }
            let old_count = o.and_then(|o| o.status.as_ref()).and_then(|s| s.collision_count);
            errs.extend(collision_count_decremented(status.collision_count, old_count));
            errs
        }),
        ("apps", "DaemonSet") => typed(new, old, |n: &DaemonSet, o| {
            let status = n.status.clone().unwrap_or_default();
            let path = FieldPath::new("status");
            let mut errs: Vec<FieldError> = [
                ("currentNumberScheduled", i64::from(status.current_number_scheduled)),
                ("numberMisscheduled", status.number_misscheduled.into()),
                ("desiredNumberScheduled", status.desired_number_scheduled.into()),
                ("numberReady", status.number_ready.into()),
                ("observedGeneration", status.observed_generation.unwrap_or(0)),
                (
                    "updatedNumberScheduled",
                    status.updated_number_scheduled.unwrap_or(0).into(),
                ),
                ("numberAvailable", status.number_available.unwrap_or(0).into()),
                ("numberUnavailable", status.number_unavailable.unwrap_or(0).into()),
            ]
            .iter()
            .filter_map(|(name, value)| non_negative(*value, &path.child(name)))
            .collect();
            if let Some(count) = status.collision_count {
                errs.extend(non_negative(count.into(), &path.child("collisionCount")));
            }
            let old_count = o.and_then(|o| o.status.as_ref()).and_then(|s| s.collision_count);
            errs.extend(collision_count_decremented(status.collision_count, old_count));
            errs
        }),
        _ => return None,
    })
}

/// Non-negative counts, then each of `bounded` no greater than `replicas`, then
/// `availableReplicas` no greater than `readyReplicas` (the Deployment and ReplicaSet
/// status rules, which share their wording).
fn replica_counts(
    counts: &[(&str, i64)],
    collision_count: Option<i32>,
    bounded: &[&str],
    available_over_ready: &str,
) -> Vec<FieldError> {
    let path = FieldPath::new("status");
    let mut errs: Vec<FieldError> = counts
        .iter()
        .filter_map(|(name, value)| non_negative(*value, &path.child(name)))
        .collect();
    if let Some(count) = collision_count {
        errs.extend(non_negative(count.into(), &path.child("collisionCount")));
    }
    let get = |name: &str| counts.iter().find(|(n, _)| *n == name).map_or(0, |(_, v)| *v);
    let replicas = get("replicas");
    for name in bounded {
        let value = get(name);
        if value > replicas {
            errs.push(FieldError::invalid(
                path.child(name),
                value,
                "cannot be greater than status.replicas",
            ));
        }
    }
    let (available, ready) = (get("availableReplicas"), get("readyReplicas"));
    if available > ready {
        errs.push(FieldError::invalid(
            path.child("availableReplicas"),
            available,
            available_over_ready,
        ));
    }
    errs
}

/// `status.collisionCount` may only grow (upstream's `IsDecremented`; clearing it
/// counts as decrementing, reported as 0).
fn collision_count_decremented(new: Option<i32>, old: Option<i32>) -> Option<FieldError> {
    let decremented = match (new, old) {
        (None, Some(_)) => true,
        (Some(new), Some(old)) => new < old,
        _ => false,
    };
    decremented.then(|| FieldError::invalid("status.collisionCount", new.unwrap_or(0), "cannot be decremented"))
}

// ---------------------------------------------------------------------------------
// Helpers shared by the workload modules.

/// Whether `object` has a non-null value at the JSON `pointer`. k8s-openapi reads an
/// absent required field as its default, so "absent" is asked of the raw object.
pub(super) fn present(object: &Value, pointer: &str) -> bool {
    object.pointer(pointer).is_some_and(|v| !v.is_null())
}

/// A label selector as upstream's `LabelSelectorAsSelector` turns it into a
/// `labels.Selector`: none selects nothing, an empty one everything, and one that does
/// not convert (a bad operator, key or value) is an error.
pub(super) enum Selector<'a> {
    Nothing,
    Everything,
    Of(&'a LabelSelector),
    Invalid,
}

impl<'a> Selector<'a> {
    pub(super) fn of(selector: Option<&'a LabelSelector>) -> Self {
        match selector {
            None => Self::Nothing,
            Some(s) if selector_is_empty(s) => Self::Everything,
            Some(s) if !validate_label_selector(s, &FieldPath::default()).is_empty() => Self::Invalid,
            Some(s) => Self::Of(s),
        }
    }

    /// `labels.Selector.Empty()`: only the selector of everything is empty.
    pub(super) fn is_empty(&self) -> bool {
        matches!(self, Self::Everything)
    }

    pub(super) fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        match self {
            Self::Nothing | Self::Invalid => false,
            Self::Everything => true,
            Self::Of(s) => selector_matches(s, labels),
        }
    }
}

/// Go's JSON of a `*metav1.LabelSelector`: `null`, or its tagged fields in declaration
/// order with empty ones left out.
pub(super) fn selector_value(selector: Option<&LabelSelector>) -> FieldValue {
    FieldValue::json(&selector.map(go_selector))
}

/// A `metav1.LabelSelector` as Go's `encoding/json` writes it, to embed in a larger
/// value.
pub(super) fn go_selector(selector: &LabelSelector) -> impl Serialize + '_ {
    #[derive(Serialize)]
    struct Requirement<'a> {
        key: &'a str,
        operator: &'a str,
        #[serde(skip_serializing_if = "<[String]>::is_empty")]
        values: &'a [String],
    }
    #[derive(Serialize)]
    struct Go<'a> {
        #[serde(rename = "matchLabels", skip_serializing_if = "Option::is_none")]
        match_labels: Option<&'a BTreeMap<String, String>>,
        #[serde(rename = "matchExpressions", skip_serializing_if = "Vec::is_empty")]
        match_expressions: Vec<Requirement<'a>>,
    }
    Go {
        match_labels: selector.match_labels.as_ref().filter(|m| !m.is_empty()),
        match_expressions: selector
            .match_expressions
            .iter()
            .flatten()
            .map(|r| Requirement {
                key: &r.key,
                operator: &r.operator,
                values: r.values.as_deref().unwrap_or_default(),
            })
            .collect(),
    }
}

/// Whether two selectors are equal as upstream compares them (nil and empty lists and
/// maps alike).
pub(super) fn selectors_equal(a: Option<&LabelSelector>, b: Option<&LabelSelector>) -> bool {
    type Parts<'a> = (Vec<(&'a String, &'a String)>, Vec<(&'a str, &'a str, &'a [String])>);
    fn parts(s: Option<&LabelSelector>) -> Parts<'_> {
        let labels = s.and_then(|s| s.match_labels.as_ref()).into_iter().flatten().collect();
        let exprs = s
            .and_then(|s| s.match_expressions.as_ref())
            .into_iter()
            .flatten()
            .map(|r| {
                (
                    r.key.as_str(),
                    r.operator.as_str(),
                    r.values.as_deref().unwrap_or_default(),
                )
            })
            .collect();
        (labels, exprs)
    }
    a.is_some() == b.is_some() && parts(a) == parts(b)
}

/// `ValidateImmutableField` for a selector, rendering it as Go does.
pub(super) fn immutable_selector(
    new: Option<&LabelSelector>,
    old: Option<&LabelSelector>,
    path: &FieldPath,
) -> Option<FieldError> {
    (!selectors_equal(new, old)).then(|| FieldError::invalid(path, selector_value(new), super::common::IMMUTABLE))
}

/// Whether a selector has a value that is not a valid label value (upstream's
/// `LabelSelectorHasInvalidLabelValue`): an update may keep such a stored selector.
pub(super) fn has_invalid_label_value(selector: Option<&LabelSelector>) -> bool {
    selector
        .and_then(|s| s.match_expressions.as_ref())
        .into_iter()
        .flatten()
        .flat_map(|r| r.values.iter().flatten())
        .any(|v| !is_valid_label_value(v).is_empty())
}

/// `ValidateLabelSelector`, leaving out the checks of expression values when
/// `allow_invalid_values` (upstream's `AllowInvalidLabelValueInSelector`).
pub(super) fn label_selector_errors(
    selector: &LabelSelector,
    path: &FieldPath,
    allow_invalid_values: bool,
) -> Vec<FieldError> {
    let mut errs = validate_label_selector(selector, path);
    if allow_invalid_values {
        let values = format!("{path}.matchExpressions[");
        errs.retain(|e| !(e.field.starts_with(&values) && e.field.contains("].values[")));
    }
    errs
}

/// Go's JSON of a label map: `null` when absent.
pub(super) fn labels_value(labels: Option<&BTreeMap<String, String>>) -> FieldValue {
    FieldValue::json(&labels)
}

/// The template's labels (none when it has no metadata).
pub(super) fn template_labels(template: &PodTemplateSpec) -> &BTreeMap<String, String> {
    static EMPTY: BTreeMap<String, String> = BTreeMap::new();
    template
        .metadata
        .as_ref()
        .and_then(|m| m.labels.as_ref())
        .unwrap_or(&EMPTY)
}

/// The template's restart policy; absent reads as the default, `Always`.
pub(super) fn restart_policy(template: &PodTemplateSpec) -> &str {
    template
        .spec
        .as_ref()
        .and_then(|s| s.restart_policy.as_deref())
        .unwrap_or("Always")
}

/// Go's JSON of an `intstr.IntOrString` (a number or a string).
pub(super) fn int_or_string_value(value: &IntOrString) -> FieldValue {
    FieldValue::json(value)
}

/// Upstream's `getIntOrPercentValue`: a valid percent's number, else the integer (a
/// string that is no integer counts as 0).
pub(super) fn int_or_percent_number(value: &IntOrString) -> i64 {
    match value {
        IntOrString::Int(n) => (*n).into(),
        IntOrString::String(s) => percent(s).unwrap_or_else(|| s.parse().unwrap_or(0)),
    }
}

/// `IsNotMoreThan100Percent`.
pub(super) fn not_more_than_100_percent(value: &IntOrString, path: &FieldPath) -> Option<FieldError> {
    match value {
        IntOrString::String(s) if percent(s).is_some_and(|p| p > 100) => Some(FieldError::invalid(
            path,
            int_or_string_value(value),
            "must not be greater than 100%",
        )),
        _ => None,
    }
}

/// The checks every controller template has: `ValidatePodTemplateSpec`, then the
/// restart policy (`Always` only) and no `activeDeadlineSeconds`, which upstream words
/// with the kind's name.
fn template_rules(template: &PodTemplateSpec, path: &FieldPath, kind: &str) -> Vec<FieldError> {
    let mut errs = super::pods::pod_template_spec(template, path);
    errs.extend(always_restart(template, path));
    if template
        .spec
        .as_ref()
        .is_some_and(|s| s.active_deadline_seconds.is_some())
    {
        errs.push(FieldError::forbidden(
            path.child("spec").child("activeDeadlineSeconds"),
            format!("activeDeadlineSeconds in {kind} is not Supported"),
        ));
    }
    errs
}

fn always_restart(template: &PodTemplateSpec, path: &FieldPath) -> Option<FieldError> {
    let policy = restart_policy(template);
    (policy != "Always")
        .then(|| FieldError::not_supported(path.child("spec").child("restartPolicy"), policy, &["Always"]))
}

fn mismatch(template: &PodTemplateSpec, path: &FieldPath) -> FieldError {
    FieldError::invalid(
        path.child("metadata").child("labels"),
        labels_value(template.metadata.as_ref().and_then(|m| m.labels.as_ref())),
        "`selector` does not match template `labels`",
    )
}

/// A required, strictly checked, non-empty selector (Deployments, ReplicaSets and
/// StatefulSets). ReplicaSets reuse the Deployment wording upstream.
fn required_selector(selector: Option<&LabelSelector>, path: &FieldPath, empty_msg: &str) -> Vec<FieldError> {
    match selector {
        None => vec![FieldError::required(path, "")],
        Some(s) => {
            let mut errs = validate_label_selector(s, path);
            if selector_is_empty(s) {
                errs.push(FieldError::invalid(path, selector_value(selector), empty_msg));
            }
            errs
        }
    }
}

/// `ValidatePodTemplateSpecForReplicaSet` (also a Deployment's template).
fn replica_set_template(template: &PodTemplateSpec, selector: &Selector, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if !selector.is_empty() && !selector.matches(template_labels(template)) {
        errs.push(mismatch(template, path));
    }
    errs.extend(template_rules(template, path, "ReplicaSet"));
    errs
}

// ---------------------------------------------------------------------------------
// Deployments.

fn deployment(new: &Deployment, old: Option<&Deployment>, raw: &Value, old_raw: Option<&Value>) -> Vec<FieldError> {
    let no_spec = Default::default();
    let spec = new.spec.as_ref().unwrap_or(&no_spec);
    let path = FieldPath::new("spec");
    let selector = present(raw, "/spec/selector").then_some(&spec.selector);
    let mut errs = Vec::new();
    let replicas = spec.replicas.unwrap_or(1);
    errs.extend(non_negative(replicas.into(), &path.child("replicas")));
    errs.extend(required_selector(
        selector,
        &path.child("selector"),
        "empty selector is invalid for deployment",
    ));
    match Selector::of(selector) {
        Selector::Invalid => errs.push(FieldError::invalid(
            path.child("selector"),
            selector_value(selector),
            "invalid label selector",
        )),
        sel => errs.extend(replica_set_template(&spec.template, &sel, &path.child("template"))),
    }
    errs.extend(deployment_strategy(spec.strategy.as_ref(), &path.child("strategy")));
    let min_ready = spec.min_ready_seconds.unwrap_or(0);
    errs.extend(non_negative(min_ready.into(), &path.child("minReadySeconds")));
    if let Some(limit) = spec.revision_history_limit {
        errs.extend(non_negative(limit.into(), &path.child("revisionHistoryLimit")));
    }
    if let Some(deadline) = spec.progress_deadline_seconds {
        let deadline_path = path.child("progressDeadlineSeconds");
        errs.extend(non_negative(deadline.into(), &deadline_path));
        if deadline <= min_ready {
            errs.push(FieldError::invalid(
                deadline_path,
                deadline,
                "must be greater than minReadySeconds",
            ));
        }
    }
    if let Some(old) = old {
        // apps/v1 freezes the selector (the strategy's check, outside ValidateDeploymentUpdate).
        let old_selector = selector_in(old.spec.as_ref().map(|s| &s.selector), old_raw);
        errs.extend(immutable_selector(selector, old_selector, &path.child("selector")));
    }
    errs
}

/// `selector` (a spec's `selector`, read from `raw`) unless the raw object has none.
fn selector_in<'a>(selector: Option<&'a LabelSelector>, raw: Option<&Value>) -> Option<&'a LabelSelector> {
    selector.filter(|_| raw.is_some_and(|r| present(r, "/spec/selector")))
}

/// The internal `DeploymentStrategy`'s JSON: Go field names, `intstr` values.
#[derive(Serialize)]
struct GoDeploymentStrategy<'a> {
    #[serde(rename = "Type")]
    type_: &'a str,
    #[serde(rename = "RollingUpdate")]
    rolling_update: Option<GoRollingUpdate>,
}

#[derive(Serialize)]
struct GoRollingUpdate {
    #[serde(rename = "MaxUnavailable")]
    max_unavailable: IntOrString,
    #[serde(rename = "MaxSurge")]
    max_surge: IntOrString,
}

fn deployment_strategy(strategy: Option<&DeploymentStrategy>, path: &FieldPath) -> Vec<FieldError> {
    let kind = strategy.and_then(|s| s.type_.as_deref()).unwrap_or("RollingUpdate");
    let rolling = strategy.and_then(|s| s.rolling_update.as_ref());
    let quarter = || IntOrString::String("25%".to_string());
    let values = |r: &k8s_openapi::api::apps::v1::RollingUpdateDeployment| {
        (
            r.max_unavailable.clone().unwrap_or_else(quarter),
            r.max_surge.clone().unwrap_or_else(quarter),
        )
    };
    let mut errs = Vec::new();
    match kind {
        "Recreate" => {
            if rolling.is_some() {
                errs.push(FieldError::forbidden(
                    path.child("rollingUpdate"),
                    "may not be specified when strategy `type` is 'Recreate'",
                ));
            }
        }
        "RollingUpdate" => match rolling {
            None => errs.push(FieldError::required(
                path.child("rollingUpdate"),
                "this should be defaulted and never be nil",
            )),
            Some(r) => {
                let here = path.child("rollingUpdate");
                let (unavailable, surge) = values(r);
                errs.extend(int_or_percent(&unavailable, &here.child("maxUnavailable")));
                errs.extend(int_or_percent(&surge, &here.child("maxSurge")));
                if int_or_percent_number(&unavailable) == 0 && int_or_percent_number(&surge) == 0 {
                    errs.push(FieldError::invalid(
                        here.child("maxUnavailable"),
                        int_or_string_value(&unavailable),
                        "may not be 0 when `maxSurge` is 0",
                    ));
                }
                errs.extend(not_more_than_100_percent(&unavailable, &here.child("maxUnavailable")));
            }
        },
        other => {
            let go = GoDeploymentStrategy {
                type_: other,
                rolling_update: rolling.map(|r| {
                    let (max_unavailable, max_surge) = values(r);
                    GoRollingUpdate {
                        max_unavailable,
                        max_surge,
                    }
                }),
            };
            errs.push(FieldError::not_supported(
                path,
                FieldValue::json(&go),
                &["Recreate", "RollingUpdate"],
            ));
        }
    }
    errs
}

// ---------------------------------------------------------------------------------
// ReplicaSets and ReplicationControllers.

fn replica_set(new: &ReplicaSet, old: Option<&ReplicaSet>, raw: &Value, old_raw: Option<&Value>) -> Vec<FieldError> {
    let no_spec = Default::default();
    let spec = new.spec.as_ref().unwrap_or(&no_spec);
    let path = FieldPath::new("spec");
    let selector = present(raw, "/spec/selector").then_some(&spec.selector);
    let mut errs = Vec::new();
    errs.extend(non_negative(spec.replicas.unwrap_or(1).into(), &path.child("replicas")));
    errs.extend(non_negative(
        spec.min_ready_seconds.unwrap_or(0).into(),
        &path.child("minReadySeconds"),
    ));
    // Upstream words a ReplicaSet's empty selector as a Deployment's.
    errs.extend(required_selector(
        selector,
        &path.child("selector"),
        "empty selector is invalid for deployment",
    ));
    let no_template = PodTemplateSpec::default();
    let template = spec.template.as_ref().unwrap_or(&no_template);
    match Selector::of(selector) {
        Selector::Invalid => errs.push(FieldError::invalid(
            path.child("selector"),
            selector_value(selector),
            "invalid label selector",
        )),
        sel => errs.extend(replica_set_template(template, &sel, &path.child("template"))),
    }
    if let Some(old) = old {
        let old_selector = selector_in(old.spec.as_ref().map(|s| &s.selector), old_raw);
        errs.extend(immutable_selector(selector, old_selector, &path.child("selector")));
    }
    errs
}

fn replication_controller(new: &ReplicationController, old: Option<&ReplicationController>) -> Vec<FieldError> {
    let no_spec = Default::default();
    let spec = new.spec.as_ref().unwrap_or(&no_spec);
    let path = FieldPath::new("spec");
    let mut errs = Vec::new();
    errs.extend(non_negative(
        spec.min_ready_seconds.unwrap_or(0).into(),
        &path.child("minReadySeconds"),
    ));
    // The selector is a plain map: only its presence is checked, never its syntax.
    let no_selector = BTreeMap::new();
    let selector = spec.selector.as_ref().unwrap_or(&no_selector);
    if selector.is_empty() {
        errs.push(FieldError::required(path.child("selector"), ""));
    }
    errs.extend(non_negative(spec.replicas.unwrap_or(1).into(), &path.child("replicas")));
    let template_path = path.child("template");
    match &spec.template {
        None => errs.push(FieldError::required(&template_path, "")),
        Some(template) => {
            let labels = template_labels(template);
            if !selector.is_empty() && !selector.iter().all(|(k, v)| labels.get(k) == Some(v)) {
                errs.push(mismatch(template, &template_path));
            }
            errs.extend(template_rules(template, &template_path, "ReplicationController"));
        }
    }
    if old.is_some() {
        // The strategy runs ValidateReplicationController and then
        // ValidateReplicationControllerUpdate, and both check the spec: every spec
        // error of an update is reported twice (the aggregate message shows it once).
        errs.extend_from_within(..);
    }
    errs
}

// ---------------------------------------------------------------------------------
// DaemonSets.

#[derive(Serialize)]
struct GoDaemonSetStrategy<'a> {
    #[serde(rename = "Type")]
    type_: &'a str,
    #[serde(rename = "RollingUpdate")]
    rolling_update: Option<GoRollingUpdate>,
}

fn daemon_set(new: &DaemonSet, old: Option<&DaemonSet>, raw: &Value, old_raw: Option<&Value>) -> Vec<FieldError> {
    let no_spec = Default::default();
    let spec = new.spec.as_ref().unwrap_or(&no_spec);
    let path = FieldPath::new("spec");
    // Unlike the other workloads, a DaemonSet without a selector is not reported as
    // such: it selects nothing, so its template never matches.
    let selector = present(raw, "/spec/selector").then_some(&spec.selector);
    let old_selector = old.map(|o| selector_in(o.spec.as_ref().map(|s| &s.selector), old_raw));
    // An update may keep expression values a stored selector already had.
    let allow_invalid = old_selector.is_some_and(has_invalid_label_value);
    let mut errs = Vec::new();
    if let Some(s) = selector {
        errs.extend(label_selector_errors(s, &path.child("selector"), allow_invalid));
    }
    let sel = Selector::of(selector);
    if !matches!(sel, Selector::Invalid) && !sel.matches(template_labels(&spec.template)) {
        errs.push(mismatch(&spec.template, &path.child("template")));
    }
    if selector.is_some_and(selector_is_empty) {
        errs.push(FieldError::invalid(
            path.child("selector"),
            selector_value(selector),
            "empty selector is invalid for daemonset",
        ));
    }
    errs.extend(template_rules(&spec.template, &path.child("template"), "DaemonSet"));
    errs.extend(non_negative(
        spec.min_ready_seconds.unwrap_or(0).into(),
        &path.child("minReadySeconds"),
    ));
    errs.extend(daemon_set_strategy(
        spec.update_strategy.as_ref(),
        &path.child("updateStrategy"),
    ));
    if let Some(limit) = spec.revision_history_limit {
        errs.extend(non_negative(limit.into(), &path.child("revisionHistoryLimit")));
    }
    if let Some(old_selector) = old_selector {
        errs.extend(immutable_selector(selector, old_selector, &path.child("selector")));
    }
    errs
}

fn daemon_set_strategy(strategy: Option<&DaemonSetUpdateStrategy>, path: &FieldPath) -> Vec<FieldError> {
    let kind = strategy.and_then(|s| s.type_.as_deref()).unwrap_or("RollingUpdate");
    let rolling = strategy.and_then(|s| s.rolling_update.as_ref());
    let values = |r: &k8s_openapi::api::apps::v1::RollingUpdateDaemonSet| {
        (
            r.max_unavailable.clone().unwrap_or(IntOrString::Int(1)),
            r.max_surge.clone().unwrap_or(IntOrString::Int(0)),
        )
    };
    let mut errs = Vec::new();
    match kind {
        "OnDelete" => {}
        "RollingUpdate" => match rolling {
            None => errs.push(FieldError::required(path.child("rollingUpdate"), "")),
            Some(r) => {
                let here = path.child("rollingUpdate");
                let (unavailable, surge) = values(r);
                let (unavailable_path, surge_path) = (here.child("maxUnavailable"), here.child("maxSurge"));
                errs.extend(int_or_percent(&unavailable, &unavailable_path));
                errs.extend(int_or_percent(&surge, &surge_path));
                errs.extend(not_more_than_100_percent(&unavailable, &unavailable_path));
                errs.extend(not_more_than_100_percent(&surge, &surge_path));
                let has_unavailable = int_or_percent_number(&unavailable) != 0;
                let has_surge = int_or_percent_number(&surge) != 0;
                if has_unavailable && has_surge {
                    errs.push(FieldError::invalid(
                        surge_path,
                        int_or_string_value(&surge),
                        "may not be set when maxUnavailable is non-zero",
                    ));
                } else if !has_unavailable && !has_surge {
                    errs.push(FieldError::required(unavailable_path, "cannot be 0 when maxSurge is 0"));
                }
            }
        },
        other => {
            let go = GoDaemonSetStrategy {
                type_: other,
                rolling_update: rolling.map(|r| {
                    let (max_unavailable, max_surge) = values(r);
                    GoRollingUpdate {
                        max_unavailable,
                        max_surge,
                    }
                }),
            };
            errs.push(FieldError::not_supported(
                path,
                FieldValue::json(&go),
                &["RollingUpdate", "OnDelete"],
            ));
        }
    }
    errs
}

// ---------------------------------------------------------------------------------
// StatefulSets.

#[derive(Serialize)]
struct GoStatefulSetRollingUpdate {
    #[serde(rename = "Partition")]
    partition: i32,
    #[serde(rename = "MaxUnavailable")]
    max_unavailable: Option<IntOrString>,
}

#[derive(Serialize)]
struct GoStatefulSetStrategy<'a> {
    #[serde(rename = "Type")]
    type_: &'a str,
    #[serde(rename = "RollingUpdate")]
    rolling_update: Option<GoStatefulSetRollingUpdate>,
}

fn go_stateful_rolling(r: &RollingUpdateStatefulSetStrategy) -> GoStatefulSetRollingUpdate {
    GoStatefulSetRollingUpdate {
        partition: r.partition.unwrap_or(0),
        max_unavailable: r.max_unavailable.clone(),
    }
}

/// What a StatefulSet update may not change, upstream's wording.
const STATEFUL_SET_FROZEN: &str = "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

fn stateful_set(new: &StatefulSet, old: Option<&StatefulSet>, raw: &Value, old_raw: Option<&Value>) -> Vec<FieldError> {
    let no_spec = Default::default();
    let spec = new.spec.as_ref().unwrap_or(&no_spec);
    let path = FieldPath::new("spec");
    let selector = present(raw, "/spec/selector").then_some(&spec.selector);
    let mut errs = Vec::new();

    let policy_path = path.child("podManagementPolicy");
    match spec.pod_management_policy.as_deref().unwrap_or("") {
        "" => errs.push(FieldError::required(policy_path, "")),
        "OrderedReady" | "Parallel" => {}
        other => errs.push(FieldError::invalid(
            policy_path,
            other,
            "must be 'OrderedReady' or 'Parallel'",
        )),
    }
    errs.extend(stateful_set_strategy(
        spec.update_strategy.as_ref(),
        &path.child("updateStrategy"),
    ));

    if let Some(policy) = &spec.persistent_volume_claim_retention_policy {
        let here = path.child("persistentVolumeClaimRetentionPolicy");
        for (name, value) in [
            ("whenDeleted", &policy.when_deleted),
            ("whenScaled", &policy.when_scaled),
        ] {
            let value = value.as_deref().unwrap_or("Retain");
            if value != "Retain" && value != "Delete" {
                errs.push(FieldError::not_supported(
                    here.child(name),
                    value,
                    &["Retain", "Delete"],
                ));
            }
        }
    }
    errs.extend(non_negative(spec.replicas.unwrap_or(1).into(), &path.child("replicas")));
    errs.extend(non_negative(
        spec.min_ready_seconds.unwrap_or(0).into(),
        &path.child("minReadySeconds"),
    ));
    if let Some(ordinals) = &spec.ordinals {
        errs.extend(non_negative(
            ordinals.start.unwrap_or(0).into(),
            &path.child("ordinals").child("start"),
        ));
    }
    // Only new StatefulSets need a valid serviceName: updates keep a stored invalid one.
    if old.is_none() {
        let name = spec.service_name.as_deref().unwrap_or("");
        if !name.is_empty() {
            for msg in is_dns1123_label(name) {
                errs.push(FieldError::invalid(path.child("serviceName"), name, msg));
            }
        }
    }
    errs.extend(required_selector(
        selector,
        &path.child("selector"),
        "empty selector is invalid for statefulset",
    ));
    let template_path = path.child("template");
    match Selector::of(selector) {
        Selector::Invalid => errs.push(FieldError::invalid(
            path.child("selector"),
            selector_value(selector),
            "",
        )),
        sel => {
            let template = &spec.template;
            if !sel.is_empty() && !sel.matches(template_labels(template)) {
                errs.push(mismatch(template, &template_path));
            }
            // Upstream checks only the template's metadata here (its pod spec is not
            // validated for StatefulSets in 1.33), under `template.labels` and
            // `template.annotations` — not `template.metadata.…`.
            let meta = template.metadata.as_ref();
            let labels = meta.and_then(|m| m.labels.as_ref()).into_iter().flatten();
            errs.extend(validate_labels(
                labels.map(|(k, v)| (k.as_str(), v.as_str())),
                &template_path.child("labels"),
            ));
            let annotations = meta.and_then(|m| m.annotations.as_ref()).into_iter().flatten();
            errs.extend(validate_annotations(
                annotations.map(|(k, v)| (k.as_str(), v.as_str())),
                &template_path.child("annotations"),
            ));
        }
    }
    errs.extend(always_restart(&spec.template, &template_path));
    if spec
        .template
        .spec
        .as_ref()
        .is_some_and(|s| s.active_deadline_seconds.is_some())
    {
        errs.push(FieldError::forbidden(
            template_path.child("spec").child("activeDeadlineSeconds"),
            "activeDeadlineSeconds in StatefulSet is not Supported",
        ));
    }

    if let Some(old) = old {
        let no_old_spec = Default::default();
        let old_spec = old.spec.as_ref().unwrap_or(&no_old_spec);
        let old_selector = selector_in(old.spec.as_ref().map(|s| &s.selector), old_raw);
        if !stateful_set_frozen_equal(spec, selector, old_spec, old_selector) {
            errs.push(FieldError::forbidden("spec", STATEFUL_SET_FROZEN));
        }
    }
    errs
}

/// The spec fields an update may not change: everything but replicas, ordinals,
/// template, updateStrategy, revisionHistoryLimit, the PVC retention policy and
/// minReadySeconds. Absent and empty lists and strings are alike, as upstream's
/// semantic equality has them.
fn stateful_set_frozen_equal(
    new: &StatefulSetSpec,
    new_selector: Option<&LabelSelector>,
    old: &StatefulSetSpec,
    old_selector: Option<&LabelSelector>,
) -> bool {
    let str_of = |s: &Option<String>| s.clone().unwrap_or_default();
    let claims = |s: &StatefulSetSpec| s.volume_claim_templates.clone().unwrap_or_default();
    selectors_equal(new_selector, old_selector)
        && str_of(&new.service_name) == str_of(&old.service_name)
        && str_of(&new.pod_management_policy) == str_of(&old.pod_management_policy)
        && claims(new) == claims(old)
}

fn stateful_set_strategy(strategy: Option<&StatefulSetUpdateStrategy>, path: &FieldPath) -> Vec<FieldError> {
    let kind = strategy.and_then(|s| s.type_.as_deref()).unwrap_or("");
    let rolling = strategy.and_then(|s| s.rolling_update.as_ref());
    let mut errs = Vec::new();
    match kind {
        "" => errs.push(FieldError::required(path, "")),
        "OnDelete" => {
            if let Some(r) = rolling {
                errs.push(FieldError::invalid(
                    path.child("rollingUpdate"),
                    FieldValue::json(&go_stateful_rolling(r)),
                    "only allowed for updateStrategy 'RollingUpdate'",
                ));
            }
        }
        "RollingUpdate" => {
            if let Some(r) = rolling {
                let here = path.child("rollingUpdate");
                errs.extend(non_negative(r.partition.unwrap_or(0).into(), &here.child("partition")));
                if let Some(max) = &r.max_unavailable {
                    let max_path = here.child("maxUnavailable");
                    errs.extend(int_or_percent(max, &max_path));
                    if int_or_percent_number(max) == 0 {
                        errs.push(FieldError::invalid(&max_path, int_or_string_value(max), "cannot be 0"));
                    }
                    errs.extend(not_more_than_100_percent(max, &max_path));
                }
            }
        }
        other => {
            let go = GoStatefulSetStrategy {
                type_: other,
                rolling_update: rolling.map(go_stateful_rolling),
            };
            errs.push(FieldError::invalid(
                path,
                FieldValue::json(&go),
                "must be 'RollingUpdate' or 'OnDelete'",
            ));
        }
    }
    errs
}

// ---------------------------------------------------------------------------------
// ControllerRevisions.

fn controller_revision(new: &ControllerRevision, old: Option<&ControllerRevision>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    // Absent data, or `null`, converts to no object at all.
    let data = new.data.as_ref().map(|d| &d.0).filter(|d| !d.is_null());
    if data.is_none() {
        errs.push(FieldError::required("data", "data is mandatory"));
    }
    errs.extend(non_negative(new.revision, &FieldPath::new("revision")));
    if let Some(old) = old {
        let old_data = old.data.as_ref().map(|d| &d.0).filter(|d| !d.is_null());
        // Upstream compares the raw bytes; a JSON value compares as data, not text.
        errs.extend(immutable(&data, &old_data, &FieldPath::new("data")));
    }
    errs
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn messages(group: &str, kind: &str, new: &Value, old: Option<&Value>) -> Vec<String> {
        validate(group, kind, Input::from(new), old)
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn status_messages(group: &str, kind: &str, new: &Value, old: &Value) -> Vec<String> {
        status_update(group, kind, new, old)
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// A JSON merge of `patch` into `base` (objects merge, anything else replaces,
    /// `null` removes).
    fn with(base: &Value, patch: Value) -> Value {
        fn merge(base: &mut Value, patch: Value) {
            match (base, patch) {
                (Value::Object(b), Value::Object(p)) => {
                    for (k, v) in p {
                        if v.is_null() {
                            b.remove(&k);
                        } else {
                            merge(b.entry(k).or_insert(Value::Null), v);
                        }
                    }
                }
                (b, p) => *b = p,
            }
        }
        let mut out = base.clone();
        merge(&mut out, patch);
        out
    }

    fn template() -> Value {
        json!({"metadata": {"labels": {"app": "web"}},
               "spec": {"restartPolicy": "Always", "containers": [{"name": "c", "image": "nginx:1"}]}})
    }

    fn deployment() -> Value {
        let mut d = json!({"metadata": {"name": "web"}, "spec": {
            "selector": {"matchLabels": {"app": "web"}}, "template": template()}});
        crate::defaults::apply("apps", "Deployment", &mut d);
        d
    }

    #[test]
    fn deployments_valid() {
        let d = deployment();
        assert!(messages("apps", "Deployment", &d, None).is_empty());
        let cases = [
            json!({"spec": {"replicas": 0, "minReadySeconds": 5, "progressDeadlineSeconds": 6}}),
            json!({"spec": {"strategy": {"type": "Recreate", "rollingUpdate": null}}}),
            json!({"spec": {"strategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": "100%"}}}}),
            json!({"spec": {"selector": {"matchLabels": null, "matchExpressions": [
                {"key": "app", "operator": "In", "values": ["web", "api"]}]}}}),
            json!({"spec": {"revisionHistoryLimit": 0}}),
        ];
        for patch in cases {
            let changed = with(&d, patch.clone());
            assert!(messages("apps", "Deployment", &changed, None).is_empty(), "{patch}");
            if !patch.to_string().contains("selector") {
                assert!(messages("apps", "Deployment", &changed, Some(&d)).is_empty(), "{patch}");
            }
        }
    }

    #[test]
    fn deployments_invalid() {
        let d = deployment();
        let cases: Vec<(Value, Vec<&str>)> = vec![
            (
                json!({"spec": {"replicas": -1}}),
                vec!["spec.replicas: Invalid value: -1: must be greater than or equal to 0"],
            ),
            (
                json!({"spec": {"selector": null}}),
                vec![
                    "spec.selector: Required value",
                    "spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`",
                ],
            ),
            (
                json!({"spec": {"selector": {"matchLabels": null}}}),
                vec!["spec.selector: Invalid value: {}: empty selector is invalid for deployment"],
            ),
            (
                json!({"spec": {"selector": {"matchLabels": {"app": "api"}}}}),
                vec![
                    "spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`",
                ],
            ),
            (
                json!({"spec": {"template": {"metadata": {"labels": null}}}}),
                vec!["spec.template.metadata.labels: Invalid value: null: `selector` does not match template `labels`"],
            ),
            (
                json!({"spec": {"selector": {"matchExpressions": [{"key": "app", "operator": "Near"}]}}}),
                vec![
                    "spec.selector.matchExpressions[0].operator: Invalid value: \"Near\": not a valid selector operator",
                    "spec.selector: Invalid value: {\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":[{\"key\":\"app\",\"operator\":\"Near\"}]}: invalid label selector",
                ],
            ),
            (
                json!({"spec": {"template": {"spec": {"restartPolicy": "Never", "activeDeadlineSeconds": 5}}}}),
                vec![
                    "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"",
                    "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported",
                ],
            ),
            (
                json!({"spec": {"strategy": {"type": "Recreate"}}}),
                vec!["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"],
            ),
            (
                json!({"spec": {"strategy": {"type": "Bogus", "rollingUpdate": null}}}),
                vec![
                    "spec.strategy: Unsupported value: {\"Type\":\"Bogus\",\"RollingUpdate\":null}: supported values: \"Recreate\", \"RollingUpdate\"",
                ],
            ),
            (
                json!({"spec": {"strategy": {"rollingUpdate": {"maxSurge": "0%", "maxUnavailable": 0}}}}),
                vec!["spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0"],
            ),
            (
                json!({"spec": {"strategy": {"rollingUpdate": {"maxSurge": "x", "maxUnavailable": "110%"}}}}),
                vec![
                    "spec.strategy.rollingUpdate.maxSurge: Invalid value: \"x\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
                    "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"110%\": must not be greater than 100%",
                ],
            ),
            (
                json!({"spec": {"strategy": {"rollingUpdate": {"maxSurge": -1}}}}),
                vec!["spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0"],
            ),
            (
                json!({"spec": {"minReadySeconds": 600, "revisionHistoryLimit": -2}}),
                vec![
                    "spec.revisionHistoryLimit: Invalid value: -2: must be greater than or equal to 0",
                    "spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds",
                ],
            ),
            (
                json!({"spec": {"minReadySeconds": -1, "progressDeadlineSeconds": -5}}),
                vec![
                    "spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0",
                    "spec.progressDeadlineSeconds: Invalid value: -5: must be greater than or equal to 0",
                    "spec.progressDeadlineSeconds: Invalid value: -5: must be greater than minReadySeconds",
                ],
            ),
        ];
        for (patch, want) in cases {
            assert_eq!(
                messages("apps", "Deployment", &with(&d, patch.clone()), None),
                want,
                "{patch}"
            );
        }
    }

    #[test]
    fn apps_v1_selectors_are_immutable() {
        let d = deployment();
        let moved = with(
            &d,
            json!({"spec": {"selector": {"matchLabels": {"tier": "a"}}, "template": {"metadata": {"labels": {"tier": "a"}}}}}),
        );
        assert_eq!(
            messages("apps", "Deployment", &moved, Some(&d)),
            ["spec.selector: Invalid value: {\"matchLabels\":{\"app\":\"web\",\"tier\":\"a\"}}: field is immutable"]
        );
        let rs = json!({"metadata": {"name": "r"}, "spec": {"replicas": 1,
            "selector": {"matchLabels": {"app": "web"}}, "template": template()}});
        let rs_moved = with(&rs, json!({"spec": {"selector": {"matchLabels": {"x": "y"}}}}));
        assert!(messages("apps", "ReplicaSet", &rs, Some(&rs)).is_empty());
        assert!(
            messages("apps", "ReplicaSet", &rs_moved, Some(&rs)).contains(
                &"spec.selector: Invalid value: {\"matchLabels\":{\"app\":\"web\",\"x\":\"y\"}}: field is immutable"
                    .to_string()
            )
        );
    }

    #[test]
    fn replica_sets() {
        let rs = json!({"metadata": {"name": "r"}, "spec": {"replicas": 1,
            "selector": {"matchLabels": {"app": "web"}}, "template": template()}});
        assert!(messages("apps", "ReplicaSet", &rs, None).is_empty());
        assert_eq!(
            messages(
                "apps",
                "ReplicaSet",
                &with(
                    &rs,
                    json!({"spec": {"replicas": -2, "minReadySeconds": -1, "selector": {"matchLabels": null}}})
                ),
                None
            ),
            [
                "spec.replicas: Invalid value: -2: must be greater than or equal to 0",
                "spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0",
                "spec.selector: Invalid value: {}: empty selector is invalid for deployment",
            ]
        );
        assert_eq!(
            messages(
                "apps",
                "ReplicaSet",
                &with(&rs, json!({"spec": {"selector": {"matchLabels": {"app": "x"}}}})),
                None
            ),
            [
                "spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`"
            ]
        );
    }

    #[test]
    fn replication_controllers() {
        let rc = json!({"metadata": {"name": "r"}, "spec": {"replicas": 1,
            "selector": {"app": "web"}, "template": template()}});
        assert!(messages("", "ReplicationController", &rc, None).is_empty());
        assert!(messages("", "ReplicationController", &rc, Some(&rc)).is_empty());
        let cases: Vec<(Value, Vec<&str>)> = vec![
            (
                json!({"spec": {"selector": null, "replicas": -1}}),
                vec![
                    "spec.selector: Required value",
                    "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
                ],
            ),
            (
                json!({"spec": {"template": null}}),
                vec!["spec.template: Required value"],
            ),
            (
                json!({"spec": {"selector": {"app": "other"}, "minReadySeconds": -3}}),
                vec![
                    "spec.minReadySeconds: Invalid value: -3: must be greater than or equal to 0",
                    "spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`",
                ],
            ),
            (
                json!({"spec": {"template": {"spec": {"restartPolicy": "OnFailure", "activeDeadlineSeconds": 1}}}}),
                vec![
                    "spec.template.spec.restartPolicy: Unsupported value: \"OnFailure\": supported values: \"Always\"",
                    "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicationController is not Supported",
                ],
            ),
        ];
        for (patch, want) in cases {
            assert_eq!(
                messages("", "ReplicationController", &with(&rc, patch.clone()), None),
                want,
                "{patch}"
            );
        }
        // An update reports each spec error twice, as upstream's strategy does.
        let bad = with(&rc, json!({"spec": {"replicas": -1}}));
        assert_eq!(
            messages("", "ReplicationController", &bad, Some(&rc)),
            [
                "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
                "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
            ]
        );
    }

    fn daemon_set() -> Value {
        let mut ds = json!({"metadata": {"name": "d"}, "spec": {
            "selector": {"matchLabels": {"app": "web"}}, "template": template()}});
        crate::defaults::apply("apps", "DaemonSet", &mut ds);
        ds
    }

    #[test]
    fn daemon_sets() {
        let ds = daemon_set();
        assert!(messages("apps", "DaemonSet", &ds, None).is_empty());
        for ok in [
            json!({"spec": {"updateStrategy": {"type": "OnDelete", "rollingUpdate": null}}}),
            json!({"spec": {"updateStrategy": {"rollingUpdate": {"maxUnavailable": 0, "maxSurge": "10%"}}}}),
        ] {
            assert!(
                messages("apps", "DaemonSet", &with(&ds, ok.clone()), None).is_empty(),
                "{ok}"
            );
        }
        let cases: Vec<(Value, Vec<&str>)> = vec![
            (
                json!({"spec": {"selector": {"matchLabels": null}}}),
                vec!["spec.selector: Invalid value: {}: empty selector is invalid for daemonset"],
            ),
            (
                json!({"spec": {"selector": {"matchLabels": {"app": "db"}}}}),
                vec![
                    "spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`",
                ],
            ),
            (
                json!({"spec": {"updateStrategy": {"rollingUpdate": {"maxUnavailable": 1, "maxSurge": 1}}}}),
                vec![
                    "spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero",
                ],
            ),
            (
                json!({"spec": {"updateStrategy": {"rollingUpdate": {"maxUnavailable": "0%", "maxSurge": 0}}}}),
                vec![
                    "spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0",
                ],
            ),
            (
                json!({"spec": {"updateStrategy": {"rollingUpdate": {"maxUnavailable": "200%", "maxSurge": 0}}}}),
                vec![
                    "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: \"200%\": must not be greater than 100%",
                ],
            ),
            (
                json!({"spec": {"updateStrategy": {"rollingUpdate": null}}}),
                vec!["spec.updateStrategy.rollingUpdate: Required value"],
            ),
            (
                json!({"spec": {"updateStrategy": {"type": "Sometimes", "rollingUpdate": null}}}),
                vec![
                    "spec.updateStrategy: Unsupported value: {\"Type\":\"Sometimes\",\"RollingUpdate\":null}: supported values: \"RollingUpdate\", \"OnDelete\"",
                ],
            ),
            (
                json!({"spec": {"minReadySeconds": -1, "revisionHistoryLimit": -1,
                    "template": {"spec": {"restartPolicy": "Never"}}}}),
                vec![
                    "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"",
                    "spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0",
                    "spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0",
                ],
            ),
        ];
        for (patch, want) in cases {
            assert_eq!(
                messages("apps", "DaemonSet", &with(&ds, patch.clone()), None),
                want,
                "{patch}"
            );
        }
        // A stored selector with an invalid value may be kept; a new one may not have it.
        let odd = with(
            &ds,
            json!({"spec": {"selector": {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["a b"]}]}}}),
        );
        assert_eq!(messages("apps", "DaemonSet", &odd, None).len(), 1);
        assert!(messages("apps", "DaemonSet", &odd, Some(&odd)).is_empty());
        let retyped = with(
            &ds,
            json!({"spec": {"updateStrategy": {"type": "OnDelete", "rollingUpdate": null}}}),
        );
        assert!(messages("apps", "DaemonSet", &retyped, Some(&ds)).is_empty());
    }

    fn stateful_set() -> Value {
        json!({"metadata": {"name": "db"}, "spec": {
            "serviceName": "db", "replicas": 3, "podManagementPolicy": "OrderedReady",
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
            "selector": {"matchLabels": {"app": "web"}}, "template": template(),
            "volumeClaimTemplates": [{"metadata": {"name": "data"},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]}})
    }

    #[test]
    fn stateful_sets() {
        let ss = stateful_set();
        assert!(messages("apps", "StatefulSet", &ss, None).is_empty());
        for ok in [
            json!({"spec": {"podManagementPolicy": "Parallel", "serviceName": null}}),
            json!({"spec": {"updateStrategy": {"type": "OnDelete", "rollingUpdate": null}}}),
            json!({"spec": {"updateStrategy": {"rollingUpdate": {"maxUnavailable": "50%"}}}}),
            json!({"spec": {"persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Delete", "whenScaled": "Retain"},
                "ordinals": {"start": 5}}}),
        ] {
            assert!(
                messages("apps", "StatefulSet", &with(&ss, ok.clone()), None).is_empty(),
                "{ok}"
            );
        }
        let cases: Vec<(Value, Vec<&str>)> = vec![
            (
                json!({"spec": {"podManagementPolicy": null, "updateStrategy": null}}),
                vec![
                    "spec.podManagementPolicy: Required value",
                    "spec.updateStrategy: Required value",
                ],
            ),
            (
                json!({"spec": {"podManagementPolicy": "Random"}}),
                vec!["spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'"],
            ),
            (
                json!({"spec": {"updateStrategy": {"type": "OnDelete"}}}),
                vec![
                    "spec.updateStrategy.rollingUpdate: Invalid value: {\"Partition\":0,\"MaxUnavailable\":null}: only allowed for updateStrategy 'RollingUpdate'",
                ],
            ),
            (
                json!({"spec": {"updateStrategy": {"type": "Later"}}}),
                vec![
                    "spec.updateStrategy: Invalid value: {\"Type\":\"Later\",\"RollingUpdate\":{\"Partition\":0,\"MaxUnavailable\":null}}: must be 'RollingUpdate' or 'OnDelete'",
                ],
            ),
            (
                json!({"spec": {"updateStrategy": {"rollingUpdate": {"partition": -1, "maxUnavailable": 0}}}}),
                vec![
                    "spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0",
                    "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 0: cannot be 0",
                ],
            ),
            (
                json!({"spec": {"updateStrategy": {"rollingUpdate": {"maxUnavailable": "101%"}}}}),
                vec![
                    "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: \"101%\": must not be greater than 100%",
                ],
            ),
            (
                json!({"spec": {"persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Keep", "whenScaled": "Delete"}}}),
                vec![
                    "spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: \"Keep\": supported values: \"Retain\", \"Delete\"",
                ],
            ),
            (
                json!({"spec": {"replicas": -1, "minReadySeconds": -1, "ordinals": {"start": -1}}}),
                vec![
                    "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
                    "spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0",
                    "spec.ordinals.start: Invalid value: -1: must be greater than or equal to 0",
                ],
            ),
            (
                json!({"spec": {"serviceName": "Db.Svc"}}),
                vec![
                    "spec.serviceName: Invalid value: \"Db.Svc\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                ],
            ),
            (
                json!({"spec": {"selector": null}}),
                vec![
                    "spec.selector: Required value",
                    "spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`",
                ],
            ),
            (
                json!({"spec": {"selector": {"matchLabels": null}}}),
                vec!["spec.selector: Invalid value: {}: empty selector is invalid for statefulset"],
            ),
            (
                json!({"spec": {"selector": {"matchLabels": {"app": "-"}}, "template": {"metadata": {"labels": {"app": "-"}}}}}),
                vec![
                    "spec.selector.matchLabels: Invalid value: \"-\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
                    "spec.selector: Invalid value: {\"matchLabels\":{\"app\":\"-\"}}",
                ],
            ),
            (
                json!({"spec": {"template": {"metadata": {"labels": {"x/y/z": "1"}}}}}),
                vec![
                    "spec.template.labels: Invalid value: \"x/y/z\": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                ],
            ),
            (
                json!({"spec": {"template": {"spec": {"restartPolicy": "Never", "activeDeadlineSeconds": 9}}}}),
                vec![
                    "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"",
                    "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in StatefulSet is not Supported",
                ],
            ),
        ];
        for (patch, want) in cases {
            assert_eq!(
                messages("apps", "StatefulSet", &with(&ss, patch.clone()), None),
                want,
                "{patch}"
            );
        }
    }

    #[test]
    fn stateful_set_updates() {
        let ss = stateful_set();
        let mutable = with(
            &ss,
            json!({"spec": {"replicas": 5, "minReadySeconds": 3, "revisionHistoryLimit": 2, "ordinals": {"start": 1},
                "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Delete", "whenScaled": "Delete"},
                "updateStrategy": {"type": "OnDelete", "rollingUpdate": null},
                "template": {"spec": {"containers": [{"name": "c", "image": "nginx:2"}]}}}}),
        );
        assert!(messages("apps", "StatefulSet", &mutable, Some(&ss)).is_empty());
        let forbidden = "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";
        for frozen in [
            json!({"spec": {"serviceName": "other"}}),
            json!({"spec": {"podManagementPolicy": "Parallel"}}),
            json!({"spec": {"volumeClaimTemplates": null}}),
            json!({"spec": {"selector": {"matchLabels": {"tier": "x"}}, "template": {"metadata": {"labels": {"tier": "x"}}}}}),
        ] {
            assert_eq!(
                messages("apps", "StatefulSet", &with(&ss, frozen.clone()), Some(&ss)),
                [forbidden],
                "{frozen}"
            );
        }
        // A stored invalid serviceName does not block other updates.
        let odd = with(&ss, json!({"spec": {"serviceName": "Not_A_Label"}}));
        assert!(
            messages(
                "apps",
                "StatefulSet",
                &with(&odd, json!({"spec": {"replicas": 1}})),
                Some(&odd)
            )
            .is_empty()
        );
    }

    #[test]
    fn controller_revisions() {
        let rev = json!({"metadata": {"name": "r-1"}, "revision": 1, "data": {"spec": {"x": 1}}});
        assert!(messages("apps", "ControllerRevision", &rev, None).is_empty());
        assert!(messages("apps", "ControllerRevision", &rev, Some(&rev)).is_empty());
        assert_eq!(
            messages(
                "apps",
                "ControllerRevision",
                &json!({"metadata": {"name": "r"}, "revision": -1}),
                None
            ),
            [
                "data: Required value: data is mandatory",
                "revision: Invalid value: -1: must be greater than or equal to 0",
            ]
        );
        let changed = with(&rev, json!({"data": {"spec": {"x": 2}}, "revision": 2}));
        assert_eq!(
            messages("apps", "ControllerRevision", &changed, Some(&rev)),
            ["data: Invalid value: {\"spec\":{\"x\":2}}: field is immutable"]
        );
    }

    #[test]
    fn status_updates() {
        let d = deployment();
        let good = with(
            &d,
            json!({"status": {"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 2,
                "availableReplicas": 2, "collisionCount": 1}}),
        );
        assert!(status_messages("apps", "Deployment", &good, &d).is_empty());
        let bad = with(
            &d,
            json!({"status": {"observedGeneration": -1, "replicas": 1, "updatedReplicas": 2, "readyReplicas": 1,
                "availableReplicas": 2, "collisionCount": 0}}),
        );
        assert_eq!(
            status_messages("apps", "Deployment", &bad, &good),
            [
                "status.observedGeneration: Invalid value: -1: must be greater than or equal to 0",
                "status.updatedReplicas: Invalid value: 2: cannot be greater than status.replicas",
                "status.availableReplicas: Invalid value: 2: cannot be greater than status.replicas",
                "status.availableReplicas: Invalid value: 2: cannot be greater than readyReplicas",
                "status.collisionCount: Invalid value: 0: cannot be decremented",
            ]
        );
        let ss = stateful_set();
        let ss_bad = with(
            &ss,
            json!({"status": {"replicas": 1, "readyReplicas": 1, "availableReplicas": 2, "currentReplicas": -1}}),
        );
        assert_eq!(
            status_messages("apps", "StatefulSet", &ss_bad, &ss),
            [
                "status.currentReplicas: Invalid value: -1: must be greater than or equal to 0",
                "status.availableReplicas: Invalid value: 2: cannot be greater than status.replicas",
                "status.availableReplicas: Invalid value: 2: cannot be greater than status.readyReplicas",
            ]
        );
        let ds = daemon_set();
        let ds_bad = with(
            &ds,
            json!({"status": {"currentNumberScheduled": -1, "numberMisscheduled": 0, "desiredNumberScheduled": 1, "numberReady": 0}}),
        );
        assert_eq!(
            status_messages("apps", "DaemonSet", &ds_bad, &ds),
            ["status.currentNumberScheduled: Invalid value: -1: must be greater than or equal to 0"]
        );
        let rs = json!({"metadata": {"name": "r"}, "spec": {"selector": {"matchLabels": {"a": "b"}}},
            "status": {"replicas": 1, "fullyLabeledReplicas": 2}});
        assert_eq!(
            status_messages("apps", "ReplicaSet", &rs, &rs),
            ["status.fullyLabeledReplicas: Invalid value: 2: cannot be greater than status.replicas"]
        );
        assert!(status_update("apps", "ControllerRevision", &rs, &rs).is_none());
    }
}
