//! SQLite: the embedded default. WAL mode lets readers run beside the one writer; all writes go
//! through a single-connection pool with `BEGIN IMMEDIATE`, so writers queue in order instead of
//! failing with "database is locked", and ledger transactions are serialized by construction.

use std::str::FromStr;
use std::time::Duration;

use sqlx::Connection;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};

use super::cancel_safe;
use super::sql::{Backend, SqlStore};

pub type SqliteStore = SqlStore<sqlx::Sqlite>;

impl Backend for sqlx::Sqlite {
    const BACKEND: &'static str = "sqlite";
    /// Takes the write lock at once, so that a writer waits for the one before it rather than
    /// failing when its first write finds the database locked.
    const BEGIN_WRITE: Option<&'static str> = Some("BEGIN IMMEDIATE");
    /// The single writer connection already serializes ledger transactions.
    const OBJECT_LOCKS: Option<&'static str> = None;
    /// A deferred read transaction in WAL mode sees one snapshot from its first read on.
    const READ_SNAPSHOT: &'static str = "BEGIN";
    /// The single writer connection already keeps two claims from overlapping.
    const CLAIM_LOCK: &'static str = "";

    fn rows_affected(done: &Self::QueryResult) -> u64 {
        done.rows_affected()
    }
}

impl SqliteStore {
    /// Opens the database; `progress_shards` is how many rows each campaign's aggregate may be
    /// spread over (1 is right for SQLite's single writer, which gains nothing by more).
    pub async fn connect(
        url: &str,
        max_connections: u32,
        progress_shards: u32,
    ) -> Result<Self, super::StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL is durable in WAL mode except for the last transactions on power loss;
            // FULL makes every commit survive power loss too, which a money ledger wants.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .after_release(clean_on_release(url))
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .after_release(clean_on_release(url))
            .connect_with(options.read_only(true))
            .await?;
        Ok(SqlStore::new(read, write, progress_shards))
    }
}

/// The pool's check of each connection it gets back: [`clean`], or close it.
#[allow(clippy::type_complexity)]
fn clean_on_release(
    url: &str,
) -> impl for<'c> Fn(
    &'c mut SqliteConnection,
    sqlx::pool::PoolConnectionMetadata,
) -> futures_util::future::BoxFuture<'c, Result<bool, sqlx::Error>>
+ Send
+ Sync
+ 'static {
    let database: std::sync::Arc<str> = url.trim_start_matches("sqlite://").into();
    move |conn, _| {
        let database = database.clone();
        Box::pin(async move { clean(conn, &database).await })
    }
}

/// Whether a connection coming back to its pool is out of any transaction, by sqlx's count and
/// by SQLite's own: a writer left inside one would make every later write fail or vanish, a
/// reader inside one would serve one old snapshot forever.
async fn clean(conn: &mut SqliteConnection, database: &str) -> Result<bool, sqlx::Error> {
    // Taking the handle queues behind what the connection's worker thread has yet to do, such
    // as the rollback of a `Transaction` just dropped; after it, both counts are final.
    let autocommit = {
        let mut handle = conn.lock_handle().await?;
        // SAFETY: the handle is locked for us, so no other thread uses the connection
        // meanwhile, and `sqlite3_get_autocommit` only reads the connection's state.
        unsafe { libsqlite3_sys::sqlite3_get_autocommit(handle.as_raw_handle().as_ptr()) }
    };
    if conn.is_in_transaction() {
        return cancel_safe::dirty("sqlite", database, "sqlx counts an open transaction");
    }
    if autocommit == 0 {
        return cancel_safe::dirty("sqlite", database, "SQLite is inside a transaction");
    }
    Ok(true)
}
