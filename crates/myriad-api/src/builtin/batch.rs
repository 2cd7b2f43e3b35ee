//! batch/v1 Jobs and CronJobs, as upstream's `pkg/apis/batch/validation` and the
//! strategies in `pkg/registry/batch` check them: the generated selector and its
//! labels, counts and limits, completion modes (Indexed Jobs, backoff limits per
//! index), pod failure and success policies, the template's restart policy, what a Job
//! update may change (elastic Indexed Jobs, scheduling directives of a suspended Job
//! that never started), a CronJob's schedule, time zone and name length, and Job
//! status updates.
//!
//! The cron parser lives in [`cron`], the time zone names in [`timezones`]: upstream
//! resolves a `timeZone` against the tz database, which a pure crate cannot read, so
//! the names are built in.
//!
//! As in `apps`, a structured bad value renders as Go's JSON of the internal type
//! (untagged Go field names), except a whole pod template, which renders as its v1
//! JSON: reproducing Go's JSON of the internal `PodTemplateSpec` field for field is
//! not practical.

mod cron;
mod timezones;

use std::collections::{BTreeMap, HashSet};

use k8s_openapi::api::batch::v1::{CronJob, CronJobSpec, Job, JobSpec, PodFailurePolicy, SuccessPolicy};
use k8s_openapi::api::core::v1::{Affinity, PodTemplateSpec};
use serde::Serialize;
use serde_json::Value;

use super::apps::{
    Selector, has_invalid_label_value, immutable_selector, label_selector_errors, restart_policy, selector_value,
};
use super::common::{immutable, non_negative};
use super::{Input, typed};
use crate::field_error::{FieldError, FieldPath, FieldValue};
use crate::go_format::quote;
use crate::validation::{is_dns1123_label, is_dns1123_subdomain, is_qualified_name, max_len_chars_error, regex_error};

/// The label the generated selector selects on, and its legacy twin.
pub const CONTROLLER_UID_LABEL: &str = "batch.kubernetes.io/controller-uid";
pub const LEGACY_CONTROLLER_UID_LABEL: &str = "controller-uid";
/// The label naming the Job on its pods, and its legacy twin.
pub const JOB_NAME_LABEL: &str = "batch.kubernetes.io/job-name";
pub const LEGACY_JOB_NAME_LABEL: &str = "job-name";

/// Most parallelism an Indexed Job may have.
const MAX_PARALLELISM_INDEXED: i32 = 100_000;
/// Most failed indexes an Indexed Job may tolerate.
const MAX_FAILED_INDEXES: i32 = 100_000;
const COMPLETIONS_SOFT_LIMIT: i32 = 100_000;
const PARALLELISM_LIMIT_HIGH_COMPLETIONS: i32 = 10_000;
const MAX_FAILED_INDEXES_HIGH_COMPLETIONS: i32 = 10_000;
const MAX_POD_FAILURE_POLICY_RULES: usize = 20;
const MAX_EXIT_CODE_VALUES: usize = 255;
const MAX_POD_CONDITION_PATTERNS: usize = 20;
const MAX_MANAGED_BY_LENGTH: usize = 63;
const MAX_SUCCEEDED_INDEXES_LENGTH: usize = 64 * 1024;
const MAX_SUCCESS_POLICY_RULES: usize = 20;
/// A CronJob's name leaves room for the 11-character suffix of its Jobs' names.
const MAX_CRON_JOB_NAME_LENGTH: usize = 63 - 11;

pub(super) fn validate(group: &str, kind: &str, new: Input<'_>, old: Option<&Value>) -> Option<Vec<FieldError>> {
    Some(match (group, kind) {
        ("batch", "Job") => typed(new, old, |n, o| job(n, o, &new)),
        ("batch", "CronJob") => typed(new, old, |n, o| cron_job(n, o, &new)),
        _ => return None,
    })
}

/// The errors of a Job status update (CronJob status is not validated upstream);
/// `None` for other kinds.
pub(super) fn status_update(group: &str, kind: &str, new: &Value, old: &Value) -> Option<Vec<FieldError>> {
    Some(match (group, kind) {
        ("batch", "Job") => typed(new, Some(old), |n: &Job, o| match o {
            Some(o) => job_status_update(n, o),
            None => Vec::new(),
        }),
        ("batch", "CronJob") => Vec::new(),
        _ => return None,
    })
}

/// Upstream's `JobValidationOptions`, from the old Job on update.
struct JobOptions {
    /// The template must carry the `batch.kubernetes.io/…` labels (always on create;
    /// on update only if the old template had both).
    require_prefixed_labels: bool,
    allow_invalid_label_values: bool,
    /// A suspended Job that never started may change its template's scheduling
    /// directives, labels and annotations.
    allow_mutable_scheduling: bool,
}

fn job(new: &Job, old: Option<&Job>, raw: &Value) -> Vec<FieldError> {
    let opts = match old {
        None => JobOptions {
            require_prefixed_labels: true,
            allow_invalid_label_values: false,
            allow_mutable_scheduling: false,
        },
        Some(old) => {
            let old_spec = old.spec.as_ref();
            let labels = old_spec
                .and_then(|s| s.template.metadata.as_ref())
                .and_then(|m| m.labels.as_ref());
            let has = |key| labels.is_some_and(|l| l.contains_key(key));
            JobOptions {
                require_prefixed_labels: has(JOB_NAME_LABEL) && has(CONTROLLER_UID_LABEL),
                allow_invalid_label_values: has_invalid_label_value(old_spec.and_then(|s| s.selector.as_ref())),
                allow_mutable_scheduling: old_spec.and_then(|s| s.suspend) == Some(true)
                    && old.status.as_ref().and_then(|s| s.start_time.as_ref()).is_none(),
            }
        }
    };
    let no_spec = Default::default();
    let spec = new.spec.as_ref().unwrap_or(&no_spec);
    let raw_spec = raw.get("spec").unwrap_or(&Value::Null);
    let mut errs = validate_job(new, spec, raw_spec, &opts);
    if let Some(old) = old {
        // The strategy runs ValidateJob and then ValidateJobUpdate, which validates
        // the spec again: an update reports each spec error twice.
        let no_old_spec = Default::default();
        let old_spec = old.spec.as_ref().unwrap_or(&no_old_spec);
        errs.extend(job_spec_update(spec, old_spec, raw_spec, &opts));
    }
    errs
}

fn validate_job(job: &Job, spec: &JobSpec, raw_spec: &Value, opts: &JobOptions) -> Vec<FieldError> {
    let mut errs = generated_selector(job, spec, opts.require_prefixed_labels);
    errs.extend(job_spec_with_selector(spec, raw_spec, opts));
    let indexed = spec.completion_mode.as_deref() == Some("Indexed");
    if let Some(completions) = spec.completions.filter(|c| indexed && *c > 0) {
        // Pods of an Indexed Job are named `<job>-<index>`, and a hostname is a label.
        let name = job.metadata.name.as_deref().unwrap_or("");
        let hostname = format!("{name}-{}", completions - 1);
        if !is_dns1123_label(&hostname).is_empty() {
            errs.push(FieldError::invalid(
                "metadata.name",
                name,
                format!("will not able to create pod with invalid DNS label: {hostname}"),
            ));
        }
    }
    errs
}

/// `ValidateHasLabel`.
fn has_label(template: &PodTemplateSpec, key: &str, expected: &str) -> Option<FieldError> {
    let labels = template.metadata.as_ref().and_then(|m| m.labels.as_ref());
    let path = FieldPath::new("spec")
        .child("template")
        .child("metadata")
        .child("labels")
        .key(key);
    match labels.and_then(|l| l.get(key)) {
        None => Some(FieldError::required(path, "")),
        Some(actual) if actual != expected => Some(FieldError::invalid(
            path,
            FieldValue::json(&labels),
            format!("must be '{expected}'"),
        )),
        Some(_) => None,
    }
}

/// `validateGeneratedSelector`: unless the selector is manual, the template carries
/// the Job's uid and name, and the selector selects them.
fn generated_selector(job: &Job, spec: &JobSpec, require_prefixed: bool) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if spec.manual_selector == Some(true) {
        return errs;
    }
    let Some(selector) = spec.selector.as_ref() else {
        return errs;
    };
    let uid = job.metadata.uid.as_deref().unwrap_or("");
    let name = job.metadata.name.as_deref().unwrap_or("");
    if uid.is_empty() {
        errs.push(FieldError::required("metadata.uid", ""));
    }
    errs.extend(has_label(&spec.template, LEGACY_CONTROLLER_UID_LABEL, uid));
    errs.extend(has_label(&spec.template, LEGACY_JOB_NAME_LABEL, name));
    let mut expected = BTreeMap::new();
    if require_prefixed {
        errs.extend(has_label(&spec.template, CONTROLLER_UID_LABEL, uid));
        errs.extend(has_label(&spec.template, JOB_NAME_LABEL, name));
        expected.insert(CONTROLLER_UID_LABEL.to_string(), uid.to_string());
        expected.insert(JOB_NAME_LABEL.to_string(), name.to_string());
    }
    expected.insert(LEGACY_CONTROLLER_UID_LABEL.to_string(), uid.to_string());
    expected.insert(LEGACY_JOB_NAME_LABEL.to_string(), name.to_string());
    let sel = Selector::of(Some(selector));
    if !matches!(sel, Selector::Invalid) && !sel.matches(&expected) {
        errs.push(FieldError::invalid(
            "spec.selector",
            selector_value(Some(selector)),
            "`selector` not auto-generated",
        ));
    }
    errs
}

