//! What the moto tests build in an account: each rule's idle or old resource next to
//! its busy or current twin, with CloudWatch data for the look-back window.

use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum};
use aws_sdk_sts::operation::assume_role::AssumeRoleOutput;

const DAY: i64 = 86_400;

/// Midday of each of the last `days` whole days, inside the scan's look-back window.
pub fn past_days(days: i64) -> Vec<DateTime> {
    let today = chrono::Utc::now().timestamp().div_euclid(DAY) * DAY;
    (1..=days)
        .map(|k| DateTime::from_secs(today - k * DAY + DAY / 2))
        .collect()
}

pub async fn put_daily(
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

/// Replaces a bucket's lifecycle configuration with this one rule.
pub async fn put_lifecycle_rule(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    rule: aws_sdk_s3::types::LifecycleRule,
) {
    s3.put_bucket_lifecycle_configuration()
        .bucket(bucket)
        .lifecycle_configuration(
            aws_sdk_s3::types::BucketLifecycleConfiguration::builder()
                .rules(rule)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

/// What one member account holds, built through its assumed role.
pub struct Built {
    pub idle_instance: String,
    pub busy_instance: String,
    pub old_snapshot: String,
    pub ami_snapshot: String,
    pub free_address: String,
    pub used_address: String,
}

pub async fn assume(
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
pub async fn build_account_a(config: &aws_config::SdkConfig, suffix: &str) -> Built {
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
            put_lifecycle_rule(
                &s3,
                &bucket,
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
            .await;
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
