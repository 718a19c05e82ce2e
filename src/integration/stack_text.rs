//! [`StackText`]: a short string kept inline, for the values an event synthesizes per request
//! (the client IP, the local port) so building them allocates nothing.

use std::fmt;
use std::net::IpAddr;

/// Up to 45 bytes of text (the longest IPv6 text form, with an embedded IPv4 address) inline.
#[derive(Clone, Copy)]
pub struct StackText {
    buf: [u8; CAP],
    len: u8,
}

const CAP: usize = 45;

impl StackText {
    /// Empty text.
    const fn new() -> Self {
        StackText {
            buf: [0; CAP],
            len: 0,
        }
    }

    /// The client IP as API Gateway shows it: IPv4-mapped IPv6 addresses as IPv4.
    pub fn ip(ip: IpAddr) -> Self {
        let mut t = StackText::new();
        match ip.to_canonical() {
            IpAddr::V4(v4) => {
                for (k, octet) in v4.octets().into_iter().enumerate() {
                    if k > 0 {
                        t.push(b".");
                    }
                    t.push(itoa::Buffer::new().format(octet).as_bytes());
                }
            }
            // Rare on a sidecar's loopback: the standard formatting, written in place.
            IpAddr::V6(v6) => {
                let _ = fmt::write(&mut t, format_args!("{v6}"));
            }
        }
        t
    }

    /// The decimal digits of `n`.
    pub fn uint(n: u64) -> Self {
        let mut t = StackText::new();
        t.push(itoa::Buffer::new().format(n).as_bytes());
        t
    }

    /// Appends `b`, or as much as fits.
    fn push(&mut self, b: &[u8]) {
        let at = usize::from(self.len);
        let n = b.len().min(CAP - at);
        self.buf[at..at + n].copy_from_slice(&b[..n]);
        self.len += n as u8;
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Only whole ASCII pieces are ever pushed, so this never falls back.
        std::str::from_utf8(&self.buf[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if s.len() > CAP - usize::from(self.len) {
            return Err(fmt::Error);
        }
        self.push(s.as_bytes());
        Ok(())
    }
}

impl fmt::Debug for StackText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    #[test]
    fn formats_addresses_as_the_standard_library_does() {
        let cases: [IpAddr; 5] = [
            Ipv4Addr::new(127, 0, 0, 1).into(),
            Ipv4Addr::new(0, 0, 0, 0).into(),
            Ipv4Addr::new(255, 255, 255, 255).into(),
            Ipv6Addr::LOCALHOST.into(),
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
                .parse()
                .unwrap_or(Ipv6Addr::LOCALHOST)
                .into(),
        ];
        for ip in cases {
            assert_eq!(StackText::ip(ip).as_str(), ip.to_string());
        }
    }

    #[test]
    fn mapped_ipv4_is_shown_as_ipv4() {
        let mapped: IpAddr = Ipv4Addr::new(10, 1, 2, 3).to_ipv6_mapped().into();
        assert_eq!(StackText::ip(mapped).as_str(), "10.1.2.3");
    }

    #[test]
    fn ports() {
        assert_eq!(StackText::uint(0).as_str(), "0");
        assert_eq!(StackText::uint(65535).as_str(), "65535");
    }

    proptest! {
        #[test]
        fn any_address_matches_display(v4 in any::<u32>(), v6 in any::<u128>()) {
            let a = IpAddr::from(Ipv4Addr::from(v4));
            let text = StackText::ip(a);
            prop_assert_eq!(text.as_str(), a.to_string());
            let b = IpAddr::from(Ipv6Addr::from(v6));
            let text = StackText::ip(b);
            prop_assert_eq!(text.as_str(), b.to_canonical().to_string());
        }
    }
}
