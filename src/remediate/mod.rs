//! The executor: runs a confirmed plan step by step (re-read, dry run, call, verify)
//! and writes the audit log before and after every call. The calls themselves are made
//! by a `Backend`: AWS (src/aws/remediation.rs, the only code that changes AWS) or the
//! demo's simulation over the cache. In read-only mode nothing here runs.

mod audit;
mod outcome;
pub mod plan;
mod reverify;
pub mod simulated;
mod step;

pub use audit::pending_warning;
use audit::Audit;
pub use outcome::{ApplyEvent, ApplySummary, StepOutcome};
pub use reverify::{reverify, Reverified};
use step::run_step;

use crate::domain::audit::AuditPhase;
use crate::domain::remediation::{Observed, Plan, PlanStep};
use crate::domain::Stamp;
use crate::store::{AuditLog, Store, StoreError};
use std::collections::hash_map::{Entry, HashMap};
use std::future::Future;

/// Whether this run may change anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    ReadOnly,
    ReadWrite,
}

/// Proof that writing is allowed: only `write_access` makes one, and every backend that
/// can change AWS needs one to be built.
#[derive(Debug, Clone, Copy)]
pub struct WriteAccess(());

pub fn write_access(access: Access) -> Result<WriteAccess, ApplyError> {
    match access {
        Access::ReadWrite => Ok(WriteAccess(())),
        Access::ReadOnly => Err(ApplyError::ReadOnly),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("read-only mode: costscope will not change anything (drop --read-only, or set [apply] read_only = false)")]
    ReadOnly,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot tell who would apply the plan: {0}")]
    Identity(String),
    #[error("plan {plan} stopped: the audit log could not be written: {message}")]
    AuditLost { plan: i64, message: String },
}

/// What an EC2 dry run said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DryRun {
    /// DryRunOperation: this identity may make the call (not that it will succeed).
    Permitted,
    /// UnauthorizedOperation: it may not.
    Unauthorized(String),
    /// The API has no dry run (S3, RDS).
    NotOffered,
}

/// A call that returned.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Applied {
    pub request_id: Option<String>,
    /// What was done, with any ids created (the snapshot taken before a delete).
    pub detail: String,
    /// The id of what the call made that undoing needs: the snapshot taken before a
    /// volume is deleted.
    pub created: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    #[error("access denied: {0}")]
    AccessDenied(String),
    /// A timeout, lost connection or server error: the call may or may not have
    /// happened.
    #[error("outcome unknown: {0}")]
    UnknownOutcome(String),
    #[error("{0}")]
    Failed(String),
}

/// A mutating call that did not return success, with AWS's request id when it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    pub error: ActionError,
    pub request_id: Option<String>,
}

impl From<ActionError> for CallError {
    fn from(error: ActionError) -> CallError {
        CallError {
            error,
            request_id: None,
        }
    }
}

/// The calls for one account and region.
pub trait Actions {
    /// Re-reads the step's resource.
    fn observe(&self, step: &PlanStep) -> impl Future<Output = Result<Observed, ActionError>>;
    fn dry_run(&self, step: &PlanStep) -> impl Future<Output = Result<DryRun, ActionError>>;
    /// Makes the change, once. `before` is what `observe` just read; `token` names this
    /// step of this plan (resources the change creates are tagged with it, and looked
    /// for before anything is created again).
    fn apply(
        &self,
        step: &PlanStep,
        before: &Observed,
        token: &str,
    ) -> impl Future<Output = Result<Applied, CallError>>;
}

pub trait Backend {
    type Actions: Actions;
    /// True for the demo: nothing leaves the machine.
    fn simulated(&self) -> bool;
    /// The identity that acts (an ARN), as the confirm dialog shows it.
    fn identity(&self) -> impl Future<Output = Result<String, ActionError>>;
    /// The identity that acts in `account`: in member accounts, the role assumed there.
    fn acting_identity(&self, _account: &str) -> impl Future<Output = Result<String, ActionError>> {
        self.identity()
    }
    fn actions_for(
        &self,
        account: &str,
        region: &str,
    ) -> impl Future<Output = Result<Self::Actions, ActionError>>;
}

/// Who would apply a plan: the signed-in identity, and the one that acts in each of the
/// plan's accounts (or why it cannot act there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acting {
    pub caller: String,
    pub accounts: Vec<(String, Result<String, String>)>,
}

impl Acting {
    /// The accounts where someone other than the caller acts, or nobody can.
    pub fn differing(&self) -> impl Iterator<Item = &(String, Result<String, String>)> {
        self.accounts
            .iter()
            .filter(|(_, acting)| acting.as_deref() != Ok(self.caller.as_str()))
    }
}

/// Asks a running plan to stop after the step in flight (a signal, or quitting the
/// TUI). The step in flight always finishes and writes its outcome first.
#[derive(Debug, Default)]
pub struct StopRequest {
    why: std::sync::Mutex<Option<String>>,
}

impl StopRequest {
    pub fn request(&self, why: &str) {
        if let Ok(mut slot) = self.why.lock() {
            slot.get_or_insert_with(|| why.to_string());
        }
    }

    pub fn requested(&self) -> Option<String> {
        self.why.lock().ok().and_then(|slot| slot.clone())
    }
}

/// A confirmed plan and how to run it.
pub struct ApplyRequest<'a> {
    pub plan: &'a Plan,
    /// Who applies (as the confirm dialog showed it).
    pub identity: &'a str,
    pub stop_on_error: bool,
    pub stop: Option<&'a StopRequest>,
}

