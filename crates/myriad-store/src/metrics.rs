//! What a backend measures about itself, for the server to export with its own
//! metrics: how long compaction held up writes (each on-disk chunk of removals is a
//! pause for queued writes, as etcd's `db_compaction_pause_duration`) and how many
//! records compaction removed.

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// A backend's own metrics.
#[derive(Clone, Debug)]
pub struct BackendMetrics {
    /// Seconds writes waited while one chunk of a compaction was removed.
    pub compaction_pause_seconds: Histogram,
    /// Records compaction removed from disk.
    pub compacted_records: Counter,
}

impl Default for BackendMetrics {
    fn default() -> Self {
        BackendMetrics {
            // 100 µs .. ~13 s.
            compaction_pause_seconds: Histogram::new(exponential_buckets(0.0001, 2.0, 18)),
            compacted_records: Counter::default(),
        }
    }
}

impl BackendMetrics {
    /// Registers these metrics (the caller labels the registry with the backend).
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "myriad_store_compaction_pause_seconds",
            "How long queued writes waited while compaction removed one chunk of old records",
            self.compaction_pause_seconds.clone(),
        );
        registry.register(
            "myriad_store_compacted_records",
            "Old records removed from disk by compaction",
            self.compacted_records.clone(),
        );
    }
}
