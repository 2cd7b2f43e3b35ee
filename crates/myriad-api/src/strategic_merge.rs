//! Strategic merge patch for the built-in kinds, as `kubectl apply`, `edit` and `patch`
//! send it.
//!
//! It is a JSON merge patch except for lists and directives: a list whose field has a
//! merge key (containers by `name`, ports by `containerPort`, …) is merged element by
//! element; a list of scalars with the merge strategy (`finalizers`) is a union; every
//! other list is replaced. Directives: `$patch` (`replace`, `delete`, `merge`) on maps
//! and list elements, `$retainKeys`, `$setElementOrder/<field>` and
//! `$deleteFromPrimitiveList/<field>`.
//!
//! The merge keys come from the `patchStrategy`/`patchMergeKey` tags of Kubernetes' Go
//! types (see [`list_strategy`]). Custom resources never accept this patch type.
//!
//! Simplification: with `$setElementOrder`, the listed elements come first in that
//! order and elements only the server has follow in their original order (Kubernetes
//! interleaves them by their original neighbours).

use serde_json::{Map, Value};

/// How a list field is patched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListStrategy {
    /// Replaced whole (lists without a patch strategy).
    Atomic,
    /// Elements are objects matched by this key and merged.
    MergeByKey(&'static str),
    /// Elements are scalars; the patch adds to the set.
    MergeScalars,
}

/// Why a patch could not be applied.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StrategicMergeError {
    #[error("a strategic merge patch must be a JSON object")]
    NotAnObject,
    #[error("invalid $patch directive {0:?} (expected replace, delete or merge)")]
    BadDirective(String),
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
}

/// List fields of a pod spec that merge by key, relative to the pod spec.
const POD_SPEC_LISTS: &[(&str, ListStrategy)] = &[
    ("containers", ListStrategy::MergeByKey("name")),
    ("initContainers", ListStrategy::MergeByKey("name")),
    ("ephemeralContainers", ListStrategy::MergeByKey("name")),
    ("volumes", ListStrategy::MergeByKey("name")),
    ("imagePullSecrets", ListStrategy::MergeByKey("name")),
    ("hostAliases", ListStrategy::MergeByKey("ip")),
    ("topologySpreadConstraints", ListStrategy::MergeByKey("topologyKey")),
    ("resourceClaims", ListStrategy::MergeByKey("name")),
    ("schedulingGates", ListStrategy::MergeByKey("name")),
];

/// List fields of a container that merge by key, relative to the container.
const CONTAINER_LISTS: &[(&str, ListStrategy)] = &[
    ("ports", ListStrategy::MergeByKey("containerPort")),
    ("env", ListStrategy::MergeByKey("name")),
    ("volumeMounts", ListStrategy::MergeByKey("mountPath")),
    ("volumeDevices", ListStrategy::MergeByKey("devicePath")),
];

/// The strategy of the list at `path` (field names joined by `.`, list elements adding
/// nothing: `spec.template.spec.containers.env`) in an object of `resource`.
pub fn list_strategy(resource: &str, path: &str) -> ListStrategy {
    match path {
        "metadata.finalizers" => return ListStrategy::MergeScalars,
        "metadata.ownerReferences" => return ListStrategy::MergeByKey("uid"),
        "status.conditions" => return ListStrategy::MergeByKey("type"),
        _ => {}
    }
    let pod_spec = match resource {
        "pods" => Some("spec"),
        "deployments" | "replicasets" | "daemonsets" | "statefulsets" | "jobs" => Some("spec.template.spec"),
        _ => None,
    };
    if let Some(rest) = pod_spec
        .and_then(|prefix| path.strip_prefix(prefix))
        .and_then(|r| r.strip_prefix('.'))
    {
        if let Some((_, strategy)) = POD_SPEC_LISTS.iter().find(|(field, _)| *field == rest) {
            return *strategy;
        }
        for containers in ["containers", "initContainers", "ephemeralContainers"] {
            if let Some(field) = rest.strip_prefix(containers).and_then(|r| r.strip_prefix('.'))
                && let Some((_, strategy)) = CONTAINER_LISTS.iter().find(|(f, _)| *f == field)
            {
                return *strategy;
            }
        }
    }
    match (resource, path) {
        ("services", "spec.ports") => ListStrategy::MergeByKey("port"),
        ("nodes", "status.addresses") => ListStrategy::MergeByKey("type"),
        ("pods", "status.containerStatuses") => ListStrategy::Atomic,
        _ => ListStrategy::Atomic,
    }
}

