//! Drawing the findings list, a finding's detail with its evidence, and the dismiss
//! dialog. Pure: reads the state only.

use super::chrome::Hint;
use super::columns::FINDING_COLUMNS;
use super::findings::account_label;
use super::findings_data::FindingsData;
use super::state::{State, ViewKind};
use super::widgets::{
    block, fit_text, header_style, render_dialog, render_selectable, sortable_header, window,
};
use crate::domain::findings::SavingsTotal;
use crate::domain::findings::{FindingStatus, Saving, TrackedFinding};
use crate::domain::words::plural;
use crate::store::ACCOUNT_UNIT;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Sparkline, Table, Wrap};
use ratatui::Frame;

/// The keys the findings list and a finding's detail answer to.
pub(super) const HINTS: &[Hint] = &[
    ("enter", "detail"),
    ("back", "back"),
    ("mark", "mark"),
    ("plan", "plan & apply"),
    ("dismiss", "dismiss"),
    ("toggle_all_findings", "all"),
    ("audit", "audit"),
    ("help", "help"),
    ("quit", "quit"),
];

pub fn render_findings(frame: &mut Frame, area: Rect, state: &State, data: &FindingsData) {
    match state.top().kind {
        ViewKind::Finding(id) => match data.findings.iter().find(|t| t.id == id) {
            Some(t) => render_detail(frame, area, state, data, t),
            None => frame.render_widget(
                Paragraph::new(format!(
                    "finding {id} is no longer in the cache (esc: back)"
                ))
                .block(block(" Finding ", &state.theme)),
                area,
            ),
        },
        _ => render_list(frame, area, state, data),
    }
}

fn saving_text(t: &TrackedFinding) -> String {
    let s = &t.finding.saving;
    match s.amount() {
        Some(m) if s.is_upper_bound() => format!("≤{}", m.format_exact()),
        Some(m) => m.format_exact(),
        None => "unknown".to_string(),
    }
}

fn render_list(frame: &mut Frame, area: Rect, state: &State, data: &FindingsData) {
    let theme = &state.theme;
    let view = state.top();
    // Room for every rule when the screen has it; otherwise the panel says "+N more".
    let panel = (state.visible.finding_totals.by_rule.len().max(6) + 2).min(9) as u16;
    let [table_area, totals_area] =
        Layout::vertical([Constraint::Min(6), Constraint::Length(panel)]).areas(area);
    let rows: Vec<&TrackedFinding> = super::selectors::findings(state).collect();
    let title = list_title(state, data, rows.len());
    if data.findings.is_empty() && data.last_scan_at.is_none() {
        frame.render_widget(
            Paragraph::new(vec![
                Line::from("No scan yet."),
                Line::from(""),
                Line::from(
                    "Press S (or run `costscope scan`) to read the organization's EC2, EBS,",
                ),
                Line::from(
                    "RDS and S3 resources and find what can be stopped, resized or deleted.",
                ),
            ])
            .block(block(" Findings ", theme)),
            area,
        );
        return;
    }
    let titles: Vec<&str> = FINDING_COLUMNS.iter().map(|c| c.title).collect();
    let header = sortable_header(FINDING_COLUMNS, &titles, view.sort, theme, &[]);
    // Only the rows the table can show are built: with thousands of findings, building
    // every row each frame is what a keypress would wait for.
    let (first, shown) = window(view.selected, rows.len(), table_area.height);
    let [rule_w, account_w, region_w] = side_widths(table_area.width.saturating_sub(2));
    // The resource id whole (up to 24 columns); the evidence takes the rest.
    let resource_w = rows[first..first + shown]
        .iter()
        .map(|t| t.finding.resource.chars().count())
        .max()
        .unwrap_or(8)
        .clamp(8, 24) as u16;
    // What is left for the evidence: the table less the other columns and the spaces
    // between the six.
    let evidence_w = table_area
        .width
        .saturating_sub(2 + rule_w + account_w + region_w + resource_w + 12 + 5);
    let fit = |text: &str, width: u16| fit_text(text, usize::from(width));
    let body: Vec<Row> = rows[first..first + shown]
        .iter()
        .map(|t| {
            let f = &t.finding;
            let muted =
                t.status != FindingStatus::Open || data.alternatives.instead_of(t.id).is_some();
            let alternative_to = data.alternatives.instead_of(t.id);
            let status = match (t.status, alternative_to) {
                (FindingStatus::Open, None) => String::new(),
                (FindingStatus::Open, Some(id)) => format!(" [alternative to {id}]"),
                (other, _) => format!(" [{}]", other.name()),
            };
            let mark = if state.marked.contains(&t.id) {
                "● "
            } else {
                "  "
            };
            let row = Row::new(vec![
                Cell::from(fit(&format!("{mark}{}", f.rule.name()), rule_w)),
                Cell::from(fit(&account_label(state, &f.account), account_w)),
                Cell::from(fit(&f.region, region_w)),
                Cell::from(f.resource.clone()),
                Cell::from(Span::styled(
                    fit(&format!("{}{status}", f.evidence.summary), evidence_w),
                    Style::default().fg(theme.muted),
                )),
                Cell::from(Line::from(saving_text(t)).alignment(Alignment::Right)),
            ]);
            if muted {
                row.style(Style::default().fg(theme.muted))
            } else {
                row
            }
        })
        .collect();
    let widths = [
        Constraint::Length(rule_w),
        Constraint::Length(account_w),
        Constraint::Length(region_w),
        Constraint::Length(resource_w),
        Constraint::Fill(1),
        Constraint::Length(12),
    ];
    let (table, title) = (Table::new(body, widths).header(header), Line::from(title));
    let cursor = view.selected.saturating_sub(first);
    render_selectable(frame, table_area, table, title, theme, cursor, shown);
    render_totals(frame, totals_area, state, data);
}

