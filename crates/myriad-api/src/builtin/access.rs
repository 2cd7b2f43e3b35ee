//! Who may do what, and what intercepts requests: RBAC (Roles, ClusterRoles and their
//! bindings), CertificateSigningRequests, admission webhooks and validating admission
//! policies (admissionregistration.k8s.io/v1), and APIServices
//! (apiregistration.k8s.io/v1).
//!
//! Two checks are structural only, because they need machinery this crate does not
//! carry: a CSR's `request` is checked to be a PEM block of type `CERTIFICATE REQUEST`
//! with a well-formed base64 body (upstream also parses the PKCS#10 structure and checks
//! its signature), and `status.certificate` to be PEM `CERTIFICATE` blocks without
//! headers (upstream also parses the X.509). CEL expressions in match conditions,
//! validations, variables and audit annotations are checked for presence, length and
//! form, never compiled; compile errors are the API server's to report.

use std::collections::HashSet;

use k8s_openapi::api::admissionregistration::v1::{
    MatchCondition, MatchResources, MutatingWebhookConfiguration, NamedRuleWithOperations, ParamRef,
    RuleWithOperations, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding, ValidatingWebhookConfiguration,
    WebhookClientConfig,
};
use k8s_openapi::api::certificates::v1::{CertificateSigningRequest, CertificateSigningRequestCondition};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1::APIService;
use serde::Serialize;
use serde_json::Value;

use super::common::{validate_label_selector, validate_port_number};
use super::services::{dns_subdomain, qualified_name};
use super::{Input, typed};
use crate::field_error::{FieldError, FieldPath, FieldValue};
use crate::validation::{
    is_dns1035_label, is_dns1123_label, is_dns1123_subdomain, is_qualified_name, is_valid_path_segment_name,
};

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";
const ADMISSION_GROUP: &str = "admissionregistration.k8s.io";

pub(super) fn validate(group: &str, kind: &str, new: Input<'_>, old: Option<&Value>) -> Option<Vec<FieldError>> {
    Some(match (group, kind) {
        (RBAC_GROUP, "Role") => typed(new, old, |n: &Role, _| role(n)),
        (RBAC_GROUP, "ClusterRole") => typed(new, old, |n: &ClusterRole, _| cluster_role(n)),
        (RBAC_GROUP, "RoleBinding") => typed(new, old, |n: &RoleBinding, o: Option<&RoleBinding>| {
            binding(&n.role_ref, n.subjects.as_deref(), o.map(|o| &o.role_ref), true)
        }),
        (RBAC_GROUP, "ClusterRoleBinding") => {
            typed(new, old, |n: &ClusterRoleBinding, o: Option<&ClusterRoleBinding>| {
                binding(&n.role_ref, n.subjects.as_deref(), o.map(|o| &o.role_ref), false)
            })
        }
        ("certificates.k8s.io", "CertificateSigningRequest") => typed(new, old, |n, o| csr(n, o, CsrPath::Main)),
        (ADMISSION_GROUP, "ValidatingWebhookConfiguration") => typed(
            new,
            old,
            |n: &ValidatingWebhookConfiguration, o: Option<&ValidatingWebhookConfiguration>| {
                let hooks: Vec<Hook> = n.webhooks.iter().flatten().map(Hook::validating).collect();
                let old_hooks: Option<Vec<Hook>> =
                    o.map(|o| o.webhooks.iter().flatten().map(Hook::validating).collect());
                webhooks(&hooks, old_hooks.as_deref(), &new)
            },
        ),
        (ADMISSION_GROUP, "MutatingWebhookConfiguration") => typed(
            new,
            old,
            |n: &MutatingWebhookConfiguration, o: Option<&MutatingWebhookConfiguration>| {
                let hooks: Vec<Hook> = n.webhooks.iter().flatten().map(Hook::mutating).collect();
                let old_hooks: Option<Vec<Hook>> = o.map(|o| o.webhooks.iter().flatten().map(Hook::mutating).collect());
                webhooks(&hooks, old_hooks.as_deref(), &new)
            },
        ),
        (ADMISSION_GROUP, "ValidatingAdmissionPolicy") => typed(new, old, admission_policy),
        (ADMISSION_GROUP, "ValidatingAdmissionPolicyBinding") => {
            typed(new, old, |n: &ValidatingAdmissionPolicyBinding, _| policy_binding(n))
        }
        ("apiregistration.k8s.io", "APIService") => typed(new, old, |n: &APIService, _| api_service(n)),
        _ => return None,
    })
}

/// The errors of a status update (`.../status`) of the kinds this module covers.
pub(super) fn validate_status(group: &str, kind: &str, new: &Value, old: &Value) -> Option<Vec<FieldError>> {
    Some(match (group, kind) {
        ("certificates.k8s.io", "CertificateSigningRequest") => {
            typed(new, Some(old), |n, o| csr(n, o, CsrPath::Status))
        }
        ("apiregistration.k8s.io", "APIService") => typed(new, Some(old), |n: &APIService, _| api_service_status(n)),
        _ => return None,
    })
}

/// The errors of a CSR `approval` update (`PUT .../approval`), the one way to add or
/// change the Approved and Denied conditions.
pub(super) fn validate_csr_approval(new: &Value, old: Option<&Value>) -> Vec<FieldError> {
    typed(new, old, |n, o| csr(n, o, CsrPath::Approval))
}

// ---------------------------------------------------------------------------------
// RBAC.

fn policy_rule(errs: &mut Vec<FieldError>, rule: &PolicyRule, namespaced: bool, path: &FieldPath) {
    if rule.verbs.is_empty() {
        errs.push(FieldError::required(
            path.child("verbs"),
            "verbs must contain at least one value",
        ));
    }
    let urls = rule.non_resource_urls.as_deref().unwrap_or_default();
    let groups = rule.api_groups.as_deref().unwrap_or_default();
    let resources = rule.resources.as_deref().unwrap_or_default();
    let names = rule.resource_names.as_deref().unwrap_or_default();
    if !urls.is_empty() {
        if namespaced {
            errs.push(FieldError::invalid(
                path.child("nonResourceURLs"),
                FieldValue::json(urls),
                "namespaced rules cannot apply to non-resource URLs",
            ));
        }
        if !groups.is_empty() || !resources.is_empty() || !names.is_empty() {
            errs.push(FieldError::invalid(
                path.child("nonResourceURLs"),
                FieldValue::json(urls),
                "rules cannot apply to both regular resources and non-resource URLs",
            ));
        }
        return;
    }
    if groups.is_empty() {
        errs.push(FieldError::required(
            path.child("apiGroups"),
            "resource rules must supply at least one api group",
        ));
    }
    if resources.is_empty() {
        errs.push(FieldError::required(
            path.child("resources"),
            "resource rules must supply at least one resource",
        ));
    }
    if !names.is_empty() && resources.len() > 1 {
        errs.push(FieldError::required(
            path.child("resourceNames"),
            "resource names cannot apply to multiple resources",
        ));
    }
}

fn rules(errs: &mut Vec<FieldError>, rules: Option<&Vec<PolicyRule>>, namespaced: bool) {
    let path = FieldPath::new("rules");
    for (i, rule) in rules.into_iter().flatten().enumerate() {
        policy_rule(errs, rule, namespaced, &path.index(i));
    }
}

fn role(role: &Role) -> Vec<FieldError> {
    let mut errs = Vec::new();
    rules(&mut errs, role.rules.as_ref(), true);
    errs
}

fn cluster_role(role: &ClusterRole) -> Vec<FieldError> {
    let mut errs = Vec::new();
    rules(&mut errs, role.rules.as_ref(), false);
    if let Some(aggregation) = &role.aggregation_rule {
        let path = FieldPath::new("aggregationRule").child("clusterRoleSelectors");
        let selectors = aggregation.cluster_role_selectors.as_deref().unwrap_or_default();
        if selectors.is_empty() {
            errs.push(FieldError::required(
                &path,
                "at least one clusterRoleSelector required if aggregationRule is non-nil",
            ));
        }
        for (i, selector) in selectors.iter().enumerate() {
            let selector_errs = validate_label_selector(selector, &path.index(i));
            // A selector that fails validation also fails to convert, which upstream
            // reports once more (with the nil selector it got as the value).
            let unconvertible = !selector_errs.is_empty();
            errs.extend(selector_errs);
            if unconvertible {
                errs.push(FieldError::invalid(
                    path.index(i),
                    FieldValue::Json("null".to_string()),
                    "invalid label selector.",
                ));
            }
        }
    }
    errs
}

/// A role reference as upstream prints the internal struct.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GoRoleRef<'a> {
    #[serde(rename = "APIGroup")]
    api_group: &'a str,
    kind: &'a str,
    name: &'a str,
}

fn subject(errs: &mut Vec<FieldError>, subject: &Subject, namespaced: bool, path: &FieldPath) {
    let name = subject.name.as_str();
    let api_group = subject.api_group.as_deref().unwrap_or("");
    if name.is_empty() {
        errs.push(FieldError::required(path.child("name"), ""));
    }
    match subject.kind.as_str() {
        "ServiceAccount" => {
            if !name.is_empty() {
                dns_subdomain(errs, name, &path.child("name"));
            }
            if !api_group.is_empty() {
                errs.push(FieldError::not_supported(path.child("apiGroup"), api_group, &[""]));
            }
            if !namespaced && subject.namespace.as_deref().unwrap_or("").is_empty() {
                errs.push(FieldError::required(path.child("namespace"), ""));
            }
        }
        kind @ ("User" | "Group") => {
            if name.is_empty() {
                let detail = if kind == "User" {
                    "user name cannot be empty"
                } else {
                    "group name cannot be empty"
                };
                errs.push(FieldError::invalid(path.child("name"), name, detail));
            }
            if api_group != RBAC_GROUP {
                errs.push(FieldError::not_supported(
                    path.child("apiGroup"),
                    api_group,
                    &[RBAC_GROUP],
                ));
            }
        }
        other => errs.push(FieldError::not_supported(
            path.child("kind"),
            other,
            &["ServiceAccount", "User", "Group"],
        )),
    }
}

/// `ValidateRoleBinding`/`ValidateClusterRoleBinding` and their updates (the role
/// reference is fixed once bound).
fn binding(
    role_ref: &RoleRef,
    subjects: Option<&[Subject]>,
    old: Option<&RoleRef>,
    namespaced: bool,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let path = FieldPath::new("roleRef");
    if role_ref.api_group != RBAC_GROUP {
        errs.push(FieldError::not_supported(
            path.child("apiGroup"),
            role_ref.api_group.as_str(),
            &[RBAC_GROUP],
        ));
    }
    let kinds: &[&str] = if namespaced {
        &["Role", "ClusterRole"]
    } else {
        &["ClusterRole"]
    };
    if !kinds.contains(&role_ref.kind.as_str()) {
        errs.push(FieldError::not_supported(
            path.child("kind"),
            role_ref.kind.as_str(),
            kinds,
        ));
    }
    if role_ref.name.is_empty() {
        errs.push(FieldError::required(path.child("name"), ""));
    } else {
        for msg in is_valid_path_segment_name(&role_ref.name) {
            errs.push(FieldError::invalid(path.child("name"), role_ref.name.as_str(), msg));
        }
    }
    let subjects_path = FieldPath::new("subjects");
    for (i, s) in subjects.into_iter().flatten().enumerate() {
        subject(&mut errs, s, namespaced, &subjects_path.index(i));
    }
    if let Some(old) = old
        && old != role_ref
    {
        errs.push(FieldError::invalid(
            &path,
            FieldValue::json(&GoRoleRef {
                api_group: &role_ref.api_group,
                kind: &role_ref.kind,
                name: &role_ref.name,
            }),
            "cannot change roleRef",
        ));
    }
    errs
}

