//! The query of a LIST or WATCH (`ListOptions`), parsed and checked as upstream's
//! `ValidateListOptions` does before anything is read: which combinations of
//! `resourceVersion`, `resourceVersionMatch`, `continue` and `sendInitialEvents` make
//! sense. A bad combination is a 422 `ListOptions.meta.k8s.io "" is invalid: …` with
//! upstream's wording; a value that does not parse is a 400.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use myriad_api::FieldError;
use myriad_store::Revision;

use crate::error::ApiError;
use myriad_api::GroupKind;

/// `resourceVersion`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ResourceVersion {
    /// Absent or `""`: the most recent state, a consistent read.
    Latest,
    /// `"0"`: any state the server holds.
    Any,
    /// `N`: not older than N, or exactly N (see [`Match`]).
    At(Revision),
}

/// `resourceVersionMatch`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Match {
    Unset,
    NotOlderThan,
    Exact,
}

/// Most objects in one page of a paged LIST (`limit` above it is lowered).
pub(crate) const MAX_PAGE: usize = 10_000;

/// A LIST's or WATCH's parameters (selectors are parsed where they are applied).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ListOptions {
    pub(crate) resource_version: ResourceVersion,
    pub(crate) resource_version_match: Match,
    /// `limit`; 0 for none.
    pub(crate) limit: usize,
    /// `continue`, still encoded.
    pub(crate) continue_token: Option<String>,
    /// `allowWatchBookmarks`.
    pub(crate) bookmarks: bool,
    /// `sendInitialEvents`, when given.
    pub(crate) send_initial_events: Option<bool>,
    /// `timeoutSeconds`.
    pub(crate) timeout: Option<Duration>,
}

impl ListOptions {
    /// The revision a LIST must read exactly: `resourceVersion=N` with
    /// `resourceVersionMatch=Exact`, or with a `limit` and no match (upstream's legacy
    /// rule).
    pub(crate) fn exact_revision(&self) -> Option<Revision> {
        let ResourceVersion::At(revision) = self.resource_version else {
            return None;
        };
        let exact = self.resource_version_match == Match::Exact
            || (self.resource_version_match == Match::Unset && self.limit > 0);
        exact.then_some(revision)
    }

    /// Whether a WATCH starts with the current state as ADDED events: `""` and `"0"`
    /// do unless `sendInitialEvents=false`; `N` only with `sendInitialEvents=true`.
    pub(crate) fn initial_events(&self) -> bool {
        match self.resource_version {
            ResourceVersion::At(_) => self.send_initial_events == Some(true),
            ResourceVersion::Latest | ResourceVersion::Any => self.send_initial_events != Some(false),
        }
    }

    /// Reads and checks the query of a LIST (`watch` false) or a WATCH.
    pub(crate) fn parse(params: &HashMap<String, String>, watch: bool) -> Result<Self, ApiError> {
        let get = |name: &str| params.get(name).map(String::as_str).filter(|v| !v.is_empty());
        let flag = |name: &str| get(name).map(|v| v == "true" || v == "1");
        let resource_version = match get("resourceVersion") {
            None => ResourceVersion::Latest,
            Some("0") => ResourceVersion::Any,
            Some(rv) => ResourceVersion::At(
                rv.parse()
                    .ok()
                    .filter(|rv: &Revision| *rv > 0)
                    .ok_or_else(|| ApiError::BadRequest(format!("invalid resource version: {rv}")))?,
            ),
        };
        let match_text = get("resourceVersionMatch").unwrap_or("");
        let number = |name: &str| -> Result<Option<u64>, ApiError> {
            get(name)
                .map(|v| {
                    v.parse()
                        .map_err(|_| ApiError::BadRequest(format!("invalid {name}: {v:?}")))
                })
                .transpose()
        };
        let options = ListOptions {
            resource_version,
            resource_version_match: match match_text {
                "NotOlderThan" => Match::NotOlderThan,
                "Exact" => Match::Exact,
                _ => Match::Unset,
            },
            // A page is at most MAX_PAGE objects; the rest follows through `continue`,
            // as the API allows a server to return fewer than asked.
            limit: usize::try_from(number("limit")?.unwrap_or(0))
                .unwrap_or(usize::MAX)
                .min(MAX_PAGE),
            continue_token: get("continue").map(str::to_string),
            bookmarks: flag("allowWatchBookmarks").unwrap_or(false),
            send_initial_events: flag("sendInitialEvents"),
            // 0 asks for the server's default, as upstream reads it.
            timeout: number("timeoutSeconds")?.filter(|s| *s > 0).map(Duration::from_secs),
        };
        let errors = if watch {
            options.watch_errors(match_text)
        } else {
            options.list_errors(match_text, get("resourceVersion").unwrap_or(""))
        };
        if !errors.is_empty() {
            return Err(ApiError::invalid(
                GroupKind::new("meta.k8s.io", "ListOptions"),
                "",
                errors,
            ));
        }
        if !watch && options.continue_token.is_some() && matches!(options.resource_version, ResourceVersion::At(_)) {
            return Err(ApiError::BadRequest(
                "specifying resource version is not allowed when using continue".into(),
            ));
        }
        Ok(options)
    }

