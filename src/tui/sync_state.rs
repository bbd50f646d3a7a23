//! The background sync's state as the views show it: whether one can start, its
//! progress, and what the last one cost (kept apart from `state`, which holds the views).

use crate::domain::Month;

/// The background sync as the status bar shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStatus {
    /// A sync can be started here (a real cache, with AWS reachable in principle).
    pub available: bool,
    pub running: Option<SyncRun>,
    /// The last sync could not reach AWS: the views show the cache only.
    pub offline: bool,
    /// Cost Explorer requests of the last sync, from the cache.
    pub last_sync_requests: Option<u64>,
    /// The pages per month the last sync took: what the next one is estimated from.
    pub last_sync_pages: Option<crate::domain::sync_plan::PagesPerMonth>,
    /// Cost Explorer requests costscope made this calendar month, from the cache.
    pub ce_requests_this_month: u64,
    /// The AWS Data Export the sync reads instead of Cost Explorer, if any.
    pub export: Option<String>,
}

/// How far a running sync is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncRun {
    pub done: usize,
    pub of: usize,
    pub current: Option<Month>,
}
