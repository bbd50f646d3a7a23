//! The AWS side of the executor, and the only code in costscope that changes AWS (a
//! test fails if a mutating call appears anywhere else). Building it needs a
//! `WriteAccess`, which read-only mode never hands out. Each step re-reads its resource
//! through `observe`; the executor (src/remediate) decides what that means.

mod errors;
mod observe;
mod writes;

use writes::modify_volume;

use super::assume::Reach;
use super::{map_error, Meter, SourceError};
use crate::domain::findings::ResourceKind;
use crate::domain::remediation::{Change, Observed, PlanStep};
use crate::remediate::{ActionError, Actions, Applied, Backend, CallError, DryRun, WriteAccess};
use aws_config::retry::RetryConfig;
use errors::dry_run_answer;
use std::future::Future;
use std::time::Duration;

/// Session name shown in the member accounts' CloudTrail for changes.
pub const APPLY_SESSION_NAME: &str = "costscope-apply";
/// The tag on resources a step creates (the snapshot taken before a volume is deleted),
/// valued with the step's token; looked for before anything is created again.
pub const STEP_TAG: &str = "costscope:step";
/// How long to wait for the snapshot taken before a volume is deleted.
const SNAPSHOT_WAIT: Duration = Duration::from_secs(15 * 60);
const SNAPSHOT_POLL: Duration = Duration::from_secs(3);

/// Acts as the identity of `base` (the apply profile), assuming `role_name` in the
/// organization's other accounts.
pub struct AwsBackend {
    reach: Reach,
    arn: String,
    write: WriteAccess,
}

impl AwsBackend {
    pub async fn connect(
        base: aws_config::SdkConfig,
        role_name: &str,
        write: WriteAccess,
    ) -> Result<AwsBackend, SourceError> {
        let sts = aws_sdk_sts::Client::new(&base);
        let out = sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| map_error("GetCallerIdentity", e))?;
        let missing = || SourceError::BadResponse {
            operation: "GetCallerIdentity",
            message: "no account or ARN in the answer".into(),
        };
        Ok(AwsBackend {
            arn: out.arn().ok_or_else(missing)?.to_string(),
            reach: Reach {
                signed_in: out.account().ok_or_else(missing)?.to_string(),
                base,
                sts,
                role_name: role_name.to_string(),
                session_name: APPLY_SESSION_NAME,
            },
            write,
        })
    }
}

impl Backend for AwsBackend {
    type Actions = AwsActions;

    fn simulated(&self) -> bool {
        false
    }

    fn identity(&self) -> impl Future<Output = Result<String, ActionError>> {
        std::future::ready(Ok(self.arn.clone()))
    }

    /// In a member account, the role costscope assumes there (as CloudTrail will show
    /// it), read from AssumeRole's own answer.
    async fn acting_identity(&self, account: &str) -> Result<String, ActionError> {
        if account == self.reach.signed_in {
            return Ok(self.arn.clone());
        }
        self.reach
            .assume(account, &mut Meter::default())
            .await
            .map(|assumed| assumed.arn)
            .map_err(|e| ActionError::Failed(e.to_string()))
    }

    async fn actions_for(&self, account: &str, region: &str) -> Result<AwsActions, ActionError> {
        let config = self
            .reach
            .config_for(account, &mut Meter::default())
            .await
            .map_err(|e| ActionError::Failed(e.to_string()))?;
        Ok(AwsActions::new(&config, region, self.write))
    }
}

/// The clients of one account in one region. Reads (re-reads, verification) retry as
/// the SDK does; the clients that change things never retry by themselves: a change is
/// sent once, and what happens after a timeout is decided from a re-read.
pub struct AwsActions {
    ec2: aws_sdk_ec2::Client,
    rds: aws_sdk_rds::Client,
    s3: aws_sdk_s3::Client,
    cloudwatch: aws_sdk_cloudwatch::Client,
    writers: Writers,
}

/// The clients mutating calls (and their dry runs) go through: retries disabled.
struct Writers {
    ec2: aws_sdk_ec2::Client,
    rds: aws_sdk_rds::Client,
    s3: aws_sdk_s3::Client,
}

