//! The gateway responses: every error the gateway itself answers, per API kind, in one table.
//!
//! REST APIs render them through API Gateway's gateway-response machinery (spec proxy-auth §10):
//! a response type with a default status and message, customisable per type or through
//! `DEFAULT_4XX` / `DEFAULT_5XX` in `api.gatewayResponses`. HTTP APIs and Function URLs have fixed
//! bodies (§6.2, §11). The byte-exact default bodies follow AWS's recorded spacing: the generic
//! 5xx bodies have a space after the colon (`{"message": "Internal server error"}`, 36 bytes),
//! the 4xx ones recorded from AWS are compact.

use crate::config::model::ApiKind;

/// API Gateway's gateway response types (REST `GatewayResponse.responseType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResponseType {
    /// 403, authorizer denied.
    AccessDenied,
    /// 500, invalid API configuration.
    ApiConfigurationError,
    /// 500, authorizer returned something API Gateway cannot use, or failed.
    AuthorizerConfigurationError,
    /// 500, the authorizer could not be called.
    AuthorizerFailure,
    /// 400, required request parameters missing.
    BadRequestParameters,
    /// 400, body failed the model.
    BadRequestBody,
    /// 504 (documented), integration failed.
    IntegrationFailure,
    /// 504, integration timed out.
    IntegrationTimeout,
    /// 403, API key missing or unknown.
    InvalidApiKey,
    /// 403, no route.
    MissingAuthenticationToken,
    /// 429, usage-plan quota exhausted.
    QuotaExceeded,
    /// 413, body over the limit.
    RequestTooLarge,
    /// 404 (HTTP APIs: no route).
    ResourceNotFound,
    /// 429, throttled.
    Throttled,
    /// 401, authorizer refused or identity missing.
    Unauthorized,
    /// 415, no template matched and passthrough not allowed.
    UnsupportedMediaType,
    /// Any other 4xx.
    Default4xx,
    /// Any other 5xx (also a malformed Lambda proxy response: 502).
    Default5xx,
}

impl ResponseType {
    /// Every type, for parsing configuration keys.
    pub const ALL: [ResponseType; 18] = [
        ResponseType::AccessDenied,
        ResponseType::ApiConfigurationError,
        ResponseType::AuthorizerConfigurationError,
        ResponseType::AuthorizerFailure,
        ResponseType::BadRequestParameters,
        ResponseType::BadRequestBody,
        ResponseType::IntegrationFailure,
        ResponseType::IntegrationTimeout,
        ResponseType::InvalidApiKey,
        ResponseType::MissingAuthenticationToken,
        ResponseType::QuotaExceeded,
        ResponseType::RequestTooLarge,
        ResponseType::ResourceNotFound,
        ResponseType::Throttled,
        ResponseType::Unauthorized,
        ResponseType::UnsupportedMediaType,
        ResponseType::Default4xx,
        ResponseType::Default5xx,
    ];

    /// The configuration name (`MISSING_AUTHENTICATION_TOKEN`), also `$context.error.responseType`.
    pub fn name(self) -> &'static str {
        match self {
            ResponseType::AccessDenied => "ACCESS_DENIED",
            ResponseType::ApiConfigurationError => "API_CONFIGURATION_ERROR",
            ResponseType::AuthorizerConfigurationError => "AUTHORIZER_CONFIGURATION_ERROR",
            ResponseType::AuthorizerFailure => "AUTHORIZER_FAILURE",
            ResponseType::BadRequestParameters => "BAD_REQUEST_PARAMETERS",
            ResponseType::BadRequestBody => "BAD_REQUEST_BODY",
            ResponseType::IntegrationFailure => "INTEGRATION_FAILURE",
            ResponseType::IntegrationTimeout => "INTEGRATION_TIMEOUT",
            ResponseType::InvalidApiKey => "INVALID_API_KEY",
            ResponseType::MissingAuthenticationToken => "MISSING_AUTHENTICATION_TOKEN",
            ResponseType::QuotaExceeded => "QUOTA_EXCEEDED",
            ResponseType::RequestTooLarge => "REQUEST_TOO_LARGE",
            ResponseType::ResourceNotFound => "RESOURCE_NOT_FOUND",
            ResponseType::Throttled => "THROTTLED",
            ResponseType::Unauthorized => "UNAUTHORIZED",
            ResponseType::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            ResponseType::Default4xx => "DEFAULT_4XX",
            ResponseType::Default5xx => "DEFAULT_5XX",
        }
    }

    /// Parses a configuration name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The default status of the type.
    pub fn default_status(self) -> u16 {
        match self {
            ResponseType::AccessDenied
            | ResponseType::InvalidApiKey
            | ResponseType::MissingAuthenticationToken => 403,
            ResponseType::ApiConfigurationError
            | ResponseType::AuthorizerConfigurationError
            | ResponseType::AuthorizerFailure
            | ResponseType::Default5xx => 500,
            ResponseType::BadRequestParameters
            | ResponseType::BadRequestBody
            | ResponseType::Default4xx => 400,
            ResponseType::IntegrationFailure | ResponseType::IntegrationTimeout => 504,
            ResponseType::QuotaExceeded | ResponseType::Throttled => 429,
            ResponseType::RequestTooLarge => 413,
            ResponseType::ResourceNotFound => 404,
            ResponseType::Unauthorized => 401,
            ResponseType::UnsupportedMediaType => 415,
        }
    }

    /// The `x-amzn-ErrorType` header value API Gateway sends with this type.
    pub fn error_type(self) -> &'static str {
        match self {
            ResponseType::AccessDenied => "AccessDeniedException",
            ResponseType::AuthorizerConfigurationError => "AuthorizerConfigurationException",
            ResponseType::AuthorizerFailure => "AuthorizerFailureException",
            ResponseType::BadRequestParameters
            | ResponseType::BadRequestBody
            | ResponseType::UnsupportedMediaType
            | ResponseType::Default4xx => "BadRequestException",
            ResponseType::InvalidApiKey => "ForbiddenException",
            ResponseType::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            ResponseType::QuotaExceeded => "LimitExceededException",
            ResponseType::RequestTooLarge => "RequestTooLargeException",
            ResponseType::ResourceNotFound => "ResourceNotFoundException",
            ResponseType::Throttled => "TooManyRequestsException",
            ResponseType::Unauthorized => "UnauthorizedException",
            ResponseType::ApiConfigurationError
            | ResponseType::IntegrationFailure
            | ResponseType::IntegrationTimeout
            | ResponseType::Default5xx => "InternalServerErrorException",
        }
    }

    /// Whether the type falls back to `DEFAULT_4XX` (else `DEFAULT_5XX`).
    pub fn is_4xx(self) -> bool {
        self.default_status() < 500
    }
}

