//! Donations: [`DonationStore`] (a donation through checkout, with its idempotency key) and, in
//! a ledger transaction, [`DonationTx`] (donations, and the campaign figures they count toward).

use std::sync::LazyLock;

use sqlx::query::Query;
use sqlx::{Encode, Type};

use super::campaigns::SELECT_CAMPAIGN_BY_ID;
use super::ledger_tx::ObjectLocks;
use super::payments::SELECT_PAYMENTS_OF;
use super::rows::{DONATION_COLUMNS, PROGRESS_COLUMNS};
use super::{Backend, SqlLedgerTx, SqlStore, placeholders};
use crate::domain::object_key::ObjectKey;
use crate::store::traits::{DonationStore, DonationTx};
use crate::store::{
    Campaign, Donation, IdempotencyClaim, Payment, Progress, StoreResult, cancel_safe, now,
};

static INSERT_DONATION: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO donations ({DONATION_COLUMNS}) VALUES ({})",
        placeholders(DONATION_COLUMNS.split(',').count())
    )
});
static SELECT_DONATION: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {DONATION_COLUMNS} FROM donations WHERE id = $1"));
static SELECT_DONATION_BY_SESSION: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT {DONATION_COLUMNS} FROM donations WHERE checkout_session_id = $1")
});
static SELECT_DONATION_BY_SUB: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT {DONATION_COLUMNS} FROM donations WHERE subscription_id = $1")
});
static SELECT_PENDING: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {DONATION_COLUMNS} FROM donations WHERE status = 'pending' \
         AND source = 'stripe' AND created_at <= $1 ORDER BY created_at LIMIT $2"
    )
});

/// Binds every field of `d` to `INSERT_DONATION`, in the order of `DONATION_COLUMNS`.
fn bind_donation<'q, DB: Backend>(
    q: Query<'q, DB, DB::Arguments<'q>>,
    d: &'q Donation,
) -> Query<'q, DB, DB::Arguments<'q>>
where
    i64: Encode<'q, DB> + Type<DB>,
    bool: Encode<'q, DB> + Type<DB>,
    String: Encode<'q, DB> + Type<DB>,
    Option<i64>: Encode<'q, DB>,
    Option<String>: Encode<'q, DB>,
{
    q.bind(&d.id)
        .bind(d.campaign_id)
        .bind(d.source.as_str().to_string())
        .bind(d.frequency.as_str().to_string())
        .bind(&d.currency)
        .bind(d.gift_minor)
        .bind(d.fee_minor)
        .bind(d.total_minor)
        .bind(&d.donor_name)
        .bind(&d.donor_email)
        .bind(&d.donor_key)
        .bind(d.anonymous)
        .bind(&d.tribute_kind)
        .bind(&d.tribute_honoree)
        .bind(&d.tribute_notify_email)
        .bind(&d.tribute_message)
        .bind(&d.comment)
        .bind(&d.status)
        .bind(&d.failure_reason)
        .bind(&d.checkout_session_id)
        .bind(&d.checkout_url)
        .bind(&d.subscription_id)
        .bind(&d.customer_id)
        .bind(&d.plan_status)
        .bind(d.plan_status_at)
        .bind(d.plan_status_rank)
        .bind(d.cancel_at)
        .bind(d.canceled_at)
        .bind(d.counted_raised_minor)
        .bind(d.counted_gifts)
        .bind(d.counted_donor)
        .bind(d.counted_recurring)
        .bind(d.refunded_minor)
        .bind(d.disputed_minor)
        .bind(d.fee_actual_minor)
        .bind(&d.offline_method)
        .bind(&d.note)
        .bind(d.gift_date)
        .bind(d.voided_at)
        .bind(d.created_at)
        .bind(d.updated_at)
        .bind(d.tribute_show_amount)
        .bind(d.email_receipt)
        .bind(d.counted_recurring_gift_minor)
        .bind(d.plan_amount_minor)
        .bind(d.plan_amount_at)
        .bind(d.net_actual_minor)
        .bind(d.payment_method.map(|m| m.as_str().to_string()))
        .bind(d.dues_minimum_minor)
        .bind(&d.fundraiser_id)
        .bind(&d.language)
}

