//! The part of `update` that concerns the background sync: the refresh dialog, progress
//! in the status bar, and what happens when it ends. Pure, like the rest of update.

use super::action::{DialogKey, Effect, SyncOutcome};
use super::state::{Mode, Severity, State, SyncRun};
use crate::domain::call_prices::ce_price;
use crate::domain::sync_plan::months_to_fetch;
use crate::sync::SyncEvent;

/// `r`: open the refresh dialog with what the sync would fetch and cost.
pub fn request_refresh(state: &mut State) -> Vec<Effect> {
    let refusal = if state.is_demo() {
        Some("the demo organization is generated locally: there is nothing to sync (costscope sync loads a real one)")
    } else if !state.sync.available {
        Some("syncing is not available here")
    } else if state.sync.running.is_some() {
        Some("a sync is already running; its progress is in the status bar")
    } else {
        None
    };
    if let Some(text) = refusal {
        state.message = Some((Severity::Warning, text.to_string()));
        return vec![];
    }
    let cached_final: Vec<_> = state
        .summary
        .months
        .iter()
        .filter(|m| m.is_final)
        .map(|m| m.month)
        .collect();
    let months = months_to_fetch(state.today, &cached_final, false);
    // The same estimate the sync itself checks the cap against.
    let estimate = crate::domain::sync_plan::estimate_requests(
        months.len(),
        state.sync.last_sync_pages,
        state.catalog.org.accounts.len(),
    );
    state.mode = Mode::ConfirmSync { months, estimate };
    vec![]
}

/// In the dialog: Enter starts, Esc (or q) cancels, anything else waits.
pub fn update_confirm(state: &mut State, action: super::Action) -> Vec<Effect> {
    match action.in_dialog() {
        DialogKey::Start => {
            let Mode::ConfirmSync { months, .. } = std::mem::replace(&mut state.mode, Mode::Normal)
            else {
                return vec![];
            };
            state.sync.running = Some(SyncRun {
                done: 0,
                of: months.len(),
                current: None,
            });
            state.message = Some((Severity::Info, "sync started; keep browsing".into()));
            vec![Effect::StartSync]
        }
        DialogKey::Cancel => {
            state.mode = Mode::Normal;
            state.message = Some((Severity::Info, "sync cancelled; nothing was fetched".into()));
            vec![]
        }
        DialogKey::Wait => vec![],
    }
}

/// A progress event: the status bar follows it, and each month that lands is shown.
pub fn on_event(state: &mut State, event: SyncEvent) -> Vec<Effect> {
    let run = state.sync.running.get_or_insert_with(SyncRun::default);
    match event {
        SyncEvent::Planned { months, .. } => run.of = months.len(),
        SyncEvent::MonthStarted { month, index, of } => {
            run.current = Some(month);
            run.done = index;
            run.of = of;
        }
        SyncEvent::MonthLoaded { .. } | SyncEvent::MonthKept { .. } => {
            run.done += 1;
            return vec![Effect::ReloadData];
        }
        SyncEvent::MonthFailed { month, reason } => {
            run.done += 1;
            state.message = Some((Severity::Warning, format!("{month} not loaded: {reason}")));
        }
        SyncEvent::Advice(text) => state.message = Some((Severity::Warning, text)),
        SyncEvent::Stopped(text) => {
            state.message = Some((Severity::Warning, format!("sync stopped {text}")))
        }
        SyncEvent::Scope(_)
        | SyncEvent::Organization { .. }
        | SyncEvent::ScanPlanned { .. }
        | SyncEvent::AccountNotScanned { .. }
        | SyncEvent::RegionsSkipped { .. }
        | SyncEvent::UnitScanned { .. }
        | SyncEvent::UnitNotScanned { .. } => {}
    }
    vec![]
}

pub fn on_finished(state: &mut State, outcome: SyncOutcome) -> Vec<Effect> {
    state.sync.running = None;
    match outcome {
        SyncOutcome::Done {
            months,
            rows,
            requests,
            s3_requests,
            failures,
        } => {
            state.sync.offline = false;
            use crate::domain::words::plural;
            let text = match s3_requests {
                Some(s3) => format!(
                    "synced {} from the export, {rows} rows, {}, no Cost Explorer request",
                    plural(months, "changed billing period"),
                    plural(s3, "S3 request"),
                ),
                None => format!(
                    "synced {}, {rows} rows, {} ({})",
                    plural(months, "month"),
                    plural(requests, "Cost Explorer request"),
                    ce_price(u64::from(requests)),
                ),
            };
            state.message = Some(if failures == 0 {
                (Severity::Info, text)
            } else {
                (
                    Severity::Warning,
                    format!(
                        "{text}; {n0_month} not loaded, kept as cached",
                        n0_month = crate::domain::words::plural(failures, "month")
                    ),
                )
            });
        }
        SyncOutcome::Failed { message, offline } => {
            state.sync.offline = offline;
            state.message = Some(if offline {
                (
                    Severity::Warning,
                    format!("offline: {message}; showing the cache"),
                )
            } else {
                (Severity::Error, format!("sync failed: {message}"))
            });
        }
    }
    vec![Effect::ReloadData]
}
