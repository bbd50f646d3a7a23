//! `update(state, action) -> effects`: every state change, and no I/O.

use super::action::{Action, Effect};
use super::apply;
use super::breakdown_update;
use super::columns::COLUMNS;
use super::commands::{self, Command};
use super::findings;
use super::model::{RowKey, ViewData};
use super::scan_update;
use super::selectors;
use super::state::{Mode, OverviewFocus, Severity, State, ViewKind, ViewState};
use super::sync_update;
use crate::domain::lookup::{self, Named};
use crate::domain::{DetailMetric, Month, RangePreset};

/// Applies `action` to the state and returns the effects it asks for; then brings what
/// the top view shows up to date.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let effects = apply(state, action);
    selectors::refresh(state);
    effects
}

/// What the effects and the app learnt (data, facts, launchers, messages) goes into the
/// state here. `Err` hands back every other action.
fn learn(state: &mut State, action: Action) -> Result<(), Action> {
    match action {
        Action::Resize(w, h) => {
            state.size = (w, h);
        }
        Action::Loaded(data) => {
            state.data = *data;
            state.data_version += 1;
            clamp_selection(state);
        }
        Action::ThemeLoaded(theme) => {
            state.message = Some((Severity::Info, format!("theme: {}", theme.name)));
            state.theme = *theme;
        }
        Action::Failed(message) => {
            state.message = Some((Severity::Error, message));
        }
        Action::Notice(severity, text) => {
            state.message = Some((severity, text));
        }
        Action::CacheOpened(label) => {
            state.cache_label = label;
        }
        Action::CacheRead(facts) => {
            let facts = *facts;
            state.summary = facts.summary;
            state.sync.last_sync_requests = facts.last_sync_requests;
            state.sync.last_sync_pages = facts.last_sync_pages;
            state.sync.ce_requests_this_month = facts.ce_requests_this_month;
            state.scan.last_metrics = facts.last_scan_metrics;
            state.catalog = facts.catalog;
            state.finding_index = facts.finding_index;
        }
        Action::JobsReady {
            accounts,
            regions,
            export,
        } => {
            state.scan.accounts = accounts;
            state.scan.regions = regions;
            state.sync.available = true;
            state.sync.export = export;
            state.scan.available = true;
        }
        Action::ApplierReady {
            read_only,
            simulated,
            policy,
        } => {
            let status = &mut state.apply;
            status.available = true;
            status.read_only = read_only;
            status.simulated = simulated;
            status.policy = policy;
        }
        other => return Err(other),
    }
    Ok(())
}

fn apply(state: &mut State, action: Action) -> Vec<Effect> {
    let action = match learn(state, action) {
        Ok(()) => return vec![],
        Err(action) => action,
    };
    match action {
        Action::RunCommand(line) => return run_command(state, &line),
        Action::SyncProgress(event) => return sync_update::on_event(state, event),
        Action::SyncFinished(outcome) => return sync_update::on_finished(state, outcome),
        Action::ScanProgress(event) => return scan_update::on_event(state, event),
        Action::ScanFinished(outcome) => return scan_update::on_finished(state, outcome),
        Action::PlanReady(plan) => return apply::on_plan(state, *plan),
        Action::ApplyIdentity(identity) => return apply::on_identity(state, identity),
        Action::ApplyProgress(event) => return apply::on_progress(state, event),
        Action::ApplyFinished(result) => return apply::on_finished(state, result),
        Action::QuitNow => return apply::quit(state, true),
        Action::Interrupt => return apply::quit(state, false),
        Action::Reverified(result) => return apply::on_reverified(state, result),
        Action::Quit
            if state.apply_running()
                && matches!(state.mode, Mode::Normal | Mode::ApplyProgress) =>
        {
            return apply::quit(state, false)
        }
        _ => {}
    }
    match state.mode.clone() {
        Mode::Help { scroll } => update_help(state, action, scroll),
        Mode::Filter => update_filter(state, action),
        Mode::Command(input) => update_command_line(state, action, input),
        Mode::ConfirmSync { .. } => sync_update::update_confirm(state, action),
        Mode::ConfirmScan(_) => scan_update::update_confirm(state, action),
        Mode::Dismiss { id, reason } => findings::update_dismiss(state, action, id, reason),
        Mode::ConfirmApply(dialog) => apply::update_confirm(state, action, *dialog),
        Mode::ApplyProgress => apply::update_progress(state, action),
        Mode::Normal => update_normal(state, action),
    }
}

