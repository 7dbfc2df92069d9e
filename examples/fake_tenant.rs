//! The test suite's fake MDCA tenant as a standalone server, for benchmarks
//! (bench/fetch.sh, bench/alerts-sync.sh). Serves N generated policies (and
//! A generated alerts over the 90 days before 2026-11-22) on 127.0.0.1 and
//! prints `URL TOKEN` on one line; stops when stdin closes or after 30 minutes.
//!
//! usage: fake_tenant [N [A]]

#[path = "../tests/support/fake_tenant.rs"]
mod fake_tenant;

use std::io::Read;
use std::time::Duration;

fn main() {
    let n = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(500);
    let alerts: usize = std::env::args()
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let policies = fake_tenant::policies(n);
    let tenant = fake_tenant::FakeTenant::start(policies.clone());
    tenant.with(|s| s.alerts = fake_tenant::alerts(alerts, &policies, 90, 1_795_305_600_000));
    println!("{} {}", tenant.url(), tenant.with(|s| s.api_token.clone()));
    let (done, wait) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        let _ = done.send(());
    });
    let _ = wait.recv_timeout(Duration::from_secs(1800));
    eprintln!("fake tenant: served {} requests", tenant.requests().len());
}