/// `ValidateJobSpec`: the spec, a required selector, and the template under it.
fn job_spec_with_selector(spec: &JobSpec, raw_spec: &Value, opts: &JobOptions) -> Vec<FieldError> {
    let path = FieldPath::new("spec");
    let mut errs = job_spec(spec, raw_spec, &path);
    let selector = spec.selector.as_ref();
    match selector {
        None => errs.push(FieldError::required(path.child("selector"), "")),
        Some(s) => errs.extend(label_selector_errors(
            s,
            &path.child("selector"),
            opts.allow_invalid_label_values,
        )),
    }
    let sel = Selector::of(selector);
    let labels = spec.template.metadata.as_ref().and_then(|m| m.labels.as_ref());
    let empty = BTreeMap::new();
    if !matches!(sel, Selector::Invalid) && !sel.matches(labels.unwrap_or(&empty)) {
        errs.push(FieldError::invalid(
            path.child("template").child("metadata").child("labels"),
            FieldValue::json(&labels),
            "`selector` does not match template `labels`",
        ));
    }
    errs
}

/// `validateJobSpec`, shared by Jobs and CronJobs' job templates.
fn job_spec(spec: &JobSpec, raw_spec: &Value, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let counts: [(&str, Option<i64>); 7] = [
        ("parallelism", spec.parallelism.map(Into::into)),
        ("completions", spec.completions.map(Into::into)),
        ("activeDeadlineSeconds", spec.active_deadline_seconds),
        ("backoffLimit", spec.backoff_limit.map(Into::into)),
        (
            "ttlSecondsAfterFinished",
            spec.ttl_seconds_after_finished.map(Into::into),
        ),
        ("backoffLimitPerIndex", spec.backoff_limit_per_index.map(Into::into)),
        ("maxFailedIndexes", spec.max_failed_indexes.map(Into::into)),
    ];
    for (name, value) in counts {
        if let Some(value) = value {
            errs.extend(non_negative(value, &path.child(name)));
        }
    }
    if spec.max_failed_indexes.is_some() && spec.backoff_limit_per_index.is_none() {
        errs.push(FieldError::required(
            path.child("backoffLimitPerIndex"),
            "when maxFailedIndexes is specified",
        ));
    }
    if let Some(managed_by) = &spec.managed_by {
        errs.extend(domain_prefixed_path(&path.child("managedBy"), managed_by));
        if managed_by.len() > MAX_MANAGED_BY_LENGTH {
            errs.push(FieldError::too_long(
                path.child("managedBy"),
                MAX_MANAGED_BY_LENGTH as i64,
            ));
        }
    }
    let indexed = spec.completion_mode.as_deref() == Some("Indexed");
    if let Some(mode) = &spec.completion_mode {
        if mode != "NonIndexed" && mode != "Indexed" {
            errs.push(FieldError::not_supported(
                path.child("completionMode"),
                mode.as_str(),
                &["NonIndexed", "Indexed"],
            ));
        }
        if indexed {
            errs.extend(indexed_rules(spec, path));
        }
    }
    if !indexed {
        if let Some(limit) = spec.backoff_limit_per_index {
            errs.push(FieldError::invalid(
                path.child("backoffLimitPerIndex"),
                limit,
                "requires indexed completion mode",
            ));
        }
        if let Some(max) = spec.max_failed_indexes {
            errs.push(FieldError::invalid(
                path.child("maxFailedIndexes"),
                max,
                "requires indexed completion mode",
            ));
        }
    }
    if let Some(policy) = &spec.pod_failure_policy {
        let raw_rules = raw_spec.pointer("/podFailurePolicy/rules");
        errs.extend(pod_failure_policy(
            spec,
            policy,
            raw_rules,
            &path.child("podFailurePolicy"),
        ));
    }
    if let Some(policy) = &spec.success_policy {
        let here = path.child("successPolicy");
        if indexed {
            errs.extend(success_policy(spec, policy, &here));
        } else {
            errs.push(FieldError::invalid(
                here,
                FieldValue::json(&go_success_policy(policy)),
                "requires indexed completion mode",
            ));
        }
    }
    if let Some(policy) = &spec.pod_replacement_policy {
        let here = path.child("podReplacementPolicy");
        if spec.pod_failure_policy.is_some() {
            if policy != "Failed" {
                errs.push(FieldError::not_supported(here, policy.as_str(), &["Failed"]));
            }
        } else if policy != "Failed" && policy != "TerminatingOrFailed" {
            errs.push(FieldError::not_supported(
                here,
                policy.as_str(),
                &["Failed", "TerminatingOrFailed"],
            ));
        }
    }
    let template_path = path.child("template");
    errs.extend(super::pods::pod_template_spec(&spec.template, &template_path));
    // The pod spec's default restart policy is Always, which a Job may not use: an
    // absent one is reported as required.
    let restart_path = template_path.child("spec").child("restartPolicy");
    match restart_policy(&spec.template) {
        "Always" | "" => errs.push(FieldError::required(
            restart_path,
            "valid values: \"OnFailure\", \"Never\"",
        )),
        "OnFailure" if spec.pod_failure_policy.is_some() => errs.push(FieldError::invalid(
            restart_path,
            "OnFailure",
            "only \"Never\" is supported when podFailurePolicy is specified",
        )),
        "OnFailure" | "Never" => {}
        other => errs.push(FieldError::not_supported(restart_path, other, &["OnFailure", "Never"])),
    }
    errs
}

fn indexed_rules(spec: &JobSpec, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if spec.completions.is_none() {
        errs.push(FieldError::required(
            path.child("completions"),
            "when completion mode is Indexed",
        ));
    }
    if let Some(parallelism) = spec.parallelism.filter(|p| *p > MAX_PARALLELISM_INDEXED) {
        errs.push(FieldError::invalid(
            path.child("parallelism"),
            parallelism,
            format!("must be less than or equal to {MAX_PARALLELISM_INDEXED} when completion mode is Indexed"),
        ));
    }
    if let (Some(completions), Some(max)) = (spec.completions, spec.max_failed_indexes)
        && max > completions
    {
        errs.push(FieldError::invalid(
            path.child("maxFailedIndexes"),
            max,
            "must be less than or equal to completions",
        ));
    }
    if let Some(max) = spec.max_failed_indexes.filter(|m| *m > MAX_FAILED_INDEXES) {
        errs.push(FieldError::invalid(
            path.child("maxFailedIndexes"),
            max,
            format!("must be less than or equal to {MAX_FAILED_INDEXES}"),
        ));
    }
    if spec.completions.is_some_and(|c| c > COMPLETIONS_SOFT_LIMIT) && spec.backoff_limit_per_index.is_some() {
        if spec.max_failed_indexes.is_none() {
            errs.push(FieldError::required(
                path.child("maxFailedIndexes"),
                format!("must be specified when completions is above {COMPLETIONS_SOFT_LIMIT}"),
            ));
        }
        let suffix =
            format!("when completions are above {COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index");
        if let Some(parallelism) = spec.parallelism.filter(|p| *p > PARALLELISM_LIMIT_HIGH_COMPLETIONS) {
            errs.push(FieldError::invalid(
                path.child("parallelism"),
                parallelism,
                format!("must be less than or equal to {PARALLELISM_LIMIT_HIGH_COMPLETIONS} {suffix}"),
            ));
        }
        if let Some(max) = spec
            .max_failed_indexes
            .filter(|m| *m > MAX_FAILED_INDEXES_HIGH_COMPLETIONS)
        {
            errs.push(FieldError::invalid(
                path.child("maxFailedIndexes"),
                max,
                format!("must be less than or equal to {MAX_FAILED_INDEXES_HIGH_COMPLETIONS} {suffix}"),
            ));
        }
    }
    errs
}

/// apimachinery's `IsDomainPrefixedPath` (a Job's `managedBy`: `example.com/name`).
fn domain_prefixed_path(path: &FieldPath, value: &str) -> Vec<FieldError> {
    if value.is_empty() {
        return vec![FieldError::required(path, "")];
    }
    let Some((host, rest)) = value.split_once('/').filter(|(h, r)| !h.is_empty() && !r.is_empty()) else {
        return vec![FieldError::invalid(
            path,
            value,
            "must be a domain-prefixed path (such as \"acme.io/foo\")",
        )];
    };
    let mut errs: Vec<FieldError> = is_dns1123_subdomain(host)
        .into_iter()
        .map(|msg| FieldError::invalid(path, host, msg))
        .collect();
    let http_path = |c: char| c.is_ascii_alphanumeric() || "/-._~%!$&'()*+,;=:".contains(c);
    if !rest.chars().all(http_path) {
        errs.push(FieldError::invalid(
            path,
            rest,
            regex_error("Invalid path", "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+", &[]),
        ));
    }
    errs
}

