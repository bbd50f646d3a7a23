//! The background scan's state, as the status bar and the scan dialog show it.

/// The background scan as the status bar shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanStatus {
    /// A scan can be started here (a real cache, with AWS reachable in principle).
    pub available: bool,
    pub running: Option<ScanRun>,
    /// The accounts and regions the config limits a scan to (empty: all).
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    /// CloudWatch metrics the last scan requested, from the cache.
    pub last_metrics: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanRun {
    /// Account-regions (and bucket units) done, of those known so far: each account's
    /// regions are known once it is entered.
    pub done: usize,
    pub known: usize,
    pub accounts: usize,
    pub not_scanned: usize,
    /// The last unit that landed, "account region".
    pub last: Option<String>,
}

/// What the scan dialog shows before anything is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanEstimate {
    pub accounts: usize,
    /// Empty: every enabled region of each account.
    pub regions: Vec<String>,
    pub last_metrics: Option<u64>,
}
