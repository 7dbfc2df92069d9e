//! The alert analysis on data with known answers: a generated tenant of
//! about 120 days (plus a 210-day backlog) in which every policy was built
//! to show one behaviour, with the figures worked out by hand below, and
//! property checks (proptest) that the analysis is total: no panic and no
//! NaN on empty, zero, single, future and huge inputs.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use casguard::alerts::{analyse, AlertsInput, AlertsOutcome, BUILTIN_BUCKET};
use casguard::model::{
    AlertPolicy, AlertRecord, AlertThresholds, Direction, FpNumerator, Location, ScoreRow,
    SpikeKind, Verdict,
};
use jiff::civil::{date, Date};
use proptest::prelude::*;

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

fn today() -> Date {
    date(2026, 11, 22)
}

/// Midnight UTC, `offset` days before today.
fn day_ms(offset: i64) -> i64 {
    let today = today()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp()
        .as_millisecond();
    today - offset * DAY_MS
}

/// The date `offset` days before today.
fn day(offset: i64) -> String {
    today()
        .checked_sub(jiff::Span::new().days(offset))
        .unwrap()
        .to_string()
}

/// A tenant under construction: policies and their alerts.
#[derive(Default)]
struct Tenant {
    policies: Vec<AlertPolicy>,
    alerts: Vec<AlertRecord>,
    strings: HashMap<String, Arc<str>>,
}

impl Tenant {
    fn intern(&mut self, text: &str) -> Arc<str> {
        self.strings
            .entry(text.to_string())
            .or_insert_with(|| Arc::from(text))
            .clone()
    }

    /// An enabled, alerting policy.
    fn policy(&mut self, name: &str, live_id: Option<&str>) -> &mut AlertPolicy {
        self.policies.push(AlertPolicy {
            name: name.into(),
            policy_type: "ACTIVITY".into(),
            live_id: live_id.map(Into::into),
            file: Some(format!("policies/{}.toml", name.replace(' ', "-"))),
            enabled: true,
            alerts_enabled: true,
            ..AlertPolicy::default()
        });
        self.policies.last_mut().unwrap()
    }

    /// An alert `offset` days ago at `hour`: by default medium, read,
    /// closed as true positive an hour later.
    fn alert(
        &mut self,
        policy_id: Option<&str>,
        title: &str,
        offset: i64,
        hour: i64,
    ) -> &mut AlertRecord {
        let timestamp_ms = day_ms(offset) + hour * HOUR_MS;
        let record = AlertRecord {
            id: format!("{:024x}", self.alerts.len()).into(),
            policy_id: policy_id.map(|id| self.intern(id)),
            title: self.intern(title),
            service: None,
            timestamp_ms,
            resolve_time_ms: Some(timestamp_ms + HOUR_MS),
            severity: Some(1),
            status: Some(1),
            resolution: Some(5),
            story: None,
            is_system: false,
        };
        self.alerts.push(record);
        self.alerts.last_mut().unwrap()
    }

    /// `count(offset)` alerts on each of the 120 days, hours 0.. spread.
    fn daily(&mut self, id: &str, title: &str, count: impl Fn(i64) -> u32) {
        for offset in 0..120 {
            for i in 0..count(offset) {
                self.alert(Some(id), title, offset, i64::from(i % 24));
            }
        }
    }

