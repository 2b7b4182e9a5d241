//! The command line: `donations serve` (the default), migrations, campaigns, staff accounts and
//! tokens,
//! webhook tools and recovery.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use sha2::{Digest, Sha256};

use crate::app::{Server, StartError, gateways, open_store, shutdown_signal};
use crate::config::{Config, parse_duration};
use crate::domain::donation::PaymentMethod;
use crate::payments::sandbox::template::{self, Vars};
use crate::services::campaign_admin::{
    CampaignPatch, CampaignView, ChangeError, MajorAmount, NewCampaign,
};

mod staff;
pub use staff::{StaffCommand, TokenCommand};

#[derive(Debug, Parser)]
#[command(name = "donations", version, about = "Donation campaign backend")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (what a bare `donations` does).
    Serve,
    /// Create or update the database schema, then exit.
    Migrate,
    /// Write a consistent copy of the SQLite database to FILE while the server runs
    /// (PostgreSQL: use pg_dump, as deploy/backup.sh does).
    Backup {
        /// The new file (never overwritten).
        #[arg(long)]
        out: PathBuf,
    },
    /// Exit 0 if the local server's /ready answers 200 (for container health checks).
    ReadyCheck {
        /// What to ask (default: /ready on BIND_ADDR, loopback for 0.0.0.0).
        #[arg(long)]
        url: Option<String>,
        /// How long to wait for the answer, e.g. 5s.
        #[arg(long, default_value = "5s")]
        timeout: String,
    },
    /// Create and list campaigns.
    #[command(subcommand)]
    Campaign(CampaignCommand),
    /// Manage staff API tokens.
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Send, replay and reprocess Stripe webhook events.
    #[command(subcommand)]
    Webhooks(WebhooksCommand),
    /// Send the email that is due now (the server does this itself every MAIL_WORKER_INTERVAL).
    #[command(subcommand)]
    Mail(MailCommand),
    /// Write each donor's annual giving statement (net of refunds and disputes), and send them.
    Statements {
        /// The calendar year in ORG_TIMEZONE, e.g. 2026.
        #[arg(long)]
        year: i32,
        /// Where to write the statements (default: statements/<year>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Also email each donor their statement (once per donor and year, however often run).
        #[arg(long)]
        send: bool,
    },
    /// Fetch recent events from Stripe's Events API and apply any that were missed.
    Reconcile {
        /// How far back to look (at most 30 days), e.g. 72h or 7d.
        #[arg(long, default_value = "72h")]
        since: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    Create {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        /// The goal in major units, e.g. 100000 for $100,000.
        #[arg(long)]
        goal: String,
        #[arg(long, default_value = "usd")]
        currency: String,
        #[arg(long, default_value = "")]
        description: String,
        /// Offer US bank accounts (ACH Direct Debit) beside cards (usd campaigns).
        #[arg(long)]
        bank_debit: bool,
        /// Membership dues per year in major units, e.g. 60: gifts must be at least this
        /// (monthly: a twelfth, rounded up) and make their donors members.
        #[arg(long)]
        membership_dues: Option<String>,
        /// Dues receipts say the dues are not tax-deductible.
        #[arg(long)]
        dues_not_deductible: bool,
        /// The organization it belongs to (a slug of ORGANIZATIONS, or `default`).
        #[arg(long, default_value = "default")]
        org: String,
    },
    /// Change a campaign; only the options given change.
    Update {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: Option<String>,
        /// The new goal in major units.
        #[arg(long)]
        goal: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// active or closed
        #[arg(long)]
        status: Option<String>,
        /// RFC 3339, e.g. 2026-12-31T23:59:59Z; "none" clears it.
        #[arg(long)]
        ends_at: Option<String>,
        /// The fee a donor may cover, in percent (e.g. 2.2).
        #[arg(long)]
        fee_percent: Option<String>,
        #[arg(long)]
        fee_fixed_minor: Option<i64>,
    },
    List,
}

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Send every message that is due, then exit.
    Send,
    /// List the outbox: each message's state, attempts and last error.
    List,
}

#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Fill, sign (with STRIPE_WEBHOOK_SECRET) and post event templates like Stripe would.
    Send {
        /// Template files, e.g. webhooks/events/invoice.paid.json
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The webhook endpoint (default: this configuration's BIND_ADDR).
        #[arg(long)]
        url: Option<String>,
        /// Fill the donation's ids and amounts in (DONATION_ID, SESSION_ID, SUBSCRIPTION_ID, ...).
        #[arg(long)]
        donation: Option<String>,
        /// Set a template variable, e.g. --var INVOICE_ID=in_2 (repeatable).
        #[arg(long = "var", value_parser = parse_var)]
        vars: Vec<(String, String)>,
    },
    /// Apply again the stored events that did not parse when they arrived.
    Reprocess,
    /// Recompute what every donation counts from its stored records (once after upgrading to
    /// a release whose counting rules changed; running it again changes nothing).
    Recount,
}

