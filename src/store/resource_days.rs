//! Each resource's daily cost over the last `detail::RESOURCE_DAYS`: written with its
//! month's detail (`write_detail`), pruned as the window moves, read as one resource's
//! series.

use super::{day_from_sql, day_key, Store, StoreResult};
use crate::domain::{DailyPoint, Metric, Money};
use chrono::NaiveDate;

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
    /// services it was billed in; a day it was not billed has no point.
    pub fn resource_days(&self, resource: i64, metric: Metric) -> StoreResult<Vec<DailyPoint>> {
        let sql = format!(
            "SELECT day, SUM({}) FROM cost_resource_daily WHERE resource = ?1
             GROUP BY day ORDER BY day",
            super::query::column(metric)
        );
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
