//! Writes. Each unit of work (the organization, one month of costs) is one transaction:
//! an interrupted write leaves the previous data complete.

use super::{day_key, AccountKey, ServiceKey, Store, StoreResult};
use crate::domain::{Month, Organization, Stamp};
use chrono::{Datelike, NaiveDate};
use rusqlite::{params, Transaction};
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeMap;

/// One day of one service in one account, both metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CostRecord {
    pub account: AccountKey,
    pub service: ServiceKey,
    pub day: NaiveDate,
    pub unblended: i64,
    pub amortized: i64,
}

/// Per-metric sums kept while a month is written.
#[derive(Default, Clone, Copy)]
struct Pair(i64, i64);

impl Pair {
    fn add(&mut self, record: &CostRecord) {
        self.0 += record.unblended;
        self.1 += record.amortized;
    }
}

/// Sums kept while months are written. Hashed while adding (FxHash: small integer keys
/// of our own), sorted when written so tables fill in key order. Daily sums are kept
/// as one 31-day array per (key, month), so consecutive rows of a run hit one entry.
#[derive(Default)]
struct Rollups {
    service_account_month: HashMap<(ServiceKey, AccountKey, i64), Run>,
    account_days: HashMap<(AccountKey, i64), MonthDays>,
    service_days: HashMap<(ServiceKey, i64), MonthDays>,
    org_days: HashMap<i64, MonthDays>,
    /// The last day with data of each month written.
    last_days: BTreeMap<i64, i64>,
}

/// Sums for each day of one month, by day of month (0-based).
type MonthDays = [Pair; 31];

impl Rollups {
    /// Adds one daily row and returns its (service, account) month-to-date sums, or
    /// `None` when the row does not come after the previous day of its run.
    fn add(&mut self, r: &CostRecord, day: i64, month: i64) -> Option<Pair> {
        let (a, s) = (r.account, r.service);
        let run = self.service_account_month.entry((s, a, month)).or_default();
        // Month-to-date sums are only right if the run moves forward one row a day.
        if run.rows > 0 && day <= run.last_day {
            return None;
        }
        run.rows += 1;
        run.last_day = day;
        run.sums.add(r);
        let mtd = run.sums;
        let slot = r.day.day0() as usize;
        let zero = [Pair::default(); 31];
        self.account_days.entry((a, month)).or_insert(zero)[slot].add(r);
        self.service_days.entry((s, month)).or_insert(zero)[slot].add(r);
        self.org_days.entry(month).or_insert(zero)[slot].add(r);
        let last = self.last_days.entry(month).or_insert(day);
        *last = (*last).max(day);
        Some(mtd)
    }
}

fn sorted<K: Ord + Copy, V: Copy>(map: &HashMap<K, V>) -> Vec<(K, V)> {
    let mut rows: Vec<(K, V)> = map.iter().map(|(k, v)| (*k, *v)).collect();
    rows.sort_unstable_by_key(|(k, _)| *k);
    rows
}

fn month_total(days: &MonthDays) -> Pair {
    days.iter()
        .fold(Pair::default(), |t, d| Pair(t.0 + d.0, t.1 + d.1))
}

/// One (service, account) run within a month, as it is written.
#[derive(Default, Clone, Copy)]
struct Run {
    sums: Pair,
    last_day: i64,
    rows: u32,
}

/// How a month being written is to be recorded in `months`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthStatus {
    pub month: Month,
    pub fetched_at: Stamp,
    pub is_final: bool,
    pub source: String,
    /// The month's charges billed once a month (a part of its daily rows, told apart),
    /// or `None` when the source did not say: comparisons then cannot spread them.
    pub fees: Option<Vec<CostRecord>>,
}

