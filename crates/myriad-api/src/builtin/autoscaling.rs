//! HorizontalPodAutoscalers in their autoscaling/v2 shape, as upstream's
//! `pkg/apis/autoscaling/validation` checks them: the scale target, replica bounds,
//! each metric source and its target, and the scaling behavior's rules and policies;
//! and their status updates.
//!
//! Upstream stores v2 and validates its internal form, converted from whichever
//! version a client sent: errors of an autoscaling/v1 request name the v2 fields too
//! (a v1 `targetCPUUtilizationPercentage` of 0 is reported at
//! `spec.metrics[0].resource.target.averageUtilization`). So the server converts v1
//! objects to v2 before calling [`validate`]; only the v2 shape is read here.
//!
//! Scale to zero (`minReplicas: 0`) is alpha in 1.33 and off: the lower bound is 1,
//! except on an update of an autoscaler that already has 0.

use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HPAScalingRules, HorizontalPodAutoscaler, MetricIdentifier, MetricSpec, MetricTarget,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as OpenApiQuantity;
use serde_json::Value;

use super::common::non_negative;
use super::{Input, typed};
use crate::field_error::{FieldError, FieldPath};
use crate::quantity::Quantity;
use crate::validation::{is_dns1123_label, is_qualified_name, is_valid_path_segment_name};

/// The longest scaling policy period, in seconds.
pub const MAX_PERIOD_SECONDS: i32 = 1800;
/// The longest stabilization window, in seconds.
pub const MAX_STABILIZATION_WINDOW_SECONDS: i32 = 3600;

pub(super) fn validate(group: &str, kind: &str, new: Input<'_>, old: Option<&Value>) -> Option<Vec<FieldError>> {
    Some(match (group, kind) {
        ("autoscaling", "HorizontalPodAutoscaler") => typed(new, old, autoscaler),
        _ => return None,
    })
}

/// The errors of an autoscaler's status update; `None` for other kinds.
pub(super) fn status_update(group: &str, kind: &str, new: &Value, old: &Value) -> Option<Vec<FieldError>> {
    Some(match (group, kind) {
        ("autoscaling", "HorizontalPodAutoscaler") => typed(new, Some(old), |n: &HorizontalPodAutoscaler, _| {
            let status = n.status.clone().unwrap_or_default();
            let path = FieldPath::new("status");
            [
                ("currentReplicas", status.current_replicas.unwrap_or(0)),
                ("desiredReplicas", status.desired_replicas),
            ]
            .iter()
            .filter_map(|(name, value)| non_negative((*value).into(), &path.child(name)))
            .collect()
        }),
        _ => return None,
    })
}

fn autoscaler(new: &HorizontalPodAutoscaler, old: Option<&HorizontalPodAutoscaler>) -> Vec<FieldError> {
    let no_spec = Default::default();
    let spec = new.spec.as_ref().unwrap_or(&no_spec);
    let path = FieldPath::new("spec");
    let old_min = old.and_then(|o| o.spec.as_ref()).and_then(|s| s.min_replicas);
    let lower_bound = if old_min == Some(0) { 0 } else { 1 };
    let mut errs = Vec::new();
    if let Some(min) = spec.min_replicas.filter(|m| *m < lower_bound) {
        errs.push(FieldError::invalid(
            path.child("minReplicas"),
            min,
            format!("must be greater than or equal to {lower_bound}"),
        ));
    }
    let max = spec.max_replicas;
    if max < 1 {
        errs.push(FieldError::invalid(
            path.child("maxReplicas"),
            max,
            "must be greater than 0",
        ));
    }
    if spec.min_replicas.is_some_and(|min| max < min) {
        errs.push(FieldError::invalid(
            path.child("maxReplicas"),
            max,
            "must be greater than or equal to `minReplicas`",
        ));
    }
    errs.extend(object_reference(&spec.scale_target_ref, &path.child("scaleTargetRef")));
    let metrics = spec.metrics.as_deref().unwrap_or_default();
    let metrics_path = path.child("metrics");
    for (i, metric) in metrics.iter().enumerate() {
        errs.extend(metric_spec(metric, &metrics_path.index(i)));
    }
    if spec.min_replicas == Some(0) && !metrics.iter().any(|m| m.type_ == "Object" || m.type_ == "External") {
        errs.push(FieldError::forbidden(
            metrics_path,
            "must specify at least one Object or External metric to support scaling to zero replicas",
        ));
    }
    if let Some(behavior) = &spec.behavior {
        let here = path.child("behavior");
        errs.extend(scaling_rules(behavior.scale_up.as_ref(), &here.child("scaleUp")));
        errs.extend(scaling_rules(behavior.scale_down.as_ref(), &here.child("scaleDown")));
    }
    errs
}

