//! Configuration from the environment (and an optional `.env`, loaded by the binary). Every
//! variable is documented in `.env.example`; a bad value stops start-up with an error naming it.

use std::net::SocketAddr;
use std::time::Duration;

use rust_decimal::Decimal;

use crate::domain::fees::FeeRate;
use crate::domain::money::{Currency, Money};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{var}: {detail}")]
pub struct ConfigError {
    pub var: &'static str,
    pub detail: String,
}

fn err(var: &'static str, detail: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        detail: detail.into(),
    }
}

/// How gifts are paid: through Stripe with a secret key, or through the built-in sandbox.
#[derive(Clone)]
pub enum PaymentsMode {
    /// No `STRIPE_SECRET_KEY`: checkout pages and signed events come from this server itself.
    Sandbox,
    Stripe {
        secret_key: String,
        live: bool,
    },
}

impl PaymentsMode {
    pub fn is_live(&self) -> bool {
        matches!(self, PaymentsMode::Stripe { live: true, .. })
    }
    pub fn is_sandbox(&self) -> bool {
        matches!(self, PaymentsMode::Sandbox)
    }
}

// Secrets stay out of logs and panics, even through `{:?}`.
impl std::fmt::Debug for PaymentsMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PaymentsMode::Sandbox => write!(f, "Sandbox"),
            PaymentsMode::Stripe { live, .. } => {
                write!(f, "Stripe {{ live: {live}, secret_key: <redacted> }}")
            }
        }
    }
}

/// The webhook signing secret used by the sandbox when `STRIPE_WEBHOOK_SECRET` is not set.
/// It signs only events this server sends to itself, so it need not be secret.
pub const SANDBOX_WEBHOOK_SECRET: &str = "whsec_sandbox_local_only";

#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    pub database_max_connections: u32,
    pub bind_addr: SocketAddr,
    pub public_base_url: String,
    pub max_gift_major: Decimal,
    pub default_fee: FeeRate,
    pub payments: PaymentsMode,
    pub webhook_secrets: Vec<String>,
    pub stripe_api_base: Option<String>,
    pub stripe_timeout: Duration,
    /// How long `/ready`'s test write may take before the server says it is not ready.
    pub ready_timeout: Duration,
    pub allowed_origins: Vec<String>,
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
    /// Who the receipts say the gift went to.
    pub org: Organization,
    pub mail: MailConfig,
    /// Signs donors' self-service links; `None`: a random secret kept in the database.
    pub manage_link_secret: Option<String>,
    /// How long a self-service link in an email stays valid.
    pub manage_link_ttl: Duration,
    /// How long a client may take, and how many may be connected at once (`http::serve`).
    pub connections: ConnectionLimits,
}

/// What a slow or idle client may hold of the server (`http::serve`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// A request's head (request line and headers) must arrive within this, counted from the
    /// connection's accept for its first request, from the request's first byte for later ones.
    pub header_read_timeout: Duration,
    /// A request's whole body must arrive within this, counted from the first read of it
    /// (else `408`).
    pub body_read_timeout: Duration,
    /// A keep-alive connection with no request in flight is closed after this.
    pub idle_timeout: Duration,
    /// Connections served at once; more wait in the kernel's accept queue.
    pub max_connections: usize,
    /// Requests whose handlers run at once (`http::completion`); more wait their turn, and one
    /// whose client hangs up while it waits is never started.
    pub max_requests_in_flight: usize,
}

impl ConnectionLimits {
    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<ConnectionLimits, ConfigError> {
        let duration = |name: &'static str, default: u64| match var(name) {
            None => Ok(Duration::from_secs(default)),
            Some(v) => parse_duration(&v).map_err(|d| err(name, d)),
        };
        Ok(ConnectionLimits {
            header_read_timeout: duration("HEADER_READ_TIMEOUT", 10)?,
            body_read_timeout: duration("BODY_READ_TIMEOUT", 30)?,
            idle_timeout: duration("IDLE_TIMEOUT", 60)?,
            max_connections: match var("MAX_CONNECTIONS") {
                None => 1024,
                Some(v) => v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=1_000_000).contains(n))
                    .ok_or_else(|| err("MAX_CONNECTIONS", "must be a number from 1 to 1000000"))?,
            },
            max_requests_in_flight: match var("MAX_REQUESTS_IN_FLIGHT") {
                None => 64,
                Some(v) => v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=100_000).contains(n))
                    .ok_or_else(|| {
                        err(
                            "MAX_REQUESTS_IN_FLIGHT",
                            "must be a number from 1 to 100000",
                        )
                    })?,
            },
        })
    }
}

