//! The cost sync: who is signed in, the organization, then each month that can still
//! change, one transaction per month. A month that fails leaves the cached month as it
//! was; every AWS request is recorded in the cache.

mod events;
pub mod export;
pub mod scan;

pub use events::{Progress, SyncEvent};

use crate::domain::sources::{
    CostRow, CostSource, Directory, Fetched, Identity, PeriodCosts, SourceError,
};
use crate::domain::sync_plan::{
    estimate_requests, is_final, months_to_fetch, PagesPerMonth, DEFAULT_FINAL_AFTER_DAY,
};
use crate::domain::{
    Account, AccountStatus, CostScope, DateRange, Money, Month, Organization, Stamp,
};
use crate::store::{ApiCall, CostRecord, MonthStatus, SourceTotal, Store, StoreError};
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Refetch closed months too.
    pub full: bool,
    pub today: NaiveDate,
    /// Recorded as when months were fetched and calls were made.
    pub now: Stamp,
    /// Stop rather than spend more than this on Cost Explorer requests.
    pub max_cost: Option<Money>,
    /// Last month's bill counts as final after this day of the new month.
    pub final_after_day: u32,
}

impl SyncOptions {
    /// The defaults, for a sync on `today` at `now`.
    pub fn new(today: NaiveDate, now: Stamp) -> SyncOptions {
        SyncOptions {
            full: false,
            today,
            now,
            max_cost: None,
            final_after_day: DEFAULT_FINAL_AFTER_DAY,
        }
    }
}

/// What a sync did, for the CLI's summary and exit code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub scope: Option<String>,
    pub months_written: Vec<Month>,
    pub rows: u64,
    pub ce_requests: u32,
    pub ce_throttles: u32,
    pub failures: Vec<String>,
    /// The Cost Explorer pages of each month loaded, for the next sync's estimate.
    pub pages: Vec<u32>,
    /// Months shown from an export or a file: only their totals were kept, for
    /// reconciliation.
    pub months_kept: Vec<Month>,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(
        "this sync needs at least {} ({price}), over the cap \
         of {cap}; raise --max-cost (or max_sync_cost in the config) to allow it",
        crate::domain::words::plural(*.requests, "Cost Explorer request")
    )]
    OverCostCap {
        requests: u32,
        price: Money,
        cap: Money,
    },
    #[error(
        "this cache holds the costs of {cache}, but the credentials are for {signed_in}; \
         costscope keeps one cache per organization: drop --cache (or COSTSCOPE_CACHE) to use \
         the cache for {signed_in}, or choose the right --profile"
    )]
    OtherScope { cache: String, signed_in: String },
    #[error("this is the demo cache; sync into a real cache (drop --cache to use the default)")]
    DemoCache,
    /// The export's location cannot be listed or holds no billing period.
    #[error("{0}")]
    Export(String),
}

impl SyncError {
    /// The network is down: nothing changed and the cache is all there is.
    pub fn is_offline(&self) -> bool {
        matches!(self, SyncError::Source(e) if e.is_offline())
    }
}

/// Who is signed in and what that lets costscope see, with the calls it took.
#[derive(Debug, Clone)]
pub struct Identified {
    pub scope: CostScope,
    pub identity: Identity,
    calls: Vec<ApiCall>,
}

impl Identified {
    /// Records the identity calls in the cache's API meter.
    pub(crate) fn record_calls(&self, store: &Store) -> Result<(), StoreError> {
        self.calls
            .iter()
            .try_for_each(|call| store.record_api_call(call))
    }
}

/// Step one of every sync, before a cache is chosen: the scope names the cache.
pub async fn identify(directory: &impl Directory, now: Stamp) -> Result<Identified, SyncError> {
    let identity = directory.identify().await?;
    let scope = CostScope::of(
        &identity.account_id,
        identity
            .organization
            .as_ref()
            .map(|(id, management)| (id.as_str(), management.as_str())),
    );
    let call = |service, operation| ApiCall {
        at: now,
        service,
        operation,
        account: Some(identity.account_id.clone()),
        region: None,
        requests: 1,
        throttled: 0,
        metrics: 0,
        error: None,
    };
    let mut describe = call("organizations", "DescribeOrganization");
    describe.error = identity
        .organization_unreadable
        .as_ref()
        .map(ToString::to_string);
    let calls = vec![call("sts", "GetCallerIdentity"), describe];
    Ok(Identified {
        scope,
        identity,
        calls,
    })
}