/// `ValidateCrossVersionObjectReference`.
fn object_reference(reference: &CrossVersionObjectReference, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for (name, value) in [("kind", &reference.kind), ("name", &reference.name)] {
        if value.is_empty() {
            errs.push(FieldError::required(path.child(name), ""));
        } else {
            for msg in is_valid_path_segment_name(value) {
                errs.push(FieldError::invalid(path.child(name), value.as_str(), msg));
            }
        }
    }
    errs
}

/// The metric source types, in the sorted order upstream lists them.
const METRIC_SOURCE_TYPES: [&str; 5] = ["ContainerResource", "External", "Object", "Pods", "Resource"];

fn metric_spec(spec: &MetricSpec, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let type_path = path.child("type");
    let kind = spec.type_.as_str();
    if kind.is_empty() {
        errs.push(FieldError::required(&type_path, "must specify a metric source type"));
    }
    if !METRIC_SOURCE_TYPES.contains(&kind) {
        errs.push(FieldError::not_supported(&type_path, kind, &METRIC_SOURCE_TYPES));
    }
    // Only the first source present is validated; the others are forbidden below.
    let mut present: Vec<&str> = Vec::new();
    if let Some(object) = &spec.object {
        present.push("object");
        let here = path.child("object");
        errs.extend(object_reference(
            &object.described_object,
            &here.child("describedObject"),
        ));
        errs.extend(metric_identifier(&object.metric, &here.child("metric")));
        errs.extend(metric_target(&object.target, &here.child("target")));
        if object.target.value.is_none() && object.target.average_value.is_none() {
            errs.push(FieldError::required(
                here.child("target").child("averageValue"),
                "must set either a target value or averageValue",
            ));
        }
    }
    if let Some(external) = &spec.external {
        present.push("external");
        if present.len() == 1 {
            let here = path.child("external");
            errs.extend(metric_identifier(&external.metric, &here.child("metric")));
            errs.extend(metric_target(&external.target, &here.child("target")));
            let target = &external.target;
            if target.value.is_none() && target.average_value.is_none() {
                errs.push(FieldError::required(
                    here.child("target").child("averageValue"),
                    "must set either a target value for metric or a per-pod target",
                ));
            }
            if target.value.is_some() && target.average_value.is_some() {
                errs.push(FieldError::forbidden(
                    here.child("target").child("value"),
                    "may not set both a target value for metric and a per-pod target",
                ));
            }
        }
    }
    if let Some(pods) = &spec.pods {
        present.push("pods");
        if present.len() == 1 {
            let here = path.child("pods");
            errs.extend(metric_identifier(&pods.metric, &here.child("metric")));
            errs.extend(metric_target(&pods.target, &here.child("target")));
            if pods.target.average_value.is_none() {
                errs.push(FieldError::required(
                    here.child("target").child("averageValue"),
                    "must specify a positive target averageValue",
                ));
            }
        }
    }
    if let Some(resource) = &spec.resource {
        present.push("resource");
        if present.len() == 1 {
            let here = path.child("resource");
            if resource.name.is_empty() {
                errs.push(FieldError::required(here.child("name"), "must specify a resource name"));
            }
            errs.extend(metric_target(&resource.target, &here.child("target")));
            errs.extend(utilization_or_value(&resource.target, &here.child("target")));
        }
    }
    if let Some(container) = &spec.container_resource {
        present.push("containerResource");
        if present.len() == 1 {
            let here = path.child("containerResource");
            if container.name.is_empty() {
                errs.push(FieldError::required(here.child("name"), "must specify a resource name"));
            } else {
                errs.extend(container_resource_name(&container.name, &here.child("name")));
            }
            if container.container.is_empty() {
                errs.push(FieldError::required(
                    here.child("container"),
                    "must specify a container",
                ));
            } else {
                for msg in is_dns1123_label(&container.container) {
                    errs.push(FieldError::invalid(
                        here.child("container"),
                        container.container.as_str(),
                        msg,
                    ));
                }
            }
            errs.extend(metric_target(&container.target, &here.child("target")));
            errs.extend(utilization_or_value(&container.target, &here.child("target")));
        }
    }
    let expected = match kind {
        "Object" => "object",
        "Pods" => "pods",
        "Resource" => "resource",
        "External" => "external",
        "ContainerResource" => "containerResource",
        // Upstream reports an unknown type a second time here.
        _ => {
            errs.push(FieldError::not_supported(&type_path, kind, &METRIC_SOURCE_TYPES));
            ""
        }
    };
    if !expected.is_empty() && !present.contains(&expected) {
        errs.push(FieldError::required(
            path.child(expected),
            "must populate information for the given metric source",
        ));
    }
    if present.len() != 1 {
        for source in present.iter().filter(|s| **s != expected) {
            errs.push(FieldError::forbidden(
                path.child(source),
                "must populate the given metric source only",
            ));
        }
    }
    errs
}

