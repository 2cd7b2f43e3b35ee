//! Pod defaults (`SetDefaults_Pod`, `SetDefaults_PodSpec`, `SetDefaults_Container`,
//! `SetDefaults_Probe`, `SetDefaults_Volume` and the volume sources of
//! `pkg/apis/core/v1/defaults.go`, plus the declarative port protocol and gRPC service).
//!
//! [`spec`] is what every pod template gets (PodTemplates, ReplicationControllers and the
//! apps and batch workloads); [`pod`] adds what upstream keeps to Pods themselves, so
//! that an apiserver upgrade does not change templates and roll workloads: requests
//! copied from limits, `enableServiceLinks`, host ports under host networking.
//! Since 1.33 `resizePolicy` is no longer defaulted; pod-level resources (alpha) and
//! image volumes (beta, off) are left out as their gates are off.

use serde_json::{Value, json};

use super::{child, fill, has, items, present, set, storage, text};

/// A Pod: the pod-only defaults, then its spec's.
pub(super) fn pod(pod: &mut Value) {
    let spec = child(pod, "spec");
    if !spec.is_object() {
        return;
    }
    for list in ["containers", "initContainers"] {
        for container in items(spec, list) {
            requests_from_limits(container);
        }
    }
    set(spec, "enableServiceLinks", json!(true));
    if spec.get("hostNetwork") == Some(&json!(true)) {
        for list in ["containers", "initContainers"] {
            for container in items(spec, list) {
                for port in items(container, "ports") {
                    let container_port = port.get("containerPort").cloned();
                    if let Some(number) = container_port.filter(|p| p.as_i64().is_some_and(|p| p != 0)) {
                        fill(port, "hostPort", number);
                    }
                }
            }
        }
    }
    self::spec(spec);
    if let Some(status) = pod.get_mut("status").filter(|s| s.is_object()) {
        pair_ips(status, "podIP", "podIPs");
        pair_ips(status, "hostIP", "hostIPs");
    }
}

/// `podIP` and `podIPs` (`hostIP`, `hostIPs`) kept in step, as upstream's v1 pod status
/// conversion does: a client that writes only the singular field gets the list (the
/// EndpointSlice controller reads the list), one that writes only the list gets the
/// singular field, and where they disagree the singular field wins.
fn pair_ips(status: &mut Value, single: &str, plural: &str) {
    let one = status.get(single).and_then(Value::as_str).unwrap_or("").to_string();
    let first = status
        .pointer(&format!("/{plural}/0/ip"))
        .and_then(Value::as_str)
        .map(str::to_string);
    match (one.is_empty(), first) {
        (false, Some(first)) if first == one => {}
        (false, _) => status[plural] = json!([{"ip": one}]),
        (true, Some(first)) => status[single] = json!(first),
        (true, None) => {}
    }
}

/// A pod template (`metadata` + `spec`): its spec's defaults.
pub(super) fn template(template: &mut Value) {
    if template.is_object() {
        spec(child(template, "spec"));
    }
}

/// Each resource limited but not requested is requested at its limit. Only for Pods:
/// a template keeps what its author wrote.
fn requests_from_limits(container: &mut Value) {
    let Some(limits) = container
        .pointer("/resources/limits")
        .and_then(Value::as_object)
        .filter(|limits| !limits.is_empty())
        .cloned()
    else {
        return;
    };
    let requests = child(child(container, "resources"), "requests");
    for (resource, quantity) in limits {
        set(requests, &resource, quantity);
    }
}

/// `SetDefaults_PodSpec` and everything inside a pod spec.
pub(super) fn spec(spec: &mut Value) {
    if !spec.is_object() {
        return;
    }
    fill(spec, "dnsPolicy", json!("ClusterFirst"));
    fill(spec, "restartPolicy", json!("Always"));
    set(spec, "securityContext", json!({}));
    set(spec, "terminationGracePeriodSeconds", json!(30));
    fill(spec, "schedulerName", json!("default-scheduler"));
    for volume in items(spec, "volumes") {
        self::volume(volume);
    }
    for list in ["initContainers", "containers", "ephemeralContainers"] {
        for container in items(spec, list) {
            self::container(container);
        }
    }
}

