//! Built-in kinds checked against their typed form (k8s-openapi's structs): decoding
//! catches wrong types (`replicas: "two"`), and comparing the re-encoded object with the
//! input names the fields the kind does not have — what `fieldValidation` reports.

use k8s_openapi::Resource;
use k8s_openapi::api::admissionregistration::v1 as admissionregistration;
use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::authentication::v1 as authentication;
use k8s_openapi::api::authorization::v1 as authorization;
use k8s_openapi::api::autoscaling::{v1 as autoscaling_v1, v2 as autoscaling_v2};
use k8s_openapi::api::batch::v1 as batch;
use k8s_openapi::api::certificates::v1 as certificates;
use k8s_openapi::api::coordination::v1 as coordination;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::discovery::v1 as discovery;
use k8s_openapi::api::events::v1 as events;
use k8s_openapi::api::flowcontrol::v1 as flowcontrol;
use k8s_openapi::api::networking::v1 as networking;
use k8s_openapi::api::node::v1 as node;
use k8s_openapi::api::policy::v1 as policy;
use k8s_openapi::api::rbac::v1 as rbac;
use k8s_openapi::api::scheduling::v1 as scheduling;
use k8s_openapi::api::storage::v1 as storage;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1 as apiextensions;
use k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1 as apiregistration;
use std::any::Any;

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Why an object does not fit its kind.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(pub String);

/// An object decoded as its kind.
#[derive(Debug)]
pub struct Decoded {
    /// The object as Kubernetes stores it: re-encoded from the typed form, so fields the
    /// kind does not have are dropped.
    pub object: Value,
    /// Paths of the dropped fields (`spec.replica`, `spec.containers[0].imagePullPolicyy`).
    pub unknown: Vec<String>,
    /// The typed form `object` was encoded from, so the kind's validation
    /// (`builtin::validate_decoded`) need not decode the object a second time.
    pub typed: TypedObject,
}

/// A built-in object in its typed form (k8s-openapi's struct for its kind).
pub struct TypedObject(Box<dyn Any + Send + Sync>);

impl TypedObject {
    /// The object as `T`, when `T` is its typed form.
    pub fn downcast_ref<T: 'static>(&self) -> Option<&T> {
        self.0.downcast_ref()
    }
}

impl std::fmt::Debug for TypedObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TypedObject(..)")
    }
}

/// Decodes `object` as the built-in `group`/`version`/`kind`. `Ok(None)` for kinds
/// without a typed form here.
pub fn decode(group: &str, version: &str, kind: &str, object: &Value) -> Result<Option<Decoded>, DecodeError> {
    visit(group, version, kind, Check(object)).transpose()
}

/// A built-in kind's typed form: k8s-openapi's struct, which also knows the kind's
/// OpenAPI schema.
pub trait Kind: DeserializeOwned + Serialize + JsonSchema + Resource + Send + Sync + 'static {}

impl<T: DeserializeOwned + Serialize + JsonSchema + Resource + Send + Sync + 'static> Kind for T {}

/// Something done with a built-in kind's typed form, chosen by [`visit`].
pub trait KindVisitor {
    type Output;
    fn visit<K: Kind>(self) -> Self::Output;
}

