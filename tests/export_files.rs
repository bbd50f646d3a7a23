//! A billing period split over many data files (AWS writes one every few hundred
//! thousand lines): the export sync reads them while the next ones download, and the
//! result is the same as reading them one after another, in the manifest's order: the
//! totals to the cent, each resource's region from its first line. A bad file among
//! them leaves the month as it was.

mod common;

use common::fakes::{two_accounts, MemoryBucket, MEMBER};
use costscope::domain::dimension::{DetailFilter, Dimension};
use costscope::domain::exact::ExactSum;
use costscope::domain::export::ExportLocation;
use costscope::domain::{DetailMetric, Metric, Money, Month};
use costscope::store::Store;
use costscope::sync::{self, SyncEvent, SyncOptions};
use std::collections::BTreeMap;
use std::io::Write;

const FILES: usize = 6;
const HEADER: &str = "line_item_usage_start_date,line_item_usage_account_id,line_item_product_code,line_item_line_item_type,line_item_unblended_cost,line_item_resource_id,product_region_code,line_item_usage_type";

fn october() -> Month {
    Month::parse("2026-10").unwrap()
}

/// File `n`'s lines: (amount, resource, region). Every file bills the shared volume,
/// each in another region: the first file's region is the one that counts.
fn lines(n: usize) -> Vec<(String, String, &'static str)> {
    let regions = ["eu-west-1", "us-east-1", "ap-south-1"];
    (0..200)
        .map(|i| {
            let amount = format!("0.{:010}", (n * 7919 + i * 104_729) % 10_000_000_000);
            let resource = if i == 0 {
                "vol-shared".to_string()
            } else {
                format!("i-{n}-{i}")
            };
            (amount, resource, regions[(n + i) % regions.len()])
        })
        .collect()
}

fn gzip(n: usize) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    writeln!(gz, "{HEADER}").unwrap();
    for (i, (amount, resource, region)) in lines(n).into_iter().enumerate() {
        writeln!(
            gz,
            "2026-10-{:02}T{:02}:00:00Z,{MEMBER},AmazonEC2,Usage,{amount},{resource},{region},BoxUsage",
            1 + (i % 28),
            i % 24
        )
        .unwrap();
    }
    gz.finish().unwrap()
}

const DATA: &str = "exports/org/data/BILLING_PERIOD=2026-10";

/// October in `FILES` data files; `broken` replaces one with bytes that are not gzip.
fn bucket(broken: Option<usize>) -> MemoryBucket {
    let keys: Vec<String> = (0..FILES)
        .map(|n| format!("{DATA}/org-{:05}.csv.gz", n + 1))
        .collect();
    let manifest = serde_json::json!({
        "dataFiles": keys.iter().map(|k| format!("s3://billing/{k}")).collect::<Vec<_>>()
    });
    let mut objects = BTreeMap::from([(
        "exports/org/metadata/BILLING_PERIOD=2026-10/org-Manifest.json".to_string(),
        manifest.to_string().into_bytes(),
    )]);
    for (n, key) in keys.into_iter().enumerate() {
        let body = if broken == Some(n) {
            b"not gzip at all".to_vec()
        } else {
            gzip(n)
        };
        objects.insert(key, body);
    }
    MemoryBucket(objects)
}

fn sync_export(store: &mut Store, bucket: &MemoryBucket) -> sync::export::ExportReport {
    let options = SyncOptions::new(
        chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        common::stamp("2026-11-20T07:00:00Z"),
    );
    let location = ExportLocation::parse("s3://billing/exports/org").unwrap();
    common::runtime().block_on(async {
        let identified = sync::identify(&two_accounts(), options.now).await.unwrap();
        let mut ignore = |_: &SyncEvent| {};
        sync::export::run(
            store,
            &two_accounts(),
            bucket,
            &location,
            &identified,
            &options,
            &mut ignore,
        )
        .await
        .unwrap()
    })
}

/// Each day summed exactly, rounded once, then added: what the cache holds.
fn expected_total() -> Money {
    let mut days: BTreeMap<usize, ExactSum> = BTreeMap::new();
    for n in 0..FILES {
        for (i, (amount, _, _)) in lines(n).into_iter().enumerate() {
            *days.entry(i % 28).or_default() += ExactSum::parse(&amount).unwrap();
        }
    }
    days.values().map(|d| d.to_money()).sum()
}

#[test]
fn a_period_of_many_files_reads_as_one_in_the_manifests_order() {
    for run in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
        let report = sync_export(&mut store, &bucket(None));
        assert_eq!(report.written, [october()], "{:?}", report.failures);
        assert_eq!(
            report.downloads,
            1 + FILES as u32,
            "the manifest and each file"
        );
        assert_eq!(
            store.raw_month_total(october(), Metric::Unblended).unwrap(),
            expected_total()
        );
        let regions = store
            .detail_totals(
                (october(), october()),
                &DetailFilter::NONE,
                Dimension::Region,
                DetailMetric::Cost(Metric::Unblended),
            )
            .unwrap()
            .unwrap();
        assert_eq!(regions.len(), 3, "run {run}: {regions:?}");
        let conn = rusqlite::Connection::open(dir.path().join("cache.sqlite")).unwrap();
        let region: String = conn
            .query_row(
                "SELECT DISTINCT d.name FROM cost_resource_monthly r
                 JOIN dims d ON d.key = r.region
                 JOIN dims v ON v.key = r.resource
                 WHERE v.name = 'vol-shared'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(region, "eu-west-1", "run {run}: the first file's region");
        // Synced on 2026-11-20, the days from October 21 on are kept per resource too
        // (each line here is its resource's only line that day).
        let kept: i64 = conn
            .query_row("SELECT SUM(unblended) FROM cost_resource_daily", [], |r| {
                r.get(0)
            })
            .unwrap();
        let recent: Money = (0..FILES)
            .flat_map(|n| lines(n).into_iter().enumerate())
            .filter(|(i, _)| 1 + i % 28 >= 21)
            .map(|(_, (amount, _, _))| ExactSum::parse(&amount).unwrap().to_money())
            .sum();
        assert_eq!(Money::from_nanos(kept), recent, "run {run}");
        assert_eq!(
            store.resource_days_span().unwrap(),
            Some(("2026-10-21".parse().unwrap(), "2026-10-28".parse().unwrap()))
        );
    }
}

#[test]
fn a_bad_file_among_many_leaves_the_month_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
    let good = sync_export(&mut store, &bucket(None));
    assert_eq!(good.written, [october()]);
    let before = store.raw_month_total(october(), Metric::Unblended).unwrap();

    // The fifth file restated as garbage (a new ETag): the period is read again and
    // refused whole, the file named.
    let report = sync_export(&mut store, &bucket(Some(4)));
    assert!(report.written.is_empty());
    assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
    assert!(
        report.failures[0].contains("org-00005.csv.gz"),
        "{:?}",
        report.failures
    );
    assert_eq!(
        store.raw_month_total(october(), Metric::Unblended).unwrap(),
        before
    );
}
