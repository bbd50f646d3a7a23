//! Inventory, scan coverage and findings. One transaction per scanned unit (an
//! account-region, or an account's buckets): its resources are replaced, its findings
//! upserted (first seen kept, last seen moved), and its findings not seen again closed.

use super::{Store, StoreResult};
use crate::domain::findings::{
    Evidence, Finding, FindingStatus, OpenSaving, Rule, Saving, TrackedFinding,
};
use crate::domain::inventory::{is_unread, StoredResource, Unread};
use crate::domain::{Money, Stamp};
use rusqlite::{params, OptionalExtension};

/// The unit name of an account's S3 buckets (bucket listing is global).
pub const S3_UNIT: &str = "s3";
/// The unit name used when a whole account could not be reached.
pub const ACCOUNT_UNIT: &str = "*";
/// The unit name (on the signed-in account) recording that the organization's accounts
/// could not be listed: the scan covered only the accounts already known.
pub const ORG_UNIT: &str = "org";

/// How one unit of the last scan went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanUnit {
    pub account: String,
    pub unit: String,
    pub scanned_at: Stamp,
    pub status: UnitStatus,
    pub reason: Option<String>,
    pub resources: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitStatus {
    Scanned,
    /// The scan tried and could not (role not assumable, access denied, ...).
    NotScanned,
    /// Deliberately left out (a region the account has not opted in to).
    Skipped,
    /// Scanned, but some evidence could not be read: the findings it would have given
    /// (or closed) are unknown.
    Partial,
}

impl UnitStatus {
    pub fn name(self) -> &'static str {
        match self {
            UnitStatus::Scanned => "scanned",
            UnitStatus::NotScanned => "not-scanned",
            UnitStatus::Skipped => "skipped",
            UnitStatus::Partial => "partial",
        }
    }

    fn parse(name: &str) -> UnitStatus {
        match name {
            "scanned" => UnitStatus::Scanned,
            "skipped" => UnitStatus::Skipped,
            "partial" => UnitStatus::Partial,
            _ => UnitStatus::NotScanned,
        }
    }
}

/// Which findings to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingFilter {
    /// Include dismissed and closed findings too.
    pub all: bool,
    pub rule: Option<Rule>,
    pub account: Option<String>,
    /// One finding.
    pub id: Option<i64>,
}

/// How much of each finding's evidence a read takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EvidenceRead {
    Whole,
    /// The one line a list shows; at 5,000 accounts the facts and series of 64k
    /// findings are most of the table, and only the opened finding shows them.
    Summary,
}

/// The findings a filter picks, with `evidence` as the evidence column, then `order`.
fn findings_sql(evidence: &str, order: &str) -> String {
    format!(
        "SELECT id, rule, account, region, resource, label, action, saving, {evidence},
                status, first_seen, last_seen, dismissed_reason
         FROM findings
         WHERE (?1 OR status = 'open')
           AND (?2 IS NULL OR rule = ?2)
           AND (?3 IS NULL OR account = ?3)
           AND (?4 IS NULL OR id = ?4)
         {order}"
    )
}

/// What one unit's write changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnitChanges {
    pub new: u64,
    pub still_open: u64,
    pub closed: u64,
}

/// The badge columns of the open findings: all in the index `findings_badges`.
const OPEN_FINDING_SAVINGS: &str = "SELECT id, rule, account, region, resource, saving
     FROM findings WHERE status = 'open' ORDER BY account, region, resource";

