//! How ledger transactions wait for each other: one that touches an object another holds waits
//! for it to end and then sees what it committed; on PostgreSQL, ones that touch nothing in
//! common commit side by side, and a cycle of waits fails one of them as contention. (SQLite's
//! one writer runs every ledger transaction after the one before.)

use std::time::Duration;

use super::{Fresh, campaign, gift, on_both_backends};
use crate::domain::object_key::ObjectKey;
use crate::store::Progress;

on_both_backends!(
    a_transaction_waits_for_one_holding_an_object_it_reads,
    transactions_of_unrelated_objects_commit_side_by_side,
    a_cycle_of_waits_fails_one_transaction_as_contention,
);

/// Long enough for a transaction that does not wait to have finished many times over; a wait
/// that should happen is then seen as a task not finished (a slow machine can only make a
/// missing wait go unseen, never make a correct one fail).
const SETTLE: Duration = Duration::from_millis(300);

fn donation(id: &str) -> ObjectKey {
    ObjectKey::Donation(id.into())
}

fn one_gift() -> Progress {
    Progress {
        raised_minor: 1_000,
        gifts: 1,
        donors: 1,
        ..Progress::default()
    }
}

async fn a_transaction_waits_for_one_holding_an_object_it_reads(s: Fresh) {
    let c = campaign(&s, "spring").await;
    let mut setup = s.begin_ledger(&[]).await.unwrap();
    setup.insert_donation(&gift("d-1", &c, 10)).await.unwrap();
    setup.commit().await.unwrap();

    let mut first = s.begin_ledger(&[donation("d-1")]).await.unwrap();
    let store = s.shared();
    let second = tokio::spawn(async move {
        let mut tx = store.begin_ledger(&[]).await.unwrap();
        // Reading a donation locks it first: this waits for `first`.
        let seen = tx.donation("d-1").await.unwrap().unwrap();
        tx.commit().await.unwrap();
        seen
    });
    let mut d = first.donation("d-1").await.unwrap().unwrap();
    d.status = "succeeded".into();
    first.save_donation(&d).await.unwrap();
    tokio::time::sleep(SETTLE).await;
    assert!(
        !second.is_finished(),
        "the second waits for the first to end"
    );
    first.commit().await.unwrap();
    let seen = second.await.unwrap();
    assert_eq!(seen.status, "succeeded", "and then reads what it committed");
}

async fn transactions_of_unrelated_objects_commit_side_by_side(s: Fresh) {
    let c = campaign(&s, "spring").await;
    let mut first = s.begin_ledger(&[donation("d-1")]).await.unwrap();
    first.insert_donation(&gift("d-1", &c, 10)).await.unwrap();

    let (store, campaign_id) = (s.shared(), c.id);
    let second_gift = gift("d-2", &c, 10);
    let second = tokio::spawn(async move {
        let mut tx = store.begin_ledger(&[donation("d-2")]).await.unwrap();
        tx.insert_donation(&second_gift).await.unwrap();
        tx.add_progress(campaign_id, "d-2", &one_gift())
            .await
            .unwrap();
        tx.commit().await.unwrap();
    });
    if s.backend() == "postgres" {
        // No object in common: the second commits while the first is still open.
        tokio::time::timeout(Duration::from_secs(60), second)
            .await
            .expect("the second transaction committed while the first was open")
            .unwrap();
        assert!(s.donation("d-2").await.unwrap().is_some());
        assert_eq!(s.donation("d-1").await.unwrap(), None, "the first is not");
        first.add_progress(c.id, "d-1", &one_gift()).await.unwrap();
        first.commit().await.unwrap();
    } else {
        tokio::time::sleep(SETTLE).await;
        assert!(
            !second.is_finished(),
            "SQLite's one writer runs them in turn"
        );
        first.add_progress(c.id, "d-1", &one_gift()).await.unwrap();
        first.commit().await.unwrap();
        second.await.unwrap();
    }
    let (_, p) = s.campaign_progress("spring").await.unwrap().unwrap();
    assert_eq!((p.raised_minor, p.gifts, p.donors), (2_000, 2, 2));
}

async fn a_cycle_of_waits_fails_one_transaction_as_contention(s: Fresh) {
    if s.backend() != "postgres" {
        return; // One writer: two ledger transactions are never open at once.
    }
    let c = campaign(&s, "spring").await;
    let mut setup = s.begin_ledger(&[]).await.unwrap();
    setup.insert_donation(&gift("d-1", &c, 10)).await.unwrap();
    setup.insert_donation(&gift("d-2", &c, 10)).await.unwrap();
    setup.commit().await.unwrap();

    let mut a = s.begin_ledger(&[donation("d-1")]).await.unwrap();
    let mut b = s.begin_ledger(&[donation("d-2")]).await.unwrap();
    // Each now reads what the other holds: PostgreSQL detects the cycle and fails one.
    let (ra, rb) = tokio::join!(a.donation("d-2"), b.donation("d-1"));
    let failed: Vec<_> = [&ra, &rb]
        .into_iter()
        .filter_map(|r| r.as_ref().err())
        .collect();
    assert_eq!(
        failed.len(),
        1,
        "exactly one of the two fails: {ra:?} {rb:?}"
    );
    assert!(failed[0].is_contention(), "as contention: {}", failed[0]);
    drop((a, b));
}
