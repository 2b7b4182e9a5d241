//! The campaign page's chart: what was raised per day (bars, on the left scale) and the
//! cumulative raised against the goal (a line and a dashed goal line, on the right scale). An
//! SVG drawn on the server (no script, and the same picture in every browser), with the same
//! figures as a table.

use crate::domain::time::{day_of, format_day, parse_date};
use crate::http::donor::donation_page::money;
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
    /// The plot's left edge (left of it: the daily scale's labels).
    pub left: i64,
    /// The plot's right edge (right of it: the cumulative scale's labels).
    pub right: i64,
    pub top: i64,
    /// The baseline's y.
    pub base: i64,
    pub bars: Vec<Bar>,
    /// The daily scale's top (left axis).
    pub max_label: String,
    /// The cumulative line: a point per day from the first day shown to the last, in the
    /// middle of that day's slot.
    pub points: Vec<(i64, i64)>,
    /// `points` as an SVG `points` attribute.
    pub line: String,
    /// The cumulative scale's top (right axis): the goal or, past it, the most raised.
    pub total_max_label: String,
    /// The goal line's y, when the campaign has a goal.
    pub goal_y: Option<i64>,
    pub goal_label: String,
    /// Where the goal's label sits: above its line, or below it when the line is at the top.
    pub goal_label_y: i64,
    pub first: String,
    pub last: String,
    /// The chart in a sentence, for screen readers.
    pub desc: String,
    /// (day, raised that day, raised in all by the end of it) rows of the table.
    pub days: Vec<(String, String, String)>,
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

/// `v` on a scale whose top is `max` (positive), as a y between `base` and `top`; below zero
/// it stays on the baseline.
fn scaled_y(v: i64, max: i64, base: i64, top: i64) -> i64 {
    let v = i128::from(v.clamp(0, max));
    base - (v * i128::from(base - top) / i128::from(max)) as i64
}

