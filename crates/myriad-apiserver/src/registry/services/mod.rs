//! What a Service write does beyond storing the object, as upstream's service REST
//! does it around the generic store: cluster IPs and node ports are allocated before
//! the object is validated, and released when the write fails, when an update gives
//! them up and when the Service is deleted.
//!
//! * [`ip_range`]: the service IP blocks and how a dynamic allocation walks them.
//! * [`cluster_ips`]: allocation as 1.33 records it, one `IPAddress` object per address.
//! * [`node_ports`]: node and health-check node ports, one store key per port.
//! * [`families`]: `ipFamilyPolicy`/`ipFamilies` defaulting and the fields an update
//!   leaves out but keeps (`NormalizeClusterIPs`, `patchAllocatedValues`).
//! * [`repair`]: the loop that restores missing records and releases leaked ones.
//! * [`kubernetes`]: the default ServiceCIDR and the `kubernetes` Service, Endpoints
//!   and EndpointSlice in `default`.
//!
//! A write claims before it stores ([`Allocation`]): the claim is taken back when the
//! write fails, and what an update gave up is released only once the update is stored.

pub(crate) mod cluster_ips;
mod families;
pub(crate) mod ip_range;
pub(crate) mod kubernetes;
pub(crate) mod node_ports;
pub(crate) mod repair;

use std::net::IpAddr;
use std::ops::RangeInclusive;
use std::sync::Arc;

use myriad_api::field_error::{FieldError, FieldPath, FieldValue};
use myriad_api::registry::ResourceInfo;
use myriad_store::Router as StoreRouter;
use serde_json::{Map, Value, json};

use self::cluster_ips::ClusterIps;
use self::ip_range::{Family, IpRange, parse_ip};
use self::node_ports::NodePorts;
use crate::error::ApiError;
use crate::meta::{name_of, namespace_of};

/// The service network of a server: `--service-cluster-ip-range` (one block per
/// family, primary first) and `--service-node-port-range`.
pub(crate) struct ServiceNetwork {
    pub(crate) ips: ClusterIps,
    pub(crate) ports: NodePorts,
}

/// The Service an allocation belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Owner {
    pub(crate) namespace: String,
    pub(crate) name: String,
}

impl Owner {
    fn of_service(object: &Value) -> Owner {
        Owner {
            namespace: namespace_of(object).unwrap_or_default().to_string(),
            name: name_of(object).unwrap_or_default().to_string(),
        }
    }

    /// The Service an IPAddress object's `spec.parentRef` names.
    pub(crate) fn of_ip_address(object: &Value) -> Option<Owner> {
        let parent = object.pointer("/spec/parentRef")?;
        let group = parent.get("group").and_then(Value::as_str).unwrap_or("");
        if !group.is_empty() || parent.get("resource").and_then(Value::as_str) != Some("services") {
            return None;
        }
        Some(Owner {
            namespace: parent.get("namespace")?.as_str()?.to_string(),
            name: parent.get("name")?.as_str()?.to_string(),
        })
    }
}

/// The outcome of recording one address or port for an owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Claim {
    /// Recorded now.
    New,
    /// The owner already held it.
    Ours,
    /// Someone else holds it.
    Taken,
}

/// What one Service write claimed, and what it gives up once it is stored.
#[must_use = "an allocation is either reverted or committed"]
pub(crate) struct Allocation {
    owner: Owner,
    claimed_ips: Vec<IpAddr>,
    claimed_ports: Vec<u16>,
    released_ips: Vec<IpAddr>,
    released_ports: Vec<u16>,
}

impl Allocation {
    fn new(owner: Owner) -> Allocation {
        Allocation {
            owner,
            claimed_ips: Vec::new(),
            claimed_ports: Vec::new(),
            released_ips: Vec::new(),
            released_ports: Vec::new(),
        }
    }

    /// The write failed or lost a race: gives back what it claimed.
    pub(crate) async fn revert(self, network: &ServiceNetwork) {
        network.free(&self.owner, &self.claimed_ips, &self.claimed_ports).await;
    }

    /// The write is stored: releases what the update gave up.
    pub(crate) async fn commit(self, network: &ServiceNetwork) {
        network
            .free(&self.owner, &self.released_ips, &self.released_ports)
            .await;
    }
}

/// Errors of the network flags.
#[derive(Debug, thiserror::Error)]
pub enum NetworkConfigError {
    #[error("--service-cluster-ip-range: {0}")]
    IpRange(String),
    #[error("--service-node-port-range: {0:?} is not a range like 30000-32767")]
    PortRange(String),
}

