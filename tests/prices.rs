//! List and contracted prices (FOCUS ListCost and ContractedCost): read from a FOCUS
//! file into a real cache, summed exactly by usage combination and in the rollups, shown
//! as unknown (never as a partial sum) where a line left them out, cycled with `m` in the
//! views past the service, and reported by `costs --metric list`.

mod common;

use costscope::domain::dimension::{DetailFilter, Dimension};
use costscope::domain::exact::ExactSum;
use costscope::domain::{DetailMetric, Money, Month};
use costscope::report::{self, Format, GroupBy, ReportError};
use costscope::store::{CostRecord, DetailAmount, MonthStatus, Store};
use costscope::tui::action::Action;
use costscope::tui::model::ViewData;
use costscope::tui::selectors;
use costscope::tui::state::ViewKind;

const HEADER: &str = "BilledCost,EffectiveCost,ListCost,ContractedCost,ChargePeriodStart,SubAccountId,SubAccountName,ServiceName,ChargeCategory,RegionId,x_UsageType";

const EC2: &str = "Amazon Elastic Compute Cloud";
const S3: &str = "Amazon Simple Storage Service";

/// (billed, list, contracted, day, service, category, usage type); "NULL" where the
/// file leaves a price out.
const LINES: &[(&str, &str, &str, &str, &str, &str, &str)] = &[
    (
        "0.0902400000",
        "0.0960000000",
        "0.0902400000",
        "2026-10-03T00:00:00Z",
        EC2,
        "Usage",
        "BoxUsage:m5.large",
    ),
    (
        "0.0902400001",
        "0.0960000001",
        "0.0902400001",
        "2026-10-03T01:00:00Z",
        EC2,
        "Usage",
        "BoxUsage:m5.large",
    ),
    (
        "-2.00",
        "NULL",
        "",
        "2026-10-06T00:00:00Z",
        EC2,
        "Credit",
        "",
    ),
    (
        "3.3333333333",
        "4.4444444444",
        "3.9999999999",
        "2026-10-07T00:00:00Z",
        S3,
        "Usage",
        "TimedStorage-ByteHrs",
    ),
    (
        "1.25",
        "1.5",
        "1.4",
        "2026-10-08T00:00:00Z",
        S3,
        "Usage",
        "Requests-Tier1",
    ),
];

fn exact(amounts: &[&str]) -> Money {
    let mut sum = ExactSum::ZERO;
    for a in amounts {
        sum += ExactSum::parse(a).unwrap();
    }
    sum.to_money()
}

/// The usage lines at list price as the cache sums them: each usage combination summed
/// exactly and rounded once to the nano-dollar, then added (the exact sum of all four
/// lines is half a nano-dollar more).
fn usage_at_list() -> Money {
    exact(&["0.0960000000", "0.0960000001"]) + exact(&["4.4444444444"]) + exact(&["1.5"])
}

fn october() -> Month {
    Month::new(2026, 10).unwrap()
}

fn imported() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("focus.csv");
    let mut text = format!("{HEADER}\n");
    for (billed, list, contracted, day, service, category, usage) in LINES {
        let region = if usage.is_empty() { "" } else { "us-east-1" };
        text.push_str(&format!(
            "{billed},{billed},{list},{contracted},{day},111111111111,payments-prod,{service},\
             {category},{region},{usage}\n"
        ));
    }
    std::fs::write(&file, text).unwrap();
    let store = common::imported_cache(dir.path(), &file);
    (dir, store)
}

fn by(store: &Store, filter: &DetailFilter, d: Dimension, m: DetailMetric) -> Vec<DetailAmount> {
    store
        .detail_totals((october(), october()), filter, d, m)
        .unwrap()
        .unwrap()
}

