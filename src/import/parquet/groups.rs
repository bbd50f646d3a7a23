//! The row groups of a file shared between one thread per core, each thread reading a
//! run of consecutive groups with the column reader (`columns`) into a share of its
//! own, the shares merged in the file's order.

use super::columns::{Column, FieldPlan, BATCH};
use super::{unreadable, Opened};
use crate::domain::focus::LineTotals;
use crate::domain::line_table::LineTable;
use crate::import::{ImportError, ReadFile, NAMED_BAD_LINES};
use chrono::NaiveDate;
use parquet::errors::ParquetError;
use parquet::file::reader::{FileReader, SerializedFileReader};
use std::fs::File;
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// A run of row groups' share of the file: its sums and its rows that could not be read (all
/// counted, the first few kept with their numbers in the file).
#[derive(Default)]
struct Share {
    totals: LineTotals,
    bad: u64,
    named: Vec<(u64, String)>,
}

/// Reads the row groups on as many threads as there are cores (at most one per group),
/// each thread a run of consecutive groups into one share, the shares merged in the
/// runs' order: what a name's first line decides (a resource's region, an account's
/// name) is then decided as the row reader decides it. A share per group instead cost a
/// merge of every resource per group (a group of hourly lines holds most of them).
/// Each thread has its own handle on the file: the parquet crate reads a `File`
/// through clones that share one offset, so one handle cannot serve two threads.
pub(super) fn read(
    path: &Path,
    opened: &Opened,
    plan: &[FieldPlan],
    resource_days_from: Option<NaiveDate>,
) -> Result<ReadFile, ImportError> {
    let groups = opened.reader.metadata().row_groups();
    // Each group's first row, counted from 0 across the file.
    let firsts: Vec<u64> = groups
        .iter()
        .scan(0u64, |rows, group| {
            let first = *rows;
            *rows += u64::try_from(group.num_rows()).unwrap_or(0);
            Some(first)
        })
        .collect();
    let table = &opened.table;
    let refused = AtomicBool::new(false);
    let work = |reader: &SerializedFileReader<File>, run: Range<usize>| {
        let mut share = Share {
            totals: LineTotals::keeping_resource_days_from(resource_days_from),
            ..Share::default()
        };
        for group in run {
            // Another run was refused: the file is, so this one stops.
            if refused.load(Ordering::Relaxed) {
                break;
            }
            if let Err(e) = read_group(path, reader, group, firsts[group], plan, table, &mut share)
            {
                refused.store(true, Ordering::Relaxed);
                return Err(e);
            }
        }
        Ok(share)
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(firsts.len())
        .max(1);
    let runs = runs(firsts.len(), threads);
    let shares: Vec<Result<Share, ImportError>> = std::thread::scope(|scope| {
        let others: Vec<_> = runs[1..]
            .iter()
            .map(|run| scope.spawn(|| work(&super::open_reader(path)?, run.clone())))
            .collect();
        let mut shares = vec![work(&opened.reader, runs[0].clone())];
        for other in others {
            shares.push(
                other
                    .join()
                    .unwrap_or_else(|_| Err(unreadable(path, "a reader thread failed"))),
            );
        }
        shares
    });
    let mut merged = Share::default();
    for share in shares {
        merged.absorb(share?);
    }
    let mut read = ReadFile::new(path, "row", resource_days_from);
    read.table = table.name();
    read.totals = merged.totals;
    for (row, message) in merged.named {
        read.reject(row, message);
    }
    read.bad_lines = merged.bad;
    Ok(read)
}

/// `groups` split into `threads` runs of consecutive groups, as even as they divide
/// (the first runs one longer); at least one run, maybe empty.
fn runs(groups: usize, threads: usize) -> Vec<Range<usize>> {
    let threads = threads.max(1);
    let (each, longer) = (groups / threads, groups % threads);
    let mut start = 0;
    (0..threads)
        .map(|t| {
            let run = start..start + each + usize::from(t < longer);
            start = run.end;
            run
        })
        .collect()
}

impl Share {
    /// Adds the share of the run after this one's.
    fn absorb(&mut self, next: Share) {
        self.totals.absorb(next.totals);
        self.bad += next.bad;
        self.named.extend(next.named);
        self.named.truncate(NAMED_BAD_LINES);
    }
}

/// Reads one row group into `share`; its rows are numbered from `first` + 1.
fn read_group(
    path: &Path,
    reader: &SerializedFileReader<File>,
    group: usize,
    first: u64,
    plan: &[FieldPlan],
    table: &LineTable,
    share: &mut Share,
) -> Result<(), ImportError> {
    let bad = |e: ParquetError| unreadable(path, e);
    let group = reader.get_row_group(group).map_err(bad)?;
    let mut columns = plan
        .iter()
        .map(|p| Column::open(&*group, p))
        .collect::<Result<Vec<Column>, ParquetError>>()
        .map_err(bad)?;
    let mut number = first;
    loop {
        let mut records = None;
        for column in &mut columns {
            let got = column.fill(BATCH).map_err(bad)?;
            if *records.get_or_insert(got) != got {
                return Err(unreadable(
                    path,
                    "its columns hold different numbers of rows",
                ));
            }
        }
        let records = records.unwrap_or(0);
        if records == 0 {
            return Ok(());
        }
        for _ in 0..records {
            for column in &mut columns {
                column.advance().map_err(|e| unreadable(path, e))?;
            }
            number += 1;
            match table.read_line(|i| columns.get(i).map_or("", Column::text)) {
                Ok(item) => share.totals.add(&item),
                Err(message) => {
                    share.bad += 1;
                    if share.named.len() < NAMED_BAD_LINES {
                        share.named.push((number, message));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::runs;

    // One run is a one-range list here, not a list of the range's numbers.
    #[allow(clippy::single_range_in_vec_init)]
    #[test]
    fn runs_cover_every_group_once_in_order_as_evenly_as_they_divide() {
        assert_eq!(runs(23, 2), [0..12, 12..23]);
        assert_eq!(runs(7, 3), [0..3, 3..5, 5..7]);
        assert_eq!(runs(1, 1), [0..1]);
        assert_eq!(runs(0, 1), [0..0]);
        assert_eq!(runs(4, 0), [0..4], "never no run");
    }
}
