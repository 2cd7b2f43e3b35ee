//! Who is calling, decided as kube-apiserver's authenticators do, first success wins:
//! a client certificate signed by the cluster CA (`x509`), then a bearer token from the
//! static token file (`token_file`), then a ServiceAccount token (`service_account`).
//! Every authenticated user is also in `system:authenticated`. A request with no
//! credentials is anonymous; one whose credentials all fail is rejected (401).

mod service_account;
mod token_file;
mod x509;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::{HeaderMap, header};
use myriad_api::registry;
use serde_json::Value;

pub use service_account::{Binding, Claims, DEFAULT_ISSUER, ObjectRef, ServiceAccountTokens, username};
pub use token_file::TokenFile;
pub use x509::CertificateCheck;

use crate::cache::Caches;
use crate::error::ApiError;

/// Every authenticated user's group.
pub const AUTHENTICATED: &str = "system:authenticated";
/// The anonymous user's name and group.
pub const ANONYMOUS: &str = "system:anonymous";
pub const UNAUTHENTICATED: &str = "system:unauthenticated";
/// Every ServiceAccount's group (plus `system:serviceaccounts:<namespace>`).
pub const SERVICE_ACCOUNTS: &str = "system:serviceaccounts";

/// An identity: what authorization and reviews see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserInfo {
    pub name: String,
    pub uid: String,
    pub groups: Vec<String>,
    pub extra: BTreeMap<String, Vec<String>>,
}

impl UserInfo {
    /// An authenticated user: `groups` plus `system:authenticated`.
    pub fn new(name: String, uid: String, mut groups: Vec<String>) -> Self {
        if !groups.iter().any(|g| g == AUTHENTICATED) {
            groups.push(AUTHENTICATED.into());
        }
        UserInfo {
            name,
            uid,
            groups,
            extra: BTreeMap::new(),
        }
    }

    pub fn anonymous() -> Self {
        UserInfo {
            name: ANONYMOUS.into(),
            uid: String::new(),
            groups: vec![UNAUTHENTICATED.into()],
            extra: BTreeMap::new(),
        }
    }

    /// An authenticated user in `groups` (tests).
    #[cfg(test)]
    pub fn named(name: &str, groups: &[&str]) -> Self {
        Self::new(
            name.into(),
            String::new(),
            groups.iter().map(|g| g.to_string()).collect(),
        )
    }

    pub fn in_group(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }
}

/// What a connection's client certificate says, set on every request it carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Peer {
    User(Arc<UserInfo>),
    /// A certificate was presented but is not valid (expired, foreign CA, no name).
    Rejected(String),
    Anonymous,
}

/// The outcome of authentication.
#[derive(Clone, Debug)]
pub enum Authenticated {
    User(Arc<UserInfo>),
    /// No credentials at all.
    Anonymous,
    /// Credentials were presented and none is valid.
    Rejected(String),
}

/// The authenticators, in the order they are tried.
pub struct Authenticator {
    tokens: TokenFile,
    service_accounts: Arc<ServiceAccountTokens>,
    caches: Arc<Caches>,
}

impl Authenticator {
    pub fn new(tokens: TokenFile, service_accounts: Arc<ServiceAccountTokens>, caches: Arc<Caches>) -> Self {
        Authenticator {
            tokens,
            service_accounts,
            caches,
        }
    }

    /// Who the request with `headers`, on a connection whose certificate says `peer`,
    /// comes from.
    pub async fn authenticate(&self, peer: &Peer, headers: &HeaderMap) -> Result<Authenticated, ApiError> {
        let rejected_certificate = match peer {
            Peer::User(user) => return Ok(Authenticated::User(user.clone())),
            Peer::Rejected(reason) => Some(reason.clone()),
            Peer::Anonymous => None,
        };
        let token = match bearer_token(headers) {
            Some(Ok(token)) => token,
            Some(Err(reason)) => return Ok(Authenticated::Rejected(reason)),
            None => {
                return Ok(match rejected_certificate {
                    Some(reason) => Authenticated::Rejected(reason),
                    None => Authenticated::Anonymous,
                });
            }
        };
        self.token(token, &[]).await
    }

