//! Writing a message's head and body with gathering writes (`writev`), so a body is sent from
//! where it already is instead of being copied behind its head. The server writes large
//! responses this way, and the Lambda client every request (the event the request path just
//! built is still in cache; the connection's own buffer was last touched a whole round of client
//! connections ago).

use std::io::{ErrorKind, IoSlice};

use tokio::io::{AsyncWrite, AsyncWriteExt};

/// Writes all of `head`, then all of `body`, gathering both into each write while any of the
/// head is left.
pub async fn write<W: AsyncWrite + Unpin>(
    stream: &mut W,
    mut head: &[u8],
    mut body: &[u8],
) -> std::io::Result<()> {
    while !head.is_empty() {
        let n = stream
            .write_vectored(&[IoSlice::new(head), IoSlice::new(body)])
            .await?;
        if n == 0 {
            return Err(ErrorKind::WriteZero.into());
        }
        let from_head = n.min(head.len());
        head = &head[from_head..];
        body = &body[n - from_head..];
    }
    stream.write_all(body).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    /// A writer that takes at most `step` bytes a call and records each call's gathered length.
    struct Trickle {
        step: usize,
        written: Vec<u8>,
        calls: Vec<usize>,
    }

    impl AsyncWrite for Trickle {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<std::io::Result<usize>> {
            let n = buf.len().min(self.step);
            self.written.extend_from_slice(&buf[..n]);
            self.calls.push(n);
            Poll::Ready(Ok(n))
        }

        fn poll_write_vectored(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<std::io::Result<usize>> {
            let mut left = self.step;
            let mut n = 0;
            for b in bufs {
                let take = b.len().min(left);
                self.written.extend_from_slice(&b[..take]);
                left -= take;
                n += take;
            }
            self.calls.push(n);
            Poll::Ready(Ok(n))
        }

        fn is_write_vectored(&self) -> bool {
            true
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn head_and_body_go_out_whole_and_in_order_whatever_each_write_takes() {
        let head = b"POST /f HTTP/1.1\r\ncontent-length: 26\r\n\r\n";
        let body = b"abcdefghijklmnopqrstuvwxyz";
        let whole = [&head[..], &body[..]].concat();
        for step in [1, 3, head.len() - 1, head.len(), head.len() + 5, 1000] {
            let mut w = Trickle {
                step,
                written: Vec::new(),
                calls: Vec::new(),
            };
            write(&mut w, head, body).await.unwrap();
            assert_eq!(w.written, whole, "step {step}");
            // One gathering write when the socket takes it all.
            if step >= whole.len() {
                assert_eq!(w.calls, vec![whole.len()]);
            }
        }
        // An empty body and a writer that takes nothing.
        let mut w = Trickle {
            step: 7,
            written: Vec::new(),
            calls: Vec::new(),
        };
        write(&mut w, head, b"").await.unwrap();
        assert_eq!(w.written, head);
        let mut stuck = Trickle {
            step: 0,
            written: Vec::new(),
            calls: Vec::new(),
        };
        let err = write(&mut stuck, head, body).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WriteZero);
    }
}
