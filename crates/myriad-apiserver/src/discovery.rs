//! Legacy discovery documents: `/api`, `/api/v1`, `/apis`, `/apis/{group}`,
//! `/apis/{group}/{version}`. kubectl asks for aggregated discovery first and accepts
//! these plain JSON answers.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Json, Response};
use myriad_api::registry::{ResourceInfo, VERBS};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::handlers::AppState;

pub async fn api(State(state): State<AppState>) -> Json<Value> {
    Json(json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": state.server_address}],
    }))
}

pub async fn core_v1(State(state): State<AppState>) -> Json<Value> {
    Json(resource_list(&state, "", "v1"))
}

pub async fn apis(State(state): State<AppState>) -> Json<Value> {
    let groups: Vec<Value> = state.catalog.groups().into_iter().map(|g| group(&state, g)).collect();
    Json(json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}))
}

pub async fn api_group(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    match state.catalog.groups().into_iter().find(|g| *g == name) {
        Some(name) => {
            let mut doc = group(&state, name);
            doc["kind"] = json!("APIGroup");
            doc["apiVersion"] = json!("v1");
            Json(doc).into_response()
        }
        None => ApiError::PathNotFound(format!("/apis/{name}")).into_response(),
    }
}

pub async fn group_version(State(state): State<AppState>, Path((group, version)): Path<(String, String)>) -> Response {
    if state.catalog.resources_of(&group, &version).is_empty() {
        return ApiError::PathNotFound(format!("/apis/{group}/{version}")).into_response();
    }
    Json(resource_list(&state, &group, &version)).into_response()
}

fn group(state: &AppState, name: &str) -> Value {
    let versions: Vec<Value> = state
        .catalog
        .versions(name)
        .into_iter()
        .map(|version| json!({"groupVersion": format!("{name}/{version}"), "version": version}))
        .collect();
    let preferred = versions.first().cloned().unwrap_or(Value::Null);
    json!({"name": name, "versions": versions, "preferredVersion": preferred})
}

fn resource_list(state: &AppState, group: &str, version: &str) -> Value {
    let mut resources = Vec::new();
    for info in state.catalog.resources_of(group, version) {
        resources.push(resource_entry(&info));
        for sub in info.subresources {
            resources.push(subresource_entry(&info, sub));
        }
    }
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources})
}

fn resource_entry(info: &ResourceInfo) -> Value {
    let mut entry = json!({
        "name": info.resource,
        "singularName": info.singular,
        "namespaced": info.namespaced,
        "kind": info.kind,
        "verbs": VERBS,
    });
    if !info.short_names.is_empty() {
        entry["shortNames"] = json!(info.short_names);
    }
    if !info.categories.is_empty() {
        entry["categories"] = json!(info.categories);
    }
    entry
}

/// A subresource's entry. Those whose kind lives in another group name it, as upstream
/// does: `kubectl drain` finds the Eviction version it may post this way.
fn subresource_entry(info: &ResourceInfo, sub: &str) -> Value {
    let (kind, group_version, verbs): (&str, Option<(&str, &str)>, &[&str]) = match sub {
        "scale" => ("Scale", Some(("autoscaling", "v1")), &["get", "patch", "update"]),
        "binding" => ("Binding", None, &["create"]),
        "eviction" => ("Eviction", Some(("policy", "v1")), &["create"]),
        _ => (info.kind, None, &["get", "patch", "update"]),
    };
    let mut entry = json!({
        "name": format!("{}/{sub}", info.resource),
        "singularName": "",
        "namespaced": info.namespaced,
        "kind": kind,
        "verbs": verbs,
    });
    if let Some((group, version)) = group_version {
        entry["group"] = json!(group);
        entry["version"] = json!(version);
    }
    entry
}
