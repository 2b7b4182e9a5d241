//! The ledger's records: [`LedgerStore`] (beginning a ledger transaction, and reading back the
//! webhook events and flags) and, in a transaction, [`EventTx`] (the event itself, the flags it
//! raises and the emails it queues).
//!
//! A ledger transaction is a write transaction that first takes `Backend::LEDGER_LOCK`: on
//! PostgreSQL an advisory lock, so that ledger transactions are serialized across processes as
//! SQLite's single writer serializes them within one.

use super::outbox::{INSERT_MESSAGE, bind_message};
use super::rows::{EVENT_COLUMNS, FLAG_COLUMNS};
use super::{SqlLedgerTx, SqlStore, placeholders, qualified};
use crate::store::traits::{EventTx, LedgerStore, LedgerTx};
use crate::store::{Flag, ListedFlag, NewMessage, StoreResult, WebhookEvent, now};

sql_impl! {
    impl LedgerStore for SqlStore {
        async fn begin_ledger(&self) -> StoreResult<Box<dyn LedgerTx>> {
            let mut tx = self.begin_write().await?;
            if let Some(lock) = DB::LEDGER_LOCK {
                sqlx::query(lock).execute(&mut *tx).await?;
            }
            Ok(Box::new(SqlLedgerTx { tx }))
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
            let done = bind_message(sqlx::query(INSERT_MESSAGE), m, at)
                .execute(&mut *self.tx)
                .await?;
            Ok(DB::rows_affected(&done) == 1)
        }

        async fn message_keys_of(&mut self, donation_id: &str) -> StoreResult<Vec<String>> {
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
