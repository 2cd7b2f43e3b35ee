//! networking.k8s.io kinds (`pkg/apis/networking/validation`): Ingresses (hosts,
//! paths per path type, backends, TLS), IngressClasses, NetworkPolicies (peers, IP
//! blocks, ports), ServiceCIDRs and IPAddresses.
//!
//! IPs and CIDRs of older fields are parsed the legacy ("sloppy") way, as Kubernetes
//! 1.33 does with StrictIPCIDRValidation off; the fields introduced with the
//! MultiCIDRServiceAllocator API (ServiceCIDR CIDRs, IPAddress names) are held to the
//! strict, canonical form.

use std::collections::HashSet;
use std::net::IpAddr;

use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, IPAddress, IPBlock, Ingress, IngressBackend, IngressClass, IngressSpec, NetworkPolicy,
    NetworkPolicyPeer, NetworkPolicyPort, ServiceCIDR,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;
use serde_json::Value;

use super::common::{IMMUTABLE, port_name_errors, validate_label_selector, validate_port_number};
use super::services::{dns_label, dns_subdomain, parse_cidr, parse_ip, valid_cidr, valid_ip};
use super::{Input, typed};
use crate::field_error::{FieldError, FieldPath, FieldValue};
use crate::validation::{is_dns1035_label, is_dns1123_subdomain, is_valid_path_segment_name, regex_error};

pub(super) fn validate(group: &str, kind: &str, new: Input<'_>, old: Option<&Value>) -> Option<Vec<FieldError>> {
    if group != "networking.k8s.io" {
        return None;
    }
    Some(match kind {
        "Ingress" => typed(new, old, |n: &Ingress, o: Option<&Ingress>| ingress(n, o, &new)),
        "IngressClass" => typed(new, old, ingress_class),
        "NetworkPolicy" => typed(new, old, network_policy),
        "ServiceCIDR" => typed(new, old, service_cidr),
        "IPAddress" => typed(new, old, |n: &IPAddress, o: Option<&IPAddress>| ip_address(n, o, &new)),
        _ => return None,
    })
}

/// The errors of a status update (`.../status`) of the kinds this module covers.
pub(super) fn validate_status(group: &str, kind: &str, new: &Value, old: &Value) -> Option<Vec<FieldError>> {
    Some(match (group, kind) {
        ("networking.k8s.io", "Ingress") => typed(new, Some(old), ingress_status),
        ("networking.k8s.io", "ServiceCIDR") => Vec::new(),
        _ => return None,
    })
}

/// Go's `netip` forms: no leading zeros in IPv4 octets, no IPv4-mapped IPv6.
fn strict_problems(text: &str, ip: &IpAddr) -> Vec<&'static str> {
    let mut problems = Vec::new();
    // The dotted part (the whole address, or the tail of an IPv6 one).
    let dotted = text.rsplit(':').next().unwrap_or(text);
    if dotted.contains('.') && dotted.split('.').any(|octet| octet.len() > 1 && octet.starts_with('0')) {
        problems.push("leading");
    }
    if let IpAddr::V6(v6) = ip
        && v6.to_ipv4_mapped().is_some()
    {
        problems.push("mapped");
    }
    problems
}

/// The strict `IsValidIP` of Kubernetes 1.33: parseable, no leading zeros, not
/// IPv4-mapped, and written canonically.
fn strict_ip_errors(text: &str) -> Vec<String> {
    let Some(ip) = parse_ip(text) else {
        return vec!["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)".to_string()];
    };
    let problems = strict_problems(text, &ip);
    if !problems.is_empty() {
        return problems
            .into_iter()
            .map(|p| match p {
                "leading" => "must not have leading 0s".to_string(),
                _ => "must not be an IPv4-mapped IPv6 address".to_string(),
            })
            .collect();
    }
    let canonical = ip.to_string();
    if canonical != text {
        return vec![format!("must be in canonical form (\"{canonical}\")")];
    }
    Vec::new()
}

/// The strict `IsValidCIDR`: as [`strict_ip_errors`], and the network address (no
/// host bits) written canonically.
fn strict_cidr(errs: &mut Vec<FieldError>, text: &str, path: &FieldPath) {
    if !valid_cidr(errs, text, path) {
        return;
    }
    let Some(cidr) = parse_cidr(text) else { return };
    let address = text.split_once('/').map_or(text, |(a, _)| a);
    let problems = strict_problems(address, &cidr.addr);
    if !problems.is_empty() {
        for problem in problems {
            let detail = if problem == "leading" {
                "must not have leading 0s in IP"
            } else {
                "must not have an IPv4-mapped IPv6 address"
            };
            errs.push(FieldError::invalid(path, text, detail));
        }
        return;
    }
    let canonical = format!("{}/{}", cidr.network(), cidr.prefix);
    if canonical != text {
        errs.push(FieldError::invalid(
            path,
            text,
            format!("must be in canonical form (\"{canonical}\")"),
        ));
    }
}

fn path_segment(errs: &mut Vec<FieldError>, value: &str, path: &FieldPath) {
    for msg in is_valid_path_segment_name(value) {
        errs.push(FieldError::invalid(path, value, msg));
    }
}

// ---------------------------------------------------------------------------------
// Ingresses.

const INGRESS_CLASS_ANNOTATION: &str = "kubernetes.io/ingress.class";
const INVALID_PATH_SEQUENCES: [&str; 5] = ["//", "/./", "/../", "%2f", "%2F"];
const INVALID_PATH_SUFFIXES: [&str; 2] = ["/..", "/."];
const WILDCARD_ERROR: &str = "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character";
const WILDCARD_FMT: &str = "\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";

