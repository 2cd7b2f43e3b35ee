//! Field-level validation errors, formatted exactly like apimachinery's `field.Error`.
//!
//! Validation produces a list of [`FieldError`]s; the API server turns the list into one
//! `422 Invalid` `Status` (see the `status` module) whose message and causes clients
//! (kubectl, controllers, e2e tests) read verbatim. The text therefore follows upstream
//! to the byte: `metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 …`,
//! `metadata.name: Required value: name or generateName is required`.

use std::fmt;

use crate::go_format;

/// Why a field is wrong. Each kind's wire name is also the `reason` of the matching
/// `Status` cause (`FieldValueInvalid`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldErrorKind {
    /// A looked-up value does not exist (`Not found`).
    NotFound,
    /// A required value is missing (`Required value`).
    Required,
    /// A value that must be unique is repeated (`Duplicate value`).
    Duplicate,
    /// A value is malformed (`Invalid value`).
    Invalid,
    /// A value is outside an enumeration (`Unsupported value`).
    NotSupported,
    /// A well-formed value is not allowed here (`Forbidden`).
    Forbidden,
    /// A value is too long; the value itself is not echoed (`Too long`).
    TooLong,
    /// A list has too many items (`Too many`).
    TooMany,
    /// A list has too few items (`Too few`).
    TooFew,
    /// Something unrelated to the input went wrong (`Internal error`).
    Internal,
    /// A value has the wrong type for its schema (`Invalid value`).
    TypeInvalid,
    /// A value is too short (`Too short`).
    TooShort,
}

impl FieldErrorKind {
    /// The machine-readable name (`FieldValueInvalid`), used as the Status cause reason.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotFound => "FieldValueNotFound",
            Self::Required => "FieldValueRequired",
            Self::Duplicate => "FieldValueDuplicate",
            Self::Invalid => "FieldValueInvalid",
            Self::NotSupported => "FieldValueNotSupported",
            Self::Forbidden => "FieldValueForbidden",
            Self::TooLong => "FieldValueTooLong",
            Self::TooMany => "FieldValueTooMany",
            Self::TooFew => "FieldValueTooFew",
            Self::Internal => "InternalError",
            Self::TypeInvalid => "FieldValueTypeInvalid",
            Self::TooShort => "FieldValueTooShort",
        }
    }

    /// The human-readable label that starts the error body (`Invalid value`).
    pub fn label(self) -> &'static str {
        match self {
            Self::NotFound => "Not found",
            Self::Required => "Required value",
            Self::Duplicate => "Duplicate value",
            Self::Invalid | Self::TypeInvalid => "Invalid value",
            Self::NotSupported => "Unsupported value",
            Self::Forbidden => "Forbidden",
            Self::TooLong => "Too long",
            Self::TooMany => "Too many",
            Self::TooFew => "Too few",
            Self::Internal => "Internal error",
            Self::TooShort => "Too short",
        }
    }

    /// Kinds whose body never shows the bad value (upstream ignores it for these).
    fn omits_value(self) -> bool {
        matches!(
            self,
            Self::Required | Self::Forbidden | Self::TooLong | Self::TooShort | Self::Internal
        )
    }
}

impl fmt::Display for FieldErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The offending value, kept in the shape upstream prints it: strings quoted Go-style,
/// numbers and booleans bare, anything structured as JSON.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue {
    /// Not shown at all (upstream's `omitValue`), e.g. a count that is unknown.
    Omitted,
    /// Printed with Go's `%q`: `"Bad_Name"`.
    String(String),
    /// Printed bare: `-42`.
    Int(i64),
    /// Printed with Go's `%v`: `1.5`, `1e+06`.
    Float(f64),
    /// Printed bare: `true`.
    Bool(bool),
    /// Already-rendered JSON (lists, maps, objects, `null`), printed as is. Build it with
    /// [`FieldValue::json`] so struct fields keep their declaration order, as Go does.
    Json(String),
}

impl FieldValue {
    /// A structured value rendered as Go's `json.Marshal` would render it: compact,
    /// map keys sorted (serde_json's default `Map` is sorted, like Go's maps), struct
    /// fields in declaration order, `<`, `>`, `&` escaped.
    pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> Self {
        Self::Json(go_format::json(value).unwrap_or_else(|| "null".to_string()))
    }

