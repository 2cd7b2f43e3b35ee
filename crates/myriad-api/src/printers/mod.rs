//! Server-side table printing: the columns and cells `kubectl get` (and `-o wide`) shows
//! for every built-in resource, as Kubernetes 1.33's printers produce them
//! (`pkg/printers/internalversion/printers.go`, the aggregator's APIService table and
//! the default table convertor of `k8s.io/apiserver` for resources registered without a
//! printer: CRDs, Roles, ClusterRoles, LimitRanges and CSIStorageCapacities).
//!
//! [`columns`] gives a resource's column definitions (name, type, format, priority —
//! 1 for the columns only `-o wide` shows — and description); [`cells`] renders one
//! object as a row with one cell per column, typed as upstream types them (integers
//! where upstream's cell is an integer, booleans where it is a bool, strings
//! otherwise). As upstream's server does, every row carries the `-o wide` cells; the
//! client hides priority-1 columns. Ages are measured from the `now` the caller passes,
//! so a whole list is printed against one clock. [`row_conditions`] and
//! [`list_order`] carry the two list-level rules upstream has (pods' `Completed` row
//! condition, FlowSchemas' sort order).
//!
//! Objects are read as their JSON (camelCase fields as the API serves them); a missing
//! field reads as Go's zero value, so any object prints, however incomplete. The
//! printers are grouped by API area: [`pods`], [`workloads`] (apps, batch, autoscaling,
//! policy), [`services`] (networking and discovery), [`storage`], [`cluster`] (nodes,
//! namespaces, events, scheduling, coordination, certificates, flow control,
//! admission, API registration and extensions) and [`access`] (RBAC, service accounts,
//! config maps, secrets, quotas); [`format`] holds what they share.

mod access;
mod cluster;
mod descriptions;
mod format;
mod pods;
mod services;
mod storage;
mod workloads;

use std::cmp::Ordering;
use std::time::SystemTime;

use serde_json::Value;

use self::descriptions as d;
use self::format::Now;

/// One column of a resource's table (`metav1.TableColumnDefinition`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// The header, as upstream spells it (kubectl upper-cases it): `Name`, `Ready`, ….
    pub name: &'static str,
    /// The OpenAPI type of the column: `string`, `integer`, `boolean` or `date`.
    pub kind: &'static str,
    /// `name` for the column holding the object's name, else empty.
    pub format: &'static str,
    /// 0: always shown; 1: only with `-o wide`.
    pub priority: u8,
    /// What the column shows (upstream's description, mostly the API field's docs).
    pub description: &'static str,
}

impl Column {
    /// The column as a Table's `columnDefinitions` entry
    /// (`{"name", "type", "format", "description", "priority"}`).
    pub fn definition(&self) -> Value {
        serde_json::json!({
            "name": self.name,
            "type": self.kind,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        })
    }
}

/// A resource's columns and the function rendering one object's cells for them.
struct Printer {
    columns: &'static [Column],
    cells: fn(&Value, Now) -> Vec<Value>,
}

/// A priority-0 column with no format.
const fn column(name: &'static str, kind: &'static str, description: &'static str) -> Column {
    Column {
        name,
        kind,
        format: "",
        priority: 0,
        description,
    }
}

/// A column only `-o wide` shows.
const fn wide(name: &'static str, kind: &'static str, description: &'static str) -> Column {
    Column {
        name,
        kind,
        format: "",
        priority: 1,
        description,
    }
}

/// The NAME column every printer starts with.
const NAME: Column = Column {
    name: "Name",
    kind: "string",
    format: "name",
    priority: 0,
    description: d::OBJECT_NAME,
};
/// The AGE column (time since `metadata.creationTimestamp`).
const AGE: Column = column("Age", "string", d::CREATION_TIMESTAMP);
/// The `-o wide` CONTAINERS column of workloads.
const CONTAINERS: Column = wide("Containers", "string", "Names of each container in the template.");
/// The `-o wide` IMAGES column of workloads.
const IMAGES: Column = wide(
    "Images",
    "string",
    "Images referenced by each container in the template.",
);

/// `rest.NewDefaultTableConvertor`: NAME and CREATED AT (an RFC 3339 date), for the
/// resources upstream registers without a printer.
static DEFAULT: Printer = Printer {
    columns: &[NAME, column("Created At", "date", d::CREATION_TIMESTAMP)],
    cells: |object, _| vec![format::name(object), format::created_at(object)],
};

/// NAME and AGE, for Myriad's own resources.
static NAME_AND_AGE: Printer = Printer {
    columns: &[NAME, AGE],
    cells: |object, now| vec![format::name(object), now.age(object)],
};

