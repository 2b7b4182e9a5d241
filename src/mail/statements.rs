//! Annual giving statements: one per donor, listing each gift of the year (one-time gifts,
//! installments and offline gifts) with what was refunded or disputed, and the year's total net
//! of both. A gift belongs to the year it was paid in; money returned later is netted against
//! that gift on the statement made after it.

use crate::domain::zone::Zone;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use askama::Template;

use super::Letter;
use super::render::{Prerendered, long_date};
use crate::config::Organization;
use crate::domain::contribution::{installment_gift, payment_facts};
use crate::domain::money::display as money;
use crate::domain::notices;
use crate::store::{Campaign, Donation, NewMessage, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// When it was given, in the organization's local time (unix seconds shifted by its offset;
    /// an offline gift's calendar day as it is).
    pub at: i64,
    pub campaign: String,
    pub description: String,
    pub currency: String,
    pub charged_minor: i64,
    /// The gift share of what was charged (`domain::contribution::installment_gift`); the rest is the
    /// fee the donor chose to cover (also part of the contribution).
    pub gift_minor: i64,
    /// Refunded, plus disputed and not reinstated.
    pub returned_minor: i64,
    /// How it was paid: `card` or `us_bank_account` ("" for an offline gift, whose description
    /// says how).
    pub paid_with: &'static str,
    /// It paid membership dues.
    pub dues: bool,
}

impl Line {
    pub fn net_minor(&self) -> i64 {
        (self.charged_minor - self.returned_minor).max(0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub year: i32,
    pub donor_key: String,
    pub donor_name: String,
    pub email: Option<String>,
    pub lines: Vec<Line>,
}

impl Statement {
    /// The year's net total per currency.
    pub fn totals(&self) -> BTreeMap<String, i64> {
        let mut t = BTreeMap::new();
        for l in &self.lines {
            *t.entry(l.currency.clone()).or_insert(0) += l.net_minor();
        }
        t
    }
}

fn description(d: &Donation) -> String {
    match (d.source.as_str(), d.frequency.as_str()) {
        ("offline", _) => match &d.offline_method {
            Some(m) => format!("Gift by {m}"),
            None => "Offline gift".into(),
        },
        (_, "monthly") => "Monthly gift".into(),
        (_, "annual") => "Annual gift".into(),
        _ => "One-time gift".into(),
    }
}

/// Every donor's statement for `year` in the organization's time zone (`ORG_TIMEZONE`: the year
/// runs from local midnight of January 1, and lines are dated by the local day), ordered by
/// donor.
pub async fn build(
    store: &dyn Store,
    year: i32,
    zone: &Zone,
) -> Result<Vec<Statement>, StoreError> {
    let (Some((from, to)), Some((day_from, day_to))) =
        (zone.year_bounds(year), Zone::utc().year_bounds(year))
    else {
        return Ok(vec![]);
    };
    let mut donations: HashMap<String, Donation> = HashMap::new();
    let mut campaigns: HashMap<i64, Campaign> = HashMap::new();
    let mut by_donor: BTreeMap<String, Statement> = BTreeMap::new();

    let mut entries: Vec<(Donation, Line)> = Vec::new();
    for p in store.payments_paid_between(from, to).await? {
        let Some(id) = &p.donation_id else { continue };
        if !donations.contains_key(id) {
            match store.donation(id).await? {
                Some(d) => donations.insert(id.clone(), d),
                None => continue,
            };
        }
        let d = &donations[id];
        if d.is_offline() {
            continue;
        }
        let (refunds, charges, disputes) = match &p.payment_intent_id {
            Some(pi) => store.intent_records(pi).await?,
            None => (vec![], vec![], vec![]),
        };
        let f = payment_facts(&p, &refunds, &charges, &disputes);
        let charged = p.amount_minor.unwrap_or(d.total_minor);
        entries.push((
            d.clone(),
            Line {
                at: zone.local(p.paid_at.unwrap_or(p.created_at)),
                campaign: String::new(),
                description: description(d),
                currency: p.currency.clone().unwrap_or_else(|| d.currency.clone()),
                charged_minor: charged,
                gift_minor: installment_gift(d, charged),
                returned_minor: f
                    .refunded_minor
                    .saturating_add(f.withdrawn_minor)
                    .clamp(0, charged.max(0)),
                paid_with: d.payment_method.map_or("", |m| m.as_str()),
                dues: d.dues_minimum_minor.is_some(),
            },
        ));
    }
    // Offline gifts are dated by calendar day: their year needs no shifting.
    for d in store.offline_gifts_between(day_from, day_to).await? {
        let line = Line {
            at: d.gift_date.unwrap_or(d.created_at),
            campaign: String::new(),
            description: description(&d),
            currency: d.currency.clone(),
            charged_minor: d.total_minor,
            gift_minor: d.gift_minor,
            returned_minor: 0,
            paid_with: "",
            dues: d.dues_minimum_minor.is_some(),
        };
        entries.push((d, line));
    }

    // In the order given, so that each donor's lines read in order and the name and address
    // kept are those of the donor's latest gift.
    entries.sort_by(|(_, a), (_, b)| (a.at, &a.description).cmp(&(b.at, &b.description)));
    for (d, mut line) in entries {
        if !campaigns.contains_key(&d.campaign_id)
            && let Some(c) = store.campaign_by_id(d.campaign_id).await?
        {
            campaigns.insert(c.id, c);
        }
        line.campaign = campaigns
            .get(&d.campaign_id)
            .map(|c| c.name.clone())
            .unwrap_or_default();
        let s = by_donor
            .entry(d.donor_key.clone())
            .or_insert_with(|| Statement {
                year,
                donor_key: d.donor_key.clone(),
                donor_name: String::new(),
                email: None,
                lines: vec![],
            });
        if let Some(n) = d.donor_name.as_ref().filter(|n| !n.trim().is_empty()) {
            s.donor_name = n.clone();
        }
        if d.donor_email.is_some() {
            s.email.clone_from(&d.donor_email);
        }
        s.lines.push(line);
    }
    let mut out: Vec<Statement> = by_donor.into_values().collect();
    for s in &mut out {
        if s.donor_name.is_empty() {
            s.donor_name = "friend".into();
        }
    }
    Ok(out)
}

struct LineView {
    date: String,
    description: String,
    campaign: String,
    charged: String,
    /// "gift X + covered fee Y", when part of the charge was a covered fee.
    split: Option<String>,
    returned: Option<String>,
    net: String,
    paid_with: &'static str,
    dues: bool,
}

struct StatementView {
    subject: String,
    year: i32,
    donor_name: String,
    org_name: String,
    org_address: String,
    org_ein: Option<String>,
    lines: Vec<LineView>,
    total: String,
}

#[derive(Template)]
#[template(path = "mail/statement.txt")]
struct StatementText<'a> {
    s: &'a StatementView,
}

#[derive(Template)]
#[template(path = "mail/statement.html")]
struct StatementHtml<'a> {
    s: &'a StatementView,
}

