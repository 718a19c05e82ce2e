//! [`InvokeError`]: every way a call to a function can fail before it yields a result, and how
//! each becomes a [`GatewayError`] (spec proxy-auth §4.3, §4.4, §11).

use crate::gateway::error::GatewayError;

/// Lambda's synchronous response payload limit: 6 MB (6291456 bytes). A larger result is an error,
/// as on Lambda.
pub const MAX_RESULT_BYTES: usize = 6 * 1024 * 1024;

/// Lambda's synchronous request payload limit, the same 6 MB. The Invoke API refuses a larger
/// payload with 413 `RequestTooLargeException` before the function runs; apigate refuses it the
/// same way whatever is behind the URL (a Runtime Interface Emulator has no such limit).
pub const MAX_REQUEST_BYTES: usize = 6 * 1024 * 1024;

/// Lambda's asynchronous (`Event`) payload limit, refused the same way: 1 MB (the Invoke API
/// reference; it was 256 KB before late 2025).
pub const MAX_EVENT_BYTES: usize = 1024 * 1024;

impl InvokeError {
    /// What the Invoke API answers for a payload over [`MAX_REQUEST_BYTES`] (or
    /// [`MAX_EVENT_BYTES`] for an `Event` invocation).
    pub fn request_too_large() -> InvokeError {
        InvokeError::Service {
            status: 413,
            error_type: Some("RequestTooLargeException".to_string()),
        }
    }
}

/// A failed call to a function (the function's own errors are [`super::Invocation`]s instead).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvokeError {
    /// No complete answer within the integration's timeout.
    #[error("the function did not answer within the timeout")]
    Timeout,
    /// The connection could not be opened (refused, unreachable, DNS, TLS handshake).
    #[error("cannot connect to the function: {0}")]
    Connect(String),
    /// The connection failed after it was opened: reset, or closed before a complete response.
    #[error("connection to the function failed: {0}")]
    Io(String),
    /// The endpoint answered something that is not an HTTP/1.1 response.
    #[error("invalid HTTP response from the function: {0}")]
    Protocol(String),
    /// The result is larger than [`MAX_RESULT_BYTES`].
    #[error("the function's result exceeds {MAX_RESULT_BYTES} bytes")]
    ResponseTooLarge,
    /// The request to the function could not be built (an invalid URL or header value).
    #[error("cannot build the request to the function: {0}")]
    Request(String),
    /// The Invoke API (or Function URL) answered with a non-2xx status.
    #[error("the Lambda service answered {status} ({})", error_type.as_deref().unwrap_or("no error type"))]
    Service {
        /// The HTTP status.
        status: u16,
        /// The AWS error type (`ResourceNotFoundException`, `TooManyRequestsException`, ...).
        error_type: Option<String>,
    },
}

/// The TLS client configuration for `https://` targets could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up TLS for calls to functions: {0}")]
pub struct TlsSetupError(#[from] pub rustls::Error);

impl InvokeError {
    /// Whether Lambda refused the call for lack of permission (`AccessDeniedException`; a bare 403
    /// without a type counts too, which is how a Function URL without a matching policy answers).
    pub fn is_access_denied(&self) -> bool {
        match self {
            InvokeError::Service { error_type, status } => match error_type.as_deref() {
                Some(t) => t == "AccessDeniedException",
                None => *status == 403,
            },
            _ => false,
        }
    }

    /// The gateway error for this failure: a timeout is `IntegrationTimeout`; a permission problem
    /// is an API configuration error (500, §4.3); any other refusal by the Lambda service (an
    /// error status with an AWS error type) is `InvocationRejected` (500: API Gateway answers
    /// 500 when "the Lambda API rejects the invocation request", Lambda developer guide).
    /// A 5xx without an AWS error type is how a Runtime Interface Emulator reports a runtime
    /// that failed to start or crashed; Lambda reports those as function errors, so it is a
    /// `FunctionError` (REST 502, `DEFAULT_5XX`). Everything else is an integration failure
    /// (502): no usable answer.
    pub fn to_gateway_error(&self) -> GatewayError {
        match self {
            InvokeError::Timeout => GatewayError::IntegrationTimeout,
            e if e.is_access_denied() => GatewayError::ApiConfiguration(e.to_string()),
            InvokeError::Service {
                error_type: Some(_),
                ..
            } => GatewayError::InvocationRejected(self.to_string()),
            InvokeError::Service {
                status,
                error_type: None,
                ..
            } if *status >= 500 => GatewayError::FunctionError(self.to_string()),
            e => GatewayError::IntegrationFailure(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::ApiKind;

    fn service(status: u16, t: Option<&str>) -> InvokeError {
        InvokeError::Service {
            status,
            error_type: t.map(str::to_owned),
        }
    }

    #[test]
    fn maps_to_the_spec_statuses() {
        let status = |e: InvokeError| e.to_gateway_error().classify(ApiKind::Rest).status;
        assert_eq!(status(InvokeError::Timeout), 504);
        assert_eq!(status(service(403, Some("AccessDeniedException"))), 500);
        assert_eq!(status(service(403, None)), 500);
        assert_eq!(status(service(404, Some("ResourceNotFoundException"))), 500);
        assert_eq!(status(service(429, Some("TooManyRequestsException"))), 500);
        assert_eq!(status(InvokeError::request_too_large()), 500);
        // The RIE's 502 for a runtime that failed to start carries no AWS error type.
        assert_eq!(status(service(502, None)), 502);
        assert_eq!(status(InvokeError::Connect("refused".into())), 502);
        assert_eq!(status(InvokeError::ResponseTooLarge), 502);
        assert_eq!(
            InvokeError::Timeout
                .to_gateway_error()
                .classify(ApiKind::Http)
                .status,
            503
        );
    }
}
