//! Charges billed once a month (Savings Plans and RI fees, support, tax) land on one
//! day, usually the 1st, yet pay for the whole month. Two periods that are not whole
//! months would hold a month's fees in one and not the other, and a comparison of them
//! would invent a change; so comparisons count each fee for the share of its month's
//! days that a period covers. Totals stay what was billed.

use super::{DateRange, Money, Month};
use chrono::NaiveDate;

/// Cost Explorer's RECORD_TYPE values of the charges billed once a month. Spreading a
/// charge that is in fact billed every day changes nothing, so the list errs wide.
pub const ONCE_A_MONTH_RECORD_TYPES: &[&str] = &[
    "Fee",
    "RIFee",
    "SavingsPlanRecurringFee",
    "SavingsPlanUpfrontFee",
    "Support",
    "Tax",
];

/// Once-a-month charges billed on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fee {
    pub day: NaiveDate,
    pub amount: Money,
}

/// What a comparison adds to the billed totals of its two periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Spread {
    pub current: Money,
    pub previous: Money,
}

impl Spread {
    pub fn is_zero(self) -> bool {
        self == Spread::default()
    }

    /// Billed current and previous totals as the comparison sees them.
    pub fn apply(
        self,
        current: Option<Money>,
        previous: Option<Money>,
    ) -> (Option<Money>, Option<Money>) {
        (
            current.map(|c| c + self.current),
            previous.map(|p| p + self.previous),
        )
    }
}

impl std::ops::Add for Spread {
    type Output = Spread;
    fn add(self, other: Spread) -> Spread {
        Spread {
            current: self.current + other.current,
            previous: self.previous + other.previous,
        }
    }
}

impl std::iter::Sum for Spread {
    fn sum<I: Iterator<Item = Spread>>(iter: I) -> Spread {
        iter.fold(Spread::default(), |a, b| a + b)
    }
}

/// What `range`'s billed total gains when `fees` are spread: each fee of a month the
/// range touches counts for the range's share of that month's days instead of all on
/// the day it was billed. Zero over whole months; fees of other months count nothing.
pub fn spread_adjustment(range: DateRange, fees: impl IntoIterator<Item = Fee>) -> Money {
    fees.into_iter()
        .map(|fee| {
            let month = Month::of(fee.day);
            let covered = days_of(range, month);
            let share = fee.amount.scale(covered, month.days());
            let billed = if range.contains(fee.day) {
                fee.amount
            } else {
                Money::ZERO
            };
            share - billed
        })
        .sum()
}

/// Every day of the months `range` touches: the fees a spread of it may need.
pub fn fee_span(range: DateRange) -> DateRange {
    DateRange::new(
        Month::of(range.start).first_day(),
        Month::of(range.end).last_day(),
    )
}

/// The months `range` covers only in part: a comparison needs their fees to be known.
pub fn partly_covered(range: DateRange) -> Vec<Month> {
    range
        .months()
        .filter(|m| days_of(range, *m) < m.days())
        .collect()
}

fn days_of(range: DateRange, month: Month) -> i64 {
    DateRange::new(
        range.start.max(month.first_day()),
        range.end.min(month.last_day()),
    )
    .days()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{change_ratio, RangePreset};
    use chrono::Datelike;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// A flat $100 a day of usage, and fees of $10 a day of their month billed on each
    /// 1st: nothing changes from one day to the next.
    fn billed(range: DateRange) -> Money {
        range
            .iter_days()
            .map(|d| {
                let fee = if d.day() == 1 {
                    Money::from_dollars(10 * Month::of(d).days())
                } else {
                    Money::ZERO
                };
                Money::from_dollars(100) + fee
            })
            .sum()
    }

    fn fees(range: DateRange) -> Vec<Fee> {
        fee_span(range)
            .months()
            .map(|m| Fee {
                day: m.first_day(),
                amount: Money::from_dollars(10 * m.days()),
            })
            .collect()
    }

    fn compared(range: DateRange) -> Money {
        billed(range) + spread_adjustment(range, fees(range))
    }

    #[test]
    fn the_same_data_under_two_presets_shows_no_change_that_is_not_there() {
        let today = day(2026, 12, 1);
        let (current, previous) = (
            RangePreset::Last30Days.resolve(today),
            RangePreset::Last30Days.previous(today),
        );
        // Nov 1-30 holds November's fees, Oct 2-31 none of October's: billed, that is
        // growth that is not there.
        let invented = change_ratio(billed(current), billed(previous)).unwrap();
        assert!(invented > 0.09, "{invented}");
        assert_eq!(compared(current), compared(previous));
        assert_eq!(compared(current), Money::from_dollars(110 * 30));
        // Over whole months nothing moves: Last month is what was billed.
        let last_month = RangePreset::LastMonth.resolve(today);
        assert_eq!(spread_adjustment(last_month, fees(last_month)), Money::ZERO);
        // Month to date against the same days of last month, on the 10th.
        let tenth = day(2026, 12, 10);
        let (mtd, before) = (
            RangePreset::MonthToDate.resolve(tenth),
            RangePreset::MonthToDate.previous(tenth),
        );
        assert_eq!(compared(mtd), compared(before));
    }

    #[test]
    fn a_fee_counts_for_the_share_of_its_month_a_range_covers() {
        let fee = Fee {
            day: day(2026, 10, 1),
            amount: Money::from_dollars(310),
        };
        // Oct 2-31: none of it billed, thirty days of it spread.
        let late = DateRange::new(day(2026, 10, 2), day(2026, 10, 31));
        assert_eq!(spread_adjustment(late, [fee]), Money::from_dollars(300));
        // Oct 1-10: all of it billed, ten days kept.
        let early = DateRange::new(day(2026, 10, 1), day(2026, 10, 10));
        assert_eq!(spread_adjustment(early, [fee]), Money::from_dollars(-210));
        assert_eq!(
            partly_covered(DateRange::new(day(2026, 9, 30), day(2026, 11, 30))),
            vec![Month::new(2026, 9).unwrap()]
        );
        assert!(Spread::default().is_zero());
    }
}
