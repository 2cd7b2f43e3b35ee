//! One object as the cache holds it: its JSON bytes, serialized once per revision and
//! shared by every LIST response and watch event, plus the attributes selectors read
//! (labels, the kind's field-selector values), so matching never re-parses the bytes.

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use myriad_api::fields;
use myriad_api::labels::LabelSource;
use myriad_store::{KeyValue, Revision};
use serde_json::{Value, json};

use crate::meta::metadata_mut;
use crate::storage::codec::decode_stored;

/// What a cacher knows about its resource's objects: where their keys start, and which
/// field labels to extract at ingest (in this order).
#[derive(Debug)]
pub struct Shape {
    pub prefix: String,
    pub namespaced: bool,
    /// `(field label, JSON pointer)`.
    pub fields: Vec<(String, String)>,
}

/// An object at one revision.
#[derive(Debug)]
pub struct CachedObject {
    /// The storage key (`/registry/pods/<namespace>/<name>`).
    pub key: Arc<str>,
    /// The object with `metadata.resourceVersion` set, in its stored apiVersion.
    pub json: Bytes,
    pub api_version: Arc<str>,
    /// `metadata.labels` as `key\0value\0key\0value`.
    labels: Box<str>,
    /// The values of [`Shape::fields`] joined by `\0` (unset: empty); `None` when a
    /// value itself holds a `\0`, in which case fields are read from the bytes.
    fields: Option<Box<str>>,
}

impl CachedObject {
    /// Decodes a stored key-value. `api_versions` interns apiVersion strings (every
    /// object of a resource shares one or two).
    pub fn decode(kv: &KeyValue, shape: &Shape, api_versions: &mut Vec<Arc<str>>) -> Result<Self, String> {
        let object = decode_stored(kv).map_err(|e| e.to_string())?;
        let key: Arc<str> = String::from_utf8(kv.key.to_vec())
            .map_err(|_| format!("key at revision {} is not UTF-8", kv.mod_revision))?
            .into();
        Ok(Self::from_value(key, &object, shape, api_versions))
    }

    fn from_value(key: Arc<str>, object: &Value, shape: &Shape, api_versions: &mut Vec<Arc<str>>) -> Self {
        let api_version = object.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let api_version = match api_versions.iter().find(|v| &***v == api_version) {
            Some(interned) => interned.clone(),
            None => {
                let interned: Arc<str> = api_version.into();
                api_versions.push(interned.clone());
                interned
            }
        };
        let mut labels = String::new();
        if let Some(map) = myriad_api::pointer::get(object, "/metadata/labels").and_then(Value::as_object) {
            for (k, v) in map {
                if let Some(v) = v.as_str() {
                    if !labels.is_empty() {
                        labels.push('\0');
                    }
                    labels.push_str(k);
                    labels.push('\0');
                    labels.push_str(v);
                }
            }
        }
        let values: Vec<String> = shape
            .fields
            .iter()
            .map(|(_, pointer)| {
                myriad_api::pointer::get(object, pointer)
                    .and_then(fields::scalar)
                    .unwrap_or_default()
            })
            .collect();
        let fields = (!values.iter().any(|v| v.contains('\0'))).then(|| values.join("\0").into_boxed_str());
        CachedObject {
            key,
            json: exact_bytes(object),
            api_version,
            labels: labels.into_boxed_str(),
            fields,
        }
    }

    /// This object with `metadata.resourceVersion` set to `revision`: how a DELETED
    /// event (or an object leaving a selector) shows the last state it had.
    pub fn at_revision(&self, revision: Revision) -> Bytes {
        match serde_json::from_slice::<Value>(&self.json) {
            Ok(mut object) => {
                metadata_mut(&mut object).insert("resourceVersion".into(), json!(revision.to_string()));
                exact_bytes(&object)
            }
            Err(_) => self.json.clone(),
        }
    }

    /// The object's name and namespace (empty for cluster-scoped), from its key.
    pub fn namespace_and_name<'a>(&'a self, shape: &Shape) -> (&'a str, &'a str) {
        let rest = self.key.get(shape.prefix.len()..).unwrap_or("");
        match rest.split_once('/') {
            Some((namespace, name)) if shape.namespaced => (namespace, name),
            _ => ("", rest),
        }
    }

    pub fn labels(&self) -> Labels<'_> {
        Labels(&self.labels)
    }

    /// The value of a field label (`None`: unset). Labels outside the shape (a CRD's
    /// selectable fields changed since the cacher started) are read from the bytes.
    pub fn field(&self, shape: &Shape, label: &str, pointer: &str) -> Option<String> {
        match label {
            "metadata.name" => return Some(self.namespace_and_name(shape).1.to_string()),
            "metadata.namespace" => return Some(self.namespace_and_name(shape).0.to_string()),
            _ => {}
        }
        if let (Some(at), Some(fields)) = (shape.fields.iter().position(|(l, _)| l == label), &self.fields) {
            return fields.split('\0').nth(at).filter(|v| !v.is_empty()).map(str::to_string);
        }
        let object: Value = serde_json::from_slice(&self.json).ok()?;
        fields::scalar(myriad_api::pointer::get(&object, pointer)?)
    }

    /// The value of a field label of the shape, without allocating.
    pub fn shape_field<'a>(&'a self, shape: &Shape, label: &str) -> Option<&'a str> {
        let at = shape.fields.iter().position(|(l, _)| l == label)?;
        self.fields.as_deref()?.split('\0').nth(at)
    }

    /// Bytes held for this object (for the cache's size metric).
    pub fn size(&self) -> usize {
        self.json.len() + self.key.len() + self.labels.len() + self.fields.as_deref().map_or(0, str::len)
    }
}

