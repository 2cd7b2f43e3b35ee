//! Kubernetes' protobuf request bodies (`application/vnd.kubernetes.protobuf`), turned
//! into the JSON objects the rest of the server works with.
//!
//! client-go's typed clients, and so kubectl's `create namespace|configmap|deployment…`,
//! `drain` and `auth` commands, send protobuf and never fall back to JSON. A body is the
//! magic `k8s\0` followed by a `runtime.Unknown` whose `raw` is the object's message; the
//! schema comes from the vendored upstream `.proto` files (compiled by `build.rs`), so
//! every kind those files define decodes without per-kind code.
//!
//! Go's protobuf encoding writes non-pointer fields even when they hold their zero value,
//! while Go's JSON encoding drops those tagged `omitempty`; the wire cannot tell them from
//! pointers set to zero, which mean something (`replicas: 0`,
//! `allowPrivilegeEscalation: false`). `proto/omitempty.txt`, generated from upstream's Go
//! types with the `.proto` files, lists the non-pointer `omitempty` fields, so the JSON
//! here is what a Go client would have sent.

use std::collections::HashSet;
use std::sync::LazyLock;

use base64::Engine as _;
use prost_reflect::{
    DescriptorPool, DynamicMessage, FieldDescriptor, MapKey, MessageDescriptor, ReflectMessage, Value as Proto,
};
use serde_json::{Map, Value};
use time::OffsetDateTime;

/// The media type client-go sends for built-in kinds.
pub(crate) const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// Every protobuf body starts with these four bytes.
const MAGIC: &[u8] = b"k8s\0";

const UNKNOWN: &str = "k8s.io.apimachinery.pkg.runtime.Unknown";
const META: &str = "k8s.io.apimachinery.pkg.apis.meta.v1";
const TIME: &str = "k8s.io.apimachinery.pkg.apis.meta.v1.Time";
const MICRO_TIME: &str = "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime";
const DURATION: &str = "k8s.io.apimachinery.pkg.apis.meta.v1.Duration";
const FIELDS_V1: &str = "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1";
const VERBS: &str = "k8s.io.apimachinery.pkg.apis.meta.v1.Verbs";
const QUANTITY: &str = "k8s.io.apimachinery.pkg.api.resource.Quantity";
const INT_OR_STRING: &str = "k8s.io.apimachinery.pkg.util.intstr.IntOrString";
const RAW_EXTENSION: &str = "k8s.io.apimachinery.pkg.runtime.RawExtension";

static POOL: LazyLock<Result<DescriptorPool, String>> = LazyLock::new(|| {
    DescriptorPool::decode(include_bytes!(concat!(env!("OUT_DIR"), "/k8s.fds")).as_ref()).map_err(|e| e.to_string())
});

/// `(message, field)` pairs whose zero value Go's JSON encoding leaves out.
static OMITEMPTY: LazyLock<HashSet<(&'static str, &'static str)>> = LazyLock::new(|| {
    include_str!("../../proto/omitempty.txt")
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once(' '))
        .collect()
});

/// `(message, field)` pairs of embedded Go structs tagged `json:",inline"`: a nested
/// message in protobuf whose fields JSON writes into the parent (a Volume's source, an
/// Ingress rule's `http`, a key selector's `name`).
static INLINE: LazyLock<HashSet<(&'static str, &'static str)>> = LazyLock::new(|| {
    include_str!("../../proto/inline.txt")
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once(' '))
        .collect()
});

/// Why a protobuf body could not be read; the message ends up in a 400 Status.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum ProtobufError {
    #[error("the body does not start with the Kubernetes protobuf prefix")]
    MissingPrefix,
    #[error("the protobuf body could not be decoded: {0}")]
    Decode(String),
    #[error("content encoding {0:?} is not supported")]
    Encoding(String),
    #[error("no protobuf schema for kind {kind:?} in {api_version:?}")]
    UnknownKind { api_version: String, kind: String },
    #[error("the protobuf schemas failed to load: {0}")]
    Schemas(String),
}

