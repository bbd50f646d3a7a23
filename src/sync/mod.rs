//! The cost sync: the organization, then each month that can still change, one
//! transaction per month. A month that fails leaves the cached month as it was.

use crate::aws::cost_explorer::{fetch_daily_costs, CostRow};
use crate::aws::organizations::fetch_organization;
use crate::aws::AwsError;
use crate::domain::sync_plan::{is_final, months_to_fetch, DEFAULT_FINAL_AFTER_DAY};
use crate::domain::{DateRange, Money, Month};
use crate::store::{ApiCall, CostRecord, MonthStatus, Store, StoreError};
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Refetch closed months too.
    pub full: bool,
    pub today: NaiveDate,
    /// RFC 3339 time recorded as when months were fetched.
    pub now: String,
    /// Stop rather than spend more than this on Cost Explorer requests.
    pub max_cost: Option<Money>,
}

/// What one Cost Explorer request costs.
pub const CE_REQUEST_PRICE: Money = Money::from_nanos(10_000_000);

/// What a sync did, for the CLI's summary and exit code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub organization: Option<String>,
    pub months_written: Vec<Month>,
    pub rows: u64,
    pub ce_requests: u32,
    pub failures: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error(
        "this sync needs at least {requests} Cost Explorer request(s) ({}), over the cap of {}; \
         raise --max-cost (or max_sync_cost in the config) to allow it",
        CE_REQUEST_PRICE.scale(i64::from(*requests), 1),
        cap
    )]
    OverCostCap { requests: u32, cap: Money },
}

/// Progress lines for a terminal or a log.
pub trait Progress {
    fn note(&mut self, line: &str);
}

impl<F: FnMut(&str)> Progress for F {
    fn note(&mut self, line: &str) {
        self(line)
    }
}

pub async fn run(
    store: &mut Store,
    organizations: &aws_sdk_organizations::Client,
    cost_explorer: &aws_sdk_costexplorer::Client,
    options: &SyncOptions,
    progress: &mut dyn Progress,
) -> Result<SyncReport, SyncError> {
    let mut report = SyncReport::default();
    store.set_meta("kind", "aws")?;
    match fetch_organization(organizations).await {
        Ok(org) => {
            progress.note(&format!(
                "organization: {} accounts in {} units",
                org.accounts.len(),
                org.units.len()
            ));
            report.organization = Some(format!("{} accounts", org.accounts.len()));
            store.replace_org(&org)?;
        }
        Err(e @ (AwsError::NotInOrganization | AwsError::AccessDenied { .. })) => {
            // Costs still load; accounts then appear by id only.
            progress.note(&format!("organization not read ({e}); costs only"));
        }
        Err(e) => return Err(e.into()),
    }
    let cached_final: Vec<Month> = store
        .summary()?
        .months
        .iter()
        .filter(|m| m.is_final)
        .map(|m| m.month)
        .collect();
    let months = months_to_fetch(options.today, &cached_final, options.full);
    // Each month is at least one request; pages beyond the first are only known later.
    let at_least = months.len() as u32;
    progress.note(&format!(
        "fetching {} month(s): at least {at_least} Cost Explorer request(s), {}",
        months.len(),
        CE_REQUEST_PRICE.scale(i64::from(at_least), 1)
    ));
    let over = |requests: u32| {
        options
            .max_cost
            .filter(|cap| CE_REQUEST_PRICE.scale(i64::from(requests), 1) > *cap)
    };
    if let Some(cap) = over(at_least) {
        return Err(SyncError::OverCostCap {
            requests: at_least,
            cap,
        });
    }
    for (done, month) in months.iter().copied().enumerate() {
        // Pagination can make months cost more than one request: check before each.
        let still_needed = report.ce_requests + (months.len() - done) as u32;
        if let Some(cap) = over(still_needed) {
            let text = SyncError::OverCostCap {
                requests: still_needed,
                cap,
            }
            .to_string();
            progress.note(&format!("stopping before {month}: {text}"));
            report
                .failures
                .push(format!("{month}: not fetched, over the cost cap"));
            break;
        }
        let days = DateRange::new(month.first_day(), month.last_day().min(options.today));
        let result = fetch_daily_costs(cost_explorer, days).await;
        let (requests, error) = match &result {
            Ok(costs) => (costs.pages, None),
            // At least the failing request was made and billed.
            Err(e) => (1, Some(e.to_string())),
        };
        report.ce_requests += requests;
        store.record_api_call(&ApiCall {
            at: options.now.clone(),
            service: "ce",
            operation: "GetCostAndUsage",
            account: None,
            region: Some("us-east-1".to_string()),
            requests,
            throttled: matches!(result, Err(AwsError::Throttled { .. })),
            error,
        })?;
        let costs = match result {
            Ok(costs) => costs,
            Err(e @ AwsError::Unreachable { .. }) => return Err(e.into()),
            Err(e) => {
                progress.note(&format!("{month}: not loaded: {e}"));
                report.failures.push(format!("{month}: {e}"));
                continue;
            }
        };
        let records = to_records(store, &costs.rows)?;
        let status = MonthStatus {
            month,
            fetched_at: options.now.clone(),
            is_final: is_final(
                month,
                options.today,
                costs.estimated,
                DEFAULT_FINAL_AFTER_DAY,
            ),
            source: "cost-explorer".to_string(),
        };
        let final_note = if status.is_final { "final" } else { "open" };
        let written = store.replace_month(status, records)?;
        progress.note(&format!(
            "{month}: {written} rows in {} request(s) ({final_note})",
            costs.pages
        ));
        report.rows += written;
        report.months_written.push(month);
    }
    Ok(report)
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
