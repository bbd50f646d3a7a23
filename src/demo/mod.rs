//! A deterministic synthetic AWS organization for `costscope demo` and the benchmarks.
//!
//! Everything derives from the seed: the org tree, accounts, which services each account
//! uses, and every daily amount (a hash of seed, account, service and day, so the data
//! does not depend on the order it is generated in).

mod catalog;
mod detail;
mod inventory;
mod random;

use crate::domain::{
    sync_plan, Account, AccountStatus, DateRange, Month, OrgUnit, Organization, Stamp,
};
use crate::store::{CacheKind, CostRecord, MonthStatus, Store, StoreError, StoreResult};
use catalog::{ServiceProfile, SERVICES, TEAMS};
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use random::{unit_noise, SplitMix64};
use std::collections::BTreeMap;
use std::time::{Duration as StdDuration, Instant};

pub const DEFAULT_ACCOUNTS: usize = 24;
pub const DEFAULT_SEED: u64 = 42;
/// The service that first appears in the last two months.
pub const NEW_SERVICE: &str = "Amazon Bedrock";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoParams {
    pub seed: u64,
    pub accounts: usize,
    /// Data runs through the day before `today` (today is still being billed).
    pub today: NaiveDate,
}

impl DemoParams {
    fn fingerprint(&self) -> String {
        format!(
            // fees=1: caches generated before the once-a-month fees were told apart are
            // generated again.
            "seed={};accounts={};today={};inventory=1;fees=1",
            self.seed, self.accounts, self.today
        )
    }

    /// The months generated: 13 full months and the current month to date.
    pub fn months(&self) -> impl Iterator<Item = Month> {
        let current = Month::of(self.today);
        (-13..=0).map(move |offset| current.offset(offset))
    }

    fn last_data_day(&self) -> NaiveDate {
        self.today - Duration::days(1)
    }

    /// Demo bills follow the sync rule, never estimated.
    fn is_final(&self, month: Month) -> bool {
        sync_plan::is_final(month, self.today, false, sync_plan::DEFAULT_FINAL_AFTER_DAY)
    }
}

/// What one demo account spends and when.
#[derive(Debug, Clone)]
struct AccountPlan {
    account: Account,
    /// Dollars per day at the start of the data, before growth.
    base_daily: f64,
    monthly_growth: f64,
    weekend_factor: f64,
    services: Vec<(usize, f64)>,
    first_day: NaiveDate,
    last_day: NaiveDate,
    has_savings_plan: bool,
}

#[derive(Debug, Clone)]
pub struct DemoOrganization {
    pub params: DemoParams,
    pub org: Organization,
    plans: Vec<AccountPlan>,
    spikes: Vec<(usize, usize, NaiveDate, f64)>,
}

#[derive(Debug, Clone, Copy)]
pub struct GenerateStats {
    pub rows: u64,
    pub elapsed: StdDuration,
}

