//! Runtime values: Java objects as the template sees them, borrowing from the template, the
//! request input and the parsed body (`'a`) wherever possible.
//!
//! Collections are shared and mutable (`Rc<RefCell<..>>`) because Velocity has Java reference
//! semantics: a list put into a map and then appended to shows the append through the map.
//! JSON containers from the body stay as borrowed tape slices (`Json`) until a template
//! mutates them.

use std::cell::RefCell;
use std::rc::Rc;

use simd_json::{Node, StaticNode};

use super::java_compat;
use super::json;

/// How deep `toString()` / JSON rendering follows nested collections. Real documents nest far
/// less; a collection that contains itself indirectly would otherwise recurse forever.
const MAX_SHOW_DEPTH: u32 = 512;
/// Most bytes one `toString()` / JSON rendering writes: above the VM's output cap, so a
/// rendering cut short here fails the template there. Bounds the work of a cycle with several
/// paths back to itself, which the depth alone would let grow exponentially.
const MAX_SHOW_BYTES: usize = 16 * 1024 * 1024;
/// Most element pairs one `equals` compares (the same guard for comparing two cycles).
const MAX_EQUALS_STEPS: u32 = 1 << 20;

/// What is left of one rendering's budget: nesting levels, and where the output must stop.
#[derive(Clone, Copy)]
struct Show {
    depth: u32,
    end: usize,
}

impl Show {
    fn new(out: &str) -> Show {
        Show {
            depth: MAX_SHOW_DEPTH,
            end: out.len().saturating_add(MAX_SHOW_BYTES),
        }
    }

    /// One level deeper, or `None` when the depth or the bytes are spent.
    fn deeper(self, out: &str) -> Option<Show> {
        let depth = self.depth.checked_sub(1)?;
        (out.len() <= self.end).then_some(Show { depth, ..self })
    }
}

/// A value on the VM stack or in a variable.
#[derive(Clone, Debug)]
pub(crate) enum Value<'a> {
    Null,
    Bool(bool),
    /// Java Integer/Long/BigInteger (i128 covers the long-overflow promotion Velocity does).
    Int(i128),
    Double(f64),
    /// A borrowed string (template constant, request input, body).
    Str(&'a str),
    /// A string built at render time.
    Owned(Rc<str>),
    List(Rc<RefCell<List<'a>>>),
    Map(Rc<RefCell<Map<'a>>>),
    /// A JSON object or array of the parsed body (scalars are converted eagerly).
    Json(&'a [Node<'a>]),
    /// A `Map.Entry` from `entrySet()`.
    Entry(Rc<(Value<'a>, Value<'a>)>),
    /// `$input` / `$util` used as plain values.
    Builtin(Builtin),
    /// A `#define` block (renders lazily).
    Block(u32),
}

/// Builtin objects that have methods but no map form.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Builtin {
    Input,
    Util,
}

/// A Java list.
#[derive(Debug, Default)]
pub(crate) struct List<'a> {
    pub items: Vec<Value<'a>>,
    /// Came from JSON (a JSON array): renders as compact JSON, not `[a, b]`.
    pub json: bool,
}

/// An insertion-ordered Java map (`LinkedHashMap`). Linear lookup: template maps are small.
#[derive(Debug, Default)]
pub(crate) struct Map<'a> {
    pub entries: Vec<(Value<'a>, Value<'a>)>,
    /// Renders as the empty string (`$context`, `$context.identity`, overrides in AWS).
    pub opaque: bool,
    /// String keys compare case-insensitively (HTTP header maps).
    pub ci: bool,
}

impl<'a> Map<'a> {
    pub fn find(&self, key: &Value<'a>) -> Option<usize> {
        if let Some(k) = key.as_str() {
            return self.find_str(k);
        }
        self.entries.iter().position(|(k, _)| k.java_equals(key))
    }

    pub fn find_str(&self, key: &str) -> Option<usize> {
        self.entries.iter().position(|(k, _)| match k.as_str() {
            Some(s) if self.ci => s.eq_ignore_ascii_case(key),
            Some(s) => s == key,
            None => false,
        })
    }

