//! The dimensions past the service that only line-item sources (Data Exports, FOCUS
//! files) have: region, usage type, operation, kind of charge, pricing category,
//! resource and tags. Line items are summed by month per combination as a file is read;
//! the cache keeps these monthly sums beside its daily (account, service) rows.

use super::exact::ExactSum;
use super::{DateRange, Money, Month};
use chrono::NaiveDate;
// FxHash: the keys are small and ours; SipHash's flood resistance is not needed here,
// and hashing is most of the time a line takes.
use rustc_hash::FxHashMap as HashMap;

/// What a line item says besides its account, service and day ("" where it is silent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LineDetail<'a> {
    pub region: &'a str,
    pub usage_type: &'a str,
    pub operation: &'a str,
    /// FOCUS's PricingCategory (Standard, Committed, Dynamic, Other), or the same
    /// derived from a CUR line.
    pub pricing: &'a str,
    pub resource: &'a str,
    /// The line's tags: a JSON object's text, "" when it has none.
    pub tags: &'a str,
}

/// Each name once, numbered in the order first seen.
#[derive(Debug, Default)]
pub struct Names {
    names: Vec<String>,
    index: HashMap<String, u32>,
}

impl Names {
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), i);
        i
    }

    pub fn get(&self, i: u32) -> &str {
        &self.names[i as usize]
    }

    /// `intern`, trying the number `last` gave first: consecutive lines mostly repeat
    /// their account, service, usage type and resource, and comparing is cheaper than
    /// hashing. `last` is updated.
    pub fn intern_after(&mut self, last: &mut u32, name: &str) -> u32 {
        if self.names.get(*last as usize).is_some_and(|n| n == name) {
            return *last;
        }
        *last = self.intern(name);
        *last
    }

    /// Where each of `other`'s numbers lands among these names.
    pub fn merge(&mut self, other: &Names) -> Vec<u32> {
        other.names.iter().map(|n| self.intern(n)).collect()
    }
}

/// (account, service, month, region, usage type, operation, charge, pricing).
type UsageKey = (u32, u32, Month, u32, u32, u32, u32, u32);
/// (account, service, month, usage type, resource).
type ResourceKey = (u32, u32, Month, u32, u32);
/// (account, service, month, tag key, tag value).
type TagKey = (u32, u32, Month, u32, u32);

/// Billed and effective, summed exactly.
type Sums = [ExactSum; 2];

/// Line items summed by month and every dimension past the service.
#[derive(Debug, Default)]
pub struct DetailTotals {
    /// The last line's names, tried first.
    last: [u32; 5],
    usage: HashMap<UsageKey, Sums>,
    /// Each resource's sums and its region.
    resources: HashMap<ResourceKey, (Sums, u32)>,
    tags: HashMap<TagKey, Sums>,
    /// Lines whose Tags were not a JSON object: their cost counts as untagged.
    pub unreadable_tags: u64,
}

/// One line's share, as `DetailTotals::add` takes it.
pub struct DetailLine<'a> {
    pub account: u32,
    pub service: u32,
    pub month: Month,
    pub charge: u32,
    pub detail: &'a LineDetail<'a>,
    pub billed: ExactSum,
    pub effective: ExactSum,
}

fn add(sums: &mut Sums, billed: ExactSum, effective: ExactSum) {
    sums[0] += billed;
    sums[1] += effective;
}

impl DetailTotals {
    pub fn add(&mut self, names: &mut Names, line: DetailLine) {
        let d = line.detail;
        let (a, s, m) = (line.account, line.service, line.month);
        let [region, usage, operation, pricing, resource] = &mut self.last;
        let usage_type = names.intern_after(usage, d.usage_type);
        let key = (
            a,
            s,
            m,
            names.intern_after(region, d.region),
            usage_type,
            names.intern_after(operation, d.operation),
            line.charge,
            names.intern_after(pricing, d.pricing),
        );
        add(
            self.usage.entry(key).or_default(),
            line.billed,
            line.effective,
        );
        if !d.resource.is_empty() {
            let region = key.3;
            let resource = names.intern_after(resource, d.resource);
            let entry = self
                .resources
                .entry((a, s, m, usage_type, resource))
                .or_insert(([ExactSum::ZERO; 2], region));
            add(&mut entry.0, line.billed, line.effective);
        }
        if d.tags.is_empty() {
            return;
        }
        let Some(tags) = parse_tags(d.tags) else {
            self.unreadable_tags += 1;
            return;
        };
        for (tag, value) in tags {
            let key = (a, s, m, names.intern(&tag), names.intern(&value));
            add(
                self.tags.entry(key).or_default(),
                line.billed,
                line.effective,
            );
        }
    }

