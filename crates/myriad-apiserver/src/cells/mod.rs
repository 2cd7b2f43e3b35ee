//! Tenant cells (seed 002's CELL): a cell groups the namespaces of one platform or
//! tenant and gives them, together, an API request quota (requests per second by verb
//! class) and a storage quota (objects and bytes by resource), so one tenant cannot
//! exhaust the control plane for the others. Cells are `Cell` objects
//! (`tenancy.myriad.io/v1alpha1`, cluster-scoped), followed through the watch cache:
//!
//! ```yaml
//! apiVersion: tenancy.myriad.io/v1alpha1
//! kind: Cell
//! metadata: {name: payments}
//! spec:
//!   namespaces: [payments, "payments-*"]     # names; a trailing * is a prefix
//!   requests: {read: 200, write: 50}         # per second, all namespaces together
//!   storage:
//!     pods: {objects: 5000, bytes: 20Mi}
//!     configmaps: {objects: 500}
//! ```
//!
//! The request quota refuses with 429 and `Retry-After`; the storage quota refuses a
//! create (or an update that grows an object) with 403 naming the quota, the request
//! and the usage, as Kubernetes' ResourceQuota does. Members of `system:masters` are
//! not limited by request quotas. Storage usage is kept incrementally from the watch
//! cache ([`usage`]); a write reserves what it adds without holding a lock across its
//! commit.

mod usage;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use myriad_api::registry::{self, ResourceInfo};
use parking_lot::{Mutex, RwLock};
use serde::Deserialize;
use serde_json::Value;

use myriad_store::Revision;

use self::usage::{Counted, Ledger, Reservation};
use crate::authz::Attributes;
use crate::cache::{self, ApplyObserver, Cacher, Caches};
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::tasks::Tasks;

pub const GROUP: &str = "tenancy.myriad.io";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CellObject {
    metadata: Metadata,
    spec: CellSpec,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Metadata {
    name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CellSpec {
    namespaces: Vec<String>,
    requests: Option<RequestQuota>,
    storage: BTreeMap<String, StorageQuota>,
}

/// Requests per second, by verb class.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct RequestQuota {
    pub read: Option<f64>,
    pub write: Option<f64>,
}

/// Objects and bytes of one resource.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct StorageQuota {
    pub objects: Option<usize>,
    pub bytes: Option<Value>,
}

/// One cell in force.
struct Cell {
    name: Arc<str>,
    /// Exact namespaces, and prefixes (from `name-*`).
    namespaces: Vec<String>,
    prefixes: Vec<String>,
    read: Option<Bucket>,
    write: Option<Bucket>,
    /// By `resource[.group]`: (objects, bytes).
    storage: HashMap<String, (Option<usize>, Option<usize>)>,
}

impl Cell {
    fn holds(&self, namespace: &str) -> bool {
        self.namespaces.iter().any(|n| n == namespace)
            || self.prefixes.iter().any(|p| namespace.starts_with(p.as_str()))
    }

    /// The storage-key prefixes of the cell's namespaces for `info`.
    fn key_prefixes(&self, info: &ResourceInfo) -> Vec<String> {
        let exact = self.namespaces.iter().map(|n| info.namespace_prefix(Some(n)));
        let prefixed = self
            .prefixes
            .iter()
            .map(|p| format!("{}{p}", info.namespace_prefix(None)));
        exact.chain(prefixed).collect()
    }
}

/// A token bucket of `rate` per second, holding a second's worth.
struct Bucket {
    rate: f64,
    state: Mutex<(f64, Instant)>,
}

impl Bucket {
    fn new(rate: f64) -> Self {
        Bucket {
            rate,
            state: Mutex::new((rate.max(1.0), Instant::now())),
        }
    }

    /// Takes a token, or says how many seconds until one is there.
    fn take(&self) -> Result<(), u64> {
        let mut state = self.state.lock();
        let now = Instant::now();
        let (tokens, updated) = *state;
        let tokens =
            (tokens + now.saturating_duration_since(updated).as_secs_f64() * self.rate).min(self.rate.max(1.0));
        if tokens >= 1.0 {
            *state = (tokens - 1.0, now);
            return Ok(());
        }
        *state = (tokens, now);
        if self.rate <= 0.0 {
            return Err(60);
        }
        Err(((1.0 - tokens) / self.rate).ceil().max(1.0) as u64)
    }
}

