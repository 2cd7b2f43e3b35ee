//! Workload defaults: ReplicationControllers (`pkg/apis/core/v1`), Deployments,
//! ReplicaSets, DaemonSets and StatefulSets (`pkg/apis/apps/v1`), Jobs and CronJobs
//! (`pkg/apis/batch/v1`) and HorizontalPodAutoscalers (`pkg/apis/autoscaling/v1`,
//! `v2`), each with its pod template's defaults.
//!
//! Gates as in 1.33: StatefulSetAutoDeletePVC and JobPodReplacementPolicy are on,
//! MaxUnavailableStatefulSet (alpha) is off. A CronJob's `jobTemplate` gets only the
//! pod template's defaults, not a Job's: upstream defaults whole Jobs only.

use serde_json::{Value, json};

use super::{child, fill, has, items, non_empty, pods, present, set, storage, text};

/// The pod template at `spec.template`, which apps and batch hold by value (so an
/// absent one is defaulted as an empty one, as upstream does before validation).
fn template(spec: &mut Value) {
    pods::template(child(spec, "template"));
}

pub(super) fn replication_controller(controller: &mut Value) {
    let spec = child(controller, "spec");
    // The template is a pointer here: only a given one is defaulted.
    let labels = spec
        .pointer("/template/metadata/labels")
        .filter(|l| l.is_object())
        .cloned();
    if let Some(labels) = labels {
        if !non_empty(spec, "selector") {
            spec["selector"] = labels.clone();
        }
        let metadata = child(controller, "metadata");
        if !non_empty(metadata, "labels") {
            metadata["labels"] = labels;
        }
    }
    let spec = child(controller, "spec");
    set(spec, "replicas", json!(1));
    if let Some(template) = present(spec, "template") {
        pods::template(template);
    }
}

pub(super) fn deployment(deployment: &mut Value) {
    let spec = child(deployment, "spec");
    set(spec, "replicas", json!(1));
    let strategy = child(spec, "strategy");
    fill(strategy, "type", json!("RollingUpdate"));
    if text(strategy, "type") == "RollingUpdate" {
        let rolling = child(strategy, "rollingUpdate");
        set(rolling, "maxUnavailable", json!("25%"));
        set(rolling, "maxSurge", json!("25%"));
    }
    set(spec, "revisionHistoryLimit", json!(10));
    set(spec, "progressDeadlineSeconds", json!(600));
    template(spec);
}

pub(super) fn replica_set(replica_set: &mut Value) {
    let spec = child(replica_set, "spec");
    set(spec, "replicas", json!(1));
    template(spec);
}

pub(super) fn daemon_set(daemon_set: &mut Value) {
    let spec = child(daemon_set, "spec");
    let strategy = child(spec, "updateStrategy");
    fill(strategy, "type", json!("RollingUpdate"));
    if text(strategy, "type") == "RollingUpdate" {
        let rolling = child(strategy, "rollingUpdate");
        set(rolling, "maxUnavailable", json!(1));
        set(rolling, "maxSurge", json!(0));
    }
    set(spec, "revisionHistoryLimit", json!(10));
    template(spec);
}

pub(super) fn stateful_set(stateful_set: &mut Value) {
    let spec = child(stateful_set, "spec");
    fill(spec, "podManagementPolicy", json!("OrderedReady"));
    let strategy = child(spec, "updateStrategy");
    // `rollingUpdate` is only made when the type itself was defaulted.
    if text(strategy, "type").is_empty() {
        fill(strategy, "type", json!("RollingUpdate"));
        child(strategy, "rollingUpdate");
    }
    if text(strategy, "type") == "RollingUpdate"
        && let Some(rolling) = present(strategy, "rollingUpdate")
    {
        set(rolling, "partition", json!(0));
    }
    let retention = child(spec, "persistentVolumeClaimRetentionPolicy");
    fill(retention, "whenDeleted", json!("Retain"));
    fill(retention, "whenScaled", json!("Retain"));
    set(spec, "replicas", json!(1));
    set(spec, "revisionHistoryLimit", json!(10));
    template(spec);
    for claim in items(spec, "volumeClaimTemplates") {
        fill(child(claim, "status"), "phase", json!("Pending"));
        storage::claim_spec(child(claim, "spec"));
    }
}

pub(super) fn job(job: &mut Value) {
    let spec = child(job, "spec");
    job_spec(spec);
    let labels = spec
        .pointer("/template/metadata/labels")
        .filter(|l| l.is_object())
        .cloned();
    if let Some(labels) = labels {
        let metadata = child(job, "metadata");
        if !non_empty(metadata, "labels") {
            metadata["labels"] = labels;
        }
    }
}

