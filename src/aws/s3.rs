//! S3 buckets of one account: region, lifecycle rules, and bytes per storage class from
//! CloudWatch's daily BucketSizeBytes (free of request charges for S3 itself).

use super::attempts::AttemptCounter;
use super::cloudwatch::{daily_metrics, lookback_window, MetricRequest};
use super::{map_error, Meter, SourceError};
use crate::domain::findings::Rule;
use crate::domain::inventory::{Bucket, LifecycleRuleSeen, Unread};
use crate::domain::remediation::LIFECYCLE_RULE_PREFIX;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::types::LifecycleRule;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The StorageType dimensions read for each bucket. Each one is a metric billed by
/// CloudWatch, so only the classes the tiering rule and its evidence use.
pub const STORAGE_TYPES: [&str; 5] = [
    "StandardStorage",
    "StandardIAStorage",
    "GlacierInstantRetrievalStorage",
    "IntelligentTieringFAStorage",
    "GlacierStorage",
];

/// An S3 client for `region`; path-style addressing when an endpoint is overridden
/// (emulators and VPC endpoints by IP have no bucket subdomains). With a counter, every
/// attempt is counted.
pub fn s3_client(
    config: &aws_config::SdkConfig,
    region: &str,
    counter: Option<&AttemptCounter>,
) -> aws_sdk_s3::Client {
    let mut builder = aws_sdk_s3::config::Builder::from(config)
        .region(aws_config::Region::new(region.to_string()))
        .force_path_style(config.endpoint_url().is_some());
    if let Some(counter) = counter {
        builder = builder.interceptor(counter.clone());
    }
    aws_sdk_s3::Client::from_conf(builder.build())
}

pub fn cloudwatch_client(
    config: &aws_config::SdkConfig,
    region: &str,
    counter: Option<&AttemptCounter>,
) -> aws_sdk_cloudwatch::Client {
    let mut builder = aws_sdk_cloudwatch::config::Builder::from(config)
        .region(aws_config::Region::new(region.to_string()));
    if let Some(counter) = counter {
        builder = builder.interceptor(counter.clone());
    }
    aws_sdk_cloudwatch::Client::from_conf(builder.build())
}

/// Every bucket the account owns, with its lifecycle and storage, and the buckets whose
/// lifecycle or storage could not be read (denied, or CloudWatch incomplete): those are
/// unknown, never "nothing to tier". `home_region` is where the listing is sent.
pub async fn buckets(
    config: &aws_config::SdkConfig,
    home_region: &str,
    now: chrono::DateTime<chrono::Utc>,
    meter: &mut Meter,
    counter: &AttemptCounter,
) -> Result<(Vec<Bucket>, Vec<Unread>), SourceError> {
    let home = s3_client(config, home_region, Some(counter));
    let listed = listing!(meter, "s3", "ListBuckets", home.list_buckets(), buckets);
    let mut buckets = Vec::new();
    let mut unread = Vec::new();
    for b in &listed {
        let Some(name) = b.name() else { continue };
        let region = match b.bucket_region() {
            Some(r) => r.to_string(),
            None => bucket_region(&home, name, meter).await?,
        };
        let client = s3_client(config, &region, Some(counter));
        let rules = match lifecycle(&client, name, meter).await {
            Err(e @ SourceError::AccessDenied { .. }) => {
                unread.push(Unread {
                    rule: Rule::S3Tiering,
                    resource: Some(name.to_string()),
                    reason: e.to_string(),
                });
                continue;
            }
            other => other?,
        };
        buckets.push(Bucket {
            name: name.to_string(),
            region,
            lifecycle_rules: rules.len(),
            has_transition: transitions(&rules, true),
            rules: rules_seen(&rules),
            bytes_by_storage_type: Vec::new(),
        });
    }
    storage_bytes(config, &mut buckets, now, meter, &mut unread, counter).await?;
    Ok((buckets, unread))
}

