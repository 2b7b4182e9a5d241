//! The sandbox checkout page (no Stripe key): Pay sends the events Stripe would send — signed,
//! in Stripe's shapes, from the same templates as `webhooks/events` — to this server's own
//! webhook endpoint, then returns the donor to the success URL. Cancel expires the session.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::AppState;
use super::donor::thanks_page::{amount, escape, layout};
use super::error::{AppError, AppResult};
use crate::payments::sandbox::sign;
use crate::payments::sandbox::template::{self, Vars};
use crate::store::{Campaign, Donation, now};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sandbox/checkout/{id}", get(page))
        .route("/sandbox/checkout/{id}/pay", post(pay))
        .route("/sandbox/checkout/{id}/cancel", post(cancel))
        .route("/sandbox/portal/{customer}", get(portal))
}

async fn donation_and_campaign(state: &AppState, id: &str) -> AppResult<(Donation, Campaign)> {
    let d = state
        .store
        .donation(id)
        .await?
        .ok_or_else(|| AppError::NotFound("no such checkout".into()))?;
    let c = state
        .store
        .campaign_by_id(d.campaign_id)
        .await?
        .ok_or_else(|| AppError::NotFound("no such campaign".into()))?;
    Ok((d, c))
}

async fn page(State(state): State<AppState>, Path(id): Path<String>) -> AppResult<Html<String>> {
    let (d, c) = donation_and_campaign(&state, &id).await?;
    let every = match d.frequency.as_str() {
        "monthly" => " every month",
        "annual" => " every year",
        _ => "",
    };
    let actions = if d.status == "pending" && d.checkout_session_id.is_some() {
        format!(
            "<form method=\"post\" action=\"/sandbox/checkout/{id}/pay\" style=\"display:inline\"><button>Pay</button></form>\
             <form method=\"post\" action=\"/sandbox/checkout/{id}/cancel\" style=\"display:inline\"><button>Cancel</button></form>",
            id = escape(&d.id)
        )
    } else {
        format!("<p>This checkout is {}.</p>", escape(&d.status))
    };
    Ok(layout(
        "Sandbox checkout",
        &format!(
            "<p class=\"sandbox\">Sandbox: no money moves. Pay sends signed Stripe-format events to this server.</p>\
             <h1>{}</h1><p>Gift of <strong>{}</strong>{every} from {}.</p>{actions}",
            escape(&c.name),
            escape(&amount(d.total_minor, &d.currency)),
            escape(d.donor_email.as_deref().unwrap_or("")),
        ),
    ))
}

/// The ids the sandbox gives the Stripe objects of a donation (stable, so repeats are duplicates).
fn sandbox_vars(d: &Donation, c: &Campaign) -> Vars {
    let tag = d.id.trim_start_matches("don_");
    let recurring = d.frequency.is_recurring();
    let mut v = Vars::new();
    let mut set = |k: &str, val: String| {
        v.insert(k.to_string(), val);
    };
    set("CREATED", now().to_string());
    set("LIVEMODE", "false".into());
    set("DONATION_ID", d.id.clone());
    set("CAMPAIGN", c.slug.clone());
    set(
        "SESSION_ID",
        d.checkout_session_id.clone().unwrap_or_default(),
    );
    set(
        "MODE",
        if recurring { "subscription" } else { "payment" }.into(),
    );
    set("PAYMENT_STATUS", "paid".into());
    let invoice = format!("in_sandbox_{tag}_1");
    // The same convention as `donations webhooks send`: an installment's PaymentIntent and
    // charge are named after its invoice.
    let charge = if recurring {
        set("PAYMENT_INTENT_ID", format!("pi_{invoice}"));
        format!("ch_{invoice}")
    } else {
        set("PAYMENT_INTENT_ID", format!("pi_sandbox_{tag}"));
        format!("ch_sandbox_{tag}")
    };
    // Like Stripe's, the charge names its balance transaction by id only; the reconcile pass
    // asks the sandbox gateway for it (Stripe's standard rate).
    set("BALANCE_TRANSACTION_ID", format!("txn_{charge}"));
    set("CHARGE_ID", charge);
    set("CUSTOMER_ID", format!("cus_sandbox_{tag}"));
    set(
        "SUBSCRIPTION_ID",
        if recurring {
            format!("sub_sandbox_{tag}")
        } else {
            String::new()
        },
    );
    set("INVOICE_ID", invoice);
    set("CURRENCY", d.currency.clone());
    set("TOTAL_MINOR", d.total_minor.to_string());
    set("DONOR_EMAIL", d.donor_email.clone().unwrap_or_default());
    set("SUBSCRIPTION_STATUS", "active".into());
    set(
        "INTERVAL",
        if d.frequency == crate::domain::donation::Frequency::Annual {
            "year"
        } else {
            "month"
        }
        .into(),
    );
    v
}

