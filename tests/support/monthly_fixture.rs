//! Hand-built `MonthlyReport`s for the renderer tests: `contoso()`, a full
//! month of the example tenant (October 2026, a few hundred alerts, every
//! section filled, one policy named with `<script>` in it), and `empty()`,
//! a month with no alert archive, no ops run and no live state, where
//! `missing` says so. Figures are consistent with each other (the daily
//! counts add up to the KPI and to the incident types) so the snapshots
//! read like a real report.

// Each test binary uses only some of these helpers.
#![allow(dead_code)]

use casguard::model::{
    AlertBrief, Appendix, CheckResult, CheckStatus, Commit, Configuration, Count, DailyCount,
    Direction, Drifting, GovernanceActions, IncidentTypes, Kpi, MonthTrends, MonthlyReport,
    OpsCheck, Overdue, Platform, ProductScore, RecipientRow, Recommendation, ScoreRow, SourceInput,
    Spike, SpikeKind, Trend, Verdict,
};

/// The policy whose name must come out escaped everywhere.
pub const SCRIPT_POLICY: &str = "Block uploads of <script> files";

/// The link the threat notes carry (the only URL the HTML may contain).
pub const THREAT_LINK: &str =
    "https://learn.microsoft.com/defender-cloud-apps/investigate-anomaly-alerts";

const MONTHS: [&str; 6] = [
    "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10",
];

fn kpi(
    key: &str,
    label: &str,
    unit: &str,
    better: Option<bool>,
    series: [Option<f64>; 6],
    note: Option<&str>,
) -> Kpi {
    Kpi {
        key: key.into(),
        label: label.into(),
        value: series[5],
        previous: series[4],
        unit: unit.into(),
        higher_is_better: better,
        series: MONTHS
            .iter()
            .zip(series)
            .map(|(m, v)| (m.to_string(), v))
            .collect(),
        note: note.map(str::to_string),
    }
}

/// A figure known for this month only (drift, from the current state).
fn now_only(
    key: &str,
    label: &str,
    unit: &str,
    better: Option<bool>,
    value: Option<f64>,
    previous: Option<f64>,
    note: Option<&str>,
) -> Kpi {
    Kpi {
        key: key.into(),
        label: label.into(),
        value,
        previous,
        unit: unit.into(),
        higher_is_better: better,
        series: vec![("2026-10".into(), value)],
        note: note.map(str::to_string),
    }
}

/// Alerts per day and severity in October 2026: a weekday rhythm, quieter
/// weekends, and the mass-download spike of the 14th.
fn daily() -> Vec<DailyCount> {
    (1..=31u64)
        .map(|day| {
            // 2026-10-01 is a Thursday: days 3, 4, 10, 11, ... are weekends.
            let weekend = matches!((day + 3) % 7, 6 | 0);
            let base = if weekend { 6 } else { 10 };
            let wobble = (day * 7) % 5;
            let mut by_severity = [
                base / 2 + wobble % 3,       // low
                base / 3 + (day % 4),        // medium
                1 + (day % 3) / 2,           // high
                1 + u64::from(day % 6 == 0), // informational
            ];
            if day == 14 {
                by_severity[2] += 21;
                by_severity[1] += 13;
            }
            if day == 21 {
                by_severity[1] += 11;
            }
            DailyCount {
                date: format!("2026-10-{day:02}"),
                by_severity,
            }
        })
        .collect()
}

fn count(label: &str, count: u64) -> Count {
    Count {
        label: label.into(),
        count,
    }
}

/// Splits `total` over `labels` by `weights`, the remainder to the first.
fn split(total: u64, labels: &[(&str, u64)]) -> Vec<Count> {
    let sum: u64 = labels.iter().map(|(_, w)| w).sum();
    let mut out: Vec<Count> = labels
        .iter()
        .map(|(l, w)| count(l, total * w / sum))
        .collect();
    let given: u64 = out.iter().map(|c| c.count).sum();
    out[0].count += total - given;
    out
}

