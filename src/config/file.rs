//! `config.toml`: every key optional, unknown keys and bad values rejected with the file,
//! line and key named.

use super::ConfigError;
use crate::domain::rules::Thresholds;
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
    max_sync_cost: Option<toml::Spanned<String>>,
    bill_final_after_day: Option<toml::Spanned<u32>>,
    ce_requests_per_second: Option<toml::Spanned<f64>>,
    ce_max_attempts: Option<toml::Spanned<u32>>,
    scan: Option<RawScan>,
    apply: Option<RawApply>,
}

/// The `[apply]` table: who applies remediations and how strongly they are confirmed.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApply {
    read_only: Option<bool>,
    profile: Option<String>,
    typed_confirmation_over: Option<toml::Spanned<u32>>,
    protected_accounts: Option<Vec<String>>,
    stop_on_error: Option<bool>,
    allow_auto_scaling: Option<bool>,
}

/// How remediations are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplySettings {
    /// Nothing can be applied (the --read-only flag sets it too).
    pub read_only: bool,
    /// The AWS profile that applies; reading uses --profile or the standard chain.
    pub profile: Option<String>,
    /// Plans touching more resources than this need the count typed.
    pub typed_confirmation_over: u32,
    /// Account ids whose changes need the account's name typed.
    pub protected_accounts: Vec<String>,
    /// Stop a plan at its first failed step.
    pub stop_on_error: bool,
    /// Offer to stop instances of Auto Scaling groups.
    pub allow_auto_scaling: bool,
}

pub const DEFAULT_TYPED_CONFIRMATION_OVER: u32 = 5;

impl Default for ApplySettings {
    fn default() -> Self {
        ApplySettings {
            read_only: false,
            profile: None,
            typed_confirmation_over: DEFAULT_TYPED_CONFIRMATION_OVER,
            protected_accounts: Vec::new(),
            stop_on_error: false,
            allow_auto_scaling: false,
        }
    }
}

impl ApplySettings {
    fn parse(file: &Path, text: &str, raw: Option<RawApply>) -> Result<ApplySettings, ConfigError> {
        let d = ApplySettings::default();
        let Some(raw) = raw else { return Ok(d) };
        Ok(ApplySettings {
            read_only: raw.read_only.unwrap_or(d.read_only),
            profile: raw.profile.filter(|p| !p.is_empty()),
            typed_confirmation_over: within(
                file,
                text,
                raw.typed_confirmation_over,
                0..=10_000,
                d.typed_confirmation_over,
            )?,
            protected_accounts: raw.protected_accounts.unwrap_or_default(),
            stop_on_error: raw.stop_on_error.unwrap_or(d.stop_on_error),
            allow_auto_scaling: raw.allow_auto_scaling.unwrap_or(d.allow_auto_scaling),
        })
    }
}

/// The `[scan]` table: reach, concurrency and the rules' thresholds.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScan {
    role_name: Option<String>,
    accounts: Option<Vec<String>>,
    regions: Option<Vec<String>>,
    concurrency: Option<toml::Spanned<u32>>,
    resume_within_minutes: Option<toml::Spanned<u32>>,
    requests_per_second: Option<toml::Spanned<f64>>,
    lookback_days: Option<toml::Spanned<u32>>,
    idle_cpu_percent: Option<toml::Spanned<f64>>,
    idle_network_mib_per_day: Option<toml::Spanned<f64>>,
    unattached_volume_days: Option<toml::Spanned<u32>>,
    snapshot_age_days: Option<toml::Spanned<u32>>,
    s3_min_standard_gib: Option<toml::Spanned<u64>>,
    s3_ia_after_days: Option<toml::Spanned<u32>>,
    s3_glacier_ir_after_days: Option<toml::Spanned<u32>>,
    idle_rds_max_connections: Option<toml::Spanned<f64>>,
}

/// Which accounts and regions a scan reaches, how, and what its rules flag.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanSettings {
    /// The role assumed in every other account of the organization.
    pub role_name: String,
    /// Only these account ids (empty: every active account).
    pub accounts: Vec<String>,
    /// Only these regions (empty: every enabled region).
    pub regions: Vec<String>,
    /// Account-regions scanned at the same time.
    pub concurrency: u32,
    /// A scan keeps what an earlier one scanned (fully) this many minutes ago or less,
    /// so a scan that stopped part-way resumes; 0 (or `scan --full`) rescans everything.
    pub resume_within_minutes: u32,
    /// A ceiling on requests per second to each service a scan reads (EC2, RDS,
    /// CloudWatch, S3, STS), over all its jobs; 0: none but `concurrency`.
    pub requests_per_second: f64,
    pub thresholds: Thresholds,
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

pub const DEFAULT_ROLE_NAME: &str = "OrganizationAccountAccessRole";
pub const DEFAULT_SCAN_CONCURRENCY: u32 = 8;
pub const DEFAULT_RESUME_WITHIN_MINUTES: u32 = 60;

