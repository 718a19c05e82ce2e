//! Media-type lists such as `binaryMediaTypes`, compiled once.
//!
//! Entries are `type/subtype`, `type/*` or `*/*`; a request's `Content-Type` (or the first media
//! type of `Accept`) is compared without its parameters, case-insensitively.

/// A compiled list of media ranges.
#[derive(Debug, Clone, Default)]
pub struct MediaTypes {
    entries: Vec<(String, Option<String>)>,
}

impl MediaTypes {
    /// Compiles configured entries; returns the first malformed entry as an error message.
    pub fn compile<S: AsRef<str>>(entries: &[S]) -> Result<Self, String> {
        let mut out = Vec::with_capacity(entries.len());
        for e in entries {
            let e = e.as_ref().trim().to_ascii_lowercase();
            let Some((ty, sub)) = e.split_once('/') else {
                return Err(format!("'{e}' is not a media type (type/subtype)"));
            };
            if ty.is_empty() || sub.is_empty() {
                return Err(format!("'{e}' is not a media type (type/subtype)"));
            }
            let sub = if sub == "*" {
                None
            } else {
                Some(sub.to_string())
            };
            out.push((ty.to_string(), sub));
        }
        Ok(MediaTypes { entries: out })
    }

    /// Whether no entry is configured.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether `value` (a `Content-Type`, or an `Accept` header whose first range counts) matches.
    pub fn matches(&self, value: &str) -> bool {
        // Most APIs list no binary types; the request path asks on every request.
        if self.entries.is_empty() {
            return false;
        }
        let Some((ty, sub)) = essence(value) else {
            return false;
        };
        self.entries.iter().any(|(t, s)| {
            (t == "*" || t.eq_ignore_ascii_case(ty))
                && s.as_deref().is_none_or(|s| s.eq_ignore_ascii_case(sub))
        })
    }
}

/// The `type` and `subtype` of the first media type in `value`, parameters removed.
pub fn essence(value: &str) -> Option<(&str, &str)> {
    let first = value.split(',').next()?;
    let mime = first.split(';').next()?.trim();
    let (ty, sub) = mime.split_once('/')?;
    let (ty, sub) = (ty.trim(), sub.trim());
    if ty.is_empty() || sub.is_empty() {
        None
    } else {
        Some((ty, sub))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn exact_wildcard_and_parameters() {
        let m = MediaTypes::compile(&["image/png", "application/*"]).unwrap();
        assert!(m.matches("image/png"));
        assert!(m.matches("IMAGE/PNG; q=1"));
        assert!(m.matches("application/octet-stream"));
        assert!(!m.matches("text/plain"));
        assert!(!m.matches("garbage"));
        let all = MediaTypes::compile(&["*/*"]).unwrap();
        assert!(all.matches("text/plain"));
        assert!(MediaTypes::compile(&["nonsense"]).is_err());
    }

    #[test]
    fn accept_uses_only_the_first_range() {
        let m = MediaTypes::compile(&["image/png"]).unwrap();
        assert!(m.matches("image/png, text/html"));
        assert!(!m.matches("text/html, image/png"));
    }
}
