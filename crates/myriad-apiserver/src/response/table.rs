//! Server-side printing (`Accept: application/json;as=Table;…`): the columns kubectl
//! shows against Kubernetes for each built-in kind (from Kubernetes' printers), with
//! `-o wide` columns at priority 1. Other resources get NAME and AGE.

use std::time::SystemTime;

use myriad_api::crd::printer_columns;
use myriad_api::registry::ResourceInfo;
use myriad_api::registry::{CustomResource, PrinterColumn};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Whether the client asked for a Table.
pub(crate) fn wants_table(accept: &str) -> bool {
    accept.split(',').next().is_some_and(|first| first.contains("as=Table"))
}

/// A Table of `objects` (rows carry the objects' metadata, as with `includeObject=Metadata`).
pub(crate) fn table(info: &ResourceInfo, objects: &[Value], list_metadata: Value) -> Value {
    if let Some(custom) = &info.custom {
        return custom_table(custom, objects, list_metadata);
    }
    let columns: Vec<Value> = columns(info)
        .iter()
        .map(|(name, priority)| {
            let format = if *name == "Name" { "name" } else { "" };
            json!({"name": name, "type": "string", "format": format, "description": "", "priority": priority})
        })
        .collect();
    let now = OffsetDateTime::now_utc();
    let rows: Vec<Value> = objects
        .iter()
        .map(|object| row(object, cells(info, object, now)))
        .collect();
    envelope(columns, rows, list_metadata)
}

/// A custom resource's Table: NAME, then its `additionalPrinterColumns` (AGE when it
/// names none), with cells typed as upstream's CRD table convertor types them.
fn custom_table(custom: &CustomResource, objects: &[Value], list_metadata: Value) -> Value {
    let mut columns =
        vec![json!({"name": "Name", "type": "string", "format": "name", "description": "", "priority": 0})];
    columns.extend(custom.columns.iter().map(|c| {
        json!({"name": c.name, "type": c.kind, "format": c.format, "description": c.description, "priority": c.priority})
    }));
    let now = SystemTime::now();
    let rows: Vec<Value> = objects
        .iter()
        .map(|object| {
            let mut cells = vec![json!(text(object, "/metadata/name"))];
            cells.extend(custom.columns.iter().map(|c| custom_cell(c, object, now)));
            row(object, cells)
        })
        .collect();
    envelope(columns, rows, list_metadata)
}

/// One cell, typed as upstream's CRD table convertor types it; null when the path finds
/// nothing or the value does not fit the column's type.
fn custom_cell(column: &PrinterColumn, object: &Value, now: SystemTime) -> Value {
    match &column.json_path {
        Some(path) => printer_columns::cell(object, path, &column.kind, now),
        None => Value::Null,
    }
}

fn envelope(columns: Vec<Value>, rows: Vec<Value>, list_metadata: Value) -> Value {
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": list_metadata,
        "columnDefinitions": columns,
        "rows": rows,
    })
}

fn row(object: &Value, cells: Vec<Value>) -> Value {
    json!({
        "cells": cells,
        "object": {
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": object.get("metadata").cloned().unwrap_or(json!({})),
        },
    })
}

