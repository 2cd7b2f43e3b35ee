//! HorizontalPodAutoscaler between `autoscaling/v2` (the storage version, and the same
//! shape as upstream's internal type) and `autoscaling/v1`, as upstream's
//! `pkg/apis/autoscaling/v1/conversion.go` converts through the internal type.
//!
//! v1 only knows a CPU utilization percentage. To v1: the first Resource `cpu` metric
//! with an `averageUtilization` target becomes `spec.targetCPUUtilizationPercentage`,
//! and the last such current metric `status.currentCPUUtilizationPercentage`; the
//! other metrics, *all* current metrics, the conditions and the behavior are written as
//! JSON into four annotations, replacing any the object had:
//!
//! * `autoscaling.alpha.kubernetes.io/metrics` and `…/current-metrics`: lists of v1's
//!   own (never served) `MetricSpec`/`MetricStatus` — the v2beta1 shapes, with
//!   `metricName`, `targetAverageUtilization`, `targetValue`, `currentAverageValue`…
//!   Their non-pointer quantities are written as `"0"` when v2 has none.
//! * `…/conditions`: v1's `HorizontalPodAutoscalerCondition` list
//!   (`lastTransitionTime: null` when unset).
//! * `…/behavior`: upstream marshals its *internal* `HorizontalPodAutoscalerBehavior`,
//!   which has no JSON tags: Go field names (`ScaleUp`, `StabilizationWindowSeconds`,
//!   `SelectPolicy`, `Policies`, `Type`, `Value`, `PeriodSeconds`, 1.33's `Tolerance`)
//!   and explicit `null`s.
//!
//! To v2: the annotated metrics come first, then the CPU target if any; with neither,
//! the CPU target defaults to 80%. Annotations that do not decode are ignored, as
//! upstream ignores them, and all four are dropped. v2 → v1 → v2 is lossless except
//! where upstream's is not: the CPU utilization metric moves to the end of the list, a
//! second one is lost, an Object metric target or a metric status without a value
//! gains `"0"`, and an empty `behavior: {}` is dropped.

use serde_json::{Map, Value};

use super::{
    GoFields, GoJson, GoStruct, Undecodable, child, go_int32, go_json, go_list, integer, label_selector_json, present,
    put_present, put_string, string,
};

/// autoscaling/v1.
pub(super) const V1: &str = "autoscaling/v1";
/// autoscaling/v2, the storage version.
pub(super) const V2: &str = "autoscaling/v2";

/// Non-CPU metric specs, as v1 `MetricSpec`s.
pub const METRIC_SPECS_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/metrics";
/// All current metrics, as v1 `MetricStatus`es.
pub const METRIC_STATUSES_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/current-metrics";
/// The conditions, as v1 `HorizontalPodAutoscalerCondition`s.
pub const CONDITIONS_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/conditions";
/// The scaling behavior, as the internal `HorizontalPodAutoscalerBehavior`.
pub const BEHAVIOR_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/behavior";

/// The CPU utilization v1 falls back to when there are no metrics at all.
const DEFAULT_CPU_UTILIZATION: i64 = 80;

const ROUND_TRIP_ANNOTATIONS: [&str; 4] = [
    METRIC_SPECS_ANNOTATION,
    BEHAVIOR_ANNOTATION,
    METRIC_STATUSES_ANNOTATION,
    CONDITIONS_ANNOTATION,
];

/// An autoscaling/v2 HorizontalPodAutoscaler as autoscaling/v1 writes it.
pub(super) fn v2_to_v1(mut hpa: Map<String, Value>) -> Map<String, Value> {
    let mut metadata = take_metadata(&mut hpa);
    let empty = Map::new();
    let spec = child(&hpa, "spec").unwrap_or(&empty);
    let status = child(&hpa, "status").unwrap_or(&empty);
    let mut annotations = Vec::new();

    let metrics = objects(spec, "metrics");
    let mut v1_spec = Map::new();
    v1_spec.insert(
        "scaleTargetRef".into(),
        cross_version_reference(child(spec, "scaleTargetRef")),
    );
    put_present(&mut v1_spec, "minReplicas", present(spec, "minReplicas"));
    v1_spec.insert("maxReplicas".into(), integer(spec, "maxReplicas").into());
    put_present(
        &mut v1_spec,
        "targetCPUUtilizationPercentage",
        metrics.iter().find_map(|m| cpu_utilization_target(m)),
    );
    let other_metrics: Vec<GoJson> = metrics
        .iter()
        .filter(|m| cpu_utilization_target(m).is_none())
        .map(|m| metric_spec_annotation(m))
        .collect();
    if !other_metrics.is_empty() {
        annotations.push((METRIC_SPECS_ANNOTATION, go_json(&GoJson::List(other_metrics))));
    }
    if let Some(behavior) = child(spec, "behavior") {
        annotations.push((BEHAVIOR_ANNOTATION, go_json(&behavior_annotation(behavior))));
    }

    let current_metrics = objects(status, "currentMetrics");
    let mut v1_status = Map::new();
    put_present(
        &mut v1_status,
        "observedGeneration",
        present(status, "observedGeneration"),
    );
    put_present(&mut v1_status, "lastScaleTime", present(status, "lastScaleTime"));
    v1_status.insert("currentReplicas".into(), integer(status, "currentReplicas").into());
    v1_status.insert("desiredReplicas".into(), integer(status, "desiredReplicas").into());
    // Upstream keeps looking: the last CPU utilization wins.
    put_present(
        &mut v1_status,
        "currentCPUUtilizationPercentage",
        current_metrics.iter().rev().find_map(|m| cpu_utilization_current(m)),
    );
    if !current_metrics.is_empty() {
        let list = current_metrics.iter().map(|m| metric_status_annotation(m)).collect();
        annotations.push((METRIC_STATUSES_ANNOTATION, go_json(&GoJson::List(list))));
    }
    let conditions = objects(status, "conditions");
    if !conditions.is_empty() {
        let list = conditions.iter().map(|c| condition_annotation(c)).collect();
        annotations.push((CONDITIONS_ANNOTATION, go_json(&GoJson::List(list))));
    }

    set_round_trip_annotations(&mut metadata, annotations);
    let mut out = Map::new();
    out.insert("apiVersion".into(), V1.into());
    out.insert("kind".into(), "HorizontalPodAutoscaler".into());
    out.insert("metadata".into(), Value::Object(metadata));
    out.insert("spec".into(), Value::Object(v1_spec));
    out.insert("status".into(), Value::Object(v1_status));
    out
}

