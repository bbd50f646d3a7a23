//! How fast export files are read: a generated CUR 2.0 billing period (hourly line
//! items with resource ids, `accounts` × `services` × 24 hours × `days`) in Parquet and
//! gzip CSV, read by `import::read_file` (the reader `sync --source export` and
//! `import` use), summed to days. Reports line items per second (median of `runs`) and
//! the process's peak resident memory.
//!
//! Run: `cargo bench --bench ingest` (add `-- --accounts 50 --services 48 --days 10
//! --runs 3`; the default is 1,152,000 line items; `--keep DIR` keeps the files).
//!
//! Then the same line items as a billing period of `--files` gzip CSV files (4 by
//! default), as AWS splits a big one: read one after another and written to a cache
//! (what the export sync did before), against the export sync itself (each file read
//! while the next downloads, two at a time), from a bucket that is a local directory.

mod common;
#[path = "common/export_dir.rs"]
mod export_dir;
#[path = "../tests/common/parquet.rs"]
mod parquet_fixture;

use common::arg;
use costscope::domain::Stamp;
use costscope::import::read_file;
use costscope::store::Store;
use costscope::sync::{self, SyncEvent, SyncOptions};
use export_dir::{median, peak_rss_mib, DirBucket, OneAccount};
use parquet_fixture::{write_table, Kind, CUR_COLUMNS, ROWS_PER_GROUP};
use std::io::Write;
use std::time::Instant;

/// Without the tags: this benchmark's rows carry none.
const COLUMNS: &[(&str, Kind)] = CUR_COLUMNS.split_at(CUR_COLUMNS.len() - 1).0;

fn rows(accounts: usize, services: usize, days: usize) -> Vec<Vec<String>> {
    let mut out = Vec::with_capacity(accounts * services * days * 24);
    for day in 0..days {
        for hour in 0..24 {
            for a in 0..accounts {
                for s in 0..services {
                    let n = out.len();
                    out.push(vec![
                        format!("li-{n}"),
                        "100000000000".to_string(),
                        format!("2026-10-{:02}T{hour:02}:00:00Z", day + 1),
                        format!("{:012}", 100_000_000_001u64 + a as u64),
                        format!("Service{s:02}"),
                        "Usage".to_string(),
                        "USE1-BoxUsage:m5.large".to_string(),
                        "RunInstances".to_string(),
                        format!("i-{a:04}{s:02}{:06}", n % 97),
                        format!("0.{:010}", (n * 7919) % 10_000_000_000),
                        format!("0.{:010}", (n * 7927) % 10_000_000_000),
                        "USD".to_string(),
                        "us-east-1".to_string(),
                    ]);
                }
            }
        }
    }
    out
}

fn write_csv_gz(path: &std::path::Path, rows: &[Vec<String>]) {
    let file = std::fs::File::create(path).unwrap();
    let mut gz =
        flate2::write::GzEncoder::new(std::io::BufWriter::new(file), flate2::Compression::fast());
    let header: Vec<&str> = COLUMNS.iter().map(|(n, _)| *n).collect();
    writeln!(gz, "{}", header.join(",")).unwrap();
    for r in rows {
        writeln!(gz, "{}", r.join(",")).unwrap();
    }
    gz.finish().unwrap();
}

/// The rows as the billing period 2026-10 of `files` gzip CSV files under `root`.
fn write_period(
    root: &std::path::Path,
    rows: &[Vec<String>],
    files: usize,
) -> Vec<std::path::PathBuf> {
    let data = export_dir::data_dir(root, "2026-10");
    let per_file = rows.len().div_ceil(files);
    let names: Vec<String> = (1..=rows.len().div_ceil(per_file))
        .map(|n| format!("bench-{n:05}.csv.gz"))
        .collect();
    for (name, part) in names.iter().zip(rows.chunks(per_file)) {
        write_csv_gz(&data.join(name), part);
    }
    export_dir::write_manifest(root, "2026-10", &names);
    names.iter().map(|name| data.join(name)).collect()
}

/// Seconds to read the files one after another and write their sums to a new cache.
fn one_after_another(paths: &[std::path::PathBuf], cache: &std::path::Path) -> f64 {
    let started = Instant::now();
    let mut totals = costscope::domain::focus::LineTotals::default();
    for path in paths {
        totals.absorb(read_file(path, None).unwrap().totals);
    }
    let mut store = Store::open(cache).unwrap();
    costscope::import::publish(&mut store, &totals, "data-export", now(), |_| true).unwrap();
    started.elapsed().as_secs_f64()
}

