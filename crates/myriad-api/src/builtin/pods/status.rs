//! A pod's status as the `pods/status` subresource writes it (`ValidatePodStatusUpdate`):
//! pod-specific annotation updates, custom condition types, the node name (not through
//! status), the nominated node, an immutable QoS class, containers that may not leave
//! the terminated state when the pod does not restart them, resource claim statuses,
//! pod and host IPs (valid, one per family, no duplicates) and reported user IDs.
//! Upstream does not check the phase or the condition statuses here.

use std::collections::HashSet;
use std::net::IpAddr;

use k8s_openapi::api::core::v1::{ContainerStatus, Pod, PodSpec};

use super::spec::{ip, is_ipv6, parse_ip_sloppy, restart_policy};
use super::{EMPTY_SPEC, Options, annotations, text};
use crate::field_error::{FieldError, FieldPath, FieldValue};
use crate::go_format::quote;
use crate::validation::{is_dns1123_subdomain, is_qualified_name};

pub(super) fn pod_status_update(new: &Pod, old: &Pod) -> Vec<FieldError> {
    let new_spec = new.spec.as_ref().unwrap_or(&EMPTY_SPEC);
    let old_spec = old.spec.as_ref().unwrap_or(&EMPTY_SPEC);
    let opts = Options::new(Some((old_spec, Some(&old.metadata))), true);
    let mut errs = Vec::new();
    let meta_path = FieldPath::new("metadata");
    annotations::updates(
        &new.metadata,
        &old.metadata,
        new_spec,
        &meta_path.child("annotations"),
        &opts,
        &mut errs,
    );
    let default_status = Default::default();
    let status = new.status.as_ref().unwrap_or(&default_status);
    let old_status = old.status.as_ref().unwrap_or(&default_status);

    // Upstream reports conditions under `metadata`, with `Type` capitalized.
    for (i, condition) in status.conditions.iter().flatten().enumerate() {
        if matches!(condition.type_.as_str(), "PodScheduled" | "Ready" | "Initialized") {
            continue;
        }
        let here = meta_path.child("conditions").index(i).child("Type");
        for msg in is_qualified_name(&condition.type_) {
            errs.push(FieldError::invalid(&here, condition.type_.as_str(), msg));
        }
    }

    let path = FieldPath::new("status");
    if text(&new_spec.node_name) != text(&old_spec.node_name) {
        errs.push(FieldError::forbidden(
            path.child("nodeName"),
            "may not be changed directly",
        ));
    }
    let nominated = text(&status.nominated_node_name);
    if nominated != text(&old_status.nominated_node_name) && !nominated.is_empty() {
        for msg in is_dns1123_subdomain(nominated) {
            errs.push(FieldError::invalid(path.child("nominatedNodeName"), nominated, msg));
        }
    }
    let qos = text(&status.qos_class);
    if qos != text(&old_status.qos_class) {
        errs.push(FieldError::invalid(path.child("qosClass"), qos, "field is immutable"));
    }

    let old_restart = restart_policy(old_spec);
    state_transitions(
        status.container_statuses.as_deref(),
        old_status.container_statuses.as_deref(),
        old_restart,
        None,
        &path.child("containerStatuses"),
        &mut errs,
    );
    state_transitions(
        status.init_container_statuses.as_deref(),
        old_status.init_container_statuses.as_deref(),
        old_restart,
        Some(old_spec),
        &path.child("initContainerStatuses"),
        &mut errs,
    );
    // Ephemeral containers are never restarted.
    state_transitions(
        status.ephemeral_container_statuses.as_deref(),
        old_status.ephemeral_container_statuses.as_deref(),
        "Never",
        None,
        &path.child("ephemeralContainerStatuses"),
        &mut errs,
    );

    let claims_path = path.child("resourceClaimStatuses");
    let mut seen: HashSet<&str> = HashSet::new();
    for (i, claim) in status.resource_claim_statuses.iter().flatten().enumerate() {
        let here = claims_path.index(i).child("name");
        let name = claim.name.as_str();
        if !new_spec.resource_claims.iter().flatten().any(|c| c.name == name) {
            errs.push(FieldError::invalid(
                &here,
                name,
                "must match the name of an entry in `spec.resourceClaims`",
            ));
        }
        if !seen.insert(name) {
            errs.push(FieldError::duplicate(&here, name));
        }
        if let Some(claim_name) = claim.resource_claim_name.as_deref() {
            for msg in is_dns1123_subdomain(claim_name) {
                errs.push(FieldError::invalid(&here, claim_name, msg));
            }
        }
    }

    let pod_ips: Vec<&str> = status.pod_ips.iter().flatten().map(|p| p.ip.as_str()).collect();
    let pod_ips_path = path.child("podIPs");
    for (i, pod_ip) in pod_ips.iter().enumerate() {
        ip(pod_ip, &pod_ips_path.index(i), &mut errs);
    }
    if pod_ips.len() > 1 {
        dual_stack(&pod_ips, "PodIP", &pod_ips_path, &mut errs);
        duplicates(&pod_ips, "PodIP", &pod_ips_path, &mut errs);
    }

    let host_ips: Vec<&str> = status.host_ips.iter().flatten().map(|h| h.ip.as_str()).collect();
    if let Some(first) = host_ips.first() {
        let host_ips_path = path.child("hostIPs");
        if text(&status.host_ip) != *first {
            errs.push(FieldError::invalid(
                host_ips_path.index(0).child("ip"),
                *first,
                "must be equal to `hostIP`",
            ));
        }
        for (i, host_ip) in host_ips.iter().enumerate() {
            ip(host_ip, &host_ips_path.index(i), &mut errs);
        }
        if host_ips.len() > 1 {
            duplicates(&host_ips, "HostIP", &host_ips_path, &mut errs);
            dual_stack(&host_ips, "HostIP", &host_ips_path, &mut errs);
        }
    }

    let windows = new_spec.os.as_ref().is_some_and(|os| os.name == "windows");
    for (statuses, field) in [
        (&status.container_statuses, "containerStatuses"),
        (&status.init_container_statuses, "initContainerStatuses"),
        (&status.ephemeral_container_statuses, "ephemeralContainerStatuses"),
    ] {
        container_users(
            statuses.as_deref().unwrap_or_default(),
            windows,
            &path.child(field),
            &mut errs,
        );
    }
    errs
}

