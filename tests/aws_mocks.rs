//! Error paths of the Cost Explorer adapter with aws-smithy-mocks: throttling that
//! recovers, throttling that runs out, and access denied.

use aws_sdk_costexplorer::config::retry::RetryConfig;
use aws_sdk_costexplorer::error::ErrorMetadata;
use aws_sdk_costexplorer::operation::get_cost_and_usage::{
    GetCostAndUsageError, GetCostAndUsageOutput,
};
use aws_sdk_costexplorer::types::{DateInterval, Group, MetricValue, ResultByTime};
use aws_sdk_costexplorer::Client;
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use chrono::NaiveDate;
use costscope::aws::cost_explorer::fetch_daily_costs;
use costscope::aws::AwsError;
use costscope::domain::{DateRange, Money};

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

fn client_with_retries(rules: &[&aws_smithy_mocks::Rule], attempts: u32) -> Client {
    mock_client!(aws_sdk_costexplorer, RuleMode::Sequential, rules, |c| c
        .retry_config(RetryConfig::standard().with_max_attempts(attempts)))
}

#[tokio::test]
async fn throttling_is_retried_and_then_succeeds() {
    let rule = mock!(Client::get_cost_and_usage)
        .sequence()
        .error(limit_exceeded)
        .times(2)
        .output(one_row)
        .build();
    let client = client_with_retries(&[&rule], 5);
    let costs = fetch_daily_costs(&client, october()).await.unwrap();
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
    let client = client_with_retries(&[&rule], 3);
    let err = fetch_daily_costs(&client, october()).await.unwrap_err();
    assert_eq!(
        err,
        AwsError::Throttled {
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
    let client = client_with_retries(&[&rule], 3);
    let err = fetch_daily_costs(&client, october()).await.unwrap_err();
    let AwsError::AccessDenied { operation, message } = err else {
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
        .collect()
}

/// An organization with no roots and no accounts (the sync then loads costs only).
fn empty_organization() -> aws_sdk_organizations::Client {
    use aws_sdk_organizations::operation::list_accounts::ListAccountsOutput;
    use aws_sdk_organizations::operation::list_roots::ListRootsOutput;
    let roots = mock!(aws_sdk_organizations::Client::list_roots)
        .then_output(|| ListRootsOutput::builder().build());
    let accounts = mock!(aws_sdk_organizations::Client::list_accounts)
        .then_output(|| ListAccountsOutput::builder().build());
    mock_client!(
        aws_sdk_organizations,
        RuleMode::MatchAny,
        [&roots, &accounts]
    )
}

/// A Cost Explorer client answering with whichever rule matches the request.
fn cost_explorer(rules: &[aws_smithy_mocks::Rule]) -> Client {
    let rules: Vec<&aws_smithy_mocks::Rule> = rules.iter().collect();
    mock_client!(aws_sdk_costexplorer, RuleMode::MatchAny, rules.as_slice())
}

#[tokio::test]
async fn a_month_that_fails_keeps_its_old_data_and_the_rest_still_loads() {
    use costscope::domain::{Metric, Month};
    use costscope::store::Store;
    use costscope::sync::{run, SyncOptions};

    let orgs = empty_organization();

    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let mut options = SyncOptions {
        full: false,
        today,
        now: "2026-11-20T07:00:00Z".into(),
        max_cost: None,
    };

    let first = ce_by_month("1.00", None);
    let ce = cost_explorer(&first);
    let report = run(&mut store, &orgs, &ce, &options, &mut |_: &str| {})
        .await
        .unwrap();
    assert_eq!(report.months_written.len(), 14);

    // A full resync where June is denied: June keeps its data, the others are replaced.
    let june = Month::new(2026, 6).unwrap();
    let second = ce_by_month("2.00", Some(june));
    let ce = cost_explorer(&second);
    options.full = true;
    let report = run(&mut store, &orgs, &ce, &options, &mut |_: &str| {})
        .await
        .unwrap();
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
    use costscope::sync::{run, SyncError, SyncOptions};

    let orgs = empty_organization();
    let rules = ce_by_month("1.00", None);
    let ce = cost_explorer(&rules);

    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
    let options = SyncOptions {
        full: false,
        today: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        now: "2026-11-20T07:00:00Z".into(),
        // 14 months need at least 14 requests, $0.14.
        max_cost: Some("0.10".parse().unwrap()),
    };
    let err = run(&mut store, &orgs, &ce, &options, &mut |_: &str| {})
        .await
        .unwrap_err();
    assert!(
        matches!(err, SyncError::OverCostCap { requests: 14, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("$0.14"), "{err}");
    assert_eq!(rules.iter().map(|r| r.num_calls()).sum::<usize>(), 0);
    assert!(store.summary().unwrap().months.is_empty());
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
    assert_eq!(org.accounts.len(), 1);
    assert_eq!(org.accounts[0].name, "late-page");
}
