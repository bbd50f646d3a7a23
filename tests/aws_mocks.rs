//! Error paths of the Cost Explorer and Data Exports adapters with aws-smithy-mocks:
//! throttling that recovers, throttling that runs out, and access denied.

mod common;

use aws_sdk_costexplorer::config::retry::RetryConfig;
use aws_sdk_costexplorer::error::ErrorMetadata;
use aws_sdk_costexplorer::operation::get_cost_and_usage::{
    GetCostAndUsageError, GetCostAndUsageOutput,
};
use aws_sdk_costexplorer::types::{DateInterval, Group, MetricValue, ResultByTime};
use aws_sdk_costexplorer::Client;
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use chrono::NaiveDate;
use costscope::aws::cost_explorer::{fetch_daily_costs, CallPolicy, Chain, CostExplorer};
use costscope::aws::pace::Pacer;
use costscope::aws::{CostClients, SourceError};
use costscope::config::CostExplorerSettings;
use costscope::domain::fees::ONCE_A_MONTH_RECORD_TYPES;
use costscope::domain::sources::{Fetched, PeriodCosts};
use costscope::domain::{DateRange, Money};
use costscope::sync::{SyncEvent, SyncOptions};
use std::time::Duration;

fn october() -> DateRange {
    DateRange::new(
        NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
        NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
    )
}

fn limit_exceeded() -> GetCostAndUsageError {
    GetCostAndUsageError::generic(
        ErrorMetadata::builder()
            .code("LimitExceededException")
            .message("Rate exceeded")
            .build(),
    )
}

/// Cost Explorer's answer for one day: AWS Lambda in one account.
fn lambda_day(day: NaiveDate, unblended: &str, amortized: &str) -> GetCostAndUsageOutput {
    let amount = |a: &str| MetricValue::builder().amount(a).unit("USD").build();
    GetCostAndUsageOutput::builder()
        .results_by_time(
            ResultByTime::builder()
                .time_period(
                    DateInterval::builder()
                        .start(day.to_string())
                        .end(day.succ_opt().unwrap().to_string())
                        .build()
                        .unwrap(),
                )
                .groups(
                    Group::builder()
                        .keys("111111111111")
                        .keys("AWS Lambda")
                        .metrics("UnblendedCost", amount(unblended))
                        .metrics("AmortizedCost", amount(amortized))
                        .build(),
                )
                .estimated(false)
                .build(),
        )
        .build()
}

fn one_row() -> GetCostAndUsageOutput {
    lambda_day(
        NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
        "1.25",
        "1.50",
    )
}

/// A Cost Explorer client with the SDK's retries off, as costscope builds it.
fn sequential_client(rules: &[&aws_smithy_mocks::Rule]) -> Client {
    mock_client!(aws_sdk_costexplorer, RuleMode::Sequential, rules, |c| c
        .retry_config(RetryConfig::disabled()))
}

/// One request chain for October with `attempts` tries per page and no waiting.
async fn fetch_october(client: &Client, attempts: u32) -> Fetched<PeriodCosts> {
    let pacer = Pacer::unlimited();
    let policy = CallPolicy {
        pacer: &pacer,
        max_attempts: attempts,
        first_backoff: Duration::from_millis(1),
    };
    fetch_daily_costs(client, october(), Chain::Daily, policy).await
}

/// Whether a request asks for the charges billed once a month only.
fn asks_for_fees(
    req: &aws_sdk_costexplorer::operation::get_cost_and_usage::GetCostAndUsageInput,
) -> bool {
    req.filter().and_then(|f| f.dimensions()).is_some_and(|d| {
        d.key() == Some(&aws_sdk_costexplorer::types::Dimension::RecordType)
            && d.values() == ONCE_A_MONTH_RECORD_TYPES
    })
}

