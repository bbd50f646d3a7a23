//! The `[scan]` table of `config.toml`.

use super::values::Located;
use super::ConfigError;
use crate::domain::rules::Thresholds;
use serde::Deserialize;

/// The `[scan]` table: reach, concurrency and the rules' thresholds.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScan {
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
    pub(super) fn parse(at: Located, raw: Option<RawScan>) -> Result<ScanSettings, ConfigError> {
        let d = ScanSettings::default();
        let t = d.thresholds.clone();
        let Some(raw) = raw else { return Ok(d) };
        Ok(ScanSettings {
            role_name: raw.role_name.unwrap_or(d.role_name),
            accounts: raw.accounts.unwrap_or_default(),
            regions: raw.regions.unwrap_or_default(),
            concurrency: at.within(raw.concurrency, 1..=64, d.concurrency)?,
            resume_within_minutes: at.within(
                raw.resume_within_minutes,
                0..=10_080,
                d.resume_within_minutes,
            )?,
            requests_per_second: at.rate(raw.requests_per_second, d.requests_per_second, 1000.0)?,
            thresholds: Thresholds {
                lookback_days: at.within(raw.lookback_days, 1..=63, t.lookback_days)?,
                idle_cpu_percent: at.within(
                    raw.idle_cpu_percent,
                    0.0..=100.0,
                    t.idle_cpu_percent,
                )?,
                idle_network_mib_per_day: at.within(
                    raw.idle_network_mib_per_day,
                    0.0..=1e6,
                    t.idle_network_mib_per_day,
                )?,
                unattached_volume_days: at.within(
                    raw.unattached_volume_days,
                    0..=3650,
                    t.unattached_volume_days,
                )?,
                snapshot_age_days: at.within(
                    raw.snapshot_age_days,
                    0..=3650,
                    t.snapshot_age_days,
                )?,
                s3_min_standard_gib: at.within(
                    raw.s3_min_standard_gib,
                    0..=1_000_000_000,
                    t.s3_min_standard_gib,
                )?,
                s3_ia_after_days: at.within(raw.s3_ia_after_days, 30..=3650, t.s3_ia_after_days)?,
                s3_glacier_ir_after_days: at.within(
                    raw.s3_glacier_ir_after_days,
                    30..=3650,
                    t.s3_glacier_ir_after_days,
                )?,
                idle_rds_max_connections: at.within(
                    raw.idle_rds_max_connections,
                    0.0..=1e6,
                    t.idle_rds_max_connections,
                )?,
            },
        })
    }
}