/// `IsWildcardDNS1123Subdomain`: `*.` and a subdomain.
fn wildcard_subdomain_errors(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 253 {
        errs.push("must be no more than 253 characters".to_string());
    }
    // The expression alone decides; the length is checked above.
    let ok = value.strip_prefix("*.").is_some_and(|rest| {
        is_dns1123_subdomain(rest)
            .iter()
            .all(|msg| !msg.starts_with("a lowercase RFC 1123"))
    });
    if !ok {
        errs.push(regex_error(WILDCARD_ERROR, WILDCARD_FMT, &["*.example.com"]));
    }
    errs
}

fn host(errs: &mut Vec<FieldError>, host: &str, path: &FieldPath) -> bool {
    let wildcard = host.contains('*');
    let msgs = if wildcard {
        wildcard_subdomain_errors(host)
    } else {
        is_dns1123_subdomain(host)
    };
    for msg in msgs {
        errs.push(FieldError::invalid(path, host, msg));
    }
    wildcard
}

struct IngressOptions {
    allow_invalid_secret_name: bool,
    allow_invalid_wildcard_rule: bool,
}

fn ingress_backend(errs: &mut Vec<FieldError>, backend: &IngressBackend, path: &FieldPath) {
    match (&backend.resource, &backend.service) {
        (Some(_), Some(_)) => {
            errs.push(FieldError::invalid(
                path,
                "",
                "cannot set both resource and service backends",
            ));
        }
        (Some(resource), None) => {
            let here = path.child("resource");
            if let Some(group) = &resource.api_group {
                dns_subdomain(errs, group, &here.child("apiGroup"));
            }
            if resource.kind.is_empty() {
                errs.push(FieldError::required(here.child("kind"), ""));
            } else {
                path_segment(errs, &resource.kind, &here.child("kind"));
            }
            if resource.name.is_empty() {
                errs.push(FieldError::required(here.child("name"), ""));
            } else {
                path_segment(errs, &resource.name, &here.child("name"));
            }
        }
        (None, Some(service)) => {
            let here = path.child("service");
            if service.name.is_empty() {
                errs.push(FieldError::required(here.child("name"), ""));
            } else {
                for msg in is_dns1035_label(&service.name) {
                    errs.push(FieldError::invalid(here.child("name"), service.name.as_str(), msg));
                }
            }
            let name = service.port.as_ref().and_then(|p| p.name.as_deref()).unwrap_or("");
            let number = service.port.as_ref().and_then(|p| p.number).unwrap_or(0);
            match (name.is_empty(), number == 0) {
                (false, false) => errs.push(FieldError::invalid(path, "", "cannot set both port name & port number")),
                (false, true) => {
                    for msg in port_name_errors(name) {
                        errs.push(FieldError::invalid(here.child("port").child("name"), name, msg));
                    }
                }
                (true, false) => errs.extend(validate_port_number(number, &here.child("port").child("number"))),
                (true, true) => errs.push(FieldError::required(path, "port name or number is required")),
            }
        }
        (None, None) => errs.push(FieldError::invalid(path, "", "resource or service backend is required")),
    }
}

/// `validateHTTPIngressPath`. `path_type_set` tells an absent path type (refused as
/// required) from an empty one (refused as unsupported).
fn ingress_path(errs: &mut Vec<FieldError>, http_path: &HTTPIngressPath, path_type_set: bool, path: &FieldPath) {
    if !path_type_set {
        errs.push(FieldError::required(
            path.child("pathType"),
            "pathType must be specified",
        ));
        return;
    }
    let value = http_path.path.as_deref().unwrap_or("");
    let value_path = path.child("path");
    match http_path.path_type.as_str() {
        "Exact" | "Prefix" => {
            if !value.starts_with('/') {
                errs.push(FieldError::invalid(&value_path, value, "must be an absolute path"));
            }
            if !value.is_empty() {
                for sequence in INVALID_PATH_SEQUENCES {
                    if value.contains(sequence) {
                        errs.push(FieldError::invalid(
                            &value_path,
                            value,
                            format!("must not contain '{sequence}'"),
                        ));
                    }
                }
                for suffix in INVALID_PATH_SUFFIXES {
                    if value.ends_with(suffix) {
                        errs.push(FieldError::invalid(
                            &value_path,
                            value,
                            format!("cannot end with '{suffix}'"),
                        ));
                    }
                }
            }
        }
        "ImplementationSpecific" => {
            if !value.is_empty() && !value.starts_with('/') {
                errs.push(FieldError::invalid(&value_path, value, "must be an absolute path"));
            }
        }
        other => errs.push(FieldError::not_supported(
            path.child("pathType"),
            other,
            &["Exact", "ImplementationSpecific", "Prefix"],
        )),
    }
    ingress_backend(errs, &http_path.backend, &path.child("backend"));
}

/// The rule values of one rule (its HTTP paths).
fn ingress_rule_value(
    errs: &mut Vec<FieldError>,
    rule: &k8s_openapi::api::networking::v1::IngressRule,
    raw_paths: Option<&Vec<Value>>,
    path: &FieldPath,
) {
    let Some(http) = &rule.http else { return };
    let paths_path = path.child("http").child("paths");
    if http.paths.is_empty() {
        errs.push(FieldError::required(&paths_path, ""));
    }
    for (i, http_path) in http.paths.iter().enumerate() {
        // The typed form cannot tell an absent path type from an empty one.
        let set = raw_paths.is_none_or(|raw| raw.get(i).and_then(|p| p.get("pathType")).is_some_and(|t| !t.is_null()));
        ingress_path(errs, http_path, set, &paths_path.index(i));
    }
}

