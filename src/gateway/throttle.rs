//! The throttle phase: the stage's default method throttling (`api.throttle`, spec proxy-auth
//! §12.2), API Gateway's token bucket.
//!
//! Each route (a REST method, an HTTP API route) has its own bucket, as a stage's default limits
//! are per-method limits on AWS ("default per-method limits"). A bucket holds at most
//! `burstLimit` tokens, starts full and refills at `rateLimit` tokens per second; a request takes
//! one token or is refused with 429 `THROTTLED` (`{"message":"Too Many Requests"}`). The check runs
//! once the route is known and before the authorizer, so a throttled request costs no Lambda call.
//!
//! The buckets belong to the [`crate::gateway::snapshot::Snapshot`]: a new config starts them
//! full again, as a redeployment does. An API without `api.throttle` has no buckets and the phase
//! reads no clock.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use crate::config::model::{Api, RouteId, Throttle};
use crate::gateway::context::RequestCtx;
use crate::gateway::error::GatewayError;

/// The token buckets of one API, one per route.
///
/// A bucket is one atomic word, read and updated with compare-and-swap, so requests on several
/// workers never wait on a lock. With a refill rate it is the token bucket in its "virtual
/// scheduling" form (GCRA): the word is the time at which the bucket would be full again, in
/// nanoseconds since `epoch`; a request advances it by one token's refill time and is refused
/// when that would put it more than a whole bucket ahead of now. Without a refill rate the
/// word counts the tokens taken.
#[derive(Debug)]
pub struct Throttles {
    limits: Option<Limits>,
    epoch: Instant,
    buckets: Box<[AtomicU64]>,
}

/// Longest whole-bucket refill time modelled (about 146 years).
const REFILL_HORIZON_NS: u64 = 1 << 62;

/// [`Throttle`] in the units the buckets count in.
#[derive(Debug, Clone, Copy)]
struct Limits {
    burst: u64,
    /// Refill time of one token in nanoseconds; `None` for a rate of 0 (the bucket never refills).
    token_ns: Option<u64>,
    /// Refill time of the whole bucket (`burst` tokens).
    bucket_ns: u64,
}

impl Limits {
    fn of(t: Throttle) -> Limits {
        // Rounded to the nanosecond; a rate over 1e9/s refills faster than the clock ticks
        // (0 ns a token), which only an empty bucket (`burst` 0) still refuses.
        let token_ns = (t.rate_limit > 0.0).then(|| (1e9 / t.rate_limit).round() as u64);
        // A bucket that takes over a century to refill never refills within a process's life;
        // counting it as such also keeps the time arithmetic far from overflow.
        let bucket_ns = token_ns
            .and_then(|ns| ns.checked_mul(t.burst_limit))
            .filter(|&ns| ns < REFILL_HORIZON_NS);
        Limits {
            burst: t.burst_limit,
            token_ns: token_ns.filter(|_| bucket_ns.is_some()),
            bucket_ns: bucket_ns.unwrap_or(0),
        }
    }
}

impl Throttles {
    /// Full buckets for every route of `api` (none when the API is not throttled).
    pub fn new(api: &Api) -> Throttles {
        let buckets = match api.throttle {
            Some(_) => (0..api.routes.len()).map(|_| AtomicU64::new(0)).collect(),
            None => Box::default(),
        };
        Throttles {
            limits: api.throttle.map(Limits::of),
            epoch: Instant::now(),
            buckets,
        }
    }

    /// Takes a token from `route`'s bucket at `now`; `false` when the bucket is empty.
    fn take(&self, route: RouteId, now: Instant) -> bool {
        let (Some(limits), Some(bucket)) = (self.limits, self.buckets.get(route.0)) else {
            return true;
        };
        if limits.burst == 0 {
            return false;
        }
        let Some(token_ns) = limits.token_ns else {
            // No refill: `burst` tokens in all.
            return bucket
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |taken| {
                    (taken < limits.burst).then_some(taken + 1)
                })
                .is_ok();
        };
        let now =
            u64::try_from(now.saturating_duration_since(self.epoch).as_nanos()).unwrap_or(u64::MAX);
        bucket
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |full_at| {
                // A bucket full before now is simply full: it holds no more than `burst`.
                let next = full_at.max(now).saturating_add(token_ns);
                (next - now <= limits.bucket_ns).then_some(next)
            })
            .is_ok()
    }
}

