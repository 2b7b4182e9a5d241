//! Staff reporting and the public donor wall, above the store: the donation list's filters,
//! cursor and rows (JSON and CSV), a campaign's financial summary, and donor wall entries.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::domain::contribution::{
    Frequency, installment_gift, payment_facts, payment_rank, payment_share,
    recurring_monthly_minor,
};
use crate::domain::donation::PaymentMethod;
use crate::domain::fees::{MethodRates, fee_on};
use crate::domain::field_error::FieldError;
use crate::domain::text::looks_like_contact;
use crate::store::{
    Campaign, CampaignRecords, ChargeRecord, Dispute, Donation, DonationCursor, ListedDonation,
    Refund,
};

pub use super::donation_csv::{CSV_HEADER, csv_chunk, csv_row, defuse};
pub use crate::domain::time::{
    SECONDS_PER_DAY, day_of, format_day, format_time, parse_date, parse_rfc3339,
};

/// A `from`/`to` bound: an RFC 3339 time, or a date meaning its whole day (`from` at its
/// midnight, `to` at the next one, so that `to=2026-11-21` includes the 21st).
pub fn parse_bound(field: &str, v: &str, is_end: bool) -> Result<i64, FieldError> {
    let v = v.trim();
    if let Some(midnight) = parse_date(v) {
        return Ok(if is_end {
            midnight + SECONDS_PER_DAY
        } else {
            midnight
        });
    }
    parse_rfc3339(v).ok_or_else(|| {
        FieldError::new(
            field,
            "must be a date such as 2026-11-21 or a time such as 2026-11-21T18:30:00Z",
        )
    })
}

// ---- the staff donation list ----

/// The position of a row in the list.
pub fn cursor_of(d: &Donation) -> DonationCursor {
    DonationCursor {
        created_at: d.created_at,
        id: d.id.clone(),
    }
}

/// The cursor of the row a page ends with: opaque to clients (hex of `created_at:id`).
pub fn encode_cursor(d: &Donation) -> String {
    hex::encode(format!("{}:{}", d.created_at, d.id))
}

pub fn decode_cursor(v: &str) -> Result<DonationCursor, FieldError> {
    let bad = || FieldError::new("cursor", "is not a cursor from this list");
    let text = String::from_utf8(hex::decode(v.trim()).map_err(|_| bad())?).map_err(|_| bad())?;
    let (at, id) = text.split_once(':').ok_or_else(bad)?;
    let created_at = at.parse::<i64>().map_err(|_| bad())?;
    if id.is_empty() || id.len() > 100 {
        return Err(bad());
    }
    Ok(DonationCursor {
        created_at,
        id: id.to_string(),
    })
}

/// Every status a donation can have: a one-time gift's payment state, `voided` for offline
/// gifts, or a recurring plan's state.
pub const DONATION_STATUSES: &[&str] = &[
    "pending",
    "succeeded",
    "partially_refunded",
    "refunded",
    "disputed",
    "failed",
    "abandoned",
    "voided",
    "incomplete",
    "trialing",
    "active",
    "past_due",
    "unpaid",
    "paused",
    "incomplete_expired",
    "canceled",
];

/// A donation as staff see it, in the list and the CSV download (times RFC 3339, UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DonationView {
    pub id: String,
    /// The campaign's slug.
    pub campaign: String,
    pub status: String,
    pub frequency: String,
    pub currency: String,
    pub gift_minor: i64,
    /// The fee the donor chose to cover.
    pub fee_minor: i64,
    pub total_minor: i64,
    /// What this donation adds to its campaign's `raised` now.
    pub counted_raised_minor: i64,
    pub refunded_minor: i64,
    pub disputed_minor: i64,
    /// Stripe's actual fee, once known.
    pub fee_actual_minor: Option<i64>,
    /// Stripe's net of the same payments (charged less the actual fee, before refunds), once
    /// known.
    pub net_actual_minor: Option<i64>,
    pub donor_name: Option<String>,
    pub donor_email: Option<String>,
    pub anonymous: bool,
    /// `honor` or `memory`.
    pub tribute_kind: Option<String>,
    pub tribute_honoree: Option<String>,
    pub tribute_notify_email: Option<String>,
    pub tribute_message: Option<String>,
    pub comment: Option<String>,
    /// `stripe` or `offline`.
    pub source: String,
    /// Offline gifts: `check`, `cash` or `other`.
    pub offline_method: Option<String>,
    pub note: Option<String>,
    /// Offline gifts: the date of the gift (`YYYY-MM-DD`).
    pub gift_date: Option<String>,
    pub created_at: String,
    pub voided_at: Option<String>,
    /// Checkout gifts: `card` or `us_bank_account` (ACH); `null` for offline gifts.
    pub payment_method: Option<String>,
    /// A gift that pays membership dues: the least it pays per installment (per year for a
    /// one-time or offline gift).
    pub dues_minimum_minor: Option<i64>,
    /// The supporter's page it was given on (its slug), if any.
    pub fundraiser: Option<String>,
}