sql_impl! {
    impl DonationStore for SqlStore {
        async fn insert_donation(
            &self,
            donation: &Donation,
            idempotency: Option<(&str, &str)>,
        ) -> StoreResult<IdempotencyClaim> {
            let mut tx = self.begin_write().await?;
            if let Some((key, hash)) = idempotency {
                let claimed = sqlx::query(
                    "INSERT INTO idempotency_keys (key, request_hash, donation_id, created_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING",
                )
                .bind(key)
                .bind(hash)
                .bind(&donation.id)
                .bind(now())
                .execute(&mut *tx)
                .await?;
                if DB::rows_affected(&claimed) == 0 {
                    let (request_hash, donation_id, response_json) = sqlx::query_as(
                        "SELECT request_hash, donation_id, response_json FROM idempotency_keys \
                         WHERE key = $1",
                    )
                    .bind(key)
                    .fetch_one(&mut *tx)
                    .await?;
                    return Ok(IdempotencyClaim::Existing {
                        request_hash,
                        donation_id,
                        response_json,
                    });
                }
            }
            bind_donation(sqlx::query(&INSERT_DONATION), donation)
                .execute(&mut *tx)
                .await?;
            cancel_safe::commit(tx).await?;
            Ok(IdempotencyClaim::Claimed)
        }

        async fn donation(&self, id: &str) -> StoreResult<Option<Donation>> {
            Ok(sqlx::query_as(&SELECT_DONATION)
                .bind(id)
                .fetch_optional(&self.read)
                .await?)
        }

        async fn checkout_created(
            &self,
            donation_id: &str,
            session_id: &str,
            url: &str,
            idempotency_key: Option<&str>,
            response_json: &str,
        ) -> StoreResult<()> {
            let mut tx = self.begin_write().await?;
            sqlx::query(
                "UPDATE donations SET checkout_session_id = $2, checkout_url = $3, \
                 updated_at = $4 WHERE id = $1",
            )
            .bind(donation_id)
            .bind(session_id)
            .bind(url)
            .bind(now())
            .execute(&mut *tx)
            .await?;
            if let Some(key) = idempotency_key {
                sqlx::query("UPDATE idempotency_keys SET response_json = $2 WHERE key = $1")
                    .bind(key)
                    .bind(response_json)
                    .execute(&mut *tx)
                    .await?;
            }
            cancel_safe::commit(tx).await?;
            Ok(())
        }

        async fn checkout_failed(
            &self,
            donation_id: &str,
            reason: &str,
            idempotency_key: Option<&str>,
        ) -> StoreResult<()> {
            let mut tx = self.begin_write().await?;
            sqlx::query(
                "UPDATE donations SET status = 'failed', failure_reason = $2, updated_at = $3 \
                 WHERE id = $1 AND status = 'pending'",
            )
            .bind(donation_id)
            .bind(reason)
            .bind(now())
            .execute(&mut *tx)
            .await?;
            if let Some(key) = idempotency_key {
                sqlx::query("DELETE FROM idempotency_keys WHERE key = $1 AND donation_id = $2")
                    .bind(key)
                    .bind(donation_id)
                    .execute(&mut *tx)
                    .await?;
            }
            cancel_safe::commit(tx).await?;
            Ok(())
        }

        async fn payments_of(&self, donation_id: &str) -> StoreResult<Vec<Payment>> {
            Ok(sqlx::query_as(&SELECT_PAYMENTS_OF)
                .bind(donation_id)
                .fetch_all(&self.read)
                .await?)
        }

        async fn pending_donations(
            &self,
            older_than: i64,
            limit: i64,
        ) -> StoreResult<Vec<Donation>> {
            Ok(sqlx::query_as(&SELECT_PENDING)
                .bind(older_than)
                .bind(limit)
                .fetch_all(&self.read)
                .await?)
        }
    }
}

