//! The accept loop: what a slow, idle or numerous client may hold of the server.
//!
//! `axum::serve` has no timeouts and no cap: a client that opens a connection and sends half a
//! request line holds a file descriptor for ever, and a few hundred of them exhaust the
//! open-files limit, after which no one (a donor, Stripe's webhook delivery, `/ready`) is
//! served. This module owns the listening socket and every connection, with the limits of
//! [`ConnectionLimits`]:
//!
//! - **Request heads**: the first request's head must arrive within `HEADER_READ_TIMEOUT` of
//!   the accept; a later request's head within `HEADER_READ_TIMEOUT` of its first byte. Else
//!   the connection is closed.
//! - **Idle keep-alive**: a connection with no request in flight and no byte of the next one
//!   is closed after `IDLE_TIMEOUT`. (hyper's own `header_read_timeout` starts its clock when a
//!   connection goes idle, so it cannot tell the two apart; [`Watched`] keeps both clocks.)
//! - **Bodies**: a request body must arrive in full within `BODY_READ_TIMEOUT` of its first
//!   read ([`DeadlineBody`]); else the answer is `408` in the API's error format, whatever the
//!   handler made of the failed read, and the connection closes.
//! - **Connections**: at most `MAX_CONNECTIONS` are served at once (a semaphore): at the cap the
//!   loop stops accepting, and new connections wait in the kernel's accept queue ([`bind`]
//!   asks for [`BACKLOG`]). The cap is kept below the open-files limit, less
//!   [`reserved_files`], which [`raise_open_files_limit`] first raises to its hard
//!   limit, so that the database, the listener and the log always have descriptors left.
//! - **Accept errors** (`EMFILE`, `ENFILE`, `ECONNABORTED`, ...) are logged and the loop goes
//!   on after a short pause: they never stop the server.
//! - **Shutdown**: when the shutdown future resolves the listener is closed, each connection
//!   finishes the request it is serving (hyper's `graceful_shutdown`) and closes, and [`serve`]
//!   returns once all have.
//!
//! Requests are HTTP/1 only, and handlers see `ConnectInfo<SocketAddr>` as with
//! `into_make_service_with_connect_info`. Not covered: a client that reads its response slowly
//! (answers are small and fit the socket buffers).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use axum::response::IntoResponse;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

use super::error::{ErrorBody, FieldError};
use crate::config::ConnectionLimits;

/// Descriptors kept free of connections: the listener, logs, mail, and the database pool (a
/// SQLite connection holds up to three: the database, its WAL and its shared memory).
pub fn reserved_files(database_connections: u32) -> u64 {
    64 + 4 * u64::from(database_connections)
}
/// The pause after an accept error (out of descriptors, a connection reset in the queue).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// The accept queue asked of the kernel (which caps it at `net.core.somaxconn`): connections
/// over the cap wait here. `TcpListener::bind` asks for 128, beyond which Linux drops SYNs and
/// clients wait for retransmissions (1 s, 3 s, 7 s, ...).
pub const BACKLOG: u32 = 1024;

/// Binds `addr` for [`serve`], with an accept queue of [`BACKLOG`].
pub fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets each connection finish
/// its request and returns.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    database_connections: u32,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let max = match raise_open_files_limit() {
        Ok(files) => connection_cap(
            limits.max_connections,
            files,
            reserved_files(database_connections),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "could not read or raise the open-files limit");
            limits.max_connections
        }
    };
    let permits = Arc::new(Semaphore::new(max));
    let connections = TaskTracker::new();
    let stop = CancellationToken::new();
    tokio::pin!(shutdown);
    let mut at_cap = false;
    loop {
        let permit = match permits.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                if !at_cap {
                    tracing::warn!(
                        max,
                        "at MAX_CONNECTIONS: new connections wait to be accepted"
                    );
                    at_cap = true;
                }
                tokio::select! {
                    _ = &mut shutdown => break,
                    p = permits.clone().acquire_owned() => p.expect("the semaphore is never closed"),
                }
            }
        };
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed; accepting again shortly");
                    drop(permit);
                    tokio::select! {
                        _ = &mut shutdown => break,
                        _ = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                    }
                }
            },
        };
        if at_cap && permits.available_permits() > max / 10 {
            at_cap = false;
        }
        let _ = stream.set_nodelay(true);
        let (router, stop) = (router.clone(), stop.clone());
        connections.spawn(async move {
            connection(stream, peer, router, limits, stop).await;
            drop(permit);
        });
    }
    // Stop accepting: what is still in the accept queue is refused, not left hanging.
    drop(listener);
    tracing::info!(
        connections = connections.len(),
        "stopped accepting; the open connections finish their requests"
    );
    stop.cancel();
    connections.close();
    connections.wait().await;
    Ok(())
}