    fn analyse(&self, thresholds: &AlertThresholds, allowed: &[String]) -> AlertsOutcome {
        analyse(&AlertsInput {
            alerts: &self.alerts,
            policies: &self.policies,
            thresholds,
            allowed_email_domains: allowed,
            today: today(),
        })
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The known-answer tenant; the comments give the answers.
fn tenant() -> Tenant {
    let mut t = Tenant::default();
    noisy_and_borderline(&mut t);
    silent_and_saturated(&mut t);
    queues(&mut t);
    shapes(&mut t);
    joins_and_system(&mut t);
    t
}

fn noisy_and_borderline(t: &mut Tenant) {
    // 1 a day; in the window 21 FP + 9 TP: FP ratio 0.70 -> tune (ALERT001).
    // Recipients: 2 outside contoso.com (ALERT008); it mails soc@ live.
    let noisy = t.policy("Noisy downloads", Some("p-noisy"));
    noisy.location = Some(Location::whole_file("policies/Noisy-downloads.toml"));
    noisy.recipients_desired = strings(&["soc@contoso.com", "ext@gmail.com"]);
    noisy.recipients_live = strings(&[
        "SOC@contoso.com",
        "a@evilcontoso.com",
        "alerts@eu.contoso.com",
    ]);
    for offset in 0..120 {
        let alert = t.alert(Some("p-noisy"), "Noisy downloads", offset, 9);
        if offset < 30 && offset % 10 < 7 {
            alert.resolution = Some(3);
        }
    }
    // One alert dated after today: left out, with a note.
    t.alert(Some("p-noisy"), "Noisy downloads", -3, 9);

    // 1 a day; in the window 9 FP + 21 TP: 0.30 -> ALERT002, keep. Three
    // TP in the window resolved before they were created (dropped: 3);
    // one outside the window and one open alert with the same defect do
    // not count. Two open read alerts 200 and 210 days old: backlog.
    t.policy("Borderline sharing", Some("p-border"));
    for offset in 0..120 {
        let alert = t.alert(Some("p-border"), "Borderline sharing", offset, 10);
        if offset < 30 && offset % 10 < 3 {
            alert.resolution = Some(3);
        }
        if [5, 6, 7, 40].contains(&offset) {
            alert.resolve_time_ms = Some(alert.timestamp_ms - HOUR_MS);
        }
    }
    let open = t.alert(Some("p-border"), "Borderline sharing", 1, 15);
    open.resolution = Some(0);
    open.resolve_time_ms = Some(open.timestamp_ms - 2 * HOUR_MS);
    for offset in [200, 210] {
        t.alert(Some("p-border"), "Borderline sharing", offset, 11)
            .resolution = Some(0);
    }
}

fn silent_and_saturated(t: &mut Tenant) {
    // Last alert 100 days ago: silent (ALERT003), retire.
    t.policy("Dead exfiltration", Some("p-dead"));
    for offset in 100..=110 {
        t.alert(Some("p-dead"), "Dead exfiltration", offset, 12);
    }
    // No alert ever, but alerts are off: "no alerting", keep.
    t.policy("Quiet block", Some("p-quiet")).alerts_enabled = false;

    // Daily limit 5, reached every third day: 10 days in the window.
    t.policy("Saturated at limit", Some("p-limit")).daily_limit = Some(5);
    t.daily("p-limit", "Saturated at limit", |o| {
        if o % 3 == 0 {
            5
        } else {
            4
        }
    });

    // No known limit; a weekly pattern whose maximum, 20, is its commonest
    // count: 10 days at 20 in the window (offsets 0,1,7,8,...,28,29).
    t.policy("Ceiling unknown", Some("p-ceiling"));
    t.daily("p-ceiling", "Ceiling unknown", |o| {
        [20, 20, 14, 11, 17, 13, 16][(o % 7) as usize]
    });
}

fn queues(t: &mut Tenant) {
    // 1 read closed alert a day, plus unread open ones: 10-13 days old
    // (unworked: 4, the oldest 13 days ago), 7 days old (not older than 7)
    // and 3 days old.
    t.policy("Unworked queue", Some("p-unworked"));
    t.daily("p-unworked", "Unworked queue", |_| 1);
    for offset in [10, 11, 12, 13, 7, 3, 3] {
        let alert = t.alert(Some("p-unworked"), "Unworked queue", offset, 20);
        alert.status = Some(0);
        alert.resolution = Some(0);
    }

    // 12 alerts in the window, 11 unread and open: 92 % unread (ALERT009),
    // 8 of them older than 7 days (ALERT005). New: no previous window.
    t.policy("Unwatched mailbox", Some("p-unwatched"))
        .recipients_desired = strings(&["unwatched@contoso.com"]);
    for offset in (0..=22).step_by(2) {
        let alert = t.alert(Some("p-unwatched"), "Unwatched mailbox", offset, 7);
        if offset > 0 {
            alert.status = Some(0);
            alert.resolution = Some(0);
        }
    }
}

fn shapes(t: &mut Tenant) {
    // 2 a day, closed after 1..10 hours in turn: p50 5 h, p90 9 h.
    t.policy("Steady", Some("p-steady")).recipients_desired = strings(&["soc@contoso.com"]);
    let mut i = 0;
    for offset in 0..120 {
        for hour in [8, 16] {
            let alert = t.alert(Some("p-steady"), "Steady", offset, hour);
            if offset < 30 {
                alert.resolve_time_ms = Some(alert.timestamp_ms + (i % 10 + 1) * HOUR_MS);
                i += 1;
            }
        }
    }
    // 2 a day and 520 five days ago: one spike (baseline 2). 520 mails to
    // spiky@ and 523 to soc@ (with Steady's 2 and Noisy's 1): ALERT012 x2.
    let spiky = t.policy("Spiky", Some("p-spiky"));
    spiky.recipients_desired = strings(&["old@contoso.com"]);
    spiky.recipients_live = strings(&["soc@contoso.com", "spiky@contoso.com"]);
    t.daily("p-spiky", "Spiky", |o| if o == 5 { 520 } else { 2 });

    // 5-7 a day (a weekly pattern, 42 a week, median 6), then nothing for
    // the last 10 days: one drop from day -9. Window: 119, before: 181.
    t.policy("Dropping", Some("p-drop"));
    t.daily("p-drop", "Dropping", |o| {
        if o < 10 {
            0
        } else {
            [5, 6, 7, 6, 5, 7, 6][(o % 7) as usize]
        }
    });

    // Linear growth 1 -> 12 a day: 330 vs 240 (+37.5 %), rising.
    t.policy("Rising", Some("p-rise"));
    t.daily("p-rise", "Rising", |o| 1 + (119 - o as u32) / 10);
    // Linear decline 12 -> 1 a day: 60 vs 150 (-60 %), falling.
    t.policy("Falling", Some("p-fall"));
    t.daily("p-fall", "Falling", |o| 12 - (119 - o as u32) / 10);
}

fn joins_and_system(t: &mut Tenant) {
    // Desired only (no live id): joined by title, 5 alerts.
    t.policy("Title only", None);
    for offset in 1..=4 {
        t.alert(Some("0000unknown"), "  TITLE only ", offset, 9);
    }
    t.alert(None, "Title only", 6, 9);

    // XSOAR-style: no resolution, no severity: neither open nor closed.
    t.policy("XSOAR legacy", Some("p-xsoar"));
    for offset in 1..=5 {
        let alert = t.alert(Some("p-xsoar"), "XSOAR legacy", offset, 9);
        alert.resolution = None;
        alert.severity = None;
    }

    // Unjoinable: built-in detections and system alerts, 7 in the window.
    for offset in [3, 4, 5] {
        t.alert(None, "Impossible travel activity", offset, 1);
    }
    for offset in [6, 7] {
        t.alert(
            Some("ffffffffffffffffffffffff"),
            "Mass download by a single user",
            offset,
            1,
        );
    }
    let open = t.alert(None, "Log collector LC1 is disconnected", 2, 3);
    open.is_system = true;
    open.status = Some(0);
    open.resolution = Some(0);
    open.severity = Some(2);
    t.alert(None, "SIEM agent disconnected", 4, 3).is_system = true;
}

fn row<'a>(outcome: &'a AlertsOutcome, name: &str) -> &'a ScoreRow {
    outcome
        .section
        .scorecard
        .iter()
        .find(|r| r.policy == name)
        .unwrap_or_else(|| panic!("no scorecard row {name}"))
}

