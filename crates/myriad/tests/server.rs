//! `myriad server` as a real process, driven by the real `kubectl`.

use anyhow::{Result, ensure};
use myriad_store::{EmbeddedOptions, EmbeddedStore};
use myriad_testkit::myriad::MyriadServer;

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn kubectl_connects_over_tls_and_restart_keeps_identity() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;
    ensure!(server.url().starts_with("https://127.0.0.1:"), "{}", server.url());

    let version = server.kubectl(&["version", "-o", "json"])?;
    ensure!(version.status.success(), "kubectl version failed: {}", stderr(&version));
    let version: serde_json::Value = serde_json::from_slice(&version.stdout)?;
    ensure!(version["serverVersion"]["major"] == "1", "{version}");
    ensure!(
        version["serverVersion"]["gitVersion"]
            .as_str()
            .is_some_and(|v| v.starts_with("v1.")),
        "{version}"
    );

    for path in ["/healthz", "/livez", "/readyz"] {
        let health = server.kubectl(&["get", "--raw", path])?;
        ensure!(
            health.status.success() && stdout(&health) == "ok",
            "{path}: {}",
            stderr(&health)
        );
    }
    // The client certificate's subject is the user: CN the name, O the groups.
    let whoami = server.kubectl(&[
        "auth",
        "whoami",
        "-o",
        "jsonpath={.status.userInfo.username} {.status.userInfo.groups}",
    ])?;
    let whoami = String::from_utf8_lossy(&whoami.stdout).to_string();
    ensure!(
        whoami == r#"myriad-admin ["system:masters","system:authenticated"]"#,
        "{whoami}"
    );
    let missing = server.kubectl(&["get", "--raw", "/no/such/path"])?;
    ensure!(!missing.status.success());
    ensure!(
        stderr(&missing).contains("Error from server (NotFound): the server could not find the requested resource"),
        "{}",
        stderr(&missing)
    );

    let mode = std::fs::metadata(server.kubeconfig())?.permissions();
    ensure!(
        std::os::unix::fs::PermissionsExt::mode(&mode) & 0o077 == 0,
        "kubeconfig readable by others"
    );

    // SIGTERM: clean exit and a cleanly closed store.
    let kubeconfig_before = std::fs::read_to_string(server.kubeconfig())?;
    ensure!(server.stop()?, "server did not exit cleanly on SIGTERM");
    let runtime = tokio::runtime::Runtime::new()?;
    let recovered = runtime.block_on(async {
        let store = EmbeddedStore::open(EmbeddedOptions::new(&dir.path().join("store"))).await?;
        let recovered = store.stats().recovered;
        store.close().await;
        anyhow::Ok(recovered)
    })?;
    ensure!(!recovered, "store was not closed cleanly on SIGTERM");

    // Restart: same CA and admin identity, so the old credentials still work.
    let server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;
    let kubeconfig_after = std::fs::read_to_string(server.kubeconfig())?;
    let ca = |k: &str| {
        serde_json::from_str::<serde_json::Value>(k)
            .map(|v| v["clusters"][0]["cluster"]["certificate-authority-data"].clone())
    };
    ensure!(
        ca(&kubeconfig_before)? == ca(&kubeconfig_after)?,
        "CA changed across restart"
    );
    let health = server.kubectl(&["get", "--raw", "/healthz"])?;
    ensure!(health.status.success(), "{}", stderr(&health));
    Ok(())
}

const MANIFEST: &str = r#"
apiVersion: v1
kind: Namespace
metadata:
  name: team-a
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
  namespace: team-a
  labels: {app: web}
data:
  a: "1"
"#;

fn resource_version(server: &MyriadServer, resource: &str, name: &str, namespace: &str) -> Result<String> {
    let jsonpath = "jsonpath={.metadata.resourceVersion}";
    ok(
        server.kubectl(&["get", resource, name, "-n", namespace, "-o", jsonpath])?,
        "resourceVersion",
    )
}

fn ok(output: std::process::Output, what: &str) -> Result<String> {
    ensure!(output.status.success(), "{what} failed: {}", stderr(&output));
    Ok(stdout(&output))
}

