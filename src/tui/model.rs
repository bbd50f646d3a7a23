//! What the views show, as loaded from the cache for the current view, range and metric.

use crate::domain::{DailyPoint, Money};
use crate::store::{AccountKey, ServiceKey};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowKey {
    Account(AccountKey),
    Service(ServiceKey),
    Day(chrono::NaiveDate),
    /// An organizational-unit header in the grouped accounts view.
    Unit,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TableRow {
    pub key: RowKey,
    pub name: String,
    /// Account id, OU path, or other secondary text.
    pub detail: String,
    /// `None`: unknown (not in the cache), shown as "—", never as $0.
    pub amount: Option<Money>,
    pub previous: Option<Money>,
    /// Share of the table's total, for the share bar only.
    pub share: f64,
    /// Grouping label (OU path) for the grouped view.
    pub group: String,
    pub depth: u8,
}

impl TableRow {
    /// Cost minus previous, when both are known.
    pub fn change(&self) -> Option<Money> {
        Some(self.amount? - self.previous?)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Headline {
    pub month_to_date: Option<Money>,
    pub last_month: Option<Money>,
    pub same_period_last_month: Option<Money>,
    pub forecast: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct OverviewData {
    pub headline: Headline,
    pub chart: Vec<DailyPoint>,
    pub total: Option<Money>,
    pub previous_total: Option<Money>,
    pub top_accounts: Vec<TableRow>,
    pub top_services: Vec<TableRow>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TableData {
    pub rows: Vec<TableRow>,
    pub total: Option<Money>,
    pub previous_total: Option<Money>,
    /// The daily (or monthly) series of the whole table, for its chart.
    pub chart: Vec<DailyPoint>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub enum ViewData {
    #[default]
    Empty,
    Overview(OverviewData),
    Table(TableData),
    Findings(Box<super::findings_data::FindingsData>),
    /// The remediation audit log, oldest first.
    Audit(Vec<crate::domain::audit::AuditEntry>),
    /// The cache could not answer for this view: say so rather than show other data.
    Unavailable(String),
}
