//! Each resource's daily cost over the last `detail::RESOURCE_DAYS`: written with its
//! month's detail (`write_detail`), pruned as the window moves, read as one resource's
//! series. The table is keyed by the day first (migration 14): the window is a range.

use super::{day_from_sql, day_key, Store, StoreResult};
use crate::domain::{DailyPoint, Metric, Money};
use chrono::NaiveDate;
use rusqlite::{params, Transaction};

/// One resource's days as the cache keys them: each day's unblended and amortized cost.
pub(super) struct KeyedDays<I> {
    pub resource: i64,
    pub account: i64,
    pub service: i64,
    pub days: I,
}

/// Writes the resources' days in the order of their keys: within each day's range of
/// the table the rows then arrive in order, so a month's writing moves forward at one
/// place per day (31 pages kept in the cache), not at random. Taking the days in the
/// table's own order instead (a pass per day over 72,000 resources) cost more in cache
/// misses reading the sums than it saved. `on_conflict` adds a row written twice to the
/// first.
pub(super) fn write<I: Iterator<Item = (NaiveDate, i64, i64)>>(
    tx: &Transaction<'_>,
    mut resources: Vec<KeyedDays<I>>,
    on_conflict: &str,
) -> rusqlite::Result<()> {
    let mut insert = tx.prepare_cached(&format!(
        "INSERT INTO cost_resource_daily (day, resource, account, service, unblended,
            amortized)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) {on_conflict}"
    ))?;
    resources.sort_unstable_by_key(|r| (r.resource, r.account, r.service));
    for r in resources {
        for (day, unblended, amortized) in r.days {
            insert.execute(params![
                day_key(day),
                r.resource,
                r.account,
                r.service,
                unblended,
                amortized
            ])?;
        }
    }
    Ok(())
}

impl Store {
    /// Forgets the resource days before `from`: past the window, their monthly sums are
    /// what the cache keeps.
    pub fn prune_resource_days(&self, from: NaiveDate) -> StoreResult<()> {
        self.conn
            .execute(
                "DELETE FROM cost_resource_daily WHERE day < ?1",
                [day_key(from)],
            )
            .map(|_| ())
            .map_err(|e| self.sql_err(e))
    }

    /// The first and last day the cache holds resource days for (None: none held).
    pub fn resource_days_span(&self) -> StoreResult<Option<(NaiveDate, NaiveDate)>> {
        let span: (Option<i64>, Option<i64>) = self
            .conn
            .query_row(
                "SELECT MIN(day), MAX(day) FROM cost_resource_daily",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| self.sql_err(e))?;
        match span {
            (Some(first), Some(last)) => {
                let day = |key| day_from_sql(key).map_err(|e| self.sql_err(e));
                Ok(Some((day(first)?, day(last)?)))
            }
            _ => Ok(None),
        }
    }

    /// One resource's (a `dims` key) days, oldest first, summed over the accounts and
    /// services it was billed in; a day it was not billed has no point. One seek per day
    /// of the window the cache holds (the days come first in the table's key).
    pub fn resource_days(&self, resource: i64, metric: Metric) -> StoreResult<Vec<DailyPoint>> {
        let sql = series_sql(metric);
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .map_err(|e| self.sql_err(e))?;
        stmt.query_map([resource], |r| {
            Ok(DailyPoint {
                day: day_from_sql(r.get(0)?)?,
                amount: Money::from_nanos(r.get(1)?),
            })
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(|e| self.sql_err(e))
    }
}

/// One resource's days (`?1`): a seek per day from the first day held to the last.
fn series_sql(metric: Metric) -> String {
    format!(
        "WITH RECURSIVE window (day) AS (
             SELECT MIN(day) FROM cost_resource_daily
             UNION ALL
             SELECT day + 1 FROM window
             WHERE day < (SELECT MAX(day) FROM cost_resource_daily)
         )
         SELECT w.day, SUM(r.{}) FROM window w
         CROSS JOIN cost_resource_daily r ON r.day = w.day AND r.resource = ?1
         GROUP BY w.day ORDER BY w.day",
        super::query::column(metric)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resources_series_seeks_each_day_of_the_window() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
        let plan = store.query_plan(&series_sql(crate::domain::Metric::Unblended), [7]);
        assert!(
            plan.iter()
                .any(|p| p.contains("SEARCH r USING PRIMARY KEY (day=? AND resource=?)")),
            "{plan:?}"
        );
        assert!(!plan.iter().any(|p| p.starts_with("SCAN r")), "{plan:?}");
    }
}
