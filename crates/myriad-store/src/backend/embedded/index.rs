//! The in-memory key index, like etcd's `treeIndex`: for every key, the packed revisions
//! of its retained writes. Reads find the revision visible at a point in time here, then
//! fetch exactly those records from disk, so a range never scans history.

use std::collections::BTreeMap;
use std::ops::Bound;

use bytes::Bytes;

use super::record::{Kind, main_of, pack};
use crate::kv::{PrefixStats, Revision, prefix_end};
use crate::txn::KeyMeta;

/// One retained write of a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub packed: u64,
    /// Value bytes (0 for a tombstone), for storage quotas.
    pub size: u32,
    pub kind: Kind,
}

/// The retained writes of one key, oldest first, and the state of its live generation.
#[derive(Clone, Debug, Default)]
struct History {
    entries: Vec<Entry>,
    live: Option<KeyMeta>,
}

impl History {
    /// The entry visible at revision `at`: the last write at or before it.
    fn visible_at(&self, at: Revision) -> Option<&Entry> {
        let end = self.entries.partition_point(|e| e.packed < pack(at + 1, 0));
        end.checked_sub(1).map(|i| &self.entries[i])
    }
}

/// Key → history, plus the store's current and compacted revisions.
#[derive(Debug, Default)]
pub struct KeyIndex {
    keys: BTreeMap<Bytes, History>,
    current: Revision,
    compacted: Revision,
}

impl KeyIndex {
    pub fn current(&self) -> Revision {
        self.current
    }

    pub fn compacted(&self) -> Revision {
        self.compacted
    }

    pub fn set_revisions(&mut self, current: Revision, compacted: Revision) {
        self.current = current;
        self.compacted = compacted;
    }

    /// The live state of `key` and the packed revision of its latest put.
    pub fn live(&self, key: &[u8]) -> Option<(KeyMeta, u64)> {
        let history = self.keys.get(key)?;
        let meta = history.live?;
        Some((meta, history.entries.last()?.packed))
    }

    /// Records a committed write. `live` is the key's state after it (`None`: deleted).
    pub fn apply(&mut self, key: Bytes, entry: Entry, live: Option<KeyMeta>) {
        // Most keys are written once or a few times: grow from one slot, not four.
        let history = self.keys.entry(key).or_insert_with(|| History {
            entries: Vec::with_capacity(1),
            live: None,
        });
        history.entries.push(entry);
        history.live = live;
    }

    /// The packed revision of the put visible for `key` at `at` (`None`: absent then).
    pub fn get(&self, key: &[u8], at: Revision) -> Option<u64> {
        let entry = self.keys.get(key)?.visible_at(at)?;
        (entry.kind == Kind::Put).then_some(entry.packed)
    }

    /// Keys under `prefix` (from `start`, if given) visible at `at`, at most `limit`
    /// (0: all), with whether more exist.
    pub fn range(&self, prefix: &[u8], start: Option<&[u8]>, at: Revision, limit: usize) -> (Vec<(Bytes, u64)>, bool) {
        let mut found = Vec::new();
        for (key, history) in self.keys_under(prefix, start) {
            let Some(entry) = history.visible_at(at) else { continue };
            if entry.kind != Kind::Put {
                continue;
            }
            if limit > 0 && found.len() == limit {
                return (found, true);
            }
            found.push((key.clone(), entry.packed));
        }
        (found, false)
    }

    /// Live keys and value bytes under `prefix`.
    pub fn stats(&self, prefix: &[u8]) -> PrefixStats {
        let mut stats = PrefixStats::default();
        for (_, history) in self.keys_under(prefix, None) {
            if history.live.is_some()
                && let Some(last) = history.entries.last()
            {
                stats.count += 1;
                stats.bytes += u64::from(last.size);
            }
        }
        stats
    }

