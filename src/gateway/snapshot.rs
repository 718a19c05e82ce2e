//! [`Snapshot`]: one compiled API plus the runtime state built from it.
//!
//! Everything a request reads that depends on the configuration lives here, built once when a
//! config is loaded: the compiled [`Api`], the authorizer result caches, the throttling buckets,
//! the pre-resolved metric handles and the access-log format. A request takes the current
//! snapshot once (an `Arc`) and keeps it to the end, so a reload never changes a request half way.

use std::sync::Arc;

use crate::access_log::AccessLogFormat;
use crate::authorizer::Authorizers;
use crate::config::model::Api;
use crate::gateway::throttle::Throttles;
use crate::metrics::{ApiMetrics, Metrics};

/// The compiled API and its per-config runtime state.
#[derive(Debug)]
pub struct Snapshot {
    /// The compiled API.
    pub api: Arc<Api>,
    /// Authorizer caches (emptied by a new snapshot, as a redeployment flushes API Gateway's).
    pub authorizers: Authorizers,
    /// Metric handles per route, authorizer and function, resolved once.
    pub metrics: ApiMetrics,
    /// The compiled `accessLogSettings.format`, when access logging is on.
    pub access_log: Option<AccessLogFormat>,
    /// Throttling buckets per route (full again in a new snapshot, as after a redeployment).
    pub throttles: Throttles,
}

impl Snapshot {
    /// Builds the runtime state for `api`.
    pub fn new(api: Arc<Api>, metrics: &Metrics) -> Snapshot {
        Snapshot {
            authorizers: Authorizers::new(&api),
            metrics: metrics.api_handles(&api),
            access_log: api.access_log.clone(),
            throttles: Throttles::new(&api),
            api,
        }
    }
}