/// Applies `patch` to `original`, an object of `resource`.
pub fn apply(resource: &str, original: &Value, patch: &Value) -> Result<Value, StrategicMergeError> {
    let patch = patch.as_object().ok_or(StrategicMergeError::NotAnObject)?;
    let mut result = original.clone();
    if !result.is_object() {
        result = Value::Object(Map::new());
    }
    merge_map(resource, "", &mut result, patch)?;
    Ok(result)
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

/// Merges `patch` into the map `target` at `path`.
fn merge_map(
    resource: &str,
    path: &str,
    target: &mut Value,
    patch: &Map<String, Value>,
) -> Result<(), StrategicMergeError> {
    match patch.get("$patch").map(|d| d.as_str().unwrap_or("")) {
        None | Some("merge") => {}
        Some("replace") => {
            *target = Value::Object(without_directives(patch));
            return Ok(());
        }
        Some(other) => return Err(StrategicMergeError::BadDirective(other.to_string())),
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    for (key, value) in patch {
        if key.starts_with('$') {
            continue;
        }
        let field_path = join(path, key);
        let Some(map) = target.as_object_mut() else { break };
        match value {
            Value::Null => {
                map.remove(key);
            }
            Value::Object(child) if child.get("$patch").and_then(Value::as_str) == Some("delete") => {
                map.remove(key);
            }
            Value::Object(child) => {
                let entry = map.entry(key.clone()).or_insert(Value::Object(Map::new()));
                merge_map(resource, &field_path, entry, child)?;
            }
            Value::Array(items) => {
                let order = patch.get(&format!("$setElementOrder/{key}")).and_then(Value::as_array);
                let current = map.remove(key).unwrap_or(Value::Array(Vec::new()));
                let merged = merge_list(resource, &field_path, current, items, order)?;
                map.insert(key.clone(), merged);
            }
            scalar => {
                map.insert(key.clone(), scalar.clone());
            }
        }
    }
    apply_list_directives(resource, path, target, patch)?;
    if let Some(retain) = patch.get("$retainKeys").and_then(Value::as_array)
        && let Some(map) = target.as_object_mut()
    {
        let keep: Vec<&str> = retain.iter().filter_map(Value::as_str).collect();
        map.retain(|k, _| keep.contains(&k.as_str()));
    }
    Ok(())
}

/// `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>` for fields the patch
/// does not otherwise touch.
fn apply_list_directives(
    resource: &str,
    path: &str,
    target: &mut Value,
    patch: &Map<String, Value>,
) -> Result<(), StrategicMergeError> {
    let Some(map) = target.as_object_mut() else {
        return Ok(());
    };
    for (key, value) in patch {
        if let Some(field) = key.strip_prefix("$deleteFromPrimitiveList/") {
            let remove = value.as_array().cloned().unwrap_or_default();
            if let Some(Value::Array(items)) = map.get_mut(field) {
                items.retain(|item| !remove.contains(item));
            }
        } else if let Some(field) = key.strip_prefix("$setElementOrder/")
            && !patch.contains_key(field)
            && let (Some(Value::Array(items)), Some(order)) = (map.get_mut(field), value.as_array())
        {
            let strategy = list_strategy(resource, &join(path, field));
            *items = reorder(std::mem::take(items), order, strategy);
        }
    }
    Ok(())
}

fn merge_list(
    resource: &str,
    path: &str,
    current: Value,
    patch: &[Value],
    order: Option<&Vec<Value>>,
) -> Result<Value, StrategicMergeError> {
    let strategy = list_strategy(resource, path);
    let mut items = match current {
        Value::Array(items) => items,
        _ => Vec::new(),
    };
    let replace = patch
        .iter()
        .any(|p| p.get("$patch").and_then(Value::as_str) == Some("replace"));
    let result = match strategy {
        _ if replace => patch.iter().filter(|p| p.get("$patch").is_none()).cloned().collect(),
        ListStrategy::Atomic => patch.to_vec(),
        ListStrategy::MergeScalars => {
            for value in patch {
                if !items.contains(value) {
                    items.push(value.clone());
                }
            }
            items
        }
        ListStrategy::MergeByKey(merge_key) => {
            for element in patch {
                let Some(element_map) = element.as_object() else {
                    return Err(StrategicMergeError::Invalid {
                        field: path.to_string(),
                        message: "elements of a list merged by key must be objects".into(),
                    });
                };
                let Some(id) = element_map.get(merge_key) else {
                    return Err(StrategicMergeError::Invalid {
                        field: path.to_string(),
                        message: format!("an element has no merge key {merge_key:?}"),
                    });
                };
                let existing = items.iter().position(|item| item.get(merge_key) == Some(id));
                match (element_map.get("$patch").and_then(Value::as_str), existing) {
                    (Some("delete"), Some(i)) => {
                        items.remove(i);
                    }
                    (Some("delete"), None) => {}
                    (_, Some(i)) => merge_map(resource, path, &mut items[i], element_map)?,
                    (_, None) => items.push(Value::Object(without_directives(element_map))),
                }
            }
            items
        }
    };
    Ok(Value::Array(match order {
        Some(order) => reorder(result, order, strategy),
        None => result,
    }))
}

/// Puts the elements named in `order` first, in that order; the rest keep their order.
fn reorder(items: Vec<Value>, order: &[Value], strategy: ListStrategy) -> Vec<Value> {
    let identity = |item: &Value| match strategy {
        ListStrategy::MergeByKey(key) => item.get(key).cloned(),
        _ => Some(item.clone()),
    };
    let order_ids: Vec<Option<Value>> = order.iter().map(identity).collect();
    let position = |item: &Value| {
        let id = identity(item);
        order_ids
            .iter()
            .position(|o| *o == id && id.is_some())
            .unwrap_or(usize::MAX)
    };
    let mut indexed: Vec<(usize, usize, Value)> = items
        .into_iter()
        .enumerate()
        .map(|(i, v)| (position(&v), i, v))
        .collect();
    indexed.sort_by_key(|(pos, i, _)| (*pos, *i));
    indexed.into_iter().map(|(_, _, v)| v).collect()
}

fn without_directives(map: &Map<String, Value>) -> Map<String, Value> {
    map.iter()
        .filter(|(k, _)| !k.starts_with('$'))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment() -> Value {
        json!({"metadata": {"name": "web", "finalizers": ["a"]},
               "spec": {"replicas": 2, "template": {"spec": {"containers": [
                   {"name": "app", "image": "nginx", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
                   {"name": "sidecar", "image": "envoy"}]}}}})
    }

    #[test]
    fn merges_containers_by_name_and_env_by_name() {
        // What kubectl apply sends after changing one image and one env value.
        let patch = json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "app"}, {"name": "sidecar"}],
            "containers": [{"name": "app", "image": "nginx:1.27",
                            "$setElementOrder/env": [{"name": "A"}, {"name": "B"}],
                            "env": [{"name": "B", "value": "3"}]}]}}}});
        let out = apply("deployments", &deployment(), &patch).unwrap();
        let containers = &out["spec"]["template"]["spec"]["containers"];
        assert_eq!(containers[0]["image"], "nginx:1.27");
        assert_eq!(
            containers[0]["env"],
            json!([{"name": "A", "value": "1"}, {"name": "B", "value": "3"}])
        );
        assert_eq!(containers[1], json!({"name": "sidecar", "image": "envoy"}));
        assert_eq!(out["spec"]["replicas"], 2);
    }

    #[test]
    fn deletes_elements_and_fields() {
        let patch = json!({"spec": {"replicas": null, "template": {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}}});
        let out = apply("deployments", &deployment(), &patch).unwrap();
        assert!(out["spec"].get("replicas").is_none());
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"].as_array().unwrap().len(),
            1
        );
    }

    #[test]
    fn finalizers_are_a_set_and_other_lists_are_replaced() {
        let patch = json!({"metadata": {"finalizers": ["b", "a"], "$deleteFromPrimitiveList/finalizers": ["a"]},
                           "spec": {"template": {"spec": {"tolerations": [{"key": "x"}]}}}});
        let out = apply("deployments", &deployment(), &patch).unwrap();
        assert_eq!(out["metadata"]["finalizers"], json!(["b"]));
        assert_eq!(out["spec"]["template"]["spec"]["tolerations"], json!([{"key": "x"}]));
    }

    #[test]
    fn replace_directives_and_retain_keys() {
        let patch = json!({"spec": {"template": {"spec": {"containers": [{"$patch": "replace"}, {"name": "only", "image": "x"}]}}}});
        let out = apply("deployments", &deployment(), &patch).unwrap();
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"],
            json!([{"name": "only", "image": "x"}])
        );
        let patch = json!({"spec": {"$patch": "replace", "replicas": 5}});
        assert_eq!(
            apply("deployments", &deployment(), &patch).unwrap()["spec"],
            json!({"replicas": 5})
        );
        let patch = json!({"spec": {"$retainKeys": ["replicas"], "replicas": 3}});
        assert_eq!(
            apply("deployments", &deployment(), &patch).unwrap()["spec"],
            json!({"replicas": 3})
        );
        assert!(apply("deployments", &deployment(), &json!({"spec": {"$patch": "bogus"}})).is_err());
        assert!(apply("deployments", &deployment(), &json!([1])).is_err());
    }

    #[test]
    fn strategies_follow_kubernetes_tags() {
        assert_eq!(
            list_strategy("pods", "spec.containers.volumeMounts"),
            ListStrategy::MergeByKey("mountPath")
        );
        assert_eq!(
            list_strategy("daemonsets", "spec.template.spec.initContainers.ports"),
            ListStrategy::MergeByKey("containerPort")
        );
        assert_eq!(
            list_strategy("services", "spec.ports"),
            ListStrategy::MergeByKey("port")
        );
        assert_eq!(list_strategy("pods", "spec.tolerations"), ListStrategy::Atomic);
        assert_eq!(
            list_strategy("configmaps", "metadata.finalizers"),
            ListStrategy::MergeScalars
        );
    }
}
