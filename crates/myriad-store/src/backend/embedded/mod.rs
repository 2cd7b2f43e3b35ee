//! The embedded backend: a durable MVCC store in one `redb` file.
//!
//! **Why redb.** We need ordered range reads, atomic multi-key commits that are durable
//! when acknowledged, detection of torn commits after a crash, and a small pure-Rust
//! dependency. redb is a copy-on-write B-tree with checksummed commits: an interrupted
//! commit is rolled back to the last complete one on open. Measured on this machine
//! (1 KiB values, 100 per commit, fsync each): fjall ~167k puts/s, LMDB ~125–163k,
//! SQLite WAL ~118–136k, redb ~87–112k. The store's ceiling is set by group commit (one
//! fsync per batch of queued transactions), which puts every engine far above the etcd
//! bar (~5k writes/s here); redb's B-tree gives in-order scans without LSM compaction
//! stalls or background threads, and a single file that is easy to back up.
//!
//! **Layout.** Table `revisions`: packed revision (main << 16 | position in txn) →
//! [`record::Record`] (key, value, create revision, version, previous revision, CRC32).
//! Table `meta`: current and compacted revision, format. Nothing is overwritten; a
//! delete writes a tombstone, and compaction removes superseded records.
//!
//! **Memory.** The [`index::KeyIndex`] maps every key to its retained revisions (about
//! 100 bytes per key plus the key), rebuilt on open by one sequential scan that also
//! verifies every record's checksum. Values stay on disk (and in redb's page cache).
//!
//! **Writes** go through one writer thread ([`writer`]) that batches queued transactions
//! into one commit. **Watches** ([`hub`], [`watcher`]) are fed from committed batches and
//! fall back to reading history from disk when a watcher lags.

mod hub;
mod index;
mod record;
mod watcher;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use parking_lot::{Mutex, RwLock};
use redb::{Database, ReadTransaction, ReadableDatabase, ReadableTable, TableDefinition};
use serde::Deserialize;
use tokio::sync::{mpsc, oneshot};

use self::hub::Hub;
use self::index::{Entry, KeyIndex};
use self::record::{Kind, RawRecord, Record, main_of};
use self::writer::Request;
use crate::error::{Result, StoreError};
use crate::kv::{GetResponse, KeyValue, PrefixStats, RangeOptions, RangeResponse, Revision};
use crate::limits::Limits;
use crate::metrics::BackendMetrics;
use crate::store::Store;
use crate::txn::{KeyMeta, Txn, TxnResponse};
use crate::watch::{WATCH_CHANNEL_CAPACITY, WatchOptions, WatchStream};

const REVS: TableDefinition<u64, &[u8]> = TableDefinition::new("revisions");
const META: TableDefinition<&str, i64> = TableDefinition::new("meta");
const CURRENT: &str = "current_revision";
const COMPACTED: &str = "compacted_revision";
const FORMAT: &str = "format";
const FORMAT_VERSION: i64 = 1;

/// The file inside the data directory.
pub const DB_FILE: &str = "myriad.redb";

/// Queued write requests before callers wait (backpressure, not unbounded memory).
const REQUEST_QUEUE: usize = 16 * 1024;

/// Configuration of an embedded store.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmbeddedOptions {
    /// Directory holding the database file.
    pub data_dir: PathBuf,
    #[serde(default)]
    pub limits: Limits,
    /// redb page cache size.
    #[serde(default = "default_cache_bytes")]
    pub cache_bytes: usize,
    /// Most transactions folded into one commit.
    #[serde(default = "default_max_batch")]
    pub max_batch: usize,
    /// How often watches that asked for progress notifications get one.
    #[serde(default = "default_progress_ms")]
    pub progress_notify_interval_ms: u64,
}

fn default_cache_bytes() -> usize {
    512 << 20
}

fn default_max_batch() -> usize {
    1024
}

fn default_progress_ms() -> u64 {
    1000
}

