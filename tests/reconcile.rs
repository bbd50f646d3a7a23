//! `costscope reconcile`: a month Cost Explorer and an export both deliver, with a
//! planted Savings Plans difference and a credit only the export holds, through the
//! real syncs (fakes behind the ports) into a real cache, then the CLI's report.

mod common;

use costscope::domain::export::ExportLocation;
use costscope::domain::reconcile::reconcile;
use costscope::domain::sources::{CostRow, CostSource, Fetched, MeterLabel, PeriodCosts};
use costscope::domain::{DateRange, Metric, Money, Month};
use costscope::store::Store;
use costscope::sync::{self, SyncEvent, SyncOptions};
use costscope::tui::action::Action;
use costscope::tui::model::ViewData;
use std::collections::BTreeMap;
use std::io::Write;

use common::fakes::{two_accounts, MemoryBucket, MANAGEMENT, MEMBER};

fn october() -> Month {
    Month::parse("2026-10").unwrap()
}

fn money(text: &str) -> Money {
    text.parse().unwrap()
}

/// Cost Explorer's October: the same bill as the export, but the Savings Plans fee
/// amortized to $25.00 (the export's line-by-line figure is $27.00), and without the
/// management account's $0.50 credit.
struct CostExplorerOctober;

fn row(account: &str, service: &str, day: u32, billed: &str, amortized: &str) -> CostRow {
    CostRow {
        account_id: account.into(),
        service: service.into(),
        day: october().first_day() + chrono::Days::new(u64::from(day - 1)),
        unblended: money(billed),
        amortized: money(amortized),
    }
}

fn fee() -> CostRow {
    row(
        MEMBER,
        "Savings Plans for AWS Compute usage",
        1,
        "30.00",
        "25.00",
    )
}

impl CostSource for CostExplorerOctober {
    fn name(&self) -> &'static str {
        "cost-explorer"
    }

    fn label(&self) -> MeterLabel {
        MeterLabel {
            service: "ce",
            operation: "GetCostAndUsage",
            region: None,
        }
    }

    fn price(&self, requests: u32) -> Money {
        Money::from_nanos(i64::from(requests) * 10_000_000)
    }

    async fn daily_costs(&self, days: DateRange) -> Fetched<PeriodCosts> {
        let rows = if Month::of(days.start) == october() {
            vec![
                row(
                    MEMBER,
                    "Amazon Elastic Compute Cloud - Compute",
                    2,
                    "10.00",
                    "10.00",
                ),
                row(
                    MEMBER,
                    "Amazon Elastic Compute Cloud - Compute",
                    3,
                    "0",
                    "3.00",
                ),
                fee(),
                row(MEMBER, "Amazon Simple Storage Service", 4, "-1.25", "-1.25"),
                row(
                    MANAGEMENT,
                    "Amazon Simple Storage Service",
                    2,
                    "2.50",
                    "2.50",
                ),
            ]
        } else {
            Vec::new()
        };
        ok(rows)
    }

    async fn once_a_month_fees(&self, days: DateRange) -> Fetched<PeriodCosts> {
        ok(if Month::of(days.start) == october() {
            vec![fee()]
        } else {
            Vec::new()
        })
    }
}

fn ok(rows: Vec<CostRow>) -> Fetched<PeriodCosts> {
    Fetched {
        result: Ok(PeriodCosts {
            rows,
            estimated: false,
            pages: 1,
        }),
        requests: 1,
        throttles: 0,
    }
}

/// October's CUR 2.0 export in gzip CSV: usage, Savings Plans covered usage with its
/// negation and the recurring fee, a credit in each account.
fn export_bucket() -> MemoryBucket {
    let header = "line_item_usage_start_date,line_item_usage_account_id,line_item_product_code,line_item_line_item_type,line_item_unblended_cost,savings_plan_savings_plan_effective_cost,savings_plan_total_commitment_to_date,savings_plan_used_commitment,product";
    let lines = [
        format!("2026-10-02T05:00:00Z,{MEMBER},AmazonEC2,Usage,10.00,,,,"),
        format!("2026-10-03T05:00:00Z,{MEMBER},AmazonEC2,SavingsPlanCoveredUsage,5.00,3.00,,,"),
        format!("2026-10-03T05:00:00Z,{MEMBER},AmazonEC2,SavingsPlanNegation,-5.00,,,,"),
        format!("2026-10-01T00:00:00Z,{MEMBER},ComputeSavingsPlans,SavingsPlanRecurringFee,30.00,,30.00,3.00,"),
        format!("2026-10-04T00:00:00Z,{MEMBER},AmazonS3,Credit,-1.25,,,,"),
        format!("2026-10-02T00:00:00Z,{MANAGEMENT},AmazonS3,Usage,2.50,,,,\"{{\"\"product_name\"\":\"\"Amazon Simple Storage Service\"\"}}\""),
        format!("2026-10-05T00:00:00Z,{MANAGEMENT},AmazonS3,Credit,-0.50,,,,"),
    ];
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    writeln!(gz, "{header}").unwrap();
    for l in &lines {
        writeln!(gz, "{l}").unwrap();
    }
    let data = "exports/org/data/BILLING_PERIOD=2026-10/org-00001.csv.gz";
    let manifest = serde_json::json!({"dataFiles": [format!("s3://billing/{data}")]});
    MemoryBucket(BTreeMap::from([
        (data.to_string(), gz.finish().unwrap()),
        (
            "exports/org/metadata/BILLING_PERIOD=2026-10/org-Manifest.json".to_string(),
            manifest.to_string().into_bytes(),
        ),
    ]))
}