/// Marks the cache as this scope's, or refuses if it holds another's costs.
pub(crate) fn claim_cache(store: &Store, scope: &CostScope) -> Result<(), SyncError> {
    if store.meta("kind")?.as_deref() == Some("demo") {
        return Err(SyncError::DemoCache);
    }
    let key = scope.key();
    match store.meta("scope")? {
        Some(held) if held != key => {
            let label = store.meta("scope_label")?.unwrap_or(held);
            Err(SyncError::OtherScope {
                cache: label,
                signed_in: scope.to_string(),
            })
        }
        _ => {
            store.set_meta("kind", "aws")?;
            store.set_meta("scope", &key)?;
            store.set_meta("scope_label", &scope.to_string())?;
            Ok(())
        }
    }
}

/// The cost sync into `store` (which must be, or become, the cache of the scope), with
/// the organization from `directory` and the months from `costs`.
pub async fn run(
    store: &mut Store,
    directory: &impl Directory,
    cost_source: &impl CostSource,
    identified: &Identified,
    options: &SyncOptions,
    progress: &mut dyn Progress,
) -> Result<SyncReport, SyncError> {
    let scope = &identified.scope;
    claim_cache(store, scope)?;
    identified.record_calls(store)?;
    let mut report = SyncReport {
        scope: Some(scope.to_string()),
        ..SyncReport::default()
    };
    progress.event(&SyncEvent::Scope(scope.clone()));
    if let Some(advice) = scope.advice() {
        progress.event(&SyncEvent::Advice(advice));
    }
    load_organization(store, directory, identified, options.now, progress).await?;

    let cached_final: Vec<Month> = store
        .summary()?
        .months
        .iter()
        .filter(|m| m.is_final)
        .map(|m| m.month)
        .collect();
    // Newest first: a sync the cap stops has loaded what people look at.
    let mut months = months_to_fetch(options.today, &cached_final, options.full);
    months.reverse();
    let estimate = estimate_requests(
        months.len(),
        store
            .meta("last_sync_pages_per_month")?
            .as_deref()
            .and_then(PagesPerMonth::parse),
        store.organization()?.0.accounts.len(),
    );
    progress.event(&SyncEvent::Planned {
        months: months.clone(),
        estimate,
    });
    let over = |requests: u32| {
        options
            .max_cost
            .filter(|cap| cost_source.price(requests) > *cap)
    };
    if let Some(cap) = over(estimate.low) {
        return Err(SyncError::OverCostCap {
            requests: estimate.low,
            price: cost_source.price(estimate.low),
            cap,
        });
    }
    for (done, month) in months.iter().copied().enumerate() {
        // Before each month: what is spent and this month at the pages per month seen
        // so far (the estimate's before the first). Newest first, so a stop keeps the
        // months people look at.
        let per_month = match done {
            0 => estimate.per_month_low(months.len()),
            n => report.ce_requests.div_ceil(n as u32),
        };
        let left = &months[done..];
        let still_needed = report.ce_requests + per_month.max(1);
        if let Some(cap) = over(still_needed) {
            let text = SyncError::OverCostCap {
                requests: still_needed,
                price: cost_source.price(still_needed),
                cap,
            }
            .to_string();
            let names: Vec<String> = left.iter().map(ToString::to_string).collect();
            progress.event(&SyncEvent::Stopped(format!(
                "{text}; not loaded: {}",
                names.join(", ")
            )));
            report.failures.extend(
                left.iter()
                    .map(|m| format!("{m}: not fetched, over the cost cap")),
            );
            break;
        }
        progress.event(&SyncEvent::MonthStarted {
            month,
            index: done,
            of: months.len(),
        });
        if let Err(e) = sync_month(store, cost_source, month, options, progress, &mut report).await
        {
            finish(store, options, &report)?;
            return Err(e);
        }
    }
    finish(store, options, &report)?;
    Ok(report)
}

