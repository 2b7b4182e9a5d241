//! `Store` itself, `CampaignStore`, `StaffStore`, `DonationStore`, `OutboxStore`, and the
//! donation reads of `ReportStore`.

use super::{Fresh, campaign, gift, on_both_backends};
use crate::store::{
    Campaign, CampaignOptions, DonationCursor, DonationFilter, IdempotencyClaim, NewMessage,
    Progress, StoreError,
};

on_both_backends!(
    the_store_is_healthy_and_keeps_its_secrets,
    campaigns_are_created_read_updated_and_listed,
    staff_sessions_expire_and_end_with_their_token,
    a_donation_claims_its_idempotency_key_once,
    a_checkout_is_recorded_or_fails_and_frees_its_key,
    outbox_messages_are_leased_sent_failed_and_requeued,
    claimed_messages_are_released_to_be_sent_at_once,
    the_donation_list_filters_and_pages_by_cursor,
    the_reports_read_counted_pending_and_offline_gifts,
);

async fn the_store_is_healthy_and_keeps_its_secrets(s: Fresh) {
    assert!(["sqlite", "postgres"].contains(&s.backend()));
    s.ping().await.expect("ping");
    s.heartbeat(10).await.expect("heartbeat");
    s.heartbeat(20)
        .await
        .expect("a second heartbeat updates the row");
    let first = s.server_secret("link", "candidate-1").await.unwrap();
    assert_eq!(first, "candidate-1");
    let again = s.server_secret("link", "candidate-2").await.unwrap();
    assert_eq!(again, "candidate-1", "the first candidate stays the secret");
    let other = s.server_secret("other", "candidate-3").await.unwrap();
    assert_eq!(other, "candidate-3", "each name has its own secret");
}

async fn campaigns_are_created_read_updated_and_listed(s: Fresh) {
    let spring = campaign(&s, "spring").await;
    assert_eq!(spring.slug, "spring");
    assert_eq!(spring.options(), CampaignOptions::default());
    assert!(spring.created_at > 0 && spring.created_at == spring.updated_at);
    let autumn = campaign(&s, "autumn").await;
    assert_ne!(spring.id, autumn.id);

    assert_eq!(
        s.campaign_by_slug("spring").await.unwrap(),
        Some(spring.clone())
    );
    assert_eq!(
        s.campaign_by_id(autumn.id).await.unwrap(),
        Some(autumn.clone())
    );
    assert_eq!(s.campaign_by_slug("winter").await.unwrap(), None);
    assert_eq!(s.campaign_by_id(autumn.id + 100).await.unwrap(), None);
    let listed = s.campaigns().await.unwrap();
    assert_eq!(
        listed,
        vec![spring.clone(), autumn.clone()],
        "in order of creation"
    );

    let again = s.create_campaign(&spring.fields()).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");

    let mut fields = spring.fields();
    fields.name = "Spring drive".into();
    fields.goal_minor = 250_000;
    let options = CampaignOptions {
        hide_amounts: true,
        min_gift_minor: 500,
        bank_debit: true,
        membership_dues_minor: Some(6_000),
        dues_not_deductible: true,
    };
    let updated = s
        .update_campaign(spring.id, &fields, &options)
        .await
        .unwrap();
    assert_eq!(
        (updated.id, updated.name.as_str()),
        (spring.id, "Spring drive")
    );
    assert_eq!((updated.goal_minor, updated.options()), (250_000, options));
    assert_eq!(
        s.campaign_by_id(spring.id).await.unwrap(),
        Some(updated.clone())
    );
    let missing = s.update_campaign(autumn.id + 100, &fields, &options).await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");

    let with_options = s
        .create_campaign_with(&Campaign::sample("gala", "Gala", 5_000).fields(), &options)
        .await
        .unwrap();
    assert_eq!(with_options.options(), options);

    let (read, progress) = s
        .campaign_progress("spring")
        .await
        .unwrap()
        .expect("progress");
    assert_eq!((read, progress), (updated, Progress::default()));
    assert_eq!(s.campaign_progress("winter").await.unwrap(), None);
}

