//! The cache: exact money, rollups that reconcile, one transaction per unit of work,
//! owner-only files, and clear refusals for files that are not ours.

mod common;

use chrono::{Duration, NaiveDate};
use costscope::domain::{
    Account, AccountStatus, DateRange, Metric, Money, Month, OrgUnit, Organization,
};
use costscope::store::{CostRecord, MonthStatus, Scope, Store, StoreError};
use std::os::unix::fs::PermissionsExt;

fn status(month: Month) -> MonthStatus {
    MonthStatus {
        month,
        fetched_at: common::stamp("2026-11-20T06:00:00Z"),
        is_final: false,
        source: "test".to_string(),
        fees: Some(Vec::new()),
    }
}

fn nov() -> Month {
    Month::new(2026, 11).unwrap()
}

/// Amounts with many decimals, as Cost Explorer returns them.
fn amounts() -> Vec<&'static str> {
    vec![
        "0.0000000123",
        "12.3456789",
        "0.333333333",
        "1999.99",
        "0.005",
        "7.1",
        "0.0049999999",
    ]
}

fn org() -> Organization {
    Organization {
        units: vec![
            OrgUnit {
                id: "r-1".into(),
                parent_id: None,
                name: "Root".into(),
            },
            OrgUnit {
                id: "ou-2".into(),
                parent_id: Some("ou-1".into()),
                name: "Child".into(),
            },
            OrgUnit {
                id: "ou-1".into(),
                parent_id: Some("r-1".into()),
                name: "Parent".into(),
            },
        ],
        accounts: vec![Account {
            id: "111111111111".into(),
            name: "one".into(),
            email: "one@example.com".into(),
            status: AccountStatus::Active,
            ou_id: "ou-2".into(),
            joined: None,
        }],
    }
}

#[test]
fn month_totals_equal_the_sum_of_inserted_amounts_to_the_cent() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("c.sqlite")).unwrap();
    let accounts: Vec<i64> = (0..3)
        .map(|i| store.ensure_account(&format!("00000000000{i}")).unwrap())
        .collect();
    let services: Vec<i64> = (0..4)
        .map(|i| store.ensure_service(&format!("Service {i}")).unwrap())
        .collect();
    let texts = amounts();
    let mut expected = Money::ZERO;
    let mut records = Vec::new();
    for (i, day) in nov().range().iter_days().enumerate() {
        for (ai, &a) in accounts.iter().enumerate() {
            for (si, &s) in services.iter().enumerate() {
                let amount: Money = texts[(i + ai + si) % texts.len()].parse().unwrap();
                expected += amount;
                records.push(CostRecord {
                    account: a,
                    service: s,
                    day,
                    unblended: amount.nanos(),
                    amortized: amount.nanos() * 2,
                });
            }
        }
    }
    store.replace_month(status(nov()), records).unwrap();

    // Every path to the month total agrees exactly: raw rows, monthly rollups, daily rollups.
    assert_eq!(
        store.raw_month_total(nov(), Metric::Unblended).unwrap(),
        expected
    );
    let by_account: Money = store
        .totals(Scope::Accounts, nov().range(), Metric::Unblended)
        .unwrap()
        .values()
        .copied()
        .sum();
    let by_service: Money = store
        .totals(Scope::Services, nov().range(), Metric::Unblended)
        .unwrap()
        .values()
        .copied()
        .sum();
    let org_daily: Money = store
        .daily_series(None, None, nov().range(), Metric::Unblended)
        .unwrap()
        .iter()
        .map(|p| p.amount)
        .sum();
    assert_eq!(by_account, expected);
    assert_eq!(by_service, expected);
    assert_eq!(org_daily, expected);
    assert_eq!(by_account.cents(), expected.cents());
    let amortized: Money = store
        .totals(Scope::Accounts, nov().range(), Metric::Amortized)
        .unwrap()
        .values()
        .copied()
        .sum();
    assert_eq!(amortized.nanos(), expected.nanos() * 2);
}

