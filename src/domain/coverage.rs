//! Whether the cache can answer for a range of days. A total is known only when every
//! month the range touches is cached and the data reaches into the range: on the 1st of
//! a month, with data as of the 31st, the month so far is not $0, it is "no data yet".

use super::{DateRange, Month};
use chrono::NaiveDate;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    Known,
    /// Every month is cached but no day of the range has data yet.
    NoDataYet {
        month: Month,
        as_of: Option<NaiveDate>,
    },
    /// A month of the range was never fetched.
    NotCached {
        month: Month,
    },
}

/// What the cache knows of `range`, from the months it holds and the last day with data.
pub fn coverage(range: DateRange, cached: &[Month], as_of: Option<NaiveDate>) -> Coverage {
    if range.is_empty() {
        return Coverage::NoDataYet {
            month: Month::of(range.start),
            as_of,
        };
    }
    if let Some(month) = range.months().find(|m| !cached.contains(m)) {
        return Coverage::NotCached { month };
    }
    match as_of {
        Some(day) if day >= range.start => Coverage::Known,
        _ => Coverage::NoDataYet {
            month: Month::of(range.start),
            as_of,
        },
    }
}

impl Coverage {
    pub fn is_known(self) -> bool {
        self == Coverage::Known
    }

    /// Why the total is unknown, as one sentence: "no data yet for December (data as of
    /// Nov 30)". None when it is known.
    pub fn reason(self) -> Option<String> {
        match self {
            Coverage::Known => None,
            Coverage::NoDataYet { month, as_of } => Some(match as_of {
                Some(day) => format!(
                    "no data yet for {} (data as of {})",
                    month.first_day().format("%B"),
                    day.format("%b %-d")
                ),
                None => format!(
                    "no data yet for {} (the cache holds no cost data)",
                    month.first_day().format("%B")
                ),
            }),
            Coverage::NotCached { month } => Some(format!(
                "{} is not in the cache (sync to fetch it)",
                month.first_day().format("%B %Y")
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    #[test]
    fn the_first_of_a_month_has_no_data_yet_and_says_as_of_when() {
        let months = [Month::new(2026, 11).unwrap(), Month::new(2026, 12).unwrap()];
        let first = DateRange::new(day(12, 1), day(12, 1));
        let c = coverage(first, &months, Some(day(11, 30)));
        assert!(!c.is_known());
        assert_eq!(
            c.reason().as_deref(),
            Some("no data yet for December (data as of Nov 30)")
        );
        // A window that reaches back into days with data is known.
        let thirty = DateRange::new(day(11, 2), day(12, 1));
        assert!(coverage(thirty, &months, Some(day(11, 30))).is_known());
        // A month never fetched is named.
        let october = DateRange::new(day(10, 1), day(10, 31));
        assert_eq!(
            coverage(october, &months, Some(day(11, 30)))
                .reason()
                .as_deref(),
            Some("October 2026 is not in the cache (sync to fetch it)")
        );
        assert!(!coverage(first, &months, None).is_known());
    }
}
