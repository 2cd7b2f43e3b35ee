//! What a pod update may change (`ValidatePodUpdate`): container and init container
//! images, `activeDeadlineSeconds` (set, or lowered — never unset), tolerations (added,
//! or their `tolerationSeconds` changed), scheduling gates (removed), a negative grace
//! period (to 1), and — while the pod is still gated — node selector and required node
//! affinity additions. Anything else is refused with upstream's "pod updates may not
//! change fields other than …" message.
//!
//! Upstream appends a `go-cmp` diff to that message. `go-cmp` deliberately randomizes
//! its output (it mixes in non-breaking spaces) so that nothing depends on it; here the
//! diff lists the changed fields as JSON in the same `-`/`+` layout.

use std::collections::{BTreeMap, HashMap};

use k8s_openapi::api::core::v1::{
    Affinity, Container, NodeAffinity, NodeSelectorRequirement, NodeSelectorTerm, Pod, PodSchedulingGate, PodSpec,
    Toleration,
};

use super::annotations;
use super::scheduling::tolerations;
use super::{EMPTY_SPEC, Options, pod_metadata_and_spec, text};
use crate::field_error::{FieldError, FieldPath, FieldValue};
use crate::go_format::quote;

const UPDATABLE: &str = "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

pub(super) fn pod_update(new: &Pod, old: &Pod) -> Vec<FieldError> {
    let new_spec = new.spec.as_ref().unwrap_or(&EMPTY_SPEC);
    let old_spec = old.spec.as_ref().unwrap_or(&EMPTY_SPEC);
    let opts = Options::new(Some((old_spec, Some(&old.metadata))), true);
    let mut errs = Vec::new();
    pod_metadata_and_spec(new, new_spec, &opts, &mut errs);
    // Upstream checks the pod-specific annotations again here, so their errors are
    // listed twice (the aggregated message shows them once).
    annotations::updates(
        &new.metadata,
        &old.metadata,
        new_spec,
        &FieldPath::new("metadata").child("annotations"),
        &opts,
        &mut errs,
    );
    let spec_path = FieldPath::new("spec");
    if container_updates(
        &new_spec.containers,
        &old_spec.containers,
        &spec_path.child("containers"),
        &mut errs,
    ) {
        return errs;
    }
    let new_init = new_spec.init_containers.as_deref().unwrap_or_default();
    let old_init = old_spec.init_containers.as_deref().unwrap_or_default();
    if container_updates(new_init, old_init, &spec_path.child("initContainers"), &mut errs) {
        return errs;
    }

    let deadline_path = spec_path.child("activeDeadlineSeconds");
    match (new_spec.active_deadline_seconds, old_spec.active_deadline_seconds) {
        (Some(new_deadline), old_deadline) => {
            if !(0..=i64::from(i32::MAX)).contains(&new_deadline) {
                errs.push(FieldError::invalid(
                    &deadline_path,
                    new_deadline,
                    "must be between 0 and 2147483647, inclusive",
                ));
                return errs;
            }
            if old_deadline.is_some_and(|old| old < new_deadline) {
                errs.push(FieldError::invalid(
                    &deadline_path,
                    new_deadline,
                    "must be less than or equal to previous value",
                ));
                return errs;
            }
        }
        (None, Some(_)) => errs.push(FieldError::invalid(
            &deadline_path,
            FieldValue::Json("null".to_string()),
            "must not update from a positive integer to nil value",
        )),
        (None, None) => {}
    }

    only_added_tolerations(
        new_spec.tolerations.as_deref().unwrap_or_default(),
        old_spec.tolerations.as_deref().unwrap_or_default(),
        &spec_path.child("tolerations"),
        &mut errs,
    );
    only_deleted_scheduling_gates(
        new_spec.scheduling_gates.as_deref().unwrap_or_default(),
        old_spec.scheduling_gates.as_deref().unwrap_or_default(),
        &spec_path.child("schedulingGates"),
        &mut errs,
    );

    if new_spec == old_spec {
        return errs;
    }
    let munged = munge(new_spec, old_spec, &spec_path, &mut errs);
    if munged != *old_spec {
        errs.push(FieldError::forbidden(
            &spec_path,
            format!(
                "pod updates may not change fields other than {UPDATABLE}\n{}",
                diff(old_spec, &munged)
            ),
        ));
    }
    errs
}

