//! Every language is complete (the messages of `en.ftl`, each with its attributes, and no value
//! that the code does not give), every message the templates and code name exists, and the
//! formats and the negotiation do what the module promises.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use fluent_syntax::ast;

use super::format::{decimal, long_date, money};
use super::negotiate::{accepted, choose};
use super::*;

fn locales_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("locales")
}

/// A message's (or term's) attributes and the variables its value and attributes name.
#[derive(Debug, Default)]
struct Shape {
    attributes: BTreeSet<String>,
    variables: BTreeSet<String>,
}

fn variables_of_pattern(p: &ast::Pattern<&str>, out: &mut BTreeSet<String>) {
    for e in &p.elements {
        if let ast::PatternElement::Placeable { expression } = e {
            variables_of_expression(expression, out);
        }
    }
}

fn variables_of_expression(e: &ast::Expression<&str>, out: &mut BTreeSet<String>) {
    match e {
        ast::Expression::Select { selector, variants } => {
            variables_of_inline(selector, out);
            for v in variants {
                variables_of_pattern(&v.value, out);
            }
        }
        ast::Expression::Inline(i) => variables_of_inline(i, out),
    }
}

fn variables_of_inline(i: &ast::InlineExpression<&str>, out: &mut BTreeSet<String>) {
    match i {
        ast::InlineExpression::VariableReference { id } => {
            out.insert(id.name.to_string());
        }
        ast::InlineExpression::Placeable { expression } => variables_of_expression(expression, out),
        ast::InlineExpression::FunctionReference { arguments, .. }
        | ast::InlineExpression::TermReference {
            arguments: Some(arguments),
            ..
        } => {
            for a in &arguments.positional {
                variables_of_inline(a, out);
            }
            for a in &arguments.named {
                variables_of_inline(&a.value, out);
            }
        }
        _ => {}
    }
}

/// Each `locales/<tag>.ftl`: its messages and terms by id.
fn shapes() -> BTreeMap<String, BTreeMap<String, Shape>> {
    let mut all = BTreeMap::new();
    for entry in std::fs::read_dir(locales_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "ftl") {
            continue;
        }
        let tag = path.file_stem().unwrap().to_string_lossy().to_string();
        let source = std::fs::read_to_string(&path).unwrap();
        let resource = fluent_syntax::parser::parse(source.as_str())
            .unwrap_or_else(|(_, errors)| panic!("{}: {errors:?}", path.display()));
        let mut messages = BTreeMap::new();
        for entry in &resource.body {
            let (id, value, attributes) = match entry {
                ast::Entry::Message(m) => (m.id.name.to_string(), m.value.as_ref(), &m.attributes),
                ast::Entry::Term(t) => (format!("-{}", t.id.name), Some(&t.value), &t.attributes),
                _ => continue,
            };
            let mut shape = Shape::default();
            if let Some(v) = value {
                variables_of_pattern(v, &mut shape.variables);
            }
            for a in attributes {
                shape.attributes.insert(a.id.name.to_string());
                variables_of_pattern(&a.value, &mut shape.variables);
            }
            assert!(
                messages.insert(id.clone(), shape).is_none(),
                "{tag}: {id} twice"
            );
        }
        all.insert(tag, messages);
    }
    all
}

#[test]
fn every_language_has_every_message_and_no_unknown_value() {
    let all = shapes();
    let english = &all["en"];
    assert!(
        all.len() >= 2,
        "English and Spanish at least: {:?}",
        all.keys()
    );
    for (tag, messages) in &all {
        let missing: Vec<_> = english
            .keys()
            .filter(|k| !messages.contains_key(*k))
            .collect();
        assert!(missing.is_empty(), "locales/{tag}.ftl lacks {missing:?}");
        let extra: Vec<_> = messages
            .keys()
            .filter(|k| !english.contains_key(*k))
            .collect();
        assert!(
            extra.is_empty(),
            "locales/{tag}.ftl has {extra:?}, which en.ftl has not"
        );
        for (id, shape) in messages {
            let en = &english[id];
            assert_eq!(
                shape.attributes, en.attributes,
                "locales/{tag}.ftl: {id}'s attributes"
            );
            // A translation may leave a value out, never name one the code does not give: the
            // values of English's message, and the field and its label, which every field
            // error is given (`http::donor::field_errors`) though English may need only one.
            let mut given = en.variables.clone();
            if id.starts_with("field-error-") {
                given.extend(["field".to_string(), "label".to_string()]);
            }
            let unknown: Vec<_> = shape.variables.difference(&given).collect();
            assert!(
                unknown.is_empty(),
                "locales/{tag}.ftl: {id} names {unknown:?}, which en.ftl's {id} does not"
            );
        }
    }
    // Every file is a language the loader serves.
    let served: BTreeSet<_> = Lang::all().map(Lang::tag).collect();
    let files: BTreeSet<_> = all.keys().map(String::as_str).collect();
    assert_eq!(served, files);
}

