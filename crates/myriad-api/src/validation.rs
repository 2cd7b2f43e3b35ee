//! Name, label and metadata rules of the object model, with upstream's error wording.
//!
//! Every `is_*` check returns the list of reasons a value is unacceptable (empty when it
//! is fine), worded exactly as apimachinery words them, because those strings end up in
//! `Invalid` Status messages that users and tests read. The checks are hand-written
//! equivalents of upstream's regular expressions (no regex engine needed); the
//! expressions are still quoted in the messages, as upstream does.
//!
//! Upstream is mid-migration between two helper packages and their length messages
//! differ: the DNS checks say "must be no more than N characters" while label keys and
//! values say "must be no more than N bytes" (Kubernetes 1.36). Both are reproduced.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use crate::field_error::{FieldError, FieldPath, FieldValue};

/// Longest DNS (RFC 1123) label: namespace names, label-key names.
pub const DNS1123_LABEL_MAX_LENGTH: usize = 63;
/// Longest DNS (RFC 1123) subdomain: most object names.
pub const DNS1123_SUBDOMAIN_MAX_LENGTH: usize = 253;
/// Longest DNS (RFC 1035) label: service names.
pub const DNS1035_LABEL_MAX_LENGTH: usize = 63;
/// Longest label value and label-key name.
pub const LABEL_VALUE_MAX_LENGTH: usize = 63;
const QUALIFIED_NAME_MAX_LENGTH: usize = 63;
/// The most bytes all annotation keys and values of one object may hold together.
pub const TOTAL_ANNOTATION_SIZE_LIMIT_BYTES: usize = 256 * 1024;

const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_LABEL_ERR_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1123_SUBDOMAIN_ERR_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1035_LABEL_FMT: &str = "[a-z]([-a-z0-9]*[a-z0-9])?";
const DNS1035_LABEL_ERR_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
const QUALIFIED_NAME_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const QUALIFIED_NAME_ERR_MSG: &str =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const LABEL_VALUE_ERR_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/// `must be no more than N characters` (util/validation's wording).
pub(crate) fn max_len_chars_error(length: usize) -> String {
    format!("must be no more than {length} characters")
}

/// `must be no more than N bytes` (the newer validate/content package's wording).
pub(crate) fn max_len_bytes_error(length: usize) -> String {
    format!("must be no more than {length} bytes")
}

/// Upstream's `RegexError`: the rule, examples, and the expression it is checked with.
pub(crate) fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    if examples.is_empty() {
        return format!("{msg} (regex used for validation is '{fmt}')");
    }
    // Upstream appends "'x', " per example and joins with " or ", which leaves two
    // spaces before each "or" ("'my-name',  or '123-abc', "); clients see exactly that.
    let examples: Vec<String> = examples.iter().map(|e| format!("'{e}', ")).collect();
    format!(
        "{msg} (e.g. {}regex used for validation is '{fmt}')",
        examples.join(" or ")
    )
}

/// `must be non-empty`.
const EMPTY_ERROR: &str = "must be non-empty";

fn is_lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// Matches `[a-z0-9]([-a-z0-9]*[a-z0-9])?`.
fn matches_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(&first), Some(&last)) => {
            is_lower_alnum(first) && is_lower_alnum(last) && b.iter().all(|&c| is_lower_alnum(c) || c == b'-')
        }
        _ => false,
    }
}

/// Matches `label(\.label)*` with RFC 1123 labels.
fn matches_dns1123_subdomain(s: &str) -> bool {
    s.split('.').all(matches_dns1123_label)
}

/// Matches `[a-z]([-a-z0-9]*[a-z0-9])?`.
fn matches_dns1035_label(s: &str) -> bool {
    matches_dns1123_label(s) && s.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
}

/// Matches `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`.
fn matches_qualified_name(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && b.iter()
                    .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

/// Checks an RFC 1123 label (`my-name`, `123-abc`): what namespace names must be.
pub fn is_dns1123_label(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_LABEL_MAX_LENGTH {
        errs.push(max_len_chars_error(DNS1123_LABEL_MAX_LENGTH));
    }
    if !matches_dns1123_label(value) {
        if matches_dns1123_subdomain(value) {
            // A valid subdomain but not a label: with the length already checked, the
            // only difference left is the dots.
            errs.push("must not contain dots".to_string());
        } else {
            errs.push(regex_error(
                DNS1123_LABEL_ERR_MSG,
                DNS1123_LABEL_FMT,
                &["my-name", "123-abc"],
            ));
        }
    }
    errs
}

/// Checks an RFC 1123 subdomain (`example.com`): what most object names must be.
pub fn is_dns1123_subdomain(value: &str) -> Vec<String> {
    dns1123_subdomain_errors(value, max_len_chars_error)
}

fn dns1123_subdomain_errors(value: &str, max_len_error: fn(usize) -> String) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_SUBDOMAIN_MAX_LENGTH {
        errs.push(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH));
    }
    if !matches_dns1123_subdomain(value) {
        errs.push(regex_error(
            DNS1123_SUBDOMAIN_ERR_MSG,
            DNS1123_SUBDOMAIN_FMT,
            &["example.com"],
        ));
    }
    errs
}

