//! The admission plugins kube-apiserver runs by default, through the real `kubectl`:
//! ServiceAccount (the account must exist; token volume), Priority (system classes,
//! one global default), DefaultTolerationSeconds, LimitRanger (defaults and bounds),
//! TaintNodesByCondition, DefaultStorageClass and StorageObjectInUseProtection,
//! RuntimeClass, ResourceQuota, and the plugin flags.

use anyhow::{Result, ensure};
use myriad_testkit::myriad::MyriadServer;
use serde_json::{Value, json};

fn json_of(server: &MyriadServer, args: &[&str]) -> Result<Value> {
    let mut all = args.to_vec();
    all.extend(["-o", "json"]);
    Ok(serde_json::from_str(&server.kubectl_ok(&all)?)?)
}

fn create(server: &MyriadServer, object: Value) -> Result<std::process::Output> {
    server.kubectl_stdin(&["create", "-f", "-"], &object.to_string())
}

fn refused(server: &MyriadServer, object: Value) -> Result<String> {
    let output = create(server, object)?;
    ensure!(!output.status.success(), "the create succeeded");
    Ok(String::from_utf8_lossy(&output.stderr).trim().to_string())
}

fn pod(name: &str, spec: Value) -> Value {
    let mut spec = spec;
    if spec.get("containers").is_none() {
        spec["containers"] = json!([{"name": "app", "image": "nginx:1.27"}]);
    }
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec})
}

