//! Who is calling. A client certificate verified against the cluster CA during the TLS
//! handshake authenticates the connection as Kubernetes' x509 authenticator does: the
//! subject's common name is the user, its organizations are the groups, and every
//! authenticated user is also in `system:authenticated`. Anything else is anonymous, and
//! anonymous requests get 401 except for health and version endpoints. Bearer tokens and
//! ServiceAccounts come with the security work.

use std::sync::Arc;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::error::ApiError;

/// An authenticated identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserInfo {
    pub name: String,
    pub groups: Vec<String>,
}

/// Set on every request by the connection it arrived on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Peer {
    User(Arc<UserInfo>),
    Anonymous,
}

impl Peer {
    /// The peer of a connection whose client presented `certificate` (DER), already
    /// verified against the cluster CA. A certificate without a common name
    /// authenticates no one.
    pub fn from_certificate(certificate: &[u8]) -> Peer {
        match user_of(certificate) {
            Some(user) => Peer::User(Arc::new(user)),
            None => Peer::Anonymous,
        }
    }
}

fn user_of(certificate: &[u8]) -> Option<UserInfo> {
    let (_, parsed) = X509Certificate::from_der(certificate).ok()?;
    let subject = parsed.subject();
    // Go's pkix.Name keeps the last common name when there are several.
    let name = subject.iter_common_name().last()?.as_str().ok()?.to_string();
    if name.is_empty() {
        return None;
    }
    let mut groups: Vec<String> = subject
        .iter_organization()
        .filter_map(|o| o.as_str().ok().map(str::to_string))
        .collect();
    if !groups.iter().any(|g| g == "system:authenticated") {
        groups.push("system:authenticated".into());
    }
    Some(UserInfo { name, groups })
}

/// Paths anyone may read, as Kubernetes allows by default.
const PUBLIC: &[&str] = &["/healthz", "/livez", "/readyz", "/version"];

/// Refuses anonymous requests to everything but the public paths.
pub async fn require_authenticated(request: Request, next: Next) -> Response {
    let anonymous = !matches!(request.extensions().get::<Peer>(), Some(Peer::User(_)));
    if anonymous && !PUBLIC.contains(&request.uri().path()) {
        return ApiError::Unauthorized.into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};

    fn certificate(subject: &[(DnType, &str)]) -> Vec<u8> {
        let mut params = CertificateParams::default();
        let mut name = DistinguishedName::new();
        for (kind, value) in subject {
            name.push(kind.clone(), *value);
        }
        params.distinguished_name = name;
        let key = KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().der().to_vec()
    }

    #[test]
    fn common_name_is_the_user_and_organizations_the_groups() {
        // (rcgen writes one O per certificate; the parser reads every O there is.)
        let der = certificate(&[(DnType::CommonName, "alice"), (DnType::OrganizationName, "dev")]);
        let Peer::User(user) = Peer::from_certificate(&der) else {
            panic!("not authenticated");
        };
        assert_eq!(user.name, "alice");
        assert_eq!(user.groups, ["dev", "system:authenticated"]);
        let nameless = certificate(&[(DnType::OrganizationName, "dev")]);
        assert_eq!(Peer::from_certificate(&nameless), Peer::Anonymous);
        assert_eq!(Peer::from_certificate(b"garbage"), Peer::Anonymous);
    }
}
