//! YAML value -> raw types, section by section and item by item, collecting every shape error.
//!
//! serde stops at the first error, so the document is split before deserializing: each
//! top-level key, each function, each authorizer and each route is deserialized on its own, and
//! one bad item does not hide another. Inside an item, errors from `serde_yaml_ng::from_value`
//! carry no position; [`decode_item`] finds the offending node (the unknown key, the value of the
//! wrong type), records the error at its key path, removes the node and tries again, so an item
//! with three unknown keys reports all three.

use serde::de::DeserializeOwned;
use serde_yaml_ng::{Mapping, Value};

use crate::config::error::ErrorSink;
use crate::config::position::{join_index, join_key};
use crate::config::raw::{RawApi, RawAuthorizer, RawConfig, RawFunction, RawRoute, RawServer};

/// Top-level keys, in the order the example file documents them.
pub const TOP_LEVEL_KEYS: [&str; 7] = [
    "listen",
    "admin",
    "server",
    "api",
    "functions",
    "authorizers",
    "routes",
];

/// Most errors reported for one item (a guard: each retry removes one node, so this only
/// bounds pathological inputs).
const MAX_ERRORS_PER_ITEM: usize = 64;

/// Decodes the document `root` into the raw mirror, recording every shape error in `sink`;
/// `None` when the document is not a mapping at all (nothing more to check).
pub fn decode(root: Value, sink: &mut ErrorSink<'_>) -> Option<RawConfig> {
    let mut raw = RawConfig::default();
    let map = match root {
        Value::Null => Mapping::new(),
        Value::Mapping(m) => m,
        other => {
            sink.at(
                "",
                format!(
                    "the file must be a mapping of {}, found {}",
                    TOP_LEVEL_KEYS.join(", "),
                    kind_of(&other)
                ),
            );
            return None;
        }
    };
    for (key, value) in map {
        let Some(name) = key.as_str().map(str::to_string) else {
            sink.at(
                "",
                format!("top-level keys must be strings, found {}", kind_of(&key)),
            );
            continue;
        };
        match name.as_str() {
            "listen" => raw.listen = decode_item(value, "listen", sink),
            "admin" => raw.admin = decode_item(value, "admin", sink),
            "server" => {
                raw.server = decode_item::<Option<RawServer>>(value, "server", sink).flatten()
            }
            "api" => raw.api = decode_item::<Option<RawApi>>(value, "api", sink).flatten(),
            "functions" => {
                for (n, v) in named_items(value, "functions", sink) {
                    raw.function_names.push(n.clone());
                    if let Some(f) = decode_item::<RawFunction>(v, &join_key("functions", &n), sink)
                    {
                        raw.functions.push((n, f));
                    }
                }
            }
            "authorizers" => {
                for (n, v) in named_items(value, "authorizers", sink) {
                    raw.authorizer_names.push(n.clone());
                    let path = join_key("authorizers", &n);
                    if let Some(a) = decode_item::<RawAuthorizer>(v, &path, sink) {
                        raw.authorizers.push((n, a));
                    }
                }
            }
            "routes" => match value {
                Value::Null => {}
                Value::Sequence(items) => {
                    raw.routes_written = items.len();
                    for (i, v) in items.into_iter().enumerate() {
                        let path = join_index("routes", i);
                        if let Some(r) = decode_item::<RawRoute>(v, &path, sink) {
                            raw.routes.push((i, r));
                        }
                    }
                }
                other => sink.at(
                    "routes",
                    format!("expected a list of routes, found {}", kind_of(&other)),
                ),
            },
            _ => sink.at(
                &name,
                format!(
                    "unknown key '{name}' (allowed: {})",
                    TOP_LEVEL_KEYS.join(", ")
                ),
            ),
        }
    }
    Some(raw)
}

/// The entries of a `name -> item` section (`functions`, `authorizers`); null is empty.
fn named_items(value: Value, section: &str, sink: &mut ErrorSink<'_>) -> Vec<(String, Value)> {
    match value {
        Value::Null => Vec::new(),
        Value::Mapping(m) => m
            .into_iter()
            .filter_map(|(k, v)| match k {
                Value::String(s) => Some((s, v)),
                other => {
                    let name = scalar_text(&other);
                    sink.at(
                        &join_key(section, &name),
                        format!(
                            "names under '{section}' must be strings, found {}",
                            kind_of(&other)
                        ),
                    );
                    None
                }
            })
            .collect(),
        other => {
            sink.at(
                section,
                format!(
                    "expected a mapping of names to entries, found {}",
                    kind_of(&other)
                ),
            );
            Vec::new()
        }
    }
}

