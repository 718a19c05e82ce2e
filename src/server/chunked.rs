//! Incremental `Transfer-Encoding: chunked` decoding (RFC 9112 §7.1) with a body size limit.
//!
//! Strict on purpose: chunk lines end in CRLF, sizes are bounded hex, extensions and trailers are
//! checked for control characters and then discarded. Laxness here is how request smuggling starts.

use bytes::{Buf, BytesMut};

/// Longest chunk-size line accepted (size plus extensions).
const MAX_LINE: usize = 4096;

/// Where the decoder is in the chunk stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Expecting a `chunk-size [ext] CRLF` line.
    Size,
    /// Inside chunk data; this many bytes remain.
    Data(u64),
    /// Expecting the CRLF after chunk data.
    DataEnd,
    /// After the last chunk: trailer fields until an empty line.
    Trailers,
    /// The empty line after the trailers was read.
    Done,
}

/// How far decoding got with the bytes available.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// All buffered bytes were used; read more.
    NeedMore,
    /// The body is complete; what is left in the buffer belongs to the next request.
    Done,
    /// The body would exceed the limit; decoding stopped.
    TooLarge,
}

/// Malformed chunked framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("malformed chunked body: {0}")]
pub struct ChunkError(pub &'static str);

/// Chunked decoder for one request body.
#[derive(Debug)]
pub struct ChunkedDecoder {
    state: State,
    trailer_bytes: usize,
    max_trailer_bytes: usize,
}

impl ChunkedDecoder {
    /// A decoder; trailers may take up to `max_trailer_bytes` (the head limit).
    pub fn new(max_trailer_bytes: usize) -> Self {
        ChunkedDecoder {
            state: State::Size,
            trailer_bytes: 0,
            max_trailer_bytes,
        }
    }

    /// Consumes framing and data from `input`, appending data to `body` (chunks are not
    /// contiguous on the wire, so the body is one copy). Stops at `Done` without touching the
    /// bytes after the body.
    pub fn decode(
        &mut self,
        input: &mut BytesMut,
        body: &mut BytesMut,
        max_body: usize,
    ) -> Result<Progress, ChunkError> {
        loop {
            match self.state {
                State::Size => {
                    let Some(line) = take_line(input, MAX_LINE, "chunk size line")? else {
                        return Ok(Progress::NeedMore);
                    };
                    let size = parse_size_line(&line)?;
                    if size == 0 {
                        self.state = State::Trailers;
                    } else if (body.len() as u64).saturating_add(size) > max_body as u64 {
                        return Ok(Progress::TooLarge);
                    } else {
                        // The size is within the body limit, so reserving it is bounded.
                        body.reserve(size as usize);
                        self.state = State::Data(size);
                    }
                }
                State::Data(remaining) => {
                    if input.is_empty() {
                        return Ok(Progress::NeedMore);
                    }
                    let n = remaining.min(input.len() as u64) as usize;
                    body.extend_from_slice(&input[..n]);
                    input.advance(n);
                    let left = remaining - n as u64;
                    self.state = if left == 0 {
                        State::DataEnd
                    } else {
                        State::Data(left)
                    };
                }
                State::DataEnd => {
                    if input.len() < 2 {
                        if input.first().is_some_and(|&b| b != b'\r') {
                            return Err(ChunkError("missing CRLF after chunk data"));
                        }
                        return Ok(Progress::NeedMore);
                    }
                    if &input[..2] != b"\r\n" {
                        return Err(ChunkError("missing CRLF after chunk data"));
                    }
                    input.advance(2);
                    self.state = State::Size;
                }
                State::Trailers => {
                    let budget = self.max_trailer_bytes.saturating_sub(self.trailer_bytes);
                    let Some(line) = take_line(input, budget, "trailer section too large")? else {
                        return Ok(Progress::NeedMore);
                    };
                    self.trailer_bytes += line.len() + 2;
                    if line.is_empty() {
                        self.state = State::Done;
                    } else {
                        check_trailer(&line)?;
                    }
                }
                State::Done => return Ok(Progress::Done),
            }
        }
    }
}

/// Takes one CRLF-terminated line (without the CRLF) off the front of `input`. `Ok(None)`: no
/// complete line yet. A bare LF or a line longer than `max` is an error.
fn take_line(
    input: &mut BytesMut,
    max: usize,
    too_long: &'static str,
) -> Result<Option<BytesMut>, ChunkError> {
    match memchr::memchr(b'\n', input) {
        Some(lf) => {
            if lf == 0 || input[lf - 1] != b'\r' {
                return Err(ChunkError("line not ended by CRLF"));
            }
            if lf + 1 > max {
                return Err(ChunkError(too_long));
            }
            let mut line = input.split_to(lf + 1);
            line.truncate(lf - 1);
            Ok(Some(line))
        }
        None if input.len() > max => Err(ChunkError(too_long)),
        None => Ok(None),
    }
}

/// `1*HEXDIG [BWS ";" chunk-ext]`; the extensions are checked and ignored.
fn parse_size_line(line: &[u8]) -> Result<u64, ChunkError> {
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 {
        return Err(ChunkError("chunk size"));
    }
    if digits > 15 {
        return Err(ChunkError("chunk size too large"));
    }
    let mut size: u64 = 0;
    for &d in &line[..digits] {
        let v = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            _ => d - b'A' + 10,
        };
        size = (size << 4) | u64::from(v);
    }
    let rest = &line[digits..];
    let ext_start = rest.iter().position(|&b| b != b' ' && b != b'\t');
    if let Some(i) = ext_start {
        if rest[i] != b';' {
            return Err(ChunkError("chunk size"));
        }
        if rest[i..].iter().any(|&b| is_control(b)) {
            return Err(ChunkError("chunk extension"));
        }
    }
    Ok(size)
}

