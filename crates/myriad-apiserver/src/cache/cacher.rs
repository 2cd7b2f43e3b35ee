//! The cacher of one resource: lists the store's prefix once, then follows one store
//! watch, applying each change to its state and offering it to the watchers that may
//! want it. LISTs and WATCHes of the resource are served from here, under upstream's
//! resourceVersion rules (see `docs/dev/watch-cache-semantics.md`).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use myriad_api::registry::ResourceInfo;
use myriad_store::{
    EventKind, Pages, ProgressRequester, RangeOptions, Revision, Store, StoreError, WatchBatch, WatchOptions,
};
use parking_lot::{Mutex, RwLock};
use serde_json::Value;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::dispatch::{Handle, Registry, Route};
use super::object::{CachedObject, Shape};
use super::state::{self, Objects, State, Term};
use super::watcher::Watcher;
use super::{ApplyObserver, CacheConfig, Progress, convertible, served_json};
use crate::error::ApiError;
use crate::metrics::{CacheMetrics, Metrics};
use crate::request::list_options::{ListOptions, ResourceVersion, decode_continue, encode_continue};
use crate::request::selector::{self, Selector};
use crate::response;
use crate::response::watch::error_body;

/// How long a read waits for the cache to reach a revision (upstream: 3 s).
const FRESHNESS_WAIT: Duration = Duration::from_secs(3);
/// How long a request waits for a starting cache before the not-ready rules apply.
const READY_WAIT: Duration = Duration::from_secs(1);
/// Keys read per store request while listing the prefix.
const LIST_PAGE: usize = 10_000;
/// How often watchers of departed clients on quiet routes are dropped.
const SWEEP_EVERY: Duration = Duration::from_secs(30);
/// Response body chunk size for LISTs.
const LIST_CHUNK: usize = 256 * 1024;

/// Field labels kept in an index for LISTs, per resource (every label is indexed).
fn indexed_fields(info: &ResourceInfo) -> &'static [&'static str] {
    match (info.group, info.resource) {
        ("", "pods") => &["spec.nodeName"],
        _ => &[],
    }
}

struct Inner {
    state: State,
    watchers: Registry,
    api_versions: Vec<Arc<str>>,
}

struct Shared {
    resource: String,
    shape: Arc<Shape>,
    store: Arc<dyn Store>,
    inner: RwLock<Inner>,
    progress: watch::Sender<Progress>,
    requester: Mutex<Option<ProgressRequester>>,
    watcher_queue: usize,
    bookmark_interval: Duration,
    metrics: CacheMetrics,
    observer: Option<Arc<dyn ApplyObserver>>,
}

/// The cache of one resource. Dropping it stops its store watch; [`Cacher::stop`]
/// also waits for that.
pub struct Cacher {
    shared: Arc<Shared>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Drop for Cacher {
    fn drop(&mut self) {
        if let Some(task) = self.task.lock().take() {
            task.abort();
        }
    }
}

/// What some of a cacher's objects take up, at one revision.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub objects: usize,
    /// Bytes of their JSON.
    pub bytes: usize,
    /// The size of one object asked about, if it exists.
    pub existing: Option<usize>,
    pub revision: Revision,
}

/// A LIST to serve.
#[derive(Clone, Copy)]
pub struct ListRequest<'a> {
    pub info: &'a ResourceInfo,
    pub namespace: Option<&'a str>,
    pub options: &'a ListOptions,
    pub selector: &'a Selector,
    pub as_table: bool,
}

/// A WATCH to serve.
pub struct WatchRequest<'a> {
    pub info: Arc<ResourceInfo>,
    pub namespace: Option<&'a str>,
    pub options: &'a ListOptions,
    pub selector: Selector,
}

