//! `config.toml`: every key optional, unknown keys and bad values rejected with the file,
//! line and key named.

use super::apply::{ApplySettings, RawApply};
use super::scan::{RawScan, ScanSettings};
use super::values::Located;
use super::ConfigError;
use crate::domain::sync_plan::DEFAULT_FINAL_AFTER_DAY;
use crate::domain::{Granularity, Metric, Money, RangePreset};
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum RangeName {
    #[serde(rename = "mtd")]
    MonthToDate,
    #[serde(rename = "last-month")]
    LastMonth,
    #[serde(rename = "30d")]
    Last30Days,
    #[serde(rename = "90d")]
    Last90Days,
    #[serde(rename = "13m")]
    Last13Months,
}

impl RangeName {
    pub fn preset(self) -> RangePreset {
        match self {
            RangeName::MonthToDate => RangePreset::MonthToDate,
            RangeName::LastMonth => RangePreset::LastMonth,
            RangeName::Last30Days => RangePreset::Last30Days,
            RangeName::Last90Days => RangePreset::Last90Days,
            RangeName::Last13Months => RangePreset::Last13Months,
        }
    }
}

/// Where `costscope sync` and the TUI's `r` read costs when no `--source` says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SyncSource {
    /// Cost Explorer ($0.01 a page).
    #[default]
    CostExplorer,
    /// The AWS Data Export of `[export]` (S3 requests only).
    Export,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum MetricName {
    Unblended,
    Amortized,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum GranularityName {
    Daily,
    Monthly,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    theme: Option<String>,
    metric: Option<MetricName>,
    range: Option<RangeName>,
    granularity: Option<GranularityName>,
    group_by_ou: Option<bool>,
    source: Option<SyncSource>,
    max_sync_cost: Option<toml::Spanned<String>>,
    bill_final_after_day: Option<toml::Spanned<u32>>,
    ce_requests_per_second: Option<toml::Spanned<f64>>,
    ce_max_attempts: Option<toml::Spanned<u32>>,
    scan: Option<RawScan>,
    apply: Option<RawApply>,
    export: Option<RawExport>,
}

/// The `[export]` table: where an AWS Data Export is delivered.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExport {
    location: Option<toml::Spanned<String>>,
    name: Option<String>,
    region: Option<String>,
}

/// Where `costscope sync --source export` reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExportSettings {
    /// `s3://bucket/prefix/export-name`.
    pub location: Option<crate::domain::export::ExportLocation>,
    /// The export's name, found through the Data Exports API (when no location).
    pub name: Option<String>,
    /// The bucket's region (default: the session's).
    pub region: Option<String>,
}

/// How the Cost Explorer source sends its requests.
#[derive(Debug, Clone, PartialEq)]
pub struct CostExplorerSettings {
    /// Ceiling on requests per second (0: none).
    pub requests_per_second: f64,
    /// Attempts per page when throttled, the first included.
    pub max_attempts: u32,
    /// Wait after the first throttle; doubles after each.
    pub first_backoff: std::time::Duration,
}

/// AWS publishes no Cost Explorer rate; a few per second has not been throttled in
/// practice and keeps a 14-month sync of a large organization under a minute.
pub const DEFAULT_CE_REQUESTS_PER_SECOND: f64 = 5.0;
pub const DEFAULT_CE_MAX_ATTEMPTS: u32 = 6;

impl Default for CostExplorerSettings {
    fn default() -> Self {
        CostExplorerSettings {
            requests_per_second: DEFAULT_CE_REQUESTS_PER_SECOND,
            max_attempts: DEFAULT_CE_MAX_ATTEMPTS,
            first_backoff: std::time::Duration::from_secs(1),
        }
    }
}

/// The settings, with defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub theme: String,
    pub metric: Metric,
    pub range: RangePreset,
    pub granularity: Granularity,
    pub group_by_ou: bool,
    /// Where a sync reads costs by default.
    pub source: SyncSource,
    /// Most a sync may spend on Cost Explorer requests, in dollars.
    pub max_sync_cost: Option<Money>,
    /// Last month's bill is final once the new month is past this day (and Cost
    /// Explorer no longer marks it estimated).
    pub bill_final_after_day: u32,
    /// Ceiling on Cost Explorer requests per second; 0 means none.
    pub ce_requests_per_second: f64,
    /// Attempts per Cost Explorer page when throttled, the first included.
    pub ce_max_attempts: u32,
    pub scan: ScanSettings,
    pub apply: ApplySettings,
    pub export: ExportSettings,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            theme: "default".to_string(),
            metric: Metric::Unblended,
            range: RangePreset::MonthToDate,
            granularity: Granularity::Daily,
            group_by_ou: false,
            source: SyncSource::CostExplorer,
            max_sync_cost: None,
            bill_final_after_day: DEFAULT_FINAL_AFTER_DAY,
            ce_requests_per_second: DEFAULT_CE_REQUESTS_PER_SECOND,
            ce_max_attempts: DEFAULT_CE_MAX_ATTEMPTS,
            scan: ScanSettings::default(),
            apply: ApplySettings::default(),
            export: ExportSettings::default(),
        }
    }
}

