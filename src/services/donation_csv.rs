//! The staff donation list as CSV: the columns, one row of a [`DonationView`], and the chunks
//! the download streams. Text cells are defused against formula injection; amounts come in
//! minor units and, for people, in major units; times are UTC.

use super::reporting::DonationView;
use crate::domain::money::{currency_of, format_major};

/// The CSV columns: first the original 26, in the order of [`DonationView`]'s fields (kept as
/// they were, for importers that read them by position), then the columns for people reading
/// the file in a spreadsheet: each amount in major units (`50.00`, JPY `5000`; no symbol, no
/// thousands separator, `.` as the decimal point) and the two times as `YYYY-MM-DD HH:MM:SS`,
/// which spreadsheets read as a date and time. Every time in the file is UTC (`created_at`
/// and `voided_at` end in `Z`); the `_utc` names say so for the spreadsheet columns. Then
/// Stripe's actual net (`net_actual_minor`, `net_actual`), beside the actual fee; then how a
/// checkout gift was paid (`payment_method`: `card` or `us_bank_account`) and the membership
/// dues a gift pays (`dues_minimum_minor`, empty for a gift that pays none); then the
/// supporter's page the gift was made on (`fundraiser`, its slug): columns are only ever added
/// at the end.
pub const CSV_HEADER: [&str; 40] = [
    "id",
    "campaign",
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
    "gift_date",
    "created_at",
    "voided_at",
    "gift",
    "fee",
    "total",
    "counted_raised",
    "refunded",
    "disputed",
    "fee_actual",
    "created_at_utc",
    "voided_at_utc",
    "net_actual_minor",
    "net_actual",
    "payment_method",
    "dues_minimum_minor",
    "fundraiser",
];

