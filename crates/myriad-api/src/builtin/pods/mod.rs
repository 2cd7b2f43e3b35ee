//! Pods and pod templates, as upstream's `ValidatePodCreate`, `ValidatePodUpdate`,
//! `ValidatePodStatusUpdate`, `ValidatePodTemplate` and `ValidatePodTemplateSpec` check
//! them (`pkg/apis/core/validation`), with the options the pod strategy derives from
//! the old object (`GetValidationOptionsFromPodSpecAndMeta`): an update may keep a
//! value that an older server let in.
//!
//! The areas: [`spec`] (the pod spec's own fields), [`containers`], [`volumes`],
//! [`scheduling`] (affinity, tolerations, spreading), [`security`] (security contexts,
//! OS-specific rules), [`resources`], [`annotations`] (the pod-specific annotations),
//! [`update`] (what a pod update may change) and [`status`].
//!
//! Feature gates follow Kubernetes 1.33's defaults: relaxed env var names and DNS
//! search paths, zero-second sleep hooks, sidecars, in-place resize policies and
//! `matchLabelKeys` are on; pod-level resources, image volumes' and cluster trust
//! bundles' gates are off upstream (their fields are dropped before validation there;
//! here the last two are validated as if on, pod-level `resources` is not checked).
//!
//! Upstream validates objects after defaulting, and some of its defaults cannot be
//! told from the value they replace (an empty restart policy, a zero probe period, a
//! volume without a source, a host port on the host network): such fields are read
//! with their defaults when absent or empty, so an object validates the same whether
//! the server's defaulting already filled them in or not.

mod annotations;
mod containers;
mod resources;
mod scheduling;
mod security;
mod spec;
mod status;
mod update;
mod volumes;

