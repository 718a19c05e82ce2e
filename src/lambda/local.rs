//! Upstream connections owned by one client connection.
//!
//! The server runs each HTTP/1.1 client connection inside [`scope`]. Within it, plain-HTTP calls
//! of the [`super::Invoker`] use a keep-alive connection that belongs to that client connection
//! (one per upstream authority) instead of the shared pool, and drive its I/O in the client
//! connection's own task: a call then costs no pool lock, no hand-off to a connection task and no
//! cross-thread wake-up. A client connection sends one request at a time, so one upstream
//! connection per authority is never contended. Outside a scope (HTTP/2 streams, tests calling
//! the invoker directly) and for `https://` the shared pool is used.
//!
//! The rules of the pool carry over: a connection idle for longer than the pool's idle timeout is
//! not reused; a request that could not be written on a reused connection (the upstream closed it
//! meanwhile) is retried once on a new one; a connection is kept only after its reply was read
//! completely, so one abandoned by a timeout or an error is closed.

use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{HeaderValue, HOST};
use http::uri::Authority;
use http::Uri;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, Connection, SendRequest};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower_service::Service;

use super::{error_chain, hyper_error, InvokeError};

/// Most upstream authorities one client connection keeps a connection to (a route's function
/// and an authorizer's, typically); the oldest is closed past that.
const MAX_PER_CLIENT: usize = 4;

tokio::task_local! {
    static UPSTREAMS: RefCell<Vec<Upstream>>;
}

/// Runs `fut` (one client connection) with its own upstream connections, closed when it ends.
pub async fn scope<F: Future>(fut: F) -> F::Output {
    UPSTREAMS.scope(RefCell::new(Vec::new()), fut).await
}

/// Whether the current task runs inside [`scope`].
pub(super) fn in_scope() -> bool {
    UPSTREAMS.try_with(|_| ()).is_ok()
}

/// Takes this client connection's idle connection to `authority`, if any. The caller owns it for
/// the call, so no borrow of the task-local is held across an await.
fn take(authority: &Authority) -> Option<Upstream> {
    UPSTREAMS
        .try_with(|ups| {
            let mut ups = ups.borrow_mut();
            let at = ups.iter().position(|u| u.authority == *authority)?;
            Some(ups.swap_remove(at))
        })
        .ok()
        .flatten()
}

/// Gives a connection back after a completely read reply.
fn put(mut up: Upstream) {
    if up.conn.is_none() || up.sender.is_closed() {
        return;
    }
    up.idle_since = Instant::now();
    let _outside = UPSTREAMS.try_with(|ups| {
        let mut ups = ups.borrow_mut();
        if ups.len() >= MAX_PER_CLIENT {
            ups.remove(0);
        }
        ups.push(up);
    });
}

type Conn = Connection<TokioIo<TcpStream>, Full<Bytes>>;

/// One HTTP/1.1 connection to an upstream, driven by whoever calls through it.
struct Upstream {
    authority: Authority,
    /// The `Host` value for every request on it, computed once.
    host: HeaderValue,
    sender: SendRequest<Full<Bytes>>,
    /// `None` once the connection has ended.
    conn: Option<Pin<Box<Conn>>>,
    idle_since: Instant,
}

/// Sends `req` (an absolute `http://` URI) over this client connection's connection to its
/// authority and reads the whole reply with `read`. The caller bounds the whole call with its
/// timeout.
pub(super) async fn exchange<R, Fut>(
    connector: &HttpConnector,
    idle_timeout: Duration,
    mut req: http::Request<Full<Bytes>>,
    read: R,
) -> Result<http::Response<Bytes>, InvokeError>
where
    R: FnOnce(http::Response<Incoming>) -> Fut,
    Fut: Future<Output = Result<http::Response<Bytes>, InvokeError>>,
{
    let uri = req.uri().clone();
    let Some(authority) = uri.authority().cloned() else {
        return Err(InvokeError::Request(format!("{uri} has no host")));
    };
    let reused = take(&authority).filter(|up| up.idle_since.elapsed() < idle_timeout);
    let mut up = match reused {
        Some(up) => (up, true),
        None => (
            Upstream::connect(connector, &uri, authority.clone()).await?,
            false,
        ),
    };
    if !req.headers().contains_key(HOST) {
        req.headers_mut().insert(HOST, up.0.host.clone());
    }
    *req.uri_mut() = origin_form(&uri);
    let resp = match up.0.send(req).await {
        Ok(resp) => resp,
        // The reused connection was closed before the request went out: a new one, once.
        Err(Unsent(Some(req), _)) if up.1 => {
            up = (Upstream::connect(connector, &uri, authority).await?, false);
            up.0.send(req).await.map_err(|Unsent(_, e)| e)?
        }
        Err(Unsent(_, e)) => return Err(e),
    };
    let mut up = up.0;
    let reply = up.drive(read(resp)).await?;
    put(up);
    Ok(reply)
}

