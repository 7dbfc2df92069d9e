//! Export for `casguard alerts export`: hands the archive to a SIEM, a data
//! lake or a spreadsheet. NDJSON is the raw alerts exactly as received, one
//! per line (and `parse_dump` reads it back); CSV is the extracted columns
//! (RFC 4180: CRLF line ends, fields with `,` `"` CR or LF quoted, times
//! RFC 3339 UTC). Both stream row by row, oldest first, ties by `_id`.
//! The CSV is written by hand: eleven columns do not need a crate.

use std::io::{BufWriter, Write};

use rusqlite::Row;

use super::{database_error, Archive, ArchiveError};

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One raw alert per line.
    Ndjson,
    /// A header and the extracted columns.
    Csv,
}

impl ExportFormat {
    /// The conventional file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Ndjson => "ndjson",
            ExportFormat::Csv => "csv",
        }
    }
}

/// The CSV header: the columns of `AlertRecord`, times as RFC 3339.
pub const CSV_HEADER: &str =
    "id,policy_id,title,service,created,resolve_time,severity,status,resolution,story,is_system";

impl Archive {
    /// Writes every archived alert to `out` in `format` and returns how many.
    /// Rows are streamed (the table is never held in memory); `out` is
    /// buffered here and flushed at the end.
    pub fn export(&self, format: ExportFormat, out: &mut dyn Write) -> Result<u64, ArchiveError> {
        let db = |e| database_error(&self.display, "reading alerts for export", e);
        let io = |e: std::io::Error| ArchiveError::Export {
            path: self.display.clone(),
            detail: e.to_string(),
        };
        let columns = match format {
            ExportFormat::Ndjson => "raw",
            ExportFormat::Csv => super::RECORD_COLUMNS,
        };
        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT {columns} FROM alerts ORDER BY created_ms, id"
            ))
            .map_err(db)?;
        let mut rows = statement.query([]).map_err(db)?;
        let mut out = BufWriter::with_capacity(1 << 16, out);
        let mut line = String::new();
        if format == ExportFormat::Csv {
            write!(out, "{CSV_HEADER}\r\n").map_err(io)?;
        }
        let mut written = 0;
        while let Some(row) = rows.next().map_err(db)? {
            line.clear();
            match format {
                ExportFormat::Ndjson => {
                    line.push_str(row.get_ref(0).and_then(|v| Ok(v.as_str()?)).map_err(db)?);
                    line.push('\n');
                }
                ExportFormat::Csv => csv_row(row, &mut line).map_err(db)?,
            }
            out.write_all(line.as_bytes()).map_err(io)?;
            written += 1;
        }
        out.flush().map_err(io)?;
        Ok(written)
    }
}

/// One CSV line (with its CRLF) from a row of `RECORD_COLUMNS`.
fn csv_row(row: &Row, line: &mut String) -> rusqlite::Result<()> {
    // By position in RECORD_COLUMNS: 0-3 text (id, policy_id, title,
    // service), 4-5 times (created, resolve_time), 6-9 codes, 10 is_system.
    for i in 0..11 {
        if i > 0 {
            line.push(',');
        }
        match i {
            4 | 5 => {
                if let Some(ms) = row.get::<_, Option<i64>>(i)? {
                    line.push_str(&rfc3339(ms));
                }
            }
            10 => line.push_str(if row.get::<_, bool>(i)? {
                "true"
            } else {
                "false"
            }),
            6..=9 => {
                if let Some(code) = row.get::<_, Option<i64>>(i)? {
                    line.push_str(&code.to_string());
                }
            }
            _ => csv_field(line, row.get_ref(i)?.as_str_or_null()?.unwrap_or("")),
        }
    }
    line.push_str("\r\n");
    Ok(())
}

/// Epoch milliseconds as RFC 3339 UTC; out of range, the number itself.
fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| ms.to_string())
}

/// Appends `value` as one CSV field.
fn csv_field(line: &mut String, value: &str) {
    line.push_str(&crate::textutil::csv_field(value));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_needs_quoting() {
        let mut line = String::new();
        for value in ["plain", "a,b", "say \"hi\"", "two\nlines", "cr\r", ""] {
            csv_field(&mut line, value);
            line.push('|');
        }
        assert_eq!(
            line,
            "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"|\"cr\r\"||"
        );
    }

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(rfc3339(1_621_941_916_475), "2021-05-25T11:25:16.475Z");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(i64::MAX), i64::MAX.to_string());
    }
}