/// One month from the source into the cache, in one transaction. A month that fails
/// is reported and skipped; offline or credentials end the sync (`Err`).
async fn sync_month(
    store: &mut Store,
    cost_source: &impl CostSource,
    month: Month,
    options: &SyncOptions,
    progress: &mut dyn Progress,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let days = DateRange::new(month.first_day(), month.last_day().min(options.today));
    let mut requests = 0;
    let read = read_month(store, cost_source, days, options, report, &mut requests).await?;
    let (costs, fees) = match read {
        Ok(read) => read,
        Err(reason) => {
            report.failures.push(format!("{month}: {reason}"));
            progress.event(&SyncEvent::MonthFailed { month, reason });
            return Ok(());
        }
    };
    let records = to_records(store, &costs.rows)?;
    let fee_records = to_records(store, &fees.rows)?;
    store.replace_source_totals(
        month,
        cost_source.name(),
        &charge_totals(&records, &fee_records),
    )?;
    if let Some(held) = store
        .month_source(month)?
        .filter(|held| held != cost_source.name())
    {
        // The month is shown from an export or a file, which hold every line item;
        // this source's totals are kept beside it for `costscope reconcile`.
        progress.event(&SyncEvent::MonthKept {
            month,
            source: held,
        });
        report.months_kept.push(month);
        report.pages.push(requests);
        return Ok(());
    }
    let status = MonthStatus {
        month,
        fetched_at: options.now,
        is_final: is_final(
            month,
            options.today,
            costs.estimated,
            options.final_after_day,
        ),
        source: cost_source.name().to_string(),
        fees: Some(fee_records),
    };
    let is_final = status.is_final;
    let rows = store.replace_month(status, records)?;
    progress.event(&SyncEvent::MonthLoaded {
        month,
        rows,
        requests,
        is_final,
    });
    report.rows += rows;
    report.months_written.push(month);
    report.pages.push(requests);
    Ok(())
}

