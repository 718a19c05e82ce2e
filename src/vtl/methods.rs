//! Java methods on template values (mapping.md §3.5): `String`, `List`, `Map`, `Map.Entry`,
//! numbers and booleans, plus Velocity's property lookup (`$m.key` = `get("key")`, `$x.empty`
//! = `isEmpty()`). Unknown methods yield null (render empty); Java exceptions (index out of
//! range, bad regex) are errors.

use std::cell::RefCell;
use std::rc::Rc;

use super::java_compat;
use super::json;
use super::value::{List, Value};

/// A Java exception message.
pub(crate) type Thrown = String;

/// `$recv.name` (property access).
pub(crate) fn prop<'a>(recv: &Value<'a>, name: &str) -> Result<Value<'a>, Thrown> {
    match recv {
        Value::Map(m) => Ok(m.borrow().get_str(name).cloned().unwrap_or(Value::Null)),
        Value::Json(j) if json::is_object(j) => {
            Ok(json::obj_get(j, name).map_or(Value::Null, Value::from_json))
        }
        Value::Entry(e) => Ok(match name {
            "key" => e.0.clone(),
            "value" => e.1.clone(),
            _ => Value::Null,
        }),
        Value::Null => Ok(Value::Null),
        // Bean-style getters on other objects: getX() / isX().
        _ => match name {
            "empty" => call(recv, "isEmpty", &[]),
            "class" => Ok(Value::Null),
            _ => {
                let mut getter = String::with_capacity(name.len() + 3);
                getter.push_str("get");
                let mut cs = name.chars();
                if let Some(c) = cs.next() {
                    getter.extend(c.to_uppercase());
                    getter.push_str(cs.as_str());
                }
                call(recv, &getter, &[])
            }
        },
    }
}

/// `$recv[idx]`.
pub(crate) fn index<'a>(recv: &Value<'a>, idx: &Value<'a>) -> Result<Value<'a>, Thrown> {
    match recv {
        Value::List(_) | Value::Json(_) if is_list(recv) => {
            // Only an integer indexes a list (`$l["1"]` finds no `get(String)`: null).
            let Value::Int(i) = *idx else {
                return Ok(Value::Null);
            };
            // Velocity 1.7 calls `get` with the index, so one out of range throws as `get` does.
            let len = list_len(recv);
            list_get(recv, from_end(i, len))
                .ok_or_else(|| format!("IndexOutOfBoundsException: Index: {i}, Size: {len}"))
        }
        Value::Map(m) => {
            let m = m.borrow();
            Ok(m.find(idx)
                .and_then(|i| m.entries.get(i))
                .map_or(Value::Null, |(_, v)| v.clone()))
        }
        Value::Json(j) => Ok(match idx.as_str() {
            Some(k) => json::obj_get(j, k).map_or(Value::Null, Value::from_json),
            None => json::obj_get(j, &idx.to_java_string()).map_or(Value::Null, Value::from_json),
        }),
        _ => Ok(Value::Null),
    }
}

/// A list index as Velocity 1.7's index notation reads it: a negative one counts from the end
/// (`$l[-1]` is the last item).
pub(crate) fn from_end(i: i128, len: usize) -> i128 {
    if i < 0 {
        i + len as i128
    } else {
        i
    }
}

fn is_list(v: &Value<'_>) -> bool {
    match v {
        Value::List(_) => true,
        Value::Json(j) => json::is_array(j),
        _ => false,
    }
}

fn list_len(v: &Value<'_>) -> usize {
    match v {
        Value::List(l) => l.borrow().items.len(),
        Value::Json(j) => json::len(j),
        _ => 0,
    }
}

fn list_get<'a>(v: &Value<'a>, i: i128) -> Option<Value<'a>> {
    let i = usize::try_from(i).ok()?;
    match v {
        Value::List(l) => l.borrow().items.get(i).cloned(),
        Value::Json(j) => json::arr_get(j, i).map(Value::from_json),
        _ => None,
    }
}

