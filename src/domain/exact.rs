//! Sums of line items, exact past the nano-dollar. Cost exports write amounts with 10
//! or more decimals, one per hour and resource: rounding each to the nano-dollar the
//! cache keeps could drift a month's total by cents over tens of millions of rows. An
//! `ExactSum` keeps 18 decimals and rounds once, when a total is stored.

use super::Money;
use std::ops::{AddAssign, Sub};

/// Units of 10^-18 dollar per nano-dollar.
const ATTO_PER_NANO: i128 = 1_000_000_000;
const SCALE: i32 = 18;

/// A decimal amount or sum at 10^-18 dollar.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct ExactSum(i128);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an amount: {0:?}")]
pub struct ParseAmountError(pub String);

impl ExactSum {
    pub const ZERO: ExactSum = ExactSum(0);

    /// Parses "12.345678901234", "-0.5", "+7", "1.5E-7", "2e3". Digits past the 18th
    /// decimal are rounded half away from zero.
    pub fn parse(text: &str) -> Result<ExactSum, ParseAmountError> {
        let err = || ParseAmountError(text.to_string());
        let trimmed = text.trim();
        let (negative, rest) = match trimmed.as_bytes().first() {
            Some(b'-') => (true, &trimmed[1..]),
            Some(b'+') => (false, &trimmed[1..]),
            _ => (false, trimmed),
        };
        let (mantissa, exponent) = match rest.find(['e', 'E']) {
            Some(at) => {
                let exponent: i32 = rest[at + 1..].parse().map_err(|_| err())?;
                (&rest[..at], exponent)
            }
            None => (rest, 0),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && fraction.is_empty()) || !digits_ok(whole) || !digits_ok(fraction) {
            return Err(err());
        }
        // value = digits * 10^(exponent - fraction.len()); kept at 10^-18.
        let shift = exponent - fraction.len() as i32 + SCALE;
        let mut value: i128 = 0;
        let mut round_up = false;
        let all = whole.bytes().chain(fraction.bytes());
        let kept = (whole.len() + fraction.len()) as i32 + shift.min(0);
        for (i, b) in all.enumerate() {
            let digit = i128::from(b - b'0');
            if (i as i32) < kept {
                value = value
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(digit))
                    .ok_or_else(err)?;
            } else {
                round_up = i as i32 == kept && digit >= 5;
                break;
            }
        }
        for _ in 0..shift.max(0) {
            value = value.checked_mul(10).ok_or_else(err)?;
        }
        if round_up {
            value += 1;
        }
        Ok(ExactSum(if negative { -value } else { value }))
    }

    /// The sum in the cache's unit, rounded half away from zero.
    pub fn to_money(self) -> Money {
        let half = ATTO_PER_NANO / 2;
        let nanos = if self.0 >= 0 {
            (self.0 + half) / ATTO_PER_NANO
        } else {
            (self.0 - half) / ATTO_PER_NANO
        };
        Money::from_nanos(nanos.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
}

impl Sub for ExactSum {
    type Output = ExactSum;
    fn sub(self, other: ExactSum) -> ExactSum {
        ExactSum(self.0.saturating_sub(other.0))
    }
}

impl AddAssign for ExactSum {
    fn add_assign(&mut self, other: ExactSum) {
        self.0 = self.0.saturating_add(other.0);
    }
}

/// A sum of amounts some parts may not give (a list price a line item does not carry):
/// exact while every part is known, unknown from the first part that is not. Never a
/// sum of the known parts passed off as the whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownSum(Option<ExactSum>);

impl Default for KnownSum {
    /// Nothing added yet: known, zero.
    fn default() -> Self {
        KnownSum(Some(ExactSum::ZERO))
    }
}

impl KnownSum {
    pub fn add(&mut self, part: Option<ExactSum>) {
        self.0 = match (self.0, part) {
            (Some(mut sum), Some(part)) => {
                sum += part;
                Some(sum)
            }
            _ => None,
        };
    }

    pub fn absorb(&mut self, other: KnownSum) {
        self.add(other.0);
    }

    /// The sum in the cache's unit, None when a part was unknown.
    pub fn to_money(self) -> Option<Money> {
        self.0.map(ExactSum::to_money)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_sum_is_unknown_from_its_first_unknown_part() {
        let mut sum = KnownSum::default();
        assert_eq!(sum.to_money(), Some(Money::ZERO));
        sum.add(ExactSum::parse("1.0000000004").ok());
        sum.add(ExactSum::parse("2.0000000004").ok());
        assert_eq!(sum.to_money(), Some(Money::from_nanos(3_000_000_001)));
        let mut other = KnownSum::default();
        other.add(None);
        other.add(ExactSum::parse("5").ok());
        assert_eq!(other.to_money(), None);
        sum.absorb(other);
        assert_eq!(
            sum.to_money(),
            None,
            "one unknown part makes the whole unknown"
        );
    }

    fn nanos(text: &str) -> i64 {
        ExactSum::parse(text).unwrap().to_money().nanos()
    }

    #[test]
    fn amounts_parse_exactly_in_every_form_exports_write() {
        assert_eq!(nanos("12.3456789012"), 12_345_678_901);
        assert_eq!(nanos("-0.5"), -500_000_000);
        assert_eq!(nanos("+7"), 7_000_000_000);
        assert_eq!(nanos("1.5E-7"), 150);
        assert_eq!(nanos("2e3"), 2_000_000_000_000);
        assert_eq!(nanos(".25"), 250_000_000);
        assert_eq!(
            ExactSum::parse("0.0000000000000000005").unwrap(),
            ExactSum(1),
            "rounded at the 18th decimal"
        );
        for bad in ["", "-", "1.2.3", "12a", "1e", "NULL", "1,5"] {
            assert!(ExactSum::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_million_tiny_amounts_sum_to_the_exact_total_where_rounding_each_drifts() {
        // 0.0000000004 a row: each rounds to zero nano-dollars on its own.
        let mut sum = ExactSum::ZERO;
        let mut rounded_each = Money::ZERO;
        for _ in 0..1_000_000 {
            let amount = ExactSum::parse("0.0000000004").unwrap();
            rounded_each += amount.to_money();
            sum += amount;
        }
        assert_eq!(sum.to_money(), Money::from_nanos(400_000));
        assert_eq!(rounded_each, Money::ZERO);
    }
}
