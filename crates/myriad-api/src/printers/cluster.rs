//! Cluster-level resources: nodes (STATUS from the Ready condition, ROLES from the role
//! labels), namespaces, events of both APIs (`core/v1` and `events.k8s.io/v1`, printed
//! alike: LAST SEEN first, series-aware counts), leases, priority and runtime classes,
//! component statuses, certificate signing requests, API Priority and Fairness
//! objects, admission webhooks and validating admission policies, APIServices (the
//! aggregator's own table) and CustomResourceDefinitions (the default NAME and CREATED
//! AT), plus Myriad's own cells (NAME and AGE).

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::Value;

use super::format::{Now, as_int, at, count, duration, int, items, name, or_none, parse_time, set, text};
use super::{AGE, DEFAULT, NAME, NAME_AND_AGE, Printer, column, d, wide};

pub(super) fn printer(group: &str, resource: &str) -> Option<&'static Printer> {
    Some(match (group, resource) {
        ("", "nodes") => &NODE,
        ("", "namespaces") => &NAMESPACE,
        ("", "events") => &CORE_EVENT,
        ("events.k8s.io", "events") => &EVENT,
        ("", "componentstatuses") => &COMPONENT_STATUS,
        ("coordination.k8s.io", "leases") => &LEASE,
        ("scheduling.k8s.io", "priorityclasses") => &PRIORITY_CLASS,
        ("node.k8s.io", "runtimeclasses") => &RUNTIME_CLASS,
        ("certificates.k8s.io", "certificatesigningrequests") => &CERTIFICATE_SIGNING_REQUEST,
        ("flowcontrol.apiserver.k8s.io", "flowschemas") => &FLOW_SCHEMA,
        ("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations") => &PRIORITY_LEVEL,
        ("admissionregistration.k8s.io", "mutatingwebhookconfigurations") => &WEBHOOK_CONFIGURATION,
        ("admissionregistration.k8s.io", "validatingwebhookconfigurations") => &WEBHOOK_CONFIGURATION,
        ("admissionregistration.k8s.io", "validatingadmissionpolicies") => &VALIDATING_ADMISSION_POLICY,
        ("admissionregistration.k8s.io", "validatingadmissionpolicybindings") => &POLICY_BINDING,
        ("apiregistration.k8s.io", "apiservices") => &API_SERVICE,
        ("apiextensions.k8s.io", "customresourcedefinitions") => &DEFAULT,
        ("tenancy.myriad.io", "cells") => &NAME_AND_AGE,
        _ => return None,
    })
}

static NODE: Printer = Printer {
    columns: &[
        NAME,
        column("Status", "string", "The status of the node"),
        column("Roles", "string", "The roles of the node"),
        AGE,
        column("Version", "string", d::NODE_KUBELET_VERSION),
        wide("Internal-IP", "string", d::NODE_ADDRESSES),
        wide("External-IP", "string", d::NODE_ADDRESSES),
        wide("OS-Image", "string", d::NODE_OS_IMAGE),
        wide("Kernel-Version", "string", d::NODE_KERNEL_VERSION),
        wide("Container-Runtime", "string", d::NODE_CONTAINER_RUNTIME),
    ],
    cells: node,
};

fn node(node: &Value, now: Now) -> Vec<Value> {
    // The last Ready condition wins, as upstream indexes conditions by type.
    let ready = items(node, &["status", "conditions"])
        .iter()
        .rev()
        .find(|c| text(c, &["type"]) == "Ready");
    let mut status = match ready {
        Some(c) if text(c, &["status"]) == "True" => "Ready",
        Some(_) => "NotReady",
        None => "Unknown",
    }
    .to_owned();
    if at(node, &["spec", "unschedulable"]).and_then(Value::as_bool) == Some(true) {
        status.push_str(",SchedulingDisabled");
    }
    let mut roles = BTreeSet::new();
    if let Some(labels) = at(node, &["metadata", "labels"]).and_then(Value::as_object) {
        for (key, value) in labels {
            if let Some(role) = key.strip_prefix("node-role.kubernetes.io/") {
                if !role.is_empty() {
                    roles.insert(role);
                }
            } else if key == "kubernetes.io/role"
                && let Some(role) = value.as_str().filter(|r| !r.is_empty())
            {
                roles.insert(role);
            }
        }
    }
    let roles = roles.into_iter().collect::<Vec<_>>().join(",");
    let addresses = items(node, &["status", "addresses"]);
    let address = |kind: &str| {
        addresses
            .iter()
            .find(|a| text(a, &["type"]) == kind)
            .map_or("<none>", |a| text(a, &["address"]))
    };
    let info = at(node, &["status", "nodeInfo"]).unwrap_or(&Value::Null);
    let or_unknown = |field: &str| {
        Value::from(match text(info, &[field]) {
            "" => "<unknown>",
            value => value,
        })
    };
    vec![
        name(node),
        Value::String(status),
        Value::from(or_none(&roles)),
        now.age(node),
        Value::from(text(info, &["kubeletVersion"])),
        Value::from(address("InternalIP")),
        Value::from(address("ExternalIP")),
        or_unknown("osImage"),
        or_unknown("kernelVersion"),
        or_unknown("containerRuntimeVersion"),
    ]
}

