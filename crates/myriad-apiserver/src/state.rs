//! What every filter and endpoint shares: the registry (and through it the store, the
//! watch cache and the served resources), and the request-path machinery —
//! authentication, authorization, priority and fairness, user-agent limits, cell
//! quotas, metrics. Built once by `server::Server::start`.
//!
//! Every filter layer clones the state for every request (axum's `from_fn_with_state`
//! and boxed routes clone their service per call), so the state is one `Arc`: one
//! reference count touched per clone instead of one per shared part, which on a busy
//! server were contended cache lines (several percent of a write's CPU).

use std::sync::Arc;

use crate::authn::Authenticator;
use crate::authz::Authorizer;
use crate::cache::Caches;
use crate::cells::Cells;
use crate::flowcontrol::FlowControl;
use crate::metrics::Metrics;
use crate::registry::Registry;
use crate::registry::catalog::Catalog;
use crate::user_agents::UserAgentLimits;

#[derive(Clone)]
pub(crate) struct AppState(Arc<Shared>);

impl AppState {
    pub(crate) fn new(shared: Shared) -> Self {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What `AppState` points to.
pub(crate) struct Shared {
    pub(crate) registry: Arc<Registry>,
    /// `host:port` advertised in `/api`.
    pub(crate) server_address: Arc<str>,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) authenticator: Arc<Authenticator>,
    pub(crate) flowcontrol: Arc<FlowControl>,
    pub(crate) user_agents: Arc<UserAgentLimits>,
    /// How long a request that is not long-running may take (`--request-timeout`).
    pub(crate) request_timeout: std::time::Duration,
}

impl Shared {
    /// Built-in and CRD-defined resources.
    pub(crate) fn catalog(&self) -> &Catalog {
        &self.registry.catalog
    }

    /// The watch cache, which serves LIST and WATCH.
    pub(crate) fn caches(&self) -> &Arc<Caches> {
        &self.registry.caches
    }

    pub(crate) fn authorizer(&self) -> &Arc<Authorizer> {
        &self.registry.authorizer
    }

    pub(crate) fn cells(&self) -> &Arc<Cells> {
        &self.registry.cells
    }
}
