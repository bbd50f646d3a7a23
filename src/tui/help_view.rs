//! The help page, generated from the keymap and the command table.

use super::state::State;
use super::widgets::block;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

/// How the end-of-month forecast is computed; shown in the help.
pub const FORECAST_HELP: &str = "Forecast = month-to-date spend + (mean daily spend of the last 7 days with data, the 1st of a month left out) x (days left in the month). Fees billed once a month on the 1st (Savings Plans, RIs, support, tax) are in the spend so far and not extrapolated; seven days cancel the weekly cycle; credits and refunds posted later are not predicted.";

/// Where the help box sits in `area`.
fn help_rect(area: Rect) -> Rect {
    let width = area.width.saturating_sub(8).min(96);
    let height = area.height.saturating_sub(4);
    Rect::new(area.x + (area.width - width) / 2, area.y + 2, width, height)
}

/// The farthest the help scrolls on a screen of `size`: its last line at the bottom.
pub fn max_scroll(state: &State, size: (u16, u16)) -> u16 {
    let rect = help_rect(Rect::new(0, 0, size.0, size.1));
    let lines = help_lines(state, rect.width.saturating_sub(2)).len();
    let shown = usize::from(rect.height.saturating_sub(2));
    u16::try_from(lines.saturating_sub(shown)).unwrap_or(u16::MAX)
}

/// `text` after `prefix`, wrapped to `width` with every further line indented as far
/// as the prefix, so a long description stays in its column.
fn hanging(prefix: Span<'static>, text: &str, width: u16) -> Vec<Line<'static>> {
    let indent = prefix.width();
    let room = usize::from(width).saturating_sub(indent).max(10);
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > room {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    lines.push(current);
    let mut first = Some(prefix);
    lines
        .into_iter()
        .map(|text| {
            let lead = first
                .take()
                .unwrap_or_else(|| Span::raw(" ".repeat(indent)));
            Line::from(vec![lead, Span::raw(text)])
        })
        .collect()
}

/// Every line of the help at `width` columns inside its border.
fn help_lines(state: &State, width: u16) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let heading = |text: &str| {
        Line::from(Span::styled(
            text.to_string(),
            Style::default()
                .fg(theme.header)
                .add_modifier(Modifier::BOLD),
        ))
    };
    let mut lines: Vec<Line> = Vec::new();
    let mut section = "";
    for b in &state.keymap.bindings {
        if b.section != section {
            if !section.is_empty() {
                lines.push(Line::from(""));
            }
            section = &b.section;
            lines.push(heading(section));
        }
        let keys = b
            .keys
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let prefix = Span::styled(format!("  {keys:<16} "), Style::default().fg(theme.accent));
        lines.extend(hanging(prefix, &b.description, width));
    }
    lines.push(Line::from(""));
    lines.push(heading("Commands"));
    for spec in super::commands::COMMANDS {
        let aliases = match spec.aliases {
            [] => String::new(),
            some => format!(" (also :{})", some.join(" :")),
        };
        let prefix = Span::styled(
            format!("  {:<42} ", spec.usage()),
            Style::default().fg(theme.accent),
        );
        lines.extend(hanging(prefix, &format!("{}{aliases}", spec.help), width));
    }
    lines.push(Line::from(""));
    lines.push(heading("Numbers"));
    for text in [
        FORECAST_HELP,
        "Change compares with the previous period: the same elapsed days of last month for month to date, the month before for a month, the preceding days for 30/90-day windows. Δ$ is the change in dollars, Δ% the change in percent.",
        "Fees billed once a month (Savings Plans and RI fees, support, tax) land on one day but pay for the month, so a change spreads them over their month (\"Δ spreads monthly fees\"): 30 days that hold a 1st are not growth over 30 days that do not. Cost and Previous stay what was billed; over whole months nothing is spread.",
        "— means unknown (not in the cache), never $0. Open months can still change; final months will not.",
        "One resource counts once: when two rules find it, the larger saving is in the totals and the other finding is its alternative.",
    ] {
        lines.extend(hanging(Span::raw("  "), text, width));
    }
    lines
}

pub(super) fn render_help(frame: &mut Frame, area: Rect, state: &State, scroll: u16) {
    let theme = &state.theme;
    let rect = help_rect(area);
    let lines = help_lines(state, rect.width.saturating_sub(2));
    let help = Paragraph::new(lines)
        .block(block(
            " Help — esc to close, j/k, ctrl-d/ctrl-u, g/G to scroll ",
            theme,
        ))
        .scroll((scroll, 0))
        .style(Style::default().bg(theme.background).fg(theme.foreground));
    frame.render_widget(Clear, rect);
    frame.render_widget(help, rect);
}

#[cfg(test)]
mod tests {
    use super::hanging;
    use ratatui::text::Span;

    #[test]
    fn a_long_description_wraps_under_its_own_column() {
        let prefix = Span::raw(format!("  {:<16} ", "ctrl-d"));
        let lines = hanging(
            prefix,
            "scroll down half a page in lists and in this help",
            40,
        );
        assert!(lines.len() > 1);
        for line in &lines {
            assert!(line.width() <= 40, "{line}");
        }
        assert!(lines[0]
            .to_string()
            .starts_with("  ctrl-d           scroll"));
        for line in &lines[1..] {
            let text = line.to_string();
            assert!(text.starts_with(&" ".repeat(19)), "{text:?}");
            assert!(!text[19..].starts_with(' '), "{text:?}");
        }
    }
}