#[test]
fn kubectl_resource_workflows() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;
    let manifest = dir.path().join("m.yaml");
    std::fs::write(&manifest, MANIFEST)?;
    let manifest = manifest.to_str().unwrap_or_default();

    let namespaces = ok(server.kubectl(&["get", "ns"])?, "get ns")?;
    for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
        ensure!(namespaces.contains(ns), "missing system namespace {ns}: {namespaces}");
    }
    ensure!(
        namespaces
            .lines()
            .next()
            .is_some_and(|h| h.split_whitespace().eq(["NAME", "STATUS", "AGE"])),
        "{namespaces}"
    );

    let created = ok(
        server.kubectl(&["create", "--validate=false", "-f", manifest])?,
        "create -f",
    )?;
    ensure!(
        created.contains("namespace/team-a created") && created.contains("configmap/cfg created"),
        "{created}"
    );
    let again = server.kubectl(&["create", "--validate=false", "-f", manifest])?;
    ensure!(
        stderr(&again).contains("Error from server (AlreadyExists): error when creating")
            && stderr(&again).contains("configmaps \"cfg\" already exists"),
        "{}",
        stderr(&again)
    );

    let value = ok(
        server.kubectl(&["get", "cm", "cfg", "-n", "team-a", "-o", "jsonpath={.data.a}"])?,
        "jsonpath",
    )?;
    ensure!(value == "1", "{value}");
    let labels = ok(
        server.kubectl(&["get", "cm", "-n", "team-a", "--show-labels"])?,
        "show-labels",
    )?;
    ensure!(labels.contains("app=web"), "{labels}");
    let all = ok(server.kubectl(&["get", "cm", "-A"])?, "get -A")?;
    ensure!(all.contains("team-a") && all.contains("cfg"), "{all}");

    // Paged lists: every object exactly once through limit/continue.
    for i in 0..5 {
        let cm = format!(
            "{{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{{\"name\":\"page-{i}\",\"namespace\":\"team-a\"}}}}"
        );
        let path = dir.path().join(format!("cm{i}.json"));
        std::fs::write(&path, cm)?;
        ok(
            server.kubectl(&["create", "--validate=false", "-f", path.to_str().unwrap_or_default()])?,
            "create page",
        )?;
    }
    let paged = ok(
        server.kubectl(&["get", "cm", "-n", "team-a", "--chunk-size=2", "-o", "name"])?,
        "chunked get",
    )?;
    let names: Vec<&str> = paged.lines().collect();
    ensure!(names.len() == 6, "{names:?}");

    // label, annotate, and patch with each of the three types.
    ok(
        server.kubectl(&["label", "cm", "cfg", "-n", "team-a", "tier=db"])?,
        "label",
    )?;
    ok(
        server.kubectl(&["annotate", "cm", "cfg", "-n", "team-a", "note=hi"])?,
        "annotate",
    )?;
    ok(
        server.kubectl(&["label", "cm", "cfg", "-n", "team-a", "app-"])?,
        "unlabel",
    )?;
    ok(
        server.kubectl(&[
            "patch",
            "cm",
            "cfg",
            "-n",
            "team-a",
            "--type=merge",
            "-p",
            r#"{"data":{"b":"2"}}"#,
        ])?,
        "merge patch",
    )?;
    let json_patch = r#"[{"op":"replace","path":"/data/a","value":"9"}]"#;
    ok(
        server.kubectl(&["patch", "cm", "cfg", "-n", "team-a", "--type=json", "-p", json_patch])?,
        "json patch",
    )?;
    ok(
        server.kubectl(&["patch", "cm", "cfg", "-n", "team-a", "-p", r#"{"data":{"c":"3"}}"#])?,
        "strategic patch",
    )?;
    let shown = ok(
        server.kubectl(&[
            "get",
            "cm",
            "cfg",
            "-n",
            "team-a",
            "-o",
            "jsonpath={.metadata.labels} {.metadata.annotations} {.data}",
        ])?,
        "get patched",
    )?;
    ensure!(
        shown == r#"{"tier":"db"} {"note":"hi"} {"a":"9","b":"2","c":"3"}"#,
        "{shown}"
    );
    let bad_test = r#"[{"op":"test","path":"/data/a","value":"0"}]"#;
    let failed_test = server.kubectl(&["patch", "cm", "cfg", "-n", "team-a", "--type=json", "-p", bad_test])?;
    ensure!(
        !failed_test.status.success() && stderr(&failed_test).contains("The request is invalid"),
        "{}",
        stderr(&failed_test)
    );

    let before = resource_version(&server, "cm", "cfg", "team-a")?;
    ok(
        server.kubectl(&["replace", "--validate=false", "-f", manifest])?,
        "replace",
    )?;
    let after = resource_version(&server, "cm", "cfg", "team-a")?;
    ensure!(
        after.parse::<i64>()? > before.parse::<i64>()?,
        "resourceVersion did not advance: {before} -> {after}"
    );

    // kubectl checks the namespace after a 404, as against Kubernetes.
    let missing_ns = server.kubectl(&["get", "cm", "-n", "nope", "x"])?;
    ensure!(
        stderr(&missing_ns).contains("Error from server (NotFound): namespaces \"nope\" not found"),
        "{}",
        stderr(&missing_ns)
    );
    let missing = server.kubectl(&["get", "cm", "-n", "team-a", "x"])?;
    ensure!(
        stderr(&missing).contains("Error from server (NotFound): configmaps \"x\" not found"),
        "{}",
        stderr(&missing)
    );
    let forbidden = server.kubectl(&["delete", "ns", "default"])?;
    ensure!(
        stderr(&forbidden).contains("namespaces \"default\" is forbidden: this namespace may not be deleted"),
        "{}",
        stderr(&forbidden)
    );

    let deleted = ok(server.kubectl(&["delete", "cm", "cfg", "-n", "team-a"])?, "delete")?;
    ensure!(deleted.contains("configmap \"cfg\" deleted"), "{deleted}");
    let gone = server.kubectl(&["get", "cm", "cfg", "-n", "team-a"])?;
    ensure!(
        stderr(&gone).contains("configmaps \"cfg\" not found"),
        "{}",
        stderr(&gone)
    );

    let metrics = ok(server.kubectl(&["get", "--raw", "/metrics"])?, "metrics")?;
    for expected in [
        r#"apiserver_request_total{verb="LIST",resource="configmaps",code="200"}"#,
        r#"apiserver_request_total{verb="CREATE",resource="configmaps",code="409"}"#,
        "apiserver_current_inflight_requests",
        r#"myriad_store_operation_duration_seconds_count{backend="main",operation="txn"}"#,
    ] {
        ensure!(metrics.contains(expected), "metrics lack {expected}");
    }

    let resources = ok(server.kubectl(&["api-resources"])?, "api-resources")?;
    ensure!(
        resources.contains("deployments") && resources.contains("deploy") && resources.contains("apps/v1"),
        "{resources}"
    );

    // Everything survives a restart.
    ensure!(server.stop()?, "unclean stop");
    let server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;
    let listed = ok(
        server.kubectl(&["get", "cm", "-n", "team-a", "-o", "name"])?,
        "get after restart",
    )?;
    ensure!(listed.lines().count() == 5, "{listed}");
    Ok(())
}

fn apply_json(server: &MyriadServer, dir: &std::path::Path, name: &str, object: serde_json::Value) -> Result<()> {
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, object.to_string())?;
    ok(
        server.kubectl(&["create", "--validate=false", "-f", path.to_str().unwrap_or_default()])?,
        "create",
    )?;
    Ok(())
}

