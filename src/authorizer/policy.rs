//! IAM policy documents returned by authorizers, compiled once and evaluated per request
//! (spec proxy-auth §8.7).
//!
//! Evaluation is IAM's for the single action `execute-api:Invoke` against the request's methodArn:
//! any applicable `Deny` wins, else any applicable `Allow` grants, else the request is implicitly
//! denied. Whether a statement's `Action` covers `execute-api:Invoke` does not depend on the request,
//! so it is decided at compile time; a request only matches `Resource` patterns, without allocating.
//!
//! Supported elements: `Effect`, `Action` / `NotAction`, `Resource` / `NotResource`, each a string or
//! a list of strings, and `Statement` as one object or a list. `Condition` cannot be evaluated
//! (there are no condition keys for a gateway request), so it is treated fail-closed: an `Allow`
//! with a condition never grants, a `Deny` with a condition always applies.

use serde_json::Value;

/// The action every API Gateway request is authorized for.
const INVOKE: &str = "execute-api:invoke";

/// The outcome of evaluating a policy against one methodArn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evaluation {
    /// An applicable `Allow` and no applicable `Deny`.
    Allow,
    /// An applicable `Deny`.
    ExplicitDeny,
    /// No applicable statement.
    ImplicitDeny,
}

/// Why a policy document cannot be used (API Gateway: "Could not parse policy").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid policy document: {0}")]
pub struct PolicyError(pub &'static str);

/// A compiled policy: only the statements that cover `execute-api:Invoke`.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    statements: Vec<Statement>,
}

#[derive(Debug, Clone)]
struct Statement {
    deny: bool,
    /// `NotResource`: the statement applies to ARNs that match none of the patterns.
    not_resource: bool,
    resources: Vec<Pattern>,
}

impl Policy {
    /// Compiles a `policyDocument` value.
    pub fn compile(doc: &Value) -> Result<Policy, PolicyError> {
        let doc = doc
            .as_object()
            .ok_or(PolicyError("policyDocument is not an object"))?;
        let statements = match doc.get("Statement") {
            Some(Value::Array(list)) => list.iter().collect::<Vec<_>>(),
            Some(one @ Value::Object(_)) => vec![one],
            _ => return Err(PolicyError("Statement missing or not a list")),
        };
        let mut compiled = Vec::with_capacity(statements.len());
        for st in statements {
            if let Some(s) = Statement::compile(st)? {
                compiled.push(s);
            }
        }
        Ok(Policy {
            statements: compiled,
        })
    }

    /// Evaluates the policy for `execute-api:Invoke` on `method_arn`.
    pub fn evaluate(&self, method_arn: &str) -> Evaluation {
        let mut allowed = false;
        for st in &self.statements {
            let hit = st.resources.iter().any(|p| p.matches(method_arn)) != st.not_resource;
            if !hit {
                continue;
            }
            if st.deny {
                return Evaluation::ExplicitDeny;
            }
            allowed = true;
        }
        if allowed {
            Evaluation::Allow
        } else {
            Evaluation::ImplicitDeny
        }
    }
}

impl Statement {
    /// `Ok(None)` when the statement is valid but can never apply to `execute-api:Invoke`.
    fn compile(st: &Value) -> Result<Option<Statement>, PolicyError> {
        let st = st
            .as_object()
            .ok_or(PolicyError("statement is not an object"))?;
        let deny = match st.get("Effect").and_then(Value::as_str) {
            Some("Allow") => false,
            Some("Deny") => true,
            _ => return Err(PolicyError("Effect must be Allow or Deny")),
        };
        // IAM action names are case-insensitive: patterns are lower-cased against INVOKE.
        let covers_invoke = match (st.get("Action"), st.get("NotAction")) {
            (Some(a), None) => {
                strings(a)?.any(|p| Pattern::new(&p.to_ascii_lowercase()).matches(INVOKE))
            }
            (None, Some(a)) => {
                !strings(a)?.any(|p| Pattern::new(&p.to_ascii_lowercase()).matches(INVOKE))
            }
            _ => return Err(PolicyError("exactly one of Action / NotAction is required")),
        };
        let (resources, not_resource) = match (st.get("Resource"), st.get("NotResource")) {
            (Some(r), None) => (strings(r)?.map(Pattern::new).collect::<Vec<_>>(), false),
            (None, Some(r)) => (strings(r)?.map(Pattern::new).collect::<Vec<_>>(), true),
            _ => {
                return Err(PolicyError(
                    "exactly one of Resource / NotResource is required",
                ))
            }
        };
        if !covers_invoke || (st.contains_key("Condition") && !deny) {
            return Ok(None);
        }
        Ok(Some(Statement {
            deny,
            not_resource,
            resources,
        }))
    }
}

/// A string or a list of strings (IAM allows both for Action and Resource).
fn strings(v: &Value) -> Result<impl Iterator<Item = &str>, PolicyError> {
    let list: Vec<&str> = match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().ok_or(PolicyError("list item is not a string")))
            .collect::<Result<_, _>>()?,
        _ => return Err(PolicyError("expected a string or a list of strings")),
    };
    Ok(list.into_iter())
}

/// An IAM wildcard pattern: `*` matches any run of characters (including `/` and `:`), `?` one
/// character. Precompiled into its cheapest form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    /// `*`: matches everything.
    Any,
    /// No wildcard: plain equality.
    Exact(Box<str>),
    /// Anything else.
    Glob(Box<str>),
}

impl Pattern {
    /// Compiles one pattern.
    pub fn new(p: &str) -> Pattern {
        if p.bytes().all(|b| b == b'*') && !p.is_empty() {
            Pattern::Any
        } else if p.contains(['*', '?']) {
            Pattern::Glob(p.into())
        } else {
            Pattern::Exact(p.into())
        }
    }