#[test]
fn grouped_totals_match_brute_force_for_ranges_that_cut_months() {
    let store = common::open_demo("store");
    let (_, keys) = store.organization().unwrap();
    let services = store.services().unwrap();
    let start = NaiveDate::from_ymd_opt(2025, 12, 17).unwrap();
    let end = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
    let range = DateRange::new(start, end);
    let account = keys[5];
    let service = services
        .iter()
        .find(|(_, n)| n == "Amazon Simple Storage Service")
        .unwrap()
        .0;

    let by_service = store
        .totals(Scope::ServicesOfAccount(account), range, Metric::Amortized)
        .unwrap();
    let series = store
        .daily_series(Some(account), Some(service), range, Metric::Amortized)
        .unwrap();
    let brute: Money = series.iter().map(|p| p.amount).sum();
    assert_eq!(series.len() as i64, range.days());
    assert_eq!(by_service[&service], brute);

    let by_account = store
        .totals(Scope::AccountsOfService(service), range, Metric::Amortized)
        .unwrap();
    assert_eq!(by_account[&account], brute);

    let account_series: Money = store
        .daily_series(Some(account), None, range, Metric::Amortized)
        .unwrap()
        .iter()
        .map(|p| p.amount)
        .sum();
    let all_accounts = store
        .totals(Scope::Accounts, range, Metric::Amortized)
        .unwrap();
    assert_eq!(all_accounts[&account], account_series);
    assert_eq!(by_service.values().copied().sum::<Money>(), account_series);
}

#[test]
fn rewriting_a_month_replaces_it_and_a_failed_write_keeps_the_old_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("c.sqlite")).unwrap();
    let a = store.ensure_account("123456789012").unwrap();
    let s = store.ensure_service("AWS Lambda").unwrap();
    let day = nov().first_day();
    let rec = |d: NaiveDate, dollars: i64| CostRecord {
        account: a,
        service: s,
        day: d,
        unblended: dollars * 1_000_000_000,
        amortized: 0,
    };
    store
        .replace_month(
            status(nov()),
            vec![rec(day, 5), rec(day + Duration::days(1), 7)],
        )
        .unwrap();
    store
        .replace_month(status(nov()), vec![rec(day, 3)])
        .unwrap();
    assert_eq!(
        store.raw_month_total(nov(), Metric::Unblended).unwrap(),
        Money::from_dollars(3)
    );

    // A row from another month fails the whole write; the month stays as it was.
    let stray = rec(day - Duration::days(1), 100);
    let err = store
        .replace_month(status(nov()), vec![rec(day, 50), stray])
        .unwrap_err();
    assert!(matches!(err, StoreError::OutsideMonths { .. }), "{err}");
    assert_eq!(
        store.raw_month_total(nov(), Metric::Unblended).unwrap(),
        Money::from_dollars(3)
    );
    let totals = store
        .totals(Scope::Accounts, nov().range(), Metric::Unblended)
        .unwrap();
    assert_eq!(totals[&a], Money::from_dollars(3));
    // Loose days (not a whole month) agree too: the old second day is gone.
    let first_two = DateRange::new(day, day + Duration::days(1));
    let loose = store
        .totals(Scope::Accounts, first_two, Metric::Unblended)
        .unwrap();
    assert_eq!(loose[&a], Money::from_dollars(3));
    let second = DateRange::new(day + Duration::days(1), day + Duration::days(1));
    let services = store
        .totals(Scope::Services, second, Metric::Unblended)
        .unwrap();
    assert_eq!(services.get(&s).copied().unwrap_or_default(), Money::ZERO);
    assert_eq!(store.integrity_check().unwrap(), ["ok"]);
}

#[test]
fn organization_round_trips_with_the_ou_tree() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("c.sqlite")).unwrap();
    store.replace_org(&org()).unwrap();
    store.replace_org(&org()).unwrap();
    let (loaded, keys) = store.organization().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(loaded.accounts, org().accounts);
    assert_eq!(loaded.ou_path("ou-2"), "Root / Parent / Child");
}

#[test]
fn cache_is_owner_only_in_an_owner_only_directory_and_uses_wal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/dir/cache.sqlite");
    let store = Store::open(&path).unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    let wal = path.with_file_name("cache.sqlite-wal");
    assert!(wal.exists(), "WAL mode creates a -wal file");
    assert_eq!(mode(&wal), 0o600);
    drop(store);
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.sqlite");
    std::fs::write(&path, "these are my notes, not a database\n").unwrap();
    let err = Store::open(&path).err().unwrap();
    assert!(matches!(err, StoreError::NotSqlite { .. }));
    let message = err.to_string();
    assert!(
        message.contains("not an SQLite database") && message.contains("mv "),
        "{message}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "these are my notes, not a database\n"
    );
}

