//! Pods and pod templates: the pod spec (containers, volumes, probes, resources, scheduling constraints), and what a pod update may change.

use serde_json::Value;

use crate::field_error::FieldError;

pub(super) fn validate(_group: &str, _kind: &str, _new: &Value, _old: Option<&Value>) -> Option<Vec<FieldError>> {
    None
}
