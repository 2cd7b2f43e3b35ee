//! RBAC defaults (`pkg/apis/rbac/v1/defaults.go`): a binding's `roleRef.apiGroup` and
//! its subjects' API groups. A ServiceAccount subject's group is `""`, which Go leaves
//! out of JSON anyway.

use serde_json::{Value, json};

use super::{fill, items, present, text};

pub(super) fn binding(binding: &mut Value) {
    if let Some(role) = present(binding, "roleRef") {
        fill(role, "apiGroup", json!("rbac.authorization.k8s.io"));
    }
    for subject in items(binding, "subjects") {
        if matches!(text(subject, "kind"), "User" | "Group") {
            fill(subject, "apiGroup", json!("rbac.authorization.k8s.io"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::apply;
    use serde_json::json;

    #[test]
    fn bindings() {
        for kind in ["RoleBinding", "ClusterRoleBinding"] {
            let mut binding = json!({"roleRef": {"kind": "ClusterRole", "name": "view"}, "subjects": [
                {"kind": "User", "name": "bob"},
                {"kind": "Group", "name": "devs", "apiGroup": ""},
                {"kind": "ServiceAccount", "name": "sa", "namespace": "ns"}]});
            apply("rbac.authorization.k8s.io", kind, &mut binding);
            assert_eq!(binding["roleRef"]["apiGroup"], "rbac.authorization.k8s.io");
            assert_eq!(binding["subjects"][0]["apiGroup"], "rbac.authorization.k8s.io");
            assert_eq!(binding["subjects"][1]["apiGroup"], "rbac.authorization.k8s.io");
            assert_eq!(binding["subjects"][2].get("apiGroup"), None);
        }
    }
}
