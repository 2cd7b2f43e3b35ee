//! OpenAPI v3 object schemas: the `components.schemas` of the `/openapi/v3` document of
//! one group-version, which `kubectl explain` walks. Built-in kinds' schemas come from
//! k8s-openapi (generated from upstream's own OpenAPI document, descriptions included);
//! a custom kind's from its CRD's `openAPIV3Schema`, with `apiVersion`, `kind` and
//! `metadata` added as upstream's CRD OpenAPI builder does.
//!
//! Each kind's schema carries `x-kubernetes-group-version-kind`, which is how clients
//! find the schema of a resource they looked up in discovery.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value, json};

use crate::typed::{self, Kind, KindVisitor};

const API_VERSION_DESCRIPTION: &str = "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources";
const KIND_DESCRIPTION: &str = "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";
const METADATA_DESCRIPTION: &str = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

/// The schemas of one group-version's kinds and of every type they refer to.
pub struct SchemaSet {
    generator: SchemaGenerator,
    /// Each kind's schema name and its `x-kubernetes-group-version-kind`.
    kinds: Vec<(String, Value)>,
    /// Custom kinds' schemas, added to the generated ones at the end.
    custom: Map<String, Value>,
}

impl Default for SchemaSet {
    fn default() -> Self {
        SchemaSet {
            generator: SchemaSettings::openapi3().into_generator(),
            kinds: Vec::new(),
            custom: Map::new(),
        }
    }
}

impl SchemaSet {
    /// Adds the built-in `group`/`version`/`kind`; false when it has no typed form here.
    pub fn add_builtin(&mut self, group: &str, version: &str, kind: &str) -> bool {
        let Some(name) = typed::visit(group, version, kind, AddTo(&mut self.generator)) else {
            return false;
        };
        self.kinds.push((name, group_version_kind(group, version, kind)));
        true
    }

    /// Adds a custom kind whose objects follow `schema` (its CRD version's
    /// `openAPIV3Schema`; `None` when the version has none).
    pub fn add_custom(&mut self, group: &str, version: &str, kind: &str, schema: Option<&Value>) {
        self.generator.subschema_for::<ObjectMeta>();
        let metadata = ObjectMeta::schema_name();
        let mut schema = match schema {
            Some(Value::Object(fields)) => fields.clone(),
            _ => Map::from_iter([("x-kubernetes-preserve-unknown-fields".to_string(), Value::Bool(true))]),
        };
        schema.insert("type".into(), json!("object"));
        let properties = schema.entry("properties").or_insert_with(|| json!({}));
        if let Value::Object(properties) = properties {
            properties.insert(
                "apiVersion".into(),
                json!({"description": API_VERSION_DESCRIPTION, "type": "string"}),
            );
            properties.insert(
                "kind".into(),
                json!({"description": KIND_DESCRIPTION, "type": "string"}),
            );
            properties.insert(
                "metadata".into(),
                json!({"description": METADATA_DESCRIPTION, "allOf": [{"$ref": reference(&metadata)}]}),
            );
        }
        let name = custom_schema_name(group, version, kind);
        self.custom.insert(name.clone(), Value::Object(schema));
        self.kinds.push((name, group_version_kind(group, version, kind)));
    }

    /// `components.schemas`: every schema by name, kinds marked with their GVK.
    pub fn into_schemas(mut self) -> Map<String, Value> {
        let mut schemas = self.generator.take_definitions(true);
        schemas.extend(self.custom);
        for (name, gvk) in self.kinds {
            if let Some(Value::Object(schema)) = schemas.get_mut(&name) {
                schema.insert("x-kubernetes-group-version-kind".into(), json!([gvk]));
                // k8s-openapi requires `metadata` (its field is not optional); the API does not.
                if let Some(Value::Array(required)) = schema.get_mut("required") {
                    required.retain(|field| field != "metadata");
                }
            }
        }
        schemas
    }
}

