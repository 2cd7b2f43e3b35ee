//! The rules a CRD schema must follow to be accepted: structural (upstream's
//! `apiextensions-apiserver/pkg/apiserver/schema/validation.go` and `complete.go`), the
//! OpenAPI restrictions (`schema_rules.rs`), and valid, pruned defaults
//! ([`super::default::validate_defaults`]).
//!
//! "Structural" means every field has a type outside `allOf`/`anyOf`/`oneOf`/`not`,
//! which may only add value validations about fields already described; that is what
//! makes pruning and defaulting well-defined.

use serde_json::Value;

use super::default::validate_defaults;
use super::schema::{AdditionalProperties, StructuralSchema};
use super::schema_rules;
use crate::field_error::{FieldError, FieldErrorKind, FieldPath};

/// Checks an `openAPIV3Schema` as upstream does when a CRD version is written without a
/// status subresource: `nullable` at the root, decoding, the structural rules, valid
/// pruned defaults, and the OpenAPI restrictions. `path` is the schema's own path
/// (`spec.versions[0].schema.openAPIV3Schema`).
pub fn check_structural(schema: &Value, path: &FieldPath) -> Vec<FieldError> {
    check_schema(schema, path, false)
}

/// [`check_structural`], plus upstream's root restrictions when the version has a
/// status subresource (`only "object" is allowed as the type at the root …`).
pub(crate) fn check_schema(schema: &Value, path: &FieldPath, status_enabled: bool) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if status_enabled {
        errs.extend(schema_rules::status_root(schema, path));
    }
    if schema.get("nullable") == Some(&Value::Bool(true)) {
        errs.push(FieldError::forbidden(
            path.child("nullable"),
            "nullable cannot be true at the root",
        ));
    }
    let mut decode_errs = Vec::new();
    match StructuralSchema::from_json(schema) {
        Err(err) => decode_errs.push(decode_error(path, &err)),
        Ok(structural) => {
            let structural_errs = validate_structural(&structural, path);
            if structural_errs.is_empty() {
                errs.extend(validate_defaults(&structural, path));
            } else {
                errs.extend(structural_errs);
            }
        }
    }
    errs.extend(schema_rules::check(schema, path));
    // Upstream cannot even decode a wrongly typed keyword, so that is always reported;
    // the other decoding errors repeat what the rules above say and only show alone.
    let wrong_type = decode_errs.iter().any(|e| e.kind == FieldErrorKind::TypeInvalid);
    if errs.is_empty() || wrong_type {
        errs.extend(decode_errs);
    }
    errs
}

