//! `casguard ops`, `fetch --resources` and `shape`: one test binary (one
//! link instead of four, which CI's two cores feel).
//! - `checks`: the checks over snapshots (broken, healthy, unknown shapes,
//!   Graph credentials, failed reads, history, governance settling, secrets,
//!   the shape report);
//! - `fetch`: reading the ops resources from the fake tenant and its Graph
//!   stand-in, with faults;
//! - `live`: the commands end to end against the fake tenant;
//! - `report`: every report format, snapshot-tested.

#[path = "../common/mod.rs"]
mod common;
#[path = "../support/fake_tenant.rs"]
mod fake_tenant;

mod checks;
mod fetch;
mod live;
mod report;
