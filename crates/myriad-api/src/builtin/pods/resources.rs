//! Compute resources (`ValidateContainerResourceRequirements`, resource names,
//! quantities, huge pages, claims) and the canonical text of a quantity, which is what
//! upstream's messages quote (`Quantity.String()`: `1000m` prints as `1`, `1.5Gi` as
//! `1536Mi`). Maps are walked in key order; upstream's order is Go's random map order.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::ResourceClaim;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as WireQuantity;

use super::Options;
use crate::field_error::{FieldError, FieldPath, FieldValue};
use crate::quantity::Quantity;
use crate::validation::{is_dns1123_label, is_qualified_name};

const NANO: i128 = 1_000_000_000;

/// How a quantity was written, which decides how upstream prints it back.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    DecimalSi,
    BinarySi,
    DecimalExponent,
}

/// The parts of a quantity string as apimachinery's `parseQuantityString` cuts them:
/// the integer digits without leading zeros (`"0"` when none), the fraction digits,
/// and the suffix.
fn split(text: &str) -> (&str, &str, &str) {
    let bytes = text.as_bytes();
    let mut pos = usize::from(matches!(bytes.first(), Some(b'-' | b'+')));
    while pos < bytes.len() && bytes[pos] == b'0' {
        pos += 1;
    }
    if pos == bytes.len() {
        return ("0", "", "");
    }
    let start = pos;
    while pos < bytes.len() && bytes[pos].is_ascii_digit() {
        pos += 1;
    }
    let num = if start == pos { "0" } else { &text[start..pos] };
    let mut denom = "";
    if pos < bytes.len() && bytes[pos] == b'.' {
        pos += 1;
        let start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        denom = &text[start..pos];
    }
    (num, denom, &text[pos..])
}

/// The format and exponent a suffix stands for (base 10 exponent, or base 2 for
/// binary suffixes).
fn interpret(suffix: &str) -> Option<(Format, i32)> {
    let decimal = match suffix {
        "n" => -9,
        "u" => -6,
        "m" => -3,
        "" => 0,
        "k" => 3,
        "M" => 6,
        "G" => 9,
        "T" => 12,
        "P" => 15,
        "E" => 18,
        "Ki" => return Some((Format::BinarySi, 10)),
        "Mi" => return Some((Format::BinarySi, 20)),
        "Gi" => return Some((Format::BinarySi, 30)),
        "Ti" => return Some((Format::BinarySi, 40)),
        "Pi" => return Some((Format::BinarySi, 50)),
        "Ei" => return Some((Format::BinarySi, 60)),
        other => {
            let exponent = other.strip_prefix(['e', 'E']).filter(|e| !e.is_empty())?;
            return exponent.parse().ok().map(|e| (Format::DecimalExponent, e));
        }
    };
    Some((Format::DecimalSi, decimal))
}

/// Whether upstream keeps the text it parsed as the quantity's string: its parser
/// reuses the input when it fits in an int64 and "looks canonical" (`100m`, `1Gi`),
/// so `+5` stays `+5` and `1.500k` stays `1.500k` while `1000m` becomes `1`.
fn keeps_text(num: &str, denom: &str, format: Format, exponent: i32) -> bool {
    let digits = num.len() + denom.len();
    match format {
        Format::BinarySi => {
            if !denom.is_empty() || exponent < 0 || 15 - num.len() as i32 - exponent * 3 / 10 - 1 < 0 {
                return false;
            }
            let Ok(value) = num.parse::<i64>() else { return false };
            value.checked_mul(1i64 << exponent).is_some() && exponent % 10 == 0 && value & 0x07 != 0
        }
        Format::DecimalSi | Format::DecimalExponent => {
            let scale = exponent - denom.len() as i32;
            if digits > 18 || scale < -9 {
                return false;
            }
            let shifted_starts_zero = num.starts_with('0');
            // The last three digits of num followed by denom.
            let ends_000 = if denom.len() >= 3 {
                denom.ends_with("000")
            } else {
                let tail = 3 - denom.len();
                num.len() >= tail && num.ends_with(&"000"[..tail]) && denom.bytes().all(|b| b == b'0')
            };
            scale % 3 == 0 && !ends_000 && !shifted_starts_zero
        }
    }
}