impl Config {
    /// The export a sync reads when the config makes it the source (`source = "export"`).
    pub fn export_sync(&self) -> Option<crate::domain::export::ExportChoice> {
        (self.source == SyncSource::Export).then(|| self.export_choice(None))
    }

    /// The export `flag` names, else the one `[export]` names.
    pub fn export_choice(
        &self,
        flag: Option<crate::domain::export::ExportChoice>,
    ) -> crate::domain::export::ExportChoice {
        crate::domain::export::ExportChoice::pick(
            flag,
            self.export.location.as_ref(),
            self.export.name.as_deref(),
        )
    }

    /// The Cost Explorer source's settings from this file.
    pub fn cost_explorer(&self) -> CostExplorerSettings {
        CostExplorerSettings {
            requests_per_second: self.ce_requests_per_second,
            max_attempts: self.ce_max_attempts,
            ..CostExplorerSettings::default()
        }
    }

    /// Parses the text of `file`.
    pub fn parse(file: &Path, text: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig =
            toml::from_str(text).map_err(|e| ConfigError::from_toml(file, text, &e))?;
        let defaults = Config::default();
        let at = Located { file, text };
        Ok(Config {
            theme: raw.theme.unwrap_or(defaults.theme),
            metric: match raw.metric {
                Some(MetricName::Amortized) => Metric::Amortized,
                Some(MetricName::Unblended) => Metric::Unblended,
                None => defaults.metric,
            },
            range: raw.range.map_or(defaults.range, RangeName::preset),
            granularity: match raw.granularity {
                Some(GranularityName::Monthly) => Granularity::Monthly,
                Some(GranularityName::Daily) => Granularity::Daily,
                None => defaults.granularity,
            },
            group_by_ou: raw.group_by_ou.unwrap_or(defaults.group_by_ou),
            source: raw.source.unwrap_or(defaults.source),
            max_sync_cost: match raw.max_sync_cost {
                Some(value) => Some(value.get_ref().parse().map_err(|_| {
                    ConfigError::at(
                        file,
                        text,
                        value.span().start,
                        format!(
                            "{:?} is not an amount in dollars, e.g. \"0.50\"",
                            value.get_ref()
                        ),
                    )
                })?),
                None => None,
            },
            bill_final_after_day: at.within(
                raw.bill_final_after_day,
                1..=28,
                defaults.bill_final_after_day,
            )?,
            ce_requests_per_second: at.rate(
                raw.ce_requests_per_second,
                defaults.ce_requests_per_second,
                100.0,
            )?,
            ce_max_attempts: at.within(raw.ce_max_attempts, 1..=10, defaults.ce_max_attempts)?,
            scan: ScanSettings::parse(at, raw.scan)?,
            apply: ApplySettings::parse(at, raw.apply)?,
            export: match raw.export {
                None => ExportSettings::default(),
                Some(export) => ExportSettings {
                    location: match export.location {
                        None => None,
                        Some(value) => Some(
                            crate::domain::export::ExportLocation::parse(value.get_ref()).map_err(
                                |e| ConfigError::at(file, text, value.span().start, e.to_string()),
                            )?,
                        ),
                    },
                    name: export.name,
                    region: export.region,
                },
            },
        })
    }

