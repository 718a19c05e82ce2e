//! The bench's targets: what each one measures, the apigate config it runs under, and the request
//! the load generator sends to it.
//!
//! Every apigate target uses the same stub Lambda and the same request (a `POST` of `body.json`), so
//! the ratio of a target to `direct` is the cost of the gateway's work for that kind of route.

use std::net::SocketAddr;

use serde_json::{json, Value};

use crate::generator::Endpoint;
use crate::stub::{self, Stub, AUTHORIZER_FUNCTION};

/// The function name of the proxied Lambda in every config (and in the direct target's path).
const FUNCTION: &str = "stub";
/// The request path sent through apigate; every apigate target routes `/{proxy+}`.
const GATEWAY_PATH: &str = "/bench/items";
/// The token the authorizer target sends; the stub's authorizer allows everything, so any value works.
const TOKEN: &str = "allow";

/// One kind of target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetKind {
    /// The load generator straight to the stub Lambda: the baseline every ratio divides by.
    Direct,
    /// REST API, Lambda proxy integration (payload 1.0) via the Invoke API.
    Proxy,
    /// The proxy route with `metrics: {enabled: false}`: what the metrics path costs.
    ProxyNoMetrics,
    /// The proxy route served by one runtime thread (`server.workerThreads: 1`); opt-in.
    ProxyOneThread,
    /// HTTP API, Lambda proxy integration with payload format 2.0.
    Http,
    /// REST API, Lambda custom integration (`AWS`) rendering `passthrough.vtl`.
    Custom,
    /// The proxy route behind a TOKEN authorizer whose result is cached (every request a cache hit).
    Auth,
    /// The direct request through an outside reverse proxy (`--reverse-proxy`, e.g. nginx).
    ReverseProxy,
}

impl TargetKind {
    /// The targets `--targets` knows (`revproxy` comes with `--reverse-proxy`), in run order.
    pub const ALL: [TargetKind; 6] = [
        TargetKind::Direct,
        TargetKind::Proxy,
        TargetKind::ProxyNoMetrics,
        TargetKind::Http,
        TargetKind::Custom,
        TargetKind::Auth,
    ];

