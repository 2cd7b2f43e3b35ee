//! The CustomResourceDefinition object itself (apiextensions.k8s.io/v1): its defaults
//! (upstream's `pkg/apis/apiextensions/v1/defaults.go`) and its validation on create
//! (`pkg/apis/apiextensions/validation/validation.go`, `ValidateCustomResourceDefinition`).
//!
//! Upstream validates the internal form of a CRD, into which a v1 object is converted
//! first. The conversion moves per-version `schema`, `subresources` and
//! `additionalPrinterColumns` that are identical in every version to the top level, so
//! errors in them are reported at `spec.validation.openAPIV3Schema…`,
//! `spec.subresources…` and `spec.additionalPrinterColumns[i]…`; a single-version CRD
//! is always in that case. This module reproduces that, and the internal field names
//! (`JSONPath`, `webhookClientConfig`) in paths. Values that upstream prints as its
//! internal Go structs (the `spec.versions` list) are printed as the JSON given.

use serde_json::{Map, Value, json};

use super::selectable;
use super::structural::check_schema;
use crate::field_error::{FieldError, FieldPath, FieldValue};
use crate::validation::{NameRule, is_dns1035_label, is_dns1123_subdomain, validate_object_meta};

/// The annotation protected API groups (`*.k8s.io`, `*.kubernetes.io`) must carry.
pub const API_APPROVED_ANNOTATION: &str = "api-approved.kubernetes.io";

/// Fills in upstream's v1 defaults: `names.singular` (the lowercased kind),
/// `names.listKind` (`<kind>List`), `conversion.strategy: None`, a webhook service's
/// port 443, and `status.storedVersions` (the storage version) when empty.
pub fn default_definition(crd: &mut Value) {
    let Some(object) = crd.as_object_mut() else {
        return;
    };
    let spec = object.entry("spec").or_insert_with(|| json!({}));
    if let Some(spec) = spec.as_object_mut() {
        default_names(spec);
        default_conversion(spec);
    }
    let storage = object
        .get("spec")
        .and_then(|s| s.get("versions"))
        .and_then(Value::as_array)
        .and_then(|versions| versions.iter().find(|v| v.get("storage") == Some(&Value::Bool(true))))
        .and_then(|v| v.get("name"))
        .cloned();
    let status = object.entry("status").or_insert_with(|| json!({}));
    if let (Some(status), Some(storage)) = (status.as_object_mut(), storage) {
        let empty = status
            .get("storedVersions")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty);
        if empty {
            status.insert("storedVersions".to_string(), json!([storage]));
        }
    }
}

fn default_names(spec: &mut Map<String, Value>) {
    let names = spec.entry("names").or_insert_with(|| json!({}));
    let Some(names) = names.as_object_mut() else {
        return;
    };
    let kind = names
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let unset =
        |names: &Map<String, Value>, key: &str| names.get(key).and_then(Value::as_str).is_none_or(str::is_empty);
    if unset(names, "singular") {
        names.insert("singular".to_string(), Value::String(kind.to_lowercase()));
    }
    if unset(names, "listKind") && !kind.is_empty() {
        names.insert("listKind".to_string(), Value::String(format!("{kind}List")));
    }
}

fn default_conversion(spec: &mut Map<String, Value>) {
    let conversion = spec.entry("conversion").or_insert(Value::Null);
    if conversion.is_null() {
        *conversion = json!({"strategy": "None"});
    }
    if let Some(service) = conversion
        .pointer_mut("/webhook/clientConfig/service")
        .and_then(Value::as_object_mut)
        && service.get("port").is_none_or(Value::is_null)
    {
        service.insert("port".to_string(), json!(443));
    }
}

/// Validates a CRD as upstream does on create, after [`default_definition`]. Errors are
/// in upstream's order: metadata, spec, status, API approval, preserveUnknownFields.
pub fn validate_definition(crd: &Value) -> Vec<FieldError> {
    let empty = Map::new();
    let spec = crd.get("spec").and_then(Value::as_object).unwrap_or(&empty);
    let mut reader = Reader::default();
    let names = reader.object(spec, "names", &FieldPath::new("spec"));
    let plural = reader.string(names, "plural", &FieldPath::new("spec").child("names"));
    let group = reader.string(spec, "group", &FieldPath::new("spec"));

    let mut errs = metadata_errors(crd.get("metadata"), &format!("{plural}.{group}"));
    errs.extend(Spec::new(spec, &mut reader).validate());
    errs.extend(status_errors(crd.get("status"), spec, &mut reader));
    errs.extend(api_approval(crd, group));
    if spec.get("preserveUnknownFields") == Some(&Value::Bool(true)) {
        errs.push(FieldError::invalid(
            FieldPath::new("spec").child("preserveUnknownFields"),
            true,
            "cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead",
        ));
    }
    // Wrongly typed fields make upstream reject the body before validation; they are
    // reported here, after the rest.
    errs.extend(reader.errors);
    errs
}

/// Reads typed fields, recording wrongly typed ones once.
#[derive(Default)]
struct Reader {
    errors: Vec<FieldError>,
    seen: Vec<String>,
}

impl Reader {
    fn wrong(&mut self, path: &FieldPath, key: &str, value: &Value, expected: &str) {
        let field = path.child(key).to_string();
        if !self.seen.contains(&field) {
            self.errors
                .push(FieldError::type_invalid(&field, value, format!("must be {expected}")));
            self.seen.push(field);
        }
    }

    fn string<'a>(&mut self, map: &'a Map<String, Value>, key: &str, path: &FieldPath) -> &'a str {
        match map.get(key) {
            None | Some(Value::Null) => "",
            Some(Value::String(s)) => s,
            Some(other) => {
                self.wrong(path, key, other, "a string");
                ""
            }
        }
    }

    fn boolean(&mut self, map: &Map<String, Value>, key: &str, path: &FieldPath) -> bool {
        match map.get(key) {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                self.wrong(path, key, other, "a boolean");
                false
            }
        }
    }

    fn object<'a>(&mut self, map: &'a Map<String, Value>, key: &str, path: &FieldPath) -> &'a Map<String, Value> {
        static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
        match map.get(key) {
            Some(Value::Object(m)) => m,
            None | Some(Value::Null) => EMPTY.get_or_init(Map::new),
            Some(other) => {
                self.wrong(path, key, other, "an object");
                EMPTY.get_or_init(Map::new)
            }
        }
    }

    fn list<'a>(&mut self, map: &'a Map<String, Value>, key: &str, path: &FieldPath) -> &'a [Value] {
        match map.get(key) {
            Some(Value::Array(items)) => items,
            None | Some(Value::Null) => &[],
            Some(other) => {
                self.wrong(path, key, other, "a list");
                &[]
            }
        }
    }

    fn strings(&mut self, map: &Map<String, Value>, key: &str, path: &FieldPath) -> Vec<String> {
        let items = self.list(map, key, path);
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match item.as_str() {
                Some(s) => out.push(s.to_string()),
                None => self.wrong(&path.child(key), &format!("[{i}]"), item, "a string"),
            }
        }
        out
    }
}

