//! Priority: a new pod's `priority` (and `preemptionPolicy`) come from its
//! PriorityClass — the one it names, which must exist, or the global default (the
//! lowest-valued if a race left several), or 0; a pod may not state a different
//! value itself. Updates keep what create set. At most one PriorityClass may be the
//! global default. The two system classes exist from the first start.

use myriad_store::Router as StoreRouter;
use serde_json::{Value, json};

use super::lookup::Lookup;
use super::{Attributes, Operation};
use crate::error::ApiError;
use crate::storage::ensure::ensure_all;

const GROUP: &str = "scheduling.k8s.io";

pub(super) async fn admit(lookup: &Lookup, attrs: &Attributes<'_>, pod: &mut Value) -> Result<(), ApiError> {
    if !attrs.is("", "pods") {
        return Ok(());
    }
    let Some(spec) = pod.get_mut("spec").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    if attrs.operation == Operation::Update {
        // Validation refuses changes; a client that leaves them out keeps them.
        for field in ["priority", "preemptionPolicy"] {
            let old = attrs
                .old
                .and_then(|o| myriad_api::pointer::get(o, &format!("/spec/{field}")));
            if spec.get(field).is_none_or(Value::is_null)
                && let Some(old) = old.filter(|v| !v.is_null())
            {
                spec.insert(field.into(), old.clone());
            }
        }
        return Ok(());
    }
    let named = spec
        .get("priorityClassName")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    let (priority, policy) = match named {
        Some(name) => {
            let Some(class) = lookup.get(GROUP, "PriorityClass", None, &name).await? else {
                return Err(attrs.forbidden(format!("no PriorityClass with name {name} was found")));
            };
            (value_of(&class), policy_of(&class))
        }
        None => match default_class(lookup).await? {
            Some(class) => {
                let name = myriad_api::pointer::get(&class, "/metadata/name")
                    .cloned()
                    .unwrap_or(json!(""));
                spec.insert("priorityClassName".into(), name);
                (value_of(&class), policy_of(&class))
            }
            None => (0, Some("PreemptLowerPriority".to_string())),
        },
    };
    if let Some(stated) = spec.get("priority").and_then(Value::as_i64)
        && stated != priority
    {
        return Err(attrs.forbidden(format!(
            "the integer value of priority ({stated}) must not be provided in pod spec; priority admission controller computed {priority} from the given PriorityClass name"
        )));
    }
    spec.insert("priority".into(), json!(priority));
    if let Some(policy) = policy {
        if let Some(stated) = spec.get("preemptionPolicy").and_then(Value::as_str)
            && stated != policy
        {
            return Err(attrs.forbidden(format!(
                "the string value of PreemptionPolicy ({stated}) must not be provided in pod spec; priority admission controller computed {policy} from the given PriorityClass name"
            )));
        }
        spec.insert("preemptionPolicy".into(), json!(policy));
    }
    Ok(())
}

/// A PriorityClass may become the global default only while no other one is.
pub(super) async fn validate(lookup: &Lookup, attrs: &Attributes<'_>, class: &Value) -> Result<(), ApiError> {
    if !attrs.is(GROUP, "priorityclasses") || class.get("globalDefault").and_then(Value::as_bool) != Some(true) {
        return Ok(());
    }
    if let Some(current) = default_class(lookup).await? {
        let name = myriad_api::pointer::get(&current, "/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        if attrs.operation == Operation::Create || name != attrs.name {
            return Err(attrs.forbidden(format!(
                "PriorityClass {name} is already marked as default. Only one default can exist"
            )));
        }
    }
    Ok(())
}

async fn default_class(lookup: &Lookup) -> Result<Option<Value>, ApiError> {
    let classes = lookup.list(GROUP, "PriorityClass", None).await?;
    Ok(classes
        .into_iter()
        .filter(|c| c.get("globalDefault").and_then(Value::as_bool) == Some(true))
        .min_by_key(value_of))
}

fn value_of(class: &Value) -> i64 {
    class.get("value").and_then(Value::as_i64).unwrap_or(0)
}

fn policy_of(class: &Value) -> Option<String> {
    class
        .get("preemptionPolicy")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Creates the system PriorityClasses when missing (upstream's post-start hook
/// `scheduling/bootstrap-system-priority-classes`); existing ones are left alone.
pub(crate) async fn ensure_system_classes(store: &StoreRouter) -> Result<(), ApiError> {
    let class = |name: &str, value: i64, description: &str| {
        json!({
            "apiVersion": "scheduling.k8s.io/v1",
            "kind": "PriorityClass",
            "metadata": {"name": name},
            "value": value,
            "description": description,
            "preemptionPolicy": "PreemptLowerPriority",
        })
    };
    let classes = vec![
        class(
            "system-node-critical",
            2_000_001_000,
            "Used for system critical pods that must not be moved from their current node.",
        ),
        class(
            "system-cluster-critical",
            2_000_000_000,
            "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
        ),
    ];
    ensure_all(store, GROUP, classes, |_, _| false).await?;
    Ok(())
}
