//! Velocity 1.7 arithmetic (`org.apache.velocity.util.introspection.MathUtils` semantics) over
//! Java's `Integer`, `Long`, `BigInteger` and `Double`.
//!
//! Integer operations are computed in `long` and narrowed back to the wider operand type when
//! the result fits, so `Integer` overflow widens to `Long`; `Long` overflow becomes `BigInteger`.
//! `BigInteger` is held as `i128`: a result beyond ±1.7e38 yields `None` (Velocity would carry
//! on exactly), and `BigInteger` mixed with `Double` is computed in `double` (Velocity uses
//! `BigDecimal`). Any `Double` operand makes the operation `double`. Integer division truncates
//! toward zero, `%` takes the sign of the dividend, and division or modulo by any zero
//! (`0`, `0.0`) is `None`: Velocity logs it and yields null.

use std::cmp::Ordering;
use std::fmt;

/// A Java number as Velocity templates see it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum JavaNum {
    Int(i32),
    Long(i64),
    /// `java.math.BigInteger`, limited to the `i128` range.
    BigInteger(i128),
    Double(f64),
}

/// Width rank used to narrow results back (`MathUtils.wrapPrimitive`).
fn rank(n: JavaNum) -> u8 {
    match n {
        JavaNum::Int(_) => 0,
        JavaNum::Long(_) => 1,
        JavaNum::BigInteger(_) => 2,
        JavaNum::Double(_) => 3,
    }
}

impl JavaNum {
    /// A Java `long` as Velocity would box a parsed or computed integer: `Integer` when it fits.
    pub fn from_i64(v: i64) -> Self {
        i32::try_from(v).map_or(Self::Long(v), Self::Int)
    }

    /// Integer value as `i128`, `None` for `Double`.
    fn integer(self) -> Option<i128> {
        match self {
            Self::Int(v) => Some(i128::from(v)),
            Self::Long(v) => Some(i128::from(v)),
            Self::BigInteger(v) => Some(v),
            Self::Double(_) => None,
        }
    }

    /// Java `Number.doubleValue()`.
    pub fn double_value(self) -> f64 {
        match self {
            Self::Int(v) => f64::from(v),
            Self::Long(v) => v as f64,
            Self::BigInteger(v) => v as f64,
            Self::Double(v) => v,
        }
    }

    /// Java `Number.intValue()`: wraps integers, saturates doubles (NaN → 0), like Java casts.
    pub fn int_value(self) -> i32 {
        match self {
            Self::Int(v) => v,
            Self::Long(v) => v as i32,
            Self::BigInteger(v) => v as i32,
            Self::Double(v) => v as i32,
        }
    }

    /// Java `Number.longValue()`.
    pub fn long_value(self) -> i64 {
        match self {
            Self::Int(v) => i64::from(v),
            Self::Long(v) => v,
            Self::BigInteger(v) => v as i64,
            Self::Double(v) => v as i64,
        }
    }

    /// `MathUtils.isZero`: any numeric zero, including `-0.0`.
    pub fn is_zero(self) -> bool {
        match self {
            Self::Double(v) => v == 0.0,
            other => other.integer() == Some(0),
        }
    }

    /// Narrows an integer result to the wider operand type, widening when it does not fit.
    fn wrap(value: i128, a: Self, b: Self) -> Option<Self> {
        let floor = rank(a).max(rank(b));
        if floor == 0 {
            if let Ok(v) = i32::try_from(value) {
                return Some(Self::Int(v));
            }
        }
        if floor <= 1 {
            if let Ok(v) = i64::try_from(value) {
                return Some(Self::Long(v));
            }
        }
        Some(Self::BigInteger(value))
    }

    fn apply(
        self,
        other: Self,
        int_op: impl Fn(i128, i128) -> Option<i128>,
        double_op: impl Fn(f64, f64) -> f64,
    ) -> Option<Self> {
        match (self.integer(), other.integer()) {
            (Some(a), Some(b)) => Self::wrap(int_op(a, b)?, self, other),
            _ => Some(Self::Double(double_op(
                self.double_value(),
                other.double_value(),
            ))),
        }
    }

    /// Velocity `+`.
    pub fn checked_add(self, other: Self) -> Option<Self> {
        self.apply(other, i128::checked_add, |a, b| a + b)
    }

    /// Velocity `-`.
    pub fn checked_sub(self, other: Self) -> Option<Self> {
        self.apply(other, i128::checked_sub, |a, b| a - b)
    }

    /// Velocity `*`.
    pub fn checked_mul(self, other: Self) -> Option<Self> {
        self.apply(other, i128::checked_mul, |a, b| a * b)
    }

