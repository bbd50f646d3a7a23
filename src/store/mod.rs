//! The SQLite cache: opening it safely, migrations, writes in transactions, view queries.

mod api_calls;
mod audit;
mod error;
mod findings;
mod query;
mod schema;
mod write;

pub use api_calls::{ApiCall, ApiUse};
pub use error::{StoreError, StoreResult};
pub use findings::{FindingFilter, ScanUnit, UnitChanges, UnitStatus, ACCOUNT_UNIT, S3_UNIT};
pub use query::{CacheSummary, MonthInfo, Scope};
pub use write::{CostRecord, MonthStatus};

use chrono::NaiveDate;
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
}

impl Store {
    /// Opens the cache at `path`, creating it (0600, in a 0700 directory) if missing.
    /// A file that is not a costscope cache is reported, never overwritten.
    pub fn open(path: &Path) -> StoreResult<Store> {
        check_existing_file(path)?;
        create_private_file(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(path, flags).map_err(|e| error::classify(path, e))?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.configure()?;
        store.migrate()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sql_err(&self, err: rusqlite::Error) -> StoreError {
        error::classify(&self.path, err)
    }

    fn configure(&self) -> StoreResult<()> {
        self.conn
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| self.sql_err(e))?;
        // A 32 MiB page cache holds every rollup table of a 500-account org, so browsing
        // does not re-read pages; the daily table is touched only by narrow ranges.
        self.conn
            .execute_batch(
                "PRAGMA foreign_keys = ON;
                 PRAGMA synchronous = NORMAL;
                 PRAGMA temp_store = MEMORY;
                 PRAGMA page_size = 16384;
                 PRAGMA cache_size = -32768;",
            )
            .map_err(|e| self.sql_err(e))?;
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| self.sql_err(e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(mode, "the cache could not switch to WAL mode");
        }
        Ok(())
    }

    fn pragma_i64(&self, name: &str) -> StoreResult<i64> {
        self.conn
            .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
            .map_err(|e| self.sql_err(e))
    }

    fn migrate(&mut self) -> StoreResult<()> {
        let app_id = self.pragma_i64("application_id")?;
        let version = self.pragma_i64("user_version")?;
        let tables: i64 = self
            .conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|e| self.sql_err(e))?;
        let is_new = app_id == 0 && version == 0 && tables == 0;
        if !is_new && app_id != schema::APPLICATION_ID {
            return Err(StoreError::ForeignDatabase {
                path: self.path.clone(),
            });
        }
        let latest = schema::latest_version();
        if version > latest {
            return Err(StoreError::NewerSchema {
                path: self.path.clone(),
                found: version,
                supported: latest,
            });
        }
        for (index, sql) in schema::MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = self
                .conn
                .transaction()
                .map_err(|e| error::classify(&self.path, e))?;
            tx.execute_batch(sql)
                .and_then(|_| {
                    tx.execute_batch(&format!(
                        "PRAGMA application_id = {}; PRAGMA user_version = {};",
                        schema::APPLICATION_ID,
                        index + 1
                    ))
                })
                .and_then(|_| tx.commit())
                .map_err(|e| error::classify(&self.path, e))?;
        }
        Ok(())
    }

    /// Runs SQLite's full integrity check: "ok" or the problems it found.
    pub fn integrity_check(&self) -> StoreResult<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("PRAGMA integrity_check")
            .map_err(|e| self.sql_err(e))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sql_err(e))?;
        Ok(rows)
    }

    pub fn kind(&self) -> StoreResult<Option<CacheKind>> {
        Ok(self.meta("kind")?.map(|k| match k.as_str() {
            "demo" => CacheKind::Demo,
            _ => CacheKind::Aws,
        }))
    }

    pub fn meta(&self, key: &str) -> StoreResult<Option<String>> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.sql_err(e))
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

pub fn day_from_key(key: i64) -> NaiveDate {
    NaiveDate::default() + chrono::Duration::days(key)
}
