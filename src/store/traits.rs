//! What the store offers, by concern: [`Store`] is every sub-trait at once (what `Arc<dyn Store>`
//! is), and [`LedgerTx`] is one ledger transaction, made of four sub-traits likewise. A method of
//! a sub-trait is callable on `dyn Store` (or `dyn LedgerTx`) without importing the sub-trait;
//! code generic over a concrete store imports them from [`prelude`](super::prelude).
//!
//! The SQL behind each sub-trait is in `sql/<concern>.rs`, written once for both backends.

use async_trait::async_trait;

use super::{
    Campaign, CampaignFields, CampaignOptions, CampaignRecords, ChargeAwaitingFee, ChargeRecord,
    Dispute, Donation, DonationCursor, DonationFilter, FetchKind, Flag, IdempotencyClaim,
    ListedDonation, ListedFlag, Membership, MembershipFilter, NewMessage, OutboxMessage, Payment,
    Progress, Refund, StoreResult, UnparsedEvent, WebhookEvent,
};
use super::{Fundraiser, ListedFundraiser, PagePolicy, Review};
use crate::domain::fundraiser::{PageFields, PageLinkRequest};
use crate::domain::manage_link::LinkRequestRecord;
use crate::domain::object_key::ObjectKey;

mod staff;
pub use staff::{NewMemberSession, NewSigninLink, NewStaffMember, StaffStore};

/// The whole store: its health and its secrets, and every concern's sub-trait.
#[async_trait]
pub trait Store:
    CampaignStore
    + StaffStore
    + DonationStore
    + ReportStore
    + OutboxStore
    + LedgerStore
    + AllowanceStore
    + FollowUpStore
    + DonorLinkStore
    + FundraiserStore
    + MembershipStore
    + Send
    + Sync
    + 'static
{
    fn backend(&self) -> &'static str;
    /// A count of this process's commits that changed a campaign or its figures: a reader that
    /// saw it unchanged since it last read them has nothing new of this process's to read
    /// (other processes' commits are not counted: see `http::progress_cache`).
    fn changes(&self) -> u64;
    async fn ping(&self) -> StoreResult<()>;
    /// Makes a write the way every other write is made (a write transaction on the writer's
    /// connection) on a heartbeat row: readiness means a gift can be recorded now.
    async fn heartbeat(&self, at: i64) -> StoreResult<()>;
    async fn close(&self);
    /// The secret called `name`, made from `candidate` on first use and the same ever after
    /// for every process sharing the database.
    async fn server_secret(&self, name: &str, candidate: &str) -> StoreResult<String>;
}