/// Generic object metadata with a DNS-subdomain name that must be
/// `<spec.names.plural>.<spec.group>` (also demanded of `generateName`, as upstream).
fn metadata_errors(metadata: Option<&Value>, required_name: &str) -> Vec<FieldError> {
    let empty = json!({});
    let metadata = metadata.unwrap_or(&empty);
    let mut errs = validate_object_meta(metadata, false, NameRule::Dns1123Subdomain);
    let path = FieldPath::new("metadata");
    let mismatch = r#"must be spec.names.plural+"."+spec.group"#;
    for field in ["generateName", "name"] {
        let value = metadata.get(field).and_then(Value::as_str).unwrap_or_default();
        if value.is_empty() || value == required_name {
            continue;
        }
        let at = path.child(field).to_string();
        let after = errs
            .iter()
            .rposition(|e| e.field == at)
            .map(|i| i + 1)
            .unwrap_or_else(|| leading_name_errors(&errs, field));
        errs.insert(after, FieldError::invalid(at, value, mismatch));
    }
    errs
}

/// How many errors come before `field`'s in `validate_object_meta`'s order
/// (generateName, then name, then the rest).
fn leading_name_errors(errs: &[FieldError], field: &str) -> usize {
    let before: &[&str] = if field == "name" {
        &["metadata.generateName", "metadata.name"]
    } else {
        &["metadata.generateName"]
    };
    errs.iter().take_while(|e| before.contains(&e.field.as_str())).count()
}

/// Per-version settings that upstream moves to the top level when all versions agree.
struct Hoisted<'a> {
    schema: Option<&'a Value>,
    subresources: Option<&'a Value>,
    columns: Option<&'a Value>,
}

/// The `spec` of a CRD with what validating it needs.
struct Spec<'a, 'r> {
    spec: &'a Map<String, Value>,
    versions: &'a [Value],
    hoisted: Hoisted<'a>,
    reader: &'r mut Reader,
    path: FieldPath,
}

/// A per-version field, `None` when absent, `null` or (for lists) empty.
fn version_field<'a>(version: &'a Value, key: &str) -> Option<&'a Value> {
    version
        .get(key)
        .filter(|v| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()))
}

/// The value shared by every version, if they all agree (upstream's conversion).
fn shared<'a>(versions: &'a [Value], key: &str) -> (bool, Option<&'a Value>) {
    let first = versions.first().and_then(|v| version_field(v, key));
    let same = !versions.is_empty() && versions.iter().all(|v| version_field(v, key) == first);
    (same, first)
}

impl<'a, 'r> Spec<'a, 'r> {
    fn new(spec: &'a Map<String, Value>, reader: &'r mut Reader) -> Self {
        let path = FieldPath::new("spec");
        let versions = reader.list(spec, "versions", &path);
        let hoist = |key: &str| match shared(versions, key) {
            (true, value) => value,
            (false, _) => None,
        };
        let hoisted = Hoisted {
            schema: hoist("schema"),
            subresources: hoist("subresources"),
            columns: hoist("additionalPrinterColumns"),
        };
        Self {
            spec,
            versions,
            hoisted,
            reader,
            path,
        }
    }

    /// Whether the per-version field is still per version after the conversion.
    fn per_version(&self, key: &str) -> bool {
        !shared(self.versions, key).0
    }

    fn validate(mut self) -> Vec<FieldError> {
        let mut errs = Vec::new();
        let path = self.path.clone();
        errs.extend(self.group());
        let scope = self.reader.string(self.spec, "scope", &path);
        errs.extend(enum_string(&path.child("scope"), scope, &["Cluster", "Namespaced"]));
        errs.extend(self.schemas_required());
        let preserve = self.spec.get("preserveUnknownFields") == Some(&Value::Bool(true));
        if preserve && self.has_defaults() {
            errs.push(FieldError::invalid(
                path.child("preserveUnknownFields"),
                true,
                "must be false in order to use defaults in the schema",
            ));
        }
        errs.extend(self.versions_errors());
        errs.extend(self.names_errors());
        if let Some(validation) = self.hoisted.schema {
            let status = self.any_status_enabled();
            errs.extend(validate_schema(validation, status, &path.child("validation")));
        }
        if let Some(subresources) = self.hoisted.subresources {
            errs.extend(validate_subresources(subresources, &path.child("subresources")));
        }
        if let Some(Value::Array(columns)) = self.hoisted.columns {
            for (i, column) in columns.iter().enumerate() {
                errs.extend(validate_column(
                    column,
                    &path.child("additionalPrinterColumns").index(i),
                ));
            }
        }
        errs.extend(self.conversion(preserve));
        errs
    }

    fn group(&mut self) -> Vec<FieldError> {
        let at = self.path.child("group");
        let group = self.reader.string(self.spec, "group", &self.path);
        if group.is_empty() {
            return vec![FieldError::required(at, "")];
        }
        let problems = is_dns1123_subdomain(group);
        if !problems.is_empty() {
            return vec![FieldError::invalid(at, group, problems.join(","))];
        }
        if !group.contains('.') {
            return vec![FieldError::invalid(
                at,
                group,
                "should be a domain with at least one dot",
            )];
        }
        Vec::new()
    }

    /// Every version needs a schema unless all share one.
    fn schemas_required(&self) -> Vec<FieldError> {
        if self
            .hoisted
            .schema
            .and_then(|s| s.get("openAPIV3Schema"))
            .is_some_and(|s| !s.is_null())
        {
            return Vec::new();
        }
        self.versions
            .iter()
            .enumerate()
            .filter(|(_, v)| v.pointer("/schema/openAPIV3Schema").is_none_or(Value::is_null))
            .map(|(i, _)| {
                FieldError::required(
                    self.path
                        .child("versions")
                        .index(i)
                        .child("schema")
                        .child("openAPIV3Schema"),
                    "",
                )
            })
            .collect()
    }

