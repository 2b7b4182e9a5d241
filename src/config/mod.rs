//! Configuration from the environment (and an optional `.env`, loaded by the binary). Every
//! variable is documented in `.env.example`; a bad value stops start-up with an error naming it.
//!
//! One struct per concern: `payments` (Stripe or the sandbox), `connections` (what a client may
//! hold), `mail` (the organization and how mail leaves); `values` reads the shapes of values.
//! This module reads the rest: `DATABASE_URL`, `DATABASE_MAX_CONNECTIONS`, `BIND_ADDR`,
//! `PUBLIC_BASE_URL`, `MAX_GIFT_AMOUNT`, `DEFAULT_FEE_PERCENT`, `DEFAULT_FEE_FIXED_MINOR`,
//! `READY_TIMEOUT`, `ALLOWED_ORIGINS`, `RECONCILE_INTERVAL`, `PENDING_RECHECK_AFTER`,
//! `DEMO_CAMPAIGN`, `CHECKOUT_RATE_PER_IP`, `CHECKOUT_RATE_PER_EMAIL`, `CHECKOUT_IPV6_PREFIX`,
//! `TRUSTED_PROXIES`, `MANAGE_LINK_SECRET`, `MANAGE_LINK_TTL`; `lifecycle`: `SHUTDOWN_TIMEOUT`,
//! `LOG_FORMAT`; `scale`: `PROGRESS_SHARDS`, `PROGRESS_CACHE_TTL`; `self_service`:
//! `MANAGE_LINK_RATE_PER_IP`, `MANAGE_LINK_RATE_PER_EMAIL`; `bank_debit`: `ACH_FEE_PERCENT`,
//! `ACH_FEE_CAP`; `fundraisers`: `FUNDRAISER_RATE_PER_IP`, `FUNDRAISER_RATE_PER_EMAIL`;
//! `organizations`: `ORG_TAX_STATUS`, `ORG_RECEIPT_WORDING`, `ORGANIZATIONS` and each one's
//! `ORG_<SLUG>_NAME`, `_ADDRESS`, `_EIN`, `_TIMEZONE`, `_TAX_STATUS`, `_RECEIPT_WORDING`,
//! `_STRIPE_SECRET_KEY`, `_STRIPE_WEBHOOK_SECRET`, `_STRIPE_API_BASE`.

mod bank_debit;
mod connections;
mod fundraisers;
mod lifecycle;
mod mail;
mod organizations;
mod payments;
mod scale;
mod self_service;
mod staff;
mod values;

pub use connections::ConnectionLimits;
pub use fundraisers::FundraiserConfig;
pub use lifecycle::{DEFAULT_SHUTDOWN_TIMEOUT, LogFormat};
pub use mail::{MailConfig, Organization};
pub use organizations::ExtraOrganization;
pub use payments::{PaymentsMode, SANDBOX_WEBHOOK_SECRET};
pub use scale::ScaleConfig;
pub use self_service::SelfServiceConfig;
pub use staff::StaffConfig;
pub use values::{Rate, parse_duration, redact_url};
use values::{is_ein, parse_origins, parse_proxies};

use std::net::SocketAddr;
use std::time::Duration;

use rust_decimal::Decimal;

use crate::domain::fees::FeeRate;
use crate::domain::money::{Currency, Money};

/// `RECONCILE_INTERVAL` when it is not set: recovery of missed events and the fetching of
/// actual fees are on unless turned off on purpose (`RECONCILE_INTERVAL=off`).
pub const DEFAULT_RECONCILE_INTERVAL: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{var}: {detail}")]
pub struct ConfigError {
    pub var: &'static str,
    pub detail: String,
}

pub(super) fn err(var: &'static str, detail: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        detail: detail.into(),
    }
}