/// Parses `--service-cluster-ip-range`: one CIDR, or two of different families.
pub fn parse_ip_ranges(text: &str) -> Result<Vec<IpRange>, NetworkConfigError> {
    let ranges = text
        .split(',')
        .map(IpRange::parse)
        .collect::<Result<Vec<_>, _>>()
        .map_err(NetworkConfigError::IpRange)?;
    match ranges.as_slice() {
        [_] => Ok(ranges),
        [a, b] if a.family() != b.family() => Ok(ranges),
        _ => Err(NetworkConfigError::IpRange(format!(
            "{text:?}: give one CIDR, or two of different IP families"
        ))),
    }
}

/// Parses `--service-node-port-range` (`30000-32767`, or `30000+2768`).
pub fn parse_port_range(text: &str) -> Result<RangeInclusive<u16>, NetworkConfigError> {
    let bad = || NetworkConfigError::PortRange(text.to_string());
    let range = if let Some((base, size)) = text.split_once('+') {
        let base: u16 = base.trim().parse().map_err(|_| bad())?;
        let size: u16 = size.trim().parse().map_err(|_| bad())?;
        base..=base.checked_add(size.checked_sub(1).ok_or_else(bad)?).ok_or_else(bad)?
    } else {
        let (low, high) = text.split_once('-').ok_or_else(bad)?;
        low.trim().parse().map_err(|_| bad())?..=high.trim().parse().map_err(|_| bad())?
    };
    if range.is_empty() || *range.start() == 0 {
        return Err(bad());
    }
    Ok(range)
}

impl ServiceNetwork {
    pub(crate) fn new(
        store: Arc<StoreRouter>,
        ranges: Vec<IpRange>,
        ports: RangeInclusive<u16>,
    ) -> Result<ServiceNetwork, ApiError> {
        Ok(ServiceNetwork {
            ips: ClusterIps::new(store.clone(), ranges)?,
            ports: NodePorts::new(store, ports),
        })
    }

    fn primary(&self) -> Family {
        self.ips.families().next().unwrap_or(Family::V4)
    }

    /// Fills in and claims the cluster IPs and node ports of a Service about to be
    /// created (`old` is `None`) or updated from `old`. Nothing is recorded with
    /// `dry_run`; requested values are still checked.
    pub(crate) async fn allocate(
        &self,
        info: &ResourceInfo,
        old: Option<&Value>,
        object: &mut Value,
        dry_run: bool,
    ) -> Result<Allocation, ApiError> {
        let owner = Owner::of_service(object);
        let mut allocation = Allocation::new(owner.clone());
        let old_spec = old.and_then(|o| o.get("spec")).and_then(Value::as_object);
        let Some(spec) = object.get_mut("spec").and_then(Value::as_object_mut) else {
            return Ok(allocation);
        };
        if let Some(old_spec) = old_spec {
            families::patch_allocated(spec, old_spec);
        }
        families::normalize_cluster_ips(spec, old_spec);
        let errors = families::init(spec, old_spec, self.primary(), &self.ips.families().collect::<Vec<_>>());
        if !errors.is_empty() {
            return Err(ApiError::invalid(info, &owner.name, errors));
        }
        let result = self.claim_all(spec, old_spec, &mut allocation, dry_run).await;
        match result {
            Ok(()) => Ok(allocation),
            Err(errors) => {
                allocation.revert(self).await;
                Err(match errors {
                    Failure::Invalid(errors) => ApiError::invalid(info, &owner.name, errors),
                    Failure::Api(error) => error,
                })
            }
        }
    }

    async fn claim_all(
        &self,
        spec: &mut Map<String, Value>,
        old: Option<&Map<String, Value>>,
        allocation: &mut Allocation,
        dry_run: bool,
    ) -> Result<(), Failure> {
        self.claim_ips(spec, old, allocation, dry_run).await?;
        self.claim_node_ports(spec, old, allocation, dry_run).await?;
        self.claim_health_check_port(spec, old, allocation, dry_run).await
    }

