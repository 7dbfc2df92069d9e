//! Benchmark of the alert analysis (bench/alerts-analysis.sh): builds N
//! synthetic `AlertRecord`s over P policies in memory (default 1,000,000
//! over 300, spread over 400 days with skewed per-policy volumes, strings
//! interned as the archive does), then times `alerts::analyse` on them.
//! Prints the input's build time, the analysis time (best of RUNS) and the
//! resident memory before and after, from /proc/self/status.
//!
//! usage: alerts_bench [N] [P] [RUNS]

use std::sync::Arc;
use std::time::Instant;

use casguard::alerts::{analyse, AlertsInput};
use casguard::model::{AlertPolicy, AlertRecord, AlertThresholds};

const DAY_MS: i64 = 86_400_000;
const DAYS: i64 = 400;

fn main() {
    let arg = |i: usize, default: usize| {
        std::env::args()
            .nth(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or(default)
    };
    let (n, p, runs) = (arg(1, 1_000_000), arg(2, 300), arg(3, 3).max(1));
    let today = jiff::civil::date(2026, 11, 22);
    let today_ms = today
        .to_zoned(jiff::tz::TimeZone::UTC)
        .expect("valid date")
        .timestamp()
        .as_millisecond();

    let started = Instant::now();
    let policies = policies(p);
    let alerts = alerts(n, &policies, today_ms);
    let built = started.elapsed();
    let rss_input = status_kb("VmRSS");

    let thresholds = AlertThresholds::default();
    let allowed = vec!["contoso.com".to_string()];
    let input = AlertsInput {
        alerts: &alerts,
        policies: &policies,
        thresholds: &thresholds,
        allowed_email_domains: &allowed,
        today,
    };
    let mut best = f64::MAX;
    let mut outcome = None;
    for _ in 0..runs {
        let started = Instant::now();
        let result = analyse(&input);
        best = best.min(started.elapsed().as_secs_f64());
        outcome = Some(result);
    }
    let outcome = outcome.expect("at least one run");
    let section = &outcome.section;
    println!(
        "input: {n} alerts over {p} policies, built in {:.0} ms",
        built.as_secs_f64() * 1000.0
    );
    println!(
        "analysis: {:.0} ms (best of {runs}); {} in window, {} scorecard rows, {} spikes, {} backlog listed, {} findings",
        best * 1000.0,
        section.alerts_in_window,
        section.scorecard.len(),
        section.spikes.len(),
        section.backlog.len(),
        outcome.findings.len()
    );
    println!(
        "memory: {} MB resident with the input built, {} MB peak",
        rss_input / 1024,
        status_kb("VmHWM") / 1024
    );
    println!("analysis_seconds={best:.4}");
}

fn policies(p: usize) -> Vec<AlertPolicy> {
    (0..p)
        .map(|i| AlertPolicy {
            name: format!("Policy {i:03}"),
            policy_type: "ACTIVITY".into(),
            live_id: Some(format!("{:024x}", 0xabc000 + i)),
            file: Some(format!("policies/policy-{i:03}.toml")),
            location: None,
            enabled: i % 50 != 0,
            alerts_enabled: i % 40 != 0,
            daily_limit: (i % 3 == 0).then_some(100),
            recipients_desired: vec![format!("team{}@contoso.com", i % 20)],
            recipients_live: if i % 10 == 0 {
                vec![
                    format!("team{}@contoso.com", i % 20),
                    "ext@partner.org".into(),
                ]
            } else {
                Vec::new()
            },
        })
        .collect()
}

/// Skewed volumes (policy index drawn as the minimum of two uniforms), 5 %
/// joined by title only, 2 % unjoinable, 0.1 % system alerts; 30 % open,
/// 10 % without a resolution.
fn alerts(n: usize, policies: &[AlertPolicy], today_ms: i64) -> Vec<AlertRecord> {
    let mut rng = fastrand::Rng::with_seed(7);
    let ids: Vec<Arc<str>> = policies
        .iter()
        .map(|p| Arc::from(p.live_id.as_deref().unwrap_or_default()))
        .collect();
    let titles: Vec<Arc<str>> = policies
        .iter()
        .map(|p| Arc::from(p.name.as_str()))
        .collect();
    let builtin: Arc<str> = Arc::from("Impossible travel activity");
    let system: Arc<str> = Arc::from("Log collector disconnected");
    let start_ms = today_ms - (DAYS - 1) * DAY_MS;
    (0..n)
        .map(|i| {
            let policy = rng.usize(..policies.len()).min(rng.usize(..policies.len()));
            let kind = rng.u32(..1000);
            let (policy_id, title, is_system) = match kind {
                0 => (None, system.clone(), true),
                1..=20 => (None, builtin.clone(), false),
                21..=70 => (None, titles[policy].clone(), false),
                _ => (Some(ids[policy].clone()), titles[policy].clone(), false),
            };
            let timestamp_ms = start_ms + rng.i64(0..DAYS * DAY_MS);
            let resolution = match rng.u8(..10) {
                0..=2 => Some(0),
                3 => None,
                _ => Some(rng.u8(1..=5)),
            };
            AlertRecord {
                id: format!("{i:024x}").into(),
                policy_id,
                title,
                service: None,
                timestamp_ms,
                resolve_time_ms: Some(timestamp_ms + rng.i64(-3_600_000..400_000_000)),
                severity: Some(rng.u8(..4)),
                status: Some(rng.u8(..3)),
                resolution,
                story: None,
                is_system,
            }
        })
        .collect()
}

/// A `kB` line of /proc/self/status (0 where there is none).
fn status_kb(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
