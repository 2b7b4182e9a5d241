//! The ledger's records: [`LedgerStore`] (beginning a ledger transaction, and reading back the
//! webhook events and flags) and, in a transaction, [`EventTx`] (the event itself, the flags it
//! raises and the emails it queues).
//!
//! A ledger transaction is a write transaction that holds a lock on every object it reads or
//! writes records by ([`ObjectKey`]), until it ends: on PostgreSQL one transaction-scoped
//! advisory lock per object, so that ledger transactions touching the same donation, payment,
//! charge, refund, dispute, subscription or event run one after the other across every server
//! process, and the others side by side. SQLite's single writer serializes them all anyway.
//!
//! The rule every method of the ledger's sub-traits keeps:
//! - a write locks its record's own object and every object it links the record to anew (a
//!   refund: itself, and its charge and PaymentIntent when it learns them) before it is made;
//!   a link the record already had when read was locked by the transaction that made it, and is
//!   not locked again (late in the lock order, that would only risk a cycle of waits);
//! - a read that finds records through an object (a donation by its subscription, the payments
//!   of a PaymentIntent, a record by its id) locks that object first, and a donation so found is
//!   locked and read again;
//! - a recomputation reads its donation's payments under the donation's lock, and their
//!   charges, refunds and disputes without locking their PaymentIntents: whoever writes one of
//!   those goes on to find the donation through the PaymentIntent (or, for an installment not
//!   adopted yet, through its subscription), locking it, and so recomputes the donation after
//!   this transaction; whoever links a payment to a donation holds what the others find it by.
//!   The last recomputation of a donation therefore sees every record of it.
//!
//! Locks named up front (`begin_ledger`) are taken in one statement in `ObjectKey` order; those
//! found on the way when they are found, which in the ledger's joins is later in the order than
//! anything held (a refund's charge, then its PaymentIntent, then the donation). Were a cycle of
//! waits to form anyway, PostgreSQL breaks it (deadlock detected) and the ledger runs the
//! transaction again (`services::ledger::transact`).

use std::collections::{HashMap, HashSet};

use sha2::{Digest, Sha256};

use super::outbox::{INSERT_MESSAGE, bind_message};
use super::rows::{EVENT_COLUMNS, FLAG_COLUMNS};
use super::{SqlLedgerTx, SqlStore, placeholders, qualified};
use crate::domain::object_key::ObjectKey;
use crate::store::traits::{EventTx, LedgerStore, LedgerTx};
use crate::store::{Flag, ListedFlag, NewMessage, StoreResult, WebhookEvent, now};

/// The advisory lock id of an object: its rank in the lock order in the top byte, 56 bits of a
/// SHA-256 of its kind and id below it. The same in every process and release; ids sort in
/// `ObjectKey` order by kind (within a kind by hash, which is as good an order as any). Two
/// objects sharing an id by chance only wait on each other needlessly.
pub(super) fn lock_id(key: &ObjectKey) -> i64 {
    let digest = Sha256::new()
        .chain_update([key.rank()])
        .chain_update(key.id().as_bytes())
        .finalize();
    let mut low = [0u8; 8];
    low[1..].copy_from_slice(&digest[..7]);
    (i64::from(key.rank()) << 56) | i64::from_be_bytes(low)
}