    /// The name used by `--targets`, the table and the JSON.
    pub fn name(self) -> &'static str {
        match self {
            TargetKind::Direct => "direct",
            TargetKind::Proxy => "proxy",
            TargetKind::ProxyNoMetrics => "proxy-nometrics",
            TargetKind::ProxyOneThread => "proxy-1t",
            TargetKind::Http => "http",
            TargetKind::Custom => "custom",
            TargetKind::Auth => "auth",
            TargetKind::ReverseProxy => "revproxy",
        }
    }

    /// Targets `--targets` accepts that the default list leaves out.
    pub const OPT_IN: [TargetKind; 1] = [TargetKind::ProxyOneThread];

    pub fn from_name(name: &str) -> Option<TargetKind> {
        TargetKind::ALL
            .into_iter()
            .chain(TargetKind::OPT_IN)
            .find(|kind| kind.name().eq_ignore_ascii_case(name))
    }

    /// One line on what the target measures (printed under the table and in the JSON).
    pub fn description(self) -> &'static str {
        match self {
            TargetKind::Direct => {
                "load generator -> stub Lambda (Invoke API), no gateway: the baseline"
            }
            TargetKind::Proxy => {
                "REST API, /{proxy+} ANY, AWS_PROXY payload 1.0 via the Invoke API"
            }
            TargetKind::ProxyNoMetrics => "the proxy route with metrics: {enabled: false}",
            TargetKind::ProxyOneThread => "the proxy route with server: {workerThreads: 1}",
            TargetKind::Http => "HTTP API, /{proxy+} ANY, AWS_PROXY payload 2.0 via the Invoke API",
            TargetKind::Custom => {
                "REST API, AWS (custom) integration rendering passthrough.vtl, default response"
            }
            TargetKind::Auth => {
                "REST proxy route behind a TOKEN authorizer, result cached (TTL 300 s): cache hits"
            }
            TargetKind::ReverseProxy => {
                "load generator -> --reverse-proxy (e.g. nginx) -> stub Lambda: a plain reverse proxy"
            }
        }
    }

    /// Whether the target goes through apigate.
    pub fn uses_apigate(self) -> bool {
        !matches!(self, TargetKind::Direct | TargetKind::ReverseProxy)
    }

    /// The request the load generator sends: the stub's invoke request for `direct` (and through
    /// `front`, the reverse proxy, for `revproxy`), else the API request to apigate at `front`.
    pub fn endpoint(self, stub: &Stub, front: Option<SocketAddr>) -> Endpoint {
        let invoke = |addr| Endpoint {
            addr,
            path: stub::invoke_path(FUNCTION),
            extra_headers: Vec::new(),
        };
        match (self, front) {
            (TargetKind::Direct, _) | (_, None) => invoke(stub.addr()),
            (TargetKind::ReverseProxy, Some(addr)) => invoke(addr),
            (kind, Some(addr)) => {
                let extra_headers = if kind == TargetKind::Auth {
                    vec![("authorization", TOKEN)]
                } else {
                    Vec::new()
                };
                Endpoint {
                    addr,
                    path: GATEWAY_PATH.to_string(),
                    extra_headers,
                }
            }
        }
    }

    /// apigate's config for this target as YAML (config.md's keys), or `None` for `direct`.
    pub fn config_yaml(
        self,
        listen: SocketAddr,
        stub: &Stub,
        passthrough_vtl: &str,
    ) -> Option<Result<String, String>> {
        let config = self.config(listen, stub, passthrough_vtl)?;
        Some(
            serde_yaml_ng::to_string(&config)
                .map_err(|error| format!("cannot write the YAML config: {error}")),
        )
    }

    fn config(self, listen: SocketAddr, stub: &Stub, passthrough_vtl: &str) -> Option<Value> {
        let rest = json!({"type": "REST", "id": "bench01", "stage": "bench", "stagePrefix": false});
        let proxy_integration = json!({"type": "AWS_PROXY", "function": FUNCTION});
        let (api, integration) = match self {
            TargetKind::Direct | TargetKind::ReverseProxy => return None,
            TargetKind::Proxy
            | TargetKind::ProxyNoMetrics
            | TargetKind::ProxyOneThread
            | TargetKind::Auth => (rest, proxy_integration),
            TargetKind::Http => (
                json!({"type": "HTTP", "id": "bench02", "stage": "$default"}),
                json!({"type": "AWS_PROXY", "function": FUNCTION, "payloadFormatVersion": "2.0"}),
            ),
            TargetKind::Custom => (
                rest,
                json!({
                    "type": "AWS",
                    "function": FUNCTION,
                    "requestTemplates": {"application/json": passthrough_vtl},
                    "responses": {"default": {"statusCode": "200"}},
                }),
            ),
        };
        let mut route = json!({"path": "/{proxy+}", "method": "ANY", "integration": integration});
        let mut functions = json!({FUNCTION: {"invokeUrl": stub.invoke_url(FUNCTION)}});
        let mut config = json!({"listen": listen.to_string(), "api": api});
        if self == TargetKind::Auth {
            route["authorizer"] = json!("tok");
            functions[AUTHORIZER_FUNCTION] =
                json!({"invokeUrl": stub.invoke_url(AUTHORIZER_FUNCTION)});
            config["authorizers"] = json!({"tok": {
                "type": "TOKEN",
                "function": AUTHORIZER_FUNCTION,
                "identitySource": "method.request.header.Authorization",
                "authorizerResultTtlInSeconds": 300,
            }});
        }
        if self == TargetKind::ProxyNoMetrics {
            config["metrics"] = json!({"enabled": false});
        }
        if self == TargetKind::ProxyOneThread {
            config["server"] = json!({"workerThreads": 1});
        }
        config["functions"] = functions;
        config["routes"] = json!([route]);
        Some(config)
    }
}
