//! [`Invocation`]: what a function answered, and the rules that classify an Invoke API reply.
//!
//! Lambda reports a function error in a header (`X-Amz-Function-Error`) and leaves the HTTP status
//! at 200; a Runtime Interface Emulator (RIE) sends no header at all, so its errors are recognised
//! by the shape of the body (spec proxy-auth §4.2, §7.1, §7.3). [`classify_invoke_reply`] applies
//! both rules to one reply; it is a pure function on bytes so each rule is unit-tested here.

use std::borrow::Cow;

use bytes::Bytes;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::gateway::error::GatewayError;
use crate::lambda::error::InvokeError;

/// Why a function's result is an error rather than a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionErrorKind {
    /// `X-Amz-Function-Error: Unhandled` (runtime-reported errors, Lambda-side timeouts). Any value
    /// other than `Handled` is treated as `Unhandled`.
    Unhandled,
    /// `X-Amz-Function-Error: Handled` (legacy Node.js `context.fail` / callback errors).
    Handled,
    /// No header, but the body is an object with `errorMessage` and/or `errorType` and none of the
    /// five proxy-response keys: how an RIE reports a function error.
    ErrorObject,
    /// No header, and the body is the RIE's plain-text `Task timed out after N.00 seconds`.
    TimedOut,
    /// No header and an empty body: the RIE's answer when the runtime process exited.
    EmptyResult,
    /// A Function URL answered `502 Internal Server Error`: the function failed behind the URL.
    FunctionUrl,
}

impl FunctionErrorKind {
    /// A short name for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            FunctionErrorKind::Unhandled => "Unhandled",
            FunctionErrorKind::Handled => "Handled",
            FunctionErrorKind::ErrorObject => "ErrorObject",
            FunctionErrorKind::TimedOut => "TimedOut",
            FunctionErrorKind::EmptyResult => "EmptyResult",
            FunctionErrorKind::FunctionUrl => "FunctionUrl",
        }
    }
}

/// One completed invocation: the function's result, or its error payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The response payload exactly as received (the result, or the error object). Kept on errors
    /// too, because custom integrations select integration responses by its `errorMessage`.
    pub payload: Bytes,
    /// `Some` when the function failed.
    pub function_error: Option<FunctionErrorKind>,
}

impl Invocation {
    /// Whether the function reported an error.
    pub fn is_error(&self) -> bool {
        self.function_error.is_some()
    }

    /// The error's message: `errorMessage` of a JSON error object (parsed now, borrowed when the
    /// string has no escapes), or the RIE's timeout text. `None` for results and for errors that
    /// carry no message.
    pub fn error_message(&self) -> Option<Cow<'_, str>> {
        self.function_error?;
        if let Some(m) = error_field(&self.payload, ErrorField::Message) {
            return Some(m);
        }
        if self.function_error == Some(FunctionErrorKind::TimedOut) {
            return std::str::from_utf8(self.payload.trim_ascii())
                .ok()
                .map(Cow::Borrowed);
        }
        None
    }

    /// The error's `errorType` (`Sandbox.Timedout`, `Error`, ...), when the payload has one.
    pub fn error_type(&self) -> Option<Cow<'_, str>> {
        self.function_error?;
        error_field(&self.payload, ErrorField::Type)
    }

    /// The gateway error a proxy integration reports for a failed function; `None` for a result.
    pub fn to_gateway_error(&self) -> Option<GatewayError> {
        let kind = self.function_error?;
        let detail = match self.error_type() {
            Some(t) => format!("{} ({t})", kind.as_str()),
            None => kind.as_str().to_owned(),
        };
        Some(GatewayError::FunctionError(detail))
    }
}

/// The five keys of a Lambda proxy response (payload 1.0); their presence means "a result".
const PROXY_RESPONSE_KEYS: [&str; 5] = [
    "statusCode",
    "headers",
    "multiValueHeaders",
    "body",
    "isBase64Encoded",
];

/// What the RIE answers when the function ran past `AWS_LAMBDA_FUNCTION_TIMEOUT`.
const RIE_TIMEOUT_PREFIX: &[u8] = b"Task timed out after ";

/// Classifies one Invoke API reply (status, `X-Amz-Function-Error`, `x-amzn-ErrorType`, body).
///
/// - 2xx with `X-Amz-Function-Error` -> function error (`Unhandled` / `Handled`).
/// - 2xx without it: an RIE error object, the RIE timeout text or an empty body -> function error;
///   anything else is the function's result.
/// - non-2xx -> [`InvokeError::Service`] with the AWS error type ([`service_error_type`]).
pub fn classify_invoke_reply(
    status: u16,
    function_error: Option<&[u8]>,
    error_type_header: Option<&[u8]>,
    body: Bytes,
) -> Result<Invocation, InvokeError> {
    if !(200..300).contains(&status) {
        return Err(InvokeError::Service {
            status,
            error_type: service_error_type(error_type_header, &body),
        });
    }
    let function_error = match function_error {
        Some(v) if v.eq_ignore_ascii_case(b"Handled") => Some(FunctionErrorKind::Handled),
        Some(_) => Some(FunctionErrorKind::Unhandled),
        None => body_error_shape(&body),
    };
    Ok(Invocation {
        payload: body,
        function_error,
    })
}

