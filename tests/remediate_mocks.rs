//! Error paths of the AWS actions with aws-smithy-mocks: an EC2 dry run answered
//! UnauthorizedOperation is reported and the real call is never made.

mod common;

use aws_sdk_ec2::error::ErrorMetadata;
use aws_sdk_ec2::operation::describe_addresses::DescribeAddressesOutput;
use aws_sdk_ec2::operation::release_address::{ReleaseAddressError, ReleaseAddressOutput};
use aws_sdk_ec2::types::Address;
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use costscope::aws::remediation::AwsActions;
use costscope::domain::audit::AuditPhase;
use costscope::domain::findings::{Rule, Saving};
use costscope::domain::remediation::{Change, Plan, PlanStep};
use costscope::remediate::{apply_plan, Access, ActionError, ApplyRequest, Backend, StepOutcome};
use costscope::store::Store;
use std::future::{ready, Future};

/// A backend whose one account-region uses the given EC2 client.
struct Mocked {
    ec2: aws_sdk_ec2::Client,
}

impl Backend for Mocked {
    type Actions = AwsActions;

    fn simulated(&self) -> bool {
        false
    }

    fn identity(&self) -> impl Future<Output = Result<String, ActionError>> {
        ready(Ok("arn:aws:iam::111111111111:user/reader".to_string()))
    }

    fn actions_for(
        &self,
        _account: &str,
        _region: &str,
    ) -> impl Future<Output = Result<AwsActions, ActionError>> {
        // Only EC2 is used by a release; the others point nowhere and are never called.
        let config = aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url("http://127.0.0.1:9")
            .build();
        ready(Ok(AwsActions::from_clients(
            self.ec2.clone(),
            aws_sdk_rds::Client::new(&config),
            aws_sdk_s3::Client::new(&config),
            aws_sdk_cloudwatch::Client::new(&config),
        )))
    }
}

fn release_plan() -> Plan {
    Plan {
        steps: vec![PlanStep {
            finding_id: 7,
            rule: Rule::UnassociatedEip,
            account: "111111111111".into(),
            account_name: "sandbox".into(),
            region: "us-east-1".into(),
            resource: "eipalloc-1".into(),
            label: "203.0.113.7".into(),
            change: Change::ReleaseAddress,
            saving: Saving::Monthly {
                amount: "3.65".parse().unwrap(),
                basis: "public IPv4".into(),
            },
        }],
        refused: vec![],
    }
}

fn free_address() -> aws_smithy_mocks::Rule {
    mock!(aws_sdk_ec2::Client::describe_addresses).then_output(|| {
        DescribeAddressesOutput::builder()
            .addresses(
                Address::builder()
                    .allocation_id("eipalloc-1")
                    .public_ip("203.0.113.7")
                    .build(),
            )
            .build()
    })
}

async fn run(ec2: aws_sdk_ec2::Client, store: &Store) -> StepOutcome {
    let plan = release_plan();
    let request = ApplyRequest {
        plan: &plan,
        plan_id: 1,
        identity: "arn:aws:iam::111111111111:user/reader",
        stop_on_error: false,
    };
    let summary = apply_plan(
        &Mocked { ec2 },
        store,
        Access::ReadWrite,
        &request,
        &mut |_| {},
    )
    .await
    .unwrap();
    summary.outcomes[0].clone()
}

#[test]
fn an_unauthorized_dry_run_is_reported_and_nothing_is_called() {
    let describe = free_address();
    let dry_run = mock!(aws_sdk_ec2::Client::release_address)
        .match_requests(|r| r.dry_run() == Some(true))
        .then_error(|| {
            ReleaseAddressError::generic(
                ErrorMetadata::builder()
                    .code("UnauthorizedOperation")
                    .message("You are not authorized to perform this operation.")
                    .build(),
            )
        });
    let real = mock!(aws_sdk_ec2::Client::release_address)
        .match_requests(|r| r.dry_run() != Some(true))
        .then_output(|| ReleaseAddressOutput::builder().build());
    let ec2 = mock_client!(
        aws_sdk_ec2,
        RuleMode::MatchAny,
        [&describe, &dry_run, &real]
    );
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("c.sqlite")).unwrap();
    let outcome = common::runtime().block_on(run(ec2, &store));

    match &outcome {
        StepOutcome::NotPermitted(reason) => {
            assert!(reason.contains("UnauthorizedOperation"), "{reason}");
            assert!(reason.contains("nothing was changed"), "{reason}");
        }
        other => panic!("expected not permitted, got {other:?}"),
    }
    assert_eq!(dry_run.num_calls(), 1);
    assert_eq!(real.num_calls(), 0, "the release itself must never be sent");
    let phases: Vec<AuditPhase> = store
        .audit_entries(None)
        .unwrap()
        .iter()
        .map(|e| e.phase)
        .collect();
    assert_eq!(
        phases,
        [
            AuditPhase::Planned,
            AuditPhase::Confirmed,
            AuditPhase::DryRun
        ],
        "no intent: nothing was attempted"
    );
}
