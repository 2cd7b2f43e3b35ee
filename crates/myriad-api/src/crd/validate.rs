//! Validating a custom object against its version's schema, as upstream's custom
//! resource strategy does: kube-openapi's schema validator
//! (`k8s.io/kube-openapi/pkg/validation/validate`, turned into field errors by
//! `apiextensions-apiserver/pkg/apiserver/validation`), then the embedded resources'
//! apiVersion/kind/metadata (`schema/objectmeta`), then the uniqueness of
//! `x-kubernetes-list-type` set and map lists (`schema/listtype`).
//!
//! kube-openapi's quirks are kept because clients see them: a type error shows the
//! JSON type found as the value (`spec.replicas: Invalid value: "string": spec.replicas
//! in body must be of type integer: "string"`); a number with an integral value (`1.0`)
//! passes as an integer; paths into maps use dots (`spec.labels.a`), not brackets;
//! errors that are not about one field (`"spec" must validate one and only one schema
//! (oneOf)`, range checks of `int32` values) carry the path `<nil>`. Properties are
//! visited in name order (upstream's order is Go's random map order).

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::formats;
use super::schema::{AdditionalProperties, StructuralSchema};
use crate::field_error::{FieldError, FieldPath, FieldValue};
use crate::go_format;
use crate::validation::{NameRule, is_dns1035_label, validate_object_meta};

/// Validates a custom object (`object` is the whole resource) against `schema`:
/// schema errors, then embedded resources, then list-type uniqueness. The root's own
/// apiVersion, kind and metadata are the server's generic checks, not done here.
pub fn validate(object: &Value, schema: &StructuralSchema) -> Vec<FieldError> {
    let mut errs = validate_value(None, object, schema);
    errs.extend(validate_embedded_resources(
        &FieldPath::default(),
        object,
        schema,
        false,
    ));
    errs.extend(validate_list_types(&FieldPath::default(), object, schema));
    errs
}

/// The schema validation alone (upstream's `ValidateCustomResource`): `value` against
/// `schema`, error paths under `path` (`None` for a whole object; `status` when a status
/// update is validated against the status schema; `….default` for a default value).
pub fn validate_value(path: Option<&FieldPath>, value: &Value, schema: &StructuralSchema) -> Vec<FieldError> {
    let result = Validator.schema(schema, &OpenApiPath::Root, value);
    result.errors.iter().map(|e| e.to_field_error(path)).collect()
}

/// kube-openapi's path of a value: property names joined with `.`, `[i]` for items, and
/// `.key` for map entries even at the root. Rendered only when an error needs it.
#[derive(Clone, Copy)]
enum OpenApiPath<'a> {
    Root,
    Property(&'a OpenApiPath<'a>, &'a str),
    Entry(&'a OpenApiPath<'a>, &'a str),
    Index(&'a OpenApiPath<'a>, usize),
}

impl OpenApiPath<'_> {
    fn render(&self) -> String {
        match self {
            Self::Root => String::new(),
            Self::Property(parent, name) => {
                let parent = parent.render();
                if parent.is_empty() {
                    (*name).to_string()
                } else {
                    format!("{parent}.{name}")
                }
            }
            Self::Entry(parent, key) => format!("{}.{key}", parent.render()),
            Self::Index(parent, i) => format!("{}[{i}]", parent.render()),
        }
    }
}

/// kube-openapi's error codes (`errors/schema.go`); they decide which field error an
/// error becomes.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Code {
    InvalidType,
    Required,
    TooLong,
    Enum,
    MaxItems,
    TooManyProperties,
    /// Any other `errors.Validation` (pattern, bounds, minItems, …): `Invalid`.
    OtherValidation,
    /// Not a `Validation` (composite schema messages, range checks): `Invalid` at `<nil>`.
    NotValidation,
}

/// One kube-openapi error: its code, the value path (`Name`), the offending value, the
/// bound (`Valid`), the enum values, and its message.
#[derive(Clone, Debug)]
struct OpenApiError {
    code: Code,
    name: String,
    value: Option<Value>,
    valid: Option<i64>,
    values: Vec<Value>,
    message: String,
}

impl OpenApiError {
    fn new(code: Code, name: String, value: Option<Value>, message: String) -> Self {
        Self {
            code,
            name,
            value,
            valid: None,
            values: Vec::new(),
            message,
        }
    }

    fn plain(message: String) -> Self {
        Self::new(Code::NotValidation, String::new(), None, message)
    }

    /// Upstream's `kubeOpenAPIResultToFieldErrors` for one error.
    fn to_field_error(&self, base: Option<&FieldPath>) -> FieldError {
        let value = || {
            self.value
                .as_ref()
                .map_or(FieldValue::String(String::new()), FieldValue::from_json)
        };
        if self.code == Code::NotValidation {
            return FieldError::invalid(render_base(base), FieldValue::String(String::new()), &self.message);
        }
        let name = self.name.trim_start_matches('.');
        let path = match (base, name.is_empty() || self.name == ".") {
            (Some(base), true) => base.to_string(),
            (None, true) => "<nil>".to_string(),
            (Some(base), false) => base.child(name).to_string(),
            (None, false) => name.to_string(),
        };
        let count = |v: &Option<Value>| v.as_ref().and_then(Value::as_i64).unwrap_or(-1);
        match self.code {
            Code::Required => FieldError::required(path, ""),
            Code::Enum => {
                let values: Vec<String> = self.values.iter().map(enum_value_text).collect();
                let values: Vec<&str> = values.iter().map(String::as_str).collect();
                FieldError::not_supported(path, value(), &values)
            }
            Code::TooLong => FieldError::too_long(path, self.valid.unwrap_or(-1)),
            Code::MaxItems | Code::TooManyProperties => {
                FieldError::too_many(path, count(&self.value), self.valid.unwrap_or(-1))
            }
            Code::InvalidType => FieldError::type_invalid(path, value(), &self.message),
            Code::OtherValidation | Code::NotValidation => FieldError::invalid(path, value(), &self.message),
        }
    }
}

fn render_base(base: Option<&FieldPath>) -> String {
    base.map_or_else(|| "<nil>".to_string(), FieldPath::to_string)
}

/// An allowed enum value as upstream lists it: strings bare, anything else as JSON.
fn enum_value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => go_format::json(other).unwrap_or_default(),
    }
}

/// kube-openapi's `Result`: errors (deduplicated by message) and a match count used to
/// pick the "best" failing alternative of `anyOf`/`oneOf`.
#[derive(Default)]
struct Outcome {
    errors: Vec<OpenApiError>,
    match_count: u32,
}

impl Outcome {
    fn failed(err: OpenApiError) -> Self {
        Self {
            errors: vec![err],
            match_count: 0,
        }
    }

