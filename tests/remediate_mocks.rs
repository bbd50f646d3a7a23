//! Error paths of the executor and the AWS actions, without AWS:
//! - aws-smithy-mocks: an EC2 dry run answered UnauthorizedOperation is reported and
//!   the real call is never made;
//! - a counting HTTP client behind the executor's own clients (`AwsActions::new`): a
//!   mutating call answered by a server error is sent exactly once, recorded as
//!   unverified (not failed), kept for re-verification, and closed by `reverify`;
//! - a backend whose call makes the audit log unwritable: the plan stops and says that
//!   the call was made.

mod common;

use aws_sdk_ec2::config::{Credentials, SharedCredentialsProvider};
use aws_sdk_ec2::error::ErrorMetadata;
use aws_sdk_ec2::operation::describe_addresses::DescribeAddressesOutput;
use aws_sdk_ec2::operation::release_address::{ReleaseAddressError, ReleaseAddressOutput};
use aws_sdk_ec2::types::Address;
use aws_smithy_http_client::test_util::infallible_client_fn;
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use aws_smithy_types::body::SdkBody;
use costscope::aws::remediation::AwsActions;
use costscope::domain::audit::AuditPhase;
use costscope::domain::findings::{Rule, Saving};
use costscope::domain::inventory::ElasticIp;
use costscope::domain::remediation::{Change, Observed, Plan, PlanStep};
use costscope::remediate::{
    apply_plan, reverify, write_access, Access, ActionError, Actions, Applied, ApplyError,
    ApplyRequest, Backend, CallError, DryRun, Reverified, StepOutcome,
};
use costscope::store::{AuditLog, Store};
use std::future::{ready, Future};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

const IDENTITY: &str = "arn:aws:iam::111111111111:user/ops";

/// A backend whose account-regions all use `clients`.
struct Mocked<F: Fn() -> AwsActions> {
    clients: F,
}

impl<F: Fn() -> AwsActions> Backend for Mocked<F> {
    type Actions = AwsActions;

    fn simulated(&self) -> bool {
        false
    }

    fn identity(&self) -> impl Future<Output = Result<String, ActionError>> {
        ready(Ok(IDENTITY.to_string()))
    }

    fn actions_for(
        &self,
        _account: &str,
        _region: &str,
    ) -> impl Future<Output = Result<AwsActions, ActionError>> {
        ready(Ok((self.clients)()))
    }
}

/// Actions whose EC2 client is `ec2` (mocked); only EC2 is used by these steps, so the
/// others point nowhere and are never called.
fn ec2_only(ec2: &aws_sdk_ec2::Client) -> AwsActions {
    let nowhere = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url("http://127.0.0.1:9")
        .build();
    AwsActions::from_clients(
        ec2.clone(),
        aws_sdk_rds::Client::new(&nowhere),
        aws_sdk_s3::Client::new(&nowhere),
        aws_sdk_cloudwatch::Client::new(&nowhere),
        write_access(Access::ReadWrite).unwrap(),
    )
}

/// A configuration whose clients never leave the process: `http` answers everything.
fn config_with(
    http: aws_smithy_runtime_api::client::http::SharedHttpClient,
) -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "testing", "testing", None, None, "test",
        )))
        .http_client(http)
        .build()
}

fn release_step(resource: &str) -> PlanStep {
    PlanStep {
        finding_id: 7,
        rule: Rule::UnassociatedEip,
        account: "111111111111".into(),
        account_name: "sandbox".into(),
        region: "us-east-1".into(),
        resource: resource.into(),
        label: "203.0.113.7".into(),
        change: Change::ReleaseAddress,
        saving: Saving::Monthly {
            amount: "3.65".parse().unwrap(),
            basis: "public IPv4".into(),
        },
    }
}

fn release_plan() -> Plan {
    Plan {
        steps: vec![release_step("eipalloc-1")],
        refused: vec![],
    }
}

fn request(plan: &Plan) -> ApplyRequest<'_> {
    ApplyRequest {
        plan,
        identity: IDENTITY,
        stop_on_error: false,
        stop: None,
    }
}

/// Runs `plan` with `backend` as confirmed by `IDENTITY`, on a runtime of its own.
fn run<B: Backend>(
    backend: &B,
    store: &Store,
    log: &AuditLog,
    plan: &Plan,
) -> Result<costscope::remediate::ApplySummary, ApplyError> {
    common::runtime().block_on(apply_plan(
        backend,
        store,
        log,
        Access::ReadWrite,
        &request(plan),
        &mut |_| {},
    ))
}

