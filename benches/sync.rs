//! What a sync costs: Cost Explorer requests for a full sync and for a refresh, next to
//! the lower bound (rows / rows per page), and rows per second from the first request to
//! the last commit.
//!
//! Run: `cargo bench --bench sync` (add `-- --accounts 50,500 --services 12 --page 1000
//! --runs 3`). Cost Explorer is played by an in-process stand-in behind the real SDK
//! client (its HTTP layer replaced): it answers GetCostAndUsage for any period with
//! `services` rows per account per day, paginated like Cost Explorer with at most `page`
//! groups per page and a NextPageToken, and the chain of once-a-month fees with a
//! support fee per account on each 1st. AWS does not publish its page size; the ratio to
//! the lower bound holds for any page size.

mod common;

use common::{arg, today};

use aws_smithy_http_client::test_util::infallible_client_fn;
use chrono::{Datelike, NaiveDate};
use costscope::aws::cost_explorer::CostExplorer;
use costscope::aws::CostClients;
use costscope::domain::sync_plan::sync_window;
use costscope::store::Store;
use costscope::sync::{self, SyncEvent, SyncOptions};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// The stand-in organization and how Cost Explorer pages its answers.
#[derive(Clone, Copy)]
struct Shape {
    accounts: usize,
    services: usize,
    page: usize,
}

impl Shape {
    fn rows_per_day(self) -> usize {
        self.accounts * self.services
    }

    fn account_id(self, a: usize) -> String {
        format!("{:012}", 100_000_000_000u64 + a as u64)
    }

