//! Pods and pod templates: the pod spec (containers, volumes, probes, resources,
//! scheduling constraints), and what a pod update may change.

use k8s_openapi::api::core::v1::PodTemplateSpec;
use serde_json::Value;

use crate::field_error::{FieldError, FieldPath};

pub(super) fn validate(_group: &str, _kind: &str, _new: &Value, _old: Option<&Value>) -> Option<Vec<FieldError>> {
    None
}

/// A pod template as workloads embed it (`ValidatePodTemplateSpec`): its labels and
/// annotations, and its pod spec; `path` is the template's (`spec.template`).
#[allow(dead_code)] // until the workload rules call it
pub(crate) fn pod_template_spec(_template: &PodTemplateSpec, _path: &FieldPath) -> Vec<FieldError> {
    Vec::new()
}
