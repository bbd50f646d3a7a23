//! The inventory scan with the real SDK clients against moto's server: member accounts
//! reached through AssumeRole, each rule both ways with exact savings, one account
//! whose role is missing reported without stopping the scan, CloudWatch requests
//! counted, and a rescan that updates instead of duplicating.

mod common;

use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum};
use aws_sdk_sts::error::ErrorMetadata;
use aws_sdk_sts::operation::assume_role::{AssumeRoleError, AssumeRoleOutput};
use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput;
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use common::moto::{create_member, moto_url, post, sdk_config, MOTO};
use costscope::aws::CostClients;
use costscope::config::prices::built_in_prices;
use costscope::config::ScanSettings;
use costscope::domain::findings::{FindingStatus, Rule, TrackedFinding};
use costscope::domain::Money;
use costscope::store::{FindingFilter, Store};
use costscope::sync::scan::{run_scan, ScanOptions, ScanReport};
use costscope::sync::SyncEvent;

const MANAGEMENT: &str = "123456789012";
const DAY: i64 = 86_400;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn dollars(text: &str) -> Money {
    text.parse().unwrap()
}

/// Midday of each of the last `days` whole days, inside the scan's look-back window.
fn past_days(days: i64) -> Vec<DateTime> {
    let today = chrono::Utc::now().timestamp().div_euclid(DAY) * DAY;
    (1..=days)
        .map(|k| DateTime::from_secs(today - k * DAY + DAY / 2))
        .collect()
}

async fn put_daily(
    cw: &aws_sdk_cloudwatch::Client,
    namespace: &str,
    name: &str,
    dims: &[(&str, &str)],
    value: f64,
    days: i64,
) {
    let data: Vec<MetricDatum> = past_days(days)
        .into_iter()
        .map(|t| {
            MetricDatum::builder()
                .metric_name(name)
                .set_dimensions(Some(
                    dims.iter()
                        .map(|(n, v)| Dimension::builder().name(*n).value(*v).build())
                        .collect(),
                ))
                .timestamp(t)
                .value(value)
                .build()
        })
        .collect();
    cw.put_metric_data()
        .namespace(namespace)
        .set_metric_data(Some(data))
        .send()
        .await
        .unwrap();
}

/// What one member account holds, built through its assumed role.
struct Built {
    idle_instance: String,
    busy_instance: String,
    old_snapshot: String,
    ami_snapshot: String,
    free_address: String,
    used_address: String,
}

async fn assume(
    config: &aws_config::SdkConfig,
    account: &str,
) -> (AssumeRoleOutput, aws_config::SdkConfig) {
    let out = aws_sdk_sts::Client::new(config)
        .assume_role()
        .role_arn(format!(
            "arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
        ))
        .role_session_name("fixture")
        .send()
        .await
        .unwrap();
    let c = out.credentials().unwrap();
    let member = config
        .to_builder()
        .credentials_provider(aws_sdk_sts::config::SharedCredentialsProvider::new(
            aws_sdk_sts::config::Credentials::new(
                c.access_key_id(),
                c.secret_access_key(),
                Some(c.session_token().to_string()),
                None,
                "fixture",
            ),
        ))
        .build();
    (out, member)
}

