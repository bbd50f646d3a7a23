//! The inventory scan with the real SDK clients against moto's server: member accounts
//! reached through AssumeRole, each rule both ways with exact savings, one account
//! whose role is missing reported without stopping the scan, CloudWatch requests
//! counted, and a rescan that updates instead of duplicating.

mod common;

use aws_sdk_sts::error::ErrorMetadata;
use aws_sdk_sts::operation::assume_role::{AssumeRoleError, AssumeRoleOutput};
use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput;
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use common::fixtures::{assume, build_account_a};
use common::moto::{create_member, fresh_organization, moto_url, MOTO};
use costscope::aws::CostClients;
use costscope::config::prices::built_in_prices;
use costscope::config::ScanSettings;
use costscope::domain::findings::{FindingStatus, Rule, TrackedFinding};
use costscope::domain::Money;
use costscope::store::{FindingFilter, Store, UnitStatus};
use costscope::sync::scan::{ScanOptions, ScanReport};
use costscope::sync::SyncEvent;

const MANAGEMENT: &str = "123456789012";

fn dollars(text: &str) -> Money {
    text.parse().unwrap()
}

/// STS as the scan sees it: the management account signed in; AssumeRole into A and B
/// answers with moto's own credentials for them; C's role is missing.
fn sts_with_missing_role(
    granted: Vec<(String, AssumeRoleOutput)>,
    missing: String,
) -> aws_sdk_sts::Client {
    let mut rules = vec![
        mock!(aws_sdk_sts::Client::get_caller_identity).then_output(|| {
            GetCallerIdentityOutput::builder()
                .account(MANAGEMENT)
                .arn(format!("arn:aws:iam::{MANAGEMENT}:user/finops"))
                .build()
        }),
    ];
    for (account, out) in granted {
        let arn = format!("arn:aws:iam::{account}:role/OrganizationAccountAccessRole");
        rules.push(
            mock!(aws_sdk_sts::Client::assume_role)
                .match_requests(move |r| r.role_arn() == Some(arn.as_str()))
                .then_output(move || out.clone()),
        );
    }
    let arn = format!("arn:aws:iam::{missing}:role/OrganizationAccountAccessRole");
    rules.push(
        mock!(aws_sdk_sts::Client::assume_role)
            .match_requests(move |r| r.role_arn() == Some(arn.as_str()))
            .then_error(|| {
                AssumeRoleError::generic(
                    ErrorMetadata::builder()
                        .code("AccessDenied")
                        .message("User is not authorized to perform: sts:AssumeRole")
                        .build(),
                )
            }),
    );
    let refs: Vec<&aws_smithy_mocks::Rule> = rules.iter().collect();
    mock_client!(aws_sdk_sts, RuleMode::MatchAny, &refs)
}

async fn scan(
    store: &mut Store,
    clients: &CostClients,
    config: &aws_config::SdkConfig,
    events: &mut Vec<String>,
) -> ScanReport {
    scan_keeping(store, clients, config, events, 0).await
}

/// A scan that keeps units scanned in the last `resume_minutes` (0: none).
async fn scan_keeping(
    store: &mut Store,
    clients: &CostClients,
    config: &aws_config::SdkConfig,
    events: &mut Vec<String>,
    resume_minutes: u32,
) -> ScanReport {
    let now = chrono::Utc::now();
    let identified = costscope::sync::identify(clients, costscope::domain::Stamp::from(now))
        .await
        .unwrap();
    let mut settings = ScanSettings {
        regions: vec!["us-east-1".into(), "us-west-2".into()],
        concurrency: 4,
        resume_within_minutes: resume_minutes,
        // The per-service ceiling is on, as a throttled organization would set it.
        requests_per_second: 100.0,
        ..ScanSettings::default()
    };
    settings.thresholds.snapshot_age_days = 0;
    settings.thresholds.unattached_volume_days = 0;
    let options = ScanOptions {
        settings,
        prices: built_in_prices(),
        now,
    };
    let mut progress = |e: &SyncEvent| events.push(e.to_string());
    costscope::jobs::Session::with_clients(config.clone(), clients.clone())
        .scan(store, &identified, &options, &mut progress)
        .await
        .unwrap()
}

fn of<'a>(
    findings: &'a [TrackedFinding],
    rule: Rule,
    resource: &str,
) -> Option<&'a TrackedFinding> {
    findings
        .iter()
        .find(|f| f.finding.rule == rule && f.finding.resource == resource)
}

