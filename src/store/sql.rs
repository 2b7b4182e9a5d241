//! The SQL shared by both backends, written once. Both drivers take `$N` placeholders and the
//! schemas have the same tables and columns, so `impl_sql_store!` expands the same bodies for
//! SQLite and PostgreSQL; what differs (pools, locking, migrations) stays in each backend module.

pub(super) const CAMPAIGN_COLUMNS: &str = "id, slug, name, description, currency, goal_minor, \
    starts_at, ends_at, fee_percent, fee_fixed_minor, status, success_url, cancel_url, \
    hide_amounts, min_gift_minor, created_at, updated_at";

pub(super) const DONATION_COLUMNS: &str = "id, campaign_id, source, frequency, currency, \
    gift_minor, fee_minor, total_minor, donor_name, donor_email, donor_key, anonymous, \
    tribute_kind, tribute_honoree, tribute_notify_email, tribute_message, comment, status, \
    failure_reason, checkout_session_id, checkout_url, subscription_id, customer_id, plan_status, \
    plan_status_at, plan_status_rank, cancel_at, canceled_at, counted_raised_minor, counted_gifts, \
    counted_donor, counted_recurring, refunded_minor, disputed_minor, fee_actual_minor, \
    offline_method, note, gift_date, voided_at, created_at, updated_at, tribute_show_amount, email_receipt, \
    counted_recurring_gift_minor, plan_amount_minor, plan_amount_at";

pub(super) const PAYMENT_COLUMNS: &str = "id, donation_id, subscription_id, payment_intent_id, \
    kind, status, status_rank, amount_minor, currency, failure_reason, attempt_count, \
    fee_actual_minor, paid_at, created_at, updated_at";

pub(super) const CHARGE_COLUMNS: &str = "id, payment_intent_id, amount_minor, amount_refunded_minor, currency, fee_actual_minor, updated_at, refunded_at";

pub(super) const REFUND_COLUMNS: &str = "id, charge_id, payment_intent_id, amount_minor, \
    currency, status, status_rank, created_at, updated_at, status_at, refund_created";

pub(super) const DISPUTE_COLUMNS: &str = "id, charge_id, payment_intent_id, amount_minor, \
    currency, status, withdrawn, reinstated, created_at, updated_at";

pub(super) const EVENT_COLUMNS: &str =
    "id, event_type, created, livemode, outcome, detail, payload, received_at, applied_at";

pub(super) const OUTBOX_COLUMNS: &str = "id, message_key, kind, donation_id, payment_id, \
    recipient, payload, status, attempts, next_attempt_at, locked_until, last_error, subject, \
    created_at, sent_at";

pub(super) const INSERT_MESSAGE: &str = "INSERT INTO outbox (message_key, kind, donation_id, \
    payment_id, recipient, payload, status, attempts, next_attempt_at, created_at) \
    VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7) ON CONFLICT (message_key) DO NOTHING";

pub(super) const FLAG_COLUMNS: &str =
    "id, flag_key, donation_id, event_id, kind, detail, created_at, resolved_at";

