//! Past the service: a FOCUS file's regions, usage types, charge types, resources and
//! tags kept by month in a real cache, read back to the cent, and drilled in the TUI
//! from the organization to one resource, whose finding shows beside its cost.

mod common;

use common::{enter_on, rows};
use costscope::domain::dimension::{DetailFilter, Dimension};
use costscope::domain::exact::ExactSum;
use costscope::domain::findings::{Evidence, Finding, Rule, Saving};
use costscope::domain::{DetailMetric, Metric, Money, Month};
use costscope::store::{DetailAmount, Store};
use costscope::tui::action::Action;
use costscope::tui::model::{RowKey, ViewData};
use costscope::tui::state::ViewKind;
use costscope::tui::App;
use std::path::Path;

const UNBLENDED: DetailMetric = DetailMetric::Cost(Metric::Unblended);

const HEADER: &str = "BilledCost,EffectiveCost,ChargePeriodStart,ServiceProviderName,SubAccountId,SubAccountName,ServiceName,ChargeCategory,ChargeFrequency,BillingCurrency,RegionId,x_UsageType,x_Operation,PricingCategory,ResourceId,Tags";

const EC2: &str = "Amazon Elastic Compute Cloud";
const PAYMENTS: &str = "111111111111";

/// (amount, day, account, service, category, region, usage type, resource, tags)
type Line = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

fn lines() -> Vec<Line> {
    let team = r#"{"team": "payments"}"#;
    let mut out: Vec<Line> = Vec::new();
    for hour in ["00", "01", "02", "03", "04", "05", "06", "07", "08", "09"] {
        let day: &'static str = Box::leak(format!("2026-10-03T{hour}:00:00Z").into_boxed_str());
        out.push((
            "0.096",
            day,
            PAYMENTS,
            EC2,
            "Usage",
            "us-east-1",
            "BoxUsage:m5.large",
            "i-0aaa",
            team,
        ));
    }
    out.extend([
        (
            "0.25",
            "2026-10-04T00:00:00Z",
            PAYMENTS,
            EC2,
            "Usage",
            "us-east-1",
            "DataTransfer-Out-Bytes",
            "i-0aaa",
            team,
        ),
        (
            "5.5",
            "2026-10-05T00:00:00Z",
            PAYMENTS,
            EC2,
            "Usage",
            "eu-west-1",
            "EU-BoxUsage:m5.large",
            "i-0bbb",
            "",
        ),
        (
            "-2.00",
            "2026-10-06T00:00:00Z",
            PAYMENTS,
            EC2,
            "Credit",
            "",
            "",
            "",
            "",
        ),
        (
            "1.10",
            "2026-10-01T00:00:00Z",
            PAYMENTS,
            "Tax",
            "Tax",
            "",
            "",
            "",
            "",
        ),
        (
            "3.3333333333",
            "2026-10-07T00:00:00Z",
            "222222222222",
            "Amazon Simple Storage Service",
            "Usage",
            "us-east-1",
            "TimedStorage-ByteHrs",
            "logs-bucket",
            r#"{"team": "data"}"#,
        ),
        // September, for the comparison.
        (
            "0.5",
            "2026-09-10T00:00:00Z",
            PAYMENTS,
            EC2,
            "Usage",
            "us-east-1",
            "BoxUsage:m5.large",
            "i-0aaa",
            team,
        ),
    ]);
    out
}

fn write_focus(path: &Path) {
    let mut text = format!("{HEADER}\n");
    for (amount, day, account, service, category, region, usage, resource, tags) in lines() {
        let frequency = if category == "Usage" {
            "Usage-Based"
        } else {
            "One-Time"
        };
        let name = if account == PAYMENTS {
            "payments-prod"
        } else {
            "data-prod"
        };
        let tags = format!("\"{}\"", tags.replace('"', "\"\""));
        text.push_str(&format!(
            "{amount},{amount},{day},AWS,{account},{name},{service},{category},{frequency},USD,{region},{usage},RunInstances,Standard,{resource},{tags}\n"
        ));
    }
    std::fs::write(path, text).unwrap();
}

fn october() -> Month {
    Month::new(2026, 10).unwrap()
}

/// A cache holding the file, and an open finding on i-0aaa.
fn imported() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("focus.csv");
    write_focus(&file);
    let mut store = common::imported_cache(dir.path(), &file);
    let finding = Finding {
        rule: Rule::IdleEc2,
        account: PAYMENTS.into(),
        region: "us-east-1".into(),
        resource: "i-0aaa".into(),
        label: "m5.large".into(),
        action: "stop the instance".into(),
        saving: Saving::Monthly {
            amount: Money::from_dollars(70),
            basis: "test".into(),
        },
        evidence: Evidence::default(),
    };
    store
        .write_scanned_unit(
            PAYMENTS,
            "us-east-1",
            &[],
            &[finding],
            &[],
            common::stamp("2026-11-20T06:00:00Z"),
        )
        .unwrap();
    (dir, store)
}