// ---------------------------------------------------------------------------------
// PEM and base64, as Go's encoding/pem and encoding/base64 read them.

fn base64_value(byte: u8) -> Option<u8> {
    match byte {
        b'A'..=b'Z' => Some(byte - b'A'),
        b'a'..=b'z' => Some(byte - b'a' + 26),
        b'0'..=b'9' => Some(byte - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// `base64.StdEncoding.Decode`: padded, newlines ignored.
fn base64_decode(data: &[u8]) -> Option<Vec<u8>> {
    let chars: Vec<u8> = data.iter().copied().filter(|&b| b != b'\n' && b != b'\r').collect();
    if !chars.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(chars.len() / 4 * 3);
    for (n, quad) in chars.chunks(4).enumerate() {
        let last = n + 1 == chars.len() / 4;
        let padding = quad.iter().rev().take_while(|&&b| b == b'=').count();
        if padding > 2 || (padding > 0 && !last) {
            return None;
        }
        let mut acc: u32 = 0;
        for &b in &quad[..4 - padding] {
            acc = (acc << 6) | u32::from(base64_value(b)?);
        }
        acc <<= 6 * padding as u32;
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..4 - padding]);
    }
    Some(out)
}

/// `base64.StdEncoding.EncodeToString`: how Go prints a `[]byte` as JSON.
fn base64_encode(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let mut buf = [0u8; 3];
        buf[..chunk.len()].copy_from_slice(chunk);
        let n = (u32::from(buf[0]) << 16) | (u32::from(buf[1]) << 8) | u32::from(buf[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// One PEM block: its type and whether it had headers.
struct PemBlock<'a> {
    kind: &'a [u8],
    has_headers: bool,
}

/// Go's `getLine`: the line without its end (and trailing blanks), and the rest.
fn get_line(data: &[u8]) -> (&[u8], &[u8]) {
    let (line, rest) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &data[data.len()..]),
    };
    let end = line
        .iter()
        .rposition(|&b| !matches!(b, b' ' | b'\t' | b'\r'))
        .map_or(0, |i| i + 1);
    (&line[..end], rest)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Go's `pem.Decode`: the first well-formed block and what follows it.
fn pem_decode(data: &[u8]) -> Option<(PemBlock<'_>, &[u8])> {
    let mut rest = data;
    loop {
        if let Some(after) = rest.strip_prefix(b"-----BEGIN ") {
            rest = after;
        } else if let Some(i) = find(rest, b"\n-----BEGIN ") {
            rest = &rest[i + 12..];
        } else {
            return None;
        }
        let (type_line, after_type) = get_line(rest);
        rest = after_type;
        let Some(kind) = type_line.strip_suffix(b"-----") else {
            continue;
        };
        let mut has_headers = false;
        loop {
            if rest.is_empty() {
                return None;
            }
            let (line, next) = get_line(rest);
            if !line.contains(&b':') {
                break;
            }
            has_headers = true;
            rest = next;
        }
        let (end_index, trailer_index) = if !has_headers && rest.starts_with(b"-----END ") {
            (0, 9)
        } else {
            match find(rest, b"\n-----END ") {
                Some(i) => (i, i + 10),
                None => continue,
            }
        };
        let trailer = &rest[trailer_index..];
        let trailer_len = kind.len() + 5;
        if trailer.len() < trailer_len {
            continue;
        }
        let (end_trailer, rest_of_line) = trailer.split_at(trailer_len);
        if !end_trailer.starts_with(kind) || !end_trailer.ends_with(b"-----") || !get_line(rest_of_line).0.is_empty() {
            continue;
        }
        let body: Vec<u8> = rest[..end_index]
            .iter()
            .copied()
            .filter(|&b| b != b' ' && b != b'\t')
            .collect();
        if base64_decode(&body).is_none() {
            continue;
        }
        let (_, after) = get_line(&rest[end_index + 9..]);
        return Some((PemBlock { kind, has_headers }, after));
    }
}

/// `validateCertificate`: only headerless CERTIFICATE blocks, at least one.
fn certificate_error(data: &[u8]) -> Option<String> {
    if data.is_empty() {
        return None;
    }
    let mut rest = data;
    let mut blocks = 0;
    while let Some((block, after)) = pem_decode(rest) {
        if block.kind != b"CERTIFICATE" {
            return Some(format!(
                "only CERTIFICATE PEM blocks are allowed, found {}",
                FieldValue::String(String::from_utf8_lossy(block.kind).into_owned())
            ));
        }
        if block.has_headers {
            return Some("no PEM block headers are permitted".to_string());
        }
        blocks += 1;
        rest = after;
    }
    (blocks == 0).then(|| "must contain at least one CERTIFICATE PEM block".to_string())
}

// ---------------------------------------------------------------------------------
// CertificateSigningRequests.

const LEGACY_SIGNER: &str = "kubernetes.io/legacy-unknown";
const KEY_USAGES: [&str; 23] = [
    "any",
    "cert sign",
    "client auth",
    "code signing",
    "content commitment",
    "crl sign",
    "data encipherment",
    "decipher only",
    "digital signature",
    "email protection",
    "encipher only",
    "ipsec end system",
    "ipsec tunnel",
    "ipsec user",
    "key agreement",
    "key encipherment",
    "microsoft sgc",
    "netscape sgc",
    "ocsp signing",
    "s/mime",
    "server auth",
    "signing",
    "timestamping",
];

/// Which endpoint a CSR write came through: each may change different parts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CsrPath {
    Main,
    Status,
    Approval,
}

/// `ValidateSignerName`: `example.com/signer-name`.
fn signer_name(errs: &mut Vec<FieldError>, name: &str, path: &FieldPath) {
    if name.is_empty() {
        errs.push(FieldError::required(path, ""));
        return;
    }
    let Some((domain, signer_path)) = name.split_once('/').filter(|(_, p)| !p.contains('/')) else {
        errs.push(FieldError::invalid(
            path,
            name,
            "must be a fully qualified domain and path of the form 'example.com/signer-name'",
        ));
        return;
    };
    if domain.len() > 253 {
        errs.push(FieldError::too_long(path, 253));
    }
    // Only the first bad label is reported; the rest would repeat it.
    for label in domain.split('.') {
        let msgs = is_dns1123_label(label);
        if !msgs.is_empty() {
            for msg in msgs {
                errs.push(FieldError::invalid(
                    path,
                    domain,
                    format!("validating label {}: {msg}", FieldValue::String(label.to_string())),
                ));
            }
            break;
        }
    }
    if !domain.contains('.') {
        errs.push(FieldError::invalid(
            path,
            domain,
            "should be a domain with at least two segments separated by dots",
        ));
    }
    for label in signer_path.split('.') {
        let msgs = is_dns1123_subdomain(label);
        if !msgs.is_empty() {
            for msg in msgs {
                errs.push(FieldError::invalid(
                    path,
                    signer_path,
                    format!("validating label {}: {msg}", FieldValue::String(label.to_string())),
                ));
            }
            break;
        }
    }
    let max = 253 + (253 + 63 + 1) + 1;
    if name.len() > max {
        errs.push(FieldError::too_long(path, max as i64));
    }
}

fn conditions_of<'a>(csr: &'a CertificateSigningRequest, kind: &str) -> Vec<&'a CertificateSigningRequestCondition> {
    csr.status
        .iter()
        .flat_map(|s| s.conditions.iter().flatten())
        .filter(|c| c.type_ == kind)
        .collect()
}

fn csr(new: &CertificateSigningRequest, old: Option<&CertificateSigningRequest>, via: CsrPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let spec = &new.spec;
    let spec_path = FieldPath::new("spec");
    let old_usages = old.and_then(|o| o.spec.usages.as_deref()).unwrap_or_default();
    let old_conditions: Vec<&CertificateSigningRequestCondition> = old
        .iter()
        .flat_map(|o| o.status.iter().flat_map(|s| s.conditions.iter().flatten()))
        .collect();
    fn certificate(c: &CertificateSigningRequest) -> &[u8] {
        c.status
            .as_ref()
            .and_then(|s| s.certificate.as_ref())
            .map(|b| b.0.as_slice())
            .unwrap_or_default()
    }
    // Stored objects keep passing with what they already hold.
    let allow_unknown_usages = old_usages.iter().any(|u| !KEY_USAGES.contains(&u.as_str()));
    let allow_duplicate_usages = {
        let mut seen = HashSet::new();
        old_usages.iter().any(|u| !seen.insert(u))
    };
    let allow_legacy_signer = old.is_some_and(|o| o.spec.signer_name == LEGACY_SIGNER);
    let allow_both =
        old_conditions.iter().any(|c| c.type_ == "Approved") && old_conditions.iter().any(|c| c.type_ == "Denied");
    let allow_duplicate_types = {
        let mut seen = HashSet::new();
        old_conditions.iter().any(|c| !seen.insert(&c.type_))
    };
    let allow_empty_type = old_conditions.iter().any(|c| c.type_.is_empty());
    let allow_arbitrary_certificate =
        old.is_some_and(|o| certificate(o) == certificate(new) || certificate_error(certificate(o)).is_some());

    let request = &spec.request.0;
    let parsed = pem_decode(request).filter(|(block, _)| block.kind == b"CERTIFICATE REQUEST");
    if parsed.is_none() {
        errs.push(FieldError::invalid(
            spec_path.child("request"),
            base64_encode(request),
            "PEM block type must be CERTIFICATE REQUEST",
        ));
    }
    let usages = spec.usages.as_deref().unwrap_or_default();
    if usages.is_empty() {
        errs.push(FieldError::required(spec_path.child("usages"), ""));
    }
    if !allow_unknown_usages {
        for (i, usage) in usages.iter().enumerate() {
            if !KEY_USAGES.contains(&usage.as_str()) {
                errs.push(FieldError::not_supported(
                    spec_path.child("usages").index(i),
                    usage.as_str(),
                    &KEY_USAGES,
                ));
            }
        }
    }
    if !allow_duplicate_usages {
        let mut seen = HashSet::new();
        for (i, usage) in usages.iter().enumerate() {
            if !seen.insert(usage) {
                errs.push(FieldError::duplicate(
                    spec_path.child("usages").index(i),
                    usage.as_str(),
                ));
            }
        }
    }
    if !allow_legacy_signer && spec.signer_name == LEGACY_SIGNER {
        errs.push(FieldError::invalid(
            spec_path.child("signerName"),
            spec.signer_name.as_str(),
            "the legacy signerName is not allowed via this API version",
        ));
    } else {
        signer_name(&mut errs, &spec.signer_name, &spec_path.child("signerName"));
    }
    if let Some(seconds) = spec.expiration_seconds
        && seconds < 600
    {
        errs.push(FieldError::invalid(
            spec_path.child("expirationSeconds"),
            seconds,
            "may not specify a duration less than 600 seconds (10 minutes)",
        ));
    }

    let conditions_path = FieldPath::new("status").child("conditions");
    let mut seen_types: HashSet<&str> = HashSet::new();
    let (mut approved, mut denied) = (false, false);
    for (i, condition) in new
        .status
        .iter()
        .flat_map(|s| s.conditions.iter().flatten())
        .enumerate()
    {
        let here = conditions_path.index(i);
        if !allow_empty_type && condition.type_.is_empty() {
            errs.push(FieldError::required(here.child("type"), ""));
        }
        let true_only = matches!(condition.type_.as_str(), "Approved" | "Denied" | "Failed");
        let allowed: &[&str] = if true_only {
            &["True"]
        } else {
            &["False", "True", "Unknown"]
        };
        if condition.status.is_empty() {
            errs.push(FieldError::required(here.child("status"), ""));
        } else if !allowed.contains(&condition.status.as_str()) {
            errs.push(FieldError::not_supported(
                here.child("status"),
                condition.status.as_str(),
                allowed,
            ));
        }
        if !allow_both {
            let exclusive = "Approved and Denied conditions are mutually exclusive";
            match condition.type_.as_str() {
                "Approved" => {
                    approved = true;
                    if denied {
                        errs.push(FieldError::invalid(here.child("type"), "Approved", exclusive));
                    }
                }
                "Denied" => {
                    denied = true;
                    if approved {
                        errs.push(FieldError::invalid(here.child("type"), "Denied", exclusive));
                    }
                }
                _ => {}
            }
        }
        if !allow_duplicate_types && !seen_types.insert(&condition.type_) {
            errs.push(FieldError::duplicate(here.child("type"), condition.type_.as_str()));
        }
    }
    if !allow_arbitrary_certificate && let Some(problem) = certificate_error(certificate(new)) {
        errs.push(FieldError::invalid("status.certificate", "<certificate data>", problem));
    }

    if let Some(old) = old {
        for kind in ["Approved", "Denied", "Failed"] {
            if conditions_of(new, kind).len() < conditions_of(old, kind).len() {
                errs.push(FieldError::forbidden(
                    &conditions_path,
                    format!(
                        "updates may not remove a condition of type {}",
                        FieldValue::String(kind.to_string())
                    ),
                ));
            }
        }
        if via != CsrPath::Approval {
            for kind in ["Approved", "Denied"] {
                let (new_list, old_list) = (conditions_of(new, kind), conditions_of(old, kind));
                let quoted = FieldValue::String(kind.to_string());
                if new_list.len() > old_list.len() {
                    errs.push(FieldError::forbidden(
                        &conditions_path,
                        format!("updates may not add a condition of type {quoted}"),
                    ));
                } else if new_list.len() == old_list.len() && new_list != old_list {
                    // Upstream appends a diff of the conditions, which is not stable text.
                    errs.push(FieldError::forbidden(
                        &conditions_path,
                        format!("updates may not modify a condition of type {quoted}"),
                    ));
                }
            }
        }
        if certificate(new) != certificate(old) {
            if via != CsrPath::Status {
                errs.push(FieldError::forbidden(
                    "status.certificate",
                    "updates may not set certificate content",
                ));
            } else if !certificate(old).is_empty() {
                errs.push(FieldError::forbidden(
                    "status.certificate",
                    "updates may not modify existing certificate content",
                ));
            }
        }
    }
    errs
}