/// Deserializes one item at `path`; on error records every error found (see module doc) and
/// returns `None`.
pub fn decode_item<T: DeserializeOwned>(
    mut value: Value,
    path: &str,
    sink: &mut ErrorSink<'_>,
) -> Option<T> {
    let mut failed = false;
    for _ in 0..MAX_ERRORS_PER_ITEM {
        let message = match serde_yaml_ng::from_value::<T>(value.clone()) {
            Ok(t) => return (!failed).then_some(t),
            Err(e) => e.to_string(),
        };
        failed = true;
        match find_culprit::<T>(&value, path, &message, sink) {
            Some(culprit) => {
                sink.at(&culprit, rewrite(&message));
                if !remove_at(&mut value, &culprit[path.len()..]) {
                    return None;
                }
            }
            None => {
                sink.at(path, rewrite(&message));
                return None;
            }
        }
    }
    None
}

/// The path of the node below `path` that causes `message`: the node whose removal makes the
/// error go away, trying the likely ones (a key or scalar the message names) first.
fn find_culprit<T: DeserializeOwned>(
    value: &Value,
    path: &str,
    message: &str,
    sink: &ErrorSink<'_>,
) -> Option<String> {
    let positions = sink.positions();
    let named = named_in(message);
    let mut likely: Vec<&str> = Vec::new();
    if let Some((is_key, text)) = &named {
        for p in positions.paths_within(path) {
            let Some(node) = positions.get(p) else {
                continue;
            };
            let hit = if *is_key {
                node.key.as_deref() == Some(text.as_str())
            } else {
                node.scalar.as_deref() == Some(text.as_str())
            };
            if hit && p != path {
                likely.push(p);
            }
        }
    }
    // Deepest first among the rest: removing an ancestor would also clear the error.
    let mut rest: Vec<&str> = positions
        .paths_within(path)
        .filter(|p| *p != path && !likely.contains(p))
        .collect();
    rest.reverse();
    for candidate in likely.iter().chain(rest.iter()) {
        let mut trial = value.clone();
        if !remove_at(&mut trial, &candidate[path.len()..]) {
            continue;
        }
        match serde_yaml_ng::from_value::<T>(trial) {
            Ok(_) => return Some(candidate.to_string()),
            Err(e) if e.to_string() != message => return Some(candidate.to_string()),
            Err(_) => {}
        }
    }
    // The same message again (a repeated mistake): the first likely node.
    likely.first().map(|p| p.to_string())
}

/// The key (`true`) or scalar text (`false`) a serde message names, when it names one.
fn named_in(message: &str) -> Option<(bool, String)> {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        return rest.split('`').next().map(|k| (true, k.to_string()));
    }
    let rest = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))?;
    if let Some(s) = rest.strip_prefix("string \"") {
        return s
            .split("\", expected")
            .next()
            .map(|v| (false, v.to_string()));
    }
    let inner = rest.split('`').nth(1)?;
    Some((false, inner.to_string()))
}

/// A serde message in the config's words.
fn rewrite(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let mut parts = rest.splitn(2, '`');
        let key = parts.next().unwrap_or_default();
        let tail = parts.next().unwrap_or_default();
        let allowed = tail
            .trim_start_matches(", ")
            .trim_start_matches("expected ")
            .trim_start_matches("one of ")
            .replace('`', "")
            .replace(" or ", ", ");
        return if allowed.starts_with("there are no fields") {
            format!("unknown key '{key}' (no keys are allowed here)")
        } else {
            format!("unknown key '{key}' (allowed: {allowed})")
        };
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let key = rest.split('`').next().unwrap_or_default();
        return format!("missing required key '{key}'");
    }
    // `expected struct RawRoute` -> `expected a mapping`.
    match message.find("expected struct Raw") {
        Some(i) => format!("{}expected a mapping", &message[..i]),
        None => message.replace("unit value", "null"),
    }
}