/// Items of a list-like value (lists, JSON arrays), materialised.
pub(crate) fn list_items<'a>(v: &Value<'a>) -> Vec<Value<'a>> {
    match v {
        Value::List(l) => l.borrow().items.clone(),
        Value::Json(j) if json::is_array(j) => json::arr_iter(j).map(Value::from_json).collect(),
        _ => Vec::new(),
    }
}

/// (key, value) pairs of a map-like value (maps, JSON objects).
pub(crate) fn map_entries<'a>(v: &Value<'a>) -> Vec<(Value<'a>, Value<'a>)> {
    match v {
        Value::Map(m) => m.borrow().entries.clone(),
        Value::Json(j) if json::is_object(j) => json::obj_iter(j)
            .map(|(k, x)| (Value::Str(k), Value::from_json(x)))
            .collect(),
        _ => Vec::new(),
    }
}

fn is_map(v: &Value<'_>) -> bool {
    match v {
        Value::Map(_) => true,
        Value::Json(j) => json::is_object(j),
        _ => false,
    }
}

/// Marks an argument of the wrong type: Java has no such overload, so Velocity finds no method
/// and the call is null (rendered empty), not an error. [`call`] turns it into null.
const NO_SUCH_METHOD: &str = "no method takes these argument types";

fn int_arg(args: &[Value<'_>], i: usize) -> Result<i128, Thrown> {
    args.get(i)
        .and_then(|a| match a {
            Value::Int(n) => Some(*n),
            _ => None,
        })
        .ok_or_else(|| NO_SUCH_METHOD.to_string())
}

fn str_arg<'b>(args: &'b [Value<'_>], i: usize) -> Option<&'b str> {
    args.get(i).and_then(|a| a.as_str())
}

fn bool_v<'a>(b: bool) -> Value<'a> {
    Value::Bool(b)
}

/// `$recv.name(args)`; null when the receiver has no such method for these arguments.
pub(crate) fn call<'a>(
    recv: &Value<'a>,
    name: &str,
    args: &[Value<'a>],
) -> Result<Value<'a>, Thrown> {
    match dispatch(recv, name, args) {
        Err(e) if e == NO_SUCH_METHOD => Ok(Value::Null),
        other => other,
    }
}

fn dispatch<'a>(recv: &Value<'a>, name: &str, args: &[Value<'a>]) -> Result<Value<'a>, Thrown> {
    // Methods every object has.
    match (name, args.len()) {
        ("toString", 0) => {
            return Ok(match recv {
                Value::Str(_) | Value::Owned(_) => recv.clone(),
                Value::Null => Value::Null,
                _ => Value::owned(recv.to_java_string()),
            })
        }
        ("equals", 1) => return Ok(bool_v(recv.java_equals(&args[0]))),
        _ => {}
    }
    if let Some(s) = recv.as_str() {
        return string_method(recv, s, name, args);
    }
    match recv {
        Value::Int(_) | Value::Double(_) => match static_parse(recv, name, args) {
            Some(parsed) => parsed,
            None => Ok(number_method(recv, name, args)),
        },
        Value::Bool(b) => Ok(match (name, args) {
            ("booleanValue", []) => Value::Bool(*b),
            // `Boolean.parseBoolean` / `valueOf`, static methods reached through any Boolean.
            // `Boolean.valueOf(boolean)` is the value itself.
            ("valueOf", [Value::Bool(v)]) => Value::Bool(*v),
            ("parseBoolean" | "valueOf", [arg]) => match arg.as_str() {
                Some(t) => Value::Bool(t.eq_ignore_ascii_case("true")),
                None => Value::Null,
            },
            _ => Value::Null,
        }),
        Value::Entry(e) => Ok(match name {
            "getKey" => e.0.clone(),
            "getValue" => e.1.clone(),
            _ => Value::Null,
        }),
        v if is_list(v) => list_method(v, name, args),
        v if is_map(v) => map_method(v, name, args),
        _ => Ok(Value::Null),
    }
}

/// `Integer`/`Long`/`Double` methods. `compareTo` takes the same type only, as Java's does.
fn number_method<'a>(recv: &Value<'a>, name: &str, args: &[Value<'a>]) -> Value<'a> {
    let ordering = |o: std::cmp::Ordering| Value::Int(o as i8 as i128);
    match (recv, name, args) {
        (Value::Int(i), "intValue", []) => Value::Int(*i as i32 as i128),
        (Value::Int(i), "longValue", []) => Value::Int(*i as i64 as i128),
        (Value::Int(i), "shortValue", []) => Value::Int(*i as i16 as i128),
        (Value::Int(i), "byteValue", []) => Value::Int(*i as i8 as i128),
        (Value::Int(i), "doubleValue" | "floatValue", []) => Value::Double(*i as f64),
        (Value::Int(i), "compareTo", [Value::Int(j)]) => ordering(i.cmp(j)),
        (Value::Double(d), "intValue", []) => Value::Int(*d as i32 as i128),
        (Value::Double(d), "longValue", []) => Value::Int(*d as i64 as i128),
        (Value::Double(d), "shortValue", []) => Value::Int(*d as i32 as i16 as i128),
        (Value::Double(d), "byteValue", []) => Value::Int(*d as i32 as i8 as i128),
        (Value::Double(d), "doubleValue" | "floatValue", []) => Value::Double(*d),
        (Value::Double(d), "isNaN", []) => Value::Bool(d.is_nan()),
        (Value::Double(d), "isInfinite", []) => Value::Bool(d.is_infinite()),
        // `Double.compareTo` orders NaN above everything and -0.0 below 0.0, as `total_cmp`.
        (Value::Double(d), "compareTo", [Value::Double(e)]) => ordering(d.total_cmp(e)),
        _ => Value::Null,
    }
}

/// Java's static parsers reached through a value of the class, a known mapping-template idiom
/// (`#set($Integer = 0)$Integer.parseInt("42")`): `parseInt` / `valueOf` on an integer, and
/// `parseDouble` / `valueOf` on a decimal. Input Java refuses is its
/// `NumberFormatException`. `None`: not one of these calls.
fn static_parse<'a>(
    recv: &Value<'a>,
    name: &str,
    args: &[Value<'a>],
) -> Option<Result<Value<'a>, Thrown>> {
    let [arg] = args else { return None };
    let text = arg.as_str()?;
    let refused = || {
        Err(format!(
            "NumberFormatException: For input string: \"{text}\""
        ))
    };
    Some(match (recv, name) {
        (Value::Int(_), "parseInt" | "valueOf") => match text.parse::<i32>() {
            Ok(i) if !text.starts_with('+') || text.len() > 1 => Ok(Value::Int(i128::from(i))),
            _ => refused(),
        },
        (Value::Double(_), "parseDouble" | "valueOf") => {
            // Java trims blanks and accepts a trailing type letter (`1.5d`, `2f`).
            let t = text.trim_matches(|c: char| c <= ' ');
            let t = t.strip_suffix(['d', 'D', 'f', 'F']).unwrap_or(t);
            // Java spells the specials exactly `NaN` and `Infinity`; Rust also takes `inf`.
            let unsigned = t.trim_start_matches(['+', '-']);
            let word = unsigned
                .bytes()
                .any(|b| b.is_ascii_alphabetic() && b != b'e' && b != b'E');
            match t.parse::<f64>() {
                Ok(d) if !word || unsigned == "NaN" || unsigned == "Infinity" => {
                    Ok(Value::Double(d))
                }
                _ => refused(),
            }
        }
        _ => return None,
    })
}

/// `indexOf(x)` / `lastIndexOf(x)` (`last`): the UTF-16 index of a string, or of the character
/// an `int` code names (`indexOf(108)` looks for `l`); -1 when absent or of another type.
fn index_of(s: &str, arg: &Value<'_>, last: bool) -> i128 {
    let mut buf = [0u8; 4];
    let needle = match arg {
        Value::Int(c) => match u32::try_from(*c).ok().and_then(char::from_u32) {
            Some(c) => &*c.encode_utf8(&mut buf),
            None => return -1,
        },
        other => match other.as_str() {
            Some(n) => n,
            None => return -1,
        },
    };
    let at = if last {
        s.rfind(needle)
    } else {
        s.find(needle)
    };
    at.map_or(-1, |b| byte_to_u16(s, b) as i128)
}

/// Java `String.compareTo`: the difference of the first differing UTF-16 units, else of the
/// lengths.
fn java_compare(a: &str, b: &str) -> i128 {
    compare_units(a, b, |p, q| p != q)
}

/// Java's comparison walk: the difference of the first pair of UTF-16 units `differ` (after its
/// folding) calls different, else the difference of the lengths.
fn compare_units(a: &str, b: &str, differ: impl Fn(&mut u16, &mut u16) -> bool) -> i128 {
    for (mut p, mut q) in a.encode_utf16().zip(b.encode_utf16()) {
        if differ(&mut p, &mut q) {
            return i128::from(p) - i128::from(q);
        }
    }
    u16_len(a) as i128 - u16_len(b) as i128
}

/// Java `String.lastIndexOf(str, from)`: the last start of `n` at or before UTF-16 index
/// `from`, or -1.
fn last_index_from(s: &str, n: &str, from: i128) -> i128 {
    if from < 0 {
        return -1;
    }
    // One pass, counting UTF-16 units as it goes (linear in the string, not quadratic).
    let bounds = s
        .char_indices()
        .map(|(b, c)| (b, c.len_utf16()))
        .chain([(s.len(), 0)]);
    let mut units: i128 = 0;
    let mut found = -1;
    for (b, width) in bounds {
        if units > from {
            break;
        }
        if s.as_bytes()[b..].starts_with(n.as_bytes()) {
            found = units;
        }
        units += width as i128;
    }
    found
}

/// Java's `String.compareToIgnoreCase`: UTF-16 unit by unit, each pair compared as is, then
/// upper-cased, then lower-cased, each character on its own (`ß` stays `ß`); else the lengths.
fn compare_ignore_case(a: &str, b: &str) -> i128 {
    // Java's one-character case mapping: a mapping to several characters leaves it as it is.
    fn single(u: u16, map: fn(char) -> Option<char>) -> u16 {
        char::from_u32(u32::from(u))
            .and_then(map)
            .and_then(|c| u16::try_from(u32::from(c)).ok())
            .unwrap_or(u)
    }
    fn upper(c: char) -> Option<char> {
        let mut m = c.to_uppercase();
        m.next().filter(|_| m.next().is_none())
    }
    fn lower(c: char) -> Option<char> {
        // `İ` is the one character whose full lower case is two characters ("i̇") while Java's
        // one-character mapping (UnicodeData's simple mapping) is `i`.
        if c == '\u{130}' {
            return Some('i');
        }
        let mut m = c.to_lowercase();
        m.next().filter(|_| m.next().is_none())
    }
    compare_units(a, b, |p, q| {
        if p == q {
            return false;
        }
        if single(*p, upper) == single(*q, upper) {
            return false;
        }
        (*p, *q) = (
            single(single(*p, upper), lower),
            single(single(*q, upper), lower),
        );
        p != q
    })
}

/// UTF-16 length (Java `String.length()`).
fn u16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// Byte offset of UTF-16 index `i` (None when past the end or inside a surrogate pair).
fn u16_to_byte(s: &str, i: usize) -> Option<usize> {
    let mut units = 0;
    for (b, c) in s.char_indices() {
        if units == i {
            return Some(b);
        }
        units += c.len_utf16();
        if units > i {
            return None;
        }
    }
    (units == i).then_some(s.len())
}

fn byte_to_u16(s: &str, b: usize) -> usize {
    u16_len(&s[..b])
}

fn oob(what: &str, i: i128) -> Thrown {
    format!("StringIndexOutOfBoundsException: {what} {i}")
}

fn string_method<'a>(
    recv: &Value<'a>,
    s: &str,
    name: &str,
    args: &[Value<'a>],
) -> Result<Value<'a>, Thrown> {
    let arg_s = |i| str_arg(args, i);
    Ok(match (name, args.len()) {
        ("length", 0) => Value::Int(u16_len(s) as i128),
        ("isEmpty", 0) => bool_v(s.is_empty()),
        ("toLowerCase", 0) => Value::owned(s.to_lowercase()),
        ("toUpperCase", 0) => Value::owned(s.to_uppercase()),
        ("trim", 0) => Value::owned(s.trim_matches(|c: char| c <= ' ').to_string()),
        ("substring", 1 | 2) => {
            let b = int_arg(args, 0)?;
            let len = u16_len(s) as i128;
            let e = if args.len() == 2 {
                int_arg(args, 1)?
            } else {
                len
            };
            if b < 0 || e > len || b > e {
                return Err(oob("begin/end", b));
            }
            let (Some(bb), Some(eb)) = (u16_to_byte(s, b as usize), u16_to_byte(s, e as usize))
            else {
                return Err(oob("index", b));
            };
            Value::owned(s[bb..eb].to_string())
        }
        ("charAt", 1) => {
            let i = int_arg(args, 0)?;
            let c = usize::try_from(i)
                .ok()
                .and_then(|i| u16_to_byte(s, i))
                .and_then(|b| s[b..].chars().next())
                .ok_or_else(|| oob("index", i))?;
            Value::owned(c.to_string())
        }
        ("indexOf", 1) => Value::Int(index_of(s, &args[0], false)),
        ("indexOf", 2) => {
            let from = int_arg(args, 1)?.max(0) as usize;
            let start = u16_to_byte(s, from.min(u16_len(s))).unwrap_or(s.len());
            match arg_s(0) {
                Some(n) => Value::Int(
                    s[start..]
                        .find(n)
                        .map_or(-1, |b| byte_to_u16(s, start + b) as i128),
                ),
                None => Value::Int(-1),
            }
        }
        ("lastIndexOf", 1) => Value::Int(index_of(s, &args[0], true)),
        ("lastIndexOf", 2) => {
            let from = int_arg(args, 1)?;
            Value::Int(arg_s(0).map_or(-1, |n| last_index_from(s, n, from)))
        }
        ("contains", 1) => bool_v(args[0].as_str().is_some_and(|n| s.contains(n))),
        ("startsWith", 1) => bool_v(arg_s(0).is_some_and(|n| s.starts_with(n))),
        ("startsWith", 2) => {
            let from = int_arg(args, 1)?;
            let at = usize::try_from(from).ok().and_then(|i| u16_to_byte(s, i));
            bool_v(matches!((arg_s(0), at), (Some(n), Some(b)) if s[b..].starts_with(n)))
        }
        ("compareToIgnoreCase", 1) => match arg_s(0) {
            Some(n) => Value::Int(compare_ignore_case(s, n)),
            None => return Err("NullPointerException: compareToIgnoreCase(null)".into()),
        },
        ("endsWith", 1) => bool_v(arg_s(0).is_some_and(|n| s.ends_with(n))),
        // Java: the same length and, unit by unit, the rule of `compareToIgnoreCase` (so `ı`
        // and `ſ` match `i` and `s` through their upper case, `İ` matches `i`).
        ("equalsIgnoreCase", 1) => bool_v(arg_s(0).is_some_and(|n| compare_ignore_case(s, n) == 0)),
        ("concat", 1) => match arg_s(0) {
            Some(n) => Value::owned(format!("{s}{n}")),
            None => return Err("NullPointerException: concat(null)".into()),
        },
        ("replace", 2) => {
            let a = args[0].to_java_string();
            let b = args[1].to_java_string();
            Value::owned(s.replace(&a, &b))
        }
        ("replaceAll" | "replaceFirst", 2) => {
            let (Some(re), Some(rep)) = (arg_s(0), arg_s(1)) else {
                return Err("NullPointerException: replaceAll(null)".into());
            };
            let out = java_compat::replace(s, re, rep, name == "replaceAll")
                .ok_or_else(|| format!("PatternSyntaxException: {re}"))?;
            Value::owned(out)
        }
        ("matches", 1) => {
            let re = arg_s(0).ok_or("NullPointerException: matches(null)")?;
            bool_v(
                java_compat::matches(s, re)
                    .ok_or_else(|| format!("PatternSyntaxException: {re}"))?,
            )
        }
        ("split", 1 | 2) => {
            let re = arg_s(0).ok_or("NullPointerException: split(null)")?;
            let limit = if args.len() == 2 {
                int_arg(args, 1)? as i64
            } else {
                0
            };
            let parts = java_compat::split(s, re, limit)
                .ok_or_else(|| format!("PatternSyntaxException: {re}"))?;
            Value::list(parts.into_iter().map(Value::owned).collect())
        }
        ("hashCode", 0) => {
            let mut h: i32 = 0;
            for u in s.encode_utf16() {
                h = h.wrapping_mul(31).wrapping_add(u as i32);
            }
            Value::Int(h as i128)
        }
        ("compareTo", 1) => match arg_s(0) {
            Some(n) => Value::Int(java_compare(s, n)),
            None => return Err("NullPointerException: compareTo(null)".into()),
        },
        _ => {
            let _ = recv;
            Value::Null
        }
    })
}

fn list_method<'a>(v: &Value<'a>, name: &str, args: &[Value<'a>]) -> Result<Value<'a>, Thrown> {
    Ok(match (name, args.len()) {
        ("size", 0) => Value::Int(list_len(v) as i128),
        ("isEmpty", 0) => bool_v(list_len(v) == 0),
        ("get", 1) => {
            let i = int_arg(args, 0)?;
            list_get(v, i).ok_or_else(|| {
                format!(
                    "IndexOutOfBoundsException: Index: {i}, Size: {}",
                    list_len(v)
                )
            })?
        }
        ("contains", 1) => bool_v(list_items(v).iter().any(|x| x.java_equals(&args[0]))),
        ("indexOf", 1) => Value::Int(
            list_items(v)
                .iter()
                .position(|x| x.java_equals(&args[0]))
                .map_or(-1, |i| i as i128),
        ),
        ("lastIndexOf", 1) => Value::Int(
            list_items(v)
                .iter()
                .rposition(|x| x.java_equals(&args[0]))
                .map_or(-1, |i| i as i128),
        ),
        ("subList", 2) => {
            let (a, b) = (int_arg(args, 0)?, int_arg(args, 1)?);
            let items = list_items(v);
            if a < 0 {
                return Err(format!("IndexOutOfBoundsException: fromIndex = {a}"));
            }
            if b > items.len() as i128 {
                return Err(format!("IndexOutOfBoundsException: toIndex = {b}"));
            }
            if a > b {
                return Err(format!(
                    "IllegalArgumentException: fromIndex({a}) > toIndex({b})"
                ));
            }
            Value::list(items[a as usize..b as usize].to_vec())
        }
        ("add", 1) => {
            if let Value::List(l) = v {
                l.borrow_mut().items.push(args[0].clone());
            }
            Value::Bool(true)
        }
        ("add", 2) => {
            let i = int_arg(args, 0)?;
            if let Value::List(l) = v {
                let mut l = l.borrow_mut();
                let at = usize::try_from(i)
                    .ok()
                    .filter(|at| *at <= l.items.len())
                    .ok_or_else(|| format!("IndexOutOfBoundsException: Index: {i}"))?;
                l.items.insert(at, args[1].clone());
            }
            Value::Null
        }
        ("set", 2) => {
            let i = int_arg(args, 0)?;
            match v {
                Value::List(l) => {
                    let mut l = l.borrow_mut();
                    let slot = usize::try_from(i)
                        .ok()
                        .and_then(|i| l.items.get_mut(i))
                        .ok_or_else(|| format!("IndexOutOfBoundsException: Index: {i}"))?;
                    std::mem::replace(slot, args[1].clone())
                }
                _ => Value::Null,
            }
        }
        ("remove", 1) => match (v, &args[0]) {
            (Value::List(l), Value::Int(i)) => {
                let mut l = l.borrow_mut();
                let at = usize::try_from(*i)
                    .ok()
                    .filter(|at| *at < l.items.len())
                    .ok_or_else(|| format!("IndexOutOfBoundsException: Index: {i}"))?;
                l.items.remove(at)
            }
            (Value::List(l), x) => {
                let mut l = l.borrow_mut();
                let pos = l.items.iter().position(|y| y.java_equals(x));
                Value::Bool(pos.map(|p| l.items.remove(p)).is_some())
            }
            _ => Value::Null,
        },
        ("addAll", 1) => {
            let more = list_items(&args[0]);
            if let Value::List(l) = v {
                l.borrow_mut().items.extend(more);
            }
            Value::Bool(true)
        }
        ("clear", 0) => {
            if let Value::List(l) = v {
                l.borrow_mut().items.clear();
            }
            Value::Null
        }
        _ => Value::Null,
    })
}

/// Whether map-like `v` has key `k`.
fn contains_key<'a>(v: &Value<'a>, k: &Value<'a>) -> bool {
    match v {
        Value::Map(m) => m.borrow().find(k).is_some(),
        Value::Json(j) => k.as_str().is_some_and(|k| json::obj_get(j, k).is_some()),
        _ => false,
    }
}

fn map_method<'a>(v: &Value<'a>, name: &str, args: &[Value<'a>]) -> Result<Value<'a>, Thrown> {
    Ok(match (name, args.len()) {
        ("size", 0) => Value::Int(match v {
            Value::Map(m) => m.borrow().entries.len() as i128,
            Value::Json(j) => json::len(j) as i128,
            _ => 0,
        }),
        ("isEmpty", 0) => bool_v(match v {
            Value::Map(m) => m.borrow().entries.is_empty(),
            Value::Json(j) => json::len(j) == 0,
            _ => true,
        }),
        ("get", 1) => index(v, &args[0])?,
        ("containsKey", 1) => bool_v(contains_key(v, &args[0])),
        ("containsValue", 1) => bool_v(map_entries(v).iter().any(|(_, x)| x.java_equals(&args[0]))),
        // Straight from the map: no intermediate copy of the entries.
        ("keySet", 0) => Value::list(match v {
            Value::Map(m) => m.borrow().entries.iter().map(|(k, _)| k.clone()).collect(),
            Value::Json(j) => json::obj_iter(j).map(|(k, _)| Value::Str(k)).collect(),
            _ => Vec::new(),
        }),
        ("values", 0) => Value::list(match v {
            Value::Map(m) => m.borrow().entries.iter().map(|(_, x)| x.clone()).collect(),
            _ => map_entries(v).into_iter().map(|(_, x)| x).collect(),
        }),
        ("entrySet", 0) => Value::list(
            map_entries(v)
                .into_iter()
                .map(|e| Value::Entry(Rc::new(e)))
                .collect(),
        ),
        ("put", 2) => match v {
            Value::Map(m) => m.borrow_mut().put(args[0].clone(), args[1].clone()),
            _ => Value::Null,
        },
        ("getOrDefault", 2) => {
            let found = contains_key(v, &args[0]);
            if found {
                index(v, &args[0])?
            } else {
                args[1].clone()
            }
        }
        ("putIfAbsent", 2) => match v {
            Value::Map(m) => {
                let current = index(v, &args[0])?;
                if current.is_null() {
                    m.borrow_mut().put(args[0].clone(), args[1].clone());
                }
                current
            }
            _ => Value::Null,
        },
        ("putAll", 1) => {
            if let Value::Map(m) = v {
                for (k, x) in map_entries(&args[0]) {
                    m.borrow_mut().put(k, x);
                }
            }
            Value::Null
        }
        ("remove", 1) => match v {
            Value::Map(m) => m.borrow_mut().remove(&args[0]),
            _ => Value::Null,
        },
        ("clear", 0) => {
            if let Value::Map(m) = v {
                m.borrow_mut().entries.clear();
            }
            Value::Null
        }
        _ => Value::Null,
    })
}

/// A list value flagged as JSON (renders as compact JSON).
pub(crate) fn json_list<'a>(items: Vec<Value<'a>>) -> Value<'a> {
    Value::List(Rc::new(RefCell::new(List { items, json: true })))
}
