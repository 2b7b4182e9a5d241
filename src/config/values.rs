//! How a variable's value is read: rates ("10/min"), durations ("90s"), address lists, origins,
//! UTC offsets, EINs; and a URL with its password removed, for logs.

use std::time::Duration;

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

/// The rate in variable `name` (read through `var`), or `default` when it is unset; `None`
/// for `off`.
pub(super) fn rate_var(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: &str,
) -> Result<Option<Rate>, super::ConfigError> {
    match var(name) {
        None => Ok(Rate::parse(default).ok().flatten()),
        Some(v) => Rate::parse(&v).map_err(|d| super::err(name, d)),
    }
}

/// The webhook signing secrets in variable `name` (comma-separated, for rotation; none when
/// unset), each `whsec_...`.
pub(super) fn webhook_secrets(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Vec<String>, super::ConfigError> {
    let secrets: Vec<String> = var(name)
        .map(|v| {
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if secrets.iter().any(|s| !s.starts_with("whsec_")) {
        return Err(super::err(
            name,
            "each comma-separated secret must start with whsec_",
        ));
    }
    Ok(secrets)
}

/// A Stripe API base URL in variable `name`, ending in `/` (async-stripe appends `v1/...`).
pub(super) fn api_base(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Option<String>, super::ConfigError> {
    match var(name) {
        None => Ok(None),
        Some(u) if u.starts_with("http://") || u.starts_with("https://") => {
            Ok(Some(if u.ends_with('/') { u } else { format!("{u}/") }))
        }
        Some(_) => Err(super::err(name, "must start with http:// or https://")),
    }
}

/// Comma-separated IP addresses or CIDR blocks.
pub(super) fn parse_proxies(v: &str) -> Result<Vec<ipnet::IpNet>, String> {
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

/// `NN-NNNNNNN`, the form the IRS prints an Employer Identification Number in.
pub(super) fn is_ein(v: &str) -> bool {
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

pub(super) fn parse_origins(v: &str) -> Result<Vec<String>, String> {
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
