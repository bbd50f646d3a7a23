//! Widgets every view draws with: titled blocks, the modal dialog, the selectable
//! table, money that may be unknown, and change against the previous period.

use super::columns::Column;
use super::state::Sort;
use crate::config::Theme;
use crate::domain::{change_ratio, Money};
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table, TableState, Wrap};
use ratatui::Frame;

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
    let title = fit_line(title, usize::from(area.width.saturating_sub(2)));
    let table = table.block(block(title, theme)).row_highlight_style(
        Style::default()
            .fg(theme.selection_fg)
            .bg(theme.selection_bg),
    );
    let selected = rows.checked_sub(1).map(|last| cursor.min(last));
    let mut table_state = TableState::default().with_selected(selected);
    frame.render_stateful_widget(table, area, &mut table_state);
}

/// Text cut to a column's width with an ellipsis.
pub(super) use crate::domain::words::fit as fit_text;

/// `line` cut to `width` columns, ending in "…" when cut, so a cut never reads as
/// the whole text. (Every character costscope writes is one column wide.)
pub(super) fn fit_line(line: Line<'_>, width: usize) -> Line<'_> {
    // A title's closing space is padding: the border may take it.
    let padding = line.spans.last().map_or(0, |s| {
        s.content.len() - s.content.trim_end_matches(' ').len()
    });
    if line.width() <= width + padding.min(1) {
        return line;
    }
    let mut left = width.saturating_sub(1);
    let mut spans = Vec::new();
    for span in line.spans {
        if left == 0 {
            break;
        }
        let kept: String = span.content.chars().take(left).collect();
        left -= kept.chars().count();
        spans.push(Span::styled(kept, span.style));
    }
    if width > 0 {
        spans.push(Span::raw("…"));
    }
    Line::from(spans).style(line.style)
}

/// The rows a bordered table with a header shows in `height` lines, scrolled as ratatui
/// scrolls a fresh table to its cursor (the cursor on the last line once past the first
/// screen): (first row, how many).
pub(super) fn window(cursor: usize, rows: usize, height: u16) -> (usize, usize) {
    let fits = usize::from(height.saturating_sub(3)).max(1);
    let cursor = cursor.min(rows.saturating_sub(1));
    let first = cursor.saturating_sub(fits - 1);
    (first, fits.min(rows - first.min(rows)))
}

/// A row's change in percent, as its comparison sees it (fees spread over their month).
pub(super) fn row_change_span(row: &super::model::TableRow, theme: &Theme) -> Span<'static> {
    let (current, previous) = row.compared();
    change_span(current, previous, theme)
}

pub(super) fn change_span(
    current: Option<Money>,
    previous: Option<Money>,
    theme: &Theme,
) -> Span<'static> {
    match (current, previous) {
        (Some(c), Some(p)) => match change_ratio(c, p) {
            Some(r) => {
                // Under a twentieth of a percent either way is no change: "0.0%", never
                // "-0.0%".
                let (color, text) = if r > 0.0005 {
                    (theme.increase, format!("{:+.1}%", r * 100.0))
                } else if r < -0.0005 {
                    (theme.decrease, format!("{:+.1}%", r * 100.0))
                } else {
                    (theme.muted, "0.0%".to_string())
                };
                Span::styled(text, Style::default().fg(color))
            }
            None if c == Money::ZERO => Span::styled("—", Style::default().fg(theme.muted)),
            None => Span::styled("new", Style::default().fg(theme.increase)),
        },
        _ => Span::styled("—", Style::default().fg(theme.muted)),
    }
}

/// A bar and a percentage; a dash for a row whose amount is unknown (its share is too).
pub(super) fn share_bar(share: Option<f64>, width: usize) -> String {
    const EIGHTHS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    let Some(share) = share else {
        return format!("{:>w$}", "—", w = width + 5);
    };
    let share = share.clamp(0.0, 1.0);
    let eighths = (share * width as f64 * 8.0).round() as usize;
    let mut bar = "█".repeat(eighths / 8);
    bar.push_str(EIGHTHS[eighths % 8]);
    format!("{bar:<width$}{:>4.0}%", share * 100.0)
}

/// The header of a sortable table: each column's title (as `titles` name it here), the
/// sort arrow on the sorted one, amounts right-aligned; then `unsorted` columns.
pub(super) fn sortable_header(
    columns: &[Column],
    titles: &[&str],
    sort: Sort,
    theme: &Theme,
    unsorted: &[&'static str],
) -> Row<'static> {
    let cells = columns
        .iter()
        .zip(titles)
        .enumerate()
        .map(|(i, (column, title))| {
            let arrow = match (sort.column == i, sort.descending) {
                (true, true) => "▼",
                (true, false) => "▲",
                _ => "",
            };
            let text = format!("{title}{arrow}");
            if column.right_aligned {
                Cell::from(Line::from(text).alignment(Alignment::Right))
            } else {
                Cell::from(text)
            }
        });
    let extra = unsorted.iter().map(|title| Cell::from(*title));
    Row::new(cells.chain(extra).collect::<Vec<_>>()).style(header_style(theme))
}

#[cfg(test)]
mod tests {
    use super::{fit_line, window};
    use ratatui::text::{Line, Span};

    #[test]
    fn a_cut_line_ends_in_an_ellipsis_and_fits() {
        let line = Line::from(vec![
            Span::raw("378 findings"),
            Span::raw(" · scanned 2026"),
        ]);
        assert_eq!(fit_line(line.clone(), 40), line);
        let cut = fit_line(line, 15);
        assert_eq!(cut.width(), 15);
        assert_eq!(cut.to_string(), "378 findings ·…");
        assert_eq!(fit_line(Line::from("abc"), 0).to_string(), "");
        // The closing space of a title may go to the border.
        assert_eq!(fit_line(Line::from(" ab "), 3).to_string(), " ab ");
    }

    #[test]
    fn a_window_keeps_the_cursor_on_screen_as_a_fresh_table_would() {
        // 8 lines: borders and header leave 5 rows.
        assert_eq!(window(0, 10, 8), (0, 5));
        assert_eq!(window(4, 10, 8), (0, 5));
        assert_eq!(window(7, 10, 8), (3, 5), "the cursor on the last line");
        assert_eq!(window(9, 10, 8), (5, 5));
        assert_eq!(
            window(99, 10, 8),
            (5, 5),
            "a cursor past the end is clamped"
        );
        assert_eq!(window(0, 3, 8), (0, 3));
        assert_eq!(window(0, 0, 8), (0, 0));
        assert_eq!(
            window(2, 4, 2),
            (2, 1),
            "a tiny table still shows the cursor"
        );
    }
}
