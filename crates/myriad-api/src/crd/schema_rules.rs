//! The OpenAPI restrictions on a CRD schema, checked on the schema as written (upstream's
//! `ValidateCustomResourceDefinitionOpenAPISchema` and `specStandardValidatorV3` in
//! `apiextensions-apiserver/pkg/apis/apiextensions/validation/validation.go`): no
//! `$ref`, `uniqueItems` or `additionalProperties` next to `properties`, no defaults in
//! top-level metadata, consistent `x-kubernetes-list-type`/`map-type` extensions, and
//! the static parts of `x-kubernetes-validations`. CEL rules are not compiled.

use serde_json::{Map, Value};

use super::schema::{is_empty_value, present};
use crate::field_error::{FieldError, FieldPath, FieldValue};

/// What the walk knows about the position of a schema node.
#[derive(Clone)]
struct Position {
    allow_defaults: bool,
    disallow_reason: String,
    inside_resource_meta: bool,
}

impl Position {
    fn forbid_defaults(&self, reason: &str) -> Self {
        Self {
            allow_defaults: false,
            disallow_reason: reason.to_string(),
            ..self.clone()
        }
    }
}

/// The OpenAPI restrictions on `schema` (the `openAPIV3Schema` at `path`).
pub(crate) fn check(schema: &Value, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let root = Position {
        allow_defaults: true,
        disallow_reason: String::new(),
        inside_resource_meta: false,
    };
    walk(schema, path, &root, true, &mut errs);
    errs
}

fn str_of<'a>(map: &'a Map<String, Value>, key: &str) -> &'a str {
    map.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn is_true(map: &Map<String, Value>, key: &str) -> bool {
    map.get(key) == Some(&Value::Bool(true))
}

fn walk(schema: &Value, path: &FieldPath, position: &Position, is_root: bool, errs: &mut Vec<FieldError>) {
    let Some(map) = schema.as_object() else {
        return;
    };
    standard(map, path, position, errs);
    if is_true(map, "uniqueItems") {
        errs.push(FieldError::forbidden(
            path.child("uniqueItems"),
            "uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
        ));
    }
    let has_properties = present(map, "properties").is_some_and(|p| !is_empty_value(p));
    if let Some(additional) = present(map, "additionalProperties") {
        if has_properties && additional != &Value::Bool(true) {
            errs.push(FieldError::forbidden(
                path.child("additionalProperties"),
                "additionalProperties and properties are mutual exclusive",
            ));
        }
        let sub = if position.inside_resource_meta {
            position.forbid_defaults("inside additionalProperties applying to object metadata")
        } else {
            position.clone()
        };
        walk(additional, &path.child("additionalProperties"), &sub, false, errs);
    }
    if let Some(Value::Object(properties)) = present(map, "properties") {
        let embedded = is_true(map, "x-kubernetes-embedded-resource");
        for (name, property) in properties {
            let mut sub = position.clone();
            if (is_root || embedded) && matches!(name.as_str(), "metadata" | "kind" | "apiVersion") {
                sub.inside_resource_meta = true;
                if is_root {
                    sub = sub.forbid_defaults(&format!("in top-level {name}"));
                }
            }
            walk(property, &path.child("properties").key(name), &sub, false, errs);
        }
    }
    if let Some(not) = present(map, "not") {
        walk(not, &path.child("not"), position, false, errs);
    }
    for junctor in ["allOf", "oneOf", "anyOf"] {
        if let Some(Value::Array(list)) = present(map, junctor) {
            for (i, nested) in list.iter().enumerate() {
                walk(nested, &path.child(junctor).index(i), position, false, errs);
            }
        }
    }
    for keyed in ["definitions", "dependencies"] {
        if let Some(Value::Object(entries)) = present(map, keyed) {
            for (key, nested) in entries {
                walk(nested, &path.child(keyed).key(key), position, false, errs);
            }
        }
    }
    match present(map, "items") {
        Some(items @ Value::Object(_)) => walk(items, &path.child("items"), position, false, errs),
        Some(Value::Array(list)) => {
            for (i, nested) in list.iter().enumerate() {
                walk(nested, &path.child("items").index(i), position, false, errs);
            }
        }
        _ => {}
    }
    if map.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(false)) {
        errs.push(FieldError::invalid(
            path.child("x-kubernetes-preserve-unknown-fields"),
            false,
            "must be true or undefined",
        ));
    }
    map_type(map, path, errs);
    list_type(map, path, errs);
    map_list_keys_and_sets(map, path, errs);
    validation_rules(map, path, errs);
}

