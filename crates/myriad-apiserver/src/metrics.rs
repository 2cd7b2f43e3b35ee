//! Prometheus metrics at `/metrics`: requests by verb, resource and code, their latency,
//! requests in flight, and store latency by backend and operation.

use std::sync::Arc;
use std::sync::atomic::AtomicI64;
use std::time::Instant;

use async_trait::async_trait;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
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

use crate::request_info;

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

fn latency_histogram() -> Histogram {
    // 0.5 ms … ~16 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

/// Every metric the API server exports, and the registry that encodes them.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    request_seconds: Family<LatencyLabels, Histogram, fn() -> Histogram>,
    inflight: Gauge<i64, AtomicI64>,
    store_seconds: Family<StoreLabels, Histogram, fn() -> Histogram>,
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
        let store_seconds =
            Family::<StoreLabels, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
        registry.register(
            "myriad_store_operation_duration_seconds",
            "Store operation latency by backend and operation",
            store_seconds.clone(),
        );
        Metrics {
            registry,
            requests,
            request_seconds,
            inflight,
            store_seconds,
        }
    }
}

impl Metrics {
    /// The text exposition format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if let Err(error) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::warn!(%error, "encoding metrics failed");
        }
        out
    }

    /// Wraps a store so its operations are timed.
    pub fn measure(self: &Arc<Self>, name: &str, store: Arc<dyn Store>) -> Arc<dyn Store> {
        Arc::new(MeasuredStore {
            inner: store,
            backend: name.to_string(),
            metrics: self.clone(),
        })
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

/// `/metrics`.
pub async fn serve(State(metrics): State<Arc<Metrics>>) -> Response {
    let content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    ([(header::CONTENT_TYPE, content_type)], metrics.encode()).into_response()
}

/// Counts and times every request.
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let watch = request
        .uri()
        .query()
        .is_some_and(|q| q.split('&').any(|kv| kv == "watch=1" || kv == "watch=true"));
    let (verb, resource) = match request_info::parse(request.method(), request.uri().path(), watch) {
        Some(info) => (format!("{:?}", info.verb).to_uppercase(), info.resource),
        None => (request.method().as_str().to_string(), String::new()),
    };
    metrics.inflight.inc();
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.inflight.dec();
    let latency = LatencyLabels {
        verb: verb.clone(),
        resource: resource.clone(),
    };
    metrics
        .request_seconds
        .get_or_create(&latency)
        .observe(started.elapsed().as_secs_f64());
    let labels = RequestLabels {
        verb,
        resource,
        code: response.status().as_u16().to_string(),
    };
    metrics.requests.get_or_create(&labels).inc();
    response
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
}