    fn add(&mut self, err: OpenApiError) {
        if !self.errors.iter().any(|e| e.message == err.message) {
            self.errors.push(err);
        }
    }

    fn merge(&mut self, other: Outcome) {
        for err in other.errors {
            self.add(err);
        }
        self.match_count += other.match_count;
    }

    fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

/// The Go type a decoded JSON value has (int64 vs float64 matter to kube-openapi).
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Null,
    Bool,
    Int(i64),
    Float(f64),
    String,
    Array,
    Object,
}

fn kind_of(value: &Value) -> Kind {
    match value {
        Value::Null => Kind::Null,
        Value::Bool(_) => Kind::Bool,
        Value::Number(n) => match n.as_i64() {
            Some(i) => Kind::Int(i),
            None => Kind::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(_) => Kind::String,
        Value::Array(_) => Kind::Array,
        Value::Object(_) => Kind::Object,
    }
}

impl Kind {
    /// kube-openapi's `schemaInfoForType`: the OpenAPI type and format of a value.
    fn type_and_format(self) -> (&'static str, &'static str) {
        match self {
            Self::Null => ("null", ""),
            Self::Bool => ("boolean", ""),
            Self::Int(_) => ("integer", "int64"),
            Self::Float(_) => ("number", "float64"),
            Self::String => ("string", ""),
            Self::Array => ("array", ""),
            Self::Object => ("object", ""),
        }
    }

    fn as_f64(self) -> f64 {
        match self {
            Self::Int(i) => i as f64,
            Self::Float(f) => f,
            _ => 0.0,
        }
    }
}

/// `%q`-quoted for messages.
fn q(s: &str) -> String {
    go_format::quote(s)
}

/// Go's `%v` of a float64.
fn v(f: f64) -> String {
    go_format::format_float(f)
}

/// swag's `IsFloat64AJSONInteger`: whether `f` is (within 1e-9 relative) an integer
/// that JSON can carry exactly.
fn is_json_integer(f: f64) -> bool {
    const MAX: f64 = 9_007_199_254_740_992.0; // 1 << 53
    const EPSILON: f64 = 1e-9;
    if f.is_nan() || f.is_infinite() || !(-MAX..=MAX).contains(&f) {
        return false;
    }
    let g = (f as u64) as f64;
    let diff = (f - g).abs();
    if f == g || f == (f as i64) as f64 {
        return true;
    }
    if f == 0.0 || g == 0.0 || diff < f64::MIN_POSITIVE {
        return diff < EPSILON * f64::MIN_POSITIVE;
    }
    diff / (f.abs() + g.abs()).min(f64::MAX) < EPSILON
}

/// The schema's OpenAPI types: none, its `type`, or integer and string for
/// `x-kubernetes-int-or-string`.
#[derive(Clone, Copy)]
struct Types<'a> {
    single: Option<&'a str>,
    int_or_string: bool,
}

impl<'a> Types<'a> {
    fn of(s: &'a StructuralSchema) -> Self {
        Self {
            single: (!s.int_or_string && !s.type_name.is_empty()).then_some(s.type_name.as_str()),
            int_or_string: s.int_or_string,
        }
    }

    fn is_empty(self) -> bool {
        self.single.is_none() && !self.int_or_string
    }

    fn contains(self, type_name: &str) -> bool {
        if self.int_or_string {
            type_name == "integer" || type_name == "string"
        } else {
            self.single == Some(type_name)
        }
    }

    /// The type when there is exactly one, else empty.
    fn single(self) -> &'a str {
        self.single.unwrap_or_default()
    }

    /// As kube-openapi prints them in messages: `integer,string`.
    fn joined(self) -> &'a str {
        if self.int_or_string {
            "integer,string"
        } else {
            self.single()
        }
    }
}

struct Validator;

impl Validator {
    /// kube-openapi's `SchemaValidator.Validate`: every applicable validator in its
    /// order, counting matches.
    fn schema(&self, s: &StructuralSchema, path: &OpenApiPath<'_>, data: &Value) -> Outcome {
        let types = Types::of(s);
        let single = types.single();
        let format = formats::effective_format(single, &s.format);
        let kind = kind_of(data);
        let mut result = Outcome::default();
        if kind == Kind::Null {
            result.merge(self.types(types, s.nullable, format, path, kind));
            result.merge(self.enumeration(s, path, data));
            return result;
        }
        let apply = |outcome: Outcome, result: &mut Outcome| {
            result.merge(outcome);
            result.match_count += 1;
        };
        if !types.is_empty() || !format.is_empty() {
            apply(self.types(types, s.nullable, format, path, kind), &mut result);
        }
        apply(self.combinators(s, path, data), &mut result);
        if let Value::String(text) = data {
            apply(self.string(s, path, text), &mut result);
            if formats::is_string_format(format) {
                apply(self.format(format, path, text), &mut result);
            }
        }
        if matches!(kind, Kind::Int(_) | Kind::Float(_)) {
            apply(self.number(s, single, format, path, kind, data), &mut result);
        }
        if let Value::Array(items) = data {
            apply(self.array(s, path, items), &mut result);
        }
        apply(self.enumeration(s, path, data), &mut result);
        if let Value::Object(map) = data {
            apply(self.object(s, path, map), &mut result);
        }
        result.match_count += 1;
        result
    }

    /// `typeValidator`.
    fn types(&self, types: Types<'_>, nullable: bool, format: &str, path: &OpenApiPath<'_>, kind: Kind) -> Outcome {
        let invalid = |type_name: &str, found: &str| {
            let name = path.render();
            let message = format!("{name} in body must be of type {type_name}: {}", q(found));
            Outcome::failed(OpenApiError::new(
                Code::InvalidType,
                name,
                Some(Value::String(found.to_string())),
                message,
            ))
        };
        let ok = Outcome {
            errors: Vec::new(),
            match_count: 1,
        };
        if kind == Kind::Null {
            if !types.is_empty() && !types.contains("null") && !nullable {
                return invalid(types.joined(), "null");
            }
            return ok;
        }
        let (found_type, found_format) = kind.type_and_format();
        let float_int = matches!(kind, Kind::Float(f) if is_json_integer(f)) && types.contains("integer");
        let int_float = matches!(kind, Kind::Int(_)) && types.contains("number");
        let stringish = matches!(kind, Kind::String | Kind::Array);
        let numeric_type = types.contains("number") || types.contains("integer");
        let fits_format = types.contains(found_type) || found_format == format || float_int || int_float;
        if !format.is_empty() {
            if !stringish && !fits_format {
                return invalid(format, found_format);
            }
            if stringish && !numeric_type {
                return ok;
            }
        }
        if !(types.contains(found_type) || float_int || int_float) {
            return invalid(types.joined(), found_type);
        }
        ok
    }

