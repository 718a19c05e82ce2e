//! Java number semantics for Velocity: `Double.toString` / `Float.toString` rendering and
//! Velocity 1.7 integer/decimal arithmetic (in `arith`).
//!
//! Rendering follows the JDK 19+ specification (Raffaello Giulietti's shortest-decimal
//! algorithm): the shortest decimal that rounds to the value, closest to it on ties, written
//! plain for `1e-3 <= |v| < 1e7` (`249.99`, `2.0`, `0.001`) and in computerized scientific
//! notation otherwise (`1.0E10`, `1.0E-5`). Ryū computes the same shortest digits; the one
//! difference, Java's preference for a closer two-digit decimal over a one-digit one
//! (`4.9E-324`, not `5.0E-324`), is applied here.

mod arith;

pub use arith::{parse_literal, JavaNum};

use std::str::FromStr;

/// Significant decimal digits (no leading or trailing zeros) and the exponent of the first
/// digit: the value is `d1.d2d3… × 10^exp`.
struct Decimal {
    digits: [u8; 20],
    len: usize,
    exp: i32,
}

impl Decimal {
    /// Reads a formatted positive finite number such as `0.001`, `123.0`, `1e16`, `4.9e-324`.
    fn parse(text: &str) -> Self {
        let (mantissa, exp_part) = text.split_once(['e', 'E']).unwrap_or((text, "0"));
        let mut digits = [0u8; 20];
        let mut len = 0;
        let mut point = None;
        let mut leading = 0i32;
        for b in mantissa.bytes() {
            match b {
                b'.' => point = Some(len as i32 + leading),
                b'0' if len == 0 => leading += 1,
                b'0'..=b'9' if len < digits.len() => {
                    digits[len] = b - b'0';
                    len += 1;
                }
                _ => {}
            }
        }
        let int_digits = point.unwrap_or(len as i32 + leading);
        while len > 1 && digits[len - 1] == 0 {
            len -= 1;
        }
        if len == 0 {
            // Zero: callers handle it before formatting; keep a well-formed value anyway.
            digits[0] = 0;
            len = 1;
            leading = 0;
        }
        let exp = int_digits - leading - 1 + i32::from_str(exp_part).unwrap_or(0);
        Self { digits, len, exp }
    }

    fn write_java(&self, out: &mut String) {
        let digit = |i: usize| char::from(b'0' + self.digits.get(i).copied().unwrap_or(0));
        if (-3..7).contains(&self.exp) {
            if self.exp < 0 {
                out.push_str("0.");
                for _ in 0..(-self.exp - 1) {
                    out.push('0');
                }
                (0..self.len).for_each(|i| out.push(digit(i)));
            } else {
                let int_len = self.exp as usize + 1;
                (0..int_len).for_each(|i| out.push(if i < self.len { digit(i) } else { '0' }));
                out.push('.');
                if self.len > int_len {
                    (int_len..self.len).for_each(|i| out.push(digit(i)));
                } else {
                    out.push('0');
                }
            }
        } else {
            out.push(digit(0));
            out.push('.');
            if self.len > 1 {
                (1..self.len).for_each(|i| out.push(digit(i)));
            } else {
                out.push('0');
            }
            out.push('E');
            out.push_str(itoa::Buffer::new().format(self.exp));
        }
    }
}

/// A float type Java renders with `toString`.
trait JavaFloat: ryu::Float + Copy + PartialEq + FromStr + std::fmt::LowerExp {
    fn is_nan(self) -> bool;
    fn is_infinite(self) -> bool;
    fn is_sign_negative(self) -> bool;
    fn is_zero(self) -> bool;
    fn abs(self) -> Self;
    /// `1e-3 <= self < 1e7` (Java writes these without an exponent).
    fn in_plain_range(self) -> bool;
}

macro_rules! java_float {
    ($t:ty) => {
        impl JavaFloat for $t {
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            fn is_infinite(self) -> bool {
                <$t>::is_infinite(self)
            }
            fn is_sign_negative(self) -> bool {
                <$t>::is_sign_negative(self)
            }
            fn is_zero(self) -> bool {
                self == 0.0
            }
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            fn in_plain_range(self) -> bool {
                (1e-3..1e7).contains(&self)
            }
        }
    };
}
java_float!(f64);
java_float!(f32);

