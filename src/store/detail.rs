//! The monthly sums past the service (region, usage type, resource, tags) that
//! line-item sources deliver: written with their month's daily rows, in the same
//! transaction, and read grouped by one dimension under a `DetailFilter`.

use super::detail_tables::{column, price_sum, RowAmounts, Table, RESOURCES, TAGS, USAGE};
use super::{AccountKey, ServiceKey, Store, StoreResult};
use crate::domain::dimension::{DetailFilter, Dimension};
use crate::domain::{DetailMetric, Money, Month};
use rusqlite::{params, OptionalExtension, Transaction};
use rustc_hash::FxHashMap as HashMap;

/// One month of one combination of the dimensions in one account and service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRow<'a> {
    pub account: AccountKey,
    pub service: ServiceKey,
    pub region: &'a str,
    pub usage_type: &'a str,
    pub operation: &'a str,
    pub charge: &'a str,
    pub pricing: &'a str,
    pub unblended: i64,
    pub amortized: i64,
    /// At list prices and after negotiated discounts: None where a line did not say.
    pub list: Option<i64>,
    pub contracted: Option<i64>,
}

/// One month of one resource under one usage type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRow<'a> {
    pub account: AccountKey,
    pub service: ServiceKey,
    pub usage_type: &'a str,
    pub resource: &'a str,
    pub region: &'a str,
    pub unblended: i64,
    pub amortized: i64,
}

/// One resource's days (all its usage types) within the last `RESOURCE_DAYS`: each
/// day's unblended and amortized cost.
pub struct ResourceDaysRow<'a> {
    pub account: AccountKey,
    pub service: ServiceKey,
    pub resource: &'a str,
    pub days: Rows<'a, (chrono::NaiveDate, i64, i64)>,
}

/// One month of the cost carrying one tag value in one account and service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRow<'a> {
    pub account: AccountKey,
    pub service: ServiceKey,
    pub key: &'a str,
    pub value: &'a str,
    pub unblended: i64,
    pub amortized: i64,
}

/// Rows handed to the store one at a time.
pub type Rows<'a, T> = Box<dyn Iterator<Item = T> + 'a>;

/// A month's detail, as a line-item source gives it: its rows are read as they are
/// written, never all held at once (a 500-account period has 1.5M of them).
pub struct MonthDetail<'a> {
    pub usage: Rows<'a, UsageRow<'a>>,
    pub resources: Rows<'a, ResourceRow<'a>>,
    pub tags: Rows<'a, TagRow<'a>>,
    /// The month's days that fall in the last `RESOURCE_DAYS`, by resource.
    pub resource_days: Rows<'a, ResourceDaysRow<'a>>,
}

/// One row of a breakdown: the key of an account, a service or a cached name, the name
/// (None for accounts and services, which the views name themselves), and its sum
/// (None: a list or contracted price the source did not give for all of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailAmount {
    pub key: i64,
    pub name: Option<String>,
    pub amount: Option<Money>,
}

/// Interns names into `dims` within a transaction, remembering the keys it gave.
pub(super) struct DimKeys<'t, 'c> {
    tx: &'t Transaction<'c>,
    known: HashMap<&'static str, HashMap<String, i64>>,
}

impl<'t, 'c> DimKeys<'t, 'c> {
    pub(super) fn new(tx: &'t Transaction<'c>) -> Self {
        DimKeys {
            tx,
            known: HashMap::default(),
        }
    }

    fn key(&mut self, kind: &'static str, name: &str) -> rusqlite::Result<i64> {
        if let Some(&k) = self.known.get(kind).and_then(|names| names.get(name)) {
            return Ok(k);
        }
        // A new name (most of them, as a month is first written) costs one statement:
        // the insert returns its key; a name cached before is looked up.
        let inserted: Option<i64> = self
            .tx
            .prepare_cached(
                "INSERT INTO dims (kind, name) VALUES (?1, ?2)
                 ON CONFLICT (kind, name) DO NOTHING RETURNING key",
            )?
            .query_row(params![kind, name], |r| r.get(0))
            .optional()?;
        let k: i64 = match inserted {
            Some(k) => k,
            None => self
                .tx
                .prepare_cached("SELECT key FROM dims WHERE kind = ?1 AND name = ?2")?
                .query_row(params![kind, name], |r| r.get(0))?,
        };
        self.known
            .entry(kind)
            .or_default()
            .insert(name.to_string(), k);
        Ok(k)
    }
}

