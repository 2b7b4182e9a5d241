//! The SQL of both backends, written once. Both drivers take `$N` placeholders and the schemas
//! have the same tables and columns, so one [`SqlStore`] (and one [`SqlLedgerTx`]), generic over
//! the driver, serves SQLite and PostgreSQL; what differs (pools, locks, the `BEGIN` of a write,
//! migrations) is each backend's [`Backend`] impl and `connect`, in `sqlite.rs` and `postgres.rs`.
//!
//! One file per concern, each implementing its sub-traits of `Store` and `LedgerTx`:
//! `campaigns`, `staff`, `donations`, `payments`, `reports`, `outbox`, `ledger`, `follow_ups`,
//! `fundraisers`, `memberships`;
//! and `rows`, how each record is read from a row (`sqlx::FromRow`) and which columns it has.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::{Pool, Transaction};

use super::cancel_safe;
use super::traits::{LedgerTx, Store};
use super::{StoreResult, now};
use crate::domain::object_key::ObjectKey;

/// `#[async_trait] impl<DB: Backend> Trait for Type<DB>`, with what the SQL here asks of a
/// driver: that statements run on its connections, and that the column types bound and read
/// (integers, booleans, text, and their NULLs) convert. Both drivers meet it; it is written once
/// here because Rust does not carry a trait's where-clauses to its users, so `DB: Backend` alone
/// cannot say it. (The bodies are plain generic code, type-checked once for both backends.)
macro_rules! sql_impl {
    (impl $trait:ident for $type:ident { $($body:tt)* }) => {
        #[async_trait::async_trait]
        impl<DB: $crate::store::sql::Backend> $trait for $type<DB>
        where
            for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
            for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
            for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Decode<'q, DB> + sqlx::Type<DB>,
            for<'q> bool: sqlx::Encode<'q, DB> + sqlx::Decode<'q, DB> + sqlx::Type<DB>,
            for<'q> String: sqlx::Encode<'q, DB> + sqlx::Decode<'q, DB> + sqlx::Type<DB>,
            for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
            for<'q> Option<i64>: sqlx::Encode<'q, DB>,
            for<'q> Option<String>: sqlx::Encode<'q, DB>,
            for<'q> Option<&'q str>: sqlx::Encode<'q, DB>,
            for<'a> &'a str: sqlx::ColumnIndex<DB::Row>,
            usize: sqlx::ColumnIndex<DB::Row>,
        {
            $($body)*
        }
    };
}

mod allowances;
mod campaigns;
mod donations;
mod donor_links;
mod follow_ups;
mod fundraisers;
mod ledger_tx;
mod memberships;
mod outbox;
mod payments;
mod reports;
mod rows;
mod staff;

/// What differs between the two databases, for the SQL written once here.
pub trait Backend: sqlx::Database {
    /// The backend's name, as `Store::backend` reports it.
    const BACKEND: &'static str;
    /// The statement that begins a write transaction; `None` is the driver's own `BEGIN`.
    const BEGIN_WRITE: Option<&'static str>;
    /// Locks objects in a ledger transaction until it ends: bound to their lock ids, in the
    /// order to take them, as one comma-separated text. `None` where ledger transactions are
    /// serialized already (SQLite's single writer).
    const OBJECT_LOCKS: Option<&'static str>;
    /// The statement that begins a read of several statements that must see one snapshot.
    const READ_SNAPSHOT: &'static str;
    /// Appended to the outbox claim's inner `SELECT`.
    const CLAIM_LOCK: &'static str;
    /// How many rows a statement changed (each driver has its own result type).
    fn rows_affected(done: &Self::QueryResult) -> u64;
}

/// The store on one backend: a pool for reads and a pool for writes (on SQLite a single writer;
/// on PostgreSQL both are the same pool).
pub struct SqlStore<DB: Backend> {
    read: Pool<DB>,
    write: Pool<DB>,
    /// Rows each campaign's aggregate is spread over (`sql::campaigns`).
    progress_shards: u32,
    /// Counts this process's commits that changed a campaign or its figures (`Store::changes`).
    changes: Arc<AtomicU64>,
}

