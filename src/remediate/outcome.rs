//! How the steps of a plan ended, as the TUI and the command line report them.

/// How one step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// Applied, and the re-read shows the change.
    Verified,
    /// The call's outcome is unknown or the re-read does not show the change yet: the
    /// step stays flagged RE-VERIFY until `costscope audit --reverify` closes it.
    Unverified(String),
    Failed(String),
    /// Not permitted for this identity (the dry run said so); nothing was called.
    NotPermitted(String),
    /// The resource changed since the scan: nothing was called.
    Skipped(String),
    /// Not started: an earlier step failed (and the plan stops on the first error), or
    /// costscope was asked to stop.
    NotRun(String),
}

impl StepOutcome {
    pub fn label(&self) -> &'static str {
        match self {
            StepOutcome::Verified => "verified",
            StepOutcome::Unverified(_) => "unverified",
            StepOutcome::Failed(_) => "failed",
            StepOutcome::NotPermitted(_) => "not permitted",
            StepOutcome::Skipped(_) => "skipped",
            StepOutcome::NotRun(_) => "not run",
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            StepOutcome::Unverified(r)
            | StepOutcome::Failed(r)
            | StepOutcome::NotPermitted(r)
            | StepOutcome::Skipped(r)
            | StepOutcome::NotRun(r) => Some(r),
            StepOutcome::Verified => None,
        }
    }

    pub(super) fn is_error(&self) -> bool {
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