    /// `schemaPropsValidator`: `anyOf`, `oneOf`, `allOf`, `not`, all at the same path.
    fn combinators(&self, s: &StructuralSchema, path: &OpenApiPath<'_>, data: &Value) -> Outcome {
        let mut main = Outcome::default();
        let quoted_path = || q(&path.render());
        if !s.any_of.is_empty() {
            let mut best: Option<Outcome> = None;
            let mut success: Option<Outcome> = None;
            for alternative in &s.any_of {
                let result = self.schema(alternative, path, data);
                if result.is_valid() {
                    best = None;
                    success = Some(result);
                    break;
                }
                if best.as_ref().is_none_or(|b| result.match_count > b.match_count) {
                    best = Some(result);
                }
            }
            if success.is_none() {
                main.add(OpenApiError::plain(format!(
                    "{} must validate at least one schema (anyOf)",
                    quoted_path()
                )));
            }
            if let Some(chosen) = best.or(success) {
                main.merge(chosen);
            }
        }
        if !s.one_of.is_empty() {
            let mut best: Option<Outcome> = None;
            let mut first_success: Option<Outcome> = None;
            let mut validated = 0;
            for alternative in &s.one_of {
                let result = self.schema(alternative, path, data);
                if result.is_valid() {
                    validated += 1;
                    best = None;
                    if first_success.is_none() {
                        first_success = Some(result);
                    }
                    continue;
                }
                if validated == 0 && best.as_ref().is_none_or(|b| result.match_count > b.match_count) {
                    best = Some(result);
                }
            }
            if validated != 1 {
                let detail = if validated == 0 {
                    "Found none valid".to_string()
                } else {
                    format!("Found {validated} valid alternatives")
                };
                main.add(OpenApiError::plain(format!(
                    "{} must validate one and only one schema (oneOf). {detail}",
                    quoted_path()
                )));
                if let Some(best) = best {
                    main.merge(best);
                }
            } else if let Some(success) = first_success {
                main.merge(success);
            }
        }
        if !s.all_of.is_empty() {
            let mut validated = 0;
            for part in &s.all_of {
                let result = self.schema(part, path, data);
                if result.is_valid() {
                    validated += 1;
                }
                main.merge(result);
            }
            if validated != s.all_of.len() {
                let detail = if validated == 0 { ". None validated" } else { "" };
                main.add(OpenApiError::plain(format!(
                    "{} must validate all the schemas (allOf){detail}",
                    quoted_path()
                )));
            }
        }
        if let Some(not) = &s.not
            && self.schema(not, path, data).is_valid()
        {
            main.add(OpenApiError::plain(format!(
                "{} must not validate the schema (not)",
                quoted_path()
            )));
        }
        main.match_count += 1;
        main
    }

    /// `stringValidator`: the first of maxLength, minLength, pattern that fails.
    fn string(&self, s: &StructuralSchema, path: &OpenApiPath<'_>, text: &str) -> Outcome {
        let len = text.chars().count() as i64;
        let value = || Some(Value::String(text.to_string()));
        if let Some(max) = s.max_length.filter(|max| len > *max) {
            let name = path.render();
            let message = format!("{name} in body should be at most {max} chars long");
            let mut err = OpenApiError::new(Code::TooLong, name, value(), message);
            err.valid = Some(max);
            return Outcome::failed(err);
        }
        if let Some(min) = s.min_length.filter(|min| len < *min) {
            let name = path.render();
            let message = format!("{name} in body should be at least {min} chars long");
            return Outcome::failed(OpenApiError::new(Code::OtherValidation, name, value(), message));
        }
        if let Some(pattern) = &s.pattern {
            let shown = match pattern.regexp() {
                Ok(re) if re.is_match(text) => return Outcome::default(),
                Ok(_) => pattern.source.clone(),
                Err(err) => format!("{}, but pattern is invalid: {err}", pattern.source),
            };
            let name = path.render();
            let message = format!("{name} in body should match '{shown}'");
            return Outcome::failed(OpenApiError::new(Code::OtherValidation, name, value(), message));
        }
        Outcome::default()
    }

    /// `formatValidator` for string formats.
    fn format(&self, format: &str, path: &OpenApiPath<'_>, text: &str) -> Outcome {
        if formats::string_matches(format, text) {
            return Outcome::default();
        }
        let name = path.render();
        let message = format!("{name} in body must be of type {format}: {}", q(text));
        Outcome::failed(OpenApiError::new(
            Code::InvalidType,
            name,
            Some(Value::String(text.to_string())),
            message,
        ))
    }

    /// `numberValidator`: range of the value for its format, then multipleOf, minimum,
    /// maximum (each bound first checked to fit the type).
    fn number(
        &self,
        s: &StructuralSchema,
        type_name: &str,
        format: &str,
        path: &OpenApiPath<'_>,
        kind: Kind,
        data: &Value,
    ) -> Outcome {
        let type_name = match type_name {
            "integer" | "number" => type_name,
            _ => "",
        };
        let format = if type_name.is_empty() { "" } else { format };
        let mut result = Outcome::default();
        let in_range = |value: Kind, prefix: &str| range_error(value, type_name, format, prefix, path);
        if let Some(err) = in_range(kind, "Checked") {
            result.add(err);
        }
        let mut multiple = Outcome::default();
        let mut minimum = Outcome::default();
        let mut maximum = Outcome::default();
        if let Some(factor) = s.multiple_of {
            let bound = in_range(Kind::Float(factor), "MultipleOf");
            let native = bound.is_none();
            multiple.errors.extend(bound);
            multiple.errors.extend(multiple_of(path, kind, factor, native, data));
        }
        if let Some(max) = s.maximum {
            let bound = in_range(Kind::Float(max), "Maximum boundary");
            let native = bound.is_none();
            maximum.errors.extend(bound);
            maximum.errors.extend(bound_error(
                path,
                kind,
                max,
                s.exclusive_maximum,
                native,
                Bound::Max,
                data,
            ));
        }
        if let Some(min) = s.minimum {
            let bound = in_range(Kind::Float(min), "Minimum boundary");
            let native = bound.is_none();
            minimum.errors.extend(bound);
            minimum.errors.extend(bound_error(
                path,
                kind,
                min,
                s.exclusive_minimum,
                native,
                Bound::Min,
                data,
            ));
        }
        result.merge(multiple);
        result.merge(minimum);
        result.merge(maximum);
        result.match_count += 1;
        result
    }