/// A record by its table and id.
pub(super) type Record = (&'static str, String);

/// Taking object locks in a ledger transaction (see the module's doc).
#[async_trait::async_trait]
pub(super) trait ObjectLocks {
    /// Locks those of `keys` not held yet, in lock order, until the transaction ends.
    async fn hold(&mut self, keys: &[ObjectKey]) -> StoreResult<()>;
    /// Whether `key` is held already.
    fn holds(&self, key: &ObjectKey) -> bool;
    /// Notes the links of a record as read (`record`: its table and id), so that writing it
    /// back with the same links locks nothing more.
    fn saw(&mut self, record: Record, links: Vec<ObjectKey>);
    /// Locks what writing a record takes: its own object `own`, and each link it sets or
    /// changes (links it had when read were locked by whoever set them, and locking them again
    /// here, late in the lock order, would only risk a cycle of waits).
    async fn hold_for_write(
        &mut self,
        record: Record,
        own: ObjectKey,
        links: Vec<ObjectKey>,
    ) -> StoreResult<()>;
}

sql_impl! {
    impl ObjectLocks for SqlLedgerTx {
        async fn hold(&mut self, keys: &[ObjectKey]) -> StoreResult<()> {
            let Some(sql) = DB::OBJECT_LOCKS else {
                return Ok(());
            };
            let mut ids: Vec<i64> =
                keys.iter().map(lock_id).filter(|id| !self.held.contains(id)).collect();
            if ids.is_empty() {
                return Ok(());
            }
            ids.sort_unstable();
            ids.dedup();
            if self.held.iter().any(|held| *held > ids[0]) {
                // Not wrong, but the one way two transactions can wait on each other in a cycle.
                tracing::debug!(?keys, "object locked after one later in the lock order");
            }
            let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            sqlx::query(sql).bind(list).execute(&mut *self.tx).await?;
            self.held.extend(ids);
            Ok(())
        }

        fn holds(&self, key: &ObjectKey) -> bool {
            DB::OBJECT_LOCKS.is_none() || self.held.contains(&lock_id(key))
        }

        fn saw(&mut self, record: Record, links: Vec<ObjectKey>) {
            if DB::OBJECT_LOCKS.is_some() {
                self.links.insert(record, links);
            }
        }

        async fn hold_for_write(
            &mut self,
            record: Record,
            own: ObjectKey,
            links: Vec<ObjectKey>,
        ) -> StoreResult<()> {
            if DB::OBJECT_LOCKS.is_none() {
                return Ok(());
            }
            let known = self.links.get(&record);
            let mut keys: Vec<ObjectKey> = links
                .iter()
                .filter(|l| known.is_none_or(|k| !k.contains(l)))
                .cloned()
                .collect();
            keys.push(own);
            self.hold(&keys).await?;
            self.links.insert(record, links);
            Ok(())
        }
    }
}

sql_impl! {
    impl LedgerStore for SqlStore {
        async fn begin_ledger(&self, objects: &[ObjectKey]) -> StoreResult<Box<dyn LedgerTx>> {
            let mut tx = Box::new(SqlLedgerTx {
                tx: self.begin_write().await?,
                held: HashSet::new(),
                links: HashMap::new(),
                donations: HashMap::new(),
                progress_shards: self.progress_shards,
                moved: false,
                changes: self.changes.clone(),
            });
            tx.hold(objects).await?;
            Ok(tx)
        }

        async fn webhook_events_by_outcome(&self, outcome: &str) -> StoreResult<Vec<WebhookEvent>> {
            Ok(sqlx::query_as(&format!(
                "SELECT {EVENT_COLUMNS} FROM webhook_events WHERE outcome = $1 \
                 ORDER BY created, id"
            ))
            .bind(outcome)
            .fetch_all(&self.read)
            .await?)
        }

        async fn webhook_event(&self, id: &str) -> StoreResult<Option<WebhookEvent>> {
            Ok(sqlx::query_as(&format!("SELECT {EVENT_COLUMNS} FROM webhook_events WHERE id = $1"))
                .bind(id)
                .fetch_optional(&self.read)
                .await?)
        }

        async fn flags(&self) -> StoreResult<Vec<Flag>> {
            Ok(sqlx::query_as(&format!("SELECT {FLAG_COLUMNS} FROM flags ORDER BY created_at, id"))
                .fetch_all(&self.read)
                .await?)
        }

        async fn recent_flags(
            &self,
            campaign_id: Option<i64>,
            limit: i64,
        ) -> StoreResult<Vec<ListedFlag>> {
            // Flags without a donation (unparsed events) belong to no campaign.
            let (filter, limit_at) = match campaign_id {
                Some(_) => ("WHERE d.campaign_id = $1", "$2"),
                None => ("", "$1"),
            };
            let sql = format!(
                "SELECT {}, c.slug AS campaign_slug FROM flags f \
                 LEFT JOIN donations d ON d.id = f.donation_id \
                 LEFT JOIN campaigns c ON c.id = d.campaign_id {filter} \
                 ORDER BY f.created_at DESC, f.id DESC LIMIT {limit_at}",
                qualified("f", FLAG_COLUMNS)
            );
            let mut q = sqlx::query_as(&sql);
            if let Some(id) = campaign_id {
                q = q.bind(id);
            }
            Ok(q.bind(limit).fetch_all(&self.read).await?)
        }
    }
}

sql_impl! {
    impl EventTx for SqlLedgerTx {
        async fn insert_event(&mut self, e: &WebhookEvent) -> StoreResult<bool> {
            self.hold(&[ObjectKey::Event(e.id.clone())]).await?;
            let done = sqlx::query(&format!(
                "INSERT INTO webhook_events ({EVENT_COLUMNS}) VALUES ({}) \
                 ON CONFLICT (id) DO NOTHING",
                placeholders(EVENT_COLUMNS.split(',').count())
            ))
            .bind(&e.id)
            .bind(&e.event_type)
            .bind(e.created)
            .bind(e.livemode)
            .bind(&e.outcome)
            .bind(&e.detail)
            .bind(&e.payload)
            .bind(e.received_at)
            .bind(e.applied_at)
            .execute(&mut *self.tx)
            .await?;
            Ok(DB::rows_affected(&done) == 1)
        }

        async fn event(&mut self, id: &str) -> StoreResult<Option<WebhookEvent>> {
            self.hold(&[ObjectKey::Event(id.to_string())]).await?;
            Ok(sqlx::query_as(&format!("SELECT {EVENT_COLUMNS} FROM webhook_events WHERE id = $1"))
                .bind(id)
                .fetch_optional(&mut *self.tx)
                .await?)
        }

        async fn set_event_outcome(
            &mut self,
            id: &str,
            outcome: &str,
            detail: Option<&str>,
            applied_at: Option<i64>,
        ) -> StoreResult<()> {
            self.hold(&[ObjectKey::Event(id.to_string())]).await?;
            sqlx::query(
                "UPDATE webhook_events SET outcome = $2, detail = $3, applied_at = $4 WHERE id = $1",
            )
            .bind(id)
            .bind(outcome)
            .bind(detail)
            .bind(applied_at)
            .execute(&mut *self.tx)
            .await?;
            Ok(())
        }

        async fn enqueue(&mut self, m: &NewMessage, at: i64) -> StoreResult<bool> {
            if let Some(d) = &m.donation_id {
                self.hold(&[ObjectKey::Donation(d.clone())]).await?;
            }
            let done = bind_message(sqlx::query(INSERT_MESSAGE), m, at)
                .execute(&mut *self.tx)
                .await?;
            Ok(DB::rows_affected(&done) == 1)
        }

        async fn message_keys_of(&mut self, donation_id: &str) -> StoreResult<Vec<String>> {
            self.hold(&[ObjectKey::Donation(donation_id.to_string())]).await?;
            Ok(sqlx::query_scalar("SELECT message_key FROM outbox WHERE donation_id = $1")
                .bind(donation_id)
                .fetch_all(&mut *self.tx)
                .await?)
        }

        async fn flag(
            &mut self,
            key: &str,
            donation_id: Option<&str>,
            event_id: Option<&str>,
            kind: &str,
            detail: &str,
        ) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO flags (flag_key, donation_id, event_id, kind, detail, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (flag_key) DO NOTHING",
            )
            .bind(key)
            .bind(donation_id)
            .bind(event_id)
            .bind(kind)
            .bind(detail)
            .bind(now())
            .execute(&mut *self.tx)
            .await?;
            Ok(())
        }
    }
}