    /// Who `token` authenticates, for `audiences` (empty: the API server's own).
    /// Static tokens are for the API server only.
    pub async fn token(&self, token: &str, audiences: &[String]) -> Result<Authenticated, ApiError> {
        let for_api = audiences.is_empty() || audiences.iter().any(|a| self.service_accounts.audiences().contains(a));
        if for_api && let Some(user) = self.tokens.user(token) {
            return Ok(Authenticated::User(user));
        }
        let audiences = if audiences.is_empty() {
            self.service_accounts.audiences()
        } else {
            audiences
        };
        if let Some(claims) = self.service_accounts.verify(token, audiences) {
            return self.service_account_user(&claims).await;
        }
        Ok(Authenticated::Rejected("invalid bearer token".into()))
    }

    /// The user of a ServiceAccount token, if its ServiceAccount and the object it is
    /// bound to still exist with the uids it names.
    async fn service_account_user(&self, claims: &Claims) -> Result<Authenticated, ApiError> {
        let binding = &claims.kubernetes;
        let namespace = binding.namespace.as_str();
        let checks = [
            ("serviceaccounts", Some(namespace), Some(&binding.serviceaccount)),
            ("pods", Some(namespace), binding.pod.as_ref()),
            ("secrets", Some(namespace), binding.secret.as_ref()),
            ("nodes", None, binding.node.as_ref()),
        ];
        for (resource, namespace, object) in checks {
            let Some(object) = object else { continue };
            if !self.exists(resource, namespace, object).await? {
                let kind = resource.trim_end_matches('s');
                return Ok(Authenticated::Rejected(format!(
                    "the token's {kind} {:?} (uid {}) no longer exists",
                    object.name, object.uid
                )));
            }
        }
        let mut user = UserInfo::new(
            claims.username(),
            binding.serviceaccount.uid.clone(),
            vec![SERVICE_ACCOUNTS.into(), format!("{SERVICE_ACCOUNTS}:{namespace}")],
        );
        user.extra.insert(
            "authentication.kubernetes.io/credential-id".into(),
            vec![format!("JTI={}", claims.jti)],
        );
        for (kind, object) in [("pod", &binding.pod), ("node", &binding.node)] {
            if let Some(object) = object {
                user.extra.insert(
                    format!("authentication.kubernetes.io/{kind}-name"),
                    vec![object.name.clone()],
                );
                user.extra.insert(
                    format!("authentication.kubernetes.io/{kind}-uid"),
                    vec![object.uid.clone()],
                );
            }
        }
        Ok(Authenticated::User(Arc::new(user)))
    }

    /// Whether `resource` `object` exists now with the uid the token names.
    async fn exists(&self, resource: &str, namespace: Option<&str>, object: &ObjectRef) -> Result<bool, ApiError> {
        let Some(info) = registry::lookup("", "v1", resource) else {
            return Ok(false);
        };
        let Some(json) = self.caches.object(info, namespace, &object.name).await? else {
            return Ok(false);
        };
        let uid = serde_json::from_slice::<Value>(&json)
            .ok()
            .and_then(|o| o.pointer("/metadata/uid").and_then(Value::as_str).map(str::to_string));
        Ok(uid.as_deref() == Some(object.uid.as_str()))
    }

    pub fn service_accounts(&self) -> &Arc<ServiceAccountTokens> {
        &self.service_accounts
    }
}

/// The bearer token of an `Authorization: Bearer …` header: `None` without one,
/// an error for an empty token.
fn bearer_token(headers: &HeaderMap) -> Option<Result<&str, String>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim();
    if token.is_empty() || token.contains(' ') {
        return Some(Err("invalid bearer token".into()));
    }
    Some(Ok(token))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn bearer_tokens_are_read_as_upstream_does() {
        let mut headers = HeaderMap::new();
        assert!(bearer_token(&headers).is_none());
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert!(bearer_token(&headers).is_none());
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("bearer abc"));
        assert_eq!(bearer_token(&headers), Some(Ok("abc")));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer  "));
        assert!(bearer_token(&headers).is_none_or(|t| t.is_err()));
    }
}