/// Decodes one protobuf request body into a JSON object carrying `apiVersion` and `kind`.
pub(crate) fn to_json(body: &[u8]) -> Result<Value, ProtobufError> {
    let pool = POOL.as_ref().map_err(|e| ProtobufError::Schemas(e.clone()))?;
    let envelope = body.strip_prefix(MAGIC).ok_or(ProtobufError::MissingPrefix)?;
    let unknown = decode(message_named(pool, UNKNOWN)?, envelope)?;
    let type_meta = unknown.get_field_by_name("typeMeta");
    let type_meta = type_meta.as_deref().and_then(Proto::as_message);
    let text = |name: &str| {
        type_meta
            .and_then(|m| m.get_field_by_name(name))
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    };
    let (api_version, kind) = (text("apiVersion"), text("kind"));
    let encoding = unknown
        .get_field_by_name("contentEncoding")
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    if !encoding.is_empty() {
        return Err(ProtobufError::Encoding(encoding));
    }
    let raw = unknown
        .get_field_by_name("raw")
        .and_then(|v| v.as_bytes().cloned())
        .unwrap_or_default();
    let descriptor = descriptor_for(pool, &api_version, &kind)?;
    let mut object = match message(&decode(descriptor, &raw)?) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    object.insert("apiVersion".into(), Value::String(api_version));
    object.insert("kind".into(), Value::String(kind));
    Ok(Value::Object(object))
}

fn message_named(pool: &DescriptorPool, name: &str) -> Result<MessageDescriptor, ProtobufError> {
    pool.get_message_by_name(name)
        .ok_or_else(|| ProtobufError::Schemas(format!("{name} is missing")))
}

fn decode(descriptor: MessageDescriptor, bytes: &[u8]) -> Result<DynamicMessage, ProtobufError> {
    DynamicMessage::decode(descriptor, bytes).map_err(|e| ProtobufError::Decode(e.to_string()))
}

/// The message of `kind` in `apiVersion`: upstream's proto packages are named after the
/// group's first label (`rbac.authorization.k8s.io/v1` → `k8s.io.api.rbac.v1`), and the
/// option kinds every group accepts (`DeleteOptions`, …) live in meta/v1.
fn descriptor_for(pool: &DescriptorPool, api_version: &str, kind: &str) -> Result<MessageDescriptor, ProtobufError> {
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let package = match group.split('.').next() {
        Some("") | None => "core",
        Some(first) => first,
    };
    let valid = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric());
    if valid(version) && valid(kind) && valid(package) {
        let named = [
            format!("k8s.io.api.{package}.{version}.{kind}"),
            format!("{META}.{kind}"),
        ];
        if let Some(found) = named.iter().find_map(|name| pool.get_message_by_name(name)) {
            return Ok(found);
        }
    }
    Err(ProtobufError::UnknownKind {
        api_version: api_version.to_string(),
        kind: kind.to_string(),
    })
}

/// One message as Kubernetes' JSON encoding writes it.
fn message(msg: &DynamicMessage) -> Value {
    match msg.descriptor().full_name() {
        TIME => time(msg, false),
        MICRO_TIME => time(msg, true),
        DURATION => Value::String(go_duration(int(msg, "duration"))),
        QUANTITY => Value::String(string(msg, "string")),
        INT_OR_STRING => int_or_string(msg),
        RAW_EXTENSION => raw_json(msg, "raw"),
        FIELDS_V1 => raw_json(msg, "Raw"),
        // Go slices that go-to-protobuf wraps in a message with one repeated field.
        VERBS => field_or_null(msg, "items"),
        name if name.ends_with(".ExtraValue") => field_or_null(msg, "items"),
        _ => {
            let mut object = Map::new();
            let name = msg.descriptor().full_name().to_string();
            for (field, value) in msg.fields() {
                let Some(json) = field_value(&field, value) else {
                    continue;
                };
                match json {
                    Value::Object(embedded) if INLINE.contains(&(name.as_str(), field.name())) => {
                        object.extend(embedded)
                    }
                    json => {
                        object.insert(field.name().to_string(), json);
                    }
                }
            }
            Value::Object(object)
        }
    }
}

/// A set field's JSON, or `None` where Go's JSON encoding would leave it out.
fn field_value(field: &FieldDescriptor, value: &Proto) -> Option<Value> {
    let json = match value {
        Proto::List(items) => Value::Array(items.iter().map(scalar).collect()),
        Proto::Map(entries) => {
            let mut object = Map::new();
            for (key, value) in entries {
                object.insert(map_key(key), scalar(value));
            }
            Value::Object(object)
        }
        Proto::Message(m) if is_zero_time(m) => return None,
        other if is_zero(other) && omits_zero(field) => return None,
        other => scalar(other),
    };
    Some(json)
}