impl<DB: Backend> SqlStore<DB> {
    pub(in crate::store) fn new(read: Pool<DB>, write: Pool<DB>, progress_shards: u32) -> Self {
        SqlStore {
            read,
            write,
            progress_shards: progress_shards.max(1),
            changes: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Tells readers of campaign figures in this process that they changed.
    fn changed(&self) {
        self.changes.fetch_add(1, Ordering::Release);
    }

    async fn begin_write(&self) -> Result<Transaction<'static, DB>, sqlx::Error> {
        cancel_safe::begin(&self.write, DB::BEGIN_WRITE).await
    }

    /// A read transaction of one snapshot, for reads that must agree with each other.
    async fn begin_snapshot(&self) -> Result<Transaction<'static, DB>, sqlx::Error> {
        cancel_safe::begin(&self.read, Some(DB::READ_SNAPSHOT)).await
    }
}

/// One ledger transaction on the writer (see `LedgerTx`); its sub-traits are in the concern files.
pub struct SqlLedgerTx<DB: Backend> {
    tx: Transaction<'static, DB>,
    /// The lock ids of the objects this transaction holds (`ledger_tx::ObjectLocks`).
    held: HashSet<i64>,
    /// The links of the records read, by their own key (`ObjectLocks::saw`).
    links: std::collections::HashMap<ledger_tx::Record, Vec<ObjectKey>>,
    /// Donations as this transaction last read or wrote them, under their lock: read again
    /// without a statement, and not written back unchanged (`sql::donations`).
    donations: std::collections::HashMap<String, crate::store::Donation>,
    progress_shards: u32,
    /// Whether a campaign's figures moved (readers are told at commit).
    moved: bool,
    changes: Arc<AtomicU64>,
}

/// `columns` with each name qualified by a table alias: `d.id, d.campaign_id, ...`.
fn qualified(alias: &str, columns: &str) -> String {
    columns
        .split(',')
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `columns` each summed over the rows of a group, by their own names, as integers (a group of
/// no rows sums to 0): `CAST(COALESCE(SUM(p.gifts), 0) AS BIGINT) AS gifts, ...`.
fn summed(alias: &str, columns: &str) -> String {
    columns
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| format!("CAST(COALESCE(SUM({alias}.{c}), 0) AS BIGINT) AS {c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `$1, $2, ... $n`
fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `INSERT INTO table (cols) VALUES ($1..) ON CONFLICT (id) DO UPDATE SET col = excluded.col, ..`:
/// an upsert of a whole record keyed by `id`.
fn upsert_sql(table: &str, columns: &str) -> String {
    let cols: Vec<&str> = columns.split(',').map(str::trim).collect();
    let updates = cols
        .iter()
        .filter(|c| **c != "id")
        .map(|c| format!("{c} = excluded.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "INSERT INTO {table} ({columns}) VALUES ({}) ON CONFLICT (id) DO UPDATE SET {updates}",
        placeholders(cols.len())
    )
}

fn unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

sql_impl! {
    impl Store for SqlStore {
        fn backend(&self) -> &'static str {
            DB::BACKEND
        }

        fn changes(&self) -> u64 {
            self.changes.load(Ordering::Acquire)
        }

        async fn ping(&self) -> StoreResult<()> {
            sqlx::query("SELECT 1").execute(&self.read).await?;
            Ok(())
        }

        async fn heartbeat(&self, at: i64) -> StoreResult<()> {
            let mut tx = self.begin_write().await?;
            sqlx::query(
                "INSERT INTO heartbeat (id, checked_at) VALUES (1, $1) \
                 ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
            )
            .bind(at)
            .execute(&mut *tx)
            .await?;
            cancel_safe::commit(tx).await?;
            Ok(())
        }

        async fn close(&self) {
            self.write.close().await;
            self.read.close().await;
        }

        async fn server_secret(&self, name: &str, candidate: &str) -> StoreResult<String> {
            sqlx::query(
                "INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(candidate)
            .bind(now())
            .execute(&self.write)
            .await?;
            let value = sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1")
                .bind(name)
                .fetch_one(&self.write)
                .await?;
            Ok(value)
        }
    }
}

sql_impl! {
    impl LedgerTx for SqlLedgerTx {
        async fn commit(self: Box<Self>) -> StoreResult<()> {
            let (moved, changes) = (self.moved, self.changes.clone());
            cancel_safe::commit(self.tx).await?;
            if moved {
                changes.fetch_add(1, Ordering::Release);
            }
            Ok(())
        }
    }
}