/// A bar per UTC day from the first day with gifts to the last (at most [`CHART_DAYS`]), for
/// `daily` in day order as [`daily_series`] gives it, and the cumulative raised (counting the
/// days before the ones shown) against `goal_minor`.
pub fn chart(daily: &[(i64, i64)], currency: &str, goal_minor: i64) -> Chart {
    let (width, height, left, right, top, bottom) = (810i64, 220i64, 70i64, 720i64, 10i64, 24i64);
    let base = height - bottom;
    let mut c = Chart {
        width,
        height,
        left,
        right,
        top,
        base,
        bars: Vec::new(),
        max_label: String::new(),
        points: Vec::new(),
        line: String::new(),
        total_max_label: String::new(),
        goal_y: None,
        goal_label: String::new(),
        goal_label_y: 0,
        first: String::new(),
        last: String::new(),
        desc: String::new(),
        days: Vec::new(),
    };
    let (Some(&(first_day, _)), Some(&(last_day, _))) = (daily.first(), daily.last()) else {
        return c;
    };
    let first_day = first_day.max(last_day - CHART_DAYS + 1);
    let before: i64 = daily
        .iter()
        .filter(|(d, _)| *d < first_day)
        .map(|(_, v)| v)
        .sum();
    let shown: Vec<(i64, i64)> = daily
        .iter()
        .copied()
        .filter(|(d, _)| *d >= first_day)
        .collect();
    let max = shown.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let span = last_day - first_day + 1;
    let slot = (right - left) / span.max(1);
    let w = (slot * 4 / 5).clamp(1, 48);
    let mut running = before;
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
        running += v;
        c.days.push((
            format_day(*day),
            money(*v, currency),
            money(running, currency),
        ));
    }
    // The cumulative line: every day of the span, flat across the days without gifts.
    let mut totals = Vec::with_capacity(span as usize);
    let mut running = before;
    let mut gifts = shown.iter().peekable();
    for day in first_day..=last_day {
        while let Some((_, v)) = gifts.next_if(|(d, _)| *d == day) {
            running += v;
        }
        totals.push((day, running));
    }
    let total_max = totals
        .iter()
        .map(|(_, v)| *v)
        .max()
        .unwrap_or(0)
        .max(goal_minor)
        .max(1);
    c.points = totals
        .iter()
        .map(|(day, v)| {
            (
                left + (day - first_day) * slot + slot / 2,
                scaled_y(*v, total_max, base, top),
            )
        })
        .collect();
    c.line = c
        .points
        .iter()
        .map(|(x, y)| format!("{x},{y}"))
        .collect::<Vec<_>>()
        .join(" ");
    c.total_max_label = money(total_max, currency);
    if goal_minor > 0 {
        let goal_y = scaled_y(goal_minor, total_max, base, top);
        c.goal_y = Some(goal_y);
        c.goal_label = format!("Goal {}", money(goal_minor, currency));
        c.goal_label_y = if goal_y - top < 14 {
            goal_y + 13
        } else {
            goal_y - 4
        };
    }
    c.max_label = money(max, currency);
    c.first = format_day(first_day);
    c.last = format_day(last_day);
    let total: i64 = shown.iter().map(|(_, v)| v).sum();
    let goal = if goal_minor > 0 {
        let percent = i128::from(running.max(0)) * 100 / i128::from(goal_minor);
        format!(
            ", {percent}% of the goal of {}",
            money(goal_minor, currency)
        )
    } else {
        String::new()
    };
    c.desc = format!(
        "{} days with gifts from {} to {}, {} on those days; the most in one day {}. \
         Raised in all by {}: {}{goal}.",
        shown.len(),
        c.first,
        c.last,
        money(total, currency),
        c.max_label,
        c.last,
        money(running, currency),
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
        let c = chart(&[], "usd", 10_000);
        assert!(c.bars.is_empty() && c.days.is_empty() && c.desc.is_empty());
        assert!(c.points.is_empty() && c.line.is_empty() && c.goal_y.is_none());
        assert_eq!(
            (c.width, c.height, c.left, c.right, c.top, c.base),
            (810, 220, 70, 720, 10, 196)
        );
    }

    #[test]
    fn bars_are_scaled_to_the_best_day_and_placed_by_date() {
        let first = day("2026-01-01");
        let c = chart(
            &[(first, 1_000), (first + 2, 4_000), (first + 3, 10)],
            "usd",
            100_000,
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
            "3 days with gifts from 2026-01-01 to 2026-01-04, $50.10 on those days; the most \
             in one day $40.00. Raised in all by 2026-01-04: $50.10, 5% of the goal of \
             $1,000.00."
        );
        assert_eq!(
            c.days[1],
            ("2026-01-03".into(), "$40.00".into(), "$50.00".into())
        );
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
        let c = chart(&daily, "eur", 0);
        assert_eq!(c.bars.len(), 2);
        assert_eq!(c.first, format_day(last - 89));
        assert_eq!(c.last, "2026-06-30");
        // 650 px over 90 days: slots of 7, bars of 5.
        assert_eq!((c.bars[0].x, c.bars[0].w), (71, 5));
        assert_eq!((c.bars[1].x, c.bars[1].h), (71 + 89 * 7, 186));
        assert_eq!(c.max_label, "€3.00");
        // The line starts from what was raised before the days shown: €50 + €1.
        assert_eq!(c.points.len(), 90);
        assert_eq!(c.days[0].2, "€53.00");
        assert_eq!(c.days[1].2, "€56.00");
        // No goal: no goal line, and the right scale's top is the most raised.
        assert_eq!((c.goal_y, c.total_max_label.as_str()), (None, "€56.00"));
        assert_eq!(c.points.last().unwrap().1, c.top);
        assert!(!c.desc.contains("goal"), "{}", c.desc);
    }

    #[test]
    fn a_day_that_lost_money_has_no_bar_height() {
        let d = day("2026-03-01");
        let c = chart(&[(d, -500), (d + 1, 0)], "usd", 1_000);
        assert_eq!(c.bars.iter().map(|b| b.h).collect::<Vec<_>>(), vec![0, 0]);
        // Nothing positive: the scale's top is one minor unit.
        assert_eq!(c.max_label, "$0.01");
        assert_eq!(c.days[0].1, "-$5.00");
        // A cumulative below zero stays on the baseline.
        assert_eq!(
            c.points.iter().map(|p| p.1).collect::<Vec<_>>(),
            vec![c.base; 2]
        );
    }

    #[test]
    fn the_line_reaches_the_goal_line_when_the_goal_is_raised() {
        let d = day("2026-05-01");
        // $100 goal: $30, nothing for a day, $70 (the goal exactly), then $20 past it.
        let c = chart(&[(d, 3_000), (d + 2, 7_000), (d + 3, 2_000)], "usd", 10_000);
        // The right scale tops at the most raised, $120; the goal line sits below the top.
        assert_eq!(c.total_max_label, "$120.00");
        let goal_y = c.goal_y.unwrap();
        assert_eq!(goal_y, 196 - 186 * 100 / 120);
        let ys: Vec<i64> = c.points.iter().map(|p| p.1).collect();
        assert_eq!(ys[0], 196 - 186 * 30 / 120);
        // The day without gifts is flat, not a ramp towards the next gift.
        assert_eq!(ys[1], ys[0]);
        assert_eq!(
            ys[2], goal_y,
            "the line meets the goal line on the day it is raised"
        );
        assert_eq!(ys[3], c.top);
        assert!(ys[3] < goal_y);
        assert_eq!(c.goal_label, "Goal $100.00");
        assert_eq!(c.goal_label_y, goal_y - 4, "above its line");
        // Points sit in the middle of their day's slot, like the bars.
        let xs: Vec<i64> = c.points.iter().map(|p| p.0).collect();
        assert_eq!(
            xs,
            vec![70 + 81, 70 + 162 + 81, 70 + 324 + 81, 70 + 486 + 81]
        );
        assert_eq!(
            c.line,
            format!("151,{} 313,{} 475,{goal_y} 637,10", ys[0], ys[1])
        );
        assert!(
            c.desc
                .ends_with("Raised in all by 2026-05-04: $120.00, 120% of the goal of $100.00.")
        );
        // Short of the goal: the goal is the top of the scale and the line stays below it.
        let c = chart(&[(d, 3_000)], "usd", 10_000);
        assert_eq!(
            (c.goal_y, c.total_max_label.as_str()),
            (Some(c.top), "$100.00")
        );
        assert_eq!(
            c.goal_label_y,
            c.top + 13,
            "below its line, inside the picture"
        );
        assert!(c.points[0].1 > c.top);
    }

    #[test]
    fn refunds_take_the_line_down_and_the_table_says_so() {
        let d = day("2026-02-01");
        let c = chart(
            &[(d, 5_000), (d + 1, -2_000), (d + 2, 1_000)],
            "usd",
            10_000,
        );
        let ys: Vec<i64> = c.points.iter().map(|p| p.1).collect();
        assert!(ys[1] > ys[0], "the line dips on the day money went back");
        assert!(ys[2] < ys[1]);
        let totals: Vec<&str> = c.days.iter().map(|d| d.2.as_str()).collect();
        assert_eq!(totals, vec!["$50.00", "$30.00", "$40.00"]);
    }

    proptest::proptest! {
        /// With no day below zero, the line never goes down (y never grows), it stays inside
        /// the plot, and it ends at the sum of the days.
        #[test]
        fn the_line_never_falls_without_refunds(
            days in proptest::collection::vec((0_i64..5, 0_i64..1_000_000), 1..40),
            goal in 0_i64..10_000_000,
        ) {
            let mut day = 20_000;
            let series: Vec<(i64, i64)> = days
                .iter()
                .map(|(gap, v)| {
                    day += gap + 1;
                    (day, *v)
                })
                .collect();
            let c = chart(&series, "usd", goal);
            for pair in c.points.windows(2) {
                proptest::prop_assert!(pair[1].1 <= pair[0].1);
                proptest::prop_assert!(pair[1].0 > pair[0].0);
            }
            for (x, y) in &c.points {
                proptest::prop_assert!((c.left..=c.right).contains(x));
                proptest::prop_assert!((c.top..=c.base).contains(y));
            }
            let sum: i64 = series.iter().map(|(_, v)| v).sum();
            proptest::prop_assert_eq!(c.days.last().unwrap().2.clone(), money(sum, "usd"));
        }
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
