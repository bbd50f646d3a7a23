//! Reads what the top view shows from the cache. Every query here hits rollup tables or
//! one index range, so a load fits in a frame even at 500 accounts.

use super::findings_data::{FindingIndex, FindingsData};
use super::model::{Headline, OverviewData, RowKey, TableData, TableRow, ViewData};
use super::state::{State, ViewKind};
use crate::domain::alternatives::Alternatives;
use crate::domain::cost::{forecast_month_end, monthly_totals};
use crate::domain::fees::{fee_span, partly_covered, spread_adjustment, Fee, Spread};
use crate::domain::findings::{OpenSaving, SavingsTotal as Total};
use crate::domain::{DailyPoint, DateRange, Granularity, Money, Month, RangePreset};
use crate::store::{FindingFilter, Scope, Store, StoreResult, UnitStatus};
use chrono::Duration;
use std::collections::HashMap;

const TOP_ROWS: usize = 10;

pub fn load(store: &Store, state: &State) -> StoreResult<ViewData> {
    let view = state.top();
    match view.kind {
        ViewKind::Findings => load_findings(store, state.show_all_findings, None)
            .map(|d| ViewData::Findings(Box::new(d))),
        ViewKind::Finding(id) => {
            load_findings(store, true, Some(id)).map(|d| ViewData::Findings(Box::new(d)))
        }
        ViewKind::Audit | ViewKind::AuditEntry(_) => crate::store::AuditLog::open_for(store)
            .and_then(|log| log.entries(None))
            .map(ViewData::Audit),
        ViewKind::Overview => load_overview(store, state).map(ViewData::Overview),
        ViewKind::Reconcile => store
            .source_totals(None)
            .map(|charges| ViewData::Reconcile(crate::domain::reconcile::reconcile(&charges))),
        ViewKind::Series { account, service } => {
            load_series(store, state, account, service).map(ViewData::Table)
        }
        ViewKind::ResourceDays(resource) => {
            let name = view.chosen.as_deref().unwrap_or_default();
            super::resource_days::load(store, state, resource, name).map(ViewData::Table)
        }
        ViewKind::Breakdown(b) => {
            let mut table = super::breakdown::load_breakdown(store, state, b)?;
            if let Some((account, service)) = super::breakdown::chart_scope(b.filter) {
                table.chart = chart_series(store, state, account, service)?;
            }
            Ok(ViewData::Table(table))
        }
        kind => load_table(store, state, kind).map(ViewData::Table),
    }
}

/// Current and previous totals for a scope; the previous ones only when the cache holds
/// the whole previous period (otherwise the comparison is unknown, not zero).
struct Compared {
    current: Option<HashMap<i64, Money>>,
    previous: Option<HashMap<i64, Money>>,
    /// Sum of `current`, kept because every row's share needs it.
    total: Option<Money>,
    /// Per key, what the comparison spreads of the once-a-month fees.
    spread: HashMap<i64, Spread>,
    fees_unknown: Vec<Month>,
}

fn compared(store: &Store, state: &State, scope: Scope) -> StoreResult<Compared> {
    let (range, previous_range) = (state.range(), state.previous_range());
    let known = [
        state.summary.covers(range),
        state.summary.covers(previous_range),
    ];
    let wanted: Vec<DateRange> = [range, previous_range]
        .into_iter()
        .zip(known)
        .filter_map(|(r, k)| k.then_some(r))
        .collect();
    let mut totals = store.totals_many(scope, &wanted, state.metric)?.into_iter();
    let current = if known[0] { totals.next() } else { None };
    let previous = if known[1] { totals.next() } else { None };
    let total = current.as_ref().map(|m| m.values().copied().sum());
    let (spread, fees_unknown) = if known == [true, true] {
        spreads(store, state, Some(scope), range, previous_range)?
    } else {
        (HashMap::new(), Vec::new())
    };
    Ok(Compared {
        current,
        previous,
        total,
        spread,
        fees_unknown,
    })
}