fn ingress_spec(errs: &mut Vec<FieldError>, spec: &IngressSpec, raw: Option<&Value>, opts: &IngressOptions) {
    let path = FieldPath::new("spec");
    let rules = spec.rules.as_deref().unwrap_or_default();
    if rules.is_empty() && spec.default_backend.is_none() {
        errs.push(FieldError::invalid(
            &path,
            FieldValue::json(&spec.rules),
            "either `defaultBackend` or `rules` must be specified",
        ));
    }
    if let Some(backend) = &spec.default_backend {
        ingress_backend(errs, backend, &path.child("defaultBackend"));
    }
    let rules_path = path.child("rules");
    for (i, rule) in rules.iter().enumerate() {
        let here = rules_path.index(i);
        let mut wildcard = false;
        if let Some(name) = rule.host.as_deref().filter(|h| !h.is_empty()) {
            if parse_ip(name).is_some() {
                errs.push(FieldError::invalid(
                    here.child("host"),
                    name,
                    "must be a DNS name, not an IP address",
                ));
            }
            wildcard = host(errs, name, &here.child("host"));
        }
        if !wildcard || !opts.allow_invalid_wildcard_rule {
            let raw_paths = raw
                .and_then(|r| r.pointer(&format!("/spec/rules/{i}/http/paths")))
                .and_then(Value::as_array);
            ingress_rule_value(errs, rule, raw_paths, &here);
        }
    }
    let tls_path = path.child("tls");
    for (i, tls) in spec.tls.iter().flatten().enumerate() {
        let here = tls_path.index(i);
        for (j, name) in tls.hosts.iter().flatten().enumerate() {
            host(errs, name, &here.child("hosts").index(j));
        }
        if !opts.allow_invalid_secret_name
            && let Some(secret) = tls.secret_name.as_deref().filter(|s| !s.is_empty())
        {
            dns_subdomain(errs, secret, &here.child("secretName"));
        }
    }
    if let Some(class) = &spec.ingress_class_name {
        dns_subdomain(errs, class, &path.child("ingressClassName"));
    }
}

fn ingress(new: &Ingress, old: Option<&Ingress>, raw: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let empty = IngressSpec::default();
    let spec = new.spec.as_ref().unwrap_or(&empty);
    let old_spec = old.map(|o| o.spec.as_ref().unwrap_or(&empty));
    // Stored objects keep passing with what was allowed when they were written.
    let opts = IngressOptions {
        allow_invalid_secret_name: old_spec.is_some_and(|o| {
            o.tls.iter().flatten().any(|tls| {
                tls.secret_name
                    .as_deref()
                    .is_some_and(|s| !s.is_empty() && !is_dns1123_subdomain(s).is_empty())
            })
        }),
        allow_invalid_wildcard_rule: old_spec.is_some_and(|o| {
            o.rules.iter().flatten().any(|rule| {
                let mut scratch = Vec::new();
                ingress_rule_value(&mut scratch, rule, None, &FieldPath::default());
                rule.host.as_deref().is_some_and(|h| h.contains('*')) && !scratch.is_empty()
            })
        }),
    };
    ingress_spec(&mut errs, spec, Some(raw), &opts);
    if old.is_none()
        && let Some(annotation) = new
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(INGRESS_CLASS_ANNOTATION))
        && let Some(class) = &spec.ingress_class_name
        && annotation != class
    {
        // Upstream's path here has no `metadata.` prefix.
        errs.push(FieldError::invalid(
            format!("annotations.{INGRESS_CLASS_ANNOTATION}"),
            annotation.as_str(),
            "must match `ingressClassName` when both are specified",
        ));
    }
    errs
}

fn ingress_status(new: &Ingress, old: Option<&Ingress>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let ingress = |i: &Ingress| {
        i.status
            .as_ref()
            .and_then(|s| s.load_balancer.as_ref())
            .and_then(|lb| lb.ingress.clone())
            .unwrap_or_default()
    };
    // IPs already stored are accepted again as they are.
    let existing: Vec<String> = old
        .map(ingress)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|i| i.ip.filter(|ip| !ip.is_empty()))
        .collect();
    let path = FieldPath::new("status").child("loadBalancer").child("ingress");
    for (i, entry) in ingress(new).iter().enumerate() {
        let here = path.index(i);
        if let Some(ip) = entry.ip.as_deref().filter(|ip| !ip.is_empty())
            && !existing.iter().any(|e| e == ip)
        {
            valid_ip(&mut errs, ip, &here.child("ip"));
        }
        if let Some(hostname) = entry.hostname.as_deref().filter(|h| !h.is_empty()) {
            dns_subdomain(&mut errs, hostname, &here.child("hostname"));
            if parse_ip(hostname).is_some() {
                errs.push(FieldError::invalid(
                    here.child("hostname"),
                    hostname,
                    "must be a DNS name, not an IP address",
                ));
            }
        }
    }
    errs
}

// ---------------------------------------------------------------------------------
// IngressClasses.

const MAX_CONTROLLER_LEN: usize = 250;
const HTTP_PATH_FMT: &str = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";

/// `IsDomainPrefixedPath`: `domain/path`.
fn domain_prefixed_path(errs: &mut Vec<FieldError>, value: &str, path: &FieldPath) {
    let Some((host, rest)) = value.split_once('/').filter(|(h, r)| !h.is_empty() && !r.is_empty()) else {
        errs.push(FieldError::invalid(
            path,
            value,
            "must be a domain-prefixed path (such as \"acme.io/foo\")",
        ));
        return;
    };
    dns_subdomain(errs, host, path);
    let valid = rest
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/-._~%!$&'()*+,;=:".contains(&b));
    if !valid {
        errs.push(FieldError::invalid(
            path,
            rest,
            regex_error("Invalid path", HTTP_PATH_FMT, &[]),
        ));
    }
}