    /// `schemaSliceValidator`: items, then minItems, maxItems, uniqueItems.
    fn array(&self, s: &StructuralSchema, path: &OpenApiPath<'_>, items: &[Value]) -> Outcome {
        let mut result = Outcome::default();
        if let Some(item_schema) = &s.items {
            for (i, item) in items.iter().enumerate() {
                result.merge(self.schema(item_schema, &OpenApiPath::Index(path, i), item));
            }
        }
        let size = items.len() as i64;
        if let Some(min) = s.min_items.filter(|min| size < *min) {
            let name = path.render();
            let message = format!("{name} in body should have at least {min} items");
            let mut err = OpenApiError::new(Code::OtherValidation, name, Some(Value::from(size)), message);
            err.valid = Some(min);
            result.add(err);
        }
        if let Some(max) = s.max_items.filter(|max| size > *max) {
            let name = path.render();
            let message = format!("{name} in body should have at most {max} items");
            let mut err = OpenApiError::new(Code::MaxItems, name, Some(Value::from(size)), message);
            err.valid = Some(max);
            result.add(err);
        }
        if s.unique_items && has_duplicates(items) {
            let name = path.render();
            let message = format!("{name} in body shouldn't contain duplicates");
            result.add(OpenApiError::new(Code::OtherValidation, name, None, message));
        }
        result.match_count += 1;
        result
    }

    /// `basicCommonValidator`: the value must equal (after Go's type conversion) one
    /// of the enum values.
    fn enumeration(&self, s: &StructuralSchema, path: &OpenApiPath<'_>, data: &Value) -> Outcome {
        if s.enum_values.is_empty() || s.enum_values.iter().any(|allowed| enum_matches(data, allowed)) {
            return Outcome::default();
        }
        let name = path.render();
        let listed: Vec<String> = s.enum_values.iter().map(go_v).collect();
        let message = format!("{name} in body should be one of [{}]", listed.join(" "));
        let mut err = OpenApiError::new(Code::Enum, name, Some(data.clone()), message);
        err.values = s.enum_values.clone();
        Outcome::failed(err)
    }

    /// `objectValidator`: property counts, additionalProperties, properties, required.
    fn object(&self, s: &StructuralSchema, path: &OpenApiPath<'_>, map: &Map<String, Value>) -> Outcome {
        let mut result = Outcome::default();
        let size = map.len() as i64;
        if let Some(min) = s.min_properties.filter(|min| size < *min) {
            let name = path.render();
            let message = format!("{name} in body should have at least {min} properties");
            let mut err = OpenApiError::new(Code::OtherValidation, name, Some(Value::from(size)), message);
            err.valid = Some(min);
            result.add(err);
        }
        if let Some(max) = s.max_properties.filter(|max| size > *max) {
            let name = path.render();
            let message = format!("{name} in body should have at most {max} properties");
            let mut err = OpenApiError::new(Code::TooManyProperties, name, Some(Value::from(size)), message);
            err.valid = Some(max);
            result.add(err);
        }
        match &s.additional_properties {
            Some(AdditionalProperties::Bool(false)) => {
                for key in map.keys().filter(|k| !s.properties.contains_key(*k)) {
                    let name = path.render();
                    let message = format!("{name}.{key} in body is a forbidden property");
                    result.add(OpenApiError::new(
                        Code::OtherValidation,
                        name,
                        Some(Value::String(key.clone())),
                        message,
                    ));
                }
            }
            Some(AdditionalProperties::Schema(value_schema)) => {
                for (key, value) in map.iter().filter(|(k, _)| !s.properties.contains_key(*k)) {
                    result.merge(self.schema(value_schema, &OpenApiPath::Entry(path, key), value));
                }
            }
            _ => {}
        }
        for (name, property) in &s.properties {
            if let Some(value) = map.get(name) {
                result.merge(self.schema(property, &OpenApiPath::Property(path, name), value));
            }
        }
        for key in s.required.iter().filter(|k| !map.contains_key(*k)) {
            let name = format!("{}.{key}", path.render());
            let message = format!("{name} in body is required");
            result.add(OpenApiError::new(Code::Required, name, None, message));
        }
        result
    }
}

/// `IsValueValidAgainstRange`: whether a number fits the schema's type and format
/// (`int32`, `float`, or an integer at all), as a plain error.
fn range_error(
    value: Kind,
    type_name: &str,
    format: &str,
    prefix: &str,
    path: &OpenApiPath<'_>,
) -> Option<OpenApiError> {
    let fits = match (type_name, value) {
        ("integer", Kind::Int(i)) => format != "int32" || i32::try_from(i).is_ok(),
        ("integer", Kind::Float(f)) => {
            // Go formats the float in plain decimal and parses it as an integer.
            f.fract() == 0.0 && f.is_finite() && {
                let limit = if format == "int32" {
                    2f64.powi(31)
                } else {
                    2f64.powi(63)
                };
                f >= -limit && f < limit
            }
        }
        (_, number) if format == "float" => !(number.as_f64() as f32).is_infinite(),
        _ => true,
    };
    if fits {
        return None;
    }
    let path = path.render();
    let message = if format.is_empty() {
        format!("{prefix} value must be of type {type_name} (default format) in {path}")
    } else {
        format!("{prefix} value must be of type {type_name} with format {format} in {path}")
    };
    Some(OpenApiError::plain(message))
}

/// `MultipleOfNativeType` (integers with an integer factor) or `MultipleOf` (floats).
fn multiple_of(path: &OpenApiPath<'_>, kind: Kind, factor: f64, native: bool, data: &Value) -> Option<OpenApiError> {
    let error = |code: Code, factor: String, message: &str| {
        let name = path.render();
        let message = message.replace("{name}", &name).replace("{factor}", &factor);
        Some(OpenApiError::new(code, name, Some(data.clone()), message))
    };
    let not_positive = "factor MultipleOf declared for {name} must be positive: {factor}";
    let not_multiple = "{name} in body should be a multiple of {factor}";
    if let (true, Kind::Int(i)) = (native, kind) {
        let factor = factor as i64;
        if factor <= 0 {
            let mut err = error(Code::OtherValidation, factor.to_string(), not_positive)?;
            err.value = Some(Value::from(factor));
            return Some(err);
        }
        return (i % factor != 0).then(|| error(Code::OtherValidation, factor.to_string(), not_multiple))?;
    }
    if factor <= 0.0 {
        let mut err = error(Code::OtherValidation, v(factor), not_positive)?;
        err.value = serde_json::Number::from_f64(factor).map(Value::Number);
        return Some(err);
    }
    let value = kind.as_f64();
    let multiple = if factor < 1.0 {
        1.0 / factor * value
    } else {
        value / factor
    };
    if is_json_integer(multiple) {
        return None;
    }
    let mut err = error(Code::OtherValidation, v(factor), not_multiple)?;
    if !native {
        err.value = serde_json::Number::from_f64(value).map(Value::Number);
    }
    Some(err)
}

#[derive(Clone, Copy, PartialEq)]
enum Bound {
    Max,
    Min,
}

