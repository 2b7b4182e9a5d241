//! Amounts and dates as each language writes them, from messages of its own file (so that a new
//! language brings its formats with it): the decimal and grouping separators, the smallest
//! integer part that is grouped (CLDR's minimum grouping digits), where the currency symbol or
//! code goes, and the long date with its month names.
//!
//! Money stays integer minor units up to here: an amount is written from its minor units by
//! [`money`], never parsed back. English (CLDR `en`) writes `$1,234.56` and "December 4, 2026";
//! Spanish follows CLDR `es-US`, the Spanish of the United States, whose donors read dollar
//! amounts as Stripe Checkout and their bank statements show them: `$1,234.56` and
//! "4 de diciembre de 2026" (Spain's `es` would write `1234,56 US$`).

use std::collections::HashMap;
use std::sync::LazyLock;

use super::{Args, Lang};
use crate::domain::money::{currency_of, format_major, symbol};

/// A language's number conventions, read once from its messages.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Numbers {
    decimal: String,
    group: String,
    /// The integer part is grouped from this many digits on (4 in `en`: `1,234`; 5 in `es`).
    group_from: usize,
}

static NUMBERS: LazyLock<HashMap<Lang, Numbers>> = LazyLock::new(|| {
    Lang::all()
        .map(|lang| {
            let none = Args::new();
            let min_grouping: usize = lang
                .msg("number-minimum-grouping-digits", &none)
                .trim()
                .parse()
                .unwrap_or(1);
            let numbers = Numbers {
                decimal: lang.msg("number-decimal-separator", &none),
                group: lang.msg("number-group-separator", &none),
                group_from: 3 + min_grouping.max(1),
            };
            (lang, numbers)
        })
        .collect()
});

fn numbers(lang: Lang) -> &'static Numbers {
    &NUMBERS[&lang]
}

/// A plain decimal as `lang` writes it: `1234.5` is `1,234.5` in English. `plain` is digits with
/// at most one `.` and an optional leading `-` (what `Decimal`'s `to_string` gives).
pub fn decimal(lang: Lang, plain: &str) -> String {
    let n = numbers(lang);
    let (sign, digits) = match plain.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", plain),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let mut out = String::with_capacity(plain.len() + 4);
    out.push_str(sign);
    let grouped = whole.len() >= n.group_from;
    for (i, ch) in whole.chars().enumerate() {
        if grouped && i > 0 && (whole.len() - i) % 3 == 0 {
            out.push_str(&n.group);
        }
        out.push(ch);
    }
    if !fraction.is_empty() {
        out.push_str(&n.decimal);
        out.push_str(fraction);
    }
    out
}

/// Minor units of `currency` as `lang` writes an amount: `$1,234.56`, `¥1,235`, `1,000.00 SEK`.
pub fn money(lang: Lang, minor: i64, currency: &str) -> String {
    let c = currency_of(currency);
    let (sign, abs) = if minor < 0 {
        // (i64::MIN has no positive twin: shown one unit short rather than panicking.)
        ("-", minor.checked_neg().unwrap_or(i64::MAX))
    } else {
        ("", minor)
    };
    let amount = decimal(lang, &format_major(abs, c));
    let args = Args::new().text("sign", sign).text("amount", amount);
    match symbol(c) {
        "" => lang.msg(
            "money-with-code",
            &args.text("code", c.code().to_uppercase()),
        ),
        s => lang.msg("money-with-symbol", &args.text("symbol", s)),
    }
}

/// The long date of a day: "December 4, 2026", "4 de diciembre de 2026". `unix` is read as UTC:
/// pass a time already shifted to the organization's zone (`Zone::local`) for its local date.
pub fn long_date(lang: Lang, unix: i64) -> String {
    let iso = crate::domain::time::format_time(unix);
    let year = &iso[..4];
    let month: i64 = iso[5..7].parse().unwrap_or(1);
    let day: i64 = iso[8..10].parse().unwrap_or(1);
    let month_name = lang.msg("month-name", &Args::new().number("month", month));
    lang.msg(
        "date-long",
        &Args::new()
            .text("day", day.to_string())
            .text("month", month_name)
            .text("year", year),
    )
}
