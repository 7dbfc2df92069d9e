//! The headline figures: each month's alert counts, closure, verdict rates,
//! time to resolve and backlog, computed the same way for the month and the
//! five before it (the sparklines), plus drift and Secure Score from the
//! current state.

use jiff::civil::Date;
use jiff::ToSpan;

use super::MonthlyInput;
use crate::model::{AlertRecord, AlertsSection, Kpi};

const DAY_MS: i64 = 86_400_000;
/// Months in each sparkline, this one included.
const SERIES_MONTHS: i32 = 6;

/// "2026-10".
pub fn month_key(month: Date) -> String {
    format!("{:04}-{:02}", month.year(), month.month())
}

pub fn previous_month(month: Date) -> Date {
    month.first_of_month().saturating_sub(1.month())
}

/// First and last day of `month`; a month not over yet ends `today`.
pub fn month_bounds(month: Date, today: Date) -> (Date, Date) {
    let from = month.first_of_month();
    let to = from.last_of_month();
    (
        from,
        if today >= from && today < to {
            today
        } else {
            to
        },
    )
}

/// Midnight UTC of `day`, in epoch milliseconds.
pub fn start_ms(day: Date) -> i64 {
    day.to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or(0)
}

/// Whether `ms` falls on a day from `from` to `to`, both included.
pub fn in_range(ms: i64, from: Date, to: Date) -> bool {
    ms >= start_ms(from) && ms < start_ms(to) + DAY_MS
}

/// Where the alerts are known to start: a live read's window, else the
/// earliest alert.
pub(super) fn coverage_from(input: &MonthlyInput<'_>) -> Option<i64> {
    input
        .coverage_from_ms
        .or_else(|| input.alerts.iter().map(|a| a.timestamp_ms).min())
}

/// One month's figures.
#[derive(Debug, Default, Clone, PartialEq)]
struct MonthStats {
    created: u64,
    closed: u64,
    true_positive: u64,
    false_positive: u64,
    benign: u64,
    /// Time to resolve, milliseconds, sorted.
    ttr: Vec<i64>,
    backlog: u64,
    oldest_open_days: Option<i64>,
}

fn stats(alerts: &[AlertRecord], from: Date, to: Date) -> MonthStats {
    let end = start_ms(to) + DAY_MS;
    let mut out = MonthStats::default();
    let mut oldest: Option<i64> = None;
    for alert in alerts {
        // Open at the month's end: created by then, and not closed by then.
        let open_then = alert.timestamp_ms < end
            && (alert.is_open()
                || (alert.is_closed() && alert.resolve_time_ms.is_some_and(|r| r >= end)));
        if open_then {
            out.backlog += 1;
            oldest = Some(oldest.map_or(alert.timestamp_ms, |o| o.min(alert.timestamp_ms)));
        }
        if !in_range(alert.timestamp_ms, from, to) {
            continue;
        }
        out.created += 1;
        if alert.is_closed() {
            out.closed += 1;
            if let Some(ttr) = alert
                .resolve_time_ms
                .map(|r| r.saturating_sub(alert.timestamp_ms))
                .filter(|t| *t >= 0)
            {
                out.ttr.push(ttr);
            }
        }
        match alert.resolution {
            Some(3) => out.false_positive += 1,
            Some(4) => out.benign += 1,
            Some(5) => out.true_positive += 1,
            _ => {}
        }
    }
    out.ttr.sort_unstable();
    out.oldest_open_days = oldest.map(|o| end.saturating_sub(o) / DAY_MS);
    out
}

fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

fn hours(ms: Option<i64>) -> Option<f64> {
    ms.map(|ms| ms as f64 / 3_600_000.0)
}

/// A figure of a month's stats.
type Figure = fn(&MonthStats) -> Option<f64>;

/// (key, label, unit, higher is better, figure).
const ALERT_FIGURES: &[(&str, &str, &str, Option<bool>, Figure)] = &[
    ("alerts_created", "Alerts created", "count", None, |s| {
        Some(s.created as f64)
    }),
    ("closed_percent", "Closed", "percent", Some(true), |s| {
        percent(s.closed, s.created)
    }),
    (
        "true_positive_percent",
        "True positives",
        "percent",
        None,
        |s| {
            percent(
                s.true_positive,
                s.true_positive + s.false_positive + s.benign,
            )
        },
    ),
    (
        "false_positive_percent",
        "False positives",
        "percent",
        Some(false),
        |s| {
            percent(
                s.false_positive,
                s.true_positive + s.false_positive + s.benign,
            )
        },
    ),
    ("benign_percent", "Benign", "percent", None, |s| {
        percent(s.benign, s.true_positive + s.false_positive + s.benign)
    }),
    (
        "ttr_p50_hours",
        "Time to resolve, median",
        "hours",
        Some(false),
        |s| hours(crate::alerts::nearest_rank(&s.ttr, 0.5)),
    ),
    (
        "ttr_p90_hours",
        "Time to resolve, 90th percentile",
        "hours",
        Some(false),
        |s| hours(crate::alerts::nearest_rank(&s.ttr, 0.9)),
    ),
    (
        "open_backlog",
        "Open at month end",
        "count",
        Some(false),
        |s| Some(s.backlog as f64),
    ),
    (
        "oldest_open_days",
        "Oldest open alert",
        "days",
        Some(false),
        |s| s.oldest_open_days.map(|d| d as f64),
    ),
];

