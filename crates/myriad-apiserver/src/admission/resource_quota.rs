//! ResourceQuota: an object that would take a namespace past a quota's hard limits is
//! refused (403 `exceeded quota: NAME, requested: pods=1, used: pods=2, limited:
//! pods=2`), and one that fits is charged to every quota that covers it before it is
//! stored (`status.used`, one conditional write per quota). As upstream, only what
//! the quota controller has published counts: limits come from `status.hard`, and a
//! quota whose `status.used` does not yet cover a limited resource refuses with
//! `status unknown for quota`; the controller later recomputes usage from the objects
//! themselves. Quotas with scopes (`Terminating`, `BestEffort`, `PriorityClass`, …)
//! cover pods only. Pods that limit cpu or memory must state them per container
//! (`failed quota: NAME: must specify cpu for: app`).

use std::collections::{BTreeMap, BTreeSet};

use myriad_api::quantity::{self, Quantity};
use myriad_api::registry::ResourceInfo;
use myriad_store::Router as StoreRouter;
use serde_json::{Value, json};

use super::lookup::Lookup;
use super::{Attributes, Operation};
use crate::error::ApiError;
use crate::storage::codec::{decode_stored, encode};

/// Conditional writes of one quota's usage tried before giving up.
const ATTEMPTS: usize = 5;

type Usage = BTreeMap<String, Quantity>;

/// Resources upstream requires every container to state when a quota limits them.
const STATED: &[&str] = &[
    "cpu",
    "memory",
    "requests.cpu",
    "requests.memory",
    "limits.cpu",
    "limits.memory",
];

pub(super) async fn validate(
    lookup: &Lookup,
    store: &StoreRouter,
    attrs: &Attributes<'_>,
    object: &Value,
) -> Result<(), ApiError> {
    if attrs.namespace.is_empty() {
        return Ok(());
    }
    let quotas = lookup.list("", "ResourceQuota", Some(attrs.namespace)).await?;
    if quotas.is_empty() {
        return Ok(());
    }
    let new = usage(attrs.info, object);
    let old = match (attrs.operation, attrs.old) {
        (Operation::Update, Some(old)) => usage(attrs.info, old),
        _ => Usage::new(),
    };
    let mut delta = Usage::new();
    for (name, value) in &new {
        let before = old.get(name).copied().unwrap_or(Quantity::from_units(0));
        if let Some(more) = value.checked_sub(before).filter(|d| !d.is_zero() && !d.is_negative()) {
            delta.insert(name.clone(), more);
        }
    }
    if delta.is_empty() {
        return Ok(());
    }
    let mut charges = Vec::new();
    for quota in &quotas {
        let name = myriad_api::pointer::get(quota, "/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !covers(quota, attrs.info, object) {
            continue;
        }
        let hard = list(myriad_api::pointer::get(quota, "/status/hard"));
        let restricted: Vec<&String> = hard.keys().filter(|r| handles(attrs.info, r)).collect();
        if restricted.is_empty() {
            continue;
        }
        if attrs.is("", "pods") {
            let required: BTreeSet<&str> = restricted
                .iter()
                .map(|r| r.as_str())
                .filter(|r| STATED.contains(r))
                .collect();
            if let Some(missing) = unstated(object, &required) {
                return Err(attrs.forbidden(format!("failed quota: {name}: must specify {missing}")));
            }
        }
        let used = list(myriad_api::pointer::get(quota, "/status/used"));
        if restricted.iter().any(|r| !used.contains_key(*r)) {
            let names: Vec<&str> = restricted.iter().map(|r| r.as_str()).collect();
            return Err(attrs.forbidden(format!(
                "status unknown for quota: {name}, resources: {}",
                names.join(",")
            )));
        }
        let requested: Usage = delta
            .iter()
            .filter(|(r, _)| hard.contains_key(*r))
            .map(|(r, q)| (r.clone(), *q))
            .collect();
        if requested.is_empty() {
            continue;
        }
        let exceeded: Vec<&String> = requested
            .iter()
            .filter(|(r, q)| {
                let now = used.get(*r).map_or(Quantity::from_units(0), |u| u.0);
                now.checked_add(**q).is_none_or(|total| total > hard[*r].0)
            })
            .map(|(r, _)| r)
            .collect();
        if !exceeded.is_empty() {
            let show = |values: &dyn Fn(&str) -> String| {
                exceeded
                    .iter()
                    .map(|r| format!("{r}={}", values(r)))
                    .collect::<Vec<_>>()
                    .join(",")
            };
            return Err(attrs.forbidden(format!(
                "exceeded quota: {name}, requested: {}, used: {}, limited: {}",
                show(&|r| requested[r].to_string()),
                show(&|r| used.get(r).map_or("0".into(), |u| u.1.clone())),
                show(&|r| hard[r].1.clone()),
            )));
        }
        charges.push((name.to_string(), requested));
    }
    if attrs.dry_run {
        return Ok(());
    }
    for (name, requested) in charges {
        charge(store, attrs.namespace, &name, &requested).await?;
    }
    Ok(())
}

