//! Donors' self-service links: `<donation id>.<expiry>.<signature>`, where the signature is an
//! HMAC-SHA256, under a server secret, of the donation id and the expiry. The link is the donor's
//! only credential, so it names one donation, cannot be altered, and stops working when it expires:
//! `MANAGE_LINK_TTL` after it is mailed, and for a recurring gift at least until a month after its
//! next installment is due ([`expiry`]).
//!
//! Supporters' pages are managed by links of the same form naming the page
//! ([`LinkKind::Fundraiser`]); the kind is signed with the id, so that a link of one kind never
//! opens anything of the other.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::donation::Frequency;

type HmacSha256 = Hmac<Sha256>;

/// A donor's request for fresh links ("manage my gift", `/manage`), as recorded: whose gifts (the
/// lowercased address) and the language the page was in, which the email is written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRequestRecord {
    pub donor_key: String,
    pub language: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Not a link of ours, or altered: the signature does not match.
    #[error("this link is not valid; it may have been copied incompletely or altered")]
    Invalid,
    /// Genuine, but past its expiry.
    #[error("this link has expired")]
    Expired,
}

/// What a link opens: a donor's gift, or a supporter's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    Gift,
    Fundraiser,
}

impl LinkKind {
    fn label(self) -> &'static str {
        match self {
            LinkKind::Gift => "manage",
            LinkKind::Fundraiser => "fundraiser",
        }
    }
}

fn mac(secret: &[u8], kind: LinkKind, id: &str, expires_at: i64) -> HmacSha256 {
    // HMAC takes a key of any length, so this cannot fail.
    let mut m = HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length");
    m.update(format!("{}:v1:{id}:{expires_at}", kind.label()).as_bytes());
    m
}

/// A link token for `donation_id` that is valid until `expires_at` (unix seconds).
pub fn sign(secret: &[u8], donation_id: &str, expires_at: i64) -> String {
    sign_as(secret, LinkKind::Gift, donation_id, expires_at)
}

/// A link token of `kind` for the record `id`, valid until `expires_at` (unix seconds).
pub fn sign_as(secret: &[u8], kind: LinkKind, id: &str, expires_at: i64) -> String {
    let sig = hex::encode(mac(secret, kind, id, expires_at).finalize().into_bytes());
    format!("{id}.{expires_at}.{sig}")
}

/// The self-service page's address for a donation: `{base}/manage/{token}`.
pub fn url(public_base_url: &str, secret: &[u8], donation_id: &str, expires_at: i64) -> String {
    format!(
        "{}/manage/{}",
        public_base_url.trim_end_matches('/'),
        sign(secret, donation_id, expires_at)
    )
}

/// How long after a recurring gift's next installment is due its link still works: the
/// receipt of that installment carries a fresh link, and this covers its delivery, a card
/// retry or two, and a donor who reads mail late.
pub const AFTER_NEXT_INSTALLMENT_SECS: i64 = 30 * 86_400;

/// When the installment after one paid at `paid_at` is due: a calendar month or year later
/// (UTC; Stripe bills on the same day of the month, the month's last day when it has fewer);
/// `None` for a one-time gift.
pub fn next_installment(paid_at: i64, frequency: Frequency) -> Option<i64> {
    match frequency {
        Frequency::OneTime => None,
        Frequency::Monthly => crate::domain::time::months_later(paid_at, 1),
        Frequency::Annual => crate::domain::time::months_later(paid_at, 12),
    }
}

/// Until when a link mailed at `now` works: `ttl_secs` from now (`MANAGE_LINK_TTL`), and for a
/// recurring gift whose latest installment was paid at `paid_at`, at least until
/// [`AFTER_NEXT_INSTALLMENT_SECS`] after the next one is due, so that an annual donor's link
/// does not die ten months before the next receipt brings a new one.
pub fn expiry(now: i64, ttl_secs: i64, frequency: Frequency, paid_at: Option<i64>) -> i64 {
    let by_ttl = now.saturating_add(ttl_secs);
    paid_at
        .and_then(|at| next_installment(at, frequency))
        .map_or(by_ttl, |next| {
            by_ttl.max(next.saturating_add(AFTER_NEXT_INSTALLMENT_SECS))
        })
}

/// The donation a token was signed for, if the signature matches and `now` is before its expiry.
/// The signature is checked first (in constant time), so an altered expiry reads as invalid.
pub fn verify(secret: &[u8], token: &str, now: i64) -> Result<String, LinkError> {
    verify_as(secret, LinkKind::Gift, token, now)
}