/// Calls `visitor` with the typed form of the built-in `group`/`version`/`kind`: the one
/// table from kinds to types. `None` for kinds without a typed form here (Myriad's own
/// `tenancy.myriad.io` kinds).
pub fn visit<V: KindVisitor>(group: &str, version: &str, kind: &str, visitor: V) -> Option<V::Output> {
    Some(match (group, version, kind) {
        ("", "v1", "Binding") => visitor.visit::<core::Binding>(),
        ("", "v1", "ComponentStatus") => visitor.visit::<core::ComponentStatus>(),
        ("", "v1", "ConfigMap") => visitor.visit::<core::ConfigMap>(),
        ("", "v1", "Endpoints") => visitor.visit::<core::Endpoints>(),
        ("", "v1", "Event") => visitor.visit::<core::Event>(),
        ("", "v1", "LimitRange") => visitor.visit::<core::LimitRange>(),
        ("", "v1", "Namespace") => visitor.visit::<core::Namespace>(),
        ("", "v1", "Node") => visitor.visit::<core::Node>(),
        ("", "v1", "PersistentVolume") => visitor.visit::<core::PersistentVolume>(),
        ("", "v1", "PersistentVolumeClaim") => visitor.visit::<core::PersistentVolumeClaim>(),
        ("", "v1", "Pod") => visitor.visit::<core::Pod>(),
        ("", "v1", "PodTemplate") => visitor.visit::<core::PodTemplate>(),
        ("", "v1", "ReplicationController") => visitor.visit::<core::ReplicationController>(),
        ("", "v1", "ResourceQuota") => visitor.visit::<core::ResourceQuota>(),
        ("", "v1", "Secret") => visitor.visit::<core::Secret>(),
        ("", "v1", "Service") => visitor.visit::<core::Service>(),
        ("", "v1", "ServiceAccount") => visitor.visit::<core::ServiceAccount>(),
        ("admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration") => {
            visitor.visit::<admissionregistration::MutatingWebhookConfiguration>()
        }
        ("admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicy") => {
            visitor.visit::<admissionregistration::ValidatingAdmissionPolicy>()
        }
        ("admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicyBinding") => {
            visitor.visit::<admissionregistration::ValidatingAdmissionPolicyBinding>()
        }
        ("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration") => {
            visitor.visit::<admissionregistration::ValidatingWebhookConfiguration>()
        }
        ("apiextensions.k8s.io", "v1", "CustomResourceDefinition") => {
            visitor.visit::<apiextensions::CustomResourceDefinition>()
        }
        ("apiregistration.k8s.io", "v1", "APIService") => visitor.visit::<apiregistration::APIService>(),
        ("apps", "v1", "ControllerRevision") => visitor.visit::<apps::ControllerRevision>(),
        ("apps", "v1", "DaemonSet") => visitor.visit::<apps::DaemonSet>(),
        ("apps", "v1", "Deployment") => visitor.visit::<apps::Deployment>(),
        ("apps", "v1", "ReplicaSet") => visitor.visit::<apps::ReplicaSet>(),
        ("apps", "v1", "StatefulSet") => visitor.visit::<apps::StatefulSet>(),
        ("authentication.k8s.io", "v1", "SelfSubjectReview") => visitor.visit::<authentication::SelfSubjectReview>(),
        ("authentication.k8s.io", "v1", "TokenReview") => visitor.visit::<authentication::TokenReview>(),
        ("authorization.k8s.io", "v1", "LocalSubjectAccessReview") => {
            visitor.visit::<authorization::LocalSubjectAccessReview>()
        }
        ("authorization.k8s.io", "v1", "SelfSubjectAccessReview") => {
            visitor.visit::<authorization::SelfSubjectAccessReview>()
        }
        ("authorization.k8s.io", "v1", "SelfSubjectRulesReview") => {
            visitor.visit::<authorization::SelfSubjectRulesReview>()
        }
        ("authorization.k8s.io", "v1", "SubjectAccessReview") => visitor.visit::<authorization::SubjectAccessReview>(),
        ("autoscaling", "v1", "HorizontalPodAutoscaler") => visitor.visit::<autoscaling_v1::HorizontalPodAutoscaler>(),
        ("autoscaling", "v1", "Scale") => visitor.visit::<autoscaling_v1::Scale>(),
        ("autoscaling", "v2", "HorizontalPodAutoscaler") => visitor.visit::<autoscaling_v2::HorizontalPodAutoscaler>(),
        ("batch", "v1", "CronJob") => visitor.visit::<batch::CronJob>(),
        ("batch", "v1", "Job") => visitor.visit::<batch::Job>(),
        ("certificates.k8s.io", "v1", "CertificateSigningRequest") => {
            visitor.visit::<certificates::CertificateSigningRequest>()
        }
        ("coordination.k8s.io", "v1", "Lease") => visitor.visit::<coordination::Lease>(),
        ("discovery.k8s.io", "v1", "EndpointSlice") => visitor.visit::<discovery::EndpointSlice>(),
        ("events.k8s.io", "v1", "Event") => visitor.visit::<events::Event>(),
        ("flowcontrol.apiserver.k8s.io", "v1", "FlowSchema") => visitor.visit::<flowcontrol::FlowSchema>(),
        ("flowcontrol.apiserver.k8s.io", "v1", "PriorityLevelConfiguration") => {
            visitor.visit::<flowcontrol::PriorityLevelConfiguration>()
        }
        ("networking.k8s.io", "v1", "IPAddress") => visitor.visit::<networking::IPAddress>(),
        ("networking.k8s.io", "v1", "Ingress") => visitor.visit::<networking::Ingress>(),
        ("networking.k8s.io", "v1", "IngressClass") => visitor.visit::<networking::IngressClass>(),
        ("networking.k8s.io", "v1", "NetworkPolicy") => visitor.visit::<networking::NetworkPolicy>(),
        ("networking.k8s.io", "v1", "ServiceCIDR") => visitor.visit::<networking::ServiceCIDR>(),
        ("node.k8s.io", "v1", "RuntimeClass") => visitor.visit::<node::RuntimeClass>(),
        ("policy", "v1", "Eviction") => visitor.visit::<policy::Eviction>(),
        ("policy", "v1", "PodDisruptionBudget") => visitor.visit::<policy::PodDisruptionBudget>(),
        ("rbac.authorization.k8s.io", "v1", "ClusterRole") => visitor.visit::<rbac::ClusterRole>(),
        ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding") => visitor.visit::<rbac::ClusterRoleBinding>(),
        ("rbac.authorization.k8s.io", "v1", "Role") => visitor.visit::<rbac::Role>(),
        ("rbac.authorization.k8s.io", "v1", "RoleBinding") => visitor.visit::<rbac::RoleBinding>(),
        ("scheduling.k8s.io", "v1", "PriorityClass") => visitor.visit::<scheduling::PriorityClass>(),
        ("storage.k8s.io", "v1", "CSIDriver") => visitor.visit::<storage::CSIDriver>(),
        ("storage.k8s.io", "v1", "CSINode") => visitor.visit::<storage::CSINode>(),
        ("storage.k8s.io", "v1", "CSIStorageCapacity") => visitor.visit::<storage::CSIStorageCapacity>(),
        ("storage.k8s.io", "v1", "StorageClass") => visitor.visit::<storage::StorageClass>(),
        ("storage.k8s.io", "v1", "VolumeAttachment") => visitor.visit::<storage::VolumeAttachment>(),
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

fn check<T: Kind>(object: &Value) -> Result<Decoded, DecodeError> {
    let typed = T::deserialize(object).map_err(|e| DecodeError(e.to_string()))?;
    let known = serde_json::to_value(&typed).map_err(|e| DecodeError(e.to_string()))?;
    let mut unknown = Vec::new();
    diff(object, &known, &mut Vec::new(), &mut unknown);
    Ok(Decoded {
        object: known,
        unknown,
        typed: TypedObject(Box::new(typed)),
    })
}

/// Fields of `input` absent from `known`. Empty values are skipped: the typed form drops
/// empty maps and lists, so their absence says nothing. The path is a stack of
/// segments, printed only for a field that is reported (most writes report none).
fn diff<'a>(input: &'a Value, known: &Value, path: &mut Vec<Segment<'a>>, unknown: &mut Vec<String>) {
    match (input, known) {
        (Value::Object(fields), Value::Object(known_fields)) => {
            for (name, value) in fields {
                match known_fields.get(name) {
                    Some(known_value) if is_container(value) => {
                        path.push(Segment::Field(name));
                        diff(value, known_value, path, unknown);
                        path.pop();
                    }
                    Some(_) => {}
                    None if is_empty(value) => {}
                    None => {
                        path.push(Segment::Field(name));
                        unknown.push(render(path));
                        path.pop();
                    }
                }
            }
        }
        (Value::Array(items), Value::Array(known_items)) => {
            for (i, (item, known_item)) in items.iter().zip(known_items).enumerate() {
                if is_container(item) {
                    path.push(Segment::Index(i));
                    diff(item, known_item, path, unknown);
                    path.pop();
                }
            }
        }
        _ => {}
    }
}

/// One step of the path [`diff`] reports: `.name` or `[i]`.
enum Segment<'a> {
    Field(&'a str),
    Index(usize),
}

/// `spec.template.spec.containers[0].imagePullPolicyy`.
fn render(path: &[Segment<'_>]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Field(name) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(name);
            }
            Segment::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

fn is_container(value: &Value) -> bool {
    matches!(value, Value::Object(_) | Value::Array(_))
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
        let decoded = decode("apps", "v1", "Deployment", &deployment).unwrap().unwrap();
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
        let decoded = decode("", "v1", "ConfigMap", &clean).unwrap().unwrap();
        assert!(decoded.unknown.is_empty());
        assert_eq!(decoded.object["data"], json!({"a": "1"}));

        let wrong = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": "two", "selector": {}, "template": {}}});
        assert!(decode("apps", "v1", "Deployment", &wrong).is_err());
        assert!(decode("example.com", "v1", "Widget", &clean).unwrap().is_none());
    }

    #[test]
    fn every_kubernetes_kind_has_a_typed_form() {
        struct Name;
        impl KindVisitor for Name {
            type Output = &'static str;
            fn visit<K: Kind>(self) -> &'static str {
                K::KIND
            }
        }
        for info in crate::registry::BUILTIN
            .iter()
            .filter(|r| r.group != "tenancy.myriad.io")
        {
            assert_eq!(
                visit(info.group, info.version, info.kind, Name),
                Some(info.kind),
                "{info:?}"
            );
        }
    }
}