    /// A JSON value as it would appear in a decoded object: strings quoted, numbers and
    /// booleans bare, everything else as JSON — what upstream prints for the same value
    /// held in a typed Go field.
    pub fn from_json(value: &serde_json::Value) -> Self {
        match value {
            serde_json::Value::String(s) => Self::String(s.clone()),
            serde_json::Value::Bool(b) => Self::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Self::Int(i),
                None => match n.as_f64() {
                    Some(f) if n.is_f64() => Self::Float(f),
                    _ => Self::Json(n.to_string()),
                },
            },
            other => Self::json(other),
        }
    }
}

impl fmt::Display for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Omitted => Ok(()),
            Self::String(s) => f.write_str(&go_format::quote(s)),
            Self::Int(i) => write!(f, "{i}"),
            Self::Float(x) => f.write_str(&go_format::format_float(*x)),
            Self::Bool(b) => write!(f, "{b}"),
            Self::Json(text) => f.write_str(text),
        }
    }
}

impl From<&str> for FieldValue {
    fn from(s: &str) -> Self {
        Self::String(s.to_string())
    }
}

impl From<String> for FieldValue {
    fn from(s: String) -> Self {
        Self::String(s)
    }
}

impl From<&String> for FieldValue {
    fn from(s: &String) -> Self {
        Self::String(s.clone())
    }
}

impl From<i64> for FieldValue {
    fn from(i: i64) -> Self {
        Self::Int(i)
    }
}

impl From<i32> for FieldValue {
    fn from(i: i32) -> Self {
        Self::Int(i.into())
    }
}

impl From<u32> for FieldValue {
    fn from(i: u32) -> Self {
        Self::Int(i.into())
    }
}

impl From<f64> for FieldValue {
    fn from(x: f64) -> Self {
        Self::Float(x)
    }
}

impl From<bool> for FieldValue {
    fn from(b: bool) -> Self {
        Self::Bool(b)
    }
}

impl From<&[String]> for FieldValue {
    fn from(values: &[String]) -> Self {
        Self::json(values)
    }
}

impl From<Vec<String>> for FieldValue {
    fn from(values: Vec<String>) -> Self {
        Self::json(&values)
    }
}

impl From<&serde_json::Value> for FieldValue {
    fn from(value: &serde_json::Value) -> Self {
        Self::from_json(value)
    }
}

/// A path to a field, built the way upstream's `field.Path` builds it:
/// `metadata.labels`, `spec.containers[0].image`, `values[0][key]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldPath(String);

impl FieldPath {
    /// A root path (`metadata`).
    pub fn new(name: &str) -> Self {
        Self(name.to_string())
    }

    /// `parent.name`; on an empty (root-less) path just `name`.
    pub fn child(&self, name: &str) -> Self {
        if self.0.is_empty() {
            Self::new(name)
        } else {
            Self(format!("{}.{name}", self.0))
        }
    }

    /// `parent[index]`.
    pub fn index(&self, index: usize) -> Self {
        Self(format!("{}[{index}]", self.0))
    }