    /// Loads `file` if it exists. A missing file gives the defaults; an unreadable one
    /// gives the defaults and a warning; a malformed one is an error.
    pub fn load(file: &Path) -> Result<(Config, Option<String>), ConfigError> {
        match super::paths::read_optional(file) {
            Ok(Some(text)) => Config::parse(file, &text).map(|c| (c, None)),
            Ok(None) => Ok((Config::default(), None)),
            Err(e) => Ok((
                Config::default(),
                Some(format!(
                    "could not read {} ({e}); using defaults",
                    file.display()
                )),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("/home/u/.config/costscope/config.toml"), text)
    }

    #[test]
    fn a_request_rate_too_small_for_time_itself_is_refused_with_file_line_and_key() {
        for bad in ["1e-30", "0.001", "-1.0", "nan", "inf", "101.0"] {
            let err = parse(&format!(
                "theme = \"light\"\nce_requests_per_second = {bad}\n"
            ))
            .unwrap_err();
            assert_eq!(
                (err.line, err.key.as_deref()),
                (2, Some("ce_requests_per_second")),
                "{bad}"
            );
            assert!(err.to_string().contains("out of range"), "{bad}: {err}");
        }
        for good in ["0.0", "0.02", "1.0", "100.0"] {
            assert!(
                parse(&format!("ce_requests_per_second = {good}\n")).is_ok(),
                "{good}"
            );
        }
    }

    #[test]
    fn every_key_is_optional() {
        assert_eq!(parse("").unwrap(), Config::default());
        let c = parse("metric = \"amortized\"\nrange = \"90d\"\n").unwrap();
        assert_eq!(c.metric, Metric::Amortized);
        assert_eq!(c.range, RangePreset::Last90Days);
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let err = parse("theme = \"light\"\n\ncolour = \"red\"\n").unwrap_err();
        assert_eq!(err.line, 3);
        assert_eq!(err.key.as_deref(), Some("colour"));
        let shown = err.to_string();
        assert!(
            shown.starts_with("/home/u/.config/costscope/config.toml:3: key `colour`"),
            "{shown}"
        );
        assert!(shown.contains("unknown field"), "{shown}");
    }

    #[test]
    fn bad_value_names_its_key() {
        let err = parse("# settings\nmetric = \"blended\"\n").unwrap_err();
        assert_eq!((err.line, err.key.as_deref()), (2, Some("metric")));
        let err = parse("group_by_ou = \"yes\"\n").unwrap_err();
        assert_eq!((err.line, err.key.as_deref()), (1, Some("group_by_ou")));
    }

    #[test]
    fn sync_cost_cap_is_dollars_as_text() {
        let c = parse("max_sync_cost = \"0.25\"\n").unwrap();
        assert_eq!(c.max_sync_cost, Some(Money::from_nanos(250_000_000)));
        let err = parse("\nmax_sync_cost = \"a lot\"\n").unwrap_err();
        assert_eq!((err.line, err.key.as_deref()), (2, Some("max_sync_cost")));
    }

    #[test]
    fn sync_tuning_is_range_checked_with_its_line() {
        let c = parse("bill_final_after_day = 8\nce_requests_per_second = 0.5\n").unwrap();
        assert_eq!(c.bill_final_after_day, 8);
        assert_eq!(c.ce_requests_per_second, 0.5);
        let err = parse("\n\nbill_final_after_day = 40\n").unwrap_err();
        assert_eq!(
            (err.line, err.key.as_deref()),
            (3, Some("bill_final_after_day"))
        );
        assert!(err.to_string().contains("use 1 to 28"), "{err}");
        let err = parse("ce_max_attempts = 0\n").unwrap_err();
        assert_eq!((err.line, err.key.as_deref()), (1, Some("ce_max_attempts")));
    }

    #[test]
    fn scan_thresholds_can_be_zero_and_are_range_checked() {
        let c = parse(
            "[scan]\nrole_name = \"Audit\"\nunattached_volume_days = 0\nsnapshot_age_days = 0\n",
        )
        .unwrap();
        assert_eq!(c.scan.role_name, "Audit");
        assert_eq!(c.scan.thresholds.unattached_volume_days, 0);
        assert_eq!(c.scan.thresholds.lookback_days, 14);
        let err = parse("[scan]\n\nconcurrency = 0\n").unwrap_err();
        assert_eq!((err.line, err.key.as_deref()), (3, Some("concurrency")));
        let err = parse("[scan]\nidle_cpu = 1\n").unwrap_err();
        assert_eq!((err.line, err.key.as_deref()), (2, Some("idle_cpu")));
    }

    #[test]
    fn a_protected_account_that_is_not_an_id_is_refused_with_its_line() {
        let c = parse("[apply]\nprotected_accounts = [\"123456789012\"]\n").unwrap();
        assert_eq!(c.apply.protected_accounts, ["123456789012"]);
        for bad in ["catalog-prod", "12345678901", "1234567890123", ""] {
            let err = parse(&format!(
                "[apply]\n\nprotected_accounts = [\"123456789012\", \"{bad}\"]\n"
            ))
            .unwrap_err();
            assert_eq!(
                (err.line, err.key.as_deref()),
                (3, Some("protected_accounts")),
                "{bad}"
            );
            assert!(err.message.contains("not a 12-digit account id"), "{err}");
        }
    }

    #[test]
    fn the_source_setting_makes_sync_read_the_export_and_a_bad_one_names_its_line() {
        let c = parse("source = \"export\"\n[export]\nname = \"org-cur2\"\n").unwrap();
        assert_eq!(
            c.export_sync(),
            Some(crate::domain::export::ExportChoice::Named(
                "org-cur2".into()
            ))
        );
        assert_eq!(parse("").unwrap().export_sync(), None);
        let c = parse("source = \"cost-explorer\"\n[export]\nname = \"x\"\n").unwrap();
        assert_eq!(
            c.export_sync(),
            None,
            "an [export] alone does not switch the source"
        );
        let err = parse("theme = \"default\"\nsource = \"athena\"\n").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("config.toml:2") && text.contains("key `source`"),
            "{text}"
        );
    }

    #[test]
    fn an_export_location_that_is_not_s3_names_its_line() {
        let c = parse("[export]\nlocation = \"s3://billing/cur/org\"\nregion = \"eu-west-1\"\n")
            .unwrap();
        let at = c.export.location.unwrap();
        assert_eq!(
            (at.bucket.as_str(), at.root.as_str()),
            ("billing", "cur/org")
        );
        assert_eq!(c.export.region.as_deref(), Some("eu-west-1"));
        let err = parse("[export]\n\nlocation = \"billing/cur\"\n").unwrap_err();
        assert_eq!((err.line, err.key.as_deref()), (3, Some("location")));
        assert!(err.message.contains("s3://BUCKET/PREFIX/EXPORT-NAME"));
    }

    #[test]
    fn missing_file_gives_defaults() {
        let (c, warning) = Config::load(Path::new("/nonexistent/costscope/config.toml")).unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(warning, None);
    }
}