    fn has_defaults(&self) -> bool {
        self.versions
            .iter()
            .filter_map(|v| v.pointer("/schema/openAPIV3Schema"))
            .any(schema_has_default)
    }

    fn any_status_enabled(&self) -> bool {
        let enabled = |s: Option<&Value>| s.and_then(|s| s.get("status")).is_some_and(|s| !s.is_null());
        enabled(self.hoisted.subresources) || self.versions.iter().any(|v| enabled(v.get("subresources")))
    }

    /// The subresources that apply to a version (upstream's `getSubresourcesForVersion`).
    fn status_enabled(&self, version: &Value) -> bool {
        let subresources = if self.per_version("subresources") {
            version.get("subresources")
        } else {
            self.hoisted.subresources
        };
        subresources.and_then(|s| s.get("status")).is_some_and(|s| !s.is_null())
    }

    fn versions_errors(&mut self) -> Vec<FieldError> {
        let mut errs = Vec::new();
        let versions = self.versions;
        let versions_path = self.path.child("versions");
        let mut storage = 0;
        let mut names: Vec<&str> = Vec::new();
        let mut unique = true;
        for (i, version) in versions.iter().enumerate() {
            let at = versions_path.index(i);
            let Some(map) = version.as_object() else {
                self.reader
                    .wrong(&versions_path, &format!("[{i}]"), version, "an object");
                continue;
            };
            if self.reader.boolean(map, "storage", &at) {
                storage += 1;
            }
            let name = self.reader.string(map, "name", &at);
            if names.contains(&name) {
                unique = false;
            } else {
                names.push(name);
            }
            let problems = is_dns1035_label(name);
            if !problems.is_empty() {
                errs.push(FieldError::invalid(at.child("name"), name, problems.join(",")));
            }
            errs.extend(self.version_errors(version, map, &at));
        }
        let shown = || FieldValue::json(versions);
        if !unique {
            errs.push(FieldError::invalid(
                &versions_path,
                shown(),
                "must contain unique version names",
            ));
        }
        if storage != 1 {
            errs.push(FieldError::invalid(
                &versions_path,
                shown(),
                "must have exactly one version marked as storage version",
            ));
        }
        // The internal `spec.version` is the first version's name, checked again.
        if let Some(first) = names.first().filter(|n| !n.is_empty()) {
            let problems = is_dns1035_label(first);
            if !problems.is_empty() {
                errs.push(FieldError::invalid(
                    self.path.child("version"),
                    *first,
                    problems.join(","),
                ));
            }
        }
        errs
    }

    fn version_errors(&mut self, version: &Value, map: &Map<String, Value>, at: &FieldPath) -> Vec<FieldError> {
        let mut errs = Vec::new();
        let deprecated = self.reader.boolean(map, "deprecated", at);
        if let Some(warning) = map.get("deprecationWarning").filter(|w| !w.is_null()) {
            let text = warning.as_str().unwrap_or_default();
            for problem in deprecation_warning_problems(deprecated, text) {
                errs.push(FieldError::invalid(
                    at.child("deprecationWarning"),
                    FieldValue::json(warning),
                    problem,
                ));
            }
        }
        if self.per_version("schema")
            && let Some(schema) = version_field(version, "schema")
        {
            errs.extend(validate_schema(
                schema,
                self.status_enabled(version),
                &at.child("schema"),
            ));
        }
        if self.per_version("subresources")
            && let Some(subresources) = version_field(version, "subresources")
        {
            errs.extend(validate_subresources(subresources, &at.child("subresources")));
        }
        if let Some(fields) = version_field(version, "selectableFields") {
            let schema = version_field(version, "schema").and_then(|s| s.get("openAPIV3Schema"));
            errs.extend(selectable::validate(fields, schema, &at.child("selectableFields")));
        }
        if self.per_version("additionalPrinterColumns") {
            let columns = self.reader.list(map, "additionalPrinterColumns", at);
            for (i, column) in columns.iter().enumerate() {
                errs.extend(validate_column(column, &at.child("additionalPrinterColumns").index(i)));
            }
        }
        errs
    }

    fn names_errors(&mut self) -> Vec<FieldError> {
        let names_path = self.path.child("names");
        let names = self.reader.object(self.spec, "names", &self.path);
        let mut errs = Vec::new();
        for key in ["plural", "singular", "kind", "listKind"] {
            if self.reader.string(names, key, &names_path).is_empty() {
                errs.push(FieldError::required(names_path.child(key), ""));
            }
        }
        errs.extend(validate_names(names, &names_path, self.reader));
        errs
    }

    fn conversion(&mut self, preserve_unknown_fields: bool) -> Vec<FieldError> {
        let at = self.path.child("conversion");
        let conversion = match self.spec.get("conversion") {
            Some(Value::Object(c)) => c,
            _ => return Vec::new(),
        };
        let mut errs = Vec::new();
        let strategy = self.reader.string(conversion, "strategy", &at);
        if strategy != "None" && preserve_unknown_fields {
            errs.push(FieldError::invalid(
                at.child("strategy"),
                strategy,
                "must be None if spec.preserveUnknownFields is true",
            ));
        }
        errs.extend(enum_string(&at.child("strategy"), strategy, &["None", "Webhook"]));
        let webhook = conversion.get("webhook").and_then(Value::as_object);
        let client_config = webhook.and_then(|w| w.get("clientConfig")).filter(|c| !c.is_null());
        let review_versions = webhook
            .map(|w| self.reader.strings(w, "conversionReviewVersions", &at.child("webhook")))
            .unwrap_or_default();
        if strategy == "Webhook" {
            match client_config {
                None => errs.push(FieldError::required(
                    at.child("webhookClientConfig"),
                    "required when strategy is set to Webhook",
                )),
                Some(config) => errs.extend(validate_client_config(config, &at.child("webhookClientConfig"))),
            }
            errs.extend(validate_review_versions(
                &review_versions,
                &at.child("conversionReviewVersions"),
            ));
        } else {
            let detail = "should not be set when strategy is not set to Webhook";
            if client_config.is_some() {
                errs.push(FieldError::forbidden(at.child("webhookClientConfig"), detail));
            }
            if !review_versions.is_empty() {
                errs.push(FieldError::forbidden(at.child("conversionReviewVersions"), detail));
            }
        }
        errs
    }
}

