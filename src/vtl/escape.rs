//! The string functions of API Gateway's `$util` (escapeJavaScript, urlEncode/Decode, base64).