/// Every cell, and the quotas they enforce.
pub struct Cells {
    cells: RwLock<Arc<Snapshot>>,
    ledger: Ledger,
    metrics: Arc<Metrics>,
}

/// The cells in force, and the resources any of them limits.
#[derive(Default)]
struct Snapshot {
    cells: Vec<Arc<Cell>>,
    limited: HashSet<String>,
}

/// A write admitted by a storage quota: what it adds stays reserved until the write
/// fails (drop it) or the cache has applied it (after [`Quota::committed`]).
pub struct Quota {
    cells: Arc<Cells>,
    cell: Arc<str>,
    resource: String,
    id: Option<u64>,
}

impl Quota {
    /// The write committed at `revision`.
    pub fn committed(mut self, revision: Revision) {
        if let Some(id) = self.id.take() {
            self.cells.ledger.committed(&self.cell, &self.resource, id, revision);
        }
    }
}

impl Drop for Quota {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            self.cells.ledger.release(&self.cell, &self.resource, id);
        }
    }
}

impl Cells {
    pub fn new(metrics: Arc<Metrics>) -> Arc<Self> {
        Arc::new(Cells {
            cells: RwLock::default(),
            ledger: Ledger::default(),
            metrics,
        })
    }

    fn cell_of(&self, namespace: &str) -> Option<Arc<Cell>> {
        if namespace.is_empty() {
            return None;
        }
        self.cells.read().cells.iter().find(|c| c.holds(namespace)).cloned()
    }

    /// Charges a request in `attributes.namespace` to its cell's request quota.
    pub fn charge(&self, attributes: &Attributes) -> Result<(), ApiError> {
        let Some(cell) = self.cell_of(&attributes.namespace) else {
            return Ok(());
        };
        let (class, bucket) = match attributes.verb.as_str() {
            "get" | "list" | "watch" => ("read", &cell.read),
            _ => ("write", &cell.write),
        };
        self.metrics.cell_request(&cell.name, class);
        let Some(bucket) = bucket else { return Ok(()) };
        bucket.take().map_err(|retry_after| {
            self.metrics.cell_throttled(&cell.name, class);
            ApiError::TooManyRequests {
                message: format!(
                    "cell {:?} request quota exceeded: {} {class} requests per second",
                    cell.name, bucket.rate
                ),
                retry_after,
            }
        })
    }

    /// Checks that writing `bytes` of `info` as `name` in `namespace` keeps its cell
    /// within its storage quota, and reserves what the write adds; the caller marks the
    /// returned [`Quota`] committed once the write is stored (or drops it).
    ///
    /// A write the quota would refuse is checked once more after the cache has caught
    /// up with the store, so an object just deleted (or shrunk) frees its room at once.
    pub async fn reserve(
        self: &Arc<Self>,
        caches: &Caches,
        info: &ResourceInfo,
        namespace: &str,
        name: &str,
        bytes: usize,
    ) -> Result<Option<Quota>, ApiError> {
        let refused = match self.try_reserve(caches, info, namespace, name, bytes) {
            Err(refused @ ApiError::Forbidden { .. }) => refused,
            other => return other,
        };
        let Some(cacher) = caches.get(info) else {
            return Err(refused);
        };
        cacher.catch_up().await;
        self.try_reserve(caches, info, namespace, name, bytes)
    }

