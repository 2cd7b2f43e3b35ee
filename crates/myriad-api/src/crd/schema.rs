//! A CRD version's `openAPIV3Schema` decoded once into the shape the server works with
//! (upstream `apiextensions-apiserver/pkg/apiserver/schema`: `structural.go`,
//! `convert.go`).
//!
//! Upstream keeps two types: `Structural` for the tree that describes fields and
//! `NestedValueValidation` for what sits under `allOf`/`anyOf`/`oneOf`/`not`. Both are
//! one [`StructuralSchema`] here; the structural rules ([`super::structural`]) tell the
//! positions apart. Decoding is the `NewStructural` step: it refuses the JSON-Schema
//! features Kubernetes does not support, with upstream's messages, and compiles
//! `pattern` once so validating an object never compiles a regular expression.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::go_regexp::GoRegexp;

/// Why a schema could not be decoded. `Display` is upstream's wording where upstream
/// has one (`NewStructural`'s errors).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    /// A JSON-Schema keyword Kubernetes rejects (`$ref`, `definitions`, …).
    #[error("OpenAPIV3Schema '{0}' is not supported")]
    Unsupported(&'static str),
    /// `items` given as a list of schemas (tuple validation).
    #[error("OpenAPIV3Schema 'items' must be a schema, but is an array")]
    ItemsArray,
    /// `x-kubernetes-preserve-unknown-fields: false`.
    #[error("internal error: 'x-kubernetes-preserve-unknown-fields' must be true or undefined")]
    PreserveUnknownFieldsFalse,
    /// A keyword whose JSON value has the wrong type; upstream fails to decode the CRD.
    #[error("{path}: must be {expected}")]
    WrongType {
        /// Where, relative to the schema root, in field-path form (`properties[spec].type`).
        path: String,
        /// The JSON type the keyword needs (`a string`, `an object`, …).
        expected: &'static str,
        /// The value found.
        value: Value,
    },
}

/// `additionalProperties`: a schema for the values of a map, or a plain allow/deny.
#[derive(Clone, Debug, PartialEq)]
pub enum AdditionalProperties {
    /// `true` (any value, unvalidated) or `false` (no other keys).
    Bool(bool),
    /// Every key not in `properties` has a value of this schema.
    Schema(Box<StructuralSchema>),
}

impl AdditionalProperties {
    /// The value schema, if one is given.
    pub fn schema(&self) -> Option<&StructuralSchema> {
        match self {
            Self::Schema(schema) => Some(schema),
            Self::Bool(_) => None,
        }
    }
}

/// A compiled `pattern`. Compared by its source text.
#[derive(Clone, Debug)]
pub struct Pattern {
    pub source: String,
    compiled: Result<GoRegexp, String>,
}

impl Pattern {
    fn new(source: &str) -> Self {
        Self {
            source: source.to_string(),
            compiled: GoRegexp::new(source),
        }
    }

