//! The detail tables a breakdown reads: the dimensions each holds and the order of its
//! primary key and indexes, so a query can seek the one that fits its filter.

use crate::domain::dimension::Dimension;

/// A detail table: the dimensions it holds, and the columns after the month that its
/// primary key and each index are ordered by (the query seeks the one that leads with
/// most of the filter's dimensions).
pub(super) struct Table {
    pub name: &'static str,
    pub has: &'static [Dimension],
    key: &'static [Dimension],
    indexes: &'static [(&'static str, &'static [Dimension])],
}

pub(super) const USAGE: Table = Table {
    name: "cost_usage_monthly",
    has: &[
        Dimension::Account,
        Dimension::Service,
        Dimension::Region,
        Dimension::UsageType,
        Dimension::Operation,
        Dimension::Charge,
        Dimension::Pricing,
    ],
    key: &[Dimension::Service, Dimension::Account, Dimension::UsageType],
    indexes: &[(
        "cost_usage_by_account",
        &[Dimension::Account, Dimension::Service],
    )],
};
pub(super) const RESOURCES: Table = Table {
    name: "cost_resource_monthly",
    has: &[
        Dimension::Account,
        Dimension::Service,
        Dimension::Region,
        Dimension::UsageType,
        Dimension::Resource,
    ],
    key: &[Dimension::Service, Dimension::Account, Dimension::UsageType],
    indexes: &[
        (
            "cost_resource_by_account",
            &[Dimension::Account, Dimension::Service],
        ),
        ("cost_resource_by_usage", &[Dimension::UsageType]),
    ],
};
pub(super) const TAGS: Table = Table {
    name: "cost_tag_monthly",
    has: &[
        Dimension::Account,
        Dimension::Service,
        Dimension::TagKey,
        Dimension::TagValue,
    ],
    key: &[Dimension::Service, Dimension::Account, Dimension::TagKey],
    indexes: &[(
        "cost_tag_by_account",
        &[Dimension::Account, Dimension::Service],
    )],
};

impl Table {
    /// The index to seek for a filter on `wanted` (None: the primary key serves best).
    /// SQLite, without statistics, would otherwise walk the primary key's months.
    pub fn index_for(&self, wanted: &[(Dimension, i64)]) -> Option<&'static str> {
        let lead = |columns: &[Dimension]| {
            columns
                .iter()
                .take_while(|c| wanted.iter().any(|(d, _)| d == *c))
                .count()
        };
        let by_key = lead(self.key);
        self.indexes
            .iter()
            .map(|(name, columns)| (lead(columns), *name))
            .filter(|(leading, _)| *leading > by_key)
            .max_by_key(|(leading, _)| *leading)
            .map(|(_, name)| name)
    }
}

/// A detail row's amounts in nano-dollars; list and contracted None where unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RowAmounts {
    pub unblended: i64,
    pub amortized: i64,
    pub list: Option<i64>,
    pub contracted: Option<i64>,
}

impl RowAmounts {
    /// Costs without the prices (resources and tags do not keep them).
    pub(super) fn costs(unblended: i64, amortized: i64) -> RowAmounts {
        RowAmounts {
            unblended,
            amortized,
            list: None,
            contracted: None,
        }
    }

    /// Adds `other`; a price unknown in either is unknown in the sum.
    pub(super) fn add(&mut self, other: RowAmounts) {
        let both = |a: Option<i64>, b: Option<i64>| Some(a? + b?);
        self.unblended += other.unblended;
        self.amortized += other.amortized;
        self.list = both(self.list, other.list);
        self.contracted = both(self.contracted, other.contracted);
    }
}

/// The SQL that sums a price column (`list`, `contracted`, maybe qualified: `r.list`)
/// over rows read from `table` or its rollups: known only where every row summed has
/// it (SUM would pass the known part off as the whole). Only the usage table keeps
/// prices; resources and tags do not.
pub(super) fn price_sum(table: &Table, column: &str) -> String {
    if table.name == USAGE.name {
        format!("CASE WHEN COUNT({column}) = COUNT(*) THEN SUM({column}) END")
    } else {
        "NULL".to_string()
    }
}

pub(super) fn column(by: Dimension) -> &'static str {
    match by {
        Dimension::Account => "account",
        Dimension::Service => "service",
        Dimension::Region => "region",
        Dimension::UsageType => "usage_type",
        Dimension::Operation => "operation",
        Dimension::Charge => "charge",
        Dimension::Pricing => "pricing",
        Dimension::Resource => "resource",
        Dimension::TagKey => "tag_key",
        Dimension::TagValue => "tag_value",
        // No detail table holds days (`Table::has` never lists it).
        Dimension::Day => "day",
    }
}