#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    pub database_max_connections: u32,
    pub bind_addr: SocketAddr,
    pub public_base_url: String,
    pub max_gift_major: Decimal,
    pub default_fee: FeeRate,
    /// The fee of US bank debits (ACH), whatever the campaign (`config::bank_debit`).
    pub bank_debit_fee: FeeRate,
    pub payments: PaymentsMode,
    pub webhook_secrets: Vec<String>,
    pub stripe_api_base: Option<String>,
    pub stripe_timeout: Duration,
    /// How long `/ready`'s test write may take before the server says it is not ready.
    pub ready_timeout: Duration,
    pub allowed_origins: Vec<String>,
    /// How often missed events are recovered and actual fees fetched (`services::reconcile`);
    /// `None` only when `RECONCILE_INTERVAL=off`.
    pub reconcile_interval: Option<Duration>,
    pub pending_recheck_after: Duration,
    pub demo_campaign: bool,
    /// Checkout creations allowed per client address (`None`: no limit).
    pub checkout_rate_per_ip: Option<Rate>,
    /// Checkout creations allowed per donor email (`None`: no limit).
    pub checkout_rate_per_email: Option<Rate>,
    /// IPv6 clients share the per-address limit by network of this prefix length (one
    /// household or server usually holds a whole /64).
    pub checkout_ipv6_prefix: u8,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Who the receipts say the gift went to: the default organization (`ORG_*`).
    pub org: Organization,
    /// The other organizations (`ORGANIZATIONS`), each with its own Stripe account.
    pub organizations: Vec<ExtraOrganization>,
    pub mail: MailConfig,
    /// Signs donors' self-service links; `None`: a random secret kept in the database.
    pub manage_link_secret: Option<String>,
    /// How long a self-service link in an email stays valid.
    pub manage_link_ttl: Duration,
    /// How long a client may take, and how many may be connected at once (`http::serve`).
    pub connections: ConnectionLimits,
    /// How long a shutdown may drain before what is left is abandoned (`SHUTDOWN_TIMEOUT`).
    pub shutdown_timeout: Duration,
    /// Staff sign-in links: their lifetimes and rate limits (`config::staff`).
    pub staff: StaffConfig,
    /// Aggregate rows per campaign and the progress cache (`config::scale`).
    pub scale: ScaleConfig,
    /// Donors asking for fresh manage links: rate limits (`config::self_service`).
    pub self_service: SelfServiceConfig,
    /// Supporters' pages: rate limits of sign-ups and link emails (`config::fundraisers`).
    pub fundraisers: FundraiserConfig,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database", &redact_url(&self.database_url))
            .field("bind_addr", &self.bind_addr)
            .field("public_base_url", &self.public_base_url)
            .field("payments", &self.payments)
            .field(
                "webhook_secrets",
                &format!("<{} redacted>", self.webhook_secrets.len()),
            )
            .field("stripe_api_base", &self.stripe_api_base)
            .field("allowed_origins", &self.allowed_origins)
            .field("org", &self.org)
            .field("organizations", &self.organizations)
            .field("mail", &self.mail)
            .field("connections", &self.connections)
            .field(
                "manage_link_secret",
                &self.manage_link_secret.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads configuration through `get`, so tests can supply their own variables.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let var = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };

        let database_url = var("DATABASE_URL").unwrap_or_else(|| "sqlite://donations.db".into());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres:")
            || database_url.starts_with("postgresql:"))
        {
            return Err(err(
                "DATABASE_URL",
                "must start with sqlite:// or postgres://",
            ));
        }
        let database_max_connections = match var("DATABASE_MAX_CONNECTIONS") {
            None => 8,
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .ok_or_else(|| {
                    err(
                        "DATABASE_MAX_CONNECTIONS",
                        "must be a number from 1 to 1000",
                    )
                })?,
        };
        let bind_addr: SocketAddr = var("BIND_ADDR")
            .unwrap_or_else(|| "127.0.0.1:8080".into())
            .parse()
            .map_err(|_| {
                err(
                    "BIND_ADDR",
                    "must be an address and port such as 127.0.0.1:8080",
                )
            })?;
        let public_base_url = match var("PUBLIC_BASE_URL") {
            None => format!("http://{bind_addr}"),
            Some(u) if u.starts_with("http://") || u.starts_with("https://") => {
                u.trim_end_matches('/').to_string()
            }
            Some(_) => {
                return Err(err(
                    "PUBLIC_BASE_URL",
                    "must start with http:// or https://",
                ));
            }
        };
        let max_gift_major = match var("MAX_GIFT_AMOUNT") {
            None => Decimal::from(1_000_000),
            Some(v) => Money::parse(&v, Currency::USD, i64::MAX / 1000)
                .map(|m| Decimal::new(m.minor(), 2))
                .map_err(|e| err("MAX_GIFT_AMOUNT", format!("{v:?} {e}")))?,
        };
        let fee_percent = var("DEFAULT_FEE_PERCENT").unwrap_or_else(|| "2.9".into());
        let fee_fixed = match var("DEFAULT_FEE_FIXED_MINOR") {
            None => 30,
            Some(v) => v
                .parse::<i64>()
                .map_err(|_| err("DEFAULT_FEE_FIXED_MINOR", "must be a whole number of cents"))?,
        };
        let default_fee = FeeRate::parse(&fee_percent, fee_fixed).map_err(|e| {
            let var = if fee_percent.parse::<Decimal>().is_ok() && fee_fixed >= 0 {
                "DEFAULT_FEE_FIXED_MINOR"
            } else {
                "DEFAULT_FEE_PERCENT"
            };
            err(var, e.to_string())
        })?;

        let payments = match var("STRIPE_SECRET_KEY") {
            None => PaymentsMode::Sandbox,
            Some(k) if k.starts_with("sk_live_") || k.starts_with("rk_live_") => {
                PaymentsMode::Stripe {
                    secret_key: k,
                    live: true,
                }
            }
            Some(k) if k.starts_with("sk_test_") || k.starts_with("rk_test_") => {
                PaymentsMode::Stripe {
                    secret_key: k,
                    live: false,
                }
            }
            Some(_) => {
                return Err(err(
                    "STRIPE_SECRET_KEY",
                    "must be a Stripe secret key (sk_test_..., sk_live_...) or unset for the sandbox",
                ));
            }
        };
        let webhook_secrets = values::webhook_secrets(&var, "STRIPE_WEBHOOK_SECRET")?;
        let webhook_secrets = match (&payments, webhook_secrets.is_empty()) {
            (PaymentsMode::Sandbox, true) => vec![SANDBOX_WEBHOOK_SECRET.to_string()],
            (PaymentsMode::Stripe { .. }, true) => {
                return Err(err(
                    "STRIPE_WEBHOOK_SECRET",
                    "is required when STRIPE_SECRET_KEY is set (the endpoint's signing secret)",
                ));
            }
            _ => webhook_secrets,
        };
        let stripe_api_base = values::api_base(&var, "STRIPE_API_BASE")?;
        let stripe_timeout = match var("STRIPE_TIMEOUT") {
            None => Duration::from_secs(15),
            Some(v) => parse_duration(&v).map_err(|d| err("STRIPE_TIMEOUT", d))?,
        };
        let ready_timeout = match var("READY_TIMEOUT") {
            None => Duration::from_secs(5),
            Some(v) => match parse_duration(&v).map_err(|d| err("READY_TIMEOUT", d))? {
                d if d.is_zero() => return Err(err("READY_TIMEOUT", "must be more than 0")),
                d => d,
            },
        };
        let allowed_origins = var("ALLOWED_ORIGINS")
            .map(|v| parse_origins(&v))
            .transpose()
            .map_err(|d| err("ALLOWED_ORIGINS", d))?
            .unwrap_or_default();
        let reconcile_interval = match var("RECONCILE_INTERVAL") {
            None => Some(DEFAULT_RECONCILE_INTERVAL),
            Some(v) if v == "off" || v == "0" => None,
            Some(v) => Some(parse_duration(&v).map_err(|d| err("RECONCILE_INTERVAL", d))?),
        };
        let pending_recheck_after = match var("PENDING_RECHECK_AFTER") {
            None => Duration::from_secs(2 * 3600),
            Some(v) => parse_duration(&v).map_err(|d| err("PENDING_RECHECK_AFTER", d))?,
        };
        let demo_campaign = match var("DEMO_CAMPAIGN").as_deref() {
            None | Some("true") | Some("1") => true,
            Some("false") | Some("0") => false,
            Some(_) => return Err(err("DEMO_CAMPAIGN", "must be true or false")),
        };

        let checkout_rate_per_ip = match var("CHECKOUT_RATE_PER_IP") {
            None => Rate::parse("10/min").ok().flatten(),
            Some(v) => Rate::parse(&v).map_err(|d| err("CHECKOUT_RATE_PER_IP", d))?,
        };
        let checkout_rate_per_email = match var("CHECKOUT_RATE_PER_EMAIL") {
            None => Rate::parse("5/hour").ok().flatten(),
            Some(v) => Rate::parse(&v).map_err(|d| err("CHECKOUT_RATE_PER_EMAIL", d))?,
        };
        let checkout_ipv6_prefix = match var("CHECKOUT_IPV6_PREFIX") {
            None => 64,
            Some(v) => v
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|n| (1..=128).contains(n))
                .ok_or_else(|| {
                    err(
                        "CHECKOUT_IPV6_PREFIX",
                        format!("{v:?} must be a prefix length from 1 to 128"),
                    )
                })?,
        };
        let trusted_proxies = var("TRUSTED_PROXIES")
            .map(|v| parse_proxies(&v))
            .transpose()
            .map_err(|d| err("TRUSTED_PROXIES", d))?
            .unwrap_or_default();

        let (tax_status, receipt_wording) = organizations::default_terms(&var)?;
        let org = Organization {
            slug: crate::domain::organization::DEFAULT_ORG.to_string(),
            tax_status,
            receipt_wording,
            name: var("ORG_NAME").unwrap_or_else(|| "Our Organization".into()),
            address: var("ORG_ADDRESS").unwrap_or_default(),
            ein: match var("ORG_EIN") {
                None => None,
                Some(v) if is_ein(&v) => Some(v),
                Some(_) => return Err(err("ORG_EIN", "must be an EIN such as 12-3456789")),
            },
            zone: match (var("ORG_TIMEZONE"), var("ORG_UTC_OFFSET")) {
                (_, Some(_)) => {
                    return Err(err(
                        "ORG_UTC_OFFSET",
                        "was replaced by ORG_TIMEZONE, an IANA time zone name such as \
                         America/New_York (a fixed offset dates summer gifts an hour off)",
                    ));
                }
                (None, None) => crate::domain::zone::Zone::utc(),
                (Some(v), None) => crate::domain::zone::Zone::parse(&v)
                    .map_err(|e| err("ORG_TIMEZONE", e.to_string()))?,
            },
        };
        let organizations = organizations::from_vars(&var, &payments, &webhook_secrets, &org.zone)?;
        let mail_address = |name: &'static str, v: String| {
            v.parse::<lettre::message::Mailbox>()
                .map(|_| v)
                .map_err(|_| {
                    err(
                        name,
                        "must be an address such as Giving <giving@example.org>",
                    )
                })
        };
        let from = mail_address(
            "MAIL_FROM",
            var("MAIL_FROM").unwrap_or_else(|| "Donations <donations@localhost>".into()),
        )?;
        let reply_to = var("MAIL_REPLY_TO")
            .map(|v| mail_address("MAIL_REPLY_TO", v))
            .transpose()?;
        let smtp_url = match var("SMTP_URL") {
            None => None,
            Some(u) if u.starts_with("smtp://") || u.starts_with("smtps://") => Some(u),
            Some(_) => {
                return Err(err(
                    "SMTP_URL",
                    "must be smtp://HOST:PORT (STARTTLS with ?tls=required) or smtps://HOST:PORT",
                ));
            }
        };
        let mail = MailConfig {
            from,
            reply_to,
            smtp_url,
            outbox_dir: var("MAIL_OUTBOX_DIR")
                .unwrap_or_else(|| "mail-outbox".into())
                .into(),
            worker_interval: match var("MAIL_WORKER_INTERVAL") {
                None => Some(Duration::from_secs(5)),
                Some(v) if v == "off" || v == "0" => None,
                Some(v) => Some(parse_duration(&v).map_err(|d| err("MAIL_WORKER_INTERVAL", d))?),
            },
            max_attempts: match var("MAIL_MAX_ATTEMPTS") {
                None => 8,
                Some(v) => v
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (1..=100).contains(n))
                    .ok_or_else(|| err("MAIL_MAX_ATTEMPTS", "must be a number from 1 to 100"))?,
            },
        };
        let manage_link_secret = match var("MANAGE_LINK_SECRET") {
            None => None,
            Some(s) if s.len() >= 32 => Some(s),
            Some(_) => {
                return Err(err(
                    "MANAGE_LINK_SECRET",
                    "must be at least 32 characters (e.g. openssl rand -hex 32), or unset",
                ));
            }
        };
        let manage_link_ttl = match var("MANAGE_LINK_TTL") {
            None => Duration::from_secs(60 * 86_400),
            Some(v) => parse_duration(&v).map_err(|d| err("MANAGE_LINK_TTL", d))?,
        };
        let connections = ConnectionLimits::from_vars(var)?;
        let staff = StaffConfig::from_vars(var)?;
        let scale = ScaleConfig::from_vars(var)?;
        let self_service = SelfServiceConfig::from_vars(var)?;
        let fundraisers = FundraiserConfig::from_vars(var)?;

        Ok(Config {
            fundraisers,
            staff,
            scale,
            self_service,
            connections,
            org,
            organizations,
            mail,
            manage_link_secret,
            manage_link_ttl,
            checkout_rate_per_ip,
            checkout_rate_per_email,
            checkout_ipv6_prefix,
            trusted_proxies,
            database_url,
            database_max_connections,
            bind_addr,
            public_base_url,
            max_gift_major,
            default_fee,
            bank_debit_fee: bank_debit::from_vars(var)?,
            payments,
            webhook_secrets,
            stripe_api_base,
            stripe_timeout,
            ready_timeout,
            allowed_origins,
            reconcile_interval,
            pending_recheck_after,
            demo_campaign,
            shutdown_timeout: lifecycle::shutdown_timeout(var)?,
        })
    }

    /// The organization of slug `slug` (`default`: `ORG_*`), if configured.
    pub fn organization(&self, slug: &str) -> Option<&Organization> {
        if slug == self.org.slug {
            return Some(&self.org);
        }
        self.organizations
            .iter()
            .find(|o| o.org.slug == slug)
            .map(|o| &o.org)
    }

    /// The organization a campaign of organization `slug` speaks for: the default one when
    /// `slug` is no longer configured (its pages still name someone).
    pub fn org_or_default(&self, slug: &str) -> &Organization {
        self.organization(slug).unwrap_or(&self.org)
    }

    /// Every organization, the default one first.
    pub fn all_organizations(&self) -> impl Iterator<Item = &Organization> {
        std::iter::once(&self.org).chain(self.organizations.iter().map(|o| &o.org))
    }

    /// The secrets `/webhooks/stripe/{slug}` verifies with (the default's at `default`).
    pub fn webhook_secrets_of(&self, slug: &str) -> Option<&[String]> {
        if slug == self.org.slug {
            return Some(&self.webhook_secrets);
        }
        self.organizations
            .iter()
            .find(|o| o.org.slug == slug)
            .map(|o| o.webhook_secrets.as_slice())
    }

    /// The largest gift in `currency`'s minor units (MAX_GIFT_AMOUNT is in major units).
    pub fn max_gift_minor(&self, currency: Currency) -> i64 {
        // Exact: MAX_GIFT_AMOUNT has at most 2 decimals.
        crate::domain::money::whole_minor_units(self.max_gift_major, currency)
    }
}

#[cfg(test)]
mod tests;
