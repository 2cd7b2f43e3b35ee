//! API Priority and Fairness defaults (`pkg/apis/flowcontrol/v1/defaults.go`):
//! FlowSchemas' matching precedence and PriorityLevelConfigurations' shares, lendable
//! percent and queuing parameters. v1beta3 (still served) treats zero shares as unset;
//! v1 keeps an explicit 0.

use serde_json::{Value, json};

use super::{child, fill, present, set, text};

pub(super) fn flow_schema(schema: &mut Value) {
    fill(child(schema, "spec"), "matchingPrecedence", json!(1000));
}

pub(super) fn priority_level(level: &mut Value) {
    let beta = text(level, "apiVersion").ends_with("/v1beta3");
    let spec = child(level, "spec");
    if let Some(limited) = present(spec, "limited") {
        if beta {
            fill(limited, "nominalConcurrencyShares", json!(30));
        } else {
            set(limited, "nominalConcurrencyShares", json!(30));
        }
        set(limited, "lendablePercent", json!(0));
        if let Some(queuing) = limited.pointer_mut("/limitResponse/queuing").filter(|q| q.is_object()) {
            fill(queuing, "handSize", json!(8));
            fill(queuing, "queues", json!(64));
            fill(queuing, "queueLengthLimit", json!(50));
        }
    }
    if let Some(exempt) = present(spec, "exempt") {
        set(exempt, "nominalConcurrencyShares", json!(0));
        set(exempt, "lendablePercent", json!(0));
    }
}

#[cfg(test)]
mod tests {
    use super::super::apply;
    use serde_json::{Value, json};

    fn defaulted(kind: &str, mut object: Value) -> Value {
        apply("flowcontrol.apiserver.k8s.io", kind, &mut object);
        object
    }

    #[test]
    fn flow_schemas() {
        for (given, want) in [
            (json!({}), 1000),
            (json!({"matchingPrecedence": 0}), 1000),
            (json!({"matchingPrecedence": 5}), 5),
        ] {
            let schema = defaulted("FlowSchema", json!({"spec": given}));
            assert_eq!(schema["spec"]["matchingPrecedence"], want);
        }
    }

    #[test]
    fn priority_levels() {
        let limited = defaulted(
            "PriorityLevelConfiguration",
            json!({"apiVersion": "flowcontrol.apiserver.k8s.io/v1", "spec": {"type": "Limited", "limited": {
                "limitResponse": {"type": "Queuing", "queuing": {"queues": 16}}}}}),
        );
        assert_eq!(
            limited["spec"]["limited"],
            json!({"nominalConcurrencyShares": 30, "lendablePercent": 0, "limitResponse": {"type": "Queuing",
                "queuing": {"queues": 16, "handSize": 8, "queueLengthLimit": 50}}})
        );
        let reject = defaulted(
            "PriorityLevelConfiguration",
            json!({"apiVersion": "flowcontrol.apiserver.k8s.io/v1", "spec": {"type": "Limited", "limited": {
                "nominalConcurrencyShares": 0, "limitResponse": {"type": "Reject"}}}}),
        );
        assert_eq!(reject["spec"]["limited"]["nominalConcurrencyShares"], 0);
        assert_eq!(reject["spec"]["limited"]["limitResponse"], json!({"type": "Reject"}));
        let beta = defaulted(
            "PriorityLevelConfiguration",
            json!({"apiVersion": "flowcontrol.apiserver.k8s.io/v1beta3", "spec": {"type": "Limited", "limited": {
                "nominalConcurrencyShares": 0, "limitResponse": {"type": "Reject"}}}}),
        );
        assert_eq!(beta["spec"]["limited"]["nominalConcurrencyShares"], 30);
        let exempt = defaulted(
            "PriorityLevelConfiguration",
            json!({"spec": {"type": "Exempt", "exempt": {}}}),
        );
        assert_eq!(
            exempt["spec"]["exempt"],
            json!({"nominalConcurrencyShares": 0, "lendablePercent": 0})
        );
    }
}
