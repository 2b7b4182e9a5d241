//! [`FollowUpStore`]: what is still to be asked of Stripe after a webhook (charges whose actual
//! fee is unknown, stored events whose object did not parse), and the backoff of the requests
//! that failed (`stripe_fetches`); and, in a ledger transaction, [`FollowUpTx`].

use std::sync::LazyLock;

use super::rows::{CHARGE_COLUMNS, EVENT_COLUMNS};
use super::{SqlLedgerTx, SqlStore, qualified};
use crate::store::traits::{FollowUpStore, FollowUpTx};
use crate::store::{ChargeAwaitingFee, FetchKind, StoreResult, UnparsedEvent};

/// `$1` the time, `$2` how many, `$3` the organization. A charge is ours when one of our
/// donations' payments has its PaymentIntent; one from another integration on the same Stripe
/// account is never asked for, nor one of another organization's donations (another account).
static CHARGES_AWAITING_FEE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {}, COALESCE(f.attempts, 0) AS attempts FROM charges c \
         LEFT JOIN stripe_fetches f ON f.kind = 'balance_transaction' AND f.object_id = c.id \
         WHERE c.fee_actual_minor IS NULL AND c.settlement_currency IS NULL \
         AND COALESCE(f.next_attempt_at, 0) <= $1 \
         AND EXISTS (SELECT 1 FROM payments p JOIN donations d ON d.id = p.donation_id \
                     JOIN campaigns k ON k.id = d.campaign_id \
                     WHERE p.payment_intent_id = c.payment_intent_id AND k.organization = $3) \
         ORDER BY COALESCE(f.next_attempt_at, 0), c.id LIMIT $2",
        qualified("c", CHARGE_COLUMNS)
    )
});

static UNPARSED_EVENTS_DUE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {}, COALESCE(f.attempts, 0) AS attempts FROM webhook_events e \
         LEFT JOIN stripe_fetches f ON f.kind = 'event' AND f.object_id = e.id \
         WHERE e.outcome = 'unparsed' AND COALESCE(f.next_attempt_at, 0) <= $1 \
         ORDER BY e.created, e.id LIMIT $2",
        qualified("e", EVENT_COLUMNS)
    )
});

sql_impl! {
    impl FollowUpStore for SqlStore {
        async fn charges_awaiting_fee(
            &self,
            at: i64,
            limit: i64,
            org: &str,
        ) -> StoreResult<Vec<ChargeAwaitingFee>> {
            Ok(sqlx::query_as(&CHARGES_AWAITING_FEE)
                .bind(at)
                .bind(limit)
                .bind(org)
                .fetch_all(&self.read)
                .await?)
        }

        async fn unparsed_events_due(&self, at: i64, limit: i64) -> StoreResult<Vec<UnparsedEvent>> {
            Ok(sqlx::query_as(&UNPARSED_EVENTS_DUE)
                .bind(at)
                .bind(limit)
                .fetch_all(&self.read)
                .await?)
        }

        async fn fetch_failed(
            &self,
            kind: FetchKind,
            object_id: &str,
            attempts: i64,
            next_attempt_at: i64,
            error: &str,
            at: i64,
        ) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO stripe_fetches \
                 (kind, object_id, attempts, next_attempt_at, last_error, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (kind, object_id) DO UPDATE SET \
                 attempts = excluded.attempts, next_attempt_at = excluded.next_attempt_at, \
                 last_error = excluded.last_error, updated_at = excluded.updated_at",
            )
            .bind(kind.as_str())
            .bind(object_id)
            .bind(attempts)
            .bind(next_attempt_at)
            .bind(error)
            .bind(at)
            .execute(&self.write)
            .await?;
            Ok(())
        }

        async fn fetch_succeeded(&self, kind: FetchKind, object_id: &str) -> StoreResult<()> {
            sqlx::query("DELETE FROM stripe_fetches WHERE kind = $1 AND object_id = $2")
                .bind(kind.as_str())
                .bind(object_id)
                .execute(&self.write)
                .await?;
            Ok(())
        }
    }
}

sql_impl! {
    impl FollowUpTx for SqlLedgerTx {
        async fn resolve_flag(&mut self, key: &str, at: i64) -> StoreResult<bool> {
            let done = sqlx::query(
                "UPDATE flags SET resolved_at = $2 WHERE flag_key = $1 AND resolved_at IS NULL",
            )
            .bind(key)
            .bind(at)
            .execute(&mut *self.tx)
            .await?;
            Ok(DB::rows_affected(&done) == 1)
        }
    }
}