/// Writes `month`'s detail (its old rows are gone with the month: `delete_detail`).
/// Rows of one key arriving twice are added together.
pub(super) fn write_detail(
    tx: &Transaction<'_>,
    dims: &mut DimKeys<'_, '_>,
    month: Month,
    detail: MonthDetail<'_>,
) -> rusqlite::Result<()> {
    let m = month.index();
    let add = "ON CONFLICT DO UPDATE SET unblended = unblended + excluded.unblended,
               amortized = amortized + excluded.amortized";
    // NULL + a price is NULL: a price unknown for one part is unknown for the whole.
    let mut usage = tx.prepare_cached(&format!(
        "INSERT INTO cost_usage_monthly (month, service, account, usage_type, region,
            operation, charge, pricing, unblended, amortized, list, contracted)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) {add},
            list = list + excluded.list, contracted = contracted + excluded.contracted"
    ))?;
    let mut sums = super::rollup::MonthSums::default();
    for u in detail.usage {
        let row = UsageKeys {
            account: u.account,
            service: u.service,
            usage_type: dims.key("usage_type", u.usage_type)?,
            region: dims.key("region", u.region)?,
            operation: dims.key("operation", u.operation)?,
            charge: dims.key("charge", u.charge)?,
            pricing: dims.key("pricing", u.pricing)?,
        };
        usage.execute(params![
            m,
            row.service,
            row.account,
            row.usage_type,
            row.region,
            row.operation,
            row.charge,
            row.pricing,
            u.unblended,
            u.amortized,
            u.list,
            u.contracted
        ])?;
        let amounts = RowAmounts {
            unblended: u.unblended,
            amortized: u.amortized,
            list: u.list,
            contracted: u.contracted,
        };
        sums.add(&USAGE, |d| row.key(d), amounts);
    }
    let mut resources = tx.prepare_cached(&format!(
        "INSERT INTO cost_resource_monthly (month, service, account, usage_type, resource,
            region, unblended, amortized)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) {add}"
    ))?;
    for r in detail.resources {
        resources.execute(params![
            m,
            r.service,
            r.account,
            dims.key("usage_type", r.usage_type)?,
            dims.key("resource", r.resource)?,
            dims.key("region", r.region)?,
            r.unblended,
            r.amortized
        ])?;
    }
    let mut resources = Vec::new();
    for r in detail.resource_days {
        resources.push(super::resource_days::KeyedDays {
            resource: dims.key("resource", r.resource)?,
            account: r.account,
            service: r.service,
            days: r.days,
        });
    }
    super::resource_days::write(tx, resources, add)?;
    let mut tags = tx.prepare_cached(&format!(
        "INSERT INTO cost_tag_monthly (month, tag_key, tag_value, service, account,
            unblended, amortized)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) {add}"
    ))?;
    for t in detail.tags {
        let (key, value) = (dims.key("tag_key", t.key)?, dims.key("tag_value", t.value)?);
        tags.execute(params![
            m,
            key,
            value,
            t.service,
            t.account,
            t.unblended,
            t.amortized
        ])?;
        let row = |d| match d {
            Dimension::TagKey => key,
            Dimension::TagValue => value,
            Dimension::Service => t.service,
            _ => t.account,
        };
        sums.add(&TAGS, row, RowAmounts::costs(t.unblended, t.amortized));
    }
    sums.write(tx, month)
}

/// One usage row's keys, by dimension (for its rollups).
struct UsageKeys {
    account: AccountKey,
    service: ServiceKey,
    usage_type: i64,
    region: i64,
    operation: i64,
    charge: i64,
    pricing: i64,
}

