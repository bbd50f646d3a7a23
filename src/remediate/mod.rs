//! The executor: runs a confirmed plan step by step (re-read, dry run, call, verify)
//! and writes the audit log before and after every call. The calls themselves are made
//! by a `Backend`: AWS (src/aws/remediation.rs, the only code that changes AWS) or the
//! demo's simulation over the cache. In read-only mode nothing here runs.

pub mod launch;
pub mod plan;
pub mod simulated;

use crate::domain::audit::{AuditEntry, AuditPhase};
use crate::domain::remediation::{shows_change, still_applies, Observed, Plan, PlanStep};
use crate::store::{Store, StoreError};
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
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    #[error("access denied: {0}")]
    AccessDenied(String),
    /// A timeout or lost connection: the call may or may not have happened.
    #[error("outcome unknown: {0}")]
    UnknownOutcome(String),
    #[error("{0}")]
    Failed(String),
}

/// The calls for one account and region.
pub trait Actions {
    /// Re-reads the step's resource.
    fn observe(&self, step: &PlanStep) -> impl Future<Output = Result<Observed, ActionError>>;
    fn dry_run(&self, step: &PlanStep) -> impl Future<Output = Result<DryRun, ActionError>>;
    /// Makes the change. `before` is what `observe` just read.
    fn apply(
        &self,
        step: &PlanStep,
        before: &Observed,
    ) -> impl Future<Output = Result<Applied, ActionError>>;
}

pub trait Backend {
    type Actions: Actions;
    /// True for the demo: nothing leaves the machine.
    fn simulated(&self) -> bool;
    /// The identity that acts (an ARN), as the confirm dialog shows it.
    fn identity(&self) -> impl Future<Output = Result<String, ActionError>>;
    fn actions_for(
        &self,
        account: &str,
        region: &str,
    ) -> impl Future<Output = Result<Self::Actions, ActionError>>;
}

/// How one step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// Applied, and the re-read shows the change.
    Verified,
    /// Applied, but the re-read does not show the change (yet).
    Unverified(String),
    Failed(String),
    /// Not permitted for this identity (the dry run said so); nothing was called.
    NotPermitted(String),
    /// The resource changed since the scan: nothing was called.
    Skipped(String),
    /// Not started: an earlier step failed and the plan stops on the first error.
    NotRun,
}

impl StepOutcome {
    pub fn label(&self) -> &'static str {
        match self {
            StepOutcome::Verified => "verified",
            StepOutcome::Unverified(_) => "unverified",
            StepOutcome::Failed(_) => "failed",
            StepOutcome::NotPermitted(_) => "not permitted",
            StepOutcome::Skipped(_) => "skipped",
            StepOutcome::NotRun => "not run",
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            StepOutcome::Unverified(r)
            | StepOutcome::Failed(r)
            | StepOutcome::NotPermitted(r)
            | StepOutcome::Skipped(r) => Some(r),
            StepOutcome::Verified | StepOutcome::NotRun => None,
        }
    }

    fn is_error(&self) -> bool {
        matches!(self, StepOutcome::Failed(_) | StepOutcome::NotPermitted(_))
    }
}

