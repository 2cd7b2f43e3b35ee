//! Defaults the server fills in for built-in kinds, as upstream's `SetDefaults_*`
//! functions (`pkg/apis/core/v1/defaults.go`, `pkg/apis/apps/v1/defaults.go`, …) do on
//! every create and update: clients read back `restartPolicy: Always` and
//! `imagePullPolicy: IfNotPresent` though they never sent them.
//!
//! Left to later issues: values that need cluster state (a Service's clusterIP and IP
//! families, a Pod's priority from its PriorityClass, default tolerations).

use serde_json::{Map, Value, json};

/// Applies the defaults of `group`/`kind` to `object` in place.
pub fn apply(group: &str, kind: &str, object: &mut Value) {
    match (group, kind) {
        ("", "Pod") => {
            if let Some(spec) = object.get_mut("spec") {
                pod_spec(spec);
            }
            let qos = qos_class(object);
            let status = child(object, "status");
            set(status, "phase", json!("Pending"));
            set(status, "qosClass", json!(qos));
        }
        ("", "Secret") => set(object, "type", json!("Opaque")),
        ("", "Service") => service(object),
        ("", "Endpoints") => {
            for subset in items(object, "subsets") {
                for port in items(subset, "ports") {
                    set(port, "protocol", json!("TCP"));
                }
            }
        }
        ("apps", "Deployment") => deployment(object),
        ("apps", "ReplicaSet") => {
            let spec = child(object, "spec");
            set(spec, "replicas", json!(1));
            template(spec);
        }
        ("apps", "DaemonSet") => daemon_set(object),
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding") => {
            // A ServiceAccount's group is "", which Go leaves out of JSON anyway.
            for subject in items(object, "subjects") {
                if matches!(subject.get("kind").and_then(Value::as_str), Some("User" | "Group")) {
                    set(subject, "apiGroup", json!("rbac.authorization.k8s.io"));
                }
            }
        }
        _ => {}
    }
}

/// Sets `field` unless the object already has a non-null value there.
fn set(object: &mut Value, field: &str, value: Value) {
    if let Some(map) = object.as_object_mut() {
        match map.get(field) {
            Some(existing) if !existing.is_null() => {}
            _ => {
                map.insert(field.to_string(), value);
            }
        }
    }
}

/// The object at `field`, created empty if absent or null. A non-object `object` is
/// returned as it is, so setting defaults on it does nothing (validation reports it).
fn child<'a>(object: &'a mut Value, field: &str) -> &'a mut Value {
    match object {
        Value::Object(map) => {
            let entry = map.entry(field).or_insert(Value::Null);
            if entry.is_null() {
                *entry = Value::Object(Map::new());
            }
            entry
        }
        other => other,
    }
}

/// The elements of the array at `field` (none if it is missing or not an array).
fn items<'a>(object: &'a mut Value, field: &str) -> impl Iterator<Item = &'a mut Value> {
    object
        .get_mut(field)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter(|item| item.is_object())
}

fn pod_spec(spec: &mut Value) {
    if !spec.is_object() {
        return;
    }
    set(spec, "dnsPolicy", json!("ClusterFirst"));
    set(spec, "restartPolicy", json!("Always"));
    set(spec, "terminationGracePeriodSeconds", json!(30));
    set(spec, "securityContext", json!({}));
    set(spec, "schedulerName", json!("default-scheduler"));
    set(spec, "enableServiceLinks", json!(true));
    for field in ["initContainers", "containers", "ephemeralContainers"] {
        for container in items(spec, field) {
            self::container(container);
        }
    }
    for volume in items(spec, "volumes") {
        for source in ["configMap", "secret", "projected", "downwardAPI"] {
            if let Some(source) = volume.get_mut(source).filter(|s| s.is_object()) {
                set(source, "defaultMode", json!(420));
            }
        }
    }
}

fn container(container: &mut Value) {
    set(container, "terminationMessagePath", json!("/dev/termination-log"));
    set(container, "terminationMessagePolicy", json!("File"));
    let image = container.get("image").and_then(Value::as_str).unwrap_or("");
    set(container, "imagePullPolicy", json!(pull_policy(image)));
    for port in items(container, "ports") {
        set(port, "protocol", json!("TCP"));
    }
    // Requests default to limits, resource by resource.
    if let Some(limits) = container
        .pointer("/resources/limits")
        .and_then(Value::as_object)
        .cloned()
    {
        let requests = child(child(container, "resources"), "requests");
        for (resource, quantity) in limits {
            set(requests, &resource, quantity);
        }
    }
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(probe) = container.get_mut(probe).filter(|p| p.is_object()) {
            set(probe, "timeoutSeconds", json!(1));
            set(probe, "periodSeconds", json!(10));
            set(probe, "successThreshold", json!(1));
            set(probe, "failureThreshold", json!(3));
            if let Some(http) = probe.get_mut("httpGet").filter(|h| h.is_object()) {
                set(http, "scheme", json!("HTTP"));
                set(http, "path", json!("/"));
            }
        }
    }
}

