//! The SQLite cache: opening it safely, migrations, writes in transactions, view queries.

mod api_calls;
mod audit;
mod detail;
mod detail_tables;
mod error;
mod findings;
mod query;
mod resource_days;
mod rollup;
mod schema;
mod source_totals;
mod stamp_sql;
mod write;

pub use api_calls::{ApiCall, ApiUse};
pub use audit::AuditLog;
pub use detail::{DetailAmount, MonthDetail, ResourceDaysRow, ResourceRow, TagRow, UsageRow};
pub use error::{StoreError, StoreResult};
pub use findings::{
    FindingFilter, ScanUnit, UnitChanges, UnitStatus, ACCOUNT_UNIT, ORG_UNIT, S3_UNIT,
};
pub use query::{CacheSummary, MonthInfo, Scope};
pub use source_totals::SourceTotal;
pub use write::{CostRecord, MonthStatus};

use chrono::{Datelike, NaiveDate};
use rusqlite::{Connection, OpenFlags};
use std::fs::{DirBuilder, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Integer key of an account row (not the AWS account id).
pub type AccountKey = i64;
/// Integer key of a service row.
pub type ServiceKey = i64;

/// What a cache holds: a real organization's data, or synthetic demo data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheKind {
    Aws,
    Demo,
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Opened without write access (a read-only file or directory): reads only.
    read_only: bool,
}

impl Store {
    /// Opens the cache at `path`, creating it (0600, in a 0700 directory) if missing.
    /// A file that is not a costscope cache is reported, never overwritten.
    pub fn open(path: &Path) -> StoreResult<Store> {
        if path.exists() && !may_write(path) {
            return Err(StoreError::ReadOnly {
                path: path.to_path_buf(),
            });
        }
        let mut conn = open_connection(path)?;
        migrate(
            &mut conn,
            path,
            schema::APPLICATION_ID,
            schema::MIGRATIONS,
            schema::after_migration,
        )?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            read_only: false,
        })
    }

    /// Opens an existing cache this process may not write, for reading only.
    fn open_read_only(path: &Path) -> StoreResult<Store> {
        let conn = open_read_only_connection(path, schema::APPLICATION_ID, schema::MIGRATIONS)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            read_only: true,
        })
    }

    /// Whether the cache was opened for reading only (see `open_existing`).
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Refuses a read-only cache before a command that writes starts.
    pub fn require_writable(&self) -> StoreResult<()> {
        match self.read_only {
            true => Err(StoreError::ReadOnly {
                path: self.path.clone(),
            }),
            false => Ok(()),
        }
    }

    /// Opens a cache that must exist already. Only the commands that fill a cache (sync,
    /// scan, demo) create one: a typo in `--cache` must not leave an empty cache and an
    /// "ok" behind, and an empty file is not a cache. A cache this process may not write
    /// (a read-only file or directory) opens for reading only: `is_read_only` says so.
    pub fn open_existing(path: &Path) -> StoreResult<Store> {
        match std::fs::metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(StoreError::NoCache {
                path: path.to_path_buf(),
            }),
            Err(source) => Err(StoreError::Io {
                path: path.to_path_buf(),
                source,
            }),
            Ok(file) if file.len() == 0 => Err(StoreError::EmptyFile {
                path: path.to_path_buf(),
            }),
            Ok(_) if !may_write(path) => Store::open_read_only(path),
            Ok(_) => Store::open(path),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sql_err(&self, err: rusqlite::Error) -> StoreError {
        error::classify(&self.path, err)
    }

    /// How SQLite would run `sql` with `values`: one line per step ("SEARCH t USING
    /// INDEX ...", "SCAN t"), for tests that hold a query to its index.
    #[cfg(test)]
    pub(crate) fn query_plan(&self, sql: &str, values: impl rusqlite::Params) -> Vec<String> {
        let mut stmt = self
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .expect("a query to plan");
        stmt.query_map(values, |r| r.get(3))
            .and_then(|rows| rows.collect::<Result<_, _>>())
            .expect("its plan")
    }

    /// Runs SQLite's full integrity check, then (on a sound file) compares the kept
    /// rollups of the detail with fresh sums: "ok" or the problems found.
    pub fn integrity_check(&self) -> StoreResult<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("PRAGMA integrity_check")
            .map_err(|e| self.sql_err(e))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sql_err(e))?;
        if rows != ["ok"] {
            return Ok(rows);
        }
        let differ = rollup::disagreements(&self.conn).map_err(|e| self.sql_err(e))?;
        Ok(if differ.is_empty() { rows } else { differ })
    }

    pub fn kind(&self) -> StoreResult<Option<CacheKind>> {
        Ok(self.meta("kind")?.map(|k| match k.as_str() {
            "demo" => CacheKind::Demo,
            _ => CacheKind::Aws,
        }))
    }

    pub fn meta(&self, key: &str) -> StoreResult<Option<String>> {
        self.meta_value(key)
    }

    /// A stamp kept in meta (`last_sync_at`, `last_scan_at`).
    pub fn stamp_meta(&self, key: &str) -> StoreResult<Option<crate::domain::Stamp>> {
        self.meta_value(key)
    }

    fn meta_value<T: rusqlite::types::FromSql>(&self, key: &str) -> StoreResult<Option<T>> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.sql_err(e))
    }

    pub fn set_stamp_meta(&self, key: &str, value: crate::domain::Stamp) -> StoreResult<()> {
        self.set_meta(key, &value.to_string())
    }

    pub fn set_meta(&self, key: &str, value: &str) -> StoreResult<()> {
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map(|_| ())
            .map_err(|e| self.sql_err(e))
    }
}