/// Every source a volume may name (`VolumeSource`'s fields).
const VOLUME_SOURCES: &[&str] = &[
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
    "ephemeral",
    "image",
];

fn volume(volume: &mut Value) {
    if !VOLUME_SOURCES.iter().any(|source| has(volume, source)) {
        volume["emptyDir"] = json!({});
    }
    storage::volume_sources(volume);
    for source in ["secret", "configMap", "downwardAPI", "projected"] {
        if let Some(source) = present(volume, source) {
            set(source, "defaultMode", json!(420));
        }
    }
    if let Some(downward) = present(volume, "downwardAPI") {
        downward_items(downward);
    }
    if let Some(projected) = present(volume, "projected") {
        for source in items(projected, "sources") {
            if let Some(downward) = present(source, "downwardAPI") {
                downward_items(downward);
            }
            if let Some(token) = present(source, "serviceAccountToken") {
                set(token, "expirationSeconds", json!(3600));
            }
        }
    }
    if let Some(claim) = volume
        .pointer_mut("/ephemeral/volumeClaimTemplate")
        .filter(|c| c.is_object())
    {
        storage::claim_spec(child(claim, "spec"));
    }
}

fn downward_items(downward: &mut Value) {
    for item in items(downward, "items") {
        field_selector(item);
    }
}

/// `SetDefaults_ObjectFieldSelector` on the `fieldRef` of `holder`.
fn field_selector(holder: &mut Value) {
    if let Some(selector) = present(holder, "fieldRef") {
        fill(selector, "apiVersion", json!("v1"));
    }
}

/// `SetDefaults_Container` (also for init and ephemeral containers) and what it holds.
fn container(container: &mut Value) {
    let policy = pull_policy(text(container, "image"));
    fill(container, "imagePullPolicy", json!(policy));
    fill(container, "terminationMessagePath", json!("/dev/termination-log"));
    fill(container, "terminationMessagePolicy", json!("File"));
    for port in items(container, "ports") {
        fill(port, "protocol", json!("TCP"));
    }
    for variable in items(container, "env") {
        if let Some(source) = present(variable, "valueFrom") {
            field_selector(source);
        }
    }
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(probe) = present(container, probe) {
            fill(probe, "timeoutSeconds", json!(1));
            fill(probe, "periodSeconds", json!(10));
            fill(probe, "successThreshold", json!(1));
            fill(probe, "failureThreshold", json!(3));
            http_get(probe);
            if let Some(grpc) = present(probe, "grpc") {
                set(grpc, "service", json!(""));
            }
        }
    }
    if let Some(lifecycle) = present(container, "lifecycle") {
        for hook in ["postStart", "preStop"] {
            if let Some(hook) = present(lifecycle, hook) {
                http_get(hook);
            }
        }
    }
}

/// `SetDefaults_HTTPGetAction` on the `httpGet` of a probe or lifecycle hook.
fn http_get(handler: &mut Value) {
    if let Some(http) = present(handler, "httpGet") {
        fill(http, "path", json!("/"));
        fill(http, "scheme", json!("HTTP"));
    }
}

/// Upstream's pull policy: `Always` when the image's tag is `latest` (an image with
/// neither tag nor digest counts as `latest`), else `IfNotPresent` — also for a
/// reference that does not parse, whose tag upstream reads as empty.
pub(super) fn pull_policy(image: &str) -> &'static str {
    if image_tag(image) == Some("latest") {
        "Always"
    } else {
        "IfNotPresent"
    }
}

