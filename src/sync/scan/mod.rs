//! The inventory scan: every account (through AssumeRole) and every enabled region,
//! a bounded number of account-regions at a time. Each unit is written in one
//! transaction with its findings; a unit that fails is recorded as not scanned with the
//! reason, and the rest goes on.

use super::{claim_cache, load_organization, Identified, Progress, SyncError, SyncEvent};
use crate::config::ScanSettings;
use crate::domain::prices::PriceTable;
use crate::domain::sources::{Directory, InventorySource, Regions, SourceError, Tally};
use crate::domain::{AccountStatus, Stamp};
use crate::store::{ApiCall, Store, UnitChanges, UnitStatus, ACCOUNT_UNIT, ORG_UNIT, S3_UNIT};
use chrono::{DateTime, Utc};
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use tokio::task::JoinSet;
use units::{evaluate, Evaluated, Found, Job, Outcome};

mod units;

#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub settings: ScanSettings,
    pub prices: PriceTable,
    pub now: DateTime<Utc>,
}

impl ScanOptions {
    fn stamp(&self) -> Stamp {
        Stamp::from(self.now)
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
    let mut report = ScanReport::default();
    let accounts = accounts_to_scan(
        store,
        directory,
        identified,
        options,
        stamp,
        progress,
        &mut report,
    )
    .await?;
    report.accounts = accounts.len();
    progress.event(&SyncEvent::ScanPlanned {
        accounts: accounts.len(),
        concurrency: options.settings.concurrency,
    });
    let mut scan = Scan {
        recent: recently_scanned(store, options)?,
        store,
        options,
        progress,
        stamp,
        report,
        queue: accounts.into_iter().map(Job::Enter).collect(),
        known_units: 0,
    };
    let mut running = JoinSet::new();
    let limit = options.settings.concurrency.max(1) as usize;
    loop {
        while running.len() < limit {
            let Some(job) = scan.queue.pop_front() else {
                break;
            };
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
        if let Err(e) = scan.take(outcome) {
            running.abort_all();
            return Err(e);
        }
    }
    scan.store.set_stamp_meta("last_scan_at", scan.stamp)?;
    Ok(scan.report)
}

/// The active accounts to scan (all, or `[scan] accounts`). When the organization
/// cannot be listed, the accounts the cache knows (the signed-in one at least), and the
/// scan is partial: unknown accounts are not "no accounts".
async fn accounts_to_scan(
    store: &mut Store,
    directory: &impl Directory,
    identified: &Identified,
    options: &ScanOptions,
    stamp: Stamp,
    progress: &mut dyn Progress,
    report: &mut ScanReport,
) -> Result<Vec<String>, SyncError> {
    let unlisted = load_organization(store, directory, identified, stamp, progress).await?;
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
    let Some(reason) = unlisted else {
        // Listed: an earlier "could not list" no longer stands.
        store.write_scanned_unit(signed_in, ORG_UNIT, &[], &[], &[], stamp)?;
        return Ok(accounts);
    };
    if !accounts.contains(signed_in) && (wanted.is_empty() || wanted.contains(signed_in)) {
        accounts.push(signed_in.clone());
    }
    let reason = format!(
        "{reason}; only {n0_account} known from the cache were scanned",
        n0_account = crate::domain::words::plural(accounts.len(), "account")
    );
    store.record_unscanned_unit(signed_in, ORG_UNIT, UnitStatus::NotScanned, &reason, stamp)?;
    progress.event(&SyncEvent::UnitNotScanned {
        account: signed_in.clone(),
        unit: ORG_UNIT.to_string(),
        reason: reason.clone(),
    });
    report
        .not_scanned
        .push((signed_in.clone(), ORG_UNIT.to_string(), reason));
    Ok(accounts)
}

/// A scan in progress: the jobs still to run, and what has landed.
struct Scan<'a, S: InventorySource> {
    store: &'a mut Store,
    options: &'a ScanOptions,
    progress: &'a mut dyn Progress,
    stamp: Stamp,
    report: ScanReport,
    queue: VecDeque<Job<S>>,
    /// (account, unit) scanned fully a short while ago: kept, not scanned again.
    recent: HashSet<(String, String)>,
    known_units: usize,
}

impl<S: InventorySource> Scan<'_, S> {
    /// One job's outcome: its requests metered, then the unit written, the account's
    /// units queued, or the failure recorded. Offline and credentials stop the scan.
    fn take(&mut self, outcome: Outcome<S::Entered>) -> Result<(), SyncError> {
        record_meter(
            self.store,
            &outcome.account,
            outcome.region.as_deref(),
            &outcome.meter,
            self.stamp,
        )?;
        self.report.meter.merge(outcome.meter);
        match outcome.result {
            Err(e) if e.is_offline() || e.is_credentials() => Err(e.into()),
            Err(e) => self.not_scanned(outcome.account, outcome.unit, &e),
            Ok(Found::Account { entered, regions }) => {
                self.entered(outcome.account, entered, regions)
            }
            Ok(found) => self.judged(outcome.account, found),
        }
    }

