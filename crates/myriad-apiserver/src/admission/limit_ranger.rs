//! LimitRanger: the LimitRanges of a namespace give its new pods' containers default
//! requests and limits (`default`, `defaultRequest`; the pod is annotated
//! `kubernetes.io/limit-ranger` with what was set), and bound what pods and claims may
//! ask for: `min`, `max` and `maxLimitRequestRatio` per Container, per Pod (summed
//! over containers, init containers counted at their peak, plus overhead) and per
//! PersistentVolumeClaim (`requests.storage`). A breach is upstream's 403 with every
//! broken bound listed.

use std::collections::BTreeMap;

use myriad_api::quantity::{self, Quantity};
use serde_json::{Map, Value, json};

use super::lookup::Lookup;
use super::{Attributes, Operation};
use crate::error::ApiError;

const ANNOTATION: &str = "kubernetes.io/limit-ranger";

type Resources = BTreeMap<String, (Quantity, String)>;

/// Pods are admitted on create only (their containers' resources do not change in
/// place through this path); claims on create and update.
fn applies(attrs: &Attributes<'_>) -> bool {
    match (attrs.info.group, attrs.info.resource) {
        ("", "pods") => attrs.operation == Operation::Create,
        ("", "persistentvolumeclaims") => true,
        _ => false,
    }
}

async fn ranges(lookup: &Lookup, attrs: &Attributes<'_>) -> Result<Vec<Value>, ApiError> {
    lookup.list("", "LimitRange", Some(attrs.namespace)).await
}

fn items<'a>(range: &'a Value, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    range
        .pointer("/spec/limits")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(move |item| item.get("type").and_then(Value::as_str) == Some(kind))
}

pub(super) async fn admit(lookup: &Lookup, attrs: &Attributes<'_>, object: &mut Value) -> Result<(), ApiError> {
    if !applies(attrs) || !attrs.is("", "pods") {
        return Ok(());
    }
    let ranges = ranges(lookup, attrs).await?;
    // The first LimitRange with container defaults wins for each resource, as
    // upstream merges them in list order.
    let mut default_limits = Map::new();
    let mut default_requests = Map::new();
    for item in ranges.iter().flat_map(|r| items(r, "Container")) {
        for (field, into) in [
            ("default", &mut default_limits),
            ("defaultRequest", &mut default_requests),
        ] {
            for (resource, value) in item.get(field).and_then(Value::as_object).into_iter().flatten() {
                into.entry(resource.clone()).or_insert_with(|| value.clone());
            }
        }
    }
    if default_limits.is_empty() && default_requests.is_empty() {
        return Ok(());
    }
    let mut notes = Vec::new();
    for (field, label) in [("containers", "container"), ("initContainers", "init container")] {
        let containers = object
            .pointer_mut(&format!("/spec/{field}"))
            .and_then(Value::as_array_mut);
        for container in containers.into_iter().flatten().filter_map(Value::as_object_mut) {
            let name = container.get("name").and_then(Value::as_str).unwrap_or("").to_string();
            let resources = container.entry("resources").or_insert_with(|| json!({}));
            if !resources.is_object() {
                *resources = json!({});
            }
            let Some(resources) = resources.as_object_mut() else {
                continue;
            };
            let set_requests = fill(resources, "requests", &default_requests);
            let set_limits = fill(resources, "limits", &default_limits);
            if !set_requests.is_empty() {
                notes.push(format!("{} request for {label} {name}", set_requests.join(", ")));
            }
            if !set_limits.is_empty() {
                notes.push(format!("{} limit for {label} {name}", set_limits.join(", ")));
            }
        }
    }
    if !notes.is_empty()
        && let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut)
    {
        let annotations = metadata.entry("annotations").or_insert_with(|| json!({}));
        if !annotations.is_object() {
            *annotations = json!({});
        }
        if let Some(annotations) = annotations.as_object_mut() {
            annotations.insert(
                ANNOTATION.into(),
                json!(format!("LimitRanger plugin set: {}", notes.join("; "))),
            );
        }
    }
    Ok(())
}

/// Adds the defaults a container lacks; the resource names set, sorted.
fn fill(resources: &mut Map<String, Value>, field: &str, defaults: &Map<String, Value>) -> Vec<String> {
    if defaults.is_empty() {
        return Vec::new();
    }
    let list = resources.entry(field).or_insert_with(|| json!({}));
    if !list.is_object() {
        *list = json!({});
    }
    let Some(list) = list.as_object_mut() else {
        return Vec::new();
    };
    let mut set = Vec::new();
    for (resource, value) in defaults {
        if !list.contains_key(resource) {
            list.insert(resource.clone(), value.clone());
            set.push(resource.clone());
        }
    }
    set.sort();
    set
}