/// The message keys named in the templates (`t("key")`, `t_with("key", ..)`) and in the code
/// (`.msg("key", ..)`).
fn keys_used() -> BTreeSet<String> {
    fn scan(dir: &Path, ext: &[&str], needles: &[&str], out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                scan(&path, ext, needles, out);
                continue;
            }
            // (This file names keys in its docs and tries a missing one.)
            if path.ends_with("i18n/tests.rs") {
                continue;
            }
            if !path
                .extension()
                .is_some_and(|e| ext.contains(&e.to_str().unwrap_or("")))
            {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for needle in needles {
                for (at, _) in text.match_indices(needle) {
                    let rest = &text[at + needle.len()..];
                    if let Some(end) = rest.find('"') {
                        out.insert(rest[..end].to_string());
                    }
                }
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut keys = BTreeSet::new();
    scan(
        &root.join("templates"),
        &["html", "txt"],
        &["t(\"", "t_with(\""],
        &mut keys,
    );
    scan(&root.join("src"), &["rs"], &[".msg(\""], &mut keys);
    keys
}

#[test]
fn every_message_the_templates_and_code_name_exists() {
    let english = &shapes()["en"];
    let used = keys_used();
    assert!(used.len() > 20, "the scan found the keys: {used:?}");
    let missing: Vec<_> = used
        .iter()
        .filter(|k| !english.contains_key(k.split('.').next().unwrap_or(k)))
        .collect();
    assert!(missing.is_empty(), "not in locales/en.ftl: {missing:?}");
}

#[test]
fn languages_are_negotiated_by_quality() {
    let es = Lang::parse("es").expect("Spanish");
    assert_eq!(Lang::ENGLISH.tag(), "en");
    assert_eq!(es.tag(), "es");
    assert_eq!(Lang::parse("es-MX"), Some(es));
    assert_eq!(Lang::parse("ES"), Some(es));
    assert_eq!(Lang::parse("xx"), None);
    assert_eq!(Lang::parse("not a tag!"), None);
    assert_eq!(Lang::stored("zz"), Lang::ENGLISH);
    assert_eq!(
        accepted("es-MX,es;q=0.9,en;q=0.8")
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["es-MX", "es", "en"]
    );
    // Order by q, not by place; q=0 is "not acceptable"; a bad q drops its range.
    assert_eq!(choose(None, Some("en;q=0.5, es;q=0.9")), es);
    assert_eq!(choose(None, Some("es;q=0, en;q=0.1")), Lang::ENGLISH);
    assert_eq!(choose(None, Some("es;q=2, en;q=0.1")), Lang::ENGLISH);
    assert_eq!(choose(None, Some("tlh-Latn, tlh;q=0.9, es;q=0.5")), es);
    assert_eq!(choose(None, Some("es-MX,es;q=0.9")), es);
    assert_eq!(choose(None, Some("*")), Lang::ENGLISH);
    assert_eq!(choose(None, Some("")), Lang::ENGLISH);
    assert_eq!(choose(None, None), Lang::ENGLISH);
    // An explicit choice wins over the header; one we do not have does not.
    assert_eq!(choose(Some("es"), Some("en")), es);
    assert_eq!(choose(Some("en"), Some("es")), Lang::ENGLISH);
    assert_eq!(choose(Some("tlh"), Some("es")), es);
    assert_eq!(es.name(), "Español");
    assert_eq!(Lang::ENGLISH.name(), "English");
}

#[test]
fn amounts_follow_each_languages_conventions() {
    let es = Lang::parse("es").unwrap();
    // English writes what the rest of the service writes.
    for (minor, currency) in [
        (0, "usd"),
        (5, "usd"),
        (-5, "usd"),
        (5000, "usd"),
        (123_456, "usd"),
        (10_000_000, "usd"),
        (i64::MAX, "usd"),
        (i64::MIN, "usd"),
        (123_456, "jpy"),
        (100_000, "sek"),
        (99, "eur"),
    ] {
        assert_eq!(
            money(Lang::ENGLISH, minor, currency),
            crate::domain::money::display(minor, currency),
            "{minor} {currency}"
        );
    }
    // Spanish of the United States (CLDR es-US).
    assert_eq!(money(es, 123_456, "usd"), "$1,234.56");
    assert_eq!(money(es, 10_000_000, "usd"), "$100,000.00");
    assert_eq!(money(es, -5, "usd"), "-$0.05");
    assert_eq!(money(es, 100_000, "sek"), "1,000.00 SEK");
    assert_eq!(decimal(es, "12.5"), "12.5");
    assert_eq!(decimal(Lang::ENGLISH, "1234567.891"), "1,234,567.891");
    assert_eq!(decimal(Lang::ENGLISH, "-999"), "-999");
}

#[test]
fn dates_follow_each_languages_conventions() {
    let es = Lang::parse("es").unwrap();
    let dec_4_2026 = 1_796_342_400;
    assert_eq!(long_date(es, dec_4_2026), "4 de diciembre de 2026");
    assert_eq!(long_date(Lang::ENGLISH, dec_4_2026), "December 4, 2026");
    assert_eq!(long_date(es, 0), "1 de enero de 1970");
    // English dates are the ones staff pages write (`mail::render::long_date`).
    for day in (0..800).map(|d| 1_767_225_600 + d * 86_400 + 3_600) {
        assert_eq!(
            long_date(Lang::ENGLISH, day),
            crate::mail::render::long_date(day)
        );
    }
}

#[test]
fn values_are_escaped_in_html_and_markup_dropped_in_text() {
    // A message with markup of its own, and a value that looks like markup.
    let args = Args::new()
        .text("sign", "<b>&")
        .text("symbol", "\"$")
        .text("amount", "1");
    let html = Tr::html(Lang::ENGLISH, args.clone());
    assert_eq!(html.t("money-with-symbol").0, "&#60;b&#62;&#38;&#34;$1");
    let text = Tr::text(Lang::ENGLISH, args);
    assert_eq!(text.t("money-with-symbol").0, "<b>&\"$1");
    // Values given with a message win over the template's.
    let extra = Args::new().text("amount", "2");
    assert_eq!(text.t_with("money-with-symbol", &extra).0, "<b>&\"$2");
    assert_eq!(super::text::strip_tags("a <strong>b</strong> c"), "a b c");
    // A key that exists nowhere shows as itself rather than failing the page.
    assert_eq!(text.t("no-such-message").0, "no-such-message");
}
