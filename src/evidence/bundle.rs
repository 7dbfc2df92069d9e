//! Reading a bundle for `evidence verify`: a folder or a `.tar.gz` archive,
//! each file hashed while it streams (only the manifest, SHA256SUMS and the
//! signature are kept in memory), with limits on entry size, total size and
//! entry count so that a small archive that inflates to gigabytes is refused
//! in moments, not read.
//!
//! A bundle holds regular files and nothing else. The reader names, instead
//! of skipping, whatever a tampered copy could hide behind: subfolders,
//! symbolic and hard links, FIFOs and devices, an archive entry outside its
//! `evidence/` folder or nested in it, a name that appears twice (a tampered
//! copy before the genuine one), and data after the archive's end. What GNU
//! tar adds when a bundle is re-packed (the `evidence/` folder entry, a
//! `./` prefix, PAX headers) is accepted.

use std::collections::BTreeMap;
use std::io::{BufReader, Read};
use std::path::Path;

use sha2::{Digest, Sha256};

use super::{EvidenceError, MANIFEST, SIGNATURE, SUMS};

/// The largest file a bundle may hold.
pub const MAX_ENTRY_BYTES: u64 = 256 * 1024 * 1024;
/// The most a bundle may hold in all.
pub const MAX_TOTAL_BYTES: u64 = 1024 * 1024 * 1024;
/// The most files (and other entries) a bundle may hold.
pub const MAX_ENTRIES: usize = 10_000;
/// The largest manifest, SHA256SUMS or signature (these are read whole).
pub const MAX_CONTROL_BYTES: u64 = 16 * 1024 * 1024;
/// The folder every file of an archive sits in.
pub const ARCHIVE_FOLDER: &str = "evidence";

/// One file of a bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub sha256: String,
    /// The whole content, for the manifest, SHA256SUMS and the signature.
    pub content: Option<Vec<u8>>,
}

/// What a bundle holds, as `verify` needs it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bundle {
    /// Every regular file, by its name in the bundle.
    pub files: BTreeMap<String, Entry>,
    /// What the reader refused, by name; each one fails verification.
    pub problems: Vec<String>,
}

impl Bundle {
    /// A bundle from named byte strings (as `build` makes them).
    pub fn from_files(files: &BTreeMap<String, Vec<u8>>) -> Bundle {
        let files = files
            .iter()
            .map(|(name, bytes)| {
                let entry = Entry {
                    sha256: super::sha256_hex(bytes),
                    content: is_control(name).then(|| bytes.clone()),
                };
                (name.clone(), entry)
            })
            .collect();
        Bundle {
            files,
            problems: Vec::new(),
        }
    }

    pub fn content(&self, name: &str) -> Option<&[u8]> {
        self.files.get(name)?.content.as_deref()
    }
}

pub(super) fn is_control(name: &str) -> bool {
    [MANIFEST, SUMS, SIGNATURE].contains(&name)
}

/// Reads a bundle folder or `.tar.gz` archive. An error means the bundle
/// could not be read at all; what it holds that a bundle may not is in
/// `Bundle::problems`.
pub fn read(path: &Path) -> Result<Bundle, EvidenceError> {
    let fail = |e: String| EvidenceError::Read(path.to_path_buf(), e);
    let meta = std::fs::metadata(path).map_err(|e| fail(e.to_string()))?;
    if meta.is_dir() {
        read_folder(path).map_err(|e| fail(e.to_string()))
    } else if meta.is_file() {
        let file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
        read_archive(file).map_err(|e| fail(format!("not a readable .tar.gz archive ({e})")))
    } else {
        Err(fail(
            "neither a folder nor a regular file (a bundle is a folder or a .tar.gz archive)"
                .into(),
        ))
    }
}

/// Room for what tar reads besides file data: headers, padding, long names
/// and PAX records (10,000 entries at a few KiB each).
const HEADER_ROOM: u64 = 64 * 1024 * 1024;

/// The decompressed archive, refused once it passes `left` bytes. The
/// per-entry `Budget` counts file data only; tar also reads long names and
/// PAX records whole and skips unread entries by inflating them, so the cap
/// on the stream itself is what bounds the work.
struct Inflated<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Inflated<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            return Err(std::io::Error::other(format!(
                "it inflates to more than the {} MiB a bundle may hold; the rest was not read",
                (MAX_TOTAL_BYTES + HEADER_ROOM) >> 20
            )));
        }
        let room = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..room])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// Counts what has been read against the limits.
