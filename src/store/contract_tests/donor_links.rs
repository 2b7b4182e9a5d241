//! `DonorLinkStore`: a donor's recurring gifts with a plan, found by lowercased address, and
//! "manage my gift" requests recorded with their email in one transaction and counted by
//! address and time.

use super::{Fresh, campaign, gift, on_both_backends};
use crate::domain::donation::Frequency;
use crate::store::NewMessage;

on_both_backends!(recurring_gifts_and_link_requests_by_address);

async fn recurring_gifts_and_link_requests_by_address(s: Fresh) {
    let c = campaign(&s, "plans").await;
    let mut monthly = gift("don_a", &c, 10);
    monthly.frequency = Frequency::Monthly;
    monthly.donor_key = "ana@x.org".into();
    monthly.subscription_id = Some("sub_a".into());
    let mut annual = gift("don_b", &c, 20);
    annual.frequency = Frequency::Annual;
    annual.donor_key = "ana@x.org".into();
    annual.subscription_id = Some("sub_b".into());
    // Hers too, but not a plan: a one-time gift, and a recurring checkout never completed.
    let mut once = gift("don_c", &c, 30);
    once.donor_key = "ana@x.org".into();
    let mut unstarted = gift("don_d", &c, 40);
    unstarted.frequency = Frequency::Monthly;
    unstarted.donor_key = "ana@x.org".into();
    let mut bens = gift("don_e", &c, 50);
    bens.frequency = Frequency::Monthly;
    bens.donor_key = "ben@x.org".into();
    bens.subscription_id = Some("sub_e".into());
    for d in [&annual, &monthly, &once, &unstarted, &bens] {
        s.insert_donation(d, None).await.unwrap();
    }
    let ids: Vec<String> = s
        .recurring_gifts_of("ana@x.org")
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(ids, ["don_a", "don_b"], "hers, with a plan, oldest first");
    assert!(
        s.recurring_gifts_of("nobody@x.org")
            .await
            .unwrap()
            .is_empty()
    );

    let message = |id: &str| NewMessage {
        key: format!("manage_links:{id}"),
        kind: "manage_links".into(),
        donation_id: None,
        payment_id: None,
        recipient: "Ana@X.org".into(),
        payload: Some(id.into()),
    };
    s.create_manage_link_request("r1", "ana@x.org", &message("r1"), 100)
        .await
        .unwrap();
    s.create_manage_link_request("r2", "ana@x.org", &message("r2"), 200)
        .await
        .unwrap();
    assert_eq!(
        s.manage_link_request("r1").await.unwrap().as_deref(),
        Some("ana@x.org")
    );
    assert_eq!(s.manage_link_request("r9").await.unwrap(), None);
    assert_eq!(
        s.manage_link_requests_since("ana@x.org", 100)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        s.manage_link_requests_since("ana@x.org", 101)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        s.manage_link_requests_since("ben@x.org", 0).await.unwrap(),
        0
    );
    // Each request's email is in the outbox with it.
    let queued: Vec<String> = s
        .outbox(None)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.message_key)
        .collect();
    assert_eq!(queued, ["manage_links:r1", "manage_links:r2"]);
    // A request id is used once: a second with the same id fails and queues nothing.
    assert!(
        s.create_manage_link_request("r1", "ana@x.org", &message("r1b"), 300)
            .await
            .is_err()
    );
    assert_eq!(s.outbox(None).await.unwrap().len(), 2);
}
