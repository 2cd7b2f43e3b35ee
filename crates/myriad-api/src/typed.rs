//! Built-in kinds checked against their typed form (k8s-openapi's structs): decoding
//! catches wrong types (`replicas: "two"`), and comparing the re-encoded object with the
//! input names the fields the kind does not have — what `fieldValidation` reports.

use k8s_openapi::Resource;
use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::authentication::v1 as authentication;
use k8s_openapi::api::coordination::v1 as coordination;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::events::v1 as events;
use k8s_openapi::api::rbac::v1 as rbac;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1 as apiextensions;
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Why an object does not fit its kind.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(pub String);

/// An object decoded as its kind.
#[derive(Debug, PartialEq)]
pub struct Decoded {
    /// The object as Kubernetes stores it: re-encoded from the typed form, so fields the
    /// kind does not have are dropped.
    pub object: Value,
    /// Paths of the dropped fields (`spec.replica`, `spec.containers[0].imagePullPolicyy`).
    pub unknown: Vec<String>,
}

/// Decodes `object` as the built-in `group`/`kind`. `Ok(None)` for kinds without a typed
/// form here.
pub fn decode(group: &str, kind: &str, object: &Value) -> Result<Option<Decoded>, DecodeError> {
    visit(group, kind, Check(object)).transpose()
}

/// A built-in kind's typed form: k8s-openapi's struct, which also knows the kind's
/// OpenAPI schema.
pub trait Kind: DeserializeOwned + Serialize + JsonSchema + Resource {}

impl<T: DeserializeOwned + Serialize + JsonSchema + Resource> Kind for T {}

/// Something done with a built-in kind's typed form, chosen by [`visit`].
pub trait KindVisitor {
    type Output;
    fn visit<K: Kind>(self) -> Self::Output;
}

/// Calls `visitor` with the typed form of the built-in `group`/`kind`: the one table
/// from kinds to types. `None` for kinds without a typed form here.
pub fn visit<V: KindVisitor>(group: &str, kind: &str, visitor: V) -> Option<V::Output> {
    Some(match (group, kind) {
        ("", "Namespace") => visitor.visit::<core::Namespace>(),
        ("", "Node") => visitor.visit::<core::Node>(),
        ("", "Pod") => visitor.visit::<core::Pod>(),
        ("", "ConfigMap") => visitor.visit::<core::ConfigMap>(),
        ("", "Secret") => visitor.visit::<core::Secret>(),
        ("", "Service") => visitor.visit::<core::Service>(),
        ("", "ServiceAccount") => visitor.visit::<core::ServiceAccount>(),
        ("", "Event") => visitor.visit::<core::Event>(),
        ("", "Endpoints") => visitor.visit::<core::Endpoints>(),
        ("apps", "Deployment") => visitor.visit::<apps::Deployment>(),
        ("apps", "ReplicaSet") => visitor.visit::<apps::ReplicaSet>(),
        ("apps", "DaemonSet") => visitor.visit::<apps::DaemonSet>(),
        ("coordination.k8s.io", "Lease") => visitor.visit::<coordination::Lease>(),
        ("authentication.k8s.io", "SelfSubjectReview") => visitor.visit::<authentication::SelfSubjectReview>(),
        ("events.k8s.io", "Event") => visitor.visit::<events::Event>(),
        ("rbac.authorization.k8s.io", "Role") => visitor.visit::<rbac::Role>(),
        ("rbac.authorization.k8s.io", "ClusterRole") => visitor.visit::<rbac::ClusterRole>(),
        ("rbac.authorization.k8s.io", "RoleBinding") => visitor.visit::<rbac::RoleBinding>(),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding") => visitor.visit::<rbac::ClusterRoleBinding>(),
        ("apiextensions.k8s.io", "CustomResourceDefinition") => {
            visitor.visit::<apiextensions::CustomResourceDefinition>()
        }
        _ => return None,
    })
}

struct Check<'a>(&'a Value);

impl KindVisitor for Check<'_> {
    type Output = Result<Decoded, DecodeError>;
    fn visit<K: Kind>(self) -> Self::Output {
        check::<K>(self.0)
    }
}

fn check<T: DeserializeOwned + Serialize>(object: &Value) -> Result<Decoded, DecodeError> {
    let typed: T = serde_json::from_value(object.clone()).map_err(|e| DecodeError(e.to_string()))?;
    let known = serde_json::to_value(&typed).map_err(|e| DecodeError(e.to_string()))?;
    let mut unknown = Vec::new();
    diff(object, &known, String::new(), &mut unknown);
    Ok(Decoded { object: known, unknown })
}

/// Fields of `input` absent from `known`. Empty values are skipped: the typed form drops
/// empty maps and lists, so their absence says nothing.
fn diff(input: &Value, known: &Value, path: String, unknown: &mut Vec<String>) {
    match (input, known) {
        (Value::Object(fields), Value::Object(known_fields)) => {
            for (name, value) in fields {
                let here = if path.is_empty() {
                    name.clone()
                } else {
                    format!("{path}.{name}")
                };
                match known_fields.get(name) {
                    Some(known_value) => diff(value, known_value, here, unknown),
                    None if is_empty(value) => {}
                    None => unknown.push(here),
                }
            }
        }
        (Value::Array(items), Value::Array(known_items)) => {
            for (i, (item, known_item)) in items.iter().zip(known_items).enumerate() {
                diff(item, known_item, format!("{path}[{i}]"), unknown);
            }
        }
        _ => {}
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Object(map) => map.is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_unknown_fields_and_wrong_types() {
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": {}},
            "spec": {"replica": 2, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"spec": {"containers": [{"name": "a", "image": "x", "imagePullPolicyy": "Always"}]}}}});
        let decoded = decode("apps", "Deployment", &deployment).unwrap().unwrap();
        assert_eq!(
            decoded.unknown,
            vec!["spec.replica", "spec.template.spec.containers[0].imagePullPolicyy"]
        );
        assert!(decoded.object["spec"].get("replica").is_none());
        assert_eq!(
            decoded.object["spec"]["template"]["spec"]["containers"][0]["image"],
            "x"
        );

        let clean = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "annotations": {}}, "data": {"a": "1"}});
        let decoded = decode("", "ConfigMap", &clean).unwrap().unwrap();
        assert!(decoded.unknown.is_empty());
        assert_eq!(decoded.object["data"], json!({"a": "1"}));

        let wrong = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": "two", "selector": {}, "template": {}}});
        assert!(decode("apps", "Deployment", &wrong).is_err());
        assert_eq!(decode("example.com", "Widget", &clean).unwrap(), None);
    }
}
