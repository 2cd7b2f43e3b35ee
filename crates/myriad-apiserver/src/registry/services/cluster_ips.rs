//! Cluster IPs as Kubernetes 1.33 records them: one cluster-scoped `IPAddress` object
//! (networking.k8s.io/v1) per allocated address, named by the address, its
//! `spec.parentRef` naming the Service. Creating that object is the allocation —
//! the store refuses a second create of one key, so two API servers can never hand
//! out one address twice — and deleting it is the release.
//!
//! Addresses come from the `--service-cluster-ip-range` blocks (one per family,
//! primary first) and, for addresses a user asks for, from any ServiceCIDR object.

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::Arc;

use myriad_api::registry::{BUILTIN, ResourceInfo};
use myriad_store::{RangeOptions, Router as StoreRouter};
use serde_json::{Value, json};

use super::ip_range::{Family, IpRange, parse_ip};
use super::{Claim, Owner};
use crate::error::ApiError;
use crate::meta::prepare_own;
use crate::registry::delete::remove;
use crate::storage::codec::{decode_stored, encode};

/// Random draws from a band before falling back to a scan of what is taken.
const RANDOM_TRIES: usize = 16;

pub(crate) const FAMILY_LABEL: &str = "ipaddress.kubernetes.io/ip-family";
pub(crate) const MANAGED_BY_LABEL: &str = "ipaddress.kubernetes.io/managed-by";
pub(crate) const MANAGED_BY: &str = "ipallocator.k8s.io";

pub(crate) struct ClusterIps {
    store: Arc<StoreRouter>,
    info: &'static ResourceInfo,
    cidrs: &'static ResourceInfo,
    ranges: Vec<IpRange>,
}

impl ClusterIps {
    pub(crate) fn new(store: Arc<StoreRouter>, ranges: Vec<IpRange>) -> Result<ClusterIps, ApiError> {
        Ok(ClusterIps {
            store,
            info: builtin("IPAddress")?,
            cidrs: builtin("ServiceCIDR")?,
            ranges,
        })
    }

    /// The configured blocks, primary first.
    pub(crate) fn ranges(&self) -> &[IpRange] {
        &self.ranges
    }