/// The organization named on receipts and statements (a US 501(c)(3) gives its EIN).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub name: String,
    pub address: String,
    pub ein: Option<String>,
    /// The organization's standard-time offset from UTC, in seconds: receipts are dated and
    /// statement years are cut in its local time (year-end falls in standard time).
    pub utc_offset_secs: i64,
}

/// How email leaves: SMTP when `SMTP_URL` is set, else `.eml` files in `MAIL_OUTBOX_DIR`.
#[derive(Clone)]
pub struct MailConfig {
    pub from: String,
    pub reply_to: Option<String>,
    pub smtp_url: Option<String>,
    pub outbox_dir: std::path::PathBuf,
    /// How often the mail worker looks for messages to send (`None`: never, in this process).
    pub worker_interval: Option<Duration>,
    /// Attempts before a message is given up on and left for staff to see.
    pub max_attempts: i64,
}

impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("from", &self.from)
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("outbox_dir", &self.outbox_dir)
            .field("worker_interval", &self.worker_interval)
            .finish_non_exhaustive()
    }
}

/// "10/min": at most `count` at once, one more every `per / count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: std::num::NonZeroU32,
    pub per: Duration,
}

impl Rate {
    /// `N/sec`, `N/min`, `N/hour` or `N/day` (also `s`, `m`, `h`, `d`); `off` is no limit.
    pub fn parse(v: &str) -> Result<Option<Rate>, String> {
        let v = v.trim();
        if v == "off" {
            return Ok(None);
        }
        let bad = || format!("{v:?} is not a rate such as 10/min, 5/hour or off");
        let (n, unit) = v.split_once('/').ok_or_else(bad)?;
        let count: std::num::NonZeroU32 = n.trim().parse().map_err(|_| bad())?;
        let per = match unit.trim() {
            "s" | "sec" | "second" => Duration::from_secs(1),
            "m" | "min" | "minute" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            "d" | "day" => Duration::from_secs(86_400),
            _ => return Err(bad()),
        };
        Ok(Some(Rate { count, per }))
    }
}

/// Comma-separated IP addresses or CIDR blocks.
fn parse_proxies(v: &str) -> Result<Vec<ipnet::IpNet>, String> {
    v.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<ipnet::IpNet>()
                .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("{p:?} is not an IP address or CIDR block such as 10.0.0.0/8"))
        })
        .collect()
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
            .field("mail", &self.mail)
            .field("connections", &self.connections)
            .field(
                "manage_link_secret",
                &self.manage_link_secret.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

/// A database URL with any password removed, for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..scheme_end], user, &url[at + 1..])
        }
        _ => url.to_string(),
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
        let webhook_secrets: Vec<String> = var("STRIPE_WEBHOOK_SECRET")
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        if webhook_secrets.iter().any(|s| !s.starts_with("whsec_")) {
            return Err(err(
                "STRIPE_WEBHOOK_SECRET",
                "each comma-separated secret must start with whsec_",
            ));
        }
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
        let stripe_api_base = match var("STRIPE_API_BASE") {
            None => None,
            Some(u) if u.starts_with("http://") || u.starts_with("https://") => {
                // async-stripe appends "v1/..." to the base: it needs a trailing slash.
                Some(if u.ends_with('/') { u } else { format!("{u}/") })
            }
            Some(_) => {
                return Err(err(
                    "STRIPE_API_BASE",
                    "must start with http:// or https://",
                ));
            }
        };
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
            None => None,
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

        let org = Organization {
            name: var("ORG_NAME").unwrap_or_else(|| "Our Organization".into()),
            address: var("ORG_ADDRESS").unwrap_or_default(),
            ein: match var("ORG_EIN") {
                None => None,
                Some(v) if is_ein(&v) => Some(v),
                Some(_) => return Err(err("ORG_EIN", "must be an EIN such as 12-3456789")),
            },
            utc_offset_secs: match var("ORG_UTC_OFFSET") {
                None => 0,
                Some(v) => parse_utc_offset(&v).ok_or_else(|| {
                    err(
                        "ORG_UTC_OFFSET",
                        "must be an offset such as -05:00 (US Eastern standard time) or +00:00",
                    )
                })?,
            },
        };
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

        Ok(Config {
            connections,
            org,
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
            payments,
            webhook_secrets,
            stripe_api_base,
            stripe_timeout,
            ready_timeout,
            allowed_origins,
            reconcile_interval,
            pending_recheck_after,
            demo_campaign,
        })
    }

    /// The largest gift in `currency`'s minor units (MAX_GIFT_AMOUNT is in major units).
    pub fn max_gift_minor(&self, currency: Currency) -> i64 {
        // Exact: MAX_GIFT_AMOUNT has at most 2 decimals.
        crate::domain::money::whole_minor_units(self.max_gift_major, currency)
    }
}

