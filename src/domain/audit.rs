//! The audit log's entries: one per phase of every remediation step, written before and
//! after each call so that a crash in the middle leaves a trace.

use serde::Serialize;

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
    /// The call returned but the resource does not show the change (yet).
    Unverified,
}

impl AuditPhase {
    pub const ALL: [AuditPhase; 9] = [
        AuditPhase::Planned,
        AuditPhase::Confirmed,
        AuditPhase::Skipped,
        AuditPhase::DryRun,
        AuditPhase::Intent,
        AuditPhase::Applied,
        AuditPhase::Failed,
        AuditPhase::Verified,
        AuditPhase::Unverified,
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
        }
    }

    pub fn parse(name: &str) -> Option<AuditPhase> {
        AuditPhase::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Phases that close an intent: the call's outcome is known.
    pub fn is_outcome(self) -> bool {
        matches!(self, AuditPhase::Applied | AuditPhase::Failed)
    }
}

/// One row of the audit log. Never holds credentials: identities are ARNs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// Assigned by the log (0 before it is written).
    pub id: i64,
    pub at: String,
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
    /// An intent with no outcome after it: the process stopped mid-call, so the
    /// resource must be re-verified by hand (set when read, never stored).
    pub reverify: bool,
}
