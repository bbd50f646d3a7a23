//! The dimensions past the service that only line-item sources (Data Exports, FOCUS
//! files) have: region, usage type, operation, kind of charge, pricing category,
//! resource and tags. Line items are summed by month per combination as a file is read;
//! the cache keeps these monthly sums beside its daily (account, service) rows, and each
//! resource's days for the last `RESOURCE_DAYS` (a resource's own spike, day by day).

use super::exact::{ExactSum, KnownSum};
use super::{Money, Month};
use chrono::NaiveDate;
// FxHash: the keys are small and ours; SipHash's flood resistance is not needed here,
// and hashing is most of the time a line takes.
use super::resource_days::ResourceDays;
pub use super::resource_days::{resource_days_from, ResourceDay, ResourceDaysTotal, RESOURCE_DAYS};
pub use super::tag_sets::parse_tags;
use super::tag_sets::TagSets;
use rustc_hash::FxHashMap as HashMap;
use std::collections::hash_map::Entry;

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
    /// Each name's number, found by the name's hash: the text is kept once, in `names`,
    /// so an index entry is four bytes (an export has a name for every resource).
    index: hashbrown::HashTable<u32>,
}

fn hash(name: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(name)
}

impl Names {
    pub fn intern(&mut self, name: &str) -> u32 {
        let names = &self.names;
        let text = |i: &u32| names.get(*i as usize).map_or("", String::as_str);
        let entry = self
            .index
            .entry(hash(name), |i| text(i) == name, |i| hash(text(i)));
        match entry {
            hashbrown::hash_table::Entry::Occupied(found) => *found.get(),
            hashbrown::hash_table::Entry::Vacant(vacant) => {
                let i = names.len() as u32;
                vacant.insert(i);
                self.names.push(name.to_string());
                i
            }
        }
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

    /// Each number's place among the names in text order: comparing two places is
    /// comparing their names, without reading the text (sorting 744,000 days by
    /// service, account and day compared names 15 million times).
    pub fn ranks(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.names.len() as u32).collect();
        order.sort_unstable_by(|&x, &y| self.get(x).cmp(self.get(y)));
        let mut ranks = vec![0; order.len()];
        for (rank, i) in order.into_iter().enumerate() {
            ranks[i as usize] = rank as u32;
        }
        ranks
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
/// (account, service, resource).
type ResourceInService = (u32, u32, u32);

/// Billed and effective, summed exactly.
type Sums = [ExactSum; 2];

/// A usage combination's sums: billed and effective, and the list and contracted
/// prices, known while every line gave them.
#[derive(Debug, Default, Clone, Copy)]
struct UsageSums {
    costs: Sums,
    list: KnownSum,
    contracted: KnownSum,
}

/// Line items summed by month and every dimension past the service.
#[derive(Debug, Default)]
pub struct DetailTotals {
    /// The last line's names, tried first.
    last: [u32; 5],
    usage: HashMap<UsageKey, UsageSums>,
    /// Each resource's sums and its region.
    resources: HashMap<ResourceKey, (Sums, u32)>,
    tags: HashMap<TagKey, Sums>,
    /// Lines on or after this day are also summed by resource and day.
    resource_days_from: Option<NaiveDate>,
    resource_days: HashMap<ResourceInService, ResourceDays>,
    /// Lines whose Tags were not a JSON object: their cost counts as untagged.
    pub unreadable_tags: u64,
    tag_sets: TagSets,
}

/// One line's share, as `DetailTotals::add` takes it.
pub struct DetailLine<'a> {
    pub account: u32,
    pub service: u32,
    pub month: Month,
    pub day: NaiveDate,
    pub charge: u32,
    pub detail: &'a LineDetail<'a>,
    pub billed: ExactSum,
    pub effective: ExactSum,
    pub list: Option<ExactSum>,
    pub contracted: Option<ExactSum>,
}

fn add(sums: &mut Sums, billed: ExactSum, effective: ExactSum) {
    sums[0] += billed;
    sums[1] += effective;
}

impl DetailTotals {
    /// Sums that also keep each resource's days from `from` on (none if None).
    pub fn keeping_resource_days_from(from: Option<NaiveDate>) -> DetailTotals {
        DetailTotals {
            resource_days_from: from,
            ..DetailTotals::default()
        }
    }