/// `ValidateContainerStateTransition` (and its init container variant when `spec` is
/// given): a terminated container of a pod that would not restart it stays terminated.
/// Errors name the *old* status's index.
fn state_transitions(
    new: Option<&[ContainerStatus]>,
    old: Option<&[ContainerStatus]>,
    restart: &str,
    init_spec: Option<&PodSpec>,
    path: &FieldPath,
    errs: &mut Vec<FieldError>,
) {
    if restart == "Always" {
        return;
    }
    let new = new.unwrap_or_default();
    for (i, old_status) in old.unwrap_or_default().iter().enumerate() {
        let Some(terminated) = old_status.state.as_ref().and_then(|s| s.terminated.as_ref()) else {
            continue;
        };
        if terminated.exit_code != 0 && restart == "OnFailure" {
            continue;
        }
        // Sidecars restart whatever the pod's policy.
        let restartable = init_spec.is_some_and(|spec| {
            spec.init_containers
                .iter()
                .flatten()
                .find(|c| c.name == old_status.name)
                .is_some_and(|c| c.restart_policy.as_deref() == Some("Always"))
        });
        if restartable {
            continue;
        }
        for new_status in new {
            if new_status.name == old_status.name && new_status.state.as_ref().is_none_or(|s| s.terminated.is_none()) {
                errs.push(FieldError::forbidden(
                    path.index(i).child("state"),
                    "may not be transitioned to non-terminated state",
                ));
            }
        }
    }
}

/// Go's `%#v` of `core.PodIP` / `core.HostIP` values.
fn go_ip(type_name: &str, ip: &str) -> String {
    format!("core.{type_name}{{IP:{}}}", quote(ip))
}

/// At most one address of each family.
fn dual_stack(ips: &[&str], type_name: &str, path: &FieldPath, errs: &mut Vec<FieldError>) {
    let parsed: Option<Vec<IpAddr>> = ips.iter().map(|ip| parse_ip_sloppy(ip)).collect();
    let dual = match parsed {
        None => {
            if let Some(bad) = ips.iter().find(|ip| parse_ip_sloppy(ip).is_none()) {
                errs.push(FieldError::internal(
                    path,
                    format!(
                        "failed to check for dual stack with error:failed to parse IP: {}",
                        quote(bad)
                    ),
                ));
            }
            false
        }
        Some(parsed) => parsed.iter().any(|ip| is_ipv6(*ip)) && parsed.iter().any(|ip| !is_ipv6(*ip)),
    };
    if !dual || ips.len() > 2 {
        let items: Vec<String> = ips.iter().map(|ip| go_ip(type_name, ip)).collect();
        errs.push(FieldError::invalid(
            path,
            FieldValue::Json(format!("[]core.{type_name}{{{}}}", items.join(", "))),
            "may specify no more than one IP for each IP family",
        ));
    }
}

fn duplicates(ips: &[&str], type_name: &str, path: &FieldPath, errs: &mut Vec<FieldError>) {
    let mut seen: HashSet<&str> = HashSet::new();
    for (i, ip) in ips.iter().enumerate() {
        if !seen.insert(ip) {
            errs.push(FieldError::duplicate(
                path.index(i),
                FieldValue::Json(go_ip(type_name, ip)),
            ));
        }
    }
}

/// `validateContainerStatusUsers`: Linux user and group IDs in range; none on Windows.
/// Upstream names the user `…[i].linux`, without `user`.
fn container_users(statuses: &[ContainerStatus], windows: bool, path: &FieldPath, errs: &mut Vec<FieldError>) {
    const RANGE: &str = "must be between 0 and 2147483647, inclusive";
    let in_range = |v: i64| (0..=i64::from(i32::MAX)).contains(&v);
    for (i, status) in statuses.iter().enumerate() {
        let Some(linux) = status.user.as_ref().and_then(|u| u.linux.as_ref()) else {
            continue;
        };
        let here = path.index(i).child("linux");
        if windows {
            errs.push(FieldError::forbidden(here, "cannot be set for a windows pod"));
            continue;
        }
        if !in_range(linux.uid) {
            errs.push(FieldError::invalid(here.child("uid"), linux.uid, RANGE));
        }
        if !in_range(linux.gid) {
            errs.push(FieldError::invalid(here.child("gid"), linux.gid, RANGE));
        }
        for (g, gid) in linux.supplemental_groups.iter().flatten().enumerate() {
            if !in_range(*gid) {
                errs.push(FieldError::invalid(
                    here.child("supplementalGroups").index(g),
                    *gid,
                    RANGE,
                ));
            }
        }
    }
}
