//! The demo organization's resources: a seeded inventory per account and region that
//! the real rules turn into findings of every kind. Nothing here talks to AWS; the demo
//! cache is labelled as demo data everywhere it is shown.

use super::random::SplitMix64;
use crate::config::prices::built_in_prices;
use crate::domain::inventory::{
    stored_buckets, Bucket, Database, ElasticIp, Instance, RegionInventory, Snapshot, Volume,
};
use crate::domain::rules::{evaluate_buckets, evaluate_region, RuleContext, Thresholds};
use crate::domain::{Account, AccountStatus, Stamp};
use crate::store::{Store, StoreResult, UnitStatus, ACCOUNT_UNIT, S3_UNIT};
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// Regions with prices in the built-in table, and one without (its findings show
/// "saving unknown").
pub(super) const REGIONS: [&str; 3] = ["us-east-1", "us-west-2", "eu-west-1"];
const INSTANCE_TYPES: [&str; 8] = [
    "t3.micro",
    "t3.medium",
    "t3.large",
    "m5.large",
    "m5.xlarge",
    "c5.xlarge",
    "r5.large",
    "m6i.2xlarge",
];
const DB_CLASSES: [&str; 4] = [
    "db.t3.medium",
    "db.m5.large",
    "db.r5.large",
    "db.t4g.medium",
];
const LOOKBACK: usize = 14;

/// Writes every demo account's inventory and findings, as a scan would.
pub fn write_demo_inventory(
    store: &mut Store,
    accounts: &[Account],
    seed: u64,
    today: NaiveDate,
) -> StoreResult<()> {
    let now = today
        .and_hms_opt(6, 0, 0)
        .map_or_else(Utc::now, |t| t.and_utc());
    let stamp = Stamp::from(now);
    store.clear_scan_data()?;
    let prices = built_in_prices();
    let thresholds = Thresholds::default();
    let active: Vec<&Account> = accounts
        .iter()
        .filter(|a| a.status == AccountStatus::Active)
        .collect();
    for (index, account) in active.iter().enumerate() {
        // One account shows what a missing role looks like.
        if index + 1 == active.len() && active.len() > 3 {
            let reason = format!(
                "access denied for AssumeRole: arn:aws:iam::{}:role/OrganizationAccountAccessRole does not trust the management account (demo)",
                account.id
            );
            store.record_unscanned_unit(
                &account.id,
                ACCOUNT_UNIT,
                UnitStatus::NotScanned,
                &reason,
                stamp,
            )?;
            continue;
        }
        let mut rng = SplitMix64::new(seed ^ (index as u64 + 1).wrapping_mul(0x9E37_79B9));
        let regions = if index % 4 == 0 { 3 } else { 2 };
        for region in &REGIONS[..regions] {
            let inventory = region_inventory(&mut rng, now, index);
            let ctx = RuleContext {
                account: &account.id,
                region,
                prices: &prices,
                thresholds: &thresholds,
                now,
            };
            let findings = evaluate_region(&ctx, &inventory);
            store.write_scanned_unit(
                &account.id,
                region,
                &inventory.stored(region),
                &findings,
                &inventory.unread,
                stamp,
            )?;
        }
        let buckets = buckets(&mut rng, &account.name);
        let findings = evaluate_buckets(&account.id, &prices, &thresholds, now, &buckets);
        store.write_scanned_unit(
            &account.id,
            S3_UNIT,
            &stored_buckets(&buckets),
            &findings,
            &[],
            stamp,
        )?;
        store.record_unscanned_unit(
            &account.id,
            "ap-east-1",
            UnitStatus::Skipped,
            "region not enabled (not opted in)",
            stamp,
        )?;
    }
    store.set_stamp_meta("last_scan_at", stamp)
}

fn pick<'a>(rng: &mut SplitMix64, from: &[&'a str]) -> &'a str {
    from[rng.below(from.len() as u64) as usize]
}

fn id(rng: &mut SplitMix64, prefix: &str) -> String {
    format!("{prefix}-{:017x}", rng.next_u64() >> 4)
}

fn days_ago(now: DateTime<Utc>, days: u64) -> Option<DateTime<Utc>> {
    Some(now - Duration::days(days as i64))
}

/// Daily values around `level` with some day-to-day noise.
fn series(rng: &mut SplitMix64, level: f64) -> Vec<f64> {
    (0..LOOKBACK)
        .map(|_| (level * (0.6 + 0.8 * rng.next_f64()) * 100.0).round() / 100.0)
        .collect()
}

fn region_inventory(rng: &mut SplitMix64, now: DateTime<Utc>, account: usize) -> RegionInventory {
    let mut inv = RegionInventory {
        images_complete: true,
        ..RegionInventory::default()
    };
    // The order of these draws is the demo's seed: keep it.
    add_instances(&mut inv, rng, now, account);
    add_detached_volumes(&mut inv, rng, now);
    add_snapshots(&mut inv, rng, now);
    add_addresses(&mut inv, rng);
    add_databases(&mut inv, rng, now);
    inv
}

