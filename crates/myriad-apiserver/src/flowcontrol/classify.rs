//! Which FlowSchema a request belongs to, and so which priority level serves it, as
//! upstream classifies: schemas by `matchingPrecedence` then name, the first whose
//! rule matches wins (a subject, and a resource or non-resource rule); `*` is a
//! wildcard only as a list's sole element; a request without a namespace matches a
//! resource rule only with `clusterScope`.

use std::hash::{DefaultHasher, Hash, Hasher};

use serde::Deserialize;

use crate::authn::UserInfo;
use crate::authz::Attributes;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Metadata {
    name: String,
    uid: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FlowSchemaObject {
    metadata: Metadata,
    spec: FlowSchemaSpec,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct FlowSchemaSpec {
    priority_level_configuration: NameRef,
    matching_precedence: i64,
    distinguisher_method: Option<Distinguisher>,
    rules: Vec<Rule>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct NameRef {
    name: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct Distinguisher {
    r#type: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Rule {
    subjects: Vec<Subject>,
    resource_rules: Vec<ResourceRule>,
    non_resource_rules: Vec<NonResourceRule>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct Subject {
    kind: String,
    user: Option<NameRef>,
    group: Option<NameRef>,
    #[serde(rename = "serviceAccount")]
    service_account: Option<ServiceAccountRef>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct ServiceAccountRef {
    namespace: String,
    name: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ResourceRule {
    verbs: Vec<String>,
    api_groups: Vec<String>,
    resources: Vec<String>,
    cluster_scope: bool,
    namespaces: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct NonResourceRule {
    verbs: Vec<String>,
    #[serde(rename = "nonResourceURLs")]
    non_resource_urls: Vec<String>,
}

/// A FlowSchema ready to match requests.
#[derive(Clone, Debug)]
pub struct Schema {
    pub name: String,
    pub uid: String,
    pub level: String,
    precedence: i64,
    distinguisher: Option<String>,
    rules: Vec<Rule>,
}

/// The result of classification: the schema, its level and the request's flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classified<'a> {
    pub schema: &'a str,
    pub schema_uid: &'a str,
    pub level: &'a str,
    /// Requests of one flow share a queue hand; flows are queued fairly.
    pub flow: u64,
}

/// Every FlowSchema, in matching order.
#[derive(Clone, Debug, Default)]
pub struct Schemas(Vec<Schema>);

impl Schemas {
    /// Compiles stored FlowSchemas (JSON); undecodable ones are skipped.
    pub fn compile(objects: &[serde_json::Value]) -> Self {
        let mut schemas: Vec<Schema> = objects
            .iter()
            .filter_map(|o| FlowSchemaObject::deserialize(o).ok())
            .map(|o| Schema {
                name: o.metadata.name,
                uid: o.metadata.uid,
                level: o.spec.priority_level_configuration.name,
                precedence: if o.spec.matching_precedence == 0 {
                    1000
                } else {
                    o.spec.matching_precedence
                },
                distinguisher: o.spec.distinguisher_method.map(|d| d.r#type),
                rules: o.spec.rules,
            })
            .collect();
        schemas.sort_by(|a, b| (a.precedence, &a.name).cmp(&(b.precedence, &b.name)));
        Schemas(schemas)
    }

    /// The first schema that matches, skipping those whose level `known` rejects.
    pub fn classify<'a>(
        &'a self,
        user: &UserInfo,
        request: &Attributes,
        known: impl Fn(&str) -> bool,
    ) -> Option<Classified<'a>> {
        let schema = self
            .0
            .iter()
            .filter(|s| known(&s.level))
            .find(|s| s.rules.iter().any(|r| rule_matches(r, user, request)))?;
        let distinguisher = match schema.distinguisher.as_deref() {
            Some("ByUser") => user.name.as_str(),
            Some("ByNamespace") => request.namespace.as_str(),
            _ => "",
        };
        let mut hasher = DefaultHasher::new();
        (schema.name.as_str(), distinguisher).hash(&mut hasher);
        Some(Classified {
            schema: &schema.name,
            schema_uid: &schema.uid,
            level: &schema.level,
            flow: hasher.finish(),
        })
    }
}

fn rule_matches(rule: &Rule, user: &UserInfo, request: &Attributes) -> bool {
    if !rule.subjects.iter().any(|s| subject_matches(s, user)) {
        return false;
    }
    if request.resource_request {
        rule.resource_rules.iter().any(|r| resource_rule_matches(r, request))
    } else {
        rule.non_resource_rules
            .iter()
            .any(|r| has(&r.verbs, &request.verb) && r.non_resource_urls.iter().any(|u| url_matches(u, &request.path)))
    }
}

fn subject_matches(subject: &Subject, user: &UserInfo) -> bool {
    match subject.kind.as_str() {
        "User" => subject
            .user
            .as_ref()
            .is_some_and(|u| u.name == "*" || u.name == user.name),
        "Group" => subject
            .group
            .as_ref()
            .is_some_and(|g| g.name == "*" || user.in_group(&g.name)),
        "ServiceAccount" => subject.service_account.as_ref().is_some_and(|sa| {
            let prefix = format!("system:serviceaccount:{}:", sa.namespace);
            match user.name.strip_prefix(&prefix) {
                Some(name) => sa.name == "*" || sa.name == name,
                None => false,
            }
        }),
        _ => false,
    }
}

fn resource_rule_matches(rule: &ResourceRule, request: &Attributes) -> bool {
    let resource = match request.subresource.as_str() {
        "" => request.resource.clone(),
        sub => format!("{}/{sub}", request.resource),
    };
    has(&rule.verbs, &request.verb)
        && has(&rule.api_groups, &request.group)
        && has(&rule.resources, &resource)
        && if request.namespace.is_empty() {
            rule.cluster_scope
        } else {
            has(&rule.namespaces, &request.namespace)
        }
}

/// `list` is `["*"]` or holds `value`.
fn has(list: &[String], value: &str) -> bool {
    matches!(list, [only] if only == "*") || list.iter().any(|v| v == value)
}

/// `*`, the path itself, or a `prefix/*` rule; `/healthz` also covers `/healthz/etcd`.
fn url_matches(rule: &str, path: &str) -> bool {
    if rule == "*" || rule == path {
        return true;
    }
    let prefix = rule.strip_suffix('*').unwrap_or(rule);
    let prefix = if prefix.ends_with('/') {
        prefix.to_string()
    } else {
        format!("{prefix}/")
    };
    path.starts_with(&prefix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flowcontrol::defaults;

    fn user(name: &str, groups: &[&str]) -> UserInfo {
        UserInfo::named(name, groups)
    }

    fn resource(verb: &str, group: &str, resource: &str, namespace: &str) -> Attributes {
        Attributes::resource(verb, group, resource, namespace)
    }

    #[test]
    fn upstream_defaults_classify_as_upstream() {
        let (schemas, _) = defaults::objects().unwrap();
        let schemas = Schemas::compile(&schemas);
        let level = |u: &UserInfo, a: &Attributes| schemas.classify(u, a, |_| true).map(|c| c.level.to_string());
        let masters = user("admin", &["system:masters"]);
        assert_eq!(
            level(&masters, &resource("list", "", "pods", "")).as_deref(),
            Some("exempt")
        );
        let node = user("system:node:n1", &["system:nodes"]);
        let lease = resource("update", "coordination.k8s.io", "leases", "kube-node-lease");
        assert_eq!(level(&node, &lease).as_deref(), Some("node-high"));
        assert_eq!(
            level(&node, &resource("get", "", "pods", "default")).as_deref(),
            Some("system")
        );
        let alice = user("alice", &[]);
        assert_eq!(
            level(&alice, &resource("list", "", "pods", "")).as_deref(),
            Some("global-default")
        );
        let sa = user("system:serviceaccount:team:builder", &["system:serviceaccounts"]);
        assert_eq!(
            level(&sa, &resource("create", "", "pods", "team")).as_deref(),
            Some("workload-low")
        );
        let probe = Attributes {
            verb: "get".into(),
            path: "/livez".into(),
            ..Attributes::default()
        };
        assert_eq!(level(&UserInfo::anonymous(), &probe).as_deref(), Some("exempt"));

        // One user is one flow; two users are (almost surely) two.
        let flow = |u: &UserInfo| {
            schemas
                .classify(u, &resource("list", "", "pods", ""), |_| true)
                .map(|c| c.flow)
        };
        assert_eq!(flow(&alice), flow(&alice));
        assert_ne!(flow(&alice), flow(&user("bob", &[])));
    }

    #[test]
    fn wildcards_and_urls_match_as_upstream() {
        assert!(has(&["*".into()], "x"));
        assert!(!has(&["*".into(), "a".into()], "x"));
        assert!(url_matches("/healthz", "/healthz/etcd"));
        assert!(url_matches("/apis/*", "/apis/apps"));
        assert!(!url_matches("/apis/*", "/apis"));
        assert!(!url_matches("/healthz", "/healthzz"));
    }
}
