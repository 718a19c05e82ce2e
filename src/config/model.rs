//! The compiled, immutable configuration snapshot: what the request path reads.
//!
//! `config::compile` turns the raw YAML mirror into these types once, at load; every later phase
//! only reads them through an `Arc<Api>` (no locks, no re-parsing, no per-request lookups by name:
//! routes, functions and authorizers refer to each other by index).

use std::net::SocketAddr;
use std::time::Duration;

use crate::config::media::MediaTypes;

/// Everything a running apigate needs: listeners, server limits and the API snapshot.
#[derive(Debug)]
pub struct Config {
    /// Client traffic listener (`listen`).
    pub listen: SocketAddr,
    /// Admin listener (`admin`): `/metrics`, `/healthz`, `/readyz`; `None` disables it.
    pub admin: Option<SocketAddr>,
    /// Connection-level limits and timeouts (`server`).
    pub server: ServerSettings,
    /// The API served on `listen`.
    pub api: std::sync::Arc<Api>,
    /// `logging`: format and default level of apigate's own logs.
    pub logging: crate::telemetry::LogSettings,
    /// `metrics.enabled`: whether requests are recorded in the Prometheus metrics.
    pub metrics_enabled: bool,
}

/// Connection-level protections (`server` key; all optional with these defaults).
#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// Request body limit; API Gateway's payload quota is 10 MB (10485760 bytes) -> 413.
    pub max_body_bytes: usize,
    /// Limit of the request line plus headers; API Gateway allows 10240 bytes of header values.
    pub max_header_bytes: usize,
    /// Most header fields in one request.
    pub max_headers: usize,
    /// Time a client has to send a complete request head once it started (slowloris guard).
    pub header_read_timeout: Duration,
    /// Time a client has to send the whole body.
    pub body_read_timeout: Duration,
    /// How long an idle keep-alive connection is kept open.
    pub idle_timeout: Duration,
    /// Most client connections served at once; further accepts wait.
    pub max_connections: usize,
    /// On SIGTERM/SIGINT, how long in-flight requests may take before connections are dropped.
    pub shutdown_grace: Duration,
    /// Connection-serving worker threads (`server::Workers`); `None`: one per CPU the process
    /// may use.
    pub worker_threads: Option<usize>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            max_body_bytes: 10 * 1024 * 1024,
            max_header_bytes: 16 * 1024,
            max_headers: 200,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(60),
            max_connections: 10_000,
            shutdown_grace: Duration::from_secs(30),
            worker_threads: None,
        }
    }
}

/// `api.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKind {
    /// API Gateway REST API (v1).
    Rest,
    /// API Gateway HTTP API (v2).
    Http,
    /// A Lambda Function URL in front of one function.
    FunctionUrl,
}

/// The compiled API: routes, functions, authorizers, stage settings.
#[derive(Debug)]
pub struct Api {
    /// REST, HTTP or FUNCTION_URL semantics.
    pub kind: ApiKind,
    /// `api.id`: `$context.apiId`, `requestContext.apiId`, part of the methodArn.
    pub id: String,
    /// `api.accountId`.
    pub account_id: String,
    /// `api.region`.
    pub region: String,
    /// `api.stage` (`$default` allowed for HTTP APIs).
    pub stage: String,
    /// `api.stagePrefix`: REST paths are served under `/{stage}/...`.
    pub stage_prefix: bool,
    /// `api.stageVariables`, in file order.
    pub stage_variables: Vec<(String, String)>,
    /// `api.binaryMediaTypes`, compiled.
    pub binary_media_types: MediaTypes,
    /// The default `domainName` when the client sent no Host:
    /// `{id}.execute-api.{region}.amazonaws.com`, or `{id}.lambda-url.{region}.on.aws`.
    pub default_domain: String,
    /// An opaque id of this deployment (`requestContext.deploymentId`), new at every load.
    pub deployment_id: String,
    /// Routes in file order; the router refers to them by index.
    pub routes: Vec<Route>,
    /// The routing table over `routes`, built once after them (`Router::empty()` until then).
    pub router: crate::gateway::router::Router,
    /// Lambda functions by index (`functions` in file order).
    pub functions: Vec<Function>,
    /// Authorizers by index (`authorizers` in file order).
    pub authorizers: Vec<Authorizer>,
    /// `api.gatewayResponses`, compiled.
    pub gateway_responses: crate::gateway::responses::GatewayResponses,
    /// `api.accessLogSettings.format`, compiled; `None` = access logging off.
    pub access_log: Option<crate::access_log::AccessLogFormat>,
    /// `api.throttle`: the stage's default method throttling; `None` = not throttled.
    pub throttle: Option<Throttle>,
}