/// Running and stopped instances, each with its root volume (some gp2, some idle).
fn add_instances(
    inv: &mut RegionInventory,
    rng: &mut SplitMix64,
    now: DateTime<Utc>,
    account: usize,
) {
    let instances = 2 + rng.below(5) as usize;
    for n in 0..instances {
        let idle = rng.below(5) == 0 || (account == 0 && n == 0);
        let running = idle || rng.below(6) != 0;
        let id = id(rng, "i");
        let instance_type = pick(rng, &INSTANCE_TYPES).to_string();
        let (cpu, net) = if idle { (0.8, 1.5e6) } else { (35.0, 2.5e9) };
        inv.instances.push(Instance {
            id: id.clone(),
            name: Some(format!("app-{n}")),
            instance_type,
            state: if running { "running" } else { "stopped" }.to_string(),
            launched: days_ago(now, 30 + rng.below(700)),
            spot: false,
            auto_scaling_group: None,
            cpu_percent: if running {
                series(rng, cpu)
            } else {
                Vec::new()
            },
            network_bytes: if running {
                series(rng, net)
            } else {
                Vec::new()
            },
        });
        let gp2 = rng.below(3) == 0;
        inv.volumes.push(Volume {
            id: id_volume(rng),
            name: None,
            volume_type: if gp2 { "gp2" } else { "gp3" }.to_string(),
            size_gib: [8, 30, 100, 250, 500][rng.below(5) as usize],
            iops: Some(3000),
            throughput_mibps: Some(125),
            state: "in-use".to_string(),
            attached_to: Some(id),
            created: days_ago(now, 30 + rng.below(700)),
        });
    }
}

/// Volumes no instance uses.
fn add_detached_volumes(inv: &mut RegionInventory, rng: &mut SplitMix64, now: DateTime<Utc>) {
    for _ in 0..rng.below(3) {
        inv.volumes.push(Volume {
            id: id_volume(rng),
            name: Some("detached-data".to_string()),
            volume_type: pick(rng, &["gp2", "gp3", "io1", "st1"]).to_string(),
            size_gib: [50, 200, 500, 1000][rng.below(4) as usize],
            iops: Some(4000),
            throughput_mibps: Some(125),
            state: "available".to_string(),
            attached_to: None,
            created: days_ago(now, 3 + rng.below(400)),
        });
    }
}

/// Snapshots, every third one behind an AMI.
fn add_snapshots(inv: &mut RegionInventory, rng: &mut SplitMix64, now: DateTime<Utc>) {
    for n in 0..(2 + rng.below(6)) {
        let snapshot = id(rng, "snap");
        let image = (n % 3 == 0).then(|| id(rng, "ami"));
        inv.snapshots.push(Snapshot {
            id: snapshot,
            volume_id: Some(id_volume(rng)),
            volume_size_gib: [8, 50, 100, 500][rng.below(4) as usize],
            started: days_ago(now, 5 + rng.below(900)),
            description: if image.is_some() {
                "Created by CreateImage".to_string()
            } else {
                "nightly backup".to_string()
            },
            used_by_image: image,
        });
    }
}

/// Elastic IPs, some not associated.
fn add_addresses(inv: &mut RegionInventory, rng: &mut SplitMix64) {
    for _ in 0..(1 + rng.below(2)) {
        let associated = rng.below(3) != 0;
        inv.addresses.push(ElasticIp {
            allocation_id: id(rng, "eipalloc"),
            public_ip: format!(
                "52.{}.{}.{}",
                rng.below(255),
                rng.below(255),
                rng.below(255)
            ),
            association_id: associated.then(|| id(rng, "eipassoc")),
            instance_id: None,
        });
    }
}

/// RDS instances, some without connections.
fn add_databases(inv: &mut RegionInventory, rng: &mut SplitMix64, now: DateTime<Utc>) {
    for n in 0..rng.below(3) {
        let idle = rng.below(3) == 0;
        inv.databases.push(Database {
            id: format!("db-{n}-{:06x}", rng.below(0xFFFFFF)),
            class: pick(rng, &DB_CLASSES).to_string(),
            engine: pick(rng, &["mysql", "postgres"]).to_string(),
            status: "available".to_string(),
            multi_az: rng.below(4) == 0,
            read_replica_of: None,
            has_read_replicas: false,
            created: days_ago(now, 60 + rng.below(900)),
            connections: if idle {
                vec![0.0; LOOKBACK]
            } else {
                series(rng, 25.0)
            },
        });
    }
}

fn id_volume(rng: &mut SplitMix64) -> String {
    id(rng, "vol")
}

fn buckets(rng: &mut SplitMix64, account: &str) -> Vec<Bucket> {
    (0..(1 + rng.below(3)))
        .map(|n| {
            let tiered = rng.below(3) == 0;
            let standard_gib = [20, 150, 800, 4_000, 25_000][rng.below(5) as usize];
            let mut bytes = vec![("StandardStorage".to_string(), standard_gib << 30)];
            if tiered {
                bytes.push(("StandardIAStorage".to_string(), (standard_gib * 3) << 30));
            }
            Bucket {
                name: format!("{account}-data-{n}"),
                region: pick(rng, &REGIONS[..2]).to_string(),
                lifecycle_rules: usize::from(tiered),
                has_transition: tiered,
                rules: if tiered {
                    vec![crate::domain::inventory::LifecycleRuleSeen {
                        id: "archive-old-objects".into(),
                        fingerprint: "demo".into(),
                    }]
                } else {
                    Vec::new()
                },
                bytes_by_storage_type: bytes,
            }
        })
        .collect()
}