impl EmbeddedOptions {
    pub fn new(data_dir: &Path) -> Self {
        EmbeddedOptions {
            data_dir: data_dir.to_path_buf(),
            limits: Limits::default(),
            cache_bytes: default_cache_bytes(),
            max_batch: default_max_batch(),
            progress_notify_interval_ms: default_progress_ms(),
        }
    }
}

/// Counters for benchmarks and metrics.
#[derive(Debug, Default)]
struct Counters {
    commits: AtomicU64,
    txns: AtomicU64,
}

/// A snapshot of the store's counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EmbeddedStats {
    /// Engine commits (each one fsync).
    pub commits: u64,
    /// Transactions acknowledged.
    pub txns: u64,
    /// Keys with retained history.
    pub keys: usize,
    pub current_revision: Revision,
    pub compacted_revision: Revision,
    /// The last open found the file not shut down cleanly and had the engine discard
    /// any incomplete commit (a torn tail) before verifying every record.
    pub recovered: bool,
}

/// State shared by the store handle, the writer thread and watch tasks.
struct Shared {
    db: Database,
    index: RwLock<KeyIndex>,
    hub: Hub,
    limits: Limits,
    counters: Counters,
    progress_interval: Duration,
    recovered: bool,
    metrics: BackendMetrics,
    /// The watch tasks running (each holds this `Shared`).
    watches: Arc<TaskCount>,
}

/// How long closing waits for watch tasks to end.
const WATCHES_CLOSE: Duration = Duration::from_secs(5);

/// Counts running tasks; [`TaskCount::idle`] waits for none.
#[derive(Default)]
struct TaskCount {
    running: std::sync::atomic::AtomicUsize,
    ended: tokio::sync::Notify,
}

/// A running watch task's only handle on the store, counted until dropped (also when
/// the task is aborted): the handle goes first, so once the count is zero no task
/// holds the store.
struct Counted {
    shared: Option<Arc<Shared>>,
    count: Arc<TaskCount>,
}

impl Counted {
    fn shared(&self) -> &Arc<Shared> {
        self.shared.as_ref().expect("held until drop")
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        drop(self.shared.take());
        if self.count.running.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.count.ended.notify_waiters();
        }
    }
}

impl TaskCount {
    fn start(shared: &Arc<Shared>) -> Counted {
        shared.watches.running.fetch_add(1, Ordering::AcqRel);
        Counted {
            shared: Some(shared.clone()),
            count: shared.watches.clone(),
        }
    }

    /// Waits until no task runs; false after `limit`.
    async fn idle(&self, limit: Duration) -> bool {
        tokio::time::timeout(limit, async {
            loop {
                let ended = self.ended.notified();
                if self.running.load(Ordering::Acquire) == 0 {
                    return;
                }
                ended.await;
            }
        })
        .await
        .is_ok()
    }
}

/// The embedded MVCC store. Cheap to share behind an `Arc`; dropping the last handle
/// stops the writer after it drains queued writes.
pub struct EmbeddedStore {
    shared: Arc<Shared>,
    /// `None` once closing: dropping the only sender ends the writer.
    requests: Option<mpsc::Sender<Request>>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
}

/// Maps an engine error; the engine's own corruption report stays a `Corrupt`.
fn engine_error(error: impl Into<redb::Error>) -> StoreError {
    match error.into() {
        redb::Error::Corrupted(message) => StoreError::Corrupt(message),
        redb::Error::Io(io) => StoreError::Io(io),
        other => StoreError::Engine(other.to_string()),
    }
}

/// The key-value stored under `packed`; a missing record is corruption, since only the
/// index (which never names a removed record to a reader) hands out packed revisions.
fn read_kv(revs: &impl ReadableTable<u64, &'static [u8]>, packed: u64) -> Result<KeyValue> {
    let stored = revs.get(packed).map_err(engine_error)?.ok_or_else(|| {
        StoreError::Corrupt(format!(
            "the index names revision {} but no record is stored",
            main_of(packed)
        ))
    })?;
    Ok(Record::decode(packed, stored.value())?.into_kv(main_of(packed)))
}

