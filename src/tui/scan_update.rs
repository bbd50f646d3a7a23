//! The part of `update` that concerns the background scan (`S`, `:scan`): the dialog
//! with what it reads and costs, progress in the status bar, and the findings that
//! follow each account-region as it lands. Pure, like the rest of update.

use super::action::{Action, DialogKey, Effect, ScanOutcome};
use super::state::{Mode, ScanEstimate, ScanRun, Severity, State};
use crate::domain::call_prices::cloudwatch_price;
use crate::domain::AccountStatus;
use crate::sync::SyncEvent;

/// Open the scan dialog, or say why a scan cannot start here.
pub fn request(state: &mut State) -> Vec<Effect> {
    let refusal = if state.is_demo() {
        Some("the demo's inventory is generated locally: there is nothing to scan (costscope scan reads a real organization)")
    } else if !state.scan.available {
        Some("scanning is not available here")
    } else if state.scan.running.is_some() {
        Some("a scan is already running; its progress is in the status bar")
    } else {
        None
    };
    if let Some(text) = refusal {
        state.message = Some((Severity::Warning, text.to_string()));
        return vec![];
    }
    let limit = &state.scan.accounts;
    let accounts = state
        .catalog
        .org
        .accounts
        .iter()
        .filter(|a| a.status == AccountStatus::Active)
        .filter(|a| limit.is_empty() || limit.contains(&a.id))
        .count();
    state.mode = Mode::ConfirmScan(ScanEstimate {
        // Before the first sync the organization is not cached: it is listed first.
        accounts,
        regions: state.scan.regions.clone(),
        last_metrics: state.scan.last_metrics,
    });
    vec![]
}

/// In the dialog: Enter starts, Esc (or q) cancels, anything else waits.
pub fn update_confirm(state: &mut State, action: Action) -> Vec<Effect> {
    match action.in_dialog() {
        DialogKey::Start => {
            let Mode::ConfirmScan(estimate) = std::mem::replace(&mut state.mode, Mode::Normal)
            else {
                return vec![];
            };
            state.scan.running = Some(ScanRun {
                accounts: estimate.accounts,
                ..ScanRun::default()
            });
            state.message = Some((Severity::Info, "scan started; keep browsing".into()));
            vec![Effect::StartScan]
        }
        DialogKey::Cancel => {
            state.mode = Mode::Normal;
            state.message = Some((Severity::Info, "scan cancelled; nothing was read".into()));
            vec![]
        }
        DialogKey::Wait => vec![],
    }
}

/// A progress event: the status bar follows it; each unit that lands is shown.
pub fn on_event(state: &mut State, event: SyncEvent) -> Vec<Effect> {
    let run = state.scan.running.get_or_insert_with(ScanRun::default);
    match event {
        SyncEvent::ScanPlanned { accounts, .. } => run.accounts = accounts,
        SyncEvent::UnitScanned {
            account,
            unit,
            done,
            known,
            ..
        } => {
            run.done = done;
            run.known = known;
            run.last = Some(format!("{account} {unit}"));
            return vec![Effect::ReloadData];
        }
        SyncEvent::AccountNotScanned { account, reason } => {
            run.not_scanned += 1;
            state.message = Some((
                Severity::Warning,
                format!("{account} not scanned: {reason}"),
            ));
        }
        SyncEvent::UnitNotScanned {
            account,
            unit,
            reason,
        } => {
            run.not_scanned += 1;
            run.done += 1;
            state.message = Some((
                Severity::Warning,
                format!("{account} {unit} not scanned: {reason}"),
            ));
        }
        SyncEvent::Advice(text) => state.message = Some((Severity::Warning, text)),
        SyncEvent::Scope(_)
        | SyncEvent::Organization { .. }
        | SyncEvent::RegionsSkipped { .. }
        | SyncEvent::Planned { .. }
        | SyncEvent::MonthStarted { .. }
        | SyncEvent::MonthLoaded { .. }
        | SyncEvent::MonthFailed { .. }
        | SyncEvent::MonthKept { .. }
        | SyncEvent::Stopped(_) => {}
    }
    vec![]
}

pub fn on_finished(state: &mut State, outcome: ScanOutcome) -> Vec<Effect> {
    state.scan.running = None;
    state.message = Some(match outcome {
        ScanOutcome::Done {
            units,
            not_scanned,
            partial,
            new_findings,
            closed,
            metrics,
        } => {
            state.sync.offline = false;
            let text = format!(
                "scanned {n0_unit}: {n0_finding}, {closed} closed; \
                 {n1_metric} ({})",
                cloudwatch_price(metrics),
                n0_unit = crate::domain::words::plural(units, "unit"),
                n0_finding = crate::domain::words::plural(new_findings, "new finding"),
                n1_metric = crate::domain::words::plural(metrics, "CloudWatch metric")
            );
            if not_scanned + partial == 0 {
                (Severity::Info, text)
            } else {
                (
                    Severity::Warning,
                    format!(
                        "{text}; {not_scanned} not scanned and {partial} read in part: their findings are unknown (costscope scan lists them)"
                    ),
                )
            }
        }
        ScanOutcome::Failed { message, offline } => {
            state.sync.offline = offline;
            if offline {
                (
                    Severity::Warning,
                    format!("offline: {message}; showing the cache"),
                )
            } else {
                (Severity::Error, format!("scan failed: {message}"))
            }
        }
    });
    vec![Effect::ReloadData]
}
