//! The cost views: the overview, the account and service lists, one series with its
//! chart, and what shows when the cache has nothing for them.

use super::chart_view::{render_chart, ChartInput};
use super::chrome::Hint;
use super::columns::COLUMNS;
use super::model::{Headline, OverviewData, TableData, TableRow};
use super::state::{OverviewFocus, State, ViewKind};
use super::widgets::{
    block, change_span, fit_text, header_style, render_selectable, row_change_span, share_bar,
    sortable_header, window,
};
use crate::config::Theme;
use crate::domain::dimension::Dimension;
use crate::domain::fees::Spread;
use crate::domain::{Granularity, Money, Month, RangePreset};
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};
use ratatui::Frame;

/// The keys the cost views (overview, lists, series) answer to.
pub(super) const HINTS: &[Hint] = &[
    ("enter", "drill"),
    ("back", "back"),
    ("prev_month", "month"),
    ("toggle_metric", "metric"),
    ("findings", "findings"),
    ("filter", "filter"),
    ("command", "cmd"),
    ("break_down", "by"),
    ("help", "help"),
    ("quit", "quit"),
];

/// The top accounts and services lists: ten rows, a header and the borders.
const TOP_LIST_HEIGHT: u16 = 13;

pub(super) fn render_overview(frame: &mut Frame, area: Rect, state: &State, data: &OverviewData) {
    let theme = &state.theme;
    // The chart takes what the top lists leave: they need their rows, it gets the rest.
    let tables_height = TOP_LIST_HEIGHT.min(area.height.saturating_sub(12));
    let [headline, chart, tables] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Min(8),
        Constraint::Length(tables_height.max(6)),
    ])
    .areas(area);
    render_headline(frame, headline, state, &data.headline);

    let title = format!(
        " {} spend · total {} ",
        state.granularity.label(),
        data.total
            .map_or_else(|| "—".to_string(), Money::format_compact)
    );
    let empty = unknown_reason(state);
    let chart_cursor = state.top().chart_cursor;
    let input = ChartInput {
        points: &data.chart,
        granularity: state.granularity,
        cursor: chart_cursor
            .and_then(|i| data.chart.get(i).or(data.chart.last()))
            .map(|p| p.day),
        focused: chart_cursor.is_some(),
    };
    render_chart(frame, chart, input, title, &empty, theme);

    let [left, right] = Layout::horizontal([Constraint::Ratio(1, 2); 2]).areas(tables);
    let focus = state.top().focus;
    let selected = state.top().selected;
    let in_lists = chart_cursor.is_none();
    let left_sel = (in_lists && focus == OverviewFocus::Accounts).then_some(selected);
    let right_sel = (in_lists && focus == OverviewFocus::Services).then_some(selected);
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

/// The four figures over the overview; its title says why month to date is unknown.
fn render_headline(frame: &mut Frame, area: Rect, state: &State, h: &Headline) {
    let theme = &state.theme;
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
    let mtd = RangePreset::MonthToDate.resolve(state.today);
    let outer = match state.summary.coverage(mtd).reason() {
        Some(why) if h.month_to_date.is_none() => {
            block(format!(" Organization spend · {why} "), theme)
        }
        _ => block(" Organization spend ", theme),
    };
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let cells = Layout::horizontal([Constraint::Ratio(1, 4); 4]).split(inner);
    frame.render_widget(
        stat(
            "Month to date",
            h.month_to_date,
            h.month_to_date.map(|_| {
                let (current, previous) = h.spread.apply(h.month_to_date, h.same_period_last_month);
                change_span(current, previous, theme)
            }),
        ),
        cells[0],
    );
    frame.render_widget(
        stat("Last month to date", h.same_period_last_month, None),
        cells[1],
    );
    frame.render_widget(stat("Last month", h.last_month, None), cells[2]);
    frame.render_widget(stat("Month-end forecast", h.forecast, None), cells[3]);
}