/// Rule, account and region widths in a findings table `inner` columns wide. The
/// resource id and the evidence are what a row is about, so they keep 36 columns (and
/// the saving its 12): the region goes first, then the account and the rule narrow.
fn side_widths(inner: u16) -> [u16; 3] {
    const KEPT: u16 = 36 + 12 + 5;
    let room = inner.saturating_sub(KEPT);
    match room {
        49.. => [19, 18, 12],
        37.. => [19, 18, 0],
        _ => [room.min(12), room.saturating_sub(12), 0],
    }
}

fn render_totals(frame: &mut Frame, area: Rect, state: &State, data: &FindingsData) {
    let theme = &state.theme;
    let totals = &state.visible.finding_totals;
    let [left, middle, right] = Layout::horizontal([
        Constraint::Ratio(1, 3),
        Constraint::Ratio(1, 3),
        Constraint::Ratio(1, 3),
    ])
    .areas(area);
    let line = |label: String, t: &SavingsTotal| {
        Line::from(vec![
            Span::raw(format!("{label:<17}")),
            Span::styled(
                format!("{:>3} ", t.findings),
                Style::default().fg(theme.muted),
            ),
            Span::raw(format!("{:>15}", super::findings_data::badge_amount(t, ""))),
        ])
    };
    let fits = usize::from(area.height.saturating_sub(2));
    let by_rule = at_most(&totals.by_rule, fits, |(rule, t)| {
        line(rule.name().to_string(), t)
    });
    let by_account = at_most(&totals.by_account, fits, |(name, t)| {
        line(fit_text(name, 16), t)
    });
    frame.render_widget(
        Paragraph::new(by_rule).block(block(" Open by rule ($/mo) ", theme)),
        left,
    );
    frame.render_widget(
        Paragraph::new(by_account).block(block(" Open by account ($/mo) ", theme)),
        middle,
    );
    let coverage = coverage_lines(state, data);
    frame.render_widget(
        Paragraph::new(coverage)
            .wrap(Wrap { trim: true })
            .block(block(" Coverage ", theme)),
        right,
    );
}

