//! Networking defaults (`pkg/apis/networking/v1/defaults.go`): NetworkPolicies'
//! policy types and port protocols, IngressClasses' parameter scope. Ingresses,
//! ServiceCIDRs and IPAddresses have no defaults in v1 (an Ingress's class comes from
//! the DefaultIngressClass admission plugin).

use serde_json::{Value, json};

use super::{child, items, non_empty, set};

pub(super) fn network_policy(policy: &mut Value) {
    let spec = child(policy, "spec");
    if !spec.is_object() {
        return;
    }
    for direction in ["ingress", "egress"] {
        for rule in items(spec, direction) {
            for port in items(rule, "ports") {
                set(port, "protocol", json!("TCP"));
            }
        }
    }
    if !non_empty(spec, "policyTypes") {
        let mut types = vec![json!("Ingress")];
        if non_empty(spec, "egress") {
            types.push(json!("Egress"));
        }
        spec["policyTypes"] = Value::Array(types);
    }
}

pub(super) fn ingress_class(class: &mut Value) {
    if let Some(parameters) = class.pointer_mut("/spec/parameters").filter(|p| p.is_object()) {
        set(parameters, "scope", json!("Cluster"));
    }
}

#[cfg(test)]
mod tests {
    use super::super::apply;
    use serde_json::{Value, json};

    fn defaulted(kind: &str, mut object: Value) -> Value {
        apply("networking.k8s.io", kind, &mut object);
        object
    }

    #[test]
    fn network_policies() {
        let cases = [
            (json!({"podSelector": {}}), json!(["Ingress"])),
            (json!({"podSelector": {}, "egress": [{}]}), json!(["Ingress", "Egress"])),
            (json!({"podSelector": {}, "egress": []}), json!(["Ingress"])),
            (json!({"podSelector": {}, "policyTypes": ["Egress"]}), json!(["Egress"])),
        ];
        for (spec, want) in cases {
            let policy = defaulted("NetworkPolicy", json!({"spec": spec}));
            assert_eq!(policy["spec"]["policyTypes"], want, "{spec}");
        }
        let policy = defaulted(
            "NetworkPolicy",
            json!({"spec": {"ingress": [{"ports": [{"port": 80}, {"port": 53, "protocol": "UDP"}]}],
                "egress": [{"ports": [{"port": 443}]}]}}),
        );
        assert_eq!(
            policy["spec"]["ingress"][0]["ports"],
            json!([{"port": 80, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}])
        );
        assert_eq!(policy["spec"]["egress"][0]["ports"][0]["protocol"], "TCP");
    }

    #[test]
    fn ingress_classes() {
        let class = defaulted(
            "IngressClass",
            json!({"spec": {"controller": "c", "parameters": {"kind": "K", "name": "n"}}}),
        );
        assert_eq!(class["spec"]["parameters"]["scope"], "Cluster");
        let class = defaulted(
            "IngressClass",
            json!({"spec": {"controller": "c", "parameters": {"kind": "K", "name": "n", "scope": "Namespace", "namespace": "x"}}}),
        );
        assert_eq!(class["spec"]["parameters"]["scope"], "Namespace");
        let bare = defaulted("IngressClass", json!({"spec": {"controller": "c"}}));
        assert_eq!(bare, json!({"spec": {"controller": "c"}}));
        let ingress = defaulted("Ingress", json!({"spec": {}}));
        assert_eq!(ingress, json!({"spec": {}}));
    }
}