impl Store {
    /// Replaces one unit's inventory and reconciles its findings, in one transaction.
    pub fn write_scanned_unit(
        &mut self,
        account: &str,
        unit: &str,
        resources: &[StoredResource],
        findings: &[Finding],
        unread: &[Unread],
        now: Stamp,
    ) -> StoreResult<UnitChanges> {
        let path = self.path.clone();
        let err = |e| super::error::classify(&path, e);
        let key = UnitKey { account, unit, now };
        let tx = self.conn.transaction().map_err(err)?;
        replace_resources(&tx, key, resources).map_err(err)?;
        let (new, still_open) = upsert_findings(&tx, key, findings).map_err(err)?;
        let closed = close_unseen(&tx, key, unread).map_err(err)?;
        let (status, reason) = unit_outcome(unread);
        upsert_unit(
            &tx,
            account,
            unit,
            now,
            status,
            reason.as_deref(),
            resources.len() as u64,
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(UnitChanges {
            new,
            still_open,
            closed,
        })
    }

    /// Records that a unit was not scanned, and why. Its inventory and findings stay as
    /// the last successful scan left them: unknown now is not "nothing to fix".
    pub fn record_unscanned_unit(
        &mut self,
        account: &str,
        unit: &str,
        status: UnitStatus,
        reason: &str,
        now: Stamp,
    ) -> StoreResult<()> {
        upsert_unit(&self.conn, account, unit, now, status, Some(reason), 0)
            .map_err(|e| self.sql_err(e))
    }

    /// The coverage of the scans: every unit with its last status.
    pub fn scan_units(&self) -> StoreResult<Vec<ScanUnit>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT account, unit, scanned_at, status, reason, resources
                 FROM scan_units ORDER BY account, unit",
            )
            .map_err(|e| self.sql_err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(ScanUnit {
                    account: r.get(0)?,
                    unit: r.get(1)?,
                    scanned_at: r.get(2)?,
                    status: UnitStatus::parse(&r.get::<_, String>(3)?),
                    reason: r.get(4)?,
                    resources: r.get::<_, i64>(5)?.max(0) as u64,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sql_err(e))?;
        Ok(rows)
    }

    /// Findings, the largest saving first, unknown savings last.
    pub fn findings(&self, filter: &FindingFilter) -> StoreResult<Vec<TrackedFinding>> {
        let order = "ORDER BY saving_nanos IS NULL, saving_nanos DESC, rule, account, resource";
        self.read_findings(
            filter,
            &findings_sql("evidence", order),
            EvidenceRead::Whole,
        )
    }

    /// Findings as a list shows them, in no order (the list sorts): of the evidence only
    /// its summary line; `findings` with the id reads the whole of the one opened.
    pub fn finding_list(&self, filter: &FindingFilter) -> StoreResult<Vec<TrackedFinding>> {
        // Evidence that is not JSON leaves its row out, as `findings` does.
        let summary = "CASE WHEN json_valid(evidence) THEN evidence ->> '$.summary' END";
        self.read_findings(filter, &findings_sql(summary, ""), EvidenceRead::Summary)
    }

    /// The open findings with what the savings badges need, one resource's together
    /// (by account, region, resource): no label, action or evidence (at 5,000 accounts
    /// the evidence is most of the table, and the cost views open with these badges).
    pub fn open_finding_savings(&self) -> StoreResult<Vec<OpenSaving>> {
        let mut stmt = self
            .conn
            .prepare_cached(OPEN_FINDING_SAVINGS)
            .map_err(|e| self.sql_err(e))?;
        stmt.query_map([], open_saving)
            .and_then(|rows| rows.filter_map(Result::transpose).collect())
            .map_err(|e| self.sql_err(e))
    }

    /// The findings a filter picks, from a query made by `findings_sql`.
    fn read_findings(
        &self,
        filter: &FindingFilter,
        sql: &str,
        evidence_read: EvidenceRead,
    ) -> StoreResult<Vec<TrackedFinding>> {
        let params = params![
            filter.all,
            filter.rule.map(Rule::name),
            filter.account.as_deref(),
            filter.id
        ];
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.sql_err(e))?;
        let rows = stmt
            .query_map(params, |r| {
                let rule: String = r.get(1)?;
                let saving: String = r.get(7)?;
                let evidence: Option<String> = r.get(8)?;
                let status: String = r.get(9)?;
                Ok((
                    rule,
                    saving,
                    evidence,
                    status,
                    TrackedFinding {
                        id: r.get(0)?,
                        finding: Finding {
                            rule: Rule::IdleEc2,
                            account: r.get(2)?,
                            region: r.get(3)?,
                            resource: r.get(4)?,
                            label: r.get(5)?,
                            action: r.get(6)?,
                            saving: Saving::Unknown {
                                reason: String::new(),
                            },
                            evidence: Evidence::default(),
                        },
                        status: FindingStatus::Open,
                        first_seen: r.get(10)?,
                        last_seen: r.get(11)?,
                        dismissed_reason: r.get(12)?,
                    },
                ))
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sql_err(e))?;
        // Rows this build cannot read (a rule from a newer version) are left out, not guessed.
        Ok(rows
            .into_iter()
            .filter_map(|(rule, saving, evidence, status, mut tracked)| {
                tracked.finding.rule = Rule::parse(&rule)?;
                tracked.finding.saving = serde_json::from_str(&saving).ok()?;
                tracked.finding.evidence = match evidence_read {
                    EvidenceRead::Whole => serde_json::from_str(&evidence?).ok()?,
                    EvidenceRead::Summary => Evidence {
                        summary: evidence?,
                        ..Evidence::default()
                    },
                };
                tracked.status = FindingStatus::parse(&status)?;
                Some(tracked)
            })
            .collect())
    }

    /// Dismisses a finding with a reason; later scans keep it dismissed.
    /// Returns false when there is no such finding.
    pub fn dismiss_finding(&self, id: i64, reason: &str, now: Stamp) -> StoreResult<bool> {
        self.conn
            .execute(
                "UPDATE findings SET dismissed_reason = ?2, dismissed_at = ?3,
                    status = CASE WHEN status = 'closed' THEN 'closed' ELSE 'dismissed' END
                 WHERE id = ?1",
                params![id, reason, now],
            )
            .map(|n| n > 0)
            .map_err(|e| self.sql_err(e))
    }

    /// Undoes a dismissal.
    pub fn restore_finding(&self, id: i64) -> StoreResult<bool> {
        self.conn
            .execute(
                "UPDATE findings SET dismissed_reason = NULL, dismissed_at = NULL,
                    status = CASE WHEN status = 'dismissed' THEN 'open' ELSE status END
                 WHERE id = ?1",
                params![id],
            )
            .map(|n| n > 0)
            .map_err(|e| self.sql_err(e))
    }

    /// Marks a finding applied (its remediation ran and was verified). A later scan that
    /// finds the same problem again reopens it.
    pub fn mark_finding_applied(&self, id: i64, now: Stamp) -> StoreResult<()> {
        self.conn
            .execute(
                "UPDATE findings SET status = 'applied', applied_at = ?2 WHERE id = ?1",
                params![id, now],
            )
            .map(|_| ())
            .map_err(|e| self.sql_err(e))
    }

    /// The last scan's record (JSON) of a resource.
    pub fn resource_data(
        &self,
        account: &str,
        kind: &str,
        id: &str,
    ) -> StoreResult<Option<String>> {
        self.conn
            .query_row(
                "SELECT data FROM resources WHERE account = ?1 AND kind = ?2 AND id = ?3",
                params![account, kind, id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.sql_err(e))
    }

    /// Replaces (Some) or removes (None) a resource's record: the demo's simulated
    /// changes land here, so browsing shows them.
    pub fn set_resource_data(
        &self,
        account: &str,
        kind: &str,
        id: &str,
        data: Option<&str>,
    ) -> StoreResult<()> {
        let result = match data {
            Some(data) => self.conn.execute(
                "UPDATE resources SET data = ?4 WHERE account = ?1 AND kind = ?2 AND id = ?3",
                params![account, kind, id, data],
            ),
            None => self.conn.execute(
                "DELETE FROM resources WHERE account = ?1 AND kind = ?2 AND id = ?3",
                params![account, kind, id],
            ),
        };
        result.map(|_| ()).map_err(|e| self.sql_err(e))
    }

    /// Forgets every scan: inventory, coverage and findings (the demo regenerates them).
    pub fn clear_scan_data(&self) -> StoreResult<()> {
        self.conn
            .execute_batch("DELETE FROM resources; DELETE FROM findings; DELETE FROM scan_units;")
            .map_err(|e| self.sql_err(e))
    }

    /// Resources in the cache, by kind.
    pub fn resource_counts(&self) -> StoreResult<Vec<(String, u64)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT kind, count(*) FROM resources GROUP BY kind ORDER BY kind")
            .map_err(|e| self.sql_err(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)?.max(0) as u64)))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sql_err(e))?;
        Ok(rows)
    }
}