/// The lines a panel of `fits` lines shows: all of them, or as many as leave room for
/// "+N more", so a row never disappears unsaid. Only the lines shown are made (5,000
/// accounts' totals are one panel).
fn at_most<T>(rows: &[T], fits: usize, line: impl Fn(&T) -> Line<'static>) -> Vec<Line<'static>> {
    if rows.len() <= fits {
        return rows.iter().map(line).collect();
    }
    let kept = fits.saturating_sub(1);
    let mut lines: Vec<Line<'static>> = rows[..kept].iter().map(line).collect();
    lines.push(Line::from(format!("+{} more", rows.len() - kept)));
    lines
}

/// "378 findings · open 378: $10,092.70/mo · scanned 2026-11-20 06:00 UTC"; filtered,
/// "10 of 378 findings · open 10: $1,204.00/mo": the sums are the shown findings'.
fn list_title(state: &State, data: &FindingsData, shown: usize) -> String {
    let open = match &state.visible.finding_totals.shown_open {
        Some(total) => format!(
            "open {}: {}",
            total.findings,
            total.label("mo", 1, crate::domain::Money::format_exact)
        ),
        None => "open: a total too large to show".to_string(),
    };
    let all = data.findings.len();
    let count = if shown == all {
        plural(all as u64, "finding")
    } else {
        format!("{shown} of {}", plural(all as u64, "finding"))
    };
    let scope = if data.all {
        " incl. dismissed & closed"
    } else {
        ""
    };
    let mut title = format!(" {count}{scope} · {open}");
    if let Some(at) = &data.last_scan_at {
        title.push_str(&format!(" · scanned {}", at.minute()));
    }
    title.push(' ');
    title
}

/// How much the scans reached: units scanned, regions skipped, what could not be read.
fn coverage_lines(state: &State, data: &FindingsData) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let mut coverage = vec![Line::from(format!(
        "{n0_account_region} scanned",
        n0_account_region = crate::domain::words::plural(data.units_scanned, "account-region")
    ))];
    let problems: Vec<_> = data
        .not_scanned
        .iter()
        .filter(|u| u.status == crate::store::UnitStatus::NotScanned)
        .collect();
    let skipped = data.not_scanned.len() - problems.len();
    if skipped > 0 {
        coverage.push(Line::from(Span::styled(
            format!(
                "{n0_region} skipped: not opted in",
                n0_region = crate::domain::words::plural(skipped, "region")
            ),
            Style::default().fg(theme.muted),
        )));
    }
    for u in problems.iter().take(4) {
        let unit = if u.unit == ACCOUNT_UNIT {
            "whole account".to_string()
        } else {
            u.unit.clone()
        };
        coverage.push(Line::from(Span::styled(
            format!(
                "NOT SCANNED {} {unit}: {}",
                account_label(state, &u.account),
                u.reason.as_deref().unwrap_or_default()
            ),
            Style::default().fg(theme.warning),
        )));
    }
    if problems.len() > 4 {
        coverage.push(Line::from(format!("… {} more", problems.len() - 4)));
    }
    coverage
}

/// What counts instead of an alternative: "alternative to finding 69 (unattached-volume,
/// $50.00/mo), which counts in the totals; a plan makes one change per resource".
fn alternative_line(data: &FindingsData, t: &TrackedFinding) -> Option<String> {
    let other_id = data.alternatives.instead_of(t.id)?;
    let other = data.findings.iter().find(|o| o.id == other_id)?;
    Some(format!(
        "alternative to finding {other_id} ({}, {}), which counts in the totals; a plan makes one change per resource",
        other.finding.rule.name(),
        other.finding.saving.per_month_label()
    ))
}

/// "up to $12.00/month · $144.00/year", or "unknown".
fn saving_per_month_and_year(saving: &Saving) -> String {
    let Some(m) = saving.amount() else {
        return "unknown".to_string();
    };
    let bound = if saving.is_upper_bound() {
        "up to "
    } else {
        ""
    };
    format!(
        "{bound}{}/month · {}/year",
        m.format_exact(),
        m.scale(12, 1).format_exact()
    )
}