/// Upstream's `%q` of a string list: `["a" "b"]`.
fn quoted_list(values: &[&str]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| quote(v)).collect();
    format!("[{}]", quoted.join(" "))
}

const POD_FAILURE_ACTIONS: [&str; 4] = ["Count", "FailIndex", "FailJob", "Ignore"];
const EXIT_CODE_OPERATORS: [&str; 2] = ["In", "NotIn"];
const CONDITION_STATUSES: [&str; 3] = ["False", "True", "Unknown"];

fn pod_failure_policy(
    spec: &JobSpec,
    policy: &PodFailurePolicy,
    raw_rules: Option<&Value>,
    path: &FieldPath,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let rules_path = path.child("rules");
    if policy.rules.len() > MAX_POD_FAILURE_POLICY_RULES {
        errs.push(FieldError::too_many(
            &rules_path,
            policy.rules.len() as i64,
            MAX_POD_FAILURE_POLICY_RULES as i64,
        ));
    }
    let pod_spec = spec.template.spec.as_ref();
    let containers: HashSet<&str> = pod_spec
        .into_iter()
        .flat_map(|s| s.containers.iter().chain(s.init_containers.iter().flatten()))
        .map(|c| c.name.as_str())
        .collect();
    for (i, rule) in policy.rules.iter().enumerate() {
        let rule_path = rules_path.index(i);
        let action_path = rule_path.child("action");
        match rule.action.as_str() {
            "" => errs.push(FieldError::required(
                action_path,
                format!("valid values: {}", quoted_list(&POD_FAILURE_ACTIONS)),
            )),
            "FailIndex" if spec.backoff_limit_per_index.is_none() => {
                errs.push(FieldError::invalid(
                    action_path,
                    "FailIndex",
                    "requires the backoffLimitPerIndex to be set",
                ));
            }
            "FailIndex" => {}
            action if !POD_FAILURE_ACTIONS.contains(&action) => {
                errs.push(FieldError::not_supported(action_path, action, &POD_FAILURE_ACTIONS));
            }
            _ => {}
        }
        if let Some(on_exit) = &rule.on_exit_codes {
            let here = rule_path.child("onExitCodes");
            let operator_path = here.child("operator");
            match on_exit.operator.as_str() {
                "" => errs.push(FieldError::required(
                    operator_path,
                    format!("valid values: {}", quoted_list(&EXIT_CODE_OPERATORS)),
                )),
                op if !EXIT_CODE_OPERATORS.contains(&op) => {
                    errs.push(FieldError::not_supported(operator_path, op, &EXIT_CODE_OPERATORS));
                }
                _ => {}
            }
            if let Some(name) = &on_exit.container_name
                && !containers.contains(name.as_str())
            {
                errs.push(FieldError::invalid(
                    here.child("containerName"),
                    name.as_str(),
                    "must be one of the container or initContainer names in the pod template",
                ));
            }
            let values_path = here.child("values");
            let values = &on_exit.values;
            if values.is_empty() {
                // Go shows an absent list as null and an empty one as [].
                let sent = raw_rules
                    .and_then(|r| r.get(i))
                    .and_then(|r| r.pointer("/onExitCodes/values"))
                    .is_some_and(|v| !v.is_null());
                let shown = if sent {
                    FieldValue::Json("[]".to_string())
                } else {
                    FieldValue::Json("null".to_string())
                };
                errs.push(FieldError::invalid(
                    &values_path,
                    shown,
                    "at least one value is required",
                ));
            } else if values.len() > MAX_EXIT_CODE_VALUES {
                errs.push(FieldError::too_many(
                    &values_path,
                    values.len() as i64,
                    MAX_EXIT_CODE_VALUES as i64,
                ));
            }
            let mut seen = HashSet::with_capacity(values.len());
            for (j, value) in values.iter().enumerate() {
                if on_exit.operator == "In" && *value == 0 {
                    errs.push(FieldError::invalid(
                        values_path.index(j),
                        *value,
                        "must not be 0 for the In operator",
                    ));
                }
                if !seen.insert(*value) {
                    errs.push(FieldError::duplicate(values_path.index(j), *value));
                }
            }
            if values.windows(2).any(|w| w[0] > w[1]) {
                errs.push(FieldError::invalid(
                    &values_path,
                    FieldValue::json(values),
                    "must be ordered",
                ));
            }
        }
        let conditions = rule.on_pod_conditions.as_deref().unwrap_or_default();
        if !conditions.is_empty() {
            let here = rule_path.child("onPodConditions");
            if conditions.len() > MAX_POD_CONDITION_PATTERNS {
                errs.push(FieldError::too_many(
                    &here,
                    conditions.len() as i64,
                    MAX_POD_CONDITION_PATTERNS as i64,
                ));
            }
            for (j, pattern) in conditions.iter().enumerate() {
                let pattern_path = here.index(j);
                for msg in is_qualified_name(&pattern.type_) {
                    errs.push(FieldError::invalid(
                        pattern_path.child("type"),
                        pattern.type_.as_str(),
                        msg,
                    ));
                }
                let status = pattern.status.as_str();
                let status_path = pattern_path.child("status");
                if status.is_empty() {
                    errs.push(FieldError::required(
                        status_path,
                        format!("valid values: {}", quoted_list(&CONDITION_STATUSES)),
                    ));
                } else if !CONDITION_STATUSES.contains(&status) {
                    errs.push(FieldError::not_supported(status_path, status, &CONDITION_STATUSES));
                }
            }
        }
        match (rule.on_exit_codes.is_some(), !conditions.is_empty()) {
            (true, true) => errs.push(FieldError::invalid(
                &rule_path,
                FieldValue::Omitted,
                "specifying both OnExitCodes and OnPodConditions is not supported",
            )),
            (false, false) => errs.push(FieldError::invalid(
                &rule_path,
                FieldValue::Omitted,
                "specifying one of OnExitCodes and OnPodConditions is required",
            )),
            _ => {}
        }
    }
    errs
}

fn success_policy(spec: &JobSpec, policy: &SuccessPolicy, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let rules_path = path.child("rules");
    if policy.rules.is_empty() {
        errs.push(FieldError::required(
            &rules_path,
            "at least one rules must be specified when the successPolicy is specified",
        ));
    }
    if policy.rules.len() > MAX_SUCCESS_POLICY_RULES {
        errs.push(FieldError::too_many(
            &rules_path,
            policy.rules.len() as i64,
            MAX_SUCCESS_POLICY_RULES as i64,
        ));
    }
    // Indexed Jobs need completions (reported already when absent).
    let Some(completions) = spec.completions else {
        return errs;
    };
    for (i, rule) in policy.rules.iter().enumerate() {
        let rule_path = rules_path.index(i);
        if rule.succeeded_count.is_none() && rule.succeeded_indexes.is_none() {
            errs.push(FieldError::required(
                &rule_path,
                "at least one of succeededCount or succeededIndexes must be specified",
            ));
        }
        let mut total = 0;
        if let Some(indexes) = &rule.succeeded_indexes {
            let here = rule_path.child("succeededIndexes");
            if indexes.len() > MAX_SUCCEEDED_INDEXES_LENGTH {
                errs.push(FieldError::too_long(&here, MAX_SUCCEEDED_INDEXES_LENGTH as i64));
            }
            match indexes_format(indexes, completions) {
                Ok(count) => total = count,
                Err(e) => errs.push(FieldError::invalid(
                    here,
                    indexes.as_str(),
                    format!("error parsing succeededIndexes: {e}"),
                )),
            }
        }
        if let Some(count) = rule.succeeded_count {
            let here = rule_path.child("succeededCount");
            errs.extend(non_negative(count.into(), &here));
            if count > completions {
                errs.push(FieldError::invalid(
                    &here,
                    count,
                    format!("must be less than or equal to {completions} (the number of specified completions)"),
                ));
            }
            if rule.succeeded_indexes.is_some() && i64::from(count) > total {
                errs.push(FieldError::invalid(
                    &here,
                    count,
                    format!(
                        "must be less than or equal to {total} (the number of indexes in the specified succeededIndexes field)"
                    ),
                ));
            }
        }
    }
    errs
}

/// `validateIndexesFormat`: increasing intervals (`1,3-5,7`) below `completions`;
/// the number of indexes they hold.
fn indexes_format(indexes: &str, completions: i32) -> Result<i64, String> {
    if indexes.is_empty() {
        return Ok(0);
    }
    let mut last: Option<i64> = None;
    let mut total = 0;
    for interval in indexes.split(',') {
        let (x, y) = index_interval(interval, completions)?;
        if let Some(last) = last
            && last >= x
        {
            return Err(format!("non-increasing order, previous: {last}, current: {x}"));
        }
        total += y - x + 1;
        last = Some(y);
    }
    Ok(total)
}

