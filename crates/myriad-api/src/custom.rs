//! Custom resources: what a CustomResourceDefinition (apiextensions.k8s.io/v1) makes the
//! server serve — one [`ResourceInfo`] per served version — and how its objects print.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::crd::StructuralSchema;
use crate::crd::printer_columns::JsonPath;
use crate::crd::selectable;
use crate::registry::{CustomResource, PrinterColumn, ResourceInfo, ScalePaths, intern, intern_list};

/// The finalizer the server puts on every CRD: its objects are deleted before it is.
pub const CLEANUP_FINALIZER: &str = "customresourcecleanup.apiextensions.k8s.io";

/// The resources a CRD serves, one per served version; none unless its names were
/// accepted (see [`accepted`]).
pub fn served_resources(crd: &Value) -> Vec<ResourceInfo> {
    let text = |pointer: &str| crd.pointer(pointer).and_then(Value::as_str).unwrap_or("");
    let strings = |pointer: &str| -> Vec<String> {
        crd.pointer(pointer)
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    let Some(versions) = crd.pointer("/spec/versions").and_then(Value::as_array) else {
        return Vec::new();
    };
    let storage_version = versions
        .iter()
        .find(|v| v.get("storage") == Some(&json!(true)))
        .and_then(|v| v.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let terminating = crd.pointer("/metadata/deletionTimestamp").is_some();
    let (plural, group, kind) = (
        text("/spec/names/plural"),
        text("/spec/group"),
        text("/spec/names/kind"),
    );
    if plural.is_empty() || kind.is_empty() || storage_version.is_empty() {
        return Vec::new();
    }
    let singular = match text("/spec/names/singular") {
        "" => kind.to_lowercase(),
        singular => singular.to_string(),
    };
    versions
        .iter()
        .filter(|v| v.get("served") == Some(&json!(true)))
        .filter_map(|version| {
            let name = version.get("name").and_then(Value::as_str)?;
            let mut subresources = Vec::new();
            if version.pointer("/subresources/status").is_some() {
                subresources.push("status".to_string());
            }
            let scale = version.pointer("/subresources/scale").map(|scale| ScalePaths {
                spec_replicas: str_at(scale, "specReplicasPath"),
                status_replicas: str_at(scale, "statusReplicasPath"),
                label_selector: scale
                    .get("labelSelectorPath")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            });
            if scale.is_some() {
                subresources.push("scale".to_string());
            }
            let custom = CustomResource {
                definition: text("/metadata/name").to_string(),
                storage_version: storage_version.to_string(),
                webhook_conversion: text("/spec/conversion/strategy") == "Webhook",
                schema: version.pointer("/schema/openAPIV3Schema").cloned(),
                structural: version
                    .pointer("/schema/openAPIV3Schema")
                    .and_then(|schema| StructuralSchema::from_json(schema).ok()),
                columns: columns(version),
                scale,
                terminating,
                selectable_fields: version
                    .get("selectableFields")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|f| selectable::field_label(f.get("jsonPath")?.as_str()?))
                    .collect(),
            };
            Some(ResourceInfo {
                group: intern(group),
                version: intern(name),
                resource: intern(plural),
                singular: intern(&singular),
                kind: intern(kind),
                namespaced: text("/spec/scope") != "Cluster",
                short_names: intern_list(&strings("/spec/names/shortNames")),
                categories: intern_list(&strings("/spec/names/categories")),
                subresources: intern_list(&subresources),
                verbs: crate::registry::VERBS,
                custom: Some(Arc::new(custom)),
                strategy: crate::registry::strategies::custom(subresources.iter().any(|s| s == "status")),
            })
        })
        .collect()
}

fn str_at(object: &Value, field: &str) -> String {
    object.get(field).and_then(Value::as_str).unwrap_or("").to_string()
}

fn columns(version: &Value) -> Vec<PrinterColumn> {
    let defined: Vec<PrinterColumn> = version
        .get("additionalPrinterColumns")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| PrinterColumn {
            name: str_at(c, "name"),
            kind: str_at(c, "type"),
            format: str_at(c, "format"),
            description: str_at(c, "description"),
            priority: c.get("priority").and_then(Value::as_i64).unwrap_or(0),
            json_path: JsonPath::parse(&str_at(c, "jsonPath")).ok(),
        })
        .collect();
    if !defined.is_empty() {
        return defined;
    }
    vec![PrinterColumn {
        name: "Age".into(),
        kind: "date".into(),
        format: String::new(),
        description: "CreationTimestamp is a timestamp representing the server time when this object was created."
            .into(),
        priority: 0,
        json_path: JsonPath::parse(".metadata.creationTimestamp").ok(),
    }]
}