/// Go's `Quantity.String()` for a quantity written as `text`: the text itself when
/// upstream keeps it, else the canonical form in the written format (binary sizes
/// below 1Ki or with fractions fall back to decimal). Unparseable text is returned
/// as is.
pub(super) fn canonical(text: &str) -> String {
    let text = text.trim();
    let Ok(value) = Quantity::parse(text) else {
        return text.to_string();
    };
    if text == "0" {
        return text.to_string();
    }
    let (num, denom, suffix) = split(text);
    let Some((format, exponent)) = interpret(suffix) else {
        return text.to_string();
    };
    if keeps_text(num, denom, format, exponent) {
        return text.to_string();
    }
    render(value.nanos(), format)
}

fn render(nanos: i128, format: Format) -> String {
    if nanos == 0 {
        return "0".to_string();
    }
    let format = match format {
        Format::BinarySi if nanos.abs() < 1024 * NANO || nanos % NANO != 0 => Format::DecimalSi,
        other => other,
    };
    if format == Format::BinarySi {
        let mut amount = nanos / NANO;
        let mut exponent = 0;
        while amount % 1024 == 0 {
            amount /= 1024;
            exponent += 1;
        }
        let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
            .get(exponent)
            .copied()
            .unwrap_or("");
        return format!("{amount}{suffix}");
    }
    let mut amount = nanos;
    let mut exponent: i32 = -9;
    while amount % 10 == 0 {
        amount /= 10;
        exponent += 1;
    }
    match exponent % 3 {
        1 | -2 => {
            amount *= 10;
            exponent -= 1;
        }
        2 | -1 => {
            amount *= 100;
            exponent -= 2;
        }
        _ => {}
    }
    if format == Format::DecimalExponent {
        return if exponent == 0 {
            amount.to_string()
        } else {
            format!("{amount}e{exponent}")
        };
    }
    let suffix = match exponent {
        -9 => "n",
        -6 => "u",
        -3 => "m",
        3 => "k",
        6 => "M",
        9 => "G",
        12 => "T",
        15 => "P",
        18 => "E",
        _ => "",
    };
    format!("{amount}{suffix}")
}

/// A quantity, or the error upstream's decoder would have refused it with (it never
/// reaches upstream's validation; here it is reported at the quantity's path).
pub(super) fn parse(text: &WireQuantity, path: &FieldPath, errs: &mut Vec<FieldError>) -> Option<Quantity> {
    match Quantity::parse(&text.0) {
        Ok(q) => Some(q),
        Err(error) => {
            errs.push(FieldError::invalid(path, text.0.as_str(), error.to_string()));
            None
        }
    }
}

pub(super) fn is_huge_pages(name: &str) -> bool {
    name.starts_with("hugepages-")
}

/// In the `kubernetes.io` namespace: unprefixed, or prefixed with `*kubernetes.io/`.
fn is_native(name: &str) -> bool {
    !name.contains('/') || name.contains("kubernetes.io/")
}

fn is_extended(name: &str) -> bool {
    !is_native(name) && !name.starts_with("requests.") && is_qualified_name(&format!("requests.{name}")).is_empty()
}

fn overcommit_allowed(name: &str) -> bool {
    is_native(name) && !is_huge_pages(name)
}

fn is_integer_resource(name: &str) -> bool {
    matches!(
        name,
        "pods"
            | "resourcequotas"
            | "services"
            | "replicationcontrollers"
            | "secrets"
            | "configmaps"
            | "persistentvolumeclaims"
            | "services.nodeports"
            | "services.loadbalancers"
    ) || is_extended(name)
}

fn is_standard_resource(name: &str) -> bool {
    matches!(
        name,
        "cpu"
            | "memory"
            | "ephemeral-storage"
            | "requests.cpu"
            | "requests.memory"
            | "requests.ephemeral-storage"
            | "limits.cpu"
            | "limits.memory"
            | "limits.ephemeral-storage"
            | "pods"
            | "resourcequotas"
            | "services"
            | "replicationcontrollers"
            | "secrets"
            | "configmaps"
            | "persistentvolumeclaims"
            | "storage"
            | "requests.storage"
            | "services.nodeports"
            | "services.loadbalancers"
    ) || name.starts_with("hugepages-")
        || name.starts_with("requests.hugepages-")
}