/// A failed send, with the request when it was not written.
struct Unsent(Option<http::Request<Full<Bytes>>>, InvokeError);

impl Upstream {
    async fn connect(
        connector: &HttpConnector,
        uri: &Uri,
        authority: Authority,
    ) -> Result<Upstream, InvokeError> {
        let mut connector = connector.clone();
        let io = async {
            poll_fn(|cx| connector.poll_ready(cx)).await?;
            connector.call(uri.clone()).await
        }
        .await
        .map_err(|e| InvokeError::Connect(error_chain(&e)))?;
        let (sender, conn) = http1::handshake(io).await.map_err(hyper_error)?;
        // As hyper's pooled client writes it: the port only when it is not 80.
        let host = match authority.port_u16() {
            Some(80) | None => HeaderValue::from_str(authority.host()),
            Some(_) => HeaderValue::from_str(authority.as_str()),
        }
        .map_err(|e| InvokeError::Request(e.to_string()))?;
        Ok(Upstream {
            authority,
            host,
            sender,
            // One allocation per upstream connection, not per call.
            conn: Some(Box::pin(conn)),
            idle_since: Instant::now(),
        })
    }

    /// Waits until the connection takes a request, then sends it and waits for the reply's head.
    async fn send(
        &mut self,
        req: http::Request<Full<Bytes>>,
    ) -> Result<http::Response<Incoming>, Unsent> {
        let Upstream { sender, conn, .. } = self;
        let ready = poll_fn(|cx| {
            poll_conn(conn, cx);
            match sender.poll_ready(cx) {
                Poll::Ready(r) => Poll::Ready(r.is_ok()),
                Poll::Pending if conn.is_none() => Poll::Ready(false),
                Poll::Pending => Poll::Pending,
            }
        })
        .await;
        if !ready {
            let closed = InvokeError::Io("upstream connection closed".into());
            return Err(Unsent(Some(req), closed));
        }
        let sent = self.sender.try_send_request(req);
        self.drive(sent).await.map_err(|mut e| {
            let req = e.take_message();
            Unsent(req, hyper_error(e.into_error()))
        })
    }

    /// Runs `fut` while polling the connection in the same task, so the request is written and
    /// the reply read without a connection task of their own.
    async fn drive<F: Future>(&mut self, fut: F) -> F::Output {
        let mut fut = pin!(fut);
        let conn = &mut self.conn;
        poll_fn(|cx| {
            if let Poll::Ready(out) = fut.as_mut().poll(cx) {
                return Poll::Ready(out);
            }
            if poll_conn(conn, cx) {
                // The connection moved (wrote, read or ended): the call may be done now.
                return fut.as_mut().poll(cx);
            }
            Poll::Pending
        })
        .await
    }
}

/// Polls the connection once; drops it when it has ended (its pending call, if any, then gets
/// hyper's error). Returns whether it was polled.
fn poll_conn(conn: &mut Option<Pin<Box<Conn>>>, cx: &mut std::task::Context<'_>) -> bool {
    let Some(c) = conn else {
        return false;
    };
    if let Poll::Ready(result) = c.as_mut().poll(cx) {
        if let Err(e) = result {
            tracing::debug!(error = %e, "upstream connection ended");
        }
        *conn = None;
    }
    true
}

/// `http://host/path?q` -> `/path?q`, the form an HTTP/1.1 request line carries.
fn origin_form(uri: &Uri) -> Uri {
    match uri.path_and_query() {
        Some(pq) if pq.as_str() != "/" => {
            let mut parts = http::uri::Parts::default();
            parts.path_and_query = Some(pq.clone());
            Uri::from_parts(parts).unwrap_or_default()
        }
        _ => Uri::default(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn origin_form_keeps_path_and_query() {
        let uri: Uri = "http://h:9001/2015-03-31/functions/f/invocations?x=1"
            .parse()
            .unwrap();
        assert_eq!(
            origin_form(&uri).to_string(),
            "/2015-03-31/functions/f/invocations?x=1"
        );
        assert_eq!(origin_form(&"http://h".parse().unwrap()).to_string(), "/");
    }
}
