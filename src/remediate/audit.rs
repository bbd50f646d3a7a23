//! Writes the audit entries of one plan: before and after every call, each outcome
//! naming the intent it closes.

use crate::domain::audit::{AuditEntry, AuditPhase, IntentRecord};
use crate::domain::remediation::PlanStep;
use crate::store::{AuditLog, Store, StoreError, StoreResult};

/// What an outcome entry records of the call: what happened, AWS's request id, and the
/// id of what the call made (the snapshot an undo restores from).
#[derive(Clone, Copy, Default)]
pub(super) struct Answer<'a> {
    pub detail: &'a str,
    pub request_id: Option<&'a str>,
    pub created: Option<&'a str>,
}

impl<'a> Answer<'a> {
    pub(super) fn said(detail: &'a str) -> Answer<'a> {
        Answer {
            detail,
            ..Answer::default()
        }
    }
}

/// Writes the entries of one plan.
pub(super) struct Audit<'a> {
    pub(super) log: &'a AuditLog,
    pub(super) plan: i64,
    pub(super) identity: &'a str,
    pub(super) simulated: bool,
}

impl Audit<'_> {
    fn entry(
        &self,
        index: Option<usize>,
        step: Option<&PlanStep>,
        phase: AuditPhase,
    ) -> AuditEntry {
        AuditEntry {
            id: 0,
            at: crate::domain::Stamp::now(),
            plan: self.plan,
            step: index.map(|i| i as u32),
            finding_id: step.map(|s| s.finding_id),
            account: step.map(|s| s.account.clone()).unwrap_or_default(),
            region: step.map(|s| s.region.clone()).unwrap_or_default(),
            resource: step.map(|s| s.resource.clone()).unwrap_or_default(),
            action: step.map_or_else(|| "plan".into(), |s| s.change.verb().to_string()),
            phase,
            identity: self.identity.to_string(),
            detail: String::new(),
            request_id: None,
            undo: step.and_then(PlanStep::undo),
            simulated: self.simulated,
            intent_id: None,
            reverify: false,
        }
    }

    pub(super) fn step(
        &self,
        index: usize,
        step: &PlanStep,
        phase: AuditPhase,
        detail: &str,
    ) -> Result<i64, StoreError> {
        let mut entry = self.entry(Some(index), Some(step), phase);
        entry.detail = detail.to_string();
        self.log.append(&entry, None)
    }

    pub(super) fn intent(
        &self,
        index: usize,
        step: &PlanStep,
        record: &IntentRecord,
    ) -> Result<i64, StoreError> {
        let mut entry = self.entry(Some(index), Some(step), AuditPhase::Intent);
        entry.detail = step.api_calls().join("; ");
        self.log.append(&entry, Some(record))
    }

    pub(super) fn outcome(
        &self,
        index: usize,
        step: &PlanStep,
        intent: i64,
        phase: AuditPhase,
        answer: Answer,
    ) -> Result<i64, StoreError> {
        let mut entry = self.entry(Some(index), Some(step), phase);
        entry.detail = answer.detail.to_string();
        entry.request_id = answer.request_id.map(str::to_string);
        entry.intent_id = Some(intent);
        entry.undo = step.undo_after(answer.created);
        self.log.append(&entry, None)
    }

    pub(super) fn plan_wide(&self, phase: AuditPhase, detail: &str) -> Result<i64, StoreError> {
        let mut entry = self.entry(None, None, phase);
        entry.detail = detail.to_string();
        self.log.append(&entry, None)
    }
}

/// The warning the TUI and `costscope apply` give while steps of earlier plans are still
/// pending (no outcome, an unknown outcome, or a change not visible yet).
pub fn pending_warning(store: &Store) -> StoreResult<Option<String>> {
    let pending = AuditLog::open_for(store)?.pending()?;
    if pending.is_empty() {
        return Ok(None);
    }
    let mut resources: Vec<&str> = pending.iter().map(|p| p.intent.resource.as_str()).collect();
    resources.dedup();
    Ok(Some(format!(
        "RE-VERIFY: {n0_change} have no confirmed outcome ({}); run `costscope audit --reverify`",
        resources.join(", "),
        n0_change = crate::domain::words::plural(pending.len(), "earlier change")
    )))
}
