//! Drawing the scan: its dialog and its place in the status bar.

use super::state::{ScanEstimate, State};
use super::widgets::render_dialog;
use crate::domain::call_prices::cloudwatch_price;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::Frame;

/// The scan dialog: what the scan reads and what CloudWatch bills for it, before
/// anything runs.
pub fn render_confirm_scan(frame: &mut Frame, area: Rect, state: &State, estimate: &ScanEstimate) {
    let width = area.width.saturating_sub(8).min(76);
    let rect = Rect::new(area.x + (area.width - width) / 2, area.y + 4, width, 10);
    let accounts = match estimate.accounts {
        0 => "the organization's accounts (listed first)".to_string(),
        n => crate::domain::words::plural(n, "active account"),
    };
    let regions = if estimate.regions.is_empty() {
        "every enabled region".to_string()
    } else {
        estimate.regions.join(", ")
    };
    let cost = match estimate.last_metrics {
        Some(metrics) => format!("CloudWatch: the last scan requested {n0_metric}, {} ($0.01 per 1,000)", cloudwatch_price(metrics), n0_metric = crate::domain::words::plural(metrics, "metric")),
        None => "CloudWatch: $0.01 per 1,000 metrics (a few per instance, database and bucket); the total is shown when it ends".to_string(),
    };
    let text = vec![
        Line::from(format!(
            "Scan {accounts} in {regions}, and their S3 buckets"
        )),
        Line::from("Reads only: AssumeRole, EC2/EBS/RDS/S3 listings, CloudWatch metrics"),
        Line::from(cost),
        Line::from(""),
        Line::from("Findings update as each account-region lands; keep browsing."),
    ];
    render_dialog(
        frame,
        rect,
        &state.theme,
        " Scan the inventory ",
        text,
        "start",
    );
}

/// "· scanning 3/12 (1 not scanned)" while a scan runs.
pub fn status(state: &State) -> Option<Span<'static>> {
    let run = state.scan.running.as_ref()?;
    let missed = match run.not_scanned {
        0 => String::new(),
        n => format!(" ({n} not scanned)"),
    };
    let of = if run.known == 0 {
        crate::domain::words::plural(run.accounts, "account")
    } else {
        format!("{}/{}", run.done, run.known)
    };
    Some(Span::styled(
        format!("· scanning {of}{missed} "),
        Style::default()
            .fg(state.theme.accent)
            .bg(state.theme.status_bg),
    ))
}