// ---------------------------------------------------------------------------------
// URLs, as Go's net/url parses them (the parts webhook validation reads).

struct GoUrl<'a> {
    scheme: String,
    user: Option<&'a str>,
    host: &'a str,
    raw_query: &'a str,
    fragment: String,
}

fn is_hex(b: u8) -> bool {
    b.is_ascii_hexdigit()
}

/// Go's `unescape` checks: `%` escapes well formed; in a host, only the allowed
/// characters and no escaped control bytes.
fn check_escapes(s: &str, host: bool) -> Result<(), String> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                if i + 2 >= bytes.len() || !is_hex(bytes[i + 1]) || !is_hex(bytes[i + 2]) {
                    let end = (i + 3).min(bytes.len());
                    return Err(format!(
                        "invalid URL escape {}",
                        FieldValue::String(String::from_utf8_lossy(&bytes[i..end]).into_owned())
                    ));
                }
                if host && (bytes[i + 1] as char).to_digit(16).is_some_and(|d| d < 8) && &s[i..i + 3] != "%25" {
                    return Err(format!(
                        "invalid URL escape {}",
                        FieldValue::String(s[i..i + 3].to_string())
                    ));
                }
                i += 3;
            }
            b if host && b < 0x80 && !b.is_ascii_alphanumeric() && !b"!$&'()*+,;=:[]<>\"-_.~".contains(&b) => {
                return Err(format!(
                    "invalid character {} in host name",
                    FieldValue::String((b as char).to_string())
                ));
            }
            _ => i += 1,
        }
    }
    Ok(())
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A port suffix as `validOptionalPort` accepts it: empty, or `:` and digits.
fn valid_optional_port(port: &str) -> bool {
    port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

fn parse_host(host: &str) -> Result<(), String> {
    if host.starts_with('[') {
        let Some(i) = host.rfind(']') else {
            return Err("missing ']' in host".to_string());
        };
        let port = &host[i + 1..];
        if !valid_optional_port(port) {
            return Err(format!(
                "invalid port {} after host",
                FieldValue::String(port.to_string())
            ));
        }
    } else if let Some(i) = host.rfind(':') {
        let port = &host[i..];
        if !valid_optional_port(port) {
            return Err(format!(
                "invalid port {} after host",
                FieldValue::String(port.to_string())
            ));
        }
    }
    check_escapes(host, true)
}

/// Go's `url.Parse`; the error is its text (`parse "…": …`).
fn parse_url(raw: &str) -> Result<GoUrl<'_>, String> {
    let (u, fragment) = raw.split_once('#').map_or((raw, None), |(u, f)| (u, Some(f)));
    let wrap = |url: &str, err: String| format!("parse {}: {err}", FieldValue::String(url.to_string()));
    if u.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(wrap(u, "net/url: invalid control character in URL".to_string()));
    }
    let mut url = GoUrl {
        scheme: String::new(),
        user: None,
        host: "",
        raw_query: "",
        fragment: String::new(),
    };
    if u != "*" {
        // The scheme: letters first, then letters, digits, `+`, `-`, `.`, up to `:`.
        let mut rest = u;
        for (i, c) in u.bytes().enumerate() {
            if c.is_ascii_alphabetic() {
                continue;
            }
            if c.is_ascii_digit() || matches!(c, b'+' | b'-' | b'.') {
                if i == 0 {
                    break;
                }
                continue;
            }
            if c == b':' {
                if i == 0 {
                    return Err(wrap(u, "missing protocol scheme".to_string()));
                }
                url.scheme = u[..i].to_ascii_lowercase();
                rest = &u[i + 1..];
            }
            break;
        }
        if rest.ends_with('?') && rest.matches('?').count() == 1 {
            rest = &rest[..rest.len() - 1];
        } else if let Some((before, query)) = rest.split_once('?') {
            rest = before;
            url.raw_query = query;
        }
        if !rest.starts_with('/') {
            if !url.scheme.is_empty() {
                // An opaque URL (`https:host`): no host.
                return finish(url, fragment, raw, &wrap);
            }
            if rest.split('/').next().is_some_and(|segment| segment.contains(':')) {
                return Err(wrap(u, "first path segment in URL cannot contain colon".to_string()));
            }
        }
        if (!url.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
            let authority_and_path = &rest[2..];
            let (authority, path) = match authority_and_path.find('/') {
                Some(i) => authority_and_path.split_at(i),
                None => (authority_and_path, ""),
            };
            let (user, host) = match authority.rfind('@') {
                Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
                None => (None, authority),
            };
            parse_host(host).map_err(|e| wrap(u, e))?;
            if let Some(user) = user
                && !user
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._:~!$&'()*+,;=%@".contains(&b))
            {
                return Err(wrap(u, "net/url: invalid userinfo".to_string()));
            }
            url.user = user;
            url.host = host;
            rest = path;
        }
        check_escapes(rest, false).map_err(|e| wrap(u, e))?;
    }
    finish(url, fragment, raw, &wrap)
}

fn finish<'a>(
    mut url: GoUrl<'a>,
    fragment: Option<&str>,
    raw: &str,
    wrap: &dyn Fn(&str, String) -> String,
) -> Result<GoUrl<'a>, String> {
    if let Some(fragment) = fragment.filter(|f| !f.is_empty()) {
        check_escapes(fragment, false).map_err(|e| wrap(raw, e))?;
        url.fragment = percent_decode(fragment);
    }
    Ok(url)
}

// ---------------------------------------------------------------------------------
// Admission webhooks.

/// The fields validating and mutating webhooks share, and the one they do not.
struct Hook<'a> {
    name: &'a str,
    rules: &'a [RuleWithOperations],
    failure_policy: Option<&'a str>,
    match_policy: Option<&'a str>,
    side_effects: &'a str,
    timeout_seconds: Option<i32>,
    namespace_selector: Option<&'a LabelSelector>,
    object_selector: Option<&'a LabelSelector>,
    reinvocation_policy: Option<&'a str>,
    client_config: &'a WebhookClientConfig,
    match_conditions: Option<&'a Vec<MatchCondition>>,
    admission_review_versions: &'a [String],
}

impl<'a> Hook<'a> {
    fn validating(hook: &'a k8s_openapi::api::admissionregistration::v1::ValidatingWebhook) -> Self {
        Hook {
            name: &hook.name,
            rules: hook.rules.as_deref().unwrap_or_default(),
            failure_policy: hook.failure_policy.as_deref(),
            match_policy: hook.match_policy.as_deref(),
            side_effects: &hook.side_effects,
            timeout_seconds: hook.timeout_seconds,
            namespace_selector: hook.namespace_selector.as_ref(),
            object_selector: hook.object_selector.as_ref(),
            reinvocation_policy: None,
            client_config: &hook.client_config,
            match_conditions: hook.match_conditions.as_ref(),
            admission_review_versions: &hook.admission_review_versions,
        }
    }

    fn mutating(hook: &'a k8s_openapi::api::admissionregistration::v1::MutatingWebhook) -> Self {
        Hook {
            name: &hook.name,
            rules: hook.rules.as_deref().unwrap_or_default(),
            failure_policy: hook.failure_policy.as_deref(),
            match_policy: hook.match_policy.as_deref(),
            side_effects: &hook.side_effects,
            timeout_seconds: hook.timeout_seconds,
            namespace_selector: hook.namespace_selector.as_ref(),
            object_selector: hook.object_selector.as_ref(),
            reinvocation_policy: Some(hook.reinvocation_policy.as_deref().unwrap_or("")),
            client_config: &hook.client_config,
            match_conditions: hook.match_conditions.as_ref(),
            admission_review_versions: &hook.admission_review_versions,
        }
    }

    fn has_no_side_effects(&self) -> bool {
        matches!(self.side_effects, "None" | "NoneOnDryRun")
    }
}

/// `validateResources`: no duplicates hidden behind wildcards (`*`, `*/*`, `x/*`, `*/x`).
fn rule_resources(errs: &mut Vec<FieldError>, resources: &[String], path: &FieldPath) {
    if resources.is_empty() {
        errs.push(FieldError::required(path, ""));
    }
    let mut wildcard_subresources: HashSet<&str> = HashSet::new();
    let mut wildcard_resources: HashSet<&str> = HashSet::new();
    let (mut double, mut single, mut plain) = (false, false, false);
    for (i, resource) in resources.iter().enumerate() {
        if resource.is_empty() {
            errs.push(FieldError::required(path.index(i), ""));
            continue;
        }
        double |= resource == "*/*";
        single |= resource == "*";
        let Some((res, sub)) = resource.split_once('/') else {
            // Upstream keeps only the last such resource's answer.
            plain = resource != "*";
            continue;
        };
        if wildcard_subresources.contains(res) {
            errs.push(FieldError::invalid(
                path.index(i),
                resource.as_str(),
                format!("if '{res}/*' is present, must not specify {resource}"),
            ));
        }
        if wildcard_resources.contains(sub) {
            errs.push(FieldError::invalid(
                path.index(i),
                resource.as_str(),
                format!("if '*/{sub}' is present, must not specify {resource}"),
            ));
        }
        if sub == "*" {
            wildcard_subresources.insert(res);
        }
        if res == "*" {
            wildcard_resources.insert(sub);
        }
    }
    if resources.len() > 1 && double {
        errs.push(FieldError::invalid(
            path,
            FieldValue::json(resources),
            "if '*/*' is present, must not specify other resources",
        ));
    }
    if single && plain {
        errs.push(FieldError::invalid(
            path,
            FieldValue::json(resources),
            "if '*' is present, must not specify other resources without subresources",
        ));
    }
}