impl Cacher {
    pub fn start(
        info: &ResourceInfo,
        store: Arc<dyn Store>,
        history: usize,
        config: &CacheConfig,
        metrics: &Metrics,
        observer: Option<Arc<dyn ApplyObserver>>,
    ) -> Arc<Cacher> {
        let shape = Shape {
            prefix: info.storage_prefix(),
            namespaced: info.namespaced,
            fields: selector::field_labels(info),
        };
        let resource = info.group_resource();
        let shared = Arc::new(Shared {
            metrics: metrics.cache(&resource),
            resource,
            shape: Arc::new(shape),
            store,
            inner: RwLock::new(Inner {
                state: State::new(history, indexed_fields(info)),
                watchers: Registry::default(),
                api_versions: Vec::new(),
            }),
            progress: watch::channel(Progress::default()).0,
            requester: Mutex::new(None),
            watcher_queue: config.watcher_queue.max(1),
            bookmark_interval: config.bookmark_interval,
            observer,
        });
        let task = tokio::spawn(run(shared.clone()));
        Arc::new(Cacher {
            shared,
            task: Mutex::new(Some(task)),
        })
    }

    /// Stops following the store and waits until the store watch is gone; watchers'
    /// streams end.
    pub async fn stop(&self) {
        let task = self.task.lock().take();
        if let Some(task) = task {
            task.abort();
            let _ = task.await;
        }
        self.shared.inner.write().watchers.clear();
    }

    /// Every object's JSON, or `None` while the cache is not ready.
    pub fn objects(&self) -> Option<Vec<Bytes>> {
        let inner = self.shared.inner.read();
        self.shared
            .progress
            .borrow()
            .ready
            .then(|| inner.state.objects.values().map(|o| o.json.clone()).collect())
    }

    /// How many objects the cache holds.
    pub fn object_count(&self) -> usize {
        self.shared.inner.read().state.objects.len()
    }

    /// The object at `key`, or `None` while the cache is not ready.
    pub fn object(&self, key: &str) -> Option<Option<Bytes>> {
        let inner = self.shared.inner.read();
        self.shared
            .progress
            .borrow()
            .ready
            .then(|| inner.state.objects.get(key).map(|o| o.json.clone()))
    }

    /// The object at `key` (its JSON and stored apiVersion) as of the store's current
    /// revision, the consistent read upstream makes against etcd: `None` when the cache
    /// cannot answer it (not ready, or not caught up in time), then the store must.
    pub async fn consistent_object(&self, key: &str) -> Option<Option<(Bytes, Arc<str>)>> {
        let current = self.shared.store.current_revision().await.ok()?;
        if !self.shared.wait_for(current).await {
            return None;
        }
        let inner = self.shared.inner.read();
        Some(
            inner
                .state
                .objects
                .get(key)
                .map(|o| (o.json.clone(), o.api_version.clone())),
        )
    }

    /// Objects and their serialized bytes under each of `prefixes` (keys as stored), the
    /// size of the object at `key` if there is one, and the revision the cache is at.
    /// `None` while not ready.
    pub fn usage(&self, prefixes: &[String], key: &str) -> Option<Usage> {
        let inner = self.shared.inner.read();
        if !self.shared.progress.borrow().ready {
            return None;
        }
        let objects = &inner.state.objects;
        let mut usage = Usage {
            revision: inner.state.revision,
            existing: objects.get(key).map(|o| o.json.len()),
            ..Usage::default()
        };
        for prefix in prefixes {
            for object in state::range(objects, prefix, None) {
                usage.objects += 1;
                usage.bytes += object.json.len();
            }
        }
        Some(usage)
    }

    /// Waits (up to 3 s) until the cache has applied every write the store has
    /// acknowledged; false if it did not get there.
    pub async fn catch_up(&self) -> bool {
        match self.shared.store.current_revision().await {
            Ok(current) => self.shared.wait_for(current).await,
            Err(_) => false,
        }
    }

    /// Follows the cache's progress (readiness, revision, last change).
    pub fn progress(&self) -> watch::Receiver<Progress> {
        self.shared.progress.subscribe()
    }

