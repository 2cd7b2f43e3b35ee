//! Requests that ask a question instead of storing an object: created, answered, never
//! stored. `SelfSubjectReview` (`kubectl auth whoami`) says who the server takes the
//! caller for; `TokenReview` checks a token; the access reviews
//! (`SelfSubjectAccessReview` for `kubectl auth can-i`, `SubjectAccessReview`,
//! `LocalSubjectAccessReview`) ask the authorizer; `SelfSubjectRulesReview`
//! (`kubectl auth can-i --list`) lists the caller's RBAC rules in a namespace.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::Response;
use myriad_api::field_error::FieldError;
use myriad_api::registry::ResourceInfo;
use serde_json::{Value, json};

use crate::authn::{Authenticated, UserInfo};
use crate::authz::{Attributes, PolicyRule};
use crate::error::ApiError;
use crate::meta::metadata_mut;
use crate::response;
use crate::state::AppState;

use super::Call;

/// Answers a review `body` posted to `info` (in `namespace`, for the local review) by
/// `user`.
pub(super) async fn answer(call: &Call<'_>) -> Result<Response, ApiError> {
    let (state, info, user) = (call.state, call.info, call.user);
    let namespace = call.request.namespace.as_deref();
    let mut review = call.object_body()?;
    let spec = review.get("spec").cloned().unwrap_or_else(|| json!({}));
    let status = match info.resource {
        "selfsubjectreviews" => json!({"userInfo": user_json(user)}),
        "tokenreviews" => token_review(state, &spec).await?,
        "selfsubjectaccessreviews" => access_review(state, info, user, &spec, None)?,
        "subjectaccessreviews" => access_review(state, info, &*subject_of(info, &spec)?, &spec, None)?,
        "localsubjectaccessreviews" => {
            let subject = subject_of(info, &spec)?;
            access_review(state, info, &subject, &spec, namespace)?
        }
        "selfsubjectrulesreviews" => rules_review(state, user, &spec),
        _ => return Err(ApiError::PathNotFound(info.group_resource())),
    };
    review["kind"] = json!(info.kind);
    review["apiVersion"] = json!(info.api_version());
    let metadata = metadata_mut(&mut review);
    metadata.insert("creationTimestamp".into(), Value::Null);
    if let Some(namespace) = namespace {
        metadata.insert("namespace".into(), json!(namespace));
    }
    review["status"] = status;
    Ok(response::json(StatusCode::CREATED, &review))
}

fn user_json(user: &UserInfo) -> Value {
    let mut json = json!({"username": user.name, "groups": user.groups});
    if !user.uid.is_empty() {
        json["uid"] = json!(user.uid);
    }
    if !user.extra.is_empty() {
        json["extra"] = json!(user.extra);
    }
    json
}

/// `TokenReview`: whether `spec.token` authenticates, and as whom.
async fn token_review(state: &AppState, spec: &Value) -> Result<Value, ApiError> {
    let token = spec.get("token").and_then(Value::as_str).unwrap_or_default();
    let audiences: Vec<String> = spec
        .get("audiences")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    if token.is_empty() {
        return Err(invalid("TokenReview", "spec.token", "token must be specified"));
    }
    let outcome = state.authenticator.token(token, &audiences).await?;
    let audiences = if audiences.is_empty() {
        state.authenticator.service_accounts().audiences().to_vec()
    } else {
        audiences
    };
    Ok(match outcome {
        Authenticated::User(user) => {
            json!({"authenticated": true, "user": user_json(&user), "audiences": audiences})
        }
        Authenticated::Rejected(reason) => json!({"user": {}, "error": reason}),
        Authenticated::Anonymous => json!({"user": {}}),
    })
}

