//! Email: receipts, tribute notifications, failed-installment nudges, plan-canceled
//! confirmations and annual statements. The ledger queues messages in the outbox in the same
//! transaction as their cause (`domain::notices`); the worker here renders and sends them with
//! retries, through SMTP or, when `SMTP_URL` is unset, as `.eml` files in `MAIL_OUTBOX_DIR`.

pub mod render;
pub mod statements;
pub mod transport;
pub mod worker;

/// `s` with every character but ASCII letters, digits, `-` and those in `also` made `_`: safe
/// in a file name on any system and in a shell.
pub fn file_safe(s: &str, also: &[char]) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || also.contains(&c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A rendered email, ready for a transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}
