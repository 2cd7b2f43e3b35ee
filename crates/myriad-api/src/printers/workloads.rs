//! Workloads: replication controllers, replica sets, deployments, daemon sets,
//! stateful sets and controller revisions (apps), jobs and cron jobs (batch),
//! horizontal pod autoscalers (autoscaling v2 and v1, both printed from the v2 shape
//! upstream converts them to) and pod disruption budgets (policy). Replica counts are
//! integer cells where upstream's are; `-o wide` adds the pod template's containers,
//! images and selector.

use std::borrow::Cow;

use serde_json::{Value, json};

use super::format::{
    Now, as_int, at, bool_ptr, container_cells, count, duration, first_condition_true, format_label_selector,
    format_labels, int, int_or_string, items, label_selector_string, name, parse_time, quantity, set, text,
};
use super::{AGE, CONTAINERS, IMAGES, NAME, Printer, column, d, wide};

pub(super) fn printer(group: &str, resource: &str) -> Option<&'static Printer> {
    Some(match (group, resource) {
        ("", "replicationcontrollers") => &REPLICATION_CONTROLLER,
        ("apps", "replicasets") => &REPLICA_SET,
        ("apps", "deployments") => &DEPLOYMENT,
        ("apps", "daemonsets") => &DAEMON_SET,
        ("apps", "statefulsets") => &STATEFUL_SET,
        ("apps", "controllerrevisions") => &CONTROLLER_REVISION,
        ("batch", "jobs") => &JOB,
        ("batch", "cronjobs") => &CRON_JOB,
        ("autoscaling", "horizontalpodautoscalers") => &HORIZONTAL_POD_AUTOSCALER,
        ("policy", "poddisruptionbudgets") => &POD_DISRUPTION_BUDGET,
        _ => return None,
    })
}

const POD_CONTAINERS: &[&str] = &["spec", "template", "spec", "containers"];

static REPLICATION_CONTROLLER: Printer = Printer {
    columns: &[
        NAME,
        column("Desired", "integer", d::RC_SPEC_REPLICAS),
        column("Current", "integer", d::RC_STATUS_REPLICAS),
        column("Ready", "integer", d::RC_STATUS_READY),
        AGE,
        CONTAINERS,
        IMAGES,
        wide("Selector", "string", d::RC_SPEC_SELECTOR),
    ],
    cells: |rc, now| {
        let [containers, images] = container_cells(items(rc, POD_CONTAINERS));
        vec![
            name(rc),
            Value::from(int(rc, &["spec", "replicas"])),
            Value::from(int(rc, &["status", "replicas"])),
            Value::from(int(rc, &["status", "readyReplicas"])),
            now.age(rc),
            containers,
            images,
            Value::String(format_labels(at(rc, &["spec", "selector"]))),
        ]
    },
};

static REPLICA_SET: Printer = Printer {
    columns: &[
        NAME,
        column("Desired", "integer", d::RS_SPEC_REPLICAS),
        column("Current", "integer", d::RS_STATUS_REPLICAS),
        column("Ready", "integer", d::RS_STATUS_READY),
        AGE,
        CONTAINERS,
        IMAGES,
        wide("Selector", "string", d::RS_SPEC_SELECTOR),
    ],
    cells: |rs, now| {
        let [containers, images] = container_cells(items(rs, POD_CONTAINERS));
        vec![
            name(rs),
            Value::from(int(rs, &["spec", "replicas"])),
            Value::from(int(rs, &["status", "replicas"])),
            Value::from(int(rs, &["status", "readyReplicas"])),
            now.age(rs),
            containers,
            images,
            Value::String(format_label_selector(at(rs, &["spec", "selector"]))),
        ]
    },
};

