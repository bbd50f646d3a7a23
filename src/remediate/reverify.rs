//! Re-verification: every step the audit log still has pending (an intent without an
//! outcome, an unknown outcome, a change not visible yet) is re-read and closed as
//! verified or not applied, or recorded as still unknown. Nothing is sent but reads.

use super::audit::{Answer, Audit};
use super::{write_access, Access, Actions, ApplyError, Backend};
use crate::domain::audit::{AuditEntry, AuditPhase, IntentRecord};
use crate::domain::remediation::{shows_change, shows_no_change};
use crate::store::{AuditLog, Store};

/// How a pending step ended when it was re-read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reverified {
    /// The change is there: closed as verified.
    Verified,
    /// The resource is as it was before the call: closed as not applied.
    NotApplied(String),
    /// Neither can be told yet: still pending.
    StillUnknown(String),
}

impl Reverified {
    pub fn label(&self) -> &'static str {
        match self {
            Reverified::Verified => "verified",
            Reverified::NotApplied(_) => "not applied",
            Reverified::StillUnknown(_) => "still unknown",
        }
    }
}

/// Re-reads every pending step (an intent nothing has closed) and closes it as verified
/// or not applied, or records that it is still unknown. Nothing is sent but reads.
pub async fn reverify<B: Backend>(
    backend: &B,
    store: &Store,
    audit_log: &AuditLog,
    access: Access,
) -> Result<Vec<(AuditEntry, Reverified)>, ApplyError> {
    write_access(access)?;
    let identity = backend
        .identity()
        .await
        .map_err(|e| ApplyError::Identity(e.to_string()))?;
    let mut results = Vec::new();
    for pending in audit_log.pending()? {
        let intent = pending.intent;
        let outcome = match &pending.record {
            None => Reverified::StillUnknown(
                "written by an older costscope without the step's record: check this resource in AWS by hand".into(),
            ),
            Some(record) => reread(backend, record).await,
        };
        let audit = Audit {
            log: audit_log,
            plan: intent.plan,
            identity: &identity,
            simulated: backend.simulated(),
        };
        let (phase, detail) = match &outcome {
            Reverified::Verified => (
                AuditPhase::Verified,
                "re-verified: the change is there".to_string(),
            ),
            Reverified::NotApplied(why) => (
                AuditPhase::NotApplied,
                format!("re-verified: the change was not made ({why})"),
            ),
            Reverified::StillUnknown(why) => (
                AuditPhase::Unverified,
                format!("re-verified: still unknown ({why})"),
            ),
        };
        if let Some(record) = &pending.record {
            let index = intent.step.unwrap_or_default() as usize;
            audit.outcome(index, &record.step, intent.id, phase, Answer::said(&detail))?;
            if outcome == Reverified::Verified {
                store.mark_finding_applied(record.step.finding_id, crate::domain::Stamp::now())?;
            }
        }
        results.push((intent, outcome));
    }
    Ok(results)
}

async fn reread<B: Backend>(backend: &B, record: &IntentRecord) -> Reverified {
    let step = &record.step;
    let actions = match backend.actions_for(&step.account, &step.region).await {
        Ok(actions) => actions,
        Err(e) => return Reverified::StillUnknown(format!("cannot reach the account: {e}")),
    };
    match actions.observe(step).await {
        Err(e) => Reverified::StillUnknown(format!("could not re-read it: {e}")),
        Ok(after) => match shows_change(step, &record.before, &after) {
            Ok(()) => Reverified::Verified,
            Err(shown) => match shows_no_change(step, &after) {
                Some(unchanged) => Reverified::NotApplied(unchanged),
                None => Reverified::StillUnknown(shown),
            },
        },
    }
}
