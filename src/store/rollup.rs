//! Organization-wide sums of the detail, kept per month beside it: the lists a user
//! opens first (`:regions`, `:usage`, `:tags`, a tag's values, one region's or one
//! charge type's services) read a few hundred rows here instead of summing every
//! account's detail rows of every month. Rebuilt from the detail tables in the
//! transaction that writes a month, so a rollup always equals the sum it stands for.

use super::detail_tables::{column, price_sum, RowAmounts, Table, TAGS, USAGE};
use crate::domain::dimension::Dimension;
use crate::domain::Month;
use rusqlite::{Connection, Transaction};
use rustc_hash::FxHashMap;

/// One kept sum: the cost by `by` under `within` (none: the whole organization; one
/// dimension: its key; a tag key then a tag value: the value under its key).
pub(super) struct Rollup {
    pub within: &'static [Dimension],
    pub by: Dimension,
    pub table: &'static Table,
}

const fn rollup(within: &'static [Dimension], by: Dimension, table: &'static Table) -> Rollup {
    Rollup { within, by, table }
}

use Dimension::{
    Account, Charge, Operation, Pricing, Region, Service, TagKey, TagValue, UsageType,
};

/// The sums kept. Resources are not rolled up: a resource sits in one account and
/// service, so an organization's resource list is as long as the detail it comes from.
pub(super) const ROLLUPS: &[Rollup] = &[
    rollup(&[], Account, &USAGE),
    rollup(&[], Service, &USAGE),
    rollup(&[], Region, &USAGE),
    rollup(&[], UsageType, &USAGE),
    rollup(&[], Operation, &USAGE),
    rollup(&[], Charge, &USAGE),
    rollup(&[], Pricing, &USAGE),
    rollup(&[Region], Account, &USAGE),
    rollup(&[Region], Service, &USAGE),
    rollup(&[Region], UsageType, &USAGE),
    rollup(&[Region], Operation, &USAGE),
    rollup(&[Region], Charge, &USAGE),
    rollup(&[Region], Pricing, &USAGE),
    rollup(&[Charge], Account, &USAGE),
    rollup(&[Charge], Service, &USAGE),
    rollup(&[Charge], Region, &USAGE),
    rollup(&[Charge], UsageType, &USAGE),
    rollup(&[Charge], Operation, &USAGE),
    rollup(&[Charge], Pricing, &USAGE),
    rollup(&[], TagKey, &TAGS),
    rollup(&[TagKey], TagValue, &TAGS),
    rollup(&[TagKey, TagValue], Service, &TAGS),
    rollup(&[TagKey, TagValue], Account, &TAGS),
];

/// The kept sum that answers `by` under exactly the dimensions `fixed`, with the
/// (within key, within parent) the filter's keys give it.
pub(super) fn find(
    fixed: &[(Dimension, i64)],
    by: Dimension,
) -> Option<(&'static Rollup, i64, i64)> {
    let r = ROLLUPS.iter().find(|r| {
        r.by == by
            && r.within.len() == fixed.len()
            && r.within.iter().zip(fixed).all(|(w, (d, _))| w == d)
    })?;
    let (key, parent) = match fixed {
        [] => (0, 0),
        [(_, key)] => (*key, 0),
        [(_, parent), (_, key), ..] => (*key, *parent),
    };
    Some((r, key, parent))
}

/// The name a rollup's `within` is stored under: its innermost dimension's column.
pub(super) fn within_name(r: &Rollup) -> &'static str {
    r.within.last().map_or("", |d| column(*d))
}

