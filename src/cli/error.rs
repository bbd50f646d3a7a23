//! The errors a command ends with, as the user reads them, and the exit code of each.

use crate::config::ConfigError;
use crate::domain::words::plural;
use crate::report::ReportError;
use crate::store::StoreError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Theme(#[from] crate::config::theme::ThemeError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(transparent)]
    Sync(#[from] crate::sync::SyncError),
    #[error(transparent)]
    Import(#[from] crate::import::ImportError),
    #[error("{0} (see `costscope costs --by account`)")]
    Lookup(#[from] crate::domain::lookup::LookupError),
    #[error("the sync finished with {} not loaded (see above); the cache keeps what it had for them", plural(*.0, "month"))]
    SyncIncomplete(usize),
    #[error("the scan could not reach {} (listed above); their findings are unknown, not zero", plural(*.0, "account or region"))]
    ScanIncomplete(usize),
    #[error("there is no finding {0} in the cache (see `costscope findings --all`)")]
    NoSuchFinding(i64),
    #[error(transparent)]
    Apply(#[from] crate::remediate::ApplyError),
    #[error("nothing to apply: {0}")]
    NothingToApply(String),
    #[error("cannot read the plan file {path}: {message}")]
    PlanFile { path: PathBuf, message: String },
    #[error("the plan finished with steps not done ({0}); see `costscope audit`")]
    ApplyIncomplete(String),
    #[error("nothing applied: this plan needs typed confirmation because {why}; add --confirm {text:?} (as the TUI's dialog asks)")]
    ConfirmationNeeded { text: String, why: String },
    #[error("{} still without a confirmed outcome (see above); run `costscope audit --reverify` again later", plural(*.0, "step"))]
    StillUnverified(usize),
    /// Whoever read stdout went away (`| head`): the command ends quietly.
    #[error("stdout was closed")]
    ClosedPipe,
    #[error("{flag} does not apply to `costscope {command}` (see `costscope {command} --help`)")]
    FlagNotTaken { flag: &'static str, command: String },
    #[error("terminal error: {0}")]
    Terminal(#[from] std::io::Error),
    #[error("cannot find a home directory for the default cache location; pass --cache PATH")]
    NoHome,
    #[error("nothing to reconcile")]
    NothingToReconcile,
    #[error(
        "the cache {path} has problems:\n{problems}\nMove it aside and rebuild it (see README)."
    )]
    Integrity { path: PathBuf, problems: String },
}

impl AppError {
    /// 3: the scan (or plan) finished but some accounts, regions (or steps) were not
    /// done; 2: anything else.
    /// A closed stdout is no failure: the reader had what it wanted.
    pub fn is_closed_pipe(&self) -> bool {
        matches!(self, AppError::ClosedPipe)
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            AppError::ScanIncomplete(_)
            | AppError::ApplyIncomplete(_)
            | AppError::StillUnverified(_) => 3,
            _ => 2,
        }
    }
}