/// A Resource or ContainerResource target: a utilization or an average value, not both.
fn utilization_or_value(target: &MetricTarget, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if target.average_utilization.is_none() && target.average_value.is_none() {
        errs.push(FieldError::required(
            path.child("averageUtilization"),
            "must set either a target raw value or a target utilization",
        ));
    }
    if target.average_utilization.is_some() && target.average_value.is_some() {
        errs.push(FieldError::forbidden(
            path.child("averageValue"),
            "may not set both a target raw value and a target utilization",
        ));
    }
    errs
}

fn metric_identifier(id: &MetricIdentifier, path: &FieldPath) -> Vec<FieldError> {
    let here = path.child("name");
    if id.name.is_empty() {
        return vec![FieldError::required(here, "must specify a metric name")];
    }
    is_valid_path_segment_name(&id.name)
        .into_iter()
        .map(|msg| FieldError::invalid(&here, id.name.as_str(), msg))
        .collect()
}

fn metric_target(target: &MetricTarget, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let kind = target.type_.as_str();
    if kind.is_empty() {
        errs.push(FieldError::required(
            path.child("type"),
            "must specify a metric target type",
        ));
    }
    if !matches!(kind, "Utilization" | "Value" | "AverageValue") {
        errs.push(FieldError::invalid(
            path.child("type"),
            kind,
            "must be either Utilization, Value, or AverageValue",
        ));
    }
    for (name, quantity) in [("value", &target.value), ("averageValue", &target.average_value)] {
        if let Some(quantity) = quantity {
            errs.extend(positive_quantity(quantity, &path.child(name)));
        }
    }
    if let Some(utilization) = target.average_utilization.filter(|u| *u < 1) {
        errs.push(FieldError::invalid(
            path.child("averageUtilization"),
            utilization,
            "must be greater than 0",
        ));
    }
    errs
}

fn positive_quantity(quantity: &OpenApiQuantity, path: &FieldPath) -> Option<FieldError> {
    match Quantity::parse(&quantity.0) {
        Ok(q) if q.nanos() > 0 => None,
        // Go renders a quantity in its canonical form (`-500m`, `-1536Mi`).
        Ok(q) => Some(FieldError::invalid(
            path,
            canonical_quantity(&quantity.0, q),
            "must be positive",
        )),
        Err(e) => Some(FieldError::invalid(path, quantity.0.as_str(), e.to_string())),
    }
}

