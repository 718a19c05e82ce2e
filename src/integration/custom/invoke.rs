//! Calling the backend of a custom integration: the function through the shared
//! [`Invoker`] (Invoke API / RIE or Function URL; function errors detected by the lambda
//! module's rules), or the mock. Yields an [`IntegrationOutcome`] for the response side.

use std::borrow::Cow;

use bytes::Bytes;

use crate::config::model::{CustomBackend, CustomIntegration};
use crate::gateway::context::RequestCtx;
use crate::gateway::error::GatewayError;
use crate::lambda::{Invocation, InvokeError, Invoker};

/// What the backend answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntegrationOutcome {
    /// The function's result, as Lambda returned it (JSON text, byte-exact).
    Result(Bytes),
    /// The function failed: the error payload and its `errorMessage` (the selection input).
    FunctionError {
        /// `{"errorMessage": ..., "errorType": ..., "stackTrace": [...]}` as returned.
        payload: Bytes,
        /// The `errorMessage`, when the payload has one.
        message: Option<String>,
    },
    /// A MOCK integration's status code (from the request template's `statusCode`).
    Mock {
        /// The status code, matched against selection patterns as text.
        status: u16,
    },
}

impl IntegrationOutcome {
    /// Sorts an invocation into result / function error.
    pub fn from_invocation(inv: Invocation) -> IntegrationOutcome {
        if inv.is_error() {
            let message = inv.error_message().map(Cow::into_owned);
            IntegrationOutcome::FunctionError {
                payload: inv.payload,
                message,
            }
        } else {
            IntegrationOutcome::Result(inv.payload)
        }
    }

    /// The MOCK outcome for a rendered MOCK request body; an unusable `statusCode` is the
    /// configuration error API Gateway reports as 500.
    pub fn mock(payload: &[u8]) -> Result<IntegrationOutcome, GatewayError> {
        super::mock::status_code(payload)
            .map(|status| IntegrationOutcome::Mock { status })
            .ok_or_else(|| {
                GatewayError::ApiConfiguration(
                    "MOCK: unable to parse statusCode; it should be an integer defined in the request template".into(),
                )
            })
    }

    /// The integration response body before templates: the result or error payload; empty for
    /// a mock (mapping.md §6.2).
    pub fn body(&self) -> Bytes {
        match self {
            IntegrationOutcome::Result(b)
            | IntegrationOutcome::FunctionError { payload: b, .. } => b.clone(),
            IntegrationOutcome::Mock { .. } => Bytes::new(),
        }
    }

    /// Whether this is a function error.
    pub fn is_error(&self) -> bool {
        matches!(self, IntegrationOutcome::FunctionError { .. })
    }
}

/// The gateway error for a failed call in a custom integration: a timeout is 504
/// (`Endpoint request timed out`); anything else (permissions, missing function, throttling,
/// unreachable endpoint, Lambda refusing the payload) is API Gateway's 500
/// `Internal server error` (mapping.md §6.7), unlike proxy integrations' 502. A refusal by the
/// Lambda service keeps its `INTEGRATION_FAILURE` type, as for proxy integrations.
pub fn invoke_error(e: &InvokeError) -> GatewayError {
    match e.to_gateway_error() {
        mapped @ (GatewayError::IntegrationTimeout | GatewayError::InvocationRejected(_)) => mapped,
        _ => GatewayError::ApiConfiguration(e.to_string()),
    }
}

/// How the function is invoked: the integration request header `X-Amz-Invocation-Type` that
/// `requestParameters` (or a template's override) mapped, `RequestResponse` when none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvocationType {
    /// Wait for the result (the default).
    RequestResponse,
    /// Queue the event: Lambda answers 202 with no body, the function runs on its own.
    Event,
    /// Check the call without running the function: Lambda answers 204 with no body.
    DryRun,
}

impl InvocationType {
    /// The Invoke API's status for a call of this type that Lambda accepted.
    pub fn accepted_status(self) -> u16 {
        match self {
            InvocationType::RequestResponse => 200,
            InvocationType::Event => 202,
            InvocationType::DryRun => 204,
        }
    }

    /// The type the integration request `headers` ask for; a value Lambda does not know is the
    /// invalid-parameter error API Gateway turns into a 500.
    pub fn of(headers: &[(String, String)]) -> Result<InvocationType, GatewayError> {
        let Some((_, v)) = headers
            .iter()
            .rev()
            .find(|(n, _)| n.eq_ignore_ascii_case("x-amz-invocation-type"))
        else {
            return Ok(InvocationType::RequestResponse);
        };
        // Lambda's values are case-sensitive.
        match v.as_str() {
            "RequestResponse" => Ok(InvocationType::RequestResponse),
            "Event" => Ok(InvocationType::Event),
            "DryRun" => Ok(InvocationType::DryRun),
            other => Err(GatewayError::ApiConfiguration(format!(
                "X-Amz-Invocation-Type {other:?} is not RequestResponse, Event or DryRun"
            ))),
        }
    }
}