/// Checks an RFC 1035 label (starts with a letter): what service names must be.
pub fn is_dns1035_label(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1035_LABEL_MAX_LENGTH {
        errs.push(max_len_chars_error(DNS1035_LABEL_MAX_LENGTH));
    }
    if !matches_dns1035_label(value) {
        errs.push(regex_error(
            DNS1035_LABEL_ERR_MSG,
            DNS1035_LABEL_FMT,
            &["my-name", "abc-123"],
        ));
    }
    errs
}

/// Checks a qualified name — a label key, annotation key or finalizer: an optional DNS
/// subdomain prefix and `/`, then a name of at most 63 characters
/// (`example.com/MyName`).
pub fn is_qualified_name(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let parts: Vec<&str> = value.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push(format!("prefix part {EMPTY_ERROR}"));
            } else {
                let msgs = dns1123_subdomain_errors(prefix, max_len_bytes_error);
                errs.extend(msgs.into_iter().map(|m| format!("prefix part {m}")));
            }
            *name
        }
        _ => {
            errs.push(format!(
                "a valid label key {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(
                    QUALIFIED_NAME_ERR_MSG,
                    QUALIFIED_NAME_FMT,
                    &["MyName", "my.name", "123-abc"]
                )
            ));
            return errs;
        }
    };
    if name.is_empty() {
        errs.push(format!("name part {EMPTY_ERROR}"));
    } else if name.len() > QUALIFIED_NAME_MAX_LENGTH {
        errs.push(format!("name part {}", max_len_bytes_error(QUALIFIED_NAME_MAX_LENGTH)));
    }
    if !matches_qualified_name(name) {
        errs.push(format!(
            "name part {}",
            regex_error(
                QUALIFIED_NAME_ERR_MSG,
                QUALIFIED_NAME_FMT,
                &["MyName", "my.name", "123-abc"]
            )
        ));
    }
    errs
}

