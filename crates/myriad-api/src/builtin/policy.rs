//! policy/v1 PodDisruptionBudgets, as upstream's `pkg/apis/policy/validation` and the
//! PDB strategies check them: `minAvailable` or `maxUnavailable` (not both), each an
//! int-or-percent of at most 100%, the selector, the unhealthy pod eviction policy;
//! and status updates, including apimachinery's `metav1.Condition` rules.
//!
//! A PDB's spec may change on update (since policy/v1beta1 of 1.15); an update may
//! keep selector values its stored selector already had that are not valid label
//! values.

use std::collections::HashSet;

use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;
use serde_json::Value;

use super::apps::{go_selector, has_invalid_label_value, label_selector_errors, not_more_than_100_percent, present};
use super::common::{int_or_percent, non_negative};
use super::{Input, typed};
use crate::field_error::{FieldError, FieldPath, FieldValue};
use crate::validation::{is_qualified_name, regex_error};

pub(super) fn validate(group: &str, kind: &str, new: Input<'_>, old: Option<&Value>) -> Option<Vec<FieldError>> {
    Some(match (group, kind) {
        ("policy", "PodDisruptionBudget") => typed(new, old, pod_disruption_budget),
        _ => return None,
    })
}

/// The errors of a PodDisruptionBudget status update (policy/v1); `None` for other
/// kinds.
pub(super) fn status_update(group: &str, kind: &str, new: &Value, old: &Value) -> Option<Vec<FieldError>> {
    if (group, kind) != ("policy", "PodDisruptionBudget") {
        return None;
    }
    // k8s-openapi cannot decode a condition without `lastTransitionTime`, which
    // upstream reports as a field error: decode a copy with a stand-in time.
    let raw = new.pointer("/status/conditions");
    let untimed = |c: &Value| !present(c, "/lastTransitionTime");
    let patched;
    let decodable = if raw.and_then(Value::as_array).is_some_and(|c| c.iter().any(untimed)) {
        let mut copy = new.clone();
        if let Some(list) = copy.pointer_mut("/status/conditions").and_then(Value::as_array_mut) {
            for condition in list.iter_mut().filter(|c| untimed(c)) {
                if let Some(map) = condition.as_object_mut() {
                    map.insert("lastTransitionTime".to_string(), Value::from("1970-01-01T00:00:00Z"));
                }
            }
        }
        patched = copy;
        &patched
    } else {
        new
    };
    Some(typed(decodable, Some(old), |n: &PodDisruptionBudget, _| {
        let status = n.status.clone().unwrap_or_default();
        let path = FieldPath::new("status");
        let mut errs = conditions(
            status.conditions.as_deref().unwrap_or_default(),
            raw,
            &path.child("conditions"),
        );
        for (name, value) in [
            ("disruptionsAllowed", status.disruptions_allowed),
            ("currentHealthy", status.current_healthy),
            ("desiredHealthy", status.desired_healthy),
            ("expectedPods", status.expected_pods),
        ] {
            errs.extend(non_negative(value.into(), &path.child(name)));
        }
        errs
    }))
}

const EVICTION_POLICIES: [&str; 2] = ["AlwaysAllow", "IfHealthyBudget"];

fn pod_disruption_budget(new: &PodDisruptionBudget, old: Option<&PodDisruptionBudget>) -> Vec<FieldError> {
    let no_spec = Default::default();
    let spec = new.spec.as_ref().unwrap_or(&no_spec);
    let path = FieldPath::new("spec");
    let mut errs = Vec::new();
    if spec.min_available.is_some() && spec.max_unavailable.is_some() {
        errs.push(FieldError::invalid(
            &path,
            FieldValue::json(&go_spec(spec)),
            "minAvailable and maxUnavailable cannot be both set",
        ));
    }
    for (name, value) in [
        ("minAvailable", &spec.min_available),
        ("maxUnavailable", &spec.max_unavailable),
    ] {
        if let Some(value) = value {
            errs.extend(int_or_percent(value, &path.child(name)));
            errs.extend(not_more_than_100_percent(value, &path.child(name)));
        }
    }
    if let Some(selector) = &spec.selector {
        let allow_invalid = old
            .and_then(|o| o.spec.as_ref())
            .is_some_and(|s| has_invalid_label_value(s.selector.as_ref()));
        errs.extend(label_selector_errors(selector, &path.child("selector"), allow_invalid));
    }
    if let Some(policy) = spec.unhealthy_pod_eviction_policy.as_deref()
        && !EVICTION_POLICIES.contains(&policy)
    {
        errs.push(FieldError::not_supported(
            path.child("unhealthyPodEvictionPolicy"),
            policy,
            &EVICTION_POLICIES,
        ));
    }
    errs
}

