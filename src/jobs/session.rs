//! A signed-in session and the jobs it runs.

use crate::aws::cost_explorer::CostExplorer;
use crate::aws::data_exports::DataExports;
use crate::aws::export_bucket::S3ExportBucket;
use crate::aws::scan_source::AwsInventory;
use crate::aws::{Connect, CostClients};
use crate::config::{CostExplorerSettings, Paths};
use crate::domain::export::{ExportChoice, ExportLocation};
use crate::domain::Stamp;
use crate::store::Store;
use crate::sync::export;
use crate::sync::scan::{run_scan, ScanOptions, ScanReport};
use crate::sync::{self, Identified, Progress, SyncError, SyncOptions, SyncReport};
use std::path::PathBuf;
use std::sync::Arc;

/// Signed in: the SDK configuration of the chosen profile and region, and the
/// directory's clients (STS, Organizations) with the Cost Explorer client beside them.
#[derive(Debug, Clone)]
pub struct Session {
    config: aws_config::SdkConfig,
    clients: CostClients,
}

impl Session {
    /// Loads the credential chain (`--profile`, `--region`, or a ready configuration).
    pub async fn open(connect: &Connect) -> Result<Session, SyncError> {
        Ok(Session::new(connect.config().await?))
    }

    pub fn new(config: aws_config::SdkConfig) -> Session {
        Session {
            clients: CostClients::new(&config),
            config,
        }
    }

    /// A session on clients made elsewhere (tests put stand-ins behind them).
    pub fn with_clients(config: aws_config::SdkConfig, clients: CostClients) -> Session {
        Session { config, clients }
    }

    /// Who is signed in; the scope names the cache.
    pub async fn identify(&self, now: Stamp) -> Result<Identified, SyncError> {
        sync::identify(&self.clients, now).await
    }

    /// The cost sync from Cost Explorer into `store`.
    pub async fn sync(
        &self,
        store: &mut Store,
        identified: &Identified,
        options: &SyncOptions,
        cost_explorer: &CostExplorerSettings,
        progress: &mut dyn Progress,
    ) -> Result<SyncReport, SyncError> {
        let source = CostExplorer::new(self.clients.cost_explorer.clone(), cost_explorer);
        sync::run(store, &self.clients, &source, identified, options, progress).await
    }

    /// The sync from an AWS Data Export's bucket (CUR 2.0 or FOCUS) into `store`: no
    /// Cost Explorer request. A location's bucket is read in `region`, else the
    /// session's; a name (or none) is found through the Data Exports API.
    pub async fn sync_export(
        &self,
        store: &mut Store,
        identified: &Identified,
        options: &SyncOptions,
        choice: &ExportChoice,
        region: Option<&str>,
        progress: &mut dyn Progress,
    ) -> Result<(ExportLocation, crate::sync::export::ExportReport), SyncError> {
        let (location, region) = match choice {
            ExportChoice::Location(location) => {
                let region = region
                    .map(str::to_string)
                    .or_else(|| self.config.region().map(ToString::to_string))
                    .unwrap_or_else(|| "us-east-1".to_string());
                (location.clone(), region)
            }
            ExportChoice::Named(name) => {
                let catalog = DataExports::new(&self.config);
                export::locate(store, &catalog, Some(name), identified, options).await?
            }
            ExportChoice::TheOnlyOne => {
                let catalog = DataExports::new(&self.config);
                export::locate(store, &catalog, None, identified, options).await?
            }
        };
        let bucket = S3ExportBucket::new(&self.config, &region, &location.bucket);
        let report = export::run(
            store,
            &self.clients,
            &bucket,
            &location,
            identified,
            options,
            progress,
        )
        .await?;
        Ok((location, report))
    }

    /// The inventory scan of every account and region into `store`.
    pub async fn scan(
        &self,
        store: &mut Store,
        identified: &Identified,
        options: &ScanOptions,
        progress: &mut dyn Progress,
    ) -> Result<ScanReport, SyncError> {
        let inventory = AwsInventory::new(
            self.config.clone(),
            self.clients.sts.clone(),
            &identified.identity.account_id,
            &options.settings,
            options.now,
        );
        run_scan(
            store,
            &self.clients,
            Arc::new(inventory),
            identified,
            options,
            progress,
        )
        .await
    }
}

/// The cache a job signed in as `identified` writes: the one the user named, else its
/// scope's own file. `None` without either (no home directory).
pub fn scope_cache(
    named: Option<&PathBuf>,
    paths: Option<&Paths>,
    identified: &Identified,
) -> Option<PathBuf> {
    named
        .cloned()
        .or_else(|| paths.map(|p| p.scope_cache_file(&identified.scope.key())))
}
