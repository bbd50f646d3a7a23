//! Rendering: a pure function of the state. No I/O, no mutation.

use super::model::{OverviewData, TableData, TableRow, ViewData};
use super::state::{Mode, OverviewFocus, Severity, State, ViewKind};
use super::table::COLUMNS;
use super::update::current_rows;
use crate::config::Theme;
use crate::domain::{change_ratio, DailyPoint, Granularity, Money};
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Bar, BarChart, BarGroup, Block, Borders, Cell, Chart, Clear, Dataset, GraphType,
    Paragraph, Row, Table, TableState, Wrap,
};
use ratatui::Frame;

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// How the end-of-month forecast is computed; shown in the help.
pub const FORECAST_HELP: &str = "Forecast = month-to-date spend + (mean daily spend of the last 7 days with data) x (days left in the month). Seven days cancel the weekly cycle; credits, refunds and fees posted later are not predicted.";

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
        ViewData::Empty => render_empty(frame, body, state),
        ViewData::Unavailable(reason) => render_unavailable(frame, body, state, reason),
    }
    render_hints(frame, hints, state);
    render_status(frame, status, state);
    match &state.mode {
        Mode::Help { scroll } => render_help(frame, area, state, *scroll),
        Mode::ConfirmSync {
            months,
            at_least_requests,
        } => render_confirm_sync(frame, area, state, months, *at_least_requests),
        Mode::Dismiss { id, reason } => {
            super::findings_view::render_dismiss(frame, area, state, *id, reason)
        }
        Mode::ConfirmApply(dialog) => super::apply_view::render_confirm(frame, area, state, dialog),
        Mode::ApplyProgress => super::apply_view::render_progress(frame, area, state),
        _ => {}
    }
}

/// The refresh dialog: what the sync will fetch and at least cost, before anything runs.
fn render_confirm_sync(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    months: &[crate::domain::Month],
    at_least_requests: u32,
) {
    let theme = &state.theme;
    let width = area.width.saturating_sub(8).min(72);
    let rect = Rect::new(area.x + (area.width - width) / 2, area.y + 4, width, 10);
    let list = match months {
        [] => "none (every month is final)".to_string(),
        [only] => only.to_string(),
        [first, .., last] => format!("{first} … {last}"),
    };
    let text = vec![
        Line::from(format!("Months to fetch: {} ({list})", months.len())),
        Line::from(format!(
            "Cost Explorer: at least {at_least_requests} request(s), {} (each page is $0.01)",
            crate::sync::ce_price(u64::from(at_least_requests))
        )),
        Line::from(format!(
            "Spent this month so far: {}",
            crate::sync::ce_price(state.sync.ce_requests_this_month)
        )),
        Line::from(""),
        Line::from("The sync runs in the background; keep browsing while it loads."),
    ];
    render_dialog(frame, rect, theme, " Sync from AWS ", text, "start");
}

/// A modal box over `rect`: its lines, then "enter <confirm>   esc cancel".
pub(super) fn render_dialog(
    frame: &mut Frame,
    rect: Rect,
    theme: &Theme,
    title: &'static str,
    mut lines: Vec<Line<'static>>,
    confirm: &str,
) {
    lines.push(Line::from(""));
    lines.push(Line::from(vec![
        Span::styled("enter", Style::default().fg(theme.accent)),
        Span::raw(format!(" {confirm}   ")),
        Span::styled("esc", Style::default().fg(theme.accent)),
        Span::raw(" cancel"),
    ]));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block(title, theme))
            .wrap(Wrap { trim: true }),
        rect,
    );
}

fn render_too_small(frame: &mut Frame, area: Rect, theme: &Theme) {
    let text = vec![
        Line::from(Span::styled(
            "Terminal too small",
            Style::default()
                .fg(theme.warning)
                .add_modifier(Modifier::BOLD),
        )),
        Line::from(format!(
            "{}x{} here; costscope needs at least {MIN_WIDTH}x{MIN_HEIGHT}.",
            area.width, area.height
        )),
        Line::from("Enlarge the window, or press q to quit."),
    ];
    let y = area.height.saturating_sub(3) / 2;
    let rect = Rect::new(area.x, area.y + y, area.width, 3.min(area.height));
    frame.render_widget(
        Paragraph::new(text)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        rect,
    );
}

