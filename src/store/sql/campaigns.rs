//! [`CampaignStore`]: campaigns, their settings, and their aggregate: a few rows per campaign
//! (`campaign_progress`, one per shard, created as the ledger first writes to them; shard 0 with
//! the campaign) that a progress read sums in one statement. Concurrent ledger transactions of
//! different donations mostly update different rows (`DonationTx::add_progress`).

use std::sync::LazyLock;

use sqlx::FromRow;

use super::rows::{CAMPAIGN_COLUMNS, PROGRESS_COLUMNS};
use super::{SqlStore, qualified, summed, unique_violation};
use crate::store::traits::CampaignStore;
use crate::store::{
    Campaign, CampaignFields, CampaignOptions, Progress, StoreError, StoreResult, cancel_safe, now,
};

pub(super) static SELECT_CAMPAIGN_BY_ID: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1"));
static SELECT_CAMPAIGN_BY_SLUG: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE slug = $1"));
static SELECT_PROGRESS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {}, {} FROM campaigns c JOIN campaign_progress p ON p.campaign_id = c.id \
         WHERE c.slug = $1 GROUP BY c.id",
        qualified("c", CAMPAIGN_COLUMNS),
        summed("p", PROGRESS_COLUMNS)
    )
});

sql_impl! {
    impl CampaignStore for SqlStore {
        async fn create_campaign_in(
            &self,
            org: &str,
            f: &CampaignFields,
            o: &CampaignOptions,
        ) -> StoreResult<Campaign> {
            let now = now();
            let mut tx = self.begin_write().await?;
            let campaign: Campaign = sqlx::query_as(&format!(
                "INSERT INTO campaigns (slug, name, description, currency, goal_minor, \
                 starts_at, ends_at, fee_percent, fee_fixed_minor, status, success_url, \
                 cancel_url, hide_amounts, min_gift_minor, created_at, updated_at, bank_debit, \
                 membership_dues_minor, dues_not_deductible, organization) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $15, $14, $14, \
                 $16, $17, $18, $19) RETURNING {CAMPAIGN_COLUMNS}"
            ))
            .bind(&f.slug)
            .bind(&f.name)
            .bind(&f.description)
            .bind(&f.currency)
            .bind(f.goal_minor)
            .bind(f.starts_at)
            .bind(f.ends_at)
            .bind(&f.fee_percent)
            .bind(f.fee_fixed_minor)
            .bind(&f.status)
            .bind(&f.success_url)
            .bind(&f.cancel_url)
            .bind(o.hide_amounts)
            .bind(now)
            .bind(o.min_gift_minor)
            .bind(o.bank_debit)
            .bind(o.membership_dues_minor)
            .bind(o.dues_not_deductible)
            .bind(org)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| {
                if unique_violation(&e) {
                    StoreError::Conflict(format!("campaign {}", f.slug))
                } else {
                    e.into()
                }
            })?;
            sqlx::query("INSERT INTO campaign_progress (campaign_id, updated_at) VALUES ($1, $2)")
                .bind(campaign.id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            cancel_safe::commit(tx).await?;
            Ok(campaign)
        }

        async fn update_campaign(
            &self,
            id: i64,
            f: &CampaignFields,
            o: &CampaignOptions,
        ) -> StoreResult<Campaign> {
            let campaign: Option<Campaign> = sqlx::query_as(&format!(
                "UPDATE campaigns SET name = $2, description = $3, goal_minor = $4, \
                 starts_at = $5, ends_at = $6, fee_percent = $7, fee_fixed_minor = $8, \
                 status = $9, success_url = $10, cancel_url = $11, hide_amounts = $12, \
                 updated_at = $13, min_gift_minor = $14, bank_debit = $15, \
                 membership_dues_minor = $16, dues_not_deductible = $17 \
                 WHERE id = $1 RETURNING {CAMPAIGN_COLUMNS}"
            ))
            .bind(id)
            .bind(&f.name)
            .bind(&f.description)
            .bind(f.goal_minor)
            .bind(f.starts_at)
            .bind(f.ends_at)
            .bind(&f.fee_percent)
            .bind(f.fee_fixed_minor)
            .bind(&f.status)
            .bind(&f.success_url)
            .bind(&f.cancel_url)
            .bind(o.hide_amounts)
            .bind(now())
            .bind(o.min_gift_minor)
            .bind(o.bank_debit)
            .bind(o.membership_dues_minor)
            .bind(o.dues_not_deductible)
            .fetch_optional(&self.write)
            .await?;
            self.changed();
            campaign.ok_or(StoreError::NotFound)
        }

        async fn campaign_by_slug(&self, slug: &str) -> StoreResult<Option<Campaign>> {
            Ok(sqlx::query_as(&SELECT_CAMPAIGN_BY_SLUG)
                .bind(slug)
                .fetch_optional(&self.read)
                .await?)
        }

        async fn campaign_by_id(&self, id: i64) -> StoreResult<Option<Campaign>> {
            Ok(sqlx::query_as(&SELECT_CAMPAIGN_BY_ID)
                .bind(id)
                .fetch_optional(&self.read)
                .await?)
        }

        async fn campaigns(&self) -> StoreResult<Vec<Campaign>> {
            Ok(sqlx::query_as(&format!(
                "SELECT {CAMPAIGN_COLUMNS} FROM campaigns ORDER BY created_at, id"
            ))
            .fetch_all(&self.read)
            .await?)
        }

        async fn campaign_progress(&self, slug: &str) -> StoreResult<Option<(Campaign, Progress)>> {
            let row = sqlx::query(&SELECT_PROGRESS)
                .bind(slug)
                .fetch_optional(&self.read)
                .await?;
            match row {
                Some(r) => Ok(Some((Campaign::from_row(&r)?, Progress::from_row(&r)?))),
                None => Ok(None),
            }
        }
    }
}
