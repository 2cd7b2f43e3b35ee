//! OpenAPI v3 discovery (`/openapi/v3`) and one document per group-version
//! (`/openapi/v3/api/v1`, `/openapi/v3/apis/{group}/{version}`).
//!
//! The documents describe every operation of every built-in resource with Kubernetes'
//! `x-kubernetes-group-version-kind` and `x-kubernetes-action` extensions and query
//! parameters. kubectl reads them to learn that the server validates fields itself
//! (the `fieldValidation` parameter of PATCH), so `kubectl apply` and `create -f` work
//! without `--validate=false`. Each document's `components.schemas` holds its kinds'
//! object schemas with descriptions ([`SchemaSet`]), which `kubectl explain` walks.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Json, Response};
use myriad_api::openapi::SchemaSet;
use myriad_api::registry::ResourceInfo;
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::state::AppState;

/// Changes whenever the documents change (resources served, custom schemas), so
/// clients' caches, keyed by it, refresh.
fn document_hash(state: &AppState) -> String {
    let mut names: Vec<String> = state
        .catalog()
        .all()
        .iter()
        .map(|r| {
            let schema = r.custom.as_ref().and_then(|c| c.schema.as_ref());
            format!(
                "{}/{}/{}{}",
                r.group,
                r.version,
                r.resource,
                schema.map(Value::to_string).unwrap_or_default()
            )
        })
        .collect();
    names.sort();
    let digest = names.join(",").bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    format!("myriad-{}-{digest:016x}", env!("CARGO_PKG_VERSION"))
}

/// `/openapi/v2`: a Swagger 2.0 document without definitions. kubectl falls back to it
/// (as protobuf, gnostic's `openapi_v2.Document`) when a group-version is missing from
/// the v3 index it fetched, e.g. for a CRD created earlier in the same `kubectl apply`;
/// with no definitions it skips client-side checks and the server validates instead.
pub(crate) async fn v2(headers: HeaderMap) -> Response {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let version = served_version();
    if accept.contains("protobuf") {
        // Document { swagger = 1; info = 2 { title = 1; version = 2 } }.
        let field = |tag: u8, bytes: &[u8]| {
            let mut out = vec![tag, u8::try_from(bytes.len()).unwrap_or(0)];
            out.extend_from_slice(bytes);
            out
        };
        let info = [field(0x0a, b"Kubernetes"), field(0x12, version.as_bytes())].concat();
        let document = [field(0x0a, b"2.0"), field(0x12, &info)].concat();
        let content_type = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
        return ([(header::CONTENT_TYPE, content_type)], document).into_response();
    }
    Json(json!({"swagger": "2.0", "info": {"title": "Kubernetes", "version": version}, "paths": {}, "definitions": {}}))
        .into_response()
}

/// `/openapi/v3`: where each group-version's document is.
pub(crate) async fn root(State(state): State<AppState>) -> Json<Value> {
    let mut paths = Map::new();
    let hash = document_hash(&state);
    paths.insert(
        "api/v1".into(),
        json!({"serverRelativeURL": format!("/openapi/v3/api/v1?hash={hash}")}),
    );
    for group in state.catalog().groups() {
        for version in state.catalog().versions(group) {
            let key = format!("apis/{group}/{version}");
            paths.insert(
                key.clone(),
                json!({"serverRelativeURL": format!("/openapi/v3/{key}?hash={hash}")}),
            );
        }
    }
    Json(json!({"paths": paths}))
}

/// `/openapi/v3/api/v1`.
pub(crate) async fn core(State(state): State<AppState>) -> Response {
    document(&state, "", "v1")
}

/// `/openapi/v3/apis/{group}/{version}`.
pub(crate) async fn group_version(
    State(state): State<AppState>,
    Path((group, version)): Path<(String, String)>,
) -> Response {
    document(&state, &group, &version)
}

fn document(state: &AppState, group: &str, version: &str) -> Response {
    let resources = state.catalog().resources_of(group, version);
    if resources.is_empty() {
        let path = if group.is_empty() {
            format!("/openapi/v3/api/{version}")
        } else {
            format!("/openapi/v3/apis/{group}/{version}")
        };
        return ApiError::PathNotFound(path).into_response();
    }
    let mut paths = Map::new();
    let mut schemas = SchemaSet::default();
    for info in &resources {
        add_resource_paths(&mut paths, info);
        match &info.custom {
            Some(custom) => schemas.add_custom(info.group, info.version, info.kind, custom.schema.as_ref()),
            None => {
                schemas.add_builtin(info.group, info.version, info.kind);
            }
        }
    }
    Json(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": served_version()},
        "paths": paths,
        "components": {"schemas": schemas.into_schemas()},
    }))
    .into_response()
}

/// The Kubernetes version the documents describe (`v1.33.0`).
fn served_version() -> String {
    format!("v{}.{}.0", myriad_api::version::MAJOR, myriad_api::version::MINOR)
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
    if info.verbs == ["create"] {
        // A review: posted and answered, nothing to read back.
        collection.insert("post".into(), operation(info, "post", kind, &[]));
        paths.insert(format!("{scope}/{}", info.resource), Value::Object(collection));
        return;
    }
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
        add_resource_paths(
            &mut paths,
            myriad_api::registry::lookup("apps", "v1", "deployments").unwrap(),
        );
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
