//! What the demo organization's months hold past the service, as a Data Export would
//! give them: usage types in the account's regions, the resources behind the main
//! usage type (the demo's findings among them, so a resource row shows its finding),
//! the savings plans' fees as a charge of their own, and team and env tags. Each
//! (account, service, month) is split exactly: its parts add up to its daily rows. A
//! resource's month is split over its days in the last `RESOURCE_DAYS` (a little uneven
//! from day to day; its days add up to its month where the whole month is recent).

use crate::domain::findings::TrackedFinding;
use crate::domain::Month;
use crate::store::{
    AccountKey, MonthDetail, ResourceDaysRow, ResourceRow, ServiceKey, TagRow, UsageRow,
};
use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, HashMap};

/// One usage type of a service: its share of the service's usage, and the kind of
/// resource its lines name, if any.
struct UsageKind {
    name: &'static str,
    operation: &'static str,
    share: i64,
    pricing: &'static str,
}

const fn kind(name: &'static str, operation: &'static str, share: i64) -> UsageKind {
    UsageKind {
        name,
        operation,
        share,
        pricing: "Standard",
    }
}

/// The usage types of a demo service; the first is the one resources are billed under.
fn usage_kinds(service: &str) -> &'static [UsageKind] {
    const EC2: &[UsageKind] = &[
        kind("BoxUsage:m5.large", "RunInstances", 55),
        kind("BoxUsage:c6i.xlarge", "RunInstances", 30),
        UsageKind {
            pricing: "Dynamic",
            ..kind("SpotUsage:c6i.xlarge", "RunInstances:SV001", 15)
        },
    ];
    const EC2_OTHER: &[UsageKind] = &[
        kind("EBS:VolumeUsage.gp2", "CreateVolume-Gp2", 50),
        kind("EBS:SnapshotUsage", "CreateSnapshot", 30),
        kind("NatGateway-Hours", "NatGateway", 20),
    ];
    const RDS: &[UsageKind] = &[
        kind("InstanceUsage:db.r6g.large", "CreateDBInstance:0016", 80),
        kind("RDS:GP2-Storage", "CreateDBInstance:0016", 20),
    ];
    const S3: &[UsageKind] = &[
        kind("TimedStorage-ByteHrs", "StandardStorage", 70),
        kind("Requests-Tier1", "PutObject", 20),
        kind("DataTransfer-Out-Bytes", "GetObject", 10),
    ];
    const OTHER: &[UsageKind] = &[kind("Usage", "", 85), kind("Requests", "", 15)];
    match service {
        "Amazon Elastic Compute Cloud - Compute" => EC2,
        "EC2 - Other" => EC2_OTHER,
        "Amazon Relational Database Service" => RDS,
        "Amazon Simple Storage Service" => S3,
        _ => OTHER,
    }
}

/// A resource id of the demo's own, for the services whose lines name resources.
fn resource_id(service: &str, account: &str, region: &str, n: u64) -> Option<String> {
    let hex = |prefix: &str| format!("{prefix}0{:016x}", n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    match service {
        "Amazon Elastic Compute Cloud - Compute" => Some(hex("i-")),
        "EC2 - Other" => Some(hex("vol-")),
        "Amazon Relational Database Service" => {
            Some(format!("arn:aws:rds:{region}:{account}:db:demo-db-{n}"))
        }
        "Amazon Simple Storage Service" => Some(format!("demo-{account}-bucket-{n}")),
        _ => None,
    }
}

/// `total` in parts by `weights`, exactly: the last part takes what rounding leaves.
fn split(total: i64, weights: &[i64]) -> Vec<i64> {
    let sum: i64 = weights.iter().sum::<i64>().max(1);
    let mut parts: Vec<i64> = weights
        .iter()
        .map(|w| (i128::from(total) * i128::from(*w) / i128::from(sum)) as i64)
        .collect();
    let given: i64 = parts.iter().sum();
    if let Some(last) = parts.last_mut() {
        *last += total - given;
    }
    parts
}

/// One account of the demo, as its detail needs it.
pub(super) struct DetailAccount<'a> {
    pub key: AccountKey,
    pub id: &'a str,
    pub name: &'a str,
    pub regions: &'a [&'static str],
}

/// One (account, service, month) of the demo, with what its daily rows add up to and
/// the part of the unblended cost that is the savings plan's fee.
pub(super) struct DetailCell<'a> {
    pub account: &'a DetailAccount<'a>,
    pub service: ServiceKey,
    pub service_name: &'static str,
    pub month: Month,
    pub unblended: i64,
    pub amortized: i64,
    pub fee: i64,
}

