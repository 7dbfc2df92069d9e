//! Alert analysis (pure): from the archive's alert records and the policies
//! they belong to, the per-policy scorecard with a verdict, spikes and drops
//! in daily counts, trends, where alerts are mailed, open system alerts and
//! the backlog, as an `AlertsSection` plus ALERT001-ALERT012 findings. No
//! I/O and no clock: the caller says which day is `today`, and every window
//! and threshold comes from `AlertThresholds` (mdca-ops.md section 3).
//!
//! The methods, and where they come from:
//!
//! - Join: an alert belongs to the policy whose live id is its `policyRule`
//!   entity's id, else to the policy named like its title (trimmed, any
//!   case), else to one built-in/system bucket row.
//! - Scorecard and verdicts follow rsigma's `rule scorecard` (keep / tune /
//!   retire, FP ratio over a 30-day window published from 5 dispositioned
//!   alerts, `fp_only` or `fp_and_benign` numerator), with Microsoft's 0.20
//!   noise threshold as a warning, MDCA's daily alert limit for saturation
//!   and a 90-day silence for dead policies. Verdict priority is
//!   fix > tune > retire > unworked > keep; `reasons` lists every finding.
//! - Time to resolve is `resolveTime - timestamp` of closed alerts created
//!   in the window (resolution 1-5, never "has a resolveTime"); negative
//!   samples are dropped and counted. Percentiles (p50, p90, as the Sentinel
//!   "Security operations efficiency" workbook reports) use the nearest-rank
//!   method: the smallest sample with at least p % of samples at or below it.
//! - Spikes are a seasonal Hampel filter, the robust variant of the
//!   `count > baseline + k * spread` rule of KQL `series_decompose_anomalies`
//!   and Splunk's outlier searches: baseline = median of the same weekday
//!   over the previous 4-8 weeks (the rolling median of up to 28 days when
//!   fewer than 4 weeks are available), spread = 1.4826 * MAD of the same
//!   values with a floor of 1, flag `count >= max(spike_min_count, baseline
//!   + spike_k * spread)`. A day needs `spike_min_history_days` of archive
//!   before it. A drop is a run of zero days after a 28-day median of at
//!   least `drop_min_baseline`; one finding per run.
//! - Trends compare the window with the one before (percent "n/a" below
//!   `trend_min_previous`), and read the direction from a Theil-Sen slope
//!   (median of pairwise slopes) of weekly totals, robust to a single spike.
//!
//! "History" is what the archive covers: from its earliest alert (of any
//! policy) to `today`. Days before that are unknown, not zero, so spikes,
//! silence and trend percentages are only computed where it reaches.
//!
//! No statistics crate: the only statistics are medians, MADs, nearest-rank
//! percentiles and a Theil-Sen slope over a few dozen numbers, a few lines
//! each with plain sorting. Performance: one pass over the records buckets
//! them by policy and day (a `HashMap<&str, usize>` from live id to row, no
//! allocation per alert); everything after works on the per-day counts.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};

use jiff::civil::Date;

use crate::model::{
    AlertBrief, AlertPolicy, AlertRecord, AlertThresholds, AlertsSection, DailyCount, Direction,
    Finding, FpNumerator, RecipientRow, RuleDoc, ScoreRow, Spike, SpikeKind, Trend, Verdict,
};
use crate::registry::{
    ALERT001, ALERT002, ALERT003, ALERT004, ALERT005, ALERT006, ALERT007, ALERT008, ALERT009,
    ALERT010, ALERT011, ALERT012,
};

/// What the analysis reads.
#[derive(Debug, Clone, Copy)]
pub struct AlertsInput<'a> {
    /// The archive's records, in any order.
    pub alerts: &'a [AlertRecord],
    /// Desired and/or live policies, one entry per policy.
    pub policies: &'a [AlertPolicy],
    pub thresholds: &'a AlertThresholds,
    /// Lower case; empty means "do not check recipients".
    pub allowed_email_domains: &'a [String],
    /// The window ends at the end of this day (UTC).
    pub today: Date,
}

/// The analysis: the report section and its findings.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertsOutcome {
    pub section: AlertsSection,
    pub findings: Vec<Finding>,
}

/// The scorecard row of alerts joined to no policy.
pub const BUILTIN_BUCKET: &str = "(built-in and system alerts)";

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: f64 = 3_600_000.0;
/// Without a known daily limit, a constant ceiling below this is no saturation.
const CEILING_MIN: u32 = 5;
/// ALERT009: at least this many alerts in the window, and this share unread.
const UNWATCHED_MIN_ALERTS: u64 = 10;
const UNWATCHED_SHARE: f64 = 0.9;
/// The backlog list is capped; the note gives the total.
const BACKLOG_LIST_MAX: usize = 200;
/// Same-weekday spike baselines use 4 to 8 previous weeks.
const SPIKE_MIN_WEEKS: i64 = 4;
const SPIKE_MAX_WEEKS: i64 = 8;
/// The rolling baseline (spike fallback, drops) spans up to this many days.
const ROLLING_DAYS: i64 = 28;
/// MAD to standard deviation for normal data.
const MAD_SCALE: f64 = 1.4826;
/// Theil-Sen slopes use 8 to 12 weekly totals.
const TREND_MIN_WEEKS: i64 = 8;
const TREND_MAX_WEEKS: i64 = 12;
/// The largest window honoured (config allows 3650).
const MAX_WINDOW_DAYS: i64 = 3660;
/// Names listed in one message or note before "and N more".
const LIST_MAX: usize = 5;

