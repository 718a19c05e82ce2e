//! The demo function behind `apigate demo`: **an example, not part of the gateway.**
//!
//! A tiny stand-in for Lambda that speaks the real Invoke API over loopback
//! (`POST /2015-03-31/functions/{name}/invocations`, errors reported with `X-Amz-Function-Error`),
//! so `apigate demo` can show every integration style without AWS or Docker. It doubles as
//! documentation of what functions behind apigate receive and must return:
//!
//! | function | what it shows |
//! | --- | --- |
//! | `hello` | a proxy integration: reads path parameters, query and method from a 1.0 or 2.0 event and returns a proxy response |
//! | `echo` | a proxy integration that returns the event it received as its JSON body |
//! | `authorizer` | a TOKEN / REQUEST authorizer: token `allow` -> Allow policy, `deny` -> Deny policy, anything else -> the `Unauthorized` error. For HTTP API 2.0 events it answers a simple response (`enableSimpleResponses: true`) |
//! | `orders` | a custom-integration function: plain JSON in and out; a missing order raises `NotFound: order {id}` |

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

/// Lambda's synchronous request payload limit.
const MAX_EVENT_BYTES: usize = 6 * 1024 * 1024;

/// The running demo function server. Dropping it stops the server and its connections.
#[derive(Debug)]
pub struct DemoHandle {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl DemoHandle {
    /// The address the demo serves on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The `invokeUrl` of one of the demo's functions.
    pub fn invoke_url(&self, function: &str) -> String {
        format!(
            "http://{}/2015-03-31/functions/{function}/invocations",
            self.addr
        )
    }

    /// Stops accepting and closes every connection.
    pub async fn shutdown(mut self) {
        self.task.abort();
        // Wait until the task has stopped; its JoinError only says it was cancelled.
        let _ = (&mut self.task).await;
    }
}

impl Drop for DemoHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves the demo functions on `listener` until the handle is dropped.
pub async fn spawn_demo_function(listener: TcpListener) -> DemoHandle {
    let addr = listener
        .local_addr()
        .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)));
    let task = tokio::spawn(async move {
        // Connections live in this set, so aborting the accept loop closes them too.
        let mut connections = JoinSet::new();
        loop {
            let stream = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        tracing::warn!(error = %e, "demo function: accept failed");
                        continue;
                    }
                },
                Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            };
            let _ = stream.set_nodelay(true);
            connections.spawn(async move {
                let conn = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service_fn(handle));
                if let Err(e) = conn.await {
                    tracing::debug!(error = %e, "demo function: connection ended");
                }
            });
        }
    });
    DemoHandle { addr, task }
}

/// A function's failure, reported the way Lambda does.
#[derive(Debug)]
struct FunctionError {
    error_type: &'static str,
    message: String,
}

/// One Invoke API call.
async fn handle(req: hyper::Request<Incoming>) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let name = req
        .uri()
        .path()
        .strip_prefix("/2015-03-31/functions/")
        .and_then(|rest| rest.strip_suffix("/invocations"))
        .map(str::to_owned);
    let Some(name) = name.filter(|_| req.method() == hyper::Method::POST) else {
        return Ok(service_error(
            404,
            "UnknownOperationException",
            "Unknown operation",
        ));
    };
    let body = match Limited::new(req.into_body(), MAX_EVENT_BYTES)
        .collect()
        .await
    {
        Ok(body) => body.to_bytes(),
        Err(_) => {
            return Ok(service_error(
                413,
                "RequestTooLargeException",
                "Request must be smaller than 6291456 bytes for the InvokeFunction operation",
            ));
        }
    };
    let Ok(event) = serde_json::from_slice::<Value>(&body) else {
        return Ok(service_error(
            400,
            "InvalidRequestContentException",
            "Could not parse request body into json",
        ));
    };
    let result = match name.as_str() {
        "hello" => Ok(hello(&event)),
        "echo" => Ok(echo(&event)),
        "authorizer" => authorizer(&event),
        "orders" => orders(&event),
        _ => {
            let message = format!(
                "Function not found: arn:aws:lambda:us-east-1:000000000000:function:{name}"
            );
            return Ok(service_error(404, "ResourceNotFoundException", &message));
        }
    };
    let (payload, failed) = match result {
        Ok(value) => (value, false),
        Err(e) => (
            json!({"errorMessage": e.message, "errorType": e.error_type}),
            true,
        ),
    };
    let mut resp = hyper::Response::builder()
        .status(200)
        .header("Content-Type", "application/json")
        .header("X-Amz-Executed-Version", "$LATEST");
    if failed {
        resp = resp.header("X-Amz-Function-Error", "Unhandled");
    }
    Ok(resp
        .body(Full::new(Bytes::from(payload.to_string())))
        .unwrap_or_default())
}

/// An Invoke API error (not a function error): status, `x-amzn-ErrorType`, JSON body.
fn service_error(status: u16, error_type: &str, message: &str) -> hyper::Response<Full<Bytes>> {
    let body = json!({"Type": "User", "message": message}).to_string();
    hyper::Response::builder()
        .status(status)
        .header("Content-Type", "application/json")
        .header("x-amzn-ErrorType", error_type)
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_default()
}

