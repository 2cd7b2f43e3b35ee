//! ConfigMaps and Secrets (`ValidateConfigMap`, `ValidateSecret` and their updates):
//! key syntax, a 1 MiB total, the keys each Secret type requires, and immutability.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use serde_json::Value;

use super::common::immutable;
use super::{Input, typed};
use crate::field_error::{FieldError, FieldPath};
use crate::validation::{max_len_chars_error, regex_error};

/// Most bytes of data a ConfigMap or Secret may hold (`MaxSecretSize`).
pub const MAX_DATA_BYTES: usize = 1024 * 1024;

const IMMUTABLE_WHEN_SET: &str = "field is immutable when `immutable` is set";

pub(super) fn validate(group: &str, kind: &str, new: Input<'_>, old: Option<&Value>) -> Option<Vec<FieldError>> {
    Some(match (group, kind) {
        ("", "ConfigMap") => typed(new, old, config_map),
        ("", "Secret") => typed(new, old, secret),
        _ => return None,
    })
}

/// Why `key` is not a valid data key (`IsConfigMapKey`).
pub fn config_key_errors(key: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if key.len() > 253 {
        errs.push(max_len_chars_error(253));
    }
    if key.is_empty()
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        errs.push(regex_error(
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
            "[-._a-zA-Z0-9]+",
            &["key.name", "KEY_NAME", "key-name"],
        ));
    }
    match key {
        "." => errs.push("must not be '.'".to_string()),
        ".." => errs.push("must not be '..'".to_string()),
        _ if key.starts_with("..") => errs.push("must not start with '..'".to_string()),
        _ => {}
    }
    errs
}

fn keys<V>(data: Option<&BTreeMap<String, V>>, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for key in data.into_iter().flatten().map(|(k, _)| k) {
        for msg in config_key_errors(key) {
            errs.push(FieldError::invalid(path.key(key), key.as_str(), msg));
        }
    }
    errs
}

fn config_map(new: &ConfigMap, old: Option<&ConfigMap>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if let Some(old) = old
        && old.immutable == Some(true)
    {
        if new.immutable != Some(true) {
            errs.push(FieldError::forbidden("immutable", IMMUTABLE_WHEN_SET));
        }
        if new.data != old.data {
            errs.push(FieldError::forbidden("data", IMMUTABLE_WHEN_SET));
        }
        if new.binary_data != old.binary_data {
            errs.push(FieldError::forbidden("binaryData", IMMUTABLE_WHEN_SET));
        }
    }
    let data = FieldPath::new("data");
    errs.extend(keys(new.data.as_ref(), &data));
    for key in new.data.iter().flatten().map(|(k, _)| k) {
        if new.binary_data.as_ref().is_some_and(|b| b.contains_key(key)) {
            errs.push(FieldError::invalid(
                data.key(key),
                key.as_str(),
                "duplicate of key present in binaryData",
            ));
        }
    }
    errs.extend(keys(new.binary_data.as_ref(), &FieldPath::new("binaryData")));
    let total: usize = new.data.iter().flatten().map(|(_, v)| v.len()).sum::<usize>()
        + new.binary_data.iter().flatten().map(|(_, v)| v.0.len()).sum::<usize>();
    if total > MAX_DATA_BYTES {
        // Upstream reports the whole object through an empty root path, printed `[]`.
        errs.push(FieldError::too_long("[]", MAX_DATA_BYTES as i64));
    }
    errs
}

