//! [`GatewayError`]: every way a request can fail, typed where it arises.
//!
//! Phases return `Result<_, GatewayError>`; [`GatewayError::classify`] is the one table that turns
//! an error into what the client sees for each API kind (spec proxy-auth §10-§11). The detail
//! strings are for logs only and never reach a client.

use std::borrow::Cow;

use crate::config::model::ApiKind;
use crate::gateway::responses::{ErrorMessage, ResponseType};

/// A failed request.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// No route matches the method and path.
    #[error("no route matches")]
    NoRoute,
    /// The body exceeded the payload limit.
    #[error("request body exceeds the limit")]
    BodyTooLarge,
    /// The route's throttling bucket is empty (`api.throttle`).
    #[error("throttled")]
    Throttled,
    /// REST: the methodArn of a method with an authorizer is over 1600 bytes.
    #[error("method ARN longer than 1600 bytes")]
    MethodArnTooLong,
    /// Identity source missing, validation expression failed, or the authorizer said `Unauthorized`.
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    /// The authorizer's policy denies this methodArn.
    #[error("access denied (explicit deny: {explicit})")]
    AccessDenied {
        /// A matching `Deny` statement (vs no matching `Allow`).
        explicit: bool,
    },
    /// The authorizer failed, timed out or returned an unusable result.
    #[error("authorizer configuration error: {0}")]
    AuthorizerConfiguration(String),
    /// The integration did not answer within its timeout.
    #[error("integration timed out")]
    IntegrationTimeout,
    /// The function could not be reached or its reply could not be read (also an error status
    /// without an AWS error type, as a Runtime Interface Emulator answers a crashed runtime).
    #[error("integration failure: {0}")]
    IntegrationFailure(String),
    /// The Lambda service refused the invocation (an Invoke API error carrying an AWS error
    /// type: throttled, function missing, payload too large, ...).
    #[error("the Lambda service refused the invocation: {0}")]
    InvocationRejected(String),
    /// The function ran and reported an error (`X-Amz-Function-Error`, or an RIE error body).
    #[error("function error: {0}")]
    FunctionError(String),
    /// The function's result breaks the proxy response contract.
    #[error("malformed Lambda proxy response: {0}")]
    MalformedProxyResponse(String),
    /// The API's configuration cannot serve this request (e.g. an integration response is missing).
    #[error("API configuration error: {0}")]
    ApiConfiguration(String),
    /// A mapping template failed while rendering.
    #[error("mapping template failed: {0}")]
    Template(String),
    /// Method request validation: required parameters missing or empty (names in AWS's order).
    #[error("missing required request parameters: {0:?}")]
    BadRequestParameters(Vec<String>),
    /// Method request validation: the body does not satisfy the model; the detail is
    /// `$context.error.validationErrorString` (`[violation, ...]`).
    #[error("invalid request body: {0}")]
    BadRequestBody(String),
    /// No request template matches the Content-Type and passthrough is not allowed.
    #[error("unsupported media type")]
    UnsupportedMediaType,
}

/// What the client receives for an error, before customisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    /// REST gateway response type (used for customisation and `x-amzn-ErrorType`).
    pub response_type: ResponseType,
    /// Status code.
    pub status: u16,
    /// `$context.error.message` (`None` renders as JSON `null`).
    pub message: ErrorMessage,
    /// `$context.error.validationErrorString` (body validation failures only).
    pub validation_error: Option<String>,
}

