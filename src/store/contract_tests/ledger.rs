//! `LedgerStore` and the sub-traits of `LedgerTx`, and the reads of `ReportStore` over what a
//! ledger transaction wrote.

use super::{Fresh, campaign, gift, on_both_backends};
use crate::domain::contribution::payment_rank;
use crate::store::{
    ChargeRecord, Dispute, MoneyBack, NewMessage, Payment, Progress, Refund, WebhookEvent,
};

on_both_backends!(
    a_ledger_transaction_commits_whole_or_rolls_back_when_dropped,
    events_flags_and_messages_in_a_ledger_transaction,
    donations_and_their_figures_in_a_ledger_transaction,
    money_records_in_a_ledger_transaction_and_the_reports_on_them,
);

fn event(id: &str, created: i64) -> WebhookEvent {
    WebhookEvent {
        id: id.into(),
        event_type: "checkout.session.completed".into(),
        created,
        livemode: false,
        outcome: "received".into(),
        detail: None,
        payload: "{}".into(),
        received_at: created + 1,
        applied_at: None,
    }
}

async fn a_ledger_transaction_commits_whole_or_rolls_back_when_dropped(s: Fresh) {
    let c = campaign(&s, "spring").await;
    let mut tx = s.begin_ledger(&[]).await.unwrap();
    assert!(tx.insert_event(&event("evt_1", 10)).await.unwrap());
    tx.insert_donation(&gift("d-1", &c, 10)).await.unwrap();
    assert!(tx.event("evt_1").await.unwrap().is_some(), "seen inside");
    drop(tx);
    assert_eq!(s.webhook_event("evt_1").await.unwrap(), None, "rolled back");
    assert_eq!(s.donation("d-1").await.unwrap(), None, "rolled back whole");

    let mut tx = s.begin_ledger(&[]).await.unwrap();
    assert!(tx.insert_event(&event("evt_1", 10)).await.unwrap());
    tx.insert_donation(&gift("d-1", &c, 10)).await.unwrap();
    assert_eq!(
        s.webhook_event("evt_1").await.unwrap(),
        None,
        "not visible before commit"
    );
    tx.commit().await.unwrap();
    assert_eq!(
        s.webhook_event("evt_1").await.unwrap(),
        Some(event("evt_1", 10))
    );
    assert_eq!(s.donation("d-1").await.unwrap(), Some(gift("d-1", &c, 10)));

    // The next ledger transaction begins once the one before has ended.
    let mut tx = s.begin_ledger(&[]).await.unwrap();
    assert!(
        !tx.insert_event(&event("evt_1", 10)).await.unwrap(),
        "a duplicate delivery"
    );
    tx.commit().await.unwrap();
}

async fn events_flags_and_messages_in_a_ledger_transaction(s: Fresh) {
    let c = campaign(&s, "spring").await;
    let mut tx = s.begin_ledger(&[]).await.unwrap();
    tx.insert_donation(&gift("d-1", &c, 10)).await.unwrap();
    tx.insert_event(&event("evt_1", 10)).await.unwrap();
    tx.insert_event(&event("evt_2", 5)).await.unwrap();
    tx.set_event_outcome("evt_1", "applied", Some("paid"), Some(20))
        .await
        .unwrap();
    let applied = tx.event("evt_1").await.unwrap().unwrap();
    assert_eq!(
        (applied.outcome.as_str(), applied.detail.as_deref()),
        ("applied", Some("paid"))
    );
    assert_eq!(applied.applied_at, Some(20));
    assert_eq!(tx.event("evt_3").await.unwrap(), None);

    tx.flag(
        "flag-1",
        Some("d-1"),
        Some("evt_1"),
        "amount_mismatch",
        "off by 1",
    )
    .await
    .unwrap();
    tx.flag(
        "flag-1",
        Some("d-1"),
        Some("evt_1"),
        "amount_mismatch",
        "again",
    )
    .await
    .unwrap();
    tx.flag("flag-2", None, Some("evt_2"), "unparsed", "bad json")
        .await
        .unwrap();
    let receipt = NewMessage {
        key: "receipt:d-1".into(),
        kind: "receipt".into(),
        donation_id: Some("d-1".into()),
        payment_id: None,
        recipient: "ana@example.org".into(),
        payload: Some("{}".into()),
    };
    assert!(tx.enqueue(&receipt, 20).await.unwrap());
    assert!(!tx.enqueue(&receipt, 21).await.unwrap(), "queued once");
    assert_eq!(tx.message_keys_of("d-1").await.unwrap(), ["receipt:d-1"]);
    assert!(tx.message_keys_of("d-2").await.unwrap().is_empty());
    tx.commit().await.unwrap();

    let applied = s.webhook_events_by_outcome("applied").await.unwrap();
    assert_eq!(
        applied.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
        ["evt_1"]
    );
    let received = s.webhook_events_by_outcome("received").await.unwrap();
    assert_eq!(received, vec![event("evt_2", 5)]);

    let flags = s.flags().await.unwrap();
    let keys: Vec<&str> = flags.iter().map(|f| f.flag_key.as_str()).collect();
    assert_eq!(keys, ["flag-1", "flag-2"], "a flag's key is kept once");
    assert_eq!(flags[0].detail, "off by 1");
    assert_eq!(flags[0].resolved_at, None);
    let of_campaign = s.recent_flags(Some(c.id), 10).await.unwrap();
    assert_eq!(of_campaign.len(), 1);
    assert_eq!(of_campaign[0].campaign_slug.as_deref(), Some("spring"));
    assert_eq!(of_campaign[0].flag, flags[0]);
    let recent = s.recent_flags(None, 10).await.unwrap();
    let slugs: Vec<Option<&str>> = recent.iter().map(|f| f.campaign_slug.as_deref()).collect();
    assert_eq!(slugs.len(), 2);
    assert!(slugs.contains(&None) && slugs.contains(&Some("spring")));
    assert_eq!(s.recent_flags(None, 1).await.unwrap().len(), 1);

    let queued = s.outbox(Some("d-1")).await.unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(
        (queued[0].status.as_str(), queued[0].next_attempt_at),
        ("pending", 20)
    );
}