impl Store {
    /// Replaces the organization (units and accounts) in one transaction. Account keys
    /// stay stable, so cost rows keep pointing at the right account.
    pub fn replace_org(&mut self, org: &Organization) -> StoreResult<()> {
        let path = self.path.clone();
        let classify = |e| super::error::classify(&path, e);
        let tx = self.conn.transaction().map_err(classify)?;
        tx.execute("UPDATE accounts SET ou_id = NULL", [])
            .map_err(classify)?;
        tx.execute("DELETE FROM org_units", []).map_err(classify)?;
        {
            // Parents before children, so the foreign key holds at every insert.
            let mut insert_unit = tx
                .prepare("INSERT INTO org_units (id, parent_id, name) VALUES (?1, ?2, ?3)")
                .map_err(classify)?;
            let mut pending: Vec<_> = org.units.iter().collect();
            let mut inserted: Vec<&str> = Vec::new();
            while !pending.is_empty() {
                let before = pending.len();
                let mut rest = Vec::new();
                for unit in pending {
                    let parent_ready = unit
                        .parent_id
                        .as_deref()
                        .is_none_or(|p| inserted.contains(&p));
                    if parent_ready {
                        insert_unit
                            .execute(params![unit.id, unit.parent_id, unit.name])
                            .map_err(classify)?;
                        inserted.push(&unit.id);
                    } else {
                        rest.push(unit);
                    }
                }
                if rest.len() == before {
                    // Orphans (parent unknown): keep them, attached to nothing.
                    for unit in &rest {
                        insert_unit
                            .execute(params![unit.id, Option::<String>::None, unit.name])
                            .map_err(classify)?;
                    }
                    break;
                }
                pending = rest;
            }
            let mut upsert_account = tx
                .prepare(
                    "INSERT INTO accounts (id, name, email, status, ou_id, joined)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name,
                        email = excluded.email, status = excluded.status,
                        ou_id = excluded.ou_id, joined = excluded.joined",
                )
                .map_err(classify)?;
            for a in &org.accounts {
                let ou = inserted.contains(&a.ou_id.as_str()).then_some(&a.ou_id);
                upsert_account
                    .execute(params![
                        a.id,
                        a.name,
                        a.email,
                        a.status.as_str(),
                        ou,
                        a.joined.map(|d| d.to_string())
                    ])
                    .map_err(classify)?;
            }
        }
        tx.commit().map_err(classify)
    }

    /// The key of the account with this AWS id, adding a bare row if it is unknown
    /// (Cost Explorer can name accounts that have left the organization).
    pub fn ensure_account(&self, account_id: &str) -> StoreResult<AccountKey> {
        self.conn
            .query_row(
                "INSERT INTO accounts (id, name) VALUES (?1, ?1)
                 ON CONFLICT (id) DO UPDATE SET id = excluded.id RETURNING key",
                [account_id],
                |r| r.get(0),
            )
            .map_err(|e| self.sql_err(e))
    }

    /// Names an account that has only its id for a name, and records its provider
    /// (an imported file's ProviderName). Names from the organization are kept.
    pub fn describe_account(
        &self,
        key: AccountKey,
        name: Option<&str>,
        provider: &str,
    ) -> StoreResult<()> {
        self.conn
            .execute(
                "UPDATE accounts SET provider = ?3,
                    name = CASE WHEN name = id AND ?2 IS NOT NULL THEN ?2 ELSE name END
                 WHERE key = ?1",
                rusqlite::params![key, name, provider],
            )
            .map(|_| ())
            .map_err(|e| self.sql_err(e))
    }

    /// Records what a Data Export's billing period looked like when `month` was read
    /// from it (after the month is written: a crash between them reads it again).
    pub fn set_export_digest(&self, month: Month, digest: &str, manifest: &str) -> StoreResult<()> {
        self.conn
            .execute(
                "INSERT INTO export_periods (month, digest, manifest) VALUES (?1, ?2, ?3)
                 ON CONFLICT (month) DO UPDATE SET digest = excluded.digest, manifest = excluded.manifest",
                params![month.index(), digest, manifest],
            )
            .map(|_| ())
            .map_err(|e| self.sql_err(e))
    }

