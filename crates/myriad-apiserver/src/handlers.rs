//! Resource requests: get, list (with `limit`/`continue`), create, update, delete, for
//! every registered resource, on JSON objects stored under Kubernetes' key layout.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Json, Response};
use bytes::Bytes;
use myriad_api::GroupKind;
use myriad_api::registry::{self, ResourceInfo};
use myriad_store::{RangeOptions, Revision, Router as StoreRouter, Store};
use serde_json::{Value, json};

use crate::authn::{Authenticator, UserInfo};
use crate::authz::{self, Authorizer};
use crate::deletion::DeleteOptions;
use crate::error::ApiError;
use crate::list_options::{ListOptions, ResourceVersion, decode_continue, encode_continue};
use crate::objects::{self, decode_body, decode_stored, decode_stored_as, encode, name_of};
use crate::patch::{self, PatchType};
use crate::request_info::{self, RequestInfo, Verb};
use crate::selector::Selector;
use crate::token_request::TokenRequest;
use crate::{cache, crd, deletion, field_validation, pods, protobuf, reviews, subresource, table, watch};

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<StoreRouter>,
    /// `host:port` advertised in `/api`.
    pub server_address: Arc<str>,
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Built-in and CRD-defined resources.
    pub catalog: Arc<crate::catalog::Catalog>,
    /// The watch cache, which serves LIST and WATCH.
    pub caches: Arc<crate::cache::Caches>,
    pub authenticator: Arc<Authenticator>,
    pub authorizer: Arc<Authorizer>,
    pub flowcontrol: Arc<crate::flowcontrol::FlowControl>,
    pub user_agents: Arc<crate::user_agents::UserAgentLimits>,
    pub cells: Arc<crate::cells::Cells>,
}

/// Namespaces that exist from the start and may not be deleted, as in Kubernetes.
pub const SYSTEM_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public", "kube-node-lease"];

/// Query parameters.
pub type Params = HashMap<String, String>;

/// One resource request, as the router hands it over.
pub struct Call {
    pub method: Method,
    pub uri: Uri,
    pub params: Params,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Who is calling (authenticated, after impersonation).
    pub user: Arc<UserInfo>,
}

/// Entry point for every `/api/…` and `/apis/…` resource path.
pub async fn resource(State(state): State<AppState>, call: Call) -> Response {
    match serve(&state, &call).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn serve(state: &AppState, call: &Call) -> Result<Response, ApiError> {
    let Call {
        method,
        uri,
        params,
        headers,
        body,
        user,
    } = call;
    let watch = params.get("watch").is_some_and(|v| v == "true" || v == "1");
    let not_found = || ApiError::PathNotFound(uri.path().to_string());
    let req = request_info::parse(method, uri.path(), watch).ok_or_else(not_found)?;
    let info = state
        .catalog
        .lookup(&req.group, &req.version, &req.resource)
        .ok_or_else(not_found)?;
    if req.namespace.is_some() && !info.namespaced {
        return Err(not_found());
    }
    if !info.verbs.contains(&req.verb.as_str()) {
        return Err(ApiError::MethodNotAllowed(format!(
            "the server does not allow this method on the requested resource ({})",
            info.group_resource()
        )));
    }
    if info.verbs == ["create"] {
        if req.name.is_some() {
            return Err(not_found());
        }
        let namespace = req.namespace.as_deref();
        return reviews::answer(state, &info, namespace, user, &json_body(headers, body)?).await;
    }
    if let Some(sub) = req.subresource.as_deref() {
        // binding and eviction act on the pod, token on the ServiceAccount; status and
        // scale are parts of the object.
        let acts = matches!(sub, "binding" | "eviction" | "token");
        let served = (acts || matches!(sub, "status" | "scale")) && info.has_subresource(sub);
        if !served {
            return Err(not_found());
        }
        let allowed = if acts {
            req.verb == Verb::Create
        } else {
            matches!(req.verb, Verb::Get | Verb::Update | Verb::Patch)
        };
        if !allowed {
            return Err(ApiError::MethodNotAllowed(format!(
                "the server does not allow this method on the requested resource ({}/{sub})",
                info.group_resource()
            )));
        }
    }
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let ctx = Ctx {
        state,
        info: &info,
        req: &req,
        params,
        as_table: table::wants_table(accept),
        user,
        store: state.store.store_for(info.storage_prefix().as_bytes()).clone(),
    };
    match req.verb {
        Verb::Get => ctx.get().await,
        Verb::List => ctx.list().await,
        Verb::Create => match req.subresource.as_deref() {
            Some("binding") => ctx.bind(&json_body(headers, body)?).await,
            Some("eviction") => ctx.evict(&json_body(headers, body)?).await,
            Some("token") => ctx.token_request(&json_body(headers, body)?).await,
            _ => ctx.create(&json_body(headers, body)?).await,
        },
        Verb::Update => ctx.update(&json_body(headers, body)?).await,
        Verb::Delete => ctx.delete(&json_body(headers, body)?).await,
        Verb::Patch => {
            let content_type = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            ctx.patch(PatchType::from_content_type(content_type)?, body).await
        }
        Verb::Watch => ctx.watch().await,
        Verb::DeleteCollection => ctx.delete_collection(&json_body(headers, body)?).await,
    }
}

/// The request body as JSON: JSON is taken as it is; YAML and Kubernetes protobuf (what
/// client-go's typed clients send) are decoded into the same JSON object.
pub fn json_body<'b>(headers: &HeaderMap, body: &'b Bytes) -> Result<Cow<'b, [u8]>, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json");
    match content_type.split(';').next().unwrap_or("").trim() {
        "application/json" | "" => Ok(Cow::Borrowed(body)),
        "application/yaml" => {
            // As sigs.k8s.io/yaml (YAML 1.1) reads it: `0644` is octal, a repeated key
            // keeps its last value (as in JSON bodies). The parser's budget refuses alias
            // bombs; its message's first line says where.
            let mut options = serde_saphyr::Options::default();
            options.legacy_octal_numbers = true;
            options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::LastWins;
            let object: Value = serde_saphyr::from_slice_with_options(body, options).map_err(|e| {
                let message = e.to_string();
                let first_line = message.lines().next().unwrap_or_default().to_string();
                ApiError::BadRequest(format!("error converting YAML to JSON: {first_line}"))
            })?;
            Ok(Cow::Owned(object.to_string().into_bytes()))
        }
        protobuf::MEDIA_TYPE => {
            let object = protobuf::to_json(body)
                .map_err(|e| ApiError::BadRequest(format!("the body of the request was in an unknown format: {e}")))?;
            Ok(Cow::Owned(object.to_string().into_bytes()))
        }
        media => Err(ApiError::UnsupportedMediaType(format!(
            "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, {} (got {media})",
            protobuf::MEDIA_TYPE
        ))),
    }
}

