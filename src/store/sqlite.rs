//! SQLite: the embedded default. WAL mode lets readers run beside the one writer; all writes go
//! through a single-connection pool with `BEGIN IMMEDIATE`, so writers queue in order instead of
//! failing with "database is locked", and ledger transactions are serialized by construction.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub struct SqliteStore {
    read: SqlitePool,
    write: SqlitePool,
}

impl SqliteStore {
    const BACKEND: &'static str = "sqlite";
    /// The single writer connection already serializes ledger transactions.
    const LEDGER_LOCK: Option<&'static str> = None;
    /// A deferred read transaction in WAL mode sees one snapshot from its first read on.
    const READ_SNAPSHOT: &'static str = "BEGIN";
    /// The single writer connection already keeps two claims from overlapping.
    const CLAIM_LOCK: &'static str = "";

    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, super::StoreError> {
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
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.read_only(true))
            .await?;
        Ok(Self { read, write })
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.write.begin_with("BEGIN IMMEDIATE").await
    }
}

super::sql::impl_sql_store!(
    SqliteStore,
    SqliteLedgerTx,
    sqlx::Sqlite,
    sqlx::sqlite::SqliteRow
);