use k8s_openapi::api::core::v1::{Pod, PodSpec, PodTemplate, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

use super::{Input, typed};
use crate::field_error::{FieldError, FieldPath, FieldValue};
use crate::validation::{validate_annotations, validate_labels};

pub(super) fn validate(group: &str, kind: &str, new: Input<'_>, old: Option<&Value>) -> Option<Vec<FieldError>> {
    Some(match (group, kind) {
        ("", "Pod") => typed(new, old, |new: &Pod, old: Option<&Pod>| match old {
            None => pod_create(new),
            Some(old) => update::pod_update(new, old),
        }),
        ("", "PodTemplate") => typed(new, old, pod_template),
        _ => return None,
    })
}

/// A pod template as workloads embed it (`ValidatePodTemplateSpec`): its labels and
/// annotations, and its pod spec; `path` is the template's (`spec.template`).
pub(crate) fn pod_template_spec(template: &PodTemplateSpec, path: &FieldPath) -> Vec<FieldError> {
    pod_template_spec_update(template, None, path)
}

/// [`pod_template_spec`] for a workload update: the old template relaxes the rules an
/// older server did not enforce (invalid label values in affinity selectors, indivisible
/// huge pages, …), as upstream's `GetValidationOptionsFromPodTemplate(new, old)`.
pub(crate) fn pod_template_spec_update(
    template: &PodTemplateSpec,
    old: Option<&PodTemplateSpec>,
    path: &FieldPath,
) -> Vec<FieldError> {
    let old = old.map(|t| (t.spec.as_ref(), t.metadata.as_ref()));
    let opts = Options::new(old.map(|(spec, meta)| (spec.unwrap_or(&EMPTY_SPEC), meta)), false);
    let mut errs = Vec::new();
    template_spec(template, path, &opts, &mut errs);
    errs
}

/// Upstream's `ValidatePodStatusUpdate`, for the `pods/status` subresource: `new` is
/// the pod as the status update would leave it, `old` the stored pod.
pub(crate) fn pod_status_update(new: &Value, old: &Value) -> Vec<FieldError> {
    typed(new, Some(old), |new: &Pod, old: Option<&Pod>| match old {
        Some(old) => status::pod_status_update(new, old),
        None => Vec::new(),
    })
}

/// Upstream's `ValidatePodEphemeralContainersUpdate`, for `pods/ephemeralcontainers`.
pub(crate) fn pod_ephemeral_containers_update(new: &Value, old: &Value) -> Vec<FieldError> {
    typed(new, Some(old), |new: &Pod, old: Option<&Pod>| match old {
        Some(old) => update::ephemeral_containers_update(new, old),
        None => Vec::new(),
    })
}

static EMPTY_SPEC: PodSpec = PodSpec {
    active_deadline_seconds: None,
    affinity: None,
    automount_service_account_token: None,
    containers: Vec::new(),
    dns_config: None,
    dns_policy: None,
    enable_service_links: None,
    ephemeral_containers: None,
    host_aliases: None,
    host_ipc: None,
    host_network: None,
    host_pid: None,
    host_users: None,
    hostname: None,
    image_pull_secrets: None,
    init_containers: None,
    node_name: None,
    node_selector: None,
    os: None,
    overhead: None,
    preemption_policy: None,
    priority: None,
    priority_class_name: None,
    readiness_gates: None,
    resource_claims: None,
    resources: None,
    restart_policy: None,
    runtime_class_name: None,
    scheduler_name: None,
    scheduling_gates: None,
    security_context: None,
    service_account: None,
    service_account_name: None,
    set_hostname_as_fqdn: None,
    share_process_namespace: None,
    subdomain: None,
    termination_grace_period_seconds: None,
    tolerations: None,
    topology_spread_constraints: None,
    volumes: None,
};

static EMPTY_TEMPLATE: PodTemplateSpec = PodTemplateSpec {
    metadata: None,
    spec: None,
};

/// The knobs upstream's `PodValidationOptions` turns, for the rules that 1.33 still
/// switches: most relax a rule on update when the old object already broke it.
#[derive(Clone, Copy, Debug, Default)]
struct Options {
    /// The spec is a pod's, not a template's (host ports, image volume references).
    resource_is_pod: bool,
    allow_invalid_pod_deletion_cost: bool,
    allow_indivisible_huge_pages: bool,
    allow_invalid_label_value_in_selector: bool,
    allow_invalid_label_value_in_required_node_affinity: bool,
    allow_invalid_topology_spread_label_selector: bool,
    allow_non_local_projected_token_path: bool,
    allow_namespaced_sysctls_for_host_net_and_ipc: bool,
    /// SELinuxMount is off by default in 1.33: only `Recursive` is accepted, unless the
    /// old object already has a policy.
    allow_only_recursive_selinux_change_policy: bool,
}

impl Options {
    /// `GetValidationOptionsFromPodSpecAndMeta` with 1.33's default feature gates; `old`
    /// is the old object's spec and metadata on update.
    fn new(old: Option<(&PodSpec, Option<&ObjectMeta>)>, resource_is_pod: bool) -> Options {
        let mut opts = Options {
            resource_is_pod,
            allow_only_recursive_selinux_change_policy: true,
            ..Options::default()
        };
        let Some((spec, meta)) = old else { return opts };
        opts.allow_indivisible_huge_pages = resources_of(spec).any(|(name, quantity)| {
            resources::is_huge_pages(name) && !resources::huge_pages_divisible(name, &quantity.0)
        });
        opts.allow_invalid_label_value_in_selector = scheduling::has_invalid_affinity_selector(spec);
        opts.allow_invalid_label_value_in_required_node_affinity =
            scheduling::has_invalid_required_node_affinity_value(spec);
        opts.allow_invalid_topology_spread_label_selector = scheduling::has_invalid_spread_selector(spec);
        opts.allow_non_local_projected_token_path = volumes::has_non_local_token_path(spec);
        opts.allow_namespaced_sysctls_for_host_net_and_ipc = security::has_host_namespaced_sysctl(spec);
        opts.allow_only_recursive_selinux_change_policy = spec
            .security_context
            .as_ref()
            .is_none_or(|sc| sc.se_linux_change_policy.is_none());
        opts.allow_invalid_pod_deletion_cost = meta
            .and_then(|m| m.annotations.as_ref())
            .and_then(|a| a.get(annotations::DELETION_COST))
            .is_some_and(|cost| !annotations::valid_deletion_cost(cost));
        opts
    }
}

/// Every container resource quantity of a spec (limits and requests of every kind of
/// container) and its overhead.
fn resources_of(
    spec: &PodSpec,
) -> impl Iterator<Item = (&str, &k8s_openapi::apimachinery::pkg::api::resource::Quantity)> {
    let containers = spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .filter_map(|c| c.resources.as_ref());
    let ephemeral = spec
        .ephemeral_containers
        .iter()
        .flatten()
        .filter_map(|c| c.resources.as_ref());
    containers
        .chain(ephemeral)
        .flat_map(|r| r.limits.iter().flatten().chain(r.requests.iter().flatten()))
        .chain(spec.overhead.iter().flatten())
        .map(|(name, q)| (name.as_str(), q))
}

fn pod_create(pod: &Pod) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let opts = Options::new(None, true);
    let spec = pod.spec.as_ref().unwrap_or(&EMPTY_SPEC);
    pod_metadata_and_spec(pod, spec, &opts, &mut errs);
    let spec_path = FieldPath::new("spec");
    // Ephemeral containers are added through their own subresource only.
    if spec.ephemeral_containers.as_ref().is_some_and(|e| !e.is_empty()) {
        errs.push(FieldError::forbidden(
            spec_path.child("ephemeralContainers"),
            "cannot be set on create",
        ));
    }
    if !text(&spec.node_name).is_empty() && spec.scheduling_gates.as_ref().is_some_and(|g| !g.is_empty()) {
        errs.push(FieldError::forbidden(
            spec_path.child("nodeName"),
            "cannot be set until all schedulingGates have been cleared",
        ));
    }
    annotations::seccomp_annotations_match_fields(&pod.metadata, spec, &spec_path, &mut errs);
    annotations::apparmor_annotations_match_fields(&pod.metadata, spec, &spec_path, &mut errs);
    errs
}

