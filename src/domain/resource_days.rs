//! Each resource's cost day by day over the last `RESOURCE_DAYS`, summed as line items
//! are read: where a resource's monthly sum would hide the day it started costing.

use super::exact::ExactSum;
use super::Money;
use chrono::NaiveDate;

/// Billed and effective, summed exactly.
type Sums = [ExactSum; 2];

/// How many days back from today each resource's daily cost is kept: a month's worth,
/// where the monthly sums would hide when a resource started costing. Older days keep
/// their monthly sums only (a day per resource for 13 months would be most of the cache).
pub const RESOURCE_DAYS: u64 = 30;

/// The first day whose resource days are kept, on `today`.
pub fn resource_days_from(today: NaiveDate) -> NaiveDate {
    today - chrono::Days::new(RESOURCE_DAYS)
}

/// One resource's days in the window, each with its sums. A map keyed by the day as well
/// rounds up to a power of two of 49-byte buckets: 205 MB for a 500-account month's 2.2M
/// resource days, against 80 MB for these vectors.
#[derive(Debug, Default)]
pub(super) struct ResourceDays {
    /// Apart from the sums: a day beside a 16-byte-aligned pair would be padded to 48.
    days: Vec<NaiveDate>,
    sums: Vec<Sums>,
}

impl ResourceDays {
    pub(super) fn add(&mut self, day: NaiveDate, billed: ExactSum, effective: ExactSum) {
        // A resource's lines mostly come in time order: its newest day is tried first,
        // and a new day is mostly the last. The days stay in order, as the cache writes
        // them.
        let at = match self.days.iter().rposition(|&d| d <= day) {
            Some(at) if self.days[at] == day => at,
            before => {
                let at = before.map_or(0, |at| at + 1);
                self.days.insert(at, day);
                self.sums.insert(at, [ExactSum::ZERO; 2]);
                at
            }
        };
        let sums = &mut self.sums[at];
        sums[0] += billed;
        sums[1] += effective;
    }

    pub(super) fn total<'a>(
        &'a self,
        account: &'a str,
        service: &'a str,
        resource: &'a str,
    ) -> ResourceDaysTotal<'a> {
        ResourceDaysTotal {
            account,
            service,
            resource,
            dates: &self.days,
            sums: &self.sums,
        }
    }

    pub(super) fn absorb(&mut self, other: ResourceDays) {
        for (day, [b, e]) in other.days.into_iter().zip(other.sums) {
            self.add(day, b, e);
        }
    }
}

/// One resource's days of cost (all its usage types).
#[derive(Debug, Clone, Copy)]
pub struct ResourceDaysTotal<'a> {
    pub account: &'a str,
    pub service: &'a str,
    pub resource: &'a str,
    dates: &'a [NaiveDate],
    sums: &'a [Sums],
}

/// One day of one resource's cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceDay {
    pub day: NaiveDate,
    pub billed: Money,
    pub effective: Money,
}

impl<'a> ResourceDaysTotal<'a> {
    /// The days, oldest first.
    pub fn days(&self) -> impl Iterator<Item = ResourceDay> + 'a {
        let sums = self.sums;
        self.dates
            .iter()
            .zip(sums)
            .map(|(&day, [b, e])| ResourceDay {
                day,
                billed: b.to_money(),
                effective: e.to_money(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_added_out_of_order_are_kept_in_order_and_summed_exactly() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let amount = |text: &str| ExactSum::parse(text).unwrap();
        let mut days = ResourceDays::default();
        for (d, billed) in [(12, "1.25"), (10, "0.1"), (14, "2"), (10, "0.000000001")] {
            days.add(day(d), amount(billed), amount(billed));
        }
        let mut later = ResourceDays::default();
        later.add(day(11), amount("4"), amount("3"));
        later.add(day(14), amount("1"), amount("1"));
        days.absorb(later);
        let listed: Vec<(NaiveDate, Money, Money)> = days
            .total("111111111111", "Amazon EC2", "i-0aaa")
            .days()
            .map(|d| (d.day, d.billed, d.effective))
            .collect();
        let money = |nanos| Money::from_nanos(nanos);
        assert_eq!(
            listed,
            [
                (day(10), money(100_000_001), money(100_000_001)),
                (day(11), money(4_000_000_000), money(3_000_000_000)),
                (day(12), money(1_250_000_000), money(1_250_000_000)),
                (day(14), money(3_000_000_000), money(3_000_000_000)),
            ]
        );
    }
}