impl DonationView {
    pub fn new(campaign_slug: &str, d: &Donation) -> Self {
        DonationView {
            id: d.id.clone(),
            campaign: campaign_slug.to_string(),
            status: d.status.clone(),
            frequency: d.frequency.as_str().to_string(),
            currency: d.currency.clone(),
            gift_minor: d.gift_minor,
            fee_minor: d.fee_minor,
            total_minor: d.total_minor,
            counted_raised_minor: d.counted_raised_minor,
            refunded_minor: d.refunded_minor,
            disputed_minor: d.disputed_minor,
            fee_actual_minor: d.fee_actual_minor,
            net_actual_minor: d.net_actual_minor,
            donor_name: d.donor_name.clone(),
            donor_email: d.donor_email.clone(),
            anonymous: d.anonymous,
            tribute_kind: d.tribute_kind.clone(),
            tribute_honoree: d.tribute_honoree.clone(),
            tribute_notify_email: d.tribute_notify_email.clone(),
            tribute_message: d.tribute_message.clone(),
            comment: d.comment.clone(),
            source: d.source.as_str().to_string(),
            offline_method: d.offline_method.clone(),
            note: d.note.clone(),
            gift_date: d.gift_date.map(|t| format_day(day_of(t))),
            created_at: format_time(d.created_at),
            voided_at: d.voided_at.map(format_time),
            payment_method: d.payment_method.map(|m| m.as_str().to_string()),
            dues_minimum_minor: d.dues_minimum_minor,
            fundraiser: None,
        }
    }
}

impl From<&ListedDonation> for DonationView {
    fn from(l: &ListedDonation) -> Self {
        DonationView {
            fundraiser: l.fundraiser_slug.clone(),
            ..DonationView::new(&l.campaign_slug, &l.donation)
        }
    }
}

// ---- a campaign's summary ----

/// Figures of one frequency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FrequencyFigures {
    /// Counted gifts: paid one-time gifts and paid installments that still count.
    pub gifts: i64,
    /// Donations with at least one counted gift.
    pub donations: i64,
    pub raised_minor: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ByFrequency {
    pub one_time: FrequencyFigures,
    pub monthly: FrequencyFigures,
    pub annual: FrequencyFigures,
}

/// What was raised on one UTC day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DayFigure {
    #[schema(example = "2026-11-21")]
    pub date: String,
    pub raised_minor: i64,
}

