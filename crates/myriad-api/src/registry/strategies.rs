//! Each built-in kind's write rules ([`Strategy`]), named after the kind, and the few
//! rules that are code: a Pod's initial status and QoS class, a Namespace's
//! `kubernetes` finalizer, a Job's generated selector, a CertificateSigningRequest's
//! requester and condition timestamps, a Service's fields that stop applying when its
//! type changes, a ServiceAccount's secret references. Read from upstream's
//! `pkg/registry/<group>/<resource>/strategy.go`; `builtin.rs` names one per resource.

use serde_json::{Map, Value, json};

use super::strategy::{ALL_METADATA, Generation, Part, Propagation, RESET_METADATA_FOR_STATUS, Requester, Strategy};
use crate::quantity::Quantity;

/// Kinds a PUT may create (upstream's `AllowCreateOnUpdate`): Endpoints, Events,
/// LimitRanges, Leases, RBAC objects, RuntimeClasses.
pub const PLAIN_PUT_CREATES: Strategy = Strategy {
    allow_create_on_update: true,
    ..Strategy::PLAIN
};

/// A kind without status whose generation follows its spec (NetworkPolicy,
/// IngressClass, ValidatingAdmissionPolicyBinding).
pub const SPEC_GENERATION: Strategy = Strategy {
    generation: Generation::Spec,
    ..Strategy::PLAIN
};

/// A kind without status whose generation follows everything but its metadata
/// (webhook configurations, PodTemplates).
pub const CONTENT_GENERATION: Strategy = Strategy {
    generation: Generation::AllButMetadataAndStatus,
    ..Strategy::PLAIN
};

/// A kind with a status subresource but no generation (Services' siblings: PVCs,
/// ResourceQuotas, HPAs, ServiceCIDRs, APIServices' shape).
pub const STATUS_WITHOUT_GENERATION: Strategy = Strategy {
    generation: Generation::None,
    ..Strategy::SPEC_AND_STATUS
};

pub const DEPLOYMENT: Strategy = Strategy {
    generation: Generation::SpecOrAnnotations,
    status_resets_metadata: &["/metadata/labels"],
    ..Strategy::SPEC_AND_STATUS
};

pub const JOB: Strategy = Strategy {
    default_propagation: Propagation::Orphan,
    on_create: Some(job_selector),
    ..Strategy::SPEC_AND_STATUS
};

pub const REPLICATION_CONTROLLER: Strategy = Strategy {
    default_propagation: Propagation::Orphan,
    ..Strategy::SPEC_AND_STATUS
};

pub const POD: Strategy = Strategy {
    status_resets_metadata: &["/metadata/ownerReferences"],
    on_create: Some(pod_status),
    on_status: Some(pod_qos_class_kept),
    ..Strategy::SPEC_AND_STATUS
};

pub const NODE: Strategy = Strategy {
    clear_status_on_create: false,
    generation: Generation::None,
    ..Strategy::SPEC_AND_STATUS
};

pub const NAMESPACE: Strategy = Strategy {
    generation: Generation::None,
    update_keeps: &["/status", "/spec/finalizers"],
    on_create: Some(namespace_active),
    ..Strategy::SPEC_AND_STATUS
};

pub const PERSISTENT_VOLUME: Strategy = Strategy {
    on_create: Some(volume_pending),
    on_update: Some(|_, volume, old, _| drop_unless_used(volume, Some(old), ATTRIBUTES_CLASS_SPEC)),
    on_status: Some(volume_phase_transition),
    ..STATUS_WITHOUT_GENERATION
};

/// PVCs: fields of the VolumeAttributesClass feature (off in 1.33) are dropped unless
/// the stored claim already uses them.
pub const PERSISTENT_VOLUME_CLAIM: Strategy = Strategy {
    on_create: Some(|claim, _, _| drop_unless_used(claim, None, ATTRIBUTES_CLASS_SPEC)),
    on_update: Some(|_, claim, old, _| drop_unless_used(claim, Some(old), ATTRIBUTES_CLASS_SPEC)),
    on_status: Some(|_, claim, old, _| drop_unless_used(claim, Some(old), ATTRIBUTES_CLASS_STATUS)),
    ..STATUS_WITHOUT_GENERATION
};

