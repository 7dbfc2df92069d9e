//! The alert archive: every MDCA alert casguard has seen, in one embedded
//! SQLite file (`.casguard/archive.sqlite` by default, `path` under
//! `[archive]`). It owns the schema and its migrations (`schema`), the
//! all-or-nothing upsert of one sync (`Archive::store`), the bookkeeping an
//! incremental sync needs (`Archive::sync_plan`), the reading of the
//! extracted columns for analysis (`Archive::records`), reading dumps for
//! import (`parse_dump`) and export to NDJSON or CSV (`Archive::export`).
//!
//! Why SQLite (`rusqlite` with `bundled`): the archive is an incident log
//! that grows every week and outlives MDCA's own retention; alerts change
//! state after casguard first sees them, so it needs upserts by `_id`; a
//! sync interrupted by a crash or Ctrl-C must leave the previous archive
//! intact (one transaction per sync, write-ahead log); and users can query
//! the file with standard tools (`sqlite3`, DB Browser, pandas). `bundled`
//! compiles SQLite into casguard, so there is nothing to install and every
//! platform runs the same SQLite; rusqlite's default features (a statement
//! cache and a wasm shim) are off.
//!
//! Each row keeps the raw alert exactly as received (compact JSON) beside
//! the columns `live::alerts::extract` reads from it. Analysis reads only
//! the columns, never `raw`, so a new column is a migration plus a
//! re-extraction of `raw`. Times are epoch milliseconds and come from the
//! caller (the `Env` clock), never from the system clock. Nothing here
//! prints.

mod dump;
mod export;
mod schema;

use std::path::Path;
use std::time::Duration;

use miette::Diagnostic;
use rusqlite::{params, Connection, ErrorCode, OptionalExtension, Row, TransactionBehavior};
use serde_json::Value;

use crate::live::alerts::{extract, Interner};
use crate::model::AlertRecord;

pub use dump::parse_dump;
pub use export::ExportFormat;
pub use schema::SCHEMA_VERSION;

/// How long a write waits for another writer (a second `casguard alerts
/// sync`) before giving up. Readers never wait: the archive is in WAL mode.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The default overlap of an incremental sync (one hour): alerts created up
/// to this long before the newest archived one are fetched again, so alerts
/// that reach the API a little after their `timestamp`, or carry the same
/// millisecond as the newest one, are not missed; and resolutions are
/// re-read from this long before the last sync started, for clock skew
/// between this machine and the tenant. Re-reading is cheap: an unchanged
/// alert is counted, not rewritten.
pub const SYNC_OVERLAP_MS: i64 = 60 * 60 * 1000;

/// An open archive. One per process and file; WAL mode lets other
/// processes read while it writes.
#[derive(Debug)]
pub struct Archive {
    conn: Connection,
    /// The file as shown in errors (or `:memory:`).
    display: String,
}

/// Where the alerts of a sync came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncSource {
    /// Read from the tenant's API.
    Api,
    /// Read from a file (`casguard alerts import`).
    Import,
}

impl SyncSource {
    /// As stored in `syncs.source`: `api` or `import`.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncSource::Api => "api",
            SyncSource::Import => "import",
        }
    }

    fn parse(text: &str) -> SyncSource {
        if text == "api" {
            SyncSource::Api
        } else {
            SyncSource::Import
        }
    }
}

/// What the caller knows about one sync; stored as a row of `syncs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncInfo {
    pub source: SyncSource,
    /// The tenant URL (never credentials) or the imported file, as shown to users.
    pub origin: String,
    /// When fetching started and ended (epoch ms, from the `Env` clock).
    /// `finished_ms` is also the `first_seen_ms` / `updated_ms` of the rows it writes.
    pub started_ms: i64,
    pub finished_ms: i64,
    /// The creation-time window asked of the API, when there was one.
    pub window_from_ms: Option<i64>,
    pub window_to_ms: Option<i64>,
}

/// One row of `syncs`: a sync that was committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRow {
    pub id: i64,
    pub source: SyncSource,
    pub origin: String,
    pub started_ms: i64,
    pub finished_ms: i64,
    pub window_from_ms: Option<i64>,
    pub window_to_ms: Option<i64>,
    /// Alerts handed to `store`, of which `inserted` were new and `updated`
    /// changed; the rest were identical to the archived copy.
    pub fetched: u64,
    pub inserted: u64,
    pub updated: u64,
}

