//! Drawing the confirm dialog (the plan exactly as it will run), a plan's live
//! progress, and the audit log. Pure: reads the state only.

use super::apply::{ConfirmDialog, Focus};
use super::chrome::Hint;
use super::state::{State, ViewKind};
use super::widgets::{block, header_style, render_selectable};

use crate::domain::audit::AuditEntry;
use crate::domain::remediation::Confirmation;
use crate::remediate::StepOutcome;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Clear, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

/// The keys the audit log answers to.
pub(super) const AUDIT_HINTS: &[Hint] = &[
    ("back", "back"),
    ("filter", "filter"),
    ("findings", "findings"),
    ("command", "cmd"),
    ("help", "help"),
    ("quit", "quit"),
];

fn overlay(area: Rect, width_pct: u16, height_pct: u16) -> Rect {
    let width = (area.width * width_pct / 100).max(40).min(area.width);
    let height = (area.height * height_pct / 100).max(10).min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

pub fn render_confirm(frame: &mut Frame, area: Rect, state: &State, dialog: &ConfirmDialog) {
    let theme = &state.theme;
    let rect = overlay(area, 90, 90);
    let head = confirm_head(state, dialog);
    let body = confirm_body(state, dialog);
    let foot = confirm_foot(state, dialog);
    frame.render_widget(Clear, rect);
    let inner = block(" Confirm plan ", theme);
    let content = inner.inner(rect);
    frame.render_widget(inner, rect);
    let head_height = head.len() as u16;
    let foot_height = foot.len() as u16;
    let body_height = content.height.saturating_sub(head_height + foot_height + 2);
    let parts = [
        Rect {
            height: head_height.min(content.height),
            ..content
        },
        Rect {
            y: content.y + head_height + 1,
            height: body_height,
            ..content
        },
        Rect {
            y: (content.y + content.height).saturating_sub(foot_height),
            height: foot_height.min(content.height),
            ..content
        },
    ];
    frame.render_widget(Paragraph::new(head).wrap(Wrap { trim: true }), parts[0]);
    let total = wrapped_height(&body, content.width);
    let scroll = dialog.scroll.min(total.saturating_sub(body_height));
    frame.render_widget(
        Paragraph::new(body)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        parts[1],
    );
    if total > body_height {
        // Under the steps: which lines show, so a long plan never looks complete.
        let line = Line::from(Span::styled(
            format!(
                "lines {}–{} of {total} · ↑/↓ pgup/pgdn scroll",
                scroll + 1,
                (scroll + body_height).min(total)
            ),
            Style::default().fg(theme.warning),
        ))
        .alignment(ratatui::layout::Alignment::Right);
        let under = Rect {
            y: parts[1].y + body_height,
            height: 1,
            ..content
        };
        frame.render_widget(Paragraph::new(line), under);
    }
    frame.render_widget(Paragraph::new(foot).wrap(Wrap { trim: true }), parts[2]);
}

/// How many lines `lines` take wrapped at `width` (a word wrapped early can add a line
/// this misses).
fn wrapped_height(lines: &[Line], width: u16) -> u16 {
    let width = usize::from(width.max(1));
    let rows: usize = lines.iter().map(|l| l.width().div_ceil(width).max(1)).sum();
    u16::try_from(rows).unwrap_or(u16::MAX)
}

/// Who applies (and acts in each account), the plan's size and saving, and what the
/// screen does not show.
fn confirm_head(state: &State, dialog: &ConfirmDialog) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let strong = Style::default().add_modifier(Modifier::BOLD);
    let muted = Style::default().fg(theme.muted);
    let mut head: Vec<Line> = Vec::new();
    if state.apply.simulated {
        head.push(Line::from(Span::styled(
            "SIMULATED (demo organization): nothing leaves this machine",
            Style::default()
                .fg(theme.badge_fg)
                .bg(theme.badge_bg)
                .add_modifier(Modifier::BOLD),
        )));
    }
    head.push(Line::from(vec![
        Span::raw("applies as: "),
        match &dialog.identity {
            None => Span::styled("asking sts:GetCallerIdentity…", muted),
            Some(Ok(acting)) => Span::styled(acting.caller.clone(), strong),
            Some(Err(e)) => Span::styled(format!("unknown: {e}"), Style::default().fg(theme.error)),
        },
    ]));
    // Who acts in each member account: the role assumed there, as CloudTrail shows it.
    if let Some(Ok(acting)) = &dialog.identity {
        for (account, who) in acting.differing() {
            let name = dialog
                .plan
                .steps
                .iter()
                .find(|s| &s.account == account)
                .map_or(account.as_str(), |s| s.account_name.as_str());
            head.push(Line::from(vec![
                Span::raw(format!("  in {name} ({account}) as ")),
                match who {
                    Ok(arn) => Span::styled(arn.clone(), strong),
                    Err(e) => Span::styled(
                        format!("nobody: {e} (its steps will fail)"),
                        Style::default().fg(theme.error),
                    ),
                },
            ]));
        }
    }
    head.push(Line::from(format!(
        "{n0_step} in {n1_account} · estimated saving {}{}",
        dialog.plan.saving_label(),
        if dialog.plan.refused.is_empty() {
            String::new()
        } else {
            format!(
                " · {n0_finding} left out (listed below)",
                n0_finding = crate::domain::words::plural(dialog.plan.refused.len(), "finding")
            )
        },
        n0_step = crate::domain::words::plural(dialog.plan.steps.len(), "step"),
        n1_account = crate::domain::words::plural(dialog.plan.accounts().len(), "account")
    )));
    if dialog.hidden_marked > 0 {
        head.push(Line::from(Span::styled(
            format!("{n0_finding} not shown on this screen (filtered out, or marked in another view) are in this plan", n0_finding = crate::domain::words::plural(dialog.hidden_marked, "marked finding")),
            Style::default().fg(theme.warning),
        )));
    }
    head
}