const OPERATIONS: [&str; 5] = ["*", "CONNECT", "CREATE", "DELETE", "UPDATE"];

/// `validateRuleWithOperations` (operations, then the rule).
fn rule_with_operations(
    errs: &mut Vec<FieldError>,
    operations: &[String],
    api_groups: &[String],
    api_versions: &[String],
    resources: &[String],
    scope: Option<&str>,
    path: &FieldPath,
) {
    let has_wildcard = |list: &[String]| list.iter().any(|v| v == "*");
    if operations.is_empty() {
        errs.push(FieldError::required(path.child("operations"), ""));
    }
    if operations.len() > 1 && has_wildcard(operations) {
        errs.push(FieldError::invalid(
            path.child("operations"),
            FieldValue::json(operations),
            "if '*' is present, must not specify other operations",
        ));
    }
    for (i, operation) in operations.iter().enumerate() {
        if !OPERATIONS.contains(&operation.as_str()) {
            errs.push(FieldError::not_supported(
                path.child("operations").index(i),
                operation.as_str(),
                &OPERATIONS,
            ));
        }
    }
    if api_groups.is_empty() {
        errs.push(FieldError::required(path.child("apiGroups"), ""));
    }
    if api_groups.len() > 1 && has_wildcard(api_groups) {
        errs.push(FieldError::invalid(
            path.child("apiGroups"),
            FieldValue::json(api_groups),
            "if '*' is present, must not specify other API groups",
        ));
    }
    if api_versions.is_empty() {
        errs.push(FieldError::required(path.child("apiVersions"), ""));
    }
    if api_versions.len() > 1 && has_wildcard(api_versions) {
        errs.push(FieldError::invalid(
            path.child("apiVersions"),
            FieldValue::json(api_versions),
            "if '*' is present, must not specify other API versions",
        ));
    }
    for (i, version) in api_versions.iter().enumerate() {
        if version.is_empty() {
            errs.push(FieldError::required(path.child("apiVersions").index(i), ""));
        }
    }
    rule_resources(errs, resources, &path.child("resources"));
    if let Some(scope) = scope
        && !matches!(scope, "*" | "Cluster" | "Namespaced")
    {
        errs.push(FieldError::not_supported(
            path.child("scope"),
            scope,
            &["*", "Cluster", "Namespaced"],
        ));
    }
}

fn list(values: &Option<Vec<String>>) -> &[String] {
    values.as_deref().unwrap_or_default()
}

/// `IsFullyQualifiedName`: a subdomain of at least three labels.
fn fully_qualified_name(errs: &mut Vec<FieldError>, name: &str, path: &FieldPath) {
    if name.is_empty() {
        errs.push(FieldError::required(path, ""));
        return;
    }
    let msgs = is_dns1123_subdomain(name);
    if !msgs.is_empty() {
        errs.push(FieldError::invalid(path, name, msgs.join(",")));
        return;
    }
    if name.split('.').count() < 3 {
        errs.push(FieldError::invalid(
            path,
            name,
            "should be a domain with at least three segments separated by dots",
        ));
    }
}

fn client_config(errs: &mut Vec<FieldError>, config: &WebhookClientConfig, path: &FieldPath) {
    match (&config.url, &config.service) {
        (Some(_), Some(_)) | (None, None) => {
            errs.push(FieldError::required(path, "exactly one of url or service is required"));
        }
        (Some(raw), None) => {
            let url_path = path.child("url");
            const FORM: &str = "; desired format: https://host[/path]";
            match parse_url(raw) {
                Err(error) => errs.push(FieldError::required(
                    url_path,
                    format!("url must be a valid URL: {error}{FORM}"),
                )),
                Ok(url) => {
                    if url.scheme != "https" {
                        errs.push(FieldError::invalid(
                            &url_path,
                            url.scheme.as_str(),
                            format!("'https' is the only allowed URL scheme{FORM}"),
                        ));
                    }
                    if url.host.is_empty() {
                        errs.push(FieldError::invalid(
                            &url_path,
                            "",
                            format!("host must be provided{FORM}"),
                        ));
                    }
                    if let Some(user) = url.user {
                        errs.push(FieldError::invalid(
                            &url_path,
                            user,
                            "user information is not permitted in the URL",
                        ));
                    }
                    if !url.fragment.is_empty() {
                        errs.push(FieldError::invalid(
                            &url_path,
                            url.fragment.as_str(),
                            "fragments are not permitted in the URL",
                        ));
                    }
                    if !url.raw_query.is_empty() {
                        errs.push(FieldError::invalid(
                            &url_path,
                            url.raw_query,
                            "query parameters are not permitted in the URL",
                        ));
                    }
                }
            }
        }
        (None, Some(service)) => {
            let here = path.child("service");
            // Upstream passes the name and namespace in swapped order, so a missing
            // name is reported as the namespace and the other way round; kept.
            if service.namespace.is_empty() {
                errs.push(FieldError::required(here.child("name"), "service name is required"));
            }
            if service.name.is_empty() {
                errs.push(FieldError::required(
                    here.child("namespace"),
                    "service namespace is required",
                ));
            }
            let port = service.port.unwrap_or(0);
            if let Some(error) = validate_port_number(port, &here.child("port")) {
                errs.push(FieldError::invalid(
                    here.child("port"),
                    port,
                    format!("port is not valid: {}", error.detail),
                ));
            }
            if let Some(url_path) = service.path.as_deref() {
                service_path(errs, url_path, &here.child("path"));
            }
        }
    }
}

fn service_path(errs: &mut Vec<FieldError>, url_path: &str, path: &FieldPath) {
    if url_path == "/" || url_path.is_empty() {
        return;
    }
    if url_path == "//" {
        errs.push(FieldError::invalid(path, url_path, "segment[0] may not be empty"));
        return;
    }
    if !url_path.starts_with('/') {
        errs.push(FieldError::invalid(path, url_path, "must start with a '/'"));
    }
    // Upstream drops the first byte whatever it is.
    let mut check = url_path.get(1..).unwrap_or("");
    check = check.strip_suffix('/').unwrap_or(check);
    for (i, step) in check.split('/').enumerate() {
        if step.is_empty() {
            errs.push(FieldError::invalid(
                path,
                url_path,
                format!("segment[{i}] may not be empty"),
            ));
            continue;
        }
        for failure in is_dns1123_subdomain(step) {
            errs.push(FieldError::invalid(path, url_path, format!("segment[{i}]: {failure}")));
        }
    }
}

fn match_conditions(errs: &mut Vec<FieldError>, conditions: &[MatchCondition], path: &FieldPath) {
    if conditions.len() > 64 {
        errs.push(FieldError::too_many(path, conditions.len() as i64, 64));
    }
    let mut names: HashSet<&str> = HashSet::new();
    for (i, condition) in conditions.iter().enumerate() {
        let here = path.index(i);
        // The expression is CEL; it is required here and compiled by the API server.
        if condition.expression.trim().is_empty() {
            errs.push(FieldError::required(here.child("expression"), ""));
        }
        if condition.name.is_empty() {
            errs.push(FieldError::required(here.child("name"), ""));
        } else {
            qualified_name(errs, &condition.name, &here.child("name"));
        }
        if !condition.name.is_empty() && !names.insert(&condition.name) {
            errs.push(FieldError::duplicate(here.child("name"), condition.name.as_str()));
        }
    }
}

const REVIEW_VERSIONS: [&str; 2] = ["v1", "v1beta1"];

fn admission_review_versions(errs: &mut Vec<FieldError>, versions: &[String], require_known: bool, path: &FieldPath) {
    if versions.is_empty() {
        errs.push(FieldError::required(path, "must specify one of v1, v1beta1"));
        return;
    }
    let mut seen: HashSet<&str> = HashSet::new();
    let mut known = false;
    for (i, version) in versions.iter().enumerate() {
        if !seen.insert(version) {
            errs.push(FieldError::invalid(
                path.index(i),
                version.as_str(),
                "duplicate version",
            ));
            continue;
        }
        for msg in is_dns1035_label(version) {
            errs.push(FieldError::invalid(path.index(i), version.as_str(), msg));
        }
        known |= REVIEW_VERSIONS.contains(&version.as_str());
    }
    if require_known && !known {
        errs.push(FieldError::invalid(
            path,
            FieldValue::json(versions),
            "must include at least one of v1, v1beta1",
        ));
    }
}

/// `validate{Validating,Mutating}WebhookConfiguration`. On update, rules the stored
/// configuration already broke (side effects, unknown review versions, duplicate
/// names) stay allowed, and unchanged match conditions are not re-checked.
fn webhooks(hooks: &[Hook], old: Option<&[Hook]>, raw: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let require_no_side_effects = old.is_none_or(|old| old.iter().all(Hook::has_no_side_effects));
    let require_known_versions = old.is_none_or(|old| {
        old.iter().all(|h| {
            h.admission_review_versions.is_empty()
                || h.admission_review_versions
                    .iter()
                    .any(|v| REVIEW_VERSIONS.contains(&v.as_str()))
        })
    });
    let require_unique_names = old.is_none_or(|old| {
        let mut seen = HashSet::new();
        old.iter().all(|h| seen.insert(h.name))
    });
    let ignore_match_conditions = old.is_some_and(|old| {
        old.len() == hooks.len()
            && old.iter().zip(hooks).all(|(o, n)| {
                o.match_conditions.filter(|c| !c.is_empty()) == n.match_conditions.filter(|c| !c.is_empty())
            })
    });
    let path = FieldPath::new("webhooks");
    let mut names: HashSet<&str> = HashSet::new();
    for (i, hook) in hooks.iter().enumerate() {
        let here = path.index(i);
        fully_qualified_name(&mut errs, hook.name, &here.child("name"));
        for (j, rule) in hook.rules.iter().enumerate() {
            rule_with_operations(
                &mut errs,
                list(&rule.operations),
                list(&rule.api_groups),
                list(&rule.api_versions),
                list(&rule.resources),
                rule.scope.as_deref(),
                &here.child("rules").index(j),
            );
        }
        if let Some(policy) = hook.failure_policy
            && policy != "Fail"
            && policy != "Ignore"
        {
            errs.push(FieldError::not_supported(
                here.child("failurePolicy"),
                policy,
                &["Fail", "Ignore"],
            ));
        }
        if let Some(policy) = hook.match_policy
            && policy != "Exact"
            && policy != "Equivalent"
        {
            errs.push(FieldError::not_supported(
                here.child("matchPolicy"),
                policy,
                &["Equivalent", "Exact"],
            ));
        }
        let allowed: &[&str] = if require_no_side_effects {
            &["None", "NoneOnDryRun"]
        } else {
            &["None", "NoneOnDryRun", "Some", "Unknown"]
        };
        // The typed form cannot tell an absent sideEffects from an empty one.
        let side_effects_set = raw
            .pointer(&format!("/webhooks/{i}/sideEffects"))
            .is_some_and(|v| !v.is_null());
        if !side_effects_set {
            errs.push(FieldError::required(
                here.child("sideEffects"),
                format!("must specify one of {}", allowed.join(", ")),
            ));
        } else if !allowed.contains(&hook.side_effects) {
            errs.push(FieldError::not_supported(
                here.child("sideEffects"),
                hook.side_effects,
                allowed,
            ));
        }
        if let Some(timeout) = hook.timeout_seconds
            && !(1..=30).contains(&timeout)
        {
            errs.push(FieldError::invalid(
                here.child("timeoutSeconds"),
                timeout,
                "the timeout value must be between 1 and 30 seconds",
            ));
        }
        if let Some(selector) = hook.namespace_selector {
            errs.extend(validate_label_selector(selector, &here.child("namespaceSelector")));
        }
        if let Some(selector) = hook.object_selector {
            errs.extend(validate_label_selector(selector, &here.child("objectSelector")));
        }
        if let Some(policy) = hook.reinvocation_policy
            && !policy.is_empty()
            && policy != "Never"
            && policy != "IfNeeded"
        {
            errs.push(FieldError::not_supported(
                here.child("reinvocationPolicy"),
                policy,
                &["IfNeeded", "Never"],
            ));
        }
        client_config(&mut errs, hook.client_config, &here.child("clientConfig"));
        if !ignore_match_conditions {
            match_conditions(
                &mut errs,
                hook.match_conditions.map(Vec::as_slice).unwrap_or_default(),
                &here.child("matchConditions"),
            );
        }
        admission_review_versions(
            &mut errs,
            hook.admission_review_versions,
            require_known_versions,
            &here.child("admissionReviewVersions"),
        );
        if require_unique_names && !hook.name.is_empty() && !names.insert(hook.name) {
            errs.push(FieldError::duplicate(here.child("name"), hook.name));
        }
    }
    errs
}