    /// The first day summed by resource and day, if any is.
    pub fn resource_days_window(&self) -> Option<NaiveDate> {
        self.resource_days_from
    }

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
        let sums = self.usage.entry(key).or_default();
        add(&mut sums.costs, line.billed, line.effective);
        sums.list.add(line.list);
        sums.contracted.add(line.contracted);
        if !d.resource.is_empty() {
            let region = key.3;
            let resource = names.intern_after(resource, d.resource);
            let entry = self
                .resources
                .entry((a, s, m, usage_type, resource))
                .or_insert(([ExactSum::ZERO; 2], region));
            add(&mut entry.0, line.billed, line.effective);
            if self.resource_days_from.is_some_and(|from| line.day >= from) {
                let days = self.resource_days.entry((a, s, resource)).or_default();
                days.add(line.day, line.billed, line.effective);
            }
        }
        if d.tags.is_empty() {
            return;
        }
        let Some(tags) = self.tag_sets.pairs(d.tags, |name| names.intern(name)) else {
            self.unreadable_tags += 1;
            return;
        };
        for &(tag, value) in tags {
            let key = (a, s, m, tag, value);
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
        for ((a, s, m, region, usage, op, charge, pricing), theirs) in other.usage {
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
            let sums = self.usage.entry(key).or_default();
            let [b, e] = theirs.costs;
            add(&mut sums.costs, b, e);
            sums.list.absorb(theirs.list);
            sums.contracted.absorb(theirs.contracted);
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
        for ((a, s, resource), days) in other.resource_days {
            match self.resource_days.entry((r(a), r(s), r(resource))) {
                Entry::Occupied(mut mine) => mine.get_mut().absorb(days),
                Entry::Vacant(none) => {
                    none.insert(days);
                }
            }
        }
        self.unreadable_tags += other.unreadable_tags;
    }

    /// Each resource with its days from `resource_days_window` on, summed over its usage
    /// types. A resource's days come together, so the cache can write them in the order
    /// of its key (2.2M days in hash order were most of a 500-account sync's writing).
    pub fn resource_days<'a>(
        &'a self,
        names: &'a Names,
    ) -> impl Iterator<Item = ResourceDaysTotal<'a>> + 'a {
        self.resource_days
            .iter()
            .map(move |(&(a, s, resource), days)| {
                days.total(names.get(a), names.get(s), names.get(resource))
            })
    }

    /// Every combination of the dimensions with its month's sums.
    pub fn usage<'a>(&'a self, names: &'a Names) -> impl Iterator<Item = UsageTotal<'a>> + 'a {
        self.usage.iter().map(
            move |(&(a, s, month, region, usage, op, charge, pricing), sums)| UsageTotal {
                account: names.get(a),
                service: names.get(s),
                month,
                region: names.get(region),
                usage_type: names.get(usage),
                operation: names.get(op),
                charge: names.get(charge),
                pricing: names.get(pricing),
                billed: sums.costs[0].to_money(),
                effective: sums.costs[1].to_money(),
                list: sums.list.to_money(),
                contracted: sums.contracted.to_money(),
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
    /// None: a line of this combination did not give its list (or contracted) price.
    pub list: Option<Money>,
    pub contracted: Option<Money>,
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
            day: month().first_day(),
            charge: names.intern("Usage"),
            detail,
            billed: ExactSum::parse(billed).unwrap(),
            effective: ExactSum::parse(billed).unwrap(),
            list: ExactSum::parse(billed).ok(),
            contracted: None,
        }
    }

    #[test]
    fn ranks_order_the_numbers_as_their_names() {
        let mut names = Names::default();
        let numbers: Vec<u32> = ["vol-b", "Amazon EC2", "vol-a", "", "vol-b"]
            .iter()
            .map(|n| names.intern(n))
            .collect();
        assert_eq!(numbers, [0, 1, 2, 3, 0]);
        // "" < "Amazon EC2" < "vol-a" < "vol-b"
        assert_eq!(names.ranks(), [3, 1, 2, 0]);
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
        assert_eq!(boxes.list, Some(Money::from_nanos(192_000_000)));
        assert_eq!(boxes.contracted, None, "no line gave it");
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
    fn resource_days_are_kept_from_the_window_on_and_absorbed() {
        let detail = LineDetail {
            usage_type: "BoxUsage:m5.large",
            resource: "i-1",
            ..LineDetail::default()
        };
        let other_usage = LineDetail {
            usage_type: "EBS:VolumeUsage.gp2",
            ..detail
        };
        let from = month().first_day() + chrono::Days::new(10);
        let mut names = Names::default();
        let mut a = DetailTotals::keeping_resource_days_from(Some(from));
        for (detail, day, amount) in [
            (&detail, 9, "5"),
            (&detail, 10, "1.25"),
            (&other_usage, 10, "0.0000000001"),
            (&detail, 11, "2"),
            (&detail, 10, "0.5"),
        ] {
            let mut l = line(&mut names, detail, "111", amount);
            l.day = month().first_day() + chrono::Days::new(day);
            a.add(&mut names, l);
        }
        let mut b_names = Names::default();
        b_names.intern("padding so the numbers differ");
        let mut b = DetailTotals::keeping_resource_days_from(Some(from));
        let mut l = line(&mut b_names, &detail, "111", "0.75");
        l.day = from;
        b.add(&mut b_names, l);
        let remap = names.merge(&b_names);
        a.absorb(b, &remap);
        let mut days: Vec<(NaiveDate, Money)> = a
            .resource_days(&names)
            .flat_map(|r| r.days().map(|d| (d.day, d.billed)))
            .collect();
        days.sort();
        assert_eq!(
            days,
            vec![
                (from, Money::from_nanos(2_500_000_000)),
                (
                    from + chrono::Days::new(1),
                    Money::from_nanos(2_000_000_000)
                ),
            ],
            "the day before the window is left out; two usage types, a day seen again \
             after a later one and two files add up"
        );
        let monthly: Money = a.resources(&names).map(|r| r.billed).sum();
        assert_eq!(monthly, Money::from_nanos(9_500_000_000));
        let none = DetailTotals::default();
        assert_eq!(none.resource_days(&names).count(), 0);
    }
}
