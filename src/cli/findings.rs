//! `costscope findings` and `costscope dismiss`: the optimizer's findings from the
//! cache, and keeping one out of the list (or back in).

use super::output::{note, out};
use super::{AppError, Context};
use crate::domain::findings::Rule;
use crate::domain::Stamp;
use crate::report::{self, Format};
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct FindingsArgs {
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Only this rule (idle-ec2, gp2-volume, unattached-volume, old-snapshot,
    /// s3-tiering, idle-rds, unassociated-eip)
    #[arg(long, value_parser = super::parse::rule)]
    pub rule: Option<Rule>,
    /// Only this account: its id or name (a unique piece of the name will do)
    #[arg(long, value_name = "ID|NAME")]
    pub account: Option<String>,
    /// Include dismissed and closed findings
    #[arg(long)]
    pub all: bool,
}

/// Prints the findings with what the scans reached.
pub fn run(ctx: &Context, args: FindingsArgs) -> Result<(), AppError> {
    let FindingsArgs {
        format,
        rule,
        account,
        all,
    } = args;
    let path = ctx.real_cache()?;
    let store = super::settings::open_cache(&path)?;
    let (org, _) = store.organization()?;
    let account = match account {
        Some(query) => Some(org.find_account(&query)?.id.clone()),
        None => None,
    };
    let filter = crate::store::FindingFilter {
        all,
        rule,
        account,
        id: None,
    };
    let findings = store.findings(&filter)?;
    let units = store.scan_units()?;
    out!(
        "{}",
        crate::report::findings::render_findings(
            &findings,
            &units,
            &org,
            format,
            report::DataSource::of(&store)?
        )?
    );
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct DismissArgs {
    /// The finding's id (from `costscope findings`)
    pub id: i64,
    /// Why it is dismissed (kept with the finding)
    #[arg(long, required_unless_present = "restore")]
    pub reason: Option<String>,
    /// Undo an earlier dismissal
    #[arg(long)]
    pub restore: bool,
}

/// Dismisses (or restores) one finding.
pub fn dismiss(ctx: &Context, args: DismissArgs) -> Result<(), AppError> {
    let DismissArgs {
        id,
        reason,
        restore,
    } = args;
    let path = ctx.real_cache()?;
    let store = Store::open_existing(&path)?;
    store.require_writable()?;
    let found = if restore {
        store.restore_finding(id)?
    } else {
        store.dismiss_finding(id, reason.as_deref().unwrap_or_default(), Stamp::now())?
    };
    if !found {
        return Err(AppError::NoSuchFinding(id));
    }
    note!(
        "finding {id} {}",
        if restore { "restored" } else { "dismissed" }
    );
    Ok(())
}
