//! Containers of every kind — regular, init (sidecars among them) and ephemeral — as
//! upstream's `validateContainers`, `validateInitContainers`,
//! `validateEphemeralContainers` and `validateContainerCommon` check them: names,
//! images, ports, environment, mounts and devices, probes and lifecycle hooks,
//! resources and resize policies. Several paths are upstream's own quirks and kept
//! as they are (a sub path error names `volumeMounts.subPath` without the index; an
//! init container's host port clash names `initContainers[0]` whatever its index).

use std::collections::{BTreeSet, HashMap, HashSet};

use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EnvFromSource, EnvVar, EphemeralContainer, ExecAction, GRPCAction, HTTPGetAction,
    Lifecycle, LifecycleHandler, ObjectFieldSelector, Probe, ResourceFieldSelector, SleepAction, TCPSocketAction,
    Volume, VolumeDevice, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::resources::{self, canonical};
use super::security::container_security_context;
use super::{Options, go_value, local_descending_path, text};
use crate::builtin::config::config_key_errors;
use crate::field_error::{FieldError, FieldPath};
use crate::quantity::Quantity;
use crate::validation::{NameRule, is_dns1123_label, is_dns1123_subdomain, is_qualified_name, regex_error};

/// What every container of a pod is checked against.
pub(super) struct Ctx<'a> {
    pub opts: &'a Options,
    /// The pod's volumes that passed validation, by name.
    pub volumes: &'a HashMap<&'a str, &'a Volume>,
    /// The names of `spec.resourceClaims`.
    pub claims: &'a BTreeSet<&'a str>,
    /// The pod's termination grace period (sleep hooks may not exceed it).
    pub grace: Option<i64>,
    /// The pod's restart policy.
    pub restart_policy: &'a str,
    /// Whether the pod shares the host's user namespace (`hostUsers`, true unless false).
    pub host_users: bool,
    /// A pod (not a template) on the host network: a host port left 0 defaults to the
    /// container port, as upstream's pod defaulting does.
    pub default_host_ports: bool,
}

const INIT_WITHOUT_ALWAYS: &str = "may not be set for init containers without restartPolicy=Always";
const NOT_FOR_EPHEMERAL: &str = "cannot be set for an Ephemeral Container";

/// A port's host port after upstream's defaulting.
pub(super) fn host_port(port: &ContainerPort, default_to_container_port: bool) -> i32 {
    match port.host_port.unwrap_or(0) {
        0 if default_to_container_port => port.container_port,
        hp => hp,
    }
}

/// `validateContainers`: at least one container, names unique, probes and hooks, no
/// per-container restart policy, host ports not clashing.
pub(super) fn containers(list: &[Container], ctx: &Ctx, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if list.is_empty() {
        errs.push(FieldError::required(path, ""));
        return;
    }
    let mut names: HashSet<&str> = HashSet::with_capacity(list.len());
    for (i, ctr) in list.iter().enumerate() {
        let here = path.index(i);
        common(ctr, ctx, &here, errs);
        if !names.insert(ctr.name.as_str()) {
            errs.push(FieldError::duplicate(here.child("name"), ctr.name.as_str()));
        }
        if let Some(lifecycle) = &ctr.lifecycle {
            self::lifecycle(lifecycle, ctx, &here.child("lifecycle"), errs);
        }
        if let Some(probe) = &ctr.liveness_probe {
            liveness_or_startup(probe, ctx, &here.child("livenessProbe"), errs);
        }
        if let Some(probe) = &ctr.readiness_probe {
            readiness(probe, ctx, &here.child("readinessProbe"), errs);
        }
        if let Some(probe) = &ctr.startup_probe {
            liveness_or_startup(probe, ctx, &here.child("startupProbe"), errs);
        }
        if ctr.restart_policy.is_some() {
            errs.push(FieldError::forbidden(
                here.child("restartPolicy"),
                "may not be set for non-init containers",
            ));
        }
    }
    host_port_conflicts(list.iter().enumerate(), ctx.default_host_ports, path, errs);
}

/// `validateInitContainers`: names unique across init and regular containers; only
/// sidecars (`restartPolicy: Always`) may have probes and hooks.
pub(super) fn init_containers(
    list: &[Container],
    regular: &[Container],
    ctx: &Ctx,
    path: &FieldPath,
    errs: &mut Vec<FieldError>,
) {
    let mut names: HashSet<&str> = regular.iter().map(|c| c.name.as_str()).collect();
    for (i, ctr) in list.iter().enumerate() {
        let here = path.index(i);
        common(ctr, ctx, &here, errs);
        let mut restart_always = false;
        if let Some(policy) = ctr.restart_policy.as_deref() {
            if policy == "Always" {
                restart_always = true;
            } else {
                errs.push(FieldError::not_supported(
                    here.child("restartPolicy"),
                    policy,
                    &["Always"],
                ));
            }
        }
        if names.contains(ctr.name.as_str()) {
            errs.push(FieldError::duplicate(here.child("name"), ctr.name.as_str()));
        } else if !ctr.name.is_empty() {
            names.insert(ctr.name.as_str());
        }
        // Init containers run one by one, so each is checked alone — and upstream
        // indexes the lone container as 0 whatever its place.
        host_port_conflicts(std::iter::once((0, ctr)), ctx.default_host_ports, path, errs);
        if restart_always {
            if let Some(lifecycle) = &ctr.lifecycle {
                self::lifecycle(lifecycle, ctx, &here.child("lifecycle"), errs);
            }
            if let Some(probe) = &ctr.liveness_probe {
                liveness_or_startup(probe, ctx, &here.child("livenessProbe"), errs);
            }
            if let Some(probe) = &ctr.readiness_probe {
                readiness(probe, ctx, &here.child("readinessProbe"), errs);
            }
            if let Some(probe) = &ctr.startup_probe {
                liveness_or_startup(probe, ctx, &here.child("startupProbe"), errs);
            }
        } else {
            for (set, field) in [
                (ctr.lifecycle.is_some(), "lifecycle"),
                (ctr.liveness_probe.is_some(), "livenessProbe"),
                (ctr.readiness_probe.is_some(), "readinessProbe"),
                (ctr.startup_probe.is_some(), "startupProbe"),
            ] {
                if set {
                    errs.push(FieldError::forbidden(here.child(field), INIT_WITHOUT_ALWAYS));
                }
            }
        }
    }
}

