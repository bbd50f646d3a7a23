//! Reading one value of a config file, with the file, line and key named when it is
//! out of range.

use super::ConfigError;
use std::path::Path;

/// The file a value comes from and its text, so an error can point at the line.
#[derive(Clone, Copy)]
pub(super) struct Located<'a> {
    pub file: &'a Path,
    pub text: &'a str,
}

impl Located<'_> {
    /// Requests per second: 0 (no ceiling) or from one request a minute to `fastest` a
    /// second. A tiny positive rate (1e-30) would mean waiting longer than time can hold.
    pub(super) fn rate(
        self,
        value: Option<toml::Spanned<f64>>,
        default: f64,
        fastest: f64,
    ) -> Result<f64, ConfigError> {
        const SLOWEST: f64 = 1.0 / 60.0;
        match value {
            Some(v) if *v.get_ref() != 0.0 && !(SLOWEST..=fastest).contains(v.get_ref()) => {
                let message = format!(
                    "{} is out of range: use 0 for no ceiling, or {SLOWEST:.4} (one a minute) to {fastest}",
                    v.get_ref()
                );
                Err(ConfigError::at(
                    self.file,
                    self.text,
                    v.span().start,
                    message,
                ))
            }
            other => self.within(other, 0.0..=fastest, default),
        }
    }

    /// A number that must lie in `range`, or the default when absent.
    pub(super) fn within<T>(
        self,
        value: Option<toml::Spanned<T>>,
        range: std::ops::RangeInclusive<T>,
        default: T,
    ) -> Result<T, ConfigError>
    where
        T: PartialOrd + Copy + std::fmt::Display,
    {
        match value {
            None => Ok(default),
            Some(v) if range.contains(v.get_ref()) => Ok(*v.get_ref()),
            Some(v) => Err(ConfigError::at(
                self.file,
                self.text,
                v.span().start,
                format!(
                    "{} is out of range: use {} to {}",
                    v.get_ref(),
                    range.start(),
                    range.end()
                ),
            )),
        }
    }
}