impl UsageKeys {
    fn key(&self, d: Dimension) -> i64 {
        match d {
            Dimension::Account => self.account,
            Dimension::Service => self.service,
            Dimension::Region => self.region,
            Dimension::UsageType => self.usage_type,
            Dimension::Operation => self.operation,
            Dimension::Charge => self.charge,
            // The usage table holds nothing else; its rollups name nothing else.
            _ => self.pricing,
        }
    }
}

pub(super) fn delete_detail(tx: &Transaction<'_>, month: Month) -> rusqlite::Result<()> {
    for table in [
        "cost_usage_monthly",
        "cost_resource_monthly",
        "cost_tag_monthly",
        "cost_rollup_monthly",
    ] {
        tx.execute(
            &format!("DELETE FROM {table} WHERE month = ?1"),
            [month.index()],
        )?;
    }
    let (first, last) = (month.first_day(), month.last_day());
    tx.execute(
        "DELETE FROM cost_resource_daily WHERE day BETWEEN ?1 AND ?2",
        [super::day_key(first), super::day_key(last)],
    )?;
    Ok(())
}

/// The filter's (dimension, key) pairs.
fn narrowed(filter: &DetailFilter) -> Vec<(Dimension, i64)> {
    [
        (Dimension::Account, filter.account),
        (Dimension::Service, filter.service),
        (Dimension::Region, filter.region),
        (Dimension::UsageType, filter.usage_type),
        (Dimension::Charge, filter.charge),
        (Dimension::TagKey, filter.tag_key),
        (Dimension::TagValue, filter.tag_value),
    ]
    .into_iter()
    .filter_map(|(d, k)| k.map(|k| (d, k)))
    .collect()
}

/// Whether a breakdown may read the organization-wide rollups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rollups {
    Read,
    #[cfg(test)]
    Skip,
}

/// The query (and its parameters) for one breakdown: from a rollup where one holds
/// it, else from the one detail table that holds both the filter and `by`.
pub(super) fn breakdown_sql(
    (first, last): (Month, Month),
    wanted: &[(Dimension, i64)],
    by: Dimension,
    metric: DetailMetric,
    rollups: Rollups,
) -> Option<(String, Vec<i64>)> {
    let (first, last) = (i64::from(first.index()), i64::from(last.index()));
    let named = |table: &str, key: &str| match by.name_kind() {
        Some(_) => ("d.name", format!("JOIN dims d ON d.key = {table}.{key}")),
        None => ("NULL", String::new()),
    };
    if let Some((r, key, parent)) =
        super::rollup::find(wanted, by).filter(|_| rollups == Rollups::Read)
    {
        let (name, join) = named("r", "key");
        let amount = summed_as(metric, r.table, "r");
        let sql = format!(
            "SELECT r.key, {name}, {amount} AS amount FROM cost_rollup_monthly r {join}
             WHERE r.within = '{within}' AND r.within_key = ?1 AND r.within_parent = ?2
                AND r.by_dim = '{by}' AND r.month BETWEEN ?3 AND ?4
             GROUP BY r.key ORDER BY amount DESC",
            within = super::rollup::within_name(r),
            by = column(r.by),
        );
        return Some((sql, vec![key, parent, first, last]));
    }
    let table = [&USAGE, &RESOURCES, &TAGS]
        .into_iter()
        .find(|t| t.has.contains(&by) && wanted.iter().all(|(d, _)| t.has.contains(d)))?;
    let group = column(by);
    let conditions: String = wanted
        .iter()
        .enumerate()
        .map(|(i, (d, _))| format!(" AND t.{} = ?{}", column(*d), i + 1))
        .collect();
    let (name, join) = named("t", group);
    let seek = table
        .index_for(wanted)
        .map_or(String::new(), |index| format!("INDEXED BY {index}"));
    // The months as a list, not a range: each month is then a seek on the columns
    // after it, where a range would walk all of them.
    let months: Vec<String> = (first..=last).map(|m| m.to_string()).collect();
    let amount = summed_as(metric, table, "t");
    let sql = format!(
        "SELECT t.{group}, {name}, {amount} AS amount FROM {table} t {seek} {join}
         WHERE t.month IN ({months}){conditions}
         GROUP BY t.{group} ORDER BY amount DESC",
        table = table.name,
        months = months.join(","),
    );
    Some((sql, wanted.iter().map(|(_, k)| *k).collect()))
}

