//! Card-testing defences at checkout: keyed rate limits (per client address and per donor
//! email, `governor`'s GCRA) and the client address behind trusted proxies.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use super::AppState;
use crate::config::{Config, Rate};
use crate::services::checkout::AllowanceSpent;

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

pub struct Limits {
    per_ip: Option<DefaultKeyedRateLimiter<IpAddr>>,
    ipv6_prefix: u8,
    per_email: Option<DefaultKeyedRateLimiter<String>>,
    /// Staff sign-in link requests per client address (`SIGNIN_RATE_PER_IP`).
    signin_per_ip: Option<DefaultKeyedRateLimiter<IpAddr>>,
    /// Donors' requests for fresh manage links per client address (`MANAGE_LINK_RATE_PER_IP`).
    manage_link_per_ip: Option<DefaultKeyedRateLimiter<IpAddr>>,
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
    pub fn new(config: &Config) -> Limits {
        Limits {
            per_ip: config
                .checkout_rate_per_ip
                .map(|r| DefaultKeyedRateLimiter::keyed(quota(r))),
            ipv6_prefix: config.checkout_ipv6_prefix,
            per_email: config
                .checkout_rate_per_email
                .map(|r| DefaultKeyedRateLimiter::keyed(quota(r))),
            signin_per_ip: config
                .staff
                .signin_rate_per_ip
                .map(|r| DefaultKeyedRateLimiter::keyed(quota(r))),
            manage_link_per_ip: config
                .self_service
                .link_rate_per_ip
                .map(|r| DefaultKeyedRateLimiter::keyed(quota(r))),
            clock: DefaultClock::default(),
            checks: AtomicU64::new(0),
        }
    }

    fn sweep(&self) {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            if let Some(l) = &self.per_ip {
                l.retain_recent();
            }
            if let Some(l) = &self.per_email {
                l.retain_recent();
            }
            if let Some(l) = &self.signin_per_ip {
                l.retain_recent();
            }
            if let Some(l) = &self.manage_link_per_ip {
                l.retain_recent();
            }
        }
    }

    fn refuse(&self, wait: std::time::Duration) -> AllowanceSpent {
        AllowanceSpent {
            retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
        }
    }

    /// Takes one checkout from the allowance of `ip`'s address (IPv4) or network (IPv6).
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), (LimitKind, AllowanceSpent)> {
        self.sweep();
        match &self.per_ip {
            Some(l) => l.check_key(&limit_key(ip, self.ipv6_prefix)).map_err(|n| {
                (
                    LimitKind::Ip,
                    self.refuse(n.wait_time_from(self.clock.now())),
                )
            }),
            None => Ok(()),
        }
    }

    /// Takes one checkout from the allowance of a normalized donor email.
    pub fn check_email(&self, email: &str) -> Result<(), (LimitKind, AllowanceSpent)> {
        match &self.per_email {
            Some(l) => l.check_key(&email.to_string()).map_err(|n| {
                (
                    LimitKind::Email,
                    self.refuse(n.wait_time_from(self.clock.now())),
                )
            }),
            None => Ok(()),
        }
    }
}

impl Limits {
    /// Takes one staff sign-in link request from the allowance of `ip` (as checkout counts it).
    pub fn check_signin_ip(&self, ip: IpAddr) -> Result<(), AllowanceSpent> {
        self.sweep();
        match &self.signin_per_ip {
            Some(l) => l
                .check_key(&limit_key(ip, self.ipv6_prefix))
                .map_err(|n| self.refuse(n.wait_time_from(self.clock.now()))),
            None => Ok(()),
        }
    }
}

impl Limits {
    /// Takes one request for fresh manage links from the allowance of `ip` (as checkout
    /// counts it).
    pub fn check_manage_link_ip(&self, ip: IpAddr) -> Result<(), AllowanceSpent> {
        self.sweep();
        match &self.manage_link_per_ip {
            Some(l) => l
                .check_key(&limit_key(ip, self.ipv6_prefix))
                .map_err(|n| self.refuse(n.wait_time_from(self.clock.now()))),
            None => Ok(()),
        }
    }
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
