//! Card-testing defences at checkout: keyed rate limits (per client address and per donor
//! email, and per address for staff sign-in links, donors' manage links and supporters' pages)
//! and the client address behind trusted proxies.
//!
//! Each limit is a GCRA allowance per key. On PostgreSQL the allowances are rows every server
//! sharing the database counts against (`AllowanceStore`), so N servers allow what one does;
//! on SQLite (one server) they are kept in this process (`governor`). A limit whose database
//! cannot be asked lets the request through and logs why: the limits defend against card
//! testing, and a database that cannot answer fails the checkout itself anyway.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use sha2::{Digest, Sha256};

use super::AppState;
use crate::config::{Config, Rate};
use crate::services::checkout::AllowanceSpent;
use crate::store::Store;

/// Keys not seen for a full period are dropped every this many checks.
const SWEEP_EVERY: u64 = 4096;

/// Which limit refused a request (a label of the `rate_limited` metric).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKind {
    Ip,
    Email,
}

impl LimitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LimitKind::Ip => "ip",
            LimitKind::Email => "email",
        }
    }
}

/// One keyed limit: its rate, and its allowances when they are kept in this process.
struct KeyedLimit {
    /// Names the limit's keys in the shared table (`checkout_ip:<hash>`).
    name: &'static str,
    rate: Rate,
    local: DefaultKeyedRateLimiter<String>,
}

impl KeyedLimit {
    fn new(name: &'static str, rate: Option<Rate>) -> Option<KeyedLimit> {
        rate.map(|rate| KeyedLimit {
            name,
            rate,
            local: DefaultKeyedRateLimiter::keyed(quota(rate)),
        })
    }

    /// One request's allowance interval, in milliseconds (the rate's period over its count).
    fn interval_ms(&self) -> i64 {
        let ms = self.rate.per.as_millis() / u128::from(self.rate.count.get());
        i64::try_from(ms).unwrap_or(i64::MAX).max(1)
    }
}

pub struct Limits {
    per_ip: Option<KeyedLimit>,
    ipv6_prefix: u8,
    per_email: Option<KeyedLimit>,
    /// Staff sign-in link requests per client address (`SIGNIN_RATE_PER_IP`).
    signin_per_ip: Option<KeyedLimit>,
    /// Donors' requests for fresh manage links per client address (`MANAGE_LINK_RATE_PER_IP`).
    manage_link_per_ip: Option<KeyedLimit>,
    /// Supporters' page sign-ups and link requests per client address
    /// (`FUNDRAISER_RATE_PER_IP`).
    fundraiser_per_ip: Option<KeyedLimit>,
    /// The database the allowances are kept in, when every server shares them (PostgreSQL).
    shared: Option<Arc<dyn Store>>,
    clock: DefaultClock,
    checks: AtomicU64,
}

fn quota(r: Rate) -> Quota {
    let every = (r.per / r.count.get()).max(std::time::Duration::from_nanos(1));
    Quota::with_period(every)
        .unwrap_or_else(|| Quota::per_second(r.count))
        .allow_burst(r.count)
}

impl Limits {
    /// The configured limits, kept in `store` when it is shared by several servers (PostgreSQL)
    /// and in this process otherwise.
    pub fn new(config: &Config, store: Arc<dyn Store>) -> Limits {
        Limits {
            per_ip: KeyedLimit::new("checkout_ip", config.checkout_rate_per_ip),
            ipv6_prefix: config.checkout_ipv6_prefix,
            per_email: KeyedLimit::new("checkout_email", config.checkout_rate_per_email),
            signin_per_ip: KeyedLimit::new("signin_ip", config.staff.signin_rate_per_ip),
            manage_link_per_ip: KeyedLimit::new(
                "manage_link_ip",
                config.self_service.link_rate_per_ip,
            ),
            fundraiser_per_ip: KeyedLimit::new("fundraiser_ip", config.fundraisers.rate_per_ip),
            shared: (store.backend() == "postgres").then_some(store),
            clock: DefaultClock::default(),
            checks: AtomicU64::new(0),
        }
    }

    /// Whether the allowances are kept in the database every server shares.
    pub fn shared(&self) -> bool {
        self.shared.is_some()
    }

    fn sweep(&self) {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY != SWEEP_EVERY - 1 {
            return;
        }
        match &self.shared {
            Some(store) => {
                let store = store.clone();
                tokio::spawn(async move {
                    if let Err(e) = store.sweep_allowances(unix_ms()).await {
                        tracing::warn!(error = %e, "could not sweep the shared rate allowances");
                    }
                });
            }
            None => {
                let all = [
                    &self.per_ip,
                    &self.per_email,
                    &self.signin_per_ip,
                    &self.manage_link_per_ip,
                    &self.fundraiser_per_ip,
                ];
                for l in all.into_iter().flatten() {
                    l.local.retain_recent();
                }
            }
        }
    }

    /// Takes one request from `limit`'s allowance for `key`, or says how long to wait.
    async fn take(&self, limit: &Option<KeyedLimit>, key: String) -> Result<(), AllowanceSpent> {
        let Some(limit) = limit else {
            return Ok(());
        };
        self.sweep();
        let Some(store) = &self.shared else {
            return limit
                .local
                .check_key(&key)
                .map_err(|n| refuse(n.wait_time_from(self.clock.now())));
        };
        // Addresses and emails are personal: the shared table keeps only a hash of them.
        let hashed = format!(
            "{}:{}",
            limit.name,
            &hex::encode(Sha256::digest(key.as_bytes()))[..32]
        );
        let burst = i64::from(limit.rate.count.get());
        match store
            .take_allowance(&hashed, unix_ms(), limit.interval_ms(), burst)
            .await
        {
            Ok(None) => Ok(()),
            Ok(Some(wait_ms)) => Err(refuse(Duration::from_millis(wait_ms.max(1) as u64))),
            Err(e) => {
                tracing::warn!(limit = limit.name, error = %e, "rate allowance not checked; let through");
                Ok(())
            }
        }
    }

