//! What an eviction asks of the pod's PodDisruptionBudget before the pod is deleted,
//! as upstream's `EvictionREST`: a pod that is pending, finished or already deleting
//! needs no budget; a pod no budget selects is evictable; a pod two budgets select is
//! an error; otherwise the budget must allow a disruption (429 `Cannot evict pod as it
//! would violate the pod's disruption budget.` with a `DisruptionBudget` cause when it
//! does not), and the eviction spends one: `disruptionsAllowed` goes down and the pod
//! joins `disruptedPods`, in one conditional write of the budget's status, before the
//! pod is deleted. The disruption controller (kube-controller-manager) recomputes the
//! budget from there. An unready pod may go while the budget is healthy anyway, or
//! always with `unhealthyPodEvictionPolicy: AlwaysAllow`.

use std::collections::BTreeMap;

use myriad_api::builtin::common::json_selector_matches;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::meta::now_rfc3339;
use crate::registry::retry::Retry;
use crate::registry::{Registry, Scope};

/// Upstream's `MaxDisruptedPodSize`.
const MAX_DISRUPTED_PODS: usize = 2000;
const REFUSED: &str = "Cannot evict pod as it would violate the pod's disruption budget.";

impl Registry {
    /// Checks the budget of `pod` (in `scope`, the pods scope) and spends one of its
    /// disruptions (only checks, with `dry_run`).
    pub(crate) async fn spend_disruption(&self, scope: Scope<'_>, pod: &Value, dry_run: bool) -> Result<(), ApiError> {
        if can_ignore_budgets(pod) {
            return Ok(());
        }
        let info = self
            .catalog
            .lookup("policy", "v1", "poddisruptionbudgets")
            .ok_or_else(|| ApiError::Internal("PodDisruptionBudgets are not served".into()))?;
        let budgets_scope = Scope { info: &info, ..scope };
        let namespace = scope.namespace.unwrap_or("");
        let budgets = self.budgets_of(budgets_scope, namespace, pod).await?;
        let name = match budgets.as_slice() {
            [] => return Ok(()),
            [one] => one.clone(),
            _ => {
                return Err(ApiError::Internal(
                    "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
                        .into(),
                ));
            }
        };
        let mut retry = Retry::default();
        loop {
            let (mut budget, revision) = self.get_from_store(budgets_scope, &name).await?;
            if !is_ready(pod) {
                let unhealthy_policy = budget
                    .pointer("/spec/unhealthyPodEvictionPolicy")
                    .and_then(Value::as_str);
                let current = int(&budget, "/status/currentHealthy");
                let desired = int(&budget, "/status/desiredHealthy");
                if unhealthy_policy == Some("AlwaysAllow") || (current >= desired && desired > 0) {
                    return Ok(());
                }
            }
            spend(&mut budget, &name, crate::meta::name_of(pod).unwrap_or(""))?;
            if dry_run || self.write(budgets_scope, &name, budget, revision).await?.is_some() {
                return Ok(());
            }
            if !retry.again().await {
                return Err(ApiError::Timeout(format!(
                    "couldn't update PodDisruptionBudget {name:?} due to conflicts"
                )));
            }
        }
    }

    /// The names of the budgets in `namespace` whose selector selects `pod` (policy/v1:
    /// an empty selector selects every pod, a missing one none).
    async fn budgets_of(&self, scope: Scope<'_>, namespace: &str, pod: &Value) -> Result<Vec<String>, ApiError> {
        let labels: BTreeMap<String, String> = pod
            .pointer("/metadata/labels")
            .and_then(|l| serde_json::from_value(l.clone()).ok())
            .unwrap_or_default();
        let prefix = scope.info.namespace_prefix(Some(namespace));
        let listed = self
            .backend(scope.info)
            .range(prefix.as_bytes(), myriad_store::RangeOptions::default())
            .await?;
        let mut names = Vec::new();
        for kv in &listed.kvs {
            let budget = crate::storage::codec::decode_stored(kv)?;
            let Some(selector) = budget.pointer("/spec/selector").filter(|s| !s.is_null()) else {
                continue;
            };
            if json_selector_matches(selector, &labels) == Some(true) {
                names.push(crate::meta::name_of(&budget).unwrap_or("").to_string());
            }
        }
        Ok(names)
    }
}

/// Pods that are pending, finished or being deleted are evicted without a budget.
fn can_ignore_budgets(pod: &Value) -> bool {
    let phase = pod.pointer("/status/phase").and_then(Value::as_str).unwrap_or("");
    matches!(phase, "Pending" | "Succeeded" | "Failed" | "")
        || pod.pointer("/metadata/deletionTimestamp").is_some_and(|t| !t.is_null())
}

fn is_ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|c| c.get("type") == Some(&json!("Ready")) && c.get("status") == Some(&json!("True")))
}

