//! `b` / `B` and Enter past the service: the breakdowns' part of `update`.

use super::action::Effect;
use super::model::{RowKey, TableRow};
use super::state::{Breakdown, State, ViewKind, ViewState};
use crate::domain::dimension::{DetailFilter, Dimension};

/// `b` / `B`: the same scope listed by the next (or previous) dimension, in place of
/// the list on top (Esc still goes to the view before it).
pub(super) fn break_down(state: &mut State, forward: bool) -> Vec<Effect> {
    let view = state.top();
    let Some(current) = view.kind.as_breakdown() else {
        return vec![];
    };
    let by = current.filter.step(current.by, forward);
    let next = ViewKind::from_breakdown(Breakdown { by, ..current });
    if next == view.kind {
        return vec![];
    }
    let chosen = match view.kind {
        ViewKind::Breakdown(_) => view.chosen.clone(),
        ViewKind::AccountServices(a) => Some(state.catalog.account_name(a)),
        ViewKind::ServiceAccounts(s) => Some(state.catalog.service_name(s)),
        ViewKind::Series { .. } => state.breadcrumbs().pop(),
        _ => None,
    };
    *state.top_mut() = ViewState {
        chosen,
        ..ViewState::new(next)
    };
    vec![Effect::Load]
}

/// Enter on a breakdown's row: that row's value, listed by what lies under it; on a
/// resource, its days.
pub(super) fn drill_into(state: &mut State, b: Breakdown, row: &TableRow) -> Vec<Effect> {
    let key = match row.key {
        RowKey::Account(k) | RowKey::Service(k) | RowKey::Detail(k) => k,
        _ => return vec![],
    };
    if b.by == Dimension::Resource {
        return super::resource_days::open(state, key, &row.name);
    }
    let Some(by) = b.filter.next_after(b.by) else {
        return vec![];
    };
    let filter = b.filter.with(b.by, key);
    let next = ViewKind::from_breakdown(Breakdown { filter, by });
    state.stack.push(ViewState::from_row(next, &row.name));
    vec![Effect::Load]
}

/// With line-item detail in the range, Enter on a service of an account (or an account
/// of a service) lists its usage types; None where it goes on to the daily series.
pub(super) fn into_usage_types(state: &mut State, row: &TableRow) -> Option<Vec<Effect>> {
    let view = state.top();
    // With line-item detail, a service of an account goes on to its usage types.
    if let (ViewKind::AccountServices(a), RowKey::Service(s))
    | (ViewKind::ServiceAccounts(s), RowKey::Account(a)) = (view.kind, row.key)
    {
        if state.detail_in_range() {
            let filter = DetailFilter {
                account: Some(a),
                service: Some(s),
                ..DetailFilter::NONE
            };
            let next = ViewKind::Breakdown(Breakdown {
                filter,
                by: Dimension::UsageType,
            });
            state.stack.push(ViewState::from_row(next, &row.name));
            return Some(vec![Effect::Load]);
        }
    }
    None
}