    /// The compiled expression, or Go's compile error text for an invalid one.
    pub fn regexp(&self) -> Result<&GoRegexp, &str> {
        self.compiled.as_ref().map_err(String::as_str)
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

/// One node of a CRD schema: the field description (type, properties, items), its
/// value validations, and the Kubernetes extensions. Strings are empty and options
/// `None` when the keyword is absent, as upstream's zero values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StructuralSchema {
    /// `type`: object, array, string, integer, number, boolean; empty when absent.
    pub type_name: String,
    pub format: String,
    pub title: String,
    pub description: String,
    pub nullable: bool,
    pub default: Option<Value>,
    pub example: Option<Value>,
    pub external_docs: Option<Value>,

    pub properties: BTreeMap<String, StructuralSchema>,
    pub additional_properties: Option<AdditionalProperties>,
    pub items: Option<Box<StructuralSchema>>,

    pub maximum: Option<f64>,
    pub exclusive_maximum: bool,
    pub minimum: Option<f64>,
    pub exclusive_minimum: bool,
    pub max_length: Option<i64>,
    pub min_length: Option<i64>,
    pub pattern: Option<Pattern>,
    pub max_items: Option<i64>,
    pub min_items: Option<i64>,
    pub unique_items: bool,
    pub multiple_of: Option<f64>,
    /// `enum`; empty when absent (an empty list restricts nothing upstream either).
    pub enum_values: Vec<Value>,
    pub max_properties: Option<i64>,
    pub min_properties: Option<i64>,
    pub required: Vec<String>,
    pub all_of: Vec<StructuralSchema>,
    pub one_of: Vec<StructuralSchema>,
    pub any_of: Vec<StructuralSchema>,
    pub not: Option<Box<StructuralSchema>>,

    /// `x-kubernetes-preserve-unknown-fields: true`.
    pub preserve_unknown_fields: bool,
    /// `x-kubernetes-embedded-resource: true`: the value is a whole object with
    /// apiVersion, kind and metadata (a pod template, say).
    pub embedded_resource: bool,
    /// `x-kubernetes-int-or-string: true`: an integer or a string.
    pub int_or_string: bool,
    /// `x-kubernetes-list-type`: atomic, set or map.
    pub list_type: Option<String>,
    /// `x-kubernetes-list-map-keys`: the keys of a `map` list.
    pub list_map_keys: Vec<String>,
    /// `x-kubernetes-map-type`: atomic or granular.
    pub map_type: Option<String>,
    /// `x-kubernetes-validations` (CEL rules), kept as given; not evaluated here.
    pub validations: Vec<Value>,
}

impl StructuralSchema {
    /// Decodes an `openAPIV3Schema` (upstream's `NewStructural`). Unknown keywords are
    /// ignored, as decoding `JSONSchemaProps` ignores them.
    pub fn from_json(schema: &Value) -> Result<Self, SchemaError> {
        Decoder::default().schema(schema)
    }

    /// The schema of property `name`: the declared one, else `additionalProperties`'.
    pub fn property(&self, name: &str) -> Option<&StructuralSchema> {
        self.properties.get(name).or_else(|| {
            self.additional_properties
                .as_ref()
                .and_then(AdditionalProperties::schema)
        })
    }
}

/// Walks a schema keeping the field path for type errors.
#[derive(Default)]
struct Decoder {
    path: Vec<String>,
}

impl Decoder {
    fn path_to(&self, key: &str) -> String {
        let mut out = String::new();
        for part in self.path.iter().map(String::as_str).chain([key]) {
            if part.starts_with('[') || out.is_empty() {
                out.push_str(part);
            } else {
                out.push('.');
                out.push_str(part);
            }
        }
        out
    }

    fn wrong(&self, key: &str, expected: &'static str, value: &Value) -> SchemaError {
        SchemaError::WrongType {
            path: self.path_to(key),
            expected,
            value: value.clone(),
        }
    }

    fn nested<T>(
        &mut self,
        parts: &[&str],
        f: impl FnOnce(&mut Self) -> Result<T, SchemaError>,
    ) -> Result<T, SchemaError> {
        let depth = self.path.len();
        self.path.extend(parts.iter().map(|p| p.to_string()));
        let out = f(self);
        self.path.truncate(depth);
        out
    }

    fn schema(&mut self, value: &Value) -> Result<StructuralSchema, SchemaError> {
        let Some(map) = value.as_object() else {
            return Err(self.wrong("", "an object", value));
        };
        check_unsupported(map)?;
        let mut s = StructuralSchema::default();
        self.value_validation(map, &mut s)?;
        self.generics(map, &mut s)?;
        self.extensions(map, &mut s)?;
        if let Some(items) = present(map, "items") {
            if items.is_array() {
                return Err(SchemaError::ItemsArray);
            }
            s.items = Some(Box::new(self.nested(&["items"], |d| d.schema(items))?));
        }
        if let Some(props) = present(map, "properties") {
            let Some(props) = props.as_object() else {
                return Err(self.wrong("properties", "an object", props));
            };
            for (name, prop) in props {
                let key = format!("[{name}]");
                let schema = self.nested(&["properties", &key], |d| d.schema(prop))?;
                s.properties.insert(name.clone(), schema);
            }
        }
        if let Some(additional) = present(map, "additionalProperties") {
            s.additional_properties = Some(match additional {
                Value::Bool(allows) => AdditionalProperties::Bool(*allows),
                other => {
                    AdditionalProperties::Schema(Box::new(self.nested(&["additionalProperties"], |d| d.schema(other))?))
                }
            });
        }
        Ok(s)
    }

