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

/// What the last sync measured: the Cost Explorer pages its months took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PagesPerMonth {
    /// Pages over all the months fetched.
    pub pages: u32,
    pub months: u32,
    /// The most one month took.
    pub max: u32,
}

impl PagesPerMonth {
    /// From the pages of each month fetched; None when none was.
    pub fn of(pages: &[u32]) -> Option<PagesPerMonth> {
        Some(PagesPerMonth {
            max: *pages.iter().max()?,
            pages: pages.iter().sum(),
            months: u32::try_from(pages.len()).unwrap_or(u32::MAX),
        })
    }

    /// Pages for `months` months at the mean seen, rounded up.
    pub fn for_months(self, months: u32) -> u32 {
        let total = u64::from(months) * u64::from(self.pages);
        u32::try_from(total.div_ceil(u64::from(self.months.max(1)))).unwrap_or(u32::MAX)
    }

    /// "15,14,2" as the cache keeps it.
    pub fn to_text(self) -> String {
        format!("{},{},{}", self.pages, self.months, self.max)
    }

    pub fn parse(text: &str) -> Option<PagesPerMonth> {
        let mut parts = text.split(',').map(|p| p.parse::<u32>().ok());
        Some(PagesPerMonth {
            pages: parts.next()??,
            months: parts.next()??,
            max: parts.next()??,
        })
    }
}

/// Pages a month may take per account before a sync has measured it: organizations
/// have shown about 0.4 (20 accounts: ~9 pages a month; 500: ~180). The high end of a
/// first sync's range, so the guess errs on the dear side.
const GUESSED_PAGES_PER_ACCOUNT: f64 = 0.5;

/// Request chains a month takes: its daily costs, and the part of them billed once a
/// month (fees, support, tax) apart. The fee chain is usually one page: those charges
/// sit on few days.
pub const CHAINS_PER_MONTH: u32 = 2;

/// How many Cost Explorer requests a sync will make: from the last sync's pages per
/// month when there was one, otherwise a range from one page a chain to what the
/// organization's size suggests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestEstimate {
    pub low: u32,
    pub high: u32,
    /// Measured by the last sync (otherwise a guess from the number of accounts).
    pub measured: bool,
    pub accounts: usize,
}

pub fn estimate_requests(
    months: usize,
    last: Option<PagesPerMonth>,
    accounts: usize,
) -> RequestEstimate {
    let months = u32::try_from(months).unwrap_or(u32::MAX);
    let least = months.saturating_mul(CHAINS_PER_MONTH);
    let (low, high, measured) = match last {
        Some(p) => (
            p.for_months(months).max(least),
            months.saturating_mul(p.max.max(CHAINS_PER_MONTH)),
            true,
        ),
        None => {
            let guess = (accounts as f64 * GUESSED_PAGES_PER_ACCOUNT).ceil() as u32;
            let high = months.saturating_mul(guess.max(1) + CHAINS_PER_MONTH - 1);
            (least, high, false)
        }
    };
    RequestEstimate {
        low,
        high,
        measured,
        accounts,
    }
}

impl RequestEstimate {
    /// The requests per month at the low end, for the months still to fetch.
    pub fn per_month_low(&self, months: usize) -> u32 {
        match months {
            0 => 0,
            n => self.low.div_ceil(n as u32),
        }
    }

    /// "about 28 Cost Explorer requests ($0.28), as the last sync", "28 to 154 Cost
    /// Explorer requests ($0.28 to $1.54): a guess for 20 accounts until a sync measures
    /// it".
    pub fn describe(&self, price: impl Fn(u32) -> super::Money) -> String {
        let requests = |n: u32| super::words::plural(n, "Cost Explorer request");
        match (self.measured, self.low == self.high) {
            (true, true) => format!(
                "about {} ({}), as the last sync needed",
                requests(self.low),
                price(self.low)
            ),
            (true, false) => format!(
                "about {} to {} ({} to {}), from the last sync's pages per month",
                self.low,
                requests(self.high),
                price(self.low),
                price(self.high)
            ),
            (false, _) => format!(
                "{} to {} ({} to {}): a guess for {} until a sync measures it",
                self.low,
                requests(self.high),
                price(self.low),
                price(self.high),
                super::words::plural(self.accounts, "account")
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sync_estimate_is_measured_when_there_was_a_sync_and_a_range_before() {
        let price = |n: u32| super::super::Money::from_nanos(i64::from(n) * 10_000_000);
        // Each month: its costs (10 pages at most for 20 accounts) and its fees (one).
        let guess = estimate_requests(14, None, 20);
        assert_eq!((guess.low, guess.high, guess.measured), (28, 154, false));
        assert_eq!(
            guess.describe(price),
            "28 to 154 Cost Explorer requests ($0.28 to $1.54): a guess for 20 accounts until a sync measures it"
        );
        let big = estimate_requests(14, None, 500);
        assert_eq!(big.high, 14 * 251);
        let last = PagesPerMonth::of(&[9, 10, 9, 12]).unwrap();
        assert_eq!(last.to_text(), "40,4,12");
        assert_eq!(PagesPerMonth::parse(&last.to_text()), Some(last));
        let measured = estimate_requests(14, Some(last), 20);
        assert_eq!((measured.low, measured.high), (140, 168));
        assert!(measured
            .describe(price)
            .contains("about 140 to 168 Cost Explorer requests ($1.40 to $1.68)"));
        assert_eq!(measured.per_month_low(14), 10);
        // 14 months, one of them three pages and the others two: the next 14 cost 29,
        // the next one 3.
        let moto = PagesPerMonth::of(&[2; 13].iter().chain(&[3]).copied().collect::<Vec<_>>());
        assert_eq!(estimate_requests(14, moto, 3).low, 29);
        assert_eq!(estimate_requests(1, moto, 3).low, 3);
        assert!(PagesPerMonth::of(&[]).is_none());
    }

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