/// `validateResourceName` then `validateContainerResourceName`.
fn container_resource_name(name: &str, path: &FieldPath, errs: &mut Vec<FieldError>) {
    let before = errs.len();
    for msg in is_qualified_name(name) {
        errs.push(FieldError::invalid(path, name, msg));
    }
    let single = !name.contains('/');
    if errs.len() == before && single && !is_standard_resource(name) {
        errs.push(FieldError::invalid(
            path,
            name,
            "must be a standard resource type or fully qualified",
        ));
    }
    if single {
        if !matches!(name, "cpu" | "memory" | "ephemeral-storage") && !is_huge_pages(name) {
            errs.push(FieldError::invalid(
                path,
                name,
                "must be a standard resource for containers",
            ));
        }
    } else if !is_native(name) && !is_extended(name) {
        errs.push(FieldError::invalid(
            path,
            name,
            "doesn't follow extended resource name standard",
        ));
    }
}

/// `ValidateResourceQuantityValue`: not negative, and whole for integer resources
/// (extended resources, object counts). Upstream prints the negative value quoted and
/// the fractional one bare (a `Quantity` is a `fmt.Stringer`).
pub(super) fn quantity_value(name: &str, value: Quantity, text: &str, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if value.is_negative() {
        errs.push(FieldError::invalid(
            path,
            canonical(text),
            "must be greater than or equal to 0",
        ));
    }
    if is_integer_resource(name) && value.milli() % 1000 != 0 {
        errs.push(FieldError::invalid(
            path,
            FieldValue::Json(canonical(text)),
            "must be an integer",
        ));
    }
}

/// Whether a huge pages amount is a whole number of pages of the size its name gives
/// (`hugepages-2Mi`), as upstream's `IsHugePageResourceValueDivisible`.
pub(super) fn huge_pages_divisible(name: &str, text: &str) -> bool {
    let Ok(value) = Quantity::parse(text) else { return true };
    Quantity::parse(name.strip_prefix("hugepages-").unwrap_or(name))
        .ok()
        .filter(|page| page.nanos() > 0 && page.milli() % 1000 == 0)
        .is_some_and(|page| value.units() % page.units() == 0)
}

/// Why a huge pages amount is refused, unless the old object already had one.
fn huge_pages_value(name: &str, text: &str, opts: &Options) -> Option<String> {
    (!opts.allow_indivisible_huge_pages && !huge_pages_divisible(name, text))
        .then(|| format!("{} is not positive integer multiple of {name}", canonical(text)))
}

/// A container's (or the pod overhead's) requests and limits: resource names,
/// quantities, requests within limits, extended resources and huge pages requested
/// exactly as limited, huge pages only with cpu or memory, and claims that name the
/// pod's resource claims (`claims` is `None` where upstream passes none, the overhead).
pub(super) fn requirements(
    limits: Option<&BTreeMap<String, WireQuantity>>,
    requests: Option<&BTreeMap<String, WireQuantity>>,
    claims: Option<(&[ResourceClaim], &BTreeSet<&str>)>,
    path: &FieldPath,
    opts: &Options,
    errs: &mut Vec<FieldError>,
) {
    let lim_path = path.child("limits");
    let req_path = path.child("requests");
    let (mut lim_cpu_or_memory, mut req_cpu_or_memory) = (false, false);
    let (mut lim_huge, mut req_huge) = (false, false);
    for (name, text) in limits.into_iter().flatten() {
        let here = lim_path.key(name);
        container_resource_name(name, &here, errs);
        let Some(value) = parse(text, &here, errs) else {
            continue;
        };
        quantity_value(name, value, &text.0, &here, errs);
        if is_huge_pages(name) {
            lim_huge = true;
            if let Some(msg) = huge_pages_value(name, &text.0, opts) {
                errs.push(FieldError::invalid(&here, canonical(&text.0), msg));
            }
        }
        lim_cpu_or_memory |= matches!(name.as_str(), "cpu" | "memory");
    }
    for (name, text) in requests.into_iter().flatten() {
        let here = req_path.key(name);
        container_resource_name(name, &here, errs);
        let Some(value) = parse(text, &here, errs) else {
            continue;
        };
        quantity_value(name, value, &text.0, &here, errs);
        match limits.and_then(|l| l.get(name)) {
            Some(limit_text) => {
                if let Ok(limit) = Quantity::parse(&limit_text.0) {
                    // Upstream reports these at `requests`, not at the resource's key.
                    if value != limit && !overcommit_allowed(name) {
                        errs.push(FieldError::invalid(
                            &req_path,
                            canonical(&text.0),
                            format!("must be equal to {name} limit of {}", canonical(&limit_text.0)),
                        ));
                    } else if value > limit {
                        errs.push(FieldError::invalid(
                            &req_path,
                            canonical(&text.0),
                            format!(
                                "must be less than or equal to {name} limit of {}",
                                canonical(&limit_text.0)
                            ),
                        ));
                    }
                }
            }
            None if !overcommit_allowed(name) => errs.push(FieldError::required(
                &lim_path,
                "Limit must be set for non overcommitable resources",
            )),
            None => {}
        }
        if is_huge_pages(name) {
            req_huge = true;
            if let Some(msg) = huge_pages_value(name, &text.0, opts) {
                errs.push(FieldError::invalid(&here, canonical(&text.0), msg));
            }
        }
        req_cpu_or_memory |= matches!(name.as_str(), "cpu" | "memory");
    }
    if !lim_cpu_or_memory && !req_cpu_or_memory && (req_huge || lim_huge) {
        errs.push(FieldError::forbidden(path, "HugePages require cpu or memory"));
    }
    if let Some((claims, pod_claims)) = claims {
        claim_names(claims, pod_claims, &path.child("claims"), errs);
    }
}