#[test]
fn scan_finds_each_rule_both_ways_across_assumed_accounts_and_reports_a_missing_role() {
    let Some(url) = moto_url() else { return };
    let _turn = MOTO.lock().unwrap_or_else(|e| e.into_inner());
    common::runtime().block_on(async {
        let (config, orgs) = fresh_organization(&url).await;
        let mut members = Vec::new();
        for name in ["app-a", "app-b", "locked-c"] {
            members.push(create_member(&orgs, name).await);
        }
        let (a, b, c) = (members[0].clone(), members[1].clone(), members[2].clone());
        let (a_role, a_config) = assume(&config, &a).await;
        let (b_role, b_config) = assume(&config, &b).await;
        let built = build_account_a(&a_config, "a").await;
        // Account B: one unassociated address in us-west-2.
        let b_west = b_config
            .to_builder()
            .region(aws_config::Region::new("us-west-2"))
            .build();
        let b_ec2 = aws_sdk_ec2::Client::new(&b_west);
        let b_free = b_ec2.allocate_address().send().await.unwrap();
        let b_free = b_free.allocation_id().unwrap().to_string();

        let clients = CostClients {
            sts: sts_with_missing_role(vec![(a.clone(), a_role), (b.clone(), b_role)], c.clone()),
            organizations: orgs.clone(),
            cost_explorer: aws_sdk_costexplorer::Client::new(&config),
        };
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
        let mut events = Vec::new();
        let report = scan(&mut store, &clients, &config, &mut events).await;

        // C is reported, with the reason, and did not stop the others.
        assert_eq!(report.accounts, 4, "management + 3 members");
        assert_eq!(report.not_scanned.len(), 1, "{:?}", report.not_scanned);
        assert_eq!(report.not_scanned[0].0, c);
        assert!(
            report.not_scanned[0].2.contains("AssumeRole"),
            "{}",
            report.not_scanned[0].2
        );
        assert!(
            events
                .iter()
                .any(|e| e.contains(&c) && e.contains("NOT SCANNED")),
            "{events:?}"
        );
        // 3 reachable accounts x (2 regions + S3).
        assert_eq!(report.units_scanned, 9);

        let open = store.findings(&FindingFilter::default()).unwrap();
        // Idle EC2: the idle twin at m5.large $0.096/h x 730, not the busy one.
        let idle = of(&open, Rule::IdleEc2, &built.idle_instance).expect("idle instance");
        assert_eq!(idle.finding.saving.amount(), Some(dollars("70.08")));
        assert_eq!(idle.finding.account, a);
        assert_eq!(
            idle.finding.evidence.series.as_ref().unwrap().values.len(),
            5
        );
        assert!(of(&open, Rule::IdleEc2, &built.busy_instance).is_none());
        // gp2: both 8 GiB root volumes (gp2 $0.80 - gp3 $0.64 - 3 MiB/s $0.12); the gp3 one is not.
        let gp2: Vec<_> = open
            .iter()
            .filter(|f| f.finding.rule == Rule::Gp2Volume)
            .collect();
        assert_eq!(gp2.len(), 2, "{gp2:?}");
        assert!(gp2
            .iter()
            .all(|f| f.finding.saving.amount() == Some(dollars("0.04"))));
        // Unattached: the spare gp3 100 GiB: $8.00 - a $5.00 snapshot.
        let unattached: Vec<_> = open
            .iter()
            .filter(|f| f.finding.rule == Rule::UnattachedVolume)
            .collect();
        assert_eq!(unattached.len(), 1);
        assert_eq!(unattached[0].finding.saving.amount(), Some(dollars("3")));
        // Old snapshot: the backup (100 GiB x $0.05, an upper bound), not the AMI's.
        let old = of(&open, Rule::OldSnapshot, &built.old_snapshot).expect("old snapshot");
        assert_eq!(old.finding.saving.amount(), Some(dollars("5")));
        assert!(old.finding.saving.is_upper_bound());
        assert!(of(&open, Rule::OldSnapshot, &built.ami_snapshot).is_none());
        // Idle RDS: db.m5.large $0.171/h x 730; the one with connections is not.
        let db = of(&open, Rule::IdleRds, "idle-db").expect("idle database");
        assert_eq!(db.finding.saving.amount(), Some(dollars("124.83")));
        assert!(of(&open, Rule::IdleRds, "busy-db").is_none());
        // Elastic IPs: the free ones in A and B, not the associated one.
        assert_eq!(
            of(&open, Rule::UnassociatedEip, &built.free_address)
                .map(|f| f.finding.saving.amount()),
            Some(Some(dollars("3.65")))
        );
        assert!(of(&open, Rule::UnassociatedEip, &built.used_address).is_none());
        let west = of(&open, Rule::UnassociatedEip, &b_free).expect("B's address");
        assert_eq!(
            (west.finding.account.as_str(), west.finding.region.as_str()),
            (b.as_str(), "us-west-2")
        );
        // S3: 200 GiB in Standard without a transition, not the tiered bucket.
        let logs = of(&open, Rule::S3Tiering, "big-logs-a").expect("untiered bucket");
        assert_eq!(logs.finding.saving.amount(), Some(dollars("2.1")));
        assert!(of(&open, Rule::S3Tiering, "tiered-a").is_none());
        // idle-ec2 1, gp2 2, unattached 1, old snapshot 1, idle RDS 1, addresses 2, S3 1.
        assert_eq!(open.len(), 9, "{open:#?}");

        // CloudWatch: A's 2 instances x 3 metrics + 2 databases, and 2 buckets x 5
        // storage types, in one request each (lower bound: metrics / 500, rounded up).
        let cw = store.api_use_since("cloudwatch", "2000").unwrap();
        assert_eq!((cw.requests, cw.metrics), (2, 18));
        assert_eq!(report.meter.metrics(), 18);
        assert!(
            store.api_use_since("sts", "2000").unwrap().requests >= 3,
            "AssumeRole counted"
        );

        // Rescan after B released its address: nothing duplicated, that finding closed.
        b_ec2
            .release_address()
            .allocation_id(&b_free)
            .send()
            .await
            .unwrap();
        let again = scan(&mut store, &clients, &config, &mut events).await;
        assert_eq!(again.changes.closed, 1);
        assert_eq!(again.changes.new, 0);
        let all = store
            .findings(&FindingFilter {
                all: true,
                ..FindingFilter::default()
            })
            .unwrap();
        assert_eq!(all.len(), open.len());
        assert_eq!(
            of(&all, Rule::UnassociatedEip, &b_free).unwrap().status,
            FindingStatus::Closed
        );
        let first_idle = of(&all, Rule::IdleEc2, &built.idle_instance).unwrap();
        assert_eq!(first_idle.first_seen, idle.first_seen);
        assert_eq!(store.integrity_check().unwrap(), ["ok"]);
    });
}

