//! The environment a command runs in, made explicit: where casguard runs
//! (`-C`), the project root and its `casguard.toml`, the environment
//! variables, and the clock. `cli` builds one `Env` from the process; tests
//! build their own. Nothing else in casguard reads the working directory,
//! the process environment or the system clock, so every command is a
//! function of its arguments and its `Env`.
//!
//! Configuration discovery (as in ruff and cargo-deny): `--config FILE`, else
//! `CASGUARD_CONFIG`, else the first `casguard.toml` found walking up from the
//! working directory, stopping at the repository root (a folder holding
//! `.git`). The folder of that file is the project root: relative paths in
//! the config start there, and every path casguard shows (reports, SARIF
//! URIs) is relative to it, so output does not depend on the subfolder
//! casguard was started from.
//!
//! Precedence, for every setting: flag > environment variable >
//! casguard.toml > default.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::FILE_NAME;

/// Environment variable naming the configuration file.
pub const CONFIG_VAR: &str = "CASGUARD_CONFIG";

/// Everything a command may know about the world outside its arguments.
#[derive(Debug, Clone)]
pub struct Env {
    /// Where casguard runs: the process's working directory, or `-C DIR`. Absolute.
    pub cwd: PathBuf,
    /// The configuration file, when there is one. Absolute.
    pub config_path: Option<PathBuf>,
    /// Whether the configuration file was named (`--config`, `CASGUARD_CONFIG`)
    /// rather than discovered; a named file must exist.
    pub config_named: bool,
    /// The project root: the configuration file's folder, else `cwd`. Paths
    /// shown to users are relative to it.
    pub root: PathBuf,
    /// The git work tree holding the project root, if any (the nearest
    /// folder with a `.git`); SARIF paths are relative to it.
    pub repository: Option<PathBuf>,
    /// The process environment, read once.
    pub vars: BTreeMap<String, String>,
    /// The date reviews and expiries are evaluated at (`--today`, else today).
    pub today: jiff::civil::Date,
    /// Whether `today` was given rather than read from the clock.
    pub today_given: bool,
    /// Now, read once, to the second.
    pub now: jiff::Timestamp,
}

/// What the command line says about the environment.
#[derive(Debug, Clone, Default)]
pub struct EnvArgs {
    /// `-C DIR`.
    pub directory: Option<PathBuf>,
    /// `--config FILE`.
    pub config: Option<PathBuf>,
    /// `--today DATE`.
    pub today: Option<jiff::civil::Date>,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum EnvError {
    #[error("cannot run in `{}`: {detail}", path.display())]
    #[diagnostic(help("-C takes an existing folder"))]
    Directory { path: PathBuf, detail: String },
    #[error("the working directory cannot be read: {0}")]
    #[diagnostic(help("start casguard from an existing folder, or pass -C DIR"))]
    Cwd(String),
    #[error("CASGUARD_TODAY is `{value}`, not a date")]
    #[diagnostic(help("use YYYY-MM-DD, e.g. CASGUARD_TODAY=2026-11-22, or unset it"))]
    Today { value: String },
}

impl Env {
    /// The environment of this process: `process_cwd` and `vars` as the
    /// operating system gives them, the arguments from the command line.
    pub fn new(
        args: &EnvArgs,
        process_cwd: &Path,
        vars: BTreeMap<String, String>,
        now: jiff::Timestamp,
    ) -> Result<Env, EnvError> {
        let cwd = match &args.directory {
            Some(dir) => {
                let dir = process_cwd.join(dir);
                match std::fs::metadata(&dir) {
                    Ok(m) if m.is_dir() => dir,
                    Ok(_) => {
                        return Err(EnvError::Directory {
                            path: dir,
                            detail: "not a folder".into(),
                        })
                    }
                    Err(e) => {
                        return Err(EnvError::Directory {
                            path: dir,
                            detail: e.to_string(),
                        })
                    }
                }
            }
            None => process_cwd.to_path_buf(),
        };
        let cwd = normalize(&cwd);
        let named = args.config.clone().or_else(|| {
            vars.get(CONFIG_VAR)
                .filter(|v| !v.trim().is_empty())
                .map(PathBuf::from)
        });
        let (config_path, config_named) = match named {
            Some(path) => (Some(normalize(&cwd.join(path))), true),
            None => (discover_config(&cwd), false),
        };
        let root = config_path
            .as_deref()
            .and_then(Path::parent)
            .map_or_else(|| cwd.clone(), Path::to_path_buf);
        let today_var = vars.get("CASGUARD_TODAY").filter(|v| !v.trim().is_empty());
        let today_given = args.today.is_some() || today_var.is_some();
        let today = match (args.today, today_var) {
            (Some(date), _) => date,
            (None, Some(text)) => text.trim().parse().map_err(|_| EnvError::Today {
                value: text.clone(),
            })?,
            (None, None) => now.to_zoned(jiff::tz::TimeZone::system()).date(),
        };
        Ok(Env {
            cwd,
            config_path,
            config_named,
            repository: repository_of(&root),
            root,
            vars,
            today,
            today_given,
            now: now.round(jiff::Unit::Second).unwrap_or(now),
        })
    }

