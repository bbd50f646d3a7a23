//! The scale of a whole organization's Data Export: a generated CUR 2.0 or FOCUS export
//! of `accounts` × `services` × `months` billing periods of hourly line items with
//! resource ids and tags (500 × 48 × 13 by default: ~38M line items), written as
//! Parquet and as gzip CSV into a bucket that is a local directory, then synced into a
//! fresh cache by `sync::export::run` (the code `costscope sync --source export` runs),
//! then synced again. Reports line items per second, the sync's peak resident memory,
//! the cache's size (by table), and what the second sync downloaded (nothing: the
//! export did not change).
//!
//! Run: `cargo bench --bench export_org` (add `-- --accounts 50 --months 3` for a quick
//! run; `--table focus`, `--formats parquet`, `--lines-per-day N` line items per account,
//! service and day, `--keep DIR` to keep the buckets and caches).
//!
//! A real export bills most resources hourly; here each account and service has
//! `--resources` resources (3) sharing `--lines-per-day` hourly line items (4) a day, so
//! the line items per resource are fewer than a real export's and the per-resource sums
//! are the harder case. One tax line per account and month.

mod common;
#[path = "common/export_dir.rs"]
mod export_dir;
#[path = "../tests/common/parquet.rs"]
#[allow(dead_code)]
mod parquet_fixture;

use chrono::{Datelike, NaiveDate};
use common::arg;
use costscope::domain::Stamp;
use costscope::store::Store;
use costscope::sync::{self, SyncEvent, SyncOptions};
use export_dir::{peak_rss_mib, DirBucket, OneAccount, PAYER};
use parquet_fixture::{Kind, TableWriter, CUR_COLUMNS, ROWS_PER_GROUP};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Instant;

/// Rows per data file: AWS splits a large billing period into several files.
const ROWS_PER_FILE: usize = 8 * ROWS_PER_GROUP;

const REGIONS: [&str; 4] = ["us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2"];

/// One generated line item, as both tables need it.
struct Line {
    id: u64,
    account: usize,
    service: usize,
    day: NaiveDate,
    hour: usize,
    tax: bool,
    resource: usize,
    cents_e10: u64,
}

impl Line {
    fn start(&self) -> String {
        format!("{}T{:02}:00:00Z", self.day, self.hour)
    }

    fn end(&self) -> String {
        if self.hour == 23 {
            format!("{}T00:00:00Z", self.day.succ_opt().unwrap())
        } else {
            format!("{}T{:02}:00:00Z", self.day, self.hour + 1)
        }
    }

    fn account_id(&self) -> String {
        format!("{:012}", 200_000_000_000u64 + self.account as u64)
    }

    fn cost(&self) -> String {
        format!(
            "{}.{:010}",
            self.cents_e10 / 10_000_000_000,
            self.cents_e10 % 10_000_000_000
        )
    }

    /// The list price: 6% above what was paid.
    fn list(&self) -> String {
        let list = self.cents_e10 * 106 / 100;
        format!("{}.{:010}", list / 10_000_000_000, list % 10_000_000_000)
    }

    fn region(&self) -> &'static str {
        REGIONS[(self.account + self.service) % REGIONS.len()]
    }

    fn usage_type(&self) -> String {
        if self.tax {
            return String::new();
        }
        format!("USE1-S{:02}-Usage{}", self.service, self.resource % 2)
    }

    fn resource_id(&self) -> String {
        if self.tax {
            return String::new();
        }
        format!(
            "arn:aws:svc{:02}:{}:r-{:04}-{}",
            self.service,
            self.region(),
            self.account,
            self.resource
        )
    }

    fn tags(&self) -> String {
        if self.tax {
            return String::new();
        }
        format!(
            r#"{{"user_team":"team-{}","user_env":"{}"}}"#,
            self.account % 20,
            if self.resource == 0 { "prod" } else { "dev" }
        )
    }
}

/// Which table the export holds.
#[derive(Clone, Copy)]
enum Table {
    Cur,
    Focus,
}