#[test]
fn a_denied_account_listing_makes_the_scan_partial_never_an_empty_success() {
    use aws_sdk_organizations::operation::describe_organization::DescribeOrganizationOutput;
    use aws_sdk_organizations::operation::list_roots::ListRootsError;
    let Some(url) = moto_url() else { return };
    let _turn = MOTO.lock().unwrap_or_else(|e| e.into_inner());
    common::runtime().block_on(async {
        let (config, _orgs) = fresh_organization(&url).await;
        // The organization exists, but this identity may not list its accounts.
        let describe =
            mock!(aws_sdk_organizations::Client::describe_organization).then_output(|| {
                DescribeOrganizationOutput::builder()
                    .organization(
                        aws_sdk_organizations::types::Organization::builder()
                            .id("o-denied1234")
                            .master_account_id(MANAGEMENT)
                            .build(),
                    )
                    .build()
            });
        let denied = mock!(aws_sdk_organizations::Client::list_roots).then_error(|| {
            ListRootsError::generic(
                aws_sdk_organizations::error::ErrorMetadata::builder()
                    .code("AccessDeniedException")
                    .message("not authorized to perform organizations:ListRoots")
                    .build(),
            )
        });
        let clients = CostClients {
            sts: aws_sdk_sts::Client::new(&config),
            organizations: mock_client!(
                aws_sdk_organizations,
                RuleMode::MatchAny,
                [&describe, &denied]
            ),
            cost_explorer: aws_sdk_costexplorer::Client::new(&config),
        };
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
        let mut events = Vec::new();
        let report = scan(&mut store, &clients, &config, &mut events).await;

        assert_eq!(report.accounts, 1, "the signed-in account is still scanned");
        let (account, unit, reason) = report
            .not_scanned
            .iter()
            .find(|(_, unit, _)| unit == costscope::store::ORG_UNIT)
            .expect("the scan says it is partial");
        assert_eq!(account, MANAGEMENT);
        assert_eq!(unit, "org");
        assert!(
            reason.contains("cannot list the organization's accounts")
                && reason.contains("only 1 account known"),
            "{reason}"
        );
        let units = store.scan_units().unwrap();
        assert!(
            units
                .iter()
                .any(|u| u.unit == "org" && u.status == UnitStatus::NotScanned),
            "coverage shows it: {units:?}"
        );
    });
}

