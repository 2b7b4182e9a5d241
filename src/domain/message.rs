//! Email messages: one to queue (keyed by its cause, so a cause is mailed once) and one in the
//! outbox, as the mail worker sends it.

use serde::Serialize;

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
