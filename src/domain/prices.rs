//! The on-demand prices the rules need, per region. A price that is not in the table is
//! unknown: the finding still appears, with "saving unknown", never a guessed number.

use super::Money;
use std::collections::BTreeMap;

/// AWS bills "per month" resources on 730 hours.
pub const HOURS_PER_MONTH: i64 = 730;

/// The prices of one region. Hourly prices for compute, per-month prices for storage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegionPrices {
    /// EC2 instance type -> on-demand Linux, shared tenancy, $/hour.
    pub ec2_hourly: BTreeMap<String, Money>,
    /// RDS instance class -> single-AZ on-demand (MySQL/PostgreSQL), $/hour.
    pub rds_hourly: BTreeMap<String, Money>,
    /// EBS volume type (gp2, gp3, io1, ...) -> $/GiB-month.
    pub ebs_gb_month: BTreeMap<String, Money>,
    /// gp3 IOPS above the included 3,000 -> $/IOPS-month.
    pub gp3_iops_month: Option<Money>,
    /// gp3 throughput above the included 125 MiB/s -> $/(MiB/s)-month.
    pub gp3_throughput_month: Option<Money>,
    /// Provisioned IOPS of io1/io2 -> $/IOPS-month.
    pub piops_month: Option<Money>,
    /// EBS snapshot, standard tier -> $/GiB-month.
    pub snapshot_gb_month: Option<Money>,
    /// S3 storage class (STANDARD, STANDARD_IA, GLACIER_IR, ...) -> $/GiB-month.
    pub s3_gb_month: BTreeMap<String, Money>,
    /// A public IPv4 address (an Elastic IP) -> $/hour.
    pub eip_hourly: Option<Money>,
}

/// The whole table, with where its numbers come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PriceTable {
    pub source: String,
    pub as_of: String,
    pub regions: BTreeMap<String, RegionPrices>,
}

impl PriceTable {
    pub fn region(&self, region: &str) -> Option<&RegionPrices> {
        self.regions.get(region)
    }

    /// Every price in `other` replaces the same price here; the rest stays.
    pub fn overlay(&mut self, other: PriceTable) {
        if !other.source.is_empty() {
            self.source = format!("{}; overridden by {}", self.source, other.source);
        }
        for (name, theirs) in other.regions {
            let ours = self.regions.entry(name).or_default();
            ours.ec2_hourly.extend(theirs.ec2_hourly);
            ours.rds_hourly.extend(theirs.rds_hourly);
            ours.ebs_gb_month.extend(theirs.ebs_gb_month);
            ours.s3_gb_month.extend(theirs.s3_gb_month);
            for (slot, value) in [
                (&mut ours.gp3_iops_month, theirs.gp3_iops_month),
                (&mut ours.gp3_throughput_month, theirs.gp3_throughput_month),
                (&mut ours.piops_month, theirs.piops_month),
                (&mut ours.snapshot_gb_month, theirs.snapshot_gb_month),
                (&mut ours.eip_hourly, theirs.eip_hourly),
            ] {
                if value.is_some() {
                    *slot = value;
                }
            }
        }
    }
}

/// An hourly price over a 730-hour month.
pub fn monthly(hourly: Money) -> Money {
    hourly.scale(HOURS_PER_MONTH, 1)
}

/// A per-unit monthly price times a whole number of units.
pub fn times(price: Money, units: i64) -> Money {
    price.scale(units, 1)
}

/// A per-GiB monthly price times a number of bytes.
pub fn per_bytes(price_per_gib: Money, bytes: i64) -> Money {
    price_per_gib.scale(bytes, 1 << 30)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dollars(text: &str) -> Money {
        text.parse().unwrap()
    }

    #[test]
    fn hourly_prices_become_730_hour_months() {
        assert_eq!(monthly(dollars("0.0104")), dollars("7.592"));
        assert_eq!(per_bytes(dollars("0.023"), 100 << 30), dollars("2.3"));
    }

    #[test]
    fn an_overlay_replaces_only_the_prices_it_names() {
        let mut base = PriceTable::default();
        let east = base.regions.entry("us-east-1".into()).or_default();
        east.ebs_gb_month.insert("gp2".into(), dollars("0.10"));
        east.ebs_gb_month.insert("gp3".into(), dollars("0.08"));
        east.eip_hourly = Some(dollars("0.005"));
        let mut user = PriceTable::default();
        let theirs = user.regions.entry("us-east-1".into()).or_default();
        theirs.ebs_gb_month.insert("gp2".into(), dollars("0.09"));
        base.overlay(user);
        let east = base.region("us-east-1").unwrap();
        assert_eq!(east.ebs_gb_month["gp2"], dollars("0.09"));
        assert_eq!(east.ebs_gb_month["gp3"], dollars("0.08"));
        assert_eq!(east.eip_hourly, Some(dollars("0.005")));
    }
}
