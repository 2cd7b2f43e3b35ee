//! JSON pointers (`/metadata/labels`) read without allocating.
//!
//! `serde_json::Value::pointer` unescapes every token into a fresh `String`; on the
//! write and watch paths, where the same few pointers are read for every object, that
//! was a measurable share of the CPU. These walk the tokens in place and only unescape
//! (`~1` → `/`, `~0` → `~`) when a token holds a `~`.

use serde_json::Value;

/// The value at `pointer` (RFC 6901; `""` is the whole value), as
/// `serde_json::Value::pointer` finds it.
pub fn get<'a>(value: &'a Value, pointer: &str) -> Option<&'a Value> {
    if pointer.is_empty() {
        return Some(value);
    }
    let rest = pointer.strip_prefix('/')?;
    if rest.contains('~') {
        return value.pointer(pointer);
    }
    rest.split('/').try_fold(value, |at, token| match at {
        Value::Object(map) => map.get(token),
        Value::Array(items) => items.get(index(token)?),
        _ => None,
    })
}

/// [`get`] for changing the value in place.
pub fn get_mut<'a>(value: &'a mut Value, pointer: &str) -> Option<&'a mut Value> {
    if pointer.is_empty() {
        return Some(value);
    }
    let rest = pointer.strip_prefix('/')?;
    if rest.contains('~') {
        return value.pointer_mut(pointer);
    }
    rest.split('/').try_fold(value, |at, token| match at {
        Value::Object(map) => map.get_mut(token),
        Value::Array(items) => items.get_mut(index(token)?),
        _ => None,
    })
}

/// An array index as RFC 6901 writes it: digits, no leading zero.
fn index(token: &str) -> Option<usize> {
    if token.is_empty() || (token.len() > 1 && token.starts_with('0')) || !token.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    token.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_what_serde_json_finds() {
        let mut doc = json!({"a": {"b/c": 1, "d~e": 2, "f": [10, 20]}, "": 3, "g": {"": 4}});
        for pointer in [
            "", "/a", "/a/b~1c", "/a/d~0e", "/a/f/1", "/a/f/01", "/a/f/-", "/a/f/2", "/", "/g/", "/x", "a", "/a/f/x",
        ] {
            assert_eq!(get(&doc, pointer), doc.pointer(pointer), "{pointer}");
        }
        if let Some(v) = get_mut(&mut doc, "/a/f/0") {
            *v = json!(11);
        }
        assert_eq!(doc["a"]["f"][0], 11);
        assert!(get_mut(&mut doc, "/a/zz").is_none());
    }
}
