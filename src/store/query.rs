//! View queries. Whole months are read from monthly rollups and loose days from daily
//! rollups, so a query touches at most a few thousand rows at 500 accounts.

use super::{
    day_from_sql, day_key, month_from_sql, AccountKey, CacheKind, ServiceKey, Store, StoreResult,
};
use crate::domain::coverage::{coverage, Coverage};
use crate::domain::fees::Fee;
use crate::domain::{
    Account, AccountStatus, DailyPoint, DateRange, Metric, Money, Month, OrgUnit, Organization,
    Stamp,
};
use chrono::NaiveDate;
use rusqlite::{params_from_iter, OptionalExtension};
use std::collections::HashMap;

/// Which rows a grouped total is over, and what it groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every account, one total each.
    Accounts,
    /// Every service, one total each.
    Services,
    /// One account's services.
    ServicesOfAccount(AccountKey),
    /// One service's accounts.
    AccountsOfService(ServiceKey),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthInfo {
    pub month: Month,
    pub fetched_at: Stamp,
    pub is_final: bool,
    /// Whether its once-a-month charges were read apart (months synced before were not).
    pub fees_known: bool,
    /// Whether a line-item source gave its region, usage type, resources and tags.
    pub detail_known: bool,
    /// Where it came from: "cost-explorer", "demo", "focus-file".
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheSummary {
    pub kind: Option<CacheKind>,
    pub months: Vec<MonthInfo>,
    /// The last day that has cost data.
    pub data_as_of: Option<NaiveDate>,
}

impl CacheSummary {
    /// What the cache knows of `range`: every month it touches cached, and data that
    /// reaches into it (missing data is unknown, not $0).
    pub fn coverage(&self, range: DateRange) -> Coverage {
        let months: Vec<Month> = self.months.iter().map(|i| i.month).collect();
        coverage(range, &months, self.data_as_of)
    }

    /// Whether a total over `range` is known.
    pub fn covers(&self, range: DateRange) -> bool {
        self.coverage(range).is_known()
    }

    /// The cached months `range` covers in part whose once-a-month charges are not
    /// known: a comparison over `range` cannot spread them.
    pub fn fees_unknown(&self, range: DateRange) -> Vec<Month> {
        crate::domain::fees::partly_covered(range)
            .into_iter()
            .filter(|m| {
                self.months
                    .iter()
                    .any(|info| info.month == *m && !info.fees_known)
            })
            .collect()
    }
}

pub(super) fn column(metric: Metric) -> &'static str {
    match metric {
        Metric::Unblended => "unblended",
        Metric::Amortized => "amortized",
    }
}

/// SQL for the whole-month part and the loose-day part of a grouped total. `{m}` is the
/// metric column; in the monthly SQL ?1 and ?2 bound the months; ?3 is the scope's key,
/// if any. Loose days use month-to-date running sums. Org-wide: ?2 is the last day, ?1
/// the day before the first (or a day with no rows when the range starts on the 1st).
/// Per scope: `{terms}` is one column per loose range, read from each run's latest row on
/// or before a day (parameters from ?4).
fn scope_sql(scope: Scope) -> (&'static str, &'static str) {
    match scope {
        Scope::Accounts => (
            "SELECT account, SUM({m}) FROM cost_monthly_account
             WHERE month BETWEEN ?1 AND ?2 GROUP BY account",
            "SELECT account, SUM(CASE WHEN day = ?2 THEN mtd_{m} ELSE -mtd_{m} END)
             FROM cost_daily_account INDEXED BY cost_daily_account_by_day
             WHERE day IN (?1, ?2) GROUP BY account",
        ),
        Scope::Services => (
            "SELECT service, SUM({m}) FROM cost_monthly_service
             WHERE month BETWEEN ?1 AND ?2 GROUP BY service",
            "SELECT service, SUM(CASE WHEN day = ?2 THEN mtd_{m} ELSE -mtd_{m} END)
             FROM cost_daily_service INDEXED BY cost_daily_service_by_day
             WHERE day IN (?1, ?2) GROUP BY service",
        ),
        Scope::ServicesOfAccount(_) => (
            "SELECT m.service, SUM(m.{m}) FROM services s
             CROSS JOIN cost_monthly m ON m.service = s.key AND m.account = ?3
                AND m.month BETWEEN ?1 AND ?2
             GROUP BY m.service",
            "SELECT s.key, {terms} FROM services s",
        ),
        Scope::AccountsOfService(_) => (
            "SELECT m.account, SUM(m.{m}) FROM accounts a
             CROSS JOIN cost_monthly m ON m.service = ?3 AND m.account = a.key
                AND m.month BETWEEN ?1 AND ?2
             GROUP BY m.account",
            "SELECT a.key, {terms} FROM accounts a",
        ),
    }
}

