//! `costscope sync`: the organization and every month that can still change, from
//! Cost Explorer (or an AWS Data Export's changed billing periods) into the scope's
//! cache, with a progress bar.

use super::output::note;
use super::settings::{explicit_cache, sync_options};
use super::{AppError, AwsFlags, Context};
use crate::config::Paths;
use crate::domain::export::ExportChoice;
use crate::domain::{Money, Stamp};
use crate::jobs;
use crate::store::Store;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    /// Refetch every month, closed ones too
    #[arg(long)]
    pub full: bool,
    /// Stop rather than spend more than this many dollars on Cost Explorer requests
    /// ($0.01 each); default: max_sync_cost in the config, else no cap
    #[arg(long, value_name = "DOLLARS", value_parser = super::parse::dollars)]
    pub max_cost: Option<Money>,
    /// Where the costs come from: Cost Explorer ($0.01 a page), or an AWS Data Export
    /// (CUR 2.0 or FOCUS files in S3; no Cost Explorer request); default: `source` in
    /// the config, else cost-explorer
    #[arg(long, value_enum)]
    pub source: Option<SourceName>,
    /// The export: its S3 location s3://BUCKET/PREFIX/EXPORT-NAME, or its name (found
    /// with the Data Exports API); default: the config's [export] table, else the
    /// account's only CUR 2.0 or FOCUS export
    #[arg(long, value_name = "S3-URI|NAME", value_parser = super::parse::export_choice)]
    pub export: Option<ExportChoice>,
    #[command(flatten)]
    pub aws: AwsFlags,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SourceName {
    CostExplorer,
    Export,
}

/// Syncs, says what it fetched and cost; exit 2 when months were left out.
pub fn run(ctx: &Context, args: SyncArgs) -> Result<(), AppError> {
    let SyncArgs {
        full,
        max_cost,
        source,
        export,
        aws,
    } = args;
    let config = ctx.config()?;
    let mut options = sync_options(&config, ctx.today, Stamp::now());
    options.full = full;
    options.max_cost = max_cost.or(config.max_sync_cost);
    let target = SyncTarget {
        profile: aws.profile,
        region: aws.region,
        cache: explicit_cache(&ctx.cli.cache),
    };
    let from_export = match source {
        Some(source) => source == SourceName::Export,
        None => config.source == crate::config::SyncSource::Export,
    };
    if from_export || export.is_some() {
        let choice = config.export_choice(export);
        return sync_export(
            ctx,
            &target,
            &options,
            &choice,
            config.export.region.as_deref(),
        );
    }
    let (path, report) = sync_now(
        &target,
        ctx.paths.as_ref(),
        &options,
        &config.cost_explorer(),
    )?;
    note!(
        "synced {n0_month}, {} rows, {n0_request} ({}{}) into {}",
        report.rows,
        crate::domain::call_prices::ce_price(u64::from(report.ce_requests)),
        match report.ce_throttles {
            0 => String::new(),
            n => format!(", {n} throttled"),
        },
        path.display(),
        n0_month = crate::domain::words::plural(report.months_written.len(), "month"),
        n0_request = crate::domain::words::plural(report.ce_requests, "Cost Explorer request")
    );
    if report.failures.is_empty() {
        Ok(())
    } else {
        Err(AppError::SyncIncomplete(report.failures.len()))
    }
}

/// `costscope sync --source export`: the export's changed billing periods into the
/// scope's cache; exit 2 when a period could not be read.
fn sync_export(
    ctx: &Context,
    target: &SyncTarget,
    options: &crate::sync::SyncOptions,
    choice: &ExportChoice,
    region: Option<&str>,
) -> Result<(), AppError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (path, (location, report)) = runtime.block_on(async {
        let session = target.session().await?;
        let (identified, path, mut store) =
            open_scope_cache(target, ctx.paths.as_ref(), &session, options.now).await?;
        let mut progress = crate::report::progress::SyncProgress::for_stderr();
        let report = session
            .sync_export(
                &mut store,
                &identified,
                options,
                choice,
                region,
                &mut progress,
            )
            .await;
        progress.finish();
        let report = report?;
        remember(target, ctx.paths.as_ref(), &identified);
        Ok::<_, AppError>((path, report))
    })?;
    use crate::domain::words::plural;
    let mut tables: Vec<&str> = report.tables.iter().map(|(_, t)| *t).collect();
    tables.dedup();
    note!(
        "read {} of s3://{}/{} ({}), {} into {} rows; {} unchanged; {} ({} bytes), {}, no Cost Explorer request, into {}",
        plural(report.written.len(), "billing period"),
        location.bucket,
        location.root,
        if tables.is_empty() { "nothing new".to_string() } else { tables.join(", ") },
        plural(report.lines, "line item"),
        report.rows,
        plural(report.unchanged.len(), "period"),
        plural(report.downloads, "download"),
        report.bytes,
        plural(report.requests, "S3 request"),
        path.display()
    );
    if report.failures.is_empty() {
        Ok(())
    } else {
        for failure in &report.failures {
            note!("{failure}");
        }
        Err(AppError::SyncIncomplete(report.failures.len()))
    }
}

/// Where a headless sync reads from and writes to.
pub(super) struct SyncTarget {
    pub profile: Option<String>,
    pub region: Option<String>,
    /// A cache the user named; otherwise the cache of the signed-in scope.
    pub cache: Option<PathBuf>,
}

/// `costscope sync`: identify, choose the scope's cache, sync with a progress bar on a
/// terminal (plain lines otherwise), and remember the scope for the next `costscope`.
pub(super) fn sync_now(
    target: &SyncTarget,
    paths: Option<&Paths>,
    options: &crate::sync::SyncOptions,
    cost_explorer: &crate::config::CostExplorerSettings,
) -> Result<(PathBuf, crate::sync::SyncReport), AppError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let session = target.session().await?;
        let (identified, path, mut store) =
            open_scope_cache(target, paths, &session, options.now).await?;
        let mut progress = crate::report::progress::SyncProgress::for_stderr();
        let report = session
            .sync(
                &mut store,
                &identified,
                options,
                cost_explorer,
                &mut progress,
            )
            .await;
        progress.finish();
        let report = report?;
        remember(target, paths, &identified);
        Ok((path, report))
    })
}

impl SyncTarget {
    pub(super) async fn session(&self) -> Result<jobs::Session, AppError> {
        Ok(jobs::Session::open(&jobs::Connect::Chain {
            profile: self.profile.clone(),
            region: self.region.clone(),
        })
        .await?)
    }
}

/// Who is signed in, and the cache of that scope (or the one the user named).
pub(super) async fn open_scope_cache(
    target: &SyncTarget,
    paths: Option<&Paths>,
    session: &jobs::Session,
    now: Stamp,
) -> Result<(crate::sync::Identified, PathBuf, Store), AppError> {
    let identified = session.identify(now).await?;
    let path =
        jobs::scope_cache(target.cache.as_ref(), paths, &identified).ok_or(AppError::NoHome)?;
    let store = Store::open(&path)?;
    Ok((identified, path, store))
}

/// The next `costscope` opens this scope's cache.
pub(super) fn remember(
    target: &SyncTarget,
    paths: Option<&Paths>,
    identified: &crate::sync::Identified,
) {
    if let (None, Some(p)) = (&target.cache, paths) {
        if let Err(e) = p.remember_scope(&identified.scope.key()) {
            tracing::warn!(error = %e, "could not remember the last synced scope");
        }
    }
}