/// A new cache in a temporary directory, and its audit log.
fn fresh_cache() -> (tempfile::TempDir, Store, AuditLog) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("c.sqlite")).unwrap();
    let log = AuditLog::open_for(&store).unwrap();
    (dir, store, log)
}

fn phases(log: &AuditLog) -> Vec<AuditPhase> {
    log.entries(None).unwrap().iter().map(|e| e.phase).collect()
}

#[test]
fn an_unauthorized_dry_run_is_reported_and_nothing_is_called() {
    let describe = mock!(aws_sdk_ec2::Client::describe_addresses).then_output(|| {
        DescribeAddressesOutput::builder()
            .addresses(
                Address::builder()
                    .allocation_id("eipalloc-1")
                    .public_ip("203.0.113.7")
                    .build(),
            )
            .build()
    });
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
    let backend = Mocked {
        clients: || ec2_only(&ec2),
    };
    let (_dir, store, log) = fresh_cache();
    let plan = release_plan();
    let summary = run(&backend, &store, &log, &plan).unwrap();

    match &summary.outcomes[0] {
        StepOutcome::NotPermitted(reason) => {
            assert!(reason.contains("UnauthorizedOperation"), "{reason}");
            assert!(reason.contains("nothing was changed"), "{reason}");
        }
        other => panic!("expected not permitted, got {other:?}"),
    }
    assert_eq!(dry_run.num_calls(), 1);
    assert_eq!(real.num_calls(), 0, "the release itself must never be sent");
    assert_eq!(
        phases(&log),
        [
            AuditPhase::Planned,
            AuditPhase::Confirmed,
            AuditPhase::DryRun
        ],
        "no intent: nothing was attempted"
    );
}

/// An EC2 endpoint that knows one address: the dry run of its release is permitted,
/// the release itself fails with a server error (AWS may or may not have released it),
/// and `released` decides whether DescribeAddresses still lists it.
struct FlakyEc2 {
    releases_sent: AtomicUsize,
    released: AtomicBool,
}

const EC2_NS: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";

impl FlakyEc2 {
    fn answer(&self, body: &str) -> http::Response<SdkBody> {
        let reply = |status: u16, xml: String| {
            http::Response::builder()
                .status(status)
                .body(SdkBody::from(xml))
                .unwrap()
        };
        let error = |code: &str, id: &str| {
            format!(
                "<Response><Errors><Error><Code>{code}</Code><Message>{code}</Message></Error></Errors><RequestID>{id}</RequestID></Response>"
            )
        };
        if body.contains("Action=DescribeAddresses") {
            let item = if self.released.load(Ordering::SeqCst) {
                String::new()
            } else {
                "<item><allocationId>eipalloc-1</allocationId><publicIp>203.0.113.7</publicIp><domain>vpc</domain></item>".into()
            };
            reply(
                200,
                format!("<DescribeAddressesResponse xmlns=\"{EC2_NS}\"><requestId>r-read</requestId><addressesSet>{item}</addressesSet></DescribeAddressesResponse>"),
            )
        } else if body.contains("Action=ReleaseAddress") && body.contains("DryRun=true") {
            reply(412, error("DryRunOperation", "r-dry"))
        } else if body.contains("Action=ReleaseAddress") {
            self.releases_sent.fetch_add(1, Ordering::SeqCst);
            reply(500, error("InternalError", "r-500"))
        } else {
            reply(400, error("UnexpectedCall", "r-x"))
        }
    }
}