/// Refuses the routed request when its route's bucket is empty ([`GatewayError::Throttled`]).
pub fn check(ctx: &RequestCtx, throttles: &Throttles) -> Result<(), GatewayError> {
    if throttles.limits.is_none() {
        return Ok(());
    }
    match &ctx.route {
        Some(m) if !throttles.take(m.route, Instant::now()) => Err(GatewayError::Throttled),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn throttles(rate_limit: f64, burst_limit: u64, routes: usize) -> Throttles {
        Throttles {
            limits: Some(Limits::of(Throttle {
                rate_limit,
                burst_limit,
            })),
            epoch: Instant::now(),
            buckets: (0..routes).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    #[test]
    fn a_full_bucket_serves_the_burst_then_refills_at_the_rate() {
        let t = throttles(10.0, 3, 1);
        let start = Instant::now();
        let r = RouteId(0);
        assert!((0..3).all(|_| t.take(r, start)));
        assert!(!t.take(r, start));
        // 10 tokens a second: one more after 100 ms, never more than the burst.
        assert!(!t.take(r, start + Duration::from_millis(50)));
        assert!(t.take(r, start + Duration::from_millis(100)));
        assert!(!t.take(r, start + Duration::from_millis(100)));
        let later = start + Duration::from_secs(60);
        assert!((0..3).all(|_| t.take(r, later)));
        assert!(!t.take(r, later));
    }

    #[test]
    fn each_route_has_its_own_bucket() {
        let t = throttles(0.0, 1, 2);
        let now = Instant::now();
        assert!(t.take(RouteId(0), now));
        assert!(!t.take(RouteId(0), now));
        assert!(t.take(RouteId(1), now));
    }

    #[test]
    fn threads_share_one_bucket_without_overdrawing_it() {
        // A token every 1000 s: nothing refills while the threads run.
        let t = std::sync::Arc::new(throttles(0.001, 1000, 1));
        let now = Instant::now();
        let taken: usize = (0..4)
            .map(|_| {
                let t = t.clone();
                std::thread::spawn(move || (0..600).filter(|_| t.take(RouteId(0), now)).count())
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap_or(0))
            .sum();
        assert_eq!(taken, 1000);
    }

    #[test]
    fn a_bucket_without_a_rate_never_refills() {
        let t = throttles(0.0, 2, 1);
        let now = Instant::now();
        assert!(t.take(RouteId(0), now));
        assert!(t.take(RouteId(0), now + Duration::from_secs(3600)));
        assert!(!t.take(RouteId(0), now + Duration::from_secs(7200)));
    }

    #[test]
    fn a_refill_slower_than_the_horizon_never_refills() {
        let now = Instant::now();
        for (rate, burst) in [(1e-12, 1), (1e-5, 200_000), (1e-300, 3)] {
            let t = throttles(rate, burst, 1);
            let taken = (0..burst + 5)
                .filter(|_| t.take(RouteId(0), now + Duration::from_secs(1)))
                .count();
            assert_eq!(taken as u64, burst, "{rate} {burst}");
        }
    }

    #[test]
    fn zero_limits_refuse_everything() {
        let t = throttles(0.0, 0, 1);
        assert!(!t.take(RouteId(0), Instant::now() + Duration::from_secs(5)));
    }

    #[test]
    fn an_unthrottled_api_takes_nothing() {
        let t = Throttles {
            limits: None,
            epoch: Instant::now(),
            buckets: Box::default(),
        };
        assert!(t.take(RouteId(7), Instant::now()));
    }
}
