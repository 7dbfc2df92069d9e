//! casguard: Microsoft Defender for Cloud Apps policies as code.
//!
//! The crate is a pipeline of stages with I/O at the edges (see DESIGN.md):
//! `load` reads desired policies and `config` reads casguard.toml; `rules`
//! evaluates Rego over them; `suppress` applies accountable suppressions;
//! `report` renders the resulting data in one file per format; `cli` wires the
//! stages to commands and exit codes. Analysis never prints.

pub mod cli;
pub mod config;
pub mod drift;
pub mod evidence;
pub mod fix;
pub mod fsutil;
pub mod history;
pub mod import;
pub mod init;
pub mod lint;
pub mod live;
pub mod load;
pub mod model;
pub mod normalize;
pub mod parallel;
pub mod report;
pub mod review;
pub mod rules;
pub mod schema;
pub mod suggest;
pub mod suppress;