/// An ephemeral container as the container it shares its fields with. Ephemeral
/// containers are rare (debugging, only through their own subresource), so the copy
/// costs nothing that matters.
fn as_container(ec: &EphemeralContainer) -> Container {
    Container {
        args: ec.args.clone(),
        command: ec.command.clone(),
        env: ec.env.clone(),
        env_from: ec.env_from.clone(),
        image: ec.image.clone(),
        image_pull_policy: ec.image_pull_policy.clone(),
        lifecycle: ec.lifecycle.clone(),
        liveness_probe: ec.liveness_probe.clone(),
        name: ec.name.clone(),
        ports: ec.ports.clone(),
        readiness_probe: ec.readiness_probe.clone(),
        resize_policy: ec.resize_policy.clone(),
        resources: ec.resources.clone(),
        restart_policy: ec.restart_policy.clone(),
        security_context: ec.security_context.clone(),
        startup_probe: ec.startup_probe.clone(),
        stdin: ec.stdin,
        stdin_once: ec.stdin_once,
        termination_message_path: ec.termination_message_path.clone(),
        termination_message_policy: ec.termination_message_policy.clone(),
        tty: ec.tty,
        volume_devices: ec.volume_devices.clone(),
        volume_mounts: ec.volume_mounts.clone(),
        working_dir: ec.working_dir.clone(),
    }
}

/// `validateEphemeralContainers`: the common container rules, names unique across
/// all containers, a target that is a regular or init container, and none of the
/// fields an ephemeral container may not have (ports, resources, probes, hooks,
/// restart and resize policies, sub paths).
pub(super) fn ephemeral_containers(
    list: &[EphemeralContainer],
    regular: &[Container],
    init: &[Container],
    ctx: &Ctx,
    path: &FieldPath,
    errs: &mut Vec<FieldError>,
) {
    if list.is_empty() {
        return;
    }
    let others: HashSet<&str> = regular.iter().chain(init).map(|c| c.name.as_str()).collect();
    let mut all = others.clone();
    for (i, ec) in list.iter().enumerate() {
        let here = path.index(i);
        let ctr = as_container(ec);
        common(&ctr, ctx, &here, errs);
        image_whitespace(&ctr, &here, errs);
        if !all.insert(ec.name.as_str()) {
            errs.push(FieldError::duplicate(here.child("name"), ec.name.as_str()));
        }
        let target = text(&ec.target_container_name);
        if !target.is_empty() && !others.contains(target) {
            errs.push(FieldError::not_found(here.child("targetContainerName"), target));
        }
        // Upstream walks the struct's fields in declaration order.
        for (set, field) in [
            (ec.ports.is_some(), "ports"),
            (ec.resources.is_some(), "resources"),
            (ec.resize_policy.is_some(), "resizePolicy"),
            (ec.restart_policy.is_some(), "restartPolicy"),
            (ec.liveness_probe.is_some(), "livenessProbe"),
            (ec.readiness_probe.is_some(), "readinessProbe"),
            (ec.startup_probe.is_some(), "startupProbe"),
            (ec.lifecycle.is_some(), "lifecycle"),
        ] {
            if set {
                errs.push(FieldError::forbidden(here.child(field), NOT_FOR_EPHEMERAL));
            }
        }
        for (j, mount) in ec.volume_mounts.iter().flatten().enumerate() {
            let mount_path = here.child("volumeMounts").index(j);
            if !text(&mount.sub_path).is_empty() {
                errs.push(FieldError::forbidden(mount_path.child("subPath"), NOT_FOR_EPHEMERAL));
            }
            if !text(&mount.sub_path_expr).is_empty() {
                errs.push(FieldError::forbidden(
                    mount_path.child("subPathExpr"),
                    NOT_FOR_EPHEMERAL,
                ));
            }
        }
    }
}

/// `validateContainerOnlyForPod`: a pod's images may not be padded with whitespace
/// (templates may: some tools use `" "` as a placeholder image).
pub(super) fn image_whitespace(ctr: &Container, path: &FieldPath, errs: &mut Vec<FieldError>) {
    let image = text(&ctr.image);
    if image.len() != image.trim().len() {
        errs.push(FieldError::invalid(
            path.child("image"),
            image,
            "must not have leading or trailing whitespace",
        ));
    }
}