/// Upstream's `validateEnumStrings` with `required`.
fn enum_string(path: &FieldPath, value: &str, accepted: &[&str]) -> Vec<FieldError> {
    if value.is_empty() {
        return vec![FieldError::required(path, "")];
    }
    if accepted.contains(&value) {
        return Vec::new();
    }
    vec![FieldError::not_supported(path, value, accepted)]
}

fn schema_has_default(schema: &Value) -> bool {
    match schema {
        Value::Object(map) => {
            map.get("default").is_some_and(|d| !d.is_null())
                || map.iter().any(|(key, value)| match key.as_str() {
                    "properties" | "patternProperties" | "definitions" | "dependencies" => {
                        value.as_object().is_some_and(|m| m.values().any(schema_has_default))
                    }
                    "items" | "allOf" | "anyOf" | "oneOf" => match value {
                        Value::Array(list) => list.iter().any(schema_has_default),
                        other => schema_has_default(other),
                    },
                    "not" | "additionalProperties" | "additionalItems" => schema_has_default(value),
                    _ => false,
                })
        }
        _ => false,
    }
}

/// A `CustomResourceValidation` (`{openAPIV3Schema: …}`) at `path`.
fn validate_schema(validation: &Value, status_enabled: bool, path: &FieldPath) -> Vec<FieldError> {
    match validation.get("openAPIV3Schema").filter(|s| !s.is_null()) {
        Some(schema) => check_schema(schema, &path.child("openAPIV3Schema"), status_enabled),
        None => Vec::new(),
    }
}

fn deprecation_warning_problems(deprecated: bool, warning: &str) -> Vec<String> {
    if !deprecated {
        return vec!["can only be set for deprecated versions".to_string()];
    }
    let mut problems = Vec::new();
    if warning.len() > 256 {
        problems.push("must be <= 256 characters long".to_string());
    }
    if warning.is_empty() {
        problems.push("must not be an empty string".to_string());
    }
    // Go checks `unicode.IsPrint` first, so control characters are reported as
    // non-printable too.
    if let Some((i, _)) = warning
        .char_indices()
        .find(|(_, c)| c.is_control() || (c.is_whitespace() && *c != ' '))
    {
        problems.push(format!(
            "must only contain printable UTF-8 characters; non-printable character found at index {i}"
        ));
    }
    problems
}

/// Names of the resource (`spec.names`, `status.acceptedNames`): DNS-1035 labels,
/// kinds in mixed case, and a list kind that differs from the kind.
fn validate_names(names: &Map<String, Value>, path: &FieldPath, reader: &mut Reader) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for key in ["plural", "singular"] {
        let value = reader.string(names, key, path);
        let problems = is_dns1035_label(value);
        if !value.is_empty() && !problems.is_empty() {
            errs.push(FieldError::invalid(path.child(key), value, problems.join(",")));
        }
    }
    let kind = reader.string(names, "kind", path);
    let list_kind = reader.string(names, "listKind", path);
    for (key, value) in [("kind", kind), ("listKind", list_kind)] {
        let problems = is_dns1035_label(&value.to_lowercase());
        if !value.is_empty() && !problems.is_empty() {
            errs.push(FieldError::invalid(
                path.child(key),
                value,
                format!(
                    "may have mixed case, but should otherwise match: {}",
                    problems.join(",")
                ),
            ));
        }
    }
    for (i, name) in reader.strings(names, "shortNames", path).iter().enumerate() {
        let problems = is_dns1035_label(name);
        if !problems.is_empty() {
            errs.push(FieldError::invalid(
                path.child("shortNames").index(i),
                name,
                problems.join(","),
            ));
        }
    }
    if !kind.is_empty() && kind == list_kind {
        errs.push(FieldError::invalid(
            path.child("listKind"),
            list_kind,
            "kind and listKind may not be the same",
        ));
    }
    for (i, name) in reader.strings(names, "categories", path).iter().enumerate() {
        let problems = is_dns1035_label(name);
        if !problems.is_empty() {
            errs.push(FieldError::invalid(
                path.child("categories").index(i),
                name,
                problems.join(","),
            ));
        }
    }
    errs
}

/// `subresources.scale`: the replica paths must be simple JSON paths under `.spec` and
/// `.status`, the selector path under either.
fn validate_subresources(subresources: &Value, path: &FieldPath) -> Vec<FieldError> {
    let Some(scale) = subresources.get("scale").filter(|s| !s.is_null()) else {
        return Vec::new();
    };
    let mut errs = Vec::new();
    let text = |key: &str| scale.get(key).and_then(Value::as_str).unwrap_or_default();
    for (key, prefix, detail) in [
        ("specReplicasPath", ".spec.", "should be a json path under .spec"),
        ("statusReplicasPath", ".status.", "should be a json path under .status"),
    ] {
        let at = path.child(&format!("scale.{key}"));
        let value = text(key);
        if value.is_empty() {
            errs.push(FieldError::required(at, ""));
            continue;
        }
        let problems = simple_json_path(value, &at);
        if !problems.is_empty() {
            errs.extend(problems);
        } else if !value.starts_with(prefix) {
            errs.push(FieldError::invalid(at, value, detail));
        }
    }
    let selector = text("labelSelectorPath");
    if !selector.is_empty() {
        let at = path.child("scale.labelSelectorPath");
        let problems = simple_json_path(selector, &at);
        if !problems.is_empty() {
            errs.extend(problems);
        } else if !selector.starts_with(".spec.") && !selector.starts_with(".status.") {
            errs.push(FieldError::invalid(
                at,
                FieldValue::json(selector),
                "should be a json path under either .spec or .status",
            ));
        }
    }
    errs
}

/// Upstream's `validateSimpleJSONPath`.
fn simple_json_path(value: &str, path: &FieldPath) -> Vec<FieldError> {
    if value.is_empty() {
        return vec![FieldError::invalid(path, value, "must not be empty")];
    }
    if !value.starts_with('.') {
        return vec![FieldError::invalid(
            path,
            value,
            "must be a simple json path starting with .",
        )];
    }
    Vec::new()
}

const COLUMN_TYPES: &str = "boolean,date,integer,number,string";
const COLUMN_FORMATS: &str = "byte,date,date-time,double,float,int32,int64,password";

