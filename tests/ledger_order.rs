//! Order does not matter: for generated scenarios (one-time gifts, recurring plans with several
//! installments, partial and full refunds, disputes won and lost, failures, cancellations), any
//! permutation of the events with duplicates ends in the same donation states and campaign
//! progress as in-order delivery. Runs at the ledger level on SQLite and PostgreSQL.

mod common;

use std::sync::Arc;

use common::{Backend, TestDb, Vars, event, gift_vars, ingest, pending_donation, with};
use donations::store::{Campaign, CampaignFields, Store};
use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestCaseError, TestRunner};

#[derive(Debug, Clone)]
enum DisputeEnd {
    None,
    Won,
    Lost,
}

#[derive(Debug, Clone)]
enum GiftSpec {
    OneTime {
        gift: i64,
        fail_first: bool,
        fee: bool,
        /// Partial refunds as per-mille of the total; a full refund when `full`.
        refunds: Vec<u16>,
        full: bool,
        dispute: DisputeEnd,
    },
    Recurring {
        gift: i64,
        annual: bool,
        installments: u8,
        fail_first: bool,
        refund_of: Option<(u8, u16)>,
        cancel: bool,
    },
}

fn gift_spec() -> impl Strategy<Value = GiftSpec> {
    let one_time = (
        100i64..500_000,
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(1u16..300, 0..3),
        any::<bool>(),
        prop_oneof![
            Just(DisputeEnd::None),
            Just(DisputeEnd::Won),
            Just(DisputeEnd::Lost)
        ],
    )
        .prop_map(
            |(gift, fail_first, fee, refunds, full, dispute)| GiftSpec::OneTime {
                gift,
                fail_first,
                fee,
                refunds,
                full,
                dispute,
            },
        );
    let recurring = (
        100i64..100_000,
        any::<bool>(),
        1u8..4,
        any::<bool>(),
        prop::option::of((1u8..4, 1u16..1001)),
        any::<bool>(),
    )
        .prop_map(
            |(gift, annual, installments, fail_first, refund_of, cancel)| GiftSpec::Recurring {
                gift,
                annual,
                installments,
                fail_first,
                refund_of: refund_of.map(|(k, a)| (k.min(installments), a)),
                cancel,
            },
        );
    prop_oneof![one_time, recurring]
}

/// A scenario: some gifts, and a delivery order given as sort keys plus which events repeat.
fn scenario() -> impl Strategy<Value = (Vec<GiftSpec>, Vec<u32>, Vec<bool>)> {
    prop::collection::vec(gift_spec(), 1..4).prop_flat_map(|gifts| {
        let n = 64; // more than any scenario's event count
        (
            Just(gifts),
            prop::collection::vec(any::<u32>(), n),
            prop::collection::vec(any::<bool>(), n),
        )
    })
}

fn total_for(gift: i64) -> i64 {
    // A fee-covered total at 2.9% + 30¢, computed by the real rule.
    donations::domain::fees::cover(gift, &donations::domain::fees::FeeRate::stripe_standard())
        .map(|c| c.total_minor)
        .unwrap_or(gift)
}