/// What the VolumeAttributesClass gate guards in a PV's or PVC's spec, and in a PVC's
/// status.
const ATTRIBUTES_CLASS_SPEC: &[&str] = &["/spec/volumeAttributesClassName"];
const ATTRIBUTES_CLASS_STATUS: &[&str] = &["/status/currentVolumeAttributesClassName", "/status/modifyVolumeStatus"];

pub const SERVICE: Strategy = Strategy {
    allow_create_on_update: true,
    on_create: Some(|service, _, _| load_balancer_status(service)),
    on_update: Some(|part, service, old, now| {
        service_type_change(part, service, old, now);
        load_balancer_status(service);
    }),
    on_status: Some(|_, service, _, _| load_balancer_status(service)),
    ..STATUS_WITHOUT_GENERATION
};

/// Ingresses: like Services, their status always holds a `loadBalancer`.
pub const INGRESS: Strategy = Strategy {
    on_create: Some(|ingress, _, _| load_balancer_status(ingress)),
    on_update: Some(|_, ingress, _, _| load_balancer_status(ingress)),
    on_status: Some(|_, ingress, _, _| load_balancer_status(ingress)),
    ..Strategy::SPEC_AND_STATUS
};

pub const SERVICE_ACCOUNT: Strategy = Strategy {
    on_create: Some(|account, _, _| clean_secret_references(account)),
    on_update: Some(|_, account, _, _| clean_secret_references(account)),
    ..Strategy::PLAIN
};

pub const CERTIFICATE_SIGNING_REQUEST: Strategy = Strategy {
    generation: Generation::None,
    update_keeps: &["/spec", "/status"],
    on_create: Some(csr_requester),
    on_status: Some(csr_conditions),
    ..Strategy::SPEC_AND_STATUS
};

/// Newer kinds whose status strategy resets the metadata as `ResetObjectMetaForStatus`
/// (VolumeAttachments, ValidatingAdmissionPolicies).
pub const STATUS_RESETS_METADATA: Strategy = Strategy {
    status_resets_metadata: RESET_METADATA_FOR_STATUS,
    ..Strategy::SPEC_AND_STATUS
};

pub const VOLUME_ATTACHMENT: Strategy = Strategy {
    generation: Generation::None,
    ..STATUS_RESETS_METADATA
};

/// ServiceCIDRs: status written by the apiserver's controller, metadata reset as newer
/// kinds do.
pub const SERVICE_CIDR: Strategy = VOLUME_ATTACHMENT;

pub const CUSTOM_RESOURCE_DEFINITION: Strategy = Strategy {
    status_resets_metadata: &["/metadata/labels", "/metadata/annotations", "/metadata/ownerReferences"],
    ..Strategy::SPEC_AND_STATUS
};

pub const API_SERVICE: Strategy = Strategy {
    generation: Generation::None,
    ..STATUS_RESETS_METADATA
};

/// FlowSchemas and PriorityLevelConfigurations: a status write changes the status only.
pub const FLOW_CONTROL: Strategy = Strategy {
    status_resets_metadata: ALL_METADATA,
    ..Strategy::SPEC_AND_STATUS
};

pub const PRIORITY_CLASS: Strategy = Strategy {
    generation: Generation::Fixed,
    ..Strategy::PLAIN
};

pub const ENDPOINT_SLICE: Strategy = Strategy {
    generation: Generation::AllButMetadataOrLabels,
    ..Strategy::PLAIN
};

/// A new Pod's status: `Pending`, its QoS class, and `PodScheduled=False` while
/// scheduling gates hold it.
fn pod_status(pod: &mut Value, _: &Requester<'_>, _: &str) {
    let qos = qos_class(pod.get("spec").unwrap_or(&Value::Null));
    let mut status = json!({"phase": "Pending", "qosClass": qos});
    let gated = pod
        .pointer("/spec/schedulingGates")
        .and_then(Value::as_array)
        .is_some_and(|gates| !gates.is_empty());
    if gated {
        status["conditions"] = json!([{
            "type": "PodScheduled",
            "status": "False",
            "reason": "SchedulingGated",
            "message": "Scheduling is blocked due to non-empty scheduling gates",
            "lastProbeTime": null,
            "lastTransitionTime": null,
        }]);
    }
    pod["status"] = status;
}