/// A campaign's figures for staff, all in the campaign's currency's minor units.
///
/// "Counted payments" are the payments of the campaign's Stripe donations that succeeded and can
/// count (one-time gifts' payments and recurring installments; a recurring gift's checkout
/// record is not one), in the campaign's currency, whether or not refunded since. For each such
/// payment, `amount` is what Stripe charged (the donation's total while only the status is
/// known). Payments in another currency are left out of every figure and counted in
/// `other_currency_payments`.
///
/// - `raised_minor`: the campaign's aggregate, exactly as public progress shows it.
/// - `gross_minor`: Σ amount over counted payments.
/// - `covered_fees_minor`: Σ (amount − gift share) over counted payments, where the gift share is
///   amount × gift / total rounded half up (the donor-covered fee; `fee_minor` when the amount is
///   the expected total).
/// - `estimated_fees_minor`: Σ `fee_on(rate, amount)` over counted payments, at the rate of the
///   payment's method: the campaign's card rate, or the bank debit rate for ACH payments
///   (percent part rounded half up per payment, capped for bank debits, plus the fixed part).
/// - `actual_fees_minor`: Σ Stripe's actual fee (from the payments' charges' balance
///   transactions) over counted payments whose fee is known; `actual_fees_unknown` counts those
///   whose fee is not known yet, among them `actual_fees_other_currency`, whose money Stripe
///   converted into another currency (their fee is in that currency and left out; flagged).
/// - `actual_fees_estimate_minor`: Σ the estimate over the same payments as `actual_fees_minor`
///   (to set the two side by side); `actual_net_minor`: Σ Stripe's net over them (the amount
///   less the actual fee, before refunds and disputes).
/// - `fees_minor`: Σ per counted payment of its actual fee when known, else its estimate.
/// - `refunded_minor`: Σ per counted payment of what was refunded: pending and succeeded refunds
///   or the charge's running refunded total, whichever is larger (as the ledger reads them).
/// - `disputed_minor`: Σ per counted payment of disputed amounts whose funds are withdrawn and
///   not reinstated.
/// - `net_minor`: `gross − fees − refunded − disputed` (Stripe money only; offline gifts apart).
/// - `offline_minor` / `offline_gifts`: the gift amounts and number of offline gifts not voided.
/// - `by_frequency`: per frequency, Σ of donations' counted gifts, the donations with one or more,
///   and Σ of their counted `raised` shares (offline gifts are one-time).
/// - `recurring_active` / `recurring_monthly_minor`: from the aggregate, as public progress
///   (monthly plans plus annual ones / 12, rounded half up once over the sum).
/// - `daily`: per UTC day, Σ of the gift share each counted payment adds to `raised` now (after
///   its refunds and withdrawn disputes), on the day it was paid (`payments.paid_at`), plus offline
///   gifts on their gift date; days with nothing raised are left out. Its sum is `raised_minor`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CampaignSummary {
    pub campaign: String,
    pub currency: String,
    pub goal_minor: i64,
    pub raised_minor: i64,
    pub gross_minor: i64,
    pub covered_fees_minor: i64,
    pub estimated_fees_minor: i64,
    pub actual_fees_minor: i64,
    pub actual_fees_estimate_minor: i64,
    pub actual_net_minor: i64,
    pub actual_fees_unknown: i64,
    pub actual_fees_other_currency: i64,
    pub fees_minor: i64,
    pub refunded_minor: i64,
    pub disputed_minor: i64,
    pub net_minor: i64,
    pub payments: i64,
    pub other_currency_payments: i64,
    pub offline_minor: i64,
    pub offline_gifts: i64,
    pub by_frequency: ByFrequency,
    pub recurring_active: i64,
    pub recurring_monthly_minor: i64,
    pub daily: Vec<DayFigure>,
}

/// Records of one PaymentIntent.
#[derive(Default)]
struct IntentRecords {
    refunds: Vec<Refund>,
    charges: Vec<ChargeRecord>,
    disputes: Vec<Dispute>,
}