#[tokio::test]
async fn the_fee_chain_asks_for_the_once_a_month_record_types_by_account_and_service() {
    let rule = mock!(Client::get_cost_and_usage)
        .match_requests(|req| {
            asks_for_fees(req)
                && req.granularity() == Some(&aws_sdk_costexplorer::types::Granularity::Daily)
                && req.group_by().len() == 2
        })
        .then_output(one_row);
    let client = sequential_client(&[&rule]);
    let pacer = Pacer::unlimited();
    let policy = CallPolicy {
        pacer: &pacer,
        max_attempts: 1,
        first_backoff: Duration::from_millis(1),
    };
    let chain = fetch_daily_costs(&client, october(), Chain::OnceAMonthFees, policy).await;
    let fees = chain.result.unwrap();
    assert_eq!(fees.rows.len(), 1);
    assert_eq!(fees.rows[0].amortized, "1.50".parse::<Money>().unwrap());
    assert_eq!(rule.num_calls(), 1);
}

#[tokio::test]
async fn throttling_is_retried_and_then_succeeds() {
    let rule = mock!(Client::get_cost_and_usage)
        .sequence()
        .error(limit_exceeded)
        .times(2)
        .output(one_row)
        .build();
    let client = sequential_client(&[&rule]);
    let chain = fetch_october(&client, 5).await;
    assert_eq!(
        (chain.requests, chain.throttles),
        (3, 2),
        "every attempt is counted"
    );
    let costs = chain.result.unwrap();
    assert_eq!(costs.rows.len(), 1);
    assert_eq!(costs.rows[0].unblended, "1.25".parse::<Money>().unwrap());
    assert_eq!(
        rule.num_calls(),
        3,
        "two throttled attempts, then the answer"
    );
}

#[tokio::test]
async fn throttling_that_outlasts_the_retries_is_reported_as_throttled() {
    let rule = mock!(Client::get_cost_and_usage)
        .sequence()
        .error(limit_exceeded)
        .times(10)
        .build();
    let client = sequential_client(&[&rule]);
    let chain = fetch_october(&client, 3).await;
    assert_eq!((chain.requests, chain.throttles), (3, 3));
    assert_eq!(
        chain.result.unwrap_err(),
        SourceError::Throttled {
            operation: "GetCostAndUsage"
        }
    );
    assert_eq!(rule.num_calls(), 3);
}

#[tokio::test]
async fn access_denied_is_named_as_such() {
    let rule = mock!(Client::get_cost_and_usage).then_error(|| {
        GetCostAndUsageError::generic(
            ErrorMetadata::builder()
                .code("AccessDeniedException")
                .message("User is not authorized to perform ce:GetCostAndUsage")
                .build(),
        )
    });
    let client = sequential_client(&[&rule]);
    let chain = fetch_october(&client, 3).await;
    assert_eq!(
        (chain.requests, chain.throttles),
        (1, 0),
        "denied is not retried"
    );
    let err = chain.result.unwrap_err();
    let SourceError::AccessDenied { operation, message } = err else {
        panic!("{err:?}")
    };
    assert_eq!(operation, "GetCostAndUsage");
    assert!(message.contains("ce:GetCostAndUsage"));
}

/// Cost Explorer answers per month: `dollars` on the first day, or AccessDenied for
/// `denied`.
fn ce_by_month(
    dollars: &str,
    denied: Option<costscope::domain::Month>,
) -> Vec<aws_smithy_mocks::Rule> {
    let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    costscope::domain::sync_plan::sync_window(today)
        .into_iter()
        .map(|month| {
            let matcher = month.first_day().to_string();
            let rule = mock!(Client::get_cost_and_usage).match_requests(move |req| {
                req.time_period().map(|p| p.start()) == Some(matcher.as_str())
                    && !asks_for_fees(req)
            });
            if Some(month) == denied {
                rule.then_error(|| {
                    GetCostAndUsageError::generic(
                        ErrorMetadata::builder()
                            .code("AccessDeniedException")
                            .message("denied")
                            .build(),
                    )
                })
            } else {
                let dollars = dollars.to_string();
                rule.then_output(move || lambda_day(month.first_day(), &dollars, &dollars))
            }
        })
        // Each month's fees: none billed.
        .chain(std::iter::once(
            mock!(Client::get_cost_and_usage)
                .match_requests(asks_for_fees)
                .then_output(|| GetCostAndUsageOutput::builder().build()),
        ))
        .collect()
}

