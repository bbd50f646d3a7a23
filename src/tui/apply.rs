//! Marking findings, the plan and its confirmation, and a plan's live progress. Pure:
//! the only way to an `Effect::ApplyPlan` is the Apply button of the confirm dialog,
//! with the identity known and any typed confirmation matching.

use super::action::{Action, Effect};
pub use super::apply_state::{ApplyRun, ApplyStatus, ConfirmDialog, Focus};
use super::findings::selected_finding;
use super::state::{Mode, Severity, State, ViewKind};
use crate::domain::remediation::{Confirmation, Plan};
use crate::remediate::{Acting, ApplyEvent, ApplySummary};

fn refusal(state: &State) -> Option<&'static str> {
    if state.apply.read_only {
        Some("read-only mode (--read-only or [apply] read_only): nothing can be applied")
    } else if !state.apply.available {
        Some("applying is not available here")
    } else if state.apply.run.as_ref().is_some_and(ApplyRun::is_running) {
        Some("a plan is still running; its progress is in the status bar")
    } else {
        None
    }
}

/// `space`: mark or unmark the finding under the cursor, then move down.
pub fn toggle_mark(state: &mut State) -> Vec<Effect> {
    let Some(id) = selected_finding(state).map(|t| t.id) else {
        return vec![];
    };
    if !state.marked.remove(&id) {
        state.marked.insert(id);
    }
    state.message = Some((
        Severity::Info,
        format!(
            "{n0_finding} marked · p: plan and confirm",
            n0_finding = crate::domain::words::plural(state.marked.len(), "finding")
        ),
    ));
    if state.top().kind == ViewKind::Findings {
        let rows = super::findings::visible_count(state);
        let view = state.top_mut();
        view.selected = (view.selected + 1).min(rows.saturating_sub(1));
    }
    vec![]
}

/// `p` (or `D`: idle databases deleted after a final snapshot instead of stopped):
/// plan the marked findings, or the one under the cursor.
pub fn request_plan(state: &mut State, delete_databases: bool) -> Vec<Effect> {
    if let Some(text) = refusal(state) {
        state.message = Some((Severity::Warning, text.to_string()));
        return vec![];
    }
    let ids: Vec<i64> = if state.marked.is_empty() {
        selected_finding(state).map(|t| t.id).into_iter().collect()
    } else {
        state.marked.iter().copied().collect()
    };
    if ids.is_empty() {
        state.message = Some((
            Severity::Info,
            "no finding selected: mark findings with space, then p".into(),
        ));
        return vec![];
    }
    vec![Effect::BuildPlan {
        ids,
        delete_databases,
    }]
}

/// Marked findings the operator cannot see right now: filtered out of the findings
/// list, or all but the one a finding's detail shows (both views mark and plan).
fn hidden_marked(state: &State) -> usize {
    let view = state.top();
    let visible: std::collections::HashSet<i64> = match view.kind {
        ViewKind::Findings => super::selectors::findings(state).map(|t| t.id).collect(),
        ViewKind::Finding(id) => [id].into(),
        _ => Default::default(),
    };
    state
        .marked
        .iter()
        .filter(|id| !visible.contains(id))
        .count()
}

/// The plan is read: open the confirm dialog (focus on Cancel) and ask who applies.
pub fn on_plan(state: &mut State, plan: Plan) -> Vec<Effect> {
    if plan.steps.is_empty() {
        let why = plan
            .refused
            .first()
            .map_or_else(String::new, |r| format!(": {} — {}", r.resource, r.reason));
        state.message = Some((
            Severity::Warning,
            format!("nothing to apply; every finding was left out{why}"),
        ));
        return vec![];
    }
    let confirmation = plan.confirmation(&state.apply.policy);
    let accounts: Vec<String> = plan.accounts().into_iter().map(str::to_string).collect();
    state.mode = Mode::ConfirmApply(Box::new(ConfirmDialog {
        hidden_marked: hidden_marked(state),
        plan,
        confirmation,
        typed: String::new(),
        focus: Focus::Cancel,
        identity: None,
        scroll: 0,
    }));
    vec![Effect::ResolveApplyIdentity { accounts }]
}

pub fn on_identity(state: &mut State, identity: Result<Acting, String>) -> Vec<Effect> {
    if let Mode::ConfirmApply(dialog) = &mut state.mode {
        dialog.identity = Some(identity);
    }
    vec![]
}

fn cancel(state: &mut State) -> Vec<Effect> {
    state.mode = Mode::Normal;
    state.message = Some((Severity::Info, "cancelled: nothing was applied".into()));
    vec![]
}

