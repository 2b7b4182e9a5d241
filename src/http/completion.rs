//! Every request runs to its end, whatever its client does.
//!
//! When a client hangs up (a donor closes the tab, Stripe's delivery times out, a load balancer
//! drops connections on a deploy), hyper drops the request's future wherever it is suspended. A
//! handler dropped between two writes would leave the first without the second: a pending
//! donation without its Checkout Session, an idempotency key held by a request that will never
//! answer. So each handler runs in a task of its own ([`run_to_completion`]); dropping the
//! request only detaches that task, which finishes its work, commits or rolls back, and has its
//! answer thrown away. (The store makes each transaction cancellation-safe on its own too:
//! `store::cancel_safe`.)
//!
//! The tasks are counted in the server's [`TaskTracker`], so that a shutdown waits for the
//! detached ones before it closes the database. A handler that panics answers a 500 JSON error
//! and the panic is logged; the connection stays usable.
//!
//! Work for clients that have gone is bounded: at most `MAX_REQUESTS_IN_FLIGHT` handlers run
//! at once ([`Admission`]). A request waits for its turn *before* its task is spawned, in the
//! request's own future, so a client that hangs up while waiting takes its request away with
//! it: nothing was started, so nothing is cut in half. Without this, a burst of clients that
//! give up after a few milliseconds (thousands a second) leaves thousands of detached handlers
//! queued on the database pool, and the next donor's checkout waits behind all of them until
//! the pool's acquire timeout answers 503. `/health` (a static answer) skips the queue.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use super::error::AppError;

/// The server's handler tasks and the turns they take.
#[derive(Clone)]
pub struct Admission {
    pub tasks: TaskTracker,
    pub turns: Arc<Semaphore>,
}

impl Admission {
    pub fn new(tasks: TaskTracker, max_in_flight: usize) -> Admission {
        Admission {
            tasks,
            turns: Arc::new(Semaphore::new(max_in_flight.max(1))),
        }
    }
}

pub async fn run_to_completion(
    State(admission): State<Admission>,
    req: Request,
    next: Next,
) -> Response {
    // Waiting here is cancellable: the request has not started.
    let turn = if req.uri().path() == "/health" {
        None
    } else {
        match admission.turns.clone().acquire_owned().await {
            Ok(turn) => Some(turn),
            Err(_) => {
                return AppError::Unavailable("the server is shutting down".into()).into_response();
            }
        }
    };
    let handler = admission.tasks.spawn(
        async move {
            let response = next.run(req).await;
            drop(turn);
            response
        }
        .in_current_span(),
    );
    match handler.await {
        Ok(response) => response,
        Err(e) if e.is_panic() => {
            let panic = e.into_panic();
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".into());
            AppError::Internal(format!("handler panicked: {message}")).into_response()
        }
        Err(_) => AppError::Unavailable("the server is shutting down".into()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::routing::get;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Reads one HTTP/1.1 response with a Content-Length body: (status, body).
    async fn read_response(s: &mut tokio::net::TcpStream) -> (u16, String) {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = s.read(&mut chunk).await.unwrap();
            assert!(
                n > 0,
                "the connection closed: {}",
                String::from_utf8_lossy(&buf)
            );
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf).to_string();
            if let Some(end) = text.find("\r\n\r\n") {
                let length: usize = text[..end]
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                if buf.len() >= end + 4 + length {
                    let status = text[9..12].parse().unwrap();
                    return (status, text[end + 4..end + 4 + length].to_string());
                }
            }
        }
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_500_json_and_the_connection_goes_on() {
        let tasks = TaskTracker::new();
        let admission = Admission::new(tasks.clone(), 4);
        let app = Router::new()
            .route(
                "/boom",
                get(|| async {
                    if std::hint::black_box(true) {
                        panic!("secret internals");
                    }
                    "unreachable"
                }),
            )
            .route("/ok", get(|| async { "fine" }))
            .layer(axum::middleware::from_fn_with_state(
                admission,
                run_to_completion,
            ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });

        // Two requests on one keep-alive connection: the panic, then an ordinary request.
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /boom HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let (status, body) = read_response(&mut s).await;
        assert_eq!(status, 500);
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert!(json["errors"][0]["detail"].is_string(), "{body}");
        assert!(
            !body.contains("secret internals"),
            "the cause is logged, not answered"
        );
        s.write_all(b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        assert_eq!(read_response(&mut s).await, (200, "fine".to_string()));
        // The panicked task is done: nothing is left running.
        tasks.close();
        tasks.wait().await;
    }
}
