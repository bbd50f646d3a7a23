//! `costscope costs`: one month's costs by account or service, as a table, CSV or JSON.

use super::output::out;
use super::{AppError, Context};
use crate::domain::{DetailMetric, Month};
use crate::report::{self, Format, GroupBy};

#[derive(Debug, clap::Args)]
pub struct CostsArgs {
    /// The month, YYYY-MM (default: last month)
    #[arg(long, value_parser = super::parse::month)]
    pub month: Option<Month>,
    /// Group by account or by service
    #[arg(long, value_enum, default_value = "account")]
    pub by: GroupBy,
    /// Output format; CSV has a header row and one row per account or service
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Cost metric: unblended or amortized (default: metric in the config, else
    /// unblended), or the list or contracted price of months from an export or a FOCUS file
    #[arg(long, value_parser = super::parse::detail_metric)]
    pub metric: Option<DetailMetric>,
}

/// Prints the month's report from the cache.
pub fn run(ctx: &Context, args: CostsArgs) -> Result<(), AppError> {
    let CostsArgs {
        month,
        by,
        format,
        metric,
    } = args;
    let metric = match metric {
        Some(metric) => metric,
        None => DetailMetric::Cost(ctx.config()?.metric),
    };
    let path = ctx.real_cache()?;
    let store = super::settings::open_cache(&path)?;
    let month = month.unwrap_or_else(|| Month::of(ctx.today).offset(-1));
    let report = report::month_report(&store, month, by, metric)?;
    out!("{}", report::render(&report, format)?);
    Ok(())
}