impl EmbeddedStore {
    /// Opens (or creates) the store under `options.data_dir`, verifying every record and
    /// rebuilding the key index. Fails with [`StoreError::Corrupt`] rather than serve
    /// data it cannot verify.
    pub async fn open(options: EmbeddedOptions) -> Result<EmbeddedStore> {
        let opened = tokio::task::spawn_blocking(move || open_blocking(options))
            .await
            .map_err(|e| StoreError::Engine(format!("open task failed: {e}")))??;
        Ok(opened)
    }

    /// Counters and revisions.
    pub fn stats(&self) -> EmbeddedStats {
        let index = self.shared.index.read();
        EmbeddedStats {
            commits: self.shared.counters.commits.load(Ordering::Relaxed),
            txns: self.shared.counters.txns.load(Ordering::Relaxed),
            keys: index.len(),
            current_revision: index.current(),
            compacted_revision: index.compacted(),
            recovered: self.shared.recovered,
        }
    }

    /// Stops accepting writes, waits for queued ones, ends every watch, and closes the
    /// file cleanly (so the same process can reopen it at once).
    pub async fn close(self) {
        self.stop().await;
        drop(self);
    }

    /// Commits what is queued, stops the writer, ends every watch and waits for their
    /// tasks; the file closes with the last handle.
    async fn stop(&self) {
        if let Some(requests) = &self.requests {
            let _ = requests.send(Request::Close).await;
        }
        let writer = self.writer.lock().take();
        if let Some(writer) = writer {
            let _ = tokio::task::spawn_blocking(move || writer.join()).await;
        }
        // The writer closed the hub: every watch task ends on its own.
        if !self.shared.watches.idle(WATCHES_CLOSE).await {
            tracing::warn!("store watches did not end within {WATCHES_CLOSE:?}");
        }
    }

    async fn request(&self, request: Request) -> Result<()> {
        let requests = self.requests.as_ref().ok_or(StoreError::Closed)?;
        requests.send(request).await.map_err(|_| StoreError::Closed)
    }

    /// Resolves a read revision against the index and opens an engine snapshot while
    /// the index lock is held, so compaction cannot remove what `look` found.
    fn snapshot<T>(
        &self,
        revision: Revision,
        look: impl FnOnce(&KeyIndex, Revision) -> T,
    ) -> Result<(T, ReadTransaction, Revision)> {
        let index = self.shared.index.read();
        let at = resolve_revision(&index, revision)?;
        let found = look(&index, at);
        let txn = self.shared.db.begin_read().map_err(engine_error)?;
        Ok((found, txn, at))
    }
}

/// A read at `revision` (0: current) is valid between the compacted and the current one.
fn resolve_revision(index: &KeyIndex, revision: Revision) -> Result<Revision> {
    if revision == 0 {
        return Ok(index.current());
    }
    if revision > index.current() {
        return Err(StoreError::FutureRevision {
            requested: revision,
            current: index.current(),
        });
    }
    if revision < index.compacted() {
        return Err(StoreError::Compacted {
            requested: revision,
            compacted: index.compacted(),
        });
    }
    Ok(revision)
}

impl Drop for EmbeddedStore {
    /// Closing the request channel ends the writer after its current batch; joining it
    /// (a commit at most) means a process that drops its store and exits leaves a
    /// cleanly closed file. The file closes with the last `Shared` (watch tasks hold one
    /// until they see the hub closed).
    fn drop(&mut self) {
        self.requests.take();
        if let Some(writer) = self.writer.lock().take() {
            let _ = writer.join();
        }
    }
}

