//! The optimizer's rules: pure functions from an inventory, the prices and the
//! thresholds to findings. Every threshold is a setting (docs/configuration.md).

use super::findings::{Evidence, Finding, MetricSeries, Rule, Saving};
use super::inventory::{
    is_unread, Bucket, Database, ElasticIp, Instance, RegionInventory, Snapshot, Volume,
};
use super::prices::{monthly, per_bytes, times, PriceTable, RegionPrices};
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
    fn prices(&self) -> Option<&RegionPrices> {
        self.prices.region(self.region)
    }

    fn finding(&self, rule: Rule, resource: &str, label: String, action: String) -> Finding {
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

    fn age_days(&self, at: Option<DateTime<Utc>>) -> Option<i64> {
        at.map(|t| (self.now - t).num_days().max(0))
    }
}

fn unknown(what: &str, region: &str) -> Saving {
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

fn series(name: &str, unit: &str, values: &[f64]) -> Option<MetricSeries> {
    Some(MetricSeries {
        name: name.to_string(),
        unit: unit.to_string(),
        values: values.to_vec(),
    })
}

fn max_of(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::MIN, f64::max)
}

fn fixed(value: f64, decimals: usize) -> String {
    format!("{value:.decimals$}")
}

pub fn idle_ec2(ctx: &RuleContext, instance: &Instance) -> Option<Finding> {
    let t = ctx.thresholds;
    if instance.state != "running" || instance.cpu_percent.is_empty() {
        return None;
    }
    let cpu_max = max_of(&instance.cpu_percent);
    let mib = |bytes: f64| bytes / (1024.0 * 1024.0);
    // No network data points with CPU data means CloudWatch saw none; treat as unknown.
    if instance.network_bytes.is_empty() {
        return None;
    }
    let net_max = mib(max_of(&instance.network_bytes));
    if cpu_max >= t.idle_cpu_percent || net_max >= t.idle_network_mib_per_day {
        return None;
    }
    let label = match &instance.name {
        Some(name) => format!("{name} ({})", instance.instance_type),
        None => instance.instance_type.clone(),
    };
    let mut f = ctx.finding(
        Rule::IdleEc2,
        &instance.id,
        label,
        "stop the instance (its EBS volumes and Elastic IPs keep billing)".to_string(),
    );
    f.saving = match ctx
        .prices()
        .and_then(|p| p.ec2_hourly.get(&instance.instance_type))
    {
        Some(hourly) => Saving::Monthly {
            amount: monthly(*hourly),
            basis: format!(
                "{} on-demand {}/h x 730 h",
                instance.instance_type,
                hourly.format_plain_precise()
            ),
        },
        None => unknown(&instance.instance_type, ctx.region),
    };
    let days = instance.cpu_percent.len();
    f.evidence = Evidence {
        summary: format!(
            "CPU max {}% · net max {} MiB/day over {days} d",
            fixed(cpu_max, 1),
            fixed(net_max, 1)
        ),
        facts: vec![
            ("state".into(), instance.state.clone()),
            ("type".into(), instance.instance_type.clone()),
            ("days with data".into(), days.to_string()),
            (
                "max daily avg CPU".into(),
                format!("{}%", fixed(cpu_max, 2)),
            ),
            (
                "max daily network".into(),
                format!("{} MiB", fixed(net_max, 2)),
            ),
            (
                "thresholds".into(),
                format!(
                    "CPU < {}%, network < {} MiB/day",
                    t.idle_cpu_percent, t.idle_network_mib_per_day
                ),
            ),
            (
                "launched".into(),
                instance
                    .launched
                    .map_or("unknown".into(), |d| d.date_naive().to_string()),
            ),
        ],
        series: series("CPUUtilization", "%", &instance.cpu_percent),
    };
    if instance.spot || instance.auto_scaling_group.is_some() {
        f.evidence.facts.push((
            "note".into(),
            "Spot or Auto Scaling instance: stopping it is not offered".into(),
        ));
    }
    Some(f)
}