/// A status write without a QoS class keeps the stored one (the class follows from the
/// spec, which a status write cannot change).
fn pod_qos_class_kept(_: Part, pod: &mut Value, old: &Value, _: &str) {
    let empty = pod
        .pointer("/status/qosClass")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty);
    if empty && let Some(class) = crate::pointer::get(old, "/status/qosClass") {
        if !pod["status"].is_object() {
            pod["status"] = json!({});
        }
        pod["status"]["qosClass"] = class.clone();
    }
}

/// A Pod's quality-of-service class, from its containers' cpu and memory requests and
/// limits: `BestEffort` without any, `Guaranteed` when every container limits both and
/// requests what it limits, else `Burstable`.
pub fn qos_class(spec: &Value) -> &'static str {
    const TRACKED: [&str; 2] = ["cpu", "memory"];
    let mut requests = [Quantity::ZERO; 2];
    let mut limits = [Quantity::ZERO; 2];
    let (mut any_request, mut any_limit) = ([false; 2], [false; 2]);
    let mut guaranteed = true;
    let containers = ["initContainers", "containers"]
        .iter()
        .filter_map(|list| spec.get(*list).and_then(Value::as_array))
        .flatten();
    for container in containers {
        let quantities = |field: &str, name: &str| {
            container
                .pointer(&format!("/resources/{field}/{name}"))
                .and_then(Value::as_str)
                .and_then(|q| Quantity::parse(q).ok())
                .filter(|q| !q.is_zero())
        };
        let mut limited = 0;
        for (i, name) in TRACKED.iter().enumerate() {
            if let Some(q) = quantities("requests", name) {
                requests[i] = requests[i].checked_add(q).unwrap_or(requests[i]);
                any_request[i] = true;
            }
            if let Some(q) = quantities("limits", name) {
                limits[i] = limits[i].checked_add(q).unwrap_or(limits[i]);
                any_limit[i] = true;
                limited += 1;
            }
        }
        if limited < TRACKED.len() {
            guaranteed = false;
        }
    }
    if !any_request.iter().any(|x| *x) && !any_limit.iter().any(|x| *x) {
        return "BestEffort";
    }
    let same = (0..TRACKED.len()).all(|i| any_request[i] == any_limit[i] && requests[i] == limits[i]);
    if guaranteed && same { "Guaranteed" } else { "Burstable" }
}

/// A new Namespace is `Active` and carries the `kubernetes` finalizer, which the
/// namespace controller removes once the namespace is empty.
fn namespace_active(namespace: &mut Value, _: &Requester<'_>, _: &str) {
    namespace["status"] = json!({"phase": "Active"});
    if !namespace.get("spec").is_some_and(Value::is_object) {
        namespace["spec"] = json!({});
    }
    let finalizers = &mut namespace["spec"]["finalizers"];
    match finalizers.as_array_mut() {
        Some(list) if list.iter().any(|f| f == "kubernetes") => {}
        Some(list) => list.push(json!("kubernetes")),
        None => *finalizers = json!(["kubernetes"]),
    }
}

/// A new PersistentVolume is `Pending` since now.
fn volume_pending(volume: &mut Value, _: &Requester<'_>, now: &str) {
    drop_unless_used(volume, None, ATTRIBUTES_CLASS_SPEC);
    volume["status"] = json!({"phase": "Pending", "lastPhaseTransitionTime": now});
}

/// Upstream's `DropDisabled…Fields` for a gate that is off: each field at `pointers`
/// is removed unless the stored object (`old`, none on create) holds it.
fn drop_unless_used(object: &mut Value, old: Option<&Value>, pointers: &[&str]) {
    for pointer in pointers {
        if old
            .and_then(|old| crate::pointer::get(old, pointer))
            .is_some_and(|value| !value.is_null())
        {
            continue;
        }
        let Some((parent, field)) = pointer.rsplit_once('/') else {
            continue;
        };
        if let Some(parent) = object.pointer_mut(parent).and_then(Value::as_object_mut) {
            parent.remove(field);
        }
    }
}

