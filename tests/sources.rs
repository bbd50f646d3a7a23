//! The sync and the scan run against the domain's ports, so any source can stand
//! behind them: here, fakes in memory, into a real SQLite cache.

mod common;

use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use costscope::config::prices::built_in_prices;
use costscope::config::ScanSettings;
use costscope::domain::findings::Rule;
use costscope::domain::inventory::{Bucket, RegionInventory, Unread, Volume};
use costscope::domain::sources::{
    CostRow, CostSource, Fetched, InventorySource, MeterLabel, Metered, PeriodCosts, Regions,
    SourceError, Tally,
};
use costscope::domain::{DateRange, Metric, Money, Month};
use costscope::store::{FindingFilter, Store, UnitStatus};
use costscope::sync::scan::{run_scan, ScanOptions};
use costscope::sync::{self, SyncEvent, SyncOptions};
use std::sync::{Arc, Mutex};

use common::fakes::{FakeDirectory, MANAGEMENT, MEMBER};
const DENIED: &str = "333333333333";

/// The management account, a member, and one whose role is denied.
fn directory() -> FakeDirectory {
    FakeDirectory {
        accounts: [MANAGEMENT, MEMBER, DENIED]
            .into_iter()
            .map(|id| (id, format!("acct-{id}")))
            .collect(),
        requests: 2,
    }
}

/// A cost source that bills one cent a day per account, and the management account a
/// support fee of 30 cents on each 1st; it remembers what was asked.
#[derive(Default)]
struct FakeCosts {
    asked: Mutex<Vec<DateRange>>,
    /// Pages each month takes (1 when 0).
    pages: u32,
}

impl CostSource for FakeCosts {
    fn name(&self) -> &'static str {
        "fake-export"
    }

    fn label(&self) -> MeterLabel {
        MeterLabel {
            service: "fake",
            operation: "ReadMonth",
            region: None,
        }
    }

    fn price(&self, requests: u32) -> Money {
        Money::from_dollars(i64::from(requests))
    }

    async fn daily_costs(&self, days: DateRange) -> Fetched<PeriodCosts> {
        self.asked.lock().unwrap().push(days);
        let rows = days
            .iter_days()
            .flat_map(|day| {
                [MANAGEMENT, MEMBER].map(|account| CostRow {
                    account_id: account.into(),
                    service: "Amazon Simple Storage Service".into(),
                    day,
                    unblended: "0.01".parse().unwrap(),
                    amortized: "0.01".parse().unwrap(),
                })
            })
            .chain(support_fee(days))
            .collect();
        fetched(rows, self.pages.max(1))
    }

    async fn once_a_month_fees(&self, days: DateRange) -> Fetched<PeriodCosts> {
        fetched(support_fee(days).collect(), 1)
    }
}

fn support_fee(days: DateRange) -> impl Iterator<Item = CostRow> {
    days.iter_days()
        .filter(|d| d.day() == 1)
        .map(|day| CostRow {
            account_id: MANAGEMENT.into(),
            service: "AWS Support (Business)".into(),
            day,
            unblended: "0.30".parse().unwrap(),
            amortized: "0.30".parse().unwrap(),
        })
}

fn fetched(rows: Vec<CostRow>, requests: u32) -> Fetched<PeriodCosts> {
    Fetched {
        result: Ok(PeriodCosts {
            rows,
            estimated: false,
            pages: requests,
        }),
        requests,
        throttles: 0,
    }
}

/// The real sync from the fake directory and `costs`, progress dropped.
async fn sync_fake(
    store: &mut Store,
    costs: &FakeCosts,
    identified: &sync::Identified,
    options: &SyncOptions,
) -> Result<sync::SyncReport, sync::SyncError> {
    sync::run(
        store,
        &directory(),
        costs,
        identified,
        options,
        &mut |_: &SyncEvent| {},
    )
    .await
}

#[test]
fn a_sync_writes_what_any_cost_source_returns_and_meters_it_under_the_sources_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
    let costs = FakeCosts::default();
    let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let mut options = SyncOptions::new(today, common::stamp("2026-11-20T07:00:00Z"));
    common::runtime().block_on(async {
        let identified = sync::identify(&directory(), options.now).await.unwrap();
        assert_eq!(identified.scope.key(), "org-o-fake");

        // The cap is checked against the source's own price: 14 months of two chains
        // (the costs, the fees apart) at $1 a request.
        options.max_cost = Some(Money::from_dollars(5));
        let err = sync_fake(&mut store, &costs, &identified, &options)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("($28.00)"), "{err}");
        assert!(
            costs.asked.lock().unwrap().is_empty(),
            "nothing fetched over the cap"
        );

        options.max_cost = None;
        let report = sync_fake(&mut store, &costs, &identified, &options)
            .await
            .unwrap();
        assert_eq!(report.months_written.len(), 14);
        assert_eq!(report.ce_requests, 28);
    });
    // November is read to the day of the sync; each day is two cents, and the 1st
    // carries the support fee, which the cache also keeps apart.
    let asked = costs.asked.lock().unwrap().clone();
    let november = Month::new(2026, 11).unwrap();
    assert!(asked.contains(&DateRange::new(november.first_day(), today)));
    assert_eq!(
        store.raw_month_total(november, Metric::Unblended).unwrap(),
        "0.70".parse::<Money>().unwrap()
    );
    let fees = store
        .fees(None, november.range(), Metric::Unblended)
        .unwrap();
    assert_eq!(fees.len(), 1);
    assert_eq!(fees[0].1.day, november.first_day());
    assert_eq!(fees[0].1.amount, "0.30".parse::<Money>().unwrap());
    assert!(store.summary().unwrap().months.iter().all(|m| m.fees_known));
    assert_eq!(store.api_requests_since("fake", "2026").unwrap(), 28);
    let (org, _) = store.organization().unwrap();
    assert_eq!(org.accounts.len(), 3);
}

