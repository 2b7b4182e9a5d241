//! Members: [`MembershipStore`] (the staff list and export) and, in a ledger transaction,
//! [`MembershipTx`] (a donor's dues-paying gifts, and their one row, keyed by donor key).

use std::sync::LazyLock;

use super::ledger_tx::ObjectLocks;
use super::payments::{MoneyBackRead, SELECT_PAYMENTS_OF};
use super::rows::{DONATION_COLUMNS, MEMBERSHIP_COLUMNS};
use super::{SqlLedgerTx, SqlStore, placeholders};
use crate::domain::object_key::ObjectKey;
use crate::store::traits::{MembershipStore, MembershipTx};
use crate::store::{Donation, Membership, MembershipFilter, MoneyBack, Payment, StoreResult};

static SELECT_MEMBERSHIP: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {MEMBERSHIP_COLUMNS} FROM memberships WHERE donor_key = $1"));

/// An upsert of a whole row by its donor key.
static SAVE_MEMBERSHIP: LazyLock<String> = LazyLock::new(|| {
    let updates = MEMBERSHIP_COLUMNS
        .split(',')
        .map(str::trim)
        .filter(|c| *c != "donor_key")
        .map(|c| format!("{c} = excluded.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "INSERT INTO memberships ({MEMBERSHIP_COLUMNS}) VALUES ({}) \
         ON CONFLICT (donor_key) DO UPDATE SET {updates}",
        placeholders(MEMBERSHIP_COLUMNS.split(',').count())
    )
});

sql_impl! {
    impl MembershipStore for SqlStore {
        async fn memberships(
            &self,
            filter: &MembershipFilter,
            after: Option<&str>,
            limit: i64,
        ) -> StoreResult<Vec<Membership>> {
            // $1 the cursor ('' is before every key), $2 the limit, $3 the time when needed.
            let status = match filter.active {
                None => "",
                Some(true) => "AND paid_through >= $3",
                Some(false) => "AND paid_through < $3",
            };
            let org = match (&filter.organization, filter.active.is_some()) {
                (None, _) => String::new(),
                (Some(_), with_time) => format!(
                    "AND EXISTS (SELECT 1 FROM donations d JOIN campaigns c \
                     ON c.id = d.campaign_id WHERE d.donor_key = memberships.donor_key \
                     AND d.dues_minimum_minor IS NOT NULL AND c.organization = ${})",
                    if with_time { 4 } else { 3 }
                ),
            };
            let sql = format!(
                "SELECT {MEMBERSHIP_COLUMNS} FROM memberships WHERE donor_key > $1 {status} \
                 {org} ORDER BY donor_key LIMIT $2"
            );
            let mut q = sqlx::query_as(&sql).bind(after.unwrap_or("")).bind(limit);
            if filter.active.is_some() {
                q = q.bind(filter.at);
            }
            if let Some(o) = &filter.organization {
                q = q.bind(o);
            }
            Ok(q.fetch_all(&self.read).await?)
        }

        async fn membership_of(&self, donor_key: &str) -> StoreResult<Option<Membership>> {
            Ok(sqlx::query_as(&SELECT_MEMBERSHIP)
                .bind(donor_key)
                .fetch_optional(&self.read)
                .await?)
        }
    }
}

sql_impl! {
    impl MembershipTx for SqlLedgerTx {
        async fn dues_donations_of(&mut self, donor_key: &str) -> StoreResult<Vec<Donation>> {
            self.hold(&[ObjectKey::Member(donor_key.to_string())]).await?;
            Ok(sqlx::query_as(&format!(
                "SELECT {DONATION_COLUMNS} FROM donations WHERE donor_key = $1 \
                 AND dues_minimum_minor IS NOT NULL ORDER BY created_at, id"
            ))
            .bind(donor_key)
            .fetch_all(&mut *self.tx)
            .await?)
        }

        async fn dues_payments_of(
            &mut self,
            donation_id: &str,
        ) -> StoreResult<(Vec<Payment>, MoneyBack)> {
            // Unlocked: read under the member's lock, which every transaction that changes
            // these records takes before it derives the membership again.
            let payments = sqlx::query_as(&SELECT_PAYMENTS_OF)
                .bind(donation_id)
                .fetch_all(&mut *self.tx)
                .await?;
            let back = self.money_back_unlocked(donation_id).await?;
            Ok((payments, back))
        }

        async fn membership(&mut self, donor_key: &str) -> StoreResult<Option<Membership>> {
            self.hold(&[ObjectKey::Member(donor_key.to_string())]).await?;
            Ok(sqlx::query_as(&SELECT_MEMBERSHIP)
                .bind(donor_key)
                .fetch_optional(&mut *self.tx)
                .await?)
        }

        async fn save_membership(&mut self, m: &Membership) -> StoreResult<()> {
            self.hold(&[ObjectKey::Member(m.donor_key.clone())]).await?;
            sqlx::query(&SAVE_MEMBERSHIP)
                .bind(&m.donor_key)
                .bind(&m.email)
                .bind(&m.name)
                .bind(m.since)
                .bind(m.paid_through)
                .bind(m.last_paid_at)
                .bind(m.payments)
                .bind(m.frequency.as_str())
                .bind(m.updated_at)
                .execute(&mut *self.tx)
                .await?;
            Ok(())
        }

        async fn delete_membership(&mut self, donor_key: &str) -> StoreResult<()> {
            self.hold(&[ObjectKey::Member(donor_key.to_string())]).await?;
            sqlx::query("DELETE FROM memberships WHERE donor_key = $1")
                .bind(donor_key)
                .execute(&mut *self.tx)
                .await?;
            Ok(())
        }
    }
}