/// What comparing `range` with `previous` spreads of the once-a-month fees, per key of
/// `scope` (`None`: the organization, key 0), and the months whose fees are unknown.
/// Both periods end at the last day with data: a fee's share is of the days counted.
fn spreads(
    store: &Store,
    state: &State,
    scope: Option<Scope>,
    range: DateRange,
    previous: DateRange,
) -> StoreResult<(HashMap<i64, Spread>, Vec<Month>)> {
    let mut out: HashMap<i64, Spread> = HashMap::new();
    let mut unknown = Vec::new();
    for (period, is_current) in [(range, true), (previous, false)] {
        let counted = match state.summary.data_as_of {
            Some(as_of) => DateRange::new(period.start, period.end.min(as_of)),
            None => continue,
        };
        if partly_covered(counted).is_empty() {
            continue;
        }
        unknown.extend(state.summary.fees_unknown(counted));
        let mut by_key: HashMap<i64, Vec<Fee>> = HashMap::new();
        for (key, fee) in store.fees(scope, fee_span(counted), state.metric)? {
            by_key.entry(key).or_default().push(fee);
        }
        for (key, fees) in by_key {
            let adjustment = spread_adjustment(counted, fees);
            let entry = out.entry(key).or_default();
            if is_current {
                entry.current += adjustment;
            } else {
                entry.previous += adjustment;
            }
        }
    }
    unknown.sort();
    unknown.dedup();
    Ok((out, unknown))
}

impl Compared {
    fn total(&self) -> Option<Money> {
        self.total
    }

    fn previous_total(&self) -> Option<Money> {
        self.previous.as_ref().map(|m| m.values().copied().sum())
    }

    fn spread_total(&self) -> Spread {
        self.spread.values().copied().sum()
    }

    fn row(
        &self,
        key: i64,
        row_key: RowKey,
        name: String,
        detail: String,
        group: String,
    ) -> TableRow {
        let amount = self
            .current
            .as_ref()
            .map(|m| m.get(&key).copied().unwrap_or_default());
        let total = self.total().unwrap_or_default();
        let share = match amount {
            Some(a) if total > Money::ZERO => a.as_f64_for_display() / total.as_f64_for_display(),
            _ => 0.0,
        };
        TableRow {
            key: row_key,
            name,
            detail,
            amount,
            previous: self
                .previous
                .as_ref()
                .map(|m| m.get(&key).copied().unwrap_or_default()),
            spread: self.spread.get(&key).copied().unwrap_or_default(),
            share,
            group,
            depth: 0,
        }
    }

    fn has_spend(&self, key: i64) -> bool {
        let nonzero = |m: &Option<HashMap<i64, Money>>| {
            m.as_ref()
                .and_then(|m| m.get(&key))
                .is_some_and(|a| *a != Money::ZERO)
        };
        nonzero(&self.current) || nonzero(&self.previous)
    }
}

fn account_rows(state: &State, c: &Compared, only_with_spend: bool) -> Vec<TableRow> {
    let catalog = &state.catalog;
    let mut keys: Vec<i64> = catalog.account_keys().collect();
    keys.sort_unstable();
    keys.into_iter()
        .filter(|k| !only_with_spend || c.has_spend(*k))
        .map(|k| {
            let (mut id, mut group) = catalog
                .account(k)
                .map(|a| (a.id.clone(), catalog.org.ou_path(&a.ou_id)))
                .unwrap_or_default();
            // Accounts of several clouds: each names its provider, and the ones outside
            // the organization's OUs group under it.
            if let Some(provider) = catalog.shown_provider(k) {
                id = format!("{provider} · {id}");
                if group.is_empty() {
                    group = provider.to_string();
                }
            }
            c.row(k, RowKey::Account(k), catalog.account_name(k), id, group)
        })
        .collect()
}

fn service_rows(state: &State, c: &Compared) -> Vec<TableRow> {
    state
        .catalog
        .services
        .iter()
        .filter(|(k, _)| c.has_spend(*k))
        .map(|(k, name)| {
            c.row(
                *k,
                RowKey::Service(*k),
                name.clone(),
                String::new(),
                String::new(),
            )
        })
        .collect()
}

fn load_table(store: &Store, state: &State, kind: ViewKind) -> StoreResult<TableData> {
    let (scope, chart_account, chart_service) = match kind {
        ViewKind::Services => (Scope::Services, None, None),
        ViewKind::AccountServices(a) => (Scope::ServicesOfAccount(a), Some(a), None),
        ViewKind::ServiceAccounts(s) => (Scope::AccountsOfService(s), None, Some(s)),
        _ => (Scope::Accounts, None, None),
    };
    let c = compared(store, state, scope)?;
    let mut rows = match kind {
        ViewKind::Services | ViewKind::AccountServices(_) => service_rows(state, &c),
        ViewKind::ServiceAccounts(_) => account_rows(state, &c, true),
        _ => account_rows(state, &c, false),
    };
    if let ViewKind::UnitAccounts(unit) = kind {
        let path = state.catalog.unit_path(unit);
        rows.retain(|r| r.group == path);
        return Ok(TableData {
            fees_unknown: c.fees_unknown,
            ..part_of(rows, c.previous.is_some())
        });
    }
    let chart = match kind {
        ViewKind::AccountServices(_) | ViewKind::ServiceAccounts(_) => {
            chart_series(store, state, chart_account, chart_service)?
        }
        _ => Vec::new(),
    };
    Ok(TableData {
        rows,
        total: c.total(),
        previous_total: c.previous_total(),
        spread: c.spread_total(),
        fees_unknown: c.fees_unknown,
        chart,
        note: None,
    })
}