/// Calls the backend with the mapped `payload`: the mock answers at once; a function is
/// invoked within the integration's timeout, counted from `started` (the caller's clock read for
/// the call's integration latency), or as `invocation` asks: an `Event` is started and answered
/// at once with an empty result, a `DryRun` calls nothing.
pub async fn call(
    invoker: &Invoker,
    ctx: &RequestCtx,
    integ: &CustomIntegration,
    payload: Bytes,
    started: std::time::Instant,
    invocation: InvocationType,
) -> Result<IntegrationOutcome, GatewayError> {
    match integ.backend {
        CustomBackend::Mock => IntegrationOutcome::mock(&payload),
        CustomBackend::Lambda(id) if invocation == InvocationType::Event => invoker
            .invoke_event(
                ctx.api.clone(),
                id,
                payload,
                integ.timeout,
                ctx.trace.clone(),
            )
            .map(|()| IntegrationOutcome::Result(Bytes::new()))
            .map_err(|e| invoke_error(&e)),
        CustomBackend::Lambda(_) if invocation == InvocationType::DryRun => {
            Ok(IntegrationOutcome::Result(Bytes::new()))
        }
        CustomBackend::Lambda(id) => {
            let function = ctx.api.function(id);
            match invoker
                .invoke_since(started, function, payload, integ.timeout, &ctx.trace)
                .await
            {
                Ok(inv) => Ok(IntegrationOutcome::from_invocation(inv)),
                Err(e) => Err(invoke_error(&e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::config::model::ApiKind;
    use crate::lambda::FunctionErrorKind;

    #[test]
    fn invocation_type_from_the_mapped_header() {
        let h = |v: &str| vec![("x-amz-INVOCATION-type".to_string(), v.to_string())];
        assert_eq!(
            InvocationType::of(&[]).unwrap(),
            InvocationType::RequestResponse
        );
        assert_eq!(
            InvocationType::of(&h("Event")).unwrap(),
            InvocationType::Event
        );
        assert_eq!(
            InvocationType::of(&h("DryRun")).unwrap(),
            InvocationType::DryRun
        );
        assert_eq!(
            InvocationType::of(&h("RequestResponse")).unwrap(),
            InvocationType::RequestResponse
        );
        assert!(InvocationType::of(&h("event")).is_err());
        // The last mapping wins (a template override comes after `requestParameters`).
        let mut two = h("Event");
        two.push(("X-Amz-Invocation-Type".into(), "RequestResponse".into()));
        assert_eq!(
            InvocationType::of(&two).unwrap(),
            InvocationType::RequestResponse
        );
    }

    #[test]
    fn invocations_become_outcomes() {
        let ok = Invocation {
            payload: Bytes::from_static(b"\"Pass\""),
            function_error: None,
        };
        assert_eq!(
            IntegrationOutcome::from_invocation(ok),
            IntegrationOutcome::Result(Bytes::from_static(b"\"Pass\""))
        );
        let err = Invocation {
            payload: Bytes::from_static(b"{\"errorMessage\":\"boom\",\"errorType\":\"E\"}"),
            function_error: Some(FunctionErrorKind::Unhandled),
        };
        let o = IntegrationOutcome::from_invocation(err);
        assert!(o.is_error());
        let IntegrationOutcome::FunctionError { message, .. } = o else {
            panic!()
        };
        assert_eq!(message.as_deref(), Some("boom"));
    }

    #[test]
    fn invoke_failures_map_to_500_and_timeouts_to_504() {
        let status = |e: InvokeError| invoke_error(&e).classify(ApiKind::Rest).status;
        assert_eq!(status(InvokeError::Timeout), 504);
        assert_eq!(status(InvokeError::Connect("refused".into())), 500);
        let throttled = InvokeError::Service {
            status: 429,
            error_type: Some("TooManyRequestsException".into()),
        };
        assert_eq!(
            invoke_error(&throttled)
                .classify(ApiKind::Rest)
                .response_type,
            crate::gateway::responses::ResponseType::IntegrationFailure
        );
        assert_eq!(
            status(InvokeError::Service {
                status: 400,
                error_type: Some("InvalidRequestContentException".into())
            }),
            500
        );
        assert!(IntegrationOutcome::mock(b"{}").is_err());
        assert_eq!(
            IntegrationOutcome::mock(b"{\"statusCode\": 204}").unwrap(),
            IntegrationOutcome::Mock { status: 204 }
        );
    }
}
