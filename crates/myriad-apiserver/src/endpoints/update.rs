//! PUT and PATCH of an object or of its `status` or `scale` subresource. A PUT body is
//! decoded before the object is read, so a bad body is a 400 even when the object does
//! not exist, as upstream. A write through `scale` is answered with the new Scale.

use axum::http::{StatusCode, header};
use axum::response::Response;
use myriad_api::registry::Part;

use super::Call;
use super::negotiation::with_warnings;
use crate::error::ApiError;
use crate::registry::Written;
use crate::registry::patch::PatchType;
use crate::registry::scale::scale_of;
use crate::registry::update::Change;
use crate::response;

pub(super) async fn update(call: &Call<'_>) -> Result<Response, ApiError> {
    let part = part_of(call)?;
    let object = match part {
        Part::Scale => call
            .json()?
            .ok_or_else(|| ApiError::BadRequest("the body of the request must be a Scale object".into()))?,
        _ => call.object_body()?,
    };
    let written = call
        .registry()
        .update(call.scope()?, call.name(), part, Change::Replace(object))
        .await?;
    Ok(answer(call, part, written))
}

pub(super) async fn patch(call: &Call<'_>) -> Result<Response, ApiError> {
    let content_type = call
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let kind = PatchType::from_content_type(content_type)?;
    let part = part_of(call)?;
    let written = call
        .registry()
        .update(call.scope()?, call.name(), part, Change::Patch(kind, &call.body))
        .await?;
    Ok(answer(call, part, written))
}

/// The part of the object the request writes (`check_verb` admitted only parts).
fn part_of(call: &Call<'_>) -> Result<Part, ApiError> {
    Part::of(call.subresource()).ok_or_else(|| ApiError::PathNotFound(call.subresource().unwrap_or_default().into()))
}

/// The stored object, or its Scale for a write through `scale`.
fn answer(call: &Call<'_>, part: Part, written: Written) -> Response {
    let response = match part {
        Part::Scale => response::json(StatusCode::OK, &scale_of(call.info, &written.object)),
        _ if written.created => call.respond(StatusCode::CREATED, written.object),
        _ => call.respond(StatusCode::OK, written.object),
    };
    with_warnings(response, &written.warnings)
}
