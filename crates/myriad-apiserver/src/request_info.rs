//! What a resource request is about, parsed from its path and method the way Kubernetes'
//! `RequestInfoFactory` does: `/api/v1/namespaces/{ns}/{resource}/{name}/{subresource}`
//! and `/apis/{group}/{version}/…`.

use axum::http::Method;

/// The verb, in Kubernetes' (RBAC's) terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
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
    pub fn as_str(self) -> &'static str {
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
pub struct RequestInfo {
    pub group: String,
    pub version: String,
    pub namespace: Option<String>,
    pub resource: String,
    pub name: Option<String>,
    pub subresource: Option<String>,
    pub verb: Verb,
}

/// Namespace subresources: `/api/v1/namespaces/{name}/status` is about the namespace.
const NAMESPACE_SUBRESOURCES: &[&str] = &["status", "finalize"];

/// Parses a resource path. `None` for paths that are not resource requests (discovery
/// documents like `/api/v1` are routed before this).
pub fn parse(method: &Method, path: &str, watch: bool) -> Option<RequestInfo> {
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