struct Ctx<'a> {
    state: &'a AppState,
    /// Who is asking (for checks that depend on what they hold).
    user: &'a UserInfo,
    info: &'a ResourceInfo,
    req: &'a RequestInfo,
    params: &'a Params,
    as_table: bool,
    store: Arc<dyn Store>,
}

impl Ctx<'_> {
    fn name(&self) -> &str {
        self.req.name.as_deref().unwrap_or("")
    }

    fn key(&self, name: &str) -> String {
        self.info.storage_key(self.req.namespace.as_deref(), name)
    }

    fn dry_run(&self) -> bool {
        self.params.get("dryRun").is_some_and(|v| v == "All")
    }

    fn respond(&self, code: StatusCode, object: Value) -> Response {
        if self.as_table {
            let metadata =
                json!({"resourceVersion": object.pointer("/metadata/resourceVersion").cloned().unwrap_or(json!(""))});
            return (
                code,
                Json(table::table(self.info, std::slice::from_ref(&object), metadata)),
            )
                .into_response();
        }
        (code, Json(object)).into_response()
    }

    async fn current(&self, name: &str) -> Result<(Value, Revision), ApiError> {
        let got = self.store.get(self.key(name).as_bytes(), 0).await?;
        let kv = got
            .kv
            .ok_or_else(|| ApiError::not_found(&self.info.group_resource(), name))?;
        Ok((decode_stored_as(&kv, self.info)?, kv.mod_revision))
    }

    /// The object a write starts from, and whether it is the watch cache's copy. The
    /// first attempt takes the cache's, as upstream's GuaranteedUpdate does: the store
    /// write is conditional on its revision, so a stale copy costs only a retry from
    /// the store (`fresh`), and a write saves a store read. A dry run writes nothing
    /// that would catch a stale copy, so it reads the store.
    async fn current_for_write(&self, name: &str, fresh: bool) -> Result<(Value, Revision, bool), ApiError> {
        if !fresh
            && !self.dry_run()
            && let Some(json) = self.state.caches.cached(self.info, &self.key(name))
            && let Ok((object, revision)) = objects::decode_cached(&json, self.info)
        {
            return Ok((object, revision, true));
        }
        let (object, revision) = self.current(name).await?;
        Ok((object, revision, false))
    }

    fn subresource(&self) -> Option<&str> {
        self.req.subresource.as_deref()
    }

    async fn get(&self) -> Result<Response, ApiError> {
        let (object, _) = self.current(self.name()).await?;
        if self.subresource() == Some("scale") {
            return Ok((StatusCode::OK, Json(subresource::scale_of(self.info, &object))).into_response());
        }
        Ok(self.respond(StatusCode::OK, object))
    }

    /// Answers a write: the object, or its Scale for `…/scale`.
    fn written(&self, object: Value) -> Response {
        if self.subresource() == Some("scale") {
            return (StatusCode::OK, Json(subresource::scale_of(self.info, &object))).into_response();
        }
        self.respond(StatusCode::OK, object)
    }

    /// Turns the client's new version of what it addressed (object, status or Scale)
    /// into the object to store.
    fn merge_into(&self, mut new: Value, current: &Value) -> Result<Value, ApiError> {
        if self.subresource() == Some("scale") {
            let mut object = current.clone();
            subresource::apply_scale(self.info, &mut object, &new)?;
            subresource::confine(self.info, subresource::Part::Main, &mut object, current);
            return Ok(object);
        }
        let part = match self.subresource() {
            Some("status") => subresource::Part::Status,
            _ => subresource::Part::Main,
        };
        objects::carry_over(&mut new, current, self.info);
        subresource::confine(self.info, part, &mut new, current);
        Ok(new)
    }

    async fn watch(&self) -> Result<Response, ApiError> {
        let options = ListOptions::parse(self.params, true)?;
        let selector = self.selector()?;
        if let Some(cacher) = self.state.caches.get(self.info) {
            let request = cache::WatchRequest {
                info: Arc::new(self.info.clone()),
                namespace: self.req.namespace.as_deref(),
                options: &options,
                selector,
            };
            return cacher.watch(request).await;
        }
        let resource_version = match options.resource_version {
            ResourceVersion::At(rv) => Some(rv),
            ResourceVersion::Latest | ResourceVersion::Any => None,
        };
        let initial_events = options.initial_events();
        let request = watch::WatchRequest {
            info: Arc::new(self.info.clone()),
            prefix: self.info.namespace_prefix(self.req.namespace.as_deref()),
            resource_version,
            initial_events,
            send_initial_events: options.send_initial_events == Some(true),
            bookmarks: options.bookmarks,
            timeout: options.timeout,
            filter: Arc::new(move |object: &Value| selector.matches(object)),
        };
        Ok(watch::respond(self.store.clone(), request))
    }

    /// The request's `labelSelector` and `fieldSelector`.
    fn selector(&self) -> Result<Selector, ApiError> {
        let get = |name: &str| self.params.get(name).map(String::as_str);
        Selector::parse(self.info, get("labelSelector"), get("fieldSelector"))
    }

    async fn list(&self) -> Result<Response, ApiError> {
        let options = ListOptions::parse(self.params, false)?;
        let keep = self.selector()?;
        if let Some(cacher) = self.state.caches.get(self.info) {
            let request = cache::ListRequest {
                info: self.info,
                namespace: self.req.namespace.as_deref(),
                options: &options,
                selector: &keep,
                as_table: self.as_table,
            };
            if let Some(response) = cacher.list(request).await? {
                return Ok(response);
            }
        }
        self.list_from_store(&options, &keep).await
    }

    /// A LIST read from the store: for uncached resources, and for what the cache no
    /// longer holds (old revisions, expired snapshots).
    async fn list_from_store(&self, options: &ListOptions, keep: &Selector) -> Result<Response, ApiError> {
        let prefix = self.info.namespace_prefix(self.req.namespace.as_deref());
        let limit = options.limit;
        let (mut revision, mut start) = match &options.continue_token {
            Some(token) => {
                let (revision, start) = decode_continue(token)?;
                (revision, Some(start))
            }
            None => (self.read_revision(options).await?, None),
        };
        // `limit` counts returned objects, as upstream's store does: with selectors,
        // keep reading (at the first read's revision) until enough match.
        let mut items = Vec::new();
        let mut resume_after: Option<String> = None;
        loop {
            let wanted = if limit == 0 {
                0
            } else {
                (limit - items.len()).max(LIST_READ_MIN)
            };
            let range = RangeOptions {
                start: start.as_ref().map(|s| Bytes::from(format!("{prefix}{s}"))),
                limit: wanted,
                revision,
            };
            let page = self
                .store
                .range(prefix.as_bytes(), range)
                .await
                .map_err(|e| match (e, &start) {
                    (myriad_store::StoreError::Compacted { .. }, Some(start)) if options.continue_token.is_some() => {
                        ApiError::ContinueExpired {
                            token: encode_continue(-1, start),
                        }
                    }
                    (other, _) => other.into(),
                })?;
            revision = page.revision;
            let mut scanned = 0;
            for kv in &page.kvs {
                scanned += 1;
                let object = decode_stored_as(kv, self.info)?;
                if keep.matches(&object) {
                    items.push(object);
                }
                if limit > 0 && items.len() == limit {
                    break;
                }
            }
            let more = page.more || scanned < page.kvs.len();
            let last = page.kvs[..scanned].last().map(|kv| {
                let rest = &kv.key[prefix.len().min(kv.key.len())..];
                format!("{}\u{0}", String::from_utf8_lossy(rest))
            });
            if !more || last.is_none() {
                break;
            }
            if limit > 0 && items.len() == limit {
                resume_after = last;
                break;
            }
            start = last;
        }
        let mut metadata = json!({"resourceVersion": revision.to_string()});
        if let Some(after) = resume_after {
            metadata["continue"] = json!(encode_continue(revision, &after));
        }
        if self.as_table {
            return Ok(Json(table::table(self.info, &items, metadata)).into_response());
        }
        Ok(Json(json!({
            "kind": self.info.list_kind(),
            "apiVersion": self.info.api_version(),
            "metadata": metadata,
            "items": items,
        }))
        .into_response())
    }

    /// The store revision a list (without `continue`) reads at; 0 is the latest. An
    /// exact read is at N; otherwise N asks for state at least as new as N, which the
    /// latest state is once the store has reached N.
    async fn read_revision(&self, options: &ListOptions) -> Result<Revision, ApiError> {
        if let Some(exact) = options.exact_revision() {
            return Ok(exact);
        }
        let ResourceVersion::At(wanted) = options.resource_version else {
            return Ok(0);
        };
        let current = self.store.current_revision().await?;
        if wanted > current {
            return Err(ApiError::ResourceVersionTooLarge {
                requested: wanted,
                current,
                retry_after: 0,
            });
        }
        Ok(0)
    }

    async fn ensure_namespace(&self) -> Result<(), ApiError> {
        let Some(ns) = self.req.namespace.as_deref() else {
            return Ok(());
        };
        let namespaces = registry::lookup("", "v1", "namespaces")
            .ok_or_else(|| ApiError::Internal("no namespaces resource".into()))?;
        let store = self.state.store.store_for(namespaces.storage_prefix().as_bytes());
        let got = store.get(namespaces.storage_key(None, ns).as_bytes(), 0).await?;
        let Some(kv) = got.kv else {
            return Err(ApiError::not_found("namespaces", ns));
        };
        let namespace = decode_stored(&kv)?;
        if namespace.pointer("/metadata/deletionTimestamp").is_some() {
            return Err(ApiError::Forbidden {
                group: self.info.group.to_string(),
                resource: self.info.resource.to_string(),
                name: self.req.name.clone().unwrap_or_default(),
                message: format!("unable to create new content in namespace {ns} because it is being terminated"),
            });
        }
        Ok(())
    }

    async fn create(&self, body: &[u8]) -> Result<Response, ApiError> {
        let mut object = decode_body(body, self.info)?;
        if let (Some(url_ns), Some(body_ns)) = (
            self.req.namespace.as_deref(),
            object.pointer("/metadata/namespace").and_then(Value::as_str),
        ) && url_ns != body_ns
        {
            return Err(ApiError::BadRequest(
                "the namespace of the provided object does not match the namespace sent on the request".into(),
            ));
        }
        let name = match name_of(&object) {
            Some(name) if !name.is_empty() => name.to_string(),
            _ => match object.pointer("/metadata/generateName").and_then(Value::as_str) {
                Some(base) if !base.is_empty() => generate_name(base),
                _ => String::new(),
            },
        };
        objects::metadata_mut(&mut object).insert("name".into(), json!(name));
        if self.info.custom.as_ref().is_some_and(|c| c.terminating) {
            return Err(ApiError::MethodNotAllowed(
                "create not allowed while custom resource definition is terminating".into(),
            ));
        }
        self.ensure_namespace().await?;
        objects::stamp_new(&mut object, self.info, self.req.namespace.as_deref());
        if self.info.resource == "namespaces" {
            object["status"] = json!({"phase": "Active"});
        }
        let warnings = self.admit(&mut object)?;
        if self.dry_run() {
            return Ok(field_validation::with_warnings(
                self.respond(StatusCode::CREATED, object),
                &warnings,
            ));
        }
        let encoded = encode(&object, self.info)?;
        let _quota = self.reserve(&name, encoded.len()).await?;
        let created = self.store.create(self.key(&name).as_bytes(), &encoded).await?;
        let Ok(revision) = created else {
            return Err(ApiError::AlreadyExists {
                group_resource: self.info.group_resource(),
                name,
            });
        };
        objects::metadata_mut(&mut object).insert("resourceVersion".into(), json!(revision.to_string()));
        self.after_write(&object, false);
        Ok(field_validation::with_warnings(
            self.respond(StatusCode::CREATED, object),
            &warnings,
        ))
    }

    /// Defaults and validates the object about to be stored; returns `fieldValidation`
    /// warnings.
    fn admit(&self, object: &mut Value) -> Result<Vec<String>, ApiError> {
        myriad_api::defaults::apply(self.info.group, self.info.kind, object);
        if crd::is_definitions(self.info) {
            crd::admit_definition(self.info, object)?;
        }
        objects::validate_metadata(self.info, object)?;
        authz::escalation::check(&self.state.authorizer, self.user, self.info, object)?;
        let mode = field_validation::Mode::from_param(self.params.get("fieldValidation"))?;
        let warnings = field_validation::check(self.info, object, mode)?;
        if let Some(custom) = &self.info.custom {
            crd::admit_object(self.info, custom, object)?;
        }
        Ok(warnings)
    }

    /// Replaces the object. An update without a resourceVersion is tried again after
    /// every concurrent write, as upstream's GuaranteedUpdate loops (each lost race is
    /// another writer's success); one with a resourceVersion other than the stored one
    /// is a 409.
    /// An attempt from the watch cache's copy that fails in a way a stale copy could
    /// cause (a precondition, a validation) is retried from the store, whose answer is
    /// final, as upstream's GuaranteedUpdate does.
    async fn update(&self, body: &[u8]) -> Result<Response, ApiError> {
        let name = self.name().to_string();
        // Decoded before the object is read, so a bad body is a 400 even when the
        // object does not exist, as upstream.
        let mut decoded = Some(self.update_body(body)?);
        let mut fresh = false;
        loop {
            let (current, current_rev, cached) = self.current_for_write(&name, fresh).await?;
            let object = match decoded.take() {
                Some(object) => object,
                None => self.update_body(body)?,
            };
            match self.update_from(&name, object, &current, current_rev).await {
                Ok(Some(response)) => return Ok(response),
                Ok(None) => {}
                Err(error) if cached && could_be_stale(&error) => {}
                Err(error) => return Err(error),
            }
            fresh = true;
        }
    }

    fn update_body(&self, body: &[u8]) -> Result<Value, ApiError> {
        let object = if self.subresource() == Some("scale") {
            serde_json::from_slice::<Value>(body)
                .map_err(|e| ApiError::BadRequest(format!("the body of the request was in an unknown format: {e}")))?
        } else {
            decode_body(body, self.info)?
        };
        Self::check_url_name(&object, self.name())?;
        Ok(object)
    }

    /// One attempt of an update from `current`: `None` when the object changed in
    /// between and the update names no resourceVersion.
    async fn update_from(
        &self,
        name: &str,
        object: Value,
        current: &Value,
        current_rev: Revision,
    ) -> Result<Option<Response>, ApiError> {
        let expected = match object.pointer("/metadata/resourceVersion").and_then(Value::as_str) {
            Some(rv) if !rv.is_empty() => Some(
                rv.parse::<Revision>()
                    .map_err(|_| ApiError::BadRequest(format!("invalid resourceVersion {rv:?}")))?,
            ),
            _ => None,
        };
        if expected.is_some_and(|expected| expected != current_rev) {
            return Err(ApiError::modified(&self.info.group_resource(), name));
        }
        match self.commit_change(name, object, current, current_rev).await? {
            Some(response) => Ok(Some(response)),
            None if expected.is_some() => Err(ApiError::modified(&self.info.group_resource(), name)),
            None => Ok(None),
        }
    }

    /// Turns the client's change into the stored object (subresource rules, field
    /// validation) and writes it if the object is still at `current_rev`. `Ok(None)` on a
    /// concurrent change.
    async fn commit_change(
        &self,
        name: &str,
        change: Value,
        current: &Value,
        current_rev: Revision,
    ) -> Result<Option<Response>, ApiError> {
        let mut object = self.merge_into(change, current)?;
        let warnings = self.admit(&mut object)?;
        if self.dry_run() {
            objects::metadata_mut(&mut object).insert("resourceVersion".into(), json!(current_rev.to_string()));
            return Ok(Some(field_validation::with_warnings(self.written(object), &warnings)));
        }
        Ok(self
            .write(name, object, current_rev)
            .await?
            .map(|object| field_validation::with_warnings(self.written(object), &warnings)))
    }

    /// The object in a PUT or PATCH must keep the name of the URL.
    fn check_url_name(object: &Value, name: &str) -> Result<(), ApiError> {
        if name_of(object) == Some(name) {
            return Ok(());
        }
        Err(ApiError::BadRequest(format!(
            "the name of the object ({}) does not match the name on the URL ({name})",
            name_of(object).unwrap_or("")
        )))
    }

    /// Applies a patch to the current object and writes it if nothing changed in between,
    /// else applies it again to the new state, for as many concurrent writes as there
    /// are (as [`Self::update`]). A patch that names a resourceVersion
    /// other than the current one is a conflict (409). Attempts from the watch cache's
    /// copy are retried from the store as in [`Self::update`].
    async fn patch(&self, kind: PatchType, body: &[u8]) -> Result<Response, ApiError> {
        let name = self.name().to_string();
        let mut fresh = false;
        loop {
            let (current, current_rev, cached) = self.current_for_write(&name, fresh).await?;
            match self.patch_from(kind, body, &name, &current, current_rev).await {
                Ok(Some(response)) => return Ok(response),
                Ok(None) => {}
                Err(error) if cached && could_be_stale(&error) => {}
                Err(error) => return Err(error),
            }
            fresh = true;
        }
    }

    /// One attempt of a patch from `current`: `None` when the object changed in between.
    async fn patch_from(
        &self,
        kind: PatchType,
        body: &[u8],
        name: &str,
        current: &Value,
        current_rev: Revision,
    ) -> Result<Option<Response>, ApiError> {
        let object = if self.subresource() == Some("scale") {
            patch::apply("scales", &subresource::scale_of(self.info, current), body, kind)?
        } else {
            patch::apply(self.info.resource, current, body, kind)?
        };
        // The patched object keeps the current resourceVersion unless the patch set one.
        let pinned = object
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .is_some_and(|rv| rv != current_rev.to_string());
        if pinned {
            return Err(ApiError::modified(&self.info.group_resource(), name));
        }
        Self::check_url_name(&object, name)?;
        self.commit_change(name, object, current, current_rev).await
    }

    async fn delete(&self, body: &[u8]) -> Result<Response, ApiError> {
        let name = self.name().to_string();
        if self.info.resource == "namespaces" && SYSTEM_NAMESPACES.contains(&name.as_str()) {
            return Err(ApiError::Forbidden {
                group: String::new(),
                resource: "namespaces".into(),
                name,
                message: "this namespace may not be deleted".into(),
            });
        }
        let options = self.delete_options(body)?;
        for _ in 0..PATCH_ATTEMPTS {
            let (object, revision) = self.current(&name).await?;
            if let Some(response) = self.delete_one(object, revision, &options).await? {
                return Ok(self.respond(StatusCode::OK, response));
            }
        }
        Err(ApiError::modified(&self.info.group_resource(), &name))
    }

    /// Deletes (or marks for deletion) one object read at `revision`; `None` when it
    /// changed in between (the caller retries).
    async fn delete_one(
        &self,
        mut object: Value,
        revision: Revision,
        options: &DeleteOptions,
    ) -> Result<Option<Value>, ApiError> {
        options.check(&GroupKind::from(self.info).to_string(), &object)?;
        let name = name_of(&object).unwrap_or("").to_string();
        let key = self
            .info
            .storage_key(object.pointer("/metadata/namespace").and_then(Value::as_str), &name);
        match deletion::plan(self.info, &object, options.grace) {
            deletion::Plan::AlreadyDeleting => Ok(Some(object)),
            _ if self.dry_run() || options.dry_run => Ok(Some(object)),
            deletion::Plan::Remove => {
                let removed = deletion::remove(&self.store, &key, revision).await?;
                if removed {
                    self.after_write(&object, true);
                }
                Ok(removed.then_some(object))
            }
            deletion::Plan::Mark { grace_seconds } => {
                deletion::mark(self.info, &mut object, grace_seconds);
                objects::metadata_mut(&mut object).remove("resourceVersion");
                match self
                    .store
                    .update(key.as_bytes(), &encode(&object, self.info)?, revision)
                    .await?
                {
                    Ok(new_revision) => {
                        objects::metadata_mut(&mut object)
                            .insert("resourceVersion".into(), json!(new_revision.to_string()));
                        if self.info.resource == "namespaces" {
                            let (store, catalog) = (self.state.store.clone(), self.state.catalog.clone());
                            tokio::spawn(deletion::finalize_namespace(store, catalog, name));
                        }
                        self.after_write(&object, false);
                        Ok(Some(object))
                    }
                    Err(_) => Ok(None),
                }
            }
        }
    }

    /// `pods/{name}/binding`: assigns the pod to a node.
    async fn bind(&self, body: &[u8]) -> Result<Response, ApiError> {
        let binding = pods::binding(&objects::decode_body_of(body, "Binding", &["v1"])?, self.name())?;
        for _ in 0..PATCH_ATTEMPTS {
            let (mut pod, revision) = self.current(self.name()).await?;
            pods::bind(&mut pod, &binding, &objects::now_rfc3339())?;
            self.admit(&mut pod)?;
            if self.dry_run() || self.write(self.name(), pod, revision).await?.is_some() {
                return Ok((StatusCode::CREATED, Json(pods::created())).into_response());
            }
        }
        Err(ApiError::modified(&self.info.group_resource(), self.name()))
    }

    /// `serviceaccounts/{name}/token`: a signed token for the ServiceAccount.
    async fn token_request(&self, body: &[u8]) -> Result<Response, ApiError> {
        let request = TokenRequest::decode(body)?;
        let (account, _) = self.current(self.name()).await?;
        let bound = match &request.bound {
            Some((kind, name, _)) => Some(self.bound_object(kind, name).await?),
            None => None,
        };
        let tokens = self.state.authenticator.service_accounts();
        let response = request.issue(tokens, &account, bound.as_ref())?;
        Ok((StatusCode::CREATED, Json(response)).into_response())
    }

    /// The object a token is to be bound to (a Pod or Secret of the request's
    /// namespace, or a Node).
    async fn bound_object(&self, kind: &str, name: &str) -> Result<Value, ApiError> {
        let (resource, namespace) = match kind {
            "Pod" => ("pods", self.req.namespace.as_deref()),
            "Secret" => ("secrets", self.req.namespace.as_deref()),
            _ => ("nodes", None),
        };
        let info = registry::lookup("", "v1", resource).ok_or_else(|| ApiError::Internal(format!("no {resource}")))?;
        let json = self.state.caches.object(info, namespace, name).await?.ok_or_else(|| {
            ApiError::BadRequest(format!(
                "cannot bind token for serviceaccount {:?} to object: {resource} {name:?} not found",
                self.name()
            ))
        })?;
        serde_json::from_slice(&json).map_err(|e| ApiError::Internal(format!("stored {resource} {name}: {e}")))
    }

    /// `pods/{name}/eviction`: deletes the pod as the eviction's options say.
    async fn evict(&self, body: &[u8]) -> Result<Response, ApiError> {
        let eviction = objects::decode_body_of(body, "Eviction", &["policy/v1", "policy/v1beta1"])?;
        let options = pods::eviction(&eviction, self.name())?;
        for _ in 0..PATCH_ATTEMPTS {
            let (mut pod, mut revision) = self.current(self.name()).await?;
            let mut options = options.clone();
            let dry_run = self.dry_run() || options.dry_run;
            if !dry_run && pods::mark_evicted(&mut pod, &objects::now_rfc3339()) {
                // The mark is a write: preconditions hold against the pod before it, and a
                // resourceVersion precondition moves to the marked pod, as upstream does.
                options.check(&GroupKind::from(self.info).to_string(), &pod)?;
                let Some(marked) = self.write(self.name(), pod, revision).await? else {
                    continue;
                };
                let marked_rv = marked.pointer("/metadata/resourceVersion").and_then(Value::as_str);
                revision = marked_rv.and_then(|rv| rv.parse().ok()).unwrap_or(revision);
                if options.resource_version.is_some() {
                    options.resource_version = marked_rv.map(str::to_string);
                }
                pod = marked;
            }
            if self.delete_one(pod, revision, &options).await?.is_some() {
                return Ok((StatusCode::CREATED, Json(pods::created())).into_response());
            }
        }
        Err(ApiError::modified(&self.info.group_resource(), self.name()))
    }

    /// The DeleteOptions body, with `gracePeriodSeconds` from the query taking precedence.
    fn delete_options(&self, body: &[u8]) -> Result<DeleteOptions, ApiError> {
        let mut options = if body.iter().all(u8::is_ascii_whitespace) {
            DeleteOptions::default()
        } else {
            let options: Value = serde_json::from_slice(body).map_err(|e| {
                ApiError::BadRequest(format!(
                    "the body of the request (DeleteOptions) is not valid JSON: {e}"
                ))
            })?;
            DeleteOptions::from_json(&options)?
        };
        if let Some(value) = self.params.get("gracePeriodSeconds") {
            options.grace = Some(
                value
                    .parse()
                    .map_err(|_| ApiError::BadRequest(format!("invalid gracePeriodSeconds {value:?}")))?,
            );
        }
        Ok(options)
    }

    /// Deletes every object of the list scope that the selectors match; answers with the
    /// list of what was deleted (or marked).
    async fn delete_collection(&self, body: &[u8]) -> Result<Response, ApiError> {
        let options = self.delete_options(body)?;
        let keep = self.selector()?;
        let prefix = self.info.namespace_prefix(self.req.namespace.as_deref());
        let page = self.store.range(prefix.as_bytes(), RangeOptions::default()).await?;
        let mut deleted = Vec::new();
        for kv in &page.kvs {
            let object = decode_stored_as(kv, self.info)?;
            if self.info.resource == "namespaces" && name_of(&object).is_some_and(|n| SYSTEM_NAMESPACES.contains(&n)) {
                continue;
            }
            if keep.matches(&object)
                && let Some(object) = self.delete_one(object, kv.mod_revision, &options).await?
            {
                deleted.push(object);
            }
        }
        Ok(Json(json!({
            "kind": self.info.list_kind(),
            "apiVersion": self.info.api_version(),
            "metadata": {"resourceVersion": page.revision.to_string()},
            "items": deleted,
        }))
        .into_response())
    }

    /// Writes an updated object, or removes it when the update completes its deletion
    /// (its last finalizer removed). `Ok(None)` on a concurrent change.
    async fn write(&self, name: &str, mut object: Value, expected: Revision) -> Result<Option<Value>, ApiError> {
        if deletion::completes_deletion(&object) {
            let removed = deletion::remove(&self.store, &self.key(name), expected).await?;
            if removed {
                self.after_write(&object, true);
            }
            return Ok(removed.then_some(object));
        }
        let encoded = encode(&object, self.info)?;
        let _quota = self.reserve(name, encoded.len()).await?;
        match self.store.update(self.key(name).as_bytes(), &encoded, expected).await? {
            Ok(revision) => {
                objects::metadata_mut(&mut object).insert("resourceVersion".into(), json!(revision.to_string()));
                self.after_write(&object, false);
                Ok(Some(object))
            }
            Err(_) => Ok(None),
        }
    }

    /// Checks the storage quota of the namespace's cell for writing `bytes` as `name`;
    /// the guard serializes the cell's quota-checked writes until it is dropped.
    async fn reserve(&self, name: &str, bytes: usize) -> Result<Option<crate::cells::WriteGuard>, ApiError> {
        let Some(namespace) = self.req.namespace.as_deref() else {
            return Ok(None);
        };
        self.state
            .cells
            .reserve(&self.state.caches, self.info, namespace, name, bytes)
            .await
    }

    /// What follows a successful write: a CRD's resources are served (or dropped) before
    /// the response goes out.
    fn after_write(&self, object: &Value, removed: bool) {
        if crd::is_definitions(self.info) {
            crd::written(&self.state.store, &self.state.catalog, object, removed);
            if removed
                && let (Some(group), Some(plural)) = (
                    object.pointer("/spec/group").and_then(Value::as_str),
                    object.pointer("/spec/names/plural").and_then(Value::as_str),
                )
            {
                self.state.caches.forget(&format!("/registry/{group}/{plural}/"));
            }
        }
    }
}