#[allow(clippy::too_many_arguments)]
fn row(
    policy: &str,
    file: Option<&str>,
    policy_type: &str,
    verdict: Verdict,
    (alerts, open, unread): (u64, u64, u64),
    (tp, fp, benign): (u64, u64, u64),
    fp_ratio: Option<f64>,
    ttr: (Option<f64>, Option<f64>),
    oldest_open: Option<&str>,
    reasons: &[&str],
) -> ScoreRow {
    ScoreRow {
        policy: policy.into(),
        policy_id: Some(format!("65f0{:020x}", policy.len() * 7919)),
        file: file.map(str::to_string),
        policy_type: policy_type.into(),
        alerts,
        open,
        unread,
        true_positive: tp,
        false_positive: fp,
        benign,
        legacy_dismissed: alerts.saturating_sub(open + tp + fp + benign) / 2,
        legacy_resolved: 0,
        fp_ratio,
        ttr_p50_hours: ttr.0,
        ttr_p90_hours: ttr.1,
        oldest_open: oldest_open.map(str::to_string),
        verdict,
        reasons: reasons.iter().map(|r| r.to_string()).collect(),
        daily: (0..31).map(|d| ((d * alerts as u32) % 7) / 2).collect(),
    }
}

fn check(check: OpsCheck, status: CheckStatus, detail: &str, findings: usize) -> CheckResult {
    CheckResult {
        worst: None,
        check,
        status,
        detail: detail.into(),
        findings,
        notes: Vec::new(),
    }
}

const PATCH_FIX: &str = r#"diff --git a/policies/mass-download.toml b/policies/mass-download.toml
--- a/policies/mass-download.toml
+++ b/policies/mass-download.toml
@@ -9,7 +9,7 @@ severity = "high"
 [alerts]
 enabled = true
 email_recipients = ["soc@contoso.com"]
-daily_limit = 20
+daily_limit = 40
"#;

const PATCH_TUNE: &str = r#"diff --git a/policies/impossible-travel.toml b/policies/impossible-travel.toml
--- a/policies/impossible-travel.toml
+++ b/policies/impossible-travel.toml
@@ -14,3 +14,4 @@ enabled = true
 [filters]
 "activity.actionType" = { eq = ["EVENT_CATEGORY_LOGIN"] }
