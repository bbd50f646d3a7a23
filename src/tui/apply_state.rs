//! What the state keeps of applying: whether it can happen here, the confirm dialog
//! (the plan exactly as it will run) and a plan's run, step by step.

use crate::domain::remediation::{ConfirmPolicy, Confirmation, Plan};
use crate::remediate::{Acting, StepOutcome};

/// Whether and how plans can be applied here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplyStatus {
    /// Something can carry out plans (AWS, or the demo's simulation).
    pub available: bool,
    /// --read-only or [apply] read_only: nothing can be applied.
    pub read_only: bool,
    /// The demo: applying is simulated over the cache.
    pub simulated: bool,
    pub policy: ConfirmPolicy,
    /// The plan running or last run, step by step.
    pub run: Option<ApplyRun>,
    /// `q` was pressed once while a plan runs: the next one stops it.
    pub quit_asked: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyRun {
    /// Resource and action of each step.
    pub steps: Vec<(String, String)>,
    /// The phase each step is in, or its outcome once finished.
    pub phases: Vec<String>,
    pub outcomes: Vec<Option<StepOutcome>>,
    /// The summary line once the plan has ended.
    pub finished: Option<String>,
}

impl ApplyRun {
    pub fn is_running(&self) -> bool {
        self.finished.is_none()
    }

    pub fn done(&self) -> usize {
        self.outcomes.iter().filter(|o| o.is_some()).count()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Cancel,
    Apply,
}

/// The confirm dialog: the plan exactly as it will run.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfirmDialog {
    pub plan: Plan,
    pub confirmation: Confirmation,
    pub typed: String,
    pub focus: Focus,
    /// None while sts:GetCallerIdentity (and AssumeRole into each member account) is
    /// asked: who applies, and who acts in each account.
    pub identity: Option<Result<Acting, String>>,
    /// Marked findings the current filter hides (they are in the plan too).
    pub hidden_marked: usize,
    pub scroll: u16,
}

impl ConfirmDialog {
    /// Whether pressing Enter on Apply would run the plan now.
    pub fn ready(&self) -> Result<&str, String> {
        let identity = match &self.identity {
            None => return Err("waiting to learn which identity applies".into()),
            Some(Err(e)) => return Err(format!("cannot tell which identity applies: {e}")),
            Some(Ok(acting)) => acting.caller.as_str(),
        };
        if let Confirmation::Type { text, .. } = &self.confirmation {
            if self.typed.trim() != text {
                return Err(format!("type {text:?} to confirm"));
            }
        }
        Ok(identity)
    }
}
