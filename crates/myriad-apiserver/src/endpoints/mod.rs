//! The HTTP handlers of resource requests (`/api/…`, `/apis/…`), one file per verb:
//! [`get`], [`list`] (LIST and WATCH), [`create`], [`update`] (PUT and PATCH), [`delete`]
//! (DELETE and DELETECOLLECTION), [`subresources`] (binding, eviction, token), and the
//! create-only [`reviews`]. A handler reads the request (its body through [`body`], the
//! response format through [`negotiation`]), asks the registry or the watch cache, and
//! writes the answer. Discovery documents and OpenAPI are here too ([`discovery`],
//! [`openapi`]).

mod body;
mod component_statuses;
mod create;
mod delete;
pub(crate) mod discovery;
mod get;
mod list;
mod negotiation;
pub(crate) mod openapi;
mod reviews;
mod subresources;
mod update;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use myriad_api::registry::{Part, ResourceInfo};

use crate::authn::UserInfo;
use crate::error::ApiError;
use crate::registry::field_validation::Mode;
use crate::registry::{Registry, Scope};
use crate::request::{Parsed, RequestInfo, Verb};
use crate::state::AppState;

/// One resource request, read and checked, as every handler gets it.
pub(crate) struct Call<'a> {
    pub(crate) state: &'a AppState,
    pub(crate) info: &'a ResourceInfo,
    pub(crate) request: &'a RequestInfo,
    pub(crate) parsed: &'a Parsed,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: Bytes,
    /// Who is calling (authenticated, after impersonation).
    pub(crate) user: &'a UserInfo,
    /// The client asked for a Table (`kubectl get`).
    pub(crate) as_table: bool,
}

impl Call<'_> {
    fn registry(&self) -> &Registry {
        &self.state.registry
    }

    /// The object name of the URL ("" for collections).
    fn name(&self) -> &str {
        self.request.name.as_deref().unwrap_or("")
    }

    fn subresource(&self) -> Option<&str> {
        self.request.subresource.as_deref()
    }

    /// What the registry needs to know of this request.
    fn scope(&self) -> Result<Scope<'_>, ApiError> {
        Ok(Scope {
            info: self.info,
            namespace: self.request.namespace.as_deref(),
            user: self.user,
            dry_run: self.parsed.param("dryRun") == Some("All"),
            field_validation: Mode::from_param(self.parsed.param("fieldValidation"))?,
        })
    }
}

/// Entry point for every `/api/…` and `/apis/…` path that is not a discovery document.
pub(crate) async fn resource(State(state): State<AppState>, request: Request) -> Response {
    match serve(&state, request).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn serve(state: &AppState, request: Request) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    // Read (or refuse) the body first, so that even a 404 answers a client that sent one.
    let body = body::read(&parts.headers, body).await?;
    let not_found = || ApiError::PathNotFound(parts.uri.path().to_string());
    let parsed = parts.extensions.get::<Arc<Parsed>>().cloned().ok_or_else(not_found)?;
    let user = parts
        .extensions
        .get::<Arc<UserInfo>>()
        .cloned()
        .ok_or(ApiError::Unauthorized)?;
    let req = parsed.info.as_ref().ok_or_else(not_found)?;
    let info = state
        .catalog()
        .lookup(&req.group, &req.version, &req.resource)
        .ok_or_else(not_found)?;
    check_verb(&info, req).map_err(|e| e.unwrap_or_else(not_found))?;
    let call = Call {
        state,
        info: &info,
        request: req,
        parsed: &parsed,
        headers: &parts.headers,
        body,
        user: &user,
        as_table: negotiation::wants_table(&parts.headers),
    };
    match (info.group, info.resource) {
        ("", "bindings") => return subresources::legacy_bind(&call).await,
        ("", "componentstatuses") => return component_statuses::serve(&call).await,
        _ => {}
    }
    if info.verbs == ["create"] {
        return reviews::answer(&call).await;
    }
    match (req.verb, req.subresource.as_deref()) {
        (Verb::Get, _) => get::get(&call).await,
        (Verb::List, _) => list::list(&call).await,
        (Verb::Watch, _) => list::watch(&call).await,
        (Verb::Create, Some("binding")) => subresources::bind(&call).await,
        (Verb::Create, Some("eviction")) => subresources::evict(&call).await,
        (Verb::Create, Some("token")) => subresources::token(&call).await,
        (Verb::Create, _) => create::create(&call).await,
        (Verb::Update, _) => update::update(&call).await,
        (Verb::Patch, _) => update::patch(&call).await,
        (Verb::Delete, _) => delete::delete(&call).await,
        (Verb::DeleteCollection, _) => delete::delete_collection(&call).await,
    }
}

/// Whether `info` serves the request's verb (and subresource): `Err(None)` for a path
/// that does not exist (404), `Err(Some(_))` for a verb it does not allow (405).
fn check_verb(info: &ResourceInfo, req: &RequestInfo) -> Result<(), Option<ApiError>> {
    if req.namespace.is_some() && !info.namespaced {
        return Err(None);
    }
    let not_allowed = |what: String| {
        Some(ApiError::MethodNotAllowed(format!(
            "the server does not allow this method on the requested resource ({what})"
        )))
    };
    if !info.verbs.contains(&req.verb.as_str()) {
        return Err(not_allowed(info.group_resource()));
    }
    if info.verbs == ["create"] && req.name.is_some() {
        return Err(None);
    }
    if let Some(sub) = req.subresource.as_deref() {
        // binding and eviction act on the pod, token on the ServiceAccount; the others
        // (status, scale, approval, finalize, ephemeralcontainers) are parts of the
        // object, and a namespace's finalizers are only ever replaced.
        let acts = matches!(sub, "binding" | "eviction" | "token");
        let part = Part::of(Some(sub)).is_some();
        if !(acts || part) || !info.has_subresource(sub) {
            return Err(None);
        }
        let allowed = match sub {
            _ if acts => req.verb == Verb::Create,
            "finalize" => req.verb == Verb::Update,
            _ => matches!(req.verb, Verb::Get | Verb::Update | Verb::Patch),
        };
        if !allowed {
            return Err(not_allowed(format!("{}/{sub}", info.group_resource())));
        }
    }
    Ok(())
}
