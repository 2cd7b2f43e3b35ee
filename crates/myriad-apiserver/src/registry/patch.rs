//! PATCH bodies: JSON patch (RFC 6902), JSON merge patch (RFC 7386), and strategic
//! merge patch for the built-in kinds (`myriad_api::strategic_merge`).

use serde_json::Value;

use crate::error::ApiError;

/// The patch types of `Content-Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PatchType {
    Json,
    Merge,
    Strategic,
}

impl PatchType {
    pub(crate) fn from_content_type(content_type: &str) -> Result<PatchType, ApiError> {
        match content_type.split(';').next().unwrap_or("").trim() {
            "application/json-patch+json" => Ok(PatchType::Json),
            "application/merge-patch+json" => Ok(PatchType::Merge),
            "application/strategic-merge-patch+json" => Ok(PatchType::Strategic),
            other => Err(ApiError::UnsupportedMediaType(format!(
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got {other})"
            ))),
        }
    }
}

/// Applies `body` of `kind` to `object`, an object of `resource`.
pub(crate) fn apply(resource: &str, object: &Value, body: &[u8], kind: PatchType) -> Result<Value, ApiError> {
    let patch: Value =
        serde_json::from_slice(body).map_err(|e| ApiError::BadRequest(format!("error decoding patch: {e}")))?;
    let mut patched = object.clone();
    match kind {
        PatchType::Json => {
            let operations: json_patch::Patch = serde_json::from_value(patch)
                .map_err(|e| ApiError::BadRequest(format!("error decoding patch: {e}")))?;
            apply_json_patch(&mut patched, &operations)?;
        }
        PatchType::Merge => {
            require_object(&patch)?;
            json_patch::merge(&mut patched, &patch);
        }
        PatchType::Strategic => {
            patched = myriad_api::strategic_merge::apply(resource, object, &patch).map_err(|e| {
                ApiError::UnprocessableEntity(format!("the strategic merge patch could not be applied: {e}"))
            })?;
        }
    }
    if !patched.is_object() {
        return Err(ApiError::BadRequest("the patch did not produce an object".into()));
    }
    Ok(patched)
}

/// Most operations in one JSON patch (upstream's `maxJSONPatchOperations`).
pub(crate) const MAX_JSON_PATCH_OPERATIONS: usize = 10_000;
/// Most bytes a JSON patch's `copy` operations may copy in all: each copy can double
/// the object, so a small patch could otherwise build gigabytes (upstream bounds this
/// the same way, by the request size limit).
pub(crate) const MAX_COPIED_BYTES: usize = crate::request::body::MAX_BODY_BYTES;

/// Applies JSON patch operations one at a time (to a copy: any failure leaves the
/// caller's object as it was), counting what `copy` operations duplicate.
fn apply_json_patch(object: &mut Value, operations: &json_patch::Patch) -> Result<(), ApiError> {
    if operations.0.len() > MAX_JSON_PATCH_OPERATIONS {
        return Err(ApiError::TooLarge(format!(
            "The allowed maximum operations in a JSON patch is {MAX_JSON_PATCH_OPERATIONS}, got {}",
            operations.0.len()
        )));
    }
    let mut copied = 0usize;
    for operation in &operations.0 {
        if let json_patch::PatchOperation::Copy(copy) = operation {
            let size = object
                .pointer(copy.from.as_str())
                .map_or(0, |v| serde_json::to_vec(v).map_or(0, |b| b.len()));
            copied = copied.saturating_add(size);
            if copied > MAX_COPIED_BYTES {
                return Err(ApiError::UnprocessableEntity(format!(
                    "the server rejected our request due to an error in our request: the patch copies more than {MAX_COPIED_BYTES} bytes"
                )));
            }
        }
        json_patch::patch(object, std::slice::from_ref(operation)).map_err(|e| {
            ApiError::UnprocessableEntity(format!(
                "the server rejected our request due to an error in our request: {e}"
            ))
        })?;
    }
    Ok(())
}

fn require_object(patch: &Value) -> Result<(), ApiError> {
    if patch.is_object() {
        Ok(())
    } else {
        Err(ApiError::BadRequest("a merge patch must be a JSON object".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_and_json_patches() {
        let object = json!({"metadata": {"name": "a", "labels": {"x": "1", "y": "2"}}, "data": {"k": "v"}});
        let merged = apply(
            "configmaps",
            &object,
            br#"{"metadata":{"labels":{"x":null,"z":"3"}}}"#,
            PatchType::Merge,
        )
        .unwrap();
        assert_eq!(merged["metadata"]["labels"], json!({"y": "2", "z": "3"}));
        let patched = apply(
            "configmaps",
            &object,
            br#"[{"op":"replace","path":"/data/k","value":"w"}]"#,
            PatchType::Json,
        )
        .unwrap();
        assert_eq!(patched["data"]["k"], "w");
        let failed = apply(
            "configmaps",
            &object,
            br#"[{"op":"test","path":"/data/k","value":"nope"}]"#,
            PatchType::Json,
        );
        assert!(matches!(failed, Err(ApiError::UnprocessableEntity(_))));
        assert!(matches!(
            apply("configmaps", &object, b"{not json", PatchType::Merge),
            Err(ApiError::BadRequest(_))
        ));
    }

    #[test]
    fn strategic_patches_merge_lists_by_key() {
        let pod = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}});
        let body = br#"{"spec":{"containers":[{"name":"b","image":"z"}]}}"#;
        let patched = apply("pods", &pod, body, PatchType::Strategic).unwrap();
        assert_eq!(patched["spec"]["containers"][0]["image"], "x");
        assert_eq!(patched["spec"]["containers"][1]["image"], "z");
        let bad = apply("pods", &pod, br#"{"spec":{"$patch":"nope"}}"#, PatchType::Strategic);
        assert!(matches!(bad, Err(ApiError::UnprocessableEntity(_))));
    }
}