#[test]
fn pods_get_their_account_priority_tolerations_and_limits() -> Result<()> {
    let dir = tempfile::tempdir()?;
    // Naming the plugin flags keeps the test harness from turning ServiceAccount off.
    let server = MyriadServer::start_with(
        myriad_testkit::myriad_bin!(),
        dir.path(),
        &["--enable-admission-plugins", "ServiceAccount"],
    )?;

    // ServiceAccount: the account must exist.
    let error = refused(&server, pod("early", json!({})))?;
    ensure!(
        error.contains(
            r#"pods "early" is forbidden: error looking up service account default/default: serviceaccount "default" not found"#
        ),
        "{error}"
    );
    server.kubectl_ok(&["create", "serviceaccount", "default"])?;
    ensure!(create(&server, pod("web", json!({})))?.status.success());
    let web = json_of(&server, &["get", "pod", "web"])?;
    let spec = &web["spec"];
    ensure!(spec["serviceAccountName"] == "default", "{web}");
    let volume = &spec["volumes"][0];
    ensure!(
        volume["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("kube-api-access-")),
        "{web}"
    );
    ensure!(
        volume["projected"]["sources"][0]["serviceAccountToken"]["expirationSeconds"] == 3607,
        "{web}"
    );
    ensure!(
        spec["containers"][0]["volumeMounts"][0]
            == json!({"name": volume["name"], "readOnly": true, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}),
        "{web}"
    );
    // Priority: no default class, so 0; DefaultTolerationSeconds: five minutes.
    ensure!(
        spec["priority"] == 0 && spec["preemptionPolicy"] == "PreemptLowerPriority",
        "{web}"
    );
    ensure!(
        spec["tolerations"]
            == json!([
                {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
            ]),
        "{web}"
    );

    // Priority: the system classes exist, a named class sets the value, a missing one
    // is refused, and only one class may be the global default.
    let classes = server.kubectl_ok(&["get", "priorityclasses", "-o", "name"])?;
    ensure!(
        classes.contains("system-node-critical") && classes.contains("system-cluster-critical"),
        "{classes}"
    );
    ensure!(
        create(
            &server,
            pod("critical", json!({"priorityClassName": "system-node-critical"}))
        )?
        .status
        .success()
    );
    ensure!(json_of(&server, &["get", "pod", "critical"])?["spec"]["priority"] == 2_000_001_000);
    let error = refused(&server, pod("nope", json!({"priorityClassName": "gold"})))?;
    ensure!(error.contains("no PriorityClass with name gold was found"), "{error}");
    let error = refused(
        &server,
        pod(
            "stated",
            json!({"priorityClassName": "system-node-critical", "priority": 5}),
        ),
    )?;
    ensure!(
        error.contains("the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 2000001000 from the given PriorityClass name"),
        "{error}"
    );
    server.kubectl_ok(&["create", "priorityclass", "normal", "--value=1000", "--global-default"])?;
    let output = server.kubectl(&["create", "priorityclass", "other", "--value=10", "--global-default"])?;
    let error = String::from_utf8_lossy(&output.stderr);
    ensure!(
        error.contains("PriorityClass normal is already marked as default. Only one default can exist"),
        "{error}"
    );
    ensure!(create(&server, pod("defaulted", json!({})))?.status.success());
    let defaulted = json_of(&server, &["get", "pod", "defaulted"])?;
    ensure!(
        defaulted["spec"]["priorityClassName"] == "normal" && defaulted["spec"]["priority"] == 1000,
        "{defaulted}"
    );

    // LimitRanger: container defaults (and the annotation saying so), then bounds.
    let limits = json!({"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "limits"},
        "spec": {"limits": [{"type": "Container", "default": {"cpu": "500m"}, "defaultRequest": {"cpu": "100m"},
            "max": {"memory": "1Gi"}}]}});
    ensure!(create(&server, limits)?.status.success());
    let bounded = pod(
        "bounded",
        json!({"containers": [{"name": "app", "image": "nginx:1.27", "resources": {"limits": {"memory": "512Mi"}}}]}),
    );
    let output = create(&server, bounded)?;
    ensure!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let bounded = json_of(&server, &["get", "pod", "bounded"])?;
    let resources = &bounded["spec"]["containers"][0]["resources"];
    ensure!(
        resources["limits"] == json!({"cpu": "500m", "memory": "512Mi"}) && resources["requests"]["cpu"] == "100m",
        "{bounded}"
    );
    ensure!(
        bounded["metadata"]["annotations"]["kubernetes.io/limit-ranger"]
            == "LimitRanger plugin set: cpu request for container app; cpu limit for container app",
        "{bounded}"
    );
    let greedy = pod(
        "greedy",
        json!({"containers": [{"name": "app", "image": "nginx:1.27", "resources": {"limits": {"memory": "2Gi"}}}]}),
    );
    let error = refused(&server, greedy)?;
    ensure!(
        error.contains(r#"pods "greedy" is forbidden: maximum memory usage per Container is 1Gi, but limit is 2Gi"#),
        "{error}"
    );
    Ok(())
}

#[test]
fn nodes_claims_and_runtime_classes_are_admitted_as_upstream() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;

    // TaintNodesByCondition: a new node starts not-ready.
    let node = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}});
    ensure!(create(&server, node)?.status.success());
    let node = json_of(&server, &["get", "node", "n1"])?;
    ensure!(
        node["spec"]["taints"] == json!([{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}]),
        "{node}"
    );

    // DefaultStorageClass and StorageObjectInUseProtection.
    let class = json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": "fast", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "example.com/fast"});
    ensure!(create(&server, class)?.status.success());
    let claim = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}});
    let output = create(&server, claim)?;
    ensure!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let claim = json_of(&server, &["get", "pvc", "data"])?;
    ensure!(claim["spec"]["storageClassName"] == "fast", "{claim}");
    ensure!(
        claim["metadata"]["finalizers"] == json!(["kubernetes.io/pvc-protection"]),
        "{claim}"
    );
    ensure!(claim["status"]["phase"] == "Pending", "{claim}");

    // RuntimeClass: the class must exist; its overhead and scheduling are applied.
    let error = refused(&server, pod("gvisor", json!({"runtimeClassName": "gvisor"})))?;
    ensure!(
        error.contains(r#"pod rejected: RuntimeClass "gvisor" not found"#),
        "{error}"
    );
    let runtime = json!({"apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass", "metadata": {"name": "gvisor"},
        "handler": "runsc", "overhead": {"podFixed": {"cpu": "250m"}},
        "scheduling": {"nodeSelector": {"sandbox": "gvisor"}}});
    ensure!(create(&server, runtime)?.status.success());
    let output = create(&server, pod("gvisor", json!({"runtimeClassName": "gvisor"})))?;
    ensure!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let sandboxed = json_of(&server, &["get", "pod", "gvisor"])?;
    ensure!(
        sandboxed["spec"]["overhead"] == json!({"cpu": "250m"})
            && sandboxed["spec"]["nodeSelector"] == json!({"sandbox": "gvisor"}),
        "{sandboxed}"
    );
    // Without the ServiceAccount plugin (the harness's default), no account is set.
    ensure!(sandboxed["spec"].get("serviceAccountName").is_none(), "{sandboxed}");
    Ok(())
}