impl GatewayError {
    /// The one table: this error as API Gateway answers it on a REST API. HTTP APIs and Function
    /// URLs reuse the status classes but answer with their own fixed bodies.
    pub fn classify(&self, kind: ApiKind) -> Classified {
        use GatewayError as E;
        use ResponseType as T;
        let msg = |s: &'static str| Some(Cow::Borrowed(s));
        let (response_type, status, message) = match self {
            E::NoRoute if kind == ApiKind::Rest => (
                T::MissingAuthenticationToken,
                403,
                msg("Missing Authentication Token"),
            ),
            E::NoRoute => (T::ResourceNotFound, 404, msg("Not Found")),
            E::BodyTooLarge => (T::RequestTooLarge, 413, msg("Request Too Long")),
            E::Throttled => (T::Throttled, 429, msg("Too Many Requests")),
            // The status is documented; the body is not (no response type covers it, so the
            // generic 4xx one renders it).
            E::MethodArnTooLong => (T::Default4xx, 414, msg("Request URI too long")),
            E::Unauthorized(_) => (T::Unauthorized, 401, msg("Unauthorized")),
            E::AccessDenied { explicit: true } if kind == ApiKind::Rest => (
                T::AccessDenied,
                403,
                msg("User is not authorized to access this resource with an explicit deny"),
            ),
            E::AccessDenied { .. } if kind == ApiKind::Rest => (
                T::AccessDenied,
                403,
                msg("User is not authorized to access this resource"),
            ),
            E::AccessDenied { .. } => (T::AccessDenied, 403, msg("Forbidden")),
            E::AuthorizerConfiguration(_) => (T::AuthorizerConfigurationError, 500, None),
            E::IntegrationTimeout if kind == ApiKind::Http => {
                (T::IntegrationTimeout, 503, msg("Service Unavailable"))
            }
            E::IntegrationTimeout if kind == ApiKind::FunctionUrl => {
                (T::IntegrationTimeout, 502, msg("Internal Server Error"))
            }
            E::IntegrationTimeout => (
                T::IntegrationTimeout,
                504,
                msg("Endpoint request timed out"),
            ),
            E::IntegrationFailure(_)
            | E::InvocationRejected(_)
            | E::FunctionError(_)
            | E::MalformedProxyResponse(_)
                if kind == ApiKind::Http =>
            {
                (T::Default5xx, 500, msg("Internal Server Error"))
            }
            // A Function URL answers every failure of its function with 502.
            E::IntegrationFailure(_) | E::InvocationRejected(_) if kind == ApiKind::FunctionUrl => {
                (T::IntegrationFailure, 502, msg("Internal Server Error"))
            }
            // Failures to invoke are INTEGRATION_FAILURE (customisable as such). "If the Lambda
            // API rejects the invocation request, API Gateway returns a 500 ... If the function
            // runs but returns an error, or returns a response in the wrong format, API Gateway
            // returns a 502" (Lambda developer guide, "Handling Lambda errors with an API
            // Gateway API"); no usable answer at all is the 502 of an integration that failed.
            E::InvocationRejected(_) => (T::IntegrationFailure, 500, msg("Internal server error")),
            E::IntegrationFailure(_) => (T::IntegrationFailure, 502, msg("Internal server error")),
            E::FunctionError(_) | E::MalformedProxyResponse(_) => {
                (T::Default5xx, 502, msg("Internal server error"))
            }
            E::ApiConfiguration(_) | E::Template(_) => {
                (T::ApiConfigurationError, 500, msg("Internal server error"))
            }
            E::BadRequestParameters(names) => (
                T::BadRequestParameters,
                400,
                Some(Cow::Owned(format!(
                    "Missing required request parameters: [{}]",
                    names.join(", ")
                ))),
            ),
            E::BadRequestBody(_) => (T::BadRequestBody, 400, msg("Invalid request body")),
            E::UnsupportedMediaType => {
                (T::UnsupportedMediaType, 415, msg("Unsupported Media Type"))
            }
        };
        let validation_error = match self {
            E::BadRequestBody(detail) => Some(detail.clone()),
            _ => None,
        };
        Classified {
            response_type,
            status,
            message,
            validation_error,
        }
    }

    /// Whether the client caused it (logged at debug) rather than a dependency (logged at warn).
    pub fn is_client_error(&self) -> bool {
        matches!(
            self,
            GatewayError::NoRoute
                | GatewayError::BodyTooLarge
                | GatewayError::Throttled
                | GatewayError::MethodArnTooLong
                | GatewayError::Unauthorized(_)
                | GatewayError::AccessDenied { .. }
                | GatewayError::BadRequestParameters(_)
                | GatewayError::BadRequestBody(_)
                | GatewayError::UnsupportedMediaType
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_per_api_kind() {
        let rest = GatewayError::NoRoute.classify(ApiKind::Rest);
        assert_eq!(
            (rest.status, rest.response_type),
            (403, ResponseType::MissingAuthenticationToken)
        );
        assert_eq!(GatewayError::NoRoute.classify(ApiKind::Http).status, 404);
        let throttled = GatewayError::Throttled.classify(ApiKind::Rest);
        assert_eq!(
            (throttled.status, throttled.response_type),
            (429, ResponseType::Throttled)
        );
        assert_eq!(
            GatewayError::IntegrationTimeout
                .classify(ApiKind::Rest)
                .status,
            504
        );
        assert_eq!(
            GatewayError::IntegrationTimeout
                .classify(ApiKind::Http)
                .status,
            503
        );
        let f = GatewayError::FunctionError("x".into());
        assert_eq!(f.classify(ApiKind::Rest).status, 502);
        assert_eq!(f.classify(ApiKind::Http).status, 500);
        assert_eq!(f.classify(ApiKind::FunctionUrl).status, 502);
        let rejected = GatewayError::InvocationRejected("429".into());
        let c = rejected.classify(ApiKind::Rest);
        assert_eq!(
            (c.status, c.response_type),
            (500, ResponseType::IntegrationFailure)
        );
        assert_eq!(rejected.classify(ApiKind::Http).status, 500);
        assert_eq!(rejected.classify(ApiKind::FunctionUrl).status, 502);
        let failed = GatewayError::IntegrationFailure("reset".into()).classify(ApiKind::Rest);
        assert_eq!(
            (failed.status, failed.response_type),
            (502, ResponseType::IntegrationFailure)
        );
        assert_eq!(
            GatewayError::AuthorizerConfiguration("x".into())
                .classify(ApiKind::Rest)
                .message,
            None
        );
    }
}
