//! The remediation audit log: a ledger in its own database file beside the cache
//! (`audit-<cache file name>`), so that moving a corrupt cache aside and rebuilding it
//! never touches it. Append-only (triggers refuse UPDATE and DELETE); plan ids are
//! allocated inside a write transaction; every outcome names the intent it closes.

use super::{
    error, migrate, open_connection, open_read_only_connection, Store, StoreError, StoreResult,
};
use crate::domain::audit::{AuditEntry, AuditPhase, IntentRecord, PendingStep};
use crate::domain::Stamp;
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `PRAGMA application_id` of an audit log: "CoAu".
const APPLICATION_ID: i64 = 0x436f_4175;

const MIGRATIONS: &[&str] = &["
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;

    -- One row per confirmed plan; its id is the plan number every entry carries.
    CREATE TABLE plans (
        id         INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        identity   TEXT NOT NULL,
        simulated  INTEGER NOT NULL,
        steps      INTEGER NOT NULL
    );

    CREATE TABLE entries (
        id         INTEGER PRIMARY KEY,
        at         TEXT NOT NULL,
        plan       INTEGER NOT NULL,
        step       INTEGER,
        finding_id INTEGER,
        account    TEXT NOT NULL,
        region     TEXT NOT NULL,
        resource   TEXT NOT NULL,
        action     TEXT NOT NULL,
        phase      TEXT NOT NULL,
        identity   TEXT NOT NULL,
        detail     TEXT NOT NULL,
        request_id TEXT,
        undo       TEXT,
        simulated  INTEGER NOT NULL,
        -- The intent an outcome (or a re-verification) closes.
        intent_id  INTEGER REFERENCES entries (id),
        -- On intents: the step and the resource as re-read before the call (JSON).
        record     TEXT
    );
    CREATE INDEX entries_by_plan ON entries (plan, step, id);
    CREATE INDEX entries_by_intent ON entries (intent_id);
    CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER plans_no_update BEFORE UPDATE ON plans
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER plans_no_delete BEFORE DELETE ON plans
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"];

/// How often a write is tried before the log gives up, and how long it waits between.
const WRITE_ATTEMPTS: u32 = 3;
const WRITE_BACKOFF: Duration = Duration::from_millis(100);
/// A write waits this long for another writer before an attempt fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(1);

/// Marks, in the log's meta table, that the cache's own (pre-ledger) rows were copied.
const LEGACY_IMPORTED: &str = "legacy_rows_imported";

pub struct AuditLog {
    conn: Connection,
    path: PathBuf,
}

const COLUMNS: &str = "id, at, plan, step, finding_id, account, region, resource, action,
    phase, identity, detail, request_id, undo, simulated, intent_id";

fn read_entry(r: &rusqlite::Row) -> rusqlite::Result<AuditEntry> {
    let phase: String = r.get(9)?;
    Ok(AuditEntry {
        id: r.get(0)?,
        at: r.get(1)?,
        plan: r.get(2)?,
        step: r.get(3)?,
        finding_id: r.get(4)?,
        account: r.get(5)?,
        region: r.get(6)?,
        resource: r.get(7)?,
        action: r.get(8)?,
        // A phase from a newer version reads as a failure, never as success.
        phase: AuditPhase::parse(&phase).unwrap_or(AuditPhase::Failed),
        identity: r.get(10)?,
        detail: r.get(11)?,
        request_id: r.get(12)?,
        undo: r.get(13)?,
        simulated: r.get(14)?,
        intent_id: r.get(15)?,
        reverify: false,
    })
}

/// Inserts one entry; returns its id.
fn insert_entry(conn: &Connection, e: &AuditEntry, record: Option<&str>) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO entries (at, plan, step, finding_id, account, region, resource, action,
            phase, identity, detail, request_id, undo, simulated, intent_id, record)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        params![
            e.at,
            e.plan,
            e.step,
            e.finding_id,
            e.account,
            e.region,
            e.resource,
            e.action,
            e.phase.name(),
            e.identity,
            e.detail,
            e.request_id,
            e.undo,
            e.simulated,
            e.intent_id,
            record,
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

impl AuditLog {
    /// The audit log of the cache at `cache`: `audit-<its file name>` in the same
    /// directory (`org-o-1.sqlite` → `audit-org-o-1.sqlite`).
    pub fn path_for(cache: &Path) -> PathBuf {
        let name = cache
            .file_name()
            .map_or_else(|| "cache".into(), |n| n.to_string_lossy().to_string());
        cache.with_file_name(format!("audit-{name}"))
    }

    /// Opens (creating owner-only) the log file at `path`.
    pub fn open(path: &Path) -> StoreResult<AuditLog> {
        let mut conn = open_connection(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| error::classify(path, e))?;
        migrate(&mut conn, path, APPLICATION_ID, MIGRATIONS, |_, _| Ok(()))?;
        Ok(AuditLog {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// The log of `cache`, with the rows an older costscope kept inside the cache
    /// itself copied over once.
    /// Beside a read-only cache the log is read as it is; where there is none, the
    /// log is the one the cache kept itself (older versions), in memory.
    pub fn open_for(cache: &Store) -> StoreResult<AuditLog> {
        let path = AuditLog::path_for(cache.path());
        if !cache.is_read_only() {
            let log = AuditLog::open(&path)?;
            log.import_legacy(cache)?;
            return Ok(log);
        }
        if path.exists() {
            let conn = open_read_only_connection(&path, APPLICATION_ID, MIGRATIONS)?;
            return Ok(AuditLog { conn, path });
        }
        let mut conn = Connection::open_in_memory().map_err(|e| error::classify(&path, e))?;
        migrate(&mut conn, &path, APPLICATION_ID, MIGRATIONS, |_, _| Ok(()))?;
        let log = AuditLog { conn, path };
        log.import_legacy(cache)?;
        Ok(log)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sql_err(&self, err: rusqlite::Error) -> StoreError {
        error::classify(&self.path, err)
    }

    /// Runs `write` up to `WRITE_ATTEMPTS` times: a busy or briefly failing file must
    /// not lose the record of a call that was made.
    fn with_retries<T>(&self, write: impl Fn() -> rusqlite::Result<T>) -> StoreResult<T> {
        let mut attempt = 1;
        loop {
            match write() {
                Ok(value) => return Ok(value),
                Err(e) if attempt >= WRITE_ATTEMPTS => return Err(self.sql_err(e)),
                Err(e) => {
                    tracing::warn!(error = %e, attempt, "audit write failed; retrying");
                    std::thread::sleep(WRITE_BACKOFF * attempt);
                    attempt += 1;
                }
            }
        }
    }

    /// Allocates the next plan id inside a write transaction (BEGIN IMMEDIATE), so two
    /// processes applying at once never share one.
    pub fn begin_plan(
        &self,
        at: Stamp,
        identity: &str,
        simulated: bool,
        steps: usize,
    ) -> StoreResult<i64> {
        self.with_retries(|| {
            self.conn.execute_batch("BEGIN IMMEDIATE")?;
            let inserted = self.conn.execute(
                "INSERT INTO plans (id, created_at, identity, simulated, steps)
                 VALUES (1 + max(coalesce((SELECT max(id) FROM plans), 0),
                                 coalesce((SELECT max(plan) FROM entries), 0)),
                         ?1, ?2, ?3, ?4)",
                params![at, identity, simulated, steps as i64],
            );
            match inserted.and_then(|_| self.conn.execute_batch("COMMIT")) {
                Ok(()) => Ok(self.conn.last_insert_rowid()),
                Err(e) => {
                    let _ = self.conn.execute_batch("ROLLBACK");
                    Err(e)
                }
            }
        })
    }

    /// Appends one entry (with the intent's record, on intents); returns its id.
    pub fn append(&self, e: &AuditEntry, record: Option<&IntentRecord>) -> StoreResult<i64> {
        let record = record
            .map(serde_json::to_string)
            .transpose()
            .map_err(|err| StoreError::Sqlite {
                path: self.path.clone(),
                source: rusqlite::Error::ToSqlConversionFailure(Box::new(err)),
            })?;
        self.with_retries(|| insert_entry(&self.conn, e, record.as_deref()))
    }

    /// The log, oldest first (only `plan` when given). Intents nothing has closed yet
    /// come back with `reverify` set.
    pub fn entries(&self, plan: Option<i64>) -> StoreResult<Vec<AuditEntry>> {
        let mut entries = self.query(
            &format!("SELECT {COLUMNS} FROM entries WHERE (?1 IS NULL OR plan = ?1) ORDER BY id"),
            [plan],
        )?;
        let pending: HashSet<i64> = self.pending_ids()?;
        for e in &mut entries {
            e.reverify = pending.contains(&e.id);
        }
        Ok(entries)
    }

    fn query<P: rusqlite::Params>(&self, sql: &str, params: P) -> StoreResult<Vec<AuditEntry>> {
        let mut stmt = self.conn.prepare(sql).map_err(|e| self.sql_err(e))?;
        stmt.query_map(params, read_entry)
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sql_err(e))
    }

    const PENDING: &'static str = "phase = 'intent' AND NOT EXISTS (
        SELECT 1 FROM entries AS outcome WHERE outcome.intent_id = entries.id
          AND outcome.phase IN ('verified', 'not-applied', 'failed'))";

    fn pending_ids(&self) -> StoreResult<HashSet<i64>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT id FROM entries WHERE {}", Self::PENDING))
            .map_err(|e| self.sql_err(e))?;
        stmt.query_map([], |r| r.get(0))
            .and_then(|rows| rows.collect::<Result<HashSet<i64>, _>>())
            .map_err(|e| self.sql_err(e))
    }

    /// Intents that nothing has closed: the process stopped mid-call, the outcome was
    /// unknown, or the re-read did not show the change yet.
    pub fn pending(&self) -> StoreResult<Vec<PendingStep>> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {COLUMNS}, record FROM entries WHERE {} ORDER BY id",
                Self::PENDING
            ))
            .map_err(|e| self.sql_err(e))?;
        stmt.query_map([], |r| {
            let mut intent = read_entry(r)?;
            intent.reverify = true;
            let record: Option<String> = r.get(16)?;
            Ok(PendingStep {
                intent,
                // A record this build cannot read is re-verified by hand, never guessed.
                record: record.and_then(|text| serde_json::from_str(&text).ok()),
            })
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(|e| self.sql_err(e))
    }

    /// Copies the rows an older costscope kept in the cache's own `audit_log` table,
    /// pairing each outcome with the intent before it, in one transaction with the
    /// marker that says it is done (so a crash never copies them twice).
    fn import_legacy(&self, cache: &Store) -> StoreResult<()> {
        let imported = |conn: &Connection| {
            conn.query_row(
                "SELECT value FROM meta WHERE key = ?1",
                [LEGACY_IMPORTED],
                |r| r.get::<_, String>(0),
            )
            .optional()
            .map(|done| done.is_some())
        };
        if imported(&self.conn).map_err(|e| self.sql_err(e))? {
            return Ok(());
        }
        let legacy = cache.legacy_audit_rows()?;
        self.with_retries(|| {
            // Under the write lock, asked again: another process may have just done it.
            let tx = rusqlite::Transaction::new_unchecked(
                &self.conn,
                rusqlite::TransactionBehavior::Immediate,
            )?;
            if imported(&tx)? {
                return Ok(());
            }
            // Legacy id of an open intent, by (plan, step) → its id here.
            let mut open: HashMap<(i64, Option<u32>), i64> = HashMap::new();
            for e in &legacy {
                let key = (e.plan, e.step);
                let intent_id = if e.phase == AuditPhase::Intent {
                    None
                } else {
                    open.get(&key).copied()
                };
                let copied = AuditEntry {
                    detail: format!("{} (from the cache's own log)", e.detail),
                    intent_id,
                    ..e.clone()
                };
                let id = insert_entry(&tx, &copied, None)?;
                if e.phase == AuditPhase::Intent {
                    open.insert(key, id);
                }
            }
            tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                params![LEGACY_IMPORTED, legacy.len().to_string()],
            )?;
            tx.commit()
        })
    }
}

impl Store {
    /// The rows of the audit table that caches had before the log got its own file
    /// (kept in the cache as they were; read once, to copy them).
    pub(crate) fn legacy_audit_rows(&self) -> StoreResult<Vec<AuditEntry>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, at, plan, step, finding_id, account, region, resource, action, phase,
                        identity, detail, request_id, undo, simulated, NULL
                 FROM audit_log ORDER BY id",
            )
            .map_err(|e| self.sql_err(e))?;
        stmt.query_map([], read_entry)
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sql_err(e))
    }
}