/// gp2 performance for a size: baseline IOPS (3 per GiB, 100 to 16,000), with bursts to
/// 3,000 below 1 TiB; throughput 128 MiB/s up to 170 GiB, 250 above.
pub fn gp2_performance(size_gib: i64) -> (i64, i64) {
    let baseline = (3 * size_gib).clamp(100, 16_000);
    let iops = baseline.max(3_000);
    let throughput = if size_gib > 170 { 250 } else { 128 };
    (iops, throughput)
}

pub const GP3_INCLUDED_IOPS: i64 = 3_000;
pub const GP3_INCLUDED_THROUGHPUT: i64 = 125;

pub fn gp2_volume(ctx: &RuleContext, volume: &Volume) -> Option<Finding> {
    if volume.volume_type != "gp2" {
        return None;
    }
    let (iops, throughput) = gp2_performance(volume.size_gib);
    let extra_iops = iops - GP3_INCLUDED_IOPS;
    let extra_throughput = throughput - GP3_INCLUDED_THROUGHPUT;
    let saving = ctx.prices().and_then(|p| {
        let gp2 = times(*p.ebs_gb_month.get("gp2")?, volume.size_gib);
        let gp3 = times(*p.ebs_gb_month.get("gp3")?, volume.size_gib)
            + times(p.gp3_iops_month?, extra_iops)
            + times(p.gp3_throughput_month?, extra_throughput);
        Some((gp2, gp3))
    });
    let saving = match saving {
        Some((gp2, gp3)) if gp2 <= gp3 => return None,
        Some((gp2, gp3)) => Saving::Monthly {
            amount: gp2 - gp3,
            basis: format!(
                "gp2 {} GiB {} - gp3 with {iops} IOPS, {throughput} MiB/s {}",
                volume.size_gib,
                gp2.format_exact(),
                gp3.format_exact()
            ),
        },
        None => unknown("gp2/gp3 storage", ctx.region),
    };
    let mut f = ctx.finding(
        Rule::Gp2Volume,
        &volume.id,
        volume_label(volume),
        format!("modify to gp3 at {iops} IOPS, {throughput} MiB/s"),
    );
    f.saving = saving;
    f.evidence = Evidence {
        summary: format!(
            "gp2 {} GiB → gp3 {iops} IOPS {throughput} MiB/s",
            volume.size_gib
        ),
        facts: vec![
            ("type".into(), volume.volume_type.clone()),
            ("size".into(), format!("{} GiB", volume.size_gib)),
            (
                "gp2 delivers".into(),
                format!("{iops} IOPS (burst included), {throughput} MiB/s"),
            ),
            (
                "gp3 proposed".into(),
                format!(
                    "{iops} IOPS (+{extra_iops} over 3,000), {throughput} MiB/s (+{extra_throughput} over 125)"
                ),
            ),
            (
                "attached to".into(),
                volume.attached_to.clone().unwrap_or_else(|| "nothing".into()),
            ),
        ],
        series: None,
    };
    Some(f)
}

fn volume_label(volume: &Volume) -> String {
    let size = format!("{} {} GiB", volume.volume_type, volume.size_gib);
    match &volume.name {
        Some(name) => format!("{name} ({size})"),
        None => size,
    }
}