/// What `store` did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreOutcome {
    /// The new row of `syncs`.
    pub sync_id: i64,
    pub fetched: u64,
    /// New alerts.
    pub inserted: u64,
    /// Archived alerts whose raw JSON changed (a new state, a comment...).
    pub updated: u64,
    /// Archived alerts received again unchanged (not rewritten).
    pub unchanged: u64,
}

/// What an incremental API sync should ask for. Both `None`: the archive is
/// empty, fetch everything (or the configured history).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncPlan {
    /// Fetch alerts created at or after this time (`date` `gte`): the
    /// newest archived creation time minus the overlap.
    pub created_from_ms: Option<i64>,
    /// Fetch alerts resolved at or after this time (`resolutionDate` `gte`),
    /// so older alerts closed since the last sync get their new state: the
    /// start of the last API sync minus the overlap, or, when the archive
    /// was only ever imported, its oldest alert (the import's own date says
    /// nothing about when the dump was taken).
    pub resolved_since_ms: Option<i64>,
}

#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum ArchiveError {
    #[error("cannot open the alert archive `{path}`: {detail}")]
    #[diagnostic(code(casguard::archive::open), help("{help}"))]
    Open {
        path: String,
        detail: String,
        help: String,
    },

    #[error("`{path}` is not a casguard alert archive: {detail}")]
    #[diagnostic(
        code(casguard::archive::foreign),
        help("casguard never changes a file it did not create: set `path` under [archive] in casguard.toml to a new file (or to an existing casguard archive)")
    )]
    NotAnArchive { path: String, detail: String },

    #[error("the alert archive `{path}` has schema version {found}; this casguard knows up to version {known}")]
    #[diagnostic(
        code(casguard::archive::too_new),
        help(
            "a newer casguard wrote it: upgrade casguard to read it; the archive was not changed"
        )
    )]
    TooNew {
        path: String,
        found: i64,
        known: i64,
    },

    #[error("cannot upgrade the alert archive `{path}` to schema version {version}: {detail}")]
    #[diagnostic(
        code(casguard::archive::migrate),
        help("each upgrade step is one transaction, so the archive is still at the previous version; check that the file is writable and the disk not full, then try again")
    )]
    Migrate {
        path: String,
        version: i64,
        detail: String,
    },

    #[error("the alert at index {index}{id} of `{origin}` cannot be stored: {reason}")]
    #[diagnostic(
        code(casguard::archive::bad_alert),
        help("nothing was stored: a sync is all or nothing, so the archive is exactly as before. The index counts from 0 (`jq '.data[{index}]'` shows it in a dump): fix or remove that alert in the file; from the API, please report the alert's shape as a casguard issue")
    )]
    BadAlert {
        origin: String,
        index: usize,
        /// ` (_id X)` when the alert has one, else empty.
        id: String,
        reason: String,
    },

    #[error("{action} in the alert archive `{path}` failed: {detail}")]
    #[diagnostic(code(casguard::archive::database), help("{help}"))]
    Database {
        path: String,
        action: &'static str,
        detail: String,
        help: &'static str,
    },

    #[error("cannot read alerts from `{origin}`: {detail}")]
    #[diagnostic(code(casguard::archive::dump), help("{help}"))]
    Dump {
        origin: String,
        detail: String,
        help: &'static str,
    },

    #[error("cannot write the export of the alert archive `{path}`: {detail}")]
    #[diagnostic(
        code(casguard::archive::export),
        help("check that the output can be written (a full disk? a closed pipe?); the archive itself is unchanged")
    )]
    Export { path: String, detail: String },
}

