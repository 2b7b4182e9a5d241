//! PostgreSQL: for production and for several server processes sharing one database. Ledger
//! transactions take a transaction-scoped advisory lock, so they are serialized across every
//! process exactly as SQLite's single writer serializes them within one.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

pub struct PgStore {
    read: PgPool,
    write: PgPool,
}

impl PgStore {
    const BACKEND: &'static str = "postgres";
    /// A fixed key of our own; nothing else in this database takes advisory locks.
    const LEDGER_LOCK: Option<&'static str> = Some("SELECT pg_advisory_xact_lock(4477000001)");
    /// READ COMMITTED takes a new snapshot per statement; reports of several reads need one.
    const READ_SNAPSHOT: &'static str = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
    /// Workers in several processes claim disjoint rows without waiting on each other.
    const CLAIM_LOCK: &'static str = " FOR UPDATE SKIP LOCKED";

    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, super::StoreError> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(2))
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(Self {
            read: pool.clone(),
            write: pool,
        })
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.write.begin().await
    }
}

super::sql::impl_sql_store!(PgStore, PgLedgerTx, sqlx::Postgres, sqlx::postgres::PgRow);
