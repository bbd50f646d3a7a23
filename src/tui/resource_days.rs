//! One resource's days: Enter on a resource's cost row lists its daily cost over the
//! last days the cache keeps per resource (`detail::RESOURCE_DAYS`), charted, with its
//! finding beside it; Enter there opens the finding.

use super::action::Effect;
use super::model::TableData;
use super::state::{State, ViewKind, ViewState};
use crate::domain::cost::monthly_totals;
use crate::domain::detail::RESOURCE_DAYS;
use crate::domain::{DailyPoint, Granularity, Money};
use crate::store::{Store, StoreResult};

/// The resource's days from the first to the last the cache keeps for any resource, a
/// day it was not billed at $0 (the export covered it).
pub(super) fn load(
    store: &Store,
    state: &State,
    resource: i64,
    name: &str,
) -> StoreResult<TableData> {
    // The finding first: it is what Enter does here.
    let finding = state.finding_index.of_resource(name).map(|(total, _)| {
        format!(
            "finding {} (enter opens it) · ",
            super::findings_data::badge(total)
        )
    });
    let finding = finding.unwrap_or_default();
    let Some((first, last)) = store.resource_days_span()? else {
        return Ok(TableData {
            note: Some(format!(
                "{finding}no days kept per resource: exports and FOCUS files keep each \
                 resource's last {RESOURCE_DAYS}"
            )),
            ..TableData::default()
        });
    };
    let billed = store.resource_days(resource, state.metric)?;
    let mut points: Vec<DailyPoint> = first
        .iter_days()
        .take_while(|day| *day <= last)
        .map(|day| DailyPoint {
            day,
            amount: Money::ZERO,
        })
        .collect();
    for p in billed {
        if let Some(slot) = points.iter_mut().find(|slot| slot.day == p.day) {
            slot.amount = p.amount;
        }
    }
    let monthly = state.granularity == Granularity::Monthly;
    if monthly {
        points = monthly_totals(&points);
    }
    let mut table = TableData::series(points, monthly);
    let price = state.detail_metric();
    let prices = if price.is_price() {
        format!(
            "; {} prices are not kept by resource",
            price.label().to_lowercase()
        )
    } else {
        String::new()
    };
    table.note = Some(format!(
        "{finding}the last {RESOURCE_DAYS} days kept per resource ({} – {}){prices}",
        first.format("%b %-d"),
        last.format("%b %-d")
    ));
    Ok(table)
}

/// Enter on a resource's cost row: its days.
pub(super) fn open(state: &mut State, resource: i64, name: &str) -> Vec<Effect> {
    state
        .stack
        .push(ViewState::from_row(ViewKind::ResourceDays(resource), name));
    vec![Effect::Load]
}

/// Enter in a resource's days: its finding, if it has one.
pub(super) fn open_finding(state: &mut State) -> Vec<Effect> {
    let name = state.top().chosen.clone().unwrap_or_default();
    match state.finding_index.finding_of(&name) {
        Some(id) => {
            state.stack.push(ViewState::new(ViewKind::Finding(id)));
            vec![Effect::Load]
        }
        None => vec![],
    }
}