fn open_blocking(options: EmbeddedOptions) -> Result<EmbeddedStore> {
    std::fs::create_dir_all(&options.data_dir)?;
    let path = options.data_dir.join(DB_FILE);
    let repaired = Arc::new(AtomicBool::new(false));
    let flag = repaired.clone();
    let db = Database::builder()
        .set_cache_size(options.cache_bytes)
        .set_repair_callback(move |_| flag.store(true, Ordering::Relaxed))
        .create(&path)
        .map_err(|e| match engine_error(e) {
            StoreError::Corrupt(m) => StoreError::Corrupt(format!("{}: {m}", path.display())),
            StoreError::Engine(m) => StoreError::Engine(format!("{}: {m}", path.display())),
            other => other,
        })?;
    let recovered = repaired.load(Ordering::Relaxed);
    if recovered {
        tracing::warn!(
            path = %path.display(),
            "store was not shut down cleanly: the engine discarded any incomplete commit and verified the file"
        );
    }
    ensure_tables(&db)?;
    let (index, leftover) = rebuild_index(&db, &path)?;
    let current = index.current();
    let shared = Arc::new(Shared {
        db,
        index: RwLock::new(index),
        hub: Hub::new(current),
        limits: options.limits,
        counters: Counters::default(),
        progress_interval: Duration::from_millis(options.progress_notify_interval_ms.max(10)),
        recovered,
        metrics: BackendMetrics::default(),
        watches: Arc::default(),
    });
    if !leftover.is_empty() {
        tracing::info!(records = leftover.len(), "finishing an interrupted compaction");
        writer::remove_records(&shared, &leftover)?;
    }
    let (requests, receiver) = mpsc::channel(REQUEST_QUEUE);
    let writer_shared = shared.clone();
    let max_batch = options.max_batch.max(1);
    let writer = std::thread::Builder::new()
        .name("myriad-store-writer".into())
        .spawn(move || writer::run(writer_shared, receiver, max_batch))?;
    tracing::info!(path = %path.display(), revision = current, "embedded store open");
    Ok(EmbeddedStore {
        shared,
        requests: Some(requests),
        writer: Mutex::new(Some(writer)),
    })
}

fn ensure_tables(db: &Database) -> Result<()> {
    let wtx = db.begin_write().map_err(engine_error)?;
    {
        wtx.open_table(REVS).map_err(engine_error)?;
        let mut meta = wtx.open_table(META).map_err(engine_error)?;
        let format = meta.get(FORMAT).map_err(engine_error)?.map(|v| v.value());
        match format {
            None => {
                meta.insert(FORMAT, FORMAT_VERSION).map_err(engine_error)?;
            }
            Some(FORMAT_VERSION) => {}
            Some(other) => {
                return Err(StoreError::Corrupt(format!(
                    "unsupported store format {other} (this build reads format {FORMAT_VERSION})"
                )));
            }
        }
    }
    wtx.commit().map_err(engine_error)
}

/// Scans every record in revision order, verifying each, and rebuilds the key index.
/// Returns the index and the records an interrupted compaction left behind.
fn rebuild_index(db: &Database, path: &Path) -> Result<(KeyIndex, Vec<u64>)> {
    let rtx = db.begin_read().map_err(engine_error)?;
    let meta = rtx.open_table(META).map_err(engine_error)?;
    let read_meta = |name| -> Result<i64> { Ok(meta.get(name).map_err(engine_error)?.map_or(0, |v| v.value())) };
    let current = read_meta(CURRENT)?;
    let compacted = read_meta(COMPACTED)?;
    let revs = rtx.open_table(REVS).map_err(engine_error)?;
    let mut index = KeyIndex::default();
    for item in revs.iter().map_err(engine_error)? {
        let (packed, stored) = item.map_err(engine_error)?;
        let packed = packed.value();
        let record = RawRecord::parse(packed, stored.value())?;
        if main_of(packed) > current {
            return Err(StoreError::Corrupt(format!(
                "{}: record at revision {} is past the committed revision {current}",
                path.display(),
                main_of(packed)
            )));
        }
        let (size, live) = match record.kind {
            Kind::Put => (
                u32::try_from(record.value.len()).unwrap_or(u32::MAX),
                Some(KeyMeta {
                    create_revision: record.create_revision,
                    mod_revision: main_of(packed),
                    version: record.version,
                }),
            ),
            Kind::Delete => (0, None),
        };
        let entry = Entry {
            packed,
            size,
            kind: record.kind,
        };
        index.apply(Bytes::copy_from_slice(record.key), entry, live);
    }
    index.set_revisions(current, 0);
    let leftover = if compacted > 0 {
        index.compact(compacted)
    } else {
        Vec::new()
    };
    Ok((index, leftover))
}