fn upsert_unit(
    conn: &rusqlite::Connection,
    account: &str,
    unit: &str,
    now: Stamp,
    status: UnitStatus,
    reason: Option<&str>,
    resources: u64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO scan_units (account, unit, scanned_at, status, reason, resources)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![account, unit, now, status.name(), reason, resources as i64],
    )
    .map(|_| ())
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Plain data with string keys always serialises.
    serde_json::to_string(value).unwrap_or_default()
}

/// Which unit a write is for, and the stamp it writes.
#[derive(Clone, Copy)]
struct UnitKey<'a> {
    account: &'a str,
    unit: &'a str,
    now: Stamp,
}

fn replace_resources(
    conn: &rusqlite::Connection,
    key: UnitKey,
    resources: &[StoredResource],
) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM resources WHERE account = ?1 AND unit = ?2",
        params![key.account, key.unit],
    )?;
    let mut insert = conn.prepare(
        "INSERT OR REPLACE INTO resources (account, unit, kind, id, region, seen_at, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for r in resources {
        insert.execute(params![
            key.account,
            key.unit,
            r.kind,
            r.id,
            r.region,
            key.now,
            r.data
        ])?;
    }
    Ok(())
}

/// Upserts the unit's findings (first seen kept, last seen moved, a dismissal kept);
/// returns how many were new and how many were open already.
fn upsert_findings(
    conn: &rusqlite::Connection,
    key: UnitKey,
    findings: &[Finding],
) -> rusqlite::Result<(u64, u64)> {
    let mut existing = conn.prepare(
        "SELECT id FROM findings
         WHERE rule = ?1 AND account = ?2 AND region = ?3 AND resource = ?4",
    )?;
    let mut upsert = conn.prepare(
        "INSERT INTO findings (rule, account, unit, region, resource, label, action,
            saving_nanos, saving, evidence, status, first_seen, last_seen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'open', ?11, ?11)
         ON CONFLICT (rule, account, region, resource) DO UPDATE SET
            unit = excluded.unit, label = excluded.label, action = excluded.action,
            saving_nanos = excluded.saving_nanos, saving = excluded.saving,
            evidence = excluded.evidence, last_seen = excluded.last_seen,
            closed_at = NULL,
            status = CASE WHEN dismissed_reason IS NULL THEN 'open' ELSE 'dismissed' END",
    )?;
    let (mut new, mut still_open) = (0, 0);
    for f in findings {
        let known: Option<i64> = existing
            .query_row(
                params![f.rule.name(), key.account, f.region, f.resource],
                |r| r.get(0),
            )
            .optional()?;
        if known.is_some() {
            still_open += 1;
        } else {
            new += 1;
        }
        upsert.execute(params![
            f.rule.name(),
            key.account,
            key.unit,
            f.region,
            f.resource,
            f.label,
            f.action,
            f.saving.amount().map(Money::nanos),
            to_json(&f.saving),
            to_json(&f.evidence),
            key.now,
        ])?;
    }
    Ok((new, still_open))
}