    /// The digest of the export period `month` was last read from, if it was.
    pub fn export_digest(&self, month: Month) -> StoreResult<Option<String>> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row(
                "SELECT digest FROM export_periods WHERE month = ?1",
                [month.index()],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.sql_err(e))
    }

    pub fn ensure_service(&self, name: &str) -> StoreResult<ServiceKey> {
        self.conn
            .query_row(
                "INSERT INTO services (name) VALUES (?1)
                 ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING key",
                [name],
                |r| r.get(0),
            )
            .map_err(|e| self.sql_err(e))
    }

    /// Replaces every cost row of `month` with `records`, and its rollups, in one
    /// transaction. Returns the number of daily rows written.
    pub fn replace_month<I>(&mut self, status: MonthStatus, records: I) -> StoreResult<u64>
    where
        I: IntoIterator<Item = CostRecord>,
    {
        self.replace_months(&[status], records)
    }

    /// Replaces several whole months in one transaction: all of them or none. Records
    /// arriving in (service, account, day) order are appended, which is the fast path
    /// for bulk loads.
    pub fn replace_months<I>(&mut self, months: &[MonthStatus], records: I) -> StoreResult<u64>
    where
        I: IntoIterator<Item = CostRecord>,
    {
        self.replace_months_detailed(months, records, std::iter::empty())
    }

    /// `replace_months`, with the dimensions past the service a line-item source gives
    /// for some of the months (those are marked `detail_known`), in the same transaction.
    pub fn replace_months_detailed<'d, I, D>(
        &mut self,
        months: &[MonthStatus],
        records: I,
        detail: D,
    ) -> StoreResult<u64>
    where
        I: IntoIterator<Item = CostRecord>,
        D: IntoIterator<Item = (Month, super::detail::MonthDetail<'d>)>,
    {
        let path = self.path.clone();
        let classify = |e| super::error::classify(&path, e);
        let tx = self.conn.transaction().map_err(classify)?;
        for status in months {
            delete_month(&tx, status.month).map_err(classify)?;
        }
        let mut rollups = Rollups::default();
        let mut written = 0u64;
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO cost_daily
                        (account, service, day, unblended, amortized, mtd_unblended, mtd_amortized)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(classify)?;
            for record in records {
                let month = Month::of(record.day);
                if !months.iter().any(|s| s.month == month) {
                    // Dropping the transaction rolls every month back.
                    return Err(super::StoreError::OutsideMonths {
                        path: path.clone(),
                        day: record.day,
                    });
                }
                let day = day_key(record.day);
                let Some(mtd) = rollups.add(&record, day, i64::from(month.index())) else {
                    return Err(super::StoreError::RowsOutOfOrder {
                        path: path.clone(),
                        day: record.day,
                    });
                };
                insert
                    .execute(params![
                        record.account,
                        record.service,
                        day,
                        record.unblended,
                        record.amortized,
                        mtd.0,
                        mtd.1
                    ])
                    .map_err(classify)?;
                written += 1;
            }
        }
        write_rollups(&tx, &rollups).map_err(classify)?;
        let mut dims = super::detail::DimKeys::new(&tx);
        let mut detailed = Vec::new();
        for (month, rows) in detail {
            if !months.iter().any(|s| s.month == month) {
                return Err(super::StoreError::OutsideMonths {
                    path: path.clone(),
                    day: month.first_day(),
                });
            }
            super::detail::write_detail(&tx, &mut dims, month, rows).map_err(classify)?;
            detailed.push(month);
        }
        for s in months {
            write_fees(&tx, s).map_err(|e| match e {
                FeeError::Sql(e) => classify(e),
                FeeError::Outside(day) => super::StoreError::OutsideMonths {
                    path: path.clone(),
                    day,
                },
            })?;
            tx.execute(
                "INSERT INTO months (month, fetched_at, is_final, source, fees_known, detail_known)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (month) DO UPDATE SET fetched_at = excluded.fetched_at,
                    is_final = excluded.is_final, source = excluded.source,
                    fees_known = excluded.fees_known, detail_known = excluded.detail_known",
                params![
                    s.month.index(),
                    s.fetched_at,
                    s.is_final,
                    s.source,
                    s.fees.is_some(),
                    detailed.contains(&s.month)
                ],
            )
            .map_err(classify)?;
        }
        tx.commit().map_err(classify)?;
        Ok(written)
    }

    /// Removes every cost row, rollup and month (the organization stays). Used when demo
    /// data is regenerated.
    pub fn clear_costs(&mut self) -> StoreResult<()> {
        self.conn
            .execute_batch(
                "BEGIN;
                 DELETE FROM cost_daily; DELETE FROM cost_monthly;
                 DELETE FROM cost_daily_account; DELETE FROM cost_monthly_account;
                 DELETE FROM cost_daily_service; DELETE FROM cost_monthly_service;
                 DELETE FROM cost_daily_org; DELETE FROM cost_fees; DELETE FROM months;
                 DELETE FROM cost_usage_monthly; DELETE FROM cost_resource_monthly;
                 DELETE FROM cost_tag_monthly;
                 COMMIT;",
            )
            .map_err(|e| self.sql_err(e))
    }
}

enum FeeError {
    Sql(rusqlite::Error),
    Outside(NaiveDate),
}

/// The month's once-a-month charges, summed per (day, account, service).
fn write_fees(tx: &Transaction<'_>, status: &MonthStatus) -> Result<(), FeeError> {
    let mut sums: BTreeMap<(i64, AccountKey, ServiceKey), Pair> = BTreeMap::new();
    for fee in status.fees.iter().flatten() {
        if Month::of(fee.day) != status.month {
            return Err(FeeError::Outside(fee.day));
        }
        sums.entry((day_key(fee.day), fee.account, fee.service))
            .or_default()
            .add(fee);
    }
    insert_sums(
        tx,
        "INSERT INTO cost_fees (day, account, service, unblended, amortized)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        sums.into_iter().map(|((d, a, s), p)| ([d, a, s], p)),
    )
    .map_err(FeeError::Sql)
}

