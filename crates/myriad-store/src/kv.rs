//! Keys, values and events: the etcd data model.

use bytes::Bytes;

/// A store revision. Every transaction that writes advances the backend's one global
/// revision by one; the Kubernetes `resourceVersion` is this number.
pub type Revision = i64;

/// One key at one revision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyValue {
    pub key: Bytes,
    pub value: Bytes,
    /// Revision of the write that created this generation of the key.
    pub create_revision: Revision,
    /// Revision of the write that produced this value.
    pub mod_revision: Revision,
    /// Number of writes to this generation of the key (1 on create).
    pub version: i64,
}

/// What happened to a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Put,
    Delete,
}

/// One change, as delivered to watchers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    /// For a put, the new key-value. For a delete, the key with an empty value and
    /// `mod_revision` set to the revision of the delete.
    pub kv: KeyValue,
    /// The key-value before this change, when the watch asked for it and it existed.
    pub prev_kv: Option<KeyValue>,
}

/// A point read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GetResponse {
    pub kv: Option<KeyValue>,
    /// The revision the read was served at.
    pub revision: Revision,
}

/// Options of a prefix range read.
#[derive(Clone, Debug, Default)]
pub struct RangeOptions {
    /// Start at the first key `>= start` (inside the prefix); used for pagination.
    pub start: Option<Bytes>,
    /// At most this many keys; 0 means no limit.
    pub limit: usize,
    /// Read at this revision; 0 means the current revision.
    pub revision: Revision,
}

/// The result of a range read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeResponse {
    /// Matching keys in key order.
    pub kvs: Vec<KeyValue>,
    /// True when the limit cut the result short.
    pub more: bool,
    /// The revision the read was served at.
    pub revision: Revision,
}

/// Object count and bytes under a prefix, at the current revision (for storage quotas).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PrefixStats {
    pub count: u64,
    pub bytes: u64,
}

/// The smallest key greater than every key that starts with `prefix`, or `None` when no
/// such key exists (the prefix is empty or all `0xff`). This is etcd's `range_end`.
pub fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::prefix_end;

    #[test]
    fn prefix_end_increments_last_byte() {
        assert_eq!(prefix_end(b"/registry/pods/"), Some(b"/registry/pods0".to_vec()));
        assert_eq!(prefix_end(b"a\xff"), Some(b"b".to_vec()));
        assert_eq!(prefix_end(b"\xff\xff"), None);
        assert_eq!(prefix_end(b""), None);
    }
}
