//! EC2, EBS and RDS inventory of one account-region, with the CloudWatch series the
//! rules judge (EC2 CPU and network, RDS connections).

use super::attempts::AttemptCounter;
use super::cloudwatch::{add_series, daily_metrics, lookback_window, values, MetricRequest};
use super::{map_error, Meter, SourceError};
use crate::domain::findings::Rule;
use crate::domain::inventory::{
    Database, ElasticIp, Instance, RegionInventory, Snapshot, Unread, Volume,
};
use crate::domain::sources::Regions;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// The clients of one account in one region.
#[derive(Debug, Clone)]
pub struct RegionClients {
    pub region: String,
    pub ec2: aws_sdk_ec2::Client,
    pub rds: aws_sdk_rds::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
}

impl RegionClients {
    /// The clients of `region`, each attempt (retries included) counted in `counter`.
    pub fn new(
        config: &aws_config::SdkConfig,
        region: &str,
        counter: &AttemptCounter,
    ) -> RegionClients {
        let config = config
            .to_builder()
            .region(aws_config::Region::new(region.to_string()))
            .build();
        RegionClients {
            region: region.to_string(),
            ec2: aws_sdk_ec2::Client::from_conf(
                aws_sdk_ec2::config::Builder::from(&config)
                    .interceptor(counter.clone())
                    .build(),
            ),
            rds: aws_sdk_rds::Client::from_conf(
                aws_sdk_rds::config::Builder::from(&config)
                    .interceptor(counter.clone())
                    .build(),
            ),
            cloudwatch: super::s3::cloudwatch_client(&config, region, Some(counter)),
        }
    }
}