/// Checks a label value: empty, or up to 63 alphanumerics, `-`, `_`, `.` that start and
/// end alphanumeric.
pub fn is_valid_label_value(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > LABEL_VALUE_MAX_LENGTH {
        errs.push(max_len_bytes_error(LABEL_VALUE_MAX_LENGTH));
    }
    if !value.is_empty() && !matches_qualified_name(value) {
        errs.push(regex_error(
            LABEL_VALUE_ERR_MSG,
            LABEL_VALUE_FMT,
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

/// Checks that a name can be one segment of a URL path and a store key: not `.` or
/// `..`, and no `/` or `%`. Empty and over-long names are not rejected here.
pub fn is_valid_path_segment_name(name: &str) -> Vec<String> {
    for illegal in [".", ".."] {
        if name == illegal {
            return vec![format!("may not be '{illegal}'")];
        }
    }
    is_valid_path_segment_prefix(name)
}

/// Like [`is_valid_path_segment_name`] for a `generateName` prefix, which may be `.`
/// or `..` because a suffix will follow.
pub fn is_valid_path_segment_prefix(name: &str) -> Vec<String> {
    ["/", "%"]
        .iter()
        .filter(|illegal| name.contains(*illegal))
        .map(|illegal| format!("may not contain '{illegal}'"))
        .collect()
}

/// The rule an object's name must follow; each resource type picks one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameRule {
    /// Usable as a URL path segment — the rule the generic create path applies to every
    /// resource (upstream `rest.BeforeCreate`), and the only one custom resources get.
    PathSegment,
    /// An RFC 1123 subdomain: pods, config maps, secrets, deployments, nodes, …
    Dns1123Subdomain,
    /// An RFC 1123 label: namespaces.
    Dns1123Label,
    /// An RFC 1035 label: services.
    Dns1035Label,
}

impl NameRule {
    /// The reasons `name` breaks this rule. With `prefix` the name is a `generateName`
    /// that will get a suffix, so a trailing `-` is allowed.
    pub fn check(self, name: &str, prefix: bool) -> Vec<String> {
        match self {
            Self::PathSegment if prefix => is_valid_path_segment_prefix(name),
            Self::PathSegment => is_valid_path_segment_name(name),
            Self::Dns1123Subdomain => is_dns1123_subdomain(&mask_trailing_dash(name, prefix)),
            Self::Dns1123Label => is_dns1123_label(&mask_trailing_dash(name, prefix)),
            Self::Dns1035Label => is_dns1035_label(&mask_trailing_dash(name, prefix)),
        }
    }
}

/// Upstream's `maskTrailingDash`: for a prefix ending in `-` (and longer than one
/// byte), drop the last *two* bytes and append `a`, so the DNS check sees a name that
/// ends alphanumerically. The quirk (two bytes, not one) is upstream's and kept, since
/// it decides which prefixes pass.
fn mask_trailing_dash(name: &str, prefix: bool) -> String {
    if prefix && name.len() > 1 && name.ends_with('-') {
        let kept = &name.as_bytes()[..name.len() - 2];
        // A multi-byte character cut in half turns into U+FFFD, which fails the DNS
        // check just as the raw byte does upstream.
        format!("{}a", String::from_utf8_lossy(kept))
    } else {
        name.to_string()
    }
}

/// Upstream's `maxGeneratedNameLength`: a generated name is the base trimmed to this
/// many bytes plus [`GENERATED_SUFFIX_LENGTH`] random characters, so it fits in 63.
pub const MAX_GENERATED_NAME_LENGTH: usize = 63 - GENERATED_SUFFIX_LENGTH;
/// How many random characters `generate_name` appends.
pub const GENERATED_SUFFIX_LENGTH: usize = 5;
/// The characters of the random suffix: lowercase consonants and digits without
/// vowels (and without 0, 1, 3), as upstream, so generated names do not spell words.
const SUFFIX_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// The name the server assigns for a `generateName` create: `base` (trimmed to 58
/// bytes) followed by 5 random characters, e.g. `web-` → `web-x7k2q`. The caller still
/// validates the result and retries on `AlreadyExists`.
pub fn generate_name(base: &str) -> String {
    let mut end = base.len().min(MAX_GENERATED_NAME_LENGTH);
    // Upstream slices bytes; a Rust string can only be cut at a character boundary.
    while !base.is_char_boundary(end) {
        end -= 1;
    }
    let mut name = String::with_capacity(end + GENERATED_SUFFIX_LENGTH);
    name.push_str(&base[..end]);
    let mut bits = next_random();
    let mut remaining = 12; // 5-bit draws per 64-bit word, 60 bits used
    let mut added = 0;
    while added < GENERATED_SUFFIX_LENGTH {
        if remaining == 0 {
            bits = next_random();
            remaining = 12;
        }
        let idx = (bits & 0x1f) as usize;
        bits >>= 5;
        remaining -= 1;
        // Draws past the alphabet are skipped rather than wrapped, keeping the choice
        // uniform (upstream does the same).
        if let Some(&c) = SUFFIX_ALPHABET.get(idx) {
            name.push(c as char);
            added += 1;
        }
    }
    name
}

/// A process-wide SplitMix64 sequence: a time-based seed plus an atomic counter, so
/// concurrent creates draw different values without a lock. Name suffixes need to be
/// unlikely to collide, not unpredictable; collisions are caught by the store.
fn next_random() -> u64 {
    static SEED: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seed = *SEED.get_or_init(|| {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let stack_addr = &now as *const _ as u64;
        (now.as_nanos() as u64) ^ stack_addr.rotate_left(32) ^ u64::from(std::process::id())
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut z = seed.wrapping_add(n.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Annotations whose keys and values together exceed 256 KiB.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("annotations size {size} is larger than limit {limit}")]
pub struct AnnotationsTooLarge {
    pub size: usize,
    pub limit: usize,
}

/// Checks the total size of an object's annotations (keys plus values, in bytes)
/// against [`TOTAL_ANNOTATION_SIZE_LIMIT_BYTES`].
pub fn check_annotations_size<'a>(
    annotations: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<(), AnnotationsTooLarge> {
    let size: usize = annotations.into_iter().map(|(k, v)| k.len() + v.len()).sum();
    if size > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES {
        return Err(AnnotationsTooLarge {
            size,
            limit: TOTAL_ANNOTATION_SIZE_LIMIT_BYTES,
        });
    }
    Ok(())
}

/// Validates labels as upstream's `ValidateLabels`: every key a qualified name and
/// every value a label value; errors name the map's path, not the key.
pub fn validate_labels<'a>(labels: impl IntoIterator<Item = (&'a str, &'a str)>, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for (key, value) in labels {
        for msg in is_qualified_name(key) {
            errs.push(FieldError::invalid(path, key, msg));
        }
        for msg in is_valid_label_value(value) {
            errs.push(FieldError::invalid(path, value, msg));
        }
    }
    errs
}

/// Validates annotations as upstream's `ValidateAnnotations`: keys are qualified names
/// compared case-insensitively, and the total size is limited.
pub fn validate_annotations<'a>(
    annotations: impl IntoIterator<Item = (&'a str, &'a str)> + Clone,
    path: &FieldPath,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for (key, _) in annotations.clone() {
        for msg in is_qualified_name(&key.to_lowercase()) {
            errs.push(FieldError::invalid(path, key, msg));
        }
    }
    if check_annotations_size(annotations).is_err() {
        errs.push(FieldError::too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT_BYTES as i64));
    }
    errs
}

/// The finalizer that makes deletion orphan dependents.
pub const FINALIZER_ORPHAN_DEPENDENTS: &str = "orphan";
/// The finalizer that makes deletion wait for dependents (foreground deletion).
pub const FINALIZER_DELETE_DEPENDENTS: &str = "foregroundDeletion";

/// Validates finalizers as upstream's generic `ValidateFinalizers`: each a qualified
/// name, and not both `orphan` and `foregroundDeletion`.
pub fn validate_finalizers(finalizers: &[&str], path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for finalizer in finalizers {
        for msg in is_qualified_name(finalizer) {
            errs.push(FieldError::invalid(path, *finalizer, msg));
        }
    }
    if finalizers.contains(&FINALIZER_ORPHAN_DEPENDENTS) && finalizers.contains(&FINALIZER_DELETE_DEPENDENTS) {
        let all: Vec<&str> = finalizers.to_vec();
        errs.push(FieldError::invalid(
            path,
            FieldValue::json(&all),
            format!("finalizer {FINALIZER_ORPHAN_DEPENDENTS} and {FINALIZER_DELETE_DEPENDENTS} cannot be both set"),
        ));
    }
    errs
}

/// Validates the generic parts of an object's `metadata` on create, as upstream's
/// `ValidateObjectMetaAccessor`: `generateName` and `name` against `name_rule`, the
/// namespace (required and an RFC 1123 label when `namespaced`, forbidden otherwise),
/// `generation`, labels, annotations and finalizers. Name generation must already have
/// happened. The generic create path calls it with [`NameRule::PathSegment`];
/// type-specific validation calls it with the type's own rule.
///
/// `metadata` is the decoded JSON object. Upstream rejects fields of the wrong JSON type
/// while decoding (400); here they are reported as `FieldValueTypeInvalid` causes so a
/// malformed object can never pass. Owner references and managed fields are not checked.
pub fn validate_object_meta(metadata: &Value, namespaced: bool, name_rule: NameRule) -> Vec<FieldError> {
    let path = FieldPath::new("metadata");
    let mut errs = Vec::new();
    let Some(meta) = metadata.as_object() else {
        errs.push(FieldError::type_invalid(&path, metadata, "must be an object"));
        return errs;
    };

    let generate_name = string_field(meta, "generateName", &path, &mut errs);
    let name = string_field(meta, "name", &path, &mut errs);
    if !generate_name.is_empty() {
        for msg in name_rule.check(generate_name, true) {
            errs.push(FieldError::invalid(path.child("generateName"), generate_name, msg));
        }
    }
    if name.is_empty() {
        errs.push(FieldError::required(
            path.child("name"),
            "name or generateName is required",
        ));
    } else {
        for msg in name_rule.check(name, false) {
            errs.push(FieldError::invalid(path.child("name"), name, msg));
        }
    }

    let namespace = string_field(meta, "namespace", &path, &mut errs);
    if namespaced {
        if namespace.is_empty() {
            errs.push(FieldError::required(path.child("namespace"), ""));
        } else {
            for msg in is_dns1123_label(namespace) {
                errs.push(FieldError::invalid(path.child("namespace"), namespace, msg));
            }
        }
    } else if !namespace.is_empty() {
        errs.push(FieldError::forbidden(
            path.child("namespace"),
            "not allowed on this type",
        ));
    }

    match meta.get("generation") {
        None | Some(Value::Null) => {}
        Some(Value::Number(n)) if n.as_i64().is_some() => {
            if let Some(generation) = n.as_i64().filter(|g| *g < 0) {
                errs.push(FieldError::invalid(
                    path.child("generation"),
                    generation,
                    "must be greater than or equal to 0",
                ));
            }
        }
        Some(other) => errs.push(FieldError::type_invalid(
            path.child("generation"),
            other,
            "must be an integer",
        )),
    }

    let labels = string_map_field(meta, "labels", &path, &mut errs);
    errs.extend(validate_labels(labels.iter().copied(), &path.child("labels")));
    let annotations = string_map_field(meta, "annotations", &path, &mut errs);
    errs.extend(validate_annotations(
        annotations.iter().copied(),
        &path.child("annotations"),
    ));

    let finalizers_path = path.child("finalizers");
    let finalizers: Vec<&str> = match meta.get("finalizers") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| match item.as_str() {
                Some(s) => Some(s),
                None => {
                    errs.push(FieldError::type_invalid(
                        finalizers_path.index(i),
                        item,
                        "must be a string",
                    ));
                    None
                }
            })
            .collect(),
        Some(other) => {
            errs.push(FieldError::type_invalid(
                &finalizers_path,
                other,
                "must be a list of strings",
            ));
            Vec::new()
        }
    };
    errs.extend(validate_finalizers(&finalizers, &finalizers_path));
    errs
}