/// Adds `requested` to quota `name`'s `status.used`, re-reading on a conflict.
async fn charge(store: &StoreRouter, namespace: &str, name: &str, requested: &Usage) -> Result<(), ApiError> {
    let info = myriad_api::registry::of_kind("", "ResourceQuota")
        .next()
        .ok_or_else(|| ApiError::Internal("no built-in ResourceQuota".into()))?;
    let key = info.storage_key(Some(namespace), name);
    let backend = store.store_for(key.as_bytes());
    for _ in 0..ATTEMPTS {
        let Some(kv) = backend.get(key.as_bytes(), 0).await?.kv else {
            return Ok(());
        };
        let mut quota = decode_stored(&kv)?;
        let used = list(myriad_api::pointer::get(&quota, "/status/used"));
        for (resource, more) in requested {
            let total = used
                .get(resource)
                .map_or(Some(*more), |(now, _)| now.checked_add(*more))
                .unwrap_or(*more);
            quota["status"]["used"][resource] = json!(print(used.get(resource).map(|u| u.1.as_str()), total));
        }
        if backend
            .update(key.as_bytes(), &encode(&quota, info)?, kv.mod_revision)
            .await?
            .is_ok()
        {
            return Ok(());
        }
    }
    Err(ApiError::Conflict {
        group_resource: info.into(),
        name: name.to_string(),
        detail: "the quota kept changing; try again".into(),
    })
}

/// A total printed in the format of the value it grew from (`1Gi` + `1Gi` → `2Gi`).
fn print(previous: Option<&str>, total: Quantity) -> String {
    let binary = previous.is_some_and(|p| p.ends_with('i'));
    if binary {
        let units = total.units();
        if total.milli() % 1000 == 0 && units != 0 {
            for (suffix, power) in [("Ei", 60), ("Pi", 50), ("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10)] {
                if units % (1i128 << power) == 0 {
                    return format!("{}{suffix}", units >> power);
                }
            }
        }
    }
    let text = total.to_string();
    quantity::canonical(&text).unwrap_or(text)
}

/// A resource list as quantities, with their text as written.
fn list(value: Option<&Value>) -> BTreeMap<String, (Quantity, String)> {
    value
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(name, q)| {
            let text = q.as_str()?;
            Some((
                name.clone(),
                (
                    Quantity::parse(text).ok()?,
                    quantity::canonical(text).unwrap_or(text.into()),
                ),
            ))
        })
        .collect()
}

/// The object-count name of a resource: `count/pods`, `count/deployments.apps`.
fn count_name(info: &ResourceInfo) -> String {
    match info.group {
        "" => format!("count/{}", info.resource),
        group => format!("count/{}.{group}", info.resource),
    }
}

/// Whether the quota resource `name` is one this kind's usage is measured in.
fn handles(info: &ResourceInfo, name: &str) -> bool {
    if name == count_name(info) {
        return true;
    }
    match (info.group, info.resource) {
        ("", "pods") => {
            name == "pods"
                || ["cpu", "memory", "ephemeral-storage"].contains(&name)
                || name.starts_with("requests.")
                || name.starts_with("limits.")
                || name.starts_with("hugepages-")
        }
        ("", "services") => ["services", "services.nodeports", "services.loadbalancers"].contains(&name),
        ("", "persistentvolumeclaims") => {
            ["persistentvolumeclaims", "requests.storage"].contains(&name)
                || name.ends_with(".storageclass.storage.k8s.io/requests.storage")
                || name.ends_with(".storageclass.storage.k8s.io/persistentvolumeclaims")
        }
        ("", resource @ ("configmaps" | "secrets" | "replicationcontrollers" | "resourcequotas")) => name == resource,
        _ => false,
    }
}