fn render_title(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let range = state.range();
    let mut spans = vec![Span::styled(
        " costscope ",
        Style::default()
            .fg(theme.accent)
            .add_modifier(Modifier::BOLD),
    )];
    if state.is_demo() {
        spans.push(Span::styled(
            " DEMO ",
            Style::default()
                .fg(theme.badge_fg)
                .bg(theme.badge_bg)
                .add_modifier(Modifier::BOLD),
        ));
    }
    spans.push(Span::raw(" "));
    spans.push(Span::styled(
        state.range.label(),
        Style::default().add_modifier(Modifier::BOLD),
    ));
    spans.push(Span::styled(
        format!(" ({})", range.label()),
        Style::default().fg(theme.muted),
    ));
    spans.push(Span::raw(" · "));
    spans.push(Span::raw(state.metric.label()));
    spans.push(Span::raw(" · "));
    spans.push(Span::raw(state.granularity.label()));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn render_breadcrumbs(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let crumbs = state.breadcrumbs();
    let mut spans = vec![Span::raw(" ")];
    let last = crumbs.len().saturating_sub(1);
    for (i, crumb) in crumbs.iter().enumerate() {
        let style = if i == last {
            Style::default()
                .fg(theme.accent)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default().fg(theme.muted)
        };
        spans.push(Span::styled(crumb.clone(), style));
        if i != last {
            spans.push(Span::styled(" › ", Style::default().fg(theme.muted)));
        }
    }
    let filter = &state.top().filter;
    if !filter.is_empty() && state.mode != Mode::Filter {
        spans.push(Span::styled(
            format!("   filter: {filter}"),
            Style::default().fg(theme.warning),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub(super) fn block<'a>(title: impl Into<Line<'a>>, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(Style::default().fg(theme.border))
        .title(title.into().style(Style::default().fg(theme.accent)))
}

pub(super) fn header_style(theme: &Theme) -> Style {
    Style::default()
        .fg(theme.header)
        .add_modifier(Modifier::BOLD)
}

fn money_or_unknown(amount: Option<Money>) -> String {
    amount.map_or_else(|| "—".to_string(), Money::format_exact)
}

fn change_span(current: Option<Money>, previous: Option<Money>, theme: &Theme) -> Span<'static> {
    match (current, previous) {
        (Some(c), Some(p)) => match change_ratio(c, p) {
            Some(r) => {
                let color = if r > 0.0005 {
                    theme.increase
                } else if r < -0.0005 {
                    theme.decrease
                } else {
                    theme.muted
                };
                Span::styled(format!("{:+.1}%", r * 100.0), Style::default().fg(color))
            }
            None if c == Money::ZERO => Span::styled("—", Style::default().fg(theme.muted)),
            None => Span::styled("new", Style::default().fg(theme.increase)),
        },
        _ => Span::styled("—", Style::default().fg(theme.muted)),
    }
}

fn share_bar(share: f64, width: usize) -> String {
    const EIGHTHS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    let share = share.clamp(0.0, 1.0);
    let eighths = (share * width as f64 * 8.0).round() as usize;
    let mut bar = "█".repeat(eighths / 8);
    bar.push_str(EIGHTHS[eighths % 8]);
    format!("{bar:<width$}{:>4.0}%", share * 100.0)
}

fn render_overview(frame: &mut Frame, area: Rect, state: &State, data: &OverviewData) {
    let theme = &state.theme;
    let [headline, chart, tables] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Length(8),
        Constraint::Min(6),
    ])
    .areas(area);
    let h = &data.headline;
    let stat = |label: &str, value: Option<Money>, extra: Option<Span<'static>>| {
        let mut value_line = vec![Span::styled(
            value.map_or_else(|| "—".to_string(), Money::format_compact),
            Style::default().add_modifier(Modifier::BOLD),
        )];
        if let Some(extra) = extra {
            value_line.push(Span::raw(" "));
            value_line.push(extra);
        }
        Paragraph::new(vec![
            Line::from(Span::styled(
                label.to_string(),
                Style::default().fg(theme.muted),
            )),
            Line::from(value_line),
        ])
    };
    let outer = block(" Organization spend ", theme);
    let inner = outer.inner(headline);
    frame.render_widget(outer, headline);
    let cells = Layout::horizontal([Constraint::Ratio(1, 4); 4]).split(inner);
    frame.render_widget(
        stat(
            "Month to date",
            h.month_to_date,
            Some(change_span(
                h.month_to_date,
                h.same_period_last_month,
                theme,
            )),
        ),
        cells[0],
    );
    frame.render_widget(
        stat("Last month to date", h.same_period_last_month, None),
        cells[1],
    );
    frame.render_widget(stat("Last month", h.last_month, None), cells[2]);
    frame.render_widget(stat("Month-end forecast", h.forecast, None), cells[3]);

    let title = format!(
        " {} spend · total {} ",
        state.granularity.label(),
        data.total
            .map_or_else(|| "—".to_string(), Money::format_compact)
    );
    render_chart(frame, chart, &data.chart, state.granularity, title, theme);

    let [left, right] = Layout::horizontal([Constraint::Ratio(1, 2); 2]).areas(tables);
    let focus = state.top().focus;
    let selected = state.top().selected;
    let left_sel = (focus == OverviewFocus::Accounts).then_some(selected);
    let right_sel = (focus == OverviewFocus::Services).then_some(selected);
    render_top_table(
        frame,
        left,
        " Top accounts ",
        &data.top_accounts,
        left_sel,
        theme,
    );
    render_top_table(
        frame,
        right,
        " Top services ",
        &data.top_services,
        right_sel,
        theme,
    );
}

