//! Operators with Velocity 1.7 / Java semantics: integer arithmetic that widens instead of
//! overflowing (int -> long -> BigInteger), decimal arithmetic as `double`, string
//! concatenation with `+`, numeric comparison across types, and AWS's `null == ""`.

use super::token::BinOp;
use super::value::Value;

/// Applies a non-logical binary operator. Invalid operand types give null (Velocity logs
/// and yields null), which renders empty.
pub(crate) fn binary<'a>(op: BinOp, a: &Value<'a>, b: &Value<'a>) -> Value<'a> {
    match op {
        BinOp::Eq => Value::Bool(equals(a, b)),
        BinOp::Ne => Value::Bool(!equals(a, b)),
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            let Some(o) = compare(a, b) else {
                return Value::Bool(false);
            };
            Value::Bool(match op {
                BinOp::Lt => o.is_lt(),
                BinOp::Le => o.is_le(),
                BinOp::Gt => o.is_gt(),
                _ => o.is_ge(),
            })
        }
        BinOp::Add if (a.is_string() || b.is_string()) && !a.is_null() && !b.is_null() => {
            let mut s = a.to_java_string();
            b.write_java(&mut s, false);
            Value::owned(s)
        }
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => arith(op, a, b),
        BinOp::And => Value::Bool(a.truthy() && b.truthy()),
        BinOp::Or => Value::Bool(a.truthy() || b.truthy()),
    }
}

fn arith<'a>(op: BinOp, a: &Value<'a>, b: &Value<'a>) -> Value<'a> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => {
            let (x, y) = (*x, *y);
            let r = match op {
                BinOp::Add => x.checked_add(y),
                BinOp::Sub => x.checked_sub(y),
                BinOp::Mul => x.checked_mul(y),
                BinOp::Div if y == 0 => return Value::Null,
                BinOp::Div => x.checked_div(y),
                BinOp::Mod if y == 0 => return Value::Null,
                BinOp::Mod => x.checked_rem(y),
                _ => None,
            };
            match r {
                Some(v) => Value::Int(v),
                // Past BigInteger-in-i128 range: fall back to double rather than wrap.
                None => float_op(op, x as f64, y as f64),
            }
        }
        _ => match (num(a), num(b)) {
            (Some(x), Some(y)) => float_op(op, x, y),
            _ => Value::Null,
        },
    }
}

fn float_op<'a>(op: BinOp, x: f64, y: f64) -> Value<'a> {
    match op {
        BinOp::Add => Value::Double(x + y),
        BinOp::Sub => Value::Double(x - y),
        BinOp::Mul => Value::Double(x * y),
        // Velocity's MathUtils returns null for any zero divisor.
        BinOp::Div | BinOp::Mod if y == 0.0 => Value::Null,
        BinOp::Div => Value::Double(x / y),
        BinOp::Mod => Value::Double(x % y),
        _ => Value::Null,
    }
}

fn num(v: &Value<'_>) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Double(d) => Some(*d),
        _ => None,
    }
}

/// Numeric negation.
pub(crate) fn negate<'a>(v: &Value<'a>) -> Value<'a> {
    match v {
        Value::Int(i) => Value::Int(-*i),
        Value::Double(d) => Value::Double(-*d),
        _ => Value::Null,
    }
}

/// Velocity 1.7 `==` with AWS's null handling.
pub(crate) fn equals<'a>(a: &Value<'a>, b: &Value<'a>) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x == y,
        _ if a.is_number() && b.is_number() => num(a) == num(b),
        (Value::Null, Value::Null) => true,
        // AWS: a null (missing JSONPath result, JSON null, undefined) equals "".
        (Value::Null, other) | (other, Value::Null) => other.as_str() == Some(""),
        _ if a.is_string() && b.is_string() => a.as_str() == b.as_str(),
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::List(_), Value::List(_)) | (Value::Map(_), Value::Map(_)) => a.java_equals(b),
        // Different classes: Velocity compares the toString() forms.
        _ => a.to_java_string() == b.to_java_string(),
    }
}

/// Ordering for `< <= > >=`: numbers only. Velocity 1.7 logs an error and yields false for
/// anything else, two strings included (ordering strings came with Velocity 2.0).
fn compare(a: &Value<'_>, b: &Value<'_>) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        _ if a.is_number() && b.is_number() => num(a)?.partial_cmp(&num(b)?),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_arithmetic() {
        let i = |v| Value::Int(v);
        assert!(matches!(binary(BinOp::Div, &i(7), &i(2)), Value::Int(3)));
        assert!(matches!(binary(BinOp::Div, &i(-7), &i(2)), Value::Int(-3)));
        assert!(matches!(binary(BinOp::Mod, &i(-7), &i(3)), Value::Int(-1)));
        assert!(binary(BinOp::Div, &i(1), &i(0)).is_null());
        assert!(matches!(
            binary(BinOp::Add, &i(i64::MAX as i128), &i(1)),
            Value::Int(9223372036854775808)
        ));
        assert!(equals(&Value::Null, &Value::Str("")));
        assert!(equals(&Value::Bool(true), &Value::Str("true")));
        assert!(equals(&Value::Int(1), &Value::Double(1.0)));
    }

    /// `< <= > >=` order numbers only: two strings, or a string and a number, are never
    /// ordered (Velocity 1.7; checked on its engine).
    #[test]
    fn only_numbers_are_ordered() {
        fn t(op: BinOp, a: &Value<'static>, b: &Value<'static>) -> bool {
            matches!(binary(op, a, b), Value::Bool(true))
        }
        let (a, b) = (Value::Str("a"), Value::Str("b"));
        for op in [BinOp::Lt, BinOp::Le, BinOp::Gt, BinOp::Ge] {
            assert!(!t(op, &a, &b) && !t(op, &b, &a) && !t(op, &a, &a));
            assert!(!t(op, &Value::Str("10"), &Value::Int(5)));
        }
        assert!(t(BinOp::Lt, &Value::Int(1), &Value::Double(1.5)));
        assert!(t(BinOp::Ge, &Value::Int(2), &Value::Int(2)));
    }
}