static NAMESPACE: Printer = Printer {
    columns: &[NAME, column("Status", "string", "The status of the namespace"), AGE],
    cells: |namespace, now| {
        vec![
            name(namespace),
            Value::from(text(namespace, &["status", "phase"])),
            now.age(namespace),
        ]
    },
};

/// Where an event's fields are in each API: `events.k8s.io/v1` renamed most of them,
/// and upstream prints both from the same internal form.
struct EventFields {
    regarding: &'static str,
    message: &'static str,
    source: &'static str,
    first_timestamp: &'static str,
    last_timestamp: &'static str,
    count: &'static str,
    reporting_controller: &'static str,
}

const CORE_EVENT_FIELDS: EventFields = EventFields {
    regarding: "involvedObject",
    message: "message",
    source: "source",
    first_timestamp: "firstTimestamp",
    last_timestamp: "lastTimestamp",
    count: "count",
    reporting_controller: "reportingComponent",
};

const EVENTS_V1_FIELDS: EventFields = EventFields {
    regarding: "regarding",
    message: "note",
    source: "deprecatedSource",
    first_timestamp: "deprecatedFirstTimestamp",
    last_timestamp: "deprecatedLastTimestamp",
    count: "deprecatedCount",
    reporting_controller: "reportingController",
};

const EVENT_COLUMNS: &[super::Column] = &[
    column("Last Seen", "string", d::EVENT_LAST_TIMESTAMP),
    column("Type", "string", d::EVENT_TYPE),
    column("Reason", "string", d::EVENT_REASON),
    column("Object", "string", d::EVENT_INVOLVED_OBJECT),
    wide("Subobject", "string", d::EVENT_FIELD_PATH),
    wide("Source", "string", d::EVENT_SOURCE),
    column("Message", "string", d::EVENT_MESSAGE),
    wide("First Seen", "string", d::EVENT_FIRST_TIMESTAMP),
    wide("Count", "string", d::EVENT_COUNT),
    super::Column { priority: 1, ..NAME },
];

static CORE_EVENT: Printer = Printer {
    columns: EVENT_COLUMNS,
    cells: |event, now| event_cells(event, now, &CORE_EVENT_FIELDS),
};

static EVENT: Printer = Printer {
    columns: EVENT_COLUMNS,
    cells: |event, now| event_cells(event, now, &EVENTS_V1_FIELDS),
};

fn event_cells(event: &Value, now: Now, fields: &EventFields) -> Vec<Value> {
    let first_seen = match parse_time(at(event, &[fields.first_timestamp])) {
        Some(first) => now.elapsed(first),
        None => now.since(at(event, &["eventTime"])),
    };
    let mut last_seen = match parse_time(at(event, &[fields.last_timestamp])) {
        Some(last) => now.elapsed(last),
        None => first_seen.clone(),
    };
    let mut count = int(event, &[fields.count]);
    if let Some(series) = set(event, &["series"]) {
        last_seen = now.since(at(series, &["lastObservedTime"]));
        count = int(series, &["count"]);
    } else if count == 0 {
        // Singleton events of the new API have no count.
        count = 1;
    }
    let regarding = at(event, &[fields.regarding]).unwrap_or(&Value::Null);
    let kind = text(regarding, &["kind"]).to_lowercase();
    let target = match text(regarding, &["name"]) {
        "" => kind,
        object => format!("{kind}/{object}"),
    };
    let first_of = |a: &'static str, b: &str| -> String {
        let primary = text(event, &[fields.source, a]);
        if primary.is_empty() {
            text(event, &[b]).to_owned()
        } else {
            primary.to_owned()
        }
    };
    let component = first_of("component", fields.reporting_controller);
    let host = first_of("host", "reportingInstance");
    let source = if host.is_empty() {
        component
    } else {
        format!("{component}, {host}")
    };
    vec![
        Value::String(last_seen),
        Value::from(text(event, &["type"])),
        Value::from(text(event, &["reason"])),
        Value::String(target),
        Value::from(text(regarding, &["fieldPath"])),
        Value::String(source),
        Value::from(text(event, &[fields.message]).trim()),
        Value::String(first_seen),
        Value::from(count),
        name(event),
    ]
}

