//! The real SDK clients against moto's server on loopback (started by scripts/test.sh,
//! which exports COSTSCOPE_TEST_MOTO_URL). With CI set, a missing server fails the test.

mod common;

use chrono::NaiveDate;
use costscope::aws::cost_explorer::CostExplorer;
use costscope::aws::CostClients;
use costscope::domain::{Metric, Money, Month};
use costscope::store::Store;
use costscope::sync::{self, SyncEvent, SyncOptions};

use common::moto::{costscope_at, create_member, moto_url, post, sdk_config, MOTO};

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
        let clients = CostClients::new(&config);
        let orgs = &clients.organizations;

        // An organization with two OUs (one nested) and three member accounts.
        let org_id = orgs
            .create_organization()
            .send()
            .await
            .unwrap()
            .organization()
            .unwrap()
            .id()
            .unwrap()
            .to_string();
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
            let id = create_member(orgs, name).await;
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

        // One queued result per month request, newest first as the sync asks; October
        // takes two pages.
        let mut queued = Vec::new();
        let mut expected: std::collections::BTreeMap<Month, Money> = Default::default();
        for month in costscope::domain::sync_plan::sync_window(today())
            .into_iter()
            .rev()
        {
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
            // Then the month's fees, apart: a part of the EC2 row on its 1st.
            queued.push(ce_page(
                &[(rows[0].0, rows[0].1, day, "1.0000000001", "0")],
                None,
            ));
        }
        let body = serde_json::json!({"results": queued}).to_string();
        assert_eq!(
            post(&url, "/moto-api/static/ce/cost-and-usage-results", &body),
            201
        );

        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
        let options = SyncOptions::new(today(), common::stamp("2026-11-20T07:00:00Z"));
        let identified = sync::identify(&clients, options.now).await.unwrap();
        assert_eq!(identified.scope.key(), format!("org-{org_id}"));
        let mut lines = Vec::new();
        let mut note = |e: &SyncEvent| lines.push(e.to_string());
        let report = sync::run(
            &mut store,
            &clients,
            &ce(&clients),
            &identified,
            &options,
            &mut note,
        )
        .await
        .unwrap();
        assert!(
            lines.iter().any(
                |l| l.starts_with("fetching 14 months, newest first: 28 to ")
                    && l.contains("a guess for")
            ),
            "{lines:?}"
        );
        assert!(report.failures.is_empty(), "{:?}", report.failures);
        assert_eq!(report.months_written.len(), 14);
        assert_eq!(
            report.ce_requests, 29,
            "14 months, one of them two pages, and each month's fees"
        );

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
        assert_eq!(store.api_requests_since("ce", "2026-11").unwrap(), 29);
        let october = Month::new(2026, 10).unwrap();
        let fees = store
            .fees(None, october.range(), Metric::Unblended)
            .unwrap();
        assert_eq!(fees.len(), 1);
        assert_eq!(fees[0].1.amount, "1.0000000001".parse::<Money>().unwrap());

        // A refresh right after: only the open month is requested again.
        let again = sync::run(
            &mut store,
            &clients,
            &ce(&clients),
            &identified,
            &options,
            &mut |_: &SyncEvent| {},
        )
        .await
        .unwrap();
        assert_eq!(again.months_written, vec![Month::new(2026, 11).unwrap()]);
        assert_eq!(again.ce_requests, 2);
        assert_eq!(store.api_requests_since("ce", "2026-11").unwrap(), 31);
        let nov = Month::new(2026, 11).unwrap();
        assert_eq!(
            store.raw_month_total(nov, Metric::Unblended).unwrap(),
            expected[&nov]
        );
    });
}

/// Queues one single-page answer per month of the window, newest first as the sync
/// asks: `dollars` for `account` on each month's first day, then the month's fees (none).
/// Returns the total queued.
fn queue_one_row_per_month(url: &str, account: &str, dollars: &str) -> Money {
    let mut total = Money::ZERO;
    let pages: Vec<serde_json::Value> = costscope::domain::sync_plan::sync_window(today())
        .into_iter()
        .rev()
        .flat_map(|month| {
            total += dollars.parse::<Money>().unwrap();
            [
                ce_page(
                    &[(account, "AWS Lambda", month.first_day(), dollars, dollars)],
                    None,
                ),
                ce_page(&[], None),
            ]
        })
        .collect();
    let body = serde_json::json!({ "results": pages }).to_string();
    assert_eq!(
        post(url, "/moto-api/static/ce/cost-and-usage-results", &body),
        201
    );
    total
}

