//! Persistence: the records the service keeps, and none of the rules that make them. What a
//! Stripe event means and what counts toward a goal are decided above it (`services::ledger`,
//! `domain`), inside a [`LedgerTx`]: one transaction per event, with ledger writes serialized so
//! that the order of concurrent events cannot matter. The store reads and writes rows and keeps
//! its own promises: transactions begun and committed whole (`cancel_safe`), pooled connections
//! never handed out inside a transaction, outbox claims that do not overlap.
//!
//! [`Store`] is split by concern (`traits.rs`), each sub-trait with its SQL in `sql/<concern>.rs`:
//! - [`CampaignStore`]: campaigns, their settings and their progress;
//! - [`StaffStore`]: staff tokens and dashboard sessions;
//! - [`DonationStore`]: a donation through checkout (with its idempotency key), and its payments;
//! - [`ReportStore`]: the staff list, the donor wall, summaries and statements;
//! - [`OutboxStore`]: the email outbox and its leases;
//! - [`LedgerStore`]: beginning a ledger transaction; webhook events and flags read back;
//! - [`AllowanceStore`]: rate allowances shared by every server on the database;
//! - [`FollowUpStore`]: what is still to be asked of Stripe after a webhook, and its backoff;
//! - [`FundraiserStore`]: supporters' pages, their figures and their owners' emails;
//! - [`MembershipStore`]: members (donors paying dues), as staff list and export them;
//! - and [`Store`] itself: health, the heartbeat, server secrets.
//!
//! [`LedgerTx`] is split likewise: [`EventTx`] (events, flags, emails queued), [`DonationTx`]
//! (donations and campaign figures), [`PaymentTx`] (payments and charges), [`MoneyBackTx`]
//! (refunds and disputes), [`FollowUpTx`] (flags a follow-up settles), [`FundraiserTx`]
//! (supporters' pages' figures) and [`MembershipTx`] (members, by donor key). Methods of the
//! sub-traits are callable on `dyn Store` and `dyn LedgerTx` as they are; [`prelude`] names them
//! all for code that needs them in scope.
//!
//! One implementation serves both backends (`sql::SqlStore`, generic over the driver; the SQL
//! uses `$N` placeholders, which both accept); `sqlite` and `postgres` keep what differs:
//! connections, pools, locks, migrations. [`connect`] chooses by the URL's scheme.

pub mod backup;
mod cancel_safe;
#[cfg(test)]
mod contract_tests;
mod postgres;
mod sql;
mod sqlite;
mod traits;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;
pub use traits::*;

/// Every trait of the store, for `use crate::store::prelude::*;`.
pub mod prelude {
    pub use super::traits::*;
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("already exists: {0}")]
    Conflict(String),
    #[error("not found")]
    NotFound,
    #[error("unsupported database URL (expected sqlite:// or postgres://)")]
    UnsupportedUrl,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// Whether the database gave up on a transaction because it stood in a cycle of waits with
    /// another (PostgreSQL's deadlock detected) or could not be serialized with it: the same
    /// work run again goes through.
    pub fn is_contention(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(d))
            if d.code().is_some_and(|c| matches!(c.as_ref(), "40P01" | "40001")))
    }

    /// Whether retrying the same work later may succeed (the database was unreachable or busy),
    /// as opposed to a bug or bad data. Webhooks answer 503 for these so that Stripe retries.
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Database(e) => {
                matches!(
                    e,
                    sqlx::Error::Io(_)
                        | sqlx::Error::PoolTimedOut
                        | sqlx::Error::PoolClosed
                        | sqlx::Error::WorkerCrashed
                        | sqlx::Error::Tls(_)
                        | sqlx::Error::Protocol(_)
                ) || matches!(e, sqlx::Error::Database(d) if d.code().is_some_and(|c| {
                    // SQLite busy/locked; PostgreSQL serialization, deadlock, admin shutdown, connection.
                    matches!(c.as_ref(), "5" | "6" | "40001" | "40P01" | "57P01" | "57P02" | "57P03")
                        || c.starts_with("08")
                }))
            }
            _ => false,
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

pub use crate::domain::campaign::{
    Campaign, CampaignFields, CampaignOptions, DEFAULT_MIN_GIFT_MINOR, Progress,
};
pub use crate::domain::donation::Donation;
pub use crate::domain::event_log::{Flag, WebhookEvent};
pub use crate::domain::fundraiser::{Fundraiser, PagePolicy, Review};
pub use crate::domain::membership::Membership;
pub use crate::domain::message::{NewMessage, OutboxMessage};
pub use crate::domain::payment::{ChargeRecord, Dispute, Payment, Refund};
pub use crate::domain::staff_access::{
    LinkPurpose, SigninLink, StaffMember, StaffRole, StaffSession, StaffToken,
};
pub use crate::domain::time::now;