impl GenerateStats {
    pub fn rows_per_second(&self) -> f64 {
        self.rows as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

fn unit(id: &str, parent: Option<&str>, name: &str) -> OrgUnit {
    OrgUnit {
        id: id.to_string(),
        parent_id: parent.map(str::to_string),
        name: name.to_string(),
    }
}

impl DemoOrganization {
    pub fn new(params: DemoParams) -> DemoOrganization {
        let mut rng = SplitMix64::new(params.seed);
        let units = vec![
            unit("r-demo", None, "Root"),
            unit("ou-core", Some("r-demo"), "Core"),
            unit("ou-security", Some("ou-core"), "Security"),
            unit("ou-infra", Some("ou-core"), "Infrastructure"),
            unit("ou-workloads", Some("r-demo"), "Workloads"),
            unit("ou-prod", Some("ou-workloads"), "Production"),
            unit("ou-staging", Some("ou-workloads"), "Staging"),
            unit("ou-dev", Some("ou-workloads"), "Development"),
            unit("ou-sandbox", Some("r-demo"), "Sandbox"),
            unit("ou-suspended", Some("r-demo"), "Suspended"),
        ];
        let data_start = params
            .months()
            .next()
            .map_or(params.today, Month::first_day);
        let data_end = params.last_data_day();
        let count = params.accounts.max(1);
        let mut plans = Vec::with_capacity(count);
        for index in 0..count {
            let (name, ou, base_daily) = account_role(index, &mut rng);
            let id = format!("{:012}", 100_000_000_000 + rng.below(899_999_999_999));
            let weekend_factor = match ou {
                "ou-prod" => 0.92,
                "ou-staging" | "ou-dev" | "ou-sandbox" => 0.62,
                _ => 0.97,
            };
            let services = pick_services(&mut rng, ou);
            plans.push(AccountPlan {
                account: Account {
                    id,
                    email: format!("aws+{name}@example.com"),
                    name,
                    status: AccountStatus::Active,
                    ou_id: ou.to_string(),
                    joined: Some(data_start - Duration::days(400 + rng.below(900) as i64)),
                },
                base_daily,
                monthly_growth: 0.005 + rng.next_f64() * 0.035,
                weekend_factor,
                services,
                first_day: data_start,
                last_day: data_end,
                has_savings_plan: ou == "ou-prod",
            });
        }
        // The newest account joined mid-year; a sandbox account was closed four months ago.
        if count > 2 {
            let newest = &mut plans[count - 1];
            let joined = params.today - Duration::days(190);
            newest.first_day = joined;
            newest.account.joined = Some(joined);
            newest.account.name = "genai-prod".to_string();
            newest.account.email = "aws+genai-prod@example.com".to_string();
            newest.account.ou_id = "ou-prod".to_string();
        }
        if let Some(closed) = plans.iter_mut().find(|p| p.account.ou_id == "ou-sandbox") {
            closed.account.status = AccountStatus::Suspended;
            closed.account.ou_id = "ou-suspended".to_string();
            closed.last_day = Month::of(params.today).offset(-4).first_day() + Duration::days(9);
        }
        let spikes = spikes(&plans, &params);
        DemoOrganization {
            params,
            org: Organization {
                units,
                accounts: plans.iter().map(|p| p.account.clone()).collect(),
            },
            plans,
            spikes,
        }
    }

    /// Writes the organization and every month into `store`, one transaction per month.
    pub fn write(
        &self,
        store: &mut Store,
        progress: impl FnMut(usize, usize),
    ) -> StoreResult<GenerateStats> {
        let started = Instant::now();
        // Labelled before the first data row, and marked incomplete until the last: a
        // generation killed half-way leaves data that says it is synthetic and unfinished.
        store.set_meta("kind", "demo")?;
        store.set_meta("demo_params", INCOMPLETE)?;
        store.clear_costs()?;
        store.replace_org(&self.org)?;
        let account_keys = self
            .plans
            .iter()
            .map(|p| store.ensure_account(&p.account.id))
            .collect::<StoreResult<Vec<_>>>()?;
        let service_keys = SERVICES
            .iter()
            .map(|s| store.ensure_service(s.name))
            .collect::<StoreResult<Vec<_>>>()?;
        let fetched_at = Stamp::from(
            self.params
                .today
                .and_hms_opt(6, 0, 0)
                .unwrap_or_default()
                .and_utc(),
        );
        // The inventory first: the cost detail names the resources its findings are on.
        inventory::write_demo_inventory(
            store,
            &self.org.accounts,
            self.params.seed,
            self.params.today,
        )?;
        let findings = store.findings(&crate::store::FindingFilter::default())?;
        let mut fees = self.fees(&account_keys, &service_keys);
        let detail = self.detail(&account_keys, &service_keys, &fees, &findings);
        let months: Vec<MonthStatus> = self
            .params
            .months()
            .map(|month| MonthStatus {
                month,
                fetched_at,
                is_final: self.params.is_final(month),
                source: "demo".to_string(),
                fees: Some(fees.remove(&month).unwrap_or_default()),
            })
            .collect();
        // All months in one transaction, in storage-key order: the cache is either the
        // whole demo or what it was before.
        let records = self.records(&account_keys, &service_keys, progress);
        let detail = detail.iter().map(|(m, owned)| (*m, owned.rows()));
        let rows = store.replace_months_detailed(&months, records, detail)?;
        store.set_meta("demo_params", &self.params.fingerprint())?;
        Ok(GenerateStats {
            rows,
            elapsed: started.elapsed(),
        })
    }

    /// Every cost row, in storage-key order (service, account, day). `progress` hears
    /// of each service as its rows start.
    fn records<'a>(
        &'a self,
        account_keys: &'a [i64],
        service_keys: &'a [i64],
        mut progress: impl FnMut(usize, usize) + 'a,
    ) -> impl Iterator<Item = CostRecord> + 'a {
        SERVICES.iter().enumerate().flat_map(move |(si, profile)| {
            progress(si, SERVICES.len());
            self.plans.iter().enumerate().flat_map(move |(ai, plan)| {
                let weight = self.weight(plan, si).unwrap_or_default();
                self.run(plan, si, profile).iter_days().map(move |day| {
                    let (unblended, amortized) = self.day_cost(ai, plan, si, profile, weight, day);
                    CostRecord {
                        account: account_keys[ai],
                        service: service_keys[si],
                        day,
                        unblended,
                        amortized,
                    }
                })
            })
        })
    }