#[test]
fn a_release_answered_by_a_server_error_is_sent_once_left_unverified_and_closed_by_reverify() {
    let ec2 = Arc::new(FlakyEc2 {
        releases_sent: AtomicUsize::new(0),
        released: AtomicBool::new(false),
    });
    let endpoint = ec2.clone();
    let config = config_with(infallible_client_fn(
        move |request: http::Request<SdkBody>| {
            let body =
                String::from_utf8_lossy(request.body().bytes().unwrap_or_default()).to_string();
            endpoint.answer(&body)
        },
    ));
    // The executor's own clients, built as for a real account.
    let backend = Mocked {
        clients: || {
            AwsActions::new(
                &config,
                "us-east-1",
                write_access(Access::ReadWrite).unwrap(),
            )
        },
    };
    let (_dir, store, log) = fresh_cache();
    let plan = release_plan();
    let runtime = common::runtime();
    let summary = run(&backend, &store, &log, &plan).unwrap();

    assert_eq!(
        ec2.releases_sent.load(Ordering::SeqCst),
        1,
        "a mutating call is sent once, never retried by the SDK"
    );
    match &summary.outcomes[0] {
        StepOutcome::Unverified(reason) => {
            assert!(reason.contains("outcome unknown"), "{reason}");
            assert!(reason.contains("reverify"), "{reason}");
        }
        other => panic!("expected unverified, got {other:?}"),
    }
    assert_eq!(
        phases(&log),
        [
            AuditPhase::Planned,
            AuditPhase::Confirmed,
            AuditPhase::DryRun,
            AuditPhase::Intent,
            AuditPhase::Unverified
        ],
        "unknown is never recorded as failed"
    );
    let entries = log.entries(None).unwrap();
    let intent = entries
        .iter()
        .find(|e| e.phase == AuditPhase::Intent)
        .unwrap();
    assert!(intent.reverify, "the step stays flagged RE-VERIFY");
    let unverified = entries.last().unwrap();
    assert_eq!(
        unverified.intent_id,
        Some(intent.id),
        "paired by the intent's id"
    );
    assert_eq!(
        unverified.request_id.as_deref(),
        Some("r-500"),
        "the request id of a call that did not succeed is kept"
    );
    assert_eq!(log.pending().unwrap().len(), 1);

    // Still there when re-verified: the release did not happen; closed as not applied.
    let results = runtime
        .block_on(reverify(&backend, &store, &log, Access::ReadWrite))
        .unwrap();
    assert!(
        matches!(results[..], [(_, Reverified::NotApplied(_))]),
        "{results:?}"
    );
    assert!(log.pending().unwrap().is_empty());
    assert_eq!(
        ec2.releases_sent.load(Ordering::SeqCst),
        1,
        "re-verifying only reads"
    );

    // A second plan whose release AWS did make despite the error: closed as verified.
    let summary = run(&backend, &store, &log, &plan).unwrap();
    assert_eq!(summary.plan, 2, "plan ids come from the ledger");
    assert_eq!(summary.outcomes[0].label(), "unverified");
    ec2.released.store(true, Ordering::SeqCst);
    let results = runtime
        .block_on(reverify(&backend, &store, &log, Access::ReadWrite))
        .unwrap();
    assert!(
        matches!(results[..], [(_, Reverified::Verified)]),
        "{results:?}"
    );
    assert!(log.pending().unwrap().is_empty());
    let last = log.entries(None).unwrap().pop().unwrap();
    assert_eq!(last.phase, AuditPhase::Verified);
    assert_eq!(last.plan, 2);
    assert!(last.detail.contains("re-verified"), "{}", last.detail);
}

/// A backend that applies by taking the audit log's write lock and never letting go,
/// as a crashed or stuck second process would: the call is made, its outcome cannot be
/// written.
struct LocksTheLog {
    log_path: std::path::PathBuf,
    calls: AtomicUsize,
    held: std::sync::Mutex<Vec<rusqlite::Connection>>,
}

impl Backend for LocksTheLog {
    type Actions = Self;
    fn simulated(&self) -> bool {
        true
    }
    fn identity(&self) -> impl Future<Output = Result<String, ActionError>> {
        ready(Ok(IDENTITY.to_string()))
    }
    fn actions_for(
        &self,
        _account: &str,
        _region: &str,
    ) -> impl Future<Output = Result<Self, ActionError>> {
        ready(Ok(LocksTheLog {
            log_path: self.log_path.clone(),
            calls: AtomicUsize::new(0),
            held: std::sync::Mutex::new(Vec::new()),
        }))
    }
}

impl Actions for LocksTheLog {
    fn observe(&self, step: &PlanStep) -> impl Future<Output = Result<Observed, ActionError>> {
        ready(Ok(Observed::Address(ElasticIp {
            allocation_id: step.resource.clone(),
            public_ip: "203.0.113.7".into(),
            association_id: None,
            instance_id: None,
        })))
    }
    fn dry_run(&self, _step: &PlanStep) -> impl Future<Output = Result<DryRun, ActionError>> {
        ready(Ok(DryRun::Permitted))
    }
    fn apply(
        &self,
        _step: &PlanStep,
        _before: &Observed,
        _token: &str,
    ) -> impl Future<Output = Result<Applied, CallError>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let conn = rusqlite::Connection::open(&self.log_path).unwrap();
        conn.execute_batch("BEGIN EXCLUSIVE").unwrap();
        self.held.lock().unwrap().push(conn);
        ready(Ok(Applied {
            request_id: Some("r-made".into()),
            detail: "released".into(),
            created: None,
        }))
    }
}

