//! Pure selectors: the rows and findings the top view shows, filtered and sorted once
//! when its data, filter, sort or grouping change (`refresh`, run by `update`), and
//! kept in the state for rendering and the handlers. No frame recomputes them.

use super::columns::SAVING_COLUMN;
use super::filter_text::{searchable, Needle};
use super::findings_data::FindingsData;
use super::model::{RowKey, TableRow, ViewData};
use super::state::{
    Catalog, FindingTotals, OverviewFocus, State, ViewKind, ViewState, Visible, VisibleKey,
};
use super::table::visible_rows;
use crate::domain::audit::AuditEntry;
use crate::domain::findings::{FindingStatus, SavingsTotal, TrackedFinding};
use crate::domain::Money;

/// Recomputes what the top view shows if anything it depends on changed.
pub fn refresh(state: &mut State) {
    let view = state.top();
    let key = VisibleKey {
        data: state.data_version,
        view: view.kind,
        filter: view.filter.clone(),
        sort: view.sort,
        grouped: state.group_by_ou,
        focus: view.focus,
    };
    if state.visible.key.as_ref() == Some(&key) {
        return;
    }
    let previous_search = std::mem::take(&mut state.visible.finding_search);
    let view = state.top();
    let rows = match &state.data {
        ViewData::Overview(o) => match view.focus {
            OverviewFocus::Accounts => o.top_accounts.clone(),
            OverviewFocus::Services => o.top_services.clone(),
        },
        ViewData::Table(t) => {
            let grouped = state.group_by_ou && view.kind == ViewKind::Accounts;
            visible_rows(&t.rows, &view.filter, view.sort, grouped)
        }
        _ => Vec::new(),
    };
    // The totals by rule and account and the searched texts are of every finding: the
    // same until the data or the view changes, whatever is typed into the filter or sorted.
    let same_findings = state
        .visible
        .key
        .as_ref()
        .is_some_and(|k| k.data == key.data && k.view == key.view);
    let finding_search = match &state.data {
        ViewData::Findings(d) if same_findings && previous_search.len() == d.findings.len() => {
            previous_search
        }
        ViewData::Findings(data) if view.kind == ViewKind::Findings => {
            searchable_findings(data, &state.catalog)
        }
        _ => Vec::new(),
    };
    let findings = match &state.data {
        ViewData::Findings(data) if view.kind == ViewKind::Findings => {
            // A filter typed further keeps some of the findings it kept, in their order.
            let narrowed = state.visible.key.as_ref().is_some_and(|k| {
                (k.data, k.view, k.sort) == (key.data, key.view, key.sort)
                    && Needle::new(&key.filter).narrows(&Needle::new(&k.filter))
            });
            let kept = narrowed.then_some(state.visible.findings.as_slice());
            visible_findings(data, view, &state.catalog, &finding_search, kept)
        }
        _ => Vec::new(),
    };
    let audit = match &state.data {
        ViewData::Audit(entries) => visible_entries(entries, &view.filter),
        _ => Vec::new(),
    };
    let (rows_total, rows_previous) = sums(&rows);
    let rows_spread = counted(&rows).map(|r| r.spread).sum();
    let finding_totals = match &state.data {
        ViewData::Findings(data) => {
            let shown_open = shown_open(data, &findings);
            if same_findings {
                FindingTotals {
                    shown_open,
                    ..std::mem::take(&mut state.visible.finding_totals)
                }
            } else {
                finding_totals(data, shown_open, &state.catalog)
            }
        }
        _ => FindingTotals::default(),
    };
    state.visible = Visible {
        key: Some(key),
        rows,
        findings,
        finding_search,
        audit,
        rows_total,
        rows_previous,
        rows_spread,
        finding_totals,
    };
}

/// The rows a sum counts: OU headers left out (they are subtotals of the rows under them).
fn counted(rows: &[TableRow]) -> impl Iterator<Item = &TableRow> {
    rows.iter()
        .filter(|r| r.depth > 0 || !matches!(r.key, RowKey::Unit))
}

/// The current and previous sums of the rows shown, OU headers left out (they are
/// subtotals of the rows under them). Unknown if any row's amount is.
fn sums(rows: &[TableRow]) -> (Option<Money>, Option<Money>) {
    let counted = || counted(rows);
    let sum = |amounts: Vec<Option<Money>>| -> Option<Money> {
        let known: Option<Vec<Money>> = amounts.into_iter().collect();
        known.and_then(|all| Money::try_sum(all).ok())
    };
    (
        sum(counted().map(|r| r.amount).collect()),
        sum(counted().map(|r| r.previous).collect()),
    )
}

/// The open savings of the findings shown.
fn shown_open(data: &FindingsData, shown: &[usize]) -> Option<SavingsTotal> {
    data.alternatives
        .total(
            shown
                .iter()
                .filter_map(|&i| data.findings.get(i))
                .filter(|t| t.status == FindingStatus::Open),
        )
        .ok()
}

