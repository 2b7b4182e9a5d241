//! Order does not matter: for generated scenarios (one-time gifts, recurring plans with several
//! installments, partial and full refunds, refunds that fail, are canceled or come off the
//! charge's total again, disputes won, lost, still open and inquiries, plans whose amount the
//! donor changes, failures, cancellations; some gifts made on one of two supporters' pages), any
//! permutation of the events with duplicates ends in the same donation states, campaign
//! progress, supporters' pages' progress (each page's exactly what the scenario says of its
//! gifts) and members (every gift pays membership dues of half its amount, so refunds and
//! disputes move paid-through both ways) as in-order delivery, and so does the same delivered by
//! several tasks at once (on PostgreSQL, ledger transactions of unrelated objects then really
//! run side by side, and those of related ones wait for each other or are run again after a
//! deadlock). Runs at the ledger level on SQLite and PostgreSQL; `tests/storm.rs` sends storms
//! over HTTP to one server, two servers, and a server killed with SIGKILL and restarted.

#[path = "api/helpers/mod.rs"]
mod helpers;

use std::sync::Arc;

use donations::store::{Campaign, CampaignFields, Store};
use helpers::scenario::{
    DisputeEnd, GiftSpec, Undo, events_of, expected, expected_of, expected_recurring,
    expected_recurring_of, total_for,
};
use helpers::{Backend, TestDb, gift_vars, ingest, pending_donation_on, public_page};
use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestCaseError, TestRunner};

fn gift_spec() -> impl Strategy<Value = GiftSpec> {
    let one_time = (
        100i64..500_000,
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(1u16..300, 0..3),
        any::<bool>(),
        prop::option::of((
            1u16..300,
            prop_oneof![
                Just(Undo::Failed),
                Just(Undo::Canceled),
                Just(Undo::ChargeWentDown)
            ],
        )),
        prop_oneof![
            Just(DisputeEnd::None),
            Just(DisputeEnd::Won),
            Just(DisputeEnd::Lost),
            Just(DisputeEnd::Inquiry),
            Just(DisputeEnd::Open)
        ],
    )
        .prop_map(|(gift, fail_first, fee, refunds, full, undone, dispute)| {
            GiftSpec::OneTime {
                gift,
                fail_first,
                fee,
                refunds,
                full,
                undone,
                dispute,
            }
        });
    let recurring = (
        100i64..100_000,
        any::<bool>(),
        1u8..4,
        any::<bool>(),
        prop::option::of((1u8..4, 1u16..1001)),
        prop::option::of(100i64..200_000),
        any::<bool>(),
    )
        .prop_map(
            |(gift, annual, installments, fail_first, refund_of, new_total, cancel)| {
                GiftSpec::Recurring {
                    gift,
                    annual,
                    installments,
                    fail_first,
                    refund_of: refund_of.map(|(k, a)| (k.min(installments), a)),
                    new_total,
                    cancel,
                }
            },
        );
    prop_oneof![one_time, recurring]
}

/// A scenario: some gifts, the supporter's page each is made on (0: none, 1 or 2: one of two
/// pages), and a delivery order given as sort keys plus which events repeat.
type Scenario = (Vec<GiftSpec>, Vec<u8>, Vec<u32>, Vec<bool>);

fn scenario() -> impl Strategy<Value = Scenario> {
    prop::collection::vec(gift_spec(), 1..4).prop_flat_map(|gifts| {
        let n = 128; // more than any scenario's event count
        let g = gifts.len();
        (
            Just(gifts),
            prop::collection::vec(0u8..3, g),
            prop::collection::vec(any::<u32>(), n),
            prop::collection::vec(any::<bool>(), n),
        )
    })
}

/// The two supporters' pages of a run's campaign.
const PAGES: [u8; 2] = [1, 2];

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

/// A run's campaign, its two supporters' pages, its events in order, its donations and their
/// donors' keys.
struct Run {
    campaign: Campaign,
    pages: Vec<String>,
    events: Vec<String>,
    ids: Vec<String>,
    donors: Vec<String>,
}