/// `Always` for `:latest` or untagged images, `IfNotPresent` for a tag or digest.
fn pull_policy(image: &str) -> &'static str {
    if image.contains('@') {
        return "IfNotPresent";
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        Some((_, "latest")) | None => "Always",
        Some(_) => "IfNotPresent",
    }
}

/// Upstream's QoS class: Guaranteed when every container limits cpu and memory and
/// requests exactly that; BestEffort with no requests or limits at all; else Burstable.
/// Quantities are compared as written (`500m` and `0.5` count as different).
fn qos_class(pod: &Value) -> &'static str {
    let containers: Vec<&Value> = ["initContainers", "containers"]
        .iter()
        .filter_map(|f| pod.pointer(&format!("/spec/{f}")).and_then(Value::as_array))
        .flatten()
        .collect();
    let set_of = |c: &Value, which: &str| {
        c.pointer(&format!("/resources/{which}"))
            .and_then(Value::as_object)
            .cloned()
    };
    let any = containers.iter().any(|c| {
        set_of(c, "requests").is_some_and(|m| !m.is_empty()) || set_of(c, "limits").is_some_and(|m| !m.is_empty())
    });
    if !any {
        return "BestEffort";
    }
    let guaranteed = !containers.is_empty()
        && containers.iter().all(|c| {
            let (limits, requests) = (
                set_of(c, "limits").unwrap_or_default(),
                set_of(c, "requests").unwrap_or_default(),
            );
            ["cpu", "memory"].iter().all(|r| limits.contains_key(*r))
                && requests.iter().all(|(r, q)| limits.get(r) == Some(q))
        });
    if guaranteed { "Guaranteed" } else { "Burstable" }
}

/// The pod template under a workload's `spec.template`.
fn template(spec: &mut Value) {
    if let Some(pod_spec) = spec.pointer_mut("/template/spec") {
        self::pod_spec(pod_spec);
    }
}

fn deployment(object: &mut Value) {
    let spec = child(object, "spec");
    set(spec, "replicas", json!(1));
    set(spec, "revisionHistoryLimit", json!(10));
    set(spec, "progressDeadlineSeconds", json!(600));
    let strategy = child(spec, "strategy");
    set(strategy, "type", json!("RollingUpdate"));
    if strategy.get("type").and_then(Value::as_str) == Some("RollingUpdate") {
        let rolling = child(strategy, "rollingUpdate");
        set(rolling, "maxUnavailable", json!("25%"));
        set(rolling, "maxSurge", json!("25%"));
    }
    template(spec);
}

fn daemon_set(object: &mut Value) {
    let spec = child(object, "spec");
    set(spec, "revisionHistoryLimit", json!(10));
    let strategy = child(spec, "updateStrategy");
    set(strategy, "type", json!("RollingUpdate"));
    if strategy.get("type").and_then(Value::as_str) == Some("RollingUpdate") {
        let rolling = child(strategy, "rollingUpdate");
        set(rolling, "maxUnavailable", json!(1));
        set(rolling, "maxSurge", json!(0));
    }
    template(spec);
}