/// `+HH:MM` or `-HH:MM` (or `Z`), from -12:00 to +14:00, as seconds.
fn parse_utc_offset(v: &str) -> Option<i64> {
    if v == "Z" {
        return Some(0);
    }
    let (sign, rest) = match v.as_bytes().first()? {
        b'+' => (1, &v[1..]),
        b'-' => (-1, &v[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    let secs = sign * (h * 3600 + m * 60);
    (m < 60 && (-12 * 3600..=14 * 3600).contains(&secs)).then_some(secs)
}

/// `NN-NNNNNNN`, the form the IRS prints an Employer Identification Number in.
fn is_ein(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 10
        && b[2] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 2 || c.is_ascii_digit())
}

/// "90s", "15m", "72h", "7d": a positive duration.
pub fn parse_duration(v: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(v.trim())
        .map_err(|_| format!("{v:?} is not a duration such as 30s, 15m, 72h or 7d"))?;
    if d.is_zero() {
        return Err("must be longer than zero".into());
    }
    Ok(d)
}

fn parse_origins(v: &str) -> Result<Vec<String>, String> {
    v.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|o| {
            let ok = (o.starts_with("https://") || o.starts_with("http://"))
                && !o.ends_with('/')
                && o.split("://").nth(1).is_some_and(|h| !h.is_empty() && !h.contains('/'));
            if ok {
                Ok(o.to_string())
            } else {
                Err(format!("{o:?} is not an origin such as https://example.org (no path, no trailing slash)"))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_a_sandbox_on_sqlite() {
        let c = load(&[]).unwrap();
        assert_eq!(c.database_url, "sqlite://donations.db");
        assert_eq!(c.bind_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(c.public_base_url, "http://127.0.0.1:8080");
        assert!(c.payments.is_sandbox());
        assert_eq!(c.webhook_secrets, vec![SANDBOX_WEBHOOK_SECRET.to_string()]);
        assert_eq!(c.max_gift_minor(Currency::USD), 100_000_000);
        assert_eq!(c.default_fee, FeeRate::stripe_standard());
        assert!(c.reconcile_interval.is_none());
        assert_eq!(c.checkout_rate_per_ip, Rate::parse("10/min").unwrap());
        assert_eq!(c.checkout_rate_per_email, Rate::parse("5/hour").unwrap());
        assert!(c.trusted_proxies.is_empty());
        assert!(c.mail.smtp_url.is_none());
        assert_eq!(c.mail.outbox_dir, std::path::PathBuf::from("mail-outbox"));
        assert!(c.manage_link_secret.is_none());
    }

    #[test]
    fn mail_and_organization_errors_name_the_variable() {
        assert_eq!(
            load(&[("ORG_EIN", "123456789")]).unwrap_err().var,
            "ORG_EIN"
        );
        for bad in ["-5", "EST", "-05:00:00", "+15:00", "-05:60"] {
            assert_eq!(
                load(&[("ORG_UTC_OFFSET", bad)]).unwrap_err().var,
                "ORG_UTC_OFFSET"
            );
        }
        let east = load(&[("ORG_UTC_OFFSET", "-05:00")]).unwrap();
        assert_eq!(east.org.utc_offset_secs, -5 * 3600);
        assert_eq!(
            load(&[("ORG_UTC_OFFSET", "+05:30")])
                .unwrap()
                .org
                .utc_offset_secs,
            19_800
        );
        assert_eq!(
            load(&[("SMTP_URL", "mail.example.org")]).unwrap_err().var,
            "SMTP_URL"
        );
        assert_eq!(
            load(&[("MAIL_FROM", "not an address")]).unwrap_err().var,
            "MAIL_FROM"
        );
        assert_eq!(
            load(&[("MANAGE_LINK_SECRET", "short")]).unwrap_err().var,
            "MANAGE_LINK_SECRET"
        );
        let c = load(&[
            ("ORG_EIN", "12-3456789"),
            ("SMTP_URL", "smtp://127.0.0.1:2525"),
        ])
        .unwrap();
        assert_eq!(c.org.ein.as_deref(), Some("12-3456789"));
        let shown = format!(
            "{:?}",
            load(&[("SMTP_URL", "smtps://u:hunter2@mail.example.org")]).unwrap()
        );
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn rates_and_proxies_are_parsed() {
        let c = load(&[
            ("CHECKOUT_RATE_PER_IP", "off"),
            ("CHECKOUT_RATE_PER_EMAIL", "3/day"),
            ("TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1,::1"),
        ])
        .unwrap();
        assert_eq!(c.checkout_rate_per_ip, None);
        let r = c.checkout_rate_per_email.unwrap();
        assert_eq!((r.count.get(), r.per), (3, Duration::from_secs(86_400)));
        assert_eq!(c.trusted_proxies.len(), 3);
        assert!(c.trusted_proxies[1].contains(&"127.0.0.1".parse::<std::net::IpAddr>().unwrap()));
        assert_eq!(c.checkout_ipv6_prefix, 64);
        let c = load(&[("CHECKOUT_IPV6_PREFIX", "56")]).unwrap();
        assert_eq!(c.checkout_ipv6_prefix, 56);
        for bad in ["0", "129", "/64", "x"] {
            let e = load(&[("CHECKOUT_IPV6_PREFIX", bad)]).unwrap_err();
            assert_eq!(e.var, "CHECKOUT_IPV6_PREFIX", "{bad}");
        }
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        let cases: &[(&str, &str)] = &[
            ("DATABASE_URL", "mysql://x"),
            ("BIND_ADDR", "localhost"),
            ("PUBLIC_BASE_URL", "example.org"),
            ("MAX_GIFT_AMOUNT", "-5"),
            ("DEFAULT_FEE_PERCENT", "abc"),
            ("DEFAULT_FEE_FIXED_MINOR", "0.3"),
            ("STRIPE_SECRET_KEY", "pk_test_123"),
            ("STRIPE_API_BASE", "localhost:12111"),
            ("ALLOWED_ORIGINS", "https://a.org/path"),
            ("RECONCILE_INTERVAL", "soon"),
            ("PENDING_RECHECK_AFTER", "0s"),
            ("DATABASE_MAX_CONNECTIONS", "0"),
            ("DEMO_CAMPAIGN", "maybe"),
            ("CHECKOUT_RATE_PER_IP", "10"),
            ("CHECKOUT_RATE_PER_IP", "0/min"),
            ("CHECKOUT_RATE_PER_EMAIL", "5/fortnight"),
            ("TRUSTED_PROXIES", "10.0.0.0/33"),
            ("TRUSTED_PROXIES", "proxy.local"),
            ("HEADER_READ_TIMEOUT", "0s"),
            ("HEADER_READ_TIMEOUT", "soon"),
            ("BODY_READ_TIMEOUT", "-1s"),
            ("IDLE_TIMEOUT", "forever"),
            ("MAX_CONNECTIONS", "0"),
            ("MAX_CONNECTIONS", "many"),
            ("MAX_CONNECTIONS", "1000001"),
            ("MAX_REQUESTS_IN_FLIGHT", "0"),
            ("MAX_REQUESTS_IN_FLIGHT", "lots"),
        ];
        for (var, value) in cases {
            let e = load(&[(var, value)])
                .err()
                .unwrap_or_else(|| panic!("{var}={value} accepted"));
            assert_eq!(e.var, *var, "{var}={value} gave {e}");
            assert!(e.to_string().starts_with(var));
        }
    }

    #[test]
    fn stripe_key_needs_a_webhook_secret_and_sets_the_mode() {
        let e = load(&[("STRIPE_SECRET_KEY", "sk_test_abc")]).err().unwrap();
        assert_eq!(e.var, "STRIPE_WEBHOOK_SECRET");
        let c = load(&[
            ("STRIPE_SECRET_KEY", "sk_live_abc"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_a, whsec_b"),
        ])
        .unwrap();
        assert!(c.payments.is_live());
        assert_eq!(c.webhook_secrets, vec!["whsec_a", "whsec_b"]);
        let e = load(&[
            ("STRIPE_SECRET_KEY", "sk_test_abc"),
            ("STRIPE_WEBHOOK_SECRET", "secret"),
        ])
        .err()
        .unwrap();
        assert_eq!(e.var, "STRIPE_WEBHOOK_SECRET");
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let c = load(&[
            ("STRIPE_SECRET_KEY", "sk_live_supersecret"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_topsecret"),
            ("DATABASE_URL", "postgres://app:hunter2@db/donations"),
        ])
        .unwrap();
        let shown = format!("{c:?}");
        for secret in ["supersecret", "topsecret", "hunter2"] {
            assert!(!shown.contains(secret), "{secret} leaked in {shown}");
        }
    }

    #[test]
    fn values_are_parsed() {
        let c = load(&[
            ("STRIPE_API_BASE", "http://127.0.0.1:9999"),
            (
                "ALLOWED_ORIGINS",
                "https://coalition.org, http://localhost:3000",
            ),
            ("RECONCILE_INTERVAL", "15m"),
            ("MAX_GIFT_AMOUNT", "5000"),
            ("DEFAULT_FEE_PERCENT", "2.2"),
        ])
        .unwrap();
        assert_eq!(c.stripe_api_base.as_deref(), Some("http://127.0.0.1:9999/"));
        assert_eq!(
            c.allowed_origins,
            vec!["https://coalition.org", "http://localhost:3000"]
        );
        assert_eq!(c.reconcile_interval, Some(Duration::from_secs(900)));
        assert_eq!(c.max_gift_minor(Currency::USD), 500_000);
        assert_eq!(c.default_fee, FeeRate::stripe_nonprofit());
    }

    #[test]
    fn connection_limits_have_defaults_and_are_parsed() {
        assert_eq!(
            load(&[]).unwrap().connections,
            ConnectionLimits {
                header_read_timeout: Duration::from_secs(10),
                body_read_timeout: Duration::from_secs(30),
                idle_timeout: Duration::from_secs(60),
                max_connections: 1024,
                max_requests_in_flight: 64,
            }
        );
        let c = load(&[
            ("HEADER_READ_TIMEOUT", "1s"),
            ("BODY_READ_TIMEOUT", "500ms"),
            ("IDLE_TIMEOUT", "2m"),
            ("MAX_CONNECTIONS", "200"),
            ("MAX_REQUESTS_IN_FLIGHT", "16"),
        ])
        .unwrap()
        .connections;
        assert_eq!(c.header_read_timeout, Duration::from_secs(1));
        assert_eq!(c.body_read_timeout, Duration::from_millis(500));
        assert_eq!(c.idle_timeout, Duration::from_secs(120));
        assert_eq!(c.max_connections, 200);
        assert_eq!(c.max_requests_in_flight, 16);
    }
}
