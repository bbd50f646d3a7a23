//! The background jobs the TUI can start against AWS: the cost sync (`r`) and the
//! inventory scan (`S`, `:scan`). Each opens its own connection to the cache (SQLite in
//! WAL mode lets the views keep reading) and reports with actions; `jobs` does the rest.

use super::action::{Action, ScanOutcome, SyncOutcome};
use super::runner::{job, BackgroundJob, Reporter};
use crate::config::{CostExplorerSettings, ScanSettings};
use crate::domain::export::ExportChoice;
use crate::domain::prices::PriceTable;
use crate::domain::Stamp;
use crate::jobs::Session;
use crate::store::Store;
use crate::sync::scan::ScanOptions;
use crate::sync::{SyncError, SyncEvent, SyncOptions};
use std::path::PathBuf;

pub use crate::jobs::Connect;

/// What can run the TUI's background jobs: AWS, or a stand-in in tests.
pub trait JobLauncher: Send {
    /// A sync into the open cache.
    fn sync(&self) -> BackgroundJob;
    /// A scan into the open cache.
    fn scan(&self) -> BackgroundJob;
    /// The accounts and regions a scan is limited to (empty: all), for its estimate.
    fn scan_limits(&self) -> (Vec<String>, Vec<String>) {
        (Vec::new(), Vec::new())
    }
    /// The export the sync reads instead of Cost Explorer, as the dialog names it.
    fn sync_export(&self) -> Option<String> {
        None
    }
}

/// The sync reads an AWS Data Export, not Cost Explorer (`source = "export"`).
#[derive(Debug, Clone)]
pub struct ExportSync {
    pub choice: ExportChoice,
    /// The bucket's region (default: the session's).
    pub region: Option<String>,
}

/// The real jobs: AWS into the cache file the TUI has open.
#[derive(Debug, Clone)]
pub struct AwsJobs {
    pub cache: PathBuf,
    pub connect: Connect,
    /// Settings for every sync; `now` is set when a run starts.
    pub options: SyncOptions,
    pub cost_explorer: CostExplorerSettings,
    /// When set, `r` syncs from this export and sends no Cost Explorer request.
    pub export: Option<ExportSync>,
    pub scan: ScanSettings,
    pub prices: PriceTable,
}

impl JobLauncher for AwsJobs {
    fn sync(&self) -> BackgroundJob {
        let jobs = self.clone();
        job(move |reporter| async move { Action::SyncFinished(jobs.run_sync(&reporter).await) })
    }

    fn scan(&self) -> BackgroundJob {
        let jobs = self.clone();
        job(move |reporter| async move { Action::ScanFinished(jobs.run_scan(&reporter).await) })
    }

    fn scan_limits(&self) -> (Vec<String>, Vec<String>) {
        (self.scan.accounts.clone(), self.scan.regions.clone())
    }

    fn sync_export(&self) -> Option<String> {
        self.export.as_ref().map(|e| e.choice.to_string())
    }
}

impl AwsJobs {
    async fn run_sync(self, reporter: &Reporter) -> SyncOutcome {
        let mut options = self.options;
        options.now = Stamp::now();
        let result = async {
            let session = Session::open(&self.connect).await?;
            let identified = session.identify(options.now).await?;
            let mut store = Store::open(&self.cache)?;
            let mut progress =
                |event: &SyncEvent| reporter.send(Action::SyncProgress(event.clone()));
            let done = match &self.export {
                Some(export) => {
                    let (_, report) = session
                        .sync_export(
                            &mut store,
                            &identified,
                            &options,
                            &export.choice,
                            export.region.as_deref(),
                            &mut progress,
                        )
                        .await?;
                    SyncOutcome::Done {
                        months: report.written.len(),
                        rows: report.rows,
                        requests: 0,
                        s3_requests: Some(report.requests),
                        failures: report.failures.len(),
                    }
                }
                None => {
                    let report = session
                        .sync(
                            &mut store,
                            &identified,
                            &options,
                            &self.cost_explorer,
                            &mut progress,
                        )
                        .await?;
                    SyncOutcome::Done {
                        months: report.months_written.len(),
                        rows: report.rows,
                        requests: report.ce_requests,
                        s3_requests: None,
                        failures: report.failures.len(),
                    }
                }
            };
            Ok::<_, SyncError>(done)
        }
        .await;
        match result {
            Ok(done) => done,
            Err(e) => SyncOutcome::Failed {
                offline: e.is_offline(),
                message: e.to_string(),
            },
        }
    }

    async fn run_scan(self, reporter: &Reporter) -> ScanOutcome {
        let now = chrono::Utc::now();
        let options = ScanOptions {
            settings: self.scan,
            prices: self.prices,
            now,
        };
        let result: Result<_, SyncError> = async {
            let session = Session::open(&self.connect).await?;
            let identified = session.identify(Stamp::from(now)).await?;
            let mut store = Store::open(&self.cache)?;
            let mut progress =
                |event: &SyncEvent| reporter.send(Action::ScanProgress(event.clone()));
            session
                .scan(&mut store, &identified, &options, &mut progress)
                .await
        }
        .await;
        match result {
            Ok(report) => ScanOutcome::Done {
                units: report.units_scanned,
                not_scanned: report.not_scanned.len(),
                partial: report.partial.len(),
                new_findings: report.changes.new,
                closed: report.changes.closed,
                metrics: u64::from(report.meter.metrics()),
            },
            Err(e) => ScanOutcome::Failed {
                offline: e.is_offline(),
                message: e.to_string(),
            },
        }
    }
}

/// What the TUI applies plans with.
#[derive(Debug, Clone)]
pub struct ApplyLauncher {
    pub applier: crate::jobs::Applier,
    pub cache: PathBuf,
    pub access: crate::remediate::Access,
    pub plan_options: crate::domain::remediation::PlanOptions,
    pub policy: crate::domain::remediation::ConfirmPolicy,
    pub stop_on_error: bool,
}