/// `Maximum`/`Minimum` (and their `NativeType` forms for integers).
fn bound_error(
    path: &OpenApiPath<'_>,
    kind: Kind,
    bound: f64,
    exclusive: bool,
    native: bool,
    which: Bound,
    data: &Value,
) -> Option<OpenApiError> {
    let (fails, shown, value) = match (native, kind) {
        (true, Kind::Int(i)) => {
            let b = bound as i64;
            let fails = match which {
                Bound::Max => (!exclusive && i > b) || (exclusive && i >= b),
                Bound::Min => (!exclusive && i < b) || (exclusive && i <= b),
            };
            (fails, b.to_string(), data.clone())
        }
        _ => {
            let x = kind.as_f64();
            let fails = match which {
                Bound::Max => (!exclusive && x > bound) || (exclusive && x >= bound),
                Bound::Min => (!exclusive && x < bound) || (exclusive && x <= bound),
            };
            let value = if native {
                data.clone()
            } else {
                serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
            };
            (fails, v(bound), value)
        }
    };
    if !fails {
        return None;
    }
    let name = path.render();
    let relation = match (which, exclusive) {
        (Bound::Max, false) => "less than or equal to",
        (Bound::Max, true) => "less than",
        (Bound::Min, false) => "greater than or equal to",
        (Bound::Min, true) => "greater than",
    };
    let message = format!("{name} in body should be {relation} {shown}");
    Some(OpenApiError::new(Code::OtherValidation, name, Some(value), message))
}

fn has_duplicates(items: &[Value]) -> bool {
    items.iter().enumerate().any(|(i, a)| items[..i].contains(a))
}

/// Whether `data` equals `allowed` after Go's `reflect` conversion to the enum value's
/// type: numbers convert between integer and float (a float truncates to an integer),
/// an integer converts to a one-rune string, other types must match exactly.
fn enum_matches(data: &Value, allowed: &Value) -> bool {
    match (kind_of(data), kind_of(allowed)) {
        (Kind::Null, _) | (_, Kind::Null) => false,
        (Kind::Int(d), Kind::Float(a)) => d as f64 == a,
        (Kind::Float(d), Kind::Int(a)) => d as i64 == a,
        (Kind::Int(d), Kind::String) => {
            let rune = u32::try_from(d).ok().and_then(char::from_u32).unwrap_or('\u{FFFD}');
            allowed.as_str() == Some(rune.encode_utf8(&mut [0; 4]))
        }
        _ => data == allowed,
    }
}