    pub(crate) fn families(&self) -> impl Iterator<Item = Family> + '_ {
        self.ranges.iter().map(IpRange::family)
    }

    fn key(&self, ip: &IpAddr) -> String {
        self.info.storage_key(None, &ip.to_string())
    }

    /// Records `ip` as `owner`'s. `Ours` when it already was (a repeated claim).
    pub(crate) async fn claim(&self, ip: &IpAddr, owner: &Owner) -> Result<Claim, ApiError> {
        let key = self.key(ip);
        let mut object = json!({
            "apiVersion": "networking.k8s.io/v1",
            "kind": "IPAddress",
            "metadata": {
                "name": ip.to_string(),
                "labels": {
                    FAMILY_LABEL: Family::of(ip).name(),
                    MANAGED_BY_LABEL: MANAGED_BY,
                },
            },
            "spec": {"parentRef": {
                "resource": "services",
                "namespace": owner.namespace,
                "name": owner.name,
            }},
        });
        prepare_own(&mut object, self.info, None);
        let backend = self.store.store_for(key.as_bytes());
        match backend.create(key.as_bytes(), &encode(&object, self.info)?).await? {
            Ok(_) => Ok(Claim::New),
            Err(existing) => Ok(match Owner::of_ip_address(&decode_stored(&existing)?) {
                Some(holder) if &holder == owner => Claim::Ours,
                _ => Claim::Taken,
            }),
        }
    }

    /// Whether `ip` is free or already `owner`'s (a dry run's check).
    pub(crate) async fn available(&self, ip: &IpAddr, owner: &Owner) -> Result<bool, ApiError> {
        let key = self.key(ip);
        let found = self.store.store_for(key.as_bytes()).get(key.as_bytes(), 0).await?.kv;
        Ok(match found {
            None => true,
            Some(kv) => Owner::of_ip_address(&decode_stored(&kv)?).as_ref() == Some(owner),
        })
    }

    /// Releases `ip` if `owner` still holds it.
    pub(crate) async fn free(&self, ip: &IpAddr, owner: &Owner) -> Result<(), ApiError> {
        let key = self.key(ip);
        let backend = self.store.store_for(key.as_bytes());
        let Some(kv) = backend.get(key.as_bytes(), 0).await?.kv else {
            return Ok(());
        };
        if Owner::of_ip_address(&decode_stored(&kv)?).as_ref() == Some(owner) {
            remove(backend.as_ref(), &key, kv.mod_revision).await?;
        }
        Ok(())
    }

    /// The block `ip` may be allocated from: a configured one, or a ServiceCIDR's.
    pub(crate) async fn range_of(&self, ip: &IpAddr) -> Result<Option<IpRange>, ApiError> {
        if let Some(range) = self.ranges.iter().find(|r| r.allocatable(ip)) {
            return Ok(Some(*range));
        }
        let prefix = self.cidrs.storage_prefix();
        let listed = self
            .store
            .store_for(prefix.as_bytes())
            .range(prefix.as_bytes(), RangeOptions::default())
            .await?;
        for kv in &listed.kvs {
            let object = decode_stored(kv)?;
            let cidrs = object.pointer("/spec/cidrs").and_then(Value::as_array);
            for cidr in cidrs.into_iter().flatten().filter_map(Value::as_str) {
                if let Ok(range) = IpRange::parse(cidr)
                    && range.allocatable(ip)
                {
                    return Ok(Some(range));
                }
            }
        }
        Ok(None)
    }

    /// Picks and claims a free address of `family` for `owner` (only picks, with
    /// `dry_run`): random draws from the upper band, then from the static band, then a
    /// scan of both past what is taken.
    pub(crate) async fn allocate(&self, family: Family, owner: &Owner, dry_run: bool) -> Result<IpAddr, ApiError> {
        let range = self
            .ranges
            .iter()
            .find(|r| r.family() == family)
            .ok_or_else(|| ApiError::Internal(format!("no {} service range is configured", family.name())))?;
        for band in range.bands() {
            if band.is_empty() {
                continue;
            }
            for _ in 0..RANDOM_TRIES {
                let ip = range.at(band.start + random_below(band.end - band.start));
                if self.take(&ip, owner, dry_run).await? {
                    return Ok(ip);
                }
            }
        }
        let taken = self.taken().await?;
        for band in range.bands() {
            let len = band.end - band.start;
            if len == 0 {
                continue;
            }
            let start = random_below(len);
            for step in 0..len {
                let ip = range.at(band.start + (start + step) % len);
                if !taken.contains(&ip) && self.take(&ip, owner, dry_run).await? {
                    return Ok(ip);
                }
            }
        }
        Err(ApiError::Internal(
            "failed to allocate a serviceIP: range is full".into(),
        ))
    }

    async fn take(&self, ip: &IpAddr, owner: &Owner, dry_run: bool) -> Result<bool, ApiError> {
        if dry_run {
            return self.available(ip, owner).await;
        }
        Ok(matches!(self.claim(ip, owner).await?, Claim::New))
    }

    /// Every recorded address.
    async fn taken(&self) -> Result<HashSet<IpAddr>, ApiError> {
        Ok(self.list().await?.into_iter().map(|(ip, ..)| ip).collect())
    }

    /// Every IPAddress object: its address, its parent (if a Service), whether this
    /// allocator manages it, and its revision.
    pub(crate) async fn list(&self) -> Result<Vec<(IpAddr, Option<Owner>, bool, i64)>, ApiError> {
        let prefix = self.info.storage_prefix();
        let listed = self
            .store
            .store_for(prefix.as_bytes())
            .range(prefix.as_bytes(), RangeOptions::default())
            .await?;
        let mut out = Vec::with_capacity(listed.kvs.len());
        for kv in &listed.kvs {
            let object = decode_stored(kv)?;
            let Some(ip) = object
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .and_then(parse_ip)
            else {
                continue;
            };
            let managed = object.pointer(&format!("/metadata/labels/{}", MANAGED_BY_LABEL.replace('/', "~1")))
                == Some(&json!(MANAGED_BY));
            out.push((ip, Owner::of_ip_address(&object), managed, kv.mod_revision));
        }
        Ok(out)
    }

    /// Deletes the IPAddress of `ip` if it is still at `revision` (the repair loop's
    /// release of a leaked address).
    pub(crate) async fn remove_at(&self, ip: &IpAddr, revision: i64) -> Result<bool, ApiError> {
        let key = self.key(ip);
        remove(self.store.store_for(key.as_bytes()).as_ref(), &key, revision).await
    }
}

fn builtin(kind: &str) -> Result<&'static ResourceInfo, ApiError> {
    BUILTIN
        .iter()
        .find(|r| r.group == "networking.k8s.io" && r.kind == kind)
        .ok_or_else(|| ApiError::Internal(format!("no built-in {kind}")))
}

/// A uniform draw from `0..n` (`n` > 0).
pub(crate) fn random_below(n: u128) -> u128 {
    let draw = (u128::from(fastrand::u64(..)) << 64) | u128::from(fastrand::u64(..));
    draw % n.max(1)
}
