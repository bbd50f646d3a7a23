//! The one table model every list view uses: columns, filtering, sorting, OU grouping.

use super::filter_text::{cmp_ignoring_case, Needle};
use super::model::{RowKey, TableRow};
use super::state::Sort;
use crate::domain::{change_ratio, Money};
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// The rows a view shows: filtered (case-insensitive substring of name or detail),
/// sorted, and grouped under OU headers when asked.
pub fn visible_rows(rows: &[TableRow], filter: &str, sort: Sort, grouped: bool) -> Vec<TableRow> {
    let needle = Needle::new(filter);
    let mut kept: Vec<TableRow> = rows
        .iter()
        .filter(|r| needle.is_empty() || needle.found_in(&r.name) || needle.found_in(&r.detail))
        .cloned()
        .collect();
    kept.sort_by(|a, b| compare(a, b, sort));
    if !grouped {
        return kept;
    }
    let mut groups: BTreeMap<String, Vec<TableRow>> = BTreeMap::new();
    for row in kept {
        groups.entry(row.group.clone()).or_default().push(row);
    }
    let mut headers: Vec<(TableRow, Vec<TableRow>)> = groups
        .into_iter()
        .map(|(group, members)| {
            let sum = |f: fn(&TableRow) -> Option<Money>| -> Option<Money> {
                members.iter().map(f).sum::<Option<Money>>()
            };
            let header = TableRow {
                key: RowKey::Unit,
                name: if group.is_empty() {
                    "(no OU)".to_string()
                } else {
                    group.clone()
                },
                detail: format!("{} accounts", members.len()),
                amount: sum(|r| r.amount),
                previous: sum(|r| r.previous),
                spread: members.iter().map(|r| r.spread).sum(),
                share: members.iter().map(|r| r.share).sum(),
                group,
                depth: 0,
            };
            (header, members)
        })
        .collect();
    headers.sort_by(|a, b| compare(&a.0, &b.0, sort));
    headers
        .into_iter()
        .flat_map(|(header, members)| {
            std::iter::once(header).chain(members.into_iter().map(|mut m| {
                m.depth = 1;
                m
            }))
        })
        .collect()
}

fn compare(a: &TableRow, b: &TableRow, sort: Sort) -> Ordering {
    let ordering = match sort.column {
        0 => match (a.key, b.key) {
            (RowKey::Day(x), RowKey::Day(y)) => x.cmp(&y),
            _ => cmp_ignoring_case(&a.name, &b.name),
        },
        1 => a.detail.cmp(&b.detail),
        3 => cmp_unknown_last(a.previous, b.previous, sort.descending),
        4 => cmp_unknown_last(
            a.change().map(Money::abs),
            b.change().map(Money::abs),
            sort.descending,
        ),
        5 => {
            let ratio = |r: &TableRow| match r.compared() {
                (Some(c), Some(p)) => change_ratio(c, p),
                _ => None,
            };
            match (ratio(a), ratio(b)) {
                (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
                (Some(_), None) => return Ordering::Less,
                (None, Some(_)) => return Ordering::Greater,
                (None, None) => Ordering::Equal,
            }
        }
        _ => cmp_unknown_last(a.amount, b.amount, sort.descending),
    };
    let ordering = if sort.descending {
        ordering.reverse()
    } else {
        ordering
    };
    // Ties break by name so the order is stable between frames.
    ordering.then_with(|| a.name.cmp(&b.name))
}

/// Unknown amounts go last whichever way the column is sorted.
fn cmp_unknown_last(a: Option<Money>, b: Option<Money>, descending: bool) -> Ordering {
    let o = match (a, b) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    if descending && (a.is_none() || b.is_none()) {
        o.reverse()
    } else {
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::columns::COST_COLUMN;

    fn row(name: &str, group: &str, dollars: Option<i64>) -> TableRow {
        TableRow {
            key: RowKey::Account(0),
            name: name.to_string(),
            detail: String::new(),
            amount: dollars.map(Money::from_dollars),
            previous: None,
            spread: Default::default(),
            share: 0.0,
            group: group.to_string(),
            depth: 0,
        }
    }

    const BY_COST: Sort = Sort {
        column: COST_COLUMN,
        descending: true,
    };

    #[test]
    fn filter_is_case_insensitive_and_sort_puts_unknown_last() {
        let rows = vec![
            row("Alpha", "", Some(5)),
            row("beta", "", None),
            row("GAMMA", "", Some(9)),
        ];
        let v = visible_rows(&rows, "", BY_COST, false);
        let names: Vec<&str> = v.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["GAMMA", "Alpha", "beta"]);
        let v = visible_rows(
            &rows,
            "a",
            Sort {
                column: COST_COLUMN,
                descending: false,
            },
            false,
        );
        let names: Vec<&str> = v.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["Alpha", "GAMMA", "beta"]);
        assert_eq!(visible_rows(&rows, "ALP", BY_COST, false).len(), 1);
    }

    #[test]
    fn grouping_adds_headers_with_subtotals() {
        let rows = vec![
            row("a", "Prod", Some(5)),
            row("b", "Dev", Some(1)),
            row("c", "Prod", Some(2)),
        ];
        let v = visible_rows(&rows, "", BY_COST, true);
        let shape: Vec<(&str, u8)> = v.iter().map(|r| (r.name.as_str(), r.depth)).collect();
        assert_eq!(
            shape,
            [("Prod", 0), ("a", 1), ("c", 1), ("Dev", 0), ("b", 1)]
        );
        assert_eq!(v[0].amount, Some(Money::from_dollars(7)));
    }
}