#[test]
fn kubectl_deletion_workflows() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;
    let held = |name: &str, ns: &str| {
        serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": ns, "finalizers": ["example.com/hold"]}})
    };

    // Finalizers hold an object until the last one is removed; kubectl wait sees it go.
    apply_json(&server, dir.path(), "held", held("held", "default"))?;
    ok(server.kubectl(&["delete", "cm", "held", "--wait=false"])?, "delete")?;
    let stamp = ok(
        server.kubectl(&["get", "cm", "held", "-o", "jsonpath={.metadata.deletionTimestamp}"])?,
        "get",
    )?;
    ensure!(!stamp.is_empty(), "no deletionTimestamp");
    let mut waiter = std::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(server.kubeconfig())
        .args(["wait", "--for=delete", "cm/held", "--timeout=20s"])
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    // Whether kubectl wait is watching yet or not, it reports the object's deletion:
    // a watch sees it go, and a later GET sees it gone.
    ok(
        server.kubectl(&[
            "patch",
            "cm",
            "held",
            "--type=json",
            "-p",
            r#"[{"op":"remove","path":"/metadata/finalizers"}]"#,
        ])?,
        "unhold",
    )?;
    ensure!(waiter.wait()?.success(), "kubectl wait --for=delete failed");
    ensure!(
        !server.kubectl(&["get", "cm", "held"])?.status.success(),
        "object still there"
    );

    // A terminating namespace refuses new objects and goes once it is empty.
    apply_json(
        &server,
        dir.path(),
        "ns",
        serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "doomed"}}),
    )?;
    apply_json(&server, dir.path(), "pin", held("pin", "doomed"))?;
    ok(
        server.kubectl(&["delete", "ns", "doomed", "--wait=false"])?,
        "delete ns",
    )?;
    let phase = ok(
        server.kubectl(&["get", "ns", "doomed", "-o", "jsonpath={.status.phase}"])?,
        "phase",
    )?;
    ensure!(phase == "Terminating", "{phase}");
    let refused = server.curl(
        "POST",
        "/api/v1/namespaces/doomed/configmaps",
        "application/json",
        br#"{"metadata":{"name":"late"}}"#,
        true,
    )?;
    ensure!(
        refused.0 == 403 && refused.1.contains("because it is being terminated"),
        "{refused:?}"
    );
    ok(
        server.kubectl(&[
            "patch",
            "cm",
            "pin",
            "-n",
            "doomed",
            "--type=merge",
            "-p",
            r#"{"metadata":{"finalizers":null}}"#,
        ])?,
        "unpin",
    )?;
    myriad_testkit::eventually("the namespace is removed", || {
        Ok(!server.kubectl(&["get", "ns", "doomed"])?.status.success())
    })?;

    // Pods on a node are deleted gracefully; grace period 0 finishes it.
    let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"},
        "spec": {"nodeName": "node-1", "containers": [{"name": "c", "image": "nginx"}]}, "status": {"phase": "Running"}});
    apply_json(&server, dir.path(), "pod", pod)?;
    ok(server.kubectl(&["delete", "pod", "p", "--wait=false"])?, "delete pod")?;
    let grace = ok(
        server.kubectl(&[
            "get",
            "pod",
            "p",
            "-o",
            "jsonpath={.metadata.deletionGracePeriodSeconds}",
        ])?,
        "grace",
    )?;
    ensure!(grace == "30", "{grace}");
    ok(
        server.kubectl(&["delete", "pod", "p", "--grace-period=0", "--force"])?,
        "force delete",
    )?;
    ensure!(
        !server.kubectl(&["get", "pod", "p"])?.status.success(),
        "pod still there"
    );

    // deletecollection.
    for i in 0..3 {
        apply_json(
            &server,
            dir.path(),
            &format!("c{i}"),
            serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": format!("c{i}"), "namespace": "default"}}),
        )?;
    }
    let (code, body) = server.curl(
        "DELETE",
        "/api/v1/namespaces/default/configmaps",
        "application/json",
        b"",
        true,
    )?;
    ensure!(code == 200 && body.contains("ConfigMapList"), "{code} {body}");
    let left = ok(server.kubectl(&["get", "cm", "-o", "name"])?, "list")?;
    ensure!(left.trim().is_empty(), "{left}");
    Ok(())
}

#[test]
fn kubectl_scale_and_status_subresources() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;
    let deployment = serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}});
    apply_json(&server, dir.path(), "web", deployment)?;
    ok(
        server.kubectl(&["scale", "deployment", "web", "--replicas=5"])?,
        "scale",
    )?;
    let shown = ok(
        server.kubectl(&[
            "get",
            "deploy",
            "web",
            "-o",
            "jsonpath={.spec.replicas} {.metadata.generation}",
        ])?,
        "get",
    )?;
    ensure!(shown == "5 2", "{shown}");
    let scale: serde_json::Value = serde_json::from_str(&ok(
        server.kubectl(&["get", "--raw", "/apis/apps/v1/namespaces/default/deployments/web/scale"])?,
        "scale",
    )?)?;
    ensure!(
        scale["kind"] == "Scale" && scale["spec"]["replicas"] == 5 && scale["status"]["selector"] == "app=web",
        "{scale}"
    );

    // Status is written through /status only; spec only through the object.
    let status = r#"{"status":{"replicas":5,"readyReplicas":3}}"#;
    ok(
        server.kubectl(&[
            "patch",
            "deploy",
            "web",
            "--subresource=status",
            "--type=merge",
            "-p",
            status,
        ])?,
        "status patch",
    )?;
    ok(
        server.kubectl(&[
            "patch",
            "deploy",
            "web",
            "--type=merge",
            "-p",
            r#"{"status":{"replicas":99}}"#,
        ])?,
        "main patch",
    )?;
    let shown = ok(
        server.kubectl(&[
            "get",
            "deploy",
            "web",
            "-o",
            "jsonpath={.status.replicas} {.status.readyReplicas} {.metadata.generation}",
        ])?,
        "get",
    )?;
    ensure!(shown == "5 3 2", "{shown}");
    Ok(())
}