fn update_help(state: &mut State, action: Action, scroll: u16) -> Vec<Effect> {
    let last = super::help_view::max_scroll(state, state.size);
    let half_page = (state.size.1 / 2).max(1);
    let scroll = match action {
        Action::Down => scroll.saturating_add(1),
        Action::Up => scroll.saturating_sub(1),
        Action::PageDown => scroll.saturating_add(half_page),
        Action::PageUp => scroll.saturating_sub(half_page),
        Action::Top => 0,
        Action::Bottom => last,
        Action::Help | Action::Back | Action::Quit | Action::InputCancel => {
            state.mode = Mode::Normal;
            return vec![];
        }
        _ => scroll,
    };
    state.mode = Mode::Help {
        scroll: scroll.min(last),
    };
    vec![]
}

fn update_filter(state: &mut State, action: Action) -> Vec<Effect> {
    let view = state.top_mut();
    match action {
        Action::InputChar(c) => view.filter.push(c),
        Action::InputBackspace => {
            view.filter.pop();
        }
        Action::InputSubmit => state.mode = Mode::Normal,
        Action::InputCancel => {
            view.filter.clear();
            state.mode = Mode::Normal;
        }
        _ => return vec![],
    }
    state.top_mut().selected = 0;
    vec![]
}

fn update_command_line(state: &mut State, action: Action, mut input: String) -> Vec<Effect> {
    match action {
        Action::InputChar(c) => {
            input.push(c);
            state.mode = Mode::Command(input);
        }
        Action::InputBackspace => {
            if input.pop().is_none() {
                state.mode = Mode::Normal;
            } else {
                state.mode = Mode::Command(input);
            }
        }
        Action::InputSubmit => {
            state.mode = Mode::Normal;
            return run_command(state, &input);
        }
        Action::InputCancel => state.mode = Mode::Normal,
        Action::InputComplete => complete_command_line(state, &input),
        _ => {}
    }
    vec![]
}

/// Tab: the line completed as far as it is unambiguous; the choices left, on the
/// message line.
fn complete_command_line(state: &mut State, input: &str) {
    let catalog = &state.catalog;
    let values = commands::Completable {
        accounts: catalog
            .org
            .accounts
            .iter()
            .map(|a| a.name.as_str())
            .collect(),
        services: catalog.services.iter().map(|(_, n)| n.as_str()).collect(),
        themes: crate::config::theme::BUILT_IN
            .iter()
            .map(|(n, _)| *n)
            .collect(),
    };
    let done = commands::complete(input, &values);
    if !done.choices.is_empty() {
        const SHOWN: usize = 6;
        let more = done.choices.len().saturating_sub(SHOWN);
        let mut text = done.choices[..done.choices.len().min(SHOWN)].join(" · ");
        if more > 0 {
            text.push_str(&format!(" · +{more} more"));
        }
        state.message = Some((Severity::Info, format!("tab: {text}")));
    }
    state.mode = Mode::Command(done.line);
}