/// Opens (creating owner-only if missing) an SQLite file of costscope's, with WAL, a
/// busy timeout and foreign keys on. Files that are not SQLite are refused untouched.
pub(crate) fn open_connection(path: &Path) -> StoreResult<Connection> {
    check_existing_file(path)?;
    create_private_file(path)?;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| error::classify(path, e))?;
    let sql_err = |e| error::classify(path, e);
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(sql_err)?;
    // A 32 MiB page cache holds every rollup table of a 500-account org, so browsing
    // does not re-read pages; the daily table is touched only by narrow ranges.
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         PRAGMA synchronous = NORMAL;
         PRAGMA temp_store = MEMORY;
         PRAGMA page_size = 16384;
         PRAGMA cache_size = -32768;",
    )
    .map_err(sql_err)?;
    // Switching a new file to WAL needs it to itself for a moment, and SQLite answers
    // "locked" at once (no busy wait) while another process is opening it too.
    let mut tries = 0;
    let mode: String = loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)) {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy && tries < 100 =>
            {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => break other.map_err(sql_err)?,
        }
    };
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(mode, "{} could not switch to WAL mode", path.display());
    }
    Ok(conn)
}

/// Whether this process may write `path` and create files beside it (SQLite's -wal
/// and -shm): both are needed to open a cache for writing.
pub(crate) fn may_write(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    [path, dir].iter().all(|p| {
        std::ffi::CString::new(p.as_os_str().as_bytes())
            // SAFETY: access(2) reads the NUL-terminated path and nothing else.
            .map(|c| unsafe { libc::access(c.as_ptr(), libc::W_OK) } == 0)
            .unwrap_or(false)
    })
}

/// Opens an existing SQLite file of costscope's for reading only, without writing
/// anything: not the WAL switch, not a migration (a file that needs one is refused).
/// Where SQLite cannot make its -shm file (a read-only directory) the file is read as
/// immutable: nobody can be writing it there.
pub(crate) fn open_read_only_connection(
    path: &Path,
    application_id: i64,
    migrations: &[&str],
) -> StoreResult<Connection> {
    check_existing_file(path)?;
    let latest = migrations.len() as i64;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let encoded: String = path
        .to_string_lossy()
        .chars()
        .map(|c| match c {
            '%' => "%25".to_string(),
            '?' => "%3f".to_string(),
            '#' => "%23".to_string(),
            c => c.to_string(),
        })
        .collect();
    let attempt = |query: &str| -> StoreResult<(Connection, i64)> {
        let conn = Connection::open_with_flags(format!("file:{encoded}?{query}"), flags)
            .map_err(|e| error::classify(path, e))?;
        let version = schema_version(&conn, path, application_id, latest)?;
        Ok((conn, version))
    };
    let (conn, version) = match attempt("mode=ro") {
        Ok(opened) => opened,
        Err(StoreError::Sqlite { .. } | StoreError::ReadOnly { .. }) => {
            attempt("mode=ro&immutable=1")?
        }
        Err(other) => return Err(other),
    };
    if version < latest {
        return Err(StoreError::ReadOnlyNeedsUpgrade {
            path: path.to_path_buf(),
        });
    }
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(|e| error::classify(path, e))?;
    Ok(conn)
}