/// `specStandardValidatorV3.validate`: unsupported JSON-Schema keywords and types.
fn standard(map: &Map<String, Value>, path: &FieldPath, position: &Position, errs: &mut Vec<FieldError>) {
    let type_name = str_of(map, "type");
    const TYPES: [&str; 6] = ["array", "boolean", "integer", "number", "object", "string"];
    if !type_name.is_empty() && !TYPES.contains(&type_name) {
        errs.push(FieldError::not_supported(path.child("type"), type_name, &TYPES));
    }
    if present(map, "default").is_some() && !position.allow_defaults {
        let mut detail = "must not be set".to_string();
        if !position.disallow_reason.is_empty() {
            detail.push(' ');
            detail.push_str(&position.disallow_reason);
        }
        errs.push(FieldError::forbidden(path.child("default"), detail));
    }
    let forbidden = |errs: &mut Vec<FieldError>, key: &str, detail: &str| {
        errs.push(FieldError::forbidden(path.child(key), detail));
    };
    if !str_of(map, "id").is_empty() {
        forbidden(errs, "id", "id is not supported");
    }
    if present(map, "additionalItems").is_some() {
        forbidden(errs, "additionalItems", "additionalItems is not supported");
    }
    if present(map, "patternProperties").is_some_and(|p| !is_empty_value(p)) {
        forbidden(errs, "patternProperties", "patternProperties is not supported");
    }
    if present(map, "definitions").is_some_and(|p| !is_empty_value(p)) {
        forbidden(errs, "definitions", "definitions is not supported");
    }
    if present(map, "dependencies").is_some() {
        forbidden(errs, "dependencies", "dependencies is not supported");
    }
    if present(map, "$ref").is_some() {
        forbidden(errs, "$ref", "$ref is not supported");
    }
    if type_name == "null" {
        forbidden(
            errs,
            "type",
            "type cannot be set to null, use nullable as an alternative",
        );
    }
    if present(map, "items").is_some_and(|i| i.as_array().is_some_and(|a| !a.is_empty())) {
        forbidden(errs, "items", "items must be a schema object and not an array");
    }
    if position.inside_resource_meta && is_true(map, "x-kubernetes-embedded-resource") {
        forbidden(
            errs,
            "x-kubernetes-embedded-resource",
            "must not be used inside of resource meta",
        );
    }
}

fn map_type(map: &Map<String, Value>, path: &FieldPath, errs: &mut Vec<FieldError>) {
    let Some(map_type) = present(map, "x-kubernetes-map-type") else {
        return;
    };
    let type_name = str_of(map, "type");
    let detail = "must be object if x-kubernetes-map-type is specified";
    if type_name.is_empty() {
        errs.push(FieldError::required(path.child("type"), detail));
    } else if type_name != "object" {
        errs.push(FieldError::invalid(path.child("type"), type_name, detail));
    }
    let map_type = map_type.as_str().unwrap_or_default();
    if map_type != "atomic" && map_type != "granular" {
        errs.push(FieldError::not_supported(
            path.child("x-kubernetes-map-type"),
            map_type,
            &["atomic", "granular"],
        ));
    }
}