/// Closes the unit's findings not seen again, except where the rule could not read its
/// evidence: a rule that could not run closes nothing. Returns how many it closed.
fn close_unseen(
    conn: &rusqlite::Connection,
    key: UnitKey,
    unread: &[Unread],
) -> rusqlite::Result<u64> {
    let stale: Vec<(i64, String, String)> = conn
        .prepare(
            "SELECT id, rule, resource FROM findings
             WHERE account = ?1 AND unit = ?2 AND status NOT IN ('closed', 'applied')
               AND last_seen <> ?3",
        )?
        .query_map(params![key.account, key.unit, key.now], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut closed = 0;
    for (id, rule, resource) in stale {
        let kept = Rule::parse(&rule).is_some_and(|rule| is_unread(unread, rule, &resource));
        if !kept {
            conn.execute(
                "UPDATE findings SET status = 'closed', closed_at = ?2 WHERE id = ?1",
                params![id, key.now],
            )?;
            closed += 1;
        }
    }
    Ok(closed)
}

/// One row of `OPEN_FINDING_SAVINGS`; None for a row this build cannot read (a rule
/// from a newer version), which is left out.
fn open_saving(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<OpenSaving>> {
    let text = |i: usize| -> rusqlite::Result<&str> { Ok(r.get_ref(i)?.as_str()?) };
    let (Some(rule), Ok(saving)) = (Rule::parse(text(1)?), serde_json::from_str(text(5)?)) else {
        return Ok(None);
    };
    Ok(Some(OpenSaving {
        id: r.get(0)?,
        rule,
        account: r.get(2)?,
        region: r.get(3)?,
        resource: r.get(4)?,
        saving,
    }))
}

/// Scanned, or partial with what could not be read.
fn unit_outcome(unread: &[Unread]) -> (UnitStatus, Option<String>) {
    if unread.is_empty() {
        return (UnitStatus::Scanned, None);
    }
    let reasons: Vec<String> = unread
        .iter()
        .map(|u| match &u.resource {
            Some(resource) => format!("{} {resource}: {}", u.rule.name(), u.reason),
            None => format!("{}: {}", u.rule.name(), u.reason),
        })
        .collect();
    (UnitStatus::Partial, Some(reasons.join("; ")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_savings_badges_read_the_covering_index_in_its_order_not_the_rows() {
        let dir = tempfile::tempdir().unwrap();
        let store = super::Store::open(&dir.path().join("cache.sqlite")).unwrap();
        let plan = store.query_plan(super::OPEN_FINDING_SAVINGS, []);
        assert!(
            plan.iter()
                .any(|p| p.contains("USING COVERING INDEX findings_badges")),
            "{plan:?}"
        );
        assert!(
            !plan.iter().any(|p| p.contains("TEMP B-TREE")),
            "one resource's findings come together without a sort: {plan:?}"
        );
    }
}
