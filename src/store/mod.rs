//! Persistence: one `Store` trait, one implementation per backend (`sqlite`, `postgres`), chosen by
//! the URL scheme. The SQL is written once (`sql.rs`) with `$N` placeholders, which both drivers
//! accept; each backend keeps its own migrations and connection rules.
//!
//! The store only keeps records. Business rules (what a Stripe event means, what counts toward a
//! goal) live above it, in `crate::ledger`, and run inside a [`LedgerTx`]: one transaction per
//! event, with ledger writes serialized so that the order of concurrent events cannot matter.

mod cancel_safe;
mod postgres;
mod sql;
mod sqlite;

use async_trait::async_trait;
use serde::Serialize;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

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

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Campaign {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub currency: String,
    pub goal_minor: i64,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub fee_percent: String,
    pub fee_fixed_minor: i64,
    pub status: String,
    pub success_url: Option<String>,
    pub cancel_url: Option<String>,
    /// The public donor wall leaves amounts out.
    pub hide_amounts: bool,
    /// The smallest gift accepted, in minor units.
    pub min_gift_minor: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

#[cfg(test)]
impl Campaign {
    /// A USD campaign with the standard 2.9% + 30¢ fee, for unit tests.
    pub(crate) fn sample(slug: &str, name: &str, goal_minor: i64) -> Campaign {
        Campaign {
            id: 1,
            slug: slug.into(),
            name: name.into(),
            description: String::new(),
            currency: "usd".into(),
            goal_minor,
            starts_at: None,
            ends_at: None,
            fee_percent: "2.9".into(),
            fee_fixed_minor: 30,
            status: "active".into(),
            success_url: None,
            cancel_url: None,
            hide_amounts: false,
            min_gift_minor: 100,
            created_at: 0,
            updated_at: 0,
        }
    }
}

/// Display settings of a campaign, apart from [`CampaignFields`] so that code building those
/// fields (the CLI, benches, tests) keeps compiling as settings are added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CampaignOptions {
    pub hide_amounts: bool,
    /// The smallest gift accepted, in minor units (card testers try tiny amounts).
    pub min_gift_minor: i64,
}

/// A campaign's smallest gift unless staff set one: 100 minor units ($1.00).
pub const DEFAULT_MIN_GIFT_MINOR: i64 = 100;

impl Default for CampaignOptions {
    fn default() -> Self {
        CampaignOptions {
            hide_amounts: false,
            min_gift_minor: DEFAULT_MIN_GIFT_MINOR,
        }
    }
}

/// The fields of a campaign that staff set; `id` and times are the store's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignFields {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub currency: String,
    pub goal_minor: i64,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub fee_percent: String,
    pub fee_fixed_minor: i64,
    pub status: String,
    pub success_url: Option<String>,
    pub cancel_url: Option<String>,
}

impl Campaign {
    pub fn fields(&self) -> CampaignFields {
        CampaignFields {
            slug: self.slug.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            currency: self.currency.clone(),
            goal_minor: self.goal_minor,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            fee_percent: self.fee_percent.clone(),
            fee_fixed_minor: self.fee_fixed_minor,
            status: self.status.clone(),
            success_url: self.success_url.clone(),
            cancel_url: self.cancel_url.clone(),
        }
    }

    pub fn options(&self) -> CampaignOptions {
        CampaignOptions {
            hide_amounts: self.hide_amounts,
            min_gift_minor: self.min_gift_minor,
        }
    }
}

/// The stored aggregate. Recurring value is kept as two sums so that the monthly figure
/// (monthly + annual / 12) is rounded once, at read time, not once per plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub raised_minor: i64,
    pub gifts: i64,
    pub donors: i64,
    pub recurring_active: i64,
    pub recurring_monthly_gift_minor: i64,
    pub recurring_annual_gift_minor: i64,
}

