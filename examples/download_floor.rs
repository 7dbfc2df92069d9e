//! The floor for bench/alerts-sync.sh: download and parse every page of the
//! fake tenant's alerts, as `alerts sync` must, and nothing else (no paging
//! checks, no archive). Uses the same HTTP client casguard uses.
//!
//! usage: download_floor URL TOKEN

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let (url, token) = (args.next().expect("URL"), args.next().expect("TOKEN"));
    let agent = ureq::Agent::new_with_defaults();
    let started = Instant::now();
    let (mut skip, mut items) = (0usize, 0usize);
    loop {
        let body = serde_json::json!({"skip": skip, "limit": 100, "filters": {}, "sortField": "date", "sortDirection": "asc"});
        let body = agent
            .post(format!("{url}/api/v1/alerts/"))
            .header("Authorization", format!("Token {token}"))
            .header("Content-Type", "application/json")
            .send(body.to_string().as_bytes())
            .expect("page")
            .body_mut()
            .with_config()
            .read_to_vec()
            .expect("page body");
        let reply: serde_json::Value = serde_json::from_slice(&body).expect("page JSON");
        let page = reply["data"].as_array().map_or(0, Vec::len);
        items += page;
        skip += page;
        if !reply["hasNext"].as_bool().unwrap_or(false) || page == 0 {
            break;
        }
    }
    println!("{items} {:.3}", started.elapsed().as_secs_f64());
}
