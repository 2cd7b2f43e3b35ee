//! Cluster-level and namespace housekeeping kinds: Nodes, Namespaces, Leases, Events (core and events.k8s.io), ServiceAccounts, ResourceQuotas, LimitRanges, PriorityClasses, RuntimeClasses.

use serde_json::Value;

use crate::field_error::FieldError;

pub(super) fn validate(_group: &str, _kind: &str, _new: &Value, _old: Option<&Value>) -> Option<Vec<FieldError>> {
    None
}
