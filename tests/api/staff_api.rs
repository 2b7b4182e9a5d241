//! Staff reporting over HTTP: the donation list (cursor pages, filters, CSV), a campaign's
//! summary, offline gifts, flags, authentication of every staff route, the public donor wall's
//! privacy, and the OpenAPI document's completeness; on both backends.

use std::collections::{BTreeSet, HashSet};

use crate::helpers::{Backend, TestApp, campaign, event, gift_vars, spawn_app, with};
use donations::store::{Campaign, Donation};
use serde_json::{Value, json};

/// 2026-11-21T00:00:00Z
const NOV_21: i64 = 1_795_219_200;
const DAY: i64 = 86_400;

fn field_errors(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["field"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

async fn get(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    let r = app
        .client
        .get(app.at(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn post(app: &TestApp, token: &str, path: &str, body: &Value) -> (u16, Value) {
    let r = app
        .client
        .post(app.at(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn delete(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    let r = app
        .client
        .delete(app.at(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// A donation recorded directly in the store at `at`, shaped by `shape`.
async fn insert_at(
    app: &TestApp,
    c: &Campaign,
    at: i64,
    shape: impl FnOnce(&mut Donation),
) -> Donation {
    let id = donations::services::checkout::new_donation_id();
    let mut d = donations::domain::donation::Donation::pending(id.clone(), c, at);
    d.gift_minor = 1000;
    d.total_minor = 1000;
    d.donor_name = Some("Test Donor".into());
    d.donor_email = Some(format!("{id}@example.org"));
    d.donor_key = format!("{id}@example.org");
    d.checkout_session_id = Some(format!("cs_test_{}", id.trim_start_matches("don_")));
    shape(&mut d);
    app.store.insert_donation(&d, None).await.expect("donation");
    d
}

/// Every page of `query`, following `next_cursor`; the ids in order and the page sizes.
async fn all_pages(app: &TestApp, token: &str, query: &str) -> (Vec<String>, Vec<usize>) {
    let mut ids = Vec::new();
    let mut sizes = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/staff/donations?{query}&cursor={c}"),
            None => format!("/api/v1/staff/donations?{query}"),
        };
        let (status, body) = get(app, token, &path).await;
        assert_eq!(status, 200, "{path}: {body}");
        let page = body["donations"].as_array().unwrap();
        sizes.push(page.len());
        ids.extend(page.iter().map(|d| d["id"].as_str().unwrap().to_string()));
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
        assert!(sizes.len() < 100, "paging does not end");
    }
    (ids, sizes)
}

/// The ids of `ds` that `keep` selects, newest first as the list orders them.
fn newest_first(ds: &[Donation], keep: impl Fn(&Donation) -> bool) -> Vec<String> {
    let mut v: Vec<&Donation> = ds.iter().filter(|d| keep(d)).collect();
    v.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
    v.iter().map(|d| d.id.clone()).collect()
}

async fn donation_list_pages_and_filters(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let token = app.staff_token("ops").await;
    let c1 = campaign(&app, "c1", 1_000_000).await;
    let c2 = campaign(&app, "c2", 1_000_000).await;
    // 25 donations over five days, several sharing a second (the id breaks the tie).
    let mut ds = Vec::new();
    for i in 0..25i64 {
        let at = NOV_21 + (i / 5) * DAY + (i % 3) * 3600;
        let d = insert_at(&app, &c1, at, |d| {
            if i % 4 == 0 {
                d.frequency = donations::domain::donation::Frequency::Monthly;
            }
            if i % 3 == 0 {
                d.status = "succeeded".into();
            }
        })
        .await;
        ds.push(d);
    }
    let other = insert_at(&app, &c2, NOV_21 + DAY, |_| {}).await;

    // Every donation once, newest first, across pages of 7.
    let (ids, sizes) = all_pages(&app, &token, "limit=7").await;
    let mut everything = ds.clone();
    everything.push(other.clone());
    assert_eq!(ids, newest_first(&everything, |_| true));
    assert_eq!(sizes, vec![7, 7, 7, 5]);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());

    // The default page is 50; an exact fit ends without an empty page.
    let (_, sizes) = all_pages(&app, &token, "campaign=c1").await;
    assert_eq!(sizes, vec![25]);
    let (ids, sizes) = all_pages(&app, &token, "campaign=c1&limit=5").await;
    assert_eq!(sizes, vec![5; 5]);
    assert_eq!(ids, newest_first(&ds, |_| true));

    // Filters, alone and together.
    let (ids, _) = all_pages(&app, &token, "campaign=c1&status=succeeded&limit=3").await;
    assert_eq!(ids, newest_first(&ds, |d| d.status == "succeeded"));
    let (ids, _) = all_pages(&app, &token, "frequency=monthly&limit=2").await;
    assert_eq!(
        ids,
        newest_first(&ds, |d| d.frequency
            == donations::domain::donation::Frequency::Monthly)
    );
    let (ids, _) = all_pages(&app, &token, "from=2026-11-22&to=2026-11-23&limit=4").await;
    let days_22_23 = |d: &Donation| d.created_at >= NOV_21 + DAY && d.created_at < NOV_21 + 3 * DAY;
    let mut expected = ds.clone();
    expected.push(other.clone());
    assert_eq!(ids, newest_first(&expected, days_22_23));
    // The same bounds as RFC 3339 times, one with an offset.
    let (same, _) = all_pages(
        &app,
        &token,
        "from=2026-11-22T01:00:00%2B01:00&to=2026-11-24T00:00:00Z&limit=4",
    )
    .await;
    assert_eq!(same, ids);
    let (ids, _) = all_pages(
        &app,
        &token,
        "campaign=c1&frequency=one_time&status=pending&to=2026-11-22T00:00:00Z",
    )
    .await;
    assert_eq!(
        ids,
        newest_first(&ds, |d| !d.frequency.is_recurring()
            && d.status == "pending"
            && d.created_at < NOV_21 + DAY)
    );

    // A page's fields.
    let (_, body) = get(&app, &token, "/api/v1/staff/donations?campaign=c2").await;
    let row = &body["donations"][0];
    assert_eq!(row["id"], other.id.as_str());
    assert_eq!(row["campaign"], "c2");
    assert_eq!(row["created_at"], "2026-11-22T00:00:00Z");
    for key in [
        "status",
        "frequency",
        "currency",
        "gift_minor",
        "fee_minor",
        "total_minor",
        "counted_raised_minor",
        "refunded_minor",
        "disputed_minor",
        "fee_actual_minor",
        "donor_name",
        "donor_email",
        "anonymous",
        "tribute_kind",
        "tribute_honoree",
        "tribute_notify_email",
        "tribute_message",
        "comment",
        "source",
        "offline_method",
        "note",
        "voided_at",
    ] {
        assert!(row.get(key).is_some(), "missing {key} in {row}");
    }
    assert_eq!(body["next_cursor"], Value::Null);

    // A newer donation arriving while paging does not shift the pages already started.
    let (_, first) = get(&app, &token, "/api/v1/staff/donations?campaign=c1&limit=10").await;
    insert_at(&app, &c1, NOV_21 + 30 * DAY, |_| {}).await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) = get(
        &app,
        &token,
        &format!("/api/v1/staff/donations?campaign=c1&limit=10&cursor={cursor}"),
    )
    .await;
    let ids: Vec<&str> = first["donations"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["donations"].as_array().unwrap())
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, newest_first(&ds, |_| true)[..20].to_vec());

    // Bad parameters: 422 naming each.
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
        ("from=yesterday", "from"),
        ("to=2026-13-01", "to"),
        ("from=2026-11-23&to=2026-11-22", "to"),
        ("status=lost", "status"),
        ("frequency=weekly", "frequency"),
        ("cursor=zz", "cursor"),
        ("campaign=nope", "campaign"),
        ("format=xml", "format"),
    ] {
        let (status, body) = get(&app, &token, &format!("/api/v1/staff/donations?{query}")).await;
        assert_eq!(status, 422, "{query}: {body}");
        assert_eq!(field_errors(&body), vec![field.to_string()], "{query}");
    }
    let (status, body) = get(
        &app,
        &token,
        "/api/v1/staff/donations?limit=0&status=x&from=y",
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        field_errors(&body).len(),
        3,
        "every bad parameter is named: {body}"
    );
}

async fn csv_download_streams_every_row_quoted_and_defused(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let token = app.staff_token("ops").await;
    let c = campaign(&app, "csv", 1_000_000).await;
    let tricky = insert_at(&app, &c, NOV_21 + DAY, |d| {
        d.donor_name = Some("Pérez, Ana \"La Jefa\"".into());
        d.comment = Some("=HYPERLINK(\"http://evil.example\",\"click\")".into());
        d.tribute_kind = Some("memory".into());
        d.tribute_honoree = Some("+Grandpa".into());
        d.tribute_message = Some("line one\nline two".into());
        d.note = Some("@SUM(A1:A9)".into());
        d.donor_email = Some("-ana@example.org".into());
    })
    .await;
    // More rows than one streamed chunk holds.
    let mut ids = vec![tricky.id.clone()];
    for i in 0..520 {
        ids.push(insert_at(&app, &c, NOV_21 - i, |_| {}).await.id);
    }
    let other = campaign(&app, "elsewhere", 100).await;
    insert_at(&app, &other, NOV_21, |_| {}).await;

    let r = app
        .client
        .get(app.at("/api/v1/staff/donations?campaign=csv&limit=5"))
        .bearer_auth(&token)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"donations-csv.csv\""
    );
    let text = r.text().await.unwrap();
    assert!(
        text.starts_with("id,campaign,status,frequency,"),
        "{}",
        &text[..80]
    );
    // Quoting: commas, quotes and line breaks stay inside their cell.
    assert!(
        text.contains("\"Pérez, Ana \"\"La Jefa\"\"\""),
        "name quoted"
    );
    assert!(text.contains("\"line one\nline two\""));

    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        donations::services::reporting::CSV_HEADER
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
    );
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 521, "every row, not one page");
    let got: Vec<&str> = rows.iter().map(|r| &r[col("id")]).collect();
    assert_eq!(got, ids.iter().map(String::as_str).collect::<Vec<_>>());
    let first = &rows[0];
    assert_eq!(&first[col("campaign")], "csv");
    assert_eq!(&first[col("donor_name")], "Pérez, Ana \"La Jefa\"");
    assert_eq!(&first[col("tribute_message")], "line one\nline two");
    // Formula injection: each such text cell starts with a quote.
    assert_eq!(
        &first[col("comment")],
        "'=HYPERLINK(\"http://evil.example\",\"click\")"
    );
    assert_eq!(&first[col("tribute_honoree")], "'+Grandpa");
    assert_eq!(&first[col("note")], "'@SUM(A1:A9)");
    assert_eq!(&first[col("donor_email")], "'-ana@example.org");
    assert_eq!(&first[col("gift_minor")], "1000");
    assert_eq!(&first[col("created_at")], "2026-11-22T00:00:00Z");
    assert_eq!(&first[col("fee_actual_minor")], "");
    // Beside the minor units, after the original columns: major units, and UTC times that
    // say so and that spreadsheets read.
    assert_eq!(header[..26].last().map(String::as_str), Some("voided_at"));
    assert_eq!(&first[col("gift")], "10.00");
    assert_eq!(
        (&first[col("total_minor")], &first[col("total")]),
        ("1000", "10.00")
    );
    assert_eq!(&first[col("fee")], "0.00");
    assert_eq!(&first[col("fee_actual")], "");
    assert_eq!(&first[col("created_at_utc")], "2026-11-22 00:00:00");
    assert_eq!(&first[col("voided_at_utc")], "");

    // format=csv is the same download; without a campaign the file is named "all".
    let r = app
        .client
        .get(app.at("/api/v1/staff/donations?format=csv&campaign=csv"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), text);
    let r = app
        .client
        .get(app.at("/api/v1/staff/donations?format=csv&status=voided"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"donations-all.csv\""
    );
    let empty = r.text().await.unwrap();
    assert_eq!(empty.lines().count(), 1, "the header alone: {empty}");
}

/// A pending Stripe donation as checkout records it, with a chosen donor.
async fn pending(
    app: &TestApp,
    c: &Campaign,
    frequency: &str,
    gift: i64,
    total: i64,
    shape: impl FnOnce(&mut Donation),
) -> Donation {
    insert_at(app, c, donations::store::now(), |d| {
        d.frequency =
            donations::domain::donation::Frequency::parse(frequency).expect("a frequency");
        d.gift_minor = gift;
        d.fee_minor = total - gift;
        d.total_minor = total;
        shape(d);
    })
    .await
}

async fn deliver_ok(app: &TestApp, payload: &str) {
    let (status, body) = app.deliver(payload).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("applied"), "{body}");
}

async fn summary_of_a_hand_computed_campaign(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let token = app.staff_token("ops").await;
    let c = campaign(&app, "sum", 10_000_000).await; // 2.9% + 30¢

    // A: $50 with the fee covered (charged 51.80) on 2023-11-14; Stripe's fee 1.80 is known;
    // $10 refunded later.
    let a = pending(&app, &c, "one_time", 5000, 5180, |_| {}).await;
    let va = gift_vars(&a, "sum", "a");
    deliver_ok(&app, &event("checkout.session.completed", &va)).await;
    deliver_ok(
        &app,
        &event(
            "charge.updated",
            &with(
                &va,
                &[("FEE_MINOR", "180".into()), ("NET_MINOR", "5000".into())],
            ),
        ),
    )
    .await;
    let refund = with(
        &va,
        &[
            ("AMOUNT_MINOR", "1000".into()),
            ("CREATED", "1700050000".into()),
        ],
    );
    deliver_ok(&app, &event("refund.created", &refund)).await;
    deliver_ok(
        &app,
        &event(
            "charge.refunded",
            &with(&refund, &[("AMOUNT_REFUNDED_MINOR", "1000".into())]),
        ),
    )
    .await;

    // B: $20, fee not covered, paid 2023-11-16; Stripe's fee unknown.
    let bb = pending(&app, &c, "one_time", 2000, 2000, |_| {}).await;
    let vb = with(
        &gift_vars(&bb, "sum", "b"),
        &[("CREATED", "1700100000".into())],
    );
    deliver_ok(&app, &event("checkout.session.completed", &vb)).await;

    // C: $25 monthly with the fee covered (26.05), installments paid 2023-11-17 and 2023-12-17.
    let m = pending(&app, &c, "monthly", 2500, 2605, |_| {}).await;
    let vm = with(
        &gift_vars(&m, "sum", "m"),
        &[("CREATED", "1700200000".into())],
    );
    deliver_ok(&app, &event("checkout.session.completed", &vm)).await;
    deliver_ok(&app, &event("customer.subscription.created", &vm)).await;
    for (k, at) in [(1, "1700200000"), (2, "1702800000")] {
        let inst = with(
            &vm,
            &[
                ("INVOICE_ID", format!("in_m_{k}")),
                ("PAYMENT_INTENT_ID", format!("pi_in_m_{k}")),
                ("CREATED", at.into()),
            ],
        );
        deliver_ok(&app, &event("invoice.paid", &inst)).await;
    }

    // D: a $100 check dated 2023-11-20.
    let (status, body) = post(
        &app,
        &token,
        "/api/v1/staff/campaigns/sum/offline-gifts",
        &json!({"amount": "100", "date": "2023-11-20", "method": "check"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");

    // And a gift that never paid, which counts nowhere.
    pending(&app, &c, "one_time", 9900, 9900, |_| {}).await;

    let (status, s) = get(&app, &token, "/api/v1/staff/campaigns/sum/summary").await;
    assert_eq!(status, 200, "{s}");
    // raised: A 5000 − 1000 × 5000 / 5180 (965.25 → 965) + B 2000 + C 2 × 2500 + D 10000.
    let raised = 4035 + 2000 + 5000 + 10_000;
    assert_eq!(app.progress("sum").await["raised_minor"], raised);
    let expected = json!({
        "campaign": "sum",
        "currency": "usd",
        "goal_minor": 10_000_000,
        "raised_minor": raised,
        // A 5180 + B 2000 + C 2 × 2605
        "gross_minor": 12_390,
        // A 180 + B 0 + C 2 × (2605 − 2500)
        "covered_fees_minor": 390,
        // A 150 + 30, B 58 + 30, C 2 × (2605 × 2.9% = 75.545 → 76, + 30)
        "estimated_fees_minor": 180 + 88 + 2 * 106,
        "actual_fees_minor": 180,
        // A's estimate and Stripe's net, beside its actual fee
        "actual_fees_estimate_minor": 180,
        "actual_net_minor": 5000,
        "actual_fees_unknown": 3,
        "actual_fees_other_currency": 0,
        // A's actual fee, the others' estimates
        "fees_minor": 180 + 88 + 2 * 106,
        "refunded_minor": 1000,
        "disputed_minor": 0,
        "net_minor": 12_390 - 480 - 1000,
        "payments": 4,
        "other_currency_payments": 0,
        "offline_minor": 10_000,
        "offline_gifts": 1,
        "by_frequency": {
            "one_time": {"gifts": 3, "donations": 3, "raised_minor": 4035 + 2000 + 10_000},
            "monthly": {"gifts": 2, "donations": 1, "raised_minor": 5000},
            "annual": {"gifts": 0, "donations": 0, "raised_minor": 0},
        },
        "recurring_active": 1,
        "recurring_monthly_minor": 2500,
        "daily": [
            {"date": "2023-11-14", "raised_minor": 4035},
            {"date": "2023-11-16", "raised_minor": 2000},
            {"date": "2023-11-17", "raised_minor": 2500},
            {"date": "2023-11-20", "raised_minor": 10_000},
            {"date": "2023-12-17", "raised_minor": 2500},
        ],
    });
    assert_eq!(s, expected);

    let (status, _) = get(&app, &token, "/api/v1/staff/campaigns/nope/summary").await;
    assert_eq!(status, 404);
}

async fn offline_gifts_count_until_voided(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let token = app.staff_token("ops").await;
    let c = campaign(&app, "gala", 1_000_000).await;
    let today = donations::services::reporting::format_day(donations::services::reporting::day_of(
        donations::store::now(),
    ));
    let url = "/api/v1/staff/campaigns/gala/offline-gifts";

    let (status, check) = post(
        &app,
        &token,
        url,
        &json!({
            "amount": "250.00", "date": today, "method": "check",
            "donor": {"name": "Rosa Díaz", "email": "Rosa@Example.org"},
            "note": "check #1042"
        }),
    )
    .await;
    assert_eq!(status, 201, "{check}");
    assert_eq!(check["source"], "offline");
    assert_eq!(check["status"], "succeeded");
    assert_eq!(check["campaign"], "gala");
    assert_eq!(check["gift_minor"], 25_000);
    assert_eq!(check["total_minor"], 25_000);
    assert_eq!(check["fee_minor"], 0);
    assert_eq!(check["counted_raised_minor"], 25_000);
    assert_eq!(check["offline_method"], "check");
    assert_eq!(check["note"], "check #1042");
    assert_eq!(check["gift_date"], today.as_str());
    assert_eq!(check["donor_email"], "Rosa@Example.org");
    assert_eq!(check["voided_at"], Value::Null);
    let p = app.progress("gala").await;
    assert_eq!(
        (
            p["raised_minor"].as_i64(),
            p["gifts"].as_i64(),
            p["donors"].as_i64()
        ),
        (Some(25_000), Some(1), Some(1))
    );

    // A number amount, no donor: its own donor.
    let (status, cash) = post(
        &app,
        &token,
        url,
        &json!({"amount": 100.5, "date": "2026-01-02", "method": "cash", "anonymous": true}),
    )
    .await;
    assert_eq!(status, 201, "{cash}");
    assert_eq!(cash["gift_minor"], 10_050);
    assert_eq!(cash["anonymous"], true);
    let stored = app
        .store
        .donation(cash["id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.donor_key, format!("offline:{}", stored.id));
    // The same donor as an earlier gift by email (case aside) is one donor.
    let (status, _) = post(
        &app,
        &token,
        url,
        &json!({"amount": "5", "date": today, "method": "other",
                "donor": {"email": "rosa@example.org"}}),
    )
    .await;
    assert_eq!(status, 201);
    let p = app.progress("gala").await;
    assert_eq!(
        (
            p["raised_minor"].as_i64(),
            p["gifts"].as_i64(),
            p["donors"].as_i64()
        ),
        (Some(25_000 + 10_050 + 500), Some(3), Some(2))
    );

    // Void the check: kept, marked, no longer counted.
    let id = check["id"].as_str().unwrap();
    let (status, voided) = delete(&app, &token, &format!("{url}/{id}")).await;
    assert_eq!(status, 200, "{voided}");
    assert_eq!(voided["status"], "voided");
    assert_eq!(voided["counted_raised_minor"], 0);
    assert!(voided["voided_at"].is_string());
    let p = app.progress("gala").await;
    assert_eq!(
        (
            p["raised_minor"].as_i64(),
            p["gifts"].as_i64(),
            p["donors"].as_i64()
        ),
        (Some(10_050 + 500), Some(2), Some(2))
    );
    let (status, _) = delete(&app, &token, &format!("{url}/{id}")).await;
    assert_eq!(status, 409, "voiding twice");
    assert_eq!(app.progress("gala").await["raised_minor"], 10_550);
    let (_, list) = get(&app, &token, "/api/v1/staff/donations?status=voided").await;
    assert_eq!(list["donations"][0]["id"], id);

    // Unknown gifts, other campaigns' gifts and Stripe gifts are not voidable here.
    let (status, _) = delete(&app, &token, &format!("{url}/don_nope")).await;
    assert_eq!(status, 404);
    campaign(&app, "other", 100).await;
    let cash_id = cash["id"].as_str().unwrap();
    let (status, _) = delete(
        &app,
        &token,
        &format!("/api/v1/staff/campaigns/other/offline-gifts/{cash_id}"),
    )
    .await;
    assert_eq!(status, 404);
    let online = insert_at(&app, &c, NOV_21, |_| {}).await;
    let (status, _) = delete(&app, &token, &format!("{url}/{}", online.id)).await;
    assert_eq!(status, 404);
    let (status, _) = delete(
        &app,
        &token,
        &format!("/api/v1/staff/campaigns/nope/offline-gifts/{cash_id}"),
    )
    .await;
    assert_eq!(status, 404);

    // Bad input: 422 naming the field, nothing recorded.
    let future = donations::services::reporting::format_day(
        donations::services::reporting::day_of(donations::store::now()) + 3,
    );
    let base = json!({"amount": "10", "date": today, "method": "check"});
    let long_note = "n".repeat(1001);
    for (change, field) in [
        (json!({"date": future}), "date"),
        (json!({"date": "2026-02-30"}), "date"),
        (json!({"date": "21/11/2026"}), "date"),
        (json!({"method": "wire"}), "method"),
        (json!({"amount": "-5"}), "amount"),
        (json!({"amount": "ten"}), "amount"),
        (json!({"amount": "0"}), "amount"),
        (json!({"note": long_note}), "note"),
        (json!({"donor": {"email": "not-an-email"}}), "donor.email"),
        (json!({"donor": {"name": "a\u{0007}b"}}), "donor.name"),
        (json!({"colour": "red"}), "colour"),
    ] {
        let mut body = base.clone();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, errors) = post(&app, &token, url, &body).await;
        assert_eq!(status, 422, "{body}: {errors}");
        assert_eq!(field_errors(&errors), vec![field.to_string()], "{body}");
    }
    let (status, errors) = post(&app, &token, url, &json!({"date": today})).await;
    assert_eq!(status, 422);
    assert!(!field_errors(&errors).is_empty());
    let (status, _) = post(
        &app,
        &token,
        "/api/v1/staff/campaigns/nope/offline-gifts",
        &base,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(app.progress("gala").await["gifts"], 2, "nothing recorded");
}

async fn flags_newest_first_and_by_campaign(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let token = app.staff_token("ops").await;
    let c = campaign(&app, "flagged", 1_000_000).await;
    campaign(&app, "clean", 1_000_000).await;
    // Stripe charged half of what the donation expected: flagged against it.
    let d = pending(&app, &c, "one_time", 5000, 5180, |_| {}).await;
    let v = with(
        &gift_vars(&d, "flagged", "mm"),
        &[("TOTAL_MINOR", "2590".into())],
    );
    deliver_ok(&app, &event("checkout.session.completed", &v)).await;
    // Then an event that does not parse: flagged, tied to no donation.
    let mut drift: Value = serde_json::from_str(&event(
        "checkout.session.completed",
        &gift_vars(&d, "flagged", "drift"),
    ))
    .unwrap();
    drift["id"] = json!("evt_drifted");
    drift["data"]["object"]
        .as_object_mut()
        .unwrap()
        .remove("mode");
    let (status, _) = app.deliver(&drift.to_string()).await;
    assert_eq!(status, 200);

    let (status, body) = get(&app, &token, "/api/v1/staff/flags").await;
    assert_eq!(status, 200, "{body}");
    let flags = body["flags"].as_array().unwrap();
    assert_eq!(flags.len(), 2, "{body}");
    assert_eq!(flags[0]["kind"], "unparsed_event", "newest first");
    assert_eq!(flags[0]["event_id"], "evt_drifted");
    assert_eq!(flags[0]["campaign"], Value::Null);
    assert_eq!(flags[1]["kind"], "amount_mismatch");
    assert_eq!(flags[1]["donation_id"], d.id.as_str());
    assert_eq!(flags[1]["campaign"], "flagged");
    assert!(flags[1]["reason"].as_str().unwrap().contains("2590"));
    assert!(flags[1]["created_at"].is_string());

    let (_, body) = get(&app, &token, "/api/v1/staff/flags?campaign=flagged").await;
    let kinds: Vec<&str> = body["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["amount_mismatch"]);
    let (_, body) = get(&app, &token, "/api/v1/staff/flags?campaign=clean").await;
    assert_eq!(body["flags"], json!([]));
    let (_, body) = get(&app, &token, "/api/v1/staff/flags?limit=1").await;
    assert_eq!(body["flags"].as_array().unwrap().len(), 1);
    for (query, field) in [("campaign=nope", "campaign"), ("limit=0", "limit")] {
        let (status, body) = get(&app, &token, &format!("/api/v1/staff/flags?{query}")).await;
        assert_eq!(
            (status, field_errors(&body)),
            (422, vec![field.to_string()])
        );
    }
}

async fn every_new_staff_route_needs_a_token(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let routes = [
        (reqwest::Method::GET, "/api/v1/staff/donations"),
        (reqwest::Method::GET, "/api/v1/staff/donations?format=csv"),
        (reqwest::Method::GET, "/api/v1/staff/campaigns/demo/summary"),
        (
            reqwest::Method::POST,
            "/api/v1/staff/campaigns/demo/offline-gifts",
        ),
        (
            reqwest::Method::DELETE,
            "/api/v1/staff/campaigns/demo/offline-gifts/don_x",
        ),
        (reqwest::Method::GET, "/api/v1/staff/flags"),
    ];
    for (method, path) in routes {
        for auth in [None, Some("Bearer not-a-token")] {
            let mut req = app.client.request(method.clone(), app.at(path));
            if let Some(a) = auth {
                req = req.header("authorization", a);
            }
            let r = req
                .json(&json!({"amount": "5", "date": "2026-01-01", "method": "cash"}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 401, "{method} {path} with {auth:?}");
            assert_eq!(r.headers()["www-authenticate"], "Bearer");
            let body: Value = r.json().await.unwrap();
            assert!(body["errors"][0]["detail"].is_string());
        }
    }
    assert_eq!(
        app.progress("demo").await["gifts"],
        0,
        "nothing was recorded"
    );
}

async fn donor_wall_shows_first_names_only(b: Backend) {
    let app = spawn_app(&b, &[("ALLOWED_ORIGINS", "https://coalition.example.org")]).await;
    let token = app.staff_token("ops").await;
    let c = campaign(&app, "wall", 1_000_000).await;
    let now = donations::store::now();

    // Oldest first: each a second apart so "newest first" is plain.
    let named = insert_at(&app, &c, now - 50, |d| {
        d.gift_minor = 5000;
        d.fee_minor = 180;
        d.total_minor = 5180;
        d.donor_name = Some("Ana Pérez".into());
        d.donor_email = Some("ana.perez@example.org".into());
        d.tribute_kind = Some("honor".into());
        d.tribute_honoree = Some("Lynda Callon".into());
        d.tribute_notify_email = Some("lynda@example.org".into());
        d.comment = Some("For the clinic".into());
    })
    .await;
    let hidden = insert_at(&app, &c, now - 40, |d| {
        d.frequency = donations::domain::donation::Frequency::Monthly;
        d.gift_minor = 2500;
        d.total_minor = 2500;
        d.donor_name = Some("Secretia Hiddenworth".into());
        d.donor_email = Some("secretia@example.org".into());
        d.anonymous = true;
        d.tribute_kind = Some("memory".into());
        d.tribute_honoree = Some("Old Friend".into());
    })
    .await;
    let unpaid = insert_at(&app, &c, now - 30, |d| {
        d.donor_name = Some("Pendleton Unpaid".into());
    })
    .await;
    let refunded = insert_at(&app, &c, now - 20, |d| {
        d.donor_name = Some("Reginald Refundson".into());
    })
    .await;
    let commas = insert_at(&app, &c, now - 10, |d| {
        d.donor_name = Some("Lastnameson, Firstina".into());
    })
    .await;
    deliver_ok(
        &app,
        &event(
            "checkout.session.completed",
            &gift_vars(&named, "wall", "n"),
        ),
    )
    .await;
    let vh = gift_vars(&hidden, "wall", "h");
    deliver_ok(&app, &event("checkout.session.completed", &vh)).await;
    deliver_ok(&app, &event("customer.subscription.created", &vh)).await;
    deliver_ok(
        &app,
        &event(
            "invoice.paid",
            &with(&vh, &[("PAYMENT_INTENT_ID", "pi_in_h_1".into())]),
        ),
    )
    .await;
    let vr = gift_vars(&refunded, "wall", "r");
    deliver_ok(&app, &event("checkout.session.completed", &vr)).await;
    deliver_ok(
        &app,
        &event(
            "refund.created",
            &with(&vr, &[("AMOUNT_MINOR", "1000".into())]),
        ),
    )
    .await;
    deliver_ok(
        &app,
        &event(
            "checkout.session.completed",
            &gift_vars(&commas, "wall", "c"),
        ),
    )
    .await;
    let _ = unpaid;
    // Offline gifts: one with a donor, one anonymous, one voided (recorded now: the newest).
    for body in [
        json!({"amount": "75", "date": "2026-01-05", "method": "check",
               "donor": {"name": "Carlota Ruizabal", "email": "carlota@example.org"}}),
        json!({"amount": "20", "date": "2026-01-06", "method": "cash", "anonymous": true,
               "donor": {"name": "Quietus Nobody", "email": "quietus@example.org"}}),
    ] {
        let (status, body) = post(
            &app,
            &token,
            "/api/v1/staff/campaigns/wall/offline-gifts",
            &body,
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let (_, voided) = post(
        &app,
        &token,
        "/api/v1/staff/campaigns/wall/offline-gifts",
        &json!({"amount": "1", "date": "2026-01-07", "method": "cash",
                "donor": {"name": "Vanessa Voidwell"}}),
    )
    .await;
    let (status, _) = delete(
        &app,
        &token,
        &format!(
            "/api/v1/staff/campaigns/wall/offline-gifts/{}",
            voided["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(status, 200);

    let r = app
        .client
        .get(app.at("/api/v1/campaigns/wall/donors"))
        .header("origin", "https://coalition.example.org")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://coalition.example.org"
    );
    let text = r.text().await.unwrap();
    for secret in [
        "@",
        "Pérez",
        "Secretia",
        "Hiddenworth",
        "Pendleton",
        "Reginald",
        "Lastnameson",
        "Ruizabal",
        "Quietus",
        "Nobody",
        "Vanessa",
        "For the clinic",
        "lynda",
    ] {
        assert!(!text.contains(secret), "{secret:?} leaked: {text}");
    }
    let body: Value = serde_json::from_str(&text).unwrap();
    let donors = body["donors"].as_array().unwrap();
    let names: Vec<&str> = donors.iter().map(|d| d["name"].as_str().unwrap()).collect();
    // The two offline gifts were recorded in the same second: the id orders them.
    assert_eq!(names.len(), 5, "{body}");
    assert_eq!(
        names[..2].iter().copied().collect::<BTreeSet<_>>(),
        BTreeSet::from(["Anonymous", "Carlota"])
    );
    assert_eq!(names[2..], ["Firstina", "Anonymous", "Ana"]);
    let ana = &donors[4];
    assert_eq!(
        ana,
        &json!({"name": "Ana", "amount_minor": 5000, "currency": "usd",
                "tribute": "In honor of Lynda Callon", "frequency": "one_time",
                "date": donations::services::reporting::format_day(donations::services::reporting::day_of(now - 50))})
    );
    assert_eq!(donors[3]["tribute"], "In memory of Old Friend");
    assert_eq!(donors[3]["frequency"], "monthly");
    assert_eq!(donors[3]["amount_minor"], 2500);
    let carlota = donors.iter().find(|d| d["name"] == "Carlota").unwrap();
    assert_eq!(carlota["date"], "2026-01-05");
    assert_eq!(carlota["amount_minor"], 7500);
    assert_eq!(carlota["tribute"], Value::Null);

    let (_, body) = app.get_json("/api/v1/campaigns/wall/donors?limit=2").await;
    assert_eq!(body["donors"].as_array().unwrap().len(), 2);
    let (status, body) = app
        .get_json("/api/v1/campaigns/wall/donors?limit=101")
        .await;
    assert_eq!(
        (status, field_errors(&body)),
        (422, vec!["limit".to_string()])
    );
    let (status, _) = app.get_json("/api/v1/campaigns/nope/donors").await;
    assert_eq!(status, 404);

    // A campaign that hides amounts shows none.
    let r = app
        .client
        .patch(app.at("/api/v1/staff/campaigns/wall"))
        .bearer_auth(&token)
        .json(&json!({"hide_amounts": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["hide_amounts"], true);
    let (_, body) = app.get_json("/api/v1/campaigns/wall/donors").await;
    assert!(
        body["donors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d.get("amount_minor").is_none() && d["currency"] == "usd"),
        "{body}"
    );
    // Other changes keep it; creating a campaign can set it.
    let r = app
        .client
        .patch(app.at("/api/v1/staff/campaigns/wall"))
        .bearer_auth(&token)
        .json(&json!({"name": "Wall"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["hide_amounts"], true);
    let (status, body) = post(
        &app,
        &token,
        "/api/v1/staff/campaigns",
        &json!({"slug": "quiet", "name": "Quiet", "goal": "100", "hide_amounts": true}),
    )
    .await;
    assert_eq!(
        (status, &body["hide_amounts"]),
        (201, &json!(true)),
        "{body}"
    );
    let (_, body) = post(
        &app,
        &token,
        "/api/v1/staff/campaigns",
        &json!({"slug": "loud", "name": "Loud", "goal": "100"}),
    )
    .await;
    assert_eq!(body["hide_amounts"], false);
}

/// Every route the router serves: what the OpenAPI document must list, no more, no less.
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/v1/campaigns/{slug}"),
    ("GET", "/api/v1/campaigns/{slug}/fee-quote"),
    ("POST", "/api/v1/campaigns/{slug}/checkout"),
    ("GET", "/api/v1/campaigns/{slug}/donors"),
    ("GET", "/api/v1/campaigns/{slug}/fundraisers"),
    ("POST", "/api/v1/campaigns/{slug}/fundraisers"),
    ("GET", "/api/v1/campaigns/{slug}/fundraisers/{fundraiser}"),
    ("GET", "/api/v1/staff/campaigns/{slug}/fundraisers"),
    ("POST", "/api/v1/staff/fundraisers/{id}/approve"),
    ("POST", "/api/v1/staff/fundraisers/{id}/hide"),
    ("GET", "/api/v1/staff/campaigns/{slug}/fundraising"),
    ("PUT", "/api/v1/staff/campaigns/{slug}/fundraising"),
    ("GET", "/api/v1/staff/campaigns"),
    ("POST", "/api/v1/staff/campaigns"),
    ("PATCH", "/api/v1/staff/campaigns/{slug}"),
    ("GET", "/api/v1/staff/donations"),
    ("GET", "/api/v1/staff/campaigns/{slug}/summary"),
    ("POST", "/api/v1/staff/campaigns/{slug}/offline-gifts"),
    (
        "DELETE",
        "/api/v1/staff/campaigns/{slug}/offline-gifts/{id}",
    ),
    ("GET", "/api/v1/staff/flags"),
    ("GET", "/api/v1/staff/donations/{id}/emails"),
    ("POST", "/api/v1/staff/emails/{id}/resend"),
    ("GET", "/api/v1/staff/memberships"),
    ("GET", "/api/v1/staff/me"),
    ("GET", "/api/v1/staff/members"),
    ("POST", "/api/v1/staff/members"),
    ("DELETE", "/api/v1/staff/members/{id}"),
    ("POST", "/webhooks/stripe"),
    ("POST", "/webhooks/stripe/{org}"),
    ("GET", "/health"),
    ("GET", "/ready"),
    ("GET", "/metrics"),
    ("GET", "/donate/{slug}/thanks"),
    ("GET", "/api/v1/openapi.json"),
];

async fn openapi_document_lists_every_route(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let r = app
        .client
        .get(app.at("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let doc: Value = serde_json::from_str(&r.text().await.unwrap()).expect("JSON");
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );

    let mut listed = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let method = method.to_uppercase();
            listed.insert((method.clone(), path.clone()));
            let secured = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|s| s.get("staff_token").is_some()));
            assert_eq!(
                secured,
                path.starts_with("/api/v1/staff/"),
                "{method} {path}: bearer security on staff routes only"
            );
            let responses = op["responses"].as_object().unwrap();
            assert!(!responses.is_empty(), "{method} {path}");
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        response["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
    let expected: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(listed, expected);
    assert_eq!(
        doc["components"]["securitySchemes"]["staff_token"],
        json!({"type": "http", "scheme": "bearer",
               "description": "A staff token from `donations staff token create --name N`"})
    );
    for schema in [
        "ErrorBody",
        "FieldError",
        "DonationView",
        "CampaignSummary",
        "OfflineGiftInput",
        "DonorWallEntry",
        "FlagView",
        "ProgressView",
    ] {
        assert!(
            doc["components"]["schemas"].get(schema).is_some(),
            "{schema} missing"
        );
    }

    // And the router serves each listed route (anything but the 404/405 of no route).
    for (method, path) in ROUTES {
        let url = app.at(&path.replace("{slug}", "demo").replace("{id}", "don_x"));
        let r = app
            .client
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                &url,
            )
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body = r.text().await.unwrap_or_default();
        assert_ne!(status, 405, "{method} {path}");
        assert!(
            !(status == 404 && body.contains("no such route")),
            "{method} {path} is not served"
        );
    }
}

backend_tests!(
    donation_list_pages_and_filters,
    csv_download_streams_every_row_quoted_and_defused,
    summary_of_a_hand_computed_campaign,
    offline_gifts_count_until_voided,
    flags_newest_first_and_by_campaign,
    every_new_staff_route_needs_a_token,
    donor_wall_shows_first_names_only,
    openapi_document_lists_every_route,
);
