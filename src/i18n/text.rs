//! Messages in a language, with their values, for templates ([`Tr`]) and for Rust code
//! ([`Lang::msg`]).
//!
//! Escaping stays with askama's rules: a message's own text is ours (from `locales/`) and may
//! carry a little markup (`<strong>`, a link); the values put into it are not ours (a donor's
//! name, a tribute message) and are escaped in HTML. So values go into Fluent as placeholders,
//! and once Fluent has formatted the message, HTML output keeps the message's markup and gets
//! each value escaped, while text output (plain-text emails, subjects) drops the markup and gets
//! each value as it is.

use std::borrow::Cow;
use std::collections::HashMap;

use askama::filters::{Escaper, Html, Safe};
use fluent_templates::fluent_bundle::FluentValue;

use super::{LOCALES, Lang, format};

/// A value a message may name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Shown: escaped in HTML.
    Text(String),
    /// A count (`{ $donors -> [one] ... }` selects by it): shown as digits.
    Number(i64),
    /// A word of ours that a message selects a variant by (`monthly`, `yes`): never user text.
    Word(Cow<'static, str>),
}

/// The values of a message, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Args(Vec<(&'static str, Value)>);

impl Args {
    pub fn new() -> Self {
        Args(Vec::new())
    }

    fn with(mut self, name: &'static str, value: Value) -> Self {
        self.set(name, value);
        self
    }

    /// Sets `name`, replacing any value it had.
    pub fn set(&mut self, name: &'static str, value: Value) {
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name, value)),
        }
    }

    pub fn text(self, name: &'static str, value: impl Into<String>) -> Self {
        self.with(name, Value::Text(value.into()))
    }

    pub fn number(self, name: &'static str, value: i64) -> Self {
        self.with(name, Value::Number(value))
    }

    pub fn word(self, name: &'static str, value: impl Into<Cow<'static, str>>) -> Self {
        self.with(name, Value::Word(value.into()))
    }

    /// `yes` or `no`, for a message's optional parts (`{ $anonymous -> [yes] ... *[no] {""} }`).
    pub fn flag(self, name: &'static str, on: bool) -> Self {
        self.word(name, if on { "yes" } else { "no" })
    }

    fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

/// How a formatted message is written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Markup {
    Html,
    Text,
}

// A value's placeholder in Fluent's output: private-use characters that neither messages nor
// values contain (values have them removed).
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// `key` in `lang` with `base` and `extra` values (`extra` first); English if `lang` lacks it,
/// and the key itself if English does too (each logged: a test keeps every language complete).
pub(super) fn format(
    lang: Lang,
    key: &str,
    base: &Args,
    extra: Option<&Args>,
    markup: Markup,
) -> String {
    let mut shown: Vec<&str> = Vec::new();
    let mut fluent: HashMap<&str, FluentValue> = HashMap::new();
    let all = extra.into_iter().chain([base]).flat_map(|a| a.0.iter());
    for (name, value) in all {
        if fluent.contains_key(name) {
            continue;
        }
        let v = match value {
            Value::Text(s) => {
                shown.push(s);
                FluentValue::from(format!("{OPEN}{}{CLOSE}", shown.len() - 1))
            }
            Value::Number(n) => FluentValue::from(*n),
            Value::Word(w) => FluentValue::from(w.as_ref()),
        };
        fluent.insert(name, v);
    }
    let formatted = LOCALES
        .lookup_single_language(lang.id(), key, Some(&fluent))
        .or_else(|e| {
            tracing::error!(language = lang.tag(), key, error = %e, "message missing or broken; English used");
            LOCALES.lookup_single_language(Lang::ENGLISH.id(), key, Some(&fluent))
        })
        .unwrap_or_else(|e| {
            tracing::error!(key, error = %e, "message missing or broken in English");
            key.to_string()
        });
    let formatted = match markup {
        Markup::Html => formatted,
        Markup::Text => strip_tags(&formatted),
    };
    fill(&formatted, &shown, markup)
}

/// `s` without its tags (`<strong>`, `</a>`): a message's markup, which plain text has no use for.
pub(super) fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Puts each value in its placeholder, escaped for HTML or as it is.
fn fill(s: &str, shown: &[&str], markup: Markup) -> String {
    let mut out = String::with_capacity(s.len() + shown.iter().map(|v| v.len()).sum::<usize>());
    let mut rest = s;
    while let Some(open) = rest.find(OPEN) {
        out.push_str(&rest[..open]);
        let after = &rest[open + OPEN.len_utf8()..];
        let Some(close) = after.find(CLOSE) else {
            rest = after;
            continue;
        };
        let value = after[..close]
            .parse::<usize>()
            .ok()
            .and_then(|i| shown.get(i))
            .copied()
            .unwrap_or_default();
        let value = value.replace([OPEN, CLOSE], "");
        match markup {
            // As askama escapes a value in a template.
            Markup::Html => {
                let _ = Html.write_escaped_str(&mut out, &value);
            }
            Markup::Text => out.push_str(&value),
        }
        rest = &after[close + CLOSE.len_utf8()..];
    }
    out.push_str(rest);
    out
}

/// A template's messages: its language, whether it is HTML or plain text, and the values its
/// messages may name (`{{ tr.t("donate-title") }}`; a loop's own values with
/// `{{ tr.t_with("wall-gave", row.args) }}`).
#[derive(Debug, Clone)]
pub struct Tr {
    lang: Lang,
    markup: Markup,
    args: Args,
}

impl Tr {
    /// For an HTML template (values escaped; askama does not escape the result again).
    pub fn html(lang: Lang, args: Args) -> Tr {
        Tr {
            lang,
            markup: Markup::Html,
            args,
        }
    }

    /// For a plain-text template.
    pub fn text(lang: Lang, args: Args) -> Tr {
        Tr {
            lang,
            markup: Markup::Text,
            args,
        }
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The language's tag, for `<html lang>`.
    pub fn tag(&self) -> &'static str {
        self.lang.tag()
    }

    /// Message `key` with the template's values.
    pub fn t(&self, key: &str) -> Safe<String> {
        Safe(format(self.lang, key, &self.args, None, self.markup))
    }

    /// Message `key` with `extra` values beside the template's.
    pub fn t_with(&self, key: &str, extra: &Args) -> Safe<String> {
        Safe(format(self.lang, key, &self.args, Some(extra), self.markup))
    }

    /// An amount as this language writes it (`$1,234.56`).
    pub fn money(&self, minor: i64, currency: &str) -> String {
        format::money(self.lang, minor, currency)
    }

    /// A value of the template, if it has one (tests).
    pub fn value(&self, name: &str) -> Option<&Value> {
        self.args.get(name)
    }
}