/// `ValidatePodEphemeralContainersUpdate`, for `pods/ephemeralcontainers`: the pod
/// validates as on create (with the old pod's relaxations), its pod-specific
/// annotations as on update, and existing ephemeral containers stay as they were —
/// new ones may only be added. Static (mirror) pods take none.
pub(super) fn ephemeral_containers_update(new: &Pod, old: &Pod) -> Vec<FieldError> {
    if old
        .metadata
        .annotations
        .as_ref()
        .is_some_and(|a| a.contains_key("kubernetes.io/config.mirror"))
    {
        return vec![FieldError::forbidden(
            "",
            "static pods do not support ephemeral containers",
        )];
    }
    let new_spec = new.spec.as_ref().unwrap_or(&EMPTY_SPEC);
    let old_spec = old.spec.as_ref().unwrap_or(&EMPTY_SPEC);
    let opts = Options::new(Some((old_spec, Some(&old.metadata))), true);
    let mut errs = Vec::new();
    pod_metadata_and_spec(new, new_spec, &opts, &mut errs);
    annotations::updates(
        &new.metadata,
        &old.metadata,
        new_spec,
        &FieldPath::new("metadata").child("annotations"),
        &opts,
        &mut errs,
    );
    let path = FieldPath::new("spec").child("ephemeralContainers");
    let added = new_spec.ephemeral_containers.as_deref().unwrap_or_default();
    for existing in old_spec.ephemeral_containers.iter().flatten() {
        match added.iter().find(|c| c.name == existing.name) {
            None => errs.push(FieldError::forbidden(
                &path,
                format!(
                    "existing ephemeral containers {} may not be removed\n",
                    quote(&existing.name)
                ),
            )),
            Some(now) if now != existing => errs.push(FieldError::forbidden(
                &path,
                format!(
                    "existing ephemeral containers {} may not be changed\n",
                    quote(&existing.name)
                ),
            )),
            Some(_) => {}
        }
    }
    errs
}

/// `ValidateContainerUpdates`: as many containers as before, each with an image that
/// is not padded. Returns whether to stop (a container was added or removed).
fn container_updates(new: &[Container], old: &[Container], path: &FieldPath, errs: &mut Vec<FieldError>) -> bool {
    if new.len() != old.len() {
        errs.push(FieldError::forbidden(
            path,
            "pod updates may not add or remove containers",
        ));
        return true;
    }
    for (i, ctr) in new.iter().enumerate() {
        let image = text(&ctr.image);
        if image.is_empty() {
            errs.push(FieldError::required(path.index(i).child("image"), ""));
        }
        if image.trim().len() != image.len() {
            errs.push(FieldError::invalid(
                path.index(i).child("image"),
                image,
                "must not have leading or trailing whitespace",
            ));
        }
    }
    false
}

/// Two tolerations alike but for `tolerationSeconds` (an absent string is Go's `""`).
fn same_but_seconds(a: &Toleration, b: &Toleration) -> bool {
    text(&a.key) == text(&b.key)
        && text(&a.operator) == text(&b.operator)
        && text(&a.value) == text(&b.value)
        && text(&a.effect) == text(&b.effect)
}

/// `validateOnlyAddedTolerations`: every old toleration is still there (its
/// `tolerationSeconds` may change); then the new list as on create.
fn only_added_tolerations(new: &[Toleration], old: &[Toleration], path: &FieldPath, errs: &mut Vec<FieldError>) {
    if old.iter().any(|o| !new.iter().any(|n| same_but_seconds(o, n))) {
        errs.push(FieldError::forbidden(
            path,
            "existing toleration can not be modified except its tolerationSeconds",
        ));
        return;
    }
    tolerations(new, path, errs);
}

/// `validateOnlyDeletedSchedulingGates`: no gate that was not there before. Upstream
/// reports each new gate at its last position.
fn only_deleted_scheduling_gates(
    new: &[PodSchedulingGate],
    old: &[PodSchedulingGate],
    path: &FieldPath,
    errs: &mut Vec<FieldError>,
) {
    let mut added: HashMap<&str, usize> = HashMap::new();
    for (i, gate) in new.iter().enumerate() {
        added.insert(gate.name.as_str(), i);
    }
    for gate in old {
        added.remove(gate.name.as_str());
    }
    let mut added: Vec<(usize, &str)> = added.into_iter().map(|(name, i)| (i, name)).collect();
    added.sort_unstable();
    for (i, name) in added {
        errs.push(FieldError::forbidden(
            path.index(i).child("name"),
            format!("only deletion is allowed, but found new scheduling gate '{name}'"),
        ));
    }
}

