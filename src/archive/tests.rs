use std::sync::Arc;

use serde_json::{json, Value};

use super::*;

const DAY: i64 = 86_400_000;
const T0: i64 = 1_700_000_000_000;

fn alert(id: &str, created_ms: i64, resolution: u8) -> Value {
    json!({
        "_id": id,
        "timestamp": created_ms,
        "title": "Mass download, by \"bob\"",
        "entities": [
            {"id": "5BFD18BFAB73C36BA10D38CA", "label": "Mass download", "type": "policyRule"},
            {"id": 20940, "label": "Active Directory", "type": "service"}
        ],
        "severityValue": 2,
        "statusValue": 0,
        "resolutionStatusValue": resolution,
        "stories": [0],
        "isSystemAlert": false
    })
}

fn sync(source: SyncSource, at_ms: i64) -> SyncInfo {
    SyncInfo {
        source,
        origin: "https://contoso.portal.cloudappsecurity.com".into(),
        started_ms: at_ms - 1000,
        finished_ms: at_ms,
        window_from_ms: None,
        window_to_ms: Some(at_ms - 1000),
    }
}

fn raw_of(archive: &Archive, id: &str) -> (String, i64, i64) {
    archive
        .conn
        .query_row(
            "SELECT raw, first_seen_ms, updated_ms FROM alerts WHERE id = ?1",
            [id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .unwrap()
}

#[test]
fn an_upsert_updates_the_state_and_keeps_first_seen() {
    let mut archive = Archive::open_in_memory().unwrap();
    let first = archive
        .store(
            &[alert("a", T0, 0), alert("b", T0 + 1, 0)],
            sync(SyncSource::Api, T0 + DAY),
        )
        .unwrap();
    assert_eq!((first.inserted, first.updated, first.unchanged), (2, 0, 0));
    let second = archive
        .store(
            &[
                alert("a", T0, 3),
                alert("b", T0 + 1, 0),
                alert("c", T0 + 2, 0),
            ],
            sync(SyncSource::Api, T0 + 2 * DAY),
        )
        .unwrap();
    assert_eq!(
        (
            second.fetched,
            second.inserted,
            second.updated,
            second.unchanged
        ),
        (3, 1, 1, 1)
    );
    let records = archive.records(None, None).unwrap();
    assert_eq!(records.len(), 3);
    assert!(records[0].is_closed() && records[0].resolution == Some(3));
    let (raw, first_seen, updated) = raw_of(&archive, "a");
    assert_eq!(raw, serde_json::to_string(&alert("a", T0, 3)).unwrap());
    assert_eq!((first_seen, updated), (T0 + DAY, T0 + 2 * DAY));
    // Unchanged: not rewritten.
    assert_eq!(raw_of(&archive, "b").2, T0 + DAY);
    let syncs = archive.syncs().unwrap();
    assert_eq!(syncs.len(), 2);
    assert_eq!(
        (syncs[1].fetched, syncs[1].inserted, syncs[1].updated),
        (3, 1, 1)
    );
    assert_eq!(syncs[1].id, second.sync_id);
}

#[test]
fn a_failed_store_leaves_the_archive_exactly_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("archive.sqlite");
    let mut archive = Archive::open(&path).unwrap();
    archive
        .store(&[alert("kept", T0, 0)], sync(SyncSource::Api, T0))
        .unwrap();
    let mut batch: Vec<Value> = (0..1000)
        .map(|i| alert(&format!("n{i:04}"), T0 + i, 0))
        .collect();
    batch[0] = alert("kept", T0, 5);
    batch[500].as_object_mut().unwrap().remove("timestamp");
    let error = archive
        .store(&batch, sync(SyncSource::Api, T0 + DAY))
        .unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("index 500") && message.contains("_id n0500"),
        "{message}"
    );
    assert!(message.contains("creation time"), "{message}");
    assert!(matches!(error, ArchiveError::BadAlert { index: 500, .. }));
    drop(archive);
    let archive = Archive::open(&path).unwrap();
    assert_eq!(archive.count().unwrap(), 1);
    assert_eq!(archive.syncs().unwrap().len(), 1);
    assert_eq!(archive.records(None, None).unwrap()[0].resolution, Some(0));
}

#[test]
fn a_file_archive_is_in_wal_mode_and_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir
        .path()
        .join("deep")
        .join("folder")
        .join("archive.sqlite");
    let mut archive = Archive::open(&path).unwrap();
    assert_eq!(archive.journal_mode().unwrap(), "wal");
    archive
        .store(&[alert("a", T0, 0)], sync(SyncSource::Import, T0))
        .unwrap();
    drop(archive);
    let archive = Archive::open(&path).unwrap();
    assert_eq!(archive.journal_mode().unwrap(), "wal");
    assert_eq!(archive.count().unwrap(), 1);
    let synchronous: i64 = archive
        .conn
        .pragma_query_value(None, "synchronous", |row| row.get(0))
        .unwrap();
    assert_eq!(synchronous, 2, "FULL");
}