/// An error message as `$context.error.message` holds it (`None` renders `null`).
pub type ErrorMessage = Option<std::borrow::Cow<'static, str>>;

/// The built-in REST body for a type and message, byte-exact with AWS's defaults.
pub fn rest_default_body(ty: ResponseType, message: &ErrorMessage) -> String {
    match (ty, message) {
        (ResponseType::AccessDenied, Some(m)) => format!("{{\"Message\":{}}}", json_string(m)),
        (_, None) => "{\"message\": null}".to_string(),
        (
            ResponseType::MissingAuthenticationToken
            | ResponseType::Unauthorized
            | ResponseType::InvalidApiKey
            | ResponseType::Throttled
            | ResponseType::QuotaExceeded,
            Some(m),
        ) => format!("{{\"message\":{}}}", json_string(m)),
        (_, Some(m)) => format!("{{\"message\": {}}}", json_string(m)),
    }
}

/// The fixed HTTP API body for a status (`{"message":"Not Found"}` ...).
pub fn http_api_body(status: u16) -> &'static str {
    match status {
        400 => "{\"message\":\"Bad Request\"}",
        401 => "{\"message\":\"Unauthorized\"}",
        403 => "{\"message\":\"Forbidden\"}",
        404 => "{\"message\":\"Not Found\"}",
        413 => "{\"message\":\"Request Entity Too Large\"}",
        429 => "{\"message\":\"Too Many Requests\"}",
        503 => "{\"message\":\"Service Unavailable\"}",
        504 => "{\"message\":\"Gateway Timeout\"}",
        _ => "{\"message\":\"Internal Server Error\"}",
    }
}

/// JSON string literal for `s` (quotes included), as `$context.error.messageString` renders.
pub fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// Which family of fixed bodies an API kind uses.
pub fn uses_gateway_responses(kind: ApiKind) -> bool {
    kind == ApiKind::Rest
}

/// `api.gatewayResponses`, compiled: the customised types (empty by default).
#[derive(Debug, Default)]
pub struct GatewayResponses {
    /// Customised types in configuration order.
    pub custom: Vec<(ResponseType, GatewayResponseSpec)>,
}

impl GatewayResponses {
    /// The customisation that applies to `ty`: its own, else `DEFAULT_4XX` / `DEFAULT_5XX`.
    pub fn lookup(&self, ty: ResponseType) -> Option<&GatewayResponseSpec> {
        let find = |t: ResponseType| self.custom.iter().find(|(c, _)| *c == t).map(|(_, s)| s);
        find(ty).or_else(|| {
            find(if ty.is_4xx() {
                ResponseType::Default4xx
            } else {
                ResponseType::Default5xx
            })
        })
    }
}

/// One customised gateway response.
#[derive(Debug)]
pub struct GatewayResponseSpec {
    /// `statusCode`, overriding the type's status.
    pub status: Option<u16>,
    /// `responseParameters`: `gatewayresponse.header.X` -> source expression (`'literal'`,
    /// `method.request.header.X`, `method.request.querystring.X`, `method.request.path.X`,
    /// `stageVariables.X`, `context.X`), in configuration order.
    pub headers: Vec<(String, String)>,
    /// `responseTemplates`: content type -> compiled template, in configuration order.
    pub templates: Vec<(String, crate::vtl::Template)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_bodies_are_byte_exact() {
        let msg = |s: &'static str| Some(std::borrow::Cow::Borrowed(s));
        assert_eq!(
            rest_default_body(ResponseType::Default5xx, &msg("Internal server error")).len(),
            36
        );
        assert_eq!(
            rest_default_body(
                ResponseType::MissingAuthenticationToken,
                &msg("Missing Authentication Token")
            ),
            "{\"message\":\"Missing Authentication Token\"}"
        );
        assert_eq!(
            rest_default_body(ResponseType::AuthorizerConfigurationError, &None),
            "{\"message\": null}"
        );
        assert_eq!(
            rest_default_body(
                ResponseType::AccessDenied,
                &msg("User is not authorized to access this resource")
            ),
            "{\"Message\":\"User is not authorized to access this resource\"}"
        );
    }

    #[test]
    fn names_round_trip_and_fallbacks_apply() {
        for t in ResponseType::ALL {
            assert_eq!(ResponseType::from_name(t.name()), Some(t));
        }
        let g = GatewayResponses {
            custom: vec![(
                ResponseType::Default4xx,
                GatewayResponseSpec {
                    status: None,
                    headers: vec![],
                    templates: vec![],
                },
            )],
        };
        assert!(g.lookup(ResponseType::MissingAuthenticationToken).is_some());
        assert!(g.lookup(ResponseType::IntegrationTimeout).is_none());
    }
}
