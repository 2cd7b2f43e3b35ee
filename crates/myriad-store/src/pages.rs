//! Reading a prefix page by page at one revision: the first page is read at the
//! requested revision (0: the current one) and every later page at the revision the
//! first was served at, so the pages together are one consistent snapshot however
//! many writes land in between. Used wherever a whole prefix is read (lists from the
//! store, a watch's initial events, the watch cache's initial list, cleanups) instead
//! of one unbounded range.

use bytes::Bytes;

use crate::error::Result;
use crate::kv::{KeyValue, RangeOptions, RangeResponse, Revision};
use crate::store::Store;

/// A cursor over the keys under a prefix.
pub struct Pages<'a> {
    store: &'a dyn Store,
    prefix: Bytes,
    /// The first key of the next page; `None` for the prefix's first key.
    start: Option<Bytes>,
    revision: Revision,
    page_size: usize,
    done: bool,
}

impl<'a> Pages<'a> {
    /// Pages of at most `page_size` keys (at least 1) under `prefix`, at the current
    /// revision.
    pub fn new(store: &'a dyn Store, prefix: impl Into<Bytes>, page_size: usize) -> Self {
        Pages {
            store,
            prefix: prefix.into(),
            start: None,
            revision: 0,
            page_size: page_size.max(1),
            done: false,
        }
    }

    /// Reads at `revision` instead (0: the current one).
    pub fn at(mut self, revision: Revision) -> Self {
        self.revision = revision;
        self
    }

    /// Starts at the first key `>= start` (a full key, inside the prefix).
    pub fn starting_at(mut self, start: impl Into<Bytes>) -> Self {
        self.start = Some(start.into());
        self
    }

    /// The revision the pages are read at: 0 until the first page is read.
    pub fn revision(&self) -> Revision {
        self.revision
    }

    /// The next page of at most the cursor's page size; `None` after the last.
    pub async fn next(&mut self) -> Result<Option<RangeResponse>> {
        let size = self.page_size;
        self.next_up_to(size).await
    }

    /// The next page of at most `limit` keys (at least 1); `None` after the last.
    pub async fn next_up_to(&mut self, limit: usize) -> Result<Option<RangeResponse>> {
        if self.done {
            return Ok(None);
        }
        let options = RangeOptions {
            start: self.start.clone(),
            limit: limit.max(1),
            revision: self.revision,
        };
        let page = self.store.range(&self.prefix, options).await?;
        self.revision = page.revision;
        match page.kvs.last() {
            Some(last) if page.more => self.start = Some(key_after(last)),
            _ => self.done = true,
        }
        Ok(Some(page))
    }

    /// Every remaining key, read page by page (for callers that need them all at once).
    pub async fn collect(mut self) -> Result<(Vec<KeyValue>, Revision)> {
        let mut kvs = Vec::new();
        while let Some(page) = self.next().await? {
            kvs.extend(page.kvs);
        }
        Ok((kvs, self.revision))
    }
}

/// The smallest key after `kv`'s: where the page after it starts.
pub fn key_after(kv: &KeyValue) -> Bytes {
    let mut next = Vec::with_capacity(kv.key.len() + 1);
    next.extend_from_slice(&kv.key);
    next.push(0);
    Bytes::from(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EmbeddedOptions, EmbeddedStore};

    #[tokio::test]
    async fn pages_are_one_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(EmbeddedOptions::new(dir.path())).await.unwrap();
        for i in 0..25 {
            store.put(format!("/p/{i:02}").as_bytes(), b"v").await.unwrap();
        }
        store.put(b"/q/outside", b"v").await.unwrap();
        let mut pages = Pages::new(&store, "/p/", 10);
        let first = pages.next().await.unwrap().unwrap();
        assert_eq!(first.kvs.len(), 10);
        let pinned = pages.revision();
        // Written after the first page: not part of the snapshot.
        store.put(b"/p/99", b"late").await.unwrap();
        store.delete(b"/p/15").await.unwrap();
        let mut keys: Vec<Bytes> = first.kvs.iter().map(|kv| kv.key.clone()).collect();
        while let Some(page) = pages.next_up_to(7).await.unwrap() {
            assert_eq!(page.revision, pinned);
            keys.extend(page.kvs.iter().map(|kv| kv.key.clone()));
        }
        assert_eq!(keys.len(), 25);
        assert!(keys.iter().any(|k| &k[..] == b"/p/15") && !keys.iter().any(|k| &k[..] == b"/p/99"));
        let (rest, _) = Pages::new(&store, "/p/", 4)
            .starting_at("/p/20")
            .collect()
            .await
            .unwrap();
        assert_eq!(rest.len(), 6, "20..24 and the late 99");
    }
}
