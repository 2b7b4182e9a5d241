//! [`ReportStore`]: the reads behind the staff list, the donor wall, a campaign's summary and the
//! annual statements. Reads of several statements that must agree run in one snapshot.

use super::payments::{CHARGES_BY_INTENT, DISPUTES_BY_INTENT, REFUNDS_BY_INTENT};
use super::rows::{
    CHARGE_COLUMNS, DISPUTE_COLUMNS, DONATION_COLUMNS, PAYMENT_COLUMNS, PROGRESS_COLUMNS,
    REFUND_COLUMNS,
};
use super::{SqlStore, qualified, summed};
use crate::domain::contribution::payment_rank;
use crate::store::traits::ReportStore;
use crate::store::{
    CampaignRecords, ChargeRecord, Dispute, Donation, DonationCursor, DonationFilter,
    ListedDonation, Payment, Progress, Refund, StoreResult, cancel_safe,
};

sql_impl! {
    impl ReportStore for SqlStore {
        async fn list_donations(
            &self,
            filter: &DonationFilter,
            cursor: Option<&DonationCursor>,
            limit: i64,
        ) -> StoreResult<Vec<ListedDonation>> {
            // Only the conditions in use are written, so each query can use an index.
            let mut sql = format!(
                "SELECT c.slug AS campaign_slug, f.slug AS fundraiser_slug, {} FROM donations d \
                 JOIN campaigns c ON c.id = d.campaign_id \
                 LEFT JOIN fundraisers f ON f.id = d.fundraiser_id WHERE 1 = 1",
                qualified("d", DONATION_COLUMNS)
            );
            let mut n = 0;
            let mut next = || {
                n += 1;
                format!("${n}")
            };
            if filter.campaign_id.is_some() {
                sql.push_str(&format!(" AND d.campaign_id = {}", next()));
            }
            if filter.status.is_some() {
                sql.push_str(&format!(" AND d.status = {}", next()));
            }
            if filter.frequency.is_some() {
                sql.push_str(&format!(" AND d.frequency = {}", next()));
            }
            if filter.from.is_some() {
                sql.push_str(&format!(" AND d.created_at >= {}", next()));
            }
            if filter.to.is_some() {
                sql.push_str(&format!(" AND d.created_at < {}", next()));
            }
            if filter.fundraiser_id.is_some() {
                sql.push_str(&format!(" AND d.fundraiser_id = {}", next()));
            }
            if filter.organization.is_some() {
                sql.push_str(&format!(" AND c.organization = {}", next()));
            }
            if cursor.is_some() {
                let (at, id) = (next(), next());
                sql.push_str(&format!(
                    " AND (d.created_at < {at} OR (d.created_at = {at} AND d.id < {id}))"
                ));
            }
            sql.push_str(&format!(
                " ORDER BY d.created_at DESC, d.id DESC LIMIT {}",
                next()
            ));
            let mut q = sqlx::query_as(&sql);
            if let Some(v) = filter.campaign_id {
                q = q.bind(v);
            }
            if let Some(v) = &filter.status {
                q = q.bind(v);
            }
            if let Some(v) = &filter.frequency {
                q = q.bind(v);
            }
            if let Some(v) = filter.from {
                q = q.bind(v);
            }
            if let Some(v) = filter.to {
                q = q.bind(v);
            }
            if let Some(v) = &filter.fundraiser_id {
                q = q.bind(v);
            }
            if let Some(v) = &filter.organization {
                q = q.bind(v);
            }
            if let Some(c) = cursor {
                q = q.bind(c.created_at).bind(&c.id);
            }
            Ok(q.bind(limit).fetch_all(&self.read).await?)
        }

        async fn counted_donations(
            &self,
            campaign_id: i64,
            limit: i64,
        ) -> StoreResult<Vec<Donation>> {
            Ok(sqlx::query_as(&format!(
                "SELECT {DONATION_COLUMNS} FROM donations WHERE campaign_id = $1 \
                 AND counted_gifts > 0 ORDER BY created_at DESC, id DESC LIMIT $2"
            ))
            .bind(campaign_id)
            .bind(limit)
            .fetch_all(&self.read)
            .await?)
        }

        async fn campaign_records(&self, campaign_id: i64) -> StoreResult<CampaignRecords> {
            // One read transaction: the figures must not mix states before and after a
            // webhook that commits while they are read.
            let mut tx = self.begin_snapshot().await?;
            let progress: Progress = sqlx::query_as(&format!(
                "SELECT {} FROM campaign_progress p WHERE p.campaign_id = $1",
                summed("p", PROGRESS_COLUMNS)
            ))
            .bind(campaign_id)
            .fetch_optional(&mut *tx)
            .await?
            .unwrap_or_default();
            let donations = sqlx::query_as(&format!(
                "SELECT {DONATION_COLUMNS} FROM donations WHERE campaign_id = $1 \
                 ORDER BY created_at, id"
            ))
            .bind(campaign_id)
            .fetch_all(&mut *tx)
            .await?;
            let payments = sqlx::query_as(&format!(
                "SELECT {PAYMENT_COLUMNS} FROM payments WHERE donation_id IN \
                 (SELECT id FROM donations WHERE campaign_id = $1) ORDER BY id"
            ))
            .bind(campaign_id)
            .fetch_all(&mut *tx)
            .await?;
            let intents = "SELECT p.payment_intent_id FROM payments p \
                 JOIN donations d ON d.id = p.donation_id \
                 WHERE d.campaign_id = $1 AND p.payment_intent_id IS NOT NULL";
            let charges = sqlx::query_as(&format!(
                "SELECT {CHARGE_COLUMNS} FROM charges WHERE payment_intent_id IN ({intents}) \
                 ORDER BY id"
            ))
            .bind(campaign_id)
            .fetch_all(&mut *tx)
            .await?;
            let refunds = sqlx::query_as(&format!(
                "SELECT {REFUND_COLUMNS} FROM refunds WHERE payment_intent_id IN ({intents}) \
                 ORDER BY id"
            ))
            .bind(campaign_id)
            .fetch_all(&mut *tx)
            .await?;
            let disputes = sqlx::query_as(&format!(
                "SELECT {DISPUTE_COLUMNS} FROM disputes WHERE payment_intent_id IN ({intents}) \
                 ORDER BY id"
            ))
            .bind(campaign_id)
            .fetch_all(&mut *tx)
            .await?;
            cancel_safe::commit(tx).await?;
            Ok(CampaignRecords {
                progress,
                donations,
                payments,
                charges,
                refunds,
                disputes,
            })
        }

        async fn payments_paid_between(&self, from: i64, to: i64) -> StoreResult<Vec<Payment>> {
            Ok(sqlx::query_as(&format!(
                "SELECT {PAYMENT_COLUMNS} FROM payments WHERE status_rank = $1 \
                 AND kind <> 'checkout' AND donation_id IS NOT NULL \
                 AND paid_at >= $2 AND paid_at < $3 ORDER BY paid_at, id"
            ))
            .bind(payment_rank::SUCCEEDED)
            .bind(from)
            .bind(to)
            .fetch_all(&self.read)
            .await?)
        }

        async fn offline_gifts_between(&self, from: i64, to: i64) -> StoreResult<Vec<Donation>> {
            Ok(sqlx::query_as(&format!(
                "SELECT {DONATION_COLUMNS} FROM donations WHERE source = 'offline' \
                 AND voided_at IS NULL AND COALESCE(gift_date, created_at) >= $1 \
                 AND COALESCE(gift_date, created_at) < $2 ORDER BY created_at, id"
            ))
            .bind(from)
            .bind(to)
            .fetch_all(&self.read)
            .await?)
        }

        async fn intent_records(
            &self,
            pi: &str,
        ) -> StoreResult<(Vec<Refund>, Vec<ChargeRecord>, Vec<Dispute>)> {
            let mut tx = self.begin_snapshot().await?;
            let refunds = sqlx::query_as(&REFUNDS_BY_INTENT)
                .bind(pi)
                .fetch_all(&mut *tx)
                .await?;
            let charges = sqlx::query_as(&CHARGES_BY_INTENT)
                .bind(pi)
                .fetch_all(&mut *tx)
                .await?;
            let disputes = sqlx::query_as(&DISPUTES_BY_INTENT)
                .bind(pi)
                .fetch_all(&mut *tx)
                .await?;
            cancel_safe::commit(tx).await?;
            Ok((refunds, charges, disputes))
        }
    }
}