#[test]
fn kubectl_apply_updates_lists_by_merge_key() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;
    let manifest = |replicas: u32, image: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      containers:\n      - name: app\n        image: {image}\n        env:\n        - {{name: A, value: \"1\"}}\n      - name: sidecar\n        image: envoy\n"
        )
    };
    let path = dir.path().join("deploy.yaml");
    let path_str = path.to_str().unwrap_or_default();
    std::fs::write(&path, manifest(2, "nginx"))?;
    ensure!(ok(server.kubectl(&["apply", "--validate=false", "-f", path_str])?, "apply")?.contains("created"));
    std::fs::write(&path, manifest(3, "nginx:1.27"))?;
    ensure!(ok(server.kubectl(&["apply", "--validate=false", "-f", path_str])?, "apply")?.contains("configured"));
    ok(
        server.kubectl(&["set", "env", "deploy/web", "-c", "app", "B=2"])?,
        "set env",
    )?;
    let shown = ok(
        server.kubectl(&["get", "deploy", "web", "-o", "jsonpath={.spec.replicas} {.spec.template.spec.containers[*].image} {.spec.template.spec.containers[0].env[*].name}"])?,
        "get",
    )?;
    ensure!(shown == "3 nginx:1.27 envoy A B", "{shown}");
    Ok(())
}

#[test]
fn kubectl_tables_and_cordon() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;
    let objects = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/objects.json");
    ok(
        server.kubectl(&["create", "--validate=false", "-f", objects])?,
        "create",
    )?;
    // A pod's status is its node agent's to write, through the status subresource: the
    // status in the manifest was dropped on create, as upstream drops it.
    let created = ok(
        server.kubectl(&["get", "pod", "web-1", "-o", "jsonpath={.status.phase}"])?,
        "get",
    )?;
    ensure!(created == "Pending", "{created}");
    let status = r#"{"status": {"phase": "Running", "podIP": "10.1.0.5", "containerStatuses": [{"name": "a", "ready": true, "restartCount": 1, "image": "nginx", "imageID": "", "state": {"running": {}}}]}}"#;
    ok(
        server.kubectl(&[
            "patch",
            "pod",
            "web-1",
            "--subresource=status",
            "--type=merge",
            "-p",
            status,
        ])?,
        "patch status",
    )?;
    let header = |out: &str| {
        out.lines()
            .next()
            .unwrap_or("")
            .split_whitespace()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };

    let pods = ok(server.kubectl(&["get", "pods", "-o", "wide"])?, "pods")?;
    ensure!(
        header(&pods)
            == [
                "NAME",
                "READY",
                "STATUS",
                "RESTARTS",
                "AGE",
                "IP",
                "NODE",
                "NOMINATED",
                "NODE",
                "READINESS",
                "GATES"
            ],
        "{pods}"
    );
    ensure!(
        pods.lines()
            .nth(1)
            .is_some_and(|l| l.split_whitespace().take(4).eq(["web-1", "1/1", "Running", "1"])),
        "{pods}"
    );
    let nodes = ok(server.kubectl(&["get", "nodes"])?, "nodes")?;
    ensure!(
        header(&nodes) == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
        "{nodes}"
    );
    let services = ok(server.kubectl(&["get", "svc"])?, "services")?;
    ensure!(
        services.contains("10.96.0.10") && services.contains("80/TCP"),
        "{services}"
    );

    let on_node = ok(
        server.kubectl(&[
            "get",
            "pods",
            "-A",
            "--field-selector",
            "spec.nodeName=node-1,status.phase=Running",
            "-o",
            "name",
        ])?,
        "field selector",
    )?;
    ensure!(on_node.trim() == "pod/web-1", "{on_node}");
    let elsewhere = ok(
        server.kubectl(&[
            "get",
            "pods",
            "-A",
            "--field-selector",
            "spec.nodeName=node-2",
            "-o",
            "name",
        ])?,
        "field selector",
    )?;
    ensure!(elsewhere.trim().is_empty(), "{elsewhere}");
    let bogus = server.kubectl(&["get", "pods", "--field-selector", "spec.bogus=1"])?;
    ensure!(
        stderr(&bogus).contains("field label not supported: spec.bogus"),
        "{}",
        stderr(&bogus)
    );
    let described = ok(server.kubectl(&["describe", "pod", "web-1"])?, "describe pod")?;
    ensure!(
        described.contains("Node:")
            && described.contains("node-1")
            && described.contains("Status:")
            && described.contains("Running"),
        "{described}"
    );
    let described = ok(server.kubectl(&["describe", "node", "node-1"])?, "describe node")?;
    ensure!(
        described.contains("Non-terminated Pods:") && described.contains("web-1"),
        "{described}"
    );

    ok(server.kubectl(&["cordon", "node-1"])?, "cordon")?;
    let nodes = ok(server.kubectl(&["get", "nodes"])?, "nodes")?;
    ensure!(nodes.contains("Ready,SchedulingDisabled"), "{nodes}");
    ok(server.kubectl(&["uncordon", "node-1"])?, "uncordon")?;
    let unschedulable = ok(
        server.kubectl(&["get", "node", "node-1", "-o", "jsonpath={.spec.unschedulable}"])?,
        "get",
    )?;
    ensure!(unschedulable.is_empty() || unschedulable == "false", "{unschedulable}");
    Ok(())
}

