//! Loads a breakdown past the service (regions, usage types, resources, tags) from the
//! monthly detail line-item sources keep. The detail is by month, so a range is read
//! as the whole months it touches, and the title says so when that is more than the
//! range; a month from Cost Explorer has no detail and is named, never counted as $0.

use super::model::{RowKey, TableData, TableRow};
use super::state::{Breakdown, State};
use crate::domain::dimension::{is_whole_months, month_span, DetailFilter, Dimension};
use crate::domain::fees::Spread;
use crate::domain::{DateRange, DetailMetric, Metric, Money, Month};
use crate::store::{DetailAmount, Store, StoreResult};
use std::collections::HashMap;

/// The months of `range` the cache holds with detail, as one run ending at its newest
/// such month, and the months it leaves out (not cached, or without detail).
struct Span {
    months: Option<(Month, Month)>,
    left_out: Vec<Month>,
}

fn span(state: &State, range: DateRange) -> Span {
    let (first, last) = month_span(range);
    let detailed = |m: Month| {
        state
            .summary
            .months
            .iter()
            .any(|info| info.month == m && info.detail_known)
    };
    let all: Vec<Month> = (first.index()..=last.index())
        .map(Month::from_index)
        .collect();
    let newest = all.iter().rposition(|m| detailed(*m));
    let Some(newest) = newest else {
        return Span {
            months: None,
            left_out: all,
        };
    };
    let oldest = all[..=newest]
        .iter()
        .rposition(|m| !detailed(*m))
        .map_or(0, |i| i + 1);
    Span {
        months: Some((all[oldest], all[newest])),
        left_out: all[..oldest]
            .iter()
            .chain(&all[newest + 1..])
            .copied()
            .collect(),
    }
}

fn months_label((first, last): (Month, Month)) -> String {
    if first == last {
        first.label()
    } else {
        format!("{} – {}", first.label(), last.label())
    }
}

/// Why nothing of the range has detail.
fn no_detail(by: Dimension) -> String {
    format!(
        "no {} here: Cost Explorer months have none (sync --source export or import a FOCUS file)",
        by.plural()
    )
}

pub(super) fn load_breakdown(store: &Store, state: &State, b: Breakdown) -> StoreResult<TableData> {
    let range = state.range();
    let as_of = state.summary.data_as_of;
    let current = span(state, range);
    let Some(months) = current.months else {
        return Ok(TableData {
            note: Some(no_detail(b.by)),
            ..TableData::default()
        });
    };
    let Some(amounts) = store.detail_totals(months, &b.filter, b.by, state.detail_metric())? else {
        return Ok(TableData {
            note: Some(format!(
                "{} cannot be listed under this filter",
                b.by.plural()
            )),
            ..TableData::default()
        });
    };
    let exact = current.left_out.is_empty() && is_whole_months(range, as_of);
    // The comparison only where both periods are whole months, every one with detail.
    let previous_range = state.previous_range();
    let previous_span = span(state, previous_range);
    let previous_months = previous_span.months.filter(|_| {
        exact && previous_span.left_out.is_empty() && is_whole_months(previous_range, as_of)
    });
    let previous = match previous_months {
        Some(p) => store.detail_totals(p, &b.filter, b.by, state.detail_metric())?,
        None => None,
    };
    let mut notes = Vec::new();
    if !exact {
        notes.push(format!(
            "whole months {} (detail is kept by month)",
            months_label(months)
        ));
    } else if previous.is_none() {
        notes.push("no Δ: detail is by whole month ([ ] steps months)".to_string());
    }
    if let Some(first) = current.left_out.first() {
        let why = match state.summary.months.iter().find(|m| m.month == *first) {
            Some(m) => format!("has no detail (from {})", m.source),
            None => "is not cached".to_string(),
        };
        let more = match current.left_out.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        notes.push(format!("left out: {} {why}{more}", first.label()));
    }
    let mut rows = rows(state, b, &amounts, previous.as_deref());
    if b.by == Dimension::TagValue {
        let now = untagged(store, state, b.filter, months, &amounts)?;
        let before = match (previous_months, &previous) {
            (Some(p), Some(values)) => untagged(store, state, b.filter, p, values)?,
            _ => None,
        };
        if now.is_some_and(|m| m != Money::ZERO) || before.is_some_and(|m| m != Money::ZERO) {
            rows.push(TableRow {
                key: RowKey::Untagged,
                name: "(untagged)".to_string(),
                detail: String::new(),
                amount: now,
                previous: previous.as_ref().map(|_| before.unwrap_or_default()),
                spread: Spread::default(),
                share: 0.0,
                group: String::new(),
                depth: 0,
            });
        }
    }
    if let Some(why) = prices_unknown(state, b, &rows) {
        notes.push(why);
    }
    // Unknown when any row is: a partial sum is not the total.
    let total: Option<Money> = rows.iter().map(|r| r.amount).sum();
    if let Some(rate) = savings_rate(store, state, b, months, total)? {
        notes.push(rate);
    }
    let whole = total.filter(|t| *t > Money::ZERO);
    for r in &mut rows {
        r.share = match (r.amount, whole) {
            (Some(a), Some(t)) => a.as_f64_for_display() / t.as_f64_for_display(),
            _ => 0.0,
        };
    }
    let previous_total = previous
        .as_ref()
        .and_then(|_| rows.iter().map(|r| r.previous).sum());
    Ok(TableData {
        rows,
        total,
        previous_total,
        spread: Spread::default(),
        fees_unknown: Vec::new(),
        chart: Vec::new(),
        note: (!notes.is_empty()).then(|| notes.join(" · ")),
    })
}