    /// Velocity `/`: truncating for integers; `None` when `other` is zero.
    pub fn checked_div(self, other: Self) -> Option<Self> {
        if other.is_zero() {
            return None;
        }
        if let (Some(a), Some(b)) = (self.integer(), other.integer()) {
            // Java computes `long / long`, where Long.MIN_VALUE / -1 wraps to Long.MIN_VALUE.
            if rank(self).max(rank(other)) <= 1 {
                let q = (a as i64).wrapping_div(b as i64);
                return Self::wrap(i128::from(q), self, other);
            }
        }
        self.apply(other, i128::checked_div, |a, b| a / b)
    }

    /// Velocity `%`: sign of the dividend; `None` when `other` is zero.
    pub fn checked_rem(self, other: Self) -> Option<Self> {
        if other.is_zero() {
            return None;
        }
        if let (Some(a), Some(b)) = (self.integer(), other.integer()) {
            if rank(self).max(rank(other)) <= 1 {
                let r = (a as i64).wrapping_rem(b as i64);
                return Self::wrap(i128::from(r), self, other);
            }
        }
        self.apply(other, i128::checked_rem, |a, b| a % b)
    }

    /// `MathUtils.compare`: numeric comparison across types. Like Velocity, a comparison that
    /// is neither less nor greater (any NaN) counts as equal.
    pub fn compare(self, other: Self) -> Ordering {
        match (self.integer(), other.integer()) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => {
                let (a, b) = (self.double_value(), other.double_value());
                if a < b {
                    Ordering::Less
                } else if a > b {
                    Ordering::Greater
                } else {
                    Ordering::Equal
                }
            }
        }
    }

    /// Java `toString()` appended to `out`.
    pub fn write_to(self, out: &mut String) {
        match self {
            Self::Int(v) => out.push_str(itoa::Buffer::new().format(v)),
            Self::Long(v) => out.push_str(itoa::Buffer::new().format(v)),
            Self::BigInteger(v) => out.push_str(itoa::Buffer::new().format(v)),
            Self::Double(v) => super::double_to_string(v, out),
        }
    }
}

impl fmt::Display for JavaNum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.write_to(&mut out);
        f.write_str(&out)
    }
}