pub(super) fn kpis(input: &MonthlyInput<'_>, _analysis: &AlertsSection) -> Vec<Kpi> {
    let months: Vec<Date> = (0..SERIES_MONTHS)
        .rev()
        .map(|back| input.month.first_of_month().saturating_sub(back.months()))
        .collect();
    let earliest = coverage_from(input);
    let stats: Vec<(String, Option<MonthStats>)> = months
        .iter()
        .map(|m| {
            let (from, to) = month_bounds(*m, input.today);
            // Months that end before the archive starts have no data, not zero alerts.
            let covered = earliest.is_some_and(|e| e < start_ms(to) + DAY_MS);
            let s = (input.have_alerts && covered && from <= input.today)
                .then(|| stats(input.alerts, from, to));
            (month_key(*m), s)
        })
        .collect();
    let mut out: Vec<Kpi> = ALERT_FIGURES
        .iter()
        .map(|(key, label, unit, better, figure)| {
            let series: Vec<(String, Option<f64>)> = stats
                .iter()
                .map(|(m, s)| (m.clone(), s.as_ref().and_then(figure)))
                .collect();
            let value = series.last().and_then(|(_, v)| *v);
            let previous = series.iter().rev().nth(1).and_then(|(_, v)| *v);
            Kpi {
                key: key.to_string(),
                label: label.to_string(),
                value,
                previous,
                unit: unit.to_string(),
                higher_is_better: *better,
                series,
                note: (!input.have_alerts).then(|| "no alert archive".to_string()),
            }
        })
        .collect();
    out.extend(state_figures(input));
    out
}

/// Drift and Secure Score: known for now only (the previous month's from the
/// last ops run's comparison, for the score).
fn state_figures(input: &MonthlyInput<'_>) -> Vec<Kpi> {
    let month = month_key(input.month);
    let now_only = |key: &str,
                    label: &str,
                    unit: &str,
                    better,
                    value: Option<f64>,
                    previous: Option<f64>,
                    note: Option<String>| Kpi {
        key: key.into(),
        label: label.into(),
        value,
        previous,
        unit: unit.into(),
        higher_is_better: better,
        series: vec![(month.clone(), value)],
        note,
    };
    let drift_note = input
        .drift
        .is_none()
        .then(|| "no live state: pass --snapshot FILE or --live".to_string());
    let score = input.ops.as_ref().map(|o| &o.section.secure_score);
    let points = score
        .filter(|s| !s.is_empty())
        .map(|s| s.iter().map(|p| p.points).sum::<f64>());
    let previous_points = score.and_then(|s| {
        s.iter()
            .map(|p| p.previous_points)
            .sum::<Option<f64>>()
            .filter(|_| !s.is_empty())
    });
    let max_points = score.map(|s| s.iter().map(|p| p.max_points).sum::<f64>());
    vec![
        now_only(
            "policies_in_sync",
            "Policies in sync",
            "count",
            Some(true),
            input.drift.map(|d| d.in_sync as f64),
            None,
            drift_note.clone(),
        ),
        now_only(
            "policies_drifting",
            "Policies drifting",
            "count",
            Some(false),
            input.drift.map(|d| d.entries.len() as f64),
            None,
            drift_note,
        ),
        now_only(
            "secure_score_mdca",
            "Secure Score, Defender for Cloud Apps",
            "points",
            Some(true),
            points,
            previous_points,
            match (points, max_points) {
                (Some(_), Some(max)) => Some(format!(
                    "of {max:.0} points (MCAS, MDA_*, AppG), from the last ops run"
                )),
                _ => Some("no Secure Score: no ops run with Graph credentials".into()),
            },
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn alert(day: &str, resolution: Option<u8>, resolved_after_hours: Option<i64>) -> AlertRecord {
        let created = start_ms(day.parse().unwrap()) + 3_600_000;
        AlertRecord {
            id: day.into(),
            policy_id: None,
            title: Arc::from("t"),
            service: None,
            timestamp_ms: created,
            resolve_time_ms: resolved_after_hours.map(|h| created + h * 3_600_000),
            severity: Some(2),
            status: Some(1),
            resolution,
            story: None,
            is_system: false,
        }
    }

    #[test]
    fn month_figures() {
        let alerts = vec![
            alert("2026-10-01", Some(5), Some(2)),
            alert("2026-10-02", Some(3), Some(10)),
            alert("2026-10-03", Some(0), None),
            alert("2026-10-31", Some(4), Some(48)), // closed in November: open at October's end
            alert("2026-11-01", Some(0), None),
        ];
        let s = stats(
            &alerts,
            "2026-10-01".parse().unwrap(),
            "2026-10-31".parse().unwrap(),
        );
        assert_eq!(
            (
                s.created,
                s.closed,
                s.true_positive,
                s.false_positive,
                s.benign
            ),
            (4, 3, 1, 1, 1)
        );
        assert_eq!(s.ttr, vec![2 * 3_600_000, 10 * 3_600_000, 48 * 3_600_000]);
        assert_eq!(s.backlog, 2);
        assert_eq!(s.oldest_open_days, Some(28));
        assert_eq!(
            month_bounds("2026-11-05".parse().unwrap(), "2026-11-22".parse().unwrap())
                .1
                .to_string(),
            "2026-11-22"
        );
        assert_eq!(
            month_key(previous_month("2026-01-15".parse().unwrap())),
            "2025-12"
        );
    }
}
