//! `FollowUpStore` and `FollowUpTx`: which charges still await their actual fee and which
//! stored events their object, each due after its backoff, and flags a follow-up resolves.

use super::ledger::payment;
use super::{Fresh, campaign, gift, on_both_backends};
use crate::domain::contribution::payment_rank;
use crate::store::{ChargeRecord, FetchKind, Payment, WebhookEvent};

on_both_backends!(
    charges_of_our_donations_await_their_fee_until_it_is_known,
    a_failed_request_waits_for_its_next_attempt,
    unparsed_events_are_due_until_settled,
    a_follow_up_resolves_a_flag_once,
);

/// A succeeded payment of PaymentIntent `pi`, of donation `d-1` or of no donation of ours.
fn paid(id: &str, donation_id: Option<&str>, pi: &str) -> Payment {
    payment(id, donation_id, pi, payment_rank::SUCCEEDED, 10)
}

/// Donation `d-1` of a campaign, paid through `pi_1`, with these charges.
async fn charges_of_a_gift(s: &Fresh, charges: &[&ChargeRecord]) {
    let c = campaign(s, "spring").await;
    let mut tx = s.begin_ledger(&[]).await.unwrap();
    tx.insert_donation(&gift("d-1", &c, 10)).await.unwrap();
    tx.save_payment(&paid("pay_1", Some("d-1"), "pi_1"))
        .await
        .unwrap();
    for c in charges {
        tx.save_charge(c).await.unwrap();
    }
    tx.commit().await.unwrap();
}

fn charge(id: &str, pi: &str) -> ChargeRecord {
    ChargeRecord {
        payment_intent_id: Some(pi.into()),
        balance_transaction_id: Some(format!("txn_{id}")),
        ..ChargeRecord::new(id, 1_000, "usd", 10)
    }
}

fn ids(due: &[crate::store::ChargeAwaitingFee]) -> Vec<(&str, i64)> {
    due.iter()
        .map(|d| (d.charge.id.as_str(), d.attempts))
        .collect()
}