/// The tag of an image reference as the docker reference parser reads it (`latest`
/// when neither tag nor digest is given); `None` for a reference it rejects.
fn image_tag(image: &str) -> Option<&str> {
    if image.is_empty() || image.chars().any(char::is_whitespace) {
        return None;
    }
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (image, None),
    };
    if digest.is_some_and(|d| !d.contains(':')) {
        return None;
    }
    let last_slash = name.rfind('/');
    let (repository, tag) = match name.rfind(':') {
        Some(colon) if last_slash.is_none_or(|slash| colon > slash) => (&name[..colon], Some(&name[colon + 1..])),
        _ => (name, None),
    };
    // A first component is a registry host when it has a dot, a port or is
    // `localhost` (or is not lower-case); the rest must be lower-case.
    let path = match repository.split_once('/') {
        Some((host, rest)) if host.contains(['.', ':']) || host == "localhost" || host.to_lowercase() != host => rest,
        _ => repository,
    };
    if path.is_empty() || path.to_lowercase() != path {
        return None;
    }
    match tag {
        Some("") => None,
        Some(tag) => Some(tag),
        None if digest.is_none() => Some("latest"),
        None => Some(""),
    }
}

#[cfg(test)]
mod ip_tests {
    use super::*;

    #[test]
    fn pod_ips_and_their_lists_stay_in_step() {
        let mut status = json!({"podIP": "10.0.0.1", "hostIP": "192.168.0.1", "hostIPs": [{"ip": "192.168.0.9"}]});
        pair_ips(&mut status, "podIP", "podIPs");
        pair_ips(&mut status, "hostIP", "hostIPs");
        assert_eq!(status["podIPs"], json!([{"ip": "10.0.0.1"}]));
        assert_eq!(
            status["hostIPs"],
            json!([{"ip": "192.168.0.1"}]),
            "the singular field wins"
        );
        let mut listed = json!({"podIPs": [{"ip": "fd00::1"}, {"ip": "10.0.0.2"}]});
        pair_ips(&mut listed, "podIP", "podIPs");
        assert_eq!(listed["podIP"], "fd00::1");
        assert_eq!(listed["podIPs"].as_array().map(Vec::len), Some(2));
    }
}

#[cfg(test)]
mod tests {
    use super::super::apply;
    use super::*;

    fn defaulted(kind: &str, mut object: Value) -> Value {
        apply("", kind, &mut object);
        object
    }

    #[test]
    fn pod_spec_and_container_defaults() {
        let pod = defaulted(
            "Pod",
            json!({"spec": {"containers": [{"name": "a", "image": "nginx", "ports": [{"containerPort": 80}]}]}}),
        );
        let spec = &pod["spec"];
        for (field, want) in [
            ("dnsPolicy", json!("ClusterFirst")),
            ("restartPolicy", json!("Always")),
            ("securityContext", json!({})),
            ("terminationGracePeriodSeconds", json!(30)),
            ("schedulerName", json!("default-scheduler")),
            ("enableServiceLinks", json!(true)),
        ] {
            assert_eq!(spec[field], want, "{field}");
        }
        let container = &spec["containers"][0];
        for (field, want) in [
            ("imagePullPolicy", json!("Always")),
            ("terminationMessagePath", json!("/dev/termination-log")),
            ("terminationMessagePolicy", json!("File")),
            ("ports", json!([{"containerPort": 80, "protocol": "TCP"}])),
        ] {
            assert_eq!(container[field], want, "{field}");
        }
        // Defaults do not write the status: the Pod strategy sets it on create.
        assert_eq!(pod.get("status"), None);
    }

    #[test]
    fn pull_policies_follow_the_tag() {
        for (image, want) in [
            ("nginx", "Always"),
            ("nginx:latest", "Always"),
            ("registry:5000/app", "Always"),
            ("registry:5000/app:1.2", "IfNotPresent"),
            ("app@sha256:abc", "IfNotPresent"),
            ("app:latest@sha256:abc", "Always"),
            ("Upper/Case", "IfNotPresent"),
            ("", "IfNotPresent"),
            ("busybox:1.36", "IfNotPresent"),
            ("localhost/app", "Always"),
        ] {
            assert_eq!(pull_policy(image), want, "{image}");
        }
    }