#[test]
fn a_second_scan_keeps_what_the_first_scanned_moments_ago_and_rescans_the_rest() {
    let Some(url) = moto_url() else { return };
    let _turn = MOTO.lock().unwrap_or_else(|e| e.into_inner());
    common::runtime().block_on(async {
        let (config, orgs) = fresh_organization(&url).await;
        let clients = CostClients {
            sts: aws_sdk_sts::Client::new(&config),
            organizations: orgs,
            cost_explorer: aws_sdk_costexplorer::Client::new(&config),
        };
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
        let mut events = Vec::new();
        let first = scan_keeping(&mut store, &clients, &config, &mut events, 60).await;
        assert!(first.resumed.is_empty());
        assert_eq!(first.units_scanned, 3, "two regions and the buckets");

        // As if the first had stopped after us-east-1: the others must be scanned again.
        let stamp = common::stamp("2000-01-01T00:00:00.000Z");
        store
            .record_unscanned_unit(
                MANAGEMENT,
                "us-west-2",
                UnitStatus::NotScanned,
                "stopped",
                stamp,
            )
            .unwrap();
        let second = scan_keeping(&mut store, &clients, &config, &mut events, 60).await;
        let kept: Vec<&str> = second
            .resumed
            .iter()
            .map(|(_, unit)| unit.as_str())
            .collect();
        assert_eq!(kept, ["us-east-1", "s3"], "kept: scanned minutes ago");
        assert_eq!(second.units_scanned, 1, "only us-west-2 again");
        assert!(
            second.meter.requests("cloudwatch") + second.meter.requests("ec2")
                < first.meter.requests("cloudwatch") + first.meter.requests("ec2"),
            "fewer requests the second time"
        );

        // --full (0 minutes) rescans all.
        let full = scan_keeping(&mut store, &clients, &config, &mut events, 0).await;
        assert!(full.resumed.is_empty());
        assert_eq!(full.units_scanned, 3);
    });
}

#[test]
fn the_tui_starts_a_scan_and_its_findings_land_while_browsing() {
    use costscope::tui::jobs::{AwsJobs, Connect};
    use costscope::tui::state::Mode;
    use costscope::tui::Action;

    let Some(url) = moto_url() else { return };
    let _turn = MOTO.lock().unwrap_or_else(|e| e.into_inner());
    let config = common::runtime().block_on(async {
        let (config, _) = fresh_organization(&url).await;
        // One unattached volume in the signed-in account.
        aws_sdk_ec2::Client::new(&config)
            .create_volume()
            .availability_zone("us-east-1a")
            .size(50)
            .volume_type(aws_sdk_ec2::types::VolumeType::Gp3)
            .send()
            .await
            .unwrap();
        config
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.sqlite");
    let store = Store::open(&path).unwrap();
    let mut scan = ScanSettings {
        regions: vec!["us-east-1".into()],
        resume_within_minutes: 0,
        ..ScanSettings::default()
    };
    scan.thresholds.unattached_volume_days = 0;
    let jobs = AwsJobs {
        cache: path,
        connect: Connect::Config(Box::new(config)),
        options: costscope::sync::SyncOptions::new(
            common::today(),
            common::stamp("2026-11-20T07:00:00Z"),
        ),
        cost_explorer: Default::default(),
        export: None,
        scan,
        prices: built_in_prices(),
    };
    let mut app = common::app_on(store).with_jobs(Box::new(jobs));
    app.dispatch(Action::Findings);
    assert!(app.state.finding_index.is_empty());

    app.dispatch(Action::Scan);
    let Mode::ConfirmScan(estimate) = &app.state.mode else {
        panic!("the dialog comes first: {:?}", app.state.mode);
    };
    assert_eq!(estimate.regions, ["us-east-1"]);
    app.dispatch(Action::Enter);
    assert!(app.state.scan.running.is_some());
    let ended = app.wait_until(std::time::Duration::from_secs(120), |s| {
        s.scan.running.is_none()
    });
    assert!(ended, "the scan ended");
    let (_, message) = app.state.message.clone().unwrap();
    assert!(message.contains("1 new finding"), "{message}");
    // The findings view the user was on shows the new finding.
    let text = common::screen_text(&app, 160, 40);
    assert!(
        text.contains("unattached-volume") && text.contains("vol-"),
        "{text}"
    );
}
