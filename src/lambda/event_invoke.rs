//! Asynchronous invocation (`X-Amz-Invocation-Type: Event`), as a custom integration maps it
//! (spec mapping §5.3): Lambda queues the event and answers 202 at once, so the client's answer
//! never waits for the function and never sees its result or error.
//!
//! The call runs in a task of its own, outside the client connection, on the pooled client: the
//! client's response goes out immediately, whichever upstream is behind the URL. An Invoke API
//! endpoint is asked for an `Event` invocation (AWS answers 202; a Runtime Interface Emulator,
//! which has no queue, runs the function and answers when it is done); a Function URL is sent
//! the payload as for a synchronous call. The outcome is only logged: the function's failures
//! are the function's to report, as on AWS.
//!
//! The client was answered as if Lambda had queued the event, so the call must not be lost when
//! apigate stops: the tasks are tracked, and shutdown waits for them ([`Invoker::drain_events`])
//! within what is left of `server.shutdownGraceMillis`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::time::timeout_at;

use bytes::Bytes;
use http::HeaderValue;
use tracing::Instrument;

use super::{function_url, invoke_api, InvokeError, Invoker, MAX_EVENT_BYTES};
use crate::config::model::{Api, FunctionId, FunctionTarget};
use crate::trace_context::TraceContext;

impl Invoker {
    /// Starts an asynchronous invocation of `function` with `payload` and returns at once; the
    /// call is bounded by `timeout` and its outcome logged under the current span. The Invoke
    /// API answers the queueing call itself, so a payload over its [`MAX_EVENT_BYTES`] is refused
    /// here, before anything starts, as Lambda's 413 would reach the caller.
    pub fn invoke_event(
        &self,
        api: Arc<Api>,
        function: FunctionId,
        payload: Bytes,
        timeout: Duration,
        trace: TraceContext,
    ) -> Result<(), InvokeError> {
        if matches!(api.function(function).target, FunctionTarget::InvokeUrl(_))
            && payload.len() > MAX_EVENT_BYTES
        {
            return Err(InvokeError::request_too_large());
        }
        let invoker = self.clone();
        let task = async move {
            let f = api.function(function);
            let req = match &f.target {
                FunctionTarget::InvokeUrl(url) => invoke_api::build_request(url, payload, &trace)
                    .map(|mut req| {
                        req.headers_mut().insert(
                            invoke_api::INVOCATION_TYPE,
                            HeaderValue::from_static("Event"),
                        );
                        req
                    }),
                FunctionTarget::FunctionUrl(url) => {
                    function_url::build_invoke_request(url, payload, &trace)
                }
            };
            let reply = match req {
                Ok(req) => invoker.exchange(req, Instant::now(), timeout).await,
                Err(e) => Err(e),
            };
            match reply {
                Ok(r) if r.status().is_success() => {
                    tracing::debug!(function = %f.name, status = r.status().as_u16(), "event invocation accepted");
                }
                Ok(r) => {
                    tracing::warn!(function = %f.name, status = r.status().as_u16(), "event invocation refused");
                }
                Err(e) => tracing::warn!(function = %f.name, error = %e, "event invocation failed"),
            }
        };
        self.events.spawn(task.instrument(tracing::Span::current()));
        Ok(())
    }

    /// Waits until every asynchronous invocation started so far has finished, or `deadline`
    /// passes; returns how many were still running then (each is bounded by its integration
    /// timeout, so none waits forever). Invocations started after this call are still tracked.
    pub async fn drain_events(&self, deadline: Instant) -> usize {
        if self.events.is_empty() {
            return 0;
        }
        tracing::info!(
            left = self.events.len(),
            "waiting for asynchronous invocations"
        );
        // `wait` resolves only on a closed tracker; reopening keeps later spawns tracked.
        self.events.close();
        let finished = timeout_at(deadline.into(), self.events.wait()).await;
        self.events.reopen();
        match finished {
            Ok(()) => 0,
            Err(_) => {
                let left = self.events.len();
                tracing::warn!(
                    left,
                    "shutdown grace elapsed; dropping asynchronous invocations"
                );
                left
            }
        }
    }
}