/// One `additionalPrinterColumns` entry. The path field is `JSONPath`, as upstream's
/// internal type names it.
fn validate_column(column: &Value, path: &FieldPath) -> Vec<FieldError> {
    let text = |key: &str| column.get(key).and_then(Value::as_str).unwrap_or_default();
    let mut errs = Vec::new();
    if text("name").is_empty() {
        errs.push(FieldError::required(path.child("name"), ""));
    }
    let type_name = text("type");
    let type_detail = format!("must be one of {COLUMN_TYPES}");
    if type_name.is_empty() {
        errs.push(FieldError::required(path.child("type"), type_detail));
    } else if !COLUMN_TYPES.split(',').any(|t| t == type_name) {
        errs.push(FieldError::invalid(path.child("type"), type_name, type_detail));
    }
    let format = text("format");
    if !format.is_empty() && !COLUMN_FORMATS.split(',').any(|f| f == format) {
        errs.push(FieldError::invalid(
            path.child("format"),
            format,
            format!("must be one of {COLUMN_FORMATS}"),
        ));
    }
    let json_path = text("jsonPath");
    if json_path.is_empty() {
        errs.push(FieldError::required(path.child("JSONPath"), ""));
    } else {
        errs.extend(simple_json_path(json_path, &path.child("JSONPath")));
    }
    errs
}

/// A conversion webhook's `clientConfig`: exactly one of `url` and `service`.
fn validate_client_config(config: &Value, path: &FieldPath) -> Vec<FieldError> {
    let url = config.get("url").and_then(Value::as_str);
    let service = config.get("service").filter(|s| !s.is_null());
    match (url, service) {
        (Some(url), None) => validate_webhook_url(url, &path.child("url")),
        (None, Some(service)) => validate_webhook_service(service, &path.child("service")),
        _ => vec![FieldError::required(path, "exactly one of url or service is required")],
    }
}

