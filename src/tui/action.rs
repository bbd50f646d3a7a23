//! Everything that can happen to the app, and what the app asks the runtime to do.

use super::model::ViewData;
use crate::config::Theme;
use crate::domain::remediation::Plan;
use crate::domain::RangePreset;
use crate::remediate::{ApplyEvent, ApplySummary};
use crate::sync::SyncEvent;

/// How a background sync ended, as the app needs to show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncOutcome {
    Done {
        months: usize,
        rows: u64,
        /// Cost Explorer requests sent.
        requests: u32,
        /// S3 requests sent, when the sync read an export.
        s3_requests: Option<u32>,
        failures: usize,
    },
    Failed {
        message: String,
        /// The network is down: the cache is all there is.
        offline: bool,
    },
}

/// How a background scan ended, as the app needs to show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanOutcome {
    Done {
        units: usize,
        not_scanned: usize,
        partial: usize,
        new_findings: u64,
        closed: u64,
        metrics: u64,
    },
    Failed {
        message: String,
        offline: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    // Bindable: each has a name in the keymap.
    Quit,
    Help,
    Filter,
    Command,
    Reload,
    Refresh,
    Scan,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Enter,
    Back,
    FocusLeft,
    FocusRight,
    Overview,
    Accounts,
    Services,
    NextView,
    PrevMonth,
    NextMonth,
    Range(RangePreset),
    ToggleGranularity,
    ToggleMetric,
    SortNext,
    SortPrev,
    SortInvert,
    ToggleGrouping,
    /// `b` / `B`: list the current scope by the next (or previous) dimension.
    BreakDown {
        forward: bool,
    },
    Findings,
    Dismiss,
    ToggleAllFindings,
    Mark,
    Plan,
    PlanDelete,
    Audit,
    // Text input while the filter or command line is open.
    InputChar(char),
    InputBackspace,
    InputSubmit,
    InputCancel,
    /// Tab in the command line: complete the command or its argument.
    InputComplete,
    /// Runs a `:` command line directly.
    RunCommand(String),
    Resize(u16, u16),
    // Results of effects and background jobs.
    /// The cache file opened, as the status bar names it.
    CacheOpened(String),
    /// The cache's months, meters, names and findings index, read on each reload.
    CacheRead(Box<super::state::CacheFacts>),
    /// A sync and scan launcher is here, with the scan's account and region limits.
    JobsReady {
        accounts: Vec<String>,
        regions: Vec<String>,
        /// The export `r` syncs from, if not Cost Explorer.
        export: Option<String>,
    },
    /// An applier is here (AWS, or the demo's simulation).
    ApplierReady {
        read_only: bool,
        simulated: bool,
        policy: crate::domain::remediation::ConfirmPolicy,
    },
    /// Something the message line should say.
    Notice(super::state::Severity, String),
    Loaded(Box<ViewData>),
    SyncProgress(SyncEvent),
    SyncFinished(SyncOutcome),
    ScanProgress(SyncEvent),
    ScanFinished(ScanOutcome),
    ThemeLoaded(Box<Theme>),
    /// The plan for the marked findings, read from the cache.
    PlanReady(Box<Plan>),
    /// Who would apply (an ARN), or why that is unknown.
    ApplyIdentity(Result<crate::remediate::Acting, String>),
    ApplyProgress(ApplyEvent),
    ApplyFinished(Result<ApplySummary, String>),
    /// SIGTERM or SIGHUP: quit, letting a running plan finish its step in flight.
    QuitNow,
    /// ctrl-c: quits from every mode but the confirm dialog (where it cancels), as
    /// `q` would in the list; no keymap can take it.
    Interrupt,
    /// How re-reading the pending steps went: (resource, outcome) each.
    Reverified(Result<Vec<(String, String)>, String>),
    Failed(String),
}

/// What a key means in a start-or-cancel dialog (the sync's and the scan's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogKey {
    Start,
    Cancel,
    Wait,
}

