//! The findings view's data: what the cache holds of findings and scans, the open
//! findings by account and service for the cost views' badges, and how totals read.

use crate::domain::alternatives::Alternatives;
use crate::domain::findings::SavingsTotal as Total;
use crate::domain::findings::TrackedFinding;
use crate::domain::{Money, Stamp};
use crate::store::ScanUnit;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct FindingsData {
    pub findings: Vec<TrackedFinding>,
    /// The open findings whose resource's saving another finding counts.
    pub alternatives: Alternatives,
    /// Units the scans could not reach or left out.
    pub not_scanned: Vec<ScanUnit>,
    pub units_scanned: usize,
    pub last_scan_at: Option<Stamp>,
    /// Dismissed and closed findings are listed too.
    pub all: bool,
}

/// Open findings per account and service, for the cost views.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingIndex {
    pub by_pair: HashMap<(String, String), Total>,
    pub by_account: HashMap<String, Total>,
    pub by_service: HashMap<String, Total>,
    /// By resource id: its open findings' savings, and the one to open.
    pub by_resource: HashMap<String, (Total, i64)>,
}

impl FindingIndex {
    pub fn is_empty(&self) -> bool {
        self.by_account.is_empty()
    }

    /// The open findings of the resource a bill names: by its id, or by the id at the
    /// end of its ARN (`arn:aws:rds:…:db:orders` is `orders`).
    pub fn of_resource(&self, billed_as: &str) -> Option<&(Total, i64)> {
        self.by_resource.get(billed_as).or_else(|| {
            let tail = billed_as.rsplit([':', '/']).next()?;
            self.by_resource.get(tail)
        })
    }

    /// The finding Enter opens from a resource's cost row.
    pub fn finding_of(&self, billed_as: &str) -> Option<i64> {
        self.of_resource(billed_as).map(|(_, id)| *id)
    }
}

/// "$412/mo", "≤$80/mo" (upper bounds only), "$412+≤$80/mo", or "?" when no saving
/// is known: firm and up-to savings never blended into one number.
pub fn badge_amount(total: &Total, per: &str) -> String {
    let (firm, up_to) = (total.monthly, total.up_to_monthly);
    match (firm != Money::ZERO, up_to != Money::ZERO) {
        _ if total.findings == total.unknown => "?".to_string(),
        (true, true) => format!("{}+≤{}{per}", firm.format_compact(), up_to.format_compact()),
        (false, true) => format!("≤{}{per}", up_to.format_compact()),
        _ => format!("{}{per}", firm.format_compact()),
    }
}

/// "3 · $412/mo" for the cost views' narrow Findings column; with upper bounds among
/// them, the most they could save: "5 · ≤$492/mo".
pub fn badge(total: &Total) -> String {
    let amount = match total.at_most() {
        _ if total.findings == total.unknown => "?".to_string(),
        Ok(most) if total.up_to_monthly != Money::ZERO => {
            format!("≤{}/mo", most.format_compact())
        }
        Ok(_) => format!("{}/mo", total.monthly.format_compact()),
        Err(_) => "too large".to_string(),
    };
    format!("{} · {amount}", total.findings)
}