/// What one object counts for.
fn usage(info: &ResourceInfo, object: &Value) -> Usage {
    let one = Quantity::from_units(1);
    let mut usage = Usage::new();
    usage.insert(count_name(info), one);
    match (info.group, info.resource) {
        ("", "pods") => {
            let phase = myriad_api::pointer::get(object, "/status/phase").and_then(Value::as_str);
            if matches!(phase, Some("Succeeded" | "Failed")) {
                return Usage::new();
            }
            usage.insert("pods".into(), one);
            pod_compute(object, &mut usage);
        }
        ("", "services") => {
            usage.insert("services".into(), one);
            let kind = object
                .pointer("/spec/type")
                .and_then(Value::as_str)
                .unwrap_or("ClusterIP");
            let ports = object
                .pointer("/spec/ports")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            if kind == "LoadBalancer" {
                usage.insert("services.loadbalancers".into(), one);
            }
            if kind == "NodePort" || kind == "LoadBalancer" {
                usage.insert(
                    "services.nodeports".into(),
                    Quantity::from_units(i64::try_from(ports).unwrap_or(0)),
                );
            }
        }
        ("", "persistentvolumeclaims") => {
            usage.insert("persistentvolumeclaims".into(), one);
            let storage = object
                .pointer("/spec/resources/requests/storage")
                .and_then(Value::as_str)
                .and_then(|s| Quantity::parse(s).ok());
            let class = myriad_api::pointer::get(object, "/spec/storageClassName").and_then(Value::as_str);
            if let Some(class) = class {
                usage.insert(
                    format!("{class}.storageclass.storage.k8s.io/persistentvolumeclaims"),
                    one,
                );
            }
            if let Some(storage) = storage {
                usage.insert("requests.storage".into(), storage);
                if let Some(class) = class {
                    usage.insert(format!("{class}.storageclass.storage.k8s.io/requests.storage"), storage);
                }
            }
        }
        ("", resource @ ("configmaps" | "secrets" | "replicationcontrollers" | "resourcequotas")) => {
            usage.insert(resource.into(), one);
        }
        _ => {}
    }
    usage
}

/// A pod's requests and limits: containers summed, init containers at their peak,
/// plus the pod overhead.
fn pod_compute(pod: &Value, usage: &mut Usage) {
    let of = |container: &Value| {
        let mut one = Usage::new();
        for (field, prefix) in [("requests", "requests."), ("limits", "limits.")] {
            for (name, (value, _)) in list(myriad_api::pointer::get(container, &format!("/resources/{field}"))) {
                if field == "requests" && ["cpu", "memory", "ephemeral-storage"].contains(&name.as_str()) {
                    one.insert(name.clone(), value);
                }
                one.insert(format!("{prefix}{name}"), value);
            }
        }
        one
    };
    let mut total = Usage::new();
    for container in pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for (name, value) in of(container) {
            let entry = total.entry(name).or_insert(Quantity::from_units(0));
            *entry = entry.checked_add(value).unwrap_or(*entry);
        }
    }
    for container in pod
        .pointer("/spec/initContainers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for (name, value) in of(container) {
            let entry = total.entry(name).or_insert(value);
            if value > *entry {
                *entry = value;
            }
        }
    }
    for (name, (value, _)) in list(myriad_api::pointer::get(pod, "/spec/overhead")) {
        for key in [name.clone(), format!("requests.{name}"), format!("limits.{name}")] {
            if let Some(entry) = total.get_mut(&key) {
                *entry = entry.checked_add(value).unwrap_or(*entry);
            }
        }
    }
    usage.extend(total);
}

