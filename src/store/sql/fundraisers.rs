//! [`FundraiserStore`]: supporters' pages, their figures and their owners' emails; and, in a
//! ledger transaction, [`FundraiserTx`]: the figures themselves.
//!
//! A page's figures are kept like a campaign's (`campaigns`): rows per page (`fundraiser_progress`,
//! one per shard, made as the ledger first writes to them) that a read sums in one statement, and
//! one row per donor and page (`fundraiser_donors`) whose count decides, under that row's lock,
//! whether the donor starts or stops counting. The ledger only ever adds to these rows: it never
//! reads the page's record, so it takes no object lock for it (`domain::object_key`).

use std::sync::LazyLock;

use sqlx::FromRow;

use super::donations::{add_progress_sql, bind_delta, shard_of};
use super::outbox::{INSERT_MESSAGE, bind_message};
use super::rows::{DONATION_COLUMNS, FUNDRAISER_COLUMNS, PROGRESS_COLUMNS};
use super::{SqlLedgerTx, SqlStore, placeholders, qualified, summed, unique_violation};
use crate::domain::fundraiser::{PageFields, PageLinkRequest};
use crate::store::traits::{FundraiserStore, FundraiserTx};
use crate::store::{
    Donation, Fundraiser, ListedFundraiser, NewMessage, PagePolicy, Progress, Review, StoreError,
    StoreResult, cancel_safe,
};

static ADD_PAGE_PROGRESS: LazyLock<String> =
    LazyLock::new(|| add_progress_sql("fundraiser_progress", "fundraiser_id"));

/// A page with its figures summed: `{where}` filters `f` (the page) and may bind from `$1`.
fn with_progress(filter: &str, order: &str) -> String {
    format!(
        "SELECT {}, {} FROM fundraisers f \
         LEFT JOIN fundraiser_progress p ON p.fundraiser_id = f.id \
         WHERE {filter} GROUP BY f.id {order}",
        qualified("f", FUNDRAISER_COLUMNS),
        summed("p", PROGRESS_COLUMNS)
    )
}