/// Parses a Velocity 1.7 numeric literal: `-?[0-9]+` becomes `Integer`, else `Long`, else
/// `BigInteger`; `-?[0-9]+.[0-9]*`, `-?.[0-9]+` and `-?[0-9]+` each with an optional
/// `[eE][+-]?[0-9]+`, or `-?[0-9]+[eE]…`, become `Double` (an overflowing decimal gives
/// `Infinity`, where Velocity would fall back to `BigDecimal`). `None` for anything else.
pub fn parse_literal(text: &str) -> Option<JavaNum> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let is_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if is_digits(unsigned) {
        let v: i128 = text.parse().ok()?;
        return Some(
            i32::try_from(v)
                .map(JavaNum::Int)
                .or_else(|_| i64::try_from(v).map(JavaNum::Long))
                .unwrap_or(JavaNum::BigInteger(v)),
        );
    }
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (unsigned, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            (is_digits(int) && (frac.is_empty() || is_digits(frac)))
                || (int.is_empty() && is_digits(frac))
        }
        None => exponent.is_some() && is_digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| is_digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    if !(mantissa_ok && exponent_ok) {
        return None;
    }
    text.parse().ok().map(JavaNum::Double)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;
    use JavaNum::{BigInteger, Double, Int, Long};

    #[test]
    fn integer_arithmetic_and_widening() {
        assert_eq!(Int(7).checked_div(Int(2)), Some(Int(3)));
        assert_eq!(Int(-7).checked_div(Int(2)), Some(Int(-3)));
        assert_eq!(Int(-7).checked_rem(Int(2)), Some(Int(-1)));
        assert_eq!(Int(7).checked_rem(Int(-2)), Some(Int(1)));
        assert_eq!(Int(i32::MAX).checked_add(Int(1)), Some(Long(2147483648)));
        assert_eq!(Int(i32::MIN).checked_sub(Int(1)), Some(Long(-2147483649)));
        assert_eq!(Int(65536).checked_mul(Int(65536)), Some(Long(4294967296)));
        assert_eq!(Int(i32::MIN).checked_div(Int(-1)), Some(Long(2147483648)));
        // Narrowed back to the wider operand type when the result fits.
        assert_eq!(Long(5).checked_add(Int(1)), Some(Long(6)));
        assert_eq!(
            Long(i64::MAX).checked_add(Int(1)),
            Some(BigInteger(1 << 63))
        );
        assert_eq!(Long(i64::MIN).checked_div(Int(-1)), Some(Long(i64::MIN)));
        assert_eq!(BigInteger(1).checked_add(Int(1)), Some(BigInteger(2)));
        assert_eq!(BigInteger(i128::MAX).checked_add(Int(1)), None);
    }

    #[test]
    fn decimal_arithmetic() {
        assert_eq!(
            Double(0.1).checked_add(Double(0.2)).unwrap().to_string(),
            "0.30000000000000004"
        );
        assert_eq!(Int(7).checked_div(Double(2.0)), Some(Double(3.5)));
        assert_eq!(Double(7.5).checked_rem(Int(2)), Some(Double(1.5)));
        assert_eq!(Int(1).checked_add(Double(1.0)).unwrap().to_string(), "2.0");
    }

    #[test]
    fn division_by_zero_is_null() {
        assert_eq!(Int(1).checked_div(Int(0)), None);
        assert_eq!(Int(1).checked_rem(Int(0)), None);
        assert_eq!(Double(1.5).checked_div(Double(0.0)), None);
        assert_eq!(Double(1.5).checked_div(Double(-0.0)), None);
        assert_eq!(Double(1.5).checked_rem(Long(0)), None);
    }

    #[test]
    fn comparison_across_types() {
        assert_eq!(Int(1).compare(Double(1.0)), Ordering::Equal);
        assert_eq!(Long(2).compare(Int(3)), Ordering::Less);
        assert_eq!(Double(2.5).compare(Int(2)), Ordering::Greater);
        assert_eq!(
            BigInteger(1 << 70).compare(Long(i64::MAX)),
            Ordering::Greater
        );
        assert_eq!(Double(f64::NAN).compare(Int(1)), Ordering::Equal);
    }

    #[test]
    fn literals() {
        assert_eq!(parse_literal("42"), Some(Int(42)));
        assert_eq!(parse_literal("-5"), Some(Int(-5)));
        assert_eq!(parse_literal("2147483648"), Some(Long(2147483648)));
        assert_eq!(
            parse_literal("99999999999999999999"),
            Some(BigInteger(99999999999999999999))
        );
        assert_eq!(parse_literal("1.5"), Some(Double(1.5)));
        assert_eq!(parse_literal("-2.0"), Some(Double(-2.0)));
        assert_eq!(parse_literal("3."), Some(Double(3.0)));
        assert_eq!(parse_literal(".5"), Some(Double(0.5)));
        assert_eq!(parse_literal("1e3"), Some(Double(1000.0)));
        assert_eq!(parse_literal("1.5E-2"), Some(Double(0.015)));
        for bad in [
            "", "-", "+1", "1.2.3", "1e", "e5", "0x10", "1_000", " 1", ".",
        ] {
            assert_eq!(parse_literal(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn rendering_and_conversions() {
        assert_eq!(Int(-3).to_string(), "-3");
        assert_eq!(BigInteger(1 << 70).to_string(), "1180591620717411303424");
        assert_eq!(Double(1e21).to_string(), "1.0E21");
        assert_eq!(Double(3.9).int_value(), 3);
        assert_eq!(Double(f64::NAN).int_value(), 0);
        assert_eq!(Long(1 << 32).int_value(), 0);
        assert_eq!(Int(2).double_value(), 2.0);
        assert_eq!(JavaNum::from_i64(1 << 40), Long(1 << 40));
        assert_eq!(JavaNum::from_i64(12), Int(12));
    }

    proptest! {
        #[test]
        fn int_ops_match_java_long_math(a in any::<i32>(), b in any::<i32>()) {
            let (x, y) = (i64::from(a), i64::from(b));
            prop_assert_eq!(Int(a).checked_add(Int(b)), Some(JavaNum::from_i64(x + y)));
            prop_assert_eq!(Int(a).checked_sub(Int(b)), Some(JavaNum::from_i64(x - y)));
            prop_assert_eq!(Int(a).checked_mul(Int(b)), Some(JavaNum::from_i64(x * y)));
            if b != 0 {
                prop_assert_eq!(Int(a).checked_div(Int(b)), Some(JavaNum::from_i64(x / y)));
                prop_assert_eq!(Int(a).checked_rem(Int(b)), Some(JavaNum::from_i64(x % y)));
            }
            prop_assert_eq!(Int(a).compare(Long(y)), a.cmp(&b));
        }

        #[test]
        fn integer_literals_round_trip(v in any::<i64>()) {
            let parsed = parse_literal(&v.to_string()).unwrap();
            prop_assert_eq!(parsed, JavaNum::from_i64(v));
            prop_assert_eq!(parsed.to_string(), v.to_string());
        }
    }
}