fn write_java_float<F: JavaFloat>(v: F, out: &mut String) {
    if v.is_nan() {
        out.push_str("NaN");
        return;
    }
    if v.is_sign_negative() {
        out.push('-');
    }
    if v.is_infinite() {
        out.push_str("Infinity");
        return;
    }
    if v.is_zero() {
        out.push_str("0.0");
        return;
    }
    let v = v.abs();
    let mut buf = ryu::Buffer::new();
    let text = buf.format_finite(v);
    if v.in_plain_range() && !text.contains('e') {
        // Java's plain range, where Ryū already writes Java's text (`249.99`, `2.0`,
        // `0.001`): the same shortest digits, and a one-digit result cannot have a closer
        // two-digit neighbour this far from the subnormal and overflow edges.
        out.push_str(text);
        return;
    }
    let mut decimal = Decimal::parse(text);
    if decimal.len == 1 {
        // Java picks among one- and two-digit decimals that round to `v` the closest one. The
        // correctly rounded two-digit decimal is the closest; use it when it still reads back
        // as `v` (it only differs near the subnormal and overflow edges).
        let two = format!("{v:.1e}"); // rare path: one-digit results only
        if two.parse::<F>().ok() == Some(v) {
            let closer = Decimal::parse(&two);
            if closer.len == 2 {
                decimal = closer;
            }
        }
    }
    decimal.write_java(out);
}

/// Java `Double.toString(v)` (JDK 19+), appended to `out`.
pub fn double_to_string(v: f64, out: &mut String) {
    if !write_few_decimals(v, out) {
        write_java_float(v, out);
    }
}

/// The common JSON decimal (`1.5`, `9.99`, `0.125`) without the shortest-digits search:
/// when `|v|` is in Java's plain range and equals `m / 10^k` for an integer `m` and
/// `k <= 3` (the division is exact-operand IEEE division, so that decimal rounds to `v`),
/// that decimal has at most 10 significant digits. Two different decimals of at most 15
/// significant digits are different doubles, so it is the shortest decimal for `v`: the
/// digits Java prints. Returns `false` (nothing written) otherwise.
fn write_few_decimals(v: f64, out: &mut String) -> bool {
    let a = v.abs();
    if !(1e-3..1e7).contains(&a) {
        return false;
    }
    for (k, scale) in [(1u32, 10.0), (2, 100.0), (3, 1000.0)] {
        let m = (a * scale).round();
        if m / scale != a {
            continue;
        }
        // m < 1e10: an exact integer.
        let m = m as u64;
        let p = 10u64.pow(k);
        let (int, mut frac, mut width) = (m / p, m % p, k);
        while width > 1 && frac % 10 == 0 {
            frac /= 10;
            width -= 1;
        }
        if v.is_sign_negative() {
            out.push('-');
        }
        out.push_str(itoa::Buffer::new().format(int));
        out.push('.');
        let mut digits = [b'0'; 3];
        for d in digits[..width as usize].iter_mut().rev() {
            *d = b'0' + (frac % 10) as u8;
            frac /= 10;
        }
        for d in &digits[..width as usize] {
            out.push(char::from(*d));
        }
        return true;
    }
    false
}