fn ingress_class(new: &IngressClass, old: Option<&IngressClass>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let empty = Default::default();
    let spec = new.spec.as_ref().unwrap_or(&empty);
    let path = FieldPath::new("spec");
    if let Some(old) = old {
        let old_spec = old.spec.as_ref().unwrap_or(&empty);
        errs.extend(super::common::immutable(
            &spec.controller.as_deref().unwrap_or(""),
            &old_spec.controller.as_deref().unwrap_or(""),
            &path.child("controller"),
        ));
    }
    let controller = spec.controller.as_deref().unwrap_or("");
    if controller.is_empty() {
        errs.push(FieldError::required(path.child("controller"), ""));
    } else {
        if controller.len() > MAX_CONTROLLER_LEN {
            errs.push(FieldError::too_long(
                path.child("controller"),
                MAX_CONTROLLER_LEN as i64,
            ));
        }
        domain_prefixed_path(&mut errs, controller, &path.child("controller"));
    }
    if let Some(params) = &spec.parameters {
        let here = path.child("parameters");
        if let Some(group) = &params.api_group {
            dns_subdomain(&mut errs, group, &here.child("apiGroup"));
        }
        if params.kind.is_empty() {
            errs.push(FieldError::required(here.child("kind"), ""));
        } else {
            path_segment(&mut errs, &params.kind, &here.child("kind"));
        }
        if params.name.is_empty() {
            errs.push(FieldError::required(here.child("name"), ""));
        } else {
            path_segment(&mut errs, &params.name, &here.child("name"));
        }
        match params.scope.as_deref() {
            None => errs.push(FieldError::required(here.child("scope"), "")),
            Some("Namespace") => match &params.namespace {
                None => errs.push(FieldError::required(
                    here.child("namespace"),
                    "`parameters.scope` is set to 'Namespace'",
                )),
                Some(namespace) => dns_label(&mut errs, namespace, &here.child("namespace")),
            },
            Some("Cluster") => {
                if params.namespace.is_some() {
                    errs.push(FieldError::forbidden(
                        here.child("namespace"),
                        "`parameters.scope` is set to 'Cluster'",
                    ));
                }
            }
            Some(other) => errs.push(FieldError::not_supported(
                here.child("scope"),
                other,
                &["Cluster", "Namespace"],
            )),
        }
    }
    errs
}

// ---------------------------------------------------------------------------------
// NetworkPolicies.

fn policy_port(errs: &mut Vec<FieldError>, port: &NetworkPolicyPort, path: &FieldPath) {
    if let Some(protocol) = &port.protocol
        && !matches!(protocol.as_str(), "TCP" | "UDP" | "SCTP")
    {
        errs.push(FieldError::not_supported(
            path.child("protocol"),
            protocol.as_str(),
            &["TCP", "UDP", "SCTP"],
        ));
    }
    let end_path = path.child("endPort");
    match (&port.port, port.end_port) {
        (Some(IntOrString::Int(number)), end) => {
            errs.extend(validate_port_number(*number, &path.child("port")));
            if let Some(end) = end {
                if end < *number {
                    errs.push(FieldError::invalid(
                        &end_path,
                        end,
                        "must be greater than or equal to `port`",
                    ));
                }
                errs.extend(validate_port_number(end, &end_path));
            }
        }
        (Some(IntOrString::String(name)), end) => {
            if let Some(end) = end {
                errs.push(FieldError::invalid(
                    &end_path,
                    end,
                    "may not be specified when `port` is non-numeric",
                ));
            }
            for msg in port_name_errors(name) {
                errs.push(FieldError::invalid(path.child("port"), name.as_str(), msg));
            }
        }
        (None, Some(end)) => {
            errs.push(FieldError::invalid(
                &end_path,
                end,
                "may not be specified when `port` is not specified",
            ));
        }
        (None, None) => {}
    }
}

/// `ValidateIPBlock`. On update, CIDRs the old policy already held are not
/// re-validated.
fn ip_block(errs: &mut Vec<FieldError>, block: &IPBlock, existing: &HashSet<&str>, path: &FieldPath) {
    let cidr_path = path.child("cidr");
    if block.cidr.is_empty() {
        errs.push(FieldError::required(cidr_path, ""));
        return;
    }
    if !existing.contains(block.cidr.as_str()) {
        valid_cidr(errs, &block.cidr, &cidr_path);
    }
    let Some(cidr) = parse_cidr(&block.cidr) else { return };
    for (i, except) in block.except.iter().flatten().enumerate() {
        let here = path.child("except").index(i);
        if !existing.contains(except.as_str()) {
            valid_cidr(errs, except, &here);
        }
        let Some(except_cidr) = parse_cidr(except) else {
            continue;
        };
        if !cidr.contains(&except_cidr) || cidr.prefix >= except_cidr.prefix {
            errs.push(FieldError::invalid(
                here,
                except.as_str(),
                "must be a strict subset of `cidr`",
            ));
        }
    }
}

fn policy_peer(errs: &mut Vec<FieldError>, peer: &NetworkPolicyPeer, existing: &HashSet<&str>, path: &FieldPath) {
    let mut count = 0;
    if let Some(selector) = &peer.pod_selector {
        count += 1;
        errs.extend(validate_label_selector(selector, &path.child("podSelector")));
    }
    if let Some(selector) = &peer.namespace_selector {
        count += 1;
        errs.extend(validate_label_selector(selector, &path.child("namespaceSelector")));
    }
    if let Some(block) = &peer.ip_block {
        count += 1;
        ip_block(errs, block, existing, &path.child("ipBlock"));
    }
    if count == 0 {
        errs.push(FieldError::required(path, "must specify a peer"));
    } else if count > 1 && peer.ip_block.is_some() {
        errs.push(FieldError::forbidden(
            path,
            "may not specify both ipBlock and another peer",
        ));
    }
}

