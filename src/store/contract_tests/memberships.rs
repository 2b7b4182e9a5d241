//! `MembershipTx` (a donor's dues-paying gifts and their one member row, in a ledger
//! transaction) and `MembershipStore` (the staff list, by donor key, active or lapsed).

use super::{Fresh, campaign, gift, on_both_backends};
use crate::domain::donation::Frequency;
use crate::store::{Membership, MembershipFilter};

on_both_backends!(
    a_members_row_is_kept_by_donor_key_in_a_ledger_transaction,
    members_are_listed_by_donor_key_active_or_lapsed,
);

fn member(key: &str, paid_through: i64) -> Membership {
    Membership {
        donor_key: key.into(),
        email: key.to_uppercase(),
        name: format!("Member {key}"),
        since: 100,
        paid_through,
        last_paid_at: 150,
        payments: 2,
        frequency: Frequency::Monthly,
        updated_at: 160,
    }
}

async fn a_members_row_is_kept_by_donor_key_in_a_ledger_transaction(s: Fresh) {
    let c = campaign(&s, "members").await;
    let mut tx = s.begin_ledger(&[]).await.unwrap();
    // Only the donor's gifts that pay dues, oldest first, offline ones too.
    let mut dues = gift("d-2", &c, 20);
    dues.donor_key = "ana@example.org".into();
    dues.dues_minimum_minor = Some(500);
    let mut older = gift("d-1", &c, 10);
    older.donor_key = "ana@example.org".into();
    older.dues_minimum_minor = Some(6_000);
    older.source = crate::domain::donation::Source::Offline;
    older.payment_method = None;
    let mut plain = gift("d-3", &c, 30);
    plain.donor_key = "ana@example.org".into();
    let mut someone_else = gift("d-4", &c, 40);
    someone_else.donor_key = "bo@example.org".into();
    someone_else.dues_minimum_minor = Some(500);
    for d in [&dues, &older, &plain, &someone_else] {
        tx.insert_donation(d).await.unwrap();
    }
    assert_eq!(
        tx.dues_donations_of("ana@example.org").await.unwrap(),
        vec![older, dues]
    );
    assert!(
        tx.dues_donations_of("cy@example.org")
            .await
            .unwrap()
            .is_empty()
    );

    assert_eq!(tx.membership("ana@example.org").await.unwrap(), None);
    let ana = member("ana@example.org", 1_000);
    tx.save_membership(&ana).await.unwrap();
    assert_eq!(
        tx.membership("ana@example.org").await.unwrap(),
        Some(ana.clone())
    );
    // Saved again, the row is replaced whole.
    let renewed = Membership {
        paid_through: 2_000,
        payments: 3,
        frequency: Frequency::Annual,
        name: "Ana Pérez".into(),
        ..ana.clone()
    };
    tx.save_membership(&renewed).await.unwrap();
    tx.save_membership(&member("bo@example.org", 500))
        .await
        .unwrap();
    assert_eq!(
        s.membership_of("ana@example.org").await.unwrap(),
        None,
        "not visible before commit"
    );
    tx.commit().await.unwrap();
    assert_eq!(
        s.membership_of("ana@example.org").await.unwrap(),
        Some(renewed)
    );

    let mut tx = s.begin_ledger(&[]).await.unwrap();
    tx.delete_membership("bo@example.org").await.unwrap();
    tx.delete_membership("nobody@example.org").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(s.membership_of("bo@example.org").await.unwrap(), None);
    assert!(s.membership_of("ana@example.org").await.unwrap().is_some());
}

async fn members_are_listed_by_donor_key_active_or_lapsed(s: Fresh) {
    let mut tx = s.begin_ledger(&[]).await.unwrap();
    for (key, through) in [("cy@x.org", 300), ("ana@x.org", 100), ("bo@x.org", 200)] {
        tx.save_membership(&member(key, through)).await.unwrap();
    }
    tx.commit().await.unwrap();
    let keys = |v: Vec<Membership>| v.into_iter().map(|m| m.donor_key).collect::<Vec<_>>();
    let all = MembershipFilter::default();
    assert_eq!(
        keys(s.memberships(&all, None, 10).await.unwrap()),
        ["ana@x.org", "bo@x.org", "cy@x.org"]
    );
    // Pages after a key.
    assert_eq!(
        keys(s.memberships(&all, None, 2).await.unwrap()),
        ["ana@x.org", "bo@x.org"]
    );
    assert_eq!(
        keys(s.memberships(&all, Some("bo@x.org"), 2).await.unwrap()),
        ["cy@x.org"]
    );
    // Active: paid through the time or later; lapsed: before it.
    let active = MembershipFilter {
        active: Some(true),
        at: 200,
        organization: None,
    };
    assert_eq!(
        keys(s.memberships(&active, None, 10).await.unwrap()),
        ["bo@x.org", "cy@x.org"]
    );
    let lapsed = MembershipFilter {
        active: Some(false),
        at: 200,
        organization: None,
    };
    assert_eq!(
        keys(s.memberships(&lapsed, None, 10).await.unwrap()),
        ["ana@x.org"]
    );
    assert_eq!(
        s.memberships(&all, None, 1).await.unwrap(),
        vec![member("ana@x.org", 100)]
    );
}
