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

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use super::error::AppError;

pub async fn run_to_completion(
    State(tasks): State<TaskTracker>,
    req: Request,
    next: Next,
) -> Response {
    let handler = tasks.spawn(next.run(req).in_current_span());
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