/// The name a step's changes are tagged with in AWS: plan and step, unique per log.
pub fn step_token(plan: i64, index: usize) -> String {
    format!("costscope-plan-{plan}-step-{}", index + 1)
}

/// An audit write failed; `called` says what was sent to AWS when it happened after a
/// mutating call.
struct AuditFailure {
    error: StoreError,
    called: Option<String>,
}

impl From<StoreError> for AuditFailure {
    fn from(error: StoreError) -> AuditFailure {
        AuditFailure {
            error,
            called: None,
        }
    }
}

/// Runs every step of a confirmed plan. One failed step does not stop the others
/// unless `stop_on_error`; a stop request ends the plan after the step in flight.
/// Entries go to `audit` before and after every call; if one cannot be written even
/// after retries, the plan stops and the error says what was done.
pub async fn apply_plan<B: Backend>(
    backend: &B,
    store: &Store,
    audit_log: &AuditLog,
    access: Access,
    request: &ApplyRequest<'_>,
    progress: &mut dyn FnMut(ApplyEvent),
) -> Result<ApplySummary, ApplyError> {
    write_access(access)?;
    let plan_id = audit_log.begin_plan(
        Stamp::now(),
        request.identity,
        backend.simulated(),
        request.plan.steps.len(),
    )?;
    let audit = Audit {
        log: audit_log,
        plan: plan_id,
        identity: request.identity,
        simulated: backend.simulated(),
    };
    let mut summary = ApplySummary {
        plan: plan_id,
        outcomes: Vec::new(),
    };
    match run_plan(backend, store, &audit, request, progress, &mut summary).await {
        Ok(()) => Ok(summary),
        Err(failure) => Err(ApplyError::AuditLost {
            plan: plan_id,
            message: audit_lost_message(request.plan, &summary, failure),
        }),
    }
}

async fn run_plan<B: Backend>(
    backend: &B,
    store: &Store,
    audit: &Audit<'_>,
    request: &ApplyRequest<'_>,
    progress: &mut dyn FnMut(ApplyEvent),
    summary: &mut ApplySummary,
) -> Result<(), AuditFailure> {
    for (index, step) in request.plan.steps.iter().enumerate() {
        audit.step(index, step, AuditPhase::Planned, &planned_detail(step))?;
    }
    audit.plan_wide(
        AuditPhase::Confirmed,
        &format!(
            "{n0_step} confirmed{}",
            if backend.simulated() {
                " (simulated: nothing leaves this machine)"
            } else {
                ""
            },
            n0_step = crate::domain::words::plural(request.plan.steps.len(), "step")
        ),
    )?;
    let mut clients: HashMap<(String, String), B::Actions> = HashMap::new();
    let mut stopped: Option<String> = None;
    for (index, step) in request.plan.steps.iter().enumerate() {
        if stopped.is_none() {
            stopped = request
                .stop
                .and_then(StopRequest::requested)
                .map(|why| format!("not run: costscope was asked to stop ({why})"));
        }
        let outcome = if let Some(why) = &stopped {
            audit.step(index, step, AuditPhase::Skipped, why)?;
            StepOutcome::NotRun(why.clone())
        } else {
            let key = (step.account.clone(), step.region.clone());
            let actions = match clients.entry(key) {
                Entry::Occupied(known) => Ok(&*known.into_mut()),
                Entry::Vacant(slot) => backend
                    .actions_for(&step.account, &step.region)
                    .await
                    .map(|actions| &*slot.insert(actions)),
            };
            let outcome = match actions {
                Ok(actions) => run_step(actions, store, audit, index, step, progress).await?,
                Err(e) => {
                    let reason = format!("cannot act in this account and region: {e}");
                    audit.step(index, step, AuditPhase::Failed, &reason)?;
                    StepOutcome::Failed(reason)
                }
            };
            if request.stop_on_error && outcome.is_error() {
                stopped = Some(
                    "not run: an earlier step failed and the plan stops on the first error".into(),
                );
            }
            outcome
        };
        progress(ApplyEvent::Finished {
            index,
            outcome: outcome.clone(),
        });
        summary.outcomes.push(outcome);
    }
    Ok(())
}

/// What the operator must know when the log stopped a plan: what each step did, and
/// whether a call was in flight.
fn audit_lost_message(plan: &Plan, summary: &ApplySummary, failure: AuditFailure) -> String {
    let mut message = format!("{}. ", failure.error);
    for (step, outcome) in plan.steps.iter().zip(&summary.outcomes) {
        message.push_str(&format!("{} {}; ", step.resource, outcome.label()));
    }
    let in_flight = plan.steps.get(summary.outcomes.len());
    match (in_flight, failure.called) {
        (Some(step), Some(called)) => message.push_str(&format!(
            "{}: the call WAS MADE ({called}) but its outcome is not in the audit log: check it in AWS; ",
            step.resource
        )),
        (Some(step), None) => message.push_str(&format!(
            "{}: nothing was sent for it; ",
            step.resource
        )),
        (None, _) => {}
    }
    let not_run = plan.steps.len().saturating_sub(summary.outcomes.len() + 1);
    message.push_str(&format!(
        "{n0_step} not run",
        n0_step = crate::domain::words::plural(not_run, "step")
    ));
    message
}

fn planned_detail(step: &PlanStep) -> String {
    let mut detail = format!(
        "{} {}: {} (saving {}, {})",
        step.account_name,
        step.label,
        step.api_calls().join("; "),
        step.saving.per_month_label(),
        step.saving.basis()
    );
    if let Some(note) = step.notes() {
        detail.push_str("; ");
        detail.push_str(note);
    }
    detail
}