/// `f.review IN ($from, ...)` for `n` reviews.
fn reviews_in(from: usize, n: usize) -> String {
    let list = (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!("f.review IN ({list})")
}

sql_impl! {
    impl FundraiserStore for SqlStore {
        async fn create_fundraiser(
            &self,
            f: &Fundraiser,
            welcome: &NewMessage,
            at: i64,
        ) -> StoreResult<()> {
            let mut tx = self.begin_write().await?;
            sqlx::query(&format!(
                "INSERT INTO fundraisers ({FUNDRAISER_COLUMNS}) VALUES ({})",
                placeholders(FUNDRAISER_COLUMNS.split(',').count())
            ))
            .bind(&f.id)
            .bind(f.campaign_id)
            .bind(&f.slug)
            .bind(&f.name)
            .bind(&f.title)
            .bind(&f.story)
            .bind(f.goal_minor)
            .bind(&f.owner_email)
            .bind(&f.owner_key)
            .bind(f.review.as_str())
            .bind(f.confirmed_at)
            .bind(f.reviewed_at)
            .bind(&f.reviewed_by)
            .bind(f.created_at)
            .bind(f.updated_at)
            .bind(&f.language)
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                if unique_violation(&e) {
                    StoreError::Conflict(format!("fundraiser {}", f.slug))
                } else {
                    e.into()
                }
            })?;
            sqlx::query(
                "INSERT INTO fundraiser_link_requests (id, owner_key, created_at, language) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(&f.id)
            .bind(&f.owner_key)
            .bind(at)
            .bind(&f.language)
            .execute(&mut *tx)
            .await?;
            bind_message(sqlx::query(INSERT_MESSAGE), welcome, at)
                .execute(&mut *tx)
                .await?;
            cancel_safe::commit(tx).await?;
            Ok(())
        }

        async fn fundraiser(&self, id: &str) -> StoreResult<Option<Fundraiser>> {
            Ok(sqlx::query_as(&format!(
                "SELECT {FUNDRAISER_COLUMNS} FROM fundraisers WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(&self.read)
            .await?)
        }

        async fn fundraiser_by_slug(
            &self,
            campaign_id: i64,
            slug: &str,
        ) -> StoreResult<Option<Fundraiser>> {
            Ok(sqlx::query_as(&format!(
                "SELECT {FUNDRAISER_COLUMNS} FROM fundraisers WHERE campaign_id = $1 AND slug = $2"
            ))
            .bind(campaign_id)
            .bind(slug)
            .fetch_optional(&self.read)
            .await?)
        }

        async fn fundraiser_progress(&self, id: &str) -> StoreResult<Option<ListedFundraiser>> {
            let row = sqlx::query(&with_progress("f.id = $1", ""))
                .bind(id)
                .fetch_optional(&self.read)
                .await?;
            Ok(row.map(|r| ListedFundraiser::from_row(&r)).transpose()?)
        }

        async fn fundraisers_of(
            &self,
            campaign_id: i64,
            reviews: Option<&[Review]>,
        ) -> StoreResult<Vec<ListedFundraiser>> {
            let mut filter = "f.campaign_id = $1".to_string();
            match reviews {
                // No review at all: nothing can match.
                Some([]) => return Ok(Vec::new()),
                Some(r) => filter = format!("{filter} AND {}", reviews_in(2, r.len())),
                None => {}
            }
            let sql = with_progress(&filter, "ORDER BY f.created_at DESC, f.id DESC");
            let mut q = sqlx::query(&sql).bind(campaign_id);
            for review in reviews.unwrap_or_default() {
                q = q.bind(review.as_str());
            }
            let rows = q.fetch_all(&self.read).await?;
            Ok(rows
                .iter()
                .map(ListedFundraiser::from_row)
                .collect::<Result<_, _>>()?)
        }

        async fn top_fundraisers(
            &self,
            campaign_id: i64,
            reviews: &[Review],
            limit: i64,
        ) -> StoreResult<Vec<ListedFundraiser>> {
            if reviews.is_empty() {
                return Ok(Vec::new());
            }
            let filter = format!(
                "f.campaign_id = $1 AND f.confirmed_at IS NOT NULL AND {}",
                reviews_in(3, reviews.len())
            );
            let sql = with_progress(
                &filter,
                "ORDER BY raised_minor DESC, f.created_at, f.id LIMIT $2",
            );
            let mut q = sqlx::query(&sql).bind(campaign_id).bind(limit);
            for review in reviews {
                q = q.bind(review.as_str());
            }
            let rows = q.fetch_all(&self.read).await?;
            Ok(rows
                .iter()
                .map(ListedFundraiser::from_row)
                .collect::<Result<_, _>>()?)
        }

        async fn fundraisers_owned_by(&self, owner_key: &str) -> StoreResult<Vec<Fundraiser>> {
            Ok(sqlx::query_as(&format!(
                "SELECT {FUNDRAISER_COLUMNS} FROM fundraisers WHERE owner_key = $1 \
                 ORDER BY created_at, id"
            ))
            .bind(owner_key)
            .fetch_all(&self.read)
            .await?)
        }

        async fn update_fundraiser_page(
            &self,
            id: &str,
            fields: &PageFields,
            confirm: bool,
            at: i64,
        ) -> StoreResult<Option<Fundraiser>> {
            let updated = sqlx::query_as(&format!(
                "UPDATE fundraisers SET name = $2, title = $3, story = $4, goal_minor = $5, \
                 updated_at = $6, confirmed_at = CASE WHEN $7 THEN COALESCE(confirmed_at, $6) \
                 ELSE confirmed_at END WHERE id = $1 RETURNING {FUNDRAISER_COLUMNS}"
            ))
            .bind(id)
            .bind(&fields.name)
            .bind(&fields.title)
            .bind(&fields.story)
            .bind(fields.goal_minor)
            .bind(at)
            .bind(confirm)
            .fetch_optional(&self.write)
            .await?;
            self.changed();
            Ok(updated)
        }

        async fn confirm_fundraiser(&self, id: &str, at: i64) -> StoreResult<bool> {
            let done = sqlx::query(
                "UPDATE fundraisers SET confirmed_at = $2 WHERE id = $1 AND confirmed_at IS NULL",
            )
            .bind(id)
            .bind(at)
            .execute(&self.write)
            .await?;
            self.changed();
            Ok(DB::rows_affected(&done) == 1)
        }

        async fn review_fundraiser(
            &self,
            id: &str,
            review: Review,
            staff: &str,
            notice: Option<&NewMessage>,
            at: i64,
        ) -> StoreResult<Option<Fundraiser>> {
            let mut tx = self.begin_write().await?;
            let updated: Option<Fundraiser> = sqlx::query_as(&format!(
                "UPDATE fundraisers SET review = $2, reviewed_at = $3, reviewed_by = $4 \
                 WHERE id = $1 RETURNING {FUNDRAISER_COLUMNS}"
            ))
            .bind(id)
            .bind(review.as_str())
            .bind(at)
            .bind(staff)
            .fetch_optional(&mut *tx)
            .await?;
            if let (Some(_), Some(m)) = (&updated, notice) {
                bind_message(sqlx::query(INSERT_MESSAGE), m, at)
                    .execute(&mut *tx)
                    .await?;
            }
            cancel_safe::commit(tx).await?;
            self.changed();
            Ok(updated)
        }

        async fn fundraiser_donations(
            &self,
            fundraiser_id: &str,
            limit: i64,
        ) -> StoreResult<Vec<Donation>> {
            Ok(sqlx::query_as(&format!(
                "SELECT {DONATION_COLUMNS} FROM donations WHERE fundraiser_id = $1 \
                 AND counted_gifts > 0 ORDER BY created_at DESC, id DESC LIMIT $2"
            ))
            .bind(fundraiser_id)
            .bind(limit)
            .fetch_all(&self.read)
            .await?)
        }

        async fn page_policy(&self, campaign_id: i64) -> StoreResult<PagePolicy> {
            let stored: Option<String> =
                sqlx::query_scalar("SELECT pages FROM campaign_fundraising WHERE campaign_id = $1")
                    .bind(campaign_id)
                    .fetch_optional(&self.read)
                    .await?;
            match stored {
                None => Ok(PagePolicy::default()),
                Some(v) => v.parse().map_err(|e: String| {
                    StoreError::Database(sqlx::Error::ColumnDecode {
                        index: "pages".into(),
                        source: e.into(),
                    })
                }),
            }
        }

        async fn set_page_policy(
            &self,
            campaign_id: i64,
            policy: PagePolicy,
            at: i64,
        ) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO campaign_fundraising (campaign_id, pages, updated_at) \
                 VALUES ($1, $2, $3) ON CONFLICT (campaign_id) DO UPDATE \
                 SET pages = excluded.pages, updated_at = excluded.updated_at",
            )
            .bind(campaign_id)
            .bind(policy.as_str())
            .bind(at)
            .execute(&self.write)
            .await?;
            self.changed();
            Ok(())
        }

        async fn create_fundraiser_link_request(
            &self,
            id: &str,
            request: &PageLinkRequest,
            message: &NewMessage,
            at: i64,
        ) -> StoreResult<()> {
            let mut tx = self.begin_write().await?;
            sqlx::query(
                "INSERT INTO fundraiser_link_requests (id, owner_key, created_at, language) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(&request.owner_key)
            .bind(at)
            .bind(&request.language)
            .execute(&mut *tx)
            .await?;
            bind_message(sqlx::query(INSERT_MESSAGE), message, at)
                .execute(&mut *tx)
                .await?;
            cancel_safe::commit(tx).await?;
            Ok(())
        }

        async fn fundraiser_link_request(
            &self,
            id: &str,
        ) -> StoreResult<Option<PageLinkRequest>> {
            let row: Option<(String, String)> = sqlx::query_as(
                "SELECT owner_key, language FROM fundraiser_link_requests WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
            Ok(row.map(|(owner_key, language)| PageLinkRequest {
                owner_key,
                language,
            }))
        }

        async fn fundraiser_mail_since(&self, owner_key: &str, since: i64) -> StoreResult<i64> {
            Ok(sqlx::query_scalar(
                "SELECT COUNT(*) FROM fundraiser_link_requests \
                 WHERE owner_key = $1 AND created_at >= $2",
            )
            .bind(owner_key)
            .bind(since)
            .fetch_one(&self.read)
            .await?)
        }
    }
}

sql_impl! {
    impl FundraiserTx for SqlLedgerTx {
        async fn add_fundraiser_progress(
            &mut self,
            fundraiser_id: &str,
            donation_id: &str,
            d: &Progress,
        ) -> StoreResult<()> {
            let shard = shard_of(donation_id, self.progress_shards);
            bind_delta(sqlx::query(&ADD_PAGE_PROGRESS).bind(fundraiser_id), shard, d)
                .execute(&mut *self.tx)
                .await?;
            self.moved = true;
            Ok(())
        }

        async fn add_fundraiser_donor_count(
            &mut self,
            fundraiser_id: &str,
            donor_key: &str,
            delta: i64,
        ) -> StoreResult<(i64, i64)> {
            let after: i64 = sqlx::query_scalar(
                "INSERT INTO fundraiser_donors (fundraiser_id, donor_key, counted_donations) \
                 VALUES ($1, $2, $3) ON CONFLICT (fundraiser_id, donor_key) DO UPDATE \
                 SET counted_donations = fundraiser_donors.counted_donations \
                 + excluded.counted_donations RETURNING counted_donations",
            )
            .bind(fundraiser_id)
            .bind(donor_key)
            .bind(delta)
            .fetch_one(&mut *self.tx)
            .await?;
            Ok((after - delta, after))
        }
    }
}