/// The SQL that sums `metric` over a breakdown's rows of `table` (or of its rollups).
fn summed_as(metric: DetailMetric, table: &Table, alias: &str) -> String {
    match metric {
        DetailMetric::Cost(m) => format!("SUM({alias}.{})", super::query::column(m)),
        DetailMetric::List => price_sum(table, &format!("{alias}.list")),
        DetailMetric::Contracted => price_sum(table, &format!("{alias}.contracted")),
    }
}

impl Store {
    /// Sums over the months `first..=last` under `filter`, one per key of `by`, largest
    /// first. None when no one table holds both the filter's dimensions and `by`.
    pub fn detail_totals(
        &self,
        (first, last): (Month, Month),
        filter: &DetailFilter,
        by: Dimension,
        metric: DetailMetric,
    ) -> StoreResult<Option<Vec<DetailAmount>>> {
        let wanted = narrowed(filter);
        match breakdown_sql((first, last), &wanted, by, metric, Rollups::Read) {
            Some((sql, values)) => self.amounts(&sql, values).map(Some),
            None => Ok(None),
        }
    }

    /// Runs a breakdown's query.
    pub(super) fn amounts(&self, sql: &str, values: Vec<i64>) -> StoreResult<Vec<DetailAmount>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.sql_err(e))?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(values), |r| {
                Ok(DetailAmount {
                    key: r.get(0)?,
                    name: r.get(1)?,
                    amount: r.get::<_, Option<i64>>(2)?.map(Money::from_nanos),
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sql_err(e))?;
        Ok(rows)
    }

    /// The key of a cached name of `kind` ("resource", "region", ...), if it is cached.
    pub fn dim_key(&self, kind: &str, name: &str) -> StoreResult<Option<i64>> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row(
                "SELECT key FROM dims WHERE kind = ?1 AND name = ?2",
                params![kind, name],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.sql_err(e))
    }

    /// The name cached under `key`.
    pub fn dim_name(&self, key: i64) -> StoreResult<Option<String>> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row("SELECT name FROM dims WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.sql_err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A breakdown narrowed to one account, one service or one usage type seeks its
    /// rows month by month: the plan searches an index, it never scans the table.
    #[test]
    fn a_narrowed_breakdown_seeks_instead_of_scanning() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("c.sqlite")).unwrap();
        let months = (Month::from_index(24_300), Month::from_index(24_312));
        let cases = [
            (
                vec![(Dimension::Account, 1)],
                Dimension::Region,
                "cost_usage_by_account",
            ),
            (
                vec![(Dimension::Service, 1)],
                Dimension::Region,
                "PRIMARY KEY",
            ),
            (
                vec![(Dimension::Account, 1), (Dimension::Service, 2)],
                Dimension::UsageType,
                "PRIMARY KEY",
            ),
            (
                vec![(Dimension::Account, 1)],
                Dimension::Resource,
                "cost_resource_by_account",
            ),
            (
                vec![(Dimension::UsageType, 1)],
                Dimension::Resource,
                "cost_resource_by_usage",
            ),
            (
                vec![(Dimension::Account, 1)],
                Dimension::TagKey,
                "cost_tag_by_account",
            ),
            (
                vec![(Dimension::Service, 1)],
                Dimension::TagKey,
                "PRIMARY KEY",
            ),
        ];
        for (wanted, by, index) in cases {
            let (sql, values) = breakdown_sql(
                months,
                &wanted,
                by,
                DetailMetric::Cost(crate::domain::Metric::Unblended),
                Rollups::Skip,
            )
            .unwrap();
            let plan = store.query_plan(&sql, rusqlite::params_from_iter(values));
            let seek = plan.iter().find(|p| p.contains(" t ")).unwrap();
            assert!(
                seek.starts_with("SEARCH") && seek.contains(index),
                "{wanted:?}: {plan:?}"
            );
        }
    }
}