/// A failed SQLite call, with advice that depends on what failed.
fn database_error(path: &str, action: &'static str, error: rusqlite::Error) -> ArchiveError {
    let help = match error.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            "another casguard (or another program) is writing to the archive; wait for it to finish and try again; the archive is unchanged"
        }
        Some(ErrorCode::DiskFull) => "the disk is full: free some space and try again; the archive is unchanged",
        Some(ErrorCode::ReadOnly | ErrorCode::PermissionDenied | ErrorCode::CannotOpen) => {
            "check that the archive file, and the folder it is in, are writable"
        }
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
            "the file is damaged: `sqlite3 FILE 'PRAGMA integrity_check'` shows how; restore it from a backup, or move it away and sync again"
        }
        _ => "the archive is unchanged; if this persists, check the file with `sqlite3 FILE 'PRAGMA integrity_check'`",
    };
    ArchiveError::Database {
        path: path.to_string(),
        action,
        detail: error.to_string(),
        help,
    }
}

impl Archive {
    /// Opens the archive at `path`, creating it (and its folders) when
    /// missing and upgrading an older schema. Refuses a file that is not a
    /// casguard archive and a schema newer than this casguard knows.
    pub fn open(path: &Path) -> Result<Archive, ArchiveError> {
        Archive::open_as(path, &path.display().to_string())
    }

    /// `open`, naming the file `display` in errors.
    pub fn open_as(path: &Path, display: &str) -> Result<Archive, ArchiveError> {
        Archive::open_with(path, display, schema::MIGRATIONS)
    }

    /// A fresh archive in memory, for one-shot offline use (analysing a
    /// dump without keeping it).
    pub fn open_in_memory() -> Result<Archive, ArchiveError> {
        let conn = Connection::open_in_memory().map_err(|e| ArchiveError::Open {
            path: ":memory:".into(),
            detail: e.to_string(),
            help: "SQLite could not start; this is a bug, please report it".into(),
        })?;
        Archive::init(conn, ":memory:".into(), schema::MIGRATIONS)
    }

    fn open_with(path: &Path, display: &str, steps: &[&str]) -> Result<Archive, ArchiveError> {
        let fail = |detail: String, help: &str| ArchiveError::Open {
            path: display.to_string(),
            detail,
            help: help.to_string(),
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                fail(
                    format!("cannot create the folder `{}`: {e}", parent.display()),
                    "check that the folder can be created, or set `path` under [archive] in casguard.toml",
                )
            })?;
        }
        if path.is_dir() {
            return Err(fail(
                "it is a folder".into(),
                "set `path` under [archive] in casguard.toml to a file, e.g. `.casguard/archive.sqlite`",
            ));
        }
        let conn = Connection::open(path).map_err(|e| {
            fail(
                e.to_string(),
                "check that the file and its folder are readable and writable",
            )
        })?;
        Archive::init(conn, display.to_string(), steps)
    }

    /// Recognises the file before changing anything, then sets the journal
    /// and brings the schema up to date.
    ///
    /// `synchronous = FULL`: a sync is one commit, so FULL costs one more
    /// fsync per sync (milliseconds against minutes of download) and makes
    /// a sync casguard reported as stored survive a power loss or OS crash
    /// too. (NORMAL would keep the file consistent but could undo the last
    /// sync; it pays off only with many small commits, which we never make.)
    /// Either way a casguard crash mid-sync loses nothing committed.
    fn init(
        mut conn: Connection,
        display: String,
        steps: &[&str],
    ) -> Result<Archive, ArchiveError> {
        let shown = display.as_str();
        let db = |action| move |e| database_error(shown, action, e);
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(db("setting the busy timeout"))?;
        schema::recognise(&conn, &display, steps.len())?;
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
            .map_err(db("switching to the write-ahead log"))?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(db("setting `synchronous`"))?;
        schema::migrate(&mut conn, &display, steps)?;
        Ok(Archive { conn, display })
    }

    /// The file as shown in errors.
    pub fn display(&self) -> &str {
        &self.display
    }

    fn db(&self, action: &'static str) -> impl Fn(rusqlite::Error) -> ArchiveError + '_ {
        move |e| database_error(&self.display, action, e)
    }

    /// The journal mode in effect (`wal` for a file, `memory` in memory).
    pub fn journal_mode(&self) -> Result<String, ArchiveError> {
        self.conn
            .pragma_query_value(None, "journal_mode", |row| row.get(0))
            .map_err(self.db("reading the journal mode"))
    }
}

