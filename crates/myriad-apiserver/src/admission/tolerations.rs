//! Two plugins that write taints and tolerations. DefaultTolerationSeconds: a pod that
//! does not tolerate `node.kubernetes.io/not-ready` or `node.kubernetes.io/unreachable`
//! (NoExecute) gets a toleration of each for 300 seconds, so its pods are evicted five
//! minutes after their node fails. TaintNodesByCondition: a new Node starts tainted
//! `node.kubernetes.io/not-ready:NoSchedule` until the node controller sees it Ready.

use serde_json::{Value, json};

use super::{Attributes, Operation};

const NOT_READY: &str = "node.kubernetes.io/not-ready";
const UNREACHABLE: &str = "node.kubernetes.io/unreachable";
const DEFAULT_SECONDS: i64 = 300;

pub(super) fn default_toleration_seconds(attrs: &Attributes<'_>, pod: &mut Value) {
    if !attrs.is("", "pods") {
        return;
    }
    let Some(spec) = pod.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    let list = spec.entry("tolerations").or_insert_with(|| json!([]));
    if !list.is_array() {
        *list = json!([]);
    }
    let Some(list) = list.as_array_mut() else { return };
    let tolerates = |list: &[Value], key: &str| {
        list.iter().any(|t| {
            let t_key = t.get("key").and_then(Value::as_str).unwrap_or("");
            let effect = t.get("effect").and_then(Value::as_str).unwrap_or("");
            (t_key == key || t_key.is_empty()) && (effect == "NoExecute" || effect.is_empty())
        })
    };
    for key in [NOT_READY, UNREACHABLE] {
        if !tolerates(list, key) {
            list.push(json!({
                "key": key,
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": DEFAULT_SECONDS,
            }));
        }
    }
}

pub(super) fn taint_new_node(attrs: &Attributes<'_>, node: &mut Value) {
    if !attrs.is("", "nodes") || attrs.operation != Operation::Create {
        return;
    }
    let Some(object) = node.as_object_mut() else { return };
    let spec = object.entry("spec").or_insert_with(|| json!({}));
    let Some(spec) = spec.as_object_mut() else { return };
    let taints = spec.entry("taints").or_insert_with(|| json!([]));
    if !taints.is_array() {
        *taints = json!([]);
    }
    let Some(taints) = taints.as_array_mut() else { return };
    let present = taints.iter().any(|t| {
        t.get("key").and_then(Value::as_str) == Some(NOT_READY)
            && t.get("effect").and_then(Value::as_str) == Some("NoSchedule")
    });
    if !present {
        taints.push(json!({"key": NOT_READY, "effect": "NoSchedule"}));
    }
}