/// The CRD's status as the server keeps it: names accepted, established, stored versions.
pub fn status(crd: &Value, now: &str) -> Value {
    let names = crd.pointer("/spec/names").cloned().unwrap_or(json!({}));
    let mut stored: Vec<Value> = crd
        .pointer("/status/storedVersions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let storage = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|v| v.get("storage") == Some(&json!(true)))
        .and_then(|v| v.get("name").cloned());
    if let Some(storage) = storage
        && !stored.contains(&storage)
    {
        stored.push(storage);
    }
    let condition = |kind: &str, reason: &str, message: &str| json!({"type": kind, "status": "True", "lastTransitionTime": now, "reason": reason, "message": message});
    let mut conditions = vec![
        condition("NamesAccepted", "NoConflicts", "no conflicts found"),
        condition(
            "Established",
            "InitialNamesAccepted",
            "the initial names have been accepted",
        ),
    ];
    if crd.pointer("/metadata/deletionTimestamp").is_some() {
        conditions.push(condition(
            "Terminating",
            "InstanceDeletionInProgress",
            "CustomResource deletion is in progress",
        ));
    }
    // Keep each condition's transition time across updates.
    let previous = crd.pointer("/status/conditions").and_then(Value::as_array);
    for condition in &mut conditions {
        if let Some(old) = previous
            .into_iter()
            .flatten()
            .find(|c| c.get("type") == condition.get("type") && c.get("status") == condition.get("status"))
            && let Some(time) = old.get("lastTransitionTime")
        {
            condition["lastTransitionTime"] = time.clone();
        }
    }
    json!({"acceptedNames": names, "conditions": conditions, "storedVersions": stored})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crd() -> Value {
        json!({
            "metadata": {"name": "widgets.example.com"},
            "spec": {
                "group": "example.com",
                "scope": "Namespaced",
                "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"], "categories": ["all"]},
                "versions": [
                    {"name": "v1", "served": true, "storage": true,
                     "schema": {"openAPIV3Schema": {"type": "object"}},
                     "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"}},
                     "additionalPrinterColumns": [{"name": "Size", "type": "integer", "jsonPath": ".spec.size", "priority": 1}]},
                    {"name": "v1beta1", "served": true, "storage": false},
                    {"name": "v1alpha1", "served": false, "storage": false},
                ],
            },
        })
    }

    #[test]
    fn a_crd_serves_each_served_version() {
        let served = served_resources(&crd());
        assert_eq!(served.len(), 2);
        let v1 = &served[0];
        assert_eq!(
            (v1.group, v1.version, v1.resource, v1.kind),
            ("example.com", "v1", "widgets", "Widget")
        );
        assert!(v1.namespaced);
        assert_eq!(v1.short_names, &["wd"]);
        assert_eq!(v1.subresources, &["status", "scale"]);
        assert_eq!(v1.storage_prefix(), "/registry/example.com/widgets/");
        let custom = v1.custom.as_ref().unwrap();
        assert_eq!(custom.storage_version, "v1");
        assert_eq!(custom.columns[0].name, "Size");
        assert_eq!(custom.scale.as_ref().unwrap().spec_replicas, ".spec.replicas");
        let beta = served[1].custom.as_ref().unwrap();
        assert_eq!(beta.columns[0].name, "Age");
        assert_eq!(served[1].storage_prefix(), v1.storage_prefix());
    }

    #[test]
    fn status_accepts_names_and_records_stored_versions() {
        let status = status(&crd(), "2026-01-01T00:00:00Z");
        assert_eq!(status["storedVersions"], json!(["v1"]));
        assert_eq!(status["acceptedNames"]["kind"], "Widget");
        let established = status["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["type"] == "Established");
        assert_eq!(established.unwrap()["status"], "True");
    }
}
