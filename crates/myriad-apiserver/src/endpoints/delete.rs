//! DELETE and DELETECOLLECTION: `DeleteOptions` from the body, with
//! `gracePeriodSeconds` from the query taking precedence; answered with the object as
//! deleted (or marked), or the list of them.

use axum::http::StatusCode;
use axum::response::Response;

use super::Call;
use crate::error::ApiError;
use crate::registry::delete::{DeleteOptions, Policy};
use crate::request::selector::Selector;
use crate::response;

impl Call<'_> {
    fn delete_options(&self) -> Result<DeleteOptions, ApiError> {
        let mut options = match self.json() {
            Ok(None) => DeleteOptions::default(),
            Ok(Some(options)) => DeleteOptions::from_json(&options)?,
            Err(ApiError::BadRequest(detail)) => {
                return Err(ApiError::BadRequest(format!(
                    "the body of the request (DeleteOptions) is not valid JSON: {detail}"
                )));
            }
            Err(other) => return Err(other),
        };
        // Query parameters name the same options (`?propagationPolicy=Foreground`).
        let policy = self.parsed.param("propagationPolicy").map(Policy::parse).transpose()?;
        let orphan = match self.parsed.param("orphanDependents") {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(other) => return Err(ApiError::BadRequest(format!("invalid orphanDependents {other:?}"))),
        };
        if policy.is_some() || orphan.is_some() {
            options.propagation = DeleteOptions::propagation(policy.or(options.propagation), orphan)?;
        }
        if let Some(value) = self.parsed.param("gracePeriodSeconds") {
            options.grace = Some(
                value
                    .parse()
                    .map_err(|_| ApiError::BadRequest(format!("invalid gracePeriodSeconds {value:?}")))?,
            );
        }
        Ok(options)
    }
}

pub(super) async fn delete(call: &Call<'_>) -> Result<Response, ApiError> {
    let options = call.delete_options()?;
    let deleted = call.registry().delete(call.scope()?, call.name(), &options).await?;
    Ok(call.respond(StatusCode::OK, deleted))
}

pub(super) async fn delete_collection(call: &Call<'_>) -> Result<Response, ApiError> {
    let options = call.delete_options()?;
    let selector = Selector::parse(
        call.info,
        call.parsed.param("labelSelector"),
        call.parsed.param("fieldSelector"),
    )?;
    let (deleted, revision) = call
        .registry()
        .delete_collection(call.scope()?, &selector, &options)
        .await?;
    Ok(response::list(
        call.info,
        &response::list_metadata(revision, None),
        &deleted,
    ))
}