/// `resource.Quantity.String()`: the value in the quantity's own format (binary SI,
/// decimal SI or decimal exponent) with the largest suffix that keeps an integer
/// mantissa — decimal exponents a multiple of 3, binary ones a power of 1024 (only
/// for whole values of at least 1024 in magnitude; others fall back to decimal SI).
pub(crate) fn canonical_quantity(text: &str, quantity: Quantity) -> String {
    let nanos = quantity.nanos();
    if nanos == 0 {
        return "0".to_string();
    }
    let suffix = text
        .trim()
        .trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.'));
    let binary = matches!(suffix, "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei");
    let exponent_format = suffix.starts_with(['e', 'E']);
    const NANO: i128 = 1_000_000_000;
    if binary && nanos.abs() >= 1024 * NANO && nanos % NANO == 0 {
        let (mut mantissa, mut power) = (nanos / NANO, 0usize);
        while mantissa % 1024 == 0 && power < 6 {
            mantissa /= 1024;
            power += 1;
        }
        return format!("{mantissa}{}", ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][power]);
    }
    let (mut mantissa, mut exponent) = (nanos, -9i32);
    while mantissa % 10 == 0 {
        mantissa /= 10;
        exponent += 1;
    }
    while exponent.rem_euclid(3) != 0 {
        mantissa *= 10;
        exponent -= 1;
    }
    let suffix = if exponent_format {
        if exponent == 0 {
            String::new()
        } else {
            format!("e{exponent}")
        }
    } else {
        match exponent {
            -9 => "n".to_string(),
            -6 => "u".to_string(),
            -3 => "m".to_string(),
            0 => String::new(),
            3 => "k".to_string(),
            6 => "M".to_string(),
            9 => "G".to_string(),
            12 => "T".to_string(),
            15 => "P".to_string(),
            18 => "E".to_string(),
            other => format!("e{other}"),
        }
    };
    format!("{mantissa}{suffix}")
}

/// Resource names a container may request.
const STANDARD_CONTAINER_RESOURCES: [&str; 3] = ["cpu", "memory", "ephemeral-storage"];
/// Resource names upstream knows without a domain prefix.
const STANDARD_RESOURCES: [&str; 19] = [
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
    "persistentvolumeclaims",
    "configmaps",
    "services.nodeports",
    "services.loadbalancers",
    "requests.storage",
];

/// `ValidateContainerResourceName` (core/v1): a qualified name; without a domain, a
/// standard resource a container can ask for (cpu, memory, ephemeral-storage,
/// hugepages-*); with one, a native (`kubernetes.io/`) or extended resource.
fn container_resource_name(name: &str, path: &FieldPath) -> Vec<FieldError> {
    let mut errs: Vec<FieldError> = is_qualified_name(name)
        .into_iter()
        .map(|msg| FieldError::invalid(path, name, msg))
        .collect();
    let unprefixed = !name.contains('/');
    if errs.is_empty()
        && unprefixed
        && !(STANDARD_RESOURCES.contains(&name)
            || name.starts_with("hugepages-")
            || name.starts_with("requests.hugepages-"))
    {
        errs.push(FieldError::invalid(
            path,
            name,
            "must be a standard resource type or fully qualified",
        ));
    }
    if unprefixed {
        if !(STANDARD_CONTAINER_RESOURCES.contains(&name) || name.starts_with("hugepages-")) {
            errs.push(FieldError::invalid(
                path,
                name,
                "must be a standard resource for containers",
            ));
        }
    } else if !name.contains("kubernetes.io/") {
        let extended = !name.starts_with("requests.") && is_qualified_name(&format!("requests.{name}")).is_empty();
        if !extended {
            errs.push(FieldError::invalid(
                path,
                name,
                "doesn't follow extended resource name standard",
            ));
        }
    }
    errs
}

/// The select policies, sorted as upstream lists them.
const SELECT_POLICIES: [&str; 3] = ["Disabled", "Max", "Min"];
const POLICY_TYPES: [&str; 2] = ["Percent", "Pods"];