fn int(object: &Value, pointer: &str) -> i64 {
    object.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

/// Upstream's `checkAndDecrement` on the budget's JSON.
fn spend(budget: &mut Value, name: &str, pod: &str) -> Result<(), ApiError> {
    let forbidden = |message: &str| ApiError::Forbidden {
        group_resource: myriad_api::GroupResource::new("policy", "poddisruptionbudget"),
        name: name.to_string(),
        message: message.to_string(),
    };
    let observed = int(budget, "/status/observedGeneration");
    let generation = int(budget, "/metadata/generation");
    if observed < generation {
        return Err(ApiError::DisruptionBudget {
            message: REFUSED.into(),
            cause: format!("The disruption budget {name} is still being processed by the server."),
            retry_after: 10,
        });
    }
    let allowed = int(budget, "/status/disruptionsAllowed");
    if allowed < 0 {
        return Err(forbidden("pdb disruptions allowed is negative"));
    }
    let disrupted = budget
        .pointer("/status/disruptedPods")
        .and_then(Value::as_object)
        .map_or(0, |m| m.len());
    if disrupted > MAX_DISRUPTED_PODS {
        return Err(forbidden(
            "DisruptedPods map too big - too many evictions not confirmed by PDB controller",
        ));
    }
    if allowed == 0 {
        return Err(ApiError::DisruptionBudget {
            message: REFUSED.into(),
            cause: format!(
                "The disruption budget {name} needs {} healthy pods and has {} currently",
                int(budget, "/status/desiredHealthy"),
                int(budget, "/status/currentHealthy")
            ),
            retry_after: 0,
        });
    }
    let now = now_rfc3339();
    let status = &mut budget["status"];
    status["disruptionsAllowed"] = json!(allowed - 1);
    if allowed - 1 == 0 {
        set_condition(status, observed, &now);
    }
    if !status["disruptedPods"].is_object() {
        status["disruptedPods"] = json!({});
    }
    status["disruptedPods"][pod] = json!(now);
    Ok(())
}

/// `DisruptionAllowed` goes False (`InsufficientPods`) when the last disruption is spent.
fn set_condition(status: &mut Value, observed: i64, now: &str) {
    if !status["conditions"].is_array() {
        status["conditions"] = json!([]);
    }
    let Some(conditions) = status["conditions"].as_array_mut() else {
        return;
    };
    let wanted = json!({"type": "DisruptionAllowed", "status": "False", "reason": "InsufficientPods",
        "message": "", "observedGeneration": observed, "lastTransitionTime": now});
    match conditions.iter_mut().find(|c| c["type"] == "DisruptionAllowed") {
        Some(existing) if existing["status"] == "False" => {
            existing["reason"] = json!("InsufficientPods");
            existing["observedGeneration"] = json!(observed);
        }
        Some(existing) => *existing = wanted,
        None => conditions.push(wanted),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(allowed: i64) -> Value {
        json!({"metadata": {"name": "web", "generation": 1},
            "status": {"observedGeneration": 1, "disruptionsAllowed": allowed, "currentHealthy": 2, "desiredHealthy": 2,
                "expectedPods": 2, "conditions": [{"type": "DisruptionAllowed", "status": "True", "reason": "SufficientPods"}]}})
    }

    #[test]
    fn a_disruption_is_spent_or_refused() {
        let mut open = budget(1);
        spend(&mut open, "web", "web-1").unwrap();
        assert_eq!(open["status"]["disruptionsAllowed"], 0);
        assert!(open["status"]["disruptedPods"]["web-1"].is_string());
        assert_eq!(open["status"]["conditions"][0]["status"], "False");
        assert_eq!(open["status"]["conditions"][0]["reason"], "InsufficientPods");

        let error = spend(&mut budget(0), "web", "web-1").unwrap_err();
        assert!(matches!(&error, ApiError::DisruptionBudget { cause, .. }
            if cause == "The disruption budget web needs 2 healthy pods and has 2 currently"));
        let mut stale = budget(1);
        stale["metadata"]["generation"] = json!(2);
        assert!(matches!(
            spend(&mut stale, "web", "p").unwrap_err(),
            ApiError::DisruptionBudget { retry_after: 10, .. }
        ));
        assert!(matches!(
            spend(&mut budget(-1), "web", "p").unwrap_err(),
            ApiError::Forbidden { .. }
        ));
    }

    #[test]
    fn pending_finished_and_deleting_pods_need_no_budget() {
        assert!(can_ignore_budgets(&json!({"status": {"phase": "Pending"}})));
        assert!(can_ignore_budgets(&json!({"status": {"phase": "Succeeded"}})));
        assert!(can_ignore_budgets(
            &json!({"metadata": {"deletionTimestamp": "t"}, "status": {"phase": "Running"}})
        ));
        assert!(!can_ignore_budgets(&json!({"status": {"phase": "Running"}})));
    }
}