static COMPONENT_STATUS: Printer = Printer {
    columns: &[
        NAME,
        column("Status", "string", "Status of the component conditions"),
        column("Message", "string", "Message of the component conditions"),
        column("Error", "string", "Error of the component conditions"),
    ],
    cells: |component, _| {
        let healthy = items(component, &["conditions"])
            .iter()
            .find(|c| text(c, &["type"]) == "Healthy");
        let (status, message, error) = match healthy {
            Some(c) => (
                if text(c, &["status"]) == "True" {
                    "Healthy"
                } else {
                    "Unhealthy"
                },
                text(c, &["message"]),
                text(c, &["error"]),
            ),
            None => ("Unknown", "", ""),
        };
        vec![
            name(component),
            Value::from(status),
            Value::from(message),
            Value::from(error),
        ]
    },
};

static LEASE: Printer = Printer {
    columns: &[NAME, column("Holder", "string", d::LEASE_HOLDER), AGE],
    cells: |lease, now| {
        vec![
            name(lease),
            Value::from(text(lease, &["spec", "holderIdentity"])),
            now.age(lease),
        ]
    },
};

static PRIORITY_CLASS: Printer = Printer {
    columns: &[
        NAME,
        column("Value", "integer", d::PC_VALUE),
        column("Global-Default", "boolean", d::PC_GLOBAL_DEFAULT),
        AGE,
        wide("PreemptionPolicy", "string", d::PC_PREEMPTION_POLICY),
    ],
    cells: |class, now| {
        vec![
            name(class),
            Value::from(int(class, &["value"])),
            Value::Bool(at(class, &["globalDefault"]).and_then(Value::as_bool).unwrap_or(false)),
            now.age(class),
            Value::from(text(class, &["preemptionPolicy"])),
        ]
    },
};

static RUNTIME_CLASS: Printer = Printer {
    // Upstream describes this column with a field ObjectMeta does not have: no text.
    columns: &[NAME, column("Handler", "string", ""), AGE],
    cells: |class, now| vec![name(class), Value::from(text(class, &["handler"])), now.age(class)],
};

static CERTIFICATE_SIGNING_REQUEST: Printer = Printer {
    columns: &[
        NAME,
        AGE,
        column("SignerName", "string", d::CSR_SIGNER_NAME),
        column("Requestor", "string", d::CSR_REQUEST),
        column("RequestedDuration", "string", d::CSR_EXPIRATION_SECONDS),
        column("Condition", "string", d::CSR_CONDITIONS),
    ],
    cells: |csr, now| {
        let requested = match set(csr, &["spec", "expirationSeconds"]).and_then(as_int) {
            Some(seconds) => duration(i128::from(seconds) * 1_000_000_000),
            None => "<none>".to_owned(),
        };
        vec![
            name(csr),
            now.age(csr),
            Value::from(or_none(text(csr, &["spec", "signerName"]))),
            Value::from(text(csr, &["spec", "username"])),
            Value::String(requested),
            Value::String(csr_condition(csr)),
        ]
    },
};

/// Upstream's `extractCSRStatus`: Denied over Approved over Pending (any condition of
/// the type counts, whatever its status), then `,Failed` and `,Issued`.
fn csr_condition(csr: &Value) -> String {
    let (mut approved, mut denied, mut failed) = (false, false, false);
    for condition in items(csr, &["status", "conditions"]) {
        match text(condition, &["type"]) {
            "Approved" => approved = true,
            "Denied" => denied = true,
            "Failed" => failed = true,
            _ => {}
        }
    }
    let mut status = if denied {
        "Denied"
    } else if approved {
        "Approved"
    } else {
        "Pending"
    }
    .to_owned();
    if failed {
        status.push_str(",Failed");
    }
    if !text(csr, &["status", "certificate"]).is_empty() {
        status.push_str(",Issued");
    }
    status
}

