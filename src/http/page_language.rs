//! The language of a donor page ([`PageLanguage`]): `?lang=` when it names a language we have
//! (the language switcher, the return from checkout), else a choice the page knows (the form's
//! hidden `lang`, the gift's own language), else the browser's `Accept-Language`, else English;
//! and the language switcher's links ([`switcher`]). The rules of choosing are `i18n::negotiate`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

use crate::i18n::{Lang, negotiate};

/// The language a donor page is shown in, and whether it was chosen (by `?lang=`, a form field
/// or a gift) rather than guessed from the browser: a chosen one is carried on in the page's
/// links and forms.
#[derive(Debug, Clone)]
pub struct PageLanguage {
    pub lang: Lang,
    pub chosen: bool,
    /// The language the browser's own preference gives.
    browser: Lang,
    accept_language: Option<String>,
}

/// The browser's `Accept-Language`, if it sent one that is text.
pub fn accept_language(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
}

/// The `lang` of a query string (`donation=...&lang=es`).
fn lang_param(query: Option<&str>) -> Option<String> {
    form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == "lang")
        .map(|(_, v)| v.into_owned())
}

impl PageLanguage {
    /// From a request's `?lang=` and `Accept-Language`.
    pub fn of(query: Option<&str>, headers: &HeaderMap) -> PageLanguage {
        let accept_language = accept_language(headers).map(str::to_string);
        let asked = lang_param(query).and_then(|t| Lang::parse(&t));
        let browser = negotiate::choose(None, accept_language.as_deref());
        PageLanguage {
            lang: asked.unwrap_or(browser),
            chosen: asked.is_some(),
            browser,
            accept_language,
        }
    }

    /// With a choice the page knows (a form's `lang`, the gift's language), unless `?lang=`
    /// chose already; one we do not have changes nothing.
    pub fn or_chosen(self, tag: Option<&str>) -> PageLanguage {
        match tag.and_then(Lang::parse) {
            Some(lang) if !self.chosen => PageLanguage {
                lang,
                chosen: true,
                ..self
            },
            _ => self,
        }
    }

    /// `?lang=xx` (or `&lang=xx` after `sep`) for a link of this page, when the language was
    /// chosen; nothing when the browser's own preference chooses it anyway.
    pub fn carry(&self, sep: char) -> String {
        if self.chosen && self.lang != self.browser {
            format!("{sep}lang={}", self.lang.tag())
        } else {
            String::new()
        }
    }

    /// The browser's `Accept-Language`, as sent.
    pub fn accept_language(&self) -> Option<&str> {
        self.accept_language.as_deref()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageLanguage {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PageLanguage::of(parts.uri.query(), &parts.headers))
    }
}

/// One language in the switcher: its own name, and this page in it.
#[derive(Debug, Clone)]
pub struct LanguageLink {
    pub tag: &'static str,
    pub name: String,
    pub href: String,
    pub current: bool,
}

/// The switcher of a page at `path` (with `query`, whose own `lang` is replaced): each language,
/// named in itself, linking to this page in it. An empty `path` links relatively (`?lang=es`),
/// for a page that must not repeat its own address.
pub fn switcher(current: Lang, path: &str, query: &[(&str, &str)]) -> Vec<LanguageLink> {
    Lang::all()
        .map(|lang| {
            let mut q = form_urlencoded::Serializer::new(String::new());
            for (k, v) in query.iter().filter(|(k, _)| *k != "lang") {
                q.append_pair(k, v);
            }
            q.append_pair("lang", lang.tag());
            LanguageLink {
                tag: lang.tag(),
                name: lang.name(),
                href: format!("{path}?{}", q.finish()),
                current: lang == current,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(accept: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_str(accept).unwrap(),
        );
        h
    }

    #[test]
    fn the_query_then_a_known_choice_then_the_browser() {
        let es = Lang::parse("es").unwrap();
        let p = PageLanguage::of(Some("donation=d&lang=es"), &headers("en-US"));
        assert_eq!((p.lang, p.chosen), (es, true));
        assert_eq!(p.carry('?'), "?lang=es");
        // Chosen, but the browser would choose it anyway: links need not say it.
        assert_eq!(
            PageLanguage::of(Some("lang=es"), &headers("es")).carry('?'),
            ""
        );
        // ?lang= wins over the gift's language.
        let p = p.or_chosen(Some("en"));
        assert_eq!(p.lang, es);
        let p = PageLanguage::of(None, &headers("es-MX,es;q=0.9"));
        assert_eq!((p.lang, p.chosen), (es, false));
        assert_eq!(p.carry('&'), "");
        let p = p.or_chosen(Some("en"));
        assert_eq!((p.lang, p.chosen), (Lang::ENGLISH, true));
        assert_eq!(p.carry('&'), "&lang=en");
        // A language we do not have is no choice.
        let p = PageLanguage::of(Some("lang=tlh"), &headers("es")).or_chosen(Some("xx"));
        assert_eq!((p.lang, p.chosen), (es, false));
    }

    #[test]
    fn the_switcher_links_this_page_in_each_language() {
        let links = switcher(
            Lang::ENGLISH,
            "/donate/demo/thanks",
            &[("donation", "d 1"), ("lang", "en")],
        );
        assert_eq!(links.len(), Lang::all().count());
        assert_eq!(links[0].href, "/donate/demo/thanks?donation=d+1&lang=en");
        assert!(links[0].current);
        let es = links.iter().find(|l| l.tag == "es").unwrap();
        assert_eq!(es.href, "/donate/demo/thanks?donation=d+1&lang=es");
        assert_eq!(es.name, "Español");
        assert!(!es.current);
    }
}
