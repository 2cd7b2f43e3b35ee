//! `POST …/serviceaccounts/{name}/token` (`authentication.k8s.io/v1` TokenRequest, what
//! `kubectl create token` sends): a signed token for the ServiceAccount, optionally bound
//! to a Pod, Secret or Node so that it stops working when that object goes away.

use myriad_api::field_error::FieldError;
use serde_json::{Value, json};

use myriad_api::{GroupKind, GroupResource};

use crate::authn::{Binding, ObjectRef, ServiceAccountTokens};
use crate::error::ApiError;
use crate::meta::format_rfc3339;
use crate::registry::{Registry, Scope};

/// Lifetime when the request names none (upstream: one hour).
const DEFAULT_EXPIRATION: i64 = 3600;
/// Shortest lifetime allowed (upstream: ten minutes).
const MIN_EXPIRATION: i64 = 600;
/// Longest lifetime allowed (upstream: 2^32 seconds).
const MAX_EXPIRATION: i64 = 1 << 32;

/// A decoded request.
pub(crate) struct TokenRequest {
    body: Value,
    audiences: Vec<String>,
    expiration: i64,
    /// The object to bind to: kind, name, and the uid the caller expects (may be "").
    pub(crate) bound: Option<(String, String, String)>,
}

impl TokenRequest {
    /// Decodes and validates the body (422 as upstream words it).
    pub(crate) fn decode(body: Value) -> Result<Self, ApiError> {
        let spec = body.get("spec").cloned().unwrap_or_else(|| json!({}));
        let audiences = spec
            .get("audiences")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default();
        let expiration = spec
            .get("expirationSeconds")
            .and_then(Value::as_i64)
            .unwrap_or(DEFAULT_EXPIRATION);
        let mut errors = Vec::new();
        if expiration < MIN_EXPIRATION {
            errors.push(FieldError::invalid(
                "spec.expirationSeconds",
                expiration,
                "may not specify a duration less than 10 minutes",
            ));
        } else if expiration > MAX_EXPIRATION {
            errors.push(FieldError::invalid(
                "spec.expirationSeconds",
                expiration,
                "may not specify a duration larger than 2^32 seconds",
            ));
        }
        let bound = spec.get("boundObjectRef").filter(|r| !r.is_null()).map(|r| {
            let text = |field: &str| r.get(field).and_then(Value::as_str).unwrap_or_default().to_string();
            (text("kind"), text("name"), text("uid"))
        });
        if let Some((kind, _, _)) = &bound
            && !matches!(kind.as_str(), "Pod" | "Secret" | "Node")
        {
            errors.push(FieldError::not_supported(
                "spec.boundObjectRef.kind",
                kind.as_str(),
                &["Node", "Pod", "Secret"],
            ));
        }
        if !errors.is_empty() {
            // Upstream names no object here (the TokenRequest has no name of its own).
            return Err(ApiError::invalid(
                GroupKind::new("authentication.k8s.io", "TokenRequest"),
                "",
                errors,
            ));
        }
        Ok(TokenRequest {
            body,
            audiences,
            expiration,
            bound,
        })
    }

    /// Signs the token for `account` (a stored ServiceAccount), bound to `bound_object`
    /// (the stored object `bound` names) if any, and answers with the TokenRequest.
    pub(crate) fn issue(
        self,
        tokens: &ServiceAccountTokens,
        account: &Value,
        bound_object: Option<&Value>,
    ) -> Result<Value, ApiError> {
        let meta = |object: &Value, field: &str| {
            object
                .pointer(&format!("/metadata/{field}"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let reference = |object: &Value| ObjectRef {
            name: meta(object, "name"),
            uid: meta(object, "uid"),
        };
        let namespace = meta(account, "namespace");
        let mut binding = Binding {
            namespace: namespace.clone(),
            serviceaccount: reference(account),
            pod: None,
            secret: None,
            node: None,
        };
        if let (Some((kind, _, uid)), Some(object)) = (&self.bound, bound_object) {
            let found = reference(object);
            if !uid.is_empty() && *uid != found.uid {
                return Err(ApiError::Conflict {
                    group_resource: GroupResource::new("", format!("{}s", kind.to_lowercase())),
                    name: found.name,
                    detail: format!(
                        "the UID in the bound object reference ({uid}) does not match the UID in record. The object might have been deleted and then recreated"
                    ),
                });
            }
            match kind.as_str() {
                "Pod" => binding.pod = Some(found),
                "Secret" => binding.secret = Some(found),
                _ => binding.node = Some(found),
            }
        }
        let audiences = if self.audiences.is_empty() {
            tokens.audiences().to_vec()
        } else {
            self.audiences
        };
        let lifetime = std::time::Duration::from_secs(self.expiration.unsigned_abs());
        let (token, expiry) = tokens
            .issue(binding, audiences.clone(), lifetime)
            .map_err(|e| ApiError::Internal(format!("signing the token: {e}")))?;
        let mut response = self.body;
        response["kind"] = json!("TokenRequest");
        response["apiVersion"] = json!("authentication.k8s.io/v1");
        response["metadata"] = json!({
            "name": meta(account, "name"),
            "namespace": namespace,
            "creationTimestamp": null,
        });
        let spec = response
            .as_object_mut()
            .map(|o| o.entry("spec").or_insert_with(|| json!({})));
        if let Some(spec) = spec.filter(|s| s.is_object()) {
            spec["audiences"] = json!(audiences);
            spec["expirationSeconds"] = json!(self.expiration);
        }
        let expiry = format_rfc3339(expiry);
        response["status"] = json!({"token": token, "expirationTimestamp": expiry});
        Ok(response)
    }
}

impl Registry {
    /// `serviceaccounts/{name}/token`: a signed token for the ServiceAccount.
    pub(crate) async fn token_request(&self, scope: Scope<'_>, name: &str, body: Value) -> Result<Value, ApiError> {
        let request = TokenRequest::decode(body)?;
        let (account, _) = self.get(scope, name).await?;
        let bound = match &request.bound {
            Some((kind, bound_name, _)) => Some(self.bound_object(scope, name, kind, bound_name).await?),
            None => None,
        };
        request.issue(&self.service_accounts, &account, bound.as_ref())
    }

    /// The object a token is to be bound to (a Pod or Secret of the request's
    /// namespace, or a Node), as the watch cache holds it.
    async fn bound_object(&self, scope: Scope<'_>, account: &str, kind: &str, name: &str) -> Result<Value, ApiError> {
        let (resource, namespace) = match kind {
            "Pod" => ("pods", scope.namespace),
            "Secret" => ("secrets", scope.namespace),
            _ => ("nodes", None),
        };
        let info = myriad_api::registry::lookup("", "v1", resource)
            .ok_or_else(|| ApiError::Internal(format!("no {resource}")))?;
        let json = self.caches.object(info, namespace, name).await?.ok_or_else(|| {
            ApiError::BadRequest(format!(
                "cannot bind token for serviceaccount {account:?} to object: {resource} {name:?} not found"
            ))
        })?;
        serde_json::from_slice(&json).map_err(|e| ApiError::Internal(format!("stored {resource} {name}: {e}")))
    }
}