const INSERT_ALERT: &str = "INSERT INTO alerts (id, policy_id, title, service, created_ms, \
     resolve_time_ms, severity, status, resolution, story, is_system, raw, first_seen_ms, updated_ms) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)";

const UPDATE_ALERT: &str = "UPDATE alerts SET policy_id = ?2, title = ?3, service = ?4, \
     created_ms = ?5, resolve_time_ms = ?6, severity = ?7, status = ?8, resolution = ?9, \
     story = ?10, is_system = ?11, raw = ?12, updated_ms = ?13 WHERE id = ?1";

impl Archive {
    /// Stores the alerts of one sync and its `syncs` row, all in ONE
    /// transaction: on any error (or a crash) the archive is exactly as
    /// before. A new `_id` is inserted; a known one whose raw JSON changed
    /// is updated (columns, `raw`, `updated_ms`; `first_seen_ms` kept); an
    /// identical one is only counted. An alert `extract` refuses fails the
    /// whole store with its index and reason, since a partial sync must not
    /// look like a complete one. The same `_id` twice in one batch: the
    /// later copy wins.
    pub fn store(
        &mut self,
        alerts: &[Value],
        sync: SyncInfo,
    ) -> Result<StoreOutcome, ArchiveError> {
        let display = &self.display;
        let db = |action| move |e| database_error(display, action, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db("starting the sync"))?;
        let mut outcome = write_alerts(&tx, alerts, &sync, display)?;
        tx.execute(
            "INSERT INTO syncs (started_ms, finished_ms, source, origin, window_from_ms, \
             window_to_ms, fetched, inserted, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                sync.started_ms,
                sync.finished_ms,
                sync.source.as_str(),
                sync.origin,
                sync.window_from_ms,
                sync.window_to_ms,
                count(outcome.fetched),
                count(outcome.inserted),
                count(outcome.updated),
            ],
        )
        .map_err(db("recording the sync"))?;
        outcome.sync_id = tx.last_insert_rowid();
        tx.commit().map_err(db("committing the sync"))?;
        Ok(outcome)
    }
}

/// The upserts of `store`, inside its transaction, on two threads: one
/// extracts and serializes the alerts (about half the work), in batches of
/// `BATCH`, while this one writes them. An alert that cannot be extracted
/// reaches the writer as an error after the batches before it were written, so
/// the transaction really is rolled back, not merely never started.
fn write_alerts(
    tx: &rusqlite::Transaction,
    alerts: &[Value],
    sync: &SyncInfo,
    display: &str,
) -> Result<StoreOutcome, ArchiveError> {
    let db = |action| move |e| database_error(display, action, e);
    let mut writer = Writer::new(tx).map_err(db("preparing the sync"))?;
    let mut outcome = StoreOutcome {
        fetched: alerts.len() as u64,
        ..StoreOutcome::default()
    };
    std::thread::scope(|scope| {
        let (sender, receiver) = std::sync::mpsc::sync_channel(8);
        scope.spawn(move || {
            let mut interner = Interner::default();
            for (n, chunk) in alerts.chunks(BATCH).enumerate() {
                let batch = prepare(chunk, n * BATCH, &mut interner, &sync.origin);
                let failed = batch.is_err();
                // A closed channel means the writer failed: stop too.
                if sender.send(batch).is_err() || failed {
                    break;
                }
            }
        });
        for batch in receiver {
            for (record, raw) in batch? {
                let done = writer
                    .upsert(&record, &raw, sync.finished_ms)
                    .map_err(db("writing an alert"))?;
                match done {
                    Upsert::Inserted => outcome.inserted += 1,
                    Upsert::Updated => outcome.updated += 1,
                    Upsert::Unchanged => outcome.unchanged += 1,
                }
            }
        }
        Ok(outcome)
    })
}

/// Alerts handed from the extracting thread to the writing one at a time.
const BATCH: usize = 256;