fn is_zero(value: &Proto) -> bool {
    match value {
        Proto::Bool(b) => !b,
        Proto::I32(n) => *n == 0,
        Proto::I64(n) => *n == 0,
        Proto::U32(n) => *n == 0,
        Proto::U64(n) => *n == 0,
        Proto::F32(n) => *n == 0.0,
        Proto::F64(n) => *n == 0.0,
        Proto::String(s) => s.is_empty(),
        Proto::Bytes(b) => b.is_empty(),
        Proto::EnumNumber(n) => *n == 0,
        Proto::Message(_) | Proto::List(_) | Proto::Map(_) => false,
    }
}

fn omits_zero(field: &FieldDescriptor) -> bool {
    OMITEMPTY.contains(&(field.parent_message().full_name(), field.name()))
}

fn scalar(value: &Proto) -> Value {
    match value {
        Proto::Bool(b) => Value::Bool(*b),
        Proto::I32(n) => Value::from(*n),
        Proto::I64(n) => Value::from(*n),
        Proto::U32(n) => Value::from(*n),
        Proto::U64(n) => Value::from(*n),
        Proto::F32(n) => Value::from(f64::from(*n)),
        Proto::F64(n) => Value::from(*n),
        Proto::String(s) => Value::String(s.clone()),
        // Go's encoding/json writes []byte as standard base64.
        Proto::Bytes(b) => Value::String(base64::engine::general_purpose::STANDARD.encode(b)),
        Proto::EnumNumber(n) => Value::from(*n),
        Proto::Message(m) => message(m),
        Proto::List(items) => Value::Array(items.iter().map(scalar).collect()),
        Proto::Map(_) => Value::Null,
    }
}

fn map_key(key: &MapKey) -> String {
    match key {
        MapKey::String(s) => s.clone(),
        MapKey::Bool(b) => b.to_string(),
        MapKey::I32(n) => n.to_string(),
        MapKey::I64(n) => n.to_string(),
        MapKey::U32(n) => n.to_string(),
        MapKey::U64(n) => n.to_string(),
    }
}

fn int(msg: &DynamicMessage, name: &str) -> i64 {
    msg.get_field_by_name(name)
        .and_then(|v| v.as_i64().or_else(|| v.as_i32().map(i64::from)))
        .unwrap_or(0)
}

fn string(msg: &DynamicMessage, name: &str) -> String {
    msg.get_field_by_name(name)
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn field_or_null(msg: &DynamicMessage, name: &str) -> Value {
    msg.get_field_by_name(name).map_or(Value::Null, |v| scalar(&v))
}

/// `metav1.Time` marshals the zero time as an empty message.
fn is_zero_time(msg: &DynamicMessage) -> bool {
    matches!(msg.descriptor().full_name(), TIME | MICRO_TIME)
        && (OffsetDateTime::from_unix_timestamp(int(msg, "seconds")).is_err()
            || (int(msg, "seconds") == 0 && int(msg, "nanos") == 0))
}

/// RFC 3339 in UTC: whole seconds for `Time`, microseconds for `MicroTime`.
fn time(msg: &DynamicMessage, micro: bool) -> Value {
    let Ok(at) = OffsetDateTime::from_unix_timestamp(int(msg, "seconds")) else {
        return Value::Null;
    };
    let mut text = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    );
    if micro {
        text.push_str(&format!(".{:06}", int(msg, "nanos").clamp(0, 999_999_999) / 1000));
    }
    text.push('Z');
    Value::String(text)
}

fn int_or_string(msg: &DynamicMessage) -> Value {
    match int(msg, "type") {
        1 => Value::String(string(msg, "strVal")),
        _ => Value::from(int(msg, "intVal")),
    }
}

/// Embedded JSON (a `RawExtension`'s object, managed fields); null if absent or not JSON.
fn raw_json(msg: &DynamicMessage, name: &str) -> Value {
    msg.get_field_by_name(name)
        .and_then(|v| v.as_bytes().and_then(|b| serde_json::from_slice(b).ok()))
        .unwrap_or(Value::Null)
}

