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
        // A resource's lines mostly come in time order: its newest day is tried first.
        let at = match self.days.iter().rposition(|&d| d == day) {
            Some(at) => at,
            None => {
                self.days.push(day);
                self.sums.push([ExactSum::ZERO; 2]);
                self.days.len() - 1
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
    /// The days in the order they were first seen.
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
