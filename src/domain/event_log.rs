//! The webhook event log (every event received, with its outcome) and the flags raised for staff
//! when an event or a record needs a person to look at it.

use serde::Serialize;

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