fn findings_of<'a>(outcome: &'a AlertsOutcome, rule: &str) -> Vec<&'a casguard::model::Finding> {
    outcome.findings.iter().filter(|f| f.rule == rule).collect()
}

fn known() -> AlertsOutcome {
    tenant().analyse(&AlertThresholds::default(), &strings(&["contoso.com"]))
}

#[test]
fn verdicts_and_their_order() {
    let outcome = known();
    let verdicts: Vec<(&str, Verdict)> = outcome
        .section
        .scorecard
        .iter()
        .map(|r| (r.policy.as_str(), r.verdict))
        .collect();
    use Verdict::*;
    assert_eq!(
        verdicts,
        [
            ("Ceiling unknown", Fix),
            ("Saturated at limit", Fix),
            ("Noisy downloads", Tune),
            ("Dead exfiltration", Retire),
            ("Unworked queue", Unworked),
            ("Unwatched mailbox", Unworked),
            // keep, by alerts in the window
            ("Spiky", Keep),
            ("Rising", Keep),
            ("Dropping", Keep),
            ("Falling", Keep),
            ("Steady", Keep),
            ("Borderline sharing", Keep),
            (BUILTIN_BUCKET, Keep),
            ("Title only", Keep),
            ("XSOAR legacy", Keep),
            ("Quiet block", Keep),
        ]
    );
}