    /// A day's (unblended, amortized) nano-dollars of one service in one account.
    fn day_cost(
        &self,
        ai: usize,
        plan: &AccountPlan,
        si: usize,
        profile: &ServiceProfile,
        weight: f64,
        day: NaiveDate,
    ) -> (i64, i64) {
        let dollars = self.usage_dollars(ai, plan, si, profile, weight, day);
        let amortized = dollars_to_nanos(dollars);
        // With a savings plan, unblended cost carries the month's commitment fee on the
        // first day; amortized cost spreads it over every day.
        let unblended = if is_committed(plan, profile) {
            dollars_to_nanos(dollars * (1.0 - COMMITTED))
                + commitment_fee(plan, profile, dollars, day).unwrap_or(0)
        } else {
            amortized
        };
        (unblended, amortized)
    }

    /// The months past the service: usage types, resources and tags of every cell.
    fn detail(
        &self,
        account_keys: &[i64],
        service_keys: &[i64],
        fees: &BTreeMap<Month, Vec<CostRecord>>,
        findings: &[crate::domain::findings::TrackedFinding],
    ) -> BTreeMap<Month, detail::OwnedMonth> {
        let accounts: Vec<detail::DetailAccount> = self
            .plans
            .iter()
            .enumerate()
            .map(|(ai, plan)| detail::DetailAccount {
                key: account_keys[ai],
                id: &plan.account.id,
                name: &plan.account.name,
                regions: &inventory::REGIONS[..if ai % 4 == 0 { 3 } else { 2 }],
            })
            .collect();
        let fee_of: std::collections::HashMap<(i64, i64, Month), i64> = fees
            .iter()
            .flat_map(|(month, records)| {
                records
                    .iter()
                    .map(move |r| ((r.account, r.service, *month), r.unblended))
            })
            .collect();
        let cells =
            self.month_sums()
                .into_iter()
                .map(
                    |((ai, si, month), (unblended, amortized))| detail::DetailCell {
                        account: &accounts[ai],
                        service: service_keys[si],
                        service_name: SERVICES[si].name,
                        month,
                        unblended,
                        amortized,
                        fee: fee_of
                            .get(&(account_keys[ai], service_keys[si], month))
                            .copied()
                            .unwrap_or(0),
                    },
                );
        let recent = detail::RecentDays {
            from: crate::domain::detail::resource_days_from(self.params.today),
            last: self.params.last_data_day(),
        };
        detail::build(cells, findings, recent)
    }

    /// Each (account, service, month)'s sums, as the daily rows add up.
    fn month_sums(&self) -> BTreeMap<(usize, usize, Month), (i64, i64)> {
        let mut out: BTreeMap<(usize, usize, Month), (i64, i64)> = BTreeMap::new();
        for (si, profile) in SERVICES.iter().enumerate() {
            for (ai, plan) in self.plans.iter().enumerate() {
                let weight = self.weight(plan, si).unwrap_or_default();
                for day in self.run(plan, si, profile).iter_days() {
                    let (u, a) = self.day_cost(ai, plan, si, profile, weight, day);
                    let sums = out.entry((ai, si, Month::of(day))).or_default();
                    sums.0 += u;
                    sums.1 += a;
                }
            }
        }
        out
    }

