//! Server-side printing (`Accept: application/json;as=Table;…`): the columns kubectl
//! shows against Kubernetes 1.33 for each built-in resource (`myriad_api::printers`,
//! with `-o wide` columns at priority 1), a CRD's `additionalPrinterColumns`, and
//! upstream's default NAME and CREATED AT for anything else.

use std::time::SystemTime;

use myriad_api::crd::printer_columns;
use myriad_api::printers;
use myriad_api::registry::ResourceInfo;
use myriad_api::registry::{CustomResource, PrinterColumn};
use serde_json::{Value, json};

/// Whether the client asked for a Table.
pub(crate) fn wants_table(accept: &str) -> bool {
    accept.split(',').next().is_some_and(|first| first.contains("as=Table"))
}

/// A Table of `objects` (rows carry the objects' metadata, as with `includeObject=Metadata`).
pub(crate) fn table(info: &ResourceInfo, objects: &[Value], list_metadata: Value) -> Value {
    if let Some(custom) = &info.custom {
        return custom_table(custom, objects, list_metadata);
    }
    let (group, resource) = (info.group, info.resource);
    let now = SystemTime::now();
    let Some(columns) = printers::columns(group, resource) else {
        return default_table(objects, list_metadata);
    };
    let mut ordered: Vec<&Value> = objects.iter().collect();
    if let Some(order) = printers::list_order(group, resource) {
        ordered.sort_by(|a, b| order(a, b));
    }
    let rows: Vec<Value> = ordered
        .into_iter()
        .map(|object| {
            let cells = printers::cells(group, resource, object, now).unwrap_or_default();
            let mut row = row(object, cells);
            if let Some(conditions) = printers::row_conditions(group, resource, object) {
                row["conditions"] = conditions;
            }
            row
        })
        .collect();
    let columns = columns.iter().map(printers::Column::definition).collect();
    envelope(columns, rows, list_metadata)
}

/// Upstream's default table convertor: NAME and CREATED AT.
fn default_table(objects: &[Value], list_metadata: Value) -> Value {
    let columns = vec![
        json!({"name": "Name", "type": "string", "format": "name",
            "description": "Name must be unique within a namespace.", "priority": 0}),
        json!({"name": "Created At", "type": "date", "format": "",
            "description": "CreationTimestamp is a timestamp representing the server time when this object was created.",
            "priority": 0}),
    ];
    let rows = objects
        .iter()
        .map(|object| {
            let cells = vec![
                json!(text(object, "/metadata/name")),
                json!(text(object, "/metadata/creationTimestamp")),
            ];
            row(object, cells)
        })
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

fn text(object: &Value, pointer: &str) -> String {
    match object.pointer(pointer) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use myriad_api::registry::lookup;

    use super::*;

    #[test]
    fn built_in_rows_use_the_printers_and_others_get_name_and_created_at() {
        let pod = json!({"metadata": {"name": "p", "creationTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {"nodeName": "n1", "containers": [{"name": "a"}, {"name": "b"}]},
            "status": {"phase": "Succeeded", "podIP": "10.0.0.1",
                "containerStatuses": [{"ready": true, "restartCount": 2}, {"ready": false, "restartCount": 1}]}});
        let info = lookup("", "v1", "pods").unwrap();
        let table = table(info, std::slice::from_ref(&pod), json!({}));
        let row = &table["rows"][0];
        assert_eq!(row["cells"][0], "p");
        assert_eq!(row["cells"][1], "0/2", "ready counts running containers only");
        assert_eq!(row["cells"][3], json!("3"));
        assert_eq!(row["conditions"][0]["type"], "Completed");
        let columns = table["columnDefinitions"].as_array().unwrap();
        assert_eq!(columns.len(), row["cells"].as_array().unwrap().len());
        assert_eq!(columns[0]["format"], "name");

        let review = lookup("authorization.k8s.io", "v1", "selfsubjectaccessreviews").unwrap();
        let table = super::table(review, std::slice::from_ref(&pod), json!({}));
        assert_eq!(table["columnDefinitions"][1]["name"], "Created At");
        assert_eq!(table["rows"][0]["cells"], json!(["p", "2026-01-01T00:00:00Z"]));
    }
}
