//! The `Date` response header value, formatted at most once per second per worker thread.
//!
//! Each runtime thread keeps its own copy, so reading it takes no lock and shares no cache line.

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

use time::macros::format_description;
use time::OffsetDateTime;

/// `Sun, 06 Nov 1994 08:49:37 GMT` is always 29 bytes.
const LEN: usize = 29;

struct Cached {
    second: u64,
    text: [u8; LEN],
}

thread_local! {
    static CACHE: RefCell<Cached> = const {
        RefCell::new(Cached { second: u64::MAX, text: [b' '; LEN] })
    };
}

/// Calls `f` with the current IMF-fixdate (RFC 9110 §5.6.7).
pub fn with_date<R>(f: impl FnOnce(&[u8]) -> R) -> R {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    CACHE.with(|cell| {
        let mut cached = cell.borrow_mut();
        if cached.second != now {
            cached.text = format_imf(now);
            cached.second = now;
        }
        f(&cached.text)
    })
}

/// Formats `secs` since the epoch as an IMF-fixdate.
pub fn format_imf(secs: u64) -> [u8; LEN] {
    let fmt = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let mut out = [b' '; LEN];
    let dt = i64::try_from(secs)
        .ok()
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    if let Ok(text) = dt.format(fmt) {
        let n = text.len().min(LEN);
        out[..n].copy_from_slice(&text.as_bytes()[..n]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_imf_fixdate() {
        assert_eq!(&format_imf(784111777), b"Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(&format_imf(0), b"Thu, 01 Jan 1970 00:00:00 GMT");
    }

    #[test]
    fn current_date_has_the_fixed_shape() {
        with_date(|d| {
            assert_eq!(d.len(), LEN);
            assert!(d.ends_with(b" GMT"));
        });
    }
}
