//! [`StaffStore`]: staff members, their tokens (by the hash of the token only), one-time
//! sign-in links (by the hash of their secret only) and dashboard sessions.

use super::outbox::{INSERT_MESSAGE, bind_message};
use super::rows::{MEMBER_COLUMNS, TOKEN_COLUMNS};
use super::{Backend, SqlStore, unique_violation};
use crate::store::traits::{NewMemberSession, NewSigninLink, NewStaffMember, StaffStore};
use crate::store::{
    LinkPurpose, NewMessage, SigninLink, StaffMember, StaffSession, StaffToken, StoreError,
    StoreResult, cancel_safe, now,
};

/// A session with who it belongs to: a person (signed in by link, or through their token) or a
/// legacy token of no person, which acts as an admin.
const SESSION_SQL: &str = "SELECT s.token_id, COALESCE(s.member_id, t.member_id) AS member_id, \
     COALESCE(m.name, tm.name, t.name) AS staff_name, \
     COALESCE(m.role, tm.role, 'admin') AS role, s.csrf_token, s.expires_at, \
     COALESCE(m.organization, tm.organization, t.organization) AS organization \
     FROM staff_sessions s \
     LEFT JOIN staff_tokens t ON t.id = s.token_id \
     LEFT JOIN staff_members tm ON tm.id = t.member_id \
     LEFT JOIN staff_members m ON m.id = s.member_id \
     WHERE s.id_hash = $1 AND s.expires_at > $2 \
     AND (s.token_id IS NULL OR t.revoked_at IS NULL) \
     AND (t.member_id IS NULL OR tm.revoked_at IS NULL) \
     AND (s.member_id IS NULL OR m.revoked_at IS NULL)";

type LinkRow = (String, String, i64, i64, Option<i64>, i64);

fn link_of(row: LinkRow, member: StaffMember) -> StoreResult<SigninLink> {
    let (id, purpose, created_at, expires_at, used_at, _) = row;
    Ok(SigninLink {
        id,
        purpose: purpose
            .parse::<LinkPurpose>()
            .map_err(|e| StoreError::Database(sqlx::Error::Decode(e.into())))?,
        created_at,
        expires_at,
        used_at,
        member,
    })
}

const LINK_COLUMNS: &str = "id, purpose, created_at, expires_at, used_at, member_id";