/// An autoscaling/v1 HorizontalPodAutoscaler as autoscaling/v2 writes it.
pub(super) fn v1_to_v2(mut hpa: Map<String, Value>) -> Map<String, Value> {
    let mut metadata = take_metadata(&mut hpa);
    let annotation = |key: &str| {
        child(&metadata, "annotations")
            .and_then(|a| a.get(key))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let empty = Map::new();
    let spec = child(&hpa, "spec").unwrap_or(&empty);
    let status = child(&hpa, "status").unwrap_or(&empty);

    let mut v2_spec = Map::new();
    v2_spec.insert(
        "scaleTargetRef".into(),
        cross_version_reference(child(spec, "scaleTargetRef")),
    );
    put_present(&mut v2_spec, "minReplicas", present(spec, "minReplicas"));
    v2_spec.insert("maxReplicas".into(), integer(spec, "maxReplicas").into());
    let mut metrics = annotation(METRIC_SPECS_ANNOTATION)
        .and_then(|text| decode_list(&text, metric_spec_from_annotation))
        .unwrap_or_default();
    metrics.extend(present(spec, "targetCPUUtilizationPercentage").map(cpu_utilization_metric));
    if metrics.is_empty() {
        metrics.push(cpu_utilization_metric(DEFAULT_CPU_UTILIZATION.into()));
    }
    v2_spec.insert("metrics".into(), Value::Array(metrics));
    if let Some(behavior) = annotation(BEHAVIOR_ANNOTATION).and_then(|text| behavior_from_annotation(&text)) {
        v2_spec.insert("behavior".into(), behavior);
    }

    let mut v2_status = Map::new();
    put_present(
        &mut v2_status,
        "observedGeneration",
        present(status, "observedGeneration"),
    );
    put_present(&mut v2_status, "lastScaleTime", present(status, "lastScaleTime"));
    let current_replicas = integer(status, "currentReplicas");
    if current_replicas != 0 {
        v2_status.insert("currentReplicas".into(), current_replicas.into());
    }
    v2_status.insert("desiredReplicas".into(), integer(status, "desiredReplicas").into());
    let mut current_metrics = present(status, "currentCPUUtilizationPercentage").map(|utilization| {
        vec![serde_json::json!({
            "type": "Resource",
            "resource": {"name": "cpu", "current": {"averageUtilization": utilization}},
        })]
    });
    if let Some(list) =
        annotation(METRIC_STATUSES_ANNOTATION).and_then(|text| decode_list(&text, metric_status_from_annotation))
    {
        current_metrics = Some(list);
    }
    // Not `omitempty` in v2: `null` when there are none.
    v2_status.insert(
        "currentMetrics".into(),
        current_metrics.map_or(Value::Null, Value::Array),
    );
    if let Some(conditions) =
        annotation(CONDITIONS_ANNOTATION).and_then(|text| decode_list(&text, condition_from_annotation))
        && !conditions.is_empty()
    {
        v2_status.insert("conditions".into(), Value::Array(conditions));
    }

    set_round_trip_annotations(&mut metadata, Vec::new());
    let mut out = Map::new();
    out.insert("apiVersion".into(), V2.into());
    out.insert("kind".into(), "HorizontalPodAutoscaler".into());
    out.insert("metadata".into(), Value::Object(metadata));
    out.insert("spec".into(), Value::Object(v2_spec));
    out.insert("status".into(), Value::Object(v2_status));
    out
}

/// The object's metadata (empty when missing).
fn take_metadata(hpa: &mut Map<String, Value>) -> Map<String, Value> {
    match hpa.remove("metadata") {
        Some(Value::Object(meta)) => meta,
        _ => Map::new(),
    }
}

/// Drops the four round-trip annotations, then sets `annotations`; an annotation map
/// left empty is left out, as Go's `omitempty` leaves it out.
fn set_round_trip_annotations(metadata: &mut Map<String, Value>, annotations: Vec<(&str, String)>) {
    let mut map = match metadata.remove("annotations") {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    };
    for key in ROUND_TRIP_ANNOTATIONS {
        map.remove(key);
    }
    for (key, value) in annotations {
        map.insert(key.to_string(), Value::String(value));
    }
    if !map.is_empty() {
        metadata.insert("annotations".into(), Value::Object(map));
    }
}

/// The objects of the list at `key` (a `null` item reads as an empty struct, as Go
/// decodes it).
fn objects<'a>(object: &'a Map<String, Value>, key: &str) -> Vec<&'a Map<String, Value>> {
    object
        .get(key)
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|item| item.as_object().unwrap_or(empty_fields()))
                .collect()
        })
        .unwrap_or_default()
}

/// A `CrossVersionObjectReference` (both versions have the same): `kind` and `name`
/// always, `apiVersion` unless empty.
fn cross_version_reference(reference: Option<&Map<String, Value>>) -> Value {
    let empty = Map::new();
    let reference = reference.unwrap_or(&empty);
    let mut out = Map::new();
    out.insert("kind".into(), string(reference, "kind").into());
    out.insert("name".into(), string(reference, "name").into());
    put_string(&mut out, "apiVersion", string(reference, "apiVersion"));
    Value::Object(out)
}

/// The v2 `Resource` metric source named `name`, with its `field` (`target` or `current`).
fn resource_part<'a>(metric: &'a Map<String, Value>, name: &str, field: &str) -> Option<&'a Map<String, Value>> {
    if string(metric, "type") != "Resource" {
        return None;
    }
    let resource = child(metric, "resource")?;
    (string(resource, "name") == name).then(|| child(resource, field))?
}

/// The percentage of a metric v1 keeps as `targetCPUUtilizationPercentage`.
fn cpu_utilization_target(metric: &Map<String, Value>) -> Option<Value> {
    resource_part(metric, "cpu", "target").and_then(|t| present(t, "averageUtilization"))
}

/// The percentage of a current metric v1 shows as `currentCPUUtilizationPercentage`.
fn cpu_utilization_current(metric: &Map<String, Value>) -> Option<Value> {
    resource_part(metric, "cpu", "current").and_then(|c| present(c, "averageUtilization"))
}

/// The v2 metric v1's `targetCPUUtilizationPercentage` stands for.
fn cpu_utilization_metric(utilization: Value) -> Value {
    serde_json::json!({
        "type": "Resource",
        "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": utilization}},
    })
}

// ---------------------------------------------------------------------------------------
// v2 → the annotations' JSON, in the field order of the Go structs upstream marshals.

/// A quantity of a stored object, canonical as Go writes it.
fn quantity(object: &Map<String, Value>, key: &str) -> Option<GoJson> {
    let value = present(object, key)?;
    let text = match &value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    Some(GoJson::Str(crate::quantity::canonical(&text).unwrap_or(text)))
}

/// A non-pointer `resource.Quantity`: `"0"` when there is none.
fn quantity_or_zero(object: &Map<String, Value>, key: &str) -> GoJson {
    quantity(object, key).unwrap_or_else(|| GoJson::Str("0".into()))
}

fn int32(object: &Map<String, Value>, key: &str) -> Option<GoJson> {
    object.get(key).and_then(Value::as_i64).map(GoJson::Int)
}

fn text(object: &Map<String, Value>, key: &str) -> GoJson {
    GoJson::Str(string(object, key))
}

fn reference_json(reference: Option<&Map<String, Value>>) -> GoJson {
    let empty = Map::new();
    let reference = reference.unwrap_or(&empty);
    GoStruct::default()
        .field("kind", text(reference, "kind"))
        .field("name", text(reference, "name"))
        .string("apiVersion", string(reference, "apiVersion"))
        .done()
}

/// A v2 metric's `metric` identifier: its name, and its selector if any.
fn identifier(source: &Map<String, Value>) -> (GoJson, Option<GoJson>) {
    let empty = Map::new();
    let metric = child(source, "metric").unwrap_or(&empty);
    (text(metric, "name"), child(metric, "selector").map(label_selector_json))
}