/// Which donations the staff list selects; every `None` is "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DonationFilter {
    pub campaign_id: Option<i64>,
    pub status: Option<String>,
    pub frequency: Option<String>,
    /// `created_at >= from`
    pub from: Option<i64>,
    /// `created_at < to`
    pub to: Option<i64>,
    /// Given on this supporter's page (its id).
    pub fundraiser_id: Option<String>,
    /// Of this organization's campaigns only (staff see their own organization's).
    pub organization: Option<String>,
}

/// Which members the staff list selects: all, or those active (paid through `at` or later) or
/// lapsed at `at`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MembershipFilter {
    /// `Some(true)`: active only; `Some(false)`: lapsed only.
    pub active: Option<bool>,
    pub at: i64,
    /// Members who paid dues to this organization's campaigns only (staff see their own
    /// organization's members).
    pub organization: Option<String>,
}

/// A position in the staff list, which runs newest first by (created_at, id): the list goes on
/// with the rows strictly after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DonationCursor {
    pub created_at: i64,
    pub id: String,
}

/// A donation with its campaign's slug (and its supporter page's, if it was given on one), as
/// the staff list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedDonation {
    pub campaign_slug: String,
    pub fundraiser_slug: Option<String>,
    pub donation: Donation,
}

/// A supporter's page with its figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedFundraiser {
    pub fundraiser: Fundraiser,
    pub progress: Progress,
}

/// A flag with the slug of the campaign of its donation, when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedFlag {
    pub campaign_slug: Option<String>,
    pub flag: Flag,
}

/// A charge whose actual fee is still to be asked of Stripe, with the requests for it that
/// failed in a row so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeAwaitingFee {
    pub charge: ChargeRecord,
    pub attempts: i64,
}

/// A stored event that did not parse, with the re-fetches of its object that failed so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnparsedEvent {
    pub event: WebhookEvent,
    pub attempts: i64,
}

/// What a follow-up request to Stripe is for (`FollowUpStore`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchKind {
    /// A charge's balance transaction; the object id is the charge's.
    BalanceTransaction,
    /// The object of an event that did not parse; the object id is the event's.
    Event,
}

impl FetchKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FetchKind::BalanceTransaction => "balance_transaction",
            FetchKind::Event => "event",
        }
    }
}

/// Every record behind one campaign's figures, read in one snapshot so that they agree: its
/// aggregate, its donations, their payments, and the charges, refunds and disputes of those
/// payments' PaymentIntents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CampaignRecords {
    pub progress: Progress,
    pub donations: Vec<Donation>,
    pub payments: Vec<Payment>,
    pub charges: Vec<ChargeRecord>,
    pub refunds: Vec<Refund>,
    pub disputes: Vec<Dispute>,
}

/// What became of a checkout request's idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// The key is new: the donation was created with it.
    Claimed,
    /// The key was used before for this donation; `response_json` is set once it completed.
    Existing {
        request_hash: String,
        donation_id: String,
        response_json: Option<String>,
    },
}

/// Opens the store named by the URL's scheme and applies its migrations, with each backend's
/// default number of aggregate rows per campaign.
pub async fn connect(url: &str, max_connections: u32) -> StoreResult<std::sync::Arc<dyn Store>> {
    connect_with(url, max_connections, None).await
}

/// How many rows each campaign's aggregate is spread over when not configured: one on SQLite
/// (a single writer gains nothing by more), 16 on PostgreSQL (more than the concurrent writers
/// a few servers usually have, few enough that a read sums them at once).
pub fn default_progress_shards(url: &str) -> u32 {
    if url.starts_with("sqlite:") { 1 } else { 16 }
}

/// [`connect`], with `progress_shards` rows per campaign aggregate (`None`: the default).
pub async fn connect_with(
    url: &str,
    max_connections: u32,
    progress_shards: Option<u32>,
) -> StoreResult<std::sync::Arc<dyn Store>> {
    let shards = progress_shards.unwrap_or_else(|| default_progress_shards(url));
    if url.starts_with("sqlite:") {
        Ok(std::sync::Arc::new(
            SqliteStore::connect(url, max_connections, shards).await?,
        ))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(std::sync::Arc::new(
            PgStore::connect(url, max_connections, shards).await?,
        ))
    } else {
        Err(StoreError::UnsupportedUrl)
    }
}