    fn value_validation(&mut self, map: &Map<String, Value>, s: &mut StructuralSchema) -> Result<(), SchemaError> {
        if let Some(not) = present(map, "not") {
            s.not = Some(Box::new(self.nested(&["not"], |d| d.schema(not))?));
        }
        s.format = self.string(map, "format")?;
        s.maximum = self.float(map, "maximum")?;
        s.exclusive_maximum = self.boolean(map, "exclusiveMaximum")?;
        s.minimum = self.float(map, "minimum")?;
        s.exclusive_minimum = self.boolean(map, "exclusiveMinimum")?;
        s.max_length = self.int(map, "maxLength")?;
        s.min_length = self.int(map, "minLength")?;
        let pattern = self.string(map, "pattern")?;
        s.pattern = (!pattern.is_empty()).then(|| Pattern::new(&pattern));
        s.max_items = self.int(map, "maxItems")?;
        s.min_items = self.int(map, "minItems")?;
        s.unique_items = self.boolean(map, "uniqueItems")?;
        s.multiple_of = self.float(map, "multipleOf")?;
        s.max_properties = self.int(map, "maxProperties")?;
        s.min_properties = self.int(map, "minProperties")?;
        s.required = self.strings(map, "required")?;
        if let Some(values) = present(map, "enum") {
            let Some(values) = values.as_array() else {
                return Err(self.wrong("enum", "a list", values));
            };
            s.enum_values = values.clone();
        }
        s.all_of = self.schemas(map, "allOf")?;
        s.any_of = self.schemas(map, "anyOf")?;
        s.one_of = self.schemas(map, "oneOf")?;
        Ok(())
    }

    fn generics(&mut self, map: &Map<String, Value>, s: &mut StructuralSchema) -> Result<(), SchemaError> {
        s.type_name = self.string(map, "type")?;
        s.description = self.string(map, "description")?;
        s.title = self.string(map, "title")?;
        s.nullable = self.boolean(map, "nullable")?;
        s.default = present(map, "default").cloned();
        s.example = present(map, "example").cloned();
        s.external_docs = present(map, "externalDocs").cloned();
        Ok(())
    }

    fn extensions(&mut self, map: &Map<String, Value>, s: &mut StructuralSchema) -> Result<(), SchemaError> {
        s.embedded_resource = self.boolean(map, "x-kubernetes-embedded-resource")?;
        s.int_or_string = self.boolean(map, "x-kubernetes-int-or-string")?;
        s.list_map_keys = self.strings(map, "x-kubernetes-list-map-keys")?;
        s.list_type = self.optional_string(map, "x-kubernetes-list-type")?;
        s.map_type = self.optional_string(map, "x-kubernetes-map-type")?;
        if let Some(rules) = present(map, "x-kubernetes-validations") {
            let Some(rules) = rules.as_array() else {
                return Err(self.wrong("x-kubernetes-validations", "a list", rules));
            };
            s.validations = rules.clone();
        }
        match present(map, "x-kubernetes-preserve-unknown-fields") {
            None => {}
            Some(Value::Bool(true)) => s.preserve_unknown_fields = true,
            Some(Value::Bool(false)) => return Err(SchemaError::PreserveUnknownFieldsFalse),
            Some(other) => return Err(self.wrong("x-kubernetes-preserve-unknown-fields", "a boolean", other)),
        }
        Ok(())
    }

    fn schemas(&mut self, map: &Map<String, Value>, key: &str) -> Result<Vec<StructuralSchema>, SchemaError> {
        let Some(list) = present(map, key) else {
            return Ok(Vec::new());
        };
        let Some(list) = list.as_array() else {
            return Err(self.wrong(key, "a list", list));
        };
        let mut out = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            let index = format!("[{i}]");
            out.push(self.nested(&[key, &index], |d| d.schema(item))?);
        }
        Ok(out)
    }

    fn string(&self, map: &Map<String, Value>, key: &str) -> Result<String, SchemaError> {
        Ok(self.optional_string(map, key)?.unwrap_or_default())
    }

