//! The floor for bench/alerts-sync.sh: download and parse every page of the
//! fake tenant's alerts, as `alerts sync` must, and nothing else (no paging
//! checks, no archive). Uses the same HTTP client casguard uses.
//!
//! usage: download_floor URL TOKEN

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let (url, token) = (args.next().expect("URL"), args.next().expect("TOKEN"));
    let client = reqwest::blocking::Client::new();
    let started = Instant::now();
    let (mut skip, mut items) = (0usize, 0usize);
    loop {
        let body = serde_json::json!({"skip": skip, "limit": 100, "filters": {}, "sortField": "date", "sortDirection": "asc"});
        let reply: serde_json::Value = client
            .post(format!("{url}/api/v1/alerts/"))
            .header("Authorization", format!("Token {token}"))
            .json(&body)
            .send()
            .and_then(|r| r.json())
            .expect("page");
        let page = reply["data"].as_array().map_or(0, Vec::len);
        items += page;
        skip += page;
        if !reply["hasNext"].as_bool().unwrap_or(false) || page == 0 {
            break;
        }
    }
    println!("{items} {:.3}", started.elapsed().as_secs_f64());
}