// ---------------------------------------------------------------------------------
// Validating admission policies and their bindings.

const MAX_AUDIT_ANNOTATIONS: usize = 20;
const MAX_AUDIT_VALUE_EXPRESSION: usize = 5 * 1024;
const CEL_RESERVED: [&str; 21] = [
    "true",
    "false",
    "null",
    "in",
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];

fn is_cel_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b == b'_' || b.is_ascii_alphabetic())
        && bytes.all(|b| b == b'_' || b.is_ascii_alphanumeric())
        && !CEL_RESERVED.contains(&name)
}

fn named_rule(errs: &mut Vec<FieldError>, rule: &NamedRuleWithOperations, path: &FieldPath) {
    let mut names: HashSet<&str> = HashSet::new();
    for (i, name) in list(&rule.resource_names).iter().enumerate() {
        let here = path.child("resourceNames").index(i);
        for msg in is_valid_path_segment_name(name) {
            errs.push(FieldError::invalid(&here, name.as_str(), msg));
        }
        if !names.insert(name) {
            errs.push(FieldError::duplicate(&here, name.as_str()));
        }
    }
    rule_with_operations(
        errs,
        list(&rule.operations),
        list(&rule.api_groups),
        list(&rule.api_versions),
        list(&rule.resources),
        rule.scope.as_deref(),
        path,
    );
}

fn match_resources(errs: &mut Vec<FieldError>, resources: &MatchResources, path: &FieldPath) {
    match resources.match_policy.as_deref() {
        None => errs.push(FieldError::required(path.child("matchPolicy"), "")),
        Some("Exact" | "Equivalent") => {}
        Some(other) => errs.push(FieldError::not_supported(
            path.child("matchPolicy"),
            other,
            &["Equivalent", "Exact"],
        )),
    }
    for (field, selector) in [
        ("namespaceSelector", &resources.namespace_selector),
        ("objectSelector", &resources.object_selector),
    ] {
        match selector {
            None => errs.push(FieldError::required(path.child(field), "")),
            Some(selector) => errs.extend(validate_label_selector(selector, &path.child(field))),
        }
    }
    for (i, rule) in resources.resource_rules.iter().flatten().enumerate() {
        named_rule(errs, rule, &path.child("resourceRules").index(i));
    }
    for (i, rule) in resources.exclude_resource_rules.iter().flatten().enumerate() {
        named_rule(errs, rule, &path.child("excludeResourceRules").index(i));
    }
}

/// An audit annotation as upstream prints the internal struct.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GoAuditAnnotation<'a> {
    key: &'a str,
    value_expression: &'a str,
}

fn admission_policy(new: &ValidatingAdmissionPolicy, old: Option<&ValidatingAdmissionPolicy>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let empty = Default::default();
    let spec = new.spec.as_ref().unwrap_or(&empty);
    let path = FieldPath::new("spec");
    match spec.failure_policy.as_deref() {
        None => errs.push(FieldError::required(path.child("failurePolicy"), "")),
        Some("Fail" | "Ignore") => {}
        Some(other) => errs.push(FieldError::not_supported(
            path.child("failurePolicy"),
            other,
            &["Fail", "Ignore"],
        )),
    }
    if let Some(kind) = &spec.param_kind {
        let here = path.child("paramKind");
        let api_version = kind.api_version.as_deref().unwrap_or("");
        if api_version.is_empty() {
            errs.push(FieldError::required(here.child("apiVersion"), ""));
        } else if api_version.matches('/').count() > 1 {
            errs.push(FieldError::invalid(
                here.child("apiVersion"),
                api_version,
                format!("unexpected GroupVersion string: {api_version}"),
            ));
        } else if api_version != "/" {
            let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
            if !group.is_empty() {
                let msgs = is_dns1123_subdomain(group);
                if !msgs.is_empty() {
                    errs.push(FieldError::invalid(here.child("apiVersion"), group, msgs.join(",")));
                }
            }
            if version.is_empty() {
                errs.push(FieldError::invalid(
                    here.child("apiVersion"),
                    api_version,
                    "version must be specified",
                ));
            } else {
                let msgs = is_dns1035_label(version);
                if !msgs.is_empty() {
                    errs.push(FieldError::invalid(here.child("apiVersion"), version, msgs.join(",")));
                }
            }
        } else {
            errs.push(FieldError::invalid(
                here.child("apiVersion"),
                api_version,
                "version must be specified",
            ));
        }
        let kind_name = kind.kind.as_deref().unwrap_or("");
        if kind_name.is_empty() {
            errs.push(FieldError::required(here.child("kind"), ""));
        } else {
            let msgs = is_dns1035_label(&kind_name.to_lowercase());
            if !msgs.is_empty() {
                errs.push(FieldError::invalid(
                    here.child("kind"),
                    kind_name,
                    format!("may have mixed case, but should otherwise match: {}", msgs.join(",")),
                ));
            }
        }
    }
    match &spec.match_constraints {
        None => errs.push(FieldError::required(path.child("matchConstraints"), "")),
        Some(constraints) => {
            match_resources(&mut errs, constraints, &path.child("matchConstraints"));
            if constraints.resource_rules.as_ref().is_none_or(|r| r.is_empty()) {
                errs.push(FieldError::required(
                    path.child("matchConstraints").child("resourceRules"),
                    "",
                ));
            }
        }
    }
    // Unchanged match conditions (and param kind) are not re-checked on update.
    let ignore_conditions = old
        .and_then(|o| o.spec.as_ref())
        .is_some_and(|o| o.param_kind == spec.param_kind && o.match_conditions == spec.match_conditions);
    if !ignore_conditions {
        match_conditions(
            &mut errs,
            spec.match_conditions.as_deref().unwrap_or_default(),
            &path.child("matchConditions"),
        );
    }
    for (i, variable) in spec.variables.iter().flatten().enumerate() {
        let here = path.child("variables").index(i);
        if variable.name.trim().is_empty() {
            errs.push(FieldError::required(here.child("name"), "name is not specified"));
        } else if !is_cel_identifier(&variable.name) {
            errs.push(FieldError::invalid(
                here.child("name"),
                variable.name.as_str(),
                "name is not a valid CEL identifier",
            ));
        }
        if variable.expression.trim().is_empty() {
            errs.push(FieldError::required(
                here.child("expression"),
                "expression is not specified",
            ));
        }
    }
    let validations = spec.validations.as_deref().unwrap_or_default();
    let audit_annotations = spec.audit_annotations.as_deref().unwrap_or_default();
    if validations.is_empty() && audit_annotations.is_empty() {
        let detail = "validations or auditAnnotations must contain at least one item";
        errs.push(FieldError::required(path.child("validations"), detail));
        errs.push(FieldError::required(path.child("auditAnnotations"), detail));
        return errs;
    }
    for (i, validation) in validations.iter().enumerate() {
        let here = path.child("validations").index(i);
        if validation.expression.trim().is_empty() {
            errs.push(FieldError::required(
                here.child("expression"),
                "expression is not specified",
            ));
        }
        let message_expression = validation.message_expression.as_deref().unwrap_or("");
        if !message_expression.is_empty() && message_expression.trim().is_empty() {
            errs.push(FieldError::invalid(
                here.child("messageExpression"),
                message_expression,
                "must be non-empty if specified",
            ));
        }
        let message = validation.message.as_deref().unwrap_or("");
        let trimmed = message.trim();
        if !message.is_empty() && trimmed.is_empty() {
            errs.push(FieldError::invalid(
                here.child("message"),
                message,
                "message must be non-empty if specified",
            ));
        } else if trimmed.contains(['\n', '\r']) {
            errs.push(FieldError::invalid(
                here.child("message"),
                message,
                "message must not contain line breaks",
            ));
        }
        if let Some(reason) = validation.reason.as_deref()
            && !matches!(reason, "Forbidden" | "Invalid" | "RequestEntityTooLarge")
        {
            errs.push(FieldError::not_supported(
                here.child("reason"),
                reason,
                &["Forbidden", "Invalid", "RequestEntityTooLarge"],
            ));
        }
    }
    if spec.audit_annotations.is_some() {
        let annotations_path = path.child("auditAnnotations");
        if audit_annotations.len() > MAX_AUDIT_ANNOTATIONS {
            let shown: Vec<GoAuditAnnotation> = audit_annotations
                .iter()
                .map(|a| GoAuditAnnotation {
                    key: &a.key,
                    value_expression: &a.value_expression,
                })
                .collect();
            errs.push(FieldError::invalid(
                &annotations_path,
                FieldValue::json(&shown),
                format!("must not have more than {MAX_AUDIT_ANNOTATIONS} auditAnnotations"),
            ));
        }
        let name = new.metadata.name.as_deref().unwrap_or("");
        let mut keys: HashSet<&str> = HashSet::new();
        for (i, annotation) in audit_annotations.iter().enumerate() {
            let here = annotations_path.index(i);
            if name.is_empty() {
                errs.push(FieldError::invalid(
                    here.child("key"),
                    annotation.key.as_str(),
                    "requires metadata.name be non-empty",
                ));
            } else {
                let full = format!("{name}/{}", annotation.key);
                for msg in is_qualified_name(&full) {
                    errs.push(FieldError::invalid(here.child("key"), full.as_str(), msg));
                }
            }
            let value = annotation.value_expression.trim();
            if value.is_empty() {
                errs.push(FieldError::required(
                    here.child("valueExpression"),
                    "valueExpression is not specified",
                ));
            } else if value.len() > MAX_AUDIT_VALUE_EXPRESSION {
                errs.push(FieldError::required(
                    here.child("valueExpression"),
                    format!("must not exceed {MAX_AUDIT_VALUE_EXPRESSION} bytes in length"),
                ));
            }
            if !keys.insert(&annotation.key) {
                errs.push(FieldError::duplicate(here.child("key"), annotation.key.as_str()));
            }
        }
    }
    errs
}