sql_impl! {
    impl DonationTx for SqlLedgerTx {
        async fn campaign(&mut self, id: i64) -> StoreResult<Option<Campaign>> {
            Ok(sqlx::query_as(&SELECT_CAMPAIGN_BY_ID)
                .bind(id)
                .fetch_optional(&mut *self.tx)
                .await?)
        }

        async fn donation(&mut self, id: &str) -> StoreResult<Option<Donation>> {
            if let Some(d) = self.donations.get(id) {
                return Ok(Some(d.clone()));
            }
            self.hold(&[ObjectKey::Donation(id.to_string())]).await?;
            let found: Option<Donation> = sqlx::query_as(&SELECT_DONATION)
                .bind(id)
                .fetch_optional(&mut *self.tx)
                .await?;
            if let Some(d) = &found {
                self.saw(("donations", d.id.clone()), donation_links(d));
                self.donations.insert(d.id.clone(), d.clone());
            }
            Ok(found)
        }

        async fn donation_by_session(&mut self, session_id: &str) -> StoreResult<Option<Donation>> {
            self.hold(&[ObjectKey::Session(session_id.to_string())]).await?;
            let found: Option<Donation> = sqlx::query_as(&SELECT_DONATION_BY_SESSION)
                .bind(session_id)
                .fetch_optional(&mut *self.tx)
                .await?;
            self.locked(found).await
        }

        async fn donation_by_subscription(
            &mut self,
            sub_id: &str,
        ) -> StoreResult<Option<Donation>> {
            self.hold(&[ObjectKey::Subscription(sub_id.to_string())]).await?;
            let found: Option<Donation> = sqlx::query_as(&SELECT_DONATION_BY_SUB)
                .bind(sub_id)
                .fetch_optional(&mut *self.tx)
                .await?;
            self.locked(found).await
        }

        async fn insert_donation(&mut self, donation: &Donation) -> StoreResult<()> {
            let (record, own) = (("donations", donation.id.clone()), ObjectKey::Donation(donation.id.clone()));
            self.hold_for_write(record, own, donation_links(donation)).await?;
            bind_donation(sqlx::query(&INSERT_DONATION), donation)
                .execute(&mut *self.tx)
                .await?;
            self.donations.insert(donation.id.clone(), donation.clone());
            Ok(())
        }

        async fn save_donation(&mut self, d: &Donation) -> StoreResult<()> {
            if self.donations.get(&d.id) == Some(d) {
                return Ok(()); // As read or last written in this transaction.
            }
            self.hold_for_write(("donations", d.id.clone()), ObjectKey::Donation(d.id.clone()), donation_links(d))
                .await?;
            sqlx::query(
                "UPDATE donations SET status = $2, failure_reason = $3, \
                 checkout_session_id = $4, subscription_id = $5, customer_id = $6, \
                 plan_status = $7, plan_status_at = $8, plan_status_rank = $9, cancel_at = $10, \
                 canceled_at = $11, counted_raised_minor = $12, counted_gifts = $13, \
                 counted_donor = $14, counted_recurring = $15, refunded_minor = $16, \
                 disputed_minor = $17, fee_actual_minor = $18, voided_at = $19, updated_at = $20, \
                 counted_recurring_gift_minor = $21, plan_amount_minor = $22, plan_amount_at = $23, \
                 net_actual_minor = $24 \
                 WHERE id = $1",
            )
            .bind(&d.id)
            .bind(&d.status)
            .bind(&d.failure_reason)
            .bind(&d.checkout_session_id)
            .bind(&d.subscription_id)
            .bind(&d.customer_id)
            .bind(&d.plan_status)
            .bind(d.plan_status_at)
            .bind(d.plan_status_rank)
            .bind(d.cancel_at)
            .bind(d.canceled_at)
            .bind(d.counted_raised_minor)
            .bind(d.counted_gifts)
            .bind(d.counted_donor)
            .bind(d.counted_recurring)
            .bind(d.refunded_minor)
            .bind(d.disputed_minor)
            .bind(d.fee_actual_minor)
            .bind(d.voided_at)
            .bind(d.updated_at)
            .bind(d.counted_recurring_gift_minor)
            .bind(d.plan_amount_minor)
            .bind(d.plan_amount_at)
            .bind(d.net_actual_minor)
            .execute(&mut *self.tx)
            .await?;
            self.donations.insert(d.id.clone(), d.clone());
            Ok(())
        }

        async fn add_progress(
            &mut self,
            campaign_id: i64,
            donation_id: &str,
            d: &Progress,
        ) -> StoreResult<()> {
            let shard = shard_of(donation_id, self.progress_shards);
            bind_delta(sqlx::query(&ADD_CAMPAIGN_PROGRESS).bind(campaign_id), shard, d)
                .execute(&mut *self.tx)
                .await?;
            self.moved = true;
            Ok(())
        }

        async fn add_donor_count(
            &mut self,
            campaign_id: i64,
            donor_key: &str,
            delta: i64,
        ) -> StoreResult<(i64, i64)> {
            let after: i64 = sqlx::query_scalar(
                "INSERT INTO campaign_donors (campaign_id, donor_key, counted_donations) \
                 VALUES ($1, $2, $3) ON CONFLICT (campaign_id, donor_key) DO UPDATE \
                 SET counted_donations = campaign_donors.counted_donations + excluded.counted_donations \
                 RETURNING counted_donations",
            )
            .bind(campaign_id)
            .bind(donor_key)
            .bind(delta)
            .fetch_one(&mut *self.tx)
            .await?;
            Ok((after - delta, after))
        }
    }
}

