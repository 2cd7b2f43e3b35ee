//! Services, Endpoints and EndpointSlices (`ValidateService`, `ValidateEndpoints`,
//! `ValidateEndpointSlice` and their updates): ports, selectors, cluster IPs and IP
//! families, each service type's own rules, traffic policies, and the load-balancer
//! status. Also the address and name checks the other network kinds share — Go's
//! "sloppy" IP and CIDR parsing (`k8s.io/utils/net`), the special-IP rules, and
//! `field.Invalid` wrappers around the DNS and qualified-name checks — so every module
//! words them alike.
//!
//! IPs and cluster IPs are checked, never allocated: the API server allocates a
//! Service's `clusterIPs` and fills `ipFamilies`/`ipFamilyPolicy` before validation, as
//! upstream's REST storage does.

use std::collections::{BTreeMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use k8s_openapi::api::core::v1::{
    EndpointAddress, EndpointPort, Endpoints, LoadBalancerStatus, Service, ServicePort, ServiceSpec,
};
use k8s_openapi::api::discovery::v1::{Endpoint, EndpointPort as SlicePort, EndpointSlice};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;
use serde_json::Value;

use super::common::{immutable, port_name_errors, validate_port_number};
use super::{Input, typed};
use crate::field_error::{FieldError, FieldPath, FieldValue};
use crate::validation::{
    is_dns1123_label, is_dns1123_subdomain, is_qualified_name, is_valid_label_value, validate_labels,
};

pub(super) fn validate(group: &str, kind: &str, new: Input<'_>, old: Option<&Value>) -> Option<Vec<FieldError>> {
    Some(match (group, kind) {
        ("", "Service") => typed(new, old, service),
        ("", "Endpoints") => typed(new, old, |new: &Endpoints, _| endpoints(new)),
        ("discovery.k8s.io", "EndpointSlice") => typed(new, old, endpoint_slice),
        _ => return None,
    })
}

/// The errors of a status update (`.../status`) of the kinds this module covers:
/// only the status is checked, as upstream's status strategies do.
pub(super) fn validate_status(group: &str, kind: &str, new: &Value, old: &Value) -> Option<Vec<FieldError>> {
    Some(match (group, kind) {
        ("", "Service") => typed(new, Some(old), |new: &Service, _| {
            let empty = ServiceSpec::default();
            let spec = new.spec.as_ref().unwrap_or(&empty);
            let status = new.status.as_ref().and_then(|s| s.load_balancer.as_ref());
            match status {
                Some(lb) => load_balancer_status(
                    lb,
                    &FieldPath::new("status").child("loadBalancer"),
                    spec.type_.as_deref() == Some("LoadBalancer"),
                ),
                None => Vec::new(),
            }
        }),
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------
// Shared name checks, as `field.Invalid` errors.

/// `ValidateDNS1123Label`: one error per reason `value` is not an RFC 1123 label.
pub(super) fn dns_label(errs: &mut Vec<FieldError>, value: &str, path: &FieldPath) {
    for msg in is_dns1123_label(value) {
        errs.push(FieldError::invalid(path, value, msg));
    }
}

/// `ValidateDNS1123Subdomain`.
pub(super) fn dns_subdomain(errs: &mut Vec<FieldError>, value: &str, path: &FieldPath) {
    for msg in is_dns1123_subdomain(value) {
        errs.push(FieldError::invalid(path, value, msg));
    }
}

/// `ValidateQualifiedName` (also `ValidateLabelName`).
pub(super) fn qualified_name(errs: &mut Vec<FieldError>, value: &str, path: &FieldPath) {
    for msg in is_qualified_name(value) {
        errs.push(FieldError::invalid(path, value, msg));
    }
}

/// Label values, one error per reason.
pub(super) fn label_value(errs: &mut Vec<FieldError>, value: &str, path: &FieldPath) {
    for msg in is_valid_label_value(value) {
        errs.push(FieldError::invalid(path, value, msg));
    }
}

/// `IsFullyQualifiedDomainName`: at least two labels, a trailing dot allowed; one
/// error at most, naming the offending part as upstream does.
pub(super) fn fully_qualified_domain_name(errs: &mut Vec<FieldError>, name: &str, path: &FieldPath) {
    if name.is_empty() {
        errs.push(FieldError::required(path, ""));
        return;
    }
    let name = name.strip_suffix('.').unwrap_or(name);
    let subdomain = is_dns1123_subdomain(name);
    if !subdomain.is_empty() {
        errs.push(FieldError::invalid(path, name, subdomain.join(",")));
        return;
    }
    if !name.contains('.') {
        errs.push(FieldError::invalid(
            path,
            name,
            "should be a domain with at least two segments separated by dots",
        ));
        return;
    }
    for label in name.split('.') {
        let msgs = is_dns1123_label(label);
        if !msgs.is_empty() {
            errs.push(FieldError::invalid(path, label, msgs.join(",")));
            return;
        }
    }
}

// ---------------------------------------------------------------------------------
// IP addresses and CIDRs, parsed as `k8s.io/utils/net`'s `ParseIPSloppy` and
// `ParseCIDRSloppy` do: Go's pre-1.17 parser, which accepts IPv4 octets with leading
// zeros (`010.1.1.1` is 10.1.1.1) for compatibility with stored objects.

/// Go's `dtoi`: leading decimal digits, their value and count; `None` without digits or
/// past 0xFFFFFF.
fn dtoi(s: &[u8]) -> Option<(u32, usize)> {
    let mut n: u32 = 0;
    let mut i = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        n = n * 10 + u32::from(s[i] - b'0');
        if n >= 0xFF_FFFF {
            return None;
        }
        i += 1;
    }
    (i > 0).then_some((n, i))
}

/// Go's `xtoi`: leading hex digits.
fn xtoi(s: &[u8]) -> Option<(u32, usize)> {
    let mut n: u32 = 0;
    let mut i = 0;
    while i < s.len() {
        let Some(digit) = (s[i] as char).to_digit(16) else {
            break;
        };
        n = n * 16 + digit;
        if n >= 0xFF_FFFF {
            return None;
        }
        i += 1;
    }
    (i > 0).then_some((n, i))
}

fn parse_ipv4(s: &[u8]) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut rest = s;
    for (i, octet) in octets.iter_mut().enumerate() {
        if i > 0 {
            rest = rest.strip_prefix(b".")?;
        }
        let (n, used) = dtoi(rest)?;
        *octet = u8::try_from(n).ok()?;
        rest = &rest[used..];
    }
    rest.is_empty().then(|| Ipv4Addr::from(octets))
}

fn parse_ipv6(s: &[u8]) -> Option<Ipv6Addr> {
    let mut ip = [0u8; 16];
    let mut ellipsis: Option<usize> = None;
    let mut rest = s;
    if rest.starts_with(b"::") {
        ellipsis = Some(0);
        rest = &rest[2..];
        if rest.is_empty() {
            return Some(Ipv6Addr::from(ip));
        }
    }
    let mut i = 0;
    while i < 16 {
        let (n, used) = xtoi(rest)?;
        if n > 0xFFFF {
            return None;
        }
        if rest.get(used) == Some(&b'.') {
            // A trailing IPv4 address, in the last four bytes (or where an ellipsis
            // leaves room).
            if (ellipsis.is_none() && i != 12) || i + 4 > 16 {
                return None;
            }
            let v4 = parse_ipv4(rest)?;
            ip[i..i + 4].copy_from_slice(&v4.octets());
            rest = &[];
            i += 4;
            break;
        }
        ip[i] = (n >> 8) as u8;
        ip[i + 1] = n as u8;
        i += 2;
        rest = &rest[used..];
        if rest.is_empty() {
            break;
        }
        if rest[0] != b':' || rest.len() == 1 {
            return None;
        }
        rest = &rest[1..];
        if rest[0] == b':' {
            if ellipsis.is_some() {
                return None;
            }
            ellipsis = Some(i);
            rest = &rest[1..];
            if rest.is_empty() {
                break;
            }
        }
    }
    if !rest.is_empty() {
        return None;
    }
    if i < 16 {
        let at = ellipsis?;
        let shift = 16 - i;
        ip.copy_within(at..i, at + shift);
        ip[at..at + shift].fill(0);
    } else if ellipsis.is_some() {
        return None;
    }
    Some(Ipv6Addr::from(ip))
}

/// `netutils.ParseIPSloppy`.
pub(super) fn parse_ip(text: &str) -> Option<IpAddr> {
    let bytes = text.as_bytes();
    match bytes.iter().find(|&&b| b == b'.' || b == b':') {
        Some(b'.') => parse_ipv4(bytes).map(IpAddr::V4),
        Some(_) => parse_ipv6(bytes).map(IpAddr::V6),
        None => None,
    }
}

/// Whether Go would call this address IPv4 (`ip.To4() != nil`): IPv4, or IPv6 that
/// maps an IPv4 address.
pub(super) fn is_ipv4(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(_) => true,
        IpAddr::V6(v6) => v6.to_ipv4_mapped().is_some(),
    }
}

/// A CIDR as `netutils.ParseCIDRSloppy` reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Cidr {
    /// The address as written (not masked).
    pub addr: IpAddr,
    pub prefix: u8,
}

