//! Every kind of built-in resource through the real `kubectl`: created with its
//! generator where kubectl has one (else from a manifest), read, listed as a table with
//! upstream's columns, watched, labelled (a patch), replaced (an update) and deleted;
//! status writes that keep and drop what upstream keeps and drops; the legacy
//! `bindings` and the probed `componentstatuses`.

use std::process::Child;

use anyhow::{Context, Result, ensure};
use myriad_testkit::myriad::MyriadServer;
use serde_json::{Value, json};

fn pod_template(app: &str) -> Value {
    json!({"metadata": {"labels": {"app": app}},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}})
}

/// `(resource, how to create it)`: kubectl generator arguments, or a manifest.
enum Make {
    Generator(&'static [&'static str]),
    Manifest(Value),
}

fn resources() -> Vec<(&'static str, &'static str, Make)> {
    use Make::{Generator, Manifest};
    vec![
        (
            "configmaps",
            "cm",
            Generator(&["create", "configmap", "cm", "--from-literal=a=b"]),
        ),
        (
            "secrets",
            "s",
            Generator(&["create", "secret", "generic", "s", "--from-literal=a=b"]),
        ),
        ("serviceaccounts", "sa", Generator(&["create", "serviceaccount", "sa"])),
        (
            "services",
            "svc",
            Generator(&["create", "service", "clusterip", "svc", "--tcp=80"]),
        ),
        (
            "deployments.apps",
            "deploy",
            Generator(&["create", "deployment", "deploy", "--image=nginx:1.27"]),
        ),
        (
            "jobs.batch",
            "job",
            Generator(&["create", "job", "job", "--image=busybox:1.36"]),
        ),
        (
            "cronjobs.batch",
            "cron",
            Generator(&[
                "create",
                "cronjob",
                "cron",
                "--image=busybox:1.36",
                "--schedule=*/5 * * * *",
            ]),
        ),
        (
            "poddisruptionbudgets.policy",
            "pdb",
            Generator(&["create", "pdb", "pdb", "--selector=app=web", "--min-available=1"]),
        ),
        (
            "priorityclasses.scheduling.k8s.io",
            "pc",
            Generator(&["create", "priorityclass", "pc", "--value=100"]),
        ),
        (
            "resourcequotas",
            "quota",
            Generator(&["create", "quota", "quota", "--hard=pods=10"]),
        ),
        (
            "ingresses.networking.k8s.io",
            "ing",
            Generator(&["create", "ingress", "ing", "--rule=example.com/=svc:80"]),
        ),
        (
            "roles.rbac.authorization.k8s.io",
            "role",
            Generator(&["create", "role", "role", "--verb=get", "--resource=pods"]),
        ),
        (
            "rolebindings.rbac.authorization.k8s.io",
            "rb",
            Generator(&["create", "rolebinding", "rb", "--role=role", "--user=ann"]),
        ),
        (
            "clusterroles.rbac.authorization.k8s.io",
            "cr",
            Generator(&["create", "clusterrole", "cr", "--verb=get", "--resource=nodes"]),
        ),
        (
            "clusterrolebindings.rbac.authorization.k8s.io",
            "crb",
            Generator(&["create", "clusterrolebinding", "crb", "--clusterrole=cr", "--user=ann"]),
        ),
        (
            "pods",
            "pod",
            Manifest(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pod"},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}})),
        ),
        (
            "podtemplates",
            "pt",
            Manifest(
                json!({"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "pt"},
            "template": pod_template("pt")}),
            ),
        ),
        (
            "replicationcontrollers",
            "rc",
            Manifest(json!({"apiVersion": "v1", "kind": "ReplicationController",
            "metadata": {"name": "rc"}, "spec": {"replicas": 1, "template": pod_template("rc")}})),
        ),
        (
            "limitranges",
            "lr",
            Manifest(
                json!({"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "lr"},
            "spec": {"limits": [{"type": "Container", "max": {"memory": "8Gi"}}]}}),
            ),
        ),
        (
            "endpoints",
            "ep",
            Manifest(
                json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "ep"},
            "subsets": [{"addresses": [{"ip": "10.1.2.3"}], "ports": [{"port": 80}]}]}),
            ),
        ),
        (
            "persistentvolumes",
            "pv",
            Manifest(
                json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv"},
            "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/data"}}}),
            ),
        ),
        (
            "persistentvolumeclaims",
            "pvc",
            Manifest(
                json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "pvc"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}),
            ),
        ),
        (
            "nodes",
            "node-1",
            Manifest(json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}})),
        ),
        (
            "events",
            "ev",
            Manifest(json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "ev"},
            "involvedObject": {"kind": "Pod", "name": "pod", "namespace": "default"}, "reason": "Tested", "message": "hello",
            "type": "Normal", "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:00:00Z", "count": 1,
            "source": {"component": "test"}})),
        ),
        (
            "statefulsets.apps",
            "sts",
            Manifest(
                json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "sts"},
            "spec": {"serviceName": "sts", "selector": {"matchLabels": {"app": "sts"}}, "template": pod_template("sts")}}),
            ),
        ),
        (
            "daemonsets.apps",
            "ds",
            Manifest(
                json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "ds"},
            "spec": {"selector": {"matchLabels": {"app": "ds"}}, "template": pod_template("ds")}}),
            ),
        ),
        (
            "replicasets.apps",
            "rs",
            Manifest(
                json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "rs"},
            "spec": {"selector": {"matchLabels": {"app": "rs"}}, "template": pod_template("rs")}}),
            ),
        ),
        (
            "controllerrevisions.apps",
            "rev",
            Manifest(json!({"apiVersion": "apps/v1", "kind": "ControllerRevision",
            "metadata": {"name": "rev"}, "revision": 1, "data": {"spec": {}}})),
        ),
        (
            "horizontalpodautoscalers.autoscaling",
            "hpa",
            Manifest(
                json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "hpa"}, "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "deploy"},
            "maxReplicas": 3}}),
            ),
        ),
        (
            "networkpolicies.networking.k8s.io",
            "np",
            Manifest(json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "np"}, "spec": {"podSelector": {}}})),
        ),
        (
            "ingressclasses.networking.k8s.io",
            "nginx",
            Manifest(json!({"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
            "metadata": {"name": "nginx"}, "spec": {"controller": "example.com/nginx"}})),
        ),
        (
            "endpointslices.discovery.k8s.io",
            "slice",
            Manifest(json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": "slice"}, "addressType": "IPv4", "endpoints": [{"addresses": ["10.1.2.3"]}]})),
        ),
        (
            "leases.coordination.k8s.io",
            "lease",
            Manifest(json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": "lease"}, "spec": {"holderIdentity": "me", "leaseDurationSeconds": 15}})),
        ),
        (
            "runtimeclasses.node.k8s.io",
            "rc-gvisor",
            Manifest(json!({"apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass",
            "metadata": {"name": "rc-gvisor"}, "handler": "runsc"})),
        ),
        (
            "storageclasses.storage.k8s.io",
            "fast",
            Manifest(json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": "fast"}, "provisioner": "example.com/fast"})),
        ),
        (
            "csidrivers.storage.k8s.io",
            "csi.example.com",
            Manifest(json!({"apiVersion": "storage.k8s.io/v1", "kind": "CSIDriver",
            "metadata": {"name": "csi.example.com"}, "spec": {}})),
        ),
        (
            "csinodes.storage.k8s.io",
            "node-1",
            Manifest(json!({"apiVersion": "storage.k8s.io/v1", "kind": "CSINode",
            "metadata": {"name": "node-1"}, "spec": {"drivers": []}})),
        ),
        (
            "csistoragecapacities.storage.k8s.io",
            "cap",
            Manifest(json!({"apiVersion": "storage.k8s.io/v1", "kind": "CSIStorageCapacity",
            "metadata": {"name": "cap"}, "storageClassName": "fast"})),
        ),
        (
            "volumeattachments.storage.k8s.io",
            "va",
            Manifest(json!({"apiVersion": "storage.k8s.io/v1", "kind": "VolumeAttachment",
            "metadata": {"name": "va"}, "spec": {"attacher": "csi.example.com", "nodeName": "node-1", "source": {"persistentVolumeName": "pv"}}})),
        ),
        (
            "validatingwebhookconfigurations.admissionregistration.k8s.io",
            "vwc",
            Manifest(json!({"apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingWebhookConfiguration", "metadata": {"name": "vwc"}, "webhooks": []})),
        ),
        (
            "mutatingwebhookconfigurations.admissionregistration.k8s.io",
            "mwc",
            Manifest(json!({"apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "MutatingWebhookConfiguration", "metadata": {"name": "mwc"}, "webhooks": []})),
        ),
        (
            "flowschemas.flowcontrol.apiserver.k8s.io",
            "fs",
            Manifest(
                json!({"apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "FlowSchema",
            "metadata": {"name": "fs"}, "spec": {"priorityLevelConfiguration": {"name": "global-default"}, "matchingPrecedence": 5000}}),
            ),
        ),
        (
            "certificatesigningrequests.certificates.k8s.io",
            "csr",
            Manifest(json!({"apiVersion": "certificates.k8s.io/v1",
            "kind": "CertificateSigningRequest", "metadata": {"name": "csr"},
            "spec": {"request": CSR, "signerName": "example.com/signer", "usages": ["digital signature"]}})),
        ),
    ]
}

/// A PKCS#10 request (`openssl req -new -key … -subj /CN=ann`), base64 of its PEM.
const CSR: &str = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlJQlZUQ0IvQUlCQURBT01Rd3dDZ1lEVlFRRERBTmhibTR3V1RBVEJnY3Foa2pPUFFJQkJnZ3Foa2pPUFFNQgpCd05DQUFScEhhSE1ZeHpFVjdmWm5PeGZVOGw1cFMwWTdwTTd1VEJ3dFRZb3Z1N3dzNXpGZnZtYThpZG1Jd0Q2CjFyQ3VpWGtFZktqRVJZaURRMEhJeDNOMHd6YXNvQUF3Q2dZSUtvWkl6ajBFQXdJRFNBQXdSUUlnUk9uU3d5YnEKVXRSb3hVUjZ6U3VMQTlNa1QrVnRZcU10d0NySmNFL2tXUUVDSVFDWmxWWTdJSUhUSmw5ZmhqWUVKR3c0NmFMOQpXb3FjS2hNZ2lXR1ZvQm9OOVE9PQotLS0tLUVORCBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K";

fn kubectl_json(server: &MyriadServer, args: &[&str]) -> Result<Value> {
    let mut all = args.to_vec();
    all.extend(["-o", "json"]);
    Ok(serde_json::from_str(&server.kubectl_ok(&all)?)?)
}

#[test]
fn every_kind_is_created_read_listed_watched_updated_and_deleted() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;
    let resources = resources();

    // One watch per resource from the start, stopped once everything is done.
    let mut watches: Vec<(&str, Child)> = Vec::new();
    for (resource, _, _) in &resources {
        let watch = server.kubectl_spawn(&["get", resource, "--watch-only", "-o", "json", "--request-timeout=300s"])?;
        watches.push((resource, watch));
    }
    // Watches are established before the first write.
    std::thread::sleep(std::time::Duration::from_millis(500));

    for (resource, name, make) in &resources {
        let created = match make {
            Make::Generator(args) => server.kubectl(args)?,
            Make::Manifest(manifest) => server.kubectl_stdin(&["create", "-f", "-"], &manifest.to_string())?,
        };
        ensure!(
            created.status.success(),
            "create {resource}: {}",
            String::from_utf8_lossy(&created.stderr)
        );
        let object = kubectl_json(&server, &["get", resource, name])?;
        ensure!(object["metadata"]["name"] == *name, "{resource}: {object}");
        ensure!(object["metadata"]["uid"].is_string(), "{resource}: {object}");

        // The table: NAME first (events lead with LAST SEEN), as kubectl prints it.
        let table = server.kubectl_ok(&["get", resource])?;
        let header = table.lines().next().unwrap_or("");
        ensure!(
            header.starts_with("NAME") || header.starts_with("LAST SEEN"),
            "{resource}: {table}"
        );
        // An event's row names the object it is about, not itself.
        let row = if *resource == "events" { "Tested" } else { name };
        ensure!(table.contains(row), "{resource}: {table}");

        server.kubectl_ok(&["label", resource, name, "tested=yes"])?;
        let mut labelled = kubectl_json(&server, &["get", resource, name])?;
        ensure!(
            labelled["metadata"]["labels"]["tested"] == "yes",
            "{resource}: {labelled}"
        );
        labelled["metadata"]["annotations"] = json!({"replaced": "yes"});
        let replaced = server.kubectl_stdin(&["replace", "-f", "-"], &labelled.to_string())?;
        ensure!(
            replaced.status.success(),
            "replace {resource}: {}",
            String::from_utf8_lossy(&replaced.stderr)
        );
        let now = kubectl_json(&server, &["get", resource, name])?;
        ensure!(now["metadata"]["annotations"]["replaced"] == "yes", "{resource}: {now}");
        ensure!(
            now["metadata"]["resourceVersion"] != labelled["metadata"]["resourceVersion"],
            "{resource}: {now}"
        );
    }
    for (resource, name, _) in resources.iter().rev() {
        server.kubectl_ok(&["delete", resource, name, "--wait=false"])?;
    }

    for (resource, mut watch) in watches {
        // The updates were seen long before the deletes ended; what the watch printed
        // stays readable after it is stopped.
        watch.kill().context("stopping a watch")?;
        let output = watch.wait_with_output().context("waiting for a watch")?;
        let text = String::from_utf8_lossy(&output.stdout);
        // `-o json` prints one object per event; the label shows the update.
        ensure!(
            text.contains("\"tested\": \"yes\""),
            "watch {resource} saw no update: {text}"
        );
    }
    Ok(())
}

#[test]
fn status_writes_keep_and_drop_what_upstream_does() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;
    server.kubectl_ok(&["create", "deployment", "web", "--image=nginx:1.27"])?;
    // Deployment status: spec and labels come from the stored object; annotations
    // from the request (the deployment controller writes its revision this way).
    let patch = r#"{"metadata":{"labels":{"dropped":"yes"},"annotations":{"deployment.kubernetes.io/revision":"1"}},
        "spec":{"replicas":7},"status":{"observedGeneration":1,"replicas":1}}"#;
    server.kubectl_ok(&[
        "patch",
        "deployment",
        "web",
        "--subresource=status",
        "--type=merge",
        "-p",
        patch,
    ])?;
    let web = kubectl_json(&server, &["get", "deployment", "web"])?;
    ensure!(web["status"]["replicas"] == 1, "{web}");
    ensure!(web["spec"]["replicas"] == 1, "status writes keep the spec: {web}");
    ensure!(web["metadata"]["labels"].get("dropped").is_none(), "{web}");
    ensure!(
        web["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1",
        "{web}"
    );
    // A Job's status write keeps the request's metadata but not its spec.
    server.kubectl_ok(&["create", "job", "once", "--image=busybox:1.36"])?;
    let patch = r#"{"metadata":{"annotations":{"kept":"yes"}},"spec":{"parallelism":5},"status":{"active":1}}"#;
    server.kubectl_ok(&[
        "patch",
        "job",
        "once",
        "--subresource=status",
        "--type=merge",
        "-p",
        patch,
    ])?;
    let job = kubectl_json(&server, &["get", "job", "once"])?;
    ensure!(job["status"]["active"] == 1, "{job}");
    ensure!(job["spec"]["parallelism"] == 1, "{job}");
    ensure!(job["metadata"]["annotations"]["kept"] == "yes", "{job}");
    // A main-object write drops the status.
    let mut job = job;
    job["status"] = json!({"active": 5});
    server.kubectl_stdin(&["replace", "-f", "-"], &job.to_string())?;
    let job = kubectl_json(&server, &["get", "job", "once"])?;
    ensure!(job["status"]["active"] == 1, "{job}");
    Ok(())
}

#[test]
fn legacy_bindings_and_component_statuses() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}});
    server.kubectl_apply(pod)?;
    let binding = json!({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "p"},
        "target": {"kind": "Node", "name": "node-1"}});
    let bound = server.kubectl_stdin(&["create", "-f", "-"], &binding.to_string())?;
    ensure!(bound.status.success(), "{}", String::from_utf8_lossy(&bound.stderr));
    let pod = kubectl_json(&server, &["get", "pod", "p"])?;
    ensure!(pod["spec"]["nodeName"] == "node-1", "{pod}");

    let output = server.kubectl(&["get", "componentstatuses"])?;
    let table = String::from_utf8_lossy(&output.stdout);
    ensure!(
        table
            .lines()
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            == ["NAME", "STATUS", "MESSAGE", "ERROR"],
        "{table}"
    );
    ensure!(table.contains("etcd-0") && table.contains("Healthy"), "{table}");
    ensure!(
        String::from_utf8_lossy(&output.stderr).contains("v1 ComponentStatus is deprecated in v1.19+"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let etcd = kubectl_json(&server, &["get", "componentstatus", "etcd-0"])?;
    ensure!(etcd["conditions"][0]["status"] == "True", "{etcd}");
    let apiservices = server.kubectl_ok(&["get", "apiservices", "v1.apps"])?;
    ensure!(
        apiservices.contains("Local") && apiservices.contains("True"),
        "{apiservices}"
    );
    Ok(())
}

#[test]
fn evictions_spend_the_pods_disruption_budget() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}});
    server.kubectl_apply(pod)?;
    // Running and ready, as a kubelet would report it.
    let running = r#"{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}"#;
    server.kubectl_ok(&[
        "patch",
        "pod",
        "web-1",
        "--subresource=status",
        "--type=merge",
        "-p",
        running,
    ])?;
    server.kubectl_ok(&["create", "pdb", "web", "--selector=app=web", "--min-available=1"])?;
    // What the disruption controller would write: no disruption allowed.
    let status = r#"{"status":{"observedGeneration":1,"disruptionsAllowed":0,"currentHealthy":1,"desiredHealthy":1,"expectedPods":1}}"#;
    server.kubectl_ok(&[
        "patch",
        "pdb",
        "web",
        "--subresource=status",
        "--type=merge",
        "-p",
        status,
    ])?;

    let eviction = json!({"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "web-1"}}).to_string();
    let path = "/api/v1/namespaces/default/pods/web-1/eviction";
    let (code, body) = server.curl("POST", path, "application/json", eviction.as_bytes(), true)?;
    ensure!(code == 429, "{code} {body}");
    let status: Value = serde_json::from_str(&body)?;
    ensure!(
        status["message"] == "Cannot evict pod as it would violate the pod's disruption budget.",
        "{status}"
    );
    ensure!(
        status["details"]["causes"]
            == json!([{"reason": "DisruptionBudget", "message": "The disruption budget web needs 1 healthy pods and has 1 currently"}]),
        "{status}"
    );
    ensure!(
        server.kubectl(&["get", "pod", "web-1"])?.status.success(),
        "the pod stays"
    );

    let open = r#"{"status":{"disruptionsAllowed":1,"currentHealthy":2,"desiredHealthy":1,"expectedPods":2}}"#;
    server.kubectl_ok(&[
        "patch",
        "pdb",
        "web",
        "--subresource=status",
        "--type=merge",
        "-p",
        open,
    ])?;
    let (code, body) = server.curl("POST", path, "application/json", eviction.as_bytes(), true)?;
    ensure!(code == 201, "{code} {body}");
    let budget = kubectl_json(&server, &["get", "pdb", "web"])?;
    ensure!(budget["status"]["disruptionsAllowed"] == 0, "{budget}");
    ensure!(budget["status"]["disruptedPods"]["web-1"].is_string(), "{budget}");
    Ok(())
}

#[test]
fn versions_that_share_storage_convert() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;
    let v1 = json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "old"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "maxReplicas": 4, "targetCPUUtilizationPercentage": 50}});
    let created = server.kubectl_stdin(&["create", "-f", "-"], &v1.to_string())?;
    ensure!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let as_v2 = kubectl_json(&server, &["get", "horizontalpodautoscalers.v2.autoscaling", "old"])?;
    ensure!(as_v2["apiVersion"] == "autoscaling/v2", "{as_v2}");
    ensure!(
        as_v2["spec"]["metrics"]
            == json!([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]),
        "{as_v2}"
    );
    let v2 = json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "new"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "maxReplicas": 4,
            "metrics": [{"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "1Gi"}}}]}});
    let created = server.kubectl_stdin(&["create", "-f", "-"], &v2.to_string())?;
    ensure!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let as_v1 = kubectl_json(&server, &["get", "horizontalpodautoscalers.v1.autoscaling", "new"])?;
    ensure!(as_v1["apiVersion"] == "autoscaling/v1", "{as_v1}");
    ensure!(as_v1["spec"].get("metrics").is_none(), "{as_v1}");
    let metrics = as_v1["metadata"]["annotations"]["autoscaling.alpha.kubernetes.io/metrics"]
        .as_str()
        .unwrap_or("");
    ensure!(
        metrics.contains("\"memory\"") && metrics.contains("targetAverageValue"),
        "{as_v1}"
    );

    let event = json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "ev"},
        "involvedObject": {"kind": "Pod", "name": "web", "namespace": "default"}, "reason": "Started",
        "message": "started", "type": "Normal", "source": {"component": "kubelet"}, "count": 2,
        "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:01:00Z"});
    server.kubectl_apply(event)?;
    let new_style = kubectl_json(&server, &["get", "events.v1.events.k8s.io", "ev"])?;
    ensure!(
        new_style["note"] == "started" && new_style["regarding"]["name"] == "web",
        "{new_style}"
    );
    ensure!(
        new_style["deprecatedCount"] == 2 && new_style["deprecatedSource"]["component"] == "kubelet",
        "{new_style}"
    );
    Ok(())
}

#[test]
fn invalid_built_in_objects_get_upstreams_causes() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;
    let big = "x".repeat(1024 * 1024 + 10);
    let cases = [
        (
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big"}, "data": {"blob": big}}),
            r#"ConfigMap "big" is invalid: []: Too long: may not be more than 1048576 bytes"#,
        ),
        (
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": pod_template("other")}}),
            r#"spec.template.metadata.labels: Invalid value: {"app":"other"}: `selector` does not match template `labels`"#,
        ),
        (
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "empty"}, "spec": {"containers": []}}),
            r#"Pod "empty" is invalid: spec.containers: Required value"#,
        ),
        (
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "far"}, "spec": {"ports": [{"port": 70000}]}}),
            r#"spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive"#,
        ),
    ];
    for (object, message) in cases {
        let output = server.kubectl_stdin(&["create", "-f", "-"], &object.to_string())?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        ensure!(
            !output.status.success() && stderr.contains(message),
            "{message}\n{stderr}"
        );
    }
    Ok(())
}