/// Go's `time.Duration.String()`: `1h2m3.5s`, `1.5ms`, `0s`.
fn go_duration(nanos: i64) -> String {
    if nanos == 0 {
        return "0s".into();
    }
    let sign = if nanos < 0 { "-" } else { "" };
    let n = nanos.unsigned_abs();
    let fraction = |value: u64, unit: u64| {
        let whole = value / unit;
        let rest = value % unit;
        if rest == 0 {
            whole.to_string()
        } else {
            let digits = unit.ilog10() as usize;
            let frac = format!("{rest:0digits$}");
            format!("{whole}.{}", frac.trim_end_matches('0'))
        }
    };
    let body = match n {
        n if n < 1_000 => format!("{n}ns"),
        n if n < 1_000_000 => format!("{}µs", fraction(n, 1_000)),
        n if n < 1_000_000_000 => format!("{}ms", fraction(n, 1_000_000)),
        n => {
            let (hours, rest) = (n / 3_600_000_000_000, n % 3_600_000_000_000);
            let (minutes, rest) = (rest / 60_000_000_000, rest % 60_000_000_000);
            let seconds = format!("{}s", fraction(rest, 1_000_000_000));
            match (hours, minutes) {
                (0, 0) => seconds,
                (0, m) => format!("{m}m{seconds}"),
                (h, m) => format!("{h}h{m}m{seconds}"),
            }
        }
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost_reflect::Value as P;
    use serde_json::json;

    fn pool() -> &'static DescriptorPool {
        POOL.as_ref().expect("descriptor set loads")
    }

    fn new(name: &str) -> DynamicMessage {
        DynamicMessage::new(pool().get_message_by_name(name).expect(name))
    }

    /// Wraps `object` (of `kind` in `api_version`) the way client-go does.
    fn envelope(api_version: &str, kind: &str, object: &DynamicMessage) -> Vec<u8> {
        let mut type_meta = new("k8s.io.apimachinery.pkg.runtime.TypeMeta");
        type_meta.set_field_by_name("apiVersion", P::String(api_version.into()));
        type_meta.set_field_by_name("kind", P::String(kind.into()));
        let mut unknown = new(UNKNOWN);
        unknown.set_field_by_name("typeMeta", P::Message(type_meta));
        unknown.set_field_by_name("raw", P::Bytes(prost::Message::encode_to_vec(object).into()));
        let mut body = MAGIC.to_vec();
        body.extend(prost::Message::encode_to_vec(&unknown));
        body
    }

    fn meta(name: &str) -> DynamicMessage {
        let mut meta = new("k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta");
        meta.set_field_by_name("name", P::String(name.into()));
        // Go writes every non-pointer field, empty or not.
        meta.set_field_by_name("generateName", P::String(String::new()));
        meta.set_field_by_name("creationTimestamp", P::Message(new(TIME)));
        meta
    }

    #[test]
    fn decodes_a_configmap_with_maps_and_bytes() {
        let mut cm = new("k8s.io.api.core.v1.ConfigMap");
        cm.set_field_by_name("metadata", P::Message(meta("settings")));
        let data = [(MapKey::String("mode".into()), P::String("fast".into()))];
        cm.set_field_by_name("data", P::Map(data.into_iter().collect()));
        let binary = [(MapKey::String("blob".into()), P::Bytes(vec![0, 1, 2].into()))];
        cm.set_field_by_name("binaryData", P::Map(binary.into_iter().collect()));
        let object = to_json(&envelope("v1", "ConfigMap", &cm)).unwrap();
        assert_eq!(
            object,
            json!({
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "settings"},
                "data": {"mode": "fast"},
                "binaryData": {"blob": "AAEC"},
            })
        );
    }

    #[test]
    fn inline_structs_merge_into_their_parent() {
        let mut value = new("k8s.io.api.networking.v1.IngressRuleValue");
        let http = new("k8s.io.api.networking.v1.HTTPIngressRuleValue");
        value.set_field_by_name("http", P::Message(http));
        let mut rule = new("k8s.io.api.networking.v1.IngressRule");
        rule.set_field_by_name("host", P::String("example.com".into()));
        rule.set_field_by_name("ingressRuleValue", P::Message(value));
        assert_eq!(message(&rule), json!({"host": "example.com", "http": {}}));

        let mut reference = new("k8s.io.api.core.v1.LocalObjectReference");
        reference.set_field_by_name("name", P::String("creds".into()));
        let mut selector = new("k8s.io.api.core.v1.SecretKeySelector");
        selector.set_field_by_name("localObjectReference", P::Message(reference));
        selector.set_field_by_name("key", P::String("token".into()));
        assert_eq!(message(&selector), json!({"name": "creds", "key": "token"}));
    }

    #[test]
    fn zero_values_follow_go_json_and_special_types_map() {
        let mut spec = new("k8s.io.api.apps.v1.DeploymentSpec");
        // A pointer: zero is meaningful. Non-pointer omitempty fields: zero is unset.
        spec.set_field_by_name("replicas", P::I32(0));
        spec.set_field_by_name("paused", P::Bool(false));
        spec.set_field_by_name("minReadySeconds", P::I32(0));
        let mut strategy = new("k8s.io.api.apps.v1.RollingUpdateDeployment");
        let mut surge = new(INT_OR_STRING);
        surge.set_field_by_name("type", P::I64(1));
        surge.set_field_by_name("strVal", P::String("25%".into()));
        strategy.set_field_by_name("maxSurge", P::Message(surge));
        let mut unavailable = new(INT_OR_STRING);
        unavailable.set_field_by_name("intVal", P::I32(2));
        strategy.set_field_by_name("maxUnavailable", P::Message(unavailable));
        let mut outer = new("k8s.io.api.apps.v1.DeploymentStrategy");
        outer.set_field_by_name("rollingUpdate", P::Message(strategy));
        spec.set_field_by_name("strategy", P::Message(outer));
        let mut deploy = new("k8s.io.api.apps.v1.Deployment");
        deploy.set_field_by_name("metadata", P::Message(meta("web")));
        deploy.set_field_by_name("spec", P::Message(spec));
        let object = to_json(&envelope("apps/v1", "Deployment", &deploy)).unwrap();
        assert_eq!(object["spec"]["replicas"], json!(0));
        assert_eq!(object["spec"].get("paused"), None);
        assert_eq!(object["spec"].get("minReadySeconds"), None);
        assert_eq!(
            object["spec"]["strategy"]["rollingUpdate"],
            json!({"maxSurge": "25%", "maxUnavailable": 2})
        );
        assert_eq!(object["metadata"], json!({"name": "web"}));
    }

    #[test]
    fn formats_times_quantities_and_durations() {
        let mut at = new(TIME);
        at.set_field_by_name("seconds", P::I64(1_700_000_000));
        assert_eq!(message(&at), json!("2023-11-14T22:13:20Z"));
        let mut micro = new(MICRO_TIME);
        micro.set_field_by_name("seconds", P::I64(1_700_000_000));
        micro.set_field_by_name("nanos", P::I32(123_456_789));
        assert_eq!(message(&micro), json!("2023-11-14T22:13:20.123456Z"));
        let mut quantity = new(QUANTITY);
        quantity.set_field_by_name("string", P::String("500m".into()));
        assert_eq!(message(&quantity), json!("500m"));
        assert_eq!(go_duration(0), "0s");
        assert_eq!(go_duration(1_500_000), "1.5ms");
        assert_eq!(go_duration(999), "999ns");
        assert_eq!(go_duration(3_723_500_000_000), "1h2m3.5s");
        assert_eq!(go_duration(-90_000_000_000), "-1m30s");
    }

    #[test]
    fn option_kinds_come_from_meta() {
        let mut options = new("k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions");
        options.set_field_by_name("gracePeriodSeconds", P::I64(0));
        let object = to_json(&envelope("v1", "DeleteOptions", &options)).unwrap();
        assert_eq!(object["gracePeriodSeconds"], json!(0));
    }

    #[test]
    fn bad_bodies_are_errors() {
        assert_eq!(to_json(b"{}"), Err(ProtobufError::MissingPrefix));
        assert!(matches!(to_json(b"k8s\0\xff\xff"), Err(ProtobufError::Decode(_))));
        let cm = new("k8s.io.api.core.v1.ConfigMap");
        assert!(matches!(
            to_json(&envelope("v1", "NoSuchKind", &cm)),
            Err(ProtobufError::UnknownKind { .. })
        ));
        assert!(matches!(
            to_json(&envelope("we!rd/v1", "ConfigMap", &cm)),
            Err(ProtobufError::UnknownKind { .. })
        ));
        // A body cut off mid-message fails to decode rather than storing half an object.
        let mut full = new("k8s.io.api.core.v1.ConfigMap");
        full.set_field_by_name("metadata", P::Message(meta("cut")));
        let body = envelope("v1", "ConfigMap", &full);
        assert!(to_json(&body[..body.len() - 3]).is_err());
    }

    #[test]
    fn every_kubernetes_api_kind_has_a_schema() {
        let pool = POOL.as_ref().unwrap();
        // CRDs and APIServices live outside k8s.io/api (apiextensions-apiserver,
        // kube-aggregator), whose clients send JSON; Myriad's own kinds have no schema.
        let elsewhere = ["apiextensions.k8s.io", "apiregistration.k8s.io", "tenancy.myriad.io"];
        for info in myriad_api::registry::BUILTIN {
            if !elsewhere.contains(&info.group) {
                let found = descriptor_for(pool, &info.api_version(), info.kind);
                assert!(found.is_ok(), "{} {}", info.api_version(), info.kind);
            }
        }
    }
}