/// A text cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, or a leading tab
/// or carriage return) gets a leading `'`, which spreadsheets show as text.
pub fn defuse(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

fn text(v: &Option<String>) -> String {
    v.as_deref().map(defuse).unwrap_or_default()
}

fn number(v: Option<i64>) -> String {
    v.map(|n| n.to_string()).unwrap_or_default()
}

/// An RFC 3339 UTC time (`2026-11-21T18:30:00Z`) as a spreadsheet reads one:
/// `2026-11-21 18:30:00`.
fn spreadsheet_time(rfc3339: &str) -> String {
    rfc3339.trim_end_matches('Z').replacen('T', " ", 1)
}

/// One CSV row, column for column with [`CSV_HEADER`].
pub fn csv_row(v: &DonationView) -> [String; CSV_HEADER.len()] {
    let currency = currency_of(&v.currency);
    let major = |minor: i64| format_major(minor, currency);
    [
        defuse(&v.id),
        defuse(&v.campaign),
        defuse(&v.status),
        defuse(&v.frequency),
        defuse(&v.currency),
        v.gift_minor.to_string(),
        v.fee_minor.to_string(),
        v.total_minor.to_string(),
        v.counted_raised_minor.to_string(),
        v.refunded_minor.to_string(),
        v.disputed_minor.to_string(),
        number(v.fee_actual_minor),
        text(&v.donor_name),
        text(&v.donor_email),
        v.anonymous.to_string(),
        text(&v.tribute_kind),
        text(&v.tribute_honoree),
        text(&v.tribute_notify_email),
        text(&v.tribute_message),
        text(&v.comment),
        defuse(&v.source),
        text(&v.offline_method),
        text(&v.note),
        v.gift_date.clone().unwrap_or_default(),
        v.created_at.clone(),
        v.voided_at.clone().unwrap_or_default(),
        major(v.gift_minor),
        major(v.fee_minor),
        major(v.total_minor),
        major(v.counted_raised_minor),
        major(v.refunded_minor),
        major(v.disputed_minor),
        v.fee_actual_minor.map(major).unwrap_or_default(),
        spreadsheet_time(&v.created_at),
        v.voided_at
            .as_deref()
            .map(spreadsheet_time)
            .unwrap_or_default(),
        number(v.net_actual_minor),
        v.net_actual_minor.map(major).unwrap_or_default(),
        text(&v.payment_method),
        number(v.dues_minimum_minor),
        text(&v.fundraiser),
    ]
}

/// CSV text for rows (RFC 4180: quoted where needed, CRLF line ends), optionally after the
/// header row.
pub fn csv_chunk(header: bool, rows: &[DonationView]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    if header {
        w.write_record(CSV_HEADER)?;
    }
    for v in rows {
        w.write_record(csv_row(v))?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn campaign() -> crate::store::Campaign {
        crate::store::Campaign::sample("c", "C", 100)
    }

    #[test]
    fn csv_rows_carry_major_units_and_utc_times_after_the_minor_columns() {
        let col = |name: &str| CSV_HEADER.iter().position(|h| *h == name).unwrap();
        // The original columns keep their places; the new ones come after them.
        assert_eq!(&CSV_HEADER[..3], &["id", "campaign", "status"]);
        assert_eq!(col("voided_at"), 25);
        assert_eq!(col("gift"), 26);
        assert_eq!(col("voided_at_utc"), 34);
        assert_eq!(col("net_actual_minor"), 35);
        assert_eq!(col("fundraiser"), CSV_HEADER.len() - 1);
        let mut d = crate::domain::donation::Donation::pending("don_1".into(), &campaign(), 0);
        d.created_at = 1_795_285_800; // 2026-11-21T18:30:00Z
        (d.gift_minor, d.fee_minor, d.total_minor) = (5000, 175, 5175);
        (d.counted_raised_minor, d.refunded_minor) = (4000, 1000);
        d.disputed_minor = 0;
        d.fee_actual_minor = Some(180);
        d.net_actual_minor = Some(4995);
        d.voided_at = Some(1_795_289_405);
        let row = csv_row(&DonationView::new("c", &d));
        for (name, want) in [
            ("gift_minor", "5000"),
            ("gift", "50.00"),
            ("fee", "1.75"),
            ("total", "51.75"),
            ("counted_raised", "40.00"),
            ("refunded", "10.00"),
            ("disputed", "0.00"),
            ("fee_actual", "1.80"),
            ("net_actual_minor", "4995"),
            ("net_actual", "49.95"),
            ("created_at", "2026-11-21T18:30:00Z"),
            ("created_at_utc", "2026-11-21 18:30:00"),
            ("voided_at_utc", "2026-11-21 19:30:05"),
        ] {
            assert_eq!(row[col(name)], want, "{name}");
        }
        // A zero-exponent currency has no decimal point; a missing fee stays empty.
        d.currency = "jpy".into();
        (d.gift_minor, d.fee_actual_minor, d.voided_at) = (5000, None, None);
        d.net_actual_minor = None;
        let row = csv_row(&DonationView::new("c", &d));
        assert_eq!(row[col("fundraiser")], "", "given on no supporter's page");
        let on_page = DonationView {
            fundraiser: Some("ana-perez".into()),
            ..DonationView::new("c", &d)
        };
        assert_eq!(csv_row(&on_page)[col("fundraiser")], "ana-perez");
        assert_eq!(row[col("gift")], "5000");
        assert_eq!(row[col("fee_actual")], "");
        assert_eq!(row[col("net_actual")], "");
        assert_eq!(row[col("voided_at_utc")], "");
        // Thousands get no separator, so the cell stays one number.
        d.currency = "usd".into();
        d.gift_minor = 123_456_789;
        assert_eq!(
            csv_row(&DonationView::new("c", &d))[col("gift")],
            "1234567.89"
        );
    }

    #[test]
    fn formulas_are_defused() {
        for (cell, out) in [
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("Ana", "Ana"),
            ("", ""),
        ] {
            assert_eq!(defuse(cell), out);
        }
    }
}
