//! Who the receipts are from and how they leave. Variables: `ORG_NAME`, `ORG_ADDRESS`, `ORG_EIN`,
//! `ORG_TIMEZONE` (the organization), `MAIL_FROM`, `MAIL_REPLY_TO`, `SMTP_URL`,
//! `MAIL_OUTBOX_DIR`, `MAIL_WORKER_INTERVAL`, `MAIL_MAX_ATTEMPTS` (the mail).

use std::time::Duration;

use super::values::redact_url;

/// The organization named on receipts and statements (a US 501(c)(3) gives its EIN): the
/// default one (`ORG_*`) or one of `ORGANIZATIONS` (`config::organizations`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    /// `default`, or its slug in `ORGANIZATIONS`.
    pub slug: String,
    pub name: String,
    pub address: String,
    pub ein: Option<String>,
    /// The organization's time zone: receipts are dated and statement years are cut in its
    /// local time, summer time included.
    pub zone: crate::domain::zone::Zone,
    /// 501(c)(3) (deductible), 501(c)(4) or other (not deductible): what pages and receipts
    /// say about deductibility.
    pub tax_status: crate::domain::organization::TaxStatus,
    /// Free text printed on its receipts as given (not translated).
    pub receipt_wording: Option<String>,
}

/// How email leaves: SMTP when `SMTP_URL` is set, else `.eml` files in `MAIL_OUTBOX_DIR`.
#[derive(Clone)]
pub struct MailConfig {
    pub from: String,
    pub reply_to: Option<String>,
    pub smtp_url: Option<String>,
    pub outbox_dir: std::path::PathBuf,
    /// How often the mail worker looks for messages to send (`None`: never, in this process).
    pub worker_interval: Option<Duration>,
    /// Attempts before a message is given up on and left for staff to see.
    pub max_attempts: i64,
}

impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("from", &self.from)
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("outbox_dir", &self.outbox_dir)
            .field("worker_interval", &self.worker_interval)
            .finish_non_exhaustive()
    }
}
