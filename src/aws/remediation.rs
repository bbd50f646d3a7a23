//! The AWS side of the executor, and the only code in costscope that changes AWS (a
//! test fails if a mutating call appears anywhere else). Building it needs a
//! `WriteAccess`, which read-only mode never hands out. Each step re-reads its resource
//! through `observe`; the executor (src/remediate) decides what that means.

mod errors;
mod observe;

use super::assume::{assume, config_for_account};
use super::{map_error, Meter, SourceError};
use crate::domain::findings::ResourceKind;
use crate::domain::remediation::{Change, Observed, PlanStep};
use crate::remediate::{ActionError, Actions, Applied, Backend, CallError, DryRun, WriteAccess};
use aws_config::retry::RetryConfig;
use aws_sdk_ec2::operation::RequestId;
use errors::{action_error, call_error, dry_run_answer};
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
    base: aws_config::SdkConfig,
    sts: aws_sdk_sts::Client,
    signed_in: String,
    arn: String,
    role_name: String,
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
            signed_in: out.account().ok_or_else(missing)?.to_string(),
            arn: out.arn().ok_or_else(missing)?.to_string(),
            base,
            sts,
            role_name: role_name.to_string(),
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
        if account == self.signed_in {
            return Ok(self.arn.clone());
        }
        assume(
            &self.sts,
            &self.base,
            account,
            &self.role_name,
            APPLY_SESSION_NAME,
            &mut Meter::default(),
        )
        .await
        .map(|assumed| assumed.arn)
        .map_err(|e| ActionError::Failed(e.to_string()))
    }

    async fn actions_for(&self, account: &str, region: &str) -> Result<AwsActions, ActionError> {
        let config = config_for_account(
            &self.sts,
            &self.base,
            &self.signed_in,
            account,
            &self.role_name,
            APPLY_SESSION_NAME,
            &mut Meter::default(),
        )
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

fn applied(request_id: Option<&str>, detail: String) -> Applied {
    Applied {
        request_id: request_id.map(str::to_string),
        detail,
    }
}

impl AwsActions {
    /// GET the configuration, keep every rule that is not costscope's, add ours, PUT.
    async fn add_lifecycle_rule(
        &self,
        bucket: &str,
        rule_id: &str,
        ia_after_days: u32,
        glacier_ir_after_days: u32,
    ) -> Result<Applied, CallError> {
        use aws_sdk_s3::types::{
            BucketLifecycleConfiguration, ExpirationStatus, LifecycleRule, LifecycleRuleFilter,
            Transition, TransitionStorageClass,
        };
        let current = self.lifecycle(bucket).await?;
        let mut rules: Vec<LifecycleRule> = current
            .as_ref()
            .map(|c| c.rules().to_vec())
            .unwrap_or_default();
        let kept = rules.len();
        rules.retain(|r| r.id() != Some(rule_id));
        let days = |d: u32| i32::try_from(d).unwrap_or(i32::MAX);
        let ours = LifecycleRule::builder()
            .id(rule_id)
            .status(ExpirationStatus::Enabled)
            .filter(LifecycleRuleFilter::builder().prefix("").build())
            .transitions(
                Transition::builder()
                    .days(days(ia_after_days))
                    .storage_class(TransitionStorageClass::StandardIa)
                    .build(),
            )
            .transitions(
                Transition::builder()
                    .days(days(glacier_ir_after_days))
                    .storage_class(TransitionStorageClass::GlacierIr)
                    .build(),
            )
            .build()
            .map_err(|e| ActionError::Failed(e.to_string()))?;
        rules.push(ours);
        let configuration = BucketLifecycleConfiguration::builder()
            .set_rules(Some(rules))
            .build()
            .map_err(|e| ActionError::Failed(e.to_string()))?;
        let out = self
            .writers
            .s3
            .put_bucket_lifecycle_configuration()
            .bucket(bucket)
            .lifecycle_configuration(configuration)
            .set_transition_default_minimum_object_size(
                current
                    .as_ref()
                    .and_then(|c| c.transition_default_minimum_object_size().cloned()),
            )
            .send()
            .await
            .map_err(|e| call_error("PutBucketLifecycleConfiguration", e))?;
        Ok(applied(
            out.request_id(),
            format!("lifecycle written: {kept} existing rule(s) kept, {rule_id} added"),
        ))
    }

    /// The snapshot this step took already, if an earlier attempt got that far: found by
    /// the step's tag, so that a second snapshot is never taken.
    async fn snapshot_of_step(&self, token: &str) -> Result<Option<String>, ActionError> {
        let out = self
            .ec2
            .describe_snapshots()
            .owner_ids("self")
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name(format!("tag:{STEP_TAG}"))
                    .values(token)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| action_error("DescribeSnapshots", e))?;
        Ok(out
            .snapshots()
            .iter()
            .find_map(|s| s.snapshot_id().map(str::to_string)))
    }

    /// Snapshot the volume (tagged with the step), wait until the snapshot is
    /// completed, then delete the volume.
    async fn snapshot_then_delete(&self, id: &str, token: &str) -> Result<Applied, CallError> {
        use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};
        let snapshot_id = match self.snapshot_of_step(token).await? {
            Some(existing) => existing,
            None => {
                let snap = self
                    .writers
                    .ec2
                    .create_snapshot()
                    .volume_id(id)
                    .description(format!("costscope: before deleting {id}"))
                    .tag_specifications(
                        TagSpecification::builder()
                            .resource_type(ResourceType::Snapshot)
                            .tags(Tag::builder().key(STEP_TAG).value(token).build())
                            .build(),
                    )
                    .send()
                    .await
                    .map_err(|e| call_error("CreateSnapshot", e))?;
                snap.snapshot_id()
                    .ok_or_else(|| ActionError::Failed("CreateSnapshot returned no id".into()))?
                    .to_string()
            }
        };
        let deadline = tokio::time::Instant::now() + SNAPSHOT_WAIT;
        loop {
            let state = self
                .ec2
                .describe_snapshots()
                .snapshot_ids(&snapshot_id)
                .send()
                .await
                .map_err(|e| action_error("DescribeSnapshots", e))?
                .snapshots()
                .first()
                .and_then(|s| s.state().map(|s| s.as_str().to_string()))
                .unwrap_or_default();
            match state.as_str() {
                "completed" => break,
                "error" | "recoverable" | "recovering" => {
                    return Err(ActionError::Failed(format!(
                        "snapshot {snapshot_id} is {state}; the volume was not deleted"
                    ))
                    .into())
                }
                _ if tokio::time::Instant::now() >= deadline => {
                    return Err(ActionError::Failed(format!(
                        "snapshot {snapshot_id} is still {state} after {} minutes; the volume was not deleted",
                        SNAPSHOT_WAIT.as_secs() / 60
                    ))
                    .into())
                }
                _ => tokio::time::sleep(SNAPSHOT_POLL).await,
            }
        }
        let out = self
            .writers
            .ec2
            .delete_volume()
            .volume_id(id)
            .send()
            .await
            .map_err(|e| call_error("DeleteVolume", e))?;
        Ok(applied(
            out.request_id(),
            format!(
                "snapshot {snapshot_id} completed (restore from it to undo); volume {id} deleted"
            ),
        ))
    }
}