/// `columns` with each name qualified by a table alias: `d.id, d.campaign_id, ...`.
pub(super) fn qualified(alias: &str, columns: &str) -> String {
    columns
        .split(',')
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `$1, $2, ... $n`
pub(super) fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `INSERT INTO table (cols) VALUES ($1..) ON CONFLICT (id) DO UPDATE SET col = excluded.col, ..`:
/// an upsert of a whole record keyed by `id`.
pub(super) fn upsert_sql(table: &str, columns: &str) -> String {
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

macro_rules! impl_sql_store {
    ($store:ident, $tx:ident, $db:ty, $row:ty) => {
        use std::sync::LazyLock;

        use async_trait::async_trait;
        use sqlx::Row;

        use crate::store::sql::*;
        use crate::store::*;

        fn campaign_row(r: &$row) -> Result<Campaign, sqlx::Error> {
            Ok(Campaign {
                id: r.try_get("id")?,
                slug: r.try_get("slug")?,
                name: r.try_get("name")?,
                description: r.try_get("description")?,
                currency: r.try_get("currency")?,
                goal_minor: r.try_get("goal_minor")?,
                starts_at: r.try_get("starts_at")?,
                ends_at: r.try_get("ends_at")?,
                fee_percent: r.try_get("fee_percent")?,
                fee_fixed_minor: r.try_get("fee_fixed_minor")?,
                status: r.try_get("status")?,
                success_url: r.try_get("success_url")?,
                cancel_url: r.try_get("cancel_url")?,
                hide_amounts: r.try_get("hide_amounts")?,
                min_gift_minor: r.try_get("min_gift_minor")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
            })
        }

        fn progress_row(r: &$row) -> Result<Progress, sqlx::Error> {
            Ok(Progress {
                raised_minor: r.try_get("raised_minor")?,
                gifts: r.try_get("gifts")?,
                donors: r.try_get("donors")?,
                recurring_active: r.try_get("recurring_active")?,
                recurring_monthly_gift_minor: r.try_get("recurring_monthly_gift_minor")?,
                recurring_annual_gift_minor: r.try_get("recurring_annual_gift_minor")?,
            })
        }

        fn token_row(r: &$row) -> Result<StaffToken, sqlx::Error> {
            Ok(StaffToken {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                token_hash: r.try_get("token_hash")?,
                created_at: r.try_get("created_at")?,
                revoked_at: r.try_get("revoked_at")?,
            })
        }

        fn donation_row(r: &$row) -> Result<Donation, sqlx::Error> {
            Ok(Donation {
                id: r.try_get("id")?,
                campaign_id: r.try_get("campaign_id")?,
                source: r.try_get("source")?,
                frequency: r.try_get("frequency")?,
                currency: r.try_get("currency")?,
                gift_minor: r.try_get("gift_minor")?,
                fee_minor: r.try_get("fee_minor")?,
                total_minor: r.try_get("total_minor")?,
                donor_name: r.try_get("donor_name")?,
                donor_email: r.try_get("donor_email")?,
                donor_key: r.try_get("donor_key")?,
                anonymous: r.try_get("anonymous")?,
                tribute_kind: r.try_get("tribute_kind")?,
                tribute_honoree: r.try_get("tribute_honoree")?,
                tribute_notify_email: r.try_get("tribute_notify_email")?,
                tribute_message: r.try_get("tribute_message")?,
                comment: r.try_get("comment")?,
                status: r.try_get("status")?,
                failure_reason: r.try_get("failure_reason")?,
                checkout_session_id: r.try_get("checkout_session_id")?,
                checkout_url: r.try_get("checkout_url")?,
                subscription_id: r.try_get("subscription_id")?,
                customer_id: r.try_get("customer_id")?,
                plan_status: r.try_get("plan_status")?,
                plan_status_at: r.try_get("plan_status_at")?,
                plan_status_rank: r.try_get("plan_status_rank")?,
                cancel_at: r.try_get("cancel_at")?,
                canceled_at: r.try_get("canceled_at")?,
                counted_raised_minor: r.try_get("counted_raised_minor")?,
                counted_gifts: r.try_get("counted_gifts")?,
                counted_donor: r.try_get("counted_donor")?,
                counted_recurring: r.try_get("counted_recurring")?,
                refunded_minor: r.try_get("refunded_minor")?,
                disputed_minor: r.try_get("disputed_minor")?,
                fee_actual_minor: r.try_get("fee_actual_minor")?,
                offline_method: r.try_get("offline_method")?,
                note: r.try_get("note")?,
                gift_date: r.try_get("gift_date")?,
                voided_at: r.try_get("voided_at")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
                tribute_show_amount: r.try_get("tribute_show_amount")?,
                email_receipt: r.try_get("email_receipt")?,
                counted_recurring_gift_minor: r.try_get("counted_recurring_gift_minor")?,
                plan_amount_minor: r.try_get("plan_amount_minor")?,
                plan_amount_at: r.try_get("plan_amount_at")?,
            })
        }

        fn payment_row(r: &$row) -> Result<Payment, sqlx::Error> {
            Ok(Payment {
                id: r.try_get("id")?,
                donation_id: r.try_get("donation_id")?,
                subscription_id: r.try_get("subscription_id")?,
                payment_intent_id: r.try_get("payment_intent_id")?,
                kind: r.try_get("kind")?,
                status: r.try_get("status")?,
                status_rank: r.try_get("status_rank")?,
                amount_minor: r.try_get("amount_minor")?,
                currency: r.try_get("currency")?,
                failure_reason: r.try_get("failure_reason")?,
                attempt_count: r.try_get("attempt_count")?,
                fee_actual_minor: r.try_get("fee_actual_minor")?,
                paid_at: r.try_get("paid_at")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
            })
        }

        fn charge_row(r: &$row) -> Result<ChargeRecord, sqlx::Error> {
            Ok(ChargeRecord {
                id: r.try_get("id")?,
                payment_intent_id: r.try_get("payment_intent_id")?,
                amount_minor: r.try_get("amount_minor")?,
                amount_refunded_minor: r.try_get("amount_refunded_minor")?,
                currency: r.try_get("currency")?,
                fee_actual_minor: r.try_get("fee_actual_minor")?,
                updated_at: r.try_get("updated_at")?,
                refunded_at: r.try_get("refunded_at")?,
            })
        }

        fn refund_row(r: &$row) -> Result<Refund, sqlx::Error> {
            Ok(Refund {
                id: r.try_get("id")?,
                charge_id: r.try_get("charge_id")?,
                payment_intent_id: r.try_get("payment_intent_id")?,
                amount_minor: r.try_get("amount_minor")?,
                currency: r.try_get("currency")?,
                status: r.try_get("status")?,
                status_rank: r.try_get("status_rank")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
                status_at: r.try_get("status_at")?,
                refund_created: r.try_get("refund_created")?,
            })
        }

        fn dispute_row(r: &$row) -> Result<Dispute, sqlx::Error> {
            Ok(Dispute {
                id: r.try_get("id")?,
                charge_id: r.try_get("charge_id")?,
                payment_intent_id: r.try_get("payment_intent_id")?,
                amount_minor: r.try_get("amount_minor")?,
                currency: r.try_get("currency")?,
                status: r.try_get("status")?,
                withdrawn: r.try_get("withdrawn")?,
                reinstated: r.try_get("reinstated")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
            })
        }

        fn event_row(r: &$row) -> Result<WebhookEvent, sqlx::Error> {
            Ok(WebhookEvent {
                id: r.try_get("id")?,
                event_type: r.try_get("event_type")?,
                created: r.try_get("created")?,
                livemode: r.try_get("livemode")?,
                outcome: r.try_get("outcome")?,
                detail: r.try_get("detail")?,
                payload: r.try_get("payload")?,
                received_at: r.try_get("received_at")?,
                applied_at: r.try_get("applied_at")?,
            })
        }

        fn flag_row(r: &$row) -> Result<Flag, sqlx::Error> {
            Ok(Flag {
                id: r.try_get("id")?,
                flag_key: r.try_get("flag_key")?,
                donation_id: r.try_get("donation_id")?,
                event_id: r.try_get("event_id")?,
                kind: r.try_get("kind")?,
                detail: r.try_get("detail")?,
                created_at: r.try_get("created_at")?,
                resolved_at: r.try_get("resolved_at")?,
            })
        }

        fn outbox_row(r: &$row) -> Result<OutboxMessage, sqlx::Error> {
            Ok(OutboxMessage {
                id: r.try_get("id")?,
                message_key: r.try_get("message_key")?,
                kind: r.try_get("kind")?,
                donation_id: r.try_get("donation_id")?,
                payment_id: r.try_get("payment_id")?,
                recipient: r.try_get("recipient")?,
                payload: r.try_get("payload")?,
                status: r.try_get("status")?,
                attempts: r.try_get("attempts")?,
                next_attempt_at: r.try_get("next_attempt_at")?,
                locked_until: r.try_get("locked_until")?,
                last_error: r.try_get("last_error")?,
                subject: r.try_get("subject")?,
                created_at: r.try_get("created_at")?,
                sent_at: r.try_get("sent_at")?,
            })
        }

        fn bind_message<'q>(
            q: sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments<'q>>,
            m: &'q NewMessage,
            at: i64,
        ) -> sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments<'q>> {
            q.bind(&m.key)
                .bind(&m.kind)
                .bind(&m.donation_id)
                .bind(&m.payment_id)
                .bind(&m.recipient)
                .bind(&m.payload)
                .bind(at)
        }

        static CLAIM_MESSAGES: LazyLock<String> = LazyLock::new(|| {
            format!(
                "UPDATE outbox SET locked_until = $1, attempts = attempts + 1 WHERE id IN ( \
                 SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $2 \
                 AND (locked_until IS NULL OR locked_until <= $2) \
                 ORDER BY next_attempt_at, id LIMIT $3{}) RETURNING {OUTBOX_COLUMNS}",
                $store::CLAIM_LOCK
            )
        });

        fn unique_violation(e: &sqlx::Error) -> bool {
            matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
        }

        static SELECT_CAMPAIGN_BY_SLUG: LazyLock<String> =
            LazyLock::new(|| format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE slug = $1"));
        static SELECT_CAMPAIGN_BY_ID: LazyLock<String> =
            LazyLock::new(|| format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1"));
        static SELECT_PROGRESS: LazyLock<String> = LazyLock::new(|| {
            let cols = qualified("c", CAMPAIGN_COLUMNS);
            format!(
                "SELECT {cols}, p.raised_minor, p.gifts, p.donors, p.recurring_active, \
                 p.recurring_monthly_gift_minor, p.recurring_annual_gift_minor \
                 FROM campaigns c JOIN campaign_progress p ON p.campaign_id = c.id WHERE c.slug = $1"
            )
        });
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
        static UPSERT_PAYMENT: LazyLock<String> =
            LazyLock::new(|| upsert_sql("payments", PAYMENT_COLUMNS));
        static UPSERT_CHARGE: LazyLock<String> =
            LazyLock::new(|| upsert_sql("charges", CHARGE_COLUMNS));
        static UPSERT_REFUND: LazyLock<String> =
            LazyLock::new(|| upsert_sql("refunds", REFUND_COLUMNS));
        static UPSERT_DISPUTE: LazyLock<String> =
            LazyLock::new(|| upsert_sql("disputes", DISPUTE_COLUMNS));

        fn bind_donation<'q>(
            q: sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments<'q>>,
            d: &'q Donation,
        ) -> sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments<'q>> {
            q.bind(&d.id)
                .bind(d.campaign_id)
                .bind(&d.source)
                .bind(&d.frequency)
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
        }

        #[async_trait]
        impl Store for $store {
            fn backend(&self) -> &'static str {
                Self::BACKEND
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

            async fn create_campaign_with(
                &self,
                f: &CampaignFields,
                o: &CampaignOptions,
            ) -> StoreResult<Campaign> {
                let now = now();
                let mut tx = self.begin_write().await?;
                let row = sqlx::query(&format!(
                    "INSERT INTO campaigns (slug, name, description, currency, goal_minor, \
                     starts_at, ends_at, fee_percent, fee_fixed_minor, status, success_url, \
                     cancel_url, hide_amounts, min_gift_minor, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $15, $14, $14) \
                     RETURNING {CAMPAIGN_COLUMNS}"
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
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| {
                    if unique_violation(&e) {
                        StoreError::Conflict(format!("campaign {}", f.slug))
                    } else {
                        e.into()
                    }
                })?;
                let campaign = campaign_row(&row)?;
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
                let row = sqlx::query(&format!(
                    "UPDATE campaigns SET name = $2, description = $3, goal_minor = $4, \
                     starts_at = $5, ends_at = $6, fee_percent = $7, fee_fixed_minor = $8, \
                     status = $9, success_url = $10, cancel_url = $11, hide_amounts = $12, \
                     updated_at = $13, min_gift_minor = $14 WHERE id = $1 RETURNING {CAMPAIGN_COLUMNS}"
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
                .fetch_optional(&self.write)
                .await?;
                row.as_ref().map(campaign_row).transpose()?.ok_or(StoreError::NotFound)
            }

            async fn campaign_by_slug(&self, slug: &str) -> StoreResult<Option<Campaign>> {
                let row = sqlx::query(&SELECT_CAMPAIGN_BY_SLUG)
                    .bind(slug)
                    .fetch_optional(&self.read)
                    .await?;
                Ok(row.as_ref().map(campaign_row).transpose()?)
            }

            async fn campaign_by_id(&self, id: i64) -> StoreResult<Option<Campaign>> {
                let row = sqlx::query(&SELECT_CAMPAIGN_BY_ID)
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?;
                Ok(row.as_ref().map(campaign_row).transpose()?)
            }

            async fn campaigns(&self) -> StoreResult<Vec<Campaign>> {
                let rows = sqlx::query(&format!(
                    "SELECT {CAMPAIGN_COLUMNS} FROM campaigns ORDER BY created_at, id"
                ))
                .fetch_all(&self.read)
                .await?;
                Ok(rows.iter().map(campaign_row).collect::<Result<_, _>>()?)
            }

            async fn campaign_progress(
                &self,
                slug: &str,
            ) -> StoreResult<Option<(Campaign, Progress)>> {
                let row = sqlx::query(&SELECT_PROGRESS)
                    .bind(slug)
                    .fetch_optional(&self.read)
                    .await?;
                match row {
                    Some(r) => Ok(Some((campaign_row(&r)?, progress_row(&r)?))),
                    None => Ok(None),
                }
            }

            async fn create_staff_token(&self, name: &str, hash: &str) -> StoreResult<StaffToken> {
                let row = sqlx::query(
                    "INSERT INTO staff_tokens (name, token_hash, created_at) VALUES ($1, $2, $3) \
                     RETURNING id, name, token_hash, created_at, revoked_at",
                )
                .bind(name)
                .bind(hash)
                .bind(now())
                .fetch_one(&self.write)
                .await
                .map_err(|e| {
                    if unique_violation(&e) {
                        StoreError::Conflict(format!("an active staff token named {name}"))
                    } else {
                        e.into()
                    }
                })?;
                Ok(token_row(&row)?)
            }

            async fn revoke_staff_token(&self, name: &str) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE staff_tokens SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL",
                )
                .bind(name)
                .bind(now())
                .execute(&self.write)
                .await?;
                // Its dashboard sessions end with it (lookups also refuse them by the join).
                sqlx::query(
                    "DELETE FROM staff_sessions WHERE token_id IN \
                     (SELECT id FROM staff_tokens WHERE name = $1 AND revoked_at IS NOT NULL)",
                )
                .bind(name)
                .execute(&self.write)
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn staff_token_by_hash(&self, hash: &str) -> StoreResult<Option<StaffToken>> {
                let row = sqlx::query(
                    "SELECT id, name, token_hash, created_at, revoked_at FROM staff_tokens \
                     WHERE token_hash = $1",
                )
                .bind(hash)
                .fetch_optional(&self.read)
                .await?;
                Ok(row.as_ref().map(token_row).transpose()?)
            }

            async fn create_staff_session(
                &self,
                id_hash: &str,
                token_id: i64,
                csrf_token: &str,
                expires_at: i64,
            ) -> StoreResult<()> {
                let at = now();
                // Expired sessions are cleared as new ones are made.
                sqlx::query("DELETE FROM staff_sessions WHERE expires_at <= $1")
                    .bind(at)
                    .execute(&self.write)
                    .await?;
                sqlx::query(
                    "INSERT INTO staff_sessions (id_hash, token_id, csrf_token, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id_hash)
                .bind(token_id)
                .bind(csrf_token)
                .bind(at)
                .bind(expires_at)
                .execute(&self.write)
                .await?;
                Ok(())
            }

            async fn staff_session(&self, id_hash: &str, at: i64) -> StoreResult<Option<StaffSession>> {
                let row = sqlx::query(
                    "SELECT s.token_id, t.name, s.csrf_token, s.expires_at FROM staff_sessions s \
                     JOIN staff_tokens t ON t.id = s.token_id \
                     WHERE s.id_hash = $1 AND s.expires_at > $2 AND t.revoked_at IS NULL",
                )
                .bind(id_hash)
                .bind(at)
                .fetch_optional(&self.read)
                .await?;
                match row {
                    None => Ok(None),
                    Some(r) => Ok(Some(StaffSession {
                        token_id: r.try_get("token_id")?,
                        staff_name: r.try_get("name")?,
                        csrf_token: r.try_get("csrf_token")?,
                        expires_at: r.try_get("expires_at")?,
                    })),
                }
            }

            async fn delete_staff_session(&self, id_hash: &str) -> StoreResult<()> {
                sqlx::query("DELETE FROM staff_sessions WHERE id_hash = $1")
                    .bind(id_hash)
                    .execute(&self.write)
                    .await?;
                Ok(())
            }

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
                    .await?
                    .rows_affected();
                    if claimed == 0 {
                        let row = sqlx::query(
                            "SELECT request_hash, donation_id, response_json FROM idempotency_keys \
                             WHERE key = $1",
                        )
                        .bind(key)
                        .fetch_one(&mut *tx)
                        .await?;
                        return Ok(IdempotencyClaim::Existing {
                            request_hash: row.try_get("request_hash")?,
                            donation_id: row.try_get("donation_id")?,
                            response_json: row.try_get("response_json")?,
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
                let row = sqlx::query(&SELECT_DONATION)
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?;
                Ok(row.as_ref().map(donation_row).transpose()?)
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

            async fn webhook_events_by_outcome(
                &self,
                outcome: &str,
            ) -> StoreResult<Vec<WebhookEvent>> {
                let rows = sqlx::query(&format!(
                    "SELECT {EVENT_COLUMNS} FROM webhook_events WHERE outcome = $1 \
                     ORDER BY created, id"
                ))
                .bind(outcome)
                .fetch_all(&self.read)
                .await?;
                Ok(rows.iter().map(event_row).collect::<Result<_, _>>()?)
            }

            async fn webhook_event(&self, id: &str) -> StoreResult<Option<WebhookEvent>> {
                let row =
                    sqlx::query(&format!("SELECT {EVENT_COLUMNS} FROM webhook_events WHERE id = $1"))
                        .bind(id)
                        .fetch_optional(&self.read)
                        .await?;
                Ok(row.as_ref().map(event_row).transpose()?)
            }

            async fn flags(&self) -> StoreResult<Vec<Flag>> {
                let rows =
                    sqlx::query(&format!("SELECT {FLAG_COLUMNS} FROM flags ORDER BY created_at, id"))
                        .fetch_all(&self.read)
                        .await?;
                Ok(rows.iter().map(flag_row).collect::<Result<_, _>>()?)
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
                let mut q = sqlx::query(&sql);
                if let Some(id) = campaign_id {
                    q = q.bind(id);
                }
                let rows = q.bind(limit).fetch_all(&self.read).await?;
                rows.iter()
                    .map(|r| {
                        Ok(ListedFlag {
                            campaign_slug: r.try_get("campaign_slug")?,
                            flag: flag_row(r)?,
                        })
                    })
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(StoreError::from)
            }

            async fn list_donations(
                &self,
                filter: &DonationFilter,
                cursor: Option<&DonationCursor>,
                limit: i64,
            ) -> StoreResult<Vec<ListedDonation>> {
                // Only the conditions in use are written, so each query can use an index.
                let mut sql = format!(
                    "SELECT c.slug AS campaign_slug, {} FROM donations d \
                     JOIN campaigns c ON c.id = d.campaign_id WHERE 1 = 1",
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
                let mut q = sqlx::query(&sql);
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
                if let Some(c) = cursor {
                    q = q.bind(c.created_at).bind(&c.id);
                }
                let rows = q.bind(limit).fetch_all(&self.read).await?;
                rows.iter()
                    .map(|r| {
                        Ok(ListedDonation {
                            campaign_slug: r.try_get("campaign_slug")?,
                            donation: donation_row(r)?,
                        })
                    })
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(StoreError::from)
            }

            async fn counted_donations(
                &self,
                campaign_id: i64,
                limit: i64,
            ) -> StoreResult<Vec<Donation>> {
                let rows = sqlx::query(&format!(
                    "SELECT {DONATION_COLUMNS} FROM donations WHERE campaign_id = $1 \
                     AND counted_gifts > 0 ORDER BY created_at DESC, id DESC LIMIT $2"
                ))
                .bind(campaign_id)
                .bind(limit)
                .fetch_all(&self.read)
                .await?;
                Ok(rows.iter().map(donation_row).collect::<Result<_, _>>()?)
            }

            async fn campaign_records(&self, campaign_id: i64) -> StoreResult<CampaignRecords> {
                // One read transaction: the figures must not mix states before and after a
                // webhook that commits while they are read.
                let mut tx = cancel_safe::begin(&self.read, Some(Self::READ_SNAPSHOT)).await?;
                let progress = sqlx::query(
                    "SELECT raised_minor, gifts, donors, recurring_active, \
                     recurring_monthly_gift_minor, recurring_annual_gift_minor \
                     FROM campaign_progress WHERE campaign_id = $1",
                )
                .bind(campaign_id)
                .fetch_optional(&mut *tx)
                .await?
                .as_ref()
                .map(progress_row)
                .transpose()?
                .unwrap_or_default();
                let donations = sqlx::query(&format!(
                    "SELECT {DONATION_COLUMNS} FROM donations WHERE campaign_id = $1 \
                     ORDER BY created_at, id"
                ))
                .bind(campaign_id)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(donation_row)
                .collect::<Result<_, _>>()?;
                let payments = sqlx::query(&format!(
                    "SELECT {PAYMENT_COLUMNS} FROM payments WHERE donation_id IN \
                     (SELECT id FROM donations WHERE campaign_id = $1) ORDER BY id"
                ))
                .bind(campaign_id)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(payment_row)
                .collect::<Result<_, _>>()?;
                let intents = "SELECT p.payment_intent_id FROM payments p \
                     JOIN donations d ON d.id = p.donation_id \
                     WHERE d.campaign_id = $1 AND p.payment_intent_id IS NOT NULL";
                let charges = sqlx::query(&format!(
                    "SELECT {CHARGE_COLUMNS} FROM charges WHERE payment_intent_id IN ({intents}) \
                     ORDER BY id"
                ))
                .bind(campaign_id)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(charge_row)
                .collect::<Result<_, _>>()?;
                let refunds = sqlx::query(&format!(
                    "SELECT {REFUND_COLUMNS} FROM refunds WHERE payment_intent_id IN ({intents}) \
                     ORDER BY id"
                ))
                .bind(campaign_id)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(refund_row)
                .collect::<Result<_, _>>()?;
                let disputes = sqlx::query(&format!(
                    "SELECT {DISPUTE_COLUMNS} FROM disputes WHERE payment_intent_id IN ({intents}) \
                     ORDER BY id"
                ))
                .bind(campaign_id)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(dispute_row)
                .collect::<Result<_, _>>()?;
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

            async fn payments_of(&self, donation_id: &str) -> StoreResult<Vec<Payment>> {
                let rows = sqlx::query(&format!(
                    "SELECT {PAYMENT_COLUMNS} FROM payments WHERE donation_id = $1 ORDER BY id"
                ))
                .bind(donation_id)
                .fetch_all(&self.read)
                .await?;
                Ok(rows.iter().map(payment_row).collect::<Result<_, _>>()?)
            }

            async fn pending_donations(
                &self,
                older_than: i64,
                limit: i64,
            ) -> StoreResult<Vec<Donation>> {
                let rows = sqlx::query(&SELECT_PENDING)
                    .bind(older_than)
                    .bind(limit)
                    .fetch_all(&self.read)
                    .await?;
                Ok(rows.iter().map(donation_row).collect::<Result<_, _>>()?)
            }

            async fn enqueue_message(&self, m: &NewMessage, at: i64) -> StoreResult<bool> {
                let done = bind_message(sqlx::query(INSERT_MESSAGE), m, at)
                    .execute(&self.write)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn claim_messages(
                &self,
                now: i64,
                lease_until: i64,
                limit: i64,
            ) -> StoreResult<Vec<OutboxMessage>> {
                let mut tx = self.begin_write().await?;
                let rows = sqlx::query(&CLAIM_MESSAGES)
                    .bind(lease_until)
                    .bind(now)
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await?;
                cancel_safe::commit(tx).await?;
                let mut claimed = rows.iter().map(outbox_row).collect::<Result<Vec<_>, _>>()?;
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
                let row = sqlx::query(
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
                if let (Some(row), None) = (row, retry_at) {
                    let key: String = row.try_get("message_key")?;
                    let donation_id: Option<String> = row.try_get("donation_id")?;
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
                let rows = match donation_id {
                    Some(d) => {
                        sqlx::query(&format!(
                            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE donation_id = $1 ORDER BY id"
                        ))
                        .bind(d)
                        .fetch_all(&self.read)
                        .await?
                    }
                    None => {
                        sqlx::query(&format!("SELECT {OUTBOX_COLUMNS} FROM outbox ORDER BY id"))
                            .fetch_all(&self.read)
                            .await?
                    }
                };
                Ok(rows.iter().map(outbox_row).collect::<Result<_, _>>()?)
            }

            async fn message(&self, id: i64) -> StoreResult<Option<OutboxMessage>> {
                let row = sqlx::query(&format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?;
                Ok(row.as_ref().map(outbox_row).transpose()?)
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
                Ok(done.rows_affected() == 1)
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
                let row = sqlx::query("SELECT value FROM server_secrets WHERE name = $1")
                    .bind(name)
                    .fetch_one(&self.write)
                    .await?;
                Ok(row.try_get("value")?)
            }

            async fn payments_paid_between(&self, from: i64, to: i64) -> StoreResult<Vec<Payment>> {
                let rows = sqlx::query(&format!(
                    "SELECT {PAYMENT_COLUMNS} FROM payments WHERE status_rank = $1 \
                     AND kind <> 'checkout' AND donation_id IS NOT NULL \
                     AND paid_at >= $2 AND paid_at < $3 ORDER BY paid_at, id"
                ))
                .bind(crate::domain::contribution::payment_rank::SUCCEEDED)
                .bind(from)
                .bind(to)
                .fetch_all(&self.read)
                .await?;
                Ok(rows.iter().map(payment_row).collect::<Result<_, _>>()?)
            }

            async fn offline_gifts_between(&self, from: i64, to: i64) -> StoreResult<Vec<Donation>> {
                let rows = sqlx::query(&format!(
                    "SELECT {DONATION_COLUMNS} FROM donations WHERE source = 'offline' \
                     AND voided_at IS NULL AND COALESCE(gift_date, created_at) >= $1 \
                     AND COALESCE(gift_date, created_at) < $2 ORDER BY created_at, id"
                ))
                .bind(from)
                .bind(to)
                .fetch_all(&self.read)
                .await?;
                Ok(rows.iter().map(donation_row).collect::<Result<_, _>>()?)
            }

            async fn intent_records(
                &self,
                pi: &str,
            ) -> StoreResult<(Vec<Refund>, Vec<ChargeRecord>, Vec<Dispute>)> {
                let mut tx = cancel_safe::begin(&self.read, Some(Self::READ_SNAPSHOT)).await?;
                let refunds = sqlx::query(&format!(
                    "SELECT {REFUND_COLUMNS} FROM refunds WHERE payment_intent_id = $1 ORDER BY id"
                ))
                .bind(pi)
                .fetch_all(&mut *tx)
                .await?;
                let charges = sqlx::query(&format!(
                    "SELECT {CHARGE_COLUMNS} FROM charges WHERE payment_intent_id = $1 ORDER BY id"
                ))
                .bind(pi)
                .fetch_all(&mut *tx)
                .await?;
                let disputes = sqlx::query(&format!(
                    "SELECT {DISPUTE_COLUMNS} FROM disputes WHERE payment_intent_id = $1 ORDER BY id"
                ))
                .bind(pi)
                .fetch_all(&mut *tx)
                .await?;
                cancel_safe::commit(tx).await?;
                Ok((
                    refunds.iter().map(refund_row).collect::<Result<_, _>>()?,
                    charges.iter().map(charge_row).collect::<Result<_, _>>()?,
                    disputes.iter().map(dispute_row).collect::<Result<_, _>>()?,
                ))
            }

            async fn begin_ledger(&self) -> StoreResult<Box<dyn LedgerTx>> {
                let mut tx = self.begin_write().await?;
                if let Some(lock) = Self::LEDGER_LOCK {
                    sqlx::query(lock).execute(&mut *tx).await?;
                }
                Ok(Box::new($tx { tx }))
            }
        }

        pub struct $tx {
            tx: sqlx::Transaction<'static, $db>,
        }

        #[async_trait]
        impl LedgerTx for $tx {
            async fn commit(self: Box<Self>) -> StoreResult<()> {
                cancel_safe::commit(self.tx).await?;
                Ok(())
            }

            async fn insert_event(&mut self, e: &WebhookEvent) -> StoreResult<bool> {
                let done = sqlx::query(&format!(
                    "INSERT INTO webhook_events ({EVENT_COLUMNS}) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING"
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
                Ok(done.rows_affected() == 1)
            }

            async fn event(&mut self, id: &str) -> StoreResult<Option<WebhookEvent>> {
                let row =
                    sqlx::query(&format!("SELECT {EVENT_COLUMNS} FROM webhook_events WHERE id = $1"))
                        .bind(id)
                        .fetch_optional(&mut *self.tx)
                        .await?;
                Ok(row.as_ref().map(event_row).transpose()?)
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

            async fn campaign(&mut self, id: i64) -> StoreResult<Option<Campaign>> {
                let row = sqlx::query(&SELECT_CAMPAIGN_BY_ID)
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                Ok(row.as_ref().map(campaign_row).transpose()?)
            }

            async fn donation(&mut self, id: &str) -> StoreResult<Option<Donation>> {
                let row = sqlx::query(&SELECT_DONATION)
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                Ok(row.as_ref().map(donation_row).transpose()?)
            }

            async fn donation_by_session(&mut self, session_id: &str) -> StoreResult<Option<Donation>> {
                let row = sqlx::query(&SELECT_DONATION_BY_SESSION)
                    .bind(session_id)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                Ok(row.as_ref().map(donation_row).transpose()?)
            }

            async fn donation_by_subscription(&mut self, sub_id: &str) -> StoreResult<Option<Donation>> {
                let row = sqlx::query(&SELECT_DONATION_BY_SUB)
                    .bind(sub_id)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                Ok(row.as_ref().map(donation_row).transpose()?)
            }

            async fn insert_donation(&mut self, donation: &Donation) -> StoreResult<()> {
                bind_donation(sqlx::query(&INSERT_DONATION), donation)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn save_donation(&mut self, d: &Donation) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE donations SET status = $2, failure_reason = $3, \
                     checkout_session_id = $4, subscription_id = $5, customer_id = $6, \
                     plan_status = $7, plan_status_at = $8, plan_status_rank = $9, cancel_at = $10, \
                     canceled_at = $11, counted_raised_minor = $12, counted_gifts = $13, \
                     counted_donor = $14, counted_recurring = $15, refunded_minor = $16, \
                     disputed_minor = $17, fee_actual_minor = $18, voided_at = $19, updated_at = $20, \
                     counted_recurring_gift_minor = $21, plan_amount_minor = $22, plan_amount_at = $23 \
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
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn payment(&mut self, id: &str) -> StoreResult<Option<Payment>> {
                let row = sqlx::query(&format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                Ok(row.as_ref().map(payment_row).transpose()?)
            }

            async fn save_payment(&mut self, p: &Payment) -> StoreResult<()> {
                sqlx::query(&UPSERT_PAYMENT)
                    .bind(&p.id)
                    .bind(&p.donation_id)
                    .bind(&p.subscription_id)
                    .bind(&p.payment_intent_id)
                    .bind(&p.kind)
                    .bind(&p.status)
                    .bind(p.status_rank)
                    .bind(p.amount_minor)
                    .bind(&p.currency)
                    .bind(&p.failure_reason)
                    .bind(p.attempt_count)
                    .bind(p.fee_actual_minor)
                    .bind(p.paid_at)
                    .bind(p.created_at)
                    .bind(p.updated_at)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn payments_of(&mut self, donation_id: &str) -> StoreResult<Vec<Payment>> {
                let rows = sqlx::query(&format!(
                    "SELECT {PAYMENT_COLUMNS} FROM payments WHERE donation_id = $1 ORDER BY id"
                ))
                .bind(donation_id)
                .fetch_all(&mut *self.tx)
                .await?;
                Ok(rows.iter().map(payment_row).collect::<Result<_, _>>()?)
            }

            async fn payments_by_intent(&mut self, pi: &str) -> StoreResult<Vec<Payment>> {
                let rows = sqlx::query(&format!(
                    "SELECT {PAYMENT_COLUMNS} FROM payments WHERE payment_intent_id = $1 ORDER BY id"
                ))
                .bind(pi)
                .fetch_all(&mut *self.tx)
                .await?;
                Ok(rows.iter().map(payment_row).collect::<Result<_, _>>()?)
            }

            async fn adopt_subscription_payments(
                &mut self,
                sub_id: &str,
                donation_id: &str,
            ) -> StoreResult<u64> {
                let done = sqlx::query(
                    "UPDATE payments SET donation_id = $2 WHERE subscription_id = $1 \
                     AND donation_id IS NULL",
                )
                .bind(sub_id)
                .bind(donation_id)
                .execute(&mut *self.tx)
                .await?;
                Ok(done.rows_affected())
            }

            async fn charge(&mut self, id: &str) -> StoreResult<Option<ChargeRecord>> {
                let row = sqlx::query(&format!("SELECT {CHARGE_COLUMNS} FROM charges WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                Ok(row.as_ref().map(charge_row).transpose()?)
            }

            async fn save_charge(&mut self, c: &ChargeRecord) -> StoreResult<()> {
                sqlx::query(&UPSERT_CHARGE)
                    .bind(&c.id)
                    .bind(&c.payment_intent_id)
                    .bind(c.amount_minor)
                    .bind(c.amount_refunded_minor)
                    .bind(&c.currency)
                    .bind(c.fee_actual_minor)
                    .bind(c.updated_at)
                    .bind(c.refunded_at)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn charges_by_intent(&mut self, pi: &str) -> StoreResult<Vec<ChargeRecord>> {
                let rows = sqlx::query(&format!(
                    "SELECT {CHARGE_COLUMNS} FROM charges WHERE payment_intent_id = $1 ORDER BY id"
                ))
                .bind(pi)
                .fetch_all(&mut *self.tx)
                .await?;
                Ok(rows.iter().map(charge_row).collect::<Result<_, _>>()?)
            }

            async fn backfill_intent(&mut self, charge_id: &str, pi: &str) -> StoreResult<()> {
                for table in ["refunds", "disputes"] {
                    sqlx::query(&format!(
                        "UPDATE {table} SET payment_intent_id = $2 WHERE charge_id = $1 \
                         AND payment_intent_id IS NULL"
                    ))
                    .bind(charge_id)
                    .bind(pi)
                    .execute(&mut *self.tx)
                    .await?;
                }
                Ok(())
            }

            async fn refund(&mut self, id: &str) -> StoreResult<Option<Refund>> {
                let row = sqlx::query(&format!("SELECT {REFUND_COLUMNS} FROM refunds WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                Ok(row.as_ref().map(refund_row).transpose()?)
            }

            async fn save_refund(&mut self, r: &Refund) -> StoreResult<()> {
                sqlx::query(&UPSERT_REFUND)
                    .bind(&r.id)
                    .bind(&r.charge_id)
                    .bind(&r.payment_intent_id)
                    .bind(r.amount_minor)
                    .bind(&r.currency)
                    .bind(&r.status)
                    .bind(r.status_rank)
                    .bind(r.created_at)
                    .bind(r.updated_at)
                    .bind(r.status_at)
                    .bind(r.refund_created)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn refunds_by_intent(&mut self, pi: &str) -> StoreResult<Vec<Refund>> {
                let rows = sqlx::query(&format!(
                    "SELECT {REFUND_COLUMNS} FROM refunds WHERE payment_intent_id = $1 ORDER BY id"
                ))
                .bind(pi)
                .fetch_all(&mut *self.tx)
                .await?;
                Ok(rows.iter().map(refund_row).collect::<Result<_, _>>()?)
            }

            async fn dispute(&mut self, id: &str) -> StoreResult<Option<Dispute>> {
                let row = sqlx::query(&format!("SELECT {DISPUTE_COLUMNS} FROM disputes WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                Ok(row.as_ref().map(dispute_row).transpose()?)
            }

            async fn save_dispute(&mut self, d: &Dispute) -> StoreResult<()> {
                sqlx::query(&UPSERT_DISPUTE)
                    .bind(&d.id)
                    .bind(&d.charge_id)
                    .bind(&d.payment_intent_id)
                    .bind(d.amount_minor)
                    .bind(&d.currency)
                    .bind(&d.status)
                    .bind(d.withdrawn)
                    .bind(d.reinstated)
                    .bind(d.created_at)
                    .bind(d.updated_at)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn disputes_by_intent(&mut self, pi: &str) -> StoreResult<Vec<Dispute>> {
                let rows = sqlx::query(&format!(
                    "SELECT {DISPUTE_COLUMNS} FROM disputes WHERE payment_intent_id = $1 ORDER BY id"
                ))
                .bind(pi)
                .fetch_all(&mut *self.tx)
                .await?;
                Ok(rows.iter().map(dispute_row).collect::<Result<_, _>>()?)
            }

            async fn add_progress(&mut self, campaign_id: i64, d: &Progress) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE campaign_progress SET raised_minor = raised_minor + $2, \
                     gifts = gifts + $3, donors = donors + $4, \
                     recurring_active = recurring_active + $5, \
                     recurring_monthly_gift_minor = recurring_monthly_gift_minor + $6, \
                     recurring_annual_gift_minor = recurring_annual_gift_minor + $7, \
                     updated_at = $8 WHERE campaign_id = $1",
                )
                .bind(campaign_id)
                .bind(d.raised_minor)
                .bind(d.gifts)
                .bind(d.donors)
                .bind(d.recurring_active)
                .bind(d.recurring_monthly_gift_minor)
                .bind(d.recurring_annual_gift_minor)
                .bind(now())
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn add_donor_count(
                &mut self,
                campaign_id: i64,
                donor_key: &str,
                delta: i64,
            ) -> StoreResult<(i64, i64)> {
                let row = sqlx::query(
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
                let after: i64 = row.try_get("counted_donations")?;
                Ok((after - delta, after))
            }

            async fn enqueue(&mut self, m: &NewMessage, at: i64) -> StoreResult<bool> {
                let done = bind_message(sqlx::query(INSERT_MESSAGE), m, at)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn message_keys_of(&mut self, donation_id: &str) -> StoreResult<Vec<String>> {
                let rows = sqlx::query("SELECT message_key FROM outbox WHERE donation_id = $1")
                    .bind(donation_id)
                    .fetch_all(&mut *self.tx)
                    .await?;
                Ok(rows
                    .iter()
                    .map(|r| r.try_get("message_key"))
                    .collect::<Result<_, _>>()?)
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
    };
}

pub(super) use impl_sql_store;