/// `MAX_CONNECTIONS`, but never so many that connections alone exhaust the open-files limit.
fn connection_cap(configured: usize, open_files: u64, reserved: u64) -> usize {
    let room = open_files.saturating_sub(reserved).max(1);
    match usize::try_from(room) {
        Ok(room) if room < configured => {
            tracing::warn!(
                configured,
                serving = room,
                open_files,
                "MAX_CONNECTIONS is above what the open-files limit allows; serving fewer"
            );
            room
        }
        _ => configured,
    }
}

/// Raises this process's open-files soft limit to its hard limit, and returns the limit now in
/// force.
pub fn raise_open_files_limit() -> std::io::Result<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed to them.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let before = limit.rlim_cur;
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: limit.rlim_max,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: as above.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } != 0 {
            let e = std::io::Error::last_os_error();
            tracing::warn!(error = %e, soft = before, hard = limit.rlim_max, "could not raise the open-files limit");
            return Ok(before);
        }
        limit = raised;
    }
    tracing::info!(
        open_files = limit.rlim_cur,
        was = before,
        "open-files limit (soft limit raised to the hard limit)"
    );
    Ok(limit.rlim_cur)
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: ConnectionLimits,
    stop: CancellationToken,
) {
    let phase = Arc::new(Phase::new());
    let io = TokioIo::new(Watched {
        inner: stream,
        phase: phase.clone(),
        limits,
        sleep: Box::pin(tokio::time::sleep(limits.header_read_timeout)),
    });
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        // Synchronously, as hyper hands the parsed head over: the connection is now busy.
        phase.request_started();
        let timed_out = Arc::new(AtomicBool::new(false));
        let mut req = req.map(|body| {
            Body::new(DeadlineBody {
                inner: body,
                timeout: limits.body_read_timeout,
                deadline: None,
                timed_out: timed_out.clone(),
            })
        });
        req.extensions_mut().insert(ConnectInfo(peer));
        let (router, phase) = (router.clone(), phase.clone());
        async move {
            let response = match router.oneshot(req).await {
                Ok(r) => r,
                Err(never) => match never {},
            };
            let response = if timed_out.load(Ordering::Acquire) {
                body_timeout_response()
            } else {
                response
            };
            Ok::<_, Infallible>(response.map(|inner| Finished {
                inner,
                phase: Some(phase),
            }))
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        // The clocks are Watched's (see the module doc); hyper's would also run while idle.
        .header_read_timeout(None)
        .serve_connection(io, service);
    tokio::pin!(conn);
    let result = tokio::select! {
        r = conn.as_mut() => r,
        _ = stop.cancelled() => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        tracing::debug!(%peer, error = %e, "connection closed with an error");
    }
}

fn body_timeout_response() -> Response<Body> {
    let mut response = (
        StatusCode::REQUEST_TIMEOUT,
        axum::Json(ErrorBody {
            errors: vec![FieldError::new(
                "body",
                "the request body did not arrive in time; please try again",
            )],
        }),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Where a connection is between requests, for its clocks.
struct Phase {
    state: Mutex<PhaseState>,
}

struct PhaseState {
    /// Requests handed to the router whose answer is not yet sent.
    in_flight: usize,
    /// Since when the connection has had no request in flight.
    idle_since: Instant,
    /// When the first byte of the next request arrived, if it has.
    head_since: Option<Instant>,
    /// Whether no request has been served yet (its head is due `HEADER_READ_TIMEOUT` after the
    /// accept).
    fresh: bool,
    /// The connection's task, woken when it goes idle so that its idle clock starts.
    reader: Option<Waker>,
}

impl Phase {
    fn new() -> Phase {
        Phase {
            state: Mutex::new(PhaseState {
                in_flight: 0,
                idle_since: Instant::now(),
                head_since: None,
                fresh: true,
                reader: None,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PhaseState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn request_started(&self) {
        let mut s = self.lock();
        s.in_flight += 1;
        s.fresh = false;
        s.head_since = None;
    }

    fn request_finished(&self) {
        let mut s = self.lock();
        s.in_flight = s.in_flight.saturating_sub(1);
        if s.in_flight == 0 {
            s.idle_since = Instant::now();
            // hyper reads the next head only when its socket wakes it: wake it now, so that
            // the idle clock is armed even if the client never sends another byte.
            if let Some(w) = s.reader.take() {
                w.wake();
            }
        }
    }

    fn bytes_arrived(&self) {
        let mut s = self.lock();
        if s.in_flight == 0 && s.head_since.is_none() {
            s.head_since = Some(Instant::now());
        }
    }

    /// When the connection must be closed if nothing more happens; `None` while a request is
    /// served.
    fn deadline(&self, limits: &ConnectionLimits, waker: &Waker) -> Option<Instant> {
        let mut s = self.lock();
        if s.in_flight > 0 {
            s.reader = Some(waker.clone());
            return None;
        }
        s.reader = None;
        Some(match (s.fresh, s.head_since) {
            (true, _) => s.idle_since + limits.header_read_timeout,
            (false, Some(since)) => since + limits.header_read_timeout,
            (false, None) => s.idle_since + limits.idle_timeout,
        })
    }
}

/// A connection's socket, which fails its read once the phase's deadline passes (hyper then
/// closes the connection).
struct Watched {
    inner: TcpStream,
    phase: Arc<Phase>,
    limits: ConnectionLimits,
    sleep: Pin<Box<Sleep>>,
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        if let Poll::Ready(r) = Pin::new(&mut this.inner).poll_read(cx, buf) {
            if buf.filled().len() > before {
                this.phase.bytes_arrived();
            }
            return Poll::Ready(r);
        }
        let Some(deadline) = this.phase.deadline(&this.limits, cx.waker()) else {
            return Poll::Pending;
        };
        if this.sleep.deadline() != deadline {
            this.sleep.as_mut().reset(deadline);
        }
        match this.sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the client sent no complete request in time",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// The body did not arrive within `BODY_READ_TIMEOUT`.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within BODY_READ_TIMEOUT")]
pub struct BodyTimeout;

/// A request body that fails once `timeout` has passed since it was first read, and says so in
/// `timed_out` (the answer is then `408`, whatever the handler made of the failure).
struct DeadlineBody {
    inner: Incoming,
    timeout: Duration,
    deadline: Option<Pin<Box<Sleep>>>,
    timed_out: Arc<AtomicBool>,
}

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        let timeout = this.timeout;
        let deadline = this
            .deadline
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        match deadline.as_mut().poll(cx) {
            Poll::Ready(()) => {
                this.timed_out.store(true, Ordering::Release);
                Poll::Ready(Some(Err(BodyTimeout.into())))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A response body that marks its request finished once hyper has sent it (and drops it).
struct Finished {
    inner: Body,
    phase: Option<Arc<Phase>>,
}

impl http_body::Body for Finished {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Pin::new(&mut self.get_mut().inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Finished {
    fn drop(&mut self) {
        if let Some(p) = self.phase.take() {
            p.request_finished();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_descriptors_for_the_rest_of_the_server() {
        let eight = reserved_files(8);
        assert_eq!(connection_cap(1024, 20_000, eight), 1024);
        assert_eq!(connection_cap(1024, 256, eight), 160);
        assert_eq!(connection_cap(150, 256, eight), 150);
        assert_eq!(connection_cap(10, 10, eight), 1);
        // A large pool keeps its descriptors: 1000 SQLite connections need up to 3000.
        assert_eq!(connection_cap(1024, 4096, reserved_files(1000)), 32);
    }

    #[test]
    fn raising_the_limit_leaves_the_soft_limit_at_the_hard_limit() {
        let now = raise_open_files_limit().unwrap();
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes only the struct passed to it.
        assert_eq!(
            unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
            0
        );
        assert_eq!(limit.rlim_cur, limit.rlim_max);
        assert_eq!(now, limit.rlim_cur);
    }
}