/// The record a token of `kind` was signed for (see [`verify`]); a token of the other kind is
/// invalid.
pub fn verify_as(
    secret: &[u8],
    kind: LinkKind,
    token: &str,
    now: i64,
) -> Result<String, LinkError> {
    let mut parts = token.rsplitn(3, '.');
    let (Some(sig), Some(expiry), Some(donation_id)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(LinkError::Invalid);
    };
    let expires_at: i64 = expiry.parse().map_err(|_| LinkError::Invalid)?;
    let sig = hex::decode(sig).map_err(|_| LinkError::Invalid)?;
    if donation_id.is_empty() || expiry.starts_with(['+', '-']) {
        return Err(LinkError::Invalid);
    }
    mac(secret, kind, donation_id, expires_at)
        .verify_slice(&sig)
        .map_err(|_| LinkError::Invalid)?;
    if now >= expires_at {
        return Err(LinkError::Expired);
    }
    Ok(donation_id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn a_signed_link_names_its_donation_until_it_expires() {
        let t = sign(SECRET, "don_0193", 1_000);
        assert_eq!(verify(SECRET, &t, 999), Ok("don_0193".to_string()));
        assert_eq!(verify(SECRET, &t, 1_000), Err(LinkError::Expired));
    }

    #[test]
    fn altered_or_foreign_links_are_invalid() {
        let t = sign(SECRET, "don_a", 1_000);
        let later = t.replacen(".1000.", ".9000.", 1);
        assert_eq!(verify(SECRET, &later, 10), Err(LinkError::Invalid));
        let other = t.replacen("don_a", "don_b", 1);
        assert_eq!(verify(SECRET, &other, 10), Err(LinkError::Invalid));
        assert_eq!(
            verify(b"another secret of thirty-two byte", &t, 10),
            Err(LinkError::Invalid)
        );
        for bad in [
            "",
            "don_a",
            "don_a.1000",
            ".1000.00",
            "don_a.x.00",
            "don_a.1000.zz",
        ] {
            assert_eq!(verify(SECRET, bad, 10), Err(LinkError::Invalid), "{bad:?}");
        }
        let truncated = &t[..t.len() - 2];
        assert_eq!(verify(SECRET, truncated, 10), Err(LinkError::Invalid));
    }

    #[test]
    fn links_last_until_after_the_next_installment() {
        const DAY: i64 = 86_400;
        let ttl = 60 * DAY;
        // 2026-01-31 12:00 UTC: the next monthly installment is on February 28, the next
        // annual one on 2027-01-31.
        let paid = 1_769_860_800;
        let feb_28 = paid + 28 * DAY;
        assert_eq!(next_installment(paid, Frequency::Monthly), Some(feb_28));
        let next_year = paid + 365 * DAY;
        assert_eq!(next_installment(paid, Frequency::Annual), Some(next_year));
        assert_eq!(next_installment(paid, Frequency::OneTime), None);
        // Annual: a year and 30 days from the installment, not 60 days from sending.
        let now = paid + 3600;
        assert_eq!(
            expiry(now, ttl, Frequency::Annual, Some(paid)),
            next_year + 30 * DAY
        );
        // Monthly: the TTL is longer than the month and 30 days here, so it holds.
        assert_eq!(expiry(now, ttl, Frequency::Monthly, Some(paid)), now + ttl);
        assert_eq!(
            expiry(now, 10 * DAY, Frequency::Monthly, Some(paid)),
            feb_28 + 30 * DAY
        );
        // Nothing paid yet, or a one-time gift: the TTL.
        assert_eq!(expiry(now, ttl, Frequency::Annual, None), now + ttl);
        assert_eq!(expiry(now, ttl, Frequency::OneTime, Some(paid)), now + ttl);
        // A receipt mailed long after its installment still gets at least the TTL.
        let late = next_year + 100 * DAY;
        assert_eq!(expiry(late, ttl, Frequency::Annual, Some(paid)), late + ttl);
    }

    #[test]
    fn a_link_of_one_kind_opens_nothing_of_the_other() {
        let gift = sign(SECRET, "fr_1", 1_000);
        let page = sign_as(SECRET, LinkKind::Fundraiser, "fr_1", 1_000);
        assert_ne!(gift, page);
        assert_eq!(
            verify_as(SECRET, LinkKind::Fundraiser, &page, 10),
            Ok("fr_1".to_string())
        );
        assert_eq!(verify(SECRET, &page, 10), Err(LinkError::Invalid));
        assert_eq!(
            verify_as(SECRET, LinkKind::Fundraiser, &gift, 10),
            Err(LinkError::Invalid)
        );
        assert_eq!(
            verify_as(SECRET, LinkKind::Fundraiser, &page, 1_000),
            Err(LinkError::Expired)
        );
    }

    proptest! {
        #[test]
        fn changing_any_character_invalidates_a_link(i in 0usize..200, c in proptest::char::range('!', '~')) {
            let t = sign(SECRET, "don_0193abc", 5_000);
            let i = i % t.len();
            let mut chars: Vec<char> = t.chars().collect();
            prop_assume!(chars[i] != c);
            // Hex is case-insensitive to the decoder; a case change is the same signature.
            prop_assume!(!chars[i].eq_ignore_ascii_case(&c) || !chars[i].is_ascii_hexdigit());
            chars[i] = c;
            let altered: String = chars.into_iter().collect();
            prop_assert!(verify(SECRET, &altered, 10).is_err());
        }
    }
}
