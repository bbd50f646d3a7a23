//! The remediation audit log: append-only (the schema's triggers refuse UPDATE and
//! DELETE), one row per phase of each step.

use super::{Store, StoreResult};
use crate::domain::audit::{AuditEntry, AuditPhase};
use rusqlite::params;
use std::collections::HashSet;

impl Store {
    /// The id the next plan gets.
    pub fn next_plan_id(&self) -> StoreResult<i64> {
        self.conn
            .query_row(
                "SELECT coalesce(max(plan), 0) + 1 FROM audit_log",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.sql_err(e))
    }

    /// Appends one entry; returns its id.
    pub fn append_audit(&self, e: &AuditEntry) -> StoreResult<i64> {
        self.conn
            .execute(
                "INSERT INTO audit_log (at, plan, step, finding_id, account, region, resource,
                    action, phase, identity, detail, request_id, undo, simulated)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                params![
                    e.at,
                    e.plan,
                    e.step,
                    e.finding_id,
                    e.account,
                    e.region,
                    e.resource,
                    e.action,
                    e.phase.name(),
                    e.identity,
                    e.detail,
                    e.request_id,
                    e.undo,
                    e.simulated,
                ],
            )
            .map_err(|e| self.sql_err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The log, oldest first (only `plan` when given). Intents with no outcome after
    /// them come back with `reverify` set.
    pub fn audit_entries(&self, plan: Option<i64>) -> StoreResult<Vec<AuditEntry>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, at, plan, step, finding_id, account, region, resource, action, phase,
                        identity, detail, request_id, undo, simulated
                 FROM audit_log WHERE (?1 IS NULL OR plan = ?1) ORDER BY id",
            )
            .map_err(|e| self.sql_err(e))?;
        let mut entries = stmt
            .query_map([plan], |r| {
                let phase: String = r.get(9)?;
                Ok(AuditEntry {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    plan: r.get(2)?,
                    step: r.get(3)?,
                    finding_id: r.get(4)?,
                    account: r.get(5)?,
                    region: r.get(6)?,
                    resource: r.get(7)?,
                    action: r.get(8)?,
                    // A phase from a newer version reads as a failure, never as success.
                    phase: AuditPhase::parse(&phase).unwrap_or(AuditPhase::Failed),
                    identity: r.get(10)?,
                    detail: r.get(11)?,
                    request_id: r.get(12)?,
                    undo: r.get(13)?,
                    simulated: r.get(14)?,
                    reverify: false,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sql_err(e))?;
        mark_unfinished(&mut entries);
        Ok(entries)
    }

    /// Intents that never got an outcome, across the whole log.
    pub fn unfinished_intents(&self) -> StoreResult<Vec<AuditEntry>> {
        Ok(self
            .audit_entries(None)?
            .into_iter()
            .filter(|e| e.reverify)
            .collect())
    }
}

/// Sets `reverify` on every intent not followed by an outcome of the same plan and step.
fn mark_unfinished(entries: &mut [AuditEntry]) {
    let mut closed: HashSet<(i64, Option<u32>)> = HashSet::new();
    for e in entries.iter_mut().rev() {
        let key = (e.plan, e.step);
        if e.phase.is_outcome() {
            closed.insert(key);
        } else if e.phase == AuditPhase::Intent {
            e.reverify = !closed.remove(&key);
        }
    }
}
