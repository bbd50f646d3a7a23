//! Exact money: signed integer nano-dollars. Cost Explorer returns decimal strings; we
//! parse them without floating point so that totals reconcile to the cent.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub};
use std::str::FromStr;

/// Nano-dollars per dollar.
pub const NANOS_PER_DOLLAR: i64 = 1_000_000_000;
const NANOS_PER_CENT: i64 = NANOS_PER_DOLLAR / 100;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a decimal amount: {0:?}")]
pub struct ParseMoneyError(pub String);

/// A sum past what costscope can hold exactly (about $9.2 billion).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the amounts are too large to add exactly (more than $9.2 billion)")]
pub struct MoneyOverflow;

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_nanos(nanos: i64) -> Self {
        Money(nanos)
    }

    pub const fn from_dollars(dollars: i64) -> Self {
        Money(dollars * NANOS_PER_DOLLAR)
    }

    pub const fn nanos(self) -> i64 {
        self.0
    }

    /// Exact addition, or an error: what every total that leaves the program uses.
    pub fn checked_add(self, rhs: Money) -> Result<Money, MoneyOverflow> {
        self.0.checked_add(rhs.0).map(Money).ok_or(MoneyOverflow)
    }

    /// The exact sum, or an error if it does not fit.
    pub fn try_sum(amounts: impl IntoIterator<Item = Money>) -> Result<Money, MoneyOverflow> {
        amounts
            .into_iter()
            .try_fold(Money::ZERO, |total, m| total.checked_add(m))
    }

    /// Rounded to whole cents, half away from zero (the way bills are printed).
    pub fn cents(self) -> i64 {
        let half = NANOS_PER_CENT / 2;
        if self.0 >= 0 {
            (self.0 + half) / NANOS_PER_CENT
        } else {
            (self.0 - half) / NANOS_PER_CENT
        }
    }

    /// Approximate value for drawing charts and share bars only; never sum these.
    pub fn as_f64_for_display(self) -> f64 {
        self.0 as f64 / NANOS_PER_DOLLAR as f64
    }

    /// Scale by a ratio of integers, rounding to the nearest nano-dollar.
    pub fn scale(self, numerator: i64, denominator: i64) -> Money {
        if denominator == 0 {
            return Money::ZERO;
        }
        let product = self.0 as i128 * numerator as i128;
        let d = denominator as i128;
        let rounded = if (product >= 0) == (d > 0) {
            (product + d / 2) / d
        } else {
            (product - d / 2) / d
        };
        Money(rounded.clamp(i64::MIN as i128, i64::MAX as i128) as i64)
    }

    /// `$1,234.57`: exact to the cent.
    pub fn format_exact(self) -> String {
        let cents = self.cents();
        let sign = if cents < 0 { "-" } else { "" };
        let abs = cents.unsigned_abs();
        format!("{sign}${}.{:02}", group_thousands(abs / 100), abs % 100)
    }

    /// `1234.57`, `-0.01`: dollars to the cent without symbol or grouping, for CSV and JSON.
    pub fn format_plain(self) -> String {
        let cents = self.cents();
        let sign = if cents < 0 { "-" } else { "" };
        let abs = cents.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }

    /// `$0.0104`: every significant digit, for unit prices that are below a cent.
    pub fn format_plain_precise(self) -> String {
        let exact = self.to_decimal();
        match exact.strip_prefix('-') {
            Some(abs) => format!("-${abs}"),
            None => format!("${exact}"),
        }
    }

    /// `70.08`, `0.0104`, `-3.5`: the exact amount as a decimal string, at least two
    /// decimals (how the cache stores money inside JSON).
    pub fn to_decimal(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let whole = abs / NANOS_PER_DOLLAR as u64;
        let fraction = format!("{:09}", abs % NANOS_PER_DOLLAR as u64);
        let fraction = fraction.trim_end_matches('0');
        let fraction = if fraction.len() < 2 {
            format!("{fraction:0<2}")
        } else {
            fraction.to_string()
        };
        format!("{sign}{whole}.{fraction}")
    }

    /// `$1.23M`, `$45.6K`, `$12.34`: for narrow columns and headlines.
    /// The size of the amount, whatever its sign.
    pub fn abs(self) -> Money {
        Money(self.0.saturating_abs())
    }

    /// "+$1.2K", "-$950.00", "$0.00": a change, signed, compact.
    pub fn format_change(self) -> String {
        if self > Money::ZERO {
            format!("+{}", self.format_compact())
        } else {
            self.format_compact()
        }
    }

    pub fn format_compact(self) -> String {
        let dollars = self.as_f64_for_display();
        let abs = dollars.abs();
        let sign = if dollars < 0.0 { "-" } else { "" };
        if abs >= 1e9 {
            format!("{sign}${:.2}B", abs / 1e9)
        } else if abs >= 1e6 {
            format!("{sign}${:.2}M", abs / 1e6)
        } else if abs >= 1e4 {
            format!("{sign}${:.1}K", abs / 1e3)
        } else if abs >= 1e3 {
            format!("{sign}${:.2}K", abs / 1e3)
        } else {
            self.format_exact()
        }
    }
}