#[test]
fn scorecard_figures() {
    let outcome = known();
    let noisy = row(&outcome, "Noisy downloads");
    assert_eq!(
        (noisy.alerts, noisy.false_positive, noisy.true_positive),
        (30, 21, 9)
    );
    assert_eq!(noisy.fp_ratio, Some(0.7));
    assert!(
        noisy.reasons[0].starts_with("FP ratio 0.70 (21 of 30"),
        "{:?}",
        noisy.reasons
    );

    let border = row(&outcome, "Borderline sharing");
    assert_eq!(
        (border.alerts, border.open, border.false_positive),
        (31, 1, 9)
    );
    assert_eq!(border.fp_ratio, Some(0.3));
    assert!(border.reasons[0].contains("FP ratio 0.30 (9 of 30"));
    assert!(border.reasons[1].starts_with("2 open alerts older than 180 days"));
    assert_eq!(
        border.oldest_open.as_deref(),
        Some(format!("{}T11:00:00Z", day(210)).as_str())
    );

    let dead = row(&outcome, "Dead exfiltration");
    assert_eq!(dead.alerts, 0);
    assert_eq!(
        dead.reasons,
        [format!(
            "silent: no alert in the last 90 days (last alert on {})",
            day(100)
        )]
    );
    let quiet = row(&outcome, "Quiet block");
    assert!(quiet.reasons[0].starts_with("no alerting: alerts are off"));

    let limit = row(&outcome, "Saturated at limit");
    assert_eq!(
        limit.reasons,
        ["saturated: reached its daily alert limit of 5 on 10 days in the window"]
    );
    let ceiling = row(&outcome, "Ceiling unknown");
    assert!(
        ceiling.reasons[0].starts_with("saturated: the same ceiling of 20 alerts a day on 10 days")
    );
    assert_eq!(ceiling.daily.len(), 30);
    assert_eq!(ceiling.daily[29], 20, "today is last");

    let unworked = row(&outcome, "Unworked queue");
    assert_eq!(
        (unworked.alerts, unworked.unread, unworked.open),
        (37, 7, 7)
    );
    assert_eq!(
        unworked.reasons,
        [format!(
            "4 unread open alerts older than 7 days (the oldest from {})",
            day(13)
        )]
    );
    let unwatched = row(&outcome, "Unwatched mailbox");
    assert!(unwatched.reasons[0].starts_with("8 unread open alerts older than 7 days"));
    assert!(unwatched.reasons[1].starts_with("11 of its 12 alerts in the window (92 %) are unread"));

    let steady = row(&outcome, "Steady");
    assert_eq!(
        (steady.ttr_p50_hours, steady.ttr_p90_hours),
        (Some(5.0), Some(9.0))
    );
    assert!(steady.reasons.is_empty());
    assert_eq!(steady.policy_id.as_deref(), Some("p-steady"));
    assert_eq!(steady.file.as_deref(), Some("policies/Steady.toml"));
}

#[test]
fn joins_legacy_alerts_and_the_bucket() {
    let outcome = known();
    assert_eq!(row(&outcome, "Title only").alerts, 5);
    let xsoar = row(&outcome, "XSOAR legacy");
    assert_eq!((xsoar.alerts, xsoar.open), (5, 0));
    assert_eq!(
        (xsoar.fp_ratio, xsoar.ttr_p50_hours, &xsoar.oldest_open),
        (None, None, &None)
    );
    let bucket = row(&outcome, BUILTIN_BUCKET);
    assert_eq!((bucket.alerts, bucket.open, bucket.unread), (7, 1, 1));
    assert_eq!(bucket.policy_type, "");
    assert_eq!(bucket.policy_id, None);
}