    /// An environment rooted at `root` (a folder holding casguard.toml, or
    /// not), with no variables, for tests and embedding.
    pub fn at(root: &Path, today: jiff::civil::Date) -> Env {
        let root = normalize(root);
        let config = root.join(FILE_NAME);
        let now = today
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        Env {
            cwd: root.clone(),
            config_path: config.is_file().then_some(config),
            config_named: false,
            repository: repository_of(&root),
            root,
            vars: BTreeMap::new(),
            today,
            today_given: true,
            now,
        }
    }

    /// An environment variable, when set and not blank.
    pub fn var(&self, key: &str) -> Option<&str> {
        self.vars
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// A path given on the command line, made absolute against `cwd`.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        normalize(&self.cwd.join(path))
    }

    /// A path as users see it: relative to the project root, `/`-separated.
    pub fn display(&self, path: &Path) -> String {
        crate::fsutil::display_path(&self.root, path)
    }
}

impl Env {
    /// Where the project root is inside its repository, as a prefix for
    /// paths relative to the root (`mdca/`), or empty.
    pub fn repository_prefix(&self) -> String {
        let Some(repository) = &self.repository else {
            return String::new();
        };
        match self.root.strip_prefix(repository) {
            Ok(inner) if !inner.as_os_str().is_empty() => {
                format!("{}/", inner.to_string_lossy().replace('\\', "/"))
            }
            _ => String::new(),
        }
    }
}

/// The nearest folder at or above `dir` holding `.git`.
fn repository_of(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

/// The first casguard.toml walking up from `start`, up to the repository root.
fn discover_config(start: &Path) -> Option<PathBuf> {
    for dir in start.ancestors() {
        let candidate = dir.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        if dir.join(".git").exists() {
            return None;
        }
    }
    None
}

/// Removes `.` and resolves `..` lexically, so displayed paths stay short
/// and prefix checks work (no file system access: symlinks are kept).
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn discovery_walks_up_to_the_repository_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("repo/.git")).unwrap();
        std::fs::create_dir_all(root.join("repo/policies/file")).unwrap();
        std::fs::write(root.join(FILE_NAME), "").unwrap();
        let now = jiff::Timestamp::UNIX_EPOCH;
        let deep = root.join("repo/policies/file");
        // The casguard.toml above the repository is not taken.
        let env = Env::new(&EnvArgs::default(), &deep, vars(&[]), now).unwrap();
        assert_eq!(env.config_path, None);
        assert_eq!(env.root, deep);
        std::fs::write(root.join("repo").join(FILE_NAME), "").unwrap();
        let env = Env::new(&EnvArgs::default(), &deep, vars(&[]), now).unwrap();
        assert_eq!(env.config_path, Some(root.join("repo").join(FILE_NAME)));
        assert_eq!(env.root, root.join("repo"));
        assert_eq!(env.display(&deep.join("x.toml")), "policies/file/x.toml");
        assert_eq!(env.repository_prefix(), "");
        let env = Env::at(&deep, jiff::civil::date(2026, 1, 1));
        assert_eq!(env.repository_prefix(), "policies/file/");
        // CASGUARD_CONFIG names one explicitly; --config wins over it.
        let env = Env::new(
            &EnvArgs::default(),
            &deep,
            vars(&[(CONFIG_VAR, "../../other.toml")]),
            now,
        )
        .unwrap();
        assert_eq!(env.config_path, Some(root.join("repo/other.toml")));
        assert!(env.config_named);
        let args = EnvArgs {
            config: Some("x.toml".into()),
            ..EnvArgs::default()
        };
        let env = Env::new(&args, &deep, vars(&[(CONFIG_VAR, "y.toml")]), now).unwrap();
        assert_eq!(env.config_path, Some(deep.join("x.toml")));
    }

    #[test]
    fn today_flag_beats_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let now = jiff::Timestamp::UNIX_EPOCH;
        let env = Env::new(
            &EnvArgs::default(),
            dir.path(),
            vars(&[("CASGUARD_TODAY", "2026-01-02")]),
            now,
        )
        .unwrap();
        assert_eq!(env.today, jiff::civil::date(2026, 1, 2));
        assert!(env.today_given);
        let args = EnvArgs {
            today: Some(jiff::civil::date(2027, 3, 4)),
            ..EnvArgs::default()
        };
        let env = Env::new(
            &args,
            dir.path(),
            vars(&[("CASGUARD_TODAY", "2026-01-02")]),
            now,
        )
        .unwrap();
        assert_eq!(env.today, jiff::civil::date(2027, 3, 4));
        assert!(Env::new(
            &EnvArgs::default(),
            dir.path(),
            vars(&[("CASGUARD_TODAY", "soon")]),
            now
        )
        .is_err());
    }

    #[test]
    fn normalize_is_lexical() {
        assert_eq!(normalize(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
        assert_eq!(normalize(Path::new("a/../../b")), PathBuf::from("../b"));
    }
}