fn render_top_table(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    rows: &[TableRow],
    selected: Option<usize>,
    theme: &Theme,
) {
    // The share bar only when there is room for names too.
    let with_share = area.width >= 48;
    let mut header = vec!["Name", "Cost"];
    if with_share {
        header.push("Share");
    }
    header.push("Δ");
    let header = Row::new(header).style(header_style(theme));
    let body: Vec<Row> = rows
        .iter()
        .map(|r| {
            let mut cells = vec![
                Cell::from(r.name.clone()),
                Cell::from(
                    Line::from(
                        r.amount
                            .map_or_else(|| "—".to_string(), Money::format_compact),
                    )
                    .alignment(Alignment::Right),
                ),
            ];
            if with_share {
                cells.push(Cell::from(Span::styled(
                    share_bar(r.share, 3),
                    Style::default().fg(theme.share_bar),
                )));
            }
            cells.push(Cell::from(
                Line::from(change_span(r.amount, r.previous, theme)).alignment(Alignment::Right),
            ));
            Row::new(cells)
        })
        .collect();
    let mut widths = vec![Constraint::Fill(1), Constraint::Length(8)];
    if with_share {
        widths.push(Constraint::Length(8));
    }
    widths.push(Constraint::Length(7));
    let border = if selected.is_some() {
        theme.accent
    } else {
        theme.border
    };
    let table = Table::new(body, widths)
        .header(header)
        .block(block(title.to_string(), theme).border_style(Style::default().fg(border)))
        .row_highlight_style(
            Style::default()
                .fg(theme.selection_fg)
                .bg(theme.selection_bg),
        );
    let mut table_state = TableState::default().with_selected(selected);
    frame.render_stateful_widget(table, area, &mut table_state);
}

