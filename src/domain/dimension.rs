//! What a cost list past the service is: the `Dimension` its rows are, the
//! `DetailFilter` it is narrowed to, what Enter lists next and what `b` steps to, and
//! the months a range is read as (the detail is kept by month). Pure.

use super::{DateRange, Month};
use chrono::NaiveDate;

/// A dimension a cost list can be broken down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    Account,
    Service,
    Region,
    UsageType,
    Operation,
    Charge,
    Pricing,
    Resource,
    TagKey,
    TagValue,
    /// The days of an account, a service, both or the organization: the daily rows
    /// every source has.
    Day,
}

impl Dimension {
    /// The order `b` steps through (a tag's values are reached from its key).
    pub const CYCLE: &'static [Dimension] = &[
        Dimension::Service,
        Dimension::Account,
        Dimension::Region,
        Dimension::Day,
        Dimension::UsageType,
        Dimension::Operation,
        Dimension::Charge,
        Dimension::Pricing,
        Dimension::Resource,
        Dimension::TagKey,
    ];

    /// "usage type": what a title says it lists.
    pub fn label(self) -> &'static str {
        match self {
            Dimension::Account => "account",
            Dimension::Service => "service",
            Dimension::Region => "region",
            Dimension::UsageType => "usage type",
            Dimension::Operation => "operation",
            Dimension::Charge => "charge type",
            Dimension::Pricing => "pricing category",
            Dimension::Resource => "resource",
            Dimension::TagKey => "tag key",
            Dimension::TagValue => "tag value",
            Dimension::Day => "day",
        }
    }

    /// The kind its names are kept under in the cache (accounts and services have
    /// their own tables).
    pub fn name_kind(self) -> Option<&'static str> {
        match self {
            Dimension::Account | Dimension::Service | Dimension::Day => None,
            Dimension::Region => Some("region"),
            Dimension::UsageType => Some("usage_type"),
            Dimension::Operation => Some("operation"),
            Dimension::Charge => Some("charge"),
            Dimension::Pricing => Some("pricing"),
            Dimension::Resource => Some("resource"),
            Dimension::TagKey => Some("tag_key"),
            Dimension::TagValue => Some("tag_value"),
        }
    }

    /// "usage types": what a list of them is called.
    pub fn plural(self) -> &'static str {
        match self {
            Dimension::Account => "accounts",
            Dimension::Service => "services",
            Dimension::Region => "regions",
            Dimension::UsageType => "usage types",
            Dimension::Operation => "operations",
            Dimension::Charge => "charge types",
            Dimension::Pricing => "pricing categories",
            Dimension::Resource => "resources",
            Dimension::TagKey => "tag keys",
            Dimension::TagValue => "tag values",
            Dimension::Day => "days",
        }
    }

    /// "(no region)": how a line that does not say is listed.
    pub fn none_label(self) -> String {
        format!("(no {})", self.label())
    }
}

/// What a breakdown is narrowed to: keys of accounts, services and cached names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DetailFilter {
    pub account: Option<i64>,
    pub service: Option<i64>,
    pub region: Option<i64>,
    pub usage_type: Option<i64>,
    pub charge: Option<i64>,
    pub tag_key: Option<i64>,
    pub tag_value: Option<i64>,
}

impl DetailFilter {
    /// The whole organization.
    pub const NONE: DetailFilter = DetailFilter {
        account: None,
        service: None,
        region: None,
        usage_type: None,
        charge: None,
        tag_key: None,
        tag_value: None,
    };

    /// The filter narrowed to `key` of `by` (a resource, an operation or a pricing
    /// category is not narrowed to: nothing lies under them).
    pub fn with(self, by: Dimension, key: i64) -> DetailFilter {
        let mut f = self;
        match by {
            Dimension::Account => f.account = Some(key),
            Dimension::Service => f.service = Some(key),
            Dimension::Region => f.region = Some(key),
            Dimension::UsageType => f.usage_type = Some(key),
            Dimension::Charge => f.charge = Some(key),
            Dimension::TagKey => f.tag_key = Some(key),
            Dimension::TagValue => f.tag_value = Some(key),
            Dimension::Operation | Dimension::Pricing | Dimension::Resource | Dimension::Day => {}
        }
        f
    }

    /// Whether `by` is already fixed by this filter (listing it would give one row).
    pub fn fixes(&self, by: Dimension) -> bool {
        match by {
            Dimension::Account => self.account.is_some(),
            Dimension::Service => self.service.is_some(),
            Dimension::Region => self.region.is_some(),
            Dimension::UsageType => self.usage_type.is_some(),
            Dimension::Charge => self.charge.is_some(),
            Dimension::TagKey => self.tag_key.is_some(),
            Dimension::TagValue => self.tag_value.is_some(),
            Dimension::Operation | Dimension::Pricing | Dimension::Resource | Dimension::Day => {
                false
            }
        }
    }

    /// A tag narrows only by account and service (tags are kept per account and
    /// service), so with a tag the other dimensions are not offered.
    pub fn allows(&self, by: Dimension) -> bool {
        let tagged = self.tag_key.is_some();
        let narrowed = self.region.is_some() || self.usage_type.is_some() || self.charge.is_some();
        match by {
            Dimension::Account | Dimension::Service => true,
            Dimension::TagKey => !narrowed && !tagged,
            Dimension::TagValue => tagged && self.tag_value.is_none(),
            // Resources are kept by usage type, not by kind of charge.
            Dimension::Resource => !tagged && self.charge.is_none(),
            // Days are kept by account and service only.
            Dimension::Day => !tagged && !narrowed,
            _ => !tagged,
        }
    }