    /// `parent[key]` (map keys are not quoted, as upstream).
    pub fn key(&self, key: &str) -> Self {
        Self(format!("{}[{key}]", self.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<FieldPath> for String {
    fn from(path: FieldPath) -> Self {
        path.0
    }
}

impl From<&FieldPath> for String {
    fn from(path: &FieldPath) -> Self {
        path.0.clone()
    }
}

/// One field-level validation failure. `Display` is upstream's `field.Error.Error()`:
/// `<field>: <body>`.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    pub kind: FieldErrorKind,
    /// The field path (`metadata.name`).
    pub field: String,
    pub value: FieldValue,
    /// Free text appended after the value (`must be no more than 253 characters`).
    pub detail: String,
}

impl FieldError {
    /// A malformed value.
    pub fn invalid(field: impl Into<String>, value: impl Into<FieldValue>, detail: impl Into<String>) -> Self {
        Self::with(FieldErrorKind::Invalid, field, value.into(), detail)
    }

    /// A missing value; `detail` may be empty.
    pub fn required(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::with(
            FieldErrorKind::Required,
            field,
            FieldValue::String(String::new()),
            detail,
        )
    }

    /// A value that collides with another one that must be unique.
    pub fn duplicate(field: impl Into<String>, value: impl Into<FieldValue>) -> Self {
        Self::with(FieldErrorKind::Duplicate, field, value.into(), "")
    }

    /// A value that refers to something that does not exist.
    pub fn not_found(field: impl Into<String>, value: impl Into<FieldValue>) -> Self {
        Self::with(FieldErrorKind::NotFound, field, value.into(), "")
    }

    /// A value outside an enumeration; the detail lists the supported values quoted
    /// (`supported values: "a", "b"`), or is empty when none are given.
    pub fn not_supported(field: impl Into<String>, value: impl Into<FieldValue>, supported: &[&str]) -> Self {
        let detail = if supported.is_empty() {
            String::new()
        } else {
            let quoted: Vec<String> = supported.iter().map(|v| go_format::quote(v)).collect();
            format!("supported values: {}", quoted.join(", "))
        };
        Self::with(FieldErrorKind::NotSupported, field, value.into(), detail)
    }

    /// A well-formed value that is not allowed in this context.
    pub fn forbidden(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::with(
            FieldErrorKind::Forbidden,
            field,
            FieldValue::String(String::new()),
            detail,
        )
    }

    /// A value longer than `max_bytes`; a negative limit gives "value is too long".
    pub fn too_long(field: impl Into<String>, max_bytes: i64) -> Self {
        let detail = match max_bytes {
            1 => "may not be more than 1 byte".to_string(),
            n if n >= 0 => format!("may not be more than {n} bytes"),
            _ => "value is too long".to_string(),
        };
        Self::with(
            FieldErrorKind::TooLong,
            field,
            FieldValue::from("<value omitted>"),
            detail,
        )
    }

    /// A value longer than `max_chars` characters (upstream's `TooLongCharacters`).
    pub fn too_long_characters(field: impl Into<String>, max_chars: i64) -> Self {
        let detail = match max_chars {
            1 => "may not be more than 1 character".to_string(),
            n if n >= 0 => format!("may not be more than {n} characters"),
            _ => "value is too long".to_string(),
        };
        Self::with(
            FieldErrorKind::TooLong,
            field,
            FieldValue::from("<value omitted>"),
            detail,
        )
    }

    /// A value shorter than `min_chars` characters.
    pub fn too_short(field: impl Into<String>, value: impl Into<FieldValue>, min_chars: i64) -> Self {
        let detail = match min_chars {
            1 => "must be at least 1 character".to_string(),
            n if n >= 0 => format!("must be at least {n} characters"),
            _ => "value is too short".to_string(),
        };
        Self::with(FieldErrorKind::TooShort, field, value.into(), detail)
    }

    /// A list with `actual` items where at most `max` are allowed; a negative `actual`
    /// is left out of the message, a negative `max` gives "has too many items".
    pub fn too_many(field: impl Into<String>, actual: i64, max: i64) -> Self {
        let detail = match max {
            1 => "must have at most 1 item".to_string(),
            n if n >= 0 => format!("must have at most {n} items"),
            _ => "has too many items".to_string(),
        };
        let value = if actual >= 0 {
            FieldValue::Int(actual)
        } else {
            FieldValue::Omitted
        };
        Self::with(FieldErrorKind::TooMany, field, value, detail)
    }

    /// A list with `actual` items where at least `min` are required.
    pub fn too_few(field: impl Into<String>, actual: i64, min: i64) -> Self {
        let detail = match min {
            1 => "must have at least 1 item".to_string(),
            n if n >= 0 => format!("must have at least {n} items"),
            _ => "has too few items".to_string(),
        };
        Self::with(FieldErrorKind::TooFew, field, FieldValue::Int(actual), detail)
    }

    /// A value of the wrong type for its schema.
    pub fn type_invalid(field: impl Into<String>, value: impl Into<FieldValue>, detail: impl Into<String>) -> Self {
        Self::with(FieldErrorKind::TypeInvalid, field, value.into(), detail)
    }

    /// A failure not caused by the input; the error's text becomes the detail.
    pub fn internal(field: impl Into<String>, err: impl fmt::Display) -> Self {
        let detail = err.to_string();
        Self::with(
            FieldErrorKind::Internal,
            field,
            FieldValue::String(detail.clone()),
            detail,
        )
    }

    fn with(kind: FieldErrorKind, field: impl Into<String>, value: FieldValue, detail: impl Into<String>) -> Self {
        Self {
            kind,
            field: field.into(),
            value,
            detail: detail.into(),
        }
    }

    /// The message without the field path (upstream's `ErrorBody`): what a Status cause
    /// carries as its `message`.
    pub fn body(&self) -> String {
        let mut body = self.kind.label().to_string();
        if !self.kind.omits_value() && self.value != FieldValue::Omitted {
            body.push_str(": ");
            body.push_str(&self.value.to_string());
        }
        if !self.detail.is_empty() {
            body.push_str(": ");
            body.push_str(&self.detail);
        }
        body
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.body())
    }
}

impl std::error::Error for FieldError {}

/// A list of field errors treated as one error, like upstream's
/// `ErrorList.ToAggregate()`: `Display` drops repeated messages and prints one message
/// bare or several as `[a, b]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, FieldError> {
        self.0.iter()
    }

