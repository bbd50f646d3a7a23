//! What makes each optimizer rule fire: the thresholds from `[scan]` in the config.

/// The thresholds, with the defaults documented in docs/configuration.md.
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    pub lookback_days: u32,
    /// Idle EC2: every daily average CPU below this, percent.
    pub idle_cpu_percent: f64,
    /// Idle EC2: every day's network in + out below this, MiB.
    pub idle_network_mib_per_day: f64,
    /// Unattached volume: at least this many days old.
    pub unattached_volume_days: u32,
    /// Old snapshot: at least this many days old.
    pub snapshot_age_days: u32,
    /// S3 tiering: at least this many GiB in Standard.
    pub s3_min_standard_gib: u64,
    pub s3_ia_after_days: u32,
    pub s3_glacier_ir_after_days: u32,
    /// Idle RDS: at most this many connections on any day.
    pub idle_rds_max_connections: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            lookback_days: 14,
            idle_cpu_percent: 2.0,
            idle_network_mib_per_day: 5.0,
            unattached_volume_days: 7,
            snapshot_age_days: 90,
            s3_min_standard_gib: 100,
            s3_ia_after_days: 30,
            s3_glacier_ir_after_days: 90,
            idle_rds_max_connections: 0.0,
        }
    }
}