/// Go's `%v` of a decoded JSON value, for enum messages.
fn go_v(value: &Value) -> String {
    match value {
        Value::Null => "<nil>".to_string(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(_) => match kind_of(value) {
            Kind::Int(i) => i.to_string(),
            other => v(other.as_f64()),
        },
        Value::Array(items) => format!("[{}]", items.iter().map(go_v).collect::<Vec<_>>().join(" ")),
        Value::Object(map) => {
            let entries: Vec<String> = map.iter().map(|(k, v)| format!("{k}:{}", go_v(v))).collect();
            format!("map[{}]", entries.join(" "))
        }
    }
}

/// The checks on embedded resources (`x-kubernetes-embedded-resource`) of upstream's
/// `schema/objectmeta.Validate`: apiVersion and kind present, strings and well-formed,
/// and metadata valid object metadata. With `is_resource_root` the value itself is
/// checked as a resource.
pub fn validate_embedded_resources(
    path: &FieldPath,
    value: &Value,
    schema: &StructuralSchema,
    is_resource_root: bool,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    embedded(&Trail::Root(path), value, schema, is_resource_root, &mut errs);
    errs
}

/// A field path built only when an error needs it, so walking a valid object does not
/// allocate.
#[derive(Clone, Copy)]
enum Trail<'a> {
    Root(&'a FieldPath),
    Child(&'a Trail<'a>, &'a str),
    Key(&'a Trail<'a>, &'a str),
    Index(&'a Trail<'a>, usize),
}

impl Trail<'_> {
    fn path(&self) -> FieldPath {
        match self {
            Self::Root(path) => (*path).clone(),
            Self::Child(parent, name) => parent.path().child(name),
            Self::Key(parent, key) => parent.path().key(key),
            Self::Index(parent, i) => parent.path().index(*i),
        }
    }
}

fn embedded(trail: &Trail<'_>, value: &Value, s: &StructuralSchema, as_resource: bool, errs: &mut Vec<FieldError>) {
    match value {
        Value::Object(map) => {
            if as_resource || s.embedded_resource {
                errs.extend(embedded_resource(&trail.path(), map));
            }
            for (key, child) in map {
                if let Some(property) = s.properties.get(key) {
                    embedded(&Trail::Child(trail, key), child, property, false, errs);
                } else if let Some(schema) = s.additional_properties.as_ref().and_then(AdditionalProperties::schema) {
                    embedded(&Trail::Key(trail, key), child, schema, false, errs);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = &s.items {
                for (i, item) in items.iter().enumerate() {
                    embedded(&Trail::Index(trail, i), item, item_schema, false, errs);
                }
            }
        }
        _ => {}
    }
}

fn embedded_resource(path: &FieldPath, map: &Map<String, Value>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for key in ["apiVersion", "kind"] {
        if !map.contains_key(key) {
            errs.push(FieldError::required(path.child(key), ""));
        }
    }
    for (key, value) in map {
        let field = path.child(key);
        match key.as_str() {
            "apiVersion" | "kind" => match value.as_str() {
                None => errs.push(FieldError::invalid(&field, value, "must be a string")),
                Some("") => errs.push(FieldError::invalid(&field, "", "must not be empty")),
                Some(text) if key == "apiVersion" => {
                    if text.matches('/').count() > 1 {
                        errs.push(FieldError::invalid(
                            &field,
                            text,
                            format!("unexpected GroupVersion string: {text}"),
                        ));
                    }
                }
                Some(kind) => {
                    let problems = is_dns1035_label(&kind.to_lowercase());
                    if !problems.is_empty() {
                        errs.push(FieldError::invalid(
                            &field,
                            kind,
                            format!(
                                "may have mixed case, but should otherwise match: {}",
                                problems.join(",")
                            ),
                        ));
                    }
                }
            },
            "metadata" => errs.extend(embedded_metadata(&field, value)),
            _ => {}
        }
    }
    errs
}

/// Object metadata of an embedded resource, validated as upstream does: a missing name
/// is fine (it is filled with a placeholder first), names are path segments, and the
/// namespace is required exactly when one is given.
fn embedded_metadata(path: &FieldPath, value: &Value) -> Vec<FieldError> {
    let Some(meta) = value.as_object() else {
        let go_type = match value {
            Value::String(_) => "string",
            Value::Number(_) => "number",
            Value::Bool(_) => "bool",
            Value::Array(_) => "array",
            _ => "object",
        };
        return vec![FieldError::invalid(
            path,
            value,
            format!("json: cannot unmarshal {go_type} into Go value of type v1.ObjectMeta"),
        )];
    };
    let mut meta = meta.clone();
    if meta.get("name").and_then(Value::as_str).is_none_or(str::is_empty) {
        meta.insert("name".to_string(), Value::String("fakename".to_string()));
    }
    let namespaced = meta
        .get("namespace")
        .and_then(Value::as_str)
        .is_some_and(|ns| !ns.is_empty());
    let prefix = path.to_string();
    validate_object_meta(&Value::Object(meta), namespaced, NameRule::PathSegment)
        .into_iter()
        .map(|mut err| {
            err.field = match err.field.strip_prefix("metadata") {
                Some(rest) => format!("{prefix}{rest}"),
                None => err.field,
            };
            err
        })
        .collect()
}

/// Uniqueness of `x-kubernetes-list-type: set` items and `map` keys (upstream's
/// `listtype.ValidateListSetsAndMaps`): each repeated item is a `Duplicate value`.
pub fn validate_list_types(path: &FieldPath, object: &Value, schema: &StructuralSchema) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if let Value::Object(map) = object {
        list_types_in_object(&Trail::Root(path), map, schema, &mut errs);
    }
    errs
}

fn list_types_in_object(trail: &Trail<'_>, map: &Map<String, Value>, s: &StructuralSchema, errs: &mut Vec<FieldError>) {
    if let Some(value_schema) = s.additional_properties.as_ref().and_then(AdditionalProperties::schema) {
        for (key, value) in map {
            list_types_in_value(&Trail::Key(trail, key), value, value_schema, errs);
        }
    }
    for (key, value) in map {
        if let Some(property) = s.properties.get(key) {
            list_types_in_value(&Trail::Child(trail, key), value, property, errs);
        }
    }
}

fn list_types_in_value(trail: &Trail<'_>, value: &Value, s: &StructuralSchema, errs: &mut Vec<FieldError>) {
    match value {
        Value::Array(items) => {
            match s.list_type.as_deref() {
                Some("set") => {
                    for i in repeated(items.iter().map(Some)) {
                        errs.push(FieldError::duplicate(trail.path().index(i), &items[i]));
                    }
                }
                Some("map") if !items.is_empty() => errs.extend(list_map_duplicates(&trail.path(), s, items)),
                _ => {}
            }
            if let Some(item_schema) = &s.items {
                for (i, item) in items.iter().enumerate() {
                    list_types_in_value(&Trail::Index(trail, i), item, item_schema, errs);
                }
            }
        }
        Value::Object(map) => list_types_in_object(trail, map, s, errs),
        _ => {}
    }
}

/// Indices of the second occurrence of each repeated value (later repeats of the same
/// value are not reported again, as upstream). `None` is an absent key. Values are
/// compared by their JSON text, so `1` and `1.0` differ, as int64 and float64 do.
fn repeated<'a>(values: impl Iterator<Item = Option<&'a Value>>) -> Vec<usize> {
    let mut seen: HashMap<Option<String>, u32> = HashMap::new();
    let mut out = Vec::new();
    for (i, value) in values.enumerate() {
        let times = seen.entry(value.map(Value::to_string)).or_insert(0);
        *times += 1;
        if *times == 2 {
            out.push(i);
        }
    }
    out
}

fn list_map_duplicates(path: &FieldPath, s: &StructuralSchema, items: &[Value]) -> Vec<FieldError> {
    for (i, item) in items.iter().enumerate() {
        if !item.is_null() && !item.is_object() {
            return vec![FieldError::invalid(
                path.index(i),
                item,
                "must be an object for an array of list-type map",
            )];
        }
    }
    if items.len() <= 1 {
        return Vec::new();
    }
    if let [key] = s.list_map_keys.as_slice() {
        let keys: Vec<Option<&Value>> = items.iter().map(|item| item.get(key)).collect();
        return repeated(keys.iter().copied())
            .into_iter()
            .map(|i| {
                let shown = match keys[i] {
                    None => Value::Object(Map::new()),
                    Some(k) => Value::Object(Map::from_iter([(key.clone(), k.clone())])),
                };
                FieldError::duplicate(path.index(i), FieldValue::json(&shown))
            })
            .collect();
    }
    let keys: Vec<Value> = items
        .iter()
        .map(|item| {
            let fields = s
                .list_map_keys
                .iter()
                .filter_map(|k| item.get(k).map(|v| (k.clone(), v.clone())));
            Value::Object(Map::from_iter(fields))
        })
        .collect();
    repeated(keys.iter().map(Some))
        .into_iter()
        .map(|i| FieldError::duplicate(path.index(i), FieldValue::json(&keys[i])))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema(value: Value) -> StructuralSchema {
        StructuralSchema::from_json(&value).expect("valid schema")
    }

    fn messages(object: Value, s: Value) -> Vec<String> {
        validate(&object, &schema(s)).iter().map(ToString::to_string).collect()
    }

    fn spec(properties: Value) -> Value {
        json!({"type": "object", "properties": {"spec": {"type": "object", "properties": properties}}})
    }

    #[test]
    fn type_errors_show_the_type_found() {
        let s = spec(json!({"replicas": {"type": "integer"}, "name": {"type": "string"},
                            "on": {"type": "boolean"}, "list": {"type": "array", "items": {"type": "string"}},
                            "obj": {"type": "object"}, "ratio": {"type": "number"}}));
        assert_eq!(
            messages(json!({"spec": {"replicas": "string"}}), s.clone()),
            [r#"spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string""#]
        );
        assert_eq!(
            messages(
                json!({"spec": {"name": 5, "on": "yes", "list": {}, "obj": [], "ratio": true}}),
                s.clone()
            ),
            [
                r#"spec.list: Invalid value: "object": spec.list in body must be of type array: "object""#,
                r#"spec.name: Invalid value: "integer": spec.name in body must be of type string: "integer""#,
                r#"spec.obj: Invalid value: "array": spec.obj in body must be of type object: "array""#,
                r#"spec.on: Invalid value: "string": spec.on in body must be of type boolean: "string""#,
                r#"spec.ratio: Invalid value: "boolean": spec.ratio in body must be of type number: "boolean""#,
            ]
        );
        assert_eq!(
            messages(json!({"spec": {"list": ["a", 1]}}), s.clone()),
            [r#"spec.list[1]: Invalid value: "integer": spec.list[1] in body must be of type string: "integer""#]
        );
        assert!(
            messages(json!({"spec": {"ratio": 3}}), s).is_empty(),
            "an integer is a number"
        );
    }

    #[test]
    fn integral_floats_are_integers_but_fractions_are_not() {
        let s = spec(json!({"replicas": {"type": "integer"}}));
        assert!(messages(json!({"spec": {"replicas": 1.0}}), s.clone()).is_empty());
        assert_eq!(
            messages(json!({"spec": {"replicas": 1.5}}), s),
            [
                r#"spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number""#,
                r#"<nil>: Invalid value: "": Checked value must be of type integer (default format) in spec.replicas"#,
            ]
        );
    }

    #[test]
    fn int_or_string_and_formats() {
        let s = spec(json!({"port": {"x-kubernetes-int-or-string": true},
                            "small": {"type": "integer", "format": "int32"},
                            "when": {"type": "string", "format": "date-time"},
                            "day": {"type": "string", "format": "date"},
                            "data": {"type": "string", "format": "byte"},
                            "free": {"type": "string", "format": "my-own"}}));
        assert!(messages(json!({"spec": {"port": 80}}), s.clone()).is_empty());
        assert!(messages(json!({"spec": {"port": "http"}}), s.clone()).is_empty());
        assert_eq!(
            messages(json!({"spec": {"port": true}}), s.clone()),
            [r#"spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean""#]
        );
        assert_eq!(
            messages(json!({"spec": {"small": 3_000_000_000i64}}), s.clone()),
            [r#"<nil>: Invalid value: "": Checked value must be of type integer with format int32 in spec.small"#]
        );
        assert_eq!(
            messages(
                json!({"spec": {"when": "yesterday", "day": "2023-02-30", "data": "!!", "free": "x"}}),
                s.clone()
            ),
            [
                r#"spec.data: Invalid value: "!!": spec.data in body must be of type byte: "!!""#,
                r#"spec.day: Invalid value: "2023-02-30": spec.day in body must be of type date: "2023-02-30""#,
                r#"spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday""#,
            ]
        );
        assert!(
            messages(
                json!({"spec": {"when": "2024-01-02T03:04:05Z", "day": "2024-01-02", "data": "aGk="}}),
                s
            )
            .is_empty()
        );
    }

    #[test]
    fn nullable_and_null() {
        let s = spec(json!({"a": {"type": "string", "nullable": true}, "b": {"type": "string"}}));
        assert!(messages(json!({"spec": {"a": null}}), s.clone()).is_empty());
        assert_eq!(
            messages(json!({"spec": {"b": null}}), s),
            [r#"spec.b: Invalid value: "null": spec.b in body must be of type string: "null""#]
        );
    }

    #[test]
    fn required_enum_and_bounds() {
        let s = json!({"type": "object", "required": ["spec"], "properties": {"spec": {"type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string"},
                           "size": {"type": "string", "enum": ["small", "large"]},
                           "level": {"type": "integer", "enum": [1, 2]},
                           "count": {"type": "integer", "maximum": 10, "minimum": 1},
                           "open": {"type": "number", "exclusiveMaximum": true, "maximum": 1.5,
                                    "exclusiveMinimum": true, "minimum": 0},
                           "step": {"type": "integer", "multipleOf": 5},
                           "half": {"type": "number", "multipleOf": 0.5}}}}});
        assert_eq!(messages(json!({}), s.clone()), ["spec: Required value"]);
        assert_eq!(
            messages(
                json!({"spec": {"name": "n", "size": "huge", "level": 3, "count": 11, "open": 1.5,
                                     "step": 7, "half": 0.7}}),
                s.clone()
            ),
            [
                r#"spec.count: Invalid value: 11: spec.count in body should be less than or equal to 10"#,
                r#"spec.half: Invalid value: 0.7: spec.half in body should be a multiple of 0.5"#,
                r#"spec.level: Unsupported value: 3: supported values: "1", "2""#,
                r#"spec.open: Invalid value: 1.5: spec.open in body should be less than 1.5"#,
                r#"spec.size: Unsupported value: "huge": supported values: "small", "large""#,
                r#"spec.step: Invalid value: 7: spec.step in body should be a multiple of 5"#,
            ]
        );
        assert_eq!(
            messages(json!({"spec": {"count": 0, "open": 0}}), s.clone()),
            [
                r#"spec.count: Invalid value: 0: spec.count in body should be greater than or equal to 1"#,
                r#"spec.open: Invalid value: 0: spec.open in body should be greater than 0"#,
                "spec.name: Required value",
            ]
        );
        assert!(
            messages(
                json!({"spec": {"name": "n", "size": "large", "level": 2.0, "count": 10, "step": 15,
                                         "half": 1.5, "open": 0.5}}),
                s.clone()
            )
            .is_empty()
        );
        // kube-openapi compares an integer with the bound truncated to an integer.
        assert_eq!(
            messages(json!({"spec": {"name": "n", "open": 1}}), s),
            ["spec.open: Invalid value: 1: spec.open in body should be less than 1"]
        );
    }

    #[test]
    fn strings_arrays_and_maps() {
        let s = spec(
            json!({"tag": {"type": "string", "pattern": "^v[0-9]+$", "maxLength": 4, "minLength": 2},
                            "items": {"type": "array", "items": {"type": "string"}, "maxItems": 3, "minItems": 1},
                            "labels": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 2},
                                       "maxProperties": 2, "minProperties": 1}}),
        );
        assert_eq!(
            messages(json!({"spec": {"tag": "x"}}), s.clone()),
            [r#"spec.tag: Invalid value: "x": spec.tag in body should be at least 2 chars long"#]
        );
        assert_eq!(
            messages(json!({"spec": {"tag": "xyz"}}), s.clone()),
            [r#"spec.tag: Invalid value: "xyz": spec.tag in body should match '^v[0-9]+$'"#]
        );
        assert_eq!(
            messages(json!({"spec": {"tag": "v12345"}}), s.clone()),
            ["spec.tag: Too long: may not be more than 4 bytes"]
        );
        assert_eq!(
            messages(json!({"spec": {"items": ["a", "b", "c", "d"]}}), s.clone()),
            ["spec.items: Too many: 4: must have at most 3 items"]
        );
        assert_eq!(
            messages(json!({"spec": {"items": []}}), s.clone()),
            ["spec.items: Invalid value: 0: spec.items in body should have at least 1 items"]
        );
        assert_eq!(
            messages(
                json!({"spec": {"labels": {"a": "toolong", "b": "x", "c": "y"}}}),
                s.clone()
            ),
            [
                "spec.labels: Too many: 3: must have at most 2 items",
                "spec.labels.a: Too long: may not be more than 2 bytes",
            ]
        );
        assert_eq!(
            messages(json!({"spec": {"labels": {}}}), s),
            ["spec.labels: Invalid value: 0: spec.labels in body should have at least 1 properties"]
        );
    }

    #[test]
    fn additional_properties_false_forbids_keys() {
        let s = spec(json!({"closed": {"type": "object", "additionalProperties": false}}));
        assert_eq!(
            messages(json!({"spec": {"closed": {"x": 1}}}), s),
            [r#"spec.closed: Invalid value: "x": spec.closed.x in body is a forbidden property"#]
        );
    }

    #[test]
    fn combinators() {
        let s = spec(json!({
            "any": {"type": "string", "anyOf": [{"pattern": "^a"}, {"pattern": "^b"}]},
            "one": {"type": "integer", "oneOf": [{"minimum": 5}, {"maximum": 10}]},
            "all": {"type": "integer", "allOf": [{"minimum": 5}, {"maximum": 10}]},
            "not": {"type": "string", "not": {"enum": ["forbidden"]}},
        }));
        assert!(
            messages(
                json!({"spec": {"any": "bx", "one": 20, "all": 7, "not": "ok"}}),
                s.clone()
            )
            .is_empty()
        );
        assert_eq!(
            messages(json!({"spec": {"any": "cx"}}), s.clone()),
            [
                r#"<nil>: Invalid value: "": "spec.any" must validate at least one schema (anyOf)"#,
                r#"spec.any: Invalid value: "cx": spec.any in body should match '^a'"#,
            ]
        );
        assert_eq!(
            messages(json!({"spec": {"one": 7}}), s.clone()),
            [
                r#"<nil>: Invalid value: "": "spec.one" must validate one and only one schema (oneOf). Found 2 valid alternatives"#
            ]
        );
        assert_eq!(
            messages(json!({"spec": {"all": 11}}), s.clone()),
            [
                "spec.all: Invalid value: 11: spec.all in body should be less than or equal to 10",
                r#"<nil>: Invalid value: "": "spec.all" must validate all the schemas (allOf)"#,
            ]
        );
        assert_eq!(
            messages(json!({"spec": {"not": "forbidden"}}), s),
            [r#"<nil>: Invalid value: "": "spec.not" must not validate the schema (not)"#]
        );
    }

    #[test]
    fn int_or_string_any_of_pattern_validates_both_branches() {
        let s = spec(json!({"port": {"x-kubernetes-int-or-string": true,
            "anyOf": [{"type": "integer"}, {"type": "string"}], "pattern": "^[0-9]+%?$"}}));
        assert!(messages(json!({"spec": {"port": 8080}}), s.clone()).is_empty());
        assert!(messages(json!({"spec": {"port": "50%"}}), s.clone()).is_empty());
        assert_eq!(
            messages(json!({"spec": {"port": "x"}}), s),
            [r#"spec.port: Invalid value: "x": spec.port in body should match '^[0-9]+%?$'"#]
        );
    }

    #[test]
    fn list_type_duplicates() {
        let s = spec(json!({
            "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
            "ports": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                      "items": {"type": "object", "properties": {"name": {"type": "string"}, "port": {"type": "integer"}}}},
            "pairs": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["a", "b"],
                      "items": {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}},
            "byName": {"type": "object", "additionalProperties": {"type": "array", "x-kubernetes-list-type": "set",
                       "items": {"type": "integer"}}},
        }));
        assert_eq!(
            messages(
                json!({"spec": {"tags": ["a", "b", "a", "a", "b"],
                                "ports": [{"name": "http", "port": 1}, {"name": "http", "port": 2}, {"port": 3}, {"port": 4}],
                                "pairs": [{"a": "x", "b": "y"}, {"a": "x"}, {"b": "y", "a": "x"}],
                                "byName": {"k": [1, 1]}}}),
                s.clone()
            ),
            [
                "spec.byName[k][1]: Duplicate value: 1",
                r#"spec.pairs[2]: Duplicate value: {"a":"x","b":"y"}"#,
                r#"spec.ports[1]: Duplicate value: {"name":"http"}"#,
                "spec.ports[3]: Duplicate value: {}",
                r#"spec.tags[2]: Duplicate value: "a""#,
                r#"spec.tags[4]: Duplicate value: "b""#,
            ]
        );
        assert_eq!(
            messages(json!({"spec": {"ports": [{"name": "a"}, "oops"]}}), s),
            [
                r#"spec.ports[1]: Invalid value: "string": spec.ports[1] in body must be of type object: "string""#,
                r#"spec.ports[1]: Invalid value: "oops": must be an object for an array of list-type map"#,
            ]
        );
    }

    #[test]
    fn embedded_resources_need_type_meta() {
        let s = spec(
            json!({"template": {"type": "object", "x-kubernetes-embedded-resource": true,
                                         "x-kubernetes-preserve-unknown-fields": true}}),
        );
        assert_eq!(
            messages(json!({"spec": {"template": {"metadata": {"name": "a/b"}}}}), s.clone()),
            [
                "spec.template.apiVersion: Required value",
                "spec.template.kind: Required value",
                "spec.template.metadata.name: Invalid value: \"a/b\": may not contain '/'",
            ]
        );
        assert_eq!(
            messages(
                json!({"spec": {"template": {"apiVersion": "a/b/c", "kind": "Bad_Kind"}}}),
                s.clone()
            ),
            [
                r#"spec.template.apiVersion: Invalid value: "a/b/c": unexpected GroupVersion string: a/b/c"#,
                "spec.template.kind: Invalid value: \"Bad_Kind\": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
            ]
        );
        assert!(messages(json!({"spec": {"template": {"apiVersion": "v1", "kind": "Pod"}}}), s).is_empty());
    }

    #[test]
    fn paths_under_a_prefix() {
        let s = schema(json!({"type": "integer"}));
        let errs = validate_value(Some(&FieldPath::new("status")), &json!("x"), &s);
        assert_eq!(
            errs[0].to_string(),
            r#"status: Invalid value: "string":  in body must be of type integer: "string""#
        );
        let s = schema(json!({"type": "object", "properties": {"n": {"type": "integer"}}}));
        let errs = validate_value(Some(&FieldPath::new("status")), &json!({"n": "x"}), &s);
        assert_eq!(
            errs[0].to_string(),
            r#"status.n: Invalid value: "string": n in body must be of type integer: "string""#
        );
    }

    #[test]
    fn json_integer_like_swag() {
        assert!(is_json_integer(1.0));
        assert!(is_json_integer(-3.0));
        assert!(!is_json_integer(1.5));
        assert!(!is_json_integer(-1.5));
        assert!(!is_json_integer(1e300));
    }

    #[test]
    fn enum_conversion_like_go_reflect() {
        assert!(enum_matches(&json!(3), &json!(3.0)));
        assert!(enum_matches(&json!(3.5), &json!(3)));
        assert!(enum_matches(&json!(65), &json!("A")));
        assert!(!enum_matches(&json!("3"), &json!(3)));
        assert!(!enum_matches(&json!(null), &json!(null)));
        assert!(enum_matches(&json!({"a": [1]}), &json!({"a": [1]})));
    }
}