/// A phase change stamps `lastPhaseTransitionTime` unless the writer set a new one; an
/// unchanged phase keeps the stored time.
fn volume_phase_transition(_: Part, volume: &mut Value, old: &Value, now: &str) {
    let phase = |v: &Value| crate::pointer::get(v, "/status/phase").cloned();
    let time = |v: &Value| crate::pointer::get(v, "/status/lastPhaseTransitionTime").cloned();
    let (new_time, old_time) = (time(volume), time(old));
    let stamp = if phase(volume) == phase(old) {
        match new_time {
            None | Some(Value::Null) => old_time,
            _ => return,
        }
    } else if new_time.is_none() || new_time == Some(Value::Null) || new_time == old_time {
        Some(json!(now))
    } else {
        return;
    };
    if let Some(stamp) = stamp {
        if !volume["status"].is_object() {
            volume["status"] = json!({});
        }
        volume["status"]["lastPhaseTransitionTime"] = stamp;
    }
}

/// Unless the Job asks to choose its selector (`manualSelector`), its pods are labelled
/// with its name and UID and selected by the UID.
fn job_selector(job: &mut Value, _: &Requester<'_>, _: &str) {
    if crate::pointer::get(job, "/spec/manualSelector") == Some(&json!(true)) {
        return;
    }
    let name = crate::pointer::get(job, "/metadata/name").cloned().unwrap_or(json!(""));
    let uid = crate::pointer::get(job, "/metadata/uid").cloned().unwrap_or(json!(""));
    let labels = object_at(job, &["spec", "template", "metadata", "labels"]);
    for (label, value) in [
        ("job-name", &name),
        ("batch.kubernetes.io/job-name", &name),
        ("controller-uid", &uid),
        ("batch.kubernetes.io/controller-uid", &uid),
    ] {
        labels.entry(label).or_insert_with(|| value.clone());
    }
    let selector = object_at(job, &["spec", "selector", "matchLabels"]);
    selector
        .entry("batch.kubernetes.io/controller-uid")
        .or_insert_with(|| uid.clone());
}

/// The map at `path`, made (replacing anything else there) when missing.
fn object_at<'a>(object: &'a mut Value, path: &[&str]) -> &'a mut Map<String, Value> {
    let mut target = object;
    for field in path {
        if !target.is_object() {
            *target = json!({});
        }
        target = match target {
            Value::Object(map) => map.entry(*field).or_insert_with(|| json!({})),
            _ => unreachable!("made an object above"),
        };
    }
    if !target.is_object() {
        *target = json!({});
    }
    match target {
        Value::Object(map) => map,
        _ => unreachable!("made an object above"),
    }
}

/// Upstream's Service and Ingress statuses hold `loadBalancer` as a plain struct, so it
/// is always written, empty or not: `status: {loadBalancer: {}}` on a new Service.
fn load_balancer_status(object: &mut Value) {
    let Some(map) = object.as_object_mut() else { return };
    let status = map.entry("status").or_insert_with(|| Value::Object(Default::default()));
    if !status.is_object() {
        *status = Value::Object(Default::default());
    }
    if let Some(status) = status.as_object_mut()
        && status.get("loadBalancer").is_none_or(Value::is_null)
    {
        status.insert("loadBalancer".into(), Value::Object(Default::default()));
    }
}