/// A token bucket's limits (`api.throttle`): `rate_limit` tokens per second refill a bucket of
/// `burst_limit` tokens; each request takes one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Throttle {
    /// `rateLimit`, requests per second (steady state), finite and >= 0.
    pub rate_limit: f64,
    /// `burstLimit`, the bucket's capacity.
    pub burst_limit: u64,
}

impl Api {
    /// The route at `index`.
    pub fn route(&self, index: RouteId) -> &Route {
        &self.routes[index.0]
    }

    /// The function at `index`.
    pub fn function(&self, index: FunctionId) -> &Function {
        &self.functions[index.0]
    }

    /// The authorizer at `index`.
    pub fn authorizer(&self, index: AuthorizerId) -> &Authorizer {
        &self.authorizers[index.0]
    }
}

/// Index of a route in [`Api::routes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RouteId(pub usize);
/// Index of a function in [`Api::functions`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FunctionId(pub usize);
/// Index of an authorizer in [`Api::authorizers`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuthorizerId(pub usize);

/// A route method: one method, or `ANY`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteMethod {
    /// `ANY`: DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT.
    Any,
    /// One method.
    One(http::Method),
}

/// One route (REST: a resource + method; HTTP API: a route key).
#[derive(Debug)]
pub struct Route {
    /// The path template as configured: `/pets/{id}`, `/{proxy+}`, `/`, or `$default`.
    pub path: String,
    /// The method, or `ANY`.
    pub method: RouteMethod,
    /// HTTP API route key: `GET /pets/{id}`, `ANY /{proxy+}` or `$default`.
    pub route_key: String,
    /// Opaque resource id (`requestContext.resourceId`), stable for a path.
    pub resource_id: String,
    /// The route's authorizer, if any.
    pub authorizer: Option<AuthorizerId>,
    /// `apiKeyRequired`.
    pub api_key_required: bool,
    /// What the route calls.
    pub integration: Integration,
    /// REST method request settings: validator, declared parameters, models (empty otherwise).
    pub method_request: MethodRequest,
}

/// `integration`.
#[derive(Debug)]
pub enum Integration {
    /// `AWS_PROXY`: Lambda proxy integration.
    Proxy(ProxyIntegration),
    /// `AWS` (Lambda custom, non-proxy) or `MOCK`: mapping templates and integration responses.
    Custom(CustomIntegration),
}

/// A Lambda proxy integration.
#[derive(Debug)]
pub struct ProxyIntegration {
    /// The function called.
    pub function: FunctionId,
    /// Event format (REST is always 1.0; HTTP APIs default to 2.0; Function URLs use 2.0).
    pub payload_format: PayloadFormat,
    /// `timeoutInMillis` (integration, else the function's, else 29 s).
    pub timeout: Duration,
}

/// `payloadFormatVersion`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadFormat {
    /// "1.0"
    V1,
    /// "2.0"
    V2,
}

/// A Lambda function and how it is reached.
#[derive(Debug)]
pub struct Function {
    /// The key under `functions`.
    pub name: String,
    /// Invoke API URL or Function URL.
    pub target: FunctionTarget,
    /// `timeoutInMillis` default for integrations using this function.
    pub timeout: Option<Duration>,
}