async fn donations_and_their_figures_in_a_ledger_transaction(s: Fresh) {
    let c = campaign(&s, "spring").await;
    let mut tx = s.begin_ledger(&[]).await.unwrap();
    assert_eq!(tx.campaign(c.id).await.unwrap(), Some(c.clone()));
    assert_eq!(tx.campaign(c.id + 100).await.unwrap(), None);
    tx.insert_donation(&gift("d-1", &c, 10)).await.unwrap();
    let mut d = tx.donation("d-1").await.unwrap().expect("inserted");
    d.status = "succeeded".into();
    d.checkout_session_id = Some("cs_1".into());
    d.subscription_id = Some("sub_1".into());
    d.counted_raised_minor = 1_000;
    d.counted_gifts = 1;
    d.plan_amount_minor = Some(1_000);
    d.updated_at = 20;
    tx.save_donation(&d).await.unwrap();
    assert_eq!(
        tx.donation_by_session("cs_1").await.unwrap(),
        Some(d.clone())
    );
    assert_eq!(
        tx.donation_by_subscription("sub_1").await.unwrap(),
        Some(d.clone())
    );
    assert_eq!(tx.donation_by_session("cs_2").await.unwrap(), None);

    let delta = Progress {
        raised_minor: 1_000,
        gifts: 1,
        donors: 1,
        recurring_active: 1,
        recurring_monthly_gift_minor: 1_000,
        recurring_annual_gift_minor: 0,
    };
    // Two donations' figures: in one aggregate row or two, a read sums them.
    tx.add_progress(c.id, "d-1", &delta).await.unwrap();
    tx.add_progress(c.id, "d-2", &delta).await.unwrap();
    assert_eq!(
        tx.add_donor_count(c.id, "donor-a", 1).await.unwrap(),
        (0, 1)
    );
    assert_eq!(
        tx.add_donor_count(c.id, "donor-a", 1).await.unwrap(),
        (1, 2)
    );
    assert_eq!(
        tx.add_donor_count(c.id, "donor-a", -1).await.unwrap(),
        (2, 1)
    );
    assert_eq!(
        tx.add_donor_count(c.id, "donor-b", 1).await.unwrap(),
        (0, 1)
    );
    tx.commit().await.unwrap();

    assert_eq!(s.donation("d-1").await.unwrap(), Some(d));
    let (_, progress) = s.campaign_progress("spring").await.unwrap().unwrap();
    let twice = Progress {
        raised_minor: 2_000,
        gifts: 2,
        donors: 2,
        recurring_active: 2,
        recurring_monthly_gift_minor: 2_000,
        recurring_annual_gift_minor: 0,
    };
    assert_eq!(progress, twice);
}

pub(super) fn payment(
    id: &str,
    donation_id: Option<&str>,
    pi: &str,
    rank: i64,
    paid_at: i64,
) -> Payment {
    Payment {
        id: id.into(),
        donation_id: donation_id.map(Into::into),
        subscription_id: None,
        payment_intent_id: Some(pi.into()),
        kind: "one_time".into(),
        status: payment_rank::name(rank).into(),
        status_rank: rank,
        amount_minor: Some(1_000),
        currency: Some("usd".into()),
        failure_reason: None,
        attempt_count: 1,
        fee_actual_minor: Some(59),
        paid_at: Some(paid_at),
        created_at: paid_at,
        updated_at: paid_at,
    }
}