/// Brings the file to the latest of `migrations`, one transaction per step, keyed on
/// `user_version`; a file of another application or a newer schema is refused.
pub(crate) fn migrate(
    conn: &mut Connection,
    path: &Path,
    application_id: i64,
    migrations: &[&str],
    after: fn(&rusqlite::Transaction<'_>, i64) -> rusqlite::Result<()>,
) -> StoreResult<()> {
    let latest = migrations.len() as i64;
    // Current already: no write lock needed.
    if schema_version(conn, path, application_id, latest)? == latest {
        return Ok(());
    }
    // Each step under the write lock, everything read again inside it: two processes
    // opening a new file at once must not both run a migration, nor take the other's
    // half-made file for someone else's.
    loop {
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| error::classify(path, e))?;
        let version = schema_version(&tx, path, application_id, latest)?;
        let Some(sql) = migrations.get(version as usize) else {
            break;
        };
        tx.execute_batch(sql)
            .and_then(|_| after(&tx, version + 1))
            .and_then(|_| {
                tx.execute_batch(&format!(
                    "PRAGMA application_id = {application_id}; PRAGMA user_version = {};",
                    version + 1
                ))
            })
            .and_then(|_| tx.commit())
            .map_err(|e| error::classify(path, e))?;
    }
    Ok(())
}

/// The file's schema version, read in one statement (one consistent snapshot); a file
/// of another application or of a newer costscope is refused.
fn schema_version(
    conn: &Connection,
    path: &Path,
    application_id: i64,
    latest: i64,
) -> StoreResult<i64> {
    let (app_id, version, tables): (i64, i64, i64) = conn
        .query_row(
            "SELECT (SELECT application_id FROM pragma_application_id()),
                    (SELECT user_version FROM pragma_user_version()),
                    (SELECT count(*) FROM sqlite_master)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .map_err(|e| error::classify(path, e))?;
    let is_new = app_id == 0 && version == 0 && tables == 0;
    if !is_new && app_id != application_id {
        return Err(StoreError::ForeignDatabase {
            path: path.to_path_buf(),
        });
    }
    if version > latest {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found: version,
            supported: latest,
        });
    }
    Ok(version)
}

/// Refuses files that are not SQLite before SQLite (or we) write anything to them.
fn check_existing_file(path: &Path) -> StoreResult<()> {
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(StoreError::Io {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let mut header = [0u8; 16];
    let mut read = 0;
    while read < header.len() {
        match file.read(&mut header[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(source) => {
                return Err(StoreError::Io {
                    path: path.to_path_buf(),
                    source,
                })
            }
        }
    }
    // An empty file is a cache that was never written: SQLite initialises it.
    if read == 0 || (read == header.len() && &header == SQLITE_HEADER) {
        Ok(())
    } else {
        Err(StoreError::NotSqlite {
            path: path.to_path_buf(),
        })
    }
}

/// Creates the cache file owner-only before SQLite opens it, so the -wal and -shm files
/// that SQLite derives from it are owner-only too.
fn create_private_file(path: &Path) -> StoreResult<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|source| StoreError::CreateDir {
                    path: dir.to_path_buf(),
                    source,
                })?;
        }
    }
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(StoreError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Days since 1970-01-01: the storage key of a day.
pub fn day_key(day: NaiveDate) -> i64 {
    (day - NaiveDate::default()).num_days()
}

/// The day of a storage key, if it is one costscope could have written (years 1970 to
/// 9999).
pub fn day_from_key(key: i64) -> Option<NaiveDate> {
    chrono::TimeDelta::try_days(key)
        .and_then(|d| NaiveDate::default().checked_add_signed(d))
        .filter(|day| (1970..=9999).contains(&day.year()))
}

/// A value read from the cache that no costscope writes: an error (naming the cache, as
/// every store error does), never a panic.
fn damaged(what: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Integer,
        format!("{what}: the cache is damaged; rebuild it (see README)").into(),
    )
}

/// A day read from the cache.
pub(crate) fn day_from_sql(key: i64) -> rusqlite::Result<NaiveDate> {
    day_from_key(key).ok_or_else(|| damaged(format!("day {key} is out of range")))
}

/// A month read from the cache (stored as year * 12 + month - 1).
pub(crate) fn month_from_sql(index: i64) -> rusqlite::Result<crate::domain::Month> {
    i32::try_from(index)
        .ok()
        .map(crate::domain::Month::from_index)
        .filter(|m| (1970..=9999).contains(&m.year()))
        .ok_or_else(|| damaged(format!("month {index} is out of range")))
}