impl Table {
    fn columns(self) -> &'static [(&'static str, Kind)] {
        match self {
            Table::Cur => CUR_COLUMNS,
            Table::Focus => &[
                ("BilledCost", Kind::Double),
                ("EffectiveCost", Kind::Double),
                ("ListCost", Kind::Double),
                ("ContractedCost", Kind::Double),
                ("ChargePeriodStart", Kind::Millis),
                ("ChargePeriodEnd", Kind::Millis),
                ("ProviderName", Kind::Text),
                ("SubAccountId", Kind::Text),
                ("ServiceName", Kind::Text),
                ("ChargeCategory", Kind::Text),
                ("BillingCurrency", Kind::Text),
                ("RegionId", Kind::Text),
                ("x_UsageType", Kind::Text),
                ("x_Operation", Kind::Text),
                ("PricingCategory", Kind::Text),
                ("ResourceId", Kind::Text),
                ("Tags", Kind::Text),
            ],
        }
    }

    /// The line's fields, in `columns()` order, into `row` (its strings reused).
    fn fill(self, line: &Line, row: &mut Vec<String>) {
        let fields: Vec<String> = match self {
            Table::Cur => vec![
                format!("li-{}", line.id),
                PAYER.to_string(),
                line.start(),
                line.account_id(),
                format!("AmazonSvc{:02}", line.service),
                (if line.tax { "Tax" } else { "Usage" }).to_string(),
                line.usage_type(),
                (if line.tax { "" } else { "RunInstances" }).to_string(),
                line.resource_id(),
                line.cost(),
                if line.tax { String::new() } else { line.list() },
                "USD".to_string(),
                line.region().to_string(),
                line.tags(),
            ],
            Table::Focus => vec![
                line.cost(),
                line.cost(),
                if line.tax { String::new() } else { line.list() },
                if line.tax { String::new() } else { line.list() },
                line.start(),
                line.end(),
                "AWS".to_string(),
                line.account_id(),
                format!("Amazon Service {:02}", line.service),
                (if line.tax { "Tax" } else { "Usage" }).to_string(),
                "USD".to_string(),
                line.region().to_string(),
                line.usage_type(),
                (if line.tax { "" } else { "RunInstances" }).to_string(),
                (if line.tax { "" } else { "Standard" }).to_string(),
                line.resource_id(),
                line.tags(),
            ],
        };
        *row = fields;
    }
}

#[derive(Clone, Copy)]
struct Shape {
    accounts: usize,
    services: usize,
    lines_per_day: usize,
    resources: usize,
}

/// The line items of one billing period, in the order the export lists them (hour by
/// hour, as AWS's writers do), to `each`.
fn period_lines(shape: Shape, first: NaiveDate, mut id: u64, mut each: impl FnMut(&Line)) -> u64 {
    let next = first.checked_add_months(chrono::Months::new(1)).unwrap();
    for day in first.iter_days().take_while(|day| *day < next) {
        for k in 0..shape.lines_per_day {
            for account in 0..shape.accounts {
                for service in 0..shape.services {
                    id += 1;
                    each(&Line {
                        id,
                        account,
                        service,
                        day,
                        hour: k * 24 / shape.lines_per_day,
                        tax: false,
                        resource: k % shape.resources,
                        cents_e10: (id * 7_919_113) % 40_000_000_000,
                    });
                }
            }
        }
    }
    for account in 0..shape.accounts {
        id += 1;
        each(&Line {
            id,
            account,
            service: 0,
            day: first,
            hour: 0,
            tax: true,
            resource: 0,
            cents_e10: 123_456_789_012,
        });
    }
    id
}

/// A period's files, written as rows arrive: Parquet (Snappy) or gzip CSV.
enum FileWriter {
    Parquet {
        table: TableWriter<'static>,
        group: Vec<Vec<String>>,
    },
    Csv(flate2::write::GzEncoder<std::io::BufWriter<std::fs::File>>),
}

impl FileWriter {
    fn create(path: &Path, table: Table, parquet: bool) -> FileWriter {
        if parquet {
            return FileWriter::Parquet {
                table: TableWriter::create(path, table.columns()),
                group: Vec::with_capacity(ROWS_PER_GROUP),
            };
        }
        let file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
        let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        let header: Vec<&str> = table.columns().iter().map(|(n, _)| *n).collect();
        writeln!(gz, "{}", header.join(",")).unwrap();
        FileWriter::Csv(gz)
    }