/// Fields that stop applying when a Service's type changes, cleared when the writer
/// left them as they were (a value it changed is its to answer for in validation).
fn service_type_change(_: Part, service: &mut Value, old: &Value, _: &str) {
    let spec = |v: &Value, field: &str| crate::pointer::get(v, &format!("/spec/{field}")).cloned();
    let kind = |v: &Value| spec(v, "type").and_then(|t| t.as_str().map(str::to_string));
    let (new_type, old_type) = (
        kind(service).unwrap_or_else(|| "ClusterIP".into()),
        kind(old).unwrap_or_else(|| "ClusterIP".into()),
    );
    let unchanged: Vec<&str> = [
        "clusterIP",
        "clusterIPs",
        "ipFamilies",
        "ipFamilyPolicy",
        "healthCheckNodePort",
        "allocateLoadBalancerNodePorts",
        "loadBalancerClass",
        "externalTrafficPolicy",
    ]
    .into_iter()
    .filter(|field| spec(service, field) == spec(old, field))
    .collect();
    let same = |field: &str| unchanged.contains(&field);
    let clear = |service: &mut Value, field: &str| {
        if let Some(Value::Object(spec)) = service.get_mut("spec") {
            spec.remove(field);
        }
    };
    let needs_node_port = |t: &str| t == "NodePort" || t == "LoadBalancer";
    if old_type != "ExternalName" && new_type == "ExternalName" {
        if same("clusterIP") && same("clusterIPs") {
            clear(service, "clusterIP");
            clear(service, "clusterIPs");
        }
        if same("ipFamilies") {
            clear(service, "ipFamilies");
        }
        if same("ipFamilyPolicy") {
            clear(service, "ipFamilyPolicy");
        }
    }
    if needs_node_port(&old_type) && !needs_node_port(&new_type) {
        let node_ports = |v: &Value| -> Vec<i64> {
            crate::pointer::get(v, "/spec/ports")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|p| p.get("nodePort").and_then(Value::as_i64))
                .filter(|p| *p != 0)
                .collect()
        };
        let old_ports = node_ports(old);
        if node_ports(service).iter().all(|p| old_ports.contains(p))
            && let Some(ports) = service.pointer_mut("/spec/ports").and_then(Value::as_array_mut)
        {
            for port in ports.iter_mut().filter_map(Value::as_object_mut) {
                port.remove("nodePort");
            }
        }
    }
    let local = |v: &Value| spec(v, "externalTrafficPolicy") == Some(json!("Local"));
    let needs_health_check = |v: &Value, t: &str| t == "LoadBalancer" && local(v);
    if needs_health_check(old, &old_type) && !needs_health_check(service, &new_type) && same("healthCheckNodePort") {
        clear(service, "healthCheckNodePort");
    }
    if old_type == "LoadBalancer" && new_type != "LoadBalancer" {
        if same("allocateLoadBalancerNodePorts") {
            clear(service, "allocateLoadBalancerNodePorts");
        }
        if same("loadBalancerClass") {
            clear(service, "loadBalancerClass");
        }
    }
    let externally_accessible = |v: &Value, t: &str| {
        needs_node_port(t)
            || (t == "ClusterIP"
                && crate::pointer::get(v, "/spec/externalIPs")
                    .and_then(Value::as_array)
                    .is_some_and(|ips| !ips.is_empty()))
    };
    if externally_accessible(old, &old_type)
        && !externally_accessible(service, &new_type)
        && same("externalTrafficPolicy")
    {
        clear(service, "externalTrafficPolicy");
    }
    if new_type != "LoadBalancer" {
        if !service["status"].is_object() {
            service["status"] = json!({});
        }
        service["status"]["loadBalancer"] = json!({});
    }
}

/// A ServiceAccount's secret references keep only the name.
fn clean_secret_references(account: &mut Value) {
    if let Some(secrets) = account.get_mut("secrets").and_then(Value::as_array_mut) {
        for secret in secrets.iter_mut() {
            let name = secret.get("name").cloned();
            *secret = match name {
                Some(name) => json!({"name": name}),
                None => json!({}),
            };
        }
    }
}

/// A CSR records who asked for it (whatever the body says) and starts without
/// conditions: nobody can send a pre-approved request.
fn csr_requester(csr: &mut Value, requester: &Requester<'_>, _: &str) {
    if !csr.get("spec").is_some_and(Value::is_object) {
        csr["spec"] = json!({});
    }
    let spec = &mut csr["spec"];
    spec["username"] = json!(requester.username);
    spec["uid"] = json!(requester.uid);
    spec["groups"] = json!(requester.groups);
    if let Some(spec) = spec.as_object_mut() {
        if requester.extra.is_empty() {
            spec.remove("extra");
        } else {
            spec.insert("extra".into(), json!(requester.extra));
        }
        for field in ["username", "uid"] {
            if spec.get(field) == Some(&json!("")) {
                spec.remove(field);
            }
        }
    }
    csr["status"] = json!({});
}

/// `…/status` keeps each Approved and Denied condition as stored when their number does
/// not change (only `…/approval` decides), and every condition gets its timestamps.
fn csr_conditions(part: Part, csr: &mut Value, old: &Value, now: &str) {
    if part == Part::Status {
        for kind in ["Approved", "Denied"] {
            preserve_conditions(csr, old, kind);
        }
    }
    let old_conditions = old
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let Some(conditions) = csr.pointer_mut("/status/conditions").and_then(Value::as_array_mut) else {
        return;
    };
    let unset = |c: &Value, field: &str| c.get(field).is_none_or(|t| t.is_null() || t == "");
    for condition in conditions.iter_mut() {
        if unset(condition, "lastUpdateTime") {
            condition["lastUpdateTime"] = json!(now);
        }
        if unset(condition, "lastTransitionTime") {
            let earlier = old_conditions.iter().find(|o| {
                o.get("type") == condition.get("type")
                    && o.get("status") == condition.get("status")
                    && !unset(o, "lastTransitionTime")
            });
            condition["lastTransitionTime"] = earlier
                .and_then(|o| o.get("lastTransitionTime").cloned())
                .unwrap_or_else(|| json!(now));
        }
    }
}