/// With the shown findings' savings, every open finding's by rule and by account name.
fn finding_totals(
    data: &FindingsData,
    shown_open: Option<SavingsTotal>,
    catalog: &Catalog,
) -> FindingTotals {
    let alternatives = &data.alternatives;
    let all_open = || {
        data.findings
            .iter()
            .filter(|t| t.status == FindingStatus::Open)
    };
    let by_rule = alternatives
        .totals_by(all_open(), |t| t.finding.rule)
        .map(|m| m.into_iter().collect())
        .unwrap_or_default();
    let mut by_account: Vec<(String, _)> = alternatives
        .totals_by(all_open(), |t| catalog.name_of(&t.finding.account))
        .map(|m| {
            m.into_iter()
                .map(|(name, t)| (name.to_string(), t))
                .collect()
        })
        .unwrap_or_default();
    by_account.sort_by_key(|(_, t)| std::cmp::Reverse(t.monthly));
    FindingTotals {
        shown_open,
        by_rule,
        by_account,
    }
}

/// The rows of the table that has the cursor, as shown.
pub fn rows(state: &State) -> &[TableRow] {
    &state.visible.rows
}

/// The findings of the findings list, as shown.
pub fn findings(state: &State) -> impl Iterator<Item = &TrackedFinding> {
    let data = match &state.data {
        ViewData::Findings(data) => Some(data.as_ref()),
        _ => None,
    };
    state
        .visible
        .findings
        .iter()
        .filter_map(move |&i| data.and_then(|d| d.findings.get(i)))
}

/// The audit log's entries as its view shows them: newest first, filtered.
pub fn audit(state: &State) -> impl Iterator<Item = &AuditEntry> {
    let entries = match &state.data {
        ViewData::Audit(entries) => Some(entries),
        _ => None,
    };
    state
        .visible
        .audit
        .iter()
        .filter_map(move |&i| entries.and_then(|e| e.get(i)))
}

/// Newest first, those whose resource, account, call, detail, identity or phase
/// contains the filter (any case).
fn visible_entries(entries: &[AuditEntry], filter: &str) -> Vec<usize> {
    let needle = Needle::new(filter);
    (0..entries.len())
        .rev()
        .filter(|&i| {
            let e = &entries[i];
            needle.is_empty()
                || [&e.resource, &e.account, &e.action, &e.detail, &e.identity]
                    .iter()
                    .any(|t| needle.found_in(t))
                || needle.found_in(e.phase.name())
        })
        .collect()
}

/// Each finding's rule, account id and name, region, resource, label, evidence and
/// status, as the filter searches them.
fn searchable_findings(data: &FindingsData, catalog: &Catalog) -> Vec<String> {
    data.findings
        .iter()
        .map(|t| {
            let f = &t.finding;
            searchable(&[
                f.rule.name(),
                f.account.as_str(),
                catalog.name_of(&f.account),
                f.region.as_str(),
                f.resource.as_str(),
                f.label.as_str(),
                f.evidence.summary.as_str(),
                t.status.name(),
            ])
        })
        .collect()
}

/// Indices of the findings shown: filtered (a substring of a field in `search`) and
/// sorted by the view's sort column. With the findings a shorter filter `kept`
/// (sorted), only those are tested, and not sorted again.
fn visible_findings(
    data: &FindingsData,
    view: &ViewState,
    catalog: &Catalog,
    search: &[String],
    kept: Option<&[usize]>,
) -> Vec<usize> {
    let needle = Needle::new(&view.filter);
    let matches = |i: &usize| {
        needle.is_empty()
            || search
                .get(*i)
                .is_some_and(|t| needle.found_in_searchable(t))
    };
    if let Some(kept) = kept {
        return kept.iter().copied().filter(matches).collect();
    }
    let mut shown: Vec<usize> = (0..data.findings.len()).filter(matches).collect();
    if view.sort.column == SAVING_COLUMN {
        // The sort every open starts with: a key made once per finding, not per
        // comparison. Unknown savings last whichever way; ties by id.
        shown.sort_by_cached_key(|&i| {
            let t = &data.findings[i];
            match t.finding.saving.amount() {
                Some(m) if view.sort.descending => (false, -i128::from(m.nanos()), t.id),
                Some(m) => (false, i128::from(m.nanos()), t.id),
                None => (true, 0, t.id),
            }
        });
        return shown;
    }
    // The account column sorts by name: each looked up once.
    let names: Vec<&str> = match view.sort.column {
        1 => data
            .findings
            .iter()
            .map(|t| catalog.name_of(&t.finding.account))
            .collect(),
        _ => Vec::new(),
    };
    // Ties go by id, so the order is total and an unstable sort gives the same one.
    shown.sort_unstable_by(|&i, &j| {
        let (a, b) = (&data.findings[i], &data.findings[j]);
        let (x, y) = (&a.finding, &b.finding);
        let ordering = match view.sort.column {
            0 => x.rule.cmp(&y.rule),
            1 => names[i].cmp(names[j]),
            2 => x.region.cmp(&y.region),
            3 => x.resource.cmp(&y.resource),
            4 => x.evidence.summary.cmp(&y.evidence.summary),
            // The saving column is sorted by its key above.
            _ => std::cmp::Ordering::Equal,
        };
        let ordering = if view.sort.descending {
            ordering.reverse()
        } else {
            ordering
        };
        ordering.then_with(|| a.id.cmp(&b.id))
    });
    shown
}