    fn optional_string(&self, map: &Map<String, Value>, key: &str) -> Result<Option<String>, SchemaError> {
        match present(map, key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.wrong(key, "a string", other)),
        }
    }

    fn strings(&self, map: &Map<String, Value>, key: &str) -> Result<Vec<String>, SchemaError> {
        let Some(list) = present(map, key) else {
            return Ok(Vec::new());
        };
        list.as_array()
            .and_then(|items| items.iter().map(|i| i.as_str().map(str::to_string)).collect())
            .ok_or_else(|| self.wrong(key, "a list of strings", list))
    }

    fn boolean(&self, map: &Map<String, Value>, key: &str) -> Result<bool, SchemaError> {
        match present(map, key) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(self.wrong(key, "a boolean", other)),
        }
    }

    fn float(&self, map: &Map<String, Value>, key: &str) -> Result<Option<f64>, SchemaError> {
        match present(map, key) {
            None => Ok(None),
            Some(v) => v.as_f64().map(Some).ok_or_else(|| self.wrong(key, "a number", v)),
        }
    }

    fn int(&self, map: &Map<String, Value>, key: &str) -> Result<Option<i64>, SchemaError> {
        match present(map, key) {
            None => Ok(None),
            Some(v) => v.as_i64().map(Some).ok_or_else(|| self.wrong(key, "an integer", v)),
        }
    }
}

/// A keyword's value; `null` counts as absent, as when Go decodes into a pointer.
pub(crate) fn present<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).filter(|v| !v.is_null())
}

/// Upstream's `validateUnsupportedFields`, in its order.
fn check_unsupported(map: &Map<String, Value>) -> Result<(), SchemaError> {
    let non_empty = |key: &str| present(map, key).is_some_and(|v| !is_empty_value(v));
    for (key, name) in [
        ("id", "id"),
        ("$schema", "schema"),
        ("$ref", "$ref"),
        ("patternProperties", "patternProperties"),
    ] {
        if non_empty(key) {
            return Err(SchemaError::Unsupported(name));
        }
    }
    if non_empty("dependencies") {
        return Err(SchemaError::Unsupported("dependencies"));
    }
    if present(map, "additionalItems").is_some() {
        return Err(SchemaError::Unsupported("additionalItems"));
    }
    if non_empty("definitions") {
        return Err(SchemaError::Unsupported("definitions"));
    }
    Ok(())
}