/// Column names and priorities (1: only with `-o wide`), as Kubernetes' printers.
fn columns(info: &ResourceInfo) -> &'static [(&'static str, u8)] {
    match info.resource {
        "pods" => &[
            ("Name", 0),
            ("Ready", 0),
            ("Status", 0),
            ("Restarts", 0),
            ("Age", 0),
            ("IP", 1),
            ("Node", 1),
            ("Nominated Node", 1),
            ("Readiness Gates", 1),
        ],
        "nodes" => &[
            ("Name", 0),
            ("Status", 0),
            ("Roles", 0),
            ("Age", 0),
            ("Version", 0),
            ("Internal-IP", 1),
            ("External-IP", 1),
            ("OS-Image", 1),
            ("Kernel-Version", 1),
            ("Container-Runtime", 1),
        ],
        "namespaces" => &[("Name", 0), ("Status", 0), ("Age", 0)],
        "configmaps" => &[("Name", 0), ("Data", 0), ("Age", 0)],
        "secrets" => &[("Name", 0), ("Type", 0), ("Data", 0), ("Age", 0)],
        "services" => &[
            ("Name", 0),
            ("Type", 0),
            ("Cluster-IP", 0),
            ("External-IP", 0),
            ("Port(s)", 0),
            ("Age", 0),
            ("Selector", 1),
        ],
        "serviceaccounts" => &[("Name", 0), ("Secrets", 0), ("Age", 0)],
        "endpoints" => &[("Name", 0), ("Endpoints", 0), ("Age", 0)],
        "deployments" => &[
            ("Name", 0),
            ("Ready", 0),
            ("Up-to-date", 0),
            ("Available", 0),
            ("Age", 0),
            ("Containers", 1),
            ("Images", 1),
            ("Selector", 1),
        ],
        "replicasets" => &[
            ("Name", 0),
            ("Desired", 0),
            ("Current", 0),
            ("Ready", 0),
            ("Age", 0),
            ("Containers", 1),
            ("Images", 1),
            ("Selector", 1),
        ],
        "daemonsets" => &[
            ("Name", 0),
            ("Desired", 0),
            ("Current", 0),
            ("Ready", 0),
            ("Up-to-date", 0),
            ("Available", 0),
            ("Node Selector", 0),
            ("Age", 0),
            ("Containers", 1),
            ("Images", 1),
            ("Selector", 1),
        ],
        "leases" => &[("Name", 0), ("Holder", 0), ("Age", 0)],
        "events" => &[
            ("Last Seen", 0),
            ("Type", 0),
            ("Reason", 0),
            ("Object", 0),
            ("Message", 0),
        ],
        "roles" | "clusterroles" => &[("Name", 0), ("Created At", 0)],
        "rolebindings" | "clusterrolebindings" => &[
            ("Name", 0),
            ("Role", 0),
            ("Age", 0),
            ("Users", 1),
            ("Groups", 1),
            ("ServiceAccounts", 1),
        ],
        _ => &[("Name", 0), ("Age", 0)],
    }
}