fn update_normal(state: &mut State, action: Action) -> Vec<Effect> {
    if chart_has_cursor(state) && move_chart_cursor(state, &action) {
        return vec![];
    }
    match action {
        Action::Quit => {
            state.should_quit = true;
            return vec![Effect::Quit];
        }
        Action::Help => state.mode = Mode::Help { scroll: 0 },
        Action::Filter => state.mode = Mode::Filter,
        Action::Command => state.mode = Mode::Command(String::new()),
        Action::Reload => return vec![Effect::Reload],
        Action::Refresh => return sync_update::request_refresh(state),
        Action::Scan => return scan_update::request(state),
        Action::Up if enters_the_chart(state) => {
            let last = overview_chart_len(state).saturating_sub(1);
            state.top_mut().chart_cursor = Some(last);
        }
        Action::Up => move_selection(state, -1),
        Action::Down => move_selection(state, 1),
        Action::PageUp => move_selection(state, -(state.page_size() as i64)),
        Action::PageDown => move_selection(state, state.page_size() as i64),
        Action::Top => move_selection(state, i64::MIN / 2),
        Action::Bottom => move_selection(state, i64::MAX / 2),
        Action::Enter if state.top().kind == ViewKind::Findings => {
            return findings::open_detail(state)
        }
        Action::Enter if state.top().kind == ViewKind::Audit => return open_audit_entry(state),
        Action::Enter => return drill_down(state),
        Action::Findings => return open_root(state, ViewKind::Findings),
        Action::Dismiss if is_findings_view(state) => return findings::start_dismiss(state),
        Action::Mark if is_findings_view(state) => return apply::toggle_mark(state),
        Action::Plan if is_findings_view(state) => return apply::request_plan(state, false),
        Action::PlanDelete if is_findings_view(state) => return apply::request_plan(state, true),
        Action::Audit => return open_root(state, ViewKind::Audit),
        Action::ToggleAllFindings if is_findings_view(state) => {
            state.show_all_findings = !state.show_all_findings;
            state.top_mut().selected = 0;
            return vec![Effect::Load];
        }
        Action::Back => return back(state),
        Action::Overview => return open_root(state, ViewKind::Overview),
        Action::Accounts => return open_root(state, ViewKind::Accounts),
        Action::Services => return open_root(state, ViewKind::Services),
        Action::NextView => {
            let next = match state.stack[0].kind {
                ViewKind::Overview => ViewKind::Accounts,
                ViewKind::Accounts => ViewKind::Services,
                ViewKind::Services => ViewKind::Findings,
                _ => ViewKind::Overview,
            };
            return open_root(state, next);
        }
        _ => return update_period_or_table(state, action),
    }
    vec![]
}

/// The period (range, month, granularity, metric) and the table (sort, grouping, the
/// overview's focus) in normal mode.
fn update_period_or_table(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::PrevMonth => return step_month(state, -1),
        Action::NextMonth => return step_month(state, 1),
        Action::Range(preset) => {
            state.range = preset;
            return vec![Effect::Load];
        }
        Action::ToggleGranularity => {
            state.granularity = state.granularity.toggled();
            return vec![Effect::Load];
        }
        Action::ToggleMetric => {
            // Past the service the cycle goes on to the list and contracted prices.
            let next = match state.top().kind {
                ViewKind::Breakdown(_) => state.detail_metric().next(),
                _ => DetailMetric::Cost(state.metric.toggled()),
            };
            state.choose_metric(next);
            return vec![Effect::Load];
        }
        Action::SortNext | Action::SortPrev => {
            let columns = if is_findings_view(state) {
                super::columns::FINDING_COLUMNS
            } else {
                COLUMNS
            };
            let view = state.top_mut();
            view.sort = view.sort.step(columns, action == Action::SortNext);
        }
        Action::SortInvert => {
            let sort = &mut state.top_mut().sort;
            sort.descending = !sort.descending;
        }
        Action::ToggleGrouping => {
            state.group_by_ou = !state.group_by_ou;
            state.top_mut().selected = 0;
        }
        Action::BreakDown { forward } => return breakdown_update::break_down(state, forward),
        Action::FocusLeft | Action::FocusRight => {
            let view = state.top_mut();
            if view.kind == ViewKind::Overview {
                view.focus = if action == Action::FocusLeft {
                    OverviewFocus::Accounts
                } else {
                    OverviewFocus::Services
                };
                view.selected = 0;
            }
        }
        _ => {}
    }
    vec![]
}

fn is_findings_view(state: &State) -> bool {
    matches!(state.top().kind, ViewKind::Findings | ViewKind::Finding(_))
}

/// The points of the overview's chart (none in other views).
fn overview_chart_len(state: &State) -> usize {
    match (&state.data, state.top().kind) {
        (ViewData::Overview(o), ViewKind::Overview) => o.chart.len(),
        _ => 0,
    }
}

fn chart_has_cursor(state: &State) -> bool {
    state.top().chart_cursor.is_some() && overview_chart_len(state) > 0
}

/// Up from the first row of an overview list goes to the chart above it.
fn enters_the_chart(state: &State) -> bool {
    state.top().kind == ViewKind::Overview
        && state.top().selected == 0
        && overview_chart_len(state) > 0
}