/// A trailer line must look like a field line: `name ":" value`, no controls.
fn check_trailer(line: &[u8]) -> Result<(), ChunkError> {
    let colon = line
        .iter()
        .position(|&b| b == b':')
        .ok_or(ChunkError("trailer field"))?;
    let name_ok = colon > 0
        && line[..colon]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !name_ok || line[colon..].iter().any(|&b| is_control(b)) {
        return Err(ChunkError("trailer field"));
    }
    Ok(())
}

/// Control characters other than HTAB.
fn is_control(b: u8) -> bool {
    (b < 0x20 && b != b'\t') || b == 0x7f
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn decode_all(input: &[u8], max: usize) -> (Result<Progress, ChunkError>, BytesMut, BytesMut) {
        let mut dec = ChunkedDecoder::new(1024);
        let mut buf = BytesMut::from(input);
        let mut body = BytesMut::new();
        let r = dec.decode(&mut buf, &mut body, max);
        (r, body, buf)
    }

    #[test]
    fn decodes_chunks_extensions_and_trailers() {
        let (r, body, rest) = decode_all(
            b"5;name=val\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\nNEXT",
            100,
        );
        assert_eq!(r, Ok(Progress::Done));
        assert_eq!(&body[..], b"hello world");
        assert_eq!(&rest[..], b"NEXT");
    }

    #[test]
    fn byte_by_byte_gives_the_same_body() {
        let wire = b"A\r\n0123456789\r\n1\r\nx\r\n0\r\n\r\n";
        let mut dec = ChunkedDecoder::new(1024);
        let mut buf = BytesMut::new();
        let mut body = BytesMut::new();
        let mut last = Progress::NeedMore;
        for &b in wire.iter() {
            buf.extend_from_slice(&[b]);
            last = dec.decode(&mut buf, &mut body, 100).unwrap();
        }
        assert_eq!(last, Progress::Done);
        assert_eq!(&body[..], b"0123456789x");
    }

    #[test]
    fn refuses_bad_framing() {
        for wire in [
            &b"g\r\nx\r\n0\r\n\r\n"[..],
            b"5\nhello\r\n0\r\n\r\n",
            b"5\r\nhelloXX0\r\n\r\n",
            b"1 x\r\na\r\n0\r\n\r\n",
            b"ffffffffffffffffff\r\n",
            b"-1\r\n",
            b"0\r\nno colon\r\n\r\n",
            b"3;\x01\r\nabc\r\n0\r\n\r\n",
        ] {
            let (r, _, _) = decode_all(wire, 1 << 20);
            assert!(r.is_err(), "{:?}", String::from_utf8_lossy(wire));
        }
    }

    #[test]
    fn stops_at_the_limit() {
        let (r, _, _) = decode_all(b"4\r\nabcd\r\n4\r\nefgh\r\n0\r\n\r\n", 6);
        assert_eq!(r, Ok(Progress::TooLarge));
        let (r, body, _) = decode_all(b"3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n", 6);
        assert_eq!(r, Ok(Progress::Done));
        assert_eq!(&body[..], b"abcdef");
    }

    proptest! {
        #[test]
        fn random_input_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut dec = ChunkedDecoder::new(64);
            let mut body = BytesMut::new();
            let mut buf = BytesMut::new();
            for part in bytes.chunks(7) {
                buf.extend_from_slice(part);
                if dec.decode(&mut buf, &mut body, 256).is_err() {
                    break;
                }
            }
        }
    }
}
