//! Annual giving statements: one per donor, listing each gift of the year (one-time gifts,
//! installments and offline gifts) with what was refunded or disputed, and the year's total net
//! of both. A gift belongs to the year it was paid in; money returned later is netted against
//! that gift on the statement made after it. A donor who gave to campaigns of several
//! organizations gets one statement from each, in its name and with its tax wording.

use crate::domain::zone::Zone;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use askama::Template;

use super::Letter;
use super::render::Prerendered;
use crate::config::Organization;
use crate::domain::contribution::{installment_gift, payment_facts};
use crate::domain::donation::DEFAULT_LANGUAGE;
use crate::domain::notices;
use crate::domain::organization::DEFAULT_ORG;
use crate::i18n::{Args, Lang, Tr, format};
use crate::store::{Campaign, Donation, NewMessage, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// When it was given, in the organization's local time (unix seconds shifted by its offset;
    /// an offline gift's calendar day as it is).
    pub at: i64,
    pub campaign: String,
    /// What kind of gift, as a word the statement's language describes: `one_time`, `monthly`,
    /// `annual`, or `check`, `cash`, `other` (an offline gift's method) or `offline`.
    pub kind: &'static str,
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
    /// The organization whose campaigns the gifts went to (`domain::organization`).
    pub organization: String,
    pub donor_key: String,
    pub donor_name: String,
    pub email: Option<String>,
    /// The language of the donor's most recent gift made through the donation page or the API
    /// (offline gifts carry none); English if none.
    pub language: String,
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

fn kind(d: &Donation) -> &'static str {
    if d.is_offline() {
        return match d.offline_method.as_deref() {
            Some("check") => "check",
            Some("cash") => "cash",
            Some(_) => "other",
            None => "offline",
        };
    }
    d.frequency.as_str()
}

/// Every donor's statement for `year` in the organization's time zone (`ORG_TIMEZONE`: the year
/// runs from local midnight of January 1, and lines are dated by the local day), ordered by
/// donor: one per donor and organization of the campaigns given to.
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
    let mut by_donor: BTreeMap<(String, String), Statement> = BTreeMap::new();

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
                kind: kind(d),
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
            kind: kind(&d),
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
    entries.sort_by(|(_, a), (_, b)| (a.at, a.kind).cmp(&(b.at, b.kind)));
    for (d, mut line) in entries {
        if !campaigns.contains_key(&d.campaign_id)
            && let Some(c) = store.campaign_by_id(d.campaign_id).await?
        {
            campaigns.insert(c.id, c);
        }
        let c = campaigns.get(&d.campaign_id);
        line.campaign = c.map(|c| c.name.clone()).unwrap_or_default();
        let org = c
            .map_or(DEFAULT_ORG, |c| c.organization.as_str())
            .to_string();
        let s = by_donor
            .entry((d.donor_key.clone(), org.clone()))
            .or_insert_with(|| Statement {
                year,
                organization: org,
                donor_key: d.donor_key.clone(),
                donor_name: String::new(),
                email: None,
                language: DEFAULT_LANGUAGE.into(),
                lines: vec![],
            });
        if let Some(n) = d.donor_name.as_ref().filter(|n| !n.trim().is_empty()) {
            s.donor_name = n.clone();
        }
        if d.donor_email.is_some() {
            s.email.clone_from(&d.donor_email);
        }
        if !d.is_offline() {
            s.language.clone_from(&d.language);
        }
        s.lines.push(line);
    }
    Ok(by_donor.into_values().collect())
}

struct LineView {
    date: String,
    campaign: String,
    charged: String,
    /// Whether part of the charge was a covered fee ("gift X + covered fee Y").
    split: Option<()>,
    returned: Option<String>,
    net: String,
    /// How it was paid (`card`, `us_bank_account`, "" offline) and whether it paid dues.
    paid_with: &'static str,
    dues: bool,
    /// The line's values: `kind`, `gift`, `fee`, `returned`, `paid_with`.
    args: Args,
}

struct StatementView {
    /// Its organization is not a 501(c)(3): the statement says gifts are not deductible.
    not_deductible: bool,
    subject: String,
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
    tr: Tr,
}

#[derive(Template)]
#[template(path = "mail/statement.html")]
struct StatementHtml<'a> {
    s: &'a StatementView,
    tr: Tr,
}

