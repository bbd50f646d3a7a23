//! The scan's inventory source on AWS: AssumeRole into each member account (the
//! signed-in account keeps its credentials), then EC2, EBS, RDS, S3 and CloudWatch
//! reads per region, every request paced per service and counted, retries included.

use super::assume::{Reach, SESSION_NAME};
use super::attempts::AttemptCounter;
use super::inventory::{region_inventory, regions, RegionClients};
use super::s3::buckets;
use super::{Meter, ServicePacers, SourceError};
use crate::config::ScanSettings;
use crate::domain::inventory::{Bucket, RegionInventory, Unread};
use crate::domain::sources::{InventorySource, Metered, Regions};
use chrono::{DateTime, Utc};
use std::future::Future;

/// What the AWS inventory reads with, shared by every job of one scan.
#[derive(Debug, Clone)]
pub struct AwsInventory {
    /// The signed-in configuration and the role assumed in member accounts.
    pub reach: Reach,
    /// Where DescribeRegions and ListBuckets are sent.
    pub home_region: String,
    pub lookback_days: u32,
    pub now: DateTime<Utc>,
    pub pacers: ServicePacers,
}

/// An account reached: the SDK configuration with its credentials.
#[derive(Debug)]
pub struct EnteredAccount(aws_config::SdkConfig);

impl AwsInventory {
    /// The inventory of a scan signed in as `signed_in` with `base`: DescribeRegions and
    /// ListBuckets go to the configuration's region (us-east-1 when it has none).
    pub fn new(
        base: aws_config::SdkConfig,
        sts: aws_sdk_sts::Client,
        signed_in: &str,
        settings: &ScanSettings,
        now: DateTime<Utc>,
    ) -> AwsInventory {
        AwsInventory {
            home_region: base
                .region()
                .map_or_else(|| "us-east-1".to_string(), ToString::to_string),
            reach: Reach {
                sts,
                base,
                signed_in: signed_in.to_string(),
                role_name: settings.role_name.clone(),
                session_name: SESSION_NAME,
            },
            lookback_days: settings.thresholds.lookback_days,
            now,
            pacers: ServicePacers::per_second(settings.requests_per_second),
        }
    }

    /// Runs `read` with a fresh meter on this scan's pacers, then takes in every attempt
    /// the SDK really sent.
    async fn metered<T, F>(&self, read: impl FnOnce(Meter, AttemptCounter) -> F) -> Metered<T>
    where
        F: Future<Output = (Meter, Result<T, SourceError>)>,
    {
        let counter = AttemptCounter::default();
        let (mut meter, result) = read(Meter::paced(self.pacers.clone()), counter.clone()).await;
        meter.absorb(counter);
        Metered {
            result,
            tally: meter.tally,
        }
    }
}

impl InventorySource for AwsInventory {
    type Entered = EnteredAccount;

    fn home_region(&self) -> &str {
        &self.home_region
    }

    async fn enter(&self, account: &str) -> Metered<(EnteredAccount, Regions)> {
        self.metered(|mut meter, counter| async move {
            let result = async {
                let config = self.reach.config_for(account, &mut meter).await?;
                let home = RegionClients::new(&config, &self.home_region, &counter);
                let regions = regions(&home.ec2, &mut meter).await?;
                Ok((EnteredAccount(config), regions))
            }
            .await;
            (meter, result)
        })
        .await
    }

    async fn region(&self, account: &EnteredAccount, region: &str) -> Metered<RegionInventory> {
        self.metered(|mut meter, counter| async move {
            let clients = RegionClients::new(&account.0, region, &counter);
            let result = region_inventory(&clients, self.lookback_days, self.now, &mut meter).await;
            (meter, result)
        })
        .await
    }

    async fn buckets(&self, account: &EnteredAccount) -> Metered<(Vec<Bucket>, Vec<Unread>)> {
        self.metered(|mut meter, counter| async move {
            let result = buckets(
                &account.0,
                &self.home_region,
                self.now,
                &mut meter,
                &counter,
            )
            .await;
            (meter, result)
        })
        .await
    }
}