/// Java `Float.toString(v)` (JDK 19+), appended to `out`.
pub fn float_to_string(v: f32, out: &mut String) {
    write_java_float(v, out);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn d(v: f64) -> String {
        let mut out = String::new();
        double_to_string(v, &mut out);
        out
    }

    fn f(v: f32) -> String {
        let mut out = String::new();
        float_to_string(v, &mut out);
        out
    }

    #[test]
    fn plain_range() {
        assert_eq!(d(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(d(100.0), "100.0");
        assert_eq!(d(2.0), "2.0");
        assert_eq!(d(249.99), "249.99");
        assert_eq!(d(0.19), "0.19");
        assert_eq!(d(1.5), "1.5");
        assert_eq!(d(-2.0), "-2.0");
        assert_eq!(d(1234567.0), "1234567.0");
        assert_eq!(d(9999999.0), "9999999.0");
        assert_eq!(d(0.001), "0.001");
        assert_eq!(d(0.0123), "0.0123");
        assert_eq!(d(123.456), "123.456");
    }

    #[test]
    fn scientific_range() {
        assert_eq!(d(1e21), "1.0E21");
        assert_eq!(d(1e10), "1.0E10");
        assert_eq!(d(1e7), "1.0E7");
        assert_eq!(d(12345678.0), "1.2345678E7");
        assert_eq!(d(1.234e7), "1.234E7");
        assert_eq!(d(0.0001), "1.0E-4");
        assert_eq!(d(1e-5), "1.0E-5");
        assert_eq!(d(-1.5e-7), "-1.5E-7");
        assert_eq!(d(f64::MAX), "1.7976931348623157E308");
        assert_eq!(d(f64::MIN_POSITIVE), "2.2250738585072014E-308");
        assert_eq!(d(2e23), "2.0E23");
    }

    #[test]
    fn two_digit_preference() {
        assert_eq!(d(f64::from_bits(1)), "4.9E-324");
        assert_eq!(d(f64::from_bits(2)), "9.9E-324");
        assert_eq!(f(f32::from_bits(1)), "1.4E-45");
    }

    #[test]
    fn specials() {
        assert_eq!(d(f64::NAN), "NaN");
        assert_eq!(d(f64::INFINITY), "Infinity");
        assert_eq!(d(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(d(0.0), "0.0");
        assert_eq!(d(-0.0), "-0.0");
    }

    #[test]
    fn floats() {
        assert_eq!(f(1.1), "1.1");
        assert_eq!(f(1e10), "1.0E10");
        assert_eq!(f(3.4028235e38), "3.4028235E38");
        assert_eq!(f(0.1f32 + 0.2f32), "0.3");
    }

    #[test]
    fn appends() {
        let mut out = String::from("x=");
        double_to_string(2.5, &mut out);
        assert_eq!(out, "x=2.5");
    }

    proptest! {
        #[test]
        fn round_trips_and_has_java_shape(bits in any::<u64>()) {
            let v = f64::from_bits(bits);
            prop_assume!(v.is_finite());
            let s = d(v);
            prop_assert_eq!(s.parse::<f64>().unwrap().to_bits(), v.to_bits());
            let unsigned = s.trim_start_matches('-');
            let (mantissa, exp) = unsigned.split_once('E').unwrap_or((unsigned, ""));
            let (int, frac) = mantissa.split_once('.').unwrap();
            prop_assert!(!frac.is_empty());
            if exp.is_empty() {
                prop_assert!(v == 0.0 || (1e-3..1e7).contains(&v.abs()));
            } else {
                prop_assert_eq!(int.len(), 1);
                prop_assert!(!(1e-3..1e7).contains(&v.abs()));
                prop_assert!(!exp.starts_with('+'));
            }
        }

        #[test]
        fn few_decimals_path_matches_the_general_one(
            int in 0u64..10_000_000,
            frac in 0u64..1000,
            k in 1u32..4,
            neg in any::<bool>(),
        ) {
            let text = format!("{}{int}.{:0width$}", if neg { "-" } else { "" }, frac % 10u64.pow(k), width = k as usize);
            let v: f64 = text.parse().unwrap();
            let mut general = String::new();
            write_java_float(v, &mut general);
            prop_assert_eq!(d(v), general);
        }

        #[test]
        fn few_decimals_path_is_exact_on_any_double(bits in any::<u64>()) {
            let v = f64::from_bits(bits);
            let mut general = String::new();
            write_java_float(v, &mut general);
            prop_assert_eq!(d(v), general);
        }

        #[test]
        fn plain_fast_path_matches_decimal_rendering(v in 1e-3f64..1e7) {
            // The fast path must write exactly what the general digit rendering writes.
            let mut buf = ryu::Buffer::new();
            let mut slow = String::new();
            Decimal::parse(buf.format_finite(v)).write_java(&mut slow);
            prop_assert_eq!(d(v), slow);
        }

        #[test]
        fn float_round_trips(bits in any::<u32>()) {
            let v = f32::from_bits(bits);
            prop_assume!(v.is_finite());
            prop_assert_eq!(f(v).parse::<f32>().unwrap().to_bits(), v.to_bits());
        }
    }
}
