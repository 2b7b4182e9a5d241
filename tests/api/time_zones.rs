//! `ORG_TIMEZONE`: receipts are dated, and statement years cut, by the organization's own clock,
//! summer time included (a gift at 00:30 on July 4 in New York is dated July 4, one at 22:00
//! on December 31 belongs to that year).

use donations::domain::zone::Zone;
use donations::mail::render::MONTHS;
use donations::mail::statements;

use crate::helpers::{Backend, event, gift_vars, ingest, pending_donation, spawn_app, with};

backend_tests!(receipts_and_statements_follow_the_organizations_time_zone);

// 2026-07-04T04:30:00Z: 00:30 on July 4 in New York (EDT, UTC-4); a fixed -05:00 said July 3.
const JULY_4_0030_NEW_YORK: i64 = 1_783_139_400;
// 2027-01-01T03:00:00Z: 22:00 on December 31, 2026 in New York (EST, UTC-5).
const NEW_YEARS_EVE_2200_NEW_YORK: i64 = 1_798_772_400;

async fn receipts_and_statements_follow_the_organizations_time_zone(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().display().to_string();
    let app = spawn_app(
        &b,
        &[
            ("ORG_TIMEZONE", "America/New_York"),
            ("MAIL_OUTBOX_DIR", outbox.as_str()),
        ],
    )
    .await;
    let demo = app.store.campaign_by_slug("demo").await.unwrap().unwrap();
    for (tag, at, gift) in [
        ("july", JULY_4_0030_NEW_YORK, 4000),
        ("eve", NEW_YEARS_EVE_2200_NEW_YORK, 6000),
    ] {
        let d = pending_donation(
            app.store.as_ref(),
            &demo,
            "one_time",
            gift,
            gift,
            "ana@example.org",
        )
        .await;
        let v = with(
            &gift_vars(&d, "demo", tag),
            &[
                ("CREATED", at.to_string()),
                ("EVENT_ID", format!("evt_tz_{tag}")),
            ],
        );
        ingest(app.store.as_ref(), &event("checkout.session.completed", &v)).await;
    }

    let secret = donations::app::link_secret(app.store.as_ref(), &app.config)
        .await
        .unwrap();
    let worker = donations::app::mail_worker(app.store.clone(), &app.config, secret).unwrap();
    // The messages are queued at their events' times (one of them next year): send as then.
    let round = worker
        .round_at(NEW_YEARS_EVE_2200_NEW_YORK + 60)
        .await
        .unwrap();
    assert_eq!(round.sent, 2, "{round:?}");
    let mut dates: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".eml"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .filter_map(|eml| {
            // The receipt's own line (not the RFC 5322 header, which reads "Date: Sat, 4 Jul").
            eml.lines()
                .find(|l| {
                    l.strip_prefix("Date: ")
                        .is_some_and(|d| MONTHS.iter().any(|m| d.starts_with(m)))
                })
                .map(str::to_string)
        })
        .collect();
    dates.sort();
    assert_eq!(
        dates,
        ["Date: December 31, 2026", "Date: July 4, 2026"],
        "the receipts' dates"
    );

    // Both gifts are in New York's 2026; by UTC the New Year's Eve one is 2027's.
    let zone = &app.config.org.zone;
    assert_eq!(zone.name(), "America/New_York");
    let ny_2026 = statements::build(app.store.as_ref(), 2026, zone)
        .await
        .unwrap();
    assert_eq!(ny_2026.len(), 1);
    assert_eq!(ny_2026[0].totals().get("usd"), Some(&10_000));
    assert!(
        statements::build(app.store.as_ref(), 2027, zone)
            .await
            .unwrap()
            .is_empty()
    );
    let utc_2026 = statements::build(app.store.as_ref(), 2026, &Zone::utc())
        .await
        .unwrap();
    assert_eq!(utc_2026[0].totals().get("usd"), Some(&4_000));
    app.stop().await.unwrap();
}