/// The error a 2xx body without `X-Amz-Function-Error` shows by its shape (RIE, §7.3).
///
/// On the real Invoke API a function may legitimately return `{"errorMessage": ...}`; the spec
/// (§4.2) still treats that shape as an error, since apigate cannot tell an RIE from Lambda.
pub fn body_error_shape(body: &[u8]) -> Option<FunctionErrorKind> {
    let trimmed = body.trim_ascii();
    if trimmed.is_empty() {
        return Some(FunctionErrorKind::EmptyResult);
    }
    if trimmed.starts_with(RIE_TIMEOUT_PREFIX) {
        return Some(FunctionErrorKind::TimedOut);
    }
    // Cheap pre-filter: most results never mention a key starting `"error`, so most bodies are
    // never parsed. The searcher is built once: building one per call cost more than the search.
    static ERROR_KEY: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\"error"));
    if trimmed[0] != b'{' || ERROR_KEY.find(trimmed).is_none() {
        return None;
    }
    match top_level_keys(trimmed) {
        Some(keys) if keys.error && !keys.response => Some(FunctionErrorKind::ErrorObject),
        _ => None,
    }
}

/// The AWS error type of a non-2xx reply: `x-amzn-ErrorType` (without the `:http://...` suffix AWS
/// appends), else the JSON body's `__type` (without a `namespace#` prefix), else its `Type` unless
/// that is only the generic fault class (`User` / `Service`).
pub fn service_error_type(header: Option<&[u8]>, body: &[u8]) -> Option<String> {
    if let Some(h) = header.and_then(|h| std::str::from_utf8(h).ok()) {
        let name = h.split(':').next().unwrap_or(h).trim();
        if !name.is_empty() {
            return Some(name.to_owned());
        }
    }
    #[derive(serde::Deserialize)]
    struct ErrorBody<'a> {
        #[serde(rename = "__type", borrow)]
        dunder_type: Option<Cow<'a, str>>,
        #[serde(rename = "Type", borrow)]
        type_: Option<Cow<'a, str>>,
    }
    let parsed: ErrorBody<'_> = serde_json::from_slice(body).ok()?;
    if let Some(t) = parsed.dunder_type {
        let name = t.rsplit('#').next().unwrap_or(&t);
        return Some(name.split(':').next().unwrap_or(name).to_owned());
    }
    parsed
        .type_
        .filter(|t| t != "User" && t != "Service")
        .map(Cow::into_owned)
}

/// Which of the error object's fields to read.
#[derive(Clone, Copy)]
enum ErrorField {
    Message,
    Type,
}

/// Reads `errorMessage` or `errorType` from a JSON object payload, if it is a string.
fn error_field(payload: &[u8], field: ErrorField) -> Option<Cow<'_, str>> {
    #[derive(serde::Deserialize)]
    struct ErrorObject<'a> {
        #[serde(rename = "errorMessage", borrow)]
        message: Option<Cow<'a, str>>,
        #[serde(rename = "errorType", borrow)]
        type_: Option<Cow<'a, str>>,
    }
    let obj: ErrorObject<'_> = serde_json::from_slice(payload).ok()?;
    match field {
        ErrorField::Message => obj.message,
        ErrorField::Type => obj.type_,
    }
}

/// Which kinds of top-level keys a JSON object has.
#[derive(Default)]
struct TopLevelKeys {
    /// `errorMessage` or `errorType`.
    error: bool,
    /// One of [`PROXY_RESPONSE_KEYS`].
    response: bool,
}

