//! The inventory scan: every account (through AssumeRole) and every enabled region,
//! a bounded number of account-regions at a time. Each unit is written in one
//! transaction with its findings; a unit that fails is recorded as not scanned with the
//! reason, and the rest goes on.

use super::{claim_cache, load_organization, Identified, Progress, SyncError, SyncEvent};
use crate::config::ScanSettings;
use crate::domain::findings::Finding;
use crate::domain::inventory::{stored_buckets, Bucket, RegionInventory, Unread};
use crate::domain::prices::PriceTable;
use crate::domain::rules::{evaluate_buckets, evaluate_region, RuleContext, Thresholds};
use crate::domain::sources::{Directory, InventorySource, Regions, SourceError, Tally};
use crate::domain::AccountStatus;
use crate::store::{ApiCall, Store, UnitChanges, UnitStatus, ACCOUNT_UNIT, ORG_UNIT, S3_UNIT};
use chrono::{DateTime, Utc};
use std::collections::VecDeque;
use std::sync::Arc;
use tokio::task::JoinSet;

#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub settings: ScanSettings,
    pub prices: PriceTable,
    pub now: DateTime<Utc>,
}

impl ScanOptions {
    fn stamp(&self) -> String {
        self.now
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }
}

/// What a scan did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanReport {
    pub accounts: usize,
    pub units_scanned: usize,
    /// (account, unit, reason) of everything that could not be scanned.
    pub not_scanned: Vec<(String, String, String)>,
    /// (account, unit, what could not be read) of units scanned in part: their
    /// findings for that evidence are unknown, neither made nor closed.
    pub partial: Vec<(String, String, String)>,
    /// (account, unit) kept from an earlier scan within `resume_within_minutes`.
    pub resumed: Vec<(String, String)>,
    /// (account, regions not opted in).
    pub skipped: Vec<(String, Vec<String>)>,
    pub resources: usize,
    pub changes: UnitChanges,
    pub meter: Tally,
}