    fn not_scanned(
        &mut self,
        account: String,
        unit: String,
        e: &SourceError,
    ) -> Result<(), SyncError> {
        let reason = e.to_string();
        self.store.record_unscanned_unit(
            &account,
            &unit,
            UnitStatus::NotScanned,
            &reason,
            self.stamp,
        )?;
        let event = if unit == ACCOUNT_UNIT {
            SyncEvent::AccountNotScanned {
                account: account.clone(),
                reason: reason.clone(),
            }
        } else {
            SyncEvent::UnitNotScanned {
                account: account.clone(),
                unit: unit.clone(),
                reason: reason.clone(),
            }
        };
        self.progress.event(&event);
        self.report.not_scanned.push((account, unit, reason));
        Ok(())
    }

    /// An account reached: its regions not opted in are recorded as skipped, units
    /// scanned moments ago are kept, the rest go to the front of the queue so that
    /// accounts finish one by one.
    fn entered(
        &mut self,
        account: String,
        entered: S::Entered,
        regions: Regions,
    ) -> Result<(), SyncError> {
        let settings = &self.options.settings;
        let (scan, skipped) = choose_regions(&settings.regions, regions);
        for region in &skipped {
            self.store.record_unscanned_unit(
                &account,
                region,
                UnitStatus::Skipped,
                "region not enabled (not opted in)",
                self.stamp,
            )?;
        }
        if !skipped.is_empty() {
            self.progress.event(&SyncEvent::RegionsSkipped {
                account: account.clone(),
                regions: skipped.clone(),
            });
            self.report.skipped.push((account.clone(), skipped));
        }
        let recent = &self.recent;
        let kept = |unit: &str| recent.contains(&(account.clone(), unit.to_string()));
        let (kept_units, scan): (Vec<String>, Vec<String>) =
            scan.into_iter().partition(|region| kept(region));
        let buckets_kept = kept(S3_UNIT);
        for unit in kept_units
            .into_iter()
            .chain(buckets_kept.then(|| S3_UNIT.to_string()))
        {
            self.progress.event(&SyncEvent::Advice(format!(
                "{account} {unit}: scanned in the last {n0_minute}, kept",
                n0_minute = crate::domain::words::plural(settings.resume_within_minutes, "minute")
            )));
            self.report.resumed.push((account.clone(), unit));
        }
        self.known_units += scan.len() + usize::from(!buckets_kept);
        let entered = Arc::new(entered);
        if !buckets_kept {
            self.queue.push_front(Job::Buckets {
                account: account.clone(),
                entered: entered.clone(),
            });
        }
        for region in scan.into_iter().rev() {
            self.queue.push_front(Job::Region {
                account: account.clone(),
                entered: entered.clone(),
                region,
            });
        }
        Ok(())
    }

    /// A unit read: the rules judge it and it is written with its findings in one
    /// transaction; what could not be read makes it partial.
    fn judged(&mut self, account: String, found: Found<S::Entered>) -> Result<(), SyncError> {
        let options = self.options;
        let Evaluated {
            unit,
            stored,
            findings,
            unread,
        } = evaluate(
            &account,
            &options.prices,
            &options.settings.thresholds,
            options.now,
            found,
        );
        let changes = self
            .store
            .write_scanned_unit(&account, &unit, &stored, &findings, &unread, self.stamp)?;
        let report = &mut self.report;
        for u in &unread {
            let what = u.resource.as_deref().unwrap_or("every resource");
            report.partial.push((
                account.clone(),
                unit.clone(),
                format!("{} ({what}): {}", u.rule.name(), u.reason),
            ));
        }
        report.units_scanned += 1;
        report.resources += stored.len();
        report.changes.new += changes.new;
        report.changes.still_open += changes.still_open;
        report.changes.closed += changes.closed;
        self.progress.event(&SyncEvent::UnitScanned {
            account,
            unit,
            resources: stored.len(),
            findings: findings.len(),
            done: report.units_scanned + report.not_scanned.len(),
            known: self.known_units,
        });
        Ok(())
    }
}

/// (account, unit) scanned fully within the last `resume_within_minutes` (none when 0).
fn recently_scanned(
    store: &Store,
    options: &ScanOptions,
) -> Result<HashSet<(String, String)>, SyncError> {
    let minutes = options.settings.resume_within_minutes;
    if minutes == 0 {
        return Ok(Default::default());
    }
    let since = options.now - chrono::Duration::minutes(i64::from(minutes));
    Ok(store
        .scan_units()?
        .into_iter()
        .filter(|u| u.status == UnitStatus::Scanned)
        .filter(|u| (since..=options.now).contains(&u.scanned_at.time()))
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

fn record_meter(
    store: &Store,
    account: &str,
    region: Option<&str>,
    meter: &Tally,
    at: Stamp,
) -> Result<(), SyncError> {
    for e in &meter.entries {
        store.record_api_call(&ApiCall {
            at,
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
