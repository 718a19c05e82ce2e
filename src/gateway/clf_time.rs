//! API Gateway's request time format, `dd/MMM/yyyy:HH:mm:ss +0000` (UTC, English months),
//! used by `requestContext.requestTime`, v2 `time`, `$context.requestTime` and access logs.
//!
//! Formatted by hand into a fixed buffer: it runs for every proxy event, so it allocates nothing.

/// A formatted request time.
#[derive(Debug, Clone, Copy)]
pub struct ClfTime {
    buf: [u8; 26],
}

impl ClfTime {
    /// The text, e.g. `04/Mar/2020:19:15:17 +0000`.
    pub fn as_str(&self) -> &str {
        // Every byte written by `format` is ASCII.
        std::str::from_utf8(&self.buf).unwrap_or("01/Jan/1970:00:00:00 +0000")
    }
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// Formats epoch milliseconds (years past 9999 are clamped to 9999, which no clock reaches).
pub fn format(epoch_ms: u64) -> ClfTime {
    let secs = epoch_ms / 1000;
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    let mut buf = *b"01/Jan/1970:00:00:00 +0000";
    let two = |buf: &mut [u8; 26], at: usize, n: u64| {
        buf[at] = b'0' + (n / 10 % 10) as u8;
        buf[at + 1] = b'0' + (n % 10) as u8;
    };
    two(&mut buf, 0, u64::from(d));
    buf[3..6].copy_from_slice(MONTHS[(m - 1) as usize]);
    let y = y.clamp(0, 9999) as u64;
    two(&mut buf, 7, y / 100);
    two(&mut buf, 9, y % 100);
    two(&mut buf, 12, rem / 3600);
    two(&mut buf, 15, rem / 60 % 60);
    two(&mut buf, 18, rem % 60);
    ClfTime { buf }
}

/// Days since 1970-01-01 to (year, month 1..=12, day 1..=31), proleptic Gregorian.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_times() {
        assert_eq!(
            format(1_583_349_317_135).as_str(),
            "04/Mar/2020:19:15:17 +0000"
        );
        assert_eq!(format(0).as_str(), "01/Jan/1970:00:00:00 +0000");
        assert_eq!(
            format(951_782_400_000).as_str(),
            "29/Feb/2000:00:00:00 +0000"
        );
        assert_eq!(
            format(1_735_689_599_000).as_str(),
            "31/Dec/2024:23:59:59 +0000"
        );
        assert_eq!(
            format(1_583_798_639_000).as_str(),
            "10/Mar/2020:00:03:59 +0000"
        );
    }

    #[test]
    fn matches_the_time_crate_over_a_range() {
        let f = time::macros::format_description!(
            "[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000"
        );
        for i in 0..2_000u64 {
            let ms = i * 7_919_993_311;
            let t = time::OffsetDateTime::from_unix_timestamp((ms / 1000) as i64).unwrap();
            assert_eq!(format(ms).as_str(), t.format(&f).unwrap());
        }
    }
}
