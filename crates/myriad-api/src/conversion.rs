//! Conversion between the served versions of the built-in kinds whose versions share one
//! stored object, as kube-apiserver 1.33 converts them (through its internal types) when
//! a client reads or writes a version other than the storage version:
//!
//! * HorizontalPodAutoscaler, `autoscaling/v1` ↔ `autoscaling/v2` (stored as v2):
//!   upstream's `pkg/apis/autoscaling/v1/conversion.go` — v1's CPU percentage maps to a
//!   Resource `cpu` Utilization metric, and everything else v2 has round-trips through
//!   v1 in the `autoscaling.alpha.kubernetes.io/*` annotations (`autoscaling.rs`).
//! * Event, core `v1` ↔ `events.k8s.io/v1` (stored as core v1): upstream's
//!   `pkg/apis/events/v1/conversion.go`, a field-by-field renaming (`events.rs`), and
//!   the field selector labels events.k8s.io accepts ([`events_field_label`]).
//!
//! Everything here is a pure function of JSON in and JSON out. Objects come out as Go's
//! `encoding/json` writes the target version's struct: fields without `omitempty` keep
//! their zero value (`eventTime: null`, `reportingComponent: ""`, v1's
//! `status.currentReplicas: 0`), `omitempty` ones are left out when zero, and fields the
//! target version does not have are dropped. Metadata is kept as it is, apart from the
//! HorizontalPodAutoscaler round-trip annotations.
//!
//! Not here: defaulting (the caller applies the target version's defaults where
//! upstream decodes, e.g. v2's scaling behavior defaults on an object converted from
//! v1) and lists (convert each item).

mod autoscaling;
mod events;

pub use events::events_field_label;

pub use autoscaling::{
    BEHAVIOR_ANNOTATION, CONDITIONS_ANNOTATION, METRIC_SPECS_ANNOTATION, METRIC_STATUSES_ANNOTATION,
};

use std::collections::BTreeMap;

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value};

/// Why an object could not be converted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConversionError {
    /// The object is not a JSON object.
    #[error("object to convert is not a JSON object")]
    NotAnObject,
    /// The object does not say which kind and version it is.
    #[error("object to convert has no apiVersion or kind")]
    MissingTypeMeta,
    /// There is no conversion of this kind between these versions.
    #[error("no conversion of {kind} from {from} to {to}")]
    Unsupported { kind: String, from: String, to: String },
}

/// The apiVersion objects of this built-in resource are stored in, when its versions
/// need converting: `Some("autoscaling/v2")` for group `autoscaling` resource
/// `horizontalpodautoscalers`; `Some("v1")` for core `events` and `events.k8s.io`
/// `events`; `None` for every other resource (one served version, nothing to convert).
pub fn storage_version(group: &str, resource: &str) -> Option<&'static str> {
    match (group, resource) {
        ("autoscaling", "horizontalpodautoscalers") => Some("autoscaling/v2"),
        ("" | "events.k8s.io", "events") => Some("v1"),
        _ => None,
    }
}

/// Converts `object` — any served version of a kind [`storage_version`] names, its
/// `apiVersion` and `kind` say which — to `api_version` (`"autoscaling/v1"`,
/// `"autoscaling/v2"`, `"v1"`, `"events.k8s.io/v1"`), setting `apiVersion` and `kind`.
/// Returns the object unchanged when it already is in that version. Upstream converts
/// through its internal type; so does this, and the result is what kube-apiserver
/// serves for the target version.
pub fn convert(object: Value, api_version: &str) -> Result<Value, ConversionError> {
    let Value::Object(object) = object else {
        return Err(ConversionError::NotAnObject);
    };
    let (Some(from), Some(kind)) = (
        object.get("apiVersion").and_then(Value::as_str),
        object.get("kind").and_then(Value::as_str),
    ) else {
        return Err(ConversionError::MissingTypeMeta);
    };
    if from == api_version {
        return Ok(Value::Object(object));
    }
    let converted = match (kind, from, api_version) {
        ("HorizontalPodAutoscaler", autoscaling::V2, autoscaling::V1) => autoscaling::v2_to_v1(object),
        ("HorizontalPodAutoscaler", autoscaling::V1, autoscaling::V2) => autoscaling::v1_to_v2(object),
        ("Event", events::CORE, events::EVENTS) => events::core_to_events(object),
        ("Event", events::EVENTS, events::CORE) => events::events_to_core(object),
        _ => {
            return Err(ConversionError::Unsupported {
                kind: kind.to_string(),
                from: from.to_string(),
                to: api_version.to_string(),
            });
        }
    };
    Ok(Value::Object(converted))
}