fn index_interval(interval: &str, completions: i32) -> Result<(i64, i64), String> {
    let limits: Vec<&str> = interval.split('-').collect();
    if limits.len() > 2 {
        return Err(format!(
            "the fragment {} violates the requirement that an index interval can have at most two parts separated by '-'",
            quote(interval)
        ));
    }
    let parse = |text: &str| -> Result<i64, String> {
        let value: i64 = text
            .parse()
            .map_err(|_| format!("cannot convert string to integer for index: {}", quote(text)))?;
        if value >= i64::from(completions) {
            return Err(format!("too large index: {}", quote(text)));
        }
        Ok(value)
    };
    let x = parse(limits[0])?;
    match limits.get(1) {
        None => Ok((x, x)),
        Some(high) => {
            let y = parse(high)?;
            if x >= y {
                return Err(format!("non-increasing order, previous: {x}, current: {y}"));
            }
            Ok((x, y))
        }
    }
}

/// The internal `SuccessPolicy`'s JSON (untagged Go field names).
fn go_success_policy(policy: &SuccessPolicy) -> impl Serialize + '_ {
    #[derive(Serialize)]
    struct Rule<'a> {
        #[serde(rename = "SucceededIndexes")]
        succeeded_indexes: Option<&'a str>,
        #[serde(rename = "SucceededCount")]
        succeeded_count: Option<i32>,
    }
    #[derive(Serialize)]
    struct Go<'a> {
        #[serde(rename = "Rules")]
        rules: Vec<Rule<'a>>,
    }
    Go {
        rules: policy
            .rules
            .iter()
            .map(|r| Rule {
                succeeded_indexes: r.succeeded_indexes.as_deref(),
                succeeded_count: r.succeeded_count,
            })
            .collect(),
    }
}

/// The internal `PodFailurePolicy`'s JSON (untagged Go field names).
fn go_pod_failure_policy(policy: &PodFailurePolicy) -> impl Serialize + '_ {
    #[derive(Serialize)]
    struct OnExit<'a> {
        #[serde(rename = "ContainerName")]
        container_name: Option<&'a str>,
        #[serde(rename = "Operator")]
        operator: &'a str,
        #[serde(rename = "Values")]
        values: &'a [i32],
    }
    #[derive(Serialize)]
    struct Pattern<'a> {
        #[serde(rename = "Type")]
        type_: &'a str,
        #[serde(rename = "Status")]
        status: &'a str,
    }
    #[derive(Serialize)]
    struct Rule<'a> {
        #[serde(rename = "Action")]
        action: &'a str,
        #[serde(rename = "OnExitCodes")]
        on_exit_codes: Option<OnExit<'a>>,
        #[serde(rename = "OnPodConditions")]
        on_pod_conditions: Option<Vec<Pattern<'a>>>,
    }
    #[derive(Serialize)]
    struct Go<'a> {
        #[serde(rename = "Rules")]
        rules: Vec<Rule<'a>>,
    }
    Go {
        rules: policy
            .rules
            .iter()
            .map(|r| Rule {
                action: &r.action,
                on_exit_codes: r.on_exit_codes.as_ref().map(|e| OnExit {
                    container_name: e.container_name.as_deref(),
                    operator: &e.operator,
                    values: &e.values,
                }),
                on_pod_conditions: r.on_pod_conditions.as_ref().map(|ps| {
                    ps.iter()
                        .map(|p| Pattern {
                            type_: &p.type_,
                            status: &p.status,
                        })
                        .collect()
                }),
            })
            .collect(),
    }
}

/// `ValidateJobSpecUpdate`: the new spec again, then what may not change.
fn job_spec_update(spec: &JobSpec, old: &JobSpec, raw_spec: &Value, opts: &JobOptions) -> Vec<FieldError> {
    let path = FieldPath::new("spec");
    let mut errs = job_spec_with_selector(spec, raw_spec, opts);
    errs.extend(completions_update(spec, old, &path.child("completions")));
    errs.extend(immutable_selector(
        spec.selector.as_ref(),
        old.selector.as_ref(),
        &path.child("selector"),
    ));
    errs.extend(template_update(spec, old, opts, &path.child("template")));
    errs.extend(immutable(
        &spec.completion_mode,
        &old.completion_mode,
        &path.child("completionMode"),
    ));
    if spec.pod_failure_policy != old.pod_failure_policy {
        errs.push(FieldError::invalid(
            path.child("podFailurePolicy"),
            FieldValue::json(&spec.pod_failure_policy.as_ref().map(go_pod_failure_policy)),
            super::common::IMMUTABLE,
        ));
    }
    errs.extend(immutable(
        &spec.backoff_limit_per_index,
        &old.backoff_limit_per_index,
        &path.child("backoffLimitPerIndex"),
    ));
    errs.extend(immutable(&spec.managed_by, &old.managed_by, &path.child("managedBy")));
    if spec.success_policy != old.success_policy {
        errs.push(FieldError::invalid(
            path.child("successPolicy"),
            FieldValue::json(&spec.success_policy.as_ref().map(go_success_policy)),
            super::common::IMMUTABLE,
        ));
    }
    errs
}

/// Completions are immutable, except that an Indexed Job may change them together
/// with parallelism (elastic Indexed Jobs).
fn completions_update(spec: &JobSpec, old: &JobSpec, path: &FieldPath) -> Option<FieldError> {
    if spec.completion_mode.as_deref() != Some("Indexed") {
        return immutable(&spec.completions, &old.completions, path);
    }
    let completions = spec.completions?;
    if spec.completions == old.completions || Some(completions) == spec.parallelism {
        return None;
    }
    Some(FieldError::invalid(
        path,
        completions,
        "can only be modified in tandem with spec.parallelism",
    ))
}

/// The template is immutable; a suspended Job that never started may still change
/// its node affinity, node selector, tolerations, scheduling gates, labels and
/// annotations.
fn template_update(spec: &JobSpec, old: &JobSpec, opts: &JobOptions, path: &FieldPath) -> Option<FieldError> {
    let new = &spec.template;
    if new == &old.template {
        return None;
    }
    let changed = || FieldError::invalid(path, FieldValue::json(new), super::common::IMMUTABLE);
    if !opts.allow_mutable_scheduling {
        return Some(changed());
    }
    let mut old = old.template.clone();
    let new_spec = new.spec.clone().unwrap_or_default();
    let old_spec = old.spec.get_or_insert_with(Default::default);
    old_spec.affinity = match (new_spec.affinity.as_ref(), old_spec.affinity.take()) {
        (None, Some(mut affinity)) => {
            affinity.node_affinity = None;
            (affinity != Affinity::default()).then_some(affinity)
        }
        (Some(n), None) => Some(Affinity {
            node_affinity: n.node_affinity.clone(),
            ..Affinity::default()
        }),
        (Some(n), Some(mut affinity)) => {
            affinity.node_affinity = n.node_affinity.clone();
            Some(affinity)
        }
        (None, None) => None,
    };
    old_spec.node_selector = new_spec.node_selector.clone();
    old_spec.tolerations = new_spec.tolerations.clone();
    old_spec.scheduling_gates = new_spec.scheduling_gates.clone();
    let new_meta = new.metadata.clone().unwrap_or_default();
    let old_meta = old.metadata.get_or_insert_with(Default::default);
    old_meta.annotations = new_meta.annotations;
    old_meta.labels = new_meta.labels;
    // A template without a spec or metadata reads as an empty one.
    let normalize = |t: &PodTemplateSpec| {
        let mut t = t.clone();
        t.spec.get_or_insert_with(Default::default);
        t.metadata.get_or_insert_with(Default::default);
        t
    };
    (normalize(new) != normalize(&old)).then(changed)
}

// ---------------------------------------------------------------------------------
// Job status.

fn condition_true(job: &Job, kind: &str) -> bool {
    job.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .any(|c| c.type_ == kind && c.status == "True")
}

fn finished(job: &Job) -> bool {
    condition_true(job, "Complete") || condition_true(job, "Failed")
}