#[test]
fn a_sync_the_cap_stops_has_loaded_the_newest_months_and_names_every_one_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
    // Three pages a month and one for its fees at $1 a page, under a $28 cap (what the
    // first guess takes at least): 7 months fit.
    let costs = FakeCosts {
        pages: 3,
        ..FakeCosts::default()
    };
    let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let mut options = SyncOptions::new(today, common::stamp("2026-11-20T07:00:00Z"));
    options.max_cost = Some(Money::from_dollars(28));
    let mut stopped = Vec::new();
    let report = common::runtime().block_on(async {
        let identified = sync::identify(&directory(), options.now).await.unwrap();
        sync::run(
            &mut store,
            &directory(),
            &costs,
            &identified,
            &options,
            &mut |e: &SyncEvent| {
                if let SyncEvent::Stopped(text) = e {
                    stopped.push(text.clone())
                }
            },
        )
        .await
        .unwrap()
    });
    let month = |m| Month::new(2026, m).unwrap();
    assert_eq!(
        report.months_written,
        (5..=11).rev().map(month).collect::<Vec<_>>(),
        "newest first"
    );
    assert_eq!(report.ce_requests, 28);
    assert_eq!(report.failures.len(), 7, "{:?}", report.failures);
    let text = stopped.join("\n");
    for left_out in ["2025-10", "2025-12", "2026-04"] {
        assert!(text.contains(left_out), "{left_out} not named: {text}");
    }
    // The next sync is estimated from the four pages a month this one took.
    assert_eq!(
        store.meta("last_sync_pages_per_month").unwrap().as_deref(),
        Some("28,7,4")
    );
}

/// An inventory in memory: every account has us-east-1 with one old unattached volume;
/// one account cannot be entered.
struct FakeInventory;

impl InventorySource for FakeInventory {
    type Entered = String;

    fn home_region(&self) -> &str {
        "us-east-1"
    }

    async fn enter(&self, account: &str) -> Metered<(String, Regions)> {
        let mut tally = Tally::default();
        tally.add("fake", "Enter", 1, 0);
        let result = if account == DENIED {
            Err(SourceError::AccessDenied {
                operation: "Enter",
                message: "no role here".into(),
            })
        } else {
            Ok((
                account.to_string(),
                Regions {
                    enabled: vec!["us-east-1".into()],
                    not_opted_in: vec!["ap-east-1".into()],
                },
            ))
        };
        Metered { result, tally }
    }

    async fn region(&self, account: &String, region: &str) -> Metered<RegionInventory> {
        let mut tally = Tally::default();
        tally.add("fake", "ListVolumes", 1, 0);
        let volume = Volume {
            id: format!("vol-{account}-{region}"),
            name: None,
            volume_type: "gp3".into(),
            size_gib: 100,
            iops: None,
            throughput_mibps: None,
            state: "available".into(),
            attached_to: None,
            created: Some(Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap()),
        };
        Metered {
            result: Ok(RegionInventory {
                instances: Vec::new(),
                volumes: vec![volume],
                snapshots: Vec::new(),
                images_complete: true,
                addresses: Vec::new(),
                databases: Vec::new(),
                unread: Vec::new(),
            }),
            tally,
        }
    }

    async fn buckets(&self, _account: &String) -> Metered<(Vec<Bucket>, Vec<Unread>)> {
        Metered {
            result: Ok((Vec::new(), Vec::new())),
            tally: Tally::default(),
        }
    }
}

#[test]
fn a_scan_judges_what_any_inventory_source_returns_and_a_denied_account_does_not_stop_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
    let mut settings = ScanSettings {
        resume_within_minutes: 0,
        ..ScanSettings::default()
    };
    settings.thresholds.unattached_volume_days = 0;
    let options = ScanOptions {
        settings,
        prices: built_in_prices(),
        now: Utc.with_ymd_and_hms(2026, 11, 20, 7, 0, 0).unwrap(),
    };
    let report = common::runtime().block_on(async {
        let identified = sync::identify(&directory(), common::stamp("2026-11-20T07:00:00Z"))
            .await
            .unwrap();
        run_scan(
            &mut store,
            &directory(),
            Arc::new(FakeInventory),
            &identified,
            &options,
            &mut |_: &SyncEvent| {},
        )
        .await
        .unwrap()
    });
    assert_eq!(report.accounts, 3);
    assert_eq!(
        report.units_scanned, 4,
        "two accounts: one region and the buckets each"
    );
    assert_eq!(report.not_scanned.len(), 1);
    assert_eq!(report.not_scanned[0].0, DENIED);
    assert_eq!(
        report.meter.requests("fake"),
        5,
        "three entries, two regions"
    );
    let findings = store.findings(&FindingFilter::default()).unwrap();
    assert_eq!(findings.len(), 2);
    assert!(findings
        .iter()
        .all(|f| f.finding.rule == Rule::UnattachedVolume && f.finding.saving.amount().is_some()));
    let units = store.scan_units().unwrap();
    assert!(units
        .iter()
        .any(|u| u.account == DENIED && u.status == UnitStatus::NotScanned));
    assert!(units
        .iter()
        .any(|u| u.unit == "ap-east-1" && u.status == UnitStatus::Skipped));
}
