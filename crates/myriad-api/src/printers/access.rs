//! Access and configuration: role bindings and cluster role bindings (ROLE, then the
//! subjects by kind under `-o wide`), roles, cluster roles and limit ranges (registered
//! upstream without a printer: NAME and CREATED AT), service accounts, config maps,
//! secrets (entry counts) and resource quotas (`used/hard` of every resource, the
//! `limits.*` ones in their own column).

use serde_json::Value;

use super::format::{at, count, items, name, quantity, text};
use super::{AGE, DEFAULT, NAME, Printer, column, d, wide};

pub(super) fn printer(group: &str, resource: &str) -> Option<&'static Printer> {
    Some(match (group, resource) {
        ("rbac.authorization.k8s.io", "rolebindings") => &ROLE_BINDING,
        ("rbac.authorization.k8s.io", "clusterrolebindings") => &CLUSTER_ROLE_BINDING,
        ("rbac.authorization.k8s.io", "roles" | "clusterroles") => &DEFAULT,
        ("", "limitranges") => &DEFAULT,
        ("", "serviceaccounts") => &SERVICE_ACCOUNT,
        ("", "configmaps") => &CONFIG_MAP,
        ("", "secrets") => &SECRET,
        ("", "resourcequotas") => &RESOURCE_QUOTA,
        _ => return None,
    })
}

static ROLE_BINDING: Printer = Printer {
    columns: &[
        NAME,
        column("Role", "string", d::ROLE_BINDING_ROLE_REF),
        AGE,
        wide("Users", "string", "Users in the roleBinding"),
        wide("Groups", "string", "Groups in the roleBinding"),
        wide("ServiceAccounts", "string", "ServiceAccounts in the roleBinding"),
    ],
    cells: binding,
};

static CLUSTER_ROLE_BINDING: Printer = Printer {
    columns: &[
        NAME,
        column("Role", "string", d::CLUSTER_ROLE_BINDING_ROLE_REF),
        AGE,
        wide("Users", "string", "Users in the clusterRoleBinding"),
        wide("Groups", "string", "Groups in the clusterRoleBinding"),
        wide("ServiceAccounts", "string", "ServiceAccounts in the clusterRoleBinding"),
    ],
    cells: binding,
};

fn binding(binding: &Value, now: super::format::Now) -> Vec<Value> {
    let role = format!(
        "{}/{}",
        text(binding, &["roleRef", "kind"]),
        text(binding, &["roleRef", "name"])
    );
    // Upstream's `SubjectsStrings`; subjects of other kinds are not shown.
    let (mut users, mut groups, mut service_accounts) = (Vec::new(), Vec::new(), Vec::new());
    for subject in items(binding, &["subjects"]) {
        let subject_name = text(subject, &["name"]);
        match text(subject, &["kind"]) {
            "User" => users.push(subject_name.to_owned()),
            "Group" => groups.push(subject_name.to_owned()),
            "ServiceAccount" => service_accounts.push(format!("{}/{subject_name}", text(subject, &["namespace"]))),
            _ => {}
        }
    }
    vec![
        name(binding),
        Value::String(role),
        now.age(binding),
        Value::String(users.join(", ")),
        Value::String(groups.join(", ")),
        Value::String(service_accounts.join(", ")),
    ]
}

static SERVICE_ACCOUNT: Printer = Printer {
    columns: &[NAME, column("Secrets", "string", d::SA_SECRETS), AGE],
    cells: |account, now| {
        vec![
            name(account),
            Value::from(count(account, &["secrets"])),
            now.age(account),
        ]
    },
};

static CONFIG_MAP: Printer = Printer {
    columns: &[NAME, column("Data", "string", d::CONFIGMAP_DATA), AGE],
    cells: |map, now| {
        let entries = count(map, &["data"]) + count(map, &["binaryData"]);
        vec![name(map), Value::from(entries), now.age(map)]
    },
};

static SECRET: Printer = Printer {
    columns: &[
        NAME,
        column("Type", "string", d::SECRET_TYPE),
        column("Data", "string", d::SECRET_DATA),
        AGE,
    ],
    cells: |secret, now| {
        // `stringData` is merged into `data` when a secret is read into its internal
        // form: count the keys of both once.
        let data = at(secret, &["data"]).and_then(Value::as_object);
        let mut entries = data.map_or(0, serde_json::Map::len);
        if let Some(string_data) = at(secret, &["stringData"]).and_then(Value::as_object) {
            entries += string_data
                .keys()
                .filter(|key| !data.is_some_and(|d| d.contains_key(*key)))
                .count();
        }
        vec![
            name(secret),
            Value::from(text(secret, &["type"])),
            Value::from(entries),
            now.age(secret),
        ]
    },
};