async fn staff_sessions_expire_and_end_with_their_token(s: Fresh) {
    let token = s.create_staff_token("ana", "hash-ana").await.unwrap();
    assert_eq!((token.name.as_str(), token.revoked_at), ("ana", None));
    assert_eq!(
        s.staff_token_by_hash("hash-ana").await.unwrap(),
        Some(token.clone())
    );
    assert_eq!(s.staff_token_by_hash("hash-other").await.unwrap(), None);
    let twin = s.create_staff_token("ana", "hash-ana-2").await;
    assert!(matches!(twin, Err(StoreError::Conflict(_))), "{twin:?}");

    // A session is good until just before `expires_at`.
    s.create_staff_session("session-1", token.id, "csrf-1", 1_000)
        .await
        .unwrap();
    let session = s
        .staff_session("session-1", 999)
        .await
        .unwrap()
        .expect("live");
    assert_eq!(session.token_id, Some(token.id));
    assert_eq!(session.staff_name, "ana");
    assert_eq!(
        (session.csrf_token.as_str(), session.expires_at),
        ("csrf-1", 1_000)
    );
    assert_eq!(s.staff_session("session-1", 1_000).await.unwrap(), None);
    assert_eq!(s.staff_session("session-0", 999).await.unwrap(), None);

    // Expired sessions (by the clock) are cleared as new ones are made.
    let far = crate::store::now() + 3_600;
    s.create_staff_session("session-2", token.id, "csrf-2", far)
        .await
        .unwrap();
    assert_eq!(s.staff_session("session-1", 0).await.unwrap(), None);
    s.delete_staff_session("session-2").await.unwrap();
    assert_eq!(s.staff_session("session-2", 0).await.unwrap(), None);

    s.create_staff_session("session-3", token.id, "csrf-3", far)
        .await
        .unwrap();
    assert!(s.staff_session("session-3", 0).await.unwrap().is_some());
    assert!(s.revoke_staff_token("ana").await.unwrap());
    assert_eq!(s.staff_session("session-3", 0).await.unwrap(), None);
    let revoked = s.staff_token_by_hash("hash-ana").await.unwrap().unwrap();
    assert!(revoked.revoked_at.is_some());
    assert!(
        !s.revoke_staff_token("ana").await.unwrap(),
        "nothing left to revoke"
    );
    let renewed = s.create_staff_token("ana", "hash-ana-3").await.unwrap();
    assert_ne!(renewed.id, token.id, "the name is free again once revoked");
}

async fn a_donation_claims_its_idempotency_key_once(s: Fresh) {
    let c = campaign(&s, "spring").await;
    let first = gift("d-1", &c, 100);
    let claim = s.insert_donation(&first, Some(("key-1", "hash-1"))).await;
    assert_eq!(claim.unwrap(), IdempotencyClaim::Claimed);
    assert_eq!(s.donation("d-1").await.unwrap(), Some(first.clone()));

    let retry = gift("d-2", &c, 101);
    let claim = s.insert_donation(&retry, Some(("key-1", "hash-2"))).await;
    let existing = IdempotencyClaim::Existing {
        request_hash: "hash-1".into(),
        donation_id: "d-1".into(),
        response_json: None,
    };
    assert_eq!(claim.unwrap(), existing);
    assert_eq!(s.donation("d-2").await.unwrap(), None, "nothing inserted");

    // A bank debit paying membership dues keeps its method and dues; an offline gift has no
    // checkout method.
    let mut by_bank = gift("d-3", &c, 102);
    by_bank.payment_method = Some(crate::domain::donation::PaymentMethod::UsBankAccount);
    by_bank.dues_minimum_minor = Some(500);
    let unkeyed = s.insert_donation(&by_bank, None).await;
    assert_eq!(unkeyed.unwrap(), IdempotencyClaim::Claimed);
    assert_eq!(s.donation("d-3").await.unwrap(), Some(by_bank));
    let mut offline = gift("d-5", &c, 104);
    offline.payment_method = None;
    s.insert_donation(&offline, None).await.unwrap();
    assert_eq!(s.donation("d-5").await.unwrap(), Some(offline));
    assert_eq!(s.donation("d-4").await.unwrap(), None);
}