fn job_spec(spec: &mut Value) {
    if !spec.is_object() {
        return;
    }
    if !has(spec, "completions") && !has(spec, "parallelism") {
        spec["completions"] = json!(1);
    }
    set(spec, "parallelism", json!(1));
    if has(spec, "backoffLimitPerIndex") {
        set(spec, "backoffLimit", json!(i32::MAX));
    } else {
        set(spec, "backoffLimit", json!(6));
    }
    set(spec, "completionMode", json!("NonIndexed"));
    set(spec, "suspend", json!(false));
    let failure_policy = has(spec, "podFailurePolicy");
    if let Some(policy) = present(spec, "podFailurePolicy") {
        for rule in items(policy, "rules") {
            for pattern in items(rule, "onPodConditions") {
                fill(pattern, "status", json!("True"));
            }
        }
    }
    let replacement = if failure_policy {
        "Failed"
    } else {
        "TerminatingOrFailed"
    };
    set(spec, "podReplacementPolicy", json!(replacement));
    template(spec);
}

pub(super) fn cron_job(cron_job: &mut Value) {
    let spec = child(cron_job, "spec");
    fill(spec, "concurrencyPolicy", json!("Allow"));
    set(spec, "suspend", json!(false));
    set(spec, "successfulJobsHistoryLimit", json!(3));
    set(spec, "failedJobsHistoryLimit", json!(1));
    let job_spec = child(child(spec, "jobTemplate"), "spec");
    template(job_spec);
}

/// Both served versions share the kind; the object's `apiVersion` tells them apart.
pub(super) fn horizontal_pod_autoscaler(autoscaler: &mut Value) {
    let v1 = text(autoscaler, "apiVersion") == "autoscaling/v1";
    let other_metrics = autoscaler
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(crate::conversion::METRIC_SPECS_ANNOTATION))
        .is_some();
    let spec = child(autoscaler, "spec");
    set(spec, "minReplicas", json!(1));
    if v1 {
        // Upstream stores v2, whose default CPU metric reads back in v1 as an 80% target
        // — unless the v1 object carries its other metrics, which then stand alone.
        if !other_metrics {
            set(spec, "targetCPUUtilizationPercentage", json!(80));
        }
        return;
    }
    if !non_empty(spec, "metrics") {
        spec["metrics"] = json!([{"type": "Resource", "resource": {"name": "cpu",
            "target": {"type": "Utilization", "averageUtilization": 80}}}]);
    }
    if let Some(behavior) = present(spec, "behavior") {
        let up = json!({"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
            {"type": "Pods", "value": 4, "periodSeconds": 15},
            {"type": "Percent", "value": 100, "periodSeconds": 15}]});
        let down = json!({"selectPolicy": "Max", "policies": [
            {"type": "Percent", "value": 100, "periodSeconds": 15}]});
        scaling_rules(behavior, "scaleUp", up);
        scaling_rules(behavior, "scaleDown", down);
    }
}