/// The fewest keys a list reads at a time while filling a page through selectors.
const LIST_READ_MIN: usize = 100;

/// Attempts of a patch that keeps meeting concurrent writes.
const PATCH_ATTEMPTS: usize = 5;

/// Whether a write's failure may come from starting at a stale copy of the object
/// (then it is retried from the store). Store and server errors are not retried: the
/// write may have been applied.
fn could_be_stale(error: &ApiError) -> bool {
    matches!(
        error,
        ApiError::BadRequest(_)
            | ApiError::NotFound { .. }
            | ApiError::Conflict { .. }
            | ApiError::Invalid { .. }
            | ApiError::UnprocessableEntity(_)
            | ApiError::Forbidden { .. }
    )
}

/// `generateName` plus five random characters from Kubernetes' alphabet (no vowels, no
/// look-alikes).
fn generate_name(base: &str) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let base: String = base.chars().take(58).collect();
    let random = uuid::Uuid::new_v4();
    let suffix: String = random.as_bytes()[..5]
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    format!("{base}{suffix}")
}

/// Creates the system namespaces if they do not exist yet.
pub async fn ensure_system_namespaces(store: &StoreRouter) -> Result<(), ApiError> {
    let info =
        registry::lookup("", "v1", "namespaces").ok_or_else(|| ApiError::Internal("no namespaces resource".into()))?;
    let backend = store.store_for(info.storage_prefix().as_bytes());
    for name in SYSTEM_NAMESPACES {
        let mut object = json!({"metadata": {"name": name}, "spec": {}, "status": {"phase": "Active"}});
        objects::stamp_new(&mut object, info, None);
        // Ok(Err(_)): it exists already.
        let _ = backend
            .create(info.storage_key(None, name).as_bytes(), &encode(&object, info)?)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names_keep_the_base() {
        let name = generate_name("web-");
        assert!(name.starts_with("web-") && name.len() == 9);
        assert_eq!(generate_name(&"x".repeat(100)).len(), 63);
    }
}