/// `validateContainerCommon`.
fn common(ctr: &Container, ctx: &Ctx, path: &FieldPath, errs: &mut Vec<FieldError>) {
    let name = ctr.name.as_str();
    if name.is_empty() {
        errs.push(FieldError::required(path.child("name"), ""));
    } else {
        for msg in is_dns1123_label(name) {
            errs.push(FieldError::invalid(path.child("name"), name, msg));
        }
    }
    if text(&ctr.image).is_empty() {
        errs.push(FieldError::required(path.child("image"), ""));
    }
    // Defaulted to `File` when empty.
    match ctr.termination_message_policy.as_deref() {
        None | Some("" | "File" | "FallbackToLogsOnError") => {}
        Some(other) => errs.push(FieldError::not_supported(
            path.child("terminationMessagePolicy"),
            other,
            &["File", "FallbackToLogsOnError"],
        )),
    }
    let mounts = ctr.volume_mounts.as_deref().unwrap_or_default();
    let devices = ctr.volume_devices.as_deref().unwrap_or_default();
    ports(ctr.ports.as_deref().unwrap_or_default(), &path.child("ports"), errs);
    env(ctr.env.as_deref().unwrap_or_default(), &path.child("env"), errs);
    env_from(
        ctr.env_from.as_deref().unwrap_or_default(),
        &path.child("envFrom"),
        errs,
    );
    volume_mounts(mounts, devices, ctr, ctx, &path.child("volumeMounts"), errs);
    volume_devices(devices, mounts, ctx, &path.child("volumeDevices"), errs);
    // Defaulted from the image's tag when empty.
    if let Some(policy) = ctr.image_pull_policy.as_deref() {
        pull_policy(policy, &path.child("imagePullPolicy"), errs);
    }
    if let Some(resources) = &ctr.resources {
        let claims = resources.claims.as_deref().map(|c| (c, ctx.claims));
        resources::requirements(
            resources.limits.as_ref(),
            resources.requests.as_ref(),
            claims,
            &path.child("resources"),
            ctx.opts,
            errs,
        );
    }
    resize_policy(ctr, ctx.restart_policy, &path.child("resizePolicy"), errs);
    if let Some(sc) = &ctr.security_context {
        container_security_context(sc, &path.child("securityContext"), ctx.host_users, errs);
    }
}

/// `validatePullPolicy` (an empty policy is defaulted, so only unknown ones fail).
pub(super) fn pull_policy(policy: &str, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if !matches!(policy, "" | "Always" | "IfNotPresent" | "Never") {
        errs.push(FieldError::not_supported(
            path,
            policy,
            &["Always", "IfNotPresent", "Never"],
        ));
    }
}

/// Upstream's `IsValidPortName`, messages in its order: an IANA service name of at most
/// 15 lowercase letters, digits and single inner hyphens, with at least one letter.
pub(super) fn port_name_errors(name: &str) -> Vec<&'static str> {
    let mut errs = Vec::new();
    if name.len() > 15 {
        errs.push("must be no more than 15 characters");
    }
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
    }
    if !name.bytes().any(|b| b.is_ascii_lowercase()) {
        errs.push("must contain at least one letter (a-z)");
    }
    if name.contains("--") {
        errs.push("must not contain consecutive hyphens");
    }
    if name.starts_with('-') || name.ends_with('-') {
        errs.push("must not begin or end with a hyphen");
    }
    errs
}

const PORT_RANGE: &str = "must be between 1 and 65535, inclusive";

/// `validateContainerPorts`: names unique within the container, ports in range, a
/// known protocol (defaulted to TCP when empty).
fn ports(list: &[ContainerPort], path: &FieldPath, errs: &mut Vec<FieldError>) {
    let mut names: HashSet<&str> = HashSet::new();
    for (i, port) in list.iter().enumerate() {
        let here = path.index(i);
        let name = text(&port.name);
        if !name.is_empty() {
            let msgs = port_name_errors(name);
            if !msgs.is_empty() {
                for msg in msgs {
                    errs.push(FieldError::invalid(here.child("name"), name, msg));
                }
            } else if !names.insert(name) {
                errs.push(FieldError::duplicate(here.child("name"), name));
            }
        }
        if port.container_port == 0 {
            errs.push(FieldError::required(here.child("containerPort"), ""));
        } else if !(1..=65535).contains(&port.container_port) {
            errs.push(FieldError::invalid(
                here.child("containerPort"),
                port.container_port,
                PORT_RANGE,
            ));
        }
        let host = port.host_port.unwrap_or(0);
        if host != 0 && !(1..=65535).contains(&host) {
            errs.push(FieldError::invalid(here.child("hostPort"), host, PORT_RANGE));
        }
        match port.protocol.as_deref() {
            None | Some("" | "TCP" | "UDP" | "SCTP") => {}
            Some(other) => errs.push(FieldError::not_supported(
                here.child("protocol"),
                other,
                &["SCTP", "TCP", "UDP"],
            )),
        }
    }
}

