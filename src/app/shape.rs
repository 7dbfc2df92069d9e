//! `casguard shape SNAPSHOT`: the fields a snapshot holds and how casguard
//! maps them, without their values (`crate::shape` does the work).

use std::path::Path;

use super::{Error, Project};
use crate::live::Snapshot;
use crate::model::ShapeOutcome;

pub fn shape(project: &Project, snapshot: &Path) -> Result<ShapeOutcome, Error> {
    let path = project.env.resolve(snapshot);
    let display = project.display(&path);
    let snapshot = Snapshot::read_unchecked(&path, &display)?;
    Ok(crate::shape::shape(
        &snapshot,
        &display,
        &project.config.drift.comparison,
    ))
}