/// The strings a month's detail borrows: resource ids and tag values.
#[derive(Default)]
pub(super) struct OwnedMonth {
    usage: Vec<(
        AccountKey,
        ServiceKey,
        &'static str,
        &'static UsageKind,
        &'static str,
        i64,
        i64,
    )>,
    resources: Vec<(
        AccountKey,
        ServiceKey,
        &'static str,
        String,
        &'static str,
        i64,
        i64,
    )>,
    tags: Vec<(AccountKey, ServiceKey, &'static str, String, i64, i64)>,
    /// Indexes into `resources`, with a day and that day's part.
    resource_days: Vec<(usize, NaiveDate, i64, i64)>,
}

/// The days whose resource days the demo writes: from the window's first day to the
/// last day with data.
#[derive(Clone, Copy)]
pub(super) struct RecentDays {
    pub from: NaiveDate,
    pub last: NaiveDate,
}

/// The fee's own usage type, in no region (as CUR bills a savings plan).
static FEE: UsageKind = UsageKind {
    name: "ComputeSP:1yrNoUpfront",
    operation: "",
    share: 0,
    pricing: "",
};

/// Splits every cell into its usage types, resources and tags, by month.
pub(super) fn build<'a>(
    cells: impl IntoIterator<Item = DetailCell<'a>>,
    findings: &[TrackedFinding],
    recent: RecentDays,
) -> BTreeMap<Month, OwnedMonth> {
    // The findings' resources by account and cost service, looked up once per cell.
    let mut on: HashMap<(&str, &str), Vec<(&str, &str)>> = HashMap::new();
    for f in findings {
        on.entry((f.finding.account.as_str(), f.finding.rule.cost_service()))
            .or_default()
            .push((f.finding.resource.as_str(), f.finding.region.as_str()));
    }
    let mut out: BTreeMap<Month, OwnedMonth> = BTreeMap::new();
    for cell in cells {
        let month = out.entry(cell.month).or_default();
        let account = cell.account;
        if cell.fee != 0 {
            month.usage.push((
                account.key,
                cell.service,
                "",
                &FEE,
                "SavingsPlanRecurringFee",
                cell.fee,
                0,
            ));
        }
        let kinds = usage_kinds(cell.service_name);
        let weights: Vec<i64> = kinds.iter().map(|k| k.share).collect();
        let unblended = split(cell.unblended - cell.fee, &weights);
        let amortized = split(cell.amortized, &weights);
        for (i, k) in kinds.iter().enumerate() {
            let region = account.regions[i % account.regions.len().max(1)];
            month.usage.push((
                account.key,
                cell.service,
                region,
                k,
                "Usage",
                unblended[i],
                amortized[i],
            ));
        }
        let found = on
            .get(&(account.id, cell.service_name))
            .map_or(&[][..], Vec::as_slice);
        let first = month.resources.len();
        resources(month, &cell, found, unblended[0], amortized[0]);
        resource_days(month, first, cell.month, recent);
        tags(month, &cell);
    }
    out
}

