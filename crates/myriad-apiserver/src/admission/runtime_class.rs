//! RuntimeClass: a pod that names a RuntimeClass takes its pod overhead and its
//! scheduling constraints (node selector, tolerations); the class must exist, and a
//! pod may not bring an overhead of its own that differs — or any overhead without a
//! class that defines one.

use serde_json::{Map, Value, json};

use super::lookup::Lookup;
use super::{Attributes, Operation};
use crate::error::ApiError;

fn applies(attrs: &Attributes<'_>) -> bool {
    attrs.is("", "pods") && attrs.operation == Operation::Create
}

async fn class_of(lookup: &Lookup, attrs: &Attributes<'_>, pod: &Value) -> Result<Option<Value>, ApiError> {
    let Some(name) = pod
        .pointer("/spec/runtimeClassName")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
    else {
        return Ok(None);
    };
    match lookup.get("node.k8s.io", "RuntimeClass", None, name).await? {
        Some(class) => Ok(Some(class)),
        None => Err(attrs.forbidden(format!("pod rejected: RuntimeClass {name:?} not found"))),
    }
}

pub(super) async fn admit(lookup: &Lookup, attrs: &Attributes<'_>, pod: &mut Value) -> Result<(), ApiError> {
    if !applies(attrs) {
        return Ok(());
    }
    let Some(class) = class_of(lookup, attrs, pod).await? else {
        return Ok(());
    };
    let Some(spec) = pod.get_mut("spec").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    if let Some(fixed) = myriad_api::pointer::get(&class, "/overhead/podFixed").filter(|v| !v.is_null()) {
        if let Some(own) = spec.get("overhead").filter(|v| !v.is_null())
            && !same_resources(own, fixed)
        {
            return Err(attrs.forbidden("pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead"));
        }
        spec.insert("overhead".into(), fixed.clone());
    }
    if let Some(selector) = myriad_api::pointer::get(&class, "/scheduling/nodeSelector").and_then(Value::as_object) {
        let own = spec.entry("nodeSelector").or_insert_with(|| json!({}));
        if !own.is_object() {
            *own = json!({});
        }
        if let Some(own) = own.as_object_mut() {
            merge_selector(attrs, own, selector)?;
        }
    }
    if let Some(tolerations) = myriad_api::pointer::get(&class, "/scheduling/tolerations").and_then(Value::as_array) {
        let own = spec.entry("tolerations").or_insert_with(|| json!([]));
        if !own.is_array() {
            *own = json!([]);
        }
        if let Some(own) = own.as_array_mut() {
            for toleration in tolerations {
                if !own.contains(toleration) {
                    own.push(toleration.clone());
                }
            }
        }
    }
    Ok(())
}

fn merge_selector(
    attrs: &Attributes<'_>,
    own: &mut Map<String, Value>,
    class: &Map<String, Value>,
) -> Result<(), ApiError> {
    for (key, value) in class {
        if let Some(mine) = own.get(key)
            && mine != value
        {
            let show = |v: &Value| v.as_str().unwrap_or_default().to_string();
            return Err(attrs.forbidden(format!(
                "conflict: runtimeClass.scheduling.nodeSelector[{key}] = {}; pod.spec.nodeSelector[{key}] = {}",
                show(value),
                show(mine)
            )));
        }
        own.insert(key.clone(), value.clone());
    }
    Ok(())
}

/// The validating half: the pod's overhead must be the class's.
pub(super) async fn validate(lookup: &Lookup, attrs: &Attributes<'_>, pod: &Value) -> Result<(), ApiError> {
    if !applies(attrs) {
        return Ok(());
    }
    let class = class_of(lookup, attrs, pod).await?;
    let own = myriad_api::pointer::get(pod, "/spec/overhead").filter(|v| !v.is_null());
    match class
        .as_ref()
        .and_then(|c| myriad_api::pointer::get(c, "/overhead/podFixed"))
        .filter(|v| !v.is_null())
    {
        Some(fixed) if !own.is_some_and(|own| same_resources(own, fixed)) => {
            Err(attrs.forbidden("pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead"))
        }
        None if own.is_some() => {
            Err(attrs.forbidden("pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead"))
        }
        _ => Ok(()),
    }
}

/// Resource lists compared by quantity (`1000m` is `1`).
fn same_resources(a: &Value, b: &Value) -> bool {
    let parse = |v: &Value| -> Option<Vec<(String, myriad_api::quantity::Quantity)>> {
        v.as_object()?
            .iter()
            .map(|(k, q)| Some((k.clone(), myriad_api::quantity::Quantity::parse(q.as_str()?).ok()?)))
            .collect()
    };
    match (parse(a), parse(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}