#[test]
fn another_applications_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.sqlite");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE recipes (name TEXT); INSERT INTO recipes VALUES ('soup');")
        .unwrap();
    drop(conn);
    let err = Store::open(&path).err().unwrap();
    assert!(matches!(err, StoreError::ForeignDatabase { .. }), "{err}");
    let conn = rusqlite::Connection::open(&path).unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM recipes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn a_cache_from_a_newer_costscope_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite");
    drop(Store::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA user_version = 99").unwrap();
    drop(conn);
    let err = Store::open(&path).err().unwrap();
    assert!(
        matches!(err, StoreError::NewerSchema { found: 99, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("newer costscope"));
}

#[test]
fn a_corrupt_cache_is_detected_with_a_way_forward() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite");
    {
        let mut store = Store::open(&path).unwrap();
        let a = store.ensure_account("123456789012").unwrap();
        let s = store.ensure_service("AWS Lambda").unwrap();
        let recs: Vec<CostRecord> = nov()
            .range()
            .iter_days()
            .map(|day| CostRecord {
                account: a,
                service: s,
                day,
                unblended: 1,
                amortized: 1,
            })
            .collect();
        store.replace_month(status(nov()), recs).unwrap();
        // Fold the WAL into the main file so the damage below hits real pages.
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .unwrap();
    }
    let mut bytes = std::fs::read(&path).unwrap();
    let keep = 100; // the header stays valid, the page contents do not
    for b in bytes.iter_mut().skip(keep) {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let err = match Store::open(&path) {
        Err(e) => e,
        Ok(store) => store
            .summary()
            .expect_err("reading a corrupt cache must fail"),
    };
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert!(
        err.to_string().contains("corrupt") && err.to_string().contains("mv "),
        "{err}"
    );
}

#[test]
fn totals_for_two_periods_at_once_match_each_computed_by_hand() {
    let store = common::open_demo("store");
    let (_, keys) = store.organization().unwrap();
    let services = store.services().unwrap();
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    // Rolling windows whose loose days sit in four different months, and 30-day windows
    // that hold no whole month but cross a month boundary.
    let windows = [
        (
            DateRange::new(d(2026, 8, 22), d(2026, 11, 19)),
            DateRange::new(d(2026, 5, 24), d(2026, 8, 21)),
        ),
        (
            DateRange::new(d(2026, 10, 21), d(2026, 11, 19)),
            DateRange::new(d(2026, 9, 21), d(2026, 10, 20)),
        ),
    ];
    let service = services
        .iter()
        .find(|(_, n)| n == "AWS Data Transfer")
        .unwrap()
        .0;
    let account = keys[2];
    let brute = |a: Option<i64>, s: Option<i64>, r: DateRange| -> Money {
        store
            .daily_series(a, s, r, Metric::Unblended)
            .unwrap()
            .iter()
            .map(|p| p.amount)
            .sum()
    };
    for (current, previous) in windows {
        for scope in [
            Scope::AccountsOfService(service),
            Scope::ServicesOfAccount(account),
            Scope::Accounts,
            Scope::Services,
        ] {
            let both = store
                .totals_many(scope, &[current, previous], Metric::Unblended)
                .unwrap();
            for (totals, range) in both.iter().zip([current, previous]) {
                let (a, s, key) = match scope {
                    Scope::AccountsOfService(s) => (Some(account), Some(s), account),
                    Scope::ServicesOfAccount(a) => (Some(a), Some(service), service),
                    Scope::Accounts => (Some(account), None, account),
                    Scope::Services => (None, Some(service), service),
                };
                assert_eq!(totals[&key], brute(a, s, range), "{scope:?} {range:?}");
            }
        }
    }
}

#[test]
fn rows_out_of_day_order_or_repeated_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("c.sqlite")).unwrap();
    let a = store.ensure_account("123456789012").unwrap();
    let s = store.ensure_service("AWS Lambda").unwrap();
    let day = nov().first_day() + Duration::days(4);
    let rec = |d: NaiveDate| CostRecord {
        account: a,
        service: s,
        day: d,
        unblended: 1_000_000_000,
        amortized: 1_000_000_000,
    };
    for rows in [
        vec![rec(day), rec(day - Duration::days(1))],
        vec![rec(day), rec(day)],
    ] {
        let err = store.replace_month(status(nov()), rows).unwrap_err();
        assert!(matches!(err, StoreError::RowsOutOfOrder { .. }), "{err}");
    }
    assert!(store.summary().unwrap().months.is_empty());
    assert_eq!(
        store.raw_month_total(nov(), Metric::Unblended).unwrap(),
        Money::ZERO
    );
}

#[test]
fn processes_opening_a_new_cache_and_its_audit_log_at_once_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.sqlite");
    let opened: Vec<Result<(), String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    Store::open(&path)
                        .and_then(|store| costscope::store::AuditLog::open_for(&store).map(|_| ()))
                        .map_err(|e| e.to_string())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(opened.iter().all(Result::is_ok), "{opened:?}");
}