/// Some of a table's rows as a table of their own: totals and shares of theirs.
fn part_of(mut rows: Vec<TableRow>, previous_known: bool) -> TableData {
    let total: Option<Money> = rows.iter().map(|r| r.amount).sum();
    let previous_total = if previous_known {
        rows.iter().map(|r| r.previous).sum()
    } else {
        None
    };
    if let Some(total) = total.filter(|t| *t > Money::ZERO) {
        for r in &mut rows {
            r.share = r
                .amount
                .map_or(0.0, |a| a.as_f64_for_display() / total.as_f64_for_display());
        }
    }
    let spread = rows.iter().map(|r| r.spread).sum();
    TableData {
        rows,
        total,
        previous_total,
        spread,
        fees_unknown: Vec::new(),
        chart: Vec::new(),
        note: None,
    }
}

/// The series over the selected range with every day present (a day without rows costs
/// $0 when its month is cached), summed by month for monthly granularity.
fn chart_series(
    store: &Store,
    state: &State,
    account: Option<i64>,
    service: Option<i64>,
) -> StoreResult<Vec<DailyPoint>> {
    let range = state.range();
    let daily = filled_series(store, state, account, service, range)?;
    Ok(match state.granularity {
        Granularity::Daily => daily,
        Granularity::Monthly => monthly_totals(&daily),
    })
}

fn filled_series(
    store: &Store,
    state: &State,
    account: Option<i64>,
    service: Option<i64>,
    range: DateRange,
) -> StoreResult<Vec<DailyPoint>> {
    let Some(as_of) = state.summary.data_as_of else {
        return Ok(Vec::new());
    };
    let shown = DateRange::new(range.start, range.end.min(as_of));
    if !state.summary.covers(shown) {
        return Ok(Vec::new());
    }
    let points: HashMap<_, _> = store
        .daily_series(account, service, shown, state.metric)?
        .into_iter()
        .map(|p| (p.day, p.amount))
        .collect();
    Ok(shown
        .iter_days()
        .map(|day| DailyPoint {
            day,
            amount: points.get(&day).copied().unwrap_or_default(),
        })
        .collect())
}

fn load_series(
    store: &Store,
    state: &State,
    account: Option<i64>,
    service: Option<i64>,
) -> StoreResult<TableData> {
    let chart = chart_series(store, state, account, service)?;
    Ok(TableData::series(
        chart,
        state.granularity == Granularity::Monthly,
    ))
}

fn org_total(store: &Store, state: &State, range: DateRange) -> StoreResult<Option<Money>> {
    if !state.summary.covers(range) {
        return Ok(None);
    }
    let points = store.daily_series(None, None, range, state.metric)?;
    Ok(Some(points.iter().map(|p| p.amount).sum()))
}