impl Actions for AwsActions {
    async fn observe(&self, step: &PlanStep) -> Result<Observed, ActionError> {
        {
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
    }

    async fn dry_run(&self, step: &PlanStep) -> Result<DryRun, ActionError> {
        {
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
    }

    async fn apply(
        &self,
        step: &PlanStep,
        _before: &Observed,
        token: &str,
    ) -> Result<Applied, CallError> {
        {
            let id = step.resource.as_str();
            match &step.change {
                Change::StopInstance { .. } => {
                    let out = self
                        .writers
                        .ec2
                        .stop_instances()
                        .instance_ids(id)
                        .send()
                        .await
                        .map_err(|e| call_error("StopInstances", e))?;
                    Ok(applied(out.request_id(), format!("instance {id} stopping")))
                }
                Change::ModifyVolumeToGp3 {
                    iops,
                    throughput_mibps,
                } => {
                    let out = modify_volume(&self.writers.ec2, id, *iops, *throughput_mibps)
                        .send()
                        .await
                        .map_err(|e| call_error("ModifyVolume", e))?;
                    let state = out
                        .volume_modification()
                        .and_then(|m| m.modification_state())
                        .map_or("unknown", |s| s.as_str());
                    Ok(applied(
                        out.request_id(),
                        format!("modification to gp3 started ({state})"),
                    ))
                }
                Change::SnapshotThenDeleteVolume => self.snapshot_then_delete(id, token).await,
                Change::DeleteSnapshot => {
                    let out = self
                        .writers
                        .ec2
                        .delete_snapshot()
                        .snapshot_id(id)
                        .send()
                        .await
                        .map_err(|e| call_error("DeleteSnapshot", e))?;
                    Ok(applied(out.request_id(), format!("snapshot {id} deleted")))
                }
                Change::AddLifecycleTransition {
                    rule_id,
                    ia_after_days,
                    glacier_ir_after_days,
                    ..
                } => {
                    self.add_lifecycle_rule(id, rule_id, *ia_after_days, *glacier_ir_after_days)
                        .await
                }
                Change::StopDatabase => {
                    let out = self
                        .writers
                        .rds
                        .stop_db_instance()
                        .db_instance_identifier(id)
                        .send()
                        .await
                        .map_err(|e| call_error("StopDBInstance", e))?;
                    Ok(applied(
                        out.request_id(),
                        format!("DB instance {id} stopping; AWS starts it again after 7 days"),
                    ))
                }
                Change::DeleteDatabase { final_snapshot } => {
                    let out = self
                        .writers
                        .rds
                        .delete_db_instance()
                        .db_instance_identifier(id)
                        .skip_final_snapshot(false)
                        .final_db_snapshot_identifier(final_snapshot)
                        .send()
                        .await
                        .map_err(|e| call_error("DeleteDBInstance", e))?;
                    Ok(applied(
                        out.request_id(),
                        format!("DB instance {id} deleting; final snapshot {final_snapshot}"),
                    ))
                }
                Change::ReleaseAddress => {
                    let out = self
                        .writers
                        .ec2
                        .release_address()
                        .allocation_id(id)
                        .send()
                        .await
                        .map_err(|e| call_error("ReleaseAddress", e))?;
                    Ok(applied(out.request_id(), format!("address {id} released")))
                }
            }
        }
    }
}

fn modify_volume(
    ec2: &aws_sdk_ec2::Client,
    id: &str,
    iops: i64,
    throughput_mibps: i64,
) -> aws_sdk_ec2::operation::modify_volume::builders::ModifyVolumeFluentBuilder {
    let int = |v: i64| i32::try_from(v).unwrap_or(i32::MAX);
    ec2.modify_volume()
        .volume_id(id)
        .volume_type(aws_sdk_ec2::types::VolumeType::Gp3)
        .iops(int(iops))
        .throughput(int(throughput_mibps))
}