/// An object serialized into an allocation of exactly its size: the serializer's
/// buffer grows by doubling, and `Bytes` would keep all of it for as long as the object
/// stays cached (up to 2x the bytes of every object).
fn exact_bytes(object: &Value) -> Bytes {
    let mut json = serde_json::to_vec(object).unwrap_or_default();
    json.shrink_to_fit();
    Bytes::from(json)
}

/// An object's labels in [`CachedObject`]'s packed form.
#[derive(Clone, Copy)]
pub struct Labels<'a>(&'a str);

impl<'a> Labels<'a> {
    pub fn iter(self) -> impl Iterator<Item = (&'a str, &'a str)> {
        let mut parts = self.0.split('\0').filter(|_| !self.0.is_empty());
        std::iter::from_fn(move || Some((parts.next()?, parts.next()?)))
    }
}

impl LabelSource for Labels<'_> {
    fn label(&self, key: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

/// A change the cache applied: the new state (none for a delete) and the state before
/// (none for a create).
#[derive(Debug)]
pub struct Change {
    pub revision: Revision,
    pub object: Option<Arc<CachedObject>>,
    pub previous: Option<Arc<CachedObject>>,
    /// `previous` at this change's revision, made on first use.
    previous_at: OnceLock<Bytes>,
}

impl Change {
    pub fn new(revision: Revision, object: Option<Arc<CachedObject>>, previous: Option<Arc<CachedObject>>) -> Self {
        Change {
            revision,
            object,
            previous,
            previous_at: OnceLock::new(),
        }
    }

    /// The previous object with this change's resourceVersion (for DELETED events).
    pub fn previous_at_revision(&self) -> Option<&Bytes> {
        let previous = self.previous.as_ref()?;
        Some(self.previous_at.get_or_init(|| previous.at_revision(self.revision)))
    }
}

/// Pods as the cache's tests hold them.
#[cfg(test)]
pub(super) mod fixtures {
    use super::*;

    /// The shape of pods, with two of their field labels.
    pub fn pod_shape() -> Shape {
        Shape {
            prefix: "/registry/pods/".into(),
            namespaced: true,
            fields: vec![
                ("spec.nodeName".into(), "/spec/nodeName".into()),
                ("spec.hostNetwork".into(), "/spec/hostNetwork".into()),
            ],
        }
    }

    /// A pod stored at `revision` (keyed by its namespace and name), as the cache
    /// decodes it.
    pub fn cached_pod(pod: &Value, revision: Revision) -> CachedObject {
        let namespace = myriad_api::pointer::get(pod, "/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("");
        let name = myriad_api::pointer::get(pod, "/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        let kv = KeyValue {
            key: Bytes::from(format!("/registry/pods/{namespace}/{name}")),
            value: Bytes::from(pod.to_string()),
            create_revision: revision,
            mod_revision: revision,
            version: 1,
        };
        CachedObject::decode(&kv, &pod_shape(), &mut Vec::new()).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{cached_pod, pod_shape as shape};
    use super::*;

    fn pod(mut value: Value, revision: Revision) -> CachedObject {
        value["metadata"]["namespace"] = json!("ns1");
        cached_pod(&value, revision)
    }

    #[test]
    fn attributes_are_extracted_once() {
        let object = pod(
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "ns1",
                "labels": {"app": "web", "tier": "fe"}}, "spec": {"nodeName": "n1", "hostNetwork": true},
                "status": {"phase": "Running"}}),
            7,
        );
        let shape = shape();
        assert_eq!(object.namespace_and_name(&shape), ("ns1", "web"));
        assert_eq!(object.labels().label("tier"), Some("fe"));
        assert_eq!(object.labels().iter().count(), 2);
        assert_eq!(object.field(&shape, "spec.nodeName", "").as_deref(), Some("n1"));
        assert_eq!(object.field(&shape, "spec.hostNetwork", "").as_deref(), Some("true"));
        assert_eq!(object.shape_field(&shape, "spec.nodeName"), Some("n1"));
        // Not in the shape: read from the bytes.
        assert_eq!(
            object.field(&shape, "status.phase", "/status/phase").as_deref(),
            Some("Running")
        );
        assert_eq!(object.field(&shape, "metadata.name", "").as_deref(), Some("web"));
        let parsed: Value = serde_json::from_slice(&object.json).unwrap();
        assert_eq!(parsed["metadata"]["resourceVersion"], "7");
        let deleted: Value = serde_json::from_slice(&object.at_revision(9)).unwrap();
        assert_eq!(deleted["metadata"]["resourceVersion"], "9");
    }

    #[test]
    fn objects_without_labels_or_fields() {
        let object = pod(
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}}),
            3,
        );
        assert_eq!(object.labels().iter().count(), 0);
        assert_eq!(object.field(&shape(), "spec.nodeName", "/spec/nodeName"), None);
        assert_eq!(&*object.api_version, "v1");
    }
}
