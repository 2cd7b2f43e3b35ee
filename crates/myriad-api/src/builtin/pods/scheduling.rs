//! Where a pod may run: node and pod (anti-)affinity, tolerations, topology spread
//! constraints and scheduling gates (`validateAffinity`, `ValidateTolerations`,
//! `validateTopologySpreadConstraints`, `validateSchedulingGates`). Upstream's paths
//! are kept as they are, quirks included: pod affinity namespaces are reported at
//! `namespace`, an invalid toleration value at `operator`, a `matchLabelKeys` key that
//! is also in the selector at the term's path indexed by the key's position.

use std::collections::{HashMap, HashSet};

use k8s_openapi::api::core::v1::{
    Affinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, PodAffinityTerm, PodSchedulingGate, PodSpec,
    Toleration, TopologySpreadConstraint, WeightedPodAffinityTerm,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::{Options, text};
use crate::builtin::common::validate_label_selector;
use crate::field_error::{FieldError, FieldErrorKind, FieldPath};
use crate::validation::{is_dns1123_label, is_dns1123_subdomain, is_qualified_name, is_valid_label_value};

/// `ValidateLabelName`: a qualified name.
pub(super) fn label_name(name: &str, path: &FieldPath, errs: &mut Vec<FieldError>) {
    for msg in is_qualified_name(name) {
        errs.push(FieldError::invalid(path, name, msg));
    }
}

/// A label selector as upstream's `ValidateLabelSelector`; with
/// `allow_invalid_values` the expressions' values are not checked (an update keeps
/// what an older server accepted).
pub(super) fn label_selector(
    selector: &LabelSelector,
    allow_invalid_values: bool,
    path: &FieldPath,
    errs: &mut Vec<FieldError>,
) {
    let found = validate_label_selector(selector, path);
    if !allow_invalid_values {
        errs.extend(found);
        return;
    }
    let prefix = format!("{}.matchExpressions[", path.as_str());
    errs.extend(found.into_iter().filter(|e| {
        !(e.kind == FieldErrorKind::Invalid && e.field.starts_with(&prefix) && e.field.contains("].values["))
    }));
}

/// `validateAffinity`.
pub(super) fn affinity(affinity: &Affinity, opts: &Options, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if let Some(node) = &affinity.node_affinity {
        let here = path.child("nodeAffinity");
        if let Some(required) = &node.required_during_scheduling_ignored_during_execution {
            node_selector(
                required,
                opts.allow_invalid_label_value_in_required_node_affinity,
                &here.child("requiredDuringSchedulingIgnoredDuringExecution"),
                errs,
            );
        }
        let preferred_path = here.child("preferredDuringSchedulingIgnoredDuringExecution");
        for (i, term) in node
            .preferred_during_scheduling_ignored_during_execution
            .iter()
            .flatten()
            .enumerate()
        {
            let term_path = preferred_path.index(i);
            weight(term.weight, &term_path, errs);
            // Preferred terms may hold any value: they can still match on a one-node
            // cluster.
            node_selector_term(&term.preference, true, &term_path.child("preference"), errs);
        }
    }
    let allow = opts.allow_invalid_label_value_in_selector;
    if let Some(pod) = &affinity.pod_affinity {
        pod_affinity_terms(
            pod.required_during_scheduling_ignored_during_execution.as_deref(),
            pod.preferred_during_scheduling_ignored_during_execution.as_deref(),
            allow,
            &path.child("podAffinity"),
            errs,
        );
    }
    if let Some(anti) = &affinity.pod_anti_affinity {
        pod_affinity_terms(
            anti.required_during_scheduling_ignored_during_execution.as_deref(),
            anti.preferred_during_scheduling_ignored_during_execution.as_deref(),
            allow,
            &path.child("podAntiAffinity"),
            errs,
        );
    }
}

fn weight(weight: i32, term_path: &FieldPath, errs: &mut Vec<FieldError>) {
    if !(1..=100).contains(&weight) {
        errs.push(FieldError::invalid(
            term_path.child("weight"),
            weight,
            "must be in the range 1-100",
        ));
    }
}

fn pod_affinity_terms(
    required: Option<&[PodAffinityTerm]>,
    preferred: Option<&[WeightedPodAffinityTerm]>,
    allow_invalid_values: bool,
    path: &FieldPath,
    errs: &mut Vec<FieldError>,
) {
    let required_path = path.child("requiredDuringSchedulingIgnoredDuringExecution");
    for (i, term) in required.unwrap_or_default().iter().enumerate() {
        pod_affinity_term(term, allow_invalid_values, &required_path.index(i), errs);
    }
    let preferred_path = path.child("preferredDuringSchedulingIgnoredDuringExecution");
    for (i, weighted) in preferred.unwrap_or_default().iter().enumerate() {
        let here = preferred_path.index(i);
        weight(weighted.weight, &here, errs);
        pod_affinity_term(
            &weighted.pod_affinity_term,
            allow_invalid_values,
            &here.child("podAffinityTerm"),
            errs,
        );
    }
}

/// `ValidateNodeSelector`: at least one term, each valid.
pub(super) fn node_selector(
    selector: &NodeSelector,
    allow_invalid_values: bool,
    path: &FieldPath,
    errs: &mut Vec<FieldError>,
) {
    let terms_path = path.child("nodeSelectorTerms");
    if selector.node_selector_terms.is_empty() {
        errs.push(FieldError::required(
            &terms_path,
            "must have at least one node selector term",
        ));
        return;
    }
    for (i, term) in selector.node_selector_terms.iter().enumerate() {
        node_selector_term(term, allow_invalid_values, &terms_path.index(i), errs);
    }
}

/// `ValidateNodeSelectorTerm`: label expressions and field expressions.
fn node_selector_term(
    term: &NodeSelectorTerm,
    allow_invalid_values: bool,
    path: &FieldPath,
    errs: &mut Vec<FieldError>,
) {
    for (j, requirement) in term.match_expressions.iter().flatten().enumerate() {
        node_selector_requirement(
            requirement,
            allow_invalid_values,
            &path.child("matchExpressions").index(j),
            errs,
        );
    }
    for (j, requirement) in term.match_fields.iter().flatten().enumerate() {
        node_field_requirement(requirement, &path.child("matchFields").index(j), errs);
    }
}

/// `ValidateNodeSelectorRequirement`: the operators of node selectors (`Gt` and `Lt`
/// take one value), a label key, label values.
fn node_selector_requirement(
    requirement: &NodeSelectorRequirement,
    allow_invalid_values: bool,
    path: &FieldPath,
    errs: &mut Vec<FieldError>,
) {
    let values = requirement.values.as_deref().unwrap_or_default();
    match requirement.operator.as_str() {
        "In" | "NotIn" => {
            if values.is_empty() {
                errs.push(FieldError::required(
                    path.child("values"),
                    "must be specified when `operator` is 'In' or 'NotIn'",
                ));
            }
        }
        "Exists" | "DoesNotExist" => {
            if !values.is_empty() {
                errs.push(FieldError::forbidden(
                    path.child("values"),
                    "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                ));
            }
        }
        "Gt" | "Lt" => {
            if values.len() != 1 {
                errs.push(FieldError::required(
                    path.child("values"),
                    "must be specified single value when `operator` is 'Lt' or 'Gt'",
                ));
            }
        }
        other => errs.push(FieldError::invalid(
            path.child("operator"),
            other,
            "not a valid selector operator",
        )),
    }
    label_name(&requirement.key, &path.child("key"), errs);
    if !allow_invalid_values {
        let values_path = path.child("values");
        for (i, value) in values.iter().enumerate() {
            for msg in is_valid_label_value(value) {
                errs.push(FieldError::invalid(values_path.index(i), value.as_str(), msg));
            }
        }
    }
}

/// `ValidateNodeFieldSelectorRequirement`: only `metadata.name`, with `In` or `NotIn`
/// and one node name.
fn node_field_requirement(requirement: &NodeSelectorRequirement, path: &FieldPath, errs: &mut Vec<FieldError>) {
    let values = requirement.values.as_deref().unwrap_or_default();
    match requirement.operator.as_str() {
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
    if requirement.key != "metadata.name" {
        errs.push(FieldError::invalid(
            path.child("key"),
            requirement.key.as_str(),
            "not a valid field selector key",
        ));
        return;
    }
    for (i, value) in values.iter().enumerate() {
        for msg in is_dns1123_subdomain(value) {
            errs.push(FieldError::invalid(path.child("values").index(i), value.as_str(), msg));
        }
    }
}

/// `validatePodAffinityTerm`: selectors, namespaces (DNS labels, reported at
/// `namespace`), `matchLabelKeys`/`mismatchLabelKeys`, and a topology key.
fn pod_affinity_term(term: &PodAffinityTerm, allow_invalid_values: bool, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if let Some(selector) = &term.label_selector {
        label_selector(selector, allow_invalid_values, &path.child("labelSelector"), errs);
    }
    if let Some(selector) = &term.namespace_selector {
        label_selector(selector, allow_invalid_values, &path.child("namespaceSelector"), errs);
    }
    for name in term.namespaces.iter().flatten() {
        for msg in is_dns1123_label(name) {
            errs.push(FieldError::invalid(path.child("namespace"), name.as_str(), msg));
        }
    }
    match_and_mismatch_label_keys(
        term.match_label_keys.as_deref().unwrap_or_default(),
        term.mismatch_label_keys.as_deref().unwrap_or_default(),
        term.label_selector.as_ref(),
        path,
        errs,
    );
    if term.topology_key.is_empty() {
        errs.push(FieldError::required(path.child("topologyKey"), "can not be empty"));
    }
    label_name(&term.topology_key, &path.child("topologyKey"), errs);
}

/// `validateMatchLabelKeysAndMismatchLabelKeys`.
fn match_and_mismatch_label_keys(
    match_keys: &[String],
    mismatch_keys: &[String],
    selector: Option<&LabelSelector>,
    path: &FieldPath,
    errs: &mut Vec<FieldError>,
) {
    label_keys(match_keys, selector, &path.child("matchLabelKeys"), errs);
    label_keys(mismatch_keys, selector, &path.child("mismatchLabelKeys"), errs);
    if let Some(selector) = selector {
        // A key the server already turned into a selector expression (pods get one
        // per `matchLabelKeys` key on create) may not also be in the selector.
        let positions: HashMap<&str, usize> = match_keys.iter().enumerate().map(|(i, k)| (k.as_str(), i)).collect();
        let mut keys: HashSet<&str> = selector
            .match_labels
            .iter()
            .flatten()
            .map(|(k, _)| k.as_str())
            .collect();
        for expression in selector.match_expressions.iter().flatten() {
            let key = expression.key.as_str();
            if let Some(&i) = positions.get(key)
                && keys.contains(key)
            {
                // Upstream indexes the term's own path here.
                errs.push(FieldError::invalid(
                    path.index(i),
                    key,
                    "exists in both matchLabelKeys and labelSelector",
                ));
            }
            keys.insert(key);
        }
    }
    for (i, key) in match_keys.iter().enumerate() {
        if mismatch_keys.contains(key) {
            errs.push(FieldError::invalid(
                path.child("matchLabelKeys").index(i),
                key.as_str(),
                "exists in both matchLabelKeys and mismatchLabelKeys",
            ));
        }
    }
}

/// `validateLabelKeys`: label names, and only beside a selector.
fn label_keys(keys: &[String], selector: Option<&LabelSelector>, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if keys.is_empty() {
        return;
    }
    if selector.is_none() {
        errs.push(FieldError::forbidden(
            path,
            "must not be specified when labelSelector is not set",
        ));
        return;
    }
    for (i, key) in keys.iter().enumerate() {
        label_name(key, &path.index(i), errs);
    }
}

/// `ValidateTolerations`.
pub(super) fn tolerations(list: &[Toleration], path: &FieldPath, errs: &mut Vec<FieldError>) {
    for (i, toleration) in list.iter().enumerate() {
        let here = path.index(i);
        let key = text(&toleration.key);
        let operator = text(&toleration.operator);
        let effect = text(&toleration.effect);
        let value = text(&toleration.value);
        if !key.is_empty() {
            label_name(key, &here.child("key"), errs);
        }
        // An empty key with `Exists` matches every taint.
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
            // An empty operator means Equal.
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
        // An empty effect matches every effect.
        if !effect.is_empty() && !matches!(effect, "NoSchedule" | "PreferNoSchedule" | "NoExecute") {
            errs.push(FieldError::not_supported(
                here.child("effect"),
                effect,
                &["NoSchedule", "PreferNoSchedule", "NoExecute"],
            ));
        }
    }
}

/// `validateTopologySpreadConstraints`.
pub(super) fn topology_spread(
    constraints: &[TopologySpreadConstraint],
    opts: &Options,
    path: &FieldPath,
    errs: &mut Vec<FieldError>,
) {
    for (i, constraint) in constraints.iter().enumerate() {
        let here = path.index(i);
        if constraint.max_skew <= 0 {
            errs.push(FieldError::invalid(
                here.child("maxSkew"),
                constraint.max_skew,
                "must be greater than zero",
            ));
        }
        if constraint.topology_key.is_empty() {
            errs.push(FieldError::required(here.child("topologyKey"), "can not be empty"));
        }
        let action = constraint.when_unsatisfiable.as_str();
        if !matches!(action, "DoNotSchedule" | "ScheduleAnyway") {
            errs.push(FieldError::not_supported(
                here.child("whenUnsatisfiable"),
                action,
                &["DoNotSchedule", "ScheduleAnyway"],
            ));
        }
        // {topologyKey, whenUnsatisfiable} identifies a kind of constraint.
        if constraints[i + 1..]
            .iter()
            .any(|c| c.topology_key == constraint.topology_key && c.when_unsatisfiable == constraint.when_unsatisfiable)
        {
            errs.push(FieldError::duplicate(
                here.child("{topologyKey, whenUnsatisfiable}"),
                format!("{{{}, {}}}", constraint.topology_key, action),
            ));
        }
        if let Some(min_domains) = constraint.min_domains {
            let min_path = here.child("minDomains");
            if min_domains <= 0 {
                errs.push(FieldError::invalid(&min_path, min_domains, "must be greater than zero"));
            }
            if action != "DoNotSchedule" {
                errs.push(FieldError::invalid(
                    &min_path,
                    min_domains,
                    format!("can only use minDomains if whenUnsatisfiable=DoNotSchedule, not {action}"),
                ));
            }
        }
        for (policy, field) in [
            (&constraint.node_affinity_policy, "nodeAffinityPolicy"),
            (&constraint.node_taints_policy, "nodeTaintsPolicy"),
        ] {
            if let Some(policy) = policy.as_deref()
                && !matches!(policy, "Honor" | "Ignore")
            {
                errs.push(FieldError::not_supported(
                    here.child(field),
                    policy,
                    &["Honor", "Ignore"],
                ));
            }
        }
        spread_match_label_keys(
            constraint.match_label_keys.as_deref().unwrap_or_default(),
            constraint.label_selector.as_ref(),
            &here.child("matchLabelKeys"),
            errs,
        );
        if !opts.allow_invalid_topology_spread_label_selector
            && let Some(selector) = &constraint.label_selector
        {
            label_selector(selector, false, &here.child("labelSelector"), errs);
        }
    }
}

/// `validateMatchLabelKeysInTopologySpread` (1.33 does not merge the keys into the
/// selector yet): label names, not already in the selector, and only beside one.
fn spread_match_label_keys(
    keys: &[String],
    selector: Option<&LabelSelector>,
    path: &FieldPath,
    errs: &mut Vec<FieldError>,
) {
    if keys.is_empty() {
        return;
    }
    let mut selector_keys: HashSet<&str> = HashSet::new();
    match selector {
        Some(selector) => {
            selector_keys.extend(selector.match_labels.iter().flatten().map(|(k, _)| k.as_str()));
            selector_keys.extend(selector.match_expressions.iter().flatten().map(|e| e.key.as_str()));
        }
        None => errs.push(FieldError::forbidden(
            path,
            "must not be specified when labelSelector is not set",
        )),
    }
    for (i, key) in keys.iter().enumerate() {
        label_name(key, &path.index(i), errs);
        if selector_keys.contains(key.as_str()) {
            errs.push(FieldError::invalid(
                path.index(i),
                key.as_str(),
                "exists in both matchLabelKeys and labelSelector",
            ));
        }
    }
}

/// `validateSchedulingGates`: qualified names, no duplicates.
pub(super) fn scheduling_gates(gates: &[PodSchedulingGate], path: &FieldPath, errs: &mut Vec<FieldError>) {
    let mut seen: HashSet<&str> = HashSet::new();
    for (i, gate) in gates.iter().enumerate() {
        let here = path.index(i);
        label_name(&gate.name, &here, errs);
        if !seen.insert(gate.name.as_str()) {
            errs.push(FieldError::duplicate(&here, gate.name.as_str()));
        }
    }
}

/// Whether an old spec's pod (anti-)affinity selectors have errors (label values an
/// older server let in): an update may keep them.
pub(super) fn has_invalid_affinity_selector(spec: &PodSpec) -> bool {
    let Some(affinity) = &spec.affinity else { return false };
    let mut terms: Vec<&PodAffinityTerm> = Vec::new();
    for (required, preferred) in [
        affinity.pod_affinity.as_ref().map(|a| {
            (
                &a.required_during_scheduling_ignored_during_execution,
                &a.preferred_during_scheduling_ignored_during_execution,
            )
        }),
        affinity.pod_anti_affinity.as_ref().map(|a| {
            (
                &a.required_during_scheduling_ignored_during_execution,
                &a.preferred_during_scheduling_ignored_during_execution,
            )
        }),
    ]
    .into_iter()
    .flatten()
    {
        terms.extend(required.iter().flatten());
        terms.extend(preferred.iter().flatten().map(|w| &w.pod_affinity_term));
    }
    terms.into_iter().any(|term| {
        let mut scratch = Vec::new();
        let root = FieldPath::default();
        for selector in [&term.label_selector, &term.namespace_selector].into_iter().flatten() {
            label_selector(selector, false, &root, &mut scratch);
        }
        !scratch.is_empty()
    })
}

/// Whether an old spec's required node affinity has values that are not label values.
pub(super) fn has_invalid_required_node_affinity_value(spec: &PodSpec) -> bool {
    spec.affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|n| n.required_during_scheduling_ignored_during_execution.as_ref())
        .is_some_and(|selector| {
            selector
                .node_selector_terms
                .iter()
                .flat_map(|t| t.match_expressions.iter().flatten())
                .flat_map(|r| r.values.iter().flatten())
                .any(|v| !is_valid_label_value(v).is_empty())
        })
}

/// Whether an old spec's topology spread selectors have errors.
pub(super) fn has_invalid_spread_selector(spec: &PodSpec) -> bool {
    spec.topology_spread_constraints
        .iter()
        .flatten()
        .filter_map(|c| c.label_selector.as_ref())
        .any(|selector| {
            let mut scratch = Vec::new();
            label_selector(selector, false, &FieldPath::default(), &mut scratch);
            !scratch.is_empty()
        })
}
