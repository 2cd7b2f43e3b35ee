//! OpenAPI v3 discovery (`/openapi/v3`) and one document per group-version
//! (`/openapi/v3/api/v1`, `/openapi/v3/apis/{group}/{version}`).
//!
//! The documents describe every operation of every built-in resource with Kubernetes'
//! `x-kubernetes-group-version-kind` and `x-kubernetes-action` extensions and query
//! parameters. kubectl reads them to learn that the server validates fields itself
//! (the `fieldValidation` parameter of PATCH), so `kubectl apply` and `create -f` work
//! without `--validate=false`. Object schemas (`components.schemas`, used by
//! `kubectl explain`) are not generated yet.

use axum::extract::Path;
use axum::response::{IntoResponse, Json, Response};
use myriad_api::registry::{self, ResourceInfo};
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::routes::{KUBE_MAJOR, KUBE_MINOR};

/// Changes whenever the documents change, so clients' caches (keyed by it) refresh.
fn document_hash() -> String {
    format!("myriad-{}-{}", env!("CARGO_PKG_VERSION"), registry::BUILTIN.len())
}

/// `/openapi/v3`: where each group-version's document is.
pub async fn root() -> Json<Value> {
    let mut paths = Map::new();
    let hash = document_hash();
    paths.insert(
        "api/v1".into(),
        json!({"serverRelativeURL": format!("/openapi/v3/api/v1?hash={hash}")}),
    );
    for group in registry::groups() {
        for version in versions_of(group) {
            let key = format!("apis/{group}/{version}");
            paths.insert(
                key.clone(),
                json!({"serverRelativeURL": format!("/openapi/v3/{key}?hash={hash}")}),
            );
        }
    }
    Json(json!({"paths": paths}))
}

fn versions_of(group: &str) -> Vec<&'static str> {
    let mut versions = Vec::new();
    for info in registry::BUILTIN.iter().filter(|r| r.group == group) {
        if !versions.contains(&info.version) {
            versions.push(info.version);
        }
    }
    versions
}

/// `/openapi/v3/api/v1`.
pub async fn core() -> Response {
    document("", "v1")
}

/// `/openapi/v3/apis/{group}/{version}`.
pub async fn group_version(Path((group, version)): Path<(String, String)>) -> Response {
    document(&group, &version)
}

fn document(group: &str, version: &str) -> Response {
    let resources: Vec<&ResourceInfo> = registry::resources_of(group, version).collect();
    if resources.is_empty() {
        let path = if group.is_empty() {
            format!("/openapi/v3/api/{version}")
        } else {
            format!("/openapi/v3/apis/{group}/{version}")
        };
        return ApiError::PathNotFound(path).into_response();
    }
    let mut paths = Map::new();
    for info in resources {
        add_resource_paths(&mut paths, info);
    }
    Json(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": format!("v{KUBE_MAJOR}.{KUBE_MINOR}.0")},
        "paths": paths,
        "components": {"schemas": {}},
    }))
    .into_response()
}

fn query(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "query", "description": description, "schema": {"type": "string", "uniqueItems": true}})
}

fn path_param(name: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": {"type": "string", "uniqueItems": true}})
}

fn operation(info: &ResourceInfo, action: &str, kind: &str, extra: &[Value]) -> Value {
    let mut parameters: Vec<Value> = extra.to_vec();
    if matches!(action, "post" | "put" | "patch") {
        parameters.push(query("dryRun", "When present, modifications are not persisted (All)."));
        parameters.push(query("fieldManager", "A name for the actor making these changes."));
        parameters.push(query(
            "fieldValidation",
            "How the server treats unknown or duplicate fields: Ignore, Warn or Strict.",
        ));
    }
    json!({
        "operationId": format!("{action}{}{}", info.group.replace('.', ""), kind),
        "parameters": parameters,
        "responses": {"200": {"description": "OK"}, "401": {"description": "Unauthorized"}},
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {"group": info.group, "version": info.version, "kind": kind},
    })
}

/// The collection, item and subresource paths of one resource.
fn add_resource_paths(paths: &mut Map<String, Value>, info: &ResourceInfo) {
    let base = if info.group.is_empty() {
        format!("/api/{}", info.version)
    } else {
        format!("/apis/{}/{}", info.group, info.version)
    };
    let scope = if info.namespaced {
        format!("{base}/namespaces/{{namespace}}")
    } else {
        base.clone()
    };
    let ns: Vec<Value> = if info.namespaced {
        vec![path_param("namespace")]
    } else {
        Vec::new()
    };
    let list_params = [
        query(
            "labelSelector",
            "A selector to restrict the list of returned objects by their labels.",
        ),
        query(
            "fieldSelector",
            "A selector to restrict the list of returned objects by their fields.",
        ),
        query("limit", "Maximum number of responses to return for a list call."),
        query("continue", "The continue option from a previous paged list."),
        query(
            "resourceVersion",
            "The resourceVersion the list or watch is served from.",
        ),
        query("watch", "Watch for changes and return them as a stream."),
    ];
    let kind = info.kind;
    let mut collection = Map::new();
    collection.insert("parameters".into(), json!(ns));
    collection.insert("get".into(), operation(info, "list", kind, &list_params));
    collection.insert("post".into(), operation(info, "post", kind, &[]));
    collection.insert("delete".into(), operation(info, "deletecollection", kind, &list_params));
    paths.insert(format!("{scope}/{}", info.resource), Value::Object(collection));

    let mut item_params = ns.clone();
    item_params.push(path_param("name"));
    let mut item = Map::new();
    item.insert("parameters".into(), json!(item_params));
    item.insert("get".into(), operation(info, "get", kind, &[]));
    item.insert("put".into(), operation(info, "put", kind, &[]));
    item.insert("patch".into(), operation(info, "patch", kind, &[]));
    item.insert(
        "delete".into(),
        operation(
            info,
            "delete",
            kind,
            &[query("gracePeriodSeconds", "Seconds before the object is deleted.")],
        ),
    );
    paths.insert(format!("{scope}/{}/{{name}}", info.resource), Value::Object(item));

    for sub in info.subresources.iter().filter(|s| matches!(**s, "status" | "scale")) {
        let (sub_kind, group) = if *sub == "scale" {
            ("Scale", "autoscaling")
        } else {
            (kind, info.group)
        };
        let mut op_info = info.clone();
        op_info.group = group;
        if *sub == "scale" {
            op_info.version = "v1";
        }
        let mut entry = Map::new();
        entry.insert("parameters".into(), json!(item_params));
        entry.insert("get".into(), operation(&op_info, "get", sub_kind, &[]));
        entry.insert("put".into(), operation(&op_info, "put", sub_kind, &[]));
        entry.insert("patch".into(), operation(&op_info, "patch", sub_kind, &[]));
        paths.insert(
            format!("{scope}/{}/{{name}}/{sub}", info.resource),
            Value::Object(entry),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What kubectl checks before it relies on server-side field validation.
    #[test]
    fn patch_operations_carry_gvk_and_field_validation() {
        let mut paths = Map::new();
        add_resource_paths(&mut paths, registry::lookup("apps", "v1", "deployments").unwrap());
        let patch = &paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
        assert_eq!(
            patch["x-kubernetes-group-version-kind"],
            json!({"group": "apps", "version": "v1", "kind": "Deployment"})
        );
        let names: Vec<&str> = patch["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert!(names.contains(&"fieldValidation"));
        assert_eq!(
            paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]["get"]["x-kubernetes-group-version-kind"]
                ["kind"],
            "Scale"
        );
    }
}
