//! Who may do what: members of `system:masters` may do anything (upstream's privileged
//! group); everyone else as Kubernetes RBAC allows. The RBAC objects are followed
//! through the watch cache and compiled into a [`Policy`] that each request reads
//! without locks; a change to any Role, ClusterRole or binding swaps in a new one.

mod bootstrap;
pub mod escalation;
mod policy;
mod rbac;

use std::sync::Arc;

use axum::http::Method;
use parking_lot::RwLock;

pub use bootstrap::ensure_bootstrap_policy;
pub use policy::Policy;
pub use rbac::PolicyRule;

use crate::authn::UserInfo;
use crate::cache::Caches;
use crate::error::ApiError;
use crate::request::RequestInfo;
use crate::tasks::Tasks;

/// The group whose members are never refused.
pub const MASTERS: &str = "system:masters";

/// What a request asks to do, in RBAC's terms.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attributes {
    pub verb: String,
    /// Resource requests.
    pub resource_request: bool,
    pub namespace: String,
    pub group: String,
    pub resource: String,
    pub subresource: String,
    pub name: String,
    /// Non-resource requests.
    pub path: String,
}

impl Attributes {
    /// The attributes of a resource request, with upstream's adjustments: a namespace
    /// is its own namespace, and a LIST or WATCH selecting one `metadata.name` is about
    /// that name.
    pub fn of_resource(info: &RequestInfo, field_selector: Option<&str>) -> Self {
        let mut name = info.name.clone().unwrap_or_default();
        if name.is_empty()
            && let Some(selected) = field_selector.and_then(single_name)
        {
            name = selected;
        }
        let namespace = match (&info.namespace, info.resource.as_str()) {
            (Some(namespace), _) => namespace.clone(),
            (None, "namespaces") => name.clone(),
            (None, _) => String::new(),
        };
        Attributes {
            verb: info.verb.as_str().into(),
            resource_request: true,
            namespace,
            group: info.group.clone(),
            resource: info.resource.clone(),
            subresource: info.subresource.clone().unwrap_or_default(),
            name,
            path: String::new(),
        }
    }

    /// A resource request by its parts.
    #[cfg(test)]
    pub fn resource(verb: &str, group: &str, resource: &str, namespace: &str) -> Self {
        Attributes {
            verb: verb.into(),
            resource_request: true,
            namespace: namespace.into(),
            group: group.into(),
            resource: resource.into(),
            ..Attributes::default()
        }
    }

    /// The attributes of a request for anything that is not a resource.
    pub fn of_path(method: &Method, path: &str) -> Self {
        let verb = match *method {
            Method::GET | Method::HEAD => "get".to_string(),
            ref other => other.as_str().to_ascii_lowercase(),
        };
        Attributes {
            verb,
            path: path.to_string(),
            ..Attributes::default()
        }
    }

    /// Upstream's `forbiddenMessage`, with the RBAC reason appended when there is one.
    pub fn forbidden(&self, user: &UserInfo, reason: &str) -> ApiError {
        let mut message = if !self.resource_request {
            format!("User {:?} cannot {} path {:?}", user.name, self.verb, self.path)
        } else {
            let resource = match self.subresource.as_str() {
                "" => self.resource.clone(),
                sub => format!("{}/{sub}", self.resource),
            };
            let scope = match self.namespace.as_str() {
                "" => "at the cluster scope".to_string(),
                ns => format!("in the namespace {ns:?}"),
            };
            format!(
                "User {:?} cannot {} resource {resource:?} in API group {:?} {scope}",
                user.name, self.verb, self.group
            )
        };
        if !reason.is_empty() {
            message = format!("{message}: {reason}");
        }
        ApiError::Forbidden {
            group_resource: myriad_api::GroupResource::new(self.group.clone(), self.resource.clone()),
            name: self.name.clone(),
            message,
        }
    }
}

