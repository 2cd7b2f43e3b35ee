//! ServiceAccount tokens: JWTs signed by the server's own key (ES256, kept in
//! `pki/sa.key`), issued by the `serviceaccounts/token` subresource (TokenRequest) and
//! checked on every request. The signature, issuer, audience and lifetime are checked
//! here; that the ServiceAccount (and any object the token is bound to) still exists
//! with the same uid is checked by the caller against current state, so a token of a
//! deleted ServiceAccount stops working at once.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rcgen::KeyPair;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Upstream's default issuer and API audience.
pub const DEFAULT_ISSUER: &str = "https://kubernetes.default.svc.cluster.local";

/// An object named in a token: the ServiceAccount, and the pod, secret or node it is
/// bound to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectRef {
    pub name: String,
    pub uid: String,
}

/// The `kubernetes.io` claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    pub namespace: String,
    pub serviceaccount: ObjectRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod: Option<ObjectRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<ObjectRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<ObjectRef>,
}

/// A token's claims, as upstream's bound tokens carry them.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub sub: String,
    pub aud: Vec<String>,
    pub exp: i64,
    pub iat: i64,
    pub nbf: i64,
    pub jti: String,
    #[serde(rename = "kubernetes.io")]
    pub kubernetes: Binding,
}

impl Claims {
    /// The username a ServiceAccount authenticates as.
    pub fn username(&self) -> String {
        username(&self.kubernetes.namespace, &self.kubernetes.serviceaccount.name)
    }
}

/// `system:serviceaccount:<namespace>:<name>`.
pub fn username(namespace: &str, name: &str) -> String {
    format!("system:serviceaccount:{namespace}:{name}")
}

/// Signs and verifies ServiceAccount tokens.
pub struct ServiceAccountTokens {
    issuer: String,
    audiences: Vec<String>,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for ServiceAccountTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccountTokens")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl ServiceAccountTokens {
    /// Signs and checks tokens with `key` (the server keeps it as `pki/sa.key`).
    pub fn new(key: &KeyPair, issuer: &str) -> Self {
        ServiceAccountTokens {
            issuer: issuer.to_string(),
            audiences: vec![issuer.to_string()],
            encoding: EncodingKey::from_ec_der(&key.serialize_der()),
            decoding: DecodingKey::from_ec_der(key.public_key_raw()),
        }
    }

    /// The audiences the API server accepts (and gives tokens that name none).
    pub fn audiences(&self) -> &[String] {
        &self.audiences
    }

    /// Signs a token for `binding` valid for `lifetime` from now; returns it and its
    /// expiry.
    pub fn issue(
        &self,
        binding: Binding,
        audiences: Vec<String>,
        lifetime: Duration,
    ) -> Result<(String, OffsetDateTime), jsonwebtoken::errors::Error> {
        let now = OffsetDateTime::now_utc();
        let expiry = now + lifetime;
        let claims = Claims {
            iss: self.issuer.clone(),
            sub: username(&binding.namespace, &binding.serviceaccount.name),
            aud: if audiences.is_empty() {
                self.audiences.clone()
            } else {
                audiences
            },
            exp: expiry.unix_timestamp(),
            iat: now.unix_timestamp(),
            nbf: now.unix_timestamp(),
            jti: uuid::Uuid::new_v4().to_string(),
            kubernetes: binding,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &self.encoding)?;
        Ok((token, expiry))
    }

    /// The claims of `token` if it is one of ours, for one of `audiences`, and in its
    /// lifetime; `None` for anything else (including other issuers' JWTs).
    pub fn verify(&self, token: &str, audiences: &[String]) -> Option<Claims> {
        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(audiences);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .ok()
            .map(|data| data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl ServiceAccountTokens {
        fn verify_for_api(&self, token: &str) -> Option<Claims> {
            self.verify(token, &self.audiences)
        }
    }

    fn binding() -> Binding {
        Binding {
            namespace: "default".into(),
            serviceaccount: ObjectRef {
                name: "builder".into(),
                uid: "u-1".into(),
            },
            pod: None,
            secret: None,
            node: None,
        }
    }

    #[test]
    fn issued_tokens_verify_and_others_do_not() {
        let key = KeyPair::generate().unwrap();
        let tokens = ServiceAccountTokens::new(&key, DEFAULT_ISSUER);
        let (token, expiry) = tokens.issue(binding(), Vec::new(), Duration::from_secs(600)).unwrap();
        assert!(expiry > OffsetDateTime::now_utc());
        let claims = tokens.verify_for_api(&token).unwrap();
        assert_eq!(claims.username(), "system:serviceaccount:default:builder");
        assert_eq!(claims.kubernetes, binding());

        // The same key (after a restart) verifies; another server's key does not.
        let again = ServiceAccountTokens::new(&KeyPair::from_pem(&key.serialize_pem()).unwrap(), DEFAULT_ISSUER);
        assert!(again.verify_for_api(&token).is_some());
        let other = ServiceAccountTokens::new(&KeyPair::generate().unwrap(), DEFAULT_ISSUER);
        assert!(other.verify_for_api(&token).is_none());

        // Another audience, a tampered token, garbage.
        let (vault, _) = tokens
            .issue(binding(), vec!["vault".into()], Duration::from_secs(600))
            .unwrap();
        assert!(tokens.verify_for_api(&vault).is_none());
        assert!(tokens.verify(&vault, &["vault".into()]).is_some());
        let mut tampered = token.clone();
        tampered.insert(token.len() - 5, 'A');
        assert!(tokens.verify_for_api(&tampered).is_none());
        assert!(tokens.verify_for_api("not.a.jwt").is_none());
    }

    #[test]
    fn expired_tokens_are_refused() {
        let tokens = ServiceAccountTokens::new(&KeyPair::generate().unwrap(), DEFAULT_ISSUER);
        let claims = Claims {
            iss: DEFAULT_ISSUER.into(),
            sub: "system:serviceaccount:default:builder".into(),
            aud: vec![DEFAULT_ISSUER.into()],
            exp: OffsetDateTime::now_utc().unix_timestamp() - 3600,
            iat: 0,
            nbf: 0,
            jti: "x".into(),
            kubernetes: binding(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &tokens.encoding).unwrap();
        assert!(tokens.verify_for_api(&token).is_none());
    }
}