/// A v2 `MetricSpec` as v1's `MetricSpec`.
fn metric_spec_annotation(metric: &Map<String, Value>) -> GoJson {
    let empty = Map::new();
    let target = |source: &Map<String, Value>| child(source, "target").cloned().unwrap_or_else(|| empty.clone());
    GoStruct::default()
        .field("type", text(metric, "type"))
        .optional(
            "object",
            child(metric, "object").map(|source| {
                let (name, selector) = identifier(source);
                let target = target(source);
                GoStruct::default()
                    .field("target", reference_json(child(source, "describedObject")))
                    .field("metricName", name)
                    .field("targetValue", quantity_or_zero(&target, "value"))
                    .optional("selector", selector)
                    .optional("averageValue", quantity(&target, "averageValue"))
                    .done()
            }),
        )
        .optional(
            "pods",
            child(metric, "pods").map(|source| {
                let (name, selector) = identifier(source);
                GoStruct::default()
                    .field("metricName", name)
                    .field("targetAverageValue", quantity_or_zero(&target(source), "averageValue"))
                    .optional("selector", selector)
                    .done()
            }),
        )
        .optional(
            "resource",
            child(metric, "resource").map(|source| {
                let target = target(source);
                GoStruct::default()
                    .field("name", text(source, "name"))
                    .optional("targetAverageUtilization", int32(&target, "averageUtilization"))
                    .optional("targetAverageValue", quantity(&target, "averageValue"))
                    .done()
            }),
        )
        .optional(
            "containerResource",
            child(metric, "containerResource").map(|source| {
                let target = target(source);
                GoStruct::default()
                    .field("name", text(source, "name"))
                    .optional("targetAverageUtilization", int32(&target, "averageUtilization"))
                    .optional("targetAverageValue", quantity(&target, "averageValue"))
                    .field("container", text(source, "container"))
                    .done()
            }),
        )
        .optional(
            "external",
            child(metric, "external").map(|source| {
                let (name, selector) = identifier(source);
                let target = target(source);
                GoStruct::default()
                    .field("metricName", name)
                    .optional("metricSelector", selector)
                    .optional("targetValue", quantity(&target, "value"))
                    .optional("targetAverageValue", quantity(&target, "averageValue"))
                    .done()
            }),
        )
        .done()
}

/// A v2 `MetricStatus` as v1's `MetricStatus`.
fn metric_status_annotation(metric: &Map<String, Value>) -> GoJson {
    let empty = Map::new();
    let current = |source: &Map<String, Value>| child(source, "current").cloned().unwrap_or_else(|| empty.clone());
    GoStruct::default()
        .field("type", text(metric, "type"))
        .optional(
            "object",
            child(metric, "object").map(|source| {
                let (name, selector) = identifier(source);
                let current = current(source);
                GoStruct::default()
                    .field("target", reference_json(child(source, "describedObject")))
                    .field("metricName", name)
                    .field("currentValue", quantity_or_zero(&current, "value"))
                    .optional("selector", selector)
                    .optional("averageValue", quantity(&current, "averageValue"))
                    .done()
            }),
        )
        .optional(
            "pods",
            child(metric, "pods").map(|source| {
                let (name, selector) = identifier(source);
                GoStruct::default()
                    .field("metricName", name)
                    .field(
                        "currentAverageValue",
                        quantity_or_zero(&current(source), "averageValue"),
                    )
                    .optional("selector", selector)
                    .done()
            }),
        )
        .optional(
            "resource",
            child(metric, "resource").map(|source| {
                let current = current(source);
                GoStruct::default()
                    .field("name", text(source, "name"))
                    .optional("currentAverageUtilization", int32(&current, "averageUtilization"))
                    .field("currentAverageValue", quantity_or_zero(&current, "averageValue"))
                    .done()
            }),
        )
        .optional(
            "containerResource",
            child(metric, "containerResource").map(|source| {
                let current = current(source);
                GoStruct::default()
                    .field("name", text(source, "name"))
                    .optional("currentAverageUtilization", int32(&current, "averageUtilization"))
                    .field("currentAverageValue", quantity_or_zero(&current, "averageValue"))
                    .field("container", text(source, "container"))
                    .done()
            }),
        )
        .optional(
            "external",
            child(metric, "external").map(|source| {
                let (name, selector) = identifier(source);
                let current = current(source);
                GoStruct::default()
                    .field("metricName", name)
                    .optional("metricSelector", selector)
                    .field("currentValue", quantity_or_zero(&current, "value"))
                    .optional("currentAverageValue", quantity(&current, "averageValue"))
                    .done()
            }),
        )
        .done()
}

/// A v2 condition as v1's `HorizontalPodAutoscalerCondition`.
fn condition_annotation(condition: &Map<String, Value>) -> GoJson {
    let time = match condition.get("lastTransitionTime") {
        Some(Value::String(s)) => GoJson::Str(s.clone()),
        _ => GoJson::Null,
    };
    GoStruct::default()
        .field("type", text(condition, "type"))
        .field("status", text(condition, "status"))
        .field("lastTransitionTime", time)
        .string("reason", string(condition, "reason"))
        .string("message", string(condition, "message"))
        .done()
}

/// A v2 behavior as the internal `HorizontalPodAutoscalerBehavior` (no JSON tags: Go
/// field names, every field written, `null` for nil).
fn behavior_annotation(behavior: &Map<String, Value>) -> GoJson {
    let rules = |key: &str| {
        child(behavior, key).map_or(GoJson::Null, |rules| {
            let policies = rules
                .get("policies")
                .and_then(Value::as_array)
                .map_or(GoJson::Null, |list| {
                    GoJson::List(
                        list.iter()
                            .map(|policy| {
                                let empty = Map::new();
                                let policy = policy.as_object().unwrap_or(&empty);
                                GoStruct::default()
                                    .field("Type", text(policy, "type"))
                                    .field("Value", GoJson::Int(integer(policy, "value")))
                                    .field("PeriodSeconds", GoJson::Int(integer(policy, "periodSeconds")))
                                    .done()
                            })
                            .collect(),
                    )
                });
            GoStruct::default()
                .field(
                    "StabilizationWindowSeconds",
                    int32(rules, "stabilizationWindowSeconds").unwrap_or(GoJson::Null),
                )
                .field(
                    "SelectPolicy",
                    rules
                        .get("selectPolicy")
                        .and_then(Value::as_str)
                        .map_or(GoJson::Null, |s| GoJson::Str(s.to_string())),
                )
                .field("Policies", policies)
                .field("Tolerance", quantity(rules, "tolerance").unwrap_or(GoJson::Null))
                .done()
        })
    };
    GoStruct::default()
        .field("ScaleUp", rules("scaleUp"))
        .field("ScaleDown", rules("scaleDown"))
        .done()
}

// ---------------------------------------------------------------------------------------
// The annotations' JSON → v2, decoded as Go decodes it into v1's (or the internal) types.

/// A JSON list annotation, each item decoded by `item`; `None` when any of it does not
/// decode (upstream then ignores the annotation). `null` is an empty list.
fn decode_list(text: &str, item: fn(&Value) -> Result<Value, Undecodable>) -> Option<Vec<Value>> {
    let value: Value = serde_json::from_str(text).ok()?;
    if value.is_null() {
        return Some(Vec::new());
    }
    go_list(&value).ok()?.iter().map(item).collect::<Result<_, _>>().ok()
}