fn named(rows: &[DetailAmount], name: &str) -> Option<Money> {
    rows.iter()
        .find(|r| r.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no {name} in {rows:?}"))
        .amount
}

#[test]
fn prices_sum_exactly_by_usage_type_and_are_unknown_where_a_line_left_them_out() {
    let (_dir, store) = imported();
    let ec2 = store.services().unwrap();
    let ec2 = ec2.iter().find(|(_, n)| n == EC2).unwrap().0;
    let in_ec2 = DetailFilter::NONE.with(Dimension::Service, ec2);
    let list = by(&store, &in_ec2, Dimension::UsageType, DetailMetric::List);
    assert_eq!(
        named(&list, "BoxUsage:m5.large"),
        Some(exact(&["0.0960000000", "0.0960000001"]))
    );
    assert_eq!(named(&list, ""), None, "the credit gave no list price");
    let contracted = by(
        &store,
        &in_ec2,
        Dimension::UsageType,
        DetailMetric::Contracted,
    );
    assert_eq!(
        named(&contracted, "BoxUsage:m5.large"),
        Some(exact(&["0.0902400000", "0.0902400001"]))
    );

    // The organization's services read the rollups: EC2 holds the credit, so its list
    // price is unknown, not the usage's $0.19 passed off as the whole.
    let services = by(
        &store,
        &DetailFilter::NONE,
        Dimension::Service,
        DetailMetric::List,
    );
    let amounts: Vec<Option<Money>> = services.iter().map(|s| s.amount).collect();
    assert!(amounts.contains(&None), "{services:?}");
    assert!(
        amounts.contains(&Some(exact(&["4.4444444444", "1.5"]))),
        "S3 at list: {services:?}"
    );
    let charges = by(
        &store,
        &DetailFilter::NONE,
        Dimension::Charge,
        DetailMetric::List,
    );
    assert_eq!(named(&charges, "Credit"), None);
    assert_eq!(named(&charges, "Usage"), Some(usage_at_list()));
    // Tags and resources keep no prices: unknown, whatever the file said.
    let tags = by(
        &store,
        &DetailFilter::NONE,
        Dimension::TagKey,
        DetailMetric::List,
    );
    assert!(tags.iter().all(|t| t.amount.is_none()), "{tags:?}");
    assert_eq!(store.integrity_check().unwrap(), ["ok"], "rollups agree");
}

#[test]
fn m_cycles_on_to_the_prices_past_the_service_and_the_daily_views_keep_their_metric() {
    let (_dir, store) = imported();
    let mut app = common::app_on(store);
    app.dispatch(Action::RunCommand("range 2026-10".into()));
    app.dispatch(Action::RunCommand("charges".into()));
    assert!(matches!(app.state.top().kind, ViewKind::Breakdown(_)));
    let labels: Vec<&str> = (0..4)
        .map(|_| {
            app.dispatch(Action::ToggleMetric);
            app.state.shown_metric().label()
        })
        .collect();
    assert_eq!(labels, ["Amortized", "List", "Contracted", "Unblended"]);
    app.dispatch(Action::ToggleMetric);
    app.dispatch(Action::ToggleMetric);
    let ViewData::Table(table) = &app.state.data else {
        panic!("{:?}", app.state.data)
    };
    assert_eq!(table.total, None, "the credit's list price is unknown");
    let rows = selectors::rows(&app.state).to_vec();
    let usage = rows.iter().find(|r| r.name == "Usage").unwrap();
    assert_eq!(usage.amount, Some(usage_at_list()));
    let screen = common::screen_text_lines(&app, 140, 24);
    let header = screen.lines().find(|l| l.contains("Name")).unwrap();
    assert!(
        header.contains("List") && !header.contains("Cost"),
        "the column says which price: {header}"
    );
    assert!(
        screen.contains("list price unknown for 1 of 2 rows"),
        "{screen}"
    );

    // S3 alone is known at list: its effective cost is that far below list.
    app.dispatch(Action::RunCommand("service s3".into()));
    app.dispatch(Action::RunCommand("metric list".into()));
    app.dispatch(Action::Enter);
    let screen = common::screen_text_lines(&app, 160, 24);
    assert!(
        screen.contains("effective (amortized) $4.58: 22.9% below list"),
        "(5.94 - 4.58) / 5.94: {screen}"
    );

    // The daily views cannot show a price: they show the metric the cycle passed last.
    app.dispatch(Action::Services);
    assert_eq!(
        app.state.shown_metric(),
        DetailMetric::Cost(costscope::domain::Metric::Amortized)
    );
    let screen = common::screen_text_lines(&app, 140, 24);
    assert!(screen.contains("· Amortized ·"), "{screen}");
    app.dispatch(Action::RunCommand("metric contracted".into()));
    let message = app.state.message.clone().unwrap().1;
    assert!(message.contains("kept past the service"), "{message}");
}

#[test]
fn costs_reports_list_prices_exactly_with_unknown_rows_as_null_never_zero() {
    let (_dir, store) = imported();
    let report =
        report::month_report(&store, october(), GroupBy::Service, DetailMetric::List).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&report::render(&report, Format::Json).unwrap()).unwrap();
    assert_eq!(json["metric"], "list");
    assert_eq!(json["total"], serde_json::Value::Null, "a row is unknown");
    let amount = |service: &str| {
        json["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["service"] == service)
            .unwrap()["amount"]
            .clone()
    };
    assert_eq!(amount(S3), "5.944444444");
    assert_eq!(amount(EC2), serde_json::Value::Null);
    let csv = report::render(&report, Format::Csv).unwrap();
    assert!(csv.contains(&format!("{EC2},\n")), "empty, not 0: {csv}");
    let table = report::render(&report, Format::Table).unwrap();
    assert!(table.contains("unknown"), "{table}");
    let contracted = report::month_report(
        &store,
        october(),
        GroupBy::Account,
        DetailMetric::Contracted,
    )
    .unwrap();
    assert_eq!(contracted.total, None);

    // A month from Cost Explorer has no prices: an error that says so, never $0.
    let mut store = store;
    let september = Month::new(2026, 9).unwrap();
    let account = store.ensure_account("111111111111").unwrap();
    let service = store.ensure_service(EC2).unwrap();
    let status = MonthStatus {
        month: september,
        fetched_at: common::stamp("2026-11-20T06:00:00Z"),
        is_final: true,
        source: "cost-explorer".into(),
        fees: None,
    };
    let record = CostRecord {
        account,
        service,
        day: september.first_day(),
        unblended: 5_000_000_000,
        amortized: 5_000_000_000,
    };
    store.replace_month(status, vec![record]).unwrap();
    let err =
        report::month_report(&store, september, GroupBy::Service, DetailMetric::List).unwrap_err();
    assert!(matches!(err, ReportError::NoPrices { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("from cost-explorer, which does not give them"),
        "{err}"
    );
}