#[test]
fn cost_explorer_against_the_export_names_the_savings_plans_difference_and_the_credit() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache.sqlite");
    let mut store = Store::open(&cache).unwrap();
    let mut options = SyncOptions::new(
        chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        common::stamp("2026-11-20T07:00:00Z"),
    );
    let mut events = Vec::new();
    common::runtime().block_on(async {
        let identified = sync::identify(&two_accounts(), options.now).await.unwrap();
        let mut note = |e: &SyncEvent| events.push(e.to_string());
        sync::run(
            &mut store,
            &two_accounts(),
            &CostExplorerOctober,
            &identified,
            &options,
            &mut note,
        )
        .await
        .unwrap();
        assert_eq!(
            store.raw_month_total(october(), Metric::Unblended).unwrap(),
            money("41.25")
        );
        let location = ExportLocation::parse("s3://billing/exports/org").unwrap();
        let report = sync::export::run(
            &mut store,
            &two_accounts(),
            &export_bucket(),
            &location,
            &identified,
            &options,
            &mut note,
        )
        .await
        .unwrap();
        assert_eq!(report.written, [october()]);
        assert_eq!(
            store.raw_month_total(october(), Metric::Unblended).unwrap(),
            money("40.75"),
            "the views read the export"
        );

        // Cost Explorer again, every month: October stays the export's, and Cost
        // Explorer's totals are kept beside it.
        options.full = true;
        let again = sync::run(
            &mut store,
            &two_accounts(),
            &CostExplorerOctober,
            &identified,
            &options,
            &mut note,
        )
        .await
        .unwrap();
        assert!(
            again.months_kept.contains(&october()),
            "{:?}",
            again.months_kept
        );
        assert_eq!(
            store.month_source(october()).unwrap().as_deref(),
            Some("data-export")
        );
        assert_eq!(
            store.raw_month_total(october(), Metric::Unblended).unwrap(),
            money("40.75")
        );
    });
    assert!(
        events.iter().any(|e| e.contains("kept from data-export")),
        "{events:?}"
    );

    let months = reconcile(&store.source_totals(None).unwrap());
    assert_eq!(months.len(), 1, "only October is held by both");
    let m = &months[0];
    let account = |id: &str| m.accounts.iter().find(|a| a.account_id == id).unwrap();
    let member = account(MEMBER);
    assert_eq!(member.account_name, "workloads");
    assert_eq!(member.unblended.explanation, "agrees");
    assert_eq!(member.unblended.cost_explorer, Some(money("38.75")));
    assert_eq!(
        member.amortized.variance,
        money("2.00"),
        "the planted difference"
    );
    assert!(
        member
            .amortized
            .explanation
            .starts_with("Savings Plans / reservation amortization"),
        "{}",
        member.amortized.explanation
    );
    let payer = account(MANAGEMENT);
    assert_eq!(payer.unblended.variance, money("-0.50"));
    assert_eq!(
        payer.unblended.explanation,
        format!(
            "the export's Credit ({}) is not in Cost Explorer's figure",
            money("-0.50").format_exact()
        )
    );
    assert_eq!(m.unblended.variance, money("-0.50"));
    assert_eq!(
        m.unblended.explanation,
        "the 1 account above, each explained"
    );

    // The TUI's :reconcile shows the same months, in the metric on screen.
    let mut app = common::app_on(store);
    app.dispatch(Action::RunCommand("reconcile".into()));
    let ViewData::Reconcile(shown) = &app.state.data else {
        panic!("{:?}", app.state.data)
    };
    assert_eq!(shown, &months);
    app.dispatch(Action::ToggleMetric);
    let screen = common::screen_text_lines(&app, 160, 24);
    assert!(
        screen.contains("Reconcile · Cost Explorer against the export · Amortized"),
        "{screen}"
    );
    let line = screen.lines().find(|l| l.contains("workloads")).unwrap();
    assert!(
        line.contains("+$2.00") && line.contains("Savings Plans / reservation"),
        "{line}"
    );
    app.dispatch(Action::Down);
    assert_eq!(app.state.top().selected, 1);
    drop(app);

    // The CLI: CSV rows carry exact amounts that add up to the month's variance.
    let run = |format: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_costscope"))
            .env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env_remove("COSTSCOPE_CACHE")
            .args(["reconcile", "--cache"])
            .arg(&cache)
            .args(["--format", format])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let csv = run("csv");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let mut billed = Money::ZERO;
    for record in reader.records() {
        let record = record.unwrap();
        if &record[4] == "unblended" {
            billed += money(&record[7]);
        }
    }
    assert_eq!(billed, money("-0.50"), "{csv}");
    let table = run("table");
    assert!(
        table.contains("Oct 2026: Cost Explorer against data-export"),
        "{table}"
    );
    assert!(
        table.contains("Savings Plans / reservation amortization"),
        "{table}"
    );
}