/// The events of one gift, in the order they happened (increasing `CREATED`).
fn events_of(spec: &GiftSpec, v: &Vars, tag: &str, clock: &mut i64) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = |kind: &str, changes: Vec<(&str, String)>| {
        *clock += 10;
        let mut changes = changes;
        changes.push(("CREATED", clock.to_string()));
        out.push(event(kind, &with(v, &changes)));
    };
    match spec {
        GiftSpec::OneTime {
            fail_first,
            fee,
            refunds,
            full,
            dispute,
            ..
        } => {
            let total: i64 = v["TOTAL_MINOR"].parse().unwrap();
            if *fail_first {
                at("payment_intent.payment_failed", vec![]);
            }
            at("checkout.session.completed", vec![]);
            at("charge.succeeded", vec![]);
            if *fee {
                let fee = total * 3 / 100 + 30;
                at(
                    "charge.updated",
                    vec![
                        ("FEE_MINOR", fee.to_string()),
                        ("NET_MINOR", (total - fee).to_string()),
                    ],
                );
            }
            let mut refunded = 0;
            let mut amounts: Vec<i64> = refunds
                .iter()
                .map(|pm| (total * i64::from(*pm) / 1000).max(1))
                .collect();
            if *full {
                amounts.push(total - amounts.iter().sum::<i64>().min(total));
            }
            for (i, amount) in amounts.into_iter().enumerate() {
                if amount <= 0 || refunded + amount > total {
                    continue;
                }
                refunded += amount;
                let rid = format!("re_{tag}_{i}");
                at(
                    "refund.created",
                    vec![
                        ("REFUND_ID", rid.clone()),
                        ("AMOUNT_MINOR", amount.to_string()),
                        ("REFUND_STATUS", "pending".into()),
                    ],
                );
                at(
                    "refund.updated",
                    vec![
                        ("REFUND_ID", rid.clone()),
                        ("AMOUNT_MINOR", amount.to_string()),
                    ],
                );
                at(
                    "charge.refunded",
                    vec![
                        ("REFUND_ID", rid),
                        ("AMOUNT_MINOR", amount.to_string()),
                        ("AMOUNT_REFUNDED_MINOR", refunded.to_string()),
                    ],
                );
            }
            let disputed = (total - refunded).to_string();
            match dispute {
                DisputeEnd::None => {}
                DisputeEnd::Won | DisputeEnd::Lost => {
                    at(
                        "charge.dispute.created",
                        vec![("AMOUNT_MINOR", disputed.clone())],
                    );
                    at(
                        "charge.dispute.funds_withdrawn",
                        vec![("AMOUNT_MINOR", disputed.clone())],
                    );
                    if matches!(dispute, DisputeEnd::Won) {
                        at(
                            "charge.dispute.funds_reinstated",
                            vec![
                                ("AMOUNT_MINOR", disputed.clone()),
                                ("DISPUTE_STATUS", "won".into()),
                            ],
                        );
                        at(
                            "charge.dispute.closed",
                            vec![("AMOUNT_MINOR", disputed), ("DISPUTE_STATUS", "won".into())],
                        );
                    } else {
                        at(
                            "charge.dispute.closed",
                            vec![
                                ("AMOUNT_MINOR", disputed),
                                ("DISPUTE_STATUS", "lost".into()),
                            ],
                        );
                    }
                }
            }
        }
        GiftSpec::Recurring {
            installments,
            fail_first,
            refund_of,
            cancel,
            ..
        } => {
            at("checkout.session.completed", vec![]);
            at("customer.subscription.created", vec![]);
            for k in 1..=*installments {
                let invoice = format!("in_{tag}_{k}");
                let ids = vec![
                    ("INVOICE_ID", invoice.clone()),
                    ("PAYMENT_INTENT_ID", format!("pi_{invoice}")),
                    ("CHARGE_ID", format!("ch_{invoice}")),
                ];
                if k == 1 && *fail_first {
                    at("invoice.payment_failed", ids.clone());
                    at(
                        "customer.subscription.updated",
                        vec![("SUBSCRIPTION_STATUS", "past_due".into())],
                    );
                }
                at("invoice.paid", ids.clone());
                at("invoice_payment.paid", ids.clone());
                if k == 1 && *fail_first {
                    at(
                        "customer.subscription.updated",
                        vec![("SUBSCRIPTION_STATUS", "active".into())],
                    );
                }
                if let Some((which, pm)) = refund_of
                    && *which == k
                {
                    let total: i64 = v["TOTAL_MINOR"].parse().unwrap();
                    let amount = (total * i64::from(*pm) / 1000).max(1);
                    let mut r = ids.clone();
                    r.push(("AMOUNT_MINOR", amount.to_string()));
                    r.push(("REFUND_ID", format!("re_{invoice}")));
                    at("refund.created", r);
                }
            }
            if *cancel {
                at("customer.subscription.deleted", vec![]);
            }
        }
    }
    out
}