impl Cidr {
    /// Whether it is an IPv4 CIDR (`netutils.IsIPv4CIDR`: the masked address is IPv4).
    pub fn is_ipv4(&self) -> bool {
        is_ipv4(&self.network())
    }

    /// The network address (the address with the host bits cleared).
    pub fn network(&self) -> IpAddr {
        match self.addr {
            IpAddr::V4(v4) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                IpAddr::V4(Ipv4Addr::from(u32::from(v4) & mask))
            }
            IpAddr::V6(v6) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask))
            }
        }
    }

    /// Whether `other` lies within this CIDR (same family, longer or equal prefix).
    pub fn contains(&self, other: &Cidr) -> bool {
        if other.prefix < self.prefix {
            return false;
        }
        let narrowed = Cidr {
            addr: other.addr,
            prefix: self.prefix,
        };
        match (self.network(), narrowed.network()) {
            (IpAddr::V4(a), IpAddr::V4(b)) => a == b,
            (IpAddr::V6(a), IpAddr::V6(b)) => a == b,
            _ => false,
        }
    }
}

/// `netutils.ParseCIDRSloppy`.
pub(super) fn parse_cidr(text: &str) -> Option<Cidr> {
    let (addr, mask) = text.split_once('/')?;
    let (addr, bits) = match parse_ipv4(addr.as_bytes()) {
        Some(v4) => (IpAddr::V4(v4), 32),
        None => (IpAddr::V6(parse_ipv6(addr.as_bytes())?), 128),
    };
    let (prefix, used) = dtoi(mask.as_bytes())?;
    if used != mask.len() || prefix > bits {
        return None;
    }
    Some(Cidr {
        addr,
        prefix: u8::try_from(prefix).ok()?,
    })
}

/// `IsValidIP`.
pub(super) fn valid_ip(errs: &mut Vec<FieldError>, value: &str, path: &FieldPath) -> bool {
    let ok = parse_ip(value).is_some();
    if !ok {
        errs.push(FieldError::invalid(
            path,
            value,
            "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
        ));
    }
    ok
}

/// `IsValidCIDR`.
pub(super) fn valid_cidr(errs: &mut Vec<FieldError>, value: &str, path: &FieldPath) -> bool {
    let ok = parse_cidr(value).is_some();
    if !ok {
        errs.push(FieldError::invalid(
            path,
            value,
            "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
        ));
    }
    ok
}

/// `ValidateNonSpecialIP`: no unspecified, loopback or link-local addresses, which make
/// no sense as endpoints or external IPs.
pub(super) fn non_special_ip(errs: &mut Vec<FieldError>, value: &str, path: &FieldPath) {
    let Some(ip) = parse_ip(value) else {
        errs.push(FieldError::invalid(path, value, "must be a valid IP address"));
        return;
    };
    // Go treats IPv4-mapped IPv6 addresses as IPv4 throughout.
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    let (unspecified, loopback, link_local, link_local_multicast) = match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            (
                v4.is_unspecified(),
                o[0] == 127,
                o[0] == 169 && o[1] == 254,
                o[0] == 224 && o[1] == 0 && o[2] == 0,
            )
        }
        IpAddr::V6(v6) => {
            let o = v6.octets();
            (
                v6.is_unspecified(),
                v6.is_loopback(),
                o[0] == 0xfe && o[1] & 0xc0 == 0x80,
                o[0] == 0xff && o[1] & 0x0f == 0x02,
            )
        }
    };
    if unspecified {
        errs.push(FieldError::invalid(
            path,
            value,
            format!("may not be unspecified ({value})"),
        ));
    }
    if loopback {
        errs.push(FieldError::invalid(
            path,
            value,
            "may not be in the loopback range (127.0.0.0/8, ::1/128)",
        ));
    }
    if link_local {
        errs.push(FieldError::invalid(
            path,
            value,
            "may not be in the link-local range (169.254.0.0/16, fe80::/10)",
        ));
    }
    if link_local_multicast {
        errs.push(FieldError::invalid(
            path,
            value,
            "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)",
        ));
    }
}

// ---------------------------------------------------------------------------------
// Ports.

const PROTOCOLS: [&str; 3] = ["SCTP", "TCP", "UDP"];

/// A port protocol: required, one of TCP, UDP, SCTP.
fn protocol(errs: &mut Vec<FieldError>, protocol: Option<&str>, path: &FieldPath) {
    match protocol.unwrap_or("") {
        "" => errs.push(FieldError::required(path, "")),
        "TCP" | "UDP" | "SCTP" => {}
        other => errs.push(FieldError::not_supported(path, other, &PROTOCOLS)),
    }
}

