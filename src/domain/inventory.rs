//! What a scan reads from one account and region: the resources the rules look at, with
//! the utilisation series CloudWatch gave for them. Plain data; the AWS adapters fill it.

use super::findings::Rule;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Daily values over the look-back window, oldest first. An empty series means
/// CloudWatch had no data points: the rules treat that as unknown, never as zero.
pub type DailySeries = Vec<f64>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    pub id: String,
    pub name: Option<String>,
    pub instance_type: String,
    /// pending, running, stopping, stopped, ...
    pub state: String,
    pub launched: Option<DateTime<Utc>>,
    pub spot: bool,
    /// The Auto Scaling group that owns it, if any (from the aws:autoscaling tag).
    pub auto_scaling_group: Option<String>,
    /// Daily average CPUUtilization, percent.
    pub cpu_percent: DailySeries,
    /// Daily NetworkIn + NetworkOut, bytes.
    pub network_bytes: DailySeries,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Volume {
    pub id: String,
    pub name: Option<String>,
    pub volume_type: String,
    pub size_gib: i64,
    pub iops: Option<i64>,
    pub throughput_mibps: Option<i64>,
    /// creating, available (unattached), in-use, ...
    pub state: String,
    pub attached_to: Option<String>,
    pub created: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub id: String,
    pub volume_id: Option<String>,
    pub volume_size_gib: i64,
    pub started: Option<DateTime<Utc>>,
    pub description: String,
    /// The registered AMI whose block devices use it, if any.
    pub used_by_image: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElasticIp {
    pub allocation_id: String,
    pub public_ip: String,
    pub association_id: Option<String>,
    pub instance_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Database {
    pub id: String,
    pub class: String,
    pub engine: String,
    /// available, stopped, ...
    pub status: String,
    pub multi_az: bool,
    pub read_replica_of: Option<String>,
    pub has_read_replicas: bool,
    pub created: Option<DateTime<Utc>>,
    /// Daily maximum DatabaseConnections.
    pub connections: DailySeries,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    pub name: String,
    pub region: String,
    /// Number of lifecycle rules, and whether an enabled one transitions objects.
    pub lifecycle_rules: usize,
    pub has_transition: bool,
    /// Each lifecycle rule as the scan read it, so that applying can tell whether the
    /// rules themselves changed since (not only their number).
    #[serde(default)]
    pub rules: Vec<LifecycleRuleSeen>,
    /// Latest daily BucketSizeBytes per storage type (StandardStorage, StandardIAStorage, ...).
    pub bytes_by_storage_type: Vec<(String, i64)>,
}

/// One lifecycle rule: its id and a digest of everything in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleRuleSeen {
    pub id: String,
    pub fingerprint: String,
}

impl Bucket {
    pub fn bytes_of(&self, storage_type: &str) -> i64 {
        self.bytes_by_storage_type
            .iter()
            .filter(|(t, _)| t == storage_type)
            .map(|(_, b)| *b)
            .sum()
    }
}

/// Evidence a rule needed but could not read (a failed AMI listing, a denied bucket,
/// CloudWatch answering PartialData, Forbidden or InternalError): no finding is made
/// from it, no existing finding is closed because of it, and the unit is partial.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unread {
    pub rule: Rule,
    /// The resource, or None when the rule could not run for any resource of the unit.
    pub resource: Option<String>,
    pub reason: String,
}

impl Unread {
    /// Whether this blocks `rule` on `resource`.
    pub fn covers(&self, rule: Rule, resource: &str) -> bool {
        self.rule == rule && self.resource.as_deref().is_none_or(|r| r == resource)
    }
}

/// Whether any of `unread` blocks `rule` on `resource`.
pub fn is_unread(unread: &[Unread], rule: Rule, resource: &str) -> bool {
    unread.iter().any(|u| u.covers(rule, resource))
}

/// Everything one account-region scan found. `images_complete` is false when the AMI
/// listing failed: then no snapshot of this unit can be called unused.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RegionInventory {
    pub instances: Vec<Instance>,
    pub volumes: Vec<Volume>,
    pub snapshots: Vec<Snapshot>,
    pub images_complete: bool,
    pub addresses: Vec<ElasticIp>,
    pub databases: Vec<Database>,
    /// What could not be read, by rule and resource.
    #[serde(default)]
    pub unread: Vec<Unread>,
}

/// One resource as the cache keeps it: its kind, id and the JSON of its record.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResource {
    pub kind: &'static str,
    pub id: String,
    pub region: String,
    pub data: String,
}

fn stored<T: Serialize>(kind: &'static str, id: &str, region: &str, value: &T) -> StoredResource {
    StoredResource {
        kind,
        id: id.to_string(),
        region: region.to_string(),
        // Serialising plain data with string keys cannot fail.
        data: serde_json::to_string(value).unwrap_or_default(),
    }
}

impl RegionInventory {
    pub fn stored(&self, region: &str) -> Vec<StoredResource> {
        let mut out = Vec::new();
        out.extend(
            self.instances
                .iter()
                .map(|r| stored("ec2-instance", &r.id, region, r)),
        );
        out.extend(
            self.volumes
                .iter()
                .map(|r| stored("ebs-volume", &r.id, region, r)),
        );
        out.extend(
            self.snapshots
                .iter()
                .map(|r| stored("ebs-snapshot", &r.id, region, r)),
        );
        out.extend(
            self.addresses
                .iter()
                .map(|r| stored("elastic-ip", &r.allocation_id, region, r)),
        );
        out.extend(
            self.databases
                .iter()
                .map(|r| stored("rds-instance", &r.id, region, r)),
        );
        out
    }
}

pub fn stored_buckets(buckets: &[Bucket]) -> Vec<StoredResource> {
    buckets
        .iter()
        .map(|b| stored("s3-bucket", &b.name, &b.region, b))
        .collect()
}
