//! Input limits, checked the same way by every backend so a bad request fails with the
//! same error whether the store is embedded or etcd.

use crate::error::{Result, StoreError};
use crate::txn::{Txn, TxnOp};

/// Size and shape limits for keys, values and transactions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Longest key accepted, in bytes.
    pub max_key_bytes: usize,
    /// Largest value accepted, in bytes. etcd's default request limit is 1.5 MiB, and
    /// Kubernetes caps an object at that size.
    pub max_value_bytes: usize,
    /// Most operations (compares plus both branches) in one transaction; etcd's default.
    pub max_txn_ops: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_key_bytes: 4096,
            max_value_bytes: 1536 * 1024,
            max_txn_ops: 128,
        }
    }
}

impl Limits {
    /// A key must be non-empty, at most `max_key_bytes`, UTF-8 without control characters
    /// (Kubernetes keys are paths like `/registry/pods/ns/name`).
    pub fn check_key(&self, key: &[u8]) -> Result<()> {
        let invalid = |reason| {
            Err(StoreError::InvalidKey {
                key: display_key(key),
                reason,
            })
        };
        if key.is_empty() {
            return invalid("key is empty");
        }
        if key.len() > self.max_key_bytes {
            return invalid("key is longer than the limit");
        }
        match std::str::from_utf8(key) {
            Err(_) => invalid("key is not UTF-8"),
            Ok(s) if s.chars().any(char::is_control) => invalid("key contains a control character"),
            Ok(_) => Ok(()),
        }
    }

    /// A range or watch prefix may be empty (everything), else it follows the key rules.
    pub fn check_prefix(&self, prefix: &[u8]) -> Result<()> {
        if prefix.is_empty() {
            return Ok(());
        }
        self.check_key(prefix)
    }

    pub fn check_value(&self, key: &[u8], value: &[u8]) -> Result<()> {
        if value.len() > self.max_value_bytes {
            return Err(StoreError::ValueTooLarge {
                key: display_key(key),
                size: value.len(),
                limit: self.max_value_bytes,
            });
        }
        Ok(())
    }

    /// Checks every key and value, the operation count, and that no branch writes the
    /// same key twice (etcd refuses that too: the result would depend on op order).
    pub fn check_txn(&self, txn: &Txn) -> Result<()> {
        let ops = txn.compares.len() + txn.success.len() + txn.failure.len();
        if ops > self.max_txn_ops {
            return Err(StoreError::InvalidTxn(format!(
                "{ops} operations, over the limit of {}",
                self.max_txn_ops
            )));
        }
        for key in txn.keys() {
            self.check_key(key)?;
        }
        for branch in [&txn.success, &txn.failure] {
            let mut written = std::collections::HashSet::new();
            for op in branch {
                match op {
                    TxnOp::Put { key, value } => self.check_value(key, value)?,
                    TxnOp::Delete { .. } => {}
                    TxnOp::Get { .. } => continue,
                }
                if !written.insert(op.key()) {
                    return Err(StoreError::InvalidTxn(format!(
                        "key {} is written twice",
                        display_key(op.key())
                    )));
                }
            }
        }
        Ok(())
    }
}

/// A key for an error message: lossy UTF-8, cut to a readable length.
pub fn display_key(key: &[u8]) -> String {
    let shown = &key[..key.len().min(256)];
    let mut s = String::from_utf8_lossy(shown).into_owned();
    if key.len() > shown.len() {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_keys() {
        let l = Limits::default();
        assert!(l.check_key(b"/registry/pods/default/a").is_ok());
        assert!(l.check_key(b"").is_err());
        assert!(l.check_key(b"/a\x00b").is_err());
        assert!(l.check_key(b"/a\xffb").is_err());
        assert!(l.check_key(&vec![b'a'; 4097]).is_err());
    }

    #[test]
    fn rejects_double_write_and_oversize() {
        let l = Limits::default();
        let twice = Txn::new().and_then([TxnOp::put("/a", "1"), TxnOp::delete("/a")]);
        assert!(matches!(l.check_txn(&twice), Err(StoreError::InvalidTxn(_))));
        let big = Txn::new().and_then([TxnOp::put("/a", vec![0u8; 2 << 20])]);
        assert!(matches!(l.check_txn(&big), Err(StoreError::ValueTooLarge { .. })));
        let read_twice = Txn::new().and_then([TxnOp::get("/a"), TxnOp::put("/a", "x"), TxnOp::get("/a")]);
        assert!(l.check_txn(&read_twice).is_ok());
    }
}