/// The new spec with every field an update may change set back to the old value,
/// as upstream's `mungedPodSpec`; checks the gated-pod mutations on the way.
fn munge(new: &PodSpec, old: &PodSpec, spec_path: &FieldPath, errs: &mut Vec<FieldError>) -> PodSpec {
    let mut munged = new.clone();
    for (ctr, old_ctr) in munged.containers.iter_mut().zip(&old.containers) {
        ctr.image.clone_from(&old_ctr.image);
    }
    if let (Some(init), Some(old_init)) = (munged.init_containers.as_mut(), old.init_containers.as_ref()) {
        for (ctr, old_ctr) in init.iter_mut().zip(old_init) {
            ctr.image.clone_from(&old_ctr.image);
        }
    }
    munged.active_deadline_seconds = old.active_deadline_seconds;
    munged.scheduling_gates.clone_from(&old.scheduling_gates);
    munged.tolerations.clone_from(&old.tolerations);
    // A negative grace period (from older servers) may be set to 1.
    if old.termination_grace_period_seconds.is_some_and(|g| g < 0) && munged.termination_grace_period_seconds == Some(1)
    {
        munged.termination_grace_period_seconds = old.termination_grace_period_seconds;
    }
    // A pod still waiting on scheduling gates may gain node constraints.
    if old.scheduling_gates.as_ref().is_some_and(|g| !g.is_empty()) {
        if munged.node_selector != old.node_selector {
            node_selector_mutation(
                munged.node_selector.as_ref(),
                old.node_selector.as_ref(),
                &spec_path.child("nodeSelector"),
                errs,
            );
            munged.node_selector.clone_from(&old.node_selector);
        }
        let old_node_affinity = old.affinity.as_ref().and_then(|a| a.node_affinity.as_ref());
        let new_node_affinity = munged.affinity.as_ref().and_then(|a| a.node_affinity.as_ref());
        if old_node_affinity != new_node_affinity {
            node_affinity_mutation(
                new_node_affinity,
                old_node_affinity,
                &spec_path.child("affinity").child("nodeAffinity"),
                errs,
            );
            match munged.affinity.as_mut() {
                None => {
                    if let Some(old_node_affinity) = old_node_affinity {
                        munged.affinity = Some(Affinity {
                            node_affinity: Some(old_node_affinity.clone()),
                            ..Affinity::default()
                        });
                    }
                }
                Some(affinity)
                    if old.affinity.is_none()
                        && affinity.pod_anti_affinity.is_none()
                        && affinity.pod_affinity.is_none() =>
                {
                    munged.affinity = None;
                }
                Some(affinity) => affinity.node_affinity = old_node_affinity.cloned(),
            }
        }
    }
    munged
}

/// Go's `%#v` of a `map[string]string`.
fn go_map(map: Option<&BTreeMap<String, String>>) -> FieldValue {
    FieldValue::Json(match map {
        None => "map[string]string(nil)".to_string(),
        Some(map) => {
            let entries: Vec<String> = map.iter().map(|(k, v)| format!("{}:{}", quote(k), quote(v))).collect();
            format!("map[string]string{{{}}}", entries.join(", "))
        }
    })
}

/// `validateNodeSelectorMutation`: only additions.
fn node_selector_mutation(
    new: Option<&BTreeMap<String, String>>,
    old: Option<&BTreeMap<String, String>>,
    path: &FieldPath,
    errs: &mut Vec<FieldError>,
) {
    let changed = old
        .into_iter()
        .flatten()
        .any(|(k, v)| new.and_then(|n| n.get(k)) != Some(v));
    if changed {
        errs.push(FieldError::invalid(
            path,
            go_map(new),
            "only additions to spec.nodeSelector are allowed (no mutations or deletions)",
        ));
    }
}

/// Go's `%#v` of node selector requirements and terms, as upstream prints them.
fn go_requirements(list: Option<&Vec<NodeSelectorRequirement>>) -> String {
    match list {
        None => "[]core.NodeSelectorRequirement(nil)".to_string(),
        Some(list) => {
            let items: Vec<String> = list
                .iter()
                .map(|r| {
                    let values = match &r.values {
                        None => "[]string(nil)".to_string(),
                        Some(values) => {
                            let quoted: Vec<String> = values.iter().map(|v| quote(v)).collect();
                            format!("[]string{{{}}}", quoted.join(", "))
                        }
                    };
                    format!(
                        "core.NodeSelectorRequirement{{Key:{}, Operator:{}, Values:{values}}}",
                        quote(&r.key),
                        quote(&r.operator)
                    )
                })
                .collect();
            format!("[]core.NodeSelectorRequirement{{{}}}", items.join(", "))
        }
    }
}

