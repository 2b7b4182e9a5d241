//! PostgreSQL: for production and for several server processes sharing one database. Ledger
//! transactions lock the objects they touch with transaction-scoped advisory locks
//! (`sql::ledger_tx`), so two that touch a common object are serialized across every process,
//! and the rest commit side by side.

use std::str::FromStr;
use std::time::Duration;

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};

use super::cancel_safe;
use super::sql::{Backend, SqlStore};

pub type PgStore = SqlStore<sqlx::Postgres>;

impl Backend for sqlx::Postgres {
    const BACKEND: &'static str = "postgres";
    /// The driver's own `BEGIN` (READ COMMITTED).
    const BEGIN_WRITE: Option<&'static str> = None;
    /// `ledger_lock` (migration 0011) takes `pg_advisory_xact_lock` on each id in the order
    /// given. Nothing else in this database takes advisory locks in that key space (sqlx's
    /// migrator takes one session lock of its own while migrating).
    const OBJECT_LOCKS: Option<&'static str> = Some("SELECT ledger_lock($1)");
    /// READ COMMITTED takes a new snapshot per statement; reports of several reads need one.
    const READ_SNAPSHOT: &'static str = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
    /// Workers in several processes claim disjoint rows without waiting on each other.
    const CLAIM_LOCK: &'static str = " FOR UPDATE SKIP LOCKED";

    fn rows_affected(done: &Self::QueryResult) -> u64 {
        done.rows_affected()
    }
}

impl PgStore {
    /// Opens the database; `progress_shards` is how many rows each campaign's aggregate is
    /// spread over, so that concurrent ledger transactions seldom wait on one row.
    pub async fn connect(
        url: &str,
        max_connections: u32,
        progress_shards: u32,
    ) -> Result<Self, super::StoreError> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(2))
            .acquire_timeout(Duration::from_secs(5))
            .after_release(clean_on_release(
                options.get_database().unwrap_or("postgres"),
            ))
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(SqlStore::new(pool.clone(), pool, progress_shards))
    }
}

/// The pool's check of each connection it gets back: [`clean`], or close it.
#[allow(clippy::type_complexity)]
fn clean_on_release(
    database: &str,
) -> impl for<'c> Fn(
    &'c mut PgConnection,
    sqlx::pool::PoolConnectionMetadata,
) -> futures_util::future::BoxFuture<'c, Result<bool, sqlx::Error>>
+ Send
+ Sync
+ 'static {
    let database: std::sync::Arc<str> = database.into();
    move |conn, _| {
        let database = database.clone();
        Box::pin(async move { clean(conn, &database).await })
    }
}

/// Whether a connection coming back to its pool is out of any transaction, by sqlx's count and
/// by the server's: `now()` is the transaction's start, equal to `statement_timestamp()` only
/// in the first statement of a transaction, so in autocommit but not after a leftover `BEGIN`.
/// (sqlx's count is exact here: a dropped `Transaction` lowers it as it queues its `ROLLBACK`,
/// which this query's round trip then carries out first.)
/// (The server's own status byte, which sqlx reads, is not public in sqlx 0.8.) Checked as the
/// connection is released, in the background, so that a leftover transaction's locks are let
/// go at once rather than when the connection is next borrowed.
async fn clean(conn: &mut PgConnection, database: &str) -> Result<bool, sqlx::Error> {
    if conn.is_in_transaction() {
        return cancel_safe::dirty("postgres", database, "sqlx counts an open transaction");
    }
    // The simple query protocol, whose one message starts both the statement and (in
    // autocommit) its transaction; a prepared statement's Bind would come later than its Parse.
    // (A query string without arguments is sent as a simple query.)
    let row = sqlx::Executor::fetch_one(&mut *conn, "SELECT now() = statement_timestamp()").await?;
    let autocommit: bool = sqlx::Row::try_get(&row, 0)?;
    if !autocommit {
        return cancel_safe::dirty("postgres", database, "the server is inside a transaction");
    }
    Ok(true)
}
