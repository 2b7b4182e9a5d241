//! What a server keeps in memory of campaigns' public pages: the progress route's JSON body with
//! its ETag, and the donation page's HTML, so that most reads of them touch neither the database
//! nor the renderer nor the hash.
//!
//! An entry is served while both hold:
//! - nothing was committed in this process since it was read that changed a campaign or its
//!   figures (`Store::changes`, read before the database is): this server's own webhooks and
//!   edits show at once;
//! - it is younger than `PROGRESS_CACHE_TTL` (1 s by default), and no start or end date of its
//!   campaign has passed since: another server's commits show within that time, the same bound
//!   the route's `Cache-Control: max-age` already gives browsers and proxies.
//!
//! Only campaigns that exist are kept (a 404 is not cached), so the map holds one entry per
//! campaign and page at most. A supporter's page (`/donate/{campaign}/f/{page}`) and its
//! progress are kept the same way, under the key `{campaign}/f/{page}` (a slug has no `/`), and
//! by the same rules: its figures and its review are commits that change campaign figures.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::HeaderValue;

use crate::store::Campaign;

/// The progress route's answer: its JSON body and the ETag of it.
pub struct ProgressBody {
    pub json: Bytes,
    pub etag: HeaderValue,
}

/// The donation page as first rendered, around the one thing each view must have of its own:
/// the form's idempotency key (`prefix` + key + `suffix`).
pub struct PageBody {
    pub prefix: String,
    pub suffix: String,
}

impl PageBody {
    /// Splits a page rendered with `placeholder` as its key; `None` unless the placeholder is
    /// there exactly once.
    pub fn split(html: &str, placeholder: &str) -> Option<PageBody> {
        let (prefix, suffix) = html.split_once(placeholder)?;
        if suffix.contains(placeholder) {
            return None;
        }
        Some(PageBody {
            prefix: prefix.to_string(),
            suffix: suffix.to_string(),
        })
    }

    /// The page with `key` in place.
    pub fn with_key(&self, key: &str) -> String {
        let mut html = String::with_capacity(self.prefix.len() + key.len() + self.suffix.len());
        html.push_str(&self.prefix);
        html.push_str(key);
        html.push_str(&self.suffix);
        html
    }
}

/// Both caches of a server.
pub struct PublicReads {
    pub progress: ReadCache<ProgressBody>,
    pub pages: ReadCache<PageBody>,
}

impl PublicReads {
    pub fn new(ttl: Duration) -> PublicReads {
        PublicReads {
            progress: ReadCache::new(ttl),
            pages: ReadCache::new(ttl),
        }
    }
}

/// Values by campaign slug (or supporter's page key), each valid until its deadline and while the store's change count is
/// the one it was read at.
pub struct ReadCache<V> {
    ttl: Duration,
    entries: RwLock<HashMap<String, Cached<V>>>,
}

struct Cached<V> {
    value: Arc<V>,
    changes: u64,
    until: Instant,
}

impl<V> ReadCache<V> {
    pub fn new(ttl: Duration) -> ReadCache<V> {
        ReadCache {
            ttl,
            entries: RwLock::new(HashMap::new()),
        }
    }

    /// The value kept for `slug`, if it is still good with the store at `changes` and the
    /// clock at `now`.
    pub fn get(&self, slug: &str, changes: u64, now: Instant) -> Option<Arc<V>> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(slug)
            .filter(|c| c.changes == changes && now < c.until)
            .map(|c| c.value.clone())
    }

    /// Keeps `value`, read from the store when its change count was `changes` (read before the
    /// store was), for `campaign` as of `now` (unix seconds `unix_now`); returns it shared.
    pub fn put(
        &self,
        campaign: &Campaign,
        value: V,
        changes: u64,
        now: Instant,
        unix_now: i64,
    ) -> Arc<V> {
        self.put_as(&campaign.slug, campaign, value, changes, now, unix_now)
    }

    /// [`ReadCache::put`] under `key` (a supporter's page of `campaign`: `{campaign}/f/{page}`).
    pub fn put_as(
        &self,
        key: &str,
        campaign: &Campaign,
        value: V,
        changes: u64,
        now: Instant,
        unix_now: i64,
    ) -> Arc<V> {
        let value = Arc::new(value);
        if self.ttl.is_zero() {
            return value;
        }
        let entry = Cached {
            value: value.clone(),
            changes,
            until: now + lifetime(campaign, self.ttl, unix_now),
        };
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        // A newer store state wins over an older one read by a slower request.
        let keep_old = entries.get(key).is_some_and(|old| old.changes > changes);
        if !keep_old {
            entries.insert(key.to_string(), entry);
        }
        value
    }
}

/// How long a campaign's figures may be kept: `ttl`, cut short by the next start or end date of
/// the campaign (when it begins or stops taking gifts, its page and status change).
fn lifetime(campaign: &Campaign, ttl: Duration, unix_now: i64) -> Duration {
    [campaign.starts_at, campaign.ends_at]
        .into_iter()
        .flatten()
        .filter(|t| *t >= unix_now)
        .map(|t| Duration::from_secs((t - unix_now) as u64))
        .fold(ttl, Duration::min)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn campaign(starts_at: Option<i64>, ends_at: Option<i64>) -> Campaign {
        Campaign {
            starts_at,
            ends_at,
            ..Campaign::sample("spring", "Spring", 100_000)
        }
    }

    #[test]
    fn an_entry_is_served_until_a_change_or_its_deadline() {
        let cache = ReadCache::new(Duration::from_secs(1));
        let c = campaign(None, None);
        let t0 = Instant::now();
        cache.put(&c, "v1", 7, t0, 1_000);
        assert_eq!(cache.get("spring", 7, t0).as_deref(), Some(&"v1"));
        assert_eq!(cache.get("spring", 8, t0), None, "a commit in this process");
        assert_eq!(
            cache.get("spring", 7, t0 + Duration::from_secs(1)),
            None,
            "too old"
        );
        assert_eq!(cache.get("autumn", 7, t0), None);
        // An older read does not replace a newer one.
        cache.put(&c, "v2", 9, t0, 1_000);
        cache.put(&c, "v0", 8, t0, 1_000);
        assert_eq!(cache.get("spring", 9, t0).as_deref(), Some(&"v2"));
    }

    #[test]
    fn a_campaign_starting_or_ending_soon_is_kept_only_until_then() {
        let ttl = Duration::from_secs(10);
        assert_eq!(
            lifetime(&campaign(None, Some(1_003)), ttl, 1_000),
            Duration::from_secs(3)
        );
        assert_eq!(
            lifetime(&campaign(Some(1_001), Some(1_005)), ttl, 1_000),
            Duration::from_secs(1)
        );
        // Dates past, or far away, leave the lifetime as it is.
        assert_eq!(
            lifetime(&campaign(Some(900), Some(50_000)), ttl, 1_000),
            ttl
        );
    }

    #[test]
    fn no_ttl_keeps_nothing() {
        let cache = ReadCache::new(Duration::ZERO);
        let t0 = Instant::now();
        assert_eq!(*cache.put(&campaign(None, None), 1, 0, t0, 0), 1);
        assert_eq!(cache.get("spring", 0, t0), None);
    }

    #[test]
    fn a_page_is_split_around_its_key_once() {
        let page = PageBody::split("<a>KEY</a>", "KEY").unwrap();
        assert_eq!(page.with_key("k-1"), "<a>k-1</a>");
        assert!(PageBody::split("<a>KEY KEY</a>", "KEY").is_none());
        assert!(PageBody::split("<a></a>", "KEY").is_none());
    }
}