pub(super) fn render_top_table(
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
                    share_bar(r.amount.map(|_| r.share), 3),
                    Style::default().fg(theme.share_bar),
                )));
            }
            cells.push(Cell::from(
                Line::from(row_change_span(r, theme)).alignment(Alignment::Right),
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

pub(super) fn render_table_view(frame: &mut Frame, area: Rect, state: &State, data: &TableData) {
    let theme = &state.theme;
    let kind = state.top().kind;
    let chart_height = match kind {
        ViewKind::Series { .. } | ViewKind::ResourceDays(_) => 10,
        ViewKind::AccountServices(_) | ViewKind::ServiceAccounts(_) => 7,
        ViewKind::Breakdown(b) if super::breakdown::chart_scope(b.filter).is_some() => 7,
        _ => 0,
    };
    let [chart_area, table_area] =
        Layout::vertical([Constraint::Length(chart_height), Constraint::Min(5)]).areas(area);
    if chart_height > 0 {
        let title = format!(" {} spend ", state.granularity.label());
        // In a series the table's cursor is on a day (or month): the chart reads it.
        let cursor = super::selectors::rows(state)
            .get(state.top().selected)
            .and_then(|r| match r.key {
                super::model::RowKey::Day(day) => Some(day),
                _ => None,
            });
        let input = ChartInput {
            points: &data.chart,
            granularity: state.granularity,
            cursor,
            focused: false,
        };
        render_chart(
            frame,
            chart_area,
            input,
            title,
            &unknown_reason(state),
            theme,
        );
    }
    let rows = super::selectors::rows(state);
    let view = state.top();
    let title = table_title(state, kind, rows, data);
    let show_detail = rows.iter().any(|r| !r.detail.is_empty());
    let previous_label = if kind.is_days() { "Prior" } else { "Previous" };
    let titles: Vec<&str> = COLUMNS
        .iter()
        .enumerate()
        .map(|(i, column)| match i {
            0 if kind.is_days() => "Date",
            1 => match kind {
                ViewKind::Accounts | ViewKind::UnitAccounts(_) | ViewKind::ServiceAccounts(_) => {
                    "Account id"
                }
                ViewKind::Series { .. } | ViewKind::ResourceDays(_) => "Day",
                ViewKind::Breakdown(b) if b.by == Dimension::Account => "Account id",
                _ => "",
            },
            // At a price the column says which: "List", "Contracted".
            2 if state.shown_metric().is_price() => state.shown_metric().label(),
            3 => previous_label,
            _ => column.title,
        })
        .collect();
    // Only where there is room: names come first.
    let show_findings =
        table_area.width >= 100 && rows.iter().any(|r| finding_badge(state, kind, r).is_some());
    let extra: &[&str] = if show_findings { &["Findings"] } else { &[] };
    let header = sortable_header(COLUMNS, &titles, view.sort, theme, extra);
    // Cost and Previous in one precision: cents where there is room, compact below.
    let exact = table_area.width >= 112;
    let amount_width = if exact { 14 } else { 9 };
    // An account id's twelve digits, or more for "Google Cloud · analytics-prj".
    let detail_width = rows
        .iter()
        .map(|r| r.detail.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(12, 30) as u16;
    let mut fixed = vec![
        if show_detail { detail_width } else { 0 },
        amount_width,
        amount_width,
        9,
        7,
        9,
    ];
    if show_findings {
        fixed.push(16);
    }
    // The name column takes what is left: borders, and one space between columns.
    let name_width = usize::from(table_area.width.saturating_sub(2))
        .saturating_sub(fixed.iter().sum::<u16>().into())
        .saturating_sub(fixed.len());
    let format = CostCells {
        name_width,
        exact,
        badge: show_findings,
    };
    // Only the rows the table can show are built (5,000 accounts are one list).
    let (first, shown) = window(view.selected, rows.len(), table_area.height);
    let body: Vec<Row> = rows[first..first + shown]
        .iter()
        .map(|r| cost_row(r, &format, &finding_badge(state, kind, r), theme))
        .collect();
    let widths: Vec<Constraint> = std::iter::once(Constraint::Fill(1))
        .chain(fixed.into_iter().map(Constraint::Length))
        .collect();
    let (table, title) = (Table::new(body, widths).header(header), Line::from(title));
    render_selectable(
        frame,
        table_area,
        table,
        title,
        theme,
        view.selected.saturating_sub(first),
        shown,
    );
}

/// Why the chosen range has no total: "no data yet for December (data as of Nov 30)".
fn unknown_reason(state: &State) -> String {
    state
        .summary
        .coverage(state.range())
        .reason()
        .unwrap_or_else(|| "no cached data in this range".to_string())
}

/// "12 accounts · total $1.2K · previous $1.1K +9.1%".
fn table_title(
    state: &State,
    kind: ViewKind,
    rows: &[TableRow],
    data: &TableData,
) -> Vec<Span<'static>> {
    let theme = &state.theme;
    let (one, many) = match kind {
        ViewKind::Accounts | ViewKind::UnitAccounts(_) | ViewKind::ServiceAccounts(_) => {
            ("account", "accounts")
        }
        ViewKind::Services | ViewKind::AccountServices(_) => ("service", "services"),
        ViewKind::Series { .. } | ViewKind::ResourceDays(_) => {
            if state.granularity == Granularity::Daily {
                ("day", "days")
            } else {
                ("month", "months")
            }
        }
        ViewKind::Breakdown(b) => (b.by.label(), b.by.plural()),
        _ => ("row", "rows"),
    };
    let shown = rows
        .iter()
        .filter(|r| r.depth > 0 || !matches!(r.key, super::model::RowKey::Unit))
        .count();
    let all = data
        .rows
        .iter()
        .filter(|r| !matches!(r.key, super::model::RowKey::Unit))
        .count();
    // Filtered, the title sums the rows shown: "7 of 500 accounts · total $435.8K of
    // $564.4K".
    let filtered = !state.top().filter.is_empty();
    let (count, current, previous, spread) = if filtered {
        let visible = &state.visible;
        let (current, previous) = (visible.rows_total, visible.rows_previous);
        (
            format!("{shown} of {all}"),
            current,
            previous,
            visible.rows_spread,
        )
    } else {
        let (current, previous) = (data.total, data.previous_total);
        (shown.to_string(), current, previous, data.spread)
    };
    let total = match (current, data.total) {
        (Some(part), Some(whole)) if filtered => {
            format!("total {} of {}", part.format_exact(), whole.format_exact())
        }
        (Some(total), _) => format!("total {}", total.format_exact()),
        (None, _) => data.note.clone().unwrap_or_else(|| unknown_reason(state)),
    };
    let noun = if !filtered && shown == 1 { one } else { many };
    let mut title = vec![Span::raw(format!(" {count} {noun} · {total}"))];
    if data.previous_total.is_some() {
        title.push(Span::raw(format!(
            " · previous {} ",
            previous.map_or_else(|| "—".to_string(), Money::format_compact)
        )));
        let (compared, compared_previous) = spread.apply(current, previous);
        title.push(change_span(compared, compared_previous, theme));
        if let Some(note) = spread_note(spread, &data.fees_unknown) {
            title.push(Span::styled(
                format!(" · {note}"),
                Style::default().fg(theme.muted),
            ));
        }
    }
    if let (Some(note), Some(_)) = (&data.note, data.total) {
        title.push(Span::styled(
            format!(" · {note}"),
            Style::default().fg(theme.muted),
        ));
    }
    title.push(Span::raw(" "));
    title
}

/// What the change beside the totals compares, when it is not simply billed against
/// billed: fees spread over their month, or fees that could not be.
fn spread_note(spread: Spread, fees_unknown: &[Month]) -> Option<String> {
    if let Some(month) = fees_unknown.first() {
        return Some(format!(
            "Δ may hold {}'s monthly fees (a full sync reads them)",
            month.label()
        ));
    }
    (!spread.is_zero()).then(|| "Δ spreads monthly fees".to_string())
}

/// One row of a cost table; `badge` is the findings column when it is shown.
/// The change in dollars, in the colour of its direction; "—" when unknown.
fn change_amount_span(change: Option<Money>, theme: &Theme) -> Span<'static> {
    let color = match change {
        Some(c) if c > Money::ZERO => theme.increase,
        Some(c) if c < Money::ZERO => theme.decrease,
        _ => theme.muted,
    };
    let text = change.map_or_else(|| "—".to_string(), Money::format_change);
    Span::styled(text, Style::default().fg(color))
}

/// How a cost table draws its cells at the width it has.
struct CostCells {
    name_width: usize,
    /// Cost and Previous with cents (otherwise both compact).
    exact: bool,
    badge: bool,
}

fn cost_row(
    r: &TableRow,
    format: &CostCells,
    badge: &Option<String>,
    theme: &Theme,
) -> Row<'static> {
    let is_header = matches!(r.key, super::model::RowKey::Unit) && r.depth == 0;
    let name = fit_text(
        &format!("{}{}", "  ".repeat(usize::from(r.depth)), r.name),
        format.name_width,
    );
    let style = if is_header {
        Style::default()
            .fg(theme.accent)
            .add_modifier(Modifier::BOLD)
    } else {
        Style::default()
    };
    let money = |m: Option<Money>| match (m, format.exact) {
        (Some(m), true) => m.format_exact(),
        (Some(m), false) => m.format_compact(),
        (None, _) => "—".to_string(),
    };
    Row::new(
        vec![
            Cell::from(name),
            Cell::from(Span::styled(
                r.detail.clone(),
                Style::default().fg(theme.muted),
            )),
            Cell::from(Line::from(money(r.amount)).alignment(Alignment::Right)),
            Cell::from(Line::from(money(r.previous)).alignment(Alignment::Right)),
            Cell::from(
                Line::from(change_amount_span(r.change(), theme)).alignment(Alignment::Right),
            ),
            Cell::from(Line::from(row_change_span(r, theme)).alignment(Alignment::Right)),
            Cell::from(Span::styled(
                share_bar(r.amount.map(|_| r.share), 4),
                Style::default().fg(theme.share_bar),
            )),
        ]
        .into_iter()
        .chain(format.badge.then(|| {
            Cell::from(Span::styled(
                badge.clone().unwrap_or_default(),
                Style::default().fg(theme.warning),
            ))
        }))
        .collect::<Vec<_>>(),
    )
    .style(style)
}