fn render_table_view(frame: &mut Frame, area: Rect, state: &State, data: &TableData) {
    let theme = &state.theme;
    let kind = state.top().kind;
    let chart_height = match kind {
        ViewKind::Series { .. } => 10,
        ViewKind::AccountServices(_) | ViewKind::ServiceAccounts(_) => 7,
        _ => 0,
    };
    let [chart_area, table_area] =
        Layout::vertical([Constraint::Length(chart_height), Constraint::Min(5)]).areas(area);
    if chart_height > 0 {
        let title = format!(" {} spend ", state.granularity.label());
        render_chart(
            frame,
            chart_area,
            &data.chart,
            state.granularity,
            title,
            theme,
        );
    }
    let rows = current_rows(state);
    let view = state.top();
    let noun = match kind {
        ViewKind::Accounts | ViewKind::ServiceAccounts(_) => "accounts",
        ViewKind::Services | ViewKind::AccountServices(_) => "services",
        ViewKind::Series { .. } => {
            if state.granularity == Granularity::Daily {
                "days"
            } else {
                "months"
            }
        }
        ViewKind::Overview | ViewKind::Findings | ViewKind::Finding(_) | ViewKind::Audit => "rows",
    };
    let shown = rows
        .iter()
        .filter(|r| r.depth > 0 || !matches!(r.key, super::model::RowKey::Unit))
        .count();
    let mut title = vec![Span::raw(format!(
        " {shown} {noun} · total {}",
        money_or_unknown(data.total)
    ))];
    if data.previous_total.is_some() {
        title.push(Span::raw(format!(
            " · previous {} ",
            data.previous_total
                .map_or_else(String::new, Money::format_compact)
        )));
        title.push(change_span(data.total, data.previous_total, theme));
    }
    title.push(Span::raw(" "));

    let show_detail = rows.iter().any(|r| !r.detail.is_empty());
    let previous_label = if matches!(kind, ViewKind::Series { .. }) {
        "Prior"
    } else {
        "Previous"
    };
    let header_cells: Vec<Cell> = COLUMNS
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let name = match i {
                0 if matches!(kind, ViewKind::Series { .. }) => "Date",
                1 => match kind {
                    ViewKind::Accounts | ViewKind::ServiceAccounts(_) => "Account id",
                    ViewKind::Series { .. } => "Day",
                    _ => "",
                },
                3 => previous_label,
                _ => name,
            };
            let arrow = if view.sort.column == i {
                if view.sort.descending {
                    "▼"
                } else {
                    "▲"
                }
            } else {
                ""
            };
            let text = format!("{name}{arrow}");
            if (2..=4).contains(&i) {
                Cell::from(Line::from(text).alignment(Alignment::Right))
            } else {
                Cell::from(text)
            }
        })
        .collect();
    let badges: Vec<Option<String>> = rows.iter().map(|r| finding_badge(state, kind, r)).collect();
    // Only where there is room: names come first.
    let show_findings = table_area.width >= 100 && badges.iter().any(Option::is_some);
    let mut header_cells = header_cells;
    if show_findings {
        header_cells.push(Cell::from("Findings"));
    }
    let header = Row::new(header_cells).style(header_style(theme));
    let body: Vec<Row> = rows
        .iter()
        .zip(&badges)
        .map(|(r, badge)| {
            let is_header = matches!(r.key, super::model::RowKey::Unit) && r.depth == 0;
            let name = format!("{}{}", "  ".repeat(usize::from(r.depth)), r.name);
            let style = if is_header {
                Style::default()
                    .fg(theme.accent)
                    .add_modifier(Modifier::BOLD)
            } else {
                Style::default()
            };
            Row::new(
                vec![
                    Cell::from(name),
                    Cell::from(Span::styled(
                        r.detail.clone(),
                        Style::default().fg(theme.muted),
                    )),
                    Cell::from(Line::from(money_or_unknown(r.amount)).alignment(Alignment::Right)),
                    Cell::from(
                        Line::from(
                            r.previous
                                .map_or_else(|| "—".to_string(), Money::format_compact),
                        )
                        .alignment(Alignment::Right),
                    ),
                    Cell::from(
                        Line::from(change_span(r.amount, r.previous, theme))
                            .alignment(Alignment::Right),
                    ),
                    Cell::from(Span::styled(
                        share_bar(r.share, 4),
                        Style::default().fg(theme.share_bar),
                    )),
                ]
                .into_iter()
                .chain(show_findings.then(|| {
                    Cell::from(Span::styled(
                        badge.clone().unwrap_or_default(),
                        Style::default().fg(theme.warning),
                    ))
                }))
                .collect::<Vec<_>>(),
            )
            .style(style)
        })
        .collect();
    let mut widths = vec![
        Constraint::Fill(1),
        Constraint::Length(if show_detail { 12 } else { 0 }),
        Constraint::Length(14),
        Constraint::Length(9),
        Constraint::Length(7),
        Constraint::Length(9),
    ];
    if show_findings {
        widths.push(Constraint::Length(16));
    }
    let table = Table::new(body, widths).header(header);
    render_selectable(
        frame,
        table_area,
        table,
        Line::from(title),
        theme,
        view.selected,
        rows.len(),
    );
}

/// A table in a titled block with the cursor row highlighted (clamped to the rows).
pub(super) fn render_selectable(
    frame: &mut Frame,
    area: Rect,
    table: Table,
    title: Line,
    theme: &Theme,
    cursor: usize,
    rows: usize,
) {
    let table = table.block(block(title, theme)).row_highlight_style(
        Style::default()
            .fg(theme.selection_fg)
            .bg(theme.selection_bg),
    );
    let selected = rows.checked_sub(1).map(|last| cursor.min(last));
    let mut table_state = TableState::default().with_selected(selected);
    frame.render_stateful_widget(table, area, &mut table_state);
}