#[test]
fn section_totals_and_notes() {
    let outcome = known();
    let section = &outcome.section;
    assert_eq!(
        (section.from.as_str(), section.to.as_str()),
        ("2026-10-24", "2026-11-22")
    );
    // Noisy 30, Borderline 31, Saturated 130, Ceiling 484, Unworked 37,
    // Steady 60, Spiky 578, Dropping 119, Rising 330, Falling 60, Title
    // only 5, XSOAR 5, Unwatched 12, bucket 7.
    assert_eq!(section.alerts_in_window, 1888);
    assert_eq!(section.alerts_archived, tenant().alerts.len() as u64);
    assert_eq!(section.negative_ttr_dropped, 3);
    assert_eq!(section.thresholds, Some(AlertThresholds::default()));
    assert_eq!(section.daily.len(), 30);
    let charted: u64 = section.daily.iter().flat_map(|d| d.by_severity).sum();
    assert_eq!(charted, 1888 - 5, "XSOAR's 5 have no severity");
    assert_eq!(
        section.daily[27].by_severity[2], 1,
        "the open system alert is high"
    );
    assert_eq!(
        section.notes,
        [
            "1 alert dated after 2026-11-22 was left out",
            "5 alerts in the window have no known severity and are left out of the daily chart",
        ]
    );
    let sum: u64 = section.scorecard.iter().map(|r| r.alerts).sum();
    assert_eq!(sum, section.alerts_in_window);
}

#[test]
fn spikes_drops_and_trends() {
    let outcome = known();
    let spikes: Vec<(&str, &str, u64, f64, SpikeKind)> = outcome
        .section
        .spikes
        .iter()
        .map(|s| {
            (
                s.policy.as_str(),
                s.date.as_str(),
                s.count,
                s.baseline,
                s.kind,
            )
        })
        .collect();
    let (drop_day, spike_day) = (day(9), day(5));
    assert_eq!(
        spikes,
        [
            ("Dropping", drop_day.as_str(), 0, 6.0, SpikeKind::Drop),
            ("Spiky", spike_day.as_str(), 520, 2.0, SpikeKind::Spike),
        ]
    );
    let drop = &findings_of(&outcome, "ALERT007")[0];
    assert!(
        drop.message
            // Nine complete days: today is still running and never counts as silent.
            .contains("(9 days, still silent) after a median of 6.0"),
        "{}",
        drop.message
    );

    let trends: BTreeMap<&str, (u64, u64, Option<f64>, Direction)> = outcome
        .section
        .trends
        .iter()
        .map(|t| {
            (
                t.policy.as_str(),
                (t.current, t.previous, t.percent, t.direction),
            )
        })
        .collect();
    assert_eq!(trends["Rising"], (330, 240, Some(37.5), Direction::Rising));
    assert_eq!(
        trends["Falling"],
        (60, 150, Some(-60.0), Direction::Falling)
    );
    assert_eq!(trends["Steady"], (60, 60, Some(0.0), Direction::Flat));
    // One spike week moves the percent but not the Theil-Sen slope.
    assert_eq!(trends["Spiky"].3, Direction::Flat);
    assert!(trends["Spiky"].2.unwrap() > 800.0);
    // Seven full weeks, one partial, one empty: the median slope is 0; the
    // drop itself is ALERT007's to report.
    let percent = (119.0 - 181.0) * 100.0 / 181.0;
    assert_eq!(
        trends["Dropping"],
        (119, 181, Some(percent), Direction::Flat)
    );
    assert_eq!(trends["Unwatched mailbox"], (12, 0, None, Direction::Flat));
    assert!(!trends.contains_key("Dead exfiltration"));
    let first: Vec<&str> = outcome
        .section
        .trends
        .iter()
        .take(2)
        .map(|t| t.policy.as_str())
        .collect();
    assert_eq!(first, ["Rising", "Falling"]);
}

