//! A custom resource's `openAPIV3Schema` applied to its objects, in upstream's order:
//! unknown fields are pruned, defaults filled in, then the object is validated
//! (`apiextensions-apiserver/pkg/apiserver/schema`, kube-openapi's validate messages).
//!
//! Covered: `type` (with `nullable`, `x-kubernetes-int-or-string`), `properties`,
//! `additionalProperties`, `items`, `required`, `enum`, `minimum`/`maximum` (and
//! exclusive), `minLength`/`maxLength`, `pattern`, `minItems`/`maxItems`, `default`,
//! `x-kubernetes-preserve-unknown-fields`, `x-kubernetes-embedded-resource`. Not yet:
//! `allOf`/`anyOf`/`oneOf`/`not`, `format`, `uniqueItems`, list types, CEL rules.

use serde_json::{Map, Value};

use crate::field_error::{FieldError, FieldValue};

/// Fields that every object (and every embedded resource) keeps whatever the schema says.
const ROOT_FIELDS: &[&str] = &["apiVersion", "kind", "metadata"];

fn keeps_unknown(schema: &Value) -> bool {
    schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true))
}

fn is_embedded(schema: &Value) -> bool {
    schema.get("x-kubernetes-embedded-resource") == Some(&Value::Bool(true))
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

/// Drops fields the schema does not declare; returns their paths (`spec.foo`) so the
/// server can report them as unknown fields.
pub fn prune(schema: &Value, object: &mut Value) -> Vec<String> {
    let mut pruned = Vec::new();
    prune_at(schema, object, "", true, &mut pruned);
    pruned.sort();
    pruned
}

fn prune_at(schema: &Value, value: &mut Value, path: &str, root: bool, pruned: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties").filter(|a| a.is_object());
            let keep_meta = root || is_embedded(schema);
            let mut dropped = Vec::new();
            for (field, child) in map.iter_mut() {
                let child_path = join(path, field);
                if keep_meta && ROOT_FIELDS.contains(&field.as_str()) {
                    continue;
                }
                match (properties.and_then(|p| p.get(field)), additional) {
                    (Some(sub), _) | (None, Some(sub)) => prune_at(sub, child, &child_path, false, pruned),
                    (None, None)
                        if keeps_unknown(schema) || schema.get("additionalProperties") == Some(&Value::Bool(true)) => {}
                    (None, None) => dropped.push(field.clone()),
                }
            }
            for field in dropped {
                map.remove(&field);
                pruned.push(join(path, &field));
            }
        }
        Value::Array(items) => {
            if let Some(sub) = schema.get("items") {
                for (i, item) in items.iter_mut().enumerate() {
                    prune_at(sub, item, &format!("{path}[{i}]"), false, pruned);
                }
            }
        }
        _ => {}
    }
}

/// Fills in `default`s for absent properties, depth first, as upstream does.
pub fn apply_defaults(schema: &Value, value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                for (field, sub) in properties {
                    if !map.contains_key(field)
                        && let Some(default) = sub.get("default")
                    {
                        map.insert(field.clone(), default.clone());
                    }
                    if let Some(child) = map.get_mut(field) {
                        apply_defaults(sub, child);
                    }
                }
            }
            if let Some(sub) = schema.get("additionalProperties").filter(|a| a.is_object()) {
                for child in map.values_mut() {
                    apply_defaults(sub, child);
                }
            }
        }
        Value::Array(items) => {
            if let Some(sub) = schema.get("items") {
                for item in items {
                    apply_defaults(sub, item);
                }
            }
        }
        _ => {}
    }
}

/// Every way `object` breaks the schema, with upstream's paths and messages. The root's
/// `apiVersion`, `kind` and `metadata` are the server's to check.
pub fn validate(schema: &Value, object: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    validate_at(schema, object, "", true, &mut errors);
    errors
}

fn validate_at(schema: &Value, value: &Value, path: &str, root: bool, errors: &mut Vec<FieldError>) {
    if value.is_null() {
        if schema.get("nullable") != Some(&Value::Bool(true)) && schema.get("type").is_some() && !root {
            let expected = schema.get("type").and_then(Value::as_str).unwrap_or("");
            errors.push(FieldError::type_invalid(
                path,
                FieldValue::json("null"),
                format!("{path} in body must be of type {expected}: \"null\""),
            ));
        }
        return;
    }
    if !type_matches(schema, value, path, errors) {
        return;
    }
    check_enum(schema, value, path, errors);
    match value {
        Value::Object(map) => {
            for field in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
                if let Some(field) = field.as_str()
                    && !map.contains_key(field)
                {
                    errors.push(FieldError::required(join(path, field), ""));
                }
            }
            let properties = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties").filter(|a| a.is_object());
            for (field, child) in map {
                if (root || is_embedded(schema)) && ROOT_FIELDS.contains(&field.as_str()) {
                    continue;
                }
                if let Some(sub) = properties.and_then(|p| p.get(field)).or(additional) {
                    validate_at(sub, child, &join(path, field), false, errors);
                }
            }
        }
        Value::Array(items) => {
            check_items_count(schema, items.len(), path, errors);
            if let Some(sub) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    validate_at(sub, item, &format!("{path}[{i}]"), false, errors);
                }
            }
        }
        Value::String(s) => check_string(schema, s, path, errors),
        Value::Number(_) => check_number(schema, value, path, errors),
        _ => {}
    }
}

