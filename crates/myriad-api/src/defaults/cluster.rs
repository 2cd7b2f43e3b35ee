//! Cluster and configuration objects: Secrets, Namespaces, Nodes, LimitRanges
//! (`pkg/apis/core/v1/defaults.go`, and the v1 Secret conversion that folds
//! `stringData` into `data`) and PriorityClasses (`pkg/apis/scheduling/v1`).
//!
//! Kinds upstream does not default (ConfigMaps beyond an invisible empty `data`,
//! ResourceQuotas, Events, Leases, RuntimeClasses, PodDisruptionBudgets,
//! ServiceAccounts) have nothing here.

use serde_json::{Map, Value, json};

use super::{child, fill, text};

/// `type` → `Opaque`; `stringData` is write-only: its entries replace those of `data`
/// (base64-encoded, as `data` is on the wire) and it is not stored.
pub(super) fn secret(secret: &mut Value) {
    fill(secret, "type", json!("Opaque"));
    let Some(map) = secret.as_object_mut() else {
        return;
    };
    let strings = match map.get("stringData") {
        Some(Value::Object(strings)) if strings.values().all(Value::is_string) => strings.clone(),
        Some(Value::Null) => {
            map.remove("stringData");
            return;
        }
        // Anything else does not decode upstream; validation reports it.
        _ => return,
    };
    map.remove("stringData");
    if strings.is_empty() {
        return;
    }
    let data = map.entry("data").or_insert_with(|| Value::Object(Map::new()));
    if data.is_null() {
        *data = Value::Object(Map::new());
    }
    if let Some(data) = data.as_object_mut() {
        for (key, value) in strings {
            let encoded = base64_encode(value.as_str().unwrap_or("").as_bytes());
            data.insert(key, json!(encoded));
        }
    }
}