#[test]
fn recipients_mail_cap_system_and_backlog() {
    let outcome = known();
    let section = &outcome.section;
    let noisy = section
        .recipients
        .iter()
        .find(|r| r.policy == "Noisy downloads")
        .unwrap();
    assert_eq!(
        noisy.outside_allowed,
        ["ext@gmail.com", "a@evilcontoso.com"]
    );
    assert_eq!(
        section.recipients.len(),
        14,
        "every alerting policy, not Quiet block"
    );
    let unwatched = section
        .recipients
        .iter()
        .find(|r| r.policy == "Unwatched mailbox")
        .unwrap();
    assert_eq!(unwatched.unread_share, Some(11.0 / 12.0));

    let caps: Vec<&str> = findings_of(&outcome, "ALERT012")
        .iter()
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(caps.len(), 2);
    assert!(
        caps[0].starts_with(&format!(
            "`soc@contoso.com` would be sent 523 alert mails on {}",
            day(5)
        )),
        "{}",
        caps[0]
    );
    assert!(caps[1].starts_with(&format!(
        "`spiky@contoso.com` would be sent 520 alert mails on {}",
        day(5)
    )));

    let system: Vec<(&str, i64)> = section
        .system_alerts
        .iter()
        .map(|a| (a.title.as_str(), a.age_days))
        .collect();
    assert_eq!(
        system,
        [
            ("Log collector LC1 is disconnected", 2),
            ("SIEM agent disconnected", 4)
        ]
    );
    assert_eq!(findings_of(&outcome, "ALERT010").len(), 1);

    let backlog: Vec<(i64, Option<&str>)> = section
        .backlog
        .iter()
        .map(|a| (a.age_days, a.policy.as_deref()))
        .collect();
    assert_eq!(
        backlog,
        [
            (210, Some("Borderline sharing")),
            (200, Some("Borderline sharing"))
        ]
    );
}

#[test]
fn finding_ids_and_counts() {
    let outcome = known();
    let mut counts: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for finding in &outcome.findings {
        counts
            .entry(finding.rule.as_str())
            .or_default()
            .push(finding.policy.as_deref().unwrap_or("-"));
    }
    let expected: BTreeMap<&str, Vec<&str>> = [
        ("ALERT001", vec!["Noisy downloads"]),
        ("ALERT002", vec!["Borderline sharing"]),
        ("ALERT003", vec!["Dead exfiltration"]),
        ("ALERT004", vec!["Ceiling unknown", "Saturated at limit"]),
        ("ALERT005", vec!["Unwatched mailbox", "Unworked queue"]),
        ("ALERT006", vec!["Spiky"]),
        ("ALERT007", vec!["Dropping"]),
        ("ALERT008", vec!["Noisy downloads"]),
        ("ALERT009", vec!["Unwatched mailbox"]),
        ("ALERT010", vec!["-"]),
        ("ALERT011", vec!["Borderline sharing"]),
        ("ALERT012", vec!["-", "-"]),
    ]
    .into_iter()
    .collect();
    let mut sorted = counts.clone();
    sorted.values_mut().for_each(|v| v.sort());
    assert_eq!(sorted, expected);
    // Findings point at the policy file when the policy has a location.
    let noisy = &findings_of(&outcome, "ALERT001")[0];
    assert_eq!(
        noisy.location.as_ref().unwrap().file,
        "policies/Noisy-downloads.toml"
    );
    assert!(noisy.help.is_some());
    // The same input gives the same output.
    assert_eq!(known(), outcome);
}

#[test]
fn fp_numerator_and_no_allowed_domains() {
    let mut tenant = Tenant::default();
    tenant.policy("Benign heavy", Some("p-b"));
    for offset in 0..10 {
        // 2 FP, 5 benign, 3 TP
        let resolution = [3, 3, 4, 4, 4, 4, 4, 5, 5, 5][offset as usize];
        tenant
            .alert(Some("p-b"), "Benign heavy", offset, 1)
            .resolution = Some(resolution);
    }
    tenant.policies[0].recipients_live = strings(&["x@elsewhere.org"]);
    let fp_only = tenant.analyse(&AlertThresholds::default(), &[]);
    assert_eq!(fp_only.section.scorecard[0].fp_ratio, Some(0.2));
    assert!(
        findings_of(&fp_only, "ALERT008").is_empty(),
        "no allowed domains: no check"
    );
    let thresholds = AlertThresholds {
        fp_numerator: FpNumerator::FpAndBenign,
        ..AlertThresholds::default()
    };
    let with_benign = tenant.analyse(&thresholds, &[]);
    assert_eq!(with_benign.section.scorecard[0].fp_ratio, Some(0.7));
    assert_eq!(with_benign.section.scorecard[0].verdict, Verdict::Tune);
}