    /// Serves a LIST from the cache; `Ok(None)` when the store must answer it (a
    /// revision the cache no longer holds, a consistent read the cache could not catch
    /// up with in time, or a cheap paged read while the cache starts).
    pub async fn list(&self, request: ListRequest<'_>) -> Result<Option<Response>, ApiError> {
        let shared = &self.shared;
        let options = request.options;
        let prefix = request.info.namespace_prefix(request.namespace);
        let mut start = None;
        let (revision, objects, candidates) = if let Some(token) = &options.continue_token {
            let (revision, after) = decode_continue(token)?;
            start = Some(format!("{prefix}{after}"));
            if revision == 0 {
                // rv -1: continue at the latest state (the store's, until the cache
                // is ready).
                if !shared.wait_ready().await {
                    return Ok(None);
                }
                shared.read(request.selector, &prefix)
            } else {
                match shared.kept(revision).await {
                    Some(objects) => (revision, objects, None),
                    None => return Ok(None),
                }
            }
        } else if let Some(revision) = options.exact_revision() {
            match shared.kept(revision).await {
                Some(objects) => (revision, objects, None),
                None => return Ok(None),
            }
        } else {
            if !shared.wait_ready().await {
                if options.limit > 0 && request.selector.is_empty() {
                    return Ok(None);
                }
                return Err(not_ready());
            }
            match options.resource_version {
                ResourceVersion::Latest => {
                    let current = shared.store.current_revision().await?;
                    let fresh = shared.wait_for(current).await;
                    shared.metrics.consistent_read(!fresh);
                    if !fresh {
                        return Ok(None);
                    }
                }
                ResourceVersion::Any => {}
                ResourceVersion::At(wanted) => {
                    if !shared.wait_for(wanted).await {
                        return Err(ApiError::ResourceVersionTooLarge {
                            requested: wanted,
                            current: shared.progress.borrow().revision,
                            retry_after: 1,
                        });
                    }
                }
            }
            shared.read(request.selector, &prefix)
        };
        shared.metrics.list(candidates.is_some());
        let page = Page::collect(&request, &prefix, &objects, candidates, start.as_deref(), shared);
        if page.next.is_some() {
            shared.inner.write().state.remember(revision, objects);
        }
        page.respond(&request, revision)
    }

    /// Serves a WATCH from the cache: always HTTP 200 once accepted; errors after that
    /// (too old, too large) are ERROR events, as upstream sends them.
    pub async fn watch(&self, request: WatchRequest<'_>) -> Result<Response, ApiError> {
        let shared = &self.shared;
        if !shared.wait_ready().await {
            return Err(not_ready());
        }
        let options = request.options;
        let body = if options.initial_events() {
            // sendInitialEvents with "" is a consistent read; with N the state is at
            // least N. Legacy "" and "0" serve the cache's state.
            let target = match options.resource_version {
                ResourceVersion::Latest if options.send_initial_events == Some(true) => {
                    Some(shared.store.current_revision().await?)
                }
                ResourceVersion::At(wanted) => Some(wanted),
                _ => None,
            };
            match target {
                Some(target) if !shared.wait_for(target).await => error_body(&ApiError::ResourceVersionTooLarge {
                    requested: target,
                    current: shared.progress.borrow().revision,
                    retry_after: 1,
                }),
                _ => shared.register(request, None),
            }
        } else {
            let after = match options.resource_version {
                ResourceVersion::At(revision) => revision,
                ResourceVersion::Latest => shared.store.current_revision().await?,
                ResourceVersion::Any => shared.progress.borrow().revision,
            };
            let behind = after < shared.progress.borrow().revision;
            let compacted = match behind {
                true => shared.compaction_above(after).await?,
                false => None,
            };
            match compacted {
                Some(compacted) => {
                    shared.metrics.too_old();
                    error_body(&ApiError::Gone(format!(
                        "too old resource version: {after} ({compacted})"
                    )))
                }
                _ => shared.register(request, Some(after)),
            }
        };
        Ok((StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body).into_response())
    }
}

fn not_ready() -> ApiError {
    ApiError::TooManyRequests {
        message: "storage is (re)initializing".into(),
        retry_after: 1,
    }
}

