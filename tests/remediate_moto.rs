//! Applying remediations with the real SDK clients against moto's server: every action
//! end to end in a member account reached through AssumeRole (state before, apply,
//! state after, the audit entries), a resource changed since the scan skipped, the S3
//! merge keeping an existing rule, and read-only mode refusing before anything runs.

mod common;

use common::fixtures::{assume, build_account_a, put_lifecycle_rule};
use common::moto::{create_member, fresh_organization, moto_url, MOTO};
use costscope::aws::{Connect, CostClients};
use costscope::config::prices::built_in_prices;
use costscope::config::ScanSettings;
use costscope::domain::audit::AuditPhase;
use costscope::domain::findings::{FindingStatus, Rule};
use costscope::domain::remediation::PlanOptions;
use costscope::jobs::{Applier, Job};
use costscope::remediate::plan::plan_findings;
use costscope::remediate::{Access, ApplyError, StepOutcome};
use costscope::store::{AuditLog, FindingFilter, Store};
use costscope::sync::scan::ScanOptions;

async fn scan(
    store: &mut Store,
    clients: &CostClients,
    config: &aws_config::SdkConfig,
    identified: &costscope::sync::Identified,
    options: &ScanOptions,
) {
    costscope::jobs::Session::with_clients(config.clone(), clients.clone())
        .scan(
            store,
            identified,
            options,
            &mut |_: &costscope::sync::SyncEvent| {},
        )
        .await
        .unwrap();
}