/// JSON's type name as kube-openapi reports it.
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn type_matches(schema: &Value, value: &Value, path: &str, errors: &mut Vec<FieldError>) -> bool {
    let actual = type_name(value);
    if schema.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
        if matches!(actual, "integer" | "string") {
            return true;
        }
        errors.push(FieldError::type_invalid(
            path,
            FieldValue::json(actual),
            format!("{path} in body must be of type integer,string: \"{actual}\""),
        ));
        return false;
    }
    let Some(expected) = schema.get("type").and_then(Value::as_str) else {
        return true;
    };
    let ok = expected == actual || (expected == "number" && actual == "integer");
    if !ok {
        errors.push(FieldError::type_invalid(
            path,
            FieldValue::json(actual),
            format!("{path} in body must be of type {expected}: \"{actual}\""),
        ));
    }
    ok
}

fn check_enum(schema: &Value, value: &Value, path: &str, errors: &mut Vec<FieldError>) {
    let Some(allowed) = schema.get("enum").and_then(Value::as_array) else {
        return;
    };
    if allowed.contains(value) {
        return;
    }
    let supported: Vec<String> = allowed
        .iter()
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
        .collect();
    let supported: Vec<&str> = supported.iter().map(String::as_str).collect();
    errors.push(FieldError::not_supported(
        path,
        FieldValue::from_json(value),
        &supported,
    ));
}

fn check_items_count(schema: &Value, len: usize, path: &str, errors: &mut Vec<FieldError>) {
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    if let Some(max) = schema.get("maxItems").and_then(Value::as_i64)
        && len > max
    {
        errors.push(FieldError::too_many(path, len, max));
    }
    if let Some(min) = schema.get("minItems").and_then(Value::as_i64)
        && len < min
    {
        errors.push(FieldError::invalid(
            path,
            FieldValue::json(&len),
            format!("{path} in body should have at least {min} items"),
        ));
    }
}

fn check_string(schema: &Value, s: &str, path: &str, errors: &mut Vec<FieldError>) {
    let chars = i64::try_from(s.chars().count()).unwrap_or(i64::MAX);
    if let Some(max) = schema.get("maxLength").and_then(Value::as_i64)
        && chars > max
    {
        errors.push(FieldError::too_long_characters(path, max));
    }
    if let Some(min) = schema.get("minLength").and_then(Value::as_i64)
        && chars < min
    {
        errors.push(FieldError::invalid(
            path,
            FieldValue::json(s),
            format!("{path} in body should be at least {min} chars long"),
        ));
    }
    if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
        // An invalid pattern is refused when the CRD is written; here it matches nothing.
        let matches = regex::Regex::new(pattern).is_ok_and(|re| re.is_match(s));
        if !matches {
            errors.push(FieldError::invalid(
                path,
                FieldValue::json(s),
                format!("{path} in body should match '{pattern}'"),
            ));
        }
    }
}

fn check_number(schema: &Value, value: &Value, path: &str, errors: &mut Vec<FieldError>) {
    let Some(n) = value.as_f64() else {
        return;
    };
    let exclusive = |name: &str| schema.get(name) == Some(&Value::Bool(true));
    if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
        let (bad, words) = if exclusive("exclusiveMaximum") {
            (n >= max, "less than")
        } else {
            (n > max, "less than or equal to")
        };
        if bad {
            errors.push(FieldError::invalid(
                path,
                FieldValue::from_json(value),
                format!("{path} in body should be {words} {}", number(&schema["maximum"])),
            ));
        }
    }
    if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
        let (bad, words) = if exclusive("exclusiveMinimum") {
            (n <= min, "greater than")
        } else {
            (n < min, "greater than or equal to")
        };
        if bad {
            errors.push(FieldError::invalid(
                path,
                FieldValue::from_json(value),
                format!("{path} in body should be {words} {}", number(&schema["minimum"])),
            ));
        }
    }
}

fn number(value: &Value) -> String {
    value.to_string()
}

/// The schema checks a CRD's own validation makes of each version's schema: the root is
/// an object, every level names a type (unless it keeps unknown fields or is
/// int-or-string), and `pattern`s compile.
pub fn check_structural(schema: &Value, path: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if schema.get("type").and_then(Value::as_str) != Some("object") {
        errors.push(FieldError::invalid(
            join(path, "type"),
            FieldValue::json(schema.get("type").and_then(Value::as_str).unwrap_or("")),
            "must be object at the root",
        ));
    }
    check_level(schema, path, &mut errors);
    errors
}