// ---------------------------------------------------------------------------------------
// Reading objects as Go decodes them into typed structs: a missing, `null` or mistyped
// field reads as its zero value. The objects converted here were validated as their kind,
// so mistyped fields do not occur in practice.

/// The object at `key`, if there is one.
fn child<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Map<String, Value>> {
    object.get(key).and_then(Value::as_object)
}

/// The string at `key`; `""` when absent.
fn string(object: &Map<String, Value>, key: &str) -> String {
    object.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

/// The integer at `key`; 0 when absent.
fn integer(object: &Map<String, Value>, key: &str) -> i64 {
    object.get(key).and_then(Value::as_i64).unwrap_or_default()
}

/// The non-null value at `key`, cloned: a pointer field Go would keep.
fn present(object: &Map<String, Value>, key: &str) -> Option<Value> {
    object.get(key).filter(|v| !v.is_null()).cloned()
}

/// A `metav1.Time` or `metav1.MicroTime` field: Go writes a zero time as `null`.
fn time(object: &Map<String, Value>, key: &str) -> Value {
    present(object, key).unwrap_or(Value::Null)
}

/// Sets `key` to `value` unless it is empty: a string field tagged `omitempty`.
fn put_string(out: &mut Map<String, Value>, key: &str, value: String) {
    if !value.is_empty() {
        out.insert(key.to_string(), Value::String(value));
    }
}

/// Sets `key` to `value` when there is one: a pointer field tagged `omitempty`.
fn put_present(out: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(value) = value {
        out.insert(key.to_string(), value);
    }
}

// ---------------------------------------------------------------------------------------
// Writing JSON that is stored in annotations, where the text itself is the value: keys in
// the order of the Go struct's fields, as `encoding/json` writes them.

/// A JSON value whose objects keep their keys in the order given, the way Go writes a
/// struct; [`GoJson::Labels`] is a Go map (keys sorted).
#[derive(Clone, Debug, PartialEq)]
enum GoJson {
    Null,
    Int(i64),
    Str(String),
    List(Vec<GoJson>),
    Struct(Vec<(&'static str, GoJson)>),
    Labels(BTreeMap<String, String>),
}

impl Serialize for GoJson {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            GoJson::Null => serializer.serialize_unit(),
            GoJson::Int(i) => serializer.serialize_i64(*i),
            GoJson::Str(s) => serializer.serialize_str(s),
            GoJson::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            GoJson::Struct(fields) => {
                let mut map = serializer.serialize_map(Some(fields.len()))?;
                for (key, value) in fields {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
            GoJson::Labels(labels) => {
                let mut map = serializer.serialize_map(Some(labels.len()))?;
                for (key, value) in labels {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

/// A Go struct being written, field by field in declaration order.
#[derive(Default)]
struct GoStruct(Vec<(&'static str, GoJson)>);

impl GoStruct {
    /// A field written whatever its value.
    fn field(mut self, key: &'static str, value: GoJson) -> Self {
        self.0.push((key, value));
        self
    }

    /// An `omitempty` field: written when there is a value.
    fn optional(mut self, key: &'static str, value: Option<GoJson>) -> Self {
        if let Some(value) = value {
            self.0.push((key, value));
        }
        self
    }

    /// An `omitempty` string field: written unless empty.
    fn string(self, key: &'static str, value: String) -> Self {
        let value = (!value.is_empty()).then_some(GoJson::Str(value));
        self.optional(key, value)
    }

    fn done(self) -> GoJson {
        GoJson::Struct(self.0)
    }
}

/// `value` as Go's `json.Marshal` writes it (compact, HTML-safe escaping).
fn go_json(value: &GoJson) -> String {
    // Serializing a GoJson cannot fail: every key is a string.
    crate::go_format::json(value).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// Reading JSON that was stored in annotations, as Go's `json.Unmarshal` into a struct
// reads it: keys match field names exactly or else case-insensitively, unknown keys are
// ignored, `null` leaves a field at its zero value, and a value of the wrong type fails
// the whole decode (upstream then ignores the annotation).

/// The annotation could not be decoded into the struct upstream reads it into.
#[derive(Debug)]
struct Undecodable;

type Decoded<T> = Result<T, Undecodable>;

/// A JSON object being decoded into a Go struct.
struct GoFields<'a>(&'a Map<String, Value>);

impl<'a> GoFields<'a> {
    /// `value` as a struct: an object, or `null` (all fields zero).
    fn of(value: &'a Value) -> Decoded<Option<GoFields<'a>>> {
        match value {
            Value::Null => Ok(None),
            Value::Object(map) => Ok(Some(GoFields(map))),
            _ => Err(Undecodable),
        }
    }

    /// The value for Go field `name`, unless absent or `null`.
    fn get(&self, name: &str) -> Option<&'a Value> {
        let value = self.0.get(name).or_else(|| {
            self.0
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| value)
        })?;
        (!value.is_null()).then_some(value)
    }

    fn string(&self, name: &str) -> Decoded<String> {
        match self.get(name) {
            None => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(Undecodable),
        }
    }

    fn int32(&self, name: &str) -> Decoded<Option<i64>> {
        self.get(name).map(go_int32).transpose()
    }

    /// A `resource.Quantity`, canonical as Go writes it back.
    fn quantity(&self, name: &str) -> Decoded<Option<String>> {
        self.get(name).map(go_quantity).transpose()
    }

    fn label_selector(&self, name: &str) -> Decoded<Option<Value>> {
        self.get(name).map(go_label_selector).transpose()
    }

    /// A Go `metav1.Time`: an RFC 3339 string, kept as written.
    fn time(&self, name: &str) -> Decoded<Value> {
        match self.get(name) {
            None => Ok(Value::Null),
            Some(Value::String(s)) => Ok(Value::String(s.clone())),
            Some(_) => Err(Undecodable),
        }
    }
}

/// A JSON number that fits Go's `int32`.
fn go_int32(value: &Value) -> Decoded<i64> {
    value.as_i64().filter(|i| i32::try_from(*i).is_ok()).ok_or(Undecodable)
}

/// A `resource.Quantity` (a string, or a bare number), printed canonically.
fn go_quantity(value: &Value) -> Decoded<String> {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return Err(Undecodable),
    };
    crate::quantity::canonical(&text).ok_or(Undecodable)
}

/// A JSON list, or `None` for `null`.
fn go_list(value: &Value) -> Decoded<&Vec<Value>> {
    value.as_array().ok_or(Undecodable)
}

/// A `metav1.LabelSelector`, in the shape Go writes it (empty parts left out).
fn go_label_selector(value: &Value) -> Decoded<Value> {
    let mut out = Map::new();
    if let Some(fields) = GoFields::of(value)? {
        if let Some(labels) = fields.get("matchLabels") {
            let labels = labels.as_object().ok_or(Undecodable)?;
            if !labels.is_empty() {
                let mut map = Map::new();
                for (key, value) in labels {
                    match value {
                        Value::String(_) => map.insert(key.clone(), value.clone()),
                        Value::Null => map.insert(key.clone(), Value::String(String::new())),
                        _ => return Err(Undecodable),
                    };
                }
                out.insert("matchLabels".into(), Value::Object(map));
            }
        }
        if let Some(expressions) = fields.get("matchExpressions") {
            let mut list = Vec::new();
            for expression in go_list(expressions)? {
                let mut requirement = Map::new();
                if let Some(e) = GoFields::of(expression)? {
                    requirement.insert("key".into(), Value::String(e.string("key")?));
                    requirement.insert("operator".into(), Value::String(e.string("operator")?));
                    if let Some(values) = e.get("values") {
                        let values = go_list(values)?
                            .iter()
                            .map(|v| match v {
                                Value::String(_) => Ok(v.clone()),
                                Value::Null => Ok(Value::String(String::new())),
                                _ => Err(Undecodable),
                            })
                            .collect::<Decoded<Vec<_>>>()?;
                        if !values.is_empty() {
                            requirement.insert("values".into(), Value::Array(values));
                        }
                    }
                } else {
                    requirement.insert("key".into(), Value::String(String::new()));
                    requirement.insert("operator".into(), Value::String(String::new()));
                }
                list.push(Value::Object(requirement));
            }
            if !list.is_empty() {
                out.insert("matchExpressions".into(), Value::Array(list));
            }
        }
    }
    Ok(Value::Object(out))
}

/// A `metav1.LabelSelector` from a stored object, as Go writes it: `matchLabels`
/// (sorted), then `matchExpressions` (`key`, `operator`, `values`); empty parts left out.
fn label_selector_json(selector: &Map<String, Value>) -> GoJson {
    let labels: BTreeMap<String, String> = child(selector, "matchLabels")
        .map(|labels| {
            labels
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    let expressions: Vec<GoJson> = selector
        .get("matchExpressions")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_object)
                .map(|e| {
                    let values: Vec<GoJson> = e
                        .get("values")
                        .and_then(Value::as_array)
                        .map(|vs| {
                            vs.iter()
                                .map(|v| GoJson::Str(v.as_str().unwrap_or_default().to_string()))
                                .collect()
                        })
                        .unwrap_or_default();
                    GoStruct::default()
                        .field("key", GoJson::Str(string(e, "key")))
                        .field("operator", GoJson::Str(string(e, "operator")))
                        .optional("values", (!values.is_empty()).then_some(GoJson::List(values)))
                        .done()
                })
                .collect()
        })
        .unwrap_or_default();
    GoStruct::default()
        .optional("matchLabels", (!labels.is_empty()).then_some(GoJson::Labels(labels)))
        .optional(
            "matchExpressions",
            (!expressions.is_empty()).then_some(GoJson::List(expressions)),
        )
        .done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn storage_versions() {
        let cases = [
            ("autoscaling", "horizontalpodautoscalers", Some("autoscaling/v2")),
            ("", "events", Some("v1")),
            ("events.k8s.io", "events", Some("v1")),
            ("apps", "deployments", None),
            ("", "pods", None),
            ("autoscaling", "events", None),
        ];
        for (group, resource, want) in cases {
            assert_eq!(storage_version(group, resource), want, "{group}/{resource}");
        }
    }

    #[test]
    fn same_version_is_unchanged() {
        let object = json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e"}, "extra": 1});
        assert_eq!(convert(object.clone(), "v1"), Ok(object));
    }

    #[test]
    fn errors() {
        assert_eq!(convert(json!([]), "v1"), Err(ConversionError::NotAnObject));
        assert_eq!(
            convert(json!({"kind": "Event"}), "v1"),
            Err(ConversionError::MissingTypeMeta)
        );
        assert_eq!(
            convert(json!({"apiVersion": "apps/v1", "kind": "Deployment"}), "apps/v1beta1"),
            Err(ConversionError::Unsupported {
                kind: "Deployment".into(),
                from: "apps/v1".into(),
                to: "apps/v1beta1".into()
            })
        );
        assert_eq!(
            convert(json!({"apiVersion": "v1", "kind": "Event"}), "autoscaling/v2").map_err(|e| e.to_string()),
            Err("no conversion of Event from v1 to autoscaling/v2".to_string())
        );
    }

    #[test]
    fn go_json_keeps_struct_order_and_escapes() {
        let value = GoStruct::default()
            .field("z", GoJson::Int(1))
            .field("a", GoJson::Str("<&>".into()))
            .optional("skipped", None)
            .string("empty", String::new())
            .field("n", GoJson::Null)
            .field(
                "labels",
                GoJson::Labels(BTreeMap::from([("b".into(), "2".into()), ("a".into(), "1".into())])),
            )
            .done();
        assert_eq!(
            go_json(&value),
            r#"{"z":1,"a":"\u003c\u0026\u003e","n":null,"labels":{"a":"1","b":"2"}}"#
        );
    }

    #[test]
    fn go_decoding_rules() {
        let value = json!({"Name": "x", "count": 5, "big": 3_000_000_000_i64, "q": 1.5, "bad": "1.5.5"});
        let Ok(Some(fields)) = GoFields::of(&value) else {
            panic!("not an object")
        };
        assert_eq!(fields.string("name").ok(), Some("x".to_string()));
        assert_eq!(fields.int32("COUNT").ok(), Some(Some(5)));
        assert!(fields.int32("big").is_err());
        assert!(fields.string("count").is_err());
        assert_eq!(fields.quantity("q").ok(), Some(Some("1500m".to_string())));
        assert!(fields.quantity("bad").is_err());
        assert_eq!(fields.int32("missing").ok(), Some(None));
        assert!(GoFields::of(&json!(3)).is_err());
        assert_eq!(
            go_label_selector(&json!({"MatchLabels": {"a": "b"}, "matchExpressions": [
                {"key": "k", "operator": "In", "values": ["v"]}, {"key": "e", "operator": "Exists", "values": []}
            ]}))
            .ok(),
            Some(json!({"matchLabels": {"a": "b"}, "matchExpressions": [
                {"key": "k", "operator": "In", "values": ["v"]}, {"key": "e", "operator": "Exists"}
            ]}))
        );
    }
}