fn network_policy(new: &NetworkPolicy, old: Option<&NetworkPolicy>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let empty = Default::default();
    let spec = new.spec.as_ref().unwrap_or(&empty);
    let path = FieldPath::new("spec");
    let mut existing: HashSet<&str> = HashSet::new();
    if let Some(old_spec) = old.and_then(|o| o.spec.as_ref()) {
        let ingress_peers = old_spec.ingress.iter().flatten().flat_map(|r| r.from.iter().flatten());
        let egress_peers = old_spec.egress.iter().flatten().flat_map(|r| r.to.iter().flatten());
        for block in ingress_peers.chain(egress_peers).filter_map(|p| p.ip_block.as_ref()) {
            existing.insert(&block.cidr);
            existing.extend(block.except.iter().flatten().map(String::as_str));
        }
    }
    if let Some(selector) = &spec.pod_selector {
        errs.extend(validate_label_selector(selector, &path.child("podSelector")));
    }
    for (i, rule) in spec.ingress.iter().flatten().enumerate() {
        let here = path.child("ingress").index(i);
        for (j, port) in rule.ports.iter().flatten().enumerate() {
            policy_port(&mut errs, port, &here.child("ports").index(j));
        }
        for (j, peer) in rule.from.iter().flatten().enumerate() {
            policy_peer(&mut errs, peer, &existing, &here.child("from").index(j));
        }
    }
    for (i, rule) in spec.egress.iter().flatten().enumerate() {
        let here = path.child("egress").index(i);
        for (j, port) in rule.ports.iter().flatten().enumerate() {
            policy_port(&mut errs, port, &here.child("ports").index(j));
        }
        for (j, peer) in rule.to.iter().flatten().enumerate() {
            policy_peer(&mut errs, peer, &existing, &here.child("to").index(j));
        }
    }
    let types = spec.policy_types.as_deref().unwrap_or_default();
    if types.len() > 2 {
        errs.push(FieldError::invalid(
            path.child("policyTypes"),
            FieldValue::json(types),
            "may not specify more than two policyTypes",
        ));
        return errs;
    }
    for (i, kind) in types.iter().enumerate() {
        if kind != "Ingress" && kind != "Egress" {
            errs.push(FieldError::not_supported(
                path.child("policyTypes").index(i),
                kind.as_str(),
                &["Ingress", "Egress"],
            ));
        }
    }
    errs
}

// ---------------------------------------------------------------------------------
// ServiceCIDRs and IPAddresses.

#[derive(Serialize)]
struct GoServiceCidrSpec<'a> {
    #[serde(rename = "CIDRs")]
    cidrs: Option<&'a [String]>,
}

fn service_cidr_spec(errs: &mut Vec<FieldError>, cidrs: Option<&Vec<String>>) {
    let path = FieldPath::new("spec").child("cidrs");
    let list = cidrs.map(Vec::as_slice).unwrap_or_default();
    if list.is_empty() {
        errs.push(FieldError::required(path, "at least one CIDR required"));
        return;
    }
    if list.len() > 2 {
        errs.push(FieldError::invalid(
            path,
            FieldValue::json(&GoServiceCidrSpec { cidrs: Some(list) }),
            "may only hold up to 2 values",
        ));
        return;
    }
    for (i, cidr) in list.iter().enumerate() {
        strict_cidr(errs, cidr, &path.index(i));
    }
    if let [a, b] = list
        && let (Some(a), Some(b)) = (parse_cidr(a), parse_cidr(b))
        && a.is_ipv4() == b.is_ipv4()
    {
        errs.push(FieldError::invalid(
            path,
            FieldValue::json(list),
            "may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64",
        ));
    }
}

fn service_cidr(new: &ServiceCIDR, old: Option<&ServiceCIDR>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let cidrs = new.spec.as_ref().and_then(|s| s.cidrs.as_ref());
    service_cidr_spec(&mut errs, cidrs);
    if let Some(old) = old {
        let new_list = cidrs.map(Vec::as_slice).unwrap_or_default();
        let old_list = old.spec.as_ref().and_then(|s| s.cidrs.as_deref()).unwrap_or_default();
        let path = FieldPath::new("spec").child("cidrs");
        if new_list.len() == old_list.len() {
            for (i, (n, o)) in new_list.iter().zip(old_list).enumerate() {
                if n != o {
                    errs.push(FieldError::invalid(path.index(i), n.as_str(), IMMUTABLE));
                }
            }
        } else if old_list.len() == 1 && new_list.len() == 2 {
            // A single-stack range may gain a second family.
            if new_list[0] != old_list[0] {
                errs.push(FieldError::invalid(path.index(0), new_list[0].as_str(), IMMUTABLE));
            }
            service_cidr_spec(&mut errs, cidrs);
        } else {
            errs.push(FieldError::invalid(path, FieldValue::json(&cidrs), IMMUTABLE));
        }
    }
    errs
}

/// A parent reference as upstream prints the internal struct.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GoParentReference<'a> {
    group: &'a str,
    resource: &'a str,
    namespace: &'a str,
    name: &'a str,
}

