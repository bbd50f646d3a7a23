//! The findings view's data and its pure logic: loading from the cache, filtering and
//! sorting, totals, the badges on the cost views, and the dismiss dialog.

use super::action::{Action, Effect};
use super::state::{Mode, Severity, State, ViewKind, ViewState};
use crate::domain::findings::{FindingStatus, TrackedFinding};

/// The finding under the cursor of the findings view.
pub fn selected_finding(state: &State) -> Option<&TrackedFinding> {
    let super::model::ViewData::Findings(data) = &state.data else {
        return None;
    };
    let view = state.top();
    match view.kind {
        ViewKind::Finding(id) => data.findings.iter().find(|t| t.id == id),
        _ => super::selectors::findings(state).nth(view.selected),
    }
}

/// The account's name (its id when the organization does not name it).
pub fn account_label(state: &State, account_id: &str) -> String {
    state.catalog.name_of(account_id).to_string()
}

pub fn visible_count(state: &State) -> usize {
    state.visible.findings.len()
}

/// Enter on a finding opens its detail.
pub fn open_detail(state: &mut State) -> Vec<Effect> {
    let Some(id) = selected_finding(state).map(|t| t.id) else {
        return vec![];
    };
    state.stack.push(ViewState::new(ViewKind::Finding(id)));
    vec![Effect::Load]
}

/// `x` asks for a reason before dismissing; on a dismissed finding it restores it.
pub fn start_dismiss(state: &mut State) -> Vec<Effect> {
    let Some(t) = selected_finding(state) else {
        state.message = Some((Severity::Info, "no finding selected".into()));
        return vec![];
    };
    match t.status {
        FindingStatus::Dismissed => vec![Effect::RestoreFinding(t.id)],
        FindingStatus::Closed | FindingStatus::Applied => {
            state.message = Some((
                Severity::Info,
                format!(
                    "this finding is {}: there is nothing left to dismiss",
                    t.status.name()
                ),
            ));
            vec![]
        }
        FindingStatus::Open => {
            state.mode = Mode::Dismiss {
                id: t.id,
                reason: String::new(),
            };
            vec![]
        }
    }
}

/// Keys while the dismiss dialog is open: type a reason, Enter dismisses, Esc cancels.
pub fn update_dismiss(
    state: &mut State,
    action: Action,
    id: i64,
    mut reason: String,
) -> Vec<Effect> {
    match action {
        Action::InputChar(c) => {
            reason.push(c);
            state.mode = Mode::Dismiss { id, reason };
        }
        Action::InputBackspace => {
            reason.pop();
            state.mode = Mode::Dismiss { id, reason };
        }
        Action::InputSubmit if reason.trim().is_empty() => {
            state.message = Some((
                Severity::Warning,
                "type a reason first (Esc cancels)".into(),
            ));
        }
        Action::InputSubmit => {
            state.mode = Mode::Normal;
            return vec![Effect::DismissFinding {
                id,
                reason: reason.trim().to_string(),
            }];
        }
        Action::InputCancel | Action::Back | Action::Quit => state.mode = Mode::Normal,
        _ => {}
    }
    vec![]
}
