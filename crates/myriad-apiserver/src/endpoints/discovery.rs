//! Discovery documents: `/api`, `/api/v1`, `/apis`, `/apis/{group}`,
//! `/apis/{group}/{version}`. `/api` and `/apis` answer with aggregated discovery
//! (`apidiscovery.k8s.io/v2`: every group, version and resource in one document) when
//! the client asks for it, as kubectl does, so it learns the API in two requests instead
//! of one per group-version.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Json, Response};
use myriad_api::registry::ResourceInfo;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::state::AppState;

/// The media type of aggregated discovery documents.
const AGGREGATED: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// Whether one of the Accept header's media ranges asks for aggregated discovery v2.
fn wants_aggregated(headers: &HeaderMap) -> bool {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    accept.split(',').any(|range| {
        let params: Vec<&str> = range.split(';').map(str::trim).collect();
        params.first() == Some(&"application/json")
            && params.contains(&"g=apidiscovery.k8s.io")
            && params.contains(&"v=v2")
            && params.contains(&"as=APIGroupDiscoveryList")
    })
}

pub(crate) async fn api(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if wants_aggregated(&headers) {
        return aggregated(&state, &[""]);
    }
    Json(json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": &*state.server_address}],
    }))
    .into_response()
}

pub(crate) async fn core_v1(State(state): State<AppState>) -> Json<Value> {
    Json(resource_list(&state, "", "v1"))
}

pub(crate) async fn apis(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let names = state.catalog().groups();
    if wants_aggregated(&headers) {
        return aggregated(&state, &names);
    }
    let groups: Vec<Value> = names.into_iter().map(|g| group(&state, g)).collect();
    Json(json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})).into_response()
}

/// An `APIGroupDiscoveryList` of `groups` (`""` is the core group).
fn aggregated(state: &AppState, groups: &[&str]) -> Response {
    let items: Vec<Value> = groups
        .iter()
        .map(|group| {
            let versions: Vec<Value> = versions_of(state, group)
                .into_iter()
                .map(|version| {
                    let resources: Vec<Value> = state
                        .catalog()
                        .resources_of(group, version)
                        .iter()
                        .map(|info| aggregated_resource(info))
                        .collect();
                    json!({"version": version, "resources": resources, "freshness": "Current"})
                })
                .collect();
            json!({"metadata": {"name": group, "creationTimestamp": null}, "versions": versions})
        })
        .collect();
    let list = json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items});
    (
        [(header::CONTENT_TYPE, AGGREGATED), (header::VARY, "Accept")],
        Json(list),
    )
        .into_response()
}

fn versions_of<'a>(state: &'a AppState, group: &str) -> Vec<&'a str> {
    if group.is_empty() {
        vec!["v1"]
    } else {
        state.catalog().versions(group)
    }
}

/// One resource of aggregated discovery, its subresources inside.
fn aggregated_resource(info: &ResourceInfo) -> Value {
    let subresources: Vec<Value> = info
        .subresources
        .iter()
        .map(|sub| {
            let served = Subresource::of(info, sub);
            let (group, version) = served.group_version.unwrap_or(("", ""));
            json!({
                "subresource": sub,
                "responseKind": {"group": group, "version": version, "kind": served.kind},
                "verbs": served.verbs,
            })
        })
        .collect();
    let mut entry = json!({
        "resource": info.resource,
        "responseKind": {"group": "", "version": "", "kind": info.kind},
        "scope": if info.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": info.singular,
        "verbs": info.verbs,
    });
    if !info.short_names.is_empty() {
        entry["shortNames"] = json!(info.short_names);
    }
    if !info.categories.is_empty() {
        entry["categories"] = json!(info.categories);
    }
    if !subresources.is_empty() {
        entry["subresources"] = json!(subresources);
    }
    entry
}