/// `hello`: greets `{name}` from the path parameters or the query (default `world`).
fn hello(event: &Value) -> Value {
    let v2 = event["version"] == "2.0";
    let (method, path) = if v2 {
        (
            &event["requestContext"]["http"]["method"],
            &event["rawPath"],
        )
    } else {
        (&event["httpMethod"], &event["path"])
    };
    let name = event["pathParameters"]["name"]
        .as_str()
        .or_else(|| event["queryStringParameters"]["name"].as_str())
        .unwrap_or("world");
    let body = json!({
        "message": format!("Hello, {name}!"),
        "method": method,
        "path": path,
        "payloadFormatVersion": if v2 { "2.0" } else { "1.0" },
    });
    json!({
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": body.to_string(),
    })
}

/// `echo`: the event itself, as the JSON body of a proxy response.
fn echo(event: &Value) -> Value {
    json!({
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": event.to_string(),
    })
}

/// `authorizer`: decides by the token (`Bearer ` prefix allowed).
fn authorizer(event: &Value) -> Result<Value, FunctionError> {
    let header = |name: &str| {
        event["headers"].as_object().and_then(|h| {
            h.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .and_then(|(_, v)| v.as_str())
        })
    };
    let token = event["authorizationToken"]
        .as_str()
        .or_else(|| event["identitySource"][0].as_str())
        .or_else(|| header("authorization"))
        .or_else(|| event["queryStringParameters"]["token"].as_str())
        .unwrap_or("");
    let token = token.strip_prefix("Bearer ").unwrap_or(token);
    let effect = match token {
        "allow" => "Allow",
        "deny" => "Deny",
        _ => {
            return Err(FunctionError {
                error_type: "Error",
                message: "Unauthorized".to_owned(),
            })
        }
    };
    let context = json!({"user": "demo-user", "tier": "gold", "quota": 100, "admin": false});
    if event["version"] == "2.0" {
        return Ok(json!({"isAuthorized": effect == "Allow", "context": context}));
    }
    // `arn:...:{apiId}/{stage}/*`: one cached decision then covers every method and path.
    let arn = event["methodArn"].as_str().unwrap_or("*");
    let resource = match arn.splitn(3, '/').collect::<Vec<_>>()[..] {
        [api, stage, _] => format!("{api}/{stage}/*"),
        _ => arn.to_owned(),
    };
    Ok(json!({
        "principalId": "demo-user",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
        "context": context,
    }))
}

/// The `orders` function's data.
const ORDERS: [(&str, &str, u32); 3] = [("1", "coffee", 2), ("2", "tea", 1), ("3", "cake", 4)];

/// `orders`: `{"id": ...}` -> that order or a `NotFound` error; no id -> every order.
fn orders(event: &Value) -> Result<Value, FunctionError> {
    let order = |(id, item, quantity): (&str, &str, u32)| json!({"id": id, "item": item, "quantity": quantity});
    let id = match &event["id"] {
        Value::String(s) if !s.is_empty() => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return Ok(json!({"orders": ORDERS.map(order)})),
    };
    match ORDERS.into_iter().find(|(known, _, _)| *known == id) {
        Some(found) => Ok(order(found)),
        None => Err(FunctionError {
            error_type: "NotFound",
            message: format!("NotFound: order {id}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn hello_reads_both_payload_versions() {
        let v1 = hello(
            &json!({"httpMethod": "GET", "path": "/hello/ann", "pathParameters": {"name": "ann"}}),
        );
        let body: Value = serde_json::from_str(v1["body"].as_str().unwrap()).unwrap();
        assert_eq!(body["message"], "Hello, ann!");
        assert_eq!(body["payloadFormatVersion"], "1.0");
        let v2 = hello(
            &json!({"version": "2.0", "rawPath": "/hello", "requestContext": {"http": {"method": "POST"}}, "queryStringParameters": {"name": "bo"}}),
        );
        let body: Value = serde_json::from_str(v2["body"].as_str().unwrap()).unwrap();
        assert_eq!(body["message"], "Hello, bo!");
        assert_eq!(body["method"], "POST");
    }

    #[test]
    fn authorizer_policies_and_errors() {
        let arn = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets/1";
        let allow = authorizer(
            &json!({"type": "TOKEN", "authorizationToken": "Bearer allow", "methodArn": arn}),
        );
        let allow = allow.unwrap();
        let statement = &allow["policyDocument"]["Statement"][0];
        assert_eq!(statement["Effect"], "Allow");
        assert_eq!(
            statement["Resource"],
            "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*"
        );
        let deny = authorizer(
            &json!({"type": "REQUEST", "headers": {"Authorization": "deny"}, "methodArn": arn}),
        );
        assert_eq!(
            deny.unwrap()["policyDocument"]["Statement"][0]["Effect"],
            "Deny"
        );
        let err =
            authorizer(&json!({"type": "TOKEN", "authorizationToken": "nope", "methodArn": arn}));
        assert_eq!(
            err.err().map(|e| e.message).as_deref(),
            Some("Unauthorized")
        );
        let simple = authorizer(&json!({"version": "2.0", "identitySource": ["allow"]}));
        assert_eq!(simple.unwrap()["isAuthorized"], true);
    }

    #[test]
    fn orders_finds_or_raises() {
        assert_eq!(orders(&json!({"id": 2})).unwrap()["item"], "tea");
        assert_eq!(
            orders(&json!({})).unwrap()["orders"]
                .as_array()
                .map(Vec::len),
            Some(3)
        );
        let e = orders(&json!({"id": "42"})).err();
        assert_eq!(
            e.map(|e| (e.error_type, e.message)),
            Some(("NotFound", "NotFound: order 42".to_owned()))
        );
    }
}