/// Runs the scan into `store`, which must be (or become) the cache of this scope: the
/// accounts from `directory`, each account and account-region from `source`.
pub async fn run_scan<S: InventorySource>(
    store: &mut Store,
    directory: &impl Directory,
    source: Arc<S>,
    identified: &Identified,
    options: &ScanOptions,
    progress: &mut dyn Progress,
) -> Result<ScanReport, SyncError> {
    claim_cache(store, &identified.scope)?;
    identified.record_calls(store)?;
    let stamp = options.stamp();
    progress.event(&SyncEvent::Scope(identified.scope.clone()));
    let unlisted = load_organization(store, directory, identified, &stamp, progress).await?;
    let (org, _) = store.organization()?;
    let wanted = &options.settings.accounts;
    let signed_in = &identified.identity.account_id;
    let mut accounts: Vec<String> = org
        .accounts
        .iter()
        .filter(|a| a.status == AccountStatus::Active)
        .map(|a| a.id.clone())
        .filter(|id| wanted.is_empty() || wanted.contains(id))
        .collect();
    let mut report = ScanReport::default();
    if unlisted.is_none() {
        // Listed: an earlier "could not list" no longer stands.
        store.write_scanned_unit(signed_in, ORG_UNIT, &[], &[], &[], &stamp)?;
    }
    if let Some(reason) = unlisted {
        // Unknown accounts are not "no accounts": scan what is known (the signed-in
        // account at least) and say the scan is partial.
        if !accounts.contains(signed_in) && (wanted.is_empty() || wanted.contains(signed_in)) {
            accounts.push(signed_in.clone());
        }
        let reason = format!(
            "{reason}; only {} account(s) known from the cache were scanned",
            accounts.len()
        );
        store.record_unscanned_unit(
            signed_in,
            ORG_UNIT,
            UnitStatus::NotScanned,
            &reason,
            &stamp,
        )?;
        progress.event(&SyncEvent::UnitNotScanned {
            account: signed_in.clone(),
            unit: ORG_UNIT.to_string(),
            reason: reason.clone(),
        });
        report
            .not_scanned
            .push((signed_in.clone(), ORG_UNIT.to_string(), reason));
    }
    report.accounts = accounts.len();
    progress.event(&SyncEvent::ScanPlanned {
        accounts: accounts.len(),
        concurrency: options.settings.concurrency,
    });

    let recent = recently_scanned(store, options)?;
    let mut queue: VecDeque<Job<S>> = accounts.into_iter().map(Job::Enter).collect();
    let mut running = JoinSet::new();
    let limit = options.settings.concurrency.max(1) as usize;
    let mut known_units = 0;
    loop {
        while running.len() < limit {
            let Some(job) = queue.pop_front() else { break };
            running.spawn(job.run(source.clone()));
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        let outcome = joined.map_err(|e| {
            SyncError::Source(SourceError::Other {
                operation: "scan",
                message: e.to_string(),
            })
        })?;
        record_meter(
            store,
            &outcome.account,
            outcome.region.as_deref(),
            &outcome.meter,
            &stamp,
        )?;
        report.meter.merge(outcome.meter.clone());
        match outcome.result {
            Err(e) if e.is_offline() || e.is_credentials() => {
                running.abort_all();
                return Err(e.into());
            }
            Err(e) => {
                let unit = outcome.unit.clone();
                store.record_unscanned_unit(
                    &outcome.account,
                    &unit,
                    UnitStatus::NotScanned,
                    &e.to_string(),
                    &stamp,
                )?;
                let event = if unit == ACCOUNT_UNIT {
                    SyncEvent::AccountNotScanned {
                        account: outcome.account.clone(),
                        reason: e.to_string(),
                    }
                } else {
                    SyncEvent::UnitNotScanned {
                        account: outcome.account.clone(),
                        unit: unit.clone(),
                        reason: e.to_string(),
                    }
                };
                progress.event(&event);
                report
                    .not_scanned
                    .push((outcome.account, unit, e.to_string()));
            }
            Ok(Found::Account { entered, regions }) => {
                let account = outcome.account;
                let (scan, skipped) = choose_regions(&options.settings.regions, regions);
                for region in &skipped {
                    store.record_unscanned_unit(
                        &account,
                        region,
                        UnitStatus::Skipped,
                        "region not enabled (not opted in)",
                        &stamp,
                    )?;
                }
                if !skipped.is_empty() {
                    progress.event(&SyncEvent::RegionsSkipped {
                        account: account.clone(),
                        regions: skipped.clone(),
                    });
                    report.skipped.push((account.clone(), skipped));
                }
                let entered = Arc::new(entered);
                // A scan that stopped part-way resumes: what was scanned fully a short
                // while ago is kept.
                let kept = |unit: &str| recent.contains(&(account.clone(), unit.to_string()));
                let (kept_units, scan): (Vec<String>, Vec<String>) =
                    scan.into_iter().partition(|region| kept(region));
                let buckets_kept = kept(S3_UNIT);
                for unit in kept_units
                    .into_iter()
                    .chain(buckets_kept.then(|| S3_UNIT.to_string()))
                {
                    progress.event(&SyncEvent::Advice(format!(
                        "{account} {unit}: scanned in the last {} minute(s), kept",
                        options.settings.resume_within_minutes
                    )));
                    report.resumed.push((account.clone(), unit));
                }
                known_units += scan.len() + usize::from(!buckets_kept);
                // Units of an entered account go first, so accounts finish one by one.
                if !buckets_kept {
                    queue.push_front(Job::Buckets {
                        account: account.clone(),
                        entered: entered.clone(),
                    });
                }
                for region in scan.into_iter().rev() {
                    queue.push_front(Job::Region {
                        account: account.clone(),
                        entered: entered.clone(),
                        region,
                    });
                }
            }
            Ok(found) => {
                let Evaluated {
                    unit,
                    stored,
                    findings,
                    unread,
                } = evaluate(
                    &outcome.account,
                    &options.prices,
                    &options.settings.thresholds,
                    options.now,
                    found,
                );
                let changes = store.write_scanned_unit(
                    &outcome.account,
                    &unit,
                    &stored,
                    &findings,
                    &unread,
                    &stamp,
                )?;
                for u in &unread {
                    let what = u.resource.as_deref().unwrap_or("every resource");
                    report.partial.push((
                        outcome.account.clone(),
                        unit.clone(),
                        format!("{} ({what}): {}", u.rule.name(), u.reason),
                    ));
                }
                report.units_scanned += 1;
                report.resources += stored.len();
                report.changes.new += changes.new;
                report.changes.still_open += changes.still_open;
                report.changes.closed += changes.closed;
                progress.event(&SyncEvent::UnitScanned {
                    account: outcome.account,
                    unit,
                    resources: stored.len(),
                    findings: findings.len(),
                    done: report.units_scanned + report.not_scanned.len(),
                    known: known_units,
                });
            }
        }
    }
    store.set_meta("last_scan_at", &stamp)?;
    Ok(report)
}

/// (account, unit) scanned fully within the last `resume_within_minutes` (none when 0).
fn recently_scanned(
    store: &Store,
    options: &ScanOptions,
) -> Result<std::collections::HashSet<(String, String)>, SyncError> {
    let minutes = options.settings.resume_within_minutes;
    if minutes == 0 {
        return Ok(Default::default());
    }
    let since = options.now - chrono::Duration::minutes(i64::from(minutes));
    Ok(store
        .scan_units()?
        .into_iter()
        .filter(|u| u.status == UnitStatus::Scanned)
        .filter(|u| {
            DateTime::parse_from_rfc3339(&u.scanned_at)
                .is_ok_and(|at| at.with_timezone(&Utc) >= since && at <= options.now)
        })
        .map(|u| (u.account, u.unit))
        .collect())
}

/// The enabled regions to scan (all, or the chosen ones), and the chosen or existing
/// regions left out because they are not enabled.
fn choose_regions(chosen: &[String], regions: Regions) -> (Vec<String>, Vec<String>) {
    if chosen.is_empty() {
        return (regions.enabled, regions.not_opted_in);
    }
    let scan = chosen
        .iter()
        .filter(|r| regions.enabled.contains(r))
        .cloned()
        .collect();
    let skipped = chosen
        .iter()
        .filter(|r| !regions.enabled.contains(r))
        .cloned()
        .collect();
    (scan, skipped)
}

/// One unit judged: what to store, the findings, and what could not be read.
struct Evaluated {
    unit: String,
    stored: Vec<crate::domain::inventory::StoredResource>,
    findings: Vec<Finding>,
    unread: Vec<Unread>,
}

fn evaluate<E>(
    account: &str,
    prices: &PriceTable,
    thresholds: &Thresholds,
    now: DateTime<Utc>,
    found: Found<E>,
) -> Evaluated {
    match found {
        Found::Region { region, inventory } => {
            let ctx = RuleContext {
                account,
                region: &region,
                prices,
                thresholds,
                now,
            };
            Evaluated {
                findings: evaluate_region(&ctx, &inventory),
                stored: inventory.stored(&region),
                unit: region,
                unread: inventory.unread,
            }
        }
        Found::Buckets { buckets, unread } => Evaluated {
            findings: evaluate_buckets(account, prices, thresholds, now, &buckets),
            stored: stored_buckets(&buckets),
            unit: S3_UNIT.to_string(),
            unread,
        },
        Found::Account { .. } => Evaluated {
            unit: ACCOUNT_UNIT.to_string(),
            stored: Vec::new(),
            findings: Vec::new(),
            unread: Vec::new(),
        },
    }
}

fn record_meter(
    store: &Store,
    account: &str,
    region: Option<&str>,
    meter: &Tally,
    at: &str,
) -> Result<(), SyncError> {
    for e in &meter.entries {
        store.record_api_call(&ApiCall {
            at: at.to_string(),
            service: e.service,
            operation: e.operation,
            account: Some(account.to_string()),
            region: region.map(str::to_string),
            requests: e.requests,
            throttled: e.throttled,
            metrics: e.metrics,
            error: None,
        })?;
    }
    Ok(())
}

enum Job<S: InventorySource> {
    /// Reach the account and list its regions.
    Enter(String),
    Region {
        account: String,
        entered: Arc<S::Entered>,
        region: String,
    },
    Buckets {
        account: String,
        entered: Arc<S::Entered>,
    },
}

enum Found<E> {
    Account {
        entered: E,
        regions: Regions,
    },
    Region {
        region: String,
        inventory: RegionInventory,
    },
    Buckets {
        buckets: Vec<Bucket>,
        unread: Vec<Unread>,
    },
}

struct Outcome<E> {
    account: String,
    unit: String,
    region: Option<String>,
    meter: Tally,
    result: Result<Found<E>, SourceError>,
}

impl<S: InventorySource> Job<S> {
    async fn run(self, source: Arc<S>) -> Outcome<S::Entered> {
        let (account, unit, region, read) = match self {
            Job::Enter(account) => {
                let read = source.enter(&account).await;
                let home = Some(source.home_region().to_string());
                let read = read.map(|(entered, regions)| Found::Account { entered, regions });
                (account, ACCOUNT_UNIT.to_string(), home, read)
            }
            Job::Region {
                account,
                entered,
                region,
            } => {
                let read = source.region(&entered, &region).await;
                let found = read.map(|inventory| Found::Region {
                    region: region.clone(),
                    inventory,
                });
                (account, region.clone(), Some(region), found)
            }
            Job::Buckets { account, entered } => {
                let read = source.buckets(&entered).await;
                let found = read.map(|(buckets, unread)| Found::Buckets { buckets, unread });
                (account, S3_UNIT.to_string(), None, found)
            }
        };
        Outcome {
            account,
            unit,
            region,
            meter: read.tally,
            result: read.result,
        }
    }
}