async fn new_campaign(store: &dyn Store, slug: &str) -> Campaign {
    store
        .create_campaign(&CampaignFields {
            slug: slug.into(),
            name: slug.into(),
            description: String::new(),
            currency: "usd".into(),
            goal_minor: 10_000_000,
            starts_at: None,
            ends_at: None,
            fee_percent: "2.9".into(),
            fee_fixed_minor: 30,
            status: "active".into(),
            success_url: None,
            cancel_url: None,
        })
        .await
        .unwrap()
}

/// Records the scenario's donations in a new campaign and returns their events in order.
async fn setup(
    store: &dyn Store,
    slug: &str,
    gifts: &[GiftSpec],
) -> (Campaign, Vec<String>, Vec<String>) {
    let campaign = new_campaign(store, slug).await;
    let mut events = Vec::new();
    let mut ids = Vec::new();
    let mut clock = 1_700_000_000;
    for (i, g) in gifts.iter().enumerate() {
        let (freq, gift) = match g {
            GiftSpec::OneTime { gift, .. } => ("one_time", *gift),
            GiftSpec::Recurring { gift, annual, .. } => {
                (if *annual { "annual" } else { "monthly" }, *gift)
            }
        };
        // Two gifts share a donor so that distinct-donor counting is exercised.
        let email = format!("donor{}@example.org", i % 2);
        let d = pending_donation(store, &campaign, freq, gift, total_for(gift), &email).await;
        let tag = format!("{slug}_{i}");
        let v = gift_vars(&d, slug, &tag);
        events.extend(events_of(g, &v, &tag, &mut clock));
        ids.push(d.id);
    }
    (campaign, events, ids)
}

fn half_up_share(amount: i64, num: i64, den: i64) -> i64 {
    // (amount × num / den) rounded half up, in integers: an independent check of the rule.
    (2 * amount * num + den) / (2 * den)
}

/// What the campaign should show, computed from the scenario alone (not from the ledger code):
/// (raised, gifts, donors, recurring plans active).
fn expected(gifts: &[GiftSpec]) -> (i64, i64, i64, i64) {
    let (mut raised, mut count, mut active) = (0, 0, 0);
    let mut donors = std::collections::BTreeSet::new();
    for (i, g) in gifts.iter().enumerate() {
        let mut counted_here = 0;
        match g {
            GiftSpec::OneTime {
                gift,
                refunds,
                full,
                dispute,
                ..
            } => {
                let total = total_for(*gift);
                let mut refunded = 0;
                let mut amounts: Vec<i64> = refunds
                    .iter()
                    .map(|pm| (total * i64::from(*pm) / 1000).max(1))
                    .collect();
                if *full {
                    amounts.push(total - amounts.iter().sum::<i64>().min(total));
                }
                for a in amounts {
                    if a > 0 && refunded + a <= total {
                        refunded += a;
                    }
                }
                let off = match dispute {
                    DisputeEnd::Lost => total,
                    _ => refunded,
                };
                let c = if off >= total {
                    0
                } else {
                    gift - half_up_share(off, *gift, total)
                };
                raised += c;
                if c > 0 {
                    count += 1;
                    counted_here += 1;
                }
            }
            GiftSpec::Recurring {
                gift,
                installments,
                refund_of,
                cancel,
                ..
            } => {
                let total = total_for(*gift);
                for k in 1..=*installments {
                    let off = match refund_of {
                        Some((which, pm)) if *which == k => (total * i64::from(*pm) / 1000).max(1),
                        _ => 0,
                    };
                    let c = if off >= total {
                        0
                    } else {
                        gift - half_up_share(off, *gift, total)
                    };
                    raised += c;
                    if c > 0 {
                        count += 1;
                        counted_here += 1;
                    }
                }
                if !cancel {
                    active += 1;
                }
            }
        }
        if counted_here > 0 {
            donors.insert(i % 2);
        }
    }
    (raised, count, donors.len() as i64, active)
}

