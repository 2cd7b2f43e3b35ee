//! Per-user-agent rate limits, changed at runtime (seed 004's flood prevention: throttle
//! the one buggy client by its user agent without a restart). The limits are the data
//! of the ConfigMap `kube-system/myriad-user-agent-limits`, one entry per user-agent
//! prefix: `PREFIX QPS[,BURST]` under a key of one's choosing (ConfigMap keys may not
//! hold the `/` most user agents contain), or just `QPS[,BURST]` under a key that is
//! itself the prefix. A request whose `User-Agent` starts with a prefix (the longest
//! that matches) draws from that prefix's token bucket, shared by every client with such
//! a user agent, and gets 429 with `Retry-After` when it is empty.
//! Members of `system:masters` are never throttled. The ConfigMap is re-read every
//! second from the watch cache.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use myriad_api::registry;
use parking_lot::{Mutex, RwLock};
use serde_json::Value;

use crate::cache::Caches;
use crate::tasks::Tasks;

pub const NAMESPACE: &str = "kube-system";
pub const NAME: &str = "myriad-user-agent-limits";
/// How often the ConfigMap is re-read.
const RELOAD: Duration = Duration::from_secs(1);

/// One user agent's allowance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limit {
    pub qps: f64,
    pub burst: f64,
}

impl Limit {
    /// `QPS` or `QPS,BURST` (burst defaults to max(1, QPS)).
    pub fn parse(text: &str) -> Option<Limit> {
        let mut parts = text.split(',').map(str::trim);
        let qps: f64 = parts.next()?.parse().ok()?;
        let burst: f64 = match parts.next() {
            Some(b) => b.parse().ok()?,
            None => qps.max(1.0),
        };
        (qps.is_finite() && qps >= 0.0 && burst.is_finite() && burst >= 1.0 && parts.next().is_none())
            .then_some(Limit { qps, burst })
    }
}

struct Bucket {
    limit: Limit,
    tokens: f64,
    updated: Instant,
}

impl Bucket {
    /// Takes a token; otherwise the seconds until one is available.
    fn take(&mut self, now: Instant) -> Result<(), u64> {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.limit.qps).min(self.limit.burst);
        self.updated = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        if self.limit.qps <= 0.0 {
            return Err(60);
        }
        Err(((1.0 - self.tokens) / self.limit.qps).ceil().max(1.0) as u64)
    }
}

/// The limits in force and their buckets.
#[derive(Default)]
pub struct UserAgentLimits {
    /// (prefix, bucket), longest prefix first.
    buckets: RwLock<Vec<(String, Arc<Mutex<Bucket>>)>>,
    /// The ConfigMap's resourceVersion the buckets were built from.
    version: Mutex<Option<String>>,
}

impl UserAgentLimits {
    /// Draws a token for `user_agent`: `Err(seconds)` to retry after when it is
    /// throttled; the matched prefix is returned for metrics.
    pub fn check(&self, user_agent: &str) -> Result<(), (String, u64)> {
        let buckets = self.buckets.read();
        let Some((prefix, bucket)) = buckets.iter().find(|(p, _)| user_agent.starts_with(p.as_str())) else {
            return Ok(());
        };
        bucket
            .lock()
            .take(Instant::now())
            .map_err(|wait| (prefix.clone(), wait))
    }