/// Adds a kind's schema (and those it refers to) to the generator; yields its name.
struct AddTo<'a>(&'a mut SchemaGenerator);

impl KindVisitor for AddTo<'_> {
    type Output = String;
    fn visit<K: Kind>(self) -> String {
        self.0.subschema_for::<K>();
        K::schema_name().into_owned()
    }
}

fn reference(name: &str) -> String {
    format!("#/components/schemas/{name}")
}

fn group_version_kind(group: &str, version: &str, kind: &str) -> Value {
    json!({"group": group, "kind": kind, "version": version})
}

/// Upstream names a custom kind's schema by its reversed group: `com.example.v1.Widget`.
fn custom_schema_name(group: &str, version: &str, kind: &str) -> String {
    let reversed: Vec<&str> = group.split('.').rev().collect();
    format!("{}.{version}.{kind}", reversed.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve<'a>(schemas: &'a Map<String, Value>, schema: &'a Value) -> &'a Value {
        let reference = schema["$ref"]
            .as_str()
            .or_else(|| schema["allOf"][0]["$ref"].as_str())
            .unwrap_or_default();
        match reference.strip_prefix("#/components/schemas/") {
            Some(name) => &schemas[name],
            None => schema,
        }
    }

    #[test]
    fn builtin_kinds_carry_their_gvk_and_descriptions_down_to_containers() {
        let mut set = SchemaSet::default();
        assert!(set.add_builtin("", "v1", "Pod"));
        assert!(!set.add_builtin("example.com", "v1", "Widget"));
        let schemas = set.into_schemas();
        let pod = &schemas["io.k8s.api.core.v1.Pod"];
        assert_eq!(pod.get("required"), Some(&json!([])));
        assert_eq!(
            pod["x-kubernetes-group-version-kind"],
            json!([{"group": "", "kind": "Pod", "version": "v1"}])
        );
        let spec_field = &pod["properties"]["spec"];
        assert!(spec_field["description"].as_str().unwrap().starts_with("Specification"));
        let spec = resolve(&schemas, spec_field);
        let containers = &spec["properties"]["containers"];
        assert_eq!(containers["type"], "array");
        let container = resolve(&schemas, &containers["items"]);
        assert!(container["properties"]["image"]["description"].is_string());
        assert!(container["required"].as_array().unwrap().contains(&json!("name")));
        // Every reference resolves inside the set.
        let text = serde_json::to_string(&schemas).unwrap();
        for piece in text.split("\"#/components/schemas/").skip(1) {
            let name = &piece[..piece.find('"').unwrap()];
            assert!(schemas.contains_key(name), "dangling reference {name}");
        }
    }

    #[test]
    fn custom_kinds_gain_type_meta_and_object_meta() {
        let mut set = SchemaSet::default();
        let schema = json!({"type": "object", "description": "A widget.",
            "properties": {"spec": {"type": "object", "properties": {"size": {"type": "integer"}}}}});
        set.add_custom("widgets.example.com", "v1", "Widget", Some(&schema));
        set.add_custom("example.com", "v2", "Gadget", None);
        let schemas = set.into_schemas();
        let widget = &schemas["com.example.widgets.v1.Widget"];
        assert_eq!(widget["description"], "A widget.");
        assert_eq!(widget["properties"]["spec"]["properties"]["size"]["type"], "integer");
        assert_eq!(widget["properties"]["kind"]["type"], "string");
        assert_eq!(
            widget["properties"]["metadata"]["allOf"][0]["$ref"],
            "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
        );
        assert!(schemas.contains_key("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"));
        let gadget = &schemas["com.example.v2.Gadget"];
        assert_eq!(gadget["x-kubernetes-preserve-unknown-fields"], true);
        assert_eq!(
            gadget["x-kubernetes-group-version-kind"],
            json!([{"group": "example.com", "kind": "Gadget", "version": "v2"}])
        );
    }
}
