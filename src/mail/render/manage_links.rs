//! The "manage my gift" email: fresh self-service links to each of a donor's recurring gifts
//! that is still running, asked for on `/manage` (`services::manage_link_requests`). Rendered
//! when sent, from the request: the gifts as they are then, each link signed then and lasting
//! as a receipt's does (`manage_link::expiry`).

use super::{
    GiftLink, Letter, MailContext, ManageLinksHtml, ManageLinksText, RenderError, View, letter,
    local_date, manage_link_of, money,
};
use crate::domain::contribution::payment_rank;
use crate::domain::donation::Frequency;
use crate::services::manage_link_requests::manageable;
use crate::store::{OutboxMessage, Store};

/// The email itself: `donor_name` and the gifts with their links (none: the plans ended since
/// the request, and the email says so).
pub fn manage_links(
    ctx: &MailContext,
    donor_name: &str,
    gifts: Vec<GiftLink>,
) -> Result<Letter, RenderError> {
    let v = View {
        subject: format!("Your links to manage your gifts to {}", ctx.org.name),
        org_name: ctx.org.name.clone(),
        org_address: ctx.org.address.clone(),
        org_ein: ctx.org.ein.clone(),
        donor_name: donor_name.to_string(),
        gifts,
        ..View::default()
    };
    letter("", &v, ManageLinksText { v: &v }, ManageLinksHtml { v: &v })
}

/// Renders a queued "manage my gift" email from the request its payload names.
pub(super) async fn manage_links_message(
    store: &dyn Store,
    ctx: &MailContext,
    m: &OutboxMessage,
    now: i64,
) -> Result<Letter, RenderError> {
    let id = m.payload.as_deref().unwrap_or_default();
    let donor_key = store
        .manage_link_request(id)
        .await?
        .ok_or_else(|| RenderError::Missing(format!("the request of {} is gone", m.message_key)))?;
    let plans = manageable(store.recurring_gifts_of(&donor_key).await?);
    let mut gifts = Vec::with_capacity(plans.len());
    for d in &plans {
        let campaign = store
            .campaign_by_id(d.campaign_id)
            .await?
            .map(|c| c.name)
            .unwrap_or_default();
        // The link lasts past the next installment after the latest one paid.
        let last_paid = store
            .payments_of(&d.id)
            .await?
            .into_iter()
            .filter(|p| p.kind == "installment" && p.status_rank == payment_rank::SUCCEEDED)
            .filter_map(|p| p.paid_at)
            .max();
        let (url, expires) = manage_link_of(ctx, d, last_paid, now);
        let (kind, per) = match d.frequency {
            Frequency::Annual => ("Annual gift", "a year"),
            _ => ("Monthly gift", "a month"),
        };
        gifts.push(GiftLink {
            label: if campaign.is_empty() {
                kind.to_string()
            } else {
                format!("{kind} for {campaign}")
            },
            amount: format!(
                "{} {per}",
                money(d.plan_amount_minor.unwrap_or(d.total_minor), &d.currency)
            ),
            started: local_date(ctx, d.created_at),
            url,
            until: local_date(ctx, expires),
        });
    }
    let name = plans
        .iter()
        .rev()
        .find_map(|d| d.donor_name.clone())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "friend".into());
    let mut letter = manage_links(ctx, &name, gifts)?;
    letter.to = m.recipient.clone();
    Ok(letter)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{NOW, SECRET, ctx, snapshot};
    use super::*;
    use crate::domain::manage_link;

    #[test]
    fn one_link_per_running_plan() {
        let url = manage_link::url("https://donate.example.org", SECRET, "don_1", NOW + 100);
        let gifts = vec![
            GiftLink {
                label: "Monthly gift for Policy Fund 2026".into(),
                amount: "$25.00 a month".into(),
                started: "March 3, 2026".into(),
                url: url.clone(),
                until: "January 17, 2027".into(),
            },
            GiftLink {
                label: "Annual gift for Legal Defense".into(),
                amount: "$500.00 a year".into(),
                started: "July 4, 2025".into(),
                url: "https://donate.example.org/manage/don_2.1.ab".into(),
                until: "August 3, 2027".into(),
            },
        ];
        let mut l = manage_links(&ctx(true), "Ana Pérez", gifts).unwrap();
        l.to = "ana@example.org".into();
        assert_eq!(
            l.subject,
            "Your links to manage your gifts to Immigrant Rights Coalition"
        );
        assert!(l.text.contains(&url), "{}", l.text);
        assert!(
            l.html.contains(&format!("<a href=\"{url}\">")),
            "{}",
            l.html
        );
        assert!(
            l.text
                .contains("Annual gift for Legal Defense: $500.00 a year")
        );
        assert!(l.text.contains("(valid until August 3, 2027)"));
        snapshot("manage_links", &l);
        // Plans that ended since the request: the email says there is nothing to manage.
        let l = manage_links(&ctx(true), "Ana Pérez", vec![]).unwrap();
        assert!(l.text.contains("nothing to manage"), "{}", l.text);
        assert!(!l.html.contains("<ul"));
    }
}