/// Analyses the archive: see the module header for every method.
pub fn analyse(input: &AlertsInput) -> AlertsOutcome {
    let mut ctx = Ctx::new(input);
    let join = Join::new(input.policies);
    let rows = rows(input.policies);
    let pass = Pass::run(input, &ctx, &join, rows.len());
    ctx.first_day = pass.first_day;
    ctx.last_complete = pass
        .last_day
        .map_or(ctx.today - 1, |d| d.min(ctx.today - 1));

    let mut out = Out::default();
    let mut scorecard = Vec::new();
    for (row, tally) in rows.iter().zip(&pass.tallies) {
        if row.policy.is_none() && tally.last_ms.is_none() {
            continue; // no unjoined alert: no bucket row
        }
        scorecard.push(score(&ctx, row, tally, &mut out.findings));
        spikes(&ctx, row, &tally.series, &mut out);
        drops(&ctx, row, &tally.series, &mut out);
        out.trends.extend(trend(&ctx, row, &tally.series));
    }
    let recipients = recipient_rows(&ctx, &rows, &pass.tallies, &mut out.findings);
    mail_cap(&ctx, &rows, &pass.tallies, &mut out.findings);
    let system_alerts = system_alerts(&ctx, input.alerts, &rows, &pass, &mut out.findings);
    let backlog = backlog(&ctx, input.alerts, &rows, &pass, &mut out.notes);
    notes(&ctx, &pass, &mut out.notes);
    let section = AlertsSection {
        from: date_of(ctx.window_start),
        to: date_of(ctx.today),
        alerts_in_window: pass.tallies.iter().map(|t| t.alerts).sum(),
        alerts_archived: input.alerts.len() as u64,
        scorecard,
        spikes: out.spikes,
        trends: out.trends,
        recipients,
        system_alerts,
        backlog,
        daily: daily(&ctx, &pass.daily),
        negative_ttr_dropped: pass.negative_ttr,
        notes: out.notes,
        thresholds: Some(input.thresholds.clone()),
    };
    finish(section, out.findings)
}

/// Deterministic order everywhere.
fn finish(mut section: AlertsSection, mut findings: Vec<Finding>) -> AlertsOutcome {
    section.scorecard.sort_by(|a, b| {
        (a.verdict, Reverse(a.alerts), &a.policy).cmp(&(b.verdict, Reverse(b.alerts), &b.policy))
    });
    section.spikes.sort_by(|a, b| {
        (&a.date, &a.policy, a.kind as u8).cmp(&(&b.date, &b.policy, b.kind as u8))
    });
    section.trends.sort_by(|a, b| {
        let key = |t: &Trend| (direction_rank(t.direction), Reverse(t.delta.unsigned_abs()));
        key(a).cmp(&key(b)).then_with(|| a.policy.cmp(&b.policy))
    });
    section.recipients.sort_by(|a, b| a.policy.cmp(&b.policy));
    findings.sort_by(|a, b| {
        a.sort_key()
            .cmp(&b.sort_key())
            .then_with(|| a.policy.cmp(&b.policy))
    });
    AlertsOutcome { section, findings }
}

fn direction_rank(direction: Direction) -> u8 {
    match direction {
        Direction::Rising => 0,
        Direction::Falling => 1,
        Direction::Flat => 2,
    }
}

/// The days of the analysis, as days since 1970-01-01 (UTC).
struct Ctx<'a> {
    th: AlertThresholds,
    today: i64,
    window_start: i64,
    /// The first day of the per-day series: enough before the window for
    /// spike baselines, the previous window and the weekly trend.
    series_start: i64,
    /// The archive's earliest alert (not after today): where history starts.
    first_day: Option<i64>,
    /// The last day the data can speak for: yesterday (today is still
    /// running), or the day of the archive's newest alert when that is
    /// earlier (the days after the last sync are not in the archive yet).
    /// Drops to zero are only looked for up to it.
    last_complete: i64,
    allowed: &'a [String],
}

impl<'a> Ctx<'a> {
    fn new(input: &AlertsInput<'a>) -> Ctx<'a> {
        let th = sanitized(input.thresholds);
        let today = epoch_day(input.today);
        let window = th.window_days;
        let lookback = (window + SPIKE_MAX_WEEKS * 7)
            .max(2 * window)
            .max(TREND_MAX_WEEKS * 7);
        Ctx {
            today,
            window_start: today - window + 1,
            series_start: today - lookback + 1,
            first_day: None,
            last_complete: today - 1,
            allowed: input.allowed_email_domains,
            th,
        }
    }

    fn series_len(&self) -> usize {
        (self.today - self.series_start + 1) as usize
    }

    /// The count of `day` in a series (0 outside it).
    fn at(&self, series: &[u32], day: i64) -> u32 {
        if day < self.series_start || day > self.today {
            return 0;
        }
        series[(day - self.series_start) as usize]
    }

    fn window<'s>(&self, series: &'s [u32]) -> &'s [u32] {
        &series[(self.window_start - self.series_start) as usize..]
    }

    /// Days of archive before `day`.
    fn history(&self, day: i64) -> Option<i64> {
        self.first_day.map(|first| day - first)
    }

    /// Whether the archive covers the last `days` days.
    fn covers(&self, days: i64) -> bool {
        self.first_day
            .is_some_and(|first| self.today - first + 1 >= days)
    }
}

/// Thresholds made safe to compute with (config validates them already;
/// this keeps the analysis total for any caller).
fn sanitized(t: &AlertThresholds) -> AlertThresholds {
    AlertThresholds {
        window_days: t.window_days.clamp(1, MAX_WINDOW_DAYS),
        fp_min_sample: t.fp_min_sample.max(1),
        dead_days: t.dead_days.max(1),
        saturation_days: t.saturation_days.max(1),
        unworked_days: t.unworked_days.max(0),
        spike_min_history_days: t.spike_min_history_days.max(1),
        spike_min_count: t.spike_min_count.max(1),
        trend_min_previous: t.trend_min_previous.max(1),
        backlog_days: t.backlog_days.max(0),
        ..t.clone()
    }
}

fn epoch_day(date: Date) -> i64 {
    date.since(Date::constant(1970, 1, 1))
        .map_or(0, |span| i64::from(span.get_days()))
}

fn day_of(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS)
}

/// YYYY-MM-DD of a day number.
fn date_of(day: i64) -> String {
    day.checked_mul(86_400)
        .and_then(|seconds| jiff::Timestamp::from_second(seconds).ok())
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string())
        .unwrap_or_else(|| format!("day {day}"))
}

