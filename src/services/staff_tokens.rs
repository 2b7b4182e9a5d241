//! Staff API tokens: 32 random bytes shown once, stored only as a SHA-256 hash. And the
//! secrets of one-time sign-in links: derived (HMAC-SHA-256) from the server's link secret and
//! the link's random id, so that the email can be rendered when it is sent from the id alone,
//! and stored, like tokens, only as a SHA-256 hash.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const TOKEN_PREFIX: &str = "dst_";
/// The prefix of a sign-in link's secret.
pub const LINK_PREFIX: &str = "dsl_";

/// 32 random bytes in hex: a session id, or a CSRF token.
pub fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A new sign-in link id: 16 random bytes in hex (not itself a secret).
pub fn new_link_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The secret of link `link_id` under `server_secret`: `dsl_` and 64 hex digits. Labelled, so it
/// can never equal a self-service link's MAC made with the same key.
pub fn link_secret(server_secret: &[u8], link_id: &str) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(server_secret).expect("HMAC accepts any key length");
    m.update(b"donations staff sign-in link\0");
    m.update(link_id.as_bytes());
    format!("{LINK_PREFIX}{}", hex::encode(m.finalize().into_bytes()))
}

/// Whether a presented link secret has the shape of ours.
pub fn well_formed_link(secret: &str) -> bool {
    secret.len() == LINK_PREFIX.len() + 64
        && secret.starts_with(LINK_PREFIX)
        && secret[LINK_PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_hexdigit())
}

/// A new token (to show once) and the hash to store.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!("{TOKEN_PREFIX}{}", hex::encode(bytes));
    let hash = hash_token(&token);
    (token, hash)
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether a presented token has the shape of ours (cheap rejection before any lookup).
pub fn well_formed(token: &str) -> bool {
    token.len() == TOKEN_PREFIX.len() + 64
        && token.starts_with(TOKEN_PREFIX)
        && token[TOKEN_PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_well_formed_and_hashed() {
        let (a, ha) = new_token();
        let (b, hb) = new_token();
        assert_ne!(a, b);
        assert!(well_formed(&a) && well_formed(&b));
        assert_eq!(ha, hash_token(&a));
        assert_ne!(ha, hb);
        assert!(!ha.contains(&a[4..]));
        assert!(!well_formed("dst_short"));
        assert!(!well_formed(&a.replace("dst_", "xyz_")));
    }

    #[test]
    fn link_secrets_depend_on_the_key_and_the_id_and_are_well_formed() {
        let a = link_secret(b"key-one", "id1");
        assert_eq!(a, link_secret(b"key-one", "id1"));
        assert_ne!(a, link_secret(b"key-two", "id1"));
        assert_ne!(a, link_secret(b"key-one", "id2"));
        assert!(well_formed_link(&a), "{a}");
        assert!(!well_formed(&a), "a link is not an API token");
        assert!(!well_formed_link(&new_token().0));
        assert_ne!(new_link_id(), new_link_id());
        assert_eq!(new_link_id().len(), 32);
    }
}