#[derive(Default)]
struct Budget {
    entries: usize,
    total: u64,
}

impl Budget {
    /// `Some(problem)` when one more entry of `size` bytes is over a limit.
    fn take(&mut self, name: &str, size: u64) -> Option<String> {
        self.entries += 1;
        self.total = self.total.saturating_add(size);
        if self.entries > MAX_ENTRIES {
            return Some(format!(
                "{name}: the bundle holds more than {MAX_ENTRIES} entries; the rest was not read"
            ));
        }
        if size > MAX_ENTRY_BYTES {
            return Some(format!(
                "{name}: {} bytes, over the {} MiB a bundle file may hold; the rest was not read",
                size,
                MAX_ENTRY_BYTES >> 20
            ));
        }
        if self.total > MAX_TOTAL_BYTES {
            return Some(format!(
                "{name}: the bundle exceeds the {} MiB a bundle may hold in all; the rest was not read",
                MAX_TOTAL_BYTES >> 20
            ));
        }
        None
    }
}

/// Hashes `reader` to its end, keeping the bytes of a control file. Reads at
/// most `limit` bytes; `None` when there was more.
fn digest(reader: &mut dyn Read, keep: bool, limit: u64) -> std::io::Result<Option<Entry>> {
    let mut hasher = Sha256::new();
    let mut kept = Vec::new();
    let mut size = 0u64;
    let mut buffer = vec![0u8; 64 * 1024];
    let mut limited = reader.take(limit.saturating_add(1));
    loop {
        let n = limited.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        if size > limit {
            return Ok(None);
        }
        hasher.update(&buffer[..n]);
        if keep {
            kept.extend_from_slice(&buffer[..n]);
        }
    }
    Ok(Some(Entry {
        sha256: hex::encode(hasher.finalize()),
        content: keep.then_some(kept),
    }))
}

/// The limit for one file: control files are read whole, so smaller.
fn entry_limit(name: &str) -> u64 {
    if is_control(name) {
        MAX_CONTROL_BYTES
    } else {
        MAX_ENTRY_BYTES
    }
}

fn too_large(name: &str) -> String {
    format!(
        "{name}: larger than the {} MiB it may be; not read",
        entry_limit(name) >> 20
    )
}

fn read_folder(path: &Path) -> std::io::Result<Bundle> {
    let mut bundle = Bundle::default();
    let mut entries: Vec<std::fs::DirEntry> = std::fs::read_dir(path)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    let mut budget = Budget::default();
    for entry in entries {
        let raw = entry.file_name();
        let name = raw.to_string_lossy().into_owned();
        let shown = crate::textutil::clip(&name, 120);
        // Not following links: the entry itself is judged.
        let kind = entry.file_type()?;
        let mut file = None;
        let mut size = 0;
        if kind.is_file() && raw.to_str().is_some() {
            let opened = open_regular(&entry.path())?;
            size = opened.metadata()?.len();
            file = Some(opened);
        }
        if let Some(problem) = budget.take(&shown, size) {
            bundle.problems.push(problem);
            break;
        }
        if let Some(mut file) = file {
            match digest(&mut file, is_control(&name), entry_limit(&name))? {
                Some(read) => {
                    bundle.files.insert(name, read);
                }
                None => bundle.problems.push(too_large(&shown)),
            }
        } else if raw.to_str().is_none() {
            bundle
                .problems
                .push(format!("{shown}: a file name that is not UTF-8"));
        } else if kind.is_dir() {
            bundle
                .problems
                .push(format!("{shown}/: a folder; a bundle holds files only"));
        } else if kind.is_symlink() {
            bundle.problems.push(format!(
                "{shown}: a symbolic link; a bundle holds regular files only"
            ));
        } else {
            bundle.problems.push(format!(
                "{shown}: not a regular file (a FIFO, socket or device); a bundle holds regular files only"
            ));
        }
    }
    Ok(bundle)
}

/// Opens a file that was a regular file when listed, without following a
/// link or blocking on a FIFO swapped in since.
fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other(format!(
            "{} changed while it was read",
            path.display()
        )));
    }
    Ok(file)
}

