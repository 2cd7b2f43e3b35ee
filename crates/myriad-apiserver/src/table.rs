//! Server-side printing (`Accept: application/json;as=Table;…`): the columns kubectl
//! shows. Every resource gets NAME and AGE; resource-specific columns follow in later
//! slices.

use myriad_api::registry::ResourceInfo;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Whether the client asked for a Table.
pub fn wants_table(accept: &str) -> bool {
    accept.split(',').next().is_some_and(|first| first.contains("as=Table"))
}

/// A Table of `objects` (rows carry the objects' metadata, as with `includeObject=Metadata`).
pub fn table(info: &ResourceInfo, objects: &[Value], list_metadata: Value) -> Value {
    let mut columns = vec![column("Name", "name", "Name must be unique within a namespace.")];
    if info.resource == "namespaces" {
        columns.push(column("Status", "", "The status of the namespace"));
    }
    columns.push(column(
        "Age",
        "",
        "CreationTimestamp is a timestamp representing the server time when this object was created.",
    ));
    let now = OffsetDateTime::now_utc();
    let rows: Vec<Value> = objects
        .iter()
        .map(|object| {
            let mut cells = vec![object.pointer("/metadata/name").cloned().unwrap_or(json!(""))];
            if info.resource == "namespaces" {
                cells.push(object.pointer("/status/phase").cloned().unwrap_or(json!("Active")));
            }
            cells.push(json!(age(object, now)));
            json!({
                "cells": cells,
                "object": {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": object.get("metadata").cloned().unwrap_or(json!({})),
                },
            })
        })
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": list_metadata,
        "columnDefinitions": columns,
        "rows": rows,
    })
}

fn column(name: &str, format: &str, description: &str) -> Value {
    json!({"name": name, "type": "string", "format": format, "description": description, "priority": 0})
}

fn age(object: &Value, now: OffsetDateTime) -> String {
    let created = object
        .pointer("/metadata/creationTimestamp")
        .and_then(Value::as_str)
        .and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok());
    match created {
        Some(created) => human_duration((now - created).whole_seconds()),
        None => "<unknown>".into(),
    }
}

/// Kubernetes' `duration.HumanDuration`: the short ages kubectl prints (`45s`, `3m10s`,
/// `5h`, `2d3h`, `400d`, `2y10d`).
pub fn human_duration(seconds: i64) -> String {
    let s = seconds.max(0);
    let (minutes, hours, days) = (s / 60, s / 3600, s / 86400);
    if s < 60 * 2 {
        format!("{s}s")
    } else if minutes < 10 {
        match s % 60 {
            0 => format!("{minutes}m"),
            rem => format!("{minutes}m{rem}s"),
        }
    } else if minutes < 60 * 3 {
        format!("{minutes}m")
    } else if hours < 8 {
        match minutes % 60 {
            0 => format!("{hours}h"),
            rem => format!("{hours}h{rem}m"),
        }
    } else if hours < 48 {
        format!("{hours}h")
    } else if hours < 24 * 8 {
        match hours % 24 {
            0 => format!("{days}d"),
            rem => format!("{days}d{rem}h"),
        }
    } else if hours < 24 * 365 * 2 {
        format!("{days}d")
    } else if hours < 24 * 365 * 8 {
        let years = days / 365;
        match days % 365 {
            0 => format!("{years}y"),
            rem => format!("{years}y{rem}d"),
        }
    } else {
        format!("{}y", days / 365)
    }
}

#[cfg(test)]
mod tests {
    use super::human_duration;

    #[test]
    fn ages_like_kubectl() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(119), "119s");
        assert_eq!(human_duration(190), "3m10s");
        assert_eq!(human_duration(600), "10m");
        assert_eq!(human_duration(3 * 3600 + 60 * 7), "3h7m");
        assert_eq!(human_duration(20 * 3600), "20h");
        assert_eq!(human_duration(3 * 86400 + 3600), "3d1h");
        assert_eq!(human_duration(30 * 86400), "30d");
        assert_eq!(human_duration(800 * 86400), "2y70d");
    }
}
