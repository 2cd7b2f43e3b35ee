//! LIST and WATCH: the query read as upstream's `ListOptions` and selectors, then
//! served by the watch cache or, when it cannot, the store (`cache::delegator`).

use std::sync::Arc;

use axum::response::Response;

use super::Call;
use crate::cache::{ListRequest, WatchRequest};
use crate::error::ApiError;
use crate::request::list_options::ListOptions;
use crate::request::selector::Selector;

impl Call<'_> {
    /// The request's `labelSelector` and `fieldSelector`.
    fn selector(&self) -> Result<Selector, ApiError> {
        Selector::parse(
            self.info,
            self.parsed.param("labelSelector"),
            self.parsed.param("fieldSelector"),
        )
    }
}

pub(super) async fn list(call: &Call<'_>) -> Result<Response, ApiError> {
    let options = ListOptions::parse(&call.parsed.params, false)?;
    let selector = call.selector()?;
    let request = ListRequest {
        info: call.info,
        namespace: call.request.namespace.as_deref(),
        options: &options,
        selector: &selector,
        as_table: call.as_table,
    };
    call.state.caches().list(request).await
}

pub(super) async fn watch(call: &Call<'_>) -> Result<Response, ApiError> {
    let options = ListOptions::parse(&call.parsed.params, true)?;
    let request = WatchRequest {
        info: Arc::new(call.info.clone()),
        namespace: call.request.namespace.as_deref(),
        options: &options,
        selector: call.selector()?,
    };
    call.state.caches().watch(request).await
}