/// An archive member's name inside the bundle: `evidence/NAME` (a `./`
/// prefix allowed), else why not.
fn member_name(raw: &str) -> Result<&str, &'static str> {
    let mut name = raw;
    while let Some(rest) = name.strip_prefix("./") {
        name = rest;
    }
    let Some(inner) = name
        .strip_prefix(ARCHIVE_FOLDER)
        .and_then(|n| n.strip_prefix('/'))
    else {
        return Err("outside the archive's evidence/ folder");
    };
    if inner.is_empty() || inner == "." || inner == ".." || inner.contains(['/', '\\', '\0']) {
        return Err("a nested or special path; a bundle holds plain file names only");
    }
    Ok(inner)
}

/// Whether a folder entry is the bundle's own folder (GNU tar adds it).
fn is_bundle_folder(raw: &str) -> bool {
    let mut name = raw.trim_end_matches('/');
    while let Some(rest) = name.strip_prefix("./") {
        name = rest;
    }
    matches!(name, "" | "." | ARCHIVE_FOLDER)
}

fn read_archive(file: std::fs::File) -> std::io::Result<Bundle> {
    read_archive_within(file, MAX_TOTAL_BYTES + HEADER_ROOM)
}

/// `read_archive` with the cap on the inflated stream as a parameter, so
/// that tests can reach it without inflating a gigabyte.
pub(super) fn read_archive_within(
    file: std::fs::File,
    inflated_cap: u64,
) -> std::io::Result<Bundle> {
    let gzip = flate2::bufread::GzDecoder::new(BufReader::new(file));
    let mut archive = tar::Archive::new(Inflated {
        inner: gzip,
        left: inflated_cap,
    });
    let mut bundle = Bundle::default();
    let mut budget = Budget::default();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut stopped = false;
    for entry in archive.entries()? {
        let mut entry = entry?;
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let shown = crate::textutil::clip(&raw, 120);
        let kind = entry.header().entry_type();
        // The size tar will read: a PAX `size` record overrides the header's.
        let size = entry.size();
        if let Some(problem) = budget.take(&shown, size) {
            bundle.problems.push(problem);
            stopped = true;
            break;
        }
        if kind.is_dir() {
            if !is_bundle_folder(&raw) {
                bundle.problems.push(format!(
                    "{shown}: a folder inside the bundle; a bundle holds files only"
                ));
            }
            continue;
        }
        if kind.is_pax_global_extensions() {
            continue;
        }
        if !(kind.is_file() || kind.is_contiguous()) {
            bundle.problems.push(format!(
                "{shown}: {}; a bundle holds regular files only",
                describe(kind)
            ));
            continue;
        }
        let name = match member_name(&raw) {
            Ok(name) => name.to_string(),
            Err(why) => {
                bundle.problems.push(format!("{shown}: {why}"));
                continue;
            }
        };
        let count = seen.entry(name.clone()).or_default();
        *count += 1;
        if *count == 2 {
            bundle.problems.push(format!(
                "{}: appears more than once in the archive (a later copy would replace an earlier one on extraction)",
                crate::textutil::clip(&name, 120)
            ));
        }
        if *count > 1 {
            continue;
        }
        match digest(&mut entry, is_control(&name), entry_limit(&name))? {
            Some(read) => {
                bundle.files.insert(name, read);
            }
            None => bundle.problems.push(too_large(&shown)),
        }
    }
    if !stopped {
        if let Some(problem) = trailing_data(archive.into_inner().inner)? {
            bundle.problems.push(problem);
        }
    }
    Ok(bundle)
}

/// After the tar's end marker only zero padding may follow, and nothing
/// after the gzip stream.
fn trailing_data(
    mut gzip: flate2::bufread::GzDecoder<BufReader<std::fs::File>>,
) -> std::io::Result<Option<String>> {
    const PADDING: u64 = 1024 * 1024;
    let mut rest = Vec::new();
    (&mut gzip).take(PADDING + 1).read_to_end(&mut rest)?;
    if rest.len() as u64 > PADDING || rest.iter().any(|&b| b != 0) {
        return Ok(Some(
            "(archive): data after the end of the tar archive".to_string(),
        ));
    }
    let mut after = [0u8; 1];
    if gzip.into_inner().read(&mut after)? > 0 {
        return Ok(Some(
            "(archive): data after the end of the compressed stream".to_string(),
        ));
    }
    Ok(None)
}

fn describe(kind: tar::EntryType) -> &'static str {
    match kind {
        tar::EntryType::Symlink => "a symbolic link",
        tar::EntryType::Link => "a hard link",
        tar::EntryType::Fifo => "a FIFO",
        tar::EntryType::Char | tar::EntryType::Block => "a device",
        _ => "not a regular file",
    }
}