fn ip_address(new: &IPAddress, old: Option<&IPAddress>, raw: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    // The name is the address, in canonical form (`ValidateIPAddressName`).
    let name = new.metadata.name.as_deref().unwrap_or("");
    for msg in strict_ip_errors(name) {
        errs.push(FieldError::invalid("metadata.name", name, msg));
    }
    let path = FieldPath::new("spec").child("parentRef");
    // The typed form fills in an absent parent reference; the raw object tells.
    if raw.pointer("/spec/parentRef").is_none_or(Value::is_null) {
        errs.push(FieldError::required(&path, ""));
    } else if let Some(spec) = &new.spec {
        let parent = &spec.parent_ref;
        if let Some(group) = parent.group.as_deref().filter(|g| !g.is_empty()) {
            dns_subdomain(&mut errs, group, &path.child("group"));
        }
        if parent.resource.is_empty() {
            errs.push(FieldError::required(path.child("resource"), ""));
        } else {
            path_segment(&mut errs, &parent.resource, &path.child("resource"));
        }
        if parent.name.is_empty() {
            errs.push(FieldError::required(path.child("name"), ""));
        } else {
            path_segment(&mut errs, &parent.name, &path.child("name"));
        }
        if let Some(namespace) = parent.namespace.as_deref().filter(|n| !n.is_empty()) {
            path_segment(&mut errs, namespace, &path.child("namespace"));
        }
    }
    if let Some(old) = old {
        fn shown(ip: &IPAddress) -> Option<GoParentReference<'_>> {
            ip.spec.as_ref().map(|s| GoParentReference {
                group: s.parent_ref.group.as_deref().unwrap_or(""),
                resource: &s.parent_ref.resource,
                namespace: s.parent_ref.namespace.as_deref().unwrap_or(""),
                name: &s.parent_ref.name,
            })
        }
        let (new_ref, old_ref) = (shown(new), shown(old));
        if serde_json::to_value(&new_ref).ok() != serde_json::to_value(&old_ref).ok() {
            errs.push(FieldError::invalid(
                "spec.parentRef",
                FieldValue::json(&new_ref),
                IMMUTABLE,
            ));
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn messages(kind: &str, new: Value, old: Option<Value>) -> Vec<String> {
        validate("networking.k8s.io", kind, Input::from(&new), old.as_ref())
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn ing(spec: Value) -> Value {
        json!({"metadata": {"name": "web", "namespace": "default"}, "spec": spec})
    }

    fn backend(name: &str, port: Value) -> Value {
        json!({"service": {"name": name, "port": port}})
    }

    #[test]
    fn ingresses() {
        let good = ing(json!({
            "ingressClassName": "nginx",
            "rules": [
                {"host": "example.com", "http": {"paths": [
                    {"path": "/", "pathType": "Prefix", "backend": backend("web", json!({"number": 80}))},
                    {"path": "/api", "pathType": "Exact", "backend": backend("api", json!({"name": "http"}))},
                    {"pathType": "ImplementationSpecific", "backend": {"resource": {"apiGroup": "k8s.example.com", "kind": "StorageBucket", "name": "static"}}},
                ]}},
                {"host": "*.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend("web", json!({"number": 80}))}]}},
            ],
            "tls": [{"hosts": ["example.com", "*.example.com"], "secretName": "tls"}],
        }));
        assert!(messages("Ingress", good.clone(), None).is_empty());
        assert!(messages("Ingress", good.clone(), Some(good)).is_empty());
        assert!(
            messages(
                "Ingress",
                ing(json!({"defaultBackend": backend("web", json!({"number": 80}))})),
                None
            )
            .is_empty()
        );

        assert_eq!(
            messages("Ingress", ing(json!({})), None),
            ["spec: Invalid value: null: either `defaultBackend` or `rules` must be specified"]
        );
        assert_eq!(
            messages(
                "Ingress",
                ing(json!({
                    "defaultBackend": {},
                    "rules": [
                        {"host": "10.0.0.1", "http": {"paths": []}},
                        {"host": "a.*.com", "http": {"paths": [
                            {"path": "api", "pathType": "Prefix", "backend": backend("Web", json!({"name": "http", "number": 80}))},
                            {"path": "/a//b/.", "pathType": "Exact", "backend": backend("", json!({}))},
                            {"path": "x", "pathType": "Regex", "backend": {"service": {"name": "a", "port": {"number": 80}}, "resource": {"kind": "K", "name": "n"}}},
                            {"path": "/", "backend": backend("web", json!({"number": 70000}))},
                        ]}},
                    ],
                    "tls": [{"hosts": ["*"], "secretName": "Bad_Secret"}],
                    "ingressClassName": "Nginx",
                })),
                None
            ),
            [
                "spec.defaultBackend: Invalid value: \"\": resource or service backend is required",
                "spec.rules[0].host: Invalid value: \"10.0.0.1\": must be a DNS name, not an IP address",
                "spec.rules[0].http.paths: Required value",
                "spec.rules[1].host: Invalid value: \"a.*.com\": a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                "spec.rules[1].http.paths[0].path: Invalid value: \"api\": must be an absolute path",
                "spec.rules[1].http.paths[0].backend.service.name: Invalid value: \"Web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
                "spec.rules[1].http.paths[0].backend: Invalid value: \"\": cannot set both port name & port number",
                "spec.rules[1].http.paths[1].path: Invalid value: \"/a//b/.\": must not contain '//'",
                "spec.rules[1].http.paths[1].path: Invalid value: \"/a//b/.\": cannot end with '/.'",
                "spec.rules[1].http.paths[1].backend.service.name: Required value",
                "spec.rules[1].http.paths[1].backend: Required value: port name or number is required",
                "spec.rules[1].http.paths[2].pathType: Unsupported value: \"Regex\": supported values: \"Exact\", \"ImplementationSpecific\", \"Prefix\"",
                "spec.rules[1].http.paths[2].backend: Invalid value: \"\": cannot set both resource and service backends",
                "spec.rules[1].http.paths[3].pathType: Required value: pathType must be specified",
                "spec.tls[0].hosts[0]: Invalid value: \"*\": a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                "spec.tls[0].secretName: Invalid value: \"Bad_Secret\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                "spec.ingressClassName: Invalid value: \"Nginx\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            ]
        );
        let mut annotated =
            ing(json!({"ingressClassName": "nginx", "defaultBackend": backend("web", json!({"number": 80}))}));
        annotated["metadata"]["annotations"] = json!({"kubernetes.io/ingress.class": "traefik"});
        assert_eq!(
            messages("Ingress", annotated.clone(), None),
            [
                "annotations.kubernetes.io/ingress.class: Invalid value: \"traefik\": must match `ingressClassName` when both are specified"
            ]
        );
        assert!(messages("Ingress", annotated.clone(), Some(annotated)).is_empty());
        // A stored invalid TLS secret name stays acceptable.
        let stored = ing(
            json!({"defaultBackend": backend("web", json!({"number": 80})), "tls": [{"secretName": "Bad_Secret"}]}),
        );
        assert!(messages("Ingress", stored.clone(), Some(stored)).is_empty());
    }

    #[test]
    fn ingress_status() {
        let status = |ingress: Value| json!({"metadata": {"name": "web"}, "spec": {}, "status": {"loadBalancer": {"ingress": ingress}}});
        let check = |new: Value, old: Option<Value>| -> Vec<String> {
            validate_status("networking.k8s.io", "Ingress", &new, old.as_ref().unwrap_or(&new))
                .unwrap_or_default()
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        assert!(check(status(json!([{"ip": "1.2.3.4"}, {"hostname": "lb.example.com"}])), None).is_empty());
        assert_eq!(
            check(
                status(json!([{"ip": "1.2.3"}, {"hostname": "1.2.3.4"}])),
                Some(status(json!([])))
            ),
            [
                "status.loadBalancer.ingress[0].ip: Invalid value: \"1.2.3\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
                "status.loadBalancer.ingress[1].hostname: Invalid value: \"1.2.3.4\": must be a DNS name, not an IP address",
            ]
        );
        let stored = status(json!([{"ip": "1.2.3"}]));
        assert!(check(stored.clone(), Some(stored)).is_empty());
    }

    #[test]
    fn ingress_classes() {
        let class = |spec: Value| json!({"metadata": {"name": "nginx"}, "spec": spec});
        let good = class(json!({"controller": "k8s.io/ingress-nginx",
            "parameters": {"apiGroup": "k8s.example.com", "kind": "IngressParameters", "name": "external", "scope": "Namespace", "namespace": "ingress"}}));
        assert!(messages("IngressClass", good.clone(), Some(good.clone())).is_empty());
        assert_eq!(
            messages("IngressClass", class(json!({})), None),
            ["spec.controller: Required value"]
        );
        assert_eq!(
            messages(
                "IngressClass",
                class(
                    json!({"controller": "ingress-nginx", "parameters": {"kind": "a/b", "name": "", "scope": "Cluster", "namespace": "x"}})
                ),
                Some(good.clone())
            ),
            [
                "spec.controller: Invalid value: \"ingress-nginx\": field is immutable",
                "spec.controller: Invalid value: \"ingress-nginx\": must be a domain-prefixed path (such as \"acme.io/foo\")",
                "spec.parameters.kind: Invalid value: \"a/b\": may not contain '/'",
                "spec.parameters.name: Required value",
                "spec.parameters.namespace: Forbidden: `parameters.scope` is set to 'Cluster'",
            ]
        );
        assert_eq!(
            messages(
                "IngressClass",
                class(
                    json!({"controller": "Example.com/a b", "parameters": {"kind": "K", "name": "n", "scope": "Namespace"}})
                ),
                None
            ),
            [
                "spec.controller: Invalid value: \"Example.com\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                "spec.controller: Invalid value: \"a b\": Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')",
                "spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'",
            ]
        );
    }

    #[test]
    fn network_policies() {
        let np = |spec: Value| json!({"metadata": {"name": "deny", "namespace": "default"}, "spec": spec});
        let good = np(json!({
            "podSelector": {"matchLabels": {"app": "db"}},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}, "namespaceSelector": {}},
                                  {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}],
                         "ports": [{"protocol": "TCP", "port": 5432}, {"protocol": "TCP", "port": 30000, "endPort": 32767},
                                   {"port": "postgres"}]}],
            "egress": [{"to": [{"ipBlock": {"cidr": "fd00::/8"}}]}],
        }));
        assert!(messages("NetworkPolicy", good.clone(), Some(good)).is_empty());
        assert_eq!(
            messages(
                "NetworkPolicy",
                np(json!({
                    "podSelector": {"matchExpressions": [{"key": "app", "operator": "In"}]},
                    "ingress": [{"from": [{}, {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.0.0.0/8", "11.0.0.0/16", "x"]},
                                               "podSelector": {}}],
                                 "ports": [{"protocol": "ICMP", "port": 0, "endPort": 70000}, {"port": "http", "endPort": 90},
                                           {"endPort": 90}, {"port": 100, "endPort": 90}]}],
                    "egress": [{"to": [{"ipBlock": {"cidr": ""}}]}],
                    "policyTypes": ["Ingress", "Sideways"],
                })),
                None
            ),
            [
                "spec.podSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
                "spec.ingress[0].ports[0].protocol: Unsupported value: \"ICMP\": supported values: \"TCP\", \"UDP\", \"SCTP\"",
                "spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
                "spec.ingress[0].ports[0].endPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
                "spec.ingress[0].ports[1].endPort: Invalid value: 90: may not be specified when `port` is non-numeric",
                "spec.ingress[0].ports[2].endPort: Invalid value: 90: may not be specified when `port` is not specified",
                "spec.ingress[0].ports[3].endPort: Invalid value: 90: must be greater than or equal to `port`",
                "spec.ingress[0].from[0]: Required value: must specify a peer",
                "spec.ingress[0].from[1].ipBlock.except[0]: Invalid value: \"10.0.0.0/8\": must be a strict subset of `cidr`",
                "spec.ingress[0].from[1].ipBlock.except[1]: Invalid value: \"11.0.0.0/16\": must be a strict subset of `cidr`",
                "spec.ingress[0].from[1].ipBlock.except[2]: Invalid value: \"x\": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
                "spec.ingress[0].from[1]: Forbidden: may not specify both ipBlock and another peer",
                "spec.egress[0].to[0].ipBlock.cidr: Required value",
                "spec.policyTypes[1]: Unsupported value: \"Sideways\": supported values: \"Ingress\", \"Egress\"",
            ]
        );
        assert_eq!(
            messages(
                "NetworkPolicy",
                np(json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress", "Ingress"]})),
                None
            ),
            [
                "spec.policyTypes: Invalid value: [\"Ingress\",\"Egress\",\"Ingress\"]: may not specify more than two policyTypes"
            ]
        );
        // A stored bad CIDR may stay.
        let stored = np(json!({"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/33"}}]}]}));
        assert!(messages("NetworkPolicy", stored.clone(), Some(stored)).is_empty());
    }

    #[test]
    fn service_cidrs() {
        let sc = |cidrs: Value| json!({"metadata": {"name": "kubernetes"}, "spec": {"cidrs": cidrs}});
        assert!(messages("ServiceCIDR", sc(json!(["10.96.0.0/12", "fd00:10:96::/112"])), None).is_empty());
        assert_eq!(
            messages("ServiceCIDR", sc(json!([])), None),
            ["spec.cidrs: Required value: at least one CIDR required"]
        );
        assert_eq!(
            messages(
                "ServiceCIDR",
                sc(json!(["10.0.0.0/8", "11.0.0.0/8", "12.0.0.0/8"])),
                None
            ),
            [
                "spec.cidrs: Invalid value: {\"CIDRs\":[\"10.0.0.0/8\",\"11.0.0.0/8\",\"12.0.0.0/8\"]}: may only hold up to 2 values"
            ]
        );
        assert_eq!(
            messages("ServiceCIDR", sc(json!(["10.96.0.1/12", "010.0.0.0/8"])), None),
            [
                "spec.cidrs[0]: Invalid value: \"10.96.0.1/12\": must be in canonical form (\"10.96.0.0/12\")",
                "spec.cidrs[1]: Invalid value: \"010.0.0.0/8\": must not have leading 0s in IP",
                "spec.cidrs: Invalid value: [\"10.96.0.1/12\",\"010.0.0.0/8\"]: may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64",
            ]
        );
        let old = sc(json!(["10.96.0.0/12"]));
        assert!(
            messages(
                "ServiceCIDR",
                sc(json!(["10.96.0.0/12", "fd00::/112"])),
                Some(old.clone())
            )
            .is_empty()
        );
        assert_eq!(
            messages("ServiceCIDR", sc(json!(["10.100.0.0/16"])), Some(old.clone())),
            ["spec.cidrs[0]: Invalid value: \"10.100.0.0/16\": field is immutable"]
        );
        assert_eq!(
            messages(
                "ServiceCIDR",
                sc(json!(["10.96.0.0/12", "fd00::/112"])),
                Some(sc(json!(["10.96.0.0/12", "fd01::/112", "x"])))
            ),
            ["spec.cidrs: Invalid value: [\"10.96.0.0/12\",\"fd00::/112\"]: field is immutable"]
        );
    }

    #[test]
    fn ip_addresses() {
        let ip = |name: &str, parent: Value| json!({"metadata": {"name": name}, "spec": {"parentRef": parent}});
        let parent = json!({"group": "", "resource": "services", "namespace": "default", "name": "web"});
        assert!(messages("IPAddress", ip("10.96.0.10", parent.clone()), None).is_empty());
        assert!(messages("IPAddress", ip("2001:db8::1", parent.clone()), None).is_empty());
        assert_eq!(
            messages("IPAddress", ip("2001:DB8::1", parent.clone()), None),
            ["metadata.name: Invalid value: \"2001:DB8::1\": must be in canonical form (\"2001:db8::1\")"]
        );
        assert_eq!(
            messages(
                "IPAddress",
                ip(
                    "010.0.0.1",
                    json!({"group": "Bad_Group", "resource": "", "name": "a/b"})
                ),
                None
            ),
            [
                "metadata.name: Invalid value: \"010.0.0.1\": must not have leading 0s",
                "spec.parentRef.group: Invalid value: \"Bad_Group\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                "spec.parentRef.resource: Required value",
                "spec.parentRef.name: Invalid value: \"a/b\": may not contain '/'",
            ]
        );
        assert_eq!(
            messages(
                "IPAddress",
                json!({"metadata": {"name": "::ffff:1.2.3.4"}, "spec": {}}),
                None
            ),
            [
                "metadata.name: Invalid value: \"::ffff:1.2.3.4\": must not be an IPv4-mapped IPv6 address",
                "spec.parentRef: Required value",
            ]
        );
        let moved = json!({"group": "", "resource": "services", "namespace": "default", "name": "db"});
        assert_eq!(
            messages("IPAddress", ip("10.96.0.10", moved), Some(ip("10.96.0.10", parent))),
            [
                "spec.parentRef: Invalid value: {\"Group\":\"\",\"Resource\":\"services\",\"Namespace\":\"default\",\"Name\":\"db\"}: field is immutable"
            ]
        );
    }
}
