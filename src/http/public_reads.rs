//! What a server keeps in memory of campaigns' public pages: the progress route's JSON body with
//! its ETag, and the donation page's HTML in each language it was read in, so that most reads of
//! them touch neither the database nor the renderer nor the hash.
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
//! campaign and page at most (per campaign and language for a page: the languages are those of
//! `locales/`, a fixed set). A supporter's page (`/donate/{campaign}/f/{page}`) and its progress
//! are kept the same way, under the slug `{campaign}/f/{page}` (a slug has no `/`; the page in
//! each language, like the donation page), and by the same rules: its figures and its review
//! are commits that change campaign figures.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::HeaderValue;

use crate::i18n::Lang;
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

/// Which donation page is kept: a campaign's, in one language (its text, amounts and dates,
/// links and form field are the language's own).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub slug: String,
    pub lang: Lang,
}

impl PageKey {
    pub fn new(slug: &str, lang: Lang) -> PageKey {
        PageKey {
            slug: slug.to_string(),
            lang,
        }
    }
}

/// Both caches of a server: progress by campaign slug, donation pages by [`PageKey`].
pub struct PublicReads {
    pub progress: ReadCache<String, ProgressBody>,
    pub pages: ReadCache<PageKey, PageBody>,
}

impl PublicReads {
    pub fn new(ttl: Duration) -> PublicReads {
        PublicReads {
            progress: ReadCache::new(ttl),
            pages: ReadCache::new(ttl),
        }
    }
}

/// Values of campaigns and supporters' pages by key (`K`: a slug, or a slug and a language),
/// each valid until its deadline and while the store's change count is the one it was read at.
pub struct ReadCache<K, V> {
    ttl: Duration,
    entries: RwLock<HashMap<K, Cached<V>>>,
}

struct Cached<V> {
    value: Arc<V>,
    changes: u64,
    until: Instant,
}

impl<K: Eq + Hash, V> ReadCache<K, V> {
    pub fn new(ttl: Duration) -> ReadCache<K, V> {
        ReadCache {
            ttl,
            entries: RwLock::new(HashMap::new()),
        }
    }

    /// The value kept for `key`, if it is still good with the store at `changes` and the
    /// clock at `now`.
    pub fn get<Q>(&self, key: &Q, changes: u64, now: Instant) -> Option<Arc<V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|c| c.changes == changes && now < c.until)
            .map(|c| c.value.clone())
    }

    /// Keeps `value` as `key`'s, read from the store when its change count was `changes` (read
    /// before the store was), for `campaign` as of `now` (unix seconds `unix_now`); returns it
    /// shared.
    pub fn put(
        &self,
        campaign: &Campaign,
        key: K,
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
        let keep_old = entries.get(&key).is_some_and(|old| old.changes > changes);
        if !keep_old {
            entries.insert(key, entry);
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
        let cache: ReadCache<String, &str> = ReadCache::new(Duration::from_secs(1));
        let c = campaign(None, None);
        let t0 = Instant::now();
        cache.put(&c, "spring".into(), "v1", 7, t0, 1_000);
        assert_eq!(cache.get("spring", 7, t0).as_deref(), Some(&"v1"));
        assert_eq!(cache.get("spring", 8, t0), None, "a commit in this process");
        assert_eq!(
            cache.get("spring", 7, t0 + Duration::from_secs(1)),
            None,
            "too old"
        );
        assert_eq!(cache.get("autumn", 7, t0), None);
        // An older read does not replace a newer one.
        cache.put(&c, "spring".into(), "v2", 9, t0, 1_000);
        cache.put(&c, "spring".into(), "v0", 8, t0, 1_000);
        assert_eq!(cache.get("spring", 9, t0).as_deref(), Some(&"v2"));
    }

    #[test]
    fn a_page_is_kept_per_campaign_and_language() {
        let es = Lang::parse("es").expect("Spanish");
        let cache: ReadCache<PageKey, &str> = ReadCache::new(Duration::from_secs(1));
        let c = campaign(None, None);
        let t0 = Instant::now();
        cache.put(
            &c,
            PageKey::new("spring", Lang::ENGLISH),
            "en",
            7,
            t0,
            1_000,
        );
        assert_eq!(cache.get(&PageKey::new("spring", es), 7, t0), None);
        cache.put(&c, PageKey::new("spring", es), "es", 7, t0, 1_000);
        for (lang, want) in [(Lang::ENGLISH, "en"), (es, "es")] {
            assert_eq!(
                cache.get(&PageKey::new("spring", lang), 7, t0).as_deref(),
                Some(&want)
            );
            // A commit in this process drops every language's page.
            assert_eq!(cache.get(&PageKey::new("spring", lang), 8, t0), None);
        }
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
        let cache: ReadCache<String, i32> = ReadCache::new(Duration::ZERO);
        let t0 = Instant::now();
        assert_eq!(
            *cache.put(&campaign(None, None), "spring".into(), 1, 0, t0, 0),
            1
        );
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