/// `validatePodMetadataAndSpec`: the pod-specific annotations, the spec, and the rules
/// only pods (not templates) follow.
fn pod_metadata_and_spec(pod: &Pod, spec: &PodSpec, opts: &Options, errs: &mut Vec<FieldError>) {
    let spec_path = FieldPath::new("spec");
    annotations::pod_specific(
        pod.metadata.annotations.as_ref(),
        spec,
        &FieldPath::new("metadata").child("annotations"),
        opts,
        errs,
    );
    spec::pod_spec(spec, Some(&pod.metadata), &spec_path, opts, errs);
    if spec::service_account_name(spec).is_empty() {
        for (vi, volume) in spec.volumes.iter().flatten().enumerate() {
            let Some(projected) = &volume.projected else { continue };
            for (si, source) in projected.sources.iter().flatten().enumerate() {
                if source.service_account_token.is_some() {
                    errs.push(FieldError::forbidden(
                        spec_path
                            .child("volumes")
                            .index(vi)
                            .child("projected")
                            .child("sources")
                            .index(si)
                            .child("serviceAccountToken"),
                        "must not be specified when serviceAccountName is not set",
                    ));
                }
            }
        }
    }
    let containers_path = spec_path.child("containers");
    for (i, ctr) in spec.containers.iter().enumerate() {
        containers::image_whitespace(ctr, &containers_path.index(i), errs);
    }
    let init_path = spec_path.child("initContainers");
    for (i, ctr) in spec.init_containers.iter().flatten().enumerate() {
        containers::image_whitespace(ctr, &init_path.index(i), errs);
    }
}

fn pod_template(new: &PodTemplate, old: Option<&PodTemplate>) -> Vec<FieldError> {
    let old = old.and_then(|t| t.template.as_ref());
    let opts = Options::new(
        old.map(|t| (t.spec.as_ref().unwrap_or(&EMPTY_SPEC), t.metadata.as_ref())),
        false,
    );
    let mut errs = Vec::new();
    let template = new.template.as_ref().unwrap_or(&EMPTY_TEMPLATE);
    template_spec(template, &FieldPath::new("template"), &opts, &mut errs);
    errs
}

/// `ValidatePodTemplateSpec`. Upstream names the template's labels and annotations
/// `<path>.labels` and `<path>.annotations`, without `metadata`.
fn template_spec(template: &PodTemplateSpec, path: &FieldPath, opts: &Options, errs: &mut Vec<FieldError>) {
    let default_meta = ObjectMeta::default();
    let meta = template.metadata.as_ref().unwrap_or(&default_meta);
    let spec = template.spec.as_ref().unwrap_or(&EMPTY_SPEC);
    if let Some(labels) = &meta.labels {
        errs.extend(validate_labels(
            labels.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            &path.child("labels"),
        ));
    }
    let annotations_path = path.child("annotations");
    if let Some(annotations) = &meta.annotations {
        errs.extend(validate_annotations(
            annotations.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            &annotations_path,
        ));
    }
    annotations::pod_specific(meta.annotations.as_ref(), spec, &annotations_path, opts, errs);
    let spec_path = path.child("spec");
    spec::pod_spec(spec, None, &spec_path, opts, errs);
    annotations::seccomp_annotations_match_fields(meta, spec, &spec_path, errs);
    annotations::apparmor_annotations_match_fields(meta, spec, &spec_path, errs);
    if spec.ephemeral_containers.as_ref().is_some_and(|e| !e.is_empty()) {
        errs.push(FieldError::forbidden(
            spec_path.child("ephemeralContainers"),
            "ephemeral containers not allowed in pod template",
        ));
    }
}

/// The value of an optional string field, `""` when absent.
fn text(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or_default()
}

/// A bad value printed as Go's `%#v` prints a slice: `[]string{"a", "b"}`, or
/// `[]string(nil)` for none.
fn go_value(items: impl Iterator<Item = String>, type_name: &str) -> FieldValue {
    let items: Vec<String> = items.collect();
    FieldValue::Json(format!("{type_name}{{{}}}", items.join(", ")))
}

/// `validatePathNoBacksteps`: no `..` element.
fn path_no_backsteps(target: &str, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if target.split('/').any(|part| part == "..") {
        errs.push(FieldError::invalid(path, target, "must not contain '..'"));
    }
}

/// `validateLocalDescendingPath`: relative, and no `..` element.
fn local_descending_path(target: &str, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if target.starts_with('/') {
        errs.push(FieldError::invalid(path, target, "must be a relative path"));
    }
    path_no_backsteps(target, path, errs);
}

/// `ValidateLocalNonReservedPath`: a local descending path that does not start with
/// `..` (reported once when `..` is also an element).
fn local_non_reserved_path(target: &str, path: &FieldPath, errs: &mut Vec<FieldError>) {
    local_descending_path(target, path, errs);
    if target.starts_with("..") && !target.starts_with("../") {
        errs.push(FieldError::invalid(path, target, "must not start with '..'"));
    }
}

#[cfg(test)]
mod tests;