/// `AccumulateUniqueHostPorts`: no two ports bind the same protocol, host IP and host
/// port.
fn host_port_conflicts<'a>(
    containers: impl Iterator<Item = (usize, &'a Container)>,
    default_host_ports: bool,
    path: &FieldPath,
    errs: &mut Vec<FieldError>,
) {
    let mut seen: HashSet<String> = HashSet::new();
    for (ci, ctr) in containers {
        for (pi, port) in ctr.ports.iter().flatten().enumerate() {
            let host = host_port(port, default_host_ports);
            if host == 0 {
                continue;
            }
            let key = format!(
                "{}/{}/{host}",
                port.protocol.as_deref().filter(|p| !p.is_empty()).unwrap_or("TCP"),
                text(&port.host_ip)
            );
            if seen.contains(&key) {
                let here = path.index(ci).child("ports").index(pi).child("hostPort");
                errs.push(FieldError::duplicate(here, key));
            } else {
                seen.insert(key);
            }
        }
    }
}

const RELAXED_ENV_NAME: &str =
    "a valid environment variable name must consist only of printable ASCII characters other than '='";

/// `IsRelaxedEnvVarName` (RelaxedEnvironmentVariableValidation is on by default in
/// 1.33): printable ASCII but `=`.
fn env_name_error(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("environment variable name must be non-empty".to_string());
    }
    name.bytes()
        .any(|b| !(b' '..=b'~').contains(&b) || b == b'=')
        .then(|| RELAXED_ENV_NAME.to_string())
}

/// `ValidateEnv`.
fn env(vars: &[EnvVar], path: &FieldPath, errs: &mut Vec<FieldError>) {
    for (i, var) in vars.iter().enumerate() {
        let here = path.index(i);
        if var.name.is_empty() {
            errs.push(FieldError::required(here.child("name"), ""));
        } else if let Some(msg) = env_name_error(&var.name) {
            errs.push(FieldError::invalid(here.child("name"), var.name.as_str(), msg));
        }
        env_value_from(var, &here.child("valueFrom"), errs);
    }
}

const ENV_FIELD_PATHS: [&str; 9] = [
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
];

/// Downward API fields a volume file may show.
pub(super) const VOLUME_FIELD_PATHS: [&str; 5] = [
    "metadata.annotations",
    "metadata.labels",
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
];

const RESOURCE_FIELD_PATHS: [&str; 6] = [
    "limits.cpu",
    "limits.ephemeral-storage",
    "limits.memory",
    "requests.cpu",
    "requests.ephemeral-storage",
    "requests.memory",
];

/// `validateEnvVarValueFrom`: exactly one source, and no literal value beside it.
fn env_value_from(var: &EnvVar, path: &FieldPath, errs: &mut Vec<FieldError>) {
    let Some(from) = &var.value_from else { return };
    let mut sources = 0;
    if let Some(field_ref) = &from.field_ref {
        sources += 1;
        object_field_selector(field_ref, &ENV_FIELD_PATHS, &path.child("fieldRef"), errs);
    }
    if let Some(resource_ref) = &from.resource_field_ref {
        sources += 1;
        resource_field_selector(resource_ref, false, &path.child("resourceFieldRef"), errs);
    }
    if let Some(selector) = &from.config_map_key_ref {
        sources += 1;
        key_selector(&selector.name, &selector.key, &path.child("configMapKeyRef"), errs);
    }
    if let Some(selector) = &from.secret_key_ref {
        sources += 1;
        key_selector(&selector.name, &selector.key, &path.child("secretKeyRef"), errs);
    }
    if sources == 0 {
        errs.push(FieldError::invalid(
            path,
            "",
            "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
        ));
    } else if !text(&var.value).is_empty() {
        errs.push(FieldError::invalid(
            path,
            "",
            "may not be specified when `value` is not empty",
        ));
    } else if sources > 1 {
        errs.push(FieldError::invalid(
            path,
            "",
            "may not have more than one field specified at a time",
        ));
    }
}

/// `validateObjectFieldSelector`: a `v1` field path among `allowed`, or a label or
/// annotation subscript (`metadata.labels['app']`). An empty `apiVersion` is
/// defaulted to `v1` upstream, so it is read as such.
pub(super) fn object_field_selector(
    selector: &ObjectFieldSelector,
    allowed: &[&str],
    path: &FieldPath,
    errs: &mut Vec<FieldError>,
) {
    let version = selector
        .api_version
        .as_deref()
        .filter(|v| !v.is_empty())
        .unwrap_or("v1");
    let field = selector.field_path.as_str();
    if field.is_empty() {
        errs.push(FieldError::required(path.child("fieldPath"), ""));
        return;
    }
    if version != "v1" {
        errs.push(FieldError::invalid(
            path.child("fieldPath"),
            field,
            format!("error converting fieldPath: unsupported pod version: {version}"),
        ));
        return;
    }
    if let Some((base, subscript)) = split_subscript(field) {
        match base {
            "metadata.annotations" => {
                let lower = subscript.to_lowercase();
                for msg in is_qualified_name(&lower) {
                    errs.push(FieldError::invalid(path, lower.as_str(), msg));
                }
            }
            "metadata.labels" => {
                for msg in is_qualified_name(subscript) {
                    errs.push(FieldError::invalid(path, subscript, msg));
                }
            }
            _ => errs.push(FieldError::invalid(
                path.child("fieldPath"),
                field,
                format!("error converting fieldPath: field label does not support subscript: {field}"),
            )),
        }
        return;
    }
    let converted = match field {
        // Old v1 clients send `spec.host`.
        "spec.host" => "spec.nodeName",
        "metadata.annotations"
        | "metadata.labels"
        | "metadata.name"
        | "metadata.namespace"
        | "metadata.uid"
        | "spec.nodeName"
        | "spec.restartPolicy"
        | "spec.serviceAccountName"
        | "spec.schedulerName"
        | "status.phase"
        | "status.hostIP"
        | "status.hostIPs"
        | "status.podIP"
        | "status.podIPs" => field,
        _ => {
            errs.push(FieldError::invalid(
                path.child("fieldPath"),
                field,
                format!("error converting fieldPath: field label not supported: {field}"),
            ));
            return;
        }
    };
    if !allowed.contains(&converted) {
        errs.push(FieldError::not_supported(path.child("fieldPath"), converted, allowed));
    }
}

