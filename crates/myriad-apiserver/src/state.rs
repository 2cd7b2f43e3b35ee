//! What every filter and endpoint shares: the registry (and through it the store, the
//! watch cache and the served resources), and the request-path machinery —
//! authentication, authorization, priority and fairness, user-agent limits, cell
//! quotas, metrics. Built once by `server::Server::start`; cloning is cheap.

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
pub(crate) struct AppState {
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

impl AppState {
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
