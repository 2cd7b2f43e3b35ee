//! The cache-or-store choice for reads, as upstream's cacher delegator makes it inside
//! storage rather than in the handlers: a LIST or WATCH goes to the resource's cacher;
//! what the cacher declines (an uncached resource, a revision it no longer holds, a
//! consistent read it could not catch up with in time, a cheap paged read while it
//! starts) is read from the store (`storage::list`, `storage::watch`).

use std::sync::Arc;

use axum::response::Response;

use super::{Caches, ListRequest, WatchRequest};
use crate::error::ApiError;
use crate::request::list_options::ResourceVersion;
use crate::storage::list::StoreList;
use crate::storage::watch::StoreWatch;

impl Caches {
    /// Serves a LIST.
    pub(crate) async fn list(&self, request: ListRequest<'_>) -> Result<Response, ApiError> {
        if let Some(cacher) = self.get(request.info)
            && let Some(response) = cacher.list(request).await?
        {
            return Ok(response);
        }
        let backend = self.store.store_for(request.info.storage_prefix().as_bytes()).clone();
        StoreList {
            store: backend.as_ref(),
            info: request.info,
            namespace: request.namespace,
            options: request.options,
            selector: request.selector,
            as_table: request.as_table,
        }
        .respond()
        .await
    }

    /// Serves a WATCH.
    pub(crate) async fn watch(&self, request: WatchRequest<'_>) -> Result<Response, ApiError> {
        if let Some(cacher) = self.get(&request.info) {
            return cacher.watch(request).await;
        }
        let options = request.options;
        let resource_version = match options.resource_version {
            ResourceVersion::At(rv) => Some(rv),
            ResourceVersion::Latest | ResourceVersion::Any => None,
        };
        let backend: Arc<dyn myriad_store::Store> =
            self.store.store_for(request.info.storage_prefix().as_bytes()).clone();
        let counted = self.metrics.uncached_watch(&request.info.group_resource());
        let watch = StoreWatch {
            prefix: request.info.namespace_prefix(request.namespace),
            info: request.info,
            resource_version,
            initial_events: options.initial_events(),
            send_initial_events: options.send_initial_events == Some(true),
            bookmarks: options.bookmarks,
            timeout: options.timeout,
            selector: request.selector,
            _counted: counted,
        };
        Ok(watch.respond(backend))
    }
}
