//! The optimizer's rules: pure functions from an inventory, the prices and the
//! thresholds to findings. Every threshold is a setting (docs/configuration.md).
//! One file per rule; `domain::findings::RuleSpec` lists them with what each reads
//! and saves.

mod gp2_volume;
mod idle_ec2;
mod idle_rds;
mod old_snapshot;
mod s3_tiering;
mod unassociated_eip;
mod unattached_volume;

pub use gp2_volume::{gp2_performance, gp2_volume, GP3_INCLUDED_IOPS, GP3_INCLUDED_THROUGHPUT};
pub use idle_ec2::idle_ec2;
pub use idle_rds::idle_rds;
pub use old_snapshot::old_snapshot;
pub use s3_tiering::{s3_tiering, STANDARD_STORAGE};
pub use unassociated_eip::unassociated_eip;
pub use unattached_volume::unattached_volume;

use super::findings::{Evidence, Finding, MetricSeries, Rule, Saving};
use super::inventory::{is_unread, Bucket, RegionInventory, Volume};
use super::prices::{times, PriceTable, RegionPrices};
use super::Money;
use chrono::{DateTime, Utc};

pub use super::thresholds::Thresholds;

/// What the rules need besides the inventory.
pub struct RuleContext<'a> {
    pub account: &'a str,
    pub region: &'a str,
    pub prices: &'a PriceTable,
    pub thresholds: &'a Thresholds,
    pub now: DateTime<Utc>,
}

impl RuleContext<'_> {
    pub(super) fn prices(&self) -> Option<&RegionPrices> {
        self.prices.region(self.region)
    }

    pub(super) fn finding(
        &self,
        rule: Rule,
        resource: &str,
        label: String,
        action: String,
    ) -> Finding {
        Finding {
            rule,
            account: self.account.to_string(),
            region: self.region.to_string(),
            resource: resource.to_string(),
            label,
            action,
            saving: Saving::Unknown {
                reason: String::new(),
            },
            evidence: Evidence::default(),
        }
    }

    pub(super) fn age_days(&self, at: Option<DateTime<Utc>>) -> Option<i64> {
        at.map(|t| (self.now - t).num_days().max(0))
    }
}

pub(super) fn unknown(what: &str, region: &str) -> Saving {
    Saving::Unknown {
        reason: format!("no price for {what} in {region} in the price table"),
    }
}

/// Every finding of one account-region.
pub fn evaluate_region(ctx: &RuleContext, inventory: &RegionInventory) -> Vec<Finding> {
    let mut out = evaluate_known(ctx, inventory);
    // Nothing from evidence that could not be read.
    out.retain(|f| !is_unread(&inventory.unread, f.rule, &f.resource));
    out
}

fn evaluate_known(ctx: &RuleContext, inventory: &RegionInventory) -> Vec<Finding> {
    let mut out = Vec::new();
    out.extend(inventory.instances.iter().filter_map(|i| idle_ec2(ctx, i)));
    out.extend(inventory.volumes.iter().filter_map(|v| gp2_volume(ctx, v)));
    out.extend(
        inventory
            .volumes
            .iter()
            .filter_map(|v| unattached_volume(ctx, v)),
    );
    if inventory.images_complete {
        out.extend(
            inventory
                .snapshots
                .iter()
                .filter_map(|s| old_snapshot(ctx, s)),
        );
    }
    out.extend(inventory.databases.iter().filter_map(|d| idle_rds(ctx, d)));
    out.extend(
        inventory
            .addresses
            .iter()
            .filter_map(|a| unassociated_eip(ctx, a)),
    );
    out
}

/// Every finding of one account's buckets; each is judged and priced in its own region.
pub fn evaluate_buckets(
    account: &str,
    prices: &PriceTable,
    thresholds: &Thresholds,
    now: DateTime<Utc>,
    buckets: &[Bucket],
) -> Vec<Finding> {
    buckets
        .iter()
        .filter_map(|b| {
            let ctx = RuleContext {
                account,
                region: &b.region,
                prices,
                thresholds,
                now,
            };
            s3_tiering(&ctx, b)
        })
        .collect()
}

pub(super) fn series(name: &str, unit: &str, values: &[f64]) -> Option<MetricSeries> {
    Some(MetricSeries {
        name: name.to_string(),
        unit: unit.to_string(),
        values: values.to_vec(),
    })
}

pub(super) fn max_of(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::MIN, f64::max)
}

pub(super) fn fixed(value: f64, decimals: usize) -> String {
    format!("{value:.decimals$}")
}

pub(super) fn volume_label(volume: &Volume) -> String {
    let size = format!("{} {} GiB", volume.volume_type, volume.size_gib);
    match &volume.name {
        Some(name) => format!("{name} ({size})"),
        None => size,
    }
}

/// A volume's own monthly price: storage plus provisioned IOPS and throughput.
pub(super) fn volume_monthly(p: &RegionPrices, volume: &Volume) -> Option<Money> {
    let storage = times(*p.ebs_gb_month.get(&volume.volume_type)?, volume.size_gib);
    let extras = match volume.volume_type.as_str() {
        "gp3" => {
            times(
                p.gp3_iops_month?,
                (volume.iops.unwrap_or(GP3_INCLUDED_IOPS) - GP3_INCLUDED_IOPS).max(0),
            ) + times(
                p.gp3_throughput_month?,
                (volume.throughput_mibps.unwrap_or(GP3_INCLUDED_THROUGHPUT)
                    - GP3_INCLUDED_THROUGHPUT)
                    .max(0),
            )
        }
        "io1" | "io2" => times(p.piops_month?, volume.iops.unwrap_or(0)),
        _ => Money::ZERO,
    };
    Some(storage + extras)
}

pub(super) fn group(n: i64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