/// A decoding failure as a field error: a JSON type error at its field, anything else
/// (`$ref`, …) as upstream's `Invalid` on the schema with an empty value.
fn decode_error(path: &FieldPath, err: &super::schema::SchemaError) -> FieldError {
    match err {
        super::schema::SchemaError::WrongType {
            path: at,
            expected,
            value,
        } => {
            let field = if at.is_empty() {
                path.to_string()
            } else if at.starts_with('[') {
                format!("{path}{at}")
            } else {
                format!("{path}.{at}")
            };
            FieldError::type_invalid(field, value, format!("must be {expected}"))
        }
        other => FieldError::invalid(path, "", other.to_string()),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Level {
    Root,
    Item,
    Field,
}

/// Upstream's `ValidateStructural`: the invariants and the completeness of value
/// validations, sorted by message as upstream sorts them.
pub fn validate_structural(schema: &StructuralSchema, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    invariants(schema, Level::Root, path, &mut errs);
    completeness(schema, path, &mut errs);
    errs.sort_by_cached_key(ToString::to_string);
    errs
}

fn invariants(s: &StructuralSchema, level: Level, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if s.type_name == "array" && s.items.is_none() {
        errs.push(FieldError::required(path.child("items"), "must be specified"));
    }
    if let Some(items) = &s.items {
        invariants(items, Level::Item, &path.child("items"), errs);
    }
    for (name, property) in &s.properties {
        invariants(property, Level::Field, &path.child("properties").key(name), errs);
    }
    if let Some(additional) = &s.additional_properties {
        if level == Level::Root {
            errs.push(FieldError::forbidden(
                path.child("additionalProperties"),
                "must not be used at the root",
            ));
        }
        if let Some(schema) = additional.schema() {
            invariants(schema, Level::Field, &path.child("additionalProperties"), errs);
        }
    }
    extensions(s, path, errs);
    value_validation(
        s,
        is_int_or_string_any_of(&s.any_of),
        is_int_or_string_all_of(s),
        path,
        errs,
    );
    type_rules(s, level, path, errs);
    meta_properties(s, level, path, errs);
    if s.embedded_resource && !s.preserve_unknown_fields && s.properties.is_empty() {
        errs.push(FieldError::required(
            path.child("properties"),
            "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields",
        ));
    }
}

fn extensions(s: &StructuralSchema, path: &FieldPath, errs: &mut Vec<FieldError>) {
    let detail = "must be false if x-kubernetes-int-or-string is true";
    if s.int_or_string && s.preserve_unknown_fields {
        errs.push(FieldError::invalid(
            path.child("x-kubernetes-preserve-unknown-fields"),
            true,
            detail,
        ));
    }
    if s.int_or_string && s.embedded_resource {
        errs.push(FieldError::invalid(
            path.child("x-kubernetes-embedded-resource"),
            true,
            detail,
        ));
    }
}

fn type_rules(s: &StructuralSchema, level: Level, path: &FieldPath, errs: &mut Vec<FieldError>) {
    let embedded_detail = "must be object if x-kubernetes-embedded-resource is true";
    if s.embedded_resource && s.type_name != "object" {
        if s.type_name.is_empty() {
            errs.push(FieldError::required(path.child("type"), embedded_detail));
        } else {
            errs.push(FieldError::invalid(path.child("type"), &s.type_name, embedded_detail));
        }
    } else if s.type_name.is_empty() && !s.int_or_string && !s.preserve_unknown_fields {
        let detail = match level {
            Level::Root => "must not be empty at the root",
            Level::Item => "must not be empty for specified array items",
            Level::Field => "must not be empty for specified object fields",
        };
        errs.push(FieldError::required(path.child("type"), detail));
    }
    if s.embedded_resource && s.additional_properties.is_some() {
        errs.push(FieldError::forbidden(
            path.child("additionalProperties"),
            "must not be used if x-kubernetes-embedded-resource is set",
        ));
    }
    if level == Level::Root && !s.type_name.is_empty() && s.type_name != "object" {
        errs.push(FieldError::invalid(
            path.child("type"),
            &s.type_name,
            "must be object at the root",
        ));
    }
}

/// apiVersion and kind must be strings and metadata an object wherever a resource's
/// type meta is (the root and embedded resources); at the root metadata may only
/// restrict `name` and `generateName`.
fn meta_properties(s: &StructuralSchema, level: Level, path: &FieldPath, errs: &mut Vec<FieldError>) {
    let check_metadata = level == Level::Root || s.embedded_resource;
    let props = path.child("properties");
    for key in ["kind", "apiVersion"] {
        if let Some(property) = s.properties.get(key)
            && check_metadata
            && property.type_name != "string"
        {
            errs.push(FieldError::invalid(
                props.key(key).child("type"),
                &property.type_name,
                "must be string",
            ));
        }
    }
    let Some(metadata) = s.properties.get("metadata") else {
        return;
    };
    let meta_path = props.key("metadata");
    if check_metadata && metadata.type_name != "object" {
        errs.push(FieldError::invalid(
            meta_path.child("type"),
            &metadata.type_name,
            "must be object",
        ));
    }
    if level == Level::Root {
        let mut rest = metadata.clone();
        let named = |k: &str| rest.properties.contains_key(k);
        let only_names = matches!(
            (named("name"), named("generateName"), rest.properties.len()),
            (true, true, 2) | (true, false, 1) | (false, true, 1)
        );
        if only_names {
            rest.properties.clear();
        }
        rest.type_name.clear();
        rest.default = None;
        if rest != StructuralSchema::default() {
            errs.push(FieldError::forbidden(
                meta_path,
                "must not specify anything other than name and generateName, but metadata is implicitly specified",
            ));
        }
    }
}

/// `anyOf: [{type: integer}, {type: string}]` exactly, the int-or-string idiom that may
/// carry types inside `anyOf`.
fn is_int_or_string_any_of(any_of: &[StructuralSchema]) -> bool {
    let typed = |t: &str| StructuralSchema {
        type_name: t.to_string(),
        ..StructuralSchema::default()
    };
    matches!(any_of, [a, b] if *a == typed("integer") && *b == typed("string"))
}

fn is_int_or_string_all_of(s: &StructuralSchema) -> bool {
    s.all_of
        .first()
        .is_some_and(|first| is_int_or_string_any_of(&first.any_of))
}

/// Upstream's `validateValueValidation` over the junctors of `s` (or of a nested node).
fn value_validation(
    s: &StructuralSchema,
    skip_any_of: bool,
    skip_first_all_of_any_of: bool,
    path: &FieldPath,
    errs: &mut Vec<FieldError>,
) {
    if !skip_any_of {
        for (i, nested) in s.any_of.iter().enumerate() {
            nested_value_validation(nested, false, &path.child("anyOf").index(i), errs);
        }
    }
    for (i, nested) in s.all_of.iter().enumerate() {
        let skip = skip_first_all_of_any_of && i == 0;
        nested_value_validation(nested, skip, &path.child("allOf").index(i), errs);
    }
    for (i, nested) in s.one_of.iter().enumerate() {
        nested_value_validation(nested, false, &path.child("oneOf").index(i), errs);
    }
    if let Some(not) = &s.not {
        nested_value_validation(not, false, &path.child("not"), errs);
    }
    if let Some(pattern) = &s.pattern
        && let Err(err) = pattern.regexp()
    {
        errs.push(FieldError::invalid(
            path.child("pattern"),
            &pattern.source,
            format!("must be a valid regular expression, but isn't: {err}"),
        ));
    }
}

/// A node under a junctor: only value validations are allowed, no types, defaults,
/// descriptions or extensions, and no metadata.
fn nested_value_validation(v: &StructuralSchema, skip_any_of: bool, path: &FieldPath, errs: &mut Vec<FieldError>) {
    value_validation(v, skip_any_of, false, path, errs);
    if let Some(items) = &v.items {
        nested_value_validation(items, false, &path.child("items"), errs);
    }
    for (name, property) in &v.properties {
        nested_value_validation(property, false, &path.child("properties").key(name), errs);
    }
    let forbid = |errs: &mut Vec<FieldError>, field: &str, detail: &str| {
        errs.push(FieldError::forbidden(path.child(field), detail))
    };
    if !v.type_name.is_empty() {
        forbid(errs, "type", "must be empty to be structural");
    }
    if matches!(
        v.additional_properties,
        Some(AdditionalProperties::Schema(_)) | Some(AdditionalProperties::Bool(true))
    ) {
        forbid(errs, "additionalProperties", "must be undefined to be structural");
    }
    if v.default.is_some() {
        forbid(errs, "default", "must be undefined to be structural");
    }
    if !v.title.is_empty() {
        forbid(errs, "title", "must be empty to be structural");
    }
    if !v.description.is_empty() {
        forbid(errs, "description", "must be empty to be structural");
    }
    if v.nullable {
        forbid(errs, "nullable", "must be false to be structural");
    }
    if v.preserve_unknown_fields {
        forbid(
            errs,
            "x-kubernetes-preserve-unknown-fields",
            "must be false to be structural",
        );
    }
    if v.embedded_resource {
        forbid(errs, "x-kubernetes-embedded-resource", "must be false to be structural");
    }
    if v.int_or_string {
        forbid(errs, "x-kubernetes-int-or-string", "must be false to be structural");
    }
    if !v.list_map_keys.is_empty() {
        forbid(errs, "x-kubernetes-list-map-keys", "must be empty to be structural");
    }
    if v.list_type.is_some() {
        forbid(errs, "x-kubernetes-list-type", "must be undefined to be structural");
    }
    if v.map_type.is_some() {
        forbid(errs, "x-kubernetes-map-type", "must be undefined to be structural");
    }
    if !v.validations.is_empty() {
        forbid(errs, "x-kubernetes-validations", "must be empty to be structural");
    }
    if v.properties.contains_key("metadata") {
        errs.push(FieldError::forbidden(
            path.child("properties").key("metadata"),
            "must not be specified in a nested context",
        ));
    }
}

/// Every property or items a junctor talks about must also be described structurally.
fn completeness(s: &StructuralSchema, path: &FieldPath, errs: &mut Vec<FieldError>) {
    value_validation_completeness(s, Some(s), path, path, errs);
}

fn value_validation_completeness(
    v: &StructuralSchema,
    s: Option<&StructuralSchema>,
    s_path: &FieldPath,
    v_path: &FieldPath,
    errs: &mut Vec<FieldError>,
) {
    if let Some(not) = &v.not {
        nested_completeness(not, s, s_path, &v_path.child("not"), errs);
    }
    for (junctor, list) in [("allOf", &v.all_of), ("anyOf", &v.any_of), ("oneOf", &v.one_of)] {
        for (i, nested) in list.iter().enumerate() {
            nested_completeness(nested, s, s_path, &v_path.child(junctor).index(i), errs);
        }
    }
}

fn nested_completeness(
    v: &StructuralSchema,
    s: Option<&StructuralSchema>,
    s_path: &FieldPath,
    v_path: &FieldPath,
    errs: &mut Vec<FieldError>,
) {
    let Some(s) = s else {
        errs.push(FieldError::required(
            s_path,
            format!("because it is defined in {v_path}"),
        ));
        return;
    };
    value_validation_completeness(v, Some(s), s_path, v_path, errs);
    if let Some(items) = &v.items {
        nested_completeness(
            items,
            s.items.as_deref(),
            &s_path.child("items"),
            &v_path.child("items"),
            errs,
        );
    }
    for (name, property) in &v.properties {
        let s_property = s_path.child("properties").key(name);
        let v_property = v_path.child("properties").key(name);
        match s.properties.get(name) {
            Some(described) => nested_completeness(property, Some(described), &s_property, &v_property, errs),
            None => errs.push(FieldError::required(
                s_property,
                format!("because it is defined in {v_property}"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn path() -> FieldPath {
        FieldPath::new("spec")
            .child("versions")
            .index(0)
            .child("schema")
            .child("openAPIV3Schema")
    }

    fn structural(schema: Value) -> Vec<String> {
        let s = StructuralSchema::from_json(&schema).expect("decodes");
        validate_structural(&s, &path())
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    const P: &str = "spec.versions[0].schema.openAPIV3Schema";

    #[test]
    fn types_are_required_at_every_level() {
        assert_eq!(
            structural(
                json!({"properties": {"spec": {"properties": {"a": {}}}, "list": {"type": "array",
                "items": {}}, "arr": {"type": "array"}}})
            ),
            [
                format!("{P}.properties[arr].items: Required value: must be specified"),
                format!("{P}.properties[list].items.type: Required value: must not be empty for specified array items"),
                format!(
                    "{P}.properties[spec].properties[a].type: Required value: must not be empty for specified object fields"
                ),
                format!("{P}.properties[spec].type: Required value: must not be empty for specified object fields"),
                format!("{P}.type: Required value: must not be empty at the root"),
            ]
        );
        assert!(
            structural(json!({"type": "object", "properties": {
            "free": {"x-kubernetes-preserve-unknown-fields": true},
            "port": {"x-kubernetes-int-or-string": true}}}))
            .is_empty()
        );
    }

    #[test]
    fn root_rules() {
        assert_eq!(
            structural(json!({"type": "string"})),
            [format!(
                r#"{P}.type: Invalid value: "string": must be object at the root"#
            )]
        );
        assert_eq!(
            structural(json!({"type": "object", "additionalProperties": {"type": "string"}})),
            [format!(
                "{P}.additionalProperties: Forbidden: must not be used at the root"
            )]
        );
        assert_eq!(
            structural(json!({"type": "object", "properties": {"kind": {"type": "integer"},
                "apiVersion": {"type": "string"}, "metadata": {"type": "string"}}})),
            [
                format!(r#"{P}.properties[kind].type: Invalid value: "integer": must be string"#),
                format!(r#"{P}.properties[metadata].type: Invalid value: "string": must be object"#),
            ]
        );
    }

    #[test]
    fn root_metadata_may_only_restrict_names() {
        assert!(
            structural(json!({"type": "object", "properties": {"metadata": {"type": "object",
            "properties": {"name": {"type": "string", "maxLength": 10}, "generateName": {"type": "string"}}}}}))
            .is_empty()
        );
        assert_eq!(
            structural(json!({"type": "object", "properties": {"metadata": {"type": "object",
                "properties": {"labels": {"type": "object"}}}}})),
            [format!(
                "{P}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified"
            )]
        );
    }

    #[test]
    fn embedded_resources_and_int_or_string() {
        assert_eq!(
            structural(json!({"type": "object", "properties": {
                "a": {"x-kubernetes-embedded-resource": true},
                "b": {"type": "string", "x-kubernetes-embedded-resource": true},
                "c": {"type": "object", "x-kubernetes-embedded-resource": true, "additionalProperties": {"type": "string"}},
                "d": {"x-kubernetes-int-or-string": true, "x-kubernetes-preserve-unknown-fields": true},
                "e": {"type": "object", "x-kubernetes-int-or-string": true, "x-kubernetes-embedded-resource": true,
                      "x-kubernetes-preserve-unknown-fields": true}}})),
            [
                format!(
                    "{P}.properties[a].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields"
                ),
                format!(
                    "{P}.properties[a].type: Required value: must be object if x-kubernetes-embedded-resource is true"
                ),
                format!(
                    "{P}.properties[b].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields"
                ),
                format!(
                    r#"{P}.properties[b].type: Invalid value: "string": must be object if x-kubernetes-embedded-resource is true"#
                ),
                format!(
                    "{P}.properties[c].additionalProperties: Forbidden: must not be used if x-kubernetes-embedded-resource is set"
                ),
                format!(
                    "{P}.properties[c].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields"
                ),
                format!(
                    "{P}.properties[d].x-kubernetes-preserve-unknown-fields: Invalid value: true: must be false if x-kubernetes-int-or-string is true"
                ),
                format!(
                    "{P}.properties[e].x-kubernetes-embedded-resource: Invalid value: true: must be false if x-kubernetes-int-or-string is true"
                ),
                format!(
                    "{P}.properties[e].x-kubernetes-preserve-unknown-fields: Invalid value: true: must be false if x-kubernetes-int-or-string is true"
                ),
            ]
        );
    }

    #[test]
    fn junctors_hold_value_validations_only() {
        assert!(
            structural(
                json!({"type": "object", "properties": {"port": {"x-kubernetes-int-or-string": true,
            "anyOf": [{"type": "integer"}, {"type": "string"}]},
            "p2": {"x-kubernetes-int-or-string": true,
            "allOf": [{"anyOf": [{"type": "integer"}, {"type": "string"}]}, {"pattern": "^a"}]}}})
            )
            .is_empty()
        );
        assert_eq!(
            structural(json!({"type": "object", "properties": {"a": {"type": "string",
                "anyOf": [{"type": "string", "description": "d", "default": "x", "nullable": true,
                           "properties": {"metadata": {}}}]}}})),
            [
                format!("{P}.properties[a].anyOf[0].default: Forbidden: must be undefined to be structural"),
                format!("{P}.properties[a].anyOf[0].description: Forbidden: must be empty to be structural"),
                format!("{P}.properties[a].anyOf[0].nullable: Forbidden: must be false to be structural"),
                format!(
                    "{P}.properties[a].anyOf[0].properties[metadata]: Forbidden: must not be specified in a nested context"
                ),
                format!("{P}.properties[a].anyOf[0].type: Forbidden: must be empty to be structural"),
            ]
        );
    }

    /// Upstream checks this for the junctors at the root only.
    #[test]
    fn junctors_must_talk_about_described_fields() {
        assert_eq!(
            structural(json!({"type": "object", "properties": {"spec": {"type": "object"}},
                "oneOf": [{"required": ["a"]}, {"properties": {"b": {"minimum": 1}}}],
                "anyOf": [{"properties": {"spec": {"properties": {"c": {"items": {}}}}}}],
                "not": {"items": {}}})),
            [
                format!("{P}.items: Required value: because it is defined in {P}.not.items"),
                format!("{P}.properties[b]: Required value: because it is defined in {P}.oneOf[1].properties[b]"),
                format!(
                    "{P}.properties[spec].properties[c]: Required value: because it is defined in {P}.anyOf[0].properties[spec].properties[c]"
                ),
            ]
        );
        assert!(
            structural(json!({"type": "object", "properties": {"spec": {"type": "object",
            "not": {"properties": {"undeclared": {}}}}}}))
            .is_empty()
        );
    }

    #[test]
    fn invalid_patterns() {
        assert_eq!(
            structural(json!({"type": "object", "properties": {"a": {"type": "string", "pattern": "(x"}}})),
            [format!(
                r#"{P}.properties[a].pattern: Invalid value: "(x": must be a valid regular expression, but isn't: error parsing regexp: missing closing ): `(x`"#
            )]
        );
    }

    #[test]
    fn check_structural_runs_every_stage() {
        let errs: Vec<String> = check_structural(
            &json!({"type": "object", "nullable": true, "properties": {"spec": {"type": "object",
                "properties": {"a": {"type": "integer", "default": "x"}}}}}),
            &path(),
        )
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(
            errs,
            [
                format!("{P}.nullable: Forbidden: nullable cannot be true at the root"),
                format!(
                    r#"{P}.properties[spec].properties[a].default: Invalid value: "string":  in body must be of type integer: "string""#
                ),
            ]
        );
        // Type errors in the schema are always reported.
        let errs: Vec<String> = check_structural(
            &json!({"type": "object", "uniqueItems": true, "properties": {"a": {"type": 5}}}),
            &path(),
        )
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(
            errs,
            [
                format!(
                    "{P}.uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic"
                ),
                format!("{P}.properties[a].type: Invalid value: 5: must be a string"),
            ]
        );
        // Other decoding errors only show when nothing else is wrong.
        let errs = check_structural(
            &json!({"type": "object", "properties": {"a": {"$ref": "#/x"}}}),
            &path(),
        );
        assert_eq!(
            errs.iter().map(ToString::to_string).collect::<Vec<_>>(),
            [format!("{P}.properties[a].$ref: Forbidden: $ref is not supported")]
        );
    }
}
