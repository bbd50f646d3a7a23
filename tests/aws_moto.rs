//! The real SDK clients against moto's server on loopback (started by scripts/test.sh,
//! which exports COSTSCOPE_TEST_MOTO_URL). With CI set, a missing server fails the test.

use chrono::NaiveDate;
use costscope::domain::{Metric, Money, Month};
use costscope::store::Store;
use costscope::sync::{self, SyncOptions};
use std::io::{Read, Write};
use std::sync::Mutex;

/// moto's state is global to the server: tests take turns.
static MOTO: Mutex<()> = Mutex::new(());

fn moto_url() -> Option<String> {
    match std::env::var("COSTSCOPE_TEST_MOTO_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "COSTSCOPE_TEST_MOTO_URL is not set: run the tests with scripts/test.sh, which starts moto"
            );
            eprintln!("skipping: no moto server (run scripts/test.sh)");
            None
        }
    }
}

/// A minimal HTTP POST to moto's control API (no client library needed for loopback).
fn post(url: &str, path: &str, body: &str) -> u16 {
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(host).expect("moto is reachable");
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

async fn sdk_config(url: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(url)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_organizations::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .load()
        .await
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

/// One Cost Explorer page: the given (account, service, day, unblended, amortized) rows.
fn ce_page(rows: &[(&str, &str, NaiveDate, &str, &str)], token: Option<&str>) -> serde_json::Value {
    let mut by_day: std::collections::BTreeMap<NaiveDate, Vec<serde_json::Value>> =
        Default::default();
    for (account, service, day, u, a) in rows {
        by_day.entry(*day).or_default().push(serde_json::json!({
            "Keys": [account, service],
            "Metrics": {
                "UnblendedCost": {"Amount": u, "Unit": "USD"},
                "AmortizedCost": {"Amount": a, "Unit": "USD"}
            }
        }));
    }
    let results: Vec<serde_json::Value> = by_day
        .into_iter()
        .map(|(day, groups)| serde_json::json!({
            "TimePeriod": {"Start": day.to_string(), "End": day.succ_opt().unwrap().to_string()},
            "Groups": groups,
            "Total": {},
            "Estimated": false
        }))
        .collect();
    let mut page = serde_json::json!({"ResultsByTime": results, "DimensionValueAttributes": []});
    if let Some(t) = token {
        page["NextPageToken"] = serde_json::json!(t);
    }
    page
}

#[test]
fn sync_loads_the_org_and_every_month_exactly_then_refreshes_only_open_months() {
    let Some(url) = moto_url() else { return };
    let _turn = MOTO.lock().unwrap_or_else(|e| e.into_inner());
    assert_eq!(post(&url, "/moto-api/reset", ""), 200);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let config = sdk_config(&url).await;
        let orgs = aws_sdk_organizations::Client::new(&config);
        let ce = aws_sdk_costexplorer::Client::new(&config);

        // An organization with two OUs (one nested) and three member accounts.
        orgs.create_organization().send().await.unwrap();
        let root = orgs.list_roots().send().await.unwrap().roots()[0]
            .id()
            .unwrap()
            .to_string();
        let workloads = orgs
            .create_organizational_unit()
            .parent_id(&root)
            .name("Workloads")
            .send()
            .await
            .unwrap();
        let workloads = workloads
            .organizational_unit()
            .unwrap()
            .id()
            .unwrap()
            .to_string();
        let prod = orgs
            .create_organizational_unit()
            .parent_id(&workloads)
            .name("Production")
            .send()
            .await
            .unwrap();
        let prod = prod
            .organizational_unit()
            .unwrap()
            .id()
            .unwrap()
            .to_string();
        let mut members = Vec::new();
        for name in ["payments-prod", "search-prod", "sandbox"] {
            let created = orgs
                .create_account()
                .account_name(name)
                .email(format!("{name}@example.com"))
                .send()
                .await
                .unwrap();
            let id = created
                .create_account_status()
                .unwrap()
                .account_id()
                .unwrap()
                .to_string();
            if name.ends_with("-prod") {
                orgs.move_account()
                    .account_id(&id)
                    .source_parent_id(&root)
                    .destination_parent_id(&prod)
                    .send()
                    .await
                    .unwrap();
            }
            members.push(id);
        }

        // One queued result per month request, oldest first; October takes two pages.
        let mut queued = Vec::new();
        let mut expected: std::collections::BTreeMap<Month, Money> = Default::default();
        for month in costscope::domain::sync_plan::sync_window(today()) {
            let day = month.first_day();
            let rows = vec![
                (
                    members[0].as_str(),
                    "Amazon Elastic Compute Cloud - Compute",
                    day,
                    "10.1234567891",
                    "9.5",
                ),
                (
                    members[1].as_str(),
                    "AWS Lambda",
                    day,
                    "0.0000000049",
                    "0.01",
                ),
                (
                    members[2].as_str(),
                    "Amazon Simple Storage Service",
                    day.succ_opt().unwrap(),
                    "3.333333333",
                    "3.333333333",
                ),
            ];
            let total: Money = rows.iter().map(|r| r.3.parse::<Money>().unwrap()).sum();
            expected.insert(month, total);
            if month == Month::new(2026, 10).unwrap() {
                queued.push(ce_page(&rows[..1], Some("page-2")));
                queued.push(ce_page(&rows[1..], None));
            } else {
                queued.push(ce_page(&rows, None));
            }
        }
        let body = serde_json::json!({"results": queued}).to_string();
        assert_eq!(
            post(&url, "/moto-api/static/ce/cost-and-usage-results", &body),
            201
        );

        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
        let options = SyncOptions {
            full: false,
            today: today(),
            now: "2026-11-20T07:00:00Z".into(),
            max_cost: None,
        };
        let mut lines = Vec::new();
        let mut note = |l: &str| lines.push(l.to_string());
        let report = sync::run(&mut store, &orgs, &ce, &options, &mut note)
            .await
            .unwrap();
        assert!(report.failures.is_empty(), "{:?}", report.failures);
        assert_eq!(report.months_written.len(), 14);
        assert_eq!(report.ce_requests, 15, "14 months, one of them two pages");

        // Every month's total equals what Cost Explorer returned, to the nano-dollar.
        for (month, total) in &expected {
            assert_eq!(
                store.raw_month_total(*month, Metric::Unblended).unwrap(),
                *total,
                "{month}"
            );
        }
        let (org, _) = store.organization().unwrap();
        let payments = org
            .accounts
            .iter()
            .find(|a| a.name == "payments-prod")
            .unwrap();
        assert_eq!(
            org.ou_path(&payments.ou_id),
            "Root / Workloads / Production"
        );
        assert_eq!(
            org.accounts.len(),
            4,
            "the management account and three members"
        );
        let summary = store.summary().unwrap();
        assert_eq!(summary.months.iter().filter(|m| m.is_final).count(), 13);
        assert_eq!(store.api_requests_since("ce", "2026-11").unwrap(), 15);

        // A refresh right after: only the open month is requested again.
        let again = sync::run(&mut store, &orgs, &ce, &options, &mut |_: &str| {})
            .await
            .unwrap();
        assert_eq!(again.months_written, vec![Month::new(2026, 11).unwrap()]);
        assert_eq!(again.ce_requests, 1);
        assert_eq!(store.api_requests_since("ce", "2026-11").unwrap(), 16);
        let nov = Month::new(2026, 11).unwrap();
        assert_eq!(
            store.raw_month_total(nov, Metric::Unblended).unwrap(),
            expected[&nov]
        );
    });
}