#[test]
fn kubectl_validates_fields_through_the_server() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;
    let write = |name: &str, replicas_line: &str| -> Result<String> {
        let path = dir.path().join(name);
        std::fs::write(
            &path,
            format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\nspec:\n  {replicas_line}\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      containers:\n      - {{name: app, image: nginx}}\n"
            ),
        )?;
        Ok(path.to_str().unwrap_or_default().to_string())
    };
    // No --validate=false: kubectl finds fieldValidation in /openapi/v3 and lets the
    // server validate.
    let good = write("good.yaml", "replicas: 2")?;
    ok(server.kubectl(&["apply", "-f", &good])?, "apply")?;

    let typo = write("typo.yaml", "replica: 3")?;
    let strict = server.kubectl(&["apply", "-f", &typo])?;
    ensure!(
        stderr(&strict).contains("Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.replica\""),
        "{}",
        stderr(&strict)
    );
    let warned = server.kubectl(&["apply", "--validate=warn", "-f", &typo])?;
    ensure!(
        warned.status.success() && stderr(&warned).contains("Warning: unknown field \"spec.replica\""),
        "{}",
        stderr(&warned)
    );
    let stored = ok(server.kubectl(&["get", "deploy", "web", "-o", "json"])?, "get")?;
    ensure!(
        !stored.contains("\"replica\""),
        "unknown fields must not be stored: {stored}"
    );

    // `kubectl explain` reads each kind's schema, with upstream's descriptions.
    let explained = ok(server.kubectl(&["explain", "pods.spec.containers"])?, "explain")?;
    ensure!(
        explained.contains("KIND:       Pod")
            && explained.contains("FIELD: containers <[]Container>")
            && explained.contains("List of containers belonging to the pod.")
            && explained.contains("  image\t<string>")
            && explained.contains("  name\t<string> -required-"),
        "{explained}"
    );
    let explained = ok(
        server.kubectl(&["explain", "deployment.spec", "--recursive"])?,
        "explain",
    )?;
    ensure!(
        explained.contains("GROUP:      apps") && explained.contains("  replicas\t<integer>"),
        "{explained}"
    );
    let missing = server.kubectl(&["explain", "pods.spec.bogus"])?;
    ensure!(
        !missing.status.success() && stderr(&missing).contains(r#"field "bogus" does not exist"#),
        "{}",
        stderr(&missing)
    );

    let wrong_type = write("wrong.yaml", "replicas: two")?;
    let refused = server.kubectl(&["apply", "-f", &wrong_type])?;
    ensure!(
        !refused.status.success() && stderr(&refused).contains("cannot be handled as a Deployment"),
        "{}",
        stderr(&refused)
    );
    Ok(())
}

/// `kubectl apply -f` of a manifest that defines CRDs and objects of them. kubectl maps
/// every object before creating any, so the first run may say "ensure CRDs are
/// installed first", as it does against Kubernetes; the second run applies all.
fn apply_with_crds(server: &MyriadServer, manifest: &str) -> Result<()> {
    let first = server.kubectl(&["apply", "-f", manifest])?;
    ensure!(
        first.status.success() || stderr(&first).contains("ensure CRDs are installed first"),
        "{}",
        stderr(&first)
    );
    ok(server.kubectl(&["apply", "-f", manifest])?, "apply")?;
    Ok(())
}

const STACK: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data: {mode: fast}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: app, image: "nginx:1.27", ports: [{containerPort: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {colour: {type: string}}}
    selectableFields: [{jsonPath: .spec.colour}]
  - name: v1beta1
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {colour: {type: string}}}
    selectableFields: [{jsonPath: .spec.colour}]
---
apiVersion: example.com/v1
kind: Gadget
metadata: {name: g1, namespace: shop}
spec: {colour: blue}
"#;