    fn try_reserve(
        self: &Arc<Self>,
        caches: &Caches,
        info: &ResourceInfo,
        namespace: &str,
        name: &str,
        bytes: usize,
    ) -> Result<Option<Quota>, ApiError> {
        let Some(cell) = self.cell_of(namespace) else {
            return Ok(None);
        };
        let resource = info.group_resource();
        let Some(&(max_objects, max_bytes)) = cell.storage.get(&resource) else {
            return Ok(None);
        };
        let unknown = || ApiError::TooManyRequests {
            message: format!("cell {:?} usage of {resource} is not known yet", cell.name),
            retry_after: 1,
        };
        let cacher = caches.get(info).ok_or_else(unknown)?;
        let key = info.storage_key(Some(namespace), name);
        let existing = cacher.object(&key).ok_or_else(unknown)?.map(|json| json.len());
        let adds_object = usize::from(existing.is_none());
        let growth = bytes as isize - existing.unwrap_or(0) as isize;
        let prefixes = cell.key_prefixes(info);
        let count = || count_in(&cacher, &prefixes);
        let admit = |used: usage::Check| -> Result<(), ApiError> {
            self.metrics.cell_usage(&cell.name, &resource, used.objects, used.bytes);
            let over_objects = max_objects.filter(|max| adds_object > 0 && used.objects + 1 > *max);
            let after_bytes = (used.bytes as isize + growth).max(0) as usize;
            let over_bytes = max_bytes.filter(|max| growth > 0 && after_bytes > *max);
            if over_objects.is_none() && over_bytes.is_none() {
                return Ok(());
            }
            self.metrics.cell_refused(&cell.name, &resource);
            let mut requested = Vec::new();
            let mut usage = Vec::new();
            let mut limited = Vec::new();
            if let Some(max) = over_objects {
                requested.push(format!("{resource}=1"));
                usage.push(format!("{resource}={}", used.objects));
                limited.push(format!("{resource}={max}"));
            }
            if let Some(max) = over_bytes {
                requested.push(format!("{resource}.bytes={bytes}"));
                usage.push(format!("{resource}.bytes={}", used.bytes));
                limited.push(format!("{resource}.bytes={max}"));
            }
            Err(ApiError::Forbidden {
                group_resource: info.into(),
                name: name.to_string(),
                message: format!(
                    "exceeded cell quota: {}, requested: {}, used: {}, limited: {}",
                    cell.name,
                    requested.join(","),
                    usage.join(","),
                    limited.join(",")
                ),
            })
        };
        match self
            .ledger
            .reserve(&cell.name, &resource, adds_object, growth, count, admit)
        {
            Ok(id) => Ok(Some(Quota {
                cells: self.clone(),
                cell: cell.name.clone(),
                resource,
                id,
            })),
            Err(Reservation::Unknown) => Err(unknown()),
            Err(Reservation::Refused(error)) => Err(error),
        }
    }

    /// Publishes every cell's usage of its quota'd resources (at scrape time).
    pub fn record_usage(&self, caches: &Caches, resources: &[Arc<ResourceInfo>]) {
        let snapshot = self.cells.read().clone();
        for cell in &snapshot.cells {
            for resource in cell.storage.keys() {
                let Some(info) = resources.iter().find(|i| i.group_resource() == *resource) else {
                    continue;
                };
                let Some(cacher) = caches.get(info) else { continue };
                let prefixes = cell.key_prefixes(info);
                let count = || count_in(&cacher, &prefixes);
                if let Some((objects, bytes)) = self.ledger.usage(&cell.name, resource, count) {
                    self.metrics.cell_usage(&cell.name, resource, objects, bytes);
                }
            }
        }
    }

    /// Follows the stored cells.
    pub async fn follow(self: &Arc<Self>, caches: Arc<Caches>, wait: Duration, tasks: &Tasks) {
        let this: Weak<Self> = Arc::downgrade(self);
        let infos = registry::lookup(GROUP, "v1alpha1", "cells").into_iter().collect();
        let loaded = cache::follow(caches, infos, wait, tasks, move |objects| {
            let Some(this) = this.upgrade() else { return false };
            this.install(&objects[0]);
            true
        })
        .await;
        if !loaded {
            tracing::warn!("cells not loaded within {wait:?}; no cell quota applies until they are");
        }
    }

    fn install(&self, objects: &[Value]) {
        let previous = self.cells.read().clone();
        let mut cells: Vec<Arc<Cell>> = objects
            .iter()
            .filter_map(|o| CellObject::deserialize(o).ok())
            .map(|object| Arc::new(compile(object, &previous.cells)))
            .collect();
        cells.sort_by(|a, b| a.name.cmp(&b.name));
        let limited = cells.iter().flat_map(|c| c.storage.keys().cloned()).collect();
        *self.cells.write() = Arc::new(Snapshot { cells, limited });
        // Namespaces may have moved between cells: count every tally again.
        self.ledger.recount(|_, _| true);
    }
}