+"ip.address" = { neq = ["203.0.113.0/24", "198.51.100.0/24", "192.0.2.0/24", "2001:db8:ffff:ffff:ffff:ffff:ffff:0/112", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:0/112"] } # corporate VPN egress ranges, ticket SEC-4711
"#;

const PATCH_RETIRE: &str = r#"diff --git a/policies/legacy-box-sharing.toml b/policies/legacy-box-sharing.toml
--- a/policies/legacy-box-sharing.toml
+++ b/policies/legacy-box-sharing.toml
@@ -1,4 +1,4 @@
 name = "Legacy Box external sharing"
 type = "FILE"
-enabled = true
+enabled = false
 severity = "medium"
"#;

const THREAT_NOTES: &str = "# Threat landscape, October 2026

Token theft through **adversary-in-the-middle** phishing kits kept rising this
month; our *impossible travel* detections caught two cases.

## What we did

- Tightened session controls for `Microsoft Exchange Online` downloads.
- Reviewed OAuth apps with `Mail.ReadWrite` consent: 3 revoked.
* Read Microsoft's guidance: [investigating anomaly alerts](https://learn.microsoft.com/defender-cloud-apps/investigate-anomaly-alerts).

### Watch list

1. Consent phishing for *new* OAuth apps.
2. Mass downloads before resignations (see the spike of 2026-10-14).

Not a link: [click me](javascript:alert(1)). Raw HTML stays text: <img src=x onerror=alert(1)> and <script>alert(2)</script>.
";

/// October 2026 at Contoso: every section filled.
pub fn contoso() -> MonthlyReport {
    let daily = daily();
    let by_sev = daily.iter().fold([0u64; 4], |mut acc, d| {
        for (a, b) in acc.iter_mut().zip(d.by_severity) {
            *a += b;
        }
        acc
    });
    let total: u64 = by_sev.iter().sum();
    let previous_total = 349u64;
    // Resolution mix of the month's alerts.
    let (tp, fp, benign, legacy, none) = (112u64, 63u64, 119u64, 12u64, 10u64);
    let open = total - tp - fp - benign - legacy - none;
    let closed = tp + fp + benign + legacy;
    let verdicts = (tp + fp + benign) as f64;
    let pct = |n: u64| (n as f64 * 1000.0 / verdicts).round() / 10.0;
    let closed_pct = (closed as f64 * 1000.0 / total as f64).round() / 10.0;

    let mut by_severity = vec![
        count("low", by_sev[0]),
        count("medium", by_sev[1]),
        count("high", by_sev[2]),
        count("informational", by_sev[3]),
    ];
    by_severity.sort_by_key(|c| std::cmp::Reverse(c.count));

    MonthlyReport {
        month: "2026-10".into(),
        previous_month: "2026-09".into(),
        from: "2026-10-01".into(),
        to: "2026-10-31".into(),
        tenant: Some("contoso.eu2.portal.cloudappsecurity.com".into()),
        kpis: vec![
            kpi(
                "alerts_created",
                "Alerts created",
                "count",
                None,
                [
                    Some(288.0),
                    Some(301.0),
                    Some(356.0),
                    Some(330.0),
                    Some(previous_total as f64),
                    Some(total as f64),
                ],
                None,
            ),
            kpi(
                "closed_percent",
                "Closed",
                "percent",
                Some(true),
                [
                    Some(58.0),
                    Some(61.2),
                    Some(63.9),
                    Some(70.1),
                    Some(66.2),
                    Some(closed_pct),
                ],
                None,
            ),
            kpi(
                "true_positive_percent",
                "True positives",
                "percent",
                None,
                [
                    Some(35.5),
                    None,
                    Some(39.0),
                    Some(44.2),
                    Some(41.0),
                    Some(pct(tp)),
                ],
                Some("share of alerts closed with a verdict; June 2026 has no archive"),
            ),
            kpi(
                "false_positive_percent",
                "False positives",
                "percent",
                Some(false),
                [
                    Some(31.0),
                    None,
                    Some(30.2),
                    Some(25.0),
                    Some(27.9),
                    Some(pct(fp)),
                ],
                None,
            ),
            kpi(
                "benign_percent",
                "Benign",
                "percent",
                None,
                [
                    Some(33.5),
                    None,
                    Some(30.8),
                    Some(30.8),
                    Some(31.1),
                    Some(pct(benign)),
                ],
                None,
            ),
            kpi(
                "ttr_p50_hours",
                "Time to resolve, median",
                "hours",
                Some(false),
                [
                    Some(14.0),
                    Some(12.5),
                    Some(11.0),
                    Some(8.25),
                    Some(9.8),
                    Some(6.5),
                ],
                None,
            ),
            kpi(
                "ttr_p90_hours",
                "Time to resolve, 90th percentile",
                "hours",
                Some(false),
                [
                    Some(70.0),
                    Some(66.0),
                    Some(58.5),
                    Some(49.0),
                    Some(47.5),
                    Some(52.0),
                ],
                None,
            ),
            kpi(
                "open_backlog",
                "Open at month end",
                "count",
                Some(false),
                [
                    Some(140.0),
                    Some(131.0),
                    Some(120.0),
                    Some(101.0),
                    Some(96.0),
                    Some(118.0),
                ],
                None,
            ),
            kpi(
                "oldest_open_days",
                "Oldest open alert",
                "days",
                Some(false),
                [
                    Some(20.0),
                    Some(51.0),
                    Some(82.0),
                    Some(81.0),
                    Some(112.0),
                    Some(143.0),
                ],
                None,
            ),
            now_only(
                "policies_in_sync",
                "Policies in sync",
                "count",
                Some(true),
                Some(18.0),
                None,
                None,
            ),
            now_only(
                "policies_drifting",
                "Policies drifting",
                "count",
                Some(false),
                Some(3.0),
                None,
                None,
            ),
            now_only(
                "secure_score_mdca",
                "Secure Score, Defender for Cloud Apps",
                "points",
                Some(true),
                Some(41.5),
                Some(40.0),
                Some("of 60 points (MCAS, MDA_*, AppG), from the last ops run"),
            ),
        ],
        incident_types: IncidentTypes {
            by_category: split(
                total,
                &[
                    ("threat detection", 164),
                    ("data loss prevention", 121),
                    ("sharing control", 58),
                    ("access control", 37),
                    ("configuration monitoring", 20),
                    ("compliance", 12),
                ],
            ),
            by_severity,
            by_app: split(
                total,
                &[
                    ("Microsoft OneDrive for Business", 133),
                    ("Microsoft SharePoint Online", 98),
                    ("Microsoft Exchange Online", 71),
                    ("Box", 44),
                    ("Salesforce", 30),
                    ("GitHub", 19),
                    ("(no app)", 17),
                ],
            ),
            by_policy_type: split(
                total,
                &[
                    ("FILE", 170),
                    ("ANOMALY_DETECTION", 110),
                    ("SESSION", 52),
                    ("built-in or unknown", 40),
                    ("ACCESS", 31),
                    ("system", 9),
                ],
            ),
        },
        trends: MonthTrends {
            daily,
            spikes: vec![
                Spike {
                    policy: "Mass download by a single user".into(),
                    date: "2026-10-14".into(),
                    count: 38,
                    baseline: 4.2,
                    kind: SpikeKind::Spike,
                },
                Spike {
                    policy: "Impossible travel".into(),
                    date: "2026-10-21".into(),
                    count: 17,
                    baseline: 3.1,
                    kind: SpikeKind::Spike,
                },
                Spike {
                    policy: "Salesforce export to an unmanaged device".into(),
                    date: "2026-10-27".into(),
                    count: 0,
                    baseline: 3.4,
                    kind: SpikeKind::Drop,
                },
            ],
            policies: vec![
                trend("Mass download by a single user", 96, 51, Some(10.5), Direction::Rising),
                trend("Impossible travel", 74, 70, Some(0.5), Direction::Flat),
                trend("DLP: credit card numbers in shared files", 61, 88, Some(-6.0), Direction::Falling),
                trend(SCRIPT_POLICY, 22, 19, Some(0.75), Direction::Flat),
                trend("Salesforce export to an unmanaged device", 18, 3, None, Direction::Flat),
                trend("Legacy Box external sharing", 0, 2, Some(-0.5), Direction::Flat),
            ],
            resolution_mix: {
                let mut mix = vec![
                    count("benign", benign),
                    count("true positive", tp),
                    count("open", open),
                    count("false positive", fp),
                    count("dismissed (legacy)", legacy),
                    count("no resolution recorded", none),
                ];
                mix.sort_by(|a, b| b.count.cmp(&a.count).then(a.label.cmp(&b.label)));
                mix
            },
            governance: vec![
                governance("Notify user", 54, 52, 1, 1),
                governance("Apply sensitivity label", 41, 37, 2, 2),
                governance("Remove external sharing", 23, 20, 3, 0),
                governance("Suspend user", 6, 6, 0, 0),
            ],
        },
        policy_health: vec![
            row(
                "Mass download by a single user",
                Some("policies/mass-download.toml"),
                "ANOMALY_DETECTION",
                Verdict::Fix,
                (96, 31, 4),
                (41, 9, 12),
                Some(0.145),
                (Some(5.5), Some(40.0)),
                Some("2026-10-02T08:13:00Z"),
                &["at its daily limit of 20 on 4 days"],
            ),
            row(
                "Impossible travel",
                Some("policies/impossible-travel.toml"),
                "ANOMALY_DETECTION",
                Verdict::Tune,
                (74, 8, 2),
                (12, 38, 16),
                Some(0.576),
                (Some(3.0), Some(20.5)),
                Some("2026-10-25T22:40:00Z"),
                &["false-positive ratio 58 % above 50 %"],
            ),
            row(
                "DLP: credit card numbers in shared files",
                Some("policies/dlp-credit-cards.toml"),
                "FILE",
                Verdict::Keep,
                (61, 9, 0),
                (30, 4, 18),
                Some(0.077),
                (Some(8.0), Some(52.0)),
                Some("2026-10-19T10:02:00Z"),
                &[],
            ),
            row(
                SCRIPT_POLICY,
                Some("policies/block-script-uploads.toml"),
                "SESSION",
                Verdict::Keep,
                (22, 2, 0),
                (9, 1, 10),
                Some(0.05),
                (Some(2.5), Some(9.0)),
                None,
                &[],
            ),
            row(
                "Salesforce export to an unmanaged device",
                Some("policies/salesforce-export.toml"),
                "SESSION",
                Verdict::Unworked,
                (18, 17, 17),
                (1, 0, 0),
                None,
                (Some(30.0), None),
                Some("2026-10-03T07:55:00Z"),
                &["17 unread open alerts older than 7 days"],
            ),
            row(
                "Legacy Box external sharing",
                Some("policies/legacy-box-sharing.toml"),
                "FILE",
                Verdict::Retire,
                (0, 0, 0),
                (0, 0, 0),
                None,
                (None, None),
                None,
                &["no alert in 90 days (last 2026-07-11)"],
            ),
            row(
                "Admin activity from a non-corporate IP address",
                None,
                "ANOMALY_DETECTION",
                Verdict::Keep,
                (9, 0, 0),
                (6, 0, 3),
                Some(0.0),
                (Some(1.0), Some(4.0)),
                None,
                &[],
            ),
        ],
        recommendations: vec![
            Recommendation {
                policy: "Mass download by a single user".into(),
                file: Some("policies/mass-download.toml".into()),
                kind: "fix".into(),
                evidence: "96 alerts this month, 31 open (4 unread), 41 true / 9 false positive / 12 benign; at its daily limit of 20 on 4 days".into(),
                change: "raise the daily alert limit from 20 to 40, or narrow the policy so fewer activities match".into(),
                patch: Some(PATCH_FIX.into()),
                affected: "all users; apps: Microsoft OneDrive for Business, Microsoft SharePoint Online".into(),
                expected_alerts: Some("more alerts: the limit hid some on its busiest days".into()),
            },
            Recommendation {
                policy: "Impossible travel".into(),
                file: Some("policies/impossible-travel.toml".into()),
                kind: "tune".into(),
                evidence: "74 alerts this month, 38 of 66 closed as false positive (58 %), 31 of them from the corporate VPN egress ranges".into(),
                change: "exclude the corporate VPN egress ranges (filters.ip.address)".into(),
                patch: Some(PATCH_TUNE.into()),
                affected: "all users signing in through the VPN".into(),
                expected_alerts: Some("about 31 fewer a month (-42 %)".into()),
            },
            Recommendation {
                policy: "Legacy Box external sharing".into(),
                file: Some("policies/legacy-box-sharing.toml".into()),
                kind: "retire".into(),
                evidence: "no alert in 90 days (last 2026-07-11); Box is covered by the file policies of the Box connector".into(),
                change: "disable the policy (enabled = false) and set meta.disabled_reason".into(),
                patch: Some(PATCH_RETIRE.into()),
                affected: "files shared from Box outside contoso.com".into(),
                expected_alerts: Some("none (it raised none)".into()),
            },
            Recommendation {
                policy: "Salesforce export to an unmanaged device".into(),
                file: Some("policies/salesforce-export.toml".into()),
                kind: "unworked".into(),
                evidence: "18 alerts this month, 17 open and unread, the oldest from 2026-10-03".into(),
                change: "send its alerts to a mailbox somebody reads (sales-security@contoso.com) or assign it in the SOC rota".into(),
                patch: None,
                affected: "group: Sales (412 users)".into(),
                expected_alerts: None,
            },
            Recommendation {
                policy: "Secure Score: MCAS_SessionPolicyDownloadBlock".into(),
                file: None,
                kind: "posture".into(),
                evidence: "control at 0 % of 3 points".into(),
                change: "create a session policy that blocks downloads to unmanaged devices|for Salesforce and Box".into(),
                patch: None,
                affected: "users of apps onboarded to Conditional Access App Control".into(),
                expected_alerts: Some("unknown: depends on the policy's filters".into()),
            },
        ],
        configuration: Configuration {
            commits: vec![
                commit("9f1c2ab7d3e4", "2026-10-28T16:02:11Z", "Priya Natarajan", "Impossible travel: exclude the new Frankfurt VPN range", &["policies/impossible-travel.toml"]),
                commit("4be0917aa210", "2026-10-15T09:30:42Z", "Jonas Weber", "Mass download: raise daily limit after the 14 October spike (INC-2291)", &["policies/mass-download.toml"]),
                commit("77d3c0ee91f5", "2026-10-07T13:12:05Z", "Priya Natarajan", "Add session policy blocking <script> uploads | tests", &["policies/block-script-uploads.toml", "casguard.toml"]),
                commit("1a2b3c4d5e6f", "2026-10-02T08:00:00Z", "casguard-bot", "Quarterly review: owners and review dates", &["policies/dlp-credit-cards.toml", "policies/legacy-box-sharing.toml", "policies/salesforce-export.toml"]),
            ],
            last_change_desired: Some("2026-10-28T16:02:11Z".into()),
            last_change_live: Some("2026-10-30T09:14:00Z (activity log)".into()),
            drift: vec![
                Drifting {
                    policy: "Mass download by a single user".into(),
                    kind: "changed".into(),
                    fields: vec!["alerts.daily_limit".into(), "filters.\"activity.actionType\".eq[2]".into()],
                    out_of_band: true,
                },
                Drifting {
                    policy: "DLP: IBAN numbers in external shares".into(),
                    kind: "missing".into(),
                    fields: Vec::new(),
                    out_of_band: false,
                },
                Drifting {
                    policy: "Test policy - J. Doe (do not use)".into(),
                    kind: "unmanaged".into(),
                    fields: Vec::new(),
                    out_of_band: false,
                },
            ],
            in_sync: 18,
            overdue: vec![
                Overdue {
                    policy: "Legacy Box external sharing".into(),
                    file: "policies/legacy-box-sharing.toml".into(),
                    due: Some("2026-08-31".into()),
                },
                Overdue {
                    policy: "Salesforce export to an unmanaged device".into(),
                    file: "policies/salesforce-export.toml".into(),
                    due: None,
                },
            ],
            recipients: vec![
                RecipientRow {
                    policy: "Mass download by a single user".into(),
                    desired: vec!["soc@contoso.com".into()],
                    live: vec!["soc@contoso.com".into(), "j.weber@contoso.com".into()],
                    outside_allowed: Vec::new(),
                    unread_share: Some(0.04),
                },
                RecipientRow {
                    policy: "Salesforce export to an unmanaged device".into(),
                    desired: vec!["sales-ops-notifications-shared-mailbox@contoso.com".into()],
                    live: vec!["sales-ops-notifications-shared-mailbox@contoso.com".into()],
                    outside_allowed: Vec::new(),
                    unread_share: Some(0.94),
                },
                RecipientRow {
                    policy: "Impossible travel".into(),
                    desired: vec!["soc@contoso.com".into(), "contoso-alerts@mssp-partner.example".into()],
                    live: vec!["soc@contoso.com".into(), "contoso-alerts@mssp-partner.example".into()],
                    outside_allowed: vec!["contoso-alerts@mssp-partner.example".into()],
                    unread_share: Some(0.12),
                },
            ],
        },
        platform: Platform {
            fetched_at: Some("2026-11-02T06:00:12Z".into()),
            checks: vec![
                check(OpsCheck::SystemAlerts, CheckStatus::Findings, "2 open system alerts raised in the last 7 days", 2),
                check(OpsCheck::AppConnectors, CheckStatus::Findings, "5 connectors, 1 not connected (Box: token expired)", 1),
                check(OpsCheck::ConditionalAccessApps, CheckStatus::Ok, "12 apps onboarded, all reporting", 0),
                check(OpsCheck::LogUpload, CheckStatus::Findings, "3 continuous reports, 1 stale (Zscaler-Frankfurt: last upload 2026-10-29T23:10:00Z)", 1),
                CheckResult {
                    worst: None,
                    notes: vec!["the tenant returns no SIEM agents; a Sentinel connector is not visible through this API".into()],
                    ..check(OpsCheck::SiemAgents, CheckStatus::Unavailable, "no SIEM agent configured", 0)
                },
                check(OpsCheck::ApiTokens, CheckStatus::Findings, "7 tokens, 2 unused for 30 days", 2),
                check(OpsCheck::Governance, CheckStatus::Ok, "124 actions in 28 days, 6 failed, none stuck", 0),
                check(OpsCheck::SecureScore, CheckStatus::Findings, "41.5 of 60 points; AppG lost 1 point", 1),
                check(OpsCheck::MessageCenter, CheckStatus::Findings, "2 posts need action", 2),
                check(OpsCheck::Drift, CheckStatus::Findings, "3 policies drift, 1 new since the last run", 3),
            ],
            secure_score: vec![
                ProductScore {
                    product: "MCAS".into(),
                    points: 28.0,
                    max_points: 40.0,
                    previous_points: Some(26.0),
                    controls: 9,
                    zero_controls: vec!["MCAS_SessionPolicyDownloadBlock".into()],
                },
                ProductScore {
                    product: "MDA_Office365".into(),
                    points: 9.5,
                    max_points: 12.0,
                    previous_points: Some(9.0),
                    controls: 4,
                    zero_controls: Vec::new(),
                },
                ProductScore {
                    product: "AppG".into(),
                    points: 4.0,
                    max_points: 8.0,
                    previous_points: Some(5.0),
                    controls: 3,
                    zero_controls: vec!["AppG_HighPrivilegeApps".into(), "AppG_UnusedAppsCleanup".into()],
                },
            ],
            actions: vec![
                "MC912345: Defender for Cloud Apps: the legacy SIEM agent retires; move to the Microsoft Sentinel connector (act by 2026-11-30)".into(),
                "MC918002: App governance policies move to the unified Defender portal <action required> (act by 2026-12-15)".into(),
            ],
            system_alerts: vec![
                AlertBrief {
                    id: "6720aa01f1d2c3b4a5968778".into(),
                    title: "App connector error: Box".into(),
                    policy: None,
                    created: "2026-10-30T04:12:00Z".into(),
                    age_days: 3,
                    severity: Some(2),
                },
                AlertBrief {
                    id: "6720aa01f1d2c3b4a5968779".into(),
                    title: "Log collector Zscaler-Frankfurt stopped uploading".into(),
                    policy: Some("Log collector status".into()),
                    created: "2026-10-29T23:40:00Z".into(),
                    age_days: 3,
                    severity: Some(1),
                },
            ],
        },
        threat_notes: Some(THREAT_NOTES.into()),
        sources: vec![
            source("alerts", ".casguard/alerts.sqlite", Some("2026-11-02T06:00:03Z"), "3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea"),
            source("ops", ".casguard/ops/2026-11-02T06-00-12Z.json", Some("2026-11-02T06:00:12Z"), "a4e624d686e03ed2767c0abd85c14426b0b1157d2ce81d27bb4fe4f6f01d688a"),
            source("live policies", "snapshots/contoso-2026-11-02.json", Some("2026-11-02T06:00:09Z"), "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"),
            source("policy files", "policies/ (24 files)", None, "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"),
            source("trends notes", "docs/threats/2026-10.md", None, "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"),
        ],
        appendix: appendix("0e6be80c1f4b2a9d7e3f5a6b8c9d0e1f2a3b4c5d"),
        missing: vec![
            "the governance log of the last ops run starts 2026-10-05: governance actions cover only part of the month (set `governance_days` under [ops] to 31 for monthly reports)".into(),
        ],
    }
}

fn trend(
    policy: &str,
    current: u64,
    previous: u64,
    slope: Option<f64>,
    direction: Direction,
) -> Trend {
    let percent =
        (previous >= 5).then(|| (current as f64 - previous as f64) * 100.0 / previous as f64);
    Trend {
        policy: policy.into(),
        current,
        previous,
        delta: current as i64 - previous as i64,
        percent,
        slope_per_week: slope,
        direction,
    }
}

fn governance(
    task: &str,
    total: u64,
    succeeded: u64,
    failed: u64,
    pending: u64,
) -> GovernanceActions {
    GovernanceActions {
        task: task.into(),
        total,
        succeeded,
        failed,
        pending,
    }
}

fn commit(id: &str, date: &str, author: &str, summary: &str, files: &[&str]) -> Commit {
    Commit {
        id: id.into(),
        date: date.into(),
        author: author.into(),
        summary: summary.into(),
        files: files.iter().map(|f| f.to_string()).collect(),
    }
}

fn source(kind: &str, path: &str, fetched_at: Option<&str>, sha256: &str) -> SourceInput {
    SourceInput {
        kind: kind.into(),
        path: path.into(),
        fetched_at: fetched_at.map(str::to_string),
        sha256: sha256.into(),
    }
}

fn appendix(git_commit: &str) -> Appendix {
    Appendix {
        method: vec![
            "Months are calendar months in UTC; an alert counts in the month it was created.".into(),
            "Closed means resolutionStatusValue 1 to 5; time to resolve is resolveTime minus creation, negative values dropped.".into(),
            "TP / FP / benign rates are shares of the month's alerts closed as true positive, false positive or benign.".into(),
            "Verdicts, spikes and trends come from `casguard alerts` over the month.".into(),
        ],
        thresholds: vec![
            ("FP ratio to tune".into(), "0.50".into()),
            ("FP ratio minimum sample".into(), "5 closed alerts".into()),
            ("silent policy".into(), "no alert in 90 days".into()),
            ("spike".into(), "at least 5 alerts and baseline + 3 x spread".into()),
        ],
        casguard_version: "0.1.0".into(),
        git_commit: Some(git_commit.into()),
        generated_at: "2026-11-03T07:00:00Z".into(),
    }
}

/// October 2026 with nothing to go on: no alert archive, no ops run (so no
/// Graph either), no live state, no threat notes.
pub fn empty() -> MonthlyReport {
    let none6 = [None; 6];
    let no_archive = Some("no alert archive");
    MonthlyReport {
        month: "2026-10".into(),
        previous_month: "2026-09".into(),
        from: "2026-10-01".into(),
        to: "2026-10-31".into(),
        tenant: None,
        kpis: vec![
            kpi("alerts_created", "Alerts created", "count", None, none6, no_archive),
            kpi("closed_percent", "Closed", "percent", Some(true), none6, no_archive),
            kpi("ttr_p50_hours", "Time to resolve, median", "hours", Some(false), none6, no_archive),
            kpi("open_backlog", "Open at month end", "count", Some(false), none6, no_archive),
            now_only("policies_in_sync", "Policies in sync", "count", Some(true), None, None, Some("no live state: pass --snapshot FILE or --live")),
            now_only("secure_score_mdca", "Secure Score, Defender for Cloud Apps", "points", Some(true), None, None, Some("no Secure Score: no ops run with Graph credentials")),
        ],
        incident_types: IncidentTypes::default(),
        trends: MonthTrends::default(),
        policy_health: Vec::new(),
        recommendations: Vec::new(),
        configuration: Configuration::default(),
        platform: Platform::default(),
        threat_notes: None,
        sources: vec![source("policy files", "policies/ (24 files)", None, "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9")],
        appendix: Appendix {
            git_commit: None,
            ..appendix("unused")
        },
        missing: vec![
            "no alert archive: alert figures, incident types, trends and policy health are empty (run `casguard alerts sync`, or pass --dump FILE)".into(),
            "no ops run: platform health, Secure Score and governance actions are empty (run `casguard ops --save` with Graph credentials)".into(),
            "no live state: drift is empty (pass --snapshot FILE or --live)".into(),
        ],
    }
}