fn parse_var(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| format!("{s:?} is not NAME=VALUE"))
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Start(#[from] StartError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("database: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("{0}")]
    Usage(String),
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

pub async fn run(cli: Cli) -> Result<(), CliError> {
    let config = Config::from_env()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let server = Server::bind(config).await?;
            server.run(shutdown_signal()).await?;
        }
        Command::Migrate => {
            let store = open_store(&config).await?;
            println!("database is up to date ({})", store.backend());
            store.close().await;
        }
        Command::Backup { out } => {
            crate::store::backup::sqlite_snapshot(&config.database_url, &out)
                .await
                .map_err(|e| CliError::Usage(e.to_string()))?;
            println!("{}", out.display());
        }
        Command::ReadyCheck { url, timeout } => {
            let timeout =
                parse_duration(&timeout).map_err(|e| CliError::Usage(format!("--timeout: {e}")))?;
            let url = url.unwrap_or_else(|| crate::probe::ready_url(config.bind_addr));
            crate::probe::ready_check(&url, timeout)
                .await
                .map_err(CliError::Usage)?;
        }
        Command::Campaign(CampaignCommand::Create {
            slug,
            name,
            goal,
            currency,
            description,
            bank_debit,
            membership_dues,
            dues_not_deductible,
            org,
        }) => {
            staff::known_org(&config, &org)?;
            let input = NewCampaign {
                slug,
                name,
                description,
                goal: MajorAmount(goal),
                currency: Some(currency),
                starts_at: None,
                ends_at: None,
                fee_percent: None,
                fee_fixed_minor: None,
                status: None,
                success_url: None,
                cancel_url: None,
                hide_amounts: None,
                min_gift_minor: None,
                bank_debit: Some(bank_debit),
                membership_dues: membership_dues.map(MajorAmount),
                dues_not_deductible: Some(dues_not_deductible),
            };
            let fields = input
                .parse(&config)
                .map_err(|errors| CliError::Usage(field_errors(&errors)))?;
            let store = open_store(&config).await?;
            let campaign = store
                .create_campaign_in(&org, &fields, &input.options(&config))
                .await?;
            println!(
                "{}",
                serde_json::to_string_pretty(&CampaignView::from(&campaign)).unwrap_or_default()
            );
            store.close().await;
        }
        Command::Campaign(CampaignCommand::Update {
            slug,
            name,
            goal,
            description,
            status,
            ends_at,
            fee_percent,
            fee_fixed_minor,
        }) => {
            let patch = CampaignPatch {
                name,
                goal: goal.map(MajorAmount),
                description,
                status,
                ends_at: ends_at.map(|v| (v != "none").then_some(v)),
                fee_percent,
                fee_fixed_minor,
                ..CampaignPatch::default()
            };
            let store = open_store(&config).await?;
            let result =
                crate::services::campaign_admin::change(store.as_ref(), &config, &slug, &patch)
                    .await;
            store.close().await;
            let campaign = result.map_err(|e| match e {
                ChangeError::NotFound => CliError::Usage(format!("--slug: no campaign {slug:?}")),
                ChangeError::Invalid(errors) => CliError::Usage(field_errors(&errors)),
                ChangeError::Store(e) => CliError::Store(e),
            })?;
            println!(
                "{}",
                serde_json::to_string_pretty(&CampaignView::from(&campaign)).unwrap_or_default()
            );
        }
        Command::Campaign(CampaignCommand::List) => {
            let store = open_store(&config).await?;
            for c in store.campaigns().await? {
                println!(
                    "{}\t{}\t{} {}\t{}",
                    c.slug, c.status, c.goal_minor, c.currency, c.name
                );
            }
            store.close().await;
        }
        Command::Mail(MailCommand::Send) => {
            let worker = crate::app::open_mail_worker(&config).await?;
            let round = worker.drain().await?;
            worker.store.close().await;
            println!(
                "sent {}, to retry {}, failed {}",
                round.sent, round.retrying, round.failed
            );
        }
        Command::Mail(MailCommand::List) => {
            let store = open_store(&config).await?;
            for m in store.outbox(None).await? {
                println!(
                    "{}\t{}\t{}\tattempts {}\t{}\t{}",
                    m.id,
                    m.status,
                    m.message_key,
                    m.attempts,
                    m.recipient,
                    m.last_error.unwrap_or_default()
                );
            }
            store.close().await;
        }
        Command::Statements { year, out, send } => {
            if !(2000..=9999).contains(&year) {
                return Err(CliError::Usage("--year must be a year such as 2026".into()));
            }
            let dir = out.unwrap_or_else(|| PathBuf::from(format!("statements/{year}")));
            let worker = crate::app::open_mail_worker(&config).await?;
            let store = worker.store.clone();
            // Each organization's statements, in its name and its time zone's year.
            let mut q = crate::mail::statements::Queued::default();
            for org in config.all_organizations() {
                let mut statements =
                    crate::mail::statements::build(store.as_ref(), year, &org.zone).await?;
                statements.retain(|s| s.organization == org.slug);
                let written = crate::mail::statements::write(&dir, org, &statements)?;
                println!(
                    "{}: wrote {written} statement{} for {year} to {}",
                    org.slug,
                    if written == 1 { "" } else { "s" },
                    dir.display()
                );
                if send {
                    let sent = crate::mail::statements::queue(
                        store.as_ref(),
                        org,
                        &statements,
                        crate::store::now(),
                    )
                    .await
                    .map_err(|e| CliError::Usage(e.to_string()))?;
                    (q.queued, q.already, q.no_email) = (
                        q.queued + sent.queued,
                        q.already + sent.already,
                        q.no_email + sent.no_email,
                    );
                }
            }
            if send {
                let round = worker.drain().await?;
                println!(
                    "queued {} (already queued before: {}, no email address: {}); sent {}, to retry {}, failed {}",
                    q.queued, q.already, q.no_email, round.sent, round.retrying, round.failed
                );
            }
            store.close().await;
        }
        Command::Staff(command) => staff::run(&config, command).await?,
        Command::Webhooks(WebhooksCommand::Send {
            files,
            url,
            donation,
            vars,
        }) => {
            send_files(&config, &files, url, donation.as_deref(), vars).await?;
        }
        Command::Webhooks(WebhooksCommand::Reprocess) => {
            let store = open_store(&config).await?;
            let (done, left) = crate::webhooks::reprocess(
                store.as_ref(),
                &crate::webhooks::IngestRules::of(&config),
            )
            .await?;
            store.close().await;
            println!("reprocessed {done} event(s); {left} still do not parse");
        }
        Command::Webhooks(WebhooksCommand::Recount) => {
            let store = open_store(&config).await?;
            let visited =
                crate::services::ledger::recount_all(store.as_ref(), crate::store::now()).await?;
            store.close().await;
            println!("recounted {visited} donation(s)");
        }
        Command::Reconcile { since } => {
            let since =
                parse_duration(&since).map_err(|e| CliError::Usage(format!("--since: {e}")))?;
            let store = open_store(&config).await?;
            // Each organization's account, for its own records.
            let stop = tokio_util::sync::CancellationToken::new();
            for (org, gateway) in gateways(&config)?.all() {
                let report = crate::services::reconcile::run_for(
                    store.as_ref(),
                    gateway.as_ref(),
                    &config,
                    since,
                    &stop,
                    org,
                )
                .await
                .map_err(|e| CliError::Usage(e.to_string()))?;
                println!("{org}: {report:?}");
            }
            store.close().await;
        }
    }
    Ok(())
}