static DEPLOYMENT: Printer = Printer {
    columns: &[
        NAME,
        column("Ready", "string", "Number of the pod with ready state"),
        column("Up-to-date", "string", d::DEPLOY_UPDATED),
        column("Available", "string", d::DEPLOY_AVAILABLE),
        AGE,
        CONTAINERS,
        IMAGES,
        wide("Selector", "string", d::DEPLOY_SELECTOR),
    ],
    cells: |deployment, now| {
        let [containers, images] = container_cells(items(deployment, POD_CONTAINERS));
        let ready = int(deployment, &["status", "readyReplicas"]);
        let desired = int(deployment, &["spec", "replicas"]);
        vec![
            name(deployment),
            Value::String(format!("{ready}/{desired}")),
            Value::from(int(deployment, &["status", "updatedReplicas"])),
            Value::from(int(deployment, &["status", "availableReplicas"])),
            now.age(deployment),
            containers,
            images,
            // Unlike the other workloads, an empty selector prints as nothing here.
            Value::String(label_selector_string(at(deployment, &["spec", "selector"]))),
        ]
    },
};

static DAEMON_SET: Printer = Printer {
    columns: &[
        NAME,
        column("Desired", "integer", d::DS_DESIRED),
        column("Current", "integer", d::DS_CURRENT),
        column("Ready", "integer", d::DS_READY),
        column("Up-to-date", "integer", d::DS_UPDATED),
        column("Available", "integer", d::DS_AVAILABLE),
        column("Node Selector", "string", d::POD_NODE_SELECTOR),
        AGE,
        CONTAINERS,
        IMAGES,
        wide("Selector", "string", d::DS_SELECTOR),
    ],
    cells: |ds, now| {
        let [containers, images] = container_cells(items(ds, POD_CONTAINERS));
        vec![
            name(ds),
            Value::from(int(ds, &["status", "desiredNumberScheduled"])),
            Value::from(int(ds, &["status", "currentNumberScheduled"])),
            Value::from(int(ds, &["status", "numberReady"])),
            Value::from(int(ds, &["status", "updatedNumberScheduled"])),
            Value::from(int(ds, &["status", "numberAvailable"])),
            Value::String(format_labels(at(ds, &["spec", "template", "spec", "nodeSelector"]))),
            now.age(ds),
            containers,
            images,
            Value::String(format_label_selector(at(ds, &["spec", "selector"]))),
        ]
    },
};

static STATEFUL_SET: Printer = Printer {
    columns: &[
        NAME,
        column("Ready", "string", "Number of the pod with ready state"),
        AGE,
        CONTAINERS,
        IMAGES,
    ],
    cells: |sts, now| {
        let [containers, images] = container_cells(items(sts, POD_CONTAINERS));
        let ready = int(sts, &["status", "readyReplicas"]);
        let desired = int(sts, &["spec", "replicas"]);
        vec![
            name(sts),
            Value::String(format!("{ready}/{desired}")),
            now.age(sts),
            containers,
            images,
        ]
    },
};

static CONTROLLER_REVISION: Printer = Printer {
    columns: &[
        NAME,
        column("Controller", "string", "Controller of the object"),
        column("Revision", "string", d::CONTROLLER_REVISION),
        AGE,
    ],
    cells: |revision, now| {
        vec![
            name(revision),
            Value::String(controller_of(revision)),
            Value::from(int(revision, &["revision"])),
            now.age(revision),
        ]
    },
};

/// The owner reference marked as controller, as `kind.group/name` in lower case
/// (`statefulset.apps/web`); `<none>` without one.
fn controller_of(object: &Value) -> String {
    let Some(owner) = items(object, &["metadata", "ownerReferences"])
        .iter()
        .find(|r| at(r, &["controller"]).and_then(Value::as_bool) == Some(true))
    else {
        return "<none>".to_owned();
    };
    let group = match text(owner, &["apiVersion"]).split_once('/') {
        Some((group, version)) if !version.contains('/') => group,
        _ => "",
    };
    let kind = text(owner, &["kind"]);
    let name = text(owner, &["name"]);
    match (kind, group) {
        ("", "") => name.to_owned(),
        (kind, "") => format!("{}/{name}", kind.to_lowercase()),
        (kind, group) => format!("{}.{}/{name}", kind.to_lowercase(), group.to_lowercase()),
    }
}

