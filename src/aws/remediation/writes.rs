//! The calls that change AWS, one per kind of change. They go through the writers,
//! whose retries are off: a change is sent once.

use super::errors::{action_error, call_error};
use super::{AwsActions, SNAPSHOT_POLL, SNAPSHOT_WAIT, STEP_TAG};
use crate::remediate::{ActionError, Applied, CallError};
use aws_sdk_ec2::operation::RequestId;

fn applied(request_id: Option<&str>, detail: String) -> Applied {
    Applied {
        request_id: request_id.map(str::to_string),
        detail,
        created: None,
    }
}

impl AwsActions {
    pub(super) async fn stop_instance(&self, id: &str) -> Result<Applied, CallError> {
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

    pub(super) async fn modify_to_gp3(
        &self,
        id: &str,
        iops: i64,
        throughput_mibps: i64,
    ) -> Result<Applied, CallError> {
        let out = modify_volume(&self.writers.ec2, id, iops, throughput_mibps)
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

    pub(super) async fn delete_snapshot(&self, id: &str) -> Result<Applied, CallError> {
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

    pub(super) async fn stop_database(&self, id: &str) -> Result<Applied, CallError> {
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

    pub(super) async fn delete_database(
        &self,
        id: &str,
        final_snapshot: &str,
    ) -> Result<Applied, CallError> {
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

    pub(super) async fn release_address(&self, id: &str) -> Result<Applied, CallError> {
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

impl AwsActions {
    /// GET the configuration, keep every rule that is not costscope's, add ours, PUT.
    pub(super) async fn add_lifecycle_rule(
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
            format!(
                "lifecycle written: {n0_rule} kept, {rule_id} added",
                n0_rule = crate::domain::words::plural(kept, "existing rule")
            ),
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
    pub(super) async fn snapshot_then_delete(
        &self,
        id: &str,
        token: &str,
    ) -> Result<Applied, CallError> {
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
        self.wait_until_completed(&snapshot_id).await?;
        let out = self
            .writers
            .ec2
            .delete_volume()
            .volume_id(id)
            .send()
            .await
            .map_err(|e| call_error("DeleteVolume", e))?;
        Ok(Applied {
            created: Some(snapshot_id.clone()),
            ..applied(
                out.request_id(),
                format!(
                    "snapshot {snapshot_id} completed (restore from it to undo); volume {id} deleted"
                ),
            )
        })
    }
    /// Polls the snapshot until it is completed; a failed or slow snapshot stops the
    /// step before anything is deleted.
    async fn wait_until_completed(&self, snapshot_id: &str) -> Result<(), CallError> {
        let deadline = tokio::time::Instant::now() + SNAPSHOT_WAIT;
        loop {
            let state = self
                .ec2
                .describe_snapshots()
                .snapshot_ids(snapshot_id)
                .send()
                .await
                .map_err(|e| action_error("DescribeSnapshots", e))?
                .snapshots()
                .first()
                .and_then(|s| s.state().map(|s| s.as_str().to_string()))
                .unwrap_or_default();
            match state.as_str() {
                "completed" => return Ok(()),
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
    }
}

pub(super) fn modify_volume(
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
