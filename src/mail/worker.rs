//! The mail worker: claims due messages from the outbox, renders and sends each, and records the
//! outcome. A failed attempt is retried after a growing wait; after `MAIL_MAX_ATTEMPTS` (or a
//! permanent refusal) the message is marked failed for staff to see.
//!
//! Exactly-once delivery is impossible with SMTP: if the process dies after the server accepted
//! a message but before it is marked sent, its claim lapses and it is sent again, once per such
//! crash. The repeat carries the same `Message-ID`, so mail clients can tell it is the same
//! message; the file transport overwrites the same file and so never duplicates.

use std::sync::Arc;
use std::time::Duration;

use super::render::{MailContext, RenderError, render};
use super::transport::{SendError, Transport};
use crate::store::{OutboxMessage, Store, StoreError, now};

/// Messages claimed per round.
pub const BATCH: i64 = 20;
/// How long a claim holds a message against other workers (longer than any send takes).
pub const LEASE: Duration = Duration::from_secs(300);

/// The wait before attempt `attempts + 1`: 30 s, 1 min, 2 min, ... capped at 6 hours.
pub fn backoff(attempts: i64) -> Duration {
    let exp = attempts.clamp(1, 20) as u32 - 1;
    Duration::from_secs((30u64 << exp).min(6 * 3600))
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Round {
    pub claimed: usize,
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

pub struct Worker {
    pub store: Arc<dyn Store>,
    pub transport: Arc<dyn Transport>,
    pub ctx: MailContext,
    pub max_attempts: i64,
}

impl Worker {
    /// Claims what is due at `at` and handles it.
    pub async fn round_at(&self, at: i64) -> Result<Round, StoreError> {
        let claimed = self
            .store
            .claim_messages(at, at + LEASE.as_secs() as i64, BATCH)
            .await?;
        let mut round = Round {
            claimed: claimed.len(),
            ..Round::default()
        };
        for m in &claimed {
            match self.deliver(m, at).await {
                Ok(subject) => {
                    self.store.message_sent(m.id, &subject, now()).await?;
                    round.sent += 1;
                }
                Err(failure) => {
                    let retry_at = (failure.retryable() && m.attempts < self.max_attempts)
                        .then(|| at + backoff(m.attempts).as_secs() as i64);
                    tracing::warn!(
                        message = %m.message_key,
                        attempt = m.attempts,
                        retry_at,
                        error = %failure,
                        "email not sent"
                    );
                    self.store
                        .message_failed(m.id, &failure.to_string(), retry_at)
                        .await?;
                    if retry_at.is_some() {
                        round.retrying += 1;
                    } else {
                        round.failed += 1;
                    }
                }
            }
        }
        Ok(round)
    }

    /// Renders and sends one claimed message; the subject on success. Does not record anything:
    /// a crash right after this is the case that sends a message twice.
    pub async fn deliver(&self, m: &OutboxMessage, at: i64) -> Result<String, Failure> {
        let letter = render(self.store.as_ref(), &self.ctx, m, at).await?;
        self.transport.send(&letter, &m.message_key).await?;
        Ok(letter.subject)
    }

    /// Sends until nothing is due (for the CLI and tests).
    pub async fn drain(&self) -> Result<Round, StoreError> {
        let mut total = Round::default();
        loop {
            let r = self.round_at(now()).await?;
            total.claimed += r.claimed;
            total.sent += r.sent;
            total.retrying += r.retrying;
            total.failed += r.failed;
            if r.claimed == 0 {
                return Ok(total);
            }
        }
    }

    /// Runs rounds every `every` until the returned task is aborted; a store outage is logged
    /// and retried. Each round runs in a task of its own in `rounds`, so that aborting the loop
    /// (a shutdown) never cuts a round between its claim and its marks, or inside a
    /// transaction: the round in progress finishes, and the server waits for `rounds`.
    pub fn spawn(
        self,
        every: Duration,
        rounds: tokio_util::task::TaskTracker,
    ) -> tokio::task::JoinHandle<()> {
        let worker = Arc::new(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                loop {
                    let w = worker.clone();
                    match rounds.spawn(async move { w.round_at(now()).await }).await {
                        Ok(Ok(r)) if r.claimed as i64 == BATCH => continue,
                        Ok(Ok(_)) => break,
                        Ok(Err(e)) => {
                            tracing::warn!(error = %e, "mail worker: database unavailable");
                            break;
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "mail worker: a round failed");
                            break;
                        }
                    }
                }
            }
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("{0}")]
    Render(#[from] RenderError),
    #[error("{0}")]
    Send(#[from] SendError),
}

impl Failure {
    fn retryable(&self) -> bool {
        match self {
            Failure::Render(RenderError::Store(_)) | Failure::Send(SendError::Transient(_)) => true,
            Failure::Render(_) | Failure::Send(SendError::Permanent(_)) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_thirty_seconds_up_to_six_hours() {
        let waits: Vec<u64> = (1..=5).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480]);
        assert_eq!(backoff(30).as_secs(), 6 * 3600);
        assert_eq!(backoff(0).as_secs(), 30);
    }
}
