//! `costscope reconcile`: for each month the cache holds from Cost Explorer and from an
//! export (or an imported file), both sides by account with the variance explained.

use super::output::{note, out};
use super::{AppError, Context};
use crate::domain::reconcile::reconcile;
use crate::domain::Month;
use crate::report::Format;

#[derive(Debug, clap::Args)]
pub struct ReconcileArgs {
    /// One month, YYYY-MM (default: every month both sources hold)
    #[arg(long, value_parser = super::parse::month)]
    pub month: Option<Month>,
    /// Output format; CSV has one row per account and metric, exact amounts
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

pub fn run(ctx: &Context, args: ReconcileArgs) -> Result<(), AppError> {
    let path = ctx.real_cache()?;
    let store = super::settings::open_cache(&path)?;
    let months = reconcile(&store.source_totals(args.month)?);
    if months.is_empty() {
        note!(
            "no month in {} is held by both Cost Explorer and an export: run `costscope sync` (Cost Explorer's totals are kept even where an export is shown; `--full` fetches closed months) and `costscope sync --source export`",
            path.display()
        );
        return Err(AppError::NothingToReconcile);
    }
    out!(
        "{}",
        crate::report::reconcile::render(&months, args.format)?
    );
    Ok(())
}
