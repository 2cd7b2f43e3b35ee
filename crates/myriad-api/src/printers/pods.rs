//! Pods and pod templates. A pod's row is the busiest of all: READY counts ready
//! containers (restartable init containers — sidecars — included), STATUS follows
//! upstream's precedence (the pod's reason or phase, `SchedulingGated`, the first
//! unfinished init container as `Init:…`, then the last container's waiting or
//! terminated reason, `Terminating` or `Unknown` once deleted) and RESTARTS tells when
//! the last restart happened (`3 (5m ago)`).

use serde_json::{Value, json};

use super::format::{
    Now, at, container_cells, first_condition_true, flag, format_labels, int, items, name, parse_time, set, text,
};
use super::{AGE, NAME, Printer, column, d, wide};

pub(super) fn printer(group: &str, resource: &str) -> Option<&'static Printer> {
    match (group, resource) {
        ("", "pods") => Some(&POD),
        ("", "podtemplates") => Some(&POD_TEMPLATE),
        _ => None,
    }
}

static POD: Printer = Printer {
    columns: &[
        NAME,
        column(
            "Ready",
            "string",
            "The aggregate readiness state of this pod for accepting traffic.",
        ),
        column(
            "Status",
            "string",
            "The aggregate status of the containers in this pod.",
        ),
        column(
            "Restarts",
            "string",
            "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
        ),
        AGE,
        wide("IP", "string", d::POD_IP),
        wide("Node", "string", d::POD_NODE_NAME),
        wide("Nominated Node", "string", d::POD_NOMINATED_NODE_NAME),
        wide("Readiness Gates", "string", d::POD_READINESS_GATES),
    ],
    cells: pod,
};

static POD_TEMPLATE: Printer = Printer {
    columns: &[
        NAME,
        column("Containers", "string", "Names of each container in the template."),
        column(
            "Images",
            "string",
            "Images referenced by each container in the template.",
        ),
        column("Pod Labels", "string", "The labels for the pod template."),
    ],
    cells: pod_template,
};

/// Keeps the later of two optional times (upstream's `lastRestartDate.Before(...)`).
fn keep_latest(latest: &mut Option<i128>, time: Option<i128>) {
    if let Some(time) = time
        && latest.is_none_or(|l| l < time)
    {
        *latest = Some(time);
    }
}

/// When a container last terminated before its current run.
fn last_termination(status: &Value) -> Option<i128> {
    parse_time(at(status, &["lastState", "terminated", "finishedAt"]))
}

/// A terminated state's reason, or `Signal:N` / `ExitCode:N` when it gives none.
fn terminated_reason(terminated: &Value) -> String {
    let reason = text(terminated, &["reason"]);
    if !reason.is_empty() {
        return reason.to_owned();
    }
    match int(terminated, &["signal"]) {
        0 => format!("ExitCode:{}", int(terminated, &["exitCode"])),
        signal => format!("Signal:{signal}"),
    }
}