static JOB: Printer = Printer {
    columns: &[
        NAME,
        column("Status", "string", "Status of the job."),
        column("Completions", "string", d::JOB_SUCCEEDED),
        column("Duration", "string", "Time required to complete the job."),
        AGE,
        CONTAINERS,
        IMAGES,
        wide("Selector", "string", d::JOB_SELECTOR),
    ],
    cells: job,
};

fn job(job: &Value, now: Now) -> Vec<Value> {
    let succeeded = int(job, &["status", "succeeded"]);
    let completions = match set(job, &["spec", "completions"]).and_then(as_int) {
        Some(completions) => format!("{succeeded}/{completions}"),
        None => match int(job, &["spec", "parallelism"]) {
            parallelism if parallelism > 1 => format!("{succeeded}/1 of {parallelism}"),
            _ => format!("{succeeded}/1"),
        },
    };
    let started = parse_time(at(job, &["status", "startTime"]));
    let completed = parse_time(at(job, &["status", "completionTime"]));
    let job_duration = match (started, completed) {
        (None, _) => String::new(),
        (Some(start), None) => now.elapsed(start),
        (Some(start), Some(end)) => duration(end - start),
    };
    let conditions = items(job, &["status", "conditions"]);
    let status = if first_condition_true(conditions, "Complete") {
        "Complete"
    } else if first_condition_true(conditions, "Failed") {
        "Failed"
    } else if set(job, &["metadata", "deletionTimestamp"]).is_some() {
        "Terminating"
    } else if first_condition_true(conditions, "Suspended") {
        "Suspended"
    } else if first_condition_true(conditions, "FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    };
    let [containers, images] = container_cells(items(job, POD_CONTAINERS));
    vec![
        name(job),
        Value::from(status),
        Value::String(completions),
        Value::String(job_duration),
        now.age(job),
        containers,
        images,
        Value::String(format_label_selector(at(job, &["spec", "selector"]))),
    ]
}

static CRON_JOB: Printer = Printer {
    columns: &[
        NAME,
        column("Schedule", "string", d::CRON_SCHEDULE),
        column("Timezone", "string", d::CRON_TIME_ZONE),
        column("Suspend", "boolean", d::CRON_SUSPEND),
        column("Active", "integer", d::CRON_ACTIVE),
        column("Last Schedule", "string", d::CRON_LAST_SCHEDULE),
        AGE,
        CONTAINERS,
        IMAGES,
        wide("Selector", "string", d::JOB_SELECTOR),
    ],
    cells: |cron_job, now| {
        let job = at(cron_job, &["spec", "jobTemplate"]).unwrap_or(&Value::Null);
        let [containers, images] = container_cells(items(job, POD_CONTAINERS));
        let last_schedule = match set(cron_job, &["status", "lastScheduleTime"]) {
            Some(time) => now.since(Some(time)),
            None => "<none>".to_owned(),
        };
        let time_zone = set(cron_job, &["spec", "timeZone"])
            .and_then(Value::as_str)
            .unwrap_or("<none>");
        vec![
            name(cron_job),
            Value::from(text(cron_job, &["spec", "schedule"])),
            Value::from(time_zone),
            // A string cell in a boolean column, as upstream.
            Value::from(bool_ptr(at(cron_job, &["spec", "suspend"]))),
            Value::from(count(cron_job, &["status", "active"])),
            Value::String(last_schedule),
            now.age(cron_job),
            containers,
            images,
            Value::String(format_label_selector(at(job, &["spec", "selector"]))),
        ]
    },
};

static HORIZONTAL_POD_AUTOSCALER: Printer = Printer {
    columns: &[
        NAME,
        column("Reference", "string", d::HPA_SCALE_TARGET_REF),
        column("Targets", "string", d::HPA_METRICS),
        column("MinPods", "string", d::HPA_MIN_REPLICAS),
        column("MaxPods", "string", d::HPA_MAX_REPLICAS),
        column("Replicas", "string", d::HPA_CURRENT_REPLICAS),
        AGE,
    ],
    cells: |hpa, now| {
        let reference = format!(
            "{}/{}",
            text(hpa, &["spec", "scaleTargetRef", "kind"]),
            text(hpa, &["spec", "scaleTargetRef", "name"])
        );
        let min_pods = match set(hpa, &["spec", "minReplicas"]).and_then(as_int) {
            Some(min) => min.to_string(),
            None => "<unset>".to_owned(),
        };
        vec![
            name(hpa),
            Value::String(reference),
            Value::String(hpa_targets(hpa)),
            Value::String(min_pods),
            Value::from(int(hpa, &["spec", "maxReplicas"])),
            Value::from(int(hpa, &["status", "currentReplicas"])),
            now.age(hpa),
        ]
    },
};

/// The metrics of an HPA in the v2 shape. An autoscaling/v1 object (no `metrics`) is
/// read as upstream converts it: its CPU target and current utilization become one
/// `Resource` metric each.
fn hpa_metrics(hpa: &Value) -> (Cow<'_, [Value]>, Cow<'_, [Value]>) {
    let spec = at(hpa, &["spec"]).unwrap_or(&Value::Null);
    if at(spec, &["metrics"]).is_some() || at(spec, &["targetCPUUtilizationPercentage"]).is_none() {
        return (
            Cow::Borrowed(items(spec, &["metrics"])),
            Cow::Borrowed(items(hpa, &["status", "currentMetrics"])),
        );
    }
    let cpu = |utilization: &Value, key: &str| json!({"type": "Resource", "resource": {"name": "cpu", key: {"averageUtilization": utilization}}});
    let specs = set(spec, &["targetCPUUtilizationPercentage"]).map(|t| cpu(t, "target"));
    let current = set(hpa, &["status", "currentCPUUtilizationPercentage"]).map(|c| cpu(c, "current"));
    (
        Cow::Owned(specs.into_iter().collect()),
        Cow::Owned(current.into_iter().collect()),
    )
}

/// Upstream's `formatHPAMetrics`: each metric as `current/target` (`cpu: 45%/80%`,
/// `500m/1 (avg)`, `<unknown>` before the first measurement), the first two only.
fn hpa_targets(hpa: &Value) -> String {
    const MAX: usize = 2;
    let (specs, statuses) = hpa_metrics(hpa);
    if specs.is_empty() {
        return "<none>".to_owned();
    }
    // A quantity pointer's `String()`: `<nil>` when unset.
    let q = |value: Option<&Value>| quantity(value).unwrap_or_else(|| "<nil>".to_owned());
    let percent = |value: Option<&Value>| value.and_then(as_int).map(|p| format!("{p}%"));
    let mut list: Vec<String> = Vec::with_capacity(specs.len());
    for (i, spec) in specs.iter().enumerate() {
        let kind = text(spec, &["type"]);
        let source = match kind {
            "External" => "external",
            "Pods" => "pods",
            "Object" => "object",
            "Resource" => "resource",
            "ContainerResource" => "containerResource",
            _ => {
                list.push("<unknown type>".to_owned());
                continue;
            }
        };
        let target = at(spec, &[source, "target"]).unwrap_or(&Value::Null);
        // The matching status, when the status at the same index reports this source.
        let current = statuses.get(i).and_then(|s| set(s, &[source]));
        let current_value = |field: &str| current.map(|c| q(set(c, &["current", field])));
        let unknown = || "<unknown>".to_owned();
        let entry = match kind {
            "External" | "Object" => match set(target, &["averageValue"]) {
                Some(average) => {
                    let now = current.and_then(|c| quantity(set(c, &["current", "averageValue"])));
                    format!("{}/{} (avg)", now.unwrap_or_else(unknown), q(Some(average)))
                }
                None => format!(
                    "{}/{}",
                    current_value("value").unwrap_or_else(unknown),
                    q(set(target, &["value"]))
                ),
            },
            "Pods" => format!(
                "{}/{}",
                current_value("averageValue").unwrap_or_else(unknown),
                q(set(target, &["averageValue"]))
            ),
            _ => {
                let resource = text(spec, &[source, "name"]);
                match set(target, &["averageValue"]) {
                    Some(average) => format!(
                        "{resource}: {}/{}",
                        current_value("averageValue").unwrap_or_else(unknown),
                        q(Some(average))
                    ),
                    None => {
                        let now = current.and_then(|c| percent(set(c, &["current", "averageUtilization"])));
                        let goal = percent(set(target, &["averageUtilization"])).unwrap_or_else(|| "<auto>".to_owned());
                        format!("{resource}: {}/{goal}", now.unwrap_or_else(unknown))
                    }
                }
            }
        };
        list.push(entry);
    }
    let total = list.len();
    if total > MAX {
        list.truncate(MAX);
        format!("{} + {} more...", list.join(", "), total - MAX)
    } else {
        list.join(", ")
    }
}

static POD_DISRUPTION_BUDGET: Printer = Printer {
    columns: &[
        NAME,
        column(
            "Min Available",
            "string",
            "The minimum number of pods that must be available.",
        ),
        column(
            "Max Unavailable",
            "string",
            "The maximum number of pods that may be unavailable.",
        ),
        column(
            "Allowed Disruptions",
            "integer",
            "Calculated number of pods that may be disrupted at this time.",
        ),
        AGE,
    ],
    cells: |pdb, now| {
        let bound = |field: &str| set(pdb, &["spec", field]).map_or_else(|| "N/A".to_owned(), int_or_string);
        vec![
            name(pdb),
            Value::String(bound("minAvailable")),
            Value::String(bound("maxUnavailable")),
            Value::from(int(pdb, &["status", "disruptionsAllowed"])),
            now.age(pdb),
        ]
    },
};

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::tests::{CREATED, narrow, row};

    fn meta(name: &str) -> serde_json::Value {
        json!({"name": name, "creationTimestamp": CREATED})
    }

    fn template() -> serde_json::Value {
        json!({"spec": {"containers": [{"name": "web", "image": "nginx:1.27"}, {"name": "log", "image": "busybox"}]}})
    }

    #[test]
    fn deployments() {
        let deployment = json!({"metadata": meta("web"),
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}, "template": template()},
            "status": {"replicas": 3, "readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}});
        assert_eq!(
            row("apps", "deployments", &deployment),
            [
                json!("web"),
                json!("2/3"),
                json!(3),
                json!(2),
                json!("10m"),
                json!("web,log"),
                json!("nginx:1.27,busybox"),
                json!("app=web")
            ]
        );
        let bare = json!({"metadata": meta("d")});
        assert_eq!(
            row("apps", "deployments", &bare)[1..],
            [
                json!("0/0"),
                json!(0),
                json!(0),
                json!("10m"),
                json!(""),
                json!(""),
                json!("")
            ]
        );
    }

    #[test]
    fn replica_sets_and_replication_controllers() {
        let rs = json!({"metadata": meta("web-5d4f"),
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web", "pod-template-hash": "5d4f"}}, "template": template()},
            "status": {"replicas": 2, "readyReplicas": 1}});
        assert_eq!(
            row("apps", "replicasets", &rs),
            [
                json!("web-5d4f"),
                json!(2),
                json!(2),
                json!(1),
                json!("10m"),
                json!("web,log"),
                json!("nginx:1.27,busybox"),
                json!("app=web,pod-template-hash=5d4f")
            ]
        );
        assert_eq!(row("apps", "replicasets", &json!({}))[7], "<none>");
        let rc = json!({"metadata": meta("rc"), "spec": {"replicas": 1, "selector": {"app": "rc"}, "template": template()},
            "status": {"replicas": 1}});
        assert_eq!(
            row("", "replicationcontrollers", &rc),
            [
                json!("rc"),
                json!(1),
                json!(1),
                json!(0),
                json!("10m"),
                json!("web,log"),
                json!("nginx:1.27,busybox"),
                json!("app=rc")
            ]
        );
    }

    #[test]
    fn daemon_sets_and_stateful_sets() {
        let ds = json!({"metadata": meta("agent"),
            "spec": {"selector": {"matchLabels": {"app": "agent"}},
                     "template": {"spec": {"nodeSelector": {"kubernetes.io/os": "linux"}, "containers": [{"name": "a", "image": "agent:2"}]}}},
            "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 2, "updatedNumberScheduled": 3, "numberAvailable": 2}});
        assert_eq!(
            row("apps", "daemonsets", &ds),
            [
                json!("agent"),
                json!(3),
                json!(3),
                json!(2),
                json!(3),
                json!(2),
                json!("kubernetes.io/os=linux"),
                json!("10m"),
                json!("a"),
                json!("agent:2"),
                json!("app=agent")
            ]
        );
        assert_eq!(row("apps", "daemonsets", &json!({}))[6], "<none>");
        let sts = json!({"metadata": meta("db"), "spec": {"replicas": 3, "template": template()}, "status": {"readyReplicas": 1}});
        assert_eq!(
            row("apps", "statefulsets", &sts),
            [
                json!("db"),
                json!("1/3"),
                json!("10m"),
                json!("web,log"),
                json!("nginx:1.27,busybox")
            ]
        );
    }

    #[test]
    fn controller_revisions() {
        let revision = json!({"metadata": {"name": "web-7c9", "creationTimestamp": CREATED,
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "controller": true}]},
            "revision": 2});
        assert_eq!(
            row("apps", "controllerrevisions", &revision),
            [json!("web-7c9"), json!("statefulset.apps/web"), json!(2), json!("10m")]
        );
        let core_owned = json!({"metadata": {"ownerReferences": [
            {"apiVersion": "v1", "kind": "Pod", "name": "x"},
            {"apiVersion": "v1", "kind": "ReplicationController", "name": "rc", "controller": true}]}});
        assert_eq!(
            row("apps", "controllerrevisions", &core_owned)[1],
            "replicationcontroller/rc"
        );
        assert_eq!(row("apps", "controllerrevisions", &json!({}))[1], "<none>");
    }

    #[test]
    fn job_statuses_completions_and_durations() {
        let job = |spec: serde_json::Value, status: serde_json::Value| json!({"metadata": meta("pi"), "spec": spec, "status": status});
        let complete = job(
            json!({"completions": 1, "parallelism": 1, "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "u1"}},
                   "template": {"spec": {"containers": [{"name": "pi", "image": "perl"}]}}}),
            json!({"succeeded": 1, "startTime": "2024-01-01T00:00:05Z", "completionTime": "2024-01-01T00:00:40Z",
                   "conditions": [{"type": "SuccessCriteriaMet", "status": "True"}, {"type": "Complete", "status": "True"}]}),
        );
        assert_eq!(
            row("batch", "jobs", &complete),
            [
                json!("pi"),
                json!("Complete"),
                json!("1/1"),
                json!("35s"),
                json!("10m"),
                json!("pi"),
                json!("perl"),
                json!("batch.kubernetes.io/controller-uid=u1")
            ]
        );
        let running = job(
            json!({"completions": 5, "parallelism": 2}),
            json!({"succeeded": 2, "startTime": "2024-01-01T00:01:00Z"}),
        );
        assert_eq!(
            narrow("batch", "jobs", &running)[1..4],
            [json!("Running"), json!("2/5"), json!("9m")]
        );
        let work_queue = job(json!({"parallelism": 3}), json!({}));
        assert_eq!(
            narrow("batch", "jobs", &work_queue)[1..4],
            [json!("Running"), json!("0/1 of 3"), json!("")]
        );
        let single = job(
            json!({"parallelism": 1}),
            json!({"conditions": [{"type": "Failed", "status": "True"}]}),
        );
        assert_eq!(narrow("batch", "jobs", &single)[1..3], [json!("Failed"), json!("0/1")]);
        let suspended = job(
            json!({}),
            json!({"conditions": [{"type": "Suspended", "status": "True"}]}),
        );
        assert_eq!(narrow("batch", "jobs", &suspended)[1], "Suspended");
        let failing = job(
            json!({}),
            json!({"conditions": [{"type": "FailureTarget", "status": "True"}]}),
        );
        assert_eq!(narrow("batch", "jobs", &failing)[1], "FailureTarget");
        let mut deleting = job(
            json!({}),
            json!({"conditions": [{"type": "Suspended", "status": "True"}]}),
        );
        deleting["metadata"]["deletionTimestamp"] = json!("2024-01-01T00:09:00Z");
        assert_eq!(narrow("batch", "jobs", &deleting)[1], "Terminating");
        // Only the first condition of a type counts, and only when True.
        let unsuspended = job(
            json!({}),
            json!({"conditions": [{"type": "Suspended", "status": "False"}, {"type": "Suspended", "status": "True"}]}),
        );
        assert_eq!(narrow("batch", "jobs", &unsuspended)[1], "Running");
        assert_eq!(row("batch", "jobs", &json!({}))[7], "<none>");
    }

    #[test]
    fn cron_jobs() {
        let cron_job = json!({"metadata": meta("nightly"),
            "spec": {"schedule": "0 3 * * *", "timeZone": "Europe/Paris", "suspend": false,
                     "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "backup", "image": "backup:1"}]}}}}},
            "status": {"active": [{"name": "nightly-1"}], "lastScheduleTime": "2024-01-01T00:03:00Z"}});
        assert_eq!(
            row("batch", "cronjobs", &cron_job),
            [
                json!("nightly"),
                json!("0 3 * * *"),
                json!("Europe/Paris"),
                json!("False"),
                json!(1),
                json!("7m"),
                json!("10m"),
                json!("backup"),
                json!("backup:1"),
                json!("<none>")
            ]
        );
        let bare = json!({"metadata": meta("c"), "spec": {"schedule": "@hourly", "suspend": true}});
        assert_eq!(
            narrow("batch", "cronjobs", &bare),
            [
                json!("c"),
                json!("@hourly"),
                json!("<none>"),
                json!("True"),
                json!(0),
                json!("<none>"),
                json!("10m")
            ]
        );
        assert_eq!(row("batch", "cronjobs", &json!({}))[3], "<unset>");
    }

    fn hpa(metrics: serde_json::Value, current: serde_json::Value) -> serde_json::Value {
        json!({"metadata": meta("web"),
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                     "minReplicas": 1, "maxReplicas": 10, "metrics": metrics},
            "status": {"currentReplicas": 3, "currentMetrics": current}})
    }

    fn targets(hpa: &serde_json::Value) -> serde_json::Value {
        row("autoscaling", "horizontalpodautoscalers", hpa)[2].clone()
    }

    #[test]
    fn hpa_rows() {
        let cpu = json!([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]);
        let measured = json!([{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 45, "averageValue": "45m"}}}]);
        assert_eq!(
            row("autoscaling", "horizontalpodautoscalers", &hpa(cpu.clone(), measured)),
            [
                json!("web"),
                json!("Deployment/web"),
                json!("cpu: 45%/80%"),
                json!("1"),
                json!(10),
                json!(3),
                json!("10m")
            ]
        );
        assert_eq!(targets(&hpa(cpu, json!(null))), "cpu: <unknown>/80%");
        assert_eq!(targets(&hpa(json!([]), json!(null))), "<none>");
        let bare = json!({"metadata": meta("h")});
        assert_eq!(
            row("autoscaling", "horizontalpodautoscalers", &bare),
            [
                json!("h"),
                json!("/"),
                json!("<none>"),
                json!("<unset>"),
                json!(0),
                json!(0),
                json!("10m")
            ]
        );
    }

    #[test]
    fn hpa_targets_of_every_metric_type() {
        let metrics = json!([
            {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "1.5Gi"}}},
            {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "1k"}}},
            {"type": "Object", "object": {"metric": {"name": "hits"}, "target": {"type": "Value", "value": "100"}}},
        ]);
        let current = json!([
            {"type": "Resource", "resource": {"name": "memory", "current": {"averageValue": "512Mi"}}},
            {"type": "Pods", "pods": {"metric": {"name": "qps"}, "current": {"averageValue": "500"}}},
            {"type": "Object", "object": {"metric": {"name": "hits"}, "current": {"value": "25"}}},
        ]);
        assert_eq!(
            targets(&hpa(metrics, current)),
            "memory: 512Mi/1536Mi, 500/1k + 1 more..."
        );
        let metrics = json!([
            {"type": "External", "external": {"metric": {"name": "queue"}, "target": {"type": "AverageValue", "averageValue": "30"}}},
            {"type": "External", "external": {"metric": {"name": "lag"}, "target": {"type": "Value", "value": "2k"}}},
        ]);
        let current = json!([{"type": "External", "external": {"current": {"averageValue": "12"}}}]);
        assert_eq!(targets(&hpa(metrics, current)), "12/30 (avg), <unknown>/2k");
        let metrics = json!([
            {"type": "ContainerResource", "containerResource": {"name": "cpu", "container": "app", "target": {"type": "Utilization"}}},
            {"type": "Object", "object": {"target": {"type": "AverageValue", "averageValue": "500m"}}},
        ]);
        let current = json!([
            {"type": "ContainerResource", "containerResource": {"name": "cpu", "current": {"averageUtilization": 20}}},
            {"type": "Object", "object": {"current": {"value": "3"}}},
        ]);
        assert_eq!(targets(&hpa(metrics, current)), "cpu: 20%/<auto>, <unknown>/500m (avg)");
        let metrics = json!([{"type": "Pods", "pods": {"target": {}}}, {"type": "Bogus"}]);
        let current = json!([{"type": "Pods", "pods": {"current": {}}}]);
        assert_eq!(targets(&hpa(metrics, current)), "<nil>/<nil>, <unknown type>");
    }

    #[test]
    fn autoscaling_v1_objects_print_their_cpu_target() {
        let v1 = json!({"metadata": meta("web"),
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 5, "targetCPUUtilizationPercentage": 50},
            "status": {"currentReplicas": 2, "currentCPUUtilizationPercentage": 61}});
        assert_eq!(
            row("autoscaling", "horizontalpodautoscalers", &v1),
            [
                json!("web"),
                json!("Deployment/web"),
                json!("cpu: 61%/50%"),
                json!("<unset>"),
                json!(5),
                json!(2),
                json!("10m")
            ]
        );
    }

    #[test]
    fn pod_disruption_budgets() {
        let pdb =
            json!({"metadata": meta("web"), "spec": {"minAvailable": "50%"}, "status": {"disruptionsAllowed": 1}});
        assert_eq!(
            row("policy", "poddisruptionbudgets", &pdb),
            [json!("web"), json!("50%"), json!("N/A"), json!(1), json!("10m")]
        );
        let pdb = json!({"metadata": meta("db"), "spec": {"maxUnavailable": 1}});
        assert_eq!(
            row("policy", "poddisruptionbudgets", &pdb),
            [json!("db"), json!("N/A"), json!("1"), json!(0), json!("10m")]
        );
    }
}
