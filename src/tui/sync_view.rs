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
    let text = vec![
        Line::from(format!("Months to fetch: {} ({list})", months.len())),
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
    ];
    render_dialog(frame, rect, theme, " Sync from AWS ", text, "start");
}