    /// Adds another file's sums; `remap` says where its names land in these.
    pub fn absorb(&mut self, other: DetailTotals, remap: &[u32]) {
        let r = |i: u32| remap[i as usize];
        for ((a, s, m, region, usage, op, charge, pricing), [b, e]) in other.usage {
            let key = (
                r(a),
                r(s),
                m,
                r(region),
                r(usage),
                r(op),
                r(charge),
                r(pricing),
            );
            add(self.usage.entry(key).or_default(), b, e);
        }
        for ((a, s, m, usage, resource), ([b, e], region)) in other.resources {
            let entry = self
                .resources
                .entry((r(a), r(s), m, r(usage), r(resource)))
                .or_insert(([ExactSum::ZERO; 2], r(region)));
            add(&mut entry.0, b, e);
        }
        for ((a, s, m, tag, value), [b, e]) in other.tags {
            add(
                self.tags
                    .entry((r(a), r(s), m, r(tag), r(value)))
                    .or_default(),
                b,
                e,
            );
        }
        self.unreadable_tags += other.unreadable_tags;
    }

    /// Every combination of the dimensions with its month's sums.
    pub fn usage<'a>(&'a self, names: &'a Names) -> impl Iterator<Item = UsageTotal<'a>> + 'a {
        self.usage.iter().map(
            move |(&(a, s, month, region, usage, op, charge, pricing), [b, e])| UsageTotal {
                account: names.get(a),
                service: names.get(s),
                month,
                region: names.get(region),
                usage_type: names.get(usage),
                operation: names.get(op),
                charge: names.get(charge),
                pricing: names.get(pricing),
                billed: b.to_money(),
                effective: e.to_money(),
            },
        )
    }

    /// Every resource's month by usage type.
    pub fn resources<'a>(
        &'a self,
        names: &'a Names,
    ) -> impl Iterator<Item = ResourceTotal<'a>> + 'a {
        self.resources
            .iter()
            .map(
                move |(&(a, s, month, usage, resource), ([b, e], region))| ResourceTotal {
                    account: names.get(a),
                    service: names.get(s),
                    month,
                    usage_type: names.get(usage),
                    resource: names.get(resource),
                    region: names.get(*region),
                    billed: b.to_money(),
                    effective: e.to_money(),
                },
            )
    }

    /// Every tag value's month per account and service (untagged cost is not here:
    /// it is the rest of the scope's total).
    pub fn tags<'a>(&'a self, names: &'a Names) -> impl Iterator<Item = TagTotal<'a>> + 'a {
        self.tags
            .iter()
            .map(move |(&(a, s, month, key, value), [b, e])| TagTotal {
                account: names.get(a),
                service: names.get(s),
                month,
                key: names.get(key),
                value: names.get(value),
                billed: b.to_money(),
                effective: e.to_money(),
            })
    }
}

/// A JSON object of tags (`{"team":"payments","env":"prod"}`) as (key, value) pairs;
/// a value that is not text is kept as its JSON. None when it is not an object.
pub fn parse_tags(text: &str) -> Option<Vec<(String, String)>> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let object = value.as_object()?;
    Some(
        object
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| {
                let v = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), v)
            })
            .collect(),
    )
}

/// One month of one combination of the dimensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageTotal<'a> {
    pub account: &'a str,
    pub service: &'a str,
    pub month: Month,
    pub region: &'a str,
    pub usage_type: &'a str,
    pub operation: &'a str,
    pub charge: &'a str,
    pub pricing: &'a str,
    pub billed: Money,
    pub effective: Money,
}