fn exact(amounts: &[&str]) -> Money {
    let mut sum = ExactSum::ZERO;
    for a in amounts {
        sum += ExactSum::parse(a).unwrap();
    }
    sum.to_money()
}

fn by(store: &Store, filter: &DetailFilter, dimension: Dimension) -> Vec<DetailAmount> {
    store
        .detail_totals((october(), october()), filter, dimension, UNBLENDED)
        .unwrap()
        .unwrap()
}

fn named(rows: &[DetailAmount], name: &str) -> Money {
    rows.iter()
        .find(|r| r.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no {name} in {rows:?}"))
        .amount
        .expect("a cost is always known")
}

#[test]
fn each_dimension_of_a_month_adds_up_to_its_total_to_the_cent() {
    let (_dir, store) = imported();
    let month_total = store.raw_month_total(october(), Metric::Unblended).unwrap();
    let october_lines: Vec<&str> = lines()
        .iter()
        .filter(|l| l.1.starts_with("2026-10"))
        .map(|l| l.0)
        .collect();
    assert_eq!(month_total, exact(&october_lines));
    let all = DetailFilter::NONE;
    for dimension in [
        Dimension::Account,
        Dimension::Service,
        Dimension::Region,
        Dimension::UsageType,
        Dimension::Operation,
        Dimension::Charge,
        Dimension::Pricing,
    ] {
        let rows = by(&store, &all, dimension);
        let sum: Money = rows.iter().map(|r| r.amount.unwrap()).sum();
        assert_eq!(sum, month_total, "by {dimension:?}: {rows:?}");
    }
    let regions = by(&store, &all, Dimension::Region);
    assert_eq!(
        named(&regions, "us-east-1"),
        exact(&["0.96", "0.25", "3.3333333333"])
    );
    assert_eq!(named(&regions, "eu-west-1"), exact(&["5.5"]));
    assert_eq!(
        named(&regions, ""),
        exact(&["-2", "1.10"]),
        "credit and tax"
    );
    let charges = by(&store, &all, Dimension::Charge);
    assert_eq!(named(&charges, "Credit"), exact(&["-2"]));
    assert_eq!(named(&charges, "Tax"), exact(&["1.10"]));

    // One account's EC2 usage type, down to its resources.
    let account = store.organization().unwrap();
    let payments = account.1[account
        .0
        .accounts
        .iter()
        .position(|a| a.id == PAYMENTS)
        .unwrap()];
    let ec2 = store
        .services()
        .unwrap()
        .into_iter()
        .find(|(_, n)| n == EC2)
        .unwrap()
        .0;
    let boxes = store
        .dim_key("usage_type", "BoxUsage:m5.large")
        .unwrap()
        .unwrap();
    let filter = DetailFilter {
        account: Some(payments),
        service: Some(ec2),
        usage_type: Some(boxes),
        ..DetailFilter::NONE
    };
    let resources = by(&store, &filter, Dimension::Resource);
    assert_eq!(resources.len(), 1, "{resources:?}");
    assert_eq!(named(&resources, "i-0aaa"), exact(&["0.96"]));

    // Tags: each value's cost, and what is left untagged is the rest of the total.
    let team = store.dim_key("tag_key", "team").unwrap().unwrap();
    let tagged = DetailFilter {
        tag_key: Some(team),
        ..DetailFilter::NONE
    };
    let values = by(&store, &tagged, Dimension::TagValue);
    assert_eq!(named(&values, "payments"), exact(&["0.96", "0.25"]));
    assert_eq!(named(&values, "data"), exact(&["3.3333333333"]));
    // No one table holds both a tag and a region.
    let both = DetailFilter {
        region: Some(1),
        ..tagged
    };
    assert_eq!(
        store
            .detail_totals((october(), october()), &both, Dimension::Service, UNBLENDED)
            .unwrap(),
        None
    );
    // A month from Cost Explorer would have none: this one says it has.
    assert!(store
        .summary()
        .unwrap()
        .months
        .iter()
        .all(|m| m.detail_known));
}

fn app() -> (tempfile::TempDir, App) {
    let (dir, store) = imported();
    let mut app = common::app_on(store);
    app.dispatch(Action::RunCommand("range 2026-10".into()));
    (dir, app)
}

fn amount_of(app: &App, name: &str) -> (Option<Money>, Option<Money>) {
    let row = rows(app).into_iter().find(|r| r.name == name);
    let row = row.unwrap_or_else(|| panic!("no {name} in {:?}", rows(app)));
    (row.amount, row.previous)
}

#[test]
fn the_tui_drills_from_the_org_to_one_resource_and_shows_its_finding_beside_its_cost() {
    let (_dir, mut app) = app();
    app.dispatch(Action::Accounts);
    enter_on(&mut app, "payments-prod");
    assert!(matches!(app.state.top().kind, ViewKind::AccountServices(_)));
    enter_on(&mut app, EC2);
    let ViewKind::Breakdown(b) = app.state.top().kind else {
        panic!("{:?}", app.state.top().kind)
    };
    assert_eq!(b.by, Dimension::UsageType);
    assert_eq!(
        amount_of(&app, "BoxUsage:m5.large"),
        (Some(exact(&["0.96"])), Some(exact(&["0.5"]))),
        "September compared: both whole months with detail"
    );
    assert_eq!(amount_of(&app, "(no usage type)").0, Some(exact(&["-2"])));
    let ViewData::Table(table) = &app.state.data else {
        panic!()
    };
    assert_eq!(
        table.total,
        Some(exact(&["0.96", "0.25", "5.5", "-2"])),
        "the service's October"
    );
    assert!(!table.chart.is_empty(), "the account's service by day");
    enter_on(&mut app, "BoxUsage:m5.large");
    assert_eq!(amount_of(&app, "i-0aaa").0, Some(exact(&["0.96"])));
    let crumbs = app.state.breadcrumbs();
    assert_eq!(
        crumbs,
        [
            "Accounts",
            "payments-prod",
            "Amazon Elastic Compute Cloud · usage types",
            "BoxUsage:m5.large · resources"
        ]
    );
    let screen = common::screen_text_lines(&app, 120, 24);
    assert!(screen.contains("1 resource · total $0.96"), "{screen}");
    let line = screen.lines().find(|l| l.contains("i-0aaa")).unwrap();
    assert!(
        line.contains("1 · $70.00/mo"),
        "the saving beside the cost: {line}"
    );
    // Its days (none here: October is older than the days kept per resource), then
    // its finding.
    enter_on(&mut app, "i-0aaa");
    assert!(matches!(app.state.top().kind, ViewKind::ResourceDays(_)));
    let screen = common::screen_text_lines(&app, 120, 24);
    assert!(
        screen.contains("finding 1 · $70.00/mo (enter opens it) · no days"),
        "{screen}"
    );
    app.dispatch(Action::Enter);
    assert!(matches!(app.state.top().kind, ViewKind::Finding(_)));
}

#[test]
fn regions_charges_and_tags_are_views_of_their_own_and_b_lists_a_scope_by_the_next() {
    let (_dir, mut app) = app();
    app.dispatch(Action::RunCommand("regions".into()));
    assert_eq!(
        amount_of(&app, "eu-west-1"),
        (Some(exact(&["5.5"])), Some(Money::ZERO)),
        "September is cached with detail: it had nothing there"
    );
    assert_eq!(
        amount_of(&app, "(no region)").0,
        Some(exact(&["-2", "1.10"]))
    );
    enter_on(&mut app, "us-east-1");
    assert_eq!(
        amount_of(&app, "Amazon Simple Storage Service").0,
        Some(exact(&["3.3333333333"]))
    );

    app.dispatch(Action::RunCommand("charges".into()));
    assert_eq!(amount_of(&app, "Credit").0, Some(exact(&["-2"])));
    assert_eq!(amount_of(&app, "Tax").0, Some(exact(&["1.10"])));

    app.dispatch(Action::RunCommand("tags".into()));
    enter_on(&mut app, "team");
    assert_eq!(
        amount_of(&app, "payments").0,
        Some(exact(&["0.96", "0.25"]))
    );
    assert_eq!(amount_of(&app, "data").0, Some(exact(&["3.3333333333"])));
    assert_eq!(
        amount_of(&app, "(untagged)").0,
        Some(exact(&["5.5", "-2", "1.10"])),
        "the rest of the month"
    );
    assert!(rows(&app).iter().any(|r| r.key == RowKey::Untagged));

    // b on one account's services: the same account by region.
    app.dispatch(Action::Accounts);
    enter_on(&mut app, "payments-prod");
    app.dispatch(Action::BreakDown { forward: true });
    let ViewKind::Breakdown(b) = app.state.top().kind else {
        panic!("{:?}", app.state.top().kind)
    };
    assert_eq!(b.by, Dimension::Region);
    assert_eq!(app.state.breadcrumbs()[1], "payments-prod · regions");
    assert_eq!(amount_of(&app, "eu-west-1").0, Some(exact(&["5.5"])));
    // B goes back to the plain services list.
    app.dispatch(Action::BreakDown { forward: false });
    assert!(matches!(app.state.top().kind, ViewKind::AccountServices(_)));
    // A range that is not whole months says it reads whole ones.
    app.dispatch(Action::RunCommand("range 30d".into()));
    app.dispatch(Action::RunCommand("regions".into()));
    let screen = common::screen_text_lines(&app, 140, 24);
    assert!(
        screen.contains("detail is kept by month") && screen.contains("is not cached"),
        "{screen}"
    );
    let ViewData::Table(table) = &app.state.data else {
        panic!()
    };
    assert_eq!(table.previous_total, None, "no comparison of part months");
}

/// The demo's monthly detail summed straight from its table, one sum per key of `by`
/// under `region` (the organization when None), largest first.
fn summed_from_detail(
    path: &Path,
    months: (Month, Month),
    region: Option<i64>,
    by: &str,
) -> Vec<(i64, i64)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {by}, SUM(unblended) AS s FROM cost_usage_monthly
             WHERE month BETWEEN ?1 AND ?2 AND (?3 IS NULL OR region = ?3)
             GROUP BY {by} ORDER BY s DESC, {by}"
        ))
        .unwrap();
    stmt.query_map(
        rusqlite::params![months.0.index(), months.1.index(), region],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn as_pairs(amounts: Vec<DetailAmount>) -> Vec<(i64, i64)> {
    let mut pairs: Vec<(i64, i64)> = amounts
        .into_iter()
        .map(|a| (a.key, a.amount.unwrap().nanos()))
        .collect();
    pairs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    pairs
}

/// The organization-wide lists read kept rollups: they equal the detail they sum, a
/// cache from before the rollups gets them on opening, and `check` finds one that
/// no longer agrees with its detail.
#[test]
fn org_wide_lists_read_rollups_equal_to_their_detail_and_check_finds_a_drifted_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.sqlite");
    let params = costscope::demo::DemoParams {
        seed: costscope::demo::DEFAULT_SEED,
        accounts: 3,
        today: chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
    };
    let (store, _) = costscope::demo::prepare_cache(&path, params, |_, _| {}).unwrap();
    let months = (Month::new(2025, 11).unwrap(), Month::new(2026, 11).unwrap());
    let lists = |store: &Store| {
        let mut all = Vec::new();
        for (by, column) in [
            (Dimension::Region, "region"),
            (Dimension::UsageType, "usage_type"),
            (Dimension::Charge, "charge"),
            (Dimension::Service, "service"),
        ] {
            let org = store
                .detail_totals(months, &DetailFilter::NONE, by, UNBLENDED)
                .unwrap()
                .unwrap();
            let org = as_pairs(org);
            assert_eq!(
                org,
                summed_from_detail(&path, months, None, column),
                "{by:?}"
            );
            assert!(!org.is_empty(), "{by:?}");
            all.push(org);
        }
        // One region's services (Enter on a region of `:regions`).
        let region = store.dim_key("region", "us-east-1").unwrap().unwrap();
        let services = store
            .detail_totals(
                months,
                &DetailFilter::NONE.with(Dimension::Region, region),
                Dimension::Service,
                UNBLENDED,
            )
            .unwrap()
            .unwrap();
        let services = as_pairs(services);
        assert_eq!(
            services,
            summed_from_detail(&path, months, Some(region), "service")
        );
        all.push(services);
        all
    };
    let before = lists(&store);
    assert_eq!(store.integrity_check().unwrap(), ["ok"]);
    drop(store);

    // A cache of schema 9 (no rollups, no prices) is migrated and filled on opening.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "DROP TABLE cost_rollup_monthly; DROP INDEX cost_resource_by_account;
         DROP INDEX cost_resource_by_usage; DROP INDEX cost_tag_by_account;
         DROP INDEX findings_badges; DROP TABLE cost_resource_daily;
         ALTER TABLE cost_usage_monthly DROP COLUMN list;
         ALTER TABLE cost_usage_monthly DROP COLUMN contracted;
         PRAGMA user_version = 9;",
    )
    .unwrap();
    drop(conn);
    let store = Store::open(&path).unwrap();
    assert_eq!(lists(&store), before);
    assert_eq!(store.integrity_check().unwrap(), ["ok"]);
    drop(store);

    // One kept sum changed behind costscope's back is found.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let changed = conn
        .execute(
            "UPDATE cost_rollup_monthly SET unblended = unblended + 1
             WHERE within = '' AND by_dim = 'region' AND month = ?1",
            [months.1.index()],
        )
        .unwrap();
    assert!(changed > 0);
    drop(conn);
    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.integrity_check().unwrap(),
        [format!(
            "the sums by region differ from the detail they sum in {} rows",
            2 * changed
        )]
    );
}