/// The internal `PodDisruptionBudgetSpec`'s JSON (untagged Go field names; the
/// selector is apimachinery's tagged type).
fn go_spec(spec: &PodDisruptionBudgetSpec) -> impl Serialize + '_ {
    #[derive(Serialize)]
    struct Go<'a, S: Serialize> {
        #[serde(rename = "MinAvailable")]
        min_available: Option<&'a IntOrString>,
        #[serde(rename = "Selector")]
        selector: Option<S>,
        #[serde(rename = "MaxUnavailable")]
        max_unavailable: Option<&'a IntOrString>,
        #[serde(rename = "UnhealthyPodEvictionPolicy")]
        unhealthy_pod_eviction_policy: Option<&'a str>,
    }
    Go {
        min_available: spec.min_available.as_ref(),
        selector: spec.selector.as_ref().map(go_selector),
        max_unavailable: spec.max_unavailable.as_ref(),
        unhealthy_pod_eviction_policy: spec.unhealthy_pod_eviction_policy.as_deref(),
    }
}

const CONDITION_STATUSES: [&str; 3] = ["False", "True", "Unknown"];
const MAX_REASON_LENGTH: usize = 1024;
const MAX_MESSAGE_LENGTH: usize = 32 * 1024;

/// apimachinery's `ValidateConditions`: unique types, and each condition valid.
/// `raw` is the JSON list, to tell an absent `lastTransitionTime` (which k8s-openapi
/// reads as a default time).
pub(crate) fn conditions(conditions: &[Condition], raw: Option<&Value>, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let mut seen = HashSet::with_capacity(conditions.len());
    for (i, condition) in conditions.iter().enumerate() {
        let here = path.index(i);
        if !seen.insert(condition.type_.as_str()) {
            errs.push(FieldError::duplicate(here.child("type"), condition.type_.as_str()));
        }
        for msg in is_qualified_name(&condition.type_) {
            errs.push(FieldError::invalid(here.child("type"), condition.type_.as_str(), msg));
        }
        if !CONDITION_STATUSES.contains(&condition.status.as_str()) {
            errs.push(FieldError::not_supported(
                here.child("status"),
                condition.status.as_str(),
                &CONDITION_STATUSES,
            ));
        }
        if let Some(generation) = condition.observed_generation.filter(|g| *g < 0) {
            errs.push(FieldError::invalid(
                here.child("observedGeneration"),
                generation,
                "must be greater than or equal to zero",
            ));
        }
        let has_time = raw
            .and_then(|r| r.get(i))
            .is_some_and(|c| present(c, "/lastTransitionTime"));
        if !has_time {
            errs.push(FieldError::required(here.child("lastTransitionTime"), "must be set"));
        }
        let reason = condition.reason.as_str();
        if reason.is_empty() {
            errs.push(FieldError::required(here.child("reason"), "must be set"));
        } else {
            if !valid_reason(reason) {
                errs.push(FieldError::invalid(
                    here.child("reason"),
                    reason,
                    regex_error(
                        "a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_'",
                        "[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?",
                        &["my_name", "MY_NAME", "MyName", "ReasonA,ReasonB", "ReasonA:ReasonB"],
                    ),
                ));
            }
            if reason.len() > MAX_REASON_LENGTH {
                errs.push(FieldError::too_long(here.child("reason"), MAX_REASON_LENGTH as i64));
            }
        }
        if condition.message.len() > MAX_MESSAGE_LENGTH {
            errs.push(FieldError::too_long(here.child("message"), MAX_MESSAGE_LENGTH as i64));
        }
    }
    errs
}