#[test]
fn quotas_charge_and_refuse_as_upstream() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;
    server.kubectl_ok(&["create", "namespace", "team"])?;
    server.kubectl_ok(&["create", "quota", "small", "-n", "team", "--hard=pods=2,configmaps=5"])?;
    // Until the quota controller publishes `status.hard`, nothing is limited.
    server.kubectl_ok(&["create", "configmap", "early", "-n", "team"])?;
    // What the quota controller would publish.
    let published = r#"{"status":{"hard":{"pods":"2","configmaps":"5"},"used":{"pods":"0","configmaps":"1"}}}"#;
    server.kubectl_ok(&[
        "patch",
        "quota",
        "small",
        "-n",
        "team",
        "--subresource=status",
        "--type=merge",
        "-p",
        published,
    ])?;
    for name in ["a", "b"] {
        let output = server.kubectl_stdin(&["create", "-n", "team", "-f", "-"], &pod(name, json!({})).to_string())?;
        ensure!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    let quota = json_of(&server, &["get", "quota", "small", "-n", "team"])?;
    ensure!(quota["status"]["used"]["pods"] == "2", "{quota}");
    let output = server.kubectl_stdin(&["create", "-n", "team", "-f", "-"], &pod("c", json!({})).to_string())?;
    let error = String::from_utf8_lossy(&output.stderr);
    ensure!(
        error.contains(
            r#"pods "c" is forbidden: exceeded quota: small, requested: pods=1, used: pods=2, limited: pods=2"#
        ),
        "{error}"
    );
    // A dry run checks without charging.
    server.kubectl_ok(&["create", "configmap", "dry", "-n", "team", "--dry-run=server"])?;
    let quota = json_of(&server, &["get", "quota", "small", "-n", "team"])?;
    ensure!(quota["status"]["used"]["configmaps"] == "1", "{quota}");

    // A limit the controller has not counted yet refuses with "status unknown".
    let unknown = r#"{"status":{"hard":{"pods":"2","configmaps":"5","requests.cpu":"1"}}}"#;
    server.kubectl_ok(&[
        "patch",
        "quota",
        "small",
        "-n",
        "team",
        "--subresource=status",
        "--type=merge",
        "-p",
        unknown,
    ])?;
    server.kubectl_ok(&[
        "patch",
        "quota",
        "small",
        "-n",
        "team",
        "--subresource=status",
        "--type=json",
        "-p",
        r#"[{"op":"replace","path":"/status/used","value":{"pods":"0","configmaps":"1"}}]"#,
    ])?;
    let output = server.kubectl_stdin(&["create", "-n", "team", "-f", "-"], &pod("d", json!({})).to_string())?;
    let error = String::from_utf8_lossy(&output.stderr);
    ensure!(
        error.contains("failed quota: small: must specify requests.cpu for: app"),
        "{error}"
    );
    let sized = pod(
        "e",
        json!({"containers": [{"name": "app", "image": "nginx:1.27", "resources": {"requests": {"cpu": "100m"}}}]}),
    );
    let output = server.kubectl_stdin(&["create", "-n", "team", "-f", "-"], &sized.to_string())?;
    let error = String::from_utf8_lossy(&output.stderr);
    ensure!(
        error.contains("status unknown for quota: small, resources: pods,requests.cpu"),
        "{error}"
    );
    Ok(())
}

#[test]
fn plugins_myriad_lacks_stop_the_server() -> Result<()> {
    let dir = tempfile::tempdir()?;
    for (flag, message) in [
        (
            "--enable-admission-plugins=AlwaysPullImages",
            r#"admission plugin "AlwaysPullImages" is not available in Myriad"#,
        ),
        (
            "--disable-admission-plugins=NoSuchPlugin",
            r#"unknown admission plugin "NoSuchPlugin""#,
        ),
    ] {
        let output = std::process::Command::new(myriad_testkit::myriad_bin!())
            .args(["server", "--port", "0", "--data-dir"])
            .arg(dir.path())
            .arg(flag)
            .output()?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        ensure!(!output.status.success() && stderr.contains(message), "{flag}: {stderr}");
    }
    Ok(())
}