    async fn claim_ips(
        &self,
        spec: &mut Map<String, Value>,
        old: Option<&Map<String, Value>>,
        allocation: &mut Allocation,
        dry_run: bool,
    ) -> Result<(), Failure> {
        let held: Vec<IpAddr> = old.map(ips_of).unwrap_or_default();
        let owner = allocation.owner.clone();
        let mut kept = Vec::new();
        if needs_cluster_ip(spec) && cluster_ip(spec) != Some("None") {
            let families: Vec<Option<Family>> = strings(spec.get("ipFamilies"))
                .iter()
                .map(|f| Family::parse(f))
                .collect();
            let mut ips = strings(spec.get("clusterIPs"));
            for (i, family) in families.iter().enumerate() {
                let Some(family) = family else { continue };
                match ips.get(i).filter(|ip| !ip.is_empty()) {
                    Some(requested) => {
                        // Validation reports what is not an address.
                        let Some(ip) = parse_ip(requested) else { continue };
                        if held.contains(&ip) {
                            kept.push(ip);
                            continue;
                        }
                        self.claim_ip(&ip, &strings(spec.get("clusterIPs")), allocation, dry_run)
                            .await?;
                        kept.push(ip);
                    }
                    None => {
                        let ip = self.ips.allocate(*family, &owner, dry_run).await?;
                        if !dry_run {
                            allocation.claimed_ips.push(ip);
                        }
                        kept.push(ip);
                        if i < ips.len() {
                            ips[i] = ip.to_string();
                        } else {
                            ips.push(ip.to_string());
                        }
                    }
                }
            }
            if let Some(first) = ips.first() {
                spec.insert("clusterIP".into(), json!(first));
                spec.insert("clusterIPs".into(), json!(ips));
            }
        }
        allocation.released_ips = held.into_iter().filter(|ip| !kept.contains(ip)).collect();
        Ok(())
    }

    async fn claim_ip(
        &self,
        ip: &IpAddr,
        requested: &[String],
        allocation: &mut Allocation,
        dry_run: bool,
    ) -> Result<(), Failure> {
        let invalid = |reason: &str| {
            Failure::Invalid(vec![FieldError::invalid(
                FieldPath::new("spec").child("clusterIPs"),
                FieldValue::json(requested),
                format!("failed to allocate IP {ip}: {reason}"),
            )])
        };
        if self.ips.range_of(ip).await?.is_none() {
            return Err(invalid("the provided network does not match the current range"));
        }
        let claim = if dry_run {
            match self.ips.available(ip, &allocation.owner).await? {
                true => Claim::Ours,
                false => Claim::Taken,
            }
        } else {
            self.ips.claim(ip, &allocation.owner).await?
        };
        match claim {
            Claim::New => allocation.claimed_ips.push(*ip),
            Claim::Ours => {}
            Claim::Taken => return Err(invalid("provided IP is already allocated")),
        }
        Ok(())
    }

