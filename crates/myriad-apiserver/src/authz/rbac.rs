//! Kubernetes RBAC: the rule and subject types as stored, and how a rule matches a
//! request (upstream's `rbac/v1` evaluation helpers): `*` matches any verb, group or
//! resource; `*/sub` any resource's subresource `sub`; `resourceNames` narrows to
//! names; a non-resource URL ending in `*` matches by prefix.

use serde::Deserialize;

use super::Attributes;
use crate::authn::{UserInfo, username};

/// One rule of a Role or ClusterRole.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct PolicyRule {
    pub verbs: Vec<String>,
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub resource_names: Vec<String>,
    #[serde(rename = "nonResourceURLs")]
    pub non_resource_urls: Vec<String>,
}

impl PolicyRule {
    /// Whether this rule allows the request.
    pub fn allows(&self, attributes: &Attributes) -> bool {
        if !any_or(&self.verbs, &attributes.verb) {
            return false;
        }
        if !attributes.resource_request {
            return self.non_resource_url_matches(&attributes.path);
        }
        any_or(&self.api_groups, &attributes.group)
            && self.resource_matches(&attributes.resource, &attributes.subresource)
            && (self.resource_names.is_empty() || self.resource_names.contains(&attributes.name))
    }

    fn resource_matches(&self, resource: &str, subresource: &str) -> bool {
        self.resources.iter().any(|rule| {
            if rule == "*" {
                return true;
            }
            if subresource.is_empty() {
                return rule == resource;
            }
            match rule.split_once('/') {
                Some((r, s)) => (r == resource || r == "*") && s == subresource,
                None => false,
            }
        })
    }

    fn non_resource_url_matches(&self, path: &str) -> bool {
        self.non_resource_urls.iter().any(|rule| match rule.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => rule == path,
        })
    }
}

/// `values` holds `*` or `value`.
fn any_or(values: &[String], value: &str) -> bool {
    values.iter().any(|v| v == "*" || v == value)
}

/// Who a binding grants its role to.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct Subject {
    pub kind: String,
    pub api_group: String,
    pub name: String,
    pub namespace: String,
}

impl Subject {
    /// Whether `user` is this subject, for a binding in `binding_namespace` ("" for a
    /// ClusterRoleBinding): a ServiceAccount subject without a namespace means the
    /// binding's.
    pub fn applies_to(&self, user: &UserInfo, binding_namespace: &str) -> bool {
        match self.kind.as_str() {
            "User" => user.name == self.name,
            "Group" => user.in_group(&self.name),
            "ServiceAccount" => {
                let namespace = if self.namespace.is_empty() {
                    binding_namespace
                } else {
                    &self.namespace
                };
                !namespace.is_empty() && user.name == username(namespace, &self.name)
            }
            _ => false,
        }
    }

    /// As upstream names a subject in reasons: `User "alice"`, `ServiceAccount "ns/name"`.
    pub fn describe(&self) -> String {
        match self.kind.as_str() {
            "ServiceAccount" if !self.namespace.is_empty() => {
                format!("{} \"{}/{}\"", self.kind, self.namespace, self.name)
            }
            _ => format!("{} {:?}", self.kind, self.name),
        }
    }
}

/// The role a binding grants.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct RoleRef {
    pub api_group: String,
    pub kind: String,
    pub name: String,
}

/// A resource rule from string lists (tests).
#[cfg(test)]
pub(super) fn rule(verbs: &[&str], groups: &[&str], resources: &[&str], names: &[&str]) -> PolicyRule {
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
    PolicyRule {
        verbs: strings(verbs),
        api_groups: strings(groups),
        resources: strings(resources),
        resource_names: strings(names),
        non_resource_urls: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(verb: &str, group: &str, resource: &str, subresource: &str, name: &str) -> Attributes {
        Attributes {
            verb: verb.into(),
            group: group.into(),
            resource: resource.into(),
            subresource: subresource.into(),
            name: name.into(),
            resource_request: true,
            ..Attributes::default()
        }
    }

    #[test]
    fn resource_rules_match_as_upstream() {
        let pods = rule(&["get", "list"], &[""], &["pods"], &[]);
        assert!(pods.allows(&request("get", "", "pods", "", "web")));
        assert!(!pods.allows(&request("delete", "", "pods", "", "web")));
        assert!(!pods.allows(&request("get", "apps", "pods", "", "web")));
        assert!(
            !pods.allows(&request("get", "", "pods", "status", "web")),
            "subresources are separate"
        );

        let status = rule(&["*"], &["*"], &["pods/status"], &[]);
        assert!(status.allows(&request("patch", "", "pods", "status", "web")));
        assert!(!status.allows(&request("patch", "", "pods", "", "web")));
        let any_status = rule(&["get"], &[""], &["*/status"], &[]);
        assert!(any_status.allows(&request("get", "", "nodes", "status", "n1")));
        assert!(!any_status.allows(&request("get", "", "nodes", "", "n1")));
        let all = rule(&["*"], &["*"], &["*"], &[]);
        assert!(all.allows(&request("deletecollection", "apps", "deployments", "scale", "")));

        let named = rule(&["get", "update"], &["coordination.k8s.io"], &["leases"], &["n1"]);
        assert!(named.allows(&request("update", "coordination.k8s.io", "leases", "", "n1")));
        assert!(!named.allows(&request("update", "coordination.k8s.io", "leases", "", "n2")));
        assert!(!named.allows(&request("list", "coordination.k8s.io", "leases", "", "")));
    }

    #[test]
    fn non_resource_urls_match_exactly_or_by_prefix() {
        let rule = PolicyRule {
            verbs: vec!["get".into()],
            non_resource_urls: vec!["/healthz".into(), "/apis/*".into()],
            ..PolicyRule::default()
        };
        let path = |verb: &str, path: &str| Attributes {
            verb: verb.into(),
            path: path.into(),
            ..Attributes::default()
        };
        assert!(rule.allows(&path("get", "/healthz")));
        assert!(!rule.allows(&path("get", "/healthz/etcd")));
        assert!(rule.allows(&path("get", "/apis/apps/v1")));
        assert!(!rule.allows(&path("post", "/apis/apps/v1")));
        assert!(
            !rule.allows(&request("get", "", "pods", "", "")),
            "resource requests need resource rules"
        );
    }

    #[test]
    fn subjects_match_users_groups_and_service_accounts() {
        let alice = UserInfo::new("alice".into(), String::new(), vec!["dev".into()]);
        let sa = UserInfo::new(username("ci", "builder"), String::new(), Vec::new());
        let subject = |kind: &str, name: &str, namespace: &str| Subject {
            kind: kind.into(),
            name: name.into(),
            namespace: namespace.into(),
            ..Subject::default()
        };
        assert!(subject("User", "alice", "").applies_to(&alice, ""));
        assert!(subject("Group", "dev", "").applies_to(&alice, ""));
        assert!(subject("Group", "system:authenticated", "").applies_to(&alice, ""));
        assert!(!subject("User", "dev", "").applies_to(&alice, ""));
        assert!(subject("ServiceAccount", "builder", "ci").applies_to(&sa, ""));
        assert!(subject("ServiceAccount", "builder", "").applies_to(&sa, "ci"));
        assert!(!subject("ServiceAccount", "builder", "").applies_to(&sa, ""));
        assert!(!subject("ServiceAccount", "builder", "other").applies_to(&sa, "ci"));
        assert_eq!(
            subject("ServiceAccount", "builder", "ci").describe(),
            "ServiceAccount \"ci/builder\""
        );
    }
}
