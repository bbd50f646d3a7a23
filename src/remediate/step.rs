//! One step of a plan, phase by phase: re-read and re-check, dry-run, write the intent
//! and call once, re-read to verify. Every phase's outcome is audited before the next.

use super::audit::{Answer, Audit};
use super::{
    step_token, ActionError, Actions, ApplyEvent, AuditFailure, CallError, DryRun, StepOutcome,
};
use crate::domain::audit::{AuditPhase, IntentRecord};
use crate::domain::remediation::{shows_change, still_applies, Observed, PlanStep};
use crate::store::Store;

pub(super) async fn run_step<A: Actions>(
    actions: &A,
    store: &Store,
    audit: &Audit<'_>,
    index: usize,
    step: &PlanStep,
    progress: &mut dyn FnMut(ApplyEvent),
) -> Result<StepOutcome, AuditFailure> {
    progress(ApplyEvent::Phase {
        index,
        phase: "re-reading",
    });
    let before = match recheck(actions, audit, index, step).await? {
        Ok(before) => before,
        Err(outcome) => return Ok(outcome),
    };
    if step.change.has_dry_run() {
        progress(ApplyEvent::Phase {
            index,
            phase: "dry run",
        });
        if let Some(outcome) = dry_run(actions, audit, index, step).await? {
            return Ok(outcome);
        }
    }
    progress(ApplyEvent::Phase {
        index,
        phase: "applying",
    });
    let (intent, unknown) = match call(actions, audit, index, step, &before).await? {
        Ok(called) => called,
        Err(outcome) => return Ok(outcome),
    };
    progress(ApplyEvent::Phase {
        index,
        phase: "verifying",
    });
    verify(actions, store, audit, index, step, &before, intent, unknown).await
}

/// The resource re-read before anything is sent, and whether the step still applies to
/// it (`Err`: the outcome, skipped or failed, already audited).
async fn recheck<A: Actions>(
    actions: &A,
    audit: &Audit<'_>,
    index: usize,
    step: &PlanStep,
) -> Result<Result<Observed, StepOutcome>, AuditFailure> {
    let before = match actions.observe(step).await {
        Ok(observed) => observed,
        Err(e) => {
            let reason = format!("could not re-read the resource: {e}");
            audit.step(index, step, AuditPhase::Failed, &reason)?;
            return Ok(Err(StepOutcome::Failed(reason)));
        }
    };
    if let Err(why) = still_applies(step, &before) {
        let reason = format!("changed since the scan: {why}");
        audit.step(index, step, AuditPhase::Skipped, &reason)?;
        return Ok(Err(StepOutcome::Skipped(reason)));
    }
    Ok(Ok(before))
}

/// The DryRun of the call: `Some` outcome (not permitted, failed) ends the step with
/// nothing changed.
async fn dry_run<A: Actions>(
    actions: &A,
    audit: &Audit<'_>,
    index: usize,
    step: &PlanStep,
) -> Result<Option<StepOutcome>, AuditFailure> {
    match actions.dry_run(step).await {
        Ok(DryRun::Permitted) => {
            audit.step(
                    index,
                    step,
                    AuditPhase::DryRun,
                    "DryRunOperation: this identity is permitted (a dry run proves permission, not success)",
                )?;
        }
        Ok(DryRun::NotOffered) => {}
        Ok(DryRun::Unauthorized(message)) => {
            let reason = format!(
                    "UnauthorizedOperation: this identity may not make this call ({message}); nothing was changed"
                );
            audit.step(index, step, AuditPhase::DryRun, &reason)?;
            return Ok(Some(StepOutcome::NotPermitted(reason)));
        }
        Err(e) => {
            let reason = format!("the dry run failed: {e}; nothing was changed");
            audit.step(index, step, AuditPhase::Failed, &reason)?;
            return Ok(Some(StepOutcome::Failed(reason)));
        }
    }
    Ok(None)
}

