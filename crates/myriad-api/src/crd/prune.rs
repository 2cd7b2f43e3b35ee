//! Dropping the fields a schema does not declare (upstream's
//! `apiextensions-apiserver/pkg/apiserver/schema/pruning` and, for embedded resources'
//! metadata, `schema/objectmeta.Coerce`).
//!
//! Custom objects are pruned on every write and on every read from storage, so a field
//! removed from a schema disappears. What was dropped is reported, because the server
//! turns it into `unknown field "spec.foo"` warnings or, with `fieldValidation=Strict`,
//! errors.

use serde_json::{Map, Value};

use super::schema::StructuralSchema;

/// Fields every resource keeps whatever its schema says.
const META_FIELDS: [&str; 3] = ["apiVersion", "kind", "metadata"];

/// The fields of `ObjectMeta` (what an embedded resource's `metadata` may hold).
const OBJECT_META_FIELDS: [&str; 15] = [
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
];

/// Prunes a whole custom object against its version's schema and returns the paths of
/// the dropped fields (`spec.foo`, `spec.items[0].bar`; sorted), followed by the unknown
/// fields dropped from embedded resources' metadata (`spec.template.metadata.foo`).
///
/// The root's `apiVersion`, `kind` and `metadata` are kept untouched: the server owns the
/// root metadata. Everything under `x-kubernetes-preserve-unknown-fields` is kept, though
/// declared properties below it are still pruned.
pub fn prune(object: &mut Value, schema: &StructuralSchema) -> Vec<String> {
    let mut paths = prune_with(object, Some(schema), true);
    let mut meta = Vec::new();
    embedded_metadata(object, schema, "", &mut meta);
    meta.sort();
    paths.extend(meta);
    paths
}

/// Upstream's `PruneWithOptions`: `is_resource_root` keeps apiVersion/kind/metadata at
/// the top, as for an embedded resource. Returns the sorted pruned paths.
pub(crate) fn prune_with(value: &mut Value, schema: Option<&StructuralSchema>, is_resource_root: bool) -> Vec<String> {
    let mut pruner = Pruner {
        paths: Vec::new(),
        path: String::new(),
    };
    let root_schema;
    let schema = if is_resource_root && !schema.is_some_and(|s| s.embedded_resource) {
        let mut clone = schema.cloned().unwrap_or_default();
        clone.embedded_resource = true;
        root_schema = clone;
        Some(&root_schema)
    } else {
        schema
    };
    pruner.prune(value, schema);
    pruner.paths.sort();
    pruner.paths
}

struct Pruner {
    paths: Vec<String>,
    /// The current path (`spec.items[0]`), extended and truncated while walking.
    path: String,
}

impl Pruner {
    fn record(&mut self, key: &str) {
        let path = if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        };
        self.paths.push(path);
    }

    fn enter_key(&mut self, key: &str) -> usize {
        let len = self.path.len();
        if !self.path.is_empty() {
            self.path.push('.');
        }
        self.path.push_str(key);
        len
    }

    fn enter_index(&mut self, index: usize) -> usize {
        let len = self.path.len();
        self.path.push_str(&format!("[{index}]"));
        len
    }

    fn prune(&mut self, value: &mut Value, schema: Option<&StructuralSchema>) {
        if let Some(s) = schema.filter(|s| s.preserve_unknown_fields) {
            self.skip_prune(value, s);
            return;
        }
        match value {
            Value::Object(map) => self.prune_object(map, schema),
            Value::Array(items) => {
                let item_schema = schema.and_then(|s| s.items.as_deref());
                for (i, item) in items.iter_mut().enumerate() {
                    let len = self.enter_index(i);
                    self.prune(item, item_schema);
                    self.path.truncate(len);
                }
            }
            _ => {}
        }
    }

    fn prune_object(&mut self, map: &mut Map<String, Value>, schema: Option<&StructuralSchema>) {
        let Some(s) = schema else {
            for key in map.keys() {
                self.record(key);
            }
            map.clear();
            return;
        };
        let mut dropped = Vec::new();
        for (key, child) in map.iter_mut() {
            if s.embedded_resource && META_FIELDS.contains(&key.as_str()) {
                continue;
            }
            if let Some(property) = s.properties.get(key) {
                let len = self.enter_key(key);
                self.prune(child, Some(property));
                self.path.truncate(len);
            } else if let Some(additional) = &s.additional_properties {
                let len = self.enter_key(key);
                self.prune(child, additional.schema());
                self.path.truncate(len);
            } else {
                // A meta field at the very top of a resource is the server's business,
                // not an unknown field.
                if !META_FIELDS.contains(&key.as_str()) || !self.path.is_empty() {
                    self.record(key);
                }
                dropped.push(key.clone());
            }
        }
        for key in dropped {
            map.remove(&key);
        }
    }

    /// Under `x-kubernetes-preserve-unknown-fields`: keep unknown fields, but prune the
    /// declared ones by their schemas.
    fn skip_prune(&mut self, value: &mut Value, s: &StructuralSchema) {
        match value {
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    if s.embedded_resource && META_FIELDS.contains(&key.as_str()) {
                        continue;
                    }
                    let child_schema = match s.properties.get(key) {
                        Some(property) => Some(property),
                        None => match &s.additional_properties {
                            Some(additional) => additional.schema(),
                            None => continue,
                        },
                    };
                    let len = self.enter_key(key);
                    self.prune(child, child_schema);
                    self.path.truncate(len);
                }
            }
            Value::Array(items) => {
                let Some(item_schema) = s.items.as_deref() else {
                    return;
                };
                for (i, item) in items.iter_mut().enumerate() {
                    let len = self.enter_index(i);
                    self.skip_prune(item, item_schema);
                    self.path.truncate(len);
                }
            }
            _ => {}
        }
    }
}