/// The management account of organization o-test.
const MANAGEMENT: &str = "111111111111";

/// Clients for a sync: STS says `caller` is signed in; Organizations describes o-test
/// (management account 111111111111) with no roots and no accounts, or answers "not in
/// an organization" when `in_org` is false; Cost Explorer answers with `ce_rules`.
fn clients(caller: &'static str, in_org: bool, ce_rules: &[aws_smithy_mocks::Rule]) -> CostClients {
    use aws_sdk_organizations::operation::describe_organization::{
        DescribeOrganizationError, DescribeOrganizationOutput,
    };
    use aws_sdk_organizations::operation::list_accounts::ListAccountsOutput;
    use aws_sdk_organizations::operation::list_roots::ListRootsOutput;
    use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput;

    let who = mock!(aws_sdk_sts::Client::get_caller_identity).then_output(move || {
        GetCallerIdentityOutput::builder()
            .account(caller)
            .arn(format!("arn:aws:iam::{caller}:user/finops"))
            .build()
    });
    let describe = if in_org {
        mock!(aws_sdk_organizations::Client::describe_organization).then_output(|| {
            DescribeOrganizationOutput::builder()
                .organization(
                    aws_sdk_organizations::types::Organization::builder()
                        .id("o-test")
                        .master_account_id(MANAGEMENT)
                        .build(),
                )
                .build()
        })
    } else {
        mock!(aws_sdk_organizations::Client::describe_organization).then_error(|| {
            DescribeOrganizationError::generic(
                ErrorMetadata::builder()
                    .code("AWSOrganizationsNotInUseException")
                    .message("not in use")
                    .build(),
            )
        })
    };
    let roots = mock!(aws_sdk_organizations::Client::list_roots)
        .then_output(|| ListRootsOutput::builder().build());
    let accounts = mock!(aws_sdk_organizations::Client::list_accounts)
        .then_output(|| ListAccountsOutput::builder().build());
    let rules: Vec<&aws_smithy_mocks::Rule> = ce_rules.iter().collect();
    CostClients {
        sts: mock_client!(aws_sdk_sts, [&who]),
        organizations: mock_client!(
            aws_sdk_organizations,
            RuleMode::MatchAny,
            [&describe, &roots, &accounts]
        ),
        cost_explorer: mock_client!(aws_sdk_costexplorer, RuleMode::MatchAny, rules.as_slice()),
    }
}

fn options() -> SyncOptions {
    SyncOptions::new(
        NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        common::stamp("2026-11-20T07:00:00Z"),
    )
}

/// Cost Explorer unpaced, with a millisecond backoff: the tests throttle on purpose.
fn quick_retries() -> CostExplorerSettings {
    CostExplorerSettings {
        requests_per_second: 0.0,
        first_backoff: Duration::from_millis(1),
        ..CostExplorerSettings::default()
    }
}

/// Identifies, then syncs; returns the report and the progress lines.
async fn sync_with(
    store: &mut costscope::store::Store,
    clients: &CostClients,
    options: &SyncOptions,
) -> (
    Result<costscope::sync::SyncReport, costscope::sync::SyncError>,
    Vec<String>,
) {
    let identified = costscope::sync::identify(clients, options.now)
        .await
        .unwrap();
    let mut lines = Vec::new();
    let source = CostExplorer::new(clients.cost_explorer.clone(), &quick_retries());
    let result = costscope::sync::run(
        store,
        clients,
        &source,
        &identified,
        options,
        &mut |e: &SyncEvent| lines.push(e.to_string()),
    )
    .await;
    (result, lines)
}