#[test]
fn every_action_applies_verifies_and_is_audited_and_a_changed_resource_is_skipped() {
    let Some(url) = moto_url() else { return };
    let _turn = MOTO.lock().unwrap_or_else(|e| e.into_inner());
    common::runtime().block_on(async {
        let (config, orgs) = fresh_organization(&url).await;
        let a = create_member(&orgs, "app-a").await;
        let (_, a_config) = assume(&config, &a).await;
        let built = build_account_a(&a_config, "r").await;
        let ec2 = aws_sdk_ec2::Client::new(&a_config);
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&a_config)
                .force_path_style(true)
                .build(),
        );
        // The untiered bucket has a rule of its own (expiry, no transition): the merge
        // must keep it.
        {
            use aws_sdk_s3::types::*;
            put_lifecycle_rule(
                &s3,
                "big-logs-r",
                LifecycleRule::builder()
                    .id("expire-tmp")
                    .status(ExpirationStatus::Enabled)
                    .filter(LifecycleRuleFilter::builder().prefix("tmp/").build())
                    .expiration(LifecycleExpiration::builder().days(7).build())
                    .build()
                    .unwrap(),
            )
            .await;
        }

        // Scan A with the real clients.
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache.sqlite");
        let mut store = Store::open(&cache).unwrap();
        let clients = CostClients::new(&config);
        let now = chrono::Utc::now();
        let identified = costscope::sync::identify(&clients, costscope::domain::Stamp::from(now))
            .await
            .unwrap();
        let mut settings = ScanSettings {
            accounts: vec![a.clone()],
            regions: vec!["us-east-1".into()],
            // The rescan after applying reads everything again.
            resume_within_minutes: 0,
            ..ScanSettings::default()
        };
        settings.thresholds.snapshot_age_days = 0;
        settings.thresholds.unattached_volume_days = 0;
        let options = ScanOptions {
            settings: settings.clone(),
            prices: built_in_prices(),
            now,
        };
        scan(&mut store, &clients, &config, &identified, &options).await;
        let open = store.findings(&FindingFilter::default()).unwrap();
        let rules: Vec<Rule> = open.iter().map(|t| t.finding.rule).collect();
        for rule in Rule::ALL {
            assert!(rules.contains(&rule), "no {rule} finding: {rules:?}");
        }
        assert_eq!(open.len(), 8, "{rules:?}");

        // Since the scan, someone moved the busy instance's root volume to gp3.
        let busy_root = ec2
            .describe_instances()
            .instance_ids(&built.busy_instance)
            .send()
            .await
            .unwrap()
            .reservations()[0]
            .instances()[0]
            .block_device_mappings()[0]
            .ebs()
            .unwrap()
            .volume_id()
            .unwrap()
            .to_string();
        ec2.modify_volume()
            .volume_id(&busy_root)
            .volume_type(aws_sdk_ec2::types::VolumeType::Gp3)
            .send()
            .await
            .unwrap();

        let ids: Vec<i64> = open.iter().map(|t| t.id).collect();
        let plan = plan_findings(
            &store,
            &ids,
            &PlanOptions {
                thresholds: settings.thresholds.clone(),
                stamp: "20261123-1200".into(),
                ..PlanOptions::default()
            },
        )
        .unwrap();
        assert!(plan.refused.is_empty(), "{:?}", plan.refused);
        assert_eq!(plan.steps.len(), 8);

        let applier = Applier::Aws {
            connect: Connect::Config(Box::new(config.clone())),
            role_name: "OrganizationAccountAccessRole".into(),
        };
        // Read-only refuses before anything is read or written.
        let job = Job {
            cache: cache.clone(),
            plan: plan.clone(),
            identity: String::new(),
            stop_on_error: false,
            stop: Default::default(),
        };
        assert!(matches!(
            applier.acting(Access::ReadOnly, &[]).await,
            Err(ApplyError::ReadOnly)
        ));
        assert!(matches!(
            applier.run(Access::ReadOnly, &job, &mut |_| {}).await,
            Err(ApplyError::ReadOnly)
        ));
        assert!(AuditLog::open_for(&store)
            .unwrap()
            .entries(None)
            .unwrap()
            .is_empty());

        let identity = applier.acting(Access::ReadWrite, &[]).await.unwrap().caller;
        assert!(identity.starts_with("arn:aws:"), "{identity}");
        // In the member account it is the role assumed there that acts, and the
        // confirmation says so.
        let accounts: Vec<String> = plan.accounts().into_iter().map(str::to_string).collect();
        let acting = applier.acting(Access::ReadWrite, &accounts).await.unwrap();
        assert_eq!(acting.caller, identity);
        let (member, who) = acting
            .differing()
            .next()
            .expect("a member account acts as its role");
        assert!(
            who.as_deref().is_ok_and(|arn| arn.contains(&format!(
                "::{member}:assumed-role/OrganizationAccountAccessRole/costscope-apply"
            ))),
            "{who:?}"
        );
        let job = Job {
            identity: identity.clone(),
            ..job
        };
        let mut events = Vec::new();
        let summary = applier
            .run(Access::ReadWrite, &job, &mut |e| events.push(e))
            .await
            .unwrap();

        // One step skipped (the volume already gp3), every other one verified.
        let skipped: Vec<usize> = summary
            .outcomes
            .iter()
            .enumerate()
            .filter(|(_, o)| matches!(o, StepOutcome::Skipped(_)))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(skipped.len(), 1, "{:?}", summary.outcomes);
        assert_eq!(plan.steps[skipped[0]].resource, busy_root);
        assert!(
            summary.outcomes[skipped[0]]
                .reason()
                .unwrap()
                .contains("gp3 now"),
            "{:?}",
            summary.outcomes[skipped[0]]
        );
        assert_eq!(
            summary
                .outcomes
                .iter()
                .filter(|o| **o == StepOutcome::Verified)
                .count(),
            7,
            "{:?}",
            summary.outcomes
        );
        assert_eq!(
            summary.line(),
            "7 verified, 0 unverified, 0 failed, 1 skipped"
        );

        // AWS after: each change is there.
        let state = ec2
            .describe_instances()
            .instance_ids(&built.idle_instance)
            .send()
            .await
            .unwrap()
            .reservations()[0]
            .instances()[0]
            .state()
            .unwrap()
            .name()
            .unwrap()
            .as_str()
            .to_string();
        assert!(state == "stopped" || state == "stopping", "{state}");
        let idle_root = plan
            .steps
            .iter()
            .find(|s| s.rule == Rule::Gp2Volume && s.resource != busy_root)
            .unwrap()
            .resource
            .clone();
        let v = ec2
            .describe_volumes()
            .volume_ids(&idle_root)
            .send()
            .await
            .unwrap();
        let v = &v.volumes()[0];
        assert_eq!(v.volume_type().unwrap().as_str(), "gp3");
        assert_eq!((v.iops(), v.throughput()), (Some(3000), Some(128)));
        let spare = plan
            .steps
            .iter()
            .find(|s| s.rule == Rule::UnattachedVolume)
            .unwrap()
            .resource
            .clone();
        assert!(ec2
            .describe_volumes()
            .volume_ids(&spare)
            .send()
            .await
            .is_err_and(|e| format!("{e:?}").contains("NotFound")));
        let snapshots = ec2
            .describe_snapshots()
            .owner_ids("self")
            .send()
            .await
            .unwrap();
        assert!(
            snapshots
                .snapshots()
                .iter()
                .any(|s| s.volume_id() == Some(spare.as_str())
                    && s.description() == Some(&format!("costscope: before deleting {spare}"))),
            "the volume was snapshotted before it was deleted"
        );
        assert!(snapshots
            .snapshots()
            .iter()
            .all(|s| s.snapshot_id() != Some(built.old_snapshot.as_str())));
        assert!(snapshots
            .snapshots()
            .iter()
            .any(|s| s.snapshot_id() == Some(built.ami_snapshot.as_str())));
        let lifecycle = s3
            .get_bucket_lifecycle_configuration()
            .bucket("big-logs-r")
            .send()
            .await
            .unwrap();
        let ids: Vec<&str> = lifecycle.rules().iter().filter_map(|r| r.id()).collect();
        assert_eq!(ids, ["expire-tmp", "costscope-tiering"]);
        let kept = &lifecycle.rules()[0];
        assert_eq!(kept.expiration().and_then(|e| e.days()), Some(7));
        assert_eq!(kept.filter().and_then(|f| f.prefix()), Some("tmp/"));
        let ours = &lifecycle.rules()[1];
        let transitions: Vec<(Option<i32>, &str)> = ours
            .transitions()
            .iter()
            .map(|t| (t.days(), t.storage_class().unwrap().as_str()))
            .collect();
        assert_eq!(
            transitions,
            [(Some(30), "STANDARD_IA"), (Some(90), "GLACIER_IR")]
        );
        let db = aws_sdk_rds::Client::new(&a_config)
            .describe_db_instances()
            .db_instance_identifier("idle-db")
            .send()
            .await
            .unwrap();
        assert_eq!(db.db_instances()[0].db_instance_status(), Some("stopped"));
        let addresses = ec2.describe_addresses().send().await.unwrap();
        assert!(addresses
            .addresses()
            .iter()
            .all(|x| x.allocation_id() != Some(built.free_address.as_str())));
        assert!(addresses
            .addresses()
            .iter()
            .any(|x| x.allocation_id() == Some(built.used_address.as_str())));

        // The audit log: the plan confirmed by this identity, and for each applied step
        // planned → (dry run for EC2) → intent → applied with a request id → verified.
        let entries = AuditLog::open_for(&store).unwrap().entries(None).unwrap();
        assert!(entries.iter().any(|e| e.phase == AuditPhase::Confirmed
            && e.identity == identity
            && e.step.is_none()));
        assert!(entries.iter().all(|e| !e.reverify && !e.simulated));
        for (index, step) in plan.steps.iter().enumerate() {
            let phases: Vec<AuditPhase> = entries
                .iter()
                .filter(|e| e.step == Some(index as u32))
                .map(|e| e.phase)
                .collect();
            if index == skipped[0] {
                assert_eq!(phases, [AuditPhase::Planned, AuditPhase::Skipped]);
                continue;
            }
            let mut expected = vec![AuditPhase::Planned];
            if step.change.has_dry_run() {
                expected.push(AuditPhase::DryRun);
            }
            expected.extend([
                AuditPhase::Intent,
                AuditPhase::Applied,
                AuditPhase::Verified,
            ]);
            assert_eq!(phases, expected, "step {index}: {}", step.change.verb());
            let applied = entries
                .iter()
                .find(|e| e.step == Some(index as u32) && e.phase == AuditPhase::Applied)
                .unwrap();
            assert!(
                applied.request_id.as_deref().is_some_and(|r| !r.is_empty()),
                "no request id for {}",
                step.change.verb()
            );
            if step.change == costscope::domain::remediation::Change::SnapshotThenDeleteVolume {
                // The undo names the snapshot this step took, as its detail reports it.
                let undo = applied.undo.clone().unwrap();
                let snapshot = undo
                    .split_whitespace()
                    .skip_while(|w| *w != "--snapshot-id")
                    .nth(1)
                    .unwrap();
                assert!(snapshot.starts_with("snap-"), "{undo}");
                assert!(applied.detail.contains(snapshot), "{}", applied.detail);
            } else {
                assert_eq!(applied.undo, step.undo());
            }
        }
        // The findings applied are marked so; the skipped one is still open.
        let all = store
            .findings(&FindingFilter {
                all: true,
                ..FindingFilter::default()
            })
            .unwrap();
        for (index, step) in plan.steps.iter().enumerate() {
            let status = all.iter().find(|t| t.id == step.finding_id).unwrap().status;
            let expected = if index == skipped[0] {
                FindingStatus::Open
            } else {
                FindingStatus::Applied
            };
            assert_eq!(status, expected, "{}", step.resource);
        }

        // A rescan keeps them applied (not closed, not reopened).
        scan(&mut store, &clients, &config, &identified, &options).await;
        let applied_after = store
            .findings(&FindingFilter {
                all: true,
                ..FindingFilter::default()
            })
            .unwrap()
            .iter()
            .filter(|t| t.status == FindingStatus::Applied)
            .count();
        assert_eq!(applied_after, 7);
    });
}
