//! The donor's language: the donor pages and every donor email in English, Spanish, or any
//! language with a file in `locales/` (Fluent messages, embedded in the binary at compile time by
//! fluent-templates). This module owns which languages exist ([`Lang`]), how one is chosen for a
//! request (`?lang=`, a choice stored with a gift, `Accept-Language`: [`negotiate`]), the
//! messages themselves ([`Tr`], [`Args`]) and how amounts and dates are written in each language
//! ([`format`]). Staff pages and the JSON API's error details stay English.
//!
//! A new language is one file, `locales/<tag>.ftl`, with every message of `locales/en.ftl` (a
//! test fails on a missing one). Its number and date formats are messages of that file too.

pub mod format;
pub mod negotiate;
mod text;

use std::sync::LazyLock;

use fluent_templates::{LanguageIdentifier, Loader};

pub use text::{Args, Tr, Value};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // No Unicode isolation marks around placeables: the text goes into emails and HTML,
        // where they would show up as stray characters in some clients.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The language every message exists in, and the one used when nothing else is known.
const DEFAULT_TAG: &str = "en";

/// The languages there are messages for: English first, then by tag.
struct Available {
    ids: Vec<LanguageIdentifier>,
    tags: Vec<&'static str>,
}

static AVAILABLE: LazyLock<Available> = LazyLock::new(|| {
    let mut ids: Vec<LanguageIdentifier> = LOCALES.locales().cloned().collect();
    ids.sort_by_key(|id| {
        let tag = id.to_string();
        (tag != DEFAULT_TAG, tag)
    });
    let tags = ids
        .iter()
        .map(|id| &*Box::leak(id.to_string().into_boxed_str()))
        .collect();
    Available { ids, tags }
});

/// One of the languages there are messages for (`locales/<tag>.ftl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lang(usize);

impl Default for Lang {
    fn default() -> Self {
        Lang::ENGLISH
    }
}

impl Lang {
    /// English: the default, and the language of staff pages.
    pub const ENGLISH: Lang = Lang(0);

    /// Every language, English first.
    pub fn all() -> impl Iterator<Item = Lang> {
        (0..AVAILABLE.ids.len()).map(Lang)
    }

    /// Its tag as stored and put in `?lang=` and `<html lang>`: `en`, `es`.
    pub fn tag(self) -> &'static str {
        AVAILABLE.tags[self.0]
    }

    pub(crate) fn id(self) -> &'static LanguageIdentifier {
        &AVAILABLE.ids[self.0]
    }

    /// The language a tag names, or the nearest one there are messages for (`es-MX` is `es`);
    /// `None` for a tag of no language we have.
    pub fn parse(tag: &str) -> Option<Lang> {
        negotiate::best([tag.trim()])
    }

    /// The language stored with a gift (or asked for with a request), English if it is no
    /// longer one we have.
    pub fn stored(tag: &str) -> Lang {
        Lang::parse(tag).unwrap_or_default()
    }

    /// The language's own name for itself ("Español"), for the language switcher.
    pub fn name(self) -> String {
        self.msg("language-name", &Args::new())
    }

    /// A message as plain text (no markup; values as they are), for subjects and the strings
    /// that Rust code puts together.
    pub fn msg(self, key: &str, args: &Args) -> String {
        text::format(self, key, args, None, text::Markup::Text)
    }
}

#[cfg(test)]
mod tests;
