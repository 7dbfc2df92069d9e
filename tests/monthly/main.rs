//! `casguard report monthly`: one test binary.
//! - `engine`: the report of the example tenant, its figures, missing data,
//!   the command line, evidence, patches that apply, and its JSON;
//! - `render`: the HTML and Markdown renderers, snapshot-tested;
//! - `browser`: the HTML's layout in headless Chromium at A4 and Letter;
//! - `live`: `--live` reads what is missing from the fake tenant.

#[path = "../common/mod.rs"]
mod common;
#[path = "../support/fake_tenant.rs"]
mod fake_tenant;
#[path = "../support/monthly_fixture.rs"]
mod monthly_fixture;

mod browser;
mod engine;
mod live;
mod render;
