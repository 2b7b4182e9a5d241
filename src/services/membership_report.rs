//! Members as staff see them: the list's filter and cursor, a member as the API and the
//! dashboard show them (active or lapsed at the time of asking), and the CSV export.

use serde::Serialize;

use crate::domain::field_error::FieldError;
use crate::domain::membership::Membership;
use crate::domain::time::format_time;
use crate::services::donation_csv::defuse;
use crate::store::MembershipFilter;

/// Members asked for: `active` (paid through now or later), `lapsed`, or any when absent;
/// those who paid dues to organization `org`'s campaigns.
pub fn parse_status(v: Option<&str>, at: i64, org: &str) -> Result<MembershipFilter, FieldError> {
    let active = match v.map(str::trim) {
        None | Some("") => None,
        Some("active") => Some(true),
        Some("lapsed") => Some(false),
        Some(_) => return Err(FieldError::new("status", "must be active or lapsed")),
    };
    Ok(MembershipFilter {
        active,
        at,
        organization: Some(org.to_string()),
    })
}

/// The cursor of the row a page ends with: opaque to clients (hex of the donor key).
pub fn encode_cursor(m: &Membership) -> String {
    hex::encode(&m.donor_key)
}

pub fn decode_cursor(v: &str) -> Result<String, FieldError> {
    let bad = || FieldError::new("cursor", "is not a cursor from this list");
    let key = String::from_utf8(hex::decode(v.trim()).map_err(|_| bad())?).map_err(|_| bad())?;
    if key.is_empty() || key.len() > 320 {
        return Err(bad());
    }
    Ok(key)
}

/// A member as staff see them (times RFC 3339, UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MembershipView {
    pub email: String,
    pub name: String,
    /// `active` (paid through now or later) or `lapsed`.
    pub status: String,
    /// The time of the first dues payment that counts.
    pub since: String,
    /// When the periods the counting dues payments bought end.
    pub paid_through: String,
    pub last_paid_at: String,
    /// Dues payments that count (refunded or charged-back ones do not).
    pub payments: i64,
    /// How the latest of them is given: `monthly`, `annual` or `one_time`.
    pub frequency: String,
}

impl MembershipView {
    pub fn new(m: &Membership, now: i64) -> Self {
        MembershipView {
            email: m.email.clone(),
            name: m.name.clone(),
            status: if m.lapsed(now) { "lapsed" } else { "active" }.into(),
            since: format_time(m.since),
            paid_through: format_time(m.paid_through),
            last_paid_at: format_time(m.last_paid_at),
            payments: m.payments,
            frequency: m.frequency.as_str().into(),
        }
    }
}

/// The CSV columns, in the order of [`MembershipView`]'s fields; new ones only at the end.
pub const MEMBERSHIP_CSV_HEADER: [&str; 8] = [
    "email",
    "name",
    "status",
    "since",
    "paid_through",
    "last_paid_at",
    "payments",
    "frequency",
];

/// CSV text for rows (RFC 4180, CRLF line ends), optionally after the header row; text cells
/// are defused against formula injection.
pub fn membership_csv(header: bool, rows: &[MembershipView]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    if header {
        w.write_record(MEMBERSHIP_CSV_HEADER)?;
    }
    for v in rows {
        w.write_record([
            defuse(&v.email),
            defuse(&v.name),
            v.status.clone(),
            v.since.clone(),
            v.paid_through.clone(),
            v.last_paid_at.clone(),
            v.payments.to_string(),
            v.frequency.clone(),
        ])?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::donation::Frequency;

    fn member() -> Membership {
        Membership {
            donor_key: "ana@example.org".into(),
            email: "Ana@Example.org".into(),
            name: "=Ana, \"La Jefa\"".into(),
            since: 1_800_000_000,
            paid_through: 1_802_000_000,
            last_paid_at: 1_800_000_000,
            payments: 1,
            frequency: Frequency::Monthly,
            updated_at: 0,
        }
    }

    #[test]
    fn a_member_is_active_until_paid_through_then_lapsed() {
        let m = member();
        assert_eq!(MembershipView::new(&m, m.paid_through).status, "active");
        assert_eq!(MembershipView::new(&m, m.paid_through + 1).status, "lapsed");
        let v = MembershipView::new(&m, 0);
        assert_eq!(v.paid_through, "2027-02-07T11:33:20Z");
        assert_eq!(v.frequency, "monthly");
    }

    #[test]
    fn the_csv_has_a_header_and_defused_quoted_cells() {
        let v = MembershipView::new(&member(), 0);
        let text = String::from_utf8(membership_csv(true, &[v]).unwrap()).unwrap();
        assert!(text.starts_with(
            "email,name,status,since,paid_through,last_paid_at,payments,frequency\r\n"
        ));
        assert!(text.contains("\"'=Ana, \"\"La Jefa\"\"\""), "{text}");
        assert!(text.contains(",active,2027-01-15T08:00:00Z,"), "{text}");
    }

    #[test]
    fn filters_and_cursors_are_checked_by_field() {
        assert_eq!(parse_status(None, 5, "default").unwrap().active, None);
        assert_eq!(
            parse_status(Some("active"), 5, "default").unwrap().active,
            Some(true)
        );
        assert_eq!(parse_status(Some("lapsed"), 5, "default").unwrap().at, 5);
        let e = parse_status(Some("gone"), 5, "default").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("status"));
        let m = member();
        assert_eq!(decode_cursor(&encode_cursor(&m)).unwrap(), m.donor_key);
        assert_eq!(
            decode_cursor("zz").unwrap_err().field.as_deref(),
            Some("cursor")
        );
    }
}
