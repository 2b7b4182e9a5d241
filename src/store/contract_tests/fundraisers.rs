//! `FundraiserStore` and `FundraiserTx`: supporters' pages recorded with their welcome email in
//! one transaction (a taken slug records nothing), confirmed, edited and reviewed; a campaign's
//! policy; the emails sent on request to an owner's address; and a page's figures as ledger
//! transactions keep them (spread over rows, summed by a read), its donor count, its wall and
//! its gifts in the staff list.

use super::{Fresh, campaign, gift, on_both_backends};
use crate::domain::fundraiser::{PageFields, PageLinkRequest};
use crate::store::{
    DonationFilter, Fundraiser, NewMessage, PagePolicy, Progress, Review, StoreError,
};

on_both_backends!(
    pages_their_policy_and_their_owners_emails,
    a_pages_figures_in_ledger_transactions
);

fn page(id: &str, campaign_id: i64, slug: &str, owner: &str, at: i64) -> Fundraiser {
    Fundraiser {
        id: id.into(),
        campaign_id,
        slug: slug.into(),
        name: "Ana Pérez".into(),
        title: String::new(),
        story: "Line one\nline two".into(),
        goal_minor: 50_000,
        owner_email: owner.into(),
        owner_key: owner.to_lowercase(),
        review: Review::Pending,
        confirmed_at: None,
        reviewed_at: None,
        reviewed_by: None,
        created_at: at,
        updated_at: at,
        language: "en".into(),
    }
}

fn message(kind: &str, id: &str, to: &str) -> NewMessage {
    NewMessage {
        key: format!("{kind}:{id}"),
        kind: kind.into(),
        donation_id: None,
        payment_id: None,
        recipient: to.into(),
        payload: Some(id.into()),
    }
}