fn pod(pod: &Value, now: Now) -> Vec<Value> {
    let status = at(pod, &["status"]).unwrap_or(&Value::Null);
    let phase = text(status, &["phase"]);
    let status_reason = text(status, &["reason"]);
    let mut reason = if status_reason.is_empty() { phase } else { status_reason }.to_owned();
    let conditions = items(status, &["conditions"]);
    if conditions
        .iter()
        .any(|c| text(c, &["type"]) == "PodScheduled" && text(c, &["reason"]) == "SchedulingGated")
    {
        reason = "SchedulingGated".to_owned();
    }

    let init_specs = items(pod, &["spec", "initContainers"]);
    let is_sidecar = |spec: &Value| text(spec, &["restartPolicy"]) == "Always";
    // Upstream looks init containers up in a map by name: the last of a name wins.
    let sidecar_named = |name: &str| {
        init_specs
            .iter()
            .rev()
            .find(|c| text(c, &["name"]) == name)
            .is_some_and(is_sidecar)
    };
    let total = items(pod, &["spec", "containers"]).len() + init_specs.iter().filter(|c| is_sidecar(c)).count();
    let mut ready = 0usize;
    let mut restarts = 0i64;
    let mut sidecar_restarts = 0i64;
    let mut last_restart = None;
    let mut last_sidecar_restart = None;

    let mut initializing = false;
    for (i, container) in items(status, &["initContainerStatuses"]).iter().enumerate() {
        let restart_count = int(container, &["restartCount"]);
        restarts += restart_count;
        let terminated_at = last_termination(container);
        keep_latest(&mut last_restart, terminated_at);
        let sidecar = sidecar_named(text(container, &["name"]));
        if sidecar {
            sidecar_restarts += restart_count;
            keep_latest(&mut last_sidecar_restart, terminated_at);
        }
        let terminated = set(container, &["state", "terminated"]);
        let waiting_reason = set(container, &["state", "waiting"])
            .map(|w| text(w, &["reason"]))
            .filter(|r| !r.is_empty() && *r != "PodInitializing");
        if terminated.is_some_and(|t| int(t, &["exitCode"]) == 0) {
            continue;
        }
        if sidecar && flag(container, &["started"]) {
            if flag(container, &["ready"]) {
                ready += 1;
            }
            continue;
        }
        reason = match (terminated, waiting_reason) {
            (Some(terminated), _) => format!("Init:{}", terminated_reason(terminated)),
            (None, Some(waiting)) => format!("Init:{waiting}"),
            (None, None) => format!("Init:{i}/{}", init_specs.len()),
        };
        initializing = true;
        break;
    }

    if !initializing || first_condition_true(conditions, "Initialized") {
        restarts = sidecar_restarts;
        last_restart = last_sidecar_restart;
        let mut has_running = false;
        for container in items(status, &["containerStatuses"]).iter().rev() {
            restarts += int(container, &["restartCount"]);
            keep_latest(&mut last_restart, last_termination(container));
            let waiting_reason = set(container, &["state", "waiting"])
                .map(|w| text(w, &["reason"]))
                .filter(|r| !r.is_empty());
            if let Some(waiting) = waiting_reason {
                reason = waiting.to_owned();
            } else if let Some(terminated) = set(container, &["state", "terminated"]) {
                reason = terminated_reason(terminated);
            } else if flag(container, &["ready"]) && set(container, &["state", "running"]).is_some() {
                has_running = true;
                ready += 1;
            }
        }
        // A pod whose last container completed but another still runs is Running
        // (or NotReady), not Completed.
        if reason == "Completed" && has_running {
            let pod_ready = conditions
                .iter()
                .any(|c| text(c, &["type"]) == "Ready" && text(c, &["status"]) == "True");
            reason = if pod_ready { "Running" } else { "NotReady" }.to_owned();
        }
    }

    if set(pod, &["metadata", "deletionTimestamp"]).is_some() {
        if status_reason == "NodeLost" {
            reason = "Unknown".to_owned();
        } else if phase != "Succeeded" && phase != "Failed" {
            reason = "Terminating".to_owned();
        }
    }

    let restarts = match last_restart {
        Some(at) if restarts != 0 => format!("{restarts} ({} ago)", now.elapsed(at)),
        _ => restarts.to_string(),
    };

    // -o wide: the pod's first IP (`podIP` wins over `podIPs`, as conversion does).
    let pod_ip = match text(status, &["podIP"]) {
        "" => items(status, &["podIPs"]).first().map_or("", |ip| text(ip, &["ip"])),
        ip => ip,
    };
    let gates = items(pod, &["spec", "readinessGates"]);
    let readiness_gates = if gates.is_empty() {
        "<none>".to_owned()
    } else {
        let passing = gates
            .iter()
            .filter(|gate| {
                let kind = text(gate, &["conditionType"]);
                conditions
                    .iter()
                    .find(|c| text(c, &["type"]) == kind)
                    .is_some_and(|c| text(c, &["status"]) == "True")
            })
            .count();
        format!("{passing}/{}", gates.len())
    };
    let or_none = |s: &str| Value::from(if s.is_empty() { "<none>" } else { s });
    vec![
        name(pod),
        Value::String(format!("{ready}/{total}")),
        Value::String(reason),
        Value::String(restarts),
        now.age(pod),
        or_none(pod_ip),
        or_none(text(pod, &["spec", "nodeName"])),
        or_none(text(status, &["nominatedNodeName"])),
        Value::String(readiness_gates),
    ]
}

