//! Drawing the sync: its dialog.

use super::state::State;
use super::widgets::render_dialog;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::Frame;

/// The refresh dialog: what the sync will fetch and at least cost, before anything runs.
pub(super) fn render_confirm_sync(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    months: &[crate::domain::Month],
    estimate: &crate::domain::sync_plan::RequestEstimate,
) {
    let theme = &state.theme;
    let width = area.width.saturating_sub(8).min(72);
    let rect = Rect::new(area.x + (area.width - width) / 2, area.y + 4, width, 11);
    let list = match months {
        [] => "none (every month is final)".to_string(),
        [only] => only.to_string(),
        [first, .., last] => format!("{first} … {last}"),
    };
    let text = match &state.sync.export {
        Some(export) => vec![
            Line::from(format!("Source: the AWS Data Export at {export}")),
            Line::from("Reads only the billing periods whose files changed since the last sync"),
            Line::from("Cost: S3 requests only, no Cost Explorer request ($0.00)"),
            Line::from(""),
            Line::from("The sync runs in the background; keep browsing while it loads."),
        ],
        None => confirm_cost_explorer(state, months.len(), &list, estimate),
    };
    render_dialog(frame, rect, theme, " Sync from AWS ", text, "start");
}

/// The Cost Explorer sync's months and what they cost.
fn confirm_cost_explorer(
    state: &State,
    months: usize,
    list: &str,
    estimate: &crate::domain::sync_plan::RequestEstimate,
) -> Vec<Line<'static>> {
    vec![
        Line::from(format!("Months to fetch: {months} ({list})")),
        Line::from(format!(
            "Cost: {} ($0.01 a page)",
            estimate.describe(|n| crate::domain::call_prices::ce_price(u64::from(n)))
        )),
        Line::from(format!(
            "Spent this month so far: {}",
            crate::domain::call_prices::ce_price(state.sync.ce_requests_this_month)
        )),
        Line::from(""),
        Line::from("The sync runs in the background; keep browsing while it loads."),
    ]
}