async fn pages_their_policy_and_their_owners_emails(s: Fresh) {
    let c = campaign(&s, "spring").await;
    let other = campaign(&s, "autumn").await;
    assert_eq!(s.page_policy(c.id).await.unwrap(), PagePolicy::Review);
    let changes = s.changes();
    s.set_page_policy(c.id, PagePolicy::Open, 5).await.unwrap();
    assert_eq!(s.page_policy(c.id).await.unwrap(), PagePolicy::Open);
    assert_eq!(s.page_policy(other.id).await.unwrap(), PagePolicy::Review);
    assert!(s.changes() > changes, "readers of campaign pages are told");

    let ana = page("fr_a", c.id, "ana", "Ana@X.org", 100);
    let welcome = message("fundraiser_welcome", "fr_a", "Ana@X.org");
    s.create_fundraiser(&ana, &welcome, 100).await.unwrap();
    // The same slug in the campaign is taken, and nothing of the second sign-up is kept.
    let again = page("fr_b", c.id, "ana", "ben@x.org", 110);
    let taken = s
        .create_fundraiser(
            &again,
            &message("fundraiser_welcome", "fr_b", "ben@x.org"),
            110,
        )
        .await;
    assert!(matches!(taken, Err(StoreError::Conflict(_))), "{taken:?}");
    assert_eq!(s.fundraiser("fr_b").await.unwrap(), None);
    assert_eq!(s.fundraiser_mail_since("ben@x.org", 0).await.unwrap(), 0);
    // The same slug in another campaign is another page.
    // (Started in Spanish: the language is kept with the page.)
    let elsewhere = Fundraiser {
        language: "es".into(),
        ..page("fr_c", other.id, "ana", "ana@x.org", 120)
    };
    s.create_fundraiser(
        &elsewhere,
        &message("fundraiser_welcome", "fr_c", "ana@x.org"),
        120,
    )
    .await
    .unwrap();
    assert_eq!(s.fundraiser("fr_a").await.unwrap(), Some(ana.clone()));
    assert_eq!(s.fundraiser("fr_c").await.unwrap(), Some(elsewhere.clone()));
    assert_eq!(
        s.fundraiser_by_slug(c.id, "ana")
            .await
            .unwrap()
            .map(|f| f.id),
        Some("fr_a".to_string())
    );
    assert_eq!(s.fundraiser_by_slug(c.id, "nobody").await.unwrap(), None);
    let owned: Vec<_> = s
        .fundraisers_owned_by("ana@x.org")
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.id)
        .collect();
    assert_eq!(owned, ["fr_a", "fr_c"], "oldest first, every campaign");
    let queued: Vec<_> = s
        .outbox(None)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.message_key)
        .collect();
    assert_eq!(
        queued,
        ["fundraiser_welcome:fr_a", "fundraiser_welcome:fr_c"]
    );

    // The owner's emails on request: both sign-ups and a links request.
    let links = message("fundraiser_links", "r1", "Ana@X.org");
    let request = PageLinkRequest {
        owner_key: "ana@x.org".into(),
        language: "es".into(),
    };
    s.create_fundraiser_link_request("r1", &request, &links, 130)
        .await
        .unwrap();
    assert_eq!(
        s.fundraiser_link_request("r1").await.unwrap(),
        Some(request)
    );
    assert_eq!(s.fundraiser_link_request("r9").await.unwrap(), None);
    assert_eq!(s.fundraiser_mail_since("ana@x.org", 0).await.unwrap(), 3);
    assert_eq!(s.fundraiser_mail_since("ana@x.org", 120).await.unwrap(), 2);

    // Confirmed once; an edit saves the words and goal and confirms too.
    assert!(s.confirm_fundraiser("fr_c", 140).await.unwrap());
    assert!(!s.confirm_fundraiser("fr_c", 150).await.unwrap(), "already");
    assert!(!s.confirm_fundraiser("fr_x", 150).await.unwrap());
    let fields = PageFields {
        name: "Ana P.".into(),
        title: "Ana runs".into(),
        story: "New".into(),
        goal_minor: 75_000,
    };
    let edited = s
        .update_fundraiser_page("fr_a", &fields, true, 160)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            edited.name.as_str(),
            edited.title.as_str(),
            edited.goal_minor
        ),
        ("Ana P.", "Ana runs", 75_000)
    );
    assert_eq!((edited.confirmed_at, edited.updated_at), (Some(160), 160));
    let later = s
        .update_fundraiser_page("fr_a", &fields, true, 170)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        later.confirmed_at,
        Some(160),
        "confirmed when first confirmed"
    );
    assert_eq!(
        s.update_fundraiser_page("fr_x", &fields, true, 170)
            .await
            .unwrap(),
        None
    );

    // Staff's decision, with the owner's email queued once.
    let approved_mail = message("fundraiser_approved", "fr_a", "Ana@X.org");
    let changes = s.changes();
    let approved = s
        .review_fundraiser("fr_a", Review::Approved, "bo", Some(&approved_mail), 180)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            approved.review,
            approved.reviewed_at,
            approved.reviewed_by.as_deref()
        ),
        (Review::Approved, Some(180), Some("bo"))
    );
    assert!(s.changes() > changes);
    s.review_fundraiser("fr_a", Review::Hidden, "cy", None, 190)
        .await
        .unwrap();
    s.review_fundraiser("fr_a", Review::Approved, "bo", Some(&approved_mail), 200)
        .await
        .unwrap();
    let approvals = s
        .outbox(None)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.kind == "fundraiser_approved")
        .count();
    assert_eq!(approvals, 1, "keyed by the page: queued once");
    assert_eq!(
        s.review_fundraiser("fr_x", Review::Hidden, "bo", None, 200)
            .await
            .unwrap(),
        None
    );

    // Lists: every page of the campaign, or those under some reviews.
    s.create_fundraiser(
        &page("fr_d", c.id, "dee", "dee@x.org", 210),
        &message("fundraiser_welcome", "fr_d", "dee@x.org"),
        210,
    )
    .await
    .unwrap();
    let ids = |v: Vec<crate::store::ListedFundraiser>| -> Vec<String> {
        v.into_iter().map(|l| l.fundraiser.id).collect()
    };
    assert_eq!(
        ids(s.fundraisers_of(c.id, None).await.unwrap()),
        ["fr_d", "fr_a"]
    );
    assert_eq!(
        ids(s
            .fundraisers_of(c.id, Some(&[Review::Pending]))
            .await
            .unwrap()),
        ["fr_d"]
    );
    assert!(s.fundraisers_of(c.id, Some(&[])).await.unwrap().is_empty());
    // Top pages: confirmed ones under the reviews given (fr_d is not confirmed).
    let reviews = [Review::Approved, Review::Pending];
    assert_eq!(
        ids(s.top_fundraisers(c.id, &reviews, 10).await.unwrap()),
        ["fr_a"]
    );
    assert!(s.top_fundraisers(c.id, &[], 10).await.unwrap().is_empty());
    let l = s.fundraiser_progress("fr_d").await.unwrap().unwrap();
    assert_eq!(l.progress, Progress::default(), "no figures yet");
    assert_eq!(s.fundraiser_progress("fr_x").await.unwrap(), None);
}