/// The everyday loop: apply a whole stack (with a CRD and its object), read it as YAML,
/// `kubectl edit` it, apply again, delete it all.
#[test]
fn kubectl_apply_edit_and_delete_a_stack() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;
    let manifest = dir.path().join("stack.yaml");
    std::fs::write(&manifest, STACK)?;
    let manifest = manifest.to_str().unwrap_or_default();

    apply_with_crds(&server, manifest)?;
    let yaml = ok(
        server.kubectl(&["get", "deploy", "web", "-n", "shop", "-o", "yaml"])?,
        "get -o yaml",
    )?;
    ensure!(
        yaml.contains("kind: Deployment") && yaml.contains("  replicas: 2") && yaml.contains("image: nginx:1.27"),
        "{yaml}"
    );
    let gadget = ok(
        server.kubectl(&["get", "gadget", "g1", "-n", "shop", "-o", "jsonpath={.spec.colour}"])?,
        "get gadget",
    )?;
    ensure!(gadget == "blue", "{gadget}");
    // Every served version reads and writes the same objects, each in its own apiVersion.
    let beta = ok(
        server.kubectl(&[
            "get",
            "gadgets.v1beta1.example.com",
            "g1",
            "-n",
            "shop",
            "-o",
            "jsonpath={.apiVersion}",
        ])?,
        "get v1beta1",
    )?;
    ensure!(beta == "example.com/v1beta1", "{beta}");
    ok(
        server.kubectl_stdin(
            &["create", "-f", "-"],
            r#"{"apiVersion":"example.com/v1beta1","kind":"Gadget","metadata":{"name":"g2","namespace":"shop"},"spec":{"colour":"red"}}"#,
        )?,
        "create v1beta1",
    )?;
    let listed = ok(
        server.kubectl(&[
            "get",
            "gadgets.v1.example.com",
            "-n",
            "shop",
            "-o",
            "jsonpath={.items[*].apiVersion}",
        ])?,
        "list v1",
    )?;
    ensure!(listed == "example.com/v1 example.com/v1", "{listed}");
    let red = ok(
        server.kubectl(&[
            "get",
            "gadgets",
            "-n",
            "shop",
            "--field-selector",
            "spec.colour=red",
            "-o",
            "name",
        ])?,
        "field selector",
    )?;
    ensure!(red.trim() == "gadget.example.com/g2", "{red}");
    let unknown = server.kubectl(&["get", "gadgets", "-n", "shop", "--field-selector", "spec.size=1"])?;
    ensure!(
        stderr(&unknown).contains("field label not supported: spec.size"),
        "{}",
        stderr(&unknown)
    );

    // `kubectl edit` with a scripted editor.
    let editor = dir.path().join("editor.sh");
    std::fs::write(&editor, "#!/bin/sh\nsed -i 's/replicas: 2/replicas: 4/' \"$1\"\n")?;
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
    let edited = server
        .kubectl_command(&["edit", "deploy", "web", "-n", "shop"])
        .env("KUBE_EDITOR", &editor)
        .output()?;
    ensure!(
        stdout(&edited).contains("deployment.apps/web edited"),
        "{}",
        stderr(&edited)
    );
    let replicas = ok(
        server.kubectl(&["get", "deploy", "web", "-n", "shop", "-o", "jsonpath={.spec.replicas}"])?,
        "get",
    )?;
    ensure!(replicas == "4", "{replicas}");

    let again = ok(server.kubectl(&["apply", "-f", manifest])?, "apply")?;
    ensure!(
        again.contains("configmap/settings unchanged") && again.contains("deployment.apps/web configured"),
        "{again}"
    );
    // The namespace's own cleanup may beat kubectl to its objects on a loaded machine.
    let deleted = ok(
        server.kubectl(&["delete", "-f", manifest, "--ignore-not-found", "--timeout=30s"])?,
        "delete -f",
    )?;
    ensure!(
        deleted.contains("namespace \"shop\" deleted")
            && deleted.contains("customresourcedefinition.apiextensions.k8s.io \"gadgets.example.com\" deleted"),
        "{deleted}"
    );
    let gone = server.kubectl(&["get", "ns", "shop"])?;
    ensure!(!gone.status.success(), "namespace still there");
    Ok(())
}

