//! The pod spec as a whole (`ValidatePodSpec`): it runs the volume, container,
//! scheduling and security rules and checks the spec's own fields — restart and DNS
//! policies, DNS config, host network ports, names (host, subdomain, node, service
//! account, priority and runtime classes), deadlines, readiness and scheduling gates,
//! host aliases, overhead and OS. Rules run in upstream's order, so a response lists
//! its causes as upstream's does.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use k8s_openapi::api::core::v1::{PodDNSConfig, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::containers::{self, Ctx, go_strings, host_port};
use super::{Options, resources, scheduling, security, text, volumes};
use crate::field_error::{FieldError, FieldPath};
use crate::validation::{is_dns1123_label, is_dns1123_subdomain, is_qualified_name, max_len_chars_error, regex_error};

/// The restart policy after defaulting (`Always` when empty).
pub(super) fn restart_policy(spec: &PodSpec) -> &str {
    spec.restart_policy
        .as_deref()
        .filter(|p| !p.is_empty())
        .unwrap_or("Always")
}

/// The service account a v1 spec names: `serviceAccountName`, or the deprecated
/// `serviceAccount` when that is empty (as upstream's conversion reads them).
pub(super) fn service_account_name(spec: &PodSpec) -> &str {
    match text(&spec.service_account_name) {
        "" => text(&spec.service_account),
        name => name,
    }
}

/// `ValidatePodSpec`. `pod` is the pod's metadata when the spec is a pod's (generic
/// ephemeral volumes name their claims after the pod), `None` in templates.
pub(super) fn pod_spec(
    spec: &PodSpec,
    pod: Option<&ObjectMeta>,
    path: &FieldPath,
    opts: &Options,
    errs: &mut Vec<FieldError>,
) {
    // Defaulted to 30 when absent, so never "required" for a v1 object.
    let grace = Some(spec.termination_grace_period_seconds.unwrap_or(30));
    let host_users = spec.host_users != Some(false);
    let restart = restart_policy(spec);

    let volume_list = spec.volumes.as_deref().unwrap_or_default();
    let pod_name = pod.and_then(|m| m.name.as_deref());
    let valid_volumes = volumes::volumes(volume_list, pod_name, &path.child("volumes"), opts, errs);
    let claims: BTreeSet<&str> = spec
        .resource_claims
        .iter()
        .flatten()
        .map(|c| c.name.as_str())
        .filter(|n| !n.is_empty())
        .collect();
    pod_resource_claims(spec, &path.child("resourceClaims"), errs);
    let ctx = Ctx {
        opts,
        volumes: &valid_volumes,
        claims: &claims,
        grace,
        restart_policy: restart,
        host_users,
        default_host_ports: opts.resource_is_pod && spec.host_network == Some(true),
    };
    let init = spec.init_containers.as_deref().unwrap_or_default();
    containers::containers(&spec.containers, &ctx, &path.child("containers"), errs);
    containers::init_containers(init, &spec.containers, &ctx, &path.child("initContainers"), errs);
    containers::ephemeral_containers(
        spec.ephemeral_containers.as_deref().unwrap_or_default(),
        &spec.containers,
        init,
        &ctx,
        &path.child("ephemeralContainers"),
        errs,
    );
    // PodLevelResources is alpha in 1.33: upstream drops `spec.resources`.

    host_network_ports(spec, opts, path, errs);
    if !matches!(restart, "Always" | "OnFailure" | "Never") {
        errs.push(FieldError::not_supported(
            path.child("restartPolicy"),
            restart,
            &["Always", "OnFailure", "Never"],
        ));
    }
    let dns_policy = spec
        .dns_policy
        .as_deref()
        .filter(|p| !p.is_empty())
        .unwrap_or("ClusterFirst");
    if !matches!(
        dns_policy,
        "ClusterFirstWithHostNet" | "ClusterFirst" | "Default" | "None"
    ) {
        errs.push(FieldError::not_supported(
            path.child("dnsPolicy"),
            dns_policy,
            &["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"],
        ));
    }
    if let Some(selector) = &spec.node_selector {
        errs.extend(crate::validation::validate_labels(
            selector.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            &path.child("nodeSelector"),
        ));
    }
    security::pod_security_context(spec, opts, &path.child("securityContext"), errs);
    // `imagePullSecrets` entries only have a name in v1: nothing else can be set.
    if let Some(affinity) = &spec.affinity {
        scheduling::affinity(affinity, opts, &path.child("affinity"), errs);
    }
    dns_config(spec.dns_config.as_ref(), dns_policy, &path.child("dnsConfig"), errs);
    for (i, gate) in spec.readiness_gates.iter().flatten().enumerate() {
        let here = path.child("readinessGates").index(i).child("conditionType");
        for msg in is_qualified_name(&gate.condition_type) {
            errs.push(FieldError::invalid(&here, gate.condition_type.as_str(), msg));
        }
    }
    if let Some(gates) = &spec.scheduling_gates {
        scheduling::scheduling_gates(gates, &path.child("schedulingGates"), errs);
    }
    if let Some(constraints) = &spec.topology_spread_constraints {
        scheduling::topology_spread(constraints, opts, &path.child("topologySpreadConstraints"), errs);
    }
    security::windows_host_process(spec, path, errs);
    security::host_users(spec, path, errs);
    subdomain_name(service_account_name(spec), &path.child("serviceAccountName"), errs);
    subdomain_name(text(&spec.node_name), &path.child("nodeName"), errs);
    if let Some(deadline) = spec.active_deadline_seconds
        && !(1..=i64::from(i32::MAX)).contains(&deadline)
    {
        errs.push(FieldError::invalid(
            path.child("activeDeadlineSeconds"),
            deadline,
            "must be between 1 and 2147483647, inclusive",
        ));
    }
    label_name(text(&spec.hostname), &path.child("hostname"), errs);
    label_name(text(&spec.subdomain), &path.child("subdomain"), errs);
    if let Some(list) = spec.tolerations.as_deref().filter(|t| !t.is_empty()) {
        scheduling::tolerations(list, &path.child("tolerations"), errs);
    }
    for (i, alias) in spec.host_aliases.iter().flatten().enumerate() {
        let here = path.child("hostAliases").index(i);
        ip(&alias.ip, &here.child("ip"), errs);
        for (j, hostname) in alias.hostnames.iter().flatten().enumerate() {
            for msg in is_dns1123_subdomain(hostname) {
                errs.push(FieldError::invalid(
                    here.child("hostnames").index(j),
                    hostname.as_str(),
                    msg,
                ));
            }
        }
    }
    subdomain_name(text(&spec.priority_class_name), &path.child("priorityClassName"), errs);
    if let Some(class) = spec.runtime_class_name.as_deref() {
        // Checked even when empty.
        for msg in is_dns1123_subdomain(class) {
            errs.push(FieldError::invalid(path.child("runtimeClassName"), class, msg));
        }
    }
    if let Some(policy) = spec.preemption_policy.as_deref() {
        match policy {
            "PreemptLowerPriority" | "Never" => {}
            "" => errs.push(FieldError::required(path.child("preemptionPolicy"), "")),
            other => errs.push(FieldError::not_supported(
                path.child("preemptionPolicy"),
                other,
                &["PreemptLowerPriority", "Never"],
            )),
        }
    }
    if let Some(overhead) = &spec.overhead {
        resources::requirements(Some(overhead), None, None, &path.child("overhead"), opts, errs);
    }
    security::os(spec, path, errs);
}