fn delete_month(tx: &Transaction<'_>, month: Month) -> rusqlite::Result<()> {
    let (first, last) = (day_key(month.first_day()), day_key(month.last_day()));
    // The monthly rollup lists every (account, service) pair the month has rows for, so
    // each delete is an index range instead of a scan of all daily rows.
    tx.execute(
        "DELETE FROM cost_daily WHERE (account, service, day) IN (
            SELECT d.account, d.service, d.day
            FROM cost_monthly m
            JOIN cost_daily d ON d.account = m.account AND d.service = m.service
                AND d.day BETWEEN ?2 AND ?3
            WHERE m.month = ?1)",
        params![month.index(), first, last],
    )?;
    tx.execute("DELETE FROM cost_monthly WHERE month = ?1", [month.index()])?;
    tx.execute(
        "DELETE FROM cost_monthly_account WHERE month = ?1",
        [month.index()],
    )?;
    tx.execute(
        "DELETE FROM cost_monthly_service WHERE month = ?1",
        [month.index()],
    )?;
    tx.execute(
        "DELETE FROM export_periods WHERE month = ?1",
        [month.index()],
    )?;
    super::detail::delete_detail(tx, month)?;
    for table in [
        "cost_daily_account",
        "cost_daily_service",
        "cost_daily_org",
        "cost_fees",
    ] {
        tx.execute(
            &format!("DELETE FROM {table} WHERE day BETWEEN ?1 AND ?2"),
            params![first, last],
        )?;
    }
    Ok(())
}

fn write_rollups(tx: &Transaction<'_>, r: &Rollups) -> rusqlite::Result<()> {
    insert_sums(
        tx,
        "INSERT INTO cost_monthly (account, service, month, unblended, amortized)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        sorted(&r.service_account_month)
            .into_iter()
            .map(|((s, a, m), run)| ([a, s, m], run.sums)),
    )?;
    insert_values(
        tx,
        "INSERT INTO cost_daily_account
            (account, day, unblended, amortized, mtd_unblended, mtd_amortized)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        dense_days(&r.account_days, &r.last_days),
    )?;
    insert_values(
        tx,
        "INSERT INTO cost_daily_service
            (service, day, unblended, amortized, mtd_unblended, mtd_amortized)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        dense_days(&r.service_days, &r.last_days),
    )?;
    let org: HashMap<(i64, i64), MonthDays> = r
        .org_days
        .iter()
        .map(|(&m, days)| ((0, m), *days))
        .collect();
    insert_values(
        tx,
        "INSERT INTO cost_daily_org (day, unblended, amortized) VALUES (?1, ?2, ?3)",
        dense_days(&org, &r.last_days).map(|[_, day, u, a, _, _]| [day, u, a]),
    )?;
    insert_sums(
        tx,
        "INSERT INTO cost_monthly_account (month, account, unblended, amortized)
         VALUES (?1, ?2, ?3, ?4)",
        sorted(&r.account_days)
            .into_iter()
            .map(|((a, m), days)| ([m, a], month_total(&days))),
    )?;
    insert_sums(
        tx,
        "INSERT INTO cost_monthly_service (month, service, unblended, amortized)
         VALUES (?1, ?2, ?3, ?4)",
        sorted(&r.service_days)
            .into_iter()
            .map(|((s, m), days)| ([m, s], month_total(&days))),
    )
}

/// Rows (key, day, unblended, amortized, mtd_unblended, mtd_amortized) for every day
/// from the first of each month a key has data in up to the month's last day with data
/// (so a month in progress has no rows for days that have not happened); days without
/// data are zero.
fn dense_days(
    months: &HashMap<(i64, i64), MonthDays>,
    last_days: &BTreeMap<i64, i64>,
) -> impl Iterator<Item = [i64; 6]> {
    let mut rows = Vec::new();
    for ((key, month), days) in sorted(months) {
        let first = day_key(Month::from_index(month as i32).first_day());
        let last = last_days.get(&month).copied().unwrap_or(first);
        let mut mtd = Pair::default();
        for (day, daily) in (first..=last).zip(days.iter()) {
            mtd.0 += daily.0;
            mtd.1 += daily.1;
            rows.push([key, day, daily.0, daily.1, mtd.0, mtd.1]);
        }
    }
    rows.into_iter()
}

/// Inserts rows of `N` integer keys followed by the two metric sums.
fn insert_sums<const N: usize>(
    tx: &Transaction<'_>,
    sql: &str,
    rows: impl Iterator<Item = ([i64; N], Pair)>,
) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare(sql)?;
    for (keys, p) in rows {
        let values = keys.iter().copied().chain([p.0, p.1]);
        stmt.execute(rusqlite::params_from_iter(values))?;
    }
    Ok(())
}

fn insert_values<const N: usize>(
    tx: &Transaction<'_>,
    sql: &str,
    rows: impl Iterator<Item = [i64; N]>,
) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare(sql)?;
    for row in rows {
        stmt.execute(rusqlite::params_from_iter(row))?;
    }
    Ok(())
}