/// The keys the chart's cursor answers to: left and right a day (or month), page a
/// week, home and end its ends, down back to the list. `false`: not a chart key.
fn move_chart_cursor(state: &mut State, action: &Action) -> bool {
    let last = overview_chart_len(state).saturating_sub(1) as i64;
    let view = state.top_mut();
    let at = view.chart_cursor.map_or(last, |i| (i as i64).min(last));
    let to = match action {
        Action::FocusLeft => at - 1,
        Action::FocusRight => at + 1,
        Action::PageUp => at - 7,
        Action::PageDown => at + 7,
        Action::Top => 0,
        Action::Bottom => last,
        Action::Up => at,
        Action::Down | Action::Back => {
            view.chart_cursor = None;
            return true;
        }
        _ => return false,
    };
    view.chart_cursor = Some(to.clamp(0, last) as usize);
    true
}

fn move_selection(state: &mut State, delta: i64) {
    selectors::refresh(state);
    let count = if state.top().kind == ViewKind::Findings {
        findings::visible_count(state)
    } else if let ViewData::Audit(_) = &state.data {
        state.visible.audit.len()
    } else if let ViewData::Reconcile(months) = &state.data {
        super::reconcile_view::row_count(months)
    } else {
        selectors::rows(state).len()
    } as i64;
    let view = state.top_mut();
    view.selected = (view.selected as i64 + delta).clamp(0, (count - 1).max(0)) as usize;
}

fn clamp_selection(state: &mut State) {
    move_selection(state, 0);
}

/// Enter in the audit log: the entry under the cursor in full.
fn open_audit_entry(state: &mut State) -> Vec<Effect> {
    let selected = state.top().selected;
    let Some(id) = selectors::audit(state).nth(selected).map(|e| e.id) else {
        return vec![];
    };
    state.stack.push(ViewState::new(ViewKind::AuditEntry(id)));
    vec![Effect::Load]
}

fn drill_down(state: &mut State) -> Vec<Effect> {
    let view = state.top();
    // Whatever day the cursor is on (or none: no days kept), the resource's finding.
    if let ViewKind::ResourceDays(_) = view.kind {
        return super::resource_days::open_finding(state);
    }
    let Some(row) = selectors::rows(state).get(view.selected).cloned() else {
        return vec![];
    };
    if let ViewKind::Breakdown(b) = view.kind {
        return breakdown_update::drill_into(state, b, &row);
    }
    let kind = view.kind;
    if let Some(effects) = breakdown_update::into_usage_types(state, &row) {
        return effects;
    }
    let next = match (kind, row.key) {
        (
            ViewKind::Overview | ViewKind::Accounts | ViewKind::UnitAccounts(_),
            RowKey::Account(a),
        ) => ViewKind::AccountServices(a),
        (ViewKind::Accounts, RowKey::Unit) => match state.catalog.unit_at_path(&row.group) {
            Some(unit) => ViewKind::UnitAccounts(unit),
            None => return vec![],
        },
        (ViewKind::Overview | ViewKind::Services, RowKey::Service(s)) => {
            ViewKind::ServiceAccounts(s)
        }
        (ViewKind::AccountServices(a), RowKey::Service(s)) => ViewKind::Series {
            account: Some(a),
            service: Some(s),
        },
        (ViewKind::ServiceAccounts(s), RowKey::Account(a)) => ViewKind::Series {
            account: Some(a),
            service: Some(s),
        },
        _ => return vec![],
    };
    state.stack.push(ViewState::new(next));
    vec![Effect::Load]
}

fn back(state: &mut State) -> Vec<Effect> {
    let view = state.top_mut();
    if !view.filter.is_empty() {
        view.filter.clear();
        view.selected = 0;
        return vec![];
    }
    if state.stack.len() > 1 {
        state.stack.pop();
        return vec![Effect::Load];
    }
    vec![]
}

fn open_root(state: &mut State, kind: ViewKind) -> Vec<Effect> {
    state.stack = vec![ViewState::new(kind)];
    vec![Effect::Load]
}

/// Opens `child` as if drilled into from the top-level `root`, so Esc goes to `root`.
fn open_path(state: &mut State, root: ViewKind, child: ViewKind) -> Vec<Effect> {
    state.stack = vec![ViewState::new(root), ViewState::new(child)];
    vec![Effect::Load]
}