/// A DNS subdomain name, when set.
fn subdomain_name(name: &str, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if !name.is_empty() {
        for msg in is_dns1123_subdomain(name) {
            errs.push(FieldError::invalid(path, name, msg));
        }
    }
}

/// A DNS label, when set.
fn label_name(name: &str, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if !name.is_empty() {
        for msg in is_dns1123_label(name) {
            errs.push(FieldError::invalid(path, name, msg));
        }
    }
}

/// `validatePodResourceClaims`: names unique DNS labels, each naming exactly one of a
/// claim or a claim template.
fn pod_resource_claims(spec: &PodSpec, path: &FieldPath, errs: &mut Vec<FieldError>) {
    let mut names: BTreeSet<&str> = BTreeSet::new();
    for (i, claim) in spec.resource_claims.iter().flatten().enumerate() {
        let here = path.index(i);
        let name = claim.name.as_str();
        if name.is_empty() {
            errs.push(FieldError::required(here.child("name"), ""));
        } else if names.contains(name) {
            errs.push(FieldError::duplicate(here.child("name"), name));
        } else {
            for msg in is_dns1123_label(name) {
                errs.push(FieldError::invalid(here.child("name"), name, msg));
            }
            names.insert(name);
        }
        let value = || crate::field_error::FieldValue::json(claim);
        match (&claim.resource_claim_name, &claim.resource_claim_template_name) {
            (Some(_), Some(_)) => errs.push(FieldError::invalid(
                &here,
                value(),
                "at most one of `resourceClaimName` or `resourceClaimTemplateName` may be specified",
            )),
            (None, None) => errs.push(FieldError::invalid(
                &here,
                value(),
                "must specify one of: `resourceClaimName`, `resourceClaimTemplateName`",
            )),
            _ => {}
        }
        if let Some(claim_name) = claim.resource_claim_name.as_deref() {
            subdomain_or_empty(claim_name, &here.child("resourceClaimName"), errs);
        }
        if let Some(template) = claim.resource_claim_template_name.as_deref() {
            subdomain_or_empty(template, &here.child("resourceClaimTemplateName"), errs);
        }
    }
}

/// A DNS subdomain, empty included (which fails).
fn subdomain_or_empty(name: &str, path: &FieldPath, errs: &mut Vec<FieldError>) {
    for msg in is_dns1123_subdomain(name) {
        errs.push(FieldError::invalid(path, name, msg));
    }
}