/// `kubectl get --subresource=scale`: upstream prints the `autoscaling/v1` Scale with a
/// NAME column that has no `name` format.
static SCALE: Printer = Printer {
    columns: &[
        column("Name", "string", d::OBJECT_NAME),
        column("Desired", "integer", d::SCALE_SPEC_REPLICAS),
        column("Available", "integer", d::SCALE_STATUS_REPLICAS),
        AGE,
    ],
    cells: |scale, now| {
        vec![
            format::name(scale),
            Value::from(format::int(scale, &["spec", "replicas"])),
            Value::from(format::int(scale, &["status", "replicas"])),
            now.age(scale),
        ]
    },
};

/// The printer of a built-in resource or of one of its subresources (`pods/status`
/// prints as the pod, `deployments/scale` as the Scale).
fn printer(group: &str, resource: &str) -> Option<&'static Printer> {
    match resource.split_once('/') {
        None => resource_printer(group, resource),
        Some((parent, "status")) => resource_printer(group, parent),
        Some(("deployments" | "replicasets" | "statefulsets", "scale")) if group == "apps" => Some(&SCALE),
        Some(("replicationcontrollers", "scale")) if group.is_empty() => Some(&SCALE),
        Some(_) => None,
    }
}

fn resource_printer(group: &str, resource: &str) -> Option<&'static Printer> {
    pods::printer(group, resource)
        .or_else(|| workloads::printer(group, resource))
        .or_else(|| services::printer(group, resource))
        .or_else(|| storage::printer(group, resource))
        .or_else(|| cluster::printer(group, resource))
        .or_else(|| access::printer(group, resource))
}

/// The columns of a built-in resource (`group` is `""` for the core group, `resource`
/// the plural, or `plural/status` and `plural/scale` for those subresources), NAME
/// first (events are upstream's exception: LAST SEEN first); `None` for resources
/// without a table of their own (create-only reviews and bindings, and resources this
/// crate does not know), which upstream serves with NAME and CREATED AT.
pub fn columns(group: &str, resource: &str) -> Option<&'static [Column]> {
    printer(group, resource).map(|p| p.columns)
}

/// One row's cells for `object`, a resource of `group`/`resource` as JSON: one cell per
/// column of [`columns`], `-o wide` cells included; ages are measured from `now`.
/// `None` when [`columns`] is.
pub fn cells(group: &str, resource: &str, object: &Value, now: SystemTime) -> Option<Vec<Value>> {
    let printer = printer(group, resource)?;
    Some((printer.cells)(object, Now::new(now)))
}

/// The `conditions` of an object's row (`metav1.TableRowCondition`s), which upstream
/// sets only for pods that have finished: `Completed` with reason `Succeeded` or
/// `Failed` (kubectl uses it to tell finished pods apart). `None` when the row has none.
pub fn row_conditions(group: &str, resource: &str, object: &Value) -> Option<Value> {
    match (group, resource) {
        ("", "pods") => pods::row_conditions(object),
        _ => None,
    }
}

