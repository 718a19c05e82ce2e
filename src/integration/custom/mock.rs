//! MOCK integrations: nothing is called; the request template's output names the status code
//! (`{"statusCode": 200}`) that selects the integration response (mapping.md issue scope;
//! the standard way to answer CORS preflights).

/// The `statusCode` of a MOCK integration request body: a JSON object whose `statusCode` is an
/// integer. Anything else (not JSON, missing, a string, out of range) is `None`, which API
/// Gateway reports as a configuration error (500, "Unable to parse statusCode").
pub fn status_code(payload: &[u8]) -> Option<u16> {
    let m: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(payload).ok()?;
    let n = m.get("statusCode")?.as_u64()?;
    u16::try_from(n).ok().filter(|s| (100..=599).contains(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_integer_status_codes_only() {
        assert_eq!(status_code(b"{\"statusCode\": 200}"), Some(200));
        assert_eq!(
            status_code(b"\n{\n  \"statusCode\": 404, \"x\": [1]\n}\n"),
            Some(404)
        );
        assert_eq!(status_code(b"{\"statusCode\": \"200\"}"), None);
        assert_eq!(status_code(b"{\"statusCode\": 2.5}"), None);
        assert_eq!(status_code(b"{}"), None);
        assert_eq!(status_code(b""), None);
        assert_eq!(status_code(b"statusCode=200"), None);
        assert_eq!(status_code(b"[200]"), None);
        assert_eq!(status_code(b"{\"statusCode\": 99}"), None);
    }
}