    pub fn get_str(&self, key: &str) -> Option<&Value<'a>> {
        self.find_str(key).map(|i| &self.entries[i].1)
    }

    /// `put`: returns the previous value (Null when new); keeps the original position.
    pub fn put(&mut self, key: Value<'a>, value: Value<'a>) -> Value<'a> {
        match self.find(&key) {
            Some(i) => std::mem::replace(&mut self.entries[i].1, value),
            None => {
                self.entries.push((key, value));
                Value::Null
            }
        }
    }

    pub fn remove(&mut self, key: &Value<'a>) -> Value<'a> {
        match self.find(key) {
            Some(i) => self.entries.remove(i).1,
            None => Value::Null,
        }
    }
}

impl<'a> Value<'a> {
    pub fn list(items: Vec<Value<'a>>) -> Self {
        Value::List(Rc::new(RefCell::new(List { items, json: false })))
    }

    pub fn map(entries: Vec<(Value<'a>, Value<'a>)>) -> Self {
        Value::Map(Rc::new(RefCell::new(Map {
            entries,
            opaque: false,
            ci: false,
        })))
    }

    pub fn owned(s: String) -> Self {
        Value::Owned(Rc::from(s))
    }

    /// Converts a tape node: scalars become plain values, containers stay borrowed.
    pub fn from_json(j: &'a [Node<'a>]) -> Self {
        match j.first() {
            Some(Node::String(s)) => Value::Str(s),
            Some(Node::Static(StaticNode::I64(i))) => Value::Int(*i as i128),
            Some(Node::Static(StaticNode::U64(u))) => Value::Int(*u as i128),
            Some(Node::Static(StaticNode::F64(f))) => Value::Double(*f),
            Some(Node::Static(StaticNode::Bool(b))) => Value::Bool(*b),
            Some(Node::Object { .. } | Node::Array { .. }) => Value::Json(j),
            _ => Value::Null,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            Value::Owned(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_string(&self) -> bool {
        matches!(self, Value::Str(_) | Value::Owned(_))
    }

    pub fn is_number(&self) -> bool {
        matches!(self, Value::Int(_) | Value::Double(_))
    }

    /// Velocity truthiness: only null and `false` are false.
    pub fn truthy(&self) -> bool {
        !matches!(self, Value::Null | Value::Bool(false))
    }

    pub fn as_int(&self) -> Option<i128> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Double(d) if d.fract() == 0.0 && d.abs() < 1e30 => Some(*d as i128),
            Value::Str(_) | Value::Owned(_) => self.as_str().and_then(|s| s.trim().parse().ok()),
            _ => None,
        }
    }

    /// Java `toString()` (null renders empty at top level, `null` inside containers).
    pub fn write_java(&self, out: &mut String, nested: bool) {
        let show = Show::new(out);
        self.write_java_in(out, nested, show);
    }

    /// `write_java` with a nesting budget. A collection holding itself shows as Java's
    /// `(this Collection)` / `(this Map)`; deeper cycles (Java overflows its stack) stop at the
    /// budget instead of overflowing ours.
    fn write_java_in(&self, out: &mut String, nested: bool, show: Show) {
        match self {
            Value::Null => {
                if nested {
                    out.push_str("null")
                }
            }
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => {
                let mut buf = itoa::Buffer::new();
                // i64 formatting is much cheaper than i128; nearly every int fits.
                match i64::try_from(*i) {
                    Ok(small) => out.push_str(buf.format(small)),
                    Err(_) => out.push_str(buf.format(*i)),
                }
            }
            Value::Double(d) => java_compat::write_double(*d, out),
            Value::Str(s) => out.push_str(s),
            Value::Owned(s) => out.push_str(s),
            Value::List(rc) => {
                let l = rc.borrow();
                if l.json {
                    drop(l);
                    self.write_json_in(out, show);
                    return;
                }
                let Some(show) = show.deeper(out) else {
                    return;
                };
                out.push('[');
                for (i, v) in l.items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    match v {
                        Value::List(x) if Rc::ptr_eq(x, rc) => out.push_str("(this Collection)"),
                        _ if out.len() > show.end => return,
                        _ => v.write_java_in(out, true, show),
                    }
                }
                out.push(']');
            }
            Value::Map(rc) => {
                let m = rc.borrow();
                if m.opaque {
                    return;
                }
                let Some(show) = show.deeper(out) else {
                    return;
                };
                let item = |v: &Value<'a>, out: &mut String| match v {
                    Value::Map(x) if Rc::ptr_eq(x, rc) => out.push_str("(this Map)"),
                    _ => v.write_java_in(out, true, show),
                };
                out.push('{');
                for (i, (k, v)) in m.entries.iter().enumerate() {
                    if out.len() > show.end {
                        return;
                    }
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item(k, out);
                    out.push('=');
                    item(v, out);
                }
                out.push('}');
            }
            Value::Json(j) => json::write_java(j, out),
            Value::Entry(e) => {
                let Some(show) = show.deeper(out) else {
                    return;
                };
                e.0.write_java_in(out, true, show);
                out.push('=');
                e.1.write_java_in(out, true, show);
            }
            Value::Builtin(_) | Value::Block(_) => {}
        }
    }

    /// `toString()` as an owned string.
    pub fn to_java_string(&self) -> String {
        let mut s = String::new();
        self.write_java(&mut s, false);
        s
    }

    /// Compact JSON serialisation (used for JSON arrays and `$input.json`).
    pub fn write_json(&self, out: &mut String) {
        let show = Show::new(out);
        self.write_json_in(out, show);
    }

    /// `write_json` with a nesting budget (a collection holding itself is a cycle; it stops at
    /// the budget rather than overflowing the stack).
    fn write_json_in(&self, out: &mut String, show: Show) {
        let Some(show) = show.deeper(out) else {
            out.push_str("null");
            return;
        };
        match self {
            Value::Null | Value::Builtin(_) | Value::Block(_) => out.push_str("null"),
            Value::Bool(_) | Value::Int(_) => self.write_java_in(out, false, show),
            Value::Double(d) => {
                if d.is_finite() {
                    java_compat::write_double(*d, out)
                } else {
                    out.push_str("null")
                }
            }
            Value::Str(s) => json::write_string(s, out),
            Value::Owned(s) => json::write_string(s, out),
            Value::List(l) => {
                out.push('[');
                for (i, v) in l.borrow().items.iter().enumerate() {
                    if out.len() > show.end {
                        return;
                    }
                    if i > 0 {
                        out.push(',');
                    }
                    v.write_json_in(out, show);
                }
                out.push(']');
            }
            Value::Map(m) => {
                out.push('{');
                for (i, (k, v)) in m.borrow().entries.iter().enumerate() {
                    if out.len() > show.end {
                        return;
                    }
                    if i > 0 {
                        out.push(',');
                    }
                    json::write_string(&k.to_java_string(), out);
                    out.push(':');
                    v.write_json_in(out, show);
                }
                out.push('}');
            }
            Value::Json(j) => json::write_json(j, out),
            Value::Entry(e) => {
                out.push('{');
                json::write_string(&e.0.to_java_string(), out);
                out.push(':');
                e.1.write_json_in(out, show);
                out.push('}');
            }
        }
    }

    /// Java `equals` (type-sensitive: `Integer(1)` is not `"1"`).
    pub fn java_equals(&self, other: &Value<'a>) -> bool {
        let mut steps = MAX_EQUALS_STEPS;
        self.equals_in(other, MAX_SHOW_DEPTH, &mut steps)
    }

    /// `java_equals` within a nesting and a step budget. Two distinct cycles of the same shape
    /// would make Java overflow its stack (the template fails); here they compare unequal once
    /// the budget is spent, rather than overflowing ours.
    fn equals_in(&self, other: &Value<'a>, depth: u32, steps: &mut u32) -> bool {
        let (Some(depth), Some(left)) = (depth.checked_sub(1), steps.checked_sub(1)) else {
            return false;
        };
        *steps = left;
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Double(a), Value::Double(b)) => a == b,
            (a, b) if a.is_string() && b.is_string() => a.as_str() == b.as_str(),
            (Value::List(a), Value::List(b)) => {
                Rc::ptr_eq(a, b) || {
                    let (a, b) = (a.borrow(), b.borrow());
                    a.items.len() == b.items.len()
                        && a.items
                            .iter()
                            .zip(&b.items)
                            .all(|(x, y)| x.equals_in(y, depth, steps))
                }
            }
            (Value::Map(a), Value::Map(b)) => {
                Rc::ptr_eq(a, b) || {
                    let (a, b) = (a.borrow(), b.borrow());
                    a.entries.len() == b.entries.len()
                        && a.entries.iter().all(|(k, v)| {
                            b.find(k)
                                .is_some_and(|i| b.entries[i].1.equals_in(v, depth, steps))
                        })
                }
            }
            (Value::Json(a), Value::Json(b)) => {
                let (mut x, mut y) = (String::new(), String::new());
                json::write_json(a, &mut x);
                json::write_json(b, &mut y);
                x == y
            }
            _ => false,
        }
    }

    /// Turns a JSON container into an owned, mutable one (one level; children stay borrowed).
    pub fn materialize(&self) -> Value<'a> {
        match self {
            Value::Json(j) => match j.first() {
                Some(Node::Object { .. }) => {
                    let entries = json::obj_iter(j)
                        .map(|(k, v)| (Value::Str(k), Value::from_json(v)))
                        .collect();
                    Value::map(entries)
                }
                _ => {
                    let items = json::arr_iter(j).map(Value::from_json).collect();
                    Value::List(Rc::new(RefCell::new(List { items, json: true })))
                }
            },
            other => other.clone(),
        }
    }

    /// Converts to an owned JSON value (overrides outlive the render).
    pub fn to_serde(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null | Value::Builtin(_) | Value::Block(_) => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => {
                if let Ok(v) = i64::try_from(*i) {
                    J::from(v)
                } else if let Ok(v) = u64::try_from(*i) {
                    J::from(v)
                } else {
                    J::String(i.to_string())
                }
            }
            Value::Double(d) => serde_json::Number::from_f64(*d).map_or(J::Null, J::Number),
            Value::Str(_) | Value::Owned(_) => J::String(self.as_str().unwrap_or("").to_string()),
            Value::List(l) => J::Array(l.borrow().items.iter().map(|v| v.to_serde()).collect()),
            Value::Map(m) => J::Object(
                m.borrow()
                    .entries
                    .iter()
                    .map(|(k, v)| (k.to_java_string(), v.to_serde()))
                    .collect(),
            ),
            Value::Json(_) | Value::Entry(_) => {
                let mut s = String::new();
                self.write_json(&mut s);
                serde_json::from_str(&s).unwrap_or(J::Null)
            }
        }
    }

    /// Converts an owned JSON value (parseJson results, stored overrides).
    pub fn from_serde(v: &serde_json::Value) -> Value<'a> {
        use serde_json::Value as J;
        match v {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Value::Int(i as i128)
                } else if let Some(u) = n.as_u64() {
                    Value::Int(u as i128)
                } else {
                    Value::Double(n.as_f64().unwrap_or(0.0))
                }
            }
            J::String(s) => Value::owned(s.clone()),
            J::Array(a) => Value::List(Rc::new(RefCell::new(List {
                items: a.iter().map(Value::from_serde).collect(),
                json: true,
            }))),
            J::Object(o) => Value::map(
                o.iter()
                    .map(|(k, v)| (Value::owned(k.clone()), Value::from_serde(v)))
                    .collect(),
            ),
        }
    }
}