impl AwsActions {
    pub fn new(config: &aws_config::SdkConfig, region: &str, _write: WriteAccess) -> AwsActions {
        let regional = config
            .to_builder()
            .region(aws_config::Region::new(region.to_string()))
            .build();
        let once = regional
            .to_builder()
            .retry_config(RetryConfig::disabled())
            .build();
        AwsActions {
            ec2: aws_sdk_ec2::Client::new(&regional),
            rds: aws_sdk_rds::Client::new(&regional),
            s3: super::s3::s3_client(config, region, None),
            cloudwatch: aws_sdk_cloudwatch::Client::new(&regional),
            writers: Writers {
                ec2: aws_sdk_ec2::Client::new(&once),
                rds: aws_sdk_rds::Client::new(&once),
                s3: super::s3::s3_client(&once, region, None),
            },
        }
    }

    /// Clients made elsewhere (tests give EC2 a mocked client); the same ones read
    /// and write.
    pub fn from_clients(
        ec2: aws_sdk_ec2::Client,
        rds: aws_sdk_rds::Client,
        s3: aws_sdk_s3::Client,
        cloudwatch: aws_sdk_cloudwatch::Client,
        _write: WriteAccess,
    ) -> AwsActions {
        AwsActions {
            writers: Writers {
                ec2: ec2.clone(),
                rds: rds.clone(),
                s3: s3.clone(),
            },
            ec2,
            rds,
            s3,
            cloudwatch,
        }
    }
}

impl Actions for AwsActions {
    async fn observe(&self, step: &PlanStep) -> Result<Observed, ActionError> {
        let id = step.resource.as_str();
        match step.rule.kind() {
            ResourceKind::Instance => self.observe_instance(id, step).await,
            ResourceKind::Volume => self.observe_volume(id).await,
            ResourceKind::Snapshot => self.observe_snapshot(id).await,
            ResourceKind::Bucket => self.observe_bucket(id).await,
            ResourceKind::Database => self.observe_database(id).await,
            ResourceKind::Address => self.observe_address(id).await,
        }
    }

    async fn dry_run(&self, step: &PlanStep) -> Result<DryRun, ActionError> {
        let id = step.resource.as_str();
        let ec2 = &self.writers.ec2;
        match &step.change {
            Change::StopInstance { .. } => dry_run_answer(
                "StopInstances",
                ec2.stop_instances()
                    .instance_ids(id)
                    .dry_run(true)
                    .send()
                    .await,
            ),
            Change::ModifyVolumeToGp3 {
                iops,
                throughput_mibps,
            } => dry_run_answer(
                "ModifyVolume",
                modify_volume(ec2, id, *iops, *throughput_mibps)
                    .dry_run(true)
                    .send()
                    .await,
            ),
            Change::SnapshotThenDeleteVolume => {
                match dry_run_answer(
                    "CreateSnapshot",
                    ec2.create_snapshot()
                        .volume_id(id)
                        .dry_run(true)
                        .send()
                        .await,
                )? {
                    DryRun::Permitted => dry_run_answer(
                        "DeleteVolume",
                        ec2.delete_volume().volume_id(id).dry_run(true).send().await,
                    ),
                    other => Ok(other),
                }
            }
            Change::DeleteSnapshot => dry_run_answer(
                "DeleteSnapshot",
                ec2.delete_snapshot()
                    .snapshot_id(id)
                    .dry_run(true)
                    .send()
                    .await,
            ),
            Change::ReleaseAddress => dry_run_answer(
                "ReleaseAddress",
                ec2.release_address()
                    .allocation_id(id)
                    .dry_run(true)
                    .send()
                    .await,
            ),
            Change::AddLifecycleTransition { .. }
            | Change::StopDatabase
            | Change::DeleteDatabase { .. } => Ok(DryRun::NotOffered),
        }
    }

    async fn apply(
        &self,
        step: &PlanStep,
        _before: &Observed,
        token: &str,
    ) -> Result<Applied, CallError> {
        let id = step.resource.as_str();
        match &step.change {
            Change::StopInstance { .. } => self.stop_instance(id).await,
            Change::ModifyVolumeToGp3 {
                iops,
                throughput_mibps,
            } => self.modify_to_gp3(id, *iops, *throughput_mibps).await,
            Change::SnapshotThenDeleteVolume => self.snapshot_then_delete(id, token).await,
            Change::DeleteSnapshot => self.delete_snapshot(id).await,
            Change::AddLifecycleTransition {
                rule_id,
                ia_after_days,
                glacier_ir_after_days,
                ..
            } => {
                self.add_lifecycle_rule(id, rule_id, *ia_after_days, *glacier_ir_after_days)
                    .await
            }
            Change::StopDatabase => self.stop_database(id).await,
            Change::DeleteDatabase { final_snapshot } => {
                self.delete_database(id, final_snapshot).await
            }
            Change::ReleaseAddress => self.release_address(id).await,
        }
    }
}
