//! In a ledger transaction, the money records: [`PaymentTx`] (payments and charges) and
//! [`MoneyBackTx`] (refunds and disputes). Each record is saved whole, as an upsert by its id,
//! under the locks of the objects it is keyed and linked by; `money_back_of`, what a donation's
//! recomputation reads, locks the donation and not the PaymentIntents (`ledger_tx`'s module doc
//! says why that is safe).

use std::sync::LazyLock;

use super::ledger_tx::ObjectLocks;
use super::rows::{CHARGE_COLUMNS, DISPUTE_COLUMNS, PAYMENT_COLUMNS, REFUND_COLUMNS};
use super::{SqlLedgerTx, upsert_sql};
use crate::domain::object_key::ObjectKey;
use crate::store::traits::{MoneyBackTx, PaymentTx};
use crate::store::{ChargeRecord, Dispute, MoneyBack, Payment, Refund, StoreResult};

/// `SELECT` of a record's columns from `table` by one column's value, ordered by id.
fn select_by(columns: &str, table: &str, column: &str) -> String {
    format!("SELECT {columns} FROM {table} WHERE {column} = $1 ORDER BY id")
}
pub(super) static SELECT_PAYMENTS_OF: LazyLock<String> =
    LazyLock::new(|| select_by(PAYMENT_COLUMNS, "payments", "donation_id"));
static PAYMENTS_BY_INTENT: LazyLock<String> =
    LazyLock::new(|| select_by(PAYMENT_COLUMNS, "payments", "payment_intent_id"));
pub(super) static REFUNDS_BY_INTENT: LazyLock<String> =
    LazyLock::new(|| select_by(REFUND_COLUMNS, "refunds", "payment_intent_id"));
pub(super) static CHARGES_BY_INTENT: LazyLock<String> =
    LazyLock::new(|| select_by(CHARGE_COLUMNS, "charges", "payment_intent_id"));
pub(super) static DISPUTES_BY_INTENT: LazyLock<String> =
    LazyLock::new(|| select_by(DISPUTE_COLUMNS, "disputes", "payment_intent_id"));
/// `SELECT` of a money-back record's columns from `table` for every PaymentIntent that paid one
/// of a donation's payments.
fn of_donation(columns: &str, table: &str) -> String {
    format!(
        "SELECT {columns} FROM {table} WHERE payment_intent_id IN \
         (SELECT payment_intent_id FROM payments WHERE donation_id = $1) ORDER BY id"
    )
}
static REFUNDS_OF_DONATION: LazyLock<String> =
    LazyLock::new(|| of_donation(REFUND_COLUMNS, "refunds"));
static CHARGES_OF_DONATION: LazyLock<String> =
    LazyLock::new(|| of_donation(CHARGE_COLUMNS, "charges"));
static DISPUTES_OF_DONATION: LazyLock<String> =
    LazyLock::new(|| of_donation(DISPUTE_COLUMNS, "disputes"));
static UPSERT_PAYMENT: LazyLock<String> = LazyLock::new(|| upsert_sql("payments", PAYMENT_COLUMNS));
static UPSERT_CHARGE: LazyLock<String> = LazyLock::new(|| upsert_sql("charges", CHARGE_COLUMNS));
static UPSERT_REFUND: LazyLock<String> = LazyLock::new(|| upsert_sql("refunds", REFUND_COLUMNS));
static UPSERT_DISPUTE: LazyLock<String> = LazyLock::new(|| upsert_sql("disputes", DISPUTE_COLUMNS));

