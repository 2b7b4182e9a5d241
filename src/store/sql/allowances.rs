//! [`AllowanceStore`]: rate allowances kept in the database, so that every server sharing it
//! counts against one allowance per key. Each key keeps one number, the theoretical arrival
//! time of its next request (GCRA, as `governor` keeps in memory): a request at `now` is allowed
//! when that time, pushed one interval on, is within the burst's tolerance of `now`. Taking one
//! is a single upsert, which the key's row lock makes exact under concurrency.

use super::SqlStore;
use crate::store::StoreResult;
use crate::store::traits::AllowanceStore;

/// The later of the kept arrival time and now (the same `CASE` on both backends, which spell
/// "greatest" differently).
const LATER: &str =
    "(CASE WHEN rate_allowances.tat_ms > $2 THEN rate_allowances.tat_ms ELSE $2 END)";

sql_impl! {
    impl AllowanceStore for SqlStore {
        async fn take_allowance(
            &self,
            key: &str,
            now_ms: i64,
            interval_ms: i64,
            burst: i64,
        ) -> StoreResult<Option<i64>> {
            let tolerance = interval_ms.saturating_mul(burst);
            let taken: Option<i64> = sqlx::query_scalar(&format!(
                "INSERT INTO rate_allowances (allowance_key, tat_ms) VALUES ($1, $2 + $3) \
                 ON CONFLICT (allowance_key) DO UPDATE SET tat_ms = {LATER} + $3 \
                 WHERE {LATER} + $3 - $4 <= $2 RETURNING tat_ms"
            ))
            .bind(key)
            .bind(now_ms)
            .bind(interval_ms)
            .bind(tolerance)
            .fetch_optional(&self.write)
            .await?;
            if taken.is_some() {
                return Ok(None);
            }
            let tat: Option<i64> =
                sqlx::query_scalar("SELECT tat_ms FROM rate_allowances WHERE allowance_key = $1")
                    .bind(key)
                    .fetch_optional(&self.write)
                    .await?;
            let tat = tat.unwrap_or(now_ms).max(now_ms);
            Ok(Some((tat + interval_ms - tolerance - now_ms).max(1)))
        }

        async fn sweep_allowances(&self, now_ms: i64) -> StoreResult<u64> {
            let done = sqlx::query("DELETE FROM rate_allowances WHERE tat_ms <= $1")
                .bind(now_ms)
                .execute(&self.write)
                .await?;
            Ok(DB::rows_affected(&done))
        }
    }
}
