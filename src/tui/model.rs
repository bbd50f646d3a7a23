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

/// A column of a sortable table: its title, whether it is right-aligned, and which way
/// it sorts first (names A to Z, amounts biggest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub title: &'static str,
    pub right_aligned: bool,
    pub descending_first: bool,
}

impl Column {
    pub const fn text(title: &'static str) -> Column {
        Column {
            title,
            right_aligned: false,
            descending_first: false,
        }
    }

    pub const fn amount(title: &'static str) -> Column {
        Column {
            title,
            right_aligned: true,
            descending_first: true,
        }
    }
}

/// Columns of every cost table; sort keys cycle through them.
pub const COLUMNS: &[Column] = &[
    Column::text("Name"),
    Column::text("Detail"),
    Column::amount("Cost"),
    Column::amount("Previous"),
    Column::amount("Change"),
    Column {
        title: "Share",
        right_aligned: false,
        descending_first: true,
    },
];
pub const COST_COLUMN: usize = 2;
