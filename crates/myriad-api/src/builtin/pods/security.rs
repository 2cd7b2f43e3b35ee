//! Security settings: the pod's and each container's security context
//! (`validatePodSpecSecurityContext`, `ValidateSecurityContext`), seccomp and AppArmor
//! profiles, sysctls, Windows options, user namespaces, and the rules that depend on
//! the pod's OS (`validateLinux`, `validateWindows`, `validateWindowsHostProcessPod`).
//!
//! Privileged containers are taken as allowed (kube-apiserver's `--allow-privileged`,
//! which every common installer sets).

use std::collections::HashSet;
use std::sync::LazyLock;

use k8s_openapi::api::core::v1::{
    AppArmorProfile, Container, PodSecurityContext, PodSpec, SeccompProfile, SecurityContext,
    WindowsSecurityContextOptions,
};
use regex::Regex;

use super::{Options, local_descending_path};
use crate::field_error::{FieldError, FieldPath, FieldValue};
use crate::go_format::quote;
use crate::validation::is_dns1123_subdomain;

/// 1.33's range of user and group IDs (`IsValidUserID`, `IsValidGroupID`).
const ID_RANGE: &str = "must be between 0 and 2147483647, inclusive";

fn id(value: Option<i64>, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if let Some(v) = value
        && !(0..=i64::from(i32::MAX)).contains(&v)
    {
        errs.push(FieldError::invalid(path, v, ID_RANGE));
    }
}

/// Every container of a spec with its path, in upstream's `VisitContainersWithPath`
/// order: init containers, containers, ephemeral containers (as their shared fields).
pub(super) fn visit_containers<'a>(
    spec: &'a PodSpec,
    path: &FieldPath,
    mut visit: impl FnMut(ContainerView<'a>, FieldPath),
) {
    for (i, c) in spec.init_containers.iter().flatten().enumerate() {
        visit(ContainerView::of(c), path.child("initContainers").index(i));
    }
    for (i, c) in spec.containers.iter().enumerate() {
        visit(ContainerView::of(c), path.child("containers").index(i));
    }
    for (i, c) in spec.ephemeral_containers.iter().flatten().enumerate() {
        visit(
            ContainerView {
                name: &c.name,
                security_context: c.security_context.as_ref(),
            },
            path.child("ephemeralContainers").index(i),
        );
    }
}

/// The fields the OS and annotation rules read from a container of any kind.
#[derive(Clone, Copy)]
pub(super) struct ContainerView<'a> {
    pub name: &'a str,
    pub security_context: Option<&'a SecurityContext>,
}

impl<'a> ContainerView<'a> {
    fn of(c: &'a Container) -> Self {
        ContainerView {
            name: &c.name,
            security_context: c.security_context.as_ref(),
        }
    }
}

