//! A billing period split over many data files (AWS writes one every few hundred
//! thousand lines), in gzip CSV and in Parquet of several row groups: the export sync
//! reads them while the next ones download, and the result is the same as reading them
//! one after another, in the manifest's order: the totals to the cent, each resource's
//! region from its first line. A bad file among them leaves the month as it was.

mod common;

use common::fakes::{two_accounts, MemoryBucket, MEMBER};
use common::parquet::{TableWriter, CUR_COLUMNS};
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

/// The day and hour of a file's `i`th line.
fn usage_start(i: usize) -> String {
    format!("2026-10-{:02}T{:02}:00:00Z", 1 + (i % 28), i % 24)
}

fn gzip(n: usize) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    writeln!(gz, "{HEADER}").unwrap();
    for (i, (amount, resource, region)) in lines(n).into_iter().enumerate() {
        writeln!(
            gz,
            "{},{MEMBER},AmazonEC2,Usage,{amount},{resource},{region},BoxUsage",
            usage_start(i)
        )
        .unwrap();
    }
    gz.finish().unwrap()
}

/// File `n` as CUR 2.0 Parquet in row groups of 64 lines: the groups are read on both
/// cores and merged in the file's order.
fn parquet(n: usize) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("part.parquet");
    let rows: Vec<Vec<String>> = lines(n)
        .into_iter()
        .enumerate()
        .map(|(i, (amount, resource, region))| {
            let field = |column: &str| match column {
                "identity_line_item_id" => format!("{n}-{i}"),
                "bill_payer_account_id" => MEMBER.to_string(),
                "line_item_usage_start_date" => usage_start(i),
                "line_item_usage_account_id" => MEMBER.to_string(),
                "line_item_product_code" => "AmazonEC2".to_string(),
                "line_item_line_item_type" => "Usage".to_string(),
                "line_item_usage_type" => "BoxUsage".to_string(),
                "line_item_resource_id" => resource.clone(),
                "line_item_unblended_cost" => amount.clone(),
                "line_item_currency_code" => "USD".to_string(),
                "product_region_code" => region.to_string(),
                _ => String::new(),
            };
            CUR_COLUMNS
                .iter()
                .map(|(column, _)| field(column))
                .collect()
        })
        .collect();
    let mut table = TableWriter::create(&path, CUR_COLUMNS);
    for group in rows.chunks(64) {
        table.write_group(group);
    }
    table.close();
    std::fs::read(path).unwrap()
}

#[derive(Debug, Clone, Copy)]
enum Format {
    GzipCsv,
    Parquet,
}

impl Format {
    fn file(self, n: usize) -> (String, Vec<u8>) {
        match self {
            Format::GzipCsv => (format!("org-{:05}.csv.gz", n + 1), gzip(n)),
            Format::Parquet => (format!("org-{:05}.snappy.parquet", n + 1), parquet(n)),
        }
    }
}

const DATA: &str = "exports/org/data/BILLING_PERIOD=2026-10";

/// October in `FILES` data files; `broken` replaces one with bytes of neither format.
fn bucket(format: Format, broken: Option<usize>) -> MemoryBucket {
    let files: Vec<(String, Vec<u8>)> = (0..FILES).map(|n| format.file(n)).collect();
    let manifest = serde_json::json!({
        "dataFiles": files
            .iter()
            .map(|(name, _)| format!("s3://billing/{DATA}/{name}"))
            .collect::<Vec<_>>()
    });
    let mut objects = BTreeMap::from([(
        "exports/org/metadata/BILLING_PERIOD=2026-10/org-Manifest.json".to_string(),
        manifest.to_string().into_bytes(),
    )]);
    for (n, (name, body)) in files.into_iter().enumerate() {
        let body = if broken == Some(n) {
            b"neither gzip nor Parquet".to_vec()
        } else {
            body
        };
        objects.insert(format!("{DATA}/{name}"), body);
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
    for (format, run) in [Format::GzipCsv, Format::Parquet]
        .into_iter()
        .flat_map(|format| (0..3).map(move |run| (format, run)))
    {
        let run = format!("{format:?} run {run}");
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
        let report = sync_export(&mut store, &bucket(format, None));
        assert_eq!(report.written, [october()], "{run}: {:?}", report.failures);
        assert_eq!(
            report.downloads,
            1 + FILES as u32,
            "{run}: the manifest and each file"
        );
        assert_eq!(
            store.raw_month_total(october(), Metric::Unblended).unwrap(),
            expected_total(),
            "{run}"
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
        assert_eq!(regions.len(), 3, "{run}: {regions:?}");
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
        assert_eq!(region, "eu-west-1", "{run}: the first file's region");
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
        assert_eq!(Money::from_nanos(kept), recent, "{run}");
        assert_eq!(
            store.resource_days_span().unwrap(),
            Some(("2026-10-21".parse().unwrap(), "2026-10-28".parse().unwrap())),
            "{run}"
        );
    }
}

#[test]
fn a_bad_file_among_many_leaves_the_month_as_it_was() {
    for format in [Format::GzipCsv, Format::Parquet] {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
        let good = sync_export(&mut store, &bucket(format, None));
        assert_eq!(good.written, [october()], "{format:?}");
        let before = store.raw_month_total(october(), Metric::Unblended).unwrap();

        // The fifth file restated as garbage (a new ETag): the period is read again and
        // refused whole, the file named.
        let report = sync_export(&mut store, &bucket(format, Some(4)));
        assert!(report.written.is_empty(), "{format:?}");
        assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
        let (name, _) = format.file(4);
        assert!(
            report.failures[0].contains(&name),
            "{format:?}: {:?}",
            report.failures
        );
        assert_eq!(
            store.raw_month_total(october(), Metric::Unblended).unwrap(),
            before,
            "{format:?}"
        );
    }
}
