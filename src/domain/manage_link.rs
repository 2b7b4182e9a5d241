//! Donors' self-service links: `<donation id>.<expiry>.<signature>`, where the signature is an
//! HMAC-SHA256, under a server secret, of the donation id and the expiry. The link is the donor's
//! only credential, so it names one donation, cannot be altered, and stops working when it expires.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Not a link of ours, or altered: the signature does not match.
    #[error("this link is not valid; it may have been copied incompletely or altered")]
    Invalid,
    /// Genuine, but past its expiry.
    #[error("this link has expired")]
    Expired,
}

fn mac(secret: &[u8], donation_id: &str, expires_at: i64) -> HmacSha256 {
    // HMAC takes a key of any length, so this cannot fail.
    let mut m = HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length");
    m.update(format!("manage:v1:{donation_id}:{expires_at}").as_bytes());
    m
}

/// A link token for `donation_id` that is valid until `expires_at` (unix seconds).
pub fn sign(secret: &[u8], donation_id: &str, expires_at: i64) -> String {
    let sig = hex::encode(mac(secret, donation_id, expires_at).finalize().into_bytes());
    format!("{donation_id}.{expires_at}.{sig}")
}

/// The self-service page's address for a donation: `{base}/manage/{token}`.
pub fn url(public_base_url: &str, secret: &[u8], donation_id: &str, expires_at: i64) -> String {
    format!(
        "{}/manage/{}",
        public_base_url.trim_end_matches('/'),
        sign(secret, donation_id, expires_at)
    )
}

/// The donation a token was signed for, if the signature matches and `now` is before its expiry.
/// The signature is checked first (in constant time), so an altered expiry reads as invalid.
pub fn verify(secret: &[u8], token: &str, now: i64) -> Result<String, LinkError> {
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
    mac(secret, donation_id, expires_at)
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