pub(super) async fn validate(lookup: &Lookup, attrs: &Attributes<'_>, object: &Value) -> Result<(), ApiError> {
    if !applies(attrs) {
        return Ok(());
    }
    let mut errors = Vec::new();
    for range in ranges(lookup, attrs).await? {
        if attrs.is("", "pods") {
            pod_errors(&range, object, &mut errors);
        } else {
            claim_errors(&range, object, &mut errors);
        }
    }
    match errors.len() {
        0 => Ok(()),
        1 => Err(attrs.forbidden(errors.remove(0))),
        _ => Err(attrs.forbidden(format!("[{}]", errors.join(", ")))),
    }
}

fn pod_errors(range: &Value, pod: &Value, errors: &mut Vec<String>) {
    let containers = |field: &str| -> Vec<(Resources, Resources, bool)> {
        myriad_api::pointer::get(pod, &format!("/spec/{field}"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|c| {
                let sidecar = c.get("restartPolicy").and_then(Value::as_str) == Some("Always");
                (
                    resources(myriad_api::pointer::get(c, "/resources/requests")),
                    resources(myriad_api::pointer::get(c, "/resources/limits")),
                    sidecar,
                )
            })
            .collect()
    };
    let regular = containers("containers");
    let init = containers("initContainers");
    for item in items(range, "Container") {
        for (requests, limits, _) in regular.iter().chain(&init) {
            bounds(item, "Container", requests, limits, errors);
        }
    }
    for item in items(range, "Pod") {
        let overhead = resources(myriad_api::pointer::get(pod, "/spec/overhead"));
        let total = |pick: fn(&(Resources, Resources, bool)) -> &Resources| {
            let mut sum: BTreeMap<String, Quantity> = BTreeMap::new();
            let mut sidecars: BTreeMap<String, Quantity> = BTreeMap::new();
            let mut peak: BTreeMap<String, Quantity> = BTreeMap::new();
            for container in &init {
                if container.2 {
                    add(&mut sidecars, pick(container));
                    add(&mut sum, pick(container));
                    continue;
                }
                let mut during = sidecars.clone();
                add(&mut during, pick(container));
                for (name, value) in during {
                    let entry = peak.entry(name).or_insert(value);
                    if value > *entry {
                        *entry = value;
                    }
                }
            }
            for container in &regular {
                add(&mut sum, pick(container));
            }
            for (name, value) in peak {
                let entry = sum.entry(name).or_insert(value);
                if value > *entry {
                    *entry = value;
                }
            }
            if !overhead.is_empty() {
                add(&mut sum, &overhead);
            }
            sum.into_iter()
                .map(|(name, value)| {
                    let text = value.to_string();
                    (name, (value, quantity::canonical(&text).unwrap_or(text)))
                })
                .collect::<Resources>()
        };
        let requests = total(|c| &c.0);
        let limits = total(|c| &c.1);
        bounds(item, "Pod", &requests, &limits, errors);
    }
}

fn claim_errors(range: &Value, claim: &Value, errors: &mut Vec<String>) {
    let requests = resources(myriad_api::pointer::get(claim, "/spec/resources/requests"));
    for item in items(range, "PersistentVolumeClaim") {
        for (resource, enforced) in bound(item, "min") {
            min(
                "PersistentVolumeClaim",
                &resource,
                &enforced,
                &requests,
                &Resources::new(),
                errors,
            );
        }
        for (resource, enforced) in bound(item, "max") {
            let shown = &enforced.1;
            match requests.get(&resource) {
                None => errors.push(format!(
                    "maximum {resource} usage per PersistentVolumeClaim is {shown}.  No request is specified"
                )),
                Some((request, text)) if *request > enforced.0 => errors.push(format!(
                    "maximum {resource} usage per PersistentVolumeClaim is {shown}, but request is {text}"
                )),
                Some(_) => {}
            }
        }
    }
}

fn add(into: &mut BTreeMap<String, Quantity>, from: &Resources) {
    for (name, (value, _)) in from {
        let entry = into.entry(name.clone()).or_insert(Quantity::from_units(0));
        *entry = entry.checked_add(*value).unwrap_or(*entry);
    }
}

fn resources(list: Option<&Value>) -> Resources {
    list.and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(name, value)| {
            let text = value.as_str()?;
            let parsed = Quantity::parse(text).ok()?;
            Some((
                name.clone(),
                (parsed, quantity::canonical(text).unwrap_or_else(|| text.to_string())),
            ))
        })
        .collect()
}