/// RFC 3339 (UTC) of epoch milliseconds.
fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| format!("{ms} ms"))
}

/// One scorecard row: a policy, or the bucket (`policy` None).
struct Row<'a> {
    name: &'a str,
    policy: Option<&'a AlertPolicy>,
}

impl Row<'_> {
    fn finding(&self, rule: &RuleDoc, message: String) -> Finding {
        let mut finding = Finding::new(rule.id, rule.severity, message)
            .policy(self.name)
            .help(rule.remediation);
        if let Some(location) = self.policy.and_then(|p| p.location.clone()) {
            finding = finding.at(location);
        }
        finding
    }

    /// The name alert briefs carry: none for the bucket.
    fn brief_name(&self) -> Option<String> {
        self.policy.map(|p| p.name.clone())
    }

    fn alerting(&self) -> Option<&AlertPolicy> {
        self.policy.filter(|p| p.alerts_enabled)
    }
}

/// One row per policy, then the bucket.
fn rows(policies: &[AlertPolicy]) -> Vec<Row<'_>> {
    let mut rows: Vec<Row> = policies
        .iter()
        .map(|p| Row {
            name: &p.name,
            policy: Some(p),
        })
        .collect();
    rows.push(Row {
        name: BUILTIN_BUCKET,
        policy: None,
    });
    rows
}

/// A name compared trimmed and case-insensitively, without allocating.
#[derive(Clone, Copy)]
struct Caseless<'a>(&'a str);

impl Caseless<'_> {
    fn folded(&self) -> impl Iterator<Item = char> + '_ {
        self.0.trim().chars().flat_map(char::to_lowercase)
    }
}

impl Hash for Caseless<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for c in self.folded() {
            state.write_u32(c as u32);
        }
        state.write_u8(0xff);
    }
}

impl PartialEq for Caseless<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.folded().eq(other.folded())
    }
}

impl Eq for Caseless<'_> {}

/// Alert -> row: by live id, else by title == name, else the bucket. When
/// two policies share an id or a name, the first listed wins.
struct Join<'a> {
    by_id: HashMap<&'a str, usize>,
    by_name: HashMap<Caseless<'a>, usize>,
    bucket: usize,
}

impl<'a> Join<'a> {
    fn new(policies: &'a [AlertPolicy]) -> Join<'a> {
        let mut by_id = HashMap::with_capacity(policies.len());
        let mut by_name = HashMap::with_capacity(policies.len());
        for (i, policy) in policies.iter().enumerate() {
            if let Some(id) = policy.live_id.as_deref() {
                by_id.entry(id.trim()).or_insert(i);
            }
            by_name.entry(Caseless(&policy.name)).or_insert(i);
        }
        Join {
            by_id,
            by_name,
            bucket: policies.len(),
        }
    }

    fn row(&self, alert: &'a AlertRecord) -> usize {
        alert
            .policy_id
            .as_deref()
            .and_then(|id| self.by_id.get(id))
            .or_else(|| self.by_name.get(&Caseless(&alert.title)))
            .copied()
            .unwrap_or(self.bucket)
    }
}

/// What one pass gathers for one row.
#[derive(Debug, Default)]
struct Tally {
    /// Alerts per day from `series_start` to today.
    series: Vec<u32>,
    /// In the window: alerts, open, unread, by resolution code.
    alerts: u64,
    open: u64,
    unread: u64,
    by_resolution: [u64; 6],
    /// Times to resolve (ms) of closed alerts created in the window.
    ttr_ms: Vec<i64>,
    /// Any age (not after today).
    last_ms: Option<i64>,
    oldest_open_ms: Option<i64>,
    unworked: u64,
    oldest_unworked_ms: Option<i64>,
    backlog: u64,
}

fn min_into(slot: &mut Option<i64>, value: i64) {
    *slot = Some(slot.map_or(value, |v| v.min(value)));
}

/// The single pass over the records.
struct Pass {
    tallies: Vec<Tally>,
    /// Window alerts per day and severity code.
    daily: Vec<[u64; 4]>,
    unknown_severity: u64,
    negative_ttr: u64,
    future: u64,
    first_day: Option<i64>,
    last_day: Option<i64>,
    /// (alert index, row) of system alerts in the window or open.
    system: Vec<(usize, usize)>,
    /// (alert index, row) of open alerts older than `backlog_days`.
    backlog: Vec<(usize, usize)>,
}

impl Pass {
    fn run(input: &AlertsInput, ctx: &Ctx, join: &Join, rows: usize) -> Pass {
        let mut pass = Pass {
            tallies: (0..rows)
                .map(|_| Tally {
                    series: vec![0; ctx.series_len()],
                    ..Tally::default()
                })
                .collect(),
            daily: vec![[0; 4]; ctx.th.window_days as usize],
            unknown_severity: 0,
            negative_ttr: 0,
            future: 0,
            first_day: None,
            last_day: None,
            system: Vec::new(),
            backlog: Vec::new(),
        };
        for (index, alert) in input.alerts.iter().enumerate() {
            let day = day_of(alert.timestamp_ms);
            if day > ctx.today {
                pass.future += 1;
                continue;
            }
            min_into(&mut pass.first_day, day);
            pass.last_day = Some(pass.last_day.map_or(day, |d| d.max(day)));
            pass.add(ctx, index, join.row(alert), day, alert);
        }
        pass
    }