/// The intent is written, then the call is sent once. `Ok((intent, unknown))` when AWS
/// answered success or the outcome is unknown (with why, and the request id); `Err`:
/// AWS refused it, and that outcome is audited.
async fn call<A: Actions>(
    actions: &A,
    audit: &Audit<'_>,
    index: usize,
    step: &PlanStep,
    before: &Observed,
) -> Result<Result<(i64, Called), StepOutcome>, AuditFailure> {
    let record = IntentRecord {
        step: step.clone(),
        before: before.clone(),
    };
    let intent = audit.intent(index, step, &record)?;
    let token = step_token(audit.plan, index);
    let mut created = None;
    let called = match actions.apply(step, before, &token).await {
        Ok(applied) => {
            created = applied.created.clone();
            let detail = applied.detail.clone();
            audit
                .outcome(
                    index,
                    step,
                    intent,
                    AuditPhase::Applied,
                    Answer {
                        detail: &applied.detail,
                        request_id: applied.request_id.as_deref(),
                        created: applied.created.as_deref(),
                    },
                )
                .map_err(|error| AuditFailure {
                    error,
                    called: Some(format!(
                        "it answered success{}: {detail}",
                        applied
                            .request_id
                            .as_deref()
                            .map(|id| format!(", request {id}"))
                            .unwrap_or_default()
                    )),
                })?;
            None
        }
        Err(CallError {
            error: ActionError::UnknownOutcome(message),
            request_id,
        }) => Some((message, request_id)),
        Err(CallError { error, request_id }) => {
            let reason = error.to_string();
            audit
                .outcome(
                    index,
                    step,
                    intent,
                    AuditPhase::Failed,
                    Answer {
                        detail: &reason,
                        request_id: request_id.as_deref(),
                        created: None,
                    },
                )
                .map_err(|error| AuditFailure {
                    error,
                    called: Some(format!("AWS refused it: {reason}")),
                })?;
            return Ok(Err(StepOutcome::Failed(reason)));
        }
    };
    Ok(Ok((
        intent,
        Called {
            unknown: called,
            created,
        },
    )))
}

/// How the call went when AWS did not refuse it: the outcome unknown (with why), and
/// the id of what it made.
struct Called {
    unknown: Option<Unknown>,
    created: Option<String>,
}

/// Why an outcome is unknown, and AWS's request id if one came back.
type Unknown = (String, Option<String>);

/// The re-read after the call decides: the change is there (verified, the finding
/// marked applied) or not (unverified, for `audit --reverify`). Never sent again.
#[allow(clippy::too_many_arguments)]
async fn verify<A: Actions>(
    actions: &A,
    store: &Store,
    audit: &Audit<'_>,
    index: usize,
    step: &PlanStep,
    before: &Observed,
    intent: i64,
    called: Called,
) -> Result<StepOutcome, AuditFailure> {
    let Called {
        unknown: called,
        created,
    } = called;
    // Never sent again: the re-read decides, and "already changed" is success.
    let verdict = match actions.observe(step).await {
        Ok(after) => shows_change(step, before, &after),
        Err(e) => Err(format!("could not re-read it: {e}")),
    };
    let lost = |error| AuditFailure {
        error,
        called: Some("its result is not recorded".into()),
    };
    match (verdict, called) {
        (Ok(()), unknown) => {
            let detail = match unknown {
                None => "re-read: the change is there".to_string(),
                Some((message, _)) => {
                    format!("outcome unknown ({message}), but the re-read shows the change")
                }
            };
            audit
                .outcome(
                    index,
                    step,
                    intent,
                    AuditPhase::Verified,
                    Answer {
                        detail: &detail,
                        request_id: None,
                        created: created.as_deref(),
                    },
                )
                .map_err(lost)?;
            store
                .mark_finding_applied(step.finding_id, crate::domain::Stamp::now())
                .map_err(lost)?;
            Ok(StepOutcome::Verified)
        }
        (Err(why), unknown) => {
            let (reason, request_id) = match unknown {
                None => (why, None),
                Some((message, request_id)) => (
                    format!(
                        "outcome unknown ({message}) and the re-read does not show the change ({why}); not sent again: re-verify with `costscope audit --reverify`"
                    ),
                    request_id,
                ),
            };
            audit
                .outcome(
                    index,
                    step,
                    intent,
                    AuditPhase::Unverified,
                    Answer {
                        detail: &reason,
                        request_id: request_id.as_deref(),
                        created: created.as_deref(),
                    },
                )
                .map_err(lost)?;
            Ok(StepOutcome::Unverified(reason))
        }
    }
}