/// Every step with every fact, then what was left out and why.
fn confirm_body(state: &State, dialog: &ConfirmDialog) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let muted = Style::default().fg(theme.muted);
    let mut body: Vec<Line> = Vec::new();
    for (i, step) in dialog.plan.steps.iter().enumerate() {
        body.push(Line::from(Span::styled(
            format!(
                "{}. finding {} · {}",
                i + 1,
                step.finding_id,
                step.change.verb()
            ),
            Style::default()
                .fg(theme.accent)
                .add_modifier(Modifier::BOLD),
        )));
        for (label, value) in step.facts() {
            body.push(Line::from(vec![
                Span::styled(format!("   {label:<12}"), muted),
                Span::raw(value),
            ]));
        }
    }
    for r in &dialog.plan.refused {
        body.push(Line::from(Span::styled(
            format!(
                "left out: finding {} {} — {}",
                r.finding_id, r.resource, r.reason
            ),
            Style::default().fg(theme.warning),
        )));
    }
    body
}

/// What the confirmation asks for, the typed text, and the two buttons.
fn confirm_foot(state: &State, dialog: &ConfirmDialog) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let strong = Style::default().add_modifier(Modifier::BOLD);
    let muted = Style::default().fg(theme.muted);
    let mut foot: Vec<Line> = vec![Line::from(dialog.confirmation.describe())];
    if let Confirmation::Type { .. } = dialog.confirmation {
        foot.push(Line::from(vec![
            Span::raw("typed: "),
            Span::styled(dialog.typed.clone(), strong),
            Span::styled("▏", Style::default().fg(theme.accent)),
        ]));
    }
    let button = |label: &'static str, focused: bool| {
        if focused {
            Span::styled(
                format!(" {label} "),
                Style::default()
                    .fg(theme.selection_fg)
                    .bg(theme.selection_bg)
                    .add_modifier(Modifier::BOLD),
            )
        } else {
            Span::raw(format!(" {label} "))
        }
    };
    foot.push(Line::from(vec![
        button("[ Cancel ]", dialog.focus == Focus::Cancel),
        Span::raw("  "),
        button("[ Apply ]", dialog.focus == Focus::Apply),
        Span::styled(
            "   tab/←/→ choose · enter activates · esc cancels · ↑/↓ scroll",
            muted,
        ),
    ]));
    foot
}

pub fn render_progress(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let Some(run) = &state.apply.run else {
        return;
    };
    let rect = overlay(area, 80, 60);
    let mut lines: Vec<Line> = Vec::new();
    if state.apply.simulated {
        lines.push(Line::from(Span::styled(
            "SIMULATED: nothing leaves this machine",
            Style::default().fg(theme.badge_fg).bg(theme.badge_bg),
        )));
    }
    for (i, (resource, verb)) in run.steps.iter().enumerate() {
        let outcome = run.outcomes.get(i).and_then(Option::as_ref);
        let color = match outcome {
            Some(StepOutcome::Verified) => theme.accent,
            Some(StepOutcome::Skipped(_) | StepOutcome::NotRun(_) | StepOutcome::Unverified(_)) => {
                theme.warning
            }
            Some(_) => theme.error,
            None => theme.foreground,
        };
        lines.push(Line::from(vec![
            Span::raw(format!("{}. {resource} · {verb}: ", i + 1)),
            Span::styled(
                run.phases.get(i).cloned().unwrap_or_default(),
                Style::default().fg(color).add_modifier(Modifier::BOLD),
            ),
        ]));
        if let Some(reason) = outcome.and_then(StepOutcome::reason) {
            lines.push(Line::from(Span::styled(
                format!("   {reason}"),
                Style::default().fg(theme.muted),
            )));
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(match &run.finished {
        Some(line) => format!("{line} · esc: close · L: audit log"),
        None => format!(
            "{}/{n0_step} done · esc: close (the plan keeps running)",
            run.done(),
            n0_step = crate::domain::words::plural(run.steps.len(), "step")
        ),
    }));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block(" Applying ", theme))
            .wrap(Wrap { trim: false }),
        rect,
    );
}

