//! The sandbox checkout page (no Stripe key): Pay sends the events Stripe would send — signed,
//! in Stripe's shapes, from the same templates as `webhooks/events` — to this server's own
//! webhook endpoint, then returns the donor to the success URL. Cancel expires the session.
//!
//! A US bank debit (ACH) goes as Stripe's does, in two steps: Authorize sends the session's
//! completion with `payment_status: unpaid` (and a plan's subscription), and the page then
//! stands for the bank's answer days later: "the debit clears" sends
//! `checkout.session.async_payment_succeeded` with the payment (a one-time charge, or a plan's
//! first invoice paid); "the debit fails" sends `checkout.session.async_payment_failed` with the
//! failed payment (and a plan's invoice failed, the plan past due).

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::AppState;
use super::donor::thanks_page::{escape, layout};
use super::error::{AppError, AppResult};
use crate::domain::contribution::payment_rank;
use crate::domain::donation::PaymentMethod;
use crate::domain::fact::checkout_payment_id;
use crate::i18n::{Args, Lang, Tr, format};
use crate::payments::sandbox::events::paid_by;
use crate::payments::sandbox::sign;
use crate::payments::sandbox::template::{self, Vars};
use crate::store::{Campaign, Donation, now};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sandbox/checkout/{id}", get(page))
        .route("/sandbox/checkout/{id}/pay", post(pay))
        .route("/sandbox/checkout/{id}/cancel", post(cancel))
        .route("/sandbox/checkout/{id}/bank/{outcome}", post(bank_answer))
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

/// Where a sandbox checkout stands: not paid yet, a bank debit authorized and awaiting the
/// bank's answer, or over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Open,
    BankProcessing,
    Done,
}

/// A checkout is open while its donation is pending and no completion was recorded; a bank
/// debit whose completion was recorded (its checkout record exists, still pending) awaits the
/// bank.
async fn stage(state: &AppState, d: &Donation) -> AppResult<Stage> {
    if d.checkout_session_id.is_none() {
        return Ok(Stage::Done);
    }
    let checkout = state
        .store
        .payments_of(&d.id)
        .await?
        .into_iter()
        .find(|p| p.id == checkout_payment_id(&d.id));
    Ok(match checkout {
        None if d.status == "pending" => Stage::Open,
        Some(p) if p.status_rank == payment_rank::PENDING && method_of(d).is_delayed() => {
            Stage::BankProcessing
        }
        _ => Stage::Done,
    })
}

fn method_of(d: &Donation) -> PaymentMethod {
    d.payment_method.unwrap_or(PaymentMethod::Card)
}

