//! Each resource's daily cost over the last 30 days: kept from a FOCUS import (older
//! days keep only their monthly sums), pruned as the window moves on, and listed by
//! Enter on a resource's cost row.

mod common;

use chrono::NaiveDate;
use common::enter_on;
use costscope::domain::detail::resource_days_from;
use costscope::domain::{DailyPoint, Money};
use costscope::import::{read_file, write_file};
use costscope::tui::action::Action;
use costscope::tui::model::ViewData;
use costscope::tui::state::ViewKind;
use std::path::Path;

const HEADER: &str = "BilledCost,EffectiveCost,ChargePeriodStart,SubAccountId,SubAccountName,ServiceName,ChargeCategory,x_UsageType,ResourceId";

/// (billed, hour it starts, usage type, resource) of account 111111111111's EC2.
fn write_focus(path: &Path, lines: &[(&str, &str, &str, &str)]) {
    let mut text = format!("{HEADER}\n");
    for (billed, start, usage, resource) in lines {
        text.push_str(&format!(
            "{billed},{billed},{start},111111111111,payments-prod,Amazon Elastic Compute Cloud,Usage,{usage},{resource}\n"
        ));
    }
    std::fs::write(path, text).unwrap();
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn point(on: &str, nanos: i64) -> DailyPoint {
    DailyPoint {
        day: day(on),
        amount: Money::from_nanos(nanos),
    }
}

/// On 2026-11-20 the window starts 2026-10-21: the October 5 line keeps only its month.
const LINES: &[(&str, &str, &str, &str)] = &[
    (
        "7.00",
        "2026-10-05T00:00:00Z",
        "BoxUsage:m5.large",
        "i-0aaa",
    ),
    (
        "0.100000001",
        "2026-11-10T00:00:00Z",
        "BoxUsage:m5.large",
        "i-0aaa",
    ),
    (
        "0.100000001",
        "2026-11-10T01:00:00Z",
        "BoxUsage:m5.large",
        "i-0aaa",
    ),
    (
        "0.100000001",
        "2026-11-10T02:00:00Z",
        "EBS:VolumeUsage.gp2",
        "i-0aaa",
    ),
    (
        "1.25",
        "2026-11-12T00:00:00Z",
        "BoxUsage:m5.large",
        "i-0aaa",
    ),
    (
        "4.00",
        "2026-11-11T00:00:00Z",
        "BoxUsage:m5.large",
        "i-0bbb",
    ),
    // A line without a resource is no resource's day.
    ("9.99", "2026-11-11T00:00:00Z", "DataTransfer-Out-Bytes", ""),
];

#[test]
fn a_resources_days_are_listed_from_its_cost_row_with_unbilled_days_at_zero() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("focus.csv");
    write_focus(&file, LINES);
    let store = common::imported_cache(dir.path(), &file);
    assert_eq!(
        store.resource_days_span().unwrap(),
        Some((day("2026-11-10"), day("2026-11-12"))),
        "the October line is older than the window"
    );
    let mut app = common::app_on(store);
    app.dispatch(Action::RunCommand("range 2026-11".into()));
    app.dispatch(Action::RunCommand("resources".into()));
    enter_on(&mut app, "i-0aaa");
    assert!(matches!(app.state.top().kind, ViewKind::ResourceDays(_)));
    let ViewData::Table(table) = &app.state.data else {
        panic!("{:?}", app.state.data)
    };
    assert_eq!(
        table.chart,
        vec![
            // Two usage types on one day add up, exactly.
            point("2026-11-10", 300_000_003),
            point("2026-11-11", 0),
            point("2026-11-12", 1_250_000_000),
        ]
    );
    assert_eq!(table.total, Some(Money::from_nanos(1_550_000_003)));
    assert_eq!(
        app.state.breadcrumbs().last().map(String::as_str),
        Some("i-0aaa · days")
    );
    let screen = common::screen_text_lines(&app, 120, 30);
    assert!(
        screen.contains("the last 30 days kept per resource (Nov 10 – Nov 12)"),
        "{screen}"
    );
    // No finding on it: Enter stays.
    app.dispatch(Action::Enter);
    assert!(matches!(app.state.top().kind, ViewKind::ResourceDays(_)));
}

