//! API Priority and Fairness (`flowcontrol.apiserver.k8s.io/v1`): every request is
//! classified by the FlowSchemas into a priority level, whose seats bound how many of
//! its requests run at once; the rest wait in fair queues, one flow (user or
//! namespace) per queue hand, and overflow is refused with 429. The configuration is
//! the stored FlowSchema and PriorityLevelConfiguration objects, Kubernetes' defaults
//! put in place at start, followed through the watch cache so edits apply at once.

pub mod classify;
pub mod defaults;
pub mod levels;
pub mod queueset;

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use myriad_api::registry;
use myriad_store::Router as StoreRouter;
use parking_lot::RwLock;
use serde_json::Value;

pub use queueset::{Rejection, Seats};

use crate::authn::UserInfo;
use crate::authz::Attributes;
use crate::cache::{self, Caches};
use crate::error::ApiError;
use crate::storage::ensure::{self, Ensured, ensure_all};
use crate::tasks::Tasks;

const GROUP: &str = "flowcontrol.apiserver.k8s.io";
/// Objects whose spec is always restored (upstream's mandatory configuration).
const MANDATORY: &[&str] = &["exempt", "catch-all"];
const AUTOUPDATE: &str = "apf.kubernetes.io/autoupdate-spec";
/// How long a request may wait in a queue (upstream: a quarter of the 60 s request
/// timeout).
pub const QUEUE_WAIT: Duration = Duration::from_secs(15);

/// The configuration in force.
#[derive(Default)]
struct Config {
    schemas: classify::Schemas,
    levels: HashMap<String, levels::Level>,
}

/// A request's place: the schema and level that took it, and the seats it holds
/// (none for the exempt level) until it is answered.
pub struct Admission {
    pub schema: String,
    pub schema_uid: String,
    pub level: String,
    pub level_uid: String,
    pub seats: Option<Seats>,
}

/// A refused request: where it was classified, and why.
pub struct Refusal {
    pub schema: String,
    pub schema_uid: String,
    pub level: String,
    pub level_uid: String,
    pub reason: Rejection,
}

/// Priority and fairness for the whole server.
pub struct FlowControl {
    /// Seats of the whole server (`--max-requests-inflight` +
    /// `--max-mutating-requests-inflight`).
    total: usize,
    config: RwLock<Arc<Config>>,
}

impl FlowControl {
    pub fn new(total: usize) -> Arc<Self> {
        Arc::new(FlowControl {
            total: total.max(1),
            config: RwLock::default(),
        })
    }

    /// Classifies a request and waits for its seats. Until the configuration is
    /// loaded, requests go through unlimited.
    pub async fn admit(&self, user: &UserInfo, request: &Attributes, seats: usize) -> Result<Admission, Refusal> {
        let config = self.config.read().clone();
        let Some(found) = config
            .schemas
            .classify(user, request, |l| config.levels.contains_key(l))
        else {
            return Ok(Admission {
                schema: String::new(),
                schema_uid: String::new(),
                level: String::new(),
                level_uid: String::new(),
                seats: None,
            });
        };
        let level = &config.levels[found.level];
        let place = (
            found.schema.to_string(),
            found.schema_uid.to_string(),
            found.level.to_string(),
            level.uid.clone(),
        );
        let seats = match &level.seats {
            None => None,
            Some(set) => match set.acquire(found.flow, seats, QUEUE_WAIT).await {
                Ok(held) => Some(held),
                Err(reason) => {
                    let (schema, schema_uid, level, level_uid) = place;
                    return Err(Refusal {
                        schema,
                        schema_uid,
                        level,
                        level_uid,
                        reason,
                    });
                }
            },
        };
        let (schema, schema_uid, level, level_uid) = place;
        Ok(Admission {
            schema,
            schema_uid,
            level,
            level_uid,
            seats,
        })
    }

    /// Seats in use and requests waiting, by level (for metrics).
    pub fn load(&self) -> Vec<(String, usize, usize)> {
        let config = self.config.read().clone();
        config
            .levels
            .iter()
            .filter_map(|(name, level)| level.seats.as_ref().map(|s| (name, s.load())))
            .map(|(name, (in_use, waiting))| (name.clone(), in_use, waiting))
            .collect()
    }

    /// Follows the stored configuration; returns once it is loaded (or after `wait`).
    pub async fn follow(self: &Arc<Self>, caches: Arc<Caches>, wait: Duration, tasks: &Tasks) {
        let this: Weak<Self> = Arc::downgrade(self);
        let infos = ["flowschemas", "prioritylevelconfigurations"]
            .into_iter()
            .filter_map(|r| registry::lookup(GROUP, "v1", r))
            .collect();
        let loaded = cache::follow(caches, infos, wait, tasks, move |objects| {
            let Some(this) = this.upgrade() else { return false };
            this.install(&objects[0], &objects[1]);
            true
        })
        .await;
        if !loaded {
            tracing::warn!(
                "flow control configuration not loaded within {wait:?}; requests are not limited until it is"
            );
        }
    }

    fn install(&self, schemas: &[Value], levels: &[Value]) {
        let previous = self.config.read().clone();
        let config = Config {
            schemas: classify::Schemas::compile(schemas),
            levels: levels::compile(levels, self.total, &previous.levels),
        };
        *self.config.write() = Arc::new(config);
    }
}

/// Puts Kubernetes' default FlowSchemas and PriorityLevelConfigurations in place: a
/// missing one is created; the mandatory ones (`exempt`, `catch-all`) always get their
/// spec back, the suggested ones while annotated `apf.kubernetes.io/autoupdate-spec:
/// "true"`.
pub async fn ensure_defaults(store: &StoreRouter) -> Result<(), ApiError> {
    let (schemas, levels) = defaults::objects().map_err(|e| ApiError::Internal(e.to_string()))?;
    let reconcile = |current: &mut Value, default: &Value| {
        let name = current
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let update = MANDATORY.contains(&name) || ensure::annotation(current, AUTOUPDATE) != Some("false");
        if !update || current.get("spec") == default.get("spec") {
            return false;
        }
        current["spec"] = default["spec"].clone();
        true
    };
    let mut outcomes = ensure_all(store, GROUP, levels, reconcile).await?;
    outcomes.extend(ensure_all(store, GROUP, schemas, reconcile).await?);
    let created = outcomes.iter().filter(|o| **o == Ensured::Created).count();
    tracing::info!(created, "flow control defaults in place");
    Ok(())
}
