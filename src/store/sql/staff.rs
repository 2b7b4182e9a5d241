//! [`StaffStore`]: staff tokens (by the hash of the token only) and dashboard sessions.

use super::rows::TOKEN_COLUMNS;
use super::{SqlStore, unique_violation};
use crate::store::traits::StaffStore;
use crate::store::{StaffSession, StaffToken, StoreError, StoreResult, now};

sql_impl! {
    impl StaffStore for SqlStore {
        async fn create_staff_token(&self, name: &str, hash: &str) -> StoreResult<StaffToken> {
            sqlx::query_as(&format!(
                "INSERT INTO staff_tokens (name, token_hash, created_at) VALUES ($1, $2, $3) \
                 RETURNING {TOKEN_COLUMNS}"
            ))
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
            })
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
            Ok(DB::rows_affected(&done) > 0)
        }

        async fn staff_token_by_hash(&self, hash: &str) -> StoreResult<Option<StaffToken>> {
            Ok(sqlx::query_as(&format!(
                "SELECT {TOKEN_COLUMNS} FROM staff_tokens WHERE token_hash = $1"
            ))
            .bind(hash)
            .fetch_optional(&self.read)
            .await?)
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
            Ok(sqlx::query_as(
                "SELECT s.token_id, t.name AS staff_name, s.csrf_token, s.expires_at \
                 FROM staff_sessions s JOIN staff_tokens t ON t.id = s.token_id \
                 WHERE s.id_hash = $1 AND s.expires_at > $2 AND t.revoked_at IS NULL",
            )
            .bind(id_hash)
            .bind(at)
            .fetch_optional(&self.read)
            .await?)
        }

        async fn delete_staff_session(&self, id_hash: &str) -> StoreResult<()> {
            sqlx::query("DELETE FROM staff_sessions WHERE id_hash = $1")
                .bind(id_hash)
                .execute(&self.write)
                .await?;
            Ok(())
        }
    }
}