/// `validateResourceClaimNames`: each claim a name of `spec.resourceClaims`, each
/// claim (or claim and request) referenced once.
fn claim_names(claims: &[ResourceClaim], pod_claims: &BTreeSet<&str>, path: &FieldPath, errs: &mut Vec<FieldError>) {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for (i, claim) in claims.iter().enumerate() {
        let here = path.index(i);
        let name = claim.name.as_str();
        if name.is_empty() {
            errs.push(FieldError::required(&here, ""));
            continue;
        }
        if seen.contains(name) {
            // All requests of that claim already referenced.
            errs.push(FieldError::duplicate(&here, name));
        } else {
            let request = claim.request.as_deref().unwrap_or_default();
            let mut key = name.to_string();
            if !request.is_empty() {
                for msg in is_dns1123_label(request) {
                    errs.push(FieldError::invalid(here.child("request"), request, msg));
                }
                key = format!("{name}/{request}");
            }
            if seen.contains(&key) {
                errs.push(FieldError::duplicate(&here, key.as_str()));
            } else if request.is_empty() {
                // Referencing a whole claim overlaps any request of it referenced before.
                for earlier in &seen {
                    if earlier.split_once('/').is_some_and(|(claim, _)| claim == name) {
                        errs.push(FieldError::duplicate(&here, name));
                    }
                }
            }
            seen.insert(key);
        }
        if !pod_claims.contains(name) {
            let mut error = FieldError::not_found(&here, name);
            error.detail = if pod_claims.is_empty() {
                "must be one of the names in pod.spec.resourceClaims which is empty".to_string()
            } else {
                let names: Vec<&str> = pod_claims.iter().copied().collect();
                format!(
                    "must be one of the names in pod.spec.resourceClaims: {}",
                    names.join(", ")
                )
            };
            errs.push(error);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_text_matches_go_quantity_string() {
        let cases = [
            ("1", "1"),
            ("100m", "100m"),
            ("1000m", "1"),
            ("1500m", "1500m"),
            ("0.5", "500m"),
            ("2000", "2k"),
            ("10000", "10k"),
            ("1Gi", "1Gi"),
            ("1024Mi", "1Gi"),
            ("1.5Gi", "1536Mi"),
            ("8Gi", "8Gi"),
            ("512", "512"),
            ("0.5Ki", "512"),
            ("1e3", "1e3"),
            ("1.5e3", "1500"),
            ("0", "0"),
            ("00", "0"),
            ("-100m", "-100m"),
            ("+5", "+5"),
            ("1.500k", "1.500k"),
            ("0.001", "1m"),
            ("1k", "1k"),
            ("2M", "2M"),
            ("128974848", "128974848"),
            ("129e6", "129e6"),
            ("3Ki", "3Ki"),
        ];
        for (text, want) in cases {
            assert_eq!(canonical(text), want, "{text}");
        }
    }
}