/// `ValidatePortNumOrName`: a port number, or an IANA service name.
pub(super) fn port_num_or_name(errs: &mut Vec<FieldError>, port: &IntOrString, path: &FieldPath) {
    match port {
        IntOrString::Int(n) => errs.extend(validate_port_number(*n, path)),
        IntOrString::String(name) => {
            for msg in port_name_errors(name) {
                errs.push(FieldError::invalid(path, name.as_str(), msg));
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// Services.

const TOPOLOGY_MODE: &str = "service.kubernetes.io/topology-mode";
const TOPOLOGY_AWARE_HINTS: &str = "service.kubernetes.io/topology-aware-hints";
const SOURCE_RANGES_ANNOTATION: &str = "service.beta.kubernetes.io/load-balancer-source-ranges";
const MAX_CLIENT_IP_AFFINITY_SECONDS: i32 = 86400;

/// A Service's protocol and port, printed as upstream prints the internal
/// `core.ServicePort` it uses as a key (Go field names: internal types have no JSON
/// tags).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PortKey<'a> {
    name: &'a str,
    protocol: &'a str,
    app_protocol: Option<&'a str>,
    port: i32,
    target_port: i32,
    node_port: i32,
}

fn is_headless(spec: &ServiceSpec) -> bool {
    matches!(spec.cluster_ips.as_deref(), Some([only]) if only == "None")
}

/// `apiservice.ExternallyAccessible`.
fn externally_accessible(spec: &ServiceSpec) -> bool {
    match spec.type_.as_deref() {
        Some("LoadBalancer" | "NodePort") => true,
        Some("ClusterIP") => spec.external_ips.as_ref().is_some_and(|ips| !ips.is_empty()),
        _ => false,
    }
}

/// `apiservice.NeedsHealthCheck`: a LoadBalancer that keeps traffic node-local.
fn needs_health_check(spec: &ServiceSpec) -> bool {
    spec.type_.as_deref() == Some("LoadBalancer") && spec.external_traffic_policy.as_deref() == Some("Local")
}

fn service(new: &Service, old: Option<&Service>) -> Vec<FieldError> {
    let empty = ServiceSpec::default();
    let spec = new.spec.as_ref().unwrap_or(&empty);
    let mut errs = Vec::new();
    if let Some(old) = old {
        let old_spec = old.spec.as_ref().unwrap_or(&empty);
        upgrade_downgrade_cluster_ips(&mut errs, old_spec, spec);
        upgrade_downgrade_ip_families(&mut errs, old_spec, spec);
        load_balancer_class(&mut errs, Some(old_spec), spec);
        if needs_health_check(old_spec)
            && needs_health_check(spec)
            && spec.health_check_node_port != old_spec.health_check_node_port
        {
            errs.push(FieldError::forbidden("spec.healthCheckNodePort", "field is immutable"));
        }
    }
    service_create(&mut errs, new, spec);
    errs
}

fn service_create(errs: &mut Vec<FieldError>, service: &Service, spec: &ServiceSpec) {
    let annotations = service.metadata.annotations.as_ref();
    let annotation = |key: &str| annotations.and_then(|a| a.get(key));
    if let (Some(mode), Some(hints)) = (annotation(TOPOLOGY_MODE), annotation(TOPOLOGY_AWARE_HINTS))
        && mode != hints
    {
        errs.push(FieldError::invalid(
            FieldPath::new("metadata").child("annotations").key(TOPOLOGY_MODE),
            mode.as_str(),
            format!("must match annotations[{TOPOLOGY_AWARE_HINTS}] when both are specified"),
        ));
    }

    let spec_path = FieldPath::new("spec");
    let service_type = spec.type_.as_deref().unwrap_or("");
    let ports: &[ServicePort] = spec.ports.as_deref().unwrap_or_default();
    let headless = is_headless(spec);
    if ports.is_empty() && !headless && service_type != "ExternalName" {
        errs.push(FieldError::required(spec_path.child("ports"), ""));
    }
    match service_type {
        "LoadBalancer" | "NodePort" if headless => errs.push(FieldError::invalid(
            spec_path.child("clusterIPs").index(0),
            "None",
            format!("may not be set to 'None' for {service_type} services"),
        )),
        "ExternalName" => {
            if spec.cluster_ips.as_ref().is_some_and(|ips| !ips.is_empty()) {
                errs.push(FieldError::forbidden(
                    spec_path.child("clusterIPs"),
                    "may not be set for ExternalName services",
                ));
            }
            if spec.ip_families.as_ref().is_some_and(|f| !f.is_empty()) {
                errs.push(FieldError::forbidden(
                    spec_path.child("ipFamilies"),
                    "may not be set for ExternalName services",
                ));
            }
            if spec.ip_family_policy.is_some() {
                errs.push(FieldError::forbidden(
                    spec_path.child("ipFamilyPolicy"),
                    "may not be set for ExternalName services",
                ));
            }
            // A CNAME may end in a dot to mark it fully qualified.
            let name = spec.external_name.as_deref().unwrap_or("");
            let cname = name.strip_suffix('.').unwrap_or(name);
            if cname.is_empty() {
                errs.push(FieldError::required(spec_path.child("externalName"), ""));
            } else {
                dns_subdomain(errs, cname, &spec_path.child("externalName"));
            }
        }
        _ => {}
    }

    let ports_path = spec_path.child("ports");
    let mut names: HashSet<&str> = HashSet::new();
    for (i, port) in ports.iter().enumerate() {
        service_port(errs, port, ports.len() > 1, &mut names, &ports_path.index(i));
    }

    if let Some(selector) = &spec.selector {
        errs.extend(validate_labels(
            selector.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            &spec_path.child("selector"),
        ));
    }

    let affinity = spec.session_affinity.as_deref().unwrap_or("");
    match affinity {
        "" => errs.push(FieldError::required(spec_path.child("sessionAffinity"), "")),
        "ClientIP" | "None" => {}
        other => errs.push(FieldError::not_supported(
            spec_path.child("sessionAffinity"),
            other,
            &["ClientIP", "None"],
        )),
    }
    let config_path = spec_path.child("sessionAffinityConfig");
    if affinity == "ClientIP" {
        let when = "when session affinity type is ClientIP";
        match &spec.session_affinity_config {
            None => errs.push(FieldError::required(&config_path, when)),
            Some(config) => match &config.client_ip {
                None => errs.push(FieldError::required(config_path.child("clientIP"), when)),
                Some(client_ip) => {
                    let path = config_path.child("clientIP").child("timeoutSeconds");
                    match client_ip.timeout_seconds {
                        None => errs.push(FieldError::required(path, when)),
                        Some(t) if t <= 0 || t > MAX_CLIENT_IP_AFFINITY_SECONDS => errs.push(FieldError::invalid(
                            path,
                            t,
                            format!("must be greater than 0 and less than {MAX_CLIENT_IP_AFFINITY_SECONDS}"),
                        )),
                        Some(_) => {}
                    }
                }
            },
        }
    } else if affinity == "None" && spec.session_affinity_config.is_some() {
        errs.push(FieldError::forbidden(
            &config_path,
            "must not be set when session affinity is None",
        ));
    }

    cluster_ips_related_fields(errs, spec);

    let external_path = spec_path.child("externalIPs");
    for (i, ip) in spec.external_ips.iter().flatten().enumerate() {
        let path = external_path.index(i);
        if valid_ip(errs, ip, &path) {
            non_special_ip(errs, ip, &path);
        }
    }

    match service_type {
        "" => errs.push(FieldError::required(spec_path.child("type"), "")),
        "ClusterIP" | "NodePort" | "LoadBalancer" | "ExternalName" => {}
        other => errs.push(FieldError::not_supported(
            spec_path.child("type"),
            other,
            &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"],
        )),
    }
    if service_type == "ClusterIP" {
        for (i, port) in ports.iter().enumerate() {
            if port.node_port.unwrap_or(0) != 0 {
                errs.push(FieldError::forbidden(
                    ports_path.index(i).child("nodePort"),
                    "may not be used when `type` is 'ClusterIP'",
                ));
            }
        }
    }

    // Node ports and ports must be unique per protocol.
    let mut node_ports: HashSet<(&str, i32)> = HashSet::new();
    for (i, port) in ports.iter().enumerate() {
        let node_port = port.node_port.unwrap_or(0);
        if node_port == 0 {
            continue;
        }
        if !node_ports.insert((port.protocol.as_deref().unwrap_or(""), node_port)) {
            errs.push(FieldError::duplicate(ports_path.index(i).child("nodePort"), node_port));
        }
    }
    let mut seen: HashSet<(&str, i32)> = HashSet::new();
    for (i, port) in ports.iter().enumerate() {
        let protocol = port.protocol.as_deref().unwrap_or("");
        if !seen.insert((protocol, port.port)) {
            let key = PortKey {
                name: "",
                protocol,
                app_protocol: None,
                port: port.port,
                target_port: 0,
                node_port: 0,
            };
            errs.push(FieldError::duplicate(ports_path.index(i), FieldValue::json(&key)));
        }
    }

    let ranges = spec.load_balancer_source_ranges.as_deref().unwrap_or_default();
    if !ranges.is_empty() {
        // Upstream's path really is capitalised here.
        let path = spec_path.child("LoadBalancerSourceRanges");
        if service_type != "LoadBalancer" {
            errs.push(FieldError::forbidden(
                &path,
                "may only be used when `type` is 'LoadBalancer'",
            ));
        }
        for (i, range) in ranges.iter().enumerate() {
            // Space padding is tolerated, a leftover of the annotation this replaced.
            valid_cidr(errs, range.trim(), &path.index(i));
        }
    } else if let Some(value) = annotation(SOURCE_RANGES_ANNOTATION) {
        let path = FieldPath::new("metadata")
            .child("annotations")
            .key(SOURCE_RANGES_ANNOTATION);
        if service_type != "LoadBalancer" {
            errs.push(FieldError::forbidden(
                &path,
                "may only be used when `type` is 'LoadBalancer'",
            ));
        }
        let value = value.trim();
        if !value.is_empty() {
            for range in value.split(',') {
                valid_cidr(errs, range.trim(), &path);
            }
        }
    }

    if spec.allocate_load_balancer_node_ports.is_some() && service_type != "LoadBalancer" {
        errs.push(FieldError::forbidden(
            spec_path.child("allocateLoadBalancerNodePorts"),
            "may only be used when `type` is 'LoadBalancer'",
        ));
    }
    if service_type == "LoadBalancer" && spec.allocate_load_balancer_node_ports.is_none() {
        // Upstream reports this one without the `spec.` prefix.
        errs.push(FieldError::required("allocateLoadBalancerNodePorts", ""));
    }

    load_balancer_class(errs, None, spec);
    external_traffic_policy(errs, spec);

    let itp_path = || spec_path.child("internalTrafficPolicy");
    match spec.internal_traffic_policy.as_deref() {
        // Not required for ExternalName: stored objects predate the check.
        None if matches!(service_type, "NodePort" | "LoadBalancer" | "ClusterIP") => {
            errs.push(FieldError::required(itp_path(), ""));
        }
        None | Some("Cluster" | "Local") => {}
        Some(other) => errs.push(FieldError::not_supported(itp_path(), other, &["Cluster", "Local"])),
    }

    if let Some(distribution) = spec.traffic_distribution.as_deref()
        && distribution != "PreferClose"
    {
        errs.push(FieldError::not_supported(
            spec_path.child("trafficDistribution"),
            distribution,
            &["PreferClose"],
        ));
    }
}

fn service_port<'a>(
    errs: &mut Vec<FieldError>,
    port: &'a ServicePort,
    require_name: bool,
    names: &mut HashSet<&'a str>,
    path: &FieldPath,
) {
    let name = port.name.as_deref().unwrap_or("");
    if require_name && name.is_empty() {
        errs.push(FieldError::required(path.child("name"), ""));
    } else if !name.is_empty() {
        dns_label(errs, name, &path.child("name"));
        if !names.insert(name) {
            errs.push(FieldError::duplicate(path.child("name"), name));
        }
    }
    errs.extend(validate_port_number(port.port, &path.child("port")));
    protocol(errs, port.protocol.as_deref(), &path.child("protocol"));
    // An unset target port is the zero int upstream.
    let target = port.target_port.as_ref().unwrap_or(&IntOrString::Int(0));
    port_num_or_name(errs, target, &path.child("targetPort"));
    if let Some(app_protocol) = &port.app_protocol {
        qualified_name(errs, app_protocol, &path.child("appProtocol"));
    }
}

/// `ValidateServiceClusterIPsRelatedFields`: clusterIP and clusterIPs agree, IP
/// families and the family policy have known values, at most two IPs of different
/// families, each matching its family.
fn cluster_ips_related_fields(errs: &mut Vec<FieldError>, spec: &ServiceSpec) {
    if spec.type_.as_deref() == Some("ExternalName") {
        return;
    }
    let spec_path = FieldPath::new("spec");
    let ips_path = spec_path.child("clusterIPs");
    let families_path = spec_path.child("ipFamilies");
    let cluster_ip = spec.cluster_ip.as_deref().unwrap_or("");
    let ips: &[String] = spec.cluster_ips.as_deref().unwrap_or_default();
    let ips_value = || FieldValue::json(&spec.cluster_ips);
    if !cluster_ip.is_empty() {
        match ips.first() {
            None => errs.push(FieldError::required(&ips_path, "")),
            Some(first) if first != cluster_ip => {
                errs.push(FieldError::invalid(
                    &ips_path,
                    ips_value(),
                    "first value must match `clusterIP`",
                ));
            }
            Some(_) => {}
        }
    } else if !ips.is_empty() {
        errs.push(FieldError::invalid(
            &ips_path,
            ips_value(),
            "must be empty when `clusterIP` is not specified",
        ));
    }

    let families: &[String] = spec.ip_families.as_deref().unwrap_or_default();
    let mut seen: HashSet<&str> = HashSet::new();
    for (i, family) in families.iter().enumerate() {
        if family != "IPv4" && family != "IPv6" {
            errs.push(FieldError::not_supported(
                families_path.index(i),
                family.as_str(),
                &["IPv4", "IPv6"],
            ));
        }
        if !seen.insert(family) {
            errs.push(FieldError::duplicate(families_path.index(i), family.as_str()));
        }
    }

    if let Some(policy) = spec.ip_family_policy.as_deref()
        && !matches!(policy, "SingleStack" | "PreferDualStack" | "RequireDualStack")
    {
        errs.push(FieldError::not_supported(
            spec_path.child("ipFamilyPolicy"),
            policy,
            &["PreferDualStack", "RequireDualStack", "SingleStack"],
        ));
    }

    let mut invalid_ips = false;
    for (i, ip) in ips.iter().enumerate() {
        if i == 0 && ip == "None" {
            if ips.len() > 1 {
                invalid_ips = true;
                errs.push(FieldError::invalid(
                    &ips_path,
                    ips_value(),
                    "'None' must be the first and only value",
                ));
            }
            continue;
        }
        invalid_ips |= !valid_ip(errs, ip, &ips_path.index(i));
    }
    if ips.len() > 2 {
        errs.push(FieldError::invalid(
            &ips_path,
            ips_value(),
            "may only hold up to 2 values",
        ));
    }
    // Bad IPs would only skew the family checks below.
    if invalid_ips {
        return;
    }
    if ips.len() > 1 {
        // `IsDualStackIPStrings`: IPs of both families.
        let v4 = ips
            .iter()
            .filter(|ip| parse_ip(ip).is_some_and(|ip| is_ipv4(&ip)))
            .count();
        if v4 == 0 || v4 == ips.len() {
            errs.push(FieldError::invalid(
                &ips_path,
                ips_value(),
                "may specify no more than one IP for each IP family",
            ));
        }
    }
    if !is_headless(spec) {
        for (i, (ip, family)) in ips.iter().zip(families).enumerate() {
            let is_v6 = parse_ip(ip).is_some_and(|ip| !is_ipv4(&ip));
            if family == "IPv4" && is_v6 {
                errs.push(FieldError::invalid(
                    ips_path.index(i),
                    ip.as_str(),
                    format!("expected an IPv4 value as indicated by `ipFamilies[{i}]`"),
                ));
            }
            if family == "IPv6" && !is_v6 {
                errs.push(FieldError::invalid(
                    ips_path.index(i),
                    ip.as_str(),
                    format!("expected an IPv6 value as indicated by `ipFamilies[{i}]`"),
                ));
            }
        }
    }
}

/// `validateUpgradeDowngradeClusterIPs`: cluster IPs may gain or lose a secondary IP
/// (the latter only when going single-stack), never change — except from, to or as an
/// ExternalName service, and between headless services.
fn upgrade_downgrade_cluster_ips(errs: &mut Vec<FieldError>, old: &ServiceSpec, new: &ServiceSpec) {
    if new.type_.as_deref() == Some("ExternalName") || old.type_.as_deref() == Some("ExternalName") {
        return;
    }
    if is_headless(old) && is_headless(new) {
        return;
    }
    let path = FieldPath::new("spec").child("clusterIPs");
    let old_ips: &[String] = old.cluster_ips.as_deref().unwrap_or_default();
    let new_ips: &[String] = new.cluster_ips.as_deref().unwrap_or_default();
    let value = || FieldValue::json(&new.cluster_ips);
    if old_ips.len() == new_ips.len() {
        for (i, (old_ip, new_ip)) in old_ips.iter().zip(new_ips).enumerate() {
            if old_ip != new_ip {
                errs.push(FieldError::invalid(path.index(i), value(), "may not change once set"));
            }
        }
    } else if old_ips.len() > new_ips.len() {
        if new_ips.is_empty() {
            errs.push(FieldError::invalid(
                path.index(0),
                value(),
                "primary clusterIP can not be unset",
            ));
        }
        if let (Some(o), Some(n)) = (old_ips.first(), new_ips.first())
            && o != n
        {
            errs.push(FieldError::invalid(path.index(0), value(), "may not change once set"));
        }
        if new_ips.len() == 1 && new.ip_family_policy.as_deref() != Some("SingleStack") {
            errs.push(FieldError::invalid(
                "spec.ipFamilyPolicy",
                FieldValue::json(&new.ip_family_policy),
                "must be set to 'SingleStack' when releasing the secondary clusterIP",
            ));
        }
    } else if let (Some(o), Some(n)) = (old_ips.first(), new_ips.first())
        && o != n
    {
        errs.push(FieldError::invalid(path.index(0), value(), "may not change once set"));
    }
}

/// `validateUpgradeDowngradeIPFamilies`, the same for IP families. Upstream reports
/// the cluster IPs (not the families) as the bad value in two of these errors, and
/// checks `clusterIPs` for the "primary ipFamily" one; both kept.
fn upgrade_downgrade_ip_families(errs: &mut Vec<FieldError>, old: &ServiceSpec, new: &ServiceSpec) {
    if new.type_.as_deref() == Some("ExternalName") || old.type_.as_deref() == Some("ExternalName") {
        return;
    }
    if is_headless(old) || is_headless(new) {
        return;
    }
    let path = FieldPath::new("spec").child("ipFamilies").index(0);
    let old_families: &[String] = old.ip_families.as_deref().unwrap_or_default();
    let new_families: &[String] = new.ip_families.as_deref().unwrap_or_default();
    if old_families.len() == new_families.len() {
        for (o, n) in old_families.iter().zip(new_families) {
            if o != n {
                errs.push(FieldError::invalid(
                    &path,
                    FieldValue::json(&new.ip_families),
                    "may not change once set",
                ));
            }
        }
    } else if old_families.len() > new_families.len() {
        if new.cluster_ips.as_ref().is_none_or(|ips| ips.is_empty()) {
            errs.push(FieldError::invalid(
                &path,
                FieldValue::json(&new.ip_families),
                "primary ipFamily can not be unset",
            ));
        }
        if let (Some(n), Some(o)) = (new_families.first(), old_families.first())
            && n != o
        {
            errs.push(FieldError::invalid(
                &path,
                FieldValue::json(&new.cluster_ips),
                "may not change once set",
            ));
        }
        if new_families.len() == 1 && new.ip_family_policy.as_deref() != Some("SingleStack") {
            errs.push(FieldError::invalid(
                "spec.ipFamilyPolicy",
                FieldValue::json(&new.ip_family_policy),
                "must be set to 'SingleStack' when releasing the secondary ipFamily",
            ));
        }
    } else if let (Some(o), Some(n)) = (old_families.first(), new_families.first())
        && o != n
    {
        errs.push(FieldError::invalid(
            &path,
            FieldValue::json(&new.cluster_ips),
            "may not change once set",
        ));
    }
}

/// `validateLoadBalancerClassField`: a qualified name, only on LoadBalancers, and fixed
/// while the service stays one.
fn load_balancer_class(errs: &mut Vec<FieldError>, old: Option<&ServiceSpec>, new: &ServiceSpec) {
    let path = FieldPath::new("spec").child("loadBalancerClass");
    let is_lb = |spec: &ServiceSpec| spec.type_.as_deref() == Some("LoadBalancer");
    if let Some(old) = old
        && is_lb(old)
        && is_lb(new)
        && old.load_balancer_class != new.load_balancer_class
    {
        errs.push(FieldError::invalid(
            &path,
            FieldValue::json(&new.load_balancer_class),
            "may not change once set",
        ));
    }
    match &new.load_balancer_class {
        Some(class) if is_lb(new) => qualified_name(errs, class, &path),
        Some(_) => errs.push(FieldError::forbidden(
            &path,
            "may only be used when `type` is 'LoadBalancer'",
        )),
        None => {}
    }
}

/// `validateServiceExternalTrafficPolicy`: the policy on externally reachable services
/// only; a health-check node port exactly when a LoadBalancer keeps traffic local.
fn external_traffic_policy(errs: &mut Vec<FieldError>, spec: &ServiceSpec) {
    let spec_path = FieldPath::new("spec");
    let policy = spec.external_traffic_policy.as_deref().unwrap_or("");
    if !externally_accessible(spec) {
        if !policy.is_empty() {
            errs.push(FieldError::invalid(
                spec_path.child("externalTrafficPolicy"),
                policy,
                "may only be set for externally-accessible services",
            ));
        }
    } else if policy.is_empty() {
        errs.push(FieldError::required(spec_path.child("externalTrafficPolicy"), ""));
    } else if policy != "Cluster" && policy != "Local" {
        errs.push(FieldError::not_supported(
            spec_path.child("externalTrafficPolicy"),
            policy,
            &["Cluster", "Local"],
        ));
    }
    let health_port = spec.health_check_node_port.unwrap_or(0);
    let path = spec_path.child("healthCheckNodePort");
    if !needs_health_check(spec) {
        if health_port != 0 {
            errs.push(FieldError::invalid(
                path,
                health_port,
                "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
            ));
        }
    } else if health_port == 0 {
        errs.push(FieldError::required(path, ""));
    } else {
        errs.extend(validate_port_number(health_port, &path));
    }
}

/// `ValidateLoadBalancerStatus` (with `LoadBalancerIPMode` on, as it is since 1.30):
/// ingress IPs and host names, and the IP mode that goes with an IP.
pub(super) fn load_balancer_status(status: &LoadBalancerStatus, path: &FieldPath, is_lb: bool) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let ingress_path = path.child("ingress");
    let ingress = status.ingress.as_deref().unwrap_or_default();
    if !is_lb && !ingress.is_empty() {
        errs.push(FieldError::forbidden(
            ingress_path,
            "may only be used when `spec.type` is 'LoadBalancer'",
        ));
        return errs;
    }
    for (i, entry) in ingress.iter().enumerate() {
        let here = ingress_path.index(i);
        let ip = entry.ip.as_deref().unwrap_or("");
        if !ip.is_empty() {
            valid_ip(&mut errs, ip, &here.child("ip"));
        }
        match entry.ip_mode.as_deref() {
            None if !ip.is_empty() => errs.push(FieldError::required(
                here.child("ipMode"),
                "must be specified when `ip` is set",
            )),
            None => {}
            Some(_) if ip.is_empty() => errs.push(FieldError::forbidden(
                here.child("ipMode"),
                "may not be specified when `ip` is not set",
            )),
            Some("VIP" | "Proxy") => {}
            Some(other) => errs.push(FieldError::not_supported(
                here.child("ipMode"),
                other,
                &["Proxy", "VIP"],
            )),
        }
        let hostname = entry.hostname.as_deref().unwrap_or("");
        if !hostname.is_empty() {
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
// Endpoints.

fn endpoints(endpoints: &Endpoints) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let path = FieldPath::new("subsets");
    for (i, subset) in endpoints.subsets.iter().flatten().enumerate() {
        let here = path.index(i);
        let addresses = subset.addresses.as_deref().unwrap_or_default();
        let not_ready = subset.not_ready_addresses.as_deref().unwrap_or_default();
        if addresses.is_empty() && not_ready.is_empty() {
            errs.push(FieldError::required(
                &here,
                "must specify `addresses` or `notReadyAddresses`",
            ));
        }
        for (field, list) in [("addresses", addresses), ("notReadyAddresses", not_ready)] {
            for (j, address) in list.iter().enumerate() {
                if !endpoint_address_ok(address) {
                    endpoint_address(&mut errs, address, &here.child(field).index(j));
                }
            }
        }
        let ports = subset.ports.as_deref().unwrap_or_default();
        for (j, port) in ports.iter().enumerate() {
            endpoint_port(&mut errs, port, ports.len() > 1, &here.child("ports").index(j));
        }
    }
    errs
}

/// Whether an IP parses and is not special: the common case, checked without building
/// any field path.
fn plain_ip(ip: &str) -> bool {
    let mut scratch = Vec::new();
    non_special_ip(&mut scratch, ip, &FieldPath::default());
    scratch.is_empty()
}

/// Whether an address passes every check, decided without building field paths (a
/// slice or subset may hold thousands of addresses).
fn endpoint_address_ok(address: &EndpointAddress) -> bool {
    plain_ip(&address.ip)
        && address
            .hostname
            .as_deref()
            .is_none_or(|h| h.is_empty() || is_dns1123_label(h).is_empty())
        && address
            .node_name
            .as_deref()
            .is_none_or(|n| is_dns1123_subdomain(n).is_empty())
}

fn endpoint_address(errs: &mut Vec<FieldError>, address: &EndpointAddress, path: &FieldPath) {
    let ip_path = path.child("ip");
    valid_ip(errs, &address.ip, &ip_path);
    if let Some(hostname) = address.hostname.as_deref().filter(|h| !h.is_empty()) {
        dns_label(errs, hostname, &path.child("hostname"));
    }
    if let Some(node_name) = &address.node_name {
        dns_subdomain(errs, node_name, &path.child("nodeName"));
    }
    // Runs even when the IP did not parse: upstream then reports it twice, in two
    // wordings.
    non_special_ip(errs, &address.ip, &ip_path);
}

fn endpoint_port(errs: &mut Vec<FieldError>, port: &EndpointPort, require_name: bool, path: &FieldPath) {
    let name = port.name.as_deref().unwrap_or("");
    if require_name && name.is_empty() {
        errs.push(FieldError::required(path.child("name"), ""));
    } else if !name.is_empty() {
        dns_label(errs, name, &path.child("name"));
    }
    errs.extend(validate_port_number(port.port, &path.child("port")));
    protocol(errs, port.protocol.as_deref(), &path.child("protocol"));
    if let Some(app_protocol) = &port.app_protocol {
        qualified_name(errs, app_protocol, &path.child("appProtocol"));
    }
}

// ---------------------------------------------------------------------------------
// EndpointSlices.

const MAX_ENDPOINTS: usize = 1000;
const MAX_ADDRESSES: usize = 100;
const MAX_PORTS: usize = 20000;
const MAX_TOPOLOGY_LABELS: usize = 16;
const MAX_ZONE_HINTS: usize = 8;

fn endpoint_slice(new: &EndpointSlice, old: Option<&EndpointSlice>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let address_type = new.address_type.as_str();
    match address_type {
        "" => errs.push(FieldError::required("addressType", "")),
        "IPv4" | "IPv6" | "FQDN" => {}
        other => errs.push(FieldError::not_supported(
            "addressType",
            other,
            &["FQDN", "IPv4", "IPv6"],
        )),
    }
    slice_endpoints(&mut errs, &new.endpoints, address_type);
    slice_ports(&mut errs, new.ports.as_deref().unwrap_or_default());
    if let Some(old) = old {
        errs.extend(immutable(
            &new.address_type,
            &old.address_type,
            &FieldPath::new("addressType"),
        ));
    }
    errs
}

/// Whether an endpoint passes every check, decided without building field paths.
fn slice_endpoint_ok(endpoint: &Endpoint, address_type: &str) -> bool {
    let addresses_ok = !endpoint.addresses.is_empty()
        && endpoint.addresses.len() <= MAX_ADDRESSES
        && endpoint.addresses.iter().all(|address| match address_type {
            "IPv4" | "IPv6" => {
                parse_ip(address).is_some_and(|ip| is_ipv4(&ip) == (address_type == "IPv4")) && plain_ip(address)
            }
            "FQDN" => {
                let mut scratch = Vec::new();
                fully_qualified_domain_name(&mut scratch, address, &FieldPath::default());
                scratch.is_empty()
            }
            _ => true,
        });
    let topology_ok = endpoint.deprecated_topology.as_ref().is_none_or(|t| {
        t.len() <= MAX_TOPOLOGY_LABELS
            && !t.contains_key("topology.kubernetes.io/zone")
            && t.iter()
                .all(|(k, v)| is_qualified_name(k).is_empty() && is_valid_label_value(v).is_empty())
    });
    let hints_ok = endpoint.hints.as_ref().is_none_or(|h| {
        let zones = h.for_zones.as_deref().unwrap_or_default();
        let mut seen: HashSet<&str> = HashSet::new();
        zones.len() <= MAX_ZONE_HINTS
            && zones
                .iter()
                .all(|z| seen.insert(&z.name) && is_valid_label_value(&z.name).is_empty())
    });
    addresses_ok
        && topology_ok
        && hints_ok
        && endpoint
            .node_name
            .as_deref()
            .is_none_or(|n| is_dns1123_subdomain(n).is_empty())
        && endpoint
            .hostname
            .as_deref()
            .is_none_or(|h| is_dns1123_label(h).is_empty())
}

fn slice_endpoints(errs: &mut Vec<FieldError>, endpoints: &[Endpoint], address_type: &str) {
    let path = FieldPath::new("endpoints");
    if endpoints.len() > MAX_ENDPOINTS {
        errs.push(FieldError::too_many(
            &path,
            endpoints.len() as i64,
            MAX_ENDPOINTS as i64,
        ));
        return;
    }
    for (i, endpoint) in endpoints.iter().enumerate() {
        if slice_endpoint_ok(endpoint, address_type) {
            continue;
        }
        let here = path.index(i);
        let addresses_path = here.child("addresses");
        if endpoint.addresses.is_empty() {
            errs.push(FieldError::required(&addresses_path, "must contain at least 1 address"));
        } else if endpoint.addresses.len() > MAX_ADDRESSES {
            errs.push(FieldError::too_many(
                &addresses_path,
                endpoint.addresses.len() as i64,
                MAX_ADDRESSES as i64,
            ));
        }
        for (j, address) in endpoint.addresses.iter().enumerate() {
            let address_path = addresses_path.index(j);
            match address_type {
                "IPv4" | "IPv6" => {
                    let v4 = address_type == "IPv4";
                    if parse_ip(address).is_none_or(|ip| is_ipv4(&ip) != v4) {
                        errs.push(FieldError::invalid(
                            &address_path,
                            address.as_str(),
                            format!("must be a valid {address_type} address"),
                        ));
                    }
                    non_special_ip(errs, address, &address_path);
                }
                "FQDN" => fully_qualified_domain_name(errs, address, &address_path),
                // Unknown types are refused above; their addresses are not checked.
                _ => {}
            }
        }
        if let Some(node_name) = &endpoint.node_name {
            dns_subdomain(errs, node_name, &here.child("nodeName"));
        }
        let topology_path = here.child("deprecatedTopology");
        let topology: &BTreeMap<String, String> = match &endpoint.deprecated_topology {
            Some(topology) => topology,
            None => &BTreeMap::new(),
        };
        if topology.len() > MAX_TOPOLOGY_LABELS {
            errs.push(FieldError::too_many(
                &topology_path,
                topology.len() as i64,
                MAX_TOPOLOGY_LABELS as i64,
            ));
        }
        errs.extend(validate_labels(
            topology.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            &topology_path,
        ));
        // The zone has its own field in v1; upstream's conversion is meant to keep it
        // out of the deprecated map, and validation reports a leftover as its own bug.
        const ZONE: &str = "topology.kubernetes.io/zone";
        if topology.contains_key(ZONE) {
            errs.push(FieldError::internal(
                topology_path.key(ZONE),
                "reserved key was not removed in conversion",
            ));
        }
        if let Some(hostname) = &endpoint.hostname {
            dns_label(errs, hostname, &here.child("hostname"));
        }
        if let Some(hints) = &endpoint.hints {
            let zones_path = here.child("hints").child("forZones");
            let zones = hints.for_zones.as_deref().unwrap_or_default();
            if zones.len() > MAX_ZONE_HINTS {
                errs.push(FieldError::too_many(
                    &zones_path,
                    zones.len() as i64,
                    MAX_ZONE_HINTS as i64,
                ));
                continue;
            }
            let mut seen: HashSet<&str> = HashSet::new();
            for (j, zone) in zones.iter().enumerate() {
                let zone_path = zones_path.index(j).child("name");
                if !seen.insert(&zone.name) {
                    errs.push(FieldError::duplicate(&zone_path, zone.name.as_str()));
                }
                label_value(errs, &zone.name, &zone_path);
            }
        }
    }
}

fn slice_ports(errs: &mut Vec<FieldError>, ports: &[SlicePort]) {
    let path = FieldPath::new("ports");
    if ports.len() > MAX_PORTS {
        errs.push(FieldError::too_many(&path, ports.len() as i64, MAX_PORTS as i64));
        return;
    }
    let mut names: HashSet<&str> = HashSet::new();
    for (i, port) in ports.iter().enumerate() {
        let here = path.index(i);
        // Defaulting makes the name "" when unset.
        let name = port.name.as_deref().unwrap_or("");
        if !name.is_empty() {
            dns_label(errs, name, &here.child("name"));
        }
        if !names.insert(name) {
            errs.push(FieldError::duplicate(here.child("name"), name));
        }
        match port.protocol.as_deref() {
            None => errs.push(FieldError::required(here.child("protocol"), "")),
            Some("TCP" | "UDP" | "SCTP") => {}
            Some(other) => errs.push(FieldError::not_supported(here.child("protocol"), other, &PROTOCOLS)),
        }
        if let Some(app_protocol) = &port.app_protocol {
            qualified_name(errs, app_protocol, &here.child("appProtocol"));
        }
    }
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

    fn svc(spec: Value) -> Value {
        json!({"metadata": {"name": "web", "namespace": "default"}, "spec": spec})
    }

    /// A defaulted, allocated ClusterIP service, with `extra` merged into its spec.
    fn cluster_ip(extra: Value) -> Value {
        let mut spec = json!({
            "type": "ClusterIP", "sessionAffinity": "None", "internalTrafficPolicy": "Cluster",
            "clusterIP": "10.0.0.10", "clusterIPs": ["10.0.0.10"], "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "selector": {"app": "web"},
            "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}],
        });
        if let (Some(spec), Some(extra)) = (spec.as_object_mut(), extra.as_object()) {
            for (k, v) in extra {
                if v.is_null() {
                    spec.remove(k);
                } else {
                    spec.insert(k.clone(), v.clone());
                }
            }
        }
        svc(spec)
    }

    #[test]
    fn sloppy_ip_and_cidr_parsing() {
        for good in [
            "10.0.0.1",
            "010.001.0.1",
            "::1",
            "2001:db8::ffff",
            "::ffff:1.2.3.4",
            "1::",
            "::",
        ] {
            assert!(parse_ip(good).is_some(), "{good}");
        }
        for bad in [
            "",
            "1.2.3",
            "1.2.3.256",
            "1.2.3.4.5",
            "::1::",
            "fe80::1%eth0",
            "1:2:3:4:5:6:7:8:9",
            "abc",
        ] {
            assert!(parse_ip(bad).is_none(), "{bad}");
        }
        assert_eq!(parse_ip("010.1.1.1"), Some("10.1.1.1".parse().unwrap()));
        assert!(is_ipv4(&parse_ip("::ffff:1.2.3.4").unwrap()));
        let cidr = parse_cidr("10.1.2.3/16").unwrap();
        assert_eq!(cidr.network(), "10.1.0.0".parse::<IpAddr>().unwrap());
        assert!(cidr.contains(&parse_cidr("10.1.9.0/24").unwrap()));
        assert!(!cidr.contains(&parse_cidr("10.2.0.0/24").unwrap()));
        assert!(!cidr.contains(&parse_cidr("10.0.0.0/8").unwrap()));
        for bad in ["10.0.0.0", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/a"] {
            assert!(parse_cidr(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn valid_services() {
        let valid = [
            cluster_ip(json!({})),
            cluster_ip(json!({"clusterIP": "None", "clusterIPs": ["None"], "ports": null})),
            cluster_ip(json!({"ports": [
                {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"},
                {"name": "dns", "port": 53, "targetPort": 53, "protocol": "UDP", "appProtocol": "kubernetes.io/h2c"},
            ]})),
            cluster_ip(
                json!({"clusterIPs": ["10.0.0.10", "fd00::10"], "ipFamilies": ["IPv4", "IPv6"],
                "ipFamilyPolicy": "RequireDualStack"}),
            ),
            cluster_ip(json!({"sessionAffinity": "ClientIP",
                "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 10800}}})),
            cluster_ip(json!({"type": "NodePort", "externalTrafficPolicy": "Cluster",
                "ports": [{"port": 80, "targetPort": 80, "protocol": "TCP", "nodePort": 30080}]})),
            cluster_ip(
                json!({"type": "LoadBalancer", "externalTrafficPolicy": "Local", "healthCheckNodePort": 32000,
                "allocateLoadBalancerNodePorts": true, "loadBalancerClass": "example.com/lb",
                "loadBalancerSourceRanges": [" 10.0.0.0/8 "]}),
            ),
            svc(json!({"type": "ExternalName", "externalName": "db.example.com.", "sessionAffinity": "None"})),
        ];
        for service in valid {
            assert_eq!(
                messages("", "Service", service.clone(), None),
                Vec::<String>::new(),
                "{service}"
            );
        }
    }

    #[test]
    fn invalid_services() {
        let cases: Vec<(Value, Vec<&str>)> = vec![
            (cluster_ip(json!({"ports": null})), vec!["spec.ports: Required value"]),
            (
                cluster_ip(json!({"ports": [
                    {"port": 80, "targetPort": 80, "protocol": "TCP"},
                    {"name": "Web", "port": 0, "targetPort": "a--b", "protocol": "HTTP"},
                    {"name": "dup", "port": 80, "targetPort": 70000, "protocol": "TCP"},
                ]})),
                vec![
                    "spec.ports[0].name: Required value",
                    "spec.ports[1].name: Invalid value: \"Web\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                    "spec.ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive",
                    "spec.ports[1].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
                    "spec.ports[1].targetPort: Invalid value: \"a--b\": must not contain consecutive hyphens",
                    "spec.ports[2].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
                    "spec.ports[2]: Duplicate value: {\"Name\":\"\",\"Protocol\":\"TCP\",\"AppProtocol\":null,\"Port\":80,\"TargetPort\":0,\"NodePort\":0}",
                ],
            ),
            (
                cluster_ip(json!({"ports": [
                    {"name": "a", "port": 80, "targetPort": 80, "protocol": "TCP", "nodePort": 30000},
                    {"name": "a", "port": 81, "targetPort": 80, "protocol": "TCP", "nodePort": 30000},
                ]})),
                vec![
                    "spec.ports[1].name: Duplicate value: \"a\"",
                    "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
                    "spec.ports[1].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
                    "spec.ports[1].nodePort: Duplicate value: 30000",
                ],
            ),
            (
                cluster_ip(json!({"selector": {"app": "no way"}, "sessionAffinity": "Sticky", "type": "Magic"})),
                vec![
                    "spec.selector: Invalid value: \"no way\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
                    "spec.sessionAffinity: Unsupported value: \"Sticky\": supported values: \"ClientIP\", \"None\"",
                    "spec.type: Unsupported value: \"Magic\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"",
                ],
            ),
            (
                cluster_ip(json!({"sessionAffinity": "ClientIP",
                    "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 86401}}})),
                vec![
                    "spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400",
                ],
            ),
            (
                cluster_ip(json!({"sessionAffinity": "ClientIP"})),
                vec!["spec.sessionAffinityConfig: Required value: when session affinity type is ClientIP"],
            ),
            (
                cluster_ip(json!({"sessionAffinityConfig": {"clientIP": {}}})),
                vec!["spec.sessionAffinityConfig: Forbidden: must not be set when session affinity is None"],
            ),
            (
                cluster_ip(json!({"clusterIP": "10.0.0.10", "clusterIPs": ["10.0.0.11"]})),
                vec!["spec.clusterIPs: Invalid value: [\"10.0.0.11\"]: first value must match `clusterIP`"],
            ),
            (
                cluster_ip(json!({"clusterIP": "10.0.0.10", "clusterIPs": null})),
                vec!["spec.clusterIPs: Required value"],
            ),
            (
                cluster_ip(json!({"clusterIP": "300.0.0.1", "clusterIPs": ["300.0.0.1", "None", "10.1.1.1"]})),
                vec![
                    "spec.clusterIPs[0]: Invalid value: \"300.0.0.1\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
                    "spec.clusterIPs[1]: Invalid value: \"None\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
                    "spec.clusterIPs: Invalid value: [\"300.0.0.1\",\"None\",\"10.1.1.1\"]: may only hold up to 2 values",
                ],
            ),
            (
                cluster_ip(
                    json!({"clusterIPs": ["10.0.0.10", "10.0.0.11"], "ipFamilies": ["IPv4", "IPv4", "IPv5"],
                    "ipFamilyPolicy": "Dual"}),
                ),
                vec![
                    "spec.ipFamilies[1]: Duplicate value: \"IPv4\"",
                    "spec.ipFamilies[2]: Unsupported value: \"IPv5\": supported values: \"IPv4\", \"IPv6\"",
                    "spec.ipFamilyPolicy: Unsupported value: \"Dual\": supported values: \"PreferDualStack\", \"RequireDualStack\", \"SingleStack\"",
                    "spec.clusterIPs: Invalid value: [\"10.0.0.10\",\"10.0.0.11\"]: may specify no more than one IP for each IP family",
                ],
            ),
            (
                cluster_ip(json!({"ipFamilies": ["IPv6"]})),
                vec![
                    "spec.clusterIPs[0]: Invalid value: \"10.0.0.10\": expected an IPv6 value as indicated by `ipFamilies[0]`",
                ],
            ),
            (
                cluster_ip(json!({"externalIPs": ["127.0.0.1", "nope"]})),
                vec![
                    "spec.externalIPs[0]: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)",
                    "spec.externalIPs[1]: Invalid value: \"nope\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
                    "spec.externalTrafficPolicy: Required value",
                ],
            ),
            (
                cluster_ip(json!({"externalTrafficPolicy": "Local", "healthCheckNodePort": 31000,
                    "loadBalancerSourceRanges": ["10.0.0.0/33"], "allocateLoadBalancerNodePorts": false,
                    "loadBalancerClass": "x"})),
                vec![
                    "spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'",
                    "spec.LoadBalancerSourceRanges[0]: Invalid value: \"10.0.0.0/33\": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
                    "spec.allocateLoadBalancerNodePorts: Forbidden: may only be used when `type` is 'LoadBalancer'",
                    "spec.loadBalancerClass: Forbidden: may only be used when `type` is 'LoadBalancer'",
                    "spec.externalTrafficPolicy: Invalid value: \"Local\": may only be set for externally-accessible services",
                    "spec.healthCheckNodePort: Invalid value: 31000: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
                ],
            ),
            (
                cluster_ip(json!({"type": "LoadBalancer", "externalTrafficPolicy": "Local",
                    "clusterIP": "None", "clusterIPs": ["None"], "internalTrafficPolicy": "Everywhere",
                    "trafficDistribution": "Nearest"})),
                vec![
                    "spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for LoadBalancer services",
                    "allocateLoadBalancerNodePorts: Required value",
                    "spec.healthCheckNodePort: Required value",
                    "spec.internalTrafficPolicy: Unsupported value: \"Everywhere\": supported values: \"Cluster\", \"Local\"",
                    "spec.trafficDistribution: Unsupported value: \"Nearest\": supported values: \"PreferClose\"",
                ],
            ),
            (
                cluster_ip(json!({"type": "NodePort", "internalTrafficPolicy": null})),
                vec![
                    "spec.externalTrafficPolicy: Required value",
                    "spec.internalTrafficPolicy: Required value",
                ],
            ),
            (
                svc(
                    json!({"type": "ExternalName", "sessionAffinity": "None", "clusterIPs": ["10.0.0.1"],
                    "clusterIP": "10.0.0.1", "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                    "externalName": "Bad_Name"}),
                ),
                vec![
                    "spec.clusterIPs: Forbidden: may not be set for ExternalName services",
                    "spec.ipFamilies: Forbidden: may not be set for ExternalName services",
                    "spec.ipFamilyPolicy: Forbidden: may not be set for ExternalName services",
                    "spec.externalName: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                ],
            ),
            (
                svc(json!({"type": "ExternalName", "sessionAffinity": "None"})),
                vec!["spec.externalName: Required value"],
            ),
            (
                json!({"metadata": {"name": "web", "annotations": {
                    "service.kubernetes.io/topology-mode": "Auto",
                    "service.kubernetes.io/topology-aware-hints": "Disabled",
                    "service.beta.kubernetes.io/load-balancer-source-ranges": "10.0.0.0/8, bad"}},
                    "spec": cluster_ip(json!({}))["spec"].clone()}),
                vec![
                    "metadata.annotations[service.kubernetes.io/topology-mode]: Invalid value: \"Auto\": must match annotations[service.kubernetes.io/topology-aware-hints] when both are specified",
                    "metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]: Forbidden: may only be used when `type` is 'LoadBalancer'",
                    "metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]: Invalid value: \"bad\": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
                ],
            ),
        ];
        for (service, want) in cases {
            assert_eq!(messages("", "Service", service.clone(), None), want, "{service}");
        }
    }

    #[test]
    fn service_updates() {
        let old = cluster_ip(json!({}));
        assert!(messages("", "Service", old.clone(), Some(old.clone())).is_empty());
        let moved = cluster_ip(json!({"clusterIP": "10.0.0.11", "clusterIPs": ["10.0.0.11"]}));
        assert_eq!(
            messages("", "Service", moved, Some(old.clone())),
            ["spec.clusterIPs[0]: Invalid value: [\"10.0.0.11\"]: may not change once set"]
        );
        // Gaining a secondary IP and family is an upgrade; losing it needs SingleStack.
        let dual = cluster_ip(
            json!({"clusterIPs": ["10.0.0.10", "fd00::10"], "ipFamilies": ["IPv4", "IPv6"],
            "ipFamilyPolicy": "PreferDualStack"}),
        );
        assert!(messages("", "Service", dual.clone(), Some(old.clone())).is_empty());
        let downgraded = cluster_ip(json!({"ipFamilyPolicy": "PreferDualStack"}));
        assert_eq!(
            messages("", "Service", downgraded, Some(dual)),
            [
                "spec.ipFamilyPolicy: Invalid value: \"PreferDualStack\": must be set to 'SingleStack' when releasing the secondary clusterIP",
                "spec.ipFamilyPolicy: Invalid value: \"PreferDualStack\": must be set to 'SingleStack' when releasing the secondary ipFamily",
            ]
        );
        let v6 = cluster_ip(json!({"clusterIP": "fd00::10", "clusterIPs": ["fd00::10"], "ipFamilies": ["IPv6"]}));
        assert_eq!(
            messages("", "Service", v6, Some(old.clone())),
            [
                "spec.clusterIPs[0]: Invalid value: [\"fd00::10\"]: may not change once set",
                "spec.ipFamilies[0]: Invalid value: [\"IPv6\"]: may not change once set",
            ]
        );
        let unset = cluster_ip(json!({"clusterIP": null, "clusterIPs": null, "ipFamilies": null}));
        assert_eq!(
            messages("", "Service", unset, Some(old.clone())),
            [
                "spec.clusterIPs[0]: Invalid value: null: primary clusterIP can not be unset",
                "spec.ipFamilies[0]: Invalid value: null: primary ipFamily can not be unset",
            ]
        );
        // To and from ExternalName, the cluster IPs may go and come.
        let external =
            svc(json!({"type": "ExternalName", "externalName": "db.example.com", "sessionAffinity": "None"}));
        assert!(messages("", "Service", external.clone(), Some(old.clone())).is_empty());
        assert!(messages("", "Service", old.clone(), Some(external)).is_empty());

        let lb = |class: &str, port: i32| {
            cluster_ip(
                json!({"type": "LoadBalancer", "externalTrafficPolicy": "Local", "healthCheckNodePort": port,
                "allocateLoadBalancerNodePorts": true, "loadBalancerClass": class}),
            )
        };
        assert_eq!(
            messages("", "Service", lb("b.io/x", 32001), Some(lb("a.io/x", 32000))),
            [
                "spec.loadBalancerClass: Invalid value: \"b.io/x\": may not change once set",
                "spec.healthCheckNodePort: Forbidden: field is immutable",
            ]
        );
    }

    #[test]
    fn service_status() {
        let status = |spec_type: &str, ingress: Value| {
            json!({"metadata": {"name": "web"}, "spec": {"type": spec_type},
                "status": {"loadBalancer": {"ingress": ingress}}})
        };
        let check = |object: Value| -> Vec<String> {
            validate_status("", "Service", &object, &object)
                .unwrap_or_default()
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        assert!(
            check(status(
                "LoadBalancer",
                json!([{"ip": "1.2.3.4", "ipMode": "VIP"}, {"hostname": "lb.example.com"}])
            ))
            .is_empty()
        );
        assert_eq!(
            check(status("ClusterIP", json!([{"ip": "1.2.3.4"}]))),
            ["status.loadBalancer.ingress: Forbidden: may only be used when `spec.type` is 'LoadBalancer'"]
        );
        assert_eq!(
            check(status(
                "LoadBalancer",
                json!([{"ip": "1.2.3"}, {"ipMode": "VIP"}, {"ip": "1.1.1.1", "ipMode": "Direct", "hostname": "1.2.3.4"}])
            )),
            [
                "status.loadBalancer.ingress[0].ip: Invalid value: \"1.2.3\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
                "status.loadBalancer.ingress[0].ipMode: Required value: must be specified when `ip` is set",
                "status.loadBalancer.ingress[1].ipMode: Forbidden: may not be specified when `ip` is not set",
                "status.loadBalancer.ingress[2].ipMode: Unsupported value: \"Direct\": supported values: \"Proxy\", \"VIP\"",
                "status.loadBalancer.ingress[2].hostname: Invalid value: \"1.2.3.4\": must be a DNS name, not an IP address",
            ]
        );
    }

    #[test]
    fn endpoints() {
        let eps = |subsets: Value| json!({"metadata": {"name": "web"}, "subsets": subsets});
        let good = eps(
            json!([{"addresses": [{"ip": "10.1.0.5", "hostname": "web-0", "nodeName": "node-1"}],
            "notReadyAddresses": [{"ip": "fd00::5"}],
            "ports": [{"name": "http", "port": 80, "protocol": "TCP"}, {"name": "dns", "port": 53, "protocol": "UDP"}]}]),
        );
        assert!(messages("", "Endpoints", good.clone(), Some(good)).is_empty());
        let bad = eps(json!([
            {"ports": [{"port": 80, "protocol": "TCP"}]},
            {"addresses": [{"ip": "169.254.1.1", "hostname": "Web"}, {"ip": "x"}],
             "ports": [{"port": 80, "protocol": "TCP"}, {"name": "b", "port": 0, "protocol": "ICMP", "appProtocol": "-x"}]},
        ]));
        assert_eq!(
            messages("", "Endpoints", bad, None),
            [
                "subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`",
                "subsets[1].addresses[0].hostname: Invalid value: \"Web\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                "subsets[1].addresses[0].ip: Invalid value: \"169.254.1.1\": may not be in the link-local range (169.254.0.0/16, fe80::/10)",
                "subsets[1].addresses[1].ip: Invalid value: \"x\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
                "subsets[1].addresses[1].ip: Invalid value: \"x\": must be a valid IP address",
                "subsets[1].ports[0].name: Required value",
                "subsets[1].ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive",
                "subsets[1].ports[1].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
                "subsets[1].ports[1].appProtocol: Invalid value: \"-x\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
            ]
        );
    }

    #[test]
    fn endpoint_slices() {
        let slice = |address_type: &str, endpoints: Value, ports: Value| {
            json!({"metadata": {"name": "web-abc", "labels": {"kubernetes.io/service-name": "web"}},
                "addressType": address_type, "endpoints": endpoints, "ports": ports})
        };
        let good = slice(
            "IPv4",
            json!([{"addresses": ["10.1.0.5"], "nodeName": "node-1", "zone": "a",
                "hints": {"forZones": [{"name": "a"}]}}]),
            json!([{"name": "http", "port": 80, "protocol": "TCP"}, {"name": "", "port": 53, "protocol": "UDP"}]),
        );
        assert!(messages("discovery.k8s.io", "EndpointSlice", good.clone(), Some(good.clone())).is_empty());
        assert!(
            messages(
                "discovery.k8s.io",
                "EndpointSlice",
                slice("FQDN", json!([{"addresses": ["db.example.com"]}]), json!([])),
                None
            )
            .is_empty()
        );
        assert_eq!(
            messages(
                "discovery.k8s.io",
                "EndpointSlice",
                slice(
                    "IPv6",
                    json!([
                        {"addresses": []},
                        {"addresses": ["10.1.0.5", "::1"], "hostname": "a.b",
                         "deprecatedTopology": {"topology.kubernetes.io/zone": "a"},
                         "hints": {"forZones": [{"name": "a"}, {"name": "a"}]}},
                    ]),
                    json!([{"name": "http", "port": 80, "protocol": "TCP"}, {"name": "http", "port": 81},
                        {"name": "x", "protocol": "HTTP"}])
                ),
                Some(good)
            ),
            [
                "endpoints[0].addresses: Required value: must contain at least 1 address",
                "endpoints[1].addresses[0]: Invalid value: \"10.1.0.5\": must be a valid IPv6 address",
                "endpoints[1].addresses[1]: Invalid value: \"::1\": may not be in the loopback range (127.0.0.0/8, ::1/128)",
                "endpoints[1].deprecatedTopology[topology.kubernetes.io/zone]: Internal error: reserved key was not removed in conversion",
                "endpoints[1].hostname: Invalid value: \"a.b\": must not contain dots",
                "endpoints[1].hints.forZones[1].name: Duplicate value: \"a\"",
                "ports[1].name: Duplicate value: \"http\"",
                "ports[1].protocol: Required value",
                "ports[2].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
                "addressType: Invalid value: \"IPv6\": field is immutable",
            ]
        );
        assert_eq!(
            messages(
                "discovery.k8s.io",
                "EndpointSlice",
                slice("IP", json!([{"addresses": ["db"]}]), json!([])),
                None
            ),
            ["addressType: Unsupported value: \"IP\": supported values: \"FQDN\", \"IPv4\", \"IPv6\""]
        );
        assert_eq!(
            messages(
                "discovery.k8s.io",
                "EndpointSlice",
                slice("FQDN", json!([{"addresses": ["db", "a.-b"]}]), json!([])),
                None
            ),
            [
                "endpoints[0].addresses[0]: Invalid value: \"db\": should be a domain with at least two segments separated by dots",
                "endpoints[0].addresses[1]: Invalid value: \"a.-b\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            ]
        );
        let many: Vec<Value> = (0..1001).map(|_| json!({"addresses": ["10.0.0.1"]})).collect();
        assert_eq!(
            messages(
                "discovery.k8s.io",
                "EndpointSlice",
                slice("IPv4", json!(many), json!([])),
                None
            ),
            ["endpoints: Too many: 1001: must have at most 1000 items"]
        );
    }
}