/// A reset moto with an organization whose management account is moto's default one.
fn fresh_organization(url: &str) -> (aws_config::SdkConfig, String) {
    assert_eq!(post(url, "/moto-api/reset", ""), 200);
    common::runtime().block_on(async {
        let config = sdk_config(url).await;
        let created = aws_sdk_organizations::Client::new(&config)
            .create_organization()
            .send()
            .await
            .unwrap();
        let id = created.organization().unwrap().id().unwrap().to_string();
        (config, id)
    })
}

#[test]
fn an_account_outside_any_organization_syncs_alone_and_never_into_another_scope() {
    let Some(url) = moto_url() else { return };
    let _turn = MOTO.lock().unwrap_or_else(|e| e.into_inner());
    assert_eq!(post(&url, "/moto-api/reset", ""), 200);
    common::runtime().block_on(async {
        let clients = CostClients::new(&sdk_config(&url).await);
        let options = SyncOptions::new(today(), common::stamp("2026-11-20T07:00:00Z"));
        // moto's default account, with no organization created.
        let identified = sync::identify(&clients, options.now).await.unwrap();
        assert_eq!(identified.scope.key(), "account-123456789012");

        // A cache that holds another organization's costs is refused before any request.
        let dir = tempfile::tempdir().unwrap();
        let mut other = Store::open(&dir.path().join("other.sqlite")).unwrap();
        other.set_meta("scope", "org-o-someoneelse").unwrap();
        let err = sync::run(
            &mut other,
            &clients,
            &ce(&clients),
            &identified,
            &options,
            &mut |_: &SyncEvent| {},
        )
        .await
        .unwrap_err();
        assert!(
            err.to_string().contains("org-o-someoneelse")
                && err.to_string().contains("account 123456789012"),
            "{err}"
        );
        assert_eq!(other.api_requests_since("ce", "2026").unwrap(), 0);

        let total = queue_one_row_per_month(&url, "123456789012", "2.50");
        let mut store = Store::open(&dir.path().join("own.sqlite")).unwrap();
        let mut lines = Vec::new();
        let report = sync::run(
            &mut store,
            &clients,
            &ce(&clients),
            &identified,
            &options,
            &mut |e: &SyncEvent| lines.push(e.to_string()),
        )
        .await
        .unwrap();
        assert_eq!(report.months_written.len(), 14);
        assert!(
            lines.iter().any(|l| l.contains("not in an organization")),
            "the user is told: {lines:?}"
        );
        let (org, _) = store.organization().unwrap();
        assert_eq!(org.accounts.len(), 1);
        assert_eq!(org.accounts[0].id, "123456789012");
        let mut sum = Money::ZERO;
        for month in costscope::domain::sync_plan::sync_window(today()) {
            sum += store.raw_month_total(month, Metric::Unblended).unwrap();
        }
        assert_eq!(sum, total);
        assert_eq!(
            store.meta("scope").unwrap().as_deref(),
            Some("account-123456789012")
        );
        // STS and Organizations calls are on the meter too.
        assert_eq!(store.api_requests_since("sts", "2026").unwrap(), 1);
    });
}

#[test]
fn the_tui_refresh_syncs_in_the_background_and_the_views_follow() {
    use costscope::tui::jobs::{AwsJobs, Connect};
    use costscope::tui::Action;

    let Some(url) = moto_url() else { return };
    let _turn = MOTO.lock().unwrap_or_else(|e| e.into_inner());
    let (config, _) = fresh_organization(&url);
    queue_one_row_per_month(&url, "123456789012", "4.00");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.sqlite");
    let store = Store::open(&path).unwrap();
    let syncer = AwsJobs {
        cache: path.clone(),
        connect: Connect::Config(Box::new(config)),
        options: SyncOptions::new(today(), common::stamp("2026-11-20T07:00:00Z")),
        cost_explorer: Default::default(),
        export: None,
        scan: Default::default(),
        prices: costscope::config::prices::built_in_prices(),
    };
    let mut app = common::app_on(store).with_jobs(Box::new(syncer));
    assert!(app.state.summary.months.is_empty());

    app.dispatch(Action::Refresh);
    assert!(
        matches!(&app.state.mode, costscope::tui::state::Mode::ConfirmSync { months, estimate } if months.len() == 14 && estimate.low == 28),
        "the dialog shows the estimate first"
    );
    app.dispatch(Action::Enter);
    assert!(app.state.sync.running.is_some());
    assert!(
        app.wait_for_sync(std::time::Duration::from_secs(120)),
        "the sync ended"
    );

    assert_eq!(
        app.state.summary.months.len(),
        14,
        "{:?}",
        app.state.message
    );
    assert_eq!(app.state.sync.last_sync_requests, Some(28));
    assert!(!app.state.sync.offline);
    assert!(matches!(
        app.state.data,
        costscope::tui::model::ViewData::Overview(_)
    ));
    let screen = common::screen_text(&app, 160, 30);
    assert!(screen.contains("last sync $0.28"), "{screen}");
}

