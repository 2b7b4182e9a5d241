//! Which language a request gets: an explicit choice (`?lang=`, a form's hidden field, the
//! language stored with a gift) wins; otherwise the browser's `Accept-Language`, by its quality
//! values (RFC 9110, 12.5.4), matched against the languages we have (RFC 4647 filtering, as
//! fluent-langneg does it: `es-MX` is served `es`); otherwise English.

use fluent_langneg::{NegotiationStrategy, negotiate_languages};
use fluent_templates::LanguageIdentifier;

use super::{AVAILABLE, Lang};

/// The most a header is read for: a longer one is cut (its least preferred languages last).
const MAX_RANGES: usize = 32;

/// The language ranges of an `Accept-Language` header, most preferred first: ordered by `q`
/// (ties keep the header's order), without those of `q=0` (not acceptable) or that do not parse,
/// and without `*` (any language: the default serves it).
pub fn accepted(header: &str) -> Vec<LanguageIdentifier> {
    let mut ranges: Vec<(u16, usize, LanguageIdentifier)> = header
        .split(',')
        .take(MAX_RANGES)
        .enumerate()
        .filter_map(|(i, item)| {
            let mut parts = item.split(';');
            let tag = parts.next()?.trim();
            let q = parts
                .filter_map(|p| {
                    let (k, v) = p.split_once('=')?;
                    k.trim()
                        .eq_ignore_ascii_case("q")
                        .then(|| quality(v.trim()))
                })
                .next()
                .unwrap_or(Some(1000))?;
            if q == 0 || tag.is_empty() || tag == "*" {
                return None;
            }
            Some((q, i, tag.parse().ok()?))
        })
        .collect();
    ranges.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    ranges.into_iter().map(|(_, _, id)| id).collect()
}

/// A quality value in thousandths (`0.8` is 800), `None` if it is not one (`0` to `1` with at
/// most three decimals).
fn quality(v: &str) -> Option<u16> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{frac:0<3}").parse::<u16>().ok()?;
    match int {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// The first of `requested` (most preferred first) that we have a language for.
pub fn best<S: AsRef<str>>(requested: impl IntoIterator<Item = S>) -> Option<Lang> {
    let requested: Vec<LanguageIdentifier> = requested
        .into_iter()
        .filter_map(|t| t.as_ref().parse().ok())
        .collect();
    best_of(&requested)
}

fn best_of(requested: &[LanguageIdentifier]) -> Option<Lang> {
    let available = &AVAILABLE.ids;
    let matched = negotiate_languages(requested, available, None, NegotiationStrategy::Filtering);
    let first = *matched.first()?;
    available.iter().position(|id| id == first).map(Lang)
}

/// The language for a request: `explicit` (`?lang=`, a hidden field, a stored choice) if it is
/// one we have, else the best of `accept_language`, else English.
pub fn choose(explicit: Option<&str>, accept_language: Option<&str>) -> Lang {
    explicit
        .and_then(Lang::parse)
        .or_else(|| accept_language.and_then(|h| best_of(&accepted(h))))
        .unwrap_or_default()
}