/// The containers that do not state a required resource, upstream's way:
/// `cpu for: a,b; memory for: a`.
fn unstated(pod: &Value, required: &BTreeSet<&str>) -> Option<String> {
    if required.is_empty() {
        return None;
    }
    let mut missing: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for field in ["containers", "initContainers"] {
        for container in pod
            .pointer(&format!("/spec/{field}"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = container.get("name").and_then(Value::as_str).unwrap_or("").to_string();
            let requests = list(myriad_api::pointer::get(container, "/resources/requests"));
            let limits = list(myriad_api::pointer::get(container, "/resources/limits"));
            for resource in required {
                let stated = match *resource {
                    "cpu" | "requests.cpu" => requests.contains_key("cpu"),
                    "memory" | "requests.memory" => requests.contains_key("memory"),
                    "limits.cpu" => limits.contains_key("cpu"),
                    "limits.memory" => limits.contains_key("memory"),
                    _ => true,
                };
                if !stated {
                    missing.entry(resource).or_default().insert(name.clone());
                }
            }
        }
    }
    (!missing.is_empty()).then(|| {
        missing
            .iter()
            .map(|(resource, names)| {
                format!(
                    "{resource} for: {}",
                    names.iter().cloned().collect::<Vec<_>>().join(",")
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    })
}

/// Whether `quota` covers `object`: quotas with scopes cover only pods in them.
fn covers(quota: &Value, info: &ResourceInfo, object: &Value) -> bool {
    let mut selectors: Vec<(String, String, Vec<String>)> = quota
        .pointer("/spec/scopes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|scope| (scope.to_string(), "Exists".to_string(), Vec::new()))
        .collect();
    for requirement in quota
        .pointer("/spec/scopeSelector/matchExpressions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let text = |k: &str| requirement.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let values = requirement
            .get("values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        selectors.push((text("scopeName"), text("operator"), values));
    }
    if selectors.is_empty() {
        return true;
    }
    if !(info.group.is_empty() && info.resource == "pods") {
        return false;
    }
    selectors
        .iter()
        .all(|(scope, operator, values)| scope_matches(object, scope, operator, values))
}

fn scope_matches(pod: &Value, scope: &str, operator: &str, values: &[String]) -> bool {
    let terminating = pod
        .pointer("/spec/activeDeadlineSeconds")
        .and_then(Value::as_i64)
        .is_some_and(|s| s >= 0);
    let best_effort = {
        let mut any = false;
        for field in ["containers", "initContainers"] {
            for container in pod
                .pointer(&format!("/spec/{field}"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                for part in ["requests", "limits"] {
                    any |= container
                        .pointer(&format!("/resources/{part}"))
                        .and_then(Value::as_object)
                        .is_some_and(|m| !m.is_empty());
                }
            }
        }
        !any
    };
    let exists = |truth: bool| match operator {
        "DoesNotExist" => !truth,
        _ => truth,
    };
    match scope {
        "Terminating" => exists(terminating),
        "NotTerminating" => exists(!terminating),
        "BestEffort" => exists(best_effort),
        "NotBestEffort" => exists(!best_effort),
        "PriorityClass" => {
            let class = pod
                .pointer("/spec/priorityClassName")
                .and_then(Value::as_str)
                .unwrap_or("");
            match operator {
                "In" => values.iter().any(|v| v == class),
                "NotIn" => !values.iter().any(|v| v == class),
                "Exists" => !class.is_empty(),
                "DoesNotExist" => class.is_empty(),
                _ => false,
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pods() -> &'static ResourceInfo {
        myriad_api::registry::lookup("", "v1", "pods").expect("pods are built in")
    }

    #[test]
    fn pods_count_their_containers_and_state_what_quotas_limit() {
        let pod = json!({"spec": {"containers": [
            {"name": "a", "resources": {"requests": {"cpu": "250m", "memory": "1Gi"}, "limits": {"cpu": "1"}}},
            {"name": "b", "resources": {"requests": {"cpu": "250m"}}},
        ], "initContainers": [{"name": "i", "resources": {"requests": {"cpu": "2"}}}]}});
        let usage = usage(pods(), &pod);
        assert_eq!(usage["pods"], Quantity::from_units(1));
        assert_eq!(usage["count/pods"], Quantity::from_units(1));
        assert_eq!(
            usage["requests.cpu"],
            Quantity::from_units(2),
            "init containers at their peak"
        );
        assert_eq!(usage["limits.cpu"], Quantity::from_units(1));
        let required: BTreeSet<&str> = ["requests.memory", "limits.cpu"].into_iter().collect();
        assert_eq!(
            unstated(&pod, &required).as_deref(),
            Some("limits.cpu for: b,i; requests.memory for: b,i")
        );
        assert_eq!(print(Some("1Gi"), Quantity::parse("2Gi").unwrap()), "2Gi");
        assert_eq!(print(Some("500m"), Quantity::parse("1500m").unwrap()), "1500m");
    }

    #[test]
    fn scoped_quotas_cover_only_the_pods_in_scope() {
        let quota = json!({"spec": {"scopes": ["BestEffort"]}});
        let best_effort = json!({"spec": {"containers": [{"name": "a"}]}});
        let burstable = json!({"spec": {"containers": [{"name": "a", "resources": {"requests": {"cpu": "1"}}}]}});
        assert!(covers(&quota, pods(), &best_effort));
        assert!(!covers(&quota, pods(), &burstable));
        let services = myriad_api::registry::lookup("", "v1", "services").expect("services are built in");
        assert!(!covers(&quota, services, &json!({})));
        let by_class = json!({"spec": {"scopeSelector": {"matchExpressions": [
            {"scopeName": "PriorityClass", "operator": "In", "values": ["high"]}]}}});
        assert!(covers(
            &by_class,
            pods(),
            &json!({"spec": {"priorityClassName": "high"}})
        ));
        assert!(!covers(&by_class, pods(), &json!({"spec": {}})));
    }
}