/// A scheduler's `pods/binding` and `kubectl drain`'s `pods/eviction`.
#[test]
fn kubectl_drain_evicts_bound_pods() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;
    let node = |name: &str| format!(r#"{{"apiVersion":"v1","kind":"Node","metadata":{{"name":"{name}"}}}}"#);
    let pod = |name: &str| {
        format!(
            r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"{name}"}},"spec":{{"containers":[{{"name":"c","image":"nginx"}}]}}}}"#
        )
    };
    for object in [node("node-1"), node("node-2"), pod("p1"), pod("p2"), pod("p3")] {
        ok(server.kubectl_stdin(&["create", "-f", "-"], &object)?, "create")?;
    }
    let bind = |pod: &str, node: &str| {
        let body = format!(
            r#"{{"apiVersion":"v1","kind":"Binding","metadata":{{"name":"{pod}"}},"target":{{"kind":"Node","name":"{node}"}}}}"#
        );
        let path = format!("/api/v1/namespaces/default/pods/{pod}/binding");
        server.curl("POST", &path, "application/json", body.as_bytes(), true)
    };
    for (pod, node) in [("p1", "node-1"), ("p2", "node-1"), ("p3", "node-2")] {
        let (code, body) = bind(pod, node)?;
        ensure!(code == 201 && body.contains(r#""status":"Success""#), "{code} {body}");
    }
    let (code, body) = bind("p1", "node-2")?;
    ensure!(
        code == 409
            && body.contains(
                r#"Operation cannot be fulfilled on pods/binding \"p1\": pod p1 is already assigned to node \"node-1\""#
            ),
        "{code} {body}"
    );
    let scheduled = ok(
        server.kubectl(&[
            "get",
            "pod",
            "p1",
            "-o",
            "jsonpath={.spec.nodeName} {.status.conditions[?(@.type=='PodScheduled')].status}",
        ])?,
        "get",
    )?;
    ensure!(scheduled == "node-1 True", "{scheduled}");

    // Pods no controller owns need --force, as against Kubernetes.
    let refused = server.kubectl(&["drain", "node-1"])?;
    ensure!(
        !refused.status.success() && stderr(&refused).contains("cannot delete Pods that declare no controller"),
        "{}",
        stderr(&refused)
    );
    let drained = ok(
        server.kubectl(&["drain", "node-1", "--force", "--grace-period=0", "--timeout=30s"])?,
        "drain",
    )?;
    ensure!(
        drained.contains("evicting pod default/p1") && drained.contains("node/node-1 drained"),
        "{drained}"
    );
    let left = ok(server.kubectl(&["get", "pods", "-o", "name"])?, "get pods")?;
    ensure!(left.trim() == "pod/p3", "{left}");
    let unschedulable = ok(
        server.kubectl(&["get", "node", "node-1", "-o", "jsonpath={.spec.unschedulable}"])?,
        "get node",
    )?;
    ensure!(unschedulable == "true", "{unschedulable}");

    // An eviction without a grace period deletes gracefully: the bound pod waits for its node.
    let evict =
        |name: &str| format!(r#"{{"apiVersion":"policy/v1","kind":"Eviction","metadata":{{"name":"{name}"}}}}"#);
    let path = "/api/v1/namespaces/default/pods/p3/eviction";
    let (code, body) = server.curl("POST", path, "application/json", evict("p1").as_bytes(), true)?;
    ensure!(
        code == 400 && body.contains("name in URL does not match name in Eviction object"),
        "{code} {body}"
    );
    let (code, body) = server.curl("POST", path, "application/json", evict("p3").as_bytes(), true)?;
    ensure!(code == 201, "{code} {body}");
    let deleting = ok(
        server.kubectl(&[
            "get",
            "pod",
            "p3",
            "-o",
            "jsonpath={.metadata.deletionGracePeriodSeconds}",
        ])?,
        "get",
    )?;
    ensure!(deleting == "30", "{deleting}");
    let reason = ok(
        server.kubectl(&[
            "get",
            "pod",
            "p3",
            "-o",
            "jsonpath={.status.conditions[?(@.type=='DisruptionTarget')].reason}",
        ])?,
        "get",
    )?;
    ensure!(reason == "EvictionByEvictionAPI", "{reason}");
    let (code, _) = server.curl(
        "POST",
        "/api/v1/namespaces/default/pods/ghost/eviction",
        "application/json",
        evict("ghost").as_bytes(),
        true,
    )?;
    ensure!(code == 404, "{code}");
    Ok(())
}

/// kubectl's typed commands (`create namespace|configmap|deployment…`) send protobuf, as
/// client-go does for built-in kinds; the server decodes it into the JSON a Go client
/// would have sent (zero-valued pointers kept, empty non-pointer fields dropped).
#[test]
fn kubectl_typed_commands_send_protobuf() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;
    let run = |args: &[&str]| -> Result<String> { ok(server.kubectl(args)?, &args.join(" ")) };

    run(&["create", "namespace", "typed"])?;
    run(&[
        "create",
        "configmap",
        "settings",
        "-n",
        "typed",
        "--from-literal=mode=fast",
        "--from-literal=empty=",
    ])?;
    run(&[
        "create",
        "secret",
        "generic",
        "token",
        "-n",
        "typed",
        "--from-literal=key=s3cr3t",
    ])?;
    run(&[
        "create",
        "deployment",
        "web",
        "-n",
        "typed",
        "--image=nginx:1.27",
        "--replicas=0",
    ])?;
    run(&["create", "service", "clusterip", "web", "-n", "typed", "--tcp=80:8080"])?;
    run(&["create", "serviceaccount", "robot", "-n", "typed"])?;
    run(&[
        "create",
        "role",
        "reader",
        "-n",
        "typed",
        "--verb=get,list",
        "--resource=pods",
    ])?;
    run(&[
        "create",
        "rolebinding",
        "readers",
        "-n",
        "typed",
        "--role=reader",
        "--user=bob",
        "--serviceaccount=typed:robot",
    ])?;
    run(&[
        "create",
        "clusterrole",
        "node-reader",
        "--verb=list",
        "--resource=nodes",
    ])?;
    run(&[
        "create",
        "clusterrolebinding",
        "node-readers",
        "--clusterrole=node-reader",
        "--group=ops",
    ])?;
    // Server-side dry run goes through the same decoding and stores nothing.
    run(&["create", "configmap", "ghost", "-n", "typed", "--dry-run=server"])?;

    let cm: serde_json::Value =
        serde_json::from_str(&run(&["get", "configmap", "settings", "-n", "typed", "-o", "json"])?)?;
    ensure!(cm["data"] == serde_json::json!({"mode": "fast", "empty": ""}), "{cm}");
    let secret: serde_json::Value =
        serde_json::from_str(&run(&["get", "secret", "token", "-n", "typed", "-o", "json"])?)?;
    ensure!(
        secret["data"]["key"] == "czNjcjN0" && secret["type"] == "Opaque",
        "{secret}"
    );
    let deploy: serde_json::Value =
        serde_json::from_str(&run(&["get", "deployment", "web", "-n", "typed", "-o", "json"])?)?;
    ensure!(deploy["spec"]["replicas"] == 0, "a pointer's zero is kept: {deploy}");
    ensure!(
        deploy["spec"].get("paused").is_none() && deploy["spec"].get("minReadySeconds").is_none(),
        "{deploy}"
    );
    ensure!(
        deploy["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27",
        "{deploy}"
    );
    ensure!(deploy["metadata"].get("generateName").is_none(), "{deploy}");
    let svc: serde_json::Value = serde_json::from_str(&run(&["get", "service", "web", "-n", "typed", "-o", "json"])?)?;
    ensure!(
        svc["spec"]["ports"][0]["port"] == 80 && svc["spec"]["ports"][0]["targetPort"] == 8080,
        "{svc}"
    );

    let bindings = run(&["get", "rolebindings", "-n", "typed", "-o", "wide"])?;
    ensure!(
        bindings.contains("Role/reader") && bindings.contains("bob") && bindings.contains("typed/robot"),
        "{bindings}"
    );
    let cluster = run(&["get", "clusterrolebinding", "node-readers"])?;
    ensure!(cluster.contains("ClusterRole/node-reader"), "{cluster}");
    let ghost = server.kubectl(&["get", "configmap", "ghost", "-n", "typed"])?;
    ensure!(!ghost.status.success(), "dry run stored the object");
    Ok(())
}

const CRD_MANIFEST: &str = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd], categories: [all]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
    additionalPrinterColumns:
    - {name: Size, type: string, jsonPath: .spec.size}
    - {name: Replicas, type: integer, jsonPath: .spec.replicas}
    - {name: Ready, type: string, jsonPath: '.status.conditions[?(@.type=="Ready")].status', priority: 1}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: string, enum: [small, large]}
              replicas: {type: integer, minimum: 0, default: 1}
              extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
          status:
            type: object
            properties:
              replicas: {type: integer}
              conditions:
                type: array
                items:
                  type: object
                  properties:
                    type: {type: string}
                    status: {type: string}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w1, namespace: default}