fn secret(new: &Secret, old: Option<&Secret>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if let Some(old) = old {
        errs.extend(immutable(&new.type_, &old.type_, &FieldPath::new("type")));
        if old.immutable == Some(true) {
            if new.immutable != Some(true) {
                errs.push(FieldError::forbidden("immutable", IMMUTABLE_WHEN_SET));
            }
            if new.data != old.data {
                errs.push(FieldError::forbidden("data", IMMUTABLE_WHEN_SET));
            }
        }
    }
    let data_path = FieldPath::new("data");
    errs.extend(keys(new.data.as_ref(), &data_path));
    let empty = BTreeMap::new();
    let data: &BTreeMap<String, ByteString> = new.data.as_ref().unwrap_or(&empty);
    let total: usize = data.values().map(|v| v.0.len()).sum();
    if total > MAX_DATA_BYTES {
        errs.push(FieldError::too_long(&data_path, MAX_DATA_BYTES as i64));
    }
    let required = |key: &str| FieldError::required(data_path.key(key), "");
    let json_object = |key: &str| -> Option<FieldError> {
        match data.get(key) {
            None => Some(required(key)),
            Some(bytes) => serde_json::from_slice::<serde_json::Map<String, Value>>(&bytes.0)
                .err()
                .map(|e| FieldError::invalid(data_path.key(key), "<secret contents redacted>", e.to_string())),
        }
    };
    match new.type_.as_deref().unwrap_or("") {
        "kubernetes.io/service-account-token" => {
            let named = new
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get("kubernetes.io/service-account.name"))
                .is_some_and(|v| !v.is_empty());
            if !named {
                errs.push(FieldError::required(
                    FieldPath::new("metadata")
                        .child("annotations")
                        .key("kubernetes.io/service-account.name"),
                    "",
                ));
            }
        }
        "kubernetes.io/dockercfg" => errs.extend(json_object(".dockercfg")),
        "kubernetes.io/dockerconfigjson" => errs.extend(json_object(".dockerconfigjson")),
        "kubernetes.io/basic-auth" if !data.contains_key("username") && !data.contains_key("password") => {
            errs.push(required("username"));
            errs.push(required("password"));
        }
        "kubernetes.io/ssh-auth" if data.get("ssh-privatekey").is_none_or(|v| v.0.is_empty()) => {
            errs.push(required("ssh-privatekey"));
        }
        "kubernetes.io/tls" => {
            for key in ["tls.crt", "tls.key"] {
                if !data.contains_key(key) {
                    errs.push(required(key));
                }
            }
        }
        _ => {}
    }
    errs
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn messages(kind: &str, new: Value, old: Option<Value>) -> Vec<String> {
        validate("", kind, Input::from(&new), old.as_ref())
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn config_maps() {
        let cm = |data: Value| json!({"metadata": {"name": "c"}, "data": data});
        assert!(messages("ConfigMap", cm(json!({"a.b_c-D": "x"})), None).is_empty());
        assert_eq!(
            messages("ConfigMap", cm(json!({"bad key": "x", "..": "y"})), None),
            [
                "data[..]: Invalid value: \"..\": must not be '..'",
                "data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
            ]
        );
        let big = cm(json!({"v": "x".repeat(MAX_DATA_BYTES + 10)}));
        assert_eq!(
            messages("ConfigMap", big, None),
            ["[]: Too long: may not be more than 1048576 bytes"]
        );
        let both = json!({"metadata": {"name": "c"}, "data": {"k": "x"}, "binaryData": {"k": "eA=="}});
        assert_eq!(
            messages("ConfigMap", both, None),
            ["data[k]: Invalid value: \"k\": duplicate of key present in binaryData"]
        );
        let frozen = json!({"metadata": {"name": "c"}, "immutable": true, "data": {"k": "1"}});
        let changed = json!({"metadata": {"name": "c"}, "immutable": true, "data": {"k": "2"}});
        assert_eq!(
            messages("ConfigMap", changed, Some(frozen.clone())),
            ["data: Forbidden: field is immutable when `immutable` is set"]
        );
        assert!(messages("ConfigMap", frozen.clone(), Some(frozen)).is_empty());
    }

    #[test]
    fn secrets() {
        let secret = |kind: &str, data: Value| json!({"metadata": {"name": "s"}, "type": kind, "data": data});
        assert_eq!(
            messages("Secret", secret("kubernetes.io/tls", json!({"tls.crt": "eA=="})), None),
            ["data[tls.key]: Required value"]
        );
        assert_eq!(
            messages(
                "Secret",
                secret(
                    "kubernetes.io/dockerconfigjson",
                    json!({".dockerconfigjson": "bm9wZQ=="})
                ),
                None
            )
            .len(),
            1
        );
        assert_eq!(
            messages("Secret", secret("kubernetes.io/service-account-token", json!({})), None),
            ["metadata.annotations[kubernetes.io/service-account.name]: Required value"]
        );
        let opaque = secret("Opaque", json!({"a": "eA=="}));
        assert_eq!(
            messages(
                "Secret",
                secret("kubernetes.io/tls", json!({"tls.crt": "eA==", "tls.key": "eA=="})),
                Some(opaque)
            ),
            ["type: Invalid value: \"kubernetes.io/tls\": field is immutable"]
        );
    }
}