/// A volume's own monthly price: storage plus provisioned IOPS and throughput.
fn volume_monthly(p: &RegionPrices, volume: &Volume) -> Option<Money> {
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

pub fn unattached_volume(ctx: &RuleContext, volume: &Volume) -> Option<Finding> {
    if volume.state != "available" {
        return None;
    }
    let age = ctx.age_days(volume.created);
    if age.unwrap_or(0) < i64::from(ctx.thresholds.unattached_volume_days) {
        return None;
    }
    let mut f = ctx.finding(
        Rule::UnattachedVolume,
        &volume.id,
        volume_label(volume),
        "snapshot it, then delete the volume".to_string(),
    );
    f.saving = match ctx
        .prices()
        .and_then(|p| Some((volume_monthly(p, volume)?, p.snapshot_gb_month?)))
    {
        Some((cost, snapshot_price)) => {
            let snapshot = times(snapshot_price, volume.size_gib);
            Saving::Monthly {
                amount: (cost - snapshot).max(Money::ZERO),
                basis: format!(
                    "volume {} - a full-size snapshot {} (the snapshot usually costs less)",
                    cost.format_exact(),
                    snapshot.format_exact()
                ),
            }
        }
        None => unknown(&format!("{} volumes", volume.volume_type), ctx.region),
    };
    f.evidence = Evidence {
        summary: format!(
            "available, created {} d ago",
            age.map_or("?".into(), |d| d.to_string())
        ),
        facts: vec![
            ("state".into(), volume.state.clone()),
            (
                "created".into(),
                volume
                    .created
                    .map_or("unknown".into(), |d| d.date_naive().to_string()),
            ),
            (
                "threshold".into(),
                format!(
                    "unattached and at least {} days old",
                    ctx.thresholds.unattached_volume_days
                ),
            ),
            ("type".into(), volume.volume_type.clone()),
            ("size".into(), format!("{} GiB", volume.size_gib)),
        ],
        series: None,
    };
    Some(f)
}

pub fn old_snapshot(ctx: &RuleContext, snapshot: &Snapshot) -> Option<Finding> {
    if snapshot.used_by_image.is_some() {
        return None;
    }
    let age = ctx.age_days(snapshot.started)?;
    if age < i64::from(ctx.thresholds.snapshot_age_days) {
        return None;
    }
    let mut f = ctx.finding(
        Rule::OldSnapshot,
        &snapshot.id,
        format!("{} GiB snapshot", snapshot.volume_size_gib),
        "delete the snapshot".to_string(),
    );
    f.saving = match ctx.prices().and_then(|p| p.snapshot_gb_month) {
        Some(price) => Saving::UpTo {
            amount: times(price, snapshot.volume_size_gib),
            basis: format!(
                "{} GiB x {}/GiB-month; snapshots are incremental, so deleting one frees at most its volume's size",
                snapshot.volume_size_gib,
                price.format_plain_precise()
            ),
        },
        None => unknown("EBS snapshots", ctx.region),
    };
    f.evidence = Evidence {
        summary: format!("{age} d old, used by no AMI"),
        facts: vec![
            ("age".into(), format!("{age} days")),
            (
                "threshold".into(),
                format!("{} days", ctx.thresholds.snapshot_age_days),
            ),
            (
                "used by an AMI".into(),
                "no (every AMI of the region read)".into(),
            ),
            (
                "volume".into(),
                snapshot.volume_id.clone().unwrap_or_else(|| "—".into()),
            ),
            ("description".into(), snapshot.description.clone()),
        ],
        series: None,
    };
    Some(f)
}

pub fn idle_rds(ctx: &RuleContext, db: &Database) -> Option<Finding> {
    if db.status != "available" || db.connections.is_empty() {
        return None;
    }
    let peak = max_of(&db.connections);
    if peak > ctx.thresholds.idle_rds_max_connections {
        return None;
    }
    let mut f = ctx.finding(
        Rule::IdleRds,
        &db.id,
        format!("{} {}", db.engine, db.class),
        "stop it (AWS starts it again after 7 days), or snapshot and delete it as a separate choice"
            .to_string(),
    );
    let copies = if db.multi_az { 2 } else { 1 };
    f.saving = match ctx.prices().and_then(|p| p.rds_hourly.get(&db.class)) {
        Some(hourly) => Saving::Monthly {
            amount: monthly(*hourly).scale(copies, 1),
            basis: format!(
                "{} {}/h x 730 h{}; storage keeps billing while stopped",
                db.class,
                hourly.format_plain_precise(),
                if db.multi_az { " x 2 (Multi-AZ)" } else { "" }
            ),
        },
        None => unknown(&db.class, ctx.region),
    };
    let days = db.connections.len();
    f.evidence = Evidence {
        summary: format!("max {} connections over {days} d", fixed(peak, 0)),
        facts: vec![
            ("status".into(), db.status.clone()),
            ("engine".into(), db.engine.clone()),
            ("class".into(), db.class.clone()),
            (
                "multi-AZ".into(),
                if db.multi_az { "yes" } else { "no" }.into(),
            ),
            ("days with data".into(), days.to_string()),
            ("max daily connections".into(), fixed(peak, 0)),
        ],
        series: series("DatabaseConnections", "count", &db.connections),
    };
    if db.engine.starts_with("aurora") || db.read_replica_of.is_some() || db.has_read_replicas {
        f.evidence.facts.push((
            "note".into(),
            "Aurora or replication: stopping this instance is not offered".into(),
        ));
    }
    Some(f)
}

pub fn unassociated_eip(ctx: &RuleContext, address: &ElasticIp) -> Option<Finding> {
    if address.association_id.is_some() || address.instance_id.is_some() {
        return None;
    }
    let mut f = ctx.finding(
        Rule::UnassociatedEip,
        &address.allocation_id,
        address.public_ip.clone(),
        "release the address".to_string(),
    );
    f.saving = match ctx.prices().and_then(|p| p.eip_hourly) {
        Some(hourly) => Saving::Monthly {
            amount: monthly(hourly),
            basis: format!("public IPv4 {}/h x 730 h", hourly.format_plain_precise()),
        },
        None => unknown("public IPv4 addresses", ctx.region),
    };
    f.evidence = Evidence {
        summary: "not associated".into(),
        facts: vec![
            ("public IP".into(), address.public_ip.clone()),
            ("association".into(), "none".into()),
        ],
        series: None,
    };
    Some(f)
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

/// S3 storage classes as CloudWatch's StorageType dimension names them.
pub const STANDARD_STORAGE: &str = "StandardStorage";

pub fn s3_tiering(ctx: &RuleContext, bucket: &Bucket) -> Option<Finding> {
    let t = ctx.thresholds;
    if bucket.has_transition {
        return None;
    }
    let standard = bucket.bytes_of(STANDARD_STORAGE);
    let gib = standard / (1 << 30);
    if standard == 0 || (gib as u64) < t.s3_min_standard_gib {
        return None;
    }
    let mut f = ctx.finding(
        Rule::S3Tiering,
        &bucket.name,
        format!("{} GiB in Standard", group(gib)),
        format!(
            "add a lifecycle rule: Standard-IA after {} days, Glacier Instant Retrieval after {} days",
            t.s3_ia_after_days, t.s3_glacier_ir_after_days
        ),
    );
    f.region = bucket.region.clone();
    let prices = ctx.prices.region(&bucket.region);
    f.saving = match prices.and_then(|p| {
        Some((
            *p.s3_gb_month.get("STANDARD")?,
            *p.s3_gb_month.get("STANDARD_IA")?,
        ))
    }) {
        Some((standard_price, ia_price)) => {
            let now = per_bytes(standard_price, standard);
            let after = per_bytes(ia_price, standard);
            Saving::UpTo {
                amount: now - after,
                basis: format!(
                    "{} GiB Standard {} -> Standard-IA {}; depends on object age and reads (IA charges retrieval)",
                    group(gib),
                    now.format_exact(),
                    after.format_exact()
                ),
            }
        }
        None => unknown("S3 storage classes", &bucket.region),
    };
    f.evidence = Evidence {
        summary: format!(
            "{} GiB Standard, {} lifecycle rules, none transitions",
            group(gib),
            bucket.lifecycle_rules
        ),
        facts: std::iter::once((
            "lifecycle rules".to_string(),
            bucket.lifecycle_rules.to_string(),
        ))
        .chain(
            bucket
                .bytes_by_storage_type
                .iter()
                .map(|(class, bytes)| (class.clone(), format!("{} GiB", group(bytes / (1 << 30))))),
        )
        .chain(std::iter::once((
            "threshold".to_string(),
            format!("at least {} GiB in Standard", t.s3_min_standard_gib),
        )))
        .collect(),
        series: None,
    };
    Some(f)
}

fn group(n: i64) -> String {
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