/// `validatePodSpecSecurityContext`. `path` is `spec.securityContext`; in upstream's
/// internal model the host namespaces live in the security context, so their errors
/// are reported there (`spec.securityContext.shareProcessNamespace`).
pub(super) fn pod_security_context(spec: &PodSpec, opts: &Options, path: &FieldPath, errs: &mut Vec<FieldError>) {
    let default = PodSecurityContext::default();
    let sc = spec.security_context.as_ref().unwrap_or(&default);
    id(sc.fs_group, &path.child("fsGroup"), errs);
    id(sc.run_as_user, &path.child("runAsUser"), errs);
    id(sc.run_as_group, &path.child("runAsGroup"), errs);
    for (g, gid) in sc.supplemental_groups.iter().flatten().enumerate() {
        id(Some(*gid), &path.child("supplementalGroups").index(g), errs);
    }
    if spec.share_process_namespace == Some(true) && spec.host_pid == Some(true) {
        errs.push(FieldError::invalid(
            path.child("shareProcessNamespace"),
            true,
            "ShareProcessNamespace and HostPID cannot both be enabled",
        ));
    }
    if let Some(sysctls) = sc.sysctls.as_deref().filter(|s| !s.is_empty()) {
        let sysctls_path = path.child("sysctls");
        let mut names: HashSet<&str> = HashSet::new();
        for (i, sysctl) in sysctls.iter().enumerate() {
            let name_path = sysctls_path.index(i).child("name");
            let name = sysctl.name.as_str();
            if name.is_empty() {
                errs.push(FieldError::required(&name_path, ""));
            } else if !is_valid_sysctl_name(name) {
                errs.push(FieldError::invalid(
                    &name_path,
                    name,
                    format!("must have at most 253 characters and match regex {}", SYSCTL_REGEX),
                ));
            } else if names.contains(name) {
                errs.push(FieldError::duplicate(&name_path, name));
            }
            if !opts.allow_namespaced_sysctls_for_host_net_and_ipc
                && let Some(error) = host_sysctl(name, spec, &name_path)
            {
                errs.push(error);
            }
            names.insert(name);
        }
    }
    if let Some(policy) = sc.fs_group_change_policy.as_deref()
        && !matches!(policy, "OnRootMismatch" | "Always")
    {
        errs.push(FieldError::not_supported(
            path.child("fsGroupChangePolicy"),
            policy,
            &["Always", "OnRootMismatch"],
        ));
    }
    if let Some(profile) = &sc.seccomp_profile {
        seccomp_profile(profile, &path.child("seccompProfile"), errs);
    }
    if let Some(options) = &sc.windows_options {
        windows_options(options, &path.child("windowsOptions"), errs);
    }
    if let Some(profile) = &sc.app_armor_profile {
        app_armor_profile(profile, &path.child("appArmorProfile"), errs);
    }
    if let Some(policy) = sc.supplemental_groups_policy.as_deref()
        && !matches!(policy, "Merge" | "Strict")
    {
        errs.push(FieldError::not_supported(
            path.child("supplementalGroupsPolicy"),
            policy,
            &["Merge", "Strict"],
        ));
    }
    if let Some(policy) = sc.se_linux_change_policy.as_deref() {
        let here = path.child("seLinuxChangePolicy");
        if opts.allow_only_recursive_selinux_change_policy {
            if policy != "Recursive" {
                errs.push(FieldError::not_supported(here, policy, &["Recursive"]));
            }
        } else if !matches!(policy, "Recursive" | "MountOption") {
            errs.push(FieldError::not_supported(here, policy, &["MountOption", "Recursive"]));
        }
    }
}

/// The regular expression upstream quotes for sysctl names.
const SYSCTL_REGEX: &str = r"^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$";

/// `IsValidSysctlName`: segments of lowercase alphanumerics, `-` and `_` (starting
/// and ending alphanumeric), joined by `.` or `/`, at most 253 characters.
fn is_valid_sysctl_name(name: &str) -> bool {
    name.len() <= 253
        && name.split(['.', '/']).all(|segment| {
            let b = segment.as_bytes();
            let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
            b.first().is_some_and(alnum)
                && b.last().is_some_and(alnum)
                && b.iter().all(|c| alnum(c) || *c == b'-' || *c == b'_')
        })
}

/// The kernel namespace a sysctl belongs to (`utilsysctl.GetNamespace`), after
/// normalizing a `/`-separated name.
fn sysctl_namespace(name: &str) -> Option<&'static str> {
    let normalized: String = match name.find(['.', '/']) {
        Some(i) if name.as_bytes()[i] == b'/' => name
            .chars()
            .map(|c| match c {
                '.' => '/',
                '/' => '.',
                c => c,
            })
            .collect(),
        Some(_) => name.to_string(),
        None => return None,
    };
    match normalized.as_str() {
        "kernel.sem"
        | "kernel.shmall"
        | "kernel.shmmax"
        | "kernel.shmmni"
        | "kernel.shm_rmid_forced"
        | "kernel.msgmax"
        | "kernel.msgmnb"
        | "kernel.msgmni" => Some("IPC"),
        "kernel.domainname" | "kernel.hostname" => Some("UTS"),
        n if n.starts_with("net.") => Some("Net"),
        n if n.starts_with("fs.mqueue.") => Some("IPC"),
        _ => None,
    }
}