/// One month of one resource's cost under one usage type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceTotal<'a> {
    pub account: &'a str,
    pub service: &'a str,
    pub month: Month,
    pub usage_type: &'a str,
    pub resource: &'a str,
    pub region: &'a str,
    pub billed: Money,
    pub effective: Money,
}

/// One month of the cost carrying one tag value, in one account and service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagTotal<'a> {
    pub account: &'a str,
    pub service: &'a str,
    pub month: Month,
    pub key: &'a str,
    pub value: &'a str,
    pub billed: Money,
    pub effective: Money,
}

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

    fn line<'a>(
        names: &mut Names,
        detail: &'a LineDetail<'a>,
        account: &str,
        billed: &str,
    ) -> DetailLine<'a> {
        DetailLine {
            account: names.intern(account),
            service: names.intern("Amazon EC2"),
            month: month(),
            charge: names.intern("Usage"),
            detail,
            billed: ExactSum::parse(billed).unwrap(),
            effective: ExactSum::parse(billed).unwrap(),
        }
    }

    #[test]
    fn lines_sum_by_usage_type_resource_and_tag_exactly() {
        let mut names = Names::default();
        let mut totals = DetailTotals::default();
        let box_usage = LineDetail {
            region: "us-east-1",
            usage_type: "BoxUsage:m5.large",
            operation: "RunInstances",
            pricing: "Standard",
            resource: "i-1",
            tags: r#"{"team":"payments","cost":7}"#,
        };
        let transfer = LineDetail {
            usage_type: "DataTransfer-Out-Bytes",
            tags: "not json",
            ..box_usage
        };
        for (detail, amount) in [
            (&box_usage, "0.0960000001"),
            (&box_usage, "0.0960000001"),
            (&transfer, "0.01"),
        ] {
            let l = line(&mut names, detail, "111", amount);
            totals.add(&mut names, l);
        }
        let usage: Vec<_> = totals.usage(&names).collect();
        assert_eq!(usage.len(), 2);
        let boxes = usage
            .iter()
            .find(|u| u.usage_type == "BoxUsage:m5.large")
            .unwrap();
        assert_eq!(boxes.billed, Money::from_nanos(192_000_000));
        let resources: Vec<_> = totals.resources(&names).collect();
        assert_eq!(resources.len(), 2, "one resource under two usage types");
        assert!(resources.iter().all(|r| r.region == "us-east-1"));
        let mut tags: Vec<_> = totals
            .tags(&names)
            .map(|t| (t.key.to_string(), t.value.to_string(), t.billed))
            .collect();
        tags.sort();
        assert_eq!(
            tags,
            vec![
                ("cost".into(), "7".into(), Money::from_nanos(192_000_000)),
                (
                    "team".into(),
                    "payments".into(),
                    Money::from_nanos(192_000_000)
                ),
            ]
        );
        assert_eq!(totals.unreadable_tags, 1);
    }

    #[test]
    fn totals_of_two_files_absorb_into_one() {
        let detail = LineDetail {
            region: "eu-west-1",
            usage_type: "TimedStorage-ByteHrs",
            ..LineDetail::default()
        };
        let mut a_names = Names::default();
        let mut a = DetailTotals::default();
        let l = line(&mut a_names, &detail, "111", "1.25");
        a.add(&mut a_names, l);
        let mut b_names = Names::default();
        b_names.intern("padding so the numbers differ");
        let mut b = DetailTotals::default();
        let l = line(&mut b_names, &detail, "111", "2.5");
        b.add(&mut b_names, l);
        let remap = a_names.merge(&b_names);
        a.absorb(b, &remap);
        let usage: Vec<_> = a.usage(&a_names).collect();
        assert_eq!(usage.len(), 1);
        assert_eq!(usage[0].billed, Money::from_nanos(3_750_000_000));
        assert_eq!(usage[0].region, "eu-west-1");
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
