//! Parquet values as the text the line readers take, for both readers: they must give
//! the same text for the same value.

use chrono::DateTime;

/// Microseconds since the epoch as RFC 3339 in UTC ("" if out of chrono's range).
pub(super) fn utc_text(micros: i64) -> String {
    DateTime::from_timestamp_micros(micros)
        .map(|t| t.to_rfc3339())
        .unwrap_or_default()
}

/// Days since the epoch as a date ("" if out of range).
pub(super) fn date_text(days: i32) -> String {
    chrono::NaiveDate::from_num_days_from_ce_opt(719_163 + days)
        .map(|d| d.to_string())
        .unwrap_or_default()
}

/// A DECIMAL's unscaled value from its big-endian two's complement bytes (the low 16).
pub(super) fn decimal_bytes(bytes: &[u8]) -> i128 {
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    let mut value: i128 = if negative { -1 } else { 0 };
    for b in bytes.iter().rev().take(16).rev() {
        value = (value << 8) | i128::from(*b);
    }
    value
}

/// An unscaled DECIMAL value at its scale, as text: 123 at scale 2 is "1.23".
pub(super) fn decimal_text(value: i128, scale: i32) -> String {
    let digits = value.unsigned_abs().to_string();
    let scale = scale.max(0) as usize;
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (whole, fraction) = padded.split_at(padded.len() - scale);
    let sign = if value < 0 { "-" } else { "" };
    match fraction {
        "" => format!("{sign}{whole}"),
        f => format!("{sign}{whole}.{f}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_times_and_dates_read_as_text() {
        let d = |v: i64, scale: i32| decimal_text(decimal_bytes(&v.to_be_bytes()), scale);
        assert_eq!(d(123_456_789_012, 10), "12.3456789012");
        assert_eq!(d(-5, 3), "-0.005");
        assert_eq!(d(42, 0), "42");
        assert_eq!(decimal_text(-1_500, 3), "-1.500");
        assert_eq!(utc_text(1_682_899_200_000_000), "2023-05-01T00:00:00+00:00");
        assert_eq!(date_text(19_478), "2023-05-01");
    }
}
