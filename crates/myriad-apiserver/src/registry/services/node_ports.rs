//! Node ports (and LoadBalancer health-check node ports): one store key per allocated
//! port under `/registry/ranges/servicenodeports/`, holding the Service that owns it.
//! Creating the key is the allocation, so concurrent creates — on one server or
//! several — can never share a port; deleting it (while the same Service still holds
//! it) is the release. The keys are not an API resource, as upstream's allocation
//! bitmap is not.

use std::collections::HashSet;
use std::ops::RangeInclusive;
use std::sync::Arc;

use myriad_store::{RangeOptions, Revision, Router as StoreRouter};
use serde_json::Value;

use super::cluster_ips::random_below;
use super::{Claim, Owner};
use crate::error::ApiError;
use crate::registry::delete::remove;

const PREFIX: &str = "/registry/ranges/servicenodeports/";
const RANDOM_TRIES: usize = 16;

pub(crate) struct NodePorts {
    store: Arc<StoreRouter>,
    range: RangeInclusive<u16>,
}

impl NodePorts {
    pub(crate) fn new(store: Arc<StoreRouter>, range: RangeInclusive<u16>) -> NodePorts {
        NodePorts { store, range }
    }

    pub(crate) fn range(&self) -> &RangeInclusive<u16> {
        &self.range
    }

    /// `30000-32767`, as error messages print the range.
    pub(crate) fn range_text(&self) -> String {
        format!("{}-{}", self.range.start(), self.range.end())
    }

    fn key(port: u16) -> String {
        format!("{PREFIX}{port}")
    }

    async fn holder(&self, port: u16) -> Result<Option<(Option<Owner>, Revision)>, ApiError> {
        let key = Self::key(port);
        let found = self.store.store_for(key.as_bytes()).get(key.as_bytes(), 0).await?.kv;
        Ok(found.map(|kv| (Owner::decode(&kv.value), kv.mod_revision)))
    }

    pub(crate) async fn claim(&self, port: u16, owner: &Owner) -> Result<Claim, ApiError> {
        let key = Self::key(port);
        let created = self
            .store
            .store_for(key.as_bytes())
            .create(key.as_bytes(), &owner.encode())
            .await?;
        Ok(match created {
            Ok(_) => Claim::New,
            Err(existing) if Owner::decode(&existing.value).as_ref() == Some(owner) => Claim::Ours,
            Err(_) => Claim::Taken,
        })
    }

    pub(crate) async fn available(&self, port: u16, owner: &Owner) -> Result<bool, ApiError> {
        Ok(match self.holder(port).await? {
            None => true,
            Some((holder, _)) => holder.as_ref() == Some(owner),
        })
    }

    pub(crate) async fn free(&self, port: u16, owner: &Owner) -> Result<(), ApiError> {
        if let Some((Some(holder), revision)) = self.holder(port).await?
            && &holder == owner
        {
            let key = Self::key(port);
            remove(self.store.store_for(key.as_bytes()).as_ref(), &key, revision).await?;
        }
        Ok(())
    }

    /// Picks and claims a free port (only picks, with `dry_run`): the upper part of the
    /// range first, the low static band (`min(max(16, size/32), 128)` ports, for ports
    /// users choose) last.
    pub(crate) async fn allocate(&self, owner: &Owner, dry_run: bool) -> Result<u16, ApiError> {
        let (start, end) = (u32::from(*self.range.start()), u32::from(*self.range.end()) + 1);
        let size = end - start;
        let band = (size / 32).clamp(16, 128).min(size);
        let bands = [(start + band)..end, start..(start + band)];
        for band in bands.iter().filter(|b| !b.is_empty()) {
            for _ in 0..RANDOM_TRIES {
                let offset = random_below(u128::from(band.end - band.start)) as u32;
                let port = (band.start + offset) as u16;
                if self.take(port, owner, dry_run).await? {
                    return Ok(port);
                }
            }
        }
        let taken: HashSet<u16> = self.list().await?.into_iter().map(|(port, ..)| port).collect();
        for band in bands.iter().filter(|b| !b.is_empty()) {
            for port in band.clone() {
                let port = port as u16;
                if !taken.contains(&port) && self.take(port, owner, dry_run).await? {
                    return Ok(port);
                }
            }
        }
        Err(ApiError::Internal(
            "failed to allocate a nodePort: range is full".into(),
        ))
    }

    async fn take(&self, port: u16, owner: &Owner, dry_run: bool) -> Result<bool, ApiError> {
        if dry_run {
            return self.available(port, owner).await;
        }
        Ok(matches!(self.claim(port, owner).await?, Claim::New))
    }

    /// Every allocated port, its holder and revision.
    pub(crate) async fn list(&self) -> Result<Vec<(u16, Option<Owner>, Revision)>, ApiError> {
        let listed = self
            .store
            .store_for(PREFIX.as_bytes())
            .range(PREFIX.as_bytes(), RangeOptions::default())
            .await?;
        Ok(listed
            .kvs
            .iter()
            .filter_map(|kv| {
                let port = std::str::from_utf8(&kv.key).ok()?.strip_prefix(PREFIX)?.parse().ok()?;
                Some((port, Owner::decode(&kv.value), kv.mod_revision))
            })
            .collect())
    }

    pub(crate) async fn remove_at(&self, port: u16, revision: Revision) -> Result<bool, ApiError> {
        let key = Self::key(port);
        remove(self.store.store_for(key.as_bytes()).as_ref(), &key, revision).await
    }
}

impl Owner {
    fn encode(&self) -> Vec<u8> {
        serde_json::json!({"namespace": self.namespace, "name": self.name})
            .to_string()
            .into_bytes()
    }

    fn decode(bytes: &[u8]) -> Option<Owner> {
        let value: Value = serde_json::from_slice(bytes).ok()?;
        Some(Owner {
            namespace: value.get("namespace")?.as_str()?.to_string(),
            name: value.get("name")?.as_str()?.to_string(),
        })
    }
}