static FLOW_SCHEMA: Printer = Printer {
    columns: &[
        NAME,
        column("PriorityLevel", "string", d::FS_PRIORITY_LEVEL),
        column("MatchingPrecedence", "string", d::FS_PRECEDENCE),
        column("DistinguisherMethod", "string", d::FS_DISTINGUISHER),
        AGE,
        column(
            "MissingPL",
            "string",
            "references a broken or non-existent PriorityLevelConfiguration",
        ),
    ],
    cells: |schema, now| {
        let distinguisher = match set(schema, &["spec", "distinguisherMethod"]) {
            Some(method) => text(method, &["type"]),
            None => "<none>",
        };
        let missing = items(schema, &["status", "conditions"])
            .iter()
            .find(|c| text(c, &["type"]) == "Dangling")
            .map_or("?", |c| text(c, &["status"]));
        vec![
            name(schema),
            Value::from(text(schema, &["spec", "priorityLevelConfiguration", "name"])),
            Value::from(int(schema, &["spec", "matchingPrecedence"])),
            Value::from(distinguisher),
            now.age(schema),
            Value::from(missing),
        ]
    },
};

/// Upstream's `FlowSchemaSequence`: lower matching precedence first, then by name.
pub(super) fn flow_schema_order(a: &Value, b: &Value) -> Ordering {
    let precedence = |schema: &Value| int(schema, &["spec", "matchingPrecedence"]);
    precedence(a)
        .cmp(&precedence(b))
        .then_with(|| text(a, &["metadata", "name"]).cmp(text(b, &["metadata", "name"])))
}

static PRIORITY_LEVEL: Printer = Printer {
    columns: &[
        NAME,
        column("Type", "string", d::PL_TYPE),
        column("NominalConcurrencyShares", "string", d::PL_SHARES),
        column("Queues", "string", d::PL_QUEUES),
        column("HandSize", "string", d::PL_HAND_SIZE),
        column("QueueLengthLimit", "string", d::PL_QUEUE_LENGTH),
        AGE,
    ],
    cells: |level, now| {
        let none = || Value::from("<none>");
        let limited = set(level, &["spec", "limited"]);
        let shares = limited.map_or_else(none, |l| Value::from(int(l, &["nominalConcurrencyShares"])));
        let queuing = limited.and_then(|l| set(l, &["limitResponse", "queuing"]));
        let queue_field = |field: &str| queuing.map_or_else(none, |q| Value::from(int(q, &[field])));
        vec![
            name(level),
            Value::from(text(level, &["spec", "type"])),
            shares,
            queue_field("queues"),
            queue_field("handSize"),
            queue_field("queueLengthLimit"),
            now.age(level),
        ]
    },
};

static WEBHOOK_CONFIGURATION: Printer = Printer {
    columns: &[
        NAME,
        column(
            "Webhooks",
            "integer",
            "Webhooks indicates the number of webhooks registered in this configuration",
        ),
        AGE,
    ],
    cells: |configuration, now| {
        vec![
            name(configuration),
            Value::from(count(configuration, &["webhooks"])),
            now.age(configuration),
        ]
    },
};

static VALIDATING_ADMISSION_POLICY: Printer = Printer {
    columns: &[
        NAME,
        column(
            "Validations",
            "integer",
            "Validations indicates the number of validation rules defined in this configuration",
        ),
        column(
            "ParamKind",
            "string",
            "ParamKind specifies the kind of resources used to parameterize this policy",
        ),
        AGE,
    ],
    cells: |policy, now| {
        let param_kind = match set(policy, &["spec", "paramKind"]) {
            Some(kind) => format!("{}/{}", text(kind, &["apiVersion"]), text(kind, &["kind"])),
            None => "<unset>".to_owned(),
        };
        vec![
            name(policy),
            Value::from(count(policy, &["spec", "validations"])),
            Value::String(param_kind),
            now.age(policy),
        ]
    },
};

static POLICY_BINDING: Printer = Printer {
    columns: &[
        NAME,
        column(
            "PolicyName",
            "string",
            "PolicyName indicates the policy definition which the policy binding binded to",
        ),
        column(
            "ParamRef",
            "string",
            "ParamRef indicates the param resource which sets the configration param",
        ),
        AGE,
    ],
    cells: |binding, now| {
        let param = match set(binding, &["spec", "paramRef"]) {
            None => "<unset>".to_owned(),
            Some(reference) => match (text(reference, &["name"]), text(reference, &["namespace"])) {
                ("", _) => match set(reference, &["selector"]) {
                    Some(selector) => go_label_selector(selector),
                    None => "<unset>".to_owned(),
                },
                // Without a namespace the param may be namespaced or not: `*`.
                (name, "") => format!("*/{name}"),
                (name, namespace) => format!("{namespace}/{name}"),
            },
        };
        vec![
            name(binding),
            Value::from(text(binding, &["spec", "policyName"])),
            Value::String(param),
            now.age(binding),
        ]
    },
};