fn render_detail(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    data: &FindingsData,
    t: &TrackedFinding,
) {
    let theme = &state.theme;
    let f = &t.finding;
    let label = |text: &str| Span::styled(format!("{text:<22} "), Style::default().fg(theme.muted));
    let mut lines = vec![
        Line::from(vec![
            label("Account"),
            Span::raw(format!(
                "{} ({})",
                account_label(state, &f.account),
                f.account
            )),
        ]),
        Line::from(vec![label("Region"), Span::raw(f.region.clone())]),
        Line::from(vec![
            label("Resource"),
            Span::raw(format!("{}  {}", f.resource, f.label)),
        ]),
        Line::from(vec![
            label("Status"),
            Span::raw(match &t.dismissed_reason {
                Some(reason) => format!("{} ({reason})", t.status.name()),
                None => t.status.name().to_string(),
            }),
            Span::styled(
                format!(
                    "   first seen {} · last seen {}",
                    t.first_seen.date(),
                    t.last_seen.date()
                ),
                Style::default().fg(theme.muted),
            ),
        ]),
        Line::from(vec![label("Action"), Span::raw(f.action.clone())]),
        Line::from(vec![
            label("Saving"),
            Span::styled(
                saving_per_month_and_year(&f.saving),
                Style::default()
                    .fg(theme.accent)
                    .add_modifier(Modifier::BOLD),
            ),
        ]),
        Line::from(vec![
            label(""),
            Span::styled(
                f.saving.basis().to_string(),
                Style::default().fg(theme.muted),
            ),
        ]),
    ];
    if let Some(line) = alternative_line(data, t) {
        lines.push(Line::from(vec![
            label(""),
            Span::styled(line, Style::default().fg(theme.warning)),
        ]));
    }
    lines.extend([
        Line::from(""),
        Line::from(Span::styled("Evidence", header_style(theme))),
    ]);
    for (name, value) in &f.evidence.facts {
        lines.push(Line::from(vec![label(name), Span::raw(value.clone())]));
    }
    let series_height = if f.evidence.series.is_some() { 7 } else { 0 };
    let [text_area, chart_area] =
        Layout::vertical([Constraint::Min(6), Constraint::Length(series_height)]).areas(area);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block(format!(" {} ", f.rule.title()), theme)),
        text_area,
    );
    if let Some(series) = &f.evidence.series {
        render_series(frame, chart_area, series, theme);
    }
}

/// The metric a rule judged, daily over the look-back window.
fn render_series(
    frame: &mut Frame,
    chart_area: Rect,
    series: &crate::domain::findings::MetricSeries,
    theme: &crate::config::Theme,
) {
    let max = series.values.iter().copied().fold(0.0_f64, f64::max);
    let min = series.values.iter().copied().fold(f64::MAX, f64::min);
    // Sparkline bars are integers: hundredths keep small percentages visible.
    let data: Vec<u64> = series
        .values
        .iter()
        .map(|v| (v.max(0.0) * 100.0).round() as u64)
        .collect();
    let title = format!(
        " {} ({}) daily, {} days · min {:.2} · max {:.2} ",
        series.name,
        series.unit,
        series.values.len(),
        if series.values.is_empty() { 0.0 } else { min },
        max
    );
    frame.render_widget(
        Sparkline::default()
            .data(&data)
            .style(Style::default().fg(theme.chart))
            .block(block(title, theme)),
        chart_area,
    );
}

/// The dismiss dialog: the reason is kept with the finding and survives rescans.
pub fn render_dismiss(frame: &mut Frame, area: Rect, state: &State, id: i64, reason: &str) {
    let theme = &state.theme;
    let width = area.width.saturating_sub(8).min(72);
    let rect = Rect::new(area.x + (area.width - width) / 2, area.y + 5, width, 8);
    let what = super::findings::selected_finding(state)
        .filter(|t| t.id == id)
        .map_or_else(String::new, |t| {
            format!(
                "{} {} {}",
                t.finding.rule.name(),
                t.finding.resource,
                t.finding.label
            )
        });
    let text = vec![
        Line::from(format!("Dismiss finding {id}: {what}")),
        Line::from(""),
        Line::from(vec![
            Span::raw("Reason: "),
            Span::raw(reason.to_string()),
            Span::styled("▏", Style::default().fg(theme.accent)),
        ]),
    ];
    render_dialog(
        frame,
        rect,
        theme,
        " Dismiss finding ",
        text,
        "dismiss (rescans keep it dismissed)",
    );
}

#[cfg(test)]
mod tests {
    use super::side_widths;

    #[test]
    fn a_narrow_findings_table_gives_up_region_then_account_before_resource_and_evidence() {
        assert_eq!(side_widths(158), [19, 18, 12]);
        assert_eq!(side_widths(102), [19, 18, 12]);
        assert_eq!(side_widths(92), [19, 18, 0]);
        assert_eq!(side_widths(78), [12, 13, 0]);
        for inner in [58u16, 78, 98, 118, 158] {
            let taken: u16 = side_widths(inner).iter().sum();
            assert!(inner - taken >= 53, "{inner}: {taken}");
        }
    }
}
