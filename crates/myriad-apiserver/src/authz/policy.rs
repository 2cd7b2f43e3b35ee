//! The RBAC policy compiled from the stored Roles, ClusterRoles and bindings, and the
//! task that keeps it current.
//!
//! ClusterRoles with an `aggregationRule` get the rules of every ClusterRole their
//! selectors match, computed here at compile time (upstream's aggregation controller
//! writes them into the object; here they take effect the moment a matching role
//! changes, and the stored object keeps what its author wrote).

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use myriad_api::labels::Selector;
use myriad_api::registry::{self, ResourceInfo};
use serde::Deserialize;
use serde_json::Value;

use super::rbac::{PolicyRule, RoleRef, Subject};
use super::{Attributes, Authorizer, Decision};
use crate::authn::UserInfo;
use crate::cache::{self, Caches};

const GROUP: &str = "rbac.authorization.k8s.io";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Metadata {
    name: String,
    namespace: String,
    labels: serde_json::Map<String, Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct RoleObject {
    metadata: Metadata,
    rules: Option<Vec<PolicyRule>>,
    aggregation_rule: Option<AggregationRule>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct AggregationRule {
    cluster_role_selectors: Vec<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct BindingObject {
    metadata: Metadata,
    subjects: Option<Vec<Subject>>,
    role_ref: RoleRef,
}

/// A binding, as decisions read it.
#[derive(Debug)]
struct Binding {
    /// `ClusterRoleBinding` or `RoleBinding`.
    kind: &'static str,
    name: String,
    namespace: String,
    role_ref: RoleRef,
    subjects: Vec<Subject>,
}

impl Binding {
    fn from_object(kind: &'static str, object: BindingObject) -> Self {
        Binding {
            kind,
            name: object.metadata.name,
            namespace: object.metadata.namespace,
            role_ref: object.role_ref,
            subjects: object.subjects.unwrap_or_default(),
        }
    }

    /// The first subject `user` is, if any.
    fn subject_for(&self, user: &UserInfo) -> Option<&Subject> {
        self.subjects.iter().find(|s| s.applies_to(user, &self.namespace))
    }

    /// Upstream's name for where a permission came from.
    fn describe(&self, subject: &Subject) -> String {
        let name = match self.kind {
            "RoleBinding" => format!("{}/{}", self.name, self.namespace),
            _ => self.name.clone(),
        };
        format!(
            "{} {name:?} of {} {:?} to {}",
            self.kind,
            self.role_ref.kind,
            self.role_ref.name,
            subject.describe()
        )
    }
}

/// Every RBAC object in decision-ready form.
#[derive(Debug, Default)]
pub struct Policy {
    cluster_roles: HashMap<String, Arc<[PolicyRule]>>,
    roles: HashMap<(String, String), Arc<[PolicyRule]>>,
    cluster_bindings: Vec<Binding>,
    role_bindings: HashMap<String, Vec<Binding>>,
}

impl Policy {
    /// Compiles the stored objects (JSON) of each kind.
    pub fn compile(
        cluster_roles: &[Value],
        roles: &[Value],
        cluster_bindings: &[Value],
        role_bindings: &[Value],
    ) -> Self {
        let decode = |value: &Value| RoleObject::deserialize(value).ok();
        let cluster_roles: Vec<RoleObject> = cluster_roles.iter().filter_map(decode).collect();
        let mut policy = Policy::default();
        let mut aggregated = HashMap::new();
        for index in 0..cluster_roles.len() {
            let rules = rules_of(index, &cluster_roles, &mut aggregated, &mut Vec::new());
            policy
                .cluster_roles
                .insert(cluster_roles[index].metadata.name.clone(), rules);
        }
        for role in roles.iter().filter_map(decode) {
            let key = (role.metadata.namespace, role.metadata.name);
            policy.roles.insert(key, role.rules.unwrap_or_default().into());
        }
        let bindings = |values: &[Value], kind| -> Vec<Binding> {
            let mut bindings: Vec<Binding> = values
                .iter()
                .filter_map(|v| BindingObject::deserialize(v).ok())
                .map(|o| Binding::from_object(kind, o))
                .collect();
            bindings.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
            bindings
        };
        policy.cluster_bindings = bindings(cluster_bindings, "ClusterRoleBinding");
        for binding in bindings(role_bindings, "RoleBinding") {
            policy
                .role_bindings
                .entry(binding.namespace.clone())
                .or_default()
                .push(binding);
        }
        policy
    }

    /// The RBAC decision, as upstream's authorizer makes it: ClusterRoleBindings first,
    /// then the RoleBindings of the request's namespace; the first rule that allows
    /// wins. Missing roles are reported in the reason of a refusal.
    pub fn authorize(&self, user: &UserInfo, attributes: &Attributes) -> Decision {
        let mut errors = Vec::new();
        let mut allowed_by = None;
        self.visit(user, &attributes.namespace, &mut errors, |binding, subject, rules| {
            if rules.iter().any(|rule| rule.allows(attributes)) {
                allowed_by = Some(binding.describe(subject));
                return false;
            }
            true
        });
        match allowed_by {
            Some(source) => Decision {
                allowed: true,
                reason: format!("RBAC: allowed by {source}"),
            },
            None => Decision {
                allowed: false,
                // As upstream's error aggregate prints: one error bare, several in brackets.
                reason: match errors.as_slice() {
                    [] => String::new(),
                    [one] => format!("RBAC: {one}"),
                    many => format!("RBAC: [{}]", many.join(", ")),
                },
            },
        }
    }

    /// Every rule that applies to `user` in `namespace` ("" for cluster-wide bindings
    /// only), for `SelfSubjectRulesReview`; plus the errors met.
    pub fn rules_for(&self, user: &UserInfo, namespace: &str) -> (Vec<PolicyRule>, Vec<String>) {
        let mut errors = Vec::new();
        let mut rules = Vec::new();
        self.visit(user, namespace, &mut errors, |_, _, found| {
            rules.extend(found.iter().cloned());
            true
        });
        (rules, errors)
    }

    /// Calls `visit` with the rules of every binding that applies to `user`, while it
    /// returns true.
    fn visit(
        &self,
        user: &UserInfo,
        namespace: &str,
        errors: &mut Vec<String>,
        mut visit: impl FnMut(&Binding, &Subject, &[PolicyRule]) -> bool,
    ) {
        let namespaced = match namespace {
            "" => None,
            ns => self.role_bindings.get(ns),
        };
        for binding in self.cluster_bindings.iter().chain(namespaced.into_iter().flatten()) {
            let Some(subject) = binding.subject_for(user) else {
                continue;
            };
            match self.rules_of(binding) {
                Ok(rules) => {
                    if !visit(binding, subject, &rules) {
                        return;
                    }
                }
                Err(error) => errors.push(error),
            }
        }
    }

    /// The rules of a ClusterRole (`kind` "ClusterRole") or of a Role in `namespace`.
    pub fn role_rules(&self, kind: &str, namespace: &str, name: &str) -> Option<Arc<[PolicyRule]>> {
        match kind {
            "ClusterRole" => self.cluster_roles.get(name).cloned(),
            "Role" => self.roles.get(&(namespace.to_string(), name.to_string())).cloned(),
            _ => None,
        }
    }

    fn rules_of(&self, binding: &Binding) -> Result<Arc<[PolicyRule]>, String> {
        let role = &binding.role_ref;
        let found = match (binding.kind, role.kind.as_str()) {
            (_, "ClusterRole") => self.cluster_roles.get(&role.name),
            ("RoleBinding", "Role") => self.roles.get(&(binding.namespace.clone(), role.name.clone())),
            _ => None,
        };
        found.cloned().ok_or_else(|| {
            let resource = role.kind.to_lowercase();
            format!("{resource}.{GROUP} {:?} not found", role.name)
        })
    }
}

/// The rules of ClusterRole `index`: its own, or for an aggregated role the rules of
/// every ClusterRole its selectors match (in name order, each once), themselves
/// resolved the same way (`admin` aggregates `edit`, which aggregates its own).
/// `visiting` breaks cycles.
fn rules_of(
    index: usize,
    roles: &[RoleObject],
    done: &mut HashMap<usize, Arc<[PolicyRule]>>,
    visiting: &mut Vec<usize>,
) -> Arc<[PolicyRule]> {
    if let Some(rules) = done.get(&index) {
        return rules.clone();
    }
    let role = &roles[index];
    let mut rules = role.rules.clone().unwrap_or_default();
    if let Some(aggregation) = &role.aggregation_rule {
        visiting.push(index);
        let selectors: Vec<Selector> = aggregation
            .cluster_role_selectors
            .iter()
            .filter_map(|s| Selector::from_label_selector(s).ok())
            .collect();
        let mut matching: Vec<usize> = (0..roles.len())
            .filter(|i| !visiting.contains(i))
            .filter(|i| selectors.iter().any(|s| s.matches(&roles[*i].metadata.labels)))
            .collect();
        matching.sort_by(|a, b| roles[*a].metadata.name.cmp(&roles[*b].metadata.name));
        for other in matching {
            for rule in rules_of(other, roles, done, visiting).iter() {
                if !rules.contains(rule) {
                    rules.push(rule.clone());
                }
            }
        }
        visiting.pop();
    }
    let rules: Arc<[PolicyRule]> = rules.into();
    if visiting.is_empty() {
        done.insert(index, rules.clone());
    }
    rules
}

/// The four RBAC resources.
fn resources() -> [&'static ResourceInfo; 4] {
    ["clusterroles", "roles", "clusterrolebindings", "rolebindings"].map(|resource| {
        registry::lookup(GROUP, "v1", resource).unwrap_or_else(|| unreachable!("{resource} is built in"))
    })
}

/// Recompiles the policy whenever an RBAC object changes, while the authorizer lives.
pub(super) async fn follow(
    authorizer: Weak<Authorizer>,
    caches: Arc<Caches>,
    wait: Duration,
    tasks: &crate::tasks::Tasks,
) -> bool {
    cache::follow(caches, resources().to_vec(), wait, tasks, move |objects| {
        let Some(authorizer) = authorizer.upgrade() else {
            return false;
        };
        authorizer.install(Policy::compile(&objects[0], &objects[1], &objects[2], &objects[3]));
        true
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user(name: &str, groups: &[&str]) -> UserInfo {
        UserInfo::named(name, groups)
    }

    fn pods(verb: &str, namespace: &str) -> Attributes {
        Attributes::resource(verb, "", "pods", namespace)
    }

    fn policy() -> Policy {
        let reader = json!({"metadata": {"name": "reader", "labels": {"agg": "view"}},
            "rules": [{"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"]}]});
        let aggregated = json!({"metadata": {"name": "viewer"},
            "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"agg": "view"}}]}});
        let deleter = json!({"metadata": {"name": "deleter", "namespace": "team"},
            "rules": [{"verbs": ["delete"], "apiGroups": [""], "resources": ["pods"]}]});
        let cluster_binding = json!({"metadata": {"name": "devs-view"},
            "roleRef": {"apiGroup": GROUP, "kind": "ClusterRole", "name": "viewer"},
            "subjects": [{"kind": "Group", "name": "dev", "apiGroup": GROUP}]});
        let role_binding = json!({"metadata": {"name": "bob-deletes", "namespace": "team"},
            "roleRef": {"apiGroup": GROUP, "kind": "Role", "name": "deleter"},
            "subjects": [{"kind": "User", "name": "bob", "apiGroup": GROUP}]});
        let dangling = json!({"metadata": {"name": "dangling", "namespace": "team"},
            "roleRef": {"apiGroup": GROUP, "kind": "Role", "name": "missing"},
            "subjects": [{"kind": "User", "name": "carol", "apiGroup": GROUP}]});
        Policy::compile(
            &[reader, aggregated],
            &[deleter],
            &[cluster_binding],
            &[role_binding, dangling],
        )
    }

    #[test]
    fn bindings_grant_their_roles_rules() {
        let policy = policy();
        let alice = user("alice", &["dev"]);
        let decision = policy.authorize(&alice, &pods("list", "team"));
        assert!(decision.allowed);
        assert_eq!(
            decision.reason,
            "RBAC: allowed by ClusterRoleBinding \"devs-view\" of ClusterRole \"viewer\" to Group \"dev\""
        );
        assert!(!policy.authorize(&alice, &pods("delete", "team")).allowed);

        let bob = user("bob", &[]);
        let decision = policy.authorize(&bob, &pods("delete", "team"));
        assert_eq!(
            decision.reason,
            "RBAC: allowed by RoleBinding \"bob-deletes/team\" of Role \"deleter\" to User \"bob\""
        );
        assert!(!policy.authorize(&bob, &pods("delete", "other")).allowed);
        assert!(
            !policy.authorize(&bob, &pods("delete", "")).allowed,
            "a Role does not reach cluster scope"
        );

        let carol = user("carol", &[]);
        let decision = policy.authorize(&carol, &pods("get", "team"));
        assert!(!decision.allowed);
        assert_eq!(
            decision.reason,
            "RBAC: role.rbac.authorization.k8s.io \"missing\" not found"
        );
    }

    #[test]
    fn rules_for_lists_what_applies() {
        let (rules, errors) = policy().rules_for(&user("bob", &["dev"]), "team");
        assert_eq!(rules.len(), 2);
        assert!(errors.is_empty());
    }
}