/// `ValidateJobUpdateStatus` with the options upstream's status strategy sets in 1.33
/// (JobManagedBy on): the counters and the simpler transition rules. The rules on
/// completed and failed indexes, start and completion times are left out.
fn job_status_update(new: &Job, old: &Job) -> Vec<FieldError> {
    let path = FieldPath::new("status");
    let status = new.status.clone().unwrap_or_default();
    let old_status = old.status.clone().unwrap_or_default();
    let mut errs = Vec::new();
    let active = status.active.unwrap_or(0);
    for (name, value) in [
        ("active", Some(active)),
        ("succeeded", Some(status.succeeded.unwrap_or(0))),
        ("failed", Some(status.failed.unwrap_or(0))),
        ("ready", status.ready),
        ("terminating", status.terminating),
    ] {
        if let Some(value) = value {
            errs.extend(non_negative(value.into(), &path.child(name)));
        }
    }
    if let Some(uncounted) = &status.uncounted_terminated_pods {
        let here = path.child("uncountedTerminatedPods");
        let mut seen = HashSet::new();
        for (list, name) in [(&uncounted.succeeded, "succeeded"), (&uncounted.failed, "failed")] {
            for (i, uid) in list.iter().flatten().enumerate() {
                let at = here.child(name).index(i);
                if uid.is_empty() {
                    errs.push(FieldError::invalid(at, "", "must not be empty"));
                } else if !seen.insert(uid.as_str()) {
                    errs.push(FieldError::duplicate(at, uid.as_str()));
                }
            }
        }
    }
    let (complete, failed) = (condition_true(new, "Complete"), condition_true(new, "Failed"));
    let changed = |kind| condition_true(new, kind) != condition_true(old, kind);
    let conditions = path.child("conditions");
    if (changed("Complete") || changed("Failed")) && complete && failed {
        errs.push(FieldError::invalid(
            &conditions,
            FieldValue::Omitted,
            "cannot set Complete=True and Failed=true conditions",
        ));
    }
    let is_finished = finished(new);
    let finished_changed = is_finished != finished(old);
    let active_changed = active != old_status.active.unwrap_or(0);
    if (active_changed || finished_changed) && active > 0 && is_finished {
        errs.push(FieldError::invalid(
            path.child("active"),
            active,
            "active>0 is invalid for finished job",
        ));
    }
    if let Some(ready) = status.ready
        && (status.ready != old_status.ready || active_changed)
        && ready > active
    {
        errs.push(FieldError::invalid(
            path.child("ready"),
            ready,
            "cannot set more ready pods than active",
        ));
    }
    let criteria_met = condition_true(new, "SuccessCriteriaMet");
    if criteria_met && failed {
        errs.push(FieldError::invalid(
            &conditions,
            FieldValue::Omitted,
            "cannot set SuccessCriteriaMet=True and Failed=true conditions",
        ));
    }
    if criteria_met && condition_true(new, "FailureTarget") {
        errs.push(FieldError::invalid(
            &conditions,
            FieldValue::Omitted,
            "cannot set SuccessCriteriaMet=True and FailureTarget=true conditions",
        ));
    }
    let has_success_policy = new.spec.as_ref().is_some_and(|s| s.success_policy.is_some());
    if has_success_policy && !criteria_met && complete {
        errs.push(FieldError::invalid(
            &conditions,
            FieldValue::Omitted,
            "cannot set Complete=True for Job with SuccessPolicy unless SuccessCriteriaMet=True",
        ));
    }
    for kind in ["Failed", "Complete", "FailureTarget"] {
        if condition_true(old, kind) && !condition_true(new, kind) {
            errs.push(FieldError::invalid(
                &conditions,
                FieldValue::Omitted,
                format!("cannot disable the terminal {kind}=True condition"),
            ));
        }
    }
    for (name, new_count, old_count) in [
        ("failed", status.failed, old_status.failed),
        ("succeeded", status.succeeded, old_status.succeeded),
    ] {
        let (new_count, old_count) = (new_count.unwrap_or(0), old_count.unwrap_or(0));
        if new_count < old_count {
            errs.push(FieldError::invalid(
                path.child(name),
                new_count,
                format!("cannot decrease the {name} counter"),
            ));
        }
    }
    let old_criteria_met = condition_true(old, "SuccessCriteriaMet");
    if old_criteria_met && !criteria_met {
        errs.push(FieldError::invalid(
            &conditions,
            FieldValue::Omitted,
            "cannot disable the SuccessCriteriaMet=True condition",
        ));
    }
    if condition_true(old, "Complete") && !old_criteria_met && criteria_met {
        errs.push(FieldError::invalid(
            &conditions,
            FieldValue::Omitted,
            "cannot set SuccessCriteriaMet=True for Job already has Complete=true conditions",
        ));
    }
    errs
}

// ---------------------------------------------------------------------------------
// CronJobs.

fn cron_job(new: &CronJob, old: Option<&CronJob>, raw: &Value) -> Vec<FieldError> {
    let no_spec = Default::default();
    let spec = new.spec.as_ref().unwrap_or(&no_spec);
    let no_old_spec = Default::default();
    let old_spec = old.map(|o| o.spec.as_ref().unwrap_or(&no_old_spec));
    let path = FieldPath::new("spec");
    let raw_job_spec = raw.pointer("/spec/jobTemplate/spec").unwrap_or(&Value::Null);
    let mut errs = cron_job_spec(spec, old_spec, raw_job_spec, &path);
    if old.is_none() {
        // Jobs are named `<cronjob>-<11 characters>`; only new CronJobs are held to
        // it, so that older ones with longer names can still be updated and deleted.
        let name = new.metadata.name.as_deref().unwrap_or("");
        if name.len() > MAX_CRON_JOB_NAME_LENGTH {
            errs.push(FieldError::invalid(
                "metadata.name",
                name,
                max_len_chars_error(MAX_CRON_JOB_NAME_LENGTH),
            ));
        }
    }
    errs
}

fn cron_job_spec(
    spec: &CronJobSpec,
    old: Option<&CronJobSpec>,
    raw_job_spec: &Value,
    path: &FieldPath,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let schedule_path = path.child("schedule");
    let schedule = spec.schedule.as_str();
    if schedule.is_empty() {
        errs.push(FieldError::required(&schedule_path, ""));
    } else {
        // A stored schedule that already used TZ may keep it (without timeZone).
        let allow_tz = old.is_some_and(|o| o.schedule.contains("TZ"));
        if let Err(msg) = cron::parse_standard(schedule) {
            errs.push(FieldError::invalid(&schedule_path, schedule, msg));
        }
        if schedule.contains("TZ") {
            if !allow_tz {
                errs.push(FieldError::invalid(
                    &schedule_path,
                    schedule,
                    "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
                ));
            } else if spec.time_zone.is_some() {
                errs.push(FieldError::invalid(
                    &schedule_path,
                    schedule,
                    "cannot use both timeZone field and TZ or CRON_TZ in schedule",
                ));
            }
        }
    }
    if let Some(deadline) = spec.starting_deadline_seconds {
        errs.extend(non_negative(deadline, &path.child("startingDeadlineSeconds")));
    }
    if old.is_none_or(|o| o.time_zone != spec.time_zone) {
        errs.extend(time_zone(spec.time_zone.as_deref(), &path.child("timeZone")));
    }
    let policy_path = path.child("concurrencyPolicy");
    match spec.concurrency_policy.as_deref().unwrap_or("") {
        "" => errs.push(FieldError::required(policy_path, "")),
        "Allow" | "Forbid" | "Replace" => {}
        other => errs.push(FieldError::not_supported(
            policy_path,
            other,
            &["Allow", "Forbid", "Replace"],
        )),
    }
    let template_path = path.child("jobTemplate").child("spec");
    let no_job_spec = Default::default();
    let job_spec_value = spec.job_template.spec.as_ref().unwrap_or(&no_job_spec);
    errs.extend(job_spec(job_spec_value, raw_job_spec, &template_path));
    if job_spec_value.selector.is_some() {
        errs.push(FieldError::invalid(
            template_path.child("selector"),
            selector_value(job_spec_value.selector.as_ref()),
            "`selector` will be auto-generated",
        ));
    }
    if job_spec_value.manual_selector == Some(true) {
        errs.push(FieldError::not_supported(
            template_path.child("manualSelector"),
            true,
            &["nil", "false"],
        ));
    }
    for (name, limit) in [
        ("successfulJobsHistoryLimit", spec.successful_jobs_history_limit),
        ("failedJobsHistoryLimit", spec.failed_jobs_history_limit),
    ] {
        if let Some(limit) = limit {
            errs.extend(non_negative(limit.into(), &path.child(name)));
        }
    }
    errs
}