fn pod_template(template: &Value, _: Now) -> Vec<Value> {
    let [containers, images] = container_cells(items(template, &["template", "spec", "containers"]));
    vec![
        name(template),
        containers,
        images,
        Value::String(format_labels(at(template, &["template", "metadata", "labels"]))),
    ]
}

/// The `Completed` row condition upstream gives pods that succeeded or failed.
pub(super) fn row_conditions(pod: &Value) -> Option<Value> {
    let (reason, message) = match text(pod, &["status", "phase"]) {
        "Succeeded" => ("Succeeded", "The pod has completed successfully."),
        "Failed" => ("Failed", "The pod failed."),
        _ => return None,
    };
    Some(json!([{"type": "Completed", "status": "True", "reason": reason, "message": message}]))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::tests::{CREATED, narrow, row};
    use super::*;

    fn pod_with(spec: Value, status: Value) -> Value {
        json!({"metadata": {"name": "p", "creationTimestamp": CREATED}, "spec": spec, "status": status})
    }

    fn running(name: &str, restarts: i64) -> Value {
        json!({"name": name, "ready": true, "restartCount": restarts, "state": {"running": {"startedAt": CREATED}}})
    }

    fn status_of(pod: &Value) -> Value {
        row("", "pods", pod)[2].clone()
    }

    #[test]
    fn a_running_pod_wide() {
        let pod = pod_with(
            json!({"nodeName": "node-1", "containers": [{"name": "a"}, {"name": "b"}],
                   "readinessGates": [{"conditionType": "example.com/ready"}, {"conditionType": "example.com/other"}]}),
            json!({"phase": "Running", "podIP": "10.0.0.7", "podIPs": [{"ip": "10.0.0.7"}, {"ip": "fd00::7"}],
                   "conditions": [{"type": "Ready", "status": "True"}, {"type": "example.com/ready", "status": "True"}],
                   "containerStatuses": [running("a", 0), running("b", 0)]}),
        );
        assert_eq!(
            row("", "pods", &pod),
            [
                json!("p"),
                json!("2/2"),
                json!("Running"),
                json!("0"),
                json!("10m"),
                json!("10.0.0.7"),
                json!("node-1"),
                json!("<none>"),
                json!("1/2")
            ]
        );
        assert_eq!(narrow("", "pods", &pod).len(), 5);
    }

    #[test]
    fn restarts_show_when_the_last_one_happened() {
        let mut a = running("a", 3);
        a["lastState"] = json!({"terminated": {"exitCode": 1, "finishedAt": "2024-01-01T00:05:00Z"}});
        let pod = pod_with(
            json!({"containers": [{"name": "a"}, {"name": "b"}]}),
            json!({"phase": "Running", "containerStatuses": [a, running("b", 1)]}),
        );
        let cells = row("", "pods", &pod);
        assert_eq!(cells[3], "4 (5m ago)");
        assert_eq!(cells[5], "<none>");
        assert_eq!(cells[6], "<none>");
        assert_eq!(cells[8], "<none>");
    }

    #[test]
    fn pending_pods_show_waiting_reasons() {
        let waiting = |reason: &str| json!({"name": "a", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": reason}}});
        for reason in ["ContainerCreating", "ImagePullBackOff", "ErrImagePull"] {
            let pod = pod_with(
                json!({"containers": [{"name": "a"}]}),
                json!({"phase": "Pending", "containerStatuses": [waiting(reason)]}),
            );
            assert_eq!(status_of(&pod), reason);
            assert_eq!(row("", "pods", &pod)[1], "0/1");
        }
        let mut crashing = waiting("CrashLoopBackOff");
        crashing["restartCount"] = json!(5);
        crashing["lastState"] =
            json!({"terminated": {"exitCode": 2, "reason": "Error", "finishedAt": "2024-01-01T00:09:30Z"}});
        let pod = pod_with(
            json!({"containers": [{"name": "a"}]}),
            json!({"phase": "Running", "containerStatuses": [crashing]}),
        );
        assert_eq!(
            narrow("", "pods", &pod),
            [
                json!("p"),
                json!("0/1"),
                json!("CrashLoopBackOff"),
                json!("5 (30s ago)"),
                json!("10m")
            ]
        );
    }

    #[test]
    fn a_pod_with_no_status_prints_its_phase_or_nothing() {
        let pending = pod_with(json!({"containers": [{"name": "a"}]}), json!({"phase": "Pending"}));
        assert_eq!(
            narrow("", "pods", &pending),
            [json!("p"), json!("0/1"), json!("Pending"), json!("0"), json!("10m")]
        );
        let bare = json!({"metadata": {"name": "p"}});
        assert_eq!(
            narrow("", "pods", &bare),
            [json!("p"), json!("0/0"), json!(""), json!("0"), json!("<unknown>")]
        );
        let evicted = pod_with(json!({}), json!({"phase": "Failed", "reason": "Evicted"}));
        assert_eq!(status_of(&evicted), "Evicted");
    }

    #[test]
    fn init_containers() {
        let spec = json!({"initContainers": [{"name": "i1"}, {"name": "i2"}], "containers": [{"name": "a"}]});
        let done =
            json!({"name": "i1", "restartCount": 0, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}});
        let pod = pod_with(
            spec.clone(),
            json!({"phase": "Pending", "initContainerStatuses": [
                {"name": "i1", "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}},
                {"name": "i2", "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}}],
                "containerStatuses": [{"name": "a", "state": {"waiting": {"reason": "PodInitializing"}}}]}),
        );
        assert_eq!(status_of(&pod), "Init:0/2");
        let pod = pod_with(
            spec.clone(),
            json!({"phase": "Pending", "initContainerStatuses": [done.clone(),
                {"name": "i2", "restartCount": 0, "state": {"running": {}}}]}),
        );
        assert_eq!(status_of(&pod), "Init:1/2");
        let pod = pod_with(
            spec.clone(),
            json!({"phase": "Pending", "initContainerStatuses": [done.clone(),
                {"name": "i2", "restartCount": 4, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                 "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2024-01-01T00:08:00Z"}}}]}),
        );
        assert_eq!(
            narrow("", "pods", &pod)[1..4],
            [json!("0/1"), json!("Init:CrashLoopBackOff"), json!("4 (2m ago)")]
        );
        let pod = pod_with(
            spec.clone(),
            json!({"phase": "Failed", "initContainerStatuses": [
                {"name": "i1", "restartCount": 0, "state": {"terminated": {"exitCode": 3, "reason": "Error"}}}]}),
        );
        assert_eq!(status_of(&pod), "Init:Error");
        let pod = pod_with(
            spec.clone(),
            json!({"phase": "Failed", "initContainerStatuses": [
                {"name": "i1", "state": {"terminated": {"exitCode": 137, "signal": 9}}}]}),
        );
        assert_eq!(status_of(&pod), "Init:Signal:9");
        let pod = pod_with(
            spec,
            json!({"phase": "Failed", "initContainerStatuses": [{"name": "i1", "state": {"terminated": {"exitCode": 2}}}]}),
        );
        assert_eq!(status_of(&pod), "Init:ExitCode:2");
    }

    #[test]
    fn sidecars_count_as_containers_once_started() {
        let spec = json!({"initContainers": [{"name": "proxy", "restartPolicy": "Always"}, {"name": "setup"}],
                          "containers": [{"name": "app"}]});
        let sidecar = json!({"name": "proxy", "started": true, "ready": true, "restartCount": 2,
                             "state": {"running": {}},
                             "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2024-01-01T00:07:00Z"}}});
        let setup_done = json!({"name": "setup", "restartCount": 1, "state": {"terminated": {"exitCode": 0}}});
        let pod = pod_with(
            spec.clone(),
            json!({"phase": "Running", "conditions": [{"type": "Initialized", "status": "True"}],
                   "initContainerStatuses": [sidecar.clone(), setup_done],
                   "containerStatuses": [running("app", 1)]}),
        );
        // Restarts of plain init containers stop counting once the pod is initialized.
        assert_eq!(
            narrow("", "pods", &pod)[1..4],
            [json!("2/2"), json!("Running"), json!("3 (3m ago)")]
        );
        let pod = pod_with(
            spec,
            json!({"phase": "Pending", "initContainerStatuses": [sidecar,
                   {"name": "setup", "restartCount": 0, "state": {"running": {}}}]}),
        );
        assert_eq!(
            narrow("", "pods", &pod)[1..4],
            [json!("1/2"), json!("Init:1/2"), json!("2 (3m ago)")]
        );
    }

    #[test]
    fn terminated_containers() {
        let terminated = |name: &str, exit: i64, reason: &str| json!({"name": name, "ready": false, "restartCount": 0, "state": {"terminated": {"exitCode": exit, "reason": reason}}});
        let pod = pod_with(
            json!({"containers": [{"name": "a"}]}),
            json!({"phase": "Succeeded", "containerStatuses": [terminated("a", 0, "Completed")]}),
        );
        assert_eq!(narrow("", "pods", &pod)[1..3], [json!("0/1"), json!("Completed")]);
        let pod = pod_with(
            json!({"containers": [{"name": "a"}]}),
            json!({"phase": "Failed", "containerStatuses": [terminated("a", 1, "Error")]}),
        );
        assert_eq!(status_of(&pod), "Error");
        let pod = pod_with(
            json!({"containers": [{"name": "a"}]}),
            json!({"phase": "Failed", "containerStatuses": [{"name": "a", "state": {"terminated": {"exitCode": 0, "signal": 15}}}]}),
        );
        assert_eq!(status_of(&pod), "Signal:15");
        // The first container's status wins (statuses are read last to first).
        let pod = pod_with(
            json!({"containers": [{"name": "a"}, {"name": "b"}]}),
            json!({"phase": "Failed", "containerStatuses": [terminated("a", 0, "Completed"), terminated("b", 1, "Error")]}),
        );
        assert_eq!(status_of(&pod), "Completed");
        // One container completed while the other runs: Running if the pod is ready.
        let pod = pod_with(
            json!({"containers": [{"name": "a"}, {"name": "b"}]}),
            json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                   "containerStatuses": [terminated("a", 0, "Completed"), running("b", 0)]}),
        );
        assert_eq!(narrow("", "pods", &pod)[1..3], [json!("1/2"), json!("Running")]);
        let pod = pod_with(
            json!({"containers": [{"name": "a"}, {"name": "b"}]}),
            json!({"phase": "Running", "containerStatuses": [terminated("a", 0, "Completed"), running("b", 0)]}),
        );
        assert_eq!(status_of(&pod), "NotReady");
    }

    #[test]
    fn deleted_and_gated_pods() {
        let mut pod = pod_with(
            json!({"containers": [{"name": "a"}]}),
            json!({"phase": "Running", "containerStatuses": [running("a", 0)]}),
        );
        pod["metadata"]["deletionTimestamp"] = json!("2024-01-01T00:09:00Z");
        assert_eq!(status_of(&pod), "Terminating");
        pod["status"]["reason"] = json!("NodeLost");
        assert_eq!(status_of(&pod), "Unknown");
        pod["status"] = json!({"phase": "Succeeded"});
        assert_eq!(status_of(&pod), "Succeeded");
        let gated = pod_with(
            json!({"schedulingGates": [{"name": "example.com/gate"}], "containers": [{"name": "a"}]}),
            json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]}),
        );
        assert_eq!(
            narrow("", "pods", &gated),
            [
                json!("p"),
                json!("0/1"),
                json!("SchedulingGated"),
                json!("0"),
                json!("10m")
            ]
        );
    }

    #[test]
    fn pod_ips_come_from_pod_ips_without_pod_ip() {
        let pod = pod_with(
            json!({}),
            json!({"podIPs": [{"ip": "fd00::9"}], "nominatedNodeName": "node-2"}),
        );
        let cells = row("", "pods", &pod);
        assert_eq!(cells[5], "fd00::9");
        assert_eq!(cells[7], "node-2");
    }

    #[test]
    fn pod_templates() {
        let template = json!({"metadata": {"name": "t"}, "template": {"metadata": {"labels": {"tier": "web", "app": "x"}},
            "spec": {"containers": [{"name": "a", "image": "nginx:1"}, {"name": "b", "image": "busybox"}]}}});
        assert_eq!(
            row("", "podtemplates", &template),
            [
                json!("t"),
                json!("a,b"),
                json!("nginx:1,busybox"),
                json!("app=x,tier=web")
            ]
        );
    }
}
