//! Which months a sync fetches, and when a month's bill counts as final. Pure rules, so
//! that what a sync will cost can be shown before it runs.

use super::Month;
use chrono::{Datelike, NaiveDate};

/// Cost Explorer keeps 13 months of daily history before the current month.
pub const HISTORY_MONTHS: i32 = 13;

/// Default day of the new month after which last month's bill is taken as final (if
/// Cost Explorer no longer marks it estimated). AWS finalises bills early in the month.
pub const DEFAULT_FINAL_AFTER_DAY: u32 = 5;

/// The months a sync covers: 13 full months and the current one, oldest first.
pub fn sync_window(today: NaiveDate) -> Vec<Month> {
    let current = Month::of(today);
    (-HISTORY_MONTHS..=0).map(|m| current.offset(m)).collect()
}

/// A month's bill is final when it is older than last month, or it is last month, the
/// new month is past `final_after_day`, and Cost Explorer no longer says "estimated".
pub fn is_final(month: Month, today: NaiveDate, estimated: bool, final_after_day: u32) -> bool {
    let current = Month::of(today);
    if month >= current {
        return false;
    }
    if month < current.offset(-1) {
        return !estimated;
    }
    today.day() > final_after_day && !estimated
}

/// The months to fetch: every month of the window that is not cached as final (all of
/// them when `full`). `cached_final` lists the months the cache holds as final.
pub fn months_to_fetch(today: NaiveDate, cached_final: &[Month], full: bool) -> Vec<Month> {
    sync_window(today)
        .into_iter()
        .filter(|m| full || !cached_final.contains(m))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn m(y: i32, mo: u32) -> Month {
        Month::new(y, mo).unwrap()
    }

    #[test]
    fn window_is_thirteen_months_and_the_current_one() {
        let w = sync_window(d(2026, 11, 20));
        assert_eq!(w.len(), 14);
        assert_eq!(w[0], m(2025, 10));
        assert_eq!(w[13], m(2026, 11));
    }

    #[test]
    fn last_month_is_final_only_after_the_cutoff_and_when_not_estimated() {
        assert!(!is_final(m(2026, 10), d(2026, 11, 3), false, 5));
        assert!(!is_final(m(2026, 10), d(2026, 11, 9), true, 5));
        assert!(is_final(m(2026, 10), d(2026, 11, 9), false, 5));
        assert!(!is_final(m(2026, 11), d(2026, 11, 30), false, 5));
        assert!(is_final(m(2026, 8), d(2026, 11, 1), false, 5));
    }

    #[test]
    fn a_refresh_fetches_only_months_that_can_still_change() {
        let today = d(2026, 11, 20);
        let finals: Vec<Month> = sync_window(today).into_iter().take(13).collect();
        assert_eq!(months_to_fetch(today, &finals, false), vec![m(2026, 11)]);
        assert_eq!(months_to_fetch(today, &finals, true).len(), 14);
        assert_eq!(months_to_fetch(today, &[], false).len(), 14);
    }
}