/// Records the scenario's donations in a new campaign (each on the page `on` names) and returns
/// their events in order.
async fn setup(store: &dyn Store, slug: &str, gifts: &[GiftSpec], on: &[u8]) -> Run {
    let campaign = new_campaign(store, slug).await;
    let mut pages = Vec::new();
    for p in PAGES {
        pages.push(public_page(store, &campaign, &format!("page-{p}")).await.id);
    }
    let mut events = Vec::new();
    let mut ids = Vec::new();
    let mut donors = Vec::new();
    let mut clock = 1_700_000_000;
    for (i, g) in gifts.iter().enumerate() {
        let (freq, gift) = match g {
            GiftSpec::OneTime { gift, .. } => ("one_time", *gift),
            GiftSpec::Recurring { gift, annual, .. } => {
                (if *annual { "annual" } else { "monthly" }, *gift)
            }
        };
        // Two gifts share a donor so that distinct-donor counting is exercised; each run has
        // donors of its own, as a member is a donor's across campaigns.
        let email = format!("donor{}-{slug}@example.org", i % 2);
        let page = match on[i] {
            0 => None,
            p => Some(pages[usize::from(p) - 1].as_str()),
        };
        let total = total_for(gift);
        let d = pending_donation_on(store, &campaign, page, freq, gift, total, &email, |d| {
            d.dues_minimum_minor = Some(gift / 2)
        })
        .await;
        let tag = format!("{slug}_{i}");
        let v = gift_vars(&d, slug, &tag);
        events.extend(events_of(g, &v, &tag, &mut clock));
        ids.push(d.id);
        if !donors.contains(&d.donor_key) {
            donors.push(d.donor_key);
        }
    }
    Run {
        campaign,
        pages,
        events,
        ids,
        donors,
    }
}

/// How many tasks deliver the concurrent run's events, each taking the next from one queue.
const SENDERS: usize = 6;

/// Delivers `events` in their order from `SENDERS` tasks at once: each event starts after the
/// ones before it started, and any number of them may be in flight together.
async fn deliver_concurrently(store: &Arc<dyn Store>, events: Vec<String>) {
    let queue = Arc::new(std::sync::Mutex::new(events.into_iter()));
    let senders: Vec<_> = (0..SENDERS)
        .map(|_| {
            let (store, queue) = (store.clone(), queue.clone());
            tokio::spawn(async move {
                loop {
                    let next = queue.lock().unwrap().next();
                    match next {
                        Some(e) => ingest(store.as_ref(), &e).await,
                        None => return,
                    };
                }
            })
        })
        .collect();
    for s in senders {
        s.await.expect("a sender failed");
    }
}

/// Everything that must not depend on delivery order, in a comparable form.
async fn state(store: &dyn Store, run: &Run) -> Vec<String> {
    let (_, p) = store
        .campaign_progress(&run.campaign.slug)
        .await
        .unwrap()
        .unwrap();
    let mut out = vec![format!("{p:?}")];
    for page in &run.pages {
        let l = store.fundraiser_progress(page).await.unwrap().unwrap();
        out.push(format!("page {}: {:?}", l.fundraiser.slug, l.progress));
    }
    // Each donor's membership (their address aside: each run has its own donors).
    for key in &run.donors {
        let m = store.membership_of(key).await.unwrap();
        out.push(format!(
            "member={:?}",
            m.map(|m| (
                m.since,
                m.paid_through,
                m.last_paid_at,
                m.payments,
                m.frequency
            ))
        ));
    }
    for id in &run.ids {
        let d = store.donation(id).await.unwrap().unwrap();
        out.push(format!(
            "status={} raised={} gifts={} donor={} recurring={} refunded={} disputed={} plan={:?} fee={:?} net={:?} failure={:?}",
            d.status,
            d.counted_raised_minor,
            d.counted_gifts,
            d.counted_donor,
            d.counted_recurring,
            d.refunded_minor,
            d.disputed_minor,
            d.plan_status,
            d.fee_actual_minor,
            d.net_actual_minor,
            d.failure_reason
        ));
        // The emails queued for it: a receipt per paid payment, a tribute note, a canceled
        // plan's confirmation, each once. (A failed installment's nudge is left out on purpose:
        // it is queued only if the failure is heard of before the installment is paid.)
        let mut kinds: Vec<String> = store
            .outbox(Some(id))
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.kind != "payment_failed")
            .map(|m| m.kind)
            .collect();
        kinds.sort();
        out.push(format!("emails={kinds:?}"));
    }
    out
}

