//! Custom resources: what a CustomResourceDefinition (apiextensions.k8s.io/v1) makes the
//! server serve — one [`ResourceInfo`] per served version — and how its objects print.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::custom_schema;
use crate::field_error::{FieldError, FieldValue};
use crate::registry::{ResourceInfo, intern, intern_list};

/// The finalizer the server puts on every CRD: its objects are deleted before it is.
pub const CLEANUP_FINALIZER: &str = "customresourcecleanup.apiextensions.k8s.io";

/// What a CRD says about one served version of its resource.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomResource {
    /// The CRD's name (`widgets.example.com`).
    pub definition: String,
    /// The version objects are stored in; every served version reads and writes them.
    pub storage_version: String,
    /// This version's `schema.openAPIV3Schema`.
    pub schema: Option<Value>,
    /// Table columns after NAME (AGE when the CRD names none, as upstream).
    pub columns: Vec<PrinterColumn>,
    /// `subresources.scale`, if served.
    pub scale: Option<ScalePaths>,
    /// The CRD is being deleted: its objects may be read and deleted, not created.
    pub terminating: bool,
}

/// One `additionalPrinterColumns` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct PrinterColumn {
    pub name: String,
    /// integer, number, string, boolean or date.
    pub kind: String,
    pub format: String,
    pub description: String,
    pub priority: i64,
    pub json_path: String,
}

/// Where the scale subresource finds replicas in the custom object.
#[derive(Clone, Debug, PartialEq)]
pub struct ScalePaths {
    pub spec_replicas: String,
    pub status_replicas: String,
    pub label_selector: Option<String>,
}

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
                schema: version.pointer("/schema/openAPIV3Schema").cloned(),
                columns: columns(version),
                scale,
                terminating,
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
                custom: Some(Arc::new(custom)),
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
            json_path: str_at(c, "jsonPath"),
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
        json_path: ".metadata.creationTimestamp".into(),
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

/// Fills in what upstream defaults on a CRD: `names.singular` (lowercased kind),
/// `names.listKind`, and `conversion.strategy: None`.
pub fn default_definition(crd: &mut Value) {
    let Some(spec) = crd.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    spec.entry("conversion").or_insert_with(|| json!({"strategy": "None"}));
    if let Some(names) = spec.get_mut("names").and_then(Value::as_object_mut) {
        let kind = names.get("kind").and_then(Value::as_str).unwrap_or("").to_string();
        if !kind.is_empty() {
            names.entry("singular").or_insert_with(|| json!(kind.to_lowercase()));
            names.entry("listKind").or_insert_with(|| json!(format!("{kind}List")));
        }
    }
}

/// A CRD's own validation: names, group, scope, versions and their schemas, with
/// upstream's paths and messages.
pub fn validate_definition(crd: &Value) -> Vec<FieldError> {
    let text = |pointer: &str| crd.pointer(pointer).and_then(Value::as_str).unwrap_or("");
    let mut errors = Vec::new();
    let (group, plural, kind) = (
        text("/spec/group"),
        text("/spec/names/plural"),
        text("/spec/names/kind"),
    );
    if group.is_empty() {
        errors.push(FieldError::required("spec.group", ""));
    } else if !group.contains('.') {
        errors.push(FieldError::invalid(
            "spec.group",
            FieldValue::json(group),
            "should be a domain with at least one dot",
        ));
    }
    if plural.is_empty() {
        errors.push(FieldError::required("spec.names.plural", ""));
    }
    if kind.is_empty() {
        errors.push(FieldError::required("spec.names.kind", ""));
    }
    let name = text("/metadata/name");
    if !plural.is_empty() && !group.is_empty() && name != format!("{plural}.{group}") {
        errors.push(FieldError::invalid(
            "metadata.name",
            FieldValue::json(name),
            "must be spec.names.plural+\".\"+spec.group",
        ));
    }
    let scope = text("/spec/scope");
    if scope != "Namespaced" && scope != "Cluster" {
        errors.push(FieldError::not_supported(
            "spec.scope",
            FieldValue::json(scope),
            &["Cluster", "Namespaced"],
        ));
    }
    errors.extend(validate_versions(crd));
    errors
}