/// `[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?`
fn valid_reason(reason: &str) -> bool {
    let bytes = reason.as_bytes();
    let inner = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b',' | b':');
    bytes.first().is_some_and(u8::is_ascii_alphabetic)
        && bytes.iter().all(inner)
        && bytes.last().is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn messages(new: &Value, old: Option<&Value>) -> Vec<String> {
        validate("policy", "PodDisruptionBudget", Input::from(new), old)
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn pdb(spec: Value) -> Value {
        json!({"metadata": {"name": "p"}, "spec": spec})
    }

    #[test]
    fn valid_budgets() {
        for spec in [
            json!({"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}}),
            json!({"maxUnavailable": "10%", "unhealthyPodEvictionPolicy": "AlwaysAllow"}),
            json!({"minAvailable": "100%", "selector": {}, "unhealthyPodEvictionPolicy": "IfHealthyBudget"}),
            json!({}),
        ] {
            let p = pdb(spec.clone());
            assert!(messages(&p, None).is_empty(), "{spec}");
            assert!(
                messages(&p, Some(&pdb(json!({"minAvailable": 1})))).is_empty(),
                "{spec}"
            );
        }
    }

    #[test]
    fn invalid_budgets() {
        let cases: Vec<(Value, Vec<&str>)> = vec![
            (
                json!({"minAvailable": 1, "maxUnavailable": "10%", "selector": {"matchLabels": {"app": "web"}}}),
                vec![
                    "spec: Invalid value: {\"MinAvailable\":1,\"Selector\":{\"matchLabels\":{\"app\":\"web\"}},\"MaxUnavailable\":\"10%\",\"UnhealthyPodEvictionPolicy\":null}: minAvailable and maxUnavailable cannot be both set",
                ],
            ),
            (
                json!({"minAvailable": -1}),
                vec!["spec.minAvailable: Invalid value: -1: must be greater than or equal to 0"],
            ),
            (
                json!({"maxUnavailable": "150%"}),
                vec!["spec.maxUnavailable: Invalid value: \"150%\": must not be greater than 100%"],
            ),
            (
                json!({"maxUnavailable": "half"}),
                vec![
                    "spec.maxUnavailable: Invalid value: \"half\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
                ],
            ),
            (
                json!({"selector": {"matchExpressions": [{"key": "app", "operator": "In"}]}}),
                vec![
                    "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
                ],
            ),
            (
                json!({"unhealthyPodEvictionPolicy": "Never"}),
                vec![
                    "spec.unhealthyPodEvictionPolicy: Unsupported value: \"Never\": supported values: \"AlwaysAllow\", \"IfHealthyBudget\"",
                ],
            ),
        ];
        for (spec, want) in cases {
            assert_eq!(messages(&pdb(spec.clone()), None), want, "{spec}");
        }
        // A stored selector value that is not a label value may stay on update.
        let odd = pdb(json!({"selector": {"matchExpressions": [{"key": "a", "operator": "In", "values": ["x y"]}]}}));
        assert_eq!(messages(&odd, None).len(), 1);
        assert!(messages(&odd, Some(&odd)).is_empty());
    }

    #[test]
    fn status_updates() {
        let p = pdb(json!({"minAvailable": 1}));
        let status = |s: Value| {
            let mut p = p.clone();
            p["status"] = s;
            p
        };
        let msgs = |new: &Value| -> Vec<String> {
            status_update("policy", "PodDisruptionBudget", new, &p)
                .unwrap_or_default()
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        let good = status(
            json!({"disruptionsAllowed": 1, "currentHealthy": 2, "desiredHealthy": 1, "expectedPods": 2,
            "conditions": [{"type": "DisruptionAllowed", "status": "True", "reason": "SufficientPods",
                "message": "", "lastTransitionTime": "2025-01-01T00:00:00Z"}]}),
        );
        assert!(msgs(&good).is_empty());
        let bad = status(
            json!({"disruptionsAllowed": -1, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0,
            "conditions": [
                {"type": "DisruptionAllowed", "status": "Yes", "reason": "1bad", "message": "", "observedGeneration": -1,
                    "lastTransitionTime": "2025-01-01T00:00:00Z"},
                {"type": "DisruptionAllowed", "status": "True", "reason": "", "message": ""}]}),
        );
        assert_eq!(
            msgs(&bad),
            [
                "status.conditions[0].status: Unsupported value: \"Yes\": supported values: \"False\", \"True\", \"Unknown\"",
                "status.conditions[0].observedGeneration: Invalid value: -1: must be greater than or equal to zero",
                "status.conditions[0].reason: Invalid value: \"1bad\": a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName',  or 'ReasonA,ReasonB',  or 'ReasonA:ReasonB', regex used for validation is '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?')",
                "status.conditions[1].type: Duplicate value: \"DisruptionAllowed\"",
                "status.conditions[1].lastTransitionTime: Required value: must be set",
                "status.conditions[1].reason: Required value: must be set",
                "status.disruptionsAllowed: Invalid value: -1: must be greater than or equal to 0",
            ]
        );
    }
}
