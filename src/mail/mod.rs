//! Email: receipts, tribute notifications, failed-installment nudges, plan-canceled
//! confirmations and annual statements. The ledger queues messages in the outbox in the same
//! transaction as their cause (`domain::notices`); the worker here renders and sends them with
//! retries, through SMTP or, when `SMTP_URL` is unset, as `.eml` files in `MAIL_OUTBOX_DIR`.

pub mod render;
pub mod statements;
pub mod transport;
pub mod worker;

/// A rendered email, ready for a transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}