impl Action {
    /// Enter starts, Esc (or q) cancels, anything else waits.
    pub fn in_dialog(&self) -> DialogKey {
        match self {
            Action::Enter | Action::InputSubmit => DialogKey::Start,
            Action::Back | Action::Quit | Action::InputCancel => DialogKey::Cancel,
            _ => DialogKey::Wait,
        }
    }
}

/// Names of bindable actions, as the keymap file spells them.
pub const BINDABLE: &[(&str, Action)] = &[
    ("quit", Action::Quit),
    ("help", Action::Help),
    ("filter", Action::Filter),
    ("command", Action::Command),
    ("reload", Action::Reload),
    ("refresh", Action::Refresh),
    ("scan", Action::Scan),
    ("up", Action::Up),
    ("down", Action::Down),
    ("page_up", Action::PageUp),
    ("page_down", Action::PageDown),
    ("top", Action::Top),
    ("bottom", Action::Bottom),
    ("enter", Action::Enter),
    ("back", Action::Back),
    ("focus_left", Action::FocusLeft),
    ("focus_right", Action::FocusRight),
    ("overview", Action::Overview),
    ("accounts", Action::Accounts),
    ("services", Action::Services),
    ("next_view", Action::NextView),
    ("prev_month", Action::PrevMonth),
    ("next_month", Action::NextMonth),
    ("range_mtd", Action::Range(RangePreset::MonthToDate)),
    ("range_last_month", Action::Range(RangePreset::LastMonth)),
    ("range_30d", Action::Range(RangePreset::Last30Days)),
    ("range_90d", Action::Range(RangePreset::Last90Days)),
    ("range_13m", Action::Range(RangePreset::Last13Months)),
    ("toggle_granularity", Action::ToggleGranularity),
    ("toggle_metric", Action::ToggleMetric),
    ("sort_next", Action::SortNext),
    ("sort_prev", Action::SortPrev),
    ("sort_invert", Action::SortInvert),
    ("toggle_grouping", Action::ToggleGrouping),
    ("break_down", Action::BreakDown { forward: true }),
    ("break_down_back", Action::BreakDown { forward: false }),
    ("findings", Action::Findings),
    ("dismiss", Action::Dismiss),
    ("toggle_all_findings", Action::ToggleAllFindings),
    ("mark", Action::Mark),
    ("plan", Action::Plan),
    ("plan_delete", Action::PlanDelete),
    ("audit", Action::Audit),
];

pub fn bindable_names() -> Vec<&'static str> {
    BINDABLE.iter().map(|(n, _)| *n).collect()
}

pub fn bindable(name: &str) -> Option<Action> {
    BINDABLE
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, a)| a.clone())
}

/// Work for the runtime. Update never does I/O itself.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Read the data of the top view from the cache.
    Load,
    /// Re-read the cache summary and organization, then the view.
    Reload,
    /// The same, without saying so (data landed from a background sync).
    ReloadData,
    /// Start a sync from AWS in the background.
    StartSync,
    /// Start an inventory scan in the background.
    StartScan,
    LoadTheme(String),
    /// Say which themes there are (built in, and in the themes directory).
    ListThemes,
    /// Dismiss a finding with a reason (kept across scans).
    DismissFinding {
        id: i64,
        reason: String,
    },
    RestoreFinding(i64),
    /// Read these findings and their resources, and plan their remediation.
    BuildPlan {
        ids: Vec<i64>,
        delete_databases: bool,
    },
    /// Ask who would apply (sts:GetCallerIdentity of the apply profile).
    ResolveApplyIdentity {
        accounts: Vec<String>,
    },
    /// Run a confirmed plan, exactly as shown, as `identity`.
    ApplyPlan {
        plan: Box<Plan>,
        identity: String,
    },
    /// Stop the running plan after its step in flight (its outcome is written first).
    StopApply,
    /// Re-read every step whose outcome is not confirmed yet, in the background.
    Reverify,
    Quit,
}