fn scaling_rules(rules: Option<&HPAScalingRules>, path: &FieldPath) -> Vec<FieldError> {
    let Some(rules) = rules else {
        return Vec::new();
    };
    let mut errs = Vec::new();
    if let Some(window) = rules.stabilization_window_seconds {
        let here = path.child("stabilizationWindowSeconds");
        if window < 0 {
            errs.push(FieldError::invalid(
                &here,
                window,
                "must be greater than or equal to zero",
            ));
        }
        if window > MAX_STABILIZATION_WINDOW_SECONDS {
            errs.push(FieldError::invalid(
                &here,
                window,
                format!("must be less than or equal to {MAX_STABILIZATION_WINDOW_SECONDS}"),
            ));
        }
    }
    if let Some(select) = rules.select_policy.as_deref()
        && !SELECT_POLICIES.contains(&select)
    {
        errs.push(FieldError::not_supported(
            path.child("selectPolicy"),
            select,
            &SELECT_POLICIES,
        ));
    }
    // Defaulting fills absent policies, so only an explicitly empty list is missing.
    let policies_path = path.child("policies");
    if rules.policies.as_ref().is_some_and(Vec::is_empty) {
        errs.push(FieldError::required(&policies_path, "must specify at least one Policy"));
    }
    for (i, policy) in rules.policies.iter().flatten().enumerate() {
        let here = policies_path.index(i);
        if !POLICY_TYPES.contains(&policy.type_.as_str()) {
            errs.push(FieldError::not_supported(
                here.child("type"),
                policy.type_.as_str(),
                &POLICY_TYPES,
            ));
        }
        if policy.value <= 0 {
            errs.push(FieldError::invalid(
                here.child("value"),
                policy.value,
                "must be greater than zero",
            ));
        }
        let period = policy.period_seconds;
        if period <= 0 {
            errs.push(FieldError::invalid(
                here.child("periodSeconds"),
                period,
                "must be greater than zero",
            ));
        }
        if period > MAX_PERIOD_SECONDS {
            errs.push(FieldError::invalid(
                here.child("periodSeconds"),
                period,
                format!("must be less than or equal to {MAX_PERIOD_SECONDS}"),
            ));
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn messages(new: &Value, old: Option<&Value>) -> Vec<String> {
        validate("autoscaling", "HorizontalPodAutoscaler", Input::from(new), old)
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn with(base: &Value, patch: Value) -> Value {
        let mut out = base.clone();
        if let (Some(o), Some(p)) = (out.get_mut("spec").and_then(Value::as_object_mut), patch.as_object()) {
            for (k, v) in p {
                if v.is_null() {
                    o.remove(k);
                } else {
                    o.insert(k.clone(), v.clone());
                }
            }
        }
        out
    }

    fn hpa() -> Value {
        json!({"metadata": {"name": "web"}, "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 1, "maxReplicas": 10,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 80}}}]}})
    }

    #[test]
    fn valid_autoscalers() {
        let hpa = hpa();
        assert!(messages(&hpa, None).is_empty());
        for ok in [
            json!({"metrics": [
                {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "1k"}}},
                {"type": "Object", "object": {"describedObject": {"kind": "Ingress", "name": "main"},
                    "metric": {"name": "hits"}, "target": {"type": "Value", "value": "10"}}},
                {"type": "External", "external": {"metric": {"name": "queue"}, "target": {"type": "AverageValue", "averageValue": "30"}}},
                {"type": "ContainerResource", "containerResource": {"name": "memory", "container": "app",
                    "target": {"type": "AverageValue", "averageValue": "500Mi"}}}]}),
            json!({"behavior": {"scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
                "policies": [{"type": "Pods", "value": 4, "periodSeconds": 15}, {"type": "Percent", "value": 100, "periodSeconds": 1800}]},
                "scaleDown": {"selectPolicy": "Disabled", "stabilizationWindowSeconds": 3600}}}),
        ] {
            assert!(messages(&with(&hpa, ok.clone()), None).is_empty(), "{ok}");
        }
        // An autoscaler that already scales to zero may keep doing so.
        let zero = with(
            &hpa,
            json!({"minReplicas": 0, "metrics": [{"type": "External", "external": {"metric": {"name": "q"},
                "target": {"type": "Value", "value": "1"}}}]}),
        );
        assert!(messages(&zero, Some(&zero)).is_empty());
    }

    #[test]
    fn invalid_autoscalers() {
        let hpa = hpa();
        let resource =
            |target: Value| json!({"metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": target}}]});
        let cases: Vec<(Value, Vec<&str>)> = vec![
            (
                json!({"minReplicas": 0, "maxReplicas": 0}),
                vec![
                    "spec.minReplicas: Invalid value: 0: must be greater than or equal to 1",
                    "spec.maxReplicas: Invalid value: 0: must be greater than 0",
                    "spec.metrics: Forbidden: must specify at least one Object or External metric to support scaling to zero replicas",
                ],
            ),
            (
                json!({"minReplicas": 5, "maxReplicas": 3}),
                vec!["spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`"],
            ),
            (
                json!({"scaleTargetRef": {"kind": "", "name": "a/b"}}),
                vec![
                    "spec.scaleTargetRef.kind: Required value",
                    "spec.scaleTargetRef.name: Invalid value: \"a/b\": may not contain '/'",
                ],
            ),
            (
                json!({"metrics": [{"type": "Bogus"}]}),
                vec![
                    "spec.metrics[0].type: Unsupported value: \"Bogus\": supported values: \"ContainerResource\", \"External\", \"Object\", \"Pods\", \"Resource\"",
                    "spec.metrics[0].type: Unsupported value: \"Bogus\": supported values: \"ContainerResource\", \"External\", \"Object\", \"Pods\", \"Resource\"",
                ],
            ),
            (
                json!({"metrics": [{"type": "Pods"}]}),
                vec!["spec.metrics[0].pods: Required value: must populate information for the given metric source"],
            ),
            (
                json!({"metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}},
                    "external": {"metric": {"name": "q"}, "target": {"type": "Value", "value": "1"}}}]}),
                vec!["spec.metrics[0].external: Forbidden: must populate the given metric source only"],
            ),
            (
                resource(json!({"type": "", "averageUtilization": 0, "averageValue": "-500m"})),
                vec![
                    "spec.metrics[0].resource.target.type: Required value: must specify a metric target type",
                    "spec.metrics[0].resource.target.type: Invalid value: \"\": must be either Utilization, Value, or AverageValue",
                    "spec.metrics[0].resource.target.averageValue: Invalid value: \"-500m\": must be positive",
                    "spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0",
                    "spec.metrics[0].resource.target.averageValue: Forbidden: may not set both a target raw value and a target utilization",
                ],
            ),
            (
                resource(json!({"type": "Value", "value": "-1.5Gi"})),
                vec![
                    "spec.metrics[0].resource.target.value: Invalid value: \"-1536Mi\": must be positive",
                    "spec.metrics[0].resource.target.averageUtilization: Required value: must set either a target raw value or a target utilization",
                ],
            ),
            (
                json!({"metrics": [{"type": "Object", "object": {"describedObject": {"kind": "Svc", "name": ""},
                    "metric": {"name": ""}, "target": {"type": "Value"}}}]}),
                vec![
                    "spec.metrics[0].object.describedObject.name: Required value",
                    "spec.metrics[0].object.metric.name: Required value: must specify a metric name",
                    "spec.metrics[0].object.target.averageValue: Required value: must set either a target value or averageValue",
                ],
            ),
            (
                json!({"metrics": [{"type": "External", "external": {"metric": {"name": "q"},
                    "target": {"type": "Value", "value": "0", "averageValue": "2"}}}]}),
                vec![
                    "spec.metrics[0].external.target.value: Invalid value: \"0\": must be positive",
                    "spec.metrics[0].external.target.value: Forbidden: may not set both a target value for metric and a per-pod target",
                ],
            ),
            (
                json!({"metrics": [{"type": "Pods", "pods": {"metric": {"name": "q"}, "target": {"type": "Utilization"}}}]}),
                vec![
                    "spec.metrics[0].pods.target.averageValue: Required value: must specify a positive target averageValue",
                ],
            ),
            (
                json!({"metrics": [{"type": "ContainerResource", "containerResource": {"name": "pods", "container": "App",
                    "target": {"type": "Utilization", "averageUtilization": 50}}}]}),
                vec![
                    "spec.metrics[0].containerResource.name: Invalid value: \"pods\": must be a standard resource for containers",
                    "spec.metrics[0].containerResource.container: Invalid value: \"App\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                ],
            ),
            (
                json!({"metrics": [{"type": "ContainerResource", "containerResource": {"name": "gpu", "container": "",
                    "target": {"type": "Utilization", "averageUtilization": 50}}}]}),
                vec![
                    "spec.metrics[0].containerResource.name: Invalid value: \"gpu\": must be a standard resource type or fully qualified",
                    "spec.metrics[0].containerResource.name: Invalid value: \"gpu\": must be a standard resource for containers",
                    "spec.metrics[0].containerResource.container: Required value: must specify a container",
                ],
            ),
            (
                json!({"behavior": {"scaleUp": {"stabilizationWindowSeconds": -1, "selectPolicy": "Avg", "policies": []},
                    "scaleDown": {"stabilizationWindowSeconds": 3601, "policies": [{"type": "Nodes", "value": 0, "periodSeconds": 1801}, {"type": "Pods", "value": 1, "periodSeconds": 0}]}}}),
                vec![
                    "spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: -1: must be greater than or equal to zero",
                    "spec.behavior.scaleUp.selectPolicy: Unsupported value: \"Avg\": supported values: \"Disabled\", \"Max\", \"Min\"",
                    "spec.behavior.scaleUp.policies: Required value: must specify at least one Policy",
                    "spec.behavior.scaleDown.stabilizationWindowSeconds: Invalid value: 3601: must be less than or equal to 3600",
                    "spec.behavior.scaleDown.policies[0].type: Unsupported value: \"Nodes\": supported values: \"Percent\", \"Pods\"",
                    "spec.behavior.scaleDown.policies[0].value: Invalid value: 0: must be greater than zero",
                    "spec.behavior.scaleDown.policies[0].periodSeconds: Invalid value: 1801: must be less than or equal to 1800",
                    "spec.behavior.scaleDown.policies[1].periodSeconds: Invalid value: 0: must be greater than zero",
                ],
            ),
        ];
        for (patch, want) in cases {
            assert_eq!(messages(&with(&hpa, patch.clone()), None), want, "{patch}");
        }
        // Updates validate the same way.
        assert_eq!(
            messages(&with(&hpa, json!({"maxReplicas": -1, "minReplicas": null})), Some(&hpa)),
            ["spec.maxReplicas: Invalid value: -1: must be greater than 0"]
        );
    }

    #[test]
    fn canonical_quantities() {
        for (text, want) in [
            ("0", "0"),
            ("-0.5", "-500m"),
            ("-1000", "-1k"),
            ("-1500", "-1500"),
            ("-1.5Gi", "-1536Mi"),
            ("-512", "-512"),
            ("-1Ki", "-1Ki"),
            ("-1e3", "-1e3"),
            ("-100e-3", "-100e-3"),
            ("-1n", "-1n"),
        ] {
            let q = Quantity::parse(text).unwrap();
            assert_eq!(canonical_quantity(text, q), want, "{text}");
        }
    }

    #[test]
    fn status_updates() {
        let hpa = with(&hpa(), json!({}));
        let mut bad = hpa.clone();
        bad["status"] = json!({"currentReplicas": -1, "desiredReplicas": -2});
        let got: Vec<String> = status_update("autoscaling", "HorizontalPodAutoscaler", &bad, &hpa)
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            got,
            [
                "status.currentReplicas: Invalid value: -1: must be greater than or equal to 0",
                "status.desiredReplicas: Invalid value: -2: must be greater than or equal to 0",
            ]
        );
    }
}
