//! The first filter: parses the request once — its query, and what a resource request
//! is about — and derives what it asks in RBAC's terms; both go into the request's
//! extensions (`Arc<Parsed>`, `Attributes`) for every later filter and the handler.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

use crate::authz::Attributes;
use crate::request::Parsed;

pub(super) async fn parse(mut request: Request, next: Next) -> Response {
    let parsed = Parsed::new(request.method(), request.uri());
    let attributes = match &parsed.info {
        Some(info) => Attributes::of_resource(info, parsed.param("fieldSelector")),
        None => Attributes::of_path(request.method(), request.uri().path()),
    };
    request.extensions_mut().insert(parsed);
    request.extensions_mut().insert(attributes);
    next.run(request).await
}