spec: {size: small, extra: {anything: [1, 2]}}
"#;

/// A CRD serves its resource at once: schema validation with upstream's messages,
/// defaults, pruning, status and scale subresources, printer columns; deleting it
/// deletes its objects; it survives a restart.
#[test]
fn kubectl_custom_resources() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;
    let run = |server: &MyriadServer, args: &[&str]| -> Result<String> { ok(server.kubectl(args)?, &args.join(" ")) };
    let manifest = dir.path().join("crd.yaml");
    std::fs::write(&manifest, CRD_MANIFEST)?;
    let manifest = manifest.to_str().unwrap_or_default();

    apply_with_crds(&server, manifest)?;
    let established = run(
        &server,
        &[
            "wait",
            "--for=condition=Established",
            "crd/widgets.example.com",
            "--timeout=10s",
        ],
    )?;
    ensure!(established.contains("condition met"), "{established}");
    let resources = run(&server, &["api-resources", "--api-group=example.com"])?;
    ensure!(
        resources.contains("widgets") && resources.contains("wd") && resources.contains("Widget"),
        "{resources}"
    );
    // `kubectl explain` walks the CRD's schema from the group-version's OpenAPI document.
    let explained = run(&server, &["explain", "widgets.spec.size"])?;
    ensure!(
        explained.contains("GROUP:      example.com")
            && explained.contains("FIELD: size <string>")
            && explained.contains("ENUM:\n    small\n    large"),
        "{explained}"
    );

    let widget: serde_json::Value = serde_json::from_str(&run(&server, &["get", "wd", "w1", "-o", "json"])?)?;
    ensure!(widget["spec"]["replicas"] == 1, "default not applied: {widget}");
    ensure!(
        widget["spec"]["extra"] == serde_json::json!({"anything": [1, 2]}),
        "{widget}"
    );
    ensure!(widget["metadata"]["generation"] == 1, "{widget}");

    // Invalid objects: 422 with each field's upstream message; unknown fields refused
    // under kubectl's default strict validation.
    let bad = server.kubectl_stdin(
        &["create", "-f", "-"],
        r#"{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"bad"},"spec":{"size":"huge","replicas":-1}}"#,
    )?;
    let message = stderr(&bad);
    ensure!(!bad.status.success(), "invalid widget stored");
    ensure!(
        message.contains(r#"spec.size: Unsupported value: "huge": supported values: "small", "large""#),
        "{message}"
    );
    ensure!(
        message
            .contains("spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0"),
        "{message}"
    );
    let unknown = server.kubectl_stdin(
        &["create", "-f", "-"],
        r#"{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"u"},"spec":{"size":"small","colour":"red"}}"#,
    )?;
    ensure!(
        stderr(&unknown).contains(r#"strict decoding error: unknown field "spec.colour""#),
        "{}",
        stderr(&unknown)
    );

    // Scale and status subresources; a write to the object keeps its status.
    run(&server, &["scale", "wd", "w1", "--replicas=3"])?;
    let status = r#"{"status":{"replicas":3,"conditions":[{"type":"Ready","status":"True"}]}}"#;
    run(
        &server,
        &[
            "patch",
            "wd",
            "w1",
            "--subresource=status",
            "--type=merge",
            "-p",
            status,
        ],
    )?;
    run(
        &server,
        &[
            "patch",
            "wd",
            "w1",
            "--type=merge",
            "-p",
            r#"{"status":{"replicas":0}}"#,
        ],
    )?;
    let widget: serde_json::Value = serde_json::from_str(&run(&server, &["get", "wd", "w1", "-o", "json"])?)?;
    ensure!(
        widget["spec"]["replicas"] == 3 && widget["status"]["replicas"] == 3,
        "{widget}"
    );
    ensure!(
        widget["metadata"]["generation"] == 2,
        "status writes must not bump generation: {widget}"
    );
    let table = run(&server, &["get", "widgets", "-o", "wide"])?;
    let header: Vec<&str> = table.lines().next().unwrap_or("").split_whitespace().collect();
    ensure!(header == ["NAME", "SIZE", "REPLICAS", "READY"], "{table}");
    ensure!(
        table
            .lines()
            .nth(1)
            .is_some_and(|row| row.split_whitespace().collect::<Vec<_>>() == ["w1", "small", "3", "True"]),
        "{table}"
    );

    // The CRD and its objects survive a restart.
    ensure!(server.stop()?, "server did not exit cleanly");
    let server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;
    let after = run(&server, &["get", "wd", "w1", "-o", "jsonpath={.spec.replicas}"])?;
    ensure!(after == "3", "{after}");

    // Deleting the CRD deletes its objects, then stops serving the resource.
    run(
        &server,
        &["delete", "crd", "widgets.example.com", "--wait=true", "--timeout=20s"],
    )?;
    let gone = server.kubectl(&["get", "widgets.example.com"])?;
    ensure!(!gone.status.success(), "widgets still served");
    let crds = run(&server, &["get", "crd"])?;
    ensure!(!crds.contains("widgets"), "{crds}");
    Ok(())
}
