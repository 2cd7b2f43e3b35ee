//! Rules many kinds share: label selectors, immutable fields, ports and port names,
//! non-negative numbers, percentages, DNS names — with upstream's messages.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;

use crate::field_error::{FieldError, FieldPath, FieldValue};
use crate::validation::{self, is_qualified_name, is_valid_label_value};

/// Upstream's message for a field that may not change.
pub const IMMUTABLE: &str = "field is immutable";

/// `Invalid(path, new, "field is immutable")` when `new` differs from `old`, as
/// upstream's `ValidateImmutableField`.
pub fn immutable<T: PartialEq + Serialize>(new: &T, old: &T, path: &FieldPath) -> Option<FieldError> {
    (new != old).then(|| FieldError::invalid(path, FieldValue::json(new), IMMUTABLE))
}

/// A label selector as upstream's `ValidateLabelSelector`: matchLabels are labels;
/// each expression's operator, values and key.
pub fn validate_label_selector(selector: &LabelSelector, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let labels: BTreeMap<&str, &str> = selector
        .match_labels
        .iter()
        .flatten()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    errs.extend(validation::validate_labels(labels, &path.child("matchLabels")));
    for (i, requirement) in selector.match_expressions.iter().flatten().enumerate() {
        let here = path.child("matchExpressions").index(i);
        let values = requirement.values.as_deref().unwrap_or_default();
        match requirement.operator.as_str() {
            "In" | "NotIn" if values.is_empty() => errs.push(FieldError::required(
                here.child("values"),
                "must be specified when `operator` is 'In' or 'NotIn'",
            )),
            "Exists" | "DoesNotExist" if !values.is_empty() => errs.push(FieldError::forbidden(
                here.child("values"),
                "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            )),
            "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
            other => errs.push(FieldError::invalid(
                here.child("operator"),
                other,
                "not a valid selector operator",
            )),
        }
        for msg in is_qualified_name(&requirement.key) {
            errs.push(FieldError::invalid(here.child("key"), requirement.key.as_str(), msg));
        }
        for (j, value) in values.iter().enumerate() {
            for msg in is_valid_label_value(value) {
                errs.push(FieldError::invalid(here.child("values").index(j), value.as_str(), msg));
            }
        }
    }
    errs
}

/// Whether a label selector selects nothing (no labels, no expressions): workloads
/// refuse it ("empty selector is invalid for deployment").
pub fn selector_is_empty(selector: &LabelSelector) -> bool {
    selector.match_labels.as_ref().is_none_or(|m| m.is_empty())
        && selector.match_expressions.as_ref().is_none_or(|e| e.is_empty())
}

/// [`selector_matches`] for a selector given as JSON; `None` when it is not one.
pub fn json_selector_matches(selector: &serde_json::Value, labels: &BTreeMap<String, String>) -> Option<bool> {
    let selector: LabelSelector = serde_json::from_value(selector.clone()).ok()?;
    Some(selector_matches(&selector, labels))
}

/// Whether `selector` selects an object with `labels` (matchLabels and every
/// expression), as upstream's `LabelSelectorAsSelector(...).Matches`.
pub fn selector_matches(selector: &LabelSelector, labels: &BTreeMap<String, String>) -> bool {
    let by_labels = selector
        .match_labels
        .iter()
        .flatten()
        .all(|(k, v)| labels.get(k) == Some(v));
    by_labels
        && selector.match_expressions.iter().flatten().all(|r| {
            let values = r.values.as_deref().unwrap_or_default();
            let value = labels.get(&r.key);
            match r.operator.as_str() {
                "In" => value.is_some_and(|v| values.contains(v)),
                "NotIn" => value.is_none_or(|v| !values.contains(v)),
                "Exists" => value.is_some(),
                "DoesNotExist" => value.is_none(),
                _ => false,
            }
        })
}

/// A port number, 1 to 65535 (`IsValidPortNum`).
pub fn validate_port_number(port: i32, path: &FieldPath) -> Option<FieldError> {
    (!(1..=65535).contains(&port)).then(|| FieldError::invalid(path, port, "must be between 1 and 65535, inclusive"))
}

/// An IANA service name used as a port name (`IsValidPortName`): at most 15
/// characters, lowercase letters, digits and single hyphens, at least one letter, not
/// starting or ending with a hyphen.
pub fn port_name_errors(name: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if name.len() > 15 {
        errs.push("must be no more than 15 characters".to_string());
    }
    let charset = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-';
    if name.is_empty() || !name.bytes().all(charset) {
        errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".to_string());
    }
    if !name.bytes().any(|b| b.is_ascii_lowercase()) {
        errs.push("must contain at least one letter (a-z)".to_string());
    }
    if name.contains("--") {
        errs.push("must not contain consecutive hyphens".to_string());
    }
    if name.starts_with('-') || name.ends_with('-') {
        errs.push("must not begin or end with a hyphen".to_string());
    }
    errs
}

/// `value` at `path` must not be negative (`ValidateNonnegativeField`).
pub fn non_negative(value: i64, path: &FieldPath) -> Option<FieldError> {
    (value < 0).then(|| FieldError::invalid(path, value, "must be greater than or equal to 0"))
}

/// An int-or-percent such as `maxSurge` (`ValidatePositiveIntOrPercent`): a
/// non-negative integer, or a string `N%`.
pub fn int_or_percent(value: &IntOrString, path: &FieldPath) -> Vec<FieldError> {
    match value {
        IntOrString::Int(n) => non_negative(i64::from(*n), path).into_iter().collect(),
        IntOrString::String(text) => match percent(text) {
            Some(p) if p < 0 => vec![FieldError::invalid(
                path,
                text.as_str(),
                "must be greater than or equal to 0",
            )],
            Some(_) => Vec::new(),
            None => vec![FieldError::invalid(
                path,
                text.as_str(),
                "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
            )],
        },
    }
}

/// The number in `N%`, if `text` is one.
pub fn percent(text: &str) -> Option<i64> {
    let digits = text.strip_suffix('%')?;
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;

    #[test]
    fn selectors_as_upstream_validates_them() {
        let selector = LabelSelector {
            match_labels: Some([("app".to_string(), "web".to_string())].into()),
            match_expressions: Some(vec![
                LabelSelectorRequirement {
                    key: "tier".into(),
                    operator: "In".into(),
                    values: None,
                },
                LabelSelectorRequirement {
                    key: "x".into(),
                    operator: "Exists".into(),
                    values: Some(vec!["a".into()]),
                },
                LabelSelectorRequirement {
                    key: "y".into(),
                    operator: "Near".into(),
                    values: None,
                },
            ]),
        };
        let errs: Vec<String> = validate_label_selector(&selector, &FieldPath::new("spec.selector"))
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            errs,
            [
                "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
                "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                "spec.selector.matchExpressions[2].operator: Invalid value: \"Near\": not a valid selector operator",
            ]
        );
        let labels: BTreeMap<String, String> = [("app".to_string(), "web".to_string())].into();
        let only_labels = LabelSelector {
            match_labels: selector.match_labels.clone(),
            match_expressions: None,
        };
        assert!(selector_matches(&only_labels, &labels));
        assert!(!selector_matches(&selector, &labels));
    }

    #[test]
    fn ports_names_and_percents() {
        let path = FieldPath::new("port");
        assert!(validate_port_number(0, &path).is_some() && validate_port_number(443, &path).is_none());
        assert!(port_name_errors("http").is_empty());
        assert!(!port_name_errors("http--x").is_empty() && !port_name_errors("123").is_empty());
        assert!(!port_name_errors("a-very-long-port-name").is_empty());
        assert!(int_or_percent(&IntOrString::String("25%".into()), &path).is_empty());
        assert_eq!(int_or_percent(&IntOrString::String("25".into()), &path).len(), 1);
        assert_eq!(int_or_percent(&IntOrString::Int(-1), &path).len(), 1);
        assert!(
            immutable(&"a", &"b", &path)
                .is_some_and(|e| e.to_string() == "port: Invalid value: \"a\": field is immutable")
        );
    }
}
