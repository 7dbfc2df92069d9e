//! casguard: Microsoft Defender for Cloud Apps policies as code.
//!
//! Modules are layered, dependencies pointing down only (a test checks that
//! there are no cycles):
//!
//! - `cli`: clap definitions, one call into `app`, one render, one exit code.
//! - `app`: one file per command, typed inputs + `Env` -> typed outcome.
//! - `report` (renderers, one file per format), `drift`, `review`, `rules`,
//!   `suppress`, `fix`, `coverage`, `import`, `suggest`, `evidence`, `history`, `live`,
//!   `load`, `normalize`, `config`, `schema`, `init`, `json_to_toml`: the stages.
//!   `alerts` (scorecard, spikes, trends over archived alerts) is a pure stage.
//! - `archive`: the SQLite alert archive (schema, migrations, upsert of a
//!   sync, reading for analysis, import and export); reads and writes disk.
//! - `registry`: every built-in rule id, once.
//! - `env`: the project root, config path, environment variables and clock.
//! - `model`: pure data (policies, findings, rule metadata, outcomes).
//! - `fsutil`, `parallel`, `textutil`: small helpers with no casguard dependencies.
//!
//! Analysis never prints; only `cli` writes to stdout and stderr.

pub mod alerts;
pub mod app;
pub mod archive;
pub mod cli;
pub mod config;
pub mod coverage;
pub mod drift;
pub mod env;
pub mod evidence;
pub mod fix;
pub mod fsutil;
pub mod history;
pub mod import;
pub mod init;
pub mod json_to_toml;
pub mod live;
pub mod load;
pub mod model;
pub mod monthly;
pub mod normalize;
pub mod ops;
pub mod parallel;
pub mod registry;
pub mod report;
pub mod review;
pub mod rules;
pub mod schema;
pub mod shape;
pub mod suggest;
pub mod suppress;
pub mod textutil;
