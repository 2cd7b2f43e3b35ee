//! Schema defaults (upstream's `apiextensions-apiserver/pkg/apiserver/schema/defaulting`):
//! applying them to objects, and checking them when a CRD is written.
//!
//! Upstream defaults an object when it is decoded — from a request body and when read
//! from storage — after pruning: first non-nullable `null`s without a default are
//! dropped ([`prune_non_nullable_nulls`]), then absent fields and the remaining
//! non-nullable `null`s get their defaults ([`apply_defaults`]). A default is applied to
//! a field only if its parent object exists; a parent's default may in turn bring
//! children that get their own defaults.

use serde_json::Value;

use super::prune::prune_with;
use super::schema::{AdditionalProperties, StructuralSchema};
use super::validate::{validate_embedded_resources, validate_value};
use crate::field_error::{FieldError, FieldPath};

/// Whether `value` is a `null` the schema does not allow.
fn is_non_nullable_null(value: &Value, schema: Option<&StructuralSchema>) -> bool {
    value.is_null() && schema.is_some_and(|s| !s.nullable)
}

/// Sets the `default` of every absent (or non-nullable `null`) property, deep-copied,
/// recursing into objects, `additionalProperties` maps and array items (upstream's
/// `Default`). Values of the wrong JSON type are left alone.
pub fn apply_defaults(value: &mut Value, schema: &StructuralSchema) {
    match value {
        Value::Object(map) => {
            for (name, property) in &schema.properties {
                let Some(default) = &property.default else {
                    continue;
                };
                let missing = map.get(name).is_none_or(|v| is_non_nullable_null(v, Some(property)));
                if missing {
                    map.insert(name.clone(), default.clone());
                }
            }
            let additional = schema
                .additional_properties
                .as_ref()
                .and_then(AdditionalProperties::schema);
            for (key, child) in map.iter_mut() {
                if let Some(property) = schema.properties.get(key) {
                    apply_defaults(child, property);
                } else if schema.additional_properties.is_some() {
                    let Some(additional) = additional else {
                        continue;
                    };
                    if is_non_nullable_null(child, Some(additional)) {
                        *child = additional.default.clone().unwrap_or(Value::Null);
                    }
                    apply_defaults(child, additional);
                }
            }
        }
        Value::Array(items) => {
            let Some(item_schema) = schema.items.as_deref() else {
                return;
            };
            for item in items.iter_mut() {
                if is_non_nullable_null(item, Some(item_schema)) {
                    *item = item_schema.default.clone().unwrap_or(Value::Null);
                }
                apply_defaults(item, item_schema);
            }
        }
        _ => {}
    }
}

/// Drops object fields that are `null` where the schema neither allows `null` nor has a
/// default to replace it (upstream's `PruneNonNullableNullsWithoutDefaults`). Runs
/// before [`apply_defaults`], so a `null` that has a default gets it instead.
pub fn prune_non_nullable_nulls(value: &mut Value, schema: &StructuralSchema) {
    prune_nulls(value, Some(schema));
}

fn prune_nulls(value: &mut Value, schema: Option<&StructuralSchema>) {
    match value {
        Value::Object(map) => {
            map.retain(|key, child| {
                let child_schema = schema.and_then(|s| s.property(key));
                !(is_non_nullable_null(child, child_schema) && child_schema.is_some_and(|s| s.default.is_none()))
            });
            for (key, child) in map.iter_mut() {
                prune_nulls(child, schema.and_then(|s| s.property(key)));
            }
        }
        Value::Array(items) => {
            let item_schema = schema.and_then(|s| s.items.as_deref());
            for item in items {
                prune_nulls(item, item_schema);
            }
        }
        _ => {}
    }
}

/// Checks every `default` of a structural schema as upstream does when a CRD is written
/// (`ValidateDefaults`, with pruned defaults required): a default must have no fields
/// the schema would prune, must keep embedded resources' apiVersion/kind strings, and
/// must validate against its own schema. `path` is the schema's (`….openAPIV3Schema`);
/// errors sit at `….default`. Defaults inside embedded resources' metadata are validated
/// against their schema alone (upstream also validates the surrounding metadata).
pub fn validate_defaults(schema: &StructuralSchema, path: &FieldPath) -> Vec<FieldError> {
    let mut root = schema.clone();
    root.embedded_resource = true;
    let mut errs = Vec::new();
    check_defaults(&root, path, false, &mut errs);
    errs
}

fn check_defaults(s: &StructuralSchema, path: &FieldPath, inside_meta: bool, errs: &mut Vec<FieldError>) {
    let inside_meta = inside_meta && !s.embedded_resource;
    if let Some(default) = &s.default {
        let at = path.child("default");
        if inside_meta {
            errs.extend(validate_value(Some(&at), default, s));
        } else {
            let mut pruned = default.clone();
            prune_with(&mut pruned, Some(s), s.embedded_resource);
            if &pruned != default {
                errs.push(FieldError::invalid(&at, default, "must not have unknown fields"));
            }
            if let Some(err) = type_meta_error(&at, default, s) {
                errs.push(err);
            } else {
                let meta = validate_embedded_resources(&at, default, s, s.embedded_resource);
                if meta.is_empty() {
                    errs.extend(validate_value(Some(&at), default, s));
                } else {
                    errs.extend(meta);
                }
            }
        }
    }
    // additionalProperties are not followed: defaults are forbidden there.
    if let Some(items) = &s.items {
        check_defaults(items, &path.child("items"), inside_meta, errs);
    }
    for (name, property) in &s.properties {
        let meta_field = s.embedded_resource && matches!(name.as_str(), "metadata" | "apiVersion" | "kind");
        check_defaults(
            property,
            &path.child("properties").key(name),
            inside_meta || meta_field,
            errs,
        );
    }
}