/// The struct at `name` of `fields`: `None` when absent or `null`.
fn nested<'a>(fields: &GoFields<'a>, name: &str) -> Result<Option<GoFields<'a>>, Undecodable> {
    match fields.get(name) {
        Some(value) => GoFields::of(value),
        None => Ok(None),
    }
}

fn empty_fields() -> &'static Map<String, Value> {
    static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);
    &EMPTY
}

/// A v1 `CrossVersionObjectReference` (a non-pointer struct) as v2 writes it.
fn reference_from(fields: Option<GoFields<'_>>) -> Result<Value, Undecodable> {
    let fields = fields.unwrap_or(GoFields(empty_fields()));
    let mut out = Map::new();
    out.insert("kind".into(), fields.string("kind")?.into());
    out.insert("name".into(), fields.string("name")?.into());
    put_string(&mut out, "apiVersion", fields.string("apiVersion")?);
    Ok(Value::Object(out))
}

/// A v2 `MetricIdentifier`.
fn identifier_from(name: String, selector: Option<Value>) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), name.into());
    put_present(&mut out, "selector", selector);
    Value::Object(out)
}

/// A v2 `MetricTarget` or `MetricValueStatus`.
fn target_from(
    kind: Option<&str>,
    value: Option<String>,
    average_value: Option<String>,
    average_utilization: Option<i64>,
) -> Value {
    let mut out = Map::new();
    if let Some(kind) = kind {
        out.insert("type".into(), kind.into());
    }
    put_present(&mut out, "value", value.map(Value::String));
    put_present(&mut out, "averageValue", average_value.map(Value::String));
    put_present(&mut out, "averageUtilization", average_utilization.map(Value::from));
    Value::Object(out)
}

fn zero_quantity(quantity: Option<String>) -> Option<String> {
    Some(quantity.unwrap_or_else(|| "0".into()))
}

/// A v1 `MetricSpec` from the metrics annotation as a v2 `MetricSpec`.
fn metric_spec_from_annotation(value: &Value) -> Result<Value, Undecodable> {
    let fields = GoFields::of(value)?.unwrap_or(GoFields(empty_fields()));
    let mut out = Map::new();
    out.insert("type".into(), fields.string("type")?.into());
    if let Some(source) = nested(&fields, "object")? {
        let average = source.quantity("averageValue")?;
        let kind = if average.is_none() { "Value" } else { "AverageValue" };
        let value = zero_quantity(source.quantity("targetValue")?);
        let mut object = Map::new();
        object.insert("describedObject".into(), reference_from(nested(&source, "target")?)?);
        object.insert("target".into(), target_from(Some(kind), value, average, None));
        object.insert(
            "metric".into(),
            identifier_from(source.string("metricName")?, source.label_selector("selector")?),
        );
        out.insert("object".into(), Value::Object(object));
    }
    if let Some(source) = nested(&fields, "pods")? {
        let average = zero_quantity(source.quantity("targetAverageValue")?);
        let mut pods = Map::new();
        pods.insert(
            "metric".into(),
            identifier_from(source.string("metricName")?, source.label_selector("selector")?),
        );
        pods.insert("target".into(), target_from(Some("AverageValue"), None, average, None));
        out.insert("pods".into(), Value::Object(pods));
    }
    for (key, container) in [("resource", false), ("containerResource", true)] {
        if let Some(source) = nested(&fields, key)? {
            let utilization = source.int32("targetAverageUtilization")?;
            let average = source.quantity("targetAverageValue")?;
            let kind = if utilization.is_none() {
                "AverageValue"
            } else {
                "Utilization"
            };
            let mut resource = Map::new();
            resource.insert("name".into(), source.string("name")?.into());
            resource.insert("target".into(), target_from(Some(kind), None, average, utilization));
            if container {
                resource.insert("container".into(), source.string("container")?.into());
            }
            out.insert(key.into(), Value::Object(resource));
        }
    }
    if let Some(source) = nested(&fields, "external")? {
        let value = source.quantity("targetValue")?;
        let average = source.quantity("targetAverageValue")?;
        let kind = if value.is_none() { "AverageValue" } else { "Value" };
        let mut external = Map::new();
        external.insert(
            "metric".into(),
            identifier_from(source.string("metricName")?, source.label_selector("metricSelector")?),
        );
        external.insert("target".into(), target_from(Some(kind), value, average, None));
        out.insert("external".into(), Value::Object(external));
    }
    Ok(Value::Object(out))
}

/// A v1 `MetricStatus` from the current-metrics annotation as a v2 `MetricStatus`.
fn metric_status_from_annotation(value: &Value) -> Result<Value, Undecodable> {
    let fields = GoFields::of(value)?.unwrap_or(GoFields(empty_fields()));
    let mut out = Map::new();
    out.insert("type".into(), fields.string("type")?.into());
    if let Some(source) = nested(&fields, "object")? {
        let value = zero_quantity(source.quantity("currentValue")?);
        let average = source.quantity("averageValue")?;
        let mut object = Map::new();
        object.insert(
            "metric".into(),
            identifier_from(source.string("metricName")?, source.label_selector("selector")?),
        );
        object.insert("current".into(), target_from(None, value, average, None));
        object.insert("describedObject".into(), reference_from(nested(&source, "target")?)?);
        out.insert("object".into(), Value::Object(object));
    }
    if let Some(source) = nested(&fields, "pods")? {
        let average = zero_quantity(source.quantity("currentAverageValue")?);
        let mut pods = Map::new();
        pods.insert(
            "metric".into(),
            identifier_from(source.string("metricName")?, source.label_selector("selector")?),
        );
        pods.insert("current".into(), target_from(None, None, average, None));
        out.insert("pods".into(), Value::Object(pods));
    }
    for (key, container) in [("resource", false), ("containerResource", true)] {
        if let Some(source) = nested(&fields, key)? {
            let utilization = source.int32("currentAverageUtilization")?;
            let average = zero_quantity(source.quantity("currentAverageValue")?);
            let mut resource = Map::new();
            resource.insert("name".into(), source.string("name")?.into());
            resource.insert("current".into(), target_from(None, None, average, utilization));
            if container {
                resource.insert("container".into(), source.string("container")?.into());
            }
            out.insert(key.into(), Value::Object(resource));
        }
    }
    if let Some(source) = nested(&fields, "external")? {
        let value = zero_quantity(source.quantity("currentValue")?);
        let average = source.quantity("currentAverageValue")?;
        let mut external = Map::new();
        external.insert(
            "metric".into(),
            identifier_from(source.string("metricName")?, source.label_selector("metricSelector")?),
        );
        external.insert("current".into(), target_from(None, value, average, None));
        out.insert("external".into(), Value::Object(external));
    }
    Ok(Value::Object(out))
}

