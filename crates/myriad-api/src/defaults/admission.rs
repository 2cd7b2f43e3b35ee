//! Admission configuration defaults (`pkg/apis/admissionregistration/v1/defaults.go`):
//! webhooks of Mutating/ValidatingWebhookConfigurations, ValidatingAdmissionPolicies
//! and their bindings.
//!
//! In v1 `sideEffects` and `admissionReviewVersions` are required, not defaulted (the
//! v1beta1 defaults `Unknown`, `[v1beta1]`, timeout 30 and `Ignore` do not apply), and
//! a binding's `paramRef.parameterNotFoundAction` is required too (only v1alpha1
//! defaulted it).

use serde_json::{Value, json};

use super::{child, items, present, set};

pub(super) fn webhooks(configuration: &mut Value, mutating: bool) {
    for webhook in items(configuration, "webhooks") {
        set(webhook, "failurePolicy", json!("Fail"));
        set(webhook, "matchPolicy", json!("Equivalent"));
        set(webhook, "namespaceSelector", json!({}));
        set(webhook, "objectSelector", json!({}));
        set(webhook, "timeoutSeconds", json!(10));
        if mutating {
            set(webhook, "reinvocationPolicy", json!("Never"));
        }
        for rule in items(webhook, "rules") {
            set(rule, "scope", json!("*"));
        }
        if let Some(service) = webhook.pointer_mut("/clientConfig/service").filter(|s| s.is_object()) {
            set(service, "port", json!(443));
        }
    }
}

pub(super) fn policy(policy: &mut Value) {
    let spec = child(policy, "spec");
    set(spec, "failurePolicy", json!("Fail"));
    if let Some(constraints) = present(spec, "matchConstraints") {
        match_resources(constraints);
    }
}

pub(super) fn binding(binding: &mut Value) {
    if let Some(resources) = present(child(binding, "spec"), "matchResources") {
        match_resources(resources);
    }
}

/// `SetDefaults_MatchResources` and the scope of each (excluded) resource rule.
fn match_resources(resources: &mut Value) {
    set(resources, "matchPolicy", json!("Equivalent"));
    set(resources, "namespaceSelector", json!({}));
    set(resources, "objectSelector", json!({}));
    for list in ["resourceRules", "excludeResourceRules"] {
        for rule in items(resources, list) {
            set(rule, "scope", json!("*"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::apply;
    use serde_json::{Value, json};

    const GROUP: &str = "admissionregistration.k8s.io";

    fn defaulted(kind: &str, mut object: Value) -> Value {
        apply(GROUP, kind, &mut object);
        object
    }

    fn webhook() -> Value {
        json!({"name": "w.example.com", "sideEffects": "None", "admissionReviewVersions": ["v1"],
            "clientConfig": {"service": {"namespace": "ns", "name": "svc"}},
            "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}]})
    }

    #[test]
    fn webhook_configurations() {
        let mutating = defaulted("MutatingWebhookConfiguration", json!({"webhooks": [webhook()]}));
        let validating = defaulted("ValidatingWebhookConfiguration", json!({"webhooks": [webhook()]}));
        for (config, reinvocation) in [(&mutating, Some("Never")), (&validating, None)] {
            let hook = &config["webhooks"][0];
            for (field, want) in [
                ("failurePolicy", json!("Fail")),
                ("matchPolicy", json!("Equivalent")),
                ("namespaceSelector", json!({})),
                ("objectSelector", json!({})),
                ("timeoutSeconds", json!(10)),
                ("sideEffects", json!("None")),
                ("admissionReviewVersions", json!(["v1"])),
            ] {
                assert_eq!(hook[field], want, "{field}");
            }
            assert_eq!(hook.get("reinvocationPolicy").and_then(Value::as_str), reinvocation);
            assert_eq!(hook["rules"][0]["scope"], "*");
            assert_eq!(hook["clientConfig"]["service"]["port"], 443);
        }
        let mut explicit = webhook();
        explicit["failurePolicy"] = json!("Ignore");
        explicit["timeoutSeconds"] = json!(3);
        explicit["clientConfig"] = json!({"url": "https://example.com"});
        explicit["rules"][0]["scope"] = json!("Namespaced");
        let config = defaulted("ValidatingWebhookConfiguration", json!({"webhooks": [explicit]}));
        let hook = &config["webhooks"][0];
        assert_eq!(hook["failurePolicy"], "Ignore");
        assert_eq!(hook["timeoutSeconds"], 3);
        assert_eq!(hook["clientConfig"], json!({"url": "https://example.com"}));
        assert_eq!(hook["rules"][0]["scope"], "Namespaced");
    }

    #[test]
    fn admission_policies_and_bindings() {
        let rules = json!({"resourceRules": [{"operations": ["CREATE"], "apiGroups": ["apps"],
            "apiVersions": ["v1"], "resources": ["deployments"]}],
            "excludeResourceRules": [{"operations": ["*"], "apiGroups": [""], "apiVersions": ["v1"],
            "resources": ["pods"], "scope": "Namespaced"}]});
        let policy = defaulted(
            "ValidatingAdmissionPolicy",
            json!({"spec": {"matchConstraints": rules, "validations": [{"expression": "true"}]}}),
        );
        assert_eq!(policy["spec"]["failurePolicy"], "Fail");
        let constraints = &policy["spec"]["matchConstraints"];
        assert_eq!(constraints["matchPolicy"], "Equivalent");
        assert_eq!(constraints["namespaceSelector"], json!({}));
        assert_eq!(constraints["objectSelector"], json!({}));
        assert_eq!(constraints["resourceRules"][0]["scope"], "*");
        assert_eq!(constraints["excludeResourceRules"][0]["scope"], "Namespaced");
        let bare = defaulted("ValidatingAdmissionPolicy", json!({"spec": {}}));
        assert_eq!(bare, json!({"spec": {"failurePolicy": "Fail"}}));

        let binding = defaulted(
            "ValidatingAdmissionPolicyBinding",
            json!({"spec": {"policyName": "p", "validationActions": ["Deny"], "matchResources": {},
                "paramRef": {"name": "x"}}}),
        );
        assert_eq!(
            binding["spec"]["matchResources"],
            json!({"matchPolicy": "Equivalent", "namespaceSelector": {}, "objectSelector": {}})
        );
        assert_eq!(binding["spec"]["paramRef"], json!({"name": "x"}));
        let unmatched = defaulted("ValidatingAdmissionPolicyBinding", json!({"spec": {"policyName": "p"}}));
        assert_eq!(unmatched, json!({"spec": {"policyName": "p"}}));
    }
}
