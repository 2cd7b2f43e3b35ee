//! GET of one object (or of its `status` or `scale`), read from the store as upstream
//! reads `resourceVersion=""`.

use axum::http::StatusCode;
use axum::response::Response;

use super::Call;
use crate::error::ApiError;
use crate::registry::scale::scale_of;
use crate::response;

pub(super) async fn get(call: &Call<'_>) -> Result<Response, ApiError> {
    let (object, _) = call.registry().get(call.scope()?, call.name()).await?;
    if call.subresource() == Some("scale") {
        return Ok(response::json(StatusCode::OK, &scale_of(call.info, &object)));
    }
    Ok(call.respond(StatusCode::OK, object))
}