/// Scans an object's top-level keys without building its values; `None` if it is not an object.
fn top_level_keys(json: &[u8]) -> Option<TopLevelKeys> {
    struct KeysVisitor;
    impl<'de> Visitor<'de> for KeysVisitor {
        type Value = TopLevelKeys;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TopLevelKeys, A::Error> {
            let mut keys = TopLevelKeys::default();
            while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                map.next_value::<IgnoredAny>()?;
                if key == "errorMessage" || key == "errorType" {
                    keys.error = true;
                } else if PROXY_RESPONSE_KEYS.contains(&key.as_ref()) {
                    keys.response = true;
                }
            }
            Ok(keys)
        }
    }
    let mut de = serde_json::Deserializer::from_slice(json);
    let keys = (&mut de).deserialize_map(KeysVisitor).ok()?;
    de.end().ok()?;
    Some(keys)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ok(status: u16, header: Option<&str>, body: &str) -> Invocation {
        classify_invoke_reply(
            status,
            header.map(str::as_bytes),
            None,
            Bytes::copy_from_slice(body.as_bytes()),
        )
        .unwrap()
    }

    #[test]
    fn a_result_is_a_result() {
        let r = ok(200, None, r#"{"statusCode":200,"body":"hi"}"#);
        assert_eq!(r.function_error, None);
        assert_eq!(r.error_message(), None);
        assert!(r.to_gateway_error().is_none());
        assert_eq!(ok(200, None, "null").function_error, None);
        assert_eq!(ok(200, None, r#""just a string""#).function_error, None);
        assert_eq!(ok(200, None, "[1,2]").function_error, None);
    }

    #[test]
    fn the_header_decides_first() {
        let body = r#"{"errorMessage":"boom","errorType":"Error","trace":[]}"#;
        let r = ok(200, Some("Unhandled"), body);
        assert_eq!(r.function_error, Some(FunctionErrorKind::Unhandled));
        assert_eq!(r.error_message().as_deref(), Some("boom"));
        assert_eq!(r.error_type().as_deref(), Some("Error"));
        assert!(matches!(
            r.to_gateway_error(),
            Some(GatewayError::FunctionError(_))
        ));
        let r = ok(200, Some("Handled"), r#""failed""#);
        assert_eq!(r.function_error, Some(FunctionErrorKind::Handled));
        assert_eq!(r.error_message(), None);
        let r = ok(200, Some("SomethingNew"), "{}");
        assert_eq!(r.function_error, Some(FunctionErrorKind::Unhandled));
    }

    #[test]
    fn rie_error_objects_are_recognised_by_shape() {
        let r = ok(
            200,
            None,
            r#" {"errorType":"NotFound","errorMessage":"NotFound: order 42"}"#,
        );
        assert_eq!(r.function_error, Some(FunctionErrorKind::ErrorObject));
        assert_eq!(r.error_message().as_deref(), Some("NotFound: order 42"));
        assert_eq!(
            ok(200, None, r#"{"errorMessage":"only message"}"#).function_error,
            Some(FunctionErrorKind::ErrorObject)
        );
        // A proxy response that happens to carry an errorMessage key is a (malformed) result.
        assert_eq!(
            ok(200, None, r#"{"statusCode":500,"errorMessage":"x"}"#).function_error,
            None
        );
        // Nested keys do not count.
        assert_eq!(
            ok(200, None, r#"{"data":{"errorMessage":"x"}}"#).function_error,
            None
        );
        // Not JSON at all.
        assert_eq!(ok(200, None, "{errorMessage").function_error, None);
    }

    #[test]
    fn escaped_messages_are_decoded() {
        let r = ok(200, None, r#"{"errorMessage":"a \"quoted\" \u00e9"}"#);
        assert_eq!(r.error_message().as_deref(), Some("a \"quoted\" é"));
    }

    #[test]
    fn rie_timeout_text_and_empty_body() {
        let r = ok(200, None, "Task timed out after 3.00 seconds");
        assert_eq!(r.function_error, Some(FunctionErrorKind::TimedOut));
        assert_eq!(
            r.error_message().as_deref(),
            Some("Task timed out after 3.00 seconds")
        );
        let r = ok(200, None, "");
        assert_eq!(r.function_error, Some(FunctionErrorKind::EmptyResult));
        assert_eq!(
            ok(200, None, " \n").function_error,
            Some(FunctionErrorKind::EmptyResult)
        );
    }

    #[test]
    fn non_2xx_is_a_service_error_with_its_type() {
        let e = classify_invoke_reply(
            404,
            None,
            Some(b"ResourceNotFoundException:http://internal.amazon.com/coral/x/"),
            Bytes::from_static(br#"{"Type":"User","message":"Function not found"}"#),
        )
        .unwrap_err();
        assert!(matches!(
            e,
            InvokeError::Service { status: 404, ref error_type } if error_type.as_deref() == Some("ResourceNotFoundException")
        ));
        assert_eq!(
            service_error_type(
                None,
                br#"{"__type":"com.amazon.coral#TooManyRequestsException"}"#
            )
            .as_deref(),
            Some("TooManyRequestsException")
        );
        assert_eq!(
            service_error_type(None, br#"{"Type":"AccessDeniedException"}"#).as_deref(),
            Some("AccessDeniedException")
        );
        assert_eq!(service_error_type(None, br#"{"Type":"User"}"#), None);
        assert_eq!(service_error_type(None, b"Internal Server Error"), None);
    }
}
