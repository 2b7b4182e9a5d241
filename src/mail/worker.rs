//! The mail worker: claims due messages from the outbox, renders and sends each, and records the
//! outcome. A failed attempt is retried after a growing wait with jitter ([`retry_delay`]);
//! after `MAIL_MAX_ATTEMPTS` (or a permanent refusal) the message is marked failed for staff to
//! see.
//!
//! Exactly-once delivery is impossible with SMTP: if the process dies after the server accepted
//! a message but before it is marked sent, its claim lapses and it is sent again, once per such
//! crash. The repeat carries the same `Message-ID`, so mail clients can tell it is the same
//! message; the file transport overwrites the same file and so never duplicates.
//!
//! A shutdown does not cause that repeat: the worker is told to stop (a `CancellationToken`),
//! finishes and records the message it is sending, and gives back the messages it claimed but
//! did not start ([`OutboxStore::release_messages`](crate::store::traits::OutboxStore)), so the
//! next worker sends them at once rather than after their lease.

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio_util::sync::CancellationToken;

use super::render::{MailContext, RenderError, render};
use super::transport::{SendError, Transport};
use crate::store::{OutboxMessage, Store, StoreError, now};

/// Messages claimed per round.
pub const BATCH: i64 = 20;
/// How long a claim holds a message against other workers (longer than any send takes).
pub const LEASE: Duration = Duration::from_secs(300);
/// The spread of a retry's wait around [`backoff`]: ±20 %.
pub const JITTER_PERCENT: u64 = 20;

/// The base wait before attempt `attempts + 1`: 30 s, 1 min, 2 min, ... capped at 6 hours.
/// Retries wait [`retry_delay`], this with jitter.
pub fn backoff(attempts: i64) -> Duration {
    let exp = attempts.clamp(1, 20) as u32 - 1;
    Duration::from_secs((30u64 << exp).min(6 * 3600))
}

/// The wait before attempt `attempts + 1`: [`backoff`] ± [`JITTER_PERCENT`] (uniform, whole
/// seconds: 24–36 s after the first attempt, at most 7.2 h at the cap), so that messages which
/// failed together (an SMTP outage) are not all retried in the same second.
pub fn retry_delay(attempts: i64) -> Duration {
    retry_delay_with(attempts, &mut rand::rng())
}

/// [`retry_delay`] drawing from `rng`.
pub fn retry_delay_with(attempts: i64, rng: &mut impl Rng) -> Duration {
    let base = backoff(attempts).as_secs();
    let spread = base * JITTER_PERCENT / 100;
    Duration::from_secs(rng.random_range(base - spread..=base + spread))
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Round {
    pub claimed: usize,
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
    /// Claimed but given back unsent because the worker was told to stop.
    pub released: usize,
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
        self.round_until(at, &CancellationToken::new()).await
    }

    /// [`round_at`](Self::round_at) that stops early once `stop` is cancelled: the message
    /// being sent is finished and recorded; those claimed but not started are released at once.
    pub async fn round_until(
        &self,
        at: i64,
        stop: &CancellationToken,
    ) -> Result<Round, StoreError> {
        let lease_until = at + LEASE.as_secs() as i64;
        let claimed = self.store.claim_messages(at, lease_until, BATCH).await?;
        let mut round = Round {
            claimed: claimed.len(),
            ..Round::default()
        };
        for (i, m) in claimed.iter().enumerate() {
            if stop.is_cancelled() {
                let rest: Vec<i64> = claimed[i..].iter().map(|m| m.id).collect();
                let released = self.store.release_messages(&rest, lease_until).await?;
                round.released = released as usize;
                tracing::info!(
                    released,
                    "mail worker stopping: claimed messages not yet sent are released"
                );
                break;
            }
            match self.deliver(m, at).await {
                Ok(subject) => {
                    self.store.message_sent(m.id, &subject, now()).await?;
                    round.sent += 1;
                }
                Err(failure) => {
                    let retry_at = (failure.retryable() && m.attempts < self.max_attempts)
                        .then(|| at + retry_delay(m.attempts).as_secs() as i64);
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
            total.released += r.released;
            if r.claimed == 0 {
                return Ok(total);
            }
        }
    }

    /// Runs rounds every `every` until `stop` is cancelled; a store outage is logged and
    /// retried. Each round runs in a task of its own in `rounds` and is told of `stop` too: it
    /// finishes the message it is sending and releases the rest of its claim
    /// ([`round_until`](Self::round_until)), and the returned task ends after it. Rounds never
    /// stop between their claim and their marks, or inside a transaction, even if this task is
    /// dropped; the server waits for `rounds`.
    pub fn spawn(
        self,
        every: Duration,
        rounds: tokio_util::task::TaskTracker,
        stop: CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        let worker = Arc::new(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    biased;
                    _ = stop.cancelled() => return,
                    _ = tick.tick() => {}
                }
                while !stop.is_cancelled() {
                    let (w, stop) = (worker.clone(), stop.clone());
                    let round = rounds.spawn(async move { w.round_until(now(), &stop).await });
                    match round.await {
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

    #[test]
    fn retries_wait_the_backoff_give_or_take_a_fifth_and_spread_out() {
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(17);
        for attempts in [1, 2, 5, 30] {
            let base = backoff(attempts).as_secs();
            let waits: Vec<u64> = (0..500)
                .map(|_| retry_delay_with(attempts, &mut rng).as_secs())
                .collect();
            let (lo, hi) = (base * 4 / 5, base * 6 / 5);
            assert!(
                waits.iter().all(|w| (lo..=hi).contains(w)),
                "attempt {attempts}: {lo}..={hi}"
            );
            // Spread over the range: both ends' fifths are reached, not one value for all.
            let fifth = (hi - lo) / 5;
            assert!(waits.iter().any(|w| *w <= lo + fifth), "attempt {attempts}");
            assert!(waits.iter().any(|w| *w >= hi - fifth), "attempt {attempts}");
        }
        // The thread's generator too, and never beyond the cap's fifth.
        assert!((24..=36).contains(&retry_delay(1).as_secs()));
        assert!(retry_delay(40).as_secs() <= 6 * 3600 * 6 / 5);
    }
}