/// Where a function is reached.
#[derive(Debug, Clone)]
pub enum FunctionTarget {
    /// `invokeUrl`: the Lambda Invoke API (AWS's endpoint or a Runtime Interface Emulator).
    InvokeUrl(http::Uri),
    /// `functionUrl`: a Lambda Function URL (builds its own event).
    FunctionUrl(http::Uri),
}

/// A Lambda authorizer.
#[derive(Debug)]
pub struct Authorizer {
    /// The key under `authorizers`.
    pub name: String,
    /// TOKEN or REQUEST.
    pub kind: AuthorizerKind,
    /// The authorizer function.
    pub function: FunctionId,
    /// Identity sources in configured order (TOKEN: exactly one header).
    pub identity_sources: Vec<IdentitySource>,
    /// `identityValidationExpression` (TOKEN only), a full-match Java regex.
    pub validation: Option<regex::Regex>,
    /// `authorizerResultTtlInSeconds`; zero disables caching.
    pub ttl: Duration,
    /// `authorizerCacheMaxEntries` (apigate's own key): most cached results kept for this
    /// authorizer; default [`DEFAULT_AUTHORIZER_CACHE_MAX_ENTRIES`].
    pub cache_max_entries: u64,
    /// HTTP APIs: `authorizerPayloadFormatVersion`.
    pub payload_format: PayloadFormat,
    /// HTTP APIs: `enableSimpleResponses`.
    pub simple_responses: bool,
    /// The authorizer call's timeout (API Gateway: 10 s for HTTP APIs; the function's otherwise).
    pub timeout: Duration,
}

/// Default of `authorizerCacheMaxEntries`: bounds the memory of one authorizer's result cache.
pub const DEFAULT_AUTHORIZER_CACHE_MAX_ENTRIES: u64 = 10_000;

/// `type` of an authorizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizerKind {
    /// Identity is one header value.
    Token,
    /// Identity is a list of request values.
    Request,
}

/// One identity source expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentitySource {
    /// `method.request.header.X` / `$request.header.X` (case-insensitive).
    Header(String),
    /// `method.request.querystring.X` / `$request.querystring.X` (case-sensitive).
    Query(String),
    /// `stageVariables.X` / `$stageVariables.X`.
    StageVariable(String),
    /// `context.X` / `$context.X`.
    Context(String),
}

/// An `AWS` (Lambda custom) or `MOCK` integration, compiled (mapping.md §2, §5, §6).
#[derive(Debug)]
pub struct CustomIntegration {
    /// What answers: a function, or the mock (no backend call).
    pub backend: CustomBackend,
    /// `timeoutInMillis` (integration, else the function's, else 29 s). Unused for MOCK.
    pub timeout: Duration,
    /// `requestParameters`, in configuration order.
    pub request_parameters: Vec<RequestParameter>,
    /// `requestTemplates`: content type (exact, case-sensitive key) -> template, in
    /// configuration order. `None` marks a template written as an empty string: it counts as
    /// "matched" for the passthrough decision but the body passes through unchanged.
    pub request_templates: Vec<(String, Option<crate::vtl::Template>)>,
    /// `passthroughBehavior` (default `WHEN_NO_MATCH`).
    pub passthrough: PassthroughBehavior,
    /// `contentHandling` of the integration request.
    pub content_handling: Option<ContentHandling>,
    /// Integration responses in selection order: every response with a selection pattern,
    /// sorted by ascending status code then configuration order (the spec's tie-breaking:
    /// the smallest status among several matches wins), then the default response, if any.
    pub responses: Vec<IntegrationResponse>,
}

impl CustomIntegration {
    /// The default integration response (no `selectionPattern`, or `default` / `""`).
    pub fn default_response(&self) -> Option<&IntegrationResponse> {
        self.responses.iter().find(|r| r.pattern.is_none())
    }
}

