//! What a request is about, parsed once by the first filter and kept in the request's
//! extensions ([`Parsed`]) for every later filter and handler: the query, and for a
//! resource request its group, version, namespace, resource, name, subresource and verb,
//! as Kubernetes' `RequestInfoFactory` reads them from
//! `/api/v1/namespaces/{ns}/{resource}/{name}/{subresource}` and
//! `/apis/{group}/{version}/…`. [`list_options`] and [`selector`] read the query of a
//! LIST or WATCH; [`body`] (with [`protobuf`]) reads request bodies.

pub(crate) mod body;
pub(crate) mod list_options;
pub(crate) mod protobuf;
pub(crate) mod selector;

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::{Method, Uri};

/// Query parameters.
pub(crate) type Params = HashMap<String, String>;

/// A request as the filters and handlers see it, parsed once.
#[derive(Clone, Debug)]
pub(crate) struct Parsed {
    /// The query parameters (a malformed query reads as none, as upstream's handlers
    /// see it once Go's URL parser has dropped what it cannot read).
    pub(crate) params: Params,
    /// What a resource request is about; `None` for other paths (discovery, health,
    /// metrics, OpenAPI).
    pub(crate) info: Option<RequestInfo>,
}

impl Parsed {
    pub(crate) fn new(method: &Method, uri: &Uri) -> Arc<Parsed> {
        let params: Params = axum::extract::Query::try_from_uri(uri)
            .map(|query| query.0)
            .unwrap_or_default();
        let watch = params.get("watch").is_some_and(|v| v == "true" || v == "1");
        let info = parse(method, uri.path(), watch);
        Arc::new(Parsed { params, info })
    }

    /// A query parameter.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }
}

/// The verb, in Kubernetes' (RBAC's) terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verb {
    Get,
    List,
    Watch,
    Create,
    Update,
    Patch,
    Delete,
    DeleteCollection,
}

impl Verb {
    /// The verb as RBAC and discovery name it (`deletecollection`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "get",
            Verb::List => "list",
            Verb::Watch => "watch",
            Verb::Create => "create",
            Verb::Update => "update",
            Verb::Patch => "patch",
            Verb::Delete => "delete",
            Verb::DeleteCollection => "deletecollection",
        }
    }
}

/// A parsed resource request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RequestInfo {
    pub(crate) group: String,
    pub(crate) version: String,
    pub(crate) namespace: Option<String>,
    pub(crate) resource: String,
    pub(crate) name: Option<String>,
    pub(crate) subresource: Option<String>,
    pub(crate) verb: Verb,
}

/// Namespace subresources: `/api/v1/namespaces/{name}/status` is about the namespace.
const NAMESPACE_SUBRESOURCES: &[&str] = &["status", "finalize"];

/// Parses a resource path. `None` for paths that are not resource requests (discovery
/// documents like `/api/v1` are routed before this).
pub(crate) fn parse(method: &Method, path: &str, watch: bool) -> Option<RequestInfo> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, version, rest) = match parts.as_slice() {
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return None,
    };
    let (namespace, rest) = match rest {
        ["namespaces", ns, resource, tail @ ..] if !NAMESPACE_SUBRESOURCES.contains(resource) => (
            Some(ns.to_string()),
            std::iter::once(*resource)
                .chain(tail.iter().copied())
                .collect::<Vec<_>>(),
        ),
        other => (None, other.to_vec()),
    };
    let (resource, name, subresource) = match rest.as_slice() {
        [resource] => (*resource, None, None),
        [resource, name] => (*resource, Some(*name), None),
        [resource, name, sub] => (*resource, Some(*name), Some(*sub)),
        _ => return None,
    };
    if resource.is_empty() || name.is_some_and(str::is_empty) {
        return None;
    }
    let verb = match (method.as_str(), name.is_some()) {
        ("GET", _) if watch => Verb::Watch,
        ("GET", true) => Verb::Get,
        ("GET", false) => Verb::List,
        ("POST", _) => Verb::Create,
        ("PUT", _) => Verb::Update,
        ("PATCH", _) => Verb::Patch,
        ("DELETE", true) => Verb::Delete,
        ("DELETE", false) => Verb::DeleteCollection,
        _ => return None,
    };
    Some(RequestInfo {
        group: group.to_string(),
        version: version.to_string(),
        namespace,
        resource: resource.to_string(),
        name: name.map(str::to_string),
        subresource: subresource.map(str::to_string),
        verb,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(method: Method, path: &str) -> RequestInfo {
        parse(&method, path, false).unwrap()
    }

    #[test]
    fn parses_kubernetes_paths() {
        let i = info(Method::GET, "/api/v1/namespaces/default/pods/web/status");
        assert_eq!(
            (
                i.group.as_str(),
                i.namespace.as_deref(),
                i.resource.as_str(),
                i.name.as_deref(),
                i.subresource.as_deref()
            ),
            ("", Some("default"), "pods", Some("web"), Some("status"))
        );
        assert_eq!(i.verb, Verb::Get);
        let i = info(Method::GET, "/api/v1/namespaces/kube-system");
        assert_eq!(
            (i.resource.as_str(), i.name.as_deref(), i.namespace),
            ("namespaces", Some("kube-system"), None)
        );
        let i = info(Method::PUT, "/api/v1/namespaces/kube-system/finalize");
        assert_eq!(
            (i.resource.as_str(), i.subresource.as_deref()),
            ("namespaces", Some("finalize"))
        );
        let i = info(Method::GET, "/apis/apps/v1/deployments");
        assert_eq!((i.group.as_str(), i.verb, i.namespace), ("apps", Verb::List, None));
        let i = info(Method::DELETE, "/apis/apps/v1/namespaces/a/deployments");
        assert_eq!(i.verb, Verb::DeleteCollection);
        assert_eq!(parse(&Method::GET, "/api/v1/pods", true).unwrap().verb, Verb::Watch);
        assert!(parse(&Method::GET, "/api/v1/a/b/c/d", false).is_none());
        assert!(parse(&Method::GET, "/healthz", false).is_none());
    }
}