/// A string member of `metadata`; absent and `null` read as empty, other types are
/// reported and read as empty.
fn string_field<'a>(meta: &'a Map<String, Value>, key: &str, path: &FieldPath, errs: &mut Vec<FieldError>) -> &'a str {
    match meta.get(key) {
        None | Some(Value::Null) => "",
        Some(Value::String(s)) => s,
        Some(other) => {
            errs.push(FieldError::type_invalid(path.child(key), other, "must be a string"));
            ""
        }
    }
}

/// A string-to-string map member of `metadata` (labels, annotations), in key order.
fn string_map_field<'a>(
    meta: &'a Map<String, Value>,
    key: &str,
    path: &FieldPath,
    errs: &mut Vec<FieldError>,
) -> Vec<(&'a str, &'a str)> {
    match meta.get(key) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(map)) => map
            .iter()
            .filter_map(|(k, v)| match v.as_str() {
                Some(s) => Some((k.as_str(), s)),
                None => {
                    errs.push(FieldError::type_invalid(path.child(key).key(k), v, "must be a string"));
                    None
                }
            })
            .collect(),
        Some(other) => {
            errs.push(FieldError::type_invalid(
                path.child(key),
                other,
                "must be a map of strings",
            ));
            Vec::new()
        }
    }
}

/// What the create path must do with an object's `metadata.namespace`, given the
/// namespace in the request URL (upstream's `EnsureObjectNamespaceMatchesRequestNamespace`
/// with `ExpectedNamespaceForScope`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NamespaceFix {
    /// The object's namespace is already right.
    Keep,
    /// Set the object's namespace to this (the request's, or empty for a
    /// cluster-scoped type).
    Set(String),
}