#[test]
fn stamps_of_older_caches_read_and_a_stamp_that_is_not_a_time_is_damage() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite");
    let mut store = Store::open(&path).unwrap();
    store.replace_org(&org()).unwrap();
    store.replace_month(status(nov()), Vec::new()).unwrap();
    // Written with millisecond precision, the one text form.
    let raw = |store: &Store| -> String {
        let conn = rusqlite::Connection::open(store.path()).unwrap();
        conn.query_row("SELECT fetched_at FROM months", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(raw(&store), "2026-11-20T06:00:00.000Z");
    drop(store);
    // An older cache's second-precision stamp reads as the same moment.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE months SET fetched_at = '2026-11-20T06:00:00Z'", [])
        .unwrap();
    let store = Store::open(&path).unwrap();
    let months = store.summary().unwrap().months;
    assert_eq!(
        months[0].fetched_at,
        common::stamp("2026-11-20T06:00:00.000Z")
    );
    // Text that is no time is an error that says the cache is damaged, not a panic.
    conn.execute("UPDATE months SET fetched_at = 'yesterday'", [])
        .unwrap();
    let err = store.summary().unwrap_err().to_string();
    assert!(
        err.contains("\"yesterday\" is not an RFC 3339 time"),
        "{err}"
    );
    assert!(err.contains("rebuild it"), "{err}");
}

#[test]
fn once_a_month_fees_are_kept_apart_per_month_and_read_by_scope() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("c.sqlite")).unwrap();
    let a = store.ensure_account("123456789012").unwrap();
    let b = store.ensure_account("210987654321").unwrap();
    let support = store.ensure_service("AWS Support (Business)").unwrap();
    let ec2 = store
        .ensure_service("Amazon Elastic Compute Cloud - Compute")
        .unwrap();
    let first = nov().first_day();
    let rec = |account, service, day, dollars: i64| CostRecord {
        account,
        service,
        day,
        unblended: dollars * 1_000_000_000,
        amortized: dollars * 500_000_000,
    };
    let mut with_fees = status(nov());
    with_fees.fees = Some(vec![rec(a, support, first, 100), rec(b, ec2, first, 30)]);
    let days = vec![
        rec(a, support, first, 100),
        rec(b, ec2, first, 31),
        rec(b, ec2, first + Duration::days(1), 1),
    ];
    store
        .replace_month(with_fees.clone(), days.clone())
        .unwrap();

    let org = store.fees(None, nov().range(), Metric::Unblended).unwrap();
    assert_eq!(org.len(), 1);
    assert_eq!((org[0].0, org[0].1.amount), (0, Money::from_dollars(130)));
    let by_account = store
        .fees(Some(Scope::Accounts), nov().range(), Metric::Amortized)
        .unwrap();
    assert_eq!(
        by_account
            .iter()
            .map(|(k, f)| (*k, f.amount))
            .collect::<Vec<_>>(),
        [(a, Money::from_dollars(50)), (b, Money::from_dollars(15))]
    );
    let of_b = store
        .fees(
            Some(Scope::ServicesOfAccount(b)),
            nov().range(),
            Metric::Unblended,
        )
        .unwrap();
    assert_eq!(of_b.len(), 1);
    assert_eq!(of_b[0].0, ec2);
    assert!(store.summary().unwrap().months[0].fees_known);

    // A rewrite replaces them; a fee outside its month fails the whole write.
    let mut stray = with_fees.clone();
    stray.fees = Some(vec![rec(a, support, first - Duration::days(1), 5)]);
    let err = store.replace_month(stray, days.clone()).unwrap_err();
    assert!(matches!(err, StoreError::OutsideMonths { .. }), "{err}");
    assert_eq!(
        store.fees(None, nov().range(), Metric::Unblended).unwrap()[0]
            .1
            .amount,
        Money::from_dollars(130)
    );
    let mut unknown = with_fees;
    unknown.fees = None;
    store.replace_month(unknown, days).unwrap();
    assert!(store
        .fees(None, nov().range(), Metric::Unblended)
        .unwrap()
        .is_empty());
    let summary = store.summary().unwrap();
    assert!(!summary.months[0].fees_known);
    let loose = DateRange::new(first, first + Duration::days(9));
    assert_eq!(summary.fees_unknown(loose), vec![nov()]);
    assert!(
        summary.fees_unknown(nov().range()).is_empty(),
        "a whole month needs none"
    );
}