#[test]
fn short_archive_skips_what_it_cannot_know() {
    // 20 days of history: no spike, no silence, no trend percent.
    let mut tenant = Tenant::default();
    tenant.policy("Young", Some("p-y"));
    tenant.policy("Never fired", Some("p-n"));
    for offset in 0..20 {
        tenant.alert(Some("p-y"), "Young", offset, 1);
    }
    for _ in 0..50 {
        tenant.alert(Some("p-y"), "Young", 0, 2);
    }
    let outcome = tenant.analyse(&AlertThresholds::default(), &[]);
    assert!(outcome.section.spikes.is_empty());
    assert!(findings_of(&outcome, "ALERT003").is_empty());
    assert_eq!(outcome.section.trends[0].percent, None);
    let notes = outcome.section.notes.join("\n");
    assert!(notes.contains("insufficient history for spikes"), "{notes}");
    assert!(notes.contains("silent policies not checked"), "{notes}");
    assert!(notes.contains("trend percentages n/a"), "{notes}");
}

#[test]
fn edge_inputs_do_not_panic_or_produce_nan() {
    let thresholds = AlertThresholds::default();
    // Empty input.
    let empty = Tenant::default().analyse(&thresholds, &[]);
    assert!(empty.section.scorecard.is_empty() && empty.findings.is_empty());
    assert_eq!(empty.section.daily.len(), 30);
    check_finite(&empty);
    // Policies with all-zero days.
    let mut zero = Tenant::default();
    zero.policy("Zero", Some("p-z")).daily_limit = Some(0);
    let outcome = zero.analyse(&thresholds, &strings(&["contoso.com"]));
    assert_eq!(outcome.section.scorecard[0].verdict, Verdict::Keep);
    check_finite(&outcome);
    // A single alert, and alerts only in the future.
    let mut single = Tenant::default();
    single.alert(None, "Lonely", 0, 0);
    check_finite(&single.analyse(&thresholds, &[]));
    let mut future = Tenant::default();
    future.policy("Later", Some("p-l"));
    future.alert(Some("p-l"), "Later", -400, 0);
    let outcome = future.analyse(&thresholds, &[]);
    assert_eq!(outcome.section.alerts_in_window, 0);
    assert!(outcome.section.notes[0].contains("no alert in the archive"));
    check_finite(&outcome);
    // Extreme timestamps and thresholds.
    let mut extreme = Tenant::default();
    extreme.alert(None, "Old", 0, 0).timestamp_ms = i64::MIN;
    extreme.alert(None, "New", 0, 0).timestamp_ms = i64::MAX;
    extreme.alert(None, "Neg", 0, 0).resolve_time_ms = Some(i64::MIN);
    let wild = AlertThresholds {
        window_days: i64::MAX,
        dead_days: i64::MIN,
        unworked_days: i64::MAX,
        backlog_days: i64::MIN,
        spike_min_history_days: 0,
        fp_min_sample: 0,
        saturation_days: 0,
        ..AlertThresholds::default()
    };
    check_finite(&extreme.analyse(&wild, &[]));
    check_finite(&extreme.analyse(&thresholds, &[]));
}

#[test]
fn huge_counts() {
    // 200,000 alerts on one day, 300 open and old, 1,000 unread today.
    let mut tenant = Tenant::default();
    tenant.policy("Flood", Some("p-f")).recipients_desired = strings(&["flood@contoso.com"]);
    tenant.daily("p-f", "Flood", |o| if o == 0 { 200_000 } else { 3 });
    for _ in 0..300 {
        tenant.alert(Some("p-f"), "Flood", 300, 0).resolution = Some(0);
    }
    let outcome = tenant.analyse(&AlertThresholds::default(), &[]);
    let section = &outcome.section;
    assert_eq!(section.spikes[0].count, 200_000);
    assert_eq!(section.backlog.len(), 200);
    assert!(section
        .notes
        .iter()
        .any(|n| n.starts_with("backlog: 300 open alerts")));
    assert_eq!(findings_of(&outcome, "ALERT012").len(), 1);
    check_finite(&outcome);
}