fn check_order_independence(backend: Backend, cases: u32) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestDb::new(&backend));
    let store: Arc<dyn Store> = rt.block_on(donations::store::connect(&db.url, 8)).unwrap();
    let mut runner = TestRunner::new(RunnerConfig {
        cases,
        failure_persistence: None,
        ..RunnerConfig::default()
    });
    let counter = std::sync::atomic::AtomicU32::new(0);
    let moved = std::sync::atomic::AtomicU32::new(0);
    let on_pages = std::sync::atomic::AtomicU32::new(0);
    let members = std::sync::atomic::AtomicU32::new(0);
    runner
        .run(&scenario(), |(gifts, on, keys, dups)| {
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            rt.block_on(async {
                let run1 = setup(store.as_ref(), &format!("in-order-{n}"), &gifts, &on).await;
                let in_order = &run1.events;
                for e in in_order {
                    ingest(store.as_ref(), e).await;
                }
                let run2 = setup(store.as_ref(), &format!("shuffled-{n}"), &gifts, &on).await;
                let events2 = &run2.events;
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
                let (_, p) = store
                    .campaign_progress(&run1.campaign.slug)
                    .await
                    .unwrap()
                    .unwrap();
                let want = expected(&gifts);
                if (p.raised_minor, p.gifts, p.donors, p.recurring_active) != want {
                    return Err(TestCaseError::fail(format!("expected {want:?}, got {p:?}")));
                }
                let want = expected_recurring(&gifts);
                if (
                    p.recurring_monthly_gift_minor,
                    p.recurring_annual_gift_minor,
                ) != want
                {
                    return Err(TestCaseError::fail(format!(
                        "expected recurring {want:?}, got {p:?}"
                    )));
                }
                if p.raised_minor > 0 {
                    moved.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                // Each page shows exactly its own gifts, by the same rule.
                for (page, id) in PAGES.iter().zip(&run1.pages) {
                    let on_page = |i: usize| on[i] == *page;
                    let l = store.fundraiser_progress(id).await.unwrap().unwrap();
                    let got = &l.progress;
                    let want = (
                        expected_of(&gifts, on_page),
                        expected_recurring_of(&gifts, on_page),
                    );
                    let figures = (
                        (
                            got.raised_minor,
                            got.gifts,
                            got.donors,
                            got.recurring_active,
                        ),
                        (
                            got.recurring_monthly_gift_minor,
                            got.recurring_annual_gift_minor,
                        ),
                    );
                    if figures != want {
                        return Err(TestCaseError::fail(format!(
                            "page {page}: expected {want:?}, got {got:?}"
                        )));
                    }
                    if got.raised_minor > 0 {
                        on_pages.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
                let a = state(store.as_ref(), &run1).await;
                let b = state(store.as_ref(), &run2).await;
                if a.iter().any(|s| s.starts_with("member=Some")) {
                    members.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                if a != b {
                    return Err(TestCaseError::fail(format!(
                        "in order:\n{a:#?}\nshuffled:\n{b:#?}"
                    )));
                }
                // The same shuffle with its duplicates, delivered by several tasks at once.
                let run3 = setup(store.as_ref(), &format!("concurrent-{n}"), &gifts, &on).await;
                let events3 = &run3.events;
                let mut order3: Vec<(u32, String)> = events3
                    .iter()
                    .enumerate()
                    .map(|(i, e)| (keys[i], e.clone()))
                    .collect();
                for (i, e) in events3.iter().enumerate() {
                    if dups[i] {
                        order3.push((keys[(i + 7) % keys.len()] ^ 0x5555, e.clone()));
                    }
                }
                order3.sort_by_key(|(k, _)| *k);
                deliver_concurrently(&store, order3.into_iter().map(|(_, e)| e).collect()).await;
                let c = state(store.as_ref(), &run3).await;
                if a != c {
                    return Err(TestCaseError::fail(format!(
                        "in order:\n{a:#?}\nconcurrently:\n{c:#?}"
                    )));
                }
                // And a redelivery of everything changes nothing.
                for e in in_order {
                    ingest(store.as_ref(), e).await;
                }
                let again = state(store.as_ref(), &run1).await;
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
    // And money moved on supporters' pages too.
    assert!(on_pages.load(std::sync::atomic::Ordering::Relaxed) > cases / 4);
    // ... and made members.
    assert!(members.load(std::sync::atomic::Ordering::Relaxed) > cases / 2);
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