/// The SELECT that sums a rollup's rows, every month's, from its detail table.
fn summed(r: &Rollup) -> String {
    let key = r.within.last().map_or("0", |d| column(*d));
    let parent = match r.within {
        [parent, _] => column(*parent),
        _ => "0",
    };
    let by = column(r.by);
    let group: Vec<&str> = ["month"]
        .into_iter()
        .chain(r.within.iter().map(|d| column(*d)))
        .chain([by])
        .collect();
    format!(
        "SELECT '{within}', {key}, {parent}, '{by}', month, {by}, SUM(unblended), SUM(amortized),
            {list}, {contracted}
         FROM {table}
         GROUP BY {group}",
        list = price_sum(r.table, "list"),
        contracted = price_sum(r.table, "contracted"),
        within = within_name(r),
        table = r.table.name,
        group = group.join(", "),
    )
}

/// A month's rollups summed while its detail rows are written: the same sums as
/// `rebuild_all` (the integrity check compares them), without sorting the month again.
#[derive(Default)]
pub(super) struct MonthSums {
    sums: FxHashMap<(usize, i64, i64, i64), RowAmounts>,
}

impl MonthSums {
    /// Adds one detail row of `table`, whose key in each dimension `key` gives.
    pub(super) fn add(
        &mut self,
        table: &Table,
        key: impl Fn(Dimension) -> i64,
        amounts: RowAmounts,
    ) {
        for (i, r) in ROLLUPS.iter().enumerate() {
            if r.table.name != table.name {
                continue;
            }
            let (within, parent) = match r.within {
                [] => (0, 0),
                [only] => (key(*only), 0),
                [parent, inner, ..] => (key(*inner), key(*parent)),
            };
            self.sums
                .entry((i, within, parent, key(r.by)))
                .and_modify(|sum| sum.add(amounts))
                .or_insert(amounts);
        }
    }

    /// Replaces `month`'s rollups with these sums.
    pub(super) fn write(self, tx: &Transaction<'_>, month: Month) -> rusqlite::Result<()> {
        let m = i64::from(month.index());
        tx.execute("DELETE FROM cost_rollup_monthly WHERE month = ?1", [m])?;
        let mut insert = tx.prepare_cached(
            "INSERT INTO cost_rollup_monthly (within, within_key, within_parent, by_dim, month,
                key, unblended, amortized, list, contracted)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        for ((i, within, parent, key), sum) in self.sums {
            let r = &ROLLUPS[i];
            insert.execute(rusqlite::params![
                within_name(r),
                within,
                parent,
                column(r.by),
                m,
                key,
                sum.unblended,
                sum.amortized,
                sum.list,
                sum.contracted
            ])?;
        }
        Ok(())
    }
}

/// Fills every month's rollups from the detail already cached (a migrated cache).
pub(super) fn rebuild_all(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute("DELETE FROM cost_rollup_monthly", [])?;
    for r in ROLLUPS {
        let sql = format!(
            "INSERT INTO cost_rollup_monthly (within, within_key, within_parent, by_dim, month,
                key, unblended, amortized, list, contracted) {}",
            summed(r)
        );
        tx.execute(&sql, [])?;
    }
    Ok(())
}

/// The rollups that differ from a fresh sum of their detail, each with how many rows
/// differ (for `costscope check`).
pub(super) fn disagreements(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut found = Vec::new();
    for r in ROLLUPS {
        let kept = format!(
            "SELECT within, within_key, within_parent, by_dim, month, key, unblended, amortized,
                list, contracted
             FROM cost_rollup_monthly WHERE within = '{}' AND by_dim = '{}'",
            within_name(r),
            column(r.by)
        );
        let fresh = summed(r);
        let differing: i64 = conn.query_row(
            &format!(
                "SELECT (SELECT COUNT(*) FROM ({kept} EXCEPT {fresh}))
                      + (SELECT COUNT(*) FROM ({fresh} EXCEPT {kept}))"
            ),
            [],
            |row| row.get(0),
        )?;
        if differing > 0 {
            let within = match r.within.last() {
                Some(d) => format!(" within each {}", d.label()),
                None => String::new(),
            };
            found.push(format!(
                "the sums by {}{within} differ from the detail they sum in {differing} rows",
                r.by.label()
            ));
        }
    }
    Ok(found)
}