/// Keys while the confirm dialog is open. Enter on Cancel (where the focus starts)
/// cancels; Enter on Apply runs the plan once the identity is known and any typed
/// confirmation matches.
pub fn update_confirm(state: &mut State, action: Action, mut dialog: ConfirmDialog) -> Vec<Effect> {
    match action {
        Action::InputCancel | Action::Back | Action::Quit => return cancel(state),
        Action::FocusLeft => dialog.focus = Focus::Cancel,
        Action::FocusRight => dialog.focus = Focus::Apply,
        Action::NextView => {
            dialog.focus = match dialog.focus {
                Focus::Cancel => Focus::Apply,
                Focus::Apply => Focus::Cancel,
            }
        }
        Action::Up => dialog.scroll = dialog.scroll.saturating_sub(1),
        Action::Down => dialog.scroll = dialog.scroll.saturating_add(1),
        Action::PageUp => dialog.scroll = dialog.scroll.saturating_sub(10),
        Action::PageDown => dialog.scroll = dialog.scroll.saturating_add(10),
        Action::InputChar(c) if matches!(dialog.confirmation, Confirmation::Type { .. }) => {
            dialog.typed.push(c)
        }
        Action::InputBackspace => {
            dialog.typed.pop();
        }
        Action::InputSubmit if dialog.focus == Focus::Cancel => return cancel(state),
        Action::InputSubmit => match dialog.ready() {
            Ok(identity) => {
                let identity = identity.to_string();
                state.apply.run = Some(ApplyRun {
                    steps: dialog
                        .plan
                        .steps
                        .iter()
                        .map(|s| (s.resource.clone(), s.change.verb().to_string()))
                        .collect(),
                    phases: vec!["waiting".into(); dialog.plan.steps.len()],
                    outcomes: vec![None; dialog.plan.steps.len()],
                    finished: None,
                });
                state.marked.clear();
                state.mode = Mode::ApplyProgress;
                state.message = Some((
                    Severity::Info,
                    format!(
                        "applying {n0_step}",
                        n0_step = crate::domain::words::plural(dialog.plan.steps.len(), "step")
                    ),
                ));
                return vec![Effect::ApplyPlan {
                    plan: Box::new(dialog.plan),
                    identity,
                }];
            }
            Err(why) => state.message = Some((Severity::Warning, why)),
        },
        _ => {}
    }
    state.mode = Mode::ConfirmApply(Box::new(dialog));
    vec![]
}

pub fn on_progress(state: &mut State, event: ApplyEvent) -> Vec<Effect> {
    let Some(run) = &mut state.apply.run else {
        return vec![];
    };
    match event {
        ApplyEvent::Phase { index, phase } => {
            if let Some(p) = run.phases.get_mut(index) {
                *p = phase.to_string();
            }
        }
        ApplyEvent::Finished { index, outcome } => {
            if let Some(p) = run.phases.get_mut(index) {
                *p = outcome.label().to_string();
            }
            if let Some(o) = run.outcomes.get_mut(index) {
                *o = Some(outcome);
            }
        }
    }
    vec![]
}

pub fn on_finished(state: &mut State, result: Result<ApplySummary, String>) -> Vec<Effect> {
    let (severity, line) = match result {
        Ok(summary) if summary.all_verified() => (
            Severity::Info,
            format!("plan {} done: {}", summary.plan, summary.line()),
        ),
        Ok(summary) => (
            Severity::Warning,
            format!("plan {} ended: {}", summary.plan, summary.line()),
        ),
        Err(e) => (Severity::Error, format!("the plan did not run: {e}")),
    };
    if let Some(run) = &mut state.apply.run {
        run.finished = Some(line.clone());
    }
    state.apply.quit_asked = false;
    state.message = Some((severity, format!("{line} · L: audit log")));
    vec![Effect::ReloadData]
}

/// `:reverify` (and the start, when steps are pending): re-read them in the background.
pub fn request_reverify(state: &mut State) -> Vec<Effect> {
    if let Some(text) = refusal(state) {
        state.message = Some((Severity::Warning, text.to_string()));
        return vec![];
    }
    state.message = Some((
        Severity::Info,
        "re-reading the steps whose outcome is not confirmed…".into(),
    ));
    vec![Effect::Reverify]
}

pub fn on_reverified(
    state: &mut State,
    result: Result<Vec<(String, String)>, String>,
) -> Vec<Effect> {
    state.message = Some(match result {
        Ok(results) if results.is_empty() => (
            Severity::Info,
            "nothing to re-verify: every change has a confirmed outcome".into(),
        ),
        Ok(results) => {
            let count = |label: &str| results.iter().filter(|(_, o)| o == label).count();
            let unknown = count("still unknown");
            (
                if unknown == 0 {
                    Severity::Info
                } else {
                    Severity::Warning
                },
                format!("re-verified {n0_step}: {} verified, {} not applied, {unknown} still unknown (L: audit log)", count("verified"), count("not applied"), n0_step = crate::domain::words::plural(results.len(), "step")),
            )
        }
        Err(e) => (Severity::Error, format!("re-verifying failed: {e}")),
    });
    vec![Effect::ReloadData]
}

/// Quitting. With no plan running it quits at once. While one runs, the first `q` asks
/// and the second (or a signal: `now`) stops the plan after the step in flight; the app
/// quits once that step's outcome is written.
pub fn quit(state: &mut State, now: bool) -> Vec<Effect> {
    let Some(run) = state.apply.run.as_ref().filter(|r| r.is_running()) else {
        state.should_quit = true;
        return vec![Effect::Quit];
    };
    if !now && !state.apply.quit_asked {
        state.apply.quit_asked = true;
        state.message = Some((
            Severity::Warning,
            format!(
                "a plan is applying ({}/{} done): q again stops it after the step in flight, then quits",
                run.done(),
                run.steps.len()
            ),
        ));
        return vec![];
    }
    state.should_quit = true;
    state.message = Some((
        Severity::Warning,
        "stopping: the step in flight finishes and its outcome is written, then costscope quits"
            .into(),
    ));
    vec![Effect::StopApply]
}

/// Keys while the progress overlay is open: Esc or Enter closes it (the plan goes on).
pub fn update_progress(state: &mut State, action: Action) -> Vec<Effect> {
    if matches!(
        action,
        Action::Back | Action::InputCancel | Action::Enter | Action::InputSubmit | Action::Quit
    ) {
        state.mode = Mode::Normal;
    }
    vec![]
}