    fn add(&mut self, ctx: &Ctx, index: usize, row: usize, day: i64, alert: &AlertRecord) {
        let age = ctx.today - day;
        let tally = &mut self.tallies[row];
        tally.last_ms = Some(
            tally
                .last_ms
                .map_or(alert.timestamp_ms, |v| v.max(alert.timestamp_ms)),
        );
        if day >= ctx.series_start {
            let slot = &mut tally.series[(day - ctx.series_start) as usize];
            *slot = slot.saturating_add(1);
        }
        if alert.is_open() {
            min_into(&mut tally.oldest_open_ms, alert.timestamp_ms);
            if alert.is_unread() && age > ctx.th.unworked_days {
                tally.unworked += 1;
                min_into(&mut tally.oldest_unworked_ms, alert.timestamp_ms);
            }
            if age > ctx.th.backlog_days {
                tally.backlog += 1;
                self.backlog.push((index, row));
            }
        }
        let in_window = day >= ctx.window_start;
        if alert.is_system && (in_window || alert.is_open()) {
            self.system.push((index, row));
        }
        if in_window {
            self.add_in_window(ctx, row, day, alert);
        }
    }

    fn add_in_window(&mut self, ctx: &Ctx, row: usize, day: i64, alert: &AlertRecord) {
        let tally = &mut self.tallies[row];
        tally.alerts += 1;
        tally.open += u64::from(alert.is_open());
        tally.unread += u64::from(alert.is_unread());
        if let Some(code @ 0..=5) = alert.resolution {
            tally.by_resolution[code as usize] += 1;
        }
        match alert.severity {
            Some(code @ 0..=3) => {
                self.daily[(day - ctx.window_start) as usize][code as usize] += 1;
            }
            _ => self.unknown_severity += 1,
        }
        if let (true, Some(resolved)) = (alert.is_closed(), alert.resolve_time_ms) {
            let ttr = resolved.saturating_sub(alert.timestamp_ms);
            if ttr < 0 {
                self.negative_ttr += 1;
            } else {
                tally.ttr_ms.push(ttr);
            }
        }
    }
}

/// One reason of a verdict; `rule` None for a reason without a finding.
struct Check {
    rule: Option<&'static RuleDoc>,
    verdict: Verdict,
    reason: String,
}

impl Check {
    fn new(rule: &'static RuleDoc, verdict: Verdict, reason: String) -> Check {
        Check {
            rule: Some(rule),
            verdict,
            reason,
        }
    }
}

/// The scorecard row of one policy, with its findings.
fn score(ctx: &Ctx, row: &Row, tally: &Tally, findings: &mut Vec<Finding>) -> ScoreRow {
    let (fp_ratio, fp_check) = fp_check(&ctx.th, tally);
    let checks: Vec<Check> = [
        saturation(ctx, row, tally),
        fp_check,
        silence(ctx, row, tally),
        unworked(ctx, tally),
        unwatched(row, tally),
        backlog_check(ctx, tally),
    ]
    .into_iter()
    .flatten()
    .collect();
    let verdict = checks
        .iter()
        .map(|c| c.verdict)
        .min()
        .unwrap_or(Verdict::Keep);
    for check in &checks {
        if let Some(rule) = check.rule {
            findings.push(row.finding(rule, format!("`{}`: {}", row.name, check.reason)));
        }
    }
    let mut ttr = tally.ttr_ms.clone();
    ttr.sort_unstable();
    let hours = |p: f64| nearest_rank(&ttr, p).map(|ms| ms as f64 / HOUR_MS);
    let res = &tally.by_resolution;
    ScoreRow {
        policy: row.name.to_string(),
        policy_id: row.policy.and_then(|p| p.live_id.clone()),
        file: row.policy.and_then(|p| p.file.clone()),
        policy_type: row
            .policy
            .map_or_else(String::new, |p| p.policy_type.clone()),
        alerts: tally.alerts,
        open: tally.open,
        unread: tally.unread,
        true_positive: res[5],
        false_positive: res[3],
        benign: res[4],
        legacy_dismissed: res[1],
        legacy_resolved: res[2],
        fp_ratio,
        ttr_p50_hours: hours(0.5),
        ttr_p90_hours: hours(0.9),
        oldest_open: tally.oldest_open_ms.map(rfc3339),
        verdict,
        reasons: checks.into_iter().map(|c| c.reason).collect(),
        daily: ctx.window(&tally.series).to_vec(),
    }
}

/// The FP ratio (None below `fp_min_sample` dispositioned alerts) and its
/// check: tune above `fp_tune`, a note from `fp_warn`.
fn fp_check(th: &AlertThresholds, tally: &Tally) -> (Option<f64>, Option<Check>) {
    let [_, _, _, fp, benign, tp] = tally.by_resolution;
    let closed = fp + benign + tp;
    if closed < th.fp_min_sample {
        return (None, None);
    }
    let (noise, what) = match th.fp_numerator {
        FpNumerator::FpOnly => (fp, "false positives"),
        FpNumerator::FpAndBenign => (fp + benign, "false or benign positives"),
    };
    let ratio = noise as f64 / closed as f64;
    let figures = format!(
        "FP ratio {ratio:.2} ({noise} of {closed} alerts closed in the window were {what})"
    );
    let check = if ratio > th.fp_tune {
        Some(Check::new(
            &ALERT001,
            Verdict::Tune,
            format!("{figures}, above fp_tune {:.2}", th.fp_tune),
        ))
    } else if ratio >= th.fp_warn {
        Some(Check::new(
            &ALERT002,
            Verdict::Keep,
            format!("{figures}, at or above fp_warn {:.2}", th.fp_warn),
        ))
    } else {
        None
    };
    (Some(ratio), check)
}

/// Saturation: at least `saturation_days` window days at the daily limit
/// (at or above it: MDCA stops there), or, when the limit is unknown, at a
/// constant ceiling (see `ceiling`). The bucket is never saturated.
fn saturation(ctx: &Ctx, row: &Row, tally: &Tally) -> Option<Check> {
    let policy = row.policy?;
    let window = ctx.window(&tally.series);
    let reason = match policy.daily_limit {
        Some(limit) if limit > 0 => {
            let days = window.iter().filter(|&&c| i64::from(c) >= limit).count() as u64;
            (days >= ctx.th.saturation_days).then(|| {
                format!("saturated: reached its daily alert limit of {limit} on {days} days in the window")
            })?
        }
        Some(_) => return None,
        None => {
            let (ceiling, days) = ceiling(window, ctx.th.saturation_days)?;
            format!("saturated: the same ceiling of {ceiling} alerts a day on {days} days in the window and never more (daily limit unknown)")
        }
    };
    Some(Check::new(&ALERT004, Verdict::Fix, reason))
}

/// A constant daily ceiling: the window's highest daily count, when it is
/// at least `CEILING_MIN`, reached on at least `min_days` days, and strictly
/// the most common non-zero daily count. A policy under a cap sits at the
/// cap whenever its real volume is above it, so the cap becomes its
/// commonest count; natural variation reaches its maximum rarely, a steady
/// small count (1 a day) stays under `CEILING_MIN`, and a tie (plateaus of
/// a rising count) is no evidence of a cap. A count exactly the same every
/// day counts as a ceiling: real alert volume varies, and a policy far over
/// its limit shows exactly that.
fn ceiling(window: &[u32], min_days: u64) -> Option<(u32, u64)> {
    let max = *window.iter().max()?;
    if max < CEILING_MIN {
        return None;
    }
    let mut sorted: Vec<u32> = window.iter().copied().filter(|&c| c > 0).collect();
    sorted.sort_unstable();
    let at_max = sorted.iter().filter(|&&c| c == max).count() as u64;
    let commonest_below = sorted
        .chunk_by(|a, b| a == b)
        .filter(|run| run[0] != max)
        .map(|run| run.len() as u64)
        .max()
        .unwrap_or(0);
    (at_max >= min_days && at_max > commonest_below).then_some((max, at_max))
}

/// Silent: enabled, alerting, and no alert in `dead_days` (when the archive
/// covers them). A policy that does not alert is "no alerting", never dead.
fn silence(ctx: &Ctx, row: &Row, tally: &Tally) -> Option<Check> {
    let policy = row.policy?;
    let dead = ctx.th.dead_days;
    let last_day = tally.last_ms.map(day_of);
    if last_day.is_some_and(|d| d > ctx.today - dead) {
        return None;
    }
    if !policy.enabled || !policy.alerts_enabled {
        let why = if policy.enabled {
            "alerts are off"
        } else {
            "the policy is disabled"
        };
        return Some(Check {
            rule: None,
            verdict: Verdict::Keep,
            reason: format!("no alerting: {why}, so no alert in {dead} days is expected"),
        });
    }
    if !ctx.covers(dead) {
        return None;
    }
    let last = match last_day {
        Some(day) => format!("last alert on {}", date_of(day)),
        None => format!(
            "none in the archive, which starts on {}",
            date_of(ctx.first_day.unwrap_or(ctx.today))
        ),
    };
    Some(Check::new(
        &ALERT003,
        Verdict::Retire,
        format!("silent: no alert in the last {dead} days ({last})"),
    ))
}

fn unworked(ctx: &Ctx, tally: &Tally) -> Option<Check> {
    let oldest = tally.oldest_unworked_ms?;
    Some(Check::new(
        &ALERT005,
        Verdict::Unworked,
        format!(
            "{} unread open alerts older than {} days (the oldest from {})",
            tally.unworked,
            ctx.th.unworked_days,
            date_of(day_of(oldest))
        ),
    ))
}

/// ALERT009: nearly every alert of an alerting policy in the window unread.
fn unwatched(row: &Row, tally: &Tally) -> Option<Check> {
    row.alerting()?;
    let share = unread_share(tally)?;
    if tally.alerts < UNWATCHED_MIN_ALERTS || share < UNWATCHED_SHARE {
        return None;
    }
    Some(Check::new(
        &ALERT009,
        Verdict::Keep,
        format!(
            "{} of its {} alerts in the window ({:.0} %) are unread: its mailbox looks unwatched",
            tally.unread,
            tally.alerts,
            share * 100.0
        ),
    ))
}

fn backlog_check(ctx: &Ctx, tally: &Tally) -> Option<Check> {
    if tally.backlog == 0 {
        return None;
    }
    // The oldest open alert is the oldest of the backlog.
    let oldest = tally.oldest_open_ms.map(|ms| date_of(day_of(ms)));
    Some(Check::new(
        &ALERT011,
        Verdict::Keep,
        format!(
            "{} open alerts older than {} days (the oldest from {})",
            tally.backlog,
            ctx.th.backlog_days,
            oldest.unwrap_or_default()
        ),
    ))
}

fn unread_share(tally: &Tally) -> Option<f64> {
    (tally.alerts > 0).then(|| tally.unread as f64 / tally.alerts as f64)
}

/// What the per-row analyses add besides the scorecard.
#[derive(Default)]
struct Out {
    spikes: Vec<Spike>,
    trends: Vec<Trend>,
    findings: Vec<Finding>,
    notes: Vec<String>,
}

/// Spikes on the window's days (see the module header).
fn spikes(ctx: &Ctx, row: &Row, series: &[u32], out: &mut Out) {
    let th = &ctx.th;
    for day in ctx.window_start..=ctx.today {
        let count = ctx.at(series, day);
        if u64::from(count) < th.spike_min_count {
            continue; // below the floor of every threshold
        }
        let Some((baseline, spread)) = spike_baseline(ctx, series, day) else {
            continue;
        };
        let threshold = (th.spike_min_count as f64).max(baseline + th.spike_k * spread);
        if f64::from(count) < threshold {
            continue;
        }
        let date = date_of(day);
        out.findings.push(row.finding(
            &ALERT006,
            format!(
                "`{}`: {count} alerts on {date}, against a baseline of {baseline:.1} (threshold {threshold:.1})",
                row.name
            ),
        ));
        out.spikes.push(Spike {
            policy: row.name.to_string(),
            date,
            count: u64::from(count),
            baseline,
            kind: SpikeKind::Spike,
        });
    }
}

/// Baseline and spread for `day`: the same weekday over the previous 4-8
/// weeks, else the previous up-to-28 days; None without enough history.
fn spike_baseline(ctx: &Ctx, series: &[u32], day: i64) -> Option<(f64, f64)> {
    let history = ctx.history(day)?;
    if history < ctx.th.spike_min_history_days {
        return None;
    }
    let weeks = (history / 7).min(SPIKE_MAX_WEEKS);
    let values: Vec<f64> = if weeks >= SPIKE_MIN_WEEKS {
        (1..=weeks)
            .map(|k| f64::from(ctx.at(series, day - 7 * k)))
            .collect()
    } else {
        (1..=history.min(ROLLING_DAYS))
            .map(|k| f64::from(ctx.at(series, day - k)))
            .collect()
    };
    let baseline = median(&values)?;
    let spread = (MAD_SCALE * mad(&values, baseline)?).max(1.0);
    Some((baseline, spread))
}

/// Drops to zero: runs of zero days in the window after a 28-day median of
/// at least `drop_min_baseline`; one spike entry and one finding per run.
fn drops(ctx: &Ctx, row: &Row, series: &[u32], out: &mut Out) {
    let Some(first) = ctx.first_day else { return };
    let last = ctx.last_complete;
    let mut day = ctx.window_start;
    while day <= last {
        if ctx.at(series, day) != 0 {
            day += 1;
            continue;
        }
        let mut end = day;
        while end < last && ctx.at(series, end + 1) == 0 {
            end += 1;
        }
        // A run may have begun before the window.
        let mut start = day;
        while start > ctx.series_start.max(first) && ctx.at(series, start - 1) == 0 {
            start -= 1;
        }
        if let Some(baseline) = drop_baseline(ctx, series, start, first) {
            out.spikes.push(Spike {
                policy: row.name.to_string(),
                date: date_of(day),
                count: 0,
                baseline,
                kind: SpikeKind::Drop,
            });
            let ongoing = if end == last { ", still silent" } else { "" };
            out.findings.push(row.finding(
                &ALERT007,
                format!(
                    "`{}`: no alert from {} to {} ({} days{ongoing}) after a median of {baseline:.1} a day over the previous {ROLLING_DAYS} days",
                    row.name,
                    date_of(start),
                    date_of(end),
                    end - start + 1
                ),
            ));
        }
        day = end + 1;
    }
}

/// The median of the 28 days before a run of zeros, when the archive covers
/// them and it reaches `drop_min_baseline`.
fn drop_baseline(ctx: &Ctx, series: &[u32], start: i64, first: i64) -> Option<f64> {
    let needed = ROLLING_DAYS.max(ctx.th.spike_min_history_days);
    if start - first < needed || start - ROLLING_DAYS < ctx.series_start {
        return None;
    }
    let values: Vec<f64> = (1..=ROLLING_DAYS)
        .map(|k| f64::from(ctx.at(series, start - k)))
        .collect();
    median(&values).filter(|&b| b >= ctx.th.drop_min_baseline)
}

/// The window against the one before, and the Theil-Sen slope of weekly
/// totals; None for a row with no alert in either window.
fn trend(ctx: &Ctx, row: &Row, series: &[u32]) -> Option<Trend> {
    let w = ctx.th.window_days;
    let sum =
        |from: i64, to: i64| -> u64 { (from..=to).map(|d| u64::from(ctx.at(series, d))).sum() };
    let current = sum(ctx.window_start, ctx.today);
    let previous = sum(ctx.window_start - w, ctx.window_start - 1);
    if current + previous == 0 {
        return None;
    }
    let previous_covered = ctx
        .first_day
        .is_some_and(|first| first <= ctx.window_start - w);
    let percent = (previous_covered && previous >= ctx.th.trend_min_previous)
        .then(|| (current as f64 - previous as f64) * 100.0 / previous as f64);
    let slope = weekly_slope(ctx, series);
    let direction = match (percent, slope) {
        (Some(p), Some(s)) if p.abs() >= ctx.th.trend_percent && p > 0.0 && s > 0.0 => {
            Direction::Rising
        }
        (Some(p), Some(s)) if p.abs() >= ctx.th.trend_percent && p < 0.0 && s < 0.0 => {
            Direction::Falling
        }
        _ => Direction::Flat,
    };
    Some(Trend {
        policy: row.name.to_string(),
        current,
        previous,
        delta: current as i64 - previous as i64,
        percent,
        slope_per_week: slope,
        direction,
    })
}

/// Theil-Sen slope of the last weekly totals (weeks ending today): as many
/// weeks as the two compared windows span, 8 to 12, all covered by the
/// archive; None with fewer than 8.
fn weekly_slope(ctx: &Ctx, series: &[u32]) -> Option<f64> {
    let first = ctx.first_day?;
    let span = (2 * ctx.th.window_days + 6) / 7;
    let covered = (ctx.today - first + 1) / 7;
    let weeks = span.clamp(TREND_MIN_WEEKS, TREND_MAX_WEEKS).min(covered);
    if weeks < TREND_MIN_WEEKS {
        return None;
    }
    let totals: Vec<f64> = (0..weeks)
        .rev()
        .map(|k| {
            let end = ctx.today - 7 * k;
            (end - 6..=end).map(|d| f64::from(ctx.at(series, d))).sum()
        })
        .collect();
    theil_sen(&totals)
}

/// One row per alerting policy; ALERT008 for recipients outside the
/// allowed domains (desired and live, unchecked when none are configured).
fn recipient_rows(
    ctx: &Ctx,
    rows: &[Row],
    tallies: &[Tally],
    findings: &mut Vec<Finding>,
) -> Vec<RecipientRow> {
    let mut out = Vec::new();
    for (row, tally) in rows.iter().zip(tallies) {
        let Some(policy) = row.alerting() else {
            continue;
        };
        let mut seen = BTreeSet::new();
        let outside: Vec<String> = policy
            .recipients_desired
            .iter()
            .chain(&policy.recipients_live)
            .filter(|r| seen.insert(r.trim().to_lowercase()))
            .filter(|r| !ctx.allowed.is_empty() && !allowed_address(r, ctx.allowed))
            .cloned()
            .collect();
        if !outside.is_empty() {
            findings.push(row.finding(
                &ALERT008,
                format!(
                    "`{}` mails alerts to {} outside the allowed domains: {}",
                    row.name,
                    plural(outside.len(), "address", "addresses"),
                    outside.join(", ")
                ),
            ));
        }
        out.push(RecipientRow {
            policy: row.name.to_string(),
            desired: policy.recipients_desired.clone(),
            live: policy.recipients_live.clone(),
            outside_allowed: outside,
            unread_share: unread_share(tally),
        });
    }
    out
}

/// Whether an address's domain is an allowed domain or a subdomain of one.
/// An address without `@` is never allowed.
fn allowed_address(address: &str, allowed: &[String]) -> bool {
    let Some((_, domain)) = address.trim().rsplit_once('@') else {
        return false;
    };
    let domain = domain.trim_end_matches('.').to_lowercase();
    allowed.iter().any(|entry| {
        let entry = entry.trim().trim_start_matches(['@', '.']).to_lowercase();
        !entry.is_empty()
            && (domain == entry
                || domain
                    .strip_suffix(entry.as_str())
                    .is_some_and(|head| head.ends_with('.')))
    })
}

/// ALERT012: per address, the window's daily sum of the alerts of every
/// alerting policy mailing it (live recipients when known, else desired);
/// one finding per address with days above `mail_cap_per_day`.
fn mail_cap(ctx: &Ctx, rows: &[Row], tallies: &[Tally], findings: &mut Vec<Finding>) {
    let mut mailboxes: BTreeMap<String, (Vec<u64>, BTreeSet<&str>)> = BTreeMap::new();
    for (row, tally) in rows.iter().zip(tallies) {
        let Some(policy) = row.alerting() else {
            continue;
        };
        let list = if policy.recipients_live.is_empty() {
            &policy.recipients_desired
        } else {
            &policy.recipients_live
        };
        let addresses: BTreeSet<String> = list.iter().map(|r| r.trim().to_lowercase()).collect();
        let window = ctx.window(&tally.series);
        for address in addresses.into_iter().filter(|a| !a.is_empty()) {
            let (days, names) = mailboxes
                .entry(address)
                .or_insert_with(|| (vec![0; window.len()], BTreeSet::new()));
            for (sum, &count) in days.iter_mut().zip(window) {
                *sum += u64::from(count);
            }
            names.insert(row.name);
        }
    }
    let cap = ctx.th.mail_cap_per_day;
    for (address, (days, names)) in mailboxes {
        let over: Vec<(i64, u64)> = (ctx.window_start..)
            .zip(days)
            .filter(|&(_, n)| n > cap)
            .collect();
        let Some(&(worst_day, worst)) = over.iter().max_by_key(|&&(d, n)| (n, Reverse(d))) else {
            continue;
        };
        let dates: Vec<String> = over.iter().map(|&(d, _)| date_of(d)).collect();
        let names: Vec<&str> = names.into_iter().collect();
        findings.push(
            Finding::new(
                ALERT012.id,
                ALERT012.severity,
                format!(
                    "`{address}` would be sent {worst} alert mails on {}, above MDCA's cap of {cap} per address per day; over the cap on {}: {}; policies mailing it: {}",
                    date_of(worst_day),
                    plural(dates.len(), "day", "days"),
                    listed(&dates),
                    listed(&names)
                ),
            )
            .help(ALERT012.remediation),
        );
    }
}

/// System alerts created in the window (newest first); ALERT010 for every
/// open one, of any age.
fn system_alerts(
    ctx: &Ctx,
    alerts: &[AlertRecord],
    rows: &[Row],
    pass: &Pass,
    findings: &mut Vec<Finding>,
) -> Vec<AlertBrief> {
    let mut listed_alerts = Vec::new();
    for &(index, row) in &pass.system {
        let alert = &alerts[index];
        let brief = brief(ctx, alert, &rows[row]);
        if alert.is_open() {
            let mut finding = Finding::new(
                ALERT010.id,
                ALERT010.severity,
                format!(
                    "open system alert `{}` ({}) from {}",
                    alert.title, alert.id, brief.created
                ),
            )
            .help(ALERT010.remediation);
            if let Some(name) = &brief.policy {
                finding = finding.policy(name);
            }
            findings.push(finding);
        }
        if day_of(alert.timestamp_ms) >= ctx.window_start {
            listed_alerts.push((alert.timestamp_ms, brief));
        }
    }
    listed_alerts.sort_by(|a, b| (Reverse(a.0), &a.1.id).cmp(&(Reverse(b.0), &b.1.id)));
    listed_alerts.into_iter().map(|(_, brief)| brief).collect()
}

/// Open alerts older than `backlog_days`, oldest first, at most
/// `BACKLOG_LIST_MAX` (a note gives the total).
fn backlog(
    ctx: &Ctx,
    alerts: &[AlertRecord],
    rows: &[Row],
    pass: &Pass,
    notes: &mut Vec<String>,
) -> Vec<AlertBrief> {
    let key = |&(index, _): &(usize, usize)| (alerts[index].timestamp_ms, &*alerts[index].id);
    let mut entries = pass.backlog.clone();
    if entries.len() > BACKLOG_LIST_MAX {
        entries.select_nth_unstable_by(BACKLOG_LIST_MAX, |a, b| key(a).cmp(&key(b)));
        entries.truncate(BACKLOG_LIST_MAX);
        notes.push(format!(
            "backlog: {} open alerts older than {} days; the {BACKLOG_LIST_MAX} oldest are listed",
            pass.backlog.len(),
            ctx.th.backlog_days
        ));
    }
    entries.sort_by(|a, b| key(a).cmp(&key(b)));
    entries
        .into_iter()
        .map(|(index, row)| brief(ctx, &alerts[index], &rows[row]))
        .collect()
}

fn brief(ctx: &Ctx, alert: &AlertRecord, row: &Row) -> AlertBrief {
    AlertBrief {
        id: alert.id.to_string(),
        title: alert.title.to_string(),
        policy: row.brief_name(),
        created: rfc3339(alert.timestamp_ms),
        age_days: ctx.today - day_of(alert.timestamp_ms),
        severity: alert.severity,
    }
}

fn daily(ctx: &Ctx, counts: &[[u64; 4]]) -> Vec<DailyCount> {
    (ctx.window_start..)
        .zip(counts)
        .map(|(day, &by_severity)| DailyCount {
            date: date_of(day),
            by_severity,
        })
        .collect()
}

/// What could not be computed, once each.
fn notes(ctx: &Ctx, pass: &Pass, notes: &mut Vec<String>) {
    let th = &ctx.th;
    let Some(first) = ctx.first_day else {
        notes.push(format!(
            "no alert in the archive up to {}: nothing to score, and silent policies cannot be told from an empty archive",
            date_of(ctx.today)
        ));
        return;
    };
    if pass.future > 0 {
        notes.push(format!(
            "{} dated after {} {} left out",
            plural(pass.future as usize, "alert", "alerts"),
            date_of(ctx.today),
            if pass.future == 1 { "was" } else { "were" }
        ));
    }
    if pass.unknown_severity > 0 {
        notes.push(format!(
            "{} alerts in the window have no known severity and are left out of the daily chart",
            pass.unknown_severity
        ));
    }
    let first_scored = first + th.spike_min_history_days;
    if first_scored > ctx.window_start {
        notes.push(format!(
            "insufficient history for spikes: the archive starts on {}, so days before {} (less than {} days of history) were not checked",
            date_of(first),
            date_of(first_scored),
            th.spike_min_history_days
        ));
    }
    if !ctx.covers(th.dead_days) {
        notes.push(format!(
            "silent policies not checked: the archive starts on {}, less than {} days ago",
            date_of(first),
            th.dead_days
        ));
    }
    if first > ctx.window_start - th.window_days {
        notes.push(format!(
            "trend percentages n/a: the archive starts on {}, after the previous window began",
            date_of(first)
        ));
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Up to `LIST_MAX` items, then "and N more".
fn listed<T: AsRef<str>>(items: &[T]) -> String {
    let shown: Vec<&str> = items.iter().take(LIST_MAX).map(AsRef::as_ref).collect();
    let mut text = shown.join(", ");
    if items.len() > LIST_MAX {
        text.push_str(&format!(" and {} more", items.len() - LIST_MAX));
    }
    text
}

/// Median of unsorted values (mean of the two middle ones for an even count).
fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// Median absolute deviation around `center`.
fn mad(values: &[f64], center: f64) -> Option<f64> {
    let deviations: Vec<f64> = values.iter().map(|v| (v - center).abs()).collect();
    median(&deviations)
}

/// Nearest-rank percentile of sorted samples: the smallest sample with at
/// least `p` of the samples at or below it.
pub(crate) fn nearest_rank(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// Theil-Sen slope of equally spaced values: the median of the slopes of
/// every pair of points.
fn theil_sen(values: &[f64]) -> Option<f64> {
    let mut slopes = Vec::with_capacity(values.len() * values.len() / 2);
    for (i, a) in values.iter().enumerate() {
        for (j, b) in values.iter().enumerate().skip(i + 1) {
            slopes.push((b - a) / (j - i) as f64);
        }
    }
    median(&slopes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_mad() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(mad(&[1.0, 1.0, 2.0, 2.0, 4.0, 6.0, 9.0], 2.0), Some(1.0));
    }

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<i64> = (1..=10).collect();
        assert_eq!(nearest_rank(&samples, 0.5), Some(5));
        assert_eq!(nearest_rank(&samples, 0.9), Some(9));
        assert_eq!(nearest_rank(&[7], 0.9), Some(7));
        assert_eq!(nearest_rank(&[], 0.5), None);
    }

    #[test]
    fn theil_sen_ignores_one_outlier() {
        assert_eq!(theil_sen(&[1.0, 2.0, 3.0, 4.0]), Some(1.0));
        assert_eq!(theil_sen(&[14.0, 14.0, 14.0, 14.0, 14.0, 200.0]), Some(0.0));
        assert_eq!(theil_sen(&[5.0]), None);
    }

    #[test]
    fn ceiling_needs_a_common_maximum_of_at_least_five() {
        assert_eq!(ceiling(&[1; 30], 3), None);
        assert_eq!(ceiling(&[20, 20, 20, 14, 11, 0, 0], 3), Some((20, 3)));
        // natural variation: the maximum is reached rarely
        assert_eq!(ceiling(&[3, 5, 4, 9, 6, 9, 4, 5, 9, 4, 4, 5, 4], 3), None);
        // reached on enough days but not strictly the commonest count
        assert_eq!(ceiling(&[9, 9, 9, 6, 6, 6, 6], 3), None);
        assert_eq!(ceiling(&[12, 12, 12, 11, 11, 11, 10, 10, 10], 3), None);
        // the same count every day: a policy far over its limit
        assert_eq!(ceiling(&[6; 30], 3), Some((6, 30)));
    }

    #[test]
    fn domains_match_exactly_or_as_subdomains() {
        let allowed = vec!["contoso.com".to_string()];
        assert!(allowed_address("soc@contoso.com", &allowed));
        assert!(allowed_address("SOC@EU.Contoso.com", &allowed));
        assert!(!allowed_address("a@evilcontoso.com", &allowed));
        assert!(!allowed_address("no-at-sign", &allowed));
    }

    #[test]
    fn caseless_names_join() {
        let a = Caseless("  Mass Download ");
        let b = Caseless("mass download");
        let hash = |c: &Caseless| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            c.hash(&mut h);
            h.finish()
        };
        assert!(a == b);
        assert_eq!(hash(&a), hash(&b));
        assert!(Caseless("mass") != Caseless("mass download"));
    }

    #[test]
    fn epoch_days_round_trip() {
        let day = epoch_day(jiff::civil::date(2026, 11, 22));
        assert_eq!(date_of(day), "2026-11-22");
        assert_eq!(day_of(-1), -1);
        assert_eq!(date_of(0), "1970-01-01");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    }
}
