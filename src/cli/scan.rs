//! `costscope scan`: every account and region into the scope's cache, then what it
//! found, what it could not read, and what it kept from a scan moments before.

use super::output::note;
use super::settings::{explicit_cache, price_table};
use super::sync::{open_scope_cache, remember, SyncTarget};
use super::{AppError, AwsFlags, Context};
use crate::config::Paths;
use crate::domain::Stamp;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Only this account: its id, or its name in the cached organization (repeatable;
    /// default: [scan] accounts, else every account)
    #[arg(long = "account", value_name = "ID|NAME")]
    pub accounts: Vec<String>,
    /// Only these regions, comma-separated (default: [scan] regions, else every
    /// enabled region)
    #[arg(long, value_name = "REGION,...", value_delimiter = ',')]
    pub regions: Vec<String>,
    /// Role to assume in the other accounts (default: [scan] role_name, else
    /// OrganizationAccountAccessRole)
    #[arg(long, value_name = "NAME")]
    pub role: Option<String>,
    /// Account-regions scanned at the same time (default: [scan] concurrency, 8)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=64))]
    pub concurrency: Option<u32>,
    /// Rescan everything, also what a scan covered in the last
    /// [scan] resume_within_minutes (60)
    #[arg(long)]
    pub full: bool,
    #[command(flatten)]
    pub aws: AwsFlags,
}

/// Scans and reports; exit 3 when some units were not scanned or read in part.
pub fn run(ctx: &Context, args: ScanArgs) -> Result<(), AppError> {
    let ScanArgs {
        accounts,
        regions,
        role,
        concurrency,
        full,
        aws,
    } = args;
    let config = ctx.config()?;
    let prices = price_table(ctx.paths.as_ref())?;
    let mut settings = config.scan.clone();
    if !accounts.is_empty() {
        settings.accounts = account_ids(ctx, accounts)?;
    }
    if !regions.is_empty() {
        settings.regions = regions;
    }
    if let Some(role) = role {
        settings.role_name = role;
    }
    if let Some(n) = concurrency {
        settings.concurrency = n;
    }
    if full {
        settings.resume_within_minutes = 0;
    }
    let target = SyncTarget {
        profile: aws.profile,
        region: aws.region,
        cache: explicit_cache(&ctx.cli.cache),
    };
    let settings_resume = settings.resume_within_minutes;
    let (path, report) = scan_now(&target, ctx.paths.as_ref(), settings, prices)?;
    let c = &report.changes;
    note!("scanned {n0_unit} of {n1_account}: {n2_resource}; findings: {} new, {} still open, {} closed; {n0_request} for {n3_metric} ({}){} -> {}", c.new, c.still_open, c.closed, crate::domain::call_prices::cloudwatch_price(u64::from(report.meter.metrics())), match report.meter.throttled() {
            0 => String::new(),
            n => format!("; {n0_request} throttled and retried", n0_request = crate::domain::words::plural(n, "request")),
        }, path.display(), n0_unit = crate::domain::words::plural(report.units_scanned, "unit"), n1_account = crate::domain::words::plural(report.accounts, "account"), n2_resource = crate::domain::words::plural(report.resources, "resource"), n3_metric = crate::domain::words::plural(report.meter.metrics(), "metric"), n0_request = crate::domain::words::plural(report.meter.requests("cloudwatch"), "CloudWatch request"));
    for (account, unit, reason) in &report.not_scanned {
        note!("  not scanned: {account} {unit}: {reason}");
    }
    for (account, unit, what) in &report.partial {
        note!("  partial: {account} {unit}: {what}");
    }
    if !report.resumed.is_empty() {
        note!(
            "kept {n0_unit} an earlier scan covered in the last {n1_minute} (--full rescans them)",
            n0_unit = crate::domain::words::plural(report.resumed.len(), "unit"),
            n1_minute = crate::domain::words::plural(settings_resume, "minute")
        );
    }
    note!("see them with `costscope findings` or in the TUI (`:findings`)");
    let incomplete = report.not_scanned.len() + report.partial.len();
    if incomplete == 0 {
        Ok(())
    } else {
        Err(AppError::ScanIncomplete(incomplete))
    }
}

/// Account ids as given, names looked up in the cached organization.
fn account_ids(ctx: &Context, given: Vec<String>) -> Result<Vec<String>, AppError> {
    let is_id = |a: &String| crate::domain::org::is_account_id(a);
    if given.iter().all(is_id) {
        return Ok(given);
    }
    let store = crate::store::Store::open_existing(&ctx.real_cache()?)?;
    let (org, _) = store.organization()?;
    given
        .into_iter()
        .map(|a| match is_id(&a) {
            true => Ok(a),
            false => Ok(org.find_account(&a)?.id.clone()),
        })
        .collect()
}

/// `costscope scan`: identify, open the scope's cache, scan with progress lines.
pub(super) fn scan_now(
    target: &SyncTarget,
    paths: Option<&Paths>,
    settings: crate::config::ScanSettings,
    prices: crate::domain::prices::PriceTable,
) -> Result<(PathBuf, crate::sync::scan::ScanReport), AppError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let now = chrono::Utc::now();
    runtime.block_on(async {
        let session = target.session().await?;
        let (identified, path, mut store) =
            open_scope_cache(target, paths, &session, Stamp::from(now)).await?;
        let options = crate::sync::scan::ScanOptions {
            settings,
            prices,
            now,
        };
        let mut progress = |event: &crate::sync::SyncEvent| note!("{event}");
        let report = session
            .scan(&mut store, &identified, &options, &mut progress)
            .await?;
        remember(target, paths, &identified);
        Ok((path, report))
    })
}
