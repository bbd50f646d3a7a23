//! A moment costscope records: when a month was fetched, a unit scanned, a finding seen,
//! an audit entry written. One type, one text form: RFC 3339 in UTC with milliseconds
//! ("2026-12-01T14:10:44.123Z"), fixed width, so stamps sort as text in SQL the way
//! they sort in time. Older caches hold second-precision stamps; they still parse.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp(DateTime<Utc>);

impl Stamp {
    /// The clock, read once per job: every write of that job carries the same stamp.
    pub fn now() -> Stamp {
        Stamp::from(Utc::now())
    }

    /// Any RFC 3339 text (any precision, any offset); None if it is not one.
    pub fn parse(text: &str) -> Option<Stamp> {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| Stamp::from(t.with_timezone(&Utc)))
    }

    pub fn time(self) -> DateTime<Utc> {
        self.0
    }

    /// The UTC day, as the lists show it.
    pub fn date(self) -> NaiveDate {
        self.0.date_naive()
    }

    /// "2026-12-01 14:10:44", for the audit log's lines.
    pub fn seconds(self) -> String {
        self.0.format("%Y-%m-%d %H:%M:%S").to_string()
    }

    /// "2026-12-01 14:10 UTC", for messages.
    pub fn minute(self) -> String {
        self.0.format("%Y-%m-%d %H:%M UTC").to_string()
    }
}

impl From<DateTime<Utc>> for Stamp {
    /// Kept to the millisecond, the precision of the text form, so that a stamp read
    /// back equals the one written.
    fn from(time: DateTime<Utc>) -> Stamp {
        let millis = time.timestamp_millis();
        Stamp(DateTime::from_timestamp_millis(millis).unwrap_or(time))
    }
}

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Millis, true))
    }
}

impl serde::Serialize for Stamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Stamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Stamp, D::Error> {
        let text = String::deserialize(deserializer)?;
        Stamp::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("{text:?} is not an RFC 3339 time")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_text_form_that_sorts_as_time_and_reads_back_equal() {
        let a = Stamp::parse("2026-12-01T14:10:44Z").unwrap();
        let b = Stamp::parse("2026-12-01T14:10:44.5+00:00").unwrap();
        let c = Stamp::parse("2026-12-01T15:10:44.9+01:00").unwrap();
        assert_eq!(a.to_string(), "2026-12-01T14:10:44.000Z");
        assert_eq!(b.to_string(), "2026-12-01T14:10:44.500Z");
        assert_eq!(c.to_string(), "2026-12-01T14:10:44.900Z");
        assert!(a < b && b < c);
        assert!(a.to_string() < b.to_string() && b.to_string() < c.to_string());
        let now = Stamp::now();
        assert_eq!(Stamp::parse(&now.to_string()), Some(now));
        assert_eq!(Stamp::parse("yesterday"), None);
        assert_eq!(a.date().to_string(), "2026-12-01");
        assert_eq!(a.minute(), "2026-12-01 14:10 UTC");
    }
}
