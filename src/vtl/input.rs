//! What the gateway hands a render: the raw body, the method request's parameters, the
//! `$context` values and the stage variables. Plain owned data, filled once per request and
//! borrowed by every template render of that request.

/// Whether `$input.params` hides this header.
pub fn is_hidden_header(name: &str) -> bool {
    crate::message::headers::is_dropped_by_api_gateway(name.as_bytes())
}

/// Method request parameters as ordered name -> value lists (the order templates iterate).
#[derive(Debug, Clone, Default)]
pub struct RequestParams {
    /// Path parameters (URL-decoded).
    pub path: Vec<(String, String)>,
    /// Query string parameters (decoded; last value wins).
    pub querystring: Vec<(String, String)>,
    /// Headers as sent (names keep their case; lookup is case-insensitive).
    pub header: Vec<(String, String)>,
}

impl RequestParams {
    /// Adds a path parameter.
    pub fn push_path(&mut self, name: impl Into<String>, value: impl Into<String>) {
        set_last_wins(&mut self.path, name.into(), value.into(), false);
    }

    /// Adds a query parameter (a repeated name replaces the earlier value).
    pub fn push_query(&mut self, name: impl Into<String>, value: impl Into<String>) {
        set_last_wins(&mut self.querystring, name.into(), value.into(), false);
    }

    /// Adds a header unless API Gateway hides it; a repeated name replaces the earlier value.
    pub fn push_header(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        if is_hidden_header(&name) {
            return;
        }
        set_last_wins(&mut self.header, name, value.into(), true);
    }

    /// `$input.params(name)`: path, then querystring, then header (case-insensitive).
    pub fn lookup(&self, name: &str) -> Option<&str> {
        find(&self.path, name, false)
            .or_else(|| find(&self.querystring, name, false))
            .or_else(|| find(&self.header, name, true))
    }
}

fn find<'a>(list: &'a [(String, String)], name: &str, ci: bool) -> Option<&'a str> {
    list.iter()
        .find(|(k, _)| {
            if ci {
                k.eq_ignore_ascii_case(name)
            } else {
                k == name
            }
        })
        .map(|(_, v)| v.as_str())
}

fn set_last_wins(list: &mut Vec<(String, String)>, name: String, value: String, ci: bool) {
    let hit = list.iter_mut().find(|(k, _)| {
        if ci {
            k.eq_ignore_ascii_case(&name)
        } else {
            *k == name
        }
    });
    match hit {
        Some(slot) => slot.1 = value,
        None => list.push((name, value)),
    }
}

/// `$context.identity.*` (absent values are null and render empty).
#[derive(Debug, Clone, Default)]
#[allow(missing_docs)]
pub struct Identity {
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    pub api_key: Option<String>,
    pub api_key_id: Option<String>,
    pub account_id: Option<String>,
    pub caller: Option<String>,
    pub user: Option<String>,
    pub user_arn: Option<String>,
    pub access_key: Option<String>,
    pub cognito_authentication_type: Option<String>,
    pub cognito_authentication_provider: Option<String>,
    pub cognito_identity_id: Option<String>,
    pub cognito_identity_pool_id: Option<String>,
    pub principal_org_id: Option<String>,
}

/// `$context.identity` keys in the order AWS iterates them (mapping.md §4.3).
pub(crate) const IDENTITY_KEYS: [&str; 14] = [
    "cognitoIdentityPoolId",
    "accountId",
    "cognitoIdentityId",
    "caller",
    "sourceIp",
    "principalOrgId",
    "accessKey",
    "cognitoAuthenticationType",
    "cognitoAuthenticationProvider",
    "userArn",
    "userAgent",
    "user",
    // Only listed by keySet() when set (API-key methods).
    "apiKey",
    "apiKeyId",
];

impl Identity {
    /// Field by its template name.
    pub fn get(&self, key: &str) -> Option<&str> {
        let v = match key {
            "sourceIp" => &self.source_ip,
            "userAgent" => &self.user_agent,
            "apiKey" => &self.api_key,
            "apiKeyId" => &self.api_key_id,
            "accountId" => &self.account_id,
            "caller" => &self.caller,
            "user" => &self.user,
            "userArn" => &self.user_arn,
            "accessKey" => &self.access_key,
            "cognitoAuthenticationType" => &self.cognito_authentication_type,
            "cognitoAuthenticationProvider" => &self.cognito_authentication_provider,
            "cognitoIdentityId" => &self.cognito_identity_id,
            "cognitoIdentityPoolId" => &self.cognito_identity_pool_id,
            "principalOrgId" => &self.principal_org_id,
            _ => return None,
        };
        v.as_deref()
    }