/// How upstream orders the rows of a list of this resource when it prints it, if it
/// reorders them at all: FlowSchemas by matching precedence, then name. Other lists
/// keep the order they were listed in.
pub fn list_order(group: &str, resource: &str) -> Option<fn(&Value, &Value) -> Ordering> {
    match (group, resource) {
        ("flowcontrol.apiserver.k8s.io", "flowschemas") => Some(cluster::flow_schema_order),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use serde_json::json;

    use super::*;
    use crate::registry::BUILTIN;

    /// 2024-01-01T00:10:00Z: tests create objects at 2024-01-01T00:00:00Z (10m ago).
    pub(crate) fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_704_067_800)
    }

    pub(crate) const CREATED: &str = "2024-01-01T00:00:00Z";

    /// The cells of `object` printed as `resource`, checked against the column count.
    pub(crate) fn row(group: &str, resource: &str, object: &Value) -> Vec<Value> {
        let cells = cells(group, resource, object, now()).expect("a printer");
        assert_eq!(
            cells.len(),
            columns(group, resource).expect("columns").len(),
            "{resource}"
        );
        cells
    }

    /// Only the default (priority-0) cells, as kubectl shows them without `-o wide`.
    pub(crate) fn narrow(group: &str, resource: &str, object: &Value) -> Vec<Value> {
        let columns = columns(group, resource).expect("columns");
        row(group, resource, object)
            .into_iter()
            .zip(columns)
            .filter(|(_, c)| c.priority == 0)
            .map(|(cell, _)| cell)
            .collect()
    }

    #[test]
    fn every_builtin_resource_has_a_table_and_prints_an_empty_object() {
        for info in BUILTIN {
            let create_only = info.verbs == ["create"];
            let columns = columns(info.group, info.resource);
            if create_only {
                assert!(columns.is_none(), "{}/{} is create-only", info.group, info.resource);
                continue;
            }
            let columns = columns.unwrap_or_else(|| panic!("no columns for {}/{}", info.group, info.resource));
            let first = if info.kind == "Event" { "Last Seen" } else { "Name" };
            assert_eq!(columns[0].name, first, "{}", info.resource);
            assert!(
                columns.iter().any(|c| c.name == "Name" && c.format == "name"),
                "{}",
                info.resource
            );
            for object in [json!({}), json!({"metadata": null, "spec": null, "status": null})] {
                let cells = cells(info.group, info.resource, &object, now()).expect("cells");
                assert_eq!(cells.len(), columns.len(), "{}/{}", info.group, info.resource);
            }
            for column in columns {
                assert!(
                    ["string", "integer", "boolean", "date"].contains(&column.kind),
                    "{}: {}",
                    info.resource,
                    column.name
                );
                assert!(column.priority <= 1);
            }
        }
    }

    #[test]
    fn column_definitions_serialize_as_upstream() {
        let columns = columns("", "pods").expect("columns");
        assert_eq!(
            columns[4].definition(),
            json!({"name": "Age", "type": "string", "format": "", "description": d::CREATION_TIMESTAMP, "priority": 0})
        );
        assert_eq!(columns[0].definition()["format"], "name");
        assert_eq!(columns[5].definition()["priority"], 1);
    }

    #[test]
    fn unknown_resources_have_no_table() {
        assert!(columns("example.com", "widgets").is_none());
        assert!(cells("", "bindings", &json!({}), now()).is_none());
        assert!(columns("authorization.k8s.io", "subjectaccessreviews").is_none());
    }

    #[test]
    fn default_convertor_resources_print_name_and_created_at() {
        let object = json!({"metadata": {"name": "x", "creationTimestamp": CREATED}});
        for (group, resource) in [
            ("rbac.authorization.k8s.io", "roles"),
            ("rbac.authorization.k8s.io", "clusterroles"),
            ("", "limitranges"),
            ("apiextensions.k8s.io", "customresourcedefinitions"),
            ("storage.k8s.io", "csistoragecapacities"),
        ] {
            let columns = columns(group, resource).expect("columns");
            assert_eq!(columns[1].name, "Created At");
            assert_eq!(columns[1].kind, "date");
            assert_eq!(row(group, resource, &object), [json!("x"), json!(CREATED)]);
        }
    }

    #[test]
    fn subresources_print_as_upstream() {
        let scale = json!({"kind": "Scale", "metadata": {"name": "web", "creationTimestamp": CREATED},
            "spec": {"replicas": 3}, "status": {"replicas": 2, "selector": "app=web"}});
        for (group, resource) in [("apps", "deployments/scale"), ("", "replicationcontrollers/scale")] {
            let columns = columns(group, resource).expect("scale columns");
            assert_eq!(columns[0].format, "");
            assert_eq!(
                row(group, resource, &scale),
                [json!("web"), json!(3), json!(2), json!("10m")]
            );
        }
        assert_eq!(columns("", "pods/status"), columns("", "pods"));
        assert!(columns("", "pods/scale").is_none());
        assert!(columns("", "pods/log").is_none());
    }

    #[test]
    fn tenancy_cells_print_name_and_age() {
        let object = json!({"metadata": {"name": "c1", "creationTimestamp": CREATED}});
        assert_eq!(row("tenancy.myriad.io", "cells", &object), [json!("c1"), json!("10m")]);
    }

    #[test]
    fn finished_pods_carry_a_completed_row_condition() {
        let succeeded = json!({"status": {"phase": "Succeeded"}});
        let conditions = row_conditions("", "pods", &succeeded).expect("conditions");
        assert_eq!(
            conditions,
            json!([{"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}])
        );
        let failed = json!({"status": {"phase": "Failed"}});
        assert_eq!(
            row_conditions("", "pods", &failed).expect("conditions")[0]["message"],
            "The pod failed."
        );
        assert!(row_conditions("", "pods", &json!({"status": {"phase": "Running"}})).is_none());
        assert!(row_conditions("apps", "deployments", &succeeded).is_none());
    }

    #[test]
    fn flow_schemas_sort_by_precedence_then_name() {
        let order = list_order("flowcontrol.apiserver.k8s.io", "flowschemas").expect("an order");
        let fs = |name: &str, precedence: i64| json!({"metadata": {"name": name}, "spec": {"matchingPrecedence": precedence}});
        assert_eq!(order(&fs("b", 100), &fs("a", 200)), Ordering::Less);
        assert_eq!(order(&fs("b", 100), &fs("a", 100)), Ordering::Greater);
        assert!(list_order("", "events").is_none());
    }
}