/// The main usage type's cost over the account's resources of the service: a few of
/// the demo's own, and every resource a finding names there.
fn resources(
    month: &mut OwnedMonth,
    cell: &DetailCell<'_>,
    found: &[(&str, &str)],
    unblended: i64,
    amortized: i64,
) {
    let account = cell.account;
    let region = account.regions.first().copied().unwrap_or("us-east-1");
    let mut ids: Vec<(String, &'static str)> = found
        .iter()
        .map(|&(resource, in_region)| {
            let region = account
                .regions
                .iter()
                .copied()
                .find(|r| *r == in_region)
                .unwrap_or(region);
            (resource.to_string(), region)
        })
        .collect();
    let own = 1 + (account.key.unsigned_abs() + cell.service.unsigned_abs()) % 3;
    for n in 0..own {
        let seed = account.key.unsigned_abs() * 1000 + cell.service.unsigned_abs() * 10 + n;
        match resource_id(cell.service_name, account.id, region, seed) {
            Some(id) => ids.push((id, region)),
            None => return,
        }
    }
    // The demo's own resources carry most of the cost, the first the most; a finding's
    // resource a tenth.
    let weights: Vec<i64> = (0..ids.len())
        .map(|i| match (i + own as usize).checked_sub(ids.len()) {
            Some(n) => 50 - 15 * n as i64,
            None => 10,
        })
        .collect();
    let u = split(unblended, &weights);
    let a = split(amortized, &weights);
    let kind = usage_kinds(cell.service_name)[0].name;
    for (i, (id, region)) in ids.into_iter().enumerate() {
        month
            .resources
            .push((account.key, cell.service, kind, id, region, u[i], a[i]));
    }
}

/// The resources from index `first` on, split over their month's days with data, the
/// recent days kept.
fn resource_days(month: &mut OwnedMonth, first: usize, of: Month, recent: RecentDays) {
    let last = of.last_day().min(recent.last);
    if last < recent.from || of.first_day() > last {
        return;
    }
    let days: Vec<NaiveDate> = of
        .first_day()
        .iter_days()
        .take_while(|d| *d <= last)
        .collect();
    for index in first..month.resources.len() {
        let (_, _, _, _, _, unblended, amortized) = month.resources[index];
        // ±10% from day to day, the same for a resource each time the demo is built.
        let weights: Vec<i64> = days
            .iter()
            .map(|d| 100 + (i64::from(d.ordinal()) * 37 + index as i64 * 11) % 21 - 10)
            .collect();
        let u = split(unblended, &weights);
        let a = split(amortized, &weights);
        for (i, day) in days.iter().enumerate() {
            if *day >= recent.from {
                month.resource_days.push((index, *day, u[i], a[i]));
            }
        }
    }
}

/// `team` (the account name's first word) on most of the cost, `env` on all of it
/// for accounts named -prod, -staging or -dev: the rest shows as untagged.
fn tags(month: &mut OwnedMonth, cell: &DetailCell<'_>) {
    let name = cell.account.name;
    let team = name.split('-').next().unwrap_or(name).to_string();
    let tagged = split(cell.unblended, &[85, 15])[0];
    let tagged_amortized = split(cell.amortized, &[85, 15])[0];
    month.tags.push((
        cell.account.key,
        cell.service,
        "team",
        team,
        tagged,
        tagged_amortized,
    ));
    if let Some(env) = ["prod", "staging", "dev"]
        .into_iter()
        .find(|e| name.ends_with(&format!("-{e}")))
    {
        month.tags.push((
            cell.account.key,
            cell.service,
            "env",
            env.to_string(),
            cell.unblended,
            cell.amortized,
        ));
    }
}

/// A demo usage row's list and contracted prices: usage at a 6% negotiated discount off
/// list (spot at 70% off the on-demand list price), fees at their list price.
fn prices(kind: &UsageKind, unblended: i64) -> (Option<i64>, Option<i64>) {
    let list = match kind.pricing {
        "Standard" => unblended / 94 * 100 + unblended % 94 * 100 / 94,
        "Dynamic" => unblended / 30 * 100 + unblended % 30 * 100 / 30,
        _ => unblended,
    };
    (Some(list), Some(unblended))
}

impl OwnedMonth {
    /// The month's detail as the cache takes it.
    pub(super) fn rows(&self) -> MonthDetail<'_> {
        MonthDetail {
            usage: Box::new(self.usage.iter().map(
                |&(account, service, region, k, charge, u, a)| {
                    let (list, contracted) = prices(k, u);
                    UsageRow {
                        account,
                        service,
                        region,
                        usage_type: k.name,
                        operation: k.operation,
                        charge,
                        pricing: k.pricing,
                        unblended: u,
                        amortized: a,
                        list,
                        contracted,
                    }
                },
            )),
            resources: Box::new(self.resources.iter().map(
                |(account, service, usage_type, id, region, u, a)| ResourceRow {
                    account: *account,
                    service: *service,
                    usage_type,
                    resource: id,
                    region,
                    unblended: *u,
                    amortized: *a,
                },
            )),
            // Pushed resource by resource: each run of one index is a resource's days.
            resource_days: Box::new(self.resource_days.chunk_by(|x, y| x.0 == y.0).map(|run| {
                let (account, service, _, id, _, _, _) = &self.resources[run[0].0];
                ResourceDaysRow {
                    account: *account,
                    service: *service,
                    resource: id,
                    days: Box::new(run.iter().map(|&(_, day, u, a)| (day, u, a))),
                }
            })),
            tags: Box::new(
                self.tags
                    .iter()
                    .map(|(account, service, key, value, u, a)| TagRow {
                        account: *account,
                        service: *service,
                        key,
                        value,
                        unblended: *u,
                        amortized: *a,
                    }),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_split_adds_up_to_its_total_exactly() {
        assert_eq!(split(100, &[55, 30, 15]), vec![55, 30, 15]);
        assert_eq!(split(-7, &[1, 1, 1]), vec![-2, -2, -3]);
        let parts = split(1_000_000_007, &[85, 15]);
        assert_eq!(parts.iter().sum::<i64>(), 1_000_000_007);
    }
}