fn preserve_conditions(csr: &mut Value, old: &Value, kind: &str) {
    let indices = |v: &Value| -> Vec<usize> {
        crate::pointer::get(v, "/status/conditions")
            .and_then(Value::as_array)
            .map(|cs| {
                cs.iter()
                    .enumerate()
                    .filter(|(_, c)| c.get("type") == Some(&json!(kind)))
                    .map(|(i, _)| i)
                    .collect()
            })
            .unwrap_or_default()
    };
    let (old_indices, new_indices) = (indices(old), indices(csr));
    if old_indices.len() != new_indices.len() {
        return;
    }
    for (o, n) in old_indices.into_iter().zip(new_indices) {
        if let (Some(stored), Some(slot)) = (
            crate::pointer::get(old, &format!("/status/conditions/{o}")).cloned(),
            csr.pointer_mut(&format!("/status/conditions/{n}")),
        ) {
            *slot = stored;
        }
    }
}

/// The strategy of a custom resource: with a status subresource, status belongs to
/// controllers; without one it is ordinary content and moves the generation too.
pub fn custom(has_status: bool) -> &'static Strategy {
    const WITHOUT_STATUS: Strategy = Strategy {
        clear_status_on_create: false,
        update_keeps: &[],
        generation: Generation::AllButMetadata,
        ..Strategy::CUSTOM
    };
    if has_status { &Strategy::CUSTOM } else { &WITHOUT_STATUS }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::lookup;
    use std::collections::BTreeMap;

    const NOW: &str = "2026-12-05T10:00:00Z";

    fn create(group: &str, resource: &str, mut object: Value) -> Value {
        let groups = vec!["system:authenticated".to_string(), "team".to_string()];
        let extra = BTreeMap::new();
        let who = Requester {
            username: "alice",
            uid: "a-1",
            groups: &groups,
            extra: &extra,
        };
        lookup(group, "v1", resource)
            .unwrap()
            .prepare_create(&mut object, &who, NOW);
        object
    }

    #[test]
    fn pods_start_pending_with_their_qos_class() {
        let container = |resources: Value| json!({"name": "c", "resources": resources});
        let pod = |containers: Vec<Value>| json!({"metadata": {"name": "p"}, "spec": {"containers": containers}, "status": {"phase": "Running"}});
        let best = create("", "pods", pod(vec![container(json!({}))]));
        assert_eq!(best["status"], json!({"phase": "Pending", "qosClass": "BestEffort"}));
        assert_eq!(best["metadata"]["generation"], 1);
        let both = json!({"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "1000m", "memory": "1Gi"}});
        let guaranteed = create("", "pods", pod(vec![container(both.clone()), container(both)]));
        assert_eq!(guaranteed["status"]["qosClass"], "Guaranteed");
        let burstable = create("", "pods", pod(vec![container(json!({"requests": {"cpu": "100m"}}))]));
        assert_eq!(burstable["status"]["qosClass"], "Burstable");
        let cpu_only = json!({"requests": {"cpu": "1"}, "limits": {"cpu": "1"}});
        assert_eq!(
            create("", "pods", pod(vec![container(cpu_only)]))["status"]["qosClass"],
            "Burstable"
        );
        let mut gated = pod(vec![container(json!({}))]);
        gated["spec"]["schedulingGates"] = json!([{"name": "wait"}]);
        let gated = create("", "pods", gated);
        assert_eq!(gated["status"]["conditions"][0]["reason"], "SchedulingGated");
    }

    #[test]
    fn namespaces_pvs_jobs_csrs_on_create() {
        let ns = create(
            "",
            "namespaces",
            json!({"metadata": {"name": "n"}, "spec": {"finalizers": ["x"]}}),
        );
        assert_eq!(ns["spec"]["finalizers"], json!(["x", "kubernetes"]));
        assert_eq!(ns["status"], json!({"phase": "Active"}));
        let pv = create(
            "",
            "persistentvolumes",
            json!({"metadata": {"name": "v"}, "status": {"phase": "Bound"}}),
        );
        assert_eq!(
            pv["status"],
            json!({"phase": "Pending", "lastPhaseTransitionTime": NOW})
        );
        let job = create(
            "batch",
            "jobs",
            json!({"metadata": {"name": "pi", "uid": "u-1"}, "spec": {"template": {"metadata": {"labels": {"job-name": "mine"}}}}}),
        );
        assert_eq!(
            job["spec"]["template"]["metadata"]["labels"],
            json!({"job-name": "mine", "batch.kubernetes.io/job-name": "pi", "controller-uid": "u-1", "batch.kubernetes.io/controller-uid": "u-1"})
        );
        assert_eq!(
            job["spec"]["selector"],
            json!({"matchLabels": {"batch.kubernetes.io/controller-uid": "u-1"}})
        );
        let manual = create(
            "batch",
            "jobs",
            json!({"metadata": {"name": "m", "uid": "u"}, "spec": {"manualSelector": true}}),
        );
        assert!(manual["spec"].get("selector").is_none());
        let csr = create(
            "certificates.k8s.io",
            "certificatesigningrequests",
            json!({"metadata": {"name": "c"}, "spec": {"username": "mallory", "groups": ["system:masters"]},
                "status": {"conditions": [{"type": "Approved", "status": "True"}]}}),
        );
        assert_eq!(csr["spec"]["username"], "alice");
        assert_eq!(csr["spec"]["groups"], json!(["system:authenticated", "team"]));
        assert_eq!(csr["status"], json!({}));
    }

    #[test]
    fn csr_approval_changes_conditions_only_and_stamps_them() {
        let csrs = lookup("certificates.k8s.io", "v1", "certificatesigningrequests").unwrap();
        let old =
            json!({"metadata": {"name": "c"}, "spec": {"username": "alice"}, "status": {"certificate": "Q0VSVA=="}});
        let mut approval = json!({"metadata": {"name": "c"}, "spec": {"username": "mallory"},
            "status": {"conditions": [{"type": "Approved", "status": "True", "reason": "ok"}], "certificate": "bm9wZQ=="}});
        csrs.prepare_update(Part::Approval, &mut approval, &old, NOW);
        assert_eq!(approval["spec"]["username"], "alice");
        assert_eq!(approval["status"]["certificate"], "Q0VSVA==");
        assert_eq!(approval["status"]["conditions"][0]["lastUpdateTime"], NOW);
        assert_eq!(approval["status"]["conditions"][0]["lastTransitionTime"], NOW);
        // The signer's status write cannot rewrite the approval.
        let approved = approval.clone();
        let mut signed = json!({"metadata": {"name": "c"}, "spec": {},
            "status": {"conditions": [{"type": "Approved", "status": "True", "reason": "forged"}], "certificate": "bmV3"}});
        csrs.prepare_update(Part::Status, &mut signed, &approved, "2026-12-05T11:00:00Z");
        assert_eq!(signed["status"]["conditions"][0]["reason"], "ok");
        assert_eq!(signed["status"]["certificate"], "bmV3");
        // Writes to the object change only metadata.
        let mut main =
            json!({"metadata": {"name": "c", "labels": {"a": "b"}}, "spec": {"username": "x"}, "status": {}});
        csrs.prepare_update(Part::Main, &mut main, &approved, NOW);
        assert_eq!(main["spec"]["username"], "alice");
        assert_eq!(main["status"], approved["status"]);
        assert_eq!(main["metadata"]["labels"]["a"], "b");
    }

    #[test]
    fn services_drop_what_their_new_type_does_not_use() {
        let services = lookup("", "v1", "services").unwrap();
        let old = json!({"metadata": {"name": "s"}, "spec": {"type": "LoadBalancer", "clusterIP": "10.96.0.9",
            "clusterIPs": ["10.96.0.9"], "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
            "ports": [{"port": 80, "nodePort": 30080}], "externalTrafficPolicy": "Local", "healthCheckNodePort": 31000,
            "allocateLoadBalancerNodePorts": true},
            "status": {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}});
        let mut external = old.clone();
        external["spec"]["type"] = json!("ExternalName");
        external["spec"]["externalName"] = json!("example.com");
        services.prepare_update(Part::Main, &mut external, &old, NOW);
        let spec = external["spec"].as_object().unwrap();
        for gone in [
            "clusterIP",
            "clusterIPs",
            "ipFamilies",
            "ipFamilyPolicy",
            "healthCheckNodePort",
            "externalTrafficPolicy",
            "allocateLoadBalancerNodePorts",
        ] {
            assert!(!spec.contains_key(gone), "{gone} kept: {spec:?}");
        }
        assert_eq!(external["spec"]["ports"], json!([{"port": 80}]));
        assert_eq!(external["status"], json!({"loadBalancer": {}}));
        // A ClusterIP service keeps its IP when only the type changes to ClusterIP.
        let mut cluster = old.clone();
        cluster["spec"]["type"] = json!("ClusterIP");
        services.prepare_update(Part::Main, &mut cluster, &old, NOW);
        assert_eq!(cluster["spec"]["clusterIP"], "10.96.0.9");
        assert!(cluster["spec"]["ports"][0].get("nodePort").is_none());
    }

    #[test]
    fn volume_attributes_classes_are_dropped_unless_in_use() {
        let claim = create(
            "",
            "persistentvolumeclaims",
            json!({"metadata": {"name": "c"}, "spec": {"volumeAttributesClassName": "gold", "volumeName": "v"}}),
        );
        assert_eq!(claim["spec"], json!({"volumeName": "v"}));
        let volume = create(
            "",
            "persistentvolumes",
            json!({"metadata": {"name": "v"}, "spec": {"volumeAttributesClassName": "gold"}}),
        );
        assert_eq!(volume["spec"], json!({}));

        let info = lookup("", "v1", "persistentvolumeclaims").unwrap();
        let unused = json!({"metadata": {"name": "c"}, "spec": {}, "status": {"phase": "Bound"}});
        let used = json!({"metadata": {"name": "c"}, "spec": {"volumeAttributesClassName": "gold"},
            "status": {"phase": "Bound", "currentVolumeAttributesClassName": "gold"}});
        let new = json!({"metadata": {"name": "c"}, "spec": {"volumeAttributesClassName": "silver"},
            "status": {"phase": "Bound", "currentVolumeAttributesClassName": "silver",
                "modifyVolumeStatus": {"status": "Pending"}}});
        let mut update = new.clone();
        info.prepare_update(Part::Main, &mut update, &unused, NOW);
        assert_eq!(update["spec"].get("volumeAttributesClassName"), None);
        let mut update = new.clone();
        info.prepare_update(Part::Main, &mut update, &used, NOW);
        assert_eq!(update["spec"]["volumeAttributesClassName"], "silver");
        let mut status = new.clone();
        info.prepare_update(Part::Status, &mut status, &used, NOW);
        assert_eq!(status["status"]["currentVolumeAttributesClassName"], "silver");
        assert_eq!(status["status"].get("modifyVolumeStatus"), None);
        let mut status = new;
        info.prepare_update(Part::Status, &mut status, &unused, NOW);
        assert_eq!(status["status"], json!({"phase": "Bound"}));
    }

    #[test]
    fn persistent_volume_phase_changes_are_stamped() {
        let pvs = lookup("", "v1", "persistentvolumes").unwrap();
        let old = json!({"metadata": {"name": "v"}, "status": {"phase": "Pending", "lastPhaseTransitionTime": "t0"}});
        let mut bound = json!({"metadata": {"name": "v"}, "status": {"phase": "Bound"}});
        pvs.prepare_update(Part::Status, &mut bound, &old, NOW);
        assert_eq!(bound["status"]["lastPhaseTransitionTime"], NOW);
        let mut same = json!({"metadata": {"name": "v"}, "status": {"phase": "Pending"}});
        pvs.prepare_update(Part::Status, &mut same, &old, NOW);
        assert_eq!(same["status"]["lastPhaseTransitionTime"], "t0");
    }

    #[test]
    fn service_accounts_keep_secret_names_only() {
        let sa = create(
            "",
            "serviceaccounts",
            json!({"metadata": {"name": "s"}, "secrets": [{"name": "t", "namespace": "x", "uid": "y"}]}),
        );
        assert_eq!(sa["secrets"], json!([{"name": "t"}]));
    }
}
