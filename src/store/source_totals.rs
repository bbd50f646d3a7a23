//! Each source's own month totals per account and kind of charge. The views read one
//! source per month; these are kept for every source that delivered the month, so the
//! reconciliation can set Cost Explorer against an export.

use super::{AccountKey, Store, StoreResult};
use crate::domain::reconcile::SourceCharge;
use crate::domain::{Money, Month};
use rusqlite::params;

/// A month of one kind of charge in one account, as one source gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceTotal {
    pub account: AccountKey,
    /// "all" for a source that does not tell charges apart, else its kind of charge.
    pub charge: String,
    pub unblended: i64,
    pub amortized: i64,
}

impl Store {
    /// Replaces what `source` said of `month`, in one transaction.
    pub fn replace_source_totals(
        &mut self,
        month: Month,
        source: &str,
        totals: &[SourceTotal],
    ) -> StoreResult<()> {
        let path = self.path.clone();
        let classify = |e| super::error::classify(&path, e);
        let tx = self.conn.transaction().map_err(classify)?;
        tx.execute(
            "DELETE FROM source_totals WHERE month = ?1 AND source = ?2",
            params![month.index(), source],
        )
        .map_err(classify)?;
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO source_totals (month, source, account, charge, unblended, amortized)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT DO UPDATE SET unblended = unblended + excluded.unblended,
                        amortized = amortized + excluded.amortized",
                )
                .map_err(classify)?;
            for t in totals {
                insert
                    .execute(params![
                        month.index(),
                        source,
                        t.account,
                        t.charge,
                        t.unblended,
                        t.amortized
                    ])
                    .map_err(classify)?;
            }
        }
        tx.commit().map_err(classify)
    }

    /// The source the views read `month` from, if it is cached.
    pub fn month_source(&self, month: Month) -> StoreResult<Option<String>> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row(
                "SELECT source FROM months WHERE month = ?1",
                [month.index()],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.sql_err(e))
    }

    /// Every source's totals of `month` (or of every month), in (month, account,
    /// source, charge) order.
    pub fn source_totals(&self, month: Option<Month>) -> StoreResult<Vec<SourceCharge>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT t.month, t.source, a.id, a.name, t.charge, t.unblended, t.amortized
                 FROM source_totals t JOIN accounts a ON a.key = t.account
                 WHERE ?1 IS NULL OR t.month = ?1
                 ORDER BY t.month, a.id, t.source, t.charge",
            )
            .map_err(|e| self.sql_err(e))?;
        stmt.query_map([month.map(Month::index)], |r| {
            Ok(SourceCharge {
                month: Month::from_index(r.get(0)?),
                source: r.get(1)?,
                account_id: r.get(2)?,
                account_name: r.get(3)?,
                charge: r.get(4)?,
                unblended: Money::from_nanos(r.get(5)?),
                amortized: Money::from_nanos(r.get(6)?),
            })
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(|e| self.sql_err(e))
    }
}