fn check_finite(outcome: &AlertsOutcome) {
    let section = &outcome.section;
    let mut numbers: Vec<f64> = Vec::new();
    for row in &section.scorecard {
        numbers.extend(row.fp_ratio);
        numbers.extend(row.ttr_p50_hours);
        numbers.extend(row.ttr_p90_hours);
    }
    numbers.extend(section.spikes.iter().map(|s| s.baseline));
    for trend in &section.trends {
        numbers.extend(trend.percent);
        numbers.extend(trend.slope_per_week);
    }
    numbers.extend(section.recipients.iter().filter_map(|r| r.unread_share));
    assert!(numbers.iter().all(|n| n.is_finite()), "{numbers:?}");
    let text = serde_json::to_string(section).unwrap();
    assert!(!text.contains("NaN"));
}

/// A random alert: policy (3 is unknown), days ago (negative: future),
/// severity, status, resolution (6 and 7 are invalid codes), hours to
/// resolve (negative allowed), system.
type RawAlert = (
    Option<usize>,
    i64,
    Option<u8>,
    Option<u8>,
    Option<u8>,
    Option<i64>,
    bool,
);

fn arb_alert() -> impl Strategy<Value = RawAlert> {
    (
        proptest::option::of(0..4usize),
        -10i64..400,
        proptest::option::of(0u8..6),
        proptest::option::of(0u8..4),
        proptest::option::of(0u8..8),
        proptest::option::of(-48i64..480),
        any::<bool>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn analysis_is_total_and_consistent(
        alerts in proptest::collection::vec(arb_alert(), 0..300),
        window_days in 1i64..60,
        limit in proptest::option::of(0i64..8),
    ) {
        let mut tenant = Tenant::default();
        for i in 0..3 {
            let policy = tenant.policy(&format!("P{i}"), Some(&format!("p{i}")));
            policy.daily_limit = limit;
            policy.alerts_enabled = i != 2;
            policy.recipients_desired = strings(&["a@contoso.com", "b@other.org"]);
        }
        for (policy, offset, severity, status, resolution, resolve_hours, system) in alerts {
            let id = policy.map(|p| format!("p{p}"));
            let alert = tenant.alert(id.as_deref(), "t", offset, offset.rem_euclid(24));
            alert.severity = severity;
            alert.status = status;
            alert.resolution = resolution;
            alert.resolve_time_ms = resolve_hours.map(|h| alert.timestamp_ms + h * HOUR_MS);
            alert.is_system = system;
        }
        let thresholds = AlertThresholds { window_days, ..AlertThresholds::default() };
        let outcome = tenant.analyse(&thresholds, &strings(&["contoso.com"]));
        check_finite(&outcome);
        let section = &outcome.section;
        let sum: u64 = section.scorecard.iter().map(|r| r.alerts).sum();
        prop_assert_eq!(sum, section.alerts_in_window);
        let charted: u64 = section.daily.iter().flat_map(|d| d.by_severity).sum();
        prop_assert!(charted <= section.alerts_in_window);
        prop_assert_eq!(section.daily.len() as i64, window_days);
        prop_assert!(section.scorecard.windows(2).all(|w| w[0].verdict <= w[1].verdict));
        prop_assert!(section.backlog.windows(2).all(|w| w[0].created <= w[1].created));
        prop_assert!(outcome.findings.iter().all(|f| f.rule.starts_with("ALERT")));
        for row in &section.scorecard {
            prop_assert!(row.open <= row.alerts && row.unread <= row.alerts);
            prop_assert_eq!(row.daily.len() as i64, window_days);
            prop_assert_eq!(row.daily.iter().map(|&c| u64::from(c)).sum::<u64>(), row.alerts);
        }
    }
}