/// Go's `len(x) == 0` for a decoded string, list or map.
pub(crate) fn is_empty_value(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_every_keyword() {
        let s = StructuralSchema::from_json(&json!({
            "type": "object",
            "description": "d", "title": "t", "nullable": true, "default": {"a": 1}, "example": 1,
            "externalDocs": {"url": "u"},
            "properties": {"a": {"type": "string", "pattern": "^a$", "maxLength": 3, "minLength": 1,
                                 "format": "date", "enum": ["a"]},
                           "n": {"type": "number", "maximum": 5, "exclusiveMaximum": true, "minimum": 1.5,
                                 "exclusiveMinimum": true, "multipleOf": 0.5},
                           "l": {"type": "array", "items": {"type": "integer"}, "maxItems": 3, "minItems": 1,
                                 "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["k"]},
                           "m": {"type": "object", "additionalProperties": {"type": "string"},
                                 "x-kubernetes-map-type": "atomic", "maxProperties": 2, "minProperties": 1},
                           "b": {"type": "object", "additionalProperties": false},
                           "x": {"x-kubernetes-int-or-string": true, "anyOf": [{"type": "integer"}, {"type": "string"}]},
                           "e": {"type": "object", "x-kubernetes-embedded-resource": true,
                                 "x-kubernetes-preserve-unknown-fields": true}},
            "required": ["a"], "allOf": [{"required": ["n"]}], "oneOf": [{}], "not": {"required": ["x"]},
            "x-kubernetes-validations": [{"rule": "true"}],
            "unknownKeyword": 1,
        }))
        .expect("decodes");
        assert_eq!(s.type_name, "object");
        assert!(s.nullable);
        assert_eq!(s.default, Some(json!({"a": 1})));
        assert_eq!(s.required, vec!["a"]);
        assert_eq!(s.all_of[0].required, vec!["n"]);
        assert_eq!(s.one_of.len(), 1);
        assert_eq!(s.not.as_ref().map(|n| n.required.clone()), Some(vec!["x".to_string()]));
        assert_eq!(s.validations.len(), 1);
        let a = &s.properties["a"];
        assert_eq!(a.pattern.as_ref().map(|p| p.source.as_str()), Some("^a$"));
        assert_eq!(
            (a.max_length, a.min_length, a.format.as_str()),
            (Some(3), Some(1), "date")
        );
        assert_eq!(a.enum_values, vec![json!("a")]);
        let n = &s.properties["n"];
        assert_eq!((n.maximum, n.minimum, n.multiple_of), (Some(5.0), Some(1.5), Some(0.5)));
        assert!(n.exclusive_maximum && n.exclusive_minimum);
        let l = &s.properties["l"];
        assert_eq!(l.items.as_ref().map(|i| i.type_name.as_str()), Some("integer"));
        assert_eq!((l.max_items, l.min_items), (Some(3), Some(1)));
        assert_eq!(l.list_type.as_deref(), Some("map"));
        assert_eq!(l.list_map_keys, vec!["k"]);
        let m = &s.properties["m"];
        assert_eq!(m.property("anything").map(|p| p.type_name.as_str()), Some("string"));
        assert_eq!(m.map_type.as_deref(), Some("atomic"));
        assert_eq!(
            s.properties["b"].additional_properties,
            Some(AdditionalProperties::Bool(false))
        );
        assert!(s.properties["x"].int_or_string);
        assert_eq!(s.properties["x"].any_of.len(), 2);
        assert!(s.properties["e"].embedded_resource && s.properties["e"].preserve_unknown_fields);
    }

    #[test]
    fn rejects_what_new_structural_rejects() {
        let cases = [
            (json!({"id": "x"}), "OpenAPIV3Schema 'id' is not supported"),
            (json!({"$schema": "x"}), "OpenAPIV3Schema 'schema' is not supported"),
            (json!({"$ref": "#/x"}), "OpenAPIV3Schema '$ref' is not supported"),
            (
                json!({"patternProperties": {"a": {}}}),
                "OpenAPIV3Schema 'patternProperties' is not supported",
            ),
            (
                json!({"dependencies": {"a": ["b"]}}),
                "OpenAPIV3Schema 'dependencies' is not supported",
            ),
            (
                json!({"additionalItems": false}),
                "OpenAPIV3Schema 'additionalItems' is not supported",
            ),
            (
                json!({"definitions": {"a": {}}}),
                "OpenAPIV3Schema 'definitions' is not supported",
            ),
            (
                json!({"type": "array", "items": [{}]}),
                "OpenAPIV3Schema 'items' must be a schema, but is an array",
            ),
            (
                json!({"properties": {"a": {"x-kubernetes-preserve-unknown-fields": false}}}),
                "internal error: 'x-kubernetes-preserve-unknown-fields' must be true or undefined",
            ),
            (
                json!({"properties": {"a": {"allOf": [{"$ref": "x"}]}}}),
                "OpenAPIV3Schema '$ref' is not supported",
            ),
        ];
        for (schema, want) in cases {
            let err = StructuralSchema::from_json(&schema).expect_err("must fail");
            assert_eq!(err.to_string(), want, "{schema}");
        }
    }

    #[test]
    fn reports_wrong_json_types_with_their_path() {
        let err = StructuralSchema::from_json(&json!({"properties": {"spec": {"properties": {"a": {"type": 5}}}}}))
            .expect_err("must fail");
        assert_eq!(err.to_string(), "properties[spec].properties[a].type: must be a string");
        let err = StructuralSchema::from_json(&json!({"anyOf": [{"maxLength": 1.5}]})).expect_err("must fail");
        assert_eq!(err.to_string(), "anyOf[0].maxLength: must be an integer");
        let err = StructuralSchema::from_json(&json!("object")).expect_err("must fail");
        assert_eq!(err.to_string(), ": must be an object");
    }

    #[test]
    fn null_keywords_are_absent() {
        let s = StructuralSchema::from_json(&json!({"type": null, "default": null, "$ref": null})).expect("decodes");
        assert_eq!(s, StructuralSchema::default());
    }
}