/// The first non-string apiVersion or kind of an embedded resource in a default
/// (upstream's `objectmeta.Coerce` without dropping invalid fields).
fn type_meta_error(path: &FieldPath, value: &Value, s: &StructuralSchema) -> Option<FieldError> {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if s.embedded_resource && matches!(key.as_str(), "apiVersion" | "kind") && !child.is_string() {
                    return Some(FieldError::invalid(path.child(key), child, "must be a string"));
                }
                let child_schema = s.properties.get(key).map(|p| (p, path.child(key))).or_else(|| {
                    s.additional_properties
                        .as_ref()
                        .and_then(AdditionalProperties::schema)
                        .map(|a| (a, path.key(key)))
                });
                if let Some((child_schema, child_path)) = child_schema
                    && let Some(err) = type_meta_error(&child_path, child, child_schema)
                {
                    return Some(err);
                }
            }
            None
        }
        Value::Array(items) => {
            let item_schema = s.items.as_deref()?;
            items
                .iter()
                .enumerate()
                .find_map(|(i, item)| type_meta_error(&path.index(i), item, item_schema))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema(value: Value) -> StructuralSchema {
        StructuralSchema::from_json(&value).expect("valid schema")
    }

    #[test]
    fn fills_absent_fields_recursively() {
        let s = schema(
            json!({"type": "object", "properties": {"spec": {"type": "object", "default": {},
            "properties": {
                "replicas": {"type": "integer", "default": 1},
                "mode": {"type": "string", "default": "fast"},
                "ports": {"type": "array", "items": {"type": "object",
                          "properties": {"protocol": {"type": "string", "default": "TCP"}}}},
                "limits": {"type": "object", "additionalProperties": {"type": "object",
                           "properties": {"max": {"type": "integer", "default": 10}}}},
                "nested": {"type": "object", "properties": {"deep": {"type": "string", "default": "d"}}}}}}}),
        );
        let mut empty = json!({});
        apply_defaults(&mut empty, &s);
        assert_eq!(empty, json!({"spec": {"replicas": 1, "mode": "fast"}}));

        let mut object = json!({"spec": {"replicas": 3, "ports": [{"name": "a"}, {"protocol": "UDP"}],
                                         "limits": {"cpu": {}}, "nested": {}}});
        apply_defaults(&mut object, &s);
        assert_eq!(
            object,
            json!({"spec": {"replicas": 3, "mode": "fast",
                            "ports": [{"name": "a", "protocol": "TCP"}, {"protocol": "UDP"}],
                            "limits": {"cpu": {"max": 10}}, "nested": {"deep": "d"}}})
        );
    }

    #[test]
    fn non_nullable_nulls_take_the_default_or_go() {
        let s = schema(json!({"type": "object", "properties": {
            "a": {"type": "string", "default": "x"},
            "b": {"type": "string"},
            "c": {"type": "string", "nullable": true, "default": "y"},
            "m": {"type": "object", "additionalProperties": {"type": "string", "default": "z"}},
            "l": {"type": "array", "items": {"type": "string", "default": "i"}}}}));
        let mut object = json!({"a": null, "b": null, "c": null, "m": {"k": null}, "l": [null, "v"], "u": null});
        prune_non_nullable_nulls(&mut object, &s);
        assert_eq!(
            object,
            json!({"a": null, "c": null, "m": {"k": null}, "l": [null, "v"], "u": null})
        );
        apply_defaults(&mut object, &s);
        assert_eq!(
            object,
            json!({"a": "x", "c": null, "m": {"k": "z"}, "l": ["i", "v"], "u": null})
        );
    }

    #[test]
    fn defaults_are_deep_copies() {
        let s = schema(
            json!({"type": "object", "properties": {"o": {"type": "object", "default": {"k": [1]},
            "properties": {"k": {"type": "array", "items": {"type": "integer"}}}}}}),
        );
        let mut a = json!({});
        apply_defaults(&mut a, &s);
        if let Some(list) = a.pointer_mut("/o/k").and_then(Value::as_array_mut) {
            list.push(json!(2));
        }
        let mut b = json!({});
        apply_defaults(&mut b, &s);
        assert_eq!(b, json!({"o": {"k": [1]}}));
    }

    #[test]
    fn defaults_must_validate_and_be_pruned() {
        let s = schema(
            json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
            "replicas": {"type": "integer", "default": "one", "minimum": 0},
            "size": {"type": "string", "enum": ["s"], "default": "m"},
            "obj": {"type": "object", "default": {"a": 1, "zz": 2}, "properties": {"a": {"type": "integer"}}},
            "ok": {"type": "integer", "default": 3},
            "tpl": {"type": "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true,
                    "default": {"apiVersion": 1, "kind": "Pod"}}}}}}),
        );
        let errs: Vec<String> = validate_defaults(&s, &FieldPath::new("schema").child("openAPIV3Schema"))
            .iter()
            .map(ToString::to_string)
            .collect();
        let base = "schema.openAPIV3Schema.properties[spec].properties";
        assert_eq!(
            errs,
            [
                format!(r#"{base}[obj].default: Invalid value: {{"a":1,"zz":2}}: must not have unknown fields"#),
                format!(
                    r#"{base}[replicas].default: Invalid value: "string":  in body must be of type integer: "string""#
                ),
                format!(r#"{base}[size].default: Unsupported value: "m": supported values: "s""#),
                format!(r#"{base}[tpl].default.apiVersion: Invalid value: 1: must be a string"#),
            ]
        );
    }
}
