//! The audit log's entries: one per phase of every remediation step, written before and
//! after each call so that a crash in the middle leaves a trace.

use super::remediation::{Observed, PlanStep};
use super::stamp::Stamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuditPhase {
    /// The step as the confirm dialog showed it.
    Planned,
    /// The operator confirmed the plan; `identity` is who applies it.
    Confirmed,
    /// Re-read before the call: the resource changed, so the step is skipped.
    Skipped,
    /// EC2 dry run: permitted, or not (the step stops there).
    DryRun,
    /// About to make the call. An intent without an outcome means the process died.
    Intent,
    Applied,
    Failed,
    Verified,
    /// The resource does not show the change (yet), or the call's outcome is unknown:
    /// the step stays pending until a re-verification closes it.
    Unverified,
    /// Re-verified: the re-read shows the change was never made.
    NotApplied,
}

impl AuditPhase {
    pub const ALL: [AuditPhase; 10] = [
        AuditPhase::Planned,
        AuditPhase::Confirmed,
        AuditPhase::Skipped,
        AuditPhase::DryRun,
        AuditPhase::Intent,
        AuditPhase::Applied,
        AuditPhase::Failed,
        AuditPhase::Verified,
        AuditPhase::Unverified,
        AuditPhase::NotApplied,
    ];

    pub fn name(self) -> &'static str {
        match self {
            AuditPhase::Planned => "planned",
            AuditPhase::Confirmed => "confirmed",
            AuditPhase::Skipped => "skipped",
            AuditPhase::DryRun => "dry-run",
            AuditPhase::Intent => "intent",
            AuditPhase::Applied => "applied",
            AuditPhase::Failed => "failed",
            AuditPhase::Verified => "verified",
            AuditPhase::Unverified => "unverified",
            AuditPhase::NotApplied => "not-applied",
        }
    }

    pub fn parse(name: &str) -> Option<AuditPhase> {
        AuditPhase::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Phases that close an intent: what the call did is known for certain (the change
    /// is there, it was never made, or AWS refused it). Applied alone does not close
    /// it: only the re-read that follows tells.
    pub fn closes_intent(self) -> bool {
        matches!(
            self,
            AuditPhase::Verified | AuditPhase::NotApplied | AuditPhase::Failed
        )
    }
}

/// One row of the audit log. Never holds credentials: identities are ARNs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// Assigned by the log (0 before it is written).
    pub id: i64,
    pub at: Stamp,
    pub plan: i64,
    /// Index of the step in its plan; None for plan-wide entries.
    pub step: Option<u32>,
    pub finding_id: Option<i64>,
    pub account: String,
    pub region: String,
    pub resource: String,
    pub action: String,
    pub phase: AuditPhase,
    pub identity: String,
    pub detail: String,
    pub request_id: Option<String>,
    pub undo: Option<String>,
    /// Made by the demo's simulation: nothing reached AWS.
    pub simulated: bool,
    /// The intent this entry is the outcome of (outcomes and re-verifications).
    pub intent_id: Option<i64>,
    /// An intent that nothing has closed yet: the call's outcome is unknown or not yet
    /// visible, so the resource must be re-verified (`costscope audit --reverify`).
    /// Set when read, never stored.
    pub reverify: bool,
}

/// What an intent row keeps so that the step can be re-verified later, by this process
/// or another: the step as confirmed and the resource as re-read just before the call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntentRecord {
    pub step: PlanStep,
    pub before: Observed,
}

/// An intent still waiting for its outcome, with what re-verifying it needs (None for
/// intents written by a costscope that did not record it).
#[derive(Debug, Clone, PartialEq)]
pub struct PendingStep {
    pub intent: AuditEntry,
    pub record: Option<IntentRecord>,
}