pub fn render_audit(frame: &mut Frame, area: Rect, state: &State, entries: &[AuditEntry]) {
    let theme = &state.theme;
    if let ViewKind::AuditEntry(id) = state.top().kind {
        match entries.iter().find(|e| e.id == id) {
            Some(entry) => render_audit_entry(frame, area, state, entry),
            None => frame.render_widget(
                Paragraph::new(format!("entry {id} is not in the audit log (esc: back)"))
                    .block(block(" Audit entry ", theme)),
                area,
            ),
        }
        return;
    }
    if entries.is_empty() {
        frame.render_widget(
            Paragraph::new("The audit log is empty: nothing has been applied from this cache.")
                .block(block(" Audit log ", theme)),
            area,
        );
        return;
    }
    let view = state.top();
    let rows: Vec<&AuditEntry> = super::selectors::audit(state).collect();
    let reverify = entries.iter().filter(|e| e.reverify).count();
    let header = Row::new([
        "At",
        "Plan",
        "Account",
        "Phase",
        "Action",
        "Resource",
        "Request id",
        "Detail",
    ])
    .style(header_style(theme));
    let body: Vec<Row> = rows.iter().map(|e| audit_row(state, e)).collect();
    let count = body.len();
    let table = Table::new(
        body,
        [
            Constraint::Length(19),
            Constraint::Length(6),
            Constraint::Length(16),
            Constraint::Length(16),
            Constraint::Length(22),
            Constraint::Length(22),
            Constraint::Length(14),
            Constraint::Min(20),
        ],
    )
    .header(header);
    let title = Line::from(format!(
        " Audit log · {} entries, newest first{} ",
        entries.len(),
        if reverify > 0 {
            format!(
                " · {n0_call} with no recorded outcome: re-verify them",
                n0_call = crate::domain::words::plural(reverify, "call")
            )
        } else {
            String::new()
        }
    ));
    render_selectable(frame, area, table, title, theme, view.selected, count);
}

/// One entry of the audit log: when, which plan and step, its phase (coloured), the
/// call, the resource, AWS's request id and the detail.
fn audit_row(state: &State, e: &AuditEntry) -> Row<'static> {
    let theme = &state.theme;
    let phase = if e.reverify {
        format!("{} RE-VERIFY", e.phase.name())
    } else {
        e.phase.name().to_string()
    };
    let color = match e.phase.name() {
        "verified" | "applied" => theme.accent,
        "failed" | "unverified" => theme.error,
        "skipped" => theme.warning,
        _ => theme.foreground,
    };
    Row::new(vec![
        Cell::from(e.at.seconds()),
        Cell::from(match e.step {
            Some(step) => format!("{}.{}", e.plan, step + 1),
            None => e.plan.to_string(),
        }),
        Cell::from(account_of(state, &e.account)),
        Cell::from(Span::styled(phase, Style::default().fg(color))),
        Cell::from(e.action.clone()),
        Cell::from(e.resource.clone()),
        Cell::from(e.request_id.clone().unwrap_or_default()),
        Cell::from(format!(
            "{}{}",
            if e.simulated { "[simulated] " } else { "" },
            e.detail
        )),
    ])
}

/// An account's name, else its id ("" for plan-wide entries).
fn account_of(state: &State, id: &str) -> String {
    state.catalog.name_of(id).to_string()
}

/// One audit entry with every field: what was called, by whom, AWS's request id, the
/// whole detail and how to undo it.
fn render_audit_entry(frame: &mut Frame, area: Rect, state: &State, e: &AuditEntry) {
    let theme = &state.theme;
    let label = |text: &str| Span::styled(format!("{text:<14} "), Style::default().fg(theme.muted));
    let field = |name: &str, value: String| Line::from(vec![label(name), Span::raw(value)]);
    let step = e
        .step
        .map_or_else(|| "plan-wide".to_string(), |s| format!("step {}", s + 1));
    let account = match account_of(state, &e.account) {
        name if name != e.account => format!("{name} ({})", e.account),
        id => id,
    };
    let lines = vec![
        field("At", e.at.to_string()),
        field("Plan", format!("{} · {step}", e.plan)),
        field(
            "Phase",
            format!(
                "{}{}",
                e.phase.name(),
                if e.reverify {
                    " · RE-VERIFY: no confirmed outcome yet"
                } else {
                    ""
                }
            ),
        ),
        field("Action", e.action.clone()),
        field("Account", account),
        field("Region", e.region.clone()),
        field("Resource", e.resource.clone()),
        field(
            "Finding",
            e.finding_id.map(|f| f.to_string()).unwrap_or_default(),
        ),
        field("Identity", e.identity.clone()),
        field(
            "Request id",
            e.request_id.clone().unwrap_or_else(|| "none".to_string()),
        ),
        field(
            "Undo",
            e.undo
                .clone()
                .unwrap_or_else(|| "cannot be undone".to_string()),
        ),
        field(
            "Closes entry",
            e.intent_id.map(|i| i.to_string()).unwrap_or_default(),
        ),
        field(
            "Simulated",
            if e.simulated {
                "yes: nothing reached AWS"
            } else {
                "no"
            }
            .to_string(),
        ),
        Line::from(""),
        Line::from(Span::styled("Detail", header_style(theme))),
        Line::from(e.detail.clone()),
    ];
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block(format!(" Audit entry {} ", e.id), theme)),
        area,
    );
}
