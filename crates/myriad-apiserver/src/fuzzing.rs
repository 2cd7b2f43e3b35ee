//! Entry points for fuzzing what a client controls byte for byte: request bodies (JSON,
//! YAML, Kubernetes protobuf) decoded and validated as an object, PATCH bodies of every
//! type applied to an object, and selectors. Each takes arbitrary bytes and must
//! return, never panic, within bounded memory. `fuzz/` drives them with libFuzzer
//! (`cargo +nightly fuzz run …`, see docs/security.md); the unit tests below run them
//! over a corpus of hostile inputs on every build.

use axum::http::{HeaderMap, HeaderValue, header};
use bytes::Bytes;
use myriad_api::registry;

use crate::registry::admission::validate_metadata;
use crate::registry::field_validation::{self, Mode};
use crate::registry::patch::{self, PatchType};
use crate::request::body::{decode_object, json_body};
use crate::request::protobuf;
use crate::request::selector::Selector;

const MEDIA_TYPES: [&str; 3] = ["application/json", "application/yaml", protobuf::MEDIA_TYPE];
const RESOURCES: [(&str, &str); 3] = [("", "pods"), ("apps", "deployments"), ("", "configmaps")];

/// A request body: the first byte picks the media type and the resource, the rest is
/// the body; it is decoded, then validated as a create would.
pub fn request_body(data: &[u8]) {
    let Some((&choice, body)) = data.split_first() else {
        return;
    };
    let mut headers = HeaderMap::new();
    let media = MEDIA_TYPES[usize::from(choice) % MEDIA_TYPES.len()];
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    let (group, resource) = RESOURCES[usize::from(choice / 3) % RESOURCES.len()];
    let Some(info) = registry::lookup(group, "v1", resource) else {
        return;
    };
    let body = Bytes::copy_from_slice(body);
    let Ok(json) = json_body(&headers, &body) else {
        return;
    };
    let Ok(mut object) = decode_object(&json, info.kind, &[&info.api_version()]) else {
        return;
    };
    let _ = validate_metadata(info, &object);
    let _ = field_validation::check(info, &mut object, Mode::Strict);
}

/// A PATCH: the first byte picks the patch type and resource; the rest is the current
/// object and the patch, separated by the first `\n`.
pub fn patch(data: &[u8]) {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let kind = [PatchType::Json, PatchType::Merge, PatchType::Strategic][usize::from(choice) % 3];
    let (_, resource) = RESOURCES[usize::from(choice / 3) % RESOURCES.len()];
    let split = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
    let (object, body) = rest.split_at(split);
    let Ok(object) = serde_json::from_slice(object) else {
        return;
    };
    let body = body.get(1..).unwrap_or_default();
    let _ = patch::apply(resource, &object, body, kind);
}

/// Label and field selectors: the input split at the first `\n`.
pub fn selectors(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (labels, fields) = text.split_once('\n').unwrap_or((text, ""));
    let Some(info) = registry::lookup("", "v1", "pods") else {
        return;
    };
    let _ = Selector::parse(info, Some(labels), Some(fields));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inputs a fuzzer finds early, and ones it takes long to find.
    fn hostile_bodies() -> Vec<Vec<u8>> {
        let deep_json = format!(
            "{{\"metadata\":{{\"name\":\"x\"}},\"data\":{}{}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let deep_yaml = format!(
            "metadata: {{name: x}}\ndata: {}{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let mut bomb = String::from("a: &a [1,1,1,1,1,1,1,1,1]\n");
        for (name, prev) in ["b", "c", "d", "e", "f", "g", "h", "i"]
            .iter()
            .zip(["a", "b", "c", "d", "e", "f", "g", "h"])
        {
            bomb.push_str(&format!(
                "{name}: &{name} [{}]\n",
                vec![format!("*{prev}"); 9].join(",")
            ));
        }
        vec![
            Vec::new(),
            b"{".to_vec(),
            b"\xff\xfe\x00".to_vec(),
            b"k8s\x00\x0a\xff\xff\xff\xff\x0f".to_vec(),
            b"k8s\x00".to_vec(),
            b"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\",\"labels\":{\"a\":1e400}}}".to_vec(),
            b"{\"metadata\":{\"name\":\"x\"},\"spec\":{\"containers\":[{\"name\":null,\"ports\":[{\"containerPort\":-99999999999999999999}]}]}}".to_vec(),
            deep_json.into_bytes(),
            deep_yaml.into_bytes(),
            bomb.into_bytes(),
        ]
    }

    #[test]
    fn request_bodies_never_panic() {
        for body in hostile_bodies() {
            for choice in 0..9u8 {
                let mut input = vec![choice];
                input.extend_from_slice(&body);
                request_body(&input);
            }
        }
    }

    #[test]
    fn patches_never_panic_or_explode() {
        let object =
            br#"{"metadata":{"name":"x","labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}"#;
        // Each copy doubles the object: without a bound, 60 of them would need 2^60 copies.
        let doubling: Vec<String> = (0..60)
            .map(|i| format!(r#"{{"op":"copy","from":"","path":"/s{i}"}}"#))
            .collect();
        let mut copies = String::from(r#"[{"op":"add","path":"/spec/big","value":"#);
        copies.push_str(&format!("\"{}\"}}", "x".repeat(1000)));
        for i in 0..60 {
            copies.push_str(&format!(r#",{{"op":"copy","from":"/spec","path":"/spec/c{i}"}}"#));
        }
        copies.push(']');
        let patches = [
            format!("[{}]", doubling.join(",")),
            copies,
            r#"[{"op":"remove","path":"/metadata"},{"op":"move","from":"/spec","path":"/spec/x"}]"#.into(),
            r#"{"spec":{"containers":[{"$patch":"delete"}],"$setElementOrder/containers":[{"name":null}]}}"#.into(),
            r#"{"$patch":"replace","$retainKeys":[1,2]}"#.into(),
            format!("{}{}", "[".repeat(50_000), "]".repeat(50_000)),
            "null".into(),
        ];
        for body in &patches {
            for choice in 0..9u8 {
                let mut input = vec![choice];
                input.extend_from_slice(object);
                input.push(b'\n');
                input.extend_from_slice(body.as_bytes());
                patch(&input);
            }
        }
        let copy = serde_json::from_slice(object).unwrap();
        let result = patch::apply(
            "pods",
            &copy,
            format!("[{}]", doubling.join(",")).as_bytes(),
            PatchType::Json,
        );
        assert!(result.is_err(), "a doubling patch must be refused");
    }

    #[test]
    fn selectors_never_panic() {
        for text in [
            "",
            "a in (",
            "!!!",
            "a=b,c notin (d",
            "x\nmetadata.name=",
            "\nspec.nodeName!=a,,",
            "(((",
            "a>1,b<",
        ] {
            selectors(text.as_bytes());
        }
        selectors(&"a=b,".repeat(10_000).into_bytes());
    }
}
