//! What the views show, as loaded from the cache for the current view, range and metric.

use crate::domain::fees::Spread;
use crate::domain::{DailyPoint, Money, Month};
use crate::store::{AccountKey, ServiceKey};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowKey {
    Account(AccountKey),
    Service(ServiceKey),
    Day(chrono::NaiveDate),
    /// An organizational-unit header in the grouped accounts view.
    Unit,
    /// A region, usage type, resource, tag, ... (a key of the cache's names).
    Detail(i64),
    /// A tag value list's cost that carries no value of the tag.
    Untagged,
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
    /// What the comparison adds to `amount` and `previous`: once-a-month fees spread
    /// over their month (zero over whole months).
    pub spread: Spread,
    /// Share of the table's total, for the share bar only.
    pub share: f64,
    /// Grouping label (OU path) for the grouped view.
    pub group: String,
    pub depth: u8,
}

impl TableRow {
    /// Cost and previous as the comparison sees them, fees spread over their month.
    pub fn compared(&self) -> (Option<Money>, Option<Money>) {
        self.spread.apply(self.amount, self.previous)
    }

    /// The change from previous, when both are known (fees spread over their month).
    pub fn change(&self) -> Option<Money> {
        match self.compared() {
            (Some(current), Some(previous)) => Some(current - previous),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Headline {
    pub month_to_date: Option<Money>,
    pub last_month: Option<Money>,
    pub same_period_last_month: Option<Money>,
    pub forecast: Option<Money>,
    /// What comparing month to date with the same days of last month spreads.
    pub spread: Spread,
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
    /// What the comparison spreads, summed over the rows.
    pub spread: Spread,
    /// Months the range or the previous one covers in part whose once-a-month fees
    /// were not read apart: the comparison may hold them.
    pub fees_unknown: Vec<crate::domain::Month>,
    /// The daily (or monthly) series of the whole table, for its chart.
    pub chart: Vec<DailyPoint>,
    /// What the title adds about where the rows come from ("whole months Oct–Nov
    /// 2026 (detail is kept by month)").
    pub note: Option<String>,
}

impl TableData {
    /// A series' points as a table of days (or months), each compared with the one before.
    pub fn series(chart: Vec<DailyPoint>, monthly: bool) -> TableData {
        let total: Money = chart.iter().map(|p| p.amount).sum();
        let mut rows = Vec::with_capacity(chart.len());
        let mut before: Option<Money> = None;
        for p in &chart {
            let (name, detail) = if monthly {
                (Month::of(p.day).label(), String::new())
            } else {
                (p.day.to_string(), p.day.format("%a").to_string())
            };
            rows.push(TableRow {
                key: RowKey::Day(p.day),
                name,
                detail,
                amount: Some(p.amount),
                previous: before,
                spread: Spread::default(),
                share: if total > Money::ZERO {
                    p.amount.as_f64_for_display() / total.as_f64_for_display()
                } else {
                    0.0
                },
                group: String::new(),
                depth: 0,
            });
            before = Some(p.amount);
        }
        TableData {
            rows,
            total: (!chart.is_empty()).then_some(total),
            previous_total: None,
            spread: Spread::default(),
            fees_unknown: Vec::new(),
            chart,
            note: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub enum ViewData {
    #[default]
    Empty,
    Overview(OverviewData),
    Table(TableData),
    Findings(Box<super::findings_data::FindingsData>),
    /// Every month both Cost Explorer and an export hold, reconciled.
    Reconcile(Vec<crate::domain::reconcile::MonthReconciliation>),
    /// The remediation audit log, oldest first.
    Audit(Vec<crate::domain::audit::AuditEntry>),
    /// The cache could not answer for this view: say so rather than show other data.
    Unavailable(String),
}