/// Seconds for the export sync of the period into a new cache.
fn export_sync(root: &std::path::Path, cache: &std::path::Path, lines: u64) -> f64 {
    let options = SyncOptions::new(common::today(), now());
    let location = export_dir::location();
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
            &DirBucket::new(root),
            &location,
            &identified,
            &options,
            &mut ignore,
        )
        .await
        .unwrap()
    });
    assert_eq!(report.lines, lines, "{:?}", report.failures);
    started.elapsed().as_secs_f64()
}

fn now() -> Stamp {
    Stamp::parse("2026-11-20T06:00:00Z").unwrap()
}

/// One read in this process: prints its seconds and the process's peak memory.
fn read_once(path: &str, lines: u64) {
    let started = Instant::now();
    let read = read_file(std::path::Path::new(path), None).unwrap();
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(read.totals.lines, lines);
    assert_eq!(read.bad_lines, 0);
    println!("{seconds} {}", peak_rss_mib().unwrap_or(0));
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let (Some(path), Some(lines)) = (arg(&args, "--read"), arg(&args, "--lines")) {
        return read_once(&path, lines.parse().unwrap());
    }
    let get = |name: &str, default: usize| {
        arg(&args, name)
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (accounts, services, days, runs) = (
        get("--accounts", 50),
        get("--services", 48),
        get("--days", 20),
        get("--runs", 3),
    );
    // `--keep DIR` writes the files there and leaves them, to profile one read with
    // `--read DIR/period.parquet --lines N`.
    let kept = arg(&args, "--keep");
    let dir = kept
        .clone()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::env::temp_dir().join(format!("costscope-ingest-{}", std::process::id()))
        });
    std::fs::create_dir_all(&dir).unwrap();
    let parquet = dir.join("period.parquet");
    let csv = dir.join("period.csv.gz");
    let files = get("--files", 4);
    let period = dir.join("bucket");
    let (lines, parts) = {
        let rows = rows(accounts, services, days);
        write_table(&parquet, COLUMNS, &rows);
        write_csv_gz(&csv, &rows);
        (rows.len(), write_period(&period, &rows, files))
    };
    println!(
        "{lines} line items ({accounts} accounts x {services} services x 24 h x {days} days), \
         Parquet in {} row groups of at most {ROWS_PER_GROUP}",
        lines.div_ceil(ROWS_PER_GROUP)
    );
    // Each read in a process of its own, so its peak memory is the reader's alone.
    let exe = std::env::current_exe().unwrap();
    for (name, path) in [("parquet", &parquet), ("csv.gz", &csv)] {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let mut rates = Vec::new();
        let mut peak = 0u64;
        for _ in 0..runs {
            let out = std::process::Command::new(&exe)
                .args([
                    "--read",
                    path.to_str().unwrap(),
                    "--lines",
                    &lines.to_string(),
                ])
                .output()
                .unwrap();
            assert!(out.status.success(), "{out:?}");
            let text = String::from_utf8(out.stdout).unwrap();
            let mut fields = text.split_whitespace();
            let seconds: f64 = fields.next().unwrap().parse().unwrap();
            peak = peak.max(fields.next().unwrap().parse().unwrap());
            rates.push(lines as f64 / seconds);
        }
        println!(
            "{name:8} {:>6.1} MiB  median {:>10.0} line items/s over {runs} runs, peak RSS {peak} MiB",
            size as f64 / 1048576.0,
            median(rates)
        );
    }
    let (mut before, mut now_) = (Vec::new(), Vec::new());
    for run in 0..runs {
        let cache = |name: &str| dir.join(format!("{name}-{run}.sqlite"));
        before.push(lines as f64 / one_after_another(&parts, &cache("sequential")));
        now_.push(lines as f64 / export_sync(&period, &cache("sync"), lines as u64));
    }
    let (before, now_) = (median(before), median(now_));
    println!(
        "{files} csv.gz files, read and written: one after another median {before:>10.0} line \
         items/s; export sync {now_:>10.0}/s ({:.2}x)",
        now_ / before
    );
    if kept.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