/// A `metav1.LabelSelector`'s generated Go `String()`, which upstream prints for a
/// binding's param selector:
/// `&LabelSelector{MatchLabels:map[string]string{app: web,},MatchExpressions:[]LabelSelectorRequirement{},}`.
fn go_label_selector(selector: &Value) -> String {
    let mut out = String::from("&LabelSelector{MatchLabels:map[string]string{");
    if let Some(labels) = at(selector, &["matchLabels"]).and_then(Value::as_object) {
        let mut pairs: Vec<(&str, &str)> = labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or("")))
            .collect();
        pairs.sort_unstable();
        for (key, value) in pairs {
            let _ = write!(out, "{key}: {value},");
        }
    }
    out.push_str("},MatchExpressions:[]LabelSelectorRequirement{");
    for expression in items(selector, &["matchExpressions"]) {
        let values: Vec<&str> = items(expression, &["values"])
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let _ = write!(
            out,
            "LabelSelectorRequirement{{Key:{},Operator:{},Values:[{}],}},",
            text(expression, &["key"]),
            text(expression, &["operator"]),
            values.join(" ")
        );
    }
    out.push_str("},}");
    out
}

static API_SERVICE: Printer = Printer {
    columns: &[
        NAME,
        column(
            "Service",
            "string",
            "The reference to the service that hosts this API endpoint.",
        ),
        column("Available", "string", "Whether this service is available."),
        AGE,
    ],
    cells: |service, now| {
        let backend = match set(service, &["spec", "service"]) {
            Some(reference) => format!("{}/{}", text(reference, &["namespace"]), text(reference, &["name"])),
            None => "Local".to_owned(),
        };
        let available = match items(service, &["status", "conditions"])
            .iter()
            .find(|c| text(c, &["type"]) == "Available")
        {
            None => "Unknown".to_owned(),
            Some(condition) => match (text(condition, &["status"]), text(condition, &["reason"])) {
                ("True", _) => "True".to_owned(),
                (status, "") => status.to_owned(),
                (status, reason) => format!("{status} ({reason})"),
            },
        };
        vec![
            name(service),
            Value::String(backend),
            Value::String(available),
            now.age(service),
        ]
    },
};

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::tests::{CREATED, narrow, row};

    #[test]
    fn nodes() {
        let node = json!({"metadata": {"name": "cp-1", "creationTimestamp": CREATED,
                "labels": {"node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/etcd": "true",
                           "kubernetes.io/role": "master", "node-role.kubernetes.io/": "x"}},
            "spec": {"unschedulable": true},
            "status": {"conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}],
                       "addresses": [{"type": "Hostname", "address": "cp-1"}, {"type": "InternalIP", "address": "172.18.0.2"}],
                       "nodeInfo": {"kubeletVersion": "v1.33.1", "osImage": "Debian GNU/Linux 12 (bookworm)",
                                    "kernelVersion": "6.1.0-18-amd64", "containerRuntimeVersion": "containerd://2.0.3"}}});
        assert_eq!(
            row("", "nodes", &node),
            [
                json!("cp-1"),
                json!("Ready,SchedulingDisabled"),
                json!("control-plane,etcd,master"),
                json!("10m"),
                json!("v1.33.1"),
                json!("172.18.0.2"),
                json!("<none>"),
                json!("Debian GNU/Linux 12 (bookworm)"),
                json!("6.1.0-18-amd64"),
                json!("containerd://2.0.3")
            ]
        );
        let lost = json!({"status": {"conditions": [{"type": "Ready", "status": "Unknown"}]}});
        assert_eq!(row("", "nodes", &lost)[1..3], [json!("NotReady"), json!("<none>")]);
        assert_eq!(
            row("", "nodes", &json!({}))[1..10],
            [
                json!("Unknown"),
                json!("<none>"),
                json!("<unknown>"),
                json!(""),
                json!("<none>"),
                json!("<none>"),
                json!("<unknown>"),
                json!("<unknown>"),
                json!("<unknown>")
            ]
        );
    }

    #[test]
    fn namespaces_leases_and_classes() {
        let ns =
            json!({"metadata": {"name": "kube-system", "creationTimestamp": CREATED}, "status": {"phase": "Active"}});
        assert_eq!(
            row("", "namespaces", &ns),
            [json!("kube-system"), json!("Active"), json!("10m")]
        );
        let lease = json!({"metadata": {"name": "kube-scheduler", "creationTimestamp": CREATED},
            "spec": {"holderIdentity": "cp-1_3f2a"}});
        assert_eq!(
            row("coordination.k8s.io", "leases", &lease),
            [json!("kube-scheduler"), json!("cp-1_3f2a"), json!("10m")]
        );
        let class = json!({"metadata": {"name": "system-node-critical", "creationTimestamp": CREATED},
            "value": 2_000_001_000, "globalDefault": false, "preemptionPolicy": "PreemptLowerPriority"});
        assert_eq!(
            row("scheduling.k8s.io", "priorityclasses", &class),
            [
                json!("system-node-critical"),
                json!(2_000_001_000),
                json!(false),
                json!("10m"),
                json!("PreemptLowerPriority")
            ]
        );
        let runtime = json!({"metadata": {"name": "gvisor", "creationTimestamp": CREATED}, "handler": "runsc"});
        assert_eq!(
            row("node.k8s.io", "runtimeclasses", &runtime),
            [json!("gvisor"), json!("runsc"), json!("10m")]
        );
    }

    #[test]
    fn core_events() {
        let event = json!({"metadata": {"name": "web-1.17a", "creationTimestamp": CREATED},
            "involvedObject": {"kind": "Pod", "name": "web-1", "fieldPath": "spec.containers{web}"},
            "reason": "Pulled", "type": "Normal", "message": "  Successfully pulled image \"nginx\"\n",
            "source": {"component": "kubelet", "host": "node-1"},
            "firstTimestamp": "2024-01-01T00:02:00Z", "lastTimestamp": "2024-01-01T00:08:00Z", "count": 3});
        assert_eq!(
            row("", "events", &event),
            [
                json!("2m"),
                json!("Normal"),
                json!("Pulled"),
                json!("pod/web-1"),
                json!("spec.containers{web}"),
                json!("kubelet, node-1"),
                json!("Successfully pulled image \"nginx\""),
                json!("8m"),
                json!(3),
                json!("web-1.17a")
            ]
        );
        assert_eq!(narrow("", "events", &event).len(), 5);
        let new_style = json!({"metadata": {"name": "e"}, "involvedObject": {"kind": "Node"},
            "eventTime": "2024-01-01T00:09:00.123456Z", "reportingComponent": "scheduler", "reportingInstance": "cp-1",
            "series": {"count": 7, "lastObservedTime": "2024-01-01T00:09:50.000001Z"}});
        assert_eq!(
            row("", "events", &new_style),
            [
                json!("9s"),
                json!(""),
                json!(""),
                json!("node"),
                json!(""),
                json!("scheduler, cp-1"),
                json!(""),
                json!("59s"),
                json!(7),
                json!("e")
            ]
        );
        assert_eq!(
            row("", "events", &json!({}))[..9],
            [
                json!("<unknown>"),
                json!(""),
                json!(""),
                json!(""),
                json!(""),
                json!(""),
                json!(""),
                json!("<unknown>"),
                json!(1)
            ]
        );
    }

    #[test]
    fn events_v1_events() {
        let event = json!({"metadata": {"name": "web.1"}, "eventTime": "2024-01-01T00:04:00.000000Z",
            "regarding": {"kind": "Deployment", "name": "web"}, "reason": "ScalingReplicaSet", "type": "Normal",
            "note": "Scaled up replica set web-5d4f to 3", "reportingController": "deployment-controller",
            "reportingInstance": "", "action": "Scale"});
        assert_eq!(
            row("events.k8s.io", "events", &event),
            [
                json!("6m"),
                json!("Normal"),
                json!("ScalingReplicaSet"),
                json!("deployment/web"),
                json!(""),
                json!("deployment-controller"),
                json!("Scaled up replica set web-5d4f to 3"),
                json!("6m"),
                json!(1),
                json!("web.1")
            ]
        );
        let legacy = json!({"regarding": {"kind": "Pod", "name": "p"}, "deprecatedSource": {"component": "kubelet"},
            "deprecatedFirstTimestamp": "2024-01-01T00:01:00Z", "deprecatedLastTimestamp": "2024-01-01T00:05:00Z",
            "deprecatedCount": 4});
        let cells = row("events.k8s.io", "events", &legacy);
        assert_eq!(
            [&cells[0], &cells[5], &cells[7], &cells[8]],
            [&json!("5m"), &json!("kubelet"), &json!("9m"), &json!(4)]
        );
    }

    #[test]
    fn component_statuses() {
        let healthy = json!({"metadata": {"name": "etcd-0"}, "conditions": [{"type": "Healthy", "status": "True", "message": "ok"}]});
        assert_eq!(
            row("", "componentstatuses", &healthy),
            [json!("etcd-0"), json!("Healthy"), json!("ok"), json!("")]
        );
        let unhealthy = json!({"metadata": {"name": "scheduler"},
            "conditions": [{"type": "Healthy", "status": "False", "error": "connection refused"}]});
        assert_eq!(
            row("", "componentstatuses", &unhealthy),
            [
                json!("scheduler"),
                json!("Unhealthy"),
                json!(""),
                json!("connection refused")
            ]
        );
        assert_eq!(row("", "componentstatuses", &json!({}))[1], "Unknown");
    }

    #[test]
    fn certificate_signing_requests() {
        let csr = json!({"metadata": {"name": "csr-8b2", "creationTimestamp": CREATED},
            "spec": {"signerName": "kubernetes.io/kube-apiserver-client-kubelet", "username": "system:node:node-1",
                     "expirationSeconds": 86400},
            "status": {"conditions": [{"type": "Approved", "status": "True"}], "certificate": "LS0tLS1CRUdJTg=="}});
        assert_eq!(
            row("certificates.k8s.io", "certificatesigningrequests", &csr),
            [
                json!("csr-8b2"),
                json!("10m"),
                json!("kubernetes.io/kube-apiserver-client-kubelet"),
                json!("system:node:node-1"),
                json!("24h"),
                json!("Approved,Issued")
            ]
        );
        let denied = json!({"spec": {"expirationSeconds": 600},
            "status": {"conditions": [{"type": "Approved", "status": "True"}, {"type": "Denied", "status": "True"},
                                      {"type": "Failed", "status": "True"}]}});
        assert_eq!(
            row("certificates.k8s.io", "certificatesigningrequests", &denied)[2..6],
            [json!("<none>"), json!(""), json!("10m"), json!("Denied,Failed")]
        );
        assert_eq!(
            row("certificates.k8s.io", "certificatesigningrequests", &json!({}))[4..6],
            [json!("<none>"), json!("Pending")]
        );
    }

    #[test]
    fn flow_control() {
        let schema = json!({"metadata": {"name": "system-leader-election", "creationTimestamp": CREATED},
            "spec": {"priorityLevelConfiguration": {"name": "leader-election"}, "matchingPrecedence": 100,
                     "distinguisherMethod": {"type": "ByUser"}},
            "status": {"conditions": [{"type": "Dangling", "status": "False"}]}});
        assert_eq!(
            row("flowcontrol.apiserver.k8s.io", "flowschemas", &schema),
            [
                json!("system-leader-election"),
                json!("leader-election"),
                json!(100),
                json!("ByUser"),
                json!("10m"),
                json!("False")
            ]
        );
        assert_eq!(
            row("flowcontrol.apiserver.k8s.io", "flowschemas", &json!({}))[3..6],
            [json!("<none>"), json!("<unknown>"), json!("?")]
        );
        let limited = json!({"metadata": {"name": "workload-low", "creationTimestamp": CREATED},
            "spec": {"type": "Limited", "limited": {"nominalConcurrencyShares": 100,
                     "limitResponse": {"type": "Queue", "queuing": {"queues": 128, "handSize": 6, "queueLengthLimit": 50}}}}});
        assert_eq!(
            row("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations", &limited),
            [
                json!("workload-low"),
                json!("Limited"),
                json!(100),
                json!(128),
                json!(6),
                json!(50),
                json!("10m")
            ]
        );
        let exempt = json!({"metadata": {"name": "exempt", "creationTimestamp": CREATED}, "spec": {"type": "Exempt", "exempt": {}}});
        assert_eq!(
            row("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations", &exempt),
            [
                json!("exempt"),
                json!("Exempt"),
                json!("<none>"),
                json!("<none>"),
                json!("<none>"),
                json!("<none>"),
                json!("10m")
            ]
        );
        let rejecting = json!({"spec": {"type": "Limited", "limited": {"nominalConcurrencyShares": 5, "limitResponse": {"type": "Reject"}}}});
        assert_eq!(
            row(
                "flowcontrol.apiserver.k8s.io",
                "prioritylevelconfigurations",
                &rejecting
            )[2..6],
            [json!(5), json!("<none>"), json!("<none>"), json!("<none>")]
        );
    }

    #[test]
    fn admission() {
        let webhooks = json!({"metadata": {"name": "cert-manager-webhook", "creationTimestamp": CREATED},
            "webhooks": [{"name": "a"}, {"name": "b"}]});
        for resource in ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"] {
            assert_eq!(
                row("admissionregistration.k8s.io", resource, &webhooks),
                [json!("cert-manager-webhook"), json!(2), json!("10m")]
            );
        }
        let policy = json!({"metadata": {"name": "replicas", "creationTimestamp": CREATED},
            "spec": {"paramKind": {"apiVersion": "rules.example.com/v1", "kind": "ReplicaLimit"},
                     "validations": [{"expression": "object.spec.replicas <= params.maxReplicas"}]}});
        assert_eq!(
            row("admissionregistration.k8s.io", "validatingadmissionpolicies", &policy),
            [
                json!("replicas"),
                json!(1),
                json!("rules.example.com/v1/ReplicaLimit"),
                json!("10m")
            ]
        );
        assert_eq!(
            row(
                "admissionregistration.k8s.io",
                "validatingadmissionpolicies",
                &json!({})
            )[1..3],
            [json!(0), json!("<unset>")]
        );
        let binding = |param: serde_json::Value| json!({"metadata": {"name": "b", "creationTimestamp": CREATED}, "spec": {"policyName": "replicas", "paramRef": param}});
        let bindings = "validatingadmissionpolicybindings";
        let cells = row(
            "admissionregistration.k8s.io",
            bindings,
            &binding(json!({"name": "limits", "namespace": "prod"})),
        );
        assert_eq!(
            cells,
            [json!("b"), json!("replicas"), json!("prod/limits"), json!("10m")]
        );
        let cells = row(
            "admissionregistration.k8s.io",
            bindings,
            &binding(json!({"name": "limits"})),
        );
        assert_eq!(cells[2], "*/limits");
        let selector = json!({"selector": {"matchLabels": {"tier": "prod", "app": "web"},
            "matchExpressions": [{"key": "env", "operator": "In", "values": ["a", "b"]}, {"key": "x", "operator": "Exists"}]}});
        let cells = row("admissionregistration.k8s.io", bindings, &binding(selector));
        assert_eq!(
            cells[2],
            "&LabelSelector{MatchLabels:map[string]string{app: web,tier: prod,},MatchExpressions:[]LabelSelectorRequirement{\
             LabelSelectorRequirement{Key:env,Operator:In,Values:[a b],},LabelSelectorRequirement{Key:x,Operator:Exists,Values:[],},},}"
        );
        let cells = row(
            "admissionregistration.k8s.io",
            bindings,
            &binding(json!({"parameterNotFoundAction": "Deny"})),
        );
        assert_eq!(cells[2], "<unset>");
        assert_eq!(row("admissionregistration.k8s.io", bindings, &json!({}))[2], "<unset>");
    }

    #[test]
    fn api_services() {
        let local = json!({"metadata": {"name": "v1.apps", "creationTimestamp": CREATED},
            "spec": {"group": "apps", "version": "v1"}, "status": {"conditions": [{"type": "Available", "status": "True"}]}});
        assert_eq!(
            row("apiregistration.k8s.io", "apiservices", &local),
            [json!("v1.apps"), json!("Local"), json!("True"), json!("10m")]
        );
        let remote = json!({"metadata": {"name": "v1beta1.metrics.k8s.io", "creationTimestamp": CREATED},
            "spec": {"service": {"namespace": "kube-system", "name": "metrics-server"}},
            "status": {"conditions": [{"type": "Available", "status": "False", "reason": "MissingEndpoints"}]}});
        assert_eq!(
            row("apiregistration.k8s.io", "apiservices", &remote),
            [
                json!("v1beta1.metrics.k8s.io"),
                json!("kube-system/metrics-server"),
                json!("False (MissingEndpoints)"),
                json!("10m")
            ]
        );
        assert_eq!(row("apiregistration.k8s.io", "apiservices", &json!({}))[2], "Unknown");
    }
}
