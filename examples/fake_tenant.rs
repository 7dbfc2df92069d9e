//! The test suite's fake MDCA tenant as a standalone server, for benchmarks
//! (bench/fetch.sh). Serves N generated policies on 127.0.0.1 and prints
//! `URL TOKEN` on one line; stops when stdin closes or after 10 minutes.
//!
//! usage: fake_tenant [N]

#[path = "../tests/support/fake_tenant.rs"]
mod fake_tenant;

use std::io::Read;
use std::time::Duration;

fn main() {
    let n = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(500);
    let tenant = fake_tenant::FakeTenant::start(fake_tenant::policies(n));
    println!("{} {}", tenant.url(), tenant.with(|s| s.api_token.clone()));
    let (done, wait) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        let _ = done.send(());
    });
    let _ = wait.recv_timeout(Duration::from_secs(600));
    eprintln!("fake tenant: served {} requests", tenant.requests().len());
}