/// A source without charge kinds, for reconciliation: per account, its once-a-month
/// fees ("fees") and the rest ("other"); together they are the account's month.
fn charge_totals(records: &[CostRecord], fees: &[CostRecord]) -> Vec<SourceTotal> {
    let mut sums: BTreeMap<(i64, &'static str), (i64, i64)> = BTreeMap::new();
    for r in records {
        let sum = sums.entry((r.account, "other")).or_default();
        sum.0 += r.unblended;
        sum.1 += r.amortized;
    }
    for r in fees {
        let sum = sums.entry((r.account, "other")).or_default();
        sum.0 -= r.unblended;
        sum.1 -= r.amortized;
        let fee = sums.entry((r.account, "fees")).or_default();
        fee.0 += r.unblended;
        fee.1 += r.amortized;
    }
    sums.into_iter()
        .map(|((account, charge), (unblended, amortized))| SourceTotal {
            account,
            charge: charge.to_string(),
            unblended,
            amortized,
        })
        .collect()
}

/// A chain's requests recorded in the report and the API meter, and its answer: the
/// rows, or why the month cannot be loaded; `Err` when the sync must end (offline,
/// credentials).
fn take_chain(
    store: &Store,
    cost_source: &impl CostSource,
    chain: Fetched<PeriodCosts>,
    options: &SyncOptions,
    report: &mut SyncReport,
    requests: &mut u32,
) -> Result<Result<PeriodCosts, String>, SyncError> {
    let label = cost_source.label();
    report.ce_requests += chain.requests;
    report.ce_throttles += chain.throttles;
    *requests += chain.requests;
    take_answer(store, options.now, label, chain)
}

/// A request chain recorded in the API meter under `label`, and its answer: the value,
/// or why this part cannot be loaded; `Err` when the sync must end (offline,
/// credentials).
pub(crate) fn take_answer<T>(
    store: &Store,
    now: Stamp,
    label: crate::domain::sources::MeterLabel,
    fetched: Fetched<T>,
) -> Result<Result<T, String>, SyncError> {
    store.record_api_call(&ApiCall {
        at: now,
        service: label.service,
        operation: label.operation,
        account: None,
        region: label.region.map(str::to_string),
        requests: fetched.requests,
        throttled: fetched.throttles,
        metrics: 0,
        error: fetched.result.as_ref().err().map(ToString::to_string),
    })?;
    match fetched.result {
        Ok(value) => Ok(Ok(value)),
        Err(e) if e.is_offline() || e.is_credentials() => Err(e.into()),
        Err(e) => Ok(Err(e.to_string())),
    }
}

/// A month's costs, then its once-a-month fees: a part of the costs, told apart.
/// Without them the month would be cached with comparisons that cannot be trusted, so
/// either failing fails the month (`Ok(Err(reason))`).
async fn read_month(
    store: &Store,
    cost_source: &impl CostSource,
    days: DateRange,
    options: &SyncOptions,
    report: &mut SyncReport,
    requests: &mut u32,
) -> Result<Result<(PeriodCosts, PeriodCosts), String>, SyncError> {
    let costs = cost_source.daily_costs(days).await;
    let costs = match take_chain(store, cost_source, costs, options, report, requests)? {
        Ok(costs) => costs,
        Err(reason) => return Ok(Err(reason)),
    };
    let fees = cost_source.once_a_month_fees(days).await;
    Ok(take_chain(store, cost_source, fees, options, report, requests)?.map(|fees| (costs, fees)))
}

/// Remembers what the last sync did and cost, for the status bar.
fn finish(store: &Store, options: &SyncOptions, report: &SyncReport) -> Result<(), StoreError> {
    store.set_stamp_meta("last_sync_at", options.now)?;
    store.set_meta("last_sync_ce_requests", &report.ce_requests.to_string())?;
    if let Some(pages) = PagesPerMonth::of(&report.pages) {
        store.set_meta("last_sync_pages_per_month", &pages.to_text())?;
    }
    store.set_meta("last_sync_failures", &report.failures.len().to_string())
}

/// The organization's accounts and OUs, or the signed-in account alone when the
/// organization cannot be listed (or the scope is one account).
/// Reads the organization's accounts into the cache. `Ok(Some(reason))` when they could
/// not be listed (the cache keeps the accounts it knew): unknown, not "no accounts".
pub(crate) async fn load_organization(
    store: &mut Store,
    directory: &impl Directory,
    identified: &Identified,
    now: Stamp,
    progress: &mut dyn Progress,
) -> Result<Option<String>, SyncError> {
    let account = &identified.identity.account_id;
    if identified.scope.covers_whole_organization() {
        let fetched = directory.organization().await;
        store.record_api_call(&ApiCall {
            at: now,
            service: "organizations",
            operation: "ListRoots/ListOrganizationalUnitsForParent/ListAccounts",
            account: Some(account.clone()),
            region: None,
            requests: fetched.requests,
            throttled: fetched.throttles,
            metrics: 0,
            error: fetched.result.as_ref().err().map(ToString::to_string),
        })?;
        match fetched.result {
            Ok(org) => {
                progress.event(&SyncEvent::Organization {
                    accounts: org.accounts.len(),
                    units: org.units.len(),
                });
                store.replace_org(&org)?;
                return Ok(None);
            }
            Err(e @ SourceError::AccessDenied { .. }) => {
                progress.event(&SyncEvent::Advice(format!(
                    "cannot list the organization's accounts ({e}); accounts show by id"
                )));
                return Ok(Some(format!(
                    "cannot list the organization's accounts: {e}"
                )));
            }
            Err(e) => return Err(e.into()),
        }
    }
    if let Some(e) = &identified.identity.organization_unreadable {
        progress.event(&SyncEvent::Advice(format!(
            "organization not read ({e}); using the signed-in account alone"
        )));
    }
    store.replace_org(&single_account(account))?;
    progress.event(&SyncEvent::Organization {
        accounts: 1,
        units: 0,
    });
    Ok(None)
}

fn single_account(id: &str) -> Organization {
    Organization {
        units: Vec::new(),
        accounts: vec![Account {
            id: id.to_string(),
            name: id.to_string(),
            email: String::new(),
            status: AccountStatus::Active,
            ou_id: String::new(),
            joined: None,
        }],
    }
}

/// Storage records in (service, account, day) order, one per day: the writer's contract.
fn to_records(store: &Store, rows: &[CostRow]) -> Result<Vec<CostRecord>, StoreError> {
    let mut accounts: HashMap<&str, i64> = HashMap::new();
    let mut services: HashMap<&str, i64> = HashMap::new();
    let mut sums: BTreeMap<(i64, i64, NaiveDate), (i64, i64)> = BTreeMap::new();
    for row in rows {
        let account = match accounts.get(row.account_id.as_str()) {
            Some(&k) => k,
            None => {
                let k = store.ensure_account(&row.account_id)?;
                accounts.insert(&row.account_id, k);
                k
            }
        };
        let service = match services.get(row.service.as_str()) {
            Some(&k) => k,
            None => {
                let k = store.ensure_service(&row.service)?;
                services.insert(&row.service, k);
                k
            }
        };
        let entry = sums.entry((service, account, row.day)).or_default();
        entry.0 += row.unblended.nanos();
        entry.1 += row.amortized.nanos();
    }
    Ok(sums
        .into_iter()
        .map(
            |((service, account, day), (unblended, amortized))| CostRecord {
                account,
                service,
                day,
                unblended,
                amortized,
            },
        )
        .collect())
}
