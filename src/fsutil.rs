//! Atomic file writes: every file casguard writes goes to a temporary file in
//! the same folder and is renamed over the target only once complete, so an
//! error or an interruption never leaves a half-written report and never
//! destroys a good file. `tempfile` handles unique names and cleanup. Also
//! the one way paths are shown to users (`display_path`), and bounded reads
//! of small files a user names (`read_capped`).
//!
//! The same rules for every file casguard writes (reports, snapshots,
//! `lint --fix`, patches, bundles):
//! - a replaced file keeps its mode; a new file gets the usual mode for the
//!   umask (0644 under umask 022). Only private keys are 0600
//!   (`stage(.., private: true)`), from the moment they exist, whatever the
//!   umask or the file they replace;
//! - a symbolic link is written through: the file it points to is replaced
//!   atomically and the link stays a link (as `>` in a shell does);
//! - a target that is not a regular file (`/dev/stdout`, a named pipe) is
//!   written to directly, since a stream cannot be replaced.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically (temp file + fsync + rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    stage(path, bytes, false)?.commit()
}

/// A file written in full next to its target, not yet in place. Several
/// files that belong together (a snapshot and its dated copy) are all
/// staged before any is committed, so a failure while writing replaces
/// none of them. Dropped uncommitted, it is removed.
pub enum Staged {
    File {
        file: tempfile::NamedTempFile,
        target: PathBuf,
    },
    /// A terminal, a pipe, /dev/null: nothing to keep, nothing to rename
    /// over; written on commit.
    Stream { target: PathBuf, bytes: Vec<u8> },
}

impl Staged {
    /// Moves the file into place (a rename: all or nothing).
    pub fn commit(self) -> std::io::Result<()> {
        match self {
            Staged::File { file, target } => {
                file.persist(&target).map_err(|e| e.error)?;
                Ok(())
            }
            Staged::Stream { target, bytes } => std::fs::OpenOptions::new()
                .write(true)
                .open(&target)?
                .write_all(&bytes),
        }
    }
}

/// Writes `bytes` next to `path`, ready to replace it (see the module
/// header for modes, links and streams). `private` gives mode 0600.
pub fn stage(path: &Path, bytes: &[u8], private: bool) -> std::io::Result<Staged> {
    let target = through_links(path)?;
    let existing = std::fs::metadata(&target).ok();
    if let Some(meta) = &existing {
        if meta.is_dir() {
            return Err(std::io::Error::other("it is a folder"));
        }
        if !meta.is_file() && !private {
            return Ok(Staged::Stream {
                target,
                bytes: bytes.to_vec(),
            });
        }
    }
    let dir = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".casguard-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // open(2) applies the umask to this mode, as it does for any new file.
        let mode = if private { 0o600 } else { 0o666 };
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    let mut file = builder.tempfile_in(dir)?;
    if let Some(meta) = existing.filter(|m| m.is_file() && !private) {
        file.as_file().set_permissions(meta.permissions())?;
    }
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    Ok(Staged::File { file, target })
}

/// The bytes of the file at `path`, or `None` when it holds more than
/// `limit`. At most `limit + 1` bytes are read, so a huge file, or one that
/// never ends (`/dev/zero`), costs no more memory than the limit.
pub fn read_capped(path: &Path, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

/// Whether a file could be created at `path` once its missing folders are
/// made: the nearest existing ancestor is a folder. Checked before work
/// that takes minutes or spends API requests. The error names the
/// ancestor in the way.
pub fn creatable(path: &Path) -> Result<(), (PathBuf, std::io::Error)> {
    let mut folder = path.parent();
    while let Some(dir) = folder.filter(|d| !d.as_os_str().is_empty()) {
        match std::fs::metadata(dir) {
            Ok(meta) if meta.is_dir() => return Ok(()),
            Ok(_) => {
                let e = std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a folder");
                return Err((dir.to_path_buf(), e));
            }
            // Not a directory: something above it is a file, found next.
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                folder = dir.parent()
            }
            Err(e) => return Err((dir.to_path_buf(), e)),
        }
    }
    Ok(())
}

/// The file `path` names once symbolic links are followed; a dangling link
/// gives the path it points to, so the write creates it.
fn through_links(path: &Path) -> std::io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    // As many as Linux follows before ELOOP.
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let next = std::fs::read_link(&current)?;
                current = match current.parent() {
                    Some(parent) if next.is_relative() => parent.join(next),
                    _ => next,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
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

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[cfg(unix)]
    #[test]
    fn modes_are_kept_new_files_follow_the_umask_keys_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        // What the umask gives a file created the ordinary way.
        let probe = dir.path().join("probe");
        std::fs::write(&probe, "").unwrap();
        let usual = mode(&probe);
        let new = dir.path().join("new.json");
        write_atomic(&new, b"x").unwrap();
        assert_eq!(mode(&new), usual);
        for kept in [0o644, 0o640, 0o664, 0o600] {
            let path = dir.path().join(format!("kept-{kept:o}"));
            std::fs::write(&path, "old").unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(kept)).unwrap();
            write_atomic(&path, b"new").unwrap();
            assert_eq!(mode(&path), kept);
        }
        let key = dir.path().join("evidence.key");
        std::fs::write(&key, "old").unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        stage(&key, b"secret", true).unwrap().commit().unwrap();
        assert_eq!(mode(&key), 0o600);
        stage(&dir.path().join("new.key"), b"secret", true)
            .unwrap()
            .commit()
            .unwrap();
        assert_eq!(mode(&dir.path().join("new.key")), 0o600);
    }

    #[cfg(unix)]
    #[test]
    fn links_are_written_through_and_streams_written_directly() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("real")).unwrap();
        let real = dir.path().join("real").join("policy.toml");
        std::fs::write(&real, "old").unwrap();
        let link = dir.path().join("link.toml");
        std::os::unix::fs::symlink("real/policy.toml", &link).unwrap();
        let chain = dir.path().join("chain.toml");
        std::os::unix::fs::symlink("link.toml", &chain).unwrap();
        write_atomic(&chain, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(std::fs::symlink_metadata(&chain)
            .unwrap()
            .file_type()
            .is_symlink());
        let dangling = dir.path().join("dangling.json");
        std::os::unix::fs::symlink("real/created.json", &dangling).unwrap();
        write_atomic(&dangling, b"made").unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("real/created.json")).unwrap(),
            "made"
        );
        let looped = dir.path().join("loop");
        std::os::unix::fs::symlink("loop", &looped).unwrap();
        assert!(write_atomic(&looped, b"x").is_err());
        write_atomic(Path::new("/dev/null"), b"to a stream").unwrap();
        assert!(
            write_atomic(dir.path(), b"x").is_err(),
            "a folder is never replaced"
        );
        assert_eq!(
            std::fs::read_dir(dir.path().join("real")).unwrap().count(),
            2
        );
    }

    #[test]
    fn failure_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("missing-dir").join("out.json");
        assert!(write_atomic(&target, b"x").is_err());
        assert!(!target.exists());
    }
}