impl Progress {
    /// Adds `d`, saturating: no stored figure can make this overflow (amounts in are bounded,
    /// `domain::money::AmountBounds`; this only keeps a corrupt row from panicking a read).
    pub fn add(&mut self, d: &Progress) {
        self.raised_minor = self.raised_minor.saturating_add(d.raised_minor);
        self.gifts = self.gifts.saturating_add(d.gifts);
        self.donors = self.donors.saturating_add(d.donors);
        self.recurring_active = self.recurring_active.saturating_add(d.recurring_active);
        self.recurring_monthly_gift_minor = self
            .recurring_monthly_gift_minor
            .saturating_add(d.recurring_monthly_gift_minor);
        self.recurring_annual_gift_minor = self
            .recurring_annual_gift_minor
            .saturating_add(d.recurring_annual_gift_minor);
    }
    /// `self − other`, figure by figure (saturating).
    pub fn minus(&self, other: &Progress) -> Progress {
        Progress {
            raised_minor: self.raised_minor.saturating_sub(other.raised_minor),
            gifts: self.gifts.saturating_sub(other.gifts),
            donors: self.donors.saturating_sub(other.donors),
            recurring_active: self.recurring_active.saturating_sub(other.recurring_active),
            recurring_monthly_gift_minor: self
                .recurring_monthly_gift_minor
                .saturating_sub(other.recurring_monthly_gift_minor),
            recurring_annual_gift_minor: self
                .recurring_annual_gift_minor
                .saturating_sub(other.recurring_annual_gift_minor),
        }
    }
    pub fn is_zero(&self) -> bool {
        *self == Progress::default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffToken {
    pub id: i64,
    pub name: String,
    pub token_hash: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// A dashboard session: whose token it rides on and the CSRF token of its forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffSession {
    pub token_id: i64,
    pub staff_name: String,
    pub csrf_token: String,
    pub expires_at: i64,
}

/// A gift record: a Stripe checkout (one-time or recurring plan) or an offline gift.
/// The `counted_*` fields are what this donation currently contributes to its campaign's
/// aggregate, so that a recomputation can apply the exact difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Donation {
    pub id: String,
    pub campaign_id: i64,
    pub source: String,
    pub frequency: String,
    pub currency: String,
    pub gift_minor: i64,
    pub fee_minor: i64,
    pub total_minor: i64,
    pub donor_name: Option<String>,
    pub donor_email: Option<String>,
    pub donor_key: String,
    pub anonymous: bool,
    pub tribute_kind: Option<String>,
    pub tribute_honoree: Option<String>,
    pub tribute_notify_email: Option<String>,
    pub tribute_message: Option<String>,
    /// The donor agreed to tell the person notified of a tribute how much was given.
    pub tribute_show_amount: bool,
    /// Whether the donor is emailed a receipt (staff may say no for an offline gift).
    pub email_receipt: bool,
    pub comment: Option<String>,
    pub status: String,
    pub failure_reason: Option<String>,
    pub checkout_session_id: Option<String>,
    pub checkout_url: Option<String>,
    pub subscription_id: Option<String>,
    pub customer_id: Option<String>,
    pub plan_status: Option<String>,
    pub plan_status_at: i64,
    pub plan_status_rank: i64,
    pub cancel_at: Option<i64>,
    pub canceled_at: Option<i64>,
    pub counted_raised_minor: i64,
    pub counted_gifts: i64,
    pub counted_donor: i64,
    pub counted_recurring: i64,
    /// The gift value this donation adds to the recurring figures now (its plan's current
    /// installment gift, `domain::ledger::installment_gift`), 0 while it is not active.
    pub counted_recurring_gift_minor: i64,
    /// The plan's amount per installment as Stripe last said (a donor may change it in the
    /// billing portal); `None` while only the checkout's total is known.
    pub plan_amount_minor: Option<i64>,
    /// The event time of `plan_amount_minor`: the latest wins.
    pub plan_amount_at: i64,
    pub refunded_minor: i64,
    pub disputed_minor: i64,
    pub fee_actual_minor: Option<i64>,
    pub offline_method: Option<String>,
    pub note: Option<String>,
    pub gift_date: Option<i64>,
    pub voided_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Payment {
    pub id: String,
    pub donation_id: Option<String>,
    pub subscription_id: Option<String>,
    pub payment_intent_id: Option<String>,
    pub kind: String,
    pub status: String,
    pub status_rank: i64,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub failure_reason: Option<String>,
    pub attempt_count: i64,
    pub fee_actual_minor: Option<i64>,
    pub paid_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChargeRecord {
    pub id: String,
    pub payment_intent_id: Option<String>,
    pub amount_minor: i64,
    /// The running refunded total of the latest event about the charge (it goes down again when
    /// a refund fails or is canceled).
    pub amount_refunded_minor: i64,
    /// The event time of `amount_refunded_minor`.
    pub refunded_at: i64,
    pub currency: String,
    pub fee_actual_minor: Option<i64>,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refund {
    pub id: String,
    pub charge_id: Option<String>,
    pub payment_intent_id: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    pub status: String,
    pub status_rank: i64,
    /// The earliest event time at which `status` was heard of.
    pub status_at: i64,
    /// When Stripe created the refund, when known.
    pub refund_created: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dispute {
    pub id: String,
    pub charge_id: Option<String>,
    pub payment_intent_id: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    pub status: String,
    pub withdrawn: bool,
    pub reinstated: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookEvent {
    pub id: String,
    pub event_type: String,
    pub created: i64,
    pub livemode: bool,
    pub outcome: String,
    pub detail: Option<String>,
    pub payload: String,
    pub received_at: i64,
    pub applied_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    pub id: i64,
    pub flag_key: String,
    pub donation_id: Option<String>,
    pub event_id: Option<String>,
    pub kind: String,
    pub detail: String,
    pub created_at: i64,
    pub resolved_at: Option<i64>,
}

/// An email in the outbox: queued with its cause, then sent (or given up on) by the mail worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxMessage {
    pub id: i64,
    pub message_key: String,
    pub kind: String,
    pub donation_id: Option<String>,
    pub payment_id: Option<String>,
    pub recipient: String,
    pub payload: Option<String>,
    /// `pending`, `sent`, or `failed` (given up).
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub locked_until: Option<i64>,
    pub last_error: Option<String>,
    pub subject: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

/// A message to queue. `key` names its cause, so queuing the same cause twice keeps one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub key: String,
    pub kind: String,
    pub donation_id: Option<String>,
    pub payment_id: Option<String>,
    pub recipient: String,
    pub payload: Option<String>,
}

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
}

/// A position in the staff list, which runs newest first by (created_at, id): the list goes on
/// with the rows strictly after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DonationCursor {
    pub created_at: i64,
    pub id: String,
}

/// A donation with its campaign's slug, as the staff list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedDonation {
    pub campaign_slug: String,
    pub donation: Donation,
}

/// A flag with the slug of the campaign of its donation, when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedFlag {
    pub campaign_slug: Option<String>,
    pub flag: Flag,
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

#[async_trait]
pub trait Store: Send + Sync + 'static {
    fn backend(&self) -> &'static str;
    async fn ping(&self) -> StoreResult<()>;
    /// Makes a write the way every other write is made (a write transaction on the writer's
    /// connection) on a heartbeat row: readiness means a gift can be recorded now.
    async fn heartbeat(&self, at: i64) -> StoreResult<()>;
    async fn close(&self);

    /// Creates a campaign with default options.
    async fn create_campaign(&self, fields: &CampaignFields) -> StoreResult<Campaign> {
        self.create_campaign_with(fields, &CampaignOptions::default())
            .await
    }
    async fn create_campaign_with(
        &self,
        fields: &CampaignFields,
        options: &CampaignOptions,
    ) -> StoreResult<Campaign>;
    async fn update_campaign(
        &self,
        id: i64,
        fields: &CampaignFields,
        options: &CampaignOptions,
    ) -> StoreResult<Campaign>;
    async fn campaign_by_slug(&self, slug: &str) -> StoreResult<Option<Campaign>>;
    async fn campaign_by_id(&self, id: i64) -> StoreResult<Option<Campaign>>;
    async fn campaigns(&self) -> StoreResult<Vec<Campaign>>;
    /// One indexed read of a campaign with its aggregate: what the public progress route serves.
    async fn campaign_progress(&self, slug: &str) -> StoreResult<Option<(Campaign, Progress)>>;

    async fn create_staff_token(&self, name: &str, token_hash: &str) -> StoreResult<StaffToken>;
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

    /// Inserts a pending donation, and with `idempotency` (key, request hash) claims the key in
    /// the same transaction. When the key exists, nothing is inserted and the claim is returned.
    async fn insert_donation(
        &self,
        donation: &Donation,
        idempotency: Option<(&str, &str)>,
    ) -> StoreResult<IdempotencyClaim>;
    async fn donation(&self, id: &str) -> StoreResult<Option<Donation>>;
    /// Records the Checkout Session made for a pending donation and the response to replay.
    async fn checkout_created(
        &self,
        donation_id: &str,
        session_id: &str,
        url: &str,
        idempotency_key: Option<&str>,
        response_json: &str,
    ) -> StoreResult<()>;
    /// Marks a pending donation failed (Stripe refused or timed out) and frees its idempotency
    /// key, so that the donor's retry can try again.
    async fn checkout_failed(
        &self,
        donation_id: &str,
        reason: &str,
        idempotency_key: Option<&str>,
    ) -> StoreResult<()>;

    async fn webhook_events_by_outcome(&self, outcome: &str) -> StoreResult<Vec<WebhookEvent>>;
    async fn webhook_event(&self, id: &str) -> StoreResult<Option<WebhookEvent>>;
    async fn flags(&self) -> StoreResult<Vec<Flag>>;
    /// Flags newest first; with a campaign, only those of its donations.
    async fn recent_flags(
        &self,
        campaign_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<ListedFlag>>;

    /// Donations matching `filter`, newest first by (created_at, id), after `cursor`.
    async fn list_donations(
        &self,
        filter: &DonationFilter,
        cursor: Option<&DonationCursor>,
        limit: i64,
    ) -> StoreResult<Vec<ListedDonation>>;
    /// A campaign's donations that count toward its goal now, newest first (the donor wall).
    async fn counted_donations(&self, campaign_id: i64, limit: i64) -> StoreResult<Vec<Donation>>;
    /// Everything a campaign's summary is computed from, in one consistent snapshot.
    async fn campaign_records(&self, campaign_id: i64) -> StoreResult<CampaignRecords>;
    async fn payments_of(&self, donation_id: &str) -> StoreResult<Vec<Payment>>;
    /// Donations still pending after `older_than` (unix seconds), oldest first.
    async fn pending_donations(&self, older_than: i64, limit: i64) -> StoreResult<Vec<Donation>>;

    /// Queues a message outside a ledger transaction (statements); false if its key is queued.
    async fn enqueue_message(&self, message: &NewMessage, at: i64) -> StoreResult<bool>;
    /// Claims up to `limit` pending messages due at `now` that no other worker holds, until
    /// `lease_until`, counting the attempt. On PostgreSQL concurrent workers skip each other's
    /// rows (`FOR UPDATE SKIP LOCKED`); a claim that outlives its worker lapses at its lease.
    async fn claim_messages(
        &self,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> StoreResult<Vec<OutboxMessage>>;
    async fn message_sent(&self, id: i64, subject: &str, at: i64) -> StoreResult<()>;
    /// Records a failed attempt: retried at `retry_at`, or given up on when it is `None`.
    async fn message_failed(&self, id: i64, error: &str, retry_at: Option<i64>) -> StoreResult<()>;
    /// The outbox, oldest first; one donation's messages when `donation_id` is given.
    async fn outbox(&self, donation_id: Option<&str>) -> StoreResult<Vec<OutboxMessage>>;
    async fn message(&self, id: i64) -> StoreResult<Option<OutboxMessage>>;
    /// Sends a message that was sent or given up on again, as a fresh message due at `at`;
    /// false when there is no such message or it is still waiting to be sent.
    async fn requeue_message(&self, id: i64, at: i64) -> StoreResult<bool>;
    /// The secret called `name`, made from `candidate` on first use and the same ever after
    /// for every process sharing the database.
    async fn server_secret(&self, name: &str, candidate: &str) -> StoreResult<String>;
    /// Counted payments (one-time gifts and installments) that succeeded in `[from, to)`.
    async fn payments_paid_between(&self, from: i64, to: i64) -> StoreResult<Vec<Payment>>;
    /// Offline gifts dated in `[from, to)` that were not voided.
    async fn offline_gifts_between(&self, from: i64, to: i64) -> StoreResult<Vec<Donation>>;
    /// What was taken back from a PaymentIntent: its refunds, charges and disputes.
    async fn intent_records(
        &self,
        pi: &str,
    ) -> StoreResult<(Vec<Refund>, Vec<ChargeRecord>, Vec<Dispute>)>;

    /// Starts a ledger transaction. Ledger transactions are serialized across every server
    /// process sharing the database, so a recomputation always sees every fact committed before.
    async fn begin_ledger(&self) -> StoreResult<Box<dyn LedgerTx>>;
}

/// One ledger transaction: records are read and written here, and nothing is visible to others
/// until `commit`. Dropping it without commit rolls everything back.
#[async_trait]
pub trait LedgerTx: Send {
    async fn commit(self: Box<Self>) -> StoreResult<()>;

    /// Inserts the event; false when its id is already recorded (a duplicate delivery).
    async fn insert_event(&mut self, event: &WebhookEvent) -> StoreResult<bool>;
    async fn event(&mut self, id: &str) -> StoreResult<Option<WebhookEvent>>;
    async fn set_event_outcome(
        &mut self,
        id: &str,
        outcome: &str,
        detail: Option<&str>,
        applied_at: Option<i64>,
    ) -> StoreResult<()>;

    async fn campaign(&mut self, id: i64) -> StoreResult<Option<Campaign>>;
    async fn donation(&mut self, id: &str) -> StoreResult<Option<Donation>>;
    async fn donation_by_session(&mut self, session_id: &str) -> StoreResult<Option<Donation>>;
    async fn donation_by_subscription(&mut self, sub_id: &str) -> StoreResult<Option<Donation>>;
    async fn insert_donation(&mut self, donation: &Donation) -> StoreResult<()>;
    /// Writes every field the ledger owns (status, Stripe links, plan state, counted figures).
    async fn save_donation(&mut self, donation: &Donation) -> StoreResult<()>;

    async fn payment(&mut self, id: &str) -> StoreResult<Option<Payment>>;
    async fn save_payment(&mut self, payment: &Payment) -> StoreResult<()>;
    async fn payments_of(&mut self, donation_id: &str) -> StoreResult<Vec<Payment>>;
    async fn payments_by_intent(&mut self, pi: &str) -> StoreResult<Vec<Payment>>;
    /// Links installments that arrived before their plan was known; returns how many.
    async fn adopt_subscription_payments(
        &mut self,
        sub_id: &str,
        donation_id: &str,
    ) -> StoreResult<u64>;

    async fn charge(&mut self, id: &str) -> StoreResult<Option<ChargeRecord>>;
    async fn save_charge(&mut self, charge: &ChargeRecord) -> StoreResult<()>;
    async fn charges_by_intent(&mut self, pi: &str) -> StoreResult<Vec<ChargeRecord>>;
    /// Fills the PaymentIntent of refunds and disputes known only by their charge.
    async fn backfill_intent(&mut self, charge_id: &str, pi: &str) -> StoreResult<()>;

    async fn refund(&mut self, id: &str) -> StoreResult<Option<Refund>>;
    async fn save_refund(&mut self, refund: &Refund) -> StoreResult<()>;
    async fn refunds_by_intent(&mut self, pi: &str) -> StoreResult<Vec<Refund>>;

    async fn dispute(&mut self, id: &str) -> StoreResult<Option<Dispute>>;
    async fn save_dispute(&mut self, dispute: &Dispute) -> StoreResult<()>;
    async fn disputes_by_intent(&mut self, pi: &str) -> StoreResult<Vec<Dispute>>;

    async fn add_progress(&mut self, campaign_id: i64, delta: &Progress) -> StoreResult<()>;
    /// Adds `delta` to a donor's counted donations; returns the count before and after.
    async fn add_donor_count(
        &mut self,
        campaign_id: i64,
        donor_key: &str,
        delta: i64,
    ) -> StoreResult<(i64, i64)>;

    /// Queues a message with the fact that causes it; false if its key is already queued.
    async fn enqueue(&mut self, message: &NewMessage, at: i64) -> StoreResult<bool>;
    /// The keys of the messages queued for a donation.
    async fn message_keys_of(&mut self, donation_id: &str) -> StoreResult<Vec<String>>;

    /// Records a flag for staff; a flag with the same key is kept once.
    async fn flag(
        &mut self,
        key: &str,
        donation_id: Option<&str>,
        event_id: Option<&str>,
        kind: &str,
        detail: &str,
    ) -> StoreResult<()>;
}

/// Opens the store named by the URL's scheme and applies its migrations.
pub async fn connect(url: &str, max_connections: u32) -> StoreResult<std::sync::Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(std::sync::Arc::new(
            SqliteStore::connect(url, max_connections).await?,
        ))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(std::sync::Arc::new(
            PgStore::connect(url, max_connections).await?,
        ))
    } else {
        Err(StoreError::UnsupportedUrl)
    }
}