sql_impl! {
    impl StaffStore for SqlStore {
        async fn create_org_staff_token(
            &self,
            org: &str,
            name: &str,
            hash: &str,
        ) -> StoreResult<StaffToken> {
            sqlx::query_as(&format!(
                "INSERT INTO staff_tokens (name, token_hash, created_at, organization) \
                 VALUES ($1, $2, $3, $4) RETURNING {TOKEN_COLUMNS}"
            ))
            .bind(name)
            .bind(hash)
            .bind(now())
            .bind(org)
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
            Ok(sqlx::query_as(SESSION_SQL)
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

        async fn create_staff_member(
            &self,
            new: &NewStaffMember<'_>,
            at: i64,
        ) -> StoreResult<StaffMember> {
            // A revoked person is reinstated; an active one is a conflict (no row returned).
            let row: Option<StaffMember> = sqlx::query_as(&format!(
                "INSERT INTO staff_members (email, email_norm, name, role, created_at, invited_by, \
                 organization) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (email_norm) DO UPDATE SET email = excluded.email, \
                 name = excluded.name, role = excluded.role, invited_by = excluded.invited_by, \
                 organization = excluded.organization, \
                 revoked_at = NULL WHERE staff_members.revoked_at IS NOT NULL \
                 RETURNING {MEMBER_COLUMNS}"
            ))
            .bind(new.email)
            .bind(new.email_norm)
            .bind(new.name)
            .bind(new.role.as_str())
            .bind(at)
            .bind(new.invited_by)
            .bind(new.organization)
            .fetch_optional(&self.write)
            .await?;
            row.ok_or_else(|| StoreError::Conflict(format!("a staff member {}", new.email_norm)))
        }

        async fn staff_member(&self, id: i64) -> StoreResult<Option<StaffMember>> {
            Ok(sqlx::query_as(&format!(
                "SELECT {MEMBER_COLUMNS} FROM staff_members WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(&self.read)
            .await?)
        }

        async fn staff_member_by_email(&self, email_norm: &str) -> StoreResult<Option<StaffMember>> {
            Ok(sqlx::query_as(&format!(
                "SELECT {MEMBER_COLUMNS} FROM staff_members WHERE email_norm = $1"
            ))
            .bind(email_norm)
            .fetch_optional(&self.read)
            .await?)
        }

        async fn staff_members(&self) -> StoreResult<Vec<StaffMember>> {
            Ok(sqlx::query_as(&format!(
                "SELECT {MEMBER_COLUMNS} FROM staff_members ORDER BY created_at, id"
            ))
            .fetch_all(&self.read)
            .await?)
        }

        async fn revoke_staff_member(&self, id: i64, at: i64) -> StoreResult<bool> {
            let mut tx = self.begin_write().await?;
            let done = sqlx::query(
                "UPDATE staff_members SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
            )
            .bind(id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            if DB::rows_affected(&done) == 0 {
                return Ok(false);
            }
            sqlx::query(
                "DELETE FROM staff_sessions WHERE member_id = $1 \
                 OR token_id IN (SELECT id FROM staff_tokens WHERE member_id = $1)",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE staff_tokens SET revoked_at = $2 WHERE member_id = $1 AND revoked_at IS NULL",
            )
            .bind(id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            // Burnt, so that reinstating the person later does not revive an old link.
            sqlx::query(
                "UPDATE staff_signin_links SET used_at = $2 WHERE member_id = $1 AND used_at IS NULL",
            )
            .bind(id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            cancel_safe::commit(tx).await?;
            Ok(true)
        }

        async fn create_member_token(
            &self,
            member_id: i64,
            name: &str,
            hash: &str,
        ) -> StoreResult<StaffToken> {
            sqlx::query_as(&format!(
                "INSERT INTO staff_tokens (name, token_hash, created_at, member_id, organization) \
                 VALUES ($1, $2, $3, $4, (SELECT organization FROM staff_members WHERE id = $4)) \
                 RETURNING {TOKEN_COLUMNS}"
            ))
            .bind(name)
            .bind(hash)
            .bind(now())
            .bind(member_id)
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

        async fn create_signin_link(
            &self,
            link: &NewSigninLink<'_>,
            message: &NewMessage,
            at: i64,
        ) -> StoreResult<()> {
            let mut tx = self.begin_write().await?;
            // Links a day past their expiry are of no use to anyone (not even to explain).
            sqlx::query("DELETE FROM staff_signin_links WHERE expires_at <= $1")
                .bind(at - 86_400)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO staff_signin_links \
                 (id, token_hash, member_id, purpose, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(link.id)
            .bind(link.token_hash)
            .bind(link.member_id)
            .bind(link.purpose.as_str())
            .bind(at)
            .bind(link.expires_at)
            .execute(&mut *tx)
            .await?;
            bind_message(sqlx::query(INSERT_MESSAGE), message, at)
                .execute(&mut *tx)
                .await?;
            cancel_safe::commit(tx).await?;
            Ok(())
        }

        async fn signin_link(&self, id: &str) -> StoreResult<Option<SigninLink>> {
            let row: Option<LinkRow> = sqlx::query_as(&format!(
                "SELECT {LINK_COLUMNS} FROM staff_signin_links WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
            self.link_with_member(row).await
        }

        async fn signin_link_by_hash(&self, hash: &str) -> StoreResult<Option<SigninLink>> {
            let row: Option<LinkRow> = sqlx::query_as(&format!(
                "SELECT {LINK_COLUMNS} FROM staff_signin_links WHERE token_hash = $1"
            ))
            .bind(hash)
            .fetch_optional(&self.read)
            .await?;
            self.link_with_member(row).await
        }

        async fn redeem_signin_link(
            &self,
            hash: &str,
            at: i64,
            session: &NewMemberSession<'_>,
        ) -> StoreResult<Option<StaffMember>> {
            let mut tx = self.begin_write().await?;
            let spent: Option<i64> = sqlx::query_scalar(
                "UPDATE staff_signin_links SET used_at = $2 \
                 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 \
                 AND member_id IN (SELECT id FROM staff_members WHERE revoked_at IS NULL) \
                 RETURNING member_id",
            )
            .bind(hash)
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(member_id) = spent else {
                return Ok(None);
            };
            sqlx::query("DELETE FROM staff_sessions WHERE expires_at <= $1")
                .bind(at)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO staff_sessions (id_hash, member_id, csrf_token, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(session.id_hash)
            .bind(member_id)
            .bind(session.csrf_token)
            .bind(at)
            .bind(session.expires_at)
            .execute(&mut *tx)
            .await?;
            let member: StaffMember = sqlx::query_as(&format!(
                "SELECT {MEMBER_COLUMNS} FROM staff_members WHERE id = $1"
            ))
            .bind(member_id)
            .fetch_one(&mut *tx)
            .await?;
            cancel_safe::commit(tx).await?;
            Ok(Some(member))
        }

        async fn signin_links_since(&self, member_id: i64, since: i64) -> StoreResult<i64> {
            Ok(sqlx::query_scalar(
                "SELECT COUNT(*) FROM staff_signin_links WHERE member_id = $1 AND created_at >= $2",
            )
            .bind(member_id)
            .bind(since)
            .fetch_one(&self.read)
            .await?)
        }
    }
}

impl<DB: Backend> SqlStore<DB>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Decode<'q, DB> + sqlx::Type<DB>,
    for<'q> bool: sqlx::Decode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Decode<'q, DB> + sqlx::Type<DB>,
    for<'a> &'a str: sqlx::ColumnIndex<DB::Row>,
{
    /// A link row with its person (read separately: both have an `id` and a `created_at`).
    async fn link_with_member(&self, row: Option<LinkRow>) -> StoreResult<Option<SigninLink>> {
        let Some(row) = row else { return Ok(None) };
        let member: Option<StaffMember> = sqlx::query_as(&format!(
            "SELECT {MEMBER_COLUMNS} FROM staff_members WHERE id = $1"
        ))
        .bind(row.5)
        .fetch_optional(&self.read)
        .await?;
        match member {
            Some(m) => link_of(row, m).map(Some),
            None => Ok(None),
        }
    }
}