#[test]
fn the_cli_syncs_into_the_organizations_own_cache_and_reads_it_offline() {
    let Some(url) = moto_url() else { return };
    let _turn = MOTO.lock().unwrap_or_else(|e| e.into_inner());
    let (_, org_id) = fresh_organization(&url);
    queue_one_row_per_month(&url, "123456789012", "1.25");

    let home = tempfile::tempdir().unwrap();
    let run = |endpoint: &str, args: &[&str]| {
        let out = costscope_at(home.path(), endpoint)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };

    let (code, _, err) = run(&url, &["sync"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("fetching 14 months, newest first: 28 to ") && err.contains("a guess for"),
        "{err}"
    );
    assert!(err.contains("28 Cost Explorer requests ($0.28)"), "{err}");
    let cache = home
        .path()
        .join(format!("data/costscope/caches/org-{org_id}.sqlite"));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&cache).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "owner-only cache");

    // Right after: only the open month.
    let (code, _, err) = run(&url, &["sync"]);
    assert_eq!(code, Some(0), "{err}");
    // Estimated from the pages the first sync took: two a month (costs, fees).
    assert!(
        err.contains("fetching 1 month, newest first: about 2 Cost Explorer requests ($0.02), as the last sync needed"),
        "{err}"
    );

    // With the network gone, the last synced organization's cache still answers.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let (code, out, err) = run(
        &nowhere,
        &[
            "costs", "--month", "2026-10", "--by", "account", "--format", "csv",
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("123456789012") && out.contains("1.25"),
        "{out}"
    );

    // And a sync without network says so and exits non-zero, leaving the cache alone.
    let (code, _, err) = run(&nowhere, &["sync"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("cannot reach AWS"), "{err}");
    let (_, out, _) = run(
        &nowhere,
        &[
            "costs", "--month", "2026-10", "--by", "account", "--format", "csv",
        ],
    );
    assert!(out.contains("1.25"), "{out}");
}

#[test]
fn sigkill_during_a_sync_leaves_only_exact_months_and_a_cache_that_checks_ok() {
    let Some(url) = moto_url() else { return };
    let _turn = MOTO.lock().unwrap_or_else(|e| e.into_inner());
    fresh_organization(&url);
    queue_one_row_per_month(&url, "123456789012", "1.25");
    let home = tempfile::tempdir().unwrap();
    // Two Cost Explorer requests a second: the 14 months take about 14 s, so a kill
    // lands in the middle.
    let config = home.path().join("config/costscope");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("config.toml"), "ce_requests_per_second = 2.0\n").unwrap();
    let cache = home.path().join("org.sqlite");
    let cache_arg = cache.to_str().unwrap();
    let mut months_before = 0;
    for delay_ms in [1500, 4000] {
        let mut sync = costscope_at(home.path(), &url)
            .args(["sync", "--cache", cache_arg])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        sync.kill().unwrap(); // SIGKILL
        sync.wait().unwrap();

        let check = costscope_at(home.path(), &url)
            .args(["check", "--cache", cache_arg])
            .output()
            .unwrap();
        assert!(check.status.success(), "{check:?}");
        assert!(String::from_utf8_lossy(&check.stdout).contains(": ok"));
        // Every month the cache holds is whole and exact; the others are simply absent.
        let months = Store::open(&cache).unwrap().summary().unwrap().months;
        assert!(
            months.len() >= months_before,
            "a later sync never loses a month"
        );
        months_before = months.len();
        for m in &months {
            let out = costscope_at(home.path(), &url)
                .args(["costs", "--format", "json", "--cache", cache_arg])
                .args(["--month", &m.month.to_string()])
                .output()
                .unwrap();
            let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(report["total"], "1.25", "{}", m.month);
        }
    }
    assert!(months_before < 14, "the kills landed before the end");
    // The next sync finishes the job.
    let done = costscope_at(home.path(), &url)
        .args(["sync", "--cache", cache_arg])
        .output()
        .unwrap();
    assert!(done.status.success(), "{done:?}");
    assert_eq!(
        Store::open(&cache).unwrap().summary().unwrap().months.len(),
        14
    );
}

/// Cost Explorer with the default settings, on these clients.
fn ce(clients: &CostClients) -> CostExplorer {
    CostExplorer::new(clients.cost_explorer.clone(), &Default::default())
}