/// The account and service a breakdown's chart is of, when its filter is no more than
/// those (the daily rows hold nothing finer).
pub(super) fn chart_scope(f: DetailFilter) -> Option<(Option<i64>, Option<i64>)> {
    let only = DetailFilter {
        account: f.account,
        service: f.service,
        ..DetailFilter::NONE
    };
    (f == only && (f.account.is_some() || f.service.is_some())).then_some((f.account, f.service))
}

fn rows(
    state: &State,
    b: Breakdown,
    amounts: &[DetailAmount],
    previous: Option<&[DetailAmount]>,
) -> Vec<TableRow> {
    let before: HashMap<i64, &DetailAmount> = previous
        .unwrap_or_default()
        .iter()
        .map(|a| (a.key, a))
        .collect();
    let now: HashMap<i64, &DetailAmount> = amounts.iter().map(|a| (a.key, a)).collect();
    // A key billed only in the previous period shows at $0 now.
    let gone = previous
        .unwrap_or_default()
        .iter()
        .filter(|a| !now.contains_key(&a.key));
    amounts
        .iter()
        .chain(gone)
        .map(|a| {
            let (key, name, detail) = named(state, b.by, a);
            // A key with no rows in a period cost nothing there, at any price.
            let amount = now.get(&a.key).map_or(Some(Money::ZERO), |n| n.amount);
            TableRow {
                key,
                name,
                detail,
                amount,
                previous: previous
                    .and_then(|_| before.get(&a.key).map_or(Some(Money::ZERO), |p| p.amount)),
                spread: Spread::default(),
                share: 0.0,
                group: String::new(),
                depth: 0,
            }
        })
        .collect()
}

/// A row's key, name and second column.
fn named(state: &State, by: Dimension, a: &DetailAmount) -> (RowKey, String, String) {
    let catalog = &state.catalog;
    match by {
        Dimension::Account => (
            RowKey::Account(a.key),
            catalog.account_name(a.key),
            catalog
                .account(a.key)
                .map(|x| x.id.clone())
                .unwrap_or_default(),
        ),
        Dimension::Service => (
            RowKey::Service(a.key),
            catalog.service_name(a.key),
            String::new(),
        ),
        _ => {
            let name = a
                .name
                .clone()
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| by.none_label());
            (RowKey::Detail(a.key), name, String::new())
        }
    }
}

/// The cost under the filter's account and service that carries no value of its tag.
fn untagged(
    store: &Store,
    state: &State,
    filter: DetailFilter,
    months: (Month, Month),
    values: &[DetailAmount],
) -> StoreResult<Option<Money>> {
    let scope = DetailFilter {
        account: filter.account,
        service: filter.service,
        ..DetailFilter::NONE
    };
    let all = store.detail_totals(months, &scope, Dimension::Service, state.detail_metric())?;
    let tagged: Option<Money> = values.iter().map(|a| a.amount).sum();
    let all: Option<Money> = all.and_then(|all| all.iter().map(|a| a.amount).sum());
    Ok(all.zip(tagged).map(|(all, tagged)| all - tagged))
}

/// At a list or contracted price, what the same rows cost once commitments and
/// discounts apply (amortized), and how far below the price that is: the effective
/// savings rate FinOps teams track. None at a daily metric or an unknown price.
fn savings_rate(
    store: &Store,
    state: &State,
    b: Breakdown,
    months: (Month, Month),
    price_total: Option<Money>,
) -> StoreResult<Option<String>> {
    let price = state.detail_metric();
    let Some(at_price) = price_total.filter(|t| *t > Money::ZERO && price.is_price()) else {
        return Ok(None);
    };
    let amortized = DetailMetric::Cost(Metric::Amortized);
    let Some(rows) = store.detail_totals(months, &b.filter, b.by, amortized)? else {
        return Ok(None);
    };
    let effective: Option<Money> = rows.iter().map(|r| r.amount).sum();
    Ok(effective.map(|effective| {
        let below = (at_price - effective).as_f64_for_display() / at_price.as_f64_for_display();
        format!(
            "effective (amortized) {}: {:.1}% below {}",
            effective.format_exact(),
            below * 100.0,
            price.label().to_lowercase()
        )
    }))
}

/// Why some rows show no list or contracted price, when they do.
fn prices_unknown(state: &State, b: Breakdown, rows: &[TableRow]) -> Option<String> {
    let price = state.detail_metric();
    let unknown = rows.iter().filter(|r| r.amount.is_none()).count();
    if !price.is_price() || unknown == 0 {
        return None;
    }
    let by_tag =
        b.filter.tag_key.is_some() || matches!(b.by, Dimension::TagKey | Dimension::TagValue);
    if by_tag || b.by == Dimension::Resource {
        return Some(format!(
            "{} prices are kept by usage type, region and charge, not by resource or tag \
             (m: next metric)",
            price.label().to_lowercase(),
        ));
    }
    Some(format!(
        "{} price unknown for {} of {} rows: the source did not give it (m: next metric)",
        price.label().to_lowercase(),
        unknown,
        rows.len()
    ))
}
