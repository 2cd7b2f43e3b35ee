//! Kubernetes' default ClusterRoles and ClusterRoleBindings (`bootstrap-policy.yaml`),
//! put in place at every start as upstream's RBAC post-start hook does: a missing
//! object is created; one annotated `rbac.authorization.kubernetes.io/autoupdate:
//! "true"` gets back any default rule or subject it lost (nothing is removed); one an
//! operator set to `"false"` is left alone.

use myriad_store::Router as StoreRouter;
use serde_json::Value;

use crate::error::ApiError;
use crate::meta;
use crate::storage::ensure::{self, Ensured, ensure_all};

const POLICY: &str = include_str!("bootstrap-policy.yaml");
const AUTOUPDATE: &str = "rbac.authorization.kubernetes.io/autoupdate";

/// The default objects.
pub fn default_objects() -> Result<Vec<Value>, ApiError> {
    serde_saphyr::from_str_multiple::<Value, Vec<Value>>(POLICY)
        .map_err(|e| ApiError::Internal(format!("bootstrap policy: {e}")))
        .map(|objects| objects.into_iter().filter(Value::is_object).collect())
}

/// Creates or reconciles every default object.
pub async fn ensure_bootstrap_policy(store: &StoreRouter) -> Result<(), ApiError> {
    let outcomes = ensure_all(
        store,
        "rbac.authorization.k8s.io",
        default_objects()?,
        |current, default| ensure::annotation(current, AUTOUPDATE) != Some("false") && reconcile(current, default),
    )
    .await?;
    let created = outcomes.iter().filter(|o| **o == Ensured::Created).count();
    tracing::info!(created, "RBAC bootstrap policy in place");
    Ok(())
}

