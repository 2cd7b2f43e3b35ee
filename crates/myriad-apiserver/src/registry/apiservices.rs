//! The APIService objects of the built-in group versions, as the aggregator's
//! autoregister controller keeps them: one per served group version named
//! `<version>.<group>` (`v1.` for the core group), local (no `service`), with the
//! group and version priorities that also order discovery, labelled
//! `kube-aggregator.kubernetes.io/automanaged: onstart` and Available
//! (`Local APIServices are always available`).

use myriad_store::Router as StoreRouter;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::meta::now_rfc3339;
use crate::storage::ensure::ensure_all;

/// `(group, version, groupPriorityMinimum, versionPriority)` for Kubernetes 1.33's
/// default group versions (`apiregistration.k8s.io` has none of its own).
const BUILT_IN: &[(&str, &str, i64, i64)] = &[
    ("", "v1", 18000, 1),
    ("apps", "v1", 17800, 15),
    ("events.k8s.io", "v1", 17750, 15),
    ("authentication.k8s.io", "v1", 17700, 15),
    ("authorization.k8s.io", "v1", 17600, 15),
    ("autoscaling", "v1", 17500, 15),
    ("autoscaling", "v2", 17500, 30),
    ("batch", "v1", 17400, 15),
    ("certificates.k8s.io", "v1", 17300, 15),
    ("networking.k8s.io", "v1", 17200, 15),
    ("policy", "v1", 17100, 15),
    ("rbac.authorization.k8s.io", "v1", 17000, 15),
    ("storage.k8s.io", "v1", 16800, 15),
    ("apiextensions.k8s.io", "v1", 16700, 15),
    ("admissionregistration.k8s.io", "v1", 16700, 15),
    ("scheduling.k8s.io", "v1", 16600, 15),
    ("coordination.k8s.io", "v1", 16500, 15),
    ("node.k8s.io", "v1", 16300, 15),
    ("discovery.k8s.io", "v1", 16200, 15),
    ("flowcontrol.apiserver.k8s.io", "v1", 16100, 21),
];

/// Creates each missing built-in APIService and brings changed ones back: spec as
/// the table says, condition Available.
pub(crate) async fn ensure_built_in(store: &StoreRouter) -> Result<(), ApiError> {
    let wanted: Vec<Value> = BUILT_IN
        .iter()
        .map(|(group, version, group_priority, version_priority)| {
            json!({
                "apiVersion": "apiregistration.k8s.io/v1",
                "kind": "APIService",
                "metadata": {
                    "name": format!("{version}.{group}"),
                    "labels": {"kube-aggregator.kubernetes.io/automanaged": "onstart"},
                },
                "spec": {
                    "group": group,
                    "version": version,
                    "groupPriorityMinimum": group_priority,
                    "versionPriority": version_priority,
                },
            })
        })
        .collect();
    let reconcile = |current: &mut Value, wanted: &Value| {
        let mut changed = false;
        if current.get("spec") != wanted.get("spec") {
            current["spec"] = wanted["spec"].clone();
            changed = true;
        }
        let available = current
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|c| c.get("type") == Some(&json!("Available")) && c.get("status") == Some(&json!("True")));
        if !available {
            current["status"] = json!({"conditions": [{
                "type": "Available",
                "status": "True",
                "lastTransitionTime": now_rfc3339(),
                "reason": "Local",
                "message": "Local APIServices are always available",
            }]});
            changed = true;
        }
        changed
    };
    // Created without a status (creates clear it), then made Available.
    ensure_all(store, "apiregistration.k8s.io", wanted.clone(), reconcile).await?;
    ensure_all(store, "apiregistration.k8s.io", wanted, reconcile).await?;
    Ok(())
}