    fn push(&mut self, row: &[String]) {
        match self {
            FileWriter::Parquet { table, group } => {
                group.push(row.to_vec());
                if group.len() == ROWS_PER_GROUP {
                    table.write_group(group);
                    group.clear();
                }
            }
            FileWriter::Csv(gz) => {
                let mut text = String::new();
                for (i, field) in row.iter().enumerate() {
                    if i > 0 {
                        text.push(',');
                    }
                    // The tags' JSON holds commas and quotes.
                    if field.contains(',') {
                        write!(text, "\"{}\"", field.replace('"', "\"\"")).unwrap();
                    } else {
                        text.push_str(field);
                    }
                }
                writeln!(gz, "{text}").unwrap();
            }
        }
    }

    fn finish(self) {
        match self {
            FileWriter::Parquet { mut table, group } => {
                if !group.is_empty() {
                    table.write_group(&group);
                }
                table.close();
            }
            FileWriter::Csv(gz) => {
                gz.finish().unwrap();
            }
        }
    }
}

/// The export's billing periods (the `months` before `today`'s) under `root`; returns the
/// line items written.
fn write_export(root: &Path, shape: Shape, months: u32, table: Table, parquet: bool) -> u64 {
    let this_month = common::today().with_day(1).unwrap();
    let extension = if parquet { "snappy.parquet" } else { "csv.gz" };
    let (mut id, mut lines) = (0u64, 0u64);
    for back in (1..=months).rev() {
        let first = this_month - chrono::Months::new(back);
        let period = format!("{}-{:02}", first.year(), first.month());
        let data = export_dir::data_dir(root, &period);
        let mut names: Vec<String> = Vec::new();
        let mut writer: Option<FileWriter> = None;
        let mut in_file = 0;
        let mut row = Vec::new();
        id = period_lines(shape, first, id, |line| {
            if writer.is_none() || in_file == ROWS_PER_FILE {
                if let Some(done) = writer.take() {
                    done.finish();
                }
                names.push(format!("bench-{:05}.{extension}", names.len() + 1));
                writer = Some(FileWriter::create(
                    &data.join(names.last().unwrap()),
                    table,
                    parquet,
                ));
                in_file = 0;
            }
            table.fill(line, &mut row);
            writer.as_mut().unwrap().push(&row);
            in_file += 1;
            lines += 1;
        });
        if let Some(done) = writer.take() {
            done.finish();
        }
        export_dir::write_manifest(root, &period, &names);
    }
    lines
}

/// The first day after the last period: all of that period's days fall in the last
/// `RESOURCE_DAYS`, the most resource days a sync keeps.
fn sync_day() -> chrono::NaiveDate {
    common::today().with_day(1).unwrap()
}

fn now() -> Stamp {
    Stamp::from(sync_day().and_hms_opt(6, 0, 0).unwrap().and_utc())
}

/// One export sync in this process: prints seconds, line items, rows written, objects
/// and bytes downloaded, and the process's peak memory.
fn sync_once(bucket: &Path, cache: &Path) {
    let options = SyncOptions::new(sync_day(), now());
    let bucket = DirBucket::new(bucket);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let report = runtime.block_on(async {
        let identified = sync::identify(&OneAccount, options.now).await.unwrap();
        let mut store = Store::open(cache).unwrap();
        let mut ignore = |_: &SyncEvent| {};
        sync::export::run(
            &mut store,
            &OneAccount,
            &bucket,
            &export_dir::location(),
            &identified,
            &options,
            &mut ignore,
        )
        .await
        .unwrap()
    });
    let seconds = started.elapsed().as_secs_f64();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    println!(
        "{seconds} {} {} {} {} {}",
        report.lines,
        report.rows,
        bucket.downloads.load(Ordering::Relaxed),
        bucket.bytes.load(Ordering::Relaxed),
        peak_rss_mib().unwrap_or(0)
    );
}

struct Synced {
    seconds: f64,
    lines: u64,
    rows: u64,
    downloads: u64,
    bytes: u64,
    peak_mib: u64,
}