/// Computes [`CampaignSummary`] from a campaign's records (see there for each figure).
pub fn summarize(c: &Campaign, rates: &MethodRates, r: &CampaignRecords) -> CampaignSummary {
    let mut s = CampaignSummary {
        campaign: c.slug.clone(),
        currency: c.currency.clone(),
        goal_minor: c.goal_minor,
        raised_minor: r.progress.raised_minor,
        gross_minor: 0,
        covered_fees_minor: 0,
        estimated_fees_minor: 0,
        actual_fees_minor: 0,
        actual_fees_estimate_minor: 0,
        actual_net_minor: 0,
        actual_fees_unknown: 0,
        actual_fees_other_currency: 0,
        fees_minor: 0,
        refunded_minor: 0,
        disputed_minor: 0,
        net_minor: 0,
        payments: 0,
        other_currency_payments: 0,
        offline_minor: 0,
        offline_gifts: 0,
        by_frequency: ByFrequency::default(),
        recurring_active: r.progress.recurring_active,
        recurring_monthly_minor: recurring_monthly_minor(&r.progress),
        daily: Vec::new(),
    };
    let mut days: BTreeMap<i64, i64> = BTreeMap::new();

    let mut intents: HashMap<&str, IntentRecords> = HashMap::new();
    for x in &r.refunds {
        if let Some(pi) = &x.payment_intent_id {
            intents.entry(pi).or_default().refunds.push(x.clone());
        }
    }
    for x in &r.charges {
        if let Some(pi) = &x.payment_intent_id {
            intents.entry(pi).or_default().charges.push(x.clone());
        }
    }
    for x in &r.disputes {
        if let Some(pi) = &x.payment_intent_id {
            intents.entry(pi).or_default().disputes.push(x.clone());
        }
    }
    let none = IntentRecords::default();

    let donations: HashMap<&str, &Donation> =
        r.donations.iter().map(|d| (d.id.as_str(), d)).collect();
    for p in &r.payments {
        let Some(d) = p.donation_id.as_deref().and_then(|id| donations.get(id)) else {
            continue;
        };
        if d.is_offline() || p.kind == "checkout" || p.status_rank != payment_rank::SUCCEEDED {
            continue;
        }
        if p.currency.as_deref().unwrap_or(&d.currency) != c.currency {
            s.other_currency_payments += 1;
            continue;
        }
        let ir = p
            .payment_intent_id
            .as_deref()
            .and_then(|pi| intents.get(pi))
            .unwrap_or(&none);
        let facts = payment_facts(p, &ir.refunds, &ir.charges, &ir.disputes);
        // Figures add up saturating: amounts in are bounded (`AmountBounds`), and a corrupt
        // stored row must not make the summary fail.
        let amount = p.amount_minor.unwrap_or(d.total_minor).max(0);
        let rate = rates.of(d.payment_method.unwrap_or(PaymentMethod::Card));
        let estimated = fee_on(rate, amount);
        let add = |sum: &mut i64, x: i64| *sum = sum.saturating_add(x);
        s.payments += 1;
        add(&mut s.gross_minor, amount);
        add(
            &mut s.covered_fees_minor,
            amount.saturating_sub(installment_gift(d, amount)),
        );
        add(&mut s.estimated_fees_minor, estimated);
        match facts.fee_actual_minor {
            Some(fee) => {
                add(&mut s.actual_fees_minor, fee);
                add(&mut s.actual_fees_estimate_minor, estimated);
                add(
                    &mut s.actual_net_minor,
                    facts
                        .net_actual_minor
                        .unwrap_or_else(|| amount.saturating_sub(fee)),
                );
                add(&mut s.fees_minor, fee);
            }
            None => {
                s.actual_fees_unknown += 1;
                if ir.charges.iter().any(|c| c.settlement_currency.is_some()) {
                    s.actual_fees_other_currency += 1;
                }
                add(&mut s.fees_minor, estimated);
            }
        }
        add(&mut s.refunded_minor, facts.refunded_minor);
        add(&mut s.disputed_minor, facts.withdrawn_minor);
        add(
            days.entry(day_of(p.paid_at.unwrap_or(p.created_at)))
                .or_default(),
            payment_share(d, &facts),
        );
    }

    for d in &r.donations {
        let f = match d.frequency {
            Frequency::Monthly => &mut s.by_frequency.monthly,
            Frequency::Annual => &mut s.by_frequency.annual,
            Frequency::OneTime => &mut s.by_frequency.one_time,
        };
        f.gifts = f.gifts.saturating_add(d.counted_gifts);
        f.donations += i64::from(d.counted_gifts > 0);
        f.raised_minor = f.raised_minor.saturating_add(d.counted_raised_minor);
        if d.is_standing_offline_gift() {
            s.offline_minor = s.offline_minor.saturating_add(d.counted_raised_minor);
            s.offline_gifts += 1;
            let day = days
                .entry(day_of(d.gift_date.unwrap_or(d.created_at)))
                .or_default();
            *day = day.saturating_add(d.counted_raised_minor);
        }
    }

    s.net_minor = s
        .gross_minor
        .saturating_sub(s.fees_minor)
        .saturating_sub(s.refunded_minor)
        .saturating_sub(s.disputed_minor);
    s.daily = days
        .into_iter()
        .filter(|(_, v)| *v != 0)
        .map(|(day, raised_minor)| DayFigure {
            date: format_day(day),
            raised_minor,
        })
        .collect();
    s
}

// ---- the public donor wall ----

/// One counted gift on a campaign's public donor wall. Never an email, a last name, or the name
/// of a donor who asked to be anonymous.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DonorWallEntry {
    /// The donor's first name, or "Anonymous".
    #[schema(example = "Ana")]
    pub name: String,
    /// The gift share counted toward the goal; absent when the campaign hides amounts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_minor: Option<i64>,
    pub currency: String,
    /// "In honor of X" or "In memory of X".
    #[schema(example = "In honor of Lynda Callon")]
    pub tribute: Option<String>,
    pub frequency: String,
    /// The day of the gift (`YYYY-MM-DD`, UTC).
    #[schema(example = "2026-11-21")]
    pub date: String,
    /// The same, for a page that writes them in the donor's language (not in the JSON): whether
    /// the name is withheld, the dedication's kind and (publishable) honoree, and when it was
    /// given (unix seconds).
    #[serde(skip)]
    pub anonymous: bool,
    #[serde(skip)]
    pub tribute_kind: Option<String>,
    #[serde(skip)]
    pub honoree: Option<String>,
    #[serde(skip)]
    pub at: i64,
}