#[tokio::test]
async fn a_month_that_fails_keeps_its_old_data_and_the_rest_still_loads() {
    use costscope::domain::{Metric, Month};
    use costscope::store::Store;

    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
    let mut options = options();

    let first = ce_by_month("1.00", None);
    let (report, _) = sync_with(&mut store, &clients(MANAGEMENT, true, &first), &options).await;
    assert_eq!(report.unwrap().months_written.len(), 14);

    // A full resync where June is denied: June keeps its data, the others are replaced.
    let june = Month::new(2026, 6).unwrap();
    let second = ce_by_month("2.00", Some(june));
    options.full = true;
    let (report, _) = sync_with(&mut store, &clients(MANAGEMENT, true, &second), &options).await;
    let report = report.unwrap();
    assert_eq!(report.months_written.len(), 13);
    assert_eq!(report.failures.len(), 1);
    assert!(
        report.failures[0].starts_with("2026-06: access denied"),
        "{:?}",
        report.failures
    );
    assert_eq!(
        store.raw_month_total(june, Metric::Unblended).unwrap(),
        Money::from_dollars(1)
    );
    let july = Month::new(2026, 7).unwrap();
    assert_eq!(
        store.raw_month_total(july, Metric::Unblended).unwrap(),
        Money::from_dollars(2)
    );
    assert_eq!(store.integrity_check().unwrap(), ["ok"]);
}

