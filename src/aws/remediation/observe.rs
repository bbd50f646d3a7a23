//! The re-reads of each kind of resource, just before and just after its change. Reads
//! only: they go through the clients that keep the SDK's retries.

use super::super::cloudwatch::{daily_metrics, lookback_window, values, MetricRequest};
use super::super::inventory::{address, database, image_snapshots, instance, snapshot, volume};
use super::super::s3::{rules_seen, transitions};
use super::super::Meter;
use super::errors::{action_error, is_not_found};
use super::AwsActions;
use crate::domain::remediation::{Change, Observed, PlanStep};
use crate::remediate::ActionError;
use aws_sdk_ec2::error::ProvideErrorMetadata;

impl AwsActions {
    pub(super) async fn observe_instance(
        &self,
        id: &str,
        step: &PlanStep,
    ) -> Result<Observed, ActionError> {
        let out = match self.ec2.describe_instances().instance_ids(id).send().await {
            Err(e) if is_not_found(e.code()) => return Ok(Observed::Missing),
            other => other.map_err(|e| action_error("DescribeInstances", e))?,
        };
        let Some(found) = out
            .reservations()
            .iter()
            .flat_map(|r| r.instances())
            .find(|i| i.instance_id() == Some(id))
        else {
            return Ok(Observed::Missing);
        };
        if found
            .state()
            .and_then(|s| s.name())
            .is_some_and(|n| n.as_str() == "terminated")
        {
            return Ok(Observed::Missing);
        }
        let stop_protection = self
            .ec2
            .describe_instance_attribute()
            .instance_id(id)
            .attribute(aws_sdk_ec2::types::InstanceAttributeName::DisableApiStop)
            .send()
            .await
            .map_err(|e| action_error("DescribeInstanceAttribute", e))?
            .disable_api_stop()
            .and_then(|v| v.value())
            .unwrap_or(false);
        let recent_cpu_percent = match step.change {
            Change::StopInstance { .. } => self.recent_cpu(id).await?,
            _ => None,
        };
        Ok(Observed::Instance {
            ebs_backed: found.root_device_type().map(|t| t.as_str()) == Some("ebs"),
            instance: instance(found),
            stop_protection,
            recent_cpu_percent,
        })
    }

    /// The highest daily average CPU of the last 2 whole days.
    pub(super) async fn recent_cpu(&self, id: &str) -> Result<Option<f64>, ActionError> {
        let (start, end) = lookback_window(chrono::Utc::now(), 2);
        let request = MetricRequest {
            namespace: "AWS/EC2",
            name: "CPUUtilization",
            dimensions: vec![("InstanceId", id.to_string())],
            stat: "Average",
        };
        let points = daily_metrics(
            &self.cloudwatch,
            &[request],
            start,
            end,
            &mut Meter::default(),
        )
        .await
        .map_err(|e| ActionError::Failed(e.to_string()))?;
        match points.first() {
            // An incomplete answer is unknown: the re-read fails rather than pass.
            Some(Err(why)) => Err(ActionError::Failed(why.clone())),
            Some(Ok(points)) => Ok(values(points).into_iter().reduce(f64::max)),
            None => Ok(None),
        }
    }

    pub(super) async fn observe_volume(&self, id: &str) -> Result<Observed, ActionError> {
        let out = match self.ec2.describe_volumes().volume_ids(id).send().await {
            Err(e) if is_not_found(e.code()) => return Ok(Observed::Missing),
            other => other.map_err(|e| action_error("DescribeVolumes", e))?,
        };
        let Some(found) = out.volumes().iter().find(|v| v.volume_id() == Some(id)) else {
            return Ok(Observed::Missing);
        };
        let modifications = self
            .ec2
            .describe_volumes_modifications()
            .volume_ids(id)
            .send()
            .await
            .map_err(|e| action_error("DescribeVolumesModifications", e))?;
        let latest = modifications
            .volumes_modifications()
            .iter()
            .max_by_key(|m| m.start_time().map(|t| (t.secs(), t.subsec_nanos())));
        Ok(Observed::Volume {
            volume: volume(found),
            modification: latest.map(|m| {
                (
                    m.modification_state()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    m.target_volume_type()
                        .map(|t| t.as_str().to_string())
                        .unwrap_or_default(),
                )
            }),
        })
    }

    pub(super) async fn observe_snapshot(&self, id: &str) -> Result<Observed, ActionError> {
        let out = match self.ec2.describe_snapshots().snapshot_ids(id).send().await {
            Err(e) if is_not_found(e.code()) => return Ok(Observed::Missing),
            other => other.map_err(|e| action_error("DescribeSnapshots", e))?,
        };
        let Some(found) = out.snapshots().iter().find(|s| s.snapshot_id() == Some(id)) else {
            return Ok(Observed::Missing);
        };
        let mut snapshot = snapshot(found);
        // Every AMI of the account and region, disabled and deprecated ones included;
        // if that listing fails, nothing proves the snapshot unused.
        let images = image_snapshots(&self.ec2, &mut Meter::default()).await;
        let images_complete = images.is_ok();
        snapshot.used_by_image = images.ok().and_then(|used| used.get(id).cloned());
        Ok(Observed::Snapshot {
            snapshot,
            images_complete,
        })
    }

    pub(super) async fn observe_address(&self, id: &str) -> Result<Observed, ActionError> {
        let out = match self
            .ec2
            .describe_addresses()
            .allocation_ids(id)
            .send()
            .await
        {
            Err(e) if is_not_found(e.code()) => return Ok(Observed::Missing),
            other => other.map_err(|e| action_error("DescribeAddresses", e))?,
        };
        Ok(out
            .addresses()
            .iter()
            .find(|a| a.allocation_id() == Some(id))
            .map_or(Observed::Missing, |a| Observed::Address(address(a))))
    }

    pub(super) async fn observe_database(&self, id: &str) -> Result<Observed, ActionError> {
        let out = match self
            .rds
            .describe_db_instances()
            .db_instance_identifier(id)
            .send()
            .await
        {
            Err(e) if is_not_found(e.code()) => return Ok(Observed::Missing),
            other => other.map_err(|e| action_error("DescribeDBInstances", e))?,
        };
        Ok(out
            .db_instances()
            .iter()
            .find(|d| d.db_instance_identifier() == Some(id))
            .map_or(Observed::Missing, |d| Observed::Database(database(d))))
    }

    /// The bucket's lifecycle rules. Only NoSuchLifecycleConfiguration means "none".
    pub(super) async fn lifecycle(
        &self,
        bucket: &str,
    ) -> Result<Option<aws_sdk_s3::operation::get_bucket_lifecycle_configuration::GetBucketLifecycleConfigurationOutput>, ActionError>{
        match self
            .s3
            .get_bucket_lifecycle_configuration()
            .bucket(bucket)
            .send()
            .await
        {
            Ok(out) => Ok(Some(out)),
            Err(e) if e.code() == Some("NoSuchLifecycleConfiguration") => Ok(None),
            Err(e) => Err(action_error("GetBucketLifecycleConfiguration", e)),
        }
    }

    pub(super) async fn observe_bucket(&self, bucket: &str) -> Result<Observed, ActionError> {
        let config = match self.lifecycle(bucket).await {
            Err(ActionError::Failed(m)) if m.contains("NoSuchBucket") => {
                return Ok(Observed::Missing)
            }
            other => other?,
        };
        let rules = config.as_ref().map(|c| c.rules()).unwrap_or_default();
        Ok(Observed::Bucket {
            rules: rules_seen(rules),
            has_transition: transitions(rules, false),
        })
    }
}
