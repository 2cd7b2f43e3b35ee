//! Acting as another user (`kubectl --as alice --as-group dev`): the `Impersonate-User`,
//! `Impersonate-Uid`, `Impersonate-Group` and `Impersonate-Extra-<key>` headers, each
//! authorized as upstream does with the `impersonate` verb on `users`,
//! `serviceaccounts`, `groups`, `uids` or `userextras`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::HeaderMap;

use crate::authn::{ANONYMOUS, AUTHENTICATED, SERVICE_ACCOUNTS, UNAUTHENTICATED, UserInfo};
use crate::authz::Attributes;
use crate::error::ApiError;
use crate::state::AppState;

const USER: &str = "impersonate-user";
const UID: &str = "impersonate-uid";
const GROUP: &str = "impersonate-group";
const EXTRA: &str = "impersonate-extra-";

/// The identity the request acts as: `user` itself without impersonation headers.
pub(crate) fn apply(state: &AppState, user: Arc<UserInfo>, headers: &HeaderMap) -> Result<Arc<UserInfo>, ApiError> {
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect()
    };
    let name = values(USER).into_iter().next();
    let uid = values(UID).into_iter().next();
    let groups = values(GROUP);
    let mut extra: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (header, value) in headers {
        if let Some(key) = header.as_str().strip_prefix(EXTRA)
            && let Ok(value) = value.to_str()
        {
            let key = percent_decode(key);
            extra.entry(key).or_default().push(value.to_string());
        }
    }
    let Some(name) = name else {
        if uid.is_some() || !groups.is_empty() || !extra.is_empty() {
            return Err(ApiError::BadRequest(
                "requested impersonation of groups, uid or extra without impersonating a user".into(),
            ));
        }
        return Ok(user);
    };

    let mut checks = vec![match name
        .strip_prefix("system:serviceaccount:")
        .and_then(|r| r.split_once(':'))
    {
        Some((namespace, account)) => target("", "serviceaccounts", "", account, namespace),
        None => target("", "users", "", &name, ""),
    }];
    checks.extend(groups.iter().map(|g| target("", "groups", "", g, "")));
    if let Some(uid) = &uid {
        checks.push(target("authentication.k8s.io", "uids", "", uid, ""));
    }
    for (key, values) in &extra {
        checks.extend(
            values
                .iter()
                .map(|v| target("authentication.k8s.io", "userextras", key, v, "")),
        );
    }
    for attributes in &checks {
        let decision = state.authorizer().authorize(&user, attributes);
        if !decision.allowed {
            return Err(attributes.forbidden(&user, &decision.reason));
        }
    }

    let mut impersonated = UserInfo {
        name: name.clone(),
        uid: uid.unwrap_or_default(),
        groups,
        extra,
    };
    if let Some((namespace, _)) = name
        .strip_prefix("system:serviceaccount:")
        .and_then(|r| r.split_once(':'))
        && impersonated.groups.is_empty()
    {
        impersonated.groups = vec![SERVICE_ACCOUNTS.into(), format!("{SERVICE_ACCOUNTS}:{namespace}")];
    }
    let everyone = if name == ANONYMOUS {
        UNAUTHENTICATED
    } else {
        AUTHENTICATED
    };
    if !impersonated.in_group(everyone) {
        impersonated.groups.push(everyone.into());
    }
    Ok(Arc::new(impersonated))
}

fn target(group: &str, resource: &str, subresource: &str, name: &str, namespace: &str) -> Attributes {
    Attributes {
        verb: "impersonate".into(),
        resource_request: true,
        namespace: namespace.into(),
        group: group.into(),
        resource: resource.into(),
        subresource: subresource.into(),
        name: name.into(),
        path: String::new(),
    }
}

/// Extra keys travel percent-encoded in header names (`Impersonate-Extra-Scopes%2Fa`).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_keys_are_percent_decoded() {
        assert_eq!(percent_decode("scopes%2Fa"), "scopes/a");
        assert_eq!(percent_decode("plain"), "plain");
        assert_eq!(percent_decode("bad%zz"), "bad%zz");
    }
}