/// The stand-in for Stripe Checkout, in the language the gift was made in (as Checkout is).
async fn page(State(state): State<AppState>, Path(id): Path<String>) -> AppResult<Html<String>> {
    let (d, c) = donation_and_campaign(&state, &id).await?;
    let lang = Lang::stored(&d.language);
    let tr = Tr::html(
        lang,
        Args::new()
            .text("amount", format::money(lang, d.total_minor, &d.currency))
            .word("frequency", d.frequency.as_str())
            .word("paid_with", method_of(&d).as_str())
            .text("email", d.donor_email.as_deref().unwrap_or(""))
            .text("status", d.status.replace('_', " "))
            .text("thanks_url", success_url(&state, &d, &c)),
    );
    let button = |path: &str, label: &str| {
        format!(
            "<form method=\"post\" action=\"/sandbox/checkout/{}/{path}\" style=\"display:inline\"><button>{label}</button></form>",
            escape(&d.id)
        )
    };
    let actions = match (stage(&state, &d).await?, method_of(&d)) {
        (Stage::Open, PaymentMethod::Card) => format!(
            "{}{}",
            button("pay", &tr.t("sandbox-pay").0),
            button("cancel", &tr.t("sandbox-cancel").0)
        ),
        (Stage::Open, PaymentMethod::UsBankAccount) => format!(
            "<p>{}</p>{}{}",
            tr.t("sandbox-bank-account"),
            button("pay", &tr.t("sandbox-authorize-debit").0),
            button("cancel", &tr.t("sandbox-cancel").0)
        ),
        (Stage::BankProcessing, _) => format!(
            "<p>{}</p><p>{}</p>{}{}",
            tr.t("sandbox-debit-processing"),
            tr.t("sandbox-bank-answer"),
            button("bank/succeed", &tr.t("sandbox-debit-clears").0),
            button("bank/fail", &tr.t("sandbox-debit-fails").0)
        ),
        (Stage::Done, _) => format!("<p>{}</p>", tr.t("sandbox-status")),
    };
    Ok(layout(
        lang.tag(),
        &lang.msg("sandbox-title", &Args::new()),
        &format!(
            "<p class=\"sandbox\">{}</p><h1>{}</h1><p>{}</p>{actions}",
            tr.t("sandbox-banner"),
            escape(&c.name),
            tr.t("sandbox-gift"),
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
    let txn = match d.payment_method {
        Some(PaymentMethod::UsBankAccount) => {
            format!(
                "{}{charge}",
                crate::payments::sandbox::BANK_DEBIT_TXN_PREFIX
            )
        }
        _ => format!("txn_{charge}"),
    };
    set("BALANCE_TRANSACTION_ID", txn);
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
    set("ATTEMPT_COUNT", "1".into());
    set(
        "FAILURE_MESSAGE",
        "The customer's bank account has insufficient funds.".into(),
    );
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

/// Signs and posts one event of `event_type`, as Stripe sends it for a payment by `method`.
async fn send(
    state: &AppState,
    event_type: &str,
    vars: &Vars,
    method: PaymentMethod,
) -> AppResult<()> {
    let template = crate::payments::sandbox::events::template(event_type)
        .ok_or_else(|| AppError::Internal(format!("no template for {event_type}")))?;
    let payload = template::fill(template, vars).map_err(|e| AppError::Internal(e.to_string()))?;
    let payload = paid_by(&payload, method);
    // To the endpoint of the donation's organization, signed with its secret.
    let org = match vars.get("DONATION_ID") {
        Some(id) => donation_and_campaign(state, id).await?.1.organization,
        None => crate::domain::organization::DEFAULT_ORG.to_string(),
    };
    let secret = state
        .config
        .webhook_secrets_of(&org)
        .and_then(|s| s.first())
        .cloned()
        .unwrap_or_default();
    let url = if org == crate::domain::organization::DEFAULT_ORG {
        format!("{}/webhooks/stripe", state.self_url)
    } else {
        format!("{}/webhooks/stripe/{org}", state.self_url)
    };
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

/// Sends events of these types in order.
async fn send_all(
    state: &AppState,
    events: &[(&str, &Vars)],
    method: PaymentMethod,
) -> AppResult<()> {
    for (event_type, vars) in events {
        send(state, event_type, vars, method).await?;
    }
    Ok(())
}

/// The vars of a plan's checkout session: it has no PaymentIntent of its own (its first
/// invoice has one).
fn subscription_session(vars: &Vars) -> Vars {
    let mut session = vars.clone();
    session.insert("PAYMENT_INTENT_ID".into(), String::new());
    session
}

fn success_url(state: &AppState, d: &Donation, c: &Campaign) -> String {
    c.success_url.clone().unwrap_or_else(|| {
        format!(
            "{}/donate/{}/thanks?donation={}&lang={}",
            state.config.public_base_url, c.slug, d.id, d.language
        )
    })
}

async fn pay(State(state): State<AppState>, Path(id): Path<String>) -> AppResult<Response> {
    let (d, c) = donation_and_campaign(&state, &id).await?;
    if d.checkout_session_id.is_none() {
        return Err(AppError::Conflict("this checkout was never opened".into()));
    }
    let method = method_of(&d);
    let mut vars = sandbox_vars(&d, &c);
    if method.is_delayed() {
        // A bank debit is only authorized now: the session completes unpaid, the money comes
        // (or not) days later (`bank_answer`).
        if stage(&state, &d).await? != Stage::Open {
            return Err(AppError::Conflict(
                "this debit was already authorized".into(),
            ));
        }
        vars.insert("PAYMENT_STATUS".into(), "unpaid".into());
    }
    let session = subscription_session(&vars);
    let events: Vec<(&str, &Vars)> = match (method.is_delayed(), d.frequency.is_recurring()) {
        (false, false) => vec![
            ("checkout.session.completed", &vars),
            ("charge.succeeded", &vars),
        ],
        (false, true) => vec![
            ("checkout.session.completed", &session),
            ("customer.subscription.created", &vars),
            ("invoice.paid", &vars),
            ("charge.succeeded", &vars),
        ],
        (true, false) => vec![("checkout.session.completed", &vars)],
        (true, true) => vec![
            ("checkout.session.completed", &session),
            ("customer.subscription.created", &vars),
        ],
    };
    send_all(&state, &events, method).await?;
    if method.is_delayed() {
        return Ok(Redirect::to(&format!("/sandbox/checkout/{}", d.id)).into_response());
    }
    Ok(Redirect::to(&success_url(&state, &d, &c)).into_response())
}

/// The bank's answer to an authorized debit: `succeed` (the debit cleared) or `fail` (it was
/// returned), sent as Stripe sends them, then the donor's thank-you page.
async fn bank_answer(
    State(state): State<AppState>,
    Path((id, outcome)): Path<(String, String)>,
) -> AppResult<Response> {
    let (d, c) = donation_and_campaign(&state, &id).await?;
    if stage(&state, &d).await? != Stage::BankProcessing {
        return Err(AppError::Conflict(
            "no authorized bank debit of this checkout awaits the bank".into(),
        ));
    }
    let method = method_of(&d);
    let vars = sandbox_vars(&d, &c);
    let session = subscription_session(&vars);
    let mut past_due = vars.clone();
    past_due.insert("SUBSCRIPTION_STATUS".into(), "past_due".into());
    let events: Vec<(&str, &Vars)> = match (outcome.as_str(), d.frequency.is_recurring()) {
        ("succeed", false) => vec![
            ("checkout.session.async_payment_succeeded", &vars),
            ("charge.succeeded", &vars),
        ],
        ("succeed", true) => vec![
            ("invoice.paid", &vars),
            ("checkout.session.async_payment_succeeded", &session),
            ("charge.succeeded", &vars),
        ],
        ("fail", false) => vec![
            ("payment_intent.payment_failed", &vars),
            ("checkout.session.async_payment_failed", &vars),
        ],
        ("fail", true) => vec![
            ("invoice.payment_failed", &vars),
            ("checkout.session.async_payment_failed", &session),
            ("customer.subscription.updated", &past_due),
        ],
        _ => return Err(AppError::NotFound("no such answer: succeed or fail".into())),
    };
    send_all(&state, &events, method).await?;
    Ok(Redirect::to(&success_url(&state, &d, &c)).into_response())
}

async fn cancel(State(state): State<AppState>, Path(id): Path<String>) -> AppResult<Response> {
    let (d, c) = donation_and_campaign(&state, &id).await?;
    let mut vars = sandbox_vars(&d, &c);
    vars.insert("PAYMENT_STATUS".into(), "unpaid".into());
    send(&state, "checkout.session.expired", &vars, method_of(&d)).await?;
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
        .unwrap_or_else(|| format!("{back}?canceled=1&lang={}", d.language));
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
        "en",
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
