//! What a sync reports while it runs, for a progress bar, plain lines or the TUI.

use crate::domain::{CostScope, Month};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncEvent {
    Scope(CostScope),
    /// Something the user should know about what the totals cover.
    Advice(String),
    Organization {
        accounts: usize,
        units: usize,
    },
    Planned {
        months: Vec<Month>,
        estimate: crate::domain::sync_plan::RequestEstimate,
    },
    MonthStarted {
        month: Month,
        index: usize,
        of: usize,
    },
    MonthLoaded {
        month: Month,
        rows: u64,
        requests: u32,
        is_final: bool,
    },
    MonthFailed {
        month: Month,
        reason: String,
    },
    /// A month the views read from another source (an export): kept as it is.
    MonthKept {
        month: Month,
        source: String,
    },
    Stopped(String),
    /// A scan is about to reach this many accounts.
    ScanPlanned {
        accounts: usize,
        concurrency: u32,
    },
    /// An account the scan could not enter (its role could not be assumed, ...).
    AccountNotScanned {
        account: String,
        reason: String,
    },
    /// Regions left out because the account has not opted in to them.
    RegionsSkipped {
        account: String,
        regions: Vec<String>,
    },
    UnitScanned {
        account: String,
        unit: String,
        resources: usize,
        findings: usize,
        done: usize,
        known: usize,
    },
    UnitNotScanned {
        account: String,
        unit: String,
        reason: String,
    },
}

impl fmt::Display for SyncEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncEvent::Scope(scope) => write!(f, "signed in to {scope}"),
            SyncEvent::ScanPlanned {
                accounts,
                concurrency,
            } => write!(
                f,
                "scanning {n0_account}, {n1_account_region} at a time",
                n0_account = crate::domain::words::plural(*accounts, "account"),
                n1_account_region = crate::domain::words::plural(*concurrency, "account-region")
            ),
            SyncEvent::AccountNotScanned { account, reason } => {
                write!(f, "{account}: NOT SCANNED: {reason}")
            }
            SyncEvent::RegionsSkipped { account, regions } => write!(
                f,
                "{account}: skipped {n0_region} not opted in: {}",
                regions.join(", "),
                n0_region = crate::domain::words::plural(regions.len(), "region")
            ),
            SyncEvent::UnitScanned {
                account,
                unit,
                resources,
                findings,
                done,
                known,
            } => write!(
                f,
                "[{done}/{known}] {account} {unit}: {n0_resource}, {n1_finding}",
                n0_resource = crate::domain::words::plural(*resources, "resource"),
                n1_finding = crate::domain::words::plural(*findings, "finding")
            ),
            SyncEvent::UnitNotScanned {
                account,
                unit,
                reason,
            } => write!(f, "{account} {unit}: NOT SCANNED: {reason}"),
            SyncEvent::Advice(text) => write!(f, "note: {text}"),
            SyncEvent::Organization { accounts, units } => {
                write!(
                    f,
                    "organization: {} in {}",
                    crate::domain::words::plural(*accounts, "account"),
                    crate::domain::words::plural(*units, "unit")
                )
            }
            SyncEvent::Planned { months, estimate } => write!(
                f,
                "fetching {}, newest first: {}",
                crate::domain::words::plural(months.len(), "month"),
                estimate.describe(|n| crate::domain::call_prices::ce_price(u64::from(n)))
            ),
            SyncEvent::MonthStarted { month, index, of } => {
                write!(f, "{month}: fetching ({}/{of})", index + 1)
            }
            SyncEvent::MonthLoaded {
                month,
                rows,
                requests,
                is_final,
            } => write!(
                f,
                "{month}: {rows} rows in {n0_request} ({})",
                if *is_final { "final" } else { "open" },
                n0_request = crate::domain::words::plural(*requests, "request")
            ),
            SyncEvent::MonthFailed { month, reason } => write!(f, "{month}: not loaded: {reason}"),
            SyncEvent::MonthKept { month, source } => write!(
                f,
                "{month}: kept from {source}; Cost Explorer's totals saved for `costscope reconcile`"
            ),
            SyncEvent::Stopped(why) => write!(f, "stopped {why}"),
        }
    }
}

/// Receives a sync's events as they happen.
pub trait Progress {
    fn event(&mut self, event: &SyncEvent);
}

impl<F: FnMut(&SyncEvent)> Progress for F {
    fn event(&mut self, event: &SyncEvent) {
        self(event)
    }
}
