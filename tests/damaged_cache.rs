//! No panic from bad input: random bytes opened as a cache, and a real cache whose
//! cells are overwritten with random values that no costscope writes (huge and negative
//! numbers, text where numbers belong, blobs, NULLs) read through every view, the
//! reports and the audit log. Errors are the right answer; a panic is a failure.
//! Deterministic: a fixed seed, a bounded number of rounds.

mod common;

use costscope::store::{AuditLog, Store};
use costscope::tui::action::Action;
use rusqlite::types::Value;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// SplitMix64: a small, seedable generator, so a failure is reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }

    /// A value of the kind that breaks assumptions.
    fn value(&mut self) -> Value {
        match self.below(9) {
            0 => Value::Integer(i64::MAX),
            1 => Value::Integer(i64::MIN),
            2 => Value::Integer(-(self.below(1_000_000) as i64)),
            3 => Value::Integer(self.next() as i64),
            4 => Value::Real(f64::from_bits(self.next())),
            5 => Value::Text("not what you expected {\"a\":".into()),
            6 => Value::Blob(self.bytes(8)),
            7 => Value::Null,
            _ => Value::Text(String::from_utf8_lossy(&self.bytes(12)).into_owned()),
        }
    }
}

#[test]
fn random_bytes_opened_as_a_cache_give_an_error_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(7);
    for round in 0..120 {
        let path = dir.path().join(format!("cache-{round}.sqlite"));
        let len = rng.below(8192) as usize;
        let mut bytes = rng.bytes(len);
        // Half of them look like SQLite at first glance.
        if round % 2 == 0 && bytes.len() >= 100 {
            bytes[..16].copy_from_slice(b"SQLite format 3\0");
        }
        std::fs::write(&path, &bytes).unwrap();
        let opened = catch_unwind(|| Store::open(&path).map(|s| s.summary().is_ok()));
        assert!(opened.is_ok(), "round {round}: Store::open panicked");
    }
}

/// Every table costscope reads, with the columns it reads.
fn columns(conn: &rusqlite::Connection) -> Vec<(String, String)> {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut out = Vec::new();
    for table in tables {
        let names: Vec<String> = conn
            .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        out.extend(names.into_iter().map(|c| (table.clone(), c)));
    }
    out
}

/// Reads the cache as costscope does: every view of the TUI drawn, the reports, the
/// audit log. Errors are fine.
fn read_everything(path: &std::path::Path) {
    let Ok(store) = Store::open(path) else { return };
    let _ = costscope::report::month_report(
        &store,
        costscope::domain::Month::new(2026, 10).unwrap(),
        costscope::report::GroupBy::Service,
        costscope::domain::DetailMetric::List,
    )
    .map(|r| costscope::report::render(&r, costscope::report::Format::Json));
    let _ = store.findings(&Default::default());
    let _ = store.scan_units();
    let _ = AuditLog::open_for(&store).and_then(|log| log.entries(None));
    let _ = costscope::remediate::plan::plan_findings(&store, &[1, 2, 3], &Default::default());
    let mut app = match costscope::tui::App::new(
        store,
        {
            use costscope::config::{Config, Keymap, Theme};
            let keymap = Keymap::defaults(&costscope::tui::action::bindable_names()).unwrap();
            costscope::tui::State::new(
                &Config::default(),
                Theme::default_theme(),
                keymap,
                common::today(),
            )
        },
        None,
    ) {
        Ok(app) => app,
        Err(_) => return,
    };
    for action in [
        Action::Resize(120, 40),
        Action::Overview,
        Action::Accounts,
        Action::Enter,
        Action::Enter,
        Action::Back,
        Action::Back,
        Action::Services,
        Action::Enter,
        Action::Range(costscope::domain::RangePreset::Last13Months),
        Action::ToggleGranularity,
        Action::Findings,
        Action::Enter,
        Action::Audit,
    ] {
        app.dispatch(action);
        common::screen_text(&app, 120, 40);
    }
}

#[test]
fn a_cache_with_values_no_costscope_writes_gives_errors_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let pristine = dir.path().join("pristine.sqlite");
    let (store, _) =
        costscope::demo::prepare_cache(&pristine, common::params(3), |_, _| {}).unwrap();
    drop(store);
    // One file, no WAL beside it: copies of it are whole caches.
    rusqlite::Connection::open(&pristine)
        .unwrap()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")
        .unwrap();
    let cells = columns(&rusqlite::Connection::open(&pristine).unwrap());
    let path = dir.path().join("demo.sqlite");
    let mut rng = Rng(2026);
    for round in 0..80 {
        // A fresh copy each round, then one or two cells damaged (triggers and
        // constraints may refuse some: fine).
        std::fs::copy(&pristine, &path).unwrap();
        let conn = rusqlite::Connection::open(&path).unwrap();
        for _ in 0..=rng.below(2) {
            let (table, column) = &cells[rng.below(cells.len() as u64) as usize];
            let value = rng.value();
            let _ = conn.execute(
                &format!(
                    "UPDATE {table} SET {column} = ?1 WHERE rowid IN (SELECT rowid FROM {table} ORDER BY random() LIMIT 2)"
                ),
                [value.clone()],
            );
            // WITHOUT ROWID tables have no rowid: damage a row by its first column.
            let _ = conn.execute(
                &format!("UPDATE {table} SET {column} = ?1 WHERE {column} IN (SELECT {column} FROM {table} LIMIT 1)"),
                [value],
            );
        }
        drop(conn);
        let read = catch_unwind(AssertUnwindSafe(|| read_everything(&path)));
        assert!(
            read.is_ok(),
            "round {round}: reading the damaged cache panicked"
        );
    }
}