    /// What Enter on a row of `by` lists next, if anything lies under it.
    pub fn next_after(&self, by: Dimension) -> Option<Dimension> {
        let narrowed = self.with(by, 0);
        let candidates: &[Dimension] = match by {
            Dimension::Account | Dimension::Region | Dimension::Charge => &[
                Dimension::Service,
                Dimension::UsageType,
                Dimension::Resource,
            ],
            Dimension::Service => &[
                Dimension::Account,
                Dimension::UsageType,
                Dimension::Resource,
            ],
            Dimension::UsageType => &[Dimension::Resource],
            Dimension::TagKey => &[Dimension::TagValue],
            Dimension::TagValue => &[Dimension::Service, Dimension::Account],
            Dimension::Operation | Dimension::Pricing | Dimension::Resource | Dimension::Day => &[],
        };
        candidates
            .iter()
            .copied()
            .find(|d| !narrowed.fixes(*d) && narrowed.allows(*d))
    }

    /// The next (or previous) dimension in `Dimension::CYCLE` this filter can list.
    pub fn step(&self, from: Dimension, forward: bool) -> Dimension {
        let cycle = Dimension::CYCLE;
        let n = cycle.len();
        let at = cycle.iter().position(|d| *d == from).unwrap_or(0);
        (1..=n)
            .map(|i| {
                if forward {
                    cycle[(at + i) % n]
                } else {
                    cycle[(at + n - i) % n]
                }
            })
            .find(|d| !self.fixes(*d) && self.allows(*d))
            .unwrap_or(from)
    }
}

/// The months a range touches, first and last: what a breakdown (kept by month) sums.
pub fn month_span(range: DateRange) -> (Month, Month) {
    (Month::of(range.start), Month::of(range.end))
}

/// Whether whole months say exactly what `range` holds: it starts on a 1st and ends
/// on a month's last day, or on or after the last day with data.
pub fn is_whole_months(range: DateRange, data_as_of: Option<NaiveDate>) -> bool {
    let starts = range.start == Month::of(range.start).first_day();
    let ends = range.end == Month::of(range.end).last_day()
        || data_as_of
            .is_some_and(|as_of| range.end >= as_of && Month::of(as_of) == Month::of(range.end));
    starts && ends
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month() -> Month {
        Month::new(2026, 10).unwrap()
    }

    #[test]
    fn a_range_is_whole_months_when_it_starts_on_a_first_and_ends_with_a_month_or_the_data() {
        let d = |m: u32, day: u32| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let as_of = Some(d(12, 1));
        let october = DateRange::new(d(10, 1), d(10, 31));
        assert!(is_whole_months(october, as_of));
        assert_eq!(month_span(october), (month(), month()));
        assert!(
            is_whole_months(DateRange::new(d(12, 1), d(12, 31)), as_of),
            "to date"
        );
        assert!(
            !is_whole_months(DateRange::new(d(11, 2), d(12, 1)), as_of),
            "30 days"
        );
        assert!(
            !is_whole_months(DateRange::new(d(11, 1), d(11, 2)), as_of),
            "2 days of November"
        );
        assert_eq!(
            month_span(DateRange::new(d(10, 15), d(11, 2))),
            (month(), Month::new(2026, 11).unwrap())
        );
    }

    #[test]
    fn enter_goes_one_dimension_deeper_and_b_offers_only_what_the_filter_allows() {
        let top = DetailFilter::default();
        assert_eq!(top.next_after(Dimension::Region), Some(Dimension::Service));
        let service = top.with(Dimension::Service, 4);
        assert_eq!(
            service.next_after(Dimension::Account),
            Some(Dimension::UsageType)
        );
        let usage = service.with(Dimension::Account, 1);
        assert_eq!(
            usage.next_after(Dimension::UsageType),
            Some(Dimension::Resource)
        );
        assert_eq!(usage.next_after(Dimension::Resource), None);
        assert_eq!(top.next_after(Dimension::TagKey), Some(Dimension::TagValue));
        let tagged = top.with(Dimension::TagKey, 9);
        assert_eq!(
            tagged.next_after(Dimension::TagValue),
            Some(Dimension::Service)
        );
        // With a tag, only account and service (and its values) are offered.
        assert_eq!(tagged.step(Dimension::Service, true), Dimension::Account);
        assert_eq!(tagged.step(Dimension::Account, true), Dimension::Service);
        // Without: every dimension the filter has not fixed, in order.
        assert_eq!(service.step(Dimension::Account, true), Dimension::Region);
        assert_eq!(service.step(Dimension::Region, false), Dimension::Account);
        assert_eq!(service.step(Dimension::Region, true), Dimension::Day);
        assert_eq!(usage.step(Dimension::UsageType, false), Dimension::Day);
        let regional = usage.with(Dimension::Region, 3);
        assert_eq!(
            regional.step(Dimension::UsageType, false),
            Dimension::Resource,
            "no days of a region"
        );
        assert_eq!(service.step(Dimension::TagKey, true), Dimension::Account);
    }
}