/// "3 · $412/mo": the open findings behind an account or service row of a cost view.
fn finding_badge(state: &State, kind: ViewKind, row: &TableRow) -> Option<String> {
    use super::model::RowKey;
    let index = &state.finding_index;
    if index.is_empty() {
        return None;
    }
    let account_id = |key| state.catalog.account(key).map(|a| a.id.clone());
    let service = |key| state.catalog.service_name(key);
    let total = match (kind, row.key) {
        (ViewKind::Accounts, RowKey::Account(a)) => index.by_account.get(&account_id(a)?),
        (ViewKind::Services, RowKey::Service(s)) => index.by_service.get(&service(s)),
        (ViewKind::AccountServices(a), RowKey::Service(s))
        | (ViewKind::ServiceAccounts(s), RowKey::Account(a)) => {
            index.by_pair.get(&(account_id(a)?, service(s)))
        }
        _ => None,
    }?;
    Some(super::findings::badge(total))
}

fn render_chart(
    frame: &mut Frame,
    area: Rect,
    points: &[DailyPoint],
    granularity: Granularity,
    title: String,
    theme: &Theme,
) {
    let outer = block(title, theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    if points.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled(
                "no cached data in this range",
                Style::default().fg(theme.muted),
            ))
            .alignment(Alignment::Center),
            inner,
        );
        return;
    }
    let width = usize::from(inner.width);
    if granularity == Granularity::Monthly || points.len() * 2 <= width {
        let bar_width = ((width / points.len()).saturating_sub(1)).clamp(1, 12) as u16;
        let bars: Vec<Bar> = points
            .iter()
            .map(|p| {
                let label = if granularity == Granularity::Monthly {
                    p.day.format("%b").to_string()
                } else if bar_width >= 2 {
                    p.day.format("%d").to_string()
                } else {
                    String::new()
                };
                let dollars = p.amount.as_f64_for_display().max(0.0) as u64;
                let text = if bar_width >= 6 {
                    p.amount.format_compact()
                } else {
                    String::new()
                };
                Bar::default()
                    .value(dollars)
                    .label(Line::from(label))
                    .text_value(text)
            })
            .collect();
        let chart = BarChart::default()
            .data(BarGroup::default().bars(&bars))
            .bar_width(bar_width)
            .bar_gap(1)
            .bar_style(Style::default().fg(theme.chart))
            .value_style(Style::default().fg(theme.background).bg(theme.chart))
            .label_style(Style::default().fg(theme.muted));
        frame.render_widget(chart, inner);
        return;
    }
    let data: Vec<(f64, f64)> = points
        .iter()
        .enumerate()
        .map(|(i, p)| (i as f64, p.amount.as_f64_for_display()))
        .collect();
    let max = data.iter().map(|(_, y)| *y).fold(0.0, f64::max).max(1.0);
    let first = points
        .first()
        .map(|p| p.day.to_string())
        .unwrap_or_default();
    let last = points.last().map(|p| p.day.to_string()).unwrap_or_default();
    let dataset = Dataset::default()
        .marker(Marker::Braille)
        .graph_type(GraphType::Line)
        .style(Style::default().fg(theme.chart))
        .data(&data);
    let chart = Chart::new(vec![dataset])
        .x_axis(
            Axis::default()
                .bounds([0.0, (data.len().max(2) - 1) as f64])
                .labels([first, last])
                .style(Style::default().fg(theme.muted)),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, max * 1.05])
                .labels([
                    "$0".to_string(),
                    Money::from_nanos((max * 1e9) as i64).format_compact(),
                ])
                .style(Style::default().fg(theme.muted)),
        );
    frame.render_widget(chart, inner);
}

fn render_empty(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let text = vec![
        Line::from(Span::styled(
            "No cost data in this cache yet.",
            Style::default().add_modifier(Modifier::BOLD),
        )),
        Line::from(""),
        Line::from("Load your organization from AWS: press r (or run costscope sync)."),
        Line::from("Or try the built-in demo organization:  costscope demo"),
    ];
    frame.render_widget(
        Paragraph::new(text)
            .alignment(Alignment::Center)
            .block(block(" costscope ", theme))
            .wrap(Wrap { trim: true }),
        area,
    );
}