    fn list_errors(&self, match_text: &str, resource_version: &str) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if !match_text.is_empty() {
            if resource_version.is_empty() {
                errors.push(FieldError::forbidden(
                    "resourceVersionMatch",
                    "resourceVersionMatch is forbidden unless resourceVersion is provided",
                ));
            }
            if self.continue_token.is_some() {
                errors.push(forbidden_with_continue());
            }
            if self.resource_version_match == Match::Unset {
                errors.push(FieldError::not_supported(
                    "resourceVersionMatch",
                    match_text,
                    &["Exact", "NotOlderThan", ""],
                ));
            }
            if self.resource_version_match == Match::Exact && resource_version == "0" {
                errors.push(FieldError::forbidden(
                    "resourceVersionMatch",
                    r#"resourceVersionMatch "exact" is forbidden for resourceVersion "0""#,
                ));
            }
        }
        if self.send_initial_events.is_some() {
            errors.push(FieldError::forbidden(
                "sendInitialEvents",
                "sendInitialEvents is forbidden for list",
            ));
        }
        errors
    }

    fn watch_errors(&self, match_text: &str) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.send_initial_events.is_some() && self.resource_version_match != Match::NotOlderThan {
            errors.push(FieldError::forbidden(
                "resourceVersionMatch",
                "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
            ));
        }
        if !match_text.is_empty() {
            if self.send_initial_events.is_none() {
                errors.push(FieldError::forbidden(
                    "resourceVersionMatch",
                    "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
                ));
            }
            if self.resource_version_match != Match::NotOlderThan {
                errors.push(FieldError::not_supported(
                    "resourceVersionMatch",
                    match_text,
                    &["NotOlderThan"],
                ));
            }
            if self.continue_token.is_some() {
                errors.push(forbidden_with_continue());
            }
        }
        errors
    }
}

fn forbidden_with_continue() -> FieldError {
    FieldError::forbidden(
        "resourceVersionMatch",
        "resourceVersionMatch is forbidden when continue is provided",
    )
}

/// A continue token, in upstream's form: unpadded URL-safe base64 of
/// `{"v":"meta.k8s.io/v1","rv":N,"start":KEY}`; `rv` -1 continues at the latest state.
pub(crate) fn encode_continue(revision: Revision, start: &str) -> String {
    URL_SAFE_NO_PAD.encode(json!({"v": "meta.k8s.io/v1", "rv": revision, "start": start}).to_string())
}

