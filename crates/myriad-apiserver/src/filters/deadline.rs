//! Request deadlines, as upstream's `WithRequestDeadline` and
//! `WithTimeoutForNonLongRunningRequests`: a request that is not long-running (every
//! request but a watch) must produce its response within the server's request timeout
//! (`--request-timeout`, 60 s by default) or the shorter `?timeout=` it asked for;
//! otherwise its work is dropped and it is answered with upstream's 504 `Timeout`. A
//! response body already streaming (a large LIST) is not cut.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::request::{Parsed, Verb};
use crate::state::AppState;

pub(super) async fn enforce(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let parsed = request.extensions().get::<Arc<Parsed>>().cloned();
    let long_running = parsed
        .as_ref()
        .and_then(|p| p.info.as_ref())
        .is_some_and(|info| info.verb == Verb::Watch);
    if long_running {
        return next.run(request).await;
    }
    let asked = match parsed.as_ref().and_then(|p| p.param("timeout")) {
        Some(text) => match parse_go_duration(text) {
            Some(asked) => Some(asked),
            None => {
                return ApiError::BadRequest(format!("invalid timeout specified in the request URL: {text:?}"))
                    .into_response();
            }
        },
        None => None,
    };
    let deadline = asked
        .filter(|asked| !asked.is_zero())
        .map_or(state.request_timeout, |asked| asked.min(state.request_timeout));
    match tokio::time::timeout(deadline, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            state.metrics.request_timed_out();
            ApiError::Timeout("request did not complete within requested timeout - context deadline exceeded".into())
                .into_response()
        }
    }
}

/// A Go duration (`30s`, `1m30s`, `500ms`, `1.5h`), as clients send `?timeout=`.
fn parse_go_duration(text: &str) -> Option<Duration> {
    if text == "0" {
        return Some(Duration::ZERO);
    }
    let mut rest = text;
    let mut total = 0f64;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let number: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        total += number * seconds;
        rest = &rest[unit..];
    }
    Duration::try_from_secs_f64(total).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_go_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_go_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_go_duration("0"), Some(Duration::ZERO));
        assert_eq!(parse_go_duration("1.5h"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_go_duration("soon"), None);
        assert_eq!(parse_go_duration("10"), None);
        assert_eq!(parse_go_duration(""), Some(Duration::ZERO));
    }
}
