//! [`AuthorizerCall`]: how the authorize phase invokes an authorizer function.
//!
//! A trait rather than the Lambda client itself, so the phase is tested with in-process fakes
//! (counting calls, failing, stalling) and the transport stays the Lambda module's business.

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;

use crate::config::model::Function;

/// What the function returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizerReply {
    /// The invoke payload (the authorizer's JSON result, or Lambda's error object).
    pub payload: Bytes,
    /// Lambda reported a function error (`X-Amz-Function-Error`, `Handled` or `Unhandled`).
    pub function_error: bool,
}

/// The function could not be called or did not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// No answer within the authorizer's timeout.
    #[error("authorizer timed out")]
    Timeout,
    /// Connection, protocol or invoke-API failure.
    #[error("authorizer invoke failed: {0}")]
    Unavailable(String),
}

/// Invokes an authorizer function synchronously (`RequestResponse`).
pub trait AuthorizerCall: Sync {
    /// Sends `event` to `function`; `timeout` is the authorizer's limit (the phase enforces it too),
    /// `trace` the request's trace identity.
    fn call(
        &self,
        function: &Function,
        event: Bytes,
        timeout: Duration,
        trace: &crate::trace_context::TraceContext,
    ) -> impl Future<Output = Result<AuthorizerReply, CallError>> + Send;
}

/// Production: authorizers are invoked through the Lambda client like any function.
impl AuthorizerCall for crate::lambda::Invoker {
    async fn call(
        &self,
        function: &Function,
        event: Bytes,
        timeout: Duration,
        trace: &crate::trace_context::TraceContext,
    ) -> Result<AuthorizerReply, CallError> {
        match self.invoke(function, event, timeout, trace).await {
            Ok(invocation) => Ok(AuthorizerReply {
                function_error: invocation.is_error(),
                payload: invocation.payload,
            }),
            Err(crate::lambda::InvokeError::Timeout) => Err(CallError::Timeout),
            Err(e) => Err(CallError::Unavailable(e.to_string())),
        }
    }
}