/// `ValidateHostSysctl`: a pod sharing the host's network or IPC namespace may not set
/// that namespace's sysctls.
fn host_sysctl(name: &str, spec: &PodSpec, path: &FieldPath) -> Option<FieldError> {
    match sysctl_namespace(name) {
        Some("Net") if spec.host_network == Some(true) => Some(FieldError::invalid(
            path,
            name,
            "may not be specified when 'hostNetwork' is true",
        )),
        Some("IPC") if spec.host_ipc == Some(true) => Some(FieldError::invalid(
            path,
            name,
            "may not be specified when 'hostIPC' is true",
        )),
        _ => None,
    }
}

/// Whether an old spec sets a sysctl of a namespace it shares with the host (an
/// update may keep it).
pub(super) fn has_host_namespaced_sysctl(spec: &PodSpec) -> bool {
    spec.security_context
        .as_ref()
        .and_then(|sc| sc.sysctls.as_ref())
        .into_iter()
        .flatten()
        .any(|s| host_sysctl(&s.name, spec, &FieldPath::default()).is_some())
}

/// `validateSeccompProfileField`.
fn seccomp_profile(profile: &SeccompProfile, path: &FieldPath, errs: &mut Vec<FieldError>) {
    let kind = profile.type_.as_str();
    match kind {
        "Localhost" | "RuntimeDefault" | "Unconfined" => {}
        "" => errs.push(FieldError::required(
            path.child("type"),
            "type is required when seccompProfile is set",
        )),
        other => errs.push(FieldError::not_supported(
            path.child("type"),
            other,
            &["Localhost", "RuntimeDefault", "Unconfined"],
        )),
    }
    let here = path.child("localhostProfile");
    match (kind, &profile.localhost_profile) {
        ("Localhost", None) => errs.push(FieldError::required(here, "must be set when seccomp type is Localhost")),
        ("Localhost", Some(local)) => local_descending_path(local, &here, errs),
        (_, Some(_)) => errs.push(FieldError::invalid(
            here,
            // Upstream prints the profile struct with Go's `%#v`, pointer address and all.
            FieldValue::Json(format!(
                "core.SeccompProfile{{Type:{}, LocalhostProfile:(*string)(0xc000000000)}}",
                quote(kind)
            )),
            "can only be set when seccomp type is Localhost",
        )),
        (_, None) => {}
    }
}

/// `ValidateAppArmorProfileField`.
fn app_armor_profile(profile: &AppArmorProfile, path: &FieldPath, errs: &mut Vec<FieldError>) {
    let local_path = path.child("localhostProfile");
    match profile.type_.as_str() {
        "Localhost" => match profile.localhost_profile.as_deref() {
            None => errs.push(FieldError::required(
                local_path,
                "must be set when AppArmor type is Localhost",
            )),
            Some(local) => {
                let trimmed = local.trim();
                if trimmed != local {
                    errs.push(FieldError::invalid(
                        &local_path,
                        local,
                        "must not be padded with whitespace",
                    ));
                } else if trimmed.is_empty() {
                    errs.push(FieldError::required(
                        &local_path,
                        "must be set when AppArmor type is Localhost",
                    ));
                }
                if local.len() > 4095 {
                    errs.push(FieldError::too_long(&local_path, 4095));
                }
            }
        },
        "RuntimeDefault" | "Unconfined" => {
            if let Some(local) = profile.localhost_profile.as_deref() {
                errs.push(FieldError::invalid(
                    local_path,
                    local,
                    "can only be set when AppArmor type is Localhost",
                ));
            }
        }
        "" => errs.push(FieldError::required(
            path.child("type"),
            "type is required when appArmorProfile is set",
        )),
        other => errs.push(FieldError::not_supported(
            path.child("type"),
            other,
            &["Localhost", "RuntimeDefault", "Unconfined"],
        )),
    }
}

static NET_BIOS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^[^\\/:\*\?"<>|\.][^\\/:\*\?"<>|]{0,14}$"#).expect("static regex"));
static DNS_DOMAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$")
        .expect("static regex")
});