/// The given name of a full name as donors write it: the first word, or the first word after
/// the comma of "Last, First"; `None` when nothing name-like is left.
fn first_name(full: &str) -> Option<String> {
    let given = match full.split_once(',') {
        Some((_, rest)) if !rest.trim().is_empty() => rest,
        _ => full,
    };
    let word = given
        .split_whitespace()
        .next()?
        .trim_matches(|c: char| !c.is_alphanumeric());
    // An email or a phone number typed as a name must not be published.
    (!word.is_empty() && !looks_like_contact(word)).then(|| word.to_string())
}

pub fn wall_entry(d: &Donation, hide_amounts: bool) -> DonorWallEntry {
    let name = if d.anonymous {
        None
    } else {
        d.donor_name.as_deref().and_then(first_name)
    };
    // Honorees are guarded like donors' names: contact details typed as one are not published.
    let honoree = d
        .tribute_honoree
        .as_deref()
        .filter(|h| !looks_like_contact(h));
    let (tribute_kind, tribute) = match (d.tribute_kind.as_deref(), honoree) {
        (Some("honor"), Some(h)) => (Some("honor"), Some(format!("In honor of {h}"))),
        (Some("memory"), Some(h)) => (Some("memory"), Some(format!("In memory of {h}"))),
        _ => (None, None),
    };
    let at = if d.is_offline() {
        d.gift_date.unwrap_or(d.created_at)
    } else {
        d.created_at
    };
    DonorWallEntry {
        anonymous: name.is_none(),
        tribute_kind: tribute_kind.map(String::from),
        honoree: tribute.as_ref().and(honoree).map(String::from),
        at,
        name: name.unwrap_or_else(|| "Anonymous".into()),
        amount_minor: (!hide_amounts).then_some(d.counted_raised_minor),
        currency: d.currency.clone(),
        tribute,
        frequency: d.frequency.as_str().to_string(),
        date: format_day(day_of(at)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times() {
        assert_eq!(parse_date("2026-11-21"), Some(1_795_219_200));
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("2026-1-21"), None);
        assert_eq!(format_day(day_of(1_795_219_200 + 86_399)), "2026-11-21");
        assert_eq!(parse_rfc3339("2026-11-21T00:00:00Z"), Some(1_795_219_200));
        assert_eq!(
            parse_rfc3339("2026-11-21T02:00:00+02:00"),
            Some(1_795_219_200)
        );
        assert_eq!(
            parse_rfc3339("2026-11-20T19:00:00-05:00"),
            Some(1_795_219_200)
        );
        assert_eq!(parse_rfc3339("2026-11-21"), None);
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parse_rfc3339("2026-11-21T00:00:00+25:00"), None);
        assert_eq!(parse_rfc3339("2026-11-21T00:00:00Zé"), None);
        assert_eq!(
            parse_bound("to", "2026-11-21", true),
            Ok(1_795_219_200 + 86_400)
        );
        assert_eq!(parse_bound("from", "2026-11-21", false), Ok(1_795_219_200));
        assert_eq!(
            parse_bound("from", "nope", false)
                .unwrap_err()
                .field
                .as_deref(),
            Some("from")
        );
    }

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let mut d = crate::domain::donation::Donation::pending("don_abc".into(), &campaign(), 42);
        d.created_at = 1_700_000_000;
        let c = decode_cursor(&encode_cursor(&d)).unwrap();
        assert_eq!((c.created_at, c.id.as_str()), (1_700_000_000, "don_abc"));
        for bad in ["", "zz", &hex::encode("nocolon"), &hex::encode("x:don")] {
            assert!(decode_cursor(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn first_names_only() {
        for (full, first) in [
            ("Ana Pérez", Some("Ana")),
            ("  María José Ruiz ", Some("María")),
            ("Pérez, Ana", Some("Ana")),
            ("ana@example.org", None),
            ("-", None),
        ] {
            assert_eq!(first_name(full).as_deref(), first, "{full}");
        }
    }

    fn campaign() -> Campaign {
        Campaign::sample("c", "C", 100)
    }
}
