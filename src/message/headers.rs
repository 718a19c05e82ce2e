//! [`HeaderList`]: header fields in arrival order, names with their original casing.
//!
//! Lookups are ASCII case-insensitive, as HTTP requires; iteration yields the names exactly as they
//! were received or set. Names and values are `Bytes`, so a request's headers are slices of the
//! connection buffer and cost no copy.

use bytes::Bytes;

/// A header name or value that cannot be put on the wire (control characters, empty name, ...).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid header {what}: {detail}")]
pub struct InvalidHeader {
    /// `"name"` or `"value"`.
    pub what: &'static str,
    /// Why it was refused.
    pub detail: &'static str,
}

/// Request headers API Gateway never passes on: not to proxy events, authorizer events or
/// `$input.params()` (spec proxy-auth §2.4, mapping.md §4.1).
pub const API_GATEWAY_DROPPED: [&str; 12] = [
    "connection",
    "content-length",
    "content-md5",
    "expect",
    "max-forwards",
    "proxy-authenticate",
    "server",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "www-authenticate",
];

/// Whether API Gateway drops the request header `name` (case-insensitive).
pub fn is_dropped_by_api_gateway(name: &[u8]) -> bool {
    API_GATEWAY_DROPPED
        .iter()
        .any(|h| name.eq_ignore_ascii_case(h.as_bytes()))
}

/// Ordered header fields. Duplicates are kept as separate entries, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderList {
    entries: Vec<(Bytes, Bytes)>,
}

impl HeaderList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty list with room for `n` fields.
    pub fn with_capacity(n: usize) -> Self {
        Self {
            entries: Vec::with_capacity(n),
        }
    }

    /// Appends a field that is already known to be valid (parsed by the server, or a constant).
    pub fn push_unchecked(&mut self, name: Bytes, value: Bytes) {
        self.entries.push((name, value));
    }

    /// Appends a field after checking it can be written on the wire.
    pub fn push(
        &mut self,
        name: impl Into<Bytes>,
        value: impl Into<Bytes>,
    ) -> Result<(), InvalidHeader> {
        let name = name.into();
        let value = value.into();
        check_name(&name)?;
        check_value(&value)?;
        self.entries.push((name, value));
        Ok(())
    }

    /// Appends a `'static` field; names and values written in the source code.
    pub fn push_static(&mut self, name: &'static str, value: &'static str) {
        self.entries.push((
            Bytes::from_static(name.as_bytes()),
            Bytes::from_static(value.as_bytes()),
        ));
    }

    /// Removes every field named `name` (case-insensitive) and appends one with this value.
    pub fn set(
        &mut self,
        name: impl Into<Bytes>,
        value: impl Into<Bytes>,
    ) -> Result<(), InvalidHeader> {
        let name = name.into();
        self.remove(&name);
        self.push(name, value)
    }

    /// Removes every field named `name` (case-insensitive); returns how many were removed.
    pub fn remove(&mut self, name: &[u8]) -> usize {
        let before = self.entries.len();
        self.entries.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        before - self.entries.len()
    }

    /// The last value of `name` (case-insensitive), as bytes.
    pub fn get(&self, name: &str) -> Option<&Bytes> {
        self.entries
            .iter()
            .rev()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v)
    }

    /// The last value of `name` (case-insensitive), if it is UTF-8.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|v| std::str::from_utf8(v).ok())
    }

    /// The first value of `name` (case-insensitive), if it is UTF-8.
    pub fn get_first_str(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .and_then(|(_, v)| std::str::from_utf8(v).ok())
    }

    /// Every value of `name` (case-insensitive), in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Bytes> + 'a {
        self.entries
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v)
    }

    /// Whether a field named `name` exists (case-insensitive).
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// All fields in order, names in their original casing.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&Bytes, &Bytes)> {
        self.entries.iter().map(|(n, v)| (n, v))
    }

    /// Number of fields (duplicates counted).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// RFC 9110 `token` characters: what a header name may contain.
fn check_name(name: &[u8]) -> Result<(), InvalidHeader> {
    if name.is_empty() {
        return Err(InvalidHeader {
            what: "name",
            detail: "empty",
        });
    }
    let ok = name
        .iter()
        .all(|&b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(InvalidHeader {
            what: "name",
            detail: "not an HTTP token",
        })
    }
}

/// Whether `value` can be written as a field value: visible characters, spaces, tabs and
/// obs-text, never a control character (CR, LF and NUL among them) or DEL. The same rule as
/// `http::HeaderValue::from_bytes`.
pub fn is_field_value(value: &[u8]) -> bool {
    value
        .iter()
        .all(|&b| (b >= 0x20 && b != 0x7f) || b == b'\t')
}

fn check_value(value: &[u8]) -> Result<(), InvalidHeader> {
    if is_field_value(value) {
        Ok(())
    } else {
        Err(InvalidHeader {
            what: "value",
            detail: "control character",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_ignore_case_and_iteration_keeps_it() {
        let mut h = HeaderList::new();
        h.push("tEsT-HEADeR", "a").unwrap();
        h.push("X-Multi", "1").unwrap();
        h.push("x-multi", "2").unwrap();
        assert_eq!(h.get_str("test-header"), Some("a"));
        assert_eq!(h.get_str("X-MULTI"), Some("2"));
        assert_eq!(h.get_first_str("x-multi"), Some("1"));
        assert_eq!(h.get_all("x-multi").count(), 2);
        let names: Vec<_> = h.iter().map(|(n, _)| n.clone()).collect();
        assert_eq!(names[0], Bytes::from_static(b"tEsT-HEADeR"));
    }

    #[test]
    fn set_replaces_every_casing() {
        let mut h = HeaderList::new();
        h.push("content-type", "a").unwrap();
        h.push("Content-Type", "b").unwrap();
        h.set("Content-Type", "c").unwrap();
        assert_eq!(h.len(), 1);
        assert_eq!(h.get_str("content-type"), Some("c"));
    }

    #[test]
    fn rejects_what_cannot_be_written() {
        let mut h = HeaderList::new();
        assert!(h.push("bad name", "v").is_err());
        assert!(h.push("", "v").is_err());
        assert!(h.push("ok", "a\r\nb").is_err());
        assert!(h.push("ok", "tab\tok").is_ok());
    }
}