/// Field errors as command-line messages: `--goal: must be a positive amount`.
pub(crate) fn field_errors(errors: &[crate::http::error::FieldError]) -> String {
    errors
        .iter()
        .map(|e| {
            format!(
                "--{}: {}",
                e.field.as_deref().unwrap_or("?").replace('_', "-"),
                e.detail
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The variables `webhooks send` fills from a donation, so a template replays against it, and
/// how the donation is paid (a bank debit's events name its bank account, as Stripe's do).
async fn donation_vars(
    config: &Config,
    donation_id: &str,
) -> Result<(Vars, PaymentMethod), CliError> {
    let store = open_store(config).await?;
    let d = store
        .donation(donation_id)
        .await?
        .ok_or_else(|| CliError::Usage(format!("--donation: no donation {donation_id}")))?;
    let c = store
        .campaign_by_id(d.campaign_id)
        .await?
        .ok_or_else(|| CliError::Usage("the donation's campaign is gone".into()))?;
    let payments = store.payments_of(&d.id).await?;
    store.close().await;
    let tag = d.id.trim_start_matches("don_").to_string();
    let pi = payments
        .iter()
        .find_map(|p| p.payment_intent_id.clone())
        .unwrap_or_else(|| format!("pi_sandbox_{tag}"));
    // A one-time gift's charge, as the sandbox names it (recurring ones follow the invoice).
    let mut v = Vars::new();
    let recurring = d.frequency.is_recurring();
    for (k, val) in [
        ("DONATION_ID", d.id.clone()),
        ("CAMPAIGN", c.slug.clone()),
        (
            "SESSION_ID",
            d.checkout_session_id.clone().unwrap_or_default(),
        ),
        (
            "SUBSCRIPTION_ID",
            d.subscription_id.clone().unwrap_or_default(),
        ),
        (
            "CUSTOMER_ID",
            d.customer_id
                .clone()
                .unwrap_or_else(|| format!("cus_sandbox_{tag}")),
        ),
        ("PAYMENT_INTENT_ID", pi),
        ("CHARGE_ID", format!("ch_sandbox_{tag}")),
        ("CURRENCY", d.currency.clone()),
        ("TOTAL_MINOR", d.total_minor.to_string()),
        ("AMOUNT_MINOR", d.total_minor.to_string()),
        ("DONOR_EMAIL", d.donor_email.clone().unwrap_or_default()),
        (
            "MODE",
            if recurring { "subscription" } else { "payment" }.into(),
        ),
        (
            "INTERVAL",
            if d.frequency == crate::domain::donation::Frequency::Annual {
                "year"
            } else {
                "month"
            }
            .into(),
        ),
    ] {
        v.insert(k.to_string(), val);
    }
    Ok((v, d.payment_method.unwrap_or(PaymentMethod::Card)))
}

async fn send_files(
    config: &Config,
    files: &[PathBuf],
    url: Option<String>,
    donation: Option<&str>,
    overrides: Vec<(String, String)>,
) -> Result<(), CliError> {
    let mut vars: Vars = BTreeMap::new();
    for (k, v) in [
        ("LIVEMODE", "false"),
        ("PAYMENT_STATUS", "paid"),
        ("SUBSCRIPTION_STATUS", "active"),
        ("REFUND_STATUS", "succeeded"),
        ("DISPUTE_STATUS", "needs_response"),
        ("ATTEMPT_COUNT", "1"),
        ("FEE_MINOR", "0"),
        ("NET_MINOR", "0"),
        ("AMOUNT_REFUNDED_MINOR", "0"),
        ("FAILURE_MESSAGE", "Your card was declined."),
        ("REFUND_ID", "re_cli_1"),
        ("DISPUTE_ID", "dp_cli_1"),
        ("INVOICE_ID", "in_cli_1"),
        ("CURRENCY", "usd"),
    ] {
        vars.insert(k.into(), v.into());
    }
    let mut method = PaymentMethod::Card;
    if let Some(id) = donation {
        let (of_donation, paid_by) = donation_vars(config, id).await?;
        vars.extend(of_donation);
        method = paid_by;
    }
    vars.extend(overrides.iter().cloned());
    // Each installment of a recurring gift is paid by its own PaymentIntent and charge: derive
    // them from the invoice unless given, so a refund of installment 2 finds installment 2.
    let given = |k: &str| overrides.iter().any(|(name, _)| name == k);
    if vars.get("MODE").map(String::as_str) == Some("subscription") {
        let invoice = vars.get("INVOICE_ID").cloned().unwrap_or_default();
        if !given("PAYMENT_INTENT_ID") {
            vars.insert("PAYMENT_INTENT_ID".into(), format!("pi_{invoice}"));
        }
        if !given("CHARGE_ID") {
            vars.insert("CHARGE_ID".into(), format!("ch_{invoice}"));
        }
    }
    let url = url.unwrap_or_else(|| format!("http://{}/webhooks/stripe", config.bind_addr));
    let secret = config
        .webhook_secrets
        .first()
        .ok_or_else(|| CliError::Usage("STRIPE_WEBHOOK_SECRET is not set".into()))?;
    for file in files {
        let text = std::fs::read_to_string(file)
            .map_err(|e| CliError::Usage(format!("{}: {e}", file.display())))?;
        let mut file_vars = vars.clone();
        // The same file with the same variables is the same event (a duplicate delivery), even
        // when sent at another second: the id does not depend on the clock.
        if !file_vars.contains_key("EVENT_ID") {
            let mut h = Sha256::new();
            h.update(text.as_bytes());
            for (k, v) in &file_vars {
                h.update(format!("\0{k}={v}").as_bytes());
            }
            file_vars.insert(
                "EVENT_ID".into(),
                format!("evt_cli_{}", &hex::encode(h.finalize())[..24]),
            );
        }
        file_vars
            .entry("CREATED".into())
            .or_insert_with(|| crate::store::now().to_string());
        let payload = template::fill(&text, &file_vars)
            .map_err(|e| CliError::Usage(format!("{}: {e}", file.display())))?;
        let payload = crate::payments::sandbox::events::paid_by(&payload, method);
        let (status, body) = crate::payments::sandbox::sign::deliver(&url, &payload, secret)
            .await
            .map_err(CliError::Usage)?;
        println!("{} -> {status} {body}", file.display());
        if !(200..300).contains(&status) {
            return Err(CliError::Usage(format!(
                "{} was refused ({status})",
                file.display()
            )));
        }
    }
    Ok(())
}
