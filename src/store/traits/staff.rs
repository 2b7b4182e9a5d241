//! [`StaffStore`]: staff members, their API tokens (kept only as hashes), one-time sign-in
//! links and the dashboard sessions that ride on a token or a person; each of one organization.

use async_trait::async_trait;

use crate::store::{
    LinkPurpose, NewMessage, SigninLink, StaffMember, StaffRole, StaffSession, StaffToken,
    StoreResult,
};

/// Staff API tokens (kept only as hashes) and the dashboard sessions that ride on them.
#[async_trait]
pub trait StaffStore: Send + Sync {
    /// A token of no one, acting as an admin of the default organization.
    async fn create_staff_token(&self, name: &str, token_hash: &str) -> StoreResult<StaffToken> {
        self.create_org_staff_token(crate::domain::organization::DEFAULT_ORG, name, token_hash)
            .await
    }
    /// A token of no one, acting as an admin of organization `org`.
    async fn create_org_staff_token(
        &self,
        org: &str,
        name: &str,
        token_hash: &str,
    ) -> StoreResult<StaffToken>;
    async fn revoke_staff_token(&self, name: &str) -> StoreResult<bool>;
    async fn staff_token_by_hash(&self, token_hash: &str) -> StoreResult<Option<StaffToken>>;
    /// Records a dashboard session (its id only as a hash).
    async fn create_staff_session(
        &self,
        id_hash: &str,
        token_id: i64,
        csrf_token: &str,
        expires_at: i64,
    ) -> StoreResult<()>;
    /// The session with this id hash, if it has not expired at `at` and its token is not revoked.
    async fn staff_session(&self, id_hash: &str, at: i64) -> StoreResult<Option<StaffSession>>;
    async fn delete_staff_session(&self, id_hash: &str) -> StoreResult<()>;

    // ---- staff accounts (`services::staff_accounts`) ----

    /// Adds a person; a revoked person with this address is reinstated with the new name and
    /// role. `Conflict` when an active person has the address.
    async fn create_staff_member(
        &self,
        new: &NewStaffMember<'_>,
        at: i64,
    ) -> StoreResult<StaffMember>;
    async fn staff_member(&self, id: i64) -> StoreResult<Option<StaffMember>>;
    async fn staff_member_by_email(&self, email_norm: &str) -> StoreResult<Option<StaffMember>>;
    /// Everyone, revoked people too, oldest first.
    async fn staff_members(&self) -> StoreResult<Vec<StaffMember>>;
    /// Revokes a person, their API tokens, their sessions and their unused links, in one
    /// transaction; false when they were not active.
    async fn revoke_staff_member(&self, id: i64, at: i64) -> StoreResult<bool>;
    /// An API token belonging to a person.
    async fn create_member_token(
        &self,
        member_id: i64,
        name: &str,
        token_hash: &str,
    ) -> StoreResult<StaffToken>;
    /// Records a sign-in link and queues the email that carries it, in one transaction.
    async fn create_signin_link(
        &self,
        link: &NewSigninLink<'_>,
        message: &NewMessage,
        at: i64,
    ) -> StoreResult<()>;
    /// The link with this id (its email is rendered from it).
    async fn signin_link(&self, id: &str) -> StoreResult<Option<SigninLink>>;
    /// The link with this secret hash, used or not.
    async fn signin_link_by_hash(&self, token_hash: &str) -> StoreResult<Option<SigninLink>>;
    /// Spends the link with this hash if it is usable at `at` (unused, unexpired, its person
    /// active) and opens a session for its person, in one transaction; the person, or `None`
    /// when the link was not usable (nothing is written then).
    async fn redeem_signin_link(
        &self,
        token_hash: &str,
        at: i64,
        session: &NewMemberSession<'_>,
    ) -> StoreResult<Option<StaffMember>>;
    /// Links made for a person since `since` (a per-person ceiling on emails).
    async fn signin_links_since(&self, member_id: i64, since: i64) -> StoreResult<i64>;
}

/// A person to add.
#[derive(Debug, Clone)]
pub struct NewStaffMember<'a> {
    pub email: &'a str,
    pub email_norm: &'a str,
    pub name: &'a str,
    pub role: StaffRole,
    pub invited_by: Option<i64>,
    /// The organization whose campaigns they will see.
    pub organization: &'a str,
}

/// A sign-in link to record: its id, the hash of its secret, whose it is and until when.
#[derive(Debug, Clone)]
pub struct NewSigninLink<'a> {
    pub id: &'a str,
    pub token_hash: &'a str,
    pub member_id: i64,
    pub purpose: LinkPurpose,
    pub expires_at: i64,
}

/// The session a redeemed link opens (its id only as a hash).
#[derive(Debug, Clone)]
pub struct NewMemberSession<'a> {
    pub id_hash: &'a str,
    pub csrf_token: &'a str,
    pub expires_at: i64,
}