#[tokio::test]
async fn a_sync_over_the_cost_cap_makes_no_request() {
    use costscope::store::Store;
    use costscope::sync::SyncError;

    let rules = ce_by_month("1.00", None);
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
    let mut options = options();
    // 14 months need at least 28 requests (each month's costs, and its fees apart),
    // $0.28.
    options.max_cost = Some("0.20".parse().unwrap());
    let (result, _) = sync_with(&mut store, &clients(MANAGEMENT, true, &rules), &options).await;
    let err = result.unwrap_err();
    assert!(
        matches!(err, SyncError::OverCostCap { requests: 28, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("$0.28"), "{err}");
    assert_eq!(rules.iter().map(|r| r.num_calls()).sum::<usize>(), 0);
    assert!(store.summary().unwrap().months.is_empty());
}

#[tokio::test]
async fn a_member_account_is_told_what_it_sees_and_gets_its_own_cache() {
    use costscope::store::Store;

    let rules = ce_by_month("1.00", None);
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
    let member = clients("222222222222", true, &rules);
    let (report, lines) = sync_with(&mut store, &member, &options()).await;
    let report = report.unwrap();
    assert_eq!(
        report.scope.as_deref(),
        Some("member account 222222222222 of o-test")
    );
    assert!(
        lines.iter().any(|l| l.contains("only this account's costs")
            && l.contains("management account 111111111111")),
        "{lines:?}"
    );
    assert_eq!(
        store.meta("scope").unwrap().as_deref(),
        Some("account-222222222222")
    );
    let (org, _) = store.organization().unwrap();
    assert!(
        org.accounts.iter().any(|a| a.id == "222222222222"),
        "the member account stands in for the organization"
    );

    // The management account's sync refuses this member's cache.
    let management = clients(MANAGEMENT, true, &rules);
    let (result, _) = sync_with(&mut store, &management, &options()).await;
    let err = result.unwrap_err().to_string();
    assert!(err.contains("member account 222222222222"), "{err}");
}

#[tokio::test]
async fn throttles_and_pages_before_a_failure_are_all_on_the_meter() {
    use costscope::store::Store;

    // Page 1 arrives after two throttles; page 2 is denied: four requests in all.
    let rule = mock!(Client::get_cost_and_usage)
        .sequence()
        .error(limit_exceeded)
        .times(2)
        .output(|| {
            let mut page = one_row();
            page.next_page_token = Some("page-2".into());
            page
        })
        .error(|| {
            GetCostAndUsageError::generic(
                ErrorMetadata::builder()
                    .code("AccessDeniedException")
                    .message("denied")
                    .build(),
            )
        })
        .build();
    let client = sequential_client(&[&rule]);
    let chain = fetch_october(&client, 5).await;
    assert_eq!((chain.requests, chain.throttles), (4, 2));
    assert!(matches!(
        chain.result,
        Err(SourceError::AccessDenied { .. })
    ));

    // Through a sync, the same counts land in the cache.
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
    let rules = ce_by_month("1.00", None);
    let (report, _) = sync_with(&mut store, &clients(MANAGEMENT, true, &rules), &options()).await;
    let report = report.unwrap();
    assert_eq!(
        report.ce_requests, 28,
        "each month's costs, and its fees apart"
    );
    assert_eq!(store.api_requests_since("ce", "2026-11").unwrap(), 28);
    assert_eq!(
        store
            .api_requests_since("organizations", "2026-11")
            .unwrap(),
        3
    );
}

#[tokio::test]
async fn no_organization_falls_back_to_the_signed_in_account() {
    use costscope::store::Store;

    let rules = ce_by_month("1.00", None);
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
    let (report, lines) = sync_with(
        &mut store,
        &clients("333333333333", false, &rules),
        &options(),
    )
    .await;
    assert_eq!(report.unwrap().months_written.len(), 14);
    assert!(
        lines.iter().any(|l| l.contains("not in an organization")),
        "{lines:?}"
    );
    assert_eq!(
        store.meta("scope").unwrap().as_deref(),
        Some("account-333333333333")
    );
}

#[tokio::test]
async fn list_accounts_follows_a_token_past_an_empty_page() {
    use aws_sdk_organizations::operation::list_accounts::ListAccountsOutput;
    use aws_sdk_organizations::operation::list_roots::ListRootsOutput;
    use aws_sdk_organizations::types::Account;
    use costscope::aws::organizations::fetch_organization;

    let roots = mock!(aws_sdk_organizations::Client::list_roots)
        .then_output(|| ListRootsOutput::builder().build());
    let pages = mock!(aws_sdk_organizations::Client::list_accounts)
        .sequence()
        .output(|| ListAccountsOutput::builder().next_token("page-2").build())
        .output(|| {
            ListAccountsOutput::builder()
                .accounts(
                    Account::builder()
                        .id("222222222222")
                        .name("late-page")
                        .build(),
                )
                .build()
        })
        .build();
    let orgs = mock_client!(aws_sdk_organizations, RuleMode::MatchAny, [&roots, &pages]);
    let org = fetch_organization(&orgs).await.unwrap();
    assert_eq!(pages.num_calls(), 2, "the empty page's token was followed");
    assert_eq!(org.requests, 3, "ListRoots, then two ListAccounts pages");
    assert_eq!(org.organization.accounts.len(), 1);
    assert_eq!(org.organization.accounts[0].name, "late-page");
}

#[tokio::test]
async fn with_the_network_down_the_tui_says_offline_and_keeps_the_cache() {
    use costscope::store::Store;
    use costscope::tui::jobs::{AwsJobs, Connect};
    use costscope::tui::Action;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.sqlite");
    let mut store = Store::open(&path).unwrap();
    let rules = ce_by_month("1.00", None);
    let (report, _) = sync_with(&mut store, &clients(MANAGEMENT, true, &rules), &options()).await;
    report.unwrap();

    // Nothing listens on this loopback port: every connection is refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sts::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .load()
        .await;
    let syncer = AwsJobs {
        cache: path.clone(),
        connect: Connect::Config(Box::new(config)),
        options: options(),
        cost_explorer: quick_retries(),
        export: None,
        scan: Default::default(),
        prices: costscope::config::prices::built_in_prices(),
    };
    let mut app = common::app_on(store).with_jobs(Box::new(syncer));
    let before = app.state.summary.clone();
    app.dispatch(Action::Refresh);
    app.dispatch(Action::Enter);
    let ended = tokio::task::spawn_blocking(move || {
        let ended = app.wait_for_sync(Duration::from_secs(120));
        (ended, app)
    })
    .await
    .unwrap();
    let (ended, app) = ended;
    assert!(ended);
    assert!(app.state.sync.offline, "{:?}", app.state.message);
    let (_, message) = app.state.message.clone().unwrap();
    assert!(
        message.starts_with("offline: cannot reach AWS"),
        "{message}"
    );
    assert_eq!(app.state.summary, before, "the cache is as it was");

    let screen = common::screen_text(&app, 120, 30);
    assert!(screen.contains("OFFLINE"), "{screen}");
}

/// The scan's clients count every attempt the SDK makes, so a request AWS throttled and
/// the SDK retried shows in the API meter (and `api_calls`) instead of vanishing.
#[test]
fn throttled_attempts_the_sdk_retried_are_on_the_meter() {
    use aws_sdk_ec2::config::{Credentials, SharedCredentialsProvider};
    use aws_smithy_types::body::SdkBody;
    use costscope::aws::attempts::AttemptCounter;
    use costscope::aws::inventory::{regions, RegionClients};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let sent = std::sync::Arc::new(AtomicUsize::new(0));
    let answers = sent.clone();
    let http = aws_smithy_http_client::test_util::infallible_client_fn(move |_request| {
        let (status, body) = match answers.fetch_add(1, Ordering::SeqCst) {
            0 => (503, "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>r-1</RequestID></Response>".to_string()),
            _ => (200, "<DescribeRegionsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>r-2</requestId><regionInfo><item><regionName>us-east-1</regionName><optInStatus>opt-in-not-required</optInStatus></item></regionInfo></DescribeRegionsResponse>".to_string()),
        };
        http::Response::builder()
            .status(status)
            .body(SdkBody::from(body))
            .unwrap()
    });
    let config = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "testing", "testing", None, None, "test",
        )))
        .retry_config(costscope::aws::read_retries())
        .http_client(http)
        .build();
    let counter = AttemptCounter::default();
    let clients = RegionClients::new(&config, "us-east-1", &counter);
    let mut meter = costscope::aws::Meter::default();
    let found = common::runtime()
        .block_on(regions(&clients.ec2, &mut meter))
        .unwrap();
    assert_eq!(found.enabled, ["us-east-1"], "the retry succeeded");
    assert_eq!(sent.load(Ordering::SeqCst), 2);
    meter.absorb(counter);
    let entry = &meter.tally.entries[0];
    assert_eq!((entry.service, entry.operation), ("ec2", "DescribeRegions"));
    assert_eq!(
        (entry.requests, entry.throttled),
        (2, 1),
        "both attempts, one throttled"
    );
}