impl Shared {
    /// Waits (briefly) for the initial list; false if the cache is not ready.
    async fn wait_ready(&self) -> bool {
        let mut progress = self.progress.subscribe();
        tokio::time::timeout(READY_WAIT, progress.wait_for(|p| p.ready))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Waits until the cache has applied `revision`, asking the store watch for a
    /// progress notification so a quiet resource catches up at once; false after
    /// [`FRESHNESS_WAIT`].
    async fn wait_for(&self, revision: Revision) -> bool {
        let started = Instant::now();
        let mut progress = self.progress.subscribe();
        let reached = |p: &Progress| p.ready && p.revision >= revision;
        if reached(&progress.borrow()) {
            return true;
        }
        if let Some(requester) = self.requester.lock().as_ref() {
            requester.request();
        }
        let waited = tokio::time::timeout(FRESHNESS_WAIT, progress.wait_for(reached))
            .await
            .is_ok_and(|r| r.is_ok());
        self.metrics.read_wait(started.elapsed());
        waited
    }

    /// The current state and, when the selector names an indexed term, the objects
    /// that have it.
    fn read(&self, selector: &Selector, prefix: &str) -> (Revision, Objects, Option<Vec<Arc<CachedObject>>>) {
        let inner = self.inner.read();
        let state = &inner.state;
        let terms = selector
            .exact_fields()
            .into_iter()
            .filter(|(field, _)| state.is_indexed_field(field))
            .map(|(field, value)| Term::Field(field.into(), value.into()))
            .chain(
                selector
                    .exact_labels()
                    .into_iter()
                    .map(|(key, value)| Term::Label(key.into(), value.into())),
            );
        let candidates = terms
            .filter_map(|term| state.lookup(&term))
            .min_by_key(Vec::len)
            .map(|objects| objects.into_iter().filter(|o| o.key.starts_with(prefix)).collect());
        (state.revision, state.objects.clone(), candidates)
    }

    /// The state at `revision` if the cache kept it and the store has not compacted
    /// it (upstream drops snapshots at compaction, and answers 410 after it).
    async fn kept(&self, revision: Revision) -> Option<Objects> {
        let objects = self.inner.read().state.snapshot(revision)?;
        match self.compaction_above(revision).await {
            Ok(None) => Some(objects),
            Ok(Some(_)) => {
                self.inner.write().state.forget_up_to(revision);
                None
            }
            Err(_) => None,
        }
    }

    /// The store's compacted revision if it is above `revision`: the cache may still
    /// hold that history, but upstream truncates its window at compaction, and clients
    /// expect 410 for anything the store has compacted.
    async fn compaction_above(&self, revision: Revision) -> Result<Option<Revision>, ApiError> {
        let probe = RangeOptions {
            start: None,
            limit: 1,
            revision,
        };
        match self.store.range(self.shape.prefix.as_bytes(), probe).await {
            Ok(_) => Ok(None),
            Err(StoreError::Compacted { compacted, .. }) => Ok(Some(compacted)),
            Err(error) => Err(error.into()),
        }
    }

    /// Adds a watcher: with `after`, it gets the changes after that revision (from the
    /// window, then live); without, the current state as ADDED events, then changes.
    fn register(&self, request: WatchRequest<'_>, after: Option<Revision>) -> Body {
        let options = request.options;
        let prefix = request.info.namespace_prefix(request.namespace);
        let (tx, queue) = mpsc::channel(self.watcher_queue);
        let slow = Arc::new(AtomicBool::new(false));
        let route = Route::of(&request.selector, request.namespace, &self.shape);
        let (snapshot, revision, replay) = {
            let mut inner = self.inner.write();
            let revision = inner.state.revision;
            let (snapshot, replay) = match after {
                None => (Some(inner.state.objects.clone()), VecDeque::new()),
                Some(after) => match inner.state.changes_after(after.min(revision)) {
                    Some(changes) => (None, VecDeque::from(changes)),
                    None => {
                        let oldest = inner.state.oldest;
                        drop(inner);
                        self.metrics.too_old();
                        return error_body(&ApiError::Gone(format!("too old resource version: {after} ({oldest})")));
                    }
                },
            };
            let handle = Handle { tx, slow: slow.clone() };
            inner.watchers.add(route, handle);
            self.metrics.watchers(inner.watchers.len());
            (snapshot, revision, replay)
        };
        let initial: Vec<Arc<CachedObject>> = snapshot
            .map(|objects| state::range(&objects, &prefix, None).cloned().collect())
            .unwrap_or_default();
        let bookmarks = options.bookmarks;
        Watcher {
            info: request.info,
            shape: self.shape.clone(),
            selector: request.selector,
            prefix,
            initial: initial.into_iter(),
            end_bookmark: (options.send_initial_events == Some(true) && bookmarks).then_some(revision),
            replay,
            queue,
            slow,
            after: after.unwrap_or(revision),
            bookmarks,
            bookmark_interval: self.bookmark_interval,
            deadline: options.timeout.and_then(|t| Instant::now().checked_add(t)),
            progress: self.progress.subscribe(),
            capacity: self.watcher_queue,
            done: false,
        }
        .into_body()
    }

    /// Lists the prefix at one revision, then applies the store watch from there until
    /// it fails.
    async fn list_and_watch(&self) -> Result<(), ApiError> {
        let (objects, revision) = self.list_all().await?;
        {
            let mut inner = self.inner.write();
            // Watchers of an earlier run would miss changes: their streams end and
            // their clients resume from their last resourceVersion.
            inner.watchers.clear();
            inner.state.reset(objects, revision, &self.shape);
            self.metrics.size(inner.state.objects.len(), inner.state.bytes);
            self.metrics.watchers(0);
        }
        if let Some(observer) = &self.observer {
            observer.reset(&self.resource);
        }
        self.progress.send_replace(Progress {
            ready: true,
            revision,
            changed: revision,
        });
        self.metrics.initialized(revision);
        tracing::debug!(resource = %self.resource, revision, "watch cache ready");
        let options = WatchOptions::prefix(self.shape.prefix.clone())
            .from_revision(revision + 1)
            .with_prev_kv()
            .with_progress_notify();
        let mut watch = self.store.watch(options).await?;
        *self.requester.lock() = Some(watch.progress_requester());
        let mut sweep = tokio::time::interval(SWEEP_EVERY);
        loop {
            tokio::select! {
                batch = watch.recv() => match batch {
                    Some(Ok(batch)) => self.apply(batch),
                    Some(Err(error)) => return Err(error.into()),
                    None => return Ok(()),
                },
                _ = sweep.tick() => {
                    let mut inner = self.inner.write();
                    inner.watchers.sweep();
                    self.metrics.watchers(inner.watchers.len());
                }
            }
        }
    }

    /// Every object under the prefix, read page by page at one revision.
    async fn list_all(&self) -> Result<(Vec<CachedObject>, Revision), ApiError> {
        let mut objects = Vec::new();
        let mut api_versions = std::mem::take(&mut self.inner.write().api_versions);
        let mut pages = Pages::new(self.store.as_ref(), self.shape.prefix.clone(), LIST_PAGE);
        while let Some(page) = pages.next().await? {
            for kv in &page.kvs {
                match CachedObject::decode(kv, &self.shape, &mut api_versions) {
                    Ok(object) => objects.push(object),
                    Err(error) => {
                        tracing::warn!(resource = %self.resource, %error, "not caching an undecodable object")
                    }
                }
            }
        }
        self.inner.write().api_versions = api_versions;
        Ok((objects, pages.revision()))
    }

    /// Applies one store revision and offers its changes to the watchers; then tells the
    /// observer what changed (outside the lock).
    fn apply(&self, batch: WatchBatch) {
        let started = Instant::now();
        let mut observed = Vec::new();
        let mut inner = self.inner.write();
        let Inner {
            state,
            watchers,
            api_versions,
        } = &mut *inner;
        for event in &batch.events {
            let key: Arc<str> = String::from_utf8_lossy(&event.kv.key).into();
            let object = match event.kind {
                EventKind::Put => match CachedObject::decode(&event.kv, &self.shape, api_versions) {
                    Ok(object) => Some(object),
                    Err(error) => {
                        tracing::warn!(resource = %self.resource, %error, "not caching an undecodable object");
                        None
                    }
                },
                EventKind::Delete => None,
            };
            let change = state.apply(batch.revision, key.clone(), object, &self.shape);
            if self.observer.is_some() {
                let size = |object: &Option<Arc<CachedObject>>| object.as_ref().map(|o| o.json.len());
                observed.push((key, size(&change.previous), size(&change.object)));
            }
            let outcome = watchers.dispatch(&change, &self.shape);
            self.metrics.dispatched(outcome.delivered, outcome.terminated);
        }
        state.revision = state.revision.max(batch.revision);
        if !batch.events.is_empty() {
            self.metrics.received(batch.events.len(), started.elapsed());
            self.metrics.size(state.objects.len(), state.bytes);
            self.metrics.watchers(watchers.len());
        }
        let revision = state.revision;
        drop(inner);
        if let Some(observer) = &self.observer {
            for (key, before, after) in &observed {
                observer.applied(&self.resource, &self.shape.prefix, key, *before, *after, batch.revision);
            }
            observer.progressed(&self.resource, revision);
        }
        let changed = !batch.events.is_empty();
        self.progress.send_modify(|p| {
            p.revision = revision;
            if changed {
                p.changed = revision;
            }
        });
        self.metrics.revision(revision);
    }
}

/// Keeps the cacher going: on a failed list or a broken store watch it marks itself
/// not ready and starts over (with backoff).
async fn run(shared: Arc<Shared>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let started = Instant::now();
        match shared.list_and_watch().await {
            Ok(()) => tracing::debug!(resource = %shared.resource, "store watch ended; relisting"),
            Err(error) => {
                tracing::warn!(resource = %shared.resource, %error, "watch cache restarting")
            }
        }
        shared.progress.send_modify(|p| p.ready = false);
        *shared.requester.lock() = None;
        if started.elapsed() > Duration::from_secs(60) {
            backoff = Duration::from_millis(100);
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

/// The objects of one LIST page.
struct Page {
    items: Vec<Arc<CachedObject>>,
    /// Where the next page starts (relative to the list's prefix), if there is one.
    next: Option<String>,
}

impl Page {
    fn collect(
        request: &ListRequest<'_>,
        prefix: &str,
        objects: &Objects,
        candidates: Option<Vec<Arc<CachedObject>>>,
        start: Option<&str>,
        shared: &Shared,
    ) -> Page {
        let limit = request.options.limit;
        let shape = &shared.shape;
        let matches = |object: &CachedObject| {
            request
                .selector
                .matches_with(&object.labels(), |label, pointer| object.field(shape, label, pointer))
        };
        let mut items = Vec::new();
        let mut next = None;
        let mut source: Box<dyn Iterator<Item = &Arc<CachedObject>>> = match &candidates {
            Some(candidates) => Box::new(candidates.iter().filter(|o| start.is_none_or(|s| &*o.key >= s))),
            None => Box::new(state::range(objects, prefix, start)),
        };
        for object in source.by_ref() {
            if !matches(object) {
                continue;
            }
            items.push(object.clone());
            if limit > 0 && items.len() == limit {
                break;
            }
        }
        if limit > 0 && items.len() == limit && source.next().is_some() {
            let last = items.last().map(|o| &o.key[prefix.len().min(o.key.len())..]);
            next = last.map(|last| format!("{last}\0"));
        }
        Page { items, next }
    }

    fn respond(self, request: &ListRequest<'_>, revision: Revision) -> Result<Option<Response>, ApiError> {
        let info = request.info;
        let metadata = response::list_metadata(revision, self.next.map(|next| encode_continue(revision, &next)));
        if request.as_table {
            let objects = self
                .items
                .iter()
                .map(|o| {
                    let json = served_json(&o.json, &o.api_version, info)?;
                    serde_json::from_slice::<Value>(&json)
                        .map_err(|e| ApiError::Internal(format!("cached object is not JSON: {e}")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(Some(response::table(info, &objects, metadata)));
        }
        // Fail before the first byte if an object cannot be served in this version.
        for object in &self.items {
            convertible(&object.api_version, info)?;
        }
        let head = response::list_head(info, &metadata);
        let body = list_body(head, self.items, Arc::new(info.clone()));
        Ok(Some(
            (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body).into_response(),
        ))
    }
}

/// A list response streamed in chunks: a 200k-object list is never one buffer, and
/// the work stops when the client goes away.
fn list_body(head: Vec<u8>, items: Vec<Arc<CachedObject>>, info: Arc<ResourceInfo>) -> Body {
    let chunks = ListChunks {
        head: Some(head),
        items: items.into_iter(),
        first: true,
        done: false,
        info,
    };
    Body::from_stream(futures::stream::iter(chunks))
}

struct ListChunks {
    head: Option<Vec<u8>>,
    items: std::vec::IntoIter<Arc<CachedObject>>,
    first: bool,
    done: bool,
    info: Arc<ResourceInfo>,
}

impl Iterator for ListChunks {
    type Item = Result<Bytes, Infallible>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut out = self.head.take().unwrap_or_default();
        while out.len() < LIST_CHUNK {
            let Some(object) = self.items.next() else {
                out.extend_from_slice(response::LIST_END);
                self.done = true;
                break;
            };
            if !self.first {
                out.push(b',');
            }
            self.first = false;
            // Convertibility was checked before the response started.
            match served_json(&object.json, &object.api_version, &self.info) {
                Ok(json) => out.extend_from_slice(&json),
                Err(_) => out.extend_from_slice(&object.json),
            }
        }
        Some(Ok(out.into()))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use async_trait::async_trait;
    use myriad_api::registry::lookup;
    use myriad_store::{
        EmbeddedOptions, EmbeddedStore, GetResponse, PrefixStats, RangeResponse, Result as StoreResult, Txn,
        TxnResponse, WatchStream,
    };
    use tokio::sync::Semaphore;

    use super::*;

    /// A real embedded store whose range reads wait until the test lets them through:
    /// a cacher stuck in its initial list.
    struct Gated {
        inner: EmbeddedStore,
        gate: Semaphore,
    }

    #[async_trait]
    impl Store for Gated {
        fn backend(&self) -> &'static str {
            self.inner.backend()
        }
        async fn get(&self, key: &[u8], revision: Revision) -> StoreResult<GetResponse> {
            self.inner.get(key, revision).await
        }
        async fn range(&self, prefix: &[u8], options: RangeOptions) -> StoreResult<RangeResponse> {
            drop(self.gate.acquire().await);
            self.inner.range(prefix, options).await
        }
        async fn txn(&self, txn: Txn) -> StoreResult<TxnResponse> {
            self.inner.txn(txn).await
        }
        async fn watch(&self, options: WatchOptions) -> StoreResult<WatchStream> {
            self.inner.watch(options).await
        }
        async fn compact(&self, revision: Revision) -> StoreResult<()> {
            self.inner.compact(revision).await
        }
        async fn current_revision(&self) -> StoreResult<Revision> {
            self.inner.current_revision().await
        }
        async fn prefix_stats(&self, prefix: &[u8]) -> StoreResult<PrefixStats> {
            self.inner.prefix_stats(prefix).await
        }
    }

    fn options(query: &[(&str, &str)]) -> ListOptions {
        let params: HashMap<String, String> = query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        ListOptions::parse(&params, false).unwrap()
    }

    async fn list(cacher: &Cacher, query: &[(&str, &str)], labels: &str) -> Result<Option<Response>, ApiError> {
        let info = lookup("", "v1", "pods").unwrap();
        let selector = Selector::parse(info, Some(labels), None).unwrap();
        let options = options(query);
        let request = ListRequest {
            info,
            namespace: None,
            options: &options,
            selector: &selector,
            as_table: false,
        };
        cacher.list(request).await
    }

    #[tokio::test]
    async fn a_starting_cache_refuses_heavy_requests_and_passes_cheap_ones_to_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let inner = EmbeddedStore::open(EmbeddedOptions::new(dir.path())).await.unwrap();
        let store = Arc::new(Gated {
            inner,
            gate: Semaphore::new(0),
        });
        let info = lookup("", "v1", "pods").unwrap();
        let cacher = Cacher::start(
            info,
            store.clone(),
            100,
            &CacheConfig::default(),
            &Metrics::default(),
            None,
        );

        let not_ready = |result: Result<Option<Response>, ApiError>| match result {
            Err(ApiError::TooManyRequests { message, retry_after }) => {
                message == "storage is (re)initializing" && retry_after == 1
            }
            _ => false,
        };
        // Unpaginated, or narrowed by a selector: 429 until the cache is ready.
        assert!(not_ready(list(&cacher, &[], "").await));
        assert!(not_ready(list(&cacher, &[("limit", "10")], "app=web").await));
        // Paged without selectors: cheap for the store, which answers it.
        assert!(matches!(list(&cacher, &[("limit", "10")], "").await, Ok(None)));
        let watch_options = ListOptions::parse(&HashMap::new(), true).unwrap();
        let watch = WatchRequest {
            info: Arc::new(info.clone()),
            namespace: None,
            options: &watch_options,
            selector: Selector::parse(info, None, None).unwrap(),
        };
        assert!(matches!(
            cacher.watch(watch).await,
            Err(ApiError::TooManyRequests { .. })
        ));

        // Once the initial list completes, the cache answers.
        store.gate.add_permits(1000);
        assert!(matches!(list(&cacher, &[], "").await, Ok(Some(_))));
    }
}