/// `fieldpath.SplitMaybeSubscriptedPath`: `metadata.labels['x']` → (`metadata.labels`, `x`).
fn split_subscript(field: &str) -> Option<(&str, &str)> {
    let inner = field.strip_suffix("']")?;
    let (base, subscript) = inner.split_once("['")?;
    (!base.is_empty()).then_some((base, subscript))
}

/// `validateContainerResourceFieldSelector`: a known resource (or a huge pages one),
/// a container name in volumes, and a divisor the resource allows.
pub(super) fn resource_field_selector(
    selector: &ResourceFieldSelector,
    volume: bool,
    path: &FieldPath,
    errs: &mut Vec<FieldError>,
) {
    let resource = selector.resource.as_str();
    if volume && text(&selector.container_name).is_empty() {
        errs.push(FieldError::required(path.child("containerName"), ""));
    } else if resource.is_empty() {
        errs.push(FieldError::required(path.child("resource"), ""));
    } else if !RESOURCE_FIELD_PATHS.contains(&resource)
        && !resource.starts_with("limits.hugepages-")
        && !resource.starts_with("requests.hugepages-")
    {
        errs.push(FieldError::not_supported(
            path.child("resource"),
            resource,
            &RESOURCE_FIELD_PATHS,
        ));
    }
    let Some(divisor) = &selector.divisor else { return };
    if Quantity::parse(&divisor.0).is_ok_and(|d| d.is_zero()) {
        return;
    }
    let text = canonical(&divisor.0);
    let memory_like = [
        "1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei",
    ];
    let divisor_path = path.child("divisor");
    let msg = match resource {
        "limits.cpu" | "requests.cpu" if !matches!(text.as_str(), "1m" | "1") => {
            Some("only divisor's values 1m and 1 are supported with the cpu resource")
        }
        "limits.memory" | "requests.memory" if !memory_like.contains(&text.as_str()) => Some(
            "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the memory resource",
        ),
        "limits.ephemeral-storage" | "requests.ephemeral-storage" if !memory_like.contains(&text.as_str()) => Some(
            "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the local ephemeral storage resource",
        ),
        _ => None,
    };
    if let Some(msg) = msg {
        errs.push(FieldError::invalid(&divisor_path, resource, msg));
    }
    let huge = resource.starts_with("requests.hugepages-") || resource.starts_with("limits.hugepages-");
    if huge && !memory_like.contains(&text.as_str()) {
        errs.push(FieldError::invalid(
            &divisor_path,
            resource,
            "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the hugepages resource",
        ));
    }
}

/// `validateConfigMapKeySelector` / `validateSecretKeySelector`: the name a DNS
/// subdomain (an empty name fails that check rather than being "required"), the key a
/// config key.
fn key_selector(name: &str, key: &str, path: &FieldPath, errs: &mut Vec<FieldError>) {
    for msg in is_dns1123_subdomain(name) {
        errs.push(FieldError::invalid(path.child("name"), name, msg));
    }
    if key.is_empty() {
        errs.push(FieldError::required(path.child("key"), ""));
    } else {
        for msg in config_key_errors(key) {
            errs.push(FieldError::invalid(path.child("key"), key, msg));
        }
    }
}

/// `ValidateEnvFrom`: a valid prefix and exactly one source. Upstream reports the
/// source count at `envFrom`, not at the entry.
fn env_from(sources: &[EnvFromSource], path: &FieldPath, errs: &mut Vec<FieldError>) {
    for (i, source) in sources.iter().enumerate() {
        let here = path.index(i);
        let prefix = text(&source.prefix);
        if !prefix.is_empty()
            && let Some(msg) = env_name_error(prefix)
        {
            errs.push(FieldError::invalid(here.child("prefix"), prefix, msg));
        }
        let mut count = 0;
        if let Some(config_map) = &source.config_map_ref {
            count += 1;
            env_source_name(&config_map.name, &here.child("configMapRef"), errs);
        }
        if let Some(secret) = &source.secret_ref {
            count += 1;
            env_source_name(&secret.name, &here.child("secretRef"), errs);
        }
        if count == 0 {
            errs.push(FieldError::invalid(
                path,
                "",
                "must specify one of: `configMapRef` or `secretRef`",
            ));
        } else if count > 1 {
            errs.push(FieldError::invalid(
                path,
                "",
                "may not have more than one field specified at a time",
            ));
        }
    }
}

