//! Client certificates, as Kubernetes' x509 authenticator reads them: verified against
//! the cluster CA, the subject's common name is the user and its organizations are the
//! groups.
//!
//! The TLS handshake accepts any client certificate whose key the client proves it
//! holds; the chain and validity are checked afterwards, so that an expired or foreign
//! certificate gets a Kubernetes 401 instead of a failed handshake, as upstream answers.

use std::sync::Arc;

use rustls::DistinguishedName;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::{Peer, UserInfo};

/// Lets every client certificate through the handshake (still requiring proof of its
/// key); [`CertificateCheck::peer`] verifies it once the connection is up.
#[derive(Debug)]
pub struct CertificateCheck {
    ca: Arc<dyn ClientCertVerifier>,
}

impl CertificateCheck {
    /// `ca` is the cluster CA's verifier (it must allow clients without a certificate).
    pub fn new(ca: Arc<dyn ClientCertVerifier>) -> Self {
        CertificateCheck { ca }
    }

    /// Who a connection's client certificate chain (leaf first) says the caller is.
    pub fn peer(&self, chain: Option<&[CertificateDer<'static>]>) -> Peer {
        let Some([leaf, intermediates @ ..]) = chain else {
            return Peer::Anonymous;
        };
        if let Err(error) = self.ca.verify_client_cert(leaf, intermediates, UnixTime::now()) {
            return Peer::Rejected(format!("verifying certificate: {error}"));
        }
        match user_of(leaf) {
            Some(user) => Peer::User(Arc::new(user)),
            None => Peer::Rejected("the certificate names no user (empty common name)".into()),
        }
    }
}

impl ClientCertVerifier for CertificateCheck {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.ca.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.ca.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.ca.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.ca.supported_verify_schemes()
    }
}

/// The user a (verified) certificate names; `None` without a common name.
fn user_of(certificate: &[u8]) -> Option<UserInfo> {
    let (_, parsed) = X509Certificate::from_der(certificate).ok()?;
    let subject = parsed.subject();
    // Go's pkix.Name keeps the last common name when there are several.
    let name = subject.iter_common_name().last()?.as_str().ok()?.to_string();
    if name.is_empty() {
        return None;
    }
    let groups = subject
        .iter_organization()
        .filter_map(|o| o.as_str().ok().map(str::to_string))
        .collect();
    Some(UserInfo::new(name, String::new(), groups))
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
        let user = user_of(&der).unwrap();
        assert_eq!(user.name, "alice");
        assert_eq!(user.groups, ["dev", "system:authenticated"]);
        assert!(user_of(&certificate(&[(DnType::OrganizationName, "dev")])).is_none());
        assert!(user_of(b"garbage").is_none());
    }
}