fn list_type(map: &Map<String, Value>, path: &FieldPath, errs: &mut Vec<FieldError>) {
    let list_type = present(map, "x-kubernetes-list-type").map(|t| t.as_str().unwrap_or_default());
    let type_name = str_of(map, "type");
    let items = present(map, "items");
    let item_schema = items.and_then(Value::as_object);
    if let Some(list_type) = list_type {
        let detail = "must be array if x-kubernetes-list-type is specified";
        if type_name != "array" {
            if type_name.is_empty() {
                errs.push(FieldError::required(path.child("type"), detail));
            } else {
                errs.push(FieldError::invalid(path.child("type"), type_name, detail));
            }
        } else if let (Some(item), "set") = (item_schema, list_type) {
            atomic_set_items(item, path, errs);
        }
        if !matches!(list_type, "atomic" | "set" | "map") {
            errs.push(FieldError::not_supported(
                path.child("x-kubernetes-list-type"),
                list_type,
                &["atomic", "set", "map"],
            ));
        }
    }
    let keys = present(map, "x-kubernetes-list-map-keys").and_then(Value::as_array);
    if keys.is_some_and(|k| !k.is_empty()) {
        let detail = "must be map if x-kubernetes-list-map-keys is non-empty";
        match list_type {
            None => errs.push(FieldError::required(path.child("x-kubernetes-list-type"), detail)),
            Some(t) if t != "map" => errs.push(FieldError::invalid(path.child("x-kubernetes-list-type"), t, detail)),
            Some(_) => {}
        }
    }
    if list_type == Some("map") {
        list_map(map, path, keys.map(Vec::as_slice).unwrap_or_default(), errs);
    }
}

/// Items of a `set` list must be atomic: nested lists atomic, objects `map-type: atomic`.
fn atomic_set_items(item: &Map<String, Value>, path: &FieldPath, errs: &mut Vec<FieldError>) {
    let detail = "must be atomic as item of a list with x-kubernetes-list-type=set";
    let item_list_type = present(item, "x-kubernetes-list-type");
    match str_of(item, "type") {
        "array" => {
            if let Some(t) = item_list_type.filter(|t| t.as_str() != Some("atomic")) {
                errs.push(FieldError::invalid(
                    path.child("items").child("x-kubernetes-list-type"),
                    FieldValue::json(t),
                    detail,
                ));
            }
        }
        // Upstream shows the item's list type here, usually `null`.
        "object" if present(item, "x-kubernetes-map-type").and_then(Value::as_str) != Some("atomic") => {
            errs.push(FieldError::invalid(
                path.child("items").child("x-kubernetes-map-type"),
                FieldValue::json(item_list_type.unwrap_or(&Value::Null)),
                detail,
            ));
        }
        _ => {}
    }
}

fn list_map(map: &Map<String, Value>, path: &FieldPath, keys: &[Value], errs: &mut Vec<FieldError>) {
    if keys.is_empty() {
        errs.push(FieldError::required(
            path.child("x-kubernetes-list-map-keys"),
            "must not be empty if x-kubernetes-list-type is map",
        ));
    }
    let Some(items) = present(map, "items") else {
        errs.push(FieldError::required(
            path.child("items"),
            "must have a schema if x-kubernetes-list-type is map",
        ));
        return;
    };
    let Some(item) = items.as_object() else {
        errs.push(FieldError::invalid(
            path.child("items"),
            FieldValue::json(items),
            "must only have a single schema if x-kubernetes-list-type is map",
        ));
        return;
    };
    let item_type = str_of(item, "type");
    if item_type != "object" {
        errs.push(FieldError::invalid(
            path.child("items").child("type"),
            item_type,
            "must be object if parent array's x-kubernetes-list-type is map",
        ));
        return;
    }
    let properties = present(item, "properties").and_then(Value::as_object);
    let mut seen: Vec<&str> = Vec::new();
    for key in keys.iter().map(|k| k.as_str().unwrap_or_default()) {
        match properties.and_then(|p| p.get(key)).and_then(Value::as_object) {
            Some(property) => {
                if matches!(str_of(property, "type"), "array" | "object") {
                    errs.push(FieldError::invalid(
                        path.child("items").child("properties").key(key).child("type"),
                        item_type,
                        "must be a scalar type if parent array's x-kubernetes-list-type is map",
                    ));
                }
            }
            None => errs.push(FieldError::invalid(
                path.child("x-kubernetes-list-map-keys"),
                FieldValue::json(keys),
                "entries must all be names of item properties",
            )),
        }
        if seen.contains(&key) {
            errs.push(FieldError::invalid(
                path.child("x-kubernetes-list-map-keys"),
                FieldValue::json(keys),
                "must not contain duplicate entries",
            ));
        }
        seen.push(key);
    }
}

