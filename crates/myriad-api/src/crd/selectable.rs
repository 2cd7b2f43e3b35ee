//! A CRD version's `selectableFields`: the fields of its objects that field selectors
//! may name (`--field-selector spec.colour=red`) besides `metadata.name` and
//! `metadata.namespace`. Upstream's `validateSelectableFields`: a simple path to a
//! string, integer or boolean field of the schema, outside `metadata`, at most 8.

use serde_json::Value;

use crate::field_error::{FieldError, FieldPath};

/// Upstream's `maxSelectableFields`.
const MAX_SELECTABLE_FIELDS: i64 = 8;

/// The field label of a selectable field's `jsonPath`: `.spec.colour` → `spec.colour`.
/// `None` unless the path is a plain chain of field names.
pub fn field_label(json_path: &str) -> Option<String> {
    let label = json_path.strip_prefix('.')?;
    let simple = label
        .split('.')
        .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'));
    simple.then(|| label.to_string())
}

/// Checks `selectableFields` (a list) against the version's `openAPIV3Schema`.
pub fn validate(fields: &Value, schema: Option<&Value>, at: &FieldPath) -> Vec<FieldError> {
    let Some(fields) = fields.as_array() else {
        return Vec::new();
    };
    let mut errors = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for (i, field) in fields.iter().enumerate() {
        let path = at.index(i).child("jsonPath");
        let json_path = field.get("jsonPath").and_then(Value::as_str).unwrap_or("");
        if json_path.is_empty() {
            errors.push(FieldError::required(path, ""));
            continue;
        }
        let found = field_label(json_path).and_then(|label| Some((schema_at(schema?, &label)?, label)));
        let Some((field_schema, label)) = found else {
            errors.push(FieldError::invalid(
                path,
                json_path,
                "is an invalid path: does not refer to a valid field",
            ));
            continue;
        };
        if label == "metadata" || label.starts_with("metadata.") {
            errors.push(FieldError::invalid(
                path.clone(),
                json_path,
                "must not point to fields in metadata",
            ));
        }
        let kind = field_schema.get("type").and_then(Value::as_str).unwrap_or("");
        if !matches!(kind, "string" | "integer" | "boolean") {
            errors.push(FieldError::invalid(
                path.clone(),
                json_path,
                "must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.",
            ));
        }
        if seen.contains(&label) {
            errors.push(FieldError::duplicate(path, json_path));
        } else {
            seen.push(label);
        }
    }
    let count = i64::try_from(seen.len()).unwrap_or(i64::MAX);
    if count > MAX_SELECTABLE_FIELDS {
        errors.push(FieldError::too_many(at.as_str(), count, MAX_SELECTABLE_FIELDS));
    }
    errors
}

/// The schema of the field `label` (`spec.colour`) names, following `properties`.
fn schema_at<'a>(schema: &'a Value, label: &str) -> Option<&'a Value> {
    label
        .split('.')
        .try_fold(schema, |schema, part| schema.get("properties")?.get(part))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selectable_fields_must_be_simple_scalar_paths() {
        let schema = json!({"type": "object", "properties": {
            "spec": {"type": "object", "properties": {"colour": {"type": "string"}, "size": {"type": "integer"},
                "parts": {"type": "array", "items": {"type": "string"}}}}}});
        let at = FieldPath::new("spec")
            .child("versions")
            .index(0)
            .child("selectableFields");
        let fields = json!([{"jsonPath": ".spec.colour"}, {"jsonPath": ".spec.size"}]);
        assert!(validate(&fields, Some(&schema), &at).is_empty());

        let fields = json!([{"jsonPath": ".spec.parts"}, {"jsonPath": ".spec.nope"}, {"jsonPath": ".spec.colour"},
            {"jsonPath": ".spec.colour"}, {"jsonPath": ""}]);
        let messages: Vec<String> = validate(&fields, Some(&schema), &at)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            messages,
            [
                r#"spec.versions[0].selectableFields[0].jsonPath: Invalid value: ".spec.parts": must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed."#,
                r#"spec.versions[0].selectableFields[1].jsonPath: Invalid value: ".spec.nope": is an invalid path: does not refer to a valid field"#,
                r#"spec.versions[0].selectableFields[3].jsonPath: Duplicate value: ".spec.colour""#,
                "spec.versions[0].selectableFields[4].jsonPath: Required value",
            ]
        );
        assert_eq!(field_label(".spec.colour").as_deref(), Some("spec.colour"));
        assert_eq!(field_label("spec.colour"), None);
        assert_eq!(field_label(".spec.items[0]"), None);
    }
}