/// Removes the node at `rest` (a path relative to `value`: `.a.b[2].c`); a sequence element is
/// replaced by an empty string so later indexes keep their meaning.
fn remove_at(value: &mut Value, rest: &str) -> bool {
    if rest.is_empty() {
        return false;
    }
    if let Some(after) = rest.strip_prefix('[') {
        let Some((index, tail)) = after.split_once(']') else {
            return false;
        };
        let (Ok(i), Value::Sequence(items)) = (index.parse::<usize>(), value) else {
            return false;
        };
        let Some(item) = items.get_mut(i) else {
            return false;
        };
        if tail.is_empty() {
            *item = Value::String(String::new());
            return true;
        }
        return remove_at(item, tail);
    }
    let (Some(after), Value::Mapping(map)) = (rest.strip_prefix('.'), value) else {
        return false;
    };
    // Keys may contain dots: try every key the path starts with, longest first.
    let mut keys: Vec<String> = map
        .keys()
        .filter_map(|k| k.as_str())
        .filter(|k| {
            after
                .strip_prefix(*k)
                .is_some_and(|t| t.is_empty() || t.starts_with('.') || t.starts_with('['))
        })
        .map(str::to_string)
        .collect();
    keys.sort_by_key(|k| std::cmp::Reverse(k.len()));
    for k in keys {
        let tail = &after[k.len()..];
        if tail.is_empty() {
            return map.shift_remove(k.as_str()).is_some();
        }
        if let Some(child) = map.get_mut(k.as_str()) {
            if remove_at(child, tail) {
                return true;
            }
        }
    }
    false
}

/// "a string", "a list" ... for messages.
pub fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

/// A scalar's text for naming it in a path.
fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => "?".to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::config::position::Positions;

    fn run(text: &str) -> (RawConfig, Vec<String>) {
        let positions = Positions::parse(text).unwrap();
        let value: Value = serde_yaml_ng::from_str(text).unwrap();
        let mut sink = ErrorSink::new("t.yaml", &positions);
        let raw = decode(value, &mut sink).unwrap_or_default();
        (raw, sink.finish().lines().collect())
    }

    #[test]
    fn every_unknown_key_of_an_item_is_reported() {
        let (raw, errors) = run("\
routes:
  - path: /a
    methd: GET
    integration:
      function: f
      tpye: AWS_PROXY
  - path: /b
    method: GET
");
        assert_eq!(raw.routes.len(), 1);
        assert_eq!(raw.routes[0].0, 1);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors[0].starts_with(
                "t.yaml:3:5: routes[0].methd: unknown key 'methd' (allowed: path, method,"
            ),
            "{}",
            errors[0]
        );
        assert!(
            errors[1].starts_with("t.yaml:6:7: routes[0].integration.tpye: unknown key 'tpye'"),
            "{}",
            errors[1]
        );
    }

    #[test]
    fn a_value_of_the_wrong_type_is_located() {
        let (_, errors) = run("\
server:
  maxHeaders: many
  idleTimeoutMillis: [1]
functions:
  f: {invokeUrl: \"http://x\", timeoutInMillis: -5}
");
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(
            errors[0].starts_with("t.yaml:2:3: server.maxHeaders: invalid type: string \"many\""),
            "{}",
            errors[0]
        );
        assert!(
            errors[1].starts_with("t.yaml:3:3: server.idleTimeoutMillis: invalid type: sequence"),
            "{}",
            errors[1]
        );
        assert!(
            errors[2].starts_with(
                "t.yaml:5:30: functions.f.timeoutInMillis: invalid value: integer `-5`"
            ),
            "{}",
            errors[2]
        );
    }

    #[test]
    fn unknown_top_level_keys_and_wrong_shapes() {
        let (_, errors) = run("lisen: x\nroutes: {a: 1}\napi: 5\n");
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].contains("lisen: unknown key 'lisen' (allowed: listen, admin,"));
        assert!(errors[1].contains("routes: expected a list of routes, found a mapping"));
        assert!(
            errors[2].contains("t.yaml:3:1: api: invalid type: integer `5`, expected a mapping"),
            "{}",
            errors[2]
        );
    }

    #[test]
    fn dotted_keys_are_removed_by_path() {
        let mut v: Value = serde_yaml_ng::from_str("a: {x.y: {z: 1}, x: 2}").unwrap();
        assert!(remove_at(&mut v, ".a.x.y.z"));
        assert_eq!(v["a"]["x.y"].as_mapping().unwrap().len(), 0);
        assert!(remove_at(&mut v, ".a.x"));
        assert!(!remove_at(&mut v, ".a.q"));
    }
}
