//! Atomic file writes: every file casguard writes goes to a temporary file in
//! the same folder and is renamed over the target only once complete, so an
//! error or an interruption never leaves a half-written report and never
//! destroys a good file. `tempfile` handles unique names and cleanup. Also
//! the one way paths are shown to users (`display_path`).

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically (temp file + fsync + rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut file = tempfile::Builder::new()
        .prefix(".casguard-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A path as users see it: relative to `base` when under it, `/`-separated,
/// without a leading `./`; other absolute paths stay absolute.
pub fn display_path(base: &Path, path: &Path) -> String {
    let relative = if path.is_absolute() {
        path.strip_prefix(base).unwrap_or(path)
    } else {
        path
    };
    let text = relative.to_string_lossy().replace('\\', "/");
    let text = text.strip_prefix("./").map(str::to_string).unwrap_or(text);
    if text.is_empty() {
        ".".into()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_paths_are_relative_to_the_base() {
        let base = Path::new("/repo");
        assert_eq!(
            display_path(base, Path::new("/repo/policies/a.toml")),
            "policies/a.toml"
        );
        assert_eq!(
            display_path(base, Path::new("/elsewhere/a.toml")),
            "/elsewhere/a.toml"
        );
        assert_eq!(display_path(base, Path::new("./a.toml")), "a.toml");
        assert_eq!(display_path(base, Path::new("/repo")), ".");
    }

    #[test]
    fn replaces_whole_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.json");
        std::fs::write(&target, "old content that is longer").unwrap();
        write_atomic(&target, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn failure_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("missing-dir").join("out.json");
        assert!(write_atomic(&target, b"x").is_err());
        assert!(!target.exists());
    }
}