fn text(object: &Value, pointer: &str) -> String {
    match object.pointer(pointer) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn int(object: &Value, pointer: &str) -> i64 {
    object.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

fn or_none(s: String) -> String {
    if s.is_empty() { "<none>".into() } else { s }
}

fn count(object: &Value, pointer: &str) -> usize {
    match object.pointer(pointer) {
        Some(Value::Object(map)) => map.len(),
        Some(Value::Array(items)) => items.len(),
        _ => 0,
    }
}

fn containers(object: &Value, pointer: &str, field: &str) -> String {
    or_none(
        object
            .pointer(pointer)
            .and_then(Value::as_array)
            .map(|cs| {
                cs.iter()
                    .map(|c| text(c, &format!("/{field}")))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_default(),
    )
}

fn selector(object: &Value) -> String {
    let labels = object
        .pointer("/spec/selector/matchLabels")
        .or_else(|| object.pointer("/spec/selector"))
        .and_then(Value::as_object);
    or_none(
        labels
            .map(|l| {
                l.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| format!("{k}={v}")))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_default(),
    )
}

fn cells(info: &ResourceInfo, o: &Value, now: OffsetDateTime) -> Vec<Value> {
    let name = text(o, "/metadata/name");
    let age = age(o, now);
    let row: Vec<String> = match info.resource {
        "pods" => {
            let statuses = o
                .pointer("/status/containerStatuses")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let ready = statuses.iter().filter(|c| c.get("ready") == Some(&json!(true))).count();
            let total = count(o, "/spec/containers");
            let restarts: i64 = statuses.iter().map(|c| int(c, "/restartCount")).sum();
            let mut status = text(o, "/status/reason");
            if status.is_empty() {
                status = text(o, "/status/phase");
            }
            if o.pointer("/metadata/deletionTimestamp").is_some() {
                status = "Terminating".into();
            }
            let gates = count(o, "/spec/readinessGates");
            vec![
                name,
                format!("{ready}/{total}"),
                if status.is_empty() { "Pending".into() } else { status },
                restarts.to_string(),
                age,
                or_none(text(o, "/status/podIP")),
                or_none(text(o, "/spec/nodeName")),
                or_none(text(o, "/status/nominatedNodeName")),
                if gates == 0 {
                    "<none>".into()
                } else {
                    format!("0/{gates}")
                },
            ]
        }
        "nodes" => {
            let conditions = o
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let ready = conditions.iter().find(|c| c.get("type") == Some(&json!("Ready")));
            let mut status = match ready.map(|c| text(c, "/status")).as_deref() {
                Some("True") => "Ready".to_string(),
                Some("False") => "NotReady".to_string(),
                _ => "Unknown".to_string(),
            };
            if o.pointer("/spec/unschedulable") == Some(&json!(true)) {
                status.push_str(",SchedulingDisabled");
            }
            let roles: Vec<String> = o
                .pointer("/metadata/labels")
                .and_then(Value::as_object)
                .map(|labels| {
                    labels
                        .keys()
                        .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/").map(str::to_string))
                        .filter(|r| !r.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            let address = |kind: &str| {
                o.pointer("/status/addresses")
                    .and_then(Value::as_array)
                    .and_then(|a| a.iter().find(|x| x.get("type") == Some(&json!(kind))))
                    .map(|x| text(x, "/address"))
                    .unwrap_or_default()
            };
            vec![
                name,
                status,
                or_none(roles.join(",")),
                age,
                text(o, "/status/nodeInfo/kubeletVersion"),
                or_none(address("InternalIP")),
                or_none(address("ExternalIP")),
                text(o, "/status/nodeInfo/osImage"),
                text(o, "/status/nodeInfo/kernelVersion"),
                text(o, "/status/nodeInfo/containerRuntimeVersion"),
            ]
        }
        "namespaces" => {
            let phase = text(o, "/status/phase");
            vec![name, if phase.is_empty() { "Active".into() } else { phase }, age]
        }
        "configmaps" => vec![name, (count(o, "/data") + count(o, "/binaryData")).to_string(), age],
        "secrets" => {
            let kind = text(o, "/type");
            vec![
                name,
                if kind.is_empty() { "Opaque".into() } else { kind },
                count(o, "/data").to_string(),
                age,
            ]
        }
        "services" => {
            let kind = text(o, "/spec/type");
            let ports = o
                .pointer("/spec/ports")
                .and_then(Value::as_array)
                .map(|ps| {
                    ps.iter()
                        .map(|p| {
                            let proto = text(p, "/protocol");
                            let node_port = int(p, "/nodePort");
                            let port = int(p, "/port");
                            let proto = if proto.is_empty() { "TCP".into() } else { proto };
                            if node_port > 0 {
                                format!("{port}:{node_port}/{proto}")
                            } else {
                                format!("{port}/{proto}")
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            let external = o
                .pointer("/spec/externalIPs")
                .and_then(Value::as_array)
                .map(|ips| ips.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(","))
                .unwrap_or_default();
            vec![
                name,
                if kind.is_empty() { "ClusterIP".into() } else { kind },
                or_none(text(o, "/spec/clusterIP")),
                or_none(external),
                or_none(ports),
                age,
                selector(o),
            ]
        }
        "serviceaccounts" => vec![name, count(o, "/secrets").to_string(), age],
        "endpoints" => {
            let endpoints: Vec<String> = o
                .pointer("/subsets")
                .and_then(Value::as_array)
                .map(|subsets| {
                    subsets
                        .iter()
                        .flat_map(|s| {
                            let ports: Vec<i64> = s
                                .get("ports")
                                .and_then(Value::as_array)
                                .map(|p| p.iter().map(|x| int(x, "/port")).collect())
                                .unwrap_or_default();
                            let ips: Vec<String> = s
                                .get("addresses")
                                .and_then(Value::as_array)
                                .map(|a| a.iter().map(|x| text(x, "/ip")).collect())
                                .unwrap_or_default();
                            ips.into_iter().flat_map(move |ip| {
                                let ports = ports.clone();
                                if ports.is_empty() {
                                    vec![ip]
                                } else {
                                    ports.into_iter().map(|p| format!("{ip}:{p}")).collect()
                                }
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            vec![name, or_none(endpoints.join(",")), age]
        }
        "deployments" => vec![
            name,
            format!("{}/{}", int(o, "/status/readyReplicas"), int(o, "/spec/replicas")),
            int(o, "/status/updatedReplicas").to_string(),
            int(o, "/status/availableReplicas").to_string(),
            age,
            containers(o, "/spec/template/spec/containers", "name"),
            containers(o, "/spec/template/spec/containers", "image"),
            selector(o),
        ],
        "replicasets" => vec![
            name,
            int(o, "/spec/replicas").to_string(),
            int(o, "/status/replicas").to_string(),
            int(o, "/status/readyReplicas").to_string(),
            age,
            containers(o, "/spec/template/spec/containers", "name"),
            containers(o, "/spec/template/spec/containers", "image"),
            selector(o),
        ],
        "daemonsets" => {
            let node_selector = o
                .pointer("/spec/template/spec/nodeSelector")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| v.as_str().map(|v| format!("{k}={v}")))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            vec![
                name,
                int(o, "/status/desiredNumberScheduled").to_string(),
                int(o, "/status/currentNumberScheduled").to_string(),
                int(o, "/status/numberReady").to_string(),
                int(o, "/status/updatedNumberScheduled").to_string(),
                int(o, "/status/numberAvailable").to_string(),
                or_none(node_selector),
                age,
                containers(o, "/spec/template/spec/containers", "name"),
                containers(o, "/spec/template/spec/containers", "image"),
                selector(o),
            ]
        }
        "leases" => vec![name, or_none(text(o, "/spec/holderIdentity")), age],
        "events" => {
            let last = ["/lastTimestamp", "/eventTime", "/metadata/creationTimestamp"]
                .iter()
                .find_map(|p| {
                    o.pointer(p)
                        .and_then(Value::as_str)
                        .and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok())
                })
                .map(|t| human_duration(now - t))
                .unwrap_or_else(|| "<unknown>".into());
            let object = format!(
                "{}/{}",
                text(o, "/involvedObject/kind").to_lowercase(),
                text(o, "/involvedObject/name")
            );
            vec![last, text(o, "/type"), text(o, "/reason"), object, text(o, "/message")]
        }
        "roles" | "clusterroles" => vec![name, text(o, "/metadata/creationTimestamp")],
        "rolebindings" | "clusterrolebindings" => {
            let role = format!("{}/{}", text(o, "/roleRef/kind"), text(o, "/roleRef/name"));
            let subjects = o.get("subjects").and_then(Value::as_array).cloned().unwrap_or_default();
            let of_kind = |kind: &str| {
                subjects
                    .iter()
                    .filter(|s| s.get("kind").and_then(Value::as_str) == Some(kind))
                    .map(|s| match kind {
                        "ServiceAccount" => format!("{}/{}", text(s, "/namespace"), text(s, "/name")),
                        _ => text(s, "/name"),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            vec![
                name,
                role,
                age,
                of_kind("User"),
                of_kind("Group"),
                of_kind("ServiceAccount"),
            ]
        }
        _ => vec![name, age],
    };
    row.into_iter().map(Value::String).collect()
}

fn age(object: &Value, now: OffsetDateTime) -> String {
    let created = object
        .pointer("/metadata/creationTimestamp")
        .and_then(Value::as_str)
        .and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok());
    match created {
        Some(created) => human_duration(now - created),
        None => "<unknown>".into(),
    }
}

/// How long ago, as kubectl prints ages (`45s`, `3m10s`, `2d3h`).
fn human_duration(elapsed: time::Duration) -> String {
    printer_columns::human_duration(elapsed.whole_nanoseconds())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pod_and_node_rows() {
        use myriad_api::registry::lookup;
        use serde_json::json;
        let now = OffsetDateTime::now_utc();
        let pod = json!({"metadata": {"name": "p"}, "spec": {"nodeName": "n1", "containers": [{"name": "a"}, {"name": "b"}]},
            "status": {"phase": "Running", "podIP": "10.0.0.1", "containerStatuses": [{"ready": true, "restartCount": 2}, {"ready": false, "restartCount": 1}]}});
        let row = cells(lookup("", "v1", "pods").unwrap(), &pod, now);
        assert_eq!(&row[..4], &[json!("p"), json!("1/2"), json!("Running"), json!("3")]);
        assert_eq!(row[5], "10.0.0.1");
        let node = json!({"metadata": {"name": "n1", "labels": {"node-role.kubernetes.io/control-plane": ""}},
            "spec": {"unschedulable": true}, "status": {"conditions": [{"type": "Ready", "status": "True"}], "nodeInfo": {"kubeletVersion": "v1.32.0"}}});
        let row = cells(lookup("", "v1", "nodes").unwrap(), &node, now);
        assert_eq!(
            &row[..3],
            &[json!("n1"), json!("Ready,SchedulingDisabled"), json!("control-plane")]
        );
        assert_eq!(row[4], "v1.32.0");
        assert_eq!(columns(lookup("", "v1", "nodes").unwrap()).len(), row.len());
    }
}
