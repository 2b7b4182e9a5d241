//! [`OutboxStore`]: the email outbox. A mail worker claims due messages under a lease (on
//! PostgreSQL skipping rows another worker holds, `Backend::CLAIM_LOCK`), then records each as
//! sent or failed; a message given up on becomes a flag for staff.

use sqlx::query::Query;
use sqlx::{Encode, Type};

use super::rows::OUTBOX_COLUMNS;
use super::{Backend, SqlStore};
use crate::store::traits::OutboxStore;
use crate::store::{NewMessage, OutboxMessage, StoreResult, cancel_safe, now};

pub(super) const INSERT_MESSAGE: &str = "INSERT INTO outbox (message_key, kind, donation_id, \
    payment_id, recipient, payload, status, attempts, next_attempt_at, created_at) \
    VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7) ON CONFLICT (message_key) DO NOTHING";

/// Binds `m`, due at `at`, to `INSERT_MESSAGE`.
pub(super) fn bind_message<'q, DB: Backend>(
    q: Query<'q, DB, DB::Arguments<'q>>,
    m: &'q NewMessage,
    at: i64,
) -> Query<'q, DB, DB::Arguments<'q>>
where
    i64: Encode<'q, DB> + Type<DB>,
    String: Encode<'q, DB> + Type<DB>,
    Option<String>: Encode<'q, DB>,
{
    q.bind(&m.key)
        .bind(&m.kind)
        .bind(&m.donation_id)
        .bind(&m.payment_id)
        .bind(&m.recipient)
        .bind(&m.payload)
        .bind(at)
}

/// Claims due messages that no live lease holds: `$1` lease until, `$2` now, `$3` how many.
fn claim_messages_sql<DB: Backend>() -> String {
    format!(
        "UPDATE outbox SET locked_until = $1, attempts = attempts + 1 WHERE id IN ( \
         SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $2 \
         AND (locked_until IS NULL OR locked_until <= $2) \
         ORDER BY next_attempt_at, id LIMIT $3{}) RETURNING {OUTBOX_COLUMNS}",
        DB::CLAIM_LOCK
    )
}

sql_impl! {
    impl OutboxStore for SqlStore {
        async fn enqueue_message(&self, m: &NewMessage, at: i64) -> StoreResult<bool> {
            let done = bind_message(sqlx::query(INSERT_MESSAGE), m, at)
                .execute(&self.write)
                .await?;
            Ok(DB::rows_affected(&done) == 1)
        }

        async fn claim_messages(
            &self,
            now: i64,
            lease_until: i64,
            limit: i64,
        ) -> StoreResult<Vec<OutboxMessage>> {
            let sql = claim_messages_sql::<DB>();
            let mut tx = self.begin_write().await?;
            let mut claimed: Vec<OutboxMessage> = sqlx::query_as(&sql)
                .bind(lease_until)
                .bind(now)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
            cancel_safe::commit(tx).await?;
            claimed.sort_by_key(|m| (m.next_attempt_at, m.id));
            Ok(claimed)
        }

        async fn message_sent(&self, id: i64, subject: &str, at: i64) -> StoreResult<()> {
            sqlx::query(
                "UPDATE outbox SET status = 'sent', sent_at = $2, subject = $3, \
                 locked_until = NULL, last_error = NULL WHERE id = $1",
            )
            .bind(id)
            .bind(at)
            .bind(subject)
            .execute(&self.write)
            .await?;
            Ok(())
        }

        async fn message_failed(
            &self,
            id: i64,
            error: &str,
            retry_at: Option<i64>,
        ) -> StoreResult<()> {
            let (status, next) = match retry_at {
                Some(t) => ("pending", Some(t)),
                None => ("failed", None),
            };
            let mut tx = self.begin_write().await?;
            let given_up: Option<(String, Option<String>)> = sqlx::query_as(
                "UPDATE outbox SET status = $2, last_error = $3, \
                 next_attempt_at = COALESCE($4, next_attempt_at), locked_until = NULL \
                 WHERE id = $1 AND status = 'pending' RETURNING message_key, donation_id",
            )
            .bind(id)
            .bind(status)
            .bind(error)
            .bind(next)
            .fetch_optional(&mut *tx)
            .await?;
            // A message given up on is a flag for staff, beside the donation it concerns.
            if let (Some((key, donation_id)), None) = (given_up, retry_at) {
                sqlx::query(
                    "INSERT INTO flags (flag_key, donation_id, event_id, kind, detail, created_at) \
                     VALUES ($1, $2, NULL, 'email_failed', $3, $4) ON CONFLICT (flag_key) DO NOTHING",
                )
                .bind(format!("email:{key}"))
                .bind(donation_id)
                .bind(format!("email {key} was not sent: {error}"))
                .bind(now())
                .execute(&mut *tx)
                .await?;
            }
            cancel_safe::commit(tx).await?;
            Ok(())
        }

        async fn outbox(&self, donation_id: Option<&str>) -> StoreResult<Vec<OutboxMessage>> {
            let messages = match donation_id {
                Some(d) => {
                    sqlx::query_as(&format!(
                        "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE donation_id = $1 ORDER BY id"
                    ))
                    .bind(d)
                    .fetch_all(&self.read)
                    .await?
                }
                None => {
                    sqlx::query_as(&format!("SELECT {OUTBOX_COLUMNS} FROM outbox ORDER BY id"))
                        .fetch_all(&self.read)
                        .await?
                }
            };
            Ok(messages)
        }

        async fn message(&self, id: i64) -> StoreResult<Option<OutboxMessage>> {
            Ok(sqlx::query_as(&format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id = $1"))
                .bind(id)
                .fetch_optional(&self.read)
                .await?)
        }

        async fn requeue_message(&self, id: i64, at: i64) -> StoreResult<bool> {
            let done = sqlx::query(
                "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $2, \
                 locked_until = NULL, last_error = NULL WHERE id = $1 AND status <> 'pending'",
            )
            .bind(id)
            .bind(at)
            .execute(&self.write)
            .await?;
            Ok(DB::rows_affected(&done) == 1)
        }

        async fn release_messages(&self, ids: &[i64], lease_until: i64) -> StoreResult<u64> {
            if ids.is_empty() {
                return Ok(0);
            }
            // At most a round's claim (`mail::worker::BATCH`): one statement per message, in
            // one transaction.
            let mut tx = self.begin_write().await?;
            let mut released = 0;
            for id in ids {
                let done = sqlx::query(
                    "UPDATE outbox SET locked_until = NULL, attempts = attempts - 1 \
                     WHERE id = $1 AND status = 'pending' AND locked_until = $2 AND attempts > 0",
                )
                .bind(id)
                .bind(lease_until)
                .execute(&mut *tx)
                .await?;
                released += DB::rows_affected(&done);
            }
            cancel_safe::commit(tx).await?;
            Ok(released)
        }
    }
}