/// Account A in us-east-1: each rule's idle or old twin and its busy or current twin.
async fn build_account_a(config: &aws_config::SdkConfig, suffix: &str) -> Built {
    let ec2 = aws_sdk_ec2::Client::new(config);
    let cw = aws_sdk_cloudwatch::Client::new(config);
    let run = ec2
        .run_instances()
        .image_id("ami-00000001")
        .instance_type(aws_sdk_ec2::types::InstanceType::M5Large)
        .min_count(2)
        .max_count(2)
        .send()
        .await
        .unwrap();
    let ids: Vec<String> = run
        .instances()
        .iter()
        .map(|i| i.instance_id().unwrap().to_string())
        .collect();
    let (idle, busy) = (ids[0].clone(), ids[1].clone());
    for (id, cpu, net) in [(&idle, 0.4, 200_000.0), (&busy, 55.0, 4.0e9)] {
        let dims = [("InstanceId", id.as_str())];
        put_daily(&cw, "AWS/EC2", "CPUUtilization", &dims, cpu, 5).await;
        put_daily(&cw, "AWS/EC2", "NetworkIn", &dims, net, 5).await;
        put_daily(&cw, "AWS/EC2", "NetworkOut", &dims, net, 5).await;
    }
    // An unattached gp3 volume (not a gp2 finding, but unattached) and a snapshot of it.
    let spare = ec2
        .create_volume()
        .availability_zone("us-east-1a")
        .size(100)
        .volume_type(aws_sdk_ec2::types::VolumeType::Gp3)
        .send()
        .await
        .unwrap();
    let spare = spare.volume_id().unwrap().to_string();
    let old = ec2
        .create_snapshot()
        .volume_id(&spare)
        .description("old backup")
        .send()
        .await
        .unwrap()
        .snapshot_id()
        .unwrap()
        .to_string();
    // An AMI: moto registers it with a snapshot of its own (not the one passed), which
    // must not be flagged; the passed one stays unused.
    let image = ec2
        .register_image()
        .name(format!("golden-{suffix}"))
        .root_device_name("/dev/sda1")
        .block_device_mappings(
            aws_sdk_ec2::types::BlockDeviceMapping::builder()
                .device_name("/dev/sda1")
                .ebs(
                    aws_sdk_ec2::types::EbsBlockDevice::builder()
                        .snapshot_id(&old)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap()
        .image_id()
        .unwrap()
        .to_string();
    let described = ec2
        .describe_images()
        .image_ids(&image)
        .send()
        .await
        .unwrap();
    let ami_snapshot = described.images()[0]
        .block_device_mappings()
        .iter()
        .find_map(|m| m.ebs().and_then(|e| e.snapshot_id()))
        .expect("the AMI has a snapshot")
        .to_string();
    let free = ec2.allocate_address().send().await.unwrap();
    let used = ec2.allocate_address().send().await.unwrap();
    ec2.associate_address()
        .instance_id(&busy)
        .allocation_id(used.allocation_id().unwrap())
        .send()
        .await
        .unwrap();

    let rds = aws_sdk_rds::Client::new(config);
    for (name, connections) in [("idle-db", 0.0), ("busy-db", 12.0)] {
        rds.create_db_instance()
            .db_instance_identifier(name)
            .db_instance_class("db.m5.large")
            .engine("postgres")
            .allocated_storage(20)
            .master_username("admin")
            .master_user_password("password123")
            .send()
            .await
            .unwrap();
        put_daily(
            &cw,
            "AWS/RDS",
            "DatabaseConnections",
            &[("DBInstanceIdentifier", name)],
            connections,
            5,
        )
        .await;
    }

    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config)
            .force_path_style(true)
            .build(),
    );
    for (bucket, gib, transition) in [
        (format!("big-logs-{suffix}"), 200_i64, false),
        (format!("tiered-{suffix}"), 500, true),
    ] {
        s3.create_bucket().bucket(&bucket).send().await.unwrap();
        if transition {
            use aws_sdk_s3::types::*;
            s3.put_bucket_lifecycle_configuration()
                .bucket(&bucket)
                .lifecycle_configuration(
                    BucketLifecycleConfiguration::builder()
                        .rules(
                            LifecycleRule::builder()
                                .id("archive")
                                .status(ExpirationStatus::Enabled)
                                .filter(LifecycleRuleFilter::builder().prefix("").build())
                                .transitions(
                                    Transition::builder()
                                        .days(30)
                                        .storage_class(TransitionStorageClass::StandardIa)
                                        .build(),
                                )
                                .build()
                                .unwrap(),
                        )
                        .build()
                        .unwrap(),
                )
                .send()
                .await
                .unwrap();
        }
        put_daily(
            &cw,
            "AWS/S3",
            "BucketSizeBytes",
            &[("BucketName", &bucket), ("StorageType", "StandardStorage")],
            (gib << 30) as f64,
            2,
        )
        .await;
    }
    Built {
        idle_instance: idle,
        busy_instance: busy,
        old_snapshot: old,
        ami_snapshot,
        free_address: free.allocation_id().unwrap().to_string(),
        used_address: used.allocation_id().unwrap().to_string(),
    }
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
    let now = chrono::Utc::now();
    let identified = costscope::sync::identify(clients, &now.to_rfc3339())
        .await
        .unwrap();
    let mut settings = ScanSettings {
        regions: vec!["us-east-1".into(), "us-west-2".into()],
        concurrency: 4,
        ..ScanSettings::default()
    };
    settings.thresholds.snapshot_age_days = 0;
    settings.thresholds.unattached_volume_days = 0;
    let options = ScanOptions {
        settings,
        prices: built_in_prices(),
        now,
        home_region: "us-east-1".into(),
    };
    let mut progress = |e: &SyncEvent| events.push(e.to_string());
    run_scan(store, clients, config, &identified, &options, &mut progress)
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
    assert_eq!(post(&url, "/moto-api/reset", ""), 200);
    runtime().block_on(async {
        let config = sdk_config(&url).await;
        let orgs = aws_sdk_organizations::Client::new(&config);
        orgs.create_organization().send().await.unwrap();
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