fn compile(object: CellObject, previous: &[Arc<Cell>]) -> Cell {
    let (prefixes, namespaces): (Vec<String>, Vec<String>) =
        object.spec.namespaces.into_iter().partition(|n| n.ends_with('*'));
    let prefixes = prefixes
        .into_iter()
        .map(|p| p.trim_end_matches('*').to_string())
        .collect();
    let old = previous.iter().find(|c| *c.name == *object.metadata.name);
    let bucket = |rate: Option<f64>, old: Option<&Bucket>| {
        rate.filter(|r| r.is_finite() && *r >= 0.0).map(|rate| match old {
            Some(b) if b.rate == rate => Bucket {
                rate,
                state: Mutex::new(*b.state.lock()),
            },
            _ => Bucket::new(rate),
        })
    };
    let requests = object.spec.requests.unwrap_or_default();
    let storage = object
        .spec
        .storage
        .into_iter()
        .map(|(resource, quota)| (resource, (quota.objects, quota.bytes.as_ref().and_then(parse_bytes))))
        .collect();
    Cell {
        read: bucket(requests.read, old.and_then(|c| c.read.as_ref())),
        write: bucket(requests.write, old.and_then(|c| c.write.as_ref())),
        name: object.metadata.name.into(),
        namespaces,
        prefixes,
        storage,
    }
}

/// What the cache holds under `prefixes`, for a tally counted afresh.
fn count_in(cacher: &Cacher, prefixes: &[String]) -> Option<Counted> {
    let usage = cacher.usage(prefixes, "")?;
    Some(Counted {
        objects: usage.objects,
        bytes: usage.bytes,
        revision: usage.revision,
    })
}

/// The cell quotas' view of what the watch cache applies.
impl ApplyObserver for Cells {
    fn applied(
        &self,
        resource: &str,
        prefix: &str,
        key: &str,
        before: Option<usize>,
        after: Option<usize>,
        revision: Revision,
    ) {
        let snapshot = self.cells.read().clone();
        if !snapshot.limited.contains(resource) {
            return;
        }
        let namespace = key
            .get(prefix.len()..)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or("");
        if let Some(cell) = snapshot
            .cells
            .iter()
            .find(|c| !namespace.is_empty() && c.holds(namespace))
        {
            self.ledger.applied(&cell.name, resource, before, after, revision);
        }
    }

    fn progressed(&self, resource: &str, revision: Revision) {
        if self.cells.read().limited.contains(resource) {
            self.ledger.progressed(resource, revision);
        }
    }

    fn reset(&self, resource: &str) {
        self.ledger.recount(|_, tallied| tallied == resource);
    }
}

/// A byte count: a number, or a quantity string (`512Ki`, `20Mi`, `1Gi`, `10M`).
fn parse_bytes(value: &Value) -> Option<usize> {
    if let Some(n) = value.as_u64() {
        return usize::try_from(n).ok();
    }
    let text = value.as_str()?.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let number: usize = number.parse().ok()?;
    let factor: usize = match suffix {
        "" => 1,
        "Ki" => 1 << 10,
        "Mi" => 1 << 20,
        "Gi" => 1 << 30,
        "k" => 1_000,
        "M" => 1_000_000,
        "G" => 1_000_000_000,
        _ => return None,
    };
    number.checked_mul(factor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cell(spec: Value) -> Cell {
        let object = CellObject::deserialize(json!({"metadata": {"name": "c"}, "spec": spec})).unwrap();
        compile(object, &[])
    }

    #[test]
    fn namespaces_match_by_name_or_prefix() {
        let cell = cell(json!({"namespaces": ["payments", "team-*"]}));
        assert!(cell.holds("payments") && cell.holds("team-a") && cell.holds("team-"));
        assert!(!cell.holds("payments-x") && !cell.holds("team") && !cell.holds("other"));
        let pods = registry::lookup("", "v1", "pods").unwrap();
        assert_eq!(
            cell.key_prefixes(pods),
            ["/registry/pods/payments/", "/registry/pods/team-"]
        );
    }

    #[test]
    fn byte_quantities() {
        assert_eq!(parse_bytes(&json!(4096)), Some(4096));
        assert_eq!(parse_bytes(&json!("8Ki")), Some(8192));
        assert_eq!(parse_bytes(&json!("20Mi")), Some(20 << 20));
        assert_eq!(parse_bytes(&json!("10M")), Some(10_000_000));
        assert_eq!(parse_bytes(&json!("lots")), None);
        assert_eq!(parse_bytes(&json!("1Pi")), None);
    }

    #[test]
    fn request_quotas_refill_at_their_rate() {
        let bucket = Bucket::new(2.0);
        assert!(bucket.take().is_ok() && bucket.take().is_ok());
        assert_eq!(bucket.take(), Err(1));
        let stopped = Bucket::new(0.0);
        assert!(stopped.take().is_ok(), "a second's worth, at least one");
        assert_eq!(stopped.take(), Err(60));
    }
}
