//! The objects through which pods find the API server, kept in place as upstream's
//! kubernetes-service and default-service-cidr controllers keep them: the ServiceCIDR
//! `kubernetes` (the configured blocks, Ready), and in `default` the Service
//! `kubernetes` (first address of the primary block, port 443 to the secure port), its
//! Endpoints and its EndpointSlice (the advertised address). Each is created when
//! missing and brought back when changed; the Service's cluster IP is claimed like
//! any other.

use std::net::IpAddr;

use myriad_api::defaults;
use myriad_store::Router as StoreRouter;
use serde_json::{Value, json};

use super::ip_range::Family;
use super::{Claim, Owner, ServiceNetwork};
use crate::error::ApiError;
use crate::meta::now_rfc3339;
use crate::storage::ensure::ensure_all;

/// Where clients reach this server: the advertised address and the secure port.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Advertised {
    pub(crate) ip: IpAddr,
    pub(crate) port: u16,
}

/// Brings every object in place.
pub(crate) async fn ensure(
    store: &StoreRouter,
    network: &ServiceNetwork,
    advertised: Advertised,
) -> Result<(), ApiError> {
    ensure_service_cidr(store, network).await?;
    let owner = Owner {
        namespace: "default".into(),
        name: "kubernetes".into(),
    };
    let Some(range) = network.ips.ranges().first() else {
        return Ok(());
    };
    let ip = range.first();
    if network.ips.claim(&ip, &owner).await? == Claim::Taken {
        tracing::warn!(%ip, "the kubernetes Service's address is held by another Service");
    }
    let mut service = json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {"component": "apiserver", "provider": "kubernetes"},
        },
        "spec": {
            "type": "ClusterIP",
            "clusterIP": ip.to_string(),
            "clusterIPs": [ip.to_string()],
            "ipFamilies": [range.family().name()],
            "ipFamilyPolicy": "SingleStack",
            "ports": [{"name": "https", "protocol": "TCP", "port": 443, "targetPort": advertised.port}],
            "sessionAffinity": "None",
        },
    });
    defaults::apply("", "Service", &mut service);
    ensure_all(store, "", vec![service], |current, wanted| {
        // The ports and type follow the server; the cluster IP stays what it is.
        let mut changed = false;
        for field in ["ports", "type"] {
            if current.pointer(&format!("/spec/{field}")) != wanted.pointer(&format!("/spec/{field}")) {
                current["spec"][field] = wanted["spec"][field].clone();
                changed = true;
            }
        }
        changed
    })
    .await?;

    let port = json!([{"name": "https", "port": advertised.port, "protocol": "TCP"}]);
    let endpoints = json!({
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"},
        },
        "subsets": [{"addresses": [{"ip": advertised.ip.to_string()}], "ports": port}],
    });
    let slice = json!({
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {"kubernetes.io/service-name": "kubernetes"},
        },
        "addressType": Family::of(&advertised.ip).name(),
        "endpoints": [{"addresses": [advertised.ip.to_string()], "conditions": {"ready": true}}],
        "ports": port,
    });
    ensure_all(store, "", vec![endpoints], |current, wanted| {
        replace_fields(current, wanted, &["subsets"])
    })
    .await?;
    ensure_all(store, "discovery.k8s.io", vec![slice], |current, wanted| {
        replace_fields(current, wanted, &["addressType", "endpoints", "ports"])
    })
    .await?;
    Ok(())
}

/// The ServiceCIDR `kubernetes`: the configured blocks, with a Ready condition.
async fn ensure_service_cidr(store: &StoreRouter, network: &ServiceNetwork) -> Result<(), ApiError> {
    let cidrs: Vec<String> = network.ips.ranges().iter().map(ToString::to_string).collect();
    let cidr = json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "ServiceCIDR",
        "metadata": {"name": "kubernetes"},
        "spec": {"cidrs": cidrs},
    });
    let ready = |current: &mut Value, _: &Value| {
        let conditions = current.pointer("/status/conditions").and_then(Value::as_array);
        let is_ready = conditions
            .into_iter()
            .flatten()
            .any(|c| c.get("type") == Some(&json!("Ready")) && c.get("status") == Some(&json!("True")));
        if is_ready {
            return false;
        }
        current["status"] = json!({"conditions": [{
            "type": "Ready",
            "status": "True",
            "lastTransitionTime": now_rfc3339(),
            "reason": "",
            "message": "Kubernetes Service CIDR is ready",
        }]});
        true
    };
    // Created without a status (creates clear it), then made Ready.
    ensure_all(store, "networking.k8s.io", vec![cidr.clone()], ready).await?;
    ensure_all(store, "networking.k8s.io", vec![cidr], ready).await?;
    Ok(())
}

fn replace_fields(current: &mut Value, wanted: &Value, fields: &[&str]) -> bool {
    let mut changed = false;
    for field in fields {
        if current.get(*field) != wanted.get(*field) {
            current[*field] = wanted[*field].clone();
            changed = true;
        }
    }
    changed
}