/// Extracts and serializes `chunk`, whose first alert is `alerts[first]`.
fn prepare(
    chunk: &[Value],
    first: usize,
    interner: &mut Interner,
    origin: &str,
) -> Result<Vec<(AlertRecord, String)>, ArchiveError> {
    let mut prepared = Vec::with_capacity(chunk.len());
    for (i, alert) in chunk.iter().enumerate() {
        let record = extract(alert, interner).map_err(|reason| ArchiveError::BadAlert {
            origin: origin.to_string(),
            index: first + i,
            id: match alert.get("_id").and_then(Value::as_str) {
                Some(id) => format!(" (_id {id})"),
                None => String::new(),
            },
            reason,
        })?;
        let raw = serde_json::to_string(alert).expect("a JSON value serializes");
        prepared.push((record, raw));
    }
    Ok(prepared)
}

enum Upsert {
    Inserted,
    Updated,
    Unchanged,
}

/// The prepared statements of one store.
struct Writer<'tx> {
    find: rusqlite::Statement<'tx>,
    insert: rusqlite::Statement<'tx>,
    update: rusqlite::Statement<'tx>,
}

impl<'tx> Writer<'tx> {
    fn new(tx: &'tx rusqlite::Transaction) -> rusqlite::Result<Writer<'tx>> {
        Ok(Writer {
            find: tx.prepare("SELECT raw FROM alerts WHERE id = ?1")?,
            insert: tx.prepare(INSERT_ALERT)?,
            update: tx.prepare(UPDATE_ALERT)?,
        })
    }

    /// Inserts a new alert, updates a changed one (keeping
    /// `first_seen_ms`), leaves an identical one alone.
    fn upsert(
        &mut self,
        record: &AlertRecord,
        raw: &str,
        seen_ms: i64,
    ) -> rusqlite::Result<Upsert> {
        let same = self
            .find
            .query_row([&*record.id], |row| Ok(row.get_ref(0)?.as_str()? == raw))
            .optional()?;
        let values = params![
            &*record.id,
            record.policy_id.as_deref(),
            &*record.title,
            record.service.as_deref(),
            record.timestamp_ms,
            record.resolve_time_ms,
            record.severity,
            record.status,
            record.resolution,
            record.story,
            record.is_system,
            raw,
            seen_ms,
        ];
        Ok(match same {
            None => {
                self.insert.execute(values)?;
                Upsert::Inserted
            }
            Some(false) => {
                self.update.execute(values)?;
                Upsert::Updated
            }
            Some(true) => Upsert::Unchanged,
        })
    }
}

/// A count as SQLite stores it.
fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

const SYNC_COLUMNS: &str = "id, source, origin, started_ms, finished_ms, window_from_ms, \
     window_to_ms, fetched, inserted, updated";

fn sync_row(row: &Row) -> rusqlite::Result<SyncRow> {
    let unsigned = |i: usize| row.get::<_, i64>(i).map(|n| n.max(0) as u64);
    Ok(SyncRow {
        id: row.get(0)?,
        source: SyncSource::parse(row.get_ref(1)?.as_str()?),
        origin: row.get(2)?,
        started_ms: row.get(3)?,
        finished_ms: row.get(4)?,
        window_from_ms: row.get(5)?,
        window_to_ms: row.get(6)?,
        fetched: unsigned(7)?,
        inserted: unsigned(8)?,
        updated: unsigned(9)?,
    })
}

impl Archive {
    /// The last committed API sync (by `finished_ms`), if any. Failed syncs
    /// leave no row, so this is the last successful one.
    pub fn last_sync(&self) -> Result<Option<SyncRow>, ArchiveError> {
        self.conn
            .query_row(
                &format!(
                    "SELECT {SYNC_COLUMNS} FROM syncs WHERE source = 'api' \
                     ORDER BY finished_ms DESC, id DESC LIMIT 1"
                ),
                [],
                sync_row,
            )
            .optional()
            .map_err(self.db("reading the last sync"))
    }

    /// Every committed sync, oldest first.
    pub fn syncs(&self) -> Result<Vec<SyncRow>, ArchiveError> {
        let db = self.db("reading the syncs");
        let mut statement = self
            .conn
            .prepare(&format!("SELECT {SYNC_COLUMNS} FROM syncs ORDER BY id"))
            .map_err(&db)?;
        let rows = statement.query_map([], sync_row).map_err(&db)?;
        rows.collect::<Result<_, _>>().map_err(&db)
    }

