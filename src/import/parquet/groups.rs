//! The row groups of a file shared between one thread per core, each group read by
//! the column reader (`columns`) into a share of its own, the shares merged in the
//! file's order.

use super::columns::{Column, FieldPlan, BATCH};
use super::{unreadable, Opened};
use crate::domain::focus::LineTotals;
use crate::domain::line_table::LineTable;
use crate::import::{ImportError, ReadFile, NAMED_BAD_LINES};
use chrono::NaiveDate;
use parquet::errors::ParquetError;
use parquet::file::reader::{FileReader, SerializedFileReader};
use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// A row group's share of the file: its sums and its rows that could not be read (all
/// counted, the first few kept with their numbers in the file).
#[derive(Default)]
struct Share {
    totals: LineTotals,
    bad: u64,
    named: Vec<(u64, String)>,
}

/// Reads the row groups on as many threads as there are cores (at most one per group),
/// each with its own handle on the file: the parquet crate reads a `File` through
/// clones that share one offset, so one handle cannot serve two threads.
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
    let next = AtomicUsize::new(0);
    let table = &opened.table;
    let in_order = Mutex::new(InOrder::default());
    let work = |reader: &SerializedFileReader<File>| -> Result<(), ImportError> {
        loop {
            let group = next.fetch_add(1, Ordering::Relaxed);
            let Some(&first) = firsts.get(group) else {
                return Ok(());
            };
            let mut share = Share {
                totals: LineTotals::keeping_resource_days_from(resource_days_from),
                ..Share::default()
            };
            if let Err(e) = read_group(path, reader, group, first, plan, table, &mut share) {
                // The file is refused: the other readers stop at their next group.
                next.store(firsts.len(), Ordering::Relaxed);
                return Err(e);
            }
            in_order
                .lock()
                .map_err(|_| unreadable(path, "a reader thread failed"))?
                .add(group, share);
        }
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(firsts.len());
    let outcomes: Vec<Result<(), ImportError>> = std::thread::scope(|scope| {
        let others: Vec<_> = (1..threads)
            .map(|_| scope.spawn(|| work(&super::open_reader(path)?)))
            .collect();
        let mut outcomes = vec![work(&opened.reader)];
        for other in others {
            outcomes.push(
                other
                    .join()
                    .unwrap_or_else(|_| Err(unreadable(path, "a reader thread failed"))),
            );
        }
        outcomes
    });
    outcomes
        .into_iter()
        .collect::<Result<Vec<()>, ImportError>>()?;
    let merged = in_order
        .into_inner()
        .map_err(|_| unreadable(path, "a reader thread failed"))?
        .merged;
    let mut read = ReadFile::new(path, "row", resource_days_from);
    read.table = table.name();
    read.totals = merged.totals;
    for (row, message) in merged.named {
        read.reject(row, message);
    }
    read.bad_lines = merged.bad;
    Ok(read)
}

/// The row groups' shares, merged in the groups' order as they come: what a name's
/// first line decides (a resource's region, an account's name) is then decided as the
/// row reader decides it, and only the groups read ahead of a slower one wait.
#[derive(Default)]
struct InOrder {
    next: usize,
    waiting: BTreeMap<usize, Share>,
    merged: Share,
}

impl InOrder {
    fn add(&mut self, group: usize, share: Share) {
        self.waiting.insert(group, share);
        while let Some(share) = self.waiting.remove(&self.next) {
            self.merged.absorb(share);
            self.next += 1;
        }
    }
}

impl Share {
    /// Adds the share of the group after this one's.
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