fn param_ref(errs: &mut Vec<FieldError>, param: &ParamRef, path: &FieldPath) {
    let name = param.name.as_deref().unwrap_or("");
    let exclusive = "name and selector are mutually exclusive";
    if !name.is_empty() {
        for msg in is_valid_path_segment_name(name) {
            errs.push(FieldError::invalid(path.child("name"), name, msg));
        }
        if param.selector.is_some() {
            errs.push(FieldError::forbidden(path.child("name"), exclusive));
        }
    }
    if let Some(selector) = &param.selector {
        errs.extend(validate_label_selector(selector, &path.child("selector")));
        if !name.is_empty() {
            errs.push(FieldError::forbidden(path.child("selector"), exclusive));
        }
    }
    if name.is_empty() && param.selector.is_none() {
        errs.push(FieldError::required(path, "one of name or selector must be specified"));
    }
    match param.parameter_not_found_action.as_deref() {
        None | Some("") => errs.push(FieldError::required(path.child("parameterNotFoundAction"), "")),
        Some("Deny" | "Allow") => {}
        Some(other) => errs.push(FieldError::not_supported(
            path.child("parameterNotFoundAction"),
            other,
            &["Deny", "Allow"],
        )),
    }
}

fn policy_binding(binding: &ValidatingAdmissionPolicyBinding) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let empty = Default::default();
    let spec = binding.spec.as_ref().unwrap_or(&empty);
    let path = FieldPath::new("spec");
    let policy = spec.policy_name.as_deref().unwrap_or("");
    if policy.is_empty() {
        errs.push(FieldError::required(path.child("policyName"), ""));
    } else {
        dns_subdomain(&mut errs, policy, &path.child("policyName"));
    }
    if let Some(param) = &spec.param_ref {
        param_ref(&mut errs, param, &path.child("paramRef"));
    }
    if let Some(resources) = &spec.match_resources {
        // Upstream's path is misspelled.
        match_resources(&mut errs, resources, &path.child("matchResouces"));
    }
    let actions_path = path.child("validationActions");
    let actions = spec.validation_actions.as_deref().unwrap_or_default();
    let mut seen: HashSet<&str> = HashSet::new();
    for (i, action) in actions.iter().enumerate() {
        if !matches!(action.as_str(), "Deny" | "Warn" | "Audit") {
            errs.push(FieldError::not_supported(
                actions_path.index(i),
                action.as_str(),
                &["Audit", "Deny", "Warn"],
            ));
        }
        if !seen.insert(action) {
            errs.push(FieldError::duplicate(actions_path.index(i), action.as_str()));
        }
    }
    if seen.contains("Deny") && seen.contains("Warn") {
        errs.push(FieldError::invalid(
            &actions_path,
            FieldValue::json(actions),
            "must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)",
        ));
    }
    if seen.is_empty() {
        errs.push(FieldError::required(
            actions_path,
            "at least one validation action is required",
        ));
    }
    errs
}

// ---------------------------------------------------------------------------------
// APIServices.

fn api_service(service: &APIService) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let empty = Default::default();
    let spec = service.spec.as_ref().unwrap_or(&empty);
    let group = spec.group.as_deref().unwrap_or("");
    let version = spec.version.as_deref().unwrap_or("");
    // The name must be `<version>.<group>` (once it is a valid path segment, which the
    // generic metadata checks report).
    let name = service.metadata.name.as_deref().unwrap_or("");
    let required_name = format!("{version}.{group}");
    if is_valid_path_segment_name(name).is_empty() && name != required_name {
        errs.push(FieldError::invalid(
            "metadata.name",
            name,
            format!(
                "must be `spec.version+\".\"+spec.group`: {}",
                FieldValue::String(required_name)
            ),
        ));
    }
    if group.is_empty() && version != "v1" {
        errs.push(FieldError::required(
            "spec.group",
            "only v1 may have an empty group and it better be legacy kube",
        ));
    }
    if !group.is_empty() {
        dns_subdomain(&mut errs, group, &FieldPath::new("spec").child("group"));
    }
    for msg in is_dns1035_label(version) {
        errs.push(FieldError::invalid("spec.version", version, msg));
    }
    if !(1..=20000).contains(&spec.group_priority_minimum) {
        errs.push(FieldError::invalid(
            "spec.groupPriorityMinimum",
            spec.group_priority_minimum,
            "must be positive and less than 20000",
        ));
    }
    if !(1..=1000).contains(&spec.version_priority) {
        errs.push(FieldError::invalid(
            "spec.versionPriority",
            spec.version_priority,
            "must be positive and less than 1000",
        ));
    }
    let ca_bundle = spec.ca_bundle.as_ref().map_or(0, |b| b.0.len());
    let insecure = spec.insecure_skip_tls_verify.unwrap_or(false);
    let Some(backend) = &spec.service else {
        if ca_bundle != 0 {
            errs.push(FieldError::invalid(
                "spec.caBundle",
                format!("{ca_bundle} bytes"),
                "local APIServices may not have a caBundle",
            ));
        }
        if insecure {
            errs.push(FieldError::invalid(
                "spec.insecureSkipTLSVerify",
                insecure,
                "local APIServices may not have insecureSkipTLSVerify",
            ));
        }
        return errs;
    };
    if backend.namespace.as_deref().unwrap_or("").is_empty() {
        errs.push(FieldError::required("spec.service.namespace", ""));
    }
    if backend.name.as_deref().unwrap_or("").is_empty() {
        errs.push(FieldError::required("spec.service.name", ""));
    }
    if insecure && ca_bundle > 0 {
        errs.push(FieldError::invalid(
            "spec.insecureSkipTLSVerify",
            insecure,
            "may not be true if caBundle is present",
        ));
    }
    errs
}

