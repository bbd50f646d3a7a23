//! The inventory scan against moto's server on loopback: one account-region at a time
//! versus bounded concurrency (the ratio), resources per second, and CloudWatch
//! requests next to their lower bound.
//!
//! Run: `bash scripts/bench-scan.sh` (starts moto, then `cargo bench --bench scan`), or
//! with a moto server already up: `COSTSCOPE_TEST_MOTO_URL=http://127.0.0.1:PORT cargo
//! bench --bench scan -- --accounts 50 --runs 3 --concurrency 1,8`.
//!
//! The organization: `accounts` accounts (the management account and members reached
//! through AssumeRole), 4 regions each, and in every account-region 3 instances with their
//! root volumes, 2 more volumes, 2 snapshots and an Elastic IP; one account-region also
//! runs 180 instances, so its 540 metrics need two GetMetricData requests.

mod common;

use common::arg;

use aws_sdk_sts::config::{Credentials, SharedCredentialsProvider};
use costscope::aws::CostClients;
use costscope::config::prices::built_in_prices;
use costscope::config::ScanSettings;
use costscope::store::Store;
use costscope::sync::scan::{ScanOptions, ScanReport};
use costscope::sync::SyncEvent;
use std::time::{Duration, Instant};

const REGIONS: [&str; 4] = ["us-east-1", "us-east-2", "us-west-1", "us-west-2"];
const BIG_UNIT_INSTANCES: i32 = 180;
/// Metrics the scan reads per running instance (CPU, network in, network out).
const METRICS_PER_INSTANCE: u64 = 3;

async fn base_config(url: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(url)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "bench"))
        .load()
        .await
}

fn post(url: &str, path: &str) {
    use std::io::{Read, Write};
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(host).expect("moto is reachable");
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).expect("request sent");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response read");
}

/// Builds the organization; returns the number of resources and of metrics the scan
/// will request per account-region.
async fn build(config: &aws_config::SdkConfig, accounts: usize) -> (u64, Vec<u64>) {
    let orgs = aws_sdk_organizations::Client::new(config);
    orgs.create_organization()
        .send()
        .await
        .expect("organization");
    let mut ids = vec!["123456789012".to_string()];
    for n in 1..accounts {
        let created = orgs
            .create_account()
            .account_name(format!("member-{n}"))
            .email(format!("member-{n}@example.com"))
            .send()
            .await
            .expect("account");
        ids.push(
            created
                .create_account_status()
                .and_then(|s| s.account_id())
                .expect("account id")
                .to_string(),
        );
    }
    let sts = aws_sdk_sts::Client::new(config);
    let mut resources = 0;
    let mut unit_metrics = Vec::new();
    for (a, id) in ids.iter().enumerate() {
        let account_config = if a == 0 {
            config.clone()
        } else {
            let out = sts
                .assume_role()
                .role_arn(format!(
                    "arn:aws:iam::{id}:role/OrganizationAccountAccessRole"
                ))
                .role_session_name("bench")
                .send()
                .await
                .expect("assume role");
            let c = out.credentials().expect("credentials");
            config
                .to_builder()
                .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                    c.access_key_id(),
                    c.secret_access_key(),
                    Some(c.session_token().to_string()),
                    None,
                    "bench",
                )))
                .build()
        };
        for (r, region) in REGIONS.iter().enumerate() {
            let regional = account_config
                .to_builder()
                .region(aws_config::Region::new(*region))
                .build();
            let ec2 = aws_sdk_ec2::Client::new(&regional);
            let instances = if a == 0 && r == 0 {
                BIG_UNIT_INSTANCES
            } else {
                3
            };
            ec2.run_instances()
                .image_id("ami-00000001")
                .instance_type(aws_sdk_ec2::types::InstanceType::M5Large)
                .min_count(instances)
                .max_count(instances)
                .send()
                .await
                .expect("instances");
            let zone = format!("{region}a");
            let mut volume = String::new();
            for _ in 0..2 {
                let v = ec2
                    .create_volume()
                    .availability_zone(&zone)
                    .size(50)
                    .send()
                    .await
                    .expect("volume");
                volume = v.volume_id().unwrap_or_default().to_string();
            }
            for _ in 0..2 {
                ec2.create_snapshot()
                    .volume_id(&volume)
                    .send()
                    .await
                    .expect("snapshot");
            }
            ec2.allocate_address().send().await.expect("address");
            // Instances and their root volumes, 2 volumes, 2 snapshots, 1 address.
            resources += 2 * instances as u64 + 5;
            unit_metrics.push(METRICS_PER_INSTANCE * instances as u64);
        }
    }
    (resources, unit_metrics)
}