/// "3 · $412/mo": the open findings behind an account or service row of a cost view.
pub(super) fn finding_badge(state: &State, kind: ViewKind, row: &TableRow) -> Option<String> {
    use super::model::RowKey;
    let index = &state.finding_index;
    if index.is_empty() {
        return None;
    }
    let account_id = |key| state.catalog.account(key).map(|a| a.id.clone());
    let service = |key| state.catalog.service_name(key);
    let total = match (kind, row.key) {
        (ViewKind::Accounts | ViewKind::UnitAccounts(_), RowKey::Account(a)) => {
            index.by_account.get(&account_id(a)?)
        }
        (ViewKind::Services, RowKey::Service(s)) => index.by_service.get(&service(s)),
        (ViewKind::AccountServices(a), RowKey::Service(s))
        | (ViewKind::ServiceAccounts(s), RowKey::Account(a)) => {
            index.by_pair.get(&(account_id(a)?, service(s)))
        }
        // A resource's saving beside what it was billed.
        (ViewKind::Breakdown(b), RowKey::Detail(_)) if b.by == Dimension::Resource => {
            index.of_resource(&row.name).map(|(total, _)| total)
        }
        _ => None,
    }?;
    Some(super::findings_data::badge(total))
}

pub(super) fn render_empty(frame: &mut Frame, area: Rect, state: &State) {
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

pub(super) fn render_unavailable(frame: &mut Frame, area: Rect, state: &State, reason: &str) {
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