/// The name of an `envFrom` source: required, and checked as a name *prefix* (a
/// trailing `-` passes), as upstream does.
fn env_source_name(name: &str, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if name.is_empty() {
        errs.push(FieldError::required(path.child("name"), ""));
        return;
    }
    for msg in NameRule::Dns1123Subdomain.check(name, true) {
        errs.push(FieldError::invalid(path.child("name"), name, msg));
    }
}

/// `ValidateVolumeMounts`.
fn volume_mounts(
    mounts: &[VolumeMount],
    devices: &[VolumeDevice],
    ctr: &Container,
    ctx: &Ctx,
    path: &FieldPath,
    errs: &mut Vec<FieldError>,
) {
    let mut mount_points: HashSet<&str> = HashSet::with_capacity(mounts.len());
    for (i, mount) in mounts.iter().enumerate() {
        let here = path.index(i);
        let name = mount.name.as_str();
        let mount_path = mount.mount_path.as_str();
        if name.is_empty() {
            errs.push(FieldError::required(here.child("name"), ""));
        }
        let volume = ctx.volumes.get(name);
        if volume.is_none() {
            errs.push(FieldError::not_found(here.child("name"), name));
        }
        if mount_path.is_empty() {
            errs.push(FieldError::required(here.child("mountPath"), ""));
        }
        if !mount_points.insert(mount_path) {
            errs.push(FieldError::invalid(
                here.child("mountPath"),
                mount_path,
                "must be unique",
            ));
        }
        if devices.iter().any(|d| d.name == name) {
            errs.push(FieldError::invalid(
                here.child("name"),
                name,
                "must not already exist in volumeDevices",
            ));
        }
        if devices.iter().any(|d| d.device_path == mount_path) {
            errs.push(FieldError::invalid(
                here.child("mountPath"),
                mount_path,
                "must not already exist as a path in volumeDevices",
            ));
        }
        let sub_path = text(&mount.sub_path);
        let sub_path_expr = text(&mount.sub_path_expr);
        if volume.is_some_and(|v| v.image.is_some()) {
            if !sub_path.is_empty() {
                errs.push(FieldError::invalid(
                    here.child("subPath"),
                    sub_path,
                    "not allowed in image volume sources",
                ));
            }
            if !sub_path_expr.is_empty() {
                errs.push(FieldError::invalid(
                    here.child("subPathExpr"),
                    sub_path_expr,
                    "not allowed in image volume sources",
                ));
            }
        }
        // Upstream names these paths without the mount's index.
        if !sub_path.is_empty() {
            local_descending_path(sub_path, &path.child("subPath"), errs);
        }
        if !sub_path_expr.is_empty() {
            if !sub_path.is_empty() {
                errs.push(FieldError::invalid(
                    here.child("subPathExpr"),
                    sub_path_expr,
                    "subPathExpr and subPath are mutually exclusive",
                ));
            }
            local_descending_path(sub_path_expr, &path.child("subPathExpr"), errs);
        }
        if let Some(propagation) = mount.mount_propagation.as_deref() {
            mount_propagation(propagation, ctr, &path.child("mountPropagation"), errs);
        }
        recursive_read_only(mount, &path.child("recursiveReadOnly"), errs);
    }
}

/// `validateMountPropagation`: a known mode; `Bidirectional` only for privileged
/// containers.
fn mount_propagation(mode: &str, ctr: &Container, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if !matches!(mode, "Bidirectional" | "HostToContainer" | "None") {
        errs.push(FieldError::not_supported(
            path,
            mode,
            &["Bidirectional", "HostToContainer", "None"],
        ));
    }
    let privileged = ctr
        .security_context
        .as_ref()
        .and_then(|sc| sc.privileged)
        .unwrap_or(false);
    if mode == "Bidirectional" && !privileged {
        errs.push(FieldError::forbidden(
            path,
            "Bidirectional mount propagation is available only to privileged containers",
        ));
    }
}

/// `validateMountRecursiveReadOnly`: enabled only on read-only mounts without
/// propagation.
fn recursive_read_only(mount: &VolumeMount, path: &FieldPath, errs: &mut Vec<FieldError>) {
    match mount.recursive_read_only.as_deref() {
        None | Some("Disabled") => {}
        Some("Enabled" | "IfPossible") => {
            if mount.read_only != Some(true) {
                errs.push(FieldError::forbidden(
                    path,
                    "may only be specified when readOnly is true",
                ));
            }
            if mount.mount_propagation.as_deref().is_some_and(|p| p != "None") {
                errs.push(FieldError::forbidden(
                    path,
                    "may only be specified when mountPropagation is None or not specified",
                ));
            }
        }
        Some(other) => errs.push(FieldError::not_supported(
            path,
            other,
            &["Disabled", "Enabled", "IfPossible"],
        )),
    }
}