    /// Replaces the limits with those of a ConfigMap's `data` (invalid entries are
    /// skipped with a warning); buckets of unchanged limits keep their tokens.
    pub fn install(&self, data: &serde_json::Map<String, Value>) {
        let now = Instant::now();
        let old = self.buckets.read().clone();
        let mut buckets: Vec<(String, Arc<Mutex<Bucket>>)> = data
            .iter()
            .filter_map(|(key, value)| {
                let text = value.as_str().unwrap_or("").trim();
                // `PREFIX QPS[,BURST]`: the limit is the last word.
                let (prefix, limit) = match text.rsplit_once(char::is_whitespace) {
                    Some((prefix, limit)) => (prefix.trim_end().to_string(), Limit::parse(limit)),
                    None => (key.clone(), Limit::parse(text)),
                };
                if limit.is_none() {
                    tracing::warn!(%key, ?value, "ignoring a user-agent limit (want \"PREFIX QPS[,BURST]\" or \"QPS[,BURST]\")");
                }
                Some((prefix, limit?))
            })
            .filter(|(prefix, _)| !prefix.is_empty())
            .map(|(prefix, limit)| {
                let kept = old
                    .iter()
                    .find(|(p, b)| *p == prefix && b.lock().limit == limit)
                    .map(|(_, b)| b.clone());
                let bucket = kept.unwrap_or_else(|| {
                    Arc::new(Mutex::new(Bucket {
                        limit,
                        tokens: limit.burst,
                        updated: now,
                    }))
                });
                (prefix, bucket)
            })
            .collect();
        buckets.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        *self.buckets.write() = buckets;
    }

    /// Re-reads the ConfigMap every second while the limits live.
    pub fn follow(self: &Arc<Self>, caches: Arc<Caches>, tasks: &Tasks) {
        let this: Weak<Self> = Arc::downgrade(self);
        tasks.spawn("user-agent limits", async move {
            let Some(info) = registry::lookup("", "v1", "configmaps") else {
                return;
            };
            let mut tick = tokio::time::interval(RELOAD);
            loop {
                tick.tick().await;
                let Some(this) = this.upgrade() else { return };
                let object = match caches.object(info, Some(NAMESPACE), NAME).await {
                    Ok(found) => found.and_then(|json| serde_json::from_slice::<Value>(&json).ok()),
                    Err(_) => continue,
                };
                let version = object
                    .as_ref()
                    .and_then(|o| o.pointer("/metadata/resourceVersion").and_then(Value::as_str))
                    .map(str::to_string);
                let mut seen = this.version.lock();
                if *seen == version && version.is_some() {
                    continue;
                }
                let data = object
                    .as_ref()
                    .and_then(|o| o.get("data").and_then(Value::as_object).cloned())
                    .unwrap_or_default();
                this.install(&data);
                *seen = version;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn limits_parse() {
        assert_eq!(Limit::parse("5"), Some(Limit { qps: 5.0, burst: 5.0 }));
        assert_eq!(Limit::parse("0.5, 3"), Some(Limit { qps: 0.5, burst: 3.0 }));
        assert_eq!(Limit::parse("0"), Some(Limit { qps: 0.0, burst: 1.0 }));
        assert_eq!(Limit::parse("fast"), None);
        assert_eq!(Limit::parse("1,0"), None);
        assert_eq!(Limit::parse("-1"), None);
    }

    #[test]
    fn the_longest_prefix_throttles_and_others_pass() {
        let limits = UserAgentLimits::default();
        let data = json!({"buggy-agent": "1,2", "v2": "buggy-agent/v2 0,1", "bad": "x"});
        limits.install(data.as_object().unwrap());
        assert!(limits.check("kubectl/v1.32").is_ok());
        assert!(limits.check("buggy-agent/v1").is_ok());
        assert!(limits.check("buggy-agent/v1").is_ok());
        let (prefix, wait) = limits.check("buggy-agent/v1").unwrap_err();
        assert_eq!((prefix.as_str(), wait), ("buggy-agent", 1));
        assert!(limits.check("buggy-agent/v2 linux").is_ok());
        assert_eq!(limits.check("buggy-agent/v2 linux").unwrap_err().0, "buggy-agent/v2");
        // Reinstalling the same limits keeps the emptied bucket; removing them frees it.
        limits.install(data.as_object().unwrap());
        assert!(limits.check("buggy-agent/v1").is_err());
        limits.install(&serde_json::Map::new());
        assert!(limits.check("buggy-agent/v1").is_ok());
    }
}