    /// The creation time of the newest archived alert.
    pub fn newest_created_ms(&self) -> Result<Option<i64>, ArchiveError> {
        Ok(self.coverage()?.map(|(_, newest)| newest))
    }

    /// The oldest and newest creation times in the archive.
    pub fn coverage(&self) -> Result<Option<(i64, i64)>, ArchiveError> {
        let (oldest, newest): (Option<i64>, Option<i64>) = self
            .conn
            .query_row(
                // Two subqueries: SQLite answers each from the index's
                // ends; `min(..), max(..)` in one would scan it.
                "SELECT (SELECT min(created_ms) FROM alerts), (SELECT max(created_ms) FROM alerts)",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .map_err(self.db("reading the archive's coverage"))?;
        Ok(oldest.zip(newest))
    }

    /// How many alerts are archived.
    pub fn count(&self) -> Result<u64, ArchiveError> {
        self.conn
            .query_row("SELECT count(*) FROM alerts", [], |row| {
                row.get::<_, i64>(0)
            })
            .map(|n| n.max(0) as u64)
            .map_err(self.db("counting alerts"))
    }

    /// What the next incremental API sync should fetch, with `overlap_ms`
    /// of safety margin (`SYNC_OVERLAP_MS` by default; see `SyncPlan`).
    pub fn sync_plan(&self, overlap_ms: i64) -> Result<SyncPlan, ArchiveError> {
        let Some((oldest, newest)) = self.coverage()? else {
            return Ok(SyncPlan {
                created_from_ms: None,
                resolved_since_ms: None,
            });
        };
        let resolved_since = match self.last_sync()? {
            Some(last) => last.started_ms.saturating_sub(overlap_ms),
            None => oldest,
        };
        Ok(SyncPlan {
            created_from_ms: Some(newest.saturating_sub(overlap_ms)),
            resolved_since_ms: Some(resolved_since),
        })
    }
}

/// The extracted columns, in `AlertRecord` order. The covering index on
/// `created_ms` holds all of them, so reading never touches `raw`.
const RECORD_COLUMNS: &str = "id, policy_id, title, service, created_ms, resolve_time_ms, \
     severity, status, resolution, story, is_system";

fn record(row: &Row, interner: &mut Interner) -> rusqlite::Result<AlertRecord> {
    let mut shared = |i: usize| -> rusqlite::Result<_> {
        Ok(row.get_ref(i)?.as_str_or_null()?.map(|s| interner.get(s)))
    };
    let policy_id = shared(1)?;
    let title = shared(2)?;
    let service = shared(3)?;
    Ok(AlertRecord {
        id: Box::from(row.get_ref(0)?.as_str()?),
        policy_id,
        title: title.unwrap_or_else(|| interner.get("")),
        service,
        timestamp_ms: row.get(4)?,
        resolve_time_ms: row.get(5)?,
        severity: row.get(6)?,
        status: row.get(7)?,
        resolution: row.get(8)?,
        story: row.get(9)?,
        is_system: row.get(10)?,
    })
}

impl Archive {
    /// The alerts created in `[from_ms, to_ms)` (either end open when
    /// `None`), oldest first (ties by `_id`), as analysis reads them:
    /// only the extracted columns, with repeated strings shared.
    pub fn records(
        &self,
        from_ms: Option<i64>,
        to_ms: Option<i64>,
    ) -> Result<Vec<AlertRecord>, ArchiveError> {
        let db = self.db("reading alerts");
        let low = from_ms.unwrap_or(i64::MIN);
        let high = to_ms.map_or(i64::MAX, |to| to.saturating_sub(1));
        let expected: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM alerts WHERE created_ms BETWEEN ?1 AND ?2",
                [low, high],
                |row| row.get(0),
            )
            .map_err(&db)?;
        let mut records = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT {RECORD_COLUMNS} FROM alerts WHERE created_ms BETWEEN ?1 AND ?2 \
                 ORDER BY created_ms, id"
            ))
            .map_err(&db)?;
        let mut rows = statement.query([low, high]).map_err(&db)?;
        let mut interner = Interner::default();
        while let Some(row) = rows.next().map_err(&db)? {
            records.push(record(row, &mut interner).map_err(&db)?);
        }
        Ok(records)
    }
}

#[cfg(test)]
mod tests;
