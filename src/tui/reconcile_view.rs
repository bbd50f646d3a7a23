//! `:reconcile`: each month both Cost Explorer and an export hold, account by account,
//! the variance in the metric shown and what explains it. Pure rendering.

use super::chrome::Hint;
use super::state::State;
use super::widgets::{block, header_style, render_selectable};
use crate::domain::reconcile::{MonthReconciliation, Variance};
use crate::domain::{Metric, Money};
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

pub(super) const HINTS: &[Hint] = &[
    ("back", "back"),
    ("toggle_metric", "metric"),
    ("command", "cmd"),
    ("help", "help"),
    ("quit", "quit"),
];

/// How many rows the view lists: a total row per month, then its accounts.
pub fn row_count(months: &[MonthReconciliation]) -> usize {
    months.iter().map(|m| 1 + m.accounts.len()).sum()
}

fn variance(v: &Variance) -> [String; 4] {
    let amount = |m: Option<Money>| m.map_or_else(|| "—".to_string(), Money::format_exact);
    [
        amount(v.cost_explorer),
        amount(v.export),
        v.variance.format_change(),
        v.explanation.clone(),
    ]
}

pub(super) fn render_reconcile(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    months: &[MonthReconciliation],
) {
    let theme = &state.theme;
    if months.is_empty() {
        frame.render_widget(
            Paragraph::new(
                "No month is held by both Cost Explorer and an export yet. Sync from both \
                 (costscope sync, then costscope sync --source export), or import a FOCUS \
                 file over a synced month with --replace.",
            )
            .wrap(Wrap { trim: true })
            .block(block(" Reconcile ", theme)),
            area,
        );
        return;
    }
    let pick = |u: &Variance, a: &Variance| -> [String; 4] {
        match state.metric {
            Metric::Unblended => variance(u),
            Metric::Amortized => variance(a),
        }
    };
    let bold = Style::default()
        .fg(theme.accent)
        .add_modifier(Modifier::BOLD);
    let right = |text: String| Cell::from(Line::from(text).alignment(Alignment::Right));
    let mut body = Vec::new();
    for m in months {
        let [ce, export, delta, why] = pick(&m.unblended, &m.amortized);
        body.push(
            Row::new(vec![
                Cell::from(format!("{} · {}", m.month.label(), m.export_source)),
                Cell::from(""),
                right(ce),
                right(export),
                right(delta),
                Cell::from(why),
            ])
            .style(bold),
        );
        for a in &m.accounts {
            let [ce, export, delta, why] = pick(&a.unblended, &a.amortized);
            body.push(Row::new(vec![
                Cell::from(format!("  {}", a.account_name)),
                Cell::from(a.account_id.clone()),
                right(ce),
                right(export),
                right(delta),
                Cell::from(why),
            ]));
        }
    }
    let count = body.len();
    let header = Row::new(vec![
        Cell::from("Month / account"),
        Cell::from("Account id"),
        right("Cost Explorer".into()),
        right("Export".into()),
        right("Variance".into()),
        Cell::from("What explains it"),
    ])
    .style(header_style(theme));
    let table = Table::new(
        body,
        [
            Constraint::Length(28),
            Constraint::Length(13),
            Constraint::Length(15),
            Constraint::Length(15),
            Constraint::Length(12),
            Constraint::Min(20),
        ],
    )
    .header(header);
    let title = Line::from(format!(
        " Reconcile · Cost Explorer against the export · {} · {} ",
        state.metric.label(),
        crate::domain::words::plural(months.len() as u64, "month")
    ));
    render_selectable(
        frame,
        area,
        table,
        title,
        theme,
        state.top().selected,
        count,
    );
}