impl Default for ScanSettings {
    fn default() -> Self {
        ScanSettings {
            role_name: DEFAULT_ROLE_NAME.to_string(),
            accounts: Vec::new(),
            regions: Vec::new(),
            concurrency: DEFAULT_SCAN_CONCURRENCY,
            resume_within_minutes: DEFAULT_RESUME_WITHIN_MINUTES,
            requests_per_second: 0.0,
            thresholds: Thresholds::default(),
        }
    }
}

impl ScanSettings {
    fn parse(file: &Path, text: &str, raw: Option<RawScan>) -> Result<ScanSettings, ConfigError> {
        let d = ScanSettings::default();
        let t = d.thresholds.clone();
        let Some(raw) = raw else { return Ok(d) };
        Ok(ScanSettings {
            role_name: raw.role_name.unwrap_or(d.role_name),
            accounts: raw.accounts.unwrap_or_default(),
            regions: raw.regions.unwrap_or_default(),
            concurrency: within(file, text, raw.concurrency, 1..=64, d.concurrency)?,
            resume_within_minutes: within(
                file,
                text,
                raw.resume_within_minutes,
                0..=10_080,
                d.resume_within_minutes,
            )?,
            requests_per_second: rate(
                file,
                text,
                raw.requests_per_second,
                d.requests_per_second,
                1000.0,
            )?,
            thresholds: Thresholds {
                lookback_days: within(file, text, raw.lookback_days, 1..=63, t.lookback_days)?,
                idle_cpu_percent: within(
                    file,
                    text,
                    raw.idle_cpu_percent,
                    0.0..=100.0,
                    t.idle_cpu_percent,
                )?,
                idle_network_mib_per_day: within(
                    file,
                    text,
                    raw.idle_network_mib_per_day,
                    0.0..=1e6,
                    t.idle_network_mib_per_day,
                )?,
                unattached_volume_days: within(
                    file,
                    text,
                    raw.unattached_volume_days,
                    0..=3650,
                    t.unattached_volume_days,
                )?,
                snapshot_age_days: within(
                    file,
                    text,
                    raw.snapshot_age_days,
                    0..=3650,
                    t.snapshot_age_days,
                )?,
                s3_min_standard_gib: within(
                    file,
                    text,
                    raw.s3_min_standard_gib,
                    0..=1_000_000_000,
                    t.s3_min_standard_gib,
                )?,
                s3_ia_after_days: within(
                    file,
                    text,
                    raw.s3_ia_after_days,
                    30..=3650,
                    t.s3_ia_after_days,
                )?,
                s3_glacier_ir_after_days: within(
                    file,
                    text,
                    raw.s3_glacier_ir_after_days,
                    30..=3650,
                    t.s3_glacier_ir_after_days,
                )?,
                idle_rds_max_connections: within(
                    file,
                    text,
                    raw.idle_rds_max_connections,
                    0.0..=1e6,
                    t.idle_rds_max_connections,
                )?,
            },
        })
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
}

impl Default for Config {
    fn default() -> Self {
        Config {
            theme: "default".to_string(),
            metric: Metric::Unblended,
            range: RangePreset::MonthToDate,
            granularity: Granularity::Daily,
            group_by_ou: false,
            max_sync_cost: None,
            bill_final_after_day: DEFAULT_FINAL_AFTER_DAY,
            ce_requests_per_second: DEFAULT_CE_REQUESTS_PER_SECOND,
            ce_max_attempts: DEFAULT_CE_MAX_ATTEMPTS,
            scan: ScanSettings::default(),
            apply: ApplySettings::default(),
        }
    }
}

impl Config {
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
            bill_final_after_day: within(
                file,
                text,
                raw.bill_final_after_day,
                1..=28,
                defaults.bill_final_after_day,
            )?,
            ce_requests_per_second: rate(
                file,
                text,
                raw.ce_requests_per_second,
                defaults.ce_requests_per_second,
                100.0,
            )?,
            ce_max_attempts: within(
                file,
                text,
                raw.ce_max_attempts,
                1..=10,
                defaults.ce_max_attempts,
            )?,
            scan: ScanSettings::parse(file, text, raw.scan)?,
            apply: ApplySettings::parse(file, text, raw.apply)?,
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

/// Requests per second: 0 (no ceiling) or from one request a minute to `fastest` a
/// second. A tiny positive rate (1e-30) would mean waiting longer than time can hold.
fn rate(
    file: &Path,
    text: &str,
    value: Option<toml::Spanned<f64>>,
    default: f64,
    fastest: f64,
) -> Result<f64, ConfigError> {
    const SLOWEST: f64 = 1.0 / 60.0;
    match value {
        Some(v) if *v.get_ref() != 0.0 && !(SLOWEST..=fastest).contains(v.get_ref()) => {
            Err(ConfigError::at(
                file,
                text,
                v.span().start,
                format!(
                    "{} is out of range: use 0 for no ceiling, or {SLOWEST:.4} (one a minute) to {fastest}",
                    v.get_ref()
                ),
            ))
        }
        other => within(file, text, other, 0.0..=fastest, default),
    }
}

/// A number that must lie in `range`, or the default when absent.
fn within<T>(
    file: &Path,
    text: &str,
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
            file,
            text,
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
    fn missing_file_gives_defaults() {
        let (c, warning) = Config::load(Path::new("/nonexistent/costscope/config.toml")).unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(warning, None);
    }
}
