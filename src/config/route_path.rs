//! Route path templates: `/pets/{id}`, `/files/{proxy+}`, `/`.
//!
//! Rules (spec proxy-auth §2.2): the path starts with `/`; segments are non-empty (no `//`, no
//! trailing `/` except the root); a variable is a whole segment `{name}`; a greedy variable
//! `{name+}` must be the last segment; names are `[A-Za-z0-9._-]+` and unique in the path;
//! literal segments use URL path characters other than `%` (routing does not decode).

/// One segment of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Matched byte for byte.
    Literal(String),
    /// `{name}`: exactly one non-empty segment.
    Param(String),
    /// `{name+}`: one or more segments, always last.
    Greedy(String),
}

/// A parsed path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathTemplate {
    /// Segments after the leading `/` (empty for the root).
    pub segments: Vec<Segment>,
}

impl PathTemplate {
    /// Parses and checks a template.
    pub fn parse(path: &str) -> Result<PathTemplate, String> {
        let Some(rest) = path.strip_prefix('/') else {
            return Err(format!("path '{path}' must start with '/'"));
        };
        if rest.is_empty() {
            return Ok(PathTemplate {
                segments: Vec::new(),
            });
        }
        let parts: Vec<&str> = rest.split('/').collect();
        let mut segments = Vec::with_capacity(parts.len());
        for (i, part) in parts.iter().enumerate() {
            let last = i + 1 == parts.len();
            if part.is_empty() {
                return Err(if last {
                    format!("path '{path}' must not end with '/'")
                } else {
                    format!("path '{path}' has an empty segment ('//')")
                });
            }
            let seg = segment(part, path)?;
            if matches!(seg, Segment::Greedy(_)) && !last {
                return Err(format!(
                    "in '{path}', the greedy variable {part} must be the last segment"
                ));
            }
            if let Segment::Param(n) | Segment::Greedy(n) = &seg {
                if segments
                    .iter()
                    .any(|s| matches!(s, Segment::Param(m) | Segment::Greedy(m) if m == n))
                {
                    return Err(format!(
                        "in '{path}', the path parameter '{n}' appears twice"
                    ));
                }
            }
            segments.push(seg);
        }
        Ok(PathTemplate { segments })
    }

    /// The template with variable names erased (`/pets/{}`, `/{+}`): two routes whose
    /// normalized paths are equal match the same requests.
    pub fn normalized(&self) -> String {
        if self.segments.is_empty() {
            return "/".to_string();
        }
        let mut out = String::new();
        for s in &self.segments {
            out.push('/');
            match s {
                Segment::Literal(l) => out.push_str(l),
                Segment::Param(_) => out.push_str("{}"),
                Segment::Greedy(_) => out.push_str("{+}"),
            }
        }
        out
    }

    /// Names of the path parameters, in order.
    pub fn param_names(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Param(n) | Segment::Greedy(n) => Some(n.as_str()),
            Segment::Literal(_) => None,
        })
    }
}

fn segment(part: &str, path: &str) -> Result<Segment, String> {
    if let Some(inner) = part.strip_prefix('{') {
        let Some(inner) = inner.strip_suffix('}') else {
            return Err(format!(
                "in '{path}', '{part}' must be a whole segment {{name}} or {{name+}}"
            ));
        };
        let (name, greedy) = match inner.strip_suffix('+') {
            Some(n) => (n, true),
            None => (inner, false),
        };
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        {
            return Err(format!(
                "in '{path}', '{part}' has an invalid parameter name (use [A-Za-z0-9._-])"
            ));
        }
        return Ok(if greedy {
            Segment::Greedy(name.to_string())
        } else {
            Segment::Param(name.to_string())
        });
    }
    if part.contains(['{', '}']) {
        return Err(format!(
            "in '{path}', '{part}' must be a whole segment {{name}} or {{name+}}"
        ));
    }
    if let Some(c) = part
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@".contains(*c)))
    {
        return Err(format!(
            "in '{path}', the character '{c}' is not allowed in a path segment"
        ));
    }
    Ok(Segment::Literal(part.to_string()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn valid_templates() {
        assert!(PathTemplate::parse("/").unwrap().segments.is_empty());
        let t = PathTemplate::parse("/pets/{id}/toys/{proxy+}").unwrap();
        assert_eq!(
            t.segments,
            vec![
                Segment::Literal("pets".into()),
                Segment::Param("id".into()),
                Segment::Literal("toys".into()),
                Segment::Greedy("proxy".into()),
            ]
        );
        assert_eq!(t.normalized(), "/pets/{}/toys/{+}");
        assert_eq!(t.param_names().collect::<Vec<_>>(), ["id", "proxy"]);
        assert!(PathTemplate::parse("/v1.0/a-b_c~:@").is_ok());
    }

    #[test]
    fn invalid_templates() {
        for (bad, why) in [
            ("pets", "start with '/'"),
            ("/pets/", "end with '/'"),
            ("/a//b", "empty segment"),
            ("/{proxy+}/x", "last segment"),
            ("/pets-{id}", "whole segment"),
            ("/{id", "whole segment"),
            ("/{}", "invalid parameter name"),
            ("/{a b}", "invalid parameter name"),
            ("/{id}/{id}", "appears twice"),
            ("/a%20b", "not allowed"),
            ("/a b", "not allowed"),
        ] {
            let e = PathTemplate::parse(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    fn segment_strategy() -> impl proptest::strategy::Strategy<Value = Segment> {
        use proptest::prelude::*;
        prop_oneof![
            "[a-z0-9._~-]{1,8}".prop_map(Segment::Literal),
            "[a-z][a-z0-9_]{0,6}".prop_map(Segment::Param),
        ]
    }

    fn render(segments: &[Segment]) -> String {
        if segments.is_empty() {
            return "/".into();
        }
        segments
            .iter()
            .map(|s| match s {
                Segment::Literal(l) => format!("/{l}"),
                Segment::Param(n) => format!("/{{{n}}}"),
                Segment::Greedy(n) => format!("/{{{n}+}}"),
            })
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn rendered_templates_parse_back(
            mut segs in proptest::collection::vec(segment_strategy(), 0..6),
            greedy in proptest::option::of("[a-z]{1,5}"),
        ) {
            // Unique parameter names, as the parser requires.
            let mut seen = std::collections::HashSet::new();
            segs.retain(|s| match s {
                Segment::Param(n) => seen.insert(n.clone()),
                Segment::Literal(_) | Segment::Greedy(_) => true,
            });
            if let Some(g) = greedy {
                if seen.insert(g.clone()) {
                    segs.push(Segment::Greedy(g));
                }
            }
            let t = PathTemplate::parse(&render(&segs)).unwrap();
            proptest::prop_assert_eq!(t.segments, segs);
        }

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,40}") {
            let _ = PathTemplate::parse(&s);
        }
    }
}