    /// The part of the rows billed once a month, the savings plans' commitment fees on
    /// each 1st, by month: what Cost Explorer's RECORD_TYPE tells apart.
    fn fees(&self, account_keys: &[i64], service_keys: &[i64]) -> BTreeMap<Month, Vec<CostRecord>> {
        let mut out: BTreeMap<Month, Vec<CostRecord>> = BTreeMap::new();
        for (si, profile) in SERVICES.iter().enumerate() {
            for (ai, plan) in self.plans.iter().enumerate() {
                let weight = self.weight(plan, si).unwrap_or_default();
                let run = self.run(plan, si, profile);
                for month in run.months() {
                    let day = month.first_day();
                    if !run.contains(day) {
                        continue;
                    }
                    let dollars = self.usage_dollars(ai, plan, si, profile, weight, day);
                    if let Some(fee) = commitment_fee(plan, profile, dollars, day) {
                        out.entry(month).or_default().push(CostRecord {
                            account: account_keys[ai],
                            service: service_keys[si],
                            day,
                            unblended: fee,
                            amortized: 0,
                        });
                    }
                }
            }
        }
        out
    }

    /// The days an account is billed for a service (none when it does not use it).
    fn run(&self, plan: &AccountPlan, si: usize, profile: &ServiceProfile) -> DateRange {
        let new_service_start = Month::of(self.params.today).offset(-1).first_day();
        let start = if profile.name == NEW_SERVICE {
            plan.first_day.max(new_service_start)
        } else {
            plan.first_day
        };
        match self.weight(plan, si) {
            Some(_) => DateRange::new(start, plan.last_day),
            None => DateRange::new(start, start - Duration::days(1)),
        }
    }

    fn weight(&self, plan: &AccountPlan, si: usize) -> Option<f64> {
        plan.services
            .iter()
            .find(|&&(s, _)| s == si)
            .map(|&(_, w)| w)
    }

    /// A day's usage in dollars before any commitment fee.
    fn usage_dollars(
        &self,
        ai: usize,
        plan: &AccountPlan,
        si: usize,
        profile: &ServiceProfile,
        weight: f64,
        day: NaiveDate,
    ) -> f64 {
        let elapsed_months = (day - plan.first_day).num_days() as f64 / 30.4;
        let growth = (1.0 + plan.monthly_growth).powf(elapsed_months);
        let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
        let seasonal = if weekend && profile.follows_load {
            plan.weekend_factor
        } else {
            1.0
        };
        let noise = 0.92 + 0.16 * unit_noise(self.params.seed, ai as u64, si as u64, day);
        let spike = self
            .spikes
            .iter()
            .find(|&&(a, s, d, _)| a == ai && s == si && d == day)
            .map_or(1.0, |&(_, _, _, factor)| factor);
        plan.base_daily * weight * growth * seasonal * noise * spike
    }
}

/// The share of a covered service's usage that a savings plan commits to.
const COMMITTED: f64 = 0.15;

fn is_committed(plan: &AccountPlan, profile: &ServiceProfile) -> bool {
    plan.has_savings_plan && profile.covered_by_commitments
}

/// A savings plan's commitment for the month, in nano-dollars, billed on the 1st (at
/// the 1st's rate, every day of the month); `None` on other days or without a plan.
fn commitment_fee(
    plan: &AccountPlan,
    profile: &ServiceProfile,
    dollars: f64,
    day: NaiveDate,
) -> Option<i64> {
    (is_committed(plan, profile) && day.day() == 1)
        .then(|| dollars_to_nanos(dollars * COMMITTED * Month::of(day).days() as f64))
}

/// Rounds generated dollars to the ten-millionth of a dollar, like Cost Explorer's strings.
fn dollars_to_nanos(dollars: f64) -> i64 {
    ((dollars * 1e7).round() as i64) * 100
}

fn account_role(index: usize, rng: &mut SplitMix64) -> (String, &'static str, f64) {
    let fixed: [(&str, &str, f64); 5] = [
        ("management", "r-demo", 60.0),
        ("security-audit", "ou-security", 140.0),
        ("log-archive", "ou-security", 210.0),
        ("network-hub", "ou-infra", 520.0),
        ("shared-services", "ou-infra", 380.0),
    ];
    if let Some(&(name, ou, base)) = fixed.get(index) {
        return (name.to_string(), ou, base * (0.9 + rng.next_f64() * 0.2));
    }
    let slot = index - fixed.len();
    if slot % 8 == 7 {
        let who = TEAMS[(slot / 8) % TEAMS.len()];
        return (
            format!("sandbox-{who}"),
            "ou-sandbox",
            8.0 + rng.next_f64() * 40.0,
        );
    }
    let team_slot = slot - slot / 8;
    let team = TEAMS[(team_slot / 3) % TEAMS.len()];
    let round = team_slot / (3 * TEAMS.len());
    let suffix = if round == 0 {
        String::new()
    } else {
        format!("-{}", round + 1)
    };
    let (env, ou, base) = match team_slot % 3 {
        0 => ("prod", "ou-prod", 400.0 + rng.next_f64() * 2600.0),
        1 => ("staging", "ou-staging", 90.0 + rng.next_f64() * 300.0),
        _ => ("dev", "ou-dev", 30.0 + rng.next_f64() * 170.0),
    };
    (format!("{team}{suffix}-{env}"), ou, base)
}