mod data_exports {
    //! The Data Exports API adapter: every page of ListExports, GetExport of each,
    //! throttling retried and counted, and access denied named.

    use aws_sdk_bcmdataexports::error::ErrorMetadata;
    use aws_sdk_bcmdataexports::operation::get_export::{GetExportError, GetExportOutput};
    use aws_sdk_bcmdataexports::operation::list_exports::{ListExportsError, ListExportsOutput};
    use aws_sdk_bcmdataexports::types::{
        DataQuery, DestinationConfigurations, Export, ExportReference, S3Destination,
        S3OutputConfigurations,
    };
    use aws_sdk_bcmdataexports::Client;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};
    use costscope::aws::attempts::AttemptCounter;
    use costscope::aws::data_exports::DataExports;
    use costscope::aws::SourceError;
    use costscope::domain::export::choose_export;
    use costscope::domain::sources::ExportCatalog;
    use std::time::Duration;

    fn reference(name: &str) -> ExportReference {
        ExportReference::builder()
            .export_arn(format!(
                "arn:aws:bcm-data-exports:us-east-1:123456789012:export/{name}"
            ))
            .export_name(name)
            .build()
            .unwrap()
    }

    fn export(name: &str, table: &str) -> GetExportOutput {
        let s3 = S3Destination::builder()
            .s3_bucket("billing-exports")
            .s3_prefix("cur")
            .s3_region("eu-west-1")
            .s3_output_configurations(
                S3OutputConfigurations::builder()
                    .output_type("CUSTOM".into())
                    .format("PARQUET".into())
                    .compression("PARQUET".into())
                    .overwrite("OVERWRITE_REPORT".into())
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        GetExportOutput::builder()
            .export(
                Export::builder()
                    .name(name)
                    .data_query(
                        DataQuery::builder()
                            .query_statement(format!(
                                "SELECT line_item_unblended_cost FROM {table}"
                            ))
                            .build()
                            .unwrap(),
                    )
                    .destination_configurations(
                        DestinationConfigurations::builder()
                            .s3_destination(s3)
                            .build(),
                    )
                    .build()
                    .unwrap(),
            )
            .build()
    }

    fn catalog(rules: &[&aws_smithy_mocks::Rule]) -> DataExports {
        let counter = AttemptCounter::default();
        let client: Client = mock_client!(aws_sdk_bcmdataexports, RuleMode::MatchAny, rules, |c| c
            .retry_config(
                aws_sdk_bcmdataexports::config::retry::RetryConfig::standard()
                    .with_max_attempts(3)
                    .with_initial_backoff(Duration::from_millis(1))
            )
            .interceptor(counter.clone()));
        DataExports::from_client(client, counter)
    }

    #[tokio::test]
    async fn every_export_is_read_with_its_table_and_destination_and_the_cost_one_chosen() {
        let first_page = mock!(Client::list_exports)
            .match_requests(|r| r.next_token().is_none())
            .then_output(|| {
                ListExportsOutput::builder()
                    .exports(reference("carbon"))
                    .next_token("page-2")
                    .build()
            });
        let second_page = mock!(Client::list_exports)
            .match_requests(|r| r.next_token() == Some("page-2"))
            .then_output(|| {
                ListExportsOutput::builder()
                    .exports(reference("org-cur2"))
                    .build()
            });
        let carbon = mock!(Client::get_export)
            .match_requests(|r| r.export_arn().is_some_and(|a| a.ends_with("/carbon")))
            .then_output(|| export("carbon", "CARBON_EMISSIONS"));
        // Throttled once, then answered: the retry is counted.
        let cur = mock!(Client::get_export)
            .match_requests(|r| r.export_arn().is_some_and(|a| a.ends_with("/org-cur2")))
            .sequence()
            .error(|| {
                GetExportError::generic(
                    ErrorMetadata::builder()
                        .code("ThrottlingException")
                        .message("Rate exceeded")
                        .build(),
                )
            })
            .output(|| export("org-cur2", "COST_AND_USAGE_REPORT"))
            .build();
        let fetched = catalog(&[&first_page, &second_page, &carbon, &cur])
            .exports()
            .await;
        let exports = fetched.result.unwrap();
        assert_eq!(exports.len(), 2, "both pages");
        assert_eq!(exports[1].table, "COST_AND_USAGE_REPORT");
        assert_eq!(cur.num_calls(), 2, "the throttled GetExport was retried");
        assert_eq!(fetched.requests, 5, "two pages, three GetExport attempts");
        let (at, region) = choose_export(&exports, None).unwrap();
        assert_eq!(
            (at.bucket.as_str(), at.root.as_str(), region.as_str()),
            ("billing-exports", "cur/org-cur2", "eu-west-1"),
            "the carbon export is not a cost export"
        );
    }

    #[tokio::test]
    async fn access_denied_to_the_data_exports_api_is_named() {
        let denied = mock!(Client::list_exports).then_error(|| {
            ListExportsError::generic(
                ErrorMetadata::builder()
                    .code("AccessDeniedException")
                    .message("not authorized to perform bcm-data-exports:ListExports")
                    .build(),
            )
        });
        let fetched = catalog(&[&denied]).exports().await;
        let err = fetched.result.unwrap_err();
        let SourceError::AccessDenied { operation, message } = err else {
            panic!("{err:?}")
        };
        assert_eq!(operation, "ListExports");
        assert!(message.contains("bcm-data-exports:ListExports"));
        assert_eq!(fetched.requests, 1, "denied is not retried");
    }
}