/// `validatePodHostNetworkDeps`: on the host network a container's host port is its
/// container port. A pod's unset host port is defaulted to it; a template's may stay 0
/// (the pod will be defaulted).
fn host_network_ports(spec: &PodSpec, opts: &Options, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if spec.host_network != Some(true) {
        return;
    }
    for (i, ctr) in spec.containers.iter().enumerate() {
        for (j, port) in ctr.ports.iter().flatten().enumerate() {
            let host = host_port(port, opts.resource_is_pod);
            if (opts.resource_is_pod || host != 0) && host != port.container_port {
                errs.push(FieldError::invalid(
                    path.child("containers")
                        .index(i)
                        .child("ports")
                        .index(j)
                        .child("hostPort"),
                    host,
                    "must match `containerPort` when `hostNetwork` is true",
                ));
            }
        }
    }
}

/// Go's `net.ParseIP` as Kubernetes' `ParseIPSloppy` calls it: IPv4 octets may have
/// leading zeros (read as decimal), IPv6 as the standard library reads it.
pub(super) fn parse_ip_sloppy(text: &str) -> Option<IpAddr> {
    if text.contains(':') {
        return text.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    let mut octets = [0u8; 4];
    let mut parts = text.split('.');
    for octet in &mut octets {
        let part = parts.next()?;
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let value: u32 = part.parse().ok()?;
        *octet = u8::try_from(value).ok()?;
    }
    parts.next().is_none().then(|| IpAddr::V4(Ipv4Addr::from(octets)))
}

/// Whether an address counts as IPv6 for dual-stack checks (an IPv4-mapped IPv6
/// address counts as IPv4, as Go's `To4` makes it).
pub(super) fn is_ipv6(ip: IpAddr) -> bool {
    matches!(ip, IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none())
}

/// `IsValidIP`.
pub(super) fn ip(text: &str, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if parse_ip_sloppy(text).is_none() {
        errs.push(FieldError::invalid(
            path,
            text,
            "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
        ));
    }
}

/// `IsDNS1123SubdomainWithUnderscore`, which DNS search paths follow
/// (RelaxedDNSSearchValidation is on by default in 1.33).
fn subdomain_with_underscore_errors(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 253 {
        errs.push(max_len_chars_error(253));
    }
    let label_ok = |label: &str| {
        let label = label.strip_prefix('_').unwrap_or(label);
        let b = label.as_bytes();
        let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        b.first().is_some_and(alnum)
            && b.last().is_some_and(alnum)
            && b.iter().all(|c| alnum(c) || *c == b'-' || *c == b'_')
    };
    if !value.split('.').all(label_ok) {
        errs.push(regex_error(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '_', '-' or '.', and must start and end with an alphanumeric character",
            "_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?(\\._?[a-z0-9]([-_a-z0-9]*[a-z0-9])?)*",
            &["example.com"],
        ));
    }
    errs
}

/// `validatePodDNSConfig`.
fn dns_config(config: Option<&PodDNSConfig>, policy: &str, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if policy == "None" {
        let Some(config) = config else {
            errs.push(FieldError::required(
                path,
                "must provide `dnsConfig` when `dnsPolicy` is None",
            ));
            return;
        };
        if config.nameservers.as_ref().is_none_or(Vec::is_empty) {
            errs.push(FieldError::required(
                path.child("nameservers"),
                "must provide at least one DNS nameserver when `dnsPolicy` is None",
            ));
            return;
        }
    }
    let Some(config) = config else { return };
    let nameservers = config.nameservers.as_deref().unwrap_or_default();
    if nameservers.len() > 3 {
        errs.push(FieldError::invalid(
            path.child("nameservers"),
            go_strings(nameservers),
            "must not have more than 3 nameservers",
        ));
    }
    for (i, server) in nameservers.iter().enumerate() {
        ip(server, &path.child("nameservers").index(i), errs);
    }
    let searches = config.searches.as_deref().unwrap_or_default();
    if searches.len() > 32 {
        errs.push(FieldError::invalid(
            path.child("searches"),
            go_strings(searches),
            "must not have more than 32 search paths",
        ));
    }
    // The joined list, spaces included.
    let joined_len = searches.iter().map(String::len).sum::<usize>() + searches.len().saturating_sub(1);
    if joined_len > 2048 {
        errs.push(FieldError::invalid(
            path.child("searches"),
            go_strings(searches),
            "must not have more than 2048 characters (including spaces) in the search list",
        ));
    }
    for (i, search) in searches.iter().enumerate() {
        if search == "." {
            continue;
        }
        let search = search.strip_suffix('.').unwrap_or(search);
        for msg in subdomain_with_underscore_errors(search) {
            errs.push(FieldError::invalid(path.child("searches").index(i), search, msg));
        }
    }
    for (i, option) in config.options.iter().flatten().enumerate() {
        if text(&option.name).is_empty() {
            errs.push(FieldError::required(
                path.child("options").index(i),
                "must not be empty",
            ));
        }
    }
}