/// Standard padded base64, as Go writes a `[]byte` to JSON. (The validation module has
/// its own copy; sharing it would make the two modules depend on each other.)
fn base64_encode(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let bytes = [0, 1, 2].map(|i| chunk.get(i).copied().unwrap_or(0));
        let bits = (u32::from(bytes[0]) << 16) | (u32::from(bytes[1]) << 8) | u32::from(bytes[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((bits >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The `kubernetes.io/metadata.name` label always equals the name (overwriting any
/// other value, as upstream does); a `generateName` namespace gets it once named.
/// `status.phase` → `Active`.
pub(super) fn namespace(namespace: &mut Value) {
    let name = namespace
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if !name.is_empty() {
        let labels = child(child(namespace, "metadata"), "labels");
        if let Some(labels) = labels.as_object_mut() {
            labels.insert("kubernetes.io/metadata.name".into(), json!(name));
        }
    }
    fill(child(namespace, "status"), "phase", json!("Active"));
}

/// `status.allocatable` ← `status.capacity` when only the capacity is reported.
pub(super) fn node(node: &mut Value) {
    let Some(status) = node.get_mut("status").filter(|s| s.is_object()) else {
        return;
    };
    let capacity = status.get("capacity").filter(|c| c.is_object()).cloned();
    if let Some(capacity) = capacity
        && status.get("allocatable").is_none_or(Value::is_null)
    {
        status["allocatable"] = capacity;
    }
}

/// For `Container` items: a missing default limit is the max, a missing default
/// request the default limit, else the min.
pub(super) fn limit_range(range: &mut Value) {
    for item in super::items(child(range, "spec"), "limits") {
        if text(item, "type") != "Container" {
            continue;
        }
        let quantities =
            |item: &Value, field: &str| item.get(field).and_then(Value::as_object).cloned().unwrap_or_default();
        let mut default = quantities(item, "default");
        let mut default_request = quantities(item, "defaultRequest");
        let (before_default, before_request) = (default.len(), default_request.len());
        for (resource, quantity) in quantities(item, "max") {
            default.entry(resource).or_insert(quantity);
        }
        for (resource, quantity) in default.iter().chain(quantities(item, "min").iter()) {
            default_request.entry(resource.clone()).or_insert(quantity.clone());
        }
        // Upstream makes both maps; empty ones do not show on the wire.
        if default.len() != before_default {
            item["default"] = Value::Object(default);
        }
        if default_request.len() != before_request {
            item["defaultRequest"] = Value::Object(default_request);
        }
    }
}

pub(super) fn priority_class(class: &mut Value) {
    super::set(class, "preemptionPolicy", json!("PreemptLowerPriority"));
}

#[cfg(test)]
mod tests {
    use super::super::apply;
    use serde_json::{Value, json};

    fn defaulted(group: &str, kind: &str, mut object: Value) -> Value {
        apply(group, kind, &mut object);
        object
    }

    #[test]
    fn base64_matches_go() {
        for (given, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
        ] {
            assert_eq!(super::base64_encode(given.as_bytes()), want);
        }
    }

    #[test]
    fn secrets() {
        let cases = [
            (json!({}), json!({"type": "Opaque"})),
            (
                json!({"type": "kubernetes.io/tls"}),
                json!({"type": "kubernetes.io/tls"}),
            ),
            (
                json!({"data": {"a": "YQ==", "b": "Yg=="}, "stringData": {"b": "bee", "c": ""}}),
                json!({"type": "Opaque", "data": {"a": "YQ==", "b": "YmVl", "c": ""}}),
            ),
            (
                json!({"stringData": {"k": "hello"}}),
                json!({"type": "Opaque", "data": {"k": "aGVsbG8="}}),
            ),
            (json!({"stringData": {}}), json!({"type": "Opaque"})),
            (json!({"stringData": null}), json!({"type": "Opaque"})),
            (
                json!({"stringData": {"n": 1}}),
                json!({"type": "Opaque", "stringData": {"n": 1}}),
            ),
        ];
        for (given, want) in cases {
            assert_eq!(defaulted("", "Secret", given.clone()), want, "{given}");
        }
    }

    #[test]
    fn namespaces_nodes_and_priority_classes() {
        let ns = defaulted(
            "",
            "Namespace",
            json!({"metadata": {"name": "team", "labels": {"kubernetes.io/metadata.name": "other", "x": "y"}}}),
        );
        assert_eq!(
            ns,
            json!({"metadata": {"name": "team", "labels": {"kubernetes.io/metadata.name": "team", "x": "y"}},
                "status": {"phase": "Active"}})
        );
        let unnamed = defaulted("", "Namespace", json!({"metadata": {"generateName": "t-"}}));
        assert_eq!(unnamed["metadata"].get("labels"), None);
        let terminating = defaulted(
            "",
            "Namespace",
            json!({"metadata": {"name": "t"}, "status": {"phase": "Terminating"}}),
        );
        assert_eq!(terminating["status"]["phase"], "Terminating");

        let node = defaulted("", "Node", json!({"status": {"capacity": {"cpu": "4", "pods": "110"}}}));
        assert_eq!(node["status"]["allocatable"], json!({"cpu": "4", "pods": "110"}));
        let node = defaulted(
            "",
            "Node",
            json!({"status": {"capacity": {"cpu": "4"}, "allocatable": {"cpu": "3"}}}),
        );
        assert_eq!(node["status"]["allocatable"], json!({"cpu": "3"}));
        assert_eq!(defaulted("", "Node", json!({"spec": {}})), json!({"spec": {}}));

        let pc = defaulted("scheduling.k8s.io", "PriorityClass", json!({"value": 10}));
        assert_eq!(pc["preemptionPolicy"], "PreemptLowerPriority");
        let pc = defaulted(
            "scheduling.k8s.io",
            "PriorityClass",
            json!({"value": 10, "preemptionPolicy": "Never"}),
        );
        assert_eq!(pc["preemptionPolicy"], "Never");
    }

    #[test]
    fn limit_range_items() {
        let range = defaulted(
            "",
            "LimitRange",
            json!({"spec": {"limits": [
                {"type": "Container", "max": {"cpu": "2", "memory": "1Gi"}, "min": {"cpu": "100m", "ephemeral-storage": "1Gi"},
                 "default": {"memory": "512Mi"}},
                {"type": "Container", "min": {"cpu": "100m"}},
                {"type": "Container"},
                {"type": "Pod", "max": {"cpu": "4"}},
            ]}}),
        );
        let limits = &range["spec"]["limits"];
        assert_eq!(limits[0]["default"], json!({"cpu": "2", "memory": "512Mi"}));
        assert_eq!(
            limits[0]["defaultRequest"],
            json!({"cpu": "2", "memory": "512Mi", "ephemeral-storage": "1Gi"})
        );
        assert_eq!(limits[1].get("default"), None);
        assert_eq!(limits[1]["defaultRequest"], json!({"cpu": "100m"}));
        assert_eq!(limits[2], json!({"type": "Container"}));
        assert_eq!(limits[3], json!({"type": "Pod", "max": {"cpu": "4"}}));
    }
}
