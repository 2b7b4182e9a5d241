//! Fills the Stripe event templates under `webhooks/events/` (see `webhooks/README.md`).
//!
//! A template is a JSON document whose strings may hold placeholders:
//!
//! - `${NAME}` anywhere in a string is replaced by the variable's text (`"https://x/${ID}"`);
//! - a string that is exactly `"${NAME:int}"` becomes a JSON integer, exactly `"${NAME:bool}"`
//!   becomes `true`/`false`, and exactly `"${NAME:opt}"` becomes the variable's text, or `null`
//!   when the variable is unset or empty. Inside longer text these forms insert the text (an
//!   `:int`/`:bool` value is still checked; an unset `:opt` inserts nothing);
//! - an unset variable (other than `:opt`) is an error naming it;
//! - `${EVENT_ID}`, when the caller did not set `EVENT_ID` (or set it empty), is derived after
//!   everything else is filled: `evt_` + the first 24 hex digits of the SHA-256 of the filled
//!   event serialized (as [`fill`] returns it) with its top-level `id` set to `""`. Identical
//!   content gives the same id (a duplicate delivery); different variables give another.
//!
//! Names are ASCII letters, digits and `_`. Object keys are filled as text; a `${` that does not
//! start a well-formed placeholder is left as it is. Pure: no I/O.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Variable name → its text.
pub type Vars = BTreeMap<String, String>;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TemplateError {
    #[error("template is not JSON: {0}")]
    NotJson(String),
    #[error("variable {0} is not set")]
    Missing(String),
    #[error("variable {name} must be {kind}, got {value:?}")]
    BadValue {
        name: String,
        kind: &'static str,
        value: String,
    },
}

/// The variable derived from the content when the caller leaves it unset.
const EVENT_ID: &str = "EVENT_ID";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Int,
    Bool,
    Opt,
}

/// One `${NAME[:kind]}` found in a string.
struct Placeholder<'a> {
    start: usize,
    end: usize,
    name: &'a str,
    kind: Kind,
}

/// The placeholders of one string, in order. Malformed `${...}` are skipped (left as text).
fn placeholders(s: &str) -> Vec<Placeholder<'_>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(rel) = s[from..].find("${") {
        let start = from + rel;
        let body_start = start + 2;
        let Some(close) = s[body_start..].find('}') else {
            break;
        };
        let body = &s[body_start..body_start + close];
        let (name, kind) = match body.split_once(':') {
            None => (body, Some(Kind::Text)),
            Some((n, "int")) => (n, Some(Kind::Int)),
            Some((n, "bool")) => (n, Some(Kind::Bool)),
            Some((n, "opt")) => (n, Some(Kind::Opt)),
            Some((n, _)) => (n, None),
        };
        let valid_name =
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        match kind {
            Some(kind) if valid_name => {
                let end = body_start + close + 1;
                out.push(Placeholder {
                    start,
                    end,
                    name,
                    kind,
                });
                from = end;
            }
            _ => from = body_start,
        }
    }
    out
}

/// The value of a set variable, `None` when unset (`:opt` also treats empty as unset).
fn lookup<'v>(vars: &'v Vars, name: &str, kind: Kind) -> Result<Option<&'v str>, TemplateError> {
    match vars.get(name).map(String::as_str) {
        Some(v) if kind == Kind::Opt && v.is_empty() => Ok(None),
        Some(v) => Ok(Some(v)),
        None if kind == Kind::Opt => Ok(None),
        None => Err(TemplateError::Missing(name.to_string())),
    }
}

fn parse_int(name: &str, value: &str) -> Result<i64, TemplateError> {
    value
        .trim()
        .parse::<i64>()
        .map_err(|_| TemplateError::BadValue {
            name: name.to_string(),
            kind: "an integer",
            value: value.to_string(),
        })
}

fn parse_bool(name: &str, value: &str) -> Result<bool, TemplateError> {
    match value.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(TemplateError::BadValue {
            name: name.to_string(),
            kind: "true or false",
            value: value.to_string(),
        }),
    }
}

/// Fills one string: a whole-string typed placeholder gives a typed value, anything else text.
fn fill_string(s: &str, vars: &Vars) -> Result<Value, TemplateError> {
    let found = placeholders(s);
    if let [p] = found.as_slice()
        && p.start == 0
        && p.end == s.len()
    {
        let value = lookup(vars, p.name, p.kind)?;
        return Ok(match (p.kind, value) {
            (Kind::Opt, None) => Value::Null,
            (Kind::Int, Some(v)) => Value::from(parse_int(p.name, v)?),
            (Kind::Bool, Some(v)) => Value::Bool(parse_bool(p.name, v)?),
            (_, v) => Value::String(v.unwrap_or_default().to_string()),
        });
    }
    Ok(Value::String(fill_text(s, &found, vars)?))
}