#[test]
fn readers_never_wait_for_a_writer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("archive.sqlite");
    let mut writer = Archive::open(&path).unwrap();
    writer
        .store(&[alert("a", T0, 0)], sync(SyncSource::Api, T0))
        .unwrap();
    writer
        .conn
        .execute_batch("BEGIN IMMEDIATE; DELETE FROM alerts;")
        .unwrap();
    let start = std::time::Instant::now();
    let reader = Archive::open(&path).unwrap();
    assert_eq!(
        reader.records(None, None).unwrap().len(),
        1,
        "the committed state"
    );
    assert!(start.elapsed() < BUSY_TIMEOUT / 2);
    writer.conn.execute_batch("ROLLBACK").unwrap();
}

const V2_FOR_TEST: &str = "ALTER TABLE alerts ADD COLUMN note TEXT;";

#[test]
fn an_older_schema_is_migrated_and_a_newer_one_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("archive.sqlite");
    let mut v1 = Archive::open(&path).unwrap();
    v1.store(&[alert("a", T0, 0)], sync(SyncSource::Api, T0))
        .unwrap();
    drop(v1);
    let steps = [schema::MIGRATIONS[0], V2_FOR_TEST];
    let v2 = Archive::open_with(&path, "archive.sqlite", &steps).unwrap();
    let version: i64 = v2
        .conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .unwrap();
    let marker: String = v2
        .conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'casguard_schema'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!((version, marker.as_str()), (2, "2"));
    let note: Option<String> = v2
        .conn
        .query_row("SELECT note FROM alerts WHERE id = 'a'", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(note, None);
    assert_eq!(v2.count().unwrap(), 1);
    drop(v2);
    let error = Archive::open(&path).unwrap_err();
    assert!(
        matches!(
            error,
            ArchiveError::TooNew {
                found: 2,
                known: 1,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("schema version 2"));
}

#[test]
fn a_failed_migration_step_leaves_the_previous_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("archive.sqlite");
    drop(Archive::open(&path).unwrap());
    let steps = [
        schema::MIGRATIONS[0],
        "CREATE TABLE extra (x); SELECT * FROM missing;",
    ];
    let error = Archive::open_with(&path, "archive.sqlite", &steps).unwrap_err();
    assert!(
        matches!(error, ArchiveError::Migrate { version: 2, .. }),
        "{error:?}"
    );
    let archive = Archive::open(&path).unwrap();
    let extra: i64 = archive
        .conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'extra'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(extra, 0);
}

#[test]
fn files_that_are_not_archives_are_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("alerts.json");
    std::fs::write(&text, "{\"data\": []}".repeat(100)).unwrap();
    let error = Archive::open(&text).unwrap_err();
    assert!(
        error.to_string().contains("not a casguard alert archive"),
        "{error}"
    );
    assert!(
        matches!(&error, ArchiveError::NotAnArchive { detail, .. } if detail.contains("not an SQLite"))
    );
    assert_eq!(
        std::fs::read_to_string(&text).unwrap(),
        "{\"data\": []}".repeat(100)
    );

    let other = dir.path().join("other.sqlite");
    let conn = Connection::open(&other).unwrap();
    conn.execute_batch("CREATE TABLE notes (x)").unwrap();
    drop(conn);
    let error = Archive::open(&other).unwrap_err();
    assert!(
        matches!(&error, ArchiveError::NotAnArchive { detail, .. } if detail.contains("another application"))
    );
    let conn = Connection::open(&other).unwrap();
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "delete", "not switched to WAL");

    let folder = Archive::open(dir.path()).unwrap_err();
    assert!(folder.to_string().contains("folder"), "{folder}");
}

#[test]
fn records_read_a_window_in_order_from_the_columns_only() {
    let mut archive = Archive::open_in_memory().unwrap();
    let alerts = [
        alert("c", T0 + 2 * DAY, 0),
        alert("b", T0, 0),
        alert("a", T0, 4),
        alert("d", T0 + 3 * DAY, 0),
    ];
    archive
        .store(&alerts, sync(SyncSource::Import, T0 + 4 * DAY))
        .unwrap();
    // Analysis never parses `raw`: spoil it and read again.
    archive
        .conn
        .execute("UPDATE alerts SET raw = 'not json'", [])
        .unwrap();
    let all = archive.records(None, None).unwrap();
    let ids: Vec<&str> = all.iter().map(|r| &*r.id).collect();
    assert_eq!(ids, ["a", "b", "c", "d"]);
    assert!(Arc::ptr_eq(&all[0].title, &all[3].title));
    assert!(Arc::ptr_eq(
        all[0].policy_id.as_ref().unwrap(),
        all[2].policy_id.as_ref().unwrap()
    ));
    assert_eq!(
        all[0].policy_id.as_deref(),
        Some("5bfd18bfab73c36ba10d38ca")
    );
    assert_eq!(all[0].service.as_deref(), Some("Active Directory"));
    assert_eq!(all[0].severity, Some(2));
    let window = archive.records(Some(T0 + DAY), Some(T0 + 3 * DAY)).unwrap();
    assert_eq!(window.len(), 1);
    assert_eq!(&*window[0].id, "c");
    assert_eq!(archive.records(Some(T0), Some(T0 + 1)).unwrap().len(), 2);
    assert_eq!(archive.coverage().unwrap(), Some((T0, T0 + 3 * DAY)));
    assert_eq!(archive.count().unwrap(), 4);
}