/// Adds to `current` the rules, subjects, labels and annotations of `default` it lacks;
/// true when it changed.
fn reconcile(current: &mut Value, default: &Value) -> bool {
    let mut changed = false;
    for list in ["rules", "subjects"] {
        let Some(wanted) = default.get(list).and_then(Value::as_array) else {
            continue;
        };
        let Some(object) = current.as_object_mut() else {
            return false;
        };
        let have = object.entry(list).or_insert_with(|| Value::Array(Vec::new()));
        if !have.is_array() {
            *have = Value::Array(Vec::new());
        }
        if let Some(have) = have.as_array_mut() {
            for item in wanted {
                if !have.contains(item) {
                    have.push(item.clone());
                    changed = true;
                }
            }
        }
    }
    for map in ["labels", "annotations"] {
        let Some(wanted) = default.pointer(&format!("/metadata/{map}")).and_then(Value::as_object) else {
            continue;
        };
        let metadata = meta::metadata_mut(current);
        let have = metadata.entry(map).or_insert_with(|| Value::Object(Default::default()));
        if let Some(have) = have.as_object_mut() {
            for (k, v) in wanted {
                if !have.contains_key(k) {
                    have.insert(k.clone(), v.clone());
                    changed = true;
                }
            }
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_default_policy_parses_and_has_the_bootstrap_roles() {
        let objects = default_objects().unwrap();
        let names: Vec<(&str, &str)> = objects
            .iter()
            .map(|o| (o["kind"].as_str().unwrap(), o["metadata"]["name"].as_str().unwrap()))
            .collect();
        for role in [
            "cluster-admin",
            "admin",
            "edit",
            "view",
            "system:node",
            "system:discovery",
        ] {
            assert!(names.contains(&("ClusterRole", role)), "{role} missing");
        }
        assert!(names.contains(&("ClusterRoleBinding", "cluster-admin")));
    }

    #[test]
    fn reconcile_adds_what_is_missing_and_removes_nothing() {
        let default = json!({"metadata": {"name": "r", "annotations": {AUTOUPDATE: "true"}},
            "rules": [{"verbs": ["get"], "resources": ["pods"]}, {"verbs": ["list"], "resources": ["pods"]}]});
        let mut current = json!({"metadata": {"name": "r"},
            "rules": [{"verbs": ["get"], "resources": ["pods"]}, {"verbs": ["delete"], "resources": ["pods"]}]});
        assert!(reconcile(&mut current, &default));
        assert_eq!(current["rules"].as_array().unwrap().len(), 3);
        assert_eq!(current["metadata"]["annotations"][AUTOUPDATE], "true");
        assert!(!reconcile(&mut current, &default), "a second pass changes nothing");
    }

    /// Upstream's bootstrap roles, decided by the compiled policy: who may do what.
    #[test]
    fn bootstrap_roles_grant_what_upstream_grants() {
        use crate::authn::UserInfo;
        use crate::authz::{Attributes, Policy};

        let defaults = default_objects().unwrap();
        let of_kind = |kind: &str| -> Vec<Value> { defaults.iter().filter(|o| o["kind"] == kind).cloned().collect() };
        let mut cluster_bindings = of_kind("ClusterRoleBinding");
        let bind = |name: &str, role: &str| {
            json!({"metadata": {"name": name}, "roleRef": {"kind": "ClusterRole", "name": role},
                "subjects": [{"kind": "User", "name": name}]})
        };
        cluster_bindings.extend([
            bind("viewer", "view"),
            bind("editor", "edit"),
            bind("root", "cluster-admin"),
        ]);
        let ns_admin = json!({"metadata": {"name": "nsadmin", "namespace": "team"},
            "roleRef": {"kind": "ClusterRole", "name": "admin"},
            "subjects": [{"kind": "User", "name": "nsadmin"}]});
        let policy = Policy::compile(&of_kind("ClusterRole"), &[], &cluster_bindings, &[ns_admin]);

        let resource = Attributes::resource;
        let path = |verb: &str, path: &str| Attributes {
            verb: verb.into(),
            path: path.into(),
            ..Attributes::default()
        };
        // (request, [viewer, editor, nsadmin, root, nobody])
        let table = [
            (resource("get", "", "pods", "team"), [true, true, true, true, false]),
            (resource("get", "", "secrets", "team"), [false, true, true, true, false]),
            (
                resource("create", "apps", "deployments", "team"),
                [false, true, true, true, false],
            ),
            (
                resource("create", "rbac.authorization.k8s.io", "roles", "team"),
                [false, false, true, true, false],
            ),
            (
                resource("create", "rbac.authorization.k8s.io", "rolebindings", "team"),
                [false, false, true, true, false],
            ),
            (resource("get", "", "pods", "default"), [true, true, false, true, false]),
            (
                resource("delete", "", "namespaces", "team"),
                [false, false, false, true, false],
            ),
            (resource("create", "", "nodes", ""), [false, false, false, true, false]),
            (
                resource("create", "authorization.k8s.io", "selfsubjectaccessreviews", ""),
                [true, true, true, true, true],
            ),
            (path("get", "/api"), [true, true, true, true, true]),
            (path("get", "/apis/apps/v1"), [true, true, true, true, true]),
            (path("get", "/healthz"), [true, true, true, true, true]),
            (path("get", "/metrics"), [false, false, false, true, false]),
        ];
        let users = ["viewer", "editor", "nsadmin", "root", "nobody"];
        for (attributes, expected) in &table {
            for (name, allowed) in users.iter().zip(expected) {
                let user = UserInfo::new(name.to_string(), String::new(), Vec::new());
                let decision = policy.authorize(&user, attributes);
                assert_eq!(
                    decision.allowed, *allowed,
                    "{name}: {attributes:?} ({})",
                    decision.reason
                );
            }
        }
        // Anonymous callers may read health and version, nothing else.
        let anonymous = UserInfo::anonymous();
        assert!(policy.authorize(&anonymous, &path("get", "/livez")).allowed);
        assert!(policy.authorize(&anonymous, &path("get", "/version")).allowed);
        assert!(!policy.authorize(&anonymous, &path("get", "/api")).allowed);
    }
}
