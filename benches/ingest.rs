//! How fast export files are read: a generated CUR 2.0 billing period (hourly line
//! items with resource ids, `accounts` × `services` × 24 hours × `days`) in Parquet and
//! gzip CSV, read by `import::read_file` (the reader `sync --source export` and
//! `import` use), summed to days. Reports line items per second (median of `runs`) and
//! the process's peak resident memory.
//!
//! Run: `cargo bench --bench ingest` (add `-- --accounts 50 --services 48 --days 10
//! --runs 3`; the default is 1,152,000 line items; `--keep DIR` keeps the files).

mod common;
#[path = "../tests/common/parquet.rs"]
mod parquet_fixture;

use common::arg;
use costscope::import::read_file;
use parquet_fixture::{write_table, Kind, ROWS_PER_GROUP};
use std::io::Write;
use std::time::Instant;

const COLUMNS: &[(&str, Kind)] = &[
    ("identity_line_item_id", Kind::Text),
    ("bill_payer_account_id", Kind::Text),
    ("line_item_usage_start_date", Kind::Millis),
    ("line_item_usage_account_id", Kind::Text),
    ("line_item_product_code", Kind::Text),
    ("line_item_line_item_type", Kind::Text),
    ("line_item_usage_type", Kind::Text),
    ("line_item_operation", Kind::Text),
    ("line_item_resource_id", Kind::Text),
    ("line_item_unblended_cost", Kind::Double),
    ("pricing_public_on_demand_cost", Kind::Double),
    ("line_item_currency_code", Kind::Text),
    ("product_region_code", Kind::Text),
];

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

fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// One read in this process: prints its seconds and the process's peak memory.
fn read_once(path: &str, lines: u64) {
    let started = Instant::now();
    let read = read_file(std::path::Path::new(path)).unwrap();
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
    let lines = {
        let rows = rows(accounts, services, days);
        write_table(&parquet, COLUMNS, &rows);
        write_csv_gz(&csv, &rows);
        rows.len()
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
    if kept.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