/// `validateWindowsSecurityContextOptions`.
fn windows_options(options: &WindowsSecurityContextOptions, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if let Some(name) = options.gmsa_credential_spec_name.as_deref() {
        for msg in is_dns1123_subdomain(name) {
            errs.push(FieldError::invalid(path.child("gmsaCredentialSpecName"), name, msg));
        }
    }
    if let Some(spec) = options.gmsa_credential_spec.as_deref() {
        let here = path.child("gmsaCredentialSpec");
        if spec.is_empty() {
            errs.push(FieldError::invalid(
                here,
                spec,
                "gmsaCredentialSpec cannot be an empty string",
            ));
        } else if spec.len() > 64 * 1024 {
            errs.push(FieldError::invalid(
                here,
                spec,
                "gmsaCredentialSpec size must be under 64 KiB",
            ));
        }
    }
    let Some(user) = options.run_as_user_name.as_deref() else {
        return;
    };
    let here = path.child("runAsUserName");
    let mut fail = |msg: &str| errs.push(FieldError::invalid(&here, user, msg));
    if user.is_empty() {
        fail("runAsUserName cannot be an empty string");
        return;
    }
    if user.bytes().any(|b| b < 0x20 || b == 0x7f) {
        fail("runAsUserName cannot contain control characters");
        return;
    }
    let parts: Vec<&str> = user.split('\\').collect();
    let (domain, name) = match parts.as_slice() {
        [name] => (None, *name),
        [domain, name] => (Some(*domain), *name),
        _ => {
            fail("runAsUserName cannot contain more than one backslash");
            return;
        }
    };
    if domain.is_some_and(|d| d.len() >= 256) {
        fail("runAsUserName's Domain length must be under 256 characters");
    }
    if let Some(domain) = domain
        && !(NET_BIOS.is_match(domain) || DNS_DOMAIN.is_match(domain))
    {
        fail("runAsUserName's Domain doesn't match the NetBios nor the DNS format");
    }
    if name.is_empty() {
        fail("runAsUserName's User cannot be empty");
    } else if name.len() > 104 {
        fail("runAsUserName's User length must not be longer than 104 characters");
    }
    if !name.is_empty() && name.bytes().all(|b| b == b'.' || b == b' ') {
        fail("runAsUserName's User cannot contain only periods or spaces");
    }
    if name.contains([
        '"', '/', '\\', ':', ';', '|', '=', ',', '+', '*', '?', '<', '>', '@', '[', ']',
    ]) {
        fail(r#"runAsUserName's User cannot contain the following characters: "/\:;|=,+*?<>@[]"#);
    }
}

/// The Go `%#v` text of a container security context, which upstream prints as the
/// bad value of the privilege-escalation rules (pointer addresses are placeholders).
fn go_security_context(sc: &SecurityContext) -> FieldValue {
    fn ptr<T>(value: &Option<T>, type_name: &str) -> String {
        match value {
            Some(_) => format!("(*{type_name})(0xc000000000)"),
            None => format!("(*{type_name})(nil)"),
        }
    }
    FieldValue::Json(format!(
        "core.SecurityContext{{Capabilities:{}, Privileged:{}, SELinuxOptions:{}, WindowsOptions:{}, RunAsUser:{}, RunAsGroup:{}, RunAsNonRoot:{}, ReadOnlyRootFilesystem:{}, AllowPrivilegeEscalation:{}, ProcMount:{}, SeccompProfile:{}, AppArmorProfile:{}}}",
        ptr(&sc.capabilities, "core.Capabilities"),
        ptr(&sc.privileged, "bool"),
        ptr(&sc.se_linux_options, "core.SELinuxOptions"),
        ptr(&sc.windows_options, "core.WindowsSecurityContextOptions"),
        ptr(&sc.run_as_user, "int64"),
        ptr(&sc.run_as_group, "int64"),
        ptr(&sc.run_as_non_root, "bool"),
        ptr(&sc.read_only_root_filesystem, "bool"),
        ptr(&sc.allow_privilege_escalation, "bool"),
        ptr(&sc.proc_mount, "core.ProcMountType"),
        ptr(&sc.seccomp_profile, "core.SeccompProfile"),
        ptr(&sc.app_armor_profile, "core.AppArmorProfile"),
    ))
}

/// `ValidateSecurityContext` for a container.
pub(super) fn container_security_context(
    sc: &SecurityContext,
    path: &FieldPath,
    host_users: bool,
    errs: &mut Vec<FieldError>,
) {
    id(sc.run_as_user, &path.child("runAsUser"), errs);
    id(sc.run_as_group, &path.child("runAsGroup"), errs);
    if let Some(proc_mount) = sc.proc_mount.as_deref() {
        if !matches!(proc_mount, "Default" | "Unmasked") {
            errs.push(FieldError::not_supported(
                path.child("procMount"),
                proc_mount,
                &["Default", "Unmasked"],
            ));
        }
        if host_users && proc_mount == "Unmasked" {
            errs.push(FieldError::invalid(
                path.child("procMount"),
                proc_mount,
                "`hostUsers` must be false to use `Unmasked`",
            ));
        }
    }
    if let Some(profile) = &sc.seccomp_profile {
        seccomp_profile(profile, &path.child("seccompProfile"), errs);
    }
    if sc.allow_privilege_escalation == Some(false) {
        if sc.privileged == Some(true) {
            errs.push(FieldError::invalid(
                path,
                go_security_context(sc),
                "cannot set `allowPrivilegeEscalation` to false and `privileged` to true",
            ));
        }
        let adds = sc.capabilities.as_ref().and_then(|c| c.add.as_ref());
        for cap in adds.into_iter().flatten() {
            if cap == "CAP_SYS_ADMIN" {
                errs.push(FieldError::invalid(
                    path,
                    go_security_context(sc),
                    "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN",
                ));
            }
        }
    }
    if let Some(options) = &sc.windows_options {
        windows_options(options, &path.child("windowsOptions"), errs);
    }
    if let Some(profile) = &sc.app_armor_profile {
        app_armor_profile(profile, &path.child("appArmorProfile"), errs);
    }
}

/// `validateWindowsHostProcessPod`: host process containers all or none, on the host
/// network, and their pod and container settings agreeing.
pub(super) fn windows_host_process(spec: &PodSpec, path: &FieldPath, errs: &mut Vec<FieldError>) {
    let pod_host_process = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.windows_options.as_ref())
        .and_then(|w| w.host_process);
    let (mut containers, mut host_process) = (0, 0);
    visit_containers(spec, path, |c, c_path| {
        containers += 1;
        let own = c
            .security_context
            .and_then(|sc| sc.windows_options.as_ref())
            .and_then(|w| w.host_process);
        if let (Some(pod), Some(own)) = (pod_host_process, own)
            && pod != own
        {
            errs.push(FieldError::invalid(
                c_path
                    .child("securityContext")
                    .child("windowsOptions")
                    .child("hostProcess"),
                own,
                format!("pod hostProcess value must be identical if both are specified, was {pod}"),
            ));
        }
        if own.unwrap_or(pod_host_process == Some(true)) {
            host_process += 1;
        }
    });
    if host_process > 0 {
        if host_process != containers {
            errs.push(FieldError::invalid(
                path,
                "",
                "If pod contains any hostProcess containers then all containers must be HostProcess containers",
            ));
        }
        if spec.host_network != Some(true) {
            errs.push(FieldError::invalid(
                path.child("hostNetwork"),
                false,
                "hostNetwork must be true if pod contains any hostProcess containers",
            ));
        }
    }
}