/// Embedded resources' `metadata` reduced to `ObjectMeta`'s fields, as upstream's
/// coercion does by decoding it: unknown fields are dropped and reported, `null` and
/// empty values (which `ObjectMeta` omits) disappear.
fn embedded_metadata(value: &mut Value, s: &StructuralSchema, path: &str, unknown: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if s.embedded_resource
                && !path.is_empty()
                && let Some(Value::Object(meta)) = map.get_mut("metadata")
            {
                coerce_object_meta(meta, &format!("{path}.metadata"), unknown);
            }
            for (key, child) in map.iter_mut() {
                let child_schema = s.property(key);
                if let Some(child_schema) = child_schema {
                    let child_path = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    embedded_metadata(child, child_schema, &child_path, unknown);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = s.items.as_deref() {
                for (i, item) in items.iter_mut().enumerate() {
                    embedded_metadata(item, item_schema, &format!("{path}[{i}]"), unknown);
                }
            }
        }
        _ => {}
    }
}

fn coerce_object_meta(meta: &mut Map<String, Value>, path: &str, unknown: &mut Vec<String>) {
    meta.retain(|key, value| {
        if !OBJECT_META_FIELDS.contains(&key.as_str()) {
            unknown.push(format!("{path}.{key}"));
            return false;
        }
        let omitted = match value {
            Value::Null => true,
            Value::String(s) => s.is_empty(),
            Value::Array(a) => a.is_empty(),
            Value::Object(m) => m.is_empty(),
            Value::Number(n) => key == "generation" && n.as_i64() == Some(0),
            Value::Bool(_) => false,
        };
        !omitted
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema(value: Value) -> StructuralSchema {
        StructuralSchema::from_json(&value).expect("valid schema")
    }

    #[test]
    fn drops_undeclared_fields_and_reports_them() {
        let s = schema(json!({"type": "object", "properties": {
            "spec": {"type": "object", "properties": {
                "replicas": {"type": "integer"},
                "items": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "any": {"type": "object", "additionalProperties": true}}}}}));
        let mut object = json!({
            "apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "custom": 1},
            "spec": {"replicas": 1, "foo": 2,
                     "items": [{"name": "a", "extra": true}, {"name": "b"}],
                     "labels": {"a": "b"},
                     "any": {"x": {"y": 1}}},
            "status": {"ready": true},
        });
        let pruned = prune(&mut object, &s);
        assert_eq!(pruned, ["spec.any.x.y", "spec.foo", "spec.items[0].extra", "status"]);
        assert_eq!(
            object,
            json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "custom": 1},
                   "spec": {"replicas": 1, "items": [{"name": "a"}, {"name": "b"}], "labels": {"a": "b"},
                            "any": {"x": {}}}})
        );
    }

    #[test]
    fn preserve_unknown_fields_keeps_everything_below_but_prunes_declared_properties() {
        let s = schema(json!({"type": "object", "properties": {
            "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true, "properties": {
                "strict": {"type": "object", "properties": {"a": {"type": "string"}}}}}}}));
        let mut object = json!({"spec": {"free": {"deep": [1, {"x": 2}]}, "strict": {"a": "1", "b": 2}}});
        let pruned = prune(&mut object, &s);
        assert_eq!(pruned, ["spec.strict.b"]);
        assert_eq!(
            object,
            json!({"spec": {"free": {"deep": [1, {"x": 2}]}, "strict": {"a": "1"}}})
        );
    }

    #[test]
    fn embedded_resources_keep_type_meta_and_object_meta_fields_only() {
        let s = schema(
            json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
            "template": {"type": "object", "x-kubernetes-embedded-resource": true, "properties": {
                "spec": {"type": "object", "properties": {"image": {"type": "string"}}}}}}}}}),
        );
        let mut object = json!({"spec": {"template": {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "labels": {"a": "b"}, "bogus": 1, "annotations": {}, "creationTimestamp": null},
            "spec": {"image": "x", "other": 1}, "extra": 1}}});
        let pruned = prune(&mut object, &s);
        assert_eq!(
            pruned,
            [
                "spec.template.extra",
                "spec.template.spec.other",
                "spec.template.metadata.bogus"
            ]
        );
        assert_eq!(
            object,
            json!({"spec": {"template": {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "p", "labels": {"a": "b"}}, "spec": {"image": "x"}}}})
        );
    }

    #[test]
    fn nested_meta_field_names_are_ordinary_fields() {
        let s = schema(json!({"type": "object", "properties": {"spec": {"type": "object"}}}));
        let mut object = json!({"spec": {"metadata": 1, "kind": 2}});
        assert_eq!(prune(&mut object, &s), ["spec.kind", "spec.metadata"]);
        assert_eq!(object, json!({"spec": {}}));
    }

    #[test]
    fn arrays_without_item_schema_lose_object_fields() {
        let s = schema(json!({"type": "object", "properties": {"list": {"type": "array"}}}));
        let mut object = json!({"list": [{"a": 1}, 2]});
        assert_eq!(prune(&mut object, &s), ["list[0].a"]);
        assert_eq!(object, json!({"list": [{}, 2]}));
    }
}