async fn a_pages_figures_in_ledger_transactions(s: Fresh) {
    let c = campaign(&s, "spring").await;
    let at = 100;
    for (id, slug) in [("fr_a", "ana"), ("fr_b", "ben")] {
        let mut f = page(id, c.id, slug, &format!("{slug}@x.org"), at);
        f.confirmed_at = Some(at);
        f.review = Review::Approved;
        s.create_fundraiser(&f, &message("fundraiser_welcome", id, "a@x.org"), at)
            .await
            .unwrap();
    }
    // Three gifts on Ana's page (two by one donor), one on Ben's, one on the campaign.
    let mut gifts = Vec::new();
    for (i, (page, donor)) in [
        (Some("fr_a"), "d1"),
        (Some("fr_a"), "d1"),
        (Some("fr_a"), "d2"),
        (Some("fr_b"), "d1"),
        (None, "d3"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut d = gift(&format!("don_{i}"), &c, at + i as i64);
        d.fundraiser_id = page.map(str::to_string);
        d.donor_key = donor.into();
        s.insert_donation(&d, None).await.unwrap();
        gifts.push(d);
    }
    let changes = s.changes();
    let mut tx = s.begin_ledger(&[]).await.unwrap();
    for d in &gifts[..4] {
        let page = d.fundraiser_id.as_deref().unwrap();
        let (was, now) = tx
            .add_fundraiser_donor_count(page, &d.donor_key, 1)
            .await
            .unwrap();
        let delta = Progress {
            raised_minor: 1_000,
            gifts: 1,
            donors: i64::from(now > 0) - i64::from(was > 0),
            ..Progress::default()
        };
        tx.add_fundraiser_progress(page, &d.id, &delta)
            .await
            .unwrap();
    }
    assert_eq!(s.changes(), changes, "nothing is told before the commit");
    tx.commit().await.unwrap();
    assert!(s.changes() > changes, "readers of pages are told at commit");
    let ana = s.fundraiser_progress("fr_a").await.unwrap().unwrap();
    assert_eq!(
        (
            ana.progress.raised_minor,
            ana.progress.gifts,
            ana.progress.donors
        ),
        (3_000, 3, 2),
        "summed over its rows; d1 counted once"
    );
    // A donor stops counting only when their last counted gift on the page does.
    let mut tx = s.begin_ledger(&[]).await.unwrap();
    assert_eq!(
        tx.add_fundraiser_donor_count("fr_a", "d1", -1)
            .await
            .unwrap(),
        (2, 1)
    );
    assert_eq!(
        tx.add_fundraiser_donor_count("fr_a", "d2", -1)
            .await
            .unwrap(),
        (1, 0)
    );
    let off = Progress {
        raised_minor: -1_000,
        gifts: -1,
        donors: -1,
        ..Progress::default()
    };
    tx.add_fundraiser_progress("fr_a", "don_2", &off)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let top: Vec<_> = s
        .top_fundraisers(c.id, &[Review::Approved], 10)
        .await
        .unwrap()
        .into_iter()
        .map(|l| (l.fundraiser.id, l.progress.raised_minor, l.progress.donors))
        .collect();
    assert_eq!(
        top,
        [
            ("fr_a".to_string(), 2_000, 1),
            ("fr_b".to_string(), 1_000, 1)
        ],
        "most raised first"
    );
    assert_eq!(
        s.top_fundraisers(c.id, &[Review::Approved], 1)
            .await
            .unwrap()
            .len(),
        1
    );

    // The wall: the page's gifts that count now, newest first.
    let mut tx = s.begin_ledger(&[]).await.unwrap();
    for d in &gifts[..2] {
        let mut counted = d.clone();
        counted.counted_gifts = 1;
        tx.save_donation(&counted).await.unwrap();
    }
    tx.commit().await.unwrap();
    let wall: Vec<_> = s
        .fundraiser_donations("fr_a", 10)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(wall, ["don_1", "don_0"]);
    assert!(s.fundraiser_donations("fr_b", 10).await.unwrap().is_empty());
    // The staff list names each gift's page, and filters by it.
    let listed = s
        .list_donations(&DonationFilter::default(), None, 10)
        .await
        .unwrap();
    let pages: Vec<_> = listed
        .iter()
        .map(|l| (l.donation.id.as_str(), l.fundraiser_slug.as_deref()))
        .collect();
    assert_eq!(
        pages,
        [
            ("don_4", None),
            ("don_3", Some("ben")),
            ("don_2", Some("ana")),
            ("don_1", Some("ana")),
            ("don_0", Some("ana")),
        ]
    );
    let of_ana = DonationFilter {
        fundraiser_id: Some("fr_a".into()),
        ..DonationFilter::default()
    };
    assert_eq!(s.list_donations(&of_ana, None, 10).await.unwrap().len(), 3);
    assert_eq!(
        s.donation("don_0")
            .await
            .unwrap()
            .unwrap()
            .fundraiser_id
            .as_deref(),
        Some("fr_a"),
        "a donation keeps its page"
    );
}