fn sync_child(bucket: &Path, cache: &Path) -> Synced {
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .arg("--sync-child")
        .arg(bucket)
        .arg(cache)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let fields: Vec<&str> = text.split_whitespace().collect();
    let number = |i: usize| -> u64 { fields[i].parse().unwrap() };
    Synced {
        seconds: fields[0].parse().unwrap(),
        lines: number(1),
        rows: number(2),
        downloads: number(3),
        bytes: number(4),
        peak_mib: number(5),
    }
}

fn directory_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let meta = entry.metadata().unwrap();
        total += if meta.is_dir() {
            directory_bytes(&entry.path())
        } else {
            meta.len()
        };
    }
    total
}

/// The cache's biggest tables and indexes with their bytes (SQLite's `dbstat`), and the
/// rows of the tables that grow with the export.
fn cache_breakdown(cache: &Path) {
    let db = rusqlite::Connection::open(cache).unwrap();
    let sizes: Result<Vec<(String, i64)>, _> = db
        .prepare("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 12")
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()
        });
    match sizes {
        Ok(sizes) => {
            for (name, bytes) in sizes {
                println!("    {name:32} {:>8.1} MB", bytes as f64 / 1e6);
            }
        }
        Err(e) => println!("    (no dbstat: {e})"),
    }
    for table in [
        "cost_daily",
        "cost_usage_monthly",
        "cost_resource_monthly",
        "cost_tag_monthly",
        "cost_rollup_monthly",
        "dims",
    ] {
        let rows: i64 = db
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        println!("    {table:32} {rows:>10} rows");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--sync-child") {
        return sync_once(Path::new(&args[i + 1]), Path::new(&args[i + 2]));
    }
    let get = |name: &str, default: usize| {
        arg(&args, name)
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let shape = Shape {
        accounts: get("--accounts", 500),
        services: get("--services", 48),
        lines_per_day: get("--lines-per-day", 4),
        resources: get("--resources", 3),
    };
    let months = get("--months", 13) as u32;
    let table = match arg(&args, "--table").as_deref() {
        Some("focus") => Table::Focus,
        _ => Table::Cur,
    };
    let formats = arg(&args, "--formats").unwrap_or_else(|| "parquet,csv".into());
    let kept = arg(&args, "--keep");
    let dir = kept.clone().map(PathBuf::from).unwrap_or_else(|| {
        std::env::temp_dir().join(format!("costscope-export-org-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir).unwrap();
    println!(
        "{} export: {} accounts x {} services x {months} months, {} hourly line items per \
         account, service and day over {} resources",
        match table {
            Table::Cur => "CUR 2.0",
            Table::Focus => "FOCUS",
        },
        shape.accounts,
        shape.services,
        shape.lines_per_day,
        shape.resources
    );
    println!("| format | export | line items | first sync | line items/s | peak RSS | cache | second sync | downloaded |");
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut caches = Vec::new();
    for format in formats.split(',') {
        let parquet = format == "parquet";
        let bucket = dir.join(format!("bucket-{format}"));
        let cache = dir.join(format!("cache-{format}.sqlite"));
        let _ = std::fs::remove_file(&cache);
        let started = Instant::now();
        let lines = write_export(&bucket, shape, months, table, parquet);
        let written = started.elapsed().as_secs_f64();
        let first = sync_child(&bucket, &cache);
        assert_eq!(first.lines, lines);
        let second = sync_child(&bucket, &cache);
        let cache_bytes = std::fs::metadata(&cache).map_or(0, |m| m.len());
        println!(
            "| {format} | {:.0} MB (written in {written:.0} s) | {lines} | {:.1} s ({} rows from {} objects, {:.0} MB) | {:.0} | {} MiB | {:.0} MB | {:.2} s | {} objects, {} bytes |",
            directory_bytes(&bucket) as f64 / 1e6,
            first.seconds,
            first.rows,
            first.downloads,
            first.bytes as f64 / 1e6,
            lines as f64 / first.seconds,
            first.peak_mib,
            cache_bytes as f64 / 1e6,
            second.seconds,
            second.downloads,
            second.bytes,
        );
        caches.push((format.to_string(), cache));
        if kept.is_none() {
            let _ = std::fs::remove_dir_all(&bucket);
        }
    }
    for (format, cache) in &caches {
        println!("  {format} cache:");
        cache_breakdown(cache);
    }
    if kept.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