fn service(object: &mut Value) {
    let spec = child(object, "spec");
    set(spec, "type", json!("ClusterIP"));
    set(spec, "sessionAffinity", json!("None"));
    let kind = spec.get("type").and_then(Value::as_str).unwrap_or("").to_string();
    if kind != "ExternalName" {
        set(spec, "internalTrafficPolicy", json!("Cluster"));
    }
    if kind == "NodePort" || kind == "LoadBalancer" {
        set(spec, "externalTrafficPolicy", json!("Cluster"));
    }
    if spec.get("sessionAffinity").and_then(Value::as_str) == Some("ClientIP") {
        let config = child(child(spec, "sessionAffinityConfig"), "clientIP");
        set(config, "timeoutSeconds", json!(10800));
    }
    for port in items(spec, "ports") {
        set(port, "protocol", json!("TCP"));
        let target_unset = matches!(port.get("targetPort"), None | Some(Value::Null))
            || port.get("targetPort") == Some(&json!(0))
            || port.get("targetPort") == Some(&json!(""));
        if target_unset && let Some(number) = port.get("port").cloned() {
            port["targetPort"] = number;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pods_get_upstream_defaults() {
        let mut pod = json!({"spec": {"containers": [
            {"name": "a", "image": "nginx", "ports": [{"containerPort": 80}],
             "resources": {"limits": {"cpu": "1", "memory": "1Gi"}},
             "readinessProbe": {"httpGet": {"port": 80}}},
            {"name": "b", "image": "registry:5000/app:1.2", "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}},
        ], "volumes": [{"name": "v", "configMap": {"name": "c"}}]}});
        apply("", "Pod", &mut pod);
        let spec = &pod["spec"];
        assert_eq!(spec["restartPolicy"], "Always");
        assert_eq!(spec["dnsPolicy"], "ClusterFirst");
        assert_eq!(spec["terminationGracePeriodSeconds"], 30);
        assert_eq!(spec["schedulerName"], "default-scheduler");
        assert_eq!(spec["containers"][0]["imagePullPolicy"], "Always");
        assert_eq!(spec["containers"][1]["imagePullPolicy"], "IfNotPresent");
        assert_eq!(spec["containers"][0]["ports"][0]["protocol"], "TCP");
        assert_eq!(
            spec["containers"][0]["resources"]["requests"],
            json!({"cpu": "1", "memory": "1Gi"})
        );
        assert_eq!(spec["containers"][0]["readinessProbe"]["httpGet"]["scheme"], "HTTP");
        assert_eq!(spec["containers"][0]["readinessProbe"]["periodSeconds"], 10);
        assert_eq!(spec["volumes"][0]["configMap"]["defaultMode"], 420);
        assert_eq!(pod["status"], json!({"phase": "Pending", "qosClass": "Guaranteed"}));
    }

    #[test]
    fn explicit_values_win_and_qos_classes() {
        let mut pod = json!({"spec": {"restartPolicy": "Never", "terminationGracePeriodSeconds": 0,
            "containers": [{"name": "a", "image": "app@sha256:abc", "resources": {"requests": {"cpu": "1"}}}]}});
        apply("", "Pod", &mut pod);
        assert_eq!(pod["spec"]["restartPolicy"], "Never");
        assert_eq!(pod["spec"]["terminationGracePeriodSeconds"], 0);
        assert_eq!(pod["spec"]["containers"][0]["imagePullPolicy"], "IfNotPresent");
        assert_eq!(pod["status"]["qosClass"], "Burstable");
        let mut bare = json!({"spec": {"containers": [{"name": "a", "image": "busybox:latest"}]}});
        apply("", "Pod", &mut bare);
        assert_eq!(bare["status"]["qosClass"], "BestEffort");
        assert_eq!(bare["spec"]["containers"][0]["imagePullPolicy"], "Always");
    }

    #[test]
    fn workloads_services_secrets_and_bindings() {
        let mut deploy =
            json!({"spec": {"replicas": 0, "template": {"spec": {"containers": [{"name": "a", "image": "x:1"}]}}}});
        apply("apps", "Deployment", &mut deploy);
        assert_eq!(deploy["spec"]["replicas"], 0);
        assert_eq!(deploy["spec"]["revisionHistoryLimit"], 10);
        assert_eq!(deploy["spec"]["progressDeadlineSeconds"], 600);
        assert_eq!(
            deploy["spec"]["strategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}})
        );
        assert_eq!(deploy["spec"]["template"]["spec"]["restartPolicy"], "Always");
        let mut recreate = json!({"spec": {"strategy": {"type": "Recreate"}}});
        apply("apps", "Deployment", &mut recreate);
        assert_eq!(recreate["spec"]["strategy"], json!({"type": "Recreate"}));

        let mut svc = json!({"spec": {"ports": [{"port": 80}, {"port": 443, "targetPort": "https"}]}});
        apply("", "Service", &mut svc);
        assert_eq!(svc["spec"]["type"], "ClusterIP");
        assert_eq!(svc["spec"]["sessionAffinity"], "None");
        assert_eq!(
            svc["spec"]["ports"][0],
            json!({"port": 80, "targetPort": 80, "protocol": "TCP"})
        );
        assert_eq!(svc["spec"]["ports"][1]["targetPort"], "https");

        let mut secret = json!({"data": {}});
        apply("", "Secret", &mut secret);
        assert_eq!(secret["type"], "Opaque");

        let mut binding =
            json!({"subjects": [{"kind": "User", "name": "bob"}, {"kind": "ServiceAccount", "name": "sa"}]});
        apply("rbac.authorization.k8s.io", "RoleBinding", &mut binding);
        assert_eq!(binding["subjects"][0]["apiGroup"], "rbac.authorization.k8s.io");
        assert_eq!(binding["subjects"][1].get("apiGroup"), None);

        let mut ds = json!({"spec": {}});
        apply("apps", "DaemonSet", &mut ds);
        assert_eq!(
            ds["spec"]["updateStrategy"]["rollingUpdate"],
            json!({"maxUnavailable": 1, "maxSurge": 0})
        );
    }
}