/// `ValidateVolumeDevices`: block devices come from claims (a PVC or an ephemeral
/// volume), with unique names and paths that no mount uses.
fn volume_devices(
    devices: &[VolumeDevice],
    mounts: &[VolumeMount],
    ctx: &Ctx,
    path: &FieldPath,
    errs: &mut Vec<FieldError>,
) {
    let mut paths: HashSet<&str> = HashSet::new();
    let mut names: HashSet<&str> = HashSet::new();
    for (i, device) in devices.iter().enumerate() {
        let here = path.index(i);
        let name = device.name.as_str();
        let device_path = device.device_path.as_str();
        let volume = ctx.volumes.get(name);
        if name.is_empty() {
            errs.push(FieldError::required(here.child("name"), ""));
        }
        if names.contains(name) {
            errs.push(FieldError::invalid(here.child("name"), name, "must be unique"));
        }
        match volume {
            Some(v) if v.persistent_volume_claim.is_none() && v.ephemeral.is_none() => {
                errs.push(FieldError::invalid(
                    here.child("name"),
                    name,
                    "can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode",
                ));
            }
            Some(_) => {}
            None => errs.push(FieldError::not_found(here.child("name"), name)),
        }
        if device_path.is_empty() {
            errs.push(FieldError::required(here.child("devicePath"), ""));
        }
        if paths.contains(device_path) {
            errs.push(FieldError::invalid(
                here.child("devicePath"),
                device_path,
                "must be unique",
            ));
        }
        if !device_path.is_empty() && device_path.split('/').any(|part| part == "..") {
            errs.push(FieldError::invalid(
                here.child("devicePath"),
                device_path,
                "can not contain backsteps ('..')",
            ));
        } else {
            paths.insert(device_path);
        }
        if mounts.iter().any(|m| m.name == name) {
            errs.push(FieldError::invalid(
                here.child("name"),
                name,
                "must not already exist in volumeMounts",
            ));
        }
        if mounts.iter().any(|m| m.mount_path == device_path) {
            errs.push(FieldError::invalid(
                here.child("devicePath"),
                device_path,
                "must not already exist as a path in volumeMounts",
            ));
        }
        if !name.is_empty() {
            names.insert(name);
        }
    }
}

/// A probe's or hook's action, whichever kind it is.
struct Handler<'a> {
    exec: Option<&'a ExecAction>,
    http_get: Option<&'a HTTPGetAction>,
    tcp_socket: Option<&'a TCPSocketAction>,
    grpc: Option<&'a GRPCAction>,
    sleep: Option<&'a SleepAction>,
}

impl<'a> Handler<'a> {
    fn of_probe(probe: &'a Probe) -> Self {
        Handler {
            exec: probe.exec.as_ref(),
            http_get: probe.http_get.as_ref(),
            tcp_socket: probe.tcp_socket.as_ref(),
            grpc: probe.grpc.as_ref(),
            sleep: None,
        }
    }

    fn of_hook(hook: &'a LifecycleHandler) -> Self {
        Handler {
            exec: hook.exec.as_ref(),
            http_get: hook.http_get.as_ref(),
            tcp_socket: hook.tcp_socket.as_ref(),
            grpc: None,
            sleep: hook.sleep.as_ref(),
        }
    }
}

/// `validateHandler`: exactly one action, each well formed.
fn handler(h: &Handler, ctx: &Ctx, path: &FieldPath, errs: &mut Vec<FieldError>) {
    let mut count = 0;
    // Counts a handler; a second one is forbidden at `path.<kind>` and not checked.
    let mut one = |kind: &str, errs: &mut Vec<FieldError>| -> bool {
        if count > 0 {
            errs.push(FieldError::forbidden(
                path.child(kind),
                "may not specify more than 1 handler type",
            ));
            return false;
        }
        count += 1;
        true
    };
    if let Some(exec) = h.exec
        && one("exec", errs)
        && exec.command.as_ref().is_none_or(Vec::is_empty)
    {
        errs.push(FieldError::required(path.child("exec").child("command"), ""));
    }
    if let Some(http) = h.http_get
        && one("httpGet", errs)
    {
        http_get(http, &path.child("httpGet"), errs);
    }
    if let Some(tcp) = h.tcp_socket
        && one("tcpSocket", errs)
    {
        port_num_or_name(&tcp.port, &path.child("tcpSocket").child("port"), errs);
    }
    if let Some(grpc) = h.grpc
        && one("grpc", errs)
        && !(1..=65535).contains(&grpc.port)
    {
        errs.push(FieldError::invalid(
            path.child("grpc").child("port"),
            grpc.port,
            PORT_RANGE,
        ));
    }
    if let Some(sleep) = h.sleep
        && one("sleep", errs)
        && let Some(grace) = ctx.grace
        && (sleep.seconds < 0 || sleep.seconds > grace)
    {
        // PodLifecycleSleepActionAllowZero is on by default in 1.33: zero is allowed.
        errs.push(FieldError::invalid(
            path.child("sleep"),
            sleep.seconds,
            format!("must be non-negative and less than terminationGracePeriodSeconds ({grace})"),
        ));
    }
    if count == 0 {
        errs.push(FieldError::required(path, "must specify a handler type"));
    }
}