/// The given rules with each field the client left nil taken from `defaults`.
fn scaling_rules(behavior: &mut Value, direction: &str, defaults: Value) {
    let rules = child(behavior, direction);
    if let Some(defaults) = defaults.as_object() {
        for (field, value) in defaults {
            set(rules, field, value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::apply;
    use serde_json::{Value, json};

    fn defaulted(group: &str, kind: &str, mut object: Value) -> Value {
        apply(group, kind, &mut object);
        object
    }

    fn pod_template() -> Value {
        json!({"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "a", "image": "x:1"}]}})
    }

    #[test]
    fn apps_workloads() {
        let deploy = defaulted(
            "apps",
            "Deployment",
            json!({"spec": {"replicas": 0, "template": pod_template()}}),
        );
        let spec = &deploy["spec"];
        assert_eq!(spec["replicas"], 0);
        assert_eq!(spec["revisionHistoryLimit"], 10);
        assert_eq!(spec["progressDeadlineSeconds"], 600);
        assert_eq!(
            spec["strategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}})
        );
        assert_eq!(spec["template"]["spec"]["restartPolicy"], "Always");
        assert_eq!(spec["template"]["spec"].get("enableServiceLinks"), None);
        let recreate = defaulted(
            "apps",
            "Deployment",
            json!({"spec": {"strategy": {"type": "Recreate"}}}),
        );
        assert_eq!(recreate["spec"]["strategy"], json!({"type": "Recreate"}));
        // The template is held by value upstream: an absent one is defaulted as empty.
        assert_eq!(recreate["spec"]["template"]["spec"]["dnsPolicy"], "ClusterFirst");

        let rs = defaulted("apps", "ReplicaSet", json!({"spec": {"template": pod_template()}}));
        assert_eq!(rs["spec"]["replicas"], 1);
        assert_eq!(
            rs["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"],
            "IfNotPresent"
        );

        let ds = defaulted("apps", "DaemonSet", json!({"spec": {"template": pod_template()}}));
        assert_eq!(
            ds["spec"]["updateStrategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}})
        );
        assert_eq!(ds["spec"]["revisionHistoryLimit"], 10);
        assert_eq!(ds["spec"]["template"]["spec"]["schedulerName"], "default-scheduler");
        let on_delete = defaulted(
            "apps",
            "DaemonSet",
            json!({"spec": {"updateStrategy": {"type": "OnDelete"}}}),
        );
        assert_eq!(on_delete["spec"]["updateStrategy"], json!({"type": "OnDelete"}));
    }

    #[test]
    fn stateful_sets() {
        let sts = defaulted(
            "apps",
            "StatefulSet",
            json!({"spec": {"template": pod_template(),
                "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"]}}]}}),
        );
        let spec = &sts["spec"];
        for (field, want) in [
            ("replicas", json!(1)),
            ("revisionHistoryLimit", json!(10)),
            ("podManagementPolicy", json!("OrderedReady")),
            (
                "updateStrategy",
                json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}),
            ),
            (
                "persistentVolumeClaimRetentionPolicy",
                json!({"whenDeleted": "Retain", "whenScaled": "Retain"}),
            ),
        ] {
            assert_eq!(spec[field], want, "{field}");
        }
        assert_eq!(spec["volumeClaimTemplates"][0]["spec"]["volumeMode"], "Filesystem");
        assert_eq!(spec["volumeClaimTemplates"][0]["status"], json!({"phase": "Pending"}));
        assert_eq!(spec["template"]["spec"]["terminationGracePeriodSeconds"], 30);
        assert_eq!(spec.get("minReadySeconds"), None);

        // An explicit RollingUpdate without rollingUpdate stays without it.
        let explicit = defaulted(
            "apps",
            "StatefulSet",
            json!({"spec": {"updateStrategy": {"type": "RollingUpdate"},
                "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Delete"}}}),
        );
        assert_eq!(explicit["spec"]["updateStrategy"], json!({"type": "RollingUpdate"}));
        assert_eq!(
            explicit["spec"]["persistentVolumeClaimRetentionPolicy"],
            json!({"whenDeleted": "Delete", "whenScaled": "Retain"})
        );
        let partitioned = defaulted(
            "apps",
            "StatefulSet",
            json!({"spec": {"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 2}}}}),
        );
        assert_eq!(
            partitioned["spec"]["updateStrategy"]["rollingUpdate"],
            json!({"maxUnavailable": 2, "partition": 0})
        );
    }

    #[test]
    fn jobs() {
        let cases = [
            (
                json!({}),
                json!({"completions": 1, "parallelism": 1, "backoffLimit": 6}),
            ),
            (
                json!({"completions": 5}),
                json!({"completions": 5, "parallelism": 1, "backoffLimit": 6}),
            ),
            (
                json!({"parallelism": 3}),
                json!({"completions": null, "parallelism": 3, "backoffLimit": 6}),
            ),
            (
                json!({"completions": 3, "completionMode": "Indexed", "backoffLimitPerIndex": 1}),
                json!({"completions": 3, "parallelism": 1, "backoffLimit": 2147483647}),
            ),
            (
                json!({"backoffLimit": 0}),
                json!({"completions": 1, "parallelism": 1, "backoffLimit": 0}),
            ),
        ];
        for (spec, want) in cases {
            let mut spec = spec;
            spec["template"] = pod_template();
            let job = defaulted("batch", "Job", json!({"spec": spec}));
            for field in ["completions", "parallelism", "backoffLimit"] {
                assert_eq!(job["spec"][field], want[field], "{field} of {spec}");
            }
            assert_eq!(job["spec"]["suspend"], false);
            assert_eq!(job["spec"]["podReplacementPolicy"], "TerminatingOrFailed");
            assert_eq!(job["metadata"]["labels"], json!({"app": "a"}));
            assert_eq!(job["spec"]["template"]["spec"]["restartPolicy"], "Always");
        }
        let job = defaulted(
            "batch",
            "Job",
            json!({"spec": {"completionMode": "Indexed",
            "podFailurePolicy": {"rules": [{"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]}]}}}),
        );
        assert_eq!(job["spec"]["completionMode"], "Indexed");
        assert_eq!(job["spec"]["podReplacementPolicy"], "Failed");
        assert_eq!(
            crate::pointer::get(&job, "/spec/podFailurePolicy/rules/0/onPodConditions/0"),
            Some(&json!({"type": "DisruptionTarget", "status": "True"}))
        );
        let labelled = defaulted(
            "batch",
            "Job",
            json!({"metadata": {"labels": {"own": "x"}}, "spec": {"template": pod_template()}}),
        );
        assert_eq!(labelled["metadata"]["labels"], json!({"own": "x"}));
        assert_eq!(labelled["spec"]["completionMode"], "NonIndexed");
    }

    #[test]
    fn cron_jobs_default_the_pod_template_only() {
        let cron = defaulted(
            "batch",
            "CronJob",
            json!({"spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": pod_template()}}}}),
        );
        let spec = &cron["spec"];
        for (field, want) in [
            ("concurrencyPolicy", json!("Allow")),
            ("suspend", json!(false)),
            ("successfulJobsHistoryLimit", json!(3)),
            ("failedJobsHistoryLimit", json!(1)),
        ] {
            assert_eq!(spec[field], want, "{field}");
        }
        let job_spec = &spec["jobTemplate"]["spec"];
        assert_eq!(job_spec.get("backoffLimit"), None);
        assert_eq!(job_spec.get("completions"), None);
        assert_eq!(job_spec["template"]["spec"]["restartPolicy"], "Always");
    }

    #[test]
    fn replication_controllers() {
        let rc = defaulted(
            "",
            "ReplicationController",
            json!({"spec": {"template": pod_template()}}),
        );
        assert_eq!(rc["spec"]["replicas"], 1);
        assert_eq!(rc["spec"]["selector"], json!({"app": "a"}));
        assert_eq!(rc["metadata"]["labels"], json!({"app": "a"}));
        assert_eq!(rc["spec"]["template"]["spec"]["dnsPolicy"], "ClusterFirst");
        let own = defaulted(
            "",
            "ReplicationController",
            json!({"metadata": {"labels": {"x": "y"}}, "spec": {"selector": {"app": "a"}, "replicas": 0,
                "template": {"metadata": {"labels": {"app": "a", "tier": "t"}}}}}),
        );
        assert_eq!(own["spec"]["selector"], json!({"app": "a"}));
        assert_eq!(own["metadata"]["labels"], json!({"x": "y"}));
        assert_eq!(own["spec"]["replicas"], 0);
        let bare = defaulted("", "ReplicationController", json!({"spec": {}}));
        assert_eq!(bare, json!({"spec": {"replicas": 1}}));
    }

    #[test]
    fn horizontal_pod_autoscalers() {
        let v2 = defaulted(
            "autoscaling",
            "HorizontalPodAutoscaler",
            json!({"apiVersion": "autoscaling/v2", "spec": {"maxReplicas": 5}}),
        );
        assert_eq!(v2["spec"]["minReplicas"], 1);
        assert_eq!(
            v2["spec"]["metrics"],
            json!([{"type": "Resource", "resource": {"name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 80}}}])
        );
        assert_eq!(v2["spec"].get("behavior"), None);

        let v2 = defaulted(
            "autoscaling",
            "HorizontalPodAutoscaler",
            json!({"apiVersion": "autoscaling/v2", "spec": {"minReplicas": 2, "maxReplicas": 5,
                "metrics": [{"type": "Pods"}],
                "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60, "policies": []}}}}),
        );
        assert_eq!(v2["spec"]["minReplicas"], 2);
        assert_eq!(v2["spec"]["metrics"], json!([{"type": "Pods"}]));
        assert_eq!(
            v2["spec"]["behavior"],
            json!({
                "scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
                    {"type": "Pods", "value": 4, "periodSeconds": 15},
                    {"type": "Percent", "value": 100, "periodSeconds": 15}]},
                "scaleDown": {"stabilizationWindowSeconds": 60, "selectPolicy": "Max", "policies": []},
            })
        );
        let v2 = defaulted(
            "autoscaling",
            "HorizontalPodAutoscaler",
            json!({"apiVersion": "autoscaling/v2", "spec": {"behavior": {}}}),
        );
        assert_eq!(
            v2["spec"]["behavior"]["scaleDown"],
            json!({"selectPolicy": "Max", "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]})
        );

        let v1 = defaulted(
            "autoscaling",
            "HorizontalPodAutoscaler",
            json!({"apiVersion": "autoscaling/v1", "spec": {"maxReplicas": 5}}),
        );
        assert_eq!(
            v1["spec"],
            json!({"maxReplicas": 5, "minReplicas": 1, "targetCPUUtilizationPercentage": 80})
        );
        let v1 = defaulted(
            "autoscaling",
            "HorizontalPodAutoscaler",
            json!({"apiVersion": "autoscaling/v1", "spec": {"targetCPUUtilizationPercentage": 50}}),
        );
        assert_eq!(v1["spec"]["targetCPUUtilizationPercentage"], 50);
    }
}