    async fn claim_node_ports(
        &self,
        spec: &mut Map<String, Value>,
        old: Option<&Map<String, Value>>,
        allocation: &mut Allocation,
        dry_run: bool,
    ) -> Result<(), Failure> {
        let held: Vec<u16> = old
            .filter(|o| needs_node_ports(o))
            .map(node_ports_of)
            .unwrap_or_default();
        let mut kept: Vec<u16> = Vec::new();
        if needs_node_ports(spec)
            && let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut)
        {
            // Ports that share a port number (TCP and UDP 53) share a node port.
            let mut by_port: Vec<(i64, u16)> = Vec::new();
            for (i, port) in ports.iter_mut().enumerate() {
                let Some(port) = port.as_object_mut() else { continue };
                let number = port.get("port").and_then(Value::as_i64).unwrap_or(0);
                let requested = port.get("nodePort").and_then(Value::as_i64).unwrap_or(0);
                let path = FieldPath::new("spec").child("ports").index(i).child("nodePort");
                let node_port = if requested != 0 {
                    let Ok(node_port) = u16::try_from(requested) else {
                        continue;
                    };
                    if !held.contains(&node_port) {
                        self.claim_port(node_port, requested, &path, allocation, dry_run)
                            .await?;
                    }
                    node_port
                } else if let Some((_, shared)) = by_port.iter().find(|(n, _)| *n == number) {
                    *shared
                } else {
                    let node_port = self.ports.allocate(&allocation.owner, dry_run).await?;
                    if !dry_run {
                        allocation.claimed_ports.push(node_port);
                    }
                    node_port
                };
                port.insert("nodePort".into(), json!(node_port));
                by_port.push((number, node_port));
                kept.push(node_port);
            }
        }
        if needs_health_check_port(spec)
            && let Some(port) = spec.get("healthCheckNodePort").and_then(Value::as_i64)
            && let Ok(port) = u16::try_from(port)
        {
            kept.push(port);
        }
        let old_health = old
            .filter(|o| needs_health_check_port(o))
            .and_then(|o| o.get("healthCheckNodePort"))
            .and_then(Value::as_i64)
            .and_then(|p| u16::try_from(p).ok());
        allocation.released_ports = held
            .into_iter()
            .chain(old_health)
            .filter(|p| !kept.contains(p))
            .collect();
        Ok(())
    }

    async fn claim_health_check_port(
        &self,
        spec: &mut Map<String, Value>,
        old: Option<&Map<String, Value>>,
        allocation: &mut Allocation,
        dry_run: bool,
    ) -> Result<(), Failure> {
        if !needs_health_check_port(spec) {
            return Ok(());
        }
        let held = old
            .filter(|o| needs_health_check_port(o))
            .and_then(|o| o.get("healthCheckNodePort"))
            .and_then(Value::as_i64);
        let requested = spec.get("healthCheckNodePort").and_then(Value::as_i64).unwrap_or(0);
        let port = if requested != 0 {
            let Ok(port) = u16::try_from(requested) else {
                return Ok(());
            };
            if held != Some(requested) {
                let path = FieldPath::new("spec").child("healthCheckNodePort");
                self.claim_port(port, requested, &path, allocation, dry_run).await?;
            }
            port
        } else {
            let port = self.ports.allocate(&allocation.owner, dry_run).await?;
            if !dry_run {
                allocation.claimed_ports.push(port);
            }
            port
        };
        spec.insert("healthCheckNodePort".into(), json!(port));
        allocation.released_ports.retain(|p| *p != port);
        Ok(())
    }

    async fn claim_port(
        &self,
        port: u16,
        requested: i64,
        path: &FieldPath,
        allocation: &mut Allocation,
        dry_run: bool,
    ) -> Result<(), Failure> {
        let invalid = |reason: String| Failure::Invalid(vec![FieldError::invalid(path, requested, reason)]);
        if !self.ports.range().contains(&port) {
            return Err(invalid(format!(
                "provided port is not in the valid range. The range of valid ports is {}",
                self.ports.range_text()
            )));
        }
        let claim = if dry_run {
            match self.ports.available(port, &allocation.owner).await? {
                true => Claim::Ours,
                false => Claim::Taken,
            }
        } else {
            self.ports.claim(port, &allocation.owner).await?
        };
        match claim {
            Claim::New => allocation.claimed_ports.push(port),
            Claim::Ours => {}
            Claim::Taken => return Err(invalid("provided port is already allocated".into())),
        }
        Ok(())
    }

    /// Releases everything a deleted Service held.
    pub(crate) async fn release(&self, service: &Value) {
        let owner = Owner::of_service(service);
        let Some(spec) = service.get("spec").and_then(Value::as_object) else {
            return;
        };
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
        self.free(&owner, &ips_of(spec), &ports).await;
    }

    async fn free(&self, owner: &Owner, ips: &[IpAddr], ports: &[u16]) {
        for ip in ips {
            if let Err(error) = self.ips.free(ip, owner).await {
                tracing::warn!(%ip, service = %owner.name, %error, "could not release a cluster IP; the repair loop will");
            }
        }
        for port in ports {
            if let Err(error) = self.ports.free(*port, owner).await {
                tracing::warn!(port, service = %owner.name, %error, "could not release a node port; the repair loop will");
            }
        }
    }
}

/// Why a claim failed: the request's values, or the store.
enum Failure {
    Invalid(Vec<FieldError>),
    Api(ApiError),
}

impl From<ApiError> for Failure {
    fn from(error: ApiError) -> Self {
        Failure::Api(error)
    }
}

fn service_type(spec: &Map<String, Value>) -> &str {
    spec.get("type").and_then(Value::as_str).unwrap_or("ClusterIP")
}

fn cluster_ip(spec: &Map<String, Value>) -> Option<&str> {
    spec.get("clusterIP").and_then(Value::as_str)
}

/// Every type but ExternalName has a cluster IP (or is headless).
pub(crate) fn needs_cluster_ip(spec: &Map<String, Value>) -> bool {
    service_type(spec) != "ExternalName"
}

pub(crate) fn needs_node_ports(spec: &Map<String, Value>) -> bool {
    match service_type(spec) {
        "NodePort" => true,
        "LoadBalancer" => spec.get("allocateLoadBalancerNodePorts").and_then(Value::as_bool) != Some(false),
        _ => false,
    }
}

pub(crate) fn needs_health_check_port(spec: &Map<String, Value>) -> bool {
    service_type(spec) == "LoadBalancer" && spec.get("externalTrafficPolicy").and_then(Value::as_str) == Some("Local")
}

/// The real addresses in `clusterIPs` (not `None`).
pub(crate) fn ips_of(spec: &Map<String, Value>) -> Vec<IpAddr> {
    if !needs_cluster_ip(spec) {
        return Vec::new();
    }
    strings(spec.get("clusterIPs"))
        .iter()
        .filter_map(|ip| parse_ip(ip))
        .collect()
}

pub(crate) fn node_ports_of(spec: &Map<String, Value>) -> Vec<u16> {
    let mut ports: Vec<u16> = spec
        .get("ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| p.get("nodePort")?.as_i64())
        .filter_map(|p| u16::try_from(p).ok())
        .filter(|p| *p != 0)
        .collect();
    ports.sort_unstable();
    ports.dedup();
    ports
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}
