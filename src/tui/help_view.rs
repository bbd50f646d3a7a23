//! The help page, generated from the keymap and the command table.

use super::state::State;
use super::widgets::block;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

/// How the end-of-month forecast is computed; shown in the help.
pub const FORECAST_HELP: &str = "Forecast = month-to-date spend + (mean daily spend of the last 7 days with data) x (days left in the month). Seven days cancel the weekly cycle; credits, refunds and fees posted later are not predicted.";

pub(super) fn render_help(frame: &mut Frame, area: Rect, state: &State, scroll: u16) {
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
    for spec in super::commands::COMMANDS {
        let aliases = match spec.aliases {
            [] => String::new(),
            some => format!(" (also :{})", some.join(" :")),
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!("  {:<42}", spec.usage()),
                Style::default().fg(theme.accent),
            ),
            Span::raw(format!("{}{aliases}", spec.help)),
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