pub(crate) fn to_utc(t: Option<&aws_sdk_ec2::primitives::DateTime>) -> Option<DateTime<Utc>> {
    t.and_then(|t| DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
}

pub async fn regions(ec2: &aws_sdk_ec2::Client, meter: &mut Meter) -> Result<Regions, SourceError> {
    meter.pace("ec2").await;
    meter.tally.add("ec2", "DescribeRegions", 1, 0);
    let out = ec2
        .describe_regions()
        .all_regions(true)
        .send()
        .await
        .map_err(|e| map_error("DescribeRegions", e))?;
    let mut regions = Regions::default();
    for r in out.regions() {
        let Some(name) = r.region_name() else {
            continue;
        };
        if r.opt_in_status() == Some("not-opted-in") {
            regions.not_opted_in.push(name.to_string());
        } else {
            regions.enabled.push(name.to_string());
        }
    }
    regions.enabled.sort();
    regions.not_opted_in.sort();
    Ok(regions)
}

/// Everything the regional rules need. Any listing that fails fails the unit, except
/// the AMI listing: without it, snapshots are kept but none can be called unused.
pub async fn region_inventory(
    clients: &RegionClients,
    lookback_days: u32,
    now: DateTime<Utc>,
    meter: &mut Meter,
) -> Result<RegionInventory, SourceError> {
    let ec2 = &clients.ec2;
    let reservations = listing!(
        meter,
        "ec2",
        "DescribeInstances",
        ec2.describe_instances(),
        reservations
    );
    let mut instances: Vec<Instance> = reservations
        .iter()
        .flat_map(|r| r.instances())
        .map(instance)
        .collect();
    let volumes: Vec<Volume> = listing!(
        meter,
        "ec2",
        "DescribeVolumes",
        ec2.describe_volumes(),
        volumes
    )
    .iter()
    .map(volume)
    .collect();
    let mut unread = Vec::new();
    let (snapshots, images_complete) = snapshots_and_images(ec2, meter, &mut unread).await?;
    let addresses = addresses(ec2, meter).await?;
    let mut databases: Vec<Database> = listing!(
        meter,
        "rds",
        "DescribeDBInstances",
        clients.rds.describe_db_instances(),
        db_instances
    )
    .iter()
    .map(database)
    .collect();

    attach_metrics(
        clients,
        &mut instances,
        &mut databases,
        lookback_days,
        now,
        meter,
        &mut unread,
    )
    .await?;
    Ok(RegionInventory {
        instances,
        volumes,
        snapshots,
        images_complete,
        addresses,
        databases,
        unread,
    })
}

/// The account's own snapshots, each with the AMI that uses it. Without the AMI listing
/// the snapshots are kept, none is called unused, and `unread` says why.
async fn snapshots_and_images(
    ec2: &aws_sdk_ec2::Client,
    meter: &mut Meter,
    unread: &mut Vec<Unread>,
) -> Result<(Vec<Snapshot>, bool), SourceError> {
    let mut snapshots: Vec<Snapshot> = listing!(
        meter,
        "ec2",
        "DescribeSnapshots",
        ec2.describe_snapshots().owner_ids("self"),
        snapshots
    )
    .iter()
    .map(snapshot)
    .collect();
    let images = image_snapshots(ec2, meter).await;
    let images_complete = images.is_ok();
    match &images {
        Ok(used) => {
            for s in &mut snapshots {
                s.used_by_image = used.get(&s.id).cloned();
            }
        }
        Err(e) => unread.push(Unread {
            rule: Rule::OldSnapshot,
            resource: None,
            reason: format!("the AMI listing failed ({e}), so no snapshot is proven unused"),
        }),
    }
    Ok((snapshots, images_complete))
}

async fn addresses(
    ec2: &aws_sdk_ec2::Client,
    meter: &mut Meter,
) -> Result<Vec<ElasticIp>, SourceError> {
    meter.pace("ec2").await;
    meter.tally.add("ec2", "DescribeAddresses", 1, 0);
    Ok(ec2
        .describe_addresses()
        .send()
        .await
        .map_err(|e| map_error("DescribeAddresses", e))?
        .addresses()
        .iter()
        .map(address)
        .collect())
}

/// Snapshot id -> the AMI (of this account, disabled and deprecated ones included)
/// whose block devices use it.
pub(crate) async fn image_snapshots(
    ec2: &aws_sdk_ec2::Client,
    meter: &mut Meter,
) -> Result<HashMap<String, String>, SourceError> {
    let images = listing!(
        meter,
        "ec2",
        "DescribeImages",
        ec2.describe_images()
            .owners("self")
            .include_deprecated(true)
            .include_disabled(true),
        images
    );
    let mut used = HashMap::new();
    for image in &images {
        let id = image.image_id().unwrap_or_default();
        for mapping in image.block_device_mappings() {
            if let Some(snapshot) = mapping.ebs().and_then(|e| e.snapshot_id()) {
                used.insert(snapshot.to_string(), id.to_string());
            }
        }
    }
    Ok(used)
}

pub(crate) fn non_empty(text: Option<&str>) -> Option<String> {
    text.filter(|t| !t.is_empty()).map(str::to_string)
}

fn tag<'a>(tags: &'a [aws_sdk_ec2::types::Tag], key: &str) -> Option<&'a str> {
    tags.iter()
        .find(|t| t.key() == Some(key))
        .and_then(|t| t.value())
}

pub(crate) fn instance(i: &aws_sdk_ec2::types::Instance) -> Instance {
    Instance {
        id: i.instance_id().unwrap_or_default().to_string(),
        name: tag(i.tags(), "Name").map(str::to_string),
        instance_type: i
            .instance_type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        state: i
            .state()
            .and_then(|s| s.name())
            .map(|n| n.as_str().to_string())
            .unwrap_or_default(),
        launched: to_utc(i.launch_time()),
        spot: i.instance_lifecycle().map(|l| l.as_str()) == Some("spot"),
        auto_scaling_group: tag(i.tags(), "aws:autoscaling:groupName").map(str::to_string),
        cpu_percent: Vec::new(),
        network_bytes: Vec::new(),
    }
}

pub(crate) fn address(a: &aws_sdk_ec2::types::Address) -> ElasticIp {
    ElasticIp {
        allocation_id: a
            .allocation_id()
            .or(a.public_ip())
            .unwrap_or_default()
            .to_string(),
        public_ip: a.public_ip().unwrap_or_default().to_string(),
        // Some answers carry empty strings for "none".
        association_id: non_empty(a.association_id()),
        instance_id: non_empty(a.instance_id()),
    }
}

