//! Stripe's actual fee on each charge. A webhook names a charge's balance transaction by its id
//! only (Stripe never expands it in an event), so the fee is asked of Stripe here, after the
//! webhook was answered: a step of each reconcile pass, never in the webhook's request.
//!
//! What Stripe answers reaches the figures the way an event does: as a fact
//! ([`Fact::BalanceTransaction`]) applied in a ledger transaction that records it under the
//! synthetic event id `fee:<balance transaction id>`. A repeated pass, two servers asking at
//! once, or a webhook that carries the same balance transaction expanded give the same figures.
//! Money Stripe converted into another currency is kept out of the charge's figures and
//! flagged (`domain::settlement`).
//!
//! A request that fails is asked again after a growing wait (`settlement::retry_after`); after
//! `FLAG_AFTER_FAILURES` failures in a row staff are told (a `fee_fetch_failed` flag), and the
//! requests go on at the longest wait. Stripe unavailable ends the batch: the others wait for
//! the next pass rather than fail one by one.

use tokio_util::sync::CancellationToken;

use crate::domain::fact::{BalanceFact, Fact};
use crate::domain::money::AmountBounds;
use crate::domain::settlement::{FLAG_AFTER_FAILURES, retry_after};
use crate::payments::{Gateway, GatewayError};
use crate::services::ledger;
use crate::store::{ChargeAwaitingFee, ChargeRecord, FetchKind, Store, StoreResult, WebhookEvent};

/// Charges asked about in one pass at most (Stripe allows far more requests a second; a pass
/// stays short, and a backlog is worked off over the following passes).
pub const BATCH: i64 = 100;

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FeeReport {
    /// Charges whose balance transaction was asked for.
    pub asked: usize,
    /// Balance transactions recorded (their fee counted, or kept apart and flagged).
    pub recorded: usize,
    /// Requests that failed (tried again later).
    pub failed: usize,
    /// Told to stop before the batch was through.
    pub stopped: bool,
}

/// The use case: the store and the gateway it asks, the amounts it may count, and whether this
/// server is in live mode (the mode its synthetic events are recorded in).
pub struct ActualFees<'a> {
    pub store: &'a dyn Store,
    /// The gateway of organization `org`, whose charges it asks about.
    pub gateway: &'a dyn Gateway,
    pub org: &'a str,
    pub bounds: AmountBounds,
    pub live: bool,
}

impl ActualFees<'_> {
    /// Asks Stripe for the balance transaction of each charge due at `at`, stopping between
    /// charges once `stop` is cancelled.
    pub async fn run(&self, at: i64, stop: &CancellationToken) -> StoreResult<FeeReport> {
        let mut report = FeeReport::default();
        for ChargeAwaitingFee { charge, attempts } in
            self.store.charges_awaiting_fee(at, BATCH, self.org).await?
        {
            if stop.is_cancelled() {
                report.stopped = true;
                break;
            }
            report.asked += 1;
            // Why the fee is still unknown, and whether Stripe is down.
            let failure = match self.gateway.balance_transaction(&charge).await {
                Ok(txn) => self
                    .record(&charge, &txn, at)
                    .await?
                    .map(|why| (why, false)),
                Err(e) => Some((e.to_string(), matches!(e, GatewayError::Unavailable(_)))),
            };
            let Some((why, unavailable)) = failure else {
                report.recorded += 1;
                self.store
                    .fetch_succeeded(FetchKind::BalanceTransaction, &charge.id)
                    .await?;
                continue;
            };
            report.failed += 1;
            self.failed(&charge, attempts + 1, &why, at).await?;
            if unavailable {
                break;
            }
        }
        Ok(report)
    }

    /// Applies a balance transaction under its synthetic event id; `Some(why)` when it could
    /// not be counted (recorded before without effect, or an amount out of bounds).
    async fn record(
        &self,
        charge: &ChargeRecord,
        txn: &BalanceFact,
        at: i64,
    ) -> StoreResult<Option<String>> {
        let id = format!("fee:{}", txn.id);
        let event = WebhookEvent {
            id: id.clone(),
            event_type: "balance_transaction.fetched".into(),
            created: at,
            livemode: self.live,
            outcome: "applied".into(),
            detail: Some(format!("the balance transaction of charge {}", charge.id)),
            payload: format!("{txn:?}"),
            received_at: at,
            applied_at: Some(at),
        };
        let facts = [Fact::BalanceTransaction(txn.clone())];
        let mut objects = vec![ledger::ObjectKey::Event(id.clone())];
        objects.extend(ledger::objects_of(&facts));
        let (event, facts, id) = (&event, &facts, &id);
        ledger::transact(self.store, &objects, |tx| {
            Box::pin(async move {
                if !tx.insert_event(event).await? {
                    return Ok(Some(format!(
                        "balance transaction {} was recorded before ({id}) without a fee for \
                         this charge",
                        txn.id
                    )));
                }
                let applied = ledger::apply(&mut **tx, facts, at, &self.bounds).await?;
                let kept = (applied.out_of_range > 0).then(|| {
                    format!(
                        "balance transaction {} has a fee or net out of range (flagged)",
                        txn.id
                    )
                });
                if let Some(why) = &kept {
                    tx.set_event_outcome(id, "ignored", Some(why), None).await?;
                }
                Ok(kept)
            })
        })
        .await
    }

    /// Records a failed request and when to ask again; staff are told once it has failed
    /// `FLAG_AFTER_FAILURES` times in a row.
    async fn failed(
        &self,
        charge: &ChargeRecord,
        attempts: i64,
        error: &str,
        at: i64,
    ) -> StoreResult<()> {
        let wait = retry_after(attempts);
        tracing::warn!(charge = %charge.id, attempts, error, "could not fetch Stripe's fee");
        self.store
            .fetch_failed(
                FetchKind::BalanceTransaction,
                &charge.id,
                attempts,
                at + wait,
                error,
                at,
            )
            .await?;
        if attempts < FLAG_AFTER_FAILURES {
            return Ok(());
        }
        ledger::transact(self.store, &[], |tx| {
            Box::pin(async move {
                let donation = match &charge.payment_intent_id {
                    Some(pi) => tx
                        .payments_by_intent(pi)
                        .await?
                        .into_iter()
                        .find_map(|p| p.donation_id),
                    None => None,
                };
                tx.flag(
                    &format!("fee_fetch:{}", charge.id),
                    donation.as_deref(),
                    None,
                    "fee_fetch_failed",
                    &format!(
                        "Stripe's fee on charge {} could not be fetched ({attempts} attempts; \
                         the last: {error}); until it is, the summary counts the estimate for \
                         it. It is asked for again at least every {} hours",
                        charge.id,
                        retry_after(i64::MAX) / 3600
                    ),
                )
                .await
            })
        })
        .await
    }
}
