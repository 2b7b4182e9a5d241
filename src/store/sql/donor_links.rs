//! [`DonorLinkStore`]: a donor's recurring gifts by address, and the "manage my gift" requests
//! that sent them fresh links.

use super::SqlStore;
use super::outbox::{INSERT_MESSAGE, bind_message};
use super::rows::DONATION_COLUMNS;
use crate::store::traits::DonorLinkStore;
use crate::store::{Donation, NewMessage, StoreResult, cancel_safe};

sql_impl! {
    impl DonorLinkStore for SqlStore {
        async fn recurring_gifts_of(&self, donor_key: &str) -> StoreResult<Vec<Donation>> {
            Ok(sqlx::query_as(&format!(
                "SELECT {DONATION_COLUMNS} FROM donations WHERE donor_key = $1 \
                 AND frequency IN ('monthly', 'annual') AND subscription_id IS NOT NULL \
                 ORDER BY created_at, id"
            ))
            .bind(donor_key)
            .fetch_all(&self.read)
            .await?)
        }

        async fn create_manage_link_request(
            &self,
            id: &str,
            donor_key: &str,
            message: &NewMessage,
            at: i64,
        ) -> StoreResult<()> {
            let mut tx = self.begin_write().await?;
            sqlx::query(
                "INSERT INTO manage_link_requests (id, donor_key, created_at) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(donor_key)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            bind_message(sqlx::query(INSERT_MESSAGE), message, at)
                .execute(&mut *tx)
                .await?;
            cancel_safe::commit(tx).await?;
            Ok(())
        }

        async fn manage_link_request(&self, id: &str) -> StoreResult<Option<String>> {
            Ok(
                sqlx::query_scalar("SELECT donor_key FROM manage_link_requests WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?,
            )
        }

        async fn manage_link_requests_since(
            &self,
            donor_key: &str,
            since: i64,
        ) -> StoreResult<i64> {
            Ok(sqlx::query_scalar(
                "SELECT COUNT(*) FROM manage_link_requests WHERE donor_key = $1 AND created_at >= $2",
            )
            .bind(donor_key)
            .bind(since)
            .fetch_one(&self.read)
            .await?)
        }
    }
}