async fn send(state: &AppState, event_type: &str, vars: &Vars) -> AppResult<()> {
    let template = crate::payments::sandbox::events::template(event_type)
        .ok_or_else(|| AppError::Internal(format!("no template for {event_type}")))?;
    let payload = template::fill(template, vars).map_err(|e| AppError::Internal(e.to_string()))?;
    let secret = state
        .config
        .webhook_secrets
        .first()
        .cloned()
        .unwrap_or_default();
    let url = format!("{}/webhooks/stripe", state.self_url);
    let (status, body) = sign::deliver(&url, &payload, &secret)
        .await
        .map_err(AppError::Internal)?;
    if !(200..300).contains(&status) {
        return Err(AppError::Internal(format!(
            "{event_type} answered {status}: {body}"
        )));
    }
    Ok(())
}

fn success_url(state: &AppState, d: &Donation, c: &Campaign) -> String {
    c.success_url.clone().unwrap_or_else(|| {
        format!(
            "{}/donate/{}/thanks?donation={}",
            state.config.public_base_url, c.slug, d.id
        )
    })
}

async fn pay(State(state): State<AppState>, Path(id): Path<String>) -> AppResult<Response> {
    let (d, c) = donation_and_campaign(&state, &id).await?;
    if d.checkout_session_id.is_none() {
        return Err(AppError::Conflict("this checkout was never opened".into()));
    }
    let vars = sandbox_vars(&d, &c);
    if !d.frequency.is_recurring() {
        send(&state, "checkout.session.completed", &vars).await?;
        send(&state, "charge.succeeded", &vars).await?;
    } else {
        // A subscription's session has no PaymentIntent; its first invoice has one of its own.
        let mut session = vars.clone();
        session.insert("PAYMENT_INTENT_ID".into(), String::new());
        send(&state, "checkout.session.completed", &session).await?;
        send(&state, "customer.subscription.created", &vars).await?;
        send(&state, "invoice.paid", &vars).await?;
        send(&state, "charge.succeeded", &vars).await?;
    }
    Ok(Redirect::to(&success_url(&state, &d, &c)).into_response())
}

async fn cancel(State(state): State<AppState>, Path(id): Path<String>) -> AppResult<Response> {
    let (d, c) = donation_and_campaign(&state, &id).await?;
    let mut vars = sandbox_vars(&d, &c);
    vars.insert("PAYMENT_STATUS".into(), "unpaid".into());
    send(&state, "checkout.session.expired", &vars).await?;
    // Back to the page the gift was made on (a supporter's, or the campaign's), as checkout
    // told Stripe.
    let page = match &d.fundraiser_id {
        Some(id) => state.store.fundraiser(id).await?,
        None => None,
    };
    let back = match page {
        Some(f) => {
            crate::services::fundraisers::share_url(&state.config.public_base_url, &c.slug, &f.slug)
        }
        None => format!("{}/donate/{}", state.config.public_base_url, c.slug),
    };
    let to = c
        .cancel_url
        .clone()
        .unwrap_or_else(|| format!("{back}?canceled=1"));
    Ok(Redirect::to(&to).into_response())
}

#[derive(Deserialize)]
pub struct PortalParams {
    return_url: Option<String>,
}

/// The sandbox's stand-in for Stripe's customer billing portal (where a donor changes the card
/// or amount of a plan): it says so, and links back to the self-service page it came from. The
/// way back must be one of this server's self-service pages, so the page cannot send anyone
/// elsewhere; as that address carries the donor's link, the page sends no Referer.
async fn portal(
    State(state): State<AppState>,
    Path(customer): Path<String>,
    Query(q): Query<PortalParams>,
) -> Response {
    let manage = format!(
        "{}/manage/",
        state.config.public_base_url.trim_end_matches('/')
    );
    let back = q
        .return_url
        .filter(|u| u.starts_with(&manage) && !u[manage.len()..].contains(['/', '?', '#']))
        .map(|u| {
            format!(
                "<p><a href=\"{}\">Back to your recurring gift</a></p>",
                escape(&u)
            )
        })
        .unwrap_or_default();
    let mut r = layout(
        "Sandbox billing portal",
        &format!(
            "<p class=\"sandbox\">Sandbox: no money moves.</p>\
             <h1>Billing portal</h1>\
             <p>This page stands in for Stripe's customer billing portal, where a donor \
             (customer <code>{}</code>) would change the card or the amount of a recurring gift. \
             In the sandbox there is no card to change.</p>{back}",
            escape(&customer)
        ),
    )
    .into_response();
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    r
}