/// Campaigns, their settings, and their aggregate as the public progress route reads it.
#[async_trait]
pub trait CampaignStore: Send + Sync {
    /// Creates a campaign with default options.
    async fn create_campaign(&self, fields: &CampaignFields) -> StoreResult<Campaign> {
        self.create_campaign_with(fields, &CampaignOptions::default())
            .await
    }
    /// A campaign of the default organization.
    async fn create_campaign_with(
        &self,
        fields: &CampaignFields,
        options: &CampaignOptions,
    ) -> StoreResult<Campaign> {
        self.create_campaign_in(crate::domain::organization::DEFAULT_ORG, fields, options)
            .await
    }
    /// A campaign of organization `org` (its slug), which it keeps.
    async fn create_campaign_in(
        &self,
        org: &str,
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
}

/// A donation from checkout to its Checkout Session (with the request's idempotency key), and
/// the reads of one donation outside the ledger.
#[async_trait]
pub trait DonationStore: Send + Sync {
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
    async fn payments_of(&self, donation_id: &str) -> StoreResult<Vec<Payment>>;
    /// Donations still pending after `older_than` (unix seconds), oldest first.
    async fn pending_donations(&self, older_than: i64, limit: i64) -> StoreResult<Vec<Donation>>;
}

/// The reads behind lists, summaries, the donor wall and statements.
#[async_trait]
pub trait ReportStore: Send + Sync {
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
    /// Counted payments (one-time gifts and installments) that succeeded in `[from, to)`.
    async fn payments_paid_between(&self, from: i64, to: i64) -> StoreResult<Vec<Payment>>;
    /// Offline gifts dated in `[from, to)` that were not voided.
    async fn offline_gifts_between(&self, from: i64, to: i64) -> StoreResult<Vec<Donation>>;
    /// What was taken back from a PaymentIntent: its refunds, charges and disputes.
    async fn intent_records(
        &self,
        pi: &str,
    ) -> StoreResult<(Vec<Refund>, Vec<ChargeRecord>, Vec<Dispute>)>;
}

/// The email outbox: messages queued, claimed by a mail worker under a lease, sent or failed.
#[async_trait]
pub trait OutboxStore: Send + Sync {
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
    /// Gives back messages claimed until `lease_until` and not attempted (a worker stopping):
    /// their claim is cleared and the claim's attempt uncounted, so the next worker sends them
    /// at once rather than when the lease lapses. A message another worker has claimed since
    /// (another lease) is left alone. Returns how many were released.
    async fn release_messages(&self, ids: &[i64], lease_until: i64) -> StoreResult<u64>;
}

/// Rate allowances every server sharing the database counts against together (on PostgreSQL;
/// a SQLite server keeps its own in memory, `http::limits`). Keys are opaque to the store.
#[async_trait]
pub trait AllowanceStore: Send + Sync {
    /// Takes one request at `now_ms` from the allowance of `key`, which lets `burst` requests
    /// through at once and one more every `interval_ms`: `None` when it was taken, or how many
    /// milliseconds until one can be.
    async fn take_allowance(
        &self,
        key: &str,
        now_ms: i64,
        interval_ms: i64,
        burst: i64,
    ) -> StoreResult<Option<i64>>;
    /// Forgets the allowances that are whole again at `now_ms` (keeping them changes nothing);
    /// returns how many.
    async fn sweep_allowances(&self, now_ms: i64) -> StoreResult<u64>;
}

/// Donors asking for fresh self-service links ("manage my gift"): their recurring gifts by
/// address, and the requests that sent an email (a per-address ceiling on such emails).
#[async_trait]
pub trait DonorLinkStore: Send + Sync {
    /// The recurring gifts made through the payment provider (with a plan) by the donor with
    /// this lowercased address, oldest first.
    async fn recurring_gifts_of(&self, donor_key: &str) -> StoreResult<Vec<Donation>>;
    /// Records a request and queues the email that answers it, in one transaction.
    async fn create_manage_link_request(
        &self,
        id: &str,
        request: &LinkRequestRecord,
        message: &NewMessage,
        at: i64,
    ) -> StoreResult<()>;
    /// The donor (lowercased address) a request was made for, and its language.
    async fn manage_link_request(&self, id: &str) -> StoreResult<Option<LinkRequestRecord>>;
    /// Requests that sent an email to this donor since `since`.
    async fn manage_link_requests_since(&self, donor_key: &str, since: i64) -> StoreResult<i64>;
}

/// Supporters' pages (`domain::fundraiser`): the pages, their figures as the ledger keeps
/// them, their campaigns' policy, and the emails sent to their owners on request.
#[async_trait]
pub trait FundraiserStore: Send + Sync {
    /// Records a new page (with no figures yet) and, in the same transaction, its welcome
    /// email and the request that sends it (counted against its owner's address, see
    /// `fundraiser_mail_since`). `Conflict` when the campaign has a page of that slug.
    async fn create_fundraiser(
        &self,
        f: &Fundraiser,
        welcome: &NewMessage,
        at: i64,
    ) -> StoreResult<()>;
    async fn fundraiser(&self, id: &str) -> StoreResult<Option<Fundraiser>>;
    async fn fundraiser_by_slug(
        &self,
        campaign_id: i64,
        slug: &str,
    ) -> StoreResult<Option<Fundraiser>>;
    /// A page with its figures (its aggregate rows summed in one statement).
    async fn fundraiser_progress(&self, id: &str) -> StoreResult<Option<ListedFundraiser>>;
    /// A campaign's pages with their figures, newest first; only those under `reviews` when
    /// given.
    async fn fundraisers_of(
        &self,
        campaign_id: i64,
        reviews: Option<&[Review]>,
    ) -> StoreResult<Vec<ListedFundraiser>>;
    /// A campaign's confirmed pages under one of `reviews` (those that are public), most
    /// raised first, at most `limit`.
    async fn top_fundraisers(
        &self,
        campaign_id: i64,
        reviews: &[Review],
        limit: i64,
    ) -> StoreResult<Vec<ListedFundraiser>>;
    /// The pages of the owner with this lowercased address, oldest first.
    async fn fundraisers_owned_by(&self, owner_key: &str) -> StoreResult<Vec<Fundraiser>>;
    /// The owner's change of their page's words and goal; with `confirm`, also confirms the
    /// address (if not confirmed yet). The page as it now is, `None` if there is no such page.
    async fn update_fundraiser_page(
        &self,
        id: &str,
        fields: &PageFields,
        confirm: bool,
        at: i64,
    ) -> StoreResult<Option<Fundraiser>>;
    /// Records that the owner used the emailed link; false if it was confirmed already (or
    /// there is no such page).
    async fn confirm_fundraiser(&self, id: &str, at: i64) -> StoreResult<bool>;
    /// Staff's decision, by `staff`, with `notice` (the owner's email, keyed by its cause so it
    /// is queued once) in the same transaction. The page as it now is.
    async fn review_fundraiser(
        &self,
        id: &str,
        review: Review,
        staff: &str,
        notice: Option<&NewMessage>,
        at: i64,
    ) -> StoreResult<Option<Fundraiser>>;
    /// A page's donations that count now, newest first (its donor wall).
    async fn fundraiser_donations(
        &self,
        fundraiser_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<Donation>>;
    /// Whether and how a campaign takes supporters' pages (the default when never set).
    async fn page_policy(&self, campaign_id: i64) -> StoreResult<PagePolicy>;
    async fn set_page_policy(
        &self,
        campaign_id: i64,
        policy: PagePolicy,
        at: i64,
    ) -> StoreResult<()>;
    /// Records an owner's request for fresh links and queues the email that answers it, in
    /// one transaction.
    async fn create_fundraiser_link_request(
        &self,
        id: &str,
        request: &PageLinkRequest,
        message: &NewMessage,
        at: i64,
    ) -> StoreResult<()>;
    /// The owner (lowercased address) a links request was made for, and its language.
    async fn fundraiser_link_request(&self, id: &str) -> StoreResult<Option<PageLinkRequest>>;
    /// Emails sent to this owner address on request (sign-ups and links) since `since`.
    async fn fundraiser_mail_since(&self, owner_key: &str, since: i64) -> StoreResult<i64>;
}

/// Members (donors who pay a membership campaign's dues), as staff list and export them. The
/// records are written by the ledger only ([`MembershipTx`]).
#[async_trait]
pub trait MembershipStore: Send + Sync {
    /// Members in order of their donor key (lowercased email), those after `after`, at most
    /// `limit`, active or lapsed at the filter's time when it says which.
    async fn memberships(
        &self,
        filter: &MembershipFilter,
        after: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<Membership>>;
    /// The member with this donor key (lowercased email).
    async fn membership_of(&self, donor_key: &str) -> StoreResult<Option<Membership>>;
}

/// In a ledger transaction: a donor's membership, derived again from their dues-paying gifts
/// whenever one of them is recomputed (`services::ledger::membership`). One row per donor key.
#[async_trait]
pub trait MembershipTx: Send {
    /// The donor's gifts that pay dues (`dues_minimum_minor` set), offline ones too; locks the
    /// donor's membership first.
    async fn dues_donations_of(&mut self, donor_key: &str) -> StoreResult<Vec<Donation>>;
    /// One of those gifts' payments and what is recorded against their PaymentIntents, read
    /// without locking the gift (its changes wait for the membership's lock, held here).
    async fn dues_payments_of(
        &mut self,
        donation_id: &str,
    ) -> StoreResult<(Vec<Payment>, MoneyBack)>;
    async fn membership(&mut self, donor_key: &str) -> StoreResult<Option<Membership>>;
    /// Writes the member's row (an upsert by donor key).
    async fn save_membership(&mut self, membership: &Membership) -> StoreResult<()>;
    /// Removes the donor's row: none of their dues payments counts (any more).
    async fn delete_membership(&mut self, donor_key: &str) -> StoreResult<()>;
}

/// The ledger from outside a transaction: beginning one, and reading back the webhook events it
/// recorded and the flags it raised for staff.
#[async_trait]
pub trait LedgerStore: Send + Sync {
    /// Starts a ledger transaction holding `objects` (those an event names; the transaction
    /// locks what else it touches as it goes). Ledger transactions that touch a common object
    /// are serialized across every server process sharing the database, so a recomputation
    /// always sees every fact committed before it (`sql::ledger_tx` says how). On PostgreSQL a
    /// transaction may fail with a deadlock or serialization error (`StoreError::is_contention`);
    /// the ledger then runs it again (`services::ledger::transact`).
    async fn begin_ledger(&self, objects: &[ObjectKey]) -> StoreResult<Box<dyn LedgerTx>>;
    async fn webhook_events_by_outcome(&self, outcome: &str) -> StoreResult<Vec<WebhookEvent>>;
    async fn webhook_event(&self, id: &str) -> StoreResult<Option<WebhookEvent>>;
    async fn flags(&self) -> StoreResult<Vec<Flag>>;
    /// Flags newest first; with a campaign, only those of its donations.
    async fn recent_flags(
        &self,
        campaign_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<ListedFlag>>;
}

/// What is asked of Stripe after a webhook, outside the webhook's own request
/// (`services::actual_fees`, `services::event_refetch`): charges whose actual fee is still
/// unknown, stored events whose object did not parse, and the backoff of requests that failed.
#[async_trait]
pub trait FollowUpStore: Send + Sync {
    /// Succeeded charges of organization `org`'s donations (their PaymentIntent is one of its
    /// payments': its Stripe account's) whose actual fee is unknown and not settled in another
    /// currency, due at `at`: never asked for, or their wait after a failure over. Longest due
    /// first, at most `limit`.
    async fn charges_awaiting_fee(
        &self,
        at: i64,
        limit: i64,
        org: &str,
    ) -> StoreResult<Vec<ChargeAwaitingFee>>;
    /// Stored events that did not parse, due at `at` likewise, oldest first, at most `limit`.
    async fn unparsed_events_due(&self, at: i64, limit: i64) -> StoreResult<Vec<UnparsedEvent>>;
    /// Records a failed request for an object: `attempts` failures in a row so far, the next
    /// try not before `next_attempt_at`.
    async fn fetch_failed(
        &self,
        kind: FetchKind,
        object_id: &str,
        attempts: i64,
        next_attempt_at: i64,
        error: &str,
        at: i64,
    ) -> StoreResult<()>;
    /// Forgets the failures of a request that has now succeeded.
    async fn fetch_succeeded(&self, kind: FetchKind, object_id: &str) -> StoreResult<()>;
}

/// In a ledger transaction: what a follow-up settles.
#[async_trait]
pub trait FollowUpTx: Send {
    /// Marks the flag with this key resolved at `at` (an unparsed event applied at last); false
    /// when there is no such flag or it was resolved already.
    async fn resolve_flag(&mut self, key: &str, at: i64) -> StoreResult<bool>;
}

/// One ledger transaction: records are read and written here, and nothing is visible to others
/// until `commit`. Dropping it without commit rolls everything back.
#[async_trait]
pub trait LedgerTx:
    EventTx + DonationTx + PaymentTx + MoneyBackTx + FollowUpTx + FundraiserTx + MembershipTx + Send
{
    async fn commit(self: Box<Self>) -> StoreResult<()>;
}

/// In a ledger transaction: the webhook event itself, and what it leaves behind (flags for
/// staff, emails to send).
#[async_trait]
pub trait EventTx: Send {
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

/// In a ledger transaction: donations, and the campaign figures they count toward.
#[async_trait]
pub trait DonationTx: Send {
    async fn campaign(&mut self, id: i64) -> StoreResult<Option<Campaign>>;
    async fn donation(&mut self, id: &str) -> StoreResult<Option<Donation>>;
    async fn donation_by_session(&mut self, session_id: &str) -> StoreResult<Option<Donation>>;
    async fn donation_by_subscription(&mut self, sub_id: &str) -> StoreResult<Option<Donation>>;
    async fn insert_donation(&mut self, donation: &Donation) -> StoreResult<()>;
    /// Writes every field the ledger owns (status, Stripe links, plan state, counted figures).
    async fn save_donation(&mut self, donation: &Donation) -> StoreResult<()>;
    /// Adds `delta` to the campaign's figures, in the aggregate row (shard) that `donation_id`
    /// falls in: transactions of different donations seldom wait on the same row.
    async fn add_progress(
        &mut self,
        campaign_id: i64,
        donation_id: &str,
        delta: &Progress,
    ) -> StoreResult<()>;
    /// Adds `delta` to a donor's counted donations; returns the count before and after.
    async fn add_donor_count(
        &mut self,
        campaign_id: i64,
        donor_key: &str,
        delta: i64,
    ) -> StoreResult<(i64, i64)>;
}

/// In a ledger transaction: the figures of supporters' pages, kept like a campaign's (see
/// `DonationTx::add_progress` and `add_donor_count`): each update is one upsert of one row,
/// which the row's lock serializes; nothing is read first.
#[async_trait]
pub trait FundraiserTx: Send {
    /// Adds `delta` to the page's figures, in the aggregate row that `donation_id` falls in.
    async fn add_fundraiser_progress(
        &mut self,
        fundraiser_id: &str,
        donation_id: &str,
        delta: &Progress,
    ) -> StoreResult<()>;
    /// Adds `delta` to a donor's counted donations on the page; the count before and after.
    async fn add_fundraiser_donor_count(
        &mut self,
        fundraiser_id: &str,
        donor_key: &str,
        delta: i64,
    ) -> StoreResult<(i64, i64)>;
}

/// In a ledger transaction: payments (checkouts, one-time gifts, installments) and charges.
#[async_trait]
pub trait PaymentTx: Send {
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
    /// Fills the PaymentIntent of refunds and disputes known only by their charge.
    async fn backfill_intent(&mut self, charge_id: &str, pi: &str) -> StoreResult<()>;
}

/// The records behind a donation's payments, by kind (`MoneyBackTx::money_back_of`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MoneyBack {
    pub refunds: Vec<Refund>,
    pub charges: Vec<ChargeRecord>,
    pub disputes: Vec<Dispute>,
}

/// In a ledger transaction: money taken back, as refunds and disputes.
#[async_trait]
pub trait MoneyBackTx: Send {
    async fn refund(&mut self, id: &str) -> StoreResult<Option<Refund>>;
    async fn save_refund(&mut self, refund: &Refund) -> StoreResult<()>;
    async fn dispute(&mut self, id: &str) -> StoreResult<Option<Dispute>>;
    async fn save_dispute(&mut self, dispute: &Dispute) -> StoreResult<()>;
    /// The refunds, charges and disputes of the PaymentIntents of a donation's payments, one
    /// statement each however many installments it has (a recomputation reads them).
    async fn money_back_of(&mut self, donation_id: &str) -> StoreResult<MoneyBack>;
}