async fn scan_once(
    clients: &CostClients,
    config: &aws_config::SdkConfig,
    concurrency: u32,
) -> (Duration, ScanReport) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("bench.sqlite")).expect("cache");
    let now = chrono::Utc::now();
    let identified = costscope::sync::identify(clients, costscope::domain::Stamp::from(now))
        .await
        .expect("identity");
    let options = ScanOptions {
        settings: ScanSettings {
            regions: REGIONS.iter().map(|r| r.to_string()).collect(),
            concurrency,
            // Every run scans everything: nothing kept from the run before.
            resume_within_minutes: 0,
            ..ScanSettings::default()
        },
        prices: built_in_prices(),
        now,
    };
    let mut quiet = |_: &SyncEvent| {};
    let started = Instant::now();
    let report = costscope::jobs::Session::with_clients(config.clone(), clients.clone())
        .scan(&mut store, &identified, &options, &mut quiet)
        .await
        .expect("scan");
    (started.elapsed(), report)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(url) = std::env::var("COSTSCOPE_TEST_MOTO_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("COSTSCOPE_TEST_MOTO_URL is not set: run `bash scripts/bench-scan.sh`");
        std::process::exit(2);
    };
    let accounts: usize = arg(&args, "--accounts")
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let runs: usize = arg(&args, "--runs")
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let levels: Vec<u32> = arg(&args, "--concurrency")
        .unwrap_or_else(|| "1,8".into())
        .split(',')
        .filter_map(|v| v.parse().ok())
        .collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        post(&url, "/moto-api/reset");
        let config = base_config(&url).await;
        let setup = Instant::now();
        let (resources, unit_metrics) = build(&config, accounts).await;
        let metrics: u64 = unit_metrics.iter().sum();
        let per_unit_bound: u64 = unit_metrics.iter().map(|m| m.div_ceil(500)).sum();
        println!(
            "{accounts} accounts x {} regions: {resources} resources, {metrics} metrics (built in {:.1}s)",
            REGIONS.len(),
            setup.elapsed().as_secs_f64()
        );
        let clients = CostClients::new(&config);
        let mut medians = Vec::new();
        for &level in &levels {
            let mut times = Vec::new();
            let mut last = None;
            for _ in 0..runs {
                let (took, report) = scan_once(&clients, &config, level).await;
                times.push(took.as_secs_f64());
                last = Some(report);
            }
            let report = last.expect("at least one run");
            let m = median(times.clone());
            medians.push((level, m));
            println!(
                "concurrency {level:>2}: median {m:.2}s of {runs} ({:?}) · {:.0} resources/s · {} units · CloudWatch {} requests for {} metrics (lower bound {} = per account-region ceil(metrics/500); {} if metrics/500 org-wide) · not scanned {}",
                times.iter().map(|t| format!("{t:.2}")).collect::<Vec<_>>(),
                report.resources as f64 / m,
                report.units_scanned,
                report.meter.requests("cloudwatch"),
                report.meter.metrics(),
                per_unit_bound,
                metrics.div_ceil(500),
                report.not_scanned.len()
            );
            assert_eq!(report.resources as u64, resources, "every resource read");
            assert_eq!(u64::from(report.meter.metrics()), metrics, "every metric requested once");
        }
        if let (Some((_, one)), Some((level, best))) = (medians.first(), medians.last()) {
            println!("ratio one-at-a-time / concurrency {level}: {:.2}x", one / best);
        }
    });
}
