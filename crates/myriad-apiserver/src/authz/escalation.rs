//! RBAC's escalation check: a user may write a Role or ClusterRole only with rules they
//! hold themselves (or with the `escalate` verb on it), and a binding only to a role
//! whose rules they hold (or with the `bind` verb on that role). Without it, anyone who
//! may create RoleBindings could grant themselves anything.

use myriad_api::registry::ResourceInfo;
use serde_json::Value;

use super::rbac::PolicyRule;
use super::{Attributes, Authorizer, MASTERS};
use crate::authn::UserInfo;
use crate::error::ApiError;

const GROUP: &str = "rbac.authorization.k8s.io";

/// Refuses a write of `object` (a Role, ClusterRole or binding) that would give more
/// than `user` holds.
pub fn check(authorizer: &Authorizer, user: &UserInfo, info: &ResourceInfo, object: &Value) -> Result<(), ApiError> {
    if info.group != GROUP || user.in_group(MASTERS) {
        return Ok(());
    }
    let text = |pointer: &str| object.pointer(pointer).and_then(Value::as_str).unwrap_or_default();
    let (name, namespace) = (text("/metadata/name"), text("/metadata/namespace"));
    let forbidden = |message: String| ApiError::Forbidden {
        group_resource: myriad_api::GroupResource::new(GROUP, info.resource),
        name: name.into(),
        message,
    };
    let may = |verb: &str, resource: &str, target: &str| {
        let attributes = Attributes {
            verb: verb.into(),
            resource_request: true,
            namespace: namespace.into(),
            group: GROUP.into(),
            resource: resource.into(),
            name: target.into(),
            ..Attributes::default()
        };
        authorizer.authorize(user, &attributes).allowed
    };
    let requested: Vec<PolicyRule> = match info.resource {
        "roles" | "clusterroles" => {
            if may("escalate", info.resource, name) {
                return Ok(());
            }
            if object.get("aggregationRule").is_some_and(|a| !a.is_null()) {
                return Err(forbidden(
                    "must have cluster-admin privileges to use the aggregationRule".into(),
                ));
            }
            object
                .get("rules")
                .and_then(|r| serde_json::from_value(r.clone()).ok())
                .unwrap_or_default()
        }
        "rolebindings" | "clusterrolebindings" => {
            let (kind, role) = (text("/roleRef/kind"), text("/roleRef/name"));
            let role_resource = if kind == "Role" { "roles" } else { "clusterroles" };
            if may("bind", role_resource, role) {
                return Ok(());
            }
            match authorizer.policy().role_rules(kind, namespace, role) {
                Some(rules) => rules.to_vec(),
                None => {
                    let resource = kind.to_lowercase();
                    return Err(forbidden(format!("{resource}.{GROUP} {role:?} not found")));
                }
            }
        }
        _ => return Ok(()),
    };
    let (held, _) = authorizer.policy().rules_for(user, namespace);
    let missing: Vec<String> = requested
        .iter()
        .filter(|rule| !covered(&held, rule))
        .map(describe)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(forbidden(format!(
        "user {:?} (groups={:?}) is attempting to grant RBAC permissions not currently held:\n{}",
        user.name,
        user.groups,
        missing.join("\n")
    )))
}

/// Whether every request `rule` allows is allowed by one of `held` (wildcards in
/// `rule` are covered only by the same wildcard, as upstream compares them).
fn covered(held: &[PolicyRule], rule: &PolicyRule) -> bool {
    let has = |list: &[String], value: &str| list.iter().any(|v| v == "*" || v == value);
    if !rule.non_resource_urls.is_empty() {
        return rule.verbs.iter().all(|verb| {
            rule.non_resource_urls.iter().all(|url| {
                held.iter().any(|h| {
                    has(&h.verbs, verb)
                        && h.non_resource_urls.iter().any(|owned| match owned.strip_suffix('*') {
                            Some(prefix) => url.starts_with(prefix),
                            None => owned == url,
                        })
                })
            })
        });
    }
    let names: Vec<&str> = if rule.resource_names.is_empty() {
        vec![""]
    } else {
        rule.resource_names.iter().map(String::as_str).collect()
    };
    let resource_held = |owned: &[String], resource: &str| {
        owned.iter().any(|o| {
            o == "*"
                || o == resource
                || resource
                    .split_once('/')
                    .is_some_and(|(_, sub)| o.strip_prefix("*/") == Some(sub))
        })
    };
    rule.verbs.iter().all(|verb| {
        rule.api_groups.iter().all(|group| {
            rule.resources.iter().all(|resource| {
                names.iter().all(|name| {
                    held.iter().any(|h| {
                        has(&h.verbs, verb)
                            && has(&h.api_groups, group)
                            && resource_held(&h.resources, resource)
                            && (h.resource_names.is_empty()
                                || (!name.is_empty() && h.resource_names.iter().any(|n| n == name)))
                    })
                })
            })
        })
    })
}

/// A rule as upstream prints it in escalation refusals.
fn describe(rule: &PolicyRule) -> String {
    let mut parts = Vec::new();
    for (label, values) in [
        ("APIGroups", &rule.api_groups),
        ("Resources", &rule.resources),
        ("ResourceNames", &rule.resource_names),
        ("NonResourceURLs", &rule.non_resource_urls),
        ("Verbs", &rule.verbs),
    ] {
        if !values.is_empty() {
            parts.push(format!("{label}:{values:?}"));
        }
    }
    format!("{{{}}}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::rbac::rule;

    #[test]
    fn held_rules_cover_narrower_ones_only() {
        let held = [
            rule(&["get", "list"], &[""], &["pods", "configmaps"], &[]),
            rule(&["*"], &["apps"], &["deployments"], &[]),
            rule(&["update"], &[""], &["secrets"], &["one"]),
        ];
        assert!(covered(&held, &rule(&["get"], &[""], &["pods"], &[])));
        assert!(covered(&held, &rule(&["list"], &[""], &["configmaps"], &["x"])));
        assert!(covered(
            &held,
            &rule(&["delete", "create"], &["apps"], &["deployments"], &[])
        ));
        assert!(!covered(&held, &rule(&["delete"], &[""], &["pods"], &[])));
        assert!(
            !covered(&held, &rule(&["get"], &["*"], &["pods"], &[])),
            "a wildcard needs a wildcard"
        );
        assert!(covered(&held, &rule(&["update"], &[""], &["secrets"], &["one"])));
        assert!(
            !covered(&held, &rule(&["update"], &[""], &["secrets"], &[])),
            "all names need no name limit"
        );
        assert!(!covered(&held, &rule(&["get"], &[""], &["pods/log"], &[])));
        assert_eq!(
            describe(&rule(&["get"], &[""], &["pods"], &[])),
            "{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"get\"]}"
        );
    }
}