fn group_thousands(mut n: u64) -> String {
    let mut groups = Vec::new();
    loop {
        if n < 1000 {
            groups.push(n.to_string());
            break;
        }
        groups.push(format!("{:03}", n % 1000));
        n /= 1000;
    }
    groups.reverse();
    groups.join(",")
}

impl FromStr for Money {
    type Err = ParseMoneyError;

    /// Parses `"12.3456789012"`, `"-0.5"`, `"7"`, `"1E-10"`-free decimal strings. Digits
    /// past the ninth decimal are rounded half away from zero.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = || ParseMoneyError(text.to_string());
        let trimmed = text.trim();
        let (negative, digits) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty() && fraction.is_empty() {
            return Err(err());
        }
        if !whole.bytes().all(|b| b.is_ascii_digit())
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(err());
        }
        let whole_value: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| err())?
        };
        let mut nanos: i64 = 0;
        for (i, b) in fraction.bytes().take(9).enumerate() {
            nanos += i64::from(b - b'0') * 10i64.pow(8 - i as u32);
        }
        if fraction.len() > 9 && fraction.as_bytes()[9] >= b'5' {
            nanos += 1;
        }
        let total = whole_value
            .checked_mul(NANOS_PER_DOLLAR)
            .and_then(|w| w.checked_add(nanos))
            .ok_or_else(err)?;
        Ok(Money(if negative { -total } else { total }))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format_exact())
    }
}

// The operators saturate rather than wrap: they serve what the TUI draws. Totals that
// leave the program (reports, JSON, CSV, plans) use `checked_add` / `try_sum`.
impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        *self = *self + rhs;
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0.saturating_sub(rhs.0))
    }
}

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(self.0.saturating_neg())
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

impl serde::Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_decimal())
    }
}

impl<'de> serde::Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addition_past_the_largest_amount_is_an_error_never_a_wrap() {
        let big = Money::from_nanos(i64::MAX - 5);
        let ten = Money::from_nanos(10);
        assert_eq!(big.checked_add(ten), Err(MoneyOverflow));
        assert_eq!(Money::try_sum([big, ten]), Err(MoneyOverflow));
        assert_eq!(
            Money::try_sum([big, Money::from_nanos(5)]),
            Ok(Money::from_nanos(i64::MAX))
        );
        // The display operators saturate: never a negative total from two positives.
        assert!(big + ten > Money::ZERO);
        assert!(-Money::from_nanos(i64::MIN) > Money::ZERO);
    }

    #[test]
    fn parses_cost_explorer_amounts_exactly() {
        assert_eq!(
            "12.3456789".parse::<Money>().unwrap().nanos(),
            12_345_678_900
        );
        assert_eq!("0.0000000052".parse::<Money>().unwrap().nanos(), 5);
        assert_eq!("0.0000000049".parse::<Money>().unwrap().nanos(), 5);
        assert_eq!("-3.5".parse::<Money>().unwrap().nanos(), -3_500_000_000);
        assert_eq!("7".parse::<Money>().unwrap(), Money::from_dollars(7));
        assert_eq!(".25".parse::<Money>().unwrap().nanos(), 250_000_000);
    }

    #[test]
    fn rejects_non_decimal_text() {
        for bad in ["", "-", "1.2.3", "abc", "1e5", "1,000"] {
            assert!(bad.parse::<Money>().is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn sums_of_many_small_amounts_stay_exact() {
        let one_cent_third: Money = "0.003333333".parse().unwrap();
        let total: Money = std::iter::repeat_n(one_cent_third, 3_000).sum();
        assert_eq!(total.nanos(), 9_999_999_000);
        assert_eq!(total.cents(), 1_000);
    }

    #[test]
    fn formats_to_the_cent_with_grouping() {
        assert_eq!(
            Money::from_nanos(1_234_567_890_123).format_exact(),
            "$1,234.57"
        );
        assert_eq!(Money::from_nanos(-5_000_000).format_exact(), "-$0.01");
        assert_eq!(Money::ZERO.format_exact(), "$0.00");
        assert_eq!(
            Money::from_nanos(1_234_567_890_123).format_plain(),
            "1234.57"
        );
        assert_eq!(Money::from_nanos(-5_000_000).format_plain(), "-0.01");
        assert_eq!(Money::from_dollars(1_500_000).format_compact(), "$1.50M");
        assert_eq!(Money::from_dollars(45_600).format_compact(), "$45.6K");
        assert_eq!(Money::from_dollars(9_611).format_compact(), "$9.61K");
        assert_eq!(Money::from_nanos(12_345_000_000).format_compact(), "$12.35");
    }

    #[test]
    fn scale_rounds_to_nearest_nano() {
        assert_eq!(Money::from_nanos(10).scale(1, 3).nanos(), 3);
        assert_eq!(Money::from_nanos(-10).scale(2, 3).nanos(), -7);
        assert_eq!(Money::from_dollars(30).scale(7, 30), Money::from_dollars(7));
    }
}