/// Adds a delta to one aggregate row of `table` (a campaign's or a supporter's page's), keyed by
/// `key` (bound first) and its shard: one upsert, which the row's lock serializes.
pub(super) fn add_progress_sql(table: &str, key: &str) -> String {
    let sums = PROGRESS_COLUMNS
        .split(',')
        .map(str::trim)
        .map(|c| format!("{c} = {table}.{c} + excluded.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "INSERT INTO {table} ({key}, shard, {PROGRESS_COLUMNS}, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT ({key}, shard) DO UPDATE SET {sums}, updated_at = excluded.updated_at"
    )
}

static ADD_CAMPAIGN_PROGRESS: LazyLock<String> =
    LazyLock::new(|| add_progress_sql("campaign_progress", "campaign_id"));

/// Binds a row's shard and `d` (in the order of `PROGRESS_COLUMNS`) and the time after the key.
pub(super) fn bind_delta<'q, DB: Backend>(
    q: Query<'q, DB, DB::Arguments<'q>>,
    shard: u32,
    d: &Progress,
) -> Query<'q, DB, DB::Arguments<'q>>
where
    i64: Encode<'q, DB> + Type<DB>,
{
    q.bind(i64::from(shard))
        .bind(d.raised_minor)
        .bind(d.gifts)
        .bind(d.donors)
        .bind(d.recurring_active)
        .bind(d.recurring_monthly_gift_minor)
        .bind(d.recurring_annual_gift_minor)
        .bind(now())
}

/// What a donation links to: its Checkout Session and its subscription (which the ledger finds
/// it by).
fn donation_links(d: &Donation) -> Vec<ObjectKey> {
    let mut links: Vec<ObjectKey> = d
        .checkout_session_id
        .clone()
        .map(ObjectKey::Session)
        .into_iter()
        .collect();
    links.extend(d.subscription_id.clone().map(ObjectKey::Subscription));
    links
}

/// The aggregate row of a campaign that a donation's figures go to: FNV-1a of its id, modulo
/// the number of rows. Any row would be right (a read sums them all); the hash only spreads
/// concurrent donations over rows, and keeps one donation's changes in one of them. A supporter's
/// page's figures are spread the same way (`fundraisers`).
pub(super) fn shard_of(donation_id: &str, shards: u32) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in donation_id.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    (h % u64::from(shards.max(1))) as u32
}

/// A donation found through another object, locked and read again if it was not held yet (it
/// may have changed while its lock was waited for).
#[async_trait::async_trait]
trait LockFound {
    async fn locked(&mut self, found: Option<Donation>) -> StoreResult<Option<Donation>>;
}

sql_impl! {
    impl LockFound for SqlLedgerTx {
        async fn locked(&mut self, found: Option<Donation>) -> StoreResult<Option<Donation>> {
            match found {
                Some(d) if !self.holds(&ObjectKey::Donation(d.id.clone())) => {
                    DonationTx::donation(self, &d.id).await
                }
                Some(d) => match self.donations.get(&d.id) {
                    Some(known) => Ok(Some(known.clone())),
                    None => {
                        self.saw(("donations", d.id.clone()), donation_links(&d));
                        self.donations.insert(d.id.clone(), d.clone());
                        Ok(Some(d))
                    }
                },
                None => Ok(None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::shard_of;

    #[test]
    fn donations_spread_over_every_shard_and_stay_in_theirs() {
        let mut seen = std::collections::BTreeSet::new();
        for i in 0..1000 {
            let id = format!("don_{i:05}");
            let s = shard_of(&id, 16);
            assert!(s < 16);
            assert_eq!(shard_of(&id, 16), s);
            seen.insert(s);
        }
        assert_eq!(seen.len(), 16);
        assert_eq!(shard_of("anything", 1), 0);
        assert_eq!(shard_of("anything", 0), 0);
    }
}
