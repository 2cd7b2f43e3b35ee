//! Transactions: compares on a key's revisions, then one branch of operations.
//!
//! This is how the API server writes: "create if absent" compares `create_revision == 0`,
//! "update if unchanged" and "delete if unchanged" compare `mod_revision == N`, and the
//! failure branch reads the current value to report a conflict.

use bytes::Bytes;

use crate::kv::{KeyValue, Revision};

/// How a compare relates the key's field to the given number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Equal,
    NotEqual,
    Greater,
    Less,
}

impl CmpOp {
    /// Applies the comparison `actual <op> expected`.
    pub fn holds(self, actual: i64, expected: i64) -> bool {
        match self {
            CmpOp::Equal => actual == expected,
            CmpOp::NotEqual => actual != expected,
            CmpOp::Greater => actual > expected,
            CmpOp::Less => actual < expected,
        }
    }
}

/// Which field of the key a compare looks at. An absent key has all fields 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpTarget {
    ModRevision,
    CreateRevision,
    Version,
}

/// One condition of a transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Compare {
    pub key: Bytes,
    pub target: CmpTarget,
    pub op: CmpOp,
    pub value: i64,
}

impl Compare {
    /// The key does not exist.
    pub fn absent(key: impl Into<Bytes>) -> Self {
        Self::new(key, CmpTarget::CreateRevision, CmpOp::Equal, 0)
    }

    /// The key exists.
    pub fn exists(key: impl Into<Bytes>) -> Self {
        Self::new(key, CmpTarget::CreateRevision, CmpOp::Greater, 0)
    }

    /// The key was last written at `revision` (0: the key does not exist).
    pub fn mod_revision(key: impl Into<Bytes>, revision: Revision) -> Self {
        Self::new(key, CmpTarget::ModRevision, CmpOp::Equal, revision)
    }

    pub fn new(key: impl Into<Bytes>, target: CmpTarget, op: CmpOp, value: i64) -> Self {
        Compare {
            key: key.into(),
            target,
            op,
            value,
        }
    }

    /// Evaluates the compare against the key's current state (`None`: absent).
    pub fn holds(&self, current: Option<KeyMeta>) -> bool {
        let meta = current.unwrap_or_default();
        let actual = match self.target {
            CmpTarget::ModRevision => meta.mod_revision,
            CmpTarget::CreateRevision => meta.create_revision,
            CmpTarget::Version => meta.version,
        };
        self.op.holds(actual, self.value)
    }
}

/// The revision fields of a live key, all a compare needs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyMeta {
    pub create_revision: Revision,
    pub mod_revision: Revision,
    pub version: i64,
}

impl From<&KeyValue> for KeyMeta {
    fn from(kv: &KeyValue) -> Self {
        KeyMeta {
            create_revision: kv.create_revision,
            mod_revision: kv.mod_revision,
            version: kv.version,
        }
    }
}

/// One operation of a transaction branch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxnOp {
    Put { key: Bytes, value: Bytes },
    Delete { key: Bytes },
    Get { key: Bytes },
}

impl TxnOp {
    pub fn put(key: impl Into<Bytes>, value: impl Into<Bytes>) -> Self {
        TxnOp::Put {
            key: key.into(),
            value: value.into(),
        }
    }

    pub fn delete(key: impl Into<Bytes>) -> Self {
        TxnOp::Delete { key: key.into() }
    }

    pub fn get(key: impl Into<Bytes>) -> Self {
        TxnOp::Get { key: key.into() }
    }

    pub fn key(&self) -> &Bytes {
        match self {
            TxnOp::Put { key, .. } | TxnOp::Delete { key } | TxnOp::Get { key } => key,
        }
    }
}

/// A transaction: if every compare holds, run `success`, else run `failure`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Txn {
    pub compares: Vec<Compare>,
    pub success: Vec<TxnOp>,
    pub failure: Vec<TxnOp>,
}

impl Txn {
    pub fn new() -> Self {
        Txn::default()
    }

    pub fn when(mut self, compares: impl IntoIterator<Item = Compare>) -> Self {
        self.compares.extend(compares);
        self
    }

    pub fn and_then(mut self, ops: impl IntoIterator<Item = TxnOp>) -> Self {
        self.success.extend(ops);
        self
    }

    pub fn or_else(mut self, ops: impl IntoIterator<Item = TxnOp>) -> Self {
        self.failure.extend(ops);
        self
    }

    /// Every key the transaction names, for routing and validation.
    pub fn keys(&self) -> impl Iterator<Item = &Bytes> {
        self.compares
            .iter()
            .map(|c| &c.key)
            .chain(self.success.iter().map(TxnOp::key))
            .chain(self.failure.iter().map(TxnOp::key))
    }
}

/// The result of one operation, in the order of the branch that ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpResult {
    /// A put; `prev` is the value it replaced.
    Put { prev: Option<KeyValue> },
    /// A delete; `prev` is the value it removed (`None`: the key did not exist).
    Delete { prev: Option<KeyValue> },
    /// A read of the key as of the transaction (after earlier operations of the branch).
    Get { kv: Option<KeyValue> },
}

/// The result of a transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxnResponse {
    /// Whether the compares held (the `success` branch ran).
    pub succeeded: bool,
    /// The store revision after the transaction: the new revision if it wrote, else the
    /// current one.
    pub revision: Revision,
    pub results: Vec<OpResult>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_key_compares_as_zero() {
        assert!(Compare::absent("k").holds(None));
        assert!(!Compare::exists("k").holds(None));
        assert!(Compare::mod_revision("k", 0).holds(None));
        let live = KeyMeta {
            create_revision: 3,
            mod_revision: 5,
            version: 2,
        };
        assert!(!Compare::absent("k").holds(Some(live)));
        assert!(Compare::mod_revision("k", 5).holds(Some(live)));
        assert!(Compare::new("k", CmpTarget::Version, CmpOp::Less, 3).holds(Some(live)));
    }
}
