//! The `labelSelector` and `fieldSelector` of a LIST or WATCH: parsed once with
//! myriad-api's parsers (upstream's syntax, escapes and messages), checked against the
//! fields the resource supports, and matched against objects.

use myriad_api::labels::LabelSource;
use myriad_api::registry::ResourceInfo;
use myriad_api::{fields, labels};
use serde_json::Value;

use crate::error::ApiError;

/// A parsed pair of selectors; the empty selector matches everything.
#[derive(Clone, Debug)]
pub(crate) struct Selector {
    labels: Option<labels::Selector>,
    /// The field terms and, per field label, where the field is in the object.
    fields: fields::Selector,
    pointers: Vec<(String, String)>,
}

impl Selector {
    /// Parses the selectors of a request for `info`'s objects. A malformed selector or
    /// a field the kind does not support is a 400, worded as upstream.
    pub(crate) fn parse(
        info: &ResourceInfo,
        label_selector: Option<&str>,
        field_selector: Option<&str>,
    ) -> Result<Self, ApiError> {
        let labels = match label_selector.filter(|s| !s.is_empty()) {
            Some(text) => Some(labels::Selector::parse(text).map_err(|e| ApiError::BadRequest(e.to_string()))?),
            None => None,
        };
        let fields =
            fields::Selector::parse(field_selector.unwrap_or("")).map_err(|e| ApiError::BadRequest(e.to_string()))?;
        let pointers = fields
            .requirements()
            .iter()
            .map(|requirement| {
                let field = requirement.field.as_str();
                field_pointer(info, field)
                    .map(|pointer| (field.to_string(), pointer))
                    .ok_or_else(|| ApiError::BadRequest(format!("field label not supported: {field}")))
            })
            .collect::<Result<_, _>>()?;
        Ok(Selector {
            labels,
            fields,
            pointers,
        })
    }

    /// Whether `object` matches both selectors.
    pub(crate) fn matches(&self, object: &Value) -> bool {
        let labels = myriad_api::pointer::get(object, "/metadata/labels").unwrap_or(&Value::Null);
        self.matches_with(labels, |_, pointer| {
            fields::scalar(myriad_api::pointer::get(object, pointer)?)
        })
    }

    /// Whether an object with these labels matches, where `field(label, pointer)` gives
    /// the object's value of a field label (`None`: unset, compared as `""`). How the
    /// watch cache matches objects it keeps as bytes plus extracted attributes.
    pub(crate) fn matches_with(&self, labels: &impl LabelSource, field: impl Fn(&str, &str) -> Option<String>) -> bool {
        self.labels.as_ref().is_none_or(|selector| selector.matches(labels))
            && self.fields.matches(|label| {
                let pointer = self
                    .pointers
                    .iter()
                    .find(|(f, _)| f == label)
                    .map(|(_, p)| p.as_str())?;
                field(label, pointer)
            })
    }

    /// True when the selectors match every object.
    pub(crate) fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.labels.as_ref().is_none_or(|s| s.requirements().is_empty())
    }

    /// The `field=value` terms: an object can only match if it has every one.
    pub(crate) fn exact_fields(&self) -> Vec<(&str, &str)> {
        self.fields.exact_requirements()
    }

    /// The `label=value` terms: an object can only match if it has every one.
    pub(crate) fn exact_labels(&self) -> Vec<(&str, &str)> {
        self.labels
            .as_ref()
            .map(labels::Selector::exact_requirements)
            .unwrap_or_default()
    }
}

