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