    /// Mutable field by template name (for filling from JSON).
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Option<String>> {
        Some(match key {
            "sourceIp" => &mut self.source_ip,
            "userAgent" => &mut self.user_agent,
            "apiKey" => &mut self.api_key,
            "apiKeyId" => &mut self.api_key_id,
            "accountId" => &mut self.account_id,
            "caller" => &mut self.caller,
            "user" => &mut self.user,
            "userArn" => &mut self.user_arn,
            "accessKey" => &mut self.access_key,
            "cognitoAuthenticationType" => &mut self.cognito_authentication_type,
            "cognitoAuthenticationProvider" => &mut self.cognito_authentication_provider,
            "cognitoIdentityId" => &mut self.cognito_identity_id,
            "cognitoIdentityPoolId" => &mut self.cognito_identity_pool_id,
            "principalOrgId" => &mut self.principal_org_id,
            _ => return None,
        })
    }
}

/// `$context.authorizer` (present only when an authorizer ran).
#[derive(Debug, Clone, Default)]
pub struct Authorizer {
    /// `$context.authorizer.principalId`.
    pub principal_id: Option<String>,
    /// Authorizer `context` entries, already stringified, in order.
    pub entries: Vec<(String, String)>,
    /// Cognito claims (`$context.authorizer.claims.<claim>`).
    pub claims: Vec<(String, String)>,
}

/// `$context.error.*` (gateway-response templates).
#[derive(Debug, Clone, Default)]
#[allow(missing_docs)]
pub struct ErrorContext {
    pub message: Option<String>,
    pub message_string: Option<String>,
    pub response_type: Option<String>,
    pub validation_error_string: Option<String>,
}

impl ErrorContext {
    /// Field by template name.
    pub fn get(&self, key: &str) -> Option<&str> {
        match key {
            "message" => self.message.as_deref(),
            "messageString" => self.message_string.as_deref(),
            "responseType" => self.response_type.as_deref(),
            "validationErrorString" => self.validation_error_string.as_deref(),
            _ => None,
        }
    }
}

/// Every `$context` value of a REST API mapping template (mapping.md §4.3).
#[derive(Debug, Clone, Default)]
#[allow(missing_docs)]
pub struct ContextValues {
    pub request_id: String,
    pub extended_request_id: String,
    pub request_time: String,
    pub request_time_epoch: i64,
    pub http_method: String,
    pub resource_path: String,
    pub resource_id: String,
    pub path: String,
    pub stage: String,
    pub account_id: String,
    pub api_id: String,
    pub domain_name: String,
    pub domain_prefix: String,
    pub deployment_id: String,
    pub protocol: String,
    pub identity: Identity,
    pub authorizer: Option<Authorizer>,
    pub error: Option<ErrorContext>,
}

/// Top-level `$context` keys in AWS's `keySet()` order; `authorizer`/`error` follow when set.
pub(crate) const CONTEXT_KEYS: [&str; 18] = [
    "resourceId",
    "resourcePath",
    "httpMethod",
    "extendedRequestId",
    "requestTime",
    "path",
    "accountId",
    "protocol",
    "requestOverride",
    "stage",
    "domainPrefix",
    "requestTimeEpoch",
    "requestId",
    "identity",
    "domainName",
    "deploymentId",
    "responseOverride",
    "apiId",
];

impl ContextValues {
    /// A plain string field by template name (`None` for non-string or unknown keys).
    pub fn string_field(&self, key: &str) -> Option<&str> {
        Some(match key {
            "requestId" => &self.request_id,
            "extendedRequestId" => &self.extended_request_id,
            "requestTime" => &self.request_time,
            "httpMethod" => &self.http_method,
            "resourcePath" => &self.resource_path,
            "resourceId" => &self.resource_id,
            "path" => &self.path,
            "stage" => &self.stage,
            "accountId" => &self.account_id,
            "apiId" => &self.api_id,
            "domainName" => &self.domain_name,
            "domainPrefix" => &self.domain_prefix,
            "deploymentId" => &self.deployment_id,
            "protocol" => &self.protocol,
            _ => return None,
        })
    }

    /// Mutable string field by template name (for filling from JSON).
    pub fn string_field_mut(&mut self, key: &str) -> Option<&mut String> {
        Some(match key {
            "requestId" => &mut self.request_id,
            "extendedRequestId" => &mut self.extended_request_id,
            "requestTime" => &mut self.request_time,
            "httpMethod" => &mut self.http_method,
            "resourcePath" => &mut self.resource_path,
            "resourceId" => &mut self.resource_id,
            "path" => &mut self.path,
            "stage" => &mut self.stage,
            "accountId" => &mut self.account_id,
            "apiId" => &mut self.api_id,
            "domainName" => &mut self.domain_name,
            "domainPrefix" => &mut self.domain_prefix,
            "deploymentId" => &mut self.deployment_id,
            "protocol" => &mut self.protocol,
            _ => return None,
        })
    }
}

/// Everything one render reads. Borrowed: the gateway keeps the data for the whole request.
#[derive(Debug, Clone, Copy)]
pub struct RenderInput<'a> {
    /// Raw body bytes (method request body, or the integration response body for response
    /// templates). Parsed as JSON only if the template reads it, at most once per render.
    pub body: &'a [u8],
    /// Method request parameters (also what response templates see).
    pub params: &'a RequestParams,
    /// `$context`.
    pub context: &'a ContextValues,
    /// `$stageVariables`, in order.
    pub stage_variables: &'a [(String, String)],
}
