//! Transactions that a dropped future cannot leave half open, and pools that never hand out a
//! connection still inside a transaction.
//!
//! Why: a request's future is dropped wherever it is suspended when its client hangs up (hyper
//! drops the handler), and sqlx 0.8.6 is not cancellation-safe at two of those points:
//! - `begin`: the `BEGIN` reaches the database but the future is dropped before the
//!   `Transaction` exists, so nothing rolls it back. On SQLite (`begin_with`, cancelled while it
//!   checks that the custom `BEGIN IMMEDIATE` took) the single writer is left at depth 1 and every
//!   later write fails with "attempted to call begin_with at non-zero transaction depth", or runs
//!   inside the leftover transaction and is never committed; on PostgreSQL (cancelled while it
//!   waits for `BEGIN`'s answer, before it counts the depth) the connection goes back to the pool
//!   inside a transaction that the next borrower's statements silently join.
//!   (transact-rs/sqlx issues 3875, 4385; the PostgreSQL fix, PR 4394, is in no release yet:
//!   0.9.0 still has it, so upgrading would not help.)
//! - `commit`: dropped after `COMMIT` was sent, the `Transaction` also queues a `ROLLBACK`
//!   ("there is no transaction in progress"), and the caller cannot know whether it committed.
//!
//! So both run in a task of their own ([`begin`], [`commit`]): dropping the caller only detaches
//! the task, which runs on to its end; a `Transaction` it made for a caller that is gone is
//! dropped there, which rolls it back. Anywhere else a dropped transaction is rolled back by
//! sqlx's own drop guard, so a unit of work is committed whole or not at all.
//!
//! Dropped in the middle of a statement, though, a SQLite transaction cannot always be rolled
//! back by sqlx (see [`dirty`]); so units of work are never dropped midway either (each request
//! and each background round runs in a task of its own), and in case anything ever leaves a
//! connection in a transaction, each pool checks every connection as it comes back ([`SqliteStore`](super::SqliteStore) and
//! [`PgStore`](super::PgStore) install the checks below as `after_release`): a connection found
//! inside a transaction is closed, not reused (closing rolls the transaction back), and the
//! pool opens a fresh one.

use std::future::Future;

use sqlx::{Database, Pool, Transaction};

/// Runs `work` in a task of its own and waits for it. If the caller is dropped, the task still
/// runs to its end. A panic in it is resumed here; a runtime shutting down is a closed pool.
async fn detached<T: Send + 'static>(
    work: impl Future<Output = Result<T, sqlx::Error>> + Send + 'static,
) -> Result<T, sqlx::Error> {
    match tokio::spawn(work).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(sqlx::Error::PoolClosed),
    }
}

/// Begins a transaction on `pool` (with `statement`, or the driver's own `BEGIN`) so that no
/// cancellation of the caller can leave it begun but unowned.
pub(super) async fn begin<DB: Database>(
    pool: &Pool<DB>,
    statement: Option<&'static str>,
) -> Result<Transaction<'static, DB>, sqlx::Error> {
    let pool = pool.clone();
    detached(async move {
        match statement {
            Some(s) => pool.begin_with(s).await,
            None => pool.begin().await,
        }
    })
    .await
}

/// Commits `tx` so that a cancellation of the caller can neither interrupt the `COMMIT` nor
/// make its drop guard send a `ROLLBACK` after it.
pub(super) async fn commit<DB: Database>(tx: Transaction<'static, DB>) -> Result<(), sqlx::Error> {
    detached(tx.commit()).await
}

/// What a pool does with a connection of `database` found inside a transaction as it comes
/// back: close it rather than hand it out again (closing rolls the transaction back).
///
/// This happens only when a transaction's future is dropped in the middle of a statement, and
/// then only on SQLite: its driver leaves the statement unfinished and the `ROLLBACK` of the
/// dropped `Transaction` fails on it, silently, so the writer stays inside the transaction.
/// The service never drops a unit of work midway (requests and the background rounds each run
/// in a task of their own: `http::completion`, `app`), so this is logged as an error: it means
/// some caller was cancelled that should not have been.
pub(super) fn dirty(backend: &str, database: &str, why: &str) -> Result<bool, sqlx::Error> {
    tracing::error!(
        backend,
        database,
        why,
        "a pooled connection came back inside a transaction; closing it"
    );
    Ok(false)
}
