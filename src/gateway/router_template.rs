//! Route path templates (`/pets/{id}`, `/{proxy+}`, `/`) parsed into segments, and the request
//! path prefix rules (stage prefix, leading slash run) the router and the event writers share.

use crate::gateway::error::GatewayError;

/// One segment of a route path template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment<'a> {
    /// A literal part, compared case-sensitively.
    Literal(&'a str),
    /// `{name}`: exactly one non-empty segment.
    Param(&'a str),
    /// `{name+}`: one or more segments, always the last part.
    Greedy(&'a str),
}

/// Why a route template was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouterError {
    /// The path template is malformed.
    #[error("route path '{path}': {reason}")]
    InvalidTemplate {
        /// The template as configured.
        path: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Two routes have the same path and method.
    #[error("route '{method} {path}' is defined twice")]
    Duplicate {
        /// The method (`ANY` included).
        method: String,
        /// The template.
        path: String,
    },
    /// A route kind that this API type does not allow (`$default` on REST, several Function URL routes).
    #[error("route '{path}': {reason}")]
    NotAllowed {
        /// The template.
        path: String,
        /// Why.
        reason: &'static str,
    },
}

/// Parses a template: `/` is the root (no segments); every other template starts with `/`, has
/// no empty segment and no trailing slash, and a greedy variable may only be the last segment.
pub fn parse_template(path: &str) -> Result<Vec<Segment<'_>>, RouterError> {
    let bad = |reason| RouterError::InvalidTemplate {
        path: path.to_string(),
        reason,
    };
    let Some(rest) = path.strip_prefix('/') else {
        return Err(bad("must start with '/'"));
    };
    if rest.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let mut parts = rest.split('/').peekable();
    while let Some(part) = parts.next() {
        if part.is_empty() {
            return Err(bad("empty path segment"));
        }
        let seg = match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            Some(inner) => {
                let (name, greedy) = match inner.strip_suffix('+') {
                    Some(n) => (n, true),
                    None => (inner, false),
                };
                if name.is_empty() || name.contains(['{', '}', '+']) {
                    return Err(bad("malformed path variable"));
                }
                if greedy {
                    if parts.peek().is_some() {
                        return Err(bad("a greedy variable {name+} must be the last segment"));
                    }
                    Segment::Greedy(name)
                } else {
                    Segment::Param(name)
                }
            }
            None if part.contains(['{', '}']) => {
                return Err(bad("a path variable must be a whole segment"))
            }
            None => Segment::Literal(part),
        };
        out.push(seg);
    }
    Ok(out)
}

/// The part of a raw request path after the stage segment, when the API is served under
/// `/{stage}/...`: the leading slash run before the stage collapses (`//test/x`), the stage must be
/// the whole first segment (case-sensitive). Returns `""` for `/test` and `/x` for `/test/x`.
pub fn strip_stage<'a>(path: &'a str, stage: &str) -> Result<&'a str, GatewayError> {
    if !path.starts_with('/') {
        return Err(GatewayError::NoRoute);
    }
    let trimmed = path.trim_start_matches('/');
    let rest = trimmed.strip_prefix(stage).ok_or(GatewayError::NoRoute)?;
    if rest.is_empty() || rest.starts_with('/') {
        Ok(rest)
    } else {
        Err(GatewayError::NoRoute)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_templates() {
        assert_eq!(parse_template("/").unwrap(), vec![]);
        assert_eq!(
            parse_template("/pets/{id}/{proxy+}").unwrap(),
            vec![
                Segment::Literal("pets"),
                Segment::Param("id"),
                Segment::Greedy("proxy")
            ]
        );
        for bad in [
            "pets", "/pets/", "//x", "/{}", "/{+}", "/{a+}/b", "/a{b}", "/{a}}",
        ] {
            assert!(parse_template(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn strips_the_stage() {
        assert_eq!(strip_stage("/test/x", "test").unwrap(), "/x");
        assert_eq!(strip_stage("//test/x", "test").unwrap(), "/x");
        assert_eq!(strip_stage("/test", "test").unwrap(), "");
        assert_eq!(strip_stage("/test//x/", "test").unwrap(), "//x/");
        assert!(strip_stage("/testx/y", "test").is_err());
        assert!(strip_stage("/Test/y", "test").is_err());
        assert!(strip_stage("/other/test", "test").is_err());
        assert!(strip_stage("test/x", "test").is_err());
        assert!(strip_stage("/", "test").is_err());
    }
}