async fn money_records_in_a_ledger_transaction_and_the_reports_on_them(s: Fresh) {
    let c = campaign(&s, "spring").await;
    let charge = ChargeRecord {
        id: "ch_1".into(),
        payment_intent_id: Some("pi_1".into()),
        amount_minor: 1_000,
        amount_refunded_minor: 400,
        refunded_at: 40,
        currency: "usd".into(),
        fee_actual_minor: Some(59),
        updated_at: 40,
        balance_transaction_id: Some("txn_1".into()),
        net_actual_minor: Some(941),
        settlement_currency: None,
    };
    let mut refund = Refund {
        id: "re_1".into(),
        charge_id: Some("ch_1".into()),
        payment_intent_id: None,
        amount_minor: 400,
        currency: "usd".into(),
        status: "succeeded".into(),
        status_rank: 2,
        status_at: 40,
        refund_created: Some(39),
        created_at: 40,
        updated_at: 40,
    };
    let mut dispute = Dispute {
        id: "dp_1".into(),
        charge_id: Some("ch_1".into()),
        payment_intent_id: None,
        amount_minor: 600,
        currency: "usd".into(),
        status: "needs_response".into(),
        withdrawn: true,
        reinstated: false,
        created_at: 50,
        updated_at: 50,
    };
    let paid = payment("pay_1", Some("d-1"), "pi_1", payment_rank::SUCCEEDED, 30);
    let mut installment = payment("pay_2", None, "pi_2", payment_rank::PENDING, 35);
    installment.subscription_id = Some("sub_1".into());

    let mut tx = s.begin_ledger(&[]).await.unwrap();
    tx.insert_donation(&gift("d-1", &c, 10)).await.unwrap();
    let mut first = paid.clone();
    first.status_rank = payment_rank::PENDING;
    tx.save_payment(&first).await.unwrap();
    assert_eq!(tx.payment("pay_1").await.unwrap(), Some(first));
    tx.save_payment(&paid).await.unwrap();
    assert_eq!(
        tx.payment("pay_1").await.unwrap(),
        Some(paid.clone()),
        "saved whole, once"
    );
    tx.save_payment(&installment).await.unwrap();
    assert_eq!(
        tx.adopt_subscription_payments("sub_1", "d-1")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        tx.adopt_subscription_payments("sub_1", "d-1")
            .await
            .unwrap(),
        0
    );
    installment.donation_id = Some("d-1".into());
    assert_eq!(
        tx.payments_of("d-1").await.unwrap(),
        [paid.clone(), installment.clone()]
    );
    assert_eq!(
        tx.payments_by_intent("pi_1").await.unwrap(),
        vec![paid.clone()]
    );
    assert_eq!(tx.payment("pay_3").await.unwrap(), None);

    tx.save_charge(&charge).await.unwrap();
    assert_eq!(tx.charge("ch_1").await.unwrap(), Some(charge.clone()));
    // What d-1's payments' PaymentIntents (pi_1) have behind them.
    assert_eq!(
        tx.money_back_of("d-1").await.unwrap().charges,
        vec![charge.clone()]
    );
    tx.save_refund(&refund).await.unwrap();
    tx.save_dispute(&dispute).await.unwrap();
    assert!(
        tx.money_back_of("d-1").await.unwrap().refunds.is_empty(),
        "known by charge only"
    );
    tx.backfill_intent("ch_1", "pi_1").await.unwrap();
    refund.payment_intent_id = Some("pi_1".into());
    dispute.payment_intent_id = Some("pi_1".into());
    assert_eq!(tx.refund("re_1").await.unwrap(), Some(refund.clone()));
    assert_eq!(tx.dispute("dp_1").await.unwrap(), Some(dispute.clone()));
    assert_eq!(
        tx.money_back_of("d-1").await.unwrap(),
        MoneyBack {
            refunds: vec![refund.clone()],
            charges: vec![charge.clone()],
            disputes: vec![dispute.clone()],
        }
    );
    assert_eq!(
        tx.money_back_of("d-2").await.unwrap(),
        MoneyBack::default(),
        "another donation's payments have none"
    );
    dispute.status = "won".into();
    dispute.updated_at = 60;
    tx.save_dispute(&dispute).await.unwrap();
    assert_eq!(tx.dispute("dp_1").await.unwrap(), Some(dispute.clone()));
    assert_eq!(
        (
            tx.refund("re_2").await.unwrap(),
            tx.dispute("dp_2").await.unwrap()
        ),
        (None, None)
    );
    tx.commit().await.unwrap();

    assert_eq!(
        s.payments_of("d-1").await.unwrap(),
        [paid.clone(), installment.clone()]
    );
    let records = s.campaign_records(c.id).await.unwrap();
    assert_eq!(records.progress, Progress::default());
    assert_eq!(records.donations, [gift("d-1", &c, 10)]);
    assert_eq!(records.payments, [paid.clone(), installment]);
    assert_eq!(records.charges, vec![charge.clone()]);
    assert_eq!(records.refunds, vec![refund.clone()]);
    assert_eq!(records.disputes, vec![dispute.clone()]);
    let other = campaign(&s, "autumn").await;
    assert!(
        s.campaign_records(other.id)
            .await
            .unwrap()
            .donations
            .is_empty()
    );

    assert_eq!(
        s.payments_paid_between(0, 100).await.unwrap(),
        vec![paid.clone()],
        "succeeded only"
    );
    assert!(s.payments_paid_between(31, 100).await.unwrap().is_empty());
    let (refunds, charges, disputes) = s.intent_records("pi_1").await.unwrap();
    assert_eq!(
        (refunds, charges, disputes),
        (vec![refund], vec![charge], vec![dispute])
    );
    let (refunds, charges, disputes) = s.intent_records("pi_9").await.unwrap();
    assert!(refunds.is_empty() && charges.is_empty() && disputes.is_empty());
}
