//! Calendar periods: months, inclusive date ranges, the range presets users pick, and the
//! period each is compared with.

use chrono::{Datelike, Duration, NaiveDate};
use std::fmt;

/// A calendar month. Ordered; `index` is a dense number usable as a storage key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: u32,
}

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Month> {
        (1..=12).contains(&month).then_some(Month { year, month })
    }

    pub fn of(day: NaiveDate) -> Month {
        Month {
            year: day.year(),
            month: day.month(),
        }
    }

    pub fn from_index(index: i32) -> Month {
        Month {
            year: index.div_euclid(12),
            month: index.rem_euclid(12) as u32 + 1,
        }
    }

    pub fn index(self) -> i32 {
        self.year * 12 + self.month as i32 - 1
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn offset(self, months: i32) -> Month {
        Month::from_index(self.index() + months)
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        self.offset(1).first_day() - Duration::days(1)
    }

    pub fn days(self) -> i64 {
        (self.last_day() - self.first_day()).num_days() + 1
    }

    pub fn range(self) -> DateRange {
        DateRange::new(self.first_day(), self.last_day())
    }

    /// "Nov 2026".
    pub fn label(self) -> String {
        self.first_day().format("%b %Y").to_string()
    }

    /// Parses "2026-11".
    pub fn parse(text: &str) -> Option<Month> {
        let (y, m) = text.trim().split_once('-')?;
        Month::new(y.parse().ok()?, m.parse().ok()?)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Inclusive range of days. `start > end` means empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateRange {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// A range cut where monthly rollups can answer: whole months in the middle, loose days
/// at either end. Each loose piece lies inside one calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RangeSplit {
    /// Whole months, inclusive; `None` when the range holds no whole month.
    pub months: Option<(Month, Month)>,
    pub head: Option<DateRange>,
    pub tail: Option<DateRange>,
}

impl DateRange {
    pub fn new(start: NaiveDate, end: NaiveDate) -> DateRange {
        DateRange { start, end }
    }

    pub fn is_empty(&self) -> bool {
        self.start > self.end
    }

    pub fn days(&self) -> i64 {
        if self.is_empty() {
            0
        } else {
            (self.end - self.start).num_days() + 1
        }
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.start <= day && day <= self.end
    }

    pub fn iter_days(&self) -> impl Iterator<Item = NaiveDate> {
        let start = self.start;
        (0..self.days()).map(move |i| start + Duration::days(i))
    }

    pub fn months(&self) -> impl Iterator<Item = Month> {
        let (first, last) = (Month::of(self.start).index(), Month::of(self.end).index());
        let count = if self.is_empty() { 0 } else { last - first + 1 };
        (0..count).map(move |i| Month::from_index(first + i))
    }

    pub fn split_by_months(&self) -> RangeSplit {
        if self.is_empty() {
            return RangeSplit {
                months: None,
                head: None,
                tail: None,
            };
        }
        let first_whole = if self.start.day() == 1 {
            Month::of(self.start)
        } else {
            Month::of(self.start).offset(1)
        };
        let last_whole = if self.end == Month::of(self.end).last_day() {
            Month::of(self.end)
        } else {
            Month::of(self.end).offset(-1)
        };
        if first_whole > last_whole {
            // No whole month: at most two partial months, each its own piece.
            let start_month = Month::of(self.start);
            if start_month == Month::of(self.end) {
                return RangeSplit {
                    months: None,
                    head: Some(*self),
                    tail: None,
                };
            }
            return RangeSplit {
                months: None,
                head: Some(DateRange::new(self.start, start_month.last_day())),
                tail: Some(DateRange::new(Month::of(self.end).first_day(), self.end)),
            };
        }
        let head = DateRange::new(self.start, first_whole.first_day() - Duration::days(1));
        let tail = DateRange::new(last_whole.last_day() + Duration::days(1), self.end);
        RangeSplit {
            months: Some((first_whole, last_whole)),
            head: (!head.is_empty()).then_some(head),
            tail: (!tail.is_empty()).then_some(tail),
        }
    }

    /// "Nov 1 – Nov 22, 2026".
    pub fn label(&self) -> String {
        if self.is_empty() {
            return "no days".to_string();
        }
        if self.start.year() == self.end.year() {
            format!(
                "{} – {}",
                self.start.format("%b %-d"),
                self.end.format("%b %-d, %Y")
            )
        } else {
            format!(
                "{} – {}",
                self.start.format("%b %-d, %Y"),
                self.end.format("%b %-d, %Y")
            )
        }
    }
}

/// The time ranges a user picks. `today` is the last day that can have data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RangePreset {
    MonthToDate,
    LastMonth,
    Last30Days,
    Last90Days,
    Last13Months,
    Month(Month),
}

impl RangePreset {
    pub fn resolve(self, today: NaiveDate) -> DateRange {
        let this_month = Month::of(today);
        match self {
            RangePreset::MonthToDate => DateRange::new(this_month.first_day(), today),
            RangePreset::LastMonth => this_month.offset(-1).range(),
            RangePreset::Last30Days => last_days(today, 30),
            RangePreset::Last90Days => last_days(today, 90),
            RangePreset::Last13Months => DateRange::new(
                this_month.offset(-13).first_day(),
                this_month.offset(-1).last_day(),
            ),
            RangePreset::Month(m) if m == this_month => DateRange::new(m.first_day(), today),
            RangePreset::Month(m) => m.range(),
        }
    }

    /// The period this one is compared with: the same elapsed days of the previous month
    /// for a month in progress, the previous whole month(s) for whole months, and the
    /// preceding days for rolling windows.
    pub fn previous(self, today: NaiveDate) -> DateRange {
        let range = self.resolve(today);
        match self {
            RangePreset::MonthToDate => same_days_previous_month(range),
            RangePreset::Month(m) if m == Month::of(today) => same_days_previous_month(range),
            RangePreset::LastMonth | RangePreset::Month(_) => {
                Month::of(range.start).offset(-1).range()
            }
            RangePreset::Last13Months => DateRange::new(
                Month::of(range.start).offset(-13).first_day(),
                range.start - Duration::days(1),
            ),
            RangePreset::Last30Days | RangePreset::Last90Days => DateRange::new(
                range.start - Duration::days(range.days()),
                range.start - Duration::days(1),
            ),
        }
    }

    pub fn label(self) -> String {
        match self {
            RangePreset::MonthToDate => "Month to date".to_string(),
            RangePreset::LastMonth => "Last month".to_string(),
            RangePreset::Last30Days => "Last 30 days".to_string(),
            RangePreset::Last90Days => "Last 90 days".to_string(),
            RangePreset::Last13Months => "Last 13 months".to_string(),
            RangePreset::Month(m) => m.label(),
        }
    }

    /// The month `[`/`]` step from: the month the range ends in.
    pub fn anchor_month(self, today: NaiveDate) -> Month {
        Month::of(self.resolve(today).end)
    }

    /// Parses the names the `:range` command accepts.
    pub fn parse(text: &str) -> Option<RangePreset> {
        match text.trim().to_ascii_lowercase().as_str() {
            "mtd" | "month-to-date" => Some(RangePreset::MonthToDate),
            "last-month" | "lm" => Some(RangePreset::LastMonth),
            "30d" | "last-30-days" => Some(RangePreset::Last30Days),
            "90d" | "last-90-days" => Some(RangePreset::Last90Days),
            "13m" | "last-13-months" => Some(RangePreset::Last13Months),
            other => Month::parse(other).map(RangePreset::Month),
        }
    }
}

/// The `n` whole days before today: today is still being billed, so it is left out.
fn last_days(today: NaiveDate, n: i64) -> DateRange {
    DateRange::new(today - Duration::days(n), today - Duration::days(1))
}

fn same_days_previous_month(range: DateRange) -> DateRange {
    let previous = Month::of(range.start).offset(-1);
    let elapsed = range.days().min(previous.days());
    DateRange::new(
        previous.first_day(),
        previous.first_day() + Duration::days(elapsed - 1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn month_arithmetic_crosses_years() {
        let jan = Month::new(2026, 1).unwrap();
        assert_eq!(jan.offset(-1), Month::new(2025, 12).unwrap());
        assert_eq!(jan.offset(13), Month::new(2027, 2).unwrap());
        assert_eq!(Month::new(2024, 2).unwrap().days(), 29);
        assert_eq!(Month::from_index(jan.index()), jan);
        assert_eq!(Month::parse("2026-11"), Month::new(2026, 11));
        assert_eq!(jan.to_string(), "2026-01");
    }

    #[test]
    fn presets_resolve_against_today() {
        let today = d(2026, 11, 20);
        assert_eq!(
            RangePreset::MonthToDate.resolve(today),
            DateRange::new(d(2026, 11, 1), today)
        );
        assert_eq!(
            RangePreset::LastMonth.resolve(today),
            DateRange::new(d(2026, 10, 1), d(2026, 10, 31))
        );
        assert_eq!(RangePreset::Last30Days.resolve(today).days(), 30);
        assert_eq!(RangePreset::Last30Days.resolve(today).end, d(2026, 11, 19));
        assert_eq!(
            RangePreset::Last13Months.resolve(today),
            DateRange::new(d(2025, 10, 1), d(2026, 10, 31))
        );
    }

    #[test]
    fn month_to_date_compares_with_same_elapsed_days() {
        let prev = RangePreset::MonthToDate.previous(d(2026, 3, 30));
        // February has 28 days: the comparison is clamped to the whole of February.
        assert_eq!(prev, DateRange::new(d(2026, 2, 1), d(2026, 2, 28)));
        let prev = RangePreset::MonthToDate.previous(d(2026, 11, 20));
        assert_eq!(prev, DateRange::new(d(2026, 10, 1), d(2026, 10, 20)));
    }

    #[test]
    fn rolling_windows_compare_with_preceding_days() {
        let today = d(2026, 11, 20);
        let cur = RangePreset::Last30Days.resolve(today);
        let prev = RangePreset::Last30Days.previous(today);
        assert_eq!(prev.days(), 30);
        assert_eq!(prev.end + Duration::days(1), cur.start);
    }

    #[test]
    fn split_by_months_separates_whole_months_from_loose_days() {
        let r = DateRange::new(d(2026, 8, 15), d(2026, 11, 3));
        let s = r.split_by_months();
        assert_eq!(
            s.months,
            Some((Month::new(2026, 9).unwrap(), Month::new(2026, 10).unwrap()))
        );
        assert_eq!(s.head, Some(DateRange::new(d(2026, 8, 15), d(2026, 8, 31))));
        assert_eq!(s.tail, Some(DateRange::new(d(2026, 11, 1), d(2026, 11, 3))));

        let inside = DateRange::new(d(2026, 8, 2), d(2026, 8, 30)).split_by_months();
        assert_eq!(inside.months, None);
        assert_eq!(inside.head.map(|h| h.days()), Some(29));

        let whole = Month::new(2026, 2).unwrap().range().split_by_months();
        assert_eq!(whole.head, None);
        assert_eq!(whole.tail, None);
    }

    #[test]
    fn every_day_lands_in_exactly_one_part_of_a_split() {
        let start = d(2025, 1, 1);
        for len in [1, 5, 27, 31, 45, 100, 400] {
            for shift in [0, 3, 30, 58] {
                let r = DateRange::new(
                    start + Duration::days(shift),
                    start + Duration::days(shift + len - 1),
                );
                let s = r.split_by_months();
                let mut covered = 0;
                if let Some((a, b)) = s.months {
                    covered += DateRange::new(a.first_day(), b.last_day()).days();
                }
                covered += s.head.map_or(0, |h| h.days()) + s.tail.map_or(0, |t| t.days());
                assert_eq!(covered, r.days(), "{r:?}");
                for piece in [s.head, s.tail].into_iter().flatten() {
                    assert_eq!(Month::of(piece.start), Month::of(piece.end), "{r:?}");
                }
            }
        }
    }
}