fn load_overview(store: &Store, state: &State) -> StoreResult<OverviewData> {
    let today = state.today;
    let mtd_range = RangePreset::MonthToDate.resolve(today);
    let month_to_date = org_total(store, state, mtd_range)?;
    let last_month = org_total(store, state, RangePreset::LastMonth.resolve(today))?;
    let same_period_range = RangePreset::MonthToDate.previous(today);
    let same_period = org_total(store, state, same_period_range)?;
    let spread = match (month_to_date, same_period) {
        (Some(_), Some(_)) => spreads(store, state, None, mtd_range, same_period_range)?
            .0
            .remove(&0)
            .unwrap_or_default(),
        _ => Spread::default(),
    };
    let forecast = match (month_to_date, state.summary.data_as_of) {
        (Some(mtd), Some(as_of)) => {
            let recent = store.daily_series(
                None,
                None,
                // Eight days: seven besides a 1st, which the run rate leaves out.
                DateRange::new(as_of - Duration::days(7), as_of),
                state.metric,
            )?;
            let last_counted = as_of
                .min(Month::of(today).last_day())
                .max(mtd_range.start - Duration::days(1));
            let days_left = (Month::of(today).last_day() - last_counted).num_days();
            forecast_month_end(mtd, &recent, days_left)
        }
        _ => None,
    };
    let accounts = compared(store, state, Scope::Accounts)?;
    let services = compared(store, state, Scope::Services)?;
    let top = |mut rows: Vec<TableRow>| {
        rows.sort_by(|a, b| b.amount.cmp(&a.amount).then_with(|| a.name.cmp(&b.name)));
        rows.truncate(TOP_ROWS);
        rows
    };
    Ok(OverviewData {
        headline: Headline {
            month_to_date,
            last_month,
            same_period_last_month: same_period,
            forecast,
            spread,
        },
        chart: chart_series(store, state, None, None)?,
        total: accounts.total(),
        previous_total: accounts.previous_total(),
        top_accounts: top(account_rows(state, &accounts, true)),
        top_services: top(service_rows(state, &services)),
    })
}

/// The findings (open only, or all) as the list shows them, the whole evidence of the
/// one `opened`, and what the scans reached.
pub fn load_findings(store: &Store, all: bool, opened: Option<i64>) -> StoreResult<FindingsData> {
    let mut findings = store.finding_list(&FindingFilter {
        all,
        ..FindingFilter::default()
    })?;
    if let Some(id) = opened {
        let whole = store.findings(&FindingFilter {
            all: true,
            id: Some(id),
            ..FindingFilter::default()
        })?;
        if let (Some(whole), Some(listed)) = (
            whole.into_iter().next(),
            findings.iter_mut().find(|t| t.id == id),
        ) {
            *listed = whole;
        }
    }
    let units = store.scan_units()?;
    Ok(FindingsData {
        alternatives: Alternatives::among(&findings),
        findings,
        units_scanned: units
            .iter()
            .filter(|u| u.status == UnitStatus::Scanned)
            .count(),
        not_scanned: units
            .into_iter()
            .filter(|u| u.status != UnitStatus::Scanned)
            .collect(),
        last_scan_at: store.stamp_meta("last_scan_at")?,
        all,
    })
}

/// Open findings per account and service, for the cost views, in one pass over keys
/// borrowed from the findings (each copied once at the end). They come one resource's
/// together, so its alternatives are settled as it is read; the resource opens the
/// finding whose saving counts.
pub fn load_finding_index(store: &Store) -> StoreResult<FindingIndex> {
    use crate::domain::alternatives::counted_among;
    use rustc_hash::FxHashMap;
    let open = store.open_finding_savings()?;
    let mut by_pair: FxHashMap<(&str, &str), Total> = FxHashMap::default();
    let mut by_account: FxHashMap<&str, Total> = FxHashMap::default();
    let mut by_service: FxHashMap<&str, Total> = FxHashMap::default();
    let mut by_resource: FxHashMap<&str, (Total, i64)> = FxHashMap::default();
    let same_resource = |a: &OpenSaving, b: &OpenSaving| {
        (&a.account, &a.region, &a.resource) == (&b.account, &b.region, &b.resource)
    };
    for findings in open.chunk_by(same_resource) {
        let counted = counted_among(findings.iter().map(|f| (&f.saving, f.rule))).unwrap_or(0);
        let (total, id) = by_resource.entry(&findings[0].resource).or_default();
        *id = findings[counted].id;
        for (i, f) in findings.iter().enumerate() {
            let service = f.rule.cost_service();
            for t in [
                by_pair.entry((&f.account, service)).or_default(),
                by_account.entry(&f.account).or_default(),
                by_service.entry(service).or_default(),
                &mut *total,
            ] {
                if i == counted {
                    t.add(&f.saving)?;
                } else {
                    t.add_alternative();
                }
            }
        }
    }
    let owned = |(key, total): (&str, Total)| (key.to_string(), total);
    Ok(FindingIndex {
        by_pair: by_pair
            .into_iter()
            .map(|((account, service), total)| ((account.to_string(), service.to_string()), total))
            .collect(),
        by_account: by_account.into_iter().map(owned).collect(),
        by_service: by_service.into_iter().map(owned).collect(),
        by_resource: by_resource
            .into_iter()
            .map(|(resource, counted)| (resource.to_string(), counted))
            .collect(),
    })
}
