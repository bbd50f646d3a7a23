//! The cost chart under the overview and a series: bars when they fit, a line when not.

use super::widgets::block;
use crate::config::Theme;
use crate::domain::{DailyPoint, Granularity, Money};
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Bar, BarChart, BarGroup, Chart, Dataset, GraphType, Paragraph};
use ratatui::Frame;

pub(super) fn render_chart(
    frame: &mut Frame,
    area: Rect,
    points: &[DailyPoint],
    granularity: Granularity,
    title: String,
    empty: &str,
    theme: &Theme,
) {
    let outer = block(title, theme);
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
        render_bars(frame, inner, points, granularity, theme);
    } else {
        render_line(frame, inner, points, theme);
    }
}

/// A bar a day (or month) when they fit, each labelled.
fn render_bars(
    frame: &mut Frame,
    inner: Rect,
    points: &[DailyPoint],
    granularity: Granularity,
    theme: &Theme,
) {
    let width = usize::from(inner.width);
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