    /// Takes one checkout from the allowance of `ip`'s address (IPv4) or network (IPv6).
    pub async fn check_ip(&self, ip: IpAddr) -> Result<(), (LimitKind, AllowanceSpent)> {
        let key = limit_key(ip, self.ipv6_prefix).to_string();
        self.take(&self.per_ip, key)
            .await
            .map_err(|spent| (LimitKind::Ip, spent))
    }

    /// Takes one checkout from the allowance of a normalized donor email.
    pub async fn check_email(&self, email: &str) -> Result<(), (LimitKind, AllowanceSpent)> {
        self.take(&self.per_email, email.to_string())
            .await
            .map_err(|spent| (LimitKind::Email, spent))
    }

    /// Takes one staff sign-in link request from the allowance of `ip` (as checkout counts it).
    pub async fn check_signin_ip(&self, ip: IpAddr) -> Result<(), AllowanceSpent> {
        let key = limit_key(ip, self.ipv6_prefix).to_string();
        self.take(&self.signin_per_ip, key).await
    }

    /// Takes one request for fresh manage links from the allowance of `ip` (as checkout
    /// counts it).
    pub async fn check_manage_link_ip(&self, ip: IpAddr) -> Result<(), AllowanceSpent> {
        let key = limit_key(ip, self.ipv6_prefix).to_string();
        self.take(&self.manage_link_per_ip, key).await
    }

    /// Takes one supporter's page sign-up or link request from the allowance of `ip` (as
    /// checkout counts it).
    pub async fn check_fundraiser_ip(&self, ip: IpAddr) -> Result<(), AllowanceSpent> {
        let key = limit_key(ip, self.ipv6_prefix).to_string();
        self.take(&self.fundraiser_per_ip, key).await
    }
}

fn refuse(wait: Duration) -> AllowanceSpent {
    AllowanceSpent {
        retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
    }
}

/// Milliseconds since the Unix epoch: the shared allowances' clock (servers' clocks agree to
/// well within an allowance's interval).
fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// What the per-address limit counts by: an IPv4 address as it is (also when written as an
/// IPv4-mapped IPv6 address), an IPv6 address by its network of `v6_prefix` bits. A client
/// given a /64 (the usual for one home or server) can pick any of its 2^64 addresses, so
/// limiting per IPv6 address would limit nothing.
pub fn limit_key(ip: IpAddr, v6_prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let bits = u32::from(v6_prefix.min(128));
                let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
                IpAddr::V6(std::net::Ipv6Addr::from(u128::from(v6) & mask))
            }
        },
    }
}

/// The client's address: the TCP peer, or — when the peer is a trusted proxy — the right-most
/// address in `X-Forwarded-For` that is not a trusted proxy. A malformed entry stops the walk
/// at the last trusted hop, so a forged header can never name an arbitrary client.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[ipnet::IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

/// The client address of a request (see [`client_ip`]).
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        Ok(ClientIp(client_ip(
            peer,
            &parts.headers,
            &state.config.trusted_proxies,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv6_clients_are_limited_by_network() {
        // One /64: every address in it is one key; the next /64 is another.
        let a = limit_key(ip("2001:db8:1:2:aaaa::1"), 64);
        assert_eq!(a, ip("2001:db8:1:2::"));
        assert_eq!(limit_key(ip("2001:db8:1:2:ffff:ffff:ffff:ffff"), 64), a);
        assert_ne!(limit_key(ip("2001:db8:1:3::1"), 64), a);
        // Other prefixes, the edges included.
        assert_eq!(limit_key(ip("2001:db8:1:2::1"), 48), ip("2001:db8:1::"));
        assert_eq!(limit_key(ip("2001:db8::1"), 128), ip("2001:db8::1"));
        assert_eq!(limit_key(ip("ffff::1"), 1), ip("8000::"));
        // IPv4 stays per address, also when mapped into IPv6.
        assert_eq!(limit_key(ip("203.0.113.7"), 64), ip("203.0.113.7"));
        assert_eq!(limit_key(ip("::ffff:203.0.113.7"), 64), ip("203.0.113.7"));
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let h = headers(&["1.1.1.1, 2.2.2.2, 10.0.0.5"]);
        // An untrusted peer: its header is ignored.
        assert_eq!(client_ip(ip("9.9.9.9"), &h, &trusted), ip("9.9.9.9"));
        // A trusted peer: the right-most untrusted hop, not the (forgeable) left-most.
        assert_eq!(client_ip(ip("10.0.0.1"), &h, &trusted), ip("2.2.2.2"));
        // Several header lines are one list.
        let h = headers(&["1.1.1.1", "3.3.3.3"]);
        assert_eq!(client_ip(ip("10.0.0.1"), &h, &trusted), ip("3.3.3.3"));
        // Garbage stops at the last trusted hop.
        let h = headers(&["1.1.1.1, bogus, 10.0.0.7"]);
        assert_eq!(client_ip(ip("10.0.0.1"), &h, &trusted), ip("10.0.0.7"));
        // No header: the proxy itself.
        assert_eq!(
            client_ip(ip("10.0.0.1"), &HeaderMap::new(), &trusted),
            ip("10.0.0.1")
        );
        // Nothing trusted: always the peer.
        assert_eq!(
            client_ip(ip("10.0.0.1"), &headers(&["1.1.1.1"]), &[]),
            ip("10.0.0.1")
        );
    }
}
