//! A LIST read from the store, page by page at one revision: for uncached resources and
//! for what the cache no longer holds (old revisions, expired snapshots). `limit`
//! counts returned objects, as upstream's store does: with selectors it keeps reading
//! (at the first read's revision) until enough match.

use axum::response::Response;
use bytes::Bytes;
use myriad_api::registry::ResourceInfo;
use myriad_store::{Pages, Revision, Store, StoreError};

use crate::error::ApiError;
use crate::request::list_options::{ListOptions, ResourceVersion, decode_continue, encode_continue};
use crate::request::selector::Selector;
use crate::response;
use crate::storage::codec::decode_stored_as;

/// The fewest keys a list reads at a time while filling a page through selectors.
const READ_MIN: usize = 100;
/// Keys read at a time for an unpaged list.
const READ_PAGE: usize = 10_000;

/// One LIST against the store.
pub(crate) struct StoreList<'a> {
    pub(crate) store: &'a dyn Store,
    pub(crate) info: &'a ResourceInfo,
    pub(crate) namespace: Option<&'a str>,
    pub(crate) options: &'a ListOptions,
    pub(crate) selector: &'a Selector,
    pub(crate) as_table: bool,
}

impl StoreList<'_> {
    pub(crate) async fn respond(&self) -> Result<Response, ApiError> {
        let prefix = self.info.namespace_prefix(self.namespace);
        let limit = self.options.limit;
        let mut pages = Pages::new(self.store, prefix.clone(), READ_PAGE);
        let mut after = None;
        match &self.options.continue_token {
            Some(token) => {
                let (revision, start) = decode_continue(token)?;
                pages = pages.at(revision).starting_at(format!("{prefix}{start}"));
                after = Some(start);
            }
            None => pages = pages.at(read_revision(self.store, self.options).await?),
        }
        let mut items = Vec::new();
        let mut resume_after: Option<String> = None;
        loop {
            let wanted = if limit == 0 {
                READ_PAGE
            } else {
                (limit - items.len()).max(READ_MIN)
            };
            let page = match pages.next_up_to(wanted).await {
                Ok(Some(page)) => page,
                Ok(None) => break,
                Err(StoreError::Compacted { .. }) if after.is_some() => {
                    return Err(ApiError::ContinueExpired {
                        token: encode_continue(-1, after.as_deref().unwrap_or_default()),
                    });
                }
                Err(error) => return Err(error.into()),
            };
            let mut scanned = 0;
            for kv in &page.kvs {
                scanned += 1;
                let object = decode_stored_as(kv, self.info)?;
                if self.selector.matches(&object) {
                    items.push(object);
                }
                if limit > 0 && items.len() == limit {
                    break;
                }
            }
            let more = page.more || scanned < page.kvs.len();
            if limit > 0 && items.len() == limit && more {
                resume_after = page.kvs[..scanned].last().map(|kv| relative_key(&kv.key, &prefix));
                break;
            }
            if !more {
                break;
            }
        }
        let revision = pages.revision();
        let metadata = response::list_metadata(revision, resume_after.map(|after| encode_continue(revision, &after)));
        if self.as_table {
            return Ok(response::table(self.info, &items, metadata));
        }
        Ok(response::list(self.info, &metadata, &items))
    }
}

/// Where the next page starts, relative to the list's prefix: just after `key`.
fn relative_key(key: &Bytes, prefix: &str) -> String {
    let rest = &key[prefix.len().min(key.len())..];
    format!("{}\u{0}", String::from_utf8_lossy(rest))
}

/// The store revision a list (without `continue`) reads at; 0 is the latest. An exact
/// read is at N; otherwise N asks for state at least as new as N, which the latest
/// state is once the store has reached N.
async fn read_revision(store: &dyn Store, options: &ListOptions) -> Result<Revision, ApiError> {
    if let Some(exact) = options.exact_revision() {
        return Ok(exact);
    }
    let ResourceVersion::At(wanted) = options.resource_version else {
        return Ok(0);
    };
    let current = store.current_revision().await?;
    if wanted > current {
        return Err(ApiError::ResourceVersionTooLarge {
            requested: wanted,
            current,
            retry_after: 0,
        });
    }
    Ok(0)
}