    /// `Err(self)` when there are errors, so validation can end with `errors.into_result()?`.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }
}

/// The aggregate message of a list of field errors, or `None` for an empty list.
pub fn aggregate_message(errors: &[FieldError]) -> Option<String> {
    let mut seen: Vec<String> = Vec::with_capacity(errors.len());
    for err in errors {
        let msg = err.to_string();
        if !seen.contains(&msg) {
            seen.push(msg);
        }
    }
    match seen.len() {
        0 => None,
        1 => seen.pop(),
        _ => Some(format!("[{}]", seen.join(", "))),
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&aggregate_message(&self.0).unwrap_or_default())
    }
}

impl std::error::Error for FieldErrors {}

impl From<Vec<FieldError>> for FieldErrors {
    fn from(errors: Vec<FieldError>) -> Self {
        Self(errors)
    }
}

impl IntoIterator for FieldErrors {
    type Item = FieldError;
    type IntoIter = std::vec::IntoIter<FieldError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path() -> &'static str {
        "path.to.field"
    }

    /// The cases of upstream's `TestErrorFormatting` that apply to Myriad's value shapes.
    #[test]
    fn formatting_matches_upstream() {
        #[derive(serde::Serialize)]
        struct TinyStruct {
            #[serde(rename = "stringField")]
            string_field: &'static str,
            #[serde(rename = "intField")]
            int_field: i64,
            #[serde(rename = "boolField")]
            bool_field: bool,
        }
        let tiny = TinyStruct {
            string_field: "stringval",
            int_field: 9376,
            bool_field: true,
        };
        let mut map = std::collections::BTreeMap::new();
        map.insert("one", 1);
        map.insert("two", 2);
        map.insert("three", 3);
        let raw = |kind, value: FieldValue| FieldError {
            kind,
            field: path().to_string(),
            value,
            detail: "the details".to_string(),
        };
        let cases: Vec<(FieldError, &str)> = vec![
            (
                raw(FieldErrorKind::Required, "the value".into()),
                "path.to.field: Required value: the details",
            ),
            (
                FieldError::required(path(), "the details"),
                "path.to.field: Required value: the details",
            ),
            (
                raw(FieldErrorKind::Forbidden, "the value".into()),
                "path.to.field: Forbidden: the details",
            ),
            (
                FieldError::forbidden(path(), "the details"),
                "path.to.field: Forbidden: the details",
            ),
            (
                raw(FieldErrorKind::TooLong, "the value".into()),
                "path.to.field: Too long: the details",
            ),
            (
                FieldError::too_long(path(), 1),
                "path.to.field: Too long: may not be more than 1 byte",
            ),
            (
                FieldError::too_long(path(), 2),
                "path.to.field: Too long: may not be more than 2 bytes",
            ),
            (
                FieldError::too_long(path(), -1),
                "path.to.field: Too long: value is too long",
            ),
            (
                raw(FieldErrorKind::TooMany, "the value".into()),
                r#"path.to.field: Too many: "the value": the details"#,
            ),
            (
                FieldError::too_many(path(), 2, 1),
                "path.to.field: Too many: 2: must have at most 1 item",
            ),
            (
                FieldError::too_many(path(), 3, 2),
                "path.to.field: Too many: 3: must have at most 2 items",
            ),
            (
                FieldError::too_many(path(), 2, -1),
                "path.to.field: Too many: 2: has too many items",
            ),
            (
                FieldError::too_many(path(), -1, 1),
                "path.to.field: Too many: must have at most 1 item",
            ),
            (
                raw(FieldErrorKind::Internal, "the value".into()),
                "path.to.field: Internal error: the details",
            ),
            (
                FieldError::internal(path(), "the error"),
                "path.to.field: Internal error: the error",
            ),
            (
                raw(FieldErrorKind::Invalid, "the value".into()),
                r#"path.to.field: Invalid value: "the value": the details"#,
            ),
            (
                raw(FieldErrorKind::Invalid, (-42i64).into()),
                "path.to.field: Invalid value: -42: the details",
            ),
            (
                raw(FieldErrorKind::Invalid, true.into()),
                "path.to.field: Invalid value: true: the details",
            ),
            (
                raw(FieldErrorKind::Invalid, FieldValue::json(&tiny)),
                r#"path.to.field: Invalid value: {"stringField":"stringval","intField":9376,"boolField":true}: the details"#,
            ),
            (
                raw(FieldErrorKind::Invalid, FieldValue::json(&["one", "two", "three"])),
                r#"path.to.field: Invalid value: ["one","two","three"]: the details"#,
            ),
            (
                raw(FieldErrorKind::Invalid, FieldValue::json(&map)),
                r#"path.to.field: Invalid value: {"one":1,"three":3,"two":2}: the details"#,
            ),
            (
                raw(FieldErrorKind::Invalid, FieldValue::Omitted),
                "path.to.field: Invalid value: the details",
            ),
            (
                raw(FieldErrorKind::Invalid, FieldValue::json(&serde_json::Value::Null)),
                "path.to.field: Invalid value: null: the details",
            ),
            (
                FieldError::invalid(path(), "the value", "the details"),
                r#"path.to.field: Invalid value: "the value": the details"#,
            ),
            (
                raw(FieldErrorKind::NotFound, "the value".into()),
                r#"path.to.field: Not found: "the value": the details"#,
            ),
            (
                raw(FieldErrorKind::NotSupported, "the value".into()),
                r#"path.to.field: Unsupported value: "the value": the details"#,
            ),
            (
                FieldError::not_supported(path(), "the value", &["val1", "val2"]),
                r#"path.to.field: Unsupported value: "the value": supported values: "val1", "val2""#,
            ),
            (
                raw(FieldErrorKind::Duplicate, "the value".into()),
                r#"path.to.field: Duplicate value: "the value": the details"#,
            ),
            (
                FieldError::duplicate(path(), "the value"),
                r#"path.to.field: Duplicate value: "the value""#,
            ),
            (
                raw(FieldErrorKind::TypeInvalid, "the value".into()),
                r#"path.to.field: Invalid value: "the value": the details"#,
            ),
            (
                FieldError::type_invalid(path(), "the value", "the details"),
                r#"path.to.field: Invalid value: "the value": the details"#,
            ),
        ];
        for (err, want) in cases {
            assert_eq!(err.to_string(), want);
        }
    }

    #[test]
    fn too_few_too_short_and_characters() {
        assert_eq!(
            FieldError::too_few("f", 0, 1).to_string(),
            "f: Too few: 0: must have at least 1 item"
        );
        assert_eq!(
            FieldError::too_short("f", "ab", 3).to_string(),
            "f: Too short: must be at least 3 characters"
        );
        assert_eq!(
            FieldError::too_long_characters("f", 1).to_string(),
            "f: Too long: may not be more than 1 character"
        );
    }

    #[test]
    fn aggregate_like_to_aggregate() {
        let inv = FieldError::invalid("f", "v", "d");
        let internal = FieldError::internal("", "e");
        assert_eq!(aggregate_message(&[]), None);
        assert_eq!(
            aggregate_message(std::slice::from_ref(&inv)).as_deref(),
            Some(r#"f: Invalid value: "v": d"#)
        );
        // Repeated messages collapse to one, and one message has no brackets.
        assert_eq!(
            aggregate_message(&[inv.clone(), inv.clone()]).as_deref(),
            Some(r#"f: Invalid value: "v": d"#)
        );
        assert_eq!(
            FieldErrors(vec![inv, internal]).to_string(),
            r#"[f: Invalid value: "v": d, : Internal error: e]"#
        );
    }

    #[test]
    fn paths_like_field_path() {
        let meta = FieldPath::new("metadata");
        assert_eq!(meta.child("labels").as_str(), "metadata.labels");
        assert_eq!(
            FieldPath::new("spec")
                .child("containers")
                .index(0)
                .child("image")
                .as_str(),
            "spec.containers[0].image"
        );
        assert_eq!(
            FieldPath::default().child("values").index(0).key("x").as_str(),
            "values[0][x]"
        );
    }

    #[test]
    fn json_values_render_like_typed_go_fields() {
        let v = serde_json::json!({"b": 1, "a": [1, "x"]});
        assert_eq!(FieldValue::from_json(&v).to_string(), r#"{"a":[1,"x"],"b":1}"#);
        assert_eq!(FieldValue::from_json(&serde_json::json!("x")).to_string(), r#""x""#);
        assert_eq!(FieldValue::from_json(&serde_json::json!(-3)).to_string(), "-3");
        assert_eq!(FieldValue::from_json(&serde_json::json!(2.5)).to_string(), "2.5");
        assert_eq!(
            FieldValue::from_json(&serde_json::json!(u64::MAX)).to_string(),
            "18446744073709551615"
        );
    }
}