async fn a_checkout_is_recorded_or_fails_and_frees_its_key(s: Fresh) {
    let c = campaign(&s, "spring").await;
    s.insert_donation(&gift("d-1", &c, 100), Some(("key-1", "hash-1")))
        .await
        .unwrap();
    s.checkout_created(
        "d-1",
        "cs_1",
        "https://pay/cs_1",
        Some("key-1"),
        "{\"ok\":1}",
    )
    .await
    .unwrap();
    let d = s.donation("d-1").await.unwrap().unwrap();
    assert_eq!(d.checkout_session_id.as_deref(), Some("cs_1"));
    assert_eq!(d.checkout_url.as_deref(), Some("https://pay/cs_1"));
    assert_eq!(d.status, "pending");
    let replay = gift("d-2", &c, 101);
    match s
        .insert_donation(&replay, Some(("key-1", "hash-1")))
        .await
        .unwrap()
    {
        IdempotencyClaim::Existing { response_json, .. } => {
            assert_eq!(response_json.as_deref(), Some("{\"ok\":1}"));
        }
        other => panic!("the key is taken: {other:?}"),
    }

    s.insert_donation(&gift("d-3", &c, 102), Some(("key-3", "hash-3")))
        .await
        .unwrap();
    s.checkout_failed("d-3", "card declined", Some("key-3"))
        .await
        .unwrap();
    let failed = s.donation("d-3").await.unwrap().unwrap();
    assert_eq!(failed.status, "failed");
    assert_eq!(failed.failure_reason.as_deref(), Some("card declined"));
    let retry = s
        .insert_donation(&gift("d-4", &c, 103), Some(("key-3", "hash-3")))
        .await;
    assert_eq!(
        retry.unwrap(),
        IdempotencyClaim::Claimed,
        "the key was freed"
    );
    // Only a pending donation fails.
    s.checkout_failed("d-3", "again", None).await.unwrap();
    let still = s.donation("d-3").await.unwrap().unwrap();
    assert_eq!(still.failure_reason.as_deref(), Some("card declined"));
}

fn message(key: &str, donation_id: &str) -> NewMessage {
    NewMessage {
        key: key.into(),
        kind: "receipt".into(),
        donation_id: Some(donation_id.into()),
        payment_id: None,
        recipient: "ana@example.org".into(),
        payload: None,
    }
}