    /// One GetCostAndUsage answer: for the chain of once-a-month fees (a RECORD_TYPE
    /// filter), a support fee per account on the period's 1st, in one page; otherwise
    /// rows `offset..` of the period, day-major.
    fn answer(self, body: &Value) -> Value {
        if !body["Filter"].is_null() {
            return self.fees(body);
        }
        let start: NaiveDate = body["TimePeriod"]["Start"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("a start date");
        let end: NaiveDate = body["TimePeriod"]["End"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("an end date");
        let offset: usize = body["NextPageToken"]
            .as_str()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        let days = (end - start).num_days() as usize;
        let total = days * self.rows_per_day();
        let last = (offset + self.page).min(total);
        let estimated = start.month() == today().month() && start.year() == today().year();
        let mut results: Vec<Value> = Vec::new();
        let mut current_day = usize::MAX;
        for i in offset..last {
            let day_index = i / self.rows_per_day();
            let within = i % self.rows_per_day();
            let (account, service) = (within / self.services, within % self.services);
            if day_index != current_day {
                let day = start + chrono::Duration::days(day_index as i64);
                results.push(json!({
                    "TimePeriod": {"Start": day.to_string(), "End": day.succ_opt().expect("a next day").to_string()},
                    "Groups": [],
                    "Total": {},
                    "Estimated": estimated,
                }));
                current_day = day_index;
            }
            let cents = (account * 7919 + service * 104_729 + day_index * 31) % 100_000;
            let amount = format!("{}.{:02}0001", cents / 100, cents % 100);
            if let Some(groups) = results.last_mut().and_then(|r| r["Groups"].as_array_mut()) {
                groups.push(json!({
                    "Keys": [self.account_id(account), format!("Service {service:02}")],
                    "Metrics": {
                        "UnblendedCost": {"Amount": amount, "Unit": "USD"},
                        "AmortizedCost": {"Amount": amount, "Unit": "USD"},
                    },
                }));
            }
        }
        let mut page = json!({"ResultsByTime": results, "DimensionValueAttributes": []});
        if last < total {
            page["NextPageToken"] = json!(last.to_string());
        }
        page
    }

    fn fees(self, body: &Value) -> Value {
        let start: NaiveDate = body["TimePeriod"]["Start"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("a start date");
        let groups: Vec<Value> = (0..self.accounts)
            .filter(|_| start.day() == 1)
            .map(|account| {
                json!({
                    "Keys": [self.account_id(account), "Service 00"],
                    "Metrics": {
                        "UnblendedCost": {"Amount": "1.0000001", "Unit": "USD"},
                        "AmortizedCost": {"Amount": "1.0000001", "Unit": "USD"},
                    },
                })
            })
            .collect();
        json!({
            "ResultsByTime": [{
                "TimePeriod": {"Start": start.to_string(), "End": start.succ_opt().expect("a next day").to_string()},
                "Groups": groups,
                "Total": {},
                "Estimated": false,
            }],
            "DimensionValueAttributes": [],
        })
    }

    /// Rows a sync of these months must load.
    fn rows_in(self, months: &[costscope::domain::Month]) -> usize {
        months
            .iter()
            .map(|m| {
                let end = m.last_day().min(today());
                ((end - m.first_day()).num_days() as usize + 1) * self.rows_per_day()
            })
            .sum()
    }
}

const JSON: &str = "application/x-amz-json-1.1";

/// What the stand-in did: Cost Explorer requests answered, and the time spent making
/// the answers (not costscope's time).
#[derive(Default)]
struct Meter {
    requests: AtomicU64,
    stand_in_nanos: AtomicU64,
}

/// Clients whose HTTP layer is the stand-in: STS and Organizations say "one account, no
/// organization", Cost Explorer answers as `shape` says.
async fn clients(shape: Shape, meter: Arc<Meter>) -> CostClients {
    let http = infallible_client_fn(move |request| {
        let started = Instant::now();
        let target = request
            .headers()
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body: Value = request
            .body()
            .bytes()
            .and_then(|b| serde_json::from_slice(b).ok())
            .unwrap_or(Value::Null);
        let (status, content_type, text) = if target.ends_with("GetCostAndUsage") {
            meter.requests.fetch_add(1, Ordering::Relaxed);
            (200, JSON, shape.answer(&body).to_string())
        } else if target.ends_with("DescribeOrganization") {
            (
                400,
                JSON,
                json!({"__type": "AWSOrganizationsNotInUseException", "Message": "no organization"})
                    .to_string(),
            )
        } else {
            // STS speaks XML.
            (
                200,
                "text/xml",
                "<GetCallerIdentityResponse><GetCallerIdentityResult><Account>100000000000</Account>\
                 <Arn>arn:aws:iam::100000000000:user/bench</Arn><UserId>bench</UserId>\
                 </GetCallerIdentityResult></GetCallerIdentityResponse>"
                    .to_string(),
            )
        };
        let response = http::Response::builder()
            .status(status)
            .header("content-type", content_type)
            .body(text)
            .expect("a response");
        meter
            .stand_in_nanos
            .fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
        response
    });
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sts::config::Credentials::new(
            "bench", "bench", None, None, "bench",
        ))
        .http_client(http)
        .load()
        .await;
    CostClients::new(&config)
}

struct Run {
    requests: u64,
    rows: u64,
    seconds: f64,
    /// Without the stand-in's time: costscope's own (SDK parsing, sums, writes).
    own_seconds: f64,
}

/// One sync into `store`: a full one on an empty cache, a refresh after that.
async fn sync_once(store: &mut Store, clients: &CostClients, meter: &Meter) -> Run {
    let options = SyncOptions::new(
        today(),
        costscope::domain::Stamp::parse("2026-11-20T07:00:00Z").expect("a stamp"),
    );
    // The benchmark measures costscope, not the politeness ceiling (see the notes).
    let unpaced = costscope::config::CostExplorerSettings {
        requests_per_second: 0.0,
        ..Default::default()
    };
    let source = CostExplorer::new(clients.cost_explorer.clone(), &unpaced);
    let before = meter.requests.load(Ordering::Relaxed);
    let stand_in_before = meter.stand_in_nanos.load(Ordering::Relaxed);
    let started = Instant::now();
    let identified = sync::identify(clients, options.now)
        .await
        .expect("the stand-in identifies");
    let report = sync::run(
        store,
        clients,
        &source,
        &identified,
        &options,
        &mut |_: &SyncEvent| {},
    )
    .await
    .expect("the stand-in sync succeeds");
    let seconds = started.elapsed().as_secs_f64();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let requests = meter.requests.load(Ordering::Relaxed) - before;
    assert_eq!(
        requests,
        u64::from(report.ce_requests),
        "the meter matches the wire"
    );
    let stand_in = (meter.stand_in_nanos.load(Ordering::Relaxed) - stand_in_before) as f64 / 1e9;
    Run {
        requests,
        rows: report.rows,
        seconds,
        own_seconds: seconds - stand_in,
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let sizes: Vec<usize> = arg(&args, "--accounts")
        .unwrap_or_else(|| "50,500".into())
        .split(',')
        .filter_map(|n| n.parse().ok())
        .collect();
    let services: usize = arg(&args, "--services")
        .and_then(|a| a.parse().ok())
        .unwrap_or(12);
    let page: usize = arg(&args, "--page")
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let runs: usize = arg(&args, "--runs")
        .and_then(|a| a.parse().ok())
        .unwrap_or(3);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    println!(
        "costscope sync benchmark: {services} services per account per day, at most {page} groups per page, today {}, {runs} run(s) each",
        today()
    );
    println!("| accounts | sync | months | rows | CE requests | lower bound | ratio | cost | rows/s end to end | rows/s without the stand-in |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for accounts in sizes {
        let shape = Shape {
            accounts,
            services,
            page,
        };
        let mut full_rates = Vec::new();
        let mut refresh_rates = Vec::new();
        let mut full_own = Vec::new();
        let mut refresh_own = Vec::new();
        let mut full_last = None;
        let mut refresh_last = None;
        for _ in 0..runs {
            let dir = tempfile::tempdir().expect("a temp dir");
            let mut store = Store::open(&dir.path().join("cache.sqlite")).expect("a cache");
            let meter = Arc::new(Meter::default());
            let clients = runtime.block_on(clients(shape, meter.clone()));
            let full = runtime.block_on(sync_once(&mut store, &clients, &meter));
            let refresh = runtime.block_on(sync_once(&mut store, &clients, &meter));
            full_rates.push(full.rows as f64 / full.seconds);
            refresh_rates.push(refresh.rows as f64 / refresh.seconds);
            full_own.push(full.rows as f64 / full.own_seconds);
            refresh_own.push(refresh.rows as f64 / refresh.own_seconds);
            full_last = Some(full);
            refresh_last = Some(refresh);
        }
        let window = sync_window(today());
        let current = [*window.last().expect("a current month")];
        for (label, run, months, rates, own) in [
            ("full", full_last, &window[..], full_rates, full_own),
            (
                "refresh",
                refresh_last,
                &current[..],
                refresh_rates,
                refresh_own,
            ),
        ] {
            let Some(run) = run else { continue };
            let rows = shape.rows_in(months);
            assert_eq!(rows as u64, run.rows, "every row arrived");
            // Each month's fees are a chain of their own: one request at least.
            let bound = (rows.div_ceil(page) + months.len()) as u64;
            println!(
                "| {accounts} | {label} | {} | {rows} | {} | {bound} | {:.3} | {} | {:.0} | {:.0} |",
                months.len(),
                run.requests,
                run.requests as f64 / bound as f64,
                costscope::domain::call_prices::ce_price(run.requests),
                median(rates),
                median(own)
            );
        }
    }
}