/// Three charges of a donation of ours: one unknown, one known, one settled in another
/// currency; and a charge of another integration's PaymentIntent.
async fn charges_of_our_donations_await_their_fee_until_it_is_known(s: Fresh) {
    let unknown = charge("ch_a", "pi_1");
    let known = ChargeRecord {
        fee_actual_minor: Some(59),
        net_actual_minor: Some(941),
        ..charge("ch_b", "pi_1")
    };
    let converted = ChargeRecord {
        settlement_currency: Some("eur".into()),
        ..charge("ch_c", "pi_1")
    };
    let never_ours = charge("ch_x", "pi_x");
    let no_intent = ChargeRecord::new("ch_y", 1_000, "usd", 10);
    charges_of_a_gift(&s, &[&unknown, &known, &converted, &never_ours, &no_intent]).await;
    let mut tx = s.begin_ledger(&[]).await.unwrap();
    // Another integration's payment on the same Stripe account: not a donation of ours.
    tx.save_payment(&paid("pay_x", None, "pi_x")).await.unwrap();
    // The new columns are saved and read back whole.
    assert_eq!(tx.charge("ch_b").await.unwrap(), Some(known.clone()));
    assert_eq!(tx.charge("ch_c").await.unwrap(), Some(converted.clone()));
    tx.commit().await.unwrap();

    let due = s.charges_awaiting_fee(100, 10, "default").await.unwrap();
    assert_eq!(ids(&due), [("ch_a", 0)]);
    assert_eq!(due[0].charge, unknown);

    // Once its fee is known it is no longer asked about.
    let mut tx = s.begin_ledger(&[]).await.unwrap();
    tx.save_charge(&ChargeRecord {
        fee_actual_minor: Some(59),
        ..unknown.clone()
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(
        s.charges_awaiting_fee(100, 10, "default")
            .await
            .unwrap()
            .is_empty()
    );
}

async fn a_failed_request_waits_for_its_next_attempt(s: Fresh) {
    let charges = ["ch_a", "ch_b", "ch_c"].map(|id| charge(id, "pi_1"));
    charges_of_a_gift(&s, &charges.each_ref()).await;
    let (bt, event) = (FetchKind::BalanceTransaction, FetchKind::Event);

    s.fetch_failed(bt, "ch_a", 1, 160, "status 500", 100)
        .await
        .unwrap();
    // A failure of another kind with the same id does not hold the charge back.
    s.fetch_failed(event, "ch_b", 3, 10_000, "no", 100)
        .await
        .unwrap();
    assert_eq!(
        ids(&s.charges_awaiting_fee(159, 10, "default").await.unwrap()),
        [("ch_b", 0), ("ch_c", 0)]
    );
    // Due again at its time, after those never asked; `limit` takes the first.
    assert_eq!(
        ids(&s.charges_awaiting_fee(160, 10, "default").await.unwrap()),
        [("ch_b", 0), ("ch_c", 0), ("ch_a", 1)]
    );
    assert_eq!(
        ids(&s.charges_awaiting_fee(160, 1, "default").await.unwrap()),
        [("ch_b", 0)]
    );
    // The next failure replaces the row; a success forgets it.
    s.fetch_failed(bt, "ch_a", 2, 400, "timed out", 160)
        .await
        .unwrap();
    assert_eq!(
        ids(&s.charges_awaiting_fee(399, 10, "default").await.unwrap()).len(),
        2
    );
    assert_eq!(
        ids(&s.charges_awaiting_fee(400, 10, "default").await.unwrap())[2],
        ("ch_a", 2)
    );
    s.fetch_succeeded(bt, "ch_a").await.unwrap();
    assert_eq!(
        ids(&s.charges_awaiting_fee(0, 10, "default").await.unwrap()),
        [("ch_a", 0), ("ch_b", 0), ("ch_c", 0)]
    );
    s.fetch_succeeded(bt, "ch_a").await.unwrap();
}

fn stored(id: &str, outcome: &str, created: i64) -> WebhookEvent {
    WebhookEvent {
        id: id.into(),
        event_type: "invoice.paid".into(),
        created,
        livemode: false,
        outcome: outcome.into(),
        detail: Some("could not parse event object".into()),
        payload: format!(r#"{{"id":"{id}","api_version":"2024-06-20"}}"#),
        received_at: created,
        applied_at: None,
    }
}

async fn unparsed_events_are_due_until_settled(s: Fresh) {
    let mut tx = s.begin_ledger(&[]).await.unwrap();
    for e in [
        stored("evt_2", "unparsed", 20),
        stored("evt_1", "unparsed", 10),
        stored("evt_3", "applied", 5),
    ] {
        assert!(tx.insert_event(&e).await.unwrap());
    }
    tx.commit().await.unwrap();
    let due = |at: i64| {
        let s = &s;
        async move {
            s.unparsed_events_due(at, 10)
                .await
                .unwrap()
                .into_iter()
                .map(|u| (u.event.id, u.attempts))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        due(0).await,
        [("evt_1".to_string(), 0), ("evt_2".to_string(), 0)]
    );
    let first = s.unparsed_events_due(0, 1).await.unwrap();
    assert_eq!(first[0].event, stored("evt_1", "unparsed", 10));

    s.fetch_failed(FetchKind::Event, "evt_1", 1, 60, "status 404", 0)
        .await
        .unwrap();
    assert_eq!(due(59).await, [("evt_2".to_string(), 0)]);
    assert_eq!(
        due(60).await,
        [("evt_1".to_string(), 1), ("evt_2".to_string(), 0)]
    );
    // Applied at last, it is no longer due.
    let mut tx = s.begin_ledger(&[]).await.unwrap();
    tx.set_event_outcome("evt_2", "applied", Some("fetched again"), Some(70))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(due(60).await, [("evt_1".to_string(), 1)]);
}

async fn a_follow_up_resolves_a_flag_once(s: Fresh) {
    let mut tx = s.begin_ledger(&[]).await.unwrap();
    tx.flag(
        "unparsed:evt_1",
        None,
        Some("evt_1"),
        "unparsed_event",
        "did not parse",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let mut tx = s.begin_ledger(&[]).await.unwrap();
    assert!(tx.resolve_flag("unparsed:evt_1", 50).await.unwrap());
    assert!(!tx.resolve_flag("unparsed:evt_1", 60).await.unwrap());
    assert!(!tx.resolve_flag("unparsed:evt_none", 60).await.unwrap());
    drop(tx);
    let flags = s.flags().await.unwrap();
    assert_eq!(
        flags[0].resolved_at, None,
        "rolled back with its transaction"
    );

    let mut tx = s.begin_ledger(&[]).await.unwrap();
    assert!(tx.resolve_flag("unparsed:evt_1", 50).await.unwrap());
    tx.commit().await.unwrap();
    let flags = s.flags().await.unwrap();
    assert_eq!(
        (flags.len(), flags[0].resolved_at, flags[0].kind.as_str()),
        (1, Some(50), "unparsed_event")
    );
}