async fn bucket_region(
    client: &aws_sdk_s3::Client,
    name: &str,
    meter: &mut Meter,
) -> Result<String, SourceError> {
    meter.pace("s3").await;
    meter.tally.add("s3", "GetBucketLocation", 1, 0);
    let out = client
        .get_bucket_location()
        .bucket(name)
        .send()
        .await
        .map_err(|e| map_error("GetBucketLocation", e))?;
    // No constraint means us-east-1; "EU" is the legacy name of eu-west-1.
    Ok(match out.location_constraint().map(|c| c.as_str()) {
        None | Some("") => "us-east-1".to_string(),
        Some("EU") => "eu-west-1".to_string(),
        Some(other) => other.to_string(),
    })
}

/// The bucket's lifecycle rules. Only NoSuchLifecycleConfiguration means "no rules";
/// any other error fails.
async fn lifecycle(
    client: &aws_sdk_s3::Client,
    name: &str,
    meter: &mut Meter,
) -> Result<Vec<LifecycleRule>, SourceError> {
    meter.pace("s3").await;
    meter
        .tally
        .add("s3", "GetBucketLifecycleConfiguration", 1, 0);
    match client
        .get_bucket_lifecycle_configuration()
        .bucket(name)
        .send()
        .await
    {
        Ok(out) => Ok(out.rules().to_vec()),
        Err(e) if e.code() == Some("NoSuchLifecycleConfiguration") => Ok(Vec::new()),
        Err(e) => Err(map_error("GetBucketLifecycleConfiguration", e)),
    }
}

/// Whether an enabled rule transitions current or noncurrent objects; with
/// `count_ours` false, costscope's own rules (which applying replaces) do not count.
/// The scan and the executor both decide with this one function.
pub(crate) fn transitions(rules: &[LifecycleRule], count_ours: bool) -> bool {
    rules.iter().any(|r| {
        r.status().as_str() == "Enabled"
            && (count_ours
                || !r
                    .id()
                    .unwrap_or_default()
                    .starts_with(LIFECYCLE_RULE_PREFIX))
            && (!r.transitions().is_empty() || !r.noncurrent_version_transitions().is_empty())
    })
}

/// Each rule's id and a digest of everything in it, so that any edit of a rule (not
/// only adding or removing one) shows as a change.
pub(crate) fn rules_seen(rules: &[LifecycleRule]) -> Vec<LifecycleRuleSeen> {
    rules
        .iter()
        .map(|r| LifecycleRuleSeen {
            id: r.id().unwrap_or_default().to_string(),
            fingerprint: hex::encode(&Sha256::digest(format!("{r:?}").as_bytes())[..12]),
        })
        .collect()
}

/// The latest daily BucketSizeBytes per storage type, one GetMetricData chain per region.
async fn storage_bytes(
    config: &aws_config::SdkConfig,
    buckets: &mut [Bucket],
    now: chrono::DateTime<chrono::Utc>,
    meter: &mut Meter,
    unread: &mut Vec<Unread>,
    counter: &AttemptCounter,
) -> Result<(), SourceError> {
    let mut by_region: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, b) in buckets.iter().enumerate() {
        by_region.entry(b.region.clone()).or_default().push(i);
    }
    // S3 publishes storage metrics once a day; three days find the latest one.
    let (start, end) = lookback_window(now, 3);
    for (region, indexes) in by_region {
        let requests: Vec<MetricRequest> = indexes
            .iter()
            .flat_map(|&i| STORAGE_TYPES.iter().map(move |storage| (i, *storage)))
            .map(|(i, storage)| MetricRequest {
                namespace: "AWS/S3",
                name: "BucketSizeBytes",
                dimensions: vec![
                    ("BucketName", buckets[i].name.clone()),
                    ("StorageType", storage.to_string()),
                ],
                stat: "Average",
            })
            .collect();
        let client = cloudwatch_client(config, &region, Some(counter));
        let series = daily_metrics(&client, &requests, start, end, meter).await?;
        for (n, &i) in indexes.iter().enumerate() {
            for (k, storage) in STORAGE_TYPES.iter().enumerate() {
                match &series[n * STORAGE_TYPES.len() + k] {
                    Ok(points) => {
                        if let Some((_, bytes)) = points.last() {
                            buckets[i]
                                .bytes_by_storage_type
                                .push((storage.to_string(), *bytes as i64));
                        }
                    }
                    Err(why) => unread.push(Unread {
                        rule: Rule::S3Tiering,
                        resource: Some(buckets[i].name.clone()),
                        reason: why.clone(),
                    }),
                }
            }
        }
    }
    Ok(())
}