fn bound(item: &Value, field: &str) -> Resources {
    resources(item.get(field))
}

fn bounds(item: &Value, kind: &str, requests: &Resources, limits: &Resources, errors: &mut Vec<String>) {
    for (resource, enforced) in bound(item, "min") {
        min(kind, &resource, &enforced, requests, limits, errors);
    }
    for (resource, enforced) in bound(item, "max") {
        let shown = &enforced.1;
        match (limits.get(&resource), requests.get(&resource)) {
            (None, _) => errors.push(format!(
                "maximum {resource} usage per {kind} is {shown}.  No limit is specified"
            )),
            (Some((limit, text)), _) if *limit > enforced.0 => errors.push(format!(
                "maximum {resource} usage per {kind} is {shown}, but limit is {text}"
            )),
            (_, Some((request, text))) if *request > enforced.0 => errors.push(format!(
                "maximum {resource} usage per {kind} is {shown}, but request is {text}"
            )),
            _ => {}
        }
    }
    for (resource, enforced) in bound(item, "maxLimitRequestRatio") {
        let shown = &enforced.1;
        let request = requests.get(&resource).map(|r| r.0.milli()).filter(|r| *r != 0);
        let limit = limits.get(&resource).map(|l| l.0.milli()).filter(|l| *l != 0);
        match (request, limit) {
            (None, _) => errors.push(format!(
                "{resource} max limit to request ratio per {kind} is {shown}, but no request is specified or request is 0"
            )),
            (_, None) => errors.push(format!(
                "{resource} max limit to request ratio per {kind} is {shown}, but no limit is specified or limit is 0"
            )),
            (Some(request), Some(limit)) => {
                let ratio = limit as f64 / request as f64;
                if ratio * 1000.0 > enforced.0.milli() as f64 {
                    errors.push(format!(
                        "{resource} max limit to request ratio per {kind} is {shown}, but provided ratio is {ratio:.6}"
                    ));
                }
            }
        }
    }
}

fn min(
    kind: &str,
    resource: &str,
    enforced: &(Quantity, String),
    requests: &Resources,
    limits: &Resources,
    errors: &mut Vec<String>,
) {
    let shown = &enforced.1;
    match (requests.get(resource), limits.get(resource)) {
        (None, _) => errors.push(format!(
            "minimum {resource} usage per {kind} is {shown}.  No request is specified"
        )),
        (Some((request, text)), _) if *request < enforced.0 => errors.push(format!(
            "minimum {resource} usage per {kind} is {shown}, but request is {text}"
        )),
        (_, Some((limit, text))) if *limit < enforced.0 => errors.push(format!(
            "minimum {resource} usage per {kind} is {shown}, but limit is {text}"
        )),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(limits: Value) -> Value {
        json!({"spec": {"limits": limits}})
    }

    #[test]
    fn container_and_pod_bounds_report_as_upstream() {
        let limits = range(json!([
            {"type": "Container", "min": {"cpu": "100m"}, "max": {"memory": "1Gi"}, "maxLimitRequestRatio": {"cpu": "2"}},
            {"type": "Pod", "max": {"cpu": "1"}},
        ]));
        let pod = json!({"spec": {"containers": [
            {"name": "a", "resources": {"requests": {"cpu": "50m"}, "limits": {"cpu": "500m", "memory": "2Gi"}}},
            {"name": "b", "resources": {"requests": {"cpu": "600m", "memory": "1Gi"}, "limits": {"cpu": "600m", "memory": "1Gi"}}},
        ]}});
        let mut errors = Vec::new();
        pod_errors(&limits, &pod, &mut errors);
        assert_eq!(
            errors,
            [
                "minimum cpu usage per Container is 100m, but request is 50m",
                "maximum memory usage per Container is 1Gi, but limit is 2Gi",
                "cpu max limit to request ratio per Container is 2, but provided ratio is 10.000000",
                "maximum cpu usage per Pod is 1, but limit is 1100m",
            ]
        );
    }

    #[test]
    fn claims_are_bounded_by_their_requests() {
        let limits =
            range(json!([{"type": "PersistentVolumeClaim", "min": {"storage": "1Gi"}, "max": {"storage": "10Gi"}}]));
        let claim = |size: &str| json!({"spec": {"resources": {"requests": {"storage": size}}}});
        let mut errors = Vec::new();
        claim_errors(&limits, &claim("20Gi"), &mut errors);
        claim_errors(&limits, &claim("500Mi"), &mut errors);
        claim_errors(&limits, &claim("5Gi"), &mut errors);
        assert_eq!(
            errors,
            [
                "maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi",
                "minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi",
            ]
        );
    }
}