/// `validateHostUsers`: a pod in its own user namespace may not share the host's
/// network, PID or IPC namespace (upstream's paths capitalize the last two).
pub(super) fn host_users(spec: &PodSpec, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if spec.host_users != Some(false) {
        return;
    }
    for (set, field) in [
        (spec.host_network, "hostNetwork"),
        (spec.host_pid, "HostPID"),
        (spec.host_ipc, "HostIPC"),
    ] {
        if set == Some(true) {
            errs.push(FieldError::forbidden(
                path.child(field),
                "when `pod.Spec.HostUsers` is false",
            ));
        }
    }
}

/// `validateOS` and the rules of the OS it names.
pub(super) fn os(spec: &PodSpec, path: &FieldPath, errs: &mut Vec<FieldError>) {
    let Some(os) = &spec.os else { return };
    let os_path = path.child("os");
    match os.name.as_str() {
        "" => errs.push(FieldError::required(os_path.child("name"), "cannot be empty")),
        "linux" => linux(spec, path, errs),
        "windows" => windows(spec, path, errs),
        other => errs.push(FieldError::not_supported(os_path, other, &["linux", "windows"])),
    }
}

const LINUX_WINDOWS_OPTIONS: &str = "windows options cannot be set for a linux pod";

fn linux(spec: &PodSpec, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if spec
        .security_context
        .as_ref()
        .is_some_and(|sc| sc.windows_options.is_some())
    {
        errs.push(FieldError::forbidden(
            path.child("securityContext").child("windowsOptions"),
            LINUX_WINDOWS_OPTIONS,
        ));
    }
    visit_containers(spec, path, |c, c_path| {
        if c.security_context.is_some_and(|sc| sc.windows_options.is_some()) {
            errs.push(FieldError::forbidden(
                c_path.child("securityContext").child("windowsOptions"),
                LINUX_WINDOWS_OPTIONS,
            ));
        }
    });
}