pub(crate) async fn api_group(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    match state.catalog().groups().into_iter().find(|g| *g == name) {
        Some(name) => {
            let mut doc = group(&state, name);
            doc["kind"] = json!("APIGroup");
            doc["apiVersion"] = json!("v1");
            Json(doc).into_response()
        }
        None => ApiError::PathNotFound(format!("/apis/{name}")).into_response(),
    }
}

pub(crate) async fn group_version(
    State(state): State<AppState>,
    Path((group, version)): Path<(String, String)>,
) -> Response {
    if state.catalog().resources_of(&group, &version).is_empty() {
        return ApiError::PathNotFound(format!("/apis/{group}/{version}")).into_response();
    }
    Json(resource_list(&state, &group, &version)).into_response()
}

fn group(state: &AppState, name: &str) -> Value {
    let versions: Vec<Value> = state
        .catalog()
        .versions(name)
        .into_iter()
        .map(|version| json!({"groupVersion": format!("{name}/{version}"), "version": version}))
        .collect();
    let preferred = versions.first().cloned().unwrap_or(Value::Null);
    json!({"name": name, "versions": versions, "preferredVersion": preferred})
}

fn resource_list(state: &AppState, group: &str, version: &str) -> Value {
    let mut resources = Vec::new();
    for info in state.catalog().resources_of(group, version) {
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
        "verbs": info.verbs,
    });
    if !info.short_names.is_empty() {
        entry["shortNames"] = json!(info.short_names);
    }
    if !info.categories.is_empty() {
        entry["categories"] = json!(info.categories);
    }
    entry
}

/// What discovery says about a subresource.
struct Subresource<'a> {
    kind: &'a str,
    /// Set when the kind lives in another group: `kubectl drain` finds the Eviction
    /// version it may post this way.
    group_version: Option<(&'static str, &'static str)>,
    verbs: &'static [&'static str],
}

impl<'a> Subresource<'a> {
    fn of(info: &'a ResourceInfo, sub: &str) -> Self {
        let (kind, group_version, verbs): (&str, _, &'static [&'static str]) = match sub {
            "scale" => ("Scale", Some(("autoscaling", "v1")), &["get", "patch", "update"]),
            "binding" => ("Binding", None, &["create"]),
            "eviction" => ("Eviction", Some(("policy", "v1")), &["create"]),
            "token" => ("TokenRequest", Some(("authentication.k8s.io", "v1")), &["create"]),
            _ => (info.kind, None, &["get", "patch", "update"]),
        };
        Subresource {
            kind,
            group_version,
            verbs,
        }
    }
}

/// A subresource's entry in a group-version's resource list.
fn subresource_entry(info: &ResourceInfo, sub: &str) -> Value {
    let served = Subresource::of(info, sub);
    let mut entry = json!({
        "name": format!("{}/{sub}", info.resource),
        "singularName": "",
        "namespaced": info.namespaced,
        "kind": served.kind,
        "verbs": served.verbs,
    });
    if let Some((group, version)) = served.group_version {
        entry["group"] = json!(group);
        entry["version"] = json!(version);
    }
    entry
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn aggregated_discovery_is_served_when_kubectl_asks_for_v2() {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"));
        assert!(wants_aggregated(&headers));
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"),
        );
        assert!(!wants_aggregated(&headers));
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json, */*"));
        assert!(!wants_aggregated(&headers));
    }

    #[test]
    fn aggregated_entries_carry_scope_and_subresource_kinds() {
        let pods = myriad_api::registry::lookup("", "v1", "pods").unwrap();
        let entry = aggregated_resource(pods);
        assert_eq!(entry["scope"], "Namespaced");
        assert_eq!(entry["shortNames"], json!(["po"]));
        let eviction = entry["subresources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["subresource"] == "eviction")
            .unwrap();
        assert_eq!(
            eviction["responseKind"],
            json!({"group": "policy", "version": "v1", "kind": "Eviction"})
        );
        assert_eq!(eviction["verbs"], json!(["create"]));
    }
}
