//! The on-disk record of one revision of one key, and how revisions are packed into the
//! engine's table keys.
//!
//! Layout (little-endian): `format u8 | kind u8 | create_revision i64 | version i64 |
//! prev u64 | key_len u32 | key | value | crc32 u32`. `prev` is the packed revision of
//! the key's previous put (0: none), so a watch replaying history can attach `prev_kv`
//! from the same snapshot. The CRC covers everything before it, so a
//! flipped bit anywhere in a record is caught on read and on reopen, whatever the engine's
//! own checks do.

use bytes::Bytes;

use crate::error::{Result, StoreError};
use crate::kv::{KeyValue, Revision};

const FORMAT: u8 = 1;
const HEADER: usize = 1 + 1 + 8 + 8 + 8 + 4;
const TRAILER: usize = 4;

/// Bits of a packed table key that hold the position of a write inside its transaction.
const SUB_BITS: u32 = 16;

/// Most writes one transaction can pack under one revision.
pub const MAX_SUB: u64 = (1 << SUB_BITS) - 1;

/// The table key of write number `sub` of the transaction at revision `main`: revisions
/// sort by `(main, sub)` as plain integers.
pub fn pack(main: Revision, sub: u64) -> u64 {
    ((main as u64) << SUB_BITS) | sub
}

/// The main revision of a packed table key.
pub fn main_of(packed: u64) -> Revision {
    (packed >> SUB_BITS) as Revision
}

/// The first packed key of revision `main`.
pub fn first_of(main: Revision) -> u64 {
    pack(main, 0)
}

/// A put or a delete (tombstone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Put = 0,
    Delete = 1,
}

/// A decoded record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub kind: Kind,
    pub key: Bytes,
    pub value: Bytes,
    pub create_revision: Revision,
    pub version: i64,
    /// Packed revision of the previous put of this key (0: none).
    pub prev: u64,
}

impl Record {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER + self.key.len() + self.value.len() + TRAILER);
        out.push(FORMAT);
        out.push(self.kind as u8);
        out.extend_from_slice(&self.create_revision.to_le_bytes());
        out.extend_from_slice(&self.version.to_le_bytes());
        out.extend_from_slice(&self.prev.to_le_bytes());
        out.extend_from_slice(&(self.key.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.key);
        out.extend_from_slice(&self.value);
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Decodes and verifies a record stored under packed key `packed`.
    pub fn decode(packed: u64, bytes: &[u8]) -> Result<Record> {
        let raw = RawRecord::parse(packed, bytes)?;
        Ok(Record {
            kind: raw.kind,
            key: Bytes::copy_from_slice(raw.key),
            value: Bytes::copy_from_slice(raw.value),
            create_revision: raw.create_revision,
            version: raw.version,
            prev: raw.prev,
        })
    }

    /// The record as the key-value it represents at `mod_revision`.
    pub fn into_kv(self, mod_revision: Revision) -> KeyValue {
        KeyValue {
            key: self.key,
            value: self.value,
            create_revision: self.create_revision,
            mod_revision,
            version: self.version,
        }
    }
}

/// A verified record borrowing its key and value from the stored bytes: reopening a
/// store checks every record without copying values.
pub struct RawRecord<'a> {
    pub kind: Kind,
    pub key: &'a [u8],
    pub value: &'a [u8],
    pub create_revision: Revision,
    pub version: i64,
    pub prev: u64,
}

impl<'a> RawRecord<'a> {
    /// Parses and verifies (checksum, framing) the record stored under `packed`.
    pub fn parse(packed: u64, bytes: &'a [u8]) -> Result<RawRecord<'a>> {
        let corrupt = |what: &str| {
            StoreError::Corrupt(format!(
                "record at revision {}.{}: {what}",
                main_of(packed),
                packed & MAX_SUB
            ))
        };
        if bytes.len() < HEADER + TRAILER {
            return Err(corrupt("truncated"));
        }
        let (body, crc) = bytes.split_at(bytes.len() - TRAILER);
        let stored_crc = u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]);
        if crc32fast::hash(body) != stored_crc {
            return Err(corrupt("checksum mismatch"));
        }
        if body[0] != FORMAT {
            return Err(corrupt("unknown format"));
        }
        let kind = match body[1] {
            0 => Kind::Put,
            1 => Kind::Delete,
            _ => return Err(corrupt("unknown kind")),
        };
        let word = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&body[at..at + 8]);
            b
        };
        let key_len = u32::from_le_bytes([body[26], body[27], body[28], body[29]]) as usize;
        if HEADER + key_len > body.len() {
            return Err(corrupt("key length past end"));
        }
        Ok(RawRecord {
            kind,
            key: &body[HEADER..HEADER + key_len],
            value: &body[HEADER + key_len..],
            create_revision: i64::from_le_bytes(word(2)),
            version: i64::from_le_bytes(word(10)),
            prev: u64::from_le_bytes(word(18)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Record {
        Record {
            kind: Kind::Put,
            key: Bytes::from_static(b"/registry/pods/default/a"),
            value: Bytes::from_static(b"{\"kind\":\"Pod\"}"),
            create_revision: 7,
            version: 3,
            prev: pack(6, 0),
        }
    }

    #[test]
    fn round_trips() {
        let rec = sample();
        assert_eq!(Record::decode(pack(9, 1), &rec.encode()).unwrap(), rec);
        assert_eq!(main_of(pack(9, 1)), 9);
        assert!(pack(9, MAX_SUB) < first_of(10));
    }

    #[test]
    fn detects_any_flipped_byte_and_truncation() {
        let bytes = sample().encode();
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x40;
            assert!(
                matches!(Record::decode(1, &bad), Err(StoreError::Corrupt(_))),
                "byte {i}"
            );
        }
        for len in 0..bytes.len() {
            assert!(Record::decode(1, &bytes[..len]).is_err(), "len {len}");
        }
    }
}