/// Live progress for the TUI and the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplyEvent {
    /// Step `index` entered a phase (re-reading, dry run, applying, verifying).
    Phase {
        index: usize,
        phase: &'static str,
    },
    Finished {
        index: usize,
        outcome: StepOutcome,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplySummary {
    pub plan: i64,
    pub outcomes: Vec<StepOutcome>,
}

impl ApplySummary {
    fn count(&self, label: &str) -> usize {
        self.outcomes.iter().filter(|o| o.label() == label).count()
    }

    /// "2 verified, 0 unverified, 1 failed, 1 skipped".
    pub fn line(&self) -> String {
        let failed = self.count("failed") + self.count("not permitted");
        let mut line = format!(
            "{} verified, {} unverified, {failed} failed, {} skipped",
            self.count("verified"),
            self.count("unverified"),
            self.count("skipped"),
        );
        if self.count("not run") > 0 {
            line.push_str(&format!(", {} not run", self.count("not run")));
        }
        line
    }

    pub fn all_verified(&self) -> bool {
        self.outcomes.iter().all(|o| *o == StepOutcome::Verified)
    }
}

/// A confirmed plan and how to run it.
pub struct ApplyRequest<'a> {
    pub plan: &'a Plan,
    pub plan_id: i64,
    /// Who applies (as the confirm dialog showed it).
    pub identity: &'a str,
    pub stop_on_error: bool,
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Runs every step of a confirmed plan. One failed step does not stop the others
/// unless `stop_on_error`. Audit entries go to `store` before and after every call.
pub async fn apply_plan<B: Backend>(
    backend: &B,
    store: &Store,
    access: Access,
    request: &ApplyRequest<'_>,
    progress: &mut dyn FnMut(ApplyEvent),
) -> Result<ApplySummary, ApplyError> {
    write_access(access)?;
    let audit = Audit {
        store,
        plan: request.plan_id,
        identity: request.identity,
        simulated: backend.simulated(),
    };
    for (index, step) in request.plan.steps.iter().enumerate() {
        audit.step(
            index,
            step,
            AuditPhase::Planned,
            &planned_detail(step),
            None,
        )?;
    }
    audit.plan_wide(
        AuditPhase::Confirmed,
        &format!(
            "{} step(s) confirmed{}",
            request.plan.steps.len(),
            if backend.simulated() {
                " (simulated: nothing leaves this machine)"
            } else {
                ""
            }
        ),
    )?;
    let mut summary = ApplySummary {
        plan: request.plan_id,
        outcomes: Vec::new(),
    };
    let mut clients: HashMap<(String, String), B::Actions> = HashMap::new();
    let mut stopped = false;
    for (index, step) in request.plan.steps.iter().enumerate() {
        let outcome = if stopped {
            audit.step(
                index,
                step,
                AuditPhase::Skipped,
                "not run: an earlier step failed and the plan stops on the first error",
                None,
            )?;
            StepOutcome::NotRun
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
                Ok(actions) => run_step(actions, &audit, index, step, progress).await?,
                Err(e) => {
                    let reason = format!("cannot act in this account and region: {e}");
                    audit.step(index, step, AuditPhase::Failed, &reason, None)?;
                    StepOutcome::Failed(reason)
                }
            };
            stopped = request.stop_on_error && outcome.is_error();
            outcome
        };
        progress(ApplyEvent::Finished {
            index,
            outcome: outcome.clone(),
        });
        summary.outcomes.push(outcome);
    }
    Ok(summary)
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

async fn run_step<A: Actions>(
    actions: &A,
    audit: &Audit<'_>,
    index: usize,
    step: &PlanStep,
    progress: &mut dyn FnMut(ApplyEvent),
) -> Result<StepOutcome, ApplyError> {
    progress(ApplyEvent::Phase {
        index,
        phase: "re-reading",
    });
    let before = match actions.observe(step).await {
        Ok(observed) => observed,
        Err(e) => {
            let reason = format!("could not re-read the resource: {e}");
            audit.step(index, step, AuditPhase::Failed, &reason, None)?;
            return Ok(StepOutcome::Failed(reason));
        }
    };
    if let Err(why) = still_applies(step, &before) {
        let reason = format!("changed since the scan: {why}");
        audit.step(index, step, AuditPhase::Skipped, &reason, None)?;
        return Ok(StepOutcome::Skipped(reason));
    }
    if step.change.has_dry_run() {
        progress(ApplyEvent::Phase {
            index,
            phase: "dry run",
        });
        match actions.dry_run(step).await {
            Ok(DryRun::Permitted) => audit.step(
                index,
                step,
                AuditPhase::DryRun,
                "DryRunOperation: this identity is permitted (a dry run proves permission, not success)",
                None,
            )?,
            Ok(DryRun::NotOffered) => {}
            Ok(DryRun::Unauthorized(message)) => {
                let reason = format!(
                    "UnauthorizedOperation: this identity may not make this call ({message}); nothing was changed"
                );
                audit.step(index, step, AuditPhase::DryRun, &reason, None)?;
                return Ok(StepOutcome::NotPermitted(reason));
            }
            Err(e) => {
                let reason = format!("the dry run failed: {e}; nothing was changed");
                audit.step(index, step, AuditPhase::Failed, &reason, None)?;
                return Ok(StepOutcome::Failed(reason));
            }
        }
    }
    progress(ApplyEvent::Phase {
        index,
        phase: "applying",
    });
    audit.step(
        index,
        step,
        AuditPhase::Intent,
        &step.api_calls().join("; "),
        None,
    )?;
    match actions.apply(step, &before).await {
        Ok(applied) => audit.step(
            index,
            step,
            AuditPhase::Applied,
            &applied.detail,
            applied.request_id.as_deref(),
        )?,
        Err(ActionError::UnknownOutcome(message)) => {
            // Never send it again: re-read, and count "already changed" as done.
            let shown = actions
                .observe(step)
                .await
                .ok()
                .is_some_and(|after| shows_change(step, &before, &after).is_ok());
            if !shown {
                let reason = format!("outcome unknown ({message}) and the re-read does not show the change; not retried");
                audit.step(index, step, AuditPhase::Failed, &reason, None)?;
                return Ok(StepOutcome::Failed(reason));
            }
            audit.step(
                index,
                step,
                AuditPhase::Applied,
                &format!("outcome unknown ({message}), but the re-read shows the change"),
                None,
            )?;
        }
        Err(e) => {
            let reason = e.to_string();
            audit.step(index, step, AuditPhase::Failed, &reason, None)?;
            return Ok(StepOutcome::Failed(reason));
        }
    }
    progress(ApplyEvent::Phase {
        index,
        phase: "verifying",
    });
    let verdict = match actions.observe(step).await {
        Ok(after) => shows_change(step, &before, &after),
        Err(e) => Err(format!("could not re-read it: {e}")),
    };
    match verdict {
        Ok(()) => {
            audit.step(
                index,
                step,
                AuditPhase::Verified,
                "re-read: the change is there",
                None,
            )?;
            audit.store.mark_finding_applied(step.finding_id, &now())?;
            Ok(StepOutcome::Verified)
        }
        Err(why) => {
            audit.step(index, step, AuditPhase::Unverified, &why, None)?;
            Ok(StepOutcome::Unverified(why))
        }
    }
}

/// Writes the entries of one plan.
struct Audit<'a> {
    store: &'a Store,
    plan: i64,
    identity: &'a str,
    simulated: bool,
}