const NOT_FOR_WINDOWS: &str = "cannot be set for a windows pod";

fn windows(spec: &PodSpec, path: &FieldPath, errs: &mut Vec<FieldError>) {
    let sc_path = path.child("securityContext");
    // Upstream's internal model always has a pod security context (it holds the host
    // namespaces).
    let default = PodSecurityContext::default();
    let sc = spec.security_context.as_ref().unwrap_or(&default);
    {
        let checks = [
            (sc.app_armor_profile.is_some(), sc_path.child("appArmorProfile")),
            (sc.se_linux_options.is_some(), sc_path.child("seLinuxOptions")),
            (spec.host_users.is_some(), path.child("hostUsers")),
            (spec.host_pid == Some(true), path.child("hostPID")),
            (spec.host_ipc == Some(true), path.child("hostIPC")),
            (sc.seccomp_profile.is_some(), sc_path.child("seccompProfile")),
            (sc.fs_group.is_some(), sc_path.child("fsGroup")),
            (
                sc.fs_group_change_policy.is_some(),
                sc_path.child("fsGroupChangePolicy"),
            ),
            (
                sc.sysctls.as_ref().is_some_and(|s| !s.is_empty()),
                sc_path.child("sysctls"),
            ),
            (
                spec.share_process_namespace.is_some(),
                path.child("shareProcessNamespace"),
            ),
            (sc.run_as_user.is_some(), sc_path.child("runAsUser")),
            (sc.run_as_group.is_some(), sc_path.child("runAsGroup")),
            (sc.supplemental_groups.is_some(), sc_path.child("supplementalGroups")),
            (
                sc.supplemental_groups_policy.is_some(),
                sc_path.child("supplementalGroupsPolicy"),
            ),
            (
                sc.se_linux_change_policy.is_some(),
                sc_path.child("seLinuxChangePolicy"),
            ),
        ];
        for (set, here) in checks {
            if set {
                errs.push(FieldError::forbidden(here, NOT_FOR_WINDOWS));
            }
        }
    }
    visit_containers(spec, path, |c, c_path| {
        let Some(sc) = c.security_context else { return };
        let here = c_path.child("securityContext");
        let checks = [
            (sc.app_armor_profile.is_some(), "appArmorProfile"),
            (sc.se_linux_options.is_some(), "seLinuxOptions"),
            (sc.seccomp_profile.is_some(), "seccompProfile"),
            (sc.capabilities.is_some(), "capabilities"),
            (sc.read_only_root_filesystem.is_some(), "readOnlyRootFilesystem"),
            (sc.privileged.is_some(), "privileged"),
            (sc.allow_privilege_escalation.is_some(), "allowPrivilegeEscalation"),
            (sc.proc_mount.is_some(), "procMount"),
            (sc.run_as_user.is_some(), "runAsUser"),
            (sc.run_as_group.is_some(), "runAsGroup"),
        ];
        for (set, field) in checks {
            if set {
                errs.push(FieldError::forbidden(here.child(field), NOT_FOR_WINDOWS));
            }
        }
    });
}

/// The container a name refers to, in any list.
pub(super) fn has_container(spec: &PodSpec, name: &str) -> bool {
    let mut found = false;
    visit_containers(spec, &FieldPath::default(), |c, _| found |= c.name == name);
    found
}
