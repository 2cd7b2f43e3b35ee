//! The cluster's certificates: a CA made on first start, a serving certificate for the
//! API server, and the admin client identity (`O=system:masters`) that `myriad up`
//! writes into its kubeconfig. Keys are written readable by the owner only.

use std::fs;
use std::io::Write;
use std::net::IpAddr;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use time::{Duration, OffsetDateTime};

/// PKI failures: file access or certificate generation.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("certificate generation: {0}")]
    Generate(#[from] rcgen::Error),
}

const CA_CN: &str = "myriad-ca";
const ADMIN_CN: &str = "myriad-admin";
const ADMIN_GROUP: &str = "system:masters";

/// PEM-encoded material the server and the kubeconfig need.
#[derive(Clone, Debug)]
pub struct Pki {
    pub ca_cert: String,
    pub serving_cert: String,
    pub serving_key: String,
    pub admin_cert: String,
    pub admin_key: String,
}

fn read(path: &Path) -> Result<Option<String>, PkiError> {
    match fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(PkiError::Io {
            path: path.into(),
            source,
        }),
    }
}

/// Writes `contents` with the given mode, replacing the file atomically.
pub fn write_private(path: &Path, contents: &str, mode: u32) -> Result<(), PkiError> {
    let io = |source| PkiError::Io {
        path: path.into(),
        source,
    };
    let tmp = path.with_extension("tmp");
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(&tmp)
        .map_err(io)?;
    file.write_all(contents.as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)?;
    fs::rename(&tmp, path).map_err(io)
}

/// The ServiceAccount token signing key `dir/sa.key`, created on first start.
pub(crate) fn service_account_key(dir: &Path) -> Result<KeyPair, PkiError> {
    let path = dir.join("sa.key");
    match fs::read_to_string(&path) {
        Ok(pem) => Ok(KeyPair::from_pem(&pem)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = KeyPair::generate()?;
            write_private(&path, &key.serialize_pem(), 0o600)?;
            tracing::info!(path = %path.display(), "created the ServiceAccount token signing key");
            Ok(key)
        }
        Err(source) => Err(PkiError::Io { path, source }),
    }
}

/// The CA's fixed parameters; with its stored key they make its issuer again on restart.
fn ca_params() -> Result<CertificateParams, PkiError> {
    let mut params = CertificateParams::new(Vec::new())?;
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, CA_CN);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::hours(1);
    params.not_after = now + Duration::days(3650);
    Ok(params)
}

fn leaf_params(
    cn: &str,
    org: Option<&str>,
    sans: Vec<SanType>,
    usage: ExtendedKeyUsagePurpose,
) -> Result<CertificateParams, PkiError> {
    let mut params = CertificateParams::new(Vec::new())?;
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, cn);
    if let Some(org) = org {
        params.distinguished_name.push(DnType::OrganizationName, org);
    }
    params.subject_alt_names = sans;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    params.extended_key_usages = vec![usage];
    params.use_authority_key_identifier_extension = true;
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::hours(1);
    params.not_after = now + Duration::days(365);
    Ok(params)
}

/// Loads the PKI under `dir`, creating what is missing. The serving certificate is made
/// anew on every start so its names follow the bind address and `extra_names`.
pub fn ensure(dir: &Path, bind: IpAddr, extra_names: &[String]) -> Result<Pki, PkiError> {
    fs::create_dir_all(dir).map_err(|source| PkiError::Io {
        path: dir.into(),
        source,
    })?;
    let (ca_cert_path, ca_key_path) = (dir.join("ca.crt"), dir.join("ca.key"));
    let (ca_cert, ca_key) = match (read(&ca_cert_path)?, read(&ca_key_path)?) {
        (Some(cert), Some(key)) => (cert, KeyPair::from_pem(&key)?),
        _ => {
            let key = KeyPair::generate()?;
            let cert = ca_params()?.self_signed(&key)?.pem();
            write_private(&ca_key_path, &key.serialize_pem(), 0o600)?;
            write_private(&ca_cert_path, &cert, 0o644)?;
            tracing::info!(dir = %dir.display(), "created cluster CA");
            (cert, key)
        }
    };
    let issuer = Issuer::new(ca_params()?, ca_key);

    let mut sans = vec![
        SanType::DnsName("localhost".try_into()?),
        SanType::IpAddress(IpAddr::from([127, 0, 0, 1])),
        SanType::IpAddress(IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1])),
    ];
    if !bind.is_unspecified() && !bind.is_loopback() {
        sans.push(SanType::IpAddress(bind));
    }
    for name in extra_names {
        sans.push(match name.parse::<IpAddr>() {
            Ok(ip) => SanType::IpAddress(ip),
            Err(_) => SanType::DnsName(name.clone().try_into()?),
        });
    }
    let serving_key = KeyPair::generate()?;
    let serving_cert = leaf_params("myriad-apiserver", None, sans, ExtendedKeyUsagePurpose::ServerAuth)?
        .signed_by(&serving_key, &issuer)?
        .pem();
    write_private(&dir.join("apiserver.key"), &serving_key.serialize_pem(), 0o600)?;
    write_private(&dir.join("apiserver.crt"), &serving_cert, 0o644)?;

    let (admin_cert_path, admin_key_path) = (dir.join("admin.crt"), dir.join("admin.key"));
    let (admin_cert, admin_key) = match (read(&admin_cert_path)?, read(&admin_key_path)?) {
        (Some(cert), Some(key)) => (cert, key),
        _ => {
            let key = KeyPair::generate()?;
            let cert = leaf_params(
                ADMIN_CN,
                Some(ADMIN_GROUP),
                Vec::new(),
                ExtendedKeyUsagePurpose::ClientAuth,
            )?
            .signed_by(&key, &issuer)?
            .pem();
            write_private(&admin_key_path, &key.serialize_pem(), 0o600)?;
            write_private(&admin_cert_path, &cert, 0o644)?;
            (cert, key.serialize_pem())
        }
    };
    Ok(Pki {
        ca_cert,
        serving_cert,
        serving_key: serving_key.serialize_pem(),
        admin_cert,
        admin_key,
    })
}

/// A system hostname to put in the serving certificate, if one is set.
pub fn hostname() -> Option<String> {
    let name = fs::read_to_string("/proc/sys/kernel/hostname").ok()?;
    let name = name.trim();
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'))
        .then(|| name.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_service_account_key_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let first = service_account_key(dir.path()).unwrap();
        let again = service_account_key(dir.path()).unwrap();
        assert_eq!(first.serialize_pem(), again.serialize_pem());
        let other = service_account_key(tempfile::tempdir().unwrap().path()).unwrap();
        assert_ne!(first.serialize_pem(), other.serialize_pem());
    }

    #[test]
    fn creates_then_reuses_the_ca() {
        let dir = tempfile::tempdir().unwrap();
        let first = ensure(dir.path(), IpAddr::from([127, 0, 0, 1]), &["myhost".into()]).unwrap();
        let second = ensure(dir.path(), IpAddr::from([127, 0, 0, 1]), &[]).unwrap();
        assert_eq!(first.ca_cert, second.ca_cert);
        assert_eq!(first.admin_cert, second.admin_cert);
        assert_ne!(first.serving_cert, second.serving_cert);
        let mode = fs::metadata(dir.path().join("ca.key")).unwrap().permissions();
        assert_eq!(std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777, 0o600);
    }
}