fn check_level(schema: &Value, path: &str, errors: &mut Vec<FieldError>) {
    let Some(map) = schema.as_object() else {
        errors.push(FieldError::invalid(
            path,
            FieldValue::from_json(schema),
            "must be an object",
        ));
        return;
    };
    let typed = map.get("type").and_then(Value::as_str).is_some_and(|t| !t.is_empty());
    if !typed && !keeps_unknown(schema) && schema.get("x-kubernetes-int-or-string") != Some(&Value::Bool(true)) {
        errors.push(FieldError::required(
            join(path, "type"),
            "must not be empty for specified object fields",
        ));
    }
    if let Some(pattern) = map.get("pattern").and_then(Value::as_str)
        && let Err(error) = regex::Regex::new(pattern)
    {
        errors.push(FieldError::invalid(
            join(path, "pattern"),
            FieldValue::json(pattern),
            format!("must be a valid regular expression, but isn't: {error}"),
        ));
    }
    if map.contains_key("properties") && map.get("additionalProperties").is_some_and(Value::is_object) {
        errors.push(FieldError::forbidden(
            join(path, "additionalProperties"),
            "additionalProperties and properties are mutual exclusive",
        ));
    }
    let empty = Map::new();
    for (field, sub) in map.get("properties").and_then(Value::as_object).unwrap_or(&empty) {
        check_level(sub, &format!("{}[{field}]", join(path, "properties")), errors);
    }
    if let Some(items) = map.get("items") {
        check_level(items, &join(path, "items"), errors);
    }
    if let Some(additional) = map.get("additionalProperties").filter(|a| a.is_object()) {
        check_level(additional, &join(path, "additionalProperties"), errors);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({"type": "object", "properties": {
            "spec": {"type": "object", "required": ["size"], "properties": {
                "size": {"type": "string", "enum": ["small", "large"]},
                "replicas": {"type": "integer", "minimum": 1, "maximum": 10, "default": 1},
                "tag": {"type": "string", "pattern": "^v[0-9]+$", "maxLength": 5},
                "ports": {"type": "array", "maxItems": 2, "items": {"type": "object", "properties": {
                    "port": {"x-kubernetes-int-or-string": true}}}},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
            }},
            "status": {"type": "object", "properties": {"ready": {"type": "boolean"}}},
        }})
    }

    fn messages(errors: &[FieldError]) -> Vec<String> {
        errors.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn prunes_unknown_fields_but_keeps_preserved_ones() {
        let mut object = json!({"apiVersion": "x/v1", "kind": "W", "metadata": {"name": "a"},
            "spec": {"size": "small", "extra": 1, "ports": [{"port": 80, "bogus": true}], "free": {"any": {"thing": 1}}},
            "top": true});
        let pruned = prune(&schema(), &mut object);
        assert_eq!(pruned, vec!["spec.extra", "spec.ports[0].bogus", "top"]);
        assert_eq!(object["spec"]["free"], json!({"any": {"thing": 1}}));
        assert_eq!(object["metadata"], json!({"name": "a"}));
    }

    #[test]
    fn fills_defaults() {
        let mut object = json!({"spec": {"size": "small"}});
        apply_defaults(&schema(), &mut object);
        assert_eq!(object["spec"]["replicas"], 1);
    }

    #[test]
    fn reports_upstream_messages() {
        let object = json!({"spec": {"size": "huge", "replicas": 11, "tag": "x", "ports": [{"port": 1}, {"port": "a"}, {"port": true}],
            "labels": {"a": 1}}, "status": {"ready": "yes"}});
        let got = messages(&validate(&schema(), &object));
        let expected = [
            r#"spec.size: Unsupported value: "huge": supported values: "small", "large""#,
            "spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10",
            r#"spec.tag: Invalid value: "x": spec.tag in body should match '^v[0-9]+$'"#,
            "spec.ports: Too many: 3: must have at most 2 items",
            r#"spec.ports[2].port: Invalid value: "boolean": spec.ports[2].port in body must be of type integer,string: "boolean""#,
            r#"spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer""#,
            r#"status.ready: Invalid value: "string": status.ready in body must be of type boolean: "string""#,
        ];
        for message in expected {
            assert!(got.iter().any(|g| g == message), "missing {message:?} in {got:#?}");
        }
        let missing = messages(&validate(&schema(), &json!({"spec": {}})));
        assert_eq!(missing, vec!["spec.size: Required value"]);
    }

    #[test]
    fn structural_rules() {
        assert!(check_structural(&schema(), "schema.openAPIV3Schema").is_empty());
        let bad = json!({"type": "object", "properties": {"spec": {"properties": {}}, "p": {"type": "string", "pattern": "("}}});
        let got = messages(&check_structural(&bad, "s"));
        assert!(
            got.iter()
                .any(|m| m.starts_with("s.properties[spec].type: Required value")),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|m| m.starts_with("s.properties[p].pattern: Invalid value")),
            "{got:?}"
        );
    }
}