fn api_service_status(service: &APIService) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let conditions = service
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default();
    for (i, condition) in conditions.iter().enumerate() {
        if !matches!(condition.status.as_str(), "True" | "False" | "Unknown") {
            errs.push(FieldError::not_supported(
                FieldPath::new("status").child("conditions").index(i).child("status"),
                condition.status.as_str(),
                &["True", "False", "Unknown"],
            ));
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn messages(group: &str, kind: &str, new: Value, old: Option<Value>) -> Vec<String> {
        validate(group, kind, Input::from(&new), old.as_ref())
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn roles() {
        let role = |rules: Value| json!({"metadata": {"name": "reader", "namespace": "default"}, "rules": rules});
        assert!(
            messages(
                RBAC_GROUP,
                "Role",
                role(
                    json!([{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]},
                    {"apiGroups": ["apps"], "resources": ["deployments"], "resourceNames": ["web"], "verbs": ["get"]}])
                ),
                None
            )
            .is_empty()
        );
        assert_eq!(
            messages(
                RBAC_GROUP,
                "Role",
                role(json!([
                    {"verbs": [], "nonResourceURLs": ["/healthz"], "resources": ["pods"]},
                    {"verbs": ["get"]},
                    {"verbs": ["get"], "apiGroups": [""], "resources": ["pods", "secrets"], "resourceNames": ["a"]},
                ])),
                None
            ),
            [
                "rules[0].verbs: Required value: verbs must contain at least one value",
                "rules[0].nonResourceURLs: Invalid value: [\"/healthz\"]: namespaced rules cannot apply to non-resource URLs",
                "rules[0].nonResourceURLs: Invalid value: [\"/healthz\"]: rules cannot apply to both regular resources and non-resource URLs",
                "rules[1].apiGroups: Required value: resource rules must supply at least one api group",
                "rules[1].resources: Required value: resource rules must supply at least one resource",
                "rules[2].resourceNames: Required value: resource names cannot apply to multiple resources",
            ]
        );
        let cluster_role = |extra: Value| {
            let mut r =
                json!({"metadata": {"name": "admin"}, "rules": [{"nonResourceURLs": ["/metrics"], "verbs": ["get"]}]});
            for (k, v) in extra.as_object().into_iter().flatten() {
                r[k] = v.clone();
            }
            r
        };
        assert!(messages(RBAC_GROUP, "ClusterRole", cluster_role(json!({})), None).is_empty());
        assert!(
            messages(
                RBAC_GROUP,
                "ClusterRole",
                cluster_role(
                    json!({"aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"aggregate": "true"}}]}})
                ),
                None
            )
            .is_empty()
        );
        assert_eq!(
            messages(
                RBAC_GROUP,
                "ClusterRole",
                cluster_role(json!({"aggregationRule": {}})),
                None
            ),
            [
                "aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil"
            ]
        );
        assert_eq!(
            messages(
                RBAC_GROUP,
                "ClusterRole",
                cluster_role(json!({"aggregationRule": {"clusterRoleSelectors": [
                    {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]}]}})),
                None
            ),
            [
                "aggregationRule.clusterRoleSelectors[0].matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                "aggregationRule.clusterRoleSelectors[0]: Invalid value: null: invalid label selector.",
            ]
        );
    }

    #[test]
    fn bindings() {
        let binding = |kind: &str, role_ref: Value, subjects: Value| json!({"metadata": {"name": "b", "namespace": "default"}, "roleRef": role_ref, "subjects": subjects, "kind": kind});
        let role_ref = |kind: &str, name: &str| json!({"apiGroup": RBAC_GROUP, "kind": kind, "name": name});
        let subjects = json!([
            {"kind": "User", "name": "alice", "apiGroup": RBAC_GROUP},
            {"kind": "Group", "name": "devs", "apiGroup": RBAC_GROUP},
            {"kind": "ServiceAccount", "name": "default", "namespace": "default"},
        ]);
        let good = binding("RoleBinding", role_ref("Role", "reader"), subjects.clone());
        assert!(messages(RBAC_GROUP, "RoleBinding", good.clone(), Some(good.clone())).is_empty());
        assert!(
            messages(
                RBAC_GROUP,
                "ClusterRoleBinding",
                binding("ClusterRoleBinding", role_ref("ClusterRole", "view"), subjects),
                None
            )
            .is_empty()
        );
        assert_eq!(
            messages(
                RBAC_GROUP,
                "RoleBinding",
                binding(
                    "RoleBinding",
                    json!({"apiGroup": "rbac", "kind": "Group", "name": "a/b"}),
                    json!([
                        {"kind": "User", "name": ""},
                        {"kind": "ServiceAccount", "name": "Bad_SA", "apiGroup": "v1"},
                        {"kind": "Robot", "name": "r"},
                    ])
                ),
                None
            ),
            [
                "roleRef.apiGroup: Unsupported value: \"rbac\": supported values: \"rbac.authorization.k8s.io\"",
                "roleRef.kind: Unsupported value: \"Group\": supported values: \"Role\", \"ClusterRole\"",
                "roleRef.name: Invalid value: \"a/b\": may not contain '/'",
                "subjects[0].name: Required value",
                "subjects[0].name: Invalid value: \"\": user name cannot be empty",
                "subjects[0].apiGroup: Unsupported value: \"\": supported values: \"rbac.authorization.k8s.io\"",
                "subjects[1].name: Invalid value: \"Bad_SA\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                "subjects[1].apiGroup: Unsupported value: \"v1\": supported values: \"\"",
                "subjects[2].kind: Unsupported value: \"Robot\": supported values: \"ServiceAccount\", \"User\", \"Group\"",
            ]
        );
        assert_eq!(
            messages(
                RBAC_GROUP,
                "ClusterRoleBinding",
                binding(
                    "ClusterRoleBinding",
                    role_ref("Role", "r"),
                    json!([{"kind": "ServiceAccount", "name": "sa"}])
                ),
                None
            ),
            [
                "roleRef.kind: Unsupported value: \"Role\": supported values: \"ClusterRole\"",
                "subjects[0].namespace: Required value",
            ]
        );
        assert_eq!(
            messages(
                RBAC_GROUP,
                "RoleBinding",
                binding("RoleBinding", role_ref("ClusterRole", "admin"), json!([])),
                Some(good)
            ),
            [
                "roleRef: Invalid value: {\"APIGroup\":\"rbac.authorization.k8s.io\",\"Kind\":\"ClusterRole\",\"Name\":\"admin\"}: cannot change roleRef"
            ]
        );
    }

    const CSR_PEM: &str = "-----BEGIN CERTIFICATE REQUEST-----\nMIIBMzCB2gIBADBHMQswCQYDVQQGEwJVUzEOMAwGA1UEChMFbXlvcmcx\n-----END CERTIFICATE REQUEST-----\n";

    fn csr_object(request: &str, spec: Value, status: Value) -> Value {
        let mut s = json!({"request": base64_encode(request.as_bytes()), "signerName": "kubernetes.io/kube-apiserver-client",
            "usages": ["client auth"]});
        for (k, v) in spec.as_object().into_iter().flatten() {
            s[k] = v.clone();
        }
        json!({"metadata": {"name": "alice"}, "spec": s, "status": status})
    }

    #[test]
    fn pem_and_base64() {
        assert_eq!(base64_encode(b"hello"), "aGVsbG8=");
        assert_eq!(base64_decode(b"aGVs\nbG8="), Some(b"hello".to_vec()));
        assert_eq!(base64_decode(b"aGVsbG8"), None);
        let (block, _) = pem_decode(CSR_PEM.as_bytes()).unwrap();
        assert_eq!(block.kind, b"CERTIFICATE REQUEST");
        assert!(!block.has_headers);
        assert!(pem_decode(b"-----BEGIN X-----\n!!!!\n-----END X-----\n").is_none());
        assert!(pem_decode(b"junk").is_none());
    }

    #[test]
    fn certificate_signing_requests() {
        let g = "certificates.k8s.io";
        assert!(
            messages(
                g,
                "CertificateSigningRequest",
                csr_object(CSR_PEM, json!({}), json!({})),
                None
            )
            .is_empty()
        );
        assert_eq!(
            messages(
                g,
                "CertificateSigningRequest",
                csr_object(
                    "not pem",
                    json!({"usages": ["client auth", "flying", "client auth"], "signerName": "Example/a_b",
                        "expirationSeconds": 60}),
                    json!({"conditions": [{"type": "Approved", "status": "False"}, {"type": "Denied", "status": "True"},
                        {"type": "", "status": ""}]})
                ),
                None
            ),
            [
                "spec.request: Invalid value: \"bm90IHBlbQ==\": PEM block type must be CERTIFICATE REQUEST",
                "spec.usages[1]: Unsupported value: \"flying\": supported values: \"any\", \"cert sign\", \"client auth\", \"code signing\", \"content commitment\", \"crl sign\", \"data encipherment\", \"decipher only\", \"digital signature\", \"email protection\", \"encipher only\", \"ipsec end system\", \"ipsec tunnel\", \"ipsec user\", \"key agreement\", \"key encipherment\", \"microsoft sgc\", \"netscape sgc\", \"ocsp signing\", \"s/mime\", \"server auth\", \"signing\", \"timestamping\"",
                "spec.usages[2]: Duplicate value: \"client auth\"",
                "spec.signerName: Invalid value: \"Example\": validating label \"Example\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                "spec.signerName: Invalid value: \"Example\": should be a domain with at least two segments separated by dots",
                "spec.signerName: Invalid value: \"a_b\": validating label \"a_b\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                "spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds (10 minutes)",
                "status.conditions[0].status: Unsupported value: \"False\": supported values: \"True\"",
                "status.conditions[1].type: Invalid value: \"Denied\": Approved and Denied conditions are mutually exclusive",
                "status.conditions[2].type: Required value",
                "status.conditions[2].status: Required value",
            ]
        );
        assert_eq!(
            messages(
                g,
                "CertificateSigningRequest",
                csr_object(
                    CSR_PEM,
                    json!({"signerName": "kubernetes.io/legacy-unknown"}),
                    json!({})
                ),
                None
            ),
            [
                "spec.signerName: Invalid value: \"kubernetes.io/legacy-unknown\": the legacy signerName is not allowed via this API version"
            ]
        );
        assert_eq!(
            messages(
                g,
                "CertificateSigningRequest",
                csr_object(CSR_PEM, json!({"signerName": "signer"}), json!({})),
                None
            ),
            [
                "spec.signerName: Invalid value: \"signer\": must be a fully qualified domain and path of the form 'example.com/signer-name'"
            ]
        );

        // Approval goes through its own subresource; certificates through status.
        let pending = csr_object(CSR_PEM, json!({}), json!({}));
        let approved = csr_object(
            CSR_PEM,
            json!({}),
            json!({"conditions": [{"type": "Approved", "status": "True", "reason": "ok"}]}),
        );
        assert_eq!(
            messages(g, "CertificateSigningRequest", approved.clone(), Some(pending.clone())),
            ["status.conditions: Forbidden: updates may not add a condition of type \"Approved\""]
        );
        assert!(validate_csr_approval(&approved, Some(&pending)).is_empty());
        assert_eq!(
            messages(g, "CertificateSigningRequest", pending.clone(), Some(approved.clone())),
            ["status.conditions: Forbidden: updates may not remove a condition of type \"Approved\""]
        );
        let cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        let issued = csr_object(
            CSR_PEM,
            json!({}),
            json!({"conditions": [{"type": "Approved", "status": "True", "reason": "ok"}], "certificate": base64_encode(cert.as_bytes())}),
        );
        let status = |new: &Value, old: &Value| -> Vec<String> {
            validate_status(g, "CertificateSigningRequest", new, old)
                .unwrap_or_default()
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        assert!(status(&issued, &approved).is_empty());
        assert_eq!(
            messages(g, "CertificateSigningRequest", issued.clone(), Some(approved.clone())),
            ["status.certificate: Forbidden: updates may not set certificate content"]
        );
        let key = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n";
        let wrong = csr_object(
            CSR_PEM,
            json!({}),
            json!({"conditions": [{"type": "Approved", "status": "True", "reason": "ok"}], "certificate": base64_encode(key.as_bytes())}),
        );
        assert_eq!(
            status(&wrong, &approved),
            [
                "status.certificate: Invalid value: \"<certificate data>\": only CERTIFICATE PEM blocks are allowed, found \"PRIVATE KEY\""
            ]
        );
        assert_eq!(
            status(&wrong, &issued),
            [
                "status.certificate: Invalid value: \"<certificate data>\": only CERTIFICATE PEM blocks are allowed, found \"PRIVATE KEY\"",
                "status.certificate: Forbidden: updates may not modify existing certificate content",
            ]
        );
    }

    #[test]
    fn go_urls() {
        let parts = |raw: &str| {
            parse_url(raw).map(|u| {
                (
                    u.scheme,
                    u.user.map(str::to_string),
                    u.host.to_string(),
                    u.raw_query.to_string(),
                    u.fragment,
                )
            })
        };
        assert_eq!(
            parts("https://u:p@example.com:8443/hook?x=1#frag%20x"),
            Ok((
                "https".to_string(),
                Some("u:p".to_string()),
                "example.com:8443".to_string(),
                "x=1".to_string(),
                "frag x".to_string()
            ))
        );
        assert_eq!(
            parts("example.com/hook"),
            Ok(("".to_string(), None, "".to_string(), "".to_string(), "".to_string()))
        );
        assert_eq!(
            parts("https://a b/").err().as_deref(),
            Some("parse \"https://a b/\": invalid character \" \" in host name")
        );
        assert_eq!(
            parts("https://a:x/").err().as_deref(),
            Some("parse \"https://a:x/\": invalid port \":x\" after host")
        );
        assert_eq!(
            parts("://a").err().as_deref(),
            Some("parse \"://a\": missing protocol scheme")
        );
        assert_eq!(
            parts("https://a/%zz").err().as_deref(),
            Some("parse \"https://a/%zz\": invalid URL escape \"%zz\"")
        );
        assert_eq!(parts("a:b/c").map(|p| p.0), Ok("a".to_string()));
    }

    fn webhook(extra: Value) -> Value {
        let mut hook = json!({"name": "check.example.com", "admissionReviewVersions": ["v1"], "sideEffects": "None",
            "failurePolicy": "Fail", "matchPolicy": "Equivalent", "timeoutSeconds": 10,
            "namespaceSelector": {}, "objectSelector": {},
            "clientConfig": {"service": {"namespace": "webhooks", "name": "checker", "port": 443, "path": "/validate"}},
            "rules": [{"operations": ["CREATE", "UPDATE"], "apiGroups": ["apps"], "apiVersions": ["v1"],
                "resources": ["deployments", "deployments/scale"], "scope": "*"}]});
        for (k, v) in extra.as_object().into_iter().flatten() {
            if v.is_null() {
                hook.as_object_mut().map(|h| h.remove(k));
            } else {
                hook[k] = v.clone();
            }
        }
        hook
    }

    fn config(hooks: Value) -> Value {
        json!({"metadata": {"name": "checks"}, "webhooks": hooks})
    }

    #[test]
    fn webhook_configurations() {
        let good = config(json!([
            webhook(json!({})),
            webhook(
                json!({"name": "url.example.com", "clientConfig": {"url": "https://hooks.example.com:8443/check"},
                "matchConditions": [{"name": "not-system", "expression": "!request.userInfo.username.startsWith('system:')"}]})
            )
        ]));
        assert!(
            messages(
                ADMISSION_GROUP,
                "ValidatingWebhookConfiguration",
                good.clone(),
                Some(good.clone())
            )
            .is_empty()
        );
        assert!(
            messages(
                ADMISSION_GROUP,
                "MutatingWebhookConfiguration",
                config(json!([webhook(json!({"reinvocationPolicy": "IfNeeded"}))])),
                None
            )
            .is_empty()
        );
        assert_eq!(
            messages(
                ADMISSION_GROUP,
                "ValidatingWebhookConfiguration",
                config(json!([webhook(json!({
                    "name": "check",
                    "rules": [{"operations": ["*", "PATCH"], "apiGroups": [], "apiVersions": ["v1", ""],
                        "resources": ["*", "pods", "pods/*", "pods/log"], "scope": "Global"}],
                    "failurePolicy": "Retry", "matchPolicy": "Fuzzy", "sideEffects": "Some", "timeoutSeconds": 31,
                    "clientConfig": {"service": {"namespace": "", "name": "", "port": 0, "path": "validate//x/"}},
                    "matchConditions": [{"name": "a", "expression": " "}, {"name": "a", "expression": "true"}],
                    "admissionReviewVersions": ["v2", "v2"],
                }))])),
                None
            ),
            [
                "webhooks[0].name: Invalid value: \"check\": should be a domain with at least three segments separated by dots",
                "webhooks[0].rules[0].operations: Invalid value: [\"*\",\"PATCH\"]: if '*' is present, must not specify other operations",
                "webhooks[0].rules[0].operations[1]: Unsupported value: \"PATCH\": supported values: \"*\", \"CONNECT\", \"CREATE\", \"DELETE\", \"UPDATE\"",
                "webhooks[0].rules[0].apiGroups: Required value",
                "webhooks[0].rules[0].apiVersions[1]: Required value",
                "webhooks[0].rules[0].resources[3]: Invalid value: \"pods/log\": if 'pods/*' is present, must not specify pods/log",
                "webhooks[0].rules[0].resources: Invalid value: [\"*\",\"pods\",\"pods/*\",\"pods/log\"]: if '*' is present, must not specify other resources without subresources",
                "webhooks[0].rules[0].scope: Unsupported value: \"Global\": supported values: \"*\", \"Cluster\", \"Namespaced\"",
                "webhooks[0].failurePolicy: Unsupported value: \"Retry\": supported values: \"Fail\", \"Ignore\"",
                "webhooks[0].matchPolicy: Unsupported value: \"Fuzzy\": supported values: \"Equivalent\", \"Exact\"",
                "webhooks[0].sideEffects: Unsupported value: \"Some\": supported values: \"None\", \"NoneOnDryRun\"",
                "webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds",
                "webhooks[0].clientConfig.service.name: Required value: service name is required",
                "webhooks[0].clientConfig.service.namespace: Required value: service namespace is required",
                "webhooks[0].clientConfig.service.port: Invalid value: 0: port is not valid: must be between 1 and 65535, inclusive",
                "webhooks[0].clientConfig.service.path: Invalid value: \"validate//x/\": must start with a '/'",
                "webhooks[0].clientConfig.service.path: Invalid value: \"validate//x/\": segment[1] may not be empty",
                "webhooks[0].matchConditions[0].expression: Required value",
                "webhooks[0].matchConditions[1].name: Duplicate value: \"a\"",
                "webhooks[0].admissionReviewVersions[1]: Invalid value: \"v2\": duplicate version",
                "webhooks[0].admissionReviewVersions: Invalid value: [\"v2\",\"v2\"]: must include at least one of v1, v1beta1",
            ]
        );
        assert_eq!(
            messages(
                ADMISSION_GROUP,
                "MutatingWebhookConfiguration",
                config(json!([
                    webhook(
                        json!({"sideEffects": null, "reinvocationPolicy": "Always", "admissionReviewVersions": [],
                        "clientConfig": {"url": "http://user@hooks.example.com/x?y=1#z"}})
                    ),
                    webhook(json!({"clientConfig": {}, "name": "check.example.com"})),
                ])),
                None
            ),
            [
                "webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun",
                "webhooks[0].reinvocationPolicy: Unsupported value: \"Always\": supported values: \"IfNeeded\", \"Never\"",
                "webhooks[0].clientConfig.url: Invalid value: \"http\": 'https' is the only allowed URL scheme; desired format: https://host[/path]",
                "webhooks[0].clientConfig.url: Invalid value: \"user\": user information is not permitted in the URL",
                "webhooks[0].clientConfig.url: Invalid value: \"z\": fragments are not permitted in the URL",
                "webhooks[0].clientConfig.url: Invalid value: \"y=1\": query parameters are not permitted in the URL",
                "webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1",
                "webhooks[1].clientConfig: Required value: exactly one of url or service is required",
                "webhooks[1].name: Duplicate value: \"check.example.com\"",
            ]
        );
        assert_eq!(
            messages(
                ADMISSION_GROUP,
                "ValidatingWebhookConfiguration",
                config(json!([webhook(
                    json!({"clientConfig": {"url": "hooks.example.com/x"}})
                )])),
                None
            ),
            [
                "webhooks[0].clientConfig.url: Invalid value: \"\": 'https' is the only allowed URL scheme; desired format: https://host[/path]",
                "webhooks[0].clientConfig.url: Invalid value: \"\": host must be provided; desired format: https://host[/path]",
            ]
        );
        // Side effects already stored stay allowed on update.
        let some = config(json!([webhook(json!({"sideEffects": "Some"}))]));
        assert!(
            messages(
                ADMISSION_GROUP,
                "ValidatingWebhookConfiguration",
                some.clone(),
                Some(some)
            )
            .is_empty()
        );
    }

    fn policy(spec: Value) -> Value {
        let mut s = json!({"failurePolicy": "Fail",
            "matchConstraints": {"matchPolicy": "Equivalent", "namespaceSelector": {}, "objectSelector": {},
                "resourceRules": [{"operations": ["CREATE"], "apiGroups": ["apps"], "apiVersions": ["v1"], "resources": ["deployments"]}]},
            "validations": [{"expression": "object.spec.replicas <= 5", "message": "too many replicas"}]});
        for (k, v) in spec.as_object().into_iter().flatten() {
            if v.is_null() {
                s.as_object_mut().map(|m| m.remove(k));
            } else {
                s[k] = v.clone();
            }
        }
        json!({"metadata": {"name": "replica-limit"}, "spec": s})
    }

    #[test]
    fn admission_policies() {
        let kind = "ValidatingAdmissionPolicy";
        let good = policy(
            json!({"paramKind": {"apiVersion": "rules.example.com/v1", "kind": "ReplicaLimit"},
            "variables": [{"name": "replicas", "expression": "object.spec.replicas"}],
            "auditAnnotations": [{"key": "high-replicas", "valueExpression": "string(object.spec.replicas)"}]}),
        );
        assert!(messages(ADMISSION_GROUP, kind, good.clone(), Some(good)).is_empty());
        assert_eq!(
            messages(
                ADMISSION_GROUP,
                kind,
                policy(json!({"failurePolicy": null, "matchConstraints": null, "validations": null})),
                None
            ),
            [
                "spec.failurePolicy: Required value",
                "spec.matchConstraints: Required value",
                "spec.validations: Required value: validations or auditAnnotations must contain at least one item",
                "spec.auditAnnotations: Required value: validations or auditAnnotations must contain at least one item",
            ]
        );
        assert_eq!(
            messages(
                ADMISSION_GROUP,
                kind,
                policy(json!({
                    "paramKind": {"apiVersion": "a/b/c", "kind": "Bad_Kind"},
                    "matchConstraints": {"resourceRules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"],
                        "resources": ["pods"], "resourceNames": ["a", "a"]}]},
                    "variables": [{"name": "in", "expression": ""}],
                    "validations": [{"expression": "", "message": "two\nlines", "messageExpression": "  ", "reason": "Teapot"}],
                    "auditAnnotations": [{"key": "a b", "valueExpression": ""}, {"key": "a b", "valueExpression": "x"}],
                })),
                None
            ),
            [
                "spec.paramKind.apiVersion: Invalid value: \"a/b/c\": unexpected GroupVersion string: a/b/c",
                "spec.paramKind.kind: Invalid value: \"Bad_Kind\": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
                "spec.matchConstraints.matchPolicy: Required value",
                "spec.matchConstraints.namespaceSelector: Required value",
                "spec.matchConstraints.objectSelector: Required value",
                "spec.matchConstraints.resourceRules[0].resourceNames[1]: Duplicate value: \"a\"",
                "spec.variables[0].name: Invalid value: \"in\": name is not a valid CEL identifier",
                "spec.variables[0].expression: Required value: expression is not specified",
                "spec.validations[0].expression: Required value: expression is not specified",
                "spec.validations[0].messageExpression: Invalid value: \"  \": must be non-empty if specified",
                "spec.validations[0].message: Invalid value: \"two\\nlines\": message must not contain line breaks",
                "spec.validations[0].reason: Unsupported value: \"Teapot\": supported values: \"Forbidden\", \"Invalid\", \"RequestEntityTooLarge\"",
                "spec.auditAnnotations[0].key: Invalid value: \"replica-limit/a b\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
                "spec.auditAnnotations[0].valueExpression: Required value: valueExpression is not specified",
                "spec.auditAnnotations[1].key: Invalid value: \"replica-limit/a b\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
                "spec.auditAnnotations[1].key: Duplicate value: \"a b\"",
            ]
        );
    }

    #[test]
    fn policy_bindings() {
        let kind = "ValidatingAdmissionPolicyBinding";
        let binding = |spec: Value| json!({"metadata": {"name": "b"}, "spec": spec});
        let good = binding(
            json!({"policyName": "replica-limit", "validationActions": ["Deny", "Audit"],
            "paramRef": {"name": "limits", "namespace": "default", "parameterNotFoundAction": "Deny"},
            "matchResources": {"matchPolicy": "Equivalent", "namespaceSelector": {}, "objectSelector": {}}}),
        );
        assert!(messages(ADMISSION_GROUP, kind, good.clone(), Some(good)).is_empty());
        assert_eq!(
            messages(
                ADMISSION_GROUP,
                kind,
                binding(json!({"validationActions": ["Deny", "Warn", "Deny", "Block"],
                    "paramRef": {"name": "a/b", "selector": {}, "parameterNotFoundAction": "Ignore"},
                    "matchResources": {"matchPolicy": "Equivalent"}})),
                None
            ),
            [
                "spec.policyName: Required value",
                "spec.paramRef.name: Invalid value: \"a/b\": may not contain '/'",
                "spec.paramRef.name: Forbidden: name and selector are mutually exclusive",
                "spec.paramRef.selector: Forbidden: name and selector are mutually exclusive",
                "spec.paramRef.parameterNotFoundAction: Unsupported value: \"Ignore\": supported values: \"Deny\", \"Allow\"",
                "spec.matchResouces.namespaceSelector: Required value",
                "spec.matchResouces.objectSelector: Required value",
                "spec.validationActions[2]: Duplicate value: \"Deny\"",
                "spec.validationActions[3]: Unsupported value: \"Block\": supported values: \"Audit\", \"Deny\", \"Warn\"",
                "spec.validationActions: Invalid value: [\"Deny\",\"Warn\",\"Deny\",\"Block\"]: must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)",
            ]
        );
        assert_eq!(
            messages(
                ADMISSION_GROUP,
                kind,
                binding(json!({"policyName": "p", "paramRef": {}})),
                None
            ),
            [
                "spec.paramRef: Required value: one of name or selector must be specified",
                "spec.paramRef.parameterNotFoundAction: Required value",
                "spec.validationActions: Required value: at least one validation action is required",
            ]
        );
    }

    #[test]
    fn api_services() {
        let g = "apiregistration.k8s.io";
        let svc = |name: &str, spec: Value| json!({"metadata": {"name": name}, "spec": spec});
        assert!(
            messages(
                g,
                "APIService",
                svc(
                    "v1beta1.metrics.k8s.io",
                    json!({"group": "metrics.k8s.io", "version": "v1beta1",
                    "groupPriorityMinimum": 100, "versionPriority": 100,
                    "service": {"namespace": "kube-system", "name": "metrics-server"}, "insecureSkipTLSVerify": true})
                ),
                None
            )
            .is_empty()
        );
        assert!(
            messages(
                g,
                "APIService",
                svc(
                    "v1.apps",
                    json!({"group": "apps", "version": "v1", "groupPriorityMinimum": 17800, "versionPriority": 15})
                ),
                None
            )
            .is_empty()
        );
        assert_eq!(
            messages(
                g,
                "APIService",
                svc(
                    "v1.metrics",
                    json!({"version": "V1", "groupPriorityMinimum": 0, "versionPriority": 1001,
                    "caBundle": "eA==", "insecureSkipTLSVerify": true})
                ),
                None
            ),
            [
                "metadata.name: Invalid value: \"v1.metrics\": must be `spec.version+\".\"+spec.group`: \"V1.\"",
                "spec.group: Required value: only v1 may have an empty group and it better be legacy kube",
                "spec.version: Invalid value: \"V1\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
                "spec.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000",
                "spec.versionPriority: Invalid value: 1001: must be positive and less than 1000",
                "spec.caBundle: Invalid value: \"1 bytes\": local APIServices may not have a caBundle",
                "spec.insecureSkipTLSVerify: Invalid value: true: local APIServices may not have insecureSkipTLSVerify",
            ]
        );
        assert_eq!(
            messages(
                g,
                "APIService",
                svc(
                    "v1.x.io",
                    json!({"group": "x.io", "version": "v1", "groupPriorityMinimum": 1, "versionPriority": 1,
                    "service": {}, "caBundle": "eA==", "insecureSkipTLSVerify": true})
                ),
                None
            ),
            [
                "spec.service.namespace: Required value",
                "spec.service.name: Required value",
                "spec.insecureSkipTLSVerify: Invalid value: true: may not be true if caBundle is present",
            ]
        );
    }
}