#[test]
fn a_later_read_prunes_the_days_that_left_the_window_and_keeps_their_months() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("focus.csv");
    write_focus(&file, LINES);
    let mut store = common::imported_cache(dir.path(), &file);
    // A December file read on 2026-12-11: the window starts 2026-11-11.
    let later = dir.path().join("december.csv");
    write_focus(
        &later,
        &[(
            "2.00",
            "2026-12-01T00:00:00Z",
            "BoxUsage:m5.large",
            "i-0ccc",
        )],
    );
    let today = day("2026-12-11");
    let read = read_file(&later, Some(resource_days_from(today))).unwrap();
    write_file(
        &mut store,
        &read,
        today,
        common::stamp("2026-12-11T06:00:00Z"),
        false,
    )
    .unwrap();
    assert_eq!(
        store.resource_days_span().unwrap(),
        Some((day("2026-11-11"), day("2026-12-01"))),
        "November 10 left the window"
    );
    let november = costscope::domain::Month::new(2026, 11).unwrap();
    let resources = store
        .detail_totals(
            (november, november),
            &costscope::domain::dimension::DetailFilter::NONE,
            costscope::domain::dimension::Dimension::Resource,
            costscope::domain::DetailMetric::Cost(costscope::domain::Metric::Unblended),
        )
        .unwrap()
        .unwrap();
    let aaa = resources
        .iter()
        .find(|r| r.name.as_deref() == Some("i-0aaa"))
        .unwrap();
    assert_eq!(
        aaa.amount,
        Some(Money::from_nanos(1_550_000_003)),
        "its month is kept whole"
    );
}

/// One resource's series and the table's layout, read beside the store.
fn series_and_layout(store: &costscope::store::Store, path: &Path) -> (Vec<DailyPoint>, String) {
    let conn = rusqlite::Connection::open(path).unwrap();
    let key: i64 = conn
        .query_row(
            "SELECT key FROM dims WHERE kind = 'resource' AND name = 'i-0aaa'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let layout: String = conn
        .query_row(
            "SELECT group_concat(sql, ';') FROM sqlite_master
             WHERE tbl_name = 'cost_resource_daily' AND sql IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let series = store
        .resource_days(key, costscope::domain::Metric::Unblended)
        .unwrap();
    (series, layout)
}

#[test]
fn a_cache_keyed_by_resource_first_is_rekeyed_by_day_with_every_day_kept() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("focus.csv");
    write_focus(&file, LINES);
    let path = dir.path().join("cache.sqlite");
    let store = common::imported_cache(dir.path(), &file);
    let (series, layout) = series_and_layout(&store, &path);
    assert_eq!(
        series,
        [
            point("2026-11-10", 300_000_003),
            point("2026-11-12", 1_250_000_000)
        ]
    );
    assert!(
        layout.contains("PRIMARY KEY (day, resource, account, service)"),
        "{layout}"
    );
    assert!(!layout.contains("CREATE INDEX"), "{layout}");
    drop(store);

    // The layout of schema 13: keyed by the resource, with an index by day.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE by_resource (
             resource INTEGER NOT NULL, day INTEGER NOT NULL, account INTEGER NOT NULL,
             service INTEGER NOT NULL, unblended INTEGER NOT NULL, amortized INTEGER NOT NULL,
             PRIMARY KEY (resource, day, account, service)
         ) WITHOUT ROWID;
         INSERT INTO by_resource
             SELECT resource, day, account, service, unblended, amortized
             FROM cost_resource_daily;
         DROP TABLE cost_resource_daily;
         ALTER TABLE by_resource RENAME TO cost_resource_daily;
         CREATE INDEX cost_resource_daily_by_day ON cost_resource_daily (day);
         PRAGMA user_version = 13;",
    )
    .unwrap();
    drop(conn);

    let store = costscope::store::Store::open(&path).unwrap();
    assert_eq!(series_and_layout(&store, &path), (series, layout));
    assert_eq!(
        store.resource_days_span().unwrap(),
        Some((day("2026-11-10"), day("2026-11-12")))
    );
    assert_eq!(store.integrity_check().unwrap(), ["ok"]);
}