/// Reads a continue token: the revision to read at (0: the latest) and the key to
/// start from, relative to the resource's prefix. Padded standard base64 (what Myriad
/// issued before) is accepted too.
pub(crate) fn decode_continue(token: &str) -> Result<(Revision, String), ApiError> {
    let bad = |why: &str| ApiError::BadRequest(format!("invalid continue token: continue key is not valid: {why}"));
    let bytes = URL_SAFE_NO_PAD
        .decode(token)
        .or_else(|_| STANDARD.decode(token))
        .map_err(|_| bad("the continue token is not base64"))?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|_| bad("the continue token is not JSON"))?;
    if value.get("v").and_then(Value::as_str) != Some("meta.k8s.io/v1") {
        return Err(bad("got invalid API version"));
    }
    let revision = match value.get("rv").and_then(Value::as_i64) {
        Some(-1) => 0,
        Some(rv) if rv > 0 => rv,
        _ => return Err(bad("incorrect encoded start resourceVersion (version meta.k8s.io/v1)")),
    };
    let start = value.get("start").and_then(Value::as_str).unwrap_or("");
    if start.is_empty() {
        return Err(bad("encoded start key empty (version meta.k8s.io/v1)"));
    }
    // Upstream requires `path.Clean(start) == start`: no absolute path, no empty, `.` or
    // `..` segments (names like `a..b` are fine). The trailing NUL is part of the key.
    let cleaned = start.trim_end_matches('\0');
    if start.starts_with('/') || cleaned.split('/').any(|segment| matches!(segment, "" | "." | "..")) {
        return Err(bad("the continue token is malformed"));
    }
    Ok((revision, start.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &[(&str, &str)], watch: bool) -> Result<ListOptions, ApiError> {
        let params = query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        ListOptions::parse(&params, watch)
    }

    fn message(error: ApiError) -> String {
        error.to_string()
    }

    #[test]
    fn list_options_follow_upstream_rules() {
        let ok = parse(
            &[
                ("resourceVersion", "7"),
                ("resourceVersionMatch", "Exact"),
                ("limit", "5"),
            ],
            false,
        )
        .unwrap();
        assert_eq!(ok.resource_version, ResourceVersion::At(7));
        assert_eq!((ok.resource_version_match, ok.limit), (Match::Exact, 5));
        assert_eq!(parse(&[], false).unwrap().resource_version, ResourceVersion::Latest);
        assert_eq!(
            parse(&[("resourceVersion", "0")], false).unwrap().resource_version,
            ResourceVersion::Any
        );

        let error = parse(&[("resourceVersionMatch", "NotOlderThan")], false).unwrap_err();
        let status = serde_json::to_value(error.status()).unwrap();
        assert_eq!(status["code"], 422);
        assert_eq!(
            status["message"],
            "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided"
        );
        assert_eq!(status["details"]["group"], "meta.k8s.io");
        assert_eq!(status["details"]["causes"][0]["reason"], "FieldValueForbidden");
        assert_eq!(
            message(parse(&[("resourceVersion", "0"), ("resourceVersionMatch", "Exact")], false).unwrap_err()),
            "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\""
        );
        assert_eq!(
            message(parse(&[("resourceVersion", "3"), ("resourceVersionMatch", "Newest")], false).unwrap_err()),
            "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Unsupported value: \"Newest\": supported values: \"Exact\", \"NotOlderThan\", \"\""
        );
        assert_eq!(
            message(parse(&[("sendInitialEvents", "true")], false).unwrap_err()),
            "ListOptions.meta.k8s.io \"\" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list"
        );
        assert_eq!(
            message(parse(&[("resourceVersion", "5"), ("continue", "abc")], false).unwrap_err()),
            "specifying resource version is not allowed when using continue"
        );
        assert!(parse(&[("resourceVersion", "0"), ("continue", "abc")], false).is_ok());
        assert!(matches!(
            parse(&[("resourceVersion", "x")], false),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(parse(&[("limit", "-1")], false), Err(ApiError::BadRequest(_))));
        assert_eq!(parse(&[("limit", "1000000")], false).unwrap().limit, MAX_PAGE);
    }

    #[test]
    fn exact_reads_and_initial_events() {
        assert_eq!(
            parse(&[("resourceVersion", "7"), ("limit", "2")], false)
                .unwrap()
                .exact_revision(),
            Some(7)
        );
        let exact = parse(&[("resourceVersion", "7"), ("resourceVersionMatch", "Exact")], false).unwrap();
        assert_eq!(exact.exact_revision(), Some(7));
        assert_eq!(
            parse(&[("resourceVersion", "7")], false).unwrap().exact_revision(),
            None
        );
        assert_eq!(parse(&[("limit", "2")], false).unwrap().exact_revision(), None);

        assert!(parse(&[], true).unwrap().initial_events());
        assert!(!parse(&[("resourceVersion", "7")], true).unwrap().initial_events());
        let streaming = [("sendInitialEvents", "true"), ("resourceVersionMatch", "NotOlderThan")];
        assert!(
            parse(&[streaming[0], streaming[1], ("resourceVersion", "7")], true)
                .unwrap()
                .initial_events()
        );
        let none = [("sendInitialEvents", "false"), ("resourceVersionMatch", "NotOlderThan")];
        assert!(!parse(&none, true).unwrap().initial_events());
    }

    #[test]
    fn watch_options_follow_upstream_rules() {
        let streaming = parse(
            &[
                ("sendInitialEvents", "true"),
                ("resourceVersionMatch", "NotOlderThan"),
                ("allowWatchBookmarks", "true"),
                ("timeoutSeconds", "290"),
            ],
            true,
        )
        .unwrap();
        assert_eq!(streaming.send_initial_events, Some(true));
        assert!(streaming.bookmarks);
        assert_eq!(streaming.timeout, Some(Duration::from_secs(290)));

        assert_eq!(
            message(parse(&[("sendInitialEvents", "false")], true).unwrap_err()),
            "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"
        );
        assert_eq!(
            message(parse(&[("resourceVersionMatch", "NotOlderThan")], true).unwrap_err()),
            "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"
        );
        let both = message(parse(&[("resourceVersionMatch", "Exact")], true).unwrap_err());
        assert!(both.contains("is invalid: [resourceVersionMatch: Forbidden"), "{both}");
    }

    #[test]
    fn continue_tokens_round_trip_and_reject_garbage() {
        let token = encode_continue(42, "default/web\u{0}");
        assert_eq!(decode_continue(&token).unwrap(), (42, "default/web\u{0}".to_string()));
        assert!(decode_continue("not base64!").is_err());
        assert!(decode_continue(&STANDARD.encode("{\"rv\":0,\"start\":\"a\"}")).is_err());
        assert!(decode_continue(&STANDARD.encode("{\"rv\":5,\"start\":\"../x\"}")).is_err());
        let token = |rv: i64, start: &str| encode_continue(rv, start);
        assert!(decode_continue(&token(5, "ns/../x")).is_err());
        assert!(decode_continue(&token(5, "/x")).is_err());
        assert_eq!(decode_continue(&token(5, "ns/a..b\u{0}")).unwrap().1, "ns/a..b\u{0}");
        assert_eq!(decode_continue(&token(-1, "a\u{0}")).unwrap().0, 0);
    }
}