#[test]
fn an_audit_write_that_fails_after_a_call_stops_the_plan_and_says_the_call_was_made() {
    let (_dir, store, log) = fresh_cache();
    let backend = LocksTheLog {
        log_path: log.path().to_path_buf(),
        calls: AtomicUsize::new(0),
        held: std::sync::Mutex::new(Vec::new()),
    };
    let plan = Plan {
        steps: vec![release_step("eipalloc-1"), release_step("eipalloc-2")],
        refused: vec![],
    };
    let result = run(&backend, &store, &log, &plan);
    let message = match result {
        Err(ApplyError::AuditLost { plan, message }) => {
            assert_eq!(plan, 1);
            message
        }
        other => panic!("expected the plan to stop, got {other:?}"),
    };
    assert!(
        message.contains("eipalloc-1: the call WAS MADE"),
        "{message}"
    );
    assert!(
        message.contains("r-made"),
        "the request id is told: {message}"
    );
    assert!(message.contains("1 step not run"), "{message}");
    // The intent was written before the call; nothing closes it, so it is pending.
    drop(backend);
    let pending = log.pending().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].intent.resource, "eipalloc-1");
    assert!(
        pending[0].record.is_some(),
        "the step and its state before the call are kept for re-verification"
    );
}

#[test]
fn a_modification_refused_for_aws_rate_limit_shows_the_wait_aws_names() {
    use aws_sdk_ec2::operation::describe_volumes::DescribeVolumesOutput;
    use aws_sdk_ec2::operation::describe_volumes_modifications::DescribeVolumesModificationsOutput;
    use aws_sdk_ec2::operation::modify_volume::ModifyVolumeError;
    use aws_sdk_ec2::types::{Volume, VolumeState, VolumeType};
    let describe = mock!(aws_sdk_ec2::Client::describe_volumes).then_output(|| {
        DescribeVolumesOutput::builder()
            .volumes(
                Volume::builder()
                    .volume_id("vol-1")
                    .volume_type(VolumeType::Gp2)
                    .size(100)
                    .state(VolumeState::InUse)
                    .build(),
            )
            .build()
    });
    let modifications = mock!(aws_sdk_ec2::Client::describe_volumes_modifications)
        .then_output(|| DescribeVolumesModificationsOutput::builder().build());
    let dry_run = mock!(aws_sdk_ec2::Client::modify_volume)
        .match_requests(|r| r.dry_run() == Some(true))
        .then_error(|| {
            ModifyVolumeError::generic(ErrorMetadata::builder().code("DryRunOperation").build())
        });
    let refused = mock!(aws_sdk_ec2::Client::modify_volume)
        .match_requests(|r| r.dry_run() != Some(true))
        .then_error(|| {
            ModifyVolumeError::generic(
                ErrorMetadata::builder()
                    .code("VolumeModificationRateExceeded")
                    .message("You've reached the maximum modification rate per volume limit. Wait at least 6 hours between modifications per EBS volume.")
                    .build(),
            )
        });
    let ec2 = mock_client!(
        aws_sdk_ec2,
        RuleMode::MatchAny,
        [&describe, &modifications, &dry_run, &refused]
    );
    let backend = Mocked {
        clients: || ec2_only(&ec2),
    };
    let mut step = release_step("vol-1");
    step.rule = Rule::Gp2Volume;
    step.change = Change::ModifyVolumeToGp3 {
        iops: 3000,
        throughput_mibps: 125,
    };
    let plan = Plan {
        steps: vec![step],
        refused: vec![],
    };
    let (_dir, store, log) = fresh_cache();
    let summary = run(&backend, &store, &log, &plan).unwrap();
    match &summary.outcomes[0] {
        StepOutcome::Failed(reason) => assert!(
            reason.contains("Wait at least 6 hours"),
            "the operator is told when to try again: {reason}"
        ),
        other => panic!("expected failed, got {other:?}"),
    }
    assert_eq!(refused.num_calls(), 1, "sent once");
    assert!(
        log.pending().unwrap().is_empty(),
        "a refusal closes the step"
    );
}