sql_impl! {
    impl PaymentTx for SqlLedgerTx {
        async fn payment(&mut self, id: &str) -> StoreResult<Option<Payment>> {
            self.hold(&[ObjectKey::of_payment(id)]).await?;
            let found: Option<Payment> =
                sqlx::query_as(&format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await?;
            if let Some(p) = &found {
                self.saw(("payments", p.id.clone()), payment_links(p));
            }
            Ok(found)
        }

        async fn save_payment(&mut self, p: &Payment) -> StoreResult<()> {
            self.hold_for_write(("payments", p.id.clone()), ObjectKey::of_payment(&p.id), payment_links(p))
                .await?;
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
            self.hold(&[ObjectKey::Donation(donation_id.to_string())]).await?;
            Ok(sqlx::query_as(&SELECT_PAYMENTS_OF)
                .bind(donation_id)
                .fetch_all(&mut *self.tx)
                .await?)
        }

        async fn payments_by_intent(&mut self, pi: &str) -> StoreResult<Vec<Payment>> {
            self.hold(&[ObjectKey::PaymentIntent(pi.to_string())]).await?;
            Ok(sqlx::query_as(&PAYMENTS_BY_INTENT)
                .bind(pi)
                .fetch_all(&mut *self.tx)
                .await?)
        }

        async fn adopt_subscription_payments(
            &mut self,
            sub_id: &str,
            donation_id: &str,
        ) -> StoreResult<u64> {
            // An installment not adopted yet is found through its subscription (the ledger's
            // `donations_of_intent`), which this holds: its PaymentIntent need not be locked.
            self.hold(&[
                ObjectKey::Subscription(sub_id.to_string()),
                ObjectKey::Donation(donation_id.to_string()),
            ])
            .await?;
            let done = sqlx::query(
                "UPDATE payments SET donation_id = $2 WHERE subscription_id = $1 \
                 AND donation_id IS NULL",
            )
            .bind(sub_id)
            .bind(donation_id)
            .execute(&mut *self.tx)
            .await?;
            Ok(DB::rows_affected(&done))
        }

        async fn charge(&mut self, id: &str) -> StoreResult<Option<ChargeRecord>> {
            self.hold(&[ObjectKey::Charge(id.to_string())]).await?;
            let found: Option<ChargeRecord> =
                sqlx::query_as(&format!("SELECT {CHARGE_COLUMNS} FROM charges WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await?;
            if let Some(c) = &found {
                self.saw(("charges", c.id.clone()), intent_link(&c.payment_intent_id));
            }
            Ok(found)
        }

        async fn save_charge(&mut self, c: &ChargeRecord) -> StoreResult<()> {
            self.hold_for_write(("charges", c.id.clone()), ObjectKey::Charge(c.id.clone()), intent_link(&c.payment_intent_id))
                .await?;
            sqlx::query(&UPSERT_CHARGE)
                .bind(&c.id)
                .bind(&c.payment_intent_id)
                .bind(c.amount_minor)
                .bind(c.amount_refunded_minor)
                .bind(&c.currency)
                .bind(c.fee_actual_minor)
                .bind(c.updated_at)
                .bind(c.refunded_at)
                .bind(&c.balance_transaction_id)
                .bind(c.net_actual_minor)
                .bind(&c.settlement_currency)
                .execute(&mut *self.tx)
                .await?;
            Ok(())
        }


        async fn backfill_intent(&mut self, charge_id: &str, pi: &str) -> StoreResult<()> {
            self.hold(&[
                ObjectKey::Charge(charge_id.to_string()),
                ObjectKey::PaymentIntent(pi.to_string()),
            ])
            .await?;
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
    }
}

sql_impl! {
    impl MoneyBackTx for SqlLedgerTx {
        async fn refund(&mut self, id: &str) -> StoreResult<Option<Refund>> {
            self.hold(&[ObjectKey::Refund(id.to_string())]).await?;
            let found: Option<Refund> =
                sqlx::query_as(&format!("SELECT {REFUND_COLUMNS} FROM refunds WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await?;
            if let Some(r) = &found {
                let links = money_back_links(&r.charge_id, &r.payment_intent_id);
                self.saw(("refunds", r.id.clone()), links);
            }
            Ok(found)
        }

        async fn save_refund(&mut self, r: &Refund) -> StoreResult<()> {
            let links = money_back_links(&r.charge_id, &r.payment_intent_id);
            self.hold_for_write(("refunds", r.id.clone()), ObjectKey::Refund(r.id.clone()), links)
                .await?;
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


        async fn dispute(&mut self, id: &str) -> StoreResult<Option<Dispute>> {
            self.hold(&[ObjectKey::Dispute(id.to_string())]).await?;
            let found: Option<Dispute> =
                sqlx::query_as(&format!("SELECT {DISPUTE_COLUMNS} FROM disputes WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await?;
            if let Some(d) = &found {
                let links = money_back_links(&d.charge_id, &d.payment_intent_id);
                self.saw(("disputes", d.id.clone()), links);
            }
            Ok(found)
        }

        async fn money_back_of(&mut self, donation_id: &str) -> StoreResult<MoneyBack> {
            self.hold(&[ObjectKey::Donation(donation_id.to_string())]).await?;
            self.money_back_unlocked(donation_id).await
        }

        async fn save_dispute(&mut self, d: &Dispute) -> StoreResult<()> {
            let links = money_back_links(&d.charge_id, &d.payment_intent_id);
            self.hold_for_write(("disputes", d.id.clone()), ObjectKey::Dispute(d.id.clone()), links)
                .await?;
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

    }
}

/// The money-back records of a donation's payments, read without a lock: by
/// `MoneyBackTx::money_back_of` once it holds the donation, and by a membership's derivation
/// under the member's lock (`sql::memberships`).
#[async_trait::async_trait]
pub(super) trait MoneyBackRead {
    async fn money_back_unlocked(&mut self, donation_id: &str) -> StoreResult<MoneyBack>;
}

sql_impl! {
    impl MoneyBackRead for SqlLedgerTx {
        async fn money_back_unlocked(&mut self, donation_id: &str) -> StoreResult<MoneyBack> {
            Ok(MoneyBack {
                refunds: sqlx::query_as(&REFUNDS_OF_DONATION)
                    .bind(donation_id)
                    .fetch_all(&mut *self.tx)
                    .await?,
                charges: sqlx::query_as(&CHARGES_OF_DONATION)
                    .bind(donation_id)
                    .fetch_all(&mut *self.tx)
                    .await?,
                disputes: sqlx::query_as(&DISPUTES_OF_DONATION)
                    .bind(donation_id)
                    .fetch_all(&mut *self.tx)
                    .await?,
            })
        }
    }
}

/// What a payment record links to: its donation, subscription and PaymentIntent.
fn payment_links(p: &Payment) -> Vec<ObjectKey> {
    let mut links = Vec::new();
    links.extend(p.donation_id.clone().map(ObjectKey::Donation));
    links.extend(p.subscription_id.clone().map(ObjectKey::Subscription));
    links.extend(intent_link(&p.payment_intent_id));
    links
}

fn intent_link(pi: &Option<String>) -> Vec<ObjectKey> {
    pi.clone()
        .map(ObjectKey::PaymentIntent)
        .into_iter()
        .collect()
}

/// What a refund or dispute links to: its charge and PaymentIntent.
fn money_back_links(charge: &Option<String>, pi: &Option<String>) -> Vec<ObjectKey> {
    let mut links: Vec<ObjectKey> = charge.clone().map(ObjectKey::Charge).into_iter().collect();
    links.extend(intent_link(pi));
    links
}