async fn outbox_messages_are_leased_sent_failed_and_requeued(s: Fresh) {
    assert!(
        s.enqueue_message(&message("m-a", "d-1"), 100)
            .await
            .unwrap()
    );
    assert!(
        !s.enqueue_message(&message("m-a", "d-1"), 100)
            .await
            .unwrap(),
        "queued once"
    );
    assert!(
        s.enqueue_message(&message("m-b", "d-1"), 100)
            .await
            .unwrap()
    );
    assert!(
        s.enqueue_message(&message("m-c", "d-2"), 1_000)
            .await
            .unwrap()
    );

    let claimed = s.claim_messages(100, 160, 10).await.unwrap();
    let keys: Vec<&str> = claimed.iter().map(|m| m.message_key.as_str()).collect();
    assert_eq!(
        keys,
        ["m-a", "m-b"],
        "due ones, oldest first; m-c is not due"
    );
    assert!(
        claimed
            .iter()
            .all(|m| m.attempts == 1 && m.locked_until == Some(160))
    );
    let (a, b) = (claimed[0].id, claimed[1].id);
    assert!(
        s.claim_messages(120, 180, 10).await.unwrap().is_empty(),
        "leased"
    );
    let lapsed = s.claim_messages(160, 220, 1).await.unwrap();
    assert_eq!(lapsed.len(), 1, "at most the limit");
    assert_eq!(
        (lapsed[0].id, lapsed[0].attempts),
        (a, 2),
        "the lease lapsed"
    );

    s.message_sent(a, "Thank you", 170).await.unwrap();
    let sent = s.message(a).await.unwrap().unwrap();
    assert_eq!(sent.status, "sent");
    assert_eq!(
        (sent.subject.as_deref(), sent.sent_at),
        (Some("Thank you"), Some(170))
    );
    assert_eq!(sent.locked_until, None);

    s.message_failed(b, "smtp down", Some(300)).await.unwrap();
    let retrying = s.message(b).await.unwrap().unwrap();
    assert_eq!(retrying.status, "pending");
    assert_eq!(retrying.last_error.as_deref(), Some("smtp down"));
    assert_eq!(
        (retrying.next_attempt_at, retrying.locked_until),
        (300, None)
    );
    assert!(
        s.claim_messages(200, 260, 10).await.unwrap().is_empty(),
        "not due yet"
    );
    assert!(
        s.flags().await.unwrap().is_empty(),
        "a retry raises no flag"
    );

    s.message_failed(b, "gave up", None).await.unwrap();
    assert_eq!(s.message(b).await.unwrap().unwrap().status, "failed");
    let flags = s.flags().await.unwrap();
    assert_eq!(flags.len(), 1);
    assert_eq!(
        (flags[0].flag_key.as_str(), flags[0].kind.as_str()),
        ("email:m-b", "email_failed")
    );
    assert_eq!(flags[0].donation_id.as_deref(), Some("d-1"));

    assert!(
        s.requeue_message(a, 400).await.unwrap(),
        "a sent message goes again"
    );
    let requeued = s.message(a).await.unwrap().unwrap();
    assert_eq!(
        (requeued.status.as_str(), requeued.attempts),
        ("pending", 0)
    );
    assert_eq!((requeued.next_attempt_at, requeued.last_error), (400, None));
    assert!(
        !s.requeue_message(a, 400).await.unwrap(),
        "still waiting to be sent"
    );
    assert!(
        s.requeue_message(b, 400).await.unwrap(),
        "a failed message goes again"
    );
    assert!(
        !s.requeue_message(b + 100, 400).await.unwrap(),
        "no such message"
    );
    assert_eq!(s.message(b + 100).await.unwrap(), None);

    let of_d1: Vec<i64> = s
        .outbox(Some("d-1"))
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(of_d1, [a, b]);
    assert_eq!(s.outbox(None).await.unwrap().len(), 3);
}