/// For scopes over `cost_daily`: the condition that picks one (service, account) run for
/// the outer row of the daily SQL.
fn run_condition(scope: Scope) -> &'static str {
    match scope {
        Scope::ServicesOfAccount(_) => "d.service = s.key AND d.account = ?3",
        _ => "d.service = ?3 AND d.account = a.key",
    }
}

/// Whether the scope's loose days come from `cost_daily`, where one (service, account)
/// run of days is contiguous, so one seek can serve several nearby periods.
fn reads_daily_runs(scope: Scope) -> bool {
    matches!(
        scope,
        Scope::ServicesOfAccount(_) | Scope::AccountsOfService(_)
    )
}

impl Store {
    pub fn summary(&self) -> StoreResult<CacheSummary> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT month, fetched_at, is_final, fees_known, source, detail_known FROM months
                 ORDER BY month",
            )
            .map_err(|e| self.sql_err(e))?;
        let months = stmt
            .query_map([], |r| {
                Ok(MonthInfo {
                    month: month_from_sql(r.get(0)?)?,
                    fetched_at: r.get(1)?,
                    is_final: r.get(2)?,
                    fees_known: r.get(3)?,
                    source: r.get(4)?,
                    detail_known: r.get(5)?,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sql_err(e))?;
        let data_as_of: Option<i64> = self
            .conn
            .query_row("SELECT max(day) FROM cost_daily_org", [], |r| r.get(0))
            .optional()
            .map_err(|e| self.sql_err(e))?
            .flatten();
        Ok(CacheSummary {
            kind: self.kind()?,
            months,
            data_as_of: data_as_of
                .map(day_from_sql)
                .transpose()
                .map_err(|e| self.sql_err(e))?,
        })
    }

    /// Units and accounts, each account with its storage key.
    pub fn organization(&self) -> StoreResult<(Organization, Vec<AccountKey>)> {
        let units = {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT id, parent_id, name FROM org_units ORDER BY name")
                .map_err(|e| self.sql_err(e))?;
            stmt.query_map([], |r| {
                Ok(OrgUnit {
                    id: r.get(0)?,
                    parent_id: r.get(1)?,
                    name: r.get(2)?,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sql_err(e))?
        };
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT key, id, name, email, status, ou_id, joined FROM accounts ORDER BY key",
            )
            .map_err(|e| self.sql_err(e))?;
        let rows = stmt
            .query_map([], |r| {
                let joined: Option<String> = r.get(6)?;
                Ok((
                    r.get::<_, i64>(0)?,
                    Account {
                        id: r.get(1)?,
                        name: r.get(2)?,
                        email: r.get(3)?,
                        status: AccountStatus::parse(&r.get::<_, String>(4)?),
                        ou_id: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
                        joined: joined.and_then(|j| j.parse().ok()),
                    },
                ))
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sql_err(e))?;
        let (keys, accounts) = rows.into_iter().unzip();
        Ok((Organization { units, accounts }, keys))
    }

    /// The provider of each account an imported file named (the AWS organization's
    /// accounts have none).
    pub fn account_providers(&self) -> StoreResult<HashMap<AccountKey, String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key, provider FROM accounts WHERE provider IS NOT NULL")
            .map_err(|e| self.sql_err(e))?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect::<Result<HashMap<_, _>, _>>())
            .map_err(|e| self.sql_err(e))
    }

    pub fn services(&self) -> StoreResult<Vec<(ServiceKey, String)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key, name FROM services ORDER BY name")
            .map_err(|e| self.sql_err(e))?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sql_err(e))
    }

    /// Totals over `range` grouped as `scope` says, keyed by account or service key.
    pub fn totals(
        &self,
        scope: Scope,
        range: DateRange,
        metric: Metric,
    ) -> StoreResult<HashMap<i64, Money>> {
        Ok(self
            .totals_many(scope, &[range], metric)?
            .pop()
            .unwrap_or_default())
    }

    /// Totals for several periods at once (a period and the one it is compared with):
    /// whole months from monthly rollups, loose days read together where that is cheaper.
    pub fn totals_many(
        &self,
        scope: Scope,
        ranges: &[DateRange],
        metric: Metric,
    ) -> StoreResult<Vec<HashMap<i64, Money>>> {
        let (monthly_sql, daily_sql) = scope_sql(scope);
        let m = column(metric);
        let scope_key = match scope {
            Scope::ServicesOfAccount(k) | Scope::AccountsOfService(k) => k,
            Scope::Accounts | Scope::Services => 0,
        };
        let mut out = vec![HashMap::new(); ranges.len()];
        let mut loose: Vec<(usize, DateRange)> = Vec::new();
        for (i, range) in ranges.iter().enumerate() {
            let split = range.split_by_months();
            if let Some((first, last)) = split.months {
                let bounds = [i64::from(first.index()), i64::from(last.index())];
                let sql = monthly_sql.replace("{m}", m);
                self.sum_into(&sql, bounds, scope_key, &[], &mut out, &[i])?;
            }
            loose.extend(
                [split.head, split.tail]
                    .into_iter()
                    .flatten()
                    .map(|d| (i, d)),
            );
        }
        if !reads_daily_runs(scope) {
            for (i, days) in loose {
                self.sum_month_to_date(&daily_sql.replace("{m}", m), days, &mut out[i])?;
            }
            return Ok(out);
        }
        // Each loose range is mtd(end) - mtd(day before start) per run: two index reads
        // per account (or service), however many days the range holds.
        let mut params = Vec::new();
        let mut endpoint = |from: NaiveDate, to: NaiveDate| {
            params.extend([day_key(from), day_key(to)]);
            let n = 3 + params.len();
            format!(
                "coalesce((SELECT d.mtd_{m} FROM cost_daily d WHERE {} \
                 AND d.day BETWEEN ?{} AND ?{} ORDER BY d.day DESC LIMIT 1), 0)",
                run_condition(scope),
                n - 1,
                n
            )
        };
        let terms: Vec<String> = loose
            .iter()
            .map(|(_, days)| {
                let first = Month::of(days.start).first_day();
                let upto_end = endpoint(first, days.end);
                if days.start == first {
                    upto_end
                } else {
                    let before = endpoint(first, days.start - chrono::Duration::days(1));
                    format!("{upto_end} - {before}")
                }
            })
            .collect();
        if !terms.is_empty() {
            let outputs: Vec<usize> = loose.iter().map(|(i, _)| *i).collect();
            let sql = daily_sql.replace("{terms}", &terms.join(", "));
            self.sum_into(&sql, [0, 0], scope_key, &params, &mut out, &outputs)?;
        }
        Ok(out)
    }

    /// Adds the totals of `days` (inside one month) from month-to-date running sums.
    fn sum_month_to_date(
        &self,
        sql: &str,
        days: DateRange,
        out: &mut HashMap<i64, Money>,
    ) -> StoreResult<()> {
        let month = Month::of(days.start);
        // Dense rows stop at the month's last day with data; nothing later can count.
        let last: Option<i64> = self
            .conn
            .prepare_cached("SELECT max(day) FROM cost_daily_org WHERE day BETWEEN ?1 AND ?2")
            .and_then(|mut stmt| {
                stmt.query_row(
                    [day_key(month.first_day()), day_key(month.last_day())],
                    |r| r.get(0),
                )
            })
            .map_err(|e| self.sql_err(e))?;
        let Some(end) = last.map(|l| l.min(day_key(days.end))) else {
            return Ok(());
        };
        if end < day_key(days.start) {
            return Ok(());
        }
        // Starting on the 1st: subtract nothing (no rows on day i64::MIN).
        let before = if days.start == month.first_day() {
            i64::MIN
        } else {
            day_key(days.start) - 1
        };
        self.sum_into(sql, [before, end], 0, &[], std::slice::from_mut(out), &[0])
    }

    /// Runs a grouped query whose rows are (key, sum for outputs[0], sum for outputs[1],
    /// ...) and adds the sums into `out`.
    fn sum_into(
        &self,
        sql: &str,
        bounds: [i64; 2],
        scope_key: i64,
        extra: &[i64],
        out: &mut [HashMap<i64, Money>],
        outputs: &[usize],
    ) -> StoreResult<()> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.sql_err(e))?;
        // Parameters are positional: ?3 (the scope key) is bound whenever a later one is
        // used, and left off statements that stop at ?2.
        let params = bounds
            .into_iter()
            .chain([scope_key])
            .chain(extra.iter().copied())
            .take(stmt.parameter_count());
        let mut rows = stmt
            .query(params_from_iter(params))
            .map_err(|e| self.sql_err(e))?;
        while let Some(row) = rows.next().map_err(|e| self.sql_err(e))? {
            let key: i64 = row.get(0).map_err(|e| self.sql_err(e))?;
            for (column, &output) in outputs.iter().enumerate() {
                let nanos: i64 = row.get(column + 1).map_err(|e| self.sql_err(e))?;
                if nanos != 0 || !out[output].contains_key(&key) {
                    *out[output].entry(key).or_default() += Money::from_nanos(nanos);
                }
            }
        }
        Ok(())
    }

    /// The once-a-month charges billed inside `span`, by day, keyed as `scope` groups
    /// them (`None`: the whole organization, key 0). A few rows a month: fees are billed
    /// on few days.
    pub fn fees(
        &self,
        scope: Option<Scope>,
        span: DateRange,
        metric: Metric,
    ) -> StoreResult<Vec<(i64, Fee)>> {
        let m = column(metric);
        let (key, condition, scope_key) = match scope {
            None => ("0", "", 0),
            Some(Scope::Accounts) => ("account", "", 0),
            Some(Scope::Services) => ("service", "", 0),
            Some(Scope::ServicesOfAccount(a)) => ("service", "AND account = ?3", a),
            Some(Scope::AccountsOfService(s)) => ("account", "AND service = ?3", s),
        };
        let sql = format!(
            "SELECT {key}, day, SUM({m}) FROM cost_fees
             WHERE day BETWEEN ?1 AND ?2 {condition} GROUP BY 1, day"
        );
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .map_err(|e| self.sql_err(e))?;
        let params = [day_key(span.start), day_key(span.end), scope_key]
            .into_iter()
            .take(stmt.parameter_count());
        stmt.query_map(params_from_iter(params), |r| {
            Ok((
                r.get(0)?,
                Fee {
                    day: day_from_sql(r.get(1)?)?,
                    amount: Money::from_nanos(r.get(2)?),
                },
            ))
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(|e| self.sql_err(e))
    }

    /// Daily amounts over `range` for the org, one account, one service, or one service
    /// in one account. Days without a row are left out.
    pub fn daily_series(
        &self,
        account: Option<AccountKey>,
        service: Option<ServiceKey>,
        range: DateRange,
        metric: Metric,
    ) -> StoreResult<Vec<DailyPoint>> {
        let m = column(metric);
        let (sql, keys): (String, Vec<i64>) = match (account, service) {
            (None, None) => (
                format!("SELECT day, {m} FROM cost_daily_org WHERE day BETWEEN ?1 AND ?2"),
                vec![],
            ),
            (Some(a), None) => (
                format!(
                    "SELECT day, {m} FROM cost_daily_account
                     WHERE account = ?3 AND day BETWEEN ?1 AND ?2 ORDER BY day"
                ),
                vec![a],
            ),
            (None, Some(s)) => (
                format!(
                    "SELECT day, {m} FROM cost_daily_service
                     WHERE service = ?3 AND day BETWEEN ?1 AND ?2 ORDER BY day"
                ),
                vec![s],
            ),
            (Some(a), Some(s)) => (
                format!(
                    "SELECT day, {m} FROM cost_daily
                     WHERE account = ?3 AND service = ?4 AND day BETWEEN ?1 AND ?2
                     ORDER BY day"
                ),
                vec![a, s],
            ),
        };
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .map_err(|e| self.sql_err(e))?;
        let params = [day_key(range.start), day_key(range.end)]
            .into_iter()
            .chain(keys);
        stmt.query_map(params_from_iter(params), |r| {
            Ok(DailyPoint {
                day: day_from_sql(r.get(0)?)?,
                amount: Money::from_nanos(r.get(1)?),
            })
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(|e| self.sql_err(e))
    }

    /// The sum of raw daily rows for a month, straight from `cost_daily`: used to check
    /// that rollups reconcile with what was written.
    pub fn raw_month_total(&self, month: Month, metric: Metric) -> StoreResult<Money> {
        let sql = format!(
            "SELECT coalesce(SUM({}), 0) FROM cost_daily WHERE day BETWEEN ?1 AND ?2",
            column(metric)
        );
        self.conn
            .query_row(
                &sql,
                [day_key(month.first_day()), day_key(month.last_day())],
                |r| r.get(0),
            )
            .map(Money::from_nanos)
            .map_err(|e| self.sql_err(e))
    }
}