/// Everything that must not depend on delivery order, in a comparable form.
async fn state(store: &dyn Store, c: &Campaign, ids: &[String]) -> Vec<String> {
    let (_, p) = store.campaign_progress(&c.slug).await.unwrap().unwrap();
    let mut out = vec![format!("{p:?}")];
    for id in ids {
        let d = store.donation(id).await.unwrap().unwrap();
        out.push(format!(
            "status={} raised={} gifts={} donor={} recurring={} refunded={} disputed={} plan={:?} fee={:?} failure={:?}",
            d.status,
            d.counted_raised_minor,
            d.counted_gifts,
            d.counted_donor,
            d.counted_recurring,
            d.refunded_minor,
            d.disputed_minor,
            d.plan_status,
            d.fee_actual_minor,
            d.failure_reason
        ));
    }
    out
}

fn check_order_independence(backend: Backend, cases: u32) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestDb::new(&backend));
    let store: Arc<dyn Store> = rt.block_on(donations::store::connect(&db.url, 4)).unwrap();
    let mut runner = TestRunner::new(RunnerConfig {
        cases,
        failure_persistence: None,
        ..RunnerConfig::default()
    });
    let counter = std::sync::atomic::AtomicU32::new(0);
    let moved = std::sync::atomic::AtomicU32::new(0);
    runner
        .run(&scenario(), |(gifts, keys, dups)| {
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            rt.block_on(async {
                let (c1, in_order, ids1) =
                    setup(store.as_ref(), &format!("in-order-{n}"), &gifts).await;
                for e in &in_order {
                    ingest(store.as_ref(), e).await;
                }
                let (c2, events2, ids2) =
                    setup(store.as_ref(), &format!("shuffled-{n}"), &gifts).await;
                // Shuffle by the generated keys, and deliver some events twice.
                let mut order: Vec<(u32, &String)> = events2
                    .iter()
                    .enumerate()
                    .map(|(i, e)| (keys[i], e))
                    .collect();
                for (i, e) in events2.iter().enumerate() {
                    if dups[i] {
                        order.push((keys[(i + 7) % keys.len()] ^ 0x5555, e));
                    }
                }
                order.sort_by_key(|(k, _)| *k);
                for (_, e) in &order {
                    ingest(store.as_ref(), e).await;
                }
                let (_, p) = store.campaign_progress(&c1.slug).await.unwrap().unwrap();
                let want = expected(&gifts);
                if (p.raised_minor, p.gifts, p.donors, p.recurring_active) != want {
                    return Err(TestCaseError::fail(format!("expected {want:?}, got {p:?}")));
                }
                if p.raised_minor > 0 {
                    moved.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                let a = state(store.as_ref(), &c1, &ids1).await;
                let b = state(store.as_ref(), &c2, &ids2).await;
                if a != b {
                    return Err(TestCaseError::fail(format!(
                        "in order:\n{a:#?}\nshuffled:\n{b:#?}"
                    )));
                }
                // And a redelivery of everything changes nothing.
                for e in &in_order {
                    ingest(store.as_ref(), e).await;
                }
                let again = state(store.as_ref(), &c1, &ids1).await;
                if a != again {
                    return Err(TestCaseError::fail(
                        "a redelivery changed the state".to_string(),
                    ));
                }
                Ok(())
            })
        })
        .unwrap_or_else(|e| panic!("{e}"));
    // The scenarios really moved money (a test where nothing counts would prove nothing).
    assert!(moved.load(std::sync::atomic::Ordering::Relaxed) > cases / 2);
    rt.block_on(store.close());
}

#[test]
fn any_order_with_duplicates_gives_the_same_state_sqlite() {
    check_order_independence(Backend::Sqlite, 40);
}

#[test]
fn any_order_with_duplicates_gives_the_same_state_postgres() {
    if let Some(b) = Backend::postgres() {
        check_order_independence(b, 24);
    }
}