    /// Whether `text` matches the whole pattern.
    pub fn matches(&self, text: &str) -> bool {
        match self {
            Pattern::Any => true,
            Pattern::Exact(p) => **p == *text,
            Pattern::Glob(p) => glob(p.as_bytes(), text.as_bytes()),
        }
    }
}

/// Iterative wildcard match with single-star backtracking: linear in practice, O(n·m) worst case,
/// no allocation. `?` consumes one UTF-8 character.
fn glob(pat: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pat.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(b'?') => {
                t += char_width(text[t]);
                p += 1;
            }
            Some(&c) if c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    let next = st + char_width(text[st]);
                    star = Some((sp, next));
                    p = sp + 1;
                    t = next;
                }
                None => return false,
            },
        }
    }
    pat[p.min(pat.len())..].iter().all(|&b| b == b'*')
}

/// Length of the UTF-8 sequence that starts with `lead` (1 for continuation bytes, to make progress).
fn char_width(lead: u8) -> usize {
    match lead {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abc123/test/GET/pets/1";

    fn policy(statements: Value) -> Policy {
        Policy::compile(&json!({"Version": "2012-10-17", "Statement": statements})).unwrap()
    }

    #[test]
    fn allow_deny_and_implicit_deny() {
        let p =
            policy(json!([{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": ARN}]));
        assert_eq!(p.evaluate(ARN), Evaluation::Allow);
        assert_eq!(
            p.evaluate(&ARN.replace("GET", "POST")),
            Evaluation::ImplicitDeny
        );
        let p = policy(json!([
            {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"},
            {"Action": ["execute-api:Invoke"], "Effect": "Deny", "Resource": [ARN]}
        ]));
        assert_eq!(p.evaluate(ARN), Evaluation::ExplicitDeny);
        assert_eq!(p.evaluate(&ARN.replace("/1", "/2")), Evaluation::Allow);
        assert_eq!(policy(json!([])).evaluate(ARN), Evaluation::ImplicitDeny);
    }

    #[test]
    fn single_statement_object_and_wildcards() {
        let p = policy(json!({"Action": "execute-api:*", "Effect": "Allow",
            "Resource": "arn:aws:execute-api:*:*:abc123/test/GET/*"}));
        assert_eq!(p.evaluate(ARN), Evaluation::Allow);
        assert_eq!(
            p.evaluate(&ARN.replace("GET", "PUT")),
            Evaluation::ImplicitDeny
        );
        let p = policy(json!({"Action": "*", "Effect": "Allow",
            "Resource": "arn:aws:execute-api:us-east-1:123456789012:abc123/test/???/pets/?"}));
        assert_eq!(p.evaluate(ARN), Evaluation::Allow);
        assert_eq!(
            p.evaluate(&ARN.replace("/1", "/10")),
            Evaluation::ImplicitDeny
        );
        let p = policy(json!({"Action": "EXECUTE-API:invoke", "Effect": "Allow", "Resource": "*"}));
        assert_eq!(p.evaluate(ARN), Evaluation::Allow);
    }

    #[test]
    fn other_actions_not_actions_and_conditions() {
        let p = policy(json!({"Action": "s3:GetObject", "Effect": "Allow", "Resource": "*"}));
        assert_eq!(p.evaluate(ARN), Evaluation::ImplicitDeny);
        let p = policy(json!({"NotAction": "s3:*", "Effect": "Allow", "NotResource": "*/POST/*"}));
        assert_eq!(p.evaluate(ARN), Evaluation::Allow);
        assert_eq!(
            p.evaluate(&ARN.replace("GET", "POST")),
            Evaluation::ImplicitDeny
        );
        let p = policy(json!([
            {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*",
             "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}
        ]));
        assert_eq!(p.evaluate(ARN), Evaluation::ImplicitDeny);
    }

    #[test]
    fn invalid_documents_are_errors() {
        for doc in [
            json!("x"),
            json!({"Version": "2012-10-17"}),
            json!({"Statement": [{"Effect": "allow", "Action": "*", "Resource": "*"}]}),
            json!({"Statement": [{"Effect": "Allow", "Resource": "*"}]}),
            json!({"Statement": [{"Effect": "Allow", "Action": "*"}]}),
            json!({"Statement": [{"Effect": "Allow", "Action": 3, "Resource": "*"}]}),
            json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": ["*", 1]}]}),
            json!({"Statement": ["x"]}),
        ] {
            assert!(Policy::compile(&doc).is_err(), "{doc}");
        }
    }

    #[test]
    fn glob_edge_cases() {
        assert!(glob(b"a*b*c", b"aXXbYYc"));
        assert!(glob(b"a*", b"a"));
        assert!(!glob(b"a?", b"a"));
        assert!(glob(b"?", "é".as_bytes()));
        assert!(glob(b"**", b""));
        assert!(!glob(b"", b"x"));
        assert!(glob(b"*/GET/", b"x/GET/"));
        assert!(!glob(b"*/GET/", b"x/GET/y"));
    }

    /// Reference: the same semantics through the regex crate.
    fn reference(pat: &str, text: &str) -> bool {
        let mut re = String::from("^");
        for c in pat.chars() {
            match c {
                '*' => re.push_str("(?s:.*)"),
                '?' => re.push_str("(?s:.)"),
                c => re.push_str(&regex::escape(&c.to_string())),
            }
        }
        re.push('$');
        regex::Regex::new(&re).unwrap().is_match(text)
    }

    proptest::proptest! {
        #[test]
        fn glob_agrees_with_a_regex(pat in "[ab/*?é]{0,8}", text in "[ab/é]{0,10}") {
            proptest::prop_assert_eq!(Pattern::new(&pat).matches(&text), reference(&pat, &text));
        }
    }
}
