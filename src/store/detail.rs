//! The monthly sums past the service (region, usage type, resource, tags) that
//! line-item sources deliver: written with their month's daily rows, in the same
//! transaction, and read grouped by one dimension under a `DetailFilter`.

use super::{AccountKey, ServiceKey, Store, StoreResult};
use crate::domain::dimension::{DetailFilter, Dimension};
use crate::domain::{Metric, Money, Month};
use rusqlite::{params, Transaction};
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

/// A month's detail, as a line-item source gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MonthDetail<'a> {
    pub usage: Vec<UsageRow<'a>>,
    pub resources: Vec<ResourceRow<'a>>,
    pub tags: Vec<TagRow<'a>>,
}

/// One row of a breakdown: the key of an account, a service or a cached name, the name
/// (None for accounts and services, which the views name themselves), and its sum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailAmount {
    pub key: i64,
    pub name: Option<String>,
    pub amount: Money,
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
        self.tx.execute(
            "INSERT INTO dims (kind, name) VALUES (?1, ?2) ON CONFLICT (kind, name) DO NOTHING",
            params![kind, name],
        )?;
        let k: i64 = self.tx.query_row(
            "SELECT key FROM dims WHERE kind = ?1 AND name = ?2",
            params![kind, name],
            |r| r.get(0),
        )?;
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
    detail: &MonthDetail<'_>,
) -> rusqlite::Result<()> {
    let m = month.index();
    let add = "ON CONFLICT DO UPDATE SET unblended = unblended + excluded.unblended,
               amortized = amortized + excluded.amortized";
    let mut usage = tx.prepare_cached(&format!(
        "INSERT INTO cost_usage_monthly (month, service, account, usage_type, region,
            operation, charge, pricing, unblended, amortized)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) {add}"
    ))?;
    for u in &detail.usage {
        usage.execute(params![
            m,
            u.service,
            u.account,
            dims.key("usage_type", u.usage_type)?,
            dims.key("region", u.region)?,
            dims.key("operation", u.operation)?,
            dims.key("charge", u.charge)?,
            dims.key("pricing", u.pricing)?,
            u.unblended,
            u.amortized
        ])?;
    }
    let mut resources = tx.prepare_cached(&format!(
        "INSERT INTO cost_resource_monthly (month, service, account, usage_type, resource,
            region, unblended, amortized)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) {add}"
    ))?;
    for r in &detail.resources {
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
    let mut tags = tx.prepare_cached(&format!(
        "INSERT INTO cost_tag_monthly (month, tag_key, tag_value, service, account,
            unblended, amortized)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) {add}"
    ))?;
    for t in &detail.tags {
        tags.execute(params![
            m,
            dims.key("tag_key", t.key)?,
            dims.key("tag_value", t.value)?,
            t.service,
            t.account,
            t.unblended,
            t.amortized
        ])?;
    }
    Ok(())
}

pub(super) fn delete_detail(tx: &Transaction<'_>, month: Month) -> rusqlite::Result<()> {
    for table in [
        "cost_usage_monthly",
        "cost_resource_monthly",
        "cost_tag_monthly",
    ] {
        tx.execute(
            &format!("DELETE FROM {table} WHERE month = ?1"),
            [month.index()],
        )?;
    }
    Ok(())
}

/// Which table answers a breakdown, and the column each dimension is in there.
struct Table {
    name: &'static str,
    has: &'static [Dimension],
}

const USAGE: Table = Table {
    name: "cost_usage_monthly",
    has: &[
        Dimension::Account,
        Dimension::Service,
        Dimension::Region,
        Dimension::UsageType,
        Dimension::Operation,
        Dimension::Charge,
        Dimension::Pricing,
    ],
};
const RESOURCES: Table = Table {
    name: "cost_resource_monthly",
    has: &[
        Dimension::Account,
        Dimension::Service,
        Dimension::Region,
        Dimension::UsageType,
        Dimension::Resource,
    ],
};
const TAGS: Table = Table {
    name: "cost_tag_monthly",
    has: &[
        Dimension::Account,
        Dimension::Service,
        Dimension::TagKey,
        Dimension::TagValue,
    ],
};

fn column(by: Dimension) -> &'static str {
    match by {
        Dimension::Account => "account",
        Dimension::Service => "service",
        Dimension::Region => "region",
        Dimension::UsageType => "usage_type",
        Dimension::Operation => "operation",
        Dimension::Charge => "charge",
        Dimension::Pricing => "pricing",
        Dimension::Resource => "resource",
        Dimension::TagKey => "tag_key",
        Dimension::TagValue => "tag_value",
        // No detail table holds days (`Table::has` never lists it).
        Dimension::Day => "day",
    }
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

impl Store {
    /// Sums over the months `first..=last` under `filter`, one per key of `by`, largest
    /// first. None when no one table holds both the filter's dimensions and `by`.
    pub fn detail_totals(
        &self,
        (first, last): (Month, Month),
        filter: &DetailFilter,
        by: Dimension,
        metric: Metric,
    ) -> StoreResult<Option<Vec<DetailAmount>>> {
        let wanted: Vec<(Dimension, i64)> = narrowed(filter);
        let Some(table) = [USAGE, RESOURCES, TAGS]
            .into_iter()
            .find(|t| t.has.contains(&by) && wanted.iter().all(|(d, _)| t.has.contains(d)))
        else {
            return Ok(None);
        };
        let group = column(by);
        let conditions: String = wanted
            .iter()
            .enumerate()
            .map(|(i, (d, _))| format!(" AND t.{} = ?{}", column(*d), i + 3))
            .collect();
        let (name, join) = match by.name_kind() {
            Some(_) => ("d.name", format!("JOIN dims d ON d.key = t.{group}")),
            None => ("NULL", String::new()),
        };
        let sql = format!(
            "SELECT t.{group}, {name}, SUM(t.{m}) AS amount FROM {table} t {join}
             WHERE t.month BETWEEN ?1 AND ?2{conditions}
             GROUP BY t.{group} ORDER BY amount DESC",
            m = super::query::column(metric),
            table = table.name,
        );
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .map_err(|e| self.sql_err(e))?;
        let mut values: Vec<i64> = vec![i64::from(first.index()), i64::from(last.index())];
        values.extend(wanted.iter().map(|(_, k)| *k));
        let rows = stmt
            .query_map(rusqlite::params_from_iter(values), |r| {
                Ok(DetailAmount {
                    key: r.get(0)?,
                    name: r.get(1)?,
                    amount: Money::from_nanos(r.get(2)?),
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sql_err(e))?;
        Ok(Some(rows))
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