/// The name a field selector pins with `metadata.name=…` (or `==`), if it is the only
/// way it names one.
fn single_name(selector: &str) -> Option<String> {
    let mut found = None;
    for term in selector.split(',') {
        let (field, value) = term.split_once("==").or_else(|| term.split_once('='))?;
        if field.trim() == "metadata.name" && !value.starts_with('=') && !field.ends_with('!') {
            found = Some(value.trim().to_string());
        }
    }
    found.filter(|name| !name.is_empty() && !name.contains('/') && name != "." && name != "..")
}

/// An authorization decision; `reason` says which binding allowed it, or what went
/// wrong while looking (upstream's RBAC reasons).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub reason: String,
}

/// Decides requests against the current RBAC policy.
#[derive(Default)]
pub struct Authorizer {
    policy: RwLock<Arc<Policy>>,
}

impl Authorizer {
    pub fn authorize(&self, user: &UserInfo, attributes: &Attributes) -> Decision {
        if user.in_group(MASTERS) {
            return Decision {
                allowed: true,
                reason: String::new(),
            };
        }
        self.policy().authorize(user, attributes)
    }

    /// The policy in force now.
    pub fn policy(&self) -> Arc<Policy> {
        self.policy.read().clone()
    }

    /// Follows the RBAC objects in the watch cache, recompiling the policy whenever
    /// one changes. Returns once the first policy is in force (or after `wait`).
    pub async fn follow(self: &Arc<Self>, caches: Arc<Caches>, wait: std::time::Duration, tasks: &Tasks) {
        if !policy::follow(Arc::downgrade(self), caches, wait, tasks).await {
            tracing::warn!("RBAC policy not loaded within {wait:?}; only system:masters is allowed until it is");
        }
    }

    fn install(&self, policy: Policy) {
        *self.policy.write() = Arc::new(policy);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request as request_info;

    #[test]
    fn request_attributes_follow_upstream_adjustments() {
        let info = request_info::parse(&Method::GET, "/api/v1/namespaces/team-a", false).unwrap();
        let attributes = Attributes::of_resource(&info, None);
        assert_eq!(
            (attributes.namespace.as_str(), attributes.name.as_str()),
            ("team-a", "team-a")
        );
        let info = request_info::parse(&Method::GET, "/api/v1/nodes", true).unwrap();
        let attributes = Attributes::of_resource(&info, Some("metadata.name=n1"));
        assert_eq!((attributes.verb.as_str(), attributes.name.as_str()), ("watch", "n1"));
        assert_eq!(single_name("metadata.name!=n1"), None);
        assert_eq!(single_name("spec.nodeName=x,metadata.name==n2"), Some("n2".into()));
        assert_eq!(Attributes::of_path(&Method::HEAD, "/healthz").verb, "get");
    }

    #[test]
    fn forbidden_messages_read_as_upstream() {
        let alice = UserInfo::new("alice".into(), String::new(), Vec::new());
        let info = request_info::parse(&Method::GET, "/api/v1/namespaces/default/pods", false).unwrap();
        let status = serde_json::to_value(Attributes::of_resource(&info, None).forbidden(&alice, "").status()).unwrap();
        assert_eq!(
            status["message"],
            "pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\""
        );
        assert_eq!(status["reason"], "Forbidden");
        assert_eq!(status["details"]["kind"], "pods");
        let info = request_info::parse(&Method::PATCH, "/api/v1/nodes/n1/status", false).unwrap();
        let status = serde_json::to_value(Attributes::of_resource(&info, None).forbidden(&alice, "").status()).unwrap();
        assert_eq!(
            status["message"],
            "nodes \"n1\" is forbidden: User \"alice\" cannot patch resource \"nodes/status\" in API group \"\" at the cluster scope"
        );
        let status = Attributes::of_path(&Method::GET, "/metrics")
            .forbidden(&alice, "")
            .status();
        assert_eq!(status.message, "forbidden: User \"alice\" cannot get path \"/metrics\"");
    }
}