/// `[` and `]`: whole calendar months, from the first cached month to the current one.
fn step_month(state: &mut State, delta: i32) -> Vec<Effect> {
    let current = Month::of(state.today);
    let earliest = state.summary.months.first().map_or(current, |m| m.month);
    let target = state.range.anchor_month(state.today).offset(delta);
    let target = target.clamp(earliest.min(current), current);
    state.range = RangePreset::Month(target);
    vec![Effect::Load]
}

fn run_command(state: &mut State, line: &str) -> Vec<Effect> {
    let line = line.trim().trim_start_matches(':');
    let (verb, arg) = match line.split_once(char::is_whitespace) {
        Some((v, a)) => (v, a.trim()),
        None => (line, ""),
    };
    let error = |state: &mut State, text: String| {
        state.message = Some((Severity::Error, text));
        vec![]
    };
    // The last command's error goes when another command runs; this one may set its own.
    if matches!(state.message, Some((Severity::Error, _))) {
        state.message = None;
    }
    if verb.is_empty() {
        return vec![];
    }
    let Some(spec) = commands::lookup(verb) else {
        return error(state, commands::unknown(verb));
    };
    match (spec.command, arg.is_empty()) {
        (Command::Quit, _) => apply::quit(state, false),
        (Command::Help, _) => {
            state.mode = Mode::Help { scroll: 0 };
            vec![]
        }
        (Command::Open(kind), _) => open_root(state, kind),
        (Command::Account, true) => open_root(state, ViewKind::Accounts),
        (Command::Service, true) => open_root(state, ViewKind::Services),
        (Command::Account, false) => match find_account(state, arg) {
            Ok(key) => open_path(state, ViewKind::Accounts, ViewKind::AccountServices(key)),
            Err(text) => error(state, text),
        },
        (Command::Service, false) => match find_service(state, arg) {
            Ok(key) => open_path(state, ViewKind::Services, ViewKind::ServiceAccounts(key)),
            Err(text) => error(state, text),
        },
        (Command::Sync, _) => sync_update::request_refresh(state),
        (Command::Scan, _) => scan_update::request(state),
        (Command::Findings, _) => {
            state.show_all_findings = arg == "all";
            open_root(state, ViewKind::Findings)
        }
        (Command::Reverify, _) => apply::request_reverify(state),
        (Command::Reload, _) => vec![Effect::Reload],
        (Command::Theme, false) => vec![Effect::LoadTheme(arg.to_string())],
        (Command::Theme, true) => vec![Effect::ListThemes],
        (Command::Range, _) => match RangePreset::parse(arg) {
            Some(preset) => {
                state.range = preset;
                vec![Effect::Load]
            }
            None => error(
                state,
                format!("unknown range {arg:?}: use mtd, last-month, 30d, 90d, 13m or YYYY-MM"),
            ),
        },
        (Command::Metric, _) => match DetailMetric::parse(arg) {
            Some(chosen) => {
                state.choose_metric(chosen);
                if state.shown_metric() != chosen {
                    state.message = Some((
                        Severity::Info,
                        format!(
                            "{} prices are kept past the service: they show in usage types, \
                             regions, charges and pricing (the daily views stay {})",
                            chosen.label(),
                            state.metric.label()
                        ),
                    ));
                }
                vec![Effect::Load]
            }
            None => error(
                state,
                format!("unknown metric {arg:?}: use unblended, amortized, list or contracted"),
            ),
        },
    }
}

/// The account a `:` command names (see `domain::lookup`).
fn find_account(state: &State, query: &str) -> Result<i64, String> {
    let named: Vec<Named> = state
        .catalog
        .account_keys()
        .filter_map(|key| {
            let a = state.catalog.account(key)?;
            Some(Named {
                key,
                id: Some(&a.id),
                name: &a.name,
            })
        })
        .collect();
    lookup::find_account(&named, query).map_err(|e| e.to_string())
}

/// The service a `:` command names: `ec2` and `s3` too.
fn find_service(state: &State, query: &str) -> Result<i64, String> {
    let named: Vec<Named> = state
        .catalog
        .services
        .iter()
        .map(|(key, name)| Named {
            key: *key,
            id: None,
            name,
        })
        .collect();
    lookup::find_service(&named, query).map_err(|e| e.to_string())
}