/// The user a (Local)SubjectAccessReview asks about.
fn subject_of(info: &ResourceInfo, spec: &Value) -> Result<Arc<UserInfo>, ApiError> {
    let text = |field: &str| spec.get(field).and_then(Value::as_str).unwrap_or_default().to_string();
    let groups: Vec<String> = spec
        .get("groups")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    let name = text("user");
    if name.is_empty() && groups.is_empty() {
        return Err(invalid(
            info.kind,
            "spec.user",
            "at least one of user or group must be specified",
        ));
    }
    let extra: BTreeMap<String, Vec<String>> = spec
        .get("extra")
        .and_then(|e| serde_json::from_value(e.clone()).ok())
        .unwrap_or_default();
    // The subject is taken as given: no `system:authenticated` is added, as upstream.
    Ok(Arc::new(UserInfo {
        name,
        uid: text("uid"),
        groups,
        extra,
    }))
}

/// An access review's status: may `user` do what `spec` describes?
fn access_review(
    state: &AppState,
    info: &ResourceInfo,
    user: &UserInfo,
    spec: &Value,
    local_namespace: Option<&str>,
) -> Result<Value, ApiError> {
    let resource = spec.get("resourceAttributes").filter(|v| v.is_object());
    let non_resource = spec.get("nonResourceAttributes").filter(|v| v.is_object());
    let text = |object: &Value, field: &str| {
        object
            .get(field)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let attributes = match (resource, non_resource) {
        (Some(r), None) => {
            let namespace = text(r, "namespace");
            if let Some(local) = local_namespace
                && namespace != local
            {
                return Err(invalid(
                    info.kind,
                    "spec.resourceAttributes.namespace",
                    "must match metadata.namespace",
                ));
            }
            Attributes {
                verb: text(r, "verb"),
                resource_request: true,
                namespace,
                group: text(r, "group"),
                resource: text(r, "resource"),
                subresource: text(r, "subresource"),
                name: text(r, "name"),
                path: String::new(),
            }
        }
        (None, Some(n)) if local_namespace.is_none() => Attributes {
            verb: text(n, "verb"),
            path: text(n, "path"),
            ..Attributes::default()
        },
        (None, Some(_)) => {
            return Err(invalid(
                info.kind,
                "spec.nonResourceAttributes",
                "disallowed on this kind of request",
            ));
        }
        _ => {
            return Err(invalid(
                info.kind,
                "spec.resourceAttributes",
                "exactly one of nonResourceAttributes or resourceAttributes must be specified",
            ));
        }
    };
    let decision = state.authorizer().authorize(user, &attributes);
    let mut status = json!({"allowed": decision.allowed});
    if !decision.reason.is_empty() {
        status["reason"] = json!(decision.reason);
    }
    Ok(status)
}

/// `SelfSubjectRulesReview`: the caller's rules in `spec.namespace`.
fn rules_review(state: &AppState, user: &UserInfo, spec: &Value) -> Value {
    let namespace = spec.get("namespace").and_then(Value::as_str).unwrap_or_default();
    let (rules, errors) = state.authorizer().policy().rules_for(user, namespace);
    let (resource_rules, non_resource_rules): (Vec<&PolicyRule>, Vec<&PolicyRule>) =
        rules.iter().partition(|r| r.non_resource_urls.is_empty());
    let resource_rules: Vec<Value> = resource_rules
        .iter()
        .map(|r| {
            let mut rule = json!({"verbs": r.verbs, "apiGroups": r.api_groups, "resources": r.resources});
            if !r.resource_names.is_empty() {
                rule["resourceNames"] = json!(r.resource_names);
            }
            rule
        })
        .collect();
    let non_resource_rules: Vec<Value> = non_resource_rules
        .iter()
        .map(|r| json!({"verbs": r.verbs, "nonResourceURLs": r.non_resource_urls}))
        .collect();
    let mut status = json!({
        "resourceRules": resource_rules,
        "nonResourceRules": non_resource_rules,
        "incomplete": !errors.is_empty(),
    });
    if !errors.is_empty() {
        status["evaluationError"] = json!(errors.join(", "));
    }
    status
}

fn invalid(kind: &str, field: &str, detail: &str) -> ApiError {
    let group = if kind == "TokenReview" {
        "authentication.k8s.io"
    } else {
        "authorization.k8s.io"
    };
    ApiError::invalid(
        myriad_api::GroupKind::new(group, kind),
        "",
        vec![FieldError::invalid(field, "", detail)],
    )
}