#[async_trait]
impl Store for EmbeddedStore {
    fn backend(&self) -> &'static str {
        "embedded"
    }

    async fn get(&self, key: &[u8], revision: Revision) -> Result<GetResponse> {
        self.shared.limits.check_key(key)?;
        let (packed, txn, at) = self.snapshot(revision, |index, at| index.get(key, at))?;
        let Some(packed) = packed else {
            return Ok(GetResponse { kv: None, revision: at });
        };
        // The record may not be in the page cache: read it where blocking is allowed.
        let kv = tokio::task::spawn_blocking(move || -> Result<KeyValue> {
            read_kv(&txn.open_table(REVS).map_err(engine_error)?, packed)
        })
        .await
        .map_err(|e| StoreError::Engine(format!("get task failed: {e}")))??;
        Ok(GetResponse {
            kv: Some(kv),
            revision: at,
        })
    }

    async fn range(&self, prefix: &[u8], options: RangeOptions) -> Result<RangeResponse> {
        self.shared.limits.check_prefix(prefix)?;
        let ((found, more), txn, at) = self.snapshot(options.revision, |index, at| {
            index.range(prefix, options.start.as_deref(), at, options.limit)
        })?;
        let kvs = tokio::task::spawn_blocking(move || -> Result<Vec<KeyValue>> {
            let revs = txn.open_table(REVS).map_err(engine_error)?;
            found.into_iter().map(|(_, packed)| read_kv(&revs, packed)).collect()
        })
        .await
        .map_err(|e| StoreError::Engine(format!("range task failed: {e}")))??;
        Ok(RangeResponse {
            kvs,
            more,
            revision: at,
        })
    }

    async fn txn(&self, txn: Txn) -> Result<TxnResponse> {
        self.shared.limits.check_txn(&txn)?;
        let (reply, response) = oneshot::channel();
        self.request(Request::Txn(txn, reply)).await?;
        response.await.map_err(|_| StoreError::Closed)?
    }

    async fn watch(&self, mut options: WatchOptions) -> Result<WatchStream> {
        self.shared.limits.check_prefix(&options.prefix)?;
        {
            let index = self.shared.index.read();
            // "From now" is fixed here, not when the watch task first runs: a write that
            // completes after `watch` returns must be seen even if the task is slow to start.
            if options.start_revision == 0 {
                options.start_revision = index.current() + 1;
            } else if options.start_revision <= index.compacted() {
                return Err(StoreError::Compacted {
                    requested: options.start_revision,
                    compacted: index.compacted(),
                });
            }
        }
        let (tx, rx) = mpsc::channel(WATCH_CHANNEL_CAPACITY);
        let progress = Arc::new(tokio::sync::Notify::new());
        let progress_for_task = progress.clone();
        let counted = TaskCount::start(&self.shared);
        let task = tokio::spawn(async move {
            watcher::run(counted.shared(), options, tx, progress_for_task).await;
        });
        Ok(WatchStream::new(rx, task, progress))
    }

    async fn compact(&self, revision: Revision) -> Result<()> {
        let (reply, response) = oneshot::channel();
        self.request(Request::Compact(revision, reply)).await?;
        response.await.map_err(|_| StoreError::Closed)?
    }

    async fn current_revision(&self) -> Result<Revision> {
        Ok(self.shared.index.read().current())
    }

    async fn prefix_stats(&self, prefix: &[u8]) -> Result<PrefixStats> {
        self.shared.limits.check_prefix(prefix)?;
        Ok(self.shared.index.read().stats(prefix))
    }

    fn metrics(&self) -> Option<BackendMetrics> {
        Some(self.shared.metrics.clone())
    }

    async fn shutdown(&self) {
        self.stop().await;
    }
}
