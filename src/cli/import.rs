//! `costscope import FILE...`: FOCUS files (Parquet, CSV, CSV.gz) from any cloud into the
//! cache, months of any age. Each file is read whole before anything is written.

use super::output::{note, outln};
use super::{AppError, Context};
use crate::domain::{Money, Stamp};
use crate::import::{read_file, write_file};
use crate::store::Store;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// FOCUS 1.0-1.2 files: Parquet, or CSV plain or gzip
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Import the lines that can be read and count the others (otherwise a file with
    /// one bad line imports nothing)
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// Take the file's months even where the cache holds them from another source
    #[arg(long)]
    pub replace: bool,
}

pub fn run(ctx: &Context, args: ImportArgs) -> Result<(), AppError> {
    let path = ctx.real_cache()?;
    let mut store = Store::open(&path)?;
    store.require_writable()?;
    let now = Stamp::now();
    for file in &args.files {
        let from = crate::domain::detail::resource_days_from(ctx.today);
        let read = read_file(file, Some(from))?;
        read.check(args.skip_bad_rows)?;
        let imported = write_file(&mut store, &read, ctx.today, now, args.replace)?;
        let months = match (imported.months.first(), imported.months.last()) {
            (Some(first), Some(last)) if first != last => format!("{first} to {last}"),
            (Some(only), _) => only.to_string(),
            _ => "no months".to_string(),
        };
        let providers: Vec<String> = imported
            .by_provider
            .iter()
            .map(|(provider, billed)| format!("{provider} {}", billed.format_exact()))
            .collect();
        let total: Money = imported.by_provider.values().copied().sum();
        outln!(
            "{}: {} · {months} · billed {} ({})",
            file.display(),
            crate::domain::words::plural(imported.lines, "line"),
            total.format_exact(),
            providers.join(", ")
        );
        if imported.skipped > 0 {
            note!(
                "{}: {} skipped (--skip-bad-rows):\n{}",
                file.display(),
                crate::domain::words::plural(imported.skipped, "line"),
                read.named_bad_lines.join("\n")
            );
        }
    }
    note!("imported into {}", path.display());
    Ok(())
}
