//! Prometheus metrics at `/metrics`: requests by verb, resource and code, their latency,
//! requests in flight, and store latency by backend and operation.

use std::sync::Arc;
use std::sync::atomic::AtomicI64;
use std::time::Instant;

use async_trait::async_trait;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use myriad_store::{
    GetResponse, PrefixStats, RangeOptions, RangeResponse, Result as StoreResult, Revision, Store, Txn, TxnResponse,
    WatchOptions, WatchStream,
};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    verb: String,
    resource: String,
    code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LatencyLabels {
    verb: String,
    resource: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StoreLabels {
    backend: String,
    operation: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResourceLabel {
    resource: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReadLabels {
    resource: String,
    fallback: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ListLabels {
    resource: String,
    index: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FlowLabels {
    priority_level: String,
    flow_schema: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RejectLabels {
    priority_level: String,
    flow_schema: String,
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CellClass {
    cell: String,
    class: String,
}

impl CellClass {
    fn new(cell: &str, class: &str) -> Self {
        CellClass {
            cell: cell.into(),
            class: class.into(),
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CellResource {
    cell: String,
    resource: String,
}

impl CellResource {
    fn new(cell: &str, resource: &str) -> Self {
        CellResource {
            cell: cell.into(),
            resource: resource.into(),
        }
    }
}

/// Tenant cell metric families.
struct CellFamilies {
    requests: Family<CellClass, Counter>,
    throttled: Family<CellClass, Counter>,
    objects: Family<CellResource, Gauge>,
    bytes: Family<CellResource, Gauge>,
    refused: Family<CellResource, Counter>,
}

impl CellFamilies {
    fn register(registry: &mut Registry) -> Self {
        let families = CellFamilies {
            requests: Family::default(),
            throttled: Family::default(),
            objects: Family::default(),
            bytes: Family::default(),
            refused: Family::default(),
        };
        let f = &families;
        registry.register(
            "myriad_cell_requests",
            "Requests charged to a cell, by verb class",
            f.requests.clone(),
        );
        registry.register(
            "myriad_cell_throttled_requests",
            "Requests refused by a cell's request quota",
            f.throttled.clone(),
        );
        registry.register(
            "myriad_cell_objects",
            "Objects a cell holds, by resource",
            f.objects.clone(),
        );
        registry.register(
            "myriad_cell_bytes",
            "Serialized bytes a cell holds, by resource",
            f.bytes.clone(),
        );
        registry.register(
            "myriad_cell_storage_refusals",
            "Writes refused by a cell's storage quota",
            f.refused.clone(),
        );
        families
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AgentLabel {
    user_agent: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LevelLabel {
    priority_level: String,
}

/// Priority and fairness metric families (upstream's names).
struct FlowFamilies {
    dispatched: Family<FlowLabels, Counter>,
    rejected: Family<RejectLabels, Counter>,
    wait_seconds: Family<FlowLabels, Histogram, fn() -> Histogram>,
    inqueue: Family<LevelLabel, Gauge>,
    executing_seats: Family<LevelLabel, Gauge>,
}

impl FlowFamilies {
    fn register(registry: &mut Registry) -> Self {
        let families = FlowFamilies {
            dispatched: Family::default(),
            rejected: Family::default(),
            wait_seconds: Family::new_with_constructor(latency_histogram),
            inqueue: Family::default(),
            executing_seats: Family::default(),
        };
        let f = &families;
        registry.register(
            "apiserver_flowcontrol_dispatched_requests",
            "Requests admitted by priority and fairness",
            f.dispatched.clone(),
        );
        registry.register(
            "apiserver_flowcontrol_rejected_requests",
            "Requests refused by priority and fairness (429), by reason",
            f.rejected.clone(),
        );
        registry.register(
            "apiserver_flowcontrol_request_wait_duration_seconds",
            "Time requests waited for seats",
            f.wait_seconds.clone(),
        );
        registry.register(
            "apiserver_flowcontrol_current_inqueue_requests",
            "Requests waiting in a priority level's queues",
            f.inqueue.clone(),
        );
        registry.register(
            "apiserver_flowcontrol_current_executing_seats",
            "Seats in use in a priority level",
            f.executing_seats.clone(),
        );
        families
    }
}

type ByResource<M> = Family<ResourceLabel, M>;
type HistogramByResource = Family<ResourceLabel, Histogram, fn() -> Histogram>;

/// The watch cache's metric families (see [`CacheMetrics`]).
struct CacheFamilies {
    objects: ByResource<Gauge>,
    bytes: ByResource<Gauge>,
    received: ByResource<Counter>,
    dispatched: ByResource<Counter>,
    watchers: ByResource<Gauge>,
    dispatch_seconds: HistogramByResource,
    terminated: ByResource<Counter>,
    too_old: ByResource<Counter>,
    consistent_reads: Family<ReadLabels, Counter>,
    read_wait_seconds: HistogramByResource,
    resource_version: ByResource<Gauge>,
    initializations: ByResource<Counter>,
    lists: Family<ListLabels, Counter>,
}

impl CacheFamilies {
    fn register(registry: &mut Registry) -> Self {
        let families = CacheFamilies {
            objects: Family::default(),
            bytes: Family::default(),
            received: Family::default(),
            dispatched: Family::default(),
            watchers: Family::default(),
            dispatch_seconds: Family::new_with_constructor(latency_histogram),
            terminated: Family::default(),
            too_old: Family::default(),
            consistent_reads: Family::default(),
            read_wait_seconds: Family::new_with_constructor(latency_histogram),
            resource_version: Family::default(),
            initializations: Family::default(),
            lists: Family::default(),
        };
        let f = &families;
        registry.register(
            "apiserver_watch_cache_objects",
            "Objects held by the watch cache",
            f.objects.clone(),
        );
        registry.register(
            "apiserver_watch_cache_bytes",
            "Bytes of serialized objects and attributes held by the watch cache",
            f.bytes.clone(),
        );
        registry.register(
            "apiserver_watch_cache_events_received",
            "Changes the watch cache applied from the store",
            f.received.clone(),
        );
        registry.register(
            "apiserver_watch_cache_events_dispatched",
            "Changes queued to watchers",
            f.dispatched.clone(),
        );
        registry.register(
            "apiserver_registered_watchers",
            "Watches served from the cache",
            f.watchers.clone(),
        );
        registry.register(
            "apiserver_watch_cache_dispatch_duration_seconds",
            "Time to apply one store revision and queue it to its watchers",
            f.dispatch_seconds.clone(),
        );
        registry.register(
            "apiserver_terminated_watchers",
            "Watchers cut off because they fell behind their queue",
            f.terminated.clone(),
        );
        registry.register(
            "apiserver_watch_cache_too_old",
            "Watches refused with 410 because their resourceVersion left the window (forced relists)",
            f.too_old.clone(),
        );
        registry.register(
            "apiserver_watch_cache_consistent_read",
            "Consistent reads, by whether they fell back to the store",
            f.consistent_reads.clone(),
        );
        registry.register(
            "apiserver_watch_cache_read_wait_seconds",
            "Time reads waited for the cache to reach a revision",
            f.read_wait_seconds.clone(),
        );
        registry.register(
            "apiserver_watch_cache_resource_version",
            "Revision the watch cache has applied",
            f.resource_version.clone(),
        );
        registry.register(
            "apiserver_watch_cache_initializations",
            "Times the watch cache listed its resource (start and relists)",
            f.initializations.clone(),
        );
        registry.register(
            "apiserver_cache_list",
            "LISTs served from the cache, by whether an index narrowed them",
            f.lists.clone(),
        );
        families
    }
}

/// One resource's watch cache metrics, resolved once.
pub struct CacheMetrics {
    resource: String,
    objects: Gauge,
    bytes: Gauge,
    received: Counter,
    dispatched: Counter,
    watchers: Gauge,
    dispatch_seconds: Histogram,
    terminated: Counter,
    too_old: Counter,
    read_wait_seconds: Histogram,
    resource_version: Gauge,
    initializations: Counter,
    consistent_reads: Family<ReadLabels, Counter>,
    lists: Family<ListLabels, Counter>,
}

impl CacheMetrics {
    pub fn size(&self, objects: usize, bytes: usize) {
        self.objects.set(objects as i64);
        self.bytes.set(bytes as i64);
    }

    pub fn received(&self, changes: usize, took: std::time::Duration) {
        self.received.inc_by(changes as u64);
        self.dispatch_seconds.observe(took.as_secs_f64());
    }

    pub fn dispatched(&self, delivered: usize, terminated: usize) {
        self.dispatched.inc_by(delivered as u64);
        self.terminated.inc_by(terminated as u64);
        if terminated > 0 {
            tracing::info!(resource = %self.resource, terminated, "cut off watchers that fell behind");
        }
    }

    pub fn watchers(&self, count: usize) {
        self.watchers.set(count as i64);
    }

    pub fn too_old(&self) {
        self.too_old.inc();
    }

    pub fn consistent_read(&self, fallback: bool) {
        let labels = ReadLabels {
            resource: self.resource.clone(),
            fallback: fallback.to_string(),
        };
        self.consistent_reads.get_or_create(&labels).inc();
    }

    pub fn read_wait(&self, took: std::time::Duration) {
        self.read_wait_seconds.observe(took.as_secs_f64());
    }

    pub fn revision(&self, revision: Revision) {
        self.resource_version.set(revision);
    }

    pub fn initialized(&self, revision: Revision) {
        self.initializations.inc();
        self.revision(revision);
    }

    pub fn list(&self, indexed: bool) {
        let labels = ListLabels {
            resource: self.resource.clone(),
            index: if indexed { "true" } else { "false" }.to_string(),
        };
        self.lists.get_or_create(&labels).inc();
    }
}

fn latency_histogram() -> Histogram {
    // 0.5 ms … ~16 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

/// Every metric the API server exports, and the registry that encodes them.
pub struct Metrics {
    /// Locked only to register a backend's own metrics (at start) and to encode.
    registry: parking_lot::Mutex<Registry>,
    requests: Family<RequestLabels, Counter>,
    request_seconds: Family<LatencyLabels, Histogram, fn() -> Histogram>,
    inflight: Gauge<i64, AtomicI64>,
    timeouts: Counter,
    store_seconds: Family<StoreLabels, Histogram, fn() -> Histogram>,
    cache: CacheFamilies,
    flow: FlowFamilies,
    throttled: Family<AgentLabel, Counter>,
    cells: CellFamilies,
    uncached_watchers: Family<ResourceLabel, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "apiserver_request",
            "Requests by verb, resource and HTTP code",
            requests.clone(),
        );
        let request_seconds =
            Family::<LatencyLabels, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
        registry.register(
            "apiserver_request_duration_seconds",
            "Request latency by verb and resource (watches: until the stream starts)",
            request_seconds.clone(),
        );
        let inflight = Gauge::<i64, AtomicI64>::default();
        registry.register(
            "apiserver_current_inflight_requests",
            "Requests being served",
            inflight.clone(),
        );
        let timeouts = Counter::default();
        registry.register(
            "apiserver_request_timeouts",
            "Requests answered 504 because they did not finish within the request timeout",
            timeouts.clone(),
        );
        let store_seconds =
            Family::<StoreLabels, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
        registry.register(
            "myriad_store_operation_duration_seconds",
            "Store operation latency by backend and operation",
            store_seconds.clone(),
        );
        let cache = CacheFamilies::register(&mut registry);
        let flow = FlowFamilies::register(&mut registry);
        let throttled = Family::<AgentLabel, Counter>::default();
        registry.register(
            "myriad_user_agent_throttled_requests",
            "Requests refused by a per-user-agent limit, by the limit's user-agent prefix",
            throttled.clone(),
        );
        let cells = CellFamilies::register(&mut registry);
        let uncached_watchers = Family::<ResourceLabel, Gauge>::default();
        registry.register(
            "myriad_uncached_watchers",
            "Watches served straight from the store (resources configured uncached), by resource",
            uncached_watchers.clone(),
        );
        Metrics {
            uncached_watchers,
            cells,
            throttled,
            flow,
            registry: parking_lot::Mutex::new(registry),
            requests,
            request_seconds,
            inflight,
            timeouts,
            store_seconds,
            cache,
        }
    }
}

impl Metrics {
    /// The text exposition format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if let Err(error) = prometheus_client::encoding::text::encode(&mut out, &self.registry.lock()) {
            tracing::warn!(%error, "encoding metrics failed");
        }
        out
    }

    /// Wraps a store so its operations are timed, and exports the backend's own
    /// metrics (compaction pauses) labelled with its name.
    pub fn measure(self: &Arc<Self>, name: &str, store: Arc<dyn Store>) -> Arc<dyn Store> {
        if let Some(backend) = store.metrics() {
            let mut registry = self.registry.lock();
            backend.register(registry.sub_registry_with_label(("backend".into(), name.to_string().into())));
        }
        Arc::new(MeasuredStore {
            inner: store,
            backend: name.to_string(),
            metrics: self.clone(),
        })
    }

    /// A request admitted by priority and fairness after `waited`.
    pub fn flow_dispatched(&self, level: &str, schema: &str, waited: std::time::Duration) {
        let labels = FlowLabels {
            priority_level: level.to_string(),
            flow_schema: schema.to_string(),
        };
        self.flow.dispatched.get_or_create(&labels).inc();
        self.flow
            .wait_seconds
            .get_or_create(&labels)
            .observe(waited.as_secs_f64());
    }

    /// A request charged to a cell's request quota.
    pub fn cell_request(&self, cell: &str, class: &str) {
        self.cells.requests.get_or_create(&CellClass::new(cell, class)).inc();
    }

    /// A request refused by a cell's request quota.
    pub fn cell_throttled(&self, cell: &str, class: &str) {
        self.cells.throttled.get_or_create(&CellClass::new(cell, class)).inc();
    }

    /// A cell's usage of one resource, as last measured.
    pub fn cell_usage(&self, cell: &str, resource: &str, objects: usize, bytes: usize) {
        let label = CellResource::new(cell, resource);
        self.cells.objects.get_or_create(&label).set(objects as i64);
        self.cells.bytes.get_or_create(&label).set(bytes as i64);
    }

    /// A write refused by a cell's storage quota.
    pub fn cell_refused(&self, cell: &str, resource: &str) {
        self.cells
            .refused
            .get_or_create(&CellResource::new(cell, resource))
            .inc();
    }

    /// A request refused by the per-user-agent limit of `prefix`.
    pub fn user_agent_throttled(&self, prefix: &str) {
        let label = AgentLabel {
            user_agent: prefix.to_string(),
        };
        self.throttled.get_or_create(&label).inc();
    }

    /// A request refused by priority and fairness.
    pub fn flow_rejected(&self, level: &str, schema: &str, reason: &str) {
        let labels = RejectLabels {
            priority_level: level.to_string(),
            flow_schema: schema.to_string(),
            reason: reason.to_string(),
        };
        self.flow.rejected.get_or_create(&labels).inc();
    }

    /// A priority level's seats in use and requests waiting.
    pub fn flow_load(&self, level: &str, seats: usize, waiting: usize) {
        let label = LevelLabel {
            priority_level: level.to_string(),
        };
        self.flow.executing_seats.get_or_create(&label).set(seats as i64);
        self.flow.inqueue.get_or_create(&label).set(waiting as i64);
    }

    /// The watch cache metrics of one resource (`pods`, `deployments.apps`).
    pub fn cache(&self, resource: &str) -> CacheMetrics {
        let label = ResourceLabel {
            resource: resource.to_string(),
        };
        let f = &self.cache;
        CacheMetrics {
            resource: resource.to_string(),
            objects: f.objects.get_or_create(&label).clone(),
            bytes: f.bytes.get_or_create(&label).clone(),
            received: f.received.get_or_create(&label).clone(),
            dispatched: f.dispatched.get_or_create(&label).clone(),
            watchers: f.watchers.get_or_create(&label).clone(),
            dispatch_seconds: f.dispatch_seconds.get_or_create(&label).clone(),
            terminated: f.terminated.get_or_create(&label).clone(),
            too_old: f.too_old.get_or_create(&label).clone(),
            read_wait_seconds: f.read_wait_seconds.get_or_create(&label).clone(),
            resource_version: f.resource_version.get_or_create(&label).clone(),
            initializations: f.initializations.get_or_create(&label).clone(),
            consistent_reads: f.consistent_reads.clone(),
            lists: f.lists.clone(),
        }
    }

    /// A request started (in flight until [`Metrics::request_finished`]).
    pub(crate) fn request_started(&self) {
        self.inflight.inc();
    }

    /// A watch served from the store started (its guard ends it).
    pub(crate) fn uncached_watch(&self, resource: &str) -> UncachedWatch {
        let gauge = self
            .uncached_watchers
            .get_or_create(&ResourceLabel {
                resource: resource.to_string(),
            })
            .clone();
        gauge.inc();
        UncachedWatch(gauge)
    }

    /// A request was cut off at its deadline.
    pub(crate) fn request_timed_out(&self) {
        self.timeouts.inc();
    }

    /// A request finished with `code` after `seconds`.
    pub(crate) fn request_finished(&self, verb: String, resource: String, code: u16, seconds: f64) {
        self.inflight.dec();
        let latency = LatencyLabels {
            verb: verb.clone(),
            resource: resource.clone(),
        };
        self.request_seconds.get_or_create(&latency).observe(seconds);
        let labels = RequestLabels {
            verb,
            resource,
            code: code.to_string(),
        };
        self.requests.get_or_create(&labels).inc();
    }

    fn observe_store(&self, backend: &str, operation: &str, started: Instant) {
        let labels = StoreLabels {
            backend: backend.to_string(),
            operation: operation.to_string(),
        };
        self.store_seconds
            .get_or_create(&labels)
            .observe(started.elapsed().as_secs_f64());
    }
}

/// `/metrics`, as Prometheus scrapes it.
pub(crate) fn serve(metrics: &Metrics) -> Response {
    let content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    ([(header::CONTENT_TYPE, content_type)], metrics.encode()).into_response()
}

/// Counts one watch served from the store while it lives.
pub(crate) struct UncachedWatch(Gauge);

impl Drop for UncachedWatch {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// A store whose every operation is timed into [`Metrics`].
struct MeasuredStore {
    inner: Arc<dyn Store>,
    backend: String,
    metrics: Arc<Metrics>,
}

#[async_trait]
impl Store for MeasuredStore {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }

    async fn get(&self, key: &[u8], revision: Revision) -> StoreResult<GetResponse> {
        let started = Instant::now();
        let result = self.inner.get(key, revision).await;
        self.metrics.observe_store(&self.backend, "get", started);
        result
    }

    async fn range(&self, prefix: &[u8], options: RangeOptions) -> StoreResult<RangeResponse> {
        let started = Instant::now();
        let result = self.inner.range(prefix, options).await;
        self.metrics.observe_store(&self.backend, "range", started);
        result
    }

    async fn txn(&self, txn: Txn) -> StoreResult<TxnResponse> {
        let started = Instant::now();
        let result = self.inner.txn(txn).await;
        self.metrics.observe_store(&self.backend, "txn", started);
        result
    }

    async fn watch(&self, options: WatchOptions) -> StoreResult<WatchStream> {
        let started = Instant::now();
        let result = self.inner.watch(options).await;
        self.metrics.observe_store(&self.backend, "watch", started);
        result
    }

    async fn compact(&self, revision: Revision) -> StoreResult<()> {
        let started = Instant::now();
        let result = self.inner.compact(revision).await;
        self.metrics.observe_store(&self.backend, "compact", started);
        result
    }

    async fn current_revision(&self) -> StoreResult<Revision> {
        self.inner.current_revision().await
    }

    async fn prefix_stats(&self, prefix: &[u8]) -> StoreResult<PrefixStats> {
        self.inner.prefix_stats(prefix).await
    }

    fn metrics(&self) -> Option<myriad_store::BackendMetrics> {
        self.inner.metrics()
    }

    async fn shutdown(&self) {
        self.inner.shutdown().await;
    }
}