pub(crate) fn volume(v: &aws_sdk_ec2::types::Volume) -> Volume {
    Volume {
        id: v.volume_id().unwrap_or_default().to_string(),
        name: tag(v.tags(), "Name").map(str::to_string),
        volume_type: v
            .volume_type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        size_gib: i64::from(v.size().unwrap_or(0)),
        iops: v.iops().map(i64::from),
        throughput_mibps: v.throughput().map(i64::from),
        state: v
            .state()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        attached_to: v
            .attachments()
            .iter()
            .find_map(|a| a.instance_id())
            .map(str::to_string),
        created: to_utc(v.create_time()),
    }
}

pub(crate) fn snapshot(s: &aws_sdk_ec2::types::Snapshot) -> Snapshot {
    Snapshot {
        id: s.snapshot_id().unwrap_or_default().to_string(),
        volume_id: s.volume_id().map(str::to_string),
        volume_size_gib: i64::from(s.volume_size().unwrap_or(0)),
        started: to_utc(s.start_time()),
        description: s.description().unwrap_or_default().to_string(),
        used_by_image: None,
    }
}

pub(crate) fn database(d: &aws_sdk_rds::types::DbInstance) -> Database {
    Database {
        id: d.db_instance_identifier().unwrap_or_default().to_string(),
        class: d.db_instance_class().unwrap_or_default().to_string(),
        engine: d.engine().unwrap_or_default().to_string(),
        status: d.db_instance_status().unwrap_or_default().to_string(),
        multi_az: d.multi_az().unwrap_or(false),
        read_replica_of: d
            .read_replica_source_db_instance_identifier()
            .map(str::to_string),
        has_read_replicas: !d.read_replica_db_instance_identifiers().is_empty(),
        created: to_utc(d.instance_create_time()),
        connections: Vec::new(),
    }
}

/// Running instances get CPU and network, available databases get connections: one
/// batched GetMetricData chain for the region.
/// The utilisation series of running instances and available databases. A metric that
/// CloudWatch could not answer completely makes that resource's rule unread.
async fn attach_metrics(
    clients: &RegionClients,
    instances: &mut [Instance],
    databases: &mut [Database],
    lookback_days: u32,
    now: DateTime<Utc>,
    meter: &mut Meter,
    unread: &mut Vec<Unread>,
) -> Result<(), SourceError> {
    let mut requests = Vec::new();
    let running: Vec<usize> = (0..instances.len())
        .filter(|i| instances[*i].state == "running")
        .collect();
    for &i in &running {
        let dims = vec![("InstanceId", instances[i].id.clone())];
        for (name, stat) in [
            ("CPUUtilization", "Average"),
            ("NetworkIn", "Sum"),
            ("NetworkOut", "Sum"),
        ] {
            requests.push(MetricRequest {
                namespace: "AWS/EC2",
                name,
                dimensions: dims.clone(),
                stat,
            });
        }
    }
    let available: Vec<usize> = (0..databases.len())
        .filter(|i| databases[*i].status == "available")
        .collect();
    for &i in &available {
        requests.push(MetricRequest {
            namespace: "AWS/RDS",
            name: "DatabaseConnections",
            dimensions: vec![("DBInstanceIdentifier", databases[i].id.clone())],
            stat: "Maximum",
        });
    }
    if requests.is_empty() {
        return Ok(());
    }
    let (start, end) = lookback_window(now, lookback_days);
    let series = daily_metrics(&clients.cloudwatch, &requests, start, end, meter).await?;
    for (n, &i) in running.iter().enumerate() {
        match (&series[3 * n], &series[3 * n + 1], &series[3 * n + 2]) {
            (Ok(cpu), Ok(network_in), Ok(network_out)) => {
                instances[i].cpu_percent = values(cpu);
                instances[i].network_bytes = values(&add_series(network_in, network_out));
            }
            (a, b, c) => unread.push(Unread {
                rule: Rule::IdleEc2,
                resource: Some(instances[i].id.clone()),
                reason: [a, b, c]
                    .into_iter()
                    .find_map(|r| r.as_ref().err().cloned())
                    .unwrap_or_default(),
            }),
        }
    }
    let base = 3 * running.len();
    for (n, &i) in available.iter().enumerate() {
        match &series[base + n] {
            Ok(points) => databases[i].connections = values(points),
            Err(why) => unread.push(Unread {
                rule: Rule::IdleRds,
                resource: Some(databases[i].id.clone()),
                reason: why.clone(),
            }),
        }
    }
    Ok(())
}
