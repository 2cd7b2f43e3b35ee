//! DefaultIngressClass: a new Ingress that names no class (neither
//! `spec.ingressClassName` nor the legacy `kubernetes.io/ingress.class` annotation)
//! gets the default IngressClass, the newest one annotated
//! `ingressclass.kubernetes.io/is-default-class: "true"`.

use serde_json::Value;

use super::lookup::Lookup;
use super::storage::{annotation, newest_default};
use super::{Attributes, Operation};
use crate::error::ApiError;

pub(super) async fn admit(lookup: &Lookup, attrs: &Attributes<'_>, ingress: &mut Value) -> Result<(), ApiError> {
    if !attrs.is("networking.k8s.io", "ingresses") || attrs.operation != Operation::Create {
        return Ok(());
    }
    let named = myriad_api::pointer::get(ingress, "/spec/ingressClassName").is_some_and(|v| !v.is_null());
    if named || annotation(ingress, "kubernetes.io/ingress.class").is_some() {
        return Ok(());
    }
    let classes = lookup.list("networking.k8s.io", "IngressClass", None).await?;
    let default = newest_default(&classes, &["ingressclass.kubernetes.io/is-default-class"]);
    if let Some(name) = default
        .and_then(|c| myriad_api::pointer::get(c, "/metadata/name"))
        .cloned()
        && let Some(spec) = ingress.get_mut("spec").and_then(Value::as_object_mut)
    {
        spec.insert("ingressClassName".into(), name);
    }
    Ok(())
}
