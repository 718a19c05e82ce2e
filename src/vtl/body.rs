//! Parsing the body for `$input.json` / `$input.path`: one copy into a reused, padded buffer
//! (simd-json parses in place), one tape, both kept per thread so steady-state renders do not
//! allocate for parsing.

use std::cell::RefCell;

use simd_json::{Buffers, Node, Tape};

use super::compact;

struct Scratch {
    bytes: Vec<u8>,
    buffers: Buffers,
    tape: Tape<'static>,
}

thread_local! {
    static SCRATCH: RefCell<Option<Scratch>> = const { RefCell::new(None) };
    static COMPACT: RefCell<String> = const { RefCell::new(String::new()) };
}

/// For templates that read the body only as `$input.json('$')`: calls `f` with the body's
/// compact form when [`compact::write_compact`] accepts it (then no parse is needed), or
/// returns `None` (the caller parses). The text is built in a per-thread buffer.
pub(crate) fn with_compact<R>(body: &[u8], f: impl FnOnce(&str) -> R) -> Option<R> {
    let mut text = COMPACT.with(|s| std::mem::take(&mut *s.borrow_mut()));
    text.clear();
    let r = compact::write_compact(body, &mut text).then(|| f(&text));
    COMPACT.with(|s| *s.borrow_mut() = text);
    r
}

/// Parses `body` (an empty or blank body reads as `{}`) and calls `f` with the document root,
/// or `None` when the body is not JSON.
pub(crate) fn with_parsed<R>(
    body: &[u8],
    f: impl for<'t> FnOnce(Option<&'t [Node<'t>]>) -> R,
) -> R {
    // Take the scratch out of the thread-local so a nested render (not expected, but
    // possible through a caller) simply allocates its own.
    let taken = SCRATCH.with(|s| s.borrow_mut().take());
    let mut scratch = taken.unwrap_or_else(|| Scratch {
        bytes: Vec::new(),
        buffers: Buffers::default(),
        tape: Tape::null().reset(),
    });
    scratch.bytes.clear();
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        scratch.bytes.extend_from_slice(b"{}");
    } else {
        scratch.bytes.extend_from_slice(body);
    }
    // The parser reads past the document in wide loads; padding it here saves the parser
    // its own padded copy of the body.
    let len = scratch.bytes.len();
    scratch.bytes.resize(len + simd_json::INPUT_PADDING, b' ');
    let Scratch {
        mut bytes,
        mut buffers,
        tape,
    } = scratch;
    let mut tape: Tape<'_> = tape.reset();
    let r = match simd_json::fill_tape_padded(&mut bytes, len, &mut buffers, &mut tape) {
        Ok(()) => f(Some(&tape.0[..])),
        Err(_) => f(None),
    };
    let tape = tape.reset();
    SCRATCH.with(|s| {
        *s.borrow_mut() = Some(Scratch {
            bytes,
            buffers,
            tape,
        })
    });
    r
}
