//! What frames every view: the title, the breadcrumbs, the key hints and the status bar,
//! and the message for a terminal that is too small.

use super::state::{Mode, Severity, State};
use crate::config::Theme;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

/// Below this the views do not fit: a message says so instead.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

pub(super) fn render_too_small(frame: &mut Frame, area: Rect, theme: &Theme) {
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

pub(super) fn render_title(frame: &mut Frame, area: Rect, state: &State) {
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
    spans.push(Span::raw(state.shown_metric().label()));
    spans.push(Span::raw(" · "));
    spans.push(Span::raw(state.granularity.label()));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub(super) fn render_breadcrumbs(frame: &mut Frame, area: Rect, state: &State) {
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

pub(super) fn render_hints(frame: &mut Frame, area: Rect, state: &State, hints: &[Hint]) {
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
            None => key_hints(state, hints, area.width),
        },
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// A key hint: the keymap action whose first key is shown, and what it does here.
pub(super) type Hint = (&'static str, &'static str);

/// The hints a view declares, read through the keymap so a rebound key shows as bound.
/// When they do not fit in `width`, the last ones before `help` and `quit` give way:
/// how to get help and how to leave always show.
pub(super) fn key_hints(state: &State, hints: &[Hint], width: u16) -> Line<'static> {
    let theme = &state.theme;
    let mut shown: Vec<(String, &str)> = hints
        .iter()
        .map(|&(action, label)| (state.keymap.first_key_label(action), label))
        .filter(|(key, _)| !key.is_empty())
        .collect();
    let hint_width =
        |(key, label): &(String, &str)| key.chars().count() + label.chars().count() + 3;
    let kept_last = 2;
    while shown.len() > kept_last
        // One space before, and the last hint's two trailing spaces may be cut.
        && (1 + shown.iter().map(hint_width).sum::<usize>()).saturating_sub(2) > usize::from(width)
    {
        shown.remove(shown.len() - kept_last - 1);
    }
    let mut spans = vec![Span::raw(" ")];
    for (key, label) in shown {
        spans.push(Span::styled(key, Style::default().fg(theme.accent)));
        spans.push(Span::styled(
            format!(" {label}  "),
            Style::default().fg(theme.muted),
        ));
    }
    Line::from(spans)
}

pub(super) fn render_status(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let base = Style::default().fg(theme.status_fg).bg(theme.status_bg);
    let mut spans = Vec::new();
    spans.extend(data_spans(state, base));
    spans.extend(job_spans(state, base));
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
    let spans = whole_spans(spans, usize::from(area.width));
    frame.render_widget(Paragraph::new(Line::from(spans)).style(base), area);
}

/// How much a status-bar segment must stay when the bar is short: DEMO and the data's
/// date first, then the cache's name and the jobs, the open months, what Cost Explorer
/// cost, and last which months are final.
fn keep_rank(span: &Span) -> u8 {
    let text = span.content.as_ref();
    if text.starts_with(" DEMO") {
        0
    } else if text.starts_with(" data as of") || text.starts_with(" no data") {
        1
    } else if text.starts_with("· final") {
        5
    } else if text.starts_with("· last sync") || text.starts_with("· CE this") {
        4
    } else if text.starts_with("· open") {
        3
    } else {
        2
    }
}

/// The spans that fit in `width` whole, in their order: the least needed go first,
/// none is cut, so the bar never ends in a fragment.
fn whole_spans(mut spans: Vec<Span<'static>>, width: usize) -> Vec<Span<'static>> {
    while spans.iter().map(Span::width).sum::<usize>() > width {
        let Some(drop) = (0..spans.len()).rev().max_by_key(|&i| keep_rank(&spans[i])) else {
            break;
        };
        spans.remove(drop);
    }
    spans
}

/// DEMO DATA, how recent the data is, and which months are final or still open.
fn data_spans(state: &State, base: Style) -> Vec<Span<'static>> {
    let theme = &state.theme;
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
    spans
}

/// The jobs running (sync, scan, apply), read-only and offline, and what Cost Explorer
/// cost this month.
fn job_spans(state: &State, base: Style) -> Vec<Span<'static>> {
    let theme = &state.theme;
    let mut spans = Vec::new();
    if let Some(run) = &state.sync.running {
        let month = run.current.map_or_else(String::new, |m| format!(" {m}"));
        spans.push(Span::styled(
            format!("· syncing {}/{}{month} ", run.done, run.of),
            Style::default().fg(theme.accent).bg(theme.status_bg),
        ));
    }
    spans.extend(super::scan_view::status(state));
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
            format!("last sync {} · ", crate::domain::call_prices::ce_price(n))
        });
        spans.push(Span::styled(
            format!(
                "· {last}CE this month {} ",
                crate::domain::call_prices::ce_price(state.sync.ce_requests_this_month)
            ),
            base,
        ));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::whole_spans;
    use ratatui::text::Span;

    #[test]
    fn the_status_bar_leaves_out_what_does_not_fit_whole() {
        let spans = vec![
            Span::raw(" data as of 2026-11-20 "),
            Span::raw("· final ≤ 2026-10 "),
            Span::raw("· open: 2026-11 "),
            Span::raw("· demo.sqlite "),
        ];
        let kept = |width| -> Vec<String> {
            whole_spans(spans.clone(), width)
                .iter()
                .map(|s| s.content.to_string())
                .collect()
        };
        assert_eq!(kept(80).len(), 4);
        assert_eq!(
            kept(55),
            [
                " data as of 2026-11-20 ",
                "· open: 2026-11 ",
                "· demo.sqlite "
            ]
        );
        assert_eq!(kept(40), [" data as of 2026-11-20 ", "· demo.sqlite "]);
    }
}
