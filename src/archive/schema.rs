//! The archive's schema, versioned: `PRAGMA user_version` is the number of
//! steps of `MIGRATIONS` applied, and `meta.casguard_schema` marks the file
//! as a casguard archive (and repeats the version for people reading it
//! with `sqlite3`). Each step runs in its own transaction, so an upgrade
//! interrupted half-way leaves the archive at the previous version. A
//! released step is never edited; a change is a new step at the end.

use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior};

use super::{database_error, ArchiveError};

/// The key in `meta` that marks a casguard archive.
pub const MARKER: &str = "casguard_schema";

/// The schema version this casguard writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Step `i` takes the archive from version `i` to `i + 1`.
pub(super) const MIGRATIONS: &[&str] = &[V1];

/// `alerts`: one row per `_id`, the extracted columns (see `AlertRecord`)
/// and the raw JSON. The index on `created_ms` covers every column
/// analysis reads, so `records` never reads the (large) `raw` values.
/// `syncs`: one row per committed sync. Times are epoch milliseconds.
const V1: &str = "
CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
CREATE TABLE alerts (
    id              TEXT PRIMARY KEY NOT NULL,
    policy_id       TEXT,
    title           TEXT,
    service         TEXT,
    created_ms      INTEGER NOT NULL,
    resolve_time_ms INTEGER,
    severity        INTEGER,
    status          INTEGER,
    resolution      INTEGER,
    story           INTEGER,
    is_system       INTEGER NOT NULL,
    raw             TEXT NOT NULL,
    first_seen_ms   INTEGER NOT NULL,
    updated_ms      INTEGER NOT NULL
);
CREATE INDEX alerts_created_ms ON alerts (created_ms, id, policy_id, title, service,
    resolve_time_ms, severity, status, resolution, story, is_system);
CREATE INDEX alerts_policy_id ON alerts (policy_id);
CREATE TABLE syncs (
    id             INTEGER PRIMARY KEY,
    started_ms     INTEGER NOT NULL,
    finished_ms    INTEGER NOT NULL,
    source         TEXT NOT NULL CHECK (source IN ('api', 'import')),
    origin         TEXT NOT NULL,
    window_from_ms INTEGER,
    window_to_ms   INTEGER,
    fetched        INTEGER NOT NULL,
    inserted       INTEGER NOT NULL,
    updated        INTEGER NOT NULL
);
";

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

/// Refuses, without writing anything, a file that is not ours (not SQLite,
/// or another application's database) and a schema newer than `known`.
/// A new, empty file is accepted.
pub(super) fn recognise(
    conn: &Connection,
    display: &str,
    known: usize,
) -> Result<(), ArchiveError> {
    let not_ours = |detail: &str| ArchiveError::NotAnArchive {
        path: display.to_string(),
        detail: detail.to_string(),
    };
    let db = |action| move |e| database_error(display, action, e);
    let version = user_version(conn).map_err(|e| match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => not_ours("it is not an SQLite database"),
        _ => database_error(display, "reading the schema version", e),
    })?;
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
            [],
            |row| row.get(0),
        )
        .map_err(db("reading the schema"))?;
    let marker: Option<String> = if tables == 1 {
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [MARKER], |row| {
            row.get(0)
        })
        .optional()
        .map_err(db("reading the schema"))?
    } else {
        None
    };
    if marker.is_none() {
        let any: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0))
            .map_err(db("reading the schema"))?;
        return if version == 0 && any == 0 {
            Ok(())
        } else {
            Err(not_ours(
                "it is an SQLite database of another application (no `casguard_schema` in a `meta` table)",
            ))
        };
    }
    if version < 1 {
        return Err(not_ours(&format!(
            "it has a casguard marker but schema version {version}; another program changed it"
        )));
    }
    if version > known as i64 {
        return Err(ArchiveError::TooNew {
            path: display.to_string(),
            found: version,
            known: known as i64,
        });
    }
    Ok(())
}

/// Applies the steps the archive lacks, one transaction each. Reads the
/// version first so that opening an up-to-date archive never waits for a
/// writer; re-reads it under the write lock, so two processes creating the
/// same archive apply each step once.
pub(super) fn migrate(
    conn: &mut Connection,
    display: &str,
    steps: &[&str],
) -> Result<(), ArchiveError> {
    let db = |action| move |e| database_error(display, action, e);
    if user_version(conn).map_err(db("reading the schema version"))? >= steps.len() as i64 {
        return Ok(());
    }
    loop {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db("starting a schema upgrade"))?;
        let done = user_version(&tx).map_err(db("reading the schema version"))?;
        let Some(step) = usize::try_from(done).ok().and_then(|i| steps.get(i)) else {
            return Ok(());
        };
        let next = done + 1;
        let fail = |e: rusqlite::Error| ArchiveError::Migrate {
            path: display.to_string(),
            version: next,
            detail: e.to_string(),
        };
        tx.execute_batch(step).map_err(fail)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [MARKER, &next.to_string()],
        )
        .map_err(fail)?;
        tx.pragma_update(None, "user_version", next).map_err(fail)?;
        tx.commit().map_err(fail)?;
    }
}
