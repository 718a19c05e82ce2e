//! [`ResultCache`]: one authorizer's cache of successful results (spec proxy-auth §8.9, §9.1).
//!
//! A moka future cache keyed by the identity values, holding the parsed [`Grant`] (policy already
//! compiled), with the authorizer's `authorizerResultTtlInSeconds` as time-to-live and
//! `authorizerCacheMaxEntries` as capacity. Concurrent misses for one key run ONE authorizer call
//! (`try_get_with_by_ref`) and share its outcome; a failure is handed to every waiter but never
//! stored, so the next request calls the authorizer again.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use moka::future::Cache;

use crate::config::model::Authorizer;

use super::output::{Failure, Grant};

/// API Gateway's upper bound for `authorizerResultTtlInSeconds`.
pub const MAX_TTL: Duration = Duration::from_secs(3600);

/// Where a result came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// This request called the authorizer.
    Called,
    /// Reused: a cached entry, or the call another request made for the same key.
    Shared,
}

/// One authorizer's result cache; disabled when its TTL is zero or it has no identity sources
/// (AWS requires identity sources to cache; without them every request would share one entry).
#[derive(Debug)]
pub struct ResultCache {
    inner: Option<Cache<String, Arc<Grant>>>,
}

impl ResultCache {
    /// The cache `authorizer` is configured for.
    pub fn new(authorizer: &Authorizer) -> Self {
        let ttl = authorizer.ttl.min(MAX_TTL);
        let enabled = !ttl.is_zero() && !authorizer.identity_sources.is_empty();
        let inner = enabled.then(|| {
            Cache::builder()
                .name(&authorizer.name)
                .max_capacity(authorizer.cache_max_entries)
                .time_to_live(ttl)
                .build()
        });
        ResultCache { inner }
    }

    /// Whether results are cached at all.
    pub fn is_enabled(&self) -> bool {
        self.inner.is_some()
    }

    /// The result for `key`: cached, shared with a concurrent call, or produced by `call` now.
    pub async fn get_or_call<F>(&self, key: &str, call: F) -> Result<(Arc<Grant>, Source), Failure>
    where
        F: Future<Output = Result<Grant, Failure>>,
    {
        let Some(cache) = &self.inner else {
            return call.await.map(|g| (Arc::new(g), Source::Called));
        };
        let ran = AtomicBool::new(false);
        let init = async {
            ran.store(true, Ordering::Relaxed);
            call.await.map(Arc::new)
        };
        match cache.try_get_with_by_ref(key, init).await {
            Ok(grant) => {
                let source = if ran.load(Ordering::Relaxed) {
                    Source::Called
                } else {
                    Source::Shared
                };
                Ok((grant, source))
            }
            Err(shared) => Err((*shared).clone()),
        }
    }

    /// Entries currently held, after moka's pending maintenance (evictions, expirations) ran.
    pub async fn entry_count(&self) -> u64 {
        match &self.inner {
            Some(cache) => {
                cache.run_pending_tasks().await;
                cache.entry_count()
            }
            None => 0,
        }
    }
}
