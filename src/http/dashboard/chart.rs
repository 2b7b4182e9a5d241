//! The campaign page's chart of what was raised per day: an SVG drawn on the server (no script,
//! and the same picture in every browser), with the same figures as a table.

use crate::domain::time::{day_of, format_day, parse_date};
use crate::http::web::money;
use crate::services::reporting::DayFigure;

/// One day's bar, in the SVG's coordinates; `label` is its tooltip.
pub struct Bar {
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
    pub label: String,
}

/// The chart as the campaign template draws it. With no days, `bars` is empty (and the page
/// says that nothing was raised yet).
pub struct Chart {
    pub width: i64,
    pub height: i64,
    pub left: i64,
    pub top: i64,
    /// The baseline's y.
    pub base: i64,
    pub bars: Vec<Bar>,
    pub max_label: String,
    pub first: String,
    pub last: String,
    /// The chart in a sentence, for screen readers.
    pub desc: String,
    /// (day, amount) rows of the table.
    pub days: Vec<(String, String)>,
}

/// Days shown at most: the latest ones.
pub const CHART_DAYS: i64 = 90;

/// The summary's days as (UTC day number, raised minor units); days it cannot read are left out.
pub fn daily_series(daily: &[DayFigure]) -> Vec<(i64, i64)> {
    daily
        .iter()
        .filter_map(|d| parse_date(&d.date).map(|t| (day_of(t), d.raised_minor)))
        .collect()
}

/// A bar per UTC day from the first day with gifts to the last (at most [`CHART_DAYS`]), for
/// `daily` in day order as [`daily_series`] gives it.
pub fn chart(daily: &[(i64, i64)], currency: &str) -> Chart {
    let (width, height, left, top, bottom) = (720i64, 220i64, 70i64, 10i64, 24i64);
    let base = height - bottom;
    let mut c = Chart {
        width,
        height,
        left,
        top,
        base,
        bars: Vec::new(),
        max_label: String::new(),
        first: String::new(),
        last: String::new(),
        desc: String::new(),
        days: Vec::new(),
    };
    let (Some(&(first_day, _)), Some(&(last_day, _))) = (daily.first(), daily.last()) else {
        return c;
    };
    let first_day = first_day.max(last_day - CHART_DAYS + 1);
    let shown: Vec<(i64, i64)> = daily
        .iter()
        .copied()
        .filter(|(d, _)| *d >= first_day)
        .collect();
    let max = shown.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let span = last_day - first_day + 1;
    let slot = (width - left) / span.max(1);
    let w = (slot * 4 / 5).clamp(1, 48);
    for (day, v) in &shown {
        let h = if *v <= 0 {
            0
        } else {
            ((v * (base - top)) / max).max(1)
        };
        let label = format!("{}: {}", format_day(*day), money(*v, currency));
        c.bars.push(Bar {
            x: left + (day - first_day) * slot + (slot - w) / 2,
            y: base - h,
            w,
            h,
            label,
        });
        c.days.push((format_day(*day), money(*v, currency)));
    }
    c.max_label = money(max, currency);
    c.first = format_day(first_day);
    c.last = format_day(last_day);
    let total: i64 = shown.iter().map(|(_, v)| v).sum();
    c.desc = format!(
        "{} days with gifts from {} to {}, {} in all; the most in one day {}.",
        shown.len(),
        c.first,
        c.last,
        money(total, currency),
        c.max_label
    );
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The day number of a date.
    fn day(date: &str) -> i64 {
        day_of(parse_date(date).unwrap())
    }

    fn bars(c: &Chart) -> Vec<(i64, i64, i64, i64, &str)> {
        c.bars
            .iter()
            .map(|b| (b.x, b.y, b.w, b.h, b.label.as_str()))
            .collect()
    }

    #[test]
    fn no_days_no_bars() {
        let c = chart(&[], "usd");
        assert!(c.bars.is_empty() && c.days.is_empty() && c.desc.is_empty());
        assert_eq!(
            (c.width, c.height, c.left, c.top, c.base),
            (720, 220, 70, 10, 196)
        );
    }

    #[test]
    fn bars_are_scaled_to_the_best_day_and_placed_by_date() {
        let first = day("2026-01-01");
        let c = chart(
            &[(first, 1_000), (first + 2, 4_000), (first + 3, 10)],
            "usd",
        );
        // Four days over 650 px: slots of 162, bars of 48 (the widest), centred in their slot.
        assert_eq!(
            bars(&c),
            vec![
                (127, 150, 48, 46, "2026-01-01: $10.00"),
                (451, 10, 48, 186, "2026-01-03: $40.00"),
                // The smallest gift still shows: one pixel at least.
                (613, 195, 48, 1, "2026-01-04: $0.10"),
            ]
        );
        assert_eq!(
            (c.first.as_str(), c.last.as_str(), c.max_label.as_str()),
            ("2026-01-01", "2026-01-04", "$40.00")
        );
        assert_eq!(
            c.desc,
            "3 days with gifts from 2026-01-01 to 2026-01-04, $50.10 in all; the most in one \
             day $40.00."
        );
        assert_eq!(c.days[1], ("2026-01-03".to_string(), "$40.00".to_string()));
    }

    #[test]
    fn only_the_latest_ninety_days_are_drawn() {
        let last = day("2026-06-30");
        let daily = [
            (last - 200, 5_000),
            (last - 90, 100),
            (last - 89, 200),
            (last, 300),
        ];
        let c = chart(&daily, "eur");
        assert_eq!(c.bars.len(), 2);
        assert_eq!(c.first, format_day(last - 89));
        assert_eq!(c.last, "2026-06-30");
        // 650 px over 90 days: slots of 7, bars of 5.
        assert_eq!((c.bars[0].x, c.bars[0].w), (71, 5));
        assert_eq!((c.bars[1].x, c.bars[1].h), (71 + 89 * 7, 186));
        assert_eq!(c.max_label, "€3.00");
    }

    #[test]
    fn a_day_that_lost_money_has_no_bar_height() {
        let d = day("2026-03-01");
        let c = chart(&[(d, -500), (d + 1, 0)], "usd");
        assert_eq!(c.bars.iter().map(|b| b.h).collect::<Vec<_>>(), vec![0, 0]);
        // Nothing positive: the scale's top is one minor unit.
        assert_eq!(c.max_label, "$0.01");
        assert_eq!(c.days[0].1, "-$5.00");
    }

    #[test]
    fn the_summary_days_become_day_numbers() {
        let daily = vec![
            DayFigure {
                date: "2026-01-02".into(),
                raised_minor: 700,
            },
            DayFigure {
                date: "not a date".into(),
                raised_minor: 1,
            },
        ];
        assert_eq!(daily_series(&daily), vec![(day("2026-01-02"), 700)]);
    }
}