/// Upstream's `validateMapListKeysMapSet`: items of set and map lists are not nullable,
/// and map keys are required or defaulted, never nullable.
fn map_list_keys_and_sets(map: &Map<String, Value>, path: &FieldPath, errs: &mut Vec<FieldError>) {
    let Some(item) = present(map, "items").and_then(Value::as_object) else {
        return;
    };
    let list_type = present(map, "x-kubernetes-list-type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if list_type != "set" && list_type != "map" {
        return;
    }
    let items = path.child("items");
    if is_true(item, "nullable") {
        errs.push(FieldError::forbidden(
            items.child("nullable"),
            format!("cannot be nullable when x-kubernetes-list-type is {list_type}"),
        ));
    }
    if list_type != "map" {
        return;
    }
    let required: Vec<&str> = present(item, "required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let keys = present(map, "x-kubernetes-list-map-keys").and_then(Value::as_array);
    for key in keys.into_iter().flatten().filter_map(Value::as_str) {
        let Some(property) = present(item, "properties")
            .and_then(|p| p.get(key))
            .and_then(Value::as_object)
        else {
            continue;
        };
        let at = items.child("properties").key(key);
        if !required.contains(&key) && present(property, "default").is_none() {
            errs.push(FieldError::required(
                at.child("default"),
                "this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property",
            ));
        }
        if is_true(property, "nullable") {
            errs.push(FieldError::forbidden(
                at.child("nullable"),
                "this property is in x-kubernetes-list-map-keys, so it cannot be nullable",
            ));
        }
    }
}

fn has_newlines(s: &str) -> bool {
    s.contains(['\n', '\r'])
}

/// The checks on `x-kubernetes-validations` that need no CEL: rule and message shapes,
/// the reason, and the field path's shape.
fn validation_rules(map: &Map<String, Value>, path: &FieldPath, errs: &mut Vec<FieldError>) {
    let Some(Value::Array(rules)) = present(map, "x-kubernetes-validations") else {
        return;
    };
    const REASONS: [&str; 4] = [
        "FieldValueDuplicate",
        "FieldValueForbidden",
        "FieldValueInvalid",
        "FieldValueRequired",
    ];
    for (i, rule) in rules.iter().enumerate() {
        let Some(rule) = rule.as_object() else {
            continue;
        };
        let at = path.child("x-kubernetes-validations").index(i);
        let text = str_of(rule, "rule").trim();
        let message = str_of(rule, "message");
        let trimmed_message = message.trim();
        if text.is_empty() {
            errs.push(FieldError::required(at.child("rule"), "rule is not specified"));
        } else if !message.is_empty() && trimmed_message.is_empty() {
            errs.push(FieldError::invalid(
                at.child("message"),
                message,
                "must be non-empty if specified",
            ));
        } else if has_newlines(trimmed_message) {
            errs.push(FieldError::invalid(
                at.child("message"),
                message,
                "must not contain line breaks",
            ));
        } else if has_newlines(text) && trimmed_message.is_empty() {
            errs.push(FieldError::required(
                at.child("message"),
                "message must be specified if rule contains line breaks",
            ));
        }
        let expression = str_of(rule, "messageExpression");
        if !expression.is_empty() && expression.trim().is_empty() {
            errs.push(FieldError::required(
                at.child("messageExpression"),
                "messageExpression must be non-empty if specified",
            ));
        }
        if let Some(reason) = present(rule, "reason") {
            let reason = reason.as_str().unwrap_or_default();
            if !REASONS.contains(&reason) {
                errs.push(FieldError::not_supported(at.child("reason"), reason, &REASONS));
            }
        }
        let field_path = str_of(rule, "fieldPath");
        if !field_path.is_empty() && field_path.trim().is_empty() {
            errs.push(FieldError::invalid(
                at.child("fieldPath"),
                field_path,
                "must be non-empty if specified",
            ));
        }
        if has_newlines(field_path) {
            errs.push(FieldError::invalid(
                at.child("fieldPath"),
                field_path,
                "must not contain line breaks",
            ));
        }
    }
}

/// `JSONSchemaProps` fields in declaration order, by JSON name and Go name: the order
/// upstream checks the root of a schema with a status subresource in.
const ROOT_FIELDS: [(&str, &str); 44] = [
    ("id", "ID"),
    ("$schema", "Schema"),
    ("$ref", "Ref"),
    ("description", "Description"),
    ("type", "Type"),
    ("nullable", "Nullable"),
    ("format", "Format"),
    ("title", "Title"),
    ("default", "Default"),
    ("maximum", "Maximum"),
    ("exclusiveMaximum", "ExclusiveMaximum"),
    ("minimum", "Minimum"),
    ("exclusiveMinimum", "ExclusiveMinimum"),
    ("maxLength", "MaxLength"),
    ("minLength", "MinLength"),
    ("pattern", "Pattern"),
    ("maxItems", "MaxItems"),
    ("minItems", "MinItems"),
    ("uniqueItems", "UniqueItems"),
    ("multipleOf", "MultipleOf"),
    ("enum", "Enum"),
    ("maxProperties", "MaxProperties"),
    ("minProperties", "MinProperties"),
    ("required", "Required"),
    ("items", "Items"),
    ("allOf", "AllOf"),
    ("oneOf", "OneOf"),
    ("anyOf", "AnyOf"),
    ("not", "Not"),
    ("properties", "Properties"),
    ("additionalProperties", "AdditionalProperties"),
    ("patternProperties", "PatternProperties"),
    ("dependencies", "Dependencies"),
    ("additionalItems", "AdditionalItems"),
    ("definitions", "Definitions"),
    ("externalDocs", "ExternalDocs"),
    ("example", "Example"),
    ("x-kubernetes-preserve-unknown-fields", "XPreserveUnknownFields"),
    ("x-kubernetes-embedded-resource", "XEmbeddedResource"),
    ("x-kubernetes-int-or-string", "XIntOrString"),
    ("x-kubernetes-list-map-keys", "XListMapKeys"),
    ("x-kubernetes-list-type", "XListType"),
    ("x-kubernetes-map-type", "XMapType"),
    ("x-kubernetes-validations", "XValidations"),
];

const ALLOWED_AT_STATUS_ROOT: [&str; 22] = [
    "Description",
    "Type",
    "Format",
    "Title",
    "Maximum",
    "ExclusiveMaximum",
    "Minimum",
    "ExclusiveMinimum",
    "MaxLength",
    "MinLength",
    "Pattern",
    "MaxItems",
    "MinItems",
    "UniqueItems",
    "MultipleOf",
    "Required",
    "Items",
    "Properties",
    "ExternalDocs",
    "Example",
    "XPreserveUnknownFields",
    "XValidations",
];

/// With a status subresource the root may only be an object with a few keywords. The
/// schema is shown as written (upstream prints its internal Go struct).
pub(crate) fn status_root(schema: &Value, path: &FieldPath) -> Vec<FieldError> {
    let Some(map) = schema.as_object() else {
        return Vec::new();
    };
    for (json_name, go_name) in ROOT_FIELDS {
        let set = match map.get(json_name) {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b || json_name == "x-kubernetes-preserve-unknown-fields",
            Some(Value::String(s)) => !s.is_empty() || json_name == "$ref",
            Some(_) => true,
        };
        if !set {
            continue;
        }
        if go_name == "Type" {
            let type_name = str_of(map, "type");
            if type_name != "object" {
                return vec![FieldError::invalid(
                    path.child("type"),
                    type_name,
                    r#"only "object" is allowed as the type at the root of the schema if the status subresource is enabled"#,
                )];
            }
            continue;
        }
        if !ALLOWED_AT_STATUS_ROOT.contains(&go_name) {
            return vec![FieldError::invalid(
                path,
                FieldValue::json(schema),
                format!(
                    "only [{}] fields are allowed at the root of the schema if the status subresource is enabled",
                    ALLOWED_AT_STATUS_ROOT.join(" ")
                ),
            )];
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const P: &str = "spec.versions[0].schema.openAPIV3Schema";

    fn rules(schema: Value) -> Vec<String> {
        let path = FieldPath::new("spec")
            .child("versions")
            .index(0)
            .child("schema")
            .child("openAPIV3Schema");
        check(&schema, &path).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn unsupported_keywords() {
        assert_eq!(
            rules(
                json!({"type": "object", "id": "x", "additionalItems": false, "patternProperties": {"a": {}},
                         "definitions": {"d": {}}, "dependencies": {}, "$ref": "", "uniqueItems": true,
                         "items": [{"type": "string"}]})
            ),
            [
                format!("{P}.id: Forbidden: id is not supported"),
                format!("{P}.additionalItems: Forbidden: additionalItems is not supported"),
                format!("{P}.patternProperties: Forbidden: patternProperties is not supported"),
                format!("{P}.definitions: Forbidden: definitions is not supported"),
                format!("{P}.dependencies: Forbidden: dependencies is not supported"),
                format!("{P}.$ref: Forbidden: $ref is not supported"),
                format!("{P}.items: Forbidden: items must be a schema object and not an array"),
                format!(
                    "{P}.uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic"
                ),
            ]
        );
        assert_eq!(
            rules(json!({"type": "null"})),
            [
                format!(
                    r#"{P}.type: Unsupported value: "null": supported values: "array", "boolean", "integer", "number", "object", "string""#
                ),
                format!("{P}.type: Forbidden: type cannot be set to null, use nullable as an alternative"),
            ]
        );
    }

    #[test]
    fn properties_and_additional_properties_exclude_each_other() {
        assert_eq!(
            rules(json!({"type": "object", "properties": {"a": {"type": "object",
                "properties": {"x": {"type": "string"}}, "additionalProperties": {"type": "string"}},
                "b": {"type": "object", "properties": {"x": {"type": "string"}}, "additionalProperties": false},
                "c": {"type": "object", "properties": {"x": {"type": "string"}}, "additionalProperties": true}}})),
            [
                format!(
                    "{P}.properties[a].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive"
                ),
                format!(
                    "{P}.properties[b].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive"
                ),
            ]
        );
    }

    #[test]
    fn defaults_in_resource_meta() {
        assert_eq!(
            rules(json!({"type": "object", "properties": {
                "metadata": {"type": "object", "default": {}},
                "kind": {"type": "string", "default": "K"},
                "spec": {"type": "object", "properties": {"tpl": {"type": "object", "x-kubernetes-embedded-resource": true,
                    "properties": {"metadata": {"type": "object", "additionalProperties": {"type": "string", "default": "x"},
                                                "x-kubernetes-embedded-resource": true}}}}}}})),
            [
                format!("{P}.properties[kind].default: Forbidden: must not be set in top-level kind"),
                format!("{P}.properties[metadata].default: Forbidden: must not be set in top-level metadata"),
                format!(
                    "{P}.properties[spec].properties[tpl].properties[metadata].x-kubernetes-embedded-resource: Forbidden: must not be used inside of resource meta"
                ),
                format!(
                    "{P}.properties[spec].properties[tpl].properties[metadata].additionalProperties.default: Forbidden: must not be set inside additionalProperties applying to object metadata"
                ),
            ]
        );
    }

    #[test]
    fn list_and_map_types() {
        assert_eq!(
            rules(json!({"type": "object", "properties": {
                "a": {"type": "string", "x-kubernetes-list-type": "set"},
                "b": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "bag"},
                "c": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-map-keys": ["k"]},
                "d": {"type": "array", "x-kubernetes-list-type": "map"},
                "e": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["k"]},
                "f": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["k", "k", "z"],
                      "items": {"type": "object", "nullable": true,
                                "properties": {"k": {"type": "object", "nullable": true}}}},
                "g": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "object"}},
                "h": {"type": "string", "x-kubernetes-map-type": "loose"}}})),
            [
                format!(
                    r#"{P}.properties[a].type: Invalid value: "string": must be array if x-kubernetes-list-type is specified"#
                ),
                format!(
                    r#"{P}.properties[b].x-kubernetes-list-type: Unsupported value: "bag": supported values: "atomic", "set", "map""#
                ),
                format!(
                    "{P}.properties[c].x-kubernetes-list-type: Required value: must be map if x-kubernetes-list-map-keys is non-empty"
                ),
                format!(
                    "{P}.properties[d].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map"
                ),
                format!("{P}.properties[d].items: Required value: must have a schema if x-kubernetes-list-type is map"),
                format!(
                    r#"{P}.properties[e].items.type: Invalid value: "string": must be object if parent array's x-kubernetes-list-type is map"#
                ),
                format!(
                    r#"{P}.properties[f].items.properties[k].type: Invalid value: "object": must be a scalar type if parent array's x-kubernetes-list-type is map"#
                ),
                format!(
                    r#"{P}.properties[f].items.properties[k].type: Invalid value: "object": must be a scalar type if parent array's x-kubernetes-list-type is map"#
                ),
                format!(
                    r#"{P}.properties[f].x-kubernetes-list-map-keys: Invalid value: ["k","k","z"]: must not contain duplicate entries"#
                ),
                format!(
                    r#"{P}.properties[f].x-kubernetes-list-map-keys: Invalid value: ["k","k","z"]: entries must all be names of item properties"#
                ),
                format!(
                    "{P}.properties[f].items.nullable: Forbidden: cannot be nullable when x-kubernetes-list-type is map"
                ),
                format!(
                    "{P}.properties[f].items.properties[k].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property"
                ),
                format!(
                    "{P}.properties[f].items.properties[k].nullable: Forbidden: this property is in x-kubernetes-list-map-keys, so it cannot be nullable"
                ),
                format!(
                    "{P}.properties[f].items.properties[k].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property"
                ),
                format!(
                    "{P}.properties[f].items.properties[k].nullable: Forbidden: this property is in x-kubernetes-list-map-keys, so it cannot be nullable"
                ),
                format!(
                    "{P}.properties[g].items.x-kubernetes-map-type: Invalid value: null: must be atomic as item of a list with x-kubernetes-list-type=set"
                ),
                format!(
                    r#"{P}.properties[h].type: Invalid value: "string": must be object if x-kubernetes-map-type is specified"#
                ),
                format!(
                    r#"{P}.properties[h].x-kubernetes-map-type: Unsupported value: "loose": supported values: "atomic", "granular""#
                ),
            ]
        );
    }

    #[test]
    fn validation_rule_shapes() {
        assert_eq!(
            rules(json!({"type": "object", "x-kubernetes-validations": [
                {"rule": " "},
                {"rule": "a", "message": " "},
                {"rule": "a\nb"},
                {"rule": "a", "messageExpression": " ", "reason": "Nope", "fieldPath": " "}]})),
            [
                format!("{P}.x-kubernetes-validations[0].rule: Required value: rule is not specified"),
                format!(
                    r#"{P}.x-kubernetes-validations[1].message: Invalid value: " ": must be non-empty if specified"#
                ),
                format!(
                    "{P}.x-kubernetes-validations[2].message: Required value: message must be specified if rule contains line breaks"
                ),
                format!(
                    "{P}.x-kubernetes-validations[3].messageExpression: Required value: messageExpression must be non-empty if specified"
                ),
                format!(
                    r#"{P}.x-kubernetes-validations[3].reason: Unsupported value: "Nope": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired""#
                ),
                format!(
                    r#"{P}.x-kubernetes-validations[3].fieldPath: Invalid value: " ": must be non-empty if specified"#
                ),
            ]
        );
    }

    #[test]
    fn status_subresource_root() {
        let path = FieldPath::new("s");
        assert!(
            status_root(
                &json!({"type": "object", "properties": {}, "required": ["spec"]}),
                &path
            )
            .is_empty()
        );
        assert_eq!(
            status_root(&json!({"type": "array"}), &path)[0].to_string(),
            r#"s.type: Invalid value: "array": only "object" is allowed as the type at the root of the schema if the status subresource is enabled"#
        );
        assert_eq!(
            status_root(&json!({"type": "object", "anyOf": [{}]}), &path)[0].to_string(),
            r#"s: Invalid value: {"anyOf":[{}],"type":"object"}: only [Description Type Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems UniqueItems MultipleOf Required Items Properties ExternalDocs Example XPreserveUnknownFields XValidations] fields are allowed at the root of the schema if the status subresource is enabled"#
        );
    }

    #[test]
    fn set_items_must_be_atomic() {
        assert_eq!(
            rules(json!({"type": "object", "properties": {
                "a": {"type": "array", "x-kubernetes-list-type": "set",
                      "items": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}}},
                "b": {"type": "array", "x-kubernetes-list-type": "set",
                      "items": {"type": "object", "x-kubernetes-map-type": "atomic"}}}})),
            [format!(
                r#"{P}.properties[a].items.x-kubernetes-list-type: Invalid value: "set": must be atomic as item of a list with x-kubernetes-list-type=set"#
            )]
        );
    }
}