static RESOURCE_QUOTA: Printer = Printer {
    columns: &[
        NAME,
        column(
            "Request",
            "string",
            "Request represents a minimum amount of cpu/memory that a container may consume.",
        ),
        column(
            "Limit",
            "string",
            "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.",
        ),
        AGE,
    ],
    cells: |quota, now| {
        let mut hard: Vec<(&String, &Value)> = at(quota, &["status", "hard"])
            .and_then(Value::as_object)
            .map(|h| h.iter().collect())
            .unwrap_or_default();
        hard.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let (mut requests, mut limits) = (Vec::new(), Vec::new());
        for (resource, limit) in hard {
            let used = quantity(at(quota, &["status", "used", resource])).unwrap_or_else(|| "0".to_owned());
            let limit = quantity(Some(limit)).unwrap_or_else(|| "0".to_owned());
            let entry = format!("{resource}: {used}/{limit}");
            match resource.split_once('.') {
                Some(("limits", _)) => limits.push(entry),
                _ => requests.push(entry),
            }
        }
        vec![
            name(quota),
            Value::String(requests.join(", ")),
            Value::String(limits.join(", ")),
            now.age(quota),
        ]
    },
};

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::tests::{CREATED, narrow, row};

    #[test]
    fn role_bindings() {
        let binding = json!({"metadata": {"name": "admins", "creationTimestamp": CREATED},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"},
            "subjects": [{"kind": "User", "name": "alice"}, {"kind": "Group", "name": "ops"}, {"kind": "User", "name": "bob"},
                         {"kind": "ServiceAccount", "namespace": "ci", "name": "deployer"}, {"kind": "Robot", "name": "r2"}]});
        for resource in ["rolebindings", "clusterrolebindings"] {
            assert_eq!(
                row("rbac.authorization.k8s.io", resource, &binding),
                [
                    json!("admins"),
                    json!("ClusterRole/admin"),
                    json!("10m"),
                    json!("alice, bob"),
                    json!("ops"),
                    json!("ci/deployer")
                ]
            );
            assert_eq!(narrow("rbac.authorization.k8s.io", resource, &binding).len(), 3);
        }
        assert_eq!(row("rbac.authorization.k8s.io", "rolebindings", &json!({}))[1], "/");
    }

    #[test]
    fn service_accounts_config_maps_and_secrets() {
        let account =
            json!({"metadata": {"name": "default", "creationTimestamp": CREATED}, "secrets": [{"name": "t"}]});
        assert_eq!(
            row("", "serviceaccounts", &account),
            [json!("default"), json!(1), json!("10m")]
        );
        assert_eq!(row("", "serviceaccounts", &json!({}))[1], 0);
        let map = json!({"metadata": {"name": "kube-root-ca.crt", "creationTimestamp": CREATED},
            "data": {"ca.crt": "..."}, "binaryData": {"blob": "AAEC"}});
        assert_eq!(
            row("", "configmaps", &map),
            [json!("kube-root-ca.crt"), json!(2), json!("10m")]
        );
        let secret = json!({"metadata": {"name": "tls", "creationTimestamp": CREATED}, "type": "kubernetes.io/tls",
            "data": {"tls.crt": "Y3J0", "tls.key": "a2V5"}, "stringData": {"tls.key": "key", "ca.crt": "ca"}});
        assert_eq!(
            row("", "secrets", &secret),
            [json!("tls"), json!("kubernetes.io/tls"), json!(3), json!("10m")]
        );
        assert_eq!(row("", "secrets", &json!({}))[1..3], [json!(""), json!(0)]);
    }

    #[test]
    fn resource_quotas() {
        let quota = json!({"metadata": {"name": "compute", "creationTimestamp": CREATED},
            "spec": {"hard": {"pods": "10"}},
            "status": {"hard": {"requests.cpu": "1", "requests.memory": "1Gi", "limits.cpu": "2", "limits.memory": "2048Mi",
                                "pods": "10", "count/deployments.apps": "5"},
                       "used": {"requests.cpu": "500m", "requests.memory": "536870912", "limits.cpu": "1500m", "pods": "3"}}});
        assert_eq!(
            row("", "resourcequotas", &quota),
            [
                json!("compute"),
                json!("count/deployments.apps: 0/5, pods: 3/10, requests.cpu: 500m/1, requests.memory: 536870912/1Gi"),
                json!("limits.cpu: 1500m/2, limits.memory: 0/2Gi"),
                json!("10m")
            ]
        );
        assert_eq!(row("", "resourcequotas", &json!({}))[1..3], [json!(""), json!("")]);
    }
}