fn go_term(term: &NodeSelectorTerm) -> String {
    format!(
        "core.NodeSelectorTerm{{MatchExpressions:{}, MatchFields:{}}}",
        go_requirements(term.match_expressions.as_ref()),
        go_requirements(term.match_fields.as_ref())
    )
}

/// `validateNodeAffinityMutation`: a gated pod's required node selector terms may only
/// gain requirements (or be set where there were none).
fn node_affinity_mutation(
    new: Option<&NodeAffinity>,
    old: Option<&NodeAffinity>,
    path: &FieldPath,
    errs: &mut Vec<FieldError>,
) {
    let Some(old_required) = old.and_then(|o| o.required_during_scheduling_ignored_during_execution.as_ref()) else {
        return;
    };
    let old_terms = &old_required.node_selector_terms;
    let new_terms = new
        .and_then(|n| n.required_during_scheduling_ignored_during_execution.as_ref())
        .map(|r| &r.node_selector_terms);
    let new_list = new_terms.map(Vec::as_slice).unwrap_or_default();
    let terms_path = path
        .child("requiredDuringSchedulingIgnoredDuringExecution")
        .child("nodeSelectorTerms");
    if !old_terms.is_empty() && old_terms.len() != new_list.len() {
        let value = match new_terms {
            None => "[]core.NodeSelectorTerm(nil)".to_string(),
            Some(terms) => {
                let items: Vec<String> = terms.iter().map(go_term).collect();
                format!("[]core.NodeSelectorTerm{{{}}}", items.join(", "))
            }
        };
        errs.push(FieldError::invalid(
            &terms_path,
            FieldValue::Json(value),
            "no additions/deletions to non-empty NodeSelectorTerms list are allowed",
        ));
        return;
    }
    for (i, (new_term, old_term)) in new_list.iter().zip(old_terms).enumerate() {
        if !only_additions(new_term, old_term) {
            errs.push(FieldError::invalid(
                terms_path.index(i),
                FieldValue::Json(go_term(new_term)),
                "only additions are allowed (no mutations or deletions)",
            ));
        }
    }
}

/// `validateNodeSelectorTermHasOnlyAdditions`: the old requirements are a prefix of the
/// new ones; an empty old term stays empty.
fn only_additions(new: &NodeSelectorTerm, old: &NodeSelectorTerm) -> bool {
    let new_expressions = new.match_expressions.as_deref().unwrap_or_default();
    let old_expressions = old.match_expressions.as_deref().unwrap_or_default();
    let new_fields = new.match_fields.as_deref().unwrap_or_default();
    let old_fields = old.match_fields.as_deref().unwrap_or_default();
    if old_expressions.is_empty() && old_fields.is_empty() && (!new_expressions.is_empty() || !new_fields.is_empty()) {
        return false;
    }
    let prefix = |new: &[NodeSelectorRequirement], old: &[NodeSelectorRequirement]| {
        old.is_empty() || (new.len() >= old.len() && new[..old.len()] == *old)
    };
    prefix(new_expressions, old_expressions) && prefix(new_fields, old_fields)
}

/// The changed fields of two specs, old (`-`) then new (`+`), in the layout of
/// upstream's `cmp.Diff`.
fn diff(old: &PodSpec, new: &PodSpec) -> String {
    let (Ok(serde_json::Value::Object(old)), Ok(serde_json::Value::Object(new))) =
        (serde_json::to_value(old), serde_json::to_value(new))
    else {
        return String::new();
    };
    let mut out = String::from("  core.PodSpec{\n");
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort_unstable();
    keys.dedup();
    for key in keys {
        let (before, after) = (old.get(key), new.get(key));
        if before == after {
            continue;
        }
        if let Some(before) = before {
            out.push_str(&format!("- \t{key}: {before},\n"));
        }
        if let Some(after) = after {
            out.push_str(&format!("+ \t{key}: {after},\n"));
        }
    }
    out.push_str("  }\n");
    out
}
