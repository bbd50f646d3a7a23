//! Rendering: a pure function of the state. No I/O, no mutation.
use super::chrome::Hint;
use super::chrome::{
    render_breadcrumbs, render_hints, render_status, render_title, render_too_small, MIN_HEIGHT,
    MIN_WIDTH,
};
use super::costs_view::{render_empty, render_overview, render_table_view, render_unavailable};
use super::help_view::render_help;
use super::model::ViewData;
use super::state::{Mode, State, ViewKind};
use super::sync_view::render_confirm_sync;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::Style;
use ratatui::widgets::Block;
use ratatui::Frame;

/// The key hints the top view declares.
fn hints_of(kind: ViewKind) -> &'static [Hint] {
    match kind {
        ViewKind::Findings | ViewKind::Finding(_) => super::findings_view::HINTS,
        ViewKind::Audit | ViewKind::AuditEntry(_) => super::apply_view::AUDIT_HINTS,
        ViewKind::Reconcile => super::reconcile_view::HINTS,
        _ => super::costs_view::HINTS,
    }
}

pub fn render(frame: &mut Frame, state: &State) {
    let area = frame.area();
    let theme = &state.theme;
    frame.render_widget(
        Block::default().style(Style::default().bg(theme.background).fg(theme.foreground)),
        area,
    );
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        render_too_small(frame, area, theme);
        return;
    }
    let [title, crumbs, body, hints, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(10),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    render_title(frame, title, state);
    render_breadcrumbs(frame, crumbs, state);
    match &state.data {
        ViewData::Overview(data) => render_overview(frame, body, state, data),
        ViewData::Table(data) => render_table_view(frame, body, state, data),
        ViewData::Findings(data) => super::findings_view::render_findings(frame, body, state, data),
        ViewData::Audit(entries) => super::apply_view::render_audit(frame, body, state, entries),
        ViewData::Reconcile(months) => {
            super::reconcile_view::render_reconcile(frame, body, state, months)
        }
        ViewData::Empty => render_empty(frame, body, state),
        ViewData::Unavailable(reason) => render_unavailable(frame, body, state, reason),
    }
    render_hints(frame, hints, state, hints_of(state.top().kind));
    render_status(frame, status, state);
    match &state.mode {
        Mode::Help { scroll } => render_help(frame, area, state, *scroll),
        Mode::ConfirmSync { months, estimate } => {
            render_confirm_sync(frame, area, state, months, estimate)
        }
        Mode::ConfirmScan(estimate) => {
            super::scan_view::render_confirm_scan(frame, area, state, estimate)
        }
        Mode::Dismiss { id, reason } => {
            super::findings_view::render_dismiss(frame, area, state, *id, reason)
        }
        Mode::ConfirmApply(dialog) => super::apply_view::render_confirm(frame, area, state, dialog),
        Mode::ApplyProgress => super::apply_view::render_progress(frame, area, state),
        _ => {}
    }
}