/// The field labels of built-in resources beyond `metadata.name` and
/// `metadata.namespace` (which every kind has), with where each is in the object, as
/// Kubernetes supports them per kind.
const FIELD_LABELS: &[(&str, &str, &str)] = &[
    ("events", "involvedObject.kind", "/involvedObject/kind"),
    ("events", "involvedObject.namespace", "/involvedObject/namespace"),
    ("events", "involvedObject.name", "/involvedObject/name"),
    ("events", "involvedObject.uid", "/involvedObject/uid"),
    ("events", "involvedObject.apiVersion", "/involvedObject/apiVersion"),
    (
        "events",
        "involvedObject.resourceVersion",
        "/involvedObject/resourceVersion",
    ),
    ("events", "involvedObject.fieldPath", "/involvedObject/fieldPath"),
    ("events", "reason", "/reason"),
    ("events", "reportingComponent", "/reportingComponent"),
    ("events", "source", "/source/component"),
    ("events", "type", "/type"),
    ("pods", "spec.nodeName", "/spec/nodeName"),
    ("pods", "spec.restartPolicy", "/spec/restartPolicy"),
    ("pods", "spec.schedulerName", "/spec/schedulerName"),
    ("pods", "spec.serviceAccountName", "/spec/serviceAccountName"),
    ("pods", "spec.hostNetwork", "/spec/hostNetwork"),
    ("pods", "status.phase", "/status/phase"),
    ("pods", "status.podIP", "/status/podIP"),
    ("pods", "status.nominatedNodeName", "/status/nominatedNodeName"),
    ("nodes", "spec.unschedulable", "/spec/unschedulable"),
    ("namespaces", "status.phase", "/status/phase"),
    ("secrets", "type", "/type"),
    ("replicasets", "status.replicas", "/status/replicas"),
];

/// The kind-specific field labels of `info`'s objects (built-in table, or the CRD
/// version's `selectableFields`), with their JSON pointers.
pub(crate) fn field_labels(info: &ResourceInfo) -> Vec<(String, String)> {
    match &info.custom {
        Some(custom) => custom
            .selectable_fields
            .iter()
            .map(|field| (field.clone(), format!("/{}", field.replace('.', "/"))))
            .collect(),
        None => FIELD_LABELS
            .iter()
            .filter(|(resource, _, _)| *resource == info.resource)
            .map(|(_, label, pointer)| (label.to_string(), pointer.to_string()))
            .collect(),
    }
}

/// The JSON pointer of a field selector label: `metadata.name`, `metadata.namespace`,
/// or one of [`field_labels`].
fn field_pointer(info: &ResourceInfo, field: &str) -> Option<String> {
    match field {
        "metadata.name" => Some("/metadata/name".into()),
        "metadata.namespace" => Some("/metadata/namespace".into()),
        _ => field_labels(info)
            .into_iter()
            .find(|(label, _)| label == field)
            .map(|(_, pointer)| pointer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use myriad_api::registry::lookup;
    use serde_json::json;

    fn pods() -> &'static ResourceInfo {
        lookup("", "v1", "pods").unwrap()
    }

    #[test]
    fn selectors_parse_check_fields_and_match() {
        let pod = json!({"metadata": {"name": "web", "namespace": "a", "labels": {"app": "web"}},
            "spec": {"nodeName": "n1", "hostNetwork": true}, "status": {"phase": "Running"}});
        let select = |labels: &str, fields: &str| {
            Selector::parse(pods(), Some(labels), Some(fields))
                .unwrap()
                .matches(&pod)
        };
        assert!(select("", ""));
        assert!(select("app=web", "spec.nodeName=n1,status.phase!=Failed"));
        assert!(select("", "spec.hostNetwork=true"));
        assert!(!select("app in (db)", ""));
        assert!(!select("", "metadata.namespace==b"));
        // Unset fields compare as "".
        assert!(select("", "status.podIP="));

        let error = |fields: &str| Selector::parse(pods(), None, Some(fields)).unwrap_err().to_string();
        assert_eq!(error("spec.bogus=1"), "field label not supported: spec.bogus");
        assert_eq!(
            error("nonsense"),
            "invalid selector: 'nonsense'; can't understand 'nonsense'"
        );
        let bad_label = Selector::parse(pods(), Some("bad key=x"), None).unwrap_err();
        assert_eq!(bad_label.status().code, 400);
    }
}
