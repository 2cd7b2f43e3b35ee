//! The loop that keeps the allocation records true to the Services, as upstream's
//! IP and node-port repair controllers do: a Service whose address or port has no
//! record gets one (a record lost to a crash between claim and release, or written
//! by an older server), and a record no Service holds — a create that failed after
//! its claim, a Service removed with its namespace — is released once two passes in
//! a row found it unchanged, so a write between claim and store is never mistaken
//! for a leak. The `kubernetes` Service and its endpoints are reconciled on every
//! tick.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use myriad_api::registry::BUILTIN;
use myriad_store::{RangeOptions, Revision, Router as StoreRouter};
use serde_json::Value;

use super::kubernetes::{self, Advertised};
use super::{Claim, Owner, ServiceNetwork, ips_of, needs_health_check_port, needs_node_ports, node_ports_of};
use crate::error::ApiError;
use crate::storage::codec::decode_stored;
use crate::tasks::Tasks;

/// How often the `kubernetes` Service and its endpoints are checked (upstream: 10 s).
const ENDPOINTS_INTERVAL: Duration = Duration::from_secs(10);

/// Records found unheld in the previous pass, with the revision they had.
#[derive(Default)]
pub(crate) struct Suspects {
    ips: HashMap<IpAddr, Revision>,
    ports: HashMap<u16, Revision>,
}

/// What one pass changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Repaired {
    pub(crate) restored: usize,
    pub(crate) released: usize,
}

/// Runs the loop under `tasks`: the `kubernetes` objects every 10 s, a repair pass
/// every `interval`.
pub(crate) fn spawn(
    tasks: &Tasks,
    store: Arc<StoreRouter>,
    network: Arc<ServiceNetwork>,
    advertised: Advertised,
    interval: Duration,
) {
    tasks.spawn("service-network", async move {
        let mut suspects = Suspects::default();
        let mut endpoints = tokio::time::interval(ENDPOINTS_INTERVAL);
        let mut repair = tokio::time::interval(interval);
        endpoints.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        repair.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = endpoints.tick() => {
                    if let Err(error) = kubernetes::ensure(&store, &network, advertised).await {
                        tracing::warn!(%error, "could not reconcile the kubernetes Service");
                    }
                }
                _ = repair.tick() => match pass(&store, &network, &mut suspects).await {
                    Ok(repaired) if repaired != Repaired::default() => {
                        tracing::info!(restored = repaired.restored, released = repaired.released,
                            "repaired service IP and port allocations");
                    }
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "service allocation repair failed"),
                },
            }
        }
    });
}

/// One pass: records first, then Services, so a Service stored after its records
/// were listed is seen.
pub(crate) async fn pass(
    store: &StoreRouter,
    network: &ServiceNetwork,
    suspects: &mut Suspects,
) -> Result<Repaired, ApiError> {
    let ip_records = network.ips.list().await?;
    let port_records = network.ports.list().await?;
    let services = services(store).await?;
    let mut repaired = Repaired::default();

    let mut held_ips: HashSet<(IpAddr, &Owner)> = HashSet::new();
    let mut held_ports: HashSet<(u16, &Owner)> = HashSet::new();
    for (owner, spec) in &services {
        for ip in ips_of(spec) {
            held_ips.insert((ip, owner));
            if ip_records.iter().any(|(recorded, ..)| *recorded == ip) {
                continue;
            }
            if network.ips.range_of(&ip).await?.is_none() {
                tracing::warn!(%ip, service = %owner.name, namespace = %owner.namespace,
                    "a Service's cluster IP is outside every service range");
                continue;
            }
            if network.ips.claim(&ip, owner).await? == Claim::New {
                repaired.restored += 1;
            }
        }
        let mut ports = if needs_node_ports(spec) {
            node_ports_of(spec)
        } else {
            Vec::new()
        };
        if needs_health_check_port(spec)
            && let Some(port) = spec.get("healthCheckNodePort").and_then(Value::as_i64)
            && let Ok(port) = u16::try_from(port)
        {
            ports.push(port);
        }
        for port in ports {
            held_ports.insert((port, owner));
            if port_records.iter().any(|(recorded, ..)| *recorded == port) {
                continue;
            }
            if network.ports.claim(port, owner).await? == Claim::New {
                repaired.restored += 1;
            }
        }
    }

    let mut next = Suspects::default();
    for (ip, holder, managed, revision) in ip_records {
        let held = holder.as_ref().is_some_and(|h| held_ips.contains(&(ip, h)));
        if held || !managed {
            continue;
        }
        if suspects.ips.get(&ip) == Some(&revision) {
            if network.ips.remove_at(&ip, revision).await? {
                repaired.released += 1;
            }
        } else {
            next.ips.insert(ip, revision);
        }
    }
    for (port, holder, revision) in port_records {
        if holder.as_ref().is_some_and(|h| held_ports.contains(&(port, h))) {
            continue;
        }
        if suspects.ports.get(&port) == Some(&revision) {
            if network.ports.remove_at(port, revision).await? {
                repaired.released += 1;
            }
        } else {
            next.ports.insert(port, revision);
        }
    }
    *suspects = next;
    Ok(repaired)
}

/// Every stored Service: its owner and spec.
async fn services(store: &StoreRouter) -> Result<Vec<(Owner, serde_json::Map<String, Value>)>, ApiError> {
    let info = BUILTIN
        .iter()
        .find(|r| r.group.is_empty() && r.kind == "Service")
        .ok_or_else(|| ApiError::Internal("no built-in Service".into()))?;
    let prefix = info.storage_prefix();
    let listed = store
        .store_for(prefix.as_bytes())
        .range(prefix.as_bytes(), RangeOptions::default())
        .await?;
    let mut out = Vec::with_capacity(listed.kvs.len());
    for kv in &listed.kvs {
        let object = decode_stored(kv)?;
        if let Some(spec) = object.get("spec").and_then(Value::as_object) {
            out.push((Owner::of_service(&object), spec.clone()));
        }
    }
    Ok(out)
}