/// Which services an account uses and each one's share of its spend.
fn pick_services(rng: &mut SplitMix64, ou: &str) -> Vec<(usize, f64)> {
    let extra_chance = match ou {
        "ou-prod" => 0.55,
        "ou-staging" | "ou-dev" => 0.35,
        _ => 0.2,
    };
    let mut picked: Vec<(usize, f64)> = Vec::new();
    for (i, service) in SERVICES.iter().enumerate() {
        let wanted = service.everywhere || rng.next_f64() < extra_chance;
        let allowed = service.name != NEW_SERVICE || ou == "ou-prod";
        if wanted && allowed {
            picked.push((i, service.weight * (0.4 + rng.next_f64() * 1.2)));
        }
    }
    let total: f64 = picked.iter().map(|(_, w)| w).sum();
    for (_, w) in &mut picked {
        *w /= total;
    }
    picked
}

/// Two one-day spikes: a data-transfer burst and a runaway query.
fn spikes(plans: &[AccountPlan], params: &DemoParams) -> Vec<(usize, usize, NaiveDate, f64)> {
    let service_index = |name: &str| SERVICES.iter().position(|s| s.name == name);
    let mut out = Vec::new();
    for (days_ago, service, factor) in [
        (41, "AWS Data Transfer", 14.0),
        (103, "Amazon Athena", 25.0),
    ] {
        let Some(si) = service_index(service) else {
            continue;
        };
        let day = params.today - Duration::days(days_ago);
        if let Some(ai) = plans.iter().position(|p| {
            p.services.iter().any(|&(s, _)| s == si)
                && p.first_day <= day
                && p.last_day >= day
                && p.base_daily > 300.0
        }) {
            out.push((ai, si, day, factor));
        }
    }
    out
}

/// Opens (or creates) the demo cache at `path` and fills it, unless it already holds
/// exactly these parameters. Refuses to touch a cache that holds real data.
/// The demo marker while a generation is under way (or was killed before the end).
const INCOMPLETE: &str = "incomplete";

/// Whether `store` is a demo cache whose generation did not finish.
pub fn is_incomplete(store: &Store) -> StoreResult<bool> {
    Ok(store.kind()? == Some(CacheKind::Demo)
        && store
            .meta("demo_params")?
            .is_none_or(|params| params == INCOMPLETE))
}

/// Removes a demo cache and its audit log, so the next `prepare_cache` starts the demo
/// afresh: nothing dismissed, nothing applied. Anything but a demo cache is refused.
pub fn reset_cache(path: &std::path::Path) -> StoreResult<()> {
    if !path.exists() {
        return Ok(());
    }
    if Store::open_existing(path)?.kind()? != Some(CacheKind::Demo) {
        return Err(StoreError::NotDemo(path.to_path_buf()));
    }
    for file in [path.to_path_buf(), crate::store::AuditLog::path_for(path)] {
        for suffix in ["", "-wal", "-shm"] {
            let doomed = std::path::PathBuf::from(format!("{}{suffix}", file.display()));
            match std::fs::remove_file(&doomed) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(StoreError::Io {
                        path: doomed,
                        source,
                    })
                }
            }
        }
    }
    Ok(())
}

pub fn prepare_cache(
    path: &std::path::Path,
    params: DemoParams,
    progress: impl FnMut(usize, usize),
) -> StoreResult<(Store, Option<GenerateStats>)> {
    let mut store = Store::open(path)?;
    match store.kind()? {
        Some(CacheKind::Aws) => return Err(StoreError::NotDemo(path.to_path_buf())),
        Some(CacheKind::Demo)
            if store.meta("demo_params")?.as_deref() == Some(&params.fingerprint()) =>
        {
            return Ok((store, None));
        }
        _ => {}
    }
    let stats = DemoOrganization::new(params).write(&mut store, progress)?;
    Ok((store, Some(stats)))
}
