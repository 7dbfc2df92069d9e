//! `casguard init`: scaffolds a policy repository (casguard.toml, an example
//! policy, a custom rule, a CI workflow, .gitignore). Never overwrites a file
//! unless forced; everything is checked before the first write.

use std::path::{Path, PathBuf};

use super::Error;
use crate::env::Env;
use crate::model::InitOutcome;

pub struct InitInput {
    /// The folder to scaffold; the working directory when `None`.
    pub dir: Option<PathBuf>,
    pub force: bool,
}

/// `init` needs no configuration (it writes one), only the environment.
pub fn init(env: &Env, input: &InitInput) -> Result<InitOutcome, Error> {
    let dir = env.resolve(input.dir.as_deref().unwrap_or(Path::new(".")));
    let shown = |path: &Path| crate::fsutil::display_path(&env.cwd, path);
    let files = crate::init::files();
    let existing: Vec<PathBuf> = files
        .iter()
        .map(|(p, _)| dir.join(p))
        .filter(|p| p.exists())
        .collect();
    if !existing.is_empty() && !input.force {
        return Err(Error::WouldOverwrite {
            count: existing.len(),
            first: shown(&existing[0]),
        });
    }
    for (path, text) in &files {
        let path = dir.join(path);
        let write_error = |source| Error::Write {
            path: shown(&path),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(write_error)?;
        }
        let text = text.replace("{{TODAY}}", &env.today.to_string());
        crate::fsutil::write_atomic(&path, text.as_bytes()).map_err(write_error)?;
    }
    Ok(InitOutcome {
        files: files.len(),
        dir: input
            .dir
            .as_ref()
            .map_or_else(|| ".".into(), |d| d.display().to_string()),
    })
}
