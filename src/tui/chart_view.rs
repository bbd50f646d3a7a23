//! The cost chart under the overview and a series: bars when they fit, a line when not.

use super::widgets::block;
use crate::config::Theme;
use crate::domain::{DailyPoint, Granularity, Money};
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Bar, BarChart, BarGroup, Chart, Dataset, GraphType, Paragraph};
use ratatui::Frame;

/// What a chart draws: its points, their granularity, and the day (or month) under the
/// cursor, whose value the title reads and whose bar stands out.
pub(super) struct ChartInput<'a> {
    pub points: &'a [DailyPoint],
    pub granularity: Granularity,
    pub cursor: Option<chrono::NaiveDate>,
    /// The chart has the keyboard (its border in the accent colour).
    pub focused: bool,
}

pub(super) fn render_chart(
    frame: &mut Frame,
    area: Rect,
    input: ChartInput,
    title: String,
    empty: &str,
    theme: &Theme,
) {
    let ChartInput {
        points,
        granularity,
        cursor,
        focused,
    } = input;
    let cursor = cursor.and_then(|day| points.iter().find(|p| p.day == day));
    let title = match cursor {
        Some(p) => format!(
            "{title}· {}: {} ",
            match granularity {
                Granularity::Monthly => p.day.format("%b %Y").to_string(),
                Granularity::Daily => p.day.format("%a %b %d").to_string(),
            },
            p.amount.format_exact()
        ),
        None => title,
    };
    // Monthly bars name the month; the title gives the years they span.
    let title = match (granularity, points.first(), points.last()) {
        (Granularity::Monthly, Some(first), Some(last)) => format!(
            "{title}· {} – {} ",
            first.day.format("%b %Y"),
            last.day.format("%b %Y")
        ),
        _ => title,
    };
    let outer = block(title, theme);
    let outer = if focused {
        outer.border_style(Style::default().fg(theme.accent))
    } else {
        outer
    };
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    if points.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled(
                empty.to_string(),
                Style::default().fg(theme.muted),
            ))
            .alignment(Alignment::Center),
            inner,
        );
        return;
    }
    let width = usize::from(inner.width);
    if granularity == Granularity::Monthly || points.len() * 2 <= width {
        render_bars(
            frame,
            inner,
            points,
            granularity,
            cursor.map(|p| p.day),
            theme,
        );
    } else {
        render_line(frame, inner, points, theme);
    }
}

/// The top of the chart's scale: the highest bar, unless one or two bars tower over the
/// rest (the fees billed on the 1st): then 2.5 times the 90th percentile, so the other
/// bars stay readable, and the bars above it are drawn clipped with a marker.
pub(super) fn scale_top(values: &[u64]) -> u64 {
    let mut sorted: Vec<u64> = values.to_vec();
    sorted.sort_unstable();
    let Some(&max) = sorted.last() else {
        return 1;
    };
    let p90 = sorted[(sorted.len() * 9 / 10).min(sorted.len() - 1)];
    let cap = p90.saturating_mul(5) / 2;
    if sorted.len() >= 5 && p90 > 0 && max > cap {
        cap
    } else {
        max.max(1)
    }
}

/// Width of the scale's labels left of the bars: "$1.2K", "$38.5K".
const SCALE_WIDTH: u16 = 8;

/// A bar a day (or month) when they fit, each labelled, with the scale on the left; a
/// bar clipped at the top of the scale ends in "▲" and its value.
fn render_bars(
    frame: &mut Frame,
    inner: Rect,
    points: &[DailyPoint],
    granularity: Granularity,
    cursor: Option<chrono::NaiveDate>,
    theme: &Theme,
) {
    let dollars: Vec<u64> = points
        .iter()
        .map(|p| p.amount.as_f64_for_display().max(0.0) as u64)
        .collect();
    let top = scale_top(&dollars);
    let show_scale = inner.width > SCALE_WIDTH * 3 && inner.height >= 4;
    let (scale_area, bars_area) = if show_scale {
        let [scale, bars] =
            Layout::horizontal([Constraint::Length(SCALE_WIDTH), Constraint::Min(1)]).areas(inner);
        (Some(scale), bars)
    } else {
        (None, inner)
    };
    if let Some(area) = scale_area {
        render_scale(frame, area, top, theme);
    }
    let width = usize::from(bars_area.width);
    let bar_width = ((width / points.len()).saturating_sub(1)).clamp(1, 12) as u16;
    let bars: Vec<Bar> = points
        .iter()
        .zip(&dollars)
        .map(|(p, &value)| {
            let label = if granularity == Granularity::Monthly {
                if bar_width >= 6 {
                    p.day.format("%b %y").to_string()
                } else {
                    p.day.format("%b").to_string()
                }
            } else if bar_width >= 2 {
                p.day.format("%d").to_string()
            } else {
                String::new()
            };
            // A value only where the bar is wide enough for it, the clip marker always.
            let fits =
                |text: String| (text.chars().count() <= usize::from(bar_width)).then_some(text);
            let text = if value > top {
                fits(format!("▲{}", p.amount.format_compact())).unwrap_or_else(|| "▲".into())
            } else if bar_width >= 6 {
                fits(p.amount.format_compact()).unwrap_or_default()
            } else {
                String::new()
            };
            let bar = Bar::default()
                .value(value.min(top))
                .label(Line::from(label))
                .text_value(text);
            if Some(p.day) == cursor {
                bar.style(Style::default().fg(theme.accent))
            } else {
                bar
            }
        })
        .collect();
    let chart = BarChart::default()
        .data(BarGroup::default().bars(&bars))
        .max(top)
        .bar_width(bar_width)
        .bar_gap(1)
        .bar_style(Style::default().fg(theme.chart))
        .value_style(Style::default().fg(theme.background).bg(theme.chart))
        .label_style(Style::default().fg(theme.muted));
    frame.render_widget(chart, bars_area);
}

/// The scale beside the bars: the top, the middle and $0, level with the bars (the last
/// line holds the bars' labels).
fn render_scale(frame: &mut Frame, area: Rect, top: u64, theme: &Theme) {
    let rows = usize::from(area.height.saturating_sub(1));
    let label = |dollars: u64| Money::from_dollars(dollars as i64).format_compact();
    let mut lines = vec![Line::from(""); rows];
    if rows >= 1 {
        lines[0] = Line::from(label(top));
        lines[rows - 1] = Line::from("$0");
    }
    if rows >= 5 {
        lines[rows / 2] = Line::from(label(top / 2));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .alignment(Alignment::Right)
            .style(Style::default().fg(theme.muted)),
        Rect {
            width: area.width.saturating_sub(1),
            ..area
        },
    );
}

/// A line through the days when bars would not fit.
fn render_line(frame: &mut Frame, inner: Rect, points: &[DailyPoint], theme: &Theme) {
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

#[cfg(test)]
mod tests {
    use super::scale_top;

    #[test]
    fn a_spike_on_the_first_is_clipped_so_the_other_days_stay_readable() {
        let mut days = vec![1_000u64; 30];
        days[0] = 40_000;
        assert_eq!(
            scale_top(&days),
            2_500,
            "clipped at 2.5 times the 90th percentile"
        );
        let even: Vec<u64> = (1..=30).map(|d| 900 + d * 10).collect();
        assert_eq!(scale_top(&even), 1_200, "no spike: the highest bar");
        assert_eq!(scale_top(&[0, 0, 0]), 1);
        assert_eq!(scale_top(&[]), 1);
        assert_eq!(
            scale_top(&[5, 100]),
            100,
            "too few bars to call one a spike"
        );
    }
}