impl Audit<'_> {
    fn step(
        &self,
        index: usize,
        step: &PlanStep,
        phase: AuditPhase,
        detail: &str,
        request_id: Option<&str>,
    ) -> Result<(), StoreError> {
        self.store
            .append_audit(&AuditEntry {
                id: 0,
                at: now(),
                plan: self.plan,
                step: Some(index as u32),
                finding_id: Some(step.finding_id),
                account: step.account.clone(),
                region: step.region.clone(),
                resource: step.resource.clone(),
                action: step.change.verb().to_string(),
                phase,
                identity: self.identity.to_string(),
                detail: detail.to_string(),
                request_id: request_id.map(str::to_string),
                undo: step.undo(),
                simulated: self.simulated,
                reverify: false,
            })
            .map(|_| ())
    }

    fn plan_wide(&self, phase: AuditPhase, detail: &str) -> Result<(), StoreError> {
        self.store
            .append_audit(&AuditEntry {
                id: 0,
                at: now(),
                plan: self.plan,
                step: None,
                finding_id: None,
                account: String::new(),
                region: String::new(),
                resource: String::new(),
                action: "plan".into(),
                phase,
                identity: self.identity.to_string(),
                detail: detail.to_string(),
                request_id: None,
                undo: None,
                simulated: self.simulated,
                reverify: false,
            })
            .map(|_| ())
    }
}
