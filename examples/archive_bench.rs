//! Benchmark helper for bench/archive.sh: generates realistic MDCA alerts
//! (shaped like Microsoft's docs sample: five entities, a description,
//! codes, ObjectId-like ids that grow with time, ~1 KB of JSON each) and
//! times the archive on them. Deterministic (seeded).
//!
//! - `archive_bench store N FILE`: stores N new alerts into FILE in one sync,
//!   then stores them again with a third of them closed (the update path).
//! - `archive_bench fill N FILE`: fills FILE with N alerts, 100,000 a sync.
//! - `archive_bench records FILE`: reads every row as analysis does.

use std::path::Path;
use std::time::Instant;

use casguard::archive::{Archive, SyncInfo, SyncSource};
use serde_json::{json, Value};

const START_MS: i64 = 1_700_000_000_000;
const DAY_MS: i64 = 86_400_000;
const POLICY_TYPES: [&str; 4] = ["ANOMALY_DETECTION", "ACTIVITY", "FILE", "SESSION"];
const APPS: [&str; 8] = [
    "Microsoft Exchange Online",
    "Microsoft SharePoint Online",
    "Microsoft OneDrive for Business",
    "Microsoft Teams",
    "Box",
    "Salesforce",
    "Active Directory",
    "Google Workspace",
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["store", n, file] => store(n.parse().expect("N"), Path::new(file)),
        ["fill", n, file] => fill(n.parse().expect("N"), Path::new(file)),
        ["records", file] => records(Path::new(file)),
        _ => {
            eprintln!("usage: archive_bench store N FILE | fill N FILE | records FILE");
            std::process::exit(2);
        }
    }
}

/// Alert number `i` of `total`, spread over two years.
fn alert(i: usize, total: usize, rng: &mut fastrand::Rng, closed: bool) -> Value {
    let created = START_MS + (i as i64) * (730 * DAY_MS / total.max(1) as i64);
    let policy = rng.usize(..300);
    let app = APPS[policy % APPS.len()];
    let user = rng.u32(..5000);
    let id = format!("{:08x}{:016x}", created / 1000, i as u64 * 7919 + 13);
    let resolution = if closed { 3 + (i % 3) } else { 0 };
    let read = rng.u8(..2);
    let mut alert = json!({
        "_id": id,
        "contextId": "206e2965-6533-48a6-ba9e-794364a84bf9",
        "description": format!("user{user} performed {} suspicious activities in {app}", rng.u32(1..50)),
        "entities": [
            {"entityRole": "Source", "entityType": 2, "id": format!("6204bdaf-ad46-4e99-a25d-{user:012}"),
             "inst": 0, "label": format!("user{user}"), "pa": format!("user{user}@contoso.com"), "type": "account"},
            {"entityRole": "Related", "id": format!("55017817-27af-49a7-93d6-{:012}", rng.u32(..900)),
             "label": format!("DEVICE{}", rng.u32(..900)), "type": "device"},
            {"id": 20000 + policy % APPS.len(), "label": app, "type": "service"},
            {"id": format!("5bfd18bfab73c36ba10d{policy:04x}"), "label": format!("Policy {policy}"),
             "policyType": POLICY_TYPES[policy % POLICY_TYPES.len()], "type": "policyRule"},
            {"type": "groupTag", "id": "5f759b4d106abbe4a504ea5d", "label": "All Users"}
        ],
        "idValue": 15_000_000 + i,
        "isSystemAlert": i % 500 == 0,
        "resolutionStatusValue": resolution,
        "severityValue": policy % 4,
        "statusValue": if closed { 1 } else { read },
        "stories": [policy % 9],
        "threatScore": rng.u8(..100),
        "timestamp": created,
        "title": format!("Policy {policy}"),
        "comment": "",
        "handledByUser": if closed { "analyst@contoso.com" } else { "null" },
        "URL": format!("https://contoso.portal.cloudappsecurity.com/#/alerts/{id}")
    });
    if closed {
        alert["resolveTime"] = json!(jiff::Timestamp::from_millisecond(created + 3 * 3_600_000)
            .unwrap()
            .to_string());
    }
    alert
}

fn generate(from: usize, count: usize, total: usize, closed_every: usize) -> Vec<Value> {
    let mut rng = fastrand::Rng::with_seed(from as u64);
    (from..from + count)
        .map(|i| {
            alert(
                i,
                total,
                &mut rng,
                closed_every > 0 && i % closed_every == 0,
            )
        })
        .collect()
}

fn info(at_ms: i64) -> SyncInfo {
    SyncInfo {
        source: SyncSource::Import,
        origin: "archive_bench".into(),
        started_ms: at_ms,
        finished_ms: at_ms,
        window_from_ms: None,
        window_to_ms: None,
    }
}

fn store(n: usize, file: &Path) {
    let alerts = generate(0, n, n, 0);
    let start = Instant::now();
    let bytes: usize = alerts.iter().map(|a| a.to_string().len()).sum();
    let serialize = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let mut interner = casguard::live::alerts::Interner::default();
    for alert in &alerts {
        casguard::live::alerts::extract(alert, &mut interner).expect("extract");
    }
    let extract = start.elapsed().as_secs_f64();
    let mut archive = Archive::open(file).expect("open");
    let start = Instant::now();
    let first = archive.store(&alerts, info(START_MS)).expect("store");
    let insert = start.elapsed().as_secs_f64();
    let changed = generate(0, n, n, 3);
    let start = Instant::now();
    let second = archive
        .store(&changed, info(START_MS + DAY_MS))
        .expect("store");
    let update = start.elapsed().as_secs_f64();
    println!(
        "store, new:     {} alerts ({:.0} MB of JSON) in {insert:.2} s ({:.0} alerts/s)",
        first.inserted,
        bytes as f64 / 1e6,
        n as f64 / insert
    );
    println!(
        "  the same work apart, one thread: JSON serialization {serialize:.2} s, extraction {extract:.2} s \
         (store runs them beside the writes)"
    );
    println!(
        "store, again:   {} updated, {} unchanged in {update:.2} s",
        second.updated, second.unchanged
    );
}

fn fill(n: usize, file: &Path) {
    let mut archive = Archive::open(file).expect("open");
    let start = Instant::now();
    for from in (0..n).step_by(100_000) {
        let alerts = generate(from, 100_000.min(n - from), n, 4);
        archive.store(&alerts, info(START_MS)).expect("store");
    }
    println!(
        "fill:           {} alerts in {:.1} s, file {:.0} MB",
        archive.count().expect("count"),
        start.elapsed().as_secs_f64(),
        std::fs::metadata(file).map(|m| m.len()).unwrap_or(0) as f64 / 1e6
    );
}

fn records(file: &Path) {
    let archive = Archive::open(file).expect("open");
    let start = Instant::now();
    let records = archive.records(None, None).expect("records");
    println!(
        "records:        {} rows in {:.2} s",
        records.len(),
        start.elapsed().as_secs_f64()
    );
}