fn validate_versions(crd: &Value) -> Vec<FieldError> {
    let versions = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if versions.is_empty() {
        return vec![FieldError::invalid(
            "spec.versions",
            FieldValue::json(&versions),
            "must have exactly one version marked as storage version",
        )];
    }
    let mut errors = Vec::new();
    let storage = versions
        .iter()
        .filter(|v| v.get("storage") == Some(&json!(true)))
        .count();
    if storage != 1 {
        errors.push(FieldError::invalid(
            "spec.versions",
            FieldValue::json(&versions),
            "must have exactly one version marked as storage version",
        ));
    }
    let mut seen = Vec::new();
    for (i, version) in versions.iter().enumerate() {
        let path = format!("spec.versions[{i}]");
        let name = version.get("name").and_then(Value::as_str).unwrap_or("");
        if name.is_empty() {
            errors.push(FieldError::required(format!("{path}.name"), ""));
        } else if seen.contains(&name) {
            errors.push(FieldError::duplicate(format!("{path}.name"), FieldValue::json(name)));
        }
        seen.push(name);
        let schema_path = format!("{path}.schema.openAPIV3Schema");
        match version.pointer("/schema/openAPIV3Schema") {
            Some(schema) => errors.extend(custom_schema::check_structural(schema, &schema_path)),
            None => errors.push(FieldError::required(schema_path, "schemas are required")),
        }
        if let Some(scale) = version.pointer("/subresources/scale") {
            for (field, prefix) in [("specReplicasPath", ".spec."), ("statusReplicasPath", ".status.")] {
                let value = scale.get(field).and_then(Value::as_str).unwrap_or("");
                if !value.starts_with(prefix) {
                    errors.push(FieldError::invalid(
                        format!("{path}.subresources.scale.{field}"),
                        FieldValue::json(value),
                        format!("should be a json path under {}", prefix.trim_end_matches('.')),
                    ));
                }
            }
        }
    }
    errors
}

/// The value at a printer column's JSONPath: `.a.b`, `.a[0].b`, `.a[?(@.k=="v")].b`.
/// `None` when the path finds nothing (the cell is then empty).
pub fn json_path<'a>(object: &'a Value, path: &str) -> Option<&'a Value> {
    let mut current = object;
    let mut rest = path.trim().trim_start_matches('{').trim_end_matches('}').trim();
    rest = rest.strip_prefix('$').unwrap_or(rest);
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            current = current.get(&after[..end])?;
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            current = index(current, &after[..end])?;
            rest = &after[end + 1..];
        } else {
            return None;
        }
    }
    Some(current)
}

/// `[0]`, `[-1]`, `['key']` or a filter `[?(@.field=="value")]` (the first match).
fn index<'a>(value: &'a Value, selector: &str) -> Option<&'a Value> {
    if let Some(filter) = selector.strip_prefix("?(").and_then(|f| f.strip_suffix(')')) {
        let (field, expected) = filter.split_once("==")?;
        let field = field.trim().strip_prefix("@.")?;
        let expected = expected.trim().trim_matches(|c| c == '"' || c == '\'');
        return value.as_array()?.iter().find(|item| {
            json_path(item, &format!(".{field}")).is_some_and(|v| match v {
                Value::String(s) => s == expected,
                other => serde_json::from_str::<Value>(expected).is_ok_and(|e| e == *other),
            })
        });
    }
    if let Some(key) = selector.strip_prefix('\'').and_then(|k| k.strip_suffix('\'')) {
        return value.get(key);
    }
    let items = value.as_array()?;
    let position: i64 = selector.trim().parse().ok()?;
    let position = if position < 0 {
        items.len() as i64 + position
    } else {
        position
    };
    items.get(usize::try_from(position).ok()?)
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

    #[test]
    fn definitions_are_defaulted_and_validated() {
        let mut good = crd();
        default_definition(&mut good);
        assert_eq!(good["spec"]["names"]["listKind"], "WidgetList");
        assert_eq!(good["spec"]["conversion"]["strategy"], "None");
        // v1beta1 (served) has no schema: upstream requires one for every version.
        let messages: Vec<String> = validate_definition(&good).iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            vec![
                "spec.versions[1].schema.openAPIV3Schema: Required value: schemas are required",
                "spec.versions[2].schema.openAPIV3Schema: Required value: schemas are required"
            ]
        );
        let mut bad = crd();
        bad["metadata"]["name"] = json!("wrong");
        bad["spec"]["group"] = json!("nodot");
        bad["spec"]["scope"] = json!("Everywhere");
        let messages: Vec<String> = validate_definition(&bad).iter().map(ToString::to_string).collect();
        assert!(
            messages.contains(
                &r#"spec.group: Invalid value: "nodot": should be a domain with at least one dot"#.to_string()
            ),
            "{messages:?}"
        );
        assert!(
            messages.contains(
                &r#"metadata.name: Invalid value: "wrong": must be spec.names.plural+"."+spec.group"#.to_string()
            ),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with(r#"spec.scope: Unsupported value: "Everywhere""#)),
            "{messages:?}"
        );
    }

    #[test]
    fn json_paths_for_printer_columns() {
        let object = json!({"spec": {"size": 3}, "status": {"conditions": [
            {"type": "Synced", "status": "False"}, {"type": "Ready", "status": "True"}]}});
        assert_eq!(json_path(&object, ".spec.size"), Some(&json!(3)));
        assert_eq!(json_path(&object, ".status.conditions[1].type"), Some(&json!("Ready")));
        assert_eq!(
            json_path(&object, ".status.conditions[-1].status"),
            Some(&json!("True"))
        );
        assert_eq!(
            json_path(&object, r#".status.conditions[?(@.type=="Ready")].status"#),
            Some(&json!("True"))
        );
        assert_eq!(json_path(&object, ".spec.missing"), None);
        assert_eq!(json_path(&object, ".status.conditions[9]"), None);
    }
}