/// The statement as an email, in the donor's language (the same text is written to files by
/// the CLI).
pub fn render(org: &Organization, s: &Statement) -> Result<Letter, askama::Error> {
    let lang = Lang::stored(&s.language);
    let money = |minor: i64, currency: &str| format::money(lang, minor, currency);
    let total = s
        .totals()
        .iter()
        .map(|(c, t)| money(*t, c))
        .collect::<Vec<_>>()
        .join(" + ");
    let args = Args::new()
        .text("donor_name", &s.donor_name)
        .flag("named", !s.donor_name.is_empty())
        .text("org", &org.name)
        .text("year", s.year.to_string())
        // Only a 501(c)(3) says its gifts are deductible; any other says they are not.
        .flag("has_ein", org.ein.is_some() && org.tax_status.deductible());
    let view = StatementView {
        not_deductible: !org.tax_status.deductible(),
        subject: lang.msg("statement-subject", &args),
        org_name: org.name.clone(),
        org_address: org.address.clone(),
        org_ein: org.ein.clone(),
        lines: s
            .lines
            .iter()
            .map(|l| LineView {
                date: format::long_date(lang, l.at),
                campaign: l.campaign.clone(),
                charged: money(l.charged_minor, &l.currency),
                split: (l.charged_minor > l.gift_minor).then_some(()),
                returned: (l.returned_minor > 0).then(|| money(l.returned_minor, &l.currency)),
                net: money(l.net_minor(), &l.currency),
                paid_with: l.paid_with,
                dues: l.dues,
                args: Args::new()
                    .word("kind", l.kind)
                    .text("gift", money(l.gift_minor, &l.currency))
                    .text("fee", money(l.charged_minor - l.gift_minor, &l.currency))
                    .text("returned", money(l.returned_minor, &l.currency))
                    .word("paid_with", l.paid_with),
            })
            .collect(),
        total,
    };
    Ok(Letter {
        to: s.email.clone().unwrap_or_default(),
        subject: view.subject.clone(),
        text: StatementText {
            s: &view,
            tr: Tr::text(lang, args.clone()),
        }
        .render()?,
        html: StatementHtml {
            s: &view,
            tr: Tr::html(lang, args),
        }
        .render()?,
    })
}

/// The file name a donor's statement is written under (no characters a shell or OS minds);
/// another organization's than the default one's names it.
pub fn file_stem(s: &Statement) -> String {
    let org = match s.organization.as_str() {
        DEFAULT_ORG => String::new(),
        other => format!("{other}-"),
    };
    format!(
        "statement-{}-{org}{}",
        s.year,
        super::file_safe(&s.donor_key, &['.'])
    )
}

/// The key of a statement's email: once per donor, year and organization (the default
/// organization's keeps the key it had before there were several).
fn message_key(s: &Statement) -> String {
    match s.organization.as_str() {
        DEFAULT_ORG => format!("{}:{}:{}", notices::STATEMENT, s.year, s.donor_key),
        other => format!("{}:{}:{other}:{}", notices::STATEMENT, s.year, s.donor_key),
    }
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
            key: message_key(s),
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

    #[test]
    fn a_501c4s_statement_is_its_own_and_says_gifts_are_not_deductible() {
        use crate::domain::organization::TaxStatus;
        let org = |slug: &str, name: &str, tax_status| Organization {
            slug: slug.into(),
            name: name.into(),
            address: String::new(),
            ein: Some("98-7654321".into()),
            zone: Zone::utc(),
            tax_status,
            receipt_wording: None,
        };
        let s = Statement {
            year: 2026,
            organization: "action".into(),
            donor_key: "ana@example.org".into(),
            donor_name: "Ana".into(),
            email: Some("ana@example.org".into()),
            language: "en".into(),
            lines: vec![],
        };
        let l = render(&org("action", "Coalition Action", TaxStatus::C4), &s).unwrap();
        for part in [&l.text, &l.html] {
            assert!(part.contains("Contributions to Coalition Action are not tax deductible"));
            assert!(!part.contains("tax-deductible"), "{part}");
        }
        let es = render(
            &org("action", "Coalition Action", TaxStatus::C4),
            &Statement {
                language: "es".into(),
                ..s.clone()
            },
        )
        .unwrap();
        assert!(
            es.text
                .contains("Las contribuciones a Coalition Action no son deducibles")
        );
        assert_eq!(file_stem(&s), "statement-2026-action-ana_example.org");
        assert_eq!(message_key(&s), "statement:2026:action:ana@example.org");
        // The default organization's keep their names (sent once, however often this runs).
        let c3 = Statement {
            organization: "default".into(),
            ..s
        };
        assert_eq!(file_stem(&c3), "statement-2026-ana_example.org");
        assert_eq!(message_key(&c3), "statement:2026:ana@example.org");
        let l = render(&org("default", "Coalition", TaxStatus::C3), &c3).unwrap();
        assert!(
            l.text
                .contains("tax-deductible to the extent allowed by law")
        );
        assert!(!l.text.contains("not tax deductible"));
    }
}