/// A v1 condition from the conditions annotation as a v2 condition.
fn condition_from_annotation(value: &Value) -> Result<Value, Undecodable> {
    let fields = GoFields::of(value)?.unwrap_or(GoFields(empty_fields()));
    let mut out = Map::new();
    out.insert("type".into(), fields.string("type")?.into());
    out.insert("status".into(), fields.string("status")?.into());
    out.insert("lastTransitionTime".into(), fields.time("lastTransitionTime")?);
    put_string(&mut out, "reason", fields.string("reason")?);
    put_string(&mut out, "message", fields.string("message")?);
    Ok(Value::Object(out))
}

/// The behavior annotation as a v2 behavior; `None` when it does not decode or sets
/// neither direction.
fn behavior_from_annotation(text: &str) -> Option<Value> {
    let value: Value = serde_json::from_str(text).ok()?;
    let fields = GoFields::of(&value).ok()??;
    let mut out = Map::new();
    for (go_name, key) in [("ScaleUp", "scaleUp"), ("ScaleDown", "scaleDown")] {
        if let Some(rules) = nested(&fields, go_name).ok()? {
            out.insert(key.into(), scaling_rules_from(&rules).ok()?);
        }
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

/// An internal `HPAScalingRules` as v2 writes it.
fn scaling_rules_from(rules: &GoFields<'_>) -> Result<Value, Undecodable> {
    let mut out = Map::new();
    put_present(
        &mut out,
        "stabilizationWindowSeconds",
        rules.int32("StabilizationWindowSeconds")?.map(Value::from),
    );
    match rules.get("SelectPolicy") {
        None => {}
        Some(Value::String(s)) => {
            out.insert("selectPolicy".into(), s.clone().into());
        }
        Some(_) => return Err(Undecodable),
    }
    if let Some(list) = rules.get("Policies") {
        let mut policies = Vec::new();
        for policy in go_list(list)? {
            let policy = GoFields::of(policy)?.unwrap_or(GoFields(empty_fields()));
            let mut p = Map::new();
            p.insert("type".into(), policy.string("Type")?.into());
            p.insert("value".into(), policy.get("Value").map_or(Ok(0), go_int32)?.into());
            p.insert(
                "periodSeconds".into(),
                policy.get("PeriodSeconds").map_or(Ok(0), go_int32)?.into(),
            );
            policies.push(Value::Object(p));
        }
        if !policies.is_empty() {
            out.insert("policies".into(), Value::Array(policies));
        }
    }
    put_present(&mut out, "tolerance", rules.quantity("Tolerance")?.map(Value::String));
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::conversion::convert;

    fn to(object: &Value, api_version: &str) -> Value {
        match convert(object.clone(), api_version) {
            Ok(v) => v,
            Err(e) => panic!("convert to {api_version}: {e}"),
        }
    }

    fn meta(annotations: Option<Value>) -> Value {
        let mut meta = json!({"name": "web", "namespace": "default", "uid": "7d3c", "resourceVersion": "42",
            "generation": 1, "creationTimestamp": "2025-05-01T09:00:00Z"});
        if let (Some(map), Some(annotations)) = (meta.as_object_mut(), annotations) {
            map.insert("annotations".into(), annotations);
        }
        meta
    }

    fn scale_target() -> Value {
        json!({"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"})
    }

    fn cpu(utilization: i64) -> Value {
        json!({"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": utilization}}})
    }

    fn selector(key: &str, value: &str) -> Value {
        json!({"matchLabels": {key: value}})
    }

    /// Every other kind of metric, as the v2 API holds them.
    fn other_metrics() -> Vec<Value> {
        vec![
            json!({"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "500Mi"}}}),
            json!({"type": "Pods", "pods": {"metric": {"name": "packets-per-second"},
                "target": {"type": "AverageValue", "averageValue": "1k"}}}),
            json!({"type": "Object", "object": {
                "describedObject": {"kind": "Ingress", "name": "main-route", "apiVersion": "networking.k8s.io/v1"},
                "metric": {"name": "requests-per-second", "selector": selector("verb", "GET")},
                "target": {"type": "Value", "value": "10k"}}}),
            json!({"type": "External", "external": {
                "metric": {"name": "queue_messages_ready", "selector": selector("queue", "worker_tasks")},
                "target": {"type": "AverageValue", "averageValue": "30"}}}),
            json!({"type": "ContainerResource", "containerResource": {"name": "cpu", "container": "app",
                "target": {"type": "Utilization", "averageUtilization": 70}}}),
        ]
    }

    /// The v1 form of [`other_metrics`], as upstream writes the annotation.
    const OTHER_METRICS_ANNOTATION: &str = concat!(
        r#"[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"500Mi"}},"#,
        r#"{"type":"Pods","pods":{"metricName":"packets-per-second","targetAverageValue":"1k"}},"#,
        r#"{"type":"Object","object":{"target":{"kind":"Ingress","name":"main-route","apiVersion":"networking.k8s.io/v1"},"#,
        r#""metricName":"requests-per-second","targetValue":"10k","selector":{"matchLabels":{"verb":"GET"}}}},"#,
        r#"{"type":"External","external":{"metricName":"queue_messages_ready","#,
        r#""metricSelector":{"matchLabels":{"queue":"worker_tasks"}},"targetAverageValue":"30"}},"#,
        r#"{"type":"ContainerResource","containerResource":{"name":"cpu","targetAverageUtilization":70,"container":"app"}}]"#
    );

    fn behavior() -> Value {
        json!({
            "scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
                {"type": "Pods", "value": 4, "periodSeconds": 15}, {"type": "Percent", "value": 100, "periodSeconds": 15}]},
            "scaleDown": {"stabilizationWindowSeconds": 300, "selectPolicy": "Max", "policies": [
                {"type": "Percent", "value": 100, "periodSeconds": 15}]}
        })
    }

    const BEHAVIOR: &str = concat!(
        r#"{"ScaleUp":{"StabilizationWindowSeconds":0,"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":4,"PeriodSeconds":15},"#,
        r#"{"Type":"Percent","Value":100,"PeriodSeconds":15}],"Tolerance":null},"#,
        r#""ScaleDown":{"StabilizationWindowSeconds":300,"SelectPolicy":"Max","Policies":[{"Type":"Percent","Value":100,"PeriodSeconds":15}],"Tolerance":null}}"#
    );

    /// Current metrics as the controller writes them, one per metric.
    fn current_metrics() -> Vec<Value> {
        vec![
            json!({"type": "Resource", "resource": {"name": "memory", "current": {"averageValue": "400Mi"}}}),
            json!({"type": "Pods", "pods": {"metric": {"name": "packets-per-second"}, "current": {"averageValue": "866m"}}}),
            json!({"type": "Object", "object": {"metric": {"name": "requests-per-second", "selector": selector("verb", "GET")},
                "current": {"value": "12k"},
                "describedObject": {"kind": "Ingress", "name": "main-route", "apiVersion": "networking.k8s.io/v1"}}}),
            json!({"type": "External", "external": {"metric": {"name": "queue_messages_ready", "selector": selector("queue", "worker_tasks")},
                "current": {"value": "150"}}}),
            json!({"type": "ContainerResource", "containerResource": {"name": "cpu", "container": "app",
                "current": {"averageValue": "325m", "averageUtilization": 65}}}),
            json!({"type": "Resource", "resource": {"name": "cpu", "current": {"averageValue": "450m", "averageUtilization": 45}}}),
        ]
    }

    const CURRENT_METRICS: &str = concat!(
        r#"[{"type":"Resource","resource":{"name":"memory","currentAverageValue":"400Mi"}},"#,
        r#"{"type":"Pods","pods":{"metricName":"packets-per-second","currentAverageValue":"866m"}},"#,
        r#"{"type":"Object","object":{"target":{"kind":"Ingress","name":"main-route","apiVersion":"networking.k8s.io/v1"},"#,
        r#""metricName":"requests-per-second","currentValue":"12k","selector":{"matchLabels":{"verb":"GET"}}}},"#,
        r#"{"type":"External","external":{"metricName":"queue_messages_ready","#,
        r#""metricSelector":{"matchLabels":{"queue":"worker_tasks"}},"currentValue":"150"}},"#,
        r#"{"type":"ContainerResource","containerResource":{"name":"cpu","currentAverageUtilization":65,"currentAverageValue":"325m","container":"app"}},"#,
        r#"{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":45,"currentAverageValue":"450m"}}]"#
    );

    fn conditions() -> Value {
        json!([
            {"type": "AbleToScale", "status": "True", "lastTransitionTime": "2025-05-01T09:01:00Z",
             "reason": "ReadyForNewScale", "message": "recommended size matches current size"},
            {"type": "ScalingActive", "status": "True", "lastTransitionTime": "2025-05-01T09:01:00Z",
             "reason": "ValidMetricFound",
             "message": "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)"},
            {"type": "ScalingLimited", "status": "False", "lastTransitionTime": "2025-05-01T09:01:00Z",
             "reason": "DesiredWithinRange", "message": "the desired count is within the acceptable range"}
        ])
    }

    const CONDITIONS: &str = concat!(
        r#"[{"type":"AbleToScale","status":"True","lastTransitionTime":"2025-05-01T09:01:00Z","reason":"ReadyForNewScale","#,
        r#""message":"recommended size matches current size"},"#,
        r#"{"type":"ScalingActive","status":"True","lastTransitionTime":"2025-05-01T09:01:00Z","reason":"ValidMetricFound","#,
        r#""message":"the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)"},"#,
        r#"{"type":"ScalingLimited","status":"False","lastTransitionTime":"2025-05-01T09:01:00Z","reason":"DesiredWithinRange","#,
        r#""message":"the desired count is within the acceptable range"}]"#
    );

    /// A v2 autoscaler using everything v2 has, with its CPU utilization metric last
    /// (where the v1 round trip puts it back).
    fn full_v2() -> Value {
        let mut metrics = other_metrics();
        metrics.push(cpu(60));
        json!({
            "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": meta(Some(json!({"team": "web"}))),
            "spec": {"scaleTargetRef": scale_target(), "minReplicas": 2, "maxReplicas": 10,
                     "metrics": metrics, "behavior": behavior()},
            "status": {"observedGeneration": 1, "lastScaleTime": "2025-05-01T09:05:00Z",
                       "currentReplicas": 3, "desiredReplicas": 4,
                       "currentMetrics": current_metrics(), "conditions": conditions()}
        })
    }

    fn full_v1() -> Value {
        json!({
            "apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
            "metadata": meta(Some(json!({
                "team": "web",
                METRIC_SPECS_ANNOTATION: OTHER_METRICS_ANNOTATION,
                BEHAVIOR_ANNOTATION: BEHAVIOR,
                METRIC_STATUSES_ANNOTATION: CURRENT_METRICS,
                CONDITIONS_ANNOTATION: CONDITIONS,
            }))),
            "spec": {"scaleTargetRef": scale_target(), "minReplicas": 2, "maxReplicas": 10,
                     "targetCPUUtilizationPercentage": 60},
            "status": {"observedGeneration": 1, "lastScaleTime": "2025-05-01T09:05:00Z",
                       "currentReplicas": 3, "desiredReplicas": 4, "currentCPUUtilizationPercentage": 45}
        })
    }

    fn cpu_only_v2() -> Value {
        json!({
            "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": meta(None),
            "spec": {"scaleTargetRef": scale_target(), "minReplicas": 1, "maxReplicas": 5, "metrics": [cpu(75)]},
            "status": {"currentMetrics": null, "desiredReplicas": 0}
        })
    }

    fn cpu_only_v1() -> Value {
        json!({
            "apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": meta(None),
            "spec": {"scaleTargetRef": scale_target(), "minReplicas": 1, "maxReplicas": 5,
                     "targetCPUUtilizationPercentage": 75},
            "status": {"currentReplicas": 0, "desiredReplicas": 0}
        })
    }

    #[test]
    fn converts_both_ways_and_round_trips() {
        let cases = [
            ("cpu only", cpu_only_v2(), cpu_only_v1()),
            ("every metric kind", full_v2(), full_v1()),
        ];
        for (name, v2, v1) in cases {
            assert_eq!(to(&v2, V1), v1, "{name}: v2 → v1");
            assert_eq!(to(&v1, V2), v2, "{name}: v1 → v2");
            assert_eq!(to(&to(&v2, V1), V2), v2, "{name}: v2 → v1 → v2");
            assert_eq!(to(&to(&v1, V2), V1), v1, "{name}: v1 → v2 → v1");
        }
    }

    #[test]
    fn v1_to_v2() {
        let v1 = |annotations: Option<Value>, spec: Value, status: Value| {
            json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": meta(annotations),
                   "spec": spec, "status": status})
        };
        let v2 = |annotations: Option<Value>, spec: Value, status: Value| {
            json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": meta(annotations),
                   "spec": spec, "status": status})
        };
        let spec = |metrics: Vec<Value>| json!({"scaleTargetRef": scale_target(), "minReplicas": 1, "maxReplicas": 5, "metrics": metrics});
        let v1_spec = json!({"scaleTargetRef": scale_target(), "minReplicas": 1, "maxReplicas": 5});
        let v1_spec_cpu = json!({"scaleTargetRef": scale_target(), "minReplicas": 1, "maxReplicas": 5, "targetCPUUtilizationPercentage": 50});
        let no_status = json!({"currentReplicas": 0, "desiredReplicas": 0});
        let v2_no_status = json!({"currentMetrics": null, "desiredReplicas": 0});
        let cases = [
            (
                "no metrics: CPU defaults to 80%",
                v1(None, v1_spec.clone(), no_status.clone()),
                v2(None, spec(vec![cpu(80)]), v2_no_status.clone()),
            ),
            (
                "no status at all",
                v1(None, v1_spec_cpu.clone(), Value::Null),
                v2(None, spec(vec![cpu(50)]), v2_no_status.clone()),
            ),
            (
                "annotated metrics first, then the CPU target",
                v1(
                    Some(json!({METRIC_SPECS_ANNOTATION: OTHER_METRICS_ANNOTATION, "keep": "me"})),
                    v1_spec_cpu.clone(),
                    no_status.clone(),
                ),
                v2(
                    Some(json!({"keep": "me"})),
                    spec([other_metrics(), vec![cpu(50)]].concat()),
                    v2_no_status.clone(),
                ),
            ),
            (
                "annotated metrics without a CPU target: no default",
                v1(
                    Some(json!({METRIC_SPECS_ANNOTATION: OTHER_METRICS_ANNOTATION})),
                    v1_spec.clone(),
                    no_status.clone(),
                ),
                v2(None, spec(other_metrics()), v2_no_status.clone()),
            ),
            (
                "current CPU utilization without the annotation",
                v1(
                    None,
                    v1_spec_cpu.clone(),
                    json!({"currentReplicas": 2, "desiredReplicas": 3,
                    "currentCPUUtilizationPercentage": 40, "lastScaleTime": "2025-05-01T09:05:00Z", "observedGeneration": 3}),
                ),
                v2(
                    None,
                    spec(vec![cpu(50)]),
                    json!({"currentReplicas": 2, "desiredReplicas": 3,
                    "lastScaleTime": "2025-05-01T09:05:00Z", "observedGeneration": 3, "currentMetrics": [
                        {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 40}}}]}),
                ),
            ),
            (
                "the current-metrics annotation wins over the CPU percentage",
                v1(
                    Some(json!({METRIC_STATUSES_ANNOTATION: CURRENT_METRICS})),
                    v1_spec_cpu.clone(),
                    json!({"currentReplicas": 3, "desiredReplicas": 3, "currentCPUUtilizationPercentage": 99}),
                ),
                v2(
                    None,
                    spec(vec![cpu(50)]),
                    json!({"currentReplicas": 3, "desiredReplicas": 3, "currentMetrics": current_metrics()}),
                ),
            ),
            (
                "an empty current-metrics list stays a list; empty conditions are left out",
                v1(
                    Some(json!({METRIC_STATUSES_ANNOTATION: "[]", CONDITIONS_ANNOTATION: "[]"})),
                    v1_spec_cpu.clone(),
                    no_status.clone(),
                ),
                v2(
                    None,
                    spec(vec![cpu(50)]),
                    json!({"desiredReplicas": 0, "currentMetrics": []}),
                ),
            ),
            (
                "undecodable annotations are ignored and dropped",
                v1(
                    Some(json!({
                        METRIC_SPECS_ANNOTATION: r#"[{"type":"Pods","pods":{"metricName":"x","targetAverageValue":"lots"}}]"#,
                        METRIC_STATUSES_ANNOTATION: "{not json",
                        CONDITIONS_ANNOTATION: r#"[{"type":"AbleToScale","status":true}]"#,
                        BEHAVIOR_ANNOTATION: r#"{"ScaleUp":{"StabilizationWindowSeconds":"soon"}}"#,
                    })),
                    v1_spec.clone(),
                    no_status.clone(),
                ),
                v2(None, spec(vec![cpu(80)]), v2_no_status.clone()),
            ),
            (
                "a behavior setting neither direction is no behavior",
                v1(
                    Some(json!({BEHAVIOR_ANNOTATION: r#"{"ScaleUp":null,"ScaleDown":null}"#})),
                    v1_spec_cpu.clone(),
                    no_status.clone(),
                ),
                v2(None, spec(vec![cpu(50)]), v2_no_status.clone()),
            ),
            (
                // Go matches JSON keys to field names case-insensitively.
                "behavior keys in any case, with a tolerance",
                v1(
                    Some(
                        json!({BEHAVIOR_ANNOTATION: r#"{"scaleDown":{"stabilizationWindowSeconds":60,"policies":[],"tolerance":"0.05"}}"#}),
                    ),
                    v1_spec_cpu.clone(),
                    no_status.clone(),
                ),
                v2(
                    None,
                    json!({"scaleTargetRef": scale_target(), "minReplicas": 1, "maxReplicas": 5, "metrics": [cpu(50)],
                    "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60, "tolerance": "50m"}}}),
                    v2_no_status.clone(),
                ),
            ),
            (
                // v1's Object and External metrics pick their target type from which
                // values are set; Object always has a value.
                "target types from the v1 shapes",
                v1(
                    Some(json!({METRIC_SPECS_ANNOTATION: concat!(
                    r#"[{"type":"Object","object":{"target":{"kind":"Service","name":"s"},"metricName":"m","targetValue":"0","averageValue":"2"}},"#,
                    r#"{"type":"External","external":{"metricName":"e","targetValue":"7","targetAverageValue":"3"}},"#,
                    r#"{"type":"Resource","resource":{"name":"memory","targetAverageUtilization":60,"targetAverageValue":"1Gi"}},"#,
                    r#"{"type":"Resource","resource":{"name":"cpu","targetAverageUtilization":90}}]"#)})),
                    v1_spec.clone(),
                    no_status.clone(),
                ),
                v2(
                    None,
                    spec(vec![
                        json!({"type": "Object", "object": {"describedObject": {"kind": "Service", "name": "s"},
                        "metric": {"name": "m"}, "target": {"type": "AverageValue", "value": "0", "averageValue": "2"}}}),
                        json!({"type": "External", "external": {"metric": {"name": "e"},
                        "target": {"type": "Value", "value": "7", "averageValue": "3"}}}),
                        json!({"type": "Resource", "resource": {"name": "memory",
                        "target": {"type": "Utilization", "averageUtilization": 60, "averageValue": "1Gi"}}}),
                        cpu(90),
                    ]),
                    v2_no_status.clone(),
                ),
            ),
        ];
        for (name, input, want) in cases {
            assert_eq!(to(&input, V2), want, "{name}");
        }
    }

    #[test]
    fn v2_to_v1() {
        let v2 = |annotations: Option<Value>, spec: Value, status: Value| {
            json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": meta(annotations),
                   "spec": spec, "status": status})
        };
        let v1 = |annotations: Option<Value>, spec: Value, status: Value| {
            json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": meta(annotations),
                   "spec": spec, "status": status})
        };
        let spec =
            |metrics: Vec<Value>| json!({"scaleTargetRef": scale_target(), "maxReplicas": 5, "metrics": metrics});
        let v1_spec = json!({"scaleTargetRef": scale_target(), "maxReplicas": 5});
        let v1_spec_cpu =
            |n: i64| json!({"scaleTargetRef": scale_target(), "maxReplicas": 5, "targetCPUUtilizationPercentage": n});
        let no_status = json!({"currentReplicas": 0, "desiredReplicas": 0});
        let memory = json!({"type": "Resource", "resource": {"name": "memory", "target": {"type": "Utilization", "averageUtilization": 60}}});
        let cases = [
            (
                "no metrics, no status: no CPU target in v1",
                v2(None, spec(vec![]), json!({})),
                v1(None, v1_spec.clone(), no_status.clone()),
            ),
            (
                "stale round-trip annotations are replaced, others kept",
                v2(
                    Some(json!({METRIC_SPECS_ANNOTATION: "[]", CONDITIONS_ANNOTATION: "[]", "keep": "me"})),
                    spec(vec![cpu(50)]),
                    json!({}),
                ),
                v1(Some(json!({"keep": "me"})), v1_spec_cpu(50), no_status.clone()),
            ),
            (
                "the first CPU utilization metric is the target, a second one is lost",
                v2(None, spec(vec![memory.clone(), cpu(50), cpu(70)]), json!({})),
                v1(
                    Some(json!({METRIC_SPECS_ANNOTATION:
                        r#"[{"type":"Resource","resource":{"name":"memory","targetAverageUtilization":60}}]"#})),
                    v1_spec_cpu(50),
                    no_status.clone(),
                ),
            ),
            (
                "a CPU metric by average value is not the CPU percentage",
                v2(
                    None,
                    spec(vec![json!({"type": "Resource", "resource": {"name": "cpu",
                    "target": {"type": "AverageValue", "averageValue": "0.5"}}})]),
                    json!({}),
                ),
                v1(
                    Some(json!({METRIC_SPECS_ANNOTATION:
                    r#"[{"type":"Resource","resource":{"name":"cpu","targetAverageValue":"500m"}}]"#})),
                    v1_spec.clone(),
                    no_status.clone(),
                ),
            ),
            (
                // v1's non-pointer quantities are written as "0"; the last CPU
                // utilization is the current percentage; a condition without a time
                // has a null one; HTML characters are escaped as Go escapes them.
                "zero quantities, the last CPU utilization, bare conditions",
                v2(
                    None,
                    spec(vec![cpu(50)]),
                    json!({"desiredReplicas": 1, "currentMetrics": [
                    {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 10}}},
                    {"type": "Object", "object": {"metric": {"name": "m"}, "current": {"averageValue": "1"},
                        "describedObject": {"kind": "Service", "name": "s"}}},
                    {"type": "External", "external": {"metric": {"name": "e"}, "current": {"averageValue": "2"}}},
                    {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 20}}}],
                    "conditions": [{"type": "AbleToScale", "status": "False", "message": "<b> & </b>"}]}),
                ),
                v1(
                    Some(json!({
                        METRIC_STATUSES_ANNOTATION: concat!(
                            r#"[{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":10,"currentAverageValue":"0"}},"#,
                            r#"{"type":"Object","object":{"target":{"kind":"Service","name":"s"},"metricName":"m","currentValue":"0","averageValue":"1"}},"#,
                            r#"{"type":"External","external":{"metricName":"e","currentValue":"0","currentAverageValue":"2"}},"#,
                            r#"{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":20,"currentAverageValue":"0"}}]"#),
                        CONDITIONS_ANNOTATION:
                            r#"[{"type":"AbleToScale","status":"False","lastTransitionTime":null,"message":"\u003cb\u003e \u0026 \u003c/b\u003e"}]"#,
                    })),
                    v1_spec_cpu(50),
                    json!({"currentReplicas": 0, "desiredReplicas": 1, "currentCPUUtilizationPercentage": 20}),
                ),
            ),
            (
                "a one-sided behavior, selectors with expressions, a pods target without a value",
                v2(
                    None,
                    json!({"scaleTargetRef": scale_target(), "maxReplicas": 5, "metrics": [
                    {"type": "Pods", "pods": {"metric": {"name": "p", "selector": {
                        "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]}, {"key": "x", "operator": "Exists"}],
                        "matchLabels": {"z": "1", "a": "2"}}}, "target": {"type": "AverageValue"}}}],
                    "behavior": {"scaleDown": {"selectPolicy": "Disabled"}}}),
                    json!({}),
                ),
                v1(
                    Some(json!({
                        METRIC_SPECS_ANNOTATION: concat!(
                            r#"[{"type":"Pods","pods":{"metricName":"p","targetAverageValue":"0","selector":{"matchLabels":{"a":"2","z":"1"},"#,
                            r#""matchExpressions":[{"key":"tier","operator":"In","values":["a","b"]},{"key":"x","operator":"Exists"}]}}}]"#),
                        BEHAVIOR_ANNOTATION:
                            r#"{"ScaleUp":null,"ScaleDown":{"StabilizationWindowSeconds":null,"SelectPolicy":"Disabled","Policies":null,"Tolerance":null}}"#,
                    })),
                    v1_spec.clone(),
                    no_status.clone(),
                ),
            ),
        ];
        for (name, input, want) in cases {
            assert_eq!(to(&input, V1), want, "{name}");
        }
    }

    #[test]
    fn upstream_lossy_round_trips() {
        // v2 → v1 → v2 where upstream's own round trip is not the identity.
        let v2 = |metrics: Vec<Value>, behavior: Option<Value>, current: Value| {
            let mut spec =
                json!({"scaleTargetRef": scale_target(), "minReplicas": 1, "maxReplicas": 5, "metrics": metrics});
            if let (Some(map), Some(behavior)) = (spec.as_object_mut(), behavior) {
                map.insert("behavior".into(), behavior);
            }
            json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": meta(None),
                   "spec": spec, "status": {"desiredReplicas": 1, "currentMetrics": current}})
        };
        let memory = json!({"type": "Resource", "resource": {"name": "memory", "target": {"type": "Utilization", "averageUtilization": 60}}});
        let cases = [
            (
                "the CPU utilization metric moves last",
                v2(vec![cpu(50), memory.clone()], None, Value::Null),
                v2(vec![memory.clone(), cpu(50)], None, Value::Null),
            ),
            (
                "a second CPU utilization metric is lost",
                v2(vec![cpu(50), cpu(70)], None, Value::Null),
                v2(vec![cpu(50)], None, Value::Null),
            ),
            (
                "an empty behavior is dropped",
                v2(vec![cpu(50)], Some(json!({})), Value::Null),
                v2(vec![cpu(50)], None, Value::Null),
            ),
            (
                "targets and statuses without a value gain a zero one",
                v2(
                    vec![
                        json!({"type": "Object", "object": {"describedObject": {"kind": "Service", "name": "s"},
                        "metric": {"name": "m"}, "target": {"type": "AverageValue", "averageValue": "2"}}}),
                        cpu(50),
                    ],
                    None,
                    json!([{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 10}}},
                          {"type": "External", "external": {"metric": {"name": "e"}, "current": {"averageValue": "2"}}}]),
                ),
                v2(
                    vec![
                        json!({"type": "Object", "object": {"describedObject": {"kind": "Service", "name": "s"},
                        "metric": {"name": "m"}, "target": {"type": "AverageValue", "value": "0", "averageValue": "2"}}}),
                        cpu(50),
                    ],
                    None,
                    json!([{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 10, "averageValue": "0"}}},
                          {"type": "External", "external": {"metric": {"name": "e"}, "current": {"value": "0", "averageValue": "2"}}}]),
                ),
            ),
        ];
        for (name, input, want) in cases {
            assert_eq!(to(&to(&input, V1), V2), want, "{name}");
        }
    }

    #[test]
    fn v1_round_trip_gains_the_current_metrics_annotation() {
        // A v1 object with a current CPU percentage: stored as v2 it has a current
        // metric, which v1 then also writes into the annotation (as upstream serves it).
        let v1 = json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": meta(None),
            "spec": {"scaleTargetRef": scale_target(), "minReplicas": 1, "maxReplicas": 5, "targetCPUUtilizationPercentage": 50},
            "status": {"currentReplicas": 2, "desiredReplicas": 2, "currentCPUUtilizationPercentage": 40}});
        let mut want = v1.clone();
        if let Some(meta) = want.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("annotations".into(), json!({METRIC_STATUSES_ANNOTATION:
                r#"[{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":40,"currentAverageValue":"0"}}]"#}));
        }
        let read = to(&to(&v1, V2), V1);
        assert_eq!(read, want);
        assert_eq!(to(&to(&read, V2), V1), read);
    }
}