/// The statement as an email (the same text is written to files by the CLI).
pub fn render(org: &Organization, s: &Statement) -> Result<Letter, askama::Error> {
    let view = StatementView {
        subject: format!("Your {} giving statement from {}", s.year, org.name),
        year: s.year,
        donor_name: s.donor_name.clone(),
        org_name: org.name.clone(),
        org_address: org.address.clone(),
        org_ein: org.ein.clone(),
        lines: s
            .lines
            .iter()
            .map(|l| LineView {
                date: long_date(l.at),
                description: l.description.clone(),
                campaign: l.campaign.clone(),
                charged: money(l.charged_minor, &l.currency),
                split: (l.charged_minor > l.gift_minor).then(|| {
                    format!(
                        "gift {} + covered fee {}",
                        money(l.gift_minor, &l.currency),
                        money(l.charged_minor - l.gift_minor, &l.currency)
                    )
                }),
                returned: (l.returned_minor > 0).then(|| money(l.returned_minor, &l.currency)),
                net: money(l.net_minor(), &l.currency),
                paid_with: l.paid_with,
                dues: l.dues,
            })
            .collect(),
        total: s
            .totals()
            .iter()
            .map(|(c, t)| money(*t, c))
            .collect::<Vec<_>>()
            .join(" + "),
    };
    Ok(Letter {
        to: s.email.clone().unwrap_or_default(),
        subject: view.subject.clone(),
        text: StatementText { s: &view }.render()?,
        html: StatementHtml { s: &view }.render()?,
    })
}

/// The file name a donor's statement is written under (no characters a shell or OS minds).
pub fn file_stem(s: &Statement) -> String {
    format!(
        "statement-{}-{}",
        s.year,
        super::file_safe(&s.donor_key, &['.'])
    )
}

/// Writes `<stem>.txt` and `<stem>.html` per statement into `dir`.
pub fn write(dir: &Path, org: &Organization, statements: &[Statement]) -> std::io::Result<usize> {
    std::fs::create_dir_all(dir)?;
    for s in statements {
        let letter = render(org, s).map_err(std::io::Error::other)?;
        let stem = file_stem(s);
        std::fs::write(dir.join(format!("{stem}.txt")), &letter.text)?;
        std::fs::write(dir.join(format!("{stem}.html")), &letter.html)?;
    }
    Ok(statements.len())
}

#[derive(Debug, thiserror::Error)]
pub enum StatementError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("rendering: {0}")]
    Render(String),
}

impl From<askama::Error> for StatementError {
    fn from(e: askama::Error) -> Self {
        StatementError::Render(e.to_string())
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Queued {
    pub queued: usize,
    pub already: usize,
    pub no_email: usize,
}

/// Queues each statement as an email (once per donor and year, however often this runs).
pub async fn queue(
    store: &dyn Store,
    org: &Organization,
    statements: &[Statement],
    at: i64,
) -> Result<Queued, StatementError> {
    let mut q = Queued::default();
    for s in statements {
        let Some(email) = &s.email else {
            q.no_email += 1;
            continue;
        };
        let letter = render(org, s)?;
        let payload = serde_json::to_string(&Prerendered {
            subject: letter.subject,
            text: letter.text,
            html: letter.html,
        })
        .map_err(|e| StatementError::Render(e.to_string()))?;
        let message = NewMessage {
            key: format!("{}:{}:{}", notices::STATEMENT, s.year, s.donor_key),
            kind: notices::STATEMENT.into(),
            donation_id: None,
            payment_id: None,
            recipient: email.clone(),
            payload: Some(payload),
        };
        if store.enqueue_message(&message, at).await? {
            q.queued += 1;
        } else {
            q.already += 1;
        }
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_year_starts_at_local_midnight() {
        let jan1_2026_utc = 1_767_225_600;
        let jan1_2027_utc = 1_798_761_600;
        assert_eq!(
            Zone::utc().year_bounds(2026),
            Some((jan1_2026_utc, jan1_2027_utc))
        );
        // New York (UTC-5 in winter): its 2026 runs from 05:00 UTC on January 1.
        let ny = Zone::parse("America/New_York").unwrap();
        assert_eq!(
            ny.year_bounds(2026),
            Some((jan1_2026_utc + 18_000, jan1_2027_utc + 18_000))
        );
    }
}
