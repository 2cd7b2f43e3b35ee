//! POST of a new object: 201 with the object as stored, and any `fieldValidation`
//! warnings.

use axum::http::StatusCode;
use axum::response::Response;

use super::Call;
use super::negotiation::with_warnings;
use crate::error::ApiError;

pub(super) async fn create(call: &Call<'_>) -> Result<Response, ApiError> {
    let object = call.object_body()?;
    let written = call.registry().create(call.scope()?, object).await?;
    Ok(with_warnings(
        call.respond(StatusCode::CREATED, written.object),
        &written.warnings,
    ))
}