#[test]
fn the_sync_plan_follows_the_archive() {
    let mut archive = Archive::open_in_memory().unwrap();
    let empty = archive.sync_plan(SYNC_OVERLAP_MS).unwrap();
    assert_eq!(
        (empty.created_from_ms, empty.resolved_since_ms),
        (None, None)
    );
    archive
        .store(
            &[alert("a", T0, 0), alert("b", T0 + DAY, 0)],
            sync(SyncSource::Import, T0 + 10 * DAY),
        )
        .unwrap();
    assert_eq!(archive.last_sync().unwrap(), None);
    let imported = archive.sync_plan(SYNC_OVERLAP_MS).unwrap();
    assert_eq!(imported.created_from_ms, Some(T0 + DAY - SYNC_OVERLAP_MS));
    assert_eq!(imported.resolved_since_ms, Some(T0));
    archive
        .store(
            &[alert("c", T0 + 2 * DAY, 0)],
            sync(SyncSource::Api, T0 + 20 * DAY),
        )
        .unwrap();
    archive
        .store(&[], sync(SyncSource::Import, T0 + 30 * DAY))
        .unwrap();
    let last = archive.last_sync().unwrap().unwrap();
    assert_eq!(
        (last.source, last.started_ms),
        (SyncSource::Api, T0 + 20 * DAY - 1000)
    );
    let plan = archive.sync_plan(SYNC_OVERLAP_MS).unwrap();
    assert_eq!(plan.created_from_ms, Some(T0 + 2 * DAY - SYNC_OVERLAP_MS));
    assert_eq!(
        plan.resolved_since_ms,
        Some(T0 + 20 * DAY - 1000 - SYNC_OVERLAP_MS)
    );
    assert_eq!(archive.newest_created_ms().unwrap(), Some(T0 + 2 * DAY));
}

#[test]
fn ndjson_export_round_trips_through_parse_dump() {
    let mut archive = Archive::open_in_memory().unwrap();
    let docs = parse_dump(
        &std::fs::read(format!(
            "{}/tests/fixtures/alerts/mdca-alerts.list.docs.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
        "list",
    )
    .unwrap();
    let mut alerts = vec![alert("late", T0 + DAY, 0), alert("early", T0, 0)];
    alerts.extend(docs.iter().cloned());
    archive
        .store(&alerts, sync(SyncSource::Import, T0 + 2 * DAY))
        .unwrap();
    let mut out = Vec::new();
    assert_eq!(
        archive.export(ExportFormat::Ndjson, &mut out).unwrap(),
        alerts.len() as u64
    );
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|line| parse_dump(line.as_bytes(), "line").unwrap().remove(0))
        .collect();
    let mut expected = docs.clone();
    expected.extend([alert("early", T0, 0), alert("late", T0 + DAY, 0)]);
    assert_eq!(
        lines, expected,
        "oldest first (the docs samples are from 2021)"
    );
    assert_eq!(parse_dump(text.as_bytes(), "all.ndjson").unwrap(), expected);
}

#[test]
fn csv_export_quotes_and_formats_times() {
    let mut archive = Archive::open_in_memory().unwrap();
    let mut odd = alert("x", 1_621_941_916_475, 5);
    odd["title"] = json!("a, b\r\nc");
    odd["resolveTime"] = json!("2021-05-26T00:00:00Z");
    archive
        .store(&[alert("y", T0, 0), odd], sync(SyncSource::Import, T0))
        .unwrap();
    let mut out = Vec::new();
    archive.export(ExportFormat::Csv, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(
        text,
        format!(
            "{}\r\n\
             x,5bfd18bfab73c36ba10d38ca,\"a, b\r\nc\",Active Directory,2021-05-25T11:25:16.475Z,2021-05-26T00:00:00Z,2,0,5,0,false\r\n\
             y,5bfd18bfab73c36ba10d38ca,\"Mass download, by \"\"bob\"\"\",Active Directory,2023-11-14T22:13:20Z,,2,0,0,0,false\r\n",
            export::CSV_HEADER
        )
    );
}