/// Upstream's `ValidateWebhookURL` with HTTPS required.
fn validate_webhook_url(url: &str, path: &FieldPath) -> Vec<FieldError> {
    const FORM: &str = "; desired format: https://host[/path]";
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (rest, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let authority = if scheme.is_empty() {
        ""
    } else {
        rest.split('/').next().unwrap_or_default()
    };
    let (user, host) = match authority.rsplit_once('@') {
        Some((user, host)) => (Some(user), host),
        None => (None, authority),
    };
    let mut errs = Vec::new();
    if scheme != "https" {
        errs.push(FieldError::invalid(
            path,
            scheme,
            format!("'https' is the only allowed URL scheme{FORM}"),
        ));
    }
    if host.is_empty() {
        errs.push(FieldError::invalid(path, host, format!("host must be specified{FORM}")));
    }
    if let Some(user) = user {
        errs.push(FieldError::invalid(
            path,
            user,
            "user information is not permitted in the URL",
        ));
    }
    if !fragment.is_empty() {
        errs.push(FieldError::invalid(
            path,
            fragment,
            "fragments are not permitted in the URL",
        ));
    }
    if !query.is_empty() {
        errs.push(FieldError::invalid(
            path,
            query,
            "query parameters are not permitted in the URL",
        ));
    }
    errs
}

/// Upstream's `ValidateWebhookService`: name, namespace, port, and a path of DNS
/// subdomain segments.
fn validate_webhook_service(service: &Value, path: &FieldPath) -> Vec<FieldError> {
    let text = |key: &str| service.get(key).and_then(Value::as_str).unwrap_or_default();
    let mut errs = Vec::new();
    if text("name").is_empty() {
        errs.push(FieldError::required(path.child("name"), "service name is required"));
    }
    if text("namespace").is_empty() {
        errs.push(FieldError::required(
            path.child("namespace"),
            "service namespace is required",
        ));
    }
    let port = service.get("port").and_then(Value::as_i64).unwrap_or(443);
    if !(1..=65535).contains(&port) {
        errs.push(FieldError::invalid(
            path.child("port"),
            port,
            "port is not valid: must be between 1 and 65535, inclusive",
        ));
    }
    let url_path = text("path");
    if url_path.is_empty() || url_path == "/" {
        return errs;
    }
    let at = path.child("path");
    if url_path == "//" {
        errs.push(FieldError::invalid(&at, url_path, "segment[0] may not be empty"));
    }
    if !url_path.starts_with('/') {
        errs.push(FieldError::invalid(&at, url_path, "must start with a '/'"));
    }
    let trimmed = url_path.get(1..).unwrap_or_default();
    let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
    for (i, step) in trimmed.split('/').enumerate() {
        if step.is_empty() {
            errs.push(FieldError::invalid(
                &at,
                url_path,
                format!("segment[{i}] may not be empty"),
            ));
            continue;
        }
        for problem in is_dns1123_subdomain(step) {
            errs.push(FieldError::invalid(&at, url_path, format!("segment[{i}]: {problem}")));
        }
    }
    errs
}

fn validate_review_versions(versions: &[String], path: &FieldPath) -> Vec<FieldError> {
    if versions.is_empty() {
        return vec![FieldError::required(path, "")];
    }
    let mut errs = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    let mut accepted = false;
    for (i, version) in versions.iter().enumerate() {
        if seen.contains(&version.as_str()) {
            errs.push(FieldError::invalid(path.index(i), version, "duplicate version"));
            continue;
        }
        seen.push(version);
        for problem in is_dns1035_label(version) {
            errs.push(FieldError::invalid(path.index(i), version, problem));
        }
        accepted |= version == "v1" || version == "v1beta1";
    }
    if !accepted {
        errs.push(FieldError::invalid(
            path,
            FieldValue::json(versions),
            "must include at least one of v1, v1beta1",
        ));
    }
    errs
}

/// `status.acceptedNames` and `status.storedVersions`: the storage version must be
/// stored, and stored versions must still be listed.
fn status_errors(status: Option<&Value>, spec: &Map<String, Value>, reader: &mut Reader) -> Vec<FieldError> {
    let empty = Map::new();
    let status = status.and_then(Value::as_object).unwrap_or(&empty);
    let path = FieldPath::new("status");
    let accepted = reader.object(status, "acceptedNames", &path);
    let mut errs = validate_names(accepted, &path.child("acceptedNames"), reader);
    let stored_path = path.child("storedVersions");
    let stored = reader.strings(status, "storedVersions", &path);
    let shown = || match status.get("storedVersions") {
        Some(v @ Value::Array(_)) => FieldValue::json(v),
        _ => FieldValue::Json("null".to_string()),
    };
    if stored.is_empty() {
        errs.push(FieldError::invalid(
            &stored_path,
            shown(),
            "must have at least one stored version",
        ));
        return errs;
    }
    let versions = spec
        .get("versions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut listed = vec![false; stored.len()];
    for version in versions {
        let name = version.get("name").and_then(Value::as_str).unwrap_or_default();
        let position = stored.iter().rposition(|s| s == name);
        if version.get("storage") == Some(&Value::Bool(true)) && position.is_none() {
            errs.push(FieldError::invalid(
                &stored_path,
                shown(),
                format!("must have the storage version {name}"),
            ));
        }
        for (i, s) in stored.iter().enumerate() {
            if s == name {
                listed[i] = true;
            }
        }
    }
    for (i, name) in stored.iter().enumerate() {
        if listed[i] || stored[i + 1..].contains(name) {
            continue;
        }
        errs.push(FieldError::invalid(
            stored_path.index(i),
            name,
            format!(
                "missing from spec.versions; {name} was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in {name} and removes {name} from status.storedVersions"
            ),
        ));
    }
    errs
}

/// Groups under `k8s.io` and `kubernetes.io` need the API approval annotation.
fn api_approval(crd: &Value, group: &str) -> Vec<FieldError> {
    let protected = ["k8s.io", "kubernetes.io"]
        .iter()
        .any(|domain| group == *domain || group.ends_with(&format!(".{domain}")));
    if !protected {
        return Vec::new();
    }
    let annotation = crd
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(API_APPROVED_ANNOTATION))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let path = FieldPath::new("metadata")
        .child("annotations")
        .key(API_APPROVED_ANNOTATION);
    let see = "see https://github.com/kubernetes/enhancements/pull/1111";
    if annotation.is_empty() {
        return vec![FieldError::required(
            path,
            format!("protected groups must have approval annotation {API_APPROVED_ANNOTATION:?}, {see}"),
        )];
    }
    if annotation.starts_with("unapproved") || is_absolute_url(annotation) {
        return Vec::new();
    }
    vec![FieldError::invalid(
        path,
        annotation,
        format!(
            "protected groups must have approval annotation {API_APPROVED_ANNOTATION:?} with either a URL or a reason starting with \"unapproved\", {see}"
        ),
    )]
}

/// A URL with a scheme and a host, as `url.ParseRequestURI` plus upstream's checks
/// accept for the approval annotation.
fn is_absolute_url(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once("://") else {
        return false;
    };
    let scheme_ok = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    scheme_ok && !host.is_empty() && !text.contains(' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crd() -> Value {
        json!({
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {
                "group": "example.com",
                "scope": "Namespaced",
                "names": {"plural": "widgets", "kind": "Widget"},
                "versions": [{
                    "name": "v1", "served": true, "storage": true,
                    "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                        "spec": {"type": "object", "properties": {"replicas": {"type": "integer"}}},
                        "status": {"type": "object", "properties": {"replicas": {"type": "integer"}}}}}},
                    "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas",
                                                              "statusReplicasPath": ".status.replicas"}},
                    "additionalPrinterColumns": [{"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"}],
                }],
            },
        })
    }

    fn errors(crd: &Value) -> Vec<String> {
        let mut crd = crd.clone();
        default_definition(&mut crd);
        validate_definition(&crd).iter().map(ToString::to_string).collect()
    }

    /// `crd` with the field at `pointer` set (its parent must exist).
    fn with(mut crd: Value, pointer: &str, value: Value) -> Value {
        let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", pointer));
        match crd.pointer_mut(parent) {
            Some(Value::Object(map)) => {
                map.insert(key.to_string(), value);
            }
            Some(Value::Array(items)) => {
                if let Some(slot) = key.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                    *slot = value;
                }
            }
            _ => panic!("no parent for {pointer}"),
        }
        crd
    }

    #[test]
    fn a_valid_crd_passes_and_is_defaulted() {
        let mut c = crd();
        default_definition(&mut c);
        assert_eq!(c.pointer("/spec/names/singular"), Some(&json!("widget")));
        assert_eq!(c.pointer("/spec/names/listKind"), Some(&json!("WidgetList")));
        assert_eq!(c.pointer("/spec/conversion"), Some(&json!({"strategy": "None"})));
        assert_eq!(c.pointer("/status/storedVersions"), Some(&json!(["v1"])));
        assert!(validate_definition(&c).is_empty(), "{:?}", validate_definition(&c));
    }

    #[test]
    fn name_must_be_plural_dot_group() {
        assert_eq!(
            errors(&with(crd(), "/metadata/name", json!("foo"))),
            [r#"metadata.name: Invalid value: "foo": must be spec.names.plural+"."+spec.group"#]
        );
        assert_eq!(
            errors(&with(crd(), "/metadata/name", json!("Foo"))),
            [
                r#"metadata.name: Invalid value: "Foo": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"#,
                r#"metadata.name: Invalid value: "Foo": must be spec.names.plural+"."+spec.group"#,
            ]
        );
    }

    #[test]
    fn group_scope_and_names() {
        let c = with(crd(), "/spec/group", json!("example"));
        let c = with(c, "/metadata/name", json!("widgets.example"));
        let c = with(c, "/spec/scope", json!("Galaxy"));
        let c = with(
            c,
            "/spec/names",
            json!({"plural": "Widgets", "kind": "widget_x", "listKind": "widget_x",
                                              "shortNames": ["w1", "W"], "categories": ["all"]}),
        );
        assert_eq!(
            errors(&c),
            [
                r#"metadata.name: Invalid value: "widgets.example": must be spec.names.plural+"."+spec.group"#,
                r#"spec.group: Invalid value: "example": should be a domain with at least one dot"#,
                r#"spec.scope: Unsupported value: "Galaxy": supported values: "Cluster", "Namespaced""#,
                r#"spec.names.plural: Invalid value: "Widgets": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"#,
                r#"spec.names.singular: Invalid value: "widget_x": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"#,
                r#"spec.names.kind: Invalid value: "widget_x": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"#,
                r#"spec.names.listKind: Invalid value: "widget_x": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"#,
                r#"spec.names.shortNames[1]: Invalid value: "W": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"#,
                r#"spec.names.listKind: Invalid value: "widget_x": kind and listKind may not be the same"#,
            ]
        );
        let c = with(crd(), "/spec/names", json!({}));
        let c = with(c, "/spec/group", json!(""));
        let c = with(c, "/spec/scope", json!(""));
        assert_eq!(
            errors(&c),
            [
                r#"metadata.name: Invalid value: "widgets.example.com": must be spec.names.plural+"."+spec.group"#,
                "spec.group: Required value",
                "spec.scope: Required value",
                "spec.names.plural: Required value",
                "spec.names.singular: Required value",
                "spec.names.kind: Required value",
                "spec.names.listKind: Required value",
            ]
        );
    }

    #[test]
    fn versions_storage_and_names() {
        let two = |a: Value, b: Value| with(crd(), "/spec/versions", json!([a, b]));
        let v = |name: &str, storage: bool| {
            json!({"name": name, "served": true, "storage": storage,
            "schema": {"openAPIV3Schema": {"type": "object"}}})
        };
        let errs = errors(&two(v("v1", true), v("v1", true)));
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(
            errs[0].starts_with("spec.versions: Invalid value: [{")
                && errs[0].ends_with(": must contain unique version names")
        );
        assert!(errs[1].ends_with(": must have exactly one version marked as storage version"));
        let errs = errors(&two(v("V1", false), v("v2", false)));
        assert_eq!(
            errs[0],
            r#"spec.versions[0].name: Invalid value: "V1": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"#
        );
        assert!(errs[1].ends_with(": must have exactly one version marked as storage version"));
        assert!(errs[2].starts_with(r#"spec.version: Invalid value: "V1": a DNS-1035 label"#));
        assert_eq!(
            errs[3],
            "status.storedVersions: Invalid value: null: must have at least one stored version"
        );
    }

    #[test]
    fn schema_errors_sit_at_spec_validation_when_versions_share_the_schema() {
        let c = with(
            crd(),
            "/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/replicas",
            json!({}),
        );
        assert_eq!(
            errors(&c),
            [
                "spec.validation.openAPIV3Schema.properties[spec].properties[replicas].type: Required value: must not be empty for specified object fields"
            ]
        );
        let mut c = crd();
        let mut second = c.pointer("/spec/versions/0").cloned().unwrap_or_default();
        second["name"] = json!("v2");
        second["storage"] = json!(false);
        second["schema"] = json!({"openAPIV3Schema": {"type": "string"}});
        if let Some(versions) = c.pointer_mut("/spec/versions").and_then(Value::as_array_mut) {
            versions.push(second);
        }
        assert_eq!(
            errors(&c),
            [
                r#"spec.versions[1].schema.openAPIV3Schema.type: Invalid value: "string": only "object" is allowed as the type at the root of the schema if the status subresource is enabled"#,
                r#"spec.versions[1].schema.openAPIV3Schema.type: Invalid value: "string": must be object at the root"#,
            ]
        );
    }

    #[test]
    fn every_version_needs_a_schema() {
        let c = with(crd(), "/spec/versions/0/schema", Value::Null);
        assert_eq!(errors(&c), ["spec.versions[0].schema.openAPIV3Schema: Required value"]);
    }

    #[test]
    fn subresources_and_columns() {
        let c = with(
            crd(),
            "/spec/versions/0/subresources/scale",
            json!({"specReplicasPath": "spec.replicas",
            "statusReplicasPath": ".spec.replicas", "labelSelectorPath": ".metadata.labels"}),
        );
        let c = with(
            c,
            "/spec/versions/0/additionalPrinterColumns",
            json!([{"type": "float", "format": "weird"}, {"name": "x", "type": "string", "jsonPath": "spec"}]),
        );
        assert_eq!(
            errors(&c),
            [
                r#"spec.subresources.scale.specReplicasPath: Invalid value: "spec.replicas": must be a simple json path starting with ."#,
                r#"spec.subresources.scale.statusReplicasPath: Invalid value: ".spec.replicas": should be a json path under .status"#,
                r#"spec.subresources.scale.labelSelectorPath: Invalid value: ".metadata.labels": should be a json path under either .spec or .status"#,
                "spec.additionalPrinterColumns[0].name: Required value",
                r#"spec.additionalPrinterColumns[0].type: Invalid value: "float": must be one of boolean,date,integer,number,string"#,
                r#"spec.additionalPrinterColumns[0].format: Invalid value: "weird": must be one of byte,date,date-time,double,float,int32,int64,password"#,
                "spec.additionalPrinterColumns[0].JSONPath: Required value",
                r#"spec.additionalPrinterColumns[1].JSONPath: Invalid value: "spec": must be a simple json path starting with ."#,
            ]
        );
    }

    #[test]
    fn conversion_webhooks() {
        let c = with(crd(), "/spec/conversion", json!({"strategy": "Webhook"}));
        assert_eq!(
            errors(&c),
            [
                "spec.conversion.webhookClientConfig: Required value: required when strategy is set to Webhook",
                "spec.conversion.conversionReviewVersions: Required value",
            ]
        );
        let c = with(
            crd(),
            "/spec/conversion",
            json!({"strategy": "Webhook", "webhook": {
            "clientConfig": {"url": "http://user@host/convert?x=1"}, "conversionReviewVersions": ["v2", "v2"]}}),
        );
        assert_eq!(
            errors(&c),
            [
                r#"spec.conversion.webhookClientConfig.url: Invalid value: "http": 'https' is the only allowed URL scheme; desired format: https://host[/path]"#,
                r#"spec.conversion.webhookClientConfig.url: Invalid value: "user": user information is not permitted in the URL"#,
                r#"spec.conversion.webhookClientConfig.url: Invalid value: "x=1": query parameters are not permitted in the URL"#,
                r#"spec.conversion.conversionReviewVersions[1]: Invalid value: "v2": duplicate version"#,
                r#"spec.conversion.conversionReviewVersions: Invalid value: ["v2","v2"]: must include at least one of v1, v1beta1"#,
            ]
        );
        let c = with(
            crd(),
            "/spec/conversion",
            json!({"strategy": "Webhook", "webhook": {
            "clientConfig": {"service": {"name": "svc", "namespace": "ns", "path": "/Convert//x"}},
            "conversionReviewVersions": ["v1"]}}),
        );
        assert_eq!(
            errors(&c),
            [
                r#"spec.conversion.webhookClientConfig.service.path: Invalid value: "/Convert//x": segment[0]: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"#,
                r#"spec.conversion.webhookClientConfig.service.path: Invalid value: "/Convert//x": segment[1] may not be empty"#,
            ]
        );
        let c = with(
            crd(),
            "/spec/conversion",
            json!({"strategy": "None", "webhook": {"clientConfig": {"url": "https://x"}}}),
        );
        assert_eq!(
            errors(&c),
            ["spec.conversion.webhookClientConfig: Forbidden: should not be set when strategy is not set to Webhook"]
        );
    }

    #[test]
    fn protected_groups_need_approval() {
        let c = with(crd(), "/spec/group", json!("widgets.k8s.io"));
        let c = with(c, "/metadata/name", json!("widgets.widgets.k8s.io"));
        assert_eq!(
            errors(&c),
            [
                r#"metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111"#
            ]
        );
        let approved = with(
            c.clone(),
            "/metadata",
            json!({"name": "widgets.widgets.k8s.io",
            "annotations": {"api-approved.kubernetes.io": "https://github.com/kubernetes/kubernetes/pull/1"}}),
        );
        assert!(errors(&approved).is_empty());
        let bypassed = with(
            c.clone(),
            "/metadata",
            json!({"name": "widgets.widgets.k8s.io",
            "annotations": {"api-approved.kubernetes.io": "unapproved, testing"}}),
        );
        assert!(errors(&bypassed).is_empty());
        let invalid = with(
            c,
            "/metadata",
            json!({"name": "widgets.widgets.k8s.io",
            "annotations": {"api-approved.kubernetes.io": "yes"}}),
        );
        assert_eq!(
            errors(&invalid),
            [
                r#"metadata.annotations[api-approved.kubernetes.io]: Invalid value: "yes": protected groups must have approval annotation "api-approved.kubernetes.io" with either a URL or a reason starting with "unapproved", see https://github.com/kubernetes/enhancements/pull/1111"#
            ]
        );
    }

    #[test]
    fn preserve_unknown_fields_and_deprecation() {
        let c = with(
            crd(),
            "/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/replicas",
            json!({"type": "integer", "default": 1}),
        );
        let mut c = c;
        c["spec"]["preserveUnknownFields"] = json!(true);
        c["spec"]["versions"][0]["deprecationWarning"] = json!("old");
        assert_eq!(
            errors(&c),
            [
                "spec.preserveUnknownFields: Invalid value: true: must be false in order to use defaults in the schema",
                r#"spec.versions[0].deprecationWarning: Invalid value: "old": can only be set for deprecated versions"#,
                "spec.preserveUnknownFields: Invalid value: true: cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead",
            ]
        );
    }

    #[test]
    fn stored_versions() {
        let mut c = crd();
        default_definition(&mut c);
        c["status"]["storedVersions"] = json!(["v0", "v1"]);
        assert_eq!(
            validate_definition(&c)
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            [
                "status.storedVersions[0]: Invalid value: \"v0\": missing from spec.versions; v0 was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in v0 and removes v0 from status.storedVersions"
            ]
        );
    }

    #[test]
    fn wrongly_typed_fields_are_reported() {
        let c = with(crd(), "/spec/scope", json!(5));
        assert_eq!(
            errors(&c),
            [
                "spec.scope: Required value",
                "spec.scope: Invalid value: 5: must be a string"
            ]
        );
    }

    /// A CRD as kubebuilder generates them, end to end: accepted, then an object pruned,
    /// defaulted and validated against it.
    #[test]
    fn kubebuilder_style_crd_round_trip() {
        let schema = json!({
            "description": "Widget is the Schema for the widgets API",
            "type": "object",
            "properties": {
                "apiVersion": {"type": "string"},
                "kind": {"type": "string"},
                "metadata": {"type": "object"},
                "spec": {"type": "object", "required": ["image"], "properties": {
                    "image": {"type": "string", "minLength": 1},
                    "replicas": {"type": "integer", "format": "int32", "default": 1, "minimum": 0},
                    "memory": {"anyOf": [{"type": "integer"}, {"type": "string"}],
                               "pattern": "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$",
                               "x-kubernetes-int-or-string": true},
                    "ports": {"type": "array", "x-kubernetes-list-type": "map",
                              "x-kubernetes-list-map-keys": ["containerPort", "protocol"],
                              "items": {"type": "object", "required": ["containerPort"], "properties": {
                                  "containerPort": {"type": "integer", "format": "int32"},
                                  "protocol": {"type": "string", "default": "TCP", "enum": ["TCP", "UDP"]}}}},
                    "template": {"type": "object", "x-kubernetes-embedded-resource": true,
                                 "x-kubernetes-preserve-unknown-fields": true}}},
                "status": {"type": "object", "properties": {
                    "conditions": {"type": "array", "items": {"type": "object",
                        "required": ["type", "status", "lastTransitionTime"],
                        "properties": {"type": {"type": "string", "maxLength": 316},
                                       "status": {"type": "string", "enum": ["True", "False", "Unknown"]},
                                       "lastTransitionTime": {"type": "string", "format": "date-time"}}}}}}}});
        let c = with(crd(), "/spec/versions/0/schema/openAPIV3Schema", schema.clone());
        assert_eq!(errors(&c), Vec::<String>::new());

        let structural = crate::crd::StructuralSchema::from_json(&schema).expect("decodes");
        let mut object = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
            "spec": {"image": "nginx", "memory": "128Mi", "ports": [{"containerPort": 80}, {"containerPort": 80, "protocol": "UDP"}],
                     "template": {"apiVersion": "v1", "kind": "Pod", "spec": {}}, "typo": 1},
            "status": {"conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2024-01-02T03:04:05Z"}]}});
        assert_eq!(crate::crd::prune(&mut object, &structural), ["spec.typo"]);
        crate::crd::prune_non_nullable_nulls(&mut object, &structural);
        crate::crd::apply_defaults(&mut object, &structural);
        assert_eq!(object["spec"]["replicas"], json!(1));
        assert_eq!(object["spec"]["ports"][0]["protocol"], json!("TCP"));
        assert!(crate::crd::validate(&object, &structural).is_empty());

        object["spec"]["memory"] = json!("lots");
        object["spec"]["ports"][1]["protocol"] = json!("TCP");
        let errs: Vec<String> = crate::crd::validate(&object, &structural)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            errs,
            [
                r#"spec.memory: Invalid value: "lots": spec.memory in body should match '^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$'"#,
                r#"spec.ports[1]: Duplicate value: {"containerPort":80,"protocol":"TCP"}"#,
            ]
        );
    }
}