    #[test]
    fn explicit_values_win_but_go_zero_values_are_defaulted() {
        let pod = defaulted(
            "Pod",
            json!({"spec": {"restartPolicy": "Never", "dnsPolicy": "", "terminationGracePeriodSeconds": 0,
                "enableServiceLinks": false,
                "containers": [{"name": "a", "image": "x:1", "imagePullPolicy": "Always"}]}}),
        );
        assert_eq!(pod["spec"]["restartPolicy"], "Never");
        assert_eq!(pod["spec"]["dnsPolicy"], "ClusterFirst");
        assert_eq!(pod["spec"]["terminationGracePeriodSeconds"], 0);
        assert_eq!(pod["spec"]["enableServiceLinks"], false);
        assert_eq!(pod["spec"]["containers"][0]["imagePullPolicy"], "Always");
    }

    #[test]
    fn probes_and_lifecycle_hooks() {
        let pod = defaulted(
            "Pod",
            json!({"spec": {"containers": [{"name": "a", "image": "x:1",
                "livenessProbe": {"httpGet": {"port": 80}},
                "readinessProbe": {"grpc": {"port": 9000}, "periodSeconds": 5},
                "startupProbe": {"tcpSocket": {"port": 80}, "failureThreshold": 30},
                "lifecycle": {"postStart": {"httpGet": {"port": 8080, "path": "/hook"}},
                              "preStop": {"exec": {"command": ["true"]}}}}]}}),
        );
        let c = &pod["spec"]["containers"][0];
        for (pointer, want) in [
            (
                "/livenessProbe",
                json!({"httpGet": {"port": 80, "path": "/", "scheme": "HTTP"},
                "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}),
            ),
            (
                "/readinessProbe",
                json!({"grpc": {"port": 9000, "service": ""},
                "timeoutSeconds": 1, "periodSeconds": 5, "successThreshold": 1, "failureThreshold": 3}),
            ),
            ("/startupProbe/failureThreshold", json!(30)),
            ("/startupProbe/timeoutSeconds", json!(1)),
            (
                "/lifecycle/postStart/httpGet",
                json!({"port": 8080, "path": "/hook", "scheme": "HTTP"}),
            ),
            ("/lifecycle/preStop", json!({"exec": {"command": ["true"]}})),
        ] {
            assert_eq!(crate::pointer::get(c, pointer), Some(&want), "{pointer}");
        }
    }

    #[test]
    fn volumes_and_field_references() {
        let pod = defaulted(
            "Pod",
            json!({"spec": {"containers": [{"name": "a", "image": "x:1",
                "env": [{"name": "N", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                        {"name": "V", "value": "v"}]}],
                "volumes": [
                    {"name": "scratch"},
                    {"name": "host", "hostPath": {"path": "/data"}},
                    {"name": "cm", "configMap": {"name": "c", "defaultMode": 256}},
                    {"name": "secret", "secret": {"secretName": "s"}},
                    {"name": "down", "downwardAPI": {"items": [{"path": "n", "fieldRef": {"fieldPath": "metadata.name"}}]}},
                    {"name": "proj", "projected": {"sources": [
                        {"serviceAccountToken": {"path": "token"}},
                        {"downwardAPI": {"items": [{"path": "l", "fieldRef": {"fieldPath": "metadata.labels", "apiVersion": "v1"}}]}}]}},
                    {"name": "eph", "ephemeral": {"volumeClaimTemplate": {"spec": {"accessModes": ["ReadWriteOnce"]}}}},
                    {"name": "disk", "azureDisk": {"diskName": "d", "diskURI": "u"}},
                    {"name": "iscsi", "iscsi": {"targetPortal": "t", "iqn": "i", "lun": 0}}]}}),
        );
        let spec = &pod["spec"];
        for (pointer, want) in [
            (
                "/containers/0/env/0/valueFrom/fieldRef",
                json!({"fieldPath": "metadata.name", "apiVersion": "v1"}),
            ),
            ("/containers/0/env/1", json!({"name": "V", "value": "v"})),
            ("/volumes/0", json!({"name": "scratch", "emptyDir": {}})),
            ("/volumes/1/hostPath", json!({"path": "/data", "type": ""})),
            ("/volumes/2/configMap/defaultMode", json!(256)),
            ("/volumes/3/secret/defaultMode", json!(420)),
            ("/volumes/4/downwardAPI/defaultMode", json!(420)),
            ("/volumes/4/downwardAPI/items/0/fieldRef/apiVersion", json!("v1")),
            ("/volumes/5/projected/defaultMode", json!(420)),
            (
                "/volumes/5/projected/sources/0/serviceAccountToken/expirationSeconds",
                json!(3600),
            ),
            (
                "/volumes/5/projected/sources/1/downwardAPI/items/0/fieldRef/apiVersion",
                json!("v1"),
            ),
            (
                "/volumes/6/ephemeral/volumeClaimTemplate/spec/volumeMode",
                json!("Filesystem"),
            ),
            (
                "/volumes/7/azureDisk",
                json!({"diskName": "d", "diskURI": "u", "cachingMode": "ReadWrite",
                "kind": "Shared", "fsType": "ext4", "readOnly": false}),
            ),
            ("/volumes/8/iscsi/iscsiInterface", json!("default")),
        ] {
            assert_eq!(crate::pointer::get(spec, pointer), Some(&want), "{pointer}");
        }
        assert_eq!(crate::pointer::get(spec, "/volumes/6/emptyDir"), None);
    }

    #[test]
    fn pod_only_defaults_stay_out_of_templates() {
        let containers = json!([
            {"name": "a", "image": "x:1", "ports": [{"containerPort": 8080}, {"containerPort": 9090, "hostPort": 1}],
             "resources": {"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "500m"}}},
        ]);
        let init = json!([{"name": "i", "image": "x:1", "resources": {"limits": {"memory": "1Gi"}}}]);
        let pod = defaulted(
            "Pod",
            json!({"spec": {"hostNetwork": true, "containers": containers, "initContainers": init}}),
        );
        let spec = &pod["spec"];
        for (pointer, want) in [
            (
                "/containers/0/resources/requests",
                json!({"cpu": "500m", "memory": "1Gi"}),
            ),
            ("/initContainers/0/resources/requests", json!({"memory": "1Gi"})),
            ("/containers/0/ports/0/hostPort", json!(8080)),
            ("/containers/0/ports/1/hostPort", json!(1)),
            ("/enableServiceLinks", json!(true)),
        ] {
            assert_eq!(crate::pointer::get(spec, pointer), Some(&want), "{pointer}");
        }
        let template = defaulted(
            "PodTemplate",
            json!({"template": {"spec": {"hostNetwork": true, "containers": containers, "initContainers": init}}}),
        );
        let spec = &template["template"]["spec"];
        assert_eq!(
            crate::pointer::get(spec, "/containers/0/resources/requests"),
            Some(&json!({"cpu": "500m"}))
        );
        assert_eq!(crate::pointer::get(spec, "/initContainers/0/resources/requests"), None);
        assert_eq!(crate::pointer::get(spec, "/containers/0/ports/0/hostPort"), None);
        assert_eq!(spec.get("enableServiceLinks"), None);
        assert_eq!(spec["restartPolicy"], "Always");
        assert_eq!(
            crate::pointer::get(spec, "/containers/0/ports/0/protocol"),
            Some(&json!("TCP"))
        );
    }

    #[test]
    fn ephemeral_containers_get_container_defaults() {
        let pod = defaulted(
            "Pod",
            json!({"spec": {"containers": [{"name": "a", "image": "x:1"}],
                "ephemeralContainers": [{"name": "debug", "image": "busybox",
                    "resources": {"limits": {"cpu": "1"}}}]}}),
        );
        let debug = &pod["spec"]["ephemeralContainers"][0];
        assert_eq!(debug["imagePullPolicy"], "Always");
        assert_eq!(debug["terminationMessagePolicy"], "File");
        assert_eq!(crate::pointer::get(debug, "/resources/requests"), None);
    }
}