async fn the_donation_list_filters_and_pages_by_cursor(s: Fresh) {
    let spring = campaign(&s, "spring").await;
    let autumn = campaign(&s, "autumn").await;
    let mut monthly = gift("d-30", &spring, 30);
    monthly.frequency = crate::domain::donation::Frequency::Monthly;
    for d in [
        gift("d-10", &spring, 10),
        gift("d-20a", &spring, 20),
        gift("d-20b", &spring, 20),
        gift("d-25", &autumn, 25),
        monthly,
    ] {
        s.insert_donation(&d, None).await.unwrap();
    }
    s.checkout_failed("d-10", "declined", None).await.unwrap();
    let ids = |listed: Vec<crate::store::ListedDonation>| -> Vec<String> {
        listed.into_iter().map(|l| l.donation.id).collect()
    };
    let all = DonationFilter::default();

    let everything = s.list_donations(&all, None, 10).await.unwrap();
    let slugs: Vec<&str> = everything
        .iter()
        .map(|l| l.campaign_slug.as_str())
        .collect();
    assert_eq!(slugs, ["spring", "autumn", "spring", "spring", "spring"]);
    assert_eq!(ids(everything), ["d-30", "d-25", "d-20b", "d-20a", "d-10"]);

    let of_spring = DonationFilter {
        campaign_id: Some(spring.id),
        ..all.clone()
    };
    let listed = s.list_donations(&of_spring, None, 10).await.unwrap();
    assert_eq!(ids(listed), ["d-30", "d-20b", "d-20a", "d-10"]);
    let failed = DonationFilter {
        status: Some("failed".into()),
        ..all.clone()
    };
    assert_eq!(
        ids(s.list_donations(&failed, None, 10).await.unwrap()),
        ["d-10"]
    );
    let monthly = DonationFilter {
        frequency: Some("monthly".into()),
        ..all.clone()
    };
    assert_eq!(
        ids(s.list_donations(&monthly, None, 10).await.unwrap()),
        ["d-30"]
    );
    let window = DonationFilter {
        from: Some(20),
        to: Some(30),
        ..all.clone()
    };
    let listed = s.list_donations(&window, None, 10).await.unwrap();
    assert_eq!(
        ids(listed),
        ["d-25", "d-20b", "d-20a"],
        "from inclusive, to exclusive"
    );

    // Pages of two, each after the last row of the one before (ties broken by id).
    let page = ids(s.list_donations(&of_spring, None, 2).await.unwrap());
    assert_eq!(page, ["d-30", "d-20b"]);
    let after = DonationCursor {
        created_at: 20,
        id: "d-20b".into(),
    };
    let page = ids(s.list_donations(&of_spring, Some(&after), 2).await.unwrap());
    assert_eq!(page, ["d-20a", "d-10"]);
    let after = DonationCursor {
        created_at: 10,
        id: "d-10".into(),
    };
    assert!(
        s.list_donations(&of_spring, Some(&after), 2)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn the_reports_read_counted_pending_and_offline_gifts(s: Fresh) {
    let c = campaign(&s, "spring").await;
    let mut counted = gift("d-counted", &c, 10);
    counted.counted_gifts = 1;
    let mut offline = gift("d-offline", &c, 30);
    offline.source = crate::domain::donation::Source::Offline;
    offline.gift_date = Some(5);
    let mut voided = gift("d-voided", &c, 6);
    voided.source = crate::domain::donation::Source::Offline;
    voided.voided_at = Some(7);
    for d in [
        counted.clone(),
        gift("d-pending", &c, 20),
        offline.clone(),
        voided,
    ] {
        s.insert_donation(&d, None).await.unwrap();
    }

    let wall = s.counted_donations(c.id, 10).await.unwrap();
    assert_eq!(wall, vec![counted], "only donations that count");
    let pending: Vec<String> = (s.pending_donations(20, 10).await.unwrap())
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(
        pending,
        ["d-counted", "d-pending"],
        "Stripe gifts pending since then"
    );
    assert_eq!(s.pending_donations(15, 10).await.unwrap().len(), 1);
    // An offline gift is dated by its gift date; a voided one is left out.
    assert_eq!(s.offline_gifts_between(0, 10).await.unwrap(), vec![offline]);
    assert!(s.offline_gifts_between(10, 40).await.unwrap().is_empty());
}

async fn claimed_messages_are_released_to_be_sent_at_once(s: Fresh) {
    for key in ["r-a", "r-b", "r-c"] {
        assert!(s.enqueue_message(&message(key, "d-1"), 100).await.unwrap());
    }
    let claimed = s.claim_messages(100, 160, 10).await.unwrap();
    let [a, b, c] = [claimed[0].id, claimed[1].id, claimed[2].id];
    s.message_sent(a, "Thank you", 110).await.unwrap();

    assert_eq!(
        s.release_messages(&[a, b], 999).await.unwrap(),
        0,
        "not under that lease"
    );
    assert_eq!(
        s.release_messages(&[a, b], 160).await.unwrap(),
        1,
        "a sent message stays sent"
    );
    assert_eq!(s.message(a).await.unwrap().unwrap().status, "sent");
    let released = s.message(b).await.unwrap().unwrap();
    assert_eq!(
        (
            released.status.as_str(),
            released.attempts,
            released.locked_until
        ),
        ("pending", 0, None),
        "its claim cleared and its attempt uncounted"
    );

    // The released message is claimed again at once; the other still waits for its lease.
    let again = s.claim_messages(101, 161, 10).await.unwrap();
    assert_eq!(
        again.iter().map(|m| (m.id, m.attempts)).collect::<Vec<_>>(),
        [(b, 1)]
    );

    // Once its lease lapsed and another worker claimed it, the first worker's release is void.
    let lapsed = s.claim_messages(160, 220, 10).await.unwrap();
    assert_eq!(lapsed.iter().map(|m| m.id).collect::<Vec<_>>(), [c]);
    assert_eq!(s.release_messages(&[c], 160).await.unwrap(), 0);
    assert_eq!(s.message(c).await.unwrap().unwrap().locked_until, Some(220));
    assert_eq!(s.release_messages(&[], 160).await.unwrap(), 0);
}