fn render_unavailable(frame: &mut Frame, area: Rect, state: &State, reason: &str) {
    let theme = &state.theme;
    let text = vec![
        Line::from(Span::styled(
            "This view could not be read from the cache.",
            Style::default()
                .fg(theme.error)
                .add_modifier(Modifier::BOLD),
        )),
        Line::from(""),
        Line::from(reason.to_string()),
        Line::from(""),
        Line::from("Esc goes back; r reloads. Nothing in the cache was changed."),
    ];
    frame.render_widget(
        Paragraph::new(text)
            .block(block(" unavailable ", theme))
            .wrap(Wrap { trim: true }),
        area,
    );
}

fn render_hints(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let line = match &state.mode {
        Mode::Filter => Line::from(vec![
            Span::styled("/", Style::default().fg(theme.accent)),
            Span::raw(state.top().filter.clone()),
            Span::styled("▏", Style::default().fg(theme.accent)),
            Span::styled(
                "   enter keep · esc clear",
                Style::default().fg(theme.muted),
            ),
        ]),
        Mode::Command(input) => Line::from(vec![
            Span::styled(":", Style::default().fg(theme.accent)),
            Span::raw(input.clone()),
            Span::styled("▏", Style::default().fg(theme.accent)),
            Span::styled(
                "   enter run · esc cancel",
                Style::default().fg(theme.muted),
            ),
        ]),
        _ => match &state.message {
            Some((severity, text)) => {
                let color = match severity {
                    Severity::Info => theme.accent,
                    Severity::Warning => theme.warning,
                    Severity::Error => theme.error,
                };
                Line::from(Span::styled(format!(" {text}"), Style::default().fg(color)))
            }
            None => key_hints(state),
        },
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// Hints from the keymap, so rebinding a key changes them too.
fn key_hints(state: &State) -> Line<'static> {
    let theme = &state.theme;
    let findings = [
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
    let costs = [
        ("enter", "drill"),
        ("back", "back"),
        ("prev_month", "month"),
        ("toggle_metric", "metric"),
        ("findings", "findings"),
        ("filter", "filter"),
        ("command", "cmd"),
        ("help", "help"),
        ("quit", "quit"),
    ];
    let hints = if matches!(state.top().kind, ViewKind::Findings | ViewKind::Finding(_)) {
        findings
    } else {
        costs
    };
    let mut spans = vec![Span::raw(" ")];
    for (action, label) in hints {
        let keys = state.keymap.keys_label(action);
        let key = keys.split('/').next().unwrap_or("").to_string();
        if key.is_empty() {
            continue;
        }
        spans.push(Span::styled(key, Style::default().fg(theme.accent)));
        spans.push(Span::styled(
            format!(" {label}  "),
            Style::default().fg(theme.muted),
        ));
    }
    Line::from(spans)
}

fn render_status(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let base = Style::default().fg(theme.status_fg).bg(theme.status_bg);
    let mut spans = Vec::new();
    if state.is_demo() {
        spans.push(Span::styled(
            " DEMO DATA ",
            Style::default()
                .fg(theme.badge_fg)
                .bg(theme.badge_bg)
                .add_modifier(Modifier::BOLD),
        ));
    }
    let as_of = state
        .summary
        .data_as_of
        .map_or_else(|| "no data".to_string(), |d| format!("data as of {d}"));
    spans.push(Span::styled(format!(" {as_of} "), base));
    let last_final = state.summary.months.iter().rfind(|m| m.is_final);
    let open: Vec<String> = state
        .summary
        .months
        .iter()
        .filter(|m| !m.is_final)
        .map(|m| m.month.to_string())
        .collect();
    if let Some(last_final) = last_final {
        spans.push(Span::styled(
            format!("· final ≤ {} ", last_final.month),
            base,
        ));
    }
    if !open.is_empty() {
        spans.push(Span::styled(
            format!("· open: {} ", open.join(", ")),
            Style::default().fg(theme.warning).bg(theme.status_bg),
        ));
    }
    if let Some(run) = &state.sync.running {
        let month = run.current.map_or_else(String::new, |m| format!(" {m}"));
        spans.push(Span::styled(
            format!("· syncing {}/{}{month} ", run.done, run.of),
            Style::default().fg(theme.accent).bg(theme.status_bg),
        ));
    }
    if state.apply.read_only {
        spans.push(Span::styled(
            " READ-ONLY ",
            Style::default()
                .fg(theme.status_bg)
                .bg(theme.warning)
                .add_modifier(Modifier::BOLD),
        ));
    }
    if let Some(run) = state.apply.run.as_ref().filter(|r| r.is_running()) {
        spans.push(Span::styled(
            format!("· applying {}/{} ", run.done(), run.steps.len()),
            Style::default().fg(theme.accent).bg(theme.status_bg),
        ));
    }
    if state.sync.offline {
        spans.push(Span::styled(
            " OFFLINE ",
            Style::default()
                .fg(theme.status_bg)
                .bg(theme.warning)
                .add_modifier(Modifier::BOLD),
        ));
    }
    if !state.is_demo()
        && (state.sync.last_sync_requests.is_some() || state.sync.ce_requests_this_month > 0)
    {
        let last = state.sync.last_sync_requests.map_or_else(String::new, |n| {
            format!("last sync {} · ", crate::sync::ce_price(n))
        });
        spans.push(Span::styled(
            format!(
                "· {last}CE this month {} ",
                crate::sync::ce_price(state.sync.ce_requests_this_month)
            ),
            base,
        ));
    }
    // The full path when it fits, else the file name: which cache is open must show.
    let used: usize = spans.iter().map(|s| s.width()).sum();
    let room = usize::from(area.width).saturating_sub(used + 3);
    let label = if state.cache_label.chars().count() <= room {
        state.cache_label.clone()
    } else {
        std::path::Path::new(&state.cache_label)
            .file_name()
            .map_or_else(
                || state.cache_label.clone(),
                |n| n.to_string_lossy().into_owned(),
            )
    };
    spans.push(Span::styled(format!("· {label} "), base));
    frame.render_widget(Paragraph::new(Line::from(spans)).style(base), area);
}

fn render_help(frame: &mut Frame, area: Rect, state: &State, scroll: u16) {
    let theme = &state.theme;
    let width = area.width.saturating_sub(8).min(96);
    let height = area.height.saturating_sub(4);
    let rect = Rect::new(area.x + (area.width - width) / 2, area.y + 2, width, height);
    let mut lines: Vec<Line> = Vec::new();
    let mut section = "";
    for b in &state.keymap.bindings {
        if b.section != section {
            if !section.is_empty() {
                lines.push(Line::from(""));
            }
            section = &b.section;
            lines.push(Line::from(Span::styled(
                section.to_string(),
                Style::default()
                    .fg(theme.header)
                    .add_modifier(Modifier::BOLD),
            )));
        }
        let keys = b
            .keys
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        lines.push(Line::from(vec![
            Span::styled(format!("  {keys:<16}"), Style::default().fg(theme.accent)),
            Span::raw(b.description.clone()),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "Commands",
        Style::default()
            .fg(theme.header)
            .add_modifier(Modifier::BOLD),
    )));
    for (cmd, what) in [
        (
            ":overview  :accounts  :services",
            "open a view (aliases :ov :acc :svc)",
        ),
        (":account <id|name>", "open one account's services"),
        (":service <name>", "open one service's accounts"),
        (
            ":range mtd|last-month|30d|90d|13m|YYYY-MM",
            "choose the time range",
        ),
        (":metric unblended|amortized", "choose the cost metric"),
        (
            ":theme <name>",
            "switch theme (default, light, high-contrast, yours)",
        ),
        (
            ":reverify",
            "re-read the changes whose outcome is not confirmed (also done at start)",
        ),
        (":q", "quit"),
    ] {
        lines.push(Line::from(vec![
            Span::styled(format!("  {cmd:<42}"), Style::default().fg(theme.accent)),
            Span::raw(what),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "Numbers",
        Style::default()
            .fg(theme.header)
            .add_modifier(Modifier::BOLD),
    )));
    for text in [
        FORECAST_HELP,
        "Change compares with the previous period: the same elapsed days of last month for month to date, the month before for a month, the preceding days for 30/90-day windows.",
        "— means unknown (not in the cache), never $0. Open months can still change; final months will not.",
    ] {
        lines.push(Line::from(format!("  {text}")));
    }
    let help = Paragraph::new(lines)
        .block(block(" Help — esc to close, j/k to scroll ", theme))
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0))
        .style(Style::default().bg(theme.background).fg(theme.foreground));
    frame.render_widget(Clear, rect);
    frame.render_widget(help, rect);
}