/// `validateTimeZone`: an IANA name. Upstream first checks each `/`-separated part
/// (1 to 14 of `A-Za-z.-_0-9+`, not `.`, `..` or starting with `-`) and then loads
/// it from the tz database; here the database is the built-in list of names, whose
/// failure reads as Go's (`unknown time zone X`).
fn time_zone(zone: Option<&str>, path: &FieldPath) -> Vec<FieldError> {
    let Some(zone) = zone else {
        return Vec::new();
    };
    if zone.is_empty() {
        return vec![FieldError::invalid(
            path,
            "",
            "timeZone must be nil or non-empty string",
        )];
    }
    let unknown = || FieldError::invalid(path, zone, format!("unknown time zone {zone}"));
    let part_ok = |part: &str| {
        part != "."
            && part != ".."
            && !part.starts_with('-')
            && (1..=14).contains(&part.len())
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'+'))
    };
    if !zone.split('/').all(part_ok) {
        return vec![unknown()];
    }
    let mut errs = Vec::new();
    if zone.eq_ignore_ascii_case("Local") {
        errs.push(FieldError::invalid(
            path,
            zone,
            "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones",
        ));
    }
    if let Err(msg) = cron::load_location(zone) {
        errs.push(FieldError::invalid(path, zone, msg));
    }
    errs
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn messages(kind: &str, new: &Value, old: Option<&Value>) -> Vec<String> {
        validate("batch", kind, Input::from(new), old)
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn with(base: &Value, patch: Value) -> Value {
        fn merge(base: &mut Value, patch: Value) {
            match (base, patch) {
                (Value::Object(b), Value::Object(p)) => {
                    for (k, v) in p {
                        if v.is_null() {
                            b.remove(&k);
                        } else {
                            merge(b.entry(k).or_insert(Value::Null), v);
                        }
                    }
                }
                (b, p) => *b = p,
            }
        }
        let mut out = base.clone();
        merge(&mut out, patch);
        out
    }

    /// A Job as the API server holds it before validation: defaulted, its selector
    /// generated.
    fn job() -> Value {
        let mut job = json!({"metadata": {"name": "pi", "uid": "u-1"}, "spec": {
            "parallelism": 1, "completions": 1, "backoffLimit": 6, "completionMode": "NonIndexed",
            "suspend": false, "manualSelector": false, "podReplacementPolicy": "TerminatingOrFailed",
            "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "pi", "image": "perl:5"}]}}}});
        let groups = Vec::new();
        let extra = std::collections::BTreeMap::new();
        let server = crate::registry::Requester {
            username: "test",
            uid: "",
            groups: &groups,
            extra: &extra,
        };
        let jobs = crate::registry::lookup("batch", "v1", "jobs").expect("jobs are built in");
        jobs.prepare_create(&mut job, &server, "2026-12-05T10:00:00Z");
        job
    }

    #[test]
    fn generated_selectors() {
        let job = job();
        assert_eq!(
            job["spec"]["selector"],
            json!({"matchLabels": {"batch.kubernetes.io/controller-uid": "u-1"}})
        );
        assert_eq!(
            job["spec"]["template"]["metadata"]["labels"],
            json!({"batch.kubernetes.io/controller-uid": "u-1", "batch.kubernetes.io/job-name": "pi",
                   "controller-uid": "u-1", "job-name": "pi"})
        );
        assert!(messages("Job", &job, None).is_empty());
        let cases: Vec<(Value, Vec<&str>)> = vec![
            (
                json!({"spec": {"template": {"metadata": {"labels": {"batch.kubernetes.io/controller-uid": null}}}}}),
                vec![
                    "spec.template.metadata.labels[batch.kubernetes.io/controller-uid]: Required value",
                    "spec.template.metadata.labels: Invalid value: {\"batch.kubernetes.io/job-name\":\"pi\",\"controller-uid\":\"u-1\",\"job-name\":\"pi\"}: `selector` does not match template `labels`",
                ],
            ),
            (
                json!({"spec": {"template": {"metadata": {"labels": {"job-name": "other"}}}}}),
                vec![
                    "spec.template.metadata.labels[job-name]: Invalid value: {\"batch.kubernetes.io/controller-uid\":\"u-1\",\"batch.kubernetes.io/job-name\":\"pi\",\"controller-uid\":\"u-1\",\"job-name\":\"other\"}: must be 'pi'",
                ],
            ),
            (
                json!({"metadata": {"uid": null}}),
                vec![
                    "metadata.uid: Required value",
                    "spec.template.metadata.labels[controller-uid]: Invalid value: {\"batch.kubernetes.io/controller-uid\":\"u-1\",\"batch.kubernetes.io/job-name\":\"pi\",\"controller-uid\":\"u-1\",\"job-name\":\"pi\"}: must be ''",
                    "spec.template.metadata.labels[batch.kubernetes.io/controller-uid]: Invalid value: {\"batch.kubernetes.io/controller-uid\":\"u-1\",\"batch.kubernetes.io/job-name\":\"pi\",\"controller-uid\":\"u-1\",\"job-name\":\"pi\"}: must be ''",
                    "spec.selector: Invalid value: {\"matchLabels\":{\"batch.kubernetes.io/controller-uid\":\"u-1\"}}: `selector` not auto-generated",
                ],
            ),
        ];
        for (patch, want) in cases {
            assert_eq!(messages("Job", &with(&job, patch.clone()), None), want, "{patch}");
        }
        // A manual selector needs no generated labels, only a match.
        let manual = json!({"metadata": {"name": "m"}, "spec": {"manualSelector": true,
            "selector": {"matchLabels": {"app": "m"}}, "completionMode": "NonIndexed",
            "template": {"metadata": {"labels": {"app": "m"}}, "spec": {"restartPolicy": "OnFailure",
                "dnsPolicy": "ClusterFirst", "containers": [{"name": "m", "image": "busybox",
                "imagePullPolicy": "IfNotPresent", "terminationMessagePolicy": "File"}]}}}});
        assert_eq!(messages("Job", &manual, None), Vec::<String>::new());
        assert_eq!(
            messages("Job", &with(&manual, json!({"spec": {"selector": null}})), None),
            [
                "spec.selector: Required value",
                "spec.template.metadata.labels: Invalid value: {\"app\":\"m\"}: `selector` does not match template `labels`",
            ]
        );
    }

    #[test]
    fn job_specs() {
        let job = job();
        let cases: Vec<(Value, Vec<&str>)> = vec![
            (
                json!({"spec": {"parallelism": -1, "completions": -1, "activeDeadlineSeconds": -1,
                    "backoffLimit": -1, "ttlSecondsAfterFinished": -1}}),
                vec![
                    "spec.parallelism: Invalid value: -1: must be greater than or equal to 0",
                    "spec.completions: Invalid value: -1: must be greater than or equal to 0",
                    "spec.activeDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0",
                    "spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0",
                    "spec.ttlSecondsAfterFinished: Invalid value: -1: must be greater than or equal to 0",
                ],
            ),
            (
                json!({"spec": {"completionMode": "Sometimes"}}),
                vec![
                    "spec.completionMode: Unsupported value: \"Sometimes\": supported values: \"NonIndexed\", \"Indexed\"",
                ],
            ),
            (
                json!({"spec": {"completionMode": "Indexed", "completions": null}}),
                vec!["spec.completions: Required value: when completion mode is Indexed"],
            ),
            (
                json!({"spec": {"backoffLimitPerIndex": 1, "maxFailedIndexes": 1}}),
                vec![
                    "spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode",
                    "spec.maxFailedIndexes: Invalid value: 1: requires indexed completion mode",
                ],
            ),
            (
                json!({"spec": {"completionMode": "Indexed", "completions": 3, "maxFailedIndexes": 5}}),
                vec![
                    "spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified",
                    "spec.maxFailedIndexes: Invalid value: 5: must be less than or equal to completions",
                ],
            ),
            (
                json!({"spec": {"completionMode": "Indexed", "completions": 200000, "parallelism": 200000,
                    "backoffLimitPerIndex": 1}}),
                vec![
                    "spec.parallelism: Invalid value: 200000: must be less than or equal to 100000 when completion mode is Indexed",
                    "spec.maxFailedIndexes: Required value: must be specified when completions is above 100000",
                    "spec.parallelism: Invalid value: 200000: must be less than or equal to 10000 when completions are above 100000 and used with backoff limit per index",
                ],
            ),
            (
                json!({"metadata": {"name": "a".repeat(62)}, "spec": {"completionMode": "Indexed", "completions": 10,
                    "template": {"metadata": {"labels": {"job-name": "a".repeat(62), "batch.kubernetes.io/job-name": "a".repeat(62)}}}}}),
                vec![&*format!(
                    "metadata.name: Invalid value: \"{0}\": will not able to create pod with invalid DNS label: {0}-9",
                    "a".repeat(62)
                ).leak()],
            ),
            (
                json!({"spec": {"managedBy": "kueue"}}),
                vec![
                    "spec.managedBy: Invalid value: \"kueue\": must be a domain-prefixed path (such as \"acme.io/foo\")",
                ],
            ),
            (
                json!({"spec": {"managedBy": "Kueue.x-k8s.io/job controller"}}),
                vec![
                    "spec.managedBy: Invalid value: \"Kueue.x-k8s.io\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                    "spec.managedBy: Invalid value: \"job controller\": Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')",
                ],
            ),
            (
                json!({"spec": {"managedBy": format!("example.com/{}", "x".repeat(60))}}),
                vec!["spec.managedBy: Too long: may not be more than 63 bytes"],
            ),
            (
                json!({"spec": {"podReplacementPolicy": "Always"}}),
                vec![
                    "spec.podReplacementPolicy: Unsupported value: \"Always\": supported values: \"Failed\", \"TerminatingOrFailed\"",
                ],
            ),
            (
                json!({"spec": {"template": {"spec": {"restartPolicy": "Always"}}}}),
                vec!["spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\""],
            ),
            (
                json!({"spec": {"template": {"spec": {"restartPolicy": "Sometimes"}}}}),
                // The pod template's own rule, then the Job's, as upstream reports both.
                vec![
                    "spec.template.spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"",
                    "spec.template.spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"OnFailure\", \"Never\"",
                ],
            ),
        ];
        for (patch, want) in cases {
            assert_eq!(messages("Job", &with(&job, patch.clone()), None), want, "{patch}");
        }
        let indexed = with(
            &job,
            json!({"spec": {"completionMode": "Indexed", "completions": 4, "parallelism": 2,
                "backoffLimitPerIndex": 1, "maxFailedIndexes": 2,
                "successPolicy": {"rules": [{"succeededIndexes": "0-2", "succeededCount": 2}]}}}),
        );
        assert!(messages("Job", &indexed, None).is_empty());
    }

    #[test]
    fn pod_failure_and_success_policies() {
        let job = with(&job(), json!({"spec": {"podReplacementPolicy": "Failed"}}));
        let policy = |rules: Value| with(&job, json!({"spec": {"podFailurePolicy": {"rules": rules}}}));
        let ok = policy(json!([
            {"action": "FailJob", "onExitCodes": {"containerName": "pi", "operator": "In", "values": [1, 2]}},
            {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]},
        ]));
        assert!(messages("Job", &ok, None).is_empty());
        let cases: Vec<(Value, Vec<&str>)> = vec![
            (
                json!([{"action": "", "onExitCodes": {"operator": "In", "values": [0, 3, 3, 1]}}]),
                vec![
                    "spec.podFailurePolicy.rules[0].action: Required value: valid values: [\"Count\" \"FailIndex\" \"FailJob\" \"Ignore\"]",
                    "spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator",
                    "spec.podFailurePolicy.rules[0].onExitCodes.values[2]: Duplicate value: 3",
                    "spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: [0,3,3,1]: must be ordered",
                ],
            ),
            (
                json!([{"action": "Retry", "onExitCodes": {"containerName": "other", "operator": "Is", "values": []}}]),
                vec![
                    "spec.podFailurePolicy.rules[0].action: Unsupported value: \"Retry\": supported values: \"Count\", \"FailIndex\", \"FailJob\", \"Ignore\"",
                    "spec.podFailurePolicy.rules[0].onExitCodes.operator: Unsupported value: \"Is\": supported values: \"In\", \"NotIn\"",
                    "spec.podFailurePolicy.rules[0].onExitCodes.containerName: Invalid value: \"other\": must be one of the container or initContainer names in the pod template",
                    "spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: []: at least one value is required",
                ],
            ),
            (
                json!([{"action": "FailIndex", "onPodConditions": [{"type": "bad type", "status": "Maybe"}, {"type": "Ready"}]}]),
                vec![
                    "spec.podFailurePolicy.rules[0].action: Invalid value: \"FailIndex\": requires the backoffLimitPerIndex to be set",
                    "spec.podFailurePolicy.rules[0].onPodConditions[0].type: Invalid value: \"bad type\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
                    "spec.podFailurePolicy.rules[0].onPodConditions[0].status: Unsupported value: \"Maybe\": supported values: \"False\", \"True\", \"Unknown\"",
                    "spec.podFailurePolicy.rules[0].onPodConditions[1].status: Required value: valid values: [\"False\" \"True\" \"Unknown\"]",
                ],
            ),
            (
                json!([{"action": "Count"}, {"action": "Count", "onExitCodes": {"operator": "NotIn", "values": [0]},
                    "onPodConditions": [{"type": "Ready", "status": "True"}]}]),
                vec![
                    "spec.podFailurePolicy.rules[0]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required",
                    "spec.podFailurePolicy.rules[1]: Invalid value: specifying both OnExitCodes and OnPodConditions is not supported",
                ],
            ),
        ];
        for (rules, want) in cases {
            assert_eq!(messages("Job", &policy(rules.clone()), None), want, "{rules}");
        }
        let on_failure = with(
            &ok,
            json!({"spec": {"podReplacementPolicy": "TerminatingOrFailed", "template": {"spec": {"restartPolicy": "OnFailure"}}}}),
        );
        assert_eq!(
            messages("Job", &on_failure, None),
            [
                "spec.podReplacementPolicy: Unsupported value: \"TerminatingOrFailed\": supported values: \"Failed\"",
                "spec.template.spec.restartPolicy: Invalid value: \"OnFailure\": only \"Never\" is supported when podFailurePolicy is specified",
            ]
        );

        let success = |policy: Value| {
            with(
                &job,
                json!({"spec": {"completionMode": "Indexed", "completions": 5, "successPolicy": policy}}),
            )
        };
        assert_eq!(
            messages(
                "Job",
                &with(
                    &job,
                    json!({"spec": {"successPolicy": {"rules": [{"succeededCount": 1}]}}})
                ),
                None
            ),
            [
                "spec.successPolicy: Invalid value: {\"Rules\":[{\"SucceededIndexes\":null,\"SucceededCount\":1}]}: requires indexed completion mode"
            ]
        );
        let cases: Vec<(Value, Vec<&str>)> = vec![
            (
                json!({"rules": []}),
                vec![
                    "spec.successPolicy.rules: Required value: at least one rules must be specified when the successPolicy is specified",
                ],
            ),
            (
                json!({"rules": [{}]}),
                vec![
                    "spec.successPolicy.rules[0]: Required value: at least one of succeededCount or succeededIndexes must be specified",
                ],
            ),
            (
                json!({"rules": [{"succeededIndexes": "3-1", "succeededCount": 9}]}),
                vec![
                    "spec.successPolicy.rules[0].succeededIndexes: Invalid value: \"3-1\": error parsing succeededIndexes: non-increasing order, previous: 3, current: 1",
                    "spec.successPolicy.rules[0].succeededCount: Invalid value: 9: must be less than or equal to 5 (the number of specified completions)",
                    "spec.successPolicy.rules[0].succeededCount: Invalid value: 9: must be less than or equal to 0 (the number of indexes in the specified succeededIndexes field)",
                ],
            ),
            (
                json!({"rules": [{"succeededIndexes": "0,2-3", "succeededCount": 4}]}),
                vec![
                    "spec.successPolicy.rules[0].succeededCount: Invalid value: 4: must be less than or equal to 3 (the number of indexes in the specified succeededIndexes field)",
                ],
            ),
            (
                json!({"rules": [{"succeededIndexes": "x"}, {"succeededIndexes": "7"}, {"succeededIndexes": "1-2-3"}, {"succeededIndexes": "2,1"}]}),
                vec![
                    "spec.successPolicy.rules[0].succeededIndexes: Invalid value: \"x\": error parsing succeededIndexes: cannot convert string to integer for index: \"x\"",
                    "spec.successPolicy.rules[1].succeededIndexes: Invalid value: \"7\": error parsing succeededIndexes: too large index: \"7\"",
                    "spec.successPolicy.rules[2].succeededIndexes: Invalid value: \"1-2-3\": error parsing succeededIndexes: the fragment \"1-2-3\" violates the requirement that an index interval can have at most two parts separated by '-'",
                    "spec.successPolicy.rules[3].succeededIndexes: Invalid value: \"2,1\": error parsing succeededIndexes: non-increasing order, previous: 2, current: 1",
                ],
            ),
        ];
        for (policy, want) in cases {
            assert_eq!(messages("Job", &success(policy.clone()), None), want, "{policy}");
        }
    }

    #[test]
    fn job_updates() {
        let job = job();
        assert!(messages("Job", &job, Some(&job)).is_empty());
        // Mutable: parallelism, suspend, activeDeadlineSeconds, backoffLimit, ttl.
        let scaled = with(
            &job,
            json!({"spec": {"parallelism": 3, "suspend": true, "activeDeadlineSeconds": 60, "ttlSecondsAfterFinished": 5}}),
        );
        assert!(messages("Job", &scaled, Some(&job)).is_empty());
        let changed = with(
            &job,
            json!({"spec": {"completions": 2, "completionMode": "Indexed", "backoffLimitPerIndex": 1,
                "managedBy": "example.com/x", "selector": {"matchLabels": {"x": "y"}}}}),
        );
        let got = messages("Job", &changed, Some(&job));
        for want in [
            "spec.completions: Invalid value: 2: can only be modified in tandem with spec.parallelism",
            "spec.selector: Invalid value: {\"matchLabels\":{\"batch.kubernetes.io/controller-uid\":\"u-1\",\"x\":\"y\"}}: field is immutable",
            "spec.completionMode: Invalid value: \"Indexed\": field is immutable",
            "spec.backoffLimitPerIndex: Invalid value: 1: field is immutable",
            "spec.managedBy: Invalid value: \"example.com/x\": field is immutable",
        ] {
            assert!(got.contains(&want.to_string()), "{want} not in {got:?}");
        }
        let non_indexed = with(&job, json!({"spec": {"completions": 3}}));
        assert_eq!(
            messages("Job", &non_indexed, Some(&job)),
            ["spec.completions: Invalid value: 3: field is immutable"]
        );
        // Elastic Indexed Jobs: completions and parallelism change together.
        let indexed = with(
            &job,
            json!({"spec": {"completionMode": "Indexed", "completions": 4, "parallelism": 4}}),
        );
        let resized = with(&indexed, json!({"spec": {"completions": 6, "parallelism": 6}}));
        assert!(messages("Job", &resized, Some(&indexed)).is_empty());
        // Spec errors are reported twice on update, as upstream does.
        let negative = with(&job, json!({"spec": {"parallelism": -1}}));
        assert_eq!(
            messages("Job", &negative, Some(&job)),
            [
                "spec.parallelism: Invalid value: -1: must be greater than or equal to 0",
                "spec.parallelism: Invalid value: -1: must be greater than or equal to 0",
            ]
        );
        // The template is frozen, except scheduling directives while suspended and unstarted.
        let image = with(
            &job,
            json!({"spec": {"template": {"spec": {"nodeSelector": {"disk": "ssd"}}}}}),
        );
        let got = messages("Job", &image, Some(&job));
        assert_eq!(got.len(), 1);
        assert!(got[0].starts_with("spec.template: Invalid value: {") && got[0].ends_with("}: field is immutable"));
        let suspended = with(&job, json!({"spec": {"suspend": true}}));
        let directed = with(
            &suspended,
            json!({"spec": {"template": {"metadata": {"annotations": {"a": "b"}}, "spec": {"nodeSelector": {"disk": "ssd"},
                "tolerations": [{"key": "k", "operator": "Exists"}],
                "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}]}}}}}}}),
        );
        assert_eq!(messages("Job", &directed, Some(&suspended)), Vec::<String>::new());
        let started = with(&suspended, json!({"status": {"startTime": "2025-01-01T00:00:00Z"}}));
        assert_eq!(messages("Job", &directed, Some(&started)).len(), 1);
        // Old Jobs without the prefixed labels are not held to them.
        let legacy = with(
            &job,
            json!({"spec": {"template": {"metadata": {"labels": {"batch.kubernetes.io/job-name": null, "batch.kubernetes.io/controller-uid": null}}},
                "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": null, "controller-uid": "u-1"}}}}),
        );
        assert!(messages("Job", &legacy, Some(&legacy)).is_empty());
        assert!(!messages("Job", &legacy, None).is_empty());
    }

    #[test]
    fn job_status_updates() {
        let job = job();
        let status = |s: Value| with(&job, json!({"status": s}));
        let old = status(json!({"active": 2, "succeeded": 1, "failed": 1}));
        let msgs = |new: &Value, old: &Value| -> Vec<String> {
            status_update("batch", "Job", new, old)
                .unwrap_or_default()
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        assert!(
            msgs(
                &status(json!({"active": 1, "ready": 1, "succeeded": 2, "failed": 1})),
                &old
            )
            .is_empty()
        );
        assert_eq!(
            msgs(
                &status(json!({"active": -1, "succeeded": 0, "failed": 0, "ready": 3,
                    "uncountedTerminatedPods": {"succeeded": ["a", ""], "failed": ["a"]}})),
                &old
            ),
            [
                "status.active: Invalid value: -1: must be greater than or equal to 0",
                "status.uncountedTerminatedPods.succeeded[1]: Invalid value: \"\": must not be empty",
                "status.uncountedTerminatedPods.failed[0]: Duplicate value: \"a\"",
                "status.ready: Invalid value: 3: cannot set more ready pods than active",
                "status.failed: Invalid value: 0: cannot decrease the failed counter",
                "status.succeeded: Invalid value: 0: cannot decrease the succeeded counter",
            ]
        );
        let done = status(json!({"succeeded": 1, "failed": 1, "conditions": [{"type": "Complete", "status": "True"}]}));
        let reopened = status(
            json!({"succeeded": 1, "failed": 1, "active": 1, "conditions": [{"type": "Failed", "status": "True"}, {"type": "SuccessCriteriaMet", "status": "True"}]}),
        );
        assert_eq!(
            msgs(&reopened, &done),
            [
                "status.active: Invalid value: 1: active>0 is invalid for finished job",
                "status.conditions: Invalid value: cannot set SuccessCriteriaMet=True and Failed=true conditions",
                "status.conditions: Invalid value: cannot disable the terminal Complete=True condition",
                "status.conditions: Invalid value: cannot set SuccessCriteriaMet=True for Job already has Complete=true conditions",
            ]
        );
        assert_eq!(status_update("batch", "CronJob", &job, &job), Some(Vec::new()));
    }

    fn cron_job() -> Value {
        json!({"metadata": {"name": "nightly"}, "spec": {"schedule": "0 3 * * *", "concurrencyPolicy": "Allow",
            "suspend": false, "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1,
            "jobTemplate": {"spec": {"backoffLimit": 6, "completionMode": "NonIndexed",
                "template": {"spec": {"restartPolicy": "OnFailure", "containers": [{"name": "c", "image": "busybox"}]}}}}}})
    }

    #[test]
    fn cron_jobs() {
        let cj = cron_job();
        assert!(messages("CronJob", &cj, None).is_empty());
        for ok in [
            json!({"spec": {"schedule": "@hourly", "timeZone": "Europe/Berlin"}}),
            json!({"spec": {"schedule": "*/15 9-17 * JAN-JUN mon-fri", "timeZone": "UTC", "startingDeadlineSeconds": 0}}),
            json!({"spec": {"schedule": "@every 2h"}}),
        ] {
            assert!(messages("CronJob", &with(&cj, ok.clone()), None).is_empty(), "{ok}");
        }
        let cases: Vec<(Value, Vec<&str>)> = vec![
            (json!({"spec": {"schedule": ""}}), vec!["spec.schedule: Required value"]),
            (
                json!({"spec": {"schedule": "0 3 * *"}}),
                vec!["spec.schedule: Invalid value: \"0 3 * *\": expected exactly 5 fields, found 4: [0 3 * *]"],
            ),
            (
                json!({"spec": {"schedule": "61 * * * *"}}),
                vec!["spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61"],
            ),
            (
                json!({"spec": {"schedule": "TZ=UTC 0 3 * * *"}}),
                vec![
                    "spec.schedule: Invalid value: \"TZ=UTC 0 3 * * *\": cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
                ],
            ),
            (
                json!({"spec": {"timeZone": ""}}),
                vec!["spec.timeZone: Invalid value: \"\": timeZone must be nil or non-empty string"],
            ),
            (
                json!({"spec": {"timeZone": "Mars/Olympus_Mons"}}),
                vec!["spec.timeZone: Invalid value: \"Mars/Olympus_Mons\": unknown time zone Mars/Olympus_Mons"],
            ),
            (
                json!({"spec": {"timeZone": "../etc/passwd"}}),
                vec!["spec.timeZone: Invalid value: \"../etc/passwd\": unknown time zone ../etc/passwd"],
            ),
            (
                json!({"spec": {"timeZone": "Local"}}),
                vec![
                    "spec.timeZone: Invalid value: \"Local\": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones",
                ],
            ),
            (
                json!({"spec": {"timeZone": "local"}}),
                vec![
                    "spec.timeZone: Invalid value: \"local\": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones",
                    "spec.timeZone: Invalid value: \"local\": unknown time zone local",
                ],
            ),
            (
                json!({"spec": {"concurrencyPolicy": "Sometimes", "startingDeadlineSeconds": -1,
                    "successfulJobsHistoryLimit": -1, "failedJobsHistoryLimit": -1}}),
                vec![
                    "spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0",
                    "spec.concurrencyPolicy: Unsupported value: \"Sometimes\": supported values: \"Allow\", \"Forbid\", \"Replace\"",
                    "spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0",
                    "spec.failedJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0",
                ],
            ),
            (
                json!({"spec": {"concurrencyPolicy": null}}),
                vec!["spec.concurrencyPolicy: Required value"],
            ),
            (
                json!({"spec": {"jobTemplate": {"spec": {"selector": {"matchLabels": {"a": "b"}}, "manualSelector": true,
                    "parallelism": -1, "template": {"spec": {"restartPolicy": "Always"}}}}}}),
                vec![
                    "spec.jobTemplate.spec.parallelism: Invalid value: -1: must be greater than or equal to 0",
                    "spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\"",
                    "spec.jobTemplate.spec.selector: Invalid value: {\"matchLabels\":{\"a\":\"b\"}}: `selector` will be auto-generated",
                    "spec.jobTemplate.spec.manualSelector: Unsupported value: true: supported values: \"nil\", \"false\"",
                ],
            ),
            (
                json!({"metadata": {"name": "n".repeat(53)}}),
                vec![
                    &*format!(
                        "metadata.name: Invalid value: \"{}\": must be no more than 52 characters",
                        "n".repeat(53)
                    )
                    .leak(),
                ],
            ),
        ];
        for (patch, want) in cases {
            assert_eq!(messages("CronJob", &with(&cj, patch.clone()), None), want, "{patch}");
        }
        // Updates: long names and unchanged bad time zones are kept; a stored TZ schedule
        // may stay, but not together with timeZone.
        let long = with(&cj, json!({"metadata": {"name": "n".repeat(60)}}));
        assert!(messages("CronJob", &long, Some(&long)).is_empty());
        let tz = with(&cj, json!({"spec": {"schedule": "CRON_TZ=UTC 0 3 * * *"}}));
        assert!(messages("CronJob", &tz, Some(&tz)).is_empty());
        assert_eq!(
            messages("CronJob", &with(&tz, json!({"spec": {"timeZone": "UTC"}})), Some(&tz)),
            [
                "spec.schedule: Invalid value: \"CRON_TZ=UTC 0 3 * * *\": cannot use both timeZone field and TZ or CRON_TZ in schedule"
            ]
        );
    }
}