/// The backend of a custom integration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomBackend {
    /// `type: AWS`: the function is invoked with the mapped payload.
    Lambda(FunctionId),
    /// `type: MOCK`: nothing is called; the request template's `statusCode` selects the response.
    Mock,
}

/// `passthroughBehavior` (mapping.md §5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PassthroughBehavior {
    /// Pass the body through when no template matches the Content-Type.
    #[default]
    WhenNoMatch,
    /// Pass through only when no templates are defined at all; otherwise 415.
    WhenNoTemplates,
    /// Never pass through: 415 when no template matches.
    Never,
}

/// `contentHandling` (mapping.md §5.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentHandling {
    /// Binary payloads are base64-encoded into text.
    ConvertToText,
    /// Text payloads are base64-decoded into bytes.
    ConvertToBinary,
}

/// One `requestParameters` entry: `integration.request.{header|querystring|path}.NAME` <- source.
#[derive(Debug, Clone)]
pub struct RequestParameter {
    /// Where the value goes.
    pub target: RequestParamTarget,
    /// The target's name (header names keep their case).
    pub name: String,
    /// Where the value comes from.
    pub source: crate::integration::custom::params::ParamSource,
}

/// The location of an integration request parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestParamTarget {
    /// `integration.request.header.NAME`.
    Header,
    /// `integration.request.querystring.NAME`.
    QueryString,
    /// `integration.request.path.NAME`.
    Path,
}

/// One integration response (`responses.PATTERN`).
#[derive(Debug)]
pub struct IntegrationResponse {
    /// The key as written (`default`, or the pattern), for logs.
    pub key: String,
    /// `selectionPattern` (a Java regex matched against the whole error message); `None` for the
    /// default response.
    pub pattern: Option<crate::vtl::java_regex::JavaRegex>,
    /// `statusCode` of the method response.
    pub status: u16,
    /// `responseParameters`: `method.response.header.NAME` <- source, in configuration order.
    pub response_parameters: Vec<(String, crate::integration::custom::params::ParamSource)>,
    /// `responseTemplates`: content type -> template (`None` = written empty: pass through),
    /// sorted by content type (the spec's "first" template is the lexicographically first).
    pub response_templates: Vec<(String, Option<crate::vtl::Template>)>,
    /// `contentHandling` of the response.
    pub content_handling: Option<ContentHandling>,
}

/// REST method request settings of a route (mapping.md §7).
#[derive(Debug, Default)]
pub struct MethodRequest {
    /// `requestValidator`'s flags; `None` = no validation.
    pub validator: Option<RequestValidator>,
    /// `requestParameters` (method request), sorted by their full key
    /// (`method.request.header.*` < `path.*` < `querystring.*`, then by name): the order AWS
    /// lists missing parameters in.
    pub parameters: Vec<MethodParameter>,
    /// `requestModels`: content type -> compiled model, in configuration order.
    pub models: Vec<(String, std::sync::Arc<RequestModel>)>,
}

/// A request validator (`api.requestValidators.NAME`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RequestValidator {
    /// `validateRequestParameters`.
    pub parameters: bool,
    /// `validateRequestBody`.
    pub body: bool,
}

/// One declared method request parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodParameter {
    /// Where it is read.
    pub location: ParamLocation,
    /// Its name (header names compare case-insensitively).
    pub name: String,
    /// `true` = required (missing or empty fails validation).
    pub required: bool,
}

/// The location of a method request parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ParamLocation {
    /// `method.request.header.NAME` / `multivalueheader`.
    Header,
    /// `method.request.path.NAME`.
    Path,
    /// `method.request.querystring.NAME` / `multivaluequerystring`.
    QueryString,
}

/// A model (`api.models.NAME`), compiled as a JSON Schema draft 4 validator.
pub struct RequestModel {
    /// The model name.
    pub name: String,
    /// The compiled schema (`$ref`s to other models already resolved).
    pub schema: jsonschema::Validator,
}

impl std::fmt::Debug for RequestModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestModel")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}