    fn keys_under<'a>(&'a self, prefix: &[u8], start: Option<&[u8]>) -> impl Iterator<Item = (&'a Bytes, &'a History)> {
        let lower = match start {
            Some(start) if start > prefix => start.to_vec(),
            _ => prefix.to_vec(),
        };
        let upper = prefix_end(prefix);
        let bounds: (Bound<&[u8]>, Bound<&[u8]>) = (
            Bound::Included(lower.as_slice()),
            upper.as_deref().map_or(Bound::Unbounded, Bound::Excluded),
        );
        // An empty range (start past the prefix's end) must not panic in BTreeMap::range.
        let empty = matches!(bounds.1, Bound::Excluded(end) if end <= lower.as_slice());
        let iter = (!empty).then(|| self.keys.range::<[u8], _>(bounds));
        iter.into_iter().flatten()
    }

    /// Drops history that no read at or after `at` can see: for every key, the writes
    /// before its last write at or before `at`, and that write too if it is a tombstone.
    /// Returns the packed revisions to delete from disk.
    pub fn compact(&mut self, at: Revision) -> Vec<u64> {
        let mut removed = Vec::new();
        self.keys.retain(|_, history| {
            let keep_from = history.entries.partition_point(|e| e.packed < pack(at + 1, 0));
            let mut cut = keep_from.saturating_sub(1);
            if let Some(e) = history.entries.get(cut)
                && main_of(e.packed) <= at
                && e.kind == Kind::Delete
            {
                cut += 1;
            }
            removed.extend(history.entries.drain(..cut).map(|e| e.packed));
            !history.entries.is_empty()
        });
        self.compacted = self.compacted.max(at);
        removed
    }

    /// Number of keys with retained history (live or not).
    pub fn len(&self) -> usize {
        self.keys.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(idx: &mut KeyIndex, key: &'static str, rev: Revision, create: Revision, version: i64) {
        let meta = KeyMeta {
            create_revision: create,
            mod_revision: rev,
            version,
        };
        let entry = Entry {
            packed: pack(rev, 0),
            size: 10,
            kind: Kind::Put,
        };
        idx.apply(Bytes::from_static(key.as_bytes()), entry, Some(meta));
        idx.current = rev;
    }

    fn del(idx: &mut KeyIndex, key: &'static str, rev: Revision) {
        let entry = Entry {
            packed: pack(rev, 0),
            size: 0,
            kind: Kind::Delete,
        };
        idx.apply(Bytes::from_static(key.as_bytes()), entry, None);
        idx.current = rev;
    }

    #[test]
    fn reads_at_revisions_and_compacts() {
        let mut idx = KeyIndex::default();
        put(&mut idx, "/a", 1, 1, 1);
        put(&mut idx, "/b", 2, 2, 1);
        put(&mut idx, "/a", 3, 1, 2);
        del(&mut idx, "/b", 4);
        assert_eq!(idx.get(b"/a", 2), Some(pack(1, 0)));
        assert_eq!(idx.get(b"/a", 3), Some(pack(3, 0)));
        assert_eq!(idx.get(b"/b", 3), Some(pack(2, 0)));
        assert_eq!(idx.get(b"/b", 4), None);
        assert_eq!(idx.range(b"/", None, 3, 0).0.len(), 2);
        assert_eq!(
            idx.range(b"/", None, 3, 1),
            (vec![(Bytes::from_static(b"/a"), pack(3, 0))], true)
        );
        assert_eq!(idx.range(b"/", Some(b"/b"), 3, 0).0.len(), 1);
        assert_eq!(idx.stats(b"/"), PrefixStats { count: 1, bytes: 10 });

        let mut removed = idx.compact(4);
        removed.sort();
        assert_eq!(removed, vec![pack(1, 0), pack(2, 0), pack(4, 0)]);
        assert_eq!(idx.len(), 1);
        assert_eq!(idx.get(b"/a", 4), Some(pack(3, 0)));
    }

    #[test]
    fn start_past_prefix_end_is_empty() {
        let mut idx = KeyIndex::default();
        put(&mut idx, "/a/1", 1, 1, 1);
        assert!(idx.range(b"/a/", Some(b"/b"), 1, 0).0.is_empty());
    }
}