fn fill_text(s: &str, found: &[Placeholder<'_>], vars: &Vars) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(s.len());
    let mut at = 0;
    for p in found {
        out.push_str(&s[at..p.start]);
        if let Some(v) = lookup(vars, p.name, p.kind)? {
            match p.kind {
                Kind::Int => {
                    parse_int(p.name, v)?;
                }
                Kind::Bool => {
                    parse_bool(p.name, v)?;
                }
                Kind::Text | Kind::Opt => {}
            }
            out.push_str(v);
        }
        at = p.end;
    }
    out.push_str(&s[at..]);
    Ok(out)
}

fn fill_value(v: &Value, vars: &Vars) -> Result<Value, TemplateError> {
    Ok(match v {
        Value::String(s) => fill_string(s, vars)?,
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| fill_value(i, vars))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => {
            let mut out = serde_json::Map::with_capacity(map.len());
            for (k, item) in map {
                let key = fill_text(k, &placeholders(k), vars)?;
                out.insert(key, fill_value(item, vars)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

fn add_names(s: &str, names: &mut BTreeSet<String>) {
    names.extend(placeholders(s).into_iter().map(|p| p.name.to_string()));
}

fn collect_names(v: &Value, names: &mut BTreeSet<String>) {
    match v {
        Value::String(s) => add_names(s, names),
        Value::Array(items) => items.iter().for_each(|i| collect_names(i, names)),
        Value::Object(map) => {
            for (k, item) in map {
                add_names(k, names);
                collect_names(item, names);
            }
        }
        _ => {}
    }
}

fn parse(template: &str) -> Result<Value, TemplateError> {
    serde_json::from_str(template).map_err(|e| TemplateError::NotJson(e.to_string()))
}

fn to_json(v: &Value) -> String {
    // Serializing a `Value` cannot fail (its map keys are strings).
    serde_json::to_string(v).expect("a serde_json::Value serializes")
}

/// The id derived for a filled event: `evt_` + 24 hex digits of SHA-256 over the event
/// serialized with its top-level `id` set to `""`.
fn derived_event_id(filled: &Value) -> String {
    let mut blank = filled.clone();
    if let Value::Object(map) = &mut blank {
        map.insert("id".to_string(), Value::String(String::new()));
    }
    let digest = Sha256::digest(to_json(&blank).as_bytes());
    format!("evt_{}", &hex::encode(digest)[..24])
}

/// Fills a template; returns the event JSON as a compact string (serde_json::to_string).
pub fn fill(template: &str, vars: &Vars) -> Result<String, TemplateError> {
    let tree = parse(template)?;
    let caller_set_id = vars.get(EVENT_ID).is_some_and(|v| !v.is_empty());
    let mut names = BTreeSet::new();
    collect_names(&tree, &mut names);
    if caller_set_id || !names.contains(EVENT_ID) {
        return Ok(to_json(&fill_value(&tree, vars)?));
    }
    // First everything else, with the event id blank; then the id from that content.
    let mut vars = vars.clone();
    vars.insert(EVENT_ID.to_string(), String::new());
    let blank = fill_value(&tree, &vars)?;
    vars.insert(EVENT_ID.to_string(), derived_event_id(&blank));
    Ok(to_json(&fill_value(&tree, &vars)?))
}

/// The variable names a template uses (sorted, deduplicated), for error messages and docs.
pub fn variables(template: &str) -> Result<Vec<String>, TemplateError> {
    let mut names = BTreeSet::new();
    collect_names(&parse(template)?, &mut names);
    Ok(names.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars(pairs: &[(&str, &str)]) -> Vars {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn filled(template: &str, pairs: &[(&str, &str)]) -> Value {
        serde_json::from_str(&fill(template, &vars(pairs)).unwrap()).unwrap()
    }

    #[test]
    fn text_placeholders_are_replaced_whole_and_inside_text() {
        let v = filled(
            r#"{"id": "${ID}", "url": "https://x/${ID}/p?c=${C}", "n": 3, "keep": "$ {X} ${} ${a-b}"}"#,
            &[("ID", "don_1"), ("C", "spring")],
        );
        assert_eq!(
            v,
            json!({"id": "don_1", "url": "https://x/don_1/p?c=spring", "n": 3, "keep": "$ {X} ${} ${a-b}"})
        );
    }

    #[test]
    fn int_placeholder_becomes_a_number() {
        let v = filled(
            r#"{"a": "${A:int}", "b": ["${B:int}"], "t": "n=${A:int}"}"#,
            &[("A", "2500"), ("B", "-7")],
        );
        assert_eq!(v, json!({"a": 2500, "b": [-7], "t": "n=2500"}));
    }

    #[test]
    fn bool_placeholder_becomes_a_boolean() {
        let v = filled(
            r#"{"live": "${L:bool}", "test": "${T:bool}"}"#,
            &[("L", "true"), ("T", "false")],
        );
        assert_eq!(v, json!({"live": true, "test": false}));
    }

    #[test]
    fn opt_placeholder_is_text_or_null() {
        let t = r#"{"c": "${C:opt}", "u": "https://x/${C:opt}"}"#;
        assert_eq!(
            filled(t, &[("C", "cus_1")]),
            json!({"c": "cus_1", "u": "https://x/cus_1"})
        );
        assert_eq!(
            filled(t, &[("C", "")]),
            json!({"c": null, "u": "https://x/"})
        );
        assert_eq!(filled(t, &[]), json!({"c": null, "u": "https://x/"}));
    }

    #[test]
    fn object_keys_are_filled_as_text() {
        assert_eq!(filled(r#"{"k_${K}": 1}"#, &[("K", "x")]), json!({"k_x": 1}));
    }

    #[test]
    fn missing_variable_is_named() {
        let err = fill(r#"{"a": "x ${NOPE} y"}"#, &Vars::new()).unwrap_err();
        assert_eq!(err, TemplateError::Missing("NOPE".into()));
        assert_eq!(err.to_string(), "variable NOPE is not set");
        assert_eq!(
            fill(r#"{"a": "${N:int}"}"#, &Vars::new()).unwrap_err(),
            TemplateError::Missing("N".into())
        );
        assert_eq!(
            fill(r#"{"a": "${B:bool}"}"#, &Vars::new()).unwrap_err(),
            TemplateError::Missing("B".into())
        );
    }

    #[test]
    fn bad_int_and_bool_are_refused() {
        assert_eq!(
            fill(r#"{"a": "${N:int}"}"#, &vars(&[("N", "12.5")])).unwrap_err(),
            TemplateError::BadValue {
                name: "N".into(),
                kind: "an integer",
                value: "12.5".into()
            }
        );
        assert_eq!(
            fill(r#"{"a": "n ${N:int}"}"#, &vars(&[("N", "")])).unwrap_err(),
            TemplateError::BadValue {
                name: "N".into(),
                kind: "an integer",
                value: "".into()
            }
        );
        let err = fill(r#"{"a": "${B:bool}"}"#, &vars(&[("B", "yes")])).unwrap_err();
        assert_eq!(
            err,
            TemplateError::BadValue {
                name: "B".into(),
                kind: "true or false",
                value: "yes".into()
            }
        );
        assert_eq!(
            err.to_string(),
            r#"variable B must be true or false, got "yes""#
        );
    }

    #[test]
    fn not_json_is_refused() {
        assert!(matches!(
            fill("{nope", &Vars::new()),
            Err(TemplateError::NotJson(_))
        ));
        assert!(matches!(variables("[1,"), Err(TemplateError::NotJson(_))));
    }

    #[test]
    fn variables_are_sorted_and_deduplicated() {
        let t = r#"{"id": "${EVENT_ID}", "a": "${B:int}", "b": ["${A}", "${B}/${C:opt}"], "${K}": true}"#;
        assert_eq!(variables(t).unwrap(), vec!["A", "B", "C", "EVENT_ID", "K"]);
    }

    const EVENT: &str = r#"{"id": "${EVENT_ID}", "type": "invoice.paid",
        "data": {"object": {"id": "${INVOICE_ID}", "amount_paid": "${TOTAL:int}"}}}"#;

    fn event_id(pairs: &[(&str, &str)]) -> String {
        filled(EVENT, pairs)["id"].as_str().unwrap().to_string()
    }

    #[test]
    fn derived_event_id_is_stable_and_follows_the_content() {
        let a = event_id(&[("INVOICE_ID", "in_1"), ("TOTAL", "2500")]);
        assert!(a.starts_with("evt_") && a.len() == 4 + 24, "{a}");
        assert!(a[4..].bytes().all(|b| b.is_ascii_hexdigit()));
        // Same content, same id: a duplicate delivery.
        assert_eq!(a, event_id(&[("INVOICE_ID", "in_1"), ("TOTAL", "2500")]));
        // Different variables, another event.
        assert_ne!(a, event_id(&[("INVOICE_ID", "in_2"), ("TOTAL", "2500")]));
        assert_ne!(a, event_id(&[("INVOICE_ID", "in_1"), ("TOTAL", "2501")]));
        // An empty EVENT_ID counts as unset.
        assert_eq!(
            a,
            event_id(&[("INVOICE_ID", "in_1"), ("TOTAL", "2500"), ("EVENT_ID", "")])
        );
    }

    #[test]
    fn derived_event_id_is_the_hash_of_the_event_with_a_blank_id() {
        let out = fill(EVENT, &vars(&[("INVOICE_ID", "in_1"), ("TOTAL", "2500")])).unwrap();
        let mut v: Value = serde_json::from_str(&out).unwrap();
        let id = v["id"].as_str().unwrap().to_string();
        v["id"] = json!("");
        let digest = hex::encode(Sha256::digest(
            serde_json::to_string(&v).unwrap().as_bytes(),
        ));
        assert_eq!(id, format!("evt_{}", &digest[..24]));
    }

    #[test]
    fn event_id_set_by_the_caller_is_kept() {
        let id = event_id(&[
            ("INVOICE_ID", "in_1"),
            ("TOTAL", "2500"),
            ("EVENT_ID", "evt_mine"),
        ]);
        assert_eq!(id, "evt_mine");
    }

    #[test]
    fn output_is_compact_json() {
        let out = fill("{\n  \"a\": [ 1, \"${X}\" ]\n}", &vars(&[("X", "y")])).unwrap();
        assert_eq!(out, r#"{"a":[1,"y"]}"#);
    }
}