/// `validateHTTPGetAction` (an empty path and scheme are defaulted to `/` and `HTTP`).
/// Header errors are reported at `httpHeaders`, without the header's index.
fn http_get(http: &HTTPGetAction, path: &FieldPath, errs: &mut Vec<FieldError>) {
    port_num_or_name(&http.port, &path.child("port"), errs);
    match http.scheme.as_deref() {
        None | Some("" | "HTTP" | "HTTPS") => {}
        Some(other) => errs.push(FieldError::not_supported(
            path.child("scheme"),
            other,
            &["HTTP", "HTTPS"],
        )),
    }
    for header in http.http_headers.iter().flatten() {
        let name = header.name.as_str();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            errs.push(FieldError::invalid(
                path.child("httpHeaders"),
                name,
                regex_error(
                    "a valid HTTP header must consist of alphanumeric characters or '-'",
                    "[-A-Za-z0-9]+",
                    &["X-Header-Name"],
                ),
            ));
        }
    }
}

/// `ValidatePortNumOrName`.
pub(super) fn port_num_or_name(port: &IntOrString, path: &FieldPath, errs: &mut Vec<FieldError>) {
    match port {
        IntOrString::Int(n) => {
            if !(1..=65535).contains(n) {
                errs.push(FieldError::invalid(path, *n, PORT_RANGE));
            }
        }
        IntOrString::String(name) => {
            for msg in port_name_errors(name) {
                errs.push(FieldError::invalid(path, name.as_str(), msg));
            }
        }
    }
}

/// A probe setting with upstream's default: zero or absent means the default.
fn defaulted(value: Option<i32>, default: i32) -> i32 {
    match value {
        None | Some(0) => default,
        Some(v) => v,
    }
}

/// `validateProbe`: one handler, non-negative timings and thresholds (defaulted when
/// zero), a positive probe-level grace period.
fn probe(p: &Probe, ctx: &Ctx, path: &FieldPath, errs: &mut Vec<FieldError>) {
    handler(&Handler::of_probe(p), ctx, path, errs);
    for (value, field) in [
        (p.initial_delay_seconds.unwrap_or(0), "initialDelaySeconds"),
        (defaulted(p.timeout_seconds, 1), "timeoutSeconds"),
        (defaulted(p.period_seconds, 10), "periodSeconds"),
        (defaulted(p.success_threshold, 1), "successThreshold"),
        (defaulted(p.failure_threshold, 3), "failureThreshold"),
    ] {
        if value < 0 {
            errs.push(FieldError::invalid(
                path.child(field),
                value,
                "must be greater than or equal to 0",
            ));
        }
    }
    if let Some(grace) = p.termination_grace_period_seconds
        && grace <= 0
    {
        errs.push(FieldError::invalid(
            path.child("terminationGracePeriodSeconds"),
            grace,
            "must be greater than 0",
        ));
    }
}

/// Liveness and startup probes: also exactly one success.
fn liveness_or_startup(p: &Probe, ctx: &Ctx, path: &FieldPath, errs: &mut Vec<FieldError>) {
    probe(p, ctx, path, errs);
    let success = defaulted(p.success_threshold, 1);
    if success != 1 {
        errs.push(FieldError::invalid(
            path.child("successThreshold"),
            success,
            "must be 1",
        ));
    }
}

/// Readiness probes: no probe-level grace period.
fn readiness(p: &Probe, ctx: &Ctx, path: &FieldPath, errs: &mut Vec<FieldError>) {
    probe(p, ctx, path, errs);
    if let Some(grace) = p.termination_grace_period_seconds {
        errs.push(FieldError::invalid(
            path.child("terminationGracePeriodSeconds"),
            grace,
            "must not be set for readinessProbes",
        ));
    }
}

/// `validateLifecycle`: each hook one handler.
fn lifecycle(l: &Lifecycle, ctx: &Ctx, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if let Some(hook) = &l.post_start {
        handler(&Handler::of_hook(hook), ctx, &path.child("postStart"), errs);
    }
    if let Some(hook) = &l.pre_stop {
        handler(&Handler::of_hook(hook), ctx, &path.child("preStop"), errs);
    }
}

/// `validateResizePolicy`: cpu and memory each at most once with a known policy; pods
/// that never restart may not ask for container restarts. Upstream reports most of
/// these at `resizePolicy` itself.
fn resize_policy(ctr: &Container, pod_restart_policy: &str, path: &FieldPath, errs: &mut Vec<FieldError>) {
    let mut seen: HashSet<&str> = HashSet::new();
    for (i, policy) in ctr.resize_policy.iter().flatten().enumerate() {
        let resource = policy.resource_name.as_str();
        if !seen.insert(resource) {
            errs.push(FieldError::duplicate(path.index(i), resource));
        }
        match resource {
            "cpu" | "memory" => {}
            "" => errs.push(FieldError::required(path, "")),
            other => errs.push(FieldError::not_supported(path, other, &["cpu", "memory"])),
        }
        let restart = policy.restart_policy.as_str();
        match restart {
            "NotRequired" | "RestartContainer" => {}
            "" => errs.push(FieldError::required(path, "")),
            other => errs.push(FieldError::not_supported(
                path,
                other,
                &["NotRequired", "RestartContainer"],
            )),
        }
        if pod_restart_policy == "Never" && restart != "NotRequired" {
            errs.push(FieldError::invalid(
                path,
                restart,
                "must be 'NotRequired' when `restartPolicy` is 'Never'",
            ));
        }
    }
}

/// The Go `%#v` text of a string slice, as upstream prints some bad values.
pub(super) fn go_strings(values: &[String]) -> crate::field_error::FieldValue {
    go_value(values.iter().map(|v| crate::go_format::quote(v)), "[]string")
}