/// The object names a namespace other than the request's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the namespace of the provided object does not match the namespace sent on the request")]
pub struct NamespaceMismatch;

/// Reconciles an object's namespace with the request's: an unset namespace takes the
/// request's, a cluster-scoped type drops any namespace, and a different namespace is a
/// `400 BadRequest` carrying [`NamespaceMismatch`]'s message.
pub fn ensure_namespace(
    request_namespace: &str,
    namespaced: bool,
    object_namespace: &str,
) -> Result<NamespaceFix, NamespaceMismatch> {
    let expected = if namespaced { request_namespace } else { "" };
    if object_namespace == expected {
        Ok(NamespaceFix::Keep)
    } else if object_namespace.is_empty() || expected.is_empty() {
        Ok(NamespaceFix::Set(expected.to_string()))
    } else {
        Err(NamespaceMismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn a(n: usize) -> String {
        "a".repeat(n)
    }

    /// Upstream `TestIsDNS1123Label`.
    #[test]
    fn dns1123_label_table() {
        let good = [
            "a",
            "ab",
            "abc",
            "a1",
            "a-1",
            "a--1--2--b",
            "0",
            "01",
            "012",
            "1a",
            "1-a",
            "1--a--b--2",
        ];
        for v in good.iter().map(|s| s.to_string()).chain([a(63)]) {
            assert!(is_dns1123_label(&v).is_empty(), "{v}: {:?}", is_dns1123_label(&v));
        }
        let bad = [
            "", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-", "-1", "_", "a_", "_a", "a_b", "1_", "_1",
            "1_2", ".", "a.", ".a", "a.b", "1.", ".1", "1.2", " ", "a ", " a", "a b", "1 ", " 1", "1 2",
        ];
        for v in bad.iter().map(|s| s.to_string()).chain([a(64)]) {
            assert!(!is_dns1123_label(&v).is_empty(), "{v:?} should fail");
        }
    }

    #[test]
    fn dns1123_label_messages() {
        assert_eq!(is_dns1123_label("a.b"), vec!["must not contain dots"]);
        assert_eq!(
            is_dns1123_label("Foo"),
            vec![
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
            ]
        );
        assert_eq!(is_dns1123_label(&a(64)), vec!["must be no more than 63 characters"]);
    }

    /// Upstream `TestIsDNS1123Subdomain`.
    #[test]
    fn dns1123_subdomain_table() {
        let good = [
            "a",
            "ab",
            "abc",
            "a1",
            "a-1",
            "a--1--2--b",
            "0",
            "01",
            "012",
            "1a",
            "1-a",
            "1--a--b--2",
            "a.a",
            "ab.a",
            "abc.a",
            "a1.a",
            "a-1.a",
            "a--1--2--b.a",
            "a.1",
            "ab.1",
            "abc.1",
            "a1.1",
            "a-1.1",
            "a--1--2--b.1",
            "0.a",
            "01.a",
            "012.a",
            "1a.a",
            "1-a.a",
            "1--a--b--2",
            "0.1",
            "01.1",
            "012.1",
            "1a.1",
            "1-a.1",
            "1--a--b--2.1",
            "a.b.c.d.e",
            "aa.bb.cc.dd.ee",
            "1.2.3.4.5",
            "11.22.33.44.55",
        ];
        for v in good.iter().map(|s| s.to_string()).chain([a(253)]) {
            assert!(is_dns1123_subdomain(&v).is_empty(), "{v}");
        }
        let bad = [
            "",
            "A",
            "ABC",
            "aBc",
            "A1",
            "A-1",
            "1-A",
            "-",
            "a-",
            "-a",
            "1-",
            "-1",
            "_",
            "a_",
            "_a",
            "a_b",
            "1_",
            "_1",
            "1_2",
            ".",
            "a.",
            ".a",
            "a..b",
            "1.",
            ".1",
            "1..2",
            " ",
            "a ",
            " a",
            "a b",
            "1 ",
            " 1",
            "1 2",
            "A.a",
            "aB.a",
            "ab.A",
            "A1.a",
            "a1.A",
            "A.1",
            "aB.1",
            "A1.1",
            "1A.1",
            "0.A",
            "01.A",
            "012.A",
            "1A.a",
            "1a.A",
            "A.B.C.D.E",
            "AA.BB.CC.DD.EE",
            "a.B.c.d.e",
            "aa.bB.cc.dd.ee",
            "a@b",
            "a,b",
            "a_b",
            "a;b",
            "a:b",
            "a%b",
            "a?b",
            "a$b",
        ];
        for v in bad.iter().map(|s| s.to_string()).chain([a(254)]) {
            assert!(!is_dns1123_subdomain(&v).is_empty(), "{v:?} should fail");
        }
    }

    #[test]
    fn dns1123_subdomain_messages() {
        let regex_msg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
        assert_eq!(is_dns1123_subdomain("Bad_Name"), vec![regex_msg]);
        assert_eq!(
            is_dns1123_subdomain(&format!("{}-", a(253))),
            vec!["must be no more than 253 characters", regex_msg]
        );
        // Trailing newline: Go's `$` only matches at the very end, so this fails.
        assert!(!is_dns1123_subdomain("abc\n").is_empty());
    }

    /// Upstream `TestIsDNS1035Label`.
    #[test]
    fn dns1035_label_table() {
        for v in ["a", "ab", "abc", "a1", "a-1", "a--1--2--b"]
            .iter()
            .map(|s| s.to_string())
            .chain([a(63)])
        {
            assert!(is_dns1035_label(&v).is_empty(), "{v}");
        }
        let bad = [
            "0",
            "01",
            "012",
            "1a",
            "1-a",
            "1--a--b--2",
            "",
            "A",
            "ABC",
            "aBc",
            "A1",
            "A-1",
            "1-A",
            "-",
            "a-",
            "-a",
            "1-",
            "-1",
            "_",
            "a_",
            "_a",
            "a_b",
            "1_",
            "_1",
            "1_2",
            ".",
            "a.",
            ".a",
            "a.b",
            "1.",
            ".1",
            "1.2",
            " ",
            "a ",
            " a",
            "a b",
            "1 ",
            " 1",
            "1 2",
        ];
        for v in bad.iter().map(|s| s.to_string()).chain([a(64)]) {
            assert!(!is_dns1035_label(&v).is_empty(), "{v:?} should fail");
        }
        assert_eq!(
            is_dns1035_label("1a"),
            vec![
                "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
            ]
        );
    }

    /// Upstream `TestIsQualifiedName` / `TestIsLabelKey`.
    #[test]
    fn qualified_name_table() {
        let good = [
            "simple".to_string(),
            "now-with-dashes".into(),
            "1-starts-with-num".into(),
            "1234".into(),
            "simple/simple".into(),
            "now-with-dashes/simple".into(),
            "now-with-dashes/now-with-dashes".into(),
            "now.with.dots/simple".into(),
            "now-with.dashes-and.dots/simple".into(),
            "1-num.2-num/3-num".into(),
            "1234/5678".into(),
            "1.2.3.4/5678".into(),
            "Uppercase_Is_OK_123".into(),
            "example.com/Uppercase_Is_OK_123".into(),
            "requests.storage-foo".into(),
            a(63),
            format!("{}/{}", a(253), "b".repeat(63)),
        ];
        for v in &good {
            assert!(is_qualified_name(v).is_empty(), "{v}: {:?}", is_qualified_name(v));
        }
        let bad = [
            "nospecialchars%^=@".to_string(),
            "cantendwithadash-".into(),
            "-cantstartwithadash-".into(),
            "only/one/slash".into(),
            "Example.com/abc".into(),
            "example_com/abc".into(),
            "example.com/".into(),
            "/simple".into(),
            a(64),
            format!("{}/abc", a(254)),
        ];
        for v in &bad {
            assert!(!is_qualified_name(v).is_empty(), "{v:?} should fail");
        }
    }

    #[test]
    fn qualified_name_messages() {
        let name_regex = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
        assert_eq!(is_qualified_name("-x-"), vec![name_regex]);
        assert_eq!(
            is_qualified_name("example.com/"),
            vec!["name part must be non-empty", name_regex]
        );
        assert_eq!(is_qualified_name("/simple"), vec!["prefix part must be non-empty"]);
        assert_eq!(
            is_qualified_name(&a(64)),
            vec!["name part must be no more than 63 bytes"]
        );
        assert_eq!(
            is_qualified_name(&format!("{}/abc", a(254))),
            vec!["prefix part must be no more than 253 bytes"]
        );
        assert_eq!(
            is_qualified_name("Example.com/abc"),
            vec![
                "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
            ]
        );
        assert_eq!(
            is_qualified_name("only/one/slash"),
            vec![
                "a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
            ]
        );
    }

    /// Upstream `TestIsValidLabelValue`.
    #[test]
    fn label_value_table() {
        for v in [
            "simple",
            "now-with-dashes",
            "1-starts-with-num",
            "end-with-num-1",
            "1234",
            "",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([a(63)])
        {
            assert!(is_valid_label_value(&v).is_empty(), "{v}");
        }
        let bad = [
            "nospecialchars%^=@",
            "Tama-nui-te-rā.is.Māori.sun",
            "\\backslashes\\are\\bad",
            "-starts-with-dash",
            "ends-with-dash-",
            ".starts.with.dot",
            "ends.with.dot.",
        ];
        for v in bad.iter().map(|s| s.to_string()).chain([a(64)]) {
            assert!(!is_valid_label_value(&v).is_empty(), "{v:?} should fail");
        }
        assert_eq!(is_valid_label_value(&a(64)), vec!["must be no more than 63 bytes"]);
        assert_eq!(
            is_valid_label_value("a b"),
            vec![
                "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
            ]
        );
    }

    #[test]
    fn path_segment_names() {
        assert_eq!(is_valid_path_segment_name("."), vec!["may not be '.'"]);
        assert_eq!(is_valid_path_segment_name(".."), vec!["may not be '..'"]);
        assert_eq!(
            is_valid_path_segment_name("a/b%c"),
            vec!["may not contain '/'", "may not contain '%'"]
        );
        assert!(is_valid_path_segment_name("...").is_empty());
        assert!(is_valid_path_segment_name("Any_Thing:at.all").is_empty());
        assert!(is_valid_path_segment_prefix("..").is_empty());
        assert_eq!(is_valid_path_segment_prefix("a%"), vec!["may not contain '%'"]);
    }

    #[test]
    fn name_rules_mask_trailing_dash_for_prefixes() {
        assert!(NameRule::Dns1123Subdomain.check("web-", true).is_empty());
        assert!(!NameRule::Dns1123Subdomain.check("web-", false).is_empty());
        assert!(NameRule::Dns1123Label.check("ns-", true).is_empty());
        assert!(NameRule::Dns1035Label.check("svc-", true).is_empty());
        // Upstream drops two bytes before appending 'a': "a.-" becomes "a" + "a".
        assert!(NameRule::Dns1123Label.check("a.-", true).is_empty());
        assert!(!NameRule::Dns1123Label.check("-", true).is_empty());
        assert!(!NameRule::Dns1123Subdomain.check("é-", true).is_empty());
        assert_eq!(NameRule::PathSegment.check("..", true), Vec::<String>::new());
        assert_eq!(NameRule::PathSegment.check("..", false), vec!["may not be '..'"]);
    }

    #[test]
    fn generated_names() {
        let name = generate_name("web-");
        assert_eq!(name.len(), 9);
        assert!(name.starts_with("web-"));
        assert!(name[4..].bytes().all(|b| SUFFIX_ALPHABET.contains(&b)), "{name}");
        assert!(is_dns1123_subdomain(&name).is_empty());

        let long = generate_name(&a(100));
        assert_eq!(long.len(), 63);
        assert!(long.starts_with(&a(58)));

        // Cutting at 58 bytes would split 'é' (bytes 57..59): back off to 57.
        let multibyte = format!("{}é{}", a(57), a(10));
        let cut = generate_name(&multibyte);
        assert_eq!(cut.len(), 57 + GENERATED_SUFFIX_LENGTH);

        let names: std::collections::HashSet<String> = (0..1000).map(|_| generate_name("x-")).collect();
        assert!(names.len() > 990, "suffixes should rarely repeat: {}", names.len());
    }

    #[test]
    fn annotation_size_limit() {
        let big = "x".repeat(TOTAL_ANNOTATION_SIZE_LIMIT_BYTES - 1);
        assert!(check_annotations_size([("k", big.as_str())]).is_ok());
        let err = check_annotations_size([("kk", big.as_str())]).expect_err("one byte over");
        assert_eq!(err.to_string(), "annotations size 262145 is larger than limit 262144");
        let errs = validate_annotations([("kk", big.as_str())], &FieldPath::new("metadata").child("annotations"));
        assert_eq!(
            errs.iter().map(ToString::to_string).collect::<Vec<_>>(),
            vec!["metadata.annotations: Too long: may not be more than 262144 bytes"]
        );
    }

    #[test]
    fn annotation_keys_are_case_insensitive() {
        let path = FieldPath::new("metadata").child("annotations");
        assert!(validate_annotations([("Example.COM/Key", "v")], &path).is_empty());
        let errs = validate_annotations([("a/b/c", "v")], &path);
        assert_eq!(errs.len(), 1);
        assert!(
            errs[0]
                .to_string()
                .starts_with(r#"metadata.annotations: Invalid value: "a/b/c": a valid label key"#)
        );
    }

    fn messages(errs: &[FieldError]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn object_meta_names() {
        let errs = validate_object_meta(
            &json!({"name": "Bad_Name", "namespace": "default"}),
            true,
            NameRule::Dns1123Subdomain,
        );
        assert_eq!(
            messages(&errs),
            vec![
                r#"metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"#
            ]
        );

        let errs = validate_object_meta(&json!({"namespace": "default"}), true, NameRule::PathSegment);
        assert_eq!(
            messages(&errs),
            vec!["metadata.name: Required value: name or generateName is required"]
        );

        let errs = validate_object_meta(
            &json!({"name": "..", "generateName": "a/"}),
            false,
            NameRule::PathSegment,
        );
        assert_eq!(
            messages(&errs),
            vec![
                r#"metadata.generateName: Invalid value: "a/": may not contain '/'"#,
                r#"metadata.name: Invalid value: "..": may not be '..'"#,
            ]
        );
        assert!(validate_object_meta(&json!({"name": "Any_Name"}), false, NameRule::PathSegment).is_empty());
    }

    #[test]
    fn object_meta_namespace_scope() {
        let errs = validate_object_meta(&json!({"name": "x"}), true, NameRule::PathSegment);
        assert_eq!(messages(&errs), vec!["metadata.namespace: Required value"]);
        let errs = validate_object_meta(&json!({"name": "x", "namespace": "Bad"}), true, NameRule::PathSegment);
        assert_eq!(errs.len(), 1);
        assert!(
            errs[0]
                .to_string()
                .starts_with(r#"metadata.namespace: Invalid value: "Bad": a lowercase RFC 1123 label"#)
        );
        let errs = validate_object_meta(
            &json!({"name": "x", "namespace": "default"}),
            false,
            NameRule::PathSegment,
        );
        assert_eq!(
            messages(&errs),
            vec!["metadata.namespace: Forbidden: not allowed on this type"]
        );
    }

    #[test]
    fn object_meta_labels_generation_finalizers() {
        let meta = json!({
            "name": "x",
            "generation": -1,
            "labels": {"app": "web", "bad key": "ok", "k": "-bad"},
            "finalizers": ["orphan", "foregroundDeletion", "a/b/c"],
        });
        let errs = validate_object_meta(&meta, false, NameRule::PathSegment);
        let msgs = messages(&errs);
        assert_eq!(
            msgs[0],
            "metadata.generation: Invalid value: -1: must be greater than or equal to 0"
        );
        assert!(msgs[1].starts_with(r#"metadata.labels: Invalid value: "bad key": name part must consist of"#));
        assert!(msgs[2].starts_with(r#"metadata.labels: Invalid value: "-bad": a valid label must be"#));
        assert!(msgs[3].starts_with(r#"metadata.finalizers: Invalid value: "a/b/c": a valid label key"#));
        assert_eq!(
            msgs[4],
            r#"metadata.finalizers: Invalid value: ["orphan","foregroundDeletion","a/b/c"]: finalizer orphan and foregroundDeletion cannot be both set"#
        );
        assert_eq!(msgs.len(), 5);
    }

    #[test]
    fn object_meta_wrong_types_never_pass() {
        let errs = validate_object_meta(
            &json!({"name": 5, "labels": {"a": 1}, "finalizers": "x"}),
            false,
            NameRule::PathSegment,
        );
        let msgs = messages(&errs);
        assert!(
            msgs.contains(&"metadata.name: Invalid value: 5: must be a string".to_string()),
            "{msgs:?}"
        );
        assert!(
            msgs.contains(&"metadata.labels[a]: Invalid value: 1: must be a string".to_string()),
            "{msgs:?}"
        );
        assert!(msgs.contains(&r#"metadata.finalizers: Invalid value: "x": must be a list of strings"#.to_string()));
        assert!(!validate_object_meta(&json!("x"), false, NameRule::PathSegment).is_empty());
    }

    #[test]
    fn namespace_reconciliation() {
        assert_eq!(ensure_namespace("default", true, "default"), Ok(NamespaceFix::Keep));
        assert_eq!(
            ensure_namespace("default", true, ""),
            Ok(NamespaceFix::Set("default".into()))
        );
        assert_eq!(
            ensure_namespace("", false, "stray"),
            Ok(NamespaceFix::Set(String::new()))
        );
        assert_eq!(ensure_namespace("default", false, ""), Ok(NamespaceFix::Keep));
        let err = ensure_namespace("default", true, "other").expect_err("mismatch");
        assert_eq!(
            err.to_string(),
            "the namespace of the provided object does not match the namespace sent on the request"
        );
    }
}
